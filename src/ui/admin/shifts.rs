//! Shifts: the cashiers' shifts opened in a range of local days, open ones marked, and the
//! report of the chosen one (takings by method and class, expected and counted cash and the
//! difference) from [`crate::lane::shift::report`], the same report the cashier printed. A
//! shift that records reached after its close is marked revised: its report keeps the original
//! expected cash beside the revised one and lists those late records.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use egui::RichText;
use uuid::Uuid;

use crate::admin::export::ExportError;
use crate::admin::xlsx::write_shifts_xlsx;
use crate::domain::Rupiah;
use crate::domain::calendar::day_range;
use crate::lane::shift::{ShiftReport, report};
use crate::store::{LateKind, Shift, Store, StoreError};
use crate::ui::admin::excel::{ExcelExport, excel_button_ui, excel_outcome_ui};
use crate::ui::app::Env;
use crate::ui::i18n::I18n;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::{KeyButton, section_title_ui};

/// The longest range one list may cover.
const MAX_DAYS: i64 = 92;
/// The range shown first: the last week, today included.
const DEFAULT_DAYS: i64 = 7;

/// Why a range cannot be listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeError {
    /// A date that does not read as `dd/mm/yyyy`; the text typed.
    Unreadable(String),
    /// The end is before the start.
    Reversed,
    /// More than [`MAX_DAYS`] days.
    TooLong,
}

/// Reads the range fields: `dd/mm/yyyy` (also `d/m/yyyy` and `yyyy-mm-dd`).
pub fn parse_range(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), RangeError> {
    let day = |text: &str| {
        let text = text.trim();
        ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"]
            .iter()
            .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
            .ok_or_else(|| RangeError::Unreadable(text.to_string()))
    };
    let (first, last) = (day(from)?, day(to)?);
    if last < first {
        return Err(RangeError::Reversed);
    }
    if (last - first).num_days() >= MAX_DAYS {
        return Err(RangeError::TooLong);
    }
    Ok((first, last))
}

/// The shifts of a range and the ids of those revised by late records.
type Listed = (Vec<Shift>, HashSet<Uuid>);

/// The screen's state.
#[derive(Default)]
pub struct ShiftsState {
    from: String,
    to: String,
    range_error: Option<RangeError>,
    /// The range listed.
    range: Option<(NaiveDate, NaiveDate)>,
    list: Option<Task<Result<Listed, String>>>,
    shifts: Vec<Shift>,
    /// The listed shifts whose expected cash late records revised.
    revised: HashSet<Uuid>,
    list_error: Option<String>,
    /// The list of the range has arrived.
    listed: bool,
    selected: Option<Uuid>,
    report_task: Option<Task<Result<ShiftReport, String>>>,
    report: Option<ShiftReport>,
    report_error: Option<String>,
    /// A report asked for from outside the screen, opened at the next frame.
    wanted: Option<Uuid>,
    /// The listed shifts' reports as an Excel workbook.
    excel: ExcelExport,
}

impl ShiftsState {
    /// The shifts listed, newest first.
    pub fn shifts(&self) -> &[Shift] {
        &self.shifts
    }

    /// The report shown, once loaded.
    pub fn report(&self) -> Option<&ShiftReport> {
        self.report.as_ref()
    }

    /// True when the listed shift `id` is marked revised.
    pub fn is_revised(&self, id: Uuid) -> bool {
        self.revised.contains(&id)
    }

    /// Opens the report of the first revised shift listed, once the list is in (the screenshot
    /// tour); false while there is none to open.
    pub fn open_first_revised(&mut self) -> bool {
        match self.shifts.iter().find(|s| self.revised.contains(&s.id)) {
            Some(shift) => {
                self.wanted = Some(shift.id);
                true
            }
            None => false,
        }
    }

    /// Sets the range fields and lists that range at the next frame.
    pub fn set_range(&mut self, first: NaiveDate, last: NaiveDate) {
        self.from = first.format("%d/%m/%Y").to_string();
        self.to = last.format("%d/%m/%Y").to_string();
        self.range_error = None;
        self.range = Some((first, last));
        self.shifts.clear();
        self.list = None;
        self.list_error = None;
    }

