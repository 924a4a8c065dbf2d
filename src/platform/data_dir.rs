//! The data folder when neither `--data-dir` nor `GARDU_DATA_DIR` nor `--config` names one:
//! the current folder when this user can write there (a checkout, a booth folder), else
//! `%ProgramData%\Gardu` on Windows (the installer makes it writable for booth users), so a
//! program started from `C:\Program Files\Gardu` never tries to write beside itself.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

/// The folder name under `%ProgramData%`.
pub const PROGRAM_DATA_FOLDER: &str = "Gardu";

/// The default data folder of this computer.
pub fn default_dir() -> PathBuf {
    match program_data() {
        // Only where there is somewhere else to go is the current folder tried.
        Some(root) => choose(writable(Path::new(".")), Some(&root)),
        None => PathBuf::from("."),
    }
}

/// The rule itself: the current folder when writable, else `<ProgramData>\Gardu` when there is
/// one, else the current folder (the error then names it).
pub fn choose(current_writable: bool, program_data: Option<&Path>) -> PathBuf {
    match program_data {
        Some(root) if !current_writable && !root.as_os_str().is_empty() => root.join(PROGRAM_DATA_FOLDER),
        _ => PathBuf::from("."),
    }
}

/// `%ProgramData%` (usually `C:\ProgramData`) on Windows; `None` elsewhere.
pub fn program_data() -> Option<PathBuf> {
    if cfg!(windows) { std::env::var_os("ProgramData").map(PathBuf::from) } else { None }
}

/// Whether this user can create a file in `dir`: tried with a uniquely named file that is
/// removed at once (permissions alone do not tell on Windows, where ACLs and UAC decide).
pub fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".gardu-write-probe-{}", std::process::id()));
    match OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(file) => {
            drop(file);
            let _ = std::fs::remove_file(&probe);
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_folder_wins_when_writable() {
        assert_eq!(choose(true, Some(Path::new(r"C:\ProgramData"))), PathBuf::from("."));
        assert_eq!(choose(true, None), PathBuf::from("."));
    }

    #[test]
    fn program_data_is_used_when_the_current_folder_is_read_only() {
        let root = Path::new("/ProgramData");
        assert_eq!(choose(false, Some(root)), root.join("Gardu"));
        assert_eq!(choose(false, None), PathBuf::from("."));
        assert_eq!(choose(false, Some(Path::new(""))), PathBuf::from("."));
    }

    #[test]
    fn writability_is_tried_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        assert!(writable(dir.path()));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        assert!(!writable(&dir.path().join("missing")));
    }
}
