//! Site settings: name, location, region, capacity, time zone and receipt texts, loaded from
//! and saved to the database through `crate::admin::site`, with each problem shown beside its
//! field and an honest note about where each setting takes effect.

use egui::{Key, RichText};

use super::admin_error_text;
use crate::admin::site::{self, COMMON_TIMEZONES, SiteField, SiteProblem};
use crate::store::Site;
use crate::ui::app::Env;
use crate::ui::i18n::I18n;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::{KeyButton, section_title_ui};

/// The record as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct SiteForm {
    name: String,
    location: String,
    region: String,
    capacity: String,
    timezone: String,
    receipt_header: String,
    receipt_footer: String,
}

impl SiteForm {
    fn of(site: &Site) -> Self {
        Self {
            name: site.name.clone(),
            location: site.location.clone(),
            region: site.region.clone(),
            capacity: site.capacity.map(|c| c.to_string()).unwrap_or_default(),
            timezone: site.timezone.clone(),
            receipt_header: site.receipt_header.clone(),
            receipt_footer: site.receipt_footer.clone(),
        }
    }

    /// The record to save, or each field's problem in the operator's language.
    fn parse(&self, code: &str, tr: &I18n) -> Result<Site, Vec<(SiteField, String)>> {
        let mut errors = Vec::new();
        let capacity = match self.capacity.trim() {
            "" => None,
            text => match text.replace('.', "").parse::<u32>() {
                Ok(value) => Some(value),
                Err(_) => {
                    errors.push((SiteField::Capacity, tr.t("admin.site.error.capacity").to_string()));
                    None
                }
            },
        };
        let record = site::normalized(&Site {
            code: code.to_string(),
            name: self.name.clone(),
            location: self.location.clone(),
            region: self.region.clone(),
            timezone: self.timezone.clone(),
            capacity,
            receipt_header: self.receipt_header.clone(),
            receipt_footer: self.receipt_footer.clone(),
        });
        errors
            .extend(site::check(&record).iter().map(|problem| (problem.field(), problem_text(problem, tr))));
        if errors.is_empty() { Ok(record) } else { Err(errors) }
    }
}

fn problem_text(problem: &SiteProblem, tr: &I18n) -> String {
    match problem {
        SiteProblem::NameEmpty => tr.t("admin.site.error.name_empty").to_string(),
        SiteProblem::TooLong { max, .. } => tr.f("admin.site.error.too_long", &[("max", max)]),
        SiteProblem::UnknownTimezone(zone) => tr.f("admin.site.error.timezone", &[("zone", zone)]),
        SiteProblem::ZeroCapacity => tr.t("admin.site.error.capacity").to_string(),
        SiteProblem::TooManyLines { max, .. } => tr.f("admin.site.error.too_many_lines", &[("max", max)]),
        SiteProblem::LineTooLong { line, max, .. } => {
            tr.f("admin.site.error.line_too_long", &[("line", line), ("max", max)])
        }
    }
}

/// The settings screen's state.
#[derive(Default)]
pub struct SettingsState {
    load: Option<Task<Result<Option<Site>, String>>>,
    /// The record as stored (`None` before loading or when the database has none yet).
    stored: Option<Site>,
    loaded: bool,
    error: Option<String>,
    form: SiteForm,
    save: Option<Task<Result<Site, String>>>,
    save_error: Option<String>,
    saved: bool,
    /// Old records: the configured days and the purge before a day.
    retention: super::retention::RetentionPanel,
}

