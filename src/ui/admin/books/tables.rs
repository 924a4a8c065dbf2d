//! The Books screen's figures and tables: vehicles, money, day by day, shift by shift, and the
//! records a person reviews (duplicate exits, exits without an entry, forced closes).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use egui::RichText;

use super::{BooksView, day_text};
use crate::domain::Rupiah;
use crate::lane::books::BooksReport;
use crate::ui::i18n::I18n;
use crate::ui::theme;
use crate::ui::widgets::section_title_ui;

/// Entries against exits, forced closes and vehicles inside.
pub(super) fn vehicles_ui(ui: &mut egui::Ui, report: &BooksReport, tr: &I18n) {
    ui.set_width(ui.available_width());
    section_title_ui(ui, tr.t("admin.books.vehicles"));
    figures_ui(
        ui,
        "books-vehicles",
        &[
            (tr.t("admin.books.entries").to_string(), report.entries.to_string()),
            (tr.t("admin.books.exited").to_string(), report.exits.to_string()),
            (tr.t("admin.books.forced").to_string(), report.forced.to_string()),
            (tr.t("admin.books.inside").to_string(), report.inside.to_string()),
        ],
    );
    let balanced = report.entries == report.exits + report.forced + report.inside;
    let equation = tr.f(
        "admin.books.vehicles_equation",
        &[
            ("entries", &report.entries),
            ("exited", &report.exits),
            ("forced", &report.forced),
            ("inside", &report.inside),
        ],
    );
    mark_ui(ui, &equation, balanced, tr);
}

/// Payments against the shifts, by method, and what waits in the journal.
pub(super) fn money_ui(ui: &mut egui::Ui, report: &BooksReport, tr: &I18n) {
    ui.set_width(ui.available_width());
    section_title_ui(ui, tr.t("admin.books.money"));
    let mut rows = vec![
        (tr.t("admin.books.payments").to_string(), report.revenue.to_string()),
        (tr.t("admin.books.shift_total").to_string(), report.shift_total.to_string()),
    ];
    for (method, amount) in &report.by_method {
        rows.push((tr.t(&format!("pay.method.{method}")).to_string(), amount.to_string()));
    }
    rows.push((tr.t("admin.books.forced_fees").to_string(), report.forced_fees.to_string()));
    rows.push((tr.t("admin.books.pending").to_string(), report.pending_journal.to_string()));
    figures_ui(ui, "books-money", &rows);
    let equation =
        tr.f("admin.books.money_equation", &[("revenue", &report.revenue), ("shifts", &report.shift_total)]);
    mark_ui(ui, &equation, report.revenue == report.shift_total, tr);
}

/// The tables under the figures, each in its card; `to_review` scrolls the duplicate exits to
/// the top.
pub(super) fn lists_ui(ui: &mut egui::Ui, view: &BooksView, to_review: bool, tz: Tz, tr: &I18n) {
    for (n, section) in [days_ui, shifts_ui, duplicates_ui, orphans_ui, forced_ui].into_iter().enumerate() {
        if to_review && n == 2 {
            ui.scroll_to_cursor(Some(egui::Align::TOP));
        }
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            section(ui, view, tz, tr);
        });
        ui.add_space(8.0);
    }
}

fn days_ui(ui: &mut egui::Ui, view: &BooksView, _tz: Tz, tr: &I18n) {
    section_title_ui(ui, tr.t("admin.books.days"));
    let headers = [
        "admin.books.day",
        "admin.books.entries",
        "admin.books.exited",
        "admin.books.forced",
        "admin.books.inside",
        "admin.books.total",
        "admin.books.state",
    ];
    table_ui(ui, "books-days", &headers, tr, |ui| {
        for day in &view.report.days {
            ui.label(day_text(&day.day));
            for count in [day.entries, day.exited, day.forced, day.inside] {
                ui.label(count.to_string());
            }
            ui.label(day.revenue.to_string());
            let balanced = day.entries == day.exited + day.forced + day.inside;
            balanced_label(ui, balanced, tr);
            ui.end_row();
        }
    });
}

