//! The booth's daily purge of files: photos under the images folder (`Masuk/<day>/`,
//! `Keluar/<day>/`) from days before the photo cutoff, and replayed journal files in
//! `synced/` older than theirs. A photo that a pending journal record points at stays, and
//! while a pending file cannot be read (so its photo is not known) no photo goes; `rejected/`
//! is never touched.

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::Keep;
use crate::journal::{Journal, JournalError};

/// What one purge of the booth's files removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FilesPurged {
    /// Photo files.
    pub photos: u64,
    /// Replayed journal files.
    pub journals: u64,
}

/// Purges the booth's files by the configured days at `now`.
pub fn purge_files(
    journal: &Journal,
    photos: Keep,
    synced_journals: Keep,
    now: DateTime<Utc>,
) -> Result<FilesPurged, JournalError> {
    let mut purged = FilesPurged::default();
    if let Keep::Days(days) = synced_journals {
        purged.journals = journal.purge_synced(days, now)? as u64;
    }
    if let Some(cutoff) = photos.cutoff(now) {
        let (pending, problems) = journal.list()?;
        if problems.is_empty() {
            let keep: HashSet<String> = pending
                .iter()
                .filter_map(|item| item.record.photo.as_ref())
                .map(|p| p.id.to_string())
                .collect();
            for folder in ["Masuk", "Keluar"] {
                purged.photos +=
                    purge_photo_days(&journal.images_dir().join(folder), cutoff.date_naive(), &keep);
            }
        } else {
            tracing::warn!(
                unreadable = problems.len(),
                "photos kept: a pending journal file cannot be read, so its photo is not known"
            );
        }
    }
    Ok(purged)
}

/// Deletes the photos of day folders (`YYYYMMDD`) before `first_kept` except those in `keep`
/// (by file stem), and the folders left empty; returns how many files went. A file that
/// cannot be deleted is logged and left for the next run.
fn purge_photo_days(root: &Path, first_kept: NaiveDate, keep: &HashSet<String>) -> u64 {
    let Ok(days) = std::fs::read_dir(root) else { return 0 };
    let mut purged = 0;
    for day in days.flatten() {
        let name = day.file_name().to_string_lossy().to_string();
        let Ok(date) = NaiveDate::parse_from_str(&name, "%Y%m%d") else { continue };
        if date >= first_kept || !day.path().is_dir() {
            continue;
        }
        let Ok(files) = std::fs::read_dir(day.path()) else { continue };
        for file in files.flatten() {
            let path = file.path();
            let stem = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
            if !path.is_file() || keep.contains(&stem) {
                continue;
            }
            match std::fs::remove_file(&path) {
                Ok(()) => purged += 1,
                Err(err) => tracing::warn!(file = %path.display(), "photo not purged: {err}"),
            }
        }
        // Only an empty folder goes; one holding a kept photo stays.
        let _ = std::fs::remove_dir(day.path());
    }
    purged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_photo_days_go_except_a_pending_records_photo() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("Masuk");
        for (day, name) in [("20260101", "a"), ("20260101", "pending"), ("20260301", "b"), ("notaday", "c")] {
            std::fs::create_dir_all(root.join(day)).unwrap();
            std::fs::write(root.join(day).join(format!("{name}.jpg")), b"jpeg").unwrap();
        }
        let keep: HashSet<String> = ["pending".to_string()].into();
        let first_kept = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        assert_eq!(purge_photo_days(&root, first_kept, &keep), 1);
        assert!(!root.join("20260101/a.jpg").exists());
        assert!(root.join("20260101/pending.jpg").exists(), "a pending record's photo stays");
        assert!(root.join("20260301/b.jpg").exists(), "inside the window");
        assert!(root.join("notaday/c.jpg").exists(), "not a day folder: not ours to judge");
    }
}
