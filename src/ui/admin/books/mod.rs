//! Books: the books check of [`crate::lane::books`] over a range of local days, for the
//! finance office. Whether the books balance and why not, in plain words; the vehicles
//! (entries = exits + forced closes + inside) and the money (payments = shift totals, by
//! method); then day by day, shift by shift (revised ones marked), the duplicate exits to
//! review, the exits without an entry and the forced closes. The check runs on a background
//! task over the store and this machine's journal, the same check `gardu books check` runs.

mod problems;
mod tables;

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use egui::RichText;
use uuid::Uuid;

pub use problems::{Problem, day_text, problem_text, problems};

use super::shifts::{RangeError, parse_range};
use crate::journal::Journal;
use crate::lane::books::{self, BooksQuery, BooksReport};
use crate::store::{EntryLookup, Store, StoreError, Visit};
use crate::ui::app::Env;
use crate::ui::i18n::I18n;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::{KeyButton, section_title_ui};

/// Visits looked up for the listed duplicates and forced closes (their ticket and plate).
const LOOKUPS: usize = 300;
/// The longest range one check may cover, as on the shifts screen.
const MAX_DAYS: i64 = 92;

/// A finished check and what it lists.
#[derive(Debug, Clone)]
pub struct BooksView {
    /// What was checked.
    pub query: BooksQuery,
    /// The outcome.
    pub report: BooksReport,
    /// The visits of the listed duplicate exits and forced closes, by entry id.
    pub visits: HashMap<Uuid, Visit>,
}

/// Runs the check of `query` and looks up the visits it lists (blocking: run it on a task).
pub fn load(store: &dyn Store, journal: &Journal, query: BooksQuery) -> Result<BooksView, StoreError> {
    let report = books::check(store, Some(journal), &query)?;
    let mut visits = HashMap::new();
    let listed = report.duplicate_exits.iter().map(|d| d.exit.entry_id);
    for id in listed.chain(report.forced_closes.iter().map(|x| x.entry_id)).take(LOOKUPS) {
        if visits.contains_key(&id) {
            continue;
        }
        if let Some(visit) = store.find_visit(&query.site, &EntryLookup::Id(id))? {
            visits.insert(id, visit);
        }
    }
    Ok(BooksView { query, report, visits })
}

/// The screen's state.
#[derive(Default)]
pub struct BooksState {
    from: String,
    to: String,
    include_simulated: bool,
    range_error: Option<RangeError>,
    /// The range to check; a new one starts a check at the next frame.
    range: Option<(NaiveDate, NaiveDate)>,
    task: Option<Task<Result<BooksView, String>>>,
    /// The check of the current range has been started.
    started: bool,
    view: Option<BooksView>,
    error: Option<String>,
    /// Scroll to the records to review once the check is shown.
    to_review: bool,
}

impl BooksState {
    /// The last check shown.
    pub fn report(&self) -> Option<&BooksReport> {
        self.view.as_ref().map(|view| &view.report)
    }

    /// Checks today again at the next frame (the dashboard's alert speaks of today).
    pub fn show_today(&mut self) {
        self.range = None;
        self.range_error = None;
        self.started = false;
    }

    /// Counts simulated records too (or not), checking again at the next frame.
    pub fn include_simulated(&mut self, include: bool) {
        if self.include_simulated != include {
            self.include_simulated = include;
            self.started = false;
        }
    }

    /// Scrolls to the records to review (duplicate exits first) once the check is shown.
    pub fn show_review(&mut self) {
        self.to_review = true;
    }

    /// True while a check runs.
    pub fn checking(&self) -> bool {
        self.task.is_some()
    }

    /// Sets the range fields and checks that range at the next frame.
    pub fn set_range(&mut self, first: NaiveDate, last: NaiveDate) {
        self.from = first.format("%d/%m/%Y").to_string();
        self.to = last.format("%d/%m/%Y").to_string();
        self.range_error = None;
        self.range = Some((first, last));
        self.started = false;
    }

    fn apply_fields(&mut self) {
        match parse_range(&self.from, &self.to) {
            Ok((first, last)) => self.set_range(first, last),
            Err(err) => self.range_error = Some(err),
        }
    }

    fn start(&mut self, env: &Env<'_>, first: NaiveDate, last: NaiveDate) {
        let runtime = env.runtime;
        let store = runtime.store();
        let journal = runtime.journal().clone();
        let query = BooksQuery {
            site: env.site().to_string(),
            tz: runtime.config().timezone(),
            from: first,
            to: last,
            include_simulated: self.include_simulated,
        };
        self.started = true;
        self.task = Some(Task::spawn("admin-books", env.waker, move || {
            load(store.as_ref(), &journal, query).map_err(|err| err.to_string())
        }));
    }

    fn take_result(&mut self) {
        if let Some(task) = &mut self.task
            && let Some(result) = task.take()
        {
            self.task = None;
            match result {
                Ok(view) => {
                    self.view = Some(view);
                    self.error = None;
                }
                Err(err) => self.error = Some(err),
            }
        }
    }
}