fn shifts_ui(ui: &mut egui::Ui, view: &BooksView, tz: Tz, tr: &I18n) {
    section_title_ui(ui, tr.t("admin.books.shifts"));
    if view.report.shifts.is_empty() {
        ui.label(RichText::new(tr.t("admin.books.no_shifts")).color(theme::MUTED));
        return;
    }
    let headers = [
        "admin.books.opened",
        "admin.books.booth",
        "admin.books.cashier",
        "admin.books.closed",
        "admin.books.total",
        "admin.books.by_method",
        "admin.books.expected_at_close",
        "admin.books.expected_now",
        "admin.books.late",
    ];
    table_ui(ui, "books-shifts", &headers, tr, |ui| {
        for books in &view.report.shifts {
            let shift = &books.shift;
            ui.label(short_time(shift.opened_at, tz));
            ui.label(&shift.booth);
            ui.label(&shift.username);
            match shift.closed_at {
                Some(at) => ui.label(short_time(at, tz)),
                None => ui.label(RichText::new(tr.t("admin.books.open")).color(theme::WARN).strong()),
            };
            ui.label(books.total.to_string());
            ui.label(methods_text(&books.by_method, tr));
            ui.label(shift.expected_cash.map(|e| e.to_string()).unwrap_or_else(|| "–".into()));
            let differs = shift.expected_cash.is_some_and(|e| e != books.expected_now);
            let now = RichText::new(books.expected_now.to_string());
            ui.label(if differs { now.color(theme::WARN).strong() } else { now });
            if books.revised {
                let text = format!("{} · {}", books.late_records, tr.t("admin.books.revised"));
                ui.label(RichText::new(text).color(theme::WARN).strong());
            } else {
                ui.label(books.late_records.to_string());
            }
            ui.end_row();
        }
    });
}

fn duplicates_ui(ui: &mut egui::Ui, view: &BooksView, tz: Tz, tr: &I18n) {
    section_title_ui(ui, tr.t("admin.books.duplicates"));
    if view.report.duplicate_exits.is_empty() {
        ui.label(RichText::new(tr.t("admin.books.no_duplicates")).color(theme::MUTED));
        return;
    }
    ui.label(RichText::new(tr.t("admin.books.duplicates_explain")).color(theme::WARN));
    let headers = [
        "admin.books.time",
        "admin.books.booth",
        "admin.books.cashier",
        "admin.books.amount",
        "admin.books.method",
        "admin.books.ticket",
        "admin.books.plate",
        "admin.books.first_exit",
    ];
    table_ui(ui, "books-duplicates", &headers, tr, |ui| {
        for duplicate in &view.report.duplicate_exits {
            let exit = &duplicate.exit;
            let visit = view.visits.get(&exit.entry_id);
            ui.label(short_time(exit.exit_time, tz));
            ui.label(&exit.booth);
            ui.label(exit.operator.clone().unwrap_or_else(|| "–".into()));
            ui.label(RichText::new(exit.total.to_string()).strong());
            ui.label(tr.t(&format!("pay.method.{}", exit.method.as_str())));
            ui.label(visit.map(|v| v.entry.ticket_no.clone()).unwrap_or_else(|| "–".into()));
            ui.label(visit.and_then(|v| v.entry.plate.clone()).unwrap_or_else(|| "–".into()));
            let first = visit.and_then(|v| v.exit.as_ref()).filter(|x| x.id == duplicate.first_exit_id);
            match first {
                Some(first) => ui.label(tr.f(
                    "admin.books.first_exit_at",
                    &[("booth", &first.booth), ("time", &short_time(first.exit_time, tz))],
                )),
                None => ui.label(RichText::new(short_id(&duplicate.first_exit_id)).monospace()),
            };
            ui.end_row();
        }
    });
}

fn orphans_ui(ui: &mut egui::Ui, view: &BooksView, tz: Tz, tr: &I18n) {
    section_title_ui(ui, tr.t("admin.books.orphans"));
    if view.report.orphan_exits.is_empty() {
        ui.label(RichText::new(tr.t("admin.books.no_orphans")).color(theme::MUTED));
        return;
    }
    ui.label(RichText::new(tr.t("admin.books.orphans_explain")).color(theme::WARN));
    let headers = [
        "admin.books.time",
        "admin.books.booth",
        "admin.books.cashier",
        "admin.books.amount",
        "admin.books.method",
        "admin.books.entry_id",
    ];
    table_ui(ui, "books-orphans", &headers, tr, |ui| {
        for exit in &view.report.orphan_exits {
            ui.label(short_time(exit.exit_time, tz));
            ui.label(&exit.booth);
            ui.label(exit.operator.clone().unwrap_or_else(|| "–".into()));
            ui.label(exit.total.to_string());
            ui.label(tr.t(&format!("pay.method.{}", exit.method.as_str())));
            ui.label(RichText::new(exit.entry_id.to_string()).monospace());
            ui.end_row();
        }
    });
}

