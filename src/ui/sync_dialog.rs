//! The sync dialog: offered when the database returns with journal records waiting ("sync now
//! / later"), or opened from the menu with the list of what waits. The replay runs on a
//! worker thread; progress arrives through an inbox; the summary names every failure.

use egui::{Key, RichText};

use super::app::Env;
use super::i18n::I18n;
use super::inbox::Inbox;
use super::task::Task;
use super::theme;
use super::widgets::KeyButton;
use crate::journal::replay::{self, ReplayProgress, ReplaySummary};
use crate::journal::{JournalItem, JournalProblem};

/// What waits in the journal: readable records and files that cannot be read.
type Waiting = (Vec<JournalItem>, Vec<JournalProblem>);

/// Where the dialog is.
#[derive(Default)]
enum Stage {
    /// Closed.
    #[default]
    Closed,
    /// The database is back: offer to sync now or later.
    Offered {
        /// Records waiting.
        pending: usize,
    },
    /// The menu asked for the list; it starts on the next frame, where the waker is at hand.
    ListRequested,
    /// Listing what waits (from the menu).
    Listing(Task<Result<Waiting, String>>),
    /// The replay runs.
    Running {
        task: Task<Result<ReplaySummary, String>>,
        progress: Inbox<ReplayProgress>,
        last: Option<ReplayProgress>,
    },
    /// The replay ended.
    Done(Result<ReplaySummary, String>),
}

/// The sync dialog's state.
#[derive(Default)]
pub struct SyncDialog {
    stage: Stage,
}

impl SyncDialog {
    /// The monitor saw the database come back with `pending` records waiting.
    pub fn offer(&mut self, pending: usize) {
        if matches!(self.stage, Stage::Closed) {
            self.stage = Stage::Offered { pending };
        }
    }

    /// Opens the list of waiting records (menu).
    pub fn open_list(&mut self) {
        if !matches!(self.stage, Stage::Running { .. }) {
            self.stage = Stage::ListRequested;
        }
    }

    /// The summary of the replay just finished, if one is shown.
    pub fn summary(&self) -> Option<&ReplaySummary> {
        match &self.stage {
            Stage::Done(Ok(summary)) => Some(summary),
            _ => None,
        }
    }

    /// True when a replay has ended and its summary is shown.
    pub fn finished(&self) -> bool {
        matches!(self.stage, Stage::Done(_))
    }

    /// True while the dialog is up.
    pub fn is_open(&self) -> bool {
        !matches!(self.stage, Stage::Closed)
    }
}

/// Shows the dialog when it is open.
pub fn sync_dialog_ui(ctx: &egui::Context, dialog: &mut SyncDialog, env: Env<'_>) {
    if !dialog.is_open() {
        return;
    }
    let tr = env.tr;
    if let Stage::ListRequested = dialog.stage {
        let journal = env.runtime.journal().clone();
        dialog.stage = Stage::Listing(Task::spawn("journal-list", env.waker, move || {
            journal.list().map_err(|err| err.to_string())
        }));
    }
    let mut next: Option<Stage> = None;
    egui::Modal::new(egui::Id::unique("sync-dialog")).show(ctx, |ui| {
        ui.set_width(620.0);
        ui.heading(tr.t("sync.title"));
        ui.add_space(8.0);
        let start = |env: &Env<'_>| start_replay(env);
        match &mut dialog.stage {
            Stage::Closed | Stage::ListRequested => {}
            Stage::Offered { pending } => {
                ui.label(RichText::new(tr.f("sync.offer", &[("count", pending)])).size(20.0));
                ui.add_space(10.0);
                ui.horizontal(|ui| {
                    if KeyButton::new(tr.t("sync.now"), Some(Key::Enter)).primary(true).show(ui) {
                        next = Some(start(&env));
                    }
                    if KeyButton::new(tr.t("sync.later"), Some(Key::Escape)).show(ui) {
                        next = Some(Stage::Closed);
                    }
                });
            }
            Stage::Listing(task) => match task.poll() {
                None => {
                    ui.spinner();
                }
                Some(Err(err)) => {
                    ui.label(RichText::new(tr.f("sync.list_failed", &[("error", err)])).color(theme::FAULT));
                    if KeyButton::new(tr.t("common.close"), Some(Key::Escape)).show(ui) {
                        next = Some(Stage::Closed);
                    }
                }
                Some(Ok((items, problems))) => {
                    list_ui(ui, items, problems, env.runtime.config().timezone(), tr);
                    let online = env.runtime.connectivity().online();
                    if !online {
                        ui.label(RichText::new(tr.t("sync.offline")).color(theme::WARN));
                    }
                    ui.horizontal(|ui| {
                        let any = !items.is_empty() || !problems.is_empty();
                        let now = KeyButton::new(tr.t("sync.now"), Some(Key::Enter))
                            .primary(true)
                            .enabled(any && online);
                        if now.show(ui) {
                            next = Some(start(&env));
                        }
                        if KeyButton::new(tr.t("common.close"), Some(Key::Escape)).show(ui) {
                            next = Some(Stage::Closed);
                        }
                    });
                }
            },
            Stage::Running { task, progress, last } => {
                if let Some(update) = progress.drain().last() {
                    *last = Some(update);
                }
                if let Some(result) = task.take() {
                    env.runtime.connectivity().request_check();
                    next = Some(Stage::Done(result));
                } else {
                    let (done, total, current) =
                        last.as_ref().map(|p| (p.done, p.total, p.current.clone())).unwrap_or_default();
                    let fraction = if total == 0 { 0.0 } else { done as f32 / total as f32 };
                    ui.label(tr.f("sync.progress", &[("done", &done), ("total", &total)]));
                    ui.add(egui::ProgressBar::new(fraction).show_percentage().desired_height(22.0));
                    ui.label(RichText::new(current).monospace().color(theme::MUTED).size(14.0));
                }
            }
            Stage::Done(result) => {
                let retry = summary_ui(ui, result, tr);
                ui.horizontal(|ui| {
                    if retry && KeyButton::new(tr.t("sync.retry"), None).show(ui) {
                        next = Some(start(&env));
                    }
                    if KeyButton::new(tr.t("common.close"), Some(Key::Enter)).primary(true).show(ui) {
                        next = Some(Stage::Closed);
                    }
                });
            }
        }
    });
    if let Some(stage) = next {
        dialog.stage = stage;
    }
}

