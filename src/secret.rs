//! The site secret that signs ticket codes: made once, kept in a 0600 file, never logged.

use std::fmt;
use std::io::Write;
use std::path::Path;

use rand::RngCore;

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
}

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

    /// Reads the secret, or makes a new one (mode 0600) when the file does not exist yet.
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

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
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
