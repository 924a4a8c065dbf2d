//! Simulated traffic over the real lane code: vehicles arrive at one or more entry booths, take
//! tickets, stay, pay and leave through one or more exit booths, on a virtual clock; the run
//! measures the lanes and checks its own books.
//!
//! Every seam the books can break at is exercised on demand: a database outage (`outage`),
//! booths restarted from what they kept on disk (`restarts`), photocopied tickets paid at a
//! second exit booth while both are cut off (`photocopies`), lost tickets, manual openings
//! linked to the vehicle, and cashiers handing over their shift mid-run (`shift_changes`).
//! Every booth has its own journal, ledger and ticket sequence, as at a real site. The run's
//! records are marked simulated.

mod booths;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Duration as Span, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use uuid::Uuid;

use self::booths::{Booths, Departure};
use super::books::{self, BooksQuery};
use super::{Connectivity, IdSource, SiteInfo};
use crate::clock::{Clock, ManualClock};
use crate::domain::{ClassCode, Plate, Rupiah};
use crate::plate::PlateReader;
use crate::store::switch::SwitchableStore;
use crate::store::{EntryLookup, Store};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct TrafficOptions {
    /// Vehicles that arrive.
    pub vehicles: u32,
    /// Arrivals per minute (virtual time).
    pub rate_per_min: f64,
    /// Random seed: the same seed gives the same traffic.
    pub seed: u64,
    /// Vehicles (by arrival number) during which the database is down: `start..end`.
    pub outage: Option<(u32, u32)>,
    /// Entry booths (`IN1`, `IN2` …).
    pub entry_booths: u32,
    /// Exit booths (`OUT1`, `OUT2` …).
    pub exit_booths: u32,
    /// Tickets presented again at a second exit booth while both are cut off (needs two exit
    /// booths and an outage).
    pub photocopies: u32,
    /// Times a booth's process state is dropped and rebuilt from disk, as a power cut would.
    pub restarts: u32,
    /// Departures that report a lost ticket instead of scanning.
    pub lost_tickets: u32,
    /// Departures let out by a manual opening linked to the vehicle.
    pub manual_opens: u32,
    /// Times a cashier closes the shift and opens a new one mid-run.
    pub shift_changes: u32,
    /// Cameras deliver photos; off, every lane goes on without one as with a broken camera
    /// (much faster in unoptimised test builds, and the books do not depend on photos).
    pub photos: bool,
    /// Reads every entry and exit photo with this reader (the cameras then draw varied
    /// looks: night, blur, tilt, distance). Each vehicle waits at the loop for its read, as a
    /// guard waits for the suggestion, so the run takes a read's time more per photo.
    pub plate_reader: Option<Arc<dyn PlateReader>>,
}

impl Default for TrafficOptions {
    fn default() -> Self {
        Self {
            vehicles: 100,
            rate_per_min: 6.0,
            seed: 1,
            outage: None,
            entry_booths: 1,
            exit_booths: 1,
            photocopies: 0,
            restarts: 0,
            lost_tickets: 0,
            manual_opens: 0,
            shift_changes: 0,
            photos: true,
            plate_reader: None,
        }
    }
}

/// p50 and p99 of a latency, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Worst.
    pub max: f64,
}

impl Percentiles {
    /// From samples (any order).
    pub fn of(samples: &mut [Duration]) -> Percentiles {
        if samples.is_empty() {
            return Percentiles::default();
        }
        samples.sort();
        let at = |q: f64| {
            let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
            samples[index.min(samples.len() - 1)].as_secs_f64() * 1_000.0
        };
        Percentiles { p50: at(0.50), p99: at(0.99), max: at(1.0) }
    }
}

/// Latencies the budgets speak of.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Latencies {
    /// Entry trigger to barrier command.
    pub trigger_to_barrier: Percentiles,
    /// Exit scan to fee.
    pub scan_to_fee: Percentiles,
}

