//! Booth heartbeats: each booth's latest report of itself, one row per site and booth.

use super::codec::{bad, count_at, get};
use super::error::{Fail, PgResult};
use super::pool::Sql;
use crate::store::{BoothStatus, StoreError};

fn stored_count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(super) fn save_booth_status(db: &mut impl Sql, status: &BoothStatus) -> PgResult<()> {
    let faults = serde_json::to_string(&status.faults).map_err(|err| {
        Fail::Store(StoreError::Database(format!("cannot encode the device faults: {err}")))
    })?;
    db.execute(
        "INSERT INTO booth_status (site_code, booth, mode, operator, seen_at, simulated,
             journal_waiting, journal_rejected, faults, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (site_code, booth) DO UPDATE SET
             mode = excluded.mode, operator = excluded.operator, seen_at = excluded.seen_at,
             simulated = excluded.simulated, journal_waiting = excluded.journal_waiting,
             journal_rejected = excluded.journal_rejected, faults = excluded.faults,
             version = excluded.version",
        &[
            &status.site,
            &status.booth,
            &status.mode,
            &status.operator,
            &status.seen_at,
            &status.simulated,
            &stored_count(status.journal_waiting),
            &stored_count(status.journal_rejected),
            &faults,
            &status.version,
        ],
    )?;
    Ok(())
}

pub(super) fn booth_statuses(db: &mut impl Sql, site: &str) -> PgResult<Vec<BoothStatus>> {
    // COLLATE "C": the same byte order as SQLite, whatever the server's locale.
    let rows = db.query(
        "SELECT site_code, booth, mode, operator, seen_at, simulated, journal_waiting,
                journal_rejected, faults, version
         FROM booth_status WHERE site_code = $1 ORDER BY booth COLLATE \"C\"",
        &[&site],
    )?;
    rows.iter()
        .map(|row| {
            let faults: String = get(row, 8)?;
            Ok(BoothStatus {
                site: get(row, 0)?,
                booth: get(row, 1)?,
                mode: get(row, 2)?,
                operator: get(row, 3)?,
                seen_at: get(row, 4)?,
                simulated: get(row, 5)?,
                journal_waiting: count_at(row, 6)?,
                journal_rejected: count_at(row, 7)?,
                faults: serde_json::from_str(&faults).map_err(|err| bad(8, err))?,
                version: get(row, 9)?,
            })
        })
        .collect()
}
