//! Admin mode: a navigation column on the left and one screen at a time on the right. Each
//! screen loads what it shows on a background task and sends changes through `crate::admin`,
//! where roles are checked and every change is audited.

pub mod audit; // the audit log with filters
pub mod books; // the books check: vehicles and money over days, duplicates, revised shifts, forced closes
pub mod dashboard; // inside now, today's figures, live feed, booths, alerts
pub mod excel; // the Excel button of the shifts and statistics screens, written on a task
pub mod hq_master; // HQ: member cards and tariffs defined once for all sites or some
pub mod journals; // this machine's offline journals: waiting and rejected, run a sync
pub mod members; // member cards: search, edit, expiring soon
pub mod retention; // the purge of old records before a day: counted, then deleted, audited
pub mod scope; // which site the screens show: the booth's own, or at HQ a chosen one or all
pub mod settings; // site name, location, region, capacity, time zone, receipt texts
pub mod shifts; // shifts and their reports
pub mod sites; // HQ: every site at a glance
pub mod statistics; // charts over a day and a month
pub mod tariffs; // tariffs per class with a preview calculator
pub mod transactions; // visits with filters, detail with photos, CSV export
pub mod users; // operators: create, deactivate, reset, unlock, role

use egui::RichText;

use crate::admin::AdminError;
use crate::admin::actor::Actor;
use crate::auth::{self, AuditContext, AuthError};
use crate::store::StoreError;
use crate::ui::i18n::I18n;

use super::app::Env;
use super::theme;

/// The admin screens, in the order of the navigation column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Page {
    /// Inside now, today, live feed, booths, alerts.
    #[default]
    Dashboard,
    /// Visits with filters.
    Transactions,
    /// Charts.
    Statistics,
    /// Shifts and their reports.
    Shifts,
    /// The books check.
    Books,
    /// Operators.
    Users,
    /// Tariffs per class.
    Tariffs,
    /// Member cards.
    Members,
    /// The audit log.
    Audit,
    /// This machine's offline journals.
    Journals,
    /// Site settings.
    Settings,
}

impl Page {
    /// Whether the page is shown. HQ shows the screens that read sites' rows, its own users and
    /// its own tariffs and members; a site's settings and this machine's journals belong to the site.
    pub fn shown(self, hq: bool) -> bool {
        !hq || !matches!(self, Page::Journals | Page::Settings)
    }

    /// Whether the page works on one site (at HQ it asks which while "all sites" is chosen).
    pub fn one_site(self) -> bool {
        matches!(self, Page::Statistics | Page::Shifts | Page::Books)
    }

    /// Every page in navigation order.
    pub const ALL: [Page; 11] = [
        Page::Dashboard,
        Page::Transactions,
        Page::Statistics,
        Page::Shifts,
        Page::Books,
        Page::Users,
        Page::Tariffs,
        Page::Members,
        Page::Audit,
        Page::Journals,
        Page::Settings,
    ];

    /// The text key of its navigation button.
    pub fn label_key(self) -> &'static str {
        match self {
            Page::Dashboard => "admin.nav.dashboard",
            Page::Transactions => "admin.nav.transactions",
            Page::Statistics => "admin.nav.statistics",
            Page::Shifts => "admin.nav.shifts",
            Page::Books => "admin.nav.books",
            Page::Users => "admin.nav.users",
            Page::Tariffs => "admin.nav.tariffs",
            Page::Members => "admin.nav.members",
            Page::Audit => "admin.nav.audit",
            Page::Journals => "admin.nav.journals",
            Page::Settings => "admin.nav.settings",
        }
    }
}

/// Every admin screen's state; a screen keeps its filters while another is shown.
#[derive(Default)]
pub struct AdminState {
    page: Page,
    dashboard: dashboard::DashboardState,
    transactions: transactions::TransactionsState,
    statistics: statistics::StatisticsState,
    shifts: shifts::ShiftsState,
    books: books::BooksState,
    users: users::UsersState,
    tariffs: tariffs::TariffsState,
    members: members::MembersState,
    audit: audit::AuditState,
    journals: journals::JournalsState,
    settings: settings::SettingsState,
    scope: scope::ScopeState,
    sites: sites::SitesState,
    hq_members: hq_master::HqMembersState,
    hq_tariffs: hq_master::HqTariffsState,
    shown_scope: Option<scope::Scope>,
}

