//! The fingerprint of the site's ticket key (migration 0007).

use chrono::{DateTime, Utc};

use super::codec::get;
use super::error::PgResult;
use super::pool::Sql;

pub(super) fn fingerprint(db: &mut impl Sql, site: &str) -> PgResult<Option<String>> {
    match db.query_opt("SELECT fingerprint FROM site_keys WHERE site_code = $1", &[&site])? {
        Some(row) => Ok(Some(get(&row, 0)?)),
        None => Ok(None),
    }
}

/// Two booths claiming at once: the first insert wins and both read the winner back.
pub(super) fn claim(db: &mut impl Sql, site: &str, fingerprint: &str, at: DateTime<Utc>) -> PgResult<String> {
    db.execute(
        "INSERT INTO site_keys (site_code, fingerprint, recorded_at) VALUES ($1, $2, $3)
         ON CONFLICT (site_code) DO NOTHING",
        &[&site, &fingerprint, &at],
    )?;
    let row = db.query_one("SELECT fingerprint FROM site_keys WHERE site_code = $1", &[&site])?;
    get(&row, 0)
}
