//! This machine's offline journals: records waiting for the database (with their failed
//! attempts), files that cannot be read, and files already refused with their reasons; "sync
//! now" opens the console's sync dialog and the list reloads when it closes.

use std::path::{Path, PathBuf};

use egui::{Key, RichText};

use crate::journal::{JournalItem, JournalPayload, JournalProblem, RejectedFile};
use crate::lane::monitor::DbStatus;
use crate::ui::app::Env;
use crate::ui::i18n::I18n;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::{KeyButton, section_title_ui};

/// What the screen shows.
#[derive(Debug, Clone)]
struct JournalData {
    waiting: Vec<JournalItem>,
    unreadable: Vec<JournalProblem>,
    rejected: Vec<RejectedFile>,
    folder: PathBuf,
}

/// The journals screen's state.
#[derive(Default)]
pub struct JournalsState {
    load: Option<Task<Result<JournalData, String>>>,
    data: Option<JournalData>,
    error: Option<String>,
    sync_requested: bool,
    awaiting_sync: bool,
}

impl JournalsState {
    /// True once after "sync now" was pressed: the console opens its sync dialog.
    pub fn take_sync_request(&mut self) -> bool {
        std::mem::take(&mut self.sync_requested)
    }

    /// The console tells whether its sync dialog is up; the list reloads when it closes after a
    /// sync this screen asked for.
    pub fn sync_dialog_open(&mut self, open: bool) {
        if self.awaiting_sync && !open && !self.sync_requested {
            self.awaiting_sync = false;
            self.data = None;
            self.error = None;
        }
    }
}

/// The screen.
pub fn journals_ui(ui: &mut egui::Ui, state: &mut JournalsState, env: Env<'_>) {
    let tr = env.tr;
    if state.load.is_none() && state.data.is_none() && state.error.is_none() {
        state.load = Some(start_load(&env));
    }
    if let Some(task) = &mut state.load
        && let Some(result) = task.take()
    {
        state.load = None;
        match result {
            Ok(data) => {
                state.data = Some(data);
                state.error = None;
            }
            Err(err) => state.error = Some(err),
        }
    }
    let snapshot = env.runtime.connectivity().snapshot();
    let online = matches!(snapshot.status, DbStatus::Connected { .. });
    ui.horizontal(|ui| {
        ui.heading(RichText::new(tr.t("admin.journals.title")).size(28.0));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let refresh = KeyButton::new(tr.t("admin.refresh"), Some(Key::F5)).enabled(state.load.is_none());
            if refresh.show(ui) {
                state.load = Some(start_load(&env));
            }
            let sync = KeyButton::new(tr.t("admin.journals.sync_now"), None).primary(true).enabled(online);
            if sync.show(ui) {
                state.sync_requested = true;
                state.awaiting_sync = true;
                ui.ctx().request_repaint();
            }
            if state.load.is_some() {
                ui.spinner();
            }
        });
    });
    let tz = env.runtime.config().timezone();
    match &snapshot.status {
        DbStatus::Disconnected { since, error } => {
            theme::banner(theme::WARN_BG, theme::WARN).show(ui, |ui| {
                let since = since.with_timezone(&tz).format("%H:%M");
                let text = tr.f("admin.journals.offline", &[("since", &since), ("error", error)]);
                ui.label(RichText::new(text).color(theme::WARN).strong());
            });
        }
        DbStatus::Checking => {
            ui.label(RichText::new(tr.t("admin.journals.checking")).color(theme::MUTED));
        }
        DbStatus::Connected { .. } => {}
    }
    if let Some(error) = &state.error {
        theme::message_ui(ui, theme::FAULT_BG, theme::FAULT, tr.f("admin.load_failed", &[("error", error)]));
    }
    let Some(data) = &state.data else { return };
    ui.label(
        RichText::new(tr.f("admin.journals.folder", &[("folder", &data.folder.display())]))
            .size(14.0)
            .color(theme::MUTED),
    );
    ui.add_space(6.0);
    egui::ScrollArea::vertical().id_salt("journals-scroll").show(ui, |ui| {
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            section_title_ui(ui, &tr.f("admin.journals.waiting", &[("count", &data.waiting.len())]));
            if data.waiting.is_empty() {
                ui.label(RichText::new(tr.t("admin.journals.none_waiting")).color(theme::GOOD));
            } else {
                waiting_ui(ui, &data.waiting, tz, tr);
            }
            if !data.unreadable.is_empty() {
                ui.add_space(8.0);
                section_title_ui(
                    ui,
                    &tr.f("admin.journals.unreadable", &[("count", &data.unreadable.len())]),
                );
                ui.label(
                    RichText::new(tr.t("admin.journals.unreadable_hint")).size(14.0).color(theme::MUTED),
                );
                for problem in &data.unreadable {
                    file_reason_ui(ui, &file_name(&problem.file), Some(&problem.reason), tr);
                }
            }
        });
        ui.add_space(8.0);
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            section_title_ui(ui, &tr.f("admin.journals.rejected", &[("count", &data.rejected.len())]));
            if data.rejected.is_empty() {
                ui.label(RichText::new(tr.t("admin.journals.none_rejected")).color(theme::GOOD));
                return;
            }
            ui.label(RichText::new(tr.t("admin.journals.rejected_hint")).size(14.0).color(theme::MUTED));
            egui::Grid::new("rejected-grid").striped(true).num_columns(3).spacing([16.0, 4.0]).show(
                ui,
                |ui| {
                    for file in &data.rejected {
                        let when =
                            file.modified.map(|t| t.with_timezone(&tz).format("%d/%m %H:%M").to_string());
                        ui.label(when.unwrap_or_else(|| "–".into()));
                        ui.label(RichText::new(&file.name).monospace().size(14.0));
                        let reason = file.reason.as_deref().unwrap_or(tr.t("admin.journals.no_reason"));
                        ui.label(RichText::new(reason).color(theme::WARN));
                        ui.end_row();
                    }
                },
            );
        });
    });
}

