//! The admin home: today's entries, exits, revenue and occupancy from the store's daily
//! statistics, entries and exits per hour, takings by class and method, and the audit log.

use egui::{RichText, Vec2};

use crate::store::{AuditFilter, AuditRecord, DailyStats};
use crate::ui::app::Env;
use crate::ui::exit_screen::duration_text;
use crate::ui::i18n::I18n;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::{KeyButton, section_title_ui};

/// Audit lines the home shows.
const AUDIT_LINES: u64 = 60;

/// What the admin home shows.
#[derive(Debug, Clone)]
pub struct AdminData {
    /// Today's figures.
    pub stats: DailyStats,
    /// Vehicles inside now.
    pub inside: u64,
    /// The latest audit lines.
    pub audit: Vec<AuditRecord>,
}

/// The dashboard's state.
#[derive(Default)]
pub struct DashboardState {
    load: Option<Task<Result<AdminData, String>>>,
    data: Option<AdminData>,
    error: Option<String>,
}

/// The dashboard.
pub fn dashboard_ui(ui: &mut egui::Ui, state: &mut DashboardState, env: Env<'_>) {
    let tr = env.tr;
    let runtime = env.runtime;
    if state.load.is_none() && state.data.is_none() && state.error.is_none() {
        state.load = Some(start_load(&env));
    }
    if let Some(task) = &mut state.load
        && let Some(result) = task.take()
    {
        state.load = None;
        match result {
            Ok(data) => {
                state.data = Some(data);
                state.error = None;
            }
            Err(err) => state.error = Some(err),
        }
    }
    ui.horizontal(|ui| {
        let day = runtime.clock().now().with_timezone(&runtime.config().timezone()).format("%d/%m/%Y");
        ui.heading(RichText::new(tr.f("admin.today", &[("day", &day)])).size(28.0));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let refresh =
                KeyButton::new(tr.t("admin.refresh"), Some(egui::Key::F5)).enabled(state.load.is_none());
            if refresh.show(ui) {
                state.load = Some(start_load(&env));
            }
            if state.load.is_some() {
                ui.spinner();
            }
        });
    });
    if let Some(error) = &state.error {
        theme::banner(theme::FAULT_BG, theme::FAULT).show(ui, |ui| {
            ui.label(RichText::new(tr.f("admin.load_failed", &[("error", error)])).color(theme::FAULT));
        });
    }
    let Some(data) = &state.data else { return };
    ui.add_space(8.0);
    figures_ui(ui, data, tr);
    ui.add_space(10.0);
    let tz = runtime.config().timezone();
    ui.columns(2, |columns| {
        theme::card().show(&mut columns[0], |ui| {
            ui.set_width(ui.available_width());
            section_title_ui(ui, tr.t("admin.per_hour"));
            hourly_ui(ui, &data.stats, tr);
            ui.add_space(8.0);
            section_title_ui(ui, tr.t("admin.by_class"));
            egui::Grid::new("by-class").striped(true).num_columns(4).spacing([20.0, 4.0]).show(ui, |ui| {
                for label in ["admin.class", "admin.entries", "admin.exits", "admin.revenue"] {
                    ui.label(RichText::new(tr.t(label)).color(theme::MUTED));
                }
                ui.end_row();
                for class in &data.stats.by_class {
                    ui.label(class.class.to_string());
                    ui.label(class.entries.to_string());
                    ui.label(class.exits.to_string());
                    ui.label(class.revenue.to_string());
                    ui.end_row();
                }
            });
            ui.add_space(8.0);
            section_title_ui(ui, tr.t("admin.by_method"));
            egui::Grid::new("by-method").striped(true).num_columns(3).spacing([20.0, 4.0]).show(ui, |ui| {
                for method in &data.stats.by_method {
                    ui.label(tr.t(&format!("pay.method.{}", method.method.as_str())));
                    ui.label(method.exits.to_string());
                    ui.label(method.revenue.to_string());
                    ui.end_row();
                }
            });
        });
        theme::card().show(&mut columns[1], |ui| {
            ui.set_width(ui.available_width());
            section_title_ui(ui, tr.t("admin.audit"));
            egui::ScrollArea::vertical().id_salt("audit").show(ui, |ui| {
                egui::Grid::new("audit-grid").striped(true).num_columns(4).spacing([14.0, 4.0]).show(
                    ui,
                    |ui| {
                        for record in &data.audit {
                            ui.label(record.time.with_timezone(&tz).format("%d/%m %H:%M").to_string());
                            ui.label(record.username.clone().unwrap_or_else(|| "–".into()));
                            ui.label(RichText::new(&record.action).strong());
                            let detail = record.detail.to_string();
                            let short: String = detail.chars().take(32).collect();
                            ui.label(RichText::new(short).size(14.0).color(theme::MUTED))
                                .on_hover_text(detail);
                            ui.end_row();
                        }
                    },
                );
            });
        });
    });
}