    fn apply_fields(&mut self) {
        match parse_range(&self.from, &self.to) {
            Ok((first, last)) => self.set_range(first, last),
            Err(err) => self.range_error = Some(err),
        }
    }

    fn start_list(&mut self, env: &Env<'_>, first: NaiveDate, last: NaiveDate, tz: Tz) {
        let store = env.runtime.store();
        let site = env.site().to_string();
        let (Some((start, _)), Some((_, end))) = (day_range(first, tz), day_range(last, tz)) else {
            self.range_error = Some(RangeError::Unreadable(format!("{first} – {last}")));
            self.range = None;
            return;
        };
        self.listed = false;
        self.list = Some(Task::spawn("admin-shifts", env.waker, move || {
            list_shifts(store.as_ref(), &site, start, end).map_err(|err| err.to_string())
        }));
    }

    fn start_report(&mut self, env: &Env<'_>, id: Uuid, now: DateTime<Utc>) {
        let store = env.runtime.store();
        self.selected = Some(id);
        self.report = None;
        self.report_error = None;
        self.report_task = Some(Task::spawn("admin-shift-report", env.waker, move || {
            report(store.as_ref(), id, now, false).map_err(|err| err.to_string())
        }));
    }

    fn take_results(&mut self) {
        if let Some(task) = &mut self.list
            && let Some(result) = task.take()
        {
            match result {
                Ok((shifts, revised)) => {
                    self.listed = true;
                    self.shifts = shifts;
                    self.revised = revised;
                    self.list_error = None;
                }
                Err(err) => self.list_error = Some(err),
            }
        }
        if let Some(task) = &mut self.report_task
            && let Some(result) = task.take()
        {
            self.report_task = None;
            match result {
                Ok(report) if Some(report.shift.id) == self.selected => self.report = Some(report),
                Ok(_) => {}
                Err(err) => self.report_error = Some(err),
            }
        }
    }
}

/// The shifts opened in `[start, end)` and those of them that late records revised.
fn list_shifts(
    store: &dyn Store,
    site: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Listed, StoreError> {
    let shifts = store.list_shifts(site, start, end)?;
    let mut revised = HashSet::new();
    for shift in shifts.iter().filter(|s| s.closed_at.is_some()) {
        let late = store.late_records(shift.id)?;
        if late.last().is_some_and(|l| Some(l.expected_after) != shift.expected_cash) {
            revised.insert(shift.id);
        }
    }
    Ok((shifts, revised))
}

/// The screen.
pub fn shifts_ui(ui: &mut egui::Ui, state: &mut ShiftsState, env: Env<'_>) {
    let tr = env.tr;
    let tz = env.runtime.config().timezone();
    let now = env.runtime.clock().now();
    let today = now.with_timezone(&tz).date_naive();
    if state.range.is_none() && state.range_error.is_none() {
        state.set_range(today - Duration::days(DEFAULT_DAYS - 1), today);
    }
    state.take_results();
    if let Some((first, last)) = state.range
        && state.list.is_none()
    {
        state.start_list(&env, first, last, tz);
    }
    if let Some(id) = state.wanted.take() {
        state.start_report(&env, id, now);
    }
    let loading = state.list.as_mut().is_some_and(|t| t.running()) || state.report_task.is_some();
    ui.horizontal(|ui| {
        ui.heading(RichText::new(tr.t("admin.nav.shifts")).size(28.0));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if KeyButton::new(tr.t("admin.refresh"), Some(egui::Key::F5)).enabled(!loading).show(ui) {
                state.list = None;
                if let Some(id) = state.selected {
                    state.start_report(&env, id, now);
                }
            }
            if loading {
                ui.spinner();
            }
            let ready = state.listed && !state.shifts.is_empty();
            let (store, ids) =
                (env.runtime.store(), state.shifts.iter().rev().map(|s| s.id).collect::<Vec<_>>());
            let name = match state.range {
                Some((first, last)) => format!("shifts-{first}-{last}"),
                None => "shifts".into(),
            };
            excel_button_ui(ui, &mut state.excel, &env, ready, &name, move |path| {
                let mut reports = Vec::with_capacity(ids.len());
                for id in ids {
                    reports.push(report(store.as_ref(), id, now, false).map_err(|err| match err {
                        crate::lane::shift::ShiftError::Store(err) => ExportError::Store(err),
                        other => ExportError::Write(other.to_string()),
                    })?);
                }
                write_shifts_xlsx(&reports, tz, path)
            });
        });
    });
    excel_outcome_ui(ui, &state.excel, &env);
    range_ui(ui, state, today, tr);
    ui.add_space(8.0);
    ui.columns(2, |columns| {
        theme::column_card(&mut columns[0], |ui| {
            ui.set_width(ui.available_width());
            if let Some(id) = list_ui(ui, state, tr, tz) {
                state.start_report(&env, id, now);
            }
        });
        theme::column_card(&mut columns[1], |ui| {
            ui.set_width(ui.available_width());
            report_ui(ui, state, tr, tz);
        });
    });
}