fn start_replay(env: &Env<'_>) -> Stage {
    let journal = env.runtime.journal().clone();
    let store = env.runtime.store();
    let clock = env.runtime.clock().clone();
    let (sender, progress) = Inbox::new(8, env.waker);
    let task = Task::spawn("journal-replay", env.waker, move || {
        let mut report = |update: ReplayProgress| sender.offer(update);
        replay::replay(&journal, store.as_ref(), clock.as_ref(), false, &mut report)
            .map_err(|err| err.to_string())
    });
    Stage::Running { task, progress, last: None }
}

fn list_ui(
    ui: &mut egui::Ui,
    items: &[JournalItem],
    problems: &[JournalProblem],
    tz: chrono_tz::Tz,
    tr: &I18n,
) {
    if items.is_empty() && problems.is_empty() {
        ui.label(RichText::new(tr.t("sync.nothing")).color(theme::GOOD).size(20.0));
        return;
    }
    ui.label(tr.f("sync.waiting", &[("count", &items.len())]));
    egui::ScrollArea::vertical().max_height(300.0).id_salt("journal-list").show(ui, |ui| {
        egui::Grid::new("journal-grid").striped(true).num_columns(4).show(ui, |ui| {
            for item in items {
                ui.label(item.created_at.with_timezone(&tz).format("%d/%m %H:%M:%S").to_string());
                ui.label(tr.t(&format!("sync.kind.{}", item.kind)));
                ui.label(RichText::new(item.id.to_string()[..8].to_string()).monospace());
                ui.label(item.last_error.clone().unwrap_or_default());
                ui.end_row();
            }
        });
        for problem in problems {
            let name = problem.file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            ui.label(RichText::new(format!("{name}: {}", problem.reason)).color(theme::WARN));
        }
    });
}

/// Shows the summary; true when a retry makes sense.
fn summary_ui(ui: &mut egui::Ui, result: &Result<ReplaySummary, String>, tr: &I18n) -> bool {
    let summary = match result {
        Ok(summary) => summary,
        Err(err) => {
            ui.label(RichText::new(tr.f("sync.failed", &[("error", err)])).color(theme::FAULT));
            return true;
        }
    };
    let clean = summary.failed == 0 && summary.rejected == 0 && summary.interrupted.is_none();
    let (title, color) =
        if clean { ("sync.done", theme::GOOD) } else { ("sync.done_with_problems", theme::WARN) };
    ui.label(RichText::new(tr.t(title)).size(22.0).strong().color(color));
    egui::Grid::new("sync-summary").num_columns(2).spacing([24.0, 4.0]).show(ui, |ui| {
        for (key, count) in [
            ("sync.synced", summary.synced),
            ("sync.already_present", summary.already_present),
            ("sync.orphans", summary.orphans),
            ("sync.duplicates", summary.duplicates),
            ("sync.late", summary.late),
            ("sync.failed_count", summary.failed),
            ("sync.rejected", summary.rejected),
        ] {
            ui.label(tr.t(key));
            ui.label(RichText::new(count.to_string()).strong());
            ui.end_row();
        }
    });
    if let Some(why) = &summary.interrupted {
        ui.label(RichText::new(tr.f("sync.interrupted", &[("error", why)])).color(theme::FAULT));
    }
    for (file, reason) in summary.rejections.iter().chain(&summary.failures) {
        let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        ui.label(RichText::new(format!("{name}: {reason}")).size(14.0).color(theme::MUTED));
    }
    !clean
}
