//! A booth for lane tests: a real SQLite file behind an outage switch, a journal in a temp
//! dir, a hand-set clock, sequential ids, and simulated or serial devices.
#![allow(dead_code)]

pub mod plates;
pub mod slow_camera;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use gardu::clock::ManualClock;
use gardu::config::Language;
use gardu::devices::barrier::Barrier;
use gardu::devices::camera::{Camera, PhotoSettings, SimulatedCamera};
use gardu::devices::printer::{Paper, Printer, SimulatedPrinter};
use gardu::devices::sim::SimBarrier;
use gardu::domain::ClassCode;
use gardu::journal::Journal;
use gardu::lane::entry::{EntryDevices, EntryLane};
use gardu::lane::exit::{ExitDevices, ExitLane};
use gardu::lane::ledger::BoothLedger;
use gardu::lane::{Connectivity, LaneContext, SequentialIds, SiteInfo, shift};
use gardu::secret::SiteSecret;
use gardu::store::sqlite::SqliteStore;
use gardu::store::switch::SwitchableStore;
use gardu::store::{Shift, Site, Store};

/// Monday 23 November 2026, 08:00 in Jakarta.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap()
}

/// Everything a booth's lanes share, kept alive for the test.
pub struct Booth {
    pub dir: tempfile::TempDir,
    pub sqlite: Arc<dyn Store>,
    pub store: Arc<SwitchableStore>,
    pub clock: Arc<ManualClock>,
    pub ids: Arc<SequentialIds>,
    pub connectivity: Connectivity,
    pub secret: SiteSecret,
}

impl Booth {
    pub fn new() -> Booth {
        let dir = tempfile::tempdir().unwrap();
        let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("data/gardu.db")).unwrap());
        sqlite.ensure_site(&site()).unwrap();
        Booth {
            store: Arc::new(SwitchableStore::new(sqlite.clone())),
            sqlite,
            dir,
            clock: Arc::new(ManualClock::new(start_time())),
            ids: Arc::new(SequentialIds::default()),
            connectivity: Connectivity::default(),
            secret: SiteSecret::from_bytes([42; 32]),
        }
    }

    pub fn journal(&self, booth: &str) -> Journal {
        Journal::new(self.dir.path().join("offline_data"), self.dir.path().join("Images"), booth)
    }

    pub fn ctx(&self, booth: &str) -> LaneContext {
        LaneContext {
            store: self.store.clone(),
            journal: self.journal(booth),
            clock: self.clock.clone(),
            ids: self.ids.clone(),
            secret: self.secret.clone(),
            site: SiteInfo {
                code: "JKT-MALL-01".into(),
                name: "Mall Kota".into(),
                tz: chrono_tz::Asia::Jakarta,
                capacity: Some(1_000),
                header_lines: vec![],
                footer_lines: vec![],
            },
            booth: booth.into(),
            language: Language::Indonesian,
            connectivity: self.connectivity.clone(),
            camera_timeout: Duration::from_millis(800),
            ledger: Arc::new(
                BoothLedger::open(&self.dir.path().join(format!("data/ledger-{booth}.db"))).unwrap(),
            ),
            simulated: false,
            emergency: Default::default(),
        }
    }

    pub fn camera(&self, booth: &str) -> Arc<SimulatedCamera> {
        let settings = PhotoSettings { max_width: 320, jpeg_quality: 60 };
        Arc::new(SimulatedCamera::new(
            booth,
            chrono_tz::Asia::Jakarta,
            settings,
            Duration::ZERO,
            Duration::from_millis(800),
            self.clock.clone(),
        ))
    }

    pub fn printer(&self) -> Arc<SimulatedPrinter> {
        Arc::new(SimulatedPrinter::new(Paper::Mm58, Duration::ZERO, self.clock.clone()))
    }

    /// An entry lane with simulated devices.
    pub fn entry_lane(&self) -> SimEntry {
        let printer = self.printer();
        let barrier = Arc::new(SimBarrier::start("entry-barrier", 0, None).unwrap());
        let camera = self.camera("IN1");
        let devices = EntryDevices {
            camera: camera.clone() as Arc<dyn Camera>,
            printer: printer.clone() as Arc<dyn Printer>,
            barrier: barrier.clone() as Arc<dyn Barrier>,
        };
        let mut lane = EntryLane::new(self.ctx("IN1"), devices, ClassCode::parse("MBL").unwrap());
        lane.set_operator(Some("guard1".into()));
        SimEntry { lane, printer, barrier, camera }
    }

    /// An entry lane at `IN1` with this camera and, if given, this plate reader.
    pub fn entry_lane_with(
        &self,
        camera: Arc<dyn Camera>,
        reader: Option<(Arc<dyn gardu::plate::PlateReader>, gardu::config::PlateConfig)>,
    ) -> EntryLane {
        let devices = EntryDevices {
            camera,
            printer: self.printer() as Arc<dyn Printer>,
            barrier: Arc::new(SimBarrier::start("entry-barrier", 0, None).unwrap()) as Arc<dyn Barrier>,
        };
        let mut lane = EntryLane::new(self.ctx("IN1"), devices, ClassCode::parse("MBL").unwrap());
        if let Some((reader, config)) = reader {
            lane = lane.with_plate_reader(reader, config);
        }
        lane.set_operator(Some("guard1".into()));
        lane
    }

    /// An exit lane at `OUT1` with this camera and, if given, this plate reader; the cashier
    /// `kasir1` has a shift open.
    pub fn exit_lane_with(
        &self,
        camera: Arc<dyn Camera>,
        reader: Option<(Arc<dyn gardu::plate::PlateReader>, gardu::config::PlateConfig)>,
    ) -> ExitLane {
        let devices = ExitDevices {
            camera,
            printer: self.printer() as Arc<dyn Printer>,
            barrier: Arc::new(SimBarrier::start("exit-barrier", 0, None).unwrap()) as Arc<dyn Barrier>,
        };
        let ctx = self.ctx("OUT1");
        let shift = shift::continuing_shift(&ctx, "kasir1")
            .unwrap_or_else(|| shift::open_shift(&ctx, "kasir1", gardu::domain::Rupiah(200_000)).unwrap().0);
        let mut lane = ExitLane::new(ctx, devices);
        if let Some((reader, config)) = reader {
            lane = lane.with_plate_reader(reader, config);
        }
        lane.set_operator(Some("kasir1".into()), "Siti".into(), Some(shift));
        lane
    }

    /// An exit lane with simulated devices and an open shift.
    pub fn exit_lane(&self) -> SimExit {
        let camera = self.camera("OUT1");
        self.exit_lane_photos_from(camera.clone(), camera)
    }

    /// An exit lane whose photos come from `photos` (`camera` stays the scene to set).
    pub fn exit_lane_photos_from(&self, photos: Arc<dyn Camera>, camera: Arc<SimulatedCamera>) -> SimExit {
        let printer = self.printer();
        let barrier = Arc::new(SimBarrier::start("exit-barrier", 0, None).unwrap());
        let devices = ExitDevices {
            camera: photos,
            printer: printer.clone() as Arc<dyn Printer>,
            barrier: barrier.clone() as Arc<dyn Barrier>,
        };
        let ctx = self.ctx("OUT1");
        let (shift, _) = shift::open_shift(&ctx, "kasir1", gardu::domain::Rupiah(200_000)).unwrap();
        let mut lane = ExitLane::new(ctx, devices);
        lane.set_operator(Some("kasir1".into()), "Siti".into(), Some(shift.clone()));
        SimExit { lane, printer, barrier, camera, shift }
    }
}

