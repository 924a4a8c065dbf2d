//! The chosen day: totals, entries and exits per hour, and occupancy at each hour, as charts
//! with their figures in a table beside them.

use egui::RichText;
use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints, Points};

use super::{DayData, SERIES};
use crate::ui::exit_screen::duration_text;
use crate::ui::i18n::I18n;
use crate::ui::theme;
use crate::ui::widgets::section_title_ui;

/// Height of the day's charts.
const CHART_HEIGHT: f32 = 260.0;

/// The day's figures.
pub(super) fn day_ui(ui: &mut egui::Ui, data: &DayData, tr: &I18n) {
    let stats = &data.stats;
    let stay = stats.average_stay_min.map(|m| duration_text(m, tr)).unwrap_or_else(|| "–".into());
    summary_ui(
        ui,
        &[
            (tr.t("admin.entries"), stats.entries.to_string()),
            (tr.t("admin.exits"), stats.exits.to_string()),
            (tr.t("admin.revenue"), stats.revenue.to_string()),
            (tr.t("admin.average_stay"), stay),
            (tr.t("admin.lost_tickets"), stats.lost_tickets.to_string()),
            (tr.t("plates.stats.read_rate"), percent(data.plates.read_pct())),
            (tr.t("plates.stats.corrected_rate"), percent(data.plates.corrected_pct())),
        ],
    );
    ui.add_space(8.0);
    ui.columns(2, |columns| {
        let ui = &mut columns[0];
        section_title_ui(ui, tr.t("admin.per_hour"));
        hourly_chart_ui(ui, data, tr);
        section_title_ui(ui, tr.t("admin.statistics.occupancy"));
        occupancy_chart_ui(ui, data, tr);
        hourly_table_ui(&mut columns[1], data, tr);
    });
}

/// A row of labelled figures.
pub(super) fn summary_ui(ui: &mut egui::Ui, figures: &[(&str, String)]) {
    ui.horizontal_wrapped(|ui| {
        for (label, value) in figures {
            ui.vertical(|ui| {
                ui.label(RichText::new(*label).color(theme::MUTED).size(15.0));
                ui.label(RichText::new(value).strong().size(24.0).color(theme::ACCENT));
            });
            ui.add_space(24.0);
        }
    });
}

fn hourly_chart_ui(ui: &mut egui::Ui, data: &DayData, tr: &I18n) {
    let bars = |counts: &[u64; 24], shift: f64| -> Vec<Bar> {
        (0..24).map(|hour| Bar::new(hour as f64 + shift, counts[hour] as f64).width(0.4)).collect()
    };
    let entries =
        BarChart::new(tr.t("admin.entries"), bars(&data.stats.entries_per_hour, -0.2)).color(SERIES[0]);
    let exits = BarChart::new(tr.t("admin.exits"), bars(&data.stats.exits_per_hour, 0.2)).color(SERIES[1]);
    Plot::new("stats-hourly")
        .height(CHART_HEIGHT)
        .legend(Legend::default())
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .include_y(0.0)
        .include_x(-0.5)
        .include_x(23.5)
        .x_axis_formatter(|mark, _| hour_mark(mark.value))
        .show(ui, |plot| {
            plot.bar_chart(entries);
            plot.bar_chart(exits);
        });
}

fn occupancy_chart_ui(ui: &mut egui::Ui, data: &DayData, tr: &I18n) {
    let points: Vec<[f64; 2]> =
        data.occupancy.iter().map(|(hour, count)| [f64::from(*hour), *count as f64]).collect();
    Plot::new("stats-occupancy")
        .height(CHART_HEIGHT * 0.8)
        .legend(Legend::default())
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .include_y(0.0)
        .include_x(0.0)
        .include_x(23.0)
        .x_axis_formatter(|mark, _| hour_mark(mark.value))
        .show(ui, |plot| {
            let name = tr.t("admin.inside");
            plot.line(Line::new(name, PlotPoints::new(points.clone())).color(SERIES[2]).width(2.5));
            plot.points(Points::new(name, PlotPoints::new(points)).color(SERIES[2]).radius(3.5));
        });
}

/// `08` for whole hours of the day, nothing between them.
fn hour_mark(value: f64) -> String {
    if value.fract() == 0.0 && (0.0..24.0).contains(&value) { format!("{value:02}") } else { String::new() }
}

/// Hour, entries, exits and vehicles inside at the start of the hour.
fn hourly_table_ui(ui: &mut egui::Ui, data: &DayData, tr: &I18n) {
    egui::ScrollArea::vertical().id_salt("stats-hourly-table").max_height(CHART_HEIGHT * 1.8 + 40.0).show(
        ui,
        |ui| {
            egui::Grid::new("stats-hourly-grid").striped(true).num_columns(4).spacing([28.0, 3.0]).show(
                ui,
                |ui| {
                    for key in [
                        "admin.statistics.hour",
                        "admin.entries",
                        "admin.exits",
                        "admin.statistics.inside_at",
                    ] {
                        ui.label(RichText::new(tr.t(key)).color(theme::MUTED));
                    }
                    ui.end_row();
                    for hour in 0..24 {
                        ui.label(RichText::new(format!("{hour:02}:00")).monospace());
                        ui.label(data.stats.entries_per_hour[hour].to_string());
                        ui.label(data.stats.exits_per_hour[hour].to_string());
                        let inside = data.occupancy.iter().find(|(h, _)| *h as usize == hour);
                        ui.label(inside.map(|(_, count)| count.to_string()).unwrap_or_else(|| "–".into()));
                        ui.end_row();
                    }
                },
            );
        },
    );
}

/// A share in whole percent, or a dash when there is nothing to divide.
fn percent(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.0} %")).unwrap_or_else(|| "–".into())
}
