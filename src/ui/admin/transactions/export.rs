//! The export of the filtered visits to CSV or Excel: a path field (a booth PC may have no
//! file portal) prefilled under the data folder, a "Choose…" save dialog, and the audited
//! write on a task. The file's extension follows the format chosen.

use std::path::PathBuf;

use egui::RichText;

use super::filters::Applied;
use crate::admin::actor::Actor;
use crate::admin::visits::{ExportFailure, default_export_path, export_csv, export_file_name, export_xlsx};
use crate::ui::app::Env;
use crate::ui::i18n::I18n;
use crate::ui::task::Task;
use crate::ui::theme;

/// The export panel's state.
#[derive(Default)]
pub struct ExportPanel {
    path: String,
    path_edited: bool,
    /// Excel rather than CSV.
    excel: bool,
    choose: Option<Task<Option<PathBuf>>>,
    run: Option<Task<Result<u64, ExportFailure>>>,
    outcome: Option<Result<(u64, PathBuf), String>>,
}

impl ExportPanel {
    /// Follows the filter's days in the suggested file name until the admin types a path.
    pub fn suggest(&mut self, applied: &Applied, env: &Env<'_>) {
        if !self.path_edited {
            let path = default_export_path(env.runtime.data_dir(), applied.from, applied.to);
            self.path = path.display().to_string();
            self.follow_format();
        }
    }

    /// Gives the path the chosen format's extension.
    fn follow_format(&mut self) {
        let mut path = PathBuf::from(self.path.trim());
        if !self.path.trim().is_empty() {
            path.set_extension(self.extension());
            self.path = path.display().to_string();
        }
    }

    fn extension(&self) -> &'static str {
        if self.excel { "xlsx" } else { "csv" }
    }
}

/// The export row; writes `applied`'s visits when asked.
pub fn export_ui(ui: &mut egui::Ui, panel: &mut ExportPanel, applied: &Applied, actor: Actor, env: &Env<'_>) {
    let tr = env.tr;
    if let Some(task) = &mut panel.choose
        && let Some(chosen) = task.take()
    {
        panel.choose = None;
        // No portal (or cancelled): the field keeps what it had.
        if let Some(path) = chosen {
            panel.path = path.display().to_string();
            panel.path_edited = true;
        }
    }
    if let Some(task) = &mut panel.run
        && let Some(result) = task.take()
    {
        panel.run = None;
        let path = PathBuf::from(panel.path.trim());
        panel.outcome = Some(result.map(|rows| (rows, path)).map_err(|err| failure_text(&err, tr)));
    }
    let busy = panel.run.is_some() || panel.choose.is_some();
    ui.horizontal(|ui| {
        let label = ui.label(RichText::new(tr.t("admin.tx.export_to")).color(theme::MUTED));
        let field = ui
            .add_enabled(
                !busy,
                egui::TextEdit::singleline(&mut panel.path)
                    .desired_width((ui.available_width() - 440.0).max(200.0)),
            )
            .labelled_by(label.id);
        if field.changed() {
            panel.path_edited = true;
        }
        let csv = ui.add_enabled(!busy, egui::Button::selectable(!panel.excel, tr.t("excel.csv")));
        let xlsx = ui.add_enabled(!busy, egui::Button::selectable(panel.excel, tr.t("excel.xlsx")));
        if csv.clicked() || xlsx.clicked() {
            panel.excel = xlsx.clicked();
            panel.follow_format();
        }
        if ui.add_enabled(!busy, egui::Button::new(tr.t("admin.tx.choose"))).clicked() {
            let start = PathBuf::from(panel.path.trim());
            let extension = panel.extension();
            let name = PathBuf::from(export_file_name(applied.from, applied.to))
                .with_extension(extension)
                .display()
                .to_string();
            let filter = if panel.excel { "Excel" } else { "CSV" };
            panel.choose = Some(Task::spawn("export-dialog", env.waker, move || {
                let mut dialog = rfd::FileDialog::new().add_filter(filter, &[extension]).set_file_name(name);
                if let Some(dir) = start.parent().filter(|d| d.is_dir()) {
                    dialog = dialog.set_directory(dir);
                }
                dialog.save_file()
            }));
        }
        let ready = !busy && !panel.path.trim().is_empty();
        let export = if panel.excel { tr.t("excel.export") } else { tr.t("admin.tx.export") };
        if ui.add_enabled(ready, egui::Button::new(RichText::new(export).strong())).clicked() {
            panel.outcome = None;
            let (filter, path) = (applied.filter.clone(), PathBuf::from(panel.path.trim()));
            let tz = env.runtime.config().timezone();
            let excel = panel.excel;
            panel.run = Some(Task::spawn("export-visits", env.waker, move || {
                if excel {
                    export_xlsx(&actor.acting(), &filter, tz, &path)
                } else {
                    export_csv(&actor.acting(), &filter, tz, &path)
                }
            }));
        }
        if busy {
            ui.spinner();
        }
    });
    match &panel.outcome {
        Some(Ok((rows, path))) => {
            let text = tr.f("admin.tx.exported", &[("rows", rows), ("path", &path.display())]);
            ui.label(RichText::new(text).color(theme::GOOD));
        }
        Some(Err(err)) => {
            ui.label(RichText::new(err).color(theme::FAULT));
        }
        None => {}
    }
}

fn failure_text(err: &ExportFailure, tr: &I18n) -> String {
    match err {
        ExportFailure::Refused(err) => crate::ui::admin::admin_error_text(err, tr),
        ExportFailure::Store(err) => tr.f("admin.records.error.store", &[("error", err)]),
        ExportFailure::File(err) => tr.f("admin.tx.error.file", &[("error", err)]),
    }
}
