//! The booth console (eframe/egui): login, ParkingIN, ParkingOut, the admin home, the sync
//! dialog, simulation controls and technician diagnostics. Screens render worker snapshots and
//! send commands; nothing here blocks the UI thread.

pub mod admin; // admin mode: dashboard, transactions, statistics, people, tariffs, settings
pub mod app; // the console application and its top-level layout
pub mod bench; // `gardu bench console`: first frame, memory and idle CPU of the real console
pub mod diagnostics; // technician diagnostics: ports, raw monitor, device tests
pub mod emergency_dialog; // declare or end an emergency opening (evacuation)
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

use std::path::Path;
use std::sync::Arc;

use crate::clock::SystemClock;
use crate::config::{Language, Mode};
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

/// Opens the console window and runs it until it is closed. A start that fails says why where
/// a booth started from a shortcut sees it.
pub fn run_console(ctx: &Context, args: ConsoleArgs) -> anyhow::Result<()> {
    let ctx = &with_mode(ctx, args);
    open_console(ctx, args).map_err(|start| match start {
        // A booth without the site's key must not sell a single ticket; the refusal and its fix
        // get a window of their own.
        Start::KeyRefused { message, err } => {
            show_refusal(ctx, &message);
            err
        }
        Start::Failed(err) => {
            tell_start_failure(ctx, &err);
            err
        }
    })
}

/// Why the console did not start.
enum Start {
    /// The site's ticket key is missing or wrong: what is wrong and how to fix it.
    KeyRefused { message: String, err: anyhow::Error },
    /// Anything else.
    Failed(anyhow::Error),
}

fn open_console(ctx: &Context, args: ConsoleArgs) -> Result<(), Start> {
    // Held while the console runs, so `gardu db restore` cannot swap the database under it.
    let _folder =
        crate::site::lock::DataFolderLock::shared(&ctx.data_dir).map_err(|err| Start::Failed(err.into()))?;
    let waker = inbox::Waker::new();
    let runtime = BoothRuntime::start(ctx, runtime_options(ctx, args), &waker).map_err(|err| {
        let key = match &err {
            runtime::RuntimeError::Setup(setup) => setup.downcast_ref::<crate::secret::SecretError>(),
            _ => None,
        };
        match key.map(ToString::to_string) {
            Some(message) => Start::KeyRefused { message, err: err.into() },
            None => Start::Failed(err.into()),
        }
    })?;
    let app = ConsoleApp::new(runtime, waker);
    let options = native_options(&app.title(), ctx.config.booth.fullscreen);
    eframe::run_native("gardu", options, Box::new(move |_cc| Ok(Box::new(app))))
        // E.g. a PC whose graphics driver offers no OpenGL 2: no window of ours can say so.
        .map_err(|err| Start::Failed(anyhow::anyhow!("the console window could not open: {err}")))
}

/// What a failed start says (title, text) in `language`: the error and where the log is.
pub fn start_failure_text(language: Language, error: &anyhow::Error, log_dir: &Path) -> (String, String) {
    let tr = i18n::I18n::new(language);
    let error = format!("{error:#}");
    let log = log_dir.display();
    (tr.t("start.failed").to_string(), tr.f("start.failed_detail", &[("error", &error), ("log", &log)]))
}

/// What a refused configuration file says (title, text), in both languages: the file that would
/// name the booth's language is the one refused.
pub fn config_refused_text(error: &dyn std::fmt::Display) -> (String, String) {
    let [id, en] = [Language::Indonesian, Language::English].map(i18n::I18n::new);
    let title = format!("{} · {}", id.t("start.failed"), en.t("start.failed"));
    let text = [&id, &en].map(|tr| tr.f("start.config_refused", &[("error", error)])).join("\n\n");
    (title, text)
}

/// Says why the console did not start where a booth started from a shortcut sees it.
fn tell_start_failure(ctx: &Context, err: &anyhow::Error) {
    let log_dir = ctx.path(&ctx.config.logging.dir);
    let (title, text) = start_failure_text(ctx.config.ui.language, err, &log_dir);
    crate::platform::console::tell_if_unseen(&title, &text);
}

/// A small window that says why the lanes did not start and how to fix it, until closed; a
/// message box where the window cannot open.
fn show_refusal(ctx: &Context, message: &str) {
    let tr = i18n::I18n::new(ctx.config.ui.language);
    let title = tr.t("start.key_refused").to_string();
    let close = tr.t("start.close").to_string();
    let message = message.to_string();
    let message_for_box = message.clone();
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
        crate::platform::console::tell_if_unseen(tr.t("start.key_refused"), &message_for_box);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_start_says_the_whole_error_and_where_the_log_is_in_the_booths_language() {
        let err =
            anyhow::anyhow!("WGL: OpenGL 2.0 is not available").context("the console window could not open");
        let log = Path::new("C:/ProgramData/Gardu/logs");
        let (title, text) = start_failure_text(Language::Indonesian, &err, log);
        assert_eq!(title, "Gardu tidak dapat dijalankan");
        assert!(
            text.starts_with("the console window could not open: WGL: OpenGL 2.0 is not available"),
            "{text}"
        );
        assert!(text.contains("Log ada di C:/ProgramData/Gardu/logs."), "{text}");
        let (title, text) = start_failure_text(Language::English, &err, log);
        assert_eq!(title, "Gardu could not start");
        assert!(text.contains("The log is in C:/ProgramData/Gardu/logs."), "{text}");
    }

    #[test]
    fn a_refused_configuration_is_told_in_both_languages() {
        let (title, text) = config_refused_text(&"booth.mode: unknown mode `exitt`");
        assert_eq!(title, "Gardu tidak dapat dijalankan · Gardu could not start");
        assert!(text.starts_with("Berkas konfigurasi ditolak: booth.mode: unknown mode `exitt`"), "{text}");
        assert!(
            text.contains("\n\nThe configuration file was refused: booth.mode: unknown mode `exitt`"),
            "{text}"
        );
    }
}
