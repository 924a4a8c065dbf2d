//! `gardu bench console --entries 100`: how heavy the console is where a booth PC feels it.
//!
//! The command prepares a data folder as a booth has after a while (a guard, the site key, a
//! day of past visits), then starts the console on it as a second process (`gardu bench
//! console-drive`, hidden) so the first frame is timed from a real start. That process runs the
//! real console in simulation at 1366×768, logs the guard in by typing, and lets N vehicles
//! through the entry lane (loop, ticket button, photo and ticket picture on screen, the vehicle
//! leaves). It prints one line:
//!
//! `console first_frame_ms=A rss_mb_after_login=B rss_mb_after_100=C idle_cpu_pct=D`
//!
//! Needs a display (run it under `xvfb-run`) and Linux's `/proc` for the figures.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use egui::{Event, Key};

use super::inbox::Waker;
use super::screenshots::key;
use super::{BoothRuntime, ConsoleApp, RuntimeOptions, native_options};
use crate::auth::{self, AuditContext, Hasher, NewUser};
use crate::clock::{Clock, SystemClock};
use crate::config::Mode;
use crate::lane::RandomIds;
use crate::lane::entry::EntryPhase;
use crate::site::Context;
use crate::site::seed::{SeedArgs, seed};
use crate::store::Role;

/// The guard the bench logs in as.
const USER: &str = "benchguard";
/// Their password (a scratch folder's only account).
const PASSWORD: &str = "bench-rahasia-123";
/// When the parent started the console, in Unix milliseconds.
const SPAWNED_AT: &str = "GARDU_BENCH_SPAWNED_AT_MS";
/// The window: a booth PC's common monitor.
const SIZE: [f32; 2] = [1366.0, 768.0];
/// The longest wait for one step.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// `gardu bench …`.
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Start the console on a prepared data folder and let vehicles through; prints
    /// `console first_frame_ms=… rss_mb_after_login=… rss_mb_after_100=… idle_cpu_pct=…`.
    Console(ConsoleBenchArgs),
    /// The console half of `bench console` (started by it).
    #[command(hide = true)]
    ConsoleDrive(ConsoleBenchArgs),
}

/// Arguments of `gardu bench console`.
#[derive(Debug, Clone, clap::Args)]
pub struct ConsoleBenchArgs {
    /// Vehicles let through the entry lane.
    #[arg(long, default_value_t = 100)]
    pub entries: u32,
    /// Seconds of quiet, after the vehicles, over which the idle CPU is measured.
    #[arg(long, default_value_t = 5)]
    pub idle_s: u64,
    /// Past visits in the prepared database.
    #[arg(long, default_value_t = 2_000)]
    pub visits: u64,
    /// Also print where the resident memory is (the largest mappings) after login and after
    /// the vehicles.
    #[arg(long)]
    pub breakdown: bool,
}

/// Runs a bench subcommand; `console-drive` runs on `ctx`'s data folder.
pub fn run(command: BenchCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Console(args) => console(&args),
        BenchCommand::ConsoleDrive(args) => drive(ctx, &args),
    }
}

