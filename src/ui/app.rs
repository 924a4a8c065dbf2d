//! The console application: which screen is up (start, first run, login, work), the top bar,
//! banners, dialogs and the simulation panel. [`ConsoleApp::console_ui`] holds the whole UI so
//! tests drive exactly what the booth shows.

use chrono::{Timelike, Utc};
use egui::RichText;

use super::admin::scope::Scope;
use super::admin::{self, AdminState};
use super::diagnostics::{self, DiagnosticsState};
use super::entry_screen::{self, EntryState};
use super::exit_screen::{self, ExitState};
use super::i18n::I18n;
use super::inbox::Waker;
use super::login::{self, LoginState, Session};
use super::runtime::BoothRuntime;
use super::simulation_panel::{self, SimPanelState};
use super::sync_dialog::{self, SyncDialog};
use super::task::Task;
use super::theme;
use super::top_bar::{self, MenuAction};
use super::widgets::TextureCache;
use crate::config::{Language, Mode};
use crate::lane::monitor::DbStatus;
use crate::lane::worker::{EntryCommand, ExitCommand};
use crate::store::Role;

/// Which screen fills the window.
enum Screen {
    /// Finding out whether any operator exists yet.
    Starting(Task<Result<bool, String>>),
    /// No operator exists: create the first admin.
    FirstRun,
    /// Log in.
    Login,
    /// Logged in: the booth's working screen.
    Work,
}

/// Everything the screens need from the app, borrowed for one frame.
pub struct Env<'a> {
    /// The booth.
    pub runtime: &'a BoothRuntime,
    /// Texts.
    pub tr: &'a I18n,
    /// Wakes the screen from background tasks.
    pub waker: &'a Waker,
    /// Textures of photos and slips.
    pub textures: &'a mut TextureCache,
    /// The operator on duty.
    pub session: &'a Session,
    /// The site (or, at HQ, sites) the admin screens show.
    pub scope: Scope,
}

impl Env<'_> {
    /// The site a one-site screen works on: the chosen one at HQ, this booth's own elsewhere.
    pub fn site(&self) -> &str {
        self.scope.one().unwrap_or(&self.runtime.config().site.code)
    }
}

/// The console.
pub struct ConsoleApp {
    runtime: BoothRuntime,
    tr: I18n,
    waker: Waker,
    textures: TextureCache,
    screen: Screen,
    session: Option<Session>,
    login: LoginState,
    entry: EntryState,
    exit: ExitState,
    admin: AdminState,
    sync: SyncDialog,
    sim: SimPanelState,
    diagnostics: Option<DiagnosticsState>,
    styled: bool,
    fullscreen: bool,
    operator_pending: bool,
    problem: Option<String>,
}

impl ConsoleApp {
    /// The sites the admin screens show this frame.
    fn admin_scope(&self) -> Scope {
        self.admin.scope(self.runtime.mode() == Mode::Hq, &self.runtime.config().site.code)
    }

    /// A console over a started runtime; `waker` must be the one the runtime was started with.
    pub fn new(runtime: BoothRuntime, waker: Waker) -> Self {
        let tr = I18n::new(runtime.config().ui.language);
        let fullscreen = runtime.config().booth.fullscreen;
        let store = runtime.store();
        let local = runtime.offline_login_store();
        let screen = Screen::Starting(Task::spawn("users-check", &waker, move || {
            let users = store.list_users().or_else(|_| local.list_users());
            users.map(|users| !users.is_empty()).map_err(|err| err.to_string())
        }));
        Self {
            runtime,
            tr,
            waker,
            textures: TextureCache::default(),
            screen,
            session: None,
            login: LoginState::default(),
            entry: EntryState::default(),
            exit: ExitState::default(),
            admin: AdminState::default(),
            sync: SyncDialog::default(),
            sim: SimPanelState::default(),
            diagnostics: None,
            styled: false,
            fullscreen,
            operator_pending: false,
            problem: None,
        }
    }

    /// The runtime, for tests and the screenshot tour.
    pub fn runtime(&self) -> &BoothRuntime {
        &self.runtime
    }

    /// The runtime, mutable, for tests and the screenshot tour.
    pub fn runtime_mut(&mut self) -> &mut BoothRuntime {
        &mut self.runtime
    }

    /// The window title: site, booth and mode.
    pub fn title(&self) -> String {
        let config = self.runtime.config();
        format!(
            "Gardu — {} ({}) · {} · {}",
            config.site.name,
            config.site.code,
            config.booth.code,
            mode_name(self.runtime.mode())
        )
    }

