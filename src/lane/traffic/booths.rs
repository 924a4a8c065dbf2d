//! The booths of a traffic run: entry and exit lanes over simulated devices, each with its own
//! journal, ledger and ticket sequence under the run's folder, and what their cashiers took.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Latencies, Left, Percentiles, TrafficReport, Vehicle};
use crate::clock::{Clock, ManualClock};
use crate::config::{Language, PlateConfig};
use crate::devices::camera::{PhotoSettings, SimulatedCamera};
use crate::devices::input::InputEvent;
use crate::devices::printer::{Paper, SimulatedPrinter};
use crate::devices::sim::SimBarrier;
use crate::domain::{ClassCode, Rupiah};
use crate::journal::{Journal, replay};
use crate::lane::entry::{EntryDevices, EntryLane, EntryTrigger};
use crate::lane::exit::{ExitDevices, ExitError, ExitLane, Payment, Quote};
use crate::lane::ledger::BoothLedger;
use crate::lane::{Connectivity, IdSource, LaneContext, SiteInfo, shift};
use crate::plate::PlateReader;
use crate::secret::SiteSecret;
use crate::store::{PaymentMethod, Store};

/// Cash in each drawer when a shift opens.
const FLOAT: Rupiah = Rupiah(500_000);
/// How long a vehicle waits at most for its photo and plate read (an unoptimised build reads
/// a photo in seconds).
const PLATE_WAIT: Duration = Duration::from_secs(60);

/// What every booth of the run shares.
pub(in crate::lane::traffic) struct Setup {
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub ids: Arc<dyn IdSource>,
    pub secret: SiteSecret,
    pub site: SiteInfo,
    pub root: PathBuf,
    pub connectivity: Connectivity,
    pub photos: bool,
    /// Reads the photos; the cameras then draw varied looks from `variety_seed`.
    pub plate_reader: Option<Arc<dyn PlateReader>>,
    pub variety_seed: u64,
}

/// How a vehicle leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::lane::traffic) enum Departure {
    /// Scans its ticket and pays.
    Scan,
    /// Reports a lost ticket and pays fine and fee.
    LostTicket,
    /// Let out by a manual opening the cashier links to it.
    Manual,
}

/// What a departure did.
#[derive(Debug, Default)]
pub(in crate::lane::traffic) struct Departed {
    /// How the vehicle left, when it did.
    pub left: Option<Left>,
    /// A photocopy of its ticket was paid at a second booth.
    pub photocopy_paid: bool,
}

struct EntryBooth {
    lane: EntryLane,
    camera: Arc<SimulatedCamera>,
}

struct ExitBooth {
    code: String,
    lane: ExitLane,
    camera: Arc<SimulatedCamera>,
    cashier: String,
}

/// The run's booths; see the module doc.
pub(in crate::lane::traffic) struct Booths {
    setup: Setup,
    entries: Vec<EntryBooth>,
    exits: Vec<ExitBooth>,
    /// Money each shift's lane took (payments of any method).
    takings: BTreeMap<uuid::Uuid, Rupiah>,
    /// Cash each shift's lane took.
    cash: BTreeMap<uuid::Uuid, Rupiah>,
    barrier_samples: Vec<Duration>,
    fee_samples: Vec<Duration>,
}

impl Booths {
    /// Starts `entries` entry and `exits` exit booths; each exit booth's cashier opens a shift.
    pub fn start(setup: Setup, entries: u32, exits: u32) -> Result<Booths, String> {
        let mut booths = Booths {
            setup,
            entries: Vec::new(),
            exits: Vec::new(),
            takings: BTreeMap::new(),
            cash: BTreeMap::new(),
            barrier_samples: Vec::new(),
            fee_samples: Vec::new(),
        };
        for n in 1..=entries {
            let booth = booths.entry_booth(&format!("IN{n}"))?;
            booths.entries.push(booth);
        }
        for n in 1..=exits {
            let mut booth = booths.exit_booth(&format!("OUT{n}"))?;
            let ctx = booth.lane.context().clone();
            let (opened, _) = shift::open_shift(&ctx, &booth.cashier, FLOAT).map_err(|e| e.to_string())?;
            booths.takings.insert(opened.id, Rupiah::ZERO);
            booths.cash.insert(opened.id, Rupiah::ZERO);
            booth.lane.set_shift(Some(opened));
            booths.exits.push(booth);
        }
        Ok(booths)
    }

