//! Operators: the list (role, active, lock, failed attempts), a new account, and for the one
//! picked: role, password reset, unlock, switch off or on. Every change goes through
//! `crate::admin::users` (admin only, audited, never leaving the site without an admin);
//! switching off and role changes are confirmed first.

use super::{actor, admin_error_text, store_error_text};
use chrono::{DateTime, Utc};
use egui::{RichText, Vec2};

use crate::admin::actor::Actor;
use crate::admin::{Acting, AdminError, users};
use crate::auth::{Hasher, NewUser};
use crate::store::{Role, StoreError, User};
use crate::ui::app::Env;
use crate::ui::i18n::I18n;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::section_title_ui;

/// Every role, in menu order.
const ROLES: [Role; 4] = [Role::Guard, Role::Cashier, Role::Admin, Role::Technician];

/// A change the admin asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    /// A new account.
    Create,
    /// A change to an existing account.
    Account(AccountChange),
}

/// A change to an existing account.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AccountChange {
    Activate(bool),
    Role(Role),
    Password,
    Unlock,
}

/// A change waiting for the admin's "yes".
#[derive(Debug, Clone, PartialEq, Eq)]
struct Confirm {
    username: String,
    change: AccountChange,
}

/// The new-account form.
#[derive(Default)]
struct NewForm {
    username: String,
    full_name: String,
    role: Option<Role>,
    password: String,
    repeat: String,
}

/// The screen's state.
#[derive(Default)]
pub struct UsersState {
    started: bool,
    load: Option<Task<Result<Vec<User>, StoreError>>>,
    users: Vec<User>,
    selected: Option<String>,
    new: NewForm,
    role: Option<Role>,
    password: String,
    repeat: String,
    confirm: Option<Confirm>,
    run: Option<Task<(Change, Result<User, AdminError>)>>,
    notice: Option<String>,
    error: Option<String>,
}

impl UsersState {
    /// The usernames listed.
    pub fn usernames(&self) -> Vec<&str> {
        self.users.iter().map(|u| u.username.as_str()).collect()
    }
}

/// The screen.
pub fn users_ui(ui: &mut egui::Ui, state: &mut UsersState, env: Env<'_>) {
    let tr = env.tr;
    if !state.started {
        state.started = true;
        start_load(state, &env);
    }
    poll(state, &env);
    let busy = state.run.is_some();
    ui.horizontal(|ui| {
        ui.heading(RichText::new(tr.t("admin.nav.users")).size(28.0));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.add_enabled(state.load.is_none(), egui::Button::new(tr.t("admin.refresh"))).clicked() {
                start_load(state, &env);
            }
            if ui.add_enabled(!busy, egui::Button::new(tr.t("admin.users.new"))).clicked() {
                state.selected = None;
                state.confirm = None;
            }
            if state.load.is_some() || busy {
                ui.spinner();
            }
        });
    });
    super::outcome_ui(ui, state.notice.as_deref(), state.error.as_deref());
    ui.add_space(6.0);
    let now = env.runtime.clock().now();
    let tz = env.runtime.config().timezone();
    egui::Panel::right("users-side")
        .resizable(false)
        .exact_size(400.0)
        .frame(theme::panel(10, 0, 0, 0))
        .show(ui, |ui| {
            theme::card().show(ui, |ui| {
                ui.set_width(ui.available_width());
                let picked =
                    state.selected.as_ref().and_then(|name| state.users.iter().find(|u| &u.username == name));
                match picked.cloned() {
                    Some(user) => account_ui(ui, state, &user, &env, busy),
                    None => new_ui(ui, state, &env, busy),
                }
            });
        });
    theme::card().show(ui, |ui| {
        ui.set_width(ui.available_width());
        list_ui(ui, state, now, tz, tr);
    });
}

fn poll(state: &mut UsersState, env: &Env<'_>) {
    let tr = env.tr;
    if let Some(task) = &mut state.load
        && let Some(result) = task.take()
    {
        state.load = None;
        match result {
            Ok(users) => state.users = users,
            Err(err) => state.error = Some(store_error_text(&err, tr)),
        }
    }
    if let Some(task) = &mut state.run
        && let Some((change, result)) = task.take()
    {
        state.run = None;
        match result {
            Ok(user) => {
                let key = match change {
                    Change::Create => "admin.users.done.created",
                    Change::Account(AccountChange::Activate(true)) => "admin.users.done.activated",
                    Change::Account(AccountChange::Activate(false)) => "admin.users.done.deactivated",
                    Change::Account(AccountChange::Role(_)) => "admin.users.done.role",
                    Change::Account(AccountChange::Password) => "admin.users.done.password",
                    Change::Account(AccountChange::Unlock) => "admin.users.done.unlocked",
                };
                state.notice = Some(tr.f(key, &[("username", &user.username)]));
                state.error = None;
                if change == Change::Create {
                    state.new = NewForm::default();
                }
                state.password.clear();
                state.repeat.clear();
                start_load(state, env);
            }
            Err(err) => {
                state.notice = None;
                state.error = Some(admin_error_text(&err, tr));
            }
        }
    }
}

