//! The booth runtime built from the config: store (behind the outage switch), journal,
//! connection monitor, devices and the lane worker of the booth's mode. The console reads it;
//! everything that blocks runs on the threads it owns.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Receiver as OfferReceiver;
use std::time::Duration;

use chrono::Duration as Span;
use serde_json::json;

use crate::clock::Clock;
use crate::config::{Config, Mode};
use crate::devices::booth::BoothDevices;
use crate::devices::camera::SimulatedCamera;
use crate::devices::input::CardUid;
use crate::devices::printer::SimulatedPrinter;
use crate::devices::sim::{SimBarrier, SimController};
use crate::devices::{Barrier, DeviceStatus, Notify};
use crate::domain::ClassCode;
use crate::journal::Journal;
use crate::lane::emergency::booth::{Console, ConsoleError, Declared, pending_local};
use crate::lane::emergency::state::EmergencyState;
use crate::lane::emergency::watch::{EmergencyWatch, WatchSetup};
use crate::lane::entry::EntryDevices;
use crate::lane::exit::ExitDevices;
use crate::lane::heartbeat::{
    BoothReport, HEARTBEAT_INTERVAL, Heartbeat, HeartbeatSetup, HeartbeatState, device_faults,
};
use crate::lane::monitor::{DbStatus, OfferSync};
use crate::lane::storage::{DiskReading, DiskState, DiskWatch};
use crate::lane::worker::{EntryWorker, EntryWorkerSetup, ExitWorker, ExitWorkerSetup};
use crate::lane::{Connectivity, IdSource, LaneContext, Monitor, SiteInfo};
use crate::plate::PlateReader;
use crate::retention::job::{DailyPurge, DailyPurgeSetup};
use crate::secret::SiteSecret;
use crate::site::Context;
use crate::site::scheduled_backup::BackupSchedule;
use crate::store::switch::SwitchableStore;
use crate::store::{AuditRecord, Member, Store};

use super::inbox::{Inbox, InboxSender, Waker};
use super::task::Task;

/// Sample member cards the simulation seeds and its panel offers.
pub const SIM_MEMBER_CARD: u32 = 0x0010_0001;
/// A member card whose validity ended yesterday.
pub const SIM_EXPIRED_CARD: u32 = 0x0010_0002;
/// A card nobody registered.
pub const SIM_UNKNOWN_CARD: u32 = 0x00DE_AD01;

/// How the console starts.
#[derive(Clone)]
pub struct RuntimeOptions {
    /// Booth mode (from `--mode` or the config).
    pub mode: Mode,
    /// Simulated devices (from `--simulate` or the config).
    pub simulate: bool,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// New ids.
    pub ids: Arc<dyn IdSource>,
}

/// Why the booth could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// Database, secret or config. Transparent: `{:#}` then shows its causes once.
    #[error(transparent)]
    Setup(#[from] anyhow::Error),
    /// Devices.
    #[error("{0}")]
    Devices(String),
    /// A thread could not start.
    #[error("a worker thread could not start: {0}")]
    Thread(#[from] std::io::Error),
}

/// The lane worker of the booth's mode.
pub enum LaneWorker {
    /// ParkingIN.
    Entry(EntryWorker),
    /// ParkingOut.
    Exit(ExitWorker),
}

/// A booth's devices with the lane that drives them. Fields drop in order: the worker stops
/// before its devices.
pub struct LaneRuntime {
    worker: LaneWorker,
    devices: BoothDevices,
    simulated: bool,
}

impl LaneRuntime {
    /// The lane worker.
    pub fn worker(&self) -> &LaneWorker {
        &self.worker
    }

    /// The running devices.
    pub fn devices(&self) -> &BoothDevices {
        &self.devices
    }

    /// True when every device is simulated.
    pub fn simulated(&self) -> bool {
        self.simulated
    }
}

/// How often the booth cache copies tariffs, members, accounts and open entries.
const CACHE_REFRESH: Duration = Duration::from_secs(120);
/// How often the data folder's free disk space is looked at.
const DISK_CHECK: Duration = Duration::from_secs(30);
/// What an emergency declared or ended at this console did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmergencyOutcome {
    /// Declared for the whole site.
    Declared,
    /// Declared for this booth only: the database could not be reached.
    DeclaredLocal,
    /// Ended.
    Ended,
}

