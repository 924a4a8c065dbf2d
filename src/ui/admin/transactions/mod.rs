//! Transactions: filters, a paged table of visits (or of barrier openings by hand, which the
//! audit log holds), a detail view with the entry and exit photos, and the CSV export.

mod close;
mod detail;
mod export;
mod filters;

use egui::{RichText, Sense};
use egui_extras::{Column, TableBuilder};

use self::detail::{Detail, Subject, dash, time, yes_no};
use self::export::{ExportPanel, export_ui};
use self::filters::{Applied, FilterForm, FormAction, ListKind, filters_ui};
use crate::admin::visits::{ManualOpen, manual_opens};
use crate::domain::VehicleClass;
use crate::store::{Origin, PageRequest, StoreError, Visit, VisitPage};
use crate::ui::app::Env;
use crate::ui::exit_screen::duration_text;
use crate::ui::i18n::I18n;
use crate::ui::task::Task;
use crate::ui::theme;

/// Visits per page.
pub const PAGE_SIZE: u64 = 50;

/// One page of the list.
enum Rows {
    /// Visits with the count of all matching.
    Visits(VisitPage),
    /// Barrier openings by hand (all of the period: a site has few).
    Manual(Vec<ManualOpen>),
}

/// The screen's state.
#[derive(Default)]
pub struct TransactionsState {
    form: Option<FilterForm>,
    applied: Option<Applied>,
    offset: u64,
    classes: Vec<VehicleClass>,
    classes_load: Option<Task<Result<Vec<VehicleClass>, StoreError>>>,
    load: Option<Task<Result<Rows, StoreError>>>,
    rows: Option<Rows>,
    error: Option<String>,
    detail: Option<Detail>,
    export: ExportPanel,
    open_first_exited: bool,
}

impl TransactionsState {
    /// Rows on the current page (visits or manual openings).
    pub fn row_count(&self) -> usize {
        match &self.rows {
            Some(Rows::Visits(page)) => page.rows.len(),
            Some(Rows::Manual(opens)) => opens.len(),
            None => 0,
        }
    }

    /// Opens the detail of the newest visit on the page that has left, once the page is loaded
    /// (the screenshot tour).
    pub fn open_first_exited(&mut self) {
        self.open_first_exited = true;
    }

    /// How many photos the open detail shows.
    pub fn detail_photos_shown(&self) -> Option<usize> {
        self.detail.as_ref().map(Detail::photos_shown)
    }
}

/// The screen.
pub fn transactions_ui(ui: &mut egui::Ui, state: &mut TransactionsState, mut env: Env<'_>) {
    let tr = env.tr;
    let tz = env.runtime.config().timezone();
    if state.form.is_none() {
        let today = env.runtime.clock().now().with_timezone(&tz).date_naive();
        state.form = Some(FilterForm::for_day(today));
        state.classes_load = Some(load_classes(&env));
        run(state, &env, FormAction::Apply);
    }
    poll(state, tr);

    if let Some(detail) = &mut state.detail {
        if detail::detail_ui(ui, detail, &mut env) {
            if detail.changed() {
                start_load(state, &env);
            }
            state.detail = None;
        }
        return;
    }

    ui.heading(RichText::new(tr.t("admin.nav.transactions")).size(28.0));
    let busy = state.load.is_some();
    let mut action = None;
    if let Some(form) = &mut state.form {
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            action = filters_ui(ui, form, &state.classes, tr, busy);
        });
    }
    if let Some(action) = action {
        run(state, &env, action);
    }
    if let Some(error) = &state.error {
        theme::message_ui(ui, theme::FAULT_BG, theme::FAULT, error);
    }
    ui.add_space(6.0);
    if let (Some(applied), Some(Rows::Visits(_))) = (&state.applied, &state.rows) {
        let actor = super::actor(&env);
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            export_ui(ui, &mut state.export, applied, actor, &env);
        });
        ui.add_space(6.0);
    }
    let mut open = None;
    let mut page_to = None;
    theme::card().show(ui, |ui| {
        ui.set_width(ui.available_width());
        match &state.rows {
            Some(Rows::Visits(page)) => {
                page_to = pager_ui(ui, page, state.offset, busy, tr);
                ui.separator();
                open = visits_table_ui(ui, &page.rows, tz, tr, env.scope.hq)
                    .map(|i| Subject::Visit(Box::new(page.rows[i].clone())));
            }
            Some(Rows::Manual(opens)) => {
                ui.label(RichText::new(tr.f("admin.tx.manual_count", &[("count", &opens.len())])).strong());
                ui.separator();
                open = manual_table_ui(ui, opens, tz, tr).map(|i| Subject::Manual(opens[i].clone()));
            }
            None => {
                ui.spinner();
            }
        }
    });
    if let Some(offset) = page_to {
        state.offset = offset;
        start_load(state, &env);
    }
    if state.open_first_exited
        && let Some(Rows::Visits(page)) = &state.rows
    {
        state.open_first_exited = false;
        let first = page.rows.iter().find(|visit| visit.exit.is_some());
        open = open.or_else(|| first.map(|visit| Subject::Visit(Box::new(visit.clone()))));
    }
    if let Some(subject) = open {
        state.detail = Some(Detail::open(subject, env.runtime.store(), env.waker));
    }
}

