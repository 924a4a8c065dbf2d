//! Member (season pass) cards: search by name, plate or card; add or edit a card; and the
//! cards running out soon. Saving goes through `crate::admin::members` (admin only, audited).

use chrono::NaiveDate;
use egui::{RichText, Vec2};

use crate::admin::members::{expiring_soon, save};
use crate::admin::visits::parse_day;
use crate::devices::input::CardUid;
use crate::domain::{ClassCode, VehicleClass};
use crate::store::{Member, StoreError};
use crate::ui::admin::{actor, admin_error_text};
use crate::ui::app::Env;
use crate::ui::i18n::I18n;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::section_title_ui;

/// Days ahead the "expiring soon" list looks.
pub const EXPIRING_DAYS: i64 = 14;

/// What one load brings.
struct Loaded {
    members: Vec<Member>,
    expiring: Vec<Member>,
    classes: Vec<VehicleClass>,
}

/// The card form.
#[derive(Default)]
struct Form {
    /// Editing a stored card (its uid stays) rather than adding one.
    existing: bool,
    card_uid: String,
    name: String,
    plate: String,
    class: Option<ClassCode>,
    valid_until: String,
    active: bool,
}

impl Form {
    fn new_card(today: NaiveDate) -> Self {
        let until = today.checked_add_months(chrono::Months::new(1)).unwrap_or(today);
        Self { active: true, valid_until: until.format("%d/%m/%Y").to_string(), ..Self::default() }
    }

    fn of(member: &Member) -> Self {
        Self {
            existing: true,
            card_uid: member.card_uid.clone(),
            name: member.name.clone(),
            plate: member.plate.clone().unwrap_or_default(),
            class: Some(member.class.clone()),
            valid_until: member.valid_until.format("%d/%m/%Y").to_string(),
            active: member.active,
        }
    }

    /// The member to save, or the operator's reason why not.
    fn member(&self, tr: &I18n) -> Result<Member, String> {
        let uid = CardUid::parse(&self.card_uid)
            .map_err(|_| tr.f("admin.members.error.card", &[("text", &self.card_uid.trim())]))?;
        if self.name.trim().is_empty() {
            return Err(tr.t("admin.members.error.name").into());
        }
        let class = self.class.clone().ok_or_else(|| tr.t("admin.members.error.class"))?;
        let valid_until = parse_day(&self.valid_until)
            .ok_or_else(|| tr.f("admin.tx.error.bad_day", &[("text", &self.valid_until.trim())]))?;
        let plate = Some(self.plate.trim().to_string()).filter(|p| !p.is_empty());
        Ok(Member {
            card_uid: uid.to_string(),
            name: self.name.trim().into(),
            plate,
            class,
            valid_until,
            active: self.active,
            // A card saved by an admin is a real card.
            simulated: false,
        })
    }
}

/// The screen's state.
#[derive(Default)]
pub struct MembersState {
    started: bool,
    search: String,
    load: Option<Task<Result<Loaded, StoreError>>>,
    data: Option<Loaded>,
    form: Option<Form>,
    run: Option<Task<Result<Member, crate::admin::AdminError>>>,
    notice: Option<String>,
    error: Option<String>,
}

impl MembersState {
    /// Card uids listed by the search.
    pub fn listed(&self) -> Vec<&str> {
        self.data
            .as_ref()
            .map(|d| d.members.iter().map(|m| m.card_uid.as_str()).collect())
            .unwrap_or_default()
    }
}

/// The screen.
pub fn members_ui(ui: &mut egui::Ui, state: &mut MembersState, env: Env<'_>) {
    let tr = env.tr;
    let today = env.runtime.clock().now().with_timezone(&env.runtime.config().timezone()).date_naive();
    if !state.started {
        state.started = true;
        state.form = Some(Form::new_card(today));
        start_load(state, &env, today);
    }
    poll(state, &env, today);
    ui.horizontal(|ui| {
        ui.heading(RichText::new(tr.t("admin.nav.members")).size(28.0));
        ui.add_space(20.0);
        let label = ui.label(RichText::new(tr.t("admin.members.search")).color(theme::MUTED));
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut state.search)
                    .hint_text(tr.t("admin.members.search_hint"))
                    .desired_width(320.0),
            )
            .labelled_by(label.id);
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.add_enabled(state.load.is_none(), egui::Button::new(tr.t("admin.members.find"))).clicked()
            || enter)
            && state.load.is_none()
        {
            start_load(state, &env, today);
        }
        if state.load.is_some() || state.run.is_some() {
            ui.spinner();
        }
    });
    super::outcome_ui(ui, state.notice.as_deref(), state.error.as_deref());
    ui.add_space(6.0);
    let mut pick = None;
    egui::Panel::right("members-side")
        .resizable(false)
        .exact_size(400.0)
        .frame(theme::panel(10, 0, 0, 0))
        .show(ui, |ui| {
            theme::card().show(ui, |ui| {
                ui.set_width(ui.available_width());
                form_ui(ui, state, &env, today);
            });
        });
    if let Some(data) = &state.data {
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            egui::ScrollArea::both().id_salt("members-lists").show(ui, |ui| {
                section_title_ui(ui, &tr.f("admin.members.found", &[("count", &data.members.len())]));
                pick = member_list_ui(ui, "members-grid", &data.members, &data.classes, today, tr)
                    .or(pick.take());
                ui.add_space(10.0);
                section_title_ui(ui, &tr.f("admin.members.expiring", &[("days", &EXPIRING_DAYS)]));
                if data.expiring.is_empty() {
                    ui.label(RichText::new(tr.t("admin.members.none_expiring")).color(theme::MUTED));
                } else {
                    pick = member_list_ui(ui, "expiring-grid", &data.expiring, &data.classes, today, tr)
                        .or(pick.take());
                }
            });
        });
    }
    if let Some(member) = pick {
        state.form = Some(Form::of(&member));
        state.notice = None;
        state.error = None;
    }
}