fn range_ui(ui: &mut egui::Ui, state: &mut ShiftsState, today: NaiveDate, tr: &I18n) {
    ui.horizontal(|ui| {
        let label = ui.label(tr.t("admin.shifts.from"));
        let from = ui.add(
            egui::TextEdit::singleline(&mut state.from)
                .desired_width(140.0)
                .hint_text("dd/mm/yyyy")
                .id_salt("shifts-from"),
        );
        from.labelled_by(label.id);
        let label = ui.label(tr.t("admin.shifts.to"));
        let to = ui.add(
            egui::TextEdit::singleline(&mut state.to)
                .desired_width(140.0)
                .hint_text("dd/mm/yyyy")
                .id_salt("shifts-to"),
        );
        let to = to.labelled_by(label.id);
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

/// The shifts of the range; the one clicked, if any.
fn list_ui(ui: &mut egui::Ui, state: &ShiftsState, tr: &I18n, tz: Tz) -> Option<Uuid> {
    section_title_ui(ui, tr.t("admin.shifts.list"));
    if let Some(error) = &state.list_error {
        ui.label(RichText::new(tr.f("admin.load_failed", &[("error", error)])).color(theme::FAULT));
        return None;
    }
    if state.shifts.is_empty() {
        if state.listed {
            ui.label(RichText::new(tr.t("admin.shifts.none")).color(theme::MUTED));
        }
        return None;
    }
    let open = state.shifts.iter().filter(|s| s.closed_at.is_none()).count();
    if open > 0 {
        ui.label(
            RichText::new(tr.f("admin.shifts.open_count", &[("count", &open)])).color(theme::WARN).strong(),
        );
    }
    let mut clicked = None;
    egui::ScrollArea::both().id_salt("shifts-list").show(ui, |ui| {
        egui::Grid::new("shifts-grid").striped(true).num_columns(5).spacing([16.0, 4.0]).show(ui, |ui| {
            for key in [
                "admin.shifts.opened",
                "admin.shifts.closed",
                "admin.dashboard.booth",
                "admin.shifts.cashier",
                "admin.shifts.difference",
            ] {
                ui.label(RichText::new(tr.t(key)).color(theme::MUTED));
            }
            ui.end_row();
            for shift in &state.shifts {
                let selected = state.selected == Some(shift.id);
                let opened = shift.opened_at.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string();
                if ui.selectable_label(selected, opened).clicked() {
                    clicked = Some(shift.id);
                }
                match shift.closed_at {
                    Some(at) if state.revised.contains(&shift.id) => ui.label(
                        RichText::new(format!(
                            "{} · {}",
                            at.with_timezone(&tz).format("%d/%m %H:%M"),
                            tr.t("admin.books.shift.revised")
                        ))
                        .color(theme::WARN)
                        .strong(),
                    ),
                    Some(at) => ui.label(at.with_timezone(&tz).format("%d/%m %H:%M").to_string()),
                    None => {
                        ui.label(RichText::new(tr.t("admin.shifts.still_open")).color(theme::WARN).strong())
                    }
                };
                ui.label(&shift.booth);
                ui.label(&shift.username);
                match (shift.expected_cash, shift.counted_cash) {
                    (Some(expected), Some(counted)) => difference_label(ui, counted - expected),
                    _ => ui.label("–"),
                };
                ui.end_row();
            }
        });
    });
    clicked
}

fn difference_label(ui: &mut egui::Ui, difference: Rupiah) -> egui::Response {
    let color = match difference.amount() {
        0 => theme::GOOD,
        d if d < 0 => theme::FAULT,
        _ => theme::WARN,
    };
    let text = if difference > Rupiah::ZERO { format!("+{difference}") } else { difference.to_string() };
    ui.label(RichText::new(text).color(color).strong())
}

/// The chosen shift's report.
fn report_ui(ui: &mut egui::Ui, state: &ShiftsState, tr: &I18n, tz: Tz) {
    section_title_ui(ui, tr.t("admin.shifts.report"));
    if let Some(error) = &state.report_error {
        ui.label(RichText::new(tr.f("admin.load_failed", &[("error", error)])).color(theme::FAULT));
        return;
    }
    let Some(report) = &state.report else {
        if state.report_task.is_some() {
            ui.spinner();
        } else {
            ui.label(RichText::new(tr.t("admin.shifts.pick")).color(theme::MUTED));
        }
        return;
    };
    let shift = &report.shift;
    let opened = shift.opened_at.with_timezone(&tz).format("%d/%m/%Y %H:%M");
    ui.label(
        RichText::new(tr.f(
            "admin.shifts.heading",
            &[("cashier", &shift.username), ("booth", &shift.booth), ("opened", &opened)],
        ))
        .strong()
        .size(20.0),
    );
    match shift.closed_at {
        Some(at) => {
            let closed = at.with_timezone(&tz).format("%d/%m/%Y %H:%M");
            ui.label(tr.f("admin.shifts.closed_at", &[("closed", &closed)]))
        }
        None => ui.label(RichText::new(tr.t("admin.shifts.open_note")).color(theme::WARN)),
    };
    report_notes_ui(ui, report, tr);
    ui.add_space(6.0);
    egui::Grid::new("shift-cash").num_columns(2).spacing([28.0, 4.0]).show(ui, |ui| {
        let expected_key =
            if report.revised() { "admin.books.shift.original_expected" } else { "admin.shifts.expected" };
        let rows = [
            ("admin.shifts.float", Some(shift.opening_float)),
            (expected_key, Some(report.expected_cash)),
            ("admin.books.shift.revised_expected", report.revised_expected_cash),
            ("admin.shifts.counted", report.counted_cash),
        ];
        for (key, amount) in rows {
            if key == "admin.books.shift.revised_expected" && amount.is_none() {
                continue;
            }
            ui.label(RichText::new(tr.t(key)).color(theme::MUTED));
            let text = RichText::new(amount.map(|a| a.to_string()).unwrap_or_else(|| "–".into())).strong();
            let revised = key == "admin.books.shift.revised_expected";
            ui.label(if revised { text.color(theme::WARN) } else { text });
            ui.end_row();
        }
        ui.label(RichText::new(tr.t("admin.shifts.difference")).color(theme::MUTED));
        match report.difference {
            Some(difference) => difference_label(ui, difference),
            None => ui.label("–"),
        };
        ui.end_row();
        if let (Some(revised), Some(counted)) = (report.revised_expected_cash, report.counted_cash) {
            ui.label(RichText::new(tr.t("admin.books.shift.revised_difference")).color(theme::MUTED));
            difference_label(ui, counted - revised);
            ui.end_row();
        }
    });
    late_records_ui(ui, report, tr, tz);
    ui.add_space(8.0);
    section_title_ui(ui, tr.t("admin.by_method"));
    egui::Grid::new("shift-methods").striped(true).num_columns(3).spacing([28.0, 3.0]).show(ui, |ui| {
        for (method, tally) in &report.by_method {
            ui.label(tr.t(&format!("pay.method.{method}")));
            ui.label(tr.f("admin.statistics.exits_count", &[("count", &tally.exits)]));
            ui.label(tally.total.to_string());
            ui.end_row();
        }
        ui.label(RichText::new(tr.t("admin.dashboard.total")).strong());
        ui.label(
            RichText::new(tr.f("admin.statistics.exits_count", &[("count", &report.all.exits)])).strong(),
        );
        ui.label(RichText::new(report.all.total.to_string()).strong());
        ui.end_row();
    });
    ui.add_space(8.0);
    section_title_ui(ui, tr.t("admin.by_class"));
    egui::Grid::new("shift-classes").striped(true).num_columns(3).spacing([28.0, 3.0]).show(ui, |ui| {
        for (class, tally) in &report.by_class {
            let name = if class == "?" { tr.t("admin.shifts.no_entry").to_string() } else { class.clone() };
            ui.label(name);
            ui.label(tr.f("admin.statistics.exits_count", &[("count", &tally.exits)]));
            ui.label(tally.total.to_string());
            ui.end_row();
        }
    });
    ui.add_space(8.0);
    let events = tr.f(
        "admin.shifts.events",
        &[("lost", &report.lost_tickets), ("manual", &report.manual_opens), ("voids", &report.voids)],
    );
    ui.label(RichText::new(events).color(theme::MUTED));
}

/// Revised, provisional and duplicate payments, above the figures.
fn report_notes_ui(ui: &mut egui::Ui, report: &ShiftReport, tr: &I18n) {
    if report.revised() {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(tr.t("admin.books.shift.revised")).color(theme::WARN).strong());
            ui.label(RichText::new(tr.t("admin.books.shift.revised_note")).color(theme::WARN));
        });
    }
    if report.provisional {
        ui.label(RichText::new(tr.t("admin.books.shift.provisional")).color(theme::WARN));
    }
    if report.duplicates.exits > 0 {
        let text = tr.f(
            "admin.books.shift.duplicates",
            &[("count", &report.duplicates.exits), ("total", &report.duplicates.total)],
        );
        ui.label(RichText::new(text).color(theme::WARN).strong());
    }
}

