//! Statistics: a chosen day (entries and exits per hour, occupancy through the day) and a
//! chosen month (revenue per day by class and by payment method, average stay, revenue per
//! cashier and per shift). Days are the site's local days; every chart has its figures in a
//! table beside it. Both periods load on background tasks and reload when the picker moves.

mod day;
mod month;

use chrono::{Datelike, Months, NaiveDate};
use egui::RichText;

use crate::admin::stats::{self, PeriodFigures};
use crate::admin::xlsx::write_period_xlsx;
use crate::domain::VehicleClass;
use crate::domain::calendar::month_of;
use crate::store::DailyStats;
use crate::ui::admin::excel::{ExcelExport, excel_button_ui, excel_outcome_ui};
use crate::ui::app::Env;
use crate::ui::i18n::I18n;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::KeyButton;

/// One local day's figures.
#[derive(Debug, Clone)]
pub struct DayData {
    /// Entries, exits and money, per hour.
    pub stats: DailyStats,
    /// Vehicles inside at the start of each local hour that has begun.
    pub occupancy: Vec<(u32, u64)>,
    /// How the plate reader did that day.
    pub plates: crate::store::PlateStats,
}

/// One month's figures.
#[derive(Debug, Clone)]
pub struct MonthData {
    /// Per day, class, method, cashier and shift.
    pub figures: PeriodFigures,
    /// The configured classes, for their names.
    pub classes: Vec<VehicleClass>,
    /// The site's time zone.
    pub tz: chrono_tz::Tz,
}

/// A load for one period: its key and its result.
type Load<K, T> = Task<(K, Result<T, String>)>;

/// A period's figures: what is shown, what is loading and what went wrong.
struct Period<K, T> {
    chosen: Option<K>,
    load: Option<Load<K, T>>,
    shown: Option<(K, T)>,
    error: Option<String>,
}

impl<K, T> Default for Period<K, T> {
    fn default() -> Self {
        Self { chosen: None, load: None, shown: None, error: None }
    }
}

impl<K: Copy + PartialEq + Send + 'static, T: Send + 'static> Period<K, T> {
    /// Takes an arrived result; starts a load when the chosen period is not the one shown.
    fn update(&mut self, start: impl FnOnce(K) -> Load<K, T>) {
        if let Some(task) = &mut self.load
            && let Some((key, result)) = task.take()
        {
            self.load = None;
            match result {
                Ok(data) => {
                    self.shown = Some((key, data));
                    self.error = None;
                }
                // Not retried until the admin asks again; a period no longer chosen is forgotten.
                Err(err) if self.chosen == Some(key) => self.error = Some(err),
                Err(_) => {}
            }
        }
        let Some(chosen) = self.chosen else { return };
        let current = self.shown.as_ref().map(|(key, _)| *key);
        if self.load.is_none() && current != Some(chosen) && self.error.is_none() {
            self.load = Some(start(chosen));
        }
    }

    fn choose(&mut self, key: K) {
        if self.chosen != Some(key) {
            self.chosen = Some(key);
            self.error = None;
        }
    }

    fn reload(&mut self) {
        self.shown = None;
        self.error = None;
    }

    /// Reads the chosen period again, forgetting a load already under way (its answer is to
    /// an older question).
    fn restart(&mut self) {
        self.load = None;
        self.reload();
    }

    fn data(&self) -> Option<&T> {
        self.shown.as_ref().filter(|(key, _)| Some(*key) == self.chosen).map(|(_, data)| data)
    }
}