fn poll(state: &mut TransactionsState, tr: &I18n) {
    let failed = |err: StoreError| tr.f("admin.records.error.store", &[("error", &err)]);
    if let Some(task) = &mut state.classes_load
        && let Some(result) = task.take()
    {
        state.classes_load = None;
        match result {
            Ok(classes) => state.classes = classes,
            Err(err) => state.error = Some(failed(err)),
        }
    }
    if let Some(task) = &mut state.load
        && let Some(result) = task.take()
    {
        state.load = None;
        match result {
            Ok(rows) => {
                state.rows = Some(rows);
                state.error = None;
            }
            Err(err) => state.error = Some(failed(err)),
        }
    }
}

/// Checks the form and loads its first page.
fn run(state: &mut TransactionsState, env: &Env<'_>, action: FormAction) {
    let tz = env.runtime.config().timezone();
    if action == FormAction::Reset {
        let today = env.runtime.clock().now().with_timezone(&tz).date_naive();
        state.form = Some(FilterForm {
            kind: state.form.as_ref().map(|f| f.kind).unwrap_or_default(),
            ..FilterForm::for_day(today)
        });
    }
    let Some(form) = &state.form else { return };
    match form.apply(env.scope.one(), tz, env.tr) {
        Ok(applied) => {
            state.export.suggest(&applied, env);
            state.applied = Some(applied);
            state.offset = 0;
            start_load(state, env);
        }
        Err(reason) => state.error = Some(reason),
    }
}

fn start_load(state: &mut TransactionsState, env: &Env<'_>) {
    let Some(applied) = state.applied.clone() else { return };
    let store = env.runtime.store();
    let offset = state.offset;
    state.load = Some(Task::spawn("admin-visits", env.waker, move || match applied.kind {
        ListKind::Visits => {
            store.list_visits(&applied.filter, PageRequest { offset, limit: PAGE_SIZE }).map(Rows::Visits)
        }
        ListKind::ManualOpens => {
            let (from, to) = (applied.filter.from.unwrap_or_default(), applied.filter.to.unwrap_or_default());
            let filter = &applied.filter;
            manual_opens(store.as_ref(), from, to, filter.booth.as_deref(), filter.operator.as_deref())
                .map(Rows::Manual)
        }
    }));
}

fn load_classes(env: &Env<'_>) -> Task<Result<Vec<VehicleClass>, StoreError>> {
    let store = env.runtime.store();
    Task::spawn("admin-classes", env.waker, move || store.vehicle_classes())
}