fn figures_ui(ui: &mut egui::Ui, data: &AdminData, tr: &I18n) {
    let stay = data.stats.average_stay_min.map(|m| duration_text(m, tr)).unwrap_or_else(|| "–".into());
    let figures = [
        (tr.t("admin.entries"), data.stats.entries.to_string()),
        (tr.t("admin.exits"), data.stats.exits.to_string()),
        (tr.t("admin.revenue"), data.stats.revenue.to_string()),
        (tr.t("admin.inside"), data.inside.to_string()),
        (tr.t("admin.average_stay"), stay),
        (tr.t("admin.lost_tickets"), data.stats.lost_tickets.to_string()),
    ];
    ui.columns(figures.len(), |columns| {
        for (column, (label, value)) in columns.iter_mut().zip(figures) {
            theme::card().show(column, |ui| {
                ui.set_width(ui.available_width());
                ui.label(RichText::new(label).color(theme::MUTED));
                let value = RichText::new(value).size(30.0).strong().color(theme::ACCENT);
                ui.add(egui::Label::new(value).wrap_mode(egui::TextWrapMode::Truncate));
            });
        }
    });
}

fn hourly_ui(ui: &mut egui::Ui, stats: &DailyStats, tr: &I18n) {
    let most = stats.entries_per_hour.iter().chain(&stats.exits_per_hour).copied().max().unwrap_or(0).max(1);
    let (rect, _) = ui.allocate_exact_size(Vec2::new(ui.available_width(), 150.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let slot = rect.width() / 24.0;
    for hour in 0..24 {
        let x = rect.left() + slot * hour as f32;
        for (i, (count, color)) in
            [(stats.entries_per_hour[hour], theme::ACCENT), (stats.exits_per_hour[hour], theme::MUTED)]
                .into_iter()
                .enumerate()
        {
            let height = (rect.height() - 18.0) * count as f32 / most as f32;
            let left = x + 2.0 + i as f32 * (slot - 4.0) / 2.0;
            let bar = egui::Rect::from_min_max(
                egui::pos2(left, rect.bottom() - 18.0 - height),
                egui::pos2(left + (slot - 4.0) / 2.0, rect.bottom() - 18.0),
            );
            painter.rect_filled(bar, 1.0, color);
        }
        if hour % 3 == 0 {
            painter.text(
                egui::pos2(x + slot / 2.0, rect.bottom()),
                egui::Align2::CENTER_BOTTOM,
                format!("{hour:02}"),
                egui::FontId::proportional(12.0),
                theme::MUTED,
            );
        }
    }
    ui.horizontal(|ui| {
        ui.label(RichText::new(tr.t("admin.entries")).color(theme::ACCENT).size(14.0));
        ui.label(RichText::new(tr.t("admin.exits")).color(theme::MUTED).size(14.0));
    });
}

fn start_load(env: &Env<'_>) -> Task<Result<AdminData, String>> {
    let store = env.runtime.store();
    let site = env.runtime.config().site.code.clone();
    let tz = env.runtime.config().timezone();
    let day = env.runtime.clock().now().with_timezone(&tz).date_naive();
    Task::spawn("admin-home", env.waker, move || {
        let stats = store.daily_stats(&site, day, tz).map_err(|e| e.to_string())?;
        let inside = store.inside_count(&site).map_err(|e| e.to_string())?;
        let audit = store
            .list_audit(&AuditFilter { limit: AUDIT_LINES, ..AuditFilter::default() })
            .map_err(|e| e.to_string())?;
        Ok(AdminData { stats, inside, audit })
    })
}
