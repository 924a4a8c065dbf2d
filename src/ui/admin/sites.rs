//! HQ's overview of every site: today's revenue in each site's own day, inside against capacity,
//! silent booths, and how fresh each site's data is here. A row opens that site's screens.

use chrono::{DateTime, Duration, Utc};
use egui::RichText;
use egui_extras::{Column, TableBuilder};

use crate::admin::sites::{self, SiteSummary};
use crate::store::StoreError;
use crate::ui::app::Env;
use crate::ui::task::Task;
use crate::ui::theme;

/// How often the overview reads again.
const REFRESH_EVERY: Duration = Duration::seconds(15);

/// A site whose newest data is older than this is marked stale.
pub const STALE_AFTER: Duration = Duration::minutes(5);

/// The overview's state.
#[derive(Default)]
pub struct SitesState {
    load: Option<Task<Result<Vec<SiteSummary>, StoreError>>>,
    loaded_at: Option<DateTime<Utc>>,
    rows: Vec<SiteSummary>,
    include_simulated: bool,
    error: Option<String>,
}

impl SitesState {
    /// The sites shown, by code.
    pub fn rows(&self) -> &[SiteSummary] {
        &self.rows
    }

    /// Whether a load is running.
    pub fn loading(&self) -> bool {
        self.load.is_some()
    }
}

/// The overview; returns the site whose row was opened.
pub fn sites_ui(ui: &mut egui::Ui, state: &mut SitesState, env: &Env<'_>) -> Option<String> {
    let tr = env.tr;
    let now = env.runtime.clock().now();
    if let Some(task) = &mut state.load
        && let Some(result) = task.take()
    {
        state.load = None;
        match result {
            Ok(rows) => {
                state.rows = rows;
                state.error = None;
            }
            Err(err) => state.error = Some(tr.f("admin.records.error.store", &[("error", &err)])),
        }
    }
    let due = state.loaded_at.is_none_or(|at| now - at >= REFRESH_EVERY);
    if due && state.load.is_none() {
        state.loaded_at = Some(now);
        let store = env.runtime.store();
        let simulated = state.include_simulated;
        let own = env.runtime.config().site.code.clone();
        state.load = Some(Task::spawn("hq-overview", env.waker, move || {
            sites::overview(store.as_ref(), &own, now, simulated)
        }));
    }
    ui.ctx().request_repaint_after(std::time::Duration::from_secs(1));

    ui.horizontal(|ui| {
        ui.heading(RichText::new(tr.t("hq.overview")).size(28.0));
        if state.load.is_some() {
            ui.spinner();
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.checkbox(&mut state.include_simulated, tr.t("hq.include_simulated")).changed() {
                state.loaded_at = None;
            }
        });
    });
    if let Some(error) = &state.error {
        theme::message_ui(ui, theme::FAULT_BG, theme::FAULT, error);
    }
    let totals = sites::totals(&state.rows);
    theme::card().show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal_wrapped(|ui| {
            let figure = |ui: &mut egui::Ui, label: &str, value: String| {
                ui.vertical(|ui| {
                    ui.label(RichText::new(label).color(theme::MUTED));
                    ui.label(RichText::new(value).size(24.0).strong());
                });
                ui.add_space(28.0);
            };
            figure(ui, tr.t("hq.sites"), state.rows.len().to_string());
            figure(ui, tr.t("hq.revenue_today"), totals.revenue_today.to_string());
            figure(ui, tr.t("hq.entries_today"), totals.entries_today.to_string());
            figure(ui, tr.t("hq.inside"), format!("{} / {}", totals.inside, totals.capacity));
            figure(ui, tr.t("hq.silent_booths"), totals.silent_booths.to_string());
        });
    });
    ui.add_space(6.0);
    let mut opened = None;
    theme::card().show(ui, |ui| {
        ui.set_width(ui.available_width());
        if state.rows.is_empty() && state.load.is_none() {
            ui.label(RichText::new(tr.t("hq.no_sites")).color(theme::MUTED));
            return;
        }
        opened = table_ui(ui, &state.rows, now, env);
    });
    opened
}

fn table_ui(ui: &mut egui::Ui, rows: &[SiteSummary], now: DateTime<Utc>, env: &Env<'_>) -> Option<String> {
    let tr = env.tr;
    let tz = env.runtime.config().timezone();
    let mut opened = None;
    TableBuilder::new(ui)
        .striped(true)
        .column(Column::auto().at_least(150.0))
        .column(Column::auto().at_least(130.0))
        .column(Column::auto().at_least(70.0))
        .column(Column::auto().at_least(110.0))
        .column(Column::auto().at_least(130.0))
        .column(Column::remainder().at_least(170.0))
        .column(Column::auto())
        .header(26.0, |mut header| {
            for key in ["hq.col.site", "hq.col.revenue", "hq.col.entries", "hq.col.inside", "hq.col.booths"] {
                header.col(|ui| {
                    ui.strong(tr.t(key));
                });
            }
            header.col(|ui| {
                ui.strong(tr.t("hq.col.data_as_of"));
            });
            header.col(|_| {});
        })
        .body(|mut body| {
            for site in rows {
                body.row(28.0, |mut row| {
                    row.col(|ui| {
                        ui.label(RichText::new(&site.code).strong());
                        ui.label(RichText::new(&site.name).color(theme::MUTED));
                    });
                    row.col(|ui| {
                        ui.label(site.revenue_today.to_string());
                    });
                    row.col(|ui| {
                        ui.label(site.entries_today.to_string());
                    });
                    row.col(|ui| {
                        let text = match (site.capacity, site.occupancy_percent()) {
                            (Some(capacity), Some(percent)) => {
                                format!("{} / {capacity} ({percent}%)", site.inside)
                            }
                            _ => site.inside.to_string(),
                        };
                        ui.label(text);
                    });
                    row.col(|ui| {
                        if site.silent_booths.is_empty() {
                            ui.label(
                                RichText::new(tr.f("hq.booths_ok", &[("count", &site.booths)]))
                                    .color(theme::GOOD),
                            );
                        } else {
                            let silent = site.silent_booths.join(", ");
                            ui.label(
                                RichText::new(tr.f("hq.booths_silent", &[("booths", &silent)]))
                                    .color(theme::FAULT),
                            );
                        }
                    });
                    row.col(|ui| match site.data_as_of {
                        Some(at) => {
                            let stale = now - at > STALE_AFTER;
                            let text = tr.f(
                                "hq.as_of",
                                &[
                                    ("time", &at.with_timezone(&tz).format("%H:%M:%S")),
                                    ("age", &age_text(now - at)),
                                ],
                            );
                            ui.label(RichText::new(text).color(if stale {
                                theme::WARN
                            } else {
                                theme::TEXT
                            }));
                        }
                        None => {
                            ui.label(RichText::new(tr.t("hq.no_data")).color(theme::MUTED));
                        }
                    });
                    row.col(|ui| {
                        if ui.button(tr.t("hq.open_site")).clicked() {
                            opened = Some(site.code.clone());
                        }
                    });
                });
            }
        });
    opened
}

/// "12 s", "4 min", "3 h": how long ago, roughly.
fn age_text(age: Duration) -> String {
    let s = age.num_seconds().max(0);
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        _ => format!("{} h", s / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_the_largest_sensible_unit() {
        assert_eq!(age_text(Duration::seconds(-3)), "0 s");
        assert_eq!(age_text(Duration::seconds(42)), "42 s");
        assert_eq!(age_text(Duration::seconds(600)), "10 min");
        assert_eq!(age_text(Duration::hours(5)), "5 h");
    }
}
