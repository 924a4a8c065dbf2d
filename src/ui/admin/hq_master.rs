//! HQ's own master data: member cards and tariff versions defined once at HQ for every site or a
//! list of them. They reach the sites through HQ's publication (`crate::hq::master`); the sites
//! use them beside their own, offline too through the booth cache. Every save is audited at HQ.

use chrono::{DateTime, NaiveDate, Utc};
use egui::RichText;
use egui_extras::{Column, TableBuilder};
use serde_json::json;
use uuid::Uuid;

use crate::admin::visits::parse_day;
use crate::config::DatabaseLocation;
use crate::devices::input::CardUid;
use crate::domain::{ClassCode, MemberRule, Rupiah, Tariff};
use crate::hq::{self, HqMember, HqTariff, Scope};
use crate::store::AuditRecord;
use crate::ui::admin::filter_field_ui;
use crate::ui::app::Env;
use crate::ui::i18n::I18n;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::section_title_ui;

/// How long a save or a load waits for HQ's server.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The scope part of both forms: every site, or the ticked ones.
#[derive(Default)]
struct ScopeForm {
    some: bool,
    ticked: Vec<String>,
}

impl ScopeForm {
    fn of(scope: &Scope) -> Self {
        match scope {
            Scope::AllSites => Self::default(),
            Scope::Sites(sites) => Self { some: true, ticked: sites.clone() },
        }
    }

    fn scope(&self, tr: &I18n) -> Result<Scope, String> {
        if !self.some {
            return Ok(Scope::AllSites);
        }
        if self.ticked.is_empty() {
            return Err(tr.t("hq.master.error.no_site").into());
        }
        Ok(Scope::Sites(self.ticked.clone()))
    }

    fn ui(&mut self, ui: &mut egui::Ui, sites: &[crate::store::Site], tr: &I18n) {
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.some, false, tr.t("hq.all_sites"));
            ui.radio_value(&mut self.some, true, tr.t("hq.master.these_sites"));
        });
        if self.some {
            ui.horizontal_wrapped(|ui| {
                for site in sites {
                    let mut on = self.ticked.contains(&site.code);
                    if ui.checkbox(&mut on, format!("{} · {}", site.code, site.name)).changed() {
                        if on {
                            self.ticked.push(site.code.clone());
                        } else {
                            self.ticked.retain(|code| code != &site.code);
                        }
                    }
                }
            });
        }
    }
}

fn scope_text(scope: &Scope, tr: &I18n) -> String {
    match scope {
        Scope::AllSites => tr.t("hq.all_sites").to_string(),
        Scope::Sites(sites) => sites.join(", "),
    }
}

/// HQ's database URL, or the words to show when this console is not on PostgreSQL.
fn hq_url(env: &Env<'_>) -> Result<String, String> {
    match env.runtime.config().database_location(env.runtime.data_dir()) {
        Ok(DatabaseLocation::Postgres(url)) => Ok(url),
        Ok(DatabaseLocation::Sqlite(_)) => Err(env.tr.t("hq.master.error.not_postgres").into()),
        Err(err) => Err(err.to_string()),
    }
}

/// Runs `work` against HQ's server on a task.
fn spawn<T: Send + 'static>(
    env: &Env<'_>,
    name: &str,
    work: impl FnOnce(&mut postgres::Client) -> Result<T, hq::HqError> + Send + 'static,
) -> Task<Result<T, String>> {
    let url = hq_url(env);
    Task::spawn(name, env.waker, move || {
        let url = url?;
        let mut client = hq::connect(&url, TIMEOUT).map_err(|err| err.to_string())?;
        work(&mut client).map_err(|err| err.to_string())
    })
}

