//! The admin's views in PostgreSQL: the filtered transaction list, daily statistics and the
//! audit log. Filters and orderings match the SQLite backend exactly.
//!
//! The local day becomes a UTC range so the queries walk the `(site_code, time)` indexes;
//! hours are bucketed in Rust because only the time zone database knows each instant's local
//! hour (a day with a daylight-saving change has 23 or 25 hours).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use postgres::types::ToSql;

use super::codec::{self, ENTRY_COLUMN_COUNT, ENTRY_COLUMNS, EXIT_COLUMNS, entry_at, get, opt_exit_at};
use super::error::{Fail, PgResult};
use super::figures::{QUARTER_SECONDS, unit_start, whole_units};
use super::pool::{Conn, Sql};
use super::visits::plate_key;
use crate::domain::plate::search_trigrams;
use crate::domain::{ClassCode, Rupiah, calendar};
use crate::store::{
    AuditFilter, AuditRecord, ClassDay, DailyStats, InsertOutcome, MethodDay, PageRequest, PaymentMethod,
    StoreError, Visit, VisitFilter, VisitPage, VisitState,
};
use uuid::Uuid;

type Param = Box<dyn ToSql + Sync>;

/// A WHERE clause over `visit_links v` built from the filter fields that are set, with
/// numbered parameters.
#[derive(Default)]
struct Conditions {
    clauses: Vec<String>,
    values: Vec<Param>,
}

impl Conditions {
    /// Adds a clause whose `?` marks are numbered in order as `values` are added.
    fn add(&mut self, clause: &str, values: Vec<Param>) {
        let mut numbered = String::new();
        let mut rest = clause;
        let mut values = values.into_iter();
        while let Some(at) = rest.find('?') {
            numbered.push_str(&rest[..at]);
            if let Some(value) = values.next() {
                self.values.push(value);
            }
            numbered.push_str(&format!("${}", self.values.len()));
            rest = &rest[at + 1..];
        }
        numbered.push_str(rest);
        self.clauses.push(numbered);
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!("WHERE {}", self.clauses.join(" AND ")) }
    }

    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.values.iter().map(|value| value.as_ref() as &(dyn ToSql + Sync)).collect()
    }
}

fn text(value: &str) -> Param {
    Box::new(value.to_string())
}