/// The screen.
pub fn settings_ui(ui: &mut egui::Ui, state: &mut SettingsState, env: Env<'_>) {
    let tr = env.tr;
    let config = env.runtime.config();
    if state.load.is_none() && !state.loaded && state.error.is_none() {
        state.load = Some(start_load(&env));
    }
    poll(state, &env);
    ui.horizontal(|ui| {
        ui.heading(RichText::new(tr.t("admin.site.title")).size(28.0));
        ui.label(RichText::new(&config.site.code).monospace().color(theme::MUTED));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let idle = state.load.is_none() && state.save.is_none();
            if KeyButton::new(tr.t("admin.refresh"), Some(Key::F5)).enabled(idle).show(ui) {
                state.saved = false;
                state.load = Some(start_load(&env));
            }
            if !idle {
                ui.spinner();
            }
        });
    });
    if let Some(error) = &state.error {
        theme::message_ui(ui, theme::FAULT_BG, theme::FAULT, tr.f("admin.load_failed", &[("error", error)]));
    }
    if !state.loaded {
        return;
    }
    if state.stored.is_none() {
        ui.label(RichText::new(tr.t("admin.site.not_in_database")).color(theme::WARN));
    }
    let parsed = state.form.parse(&config.site.code, tr);
    let errors = parsed.as_ref().err().cloned().unwrap_or_default();
    ui.add_space(6.0);
    egui::ScrollArea::vertical().id_salt("settings-scroll").show(ui, |ui| {
        ui.columns(2, |columns| {
            theme::column_card(&mut columns[0], |ui| {
                ui.set_width(ui.available_width());
                form_ui(ui, &mut state.form, &errors, tr);
            });
            theme::column_card(&mut columns[1], |ui| {
                ui.set_width(ui.available_width());
                effect_ui(ui, state, &env);
            });
        });
        ui.add_space(10.0);
        if let Some(error) = &state.save_error {
            ui.label(RichText::new(tr.f("admin.site.save_failed", &[("error", error)])).color(theme::FAULT));
        }
        if state.saved {
            ui.label(RichText::new(tr.t("admin.site.saved")).color(theme::GOOD));
        }
        let changed = parsed.as_ref().ok() != state.stored.as_ref();
        let ready = state.save.is_none() && changed;
        ui.horizontal(|ui| {
            let save =
                KeyButton::new(tr.t("admin.site.save"), None).primary(true).enabled(ready && parsed.is_ok());
            if save.show(ui)
                && let Ok(record) = parsed.clone()
            {
                state.save_error = None;
                state.saved = false;
                let actor = super::actor(&env);
                let tr = env.tr.clone();
                state.save = Some(Task::spawn("site-save", env.waker, move || {
                    site::save(&actor.acting(), &record).map_err(|err| admin_error_text(&err, &tr))
                }));
            }
            let reset = KeyButton::new(tr.t("admin.site.reset"), None).enabled(state.save.is_none());
            if reset.show(ui) {
                state.form = state.stored.as_ref().map(SiteForm::of).unwrap_or_else(|| from_config(&env));
                state.save_error = None;
            }
        });
        ui.add_space(12.0);
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            super::retention::retention_ui(ui, &mut state.retention, &env);
        });
    });
}

fn poll(state: &mut SettingsState, env: &Env<'_>) {
    if let Some(task) = &mut state.load
        && let Some(result) = task.take()
    {
        state.load = None;
        match result {
            Ok(stored) => {
                state.form = stored.as_ref().map(SiteForm::of).unwrap_or_else(|| from_config(env));
                state.stored = stored;
                state.loaded = true;
                state.error = None;
            }
            Err(err) => state.error = Some(err),
        }
    }
    if let Some(task) = &mut state.save
        && let Some(result) = task.take()
    {
        state.save = None;
        match result {
            Ok(_) => {
                state.saved = true;
                state.load = Some(start_load(env));
            }
            Err(err) => state.save_error = Some(err),
        }
    }
}

/// What this booth's config says, for a site the database does not know yet.
fn from_config(env: &Env<'_>) -> SiteForm {
    let site = &env.runtime.config().site;
    SiteForm {
        name: site.name.clone(),
        location: site.location.clone(),
        region: site.region.clone(),
        capacity: site.capacity.map(|c| c.to_string()).unwrap_or_default(),
        timezone: site.timezone.clone(),
        receipt_header: env.runtime.config().devices.printer.header_lines.join("\n"),
        receipt_footer: env.runtime.config().devices.printer.footer_lines.join("\n"),
    }
}

