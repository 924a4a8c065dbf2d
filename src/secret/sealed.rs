//! The site key sealed with a passphrase for carrying to a new booth: argon2id derives a
//! 256-bit key from the passphrase, XChaCha20-Poly1305 encrypts the site key and authenticates
//! the header (site and fingerprint) with it. The file is plain text, so it survives e-mail.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use super::{SecretError, SiteSecret};

const MAGIC: &str = "gardu site key v1";
/// The shortest passphrase accepted.
pub const MIN_PASSPHRASE_CHARS: usize = 8;
/// The most memory a file may ask the key derivation for (KiB): a bigger figure is a damaged or
/// hostile file, not a key.
const MAX_MEMORY_KIB: u32 = 1 << 20;

/// A site key read back from a sealed file.
#[derive(Debug)]
pub struct Unsealed {
    /// The site the key belongs to.
    pub site: String,
    /// The key.
    pub key: SiteSecret,
}

fn sealed_error(text: impl Into<String>) -> SecretError {
    SecretError::Sealed(text.into())
}

fn derive(passphrase: &str, salt: &[u8], params: Params) -> Result<XChaCha20Poly1305, SecretError> {
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|err| sealed_error(format!("the passphrase could not be stretched: {err}")))?;
    Ok(XChaCha20Poly1305::new(&key.into()))
}

fn aad(site: &str, fingerprint: &str) -> Vec<u8> {
    format!("{MAGIC}\n{site}\n{fingerprint}").into_bytes()
}

/// The sealed file's text for `key` of `site`. `params` sets the argon2 cost (recorded in
/// the file); `random` gives the salt and nonce.
pub fn seal(
    key: &SiteSecret,
    site: &str,
    passphrase: &str,
    params: Params,
    random: &mut dyn RngCore,
) -> Result<String, SecretError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(sealed_error(format!(
            "the passphrase must have at least {MIN_PASSPHRASE_CHARS} characters"
        )));
    }
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 24];
    random.fill_bytes(&mut salt);
    random.fill_bytes(&mut nonce);
    let fingerprint = key.fingerprint();
    let (m, t, p) = (params.m_cost(), params.t_cost(), params.p_cost());
    let cipher = derive(passphrase, &salt, params)?;
    let sealed = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: key.bytes(), aad: &aad(site, &fingerprint) })
        .map_err(|_| sealed_error("the site key could not be encrypted"))?;
    Ok(format!(
        "{MAGIC}\nsite: {site}\nfingerprint: {fingerprint}\nkdf: argon2id m={m} t={t} p={p}\nsalt: {}\nnonce: {}\nkey: {}\n",
        B64.encode(salt),
        B64.encode(nonce),
        B64.encode(sealed)
    ))
}

/// Opens a sealed file's text with the passphrase; a wrong passphrase or any changed byte is
/// refused.
pub fn unseal(text: &str, passphrase: &str) -> Result<Unsealed, SecretError> {
    let damaged = || sealed_error("this is not a sealed site key file, or it is damaged");
    let mut lines = text.lines();
    if lines.next().map(str::trim) != Some(MAGIC) {
        return Err(damaged());
    }
    let mut field = |name: &str| -> Result<String, SecretError> {
        let line = lines.next().ok_or_else(damaged)?;
        let value = line.strip_prefix(name).and_then(|rest| rest.strip_prefix(": ")).ok_or_else(damaged)?;
        Ok(value.trim().to_string())
    };
    let site = field("site")?;
    let fingerprint = field("fingerprint")?;
    let kdf = field("kdf")?;
    let salt = B64.decode(field("salt")?).map_err(|_| damaged())?;
    let nonce: [u8; 24] =
        B64.decode(field("nonce")?).ok().and_then(|n| n.try_into().ok()).ok_or_else(damaged)?;
    let sealed = B64.decode(field("key")?).map_err(|_| damaged())?;
    let params = parse_kdf(&kdf).ok_or_else(damaged)?;
    let cipher = derive(passphrase, &salt, params)?;
    let opened = cipher
        .decrypt(&XNonce::from(nonce), Payload { msg: &sealed, aad: &aad(&site, &fingerprint) })
        .map_err(|_| sealed_error("wrong passphrase, or the file was changed; nothing was installed"))?;
    let bytes: [u8; 32] = opened.try_into().map_err(|_| damaged())?;
    let key = SiteSecret::from_bytes(bytes);
    if key.fingerprint() != fingerprint {
        return Err(damaged());
    }
    Ok(Unsealed { site, key })
}

/// `argon2id m=19456 t=2 p=1`, within sane bounds.
fn parse_kdf(text: &str) -> Option<Params> {
    let mut words = text.split_whitespace();
    if words.next()? != "argon2id" {
        return None;
    }
    let mut value = |name: &str| words.next()?.strip_prefix(name)?.strip_prefix('=')?.parse::<u32>().ok();
    let (m, t, p) = (value("m")?, value("t")?, value("p")?);
    if m > MAX_MEMORY_KIB || t > 64 || p > 16 {
        return None;
    }
    Params::new(m, t, p, Some(32)).ok()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn cheap() -> Params {
        Params::new(1024, 1, 1, Some(32)).unwrap()
    }

    #[test]
    fn sealed_and_opened_with_the_passphrase_only() {
        let key = SiteSecret::from_bytes([7; 32]);
        let mut random = rand::rngs::StdRng::seed_from_u64(1);
        let text = seal(&key, "SITE-01", "kuda lumping", cheap(), &mut random).unwrap();
        assert!(!text.contains(&super::super::to_hex(key.bytes())), "the key is not in clear");
        assert!(text.contains(&key.fingerprint()));
        let opened = unseal(&text, "kuda lumping").unwrap();
        assert_eq!(opened.key, key);
        assert_eq!(opened.site, "SITE-01");
        let wrong = unseal(&text, "kuda lumpinG").unwrap_err().to_string();
        assert!(wrong.contains("wrong passphrase"), "{wrong}");
        let moved = text.replace("site: SITE-01", "site: SITE-02");
        assert!(unseal(&moved, "kuda lumping").is_err(), "the header is authenticated");
        assert!(unseal("hello", "kuda lumping").is_err());
    }

    #[test]
    fn a_short_passphrase_is_refused() {
        let key = SiteSecret::from_bytes([7; 32]);
        let mut random = rand::rngs::StdRng::seed_from_u64(1);
        assert!(seal(&key, "SITE-01", "short", cheap(), &mut random).is_err());
    }

    #[test]
    fn a_file_asking_for_absurd_memory_is_refused() {
        assert!(parse_kdf("argon2id m=19456 t=2 p=1").is_some());
        assert!(parse_kdf("argon2id m=4294967295 t=2 p=1").is_none());
        assert!(parse_kdf("scrypt m=1 t=1 p=1").is_none());
    }
}
