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

/// Seconds in a UTC day: `exit_days.day` is the exit's epoch seconds over this, rounded down.
const DAY_SECONDS: i64 = 86_400;

/// Seconds in a quarter hour: `quarter_figures.quarter` is the epoch seconds over this,
/// rounded down.
pub(super) const QUARTER_SECONDS: i64 = 900;

/// The whole units of `seconds` (UTC days, quarter hours) inside `[from, to)`, as `[first,
/// end)` unit numbers, if any.
pub(super) fn whole_units(from: DateTime<Utc>, to: DateTime<Utc>, seconds: i64) -> Option<(i64, i64)> {
    let on_edge = from.timestamp().rem_euclid(seconds) == 0 && from.timestamp_subsec_nanos() == 0;
    let first = from.timestamp().div_euclid(seconds) + i64::from(!on_edge);
    let end = to.timestamp().div_euclid(seconds);
    (first < end).then_some((first, end))
}

/// The instant unit number `n` of `seconds` starts.
pub(super) fn unit_start(n: i64, seconds: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(n.checked_mul(seconds)?, 0)
}

/// Vehicles inside now per class, in the configured order: an index-only scan of the open
/// index of `visit_links`, which carries each entry's class (migration 0020).
pub(super) fn inside_by_class(
    conn: &mut Conn,
    site: &str,
    include_simulated: bool,
) -> PgResult<Vec<(ClassCode, u64)>> {
    let mut tx = conn.snapshot()?;
    let rows = tx.query(
        "SELECT class, count(*) FROM visit_links
         WHERE has_entry AND exit_id IS NULL AND site_code = $1 AND (NOT simulated OR $2)
         GROUP BY class",
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

/// The range's exits grouped: whole UTC days from the trigger-kept `exit_days` rollups, whole
/// quarter hours of the partial days at either end from `quarter_figures`, and what is left
/// of a quarter at either end (a range that does not start or end on one) from the exits
/// index of `visit_links` (which carries each exit's entry class and time). An orphan (entry
/// not stored yet) has no class and no stay, and a stay a skewed clock made negative counts
/// as zero, as in `daily_stats`. Stays are added up in microseconds and turned into
/// milliseconds once per group, as the sum of intervals they are.
pub(super) fn exit_groups(
    db: &mut impl Sql,
    site: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    include_simulated: bool,
) -> PgResult<Vec<ExitGroup>> {
    const PER_DAY: i64 = DAY_SECONDS / QUARTER_SECONDS;
    // [from, to) = rows [from, qa) + quarters [qa, d0) + days [d0, d1) + quarters [d1, qb)
    // + rows [qb, to); any of them may be empty.
    let (qa, qb) = whole_units(from, to, QUARTER_SECONDS).unwrap_or((0, 0));
    let days = whole_units(from, to, DAY_SECONDS);
    let (d0, d1) = days.map_or((qb, qb), |(first, end)| (first * PER_DAY, end * PER_DAY));
    let (first_day, end_day) = days.unwrap_or((0, 0));
    let (rows_to, rows_from) = match (unit_start(qa, QUARTER_SECONDS), unit_start(qb, QUARTER_SECONDS)) {
        (Some(start), Some(end)) if qa < qb => (start, end),
        _ => (to, to),
    };
    let raw = "SELECT CASE WHEN v.has_entry THEN v.class ELSE '' END AS class, v.method,
                      coalesce(v.exit_operator, '') AS operator,
                      coalesce(v.shift_id, '00000000-0000-0000-0000-000000000000'::uuid) AS shift_id,
                      1::bigint AS exits, v.total AS revenue,
                      CASE WHEN v.lost_ticket THEN 1 ELSE 0 END::bigint AS lost_tickets,
                      CASE WHEN v.has_entry THEN 1 ELSE 0 END::bigint AS stays,
                      CASE WHEN v.has_entry THEN (extract(epoch FROM
                          greatest(v.exit_time - v.entry_time, interval '0')) * 1000000)::bigint
                          ELSE 0 END AS stay_us
               FROM visit_links v
               WHERE v.exit_id IS NOT NULL AND v.site_code = $1 AND (NOT v.exit_simulated OR $4)";
    let quarters = "SELECT q.class, q.method, q.operator, q.shift_id, q.exits, q.revenue, q.lost_tickets,
                           q.stays, q.stay_us
                    FROM quarter_figures q
                    WHERE q.site_code = $1 AND q.exits <> 0 AND (NOT q.simulated OR $4)";
    let sql = format!(
        "SELECT nullif(g.class, ''), g.method, nullif(g.operator, ''),
                nullif(g.shift_id, '00000000-0000-0000-0000-000000000000'::uuid),
                sum(g.exits)::bigint, sum(g.revenue)::bigint, sum(g.lost_tickets)::bigint,
                sum(g.stays)::bigint, floor(sum(g.stay_us) / 1000)::bigint
         FROM (SELECT d.class, d.method, d.operator, d.shift_id, d.exits, d.revenue, d.lost_tickets,
                      d.stays, d.stay_us
               FROM exit_days d
               WHERE d.site_code = $1 AND d.day >= $5 AND d.day < $6 AND (NOT d.exit_simulated OR $4)
               UNION ALL
               {quarters} AND q.quarter >= $9 AND q.quarter < $10
               UNION ALL
               {quarters} AND q.quarter >= $11 AND q.quarter < $12
               UNION ALL
               {raw} AND v.exit_time >= $2 AND v.exit_time < $7
               UNION ALL
               {raw} AND v.exit_time >= $8 AND v.exit_time < $3) g
         GROUP BY 1, 2, 3, 4
         HAVING sum(g.exits) > 0"
    );
    let rows = db.query(
        &sql,
        &[
            &site,
            &from,
            &to,
            &include_simulated,
            &first_day,
            &end_day,
            &rows_to,
            &rows_from,
            &qa,
            &d0,
            &d1,
            &qb,
        ],
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
