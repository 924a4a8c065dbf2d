//! Logging in (by the booth's roles, with lockout, offline from the booth's local copy when
//! the database is down) and the first-run screen that creates the first admin.

use chrono::{DateTime, Utc};
use egui::{Key, RichText, Vec2};

use super::i18n::I18n;
use super::inbox::Waker;
use super::runtime::BoothRuntime;
use super::task::Task;
use super::theme;
use super::widgets::KeyButton;
use crate::auth::{self, AuditContext, AuthError, Hasher, LoginError, NewUser};
use crate::site::naming;
use crate::store::{Role, User};

/// The operator on duty.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who.
    pub user: User,
    /// Logged in from the booth's local copy while the database was down.
    pub offline: bool,
    /// Since when.
    pub since: DateTime<Utc>,
}

/// The login and first-run forms.
#[derive(Default)]
pub struct LoginState {
    username: String,
    password: String,
    full_name: String,
    repeat: String,
    error: Option<String>,
    notice: Option<String>,
    login: Option<Task<Result<(User, bool), LoginError>>>,
    create: Option<Task<Result<Created, AuthError>>>,
    focus_set: bool,
    /// The booth code typed on the first-run screen (`None` until shown: then the default).
    booth_code: Option<String>,
}

/// What became of the booth code typed on the first-run screen: saved as, or why not.
type Named = Result<String, String>;
/// The first admin, and the booth code if one was to be saved.
type Created = (User, Option<Named>);

/// The login screen; returns the session once the operator is in.
pub fn login_ui(
    ui: &mut egui::Ui,
    state: &mut LoginState,
    runtime: &BoothRuntime,
    tr: &I18n,
    waker: &Waker,
    roles: &'static [Role],
) -> Option<Session> {
    let mut session = None;
    if let Some(task) = &mut state.login
        && let Some(result) = task.take()
    {
        state.login = None;
        state.password.clear();
        match result {
            Ok((user, offline)) => {
                session = Some(Session { user, offline, since: runtime.clock().now() });
            }
            Err(err) => state.error = Some(login_error_text(&err, tr)),
        }
    }
    let busy = state.login.is_some();
    centered_card_ui(ui, 460.0, |ui| {
        ui.heading(RichText::new(tr.t("login.title")).size(30.0));
        ui.label(RichText::new(tr.t(&format!("login.for_mode.{}", runtime.mode()))).color(theme::MUTED));
        ui.add_space(12.0);
        if !runtime.connectivity().online() {
            theme::banner(theme::WARN_BG, theme::WARN).show(ui, |ui| {
                ui.label(RichText::new(tr.t("login.offline_note")).color(theme::WARN));
            });
            ui.add_space(6.0);
        }
        if let Some(notice) = &state.notice {
            theme::banner(theme::GOOD_BG, theme::GOOD).show(ui, |ui| {
                ui.label(RichText::new(notice).color(theme::GOOD));
            });
            ui.add_space(6.0);
        }
        let label = ui.label(tr.t("login.username"));
        let user_field = ui
            .add_enabled(
                !busy,
                egui::TextEdit::singleline(&mut state.username)
                    .desired_width(f32::INFINITY)
                    .id_salt("login-username"),
            )
            .labelled_by(label.id);
        if !state.focus_set {
            state.focus_set = true;
            user_field.request_focus();
        }
        let label = ui.label(tr.t("login.password"));
        let password_field = ui.add_enabled(
            !busy,
            egui::TextEdit::singleline(&mut state.password)
                .password(true)
                .desired_width(f32::INFINITY)
                .id_salt("login-password"),
        );
        let password_field = password_field.labelled_by(label.id);
        if user_field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
            password_field.request_focus();
        }
        let enter = password_field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        if let Some(error) = &state.error {
            ui.add_space(4.0);
            ui.label(RichText::new(error).color(theme::FAULT));
        }
        ui.add_space(8.0);
        let ready = !state.username.trim().is_empty() && !state.password.is_empty() && !busy;
        let clicked = KeyButton::new(tr.t("login.submit"), Some(Key::Enter))
            .primary(true)
            .enabled(ready)
            .min_size(Vec2::new(ui.available_width(), 52.0))
            .show(ui);
        if busy {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr.t("login.checking"));
            });
        }
        if (clicked || enter) && ready {
            state.error = None;
            state.login = Some(start_login(runtime, waker, &state.username, &state.password, roles));
        }
    });
    session
}

