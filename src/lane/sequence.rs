//! The booth's ticket sequence: from the database when online, from a local file when not,
//! and never handing out a number twice across an outage.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::LaneContext;
use crate::journal::{JournalError, write_atomic};

#[derive(Debug, Default, Serialize, Deserialize)]
struct LastIssued {
    day: Option<NaiveDate>,
    last: u32,
}

/// Keeps the last number this booth issued in `<journal>/.sequence_<booth>.json`.
#[derive(Debug, Clone)]
pub(super) struct SequenceKeeper {
    path: PathBuf,
}

impl SequenceKeeper {
    pub(super) fn new(ctx: &LaneContext) -> Self {
        Self { path: ctx.journal.dir().join(format!(".sequence_{}.json", ctx.booth)) }
    }

    /// The next ticket sequence for `day`.
    pub(super) fn next(&self, ctx: &LaneContext, day: NaiveDate) -> u32 {
        let local = self.read().filter(|l| l.day == Some(day)).map(|l| l.last).unwrap_or(0);
        let mut sequence = local + 1;
        if ctx.connectivity.online() {
            let mut from_store = ctx.store.next_ticket_sequence(&ctx.site.code, &ctx.booth, day);
            // After an outage the database is behind the numbers issued offline: catch it up.
            let mut guard = 0;
            while let Ok(n) = from_store {
                if n > local || guard > 100_000 {
                    break;
                }
                guard += 1;
                from_store = ctx.store.next_ticket_sequence(&ctx.site.code, &ctx.booth, day);
            }
            match from_store {
                Ok(n) => sequence = sequence.max(n),
                Err(err) if err.goes_to_journal() => ctx.connectivity.report_failure(),
                Err(err) => {
                    tracing::warn!("ticket sequence from the database failed, using the local one: {err}")
                }
            }
        }
        if let Err(err) = self.write(day, sequence) {
            // The ticket can still be issued; only a later restart offline could reuse the number.
            tracing::warn!(file = %self.path.display(), "ticket sequence not saved locally: {err}");
        }
        sequence
    }

    fn read(&self) -> Option<LastIssued> {
        std::fs::read(&self.path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok())
    }

    /// Durable like a journal record (fsync, rename, fsync the folder): a number handed out
    /// before a power cut is never handed out again after it.
    fn write(&self, day: NaiveDate, last: u32) -> Result<(), JournalError> {
        let json = serde_json::to_vec(&LastIssued { day: Some(day), last })
            .map_err(|err| JournalError::Encode(err.to_string()))?;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        write_atomic(dir, &self.path, &json)
    }
}