/// "120 visits · page 2 of 3" with previous and next; returns the offset to go to.
fn pager_ui(ui: &mut egui::Ui, page: &VisitPage, offset: u64, busy: bool, tr: &I18n) -> Option<u64> {
    let pages = page.total.div_ceil(PAGE_SIZE).max(1);
    let current = offset / PAGE_SIZE + 1;
    let mut to = None;
    ui.horizontal(|ui| {
        let summary =
            tr.f("admin.tx.summary", &[("count", &page.total), ("page", &current), ("pages", &pages)]);
        ui.label(RichText::new(summary).strong());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.add_enabled(!busy && current < pages, egui::Button::new(tr.t("admin.tx.next"))).clicked() {
                to = Some(offset + PAGE_SIZE);
            }
            if ui.add_enabled(!busy && offset > 0, egui::Button::new(tr.t("admin.tx.previous"))).clicked() {
                to = Some(offset.saturating_sub(PAGE_SIZE));
            }
        });
    });
    to
}

/// The visits table; returns the index of the row the admin opened. At HQ the booth column
/// names the site too.
fn visits_table_ui(
    ui: &mut egui::Ui,
    rows: &[Visit],
    tz: chrono_tz::Tz,
    tr: &I18n,
    hq: bool,
) -> Option<usize> {
    if rows.is_empty() {
        ui.label(RichText::new(tr.t("admin.tx.nothing")).color(theme::MUTED));
        return None;
    }
    let headers = [
        "admin.tx.entry_time",
        "admin.tx.ticket",
        "admin.tx.plate",
        "admin.tx.class",
        "admin.tx.entry_booth",
        "admin.tx.exit_time",
        "admin.tx.stay",
        "admin.tx.fee",
        "admin.tx.method",
        "admin.tx.flags",
    ];
    let mut opened = None;
    egui::ScrollArea::horizontal().id_salt("tx-visits-wide").show(ui, |ui| {
        TableBuilder::new(ui)
            .id_salt("tx-visits")
            .striped(true)
            .sense(Sense::click())
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .columns(Column::auto(), 9)
            .column(Column::remainder().at_least(80.0))
            .header(30.0, |mut header| {
                for key in headers {
                    header.col(|ui| {
                        ui.label(RichText::new(tr.t(key)).color(theme::MUTED).strong());
                    });
                }
            })
            .body(|body| {
                body.rows(30.0, rows.len(), |mut row| {
                    let index = row.index();
                    let visit = &rows[index];
                    let (entry, exit) = (&visit.entry, visit.exit.as_ref());
                    row.col(|ui| {
                        ui.label(short_time(entry.entry_time, tz));
                    });
                    row.col(|ui| {
                        let link = egui::Button::new(
                            RichText::new(dash(&entry.ticket_no)).monospace().color(theme::ACCENT),
                        )
                        .frame(false);
                        if ui.add(link).clicked() {
                            opened = Some(index);
                        }
                    });
                    row.col(|ui| {
                        ui.label(RichText::new(entry.plate.clone().unwrap_or_else(|| "–".into())).strong());
                    });
                    row.col(|ui| {
                        ui.label(entry.class.to_string());
                    });
                    row.col(|ui| {
                        if hq {
                            ui.label(format!("{} · {}", entry.site, entry.booth));
                        } else {
                            ui.label(&entry.booth);
                        }
                    });
                    row.col(|ui| {
                        ui.label(
                            exit.map(|x| short_time(x.exit_time, tz))
                                .unwrap_or_else(|| tr.t("admin.tx.inside").into()),
                        );
                    });
                    row.col(|ui| {
                        let stay =
                            exit.map(|x| duration_text((x.exit_time - entry.entry_time).num_minutes(), tr));
                        ui.label(stay.unwrap_or_else(|| "–".into()));
                    });
                    row.col(|ui| {
                        ui.label(exit.map(|x| x.total.to_string()).unwrap_or_else(|| "–".into()));
                    });
                    row.col(|ui| {
                        let method =
                            exit.map(|x| tr.t(&format!("pay.method.{}", x.method.as_str())).to_string());
                        ui.label(method.unwrap_or_else(|| "–".into()));
                    });
                    row.col(|ui| {
                        flags_ui(ui, visit, tr);
                    });
                    if row.response().clicked() {
                        opened = Some(index);
                    }
                });
            });
    });
    opened
}

