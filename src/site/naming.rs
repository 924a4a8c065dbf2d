//! Naming a booth on its first run: the booth code checked as the config checks it, and
//! written into `config.toml` with the file's comments and other keys kept.

use std::path::Path;

use crate::config::{Config, Mode};
use crate::domain::ticket::MAX_BOOTH_LEN;

/// Why the booth's name was not saved.
#[derive(Debug, thiserror::Error)]
pub enum NamingError {
    /// Not 1–6 capital letters or digits.
    #[error("a booth code is 1–{MAX_BOOTH_LEN} capital letters or digits, e.g. OUT2")]
    Invalid,
    /// The config file cannot be read or parsed.
    #[error("{file} cannot be read: {reason}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// The config file cannot be written.
    #[error("{file} cannot be written: {reason}")]
    Write {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
}

/// The code as typed, trimmed and in capitals, when it is a valid booth code.
pub fn booth_code(text: &str) -> Result<String, NamingError> {
    let code = text.trim().to_ascii_uppercase();
    let valid = !code.is_empty()
        && code.len() <= MAX_BOOTH_LEN
        && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if valid { Ok(code) } else { Err(NamingError::Invalid) }
}

/// Writes `[booth] code` (and `mode`, when the file has none) into the config file at `path`.
/// A missing file is created with what this run used that is not the file default: the booth
/// and, for a booth running on the zero-config defaults, `[simulation] enabled = true`, so the
/// next start behaves as this one. The write goes through a temporary file and a rename.
pub fn save_booth_code(path: &Path, code: &str, mode: Mode, config: &Config) -> Result<(), NamingError> {
    let file = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(NamingError::Read { file, reason: err.to_string() }),
    };
    let mut doc = match &text {
        Some(text) => text
            .parse::<toml_edit::DocumentMut>()
            .map_err(|err| NamingError::Read { file: file.clone(), reason: err.to_string() })?,
        None => toml_edit::DocumentMut::new(),
    };
    let booth = doc
        .entry("booth")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| NamingError::Read { file: file.clone(), reason: "[booth] is not a table".into() })?;
    booth.insert("code", toml_edit::value(code));
    if booth.get("mode").is_none() {
        booth.insert("mode", toml_edit::value(mode.to_string()));
    }
    if text.is_none() && config.simulation.enabled {
        let mut simulation = toml_edit::Table::new();
        simulation.insert("enabled", toml_edit::value(true));
        doc.insert("simulation", toml_edit::Item::Table(simulation));
    }
    let written = doc.to_string();
    // Never leave a file the next start would refuse.
    Config::parse(&written, &file)
        .map_err(|err| NamingError::Write { file: file.clone(), reason: err.to_string() })?;
    let fail = |err: std::io::Error| NamingError::Write { file: file.clone(), reason: err.to_string() };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let temporary = path.with_extension("toml.tmp");
    std::fs::write(&temporary, written).map_err(fail)?;
    std::fs::rename(&temporary, path).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booth_codes_are_trimmed_capitalised_and_checked() {
        let cases = [
            (" out2 ", Some("OUT2")),
            ("KELUAR", Some("KELUAR")),
            ("", None),
            ("OUT-2", None),
            ("TOOLONG1", None),
        ];
        for (typed, expected) in cases {
            assert_eq!(booth_code(typed).ok().as_deref(), expected, "{typed:?}");
        }
    }

    #[test]
    fn the_code_is_written_into_an_existing_file_keeping_its_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "# our site\n[site]\ncode = \"JKT-MALL-01\"\n\n[booth]\nmode = \"exit\"\n")
            .unwrap();
        save_booth_code(&path, "OUT2", Mode::Exit, &Config::default()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("# our site"), "{text}");
        let config = Config::parse(&text, "config.toml").unwrap();
        assert_eq!((config.booth.code.as_str(), config.booth.mode), ("OUT2", Mode::Exit));
        assert!(config.booth.code_configured);
        assert_eq!(config.site.code, "JKT-MALL-01");
    }

    #[test]
    fn a_missing_file_is_made_with_the_mode_and_the_zero_config_simulation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        save_booth_code(&path, "ADM2", Mode::Admin, &Config::zero()).unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!((config.booth.code.as_str(), config.booth.mode), ("ADM2", Mode::Admin));
        assert!(config.simulation.enabled, "the next start behaves as this one");
    }
}