/// Which seams a run went through, for soak statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Seams {
    /// Booth restarts.
    pub restarts: u64,
    /// Photocopies paid at a second booth.
    pub photocopies_paid: u64,
    /// Second scans refused by the booth that had let the ticket out.
    pub refused_again: u64,
    /// Lost tickets paid.
    pub lost_tickets: u64,
    /// Manual openings linked to a vehicle.
    pub manual_opens: u64,
    /// Shifts closed (mid-run and at the end).
    pub shifts_closed: u64,
    /// Of them, closed while the database was down.
    pub shifts_closed_offline: u64,
    /// Shifts continued after a restart or re-login.
    pub shifts_continued: u64,
}

/// What the plate reader made of the run's photos (all zero without a reader).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlateFigures {
    /// Entries whose photo was read before the ticket.
    pub entries_read: u64,
    /// Of them, read exactly as the vehicle's plate.
    pub entries_exact: u64,
    /// Exit photos read.
    pub exits_read: u64,
    /// Exit reads confident enough to compare that differed from the entry's plate (each a
    /// `plate_mismatch` alert; the run's vehicles leave with their own plates, so each is a
    /// misread).
    pub exit_mismatches: u64,
}

/// What a traffic run did and whether its books balance.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrafficReport {
    /// Tickets issued.
    pub entries: u64,
    /// Exits paid (photocopies included).
    pub exits: u64,
    /// Vehicles still inside at the end.
    pub inside: u64,
    /// Records that went to the journal (outage).
    pub journaled: u64,
    /// Lane errors (refusals, faults).
    pub errors: u64,
    /// Money taken.
    pub revenue: Rupiah,
    /// Latencies.
    pub latency_ms: Latencies,
    /// Journal records replayed after the outage.
    pub replayed: u64,
    /// Second payments of one ticket the replay found and kept for review.
    pub duplicate_exits: u64,
    /// Seams exercised.
    pub seams: Seams,
    /// The plate reader's figures, when the run read plates.
    pub plates: PlateFigures,
    /// True when the database holds exactly this run's visits in the states the lanes left
    /// them, the payments match the shifts to the rupiah, every photocopy was found as a
    /// duplicate, and the books check of the run's days balances.
    pub books_ok: bool,
    /// What did not balance, in words.
    pub problems: Vec<String>,
}

/// Where the run keeps its booths' journals, ledgers and photos.
#[derive(Debug, Clone)]
pub struct TrafficPaths {
    /// Folder under which each booth gets its own folder.
    pub root: PathBuf,
}

enum Event {
    Arrive(usize),
    Depart(usize),
}

/// One simulated vehicle.
pub(super) struct Vehicle {
    pub(super) class: ClassCode,
    pub(super) plate: Plate,
    arrive: DateTime<Utc>,
    depart: DateTime<Utc>,
    pub(super) code: Option<String>,
    pub(super) entry_id: Option<Uuid>,
}

/// How the lanes left a vehicle, to compare with the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Left {
    Inside,
    Paid,
    Forced,
}

