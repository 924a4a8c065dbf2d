//! Scheduled backups (`[backup] every_hours, keep, folder`): a named thread of the console takes
//! a backup when the newest one in the folder is older than `every_hours`, keeps the newest
//! `keep`, and writes each result to the audit log (`db_backup`: file and size, or the error),
//! which is what the admin's dashboard reads.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};

use super::Context;
use crate::clock::Clock;
use crate::store::{AuditRecord, Store};

/// The audit action of a scheduled backup, done or failed.
pub const AUDIT_ACTION: &str = "db_backup";
/// File names of scheduled backups start with this.
pub const FILE_PREFIX: &str = "gardu-";

/// How often the thread looks whether a backup is due.
const LOOK_EVERY: Duration = Duration::from_secs(60);

/// The running schedule; stopped when dropped.
pub struct BackupSchedule {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl BackupSchedule {
    /// Starts the schedule of `ctx`'s `[backup]`; `None` when `every_hours` is 0.
    pub fn start(
        ctx: Context,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        booth: String,
    ) -> std::io::Result<Option<BackupSchedule>> {
        if ctx.config.backup.every_hours == 0 {
            return Ok(None);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = stop.clone();
        let thread = std::thread::Builder::new().name("backup-schedule".into()).spawn(move || {
            // The first look waits a minute too: a booth that just started has its lanes to
            // bring up first, and a console opened for a moment takes no backup.
            loop {
                let next = Instant::now() + LOOK_EVERY;
                while !thread_stop.load(Ordering::Acquire) && Instant::now() < next {
                    std::thread::sleep(Duration::from_millis(200));
                }
                if thread_stop.load(Ordering::Acquire) {
                    break;
                }
                run_if_due(&ctx, store.as_ref(), clock.now(), &booth);
            }
        })?;
        Ok(Some(BackupSchedule { stop, thread: Some(thread) }))
    }
}

impl Drop for BackupSchedule {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The scheduled backups in `folder`, newest first.
pub fn backups_in(folder: &Path) -> Vec<(PathBuf, SystemTime)> {
    let mut found: Vec<(PathBuf, SystemTime)> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            name.starts_with(FILE_PREFIX) && !name.ends_with(".partial")
        })
        .filter_map(|entry| Some((entry.path(), entry.metadata().ok()?.modified().ok()?)))
        .collect();
    found.sort_by_key(|entry| std::cmp::Reverse(entry.1));
    found
}

/// Takes a backup when one is due (returns whether it tried). Two consoles on one data folder
/// take turns on a lock file, so one backup is taken, not two.
pub fn run_if_due(ctx: &Context, store: &dyn Store, now: DateTime<Utc>, booth: &str) -> bool {
    let config = &ctx.config.backup;
    let folder = ctx.path(&config.folder);
    let every = Duration::from_secs(u64::from(config.every_hours) * 3600);
    let due = backups_in(&folder)
        .first()
        .is_none_or(|(_, modified)| modified.elapsed().unwrap_or_default() >= every);
    if !due {
        return false;
    }
    let Some(_turn) = take_turn(&folder) else { return false };
    let extension = match ctx.config.database_location(&ctx.data_dir) {
        Ok(crate::config::DatabaseLocation::Postgres(_)) => "pgdump",
        _ => "db",
    };
    let file = folder.join(format!("{FILE_PREFIX}{}.{extension}", now.format("%Y%m%d-%H%M%S")));
    let (username, detail) = match super::backup::backup(ctx, &file, false, now) {
        Ok(report) => {
            for (old, _) in backups_in(&folder).into_iter().skip(config.keep.max(1) as usize) {
                if let Err(err) = std::fs::remove_file(&old) {
                    tracing::warn!("old backup {} not removed: {err}", old.display());
                }
            }
            tracing::info!(file = %file.display(), bytes = report.bytes, "scheduled backup written");
            (None, serde_json::json!({ "ok": true, "file": file, "bytes": report.bytes }))
        }
        Err(err) => {
            tracing::error!("scheduled backup failed: {err}");
            (None, serde_json::json!({ "ok": false, "file": file, "error": err.to_string() }))
        }
    };
    let record = AuditRecord {
        time: now,
        site: ctx.config.site.code.clone(),
        booth: booth.to_string(),
        username,
        action: AUDIT_ACTION.into(),
        detail,
    };
    if let Err(err) = store.append_audit(&record) {
        tracing::warn!("scheduled backup not audited: {err}");
    }
    true
}

fn take_turn(folder: &Path) -> Option<File> {
    std::fs::create_dir_all(folder).ok()?;
    let file =
        OpenOptions::new().create(true).truncate(false).write(true).open(folder.join(".backup.lock")).ok()?;
    file.try_lock().ok()?;
    Some(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_due_backup_is_taken_audited_and_old_ones_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = Context::resolve(None, Some(dir.path())).unwrap();
        ctx.config.backup.keep = 2;
        let store = ctx.open_store().unwrap();
        let folder = ctx.path(&ctx.config.backup.folder);
        std::fs::create_dir_all(&folder).unwrap();
        for old in ["gardu-20200101-000000.db", "gardu-20200102-000000.db"] {
            let path = folder.join(old);
            std::fs::write(&path, b"old").unwrap();
            File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(SystemTime::now() - Duration::from_secs(3 * 86_400))
                .unwrap();
        }
        let now = Utc::now();
        assert!(run_if_due(&ctx, store.as_ref(), now, "ADM1"));
        let kept = backups_in(&folder);
        assert_eq!(kept.len(), 2);
        assert!(kept[0].0.to_string_lossy().ends_with(".db"));
        assert!(crate::store::sqlite::backup::inspect(&kept[0].0).is_ok());
        assert!(!run_if_due(&ctx, store.as_ref(), now, "ADM1"), "not due again within every_hours");
        let audit = store
            .list_audit(&crate::store::AuditFilter {
                action: Some(AUDIT_ACTION.into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].detail["ok"], true);
    }
}