    /// The whole console for one frame.
    pub fn console_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !self.styled {
            self.styled = true;
            self.waker.bind(&ctx);
            theme::apply(&ctx);
        }
        if let Some(problem) = self.runtime.poll() {
            self.problem = Some(problem);
        }
        if self.operator_pending && !self.runtime.switching() {
            // The restarted lane learns who is on duty once it is up.
            self.operator_pending = false;
            self.send_operator();
        }
        if let Some(offer) = self.runtime.take_offer()
            && self.session.is_some()
        {
            self.sync.offer(offer.pending);
        }
        self.clock_repaint(&ctx);

        if let Some(emergency) = self.runtime.emergency() {
            emergency_banner_ui(ui, &self.tr, &emergency, self.runtime.config().timezone());
        }
        if let Some(reading) = self.runtime.disk().filter(|r| r.level != crate::lane::storage::DiskLevel::Ok)
        {
            disk_banner_ui(ui, &self.tr, reading);
        }
        if self.runtime.simulated() {
            simulation_banner_ui(ui, &self.tr);
        }
        let menu =
            top_bar::top_bar_ui(ui, &self.runtime, &self.tr, self.session.as_ref(), &self.exit_shift());
        if let Some(action) = menu {
            self.menu_action(action, &ctx);
        }
        self.offline_banner_ui(ui);
        if self.runtime.simulated()
            && matches!(self.screen, Screen::Work)
            && let Some(session) = &self.session
        {
            let scope = self.admin_scope();
            let env = Env {
                runtime: &self.runtime,
                tr: &self.tr,
                waker: &self.waker,
                textures: &mut self.textures,
                session,
                scope,
            };
            simulation_panel::simulation_panel_ui(ui, &mut self.sim, env);
        }
        if let Some(problem) = &self.problem {
            egui::Panel::top("problem").frame(theme::banner(theme::FAULT_BG, theme::FAULT)).show(ui, |ui| {
                ui.label(RichText::new(problem).color(theme::FAULT));
            });
        }
        if matches!(self.screen, Screen::Work) {
            self.work_ui(ui);
        } else {
            egui::CentralPanel::default().show(ui, |ui| self.screen_ui(ui));
        }
        self.dialogs_ui(&ctx);
        self.textures.end_frame();
    }

    fn screen_ui(&mut self, ui: &mut egui::Ui) {
        match &mut self.screen {
            Screen::Starting(task) => match task.take() {
                Some(Ok(true)) => self.screen = Screen::Login,
                Some(Ok(false)) => self.screen = Screen::FirstRun,
                Some(Err(err)) => {
                    self.problem = Some(self.tr.f("start.users_unknown", &[("error", &err)]));
                    self.screen = Screen::Login;
                }
                None => {
                    ui.centered_and_justified(|ui| ui.spinner());
                }
            },
            Screen::FirstRun => {
                if login::first_run_ui(ui, &mut self.login, &self.runtime, &self.tr, &self.waker) {
                    self.screen = Screen::Login;
                }
            }
            Screen::Login => {
                let roles = allowed_roles(self.runtime.mode());
                if let Some(session) =
                    login::login_ui(ui, &mut self.login, &self.runtime, &self.tr, &self.waker, roles)
                {
                    self.start_session(session);
                }
            }
            Screen::Work => {}
        }
    }

    /// The working screen, on the window's root so its panels lay out beside each other.
    fn work_ui(&mut self, ui: &mut egui::Ui) {
        let Some(session) = &self.session else {
            self.screen = Screen::Login;
            return;
        };
        if self.runtime.switching() {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.centered_and_justified(|ui| {
                    ui.label(RichText::new(self.tr.t("sim.switching")).size(22.0));
                });
            });
            return;
        }
        if self.admin.take_sync_request() {
            self.sync.open_list();
        }
        self.admin.sync_dialog_open(self.sync.is_open());
        let modal_open = self.sync.is_open() || self.exit.dialog_open();
        let scope = self.admin_scope();
        let env = Env {
            runtime: &self.runtime,
            tr: &self.tr,
            waker: &self.waker,
            textures: &mut self.textures,
            session,
            scope,
        };
        match self.runtime.mode() {
            Mode::Entry => entry_screen::entry_screen_ui(ui, &mut self.entry, env, modal_open),
            Mode::Exit => exit_screen::exit_screen_ui(ui, &mut self.exit, env, self.sync.is_open()),
            Mode::Admin | Mode::Hq => admin::admin_ui(ui, &mut self.admin, env),
        }
    }

    fn dialogs_ui(&mut self, ctx: &egui::Context) {
        if let Some(session) = &self.session {
            let scope = self.admin_scope();
            let env = Env {
                runtime: &self.runtime,
                tr: &self.tr,
                waker: &self.waker,
                textures: &mut self.textures,
                session,
                scope,
            };
            sync_dialog::sync_dialog_ui(ctx, &mut self.sync, env);
        }
        if let Some(state) = &mut self.diagnostics {
            let open = diagnostics::diagnostics_ui(ctx, state, &self.runtime, &self.tr, &self.waker);
            if !open {
                self.diagnostics = None;
            }
        }
    }

    fn send_operator(&self) {
        let Some(user) = self.session.as_ref().map(|s| &s.user) else { return };
        if let Some(entry) = self.runtime.entry() {
            let _ = entry.send(EntryCommand::SetOperator(Some(user.username.clone())));
        }
        if let Some(exit) = self.runtime.exit() {
            let _ = exit.send(ExitCommand::SetOperator {
                username: Some(user.username.clone()),
                full_name: user.full_name.clone(),
                role: Some(user.role),
            });
        }
    }

    fn start_session(&mut self, session: Session) {
        self.runtime.set_operator(Some(session.user.username.clone()));
        self.session = Some(session);
        self.send_operator();
        self.screen = Screen::Work;
        let pending = self.runtime.connectivity().snapshot();
        if matches!(pending.status, DbStatus::Connected { .. }) && pending.pending > 0 {
            self.sync.offer(pending.pending);
        }
    }

    fn logout(&mut self) {
        self.runtime.set_operator(None);
        if let Some(entry) = self.runtime.entry() {
            let _ = entry.send(EntryCommand::SetOperator(None));
        }
        if let Some(exit) = self.runtime.exit() {
            let _ =
                exit.send(ExitCommand::SetOperator { username: None, full_name: String::new(), role: None });
        }
        self.session = None;
        self.login = LoginState::default();
        self.entry = EntryState::default();
        self.exit = ExitState::default();
        self.admin = AdminState::default();
        self.diagnostics = None;
        self.screen = Screen::Login;
    }

    fn menu_action(&mut self, action: MenuAction, ctx: &egui::Context) {
        match action {
            MenuAction::CheckDatabase => self.runtime.connectivity().request_check(),
            MenuAction::Language(language) => self.tr.set_language(language),
            MenuAction::Sync => self.sync.open_list(),
            MenuAction::Diagnostics => self.diagnostics = Some(DiagnosticsState::default()),
            MenuAction::Simulation(on) => {
                let by = self.session.as_ref().map(|s| s.user.username.clone()).unwrap_or_default();
                self.runtime.set_simulation(on, &by);
                self.sim = SimPanelState::default();
                self.problem = None;
                self.entry = EntryState::default();
                self.exit = ExitState::default();
                self.operator_pending = true;
            }
            MenuAction::Fullscreen => {
                self.fullscreen = !self.fullscreen;
                ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(self.fullscreen));
            }
            MenuAction::Logout => self.logout(),
        }
    }

    fn exit_shift(&self) -> Option<chrono::DateTime<Utc>> {
        let exit = self.runtime.exit()?;
        exit.snapshot().shift.as_ref().map(|s| s.opened_at)
    }

    fn offline_banner_ui(&self, ui: &mut egui::Ui) {
        let snapshot = self.runtime.connectivity().snapshot();
        if !matches!(snapshot.status, DbStatus::Disconnected { .. }) || self.runtime.mode().is_admin() {
            return;
        }
        egui::Panel::top("offline-banner").frame(theme::banner(theme::WARN_BG, theme::WARN)).show(ui, |ui| {
            ui.label(
                RichText::new(self.tr.f("banner.offline", &[("count", &snapshot.pending)]))
                    .color(theme::WARN)
                    .strong()
                    .size(20.0),
            );
        });
    }

    /// The clock on the top bar shows minutes: one repaint at the next minute, no more.
    fn clock_repaint(&self, ctx: &egui::Context) {
        let now = self.runtime.clock().now();
        let wait_s = 60 - u64::from(now.second()).min(59);
        ctx.request_repaint_after(std::time::Duration::from_secs(wait_s));
    }

    /// True while the login screen is up.
    pub fn is_on_login(&self) -> bool {
        matches!(self.screen, Screen::Login)
    }

    /// True while the sync dialog is up.
    pub fn sync_open(&self) -> bool {
        self.sync.is_open()
    }

    /// True when the sync dialog shows a summary.
    pub fn sync_finished(&self) -> bool {
        self.sync.finished()
    }

    /// The summary the sync dialog shows, if any.
    pub fn sync_summary(&self) -> Option<&crate::journal::replay::ReplaySummary> {
        self.sync.summary()
    }

    /// True when the exit screen shows an exit photo.
    pub fn exit_photo_shown(&self) -> bool {
        self.runtime.exit().is_some_and(|w| w.snapshot().exit_photo.is_some())
    }

    /// True once an operator is logged in.
    pub fn is_working(&self) -> bool {
        matches!(self.screen, Screen::Work)
    }

    /// The language in use.
    pub fn language(&self) -> Language {
        self.tr.language()
    }

    /// Opens the diagnostics window (technician menu), for the screenshot tour.
    pub fn open_diagnostics(&mut self) {
        self.diagnostics = Some(DiagnosticsState::default());
    }

    /// Shows an admin screen, for tests and the screenshot tour.
    pub fn open_admin_page(&mut self, page: admin::Page) {
        self.admin.open(page);
    }

    /// The admin screens' state, for tests and the screenshot tour.
    pub fn admin_mut(&mut self) -> &mut AdminState {
        &mut self.admin
    }

    /// The admin screen shown.
    pub fn admin_page(&self) -> admin::Page {
        self.admin.page()
    }

    /// Opens the sync dialog's list of waiting records (menu), for the screenshot tour.
    pub fn open_sync(&mut self) {
        self.sync.open_list();
    }
}