/// The screen.
pub fn books_ui(ui: &mut egui::Ui, state: &mut BooksState, env: Env<'_>) {
    let tr = env.tr;
    let tz = env.runtime.config().timezone();
    let today = env.runtime.clock().now().with_timezone(&tz).date_naive();
    if state.range.is_none() && state.range_error.is_none() {
        state.set_range(today, today);
    }
    state.take_result();
    if let Some((first, last)) = state.range
        && !state.started
        && state.task.is_none()
    {
        state.start(&env, first, last);
    }
    ui.horizontal(|ui| {
        ui.heading(RichText::new(tr.t("admin.books.title")).size(28.0));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let refresh =
                KeyButton::new(tr.t("admin.refresh"), Some(egui::Key::F5)).enabled(!state.checking());
            if refresh.show(ui) {
                state.started = false;
            }
            if state.checking() {
                ui.spinner();
            }
        });
    });
    range_ui(ui, state, today, tr);
    ui.add_space(6.0);
    if let Some(error) = &state.error {
        theme::message_ui(ui, theme::FAULT_BG, theme::FAULT, tr.f("admin.load_failed", &[("error", error)]));
    }
    let Some(view) = &state.view else {
        if state.checking() {
            ui.label(RichText::new(tr.t("admin.books.checking")).color(theme::MUTED));
        }
        return;
    };
    egui::ScrollArea::vertical().id_salt("books").show(ui, |ui| {
        verdict_ui(ui, view, tr);
        ui.add_space(8.0);
        ui.columns(2, |columns| {
            theme::column_card(&mut columns[0], |ui| tables::vehicles_ui(ui, &view.report, tr));
            theme::column_card(&mut columns[1], |ui| tables::money_ui(ui, &view.report, tr));
        });
        ui.add_space(8.0);
        let to_review = std::mem::take(&mut state.to_review);
        tables::lists_ui(ui, view, to_review, tz, tr);
    });
}

fn range_ui(ui: &mut egui::Ui, state: &mut BooksState, today: NaiveDate, tr: &I18n) {
    ui.horizontal(|ui| {
        let label = ui.label(tr.t("admin.shifts.from"));
        ui.add(
            egui::TextEdit::singleline(&mut state.from)
                .desired_width(140.0)
                .hint_text("dd/mm/yyyy")
                .id_salt("books-from"),
        )
        .labelled_by(label.id);
        let label = ui.label(tr.t("admin.shifts.to"));
        let to = ui
            .add(
                egui::TextEdit::singleline(&mut state.to)
                    .desired_width(140.0)
                    .hint_text("dd/mm/yyyy")
                    .id_salt("books-to"),
            )
            .labelled_by(label.id);
        let entered = to.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
        if ui.button(tr.t("admin.shifts.show")).clicked() || entered {
            state.apply_fields();
        }
        ui.separator();
        for (key, days) in [("admin.shifts.today", 1), ("admin.shifts.week", 7), ("admin.shifts.month", 30)] {
            if ui.button(tr.t(key)).clicked() {
                state.set_range(today - Duration::days(days - 1), today);
            }
        }
        ui.separator();
        if ui.checkbox(&mut state.include_simulated, tr.t("admin.books.include_simulated")).changed() {
            state.started = false;
        }
    });
    if let Some(err) = &state.range_error {
        let text = match err {
            RangeError::Unreadable(text) => tr.f("admin.shifts.bad_date", &[("text", text)]),
            RangeError::Reversed => tr.t("admin.shifts.reversed").to_string(),
            RangeError::TooLong => tr.f("admin.shifts.too_long", &[("days", &MAX_DAYS)]),
        };
        ui.label(RichText::new(text).color(theme::FAULT));
    }
}

/// Balanced in green, or not in red with every problem in plain words.
fn verdict_ui(ui: &mut egui::Ui, view: &BooksView, tr: &I18n) {
    let (from, to) = (view.query.from.format("%d/%m/%Y"), view.query.to.format("%d/%m/%Y"));
    let found = problems(&view.report);
    if found.is_empty() {
        let text = tr.f("admin.books.balanced", &[("from", &from), ("to", &to)]);
        theme::banner(theme::GOOD_BG, theme::GOOD).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(text).color(theme::GOOD).strong().size(21.0));
            simulated_note_ui(ui, view, tr);
        });
        return;
    }
    theme::banner(theme::FAULT_BG, theme::FAULT).show(ui, |ui| {
        ui.set_width(ui.available_width());
        let text = tr.f("admin.books.unbalanced", &[("from", &from), ("to", &to), ("count", &found.len())]);
        ui.label(RichText::new(text).color(theme::FAULT).strong().size(21.0));
        simulated_note_ui(ui, view, tr);
        ui.add_space(4.0);
        section_title_ui(ui, tr.t("admin.books.problems"));
        for problem in &found {
            ui.label(RichText::new(format!("• {}", problem_text(problem, tr))).color(theme::FAULT));
        }
    });
}

fn simulated_note_ui(ui: &mut egui::Ui, view: &BooksView, tr: &I18n) {
    if view.query.include_simulated {
        ui.label(RichText::new(tr.t("admin.books.simulated_note")).color(theme::WARN));
    }
}
