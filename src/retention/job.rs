//! The booth's daily retention run, on the named thread `retention`: at start and then once a
//! day it purges the booth's old files ([`super::files`]); the admin booth also purges the
//! database rows `[retention]` asks for. Each run that removed something writes an audit line
//! with its counts. Dropping the job stops the thread.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Sender, bounded};
use serde_json::json;

use super::RetentionConfig;
use super::files::purge_files;
use crate::clock::Clock;
use crate::journal::Journal;
use crate::retention::Keep;
use crate::store::{AuditRecord, Store};

/// How often the purge runs.
pub const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// What one booth's daily run needs.
pub struct DailyPurgeSetup {
    /// The booth's journal (its files and photos).
    pub journal: Journal,
    /// The database, for the rows and the audit line.
    pub store: Arc<dyn Store>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// The configured days.
    pub retention: RetentionConfig,
    /// How long replayed journal files stay.
    pub synced_journals: Keep,
    /// Site code.
    pub site: String,
    /// Booth code, for the audit line.
    pub booth: String,
    /// Purge database rows too (the admin booth; one booth does it for the site).
    pub rows: bool,
}

/// The running daily purge.
pub struct DailyPurge {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl DailyPurge {
    /// Starts the thread `retention`.
    pub fn start(setup: DailyPurgeSetup) -> std::io::Result<DailyPurge> {
        let (stop, stopped) = bounded::<()>(1);
        let thread = std::thread::Builder::new().name("retention".into()).spawn(move || {
            loop {
                run_once(&setup);
                match stopped.recv_timeout(EVERY) {
                    Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                    _ => break,
                }
            }
        })?;
        Ok(DailyPurge { stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for DailyPurge {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One run: files, then rows when asked; failures are logged and retried the next day.
pub fn run_once(setup: &DailyPurgeSetup) {
    let now = setup.clock.now();
    let audit = |action: &str, detail: serde_json::Value| {
        let record = AuditRecord {
            time: now,
            site: setup.site.clone(),
            booth: setup.booth.clone(),
            username: None,
            action: action.into(),
            detail,
        };
        if let Err(err) = setup.store.append_audit(&record) {
            tracing::warn!("retention audit line not written: {err}");
        }
    };
    match purge_files(&setup.journal, setup.retention.photos_days, setup.synced_journals, now) {
        Ok(purged) if purged.photos + purged.journals > 0 => {
            tracing::info!(photos = purged.photos, journals = purged.journals, "old booth files purged");
            audit("retention_purge_files", json!({ "photos": purged.photos, "journals": purged.journals }));
        }
        Ok(_) => {}
        Err(err) => tracing::warn!("old booth files not purged: {err}"),
    }
    if !setup.rows {
        return;
    }
    let Some(plan) = setup.retention.row_plan(&setup.site, now) else { return };
    match setup.store.purge(&plan) {
        Ok(counts) => {
            tracing::info!(?counts, "old database rows purged");
            audit(
                "retention_purge",
                json!({
                    "visits_before": plan.visits_before,
                    "audit_before": plan.audit_before,
                    "visits": counts.visits,
                    "photos": counts.photos,
                    "duplicates": counts.duplicates,
                    "shifts": counts.shifts,
                    "audit_rows": counts.audit_rows,
                    "scheduled": true,
                }),
            );
        }
        Err(err) => tracing::warn!("old database rows not purged: {err}"),
    }
}
