//! The admin's figures over a time range: vehicles inside (now per class, and at a past
//! instant), entries counted and exits grouped. Every query walks a `(site_code, time)` index
//! or the trigger-kept `open_entries` table, never the whole history.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::codec::{self, ms};
use crate::domain::{ClassCode, Rupiah};
use crate::store::{ExitGroup, StoreError, StoreResult, in_class_order, sort_exit_groups};

/// Milliseconds in a UTC day: `exit_days.day` is `exit_time / DAY_MS`.
const DAY_MS: i64 = 86_400_000;

/// The whole UTC days inside `[from, to)` (milliseconds), as `[first, end)` day numbers, if any.
fn whole_days(from: i64, to: i64) -> Option<(i64, i64)> {
    let first = from.div_euclid(DAY_MS) + i64::from(from.rem_euclid(DAY_MS) != 0);
    let end = to.div_euclid(DAY_MS);
    (first < end).then_some((first, end))
}

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub(super) fn inside_by_class(
    conn: &Connection,
    site: &str,
    include_simulated: bool,
) -> StoreResult<Vec<(ClassCode, u64)>> {
    let tx = conn.unchecked_transaction()?;
    let mut counts = BTreeMap::new();
    let mut stmt = tx.prepare_cached(
        "SELECT e.class, count(*) FROM open_entries o JOIN entries e ON e.id = o.entry_id
         WHERE o.site_code = ?1 AND o.simulated <= ?2 GROUP BY e.class",
    )?;
    let mut rows = stmt.query(params![site, include_simulated])?;
    while let Some(row) = rows.next()? {
        counts.insert(codec::class(row, 0)?, count(row.get(1)?));
    }
    drop(rows);
    drop(stmt);
    let mut stmt = tx.prepare_cached("SELECT code FROM vehicle_classes ORDER BY sort_order, code")?;
    let configured = stmt.query_map([], |row| codec::class(row, 0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(in_class_order(configured, counts))
}

/// Inside at `at` = still inside now and entered before `at`, plus those that entered before
/// `at` and left at or after it. Both parts start from `at` (in `open_entries` and in the
/// exits index of `visit_facts`; `+` keeps SQLite off the entry-time key, which would walk
/// the whole history before `at`), so a recent instant reads a few index pages however long
/// the history is.
pub(super) fn inside_at(
    conn: &Connection,
    site: &str,
    at: DateTime<Utc>,
    include_simulated: bool,
) -> StoreResult<u64> {
    let value: i64 = conn
        .prepare_cached(
            "SELECT (SELECT count(*) FROM open_entries
                     WHERE site_code = ?1 AND entry_time < ?2 AND simulated <= ?3)
                  + (SELECT count(*) FROM visit_facts
                     WHERE site_code = ?1 AND exit_time >= ?2 AND +entry_time < ?2 AND simulated <= ?3)",
        )?
        .query_row(params![site, ms(at), include_simulated], |row| row.get(0))?;
    Ok(count(value))
}

/// Read from the per-day counts (whole days) and the `visit_facts` rows (the partial days at
/// either end), which keep simulated entries apart.
pub(super) fn entry_count(
    conn: &Connection,
    site: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    include_simulated: bool,
) -> StoreResult<u64> {
    let tx = conn.unchecked_transaction()?;
    let value = super::visits::entries_in_range(&tx, site, Some(ms(from)), Some(ms(to)), include_simulated)?;
    Ok(count(value))
}

/// The range's exits grouped: whole UTC days from the trigger-kept `exit_days` rollups, the
/// partial days at either end from the exits index of `visit_facts` (which carries each
/// exit's entry class and time), plus the few orphans (entry not stored yet: no class, no
/// stay). A stay a skewed clock made negative counts as zero, as in `daily_stats`.
pub(super) fn exit_groups(
    conn: &Connection,
    site: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    include_simulated: bool,
) -> StoreResult<Vec<ExitGroup>> {
    let (from, to) = (ms(from), ms(to));
    let days = whole_days(from, to);
    // Raw rows before and after the whole days; with no whole day the first part is the range.
    let (head_to, tail_from) = match days {
        Some((first, end)) => (first * DAY_MS, end * DAY_MS),
        None => (to, to),
    };
    let (first_day, end_day) = days.unwrap_or((0, 0));
    let mut stmt = conn.prepare_cached(
        "SELECT nullif(class, ''), method, operator, shift_id, sum(n), sum(total), sum(lost_ticket),
                sum(stays), sum(stay_ms)
         FROM (SELECT d.class, d.method, nullif(d.operator, '') AS operator,
                      nullif(d.shift_id, '') AS shift_id, d.exits AS n, d.revenue AS total,
                      d.lost_tickets AS lost_ticket, d.exits AS stays, d.stay_ms
               FROM exit_days d
               WHERE d.site_code = ?1 AND d.day >= ?5 AND d.day < ?6 AND d.exit_simulated <= ?4
               UNION ALL
               SELECT v.class, v.method, v.exit_operator, v.shift_id, 1, v.total, v.lost_ticket, 1,
                      max(v.exit_time - v.entry_time, 0)
               FROM visit_facts v
               WHERE v.site_code = ?1 AND v.exit_time >= ?2 AND v.exit_time < ?7
                 AND v.exit_simulated <= ?4
               UNION ALL
               SELECT v.class, v.method, v.exit_operator, v.shift_id, 1, v.total, v.lost_ticket, 1,
                      max(v.exit_time - v.entry_time, 0)
               FROM visit_facts v
               WHERE v.site_code = ?1 AND v.exit_time >= ?8 AND v.exit_time < ?3
                 AND v.exit_simulated <= ?4
               UNION ALL
               SELECT '', x.method, x.operator, x.shift_id, 1, x.total, x.lost_ticket, 0, 0
               FROM orphan_exits o JOIN exits x ON x.id = o.exit_id
               WHERE o.site_code = ?1 AND x.exit_time >= ?2 AND x.exit_time < ?3 AND x.simulated <= ?4)
         GROUP BY class, method, operator, shift_id
         HAVING sum(n) > 0",
    )?;
    let rows = stmt.query_map(
        params![site, from, to, include_simulated, first_day, end_day, head_to, tail_from],
        |row| {
            let class = match row.get::<_, Option<String>>(0)? {
                Some(_) => Some(codec::class(row, 0)?),
                None => None,
            };
            Ok(ExitGroup {
                class,
                method: codec::method(row, 1)?,
                operator: row.get(2)?,
                shift_id: codec::opt_uuid(row, 3)?,
                exits: count(row.get(4)?),
                revenue: Rupiah(row.get(5)?),
                lost_tickets: count(row.get(6)?),
                stays: count(row.get(7)?),
                stay_total_ms: row.get(8)?,
            })
        },
    )?;
    let mut groups = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(StoreError::from)?;
    sort_exit_groups(&mut groups);
    Ok(groups)
}
