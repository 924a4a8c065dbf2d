//! Lane budgets (DESIGN.md): entry trigger → barrier command (online on SQLite, and offline
//! into the journal) and exit scan → fee with many past visits. Prints p50/p99; asserts nothing.
//!
//! The slow-camera cases put a local HTTP camera (digest authentication, 500 ms per snapshot) at
//! the entry, online and offline: the loop reports the vehicle, the button follows at once, the
//! vehicle stays 1 s; the photo must reach its entry (database, or the journal and its replay).
//!
//! The plate-reader case attaches the real reader (a build with the `anpr` feature): every
//! entry photo is read on the reader's thread while the lane issues tickets, the vehicle on the
//! loop for 1 s as before; trigger → barrier must not move.
//!
//! `cargo bench --bench lanes` (set `GARDU_BENCH_VISITS` to change the past visits, default
//! 1,000,000; `GARDU_BENCH_SLOW_RUNS` the slow-camera presences per case, default 60;
//! `GARDU_BENCH_READER_RUNS` the presences with the reader, default 60). Ends with one
//! machine-readable line starting `lanes `.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use gardu::clock::{Clock, ManualClock};
use gardu::config::{Language, PlateConfig};
use gardu::devices::camera::config::CameraConfig;
use gardu::devices::camera::{Camera, PhotoSettings, SimulatedCamera};
use gardu::devices::printer::{Paper, Printer, SimulatedPrinter};
use gardu::devices::sim::SimBarrier;
use gardu::domain::{ClassCode, Plate};
use gardu::journal::Journal;
use gardu::lane::entry::{EntryDevices, EntryLane, EntryTrigger};
use gardu::lane::exit::{ExitDevices, ExitLane};
use gardu::lane::ledger::BoothLedger;
use gardu::lane::traffic::Percentiles;
use gardu::lane::{Connectivity, LaneContext, RandomIds, SiteInfo};
use gardu::secret::SiteSecret;
use gardu::site::seed::{SeedArgs, seed};
use gardu::store::sqlite::SqliteStore;
use gardu::store::switch::SwitchableStore;
use gardu::store::{EntryLookup, Site, Store};

#[path = "../tests/lane_support/slow_camera.rs"]
mod slow_camera;

