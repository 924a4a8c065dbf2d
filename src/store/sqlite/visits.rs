//! Entries, exits, photos and the queries over visits (lookups, the transaction list, orphans).

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params, params_from_iter};
use uuid::Uuid;

use super::codec::{
    self, ENTRY_COLUMN_COUNT, ENTRY_COLUMNS, EXIT_COLUMNS, entry_at, exit_at, ms, opt_exit_at, uuid_text,
};
use crate::domain::plate::{search_key, search_trigrams};
use crate::store::{
    Entry, EntryLate, EntryLookup, Exit, InsertOutcome, PageRequest, Photo, PhotoKind, StoreError,
    StoreResult, Visit, VisitFilter, VisitPage, VisitState,
};

/// Turns a row count into the outcome of an idempotent insert.
fn outcome(inserted: usize) -> InsertOutcome {
    if inserted == 0 { InsertOutcome::AlreadyPresent } else { InsertOutcome::Inserted }
}

/// The plate search key of a plate, `None` when nothing searchable is left.
fn plate_key(plate: &str) -> Option<String> {
    Some(search_key(plate)).filter(|key| !key.is_empty())
}

pub(super) fn record_entry(conn: &Connection, entry: &Entry) -> StoreResult<InsertOutcome> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO entries (id, site_code, booth, ticket_no, ticket_code, plate, plate_key,
                 class, card_uid, entry_time, operator, photo_id, origin, simulated, plate_read,
                 plate_read_key, plate_confidence, plate_source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            uuid_text(entry.id),
            entry.site,
            entry.booth,
            entry.ticket_no,
            entry.ticket_code,
            entry.plate,
            entry.plate.as_deref().and_then(plate_key),
            entry.class.as_str(),
            entry.card_uid,
            ms(entry.entry_time),
            entry.operator,
            entry.photo_id.map(uuid_text),
            entry.origin.as_str(),
            entry.simulated,
            entry.plate_read,
            entry.plate_read.as_deref().and_then(plate_key),
            entry.plate_confidence.map(f64::from),
            entry.plate_source.as_str(),
        ])?;
    Ok(outcome(inserted))
}

pub(super) fn plate_stats(
    conn: &Connection,
    site: &str,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    include_simulated: bool,
) -> StoreResult<crate::store::PlateStats> {
    let (entries, read, corrected): (i64, i64, i64) = conn
        .prepare_cached(
            "SELECT count(*), count(plate_read),
                    coalesce(sum(plate_read IS NOT NULL AND plate_source = 'typed'), 0)
             FROM entries WHERE site_code = ?1 AND entry_time >= ?2 AND entry_time < ?3
               AND simulated <= ?4",
        )?
        .query_row(params![site, ms(from), ms(to), include_simulated], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(crate::store::PlateStats { entries: count(entries), read: count(read), corrected: count(corrected) })
}

pub(super) fn complete_entry(conn: &Connection, late: &EntryLate) -> StoreResult<bool> {
    let found = conn
        .prepare_cached(
            "UPDATE entries SET photo_id = coalesce(photo_id, ?2),
                 plate_read = coalesce(plate_read, ?3),
                 plate_read_key = CASE WHEN plate_read IS NULL THEN ?4 ELSE plate_read_key END,
                 plate_confidence = CASE WHEN plate_read IS NULL THEN ?5 ELSE plate_confidence END
             WHERE id = ?1",
        )?
        .execute(params![
            uuid_text(late.entry_id),
            late.photo_id.map(uuid_text),
            late.plate_read,
            late.plate_read.as_deref().and_then(plate_key),
            late.plate_read.as_ref().and(late.plate_confidence.map(f64::from)),
        ])?;
    Ok(found > 0)
}

pub(super) fn record_exit(conn: &mut Connection, exit: &Exit) -> StoreResult<InsertOutcome> {
    // Immediate: the checks and the insert must see the same exits as any other writer.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let outcome = record_exit_in(&tx, exit)?;
    tx.commit()?;
    Ok(outcome)
}

/// Many entries in one transaction (a replay or a seed); one outcome per entry.
pub(super) fn record_entries(
    conn: &mut Connection,
    entries: &[Entry],
) -> StoreResult<Vec<StoreResult<InsertOutcome>>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let outcomes = entries.iter().map(|entry| record_entry(&tx, entry)).collect();
    tx.commit()?;
    Ok(outcomes)
}