    fn ctx(&self, booth: &str) -> Result<LaneContext, String> {
        let setup = &self.setup;
        let folder = setup.root.join(booth);
        let ledger = BoothLedger::open(&folder.join("ledger.db")).map_err(|e| e.to_string())?;
        Ok(LaneContext {
            store: setup.store.clone(),
            journal: Journal::new(folder.join("offline_data"), folder.join("Images"), booth),
            clock: setup.clock.clone(),
            ids: setup.ids.clone(),
            secret: setup.secret.clone(),
            site: setup.site.clone(),
            booth: booth.to_string(),
            language: Language::Indonesian,
            connectivity: setup.connectivity.clone(),
            camera_timeout: Duration::from_millis(800),
            ledger: Arc::new(ledger),
            simulated: true,
            emergency: Default::default(),
        })
    }

    fn camera(&self, booth: &str) -> Arc<SimulatedCamera> {
        let photos = PhotoSettings { max_width: 640, jpeg_quality: 70 };
        let clock: Arc<dyn Clock> = self.setup.clock.clone();
        let camera = SimulatedCamera::new(
            booth,
            self.setup.site.tz,
            photos,
            Duration::ZERO,
            Duration::from_millis(800),
            clock,
        );
        camera.set_broken(!self.setup.photos);
        if self.setup.plate_reader.is_some() {
            // Each booth its own looks, the same for the same seed.
            let booth_no = booth.bytes().fold(0u64, |acc, b| acc.wrapping_mul(31).wrapping_add(u64::from(b)));
            camera.set_variety(Some(self.setup.variety_seed ^ booth_no));
        }
        Arc::new(camera)
    }

    fn printer(&self) -> Arc<SimulatedPrinter> {
        Arc::new(SimulatedPrinter::new(Paper::Mm58, Duration::ZERO, self.setup.clock.clone()))
    }

    fn entry_booth(&self, code: &str) -> Result<EntryBooth, String> {
        let camera = self.camera(code);
        let barrier = SimBarrier::start(&format!("{code}-barrier"), 0, None).map_err(|e| e.to_string())?;
        let class = ClassCode::parse("MBL").map_err(|e| e.to_string())?;
        let devices =
            EntryDevices { camera: camera.clone(), printer: self.printer(), barrier: Arc::new(barrier) };
        let mut lane = EntryLane::new(self.ctx(code)?, devices, class);
        if let Some(reader) = &self.setup.plate_reader {
            lane = lane.with_plate_reader(reader.clone(), PlateConfig::default());
        }
        lane.set_operator(Some(format!("sim-guard-{}", code.to_lowercase())));
        Ok(EntryBooth { lane, camera })
    }

    /// An exit booth with its cashier logged in: the shift the cashier has open here continues.
    fn exit_booth(&self, code: &str) -> Result<ExitBooth, String> {
        let camera = self.camera(code);
        let barrier = SimBarrier::start(&format!("{code}-barrier"), 0, None).map_err(|e| e.to_string())?;
        let devices =
            ExitDevices { camera: camera.clone(), printer: self.printer(), barrier: Arc::new(barrier) };
        let ctx = self.ctx(code)?;
        let cashier = format!("sim-kasir-{}", code.to_lowercase());
        let continuing = shift::continuing_shift(&ctx, &cashier);
        let mut lane = ExitLane::new(ctx, devices);
        if let Some(reader) = &self.setup.plate_reader {
            lane = lane.with_plate_reader(reader.clone(), PlateConfig::default());
        }
        lane.set_operator(Some(cashier.clone()), format!("Kasir Simulasi {code}"), continuing);
        Ok(ExitBooth { code: code.to_string(), lane, camera, cashier })
    }