fn form_ui(ui: &mut egui::Ui, form: &mut SiteForm, errors: &[(SiteField, String)], tr: &I18n) {
    let error_of = |field: SiteField| errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone());
    egui::Grid::new("site-form").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
        for (key, value, field, hint) in [
            ("admin.site.name", &mut form.name, SiteField::Name, ""),
            ("admin.site.location", &mut form.location, SiteField::Location, ""),
            ("admin.site.region", &mut form.region, SiteField::Region, ""),
            (
                "admin.site.capacity",
                &mut form.capacity,
                SiteField::Capacity,
                tr.t("admin.site.capacity_hint"),
            ),
        ] {
            let label = ui.label(tr.t(key));
            ui.vertical(|ui| {
                let edit = egui::TextEdit::singleline(value).hint_text(hint).desired_width(320.0);
                ui.add(edit).labelled_by(label.id);
                error_ui(ui, error_of(field));
            });
            ui.end_row();
        }
        let label = ui.label(tr.t("admin.site.timezone"));
        ui.vertical(|ui| {
            ui.horizontal(|ui| {
                let edit = egui::TextEdit::singleline(&mut form.timezone).desired_width(200.0);
                ui.add(edit).labelled_by(label.id);
                egui::ComboBox::from_id_salt("site-timezone")
                    .selected_text(tr.t("admin.site.timezone_pick"))
                    .show_ui(ui, |ui| {
                        for zone in COMMON_TIMEZONES {
                            let text = format!("{zone} · {}", tr.t(zone_key(zone)));
                            ui.selectable_value(&mut form.timezone, zone.to_string(), text);
                        }
                    });
            });
            error_ui(ui, error_of(SiteField::Timezone));
        });
        ui.end_row();
        for (key, value, field) in [
            ("admin.site.receipt_header", &mut form.receipt_header, SiteField::ReceiptHeader),
            ("admin.site.receipt_footer", &mut form.receipt_footer, SiteField::ReceiptFooter),
        ] {
            let label = ui.label(tr.t(key));
            ui.vertical(|ui| {
                let edit =
                    egui::TextEdit::multiline(value).desired_rows(3).desired_width(320.0).code_editor();
                ui.add(edit).labelled_by(label.id);
                error_ui(ui, error_of(field));
            });
            ui.end_row();
        }
    });
    let limits = tr.f(
        "admin.site.receipt_limits",
        &[("lines", &site::RECEIPT_MAX_LINES), ("chars", &site::RECEIPT_LINE_MAX_CHARS)],
    );
    ui.label(RichText::new(limits).size(14.0).color(theme::MUTED));
}

fn zone_key(zone: &str) -> &'static str {
    match zone {
        "Asia/Makassar" => "admin.site.wita",
        "Asia/Jayapura" => "admin.site.wit",
        _ => "admin.site.wib",
    }
}

fn error_ui(ui: &mut egui::Ui, error: Option<String>) {
    if let Some(message) = error {
        ui.label(RichText::new(message).color(theme::FAULT));
    }
}

/// Where each setting takes effect: booths take the saved settings when they start.
fn effect_ui(ui: &mut egui::Ui, state: &SettingsState, env: &Env<'_>) {
    let tr = env.tr;
    let config = env.runtime.config();
    section_title_ui(ui, tr.t("admin.site.effect"));
    ui.label(tr.t("admin.site.effect_database"));
    ui.add_space(6.0);
    ui.label(tr.t("admin.site.effect_booths"));
    ui.add_space(6.0);
    let booth = [
        (tr.t("admin.site.name"), config.site.name.clone()),
        (tr.t("admin.site.capacity"), config.site.capacity.map_or_else(|| "–".into(), |c| c.to_string())),
        (tr.t("admin.site.timezone"), config.site.timezone.clone()),
    ];
    egui::Grid::new("site-config").num_columns(2).spacing([12.0, 4.0]).show(ui, |ui| {
        for (label, value) in booth {
            ui.label(RichText::new(label).color(theme::MUTED));
            ui.label(RichText::new(value).monospace());
            ui.end_row();
        }
    });
    ui.add_space(6.0);
    ui.label(tr.f("admin.site.effect_timezone", &[("zone", &config.site.timezone)]));
    let stored_zone = state.stored.as_ref().map(|s| s.timezone.as_str());
    if let Some(zone) = stored_zone
        && zone != config.site.timezone
    {
        ui.add_space(6.0);
        theme::banner(theme::WARN_BG, theme::WARN).show(ui, |ui| {
            let text =
                tr.f("admin.site.timezone_differs", &[("stored", &zone), ("config", &config.site.timezone)]);
            ui.label(RichText::new(text).color(theme::WARN));
        });
    }
}

fn start_load(env: &Env<'_>) -> Task<Result<Option<Site>, String>> {
    let store = env.runtime.store();
    let code = env.site().to_string();
    Task::spawn("admin-site", env.waker, move || store.site(&code).map_err(|err| err.to_string()))
}
