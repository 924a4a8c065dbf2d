//! The chosen month: totals, revenue per day split by class and by payment method, revenue
//! per cashier and per shift; each chart with its figures in a table beside it.

use chrono::Datelike;
use egui::RichText;
use egui_plot::{Bar, BarChart, Legend, Plot};

use super::day::summary_ui;
use super::{MonthData, SERIES};
use crate::domain::{ClassCode, Rupiah};
use crate::store::PaymentMethod;
use crate::ui::exit_screen::duration_text;
use crate::ui::i18n::I18n;
use crate::ui::theme;
use crate::ui::widgets::section_title_ui;

/// Height of the month's charts.
const CHART_HEIGHT: f32 = 240.0;

/// The month's figures.
pub(super) fn month_ui(ui: &mut egui::Ui, data: &MonthData, tr: &I18n) {
    let figures = &data.figures;
    let stay = figures.average_stay_min.map(|m| duration_text(m, tr)).unwrap_or_else(|| "–".into());
    summary_ui(
        ui,
        &[
            (tr.t("admin.entries"), figures.entries.to_string()),
            (tr.t("admin.exits"), figures.takings.exits.to_string()),
            (tr.t("admin.revenue"), figures.takings.revenue.to_string()),
            (tr.t("admin.average_stay"), stay),
            (tr.t("admin.lost_tickets"), figures.lost_tickets.to_string()),
        ],
    );
    ui.add_space(8.0);
    let class_names: Vec<String> = figures.classes.iter().map(|code| class_name(data, code, tr)).collect();
    let method_names: Vec<String> = PaymentMethod::ALL.iter().map(|m| method_name(*m, tr)).collect();
    ui.columns(2, |columns| {
        let ui = &mut columns[0];
        section_title_ui(ui, tr.t("admin.statistics.revenue_by_class"));
        let by_class: Vec<Vec<Rupiah>> = figures.days.iter().map(|d| d.by_class.clone()).collect();
        stacked_chart_ui(ui, "stats-month-class", data, &class_names, &by_class);
        section_title_ui(ui, tr.t("admin.statistics.revenue_by_method"));
        let by_method: Vec<Vec<Rupiah>> = figures.days.iter().map(|d| d.by_method.clone()).collect();
        stacked_chart_ui(ui, "stats-month-method", data, &method_names, &by_method);
        daily_table_ui(&mut columns[1], data, tr);
    });
    ui.add_space(10.0);
    ui.columns(2, |columns| {
        section_title_ui(&mut columns[0], tr.t("admin.by_class"));
        let rows: Vec<_> = class_names.iter().cloned().zip(figures.by_class.iter().copied()).collect();
        takings_table_ui(&mut columns[0], "stats-class-grid", &rows, tr);
        section_title_ui(&mut columns[1], tr.t("admin.by_method"));
        let rows: Vec<_> = method_names.iter().cloned().zip(figures.by_method.iter().copied()).collect();
        takings_table_ui(&mut columns[1], "stats-method-grid", &rows, tr);
    });
    ui.add_space(10.0);
    ui.columns(2, |columns| {
        section_title_ui(&mut columns[0], tr.t("admin.statistics.by_operator"));
        let rows: Vec<_> = figures
            .by_operator
            .iter()
            .map(|(name, takings)| {
                let name = if name.is_empty() {
                    tr.t("admin.statistics.no_operator").to_string()
                } else {
                    name.clone()
                };
                (name, *takings)
            })
            .collect();
        operator_chart_ui(&mut columns[0], &rows);
        takings_table_ui(&mut columns[0], "stats-operator-grid", &rows, tr);
        section_title_ui(&mut columns[1], tr.t("admin.statistics.by_shift"));
        shifts_table_ui(&mut columns[1], data, tr);
    });
}

fn class_name(data: &MonthData, code: &ClassCode, tr: &I18n) -> String {
    data.classes
        .iter()
        .find(|class| &class.code == code)
        .map(|class| class.name(tr.language().code()).to_string())
        .unwrap_or_else(|| code.to_string())
}

fn method_name(method: PaymentMethod, tr: &I18n) -> String {
    tr.t(&format!("pay.method.{}", method.as_str())).to_string()
}

/// Revenue per day of the month, one stacked series per column of `values`.
fn stacked_chart_ui(ui: &mut egui::Ui, id: &str, data: &MonthData, names: &[String], values: &[Vec<Rupiah>]) {
    let days: Vec<f64> = data.figures.days.iter().map(|d| f64::from(d.day.day())).collect();
    let mut charts: Vec<BarChart> = Vec::new();
    for (series, name) in names.iter().enumerate() {
        let bars: Vec<Bar> = days
            .iter()
            .zip(values)
            .map(|(day, row)| {
                let amount = row.get(series).copied().unwrap_or(Rupiah::ZERO).amount();
                Bar::new(*day, amount as f64).width(0.7)
            })
            .collect();
        let below: Vec<&BarChart> = charts.iter().collect();
        let chart = BarChart::new(name.clone(), bars)
            .color(SERIES[series % SERIES.len()])
            .element_formatter(Box::new(|bar, chart| {
                format!(
                    "{} · {}: {}",
                    egui_plot::PlotItem::name(chart),
                    bar.argument,
                    Rupiah(bar.value as i64)
                )
            }))
            .stack_on(&below);
        charts.push(chart);
    }
    Plot::new(id)
        .height(CHART_HEIGHT)
        .legend(Legend::default())
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .include_y(0.0)
        .include_x(0.5)
        .include_x(days.len() as f64 + 0.5)
        .y_axis_formatter(|mark, _| Rupiah(mark.value as i64).digits())
        .y_axis_min_width(64.0)
        .show(ui, |plot| {
            for chart in charts {
                plot.bar_chart(chart);
            }
        });
}