/// How often a booth asks the database for an emergency (SQLite; PostgreSQL also listens).
const EMERGENCY_POLL: Duration = Duration::from_millis(500);

/// Everything a booth runs; dropping it stops every thread.
pub struct BoothRuntime {
    lane: Option<LaneRuntime>,
    switching: Option<Inbox<Result<LaneRuntime, String>>>,
    switch_sender: Option<InboxSender<Result<LaneRuntime, String>>>,
    monitor: Monitor,
    offers: OfferReceiver<OfferSync>,
    switch: Arc<SwitchableStore>,
    local_store: Arc<dyn Store>,
    /// Keeps the booth cache fresh while online (PostgreSQL deployments).
    _cache_refresher: Option<crate::store::cache::Refresher>,
    /// Reports this booth to the admin's dashboard; runs across simulation switches.
    heartbeat: Heartbeat,
    /// Hears of a declared emergency and holds the barriers open.
    emergency_watch: EmergencyWatch,
    /// Free space on the data folder's disk.
    disk_watch: DiskWatch,
    /// Scheduled backups (`[backup]`), when this console takes them.
    _backups: Option<BackupSchedule>,
    /// Purges old photos and replayed journals once a day (and old rows at the admin booth).
    _retention: DailyPurge,
    lane_ctx: LaneContext,
    /// The plate reader, made once and shared by every lane this booth starts (its models
    /// load on the reader's thread); `None` when `[plate] enabled = false` or the build has none.
    plate_reader: Option<Arc<dyn PlateReader>>,
    config: Config,
    data_dir: PathBuf,
    config_file: PathBuf,
    mode: Mode,
    simulate: bool,
    waker: Waker,
}

