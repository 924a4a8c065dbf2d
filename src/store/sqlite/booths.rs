//! Booth heartbeats: each booth's latest report of itself, one row per site and booth.

use rusqlite::types::Type;
use rusqlite::{Connection, params};

use super::codec::{self, bad_value, ms};
use crate::store::{BoothStatus, StoreError, StoreResult};

fn stored_count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(super) fn save_booth_status(conn: &Connection, status: &BoothStatus) -> StoreResult<()> {
    let faults = serde_json::to_string(&status.faults)
        .map_err(|err| StoreError::Database(format!("cannot encode the device faults: {err}")))?;
    conn.prepare_cached(
        "INSERT INTO booth_status (site_code, booth, mode, operator, seen_at, simulated,
             journal_waiting, journal_rejected, faults, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (site_code, booth) DO UPDATE SET
             mode = excluded.mode, operator = excluded.operator, seen_at = excluded.seen_at,
             simulated = excluded.simulated, journal_waiting = excluded.journal_waiting,
             journal_rejected = excluded.journal_rejected, faults = excluded.faults,
             version = excluded.version",
    )?
    .execute(params![
        status.site,
        status.booth,
        status.mode,
        status.operator,
        ms(status.seen_at),
        status.simulated,
        stored_count(status.journal_waiting),
        stored_count(status.journal_rejected),
        faults,
        status.version,
    ])?;
    Ok(())
}

pub(super) fn booth_statuses(conn: &Connection, site: &str) -> StoreResult<Vec<BoothStatus>> {
    let mut stmt = conn.prepare_cached(
        "SELECT site_code, booth, mode, operator, seen_at, simulated, journal_waiting,
                journal_rejected, faults, version
         FROM booth_status WHERE site_code = ?1 ORDER BY booth",
    )?;
    let rows = stmt.query_map([site], |row| {
        let faults: String = row.get(8)?;
        Ok(BoothStatus {
            site: row.get(0)?,
            booth: row.get(1)?,
            mode: row.get(2)?,
            operator: row.get(3)?,
            seen_at: codec::time(row, 4)?,
            simulated: row.get(5)?,
            journal_waiting: u64::try_from(row.get::<_, i64>(6)?).unwrap_or(0),
            journal_rejected: u64::try_from(row.get::<_, i64>(7)?).unwrap_or(0),
            faults: serde_json::from_str(&faults).map_err(|err| bad_value(8, Type::Text, err))?,
            version: row.get(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