fn start_load(state: &mut UsersState, env: &Env<'_>) {
    let store = env.runtime.store();
    state.load = Some(Task::spawn("admin-users", env.waker, move || store.list_users()));
}

fn list_ui(ui: &mut egui::Ui, state: &mut UsersState, now: DateTime<Utc>, tz: chrono_tz::Tz, tr: &I18n) {
    section_title_ui(ui, tr.t("admin.users.list"));
    egui::ScrollArea::both().id_salt("users-list").show(ui, |ui| {
        egui::Grid::new("users-grid").striped(true).num_columns(6).spacing([16.0, 6.0]).show(ui, |ui| {
            for key in [
                "admin.users.username",
                "admin.users.full_name",
                "admin.users.role",
                "admin.users.status",
                "admin.users.locked_until",
                "admin.users.failed",
            ] {
                ui.label(RichText::new(tr.t(key)).color(theme::MUTED));
            }
            ui.end_row();
            for user in &state.users {
                let picked = state.selected.as_deref() == Some(user.username.as_str());
                if ui.selectable_label(picked, RichText::new(&user.username).strong()).clicked() {
                    state.selected = Some(user.username.clone());
                    state.role = Some(user.role);
                    state.confirm = None;
                    state.password.clear();
                    state.repeat.clear();
                }
                ui.label(&user.full_name);
                ui.label(tr.t(&format!("role.{}", user.role.as_str())));
                if user.active {
                    ui.label(RichText::new(tr.t("admin.users.active")).color(theme::GOOD));
                } else {
                    ui.label(RichText::new(tr.t("admin.users.inactive")).color(theme::FAULT));
                }
                let locked = user.locked_until.filter(|until| *until > now);
                ui.label(
                    locked
                        .map(|t| t.with_timezone(&tz).format("%d/%m %H:%M").to_string())
                        .unwrap_or_else(|| "–".into()),
                );
                ui.label(user.failed_attempts.to_string());
                ui.end_row();
            }
        });
    });
}

fn new_ui(ui: &mut egui::Ui, state: &mut UsersState, env: &Env<'_>, busy: bool) {
    let tr = env.tr;
    section_title_ui(ui, tr.t("admin.users.new_title"));
    let form = &mut state.new;
    text_field(ui, tr.t("admin.users.username"), &mut form.username, false, busy);
    ui.label(RichText::new(tr.t("first_run.username_rule")).color(theme::MUTED).size(14.0));
    text_field(ui, tr.t("admin.users.full_name"), &mut form.full_name, false, busy);
    ui.label(tr.t("admin.users.role"));
    role_choice_ui(ui, &mut form.role, tr);
    text_field(ui, tr.t("admin.users.password"), &mut form.password, true, busy);
    text_field(ui, tr.t("admin.users.repeat"), &mut form.repeat, true, busy);
    ui.add_space(6.0);
    let create =
        egui::Button::new(RichText::new(tr.t("admin.users.create")).strong().color(egui::Color32::WHITE))
            .fill(theme::ACCENT)
            .min_size(Vec2::new(ui.available_width(), 44.0));
    if ui.add_enabled(!busy, create).clicked() {
        let Some(role) = form.role else {
            state.error = Some(tr.t("admin.users.error.no_role").into());
            return;
        };
        if form.password != form.repeat {
            state.error = Some(tr.t("first_run.mismatch").into());
            return;
        }
        let (username, full_name, password) =
            (form.username.clone(), form.full_name.clone(), form.password.clone());
        let work = move |acting: &Acting<'_>| {
            let new = NewUser { username: &username, full_name: &full_name, role, password: &password };
            users::create(acting, &Hasher::default(), &new)
        };
        spawn_change(state, env, Change::Create, work, actor(env));
    }
}