fn start_login(
    runtime: &BoothRuntime,
    waker: &Waker,
    username: &str,
    password: &str,
    roles: &'static [Role],
) -> Task<Result<(User, bool), LoginError>> {
    let store = runtime.store();
    let local = runtime.offline_login_store();
    let clock = runtime.clock().clone();
    let online = runtime.connectivity().online();
    let connectivity = runtime.connectivity().clone();
    let audit = audit_context(runtime);
    let (username, password) = (username.to_string(), password.to_string());
    Task::spawn("login", waker, move || {
        if online {
            match auth::login(store.as_ref(), clock.as_ref(), &audit, &username, &password, roles) {
                Err(LoginError::Store(err)) if err.goes_to_journal() => connectivity.report_failure(),
                other => return other.map(|user| (user, false)),
            }
        }
        auth::login(local.as_ref(), clock.as_ref(), &audit, &username, &password, roles)
            .map(|user| (user, true))
    })
}

/// The first-run screen: creates the first admin. Returns true once created.
pub fn first_run_ui(
    ui: &mut egui::Ui,
    state: &mut LoginState,
    runtime: &BoothRuntime,
    tr: &I18n,
    waker: &Waker,
) -> bool {
    if let Some(task) = &mut state.create
        && let Some(result) = task.take()
    {
        state.create = None;
        state.password.clear();
        state.repeat.clear();
        match result {
            Ok((user, named)) => {
                let mut notice = tr.f("first_run.created", &[("username", &user.username)]);
                match named {
                    Some(Ok(code)) => {
                        let file = runtime.config_file().display().to_string();
                        // The booth already runs under the code it kept: no restart to ask for.
                        let key = if code == runtime.config().booth.code {
                            "booth_name.saved_in_use"
                        } else {
                            "booth_name.saved"
                        };
                        notice.push(' ');
                        notice.push_str(&tr.f(key, &[("code", &code), ("file", &file)]));
                    }
                    Some(Err(err)) => {
                        notice.push(' ');
                        notice.push_str(&tr.f("booth_name.not_saved", &[("error", &err)]));
                    }
                    None => {}
                }
                *state =
                    LoginState { username: user.username, notice: Some(notice), ..LoginState::default() };
                return true;
            }
            Err(err) => state.error = Some(auth_error_text(&err, tr)),
        }
    }
    let busy = state.create.is_some();
    // A booth without a configured code runs as its mode's default; offer to name it here.
    let naming = !runtime.config().booth.code_configured;
    if naming && state.booth_code.is_none() {
        state.booth_code = Some(runtime.config().booth.code.clone());
    }
    // A 1366×768 monitor: smaller heading, button and gaps, so the button stays on screen.
    let compact = ui.available_height() < 800.0;
    let gap = if compact { 2.0 } else { 10.0 };
    centered_card_ui(ui, 520.0, |ui| {
        ui.heading(RichText::new(tr.t("first_run.title")).size(if compact { 24.0 } else { 30.0 }));
        ui.label(RichText::new(tr.t("first_run.explain")).color(theme::MUTED));
        ui.add_space(gap);
        let field = |ui: &mut egui::Ui, label: &str, value: &mut String, secret: bool, id: &str| {
            let label = ui.label(label);
            ui.add_enabled(
                !busy,
                egui::TextEdit::singleline(value).password(secret).desired_width(f32::INFINITY).id_salt(id),
            )
            .labelled_by(label.id)
        };
        field(ui, tr.t("first_run.full_name"), &mut state.full_name, false, "first-full-name");
        field(ui, tr.t("login.username"), &mut state.username, false, "first-username");
        ui.label(RichText::new(tr.t("first_run.username_rule")).color(theme::MUTED).size(14.0));
        field(ui, tr.t("login.password"), &mut state.password, true, "first-password");
        field(ui, tr.t("first_run.repeat"), &mut state.repeat, true, "first-repeat");
        if let Some(code) = state.booth_code.as_mut().filter(|_| naming) {
            field(ui, tr.t("booth_name.label"), code, false, "first-booth-code");
            let file = runtime.config_file().display().to_string();
            let hint = tr.f("booth_name.hint", &[("mode", &runtime.mode()), ("file", &file)]);
            ui.label(RichText::new(hint).color(theme::MUTED).size(14.0));
        }
        if let Some(error) = &state.error {
            ui.label(RichText::new(error).color(theme::FAULT));
        }
        ui.add_space(gap);
        let clicked = KeyButton::new(tr.t("first_run.create"), None)
            .primary(true)
            .enabled(!busy)
            .min_size(Vec2::new(ui.available_width(), if compact { 44.0 } else { 52.0 }))
            .show(ui);
        if clicked {
            let code = match state.booth_code.as_deref().filter(|_| naming).map(naming::booth_code) {
                None => Ok(None),
                Some(Ok(code)) => Ok(Some(code)),
                Some(Err(_)) => Err(tr.t("booth_name.invalid").to_string()),
            };
            if state.password != state.repeat {
                state.error = Some(tr.t("first_run.mismatch").to_string());
            } else if let Err(err) = &code {
                state.error = Some(err.clone());
            } else {
                state.error = None;
                let store = runtime.store();
                let clock = runtime.clock().clone();
                let audit = audit_context(runtime);
                let (full_name, username, password) =
                    (state.full_name.clone(), state.username.clone(), state.password.clone());
                let (config_file, mode, config) =
                    (runtime.config_file().clone(), runtime.mode(), runtime.config().clone());
                let code = code.ok().flatten();
                state.create = Some(Task::spawn("first-admin", waker, move || {
                    let new = NewUser {
                        username: &username,
                        full_name: &full_name,
                        role: Role::Admin,
                        password: &password,
                    };
                    let user = auth::create_user(
                        store.as_ref(),
                        clock.as_ref(),
                        &Hasher::default(),
                        &audit,
                        &new,
                        "first-run",
                    )?;
                    let named = code.map(|code| {
                        naming::save_booth_code(&config_file, &code, mode, &config)
                            .map(|()| code)
                            .map_err(|err| err.to_string())
                    });
                    Ok((user, named))
                }));
            }
        }
    });
    false
}