/// Many exits in one transaction; one outcome per exit, exactly as `record_exit` would give.
pub(super) fn record_exits(
    conn: &mut Connection,
    exits: &[Exit],
) -> StoreResult<Vec<StoreResult<InsertOutcome>>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let outcomes = exits.iter().map(|exit| record_exit_in(&tx, exit)).collect();
    tx.commit()?;
    Ok(outcomes)
}

/// The checks and the insert of one exit, inside the caller's transaction.
fn record_exit_in(tx: &Connection, exit: &Exit) -> StoreResult<InsertOutcome> {
    let same_id = tx.prepare_cached("SELECT 1 FROM exits WHERE id = ?1")?.exists([uuid_text(exit.id)])?;
    if same_id {
        return Ok(InsertOutcome::AlreadyPresent);
    }
    let earlier = tx
        .prepare_cached("SELECT id, exit_time, booth FROM exits WHERE entry_id = ?1")?
        .query_row([uuid_text(exit.entry_id)], |row| {
            Ok((codec::uuid(row, 0)?, codec::time(row, 1)?, row.get(2)?))
        })
        .optional()?;
    if let Some((exit_id, exit_time, booth)) = earlier {
        return Err(StoreError::AlreadyExited { exit_id, exit_time, booth });
    }
    insert_exit_into(tx, "exits", exit, &[])?;
    Ok(InsertOutcome::Inserted)
}

/// Inserts an exit's columns into `table` (`exits` or `duplicate_exits`, whose extra columns
/// and values follow in `extra`), giving way on its id; returns the rows inserted.
pub(super) fn insert_exit_into(
    tx: &Connection,
    table: &str,
    exit: &Exit,
    extra: &[(&str, Value)],
) -> StoreResult<usize> {
    let fee = serde_json::to_string(&exit.fee)
        .map_err(|err| StoreError::Database(format!("cannot encode the fee: {err}")))?;
    let mut values: Vec<Value> = vec![
        uuid_text(exit.id).into(),
        uuid_text(exit.entry_id).into(),
        exit.site.clone().into(),
        exit.booth.clone().into(),
        ms(exit.exit_time).into(),
        exit.operator.clone().map_or(Value::Null, Value::Text),
        exit.shift_id.map_or(Value::Null, |id| Value::Text(uuid_text(id))),
        fee.into(),
        exit.total.0.into(),
        exit.method.as_str().to_string().into(),
        exit.tendered.map_or(Value::Null, |r| Value::Integer(r.0)),
        exit.change.map_or(Value::Null, |r| Value::Integer(r.0)),
        exit.reference.clone().map_or(Value::Null, Value::Text),
        i64::from(exit.lost_ticket).into(),
        exit.photo_id.map_or(Value::Null, |id| Value::Text(uuid_text(id))),
        exit.origin.as_str().to_string().into(),
        i64::from(exit.simulated).into(),
        exit.forced_reason.clone().map_or(Value::Null, Value::Text),
    ];
    let mut columns = String::from(
        "id, entry_id, site_code, booth, exit_time, operator, shift_id, fee, total, method, \
         tendered, change, reference, lost_ticket, photo_id, origin, simulated, forced_reason",
    );
    for (column, value) in extra {
        columns.push_str(", ");
        columns.push_str(column);
        values.push(value.clone());
    }
    let placeholders: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({columns}) VALUES ({}) ON CONFLICT (id) DO NOTHING",
        placeholders.join(", ")
    );
    Ok(tx.prepare_cached(&sql)?.execute(params_from_iter(values))?)
}

