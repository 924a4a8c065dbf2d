//! Tariffs per vehicle class: the version in force and its history, an edit form whose preview
//! shows the fee of typical stays before saving, and an effective-from moment (vehicles that
//! came in before it keep the tariff of their entry).

pub mod form;

use super::admin_error_text;

use chrono::{DateTime, Utc};
use egui::{Key, RichText};

use self::form::{Effective, Field, TariffForm, preview_ui};
use crate::admin::tariffs;
use crate::domain::{ClassCode, MemberRule, Tariff, VehicleClass};
use crate::store::TariffVersion;
use crate::ui::app::Env;
use crate::ui::i18n::I18n;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::{KeyButton, section_title_ui};

/// Classes and every tariff version of the site.
#[derive(Debug, Clone)]
struct TariffData {
    classes: Vec<VehicleClass>,
    versions: Vec<TariffVersion>,
}

/// The tariffs screen's state.
#[derive(Default)]
pub struct TariffsState {
    load: Option<Task<Result<TariffData, String>>>,
    data: Option<TariffData>,
    error: Option<String>,
    selected: Option<ClassCode>,
    form: TariffForm,
    effective: Effective,
    save: Option<Task<Result<DateTime<Utc>, String>>>,
    saved: Option<(ClassCode, DateTime<Utc>)>,
    save_error: Option<String>,
}

impl TariffsState {
    /// The class being edited.
    pub fn selected(&self) -> Option<&ClassCode> {
        self.selected.as_ref()
    }
}

/// The screen.
pub fn tariffs_ui(ui: &mut egui::Ui, state: &mut TariffsState, env: Env<'_>) {
    let tr = env.tr;
    if state.load.is_none() && state.data.is_none() && state.error.is_none() {
        state.load = Some(start_load(&env));
    }
    poll(state, &env);
    ui.horizontal(|ui| {
        ui.heading(RichText::new(tr.t("admin.tariffs.title")).size(28.0));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let refresh = KeyButton::new(tr.t("admin.refresh"), Some(Key::F5)).enabled(state.load.is_none());
            if refresh.show(ui) {
                state.load = Some(start_load(&env));
            }
            if state.load.is_some() {
                ui.spinner();
            }
        });
    });
    if let Some(error) = &state.error {
        theme::message_ui(ui, theme::FAULT_BG, theme::FAULT, tr.f("admin.load_failed", &[("error", error)]));
    }
    let Some(data) = state.data.clone() else { return };
    ui.add_space(6.0);
    class_picker_ui(ui, state, &data, &env);
    let Some(class) = state.selected.clone() else { return };
    let now = env.runtime.clock().now();
    let current = in_force(&data.versions, &class, now).map(|v| v.tariff.clone());
    ui.add_space(8.0);
    egui::ScrollArea::vertical().id_salt("tariffs-scroll").show(ui, |ui| {
        ui.columns(2, |columns| {
            theme::column_card(&mut columns[0], |ui| {
                ui.set_width(ui.available_width());
                edit_ui(ui, state, &class, current.as_ref(), &env);
            });
            theme::column_card(&mut columns[1], |ui| {
                ui.set_width(ui.available_width());
                section_title_ui(ui, tr.t("admin.tariffs.preview"));
                let edited = state.form.parse(&class, tr).ok();
                preview_ui(ui, current.as_ref(), edited.as_ref(), tr);
                ui.label(RichText::new(tr.t("admin.tariffs.preview_hint")).size(14.0).color(theme::MUTED));
                ui.add_space(12.0);
                section_title_ui(ui, tr.t("admin.tariffs.history"));
                history_ui(ui, &data.versions, &class, &env);
            });
        });
    });
}

