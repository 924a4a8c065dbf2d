//! Writes a lane's records to the store, or to the offline journal when the store cannot be
//! reached or does not confirm: the UUID makes a later replay harmless if it had committed.

use std::path::PathBuf;

use super::LaneContext;
use crate::journal::{JournalError, JournalPayload};
use crate::store::{AuditRecord, Entry, EntryLate, Exit, Photo, StoreError};

/// Where a record went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Persisted {
    /// Committed to the database.
    Database,
    /// Written to this journal file; it will be replayed.
    Journal(PathBuf),
}

impl Persisted {
    /// True when the record waits in the journal.
    pub fn journaled(&self) -> bool {
        matches!(self, Persisted::Journal(_))
    }
}

/// Why a record could not be kept at all, or was refused.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The database refused it for a reason the journal cannot fix (e.g. already exited).
    #[error(transparent)]
    Refused(StoreError),
    /// Neither the database nor the journal took it: data would be lost, so the lane stops.
    #[error(
        "NOT RECORDED: the database cannot be reached and this PC cannot write its journal (disk full \
         or failing). Nothing was printed or charged. Let the vehicle through with Manual open (give \
         the reason) and call the technician. Database: {store}. Journal: {journal}"
    )]
    Lost {
        /// Why the database did not take it.
        store: String,
        /// Why the journal did not take it.
        journal: JournalError,
    },
}

/// Writes through the store or the journal; see the module doc.
pub struct Recorder<'a> {
    ctx: &'a LaneContext,
}

impl<'a> Recorder<'a> {
    pub(super) fn new(ctx: &'a LaneContext) -> Self {
        Self { ctx }
    }

    /// Records an entry with its photo.
    pub fn entry(&self, entry: &Entry, photo: Option<&Photo>) -> Result<Persisted, RecordError> {
        self.write(JournalPayload::Entry(entry.clone()), photo, |store| {
            if let Some(photo) = photo {
                store.put_photo(photo)?;
            }
            store.record_entry(entry).map(drop)
        })
    }

    /// Records what reached an entry after its ticket: a photo, a plate read. When the entry is
    /// not in the database (it waits in the journal) the late record waits there too.
    pub fn entry_late(&self, late: &EntryLate, photo: Option<&Photo>) -> Result<Persisted, RecordError> {
        let payload = JournalPayload::EntryLate(late.clone());
        if !self.ctx.connectivity.online() {
            return self.journal(payload, photo, "the database is offline".into());
        }
        let store = self.ctx.store.as_ref();
        let stored = photo.map_or(Ok(()), |photo| store.put_photo(photo).map(drop));
        match stored.and_then(|()| store.complete_entry(late)) {
            Ok(true) => Ok(Persisted::Database),
            // Its entry waits in the journal: so does this, and the replay applies both in order.
            Ok(false) => self.journal(payload, photo, "its entry waits in the journal".into()),
            Err(err) if err.goes_to_journal() => {
                self.ctx.connectivity.report_failure();
                self.journal(payload, photo, err.to_string())
            }
            Err(err) => Err(RecordError::Refused(err)),
        }
    }

    fn journal(
        &self,
        payload: JournalPayload,
        photo: Option<&Photo>,
        store_error: String,
    ) -> Result<Persisted, RecordError> {
        match self.ctx.journal.write(payload, photo, self.ctx.clock.now()) {
            Ok(path) => Ok(Persisted::Journal(path)),
            Err(journal) => {
                tracing::error!(store = %store_error, "record lost: {journal}");
                Err(RecordError::Lost { store: store_error, journal })
            }
        }
    }

    /// Records an exit with its photo.
    pub fn exit(&self, exit: &Exit, photo: Option<&Photo>) -> Result<Persisted, RecordError> {
        self.write(JournalPayload::Exit(exit.clone()), photo, |store| {
            if let Some(photo) = photo {
                store.put_photo(photo)?;
            }
            store.record_exit(exit).map(drop)
        })
    }

    /// Records an audit line (with a photo for manual opens).
    pub fn audit(&self, audit: &AuditRecord, photo: Option<&Photo>) -> Result<Persisted, RecordError> {
        let id = self.ctx.ids.new_id();
        self.write(JournalPayload::Audit { id, audit: audit.clone() }, photo, |store| {
            if let Some(photo) = photo {
                store.put_photo(photo)?;
            }
            store.append_audit(audit)
        })
    }

    fn write(
        &self,
        payload: JournalPayload,
        photo: Option<&Photo>,
        to_store: impl FnOnce(&dyn crate::store::Store) -> Result<(), StoreError>,
    ) -> Result<Persisted, RecordError> {
        let store_error = if self.ctx.connectivity.online() {
            match to_store(self.ctx.store.as_ref()) {
                Ok(()) => return Ok(Persisted::Database),
                Err(err) if err.goes_to_journal() => {
                    self.ctx.connectivity.report_failure();
                    err.to_string()
                }
                Err(err) => return Err(RecordError::Refused(err)),
            }
        } else {
            "the database is offline".to_string()
        };
        self.journal(payload, photo, store_error)
    }
}
