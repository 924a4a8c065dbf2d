//! The audit log: filters by action, user, booth and local days, newest first; a line's detail
//! JSON is shown readable beside the list when picked, and on hover.

use super::filter_field_ui;
use chrono::NaiveDate;
use egui::RichText;

use crate::admin::visits::{day_range, parse_day};
use crate::store::{AuditFilter, AuditRecord, StoreError};
use crate::ui::app::Env;
use crate::ui::i18n::I18n;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::section_title_ui;

/// Lines loaded at most; a longer log is narrowed with the filters.
pub const AUDIT_LIMIT: u64 = 500;

/// Actions the console writes, offered in the action menu (any other can be typed).
const KNOWN_ACTIONS: [&str; 20] = [
    "login",
    "login_failed",
    "lockout",
    "unlock",
    "manual_open",
    "lost_ticket",
    "void",
    "vehicle_left_without_ticket",
    "user_created",
    "user_activated",
    "user_deactivated",
    "role_changed",
    "password_changed",
    "member_saved",
    "tariff_changed",
    "export_visits",
    "sync",
    "simulation_on",
    "simulation_off",
    "journal_drill",
];

/// The filter form.
#[derive(Default)]
struct Form {
    action: String,
    username: String,
    booth: String,
    from: String,
    to: String,
}

/// The screen's state.
#[derive(Default)]
pub struct AuditState {
    form: Option<Form>,
    load: Option<Task<Result<Vec<AuditRecord>, StoreError>>>,
    records: Vec<AuditRecord>,
    selected: Option<usize>,
    error: Option<String>,
}

impl AuditState {
    /// The actions of the lines listed, newest first.
    pub fn actions(&self) -> Vec<&str> {
        self.records.iter().map(|r| r.action.as_str()).collect()
    }
}

/// The screen.
pub fn audit_ui(ui: &mut egui::Ui, state: &mut AuditState, env: Env<'_>) {
    let tr = env.tr;
    let tz = env.runtime.config().timezone();
    if state.form.is_none() {
        let today = env.runtime.clock().now().with_timezone(&tz).date_naive();
        state.form = Some(Form::for_day(today));
        apply(state, &env);
    }
    if let Some(task) = &mut state.load
        && let Some(result) = task.take()
    {
        state.load = None;
        state.selected = None;
        match result {
            Ok(records) => {
                state.records = records;
                state.error = None;
            }
            Err(err) => state.error = Some(tr.f("admin.records.error.store", &[("error", &err)])),
        }
    }
    ui.heading(RichText::new(tr.t("admin.nav.audit")).size(28.0));
    let busy = state.load.is_some();
    let mut run = false;
    if let Some(form) = &mut state.form {
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            run = form_ui(ui, form, tr, busy);
        });
    }
    if run {
        apply(state, &env);
    }
    if let Some(error) = &state.error {
        theme::message_ui(ui, theme::FAULT_BG, theme::FAULT, error);
    }
    ui.add_space(6.0);
    egui::Panel::right("audit-side")
        .resizable(false)
        .exact_size(400.0)
        .frame(theme::panel(10, 0, 0, 0))
        .show(ui, |ui| {
            theme::card().show(ui, |ui| {
                ui.set_width(ui.available_width());
                section_title_ui(ui, tr.t("admin.log.detail"));
                match state.selected.and_then(|i| state.records.get(i)) {
                    Some(record) => {
                        let when = record.time.with_timezone(&tz).format("%d/%m/%Y %H:%M:%S");
                        ui.label(RichText::new(format!("{} · {when}", record.action)).strong());
                        ui.label(format!("{} · {}", record.booth, record.username.as_deref().unwrap_or("–")));
                        ui.add_space(4.0);
                        egui::ScrollArea::both().id_salt("audit-detail").show(ui, |ui| {
                            ui.add(
                                egui::Label::new(RichText::new(pretty(&record.detail)).monospace())
                                    .selectable(true),
                            );
                        });
                    }
                    None => {
                        ui.label(RichText::new(tr.t("admin.log.pick")).color(theme::MUTED));
                    }
                }
            });
        });
    theme::card().show(ui, |ui| {
        ui.set_width(ui.available_width());
        let count = state.records.len();
        ui.label(RichText::new(tr.f("admin.log.count", &[("count", &count)])).strong());
        if count as u64 >= AUDIT_LIMIT {
            ui.label(RichText::new(tr.f("admin.log.limited", &[("limit", &AUDIT_LIMIT)])).color(theme::WARN));
        }
        egui::ScrollArea::both().id_salt("audit-list").show(ui, |ui| list_ui(ui, state, tz, tr));
    });
}

impl Form {
    fn for_day(today: NaiveDate) -> Self {
        let day = today.format("%d/%m/%Y").to_string();
        Self { from: day.clone(), to: day, ..Self::default() }
    }

