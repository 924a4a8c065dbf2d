//! The books check: for a period of local days at one site, every vehicle and every rupiah
//! accounted for.
//!
//! - Each local day: the day's entries = those that left through an exit + those closed by a
//!   forced close + those still inside.
//! - Money: every payment of the period (exits and duplicate payments) belongs to a shift the
//!   database knows, so the sum of the payments by method equals the sum of the shift reports
//!   by method; a closed shift's expected cash equals its float plus its cash payments, or its
//!   late records explain the difference (a revised shift).
//! - Listed for a person to look at: records still waiting in the journal, duplicate exits,
//!   orphan exits (entry not in the database), revised shifts and forced closes.
//!
//! Records made by simulation are left out unless asked for. Pure over the store's rows, so
//! the console's Books view, `gardu books check` and `gardu sim traffic` say the same.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use uuid::Uuid;

use crate::domain::Rupiah;
use crate::domain::calendar;
use crate::journal::Journal;
use crate::store::{BooksRows, DuplicateExit, Exit, PaymentMethod, Shift, Store, StoreError};

/// What to check.
#[derive(Debug, Clone)]
pub struct BooksQuery {
    /// Site code.
    pub site: String,
    /// The site's time zone (days are local days).
    pub tz: Tz,
    /// First local day.
    pub from: NaiveDate,
    /// Last local day (inclusive).
    pub to: NaiveDate,
    /// Count simulated records too.
    pub include_simulated: bool,
}

/// One local day's vehicles and money.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DayBooks {
    /// The local day.
    pub day: String,
    /// Entries that day.
    pub entries: u64,
    /// Of them, left through an exit.
    pub exited: u64,
    /// Of them, closed by a forced close.
    pub forced: u64,
    /// Of them, still inside.
    pub inside: u64,
    /// Payments (exits and duplicates) that day.
    pub revenue: Rupiah,
}

/// One shift's payments in the period and its cash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShiftBooks {
    /// The shift.
    pub shift: Shift,
    /// Payments in the period by method (exits and duplicates).
    pub by_method: BTreeMap<String, Rupiah>,
    /// Their sum.
    pub total: Rupiah,
    /// Float plus every cash payment of the shift (the whole shift, not only the period).
    pub expected_now: Rupiah,
    /// Records that reached it after its close.
    pub late_records: u64,
    /// Its expected cash was revised by late records.
    pub revised: bool,
}

/// The outcome of a books check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BooksReport {
    /// True when everything balances and nothing waits.
    pub ok: bool,
    /// Entries in the period.
    pub entries: u64,
    /// Of them, left through an exit.
    pub exits: u64,
    /// Of them, closed by a forced close.
    pub forced: u64,
    /// Of them, still inside.
    pub inside: u64,
    /// Payments in the period: exits and duplicate exits.
    pub revenue: Rupiah,
    /// The same payments added up shift by shift.
    pub shift_total: Rupiah,
    /// Fees set on forced closes in the period (no shift holds them).
    pub forced_fees: Rupiah,
    /// Duplicate exits in the period.
    pub duplicates: u64,
    /// Exits in the period whose entry is not in the database.
    pub orphans: u64,
    /// Records still waiting in this machine's journal.
    pub pending_journal: u64,
    /// Payments by method.
    pub by_method: BTreeMap<String, Rupiah>,
    /// Day by day.
    pub days: Vec<DayBooks>,
    /// Shift by shift.
    pub shifts: Vec<ShiftBooks>,
    /// The duplicate exits, for review.
    pub duplicate_exits: Vec<DuplicateExit>,
    /// The orphan exits.
    pub orphan_exits: Vec<Exit>,
    /// The forced closes.
    pub forced_closes: Vec<Exit>,
    /// What does not balance or still waits, in plain sentences.
    pub problems: Vec<String>,
    /// Emergencies of the period, each with the visits made while it held the barriers open.
    pub emergencies: Vec<EmergencyVisits>,
}