/// The records that reached the shift after its close: when, what, how paid, and the expected
/// cash before and after each.
fn late_records_ui(ui: &mut egui::Ui, report: &ShiftReport, tr: &I18n, tz: Tz) {
    if report.late.is_empty() {
        return;
    }
    ui.add_space(8.0);
    section_title_ui(ui, tr.t("admin.books.shift.late"));
    for late in &report.late {
        let kind = match late.kind {
            LateKind::Exit => "admin.books.shift.kind_exit",
            LateKind::Duplicate => "admin.books.shift.kind_duplicate",
        };
        let method = format!("pay.method.{}", late.method.as_str());
        let text = tr.f(
            "admin.books.shift.late_row",
            &[
                ("time", &late.arrived_at.with_timezone(&tz).format("%d/%m %H:%M")),
                ("kind", &tr.t(kind)),
                ("amount", &late.total),
                ("method", &tr.t(&method)),
                ("before", &late.expected_before),
                ("after", &late.expected_after),
            ],
        );
        ui.label(RichText::new(format!("• {text}")).color(theme::WARN));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_as_local_days_or_say_what_is_wrong() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let cases = [
            ("17/11/2026", "23/11/2026", Ok((day(17), day(23)))),
            (" 2026-11-01 ", "1/11/2026", Ok((day(1), day(1)))),
            ("31/02/2026", "23/11/2026", Err(RangeError::Unreadable("31/02/2026".into()))),
            ("", "23/11/2026", Err(RangeError::Unreadable(String::new()))),
            ("23/11/2026", "22/11/2026", Err(RangeError::Reversed)),
            ("01/01/2026", "23/11/2026", Err(RangeError::TooLong)),
        ];
        for (from, to, expected) in cases {
            assert_eq!(parse_range(from, to), expected, "{from} – {to}");
        }
    }
}
