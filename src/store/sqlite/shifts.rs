//! Cashier shifts in SQLite: one open per user when opened at a booth (a replayed shift is
//! stored as it happened), closed once with the cash counted.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use uuid::Uuid;

use super::codec::{self, ms, uuid_text};
use crate::domain::Rupiah;
use crate::store::{Shift, StoreError, StoreResult};

pub(super) const SHIFT_COLUMNS: &str = "id, site_code, booth, username, opened_at, closed_at, \
     opening_float, expected_cash, counted_cash, simulated";

pub(super) fn shift_from_row(row: &Row<'_>) -> rusqlite::Result<Shift> {
    Ok(Shift {
        id: codec::uuid(row, 0)?,
        site: row.get(1)?,
        booth: row.get(2)?,
        username: row.get(3)?,
        opened_at: codec::time(row, 4)?,
        closed_at: codec::opt_time(row, 5)?,
        opening_float: codec::rupiah(row, 6)?,
        expected_cash: codec::opt_rupiah(row, 7)?,
        counted_cash: codec::opt_rupiah(row, 8)?,
        simulated: row.get(9)?,
    })
}

pub(super) fn open_shift(conn: &mut Connection, shift: &Shift) -> StoreResult<()> {
    let username = shift.username.trim().to_lowercase();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Some(open) = open_shift_of(&tx, &username)? {
        return Err(StoreError::Refused(format!(
            "{username} already has a shift open at booth {} since {}; close it first",
            open.booth, open.opened_at
        )));
    }
    if insert_shift(&tx, shift)? == 0 {
        return Err(StoreError::Duplicate(format!("shift {}", shift.id)));
    }
    tx.commit()?;
    Ok(())
}

/// Inserts a shift as given (no one-open check); returns the rows inserted (0: already there).
pub(super) fn insert_shift(conn: &Connection, shift: &Shift) -> StoreResult<usize> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO shifts (id, site_code, booth, username, opened_at, closed_at,
                 opening_float, expected_cash, counted_cash, simulated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            uuid_text(shift.id),
            shift.site,
            shift.booth,
            shift.username.trim().to_lowercase(),
            ms(shift.opened_at),
            shift.closed_at.map(ms),
            shift.opening_float.0,
            shift.expected_cash.map(|r| r.0),
            shift.counted_cash.map(|r| r.0),
            shift.simulated,
        ])?)
}

pub(super) fn close_shift(
    conn: &mut Connection,
    id: Uuid,
    closed_at: DateTime<Utc>,
    expected: Rupiah,
    counted: Rupiah,
) -> StoreResult<Shift> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let shift = shift(&tx, id)?.ok_or_else(|| StoreError::NotFound(format!("shift {id}")))?;
    if let Some(closed) = shift.closed_at {
        return Err(StoreError::Refused(format!(
            "shift {id} of {} was already closed at {closed}",
            shift.username
        )));
    }
    tx.prepare_cached(
        "UPDATE shifts SET closed_at = ?2, expected_cash = ?3, counted_cash = ?4 WHERE id = ?1",
    )?
    .execute(params![uuid_text(id), ms(closed_at), expected.0, counted.0])?;
    tx.commit()?;
    Ok(Shift {
        closed_at: Some(closed_at),
        expected_cash: Some(expected),
        counted_cash: Some(counted),
        ..shift
    })
}

pub(super) fn shift(conn: &Connection, id: Uuid) -> StoreResult<Option<Shift>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {SHIFT_COLUMNS} FROM shifts WHERE id = ?1"))?
        .query_row([uuid_text(id)], shift_from_row)
        .optional()?)
}

pub(super) fn open_shift_of(conn: &Connection, username: &str) -> StoreResult<Option<Shift>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {SHIFT_COLUMNS} FROM shifts WHERE username = ?1 AND closed_at IS NULL
             ORDER BY opened_at DESC, id LIMIT 1"
        ))?
        .query_row([username.trim().to_lowercase()], shift_from_row)
        .optional()?)
}

pub(super) fn list_shifts(
    conn: &Connection,
    site: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<Shift>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SHIFT_COLUMNS} FROM shifts
         WHERE site_code = ?1 AND opened_at >= ?2 AND opened_at < ?3
         ORDER BY opened_at DESC, id DESC"
    ))?;
    let rows = stmt.query_map(params![site, ms(from), ms(to)], shift_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