/// Revenue per cashier as horizontal-reading vertical bars, most money first.
fn operator_chart_ui(ui: &mut egui::Ui, rows: &[(String, crate::admin::stats::Takings)]) {
    if rows.is_empty() {
        return;
    }
    let names: Vec<String> = rows.iter().map(|(name, _)| name.clone()).collect();
    let bars: Vec<Bar> = rows
        .iter()
        .enumerate()
        .map(|(i, (name, takings))| {
            Bar::new(i as f64, takings.revenue.amount() as f64)
                .name(name)
                .width(0.6)
                .fill(SERIES[i % SERIES.len()])
        })
        .collect();
    Plot::new("stats-operators")
        .height(CHART_HEIGHT * 0.8)
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .include_y(0.0)
        .x_axis_formatter(move |mark, _| {
            let index = mark.value.round();
            if (mark.value - index).abs() < 1e-6 && index >= 0.0 {
                names.get(index as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_axis_formatter(|mark, _| Rupiah(mark.value as i64).digits())
        .y_axis_min_width(64.0)
        .show(ui, |plot| plot.bar_chart(BarChart::new("operators", bars)));
}

/// Day, entries, exits and revenue of each day of the month.
fn daily_table_ui(ui: &mut egui::Ui, data: &MonthData, tr: &I18n) {
    egui::ScrollArea::vertical().id_salt("stats-daily-table").max_height(CHART_HEIGHT * 2.0 + 60.0).show(
        ui,
        |ui| {
            egui::Grid::new("stats-daily-grid").striped(true).num_columns(4).spacing([28.0, 3.0]).show(
                ui,
                |ui| {
                    for key in ["admin.statistics.date", "admin.entries", "admin.exits", "admin.revenue"] {
                        ui.label(RichText::new(tr.t(key)).color(theme::MUTED));
                    }
                    ui.end_row();
                    for day in &data.figures.days {
                        ui.label(RichText::new(day.day.format("%d/%m").to_string()).monospace());
                        ui.label(day.entries.to_string());
                        ui.label(day.takings.exits.to_string());
                        ui.label(day.takings.revenue.to_string());
                        ui.end_row();
                    }
                },
            );
        },
    );
}

/// Name, exits and revenue per row.
fn takings_table_ui(ui: &mut egui::Ui, id: &str, rows: &[(String, crate::admin::stats::Takings)], tr: &I18n) {
    if rows.is_empty() {
        ui.label(RichText::new(tr.t("admin.statistics.none")).color(theme::MUTED));
        return;
    }
    egui::Grid::new(id).striped(true).num_columns(3).spacing([28.0, 3.0]).show(ui, |ui| {
        for (name, takings) in rows {
            ui.label(name);
            ui.label(tr.f("admin.statistics.exits_count", &[("count", &takings.exits)]));
            ui.label(takings.revenue.to_string());
            ui.end_row();
        }
    });
}

/// Each shift that took money in the month: when it opened, booth, cashier, exits, revenue.
fn shifts_table_ui(ui: &mut egui::Ui, data: &MonthData, tr: &I18n) {
    let rows = &data.figures.by_shift;
    if rows.is_empty() {
        ui.label(RichText::new(tr.t("admin.statistics.none")).color(theme::MUTED));
        return;
    }
    egui::ScrollArea::vertical().id_salt("stats-shift-table").max_height(CHART_HEIGHT * 1.5).show(ui, |ui| {
        egui::Grid::new("stats-shift-grid").striped(true).num_columns(5).spacing([20.0, 3.0]).show(
            ui,
            |ui| {
                for key in [
                    "admin.statistics.opened",
                    "admin.dashboard.booth",
                    "admin.dashboard.operator",
                    "admin.exits",
                    "admin.revenue",
                ] {
                    ui.label(RichText::new(tr.t(key)).color(theme::MUTED));
                }
                ui.end_row();
                for row in rows {
                    let opened = row
                        .opened_at
                        .map(|at| at.with_timezone(&data.tz).format("%d/%m %H:%M").to_string())
                        .unwrap_or_else(|| "–".into());
                    ui.label(opened);
                    ui.label(row.booth.clone().unwrap_or_else(|| "–".into()));
                    ui.label(row.operator.clone().unwrap_or_else(|| "–".into()));
                    ui.label(row.takings.exits.to_string());
                    ui.label(row.takings.revenue.to_string());
                    ui.end_row();
                }
            },
        );
    });
}