impl AdminState {
    /// The sites the screens show: at HQ the chosen one or all, elsewhere the booth's own.
    pub fn scope(&self, hq: bool, own_site: &str) -> scope::Scope {
        self.scope.scope(hq, own_site)
    }

    /// The HQ site picker's state (the screenshot tour chooses a site through it).
    pub fn scope_mut(&mut self) -> &mut scope::ScopeState {
        &mut self.scope
    }

    /// The HQ overview's state.
    pub fn sites(&self) -> &sites::SitesState {
        &self.sites
    }

    /// Forgets what the site screens loaded, so they read the newly chosen site.
    fn scope_changed(&mut self) {
        self.dashboard = Default::default();
        self.transactions = Default::default();
        self.statistics = Default::default();
        self.shifts = Default::default();
        self.books = Default::default();
        self.audit = Default::default();
    }

    /// The screen shown.
    pub fn page(&self) -> Page {
        self.page
    }

    /// The transactions screen's state (the screenshot tour opens a detail through it).
    pub fn transactions_mut(&mut self) -> &mut transactions::TransactionsState {
        &mut self.transactions
    }

    /// The shifts screen's state (the screenshot tour opens a revised shift through it).
    pub fn shifts_mut(&mut self) -> &mut shifts::ShiftsState {
        &mut self.shifts
    }

    /// The Books screen's state.
    pub fn books(&self) -> &books::BooksState {
        &self.books
    }

    /// The Books screen's state, to change (the screenshot tour shows its review lists).
    pub fn books_mut(&mut self) -> &mut books::BooksState {
        &mut self.books
    }

    /// Shows another screen (the navigation column, the screenshot tour).
    pub fn open(&mut self, page: Page) {
        self.page = page;
    }

    /// True once after the journals screen asked for a sync: the console opens its dialog.
    pub fn take_sync_request(&mut self) -> bool {
        self.journals.take_sync_request()
    }

    /// Whether the console's sync dialog is up (the journals screen reloads when it closes).
    pub fn sync_dialog_open(&mut self, open: bool) {
        self.journals.sync_dialog_open(open);
    }
}

/// The admin console: navigation on the left, the chosen screen in the rest.
pub fn admin_ui(ui: &mut egui::Ui, state: &mut AdminState, env: Env<'_>) {
    let hq = env.scope.hq;
    if state.shown_scope.as_ref() != Some(&env.scope) {
        if state.shown_scope.is_some() {
            state.scope_changed();
        }
        state.shown_scope = Some(env.scope.clone());
    }
    if hq {
        state.scope.refresh(&env);
    } else {
        state.scope.detect(&env);
    }
    if !state.page.shown(hq) {
        state.page = Page::Dashboard;
    }
    egui::Panel::left("admin-nav")
        .resizable(false)
        .exact_size(210.0)
        .frame(egui::Frame::new().fill(theme::CARD).inner_margin(egui::Margin::symmetric(10, 12)))
        .show(ui, |ui| {
            if hq {
                state.scope.picker_ui(ui, &env);
                ui.add_space(10.0);
            }
            nav_ui(ui, state, &env)
        });
    egui::CentralPanel::default().show(ui, |ui| match state.page {
        Page::Dashboard if hq && env.scope.one().is_none() => {
            if let Some(site) = sites::sites_ui(ui, &mut state.sites, &env) {
                state.scope.choose(Some(site));
            }
        }
        page if hq && page.one_site() && env.scope.one().is_none() => {
            ui.heading(RichText::new(env.tr.t(page.label_key())).size(28.0));
            if let Some(site) = scope::pick_site_ui(ui, state.scope.sites(), &env) {
                state.scope.choose(Some(site));
            }
        }
        Page::Dashboard => {
            dashboard::dashboard_ui(ui, &mut state.dashboard, env);
            if state.dashboard.take_open_books() {
                // Only duplicates to review: open Books at them.
                let review = state
                    .dashboard
                    .data()
                    .is_some_and(|d| d.books.duplicates > 0 && books::problems(&d.books).is_empty());
                if review {
                    state.books.show_review();
                }
                state.books.show_today();
                state.page = Page::Books;
            }
        }
        Page::Transactions => transactions::transactions_ui(ui, &mut state.transactions, env),
        Page::Statistics => statistics::statistics_ui(ui, &mut state.statistics, env),
        Page::Shifts => shifts::shifts_ui(ui, &mut state.shifts, env),
        Page::Books => books::books_ui(ui, &mut state.books, env),
        Page::Users => users::users_ui(ui, &mut state.users, env),
        // HQ's own master data, never a site's rows.
        Page::Tariffs if hq => hq_master::tariffs_ui(ui, &mut state.hq_tariffs, state.scope.sites(), &env),
        Page::Members if hq => hq_master::members_ui(ui, &mut state.hq_members, state.scope.sites(), &env),
        Page::Tariffs => tariffs::tariffs_ui(ui, &mut state.tariffs, env),
        Page::Members => members::members_ui(ui, &mut state.members, env),
        Page::Audit => audit::audit_ui(ui, &mut state.audit, env),
        Page::Journals => journals::journals_ui(ui, &mut state.journals, env),
        Page::Settings => settings::settings_ui(ui, &mut state.settings, env),
    });
}