    fn filter(&self, site: Option<&str>, tz: chrono_tz::Tz, tr: &I18n) -> Result<AuditFilter, String> {
        let day = |text: &str| {
            parse_day(text).ok_or_else(|| tr.f("admin.tx.error.bad_day", &[("text", &text.trim())]))
        };
        let (from, to) = day_range(day(&self.from)?, day(&self.to)?, tz)
            .ok_or_else(|| tr.t("admin.tx.error.to_before_from").to_string())?;
        let text = |value: &str| Some(value.trim().to_string()).filter(|v| !v.is_empty());
        Ok(AuditFilter {
            site: site.map(str::to_string),
            action: text(&self.action),
            username: text(&self.username).map(|u| u.to_lowercase()),
            booth: text(&self.booth).map(|b| b.to_uppercase()),
            from: Some(from),
            to: Some(to),
            limit: AUDIT_LIMIT,
        })
    }
}

fn apply(state: &mut AuditState, env: &Env<'_>) {
    let Some(form) = &state.form else { return };
    match form.filter(env.scope.one(), env.runtime.config().timezone(), env.tr) {
        Ok(filter) => {
            let store = env.runtime.store();
            state.load = Some(Task::spawn("admin-audit", env.waker, move || store.list_audit(&filter)));
        }
        Err(reason) => state.error = Some(reason),
    }
}

/// The filter form; true when it should run.
fn form_ui(ui: &mut egui::Ui, form: &mut Form, tr: &I18n, busy: bool) -> bool {
    let mut enter = false;
    let mut field = |ui: &mut egui::Ui, label: &str, value: &mut String, hint: &str, width: f32| {
        enter |= filter_field_ui(ui, label, value, hint, width);
    };
    let mut run = false;
    ui.horizontal_wrapped(|ui| {
        field(ui, tr.t("admin.log.action"), &mut form.action, "manual_open", 170.0);
        egui::ComboBox::from_id_salt("audit-actions").selected_text(tr.t("admin.log.pick_action")).show_ui(
            ui,
            |ui| {
                if ui.selectable_label(form.action.is_empty(), tr.t("admin.tx.any")).clicked() {
                    form.action.clear();
                }
                for action in KNOWN_ACTIONS {
                    if ui.selectable_label(form.action == action, action).clicked() {
                        form.action = action.to_string();
                    }
                }
            },
        );
        field(ui, tr.t("admin.log.user"), &mut form.username, "dewi", 130.0);
        field(ui, tr.t("admin.tx.booth"), &mut form.booth, "OUT1", 100.0);
        field(ui, tr.t("admin.tx.from"), &mut form.from, "23/11/2026", 130.0);
        field(ui, tr.t("admin.tx.to"), &mut form.to, "23/11/2026", 130.0);
        let apply =
            egui::Button::new(RichText::new(tr.t("admin.tx.apply")).strong().color(egui::Color32::WHITE))
                .fill(theme::ACCENT);
        run = ui.add_enabled(!busy, apply).clicked();
        if busy {
            ui.spinner();
        }
    });
    run || (enter && !busy)
}

fn list_ui(ui: &mut egui::Ui, state: &mut AuditState, tz: chrono_tz::Tz, tr: &I18n) {
    if state.records.is_empty() {
        ui.label(RichText::new(tr.t("admin.tx.nothing")).color(theme::MUTED));
        return;
    }
    egui::Grid::new("audit-lines").striped(true).num_columns(5).spacing([14.0, 4.0]).show(ui, |ui| {
        for key in
            ["admin.tx.time", "admin.tx.booth", "admin.log.user", "admin.log.action", "admin.log.detail"]
        {
            ui.label(RichText::new(tr.t(key)).color(theme::MUTED));
        }
        ui.end_row();
        for (index, record) in state.records.iter().enumerate() {
            ui.label(record.time.with_timezone(&tz).format("%d/%m %H:%M:%S").to_string());
            ui.label(&record.booth);
            ui.label(record.username.as_deref().unwrap_or("–"));
            ui.label(RichText::new(&record.action).monospace().strong());
            let detail = record.detail.to_string();
            let short: String = detail.chars().take(48).collect();
            let picked = state.selected == Some(index);
            let response = ui
                .selectable_label(picked, RichText::new(short).size(14.0).color(theme::MUTED))
                .on_hover_text(RichText::new(pretty(&record.detail)).monospace());
            if response.clicked() {
                state.selected = Some(index);
            }
            ui.end_row();
        }
    });
}

/// The detail JSON indented, one field a line.
fn pretty(detail: &serde_json::Value) -> String {
    serde_json::to_string_pretty(detail).unwrap_or_else(|_| detail.to_string())
}
