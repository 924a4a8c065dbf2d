//! Fraud and mistakes at a staffed exit, found in the records: the dashboard's alerts, each with
//! the visits behind it, and the filter of the transaction list.
//!
//! The rules are plain and explained to the admin:
//! - a plate entered while the same plate is already inside;
//! - an exit whose plate (typed or read at the exit) differs from the entry's (`plate_mismatch`
//!   audit lines written by the exit lane);
//! - one member card used for two vehicles inside at once (anti-passback);
//! - a cashier whose voids, manual opens or lost tickets in one shift reach
//!   [`OUTLIER_MIN`] and more than [`OUTLIER_FACTOR`] times the site's median per shift;
//! - a visit closed without payment (a forced close) or a barrier opened without payment
//!   (manual open) — outside an emergency.
//!
//! [`detect`] is pure: the records go in, the alerts come out; [`load`] reads the records.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::plate::search_key;
use crate::store::{AuditFilter, AuditRecord, PageRequest, Shift, Store, StoreResult, Visit, VisitFilter};

/// A count per shift this high is never unusual on its own.
pub const OUTLIER_MIN: u64 = 3;
/// How many times the site's median per shift a count must exceed to be flagged.
pub const OUTLIER_FACTOR: u64 = 3;
/// How far back the site's usual per shift is taken from.
pub const USUAL_DAYS: i64 = 30;
/// How far before the period entries are read, to know who was inside when it began.
pub const INSIDE_LOOKBACK_DAYS: i64 = 7;
/// Most visits read for one look (a busy site's week is far below this).
const MAX_VISITS: u64 = 200_000;

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A plate entered while the same plate was inside.
    PlateAlreadyInside,
    /// The plate at the exit is not the entry's.
    ExitPlateMismatch,
    /// One member card for two vehicles inside.
    CardPassback,
    /// A cashier's voids, manual opens or lost tickets in a shift far above the usual.
    CashierOutlier,
    /// A vehicle left without paying, outside an emergency.
    ExitWithoutPayment,
}

impl AlertKind {
    /// Every kind, in the order the dashboard lists them.
    pub const ALL: [AlertKind; 5] = [
        AlertKind::PlateAlreadyInside,
        AlertKind::ExitPlateMismatch,
        AlertKind::CardPassback,
        AlertKind::CashierOutlier,
        AlertKind::ExitWithoutPayment,
    ];

    /// The stored and translated name: `plate_already_inside` ….
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::PlateAlreadyInside => "plate_already_inside",
            AlertKind::ExitPlateMismatch => "exit_plate_mismatch",
            AlertKind::CardPassback => "card_passback",
            AlertKind::CashierOutlier => "cashier_outlier",
            AlertKind::ExitWithoutPayment => "exit_without_payment",
        }
    }
}

/// One alert with the visits behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FraudAlert {
    /// What it is.
    pub kind: AlertKind,
    /// When it happened (the later entry, the exit, the shift's opening).
    pub at: DateTime<Utc>,
    /// The plate, card or cashier it is about.
    pub subject: String,
    /// Figures behind it, e.g. `voids 7 (site median 1)`; empty when the visits say it all.
    pub detail: String,
    /// Entry ids of the visits involved, oldest first.
    pub visits: Vec<Uuid>,
}

/// The records the rules look at.
#[derive(Debug, Clone, Default)]
pub struct AlertRecords {
    /// Visits that entered from `from - INSIDE_LOOKBACK_DAYS` on.
    pub visits: Vec<Visit>,
    /// `plate_mismatch`, `manual_open`, `void`, `lost_ticket` audit lines since the usual began.
    pub audits: Vec<AuditRecord>,
    /// Shifts opened since the usual began.
    pub shifts: Vec<Shift>,
    /// The site's emergencies that overlap the window: what leaves without payment during one
    /// is the evacuation, not an alert.
    pub emergencies: Vec<crate::store::Emergency>,
}

impl AlertRecords {
    /// Whether `at` falls within a declared emergency (one still active runs until now).
    fn during_emergency(&self, at: DateTime<Utc>) -> bool {
        self.emergencies.iter().any(|e| at >= e.started_at && e.ended_at.is_none_or(|end| at <= end))
    }
}

