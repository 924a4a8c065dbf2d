//! `[backup]` and `[storage]`: scheduled database backups and the data folder's disk-space watch.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[backup]`: backups the console takes by itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupConfig {
    /// Hours between scheduled backups; 0 switches them off (default 24).
    pub every_hours: u32,
    /// How many scheduled backups the folder keeps; older ones are removed (default 7).
    pub keep: u32,
    /// Folder of the scheduled backups, relative to the data folder (default `backups`).
    pub folder: PathBuf,
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self { every_hours: 24, keep: 7, folder: "backups".into() }
    }
}

/// `[storage]`: free space on the disk of the data folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Below this many free MB the booth warns: banner, heartbeat, dashboard alert (default 2048).
    pub warn_free_mb: u64,
    /// Below this many free MB the booth stops keeping photos so records still fit (default 512).
    pub min_free_mb: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self { warn_free_mb: 2048, min_free_mb: 512 }
    }
}

impl BackupConfig {
    /// Checks the ranges serde cannot: `(key, message)` on a refusal.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.every_hours > 0 && self.keep == 0 {
            return Err(("backup.keep".into(), "must be at least 1 while backup.every_hours is set".into()));
        }
        if self.folder.as_os_str().is_empty() {
            return Err(("backup.folder".into(), "needs a folder, e.g. backups".into()));
        }
        Ok(())
    }
}

impl StorageConfig {
    /// Checks the ranges serde cannot: `(key, message)` on a refusal.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.min_free_mb > self.warn_free_mb {
            return Err((
                "storage.min_free_mb".into(),
                format!(
                    "{} must not exceed storage.warn_free_mb ({}): the warning comes first",
                    self.min_free_mb, self.warn_free_mb
                ),
            ));
        }
        Ok(())
    }
}