/// An audit line at HQ for a master-data change; the change stands even if the line fails,
/// and the console says so.
fn audit(env: &Env<'_>, action: &str, detail: serde_json::Value) -> Option<String> {
    let record = AuditRecord {
        time: env.runtime.clock().now(),
        site: env.runtime.config().site.code.clone(),
        booth: env.runtime.config().booth.code.clone(),
        username: Some(env.session.user.username.clone()),
        action: action.into(),
        detail,
    };
    env.runtime.store().append_audit(&record).err().map(|err| err.to_string())
}

/// The member form.
#[derive(Default)]
struct MemberForm {
    existing: bool,
    card_uid: String,
    name: String,
    plate: String,
    class: Option<ClassCode>,
    valid_until: String,
    active: bool,
    scope: ScopeForm,
}

impl MemberForm {
    fn new_card(today: NaiveDate) -> Self {
        let until = today.checked_add_months(chrono::Months::new(1)).unwrap_or(today);
        Self { active: true, valid_until: until.format("%d/%m/%Y").to_string(), ..Self::default() }
    }

    fn of(member: &HqMember) -> Self {
        Self {
            existing: true,
            card_uid: member.card_uid.clone(),
            name: member.name.clone(),
            plate: member.plate.clone().unwrap_or_default(),
            class: Some(member.class.clone()),
            valid_until: member.valid_until.format("%d/%m/%Y").to_string(),
            active: member.active,
            scope: ScopeForm::of(&member.scope),
        }
    }

    fn member(&self, by: &str, now: DateTime<Utc>, tr: &I18n) -> Result<HqMember, String> {
        let uid = CardUid::parse(&self.card_uid)
            .map_err(|_| tr.f("admin.members.error.card", &[("text", &self.card_uid.trim())]))?;
        if self.name.trim().is_empty() {
            return Err(tr.t("admin.members.error.name").into());
        }
        let class = self.class.clone().ok_or_else(|| tr.t("admin.members.error.class"))?;
        let valid_until = parse_day(&self.valid_until)
            .ok_or_else(|| tr.f("admin.tx.error.bad_day", &[("text", &self.valid_until.trim())]))?;
        Ok(HqMember {
            card_uid: uid.to_string(),
            name: self.name.trim().into(),
            plate: Some(self.plate.trim().to_string()).filter(|p| !p.is_empty()),
            class,
            valid_until,
            active: self.active,
            scope: self.scope.scope(tr)?,
            updated_at: now,
            updated_by: by.into(),
        })
    }
}

/// HQ's member screen.
#[derive(Default)]
pub struct HqMembersState {
    search: String,
    load: Option<Task<Result<Vec<HqMember>, String>>>,
    loaded: bool,
    members: Vec<HqMember>,
    form: Option<MemberForm>,
    save: Option<Task<Result<HqMember, String>>>,
    notice: Option<String>,
    error: Option<String>,
}

impl HqMembersState {
    /// The cards listed.
    pub fn members(&self) -> &[HqMember] {
        &self.members
    }
}

