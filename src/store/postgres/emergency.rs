//! Emergencies and their acknowledgements (migration 0011); a trigger announces each change on
//! `gardu_emergency` so every booth hears it at once.

use chrono::{DateTime, Utc};
use postgres::Row;
use uuid::Uuid;

use super::codec::get;
use super::error::PgResult;
use super::pool::{Conn, Sql};
use crate::store::{Emergency, EmergencyAck, InsertOutcome, Origin, StoreError};

const COLUMNS: &str = "id, site_code, started_at, started_by, booth, reason, ended_at, ended_by, origin";

/// Serialises declarations of one site, so two booths declaring at once get one emergency.
const START_LOCK: i64 = 0x6761_7264_7500_0011;

fn emergency(row: &Row) -> PgResult<Emergency> {
    Ok(Emergency {
        id: get(row, 0)?,
        site: get(row, 1)?,
        started_at: get(row, 2)?,
        started_by: get(row, 3)?,
        booth: get(row, 4)?,
        reason: get(row, 5)?,
        ended_at: get(row, 6)?,
        ended_by: get(row, 7)?,
        origin: Origin::parse(&get::<String>(row, 8)?),
    })
}

pub(super) fn start(conn: &mut Conn, e: &Emergency) -> PgResult<InsertOutcome> {
    let mut tx = conn.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&START_LOCK])?;
    if tx.query_opt("SELECT 1 FROM emergencies WHERE id = $1", &[&e.id])?.is_some() {
        return Ok(InsertOutcome::AlreadyPresent);
    }
    if e.active()
        && let Some(open) = active(&mut tx, &e.site)?
    {
        return Err(StoreError::Refused(format!(
            "an emergency is already active since {} (declared by {})",
            open.started_at, open.started_by
        ))
        .into());
    }
    tx.execute(
        "INSERT INTO emergencies (id, site_code, started_at, started_by, booth, reason, ended_at, ended_by, origin)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &e.id,
            &e.site,
            &e.started_at,
            &e.started_by,
            &e.booth,
            &e.reason,
            &e.ended_at,
            &e.ended_by,
            &e.origin.as_str(),
        ],
    )?;
    tx.commit()?;
    Ok(InsertOutcome::Inserted)
}

pub(super) fn end(db: &mut impl Sql, id: Uuid, at: DateTime<Utc>, by: &str) -> PgResult<Emergency> {
    db.execute(
        "UPDATE emergencies SET ended_at = $2, ended_by = $3 WHERE id = $1 AND ended_at IS NULL",
        &[&id, &at, &by],
    )?;
    match db.query_opt(&format!("SELECT {COLUMNS} FROM emergencies WHERE id = $1"), &[&id])? {
        Some(row) => emergency(&row),
        None => Err(StoreError::NotFound(format!("emergency {id}")).into()),
    }
}

pub(super) fn active(db: &mut impl Sql, site: &str) -> PgResult<Option<Emergency>> {
    db.query_opt(
        &format!("SELECT {COLUMNS} FROM emergencies WHERE site_code = $1 AND ended_at IS NULL"),
        &[&site],
    )?
    .map(|row| emergency(&row))
    .transpose()
}

pub(super) fn list(
    db: &mut impl Sql,
    site: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> PgResult<Vec<Emergency>> {
    db.query(
        &format!(
            "SELECT {COLUMNS} FROM emergencies WHERE site_code = $1 AND started_at < $3
                 AND (ended_at IS NULL OR ended_at >= $2)
             ORDER BY started_at"
        ),
        &[&site, &from, &to],
    )?
    .iter()
    .map(emergency)
    .collect()
}

pub(super) fn acknowledge(db: &mut impl Sql, ack: &EmergencyAck) -> PgResult<InsertOutcome> {
    let inserted = db.execute(
        "INSERT INTO emergency_acks (emergency_id, booth, acknowledged_at, username)
         VALUES ($1, $2, $3, $4) ON CONFLICT (emergency_id, booth) DO NOTHING",
        &[&ack.emergency_id, &ack.booth, &ack.acknowledged_at, &ack.username],
    )?;
    Ok(if inserted == 1 { InsertOutcome::Inserted } else { InsertOutcome::AlreadyPresent })
}

pub(super) fn acks(db: &mut impl Sql, id: Uuid) -> PgResult<Vec<EmergencyAck>> {
    db.query(
        "SELECT emergency_id, booth, acknowledged_at, username FROM emergency_acks
         WHERE emergency_id = $1 ORDER BY booth",
        &[&id],
    )?
    .iter()
    .map(|row| {
        Ok(EmergencyAck {
            emergency_id: get(row, 0)?,
            booth: get(row, 1)?,
            acknowledged_at: get(row, 2)?,
            username: get(row, 3)?,
        })
    })
    .collect()
}