fn poll(state: &mut MembersState, env: &Env<'_>, today: NaiveDate) {
    let tr = env.tr;
    if let Some(task) = &mut state.load
        && let Some(result) = task.take()
    {
        state.load = None;
        match result {
            Ok(data) => state.data = Some(data),
            Err(err) => state.error = Some(tr.f("admin.records.error.store", &[("error", &err)])),
        }
    }
    if let Some(task) = &mut state.run
        && let Some(result) = task.take()
    {
        state.run = None;
        match result {
            Ok(member) => {
                state.notice = Some(tr.f("admin.members.saved", &[("name", &member.name)]));
                state.error = None;
                state.form = Some(Form::of(&member));
                start_load(state, env, today);
            }
            Err(err) => {
                state.notice = None;
                state.error = Some(admin_error_text(&err, tr));
            }
        }
    }
}

fn start_load(state: &mut MembersState, env: &Env<'_>, today: NaiveDate) {
    let store = env.runtime.store();
    let search = state.search.trim().to_string();
    state.load = Some(Task::spawn("admin-members", env.waker, move || {
        Ok(Loaded {
            members: store.list_members(&search)?,
            expiring: expiring_soon(store.as_ref(), today, EXPIRING_DAYS)?,
            classes: store.vehicle_classes()?,
        })
    }));
}

/// A list of cards; returns the one the admin picked to edit.
fn member_list_ui(
    ui: &mut egui::Ui,
    id: &str,
    members: &[Member],
    classes: &[VehicleClass],
    today: NaiveDate,
    tr: &I18n,
) -> Option<Member> {
    let mut picked = None;
    let language = tr.language().code();
    egui::Grid::new(id).striped(true).num_columns(6).spacing([14.0, 5.0]).show(ui, |ui| {
        for key in [
            "admin.members.card",
            "admin.members.name",
            "admin.members.plate",
            "admin.members.class",
            "admin.members.valid_until",
            "admin.members.status",
        ] {
            ui.label(RichText::new(tr.t(key)).color(theme::MUTED));
        }
        ui.end_row();
        for member in members {
            let card = egui::Button::new(RichText::new(&member.card_uid).monospace().color(theme::ACCENT))
                .frame(false);
            if ui.add(card).clicked() {
                picked = Some(member.clone());
            }
            ui.label(&member.name);
            ui.label(member.plate.clone().unwrap_or_else(|| "–".into()));
            let class = classes.iter().find(|c| c.code == member.class);
            ui.label(class.map(|c| c.name(language).to_string()).unwrap_or_else(|| member.class.to_string()));
            ui.label(member.valid_until.format("%d/%m/%Y").to_string());
            if member.active && member.valid_until < today {
                ui.label(RichText::new(tr.t("admin.members.expired")).color(theme::WARN));
            } else if member.active {
                ui.label(RichText::new(tr.t("admin.users.active")).color(theme::GOOD));
            } else {
                ui.label(RichText::new(tr.t("admin.users.inactive")).color(theme::FAULT));
            }
            ui.end_row();
        }
    });
    picked
}

fn form_ui(ui: &mut egui::Ui, state: &mut MembersState, env: &Env<'_>, today: NaiveDate) {
    let tr = env.tr;
    let busy = state.run.is_some();
    let classes = state.data.as_ref().map(|d| d.classes.clone()).unwrap_or_default();
    let Some(form) = &mut state.form else { return };
    ui.horizontal(|ui| {
        let title = if form.existing { "admin.members.edit_title" } else { "admin.members.new_title" };
        section_title_ui(ui, tr.t(title));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if form.existing && ui.add_enabled(!busy, egui::Button::new(tr.t("admin.members.new"))).clicked()
            {
                *form = Form::new_card(today);
            }
        });
    });
    let field = |ui: &mut egui::Ui, label: &str, value: &mut String, hint: &str, enabled: bool| {
        let label = ui.label(label);
        ui.add_enabled(
            enabled,
            egui::TextEdit::singleline(value).hint_text(hint).desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    };
    field(ui, tr.t("admin.members.card"), &mut form.card_uid, "0x00A1B2C3", !busy && !form.existing);
    field(ui, tr.t("admin.members.name"), &mut form.name, "", !busy);
    field(ui, tr.t("admin.members.plate"), &mut form.plate, "B 1234 XYZ", !busy);
    ui.label(tr.t("admin.members.class"));
    let language = tr.language().code();
    ui.horizontal_wrapped(|ui| {
        for class in &classes {
            ui.radio_value(&mut form.class, Some(class.code.clone()), class.name(language));
        }
    });
    field(ui, tr.t("admin.members.valid_until"), &mut form.valid_until, "31/12/2026", !busy);
    ui.checkbox(&mut form.active, tr.t("admin.members.active"));
    ui.add_space(6.0);
    let save_button =
        egui::Button::new(RichText::new(tr.t("admin.members.save")).strong().color(egui::Color32::WHITE))
            .fill(theme::ACCENT)
            .min_size(Vec2::new(ui.available_width(), 44.0));
    if ui.add_enabled(!busy, save_button).clicked() {
        match form.member(tr) {
            Ok(member) => {
                let actor = actor(env);
                state.error = None;
                state.notice = None;
                state.run =
                    Some(Task::spawn("admin-member-save", env.waker, move || save(&actor.acting(), &member)));
            }
            Err(reason) => {
                state.notice = None;
                state.error = Some(reason);
            }
        }
    }
}
