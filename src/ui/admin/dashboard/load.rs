//! What the dashboard shows, read from the store on a background task, and the alerts drawn
//! from it (a pure function, so the rules are tested without a screen).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::domain::{ClassCode, VehicleClass};
use crate::journal::Journal;
use crate::lane::books::{self, BooksQuery, BooksReport};
use crate::store::{
    BoothStatus, DailyStats, Exit, PageRequest, Store, StoreError, Visit, VisitFilter, VisitState,
};
use crate::ui::admin::books::{Problem, problems};

/// A vehicle inside longer than this is a long stay.
pub const LONG_STAY: Duration = Duration::hours(24);
/// A booth not heard from for longer than this is not reporting.
pub const SILENT_AFTER: Duration = Duration::seconds(90);
/// Occupancy from this share of the capacity on is "nearly full".
pub const NEARLY_FULL_PERCENT: u64 = 90;
/// Long stays listed by name (the oldest ones).
const LONG_STAYS_LISTED: u64 = 5;

/// Everything the dashboard shows, as of `loaded_at`.
#[derive(Debug, Clone)]
pub struct DashboardData {
    /// When the figures were read (the injected clock).
    pub loaded_at: DateTime<Utc>,
    /// How many vehicles fit; `None` for no limit.
    pub capacity: Option<u32>,
    /// Vehicles inside now per class, in display order.
    pub inside: Vec<(ClassCode, u64)>,
    /// The configured classes, for their names.
    pub classes: Vec<VehicleClass>,
    /// Today's figures in the site's time zone.
    pub today: DailyStats,
    /// The latest report of every booth.
    pub booths: Vec<BoothStatus>,
    /// Vehicles inside longer than [`LONG_STAY`].
    pub long_stays: u64,
    /// The oldest of them, oldest first.
    pub oldest_stays: Vec<Visit>,
    /// Exits whose entry is not stored.
    pub orphans: Vec<Exit>,
    /// Rejected journal files on this machine.
    pub local_rejected: u64,
    /// Today's books check (simulated records left out).
    pub books: BooksReport,
    /// Fraud and mistakes of the last day, each with its visits.
    pub fraud: Vec<crate::admin::alerts::AlertWithVisits>,
    /// The latest scheduled backup's result, if one was ever taken.
    pub last_backup: Option<BackupSeen>,
}

/// A scheduled backup as the audit log recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSeen {
    /// When it was taken (or tried).
    pub at: DateTime<Utc>,
    /// Its size, when it was written.
    pub bytes: Option<u64>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// A backup older than this is an alert.
pub const BACKUP_STALE_AFTER: Duration = Duration::hours(24);

/// The latest `db_backup` audit line of the site.
fn last_backup(store: &dyn Store, site: &str) -> Result<Option<BackupSeen>, StoreError> {
    let filter = crate::store::AuditFilter {
        action: Some(crate::site::scheduled_backup::AUDIT_ACTION.into()),
        limit: 1,
        ..Default::default()
    };
    Ok(store.list_audit(&filter)?.into_iter().find(|r| r.site == site).map(|record| {
        let ok = record.detail["ok"].as_bool().unwrap_or(false);
        BackupSeen {
            at: record.time,
            bytes: record.detail["bytes"].as_u64(),
            error: (!ok).then(|| record.detail["error"].as_str().unwrap_or("?").to_string()),
        }
    }))
}

impl DashboardData {
    /// Vehicles inside now, every class.
    pub fn inside_total(&self) -> u64 {
        self.inside.iter().map(|(_, count)| count).sum()
    }

    /// The name of a class in the screen's language (`en` or `id`), or its code.
    pub fn class_name(&self, code: &ClassCode, language: &str) -> String {
        self.classes
            .iter()
            .find(|class| &class.code == code)
            .map(|class| class.name(language).to_string())
            .unwrap_or_else(|| code.to_string())
    }
}