/// A LIKE pattern matching text that contains `term` literally: `%`, `_` and `\` in a search
/// are plain characters.
fn contains(term: &str) -> String {
    let escaped = term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The conditions, whether any narrows the list beyond site and entry time, and the table
/// they are over as `v`: `visit_links`, or `plate_grams` when a plate fragment of three
/// characters or more is all that narrows the list (its rows carry site, entry time, simulated
/// and the plate keys, so its key gives the visits newest first and an index-only count).
fn visit_conditions(filter: &VisitFilter) -> (Conditions, bool, &'static str) {
    let key = filter.plate.as_deref().and_then(plate_key);
    let ticket = filter.ticket.as_deref().map(str::trim).filter(|ticket| !ticket.is_empty());
    if let Some(key) = key.as_deref().filter(|key| key.len() >= PLATE_GRAM_CHARS)
        && ticket.is_none()
        && filter.class.is_none()
        && filter.booth.is_none()
        && filter.operator.is_none()
        && filter.method.is_none()
        && filter.state.is_none()
        && !filter.lost_only
        && !filter.offline_only
        && !filter.duplicates_only
        && !filter.forced_only
    {
        let mut c = Conditions::default();
        let (clause, values) = plate_grams_clause("v", key);
        c.add(&clause, values);
        if let Some(site) = &filter.site {
            c.add("v.site_code = ?", vec![text(site)]);
        }
        if let Some(from) = filter.from {
            c.add("v.entry_time >= ?", vec![Box::new(from)]);
        }
        if let Some(to) = filter.to {
            c.add("v.entry_time < ?", vec![Box::new(to)]);
        }
        if !filter.include_simulated {
            c.add("NOT v.simulated", vec![]);
        }
        return (c, true, "plate_grams");
    }
    let mut c = Conditions::default();
    c.add("v.has_entry", vec![]);
    if let Some(site) = &filter.site {
        c.add("v.site_code = ?", vec![text(site)]);
    }
    if let Some(from) = filter.from {
        c.add("v.entry_time >= ?", vec![Box::new(from)]);
    }
    if let Some(to) = filter.to {
        c.add("v.entry_time < ?", vec![Box::new(to)]);
    }
    let plain = c.clauses.len();
    if let Some(key) = key {
        if key.len() >= PLATE_GRAM_CHARS {
            let (clause, values) = plate_grams_clause("g", &key);
            c.add(&format!("v.entry_id IN (SELECT g.entry_id FROM plate_grams g WHERE {clause})"), values);
        } else {
            // Shorter than a trigram: the scan.
            c.add(
                "v.entry_id IN (SELECT id FROM entries WHERE plate_key LIKE ? OR plate_read_key LIKE ?)",
                vec![Box::new(contains(&key)), Box::new(contains(&key))],
            );
        }
    }
    if let Some(ticket) = ticket {
        c.add(
            "v.entry_id IN (SELECT id FROM entries WHERE upper(ticket_no) LIKE ?)",
            vec![Box::new(contains(&ticket.to_uppercase()))],
        );
    }
    add_grouped_filters(&mut c, filter, "v.exit_id IS NOT NULL");
    // The open part of the link table has its own small index.
    if filter.state == Some(VisitState::Inside) {
        c.add("v.exit_id IS NULL", vec![]);
    }
    // Both sets are small: a few second payments and forced closes to review.
    if filter.duplicates_only {
        c.add("v.entry_id IN (SELECT entry_id FROM duplicate_exits)", vec![]);
    }
    if filter.forced_only {
        c.add("v.exit_id IN (SELECT id FROM exits WHERE forced_reason IS NOT NULL)", vec![]);
    }
    let narrowed = c.clauses.len() > plain;
    // The per-day counts keep simulated entries apart, so leaving them out still counts fast.
    if !filter.include_simulated {
        c.add("NOT v.simulated", vec![]);
    }
    (c, narrowed, "visit_links")
}

/// The filters `visit_days` groups visits by, as clauses over `v` (`visit_links` or
/// `visit_days`, whose columns have the same names); `exited` is how each says "has left".
fn add_grouped_filters(c: &mut Conditions, filter: &VisitFilter, exited: &str) {
    if let Some(class) = &filter.class {
        c.add("v.class = ?", vec![text(class.as_str())]);
    }
    if let Some(booth) = &filter.booth {
        c.add("(v.booth = ? OR v.exit_booth = ?)", vec![text(booth), text(booth)]);
    }
    if let Some(operator) = &filter.operator {
        let operator = operator.trim().to_lowercase();
        c.add(
            "(lower(v.operator) = ? OR lower(v.exit_operator) = ?)",
            vec![text(&operator), text(&operator)],
        );
    }
    if let Some(method) = filter.method {
        c.add("v.method = ?", vec![text(method.as_str())]);
    }
    if filter.state == Some(VisitState::Exited) {
        c.add(exited, vec![]);
    }
    if filter.lost_only {
        c.add("v.lost_ticket", vec![]);
    }
    if filter.offline_only {
        c.add("(v.origin = 'journal' OR v.exit_origin = 'journal')", vec![]);
    }
}

/// Whether the per-day groups of `visit_days` can count the filter: not plate or ticket
/// searches, vehicles inside or the review sets, which have their own small sets to count.
fn groups_count(filter: &VisitFilter) -> bool {
    let searched = filter.plate.as_deref().and_then(plate_key).is_some()
        || filter.ticket.as_deref().is_some_and(|ticket| !ticket.trim().is_empty());
    !(searched || filter.state == Some(VisitState::Inside) || filter.duplicates_only || filter.forced_only)
}

/// The length of a `plate_grams` trigram (migration 0014).
const PLATE_GRAM_CHARS: usize = 3;

/// How many of a trigram's rows are counted when picking the rarest trigram of a fragment:
/// enough to tell a rare trigram from a common one, few enough to stay a handful of index
/// pages each.
const RARE_GRAM_ROWS: u32 = 5_000;

/// The `plate_grams` rows (as `alias`) of the entries whose confirmed or read plate key
/// contains `key`, a search key of three characters or more, with its `?` values. A
/// three-character key is one trigram: its rows. A longer key is found among the rows of its
/// rarest trigram, by the keys the rows carry (migration 0016), so its total never reads
/// entries.
fn plate_grams_clause(alias: &str, key: &str) -> (String, Vec<Param>) {
    if key.len() == PLATE_GRAM_CHARS {
        return (format!("{alias}.gram = ?"), vec![text(key)]);
    }
    let grams: Vec<String> = search_trigrams(key).into_iter().map(str::to_string).collect();
    (
        format!(
            "{alias}.gram = (SELECT t FROM unnest(?::text[]) t
                             ORDER BY (SELECT count(*) FROM (SELECT 1 FROM plate_grams r WHERE r.gram = t
                                                             LIMIT {RARE_GRAM_ROWS}) n), t
                             LIMIT 1)
             AND {alias}.plate_keys LIKE ?"
        ),
        vec![Box::new(grams), Box::new(contains(key))],
    )
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// One UTC day: the bucket of `entry_days`.
const DAY_SECONDS: i64 = 86_400;

/// The UTC instant a day number of `entry_days` starts.
fn day_start_utc(day: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(day.saturating_mul(DAY_SECONDS), 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Entries of a site in `[from, to)` (simulated ones only when `include_simulated`): whole
/// UTC days from `entry_days`, the whole quarter hours of the partial days at either end from
/// `quarter_figures`, and only what is left of a quarter at either end counted from the rows.
pub(super) fn entries_in_range<T: Sql>(
    tx: &mut T,
    site: &str,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    include_simulated: bool,
) -> PgResult<u64> {
    let whole_days = |tx: &mut T, first: i64, end: i64| -> PgResult<u64> {
        let row = Sql::query_one(
            tx,
            "SELECT coalesce(sum(entries), 0)::bigint, coalesce(sum(simulated), 0)::bigint FROM entry_days
             WHERE site_code = $1 AND day >= $2 AND day < $3",
            &[&site, &first, &end],
        )?;
        Ok(if include_simulated {
            codec::count_at(&row, 0)?
        } else {
            codec::count_at(&row, 0)?.saturating_sub(codec::count_at(&row, 1)?)
        })
    };
    let raw = |tx: &mut T, start: DateTime<Utc>, end: DateTime<Utc>| -> PgResult<u64> {
        if start >= end {
            return Ok(0);
        }
        let row = Sql::query_one(
            tx,
            "SELECT count(*) FROM visit_links
             WHERE has_entry AND site_code = $1 AND entry_time >= $2 AND entry_time < $3
               AND (NOT simulated OR $4)",
            &[&site, &start, &end, &include_simulated],
        )?;
        codec::count_at(&row, 0)
    };
    // A partial day: [start, a) from the rows + quarters [qa, qb) + [b, end) from the rows.
    let rows = |tx: &mut T, start: DateTime<Utc>, end: DateTime<Utc>| -> PgResult<u64> {
        let quarters = whole_units(start, end, QUARTER_SECONDS).and_then(|(qa, qb)| {
            Some((qa, qb, unit_start(qa, QUARTER_SECONDS)?, unit_start(qb, QUARTER_SECONDS)?))
        });
        let Some((qa, qb, a, b)) = quarters else {
            return raw(tx, start, end);
        };
        let row = Sql::query_one(
            tx,
            "SELECT coalesce(sum(entries), 0)::bigint FROM quarter_figures
             WHERE site_code = $1 AND quarter >= $2 AND quarter < $3 AND entries <> 0
               AND (NOT simulated OR $4)",
            &[&site, &qa, &qb, &include_simulated],
        )?;
        Ok(raw(tx, start, a)? + codec::count_at(&row, 0)? + raw(tx, b, end)?)
    };
    count_by_days(tx, from, to, whole_days, rows)
}

/// Visits in the filter's range that meet it, for a filter the groups can count (see
/// `groups_count`): whole UTC days from `visit_days`, the partial days at either end counted
/// from the visit rows.
fn visits_in_range<T: Sql>(tx: &mut T, filter: &VisitFilter) -> PgResult<u64> {
    let whole_days = |tx: &mut T, first: i64, end: i64| -> PgResult<u64> {
        let mut c = Conditions::default();
        if let Some(site) = &filter.site {
            c.add("v.site_code = ?", vec![text(site)]);
        }
        c.add("v.day >= ? AND v.day < ?", vec![Box::new(first), Box::new(end)]);
        add_grouped_filters(&mut c, filter, "v.exited");
        if !filter.include_simulated {
            c.add("NOT v.simulated", vec![]);
        }
        let sql = format!("SELECT coalesce(sum(v.visits), 0)::bigint FROM visit_days v {}", c.sql());
        codec::count_at(&tx.query_one(&sql, &c.params())?, 0)
    };
    let rows = |tx: &mut T, start: DateTime<Utc>, end: DateTime<Utc>| -> PgResult<u64> {
        let (mut c, _, source) = visit_conditions(filter);
        c.add("v.entry_time >= ? AND v.entry_time < ?", vec![Box::new(start), Box::new(end)]);
        let sql = format!("SELECT count(*) FROM {source} v {}", c.sql());
        codec::count_at(&tx.query_one(&sql, &c.params())?, 0)
    };
    count_by_days(tx, filter.from, filter.to, whole_days, rows)
}

/// A count over `[from, to)` (open ends for None): the whole UTC days in it from
/// `whole_days(first day, end day)`, the partial days at either end from `rows(start, end)`.
fn count_by_days<T>(
    tx: &mut T,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    whole_days: impl FnOnce(&mut T, i64, i64) -> PgResult<u64>,
    rows: impl Fn(&mut T, DateTime<Utc>, DateTime<Utc>) -> PgResult<u64>,
) -> PgResult<u64> {
    let rows = |tx: &mut T, start: DateTime<Utc>, end: DateTime<Utc>| {
        if start >= end { Ok(0) } else { rows(tx, start, end) }
    };
    // The first whole day starts at or after `from`; the last one ends at or before `to`.
    let first_day = from.map(|from| {
        let seconds = from.timestamp();
        let day = seconds.div_euclid(DAY_SECONDS);
        if seconds.rem_euclid(DAY_SECONDS) == 0 && from.timestamp_subsec_nanos() == 0 { day } else { day + 1 }
    });
    let end_day = to.map(|to| to.timestamp().div_euclid(DAY_SECONDS));
    if let (Some(from), Some(to), Some(first), Some(end)) = (from, to, first_day, end_day)
        && first >= end
    {
        return rows(tx, from, to);
    }
    let head = match (from, first_day) {
        (Some(from), Some(first)) => rows(tx, from, day_start_utc(first))?,
        _ => 0,
    };
    let tail = match (to, end_day) {
        (Some(to), Some(end)) => rows(tx, day_start_utc(end), to)?,
        _ => 0,
    };
    let whole = whole_days(tx, first_day.unwrap_or(i64::MIN), end_day.unwrap_or(i64::MAX))?;
    Ok(whole + head + tail)
}

pub(super) fn list_visits(conn: &mut Conn, filter: &VisitFilter, page: PageRequest) -> PgResult<VisitPage> {
    let (mut conditions, narrowed, source) = visit_conditions(filter);
    let where_sql = conditions.sql();
    // One snapshot, so the total and the rows describe the same moment.
    let mut tx = conn.snapshot()?;
    // Per-day counts serve a site's list narrowed by entry time only (the list as it opens).
    let total = match (&filter.site, narrowed) {
        (Some(site), false) => {
            entries_in_range(&mut tx, site, filter.from, filter.to, filter.include_simulated)?
        }
        // Every site (HQ's list): the same per-day counts, site by site.
        (None, false) => {
            let sites = tx.query("SELECT DISTINCT site_code FROM entry_days", &[])?;
            let mut total = 0;
            for row in &sites {
                let site: String = codec::get(row, 0)?;
                total += entries_in_range(&mut tx, &site, filter.from, filter.to, filter.include_simulated)?;
            }
            total
        }
        // Narrowed by what the per-day groups carry: their sums, not every visit's row.
        (_, true) if groups_count(filter) => visits_in_range(&mut tx, filter)?,
        _ => {
            let total_sql = format!("SELECT count(*) FROM {source} v {where_sql}");
            codec::count_at(&tx.query_one(&total_sql, &conditions.params())?, 0)?
        }
    };
    let at = conditions.values.len();
    conditions.values.push(Box::new(to_i64(page.limit)));
    conditions.values.push(Box::new(to_i64(page.offset)));
    // The page is picked from the narrow rows; only its own rows are read in full.
    let sql = format!(
        "SELECT {ENTRY_COLUMNS}, {EXIT_COLUMNS}
         FROM (SELECT v.entry_id, v.entry_time FROM {source} v {where_sql}
               ORDER BY v.entry_time DESC, v.entry_id DESC LIMIT ${} OFFSET ${}) p
         JOIN entries e ON e.id = p.entry_id
         LEFT JOIN exits x ON x.entry_id = e.id
         ORDER BY p.entry_time DESC, p.entry_id DESC",
        at + 1,
        at + 2
    );
    let rows = tx
        .query(&sql, &conditions.params())?
        .iter()
        .map(|row| Ok(Visit { entry: entry_at(row, 0)?, exit: opt_exit_at(row, ENTRY_COLUMN_COUNT)? }))
        .collect::<PgResult<Vec<_>>>()?;
    tx.commit()?;
    Ok(VisitPage { rows, total })
}

/// The UTC half-open range `[start, end)` covering the local `day`.
fn day_range(day: NaiveDate, tz: Tz) -> PgResult<(DateTime<Utc>, DateTime<Utc>)> {
    calendar::day_range(day, tz)
        .ok_or_else(|| StoreError::Refused(format!("{day} cannot be placed in time zone {tz}")).into())
}

fn local_hour(time: DateTime<Utc>, tz: Tz) -> usize {
    // hour() is always below 24, so the index is in range.
    time.with_timezone(&tz).hour() as usize
}

/// The local hour of the quarter hour numbered `quarter` since 1970-01-01 UTC.
fn quarter_hour(quarter: i64, tz: Tz) -> usize {
    local_hour(DateTime::from_timestamp(quarter.saturating_mul(900), 0).unwrap_or_default(), tz)
}

/// Running totals for one class.
#[derive(Default)]
struct ClassTally {
    entries: u64,
    exits: u64,
    revenue: Rupiah,
}

pub(super) fn daily_stats(
    conn: &mut Conn,
    site: &str,
    day: NaiveDate,
    tz: Tz,
    include_simulated: bool,
) -> PgResult<DailyStats> {
    let (start, end) = day_range(day, tz)?;
    let mut tx = conn.snapshot()?;
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
    // The day's quarter-hour groups (migration 0019), each placed in its local hour: every
    // time zone's offset today is whole quarter hours, so a local day is whole quarters, and a
    // busy site's day is a few thousand groups to read instead of every visit. A day that does
    // not start and end on a quarter (an old local mean time, such as Jakarta's +07:07:12
    // until 1924) has hours that cut through quarters: its visit rows are read instead, each
    // share placed by its own time.
    let aligned = |time: DateTime<Utc>| time.timestamp().rem_euclid(QUARTER_SECONDS) == 0;
    let mut groups = Vec::new();
    if aligned(start) && aligned(end) {
        let (first, last) = (start.timestamp() / QUARTER_SECONDS, end.timestamp() / QUARTER_SECONDS);
        for row in tx.query(
            "SELECT quarter, class, method, sum(entries)::bigint, sum(exits)::bigint,
                    sum(revenue)::bigint, sum(lost_tickets)::bigint, sum(stays)::bigint,
                    sum(stay_us)::bigint
             FROM quarter_figures
             WHERE site_code = $1 AND quarter >= $2 AND quarter < $3 AND (NOT simulated OR $4)
             GROUP BY 1, 2, 3",
            &[&site, &first, &last, &include_simulated],
        )? {
            groups.push((quarter_hour(get(&row, 0)?, tz), row));
        }
    } else {
        for row in tx.query(
            "SELECT CASE WHEN f.exits = 0 THEN v.entry_time ELSE v.exit_time END, f.class,
                    f.method, f.entries, f.exits, f.revenue, f.lost_tickets, f.stays, f.stay_us
             FROM visit_links v, LATERAL quarter_figures_of(1, v) f
             WHERE v.site_code = $1 AND (NOT f.simulated OR $4)
               AND ((v.has_entry AND v.entry_time >= $2 AND v.entry_time < $3)
                    OR (v.exit_id IS NOT NULL AND v.exit_time >= $2 AND v.exit_time < $3))
               AND CASE WHEN f.exits = 0 THEN v.entry_time ELSE v.exit_time END >= $2
               AND CASE WHEN f.exits = 0 THEN v.entry_time ELSE v.exit_time END < $3",
            &[&site, &start, &end, &include_simulated],
        )? {
            groups.push((local_hour(get(&row, 0)?, tz), row));
        }
    }

    let mut classes: BTreeMap<String, ClassTally> = BTreeMap::new();
    let mut methods: BTreeMap<&'static str, (u64, Rupiah)> = BTreeMap::new();
    let mut stay_total_us: i64 = 0;
    let mut stays: i64 = 0;
    // An orphan exit (entry not arrived yet; class '') counts in the totals, hours and
    // methods, and is left out of by_class and the average stay. A stay a skewed clock made
    // negative counted as zero.
    for (hour, row) in &groups {
        let hour = *hour;
        let class: String = get(row, 1)?;
        let entries = codec::count_at(row, 3)?;
        if entries > 0 {
            stats.entries += entries;
            stats.entries_per_hour[hour] += entries;
            classes.entry(class.clone()).or_default().entries += entries;
        }
        let exits = codec::count_at(row, 4)?;
        if exits == 0 {
            continue;
        }
        let total = codec::rupiah_at(row, 5)?;
        stats.exits += exits;
        stats.revenue += total;
        stats.exits_per_hour[hour] += exits;
        stats.lost_tickets += codec::count_at(row, 6)?;
        let tally = methods.entry(codec::method_at(row, 2)?.as_str()).or_default();
        tally.0 += exits;
        tally.1 += total;
        if !class.is_empty() {
            let tally = classes.entry(class).or_default();
            tally.exits += exits;
            tally.revenue += total;
        }
        stays += get::<i64>(row, 7)?;
        stay_total_us = stay_total_us.saturating_add(get::<i64>(row, 8)?);
    }
    let stay_total_ms = stay_total_us / 1000;
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
    let configured =
        tx.query("SELECT code FROM vehicle_classes ORDER BY sort_order, code COLLATE \"C\"", &[])?;
    let configured = configured.iter().map(|row| get::<String>(row, 0)).collect::<PgResult<Vec<_>>>()?;
    tx.commit()?;
    stats.by_class = class_rows(configured, classes)?;
    Ok(stats)
}

/// Every configured class in display order (zeros included, so charts keep their shape), then
/// any other class the day's visits carry.
fn class_rows(configured: Vec<String>, mut tallies: BTreeMap<String, ClassTally>) -> PgResult<Vec<ClassDay>> {
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
                Fail::Store(StoreError::Database(format!("unreadable vehicle class in the database: {err}")))
            })?;
            Ok(ClassDay { class, entries: tally.entries, exits: tally.exits, revenue: tally.revenue })
        })
        .collect()
}

