//! The data folder's lock file: every console holds it shared while it runs, and a restore
//! takes it exclusively, so a database is never swapped under a running booth.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file's name inside the data folder.
pub const LOCK_FILE: &str = "gardu.lock";

/// Why the data folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another program holds the folder (a console while restoring, a restore while starting).
    #[error(
        "the data folder {0} is in use by a running Gardu console or restore; close it at this PC and \
         try again"
    )]
    InUse(PathBuf),
    /// The lock file cannot be created or locked.
    #[error("the lock file {path} cannot be used: {source}; check the data folder's permissions")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

/// A held lock on the data folder; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct DataFolderLock {
    _file: File,
}

impl DataFolderLock {
    /// Shared: several consoles (entry and exit on one PC) may run on one folder at once.
    pub fn shared(data_dir: &Path) -> Result<DataFolderLock, LockError> {
        Self::take(data_dir, false)
    }

    /// Exclusive: nothing else may use the folder meanwhile (a restore).
    pub fn exclusive(data_dir: &Path) -> Result<DataFolderLock, LockError> {
        Self::take(data_dir, true)
    }

    fn take(data_dir: &Path, exclusive: bool) -> Result<DataFolderLock, LockError> {
        let path = data_dir.join(LOCK_FILE);
        let io = |source| LockError::Io { path: path.clone(), source };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io)?;
        let taken = if exclusive { file.try_lock() } else { file.try_lock_shared() };
        match taken {
            Ok(()) => Ok(DataFolderLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::InUse(data_dir.to_path_buf())),
            Err(TryLockError::Error(source)) => Err(io(source)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consoles_share_the_folder_and_a_restore_waits_for_them() {
        let dir = tempfile::tempdir().unwrap();
        let entry = DataFolderLock::shared(dir.path()).unwrap();
        let exit = DataFolderLock::shared(dir.path()).unwrap();
        assert!(matches!(DataFolderLock::exclusive(dir.path()), Err(LockError::InUse(_))));
        drop((entry, exit));
        let restore = DataFolderLock::exclusive(dir.path()).unwrap();
        assert!(matches!(DataFolderLock::shared(dir.path()), Err(LockError::InUse(_))));
        drop(restore);
        assert!(DataFolderLock::shared(dir.path()).is_ok());
    }
}
