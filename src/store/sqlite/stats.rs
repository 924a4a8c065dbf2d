//! Daily statistics: one local day's entries, exits, revenue, hours, classes and methods.
//!
//! The local day becomes a UTC range, so both queries walk `visit_facts` in `(site_code, time)`
//! order: its rows for the entries, its exits index (which carries the exit's figures and the
//! entry's class and time) for the exits, and the few orphan exits apart;
//! hours are bucketed in Rust because only the time zone database knows each instant's
//! local hour (a day with a daylight-saving change has 23 or 25 hours).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use rusqlite::Connection;
use rusqlite::types::Type;

use super::codec::{bad_value, ms};
use crate::domain::{ClassCode, Rupiah, calendar};
use crate::store::{ClassDay, DailyStats, MethodDay, PaymentMethod, StoreError, StoreResult};

/// The UTC half-open range `[start, end)` covering the local `day`.
fn day_range(day: NaiveDate, tz: Tz) -> StoreResult<(DateTime<Utc>, DateTime<Utc>)> {
    calendar::day_range(day, tz)
        .ok_or_else(|| StoreError::Refused(format!("{day} cannot be placed in time zone {tz}")))
}

/// The local hour (0–23) of a stored time.
fn local_hour(millis: i64, tz: Tz, column: usize) -> rusqlite::Result<usize> {
    let utc = DateTime::from_timestamp_millis(millis)
        .ok_or_else(|| bad_value(column, Type::Integer, format!("time {millis} out of range")))?;
    // hour() is always below 24, so the index is in range.
    Ok(utc.with_timezone(&tz).hour() as usize)
}

/// Running totals for one class.
#[derive(Default)]
struct ClassTally {
    entries: u64,
    exits: u64,
    revenue: Rupiah,
}

pub(super) fn daily_stats(
    conn: &Connection,
    site: &str,
    day: NaiveDate,
    tz: Tz,
    include_simulated: bool,
) -> StoreResult<DailyStats> {
    let (start, end) = day_range(day, tz)?;
    let range = (site, ms(start), ms(end), include_simulated);
    let tx = conn.unchecked_transaction()?;

    let mut stats = DailyStats {
        day,
        entries: 0,
        exits: 0,
        revenue: Rupiah::ZERO,
        entries_per_hour: [0; 24],
        exits_per_hour: [0; 24],
        by_class: Vec::new(),
        by_method: Vec::new(),
        average_stay_min: None,
        lost_tickets: 0,
    };
    let mut classes: BTreeMap<String, ClassTally> = BTreeMap::new();

    let mut stmt = tx.prepare_cached(
        "SELECT entry_time, class FROM visit_facts
         WHERE site_code = ?1 AND entry_time >= ?2 AND entry_time < ?3 AND simulated <= ?4",
    )?;
    let mut rows = stmt.query(range)?;
    while let Some(row) = rows.next()? {
        let hour = local_hour(row.get(0)?, tz, 0)?;
        stats.entries += 1;
        stats.entries_per_hour[hour] += 1;
        classes.entry(row.get(1)?).or_default().entries += 1;
    }
    drop(rows);
    drop(stmt);

    let mut methods: BTreeMap<&'static str, (u64, Rupiah)> = BTreeMap::new();
    let mut stay_total_ms: i64 = 0;
    let mut stays: i64 = 0;
    // An orphan exit (entry not arrived yet) has no class and no stay: it counts in the
    // totals, hours and methods, and is left out of by_class and the average stay.
    let mut stmt = tx.prepare_cached(
        "SELECT exit_time, total, method, lost_ticket, class, entry_time FROM visit_facts
         WHERE site_code = ?1 AND exit_time >= ?2 AND exit_time < ?3 AND exit_simulated <= ?4
         UNION ALL
         SELECT x.exit_time, x.total, x.method, x.lost_ticket, NULL, NULL
         FROM orphan_exits o JOIN exits x ON x.id = o.exit_id
         WHERE o.site_code = ?1 AND x.exit_time >= ?2 AND x.exit_time < ?3 AND x.simulated <= ?4",
    )?;
    let mut rows = stmt.query(range)?;
    while let Some(row) = rows.next()? {
        let exit_ms: i64 = row.get(0)?;
        let total = Rupiah(row.get(1)?);
        let method: String = row.get(2)?;
        let method = PaymentMethod::parse(&method)
            .ok_or_else(|| bad_value(2, Type::Text, format!("unknown payment method {method:?}")))?;
        stats.exits += 1;
        stats.revenue += total;
        stats.exits_per_hour[local_hour(exit_ms, tz, 0)?] += 1;
        if row.get::<_, bool>(3)? {
            stats.lost_tickets += 1;
        }
        let tally = methods.entry(method.as_str()).or_default();
        tally.0 += 1;
        tally.1 += total;
        if let Some(class) = row.get::<_, Option<String>>(4)? {
            let tally = classes.entry(class).or_default();
            tally.exits += 1;
            tally.revenue += total;
        }
        if let Some(entry_ms) = row.get::<_, Option<i64>>(5)? {
            stay_total_ms = stay_total_ms.saturating_add((exit_ms - entry_ms).max(0));
            stays += 1;
        }
    }
    drop(rows);
    drop(stmt);

    if stays > 0 {
        stats.average_stay_min = Some(stay_total_ms / stays / 60_000);
    }
    stats.by_method = PaymentMethod::ALL
        .into_iter()
        .map(|method| {
            let (exits, revenue) = methods.get(method.as_str()).copied().unwrap_or_default();
            MethodDay { method, exits, revenue }
        })
        .collect();
    stats.by_class = class_rows(&tx, classes)?;
    Ok(stats)
}

/// Every configured class in display order (zeros included, so charts keep their shape), then
/// any other class the day's visits carry.
fn class_rows(conn: &Connection, mut tallies: BTreeMap<String, ClassTally>) -> StoreResult<Vec<ClassDay>> {
    let mut stmt = conn.prepare_cached("SELECT code FROM vehicle_classes ORDER BY sort_order, code")?;
    let configured =
        stmt.query_map([], |row| row.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    let mut ordered: Vec<(String, ClassTally)> = configured
        .into_iter()
        .map(|code| {
            let tally = tallies.remove(&code).unwrap_or_default();
            (code, tally)
        })
        .collect();
    ordered.extend(tallies);
    ordered
        .into_iter()
        .map(|(code, tally)| {
            let class = ClassCode::parse(&code).map_err(|err| {
                StoreError::Database(format!("unreadable vehicle class in the database: {err}"))
            })?;
            Ok(ClassDay { class, entries: tally.entries, exits: tally.exits, revenue: tally.revenue })
        })
        .collect()
}
