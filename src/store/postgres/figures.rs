//! The admin's figures over a time range: vehicles inside (now per class, and at a past
//! instant), entries counted and exits grouped; the same answers as SQLite's `figures`.
//! Every query walks a `(site_code, time)` index or the open part of `visit_links`, never the
//! whole history.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::codec::{self, count_at, get};
use super::error::PgResult;
use super::pool::{Conn, Sql};
use crate::domain::ClassCode;
use crate::store::{ExitGroup, in_class_order, sort_exit_groups};

pub(super) fn inside_by_class(
    conn: &mut Conn,
    site: &str,
    include_simulated: bool,
) -> PgResult<Vec<(ClassCode, u64)>> {
    let mut tx = conn.snapshot()?;
    let rows = tx.query(
        "SELECT e.class, count(*) FROM open_entries o JOIN entries e ON e.id = o.entry_id
         WHERE o.site_code = $1 AND (NOT o.simulated OR $2) GROUP BY e.class",
        &[&site, &include_simulated],
    )?;
    let mut counts = BTreeMap::new();
    for row in &rows {
        counts.insert(codec::class_at(row, 0)?, count_at(row, 1)?);
    }
    let configured = tx
        .query("SELECT code FROM vehicle_classes ORDER BY sort_order, code COLLATE \"C\"", &[])?
        .iter()
        .map(|row| codec::class_at(row, 0))
        .collect::<PgResult<Vec<_>>>()?;
    tx.commit()?;
    Ok(in_class_order(configured, counts))
}

/// Inside at `at` = still inside now and entered before `at`, plus those that entered before
/// `at` and left at or after it. Both parts start from `at` (in the open and the exits
/// indexes of `visit_links`), so a recent instant reads a few index pages however long the
/// history is.
pub(super) fn inside_at(
    db: &mut impl Sql,
    site: &str,
    at: DateTime<Utc>,
    include_simulated: bool,
) -> PgResult<u64> {
    let row = db.query_one(
        "SELECT (SELECT count(*) FROM open_entries
                 WHERE site_code = $1 AND entry_time < $2 AND (NOT simulated OR $3))
              + (SELECT count(*) FROM visit_links
                 WHERE exit_id IS NOT NULL AND site_code = $1 AND exit_time >= $2
                   AND has_entry AND entry_time < $2 AND (NOT simulated OR $3))",
        &[&site, &at, &include_simulated],
    )?;
    count_at(&row, 0)
}

/// Read from the per-day counts (whole days) and `visit_links` (the partial days at either
/// end), which keep simulated entries apart.
pub(super) fn entry_count(
    conn: &mut Conn,
    site: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    include_simulated: bool,
) -> PgResult<u64> {
    let mut tx = conn.snapshot()?;
    let count = super::reports::entries_in_range(&mut tx, site, Some(from), Some(to), include_simulated)?;
    tx.commit()?;
    Ok(count)
}

/// One GROUP BY over the range's exits, read from the exits index of `visit_links` (which
/// carries each exit's entry class and time); an orphan (entry not stored yet) has no class
/// and no stay, and a stay a skewed clock made negative counts as zero, as in `daily_stats`.
/// Stays are added up as intervals and turned into milliseconds once per group: numeric
/// arithmetic on every row took most of the time.
pub(super) fn exit_groups(
    db: &mut impl Sql,
    site: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    include_simulated: bool,
) -> PgResult<Vec<ExitGroup>> {
    let rows = db.query(
        "SELECT CASE WHEN v.has_entry THEN v.class END, v.method, v.exit_operator, v.shift_id,
                count(*), sum(v.total)::bigint, count(*) FILTER (WHERE v.lost_ticket),
                count(*) FILTER (WHERE v.has_entry),
                coalesce(floor(extract(epoch FROM sum(CASE WHEN v.has_entry
                    THEN greatest(v.exit_time - v.entry_time, interval '0') END)) * 1000), 0)::bigint
         FROM visit_links v
         WHERE v.exit_id IS NOT NULL AND v.site_code = $1 AND v.exit_time >= $2 AND v.exit_time < $3
           AND (NOT v.exit_simulated OR $4)
         GROUP BY 1, v.method, v.exit_operator, v.shift_id",
        &[&site, &from, &to, &include_simulated],
    )?;
    let mut groups = rows
        .iter()
        .map(|row| {
            let class = match get::<Option<String>>(row, 0)? {
                Some(_) => Some(codec::class_at(row, 0)?),
                None => None,
            };
            Ok(ExitGroup {
                class,
                method: codec::method_at(row, 1)?,
                operator: get(row, 2)?,
                shift_id: get(row, 3)?,
                exits: count_at(row, 4)?,
                revenue: codec::rupiah_at(row, 5)?,
                lost_tickets: count_at(row, 6)?,
                stays: count_at(row, 7)?,
                stay_total_ms: get(row, 8)?,
            })
        })
        .collect::<PgResult<Vec<_>>>()?;
    sort_exit_groups(&mut groups);
    Ok(groups)
}
