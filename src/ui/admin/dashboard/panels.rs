//! The dashboard's parts, drawn from loaded figures: alerts, today's figures, inside by class,
//! booth statuses and the live feed.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use egui::RichText;

use super::load::{Alert, DashboardData, SILENT_AFTER, alerts};
use crate::store::live::{VisitEvent, VisitKind};
use crate::ui::admin::books::problem_text;
use crate::ui::exit_screen::duration_text;
use crate::ui::i18n::I18n;
use crate::ui::theme;
use crate::ui::widgets::section_title_ui;

/// The alerts, or a quiet line saying there are none; true when the admin asked for the
/// Books screen.
pub(super) fn alerts_ui(
    ui: &mut egui::Ui,
    data: &DashboardData,
    now: DateTime<Utc>,
    tr: &I18n,
    tz: Tz,
) -> bool {
    let list = alerts(data, now);
    if list.is_empty() {
        theme::message_ui(ui, theme::GOOD_BG, theme::GOOD, tr.t("admin.dashboard.no_alerts"));
        return false;
    }
    let mut open_books = false;
    theme::banner(theme::WARN_BG, theme::WARN).show(ui, |ui| {
        ui.set_width(ui.available_width());
        section_title_ui(ui, tr.t("admin.dashboard.alerts"));
        for alert in &list {
            let (text, color) = alert_text(alert, tr);
            ui.horizontal_top(|ui| {
                super::dot_ui(ui, color);
                ui.add(egui::Label::new(RichText::new(text).color(color).strong()).wrap());
            });
            match alert {
                Alert::LongStays { .. } => long_stays_ui(ui, data, now, tr, tz),
                Alert::DuplicateExits { .. } => duplicates_ui(ui, data, tr, tz),
                _ => {}
            }
        }
        if list.iter().any(|a| matches!(a, Alert::BooksUnbalanced { .. } | Alert::DuplicateExits { .. })) {
            open_books = ui.button(tr.t("admin.books.alert.open")).clicked();
        }
    });
    open_books
}

/// Today's duplicate exits under their alert: time, booth, cashier, amount.
fn duplicates_ui(ui: &mut egui::Ui, data: &DashboardData, tr: &I18n, tz: Tz) {
    ui.indent("duplicates", |ui| {
        egui::Grid::new("dashboard-duplicates").num_columns(5).spacing([18.0, 2.0]).show(ui, |ui| {
            for duplicate in &data.books.duplicate_exits {
                let exit = &duplicate.exit;
                ui.label(exit.exit_time.with_timezone(&tz).format("%H:%M").to_string());
                ui.label(&exit.booth);
                ui.label(exit.operator.clone().unwrap_or_else(|| "–".into()));
                ui.label(exit.total.to_string());
                ui.label(tr.t(&format!("pay.method.{}", exit.method.as_str())));
                ui.end_row();
            }
        });
    });
}

fn alert_text(alert: &Alert, tr: &I18n) -> (String, egui::Color32) {
    match alert {
        Alert::NearlyFull { inside, capacity, percent } => (
            tr.f(
                "admin.dashboard.alert_nearly_full",
                &[("inside", inside), ("capacity", capacity), ("percent", percent)],
            ),
            theme::FAULT,
        ),
        Alert::NotReporting { booth, silent_s } => (
            tr.f(
                "admin.dashboard.alert_not_reporting",
                &[("booth", booth), ("duration", &duration_text(silent_s / 60, tr))],
            ),
            theme::FAULT,
        ),
        Alert::LongStays { count, hours } => {
            (tr.f("admin.dashboard.alert_long_stays", &[("count", count), ("hours", hours)]), theme::WARN)
        }
        Alert::OrphanExits { count } => {
            (tr.f("admin.dashboard.alert_orphan_exits", &[("count", count)]), theme::WARN)
        }
        Alert::RejectedFiles { booth: Some(booth), count } => {
            (tr.f("admin.dashboard.alert_rejected_booth", &[("count", count), ("booth", booth)]), theme::WARN)
        }
        Alert::RejectedFiles { booth: None, count } => {
            (tr.f("admin.dashboard.alert_rejected_here", &[("count", count)]), theme::WARN)
        }
        Alert::BooksUnbalanced { first, more } => {
            let mut text = tr.f("admin.books.alert.unbalanced", &[("problem", &problem_text(first, tr))]);
            if *more > 0 {
                text = format!("{text} {}", tr.f("admin.books.alert.more", &[("count", more)]));
            }
            (text, theme::FAULT)
        }
        Alert::DuplicateExits { count } => {
            (tr.f("admin.books.alert.duplicates", &[("count", count)]), theme::WARN)
        }
        Alert::BackupFailed { error } => (tr.f("backup.alert_failed", &[("error", error)]), theme::FAULT),
        Alert::BackupStale { hours } => (tr.f("backup.alert_stale", &[("hours", hours)]), theme::WARN),
    }
}