/// The WHERE condition and value for a lookup; each matches one index. The lookups write the
/// site as `+e.site_code`, which keeps SQLite from walking every visit of the site through
/// the (site, time) index just to skip the sort of a handful of matches.
fn lookup_condition(lookup: &EntryLookup) -> (&'static str, String) {
    match lookup {
        EntryLookup::Id(id) => ("e.id = ?2", uuid_text(*id)),
        EntryLookup::TicketCode(code) => ("e.ticket_code = ?2", code.trim().to_string()),
        EntryLookup::TicketNo(number) => ("e.ticket_no = ?2", number.trim().to_string()),
        EntryLookup::PlateKey(plate) => ("(e.plate_key = ?2 OR e.plate_read_key = ?2)", search_key(plate)),
        EntryLookup::Card(uid) => ("e.card_uid = ?2", uid.trim().to_ascii_uppercase()),
    }
}

pub(super) fn find_visit(conn: &Connection, site: &str, lookup: &EntryLookup) -> StoreResult<Option<Visit>> {
    let (condition, value) = lookup_condition(lookup);
    let sql = format!(
        "SELECT {ENTRY_COLUMNS}, {EXIT_COLUMNS}
         FROM entries e LEFT JOIN exits x ON x.entry_id = e.id
         WHERE +e.site_code = ?1 AND {condition}
         ORDER BY e.entry_time DESC, e.id DESC LIMIT 1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![site, value], |row| {
            Ok(Visit { entry: entry_at(row, 0)?, exit: opt_exit_at(row, ENTRY_COLUMN_COUNT)? })
        })
        .optional()?)
}

pub(super) fn find_open_entry(
    conn: &Connection,
    site: &str,
    lookup: &EntryLookup,
) -> StoreResult<Option<Entry>> {
    let (condition, value) = lookup_condition(lookup);
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM entries e
         WHERE +e.site_code = ?1 AND {condition}
           AND NOT EXISTS (SELECT 1 FROM exits x WHERE x.entry_id = e.id)
         ORDER BY e.entry_time DESC, e.id DESC LIMIT 1"
    );
    Ok(conn.prepare_cached(&sql)?.query_row(params![site, value], |row| entry_at(row, 0)).optional()?)
}