fn console(args: &ConsoleBenchArgs) -> anyhow::Result<ExitCode> {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        anyhow::bail!(
            "the console needs a display: run `xvfb-run -a -s \"-screen 0 1366x768x24\" gardu bench console`"
        );
    }
    let folder = std::env::temp_dir().join(format!("gardu-bench-console-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    let result = prepared_run(&folder, args);
    let _ = std::fs::remove_dir_all(&folder);
    result
}

fn prepared_run(folder: &Path, args: &ConsoleBenchArgs) -> anyhow::Result<ExitCode> {
    prepare(folder, args.visits)?;
    let exe = std::env::current_exe().context("finding this program")?;
    let spawned = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    // `GARDU_BENCH_WRAP="heaptrack -o /tmp/console"` runs the console under a profiler.
    let wrap: Vec<String> = std::env::var("GARDU_BENCH_WRAP")
        .map(|w| w.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let mut command = match wrap.split_first() {
        Some((tool, tool_args)) => {
            let mut command = std::process::Command::new(tool);
            command.args(tool_args).arg(&exe);
            command
        }
        None => std::process::Command::new(&exe),
    };
    let status = command
        .arg("--data-dir")
        .arg(folder)
        .args(["--quiet", "bench", "console-drive"])
        .args(["--entries", &args.entries.to_string(), "--idle-s", &args.idle_s.to_string()])
        .args(args.breakdown.then_some("--breakdown"))
        .env(SPAWNED_AT, spawned.to_string())
        .status()
        .context("starting the console")?;
    Ok(if status.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// A data folder as a booth has it after a while: the database, the site key, a guard, a day
/// of past visits.
fn prepare(dir: &Path, visits: u64) -> anyhow::Result<()> {
    let ctx = Context::resolve(None, Some(dir))?;
    let store = ctx.open_store()?;
    let secret = ctx.secret(store.as_ref())?;
    let audit = AuditContext { site: ctx.config.site.code.clone(), booth: "bench".into() };
    let new = NewUser { username: USER, full_name: "Bench Guard", role: Role::Guard, password: PASSWORD };
    auth::create_user(store.as_ref(), &SystemClock, &Hasher::for_tests(), &audit, &new, "bench")?;
    let args = SeedArgs { visits, days: 1, seed: 7 };
    seed(store.as_ref(), &secret, &ctx.config.site.code, &args, SystemClock.now())?;
    Ok(())
}

fn drive(ctx: &Context, args: &ConsoleBenchArgs) -> anyhow::Result<ExitCode> {
    let spawned = std::env::var(SPAWNED_AT)
        .ok()
        .and_then(|ms| ms.parse::<u128>().ok())
        .map(|ms| UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX)))
        .unwrap_or_else(SystemTime::now);
    let mut ctx = ctx.clone();
    ctx.config.booth.set_mode(Mode::Entry);
    let waker = Waker::new();
    let options = RuntimeOptions {
        mode: Mode::Entry,
        simulate: true,
        clock: Arc::new(SystemClock),
        ids: Arc::new(RandomIds),
    };
    let runtime = BoothRuntime::start(&ctx, options, &waker)?;
    let app = ConsoleApp::new(runtime, waker);
    let mut native = native_options(&app.title(), false);
    native.viewport = native.viewport.with_inner_size(SIZE).with_min_inner_size(SIZE);
    let driver = Driver::new(app, spawned, args.clone());
    let report = driver.report.clone();
    eframe::run_native("gardu-bench", native, Box::new(move |_cc| Ok(Box::new(driver))))
        .map_err(|err| anyhow::anyhow!("the console window could not open: {err}"))?;
    let report = report.lock().map_err(|_| anyhow::anyhow!("the bench stopped half-way"))?.clone();
    match report {
        Report { failure: Some(failure), .. } => {
            eprintln!("gardu bench console: {failure}");
            Ok(ExitCode::FAILURE)
        }
        report => {
            println!(
                "console first_frame_ms={} rss_mb_after_login={:.1} rss_mb_after_{}={:.1} idle_cpu_pct={:.1}",
                report.first_frame_ms,
                report.rss_after_login,
                args.entries,
                report.rss_after,
                report.idle_cpu
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What the console measured.
#[derive(Debug, Clone, Default)]
struct Report {
    first_frame_ms: u128,
    rss_after_login: f64,
    rss_after: f64,
    idle_cpu: f64,
    failure: Option<String>,
}

/// Where the drive is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    /// Waiting for the login screen, then typing.
    Login,
    /// Waiting for the working screen.
    LoggingIn,
    /// A vehicle arrives.
    Arrive(u32),
    /// Its ticket is asked for.
    Ticket(u32),
    /// It drives on.
    Leave(u32),
    /// Quiet, from this instant and CPU time.
    Idle(Instant, f64),
    /// Finished.
    Done,
}

struct Driver {
    app: ConsoleApp,
    spawned: SystemTime,
    args: ConsoleBenchArgs,
    frames: u64,
    stage: Stage,
    since: Instant,
    /// Input to give the console, one batch per frame (a Tab moves the focus between frames).
    events: std::collections::VecDeque<Vec<Event>>,
    report: Arc<std::sync::Mutex<Report>>,
}

impl Driver {
    fn new(app: ConsoleApp, spawned: SystemTime, args: ConsoleBenchArgs) -> Self {
        Self {
            app,
            spawned,
            args,
            frames: 0,
            stage: Stage::Login,
            since: Instant::now(),
            events: std::collections::VecDeque::new(),
            report: Arc::default(),
        }
    }

    fn record(&self, edit: impl FnOnce(&mut Report)) {
        if let Ok(mut report) = self.report.lock() {
            edit(&mut report);
        }
    }

    fn go(&mut self, stage: Stage) {
        self.stage = stage;
        self.since = Instant::now();
    }

    fn phase(&self, test: impl Fn(&EntryPhase) -> bool) -> bool {
        self.app.runtime().entry().is_some_and(|w| {
            let s = w.snapshot();
            s.stage.is_none() && test(&s.phase)
        })
    }

    fn advance(&mut self, ctx: &egui::Context) {
        if !matches!(self.stage, Stage::Done | Stage::Idle(..)) && self.since.elapsed() > STEP_TIMEOUT {
            let stage = self.stage;
            self.record(|r| r.failure = Some(format!("timed out at {stage:?}")));
            self.go(Stage::Done);
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        match self.stage {
            Stage::Login if self.app.is_on_login() && self.since.elapsed() > Duration::from_millis(300) => {
                self.events.push_back(vec![Event::Text(USER.into())]);
                self.events.push_back(key(Key::Tab));
                self.events.push_back(vec![Event::Text(PASSWORD.into())]);
                self.events.push_back(key(Key::Enter));
                self.go(Stage::LoggingIn);
            }
            Stage::LoggingIn if self.app.is_working() && self.since.elapsed() > Duration::from_secs(2) => {
                let rss = rss_mb();
                self.record(|r| r.rss_after_login = rss);
                if self.args.breakdown {
                    eprintln!("after login:\n{}", breakdown());
                }
                self.go(Stage::Arrive(0));
            }
            // Measured once the last pictures have settled.
            Stage::Arrive(n) if n == self.args.entries && self.since.elapsed() > Duration::from_secs(2) => {
                let rss = rss_mb();
                self.record(|r| r.rss_after = rss);
                if self.args.breakdown {
                    eprintln!("after {} vehicles:\n{}", self.args.entries, breakdown());
                }
                self.go(Stage::Idle(Instant::now(), cpu_seconds()));
            }
            Stage::Arrive(n) if n == self.args.entries => {}
            Stage::Arrive(n) if self.phase(|p| *p == EntryPhase::Ready) => {
                let runtime = self.app.runtime();
                if let Some(camera) = runtime.sim_camera() {
                    camera.set_vehicle(Some(format!("B {} BNC", 1000 + n)));
                }
                if let Some(controller) = runtime.sim_controller() {
                    let _ = controller.vehicle_arrives();
                }
                self.go(Stage::Ticket(n));
            }
            Stage::Ticket(n) if self.phase(|p| *p == EntryPhase::VehicleWaiting) => {
                if let Some(controller) = self.app.runtime().sim_controller() {
                    let _ = controller.press_button();
                }
                self.go(Stage::Leave(n));
            }
            Stage::Leave(n) if self.phase(|p| matches!(p, EntryPhase::VehiclePassing { .. })) => {
                if let Some(controller) = self.app.runtime().sim_controller() {
                    let _ = controller.vehicle_leaves();
                }
                self.go(Stage::Arrive(n + 1));
            }
            Stage::Idle(from, cpu) if from.elapsed() >= Duration::from_secs(self.args.idle_s) => {
                let busy = (cpu_seconds() - cpu) / from.elapsed().as_secs_f64() * 100.0;
                self.record(|r| r.idle_cpu = busy);
                self.go(Stage::Done);
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            _ => {}
        }
    }
}

impl eframe::App for Driver {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frames += 1;
        if self.frames == 2 {
            // The first frame has been painted by the time the second begins.
            let ms = self.spawned.elapsed().unwrap_or_default().as_millis();
            self.record(|r| r.first_frame_ms = ms);
        }
        let ctx = ui.ctx().clone();
        self.advance(&ctx);
        self.app.console_ui(ui);
        match self.stage {
            // Quiet: the console repaints as it does on its own; one wake at the end.
            Stage::Idle(from, _) => ctx.request_repaint_after(
                Duration::from_secs(self.args.idle_s).saturating_sub(from.elapsed())
                    + Duration::from_millis(5),
            ),
            Stage::Done => {}
            // Driving: look again soon.
            _ => ctx.request_repaint_after(Duration::from_millis(20)),
        }
    }

    fn raw_input_hook(&mut self, _ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        if let Some(mut batch) = self.events.pop_front() {
            raw_input.events.append(&mut batch);
        }
    }
}

/// Resident memory of this process in MiB (`VmRSS`), 0 where `/proc` is missing.
pub fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix("VmRSS:")?.trim().trim_end_matches("kB").trim().parse::<f64>().ok()
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The largest resident mappings of this process (`/proc/self/smaps`), one per line in MiB.
fn breakdown() -> String {
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else { return String::new() };
    let mut by_name: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut name = String::new();
    for line in smaps.lines() {
        if let Some(kb) = line.strip_prefix("Rss:") {
            let kb: u64 = kb.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
            *by_name.entry(name.clone()).or_default() += kb;
        } else if let Some(range) =
            line.split_whitespace().next().filter(|f| f.contains('-') && !f.ends_with(':'))
        {
            // Anonymous mappings by their size: 64 MiB ones are malloc arenas.
            name = match line.split_whitespace().nth(5) {
                Some(file) => file.to_string(),
                None => {
                    let (from, to) = range.split_once('-').unwrap_or(("0", "0"));
                    let size =
                        u64::from_str_radix(to, 16).unwrap_or(0) - u64::from_str_radix(from, 16).unwrap_or(0);
                    format!("[anonymous, {} KiB mappings]", size / 1024)
                }
            };
        }
    }
    let mut rows: Vec<(u64, String)> = by_name.into_iter().map(|(name, kb)| (kb, name)).collect();
    rows.sort_unstable_by(|a, b| b.cmp(a));
    rows.iter()
        .take(14)
        .map(|(kb, name)| format!("  {:7.1} MB  {name}", *kb as f64 / 1024.0))
        .collect::<Vec<_>>()
        .join("\n")
}

/// CPU time of this process so far in seconds (user + system, from `/proc/self/stat`).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of stat; here 0 is field 3.
    (ticks(11) + ticks(12)) / clock_ticks_per_second()
}

/// `/proc` counts CPU time in USER_HZ ticks, which Linux fixes at 100 for user space.
fn clock_ticks_per_second() -> f64 {
    100.0
}