/// Runs the traffic against `store` starting at `start` (virtual time).
pub fn run(
    store: Arc<dyn Store>,
    secret: crate::secret::SiteSecret,
    site: SiteInfo,
    paths: &TrafficPaths,
    ids: Arc<dyn IdSource>,
    options: &TrafficOptions,
    start: DateTime<Utc>,
) -> Result<TrafficReport, String> {
    let clock = Arc::new(ManualClock::new(start));
    let switch = Arc::new(SwitchableStore::new(store.clone()));
    let connectivity = Connectivity::default();
    let mut booths = Booths::start(
        booths::Setup {
            store: switch.clone(),
            clock: clock.clone(),
            ids,
            secret,
            site: site.clone(),
            root: paths.root.clone(),
            connectivity: connectivity.clone(),
            photos: options.photos,
            plate_reader: options.plate_reader.clone().filter(|_| options.photos),
            variety_seed: options.seed,
        },
        options.entry_booths.max(1),
        options.exit_booths.max(1),
    )?;

    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut vehicles = make_vehicles(&mut rng, options, start)?;
    let end = vehicles.last().map(|v| v.arrive).unwrap_or(start) + Span::hours(6);
    let mut events: Vec<(DateTime<Utc>, Event)> = Vec::new();
    for (i, v) in vehicles.iter().enumerate() {
        events.push((v.arrive, Event::Arrive(i)));
        if v.depart <= end {
            events.push((v.depart, Event::Depart(i)));
        }
    }
    events.sort_by_key(|(t, e)| (*t, matches!(e, Event::Arrive(_))));
    // Random moments (event indexes) for restarts and shift changes; departures that are lost
    // tickets or manual openings.
    let pick = |rng: &mut StdRng, count: u32, of: usize| -> Vec<usize> {
        (0..count).map(|_| rng.random_range(0..of.max(1))).collect()
    };
    let restarts = pick(&mut rng, options.restarts, events.len());
    let changes = pick(&mut rng, options.shift_changes, events.len());
    let departures = events.iter().filter(|(_, e)| matches!(e, Event::Depart(_))).count();
    let mut special: HashMap<usize, Departure> = HashMap::new();
    for (count, kind) in
        [(options.lost_tickets, Departure::LostTicket), (options.manual_opens, Departure::Manual)]
    {
        for index in pick(&mut rng, count, departures) {
            special.entry(index).or_insert(kind);
        }
    }

    let mut report = TrafficReport::default();
    let mut left: HashMap<Uuid, Left> = HashMap::new();
    let mut photocopies_left = options.photocopies;
    let (mut arrivals, mut departure_no) = (0u32, 0usize);
    for (n, (t, event)) in events.into_iter().enumerate() {
        clock.set(t);
        if let Event::Arrive(_) = event {
            let down = options.outage.is_some_and(|(from, to)| (from..to).contains(&arrivals));
            if down != switch.is_down() {
                switch.set_down(down);
                if !down {
                    connectivity.request_check();
                    if switch.ping().is_ok() {
                        connectivity.report_success();
                    }
                    // The site syncs when the database is back, as the sync dialog offers.
                    booths.sync_all(&mut report)?;
                }
            }
            arrivals += 1;
        }
        // Without a monitor thread, the lanes learn the database is back by trying.
        if !switch.is_down() && !connectivity.online() && switch.ping().is_ok() {
            connectivity.report_success();
        }
        for _ in restarts.iter().filter(|&&at| at == n) {
            let which = rng.random_range(0..booths.count());
            booths.restart(which, &mut report)?;
        }
        for _ in changes.iter().filter(|&&at| at == n) {
            let which = rng.random_range(0..booths.exit_count());
            booths.change_shift(which, switch.is_down(), &mut report);
        }
        match event {
            Event::Arrive(i) => {
                let booth = rng.random_range(0..booths.entry_count());
                booths.arrive(booth, &mut vehicles[i], &mut report);
                if let Some(id) = vehicles[i].entry_id {
                    left.insert(id, Left::Inside);
                }
            }
            Event::Depart(i) => {
                let kind = special.get(&departure_no).copied().unwrap_or(Departure::Scan);
                departure_no += 1;
                let booth = rng.random_range(0..booths.exit_count());
                let copy = (switch.is_down() && photocopies_left > 0 && booths.exit_count() > 1).then(|| {
                    (booth + 1 + rng.random_range(0..booths.exit_count() - 1)) % booths.exit_count()
                });
                // Lost tickets are looked up by plate, which needs the database.
                let kind =
                    if kind == Departure::LostTicket && switch.is_down() { Departure::Scan } else { kind };
                let outcome = booths.depart(booth, &vehicles[i], kind, copy, &mut report);
                if outcome.photocopy_paid {
                    photocopies_left -= 1;
                }
                if let (Some(id), Some(how)) = (vehicles[i].entry_id, outcome.left) {
                    left.insert(id, how);
                }
            }
        }
    }
    switch.set_down(false);
    if switch.ping().is_ok() {
        connectivity.report_success();
    }
    report.inside = left.values().filter(|l| **l == Left::Inside).count() as u64;
    booths.finish(&mut report)?;
    report.latency_ms = booths.latencies();
    check_own_books(store.as_ref(), &site, &vehicles, &left, &booths, &mut report)?;
    let query = BooksQuery {
        site: site.code.clone(),
        tz: site.tz,
        from: start.with_timezone(&site.tz).date_naive(),
        to: clock.now().with_timezone(&site.tz).date_naive(),
        include_simulated: true,
    };
    let books = books::check(store.as_ref(), None, &query).map_err(|e| e.to_string())?;
    report.problems.extend(books.problems.iter().map(|p| format!("books: {p}")));
    report.books_ok = report.problems.is_empty();
    Ok(report)
}

