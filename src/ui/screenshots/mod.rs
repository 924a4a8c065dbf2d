//! `gardu screenshots --out docs/screenshots` (hidden): opens the real console on a scratch
//! data folder in simulation, drives it with key presses and the simulation controls through
//! every screen, and saves each as PNG at 1366×768 (a booth PC's common monitor). Run it under
//! Xvfb on a machine without a display.

mod alerts;
mod books;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{TimeZone, Utc};
use crossbeam_channel::Receiver;
use egui::{ColorImage, Event, Key, Modifiers};

use super::admin::Page;
use super::inbox::Waker;
use super::{BoothRuntime, ConsoleApp, RuntimeOptions, native_options};
use crate::auth::{self, AuditContext, Hasher, NewUser};
use crate::clock::{Clock, ManualClock};
use crate::config::{Config, Mode};
use crate::devices::input::CardUid;
use crate::lane::RandomIds;
use crate::lane::entry::EntryPhase;
use crate::lane::monitor::DbStatus;
use crate::lane::worker::ExitView;
use crate::site::Context;
use crate::site::seed::{SeedArgs, seed};
use crate::store::{EntryLookup, Role};

/// The password of the tour's operators.
const PASSWORD: &str = "rahasia-123";
/// The window the tour renders in: a booth PC's 1366×768 monitor.
const TOUR_SIZE: [f32; 2] = [1366.0, 768.0];
/// The longest wait for the console to reach a state.
const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// Arguments of `gardu screenshots`.
#[derive(Debug, clap::Args)]
pub struct ScreenshotArgs {
    /// Folder for the PNG files.
    #[arg(long, default_value = "docs/screenshots")]
    pub out: PathBuf,
}

type Check = Box<dyn Fn(&ConsoleApp) -> bool>;
type Action = Box<dyn FnOnce(&mut ConsoleApp, &ManualClock)>;