/// The screen: search, list, and the card form.
pub fn members_ui(
    ui: &mut egui::Ui,
    state: &mut HqMembersState,
    sites: &[crate::store::Site],
    env: &Env<'_>,
) {
    let tr = env.tr;
    if let Some(task) = &mut state.load
        && let Some(result) = task.take()
    {
        state.load = None;
        match result {
            Ok(members) => state.members = members,
            Err(err) => state.error = Some(err),
        }
    }
    if let Some(task) = &mut state.save
        && let Some(result) = task.take()
    {
        state.save = None;
        match result {
            Ok(member) => {
                let detail =
                    json!({ "card_uid": member.card_uid, "scope": member.scope, "active": member.active });
                state.error = audit(env, "hq_member_saved", detail);
                state.notice = Some(tr.f("hq.master.member_saved", &[("name", &member.name)]));
                state.form = None;
                state.loaded = false;
            }
            Err(err) => state.error = Some(err),
        }
    }
    if !state.loaded && state.load.is_none() {
        state.loaded = true;
        let search = state.search.clone();
        state.load = Some(spawn(env, "hq-members", move |client| hq::list_members(client, &search)));
    }

    ui.heading(RichText::new(tr.t("hq.master.members")).size(28.0));
    ui.label(RichText::new(tr.t("hq.master.members_note")).color(theme::MUTED));
    theme::card().show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            let enter = filter_field_ui(ui, tr.t("admin.members.search"), &mut state.search, "", 260.0);
            if enter || ui.button(tr.t("admin.tx.apply")).clicked() {
                state.loaded = false;
            }
            if ui.button(tr.t("hq.master.new_member")).clicked() {
                let today =
                    env.runtime.clock().now().with_timezone(&env.runtime.config().timezone()).date_naive();
                state.form = Some(MemberForm::new_card(today));
            }
            if state.load.is_some() || state.save.is_some() {
                ui.spinner();
            }
        });
    });
    super::outcome_ui(ui, state.notice.as_deref(), state.error.as_deref());
    if let Some(form) = &mut state.form {
        let mut save = false;
        let mut cancel = false;
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            section_title_ui(ui, tr.t("hq.master.member_form"));
            egui::Grid::new("hq-member-form").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
                ui.label(tr.t("admin.members.card"));
                ui.add_enabled(
                    !form.existing,
                    egui::TextEdit::singleline(&mut form.card_uid).desired_width(220.0),
                );
                ui.end_row();
                ui.label(tr.t("admin.members.name"));
                ui.add(egui::TextEdit::singleline(&mut form.name).desired_width(320.0));
                ui.end_row();
                ui.label(tr.t("admin.members.plate"));
                ui.add(egui::TextEdit::singleline(&mut form.plate).desired_width(180.0));
                ui.end_row();
                ui.label(tr.t("admin.members.class"));
                class_ui(ui, "hq-member-class", &mut form.class);
                ui.end_row();
                ui.label(tr.t("admin.members.valid_until"));
                ui.add(egui::TextEdit::singleline(&mut form.valid_until).desired_width(120.0));
                ui.end_row();
                ui.label(tr.t("admin.members.active"));
                ui.checkbox(&mut form.active, "");
                ui.end_row();
            });
            section_title_ui(ui, tr.t("hq.master.valid_at"));
            form.scope.ui(ui, sites, tr);
            ui.horizontal(|ui| {
                save =
                    ui.add_enabled(state.save.is_none(), egui::Button::new(tr.t("hq.master.save"))).clicked();
                cancel = ui.button(tr.t("common.cancel")).clicked();
            });
        });
        if cancel {
            state.form = None;
        } else if save {
            match form.member(&env.session.user.username, env.runtime.clock().now(), tr) {
                Ok(member) => {
                    state.notice = None;
                    state.error = None;
                    state.save = Some(spawn(env, "hq-member-save", move |client| {
                        hq::save_member(client, &member)?;
                        Ok(member)
                    }));
                }
                Err(err) => state.error = Some(err),
            }
        }
    }
    theme::card().show(ui, |ui| {
        ui.set_width(ui.available_width());
        if state.members.is_empty() {
            ui.label(RichText::new(tr.t("hq.master.no_members")).color(theme::MUTED));
            return;
        }
        let mut edit = None;
        TableBuilder::new(ui)
            .id_salt("hq-members")
            .striped(true)
            .columns(Column::auto().at_least(90.0), 6)
            .column(Column::remainder())
            .header(26.0, |mut header| {
                for key in [
                    "admin.members.card",
                    "admin.members.name",
                    "admin.members.plate",
                    "admin.members.class",
                    "admin.members.valid_until",
                    "hq.master.valid_at",
                ] {
                    header.col(|ui| {
                        ui.strong(tr.t(key));
                    });
                }
                header.col(|_| {});
            })
            .body(|mut body| {
                for (index, member) in state.members.iter().enumerate() {
                    body.row(26.0, |mut row| {
                        row.col(|ui| {
                            ui.monospace(&member.card_uid);
                        });
                        row.col(|ui| {
                            let name = RichText::new(&member.name);
                            ui.label(if member.active {
                                name
                            } else {
                                name.strikethrough().color(theme::MUTED)
                            });
                        });
                        row.col(|ui| {
                            ui.label(member.plate.as_deref().unwrap_or("–"));
                        });
                        row.col(|ui| {
                            ui.label(member.class.as_str());
                        });
                        row.col(|ui| {
                            ui.label(member.valid_until.format("%d/%m/%Y").to_string());
                        });
                        row.col(|ui| {
                            ui.label(scope_text(&member.scope, tr));
                        });
                        row.col(|ui| {
                            if ui.button(tr.t("hq.master.edit")).clicked() {
                                edit = Some(index);
                            }
                        });
                    });
                }
            });
        if let Some(index) = edit
            && let Some(member) = state.members.get(index)
        {
            state.form = Some(MemberForm::of(member));
        }
    });
}