impl BoothRuntime {
    /// Opens the store, starts the monitor, the devices and the lane of `options.mode`.
    pub fn start(
        ctx: &Context,
        options: RuntimeOptions,
        waker: &Waker,
    ) -> Result<BoothRuntime, RuntimeError> {
        let mut config = ctx.config.clone();
        // PostgreSQL deployments get the booth cache in front: the booth starts and logs
        // operators in from it while the server is down.
        let booth_store = ctx.open_booth_store()?;
        // The site record the admin edits is the reference; config.toml seeds it and stands in
        // when the database cannot say.
        match booth_store.store.site(&config.site.code) {
            Ok(Some(site)) => apply_site(&mut config, &site),
            Ok(None) => {}
            Err(err) => tracing::warn!("site settings from config.toml: the database did not answer ({err})"),
        }
        let cache_refresher = match &booth_store.cache {
            Some(cache) => Some(cache.start_refresher(CACHE_REFRESH)?),
            None => None,
        };
        let local_store = booth_store.store;
        let switch = Arc::new(SwitchableStore::new(local_store.clone()));
        let store: Arc<dyn Store> = switch.clone();
        let journal = Journal::new(
            ctx.path(&config.journal.dir),
            ctx.path(&config.journal.images_dir),
            config.booth.code.clone(),
        );
        let secret: SiteSecret = ctx.secret(local_store.as_ref())?;
        let notify = waker.notify();
        let connectivity = Connectivity::default();
        let (monitor, offers) = Monitor::start(
            store.clone(),
            journal.clone(),
            options.clock.clone(),
            connectivity.clone(),
            Duration::from_secs(config.monitor.interval_s),
            indicator_notify(connectivity, notify.clone()),
        )?;
        let lane_ctx = LaneContext {
            store,
            journal,
            clock: options.clock.clone(),
            ids: options.ids.clone(),
            secret,
            site: SiteInfo {
                code: config.site.code.clone(),
                name: config.site.name.clone(),
                tz: config.timezone(),
                capacity: config.site.capacity,
                header_lines: config.devices.printer.header_lines.clone(),
                footer_lines: config.devices.printer.footer_lines.clone(),
            },
            booth: config.booth.code.clone(),
            language: config.ui.language,
            connectivity: monitor.connectivity().clone(),
            camera_timeout: config.devices.camera.timeout(),
            ledger: Arc::new(ctx.open_ledger()?),
            simulated: options.simulate,
            emergency: EmergencyState::default(),
        };
        if options.simulate {
            seed_simulation(local_store.as_ref(), &lane_ctx);
        }
        // Restarted during a local emergency: the barriers open again as the lanes start.
        lane_ctx.emergency.set_local(pending_local(&lane_ctx.journal, &config.booth.code));
        let emergency = lane_ctx.emergency.clone();
        let disk_watch =
            DiskWatch::start(ctx.data_dir.clone(), config.storage.clone(), DISK_CHECK, notify.clone())?;
        let plate_reader = match options.mode {
            Mode::Admin | Mode::Hq => None,
            Mode::Entry | Mode::Exit => {
                crate::plate::reader_from_config(&config.plate, &config.devices.camera)
            }
        };
        let lane = match options.mode {
            Mode::Admin | Mode::Hq => None,
            mode => Some(start_lane(
                &config,
                &lane_ctx,
                (mode, options.simulate),
                plate_reader.clone(),
                (&emergency, disk_watch.state()),
                notify.clone(),
            )?),
        };
        let heartbeat = Heartbeat::start(
            HeartbeatSetup {
                store: lane_ctx.store.clone(),
                journal: lane_ctx.journal.clone(),
                clock: options.clock.clone(),
                site: config.site.code.clone(),
                booth: config.booth.code.clone(),
                interval: HEARTBEAT_INTERVAL,
            },
            HeartbeatState::new(BoothReport {
                mode: options.mode.to_string(),
                operator: None,
                simulated: options.simulate,
                faults: lane.as_ref().map(|lane| device_faults(&lane.devices.statuses())).unwrap_or_default(),
            }),
        )?;
        let heartbeat_state = heartbeat.state().clone();
        let emergency_watch = EmergencyWatch::start(
            WatchSetup {
                store: lane_ctx.store.clone(),
                location: config
                    .database_location(&ctx.data_dir)
                    .map_err(|err| RuntimeError::Setup(err.into()))?,
                site: config.site.code.clone(),
                booth: config.booth.code.clone(),
                operator: Arc::new(move || heartbeat_state.report().operator),
                clock: options.clock.clone(),
                poll_interval: EMERGENCY_POLL,
                notify: notify.clone(),
            },
            emergency,
        )?;
        // SQLite lives on this PC: its consoles take the backups (taking turns). A PostgreSQL
        // server is dumped by the admin console only, not by every booth.
        let backups = match (config.database_location(&ctx.data_dir), options.mode) {
            (Ok(crate::config::DatabaseLocation::Postgres(_)), mode) if !mode.is_admin() => None,
            _ => {
                let mut backup_ctx = ctx.clone();
                backup_ctx.config = config.clone();
                BackupSchedule::start(
                    backup_ctx,
                    local_store.clone(),
                    options.clock.clone(),
                    config.booth.code.clone(),
                )?
            }
        };
        let retention = DailyPurge::start(DailyPurgeSetup {
            journal: lane_ctx.journal.clone(),
            store: lane_ctx.store.clone(),
            clock: options.clock.clone(),
            retention: config.retention.clone(),
            synced_journals: config.synced_journals_keep(),
            site: config.site.code.clone(),
            booth: config.booth.code.clone(),
            rows: options.mode == Mode::Admin,
        })?;
        let (switch_sender, switching) = Inbox::new(1, waker);
        Ok(BoothRuntime {
            _backups: backups,
            emergency_watch,
            disk_watch,
            _retention: retention,
            lane,
            switching: Some(switching),
            switch_sender: Some(switch_sender),
            monitor,
            offers,
            switch,
            local_store,
            _cache_refresher: cache_refresher,
            heartbeat,
            lane_ctx,
            plate_reader,
            config,
            data_dir: ctx.data_dir.clone(),
            config_file: ctx.config_file.clone().unwrap_or_else(|| ctx.data_dir.join("config.toml")),
            mode: options.mode,
            simulate: options.simulate,
            waker: waker.clone(),
        })
    }

