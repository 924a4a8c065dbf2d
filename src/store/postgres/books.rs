//! The books in PostgreSQL: duplicate exits, late records of closed shifts, and the rows the
//! books check reads for a period.

use chrono::{DateTime, Utc};
use postgres::Row;
use uuid::Uuid;

use super::codec::{EXIT_COLUMNS, exit_at, get, method_at, rupiah_at};
use super::error::PgResult;
use super::people::{SHIFT_COLUMNS, shift_from_row};
use super::pool::Sql;
use super::visits::insert_exit_into;
use crate::store::{BookEntry, BookExit, BooksRows, DuplicateExit, InsertOutcome, LateKind, LateRecord};

/// Duplicate exits read [`EXIT_COLUMNS`] (aliased `x`) then these two.
const DUPLICATE_EXTRA: &str = "x.first_exit_id, x.detected_at";

fn duplicate_from_row(row: &Row) -> PgResult<DuplicateExit> {
    Ok(DuplicateExit { exit: exit_at(row, 0)?, first_exit_id: get(row, 18)?, detected_at: get(row, 19)? })
}

fn outcome(inserted: u64) -> InsertOutcome {
    if inserted == 0 { InsertOutcome::AlreadyPresent } else { InsertOutcome::Inserted }
}

pub(super) fn record_duplicate_exit(db: &mut impl Sql, duplicate: &DuplicateExit) -> PgResult<InsertOutcome> {
    let extra: [(&str, &(dyn postgres::types::ToSql + Sync)); 2] =
        [("first_exit_id", &duplicate.first_exit_id), ("detected_at", &duplicate.detected_at)];
    insert_exit_into(db, "duplicate_exits", &duplicate.exit, &extra).map(outcome)
}

pub(super) fn duplicate_exits(
    db: &mut impl Sql,
    site: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> PgResult<Vec<DuplicateExit>> {
    let sql = format!(
        "SELECT {EXIT_COLUMNS}, {DUPLICATE_EXTRA} FROM duplicate_exits x
         WHERE x.site_code = $1 AND x.exit_time >= $2 AND x.exit_time < $3 ORDER BY x.exit_time, x.id"
    );
    db.query(&sql, &[&site, &from, &to])?.iter().map(duplicate_from_row).collect()
}

pub(super) fn shift_duplicates(db: &mut impl Sql, shift: Uuid) -> PgResult<Vec<DuplicateExit>> {
    let sql = format!(
        "SELECT {EXIT_COLUMNS}, {DUPLICATE_EXTRA} FROM duplicate_exits x
         WHERE x.shift_id = $1 ORDER BY x.exit_time, x.id"
    );
    db.query(&sql, &[&shift])?.iter().map(duplicate_from_row).collect()
}

pub(super) fn add_late_record(db: &mut impl Sql, record: &LateRecord) -> PgResult<InsertOutcome> {
    db.execute(
        "INSERT INTO shift_late_records (record_id, shift_id, kind, arrived_at, method, total,
             expected_before, expected_after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (record_id) DO NOTHING",
        &[
            &record.record_id,
            &record.shift_id,
            &record.kind.as_str(),
            &record.arrived_at,
            &record.method.as_str(),
            &record.total.0,
            &record.expected_before.0,
            &record.expected_after.0,
        ],
    )
    .map(outcome)
}

fn late_from_row(row: &Row) -> PgResult<LateRecord> {
    Ok(LateRecord {
        record_id: get(row, 0)?,
        shift_id: get(row, 1)?,
        kind: LateKind::parse(&get::<String>(row, 2)?),
        arrived_at: get(row, 3)?,
        method: method_at(row, 4)?,
        total: rupiah_at(row, 5)?,
        expected_before: rupiah_at(row, 6)?,
        expected_after: rupiah_at(row, 7)?,
    })
}

pub(super) fn late_records(db: &mut impl Sql, shift: Uuid) -> PgResult<Vec<LateRecord>> {
    db.query(
        "SELECT record_id, shift_id, kind, arrived_at, method, total, expected_before, expected_after
         FROM shift_late_records WHERE shift_id = $1 ORDER BY arrived_at, record_id",
        &[&shift],
    )?
    .iter()
    .map(late_from_row)
    .collect()
}

pub(super) fn books_rows(
    db: &mut impl Sql,
    site: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> PgResult<BooksRows> {
    let entries = db
        .query(
            "SELECT e.id, e.entry_time, e.simulated, x.id, x.forced_reason IS NOT NULL
             FROM entries e LEFT JOIN exits x ON x.entry_id = e.id
             WHERE e.site_code = $1 AND e.entry_time >= $2 AND e.entry_time < $3
             ORDER BY e.entry_time, e.id",
            &[&site, &from, &to],
        )?
        .iter()
        .map(|row| {
            Ok(BookEntry {
                id: get(row, 0)?,
                entry_time: get(row, 1)?,
                simulated: get(row, 2)?,
                exit_id: get(row, 3)?,
                forced: get::<Option<bool>>(row, 4)?.unwrap_or(false),
            })
        })
        .collect::<PgResult<Vec<_>>>()?;
    let sql = format!(
        "SELECT {EXIT_COLUMNS}, NOT EXISTS (SELECT 1 FROM entries e WHERE e.id = x.entry_id)
         FROM exits x WHERE x.site_code = $1 AND x.exit_time >= $2 AND x.exit_time < $3
         ORDER BY x.exit_time, x.id"
    );
    let exits = db
        .query(&sql, &[&site, &from, &to])?
        .iter()
        .map(|row| Ok(BookExit { exit: exit_at(row, 0)?, orphan: get(row, 18)? }))
        .collect::<PgResult<Vec<_>>>()?;
    let duplicates = duplicate_exits(db, site, from, to)?;
    let sql = format!(
        "SELECT {SHIFT_COLUMNS} FROM shifts
         WHERE id IN (SELECT shift_id FROM exits
                      WHERE site_code = $1 AND exit_time >= $2 AND exit_time < $3
                      UNION SELECT shift_id FROM duplicate_exits
                      WHERE site_code = $1 AND exit_time >= $2 AND exit_time < $3)
            OR (site_code = $1 AND opened_at >= $2 AND opened_at < $3)
         ORDER BY opened_at, id"
    );
    let shifts =
        db.query(&sql, &[&site, &from, &to])?.iter().map(shift_from_row).collect::<PgResult<Vec<_>>>()?;
    let mut late = Vec::new();
    for shift in &shifts {
        late.extend(late_records(db, shift.id)?);
    }
    Ok(BooksRows { entries, exits, duplicates, shifts, late })
}