pub(super) fn append_audit(db: &mut impl Sql, record: &AuditRecord) -> PgResult<()> {
    insert_audit(db, record, None).map(|_| ())
}

pub(super) fn append_audit_once(
    db: &mut impl Sql,
    key: Uuid,
    record: &AuditRecord,
) -> PgResult<InsertOutcome> {
    let added = insert_audit(db, record, Some(key))?;
    Ok(if added == 0 { InsertOutcome::AlreadyPresent } else { InsertOutcome::Inserted })
}

/// Inserts one line; with a journal key, a line already stored under it is left alone (0 rows).
fn insert_audit(db: &mut impl Sql, record: &AuditRecord, key: Option<Uuid>) -> PgResult<u64> {
    db.execute(
        "INSERT INTO audit_log (time, site_code, booth, username, action, detail, journal_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (journal_id) WHERE journal_id IS NOT NULL DO NOTHING",
        &[&record.time, &record.site, &record.booth, &record.username, &record.action, &record.detail, &key],
    )
}

pub(super) fn list_audit(db: &mut impl Sql, filter: &AuditFilter) -> PgResult<Vec<AuditRecord>> {
    let mut c = Conditions::default();
    if let Some(action) = &filter.action {
        c.add("action = ?", vec![text(action)]);
    }
    if let Some(site) = &filter.site {
        c.add("site_code = ?", vec![text(site)]);
    }
    if let Some(username) = &filter.username {
        c.add("lower(username) = ?", vec![text(&username.trim().to_lowercase())]);
    }
    if let Some(booth) = &filter.booth {
        c.add("booth = ?", vec![text(booth)]);
    }
    if let Some(from) = filter.from {
        c.add("time >= ?", vec![Box::new(from)]);
    }
    if let Some(to) = filter.to {
        c.add("time < ?", vec![Box::new(to)]);
    }
    // A limit of 0 means "no limit", which PostgreSQL spells LIMIT NULL.
    let limit = (filter.limit > 0).then(|| to_i64(filter.limit));
    c.values.push(Box::new(limit));
    let sql = format!(
        "SELECT time, site_code, booth, username, action, detail FROM audit_log
         {} ORDER BY time DESC, id DESC LIMIT ${}",
        c.sql(),
        c.values.len()
    );
    db.query(&sql, &c.params())?
        .iter()
        .map(|row| {
            Ok(AuditRecord {
                time: get(row, 0)?,
                site: get(row, 1)?,
                booth: get(row, 2)?,
                username: get(row, 3)?,
                action: get(row, 4)?,
                detail: get(row, 5)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_terms_are_literal_in_like_patterns() {
        assert_eq!(contains("B1234"), "%B1234%");
        assert_eq!(contains("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut c = Conditions::default();
        c.add("a = ?", vec![text("x")]);
        c.add("(b = ? OR c = ?)", vec![text("y"), text("y")]);
        c.add("d IS NULL", vec![]);
        assert_eq!(c.sql(), "WHERE a = $1 AND (b = $2 OR c = $3) AND d IS NULL");
        assert_eq!(c.params().len(), 3);
    }
}