    /// The site's emergency as this booth knows it (the red banner).
    pub fn emergency(&self) -> Option<crate::store::Emergency> {
        self.emergency_watch.state().active()
    }

    /// Declares (`reason`) or ends (`None`) an emergency here, as the admin `username` who
    /// re-entered `password`, on a background thread. A booth cut off from the database
    /// declares a local one (journaled); the admin console cannot.
    pub fn emergency_task(
        &self,
        waker: &Waker,
        username: String,
        password: String,
        reason: Option<String>,
    ) -> Task<Result<EmergencyOutcome, ConsoleError>> {
        let (store, offline_login) = (self.store(), self.offline_login_store());
        let (journal, state, clock) =
            (self.lane_ctx.journal.clone(), self.lane_ctx.emergency.clone(), self.lane_ctx.clock.clone());
        let (site, booth) = (self.config.site.code.clone(), self.config.booth.code.clone());
        let allow_local = !self.mode.is_admin();
        let connectivity = self.connectivity().clone();
        Task::spawn("emergency", waker, move || {
            let console = Console {
                store: store.as_ref(),
                offline_login: offline_login.as_ref(),
                allow_local,
                journal: &journal,
                state: &state,
                clock: clock.as_ref(),
                site: &site,
                booth: &booth,
            };
            let outcome = match reason {
                Some(reason) => {
                    console.declare(&username, &password, &reason, uuid::Uuid::new_v4()).map(|d| match d {
                        Declared::Site(_) => EmergencyOutcome::Declared,
                        Declared::Local(_) => EmergencyOutcome::DeclaredLocal,
                    })
                }
                None => console.end(&username, &password).map(|_| EmergencyOutcome::Ended),
            };
            if matches!(outcome, Ok(EmergencyOutcome::DeclaredLocal)) {
                connectivity.request_check();
            }
            outcome
        })
    }

    /// True while only this booth's local emergency holds its barriers (declared while the
    /// database could not be reached).
    pub fn emergency_local_only(&self) -> bool {
        self.emergency_watch.state().local_only()
    }

    /// The data folder's free disk space, when it is low (the disk banner).
    pub fn disk(&self) -> Option<DiskReading> {
        self.disk_watch.state().reading()
    }

    /// The booth mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The data folder.
    pub fn data_dir(&self) -> &PathBuf {
        &self.data_dir
    }

    /// The config file read at start, or where one would be made (`config.toml` in the data
    /// folder) when the booth runs on the defaults.
    pub fn config_file(&self) -> &PathBuf {
        &self.config_file
    }

    /// True while the booth runs on simulated devices (the SIMULATION banner).
    pub fn simulated(&self) -> bool {
        self.simulate
    }

    /// The lane and its devices; `None` in admin mode and while switching simulation.
    pub fn lane(&self) -> Option<&LaneRuntime> {
        self.lane.as_ref()
    }

    /// True while devices are being restarted for a simulation switch.
    pub fn switching(&self) -> bool {
        self.lane.is_none() && !self.mode.is_admin()
    }

    /// The store the lanes and screens use (behind the outage switch).
    pub fn store(&self) -> Arc<dyn Store> {
        self.lane_ctx.store.clone()
    }