/// One thing an admin should look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alert {
    /// Vehicles inside longer than the threshold.
    LongStays {
        /// How many.
        count: u64,
        /// The threshold in hours.
        hours: i64,
    },
    /// Occupancy at or above [`NEARLY_FULL_PERCENT`] of the capacity.
    NearlyFull {
        /// Vehicles inside.
        inside: u64,
        /// The capacity.
        capacity: u32,
        /// Occupancy in whole percent.
        percent: u64,
    },
    /// Exits whose entry is not in the database.
    OrphanExits {
        /// How many.
        count: u64,
    },
    /// Journal files the sync refused, at a booth or on this machine.
    RejectedFiles {
        /// Where: a booth code, or `None` for this machine.
        booth: Option<String>,
        /// How many files.
        count: u64,
    },
    /// A booth whose last report is older than [`SILENT_AFTER`].
    NotReporting {
        /// The booth.
        booth: String,
        /// Seconds since its last report.
        silent_s: i64,
    },
    /// Today's books do not balance.
    BooksUnbalanced {
        /// The first problem.
        first: Problem,
        /// How many more the Books screen lists.
        more: usize,
    },
    /// Tickets paid twice at different booths (both offline) today, for review.
    DuplicateExits {
        /// How many.
        count: u64,
    },
    /// The latest scheduled backup failed.
    BackupFailed {
        /// What went wrong.
        error: String,
    },
    /// The latest scheduled backup is older than [`BACKUP_STALE_AFTER`].
    BackupStale {
        /// Its age in hours.
        hours: i64,
    },
}

/// The alerts of `data` at `now`, the most urgent kinds first.
pub fn alerts(data: &DashboardData, now: DateTime<Utc>) -> Vec<Alert> {
    let mut out = Vec::new();
    if let Some(capacity) = data.capacity.filter(|c| *c > 0) {
        let inside = data.inside_total();
        let percent = inside * 100 / u64::from(capacity);
        if percent >= NEARLY_FULL_PERCENT {
            out.push(Alert::NearlyFull { inside, capacity, percent });
        }
    }
    for booth in &data.booths {
        let silent = now - booth.seen_at;
        if silent > SILENT_AFTER {
            out.push(Alert::NotReporting { booth: booth.booth.clone(), silent_s: silent.num_seconds() });
        }
    }
    let found = problems(&data.books);
    if let Some(first) = found.first() {
        out.push(Alert::BooksUnbalanced { first: first.clone(), more: found.len() - 1 });
    }
    if data.books.duplicates > 0 {
        out.push(Alert::DuplicateExits { count: data.books.duplicates });
    }
    if data.long_stays > 0 {
        out.push(Alert::LongStays { count: data.long_stays, hours: LONG_STAY.num_hours() });
    }
    if !data.orphans.is_empty() {
        out.push(Alert::OrphanExits { count: data.orphans.len() as u64 });
    }
    for booth in data.booths.iter().filter(|b| b.journal_rejected > 0) {
        out.push(Alert::RejectedFiles { booth: Some(booth.booth.clone()), count: booth.journal_rejected });
    }
    if data.local_rejected > 0 {
        out.push(Alert::RejectedFiles { booth: None, count: data.local_rejected });
    }
    if let Some(backup) = &data.last_backup {
        if let Some(error) = &backup.error {
            out.push(Alert::BackupFailed { error: error.clone() });
        } else if now - backup.at > BACKUP_STALE_AFTER {
            out.push(Alert::BackupStale { hours: (now - backup.at).num_hours() });
        }
    }
    out
}

/// Where the dashboard reads from.
#[derive(Clone)]
pub struct Source {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Site code.
    pub site: String,
    /// The site's time zone.
    pub tz: Tz,
    /// This machine's offline journal.
    pub journal: Journal,
    /// Count records made by simulation too (left out by default).
    pub include_simulated: bool,
}

