//! The site secret that signs ticket codes: made once per site, kept in a 0600 file on every
//! booth, never logged. The database records its fingerprint (never the key), so a booth with
//! another key, or none, refuses to work instead of silently making a second one; the key moves
//! to a new booth sealed with a passphrase ([`seal`], [`unseal`]).

use std::fmt;
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError};

pub mod sealed;

/// Why the secret could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// Reading or writing the file failed.
    #[error("the site secret file {path} could not be {action}: {source}")]
    Io {
        /// The file.
        path: String,
        /// `read` or `created`.
        action: &'static str,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is there but does not hold a secret.
    #[error(
        "the site secret file {0} is damaged (expected 64 hex characters); restore it from another booth of this site"
    )]
    Damaged(String),
    /// This booth's key is not the one the database records.
    #[error(
        "this booth's site key {file} (fingerprint {found}) is not the key of this site (fingerprint \
         {expected}): its tickets would not verify. {FIX}"
    )]
    Mismatch {
        /// The booth's file.
        file: String,
        /// Its fingerprint, short form.
        found: String,
        /// The database's, short form.
        expected: String,
    },
    /// The database records a key this booth does not have.
    #[error(
        "this booth has no site key ({file}) but the site has one (fingerprint {expected}); a new \
         key would make every genuine ticket look forged. {FIX}"
    )]
    Missing {
        /// Where the file should be.
        file: String,
        /// The database's fingerprint, short form.
        expected: String,
    },
    /// No key here and the database cannot say whether the site has one.
    #[error(
        "this booth has no site key ({file}) and the database cannot be reached to check the \
         site's ({reason}); connect the booth to the database and start again"
    )]
    Unverifiable {
        /// Where the file should be.
        file: String,
        /// Why the database did not answer.
        reason: String,
    },
    /// The database refused the question.
    #[error("the site key could not be checked against the database: {0}")]
    Store(#[from] StoreError),
    /// A sealed key file could not be read or opened.
    #[error("{0}")]
    Sealed(String),
}

/// How a booth gets the site's key: named in every refusal.
const FIX: &str = "On a booth that has the site's key run `gardu site-key export --out site-key.enc \
     --as ADMIN`, then here `gardu site-key import site-key.enc --as ADMIN`";

/// 32 random bytes shared by every booth of a site. `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct SiteSecret([u8; 32]);

impl fmt::Debug for SiteSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SiteSecret(***)")
    }
}

impl SiteSecret {
    /// A secret from known bytes (tests, booth cache).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key bytes for HMAC.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The fingerprint the database records: SHA-256 over a label and the key, 64 hex digits.
    /// It identifies the key without revealing it.
    pub fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(b"gardu site key v1\0");
        hash.update(self.0);
        to_hex(&hash.finalize())
    }

    /// Reads the secret; `None` when the file does not exist.
    pub fn load(path: &Path) -> Result<Option<SiteSecret>, SecretError> {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                parse_hex(text.trim()).map(|bytes| Some(SiteSecret(bytes))).ok_or(SecretError::Damaged(shown))
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(SecretError::Io { path: shown, action: "read", source }),
        }
    }

    /// Writes this key to a new file (mode 0600); an existing file is never replaced.
    pub fn install(&self, path: &Path) -> Result<(), SecretError> {
        write_private(path, &to_hex(&self.0)).map_err(|source| SecretError::Io {
            path: path.display().to_string(),
            action: "created",
            source,
        })
    }

    /// Reads the secret, or makes a new one (mode 0600) when the file does not exist yet.
    /// Only for a store-less run (tests, screenshots on a scratch folder): booths use
    /// [`open_for_site`], which never makes a second key for a site.
    pub fn load_or_create(path: &Path) -> Result<SiteSecret, SecretError> {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => parse_hex(text.trim()).map(SiteSecret).ok_or(SecretError::Damaged(shown)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                rand::rng().fill_bytes(&mut bytes);
                write_private(path, &to_hex(&bytes)).map_err(|source| SecretError::Io {
                    path: shown,
                    action: "created",
                    source,
                })?;
                tracing::info!(file = %path.display(), "made a new site secret");
                Ok(SiteSecret(bytes))
            }
            Err(source) => Err(SecretError::Io { path: shown, action: "read", source }),
        }
    }
}