pub(super) fn inside_count(conn: &Connection, site: &str, include_simulated: bool) -> StoreResult<u64> {
    let count: i64 = conn
        .prepare_cached("SELECT count(*) FROM open_entries WHERE site_code = ?1 AND simulated <= ?2")?
        .query_row(params![site, include_simulated], |row| row.get(0))?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Search terms at least this long (one trigram) go through a trigram index, which finds even
/// a common fragment's few thousand visits faster than a scan of every visit; no index can look
/// up one or two characters, so those scan the `visit_facts` rows.
const SEARCH_INDEX_MIN_CHARS: usize = 3;

/// A WHERE clause over `visit_facts v` (or `plate_grams v` or `open_entries v`, see
/// [`Conditions::source`]) built from the filter fields that are set, with its values in order.
#[derive(Default)]
struct Conditions {
    clauses: Vec<String>,
    values: Vec<Value>,
    /// Some condition names a small set of entries (search hits, vehicles inside), which
    /// should drive the query instead of the site's whole time range.
    selective: bool,
    /// Some condition other than site and entry time is set, so the per-day counts cannot
    /// give the total.
    narrowed: bool,
    /// The trigram a three-character plate fragment is, when nothing but site, entry time and
    /// simulated narrows the list: then `plate_grams` alone answers (its rows carry those
    /// columns), newest first from its key and counted without reading a visit.
    gram: Option<String>,
    /// Vehicles inside is the only condition besides site, entry time and simulated: then
    /// `open_entries` alone answers (its rows and key carry those columns), a small table
    /// instead of a lookup into every visit row of a vehicle inside.
    inside_only: bool,
}

impl Conditions {
    fn add(&mut self, clause: &str, values: impl IntoIterator<Item = Value>) {
        self.narrowed = true;
        self.clauses.push(clause.to_string());
        self.values.extend(values);
    }

    /// Entries whose ticket number in the trigram index contains `term` (upper case).
    fn add_ticket_search(&mut self, term: &str) {
        if term.chars().count() >= SEARCH_INDEX_MIN_CHARS {
            self.selective = true;
            // An FTS5 string: double quotes inside are doubled.
            let phrase = format!("ticket_no : \"{}\"", term.replace('"', "\"\""));
            self.add(
                "v.entry_id IN (SELECT entry_id FROM entries_search WHERE entries_search MATCH ?)",
                [Value::Text(phrase)],
            );
        }
        self.add("instr(upper(v.ticket_no), ?) > 0", [text(term)]);
    }

    /// Entries whose confirmed or read plate key contains `key` (a search key).
    fn add_plate_search(&mut self, key: &str) {
        let grams = search_trigrams(key);
        match grams.len() {
            // Shorter than a trigram: the scan, with the few read plates that match.
            0 => self.add(
                "(instr(v.plate_key, ?) > 0 OR v.entry_id IN (SELECT id FROM entries
                     WHERE plate_read_key IS NOT NULL AND instr(plate_read_key, ?) > 0))",
                [text(key), text(key)],
            ),
            // The fragment is its trigram: a hit is an entry with that trigram, nothing to check.
            _ if key.len() == SEARCH_INDEX_MIN_CHARS => {
                self.selective = true;
                self.gram = Some(key.to_string());
                self.add("v.entry_id IN (SELECT entry_id FROM plate_grams WHERE gram = ?)", [text(key)]);
            }
            // Entries with every trigram of the fragment, then the fragment itself in either key
            // (for these few entries only).
            n => {
                self.selective = true;
                let marks = vec!["?"; n].join(", ");
                self.add(
                    &format!(
                        "v.entry_id IN (SELECT entry_id FROM plate_grams WHERE gram IN ({marks})
                             GROUP BY entry_id HAVING count(*) = ?)"
                    ),
                    grams.iter().map(|gram| text(gram)).chain([Value::Integer(n as i64)]),
                );
                self.add(
                    "(instr(v.plate_key, ?) > 0 OR EXISTS (SELECT 1 FROM entries e
                         WHERE e.id = v.entry_id AND instr(e.plate_read_key, ?) > 0))",
                    [text(key), text(key)],
                );
            }
        }
    }

    /// The table the conditions are over, as `v`.
    fn source(&self) -> &'static str {
        match (&self.gram, self.inside_only) {
            (Some(_), _) => "plate_grams",
            (None, true) => "open_entries",
            (None, false) => "visit_facts",
        }
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!("WHERE {}", self.clauses.join(" AND ")) }
    }
}

fn text(value: &str) -> Value {
    Value::Text(value.to_string())
}