    /// The store to log in against when the database is down: the booth's local copy. With
    /// SQLite that is the database file itself.
    pub fn offline_login_store(&self) -> Arc<dyn Store> {
        self.local_store.clone()
    }

    /// The lane context (site, booth, clock, journal, connectivity).
    pub fn lane_context(&self) -> &LaneContext {
        &self.lane_ctx
    }

    /// The offline journal.
    pub fn journal(&self) -> &Journal {
        &self.lane_ctx.journal
    }

    /// Online/offline and the indicator's state.
    pub fn connectivity(&self) -> &Connectivity {
        self.monitor.connectivity()
    }

    /// Time.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.lane_ctx.clock
    }

    /// The next "database is back with records waiting" cue, if one arrived.
    pub fn take_offer(&self) -> Option<OfferSync> {
        self.offers.try_iter().last()
    }

    /// One status per device.
    pub fn device_statuses(&self) -> Vec<DeviceStatus> {
        self.lane.as_ref().map(|lane| lane.devices.statuses()).unwrap_or_default()
    }

    /// Who is logged in at this booth (`None` after logout): reported to the admin at once.
    pub fn set_operator(&self, username: Option<String>) {
        self.heartbeat.state().set_operator(username);
    }

    /// The booth's heartbeat state (what it reports to the admin's dashboard).
    pub fn heartbeat(&self) -> &HeartbeatState {
        self.heartbeat.state()
    }

    /// Simulates the database going away (true) or coming back (false); checks at once.
    pub fn set_database_down(&self, down: bool) {
        self.switch.set_down(down);
        self.connectivity().request_check();
    }

    /// True while the simulated outage lasts.
    pub fn database_down(&self) -> bool {
        self.switch.is_down()
    }

    /// Switches a live booth to simulated devices or back (audited as `simulation_on/off`).
    /// The devices restart on a background thread; [`BoothRuntime::poll`] picks them up.
    pub fn set_simulation(&mut self, on: bool, by: &str) {
        if on == self.simulate || self.mode.is_admin() {
            return;
        }
        let action = if on { "simulation_on" } else { "simulation_off" };
        let record = AuditRecord {
            time: self.lane_ctx.clock.now(),
            site: self.lane_ctx.site.code.clone(),
            booth: self.lane_ctx.booth.clone(),
            username: Some(by.to_string()),
            action: action.to_string(),
            detail: json!({ "mode": self.mode.to_string() }),
        };
        if let Err(err) = self.lane_ctx.recorder().audit(&record, None) {
            tracing::error!("{action} not audited: {err}");
        }
        tracing::info!(by, on, "simulation switched");
        self.simulate = on;
        self.lane_ctx.simulated = on;
        self.heartbeat.state().set_simulated(on);
        if on {
            seed_simulation(self.local_store.as_ref(), &self.lane_ctx);
        }
        let old = self.lane.take();
        let Some(sender) = self.switch_sender.clone() else { return };
        let (config, ctx, mode, notify) =
            (self.config.clone(), self.lane_ctx.clone(), self.mode, self.waker.notify());
        let reader = self.plate_reader.clone();
        let emergency = self.emergency_watch.state().clone();
        let disk = self.disk_watch.state().clone();
        let spawned = std::thread::Builder::new().name("simulation-switch".into()).spawn(move || {
            drop(old);
            let started = start_lane(&config, &ctx, (mode, on), reader, (&emergency, &disk), notify);
            let _ = sender.send(started.map_err(|err| err.to_string()));
        });
        if let Err(err) = spawned {
            tracing::error!("the devices could not be restarted: {err}");
        }
    }

    /// Picks up devices restarted by a simulation switch, and hands the devices' faults to
    /// the heartbeat (a device that changes wakes the console, so this runs then). Returns an
    /// error to show, if any.
    pub fn poll(&mut self) -> Option<String> {
        let mut faults =
            self.lane.as_ref().map(|lane| device_faults(&lane.devices.statuses())).unwrap_or_default();
        faults.extend(self.disk().and_then(|reading| reading.fault()));
        self.heartbeat.state().set_faults(faults);
        let result = self.switching.as_ref()?.drain().next()?;
        match result {
            Ok(lane) => {
                self.lane = Some(lane);
                None
            }
            Err(err) => Some(err),
        }
    }

    /// The simulated controller (loop, button), when simulated.
    pub fn sim_controller(&self) -> Option<&SimController> {
        self.lane.as_ref()?.devices.simulated_controller()
    }

    /// The simulated card reader, when simulated.
    pub fn sim_reader(&self) -> Option<&SimController> {
        self.lane.as_ref()?.devices.simulated_reader()
    }

    /// The simulated scanner, when simulated.
    pub fn sim_scanner(&self) -> Option<&SimController> {
        self.lane.as_ref()?.devices.simulated_scanner()
    }

    /// The simulated barrier, when simulated.
    pub fn sim_barrier(&self) -> Option<&SimBarrier> {
        self.lane.as_ref()?.devices.simulated_barrier()
    }

    /// The simulated printer, when simulated.
    pub fn sim_printer(&self) -> Option<&Arc<SimulatedPrinter>> {
        self.lane.as_ref()?.devices.simulated_printer()
    }

    /// The simulated camera, when simulated.
    pub fn sim_camera(&self) -> Option<&Arc<SimulatedCamera>> {
        self.lane.as_ref()?.devices.simulated_camera()
    }

    /// The barrier, for its position.
    pub fn barrier(&self) -> Option<Arc<dyn Barrier>> {
        Some(self.lane.as_ref()?.devices.barrier())
    }

    /// The entry worker, in entry mode.
    pub fn entry(&self) -> Option<&EntryWorker> {
        match &self.lane.as_ref()?.worker {
            LaneWorker::Entry(worker) => Some(worker),
            LaneWorker::Exit(_) => None,
        }
    }

    /// The exit worker, in exit mode.
    pub fn exit(&self) -> Option<&ExitWorker> {
        match &self.lane.as_ref()?.worker {
            LaneWorker::Exit(worker) => Some(worker),
            LaneWorker::Entry(_) => None,
        }
    }
}