impl eframe::App for ConsoleApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.console_ui(ui);
    }
}

/// Roles that may log in at a booth of `mode`.
pub fn allowed_roles(mode: Mode) -> &'static [Role] {
    match mode {
        Mode::Entry => &[Role::Guard, Role::Admin, Role::Technician],
        Mode::Exit => &[Role::Cashier, Role::Admin, Role::Technician],
        Mode::Admin | Mode::Hq => &[Role::Admin],
    }
}

/// `ParkingIN`, `ParkingOut`, `Admin`.
pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Entry => "ParkingIN",
        Mode::Exit => "ParkingOut",
        Mode::Admin => "Admin",
        Mode::Hq => "HQ",
    }
}

/// Red, on every screen, while an emergency holds the site's barriers open.
fn emergency_banner_ui(ui: &mut egui::Ui, tr: &I18n, emergency: &crate::store::Emergency, tz: chrono_tz::Tz) {
    let since = emergency.started_at.with_timezone(&tz).format("%H:%M").to_string();
    let text = tr.f(
        "emergency.banner",
        &[("since", &since), ("by", &emergency.started_by), ("reason", &emergency.reason)],
    );
    egui::Panel::top("emergency-banner")
        .frame(egui::Frame::new().fill(theme::FAULT).inner_margin(egui::Margin::symmetric(12, 8)))
        .show(ui, |ui| {
            ui.vertical_centered(|ui| {
                ui.label(RichText::new(text).color(egui::Color32::WHITE).strong().size(20.0));
            });
        });
}

/// While the data folder's disk is low: how much is left and what it means.
fn disk_banner_ui(ui: &mut egui::Ui, tr: &I18n, reading: crate::lane::storage::DiskReading) {
    let key = match reading.level {
        crate::lane::storage::DiskLevel::Critical => "disk.critical",
        _ => "disk.low",
    };
    let text = tr.f(key, &[("mb", &reading.free_mb)]);
    egui::Panel::top("disk-banner")
        .frame(egui::Frame::new().fill(theme::WARN).inner_margin(egui::Margin::symmetric(12, 4)))
        .show(ui, |ui| {
            ui.vertical_centered(|ui| {
                ui.label(RichText::new(text).color(egui::Color32::WHITE).strong().size(16.0));
            });
        });
}

fn simulation_banner_ui(ui: &mut egui::Ui, tr: &I18n) {
    egui::Panel::top("simulation-banner")
        .frame(egui::Frame::new().fill(theme::WARN).inner_margin(egui::Margin::symmetric(12, 4)))
        .show(ui, |ui| {
            ui.vertical_centered(|ui| {
                ui.label(RichText::new(tr.t("sim.banner")).color(egui::Color32::WHITE).strong().size(17.0));
            });
        });
}