fn forced_ui(ui: &mut egui::Ui, view: &BooksView, tz: Tz, tr: &I18n) {
    section_title_ui(ui, tr.t("admin.books.forced_closes"));
    if view.report.forced_closes.is_empty() {
        ui.label(RichText::new(tr.t("admin.books.no_forced")).color(theme::MUTED));
        return;
    }
    let headers = [
        "admin.books.time",
        "admin.books.ticket",
        "admin.books.plate",
        "admin.books.reason",
        "admin.books.fee",
        "admin.books.by",
    ];
    table_ui(ui, "books-forced", &headers, tr, |ui| {
        for exit in &view.report.forced_closes {
            let visit = view.visits.get(&exit.entry_id);
            ui.label(short_time(exit.exit_time, tz));
            ui.label(visit.map(|v| v.entry.ticket_no.clone()).unwrap_or_else(|| "–".into()));
            ui.label(visit.and_then(|v| v.entry.plate.clone()).unwrap_or_else(|| "–".into()));
            ui.label(exit.forced_reason.clone().unwrap_or_default());
            ui.label(exit.total.to_string());
            ui.label(exit.operator.clone().unwrap_or_else(|| "–".into()));
            ui.end_row();
        }
    });
}

/// A striped grid with a muted header row, scrolling sideways on a narrow window.
fn table_ui(ui: &mut egui::Ui, id: &str, headers: &[&str], tr: &I18n, rows: impl FnOnce(&mut egui::Ui)) {
    egui::ScrollArea::horizontal().id_salt(id).show(ui, |ui| {
        egui::Grid::new(id).striped(true).num_columns(headers.len()).spacing([18.0, 4.0]).show(ui, |ui| {
            for key in headers {
                ui.label(RichText::new(tr.t(key)).color(theme::MUTED));
            }
            ui.end_row();
            rows(ui);
        });
    });
}

fn figures_ui(ui: &mut egui::Ui, id: &str, rows: &[(String, String)]) {
    egui::Grid::new(id).num_columns(2).spacing([28.0, 4.0]).show(ui, |ui| {
        for (label, value) in rows {
            ui.label(RichText::new(label).color(theme::MUTED));
            ui.label(RichText::new(value).strong());
            ui.end_row();
        }
    });
}

/// An equation in green with a tick, or in red with a cross.
fn mark_ui(ui: &mut egui::Ui, equation: &str, balanced: bool, tr: &I18n) {
    ui.add_space(4.0);
    let (mark, color) = if balanced {
        (tr.t("admin.books.balanced_mark"), theme::GOOD)
    } else {
        (tr.t("admin.books.unbalanced_mark"), theme::FAULT)
    };
    ui.label(RichText::new(format!("{equation} · {mark}")).color(color).strong());
}

fn balanced_label(ui: &mut egui::Ui, balanced: bool, tr: &I18n) {
    if balanced {
        ui.label(RichText::new(tr.t("admin.books.balanced_mark")).color(theme::GOOD));
    } else {
        ui.label(RichText::new(tr.t("admin.books.unbalanced_mark")).color(theme::FAULT).strong());
    }
}

/// `Tunai Rp 5.000 · QRIS Rp 2.000`.
fn methods_text(by_method: &BTreeMap<String, Rupiah>, tr: &I18n) -> String {
    if by_method.is_empty() {
        return "–".into();
    }
    let parts: Vec<String> = by_method
        .iter()
        .map(|(method, amount)| format!("{} {amount}", tr.t(&format!("pay.method.{method}"))))
        .collect();
    parts.join(" · ")
}

/// `23/11 08:05` in the site's time zone.
fn short_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%d/%m %H:%M").to_string()
}

fn short_id(id: &uuid::Uuid) -> String {
    id.to_string()[..8].to_string()
}