/// The latest scheduled backup: when and how large, or that there is none yet.
pub(super) fn backup_line_ui(ui: &mut egui::Ui, data: &DashboardData, tr: &I18n, tz: Tz) {
    let text = match &data.last_backup {
        Some(backup) => tr.f(
            "backup.last",
            &[
                ("time", &backup.at.with_timezone(&tz).format("%d/%m %H:%M")),
                ("mb", &format!("{:.1}", backup.bytes.unwrap_or(0) as f64 / 1_048_576.0)),
            ],
        ),
        None => tr.t("backup.none").to_string(),
    };
    ui.label(RichText::new(text).weak());
}

/// The oldest vehicles still inside, under the long-stay alert.
fn long_stays_ui(ui: &mut egui::Ui, data: &DashboardData, now: DateTime<Utc>, tr: &I18n, tz: Tz) {
    let language = tr.language().code();
    ui.indent("long-stays", |ui| {
        egui::Grid::new("long-stays").num_columns(5).spacing([18.0, 2.0]).show(ui, |ui| {
            for visit in &data.oldest_stays {
                let entry = &visit.entry;
                ui.label(RichText::new(&entry.ticket_no).monospace());
                ui.label(entry.plate.clone().unwrap_or_else(|| "–".into()));
                ui.label(data.class_name(&entry.class, language));
                ui.label(entry.entry_time.with_timezone(&tz).format("%d/%m %H:%M").to_string());
                ui.label(duration_text((now - entry.entry_time).num_minutes(), tr));
                ui.end_row();
            }
        });
    });
}

/// Inside now against the capacity, and today's entries, exits and takings.
pub(super) fn figures_ui(ui: &mut egui::Ui, data: &DashboardData, tr: &I18n) {
    let inside = data.inside_total();
    let occupancy = match data.capacity.filter(|c| *c > 0) {
        Some(capacity) => tr.f(
            "admin.dashboard.of_capacity",
            &[("capacity", &capacity), ("percent", &(inside * 100 / u64::from(capacity)))],
        ),
        None => tr.t("admin.dashboard.no_capacity").to_string(),
    };
    let today = &data.today;
    let stay = today.average_stay_min.map(|m| duration_text(m, tr)).unwrap_or_else(|| "–".into());
    let figures = [
        (tr.t("admin.dashboard.inside_now"), inside.to_string(), Some(occupancy)),
        (tr.t("admin.dashboard.entries_today"), today.entries.to_string(), None),
        (tr.t("admin.dashboard.exits_today"), today.exits.to_string(), None),
        (tr.t("admin.dashboard.revenue_today"), today.revenue.to_string(), None),
        (tr.t("admin.average_stay"), stay, None),
        (tr.t("admin.lost_tickets"), today.lost_tickets.to_string(), None),
    ];
    // Two rows of three: a day's revenue (Rp 12.345.000) and a stay (3 jam 41 menit) need the width.
    let mut figures = figures.into_iter();
    for row in 0..2 {
        if row > 0 {
            ui.add_space(8.0);
        }
        ui.columns(3, |columns| {
            for (column, (label, value, note)) in columns.iter_mut().zip(figures.by_ref()) {
                theme::column_card(column, |ui| {
                    ui.label(RichText::new(label).color(theme::MUTED));
                    let value = RichText::new(value).size(30.0).strong().color(theme::ACCENT);
                    ui.add(egui::Label::new(value).wrap_mode(egui::TextWrapMode::Truncate));
                    if let Some(note) = note {
                        ui.label(RichText::new(note).size(15.0).color(theme::MUTED));
                    }
                });
            }
        });
    }
}

/// Vehicles inside per class, each with its share of the total.
pub(super) fn inside_ui(ui: &mut egui::Ui, data: &DashboardData, tr: &I18n) {
    section_title_ui(ui, tr.t("admin.dashboard.inside_by_class"));
    let total = data.inside_total();
    let language = tr.language().code();
    egui::Grid::new("inside-by-class").striped(true).num_columns(3).spacing([20.0, 4.0]).show(ui, |ui| {
        for (code, count) in &data.inside {
            ui.label(format!("{} ({code})", data.class_name(code, language)));
            ui.label(RichText::new(count.to_string()).strong());
            let share = if total == 0 { 0.0 } else { *count as f32 / total as f32 };
            ui.add(egui::ProgressBar::new(share).desired_width(160.0).fill(theme::ACCENT));
            ui.end_row();
        }
        ui.label(RichText::new(tr.t("admin.dashboard.total")).strong());
        ui.label(RichText::new(tr.f("admin.dashboard.inside_total", &[("count", &total)])).strong());
        ui.end_row();
    });
}