fn account_ui(ui: &mut egui::Ui, state: &mut UsersState, user: &User, env: &Env<'_>, busy: bool) {
    let tr = env.tr;
    let name = user.username.clone();
    ui.label(RichText::new(format!("{} ({})", user.full_name, user.username)).size(22.0).strong());
    ui.label(RichText::new(tr.t(&format!("role.{}", user.role.as_str()))).color(theme::MUTED));
    ui.separator();

    if let Some(confirm) = state.confirm.clone().filter(|c| c.username == name) {
        let question = match confirm.change {
            AccountChange::Activate(false) => tr.f("admin.users.confirm.deactivate", &[("username", &name)]),
            AccountChange::Role(role) => tr.f(
                "admin.users.confirm.role",
                &[("username", &name), ("role", &tr.t(&format!("role.{}", role.as_str())))],
            ),
            // Only switching off and role changes ask first.
            _ => String::new(),
        };
        theme::banner(theme::WARN_BG, theme::WARN).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(question).color(theme::WARN).strong());
            ui.horizontal(|ui| {
                if ui.add_enabled(!busy, egui::Button::new(tr.t("admin.users.confirm.yes"))).clicked() {
                    state.confirm = None;
                    run_change(state, env, &name, confirm.change.clone());
                }
                if ui.button(tr.t("common.cancel")).clicked() {
                    state.confirm = None;
                }
            });
        });
        return;
    }

    section_title_ui(ui, tr.t("admin.users.role"));
    role_choice_ui(ui, &mut state.role, tr);
    let changed = state.role.is_some_and(|r| r != user.role);
    if ui.add_enabled(!busy && changed, egui::Button::new(tr.t("admin.users.change_role"))).clicked()
        && let Some(role) = state.role
    {
        state.confirm = Some(Confirm { username: name.clone(), change: AccountChange::Role(role) });
    }
    ui.add_space(6.0);
    section_title_ui(ui, tr.t("admin.users.reset_title"));
    text_field(ui, tr.t("admin.users.new_password"), &mut state.password, true, busy);
    text_field(ui, tr.t("admin.users.repeat"), &mut state.repeat, true, busy);
    if ui.add_enabled(!busy, egui::Button::new(tr.t("admin.users.reset"))).clicked() {
        if state.password != state.repeat {
            state.error = Some(tr.t("first_run.mismatch").into());
        } else {
            run_change(state, env, &name, AccountChange::Password);
        }
    }
    ui.add_space(6.0);
    section_title_ui(ui, tr.t("admin.users.access"));
    ui.horizontal(|ui| {
        let locked = user.locked_until.is_some() || user.failed_attempts > 0;
        if ui.add_enabled(!busy && locked, egui::Button::new(tr.t("admin.users.unlock"))).clicked() {
            run_change(state, env, &name, AccountChange::Unlock);
        }
        if user.active {
            if ui.add_enabled(!busy, egui::Button::new(tr.t("admin.users.deactivate"))).clicked() {
                state.confirm =
                    Some(Confirm { username: name.clone(), change: AccountChange::Activate(false) });
            }
        } else if ui.add_enabled(!busy, egui::Button::new(tr.t("admin.users.activate"))).clicked() {
            run_change(state, env, &name, AccountChange::Activate(true));
        }
    });
}

fn run_change(state: &mut UsersState, env: &Env<'_>, username: &str, change: AccountChange) {
    let actor = actor(env);
    let (username, password) = (username.to_string(), state.password.clone());
    spawn_change(
        state,
        env,
        Change::Account(change.clone()),
        move |acting| match change {
            AccountChange::Activate(on) => users::set_active(acting, &username, on),
            AccountChange::Role(role) => users::set_role(acting, &username, role),
            AccountChange::Password => {
                users::reset_password(acting, &Hasher::default(), &username, &password)
            }
            AccountChange::Unlock => users::unlock(acting, &username),
        },
        actor,
    );
}

fn spawn_change(
    state: &mut UsersState,
    env: &Env<'_>,
    change: Change,
    work: impl FnOnce(&Acting<'_>) -> Result<User, AdminError> + Send + 'static,
    actor: Actor,
) {
    state.notice = None;
    state.error = None;
    state.run = Some(Task::spawn("admin-user-change", env.waker, move || (change, work(&actor.acting()))));
}

fn text_field(ui: &mut egui::Ui, label: &str, value: &mut String, secret: bool, busy: bool) {
    let label = ui.label(label);
    ui.add_enabled(!busy, egui::TextEdit::singleline(value).password(secret).desired_width(f32::INFINITY))
        .labelled_by(label.id);
}

fn role_choice_ui(ui: &mut egui::Ui, role: &mut Option<Role>, tr: &I18n) {
    ui.horizontal_wrapped(|ui| {
        for choice in ROLES {
            ui.radio_value(role, Some(choice), tr.t(&format!("role.{}", choice.as_str())));
        }
    });
}
