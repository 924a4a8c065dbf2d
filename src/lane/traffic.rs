//! Simulated traffic over the real lane code: vehicles arrive, take tickets, stay, pay and
//! leave through simulated devices, on a virtual clock; the run measures the lanes and checks
//! its own books.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Duration as Span, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::entry::{EntryDevices, EntryLane, EntryTrigger};
use super::exit::{ExitDevices, ExitLane, Payment};
use super::{Connectivity, IdSource, LaneContext, SiteInfo, shift};
use crate::clock::ManualClock;
use crate::config::Language;
use crate::devices::camera::{PhotoSettings, SimulatedCamera};
use crate::devices::input::InputEvent;
use crate::devices::printer::{Paper, SimulatedPrinter};
use crate::devices::sim::SimBarrier;
use crate::domain::{ClassCode, Plate, Rupiah};
use crate::journal::{Journal, replay};
use crate::secret::SiteSecret;
use crate::store::switch::SwitchableStore;
use crate::store::{PageRequest, Store, VisitFilter};

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

/// What a traffic run did and whether its books balance.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrafficReport {
    /// Tickets issued.
    pub entries: u64,
    /// Exits paid.
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
    /// True when every entry is inside or exited, the database holds exactly these visits and
    /// revenue equals the sum of the fees.
    pub books_ok: bool,
    /// What did not balance, in words.
    pub problems: Vec<String>,
}

/// Where the run keeps its journal and photos.
#[derive(Debug, Clone)]
pub struct TrafficPaths {
    /// Journal folder.
    pub journal_dir: PathBuf,
    /// Photo folder.
    pub images_dir: PathBuf,
}

enum Event {
    Arrive(usize),
    Depart(usize),
}

struct Vehicle {
    class: ClassCode,
    plate: Plate,
    arrive: DateTime<Utc>,
    depart: DateTime<Utc>,
    code: Option<String>,
}

