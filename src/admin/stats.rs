//! Figures over days and months for the statistics screen, composed from the store's
//! per-range counts so both backends answer with the same few indexed queries: one entry
//! count and one grouped exit query per local day, plus the shifts of the period.
//!
//! Days are the site's local days ([`crate::domain::calendar`]); an exit counts on the day it
//! left, under its entry's class (an orphan exit — entry not stored yet — is in the totals and
//! methods but in no class and no stay).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use uuid::Uuid;

use crate::domain::calendar::{day_range, days};
use crate::domain::{ClassCode, Rupiah};
use crate::store::{ExitGroup, PaymentMethod, Store, StoreError, StoreResult};

/// The longest period one request may cover (two months and a bit).
pub const MAX_DAYS: i64 = 62;

/// Exits and money of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Takings {
    /// How many exits.
    pub exits: u64,
    /// Money taken.
    pub revenue: Rupiah,
}

impl Takings {
    fn add(&mut self, group: &ExitGroup) {
        self.exits += group.exits;
        self.revenue += group.revenue;
    }
}

/// One local day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayFigures {
    /// The local day.
    pub day: NaiveDate,
    /// Entries that day.
    pub entries: u64,
    /// Exits and money that day.
    pub takings: Takings,
    /// Money by class, in the period's class order (zeros included).
    pub by_class: Vec<Rupiah>,
    /// Money by method, in `PaymentMethod::ALL` order (zeros included).
    pub by_method: Vec<Rupiah>,
}

/// One cashier shift's takings in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShiftTakings {
    /// The shift.
    pub shift_id: Uuid,
    /// Cashier username.
    pub operator: Option<String>,
    /// Its booth, when the shift is stored.
    pub booth: Option<String>,
    /// When it opened, when the shift is stored.
    pub opened_at: Option<DateTime<Utc>>,
    /// What it took in the period.
    pub takings: Takings,
}

/// A period of local days, both ends included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodFigures {
    /// First day.
    pub first: NaiveDate,
    /// Last day.
    pub last: NaiveDate,
    /// The classes of `by_class` columns: configured classes in display order, then any other
    /// class the period's visits carry.
    pub classes: Vec<ClassCode>,
    /// Each day of the period.
    pub days: Vec<DayFigures>,
    /// Entries in the period.
    pub entries: u64,
    /// Exits and money in the period.
    pub takings: Takings,
    /// By class, in `classes` order.
    pub by_class: Vec<Takings>,
    /// By method, in `PaymentMethod::ALL` order.
    pub by_method: Vec<Takings>,
    /// By cashier, most money first (no operator: empty name).
    pub by_operator: Vec<(String, Takings)>,
    /// By shift, in the order they opened (exits without a shift are not listed).
    pub by_shift: Vec<ShiftTakings>,
    /// Average stay of the exits whose entry is known, in whole minutes.
    pub average_stay_min: Option<i64>,
    /// Lost tickets among the exits.
    pub lost_tickets: u64,
}

fn no_day(day: NaiveDate, tz: Tz) -> StoreError {
    StoreError::Refused(format!("{day} cannot be placed in time zone {tz}"))
}

