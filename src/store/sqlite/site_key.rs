//! The fingerprint of the site's ticket key (migration 0007).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::codec::ms;
use crate::store::StoreResult;

pub(super) fn fingerprint(conn: &Connection, site: &str) -> StoreResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT fingerprint FROM site_keys WHERE site_code = ?1")?
        .query_row(params![site], |row| row.get(0))
        .optional()?)
}

pub(super) fn claim(
    conn: &Connection,
    site: &str,
    fingerprint: &str,
    at: DateTime<Utc>,
) -> StoreResult<String> {
    conn.prepare_cached(
        "INSERT INTO site_keys (site_code, fingerprint, recorded_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (site_code) DO NOTHING",
    )?
    .execute(params![site, fingerprint, ms(at)])?;
    Ok(conn
        .prepare_cached("SELECT fingerprint FROM site_keys WHERE site_code = ?1")?
        .query_row(params![site], |row| row.get(0))?)
}

/// The booth cache keeps the server's fingerprint as it is, replacing an older one.
pub(super) fn mirror(conn: &Connection, site: &str, fingerprint: &str, at: DateTime<Utc>) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO site_keys (site_code, fingerprint, recorded_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (site_code) DO UPDATE SET fingerprint = excluded.fingerprint,
             recorded_at = excluded.recorded_at",
    )?
    .execute(params![site, fingerprint, ms(at)])?;
    Ok(())
}
