//! The transaction filters as the admin types them, and the store filter they make.

use crate::ui::admin::filter_field_ui;
use chrono::NaiveDate;
use chrono_tz::Tz;
use egui::RichText;

use crate::admin::visits::{day_range, parse_day};
use crate::domain::{ClassCode, VehicleClass};
use crate::store::{PaymentMethod, VisitFilter, VisitState};
use crate::ui::i18n::I18n;
use crate::ui::theme;

/// Visits, or the barrier openings by hand that the audit log holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListKind {
    /// Entries with their exits.
    #[default]
    Visits,
    /// `manual_open` audit lines.
    ManualOpens,
}

/// The filter form.
#[derive(Debug, Clone, Default)]
pub struct FilterForm {
    /// First local day, as typed.
    pub from: String,
    /// Last local day, as typed.
    pub to: String,
    /// Part of a plate, spaces allowed.
    pub plate: String,
    /// Part of a ticket number.
    pub ticket: String,
    /// One class, or any.
    pub class: Option<ClassCode>,
    /// Entry or exit booth code.
    pub booth: String,
    /// Entry or exit operator username.
    pub operator: String,
    /// One payment method, or any.
    pub method: Option<PaymentMethod>,
    /// Inside or exited, or both.
    pub state: Option<VisitState>,
    /// Lost tickets only.
    pub lost_only: bool,
    /// Rows written from an offline journal only.
    pub offline_only: bool,
    /// Visits with a second payment at another booth only.
    pub duplicates_only: bool,
    /// Visits closed by a forced close only.
    pub forced_only: bool,
    /// Visits made by simulation too.
    pub include_simulated: bool,
    /// What the list shows.
    pub kind: ListKind,
}

/// A filter the store can run, with the days it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The store filter.
    pub filter: VisitFilter,
    /// First local day.
    pub from: NaiveDate,
    /// Last local day.
    pub to: NaiveDate,
    /// What the list shows.
    pub kind: ListKind,
}

impl FilterForm {
    /// Today to today, everything else open.
    pub fn for_day(today: NaiveDate) -> Self {
        let day = today.format("%d/%m/%Y").to_string();
        Self { from: day.clone(), to: day, ..Self::default() }
    }

    /// The store filter for `site`, or the operator's reason why the form cannot be run.
    pub fn apply(&self, site: Option<&str>, tz: Tz, tr: &I18n) -> Result<Applied, String> {
        let day = |text: &str| {
            parse_day(text).ok_or_else(|| tr.f("admin.tx.error.bad_day", &[("text", &text.trim())]))
        };
        let (from_day, to_day) = (day(&self.from)?, day(&self.to)?);
        let (from, to) =
            day_range(from_day, to_day, tz).ok_or_else(|| tr.t("admin.tx.error.to_before_from"))?;
        let text = |value: &str| Some(value.trim().to_string()).filter(|v| !v.is_empty());
        let filter = VisitFilter {
            site: site.map(str::to_string),
            from: Some(from),
            to: Some(to),
            plate: text(&self.plate),
            ticket: text(&self.ticket),
            class: self.class.clone(),
            booth: text(&self.booth).map(|b| b.to_uppercase()),
            operator: text(&self.operator).map(|o| o.to_lowercase()),
            method: self.method,
            state: self.state,
            lost_only: self.lost_only,
            offline_only: self.offline_only,
            include_simulated: self.include_simulated,
            duplicates_only: self.duplicates_only,
            forced_only: self.forced_only,
        };
        Ok(Applied { filter, from: from_day, to: to_day, kind: self.kind })
    }
}

/// What the form asks for when drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormAction {
    /// Run the filter.
    Apply,
    /// Back to today with nothing else set, and run it.
    Reset,
}