fn class_ui(ui: &mut egui::Ui, id: &str, class: &mut Option<ClassCode>) {
    let shown = class.as_ref().map(|c| c.as_str().to_string()).unwrap_or_default();
    egui::ComboBox::from_id_salt(id).selected_text(shown).show_ui(ui, |ui| {
        for code in ["MBL", "MTR", "TRK"] {
            if let Ok(code) = ClassCode::parse(code) {
                let label = code.as_str().to_string();
                ui.selectable_value(class, Some(code), label);
            }
        }
    });
}

/// The tariff form: every figure as typed, checked when saved.
struct TariffForm {
    class: Option<ClassCode>,
    grace_min: String,
    first_period_min: String,
    first_fee: String,
    next_period_min: String,
    next_fee: String,
    daily_max: String,
    lost_fine: String,
    member_percent: String,
    from_day: String,
    from_time: String,
    scope: ScopeForm,
}

impl TariffForm {
    fn new(today: NaiveDate) -> Self {
        let tomorrow = today.succ_opt().unwrap_or(today);
        Self {
            class: None,
            grace_min: "10".into(),
            first_period_min: "60".into(),
            first_fee: "5000".into(),
            next_period_min: "60".into(),
            next_fee: "3000".into(),
            daily_max: "50000".into(),
            lost_fine: "25000".into(),
            member_percent: "100".into(),
            from_day: tomorrow.format("%d/%m/%Y").to_string(),
            from_time: "00:00".into(),
            scope: ScopeForm::default(),
        }
    }

    fn version(&self, env: &Env<'_>) -> Result<HqTariff, String> {
        let tr = env.tr;
        let class = self.class.clone().ok_or_else(|| tr.t("admin.members.error.class"))?;
        let minutes = |text: &str| -> Result<u32, String> {
            text.trim().parse().map_err(|_| tr.f("hq.master.error.number", &[("text", &text.trim())]))
        };
        let money = |text: &str| -> Result<Rupiah, String> {
            Rupiah::parse(text).ok_or_else(|| tr.f("hq.master.error.number", &[("text", &text.trim())]))
        };
        let percent = minutes(&self.member_percent)?;
        let member = if percent >= 100 { MemberRule::Free } else { MemberRule::PercentOff(percent as u8) };
        let tariff = Tariff {
            class,
            grace_min: minutes(&self.grace_min)?,
            first_period_min: minutes(&self.first_period_min)?,
            first_fee: money(&self.first_fee)?,
            next_period_min: minutes(&self.next_period_min)?,
            next_fee: money(&self.next_fee)?,
            daily_max: money(&self.daily_max)?,
            lost_fine: money(&self.lost_fine)?,
            member,
        };
        tariff.validate().map_err(|err| err.to_string())?;
        let day = parse_day(&self.from_day)
            .ok_or_else(|| tr.f("admin.tx.error.bad_day", &[("text", &self.from_day.trim())]))?;
        let time = chrono::NaiveTime::parse_from_str(self.from_time.trim(), "%H:%M")
            .map_err(|_| tr.f("hq.master.error.time", &[("text", &self.from_time.trim())]))?;
        let tz = env.runtime.config().timezone();
        let from = day
            .and_time(time)
            .and_local_timezone(tz)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| tr.f("hq.master.error.time", &[("text", &self.from_time.trim())]))?;
        let now = env.runtime.clock().now();
        // Vehicles already inside keep the tariff they entered under: a version starts ahead.
        if from < now {
            return Err(tr.t("hq.master.error.past").into());
        }
        Ok(HqTariff {
            id: Uuid::new_v4(),
            tariff,
            effective_from: from,
            scope: self.scope.scope(tr)?,
            created_by: env.session.user.username.clone(),
            created_at: now,
        })
    }
}