/// The figures of the local days `first..=last` at `site` (records made by simulation only
/// when `include_simulated`).
pub fn period(
    store: &dyn Store,
    site: &str,
    first: NaiveDate,
    last: NaiveDate,
    tz: Tz,
    include_simulated: bool,
) -> StoreResult<PeriodFigures> {
    if last < first || (last - first).num_days() >= MAX_DAYS {
        return Err(StoreError::Refused(format!(
            "choose a period of 1 to {MAX_DAYS} days (asked {first} to {last})"
        )));
    }
    let mut classes: Vec<ClassCode> = store.vehicle_classes()?.into_iter().map(|class| class.code).collect();
    let mut per_day = Vec::new();
    for day in days(first, last) {
        let (start, end) = day_range(day, tz).ok_or_else(|| no_day(day, tz))?;
        let entries = store.entry_count(site, start, end, include_simulated)?;
        let groups = store.exit_groups(site, start, end, include_simulated)?;
        for group in &groups {
            if let Some(class) = &group.class
                && !classes.contains(class)
            {
                classes.push(class.clone());
            }
        }
        per_day.push((day, entries, groups));
    }

    let mut figures = PeriodFigures {
        first,
        last,
        days: Vec::with_capacity(per_day.len()),
        entries: 0,
        takings: Takings::default(),
        by_class: vec![Takings::default(); classes.len()],
        by_method: vec![Takings::default(); PaymentMethod::ALL.len()],
        by_operator: Vec::new(),
        by_shift: Vec::new(),
        average_stay_min: None,
        lost_tickets: 0,
        classes,
    };
    let mut operators: BTreeMap<String, Takings> = BTreeMap::new();
    let mut shifts: BTreeMap<Uuid, (Option<String>, Takings)> = BTreeMap::new();
    let (mut stays, mut stay_total_ms) = (0u64, 0i64);
    for (day, entries, groups) in per_day {
        let mut today = DayFigures {
            day,
            entries,
            takings: Takings::default(),
            by_class: vec![Rupiah::ZERO; figures.classes.len()],
            by_method: vec![Rupiah::ZERO; PaymentMethod::ALL.len()],
        };
        for group in &groups {
            today.takings.add(group);
            let method = PaymentMethod::ALL.iter().position(|m| *m == group.method).unwrap_or(0);
            today.by_method[method] += group.revenue;
            figures.by_method[method].add(group);
            if let Some(class) = figures.classes.iter().position(|c| Some(c) == group.class.as_ref()) {
                today.by_class[class] += group.revenue;
                figures.by_class[class].add(group);
            }
            operators.entry(group.operator.clone().unwrap_or_default()).or_default().add(group);
            if let Some(shift) = group.shift_id {
                let slot =
                    shifts.entry(shift).or_insert_with(|| (group.operator.clone(), Takings::default()));
                slot.1.add(group);
            }
            figures.lost_tickets += group.lost_tickets;
            stays += group.stays;
            stay_total_ms = stay_total_ms.saturating_add(group.stay_total_ms);
        }
        figures.entries += entries;
        figures.takings.exits += today.takings.exits;
        figures.takings.revenue += today.takings.revenue;
        figures.days.push(today);
    }
    if stays > 0 {
        figures.average_stay_min = Some(stay_total_ms / stays as i64 / 60_000);
    }
    figures.by_operator = operators.into_iter().collect();
    figures.by_operator.sort_by(|a, b| b.1.revenue.cmp(&a.1.revenue).then_with(|| a.0.cmp(&b.0)));
    figures.by_shift = shift_rows(store, site, first, last, tz, shifts)?;
    Ok(figures)
}

/// The period's shifts with their booth and opening time. A shift may have opened before the
/// period (a night shift), so the search starts a day early.
fn shift_rows(
    store: &dyn Store,
    site: &str,
    first: NaiveDate,
    last: NaiveDate,
    tz: Tz,
    takings: BTreeMap<Uuid, (Option<String>, Takings)>,
) -> StoreResult<Vec<ShiftTakings>> {
    if takings.is_empty() {
        return Ok(Vec::new());
    }
    let (start, _) = day_range(first, tz).ok_or_else(|| no_day(first, tz))?;
    let (_, end) = day_range(last, tz).ok_or_else(|| no_day(last, tz))?;
    let stored = store.list_shifts(site, start - Duration::days(1), end)?;
    let mut rows: Vec<ShiftTakings> = takings
        .into_iter()
        .map(|(shift_id, (operator, takings))| {
            let shift = stored.iter().find(|s| s.id == shift_id);
            ShiftTakings {
                shift_id,
                operator: shift.map(|s| s.username.clone()).or(operator),
                booth: shift.map(|s| s.booth.clone()),
                opened_at: shift.map(|s| s.opened_at),
                takings,
            }
        })
        .collect();
    rows.sort_by_key(|row| (row.opened_at.is_none(), row.opened_at, row.shift_id));
    Ok(rows)
}

/// Vehicles inside at each local hour mark of `day` up to `now`: (local hour, count), where
/// hour `h` is the count at the start of that hour. Hours still to come are left out, and
/// simulated vehicles unless `include_simulated`.
pub fn occupancy(
    store: &dyn Store,
    site: &str,
    day: NaiveDate,
    tz: Tz,
    now: DateTime<Utc>,
    include_simulated: bool,
) -> StoreResult<Vec<(u32, u64)>> {
    let (start, end) = day_range(day, tz).ok_or_else(|| no_day(day, tz))?;
    let mut marks = Vec::new();
    let mut at = start;
    while at < end && at <= now {
        marks.push((at.with_timezone(&tz).hour(), store.inside_at(site, at, include_simulated)?));
        at += Duration::hours(1);
    }
    Ok(marks)
}
