//! HQ's overview of every site: today's revenue in each site's own day, inside against capacity,
//! silent booths, how fresh each site's data is here, and the state of its replication link
//! (lag, errors and their fix, from `crate::hq::status`). A row opens that site's screens.

use chrono::{DateTime, Duration, Utc};
use egui::RichText;
use egui_extras::{Column, TableBuilder};

use crate::admin::sites::{self, SiteSummary};
use crate::config::DatabaseLocation;
use crate::hq::{self, LinkState, SiteLink};
use crate::store::StoreError;
use crate::ui::app::Env;
use crate::ui::task::Task;
use crate::ui::theme;

/// How often the overview reads again.
const REFRESH_EVERY: Duration = Duration::seconds(15);

/// A site whose newest data is older than this is marked stale.
pub const STALE_AFTER: Duration = Duration::minutes(5);

/// How long the overview waits for HQ's server and for each site's, reading the links.
const LINK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// What one load reads: the sites' figures and, on PostgreSQL, their replication links.
struct Loaded {
    rows: Vec<SiteSummary>,
    links: Result<Vec<SiteLink>, String>,
}

/// The overview's state.
#[derive(Default)]
pub struct SitesState {
    load: Option<Task<Result<Loaded, StoreError>>>,
    loaded_at: Option<DateTime<Utc>>,
    rows: Vec<SiteSummary>,
    links: Vec<SiteLink>,
    links_error: Option<String>,
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
            Ok(loaded) => {
                state.rows = loaded.rows;
                match loaded.links {
                    Ok(links) => {
                        state.links = links;
                        state.links_error = None;
                    }
                    Err(err) => state.links_error = Some(tr.f("hq.links_error", &[("error", &err)])),
                }
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
        let database = env.runtime.config().database_location(env.runtime.data_dir());
        state.load = Some(Task::spawn("hq-overview", env.waker, move || {
            let rows = sites::overview(store.as_ref(), &own, now, simulated)?;
            let links = match database {
                Ok(DatabaseLocation::Postgres(url)) => hq::connect(&url, LINK_TIMEOUT)
                    .and_then(|mut client| hq::status(&mut client, LINK_TIMEOUT))
                    .map_err(|err| err.to_string()),
                // An SQLite database replicates nothing: no links to show.
                _ => Ok(Vec::new()),
            };
            Ok(Loaded { rows, links })
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
    if let Some(error) = &state.links_error {
        theme::message_ui(ui, theme::WARN_BG, theme::WARN, error);
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
        // A narrow screen scrolls the table sideways rather than cutting its last columns.
        egui::ScrollArea::horizontal().id_salt("hq-sites-wide").show(ui, |ui| {
            opened = table_ui(ui, &state.rows, &state.links, now, env);
        });
    });
    let troubled: Vec<&SiteLink> =
        state.links.iter().filter(|l| l.error.is_some() || l.fix.is_some()).collect();
    if !troubled.is_empty() {
        ui.add_space(6.0);
        theme::banner(theme::WARN_BG, theme::WARN).show(ui, |ui| {
            ui.set_width(ui.available_width());
            for link in troubled {
                ui.label(
                    RichText::new(format!("{}: {}", link.site, link.error.as_deref().unwrap_or(""))).strong(),
                );
                if let Some(fix) = &link.fix {
                    ui.label(tr.f("hq.fix", &[("fix", fix)]));
                }
            }
        });
    }
    opened
}

/// The replication cell: state, lag and how long since HQ heard from the site.
fn link_text(link: Option<&SiteLink>, env: &Env<'_>) -> (String, egui::Color32) {
    let tr = env.tr;
    let Some(link) = link else { return (tr.t("hq.link.none").to_string(), theme::MUTED) };
    let state = tr.t(&format!("hq.link.{}", link_state_key(link.state))).to_string();
    let colour = match link.state {
        LinkState::Streaming if link.caught_up => theme::GOOD,
        LinkState::Streaming | LinkState::Initializing => theme::TEXT,
        LinkState::Disabled | LinkState::Unreachable => theme::WARN,
        LinkState::Error => theme::FAULT,
    };
    let mut text = state;
    if let Some(lag) = link.lag_bytes {
        text.push_str(&format!(" · {}", bytes_text(lag)));
    }
    if let Some(age) = link.last_message_age_s {
        text.push_str(&format!(" · {}", age_text(Duration::seconds(age as i64))));
    }
    (text, colour)
}

fn link_state_key(state: LinkState) -> &'static str {
    match state {
        LinkState::Initializing => "initializing",
        LinkState::Streaming => "streaming",
        LinkState::Disabled => "disabled",
        LinkState::Error => "error",
        LinkState::Unreachable => "unreachable",
    }
}

/// "0 B", "12 kB", "3.4 MB": WAL behind.
fn bytes_text(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b < 1_000.0 {
        format!("{b:.0} B")
    } else if b < 1_000_000.0 {
        format!("{:.0} kB", b / 1_000.0)
    } else {
        format!("{:.1} MB", b / 1_000_000.0)
    }
}

fn table_ui(
    ui: &mut egui::Ui,
    rows: &[SiteSummary],
    links: &[SiteLink],
    now: DateTime<Utc>,
    env: &Env<'_>,
) -> Option<String> {
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
        .column(Column::auto().at_least(170.0))
        .column(Column::remainder().at_least(180.0))
        .column(Column::auto())
        .header(26.0, |mut header| {
            for key in ["hq.col.site", "hq.col.revenue", "hq.col.entries", "hq.col.inside", "hq.col.booths"] {
                header.col(|ui| {
                    ui.strong(tr.t(key));
                });
            }
            for key in ["hq.col.data_as_of", "hq.col.link"] {
                header.col(|ui| {
                    ui.strong(tr.t(key));
                });
            }
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
                        let (text, colour) = link_text(links.iter().find(|l| l.site == site.code), env);
                        ui.label(RichText::new(text).color(colour));
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

    #[test]
    fn wal_behind_reads_in_bytes_kilobytes_or_megabytes() {
        assert_eq!(bytes_text(0), "0 B");
        assert_eq!(bytes_text(12_345), "12 kB");
        assert_eq!(bytes_text(3_400_000), "3.4 MB");
    }
}