const RUNS: usize = 400;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).single().expect("time");
    let clock = Arc::new(ManualClock::new(start));
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("bench.db")).expect("store"));
    sqlite.ensure_site(&site()).expect("site");
    let switch = Arc::new(SwitchableStore::new(sqlite.clone()));
    let secret = SiteSecret::from_bytes([7; 32]);
    let info = SiteInfo {
        code: "SITE-01".into(),
        name: "Bench".into(),
        tz: chrono_tz::Asia::Jakarta,
        capacity: None,
        header_lines: vec![],
        footer_lines: vec![],
    };
    let ctx = |booth: &str| LaneContext {
        store: switch.clone(),
        journal: Journal::new(dir.path().join("offline_data"), dir.path().join("Images"), booth),
        clock: clock.clone(),
        ids: Arc::new(RandomIds),
        secret: secret.clone(),
        site: info.clone(),
        booth: booth.into(),
        language: Language::Indonesian,
        connectivity: Connectivity::default(),
        camera_timeout: Duration::from_millis(800),
        ledger: Arc::new(BoothLedger::in_memory().expect("booth ledger")),
        simulated: false,
        emergency: Default::default(),
    };
    let camera = Arc::new(SimulatedCamera::new(
        "IN1",
        chrono_tz::Asia::Jakarta,
        PhotoSettings::default(),
        Duration::ZERO,
        Duration::from_millis(800),
        clock.clone(),
    ));
    camera.set_vehicle(Some("B 1234 XYZ".into()));
    let printer = Arc::new(SimulatedPrinter::new(Paper::Mm58, Duration::ZERO, clock.clone()));

    let mut samples: Vec<Duration> = (0..50)
        .map(|_| {
            let t = Instant::now();
            let _ = camera.capture(Duration::from_millis(800));
            t.elapsed()
        })
        .collect();
    report("simulated camera capture (1280 px)", &mut samples);

    let barrier = Arc::new(SimBarrier::start("barrier", 0, None).expect("barrier"));
    let devices = EntryDevices { camera: camera.clone(), printer: printer.clone(), barrier };
    let mut lane = EntryLane::new(ctx("IN1"), devices.clone(), ClassCode::parse("MBL").expect("class"));
    let mut online = Vec::new();
    let mut codes = Vec::new();
    for n in 0..RUNS {
        clock.advance(chrono::Duration::seconds(30));
        let plate = Plate::normalise(&format!("B {} XY", 1000 + n));
        let trigger = EntryTrigger::Guard { class: ClassCode::parse("MBL").expect("class"), plate };
        let issued = lane.trigger(trigger).expect("entry");
        online.push(issued.trigger_to_barrier);
        codes.push(issued.entry.ticket_code.clone());
        lane.handle(&gardu::devices::InputEvent::LoopCleared { loop_id: 1 });
    }
    report("entry trigger → barrier, online (SQLite file)", &mut online);
    if let Some(slip) = printer.last_output() {
        let t = Instant::now();
        let _ = printer.print(&slip.job);
        println!("  (one simulated print with PNG render: {:.2} ms)", t.elapsed().as_secs_f64() * 1e3);
    }

    switch.set_down(true);
    let mut offline_lane = EntryLane::new(ctx("IN2"), devices, ClassCode::parse("MBL").expect("class"));
    let mut offline = Vec::new();
    for _ in 0..RUNS {
        clock.advance(chrono::Duration::seconds(30));
        let issued = offline_lane
            .trigger(EntryTrigger::Guard { class: ClassCode::parse("MTR").expect("class"), plate: None })
            .expect("offline entry");
        assert!(issued.persisted.journaled());
        offline.push(issued.trigger_to_barrier);
        offline_lane.handle(&gardu::devices::InputEvent::LoopCleared { loop_id: 1 });
    }
    report("entry trigger → barrier, offline (journal, fsync)", &mut offline);
    switch.set_down(false);

    // A real IP camera's time: 500 ms a snapshot, behind digest authentication.
    let slow_runs: usize =
        std::env::var("GARDU_BENCH_SLOW_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    let server = slow_camera::SlowCamera::start(Duration::from_millis(500));
    let slow_camera: Arc<dyn Camera> = Arc::new(server.camera(Duration::from_millis(800), clock.clone()));
    let slow_devices = EntryDevices {
        camera: slow_camera,
        printer: printer.clone(),
        barrier: Arc::new(SimBarrier::start("slow", 0, None).expect("barrier")),
    };
    let mut slow_lane =
        EntryLane::new(ctx("IN3"), slow_devices.clone(), ClassCode::parse("MBL").expect("class"));
    let (mut slow_online, online_ids) = slow_presences(&mut slow_lane, &clock, slow_runs);
    report("entry trigger → barrier, online, 500 ms HTTP camera", &mut slow_online);
    switch.set_down(true);
    let offline_ctx = ctx("IN4");
    let offline_journal = offline_ctx.journal.clone();
    let mut slow_offline_lane =
        EntryLane::new(offline_ctx, slow_devices, ClassCode::parse("MBL").expect("class"));
    let (mut slow_offline, offline_ids) = slow_presences(&mut slow_offline_lane, &clock, slow_runs);
    report("entry trigger → barrier, offline, 500 ms HTTP camera", &mut slow_offline);
    switch.set_down(false);
    let replayed =
        gardu::journal::replay::replay(&offline_journal, sqlite.as_ref(), clock.as_ref(), false, &mut |_| {})
            .expect("replay");
    println!(
        "  (offline slow-camera journal replayed: {} records, {} failed)",
        replayed.synced, replayed.failed
    );
    let ids: Vec<_> = online_ids.into_iter().chain(offline_ids).collect();
    let with_photo = ids
        .iter()
        .filter(|id| {
            sqlite
                .find_visit("SITE-01", &EntryLookup::Id(**id))
                .ok()
                .flatten()
                .is_some_and(|visit| visit.entry.photo_id.is_some())
        })
        .count();
    let photos_attached_pct = 100.0 * with_photo as f64 / ids.len().max(1) as f64;
    println!(
        "  photos attached to entries of 1 s presences: {with_photo} of {} ({photos_attached_pct:.1} %)",
        ids.len()
    );

    // The real plate reader on every entry photo, the vehicle 1 s on the loop.
    let reader_runs: usize =
        std::env::var("GARDU_BENCH_READER_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    let mut with_reader = Vec::new();
    let mut reads_pct = 0.0;
    match gardu::plate::reader_from_config(&PlateConfig::default(), &CameraConfig::default()) {
        Some(reader) => {
            let reader_camera = Arc::new(SimulatedCamera::new(
                "IN5",
                chrono_tz::Asia::Jakarta,
                PhotoSettings::default(),
                Duration::ZERO,
                Duration::from_millis(800),
                clock.clone(),
            ));
            reader_camera.set_vehicle(Some("B 1234 XYZ".into()));
            // The models load on the reader's thread as it starts; give it that time, as a booth
            // has between starting and its first vehicle.
            reader.prepare().expect("plate models");
            let reader_devices = EntryDevices {
                camera: reader_camera,
                printer: printer.clone(),
                barrier: Arc::new(SimBarrier::start("reader", 0, None).expect("barrier")),
            };
            let mut reader_lane =
                EntryLane::new(ctx("IN5"), reader_devices, ClassCode::parse("MBL").expect("class"))
                    .with_plate_reader(reader, PlateConfig::default());
            let (times, ids) = slow_presences(&mut reader_lane, &clock, reader_runs);
            with_reader = times;
            report("entry trigger → barrier, online, plate reader on", &mut with_reader);
            let read = ids
                .iter()
                .filter(|id| {
                    sqlite
                        .find_visit("SITE-01", &EntryLookup::Id(**id))
                        .ok()
                        .flatten()
                        .is_some_and(|visit| visit.entry.plate_read.as_deref() == Some("B 1234 XYZ"))
                })
                .count();
            reads_pct = 100.0 * read as f64 / ids.len().max(1) as f64;
            println!(
                "  entries of 1 s presences with the plate read exactly: {read} of {} ({reads_pct:.1} %)",
                ids.len()
            );
        }
        None => {
            println!("entry trigger → barrier, plate reader on: skipped (build without the anpr feature)")
        }
    }

    let visits: u64 =
        std::env::var("GARDU_BENCH_VISITS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let t = Instant::now();
    let args = SeedArgs { visits, days: 365, seed: 3 };
    seed(sqlite.as_ref(), &secret, "SITE-01", &args, start).expect("seed");
    println!("seeded {visits} past visits in {:.1} s", t.elapsed().as_secs_f64());

    let exit_devices = ExitDevices {
        camera,
        printer,
        barrier: Arc::new(SimBarrier::start("exit", 0, None).expect("barrier")),
    };
    let mut exit = ExitLane::new(ctx("OUT1"), exit_devices);
    clock.advance(chrono::Duration::hours(3));
    let mut fee = Vec::new();
    for code in &codes {
        let quote = exit.scan(code).expect("quote");
        fee.push(quote.scan_to_fee);
        exit.cancel();
    }
    report(&format!("exit scan → fee with {visits} past visits"), &mut fee);
    let _ = clock.now();
    let slow_p99 = Percentiles::of(&mut slow_online).p99.max(Percentiles::of(&mut slow_offline).p99);
    println!(
        "lanes trigger_to_barrier_p99_ms={:.2} slow_camera_trigger_to_barrier_p99_ms={slow_p99:.2} \
         offline_trigger_to_barrier_p99_ms={:.2} scan_to_fee_p99_ms={:.2} photos_attached_pct={photos_attached_pct:.1} \
         reader_trigger_to_barrier_p99_ms={:.2} reads_exact_pct={reads_pct:.1}",
        Percentiles::of(&mut online).p99,
        Percentiles::of(&mut offline).p99,
        Percentiles::of(&mut fee).p99,
        Percentiles::of(&mut with_reader).p99,
    );
}

/// Vehicles that stay 1 s on the loop, the button pressed as soon as they arrive (the photo is
/// then certainly still on its way). Returns trigger → barrier times and the entry ids.
fn slow_presences(
    lane: &mut EntryLane,
    clock: &ManualClock,
    runs: usize,
) -> (Vec<Duration>, Vec<uuid::Uuid>) {
    let mut times = Vec::with_capacity(runs);
    let mut ids = Vec::with_capacity(runs);
    for _ in 0..runs {
        clock.advance(chrono::Duration::seconds(30));
        let arrived = Instant::now();
        lane.handle(&gardu::devices::InputEvent::LoopOccupied { loop_id: 1 });
        match lane.handle(&gardu::devices::InputEvent::Button) {
            Some(Ok(issued)) => {
                times.push(issued.trigger_to_barrier);
                ids.push(issued.entry.id);
            }
            Some(Err(err)) => println!("  entry refused: {err}"),
            None => {}
        }
        while arrived.elapsed() < Duration::from_secs(1) {
            lane.pump_media();
            std::thread::sleep(Duration::from_millis(5));
        }
        lane.handle(&gardu::devices::InputEvent::LoopCleared { loop_id: 1 });
    }
    lane.settle_media(Duration::from_secs(5));
    (times, ids)
}

fn site() -> Site {
    Site {
        code: "SITE-01".into(),
        name: "Bench".into(),
        location: String::new(),
        region: String::new(),
        timezone: "Asia/Jakarta".into(),
        capacity: None,
        receipt_header: String::new(),
        receipt_footer: String::new(),
    }
}

fn report(what: &str, samples: &mut [Duration]) {
    let p = Percentiles::of(samples);
    println!(
        "{what:<55} p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   (n={})",
        p.p50,
        p.p99,
        p.max,
        samples.len()
    );
}
