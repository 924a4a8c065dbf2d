//! Emergencies and their acknowledgements (migration 0011).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::codec::{ms, opt_time, time, uuid, uuid_text};
use crate::store::{Emergency, EmergencyAck, InsertOutcome, Origin, StoreError, StoreResult};

const COLUMNS: &str = "id, site_code, started_at, started_by, booth, reason, ended_at, ended_by, origin";

fn emergency(row: &Row<'_>) -> rusqlite::Result<Emergency> {
    Ok(Emergency {
        id: uuid(row, 0)?,
        site: row.get(1)?,
        started_at: time(row, 2)?,
        started_by: row.get(3)?,
        booth: row.get(4)?,
        reason: row.get(5)?,
        ended_at: opt_time(row, 6)?,
        ended_by: row.get(7)?,
        origin: Origin::parse(&row.get::<_, String>(8)?),
    })
}

pub(super) fn start(conn: &mut Connection, e: &Emergency) -> StoreResult<InsertOutcome> {
    let tx = conn.transaction()?;
    let known: bool = tx
        .prepare_cached("SELECT 1 FROM emergencies WHERE id = ?1")?
        .query_row(params![uuid_text(e.id)], |_| Ok(()))
        .optional()?
        .is_some();
    if known {
        return Ok(InsertOutcome::AlreadyPresent);
    }
    if e.active()
        && let Some(open) = active(&tx, &e.site)?
    {
        return Err(StoreError::Refused(format!(
            "an emergency is already active since {} (declared by {})",
            open.started_at, open.started_by
        )));
    }
    tx.prepare_cached(
        "INSERT INTO emergencies (id, site_code, started_at, started_by, booth, reason, ended_at, ended_by, origin)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        uuid_text(e.id),
        e.site,
        ms(e.started_at),
        e.started_by,
        e.booth,
        e.reason,
        e.ended_at.map(ms),
        e.ended_by,
        e.origin.as_str()
    ])?;
    tx.commit()?;
    Ok(InsertOutcome::Inserted)
}

pub(super) fn end(conn: &Connection, id: Uuid, at: DateTime<Utc>, by: &str) -> StoreResult<Emergency> {
    conn.prepare_cached(
        "UPDATE emergencies SET ended_at = ?2, ended_by = ?3 WHERE id = ?1 AND ended_at IS NULL",
    )?
    .execute(params![uuid_text(id), ms(at), by])?;
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM emergencies WHERE id = ?1"))?
        .query_row(params![uuid_text(id)], emergency)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("emergency {id}")))
}

pub(super) fn active(conn: &Connection, site: &str) -> StoreResult<Option<Emergency>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM emergencies WHERE site_code = ?1 AND ended_at IS NULL"
        ))?
        .query_row(params![site], emergency)
        .optional()?)
}

pub(super) fn list(
    conn: &Connection,
    site: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<Emergency>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM emergencies WHERE site_code = ?1 AND started_at < ?3
             AND (ended_at IS NULL OR ended_at >= ?2)
         ORDER BY started_at"
    ))?;
    let rows = stmt.query_map(params![site, ms(from), ms(to)], emergency)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(super) fn acknowledge(conn: &Connection, ack: &EmergencyAck) -> StoreResult<InsertOutcome> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO emergency_acks (emergency_id, booth, acknowledged_at, username)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (emergency_id, booth) DO NOTHING",
        )?
        .execute(params![uuid_text(ack.emergency_id), ack.booth, ms(ack.acknowledged_at), ack.username])?;
    Ok(if inserted == 1 { InsertOutcome::Inserted } else { InsertOutcome::AlreadyPresent })
}

pub(super) fn acks(conn: &Connection, id: Uuid) -> StoreResult<Vec<EmergencyAck>> {
    let mut stmt = conn.prepare_cached(
        "SELECT emergency_id, booth, acknowledged_at, username FROM emergency_acks
         WHERE emergency_id = ?1 ORDER BY booth",
    )?;
    let rows = stmt.query_map(params![uuid_text(id)], |row| {
        Ok(EmergencyAck {
            emergency_id: uuid(row, 0)?,
            booth: row.get(1)?,
            acknowledged_at: time(row, 2)?,
            username: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