fn poll(state: &mut TariffsState, env: &Env<'_>) {
    if let Some(task) = &mut state.load
        && let Some(result) = task.take()
    {
        state.load = None;
        match result {
            Ok(data) => {
                let now = env.runtime.clock().now();
                let keep = state.selected.clone().filter(|c| data.classes.iter().any(|v| &v.code == c));
                let class = keep.or_else(|| data.classes.first().map(|c| c.code.clone()));
                state.data = Some(data);
                state.error = None;
                if let Some(class) = class {
                    select(state, class, now);
                }
            }
            Err(err) => state.error = Some(err),
        }
    }
    if let Some(task) = &mut state.save
        && let Some(result) = task.take()
    {
        state.save = None;
        match result {
            Ok(at) => {
                state.saved = state.selected.clone().map(|class| (class, at));
                state.effective = Effective::default();
                state.load = Some(start_load(env));
            }
            Err(err) => state.save_error = Some(err),
        }
    }
}

/// Shows `class` in the form, filled from the tariff in force now.
fn select(state: &mut TariffsState, class: ClassCode, now: DateTime<Utc>) {
    let tariff =
        state.data.as_ref().and_then(|d| in_force(&d.versions, &class, now)).map(|v| v.tariff.clone());
    state.form = tariff.map(|t| TariffForm::of(&t)).unwrap_or_default();
    state.selected = Some(class);
    state.save_error = None;
}

fn in_force<'a>(
    versions: &'a [TariffVersion],
    class: &ClassCode,
    at: DateTime<Utc>,
) -> Option<&'a TariffVersion> {
    versions
        .iter()
        .filter(|v| &v.tariff.class == class && v.effective_from <= at)
        .max_by_key(|v| v.effective_from)
}

fn class_picker_ui(ui: &mut egui::Ui, state: &mut TariffsState, data: &TariffData, env: &Env<'_>) {
    let language = env.tr.language().code();
    ui.horizontal_wrapped(|ui| {
        for class in &data.classes {
            let selected = state.selected.as_ref() == Some(&class.code);
            let text = RichText::new(format!("{} · {}", class.code, class.name(language))).size(18.0);
            let text = if selected { text.strong().color(theme::ACCENT) } else { text };
            let button = egui::Button::selectable(selected, text).min_size(egui::vec2(150.0, 40.0));
            if ui.add_enabled(state.save.is_none(), button).clicked() && !selected {
                select(state, class.code.clone(), env.runtime.clock().now());
                state.saved = None;
            }
        }
    });
}

