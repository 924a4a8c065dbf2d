//! The top bar: site, booth, mode, operator, shift, clock, one chip per device, the menu, and
//! the database indicator at the top right.

use chrono::{DateTime, Utc};
use egui::{Color32, RichText};

use super::app::mode_name;
use super::i18n::I18n;
use super::login::Session;
use super::runtime::BoothRuntime;
use super::theme;
use super::widgets::{db_indicator_ui, status_chip_ui};
use crate::config::{Language, Mode};
use crate::store::Role;

/// What the operator picked from the top bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuAction {
    /// The database indicator was clicked: check now.
    CheckDatabase,
    /// Switch the screen language.
    Language(Language),
    /// Open the sync dialog with what waits in the journal.
    Sync,
    /// Open the technician's diagnostics.
    Diagnostics,
    /// Switch simulated devices on or off.
    Simulation(bool),
    /// Full screen on or off.
    Fullscreen,
    /// Log out.
    Logout,
}

/// Shows the top bar; returns the operator's pick, if any.
pub fn top_bar_ui(
    ui: &mut egui::Ui,
    runtime: &BoothRuntime,
    tr: &I18n,
    session: Option<&Session>,
    shift_opened: &Option<DateTime<Utc>>,
) -> Option<MenuAction> {
    let mut action = None;
    let config = runtime.config();
    let tz = config.timezone();
    egui::Panel::top("top-bar")
        .frame(egui::Frame::new().fill(theme::BAR).inner_margin(egui::Margin::symmetric(14, 8)))
        .show(ui, |ui| {
            let text = |t: String| RichText::new(t).color(theme::BAR_TEXT);
            ui.horizontal(|ui| {
                ui.label(text(config.site.name.clone()).strong().size(21.0));
                ui.label(text(config.site.code.clone()).color(Color32::from_gray(170)));
                ui.separator();
                ui.label(text(format!("{} · {}", config.booth.code, mode_name(runtime.mode()))).strong());
                if let Some(session) = session {
                    ui.separator();
                    let key = format!("role.{}", session.user.role.as_str());
                    ui.label(text(format!("{} ({})", session.user.full_name, tr.t(&key))));
                    if session.offline {
                        ui.label(
                            text(tr.t("login.offline_badge").to_string()).color(theme::WARN_BG).strong(),
                        );
                    }
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let snapshot = runtime.connectivity().snapshot();
                    if db_indicator_ui(ui, &snapshot, tr, tz) {
                        action = Some(MenuAction::CheckDatabase);
                    }
                    if let Some(pick) = menu_ui(ui, runtime, tr, session) {
                        action = Some(pick);
                    }
                    let now = runtime.clock().now().with_timezone(&tz);
                    ui.label(text(now.format("%H:%M").to_string()).strong().size(24.0));
                    ui.label(text(now.format("%d/%m/%Y").to_string()).color(Color32::from_gray(190)));
                });
            });
            let statuses = runtime.device_statuses();
            let shift = (runtime.mode() == Mode::Exit && session.is_some()).then(|| match shift_opened {
                Some(at) => tr.f("top.shift_since", &[("time", &at.with_timezone(&tz).format("%H:%M"))]),
                None => tr.t("top.no_shift").to_string(),
            });
            if !statuses.is_empty() || shift.is_some() {
                ui.add_space(2.0);
                ui.horizontal(|ui| {
                    for status in &statuses {
                        status_chip_ui(ui, status, tr);
                    }
                    if let Some(shift) = shift {
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            ui.label(text(shift).color(Color32::from_gray(210)));
                        });
                    }
                });
            }
        });
    action
}

fn menu_ui(
    ui: &mut egui::Ui,
    runtime: &BoothRuntime,
    tr: &I18n,
    session: Option<&Session>,
) -> Option<MenuAction> {
    let mut action = None;
    let button = egui::Button::new(RichText::new(tr.t("menu.title")).color(theme::BAR_TEXT))
        .fill(Color32::from_white_alpha(20));
    egui::containers::menu::MenuButton::from_button(button).ui(ui, |ui| {
        ui.set_min_width(280.0);
        ui.label(RichText::new(tr.t("menu.language")).color(theme::MUTED).size(15.0));
        for (language, key) in
            [(Language::Indonesian, "menu.indonesian"), (Language::English, "menu.english")]
        {
            if ui.radio(tr.language() == language, tr.t(key)).clicked() {
                action = Some(MenuAction::Language(language));
            }
        }
        ui.separator();
        if let Some(session) = session {
            if ui.button(tr.t("menu.sync")).clicked() {
                action = Some(MenuAction::Sync);
            }
            let technical = matches!(session.user.role, Role::Technician | Role::Admin);
            if technical {
                if ui.button(tr.t("menu.diagnostics")).clicked() {
                    action = Some(MenuAction::Diagnostics);
                }
                if !runtime.mode().is_admin() {
                    let (key, on) = if runtime.simulated() {
                        ("menu.simulation_off", false)
                    } else {
                        ("menu.simulation_on", true)
                    };
                    if ui.button(tr.t(key)).clicked() {
                        action = Some(MenuAction::Simulation(on));
                    }
                }
            }
        }
        if ui.button(tr.t("menu.fullscreen")).clicked() {
            action = Some(MenuAction::Fullscreen);
        }
        if session.is_some() {
            ui.separator();
            if ui.button(tr.t("menu.logout")).clicked() {
                action = Some(MenuAction::Logout);
            }
        }
    });
    action
}