fn visit_conditions(filter: &VisitFilter) -> Conditions {
    let mut c = Conditions::default();
    if let Some(key) = filter.plate.as_deref().and_then(plate_key) {
        c.add_plate_search(&key);
    }
    if let Some(ticket) = filter.ticket.as_deref().map(str::trim)
        && !ticket.is_empty()
    {
        c.add_ticket_search(&ticket.to_uppercase());
    }
    add_grouped_filters(&mut c, filter, "v.exit_id IS NOT NULL");
    // The trigger-kept open_entries table is small, so "inside" never scans all visits.
    if filter.state == Some(VisitState::Inside) {
        c.selective = true;
        c.add("v.entry_id IN (SELECT entry_id FROM open_entries)", []);
    }
    // Both sets are small: a few second payments and forced closes to review.
    if filter.duplicates_only {
        c.selective = true;
        c.add("v.entry_id IN (SELECT entry_id FROM duplicate_exits)", []);
    }
    if filter.forced_only {
        c.selective = true;
        c.add("v.entry_id IN (SELECT entry_id FROM exits WHERE forced_reason IS NOT NULL)", []);
    }
    let narrowed = c.narrowed;
    // A three-character plate fragment alone: `plate_grams` holds every column still to test.
    match c.gram.take() {
        Some(gram) if c.clauses.len() == 1 => {
            c.clauses.clear();
            c.values.clear();
            c.add("v.gram = ?", [text(&gram)]);
            c.gram = Some(gram);
        }
        _ => {}
    }
    if filter.state == Some(VisitState::Inside) && c.clauses.len() == 1 && c.gram.is_none() {
        c.clauses.clear();
        c.values.clear();
        c.inside_only = true;
        c.selective = false;
    }
    // The per-day counts keep simulated entries apart, so leaving them out still counts fast.
    if !filter.include_simulated {
        c.add("v.simulated = 0", []);
    }
    // With a selective set to start from, `+` keeps the (site, time) key out of the way; the
    // trigram's rows are in entry time order already.
    let unary = if c.selective && c.gram.is_none() { "+" } else { "" };
    if let Some(from) = filter.from {
        c.add(&format!("{unary}v.entry_time >= ?"), [Value::Integer(ms(from))]);
    }
    if let Some(to) = filter.to {
        c.add(&format!("{unary}v.entry_time < ?"), [Value::Integer(ms(to))]);
    }
    if let Some(site) = &filter.site {
        c.add(&format!("{unary}v.site_code = ?"), [text(site)]);
    }
    c.narrowed = narrowed;
    c
}

/// The filters `visit_days` groups visits by, as clauses over `v` (`visit_facts` or
/// `visit_days`, whose columns have the same names); `exited` is how each says "has left".
fn add_grouped_filters(c: &mut Conditions, filter: &VisitFilter, exited: &str) {
    if let Some(class) = &filter.class {
        c.add("v.class = ?", [text(class.as_str())]);
    }
    if let Some(booth) = &filter.booth {
        c.add("(v.booth = ? OR v.exit_booth = ?)", [text(booth), text(booth)]);
    }
    if let Some(operator) = &filter.operator {
        let operator = operator.trim().to_lowercase();
        c.add("(lower(v.operator) = ? OR lower(v.exit_operator) = ?)", [text(&operator), text(&operator)]);
    }
    if let Some(method) = filter.method {
        c.add("v.method = ?", [text(method.as_str())]);
    }
    if filter.state == Some(VisitState::Exited) {
        c.add(exited, []);
    }
    if filter.lost_only {
        c.add("v.lost_ticket = 1", []);
    }
    if filter.offline_only {
        c.add("(v.origin = 'journal' OR v.exit_origin = 'journal')", []);
    }
}