/// An emergency of the period and the visits made while it lasted, reported together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmergencyVisits {
    /// The emergency.
    pub emergency: crate::store::Emergency,
    /// Entries recorded while it lasted.
    pub entries: u64,
    /// Exits (and forced closes) recorded while it lasted, oldest first.
    pub exits: Vec<Exit>,
}

/// Each emergency overlapping `[from, to)` with the period's entries and exits that fall
/// between its start and its end (or the end of the period while it is still active).
fn emergency_visits(
    store: &dyn Store,
    rows: &BooksRows,
    query: &BooksQuery,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<EmergencyVisits>, StoreError> {
    let counted = |simulated: bool| query.include_simulated || !simulated;
    Ok(store
        .emergencies(&query.site, from, to)?
        .into_iter()
        .map(|emergency| {
            let until = emergency.ended_at.unwrap_or(to);
            let during = |at: DateTime<Utc>| at >= emergency.started_at && at <= until;
            let entries =
                rows.entries.iter().filter(|e| counted(e.simulated) && during(e.entry_time)).count() as u64;
            let mut exits: Vec<Exit> = rows
                .exits
                .iter()
                .map(|x| &x.exit)
                .filter(|x| counted(x.simulated) && during(x.exit_time))
                .cloned()
                .collect();
            exits.sort_by_key(|x| x.exit_time);
            EmergencyVisits { emergency, entries, exits }
        })
        .collect())
}

/// Checks the books of `query` against `store`; `journal` (this machine's) adds its waiting
/// records.
pub fn check(
    store: &dyn Store,
    journal: Option<&Journal>,
    query: &BooksQuery,
) -> Result<BooksReport, StoreError> {
    let (from, to) = calendar::days_range(query.from, query.to, query.tz)
        .ok_or_else(|| StoreError::Refused(format!("no such days: {} to {}", query.from, query.to)))?;
    let rows = store.books_rows(&query.site, from, to)?;
    let emergencies = emergency_visits(store, &rows, query, from, to)?;
    let mut report = tally(rows, query);
    report.emergencies = emergencies;
    for shift in &mut report.shifts {
        let exits = store.shift_exits(shift.shift.id)?;
        let duplicates = store.shift_duplicates(shift.shift.id)?;
        let cash: Rupiah = exits
            .iter()
            .chain(duplicates.iter().map(|d| &d.exit))
            .filter(|x| x.method == PaymentMethod::Cash && x.simulated == shift.shift.simulated)
            .map(|x| x.total)
            .sum();
        shift.expected_now = shift.shift.opening_float + cash;
    }
    if let Some(journal) = journal {
        match journal.list() {
            Ok((items, unreadable)) => report.pending_journal = (items.len() + unreadable.len()) as u64,
            Err(err) => report.problems.push(format!("the offline journal could not be read: {err}")),
        }
    }
    judge(&mut report);
    Ok(report)
}

/// Adds up the rows; see the module doc.
fn tally(rows: BooksRows, query: &BooksQuery) -> BooksReport {
    let counted = |simulated: bool| query.include_simulated || !simulated;
    let day_of = |at: DateTime<Utc>| at.with_timezone(&query.tz).date_naive();
    let mut days: BTreeMap<NaiveDate, DayBooks> = calendar::days(query.from, query.to)
        .map(|day| (day, DayBooks { day: day.to_string(), ..DayBooks::default() }))
        .collect();
    let mut report = BooksReport::default();
    for entry in rows.entries.iter().filter(|e| counted(e.simulated)) {
        let day = days.entry(day_of(entry.entry_time)).or_default();
        day.entries += 1;
        report.entries += 1;
        match (entry.exit_id, entry.forced) {
            (None, _) => {
                day.inside += 1;
                report.inside += 1;
            }
            (Some(_), true) => {
                day.forced += 1;
                report.forced += 1;
            }
            (Some(_), false) => {
                day.exited += 1;
                report.exits += 1;
            }
        }
    }
    let shifts: HashMap<Uuid, &Shift> = rows.shifts.iter().map(|s| (s.id, s)).collect();
    let mut per_shift: BTreeMap<Uuid, ShiftBooks> = BTreeMap::new();
    let mut payments: Vec<&Exit> = Vec::new();
    for exit in rows.exits.iter().filter(|x| counted(x.exit.simulated)) {
        if exit.orphan {
            report.orphans += 1;
            report.orphan_exits.push(exit.exit.clone());
        }
        if exit.exit.forced() {
            report.forced_fees += exit.exit.total;
            report.forced_closes.push(exit.exit.clone());
        } else {
            payments.push(&exit.exit);
        }
    }
    for duplicate in rows.duplicates.iter().filter(|d| counted(d.exit.simulated)) {
        report.duplicates += 1;
        report.duplicate_exits.push(duplicate.clone());
        payments.push(&duplicate.exit);
    }
    for exit in payments {
        report.revenue += exit.total;
        *report.by_method.entry(exit.method.as_str().to_string()).or_default() += exit.total;
        if let Some(day) = days.get_mut(&day_of(exit.exit_time)) {
            day.revenue += exit.total;
        }
        match exit.shift_id.and_then(|id| shifts.get(&id)) {
            Some(shift) => {
                let books = per_shift.entry(shift.id).or_insert_with(|| ShiftBooks {
                    shift: (*shift).clone(),
                    by_method: BTreeMap::new(),
                    total: Rupiah::ZERO,
                    expected_now: shift.opening_float,
                    late_records: 0,
                    revised: false,
                });
                *books.by_method.entry(exit.method.as_str().to_string()).or_default() += exit.total;
                books.total += exit.total;
                report.shift_total += exit.total;
            }
            None => report.problems.push(format!(
                "payment {} of {} at booth {} belongs to no shift the database knows",
                exit.id, exit.total, exit.booth
            )),
        }
    }
    // Shifts opened in the period without payments are reported too.
    for shift in rows.shifts.iter().filter(|s| counted(s.simulated)) {
        per_shift.entry(shift.id).or_insert_with(|| ShiftBooks {
            shift: shift.clone(),
            by_method: BTreeMap::new(),
            total: Rupiah::ZERO,
            expected_now: shift.opening_float,
            late_records: 0,
            revised: false,
        });
    }
    for late in &rows.late {
        if let Some(books) = per_shift.get_mut(&late.shift_id) {
            books.late_records += 1;
        }
    }
    report.shifts = per_shift.into_values().collect();
    report.days = days.into_values().collect();
    report
}

/// Turns the figures into problems, and `ok`.
fn judge(report: &mut BooksReport) {
    for day in &report.days {
        if day.entries != day.exited + day.forced + day.inside {
            report.problems.push(format!(
                "{}: {} entries but {} exited + {} forced closes + {} inside",
                day.day, day.entries, day.exited, day.forced, day.inside
            ));
        }
    }
    if report.revenue != report.shift_total {
        report.problems.push(format!(
            "payments add up to {} but the shifts hold {}",
            report.revenue, report.shift_total
        ));
    }
    for shift in &mut report.shifts {
        let Some(expected) = shift.shift.expected_cash else { continue };
        if expected != shift.expected_now {
            if shift.late_records > 0 {
                shift.revised = true;
            } else {
                report.problems.push(format!(
                    "shift of {} at {} closed expecting {} in cash, but its payments make {}",
                    shift.shift.username, shift.shift.booth, expected, shift.expected_now
                ));
            }
        }
    }
    if report.orphans > 0 {
        report.problems.push(format!(
            "{} exit(s) have no entry in the database yet (another booth's journal, or a ticket \
             code without an entry)",
            report.orphans
        ));
    }
    if report.pending_journal > 0 {
        report.problems.push(format!(
            "{} record(s) still wait in this machine's offline journal: sync them",
            report.pending_journal
        ));
    }
    report.ok = report.problems.is_empty();
}
