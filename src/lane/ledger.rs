//! The booth ledger: what this booth itself did that must outlive a restart and an outage —
//! every exit it recorded (so a ticket is paid at most once here, offline too) and its shifts
//! (so a cashier who logs in again offline continues the open shift, and closing offline knows
//! the cash taken).
//!
//! A small SQLite file owned by the lane (`data/booth-ledger.db`), written with
//! `synchronous = FULL` after the record itself is safe in the database or the journal. It is
//! not the booth cache: the cache is a read copy refreshed from the server (PostgreSQL sites
//! only), while the ledger is the booth's own memory on every deployment, never overwritten by a
//! refresh.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use uuid::Uuid;

use crate::store::{Exit, Shift};

/// Where a console keeps its ledger, relative to the data folder.
pub const DEFAULT_LEDGER_PATH: &str = "data/booth-ledger.db";

/// Why the ledger could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("the booth ledger {path} failed: {reason}")]
pub struct LedgerError {
    path: PathBuf,
    reason: String,
}

/// An exit this booth recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerExit {
    /// The exit's id.
    pub exit_id: Uuid,
    /// When the vehicle left.
    pub exit_time: DateTime<Utc>,
    /// The booth that took it (this one).
    pub booth: String,
}

/// See the module doc.
pub struct BoothLedger {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for BoothLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoothLedger").field("path", &self.path).finish_non_exhaustive()
    }
}

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(
        "CREATE TABLE exits (
             entry_id  TEXT PRIMARY KEY NOT NULL,
             exit_id   TEXT NOT NULL,
             exit_time INTEGER NOT NULL,
             shift_id  TEXT,
             record    TEXT NOT NULL
         ) STRICT;
         CREATE INDEX exits_shift ON exits (shift_id);
         CREATE INDEX exits_time ON exits (exit_time);
         CREATE TABLE shifts (
             id        TEXT PRIMARY KEY NOT NULL,
             username  TEXT NOT NULL,
             opened_at INTEGER NOT NULL,
             closed    INTEGER NOT NULL,
             record    TEXT NOT NULL
         ) STRICT;
         CREATE INDEX shifts_open ON shifts (username, closed, opened_at);",
    )])
}