    /// Entry and exit booths together.
    pub fn count(&self) -> usize {
        self.entries.len() + self.exits.len()
    }

    /// Entry booths.
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// Exit booths.
    pub fn exit_count(&self) -> usize {
        self.exits.len()
    }

    /// The virtual time.
    pub fn now(&self) -> DateTime<Utc> {
        self.setup.clock.now()
    }

    /// Money each shift's lane took.
    pub fn shift_takings(&self) -> &BTreeMap<uuid::Uuid, Rupiah> {
        &self.takings
    }

    /// Drops booth `which` (entries first, then exits) and starts it again from what it kept
    /// on disk, as after a power cut; an exit booth's cashier logs in again.
    pub fn restart(&mut self, which: usize, report: &mut TrafficReport) -> Result<(), String> {
        report.seams.restarts += 1;
        if which < self.entries.len() {
            let code = self.entries[which].lane_booth();
            self.entries[which] = self.entry_booth(&code)?;
            return Ok(());
        }
        let index = which - self.entries.len();
        let code = self.exits[index].code.clone();
        let had = self.exits[index].lane.shift().map(|s| s.id);
        self.exits[index] = self.exit_booth(&code)?;
        let now = self.exits[index].lane.shift().map(|s| s.id);
        match (had, now) {
            (Some(before), Some(after)) if before == after => report.seams.shifts_continued += 1,
            (Some(before), _) => report
                .problems
                .push(format!("{code}: after a restart the cashier's open shift {before} was not continued")),
            (None, _) => {}
        }
        Ok(())
    }

    /// The cashier of exit booth `which` closes the shift (counting exactly the cash taken) and
    /// opens a new one.
    pub fn change_shift(&mut self, which: usize, offline: bool, report: &mut TrafficReport) {
        let booth = &mut self.exits[which];
        let Some(open) = booth.lane.shift().cloned() else { return };
        let counted = FLOAT + self.cash.get(&open.id).copied().unwrap_or(Rupiah::ZERO);
        let ctx = booth.lane.context().clone();
        match shift::close_shift(&ctx, &open, counted) {
            Ok(closed) => {
                report.seams.shifts_closed += 1;
                report.seams.shifts_closed_offline += u64::from(offline);
                if closed.difference != Some(Rupiah::ZERO) {
                    report.problems.push(format!(
                        "{}: shift closed with a difference of {:?}",
                        booth.code, closed.difference
                    ));
                }
                booth.lane.set_shift(None);
            }
            Err(err) => {
                report.problems.push(format!("{}: the shift could not be closed: {err}", booth.code));
                return;
            }
        }
        match shift::open_shift(&ctx, &booth.cashier, FLOAT) {
            Ok((opened, _)) => {
                self.takings.insert(opened.id, Rupiah::ZERO);
                self.cash.insert(opened.id, Rupiah::ZERO);
                booth.lane.set_shift(Some(opened));
            }
            Err(err) => report.problems.push(format!("{}: no new shift: {err}", booth.code)),
        }
    }

    /// A vehicle arrives at entry booth `which` and takes a ticket.
    pub fn arrive(&mut self, which: usize, vehicle: &mut Vehicle, report: &mut TrafficReport) {
        let booth = &mut self.entries[which];
        booth.camera.set_vehicle(Some(vehicle.plate.to_string()));
        booth.lane.handle(&InputEvent::LoopOccupied { loop_id: 1 });
        let reading = self.setup.plate_reader.is_some();
        if reading && !booth.lane.settle_media(PLATE_WAIT) {
            report.problems.push(format!("the photo or plate read of {} took too long", vehicle.plate));
        }
        let trigger =
            EntryTrigger::Guard { class: vehicle.class.clone(), plate: Some(vehicle.plate.clone()) };
        match booth.lane.trigger(trigger) {
            Ok(issued) => {
                report.entries += 1;
                report.journaled += u64::from(issued.persisted.journaled());
                self.barrier_samples.push(issued.trigger_to_barrier);
                if !issued.barrier_opened {
                    report.errors += 1;
                }
                vehicle.code = Some(issued.entry.ticket_code.clone());
                vehicle.entry_id = Some(issued.entry.id);
                if let Some(read) = issued.entry.plate_read.as_deref().filter(|_| reading) {
                    report.plates.entries_read += 1;
                    report.plates.entries_exact += u64::from(read == vehicle.plate.to_string());
                }
            }
            Err(err) => {
                report.errors += 1;
                report.problems.push(format!("entry of {}: {err}", vehicle.plate));
            }
        }
        booth.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
        booth.camera.set_vehicle(None);
    }

