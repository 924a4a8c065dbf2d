//! The journal file format: one JSON object per file, versioned by `schema`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::store::{AuditRecord, Entry, EntryLate, Exit, PhotoKind, Shift};

/// The format version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// What a journal record holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "record", rename_all = "snake_case")]
pub enum JournalPayload {
    /// A vehicle came in.
    Entry(Entry),
    /// A photo or plate read that reached an entry after its ticket.
    EntryLate(EntryLate),
    /// A vehicle left, paid.
    Exit(Exit),
    /// A cashier's shift opened or closed while offline (its latest state).
    Shift(Shift),
    /// An audited action (manual open, lost ticket, login) taken while offline.
    Audit {
        /// Made by the booth, names the journal file.
        id: Uuid,
        /// The audit line.
        audit: AuditRecord,
    },
}

impl JournalPayload {
    /// The record's id.
    pub fn id(&self) -> Uuid {
        match self {
            JournalPayload::Entry(entry) => entry.id,
            JournalPayload::EntryLate(late) => late.id(),
            JournalPayload::Exit(exit) => exit.id,
            JournalPayload::Shift(shift) => shift.id,
            JournalPayload::Audit { id, .. } => *id,
        }
    }

    /// `entry`, `entry_late`, `exit`, `shift` or `audit`: also the middle of the file name.
    pub fn kind(&self) -> &'static str {
        match self {
            JournalPayload::Entry(_) => "entry",
            JournalPayload::EntryLate(_) => "entry_late",
            JournalPayload::Exit(_) => "exit",
            JournalPayload::Shift(_) => "shift",
            JournalPayload::Audit { .. } => "audit",
        }
    }
}

/// A photo that travels with its record, stored beside the journal as a JPEG file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    /// The photo id the record points at.
    pub id: Uuid,
    /// Entry, exit or manual.
    pub kind: PhotoKind,
    /// When it was taken.
    pub taken_at: DateTime<Utc>,
    /// Path relative to the images folder, `/`-separated (`Masuk/20261123/<id>.jpg`).
    pub file: String,
}

/// One journal file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalRecord {
    /// Format version.
    pub schema: u32,
    /// The record's id (the entry's, exit's or a fresh one for audit).
    pub id: Uuid,
    /// When the booth wrote it.
    pub created_at: DateTime<Utc>,
    /// Booth that wrote it.
    pub booth: String,
    /// The record itself, with its kind.
    #[serde(flatten)]
    pub payload: JournalPayload,
    /// Its photo, if any.
    pub photo: Option<PhotoRef>,
}