/// The first 16 hex digits of a fingerprint in groups of four, as messages show it.
pub fn short_fingerprint(fingerprint: &str) -> String {
    let digits: Vec<char> = fingerprint.chars().take(16).collect();
    digits.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join(":")
}

/// The booth's key, checked against the fingerprint the database records for `site`:
///
/// - the database has one: the booth's file must match it, else [`SecretError::Mismatch`] or
///   [`SecretError::Missing`] (never a new key);
/// - the database has none yet: the booth's key (made now on a fresh site) is recorded, unless
///   another booth recorded its own at the same moment, in which case the new file is removed
///   and this booth must import that key;
/// - the database cannot be reached: the booth's file is used unchecked (a booth works
///   offline), and a booth without one refuses.
pub fn open_for_site(
    path: &Path,
    store: &dyn Store,
    site: &str,
    now: DateTime<Utc>,
) -> Result<SiteSecret, SecretError> {
    let file = path.display().to_string();
    let local = SiteSecret::load(path)?;
    let recorded = match store.site_key_fingerprint(site) {
        Ok(recorded) => recorded,
        Err(err) if err.goes_to_journal() => {
            return match local {
                Some(key) => {
                    tracing::warn!("site key not checked against the database ({err}); using {file}");
                    Ok(key)
                }
                None => Err(SecretError::Unverifiable { file, reason: err.to_string() }),
            };
        }
        Err(err) => return Err(err.into()),
    };
    match (recorded, local) {
        (Some(expected), Some(key)) => check(key, &expected, &file),
        (Some(expected), None) => Err(SecretError::Missing { file, expected: short_fingerprint(&expected) }),
        (None, Some(key)) => match store.claim_site_key_fingerprint(site, &key.fingerprint(), now) {
            Ok(recorded) => check(key, &recorded, &file),
            Err(err) if err.goes_to_journal() => {
                tracing::warn!("site key fingerprint not recorded yet ({err}); using {file}");
                Ok(key)
            }
            Err(err) => Err(err.into()),
        },
        (None, None) => {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            let key = SiteSecret(bytes);
            key.install(path)?;
            match store.claim_site_key_fingerprint(site, &key.fingerprint(), now) {
                Ok(recorded) if recorded == key.fingerprint() => {
                    tracing::info!(file = %file, "made the site key of {site}");
                    Ok(key)
                }
                other => {
                    // Another booth's key won, or the database went away: keep no key nobody knows.
                    let _ = std::fs::remove_file(path);
                    match other {
                        Ok(recorded) => {
                            Err(SecretError::Missing { file, expected: short_fingerprint(&recorded) })
                        }
                        Err(err) if err.goes_to_journal() => {
                            Err(SecretError::Unverifiable { file, reason: err.to_string() })
                        }
                        Err(err) => Err(err.into()),
                    }
                }
            }
        }
    }
}

fn check(key: SiteSecret, expected: &str, file: &str) -> Result<SiteSecret, SecretError> {
    let found = key.fingerprint();
    if found == expected {
        Ok(key)
    } else {
        Err(SecretError::Mismatch {
            file: file.to_string(),
            found: short_fingerprint(&found),
            expected: short_fingerprint(expected),
        })
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

/// Open options whose new files are readable and writable by their owner only (Unix mode
/// 0600; on Windows a new file inherits the data folder's ACL). For every file holding a key,
/// password hashes or personal data; the caller adds write/create/append.
pub fn private_options() -> std::fs::OpenOptions {
    #[allow(unused_mut, reason = "only Unix sets a mode")]
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = private_options().write(true).create_new(true).open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_then_read_back_and_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/site.secret");
        let first = SiteSecret::load_or_create(&path).unwrap();
        let second = SiteSecret::load_or_create(&path).unwrap();
        assert_eq!(first, second);
        assert_eq!(format!("{first:?}"), "SiteSecret(***)");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_file_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.secret");
        std::fs::write(&path, "not hex").unwrap();
        assert!(matches!(SiteSecret::load_or_create(&path), Err(SecretError::Damaged(_))));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not hex");
    }
}