    /// A vehicle leaves through exit booth `which`; with `copy`, a photocopy of its ticket is
    /// then paid at that other booth (both cut off), and the first booth refuses it again.
    pub fn depart(
        &mut self,
        which: usize,
        vehicle: &Vehicle,
        how: Departure,
        copy: Option<usize>,
        report: &mut TrafficReport,
    ) -> Departed {
        let (Some(code), Some(entry_id)) = (vehicle.code.clone(), vehicle.entry_id) else {
            return Departed::default();
        };
        let mut departed = Departed::default();
        match how {
            Departure::Manual => {
                let booth = &mut self.exits[which];
                match booth.lane.manual_open("left while the barrier was open by hand", Some(entry_id)) {
                    Ok(()) => {
                        report.seams.manual_opens += 1;
                        departed.left = Some(Left::Forced);
                    }
                    Err(err) => report.problems.push(format!("manual open at {}: {err}", booth.code)),
                }
            }
            Departure::LostTicket => {
                let result = self.exits[which].lane.lost_ticket(&vehicle.plate.to_string(), &vehicle.class);
                if let Ok(quote) = &result
                    && quote.entry.as_ref().map(|e| e.id) != Some(entry_id)
                {
                    report.problems.push(format!("lost ticket of {} found another visit", vehicle.plate));
                }
                if self.pay(which, result, report) {
                    report.seams.lost_tickets += 1;
                    departed.left = Some(Left::Paid);
                }
            }
            Departure::Scan => {
                let result = self.exits[which].lane.scan(&code);
                if self.pay(which, result, report) {
                    departed.left = Some(Left::Paid);
                    if let Some(other) = copy {
                        match self.exits[which].lane.scan(&code) {
                            Err(ExitError::AlreadyExited { .. }) => report.seams.refused_again += 1,
                            Ok(_) => report.problems.push(format!("{code}: paid twice at one booth")),
                            Err(err) => report.problems.push(format!("second scan of {code}: {err}")),
                        }
                        self.exits[which].lane.finish();
                        let result = self.exits[other].lane.scan(&code);
                        if self.pay(other, result, report) {
                            report.seams.photocopies_paid += 1;
                            departed.photocopy_paid = true;
                        }
                    }
                }
            }
        }
        let booth = &mut self.exits[which];
        booth.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
        booth.lane.finish();
        departed
    }