/// Runs the traffic against `store` starting at `start` (virtual time).
pub fn run(
    store: Arc<dyn Store>,
    secret: SiteSecret,
    site: SiteInfo,
    paths: &TrafficPaths,
    ids: Arc<dyn IdSource>,
    options: &TrafficOptions,
    start: DateTime<Utc>,
) -> Result<TrafficReport, String> {
    let clock = Arc::new(ManualClock::new(start));
    let switch = Arc::new(SwitchableStore::new(store.clone()));
    let connectivity = Connectivity::default();
    let ctx = |booth: &str| LaneContext {
        store: switch.clone(),
        journal: Journal::new(&paths.journal_dir, &paths.images_dir, booth),
        clock: clock.clone(),
        ids: ids.clone(),
        secret: secret.clone(),
        site: site.clone(),
        booth: booth.to_string(),
        language: Language::Indonesian,
        connectivity: connectivity.clone(),
        camera_timeout: Duration::from_millis(800),
    };
    let (entry_ctx, exit_ctx) = (ctx("IN1"), ctx("OUT1"));
    let photos = PhotoSettings { max_width: 640, jpeg_quality: 70 };
    let camera = |booth: &str| {
        Arc::new(SimulatedCamera::new(
            booth,
            site.tz,
            photos,
            Duration::ZERO,
            Duration::from_millis(800),
            clock.clone(),
        ))
    };
    let barrier = |name: &str| SimBarrier::start(name, 0, None).map(Arc::new).map_err(|e| e.to_string());
    let entry_camera = camera("IN1");
    let exit_camera = camera("OUT1");
    let mut entry_lane = EntryLane::new(
        entry_ctx,
        EntryDevices {
            camera: entry_camera.clone(),
            printer: Arc::new(SimulatedPrinter::new(Paper::Mm58, Duration::ZERO, clock.clone())),
            barrier: barrier("entry-barrier")?,
        },
        ClassCode::parse("MBL").map_err(|e| e.to_string())?,
    );
    entry_lane.set_operator(Some("sim-guard".into()));
    let mut exit_lane = ExitLane::new(
        exit_ctx.clone(),
        ExitDevices {
            camera: exit_camera.clone(),
            printer: Arc::new(SimulatedPrinter::new(Paper::Mm58, Duration::ZERO, clock.clone())),
            barrier: barrier("exit-barrier")?,
        },
    );
    let (open_shift, _) =
        shift::open_shift(&exit_ctx, "sim-kasir", Rupiah(500_000)).map_err(|e| e.to_string())?;
    exit_lane.set_operator(Some("sim-kasir".into()), "Kasir Simulasi".into(), Some(open_shift.clone()));

    let mut rng = StdRng::seed_from_u64(options.seed);
    let classes = ["MTR", "MTR", "MTR", "MBL", "MBL", "TRK"];
    let gap_s = (60.0 / options.rate_per_min.max(0.01)).max(1.0);
    let mut vehicles = Vec::new();
    let mut at = start;
    for _ in 0..options.vehicles {
        at += Span::seconds(rng.random_range(0.5 * gap_s..1.5 * gap_s) as i64);
        let stay = Span::minutes(match rng.random_range(0..10) {
            0 => rng.random_range(1..5),
            1..=7 => rng.random_range(10..300),
            _ => rng.random_range(300..2_000),
        });
        let class =
            ClassCode::parse(classes[rng.random_range(0..classes.len())]).map_err(|e| e.to_string())?;
        let plate =
            format!("B {} {}", rng.random_range(1..9_999), ["XY", "ABC", "KJ", "TR"][rng.random_range(0..4)]);
        let plate = Plate::normalise(&plate).ok_or("plate")?;
        vehicles.push(Vehicle { class, plate, arrive: at, depart: at + stay, code: None });
    }
    // Vehicles still parked six hours after the last arrival stay inside.
    let end = at + Span::hours(6);
    let mut events: Vec<(DateTime<Utc>, Event)> = Vec::new();
    for (i, v) in vehicles.iter().enumerate() {
        events.push((v.arrive, Event::Arrive(i)));
        if v.depart <= end {
            events.push((v.depart, Event::Depart(i)));
        }
    }
    events.sort_by_key(|(t, e)| (*t, matches!(e, Event::Arrive(_))));

    let mut report = TrafficReport::default();
    let (mut barrier_samples, mut fee_samples) = (Vec::new(), Vec::new());
    let mut fees_total = Rupiah::ZERO;
    let mut arrivals = 0u32;
    for (t, event) in events {
        clock.set(t);
        if let Event::Arrive(_) = event {
            let down = options.outage.is_some_and(|(from, to)| (from..to).contains(&arrivals));
            if down != switch.is_down() {
                switch.set_down(down);
                if !down {
                    connectivity.request_check();
                }
            }
            arrivals += 1;
        }
        // Without a monitor thread, the lanes learn the database is back by trying.
        if !switch.is_down() && !connectivity.online() {
            mark_online(&connectivity, switch.as_ref());
        }
        match event {
            Event::Arrive(i) => {
                let vehicle = &mut vehicles[i];
                entry_camera.set_vehicle(Some(vehicle.plate.to_string()));
                entry_lane.handle(&InputEvent::LoopOccupied { loop_id: 1 });
                let trigger =
                    EntryTrigger::Guard { class: vehicle.class.clone(), plate: Some(vehicle.plate.clone()) };
                match entry_lane.trigger(trigger) {
                    Ok(issued) => {
                        report.entries += 1;
                        report.journaled += u64::from(issued.persisted.journaled());
                        barrier_samples.push(issued.trigger_to_barrier);
                        if !issued.barrier_opened {
                            report.errors += 1;
                        }
                        vehicle.code = Some(issued.entry.ticket_code.clone());
                    }
                    Err(err) => {
                        report.errors += 1;
                        report.problems.push(format!("entry {i}: {err}"));
                    }
                }
                entry_lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
                entry_camera.set_vehicle(None);
            }
            Event::Depart(i) => {
                let Some(code) = vehicles[i].code.clone() else { continue };
                exit_camera.set_vehicle(Some(vehicles[i].plate.to_string()));
                match exit_lane.scan(&code) {
                    Ok(quote) => {
                        fee_samples.push(quote.scan_to_fee);
                        exit_lane.take_exit_photo();
                        let tendered = Rupiah((quote.fee.total.0 + 4_999) / 5_000 * 5_000);
                        match exit_lane.pay(Payment::Cash { tendered }) {
                            Ok(paid) => {
                                report.exits += 1;
                                report.revenue += paid.exit.total;
                                fees_total += quote.fee.total;
                                report.journaled += u64::from(paid.persisted.journaled());
                                let cash = paid.exit.method == crate::store::PaymentMethod::Cash;
                                if (cash && paid.exit.change != Some(tendered - quote.fee.total))
                                    || !paid.barrier_opened
                                {
                                    report.problems.push(format!("exit {i}: change or barrier wrong"));
                                }
                            }
                            Err(err) => {
                                report.errors += 1;
                                report.problems.push(format!("payment {i}: {err}"));
                            }
                        }
                    }
                    Err(err) => {
                        report.errors += 1;
                        report.problems.push(format!("scan {i}: {err}"));
                    }
                }
                exit_lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
                exit_lane.finish();
                exit_camera.set_vehicle(None);
            }
        }
    }
    switch.set_down(false);
    mark_online(&connectivity, switch.as_ref());
    report.inside = report.entries - report.exits;
    report.latency_ms = Latencies {
        trigger_to_barrier: Percentiles::of(&mut barrier_samples),
        scan_to_fee: Percentiles::of(&mut fee_samples),
    };

    // Replay what the outage left in the journal, then check the books against the database.
    let journal = Journal::new(&paths.journal_dir, &paths.images_dir, "SIM");
    let summary = replay::replay(&journal, store.as_ref(), clock.as_ref(), false, &mut |_| {})
        .map_err(|e| e.to_string())?;
    report.replayed = (summary.synced + summary.already_present) as u64;
    if summary.failed + summary.rejected > 0 || summary.interrupted.is_some() {
        report.problems.push(format!("replay: {} failed, {} rejected", summary.failed, summary.rejected));
    }
    if report.revenue != fees_total {
        report.problems.push(format!("revenue {} differs from the sum of fees {fees_total}", report.revenue));
    }
    let filter = VisitFilter {
        site: Some(site.code.clone()),
        from: Some(start),
        to: Some(end),
        ..VisitFilter::default()
    };
    let page = store.list_visits(&filter, PageRequest { offset: 0, limit: 1 }).map_err(|e| e.to_string())?;
    if page.total != report.entries {
        report.problems.push(format!("{} entries issued but {} in the database", report.entries, page.total));
    }
    let inside_filter = VisitFilter { state: Some(crate::store::VisitState::Inside), ..filter };
    let inside =
        store.list_visits(&inside_filter, PageRequest { offset: 0, limit: 1 }).map_err(|e| e.to_string())?;
    if inside.total != report.inside {
        report
            .problems
            .push(format!("{} inside by the lanes but {} by the database", report.inside, inside.total));
    }
    let closing = shift::close_shift(&exit_ctx, &open_shift, Rupiah(500_000) + report.revenue)
        .map_err(|e| e.to_string())?;
    if closing.all.total != report.revenue || closing.difference != Some(Rupiah::ZERO) {
        report.problems.push(format!(
            "shift report total {} differs from revenue {}",
            closing.all.total, report.revenue
        ));
    }
    report.books_ok = report.problems.is_empty();
    Ok(report)
}

fn mark_online(connectivity: &Connectivity, store: &dyn Store) {
    if store.ping().is_ok() {
        connectivity.report_success();
    }
}