/// One row per booth that ever reported: last report, mode, operator, journal, faults.
pub(super) fn booths_ui(ui: &mut egui::Ui, data: &DashboardData, now: DateTime<Utc>, tr: &I18n, tz: Tz) {
    section_title_ui(ui, tr.t("admin.dashboard.booths"));
    if data.booths.is_empty() {
        ui.label(RichText::new(tr.t("admin.dashboard.no_booths")).color(theme::MUTED));
        return;
    }
    egui::Grid::new("booth-statuses").striped(true).num_columns(6).spacing([14.0, 4.0]).show(ui, |ui| {
        for key in [
            "admin.dashboard.booth",
            "admin.dashboard.last_seen",
            "admin.dashboard.mode",
            "admin.dashboard.operator",
            "admin.dashboard.journal",
            "admin.dashboard.faults",
        ] {
            ui.label(RichText::new(tr.t(key)).color(theme::MUTED));
        }
        ui.end_row();
        for booth in &data.booths {
            ui.label(RichText::new(&booth.booth).strong());
            let silent = now - booth.seen_at;
            let seen = if silent > SILENT_AFTER {
                let at = booth.seen_at.with_timezone(&tz).format("%d/%m %H:%M");
                RichText::new(tr.f("admin.dashboard.not_reporting", &[("time", &at)])).color(theme::FAULT)
            } else {
                let seconds = silent.num_seconds().max(0);
                RichText::new(tr.f("admin.dashboard.seen_ago", &[("s", &seconds)])).color(theme::GOOD)
            };
            ui.label(seen);
            let mode = match booth.mode.as_str() {
                "entry" => tr.t("admin.dashboard.mode_entry"),
                "exit" => tr.t("admin.dashboard.mode_exit"),
                "admin" => tr.t("admin.dashboard.mode_admin"),
                other => other,
            };
            if booth.simulated {
                ui.label(format!("{mode} · {}", tr.t("admin.dashboard.simulated")));
            } else {
                ui.label(mode);
            }
            ui.label(booth.operator.clone().unwrap_or_else(|| "–".into()));
            let journal = tr.f(
                "admin.dashboard.journal_counts",
                &[("waiting", &booth.journal_waiting), ("rejected", &booth.journal_rejected)],
            );
            let color = if booth.journal_rejected > 0 { theme::WARN } else { theme::TEXT };
            ui.label(RichText::new(journal).color(color));
            if booth.faults.is_empty() {
                ui.label(RichText::new(tr.t("admin.dashboard.no_faults")).color(theme::MUTED));
            } else {
                ui.label(RichText::new(booth.faults.join("\n")).color(theme::FAULT));
            }
            ui.end_row();
        }
    });
}

/// Entries and exits from every booth as they are committed, newest first.
pub(super) fn feed_ui(ui: &mut egui::Ui, feed: &VecDeque<VisitEvent>, missed: u64, tr: &I18n, tz: Tz) {
    section_title_ui(ui, tr.t("admin.dashboard.feed"));
    if missed > 0 {
        ui.label(RichText::new(tr.f("admin.dashboard.missed", &[("count", &missed)])).color(theme::WARN));
    }
    if feed.is_empty() {
        ui.label(RichText::new(tr.t("admin.dashboard.feed_empty")).color(theme::MUTED));
        return;
    }
    egui::ScrollArea::vertical().id_salt("feed").max_height(420.0).show(ui, |ui| {
        egui::Grid::new("feed-grid").striped(true).num_columns(3).spacing([18.0, 4.0]).show(ui, |ui| {
            for event in feed {
                ui.label(
                    RichText::new(event.time.with_timezone(&tz).format("%H:%M:%S").to_string()).monospace(),
                );
                let (key, color) = match event.kind {
                    VisitKind::Entry => ("admin.dashboard.feed_entry", theme::GOOD),
                    VisitKind::Exit => ("admin.dashboard.feed_exit", theme::ACCENT),
                };
                ui.label(RichText::new(tr.t(key)).color(color).strong());
                ui.label(tr.f("admin.dashboard.feed_booth", &[("booth", &event.booth)]));
                ui.end_row();
            }
        });
    });
}