/// The plate reader's figures for one local day.
fn day_plate_stats(
    store: &dyn crate::store::Store,
    site: &str,
    day: NaiveDate,
    tz: chrono_tz::Tz,
    simulated: bool,
) -> Result<crate::store::PlateStats, crate::store::StoreError> {
    use chrono::TimeZone;
    let start = |day: NaiveDate| {
        tz.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    match (start(day), day.succ_opt().and_then(start)) {
        (Some(from), Some(to)) => store.plate_stats(site, from, to, simulated),
        _ => Ok(crate::store::PlateStats::default()),
    }
}

/// The screen's state: the chosen day and month and their figures.
#[derive(Default)]
pub struct StatisticsState {
    day: Period<NaiveDate, DayData>,
    month: Period<NaiveDate, MonthData>,
    /// The figures count records made by simulation too.
    include_simulated: bool,
    /// The month's figures as an Excel workbook.
    excel: ExcelExport,
}

impl StatisticsState {
    /// Shows this local day (and keeps the month).
    pub fn show_day(&mut self, day: NaiveDate) {
        self.day.choose(day);
    }

    /// Shows the month holding `day`.
    pub fn show_month(&mut self, day: NaiveDate) {
        self.month.choose(month_of(day).0);
    }

    /// True while either period loads.
    pub fn loading(&self) -> bool {
        self.day.load.is_some() || self.month.load.is_some()
    }
}

/// The screen.
pub fn statistics_ui(ui: &mut egui::Ui, state: &mut StatisticsState, env: Env<'_>) {
    let tr = env.tr;
    let runtime = env.runtime;
    let tz = runtime.config().timezone();
    let now = runtime.clock().now();
    let today = now.with_timezone(&tz).date_naive();
    if state.day.chosen.is_none() {
        state.show_day(today);
    }
    if state.month.chosen.is_none() {
        state.show_month(today);
    }
    let site = env.site().to_string();
    let store = runtime.store();
    let simulated = state.include_simulated;
    state.day.update(|day| {
        let (store, site) = (store.clone(), site.clone());
        Task::spawn("admin-stats-day", env.waker, move || {
            let result = (|| {
                let stats = store.daily_stats(&site, day, tz, simulated)?;
                let occupancy = stats::occupancy(store.as_ref(), &site, day, tz, now, simulated)?;
                let plates = day_plate_stats(store.as_ref(), &site, day, tz, simulated)?;
                Ok(DayData { stats, occupancy, plates })
            })();
            (day, result.map_err(|err: crate::store::StoreError| err.to_string()))
        })
    });
    state.month.update(|first| {
        let (store, site) = (store.clone(), site.clone());
        Task::spawn("admin-stats-month", env.waker, move || {
            let result = (|| {
                let figures = stats::period(store.as_ref(), &site, first, month_of(first).1, tz, simulated)?;
                let classes = store.vehicle_classes()?;
                Ok(MonthData { figures, classes, tz })
            })();
            (first, result.map_err(|err: crate::store::StoreError| err.to_string()))
        })
    });

    ui.horizontal(|ui| {
        ui.heading(RichText::new(tr.t("admin.nav.statistics")).size(28.0));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let refresh =
                KeyButton::new(tr.t("admin.refresh"), Some(egui::Key::F5)).enabled(!state.loading()).show(ui);
            if refresh {
                state.day.reload();
                state.month.reload();
            }
            if ui.checkbox(&mut state.include_simulated, tr.t("admin.include_simulated")).changed() {
                state.day.restart();
                state.month.restart();
            }
            let month = state.month.data().map(|data| data.figures.clone());
            let name = month
                .as_ref()
                .map_or("statistics".into(), |f| format!("statistics-{}", f.first.format("%Y-%m")));
            excel_button_ui(ui, &mut state.excel, &env, month.is_some(), &name, move |path| match month {
                Some(figures) => write_period_xlsx(&figures, tz, path),
                None => Ok(()),
            });
            if state.loading() {
                ui.spinner();
            }
        });
    });
    excel_outcome_ui(ui, &state.excel, &env);
    egui::ScrollArea::vertical().id_salt("statistics").show(ui, |ui| {
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            let chosen = state.day.chosen.unwrap_or(today);
            if let Some(day) = day_picker_ui(ui, chosen, today, tr) {
                state.show_day(day);
            }
            error_ui(ui, state.day.error.as_deref(), tr);
            if let Some(data) = state.day.data() {
                day::day_ui(ui, data, tr);
            }
        });
        ui.add_space(10.0);
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            let chosen = state.month.chosen.unwrap_or(today);
            if let Some(month) = month_picker_ui(ui, chosen, today, tr) {
                state.show_month(month);
            }
            error_ui(ui, state.month.error.as_deref(), tr);
            if let Some(data) = state.month.data() {
                month::month_ui(ui, data, tr);
            }
        });
    });
}