fn nav_ui(ui: &mut egui::Ui, state: &mut AdminState, env: &Env<'_>) {
    ui.spacing_mut().item_spacing.y = 6.0;
    for page in Page::ALL.into_iter().filter(|p| p.shown(env.scope.hq)) {
        let selected = state.page == page;
        let text = RichText::new(env.tr.t(page.label_key())).size(18.0);
        let text = if selected { text.strong().color(theme::ACCENT) } else { text };
        let button =
            egui::Button::selectable(selected, text).min_size(egui::vec2(ui.available_width(), 40.0));
        if ui.add(button).clicked() {
            state.page = page;
        }
    }
}

/// The outcome of the last change: what was done in green, or why not in red.
pub fn outcome_ui(ui: &mut egui::Ui, notice: Option<&str>, error: Option<&str>) {
    if let Some(notice) = notice {
        theme::message_ui(ui, theme::GOOD_BG, theme::GOOD, notice);
    }
    if let Some(error) = error {
        theme::message_ui(ui, theme::FAULT_BG, theme::FAULT, error);
    }
}

/// A labelled filter field of fixed width; true when Enter was pressed in it.
pub fn filter_field_ui(ui: &mut egui::Ui, label: &str, value: &mut String, hint: &str, width: f32) -> bool {
    let label = ui.label(RichText::new(label).color(theme::MUTED));
    let response = ui
        .add(
            egui::TextEdit::singleline(value)
                .hint_text(hint)
                .desired_width(width)
                .min_size(egui::vec2(width, 0.0)),
        )
        .labelled_by(label.id);
    response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
}

/// The acting admin as an owned [`Actor`] for a background task.
pub fn actor(env: &Env<'_>) -> Actor {
    let config = env.runtime.config();
    Actor {
        user: env.session.user.clone(),
        store: env.runtime.store(),
        clock: env.runtime.clock().clone(),
        audit: AuditContext { site: config.site.code.clone(), booth: config.booth.code.clone() },
    }
}

/// An admin refusal in the operator's words (shared by every admin screen).
pub fn admin_error_text(err: &AdminError, tr: &I18n) -> String {
    match err {
        AdminError::NotAllowed { role, .. } => {
            tr.f("admin.records.error.not_allowed", &[("role", &tr.t(&format!("role.{role}")))])
        }
        AdminError::LastAdmin => tr.t("admin.records.error.last_admin").into(),
        AdminError::Invalid(reason) => tr.f("admin.records.error.invalid", &[("reason", reason)]),
        AdminError::Auth(AuthError::InvalidUsername(_)) => tr.t("first_run.username_rule").into(),
        AdminError::Auth(AuthError::WeakPassword) => {
            tr.f("first_run.weak", &[("chars", &auth::MIN_PASSWORD_CHARS)])
        }
        AdminError::Auth(AuthError::EmptyName) => tr.t("first_run.empty_name").into(),
        AdminError::Auth(AuthError::UnknownUser(name)) => {
            tr.f("admin.records.error.unknown_user", &[("username", name)])
        }
        AdminError::Auth(AuthError::Hash(err)) => tr.f("admin.records.error.store", &[("error", err)]),
        AdminError::Auth(AuthError::Store(err)) | AdminError::Store(err) => store_error_text(err, tr),
    }
}

pub fn store_error_text(err: &StoreError, tr: &I18n) -> String {
    match err {
        StoreError::Duplicate(what) => tr.f("admin.records.error.duplicate", &[("what", what)]),
        other => tr.f("admin.records.error.store", &[("error", other)]),
    }
}