fn edit_ui(
    ui: &mut egui::Ui,
    state: &mut TariffsState,
    class: &ClassCode,
    current: Option<&Tariff>,
    env: &Env<'_>,
) {
    let tr = env.tr;
    section_title_ui(ui, &tr.f("admin.tariffs.edit", &[("class", class)]));
    if current.is_none() {
        ui.label(RichText::new(tr.t("admin.tariffs.none_in_force")).color(theme::WARN));
    }
    let errors = state.form.parse(class, tr).err().unwrap_or_default();
    let tz = env.runtime.config().timezone();
    let now = env.runtime.clock().now();
    let effective = state.effective.parse(now, tz, tr);
    let form = &mut state.form;
    egui::Grid::new("tariff-form").num_columns(3).spacing([12.0, 8.0]).show(ui, |ui| {
        field_ui(
            ui,
            tr,
            "admin.tariffs.grace",
            &mut form.grace,
            "admin.tariffs.unit_minutes",
            Field::Grace,
            &errors,
        );
        field_ui(
            ui,
            tr,
            "admin.tariffs.first_period",
            &mut form.first_period,
            "admin.tariffs.unit_minutes",
            Field::FirstPeriod,
            &errors,
        );
        field_ui(
            ui,
            tr,
            "admin.tariffs.first_fee",
            &mut form.first_fee,
            "admin.tariffs.unit_rupiah",
            Field::FirstFee,
            &errors,
        );
        field_ui(
            ui,
            tr,
            "admin.tariffs.next_period",
            &mut form.next_period,
            "admin.tariffs.unit_minutes",
            Field::NextPeriod,
            &errors,
        );
        field_ui(
            ui,
            tr,
            "admin.tariffs.next_fee",
            &mut form.next_fee,
            "admin.tariffs.unit_rupiah",
            Field::NextFee,
            &errors,
        );
        field_ui(
            ui,
            tr,
            "admin.tariffs.daily_max",
            &mut form.daily_max,
            "admin.tariffs.unit_rupiah",
            Field::DailyMax,
            &errors,
        );
        field_ui(
            ui,
            tr,
            "admin.tariffs.lost_fine",
            &mut form.lost_fine,
            "admin.tariffs.unit_rupiah",
            Field::LostFine,
            &errors,
        );
        ui.label(tr.t("admin.tariffs.member"));
        ui.horizontal(|ui| {
            ui.radio_value(&mut form.member_free, true, tr.t("admin.tariffs.member_free"));
            ui.radio_value(&mut form.member_free, false, tr.t("admin.tariffs.member_percent"));
        });
        ui.end_row();
        if !form.member_free {
            field_ui(
                ui,
                tr,
                "admin.tariffs.percent",
                &mut form.percent,
                "admin.tariffs.unit_percent",
                Field::Percent,
                &errors,
            );
        }
    });
    ui.add_space(10.0);
    section_title_ui(ui, tr.t("admin.tariffs.effective"));
    let choice = &mut state.effective;
    ui.horizontal(|ui| {
        ui.radio_value(&mut choice.now, true, tr.t("admin.tariffs.effective_now"));
        if ui.radio_value(&mut choice.now, false, tr.t("admin.tariffs.effective_at")).clicked() {
            choice.suggest(now, tz);
        }
    });
    if !choice.now {
        ui.horizontal(|ui| {
            let label = ui.label(tr.f("admin.tariffs.date", &[("tz", &tz)]));
            let date =
                egui::TextEdit::singleline(&mut choice.date).hint_text("dd/mm/yyyy").desired_width(130.0);
            ui.add(date).labelled_by(label.id);
            let label = ui.label(tr.t("admin.tariffs.time"));
            let time = egui::TextEdit::singleline(&mut choice.time).hint_text("HH:MM").desired_width(70.0);
            ui.add(time).labelled_by(label.id);
        });
        if let Err(message) = &effective {
            ui.label(RichText::new(message).color(theme::FAULT));
        }
    }
    ui.label(RichText::new(tr.t("admin.tariffs.effective_hint")).size(14.0).color(theme::MUTED));
    ui.add_space(10.0);
    if let Some(error) = &state.save_error {
        ui.label(RichText::new(tr.f("admin.tariffs.save_failed", &[("error", error)])).color(theme::FAULT));
    }
    if let Some((saved_class, at)) = &state.saved
        && saved_class == class
    {
        let at = at.with_timezone(&tz).format("%d/%m/%Y %H:%M");
        let text = tr.f("admin.tariffs.saved", &[("class", saved_class), ("at", &at)]);
        ui.label(RichText::new(text).color(theme::GOOD));
    }
    let parsed = state.form.parse(class, tr).ok();
    let unchanged = parsed.as_ref() == current && state.effective.now;
    let ready = parsed.is_some() && effective.is_ok() && state.save.is_none() && !unchanged;
    ui.horizontal(|ui| {
        if KeyButton::new(tr.t("admin.tariffs.save"), None).primary(true).enabled(ready).show(ui)
            && let (Some(tariff), Ok(at)) = (parsed, effective)
        {
            state.save_error = None;
            state.saved = None;
            let actor = super::actor(env);
            let tr = env.tr.clone();
            state.save = Some(Task::spawn("tariff-save", env.waker, move || {
                let at = at.unwrap_or_else(|| actor.clock.now());
                tariffs::save(&actor.acting(), &tariff, at)
                    .map(|()| at)
                    .map_err(|err| admin_error_text(&err, &tr))
            }));
        }
        let reset = KeyButton::new(tr.t("admin.tariffs.reset"), None).enabled(state.save.is_none());
        if reset.show(ui) {
            state.form = current.map(TariffForm::of).unwrap_or_default();
            state.effective = Effective::default();
            state.save_error = None;
        }
        if state.save.is_some() {
            ui.spinner();
        }
    });
}