/// The filter's conditions over the per-day groups of `visit_days v` (site and entry time
/// aside), when the groups can count it: not for plate or ticket searches, vehicles inside or
/// the review sets, which have their own small sets to count.
fn grouped_conditions(filter: &VisitFilter) -> Option<Conditions> {
    let searched = filter.plate.as_deref().and_then(plate_key).is_some()
        || filter.ticket.as_deref().is_some_and(|ticket| !ticket.trim().is_empty());
    if searched || filter.state == Some(VisitState::Inside) || filter.duplicates_only || filter.forced_only {
        return None;
    }
    let mut c = Conditions::default();
    add_grouped_filters(&mut c, filter, "v.exited = 1");
    if !filter.include_simulated {
        c.add("v.simulated = 0", []);
    }
    Some(c)
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// One UTC day in milliseconds: the bucket of `entry_days` (`entry_time / DAY_MS`).
const DAY_MS: i64 = 86_400_000;

/// Entries of a site in `[from, to)` (simulated ones only when `include_simulated`): whole
/// UTC days from `entry_days`, the partial days at either end counted from the rows.
pub(super) fn entries_in_range(
    tx: &Connection,
    site: &str,
    from: Option<i64>,
    to: Option<i64>,
    include_simulated: bool,
) -> StoreResult<i64> {
    let whole_days = |first: i64, end: i64| -> StoreResult<i64> {
        let sql = "SELECT coalesce(sum(entries), 0), coalesce(sum(simulated), 0) FROM entry_days
                   WHERE site_code = ?1 AND day >= ?2 AND day < ?3";
        let (all, simulated): (i64, i64) = tx
            .prepare_cached(sql)?
            .query_row(params![site, first, end], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(if include_simulated { all } else { all - simulated })
    };
    let rows = |start: i64, end: i64| -> StoreResult<i64> {
        let sql = "SELECT count(*) FROM visit_facts
                   WHERE site_code = ?1 AND entry_time >= ?2 AND entry_time < ?3 AND simulated <= ?4";
        Ok(tx
            .prepare_cached(sql)?
            .query_row(params![site, start, end, include_simulated], |row| row.get(0))?)
    };
    count_by_days(from, to, whole_days, rows)
}

/// Visits of a site in `[from, to)` that meet `facts` (conditions over `visit_facts v`, site
/// and entry time among them) and `grouped` (the same filter over `visit_days v`): whole UTC
/// days from the groups, the partial days at either end counted from the rows.
fn visits_in_range(
    tx: &Connection,
    site: &str,
    from: Option<i64>,
    to: Option<i64>,
    facts: &Conditions,
    grouped: &Conditions,
) -> StoreResult<i64> {
    let whole_days = |first: i64, end: i64| -> StoreResult<i64> {
        let and = if grouped.clauses.is_empty() {
            String::new()
        } else {
            format!("AND {}", grouped.clauses.join(" AND "))
        };
        let sql = format!(
            "SELECT coalesce(sum(v.visits), 0) FROM visit_days v
             WHERE v.site_code = ? AND v.day >= ? AND v.day < ? {and}"
        );
        let values = [text(site), Value::Integer(first), Value::Integer(end)];
        Ok(tx
            .prepare_cached(&sql)?
            .query_row(params_from_iter(values.iter().chain(&grouped.values)), |row| row.get(0))?)
    };
    let rows = |start: i64, end: i64| -> StoreResult<i64> {
        let sql = format!(
            "SELECT count(*) FROM visit_facts v {} AND v.entry_time >= ? AND v.entry_time < ?",
            facts.sql()
        );
        let range = [Value::Integer(start), Value::Integer(end)];
        Ok(tx
            .prepare_cached(&sql)?
            .query_row(params_from_iter(facts.values.iter().chain(&range)), |row| row.get(0))?)
    };
    count_by_days(from, to, whole_days, rows)
}

/// A count over `[from, to)` (milliseconds; open ends for None): the whole UTC days in it
/// from `whole_days(first day, end day)`, the partial days at either end from `rows(start,
/// end)`.
fn count_by_days(
    from: Option<i64>,
    to: Option<i64>,
    whole_days: impl FnOnce(i64, i64) -> StoreResult<i64>,
    rows: impl Fn(i64, i64) -> StoreResult<i64>,
) -> StoreResult<i64> {
    let rows = |start: i64, end: i64| if start >= end { Ok(0) } else { rows(start, end) };
    // The first whole day starts at or after `from`; the last one ends at or before `to`.
    let first_day = from.map(|from| from.saturating_add(DAY_MS - 1).div_euclid(DAY_MS));
    let end_day = to.map(|to| to.div_euclid(DAY_MS));
    if let (Some(from), Some(to), Some(first), Some(end)) = (from, to, first_day, end_day)
        && first >= end
    {
        return rows(from, to);
    }
    let whole = whole_days(first_day.unwrap_or(i64::MIN), end_day.unwrap_or(i64::MAX))?;
    let head = match (from, first_day) {
        (Some(from), Some(first)) => rows(from, first * DAY_MS)?,
        _ => 0,
    };
    let tail = match (to, end_day) {
        (Some(to), Some(end)) => rows(end * DAY_MS, to)?,
        _ => 0,
    };
    Ok(whole + head + tail)
}

pub(super) fn list_visits(
    conn: &Connection,
    filter: &VisitFilter,
    page: PageRequest,
) -> StoreResult<VisitPage> {
    let conditions = visit_conditions(filter);
    let where_sql = conditions.sql();
    let source = conditions.source();
    // One read transaction, so the total and the rows describe the same moment.
    let tx = conn.unchecked_transaction()?;
    // Per-day counts serve a site's list narrowed by entry time only (the list as it opens).
    let (from, to) = (filter.from.map(ms), filter.to.map(ms));
    let total: i64 = match (&filter.site, conditions.narrowed, grouped_conditions(filter)) {
        (Some(site), false, _) => entries_in_range(&tx, site, from, to, filter.include_simulated)?,
        // Narrowed by what the per-day groups carry: their sums, not every visit's row.
        (Some(site), true, Some(grouped)) => visits_in_range(&tx, site, from, to, &conditions, &grouped)?,
        _ => tx
            .prepare_cached(&format!("SELECT count(*) FROM {} v {where_sql}", conditions.source()))?
            .query_row(params_from_iter(conditions.values.iter()), |row| row.get(0))?,
    };
    // The page is picked from the narrow rows; only its own rows are read in full.
    let sql = format!(
        "SELECT {ENTRY_COLUMNS}, {EXIT_COLUMNS}
         FROM (SELECT v.entry_id, v.entry_time FROM {source} v {where_sql}
               ORDER BY v.entry_time DESC, v.entry_id DESC LIMIT ? OFFSET ?) p
         CROSS JOIN entries e ON e.id = p.entry_id
         LEFT JOIN exits x ON x.entry_id = e.id
         ORDER BY p.entry_time DESC, p.entry_id DESC"
    );
    let mut values = conditions.values;
    values.push(Value::Integer(to_i64(page.limit)));
    values.push(Value::Integer(to_i64(page.offset)));
    let mut stmt = tx.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(values.iter()), |row| {
            Ok(Visit { entry: entry_at(row, 0)?, exit: opt_exit_at(row, ENTRY_COLUMN_COUNT)? })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(VisitPage { rows, total: u64::try_from(total).unwrap_or(0) })
}

pub(super) fn orphan_exits(conn: &Connection, site: &str, include_simulated: bool) -> StoreResult<Vec<Exit>> {
    let sql = format!(
        "SELECT {EXIT_COLUMNS} FROM orphan_exits o JOIN exits x ON x.id = o.exit_id
         WHERE o.site_code = ?1 AND x.simulated <= ?2 ORDER BY x.exit_time DESC, x.id DESC"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![site, include_simulated], |row| exit_at(row, 0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn shift_exits(conn: &Connection, shift: Uuid) -> StoreResult<Vec<Exit>> {
    let sql = format!("SELECT {EXIT_COLUMNS} FROM exits x WHERE x.shift_id = ?1 ORDER BY x.exit_time, x.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([uuid_text(shift)], |row| exit_at(row, 0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn put_photo(conn: &Connection, photo: &Photo) -> StoreResult<InsertOutcome> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO photos (id, kind, taken_at, jpeg) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![uuid_text(photo.id), photo.kind.as_str(), ms(photo.taken_at), photo.jpeg,])?;
    Ok(outcome(inserted))
}

pub(super) fn photo(conn: &Connection, id: Uuid) -> StoreResult<Option<Photo>> {
    Ok(conn
        .prepare_cached("SELECT id, kind, taken_at, jpeg FROM photos WHERE id = ?1")?
        .query_row([uuid_text(id)], |row| {
            Ok(Photo {
                id: codec::uuid(row, 0)?,
                kind: PhotoKind::parse(&row.get::<_, String>(1)?),
                taken_at: codec::time(row, 2)?,
                jpeg: row.get(3)?,
            })
        })
        .optional()?)
}