impl Drop for BoothRuntime {
    fn drop(&mut self) {
        // The lane (and its devices) stop before the monitor and the store.
        self.lane.take();
        self.switch_sender.take();
    }
}

fn start_lane(
    config: &Config,
    ctx: &LaneContext,
    (mode, simulate): (Mode, bool),
    plate_reader: Option<Arc<dyn PlateReader>>,
    (emergency, disk): (&EmergencyState, &DiskState),
    notify: Notify,
) -> Result<LaneRuntime, RuntimeError> {
    let devices = BoothDevices::start(
        &config.devices,
        &config.booth.code,
        config.timezone(),
        simulate,
        ctx.clock.clone(),
        Some(notify.clone()),
    )
    .map_err(|err| RuntimeError::Devices(err.to_string()))?;
    let paper = config.devices.printer.paper;
    let preview_interval = match config.devices.camera.preview_interval_ms {
        0 => None,
        ms => Some(Duration::from_millis(ms)),
    };
    if let (Some(_), Some(camera)) = (&plate_reader, devices.simulated_camera()) {
        // Simulated cars come in varied looks (night, blur, tilt, distance, old plates) so the
        // reader is exercised; a booth gets the same looks in the same order every start.
        let seed =
            config.booth.code.bytes().fold(17u64, |acc, b| acc.wrapping_mul(31).wrapping_add(u64::from(b)));
        camera.set_variety(Some(seed));
    }
    let plate_reader = plate_reader.map(|reader| (reader, config.plate.clone()));
    let worker = match mode {
        Mode::Exit => LaneWorker::Exit(ExitWorker::start(ExitWorkerSetup {
            ctx: ctx.clone(),
            devices: ExitDevices {
                camera: disk.keep_photos(devices.camera()),
                printer: devices.printer(),
                barrier: emergency.hold_open(devices.barrier()),
            },
            events: devices.events().clone(),
            paper,
            preview_interval,
            notify,
            plate_reader,
        })?),
        Mode::Entry | Mode::Admin | Mode::Hq => LaneWorker::Entry(EntryWorker::start(EntryWorkerSetup {
            ctx: ctx.clone(),
            devices: EntryDevices {
                camera: disk.keep_photos(devices.camera()),
                printer: devices.printer(),
                barrier: emergency.hold_open(devices.barrier()),
            },
            default_class: ClassCode::parse("MBL").map_err(|err| RuntimeError::Devices(err.to_string()))?,
            events: devices.events().clone(),
            paper,
            preview_interval,
            notify,
            plate_reader,
        })?),
    };
    Ok(LaneRuntime { worker, devices, simulated: simulate })
}

