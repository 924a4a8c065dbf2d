//! Emergency opening (evacuation) from any console: an admin types the reason and re-enters
//! their name and password; every barrier of the site opens and stays open until an admin ends
//! it here (or with `gardu emergency end`). The work runs on a background thread.

use egui::{Color32, RichText, Vec2};

use super::i18n::I18n;
use super::inbox::Waker;
use super::login::login_error_text;
use super::runtime::{BoothRuntime, EmergencyOutcome};
use super::task::Task;
use super::theme;
use crate::lane::emergency::booth::ConsoleError;
use crate::lane::emergency::{EmergencyError, MAX_REASON_CHARS};

/// The emergency window's state.
#[derive(Default)]
pub struct EmergencyDialog {
    /// True when the window ends the active emergency rather than declaring one.
    ending: bool,
    reason: String,
    username: String,
    password: String,
    task: Option<Task<Result<EmergencyOutcome, ConsoleError>>>,
    error: Option<String>,
    /// The first field took the keyboard when the window opened.
    focused: bool,
}

impl EmergencyDialog {
    /// A window that declares an emergency, or ends the active one.
    pub fn new(ending: bool) -> Self {
        Self { ending, ..Self::default() }
    }
}

/// What the window ended with.
pub enum EmergencyDialogEnd {
    /// Still open.
    Open,
    /// Closed without a change.
    Cancelled,
    /// Done; the message says what happened.
    Done(String),
}

/// Shows the window.
pub fn emergency_dialog_ui(
    ctx: &egui::Context,
    state: &mut EmergencyDialog,
    runtime: &BoothRuntime,
    tr: &I18n,
    waker: &Waker,
) -> EmergencyDialogEnd {
    if let Some(task) = &mut state.task
        && let Some(result) = task.take()
    {
        state.task = None;
        state.password.clear();
        match result {
            Ok(EmergencyOutcome::Declared) => {
                return EmergencyDialogEnd::Done(tr.t("emergency.declared").into());
            }
            Ok(EmergencyOutcome::DeclaredLocal) => {
                return EmergencyDialogEnd::Done(tr.t("emergency.declared_local").into());
            }
            Ok(EmergencyOutcome::Ended) => return EmergencyDialogEnd::Done(tr.t("emergency.ended").into()),
            Err(err) => state.error = Some(error_text(&err, tr)),
        }
    }
    let working = state.task.is_some();
    let mut end = EmergencyDialogEnd::Open;
    let title = if state.ending { tr.t("emergency.end_title") } else { tr.t("emergency.title") };
    egui::Window::new(RichText::new(title).color(theme::FAULT).strong())
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, Vec2::ZERO)
        .default_width(520.0)
        .show(ctx, |ui| {
            ui.set_max_width(520.0);
            let explain =
                if state.ending { tr.t("emergency.end_explain") } else { tr.t("emergency.explain") };
            ui.label(explain);
            ui.add_space(8.0);
            let field = |ui: &mut egui::Ui, label: &str, value: &mut String, password: bool| {
                ui.label(RichText::new(label).color(theme::MUTED));
                ui.add_enabled(
                    !working,
                    egui::TextEdit::singleline(value).password(password).desired_width(f32::INFINITY),
                )
            };
            // The keyboard goes to the window's first field as it opens, not to the booth's
            // own fields behind it.
            let first = if state.ending {
                field(ui, tr.t("emergency.admin"), &mut state.username, false)
            } else {
                let reason = field(ui, tr.t("emergency.reason"), &mut state.reason, false);
                ui.label(RichText::new(tr.t("emergency.reason_hint")).color(theme::MUTED).small());
                field(ui, tr.t("emergency.admin"), &mut state.username, false);
                reason
            };
            if !state.focused {
                first.request_focus();
                state.focused = true;
            }
            let password = field(ui, tr.t("emergency.password"), &mut state.password, true);
            let submitted = password.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if let Some(error) = &state.error {
                ui.add_space(6.0);
                ui.label(RichText::new(error).color(theme::FAULT));
            }
            ui.add_space(10.0);
            ui.horizontal(|ui| {
                let label = if state.ending { tr.t("emergency.end") } else { tr.t("emergency.declare") };
                let ready = !working
                    && !state.username.trim().is_empty()
                    && !state.password.is_empty()
                    && (state.ending || !state.reason.trim().is_empty());
                let button = egui::Button::new(RichText::new(label).color(Color32::WHITE).strong())
                    .fill(if state.ending { theme::ACCENT } else { theme::FAULT })
                    .min_size(Vec2::new(0.0, 40.0));
                if (ui.add_enabled(ready, button).clicked() || (submitted && ready)) && state.task.is_none() {
                    state.error = None;
                    let reason = (!state.ending).then(|| state.reason.trim().to_string());
                    state.task = Some(runtime.emergency_task(
                        waker,
                        state.username.trim().to_string(),
                        state.password.clone(),
                        reason,
                    ));
                }
                if ui.add_enabled(!working, egui::Button::new(tr.t("common.cancel"))).clicked() {
                    end = EmergencyDialogEnd::Cancelled;
                }
                if working {
                    ui.spinner();
                }
            });
        });
    end
}

/// Why it did not happen, in the operator's language.
fn error_text(err: &ConsoleError, tr: &I18n) -> String {
    match err {
        ConsoleError::Login(crate::auth::LoginError::RoleNotAllowed { .. }) => {
            tr.t("emergency.error.admin_only").into()
        }
        ConsoleError::Login(err) => login_error_text(err, tr),
        ConsoleError::Emergency(EmergencyError::NoReason) => tr.t("emergency.error.no_reason").into(),
        ConsoleError::Emergency(EmergencyError::ReasonTooLong) => {
            tr.f("emergency.error.too_long", &[("max", &MAX_REASON_CHARS)])
        }
        ConsoleError::Emergency(EmergencyError::NoneActive) => tr.t("emergency.error.none_active").into(),
        ConsoleError::Emergency(EmergencyError::Store(err)) => {
            tr.f("emergency.error.store", &[("detail", &err.to_string())])
        }
        ConsoleError::NotSaved(detail) => tr.f("emergency.error.not_saved", &[("detail", detail)]),
    }
}