fn audit_context(runtime: &BoothRuntime) -> AuditContext {
    AuditContext { site: runtime.config().site.code.clone(), booth: runtime.config().booth.code.clone() }
}

/// A card in the middle of the screen. On a short screen (a 1366×768 booth monitor) the top
/// space shrinks and the page scrolls, so the card's button stays reachable whatever
/// messages the card grows.
pub fn centered_card_ui(ui: &mut egui::Ui, width: f32, content: impl FnOnce(&mut egui::Ui)) {
    // Below 800 points of height (a 1366×768 monitor less the top bar) the card tightens up.
    let compact = ui.available_height() < 800.0;
    let top = if compact { 8.0 } else { (ui.available_height() * 0.12).clamp(20.0, 120.0) };
    let margin: i8 = if compact { 18 } else { 28 };
    egui::ScrollArea::vertical().id_salt("centered-card").auto_shrink([false, false]).show(ui, |ui| {
        if compact {
            ui.spacing_mut().item_spacing.y = (ui.spacing().item_spacing.y * 0.5).max(3.0);
        }
        ui.vertical_centered(|ui| {
            ui.add_space(top);
            ui.allocate_ui(Vec2::new(width, 0.0), |ui| {
                theme::card().inner_margin(egui::Margin::same(margin)).show(ui, |ui| {
                    ui.set_width(width - 2.0 * f32::from(margin));
                    ui.with_layout(egui::Layout::top_down(egui::Align::Min), content);
                });
            });
            ui.add_space(12.0);
        });
    });
}

pub(crate) fn login_error_text(err: &LoginError, tr: &I18n) -> String {
    match err {
        LoginError::UnknownUser | LoginError::WrongPassword { .. } => tr.f(
            "login.error.wrong",
            &[("tries", &auth::MAX_FAILED_ATTEMPTS), ("minutes", &auth::LOCKOUT_MINUTES)],
        ),
        LoginError::Inactive => tr.t("login.error.inactive").to_string(),
        LoginError::Locked { minutes_left, .. } => tr.f("login.error.locked", &[("minutes", minutes_left)]),
        LoginError::RoleNotAllowed { role } => {
            tr.f("login.error.role", &[("role", &tr.t(&format!("role.{}", role.as_str())))])
        }
        LoginError::Store(err) => tr.f("login.error.store", &[("error", err)]),
    }
}

fn auth_error_text(err: &AuthError, tr: &I18n) -> String {
    match err {
        AuthError::InvalidUsername(_) => tr.t("first_run.username_rule").to_string(),
        AuthError::WeakPassword => tr.f("first_run.weak", &[("chars", &auth::MIN_PASSWORD_CHARS)]),
        AuthError::EmptyName => tr.t("first_run.empty_name").to_string(),
        other => tr.f("login.error.store", &[("error", other)]),
    }
}
