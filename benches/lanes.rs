//! Lane budgets (DESIGN.md): entry trigger → barrier command (online on SQLite, and offline
//! into the journal) and exit scan → fee with many past visits. Prints p50/p99; asserts nothing.
//!
//! `cargo bench --bench lanes` (set `GARDU_BENCH_VISITS` to change the past visits, default
//! 1,000,000).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use gardu::clock::{Clock, ManualClock};
use gardu::config::Language;
use gardu::devices::camera::{Camera, PhotoSettings, SimulatedCamera};
use gardu::devices::printer::{Paper, Printer, SimulatedPrinter};
use gardu::devices::sim::SimBarrier;
use gardu::domain::{ClassCode, Plate};
use gardu::journal::Journal;
use gardu::lane::entry::{EntryDevices, EntryLane, EntryTrigger};
use gardu::lane::exit::{ExitDevices, ExitLane};
use gardu::lane::traffic::Percentiles;
use gardu::lane::{Connectivity, LaneContext, RandomIds, SiteInfo};
use gardu::secret::SiteSecret;
use gardu::site::seed::{SeedArgs, seed};
use gardu::store::sqlite::SqliteStore;
use gardu::store::switch::SwitchableStore;
use gardu::store::{Site, Store};

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