/// HQ's tariff screen.
#[derive(Default)]
pub struct HqTariffsState {
    load: Option<Task<Result<Vec<HqTariff>, String>>>,
    loaded: bool,
    versions: Vec<HqTariff>,
    form: Option<TariffForm>,
    save: Option<Task<Result<HqTariff, String>>>,
    notice: Option<String>,
    error: Option<String>,
}

/// The screen: the versions defined at HQ, newest first, and the form for a new one.
pub fn tariffs_ui(
    ui: &mut egui::Ui,
    state: &mut HqTariffsState,
    sites: &[crate::store::Site],
    env: &Env<'_>,
) {
    let tr = env.tr;
    let tz = env.runtime.config().timezone();
    if let Some(task) = &mut state.load
        && let Some(result) = task.take()
    {
        state.load = None;
        match result {
            Ok(versions) => state.versions = versions,
            Err(err) => state.error = Some(err),
        }
    }
    if let Some(task) = &mut state.save
        && let Some(result) = task.take()
    {
        state.save = None;
        match result {
            Ok(version) => {
                let detail = json!({
                    "id": version.id, "class": version.tariff.class.as_str(),
                    "effective_from": version.effective_from, "scope": version.scope,
                });
                state.error = audit(env, "hq_tariff_added", detail);
                state.notice =
                    Some(tr.f("hq.master.tariff_saved", &[("class", &version.tariff.class.as_str())]));
                state.form = None;
                state.loaded = false;
            }
            Err(err) => state.error = Some(err),
        }
    }
    if !state.loaded && state.load.is_none() {
        state.loaded = true;
        state.load = Some(spawn(env, "hq-tariffs", hq::list_tariffs));
    }
    ui.heading(RichText::new(tr.t("hq.master.tariffs")).size(28.0));
    ui.label(RichText::new(tr.t("hq.master.tariffs_note")).color(theme::MUTED));
    ui.horizontal(|ui| {
        if ui.button(tr.t("hq.master.new_tariff")).clicked() {
            let today = env.runtime.clock().now().with_timezone(&tz).date_naive();
            state.form = Some(TariffForm::new(today));
        }
        if state.load.is_some() || state.save.is_some() {
            ui.spinner();
        }
    });
    super::outcome_ui(ui, state.notice.as_deref(), state.error.as_deref());
    if let Some(form) = &mut state.form {
        let mut save = false;
        let mut cancel = false;
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            section_title_ui(ui, tr.t("hq.master.tariff_form"));
            egui::Grid::new("hq-tariff-form").num_columns(4).spacing([12.0, 6.0]).show(ui, |ui| {
                ui.label(tr.t("admin.members.class"));
                class_ui(ui, "hq-tariff-class", &mut form.class);
                ui.label(tr.t("hq.master.grace"));
                ui.add(egui::TextEdit::singleline(&mut form.grace_min).desired_width(80.0));
                ui.end_row();
                ui.label(tr.t("hq.master.first_period"));
                ui.add(egui::TextEdit::singleline(&mut form.first_period_min).desired_width(80.0));
                ui.label(tr.t("hq.master.first_fee"));
                ui.add(egui::TextEdit::singleline(&mut form.first_fee).desired_width(120.0));
                ui.end_row();
                ui.label(tr.t("hq.master.next_period"));
                ui.add(egui::TextEdit::singleline(&mut form.next_period_min).desired_width(80.0));
                ui.label(tr.t("hq.master.next_fee"));
                ui.add(egui::TextEdit::singleline(&mut form.next_fee).desired_width(120.0));
                ui.end_row();
                ui.label(tr.t("hq.master.daily_max"));
                ui.add(egui::TextEdit::singleline(&mut form.daily_max).desired_width(120.0));
                ui.label(tr.t("hq.master.lost_fine"));
                ui.add(egui::TextEdit::singleline(&mut form.lost_fine).desired_width(120.0));
                ui.end_row();
                ui.label(tr.t("hq.master.member_percent"));
                ui.add(egui::TextEdit::singleline(&mut form.member_percent).desired_width(80.0));
                ui.label(tr.t("hq.master.from"));
                ui.horizontal(|ui| {
                    ui.add(egui::TextEdit::singleline(&mut form.from_day).desired_width(110.0));
                    ui.add(egui::TextEdit::singleline(&mut form.from_time).desired_width(60.0));
                });
                ui.end_row();
            });
            section_title_ui(ui, tr.t("hq.master.applies_at"));
            form.scope.ui(ui, sites, tr);
            ui.horizontal(|ui| {
                save =
                    ui.add_enabled(state.save.is_none(), egui::Button::new(tr.t("hq.master.save"))).clicked();
                cancel = ui.button(tr.t("common.cancel")).clicked();
            });
        });
        if cancel {
            state.form = None;
        } else if save {
            match form.version(env) {
                Ok(version) => {
                    state.notice = None;
                    state.error = None;
                    state.save = Some(spawn(env, "hq-tariff-save", move |client| {
                        hq::add_tariff(client, &version)?;
                        Ok(version)
                    }));
                }
                Err(err) => state.error = Some(err),
            }
        }
    }
    theme::card().show(ui, |ui| {
        ui.set_width(ui.available_width());
        if state.versions.is_empty() {
            ui.label(RichText::new(tr.t("hq.master.no_tariffs")).color(theme::MUTED));
            return;
        }
        TableBuilder::new(ui)
            .id_salt("hq-tariffs")
            .striped(true)
            .columns(Column::auto().at_least(80.0), 6)
            .column(Column::remainder())
            .header(26.0, |mut header| {
                for key in [
                    "admin.members.class",
                    "hq.master.from",
                    "hq.master.first_fee",
                    "hq.master.next_fee",
                    "hq.master.daily_max",
                    "hq.master.lost_fine",
                    "hq.master.applies_at",
                ] {
                    header.col(|ui| {
                        ui.strong(tr.t(key));
                    });
                }
            })
            .body(|mut body| {
                for version in &state.versions {
                    let t = &version.tariff;
                    body.row(26.0, |mut row| {
                        row.col(|ui| {
                            ui.label(t.class.as_str());
                        });
                        row.col(|ui| {
                            ui.label(
                                version
                                    .effective_from
                                    .with_timezone(&tz)
                                    .format("%d/%m/%Y %H:%M")
                                    .to_string(),
                            );
                        });
                        row.col(|ui| {
                            ui.label(format!("{} / {} min", t.first_fee, t.first_period_min));
                        });
                        row.col(|ui| {
                            ui.label(format!("{} / {} min", t.next_fee, t.next_period_min));
                        });
                        row.col(|ui| {
                            ui.label(t.daily_max.to_string());
                        });
                        row.col(|ui| {
                            ui.label(t.lost_fine.to_string());
                        });
                        row.col(|ui| {
                            ui.label(format!("{} · {}", scope_text(&version.scope, tr), version.created_by));
                        });
                    });
                }
            });
    });
}