    /// Pays a quote at exit booth `which` in cash, rounded up to Rp 5.000; true when paid.
    fn pay(&mut self, which: usize, quote: Result<Quote, ExitError>, report: &mut TrafficReport) -> bool {
        let booth = &mut self.exits[which];
        let quote = match quote {
            Ok(quote) => quote,
            Err(err) => {
                report.errors += 1;
                report.problems.push(format!("scan at {}: {err}", booth.code));
                return false;
            }
        };
        self.fee_samples.push(quote.scan_to_fee);
        booth.camera.set_vehicle(quote.plate.clone());
        booth.lane.take_exit_photo();
        let tendered = Rupiah((quote.fee.total.0 + 4_999) / 5_000 * 5_000);
        let paid = match booth.lane.pay(Payment::Cash { tendered }) {
            Ok(paid) => paid,
            Err(err) => {
                report.errors += 1;
                report.problems.push(format!("payment at {}: {err}", booth.code));
                return false;
            }
        };
        booth.camera.set_vehicle(None);
        for read in booth.lane.settle_plates(PLATE_WAIT) {
            report.plates.exits_read += 1;
            report.plates.exit_mismatches += u64::from(read.mismatch.is_some());
        }
        report.exits += 1;
        report.revenue += paid.exit.total;
        report.journaled += u64::from(paid.persisted.journaled());
        let cash = paid.exit.method == PaymentMethod::Cash;
        if (cash && paid.exit.change != Some(tendered - quote.fee.total)) || !paid.barrier_opened {
            report.problems.push(format!("{}: change or barrier wrong", booth.code));
        }
        if let Some(shift) = paid.exit.shift_id {
            *self.takings.entry(shift).or_default() += paid.exit.total;
            if cash {
                *self.cash.entry(shift).or_default() += paid.exit.total;
            }
        }
        true
    }

    /// Every booth sends what waits in its journal: entry booths first, so exits find their
    /// entries.
    pub fn sync_all(&mut self, report: &mut TrafficReport) -> Result<(), String> {
        for ctx in
            self.entries.iter().map(|b| b.lane.context()).chain(self.exits.iter().map(|b| b.lane.context()))
        {
            report.replayed += sync(ctx, report)?;
        }
        Ok(())
    }

    /// The end of the run, with the database back: the entry booths sync their journals, then
    /// each cashier closes the shift (which syncs that booth's journal first).
    pub fn finish(&mut self, report: &mut TrafficReport) -> Result<(), String> {
        for booth in &self.entries {
            let ctx = booth.lane.context();
            report.replayed += sync(ctx, report)?;
        }
        for which in 0..self.exits.len() {
            let ctx = self.exits[which].lane.context().clone();
            let waiting = ctx.journal.list().map(|(items, _)| items.len()).unwrap_or(0) as u64;
            let Some(open) = self.exits[which].lane.shift().cloned() else { continue };
            let counted = FLOAT + self.cash.get(&open.id).copied().unwrap_or(Rupiah::ZERO);
            match shift::close_shift(&ctx, &open, counted) {
                Ok(closed) => {
                    report.seams.shifts_closed += 1;
                    report.replayed += waiting;
                    if closed.provisional {
                        report
                            .problems
                            .push(format!("{}: the last shift closed offline", self.exits[which].code));
                    }
                    self.exits[which].lane.set_shift(None);
                }
                Err(err) => report
                    .problems
                    .push(format!("{}: the shift could not be closed: {err}", self.exits[which].code)),
            }
            // Anything the close left (another shift's records) goes now.
            report.replayed += sync(&ctx, report)?;
        }
        Ok(())
    }

    /// The latencies measured over the run.
    pub fn latencies(&mut self) -> Latencies {
        Latencies {
            trigger_to_barrier: Percentiles::of(&mut self.barrier_samples),
            scan_to_fee: Percentiles::of(&mut self.fee_samples),
        }
    }
}

impl EntryBooth {
    fn lane_booth(&self) -> String {
        self.lane.context().booth.clone()
    }
}

/// Replays a booth's journal; returns the records sent and notes what did not go.
fn sync(ctx: &LaneContext, report: &mut TrafficReport) -> Result<u64, String> {
    let summary = replay::replay(&ctx.journal, ctx.store.as_ref(), ctx.clock.as_ref(), false, &mut |_| {})
        .map_err(|e| e.to_string())?;
    if summary.failed + summary.rejected > 0 || summary.interrupted.is_some() {
        report.problems.push(format!(
            "replay of {}: {} failed, {} rejected{}",
            ctx.booth,
            summary.failed,
            summary.rejected,
            summary.interrupted.map(|why| format!(", interrupted: {why}")).unwrap_or_default()
        ));
    }
    Ok((summary.synced + summary.already_present + summary.duplicates) as u64)
}
