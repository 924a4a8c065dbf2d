//! The admin home: vehicles inside now against the capacity, today's figures, a live feed of
//! every booth's entries and exits, each booth's status and the alerts an admin should act on.
//! Figures load on a background task: on opening, on F5, every half minute and (throttled)
//! when the live feed reports new traffic.

mod fraud;
mod load;
mod panels;

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use egui::RichText;

pub use load::{Alert, DashboardData, LONG_STAY, NEARLY_FULL_PERCENT, SILENT_AFTER, alerts};

use crate::store::live::{self, LiveOptions, Subscription, VisitEvent};
use crate::ui::app::Env;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::KeyButton;

/// The figures are read again this often.
const REFRESH_EVERY: Duration = Duration::seconds(30);
/// New traffic reads the figures again at most this often.
const EVENT_THROTTLE: Duration = Duration::seconds(3);
/// Lines the live feed keeps.
const FEED_LINES: usize = 40;

/// The live feed's connection to the database's announcements.
enum Live {
    /// Not started yet (first frame).
    Idle,
    /// Listening.
    On(Subscription),
    /// Could not start; the reason, in the database's words.
    Failed(String),
}

/// The dashboard's state.
pub struct DashboardState {
    load: Option<Task<Result<DashboardData, String>>>,
    data: Option<DashboardData>,
    error: Option<String>,
    /// When the last load started (the injected clock).
    load_started: Option<DateTime<Utc>>,
    /// Traffic arrived since the last load started.
    dirty: bool,
    live: Live,
    generation: u64,
    /// Newest first, at most [`FEED_LINES`].
    feed: VecDeque<VisitEvent>,
    /// The figures count records made by simulation too.
    include_simulated: bool,
    /// The admin asked for the Books screen from an alert.
    open_books: bool,
}

impl Default for DashboardState {
    fn default() -> Self {
        Self {
            load: None,
            data: None,
            error: None,
            load_started: None,
            dirty: false,
            live: Live::Idle,
            generation: 0,
            feed: VecDeque::new(),
            include_simulated: false,
            open_books: false,
        }
    }
}

impl DashboardState {
    /// The figures shown, once loaded.
    pub fn data(&self) -> Option<&DashboardData> {
        self.data.as_ref()
    }

    /// True while figures are being read.
    pub fn loading(&self) -> bool {
        self.load.is_some()
    }

    /// The live feed, newest first.
    pub fn feed(&self) -> impl Iterator<Item = &VisitEvent> {
        self.feed.iter()
    }

    /// True once after an alert's button asked for the Books screen.
    pub fn take_open_books(&mut self) -> bool {
        std::mem::take(&mut self.open_books)
    }

    /// Reads the figures again at the next frame (F5 does the same).
    pub fn refresh(&mut self) {
        self.load_started = None;
    }

    /// Whether a load should start at `now`.
    fn due(&self, now: DateTime<Utc>) -> bool {
        if self.load.is_some() {
            return false;
        }
        match self.load_started {
            None => true,
            Some(at) => now - at >= REFRESH_EVERY || (self.dirty && now - at >= EVENT_THROTTLE),
        }
    }

    /// Real time until the next load is due, to wake the screen then.
    fn next_due_in(&self, now: DateTime<Utc>) -> std::time::Duration {
        let wait = match self.load_started {
            Some(at) if self.dirty => (at + EVENT_THROTTLE) - now,
            Some(at) => (at + REFRESH_EVERY) - now,
            None => Duration::zero(),
        };
        wait.to_std().unwrap_or_default().max(std::time::Duration::from_millis(250))
    }

    fn start_load(&mut self, env: &Env<'_>, now: DateTime<Utc>) {
        let runtime = env.runtime;
        let source = load::Source {
            store: runtime.store(),
            site: env.site().to_string(),
            tz: runtime.config().timezone(),
            journal: runtime.journal().clone(),
            include_simulated: self.include_simulated,
        };
        self.load_started = Some(now);
        self.dirty = false;
        self.load = Some(Task::spawn("admin-dashboard", env.waker, move || {
            load::load(&source, now).map_err(|err| err.to_string())
        }));
    }

    fn take_load(&mut self) {
        if let Some(task) = &mut self.load
            && let Some(result) = task.take()
        {
            self.load = None;
            match result {
                Ok(data) => {
                    self.data = Some(data);
                    self.error = None;
                }
                Err(err) => self.error = Some(err),
            }
        }
    }