/// The filter form; Enter in any field applies it.
pub fn filters_ui(
    ui: &mut egui::Ui,
    form: &mut FilterForm,
    classes: &[VehicleClass],
    tr: &I18n,
    busy: bool,
) -> Option<FormAction> {
    let mut action = None;
    let language = tr.language().code();
    let mut enter = false;
    let mut field = |ui: &mut egui::Ui, label: &str, value: &mut String, hint: &str, width: f32| {
        enter |= filter_field_ui(ui, label, value, hint, width);
    };
    egui::Grid::new("tx-filters").num_columns(8).spacing([10.0, 8.0]).show(ui, |ui| {
        field(ui, tr.t("admin.tx.from"), &mut form.from, "23/11/2026", 115.0);
        field(ui, tr.t("admin.tx.to"), &mut form.to, "23/11/2026", 115.0);
        field(ui, tr.t("admin.tx.plate"), &mut form.plate, "B 1234 XYZ", 130.0);
        field(ui, tr.t("admin.tx.ticket"), &mut form.ticket, "IN1-261123-0042", 160.0);
        ui.end_row();

        ui.label(RichText::new(tr.t("admin.tx.class")).color(theme::MUTED));
        let shown = match &form.class {
            Some(code) => class_name(classes, code, language),
            None => tr.t("admin.tx.any").to_string(),
        };
        egui::ComboBox::from_id_salt("tx-class").selected_text(shown).width(130.0).show_ui(ui, |ui| {
            ui.selectable_value(&mut form.class, None, tr.t("admin.tx.any"));
            for class in classes {
                let name = class_name(classes, &class.code, language);
                ui.selectable_value(&mut form.class, Some(class.code.clone()), name);
            }
        });
        field(ui, tr.t("admin.tx.booth"), &mut form.booth, "OUT1", 115.0);
        field(ui, tr.t("admin.tx.operator"), &mut form.operator, "budi", 130.0);
        ui.label(RichText::new(tr.t("admin.tx.method")).color(theme::MUTED));
        let shown = match form.method {
            Some(method) => tr.t(&format!("pay.method.{}", method.as_str())).to_string(),
            None => tr.t("admin.tx.any").to_string(),
        };
        egui::ComboBox::from_id_salt("tx-method").selected_text(shown).width(130.0).show_ui(ui, |ui| {
            ui.selectable_value(&mut form.method, None, tr.t("admin.tx.any"));
            for method in PaymentMethod::ALL {
                let name = tr.t(&format!("pay.method.{}", method.as_str())).to_string();
                ui.selectable_value(&mut form.method, Some(method), name);
            }
        });
        ui.end_row();

        ui.label(RichText::new(tr.t("admin.tx.state")).color(theme::MUTED));
        let state_name = |state: Option<VisitState>| match state {
            None => tr.t("admin.tx.any"),
            Some(VisitState::Inside) => tr.t("admin.tx.inside"),
            Some(VisitState::Exited) => tr.t("admin.tx.exited"),
        };
        egui::ComboBox::from_id_salt("tx-state").selected_text(state_name(form.state)).width(130.0).show_ui(
            ui,
            |ui| {
                for state in [None, Some(VisitState::Inside), Some(VisitState::Exited)] {
                    ui.selectable_value(&mut form.state, state, state_name(state));
                }
            },
        );
        ui.checkbox(&mut form.lost_only, tr.t("admin.tx.lost_only"));
        ui.label("");
        ui.checkbox(&mut form.offline_only, tr.t("admin.tx.offline_only"));
        ui.end_row();

        ui.label("");
        ui.checkbox(&mut form.duplicates_only, tr.t("admin.tx.duplicates_only"));
        ui.checkbox(&mut form.forced_only, tr.t("admin.tx.forced_only"));
        ui.label("");
        ui.checkbox(&mut form.include_simulated, tr.t("admin.tx.include_simulated"));
        ui.end_row();
    });
    ui.horizontal(|ui| {
        ui.label(RichText::new(tr.t("admin.tx.show")).color(theme::MUTED));
        ui.selectable_value(&mut form.kind, ListKind::Visits, tr.t("admin.tx.kind.visits"));
        ui.selectable_value(&mut form.kind, ListKind::ManualOpens, tr.t("admin.tx.kind.manual"));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.add_enabled(!busy, egui::Button::new(tr.t("admin.tx.reset"))).clicked() {
                action = Some(FormAction::Reset);
            }
            let apply =
                egui::Button::new(RichText::new(tr.t("admin.tx.apply")).strong().color(egui::Color32::WHITE))
                    .fill(theme::ACCENT);
            if ui.add_enabled(!busy, apply).clicked() {
                action = Some(FormAction::Apply);
            }
            if busy {
                ui.spinner();
            }
        });
    });
    if form.kind == ListKind::ManualOpens {
        ui.label(RichText::new(tr.t("admin.tx.manual_note")).color(theme::MUTED).size(15.0));
    }
    if enter && !busy && action.is_none() {
        action = Some(FormAction::Apply);
    }
    action
}

/// `MBL — Mobil`; the bare code for a class no longer configured.
pub fn class_name(classes: &[VehicleClass], code: &ClassCode, language: &str) -> String {
    match classes.iter().find(|c| &c.code == code) {
        Some(class) => format!("{} — {}", class.code, class.name(language)),
        None => code.to_string(),
    }
}
