//! Two booths (entry IN1 and exit OUT1) on simulated devices over any store, as the console
//! builds them, for the outage tests.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use gardu::clock::{Clock, ManualClock};
use gardu::config::Language;
use gardu::devices::camera::{PhotoSettings, SimulatedCamera};
use gardu::devices::printer::{Paper, SimulatedPrinter};
use gardu::devices::sim::SimBarrier;
use gardu::domain::ClassCode;
use gardu::journal::Journal;
use gardu::lane::entry::{EntryDevices, EntryLane};
use gardu::lane::exit::{ExitDevices, ExitLane};
use gardu::lane::ledger::BoothLedger;
use gardu::lane::{Connectivity, LaneContext, RandomIds, SiteInfo};
use gardu::secret::SiteSecret;
use gardu::store::Store;

use crate::common::fixtures::SITE;

/// The site as the lanes see it.
pub fn site_info() -> SiteInfo {
    SiteInfo {
        code: SITE.into(),
        name: "Parkir Mall".into(),
        tz: chrono_tz::Asia::Jakarta,
        capacity: None,
        header_lines: vec![],
        footer_lines: vec![],
    }
}

/// The journal of `booth` under `dir`.
pub fn journal(dir: &Path, booth: &str) -> Journal {
    Journal::new(dir.join("offline_data"), dir.join("Images"), booth)
}

/// A lane context for `booth` over `store`.
pub fn context(
    store: Arc<dyn Store>,
    dir: &Path,
    booth: &str,
    clock: Arc<ManualClock>,
    connectivity: Connectivity,
) -> LaneContext {
    LaneContext {
        store,
        journal: journal(dir, booth),
        clock,
        ids: Arc::new(RandomIds),
        secret: SiteSecret::from_bytes([42; 32]),
        site: site_info(),
        booth: booth.into(),
        language: Language::Indonesian,
        connectivity,
        camera_timeout: Duration::from_millis(2_000),
        ledger: Arc::new(
            BoothLedger::open(&dir.join(format!("data/ledger-{booth}.db"))).expect("booth ledger"),
        ),
        simulated: false,
        emergency: Default::default(),
    }
}

fn camera(booth: &str, clock: Arc<dyn Clock>) -> Arc<SimulatedCamera> {
    Arc::new(SimulatedCamera::new(
        booth,
        chrono_tz::Asia::Jakarta,
        PhotoSettings { max_width: 320, jpeg_quality: 60 },
        Duration::ZERO,
        Duration::from_millis(2_000),
        clock,
    ))
}

/// The entry lane of `ctx` with simulated devices; the guard `guard1` on duty.
pub fn entry_lane(ctx: LaneContext) -> (EntryLane, Arc<SimulatedCamera>) {
    let clock = ctx.clock.clone();
    let cam = camera(&ctx.booth, clock.clone());
    let devices = EntryDevices {
        camera: cam.clone(),
        printer: Arc::new(SimulatedPrinter::new(Paper::Mm58, Duration::ZERO, clock)),
        barrier: Arc::new(SimBarrier::start("entry-barrier", 0, None).expect("simulated barrier")),
    };
    let mut lane = EntryLane::new(ctx, devices, ClassCode::parse("MBL").expect("class"));
    lane.set_operator(Some("guard1".into()));
    (lane, cam)
}

/// The exit lane of `ctx` with simulated devices.
pub fn exit_lane(ctx: LaneContext) -> ExitLane {
    let clock = ctx.clock.clone();
    let devices = ExitDevices {
        camera: camera(&ctx.booth, clock.clone()),
        printer: Arc::new(SimulatedPrinter::new(Paper::Mm58, Duration::ZERO, clock)),
        barrier: Arc::new(SimBarrier::start("exit-barrier", 0, None).expect("simulated barrier")),
    };
    ExitLane::new(ctx, devices)
}