impl Booth {
    /// An entry lane at `IN2` whose devices are simulated: its records are marked simulated.
    pub fn entry_lane_simulated(&self) -> SimEntry {
        let printer = self.printer();
        let barrier = Arc::new(SimBarrier::start("sim-entry-barrier", 0, None).unwrap());
        let camera = self.camera("IN2");
        let devices = EntryDevices {
            camera: camera.clone() as Arc<dyn Camera>,
            printer: printer.clone() as Arc<dyn Printer>,
            barrier: barrier.clone() as Arc<dyn Barrier>,
        };
        let mut ctx = self.ctx("IN2");
        ctx.simulated = true;
        let mut lane = EntryLane::new(ctx, devices, ClassCode::parse("MBL").unwrap());
        lane.set_operator(Some("technician".into()));
        SimEntry { lane, printer, barrier, camera }
    }

    /// An exit lane at `booth` with `cashier` logged in, as after a (re)start: the cashier's
    /// open shift continues (from the database or this booth's ledger), or a new one is opened
    /// with Rp 200.000 in the drawer.
    pub fn exit_lane_at(&self, booth: &str, cashier: &str) -> SimExit {
        let printer = self.printer();
        let barrier = Arc::new(SimBarrier::start(&format!("{booth}-barrier"), 0, None).unwrap());
        let camera = self.camera(booth);
        let devices = ExitDevices {
            camera: camera.clone() as Arc<dyn Camera>,
            printer: printer.clone() as Arc<dyn Printer>,
            barrier: barrier.clone() as Arc<dyn Barrier>,
        };
        let ctx = self.ctx(booth);
        let shift = match shift::continuing_shift(&ctx, cashier) {
            Some(shift) => shift,
            None => shift::open_shift(&ctx, cashier, gardu::domain::Rupiah(200_000)).unwrap().0,
        };
        let mut lane = ExitLane::new(ctx, devices);
        lane.set_operator(Some(cashier.into()), cashier.into(), Some(shift.clone()));
        SimExit { lane, printer, barrier, camera, shift }
    }
}

pub struct SimEntry {
    pub lane: EntryLane,
    pub printer: Arc<SimulatedPrinter>,
    pub barrier: Arc<SimBarrier>,
    pub camera: Arc<SimulatedCamera>,
}

pub struct SimExit {
    pub lane: ExitLane,
    pub printer: Arc<SimulatedPrinter>,
    pub barrier: Arc<SimBarrier>,
    pub camera: Arc<SimulatedCamera>,
    pub shift: Shift,
}

pub fn site() -> Site {
    Site {
        code: "JKT-MALL-01".into(),
        name: "Mall Kota".into(),
        location: "Jl. Raya 1".into(),
        region: "DKI".into(),
        timezone: "Asia/Jakarta".into(),
        capacity: Some(1_000),
        receipt_header: String::new(),
        receipt_footer: String::new(),
    }
}

/// A camera that answers at once with the same tiny JPEG: for tests that check a photo was
/// kept, whatever the machine's load does to a drawn scene.
pub struct StillCamera;

impl Camera for StillCamera {
    fn capture(
        &self,
        _timeout: Duration,
    ) -> Result<gardu::devices::camera::Jpeg, gardu::devices::DeviceError> {
        let bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0xFF, 0xD9];
        Ok(gardu::devices::camera::Jpeg { bytes, width: 1, height: 1 })
    }

    fn preview(&self) -> Option<gardu::devices::camera::Jpeg> {
        None
    }

    fn status(&self) -> gardu::devices::DeviceStatus {
        gardu::devices::DeviceStatus::connecting("camera", "still")
    }
}
