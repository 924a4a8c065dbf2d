//! The books in SQLite: duplicate exits, late records of closed shifts, and the rows the books
//! check reads for a period.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params};
use uuid::Uuid;

use super::codec::{self, EXIT_COLUMNS, exit_at, ms, uuid_text};
use super::shifts::{SHIFT_COLUMNS, shift_from_row};
use super::visits::insert_exit_into;
use crate::store::{
    BookEntry, BookExit, BooksRows, DuplicateExit, InsertOutcome, LateKind, LateRecord, StoreResult,
};

/// Duplicate exits read [`EXIT_COLUMNS`] (aliased `x`) then these two.
const DUPLICATE_EXTRA: &str = "x.first_exit_id, x.detected_at";

fn duplicate_from_row(row: &Row<'_>) -> rusqlite::Result<DuplicateExit> {
    Ok(DuplicateExit {
        exit: exit_at(row, 0)?,
        first_exit_id: codec::uuid(row, 18)?,
        detected_at: codec::time(row, 19)?,
    })
}

pub(super) fn record_duplicate_exit(
    conn: &Connection,
    duplicate: &DuplicateExit,
) -> StoreResult<InsertOutcome> {
    let extra = [
        ("first_exit_id", Value::Text(uuid_text(duplicate.first_exit_id))),
        ("detected_at", Value::Integer(ms(duplicate.detected_at))),
    ];
    let inserted = insert_exit_into(conn, "duplicate_exits", &duplicate.exit, &extra)?;
    Ok(if inserted == 0 { InsertOutcome::AlreadyPresent } else { InsertOutcome::Inserted })
}

pub(super) fn duplicate_exits(
    conn: &Connection,
    site: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<DuplicateExit>> {
    let sql = format!(
        "SELECT {EXIT_COLUMNS}, {DUPLICATE_EXTRA} FROM duplicate_exits x
         WHERE x.site_code = ?1 AND x.exit_time >= ?2 AND x.exit_time < ?3 ORDER BY x.exit_time, x.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![site, ms(from), ms(to)], duplicate_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn shift_duplicates(conn: &Connection, shift: Uuid) -> StoreResult<Vec<DuplicateExit>> {
    let sql = format!(
        "SELECT {EXIT_COLUMNS}, {DUPLICATE_EXTRA} FROM duplicate_exits x
         WHERE x.shift_id = ?1 ORDER BY x.exit_time, x.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([uuid_text(shift)], duplicate_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn add_late_record(conn: &Connection, record: &LateRecord) -> StoreResult<InsertOutcome> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO shift_late_records (record_id, shift_id, kind, arrived_at, method, total,
                 expected_before, expected_after)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (record_id) DO NOTHING",
        )?
        .execute(params![
            uuid_text(record.record_id),
            uuid_text(record.shift_id),
            record.kind.as_str(),
            ms(record.arrived_at),
            record.method.as_str(),
            record.total.0,
            record.expected_before.0,
            record.expected_after.0,
        ])?;
    Ok(if inserted == 0 { InsertOutcome::AlreadyPresent } else { InsertOutcome::Inserted })
}

const LATE_COLUMNS: &str =
    "record_id, shift_id, kind, arrived_at, method, total, expected_before, expected_after";

fn late_from_row(row: &Row<'_>) -> rusqlite::Result<LateRecord> {
    Ok(LateRecord {
        record_id: codec::uuid(row, 0)?,
        shift_id: codec::uuid(row, 1)?,
        kind: LateKind::parse(&row.get::<_, String>(2)?),
        arrived_at: codec::time(row, 3)?,
        method: codec::method(row, 4)?,
        total: codec::rupiah(row, 5)?,
        expected_before: codec::rupiah(row, 6)?,
        expected_after: codec::rupiah(row, 7)?,
    })
}

pub(super) fn late_records(conn: &Connection, shift: Uuid) -> StoreResult<Vec<LateRecord>> {
    let sql = format!(
        "SELECT {LATE_COLUMNS} FROM shift_late_records WHERE shift_id = ?1 ORDER BY arrived_at, record_id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([uuid_text(shift)], late_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn books_rows(
    conn: &Connection,
    site: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<BooksRows> {
    let range = params![site, ms(from), ms(to)];
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.entry_time, e.simulated, x.id, x.forced_reason IS NOT NULL
         FROM entries e LEFT JOIN exits x ON x.entry_id = e.id
         WHERE e.site_code = ?1 AND e.entry_time >= ?2 AND e.entry_time < ?3
         ORDER BY e.entry_time, e.id",
    )?;
    let entries = stmt
        .query_map(range, |row| {
            Ok(BookEntry {
                id: codec::uuid(row, 0)?,
                entry_time: codec::time(row, 1)?,
                simulated: row.get(2)?,
                exit_id: codec::opt_uuid(row, 3)?,
                forced: row.get::<_, Option<bool>>(4)?.unwrap_or(false),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EXIT_COLUMNS}, NOT EXISTS (SELECT 1 FROM entries e WHERE e.id = x.entry_id)
         FROM exits x WHERE x.site_code = ?1 AND x.exit_time >= ?2 AND x.exit_time < ?3
         ORDER BY x.exit_time, x.id"
    ))?;
    let exits = stmt
        .query_map(range, |row| Ok(BookExit { exit: exit_at(row, 0)?, orphan: row.get(18)? }))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let duplicates = duplicate_exits(conn, site, from, to)?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SHIFT_COLUMNS} FROM shifts
         WHERE id IN (SELECT shift_id FROM exits
                      WHERE site_code = ?1 AND exit_time >= ?2 AND exit_time < ?3
                      UNION SELECT shift_id FROM duplicate_exits
                      WHERE site_code = ?1 AND exit_time >= ?2 AND exit_time < ?3)
            OR (site_code = ?1 AND opened_at >= ?2 AND opened_at < ?3)
         ORDER BY opened_at, id"
    ))?;
    let shifts = stmt.query_map(range, shift_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    let mut late = Vec::new();
    for shift in &shifts {
        late.extend(late_records(conn, shift.id)?);
    }
    Ok(BooksRows { entries, exits, duplicates, shifts, late })
}
