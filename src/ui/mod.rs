//! The booth console (eframe/egui): login, ParkingIN, ParkingOut, the admin home, the sync
//! dialog, simulation controls and technician diagnostics. Screens render worker snapshots and
//! send commands; nothing here blocks the UI thread.

pub mod admin; // admin mode: dashboard, transactions, statistics, people, tariffs, settings
pub mod app; // the console application and its top-level layout
pub mod diagnostics; // technician diagnostics: ports, raw monitor, device tests
pub mod entry_screen; // ParkingIN
pub mod exit_dialogs; // ParkingOut dialogs: lost ticket, manual open, shift
pub mod exit_screen; // ParkingOut
pub mod i18n; // Indonesian and English texts
pub mod inbox; // repaint-waking inboxes and the waker
pub mod login; // login and the first-run admin
pub mod payment; // cash and non-cash payment panel
pub mod runtime; // the booth runtime: store, journal, monitor, devices, lane worker
pub mod screenshots; // renders every screen to PNG under Xvfb (hidden subcommand)
pub mod serial_monitor; // raw serial monitor thread
pub mod simulation_panel; // simulation controls
pub mod sync_dialog; // offline journal sync dialog
pub mod task; // one-shot background tasks
pub mod theme; // colours, type sizes, cards
pub mod top_bar; // top bar with device chips and the database indicator
pub mod vehicle_pick; // pick a vehicle inside by plate (lost ticket, manual open)
pub mod widgets; // shared widgets

use std::sync::Arc;

use crate::clock::SystemClock;
use crate::config::Mode;
use crate::lane::RandomIds;
use crate::site::Context;

pub use app::ConsoleApp;
pub use runtime::{BoothRuntime, RuntimeOptions};

/// How the console was asked to start.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleArgs {
    /// `--mode`, overriding the config.
    pub mode: Option<Mode>,
    /// `--simulate`, forcing simulated devices.
    pub simulate: bool,
}

/// The runtime options the config and arguments give.
pub fn runtime_options(ctx: &Context, args: ConsoleArgs) -> RuntimeOptions {
    RuntimeOptions {
        mode: args.mode.unwrap_or(ctx.config.booth.mode),
        simulate: args.simulate || ctx.config.simulation.enabled,
        clock: Arc::new(SystemClock),
        ids: Arc::new(RandomIds),
    }
}

/// The context with `--mode` applied: a booth whose config names no code takes the mode's
/// default (`IN1`, `OUT1`, `ADM1`), so receipts and heartbeats name the right booth.
pub fn with_mode(ctx: &Context, args: ConsoleArgs) -> Context {
    let mut ctx = ctx.clone();
    if let Some(mode) = args.mode {
        ctx.config.booth.set_mode(mode);
    }
    ctx
}

/// Opens the console window and runs it until it is closed.
pub fn run_console(ctx: &Context, args: ConsoleArgs) -> anyhow::Result<()> {
    // Held while the console runs, so `gardu db restore` cannot swap the database under it.
    let _folder = crate::site::lock::DataFolderLock::shared(&ctx.data_dir)?;
    let waker = inbox::Waker::new();
    let ctx = &with_mode(ctx, args);
    let runtime = match BoothRuntime::start(ctx, runtime_options(ctx, args), &waker) {
        Ok(runtime) => runtime,
        Err(err) => {
            // A booth without the site's key must not sell a single ticket; a desktop shortcut
            // shows no terminal, so the refusal and its fix get a window of their own.
            if let runtime::RuntimeError::Setup(setup) = &err
                && let Some(key) = setup.downcast_ref::<crate::secret::SecretError>()
            {
                show_refusal(ctx, &key.to_string());
            }
            return Err(err.into());
        }
    };
    let app = ConsoleApp::new(runtime, waker);
    let options = native_options(&app.title(), ctx.config.booth.fullscreen);
    eframe::run_native("gardu", options, Box::new(move |_cc| Ok(Box::new(app))))
        .map_err(|err| anyhow::anyhow!("the console window could not open: {err}"))
}

/// A small window that says why the lanes did not start and how to fix it, until closed.
fn show_refusal(ctx: &Context, message: &str) {
    let tr = i18n::I18n::new(ctx.config.ui.language);
    let title = tr.t("start.key_refused").to_string();
    let close = tr.t("start.close").to_string();
    let message = message.to_string();
    let options = native_options(&title, false);
    let shown = eframe::run_ui_native("gardu", options, move |ui, _frame| {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading(egui::RichText::new(&title).color(theme::FAULT));
            ui.add_space(12.0);
            ui.label(egui::RichText::new(&message).size(18.0));
            ui.add_space(12.0);
            if ui.button(&close).clicked() {
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
            }
        });
    });
    if let Err(err) = shown {
        tracing::warn!("the refusal window could not open: {err}");
    }
}

/// Window options: title, size, full screen.
pub fn native_options(title: &str, fullscreen: bool) -> eframe::NativeOptions {
    eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(title)
            .with_app_id("gardu")
            .with_inner_size([1600.0, 900.0])
            .with_min_inner_size([1280.0, 720.0])
            .with_fullscreen(fullscreen),
        ..Default::default()
    }
}