/// `23/11 08:05`: the table's days are the filter's, so the year is left out.
fn short_time(at: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    at.with_timezone(&tz).format("%d/%m %H:%M").to_string()
}

fn flags_ui(ui: &mut egui::Ui, visit: &Visit, tr: &I18n) {
    let exit = visit.exit.as_ref();
    if let Some(exit) = exit.filter(|x| x.forced()) {
        let text = RichText::new(tr.t("admin.books.close.forced")).color(theme::WARN).strong().size(15.0);
        ui.label(text).on_hover_text(exit.forced_reason.clone().unwrap_or_default());
    }
    if exit.is_some_and(|x| x.lost_ticket) {
        ui.label(RichText::new(tr.t("admin.tx.flag.lost")).color(theme::WARN).strong().size(15.0));
    }
    if visit.entry.origin == Origin::Journal || exit.is_some_and(|x| x.origin == Origin::Journal) {
        ui.label(RichText::new(tr.t("admin.tx.flag.offline")).color(theme::WARN).size(15.0));
    }
    if visit.entry.card_uid.is_some() {
        ui.label(RichText::new(tr.t("admin.tx.flag.member")).color(theme::GOOD).size(15.0));
    }
    if exit.is_some_and(|x| x.forced()) {
        ui.label(RichText::new(tr.t("admin.tx.flag.forced")).color(theme::WARN).size(15.0));
    }
    if visit.entry.simulated || exit.is_some_and(|x| x.simulated) {
        ui.label(RichText::new(tr.t("admin.tx.flag.simulated")).color(theme::MUTED).strong().size(15.0));
    }
}

/// The manual openings table; returns the index of the row the admin opened.
fn manual_table_ui(ui: &mut egui::Ui, opens: &[ManualOpen], tz: chrono_tz::Tz, tr: &I18n) -> Option<usize> {
    if opens.is_empty() {
        ui.label(RichText::new(tr.t("admin.tx.nothing")).color(theme::MUTED));
        return None;
    }
    let mut opened = None;
    TableBuilder::new(ui)
        .id_salt("tx-manual")
        .striped(true)
        .sense(Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::auto().at_least(150.0))
        .columns(Column::auto().at_least(90.0), 3)
        .column(Column::auto().at_least(90.0))
        .column(Column::remainder())
        .header(30.0, |mut header| {
            for key in [
                "admin.tx.time",
                "admin.tx.booth",
                "admin.tx.operator",
                "admin.tx.ticket",
                "admin.tx.photo",
                "admin.tx.reason",
            ] {
                header.col(|ui| {
                    ui.label(RichText::new(tr.t(key)).color(theme::MUTED).strong());
                });
            }
        })
        .body(|body| {
            body.rows(30.0, opens.len(), |mut row| {
                let index = row.index();
                let open = &opens[index];
                row.col(|ui| {
                    let link = egui::Button::new(RichText::new(time(open.time, tz)).color(theme::ACCENT))
                        .frame(false);
                    if ui.add(link).clicked() {
                        opened = Some(index);
                    }
                });
                row.col(|ui| {
                    ui.label(&open.booth);
                });
                row.col(|ui| {
                    ui.label(open.username.clone().unwrap_or_else(|| "–".into()));
                });
                row.col(|ui| {
                    ui.label(open.ticket_no.clone().unwrap_or_else(|| "–".into()));
                });
                row.col(|ui| {
                    ui.label(yes_no(open.photo_id.is_some(), tr));
                });
                row.col(|ui| {
                    ui.label(&open.reason);
                });
                if row.response().clicked() {
                    opened = Some(index);
                }
            });
        });
    opened
}
