//! Offline journal: one crash-safe JSON file per record while the database is unreachable,
//! and the replay (sync engine) that brings them into the database when it returns.

mod files;
mod record;
pub mod replay;

pub(crate) use files::write_atomic;
pub use files::{Journal, JournalError, JournalItem, JournalProblem, RejectedFile};
pub use record::{JournalPayload, JournalRecord, PhotoRef, SCHEMA_VERSION};