enum Step {
    /// A fresh console of this mode and booth on the shared data folder.
    Open(Mode, &'static str),
    /// Operators (and today's past visits) in the database.
    Seed,
    /// A duplicate exit, a revised shift and a forced close (see [`books`]).
    Books,
    /// Fraud at a staffed entry and exit, written by the real lanes (see [`alerts`]).
    Alerts,
    /// Two more sites' visits and heartbeats, as HQ's database holds them.
    Sites,
    /// Something the simulation panel or the menu does.
    Do(Action),
    /// Key presses and typing.
    Input(Vec<Event>),
    /// Wait until the console shows this.
    Until(&'static str, Check),
    /// Let animations settle.
    Pause(Duration),
    /// Save the window.
    Shot(&'static str),
}

/// Runs the tour in a window and saves the screenshots.
pub fn run(args: ScreenshotArgs, _ctx: &Context) -> anyhow::Result<ExitCode> {
    let scratch = std::env::temp_dir().join(format!("gardu-screenshots-{}", std::process::id()));
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut config = Config::zero();
    config.site.code = "JKT-MALL-01".into();
    config.site.name = "Mall Kota Kasablanka".into();
    config.site.capacity = Some(350);
    config.devices.printer.print_ms = 150;
    let base = Context { data_dir: scratch.clone(), config_file: None, config };
    // 08:05 in Jakarta.
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 1, 5, 0).single().context("start time")?;
    let clock = Arc::new(ManualClock::new(start));
    let tour = Tour {
        base,
        clock,
        out: args.out.clone(),
        app: None,
        steps: script().into(),
        events: Vec::new(),
        waiting: None,
        sleep_until: None,
        shot: None,
        saved: Vec::new(),
        failures: Vec::new(),
        finished: false,
    };
    let mut options = native_options("Gardu", false);
    // The tour shows what a booth PC's common monitor shows.
    options.viewport = options.viewport.with_inner_size(TOUR_SIZE);
    let result = eframe::run_native("gardu-screenshots", options, Box::new(move |_cc| Ok(Box::new(tour))));
    let _ = std::fs::remove_dir_all(&scratch);
    result.map_err(|err| anyhow::anyhow!("the window could not open: {err}"))?;
    let listing = std::fs::read_dir(&args.out)?.count();
    println!("{listing} files in {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

struct Tour {
    base: Context,
    clock: Arc<ManualClock>,
    out: PathBuf,
    app: Option<ConsoleApp>,
    steps: VecDeque<Step>,
    events: Vec<Event>,
    waiting: Option<(&'static str, Check, Instant)>,
    sleep_until: Option<Instant>,
    shot: Option<(&'static str, Receiver<Arc<ColorImage>>)>,
    saved: Vec<String>,
    failures: Vec<String>,
    finished: bool,
}

impl Tour {
    fn advance(&mut self, ctx: &egui::Context) {
        if let Some((name, images)) = &self.shot {
            if let Ok(image) = images.try_recv() {
                match save_png(&self.out.join(format!("{name}.png")), &image) {
                    Ok(()) => self.saved.push(name.to_string()),
                    Err(err) => self.failures.push(format!("{name}: {err:#}")),
                }
                self.shot = None;
            }
            return;
        }
        if self.sleep_until.is_some_and(|until| Instant::now() < until) {
            return;
        }
        self.sleep_until = None;
        if let Some((what, check, deadline)) = &self.waiting {
            let done = self.app.as_ref().is_some_and(check);
            if !done && Instant::now() < *deadline {
                return;
            }
            if !done {
                self.failures.push(format!("timed out waiting for {what}"));
            }
            self.waiting = None;
        }
        let Some(step) = self.steps.pop_front() else {
            if std::mem::replace(&mut self.finished, true) {
                return;
            }
            for failure in &self.failures {
                eprintln!("screenshots: {failure}");
            }
            println!("screenshots: saved {}", self.saved.join(", "));
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        };
        match step {
            Step::Open(mode, booth) => {
                self.app = None;
                match self.open(mode, booth) {
                    Ok(app) => {
                        ctx.send_viewport_cmd(egui::ViewportCommand::Title(app.title()));
                        self.app = Some(app);
                    }
                    Err(err) => self.failures.push(format!("{mode} console: {err:#}")),
                }
            }
            Step::Seed => {
                if let Err(err) = self.seed() {
                    self.failures.push(format!("seeding: {err:#}"));
                }
            }
            Step::Books => {
                if let Err(err) = books::books_records(&self.base, &self.clock) {
                    self.failures.push(format!("the books' records: {err:#}"));
                }
            }
            Step::Alerts => {
                if let Err(err) = alerts::alert_records(&self.base, &self.clock) {
                    self.failures.push(format!("the fraud alerts' records: {err:#}"));
                }
            }
            Step::Sites => {
                if let Err(err) = self.seed_sites() {
                    self.failures.push(format!("the other sites: {err:#}"));
                }
            }
            Step::Do(action) => {
                if let Some(app) = &mut self.app {
                    action(app, &self.clock);
                }
            }
            Step::Input(events) => self.events.extend(events),
            Step::Until(what, check) => self.waiting = Some((what, check, Instant::now() + STEP_TIMEOUT)),
            Step::Pause(duration) => self.sleep_until = Some(Instant::now() + duration),
            Step::Shot(name) => {
                let (sender, images) = crossbeam_channel::bounded(1);
                let waker = ctx.clone();
                ctx.request_screenshot(move |image| {
                    let _ = sender.send(image);
                    waker.request_repaint();
                });
                self.shot = Some((name, images));
            }
        }
    }

    fn open(&self, mode: Mode, booth: &str) -> anyhow::Result<ConsoleApp> {
        let mut ctx = self.base.clone();
        ctx.config.booth.code = booth.to_string();
        ctx.config.booth.code_configured = true;
        ctx.config.booth.mode = mode;
        let waker = Waker::new();
        let options =
            RuntimeOptions { mode, simulate: true, clock: self.clock.clone(), ids: Arc::new(RandomIds) };
        let runtime = BoothRuntime::start(&ctx, options, &waker)?;
        Ok(ConsoleApp::new(runtime, waker))
    }

    fn seed(&self) -> anyhow::Result<()> {
        let store = self.base.open_store()?;
        let audit = AuditContext { site: self.base.config.site.code.clone(), booth: "admin".into() };
        for (username, full_name, role) in [
            ("admin", "Dewi Lestari", Role::Admin),
            ("siti", "Siti Rahma", Role::Guard),
            ("budi", "Budi Hartono", Role::Cashier),
            ("teknisi", "Agus Teknisi", Role::Technician),
        ] {
            let new = NewUser { username, full_name, role, password: PASSWORD };
            auth::create_user(
                store.as_ref(),
                self.clock.as_ref(),
                &Hasher::for_tests(),
                &audit,
                &new,
                "setup",
            )?;
        }
        let args = SeedArgs { visits: 160, days: 1, seed: 11 };
        seed(
            store.as_ref(),
            &self.base.secret(store.as_ref())?,
            &self.base.config.site.code,
            &args,
            self.clock.now(),
        )?;
        Ok(())
    }

    /// Two sites beside the tour's own, with a day of visits and their booths' heartbeats (one
    /// booth silent), for the HQ console's overview.
    fn seed_sites(&self) -> anyhow::Result<()> {
        let store = self.base.open_store()?;
        let secret = self.base.secret(store.as_ref())?;
        let now = self.clock.now();
        for (n, (code, name, capacity)) in
            [("SBY-MALL-03", "Mall Tunjungan", Some(400)), ("BDG-RS-02", "RS Hasan Bandung", Some(150))]
                .into_iter()
                .enumerate()
        {
            let site = crate::store::Site {
                code: code.into(),
                name: name.into(),
                location: String::new(),
                region: String::new(),
                timezone: "Asia/Jakarta".into(),
                capacity,
                receipt_header: String::new(),
                receipt_footer: String::new(),
            };
            store.ensure_site(&site)?;
            let args = SeedArgs { visits: 220 - 80 * n as u64, days: 1, seed: 21 + n as u64 };
            seed(store.as_ref(), &secret, code, &args, now)?;
            for (booth, mode, seen_s) in
                [("IN1", "entry", 8), ("OUT1", "exit", if n == 1 { 420 } else { 12 })]
            {
                store.save_booth_status(&crate::store::BoothStatus {
                    site: code.into(),
                    booth: booth.into(),
                    mode: mode.into(),
                    operator: None,
                    seen_at: now - chrono::Duration::seconds(seen_s),
                    simulated: false,
                    journal_waiting: 0,
                    journal_rejected: 0,
                    faults: Vec::new(),
                    version: env!("CARGO_PKG_VERSION").into(),
                })?;
            }
        }
        Ok(())
    }
}

impl eframe::App for Tour {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.advance(&ctx);
        match &mut self.app {
            Some(app) => app.console_ui(ui),
            None => {
                ui.label("…");
            }
        }
        ctx.request_repaint_after(Duration::from_millis(40));
    }

    fn raw_input_hook(&mut self, _ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        raw_input.events.append(&mut self.events);
    }
}

fn save_png(path: &Path, image: &ColorImage) -> anyhow::Result<()> {
    let [width, height] = image.size;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|p| [p.r(), p.g(), p.b()]).collect();
    let rgb = image::RgbImage::from_raw(width as u32, height as u32, bytes).context("screenshot size")?;
    rgb.save(path).with_context(|| format!("writing {}", path.display()))
}

/// A key pressed and released, as the console receives it (the screenshot tour and the
/// console bench type with it).
pub(super) fn key(key: Key) -> Vec<Event> {
    [true, false]
        .into_iter()
        .map(|pressed| Event::Key {
            key,
            physical_key: None,
            pressed,
            repeat: false,
            modifiers: Modifiers::NONE,
        })
        .collect()
}

fn typed(text: &str) -> Event {
    Event::Text(text.to_string())
}

fn login(username: &str) -> Vec<Step> {
    vec![
        Step::Until("the login screen", Box::new(|app: &ConsoleApp| app.is_on_login())),
        Step::Pause(Duration::from_millis(300)),
        Step::Input(vec![typed(username)]),
        Step::Pause(Duration::from_millis(150)),
        Step::Input(key(Key::Tab)),
        Step::Pause(Duration::from_millis(150)),
        Step::Input(vec![typed(PASSWORD)]),
        Step::Pause(Duration::from_millis(200)),
        Step::Input(key(Key::Enter)),
        Step::Until("the working screen", Box::new(|app: &ConsoleApp| app.is_working())),
    ]
}

fn entry_phase(app: &ConsoleApp, test: impl Fn(&EntryPhase) -> bool) -> bool {
    app.runtime().entry().is_some_and(|w| {
        let s = w.snapshot();
        s.stage.is_none() && test(&s.phase)
    })
}

fn exit_view(app: &ConsoleApp, test: impl Fn(&ExitView) -> bool) -> bool {
    app.runtime().exit().is_some_and(|w| {
        let s = w.snapshot();
        s.stage.is_none() && test(&s.view)
    })
}

fn vehicle(plate: &'static str) -> Vec<Step> {
    let mut steps = vec![
        Step::Do(Box::new(move |app, _| {
            let runtime = app.runtime();
            if let Some(camera) = runtime.sim_camera() {
                camera.set_vehicle(Some(plate.to_string()));
            }
            if let Some(controller) = runtime.sim_controller() {
                let _ = controller.vehicle_arrives();
            }
        })),
        Step::Until(
            "the vehicle on the loop",
            Box::new(|app| entry_phase(app, |p| *p == EntryPhase::VehicleWaiting)),
        ),
        Step::Input(vec![typed(plate)]),
    ];
    steps.push(Step::Pause(Duration::from_millis(150)));
    steps.push(Step::Input(key(Key::F2)));
    steps.push(Step::Until(
        "the ticket",
        Box::new(|app| entry_phase(app, |p| matches!(p, EntryPhase::VehiclePassing { .. }))),
    ));
    steps
}

fn leave() -> Step {
    Step::Do(Box::new(|app, clock| {
        if let Some(controller) = app.runtime().sim_controller() {
            let _ = controller.vehicle_leaves();
        }
        clock.advance(chrono::Duration::minutes(3));
    }))
}

fn script() -> Vec<Step> {
    let mut steps = vec![Step::Open(Mode::Entry, "IN1"), Step::Pause(Duration::from_millis(800))];
    steps.push(Step::Input(vec![typed("Dewi Lestari")]));
    steps.push(Step::Pause(Duration::from_millis(300)));
    steps.push(Step::Shot("01-first-run"));
    steps.push(Step::Seed);
    steps.push(Step::Open(Mode::Entry, "IN1"));
    steps.push(Step::Until("the login screen", Box::new(|app: &ConsoleApp| app.is_on_login())));
    steps.push(Step::Pause(Duration::from_millis(300)));
    steps.push(Step::Input(vec![typed("siti")]));
    steps.push(Step::Pause(Duration::from_millis(300)));
    steps.push(Step::Shot("02-login"));
    steps.push(Step::Input(key(Key::Tab)));
    steps.push(Step::Input(vec![typed(PASSWORD)]));
    steps.push(Step::Pause(Duration::from_millis(200)));
    steps.push(Step::Input(key(Key::Enter)));
    steps.push(Step::Until("the working screen", Box::new(|app: &ConsoleApp| app.is_working())));
    for plate in ["B 1821 KJA", "B 4410 TRX", "D 1290 ABC"] {
        steps.extend(vehicle(plate));
        steps.push(leave());
        steps.push(Step::Until(
            "the lane ready",
            Box::new(|app| entry_phase(app, |p| *p == EntryPhase::Ready)),
        ));
    }
    steps.push(Step::Do(Box::new(|app, _| {
        if let Some(camera) = app.runtime().sim_camera() {
            camera.set_vehicle(Some("B 2756 SDM".into()));
        }
        if let Some(controller) = app.runtime().sim_controller() {
            let _ = controller.vehicle_arrives();
        }
    })));
    steps.push(Step::Until(
        "a vehicle",
        Box::new(|app| entry_phase(app, |p| *p == EntryPhase::VehicleWaiting)),
    ));
    steps.push(Step::Pause(Duration::from_millis(400)));
    steps.push(Step::Shot("03-entry-vehicle-waiting"));
    steps.push(Step::Input(vec![typed("B 2756 SDM")]));
    steps.push(Step::Pause(Duration::from_millis(150)));
    steps.push(Step::Input(key(Key::F2)));
    steps.push(Step::Until(
        "the ticket",
        Box::new(|app| entry_phase(app, |p| matches!(p, EntryPhase::VehiclePassing { .. }))),
    ));
    steps.push(Step::Pause(Duration::from_millis(1800)));
    steps.push(Step::Shot("04-entry-ticket-issued"));
    steps.push(leave());
    steps.push(Step::Until("the lane ready", Box::new(|app| entry_phase(app, |p| *p == EntryPhase::Ready))));
    steps.push(Step::Do(Box::new(|app, _| {
        if let Some(reader) = app.runtime().sim_reader() {
            let _ = reader.tap_card(CardUid::from_u32(super::runtime::SIM_EXPIRED_CARD));
        }
    })));
    steps.push(Step::Until(
        "the refusal",
        Box::new(|app| entry_phase(app, |p| matches!(p, EntryPhase::Refused(_)))),
    ));
    steps.push(Step::Pause(Duration::from_millis(300)));
    steps.push(Step::Shot("05-entry-expired-card"));
    steps.push(Step::Do(Box::new(|app, _| app.runtime().set_database_down(true))));
    steps.push(Step::Until("the red indicator", Box::new(db_disconnected)));
    steps.extend(vehicle("B 9031 PQR"));
    steps.push(Step::Pause(Duration::from_millis(1800)));
    steps.push(Step::Shot("06-entry-offline"));
    steps.push(leave());
    steps.push(Step::Do(Box::new(|app, _| app.runtime().set_database_down(false))));
    steps.push(Step::Until("the sync offer", Box::new(|app| app.sync_open())));
    steps.push(Step::Pause(Duration::from_millis(300)));
    steps.push(Step::Shot("07-sync-offer"));
    steps.push(Step::Input(key(Key::Enter)));
    steps.push(Step::Until("the sync summary", Box::new(|app| app.sync_finished())));
    steps.push(Step::Pause(Duration::from_millis(300)));
    steps.push(Step::Shot("08-sync-summary"));

    steps.push(Step::Open(Mode::Exit, "OUT1"));
    steps.extend(login("budi"));
    steps.push(Step::Pause(Duration::from_millis(500)));
    steps.push(Step::Input(key(Key::F8)));
    steps.push(Step::Pause(Duration::from_millis(300)));
    steps.push(Step::Input(vec![typed("200.000")]));
    steps.push(Step::Pause(Duration::from_millis(300)));
    steps.push(Step::Shot("09-exit-open-shift"));
    steps.push(Step::Input(key(Key::Enter)));
    steps.push(Step::Until(
        "the shift",
        Box::new(|app| app.runtime().exit().is_some_and(|w| w.snapshot().shift.is_some())),
    ));
    steps.push(Step::Do(Box::new(|app, clock| {
        clock.advance(chrono::Duration::minutes(155));
        if let Some(camera) = app.runtime().sim_camera() {
            camera.set_vehicle(Some("B 1821 KJA".into()));
        }
    })));
    steps.push(Step::Pause(Duration::from_millis(300)));
    steps.push(Step::Do(Box::new(|app, _| scan_ticket_of(app, "B 1821 KJA"))));
    steps.push(Step::Until(
        "the fee",
        Box::new(|app| exit_view(app, |v| matches!(v, ExitView::Quoted(_))) && app.exit_photo_shown()),
    ));
    steps.push(Step::Pause(Duration::from_millis(300)));
    steps.push(Step::Input(key(Key::F3)));
    steps.push(Step::Pause(Duration::from_millis(400)));
    steps.push(Step::Shot("10-exit-fee-and-change"));
    steps.push(Step::Input(key(Key::Enter)));
    steps
        .push(Step::Until("the payment", Box::new(|app| exit_view(app, |v| matches!(v, ExitView::Paid(_))))));
    steps.push(Step::Pause(Duration::from_millis(1800)));
    steps.push(Step::Shot("11-exit-paid"));
    steps.push(Step::Do(Box::new(|app, _| {
        if let Some(controller) = app.runtime().sim_controller() {
            let _ = controller.vehicle_arrives();
            let _ = controller.vehicle_leaves();
        }
    })));
    steps.push(Step::Until("ready", Box::new(|app| exit_view(app, |v| matches!(v, ExitView::Ready)))));
    steps.push(Step::Do(Box::new(|app, _| {
        if let Some(camera) = app.runtime().sim_camera() {
            camera.set_vehicle(Some("B 4410 TRX".into()));
        }
    })));
    steps.push(Step::Input(key(Key::F6)));
    steps.push(Step::Pause(Duration::from_millis(300)));
    steps.push(Step::Input(vec![typed("B 4410 TRX")]));
    steps.push(Step::Pause(Duration::from_millis(300)));
    steps.push(Step::Shot("12-exit-lost-ticket"));
    steps.push(Step::Input(key(Key::Enter)));
    steps.push(Step::Until(
        "the lost-ticket fee",
        Box::new(|app| exit_view(app, |v| matches!(v, ExitView::Quoted(_))) && app.exit_photo_shown()),
    ));
    steps.push(Step::Pause(Duration::from_millis(400)));
    steps.push(Step::Shot("13-exit-lost-ticket-fee"));
    steps.push(Step::Do(Box::new(|app, _| app.open_diagnostics())));
    steps.push(Step::Pause(Duration::from_millis(1200)));
    steps.push(Step::Shot("14-diagnostics"));

    steps.push(Step::Books);
    steps.push(Step::Open(Mode::Admin, "ADM1"));
    steps.extend(login("admin"));
    steps.push(Step::Pause(Duration::from_millis(1500)));
    steps.push(Step::Shot("15-admin-dashboard"));
    // The tour's own traffic comes from simulated devices: the Books view counts it.
    steps.push(Step::Do(Box::new(|app, _| app.admin_mut().books_mut().include_simulated(true))));
    for (page, name) in [
        (Page::Transactions, "16-admin-transactions"),
        (Page::Statistics, "17-admin-statistics"),
        (Page::Shifts, "18-admin-shifts"),
        (Page::Books, "25-admin-books"),
        (Page::Users, "19-admin-users"),
        (Page::Tariffs, "20-admin-tariffs"),
        (Page::Members, "21-admin-members"),
        (Page::Audit, "22-admin-audit"),
        (Page::Journals, "23-admin-journals"),
        (Page::Settings, "24-admin-settings"),
    ] {
        steps.push(Step::Do(Box::new(move |app, _| app.open_admin_page(page))));
        steps.push(Step::Pause(Duration::from_millis(1500)));
        steps.push(Step::Shot(name));
        if page == Page::Shifts {
            steps.push(Step::Do(Box::new(|app, _| {
                app.admin_mut().shifts_mut().open_first_revised();
            })));
            steps.push(Step::Pause(Duration::from_millis(1500)));
            steps.push(Step::Shot("18-admin-shifts-revised"));
        }
        if page == Page::Books {
            steps.push(Step::Do(Box::new(|app, _| app.admin_mut().books_mut().show_review())));
            steps.push(Step::Pause(Duration::from_millis(1000)));
            steps.push(Step::Shot("25-admin-books-review"));
        }
        if page == Page::Transactions {
            steps.push(Step::Do(Box::new(|app, _| app.admin_mut().transactions_mut().open_first_exited())));
            steps.push(Step::Pause(Duration::from_millis(3000)));
            steps.push(Step::Shot("16-admin-transactions-detail"));
        }
    }
    // An evacuation declared from the command line: the red banner on the admin screen.
    steps.push(Step::Do(Box::new(|app, clock| {
        let runtime = app.runtime();
        let actor = crate::lane::emergency::Actor {
            site: runtime.config().site.code.clone(),
            booth: "cli".into(),
            username: "admin".into(),
        };
        let declared = crate::lane::emergency::declare(
            runtime.store().as_ref(),
            &actor,
            "Alarm kebakaran di lantai 2",
            uuid::Uuid::new_v4(),
            clock.now(),
        );
        if let Err(err) = declared {
            eprintln!("screenshots: {err}");
        }
    })));
    steps.push(Step::Until(
        "the emergency banner",
        Box::new(|app: &ConsoleApp| app.runtime().emergency().is_some()),
    ));
    steps.push(Step::Do(Box::new(|app, _| app.open_admin_page(Page::Dashboard))));
    steps.push(Step::Pause(Duration::from_millis(1500)));
    steps.push(Step::Shot("26-emergency-banner"));

    // HQ: the same database with two more sites in it, as replication would fill it.
    steps.push(Step::Do(Box::new(|app, clock| {
        let runtime = app.runtime();
        let actor = crate::lane::emergency::Actor {
            site: runtime.config().site.code.clone(),
            booth: "cli".into(),
            username: "admin".into(),
        };
        if let Err(err) = crate::lane::emergency::end(runtime.store().as_ref(), &actor, clock.now()) {
            eprintln!("screenshots: {err}");
        }
    })));
    // Fraud at the staffed booths: the dashboard's alerts, and their visits in Transactions.
    steps.push(Step::Alerts);
    steps.push(Step::Open(Mode::Admin, "ADM1"));
    steps.extend(login("admin"));
    steps.push(Step::Pause(Duration::from_millis(2000)));
    steps.push(Step::Shot("29-admin-fraud-alerts"));
    steps.push(Step::Do(Box::new(|app, clock| {
        let day = clock.now().with_timezone(&app.runtime().config().timezone()).date_naive();
        app.admin_mut().transactions_mut().show_alert(super::admin::transactions::AlertFilter::Any, day);
        app.open_admin_page(Page::Transactions);
    })));
    steps.push(Step::Pause(Duration::from_millis(2000)));
    steps.push(Step::Shot("30-admin-transactions-alerts"));
    steps.push(Step::Sites);
    steps.push(Step::Open(Mode::Hq, "HQ1"));
    steps.extend(login("admin"));
    steps.push(Step::Pause(Duration::from_millis(2000)));
    steps.push(Step::Shot("27-hq-sites"));
    steps.push(Step::Do(Box::new(|app, _| app.open_admin_page(Page::Transactions))));
    steps.push(Step::Pause(Duration::from_millis(1500)));
    steps.push(Step::Shot("28-hq-transactions"));
    steps
}

fn db_disconnected(app: &ConsoleApp) -> bool {
    matches!(app.runtime().connectivity().snapshot().status, DbStatus::Disconnected { .. })
}

/// The driver hands over the ticket of `plate`: its QR code goes through the simulated scanner.
fn scan_ticket_of(app: &ConsoleApp, plate: &str) {
    let runtime = app.runtime();
    let lookup = EntryLookup::PlateKey(crate::domain::plate::search_key(plate));
    match runtime.store().find_open_entry(&runtime.config().site.code, &lookup) {
        Ok(Some(entry)) => {
            if let Some(scanner) = runtime.sim_scanner() {
                let _ = scanner.scan(&entry.ticket_code);
            }
        }
        Ok(None) => eprintln!("screenshots: no open entry for {plate}"),
        Err(err) => eprintln!("screenshots: {err}"),
    }
}