impl BoothLedger {
    /// Opens (or creates) the ledger file and its folder.
    pub fn open(path: &Path) -> Result<BoothLedger, LedgerError> {
        let fail = |reason: String| LedgerError { path: path.to_path_buf(), reason };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|err| fail(err.to_string()))?;
        }
        let conn = Connection::open(path).map_err(|err| fail(err.to_string()))?;
        Self::prepare(conn, path)
    }

    /// A private ledger in memory (tests, one-off tools).
    pub fn in_memory() -> Result<BoothLedger, LedgerError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory()
            .map_err(|err| LedgerError { path: path.clone(), reason: err.to_string() })?;
        Self::prepare(conn, &path)
    }

    fn prepare(mut conn: Connection, path: &Path) -> Result<BoothLedger, LedgerError> {
        let fail = |reason: String| LedgerError { path: path.to_path_buf(), reason };
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|err| fail(err.to_string()))?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(|err| fail(err.to_string()))?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(|err| fail(err.to_string()))?;
        crate::store::sqlite::migrate_to_latest(&migrations(), &mut conn)
            .map_err(|err| fail(err.to_string()))?;
        #[cfg(unix)]
        if path.exists() {
            use std::os::unix::fs::PermissionsExt;
            // Cashiers' names and takings: readable by the booth's own account only.
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
        Ok(BoothLedger { conn: Mutex::new(conn), path: path.to_path_buf() })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn fail(&self, err: impl std::fmt::Display) -> LedgerError {
        LedgerError { path: self.path.clone(), reason: err.to_string() }
    }

    /// Remembers an exit this booth recorded (a paid exit or a forced close of a visit here).
    pub fn record_exit(&self, exit: &Exit) -> Result<(), LedgerError> {
        let record = serde_json::to_string(exit).map_err(|err| self.fail(err))?;
        self.conn()
            .execute(
                "INSERT INTO exits (entry_id, exit_id, exit_time, shift_id, record)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (entry_id) DO NOTHING",
                params![
                    exit.entry_id.to_string(),
                    exit.id.to_string(),
                    exit.exit_time.timestamp_millis(),
                    exit.shift_id.map(|id| id.to_string()),
                    record
                ],
            )
            .map_err(|err| self.fail(err))?;
        Ok(())
    }

    /// The exit this booth recorded for an entry, if any.
    pub fn exit_of(&self, entry_id: Uuid) -> Result<Option<Exit>, LedgerError> {
        let record: Option<String> = self
            .conn()
            .query_row("SELECT record FROM exits WHERE entry_id = ?1", [entry_id.to_string()], |row| {
                row.get(0)
            })
            .optional()
            .map_err(|err| self.fail(err))?;
        record.map(|text| serde_json::from_str(&text).map_err(|err| self.fail(err))).transpose()
    }

    /// Every exit this booth recorded for a shift, oldest first.
    pub fn shift_exits(&self, shift_id: Uuid) -> Result<Vec<Exit>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT record FROM exits WHERE shift_id = ?1 ORDER BY exit_time, exit_id")
            .map_err(|err| self.fail(err))?;
        let rows = stmt
            .query_map([shift_id.to_string()], |row| row.get::<_, String>(0))
            .map_err(|err| self.fail(err))?;
        let mut exits = Vec::new();
        for row in rows {
            let text = row.map_err(|err| self.fail(err))?;
            exits.push(serde_json::from_str(&text).map_err(|err| self.fail(err))?);
        }
        Ok(exits)
    }

    /// Remembers a shift of this booth as it now stands (opened, or closed).
    pub fn save_shift(&self, shift: &Shift) -> Result<(), LedgerError> {
        let record = serde_json::to_string(shift).map_err(|err| self.fail(err))?;
        self.conn()
            .execute(
                "INSERT INTO shifts (id, username, opened_at, closed, record) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET closed = excluded.closed, record = excluded.record",
                params![
                    shift.id.to_string(),
                    shift.username.trim().to_lowercase(),
                    shift.opened_at.timestamp_millis(),
                    shift.closed_at.is_some(),
                    record
                ],
            )
            .map_err(|err| self.fail(err))?;
        Ok(())
    }

    /// A shift of this booth as it last stood here.
    pub fn shift(&self, id: Uuid) -> Result<Option<Shift>, LedgerError> {
        let record: Option<String> = self
            .conn()
            .query_row("SELECT record FROM shifts WHERE id = ?1", [id.to_string()], |row| row.get(0))
            .optional()
            .map_err(|err| self.fail(err))?;
        record.map(|text| serde_json::from_str(&text).map_err(|err| self.fail(err))).transpose()
    }

    /// The user's latest shift at this booth that is still open here.
    pub fn open_shift_of(&self, username: &str) -> Result<Option<Shift>, LedgerError> {
        let record: Option<String> = self
            .conn()
            .query_row(
                "SELECT record FROM shifts WHERE username = ?1 AND closed = 0
                 ORDER BY opened_at DESC LIMIT 1",
                [username.trim().to_lowercase()],
                |row| row.get(0),
            )
            .optional()
            .map_err(|err| self.fail(err))?;
        record.map(|text| serde_json::from_str(&text).map_err(|err| self.fail(err))).transpose()
    }

    /// Forgets exits older than `before` (the server has long had them); open shifts stay.
    pub fn prune(&self, before: DateTime<Utc>) -> Result<usize, LedgerError> {
        let conn = self.conn();
        let exits = conn
            .execute("DELETE FROM exits WHERE exit_time < ?1", [before.timestamp_millis()])
            .map_err(|err| self.fail(err))?;
        let shifts = conn
            .execute("DELETE FROM shifts WHERE closed = 1 AND opened_at < ?1", [before.timestamp_millis()])
            .map_err(|err| self.fail(err))?;
        Ok(exits + shifts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Fee, Rupiah};
    use crate::store::{Origin, PaymentMethod};

    fn exit(entry: u128, shift: Uuid) -> Exit {
        Exit {
            id: Uuid::from_u128(entry + 1_000),
            entry_id: Uuid::from_u128(entry),
            site: "S".into(),
            booth: "OUT1".into(),
            exit_time: DateTime::from_timestamp(1_700_000_000 + entry as i64, 0).unwrap(),
            operator: Some("kasir".into()),
            shift_id: Some(shift),
            fee: Fee { stay_min: None, lines: vec![], total: Rupiah(5_000) },
            total: Rupiah(5_000),
            method: PaymentMethod::Cash,
            tendered: Some(Rupiah(5_000)),
            change: Some(Rupiah::ZERO),
            reference: None,
            lost_ticket: false,
            photo_id: None,
            origin: Origin::Journal,
            simulated: false,
            forced_reason: None,
        }
    }

    #[test]
    fn exits_and_open_shifts_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/booth-ledger.db");
        let shift = Shift {
            id: Uuid::from_u128(7),
            site: "S".into(),
            booth: "OUT1".into(),
            username: "Kasir".into(),
            opened_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            closed_at: None,
            opening_float: Rupiah(100_000),
            expected_cash: None,
            counted_cash: None,
            simulated: false,
        };
        {
            let ledger = BoothLedger::open(&path).unwrap();
            ledger.save_shift(&shift).unwrap();
            ledger.record_exit(&exit(1, shift.id)).unwrap();
            ledger.record_exit(&exit(2, shift.id)).unwrap();
        }
        let ledger = BoothLedger::open(&path).unwrap();
        assert_eq!(ledger.exit_of(Uuid::from_u128(1)).unwrap().map(|e| e.id), Some(Uuid::from_u128(1_001)));
        assert_eq!(ledger.exit_of(Uuid::from_u128(3)).unwrap(), None);
        assert_eq!(ledger.shift_exits(shift.id).unwrap().len(), 2);
        assert_eq!(ledger.open_shift_of("kasir").unwrap().map(|s| s.id), Some(shift.id));
        let closed = Shift { closed_at: Some(shift.opened_at), ..shift };
        ledger.save_shift(&closed).unwrap();
        assert_eq!(ledger.open_shift_of("kasir").unwrap(), None);
    }
}