/// Wakes the screen only when the indicator would read differently: every check stamps a new
/// time, and an idle booth should not repaint for that.
fn indicator_notify(connectivity: Connectivity, notify: Notify) -> Notify {
    let shown = std::sync::Mutex::new(None);
    Arc::new(move || {
        let snapshot = connectivity.snapshot();
        let key = match &snapshot.status {
            DbStatus::Checking => (0, 0, snapshot.pending),
            DbStatus::Connected { round_trip_ms, .. } => (1, *round_trip_ms as i64, snapshot.pending),
            DbStatus::Disconnected { since, .. } => (2, since.timestamp(), snapshot.pending),
        };
        let mut shown = shown.lock().unwrap_or_else(|p| p.into_inner());
        if *shown != Some(key) {
            *shown = Some(key);
            notify();
        }
    })
}

/// The sample member cards of the simulation: one valid for a year, one expired yesterday.
fn seed_simulation(store: &dyn Store, ctx: &LaneContext) {
    let today = ctx.clock.now().with_timezone(&ctx.site.tz).date_naive();
    let Ok(car) = ClassCode::parse("MBL") else { return };
    let members = [
        (SIM_MEMBER_CARD, "Budi Santoso (member)", "B 1234 SIM", today + Span::days(365)),
        (SIM_EXPIRED_CARD, "Sari Wulandari (expired)", "B 5678 SIM", today - Span::days(1)),
    ];
    for (card, name, plate, valid_until) in members {
        let member = Member {
            card_uid: CardUid::from_u32(card).to_string(),
            name: name.to_string(),
            plate: Some(plate.to_string()),
            class: car.clone(),
            valid_until,
            active: true,
            // Valid for simulated readers only: a real reader presenting it gets "unknown card".
            simulated: true,
        };
        if let Err(err) = store.save_member(&member) {
            tracing::warn!("simulation member {name} not saved: {err}");
        }
    }
}

/// Takes the site settings saved by the admin over config.toml: name, address, region, time
/// zone (when known), capacity, and the receipt texts when they are set.
fn apply_site(config: &mut Config, site: &crate::store::Site) {
    config.site.name = site.name.clone();
    config.site.location = site.location.clone();
    config.site.region = site.region.clone();
    config.site.capacity = site.capacity;
    if site.timezone.parse::<chrono_tz::Tz>().is_ok() {
        config.site.timezone = site.timezone.clone();
    } else {
        tracing::warn!(
            "the saved time zone {:?} is unknown: keeping {}",
            site.timezone,
            config.site.timezone
        );
    }
    let lines = |text: &str| text.lines().map(str::to_string).collect::<Vec<_>>();
    if !site.receipt_header.trim().is_empty() {
        config.devices.printer.header_lines = lines(&site.receipt_header);
    }
    if !site.receipt_footer.trim().is_empty() {
        config.devices.printer.footer_lines = lines(&site.receipt_footer);
    }
}
