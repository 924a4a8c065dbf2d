//! The tour's fraud alerts, made by the real lanes of a staffed entry booth (IN2) and exit booth
//! (OUT3) writing real records, as at a site: a cloned plate enters while its twin is inside,
//! a cashier types an exit plate other than the entry's and lets the car go for money, and a
//! car leaves through a barrier opened by hand. The devices are simulated; the records are not,
//! so the alerts see them.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use anyhow::Context as _;
use chrono::Duration;

use crate::clock::{Clock, ManualClock};
use crate::devices::camera::{PhotoSettings, SimulatedCamera};
use crate::devices::input::InputEvent;
use crate::devices::printer::{Paper, SimulatedPrinter};
use crate::devices::sim::SimBarrier;
use crate::domain::{ClassCode, Plate, Rupiah};
use crate::lane::entry::{EntryDevices, EntryLane, EntryTrigger};
use crate::lane::exit::{ExitDevices, ExitLane, Payment};
use crate::lane::{Connectivity, LaneContext, RandomIds, SiteInfo, shift};
use crate::plate::PlateSource;
use crate::site::Context;
use crate::store::Entry;

/// Writes the records; the clock moves on about an hour.
pub(super) fn alert_records(base: &Context, clock: &Arc<ManualClock>) -> anyhow::Result<()> {
    let mut entry = entry_lane(base, clock)?;
    let mut exit = exit_lane(base, clock)?;
    let class = ClassCode::parse("MBL")?;
    let mut enter = |plate: &str| -> anyhow::Result<Entry> {
        let trigger = EntryTrigger::Guard { class: class.clone(), plate: Plate::normalise(plate) };
        let issued = entry.trigger(trigger)?;
        entry.handle(&InputEvent::LoopCleared { loop_id: 1 });
        Ok(issued.entry)
    };

    clock.advance(Duration::minutes(10));
    enter("B 2207 UGM")?;
    let swapped = enter("D 1770 RTX")?;
    clock.advance(Duration::minutes(4));
    let pushed = enter("B 6621 PKL")?;
    clock.advance(Duration::minutes(14));
    enter("B 2207 UGM")?;
    clock.advance(Duration::minutes(25));

    exit.scan(&swapped.ticket_code)?;
    if exit.check_exit_plate("D 1770 RRX", PlateSource::Typed).is_none() {
        anyhow::bail!("the exit lane saw no plate mismatch");
    }
    exit.pay(Payment::Cash { tendered: Rupiah(10_000) })?;
    exit.vehicle_passed();
    clock.advance(Duration::minutes(6));
    exit.manual_open("Tiket tidak terbaca, pengemudi terburu-buru", Some(pushed.id))?;
    exit.vehicle_passed();
    clock.advance(Duration::minutes(3));
    Ok(())
}

/// A lane context of `booth` whose records are real (not marked simulated).
fn lane_context(base: &Context, clock: &Arc<ManualClock>, booth: &str) -> anyhow::Result<LaneContext> {
    let mut ctx = base.clone();
    ctx.config.booth.code = booth.to_string();
    let store = ctx.open_store()?;
    let secret = ctx.secret(store.as_ref())?;
    let config = &ctx.config;
    Ok(LaneContext {
        store,
        journal: ctx.journal(),
        clock: clock.clone(),
        ids: Arc::new(RandomIds),
        secret,
        site: SiteInfo {
            code: config.site.code.clone(),
            name: config.site.name.clone(),
            tz: config.timezone(),
            capacity: config.site.capacity,
            header_lines: vec![],
            footer_lines: vec![],
        },
        booth: booth.to_string(),
        language: config.ui.language,
        connectivity: Connectivity::default(),
        camera_timeout: StdDuration::from_millis(800),
        ledger: Arc::new(ctx.open_ledger()?),
        simulated: false,
        emergency: Default::default(),
    })
}

fn camera(base: &Context, clock: &Arc<ManualClock>, booth: &str) -> Arc<SimulatedCamera> {
    let settings = PhotoSettings { max_width: 640, jpeg_quality: 70 };
    let clock: Arc<dyn Clock> = clock.clone();
    let timeout = StdDuration::from_millis(800);
    Arc::new(SimulatedCamera::new(booth, base.config.timezone(), settings, StdDuration::ZERO, timeout, clock))
}

fn entry_lane(base: &Context, clock: &Arc<ManualClock>) -> anyhow::Result<EntryLane> {
    let devices = EntryDevices {
        camera: camera(base, clock, "IN2"),
        printer: Arc::new(SimulatedPrinter::new(Paper::Mm58, StdDuration::ZERO, clock.clone())),
        barrier: Arc::new(SimBarrier::start("tour-in2-barrier", 0, None)?),
    };
    let mut lane = EntryLane::new(lane_context(base, clock, "IN2")?, devices, ClassCode::parse("MBL")?);
    lane.set_operator(Some("siti".into()));
    Ok(lane)
}

fn exit_lane(base: &Context, clock: &Arc<ManualClock>) -> anyhow::Result<ExitLane> {
    let devices = ExitDevices {
        camera: camera(base, clock, "OUT3"),
        printer: Arc::new(SimulatedPrinter::new(Paper::Mm58, StdDuration::ZERO, clock.clone())),
        barrier: Arc::new(SimBarrier::start("tour-out2-barrier", 0, None)?),
    };
    let ctx = lane_context(base, clock, "OUT3")?;
    let opened = match shift::continuing_shift(&ctx, "budi") {
        Some(open) => open,
        None => shift::open_shift(&ctx, "budi", Rupiah(150_000)).context("Budi's shift at OUT3")?.0,
    };
    let mut lane = ExitLane::new(ctx, devices);
    lane.set_operator(Some("budi".into()), "Budi Hartono".into(), Some(opened));
    Ok(lane)
}