/// One labelled field in the form grid, with its unit and, beside it, what is wrong.
fn field_ui(
    ui: &mut egui::Ui,
    tr: &I18n,
    label_key: &str,
    value: &mut String,
    unit_key: &str,
    field: Field,
    errors: &[(Field, String)],
) {
    let label = ui.label(tr.t(label_key));
    let error = errors.iter().find(|(f, _)| *f == field).map(|(_, message)| message);
    ui.horizontal(|ui| {
        let mut edit = egui::TextEdit::singleline(value).desired_width(140.0);
        if error.is_some() {
            edit = edit.text_color(theme::FAULT);
        }
        ui.add(edit).labelled_by(label.id);
        ui.label(RichText::new(tr.t(unit_key)).color(theme::MUTED));
    });
    match error {
        Some(message) => ui.label(RichText::new(message).color(theme::FAULT)),
        None => ui.label(""),
    };
    ui.end_row();
}

fn history_ui(ui: &mut egui::Ui, versions: &[TariffVersion], class: &ClassCode, env: &Env<'_>) {
    let tr = env.tr;
    let tz = env.runtime.config().timezone();
    let now = env.runtime.clock().now();
    let in_force_from = in_force(versions, class, now).map(|v| v.effective_from);
    let mut list: Vec<&TariffVersion> = versions.iter().filter(|v| &v.tariff.class == class).collect();
    list.sort_by_key(|v| std::cmp::Reverse(v.effective_from));
    if list.is_empty() {
        ui.label(RichText::new(tr.t("admin.tariffs.no_history")).color(theme::MUTED));
        return;
    }
    egui::Grid::new("tariff-history").striped(true).num_columns(4).spacing([16.0, 4.0]).show(ui, |ui| {
        for key in ["admin.tariffs.from", "admin.tariffs.by", "admin.tariffs.summary", "admin.tariffs.state"]
        {
            ui.label(RichText::new(tr.t(key)).color(theme::MUTED));
        }
        ui.end_row();
        for version in list {
            ui.label(version.effective_from.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string());
            ui.label(&version.created_by);
            let t = &version.tariff;
            let member = match t.member {
                MemberRule::Free => tr.t("admin.tariffs.member_free").to_string(),
                MemberRule::PercentOff(p) => format!("{p}%"),
            };
            let summary = tr.f(
                "admin.tariffs.summary_line",
                &[
                    ("first_min", &t.first_period_min),
                    ("first", &t.first_fee),
                    ("next_min", &t.next_period_min),
                    ("next", &t.next_fee),
                    ("max", &t.daily_max),
                ],
            );
            let detail = tr.f(
                "admin.tariffs.summary_detail",
                &[("grace", &t.grace_min), ("lost", &t.lost_fine), ("member", &member)],
            );
            ui.label(RichText::new(summary).size(14.0)).on_hover_text(detail);
            let (key, color) = if version.effective_from > now {
                ("admin.tariffs.scheduled", theme::WARN)
            } else if Some(version.effective_from) == in_force_from {
                ("admin.tariffs.in_force", theme::GOOD)
            } else {
                ("admin.tariffs.past", theme::MUTED)
            };
            ui.label(RichText::new(tr.t(key)).color(color));
            ui.end_row();
        }
    });
}

fn start_load(env: &Env<'_>) -> Task<Result<TariffData, String>> {
    let store = env.runtime.store();
    let site = env.site().to_string();
    Task::spawn("admin-tariffs", env.waker, move || {
        let classes = store.vehicle_classes().map_err(|e| e.to_string())?;
        let versions = store.tariff_versions(&site).map_err(|e| e.to_string())?;
        Ok(TariffData { classes, versions })
    })
}
