//! The append-only audit log in SQLite.

use rusqlite::types::{Type, Value};
use rusqlite::{Connection, params, params_from_iter};

use super::codec::{self, bad_value, ms};
use uuid::Uuid;

use crate::store::{AuditFilter, AuditRecord, InsertOutcome, StoreError, StoreResult};

pub(super) fn append_audit(conn: &Connection, record: &AuditRecord) -> StoreResult<()> {
    insert_audit(conn, record, None).map(|_| ())
}

pub(super) fn append_audit_once(
    conn: &Connection,
    key: Uuid,
    record: &AuditRecord,
) -> StoreResult<InsertOutcome> {
    let added = insert_audit(conn, record, Some(key))?;
    Ok(if added == 0 { InsertOutcome::AlreadyPresent } else { InsertOutcome::Inserted })
}

/// Inserts one line; with a journal key, a line already stored under it is left alone (0 rows).
fn insert_audit(conn: &Connection, record: &AuditRecord, key: Option<Uuid>) -> StoreResult<usize> {
    let detail = serde_json::to_string(&record.detail)
        .map_err(|err| StoreError::Database(format!("cannot encode the audit detail: {err}")))?;
    let added = conn
        .prepare_cached(
            "INSERT INTO audit_log (time, site_code, booth, username, action, detail, journal_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (journal_id) WHERE journal_id IS NOT NULL DO NOTHING",
        )?
        .execute(params![
            ms(record.time),
            record.site,
            record.booth,
            record.username,
            record.action,
            detail,
            key.map(|key| key.to_string()),
        ])?;
    Ok(added)
}

pub(super) fn list_audit(conn: &Connection, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    if let Some(action) = &filter.action {
        clauses.push("action = ?");
        values.push(Value::Text(action.clone()));
    }
    if let Some(site) = &filter.site {
        clauses.push("site_code = ?");
        values.push(Value::Text(site.clone()));
    }
    if let Some(username) = &filter.username {
        clauses.push("lower(username) = ?");
        values.push(Value::Text(username.trim().to_lowercase()));
    }
    if let Some(booth) = &filter.booth {
        clauses.push("booth = ?");
        values.push(Value::Text(booth.clone()));
    }
    if let Some(from) = filter.from {
        clauses.push("time >= ?");
        values.push(Value::Integer(ms(from)));
    }
    if let Some(to) = filter.to {
        clauses.push("time < ?");
        values.push(Value::Integer(ms(to)));
    }
    let where_sql =
        if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    // A limit of 0 means "no limit", which SQLite spells as a negative LIMIT.
    let limit = match filter.limit {
        0 => -1,
        n => i64::try_from(n).unwrap_or(i64::MAX),
    };
    values.push(Value::Integer(limit));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT time, site_code, booth, username, action, detail FROM audit_log
         {where_sql} ORDER BY time DESC, id DESC LIMIT ?"
    ))?;
    let rows = stmt.query_map(params_from_iter(values.iter()), |row| {
        let detail: String = row.get(5)?;
        Ok(AuditRecord {
            time: codec::time(row, 0)?,
            site: row.get(1)?,
            booth: row.get(2)?,
            username: row.get(3)?,
            action: row.get(4)?,
            detail: serde_json::from_str(&detail).map_err(|err| bad_value(5, Type::Text, err))?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