fn make_vehicles(
    rng: &mut StdRng,
    options: &TrafficOptions,
    start: DateTime<Utc>,
) -> Result<Vec<Vehicle>, String> {
    let classes = ["MTR", "MTR", "MTR", "MBL", "MBL", "TRK"];
    let gap_s = (60.0 / options.rate_per_min.max(0.01)).max(1.0);
    let suffixes = ["XY", "ABC", "KJ", "TR"];
    // Plates are unique within a run (a lost ticket finds its own vehicle), random across runs.
    let base = rng.random_range(0..2_000u32);
    let mut vehicles = Vec::new();
    let mut at = start;
    for i in 0..options.vehicles {
        at += Span::seconds(rng.random_range(0.5 * gap_s..1.5 * gap_s) as i64);
        let stay = Span::minutes(match rng.random_range(0..10) {
            0 => rng.random_range(1..5),
            1..=7 => rng.random_range(10..300),
            _ => rng.random_range(300..2_000),
        });
        let class =
            ClassCode::parse(classes[rng.random_range(0..classes.len())]).map_err(|e| e.to_string())?;
        let number = 1 + (base + i) % 9_999;
        let suffix = suffixes[((base + i) / 9_999) as usize % suffixes.len()];
        let plate = Plate::normalise(&format!("B {number} {suffix}")).ok_or("plate")?;
        vehicles.push(Vehicle { class, plate, arrive: at, depart: at + stay, code: None, entry_id: None });
    }
    Ok(vehicles)
}

/// The database against what the lanes did: every visit of the run in the state the lanes left
/// it, the payments and duplicates where the lanes took them, each shift's report equal to the
/// money its lane took.
fn check_own_books(
    store: &dyn Store,
    site: &SiteInfo,
    vehicles: &[Vehicle],
    left: &HashMap<Uuid, Left>,
    booths: &Booths,
    report: &mut TrafficReport,
) -> Result<(), String> {
    let mut stored = 0u64;
    for id in vehicles.iter().filter_map(|v| v.entry_id) {
        let visit = store.find_visit(&site.code, &EntryLookup::Id(id)).map_err(|e| e.to_string())?;
        let Some(visit) = visit else { continue };
        stored += 1;
        let in_db = match &visit.exit {
            None => Left::Inside,
            Some(exit) if exit.forced() => Left::Forced,
            Some(_) => Left::Paid,
        };
        let by_lanes = left.get(&id).copied().unwrap_or(Left::Inside);
        if in_db != by_lanes {
            report.problems.push(format!(
                "ticket {}: the lanes left it {by_lanes:?}, the database has it {in_db:?}",
                visit.entry.ticket_no
            ));
        }
    }
    if stored != report.entries {
        report.problems.push(format!("{} entries issued but {stored} in the database", report.entries));
    }
    let mut shift_total = Rupiah::ZERO;
    for (shift_id, taken) in booths.shift_takings() {
        let shift_report =
            super::shift::report(store, *shift_id, booths.now(), true).map_err(|e| e.to_string())?;
        shift_total += shift_report.all.total;
        if shift_report.all.total != *taken {
            report.problems.push(format!(
                "shift {shift_id}: the lane took {taken} but the report holds {}",
                shift_report.all.total
            ));
        }
        if let Some(difference) = shift_report.difference.filter(|d| *d != Rupiah::ZERO) {
            report.problems.push(format!("shift {shift_id}: the drawer is off by {difference}"));
        }
        report.duplicate_exits += shift_report.duplicates.exits;
    }
    if shift_total != report.revenue {
        report
            .problems
            .push(format!("revenue {} differs from the shift reports' {shift_total}", report.revenue));
    }
    if report.duplicate_exits != report.seams.photocopies_paid {
        report.problems.push(format!(
            "{} photocopies paid but {} duplicate exits found",
            report.seams.photocopies_paid, report.duplicate_exits
        ));
    }
    Ok(())
}