/// Reads the records for the alerts of `[from, to)` at `site` (simulation left out).
pub fn load(
    store: &dyn Store,
    site: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<AlertRecords> {
    let filter = VisitFilter {
        site: Some(site.to_string()),
        from: Some(from - Duration::days(INSIDE_LOOKBACK_DAYS)),
        to: Some(to),
        ..VisitFilter::default()
    };
    let visits = store.list_visits(&filter, PageRequest { offset: 0, limit: MAX_VISITS })?.rows;
    let usual_from = from - Duration::days(USUAL_DAYS);
    let mut audits = Vec::new();
    for action in ["plate_mismatch", "manual_open", "void", "lost_ticket"] {
        let filter = AuditFilter {
            action: Some(action.into()),
            from: Some(usual_from),
            to: Some(to),
            limit: 0,
            ..AuditFilter::default()
        };
        audits.extend(store.list_audit(&filter)?.into_iter().filter(|a| a.site == site));
    }
    let shifts = store.list_shifts(site, usual_from, to)?;
    let emergencies = store.emergencies(site, from, to)?;
    Ok(AlertRecords { visits, audits, shifts, emergencies })
}

/// The alerts of `[from, to)`, newest first.
pub fn detect(records: &AlertRecords, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<FraudAlert> {
    let within = |at: DateTime<Utc>| at >= from && at < to;
    let mut alerts = Vec::new();
    let plate_of = |visit: &Visit| visit.entry.plate.as_deref().map(search_key).filter(|k| !k.is_empty());
    let card_of = |visit: &Visit| visit.entry.card_uid.clone();
    for (kind, key_of) in [
        (AlertKind::PlateAlreadyInside, &plate_of as &dyn Fn(&Visit) -> Option<String>),
        (AlertKind::CardPassback, &card_of),
    ] {
        for (subject, first, second) in overlaps(&records.visits, key_of) {
            if within(second.entry.entry_time) {
                let shown = match kind {
                    AlertKind::PlateAlreadyInside => second.entry.plate.clone().unwrap_or(subject),
                    _ => subject,
                };
                alerts.push(FraudAlert {
                    kind,
                    at: second.entry.entry_time,
                    subject: shown,
                    detail: String::new(),
                    visits: vec![first.entry.id, second.entry.id],
                });
            }
        }
    }
    for audit in records.audits.iter().filter(|a| a.action == "plate_mismatch" && within(a.time)) {
        let text = |key: &str| audit.detail.get(key).and_then(|v| v.as_str()).unwrap_or("-").to_string();
        let visits = audit.detail.get("entry_id").and_then(|v| v.as_str()).and_then(|v| v.parse().ok());
        alerts.push(FraudAlert {
            kind: AlertKind::ExitPlateMismatch,
            at: audit.time,
            subject: text("exit_plate"),
            detail: format!("{} → {}", text("entry_plate"), text("exit_plate")),
            visits: visits.into_iter().collect(),
        });
    }
    alerts.extend(unpaid_exits(records, &within));
    alerts.extend(cashier_outliers(records, &within));
    alerts.sort_by(|a, b| b.at.cmp(&a.at).then(a.kind.cmp(&b.kind)));
    alerts
}

/// Pairs of visits with the same key where the second entered while the first was inside.
fn overlaps<'a>(
    visits: &'a [Visit],
    key_of: &dyn Fn(&Visit) -> Option<String>,
) -> Vec<(String, &'a Visit, &'a Visit)> {
    let mut by_key: HashMap<String, Vec<&Visit>> = HashMap::new();
    for visit in visits {
        if let Some(key) = key_of(visit) {
            by_key.entry(key).or_default().push(visit);
        }
    }
    let mut pairs = Vec::new();
    for (key, mut same) in by_key {
        same.sort_by_key(|v| (v.entry.entry_time, v.entry.id));
        for (n, later) in same.iter().enumerate().skip(1) {
            // The latest earlier visit still inside when this one entered.
            let inside = same[..n].iter().rev().find(|earlier| {
                earlier.exit.as_ref().is_none_or(|exit| exit.exit_time > later.entry.entry_time)
            });
            if let Some(earlier) = inside {
                pairs.push((key.clone(), *earlier, *later));
            }
        }
    }
    pairs
}

/// Visits closed without payment and barriers opened without payment.
///
/// A forced close or manual open made during a declared emergency is the evacuation, not an
/// alert.
fn unpaid_exits(records: &AlertRecords, within: &dyn Fn(DateTime<Utc>) -> bool) -> Vec<FraudAlert> {
    let mut alerts = Vec::new();
    let within = |at: DateTime<Utc>| within(at) && !records.during_emergency(at);
    for visit in &records.visits {
        let Some(exit) = &visit.exit else { continue };
        if exit.forced_reason.is_some() && within(exit.exit_time) {
            alerts.push(FraudAlert {
                kind: AlertKind::ExitWithoutPayment,
                at: exit.exit_time,
                subject: exit.operator.clone().unwrap_or_else(|| exit.booth.clone()),
                detail: exit.forced_reason.clone().unwrap_or_default(),
                visits: vec![visit.entry.id],
            });
        }
    }
    for audit in records.audits.iter().filter(|a| a.action == "manual_open" && within(a.time)) {
        let reason = audit.detail.get("reason").and_then(|v| v.as_str()).unwrap_or_default();
        let linked =
            audit.detail.get("entry_id").and_then(|v| v.as_str()).and_then(|v| v.parse::<Uuid>().ok());
        if linked.is_some() {
            continue; // closed by a forced close: already listed above with its visit
        }
        alerts.push(FraudAlert {
            kind: AlertKind::ExitWithoutPayment,
            at: audit.time,
            subject: audit.username.clone().unwrap_or_else(|| audit.booth.clone()),
            detail: reason.to_string(),
            visits: Vec::new(),
        });
    }
    alerts
}

/// Shifts whose voids, manual opens or lost tickets are far above the site's median.
fn cashier_outliers(records: &AlertRecords, within: &dyn Fn(DateTime<Utc>) -> bool) -> Vec<FraudAlert> {
    let mut counts: BTreeMap<(&str, Uuid), u64> = BTreeMap::new();
    for audit in &records.audits {
        let action = match audit.action.as_str() {
            "void" => "voids",
            "manual_open" => "manual_opens",
            "lost_ticket" => "lost_tickets",
            _ => continue,
        };
        let shift = audit.detail.get("shift_id").and_then(|v| v.as_str()).and_then(|v| v.parse().ok());
        if let Some(shift) = shift {
            *counts.entry((action, shift)).or_default() += 1;
        }
    }
    let mut alerts = Vec::new();
    for action in ["voids", "manual_opens", "lost_tickets"] {
        let mut per_shift: Vec<u64> =
            records.shifts.iter().map(|s| counts.get(&(action, s.id)).copied().unwrap_or(0)).collect();
        if per_shift.is_empty() {
            continue;
        }
        per_shift.sort_unstable();
        let median = per_shift[per_shift.len() / 2];
        let threshold = OUTLIER_MIN.max(median * OUTLIER_FACTOR + 1);
        for shift in records.shifts.iter().filter(|s| within(s.opened_at)) {
            let count = counts.get(&(action, shift.id)).copied().unwrap_or(0);
            if count >= threshold {
                let visits = shift_visits(records, shift.id);
                alerts.push(FraudAlert {
                    kind: AlertKind::CashierOutlier,
                    at: shift.opened_at,
                    subject: shift.username.clone(),
                    detail: format!("{action} {count} (site median {median}, alert from {threshold})"),
                    visits,
                });
            }
        }
    }
    alerts
}

fn shift_visits(records: &AlertRecords, shift: Uuid) -> Vec<Uuid> {
    records
        .visits
        .iter()
        .filter(|v| v.exit.as_ref().is_some_and(|x| x.shift_id == Some(shift) && x.lost_ticket))
        .map(|v| v.entry.id)
        .collect()
}

/// How far back the dashboard looks for alerts.
pub const DASHBOARD_HOURS: i64 = 24;

/// A visit behind an alert, as the admin reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertVisit {
    /// The entry.
    pub entry_id: Uuid,
    /// Its ticket number.
    pub ticket_no: String,
    /// Its plate (confirmed, else as read).
    pub plate: Option<String>,
    /// When it came in.
    pub entry_time: DateTime<Utc>,
}