fn waiting_ui(ui: &mut egui::Ui, items: &[JournalItem], tz: chrono_tz::Tz, tr: &I18n) {
    egui::Grid::new("waiting-grid").striped(true).num_columns(6).spacing([16.0, 4.0]).show(ui, |ui| {
        for key in [
            "admin.journals.time",
            "admin.journals.kind",
            "admin.journals.booth",
            "admin.journals.what",
            "admin.journals.attempts",
            "admin.journals.last_error",
        ] {
            ui.label(RichText::new(tr.t(key)).color(theme::MUTED));
        }
        ui.end_row();
        for item in items {
            ui.label(item.created_at.with_timezone(&tz).format("%d/%m %H:%M:%S").to_string());
            ui.label(tr.t(&format!("sync.kind.{}", item.kind)));
            ui.label(&item.record.booth);
            ui.label(what(&item.record.payload, tr)).on_hover_text(file_name(&item.file));
            ui.label(item.attempts.to_string());
            let error = item.last_error.as_deref().unwrap_or("–");
            let color = if item.last_error.is_some() { theme::FAULT } else { theme::MUTED };
            ui.label(RichText::new(error).color(color));
            ui.end_row();
        }
    });
}

/// What a record is about, the way the admin looks it up: plate and ticket, the exit's fee,
/// the shift's cashier, the audited action.
fn what(payload: &JournalPayload, tr: &I18n) -> String {
    match payload {
        JournalPayload::Entry(entry) => {
            let plate = entry.plate.clone().unwrap_or_else(|| tr.t("admin.journals.no_plate").to_string());
            format!("{plate} · {}", entry.ticket_no)
        }
        JournalPayload::Exit(exit) => {
            let entry = exit.entry_id.simple().to_string();
            let short = &entry[..8];
            tr.f("admin.journals.exit_of", &[("entry", &short), ("total", &exit.total)])
        }
        JournalPayload::EntryLate(late) => {
            let entry = late.entry_id.simple().to_string();
            let plate =
                late.plate_read.clone().unwrap_or_else(|| tr.t("admin.journals.no_plate").to_string());
            tr.f("plates.journal_late", &[("entry", &&entry[..8]), ("plate", &plate)])
        }
        JournalPayload::Shift(shift) => shift.username.clone(),
        JournalPayload::Audit { audit, .. } => match &audit.username {
            Some(user) => format!("{} · {user}", audit.action),
            None => audit.action.clone(),
        },
    }
}

fn file_reason_ui(ui: &mut egui::Ui, name: &str, reason: Option<&str>, tr: &I18n) {
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(name).monospace().size(14.0));
        ui.label(RichText::new(reason.unwrap_or(tr.t("admin.journals.no_reason"))).color(theme::WARN));
    });
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn start_load(env: &Env<'_>) -> Task<Result<JournalData, String>> {
    let journal = env.runtime.journal().clone();
    Task::spawn("admin-journals", env.waker, move || {
        let (waiting, unreadable) = journal.list().map_err(|err| err.to_string())?;
        let rejected = journal.rejected().map_err(|err| err.to_string())?;
        Ok(JournalData { waiting, unreadable, rejected, folder: journal.dir().to_path_buf() })
    })
}