fn error_ui(ui: &mut egui::Ui, error: Option<&str>, tr: &I18n) {
    if let Some(error) = error {
        theme::message_ui(ui, theme::FAULT_BG, theme::FAULT, tr.f("admin.load_failed", &[("error", &error)]));
    }
}

/// Previous / next / today around the chosen day; the day chosen, if any.
fn day_picker_ui(ui: &mut egui::Ui, day: NaiveDate, today: NaiveDate, tr: &I18n) -> Option<NaiveDate> {
    let mut chosen = None;
    ui.horizontal(|ui| {
        ui.label(RichText::new(tr.t("admin.statistics.day")).strong().size(22.0));
        if ui.button(tr.t("admin.statistics.prev_day")).clicked() {
            chosen = day.pred_opt();
        }
        let text = format!("{}, {}", weekday_name(day, tr), day.format("%d/%m/%Y"));
        ui.label(RichText::new(text).strong().color(theme::ACCENT).size(22.0));
        if ui.add_enabled(day < today, egui::Button::new(tr.t("admin.statistics.next_day"))).clicked() {
            chosen = day.succ_opt();
        }
        if ui.add_enabled(day != today, egui::Button::new(tr.t("admin.statistics.today"))).clicked() {
            chosen = Some(today);
        }
    });
    chosen
}

/// Previous / next / this month around the chosen month; a day of the month chosen, if any.
fn month_picker_ui(ui: &mut egui::Ui, first: NaiveDate, today: NaiveDate, tr: &I18n) -> Option<NaiveDate> {
    let this_month = month_of(today).0;
    let mut chosen = None;
    ui.horizontal(|ui| {
        ui.label(RichText::new(tr.t("admin.statistics.month")).strong().size(22.0));
        if ui.button(tr.t("admin.statistics.prev_month")).clicked() {
            chosen = first.checked_sub_months(Months::new(1));
        }
        let text = format!("{} {}", month_name(first.month(), tr), first.year());
        ui.label(RichText::new(text).strong().color(theme::ACCENT).size(22.0));
        let next = ui.add_enabled(first < this_month, egui::Button::new(tr.t("admin.statistics.next_month")));
        if next.clicked() {
            chosen = first.checked_add_months(Months::new(1));
        }
        let this =
            ui.add_enabled(first != this_month, egui::Button::new(tr.t("admin.statistics.this_month")));
        if this.clicked() {
            chosen = Some(this_month);
        }
    });
    chosen
}

/// The name of a month (1–12) in the screen's language.
pub(crate) fn month_name(month: u32, tr: &I18n) -> &str {
    let key = match month {
        1 => "admin.statistics.month_1",
        2 => "admin.statistics.month_2",
        3 => "admin.statistics.month_3",
        4 => "admin.statistics.month_4",
        5 => "admin.statistics.month_5",
        6 => "admin.statistics.month_6",
        7 => "admin.statistics.month_7",
        8 => "admin.statistics.month_8",
        9 => "admin.statistics.month_9",
        10 => "admin.statistics.month_10",
        11 => "admin.statistics.month_11",
        _ => "admin.statistics.month_12",
    };
    tr.t(key)
}

/// The name of a day's weekday in the screen's language.
pub(crate) fn weekday_name(day: NaiveDate, tr: &I18n) -> &str {
    let key = match day.weekday() {
        chrono::Weekday::Mon => "admin.statistics.weekday_mon",
        chrono::Weekday::Tue => "admin.statistics.weekday_tue",
        chrono::Weekday::Wed => "admin.statistics.weekday_wed",
        chrono::Weekday::Thu => "admin.statistics.weekday_thu",
        chrono::Weekday::Fri => "admin.statistics.weekday_fri",
        chrono::Weekday::Sat => "admin.statistics.weekday_sat",
        chrono::Weekday::Sun => "admin.statistics.weekday_sun",
    };
    tr.t(key)
}

/// Series colours of the charts, in order.
pub(crate) const SERIES: [egui::Color32; 6] = [
    theme::ACCENT,
    egui::Color32::from_rgb(0xE0, 0x8A, 0x1E),
    theme::GOOD,
    egui::Color32::from_rgb(0x7B, 0x4F, 0xB0),
    egui::Color32::from_rgb(0x00, 0x8C, 0x95),
    theme::MUTED,
];