/// Reads everything the dashboard shows as of `now` (blocking: run it on a task).
pub fn load(source: &Source, now: DateTime<Utc>) -> Result<DashboardData, StoreError> {
    let store = source.store.as_ref();
    let site = source.site.as_str();
    let capacity = store.site(site)?.and_then(|s| s.capacity);
    let simulated = source.include_simulated;
    let inside = store.inside_by_class(site, simulated)?;
    let classes = store.vehicle_classes()?;
    let today = store.daily_stats(site, now.with_timezone(&source.tz).date_naive(), source.tz, simulated)?;
    let booths = store.booth_statuses(site)?;
    let filter = VisitFilter {
        site: Some(site.to_string()),
        to: Some(now - LONG_STAY),
        state: Some(VisitState::Inside),
        include_simulated: simulated,
        ..VisitFilter::default()
    };
    // Newest entry first: the oldest stays are on the last page.
    let first = store.list_visits(&filter, PageRequest { offset: 0, limit: LONG_STAYS_LISTED })?;
    let mut oldest_stays = if first.total > LONG_STAYS_LISTED {
        let offset = first.total - LONG_STAYS_LISTED;
        store.list_visits(&filter, PageRequest { offset, limit: LONG_STAYS_LISTED })?.rows
    } else {
        first.rows
    };
    oldest_stays.reverse();
    let orphans = store.orphan_exits(site, simulated)?;
    let day = now.with_timezone(&source.tz).date_naive();
    let query = BooksQuery {
        site: site.to_string(),
        tz: source.tz,
        from: day,
        to: day,
        include_simulated: simulated,
    };
    let books = books::check(store, Some(&source.journal), &query)?;
    let last_backup = last_backup(store, site)?;
    Ok(DashboardData {
        last_backup,
        loaded_at: now,
        capacity,
        inside,
        classes,
        today,
        booths,
        long_stays: first.total,
        oldest_stays,
        orphans,
        local_rejected: source.journal.rejected_count(),
        books,
        fraud: crate::admin::alerts::recent(store, site, now)?,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;

    fn data() -> DashboardData {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap();
        DashboardData {
            loaded_at: now,
            capacity: Some(10),
            inside: vec![(ClassCode::parse("MBL").unwrap(), 8), (ClassCode::parse("MTR").unwrap(), 0)],
            classes: crate::domain::vehicle::default_classes(),
            today: DailyStats {
                day: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
                entries: 0,
                exits: 0,
                revenue: crate::domain::Rupiah::ZERO,
                entries_per_hour: [0; 24],
                exits_per_hour: [0; 24],
                by_class: Vec::new(),
                by_method: Vec::new(),
                average_stay_min: None,
                lost_tickets: 0,
            },
            booths: Vec::new(),
            long_stays: 0,
            oldest_stays: Vec::new(),
            orphans: Vec::new(),
            local_rejected: 0,
            books: BooksReport { ok: true, ..BooksReport::default() },
            last_backup: None,
            fraud: Vec::new(),
        }
    }

    #[test]
    fn a_failed_or_day_old_backup_is_an_alert() {
        let mut d = data();
        let now = d.loaded_at;
        d.last_backup = Some(BackupSeen { at: now - Duration::hours(3), bytes: Some(4096), error: None });
        assert_eq!(alerts(&d, now), []);
        d.last_backup = Some(BackupSeen { at: now - Duration::hours(25), bytes: Some(4096), error: None });
        assert_eq!(alerts(&d, now), [Alert::BackupStale { hours: 25 }]);
        d.last_backup = Some(BackupSeen { at: now, bytes: None, error: Some("disk full".into()) });
        assert_eq!(alerts(&d, now), [Alert::BackupFailed { error: "disk full".into() }]);
    }

    fn booth(code: &str, seen_at: DateTime<Utc>, rejected: u64) -> BoothStatus {
        BoothStatus {
            site: "S".into(),
            booth: code.into(),
            mode: "entry".into(),
            operator: None,
            seen_at,
            simulated: false,
            journal_waiting: 0,
            journal_rejected: rejected,
            faults: Vec::new(),
            version: "1".into(),
        }
    }

    #[test]
    fn alerts_follow_the_thresholds() {
        let mut d = data();
        let now = d.loaded_at;
        assert_eq!(alerts(&d, now), []);
        d.inside[1].1 = 1;
        assert_eq!(alerts(&d, now), [Alert::NearlyFull { inside: 9, capacity: 10, percent: 90 }]);
        d.capacity = None;
        d.booths =
            vec![booth("IN1", now - Duration::seconds(90), 0), booth("OUT1", now - Duration::seconds(91), 2)];
        d.long_stays = 3;
        d.local_rejected = 1;
        assert_eq!(
            alerts(&d, now),
            [
                Alert::NotReporting { booth: "OUT1".into(), silent_s: 91 },
                Alert::LongStays { count: 3, hours: 24 },
                Alert::RejectedFiles { booth: Some("OUT1".into()), count: 2 },
                Alert::RejectedFiles { booth: None, count: 1 },
            ]
        );
    }

    #[test]
    fn unbalanced_books_and_duplicate_exits_are_alerts() {
        let mut d = data();
        let now = d.loaded_at;
        d.books.ok = false;
        d.books.orphans = 2;
        d.books.pending_journal = 3;
        d.books.duplicates = 1;
        assert_eq!(
            alerts(&d, now),
            [
                Alert::BooksUnbalanced { first: Problem::Orphans { count: 2 }, more: 1 },
                Alert::DuplicateExits { count: 1 },
            ]
        );
    }
}