/// An alert with its visits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertWithVisits {
    /// The alert.
    pub alert: FraudAlert,
    /// Its visits, oldest first.
    pub visits: Vec<AlertVisit>,
}

/// The alerts of the last [`DASHBOARD_HOURS`] before `now`, each with its visits.
pub fn recent(store: &dyn Store, site: &str, now: DateTime<Utc>) -> StoreResult<Vec<AlertWithVisits>> {
    let from = now - Duration::hours(DASHBOARD_HOURS);
    let to = now + Duration::seconds(1);
    let records = load(store, site, from, to)?;
    Ok(with_visits(&records, detect(&records, from, to)))
}

/// Attaches the visits the records hold to each alert.
pub fn with_visits(records: &AlertRecords, alerts: Vec<FraudAlert>) -> Vec<AlertWithVisits> {
    let by_id: HashMap<Uuid, &Visit> = records.visits.iter().map(|v| (v.entry.id, v)).collect();
    alerts
        .into_iter()
        .map(|alert| {
            let visits = alert
                .visits
                .iter()
                .filter_map(|id| by_id.get(id))
                .map(|v| AlertVisit {
                    entry_id: v.entry.id,
                    ticket_no: v.entry.ticket_no.clone(),
                    plate: v.entry.plate.clone().or_else(|| v.entry.plate_read.clone()),
                    entry_time: v.entry.entry_time,
                })
                .collect();
            AlertWithVisits { alert, visits }
        })
        .collect()
}