    /// Starts the live feed once, then moves its new events into the bounded list.
    fn drain_live(&mut self, env: &Env<'_>) {
        if matches!(self.live, Live::Idle) {
            let runtime = env.runtime;
            let location = runtime.config().database_location(runtime.data_dir());
            self.live = match location {
                Ok(location) => {
                    let notify: Arc<dyn Fn() + Send + Sync> = env.waker.notify();
                    match live::subscribe(&location, &LiveOptions::default(), notify) {
                        Ok(subscription) => Live::On(subscription),
                        Err(err) => Live::Failed(err.to_string()),
                    }
                }
                Err(err) => Live::Failed(err.to_string()),
            };
        }
        let Live::On(subscription) = &self.live else { return };
        let site = env.site();
        for event in subscription.events().try_iter() {
            if event.site != site {
                continue;
            }
            self.feed.push_front(event);
            self.dirty = true;
        }
        self.feed.truncate(FEED_LINES);
        // A reattached listener missed what was committed meanwhile: read everything again.
        let generation = subscription.generation();
        if generation != self.generation {
            if self.generation != 0 {
                self.dirty = true;
            }
            self.generation = generation;
        }
    }
}

/// The dashboard.
pub fn dashboard_ui(ui: &mut egui::Ui, state: &mut DashboardState, env: Env<'_>) {
    let tr = env.tr;
    let runtime = env.runtime;
    let now = runtime.clock().now();
    state.take_load();
    state.drain_live(&env);
    let mut refresh = false;
    ui.horizontal(|ui| {
        let day = now.with_timezone(&runtime.config().timezone()).format("%d/%m/%Y");
        ui.heading(RichText::new(tr.f("admin.today", &[("day", &day)])).size(28.0));
        live_chip_ui(ui, &state.live, tr);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            refresh = KeyButton::new(tr.t("admin.refresh"), Some(egui::Key::F5))
                .enabled(state.load.is_none())
                .show(ui);
            if ui.checkbox(&mut state.include_simulated, tr.t("admin.include_simulated")).changed() {
                // A load under the old switch would land after the change: read again.
                state.load = None;
                refresh = true;
            }
            if state.load.is_some() {
                ui.spinner();
            } else if let Some(data) = &state.data {
                let at = data.loaded_at.with_timezone(&runtime.config().timezone()).format("%H:%M:%S");
                let text = tr.f("admin.dashboard.updated", &[("time", &at)]);
                ui.label(RichText::new(text).color(theme::MUTED).size(15.0));
            }
        });
    });
    if refresh {
        state.refresh();
    }
    if state.due(now) {
        state.start_load(&env, now);
    }
    ui.ctx().request_repaint_after(state.next_due_in(now));
    if let Some(error) = &state.error {
        theme::message_ui(ui, theme::FAULT_BG, theme::FAULT, tr.f("admin.load_failed", &[("error", error)]));
    }
    let Some(data) = &state.data else { return };
    let tz = runtime.config().timezone();
    ui.add_space(6.0);
    egui::ScrollArea::vertical().id_salt("dashboard").show(ui, |ui| {
        if panels::alerts_ui(ui, data, now, tr, tz) {
            state.open_books = true;
        }
        ui.add_space(6.0);
        fraud::fraud_ui(ui, &data.fraud, tr, tz);
        ui.add_space(8.0);
        panels::figures_ui(ui, data, tr);
        panels::backup_line_ui(ui, data, tr, tz);
        ui.add_space(10.0);
        ui.columns(2, |columns| {
            theme::column_card(&mut columns[0], |ui| {
                ui.set_width(ui.available_width());
                panels::inside_ui(ui, data, tr);
                ui.add_space(10.0);
                panels::booths_ui(ui, data, now, tr, tz);
            });
            theme::column_card(&mut columns[1], |ui| {
                ui.set_width(ui.available_width());
                let missed = match &state.live {
                    Live::On(subscription) => subscription.missed(),
                    _ => 0,
                };
                panels::feed_ui(ui, &state.feed, missed, tr, tz);
            });
        });
    });
}

fn live_chip_ui(ui: &mut egui::Ui, live: &Live, tr: &crate::ui::i18n::I18n) {
    let (text, color) = match live {
        Live::On(subscription) if subscription.connected() => {
            (tr.t("admin.dashboard.live_on").to_string(), theme::GOOD)
        }
        Live::On(_) | Live::Idle => (tr.t("admin.dashboard.live_off").to_string(), theme::WARN),
        Live::Failed(error) => (tr.f("admin.dashboard.live_failed", &[("error", error)]), theme::FAULT),
    };
    dot_ui(ui, color);
    ui.label(RichText::new(text).color(color).size(15.0));
}

/// A small coloured disc before a status text.
pub(super) fn dot_ui(ui: &mut egui::Ui, color: egui::Color32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), 5.0, color);
}
