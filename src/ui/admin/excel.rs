//! The "Excel" button of the Shifts and Statistics screens: writes the workbook on a named
//! task (never on the UI thread) to `<data folder>/exports/<name>.xlsx` and says where it went
//! or why it did not.

use std::path::PathBuf;

use egui::RichText;

use crate::admin::export::ExportError;
use crate::ui::app::Env;
use crate::ui::task::Task;
use crate::ui::theme;

/// One screen's Excel export: the write under way and the last outcome.
#[derive(Default)]
pub struct ExcelExport {
    run: Option<Task<Result<PathBuf, String>>>,
    outcome: Option<Result<PathBuf, String>>,
}

impl ExcelExport {
    /// True while a workbook is being written.
    pub fn busy(&self) -> bool {
        self.run.is_some()
    }

    /// The last outcome: the file written, or why not.
    pub fn outcome(&self) -> Option<&Result<PathBuf, String>> {
        self.outcome.as_ref()
    }
}

/// The button (enabled when `ready`); when clicked, `write` runs on a task with the file's
/// path `<data folder>/exports/<name>.xlsx`.
pub fn excel_button_ui(
    ui: &mut egui::Ui,
    export: &mut ExcelExport,
    env: &Env<'_>,
    ready: bool,
    name: &str,
    write: impl FnOnce(&std::path::Path) -> Result<(), ExportError> + Send + 'static,
) {
    if let Some(task) = &mut export.run
        && let Some(result) = task.take()
    {
        export.run = None;
        export.outcome = Some(result);
    }
    let button = egui::Button::new(env.tr.t("excel.button"));
    if ui.add_enabled(ready && !export.busy(), button).clicked() {
        let path = env.runtime.data_dir().join("exports").join(format!("{name}.xlsx"));
        export.outcome = None;
        export.run = Some(Task::spawn("admin-excel", env.waker, move || {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|err| err.to_string())?;
            }
            write(&path).map(|()| path.clone()).map_err(|err| {
                let _ = std::fs::remove_file(&path);
                err.to_string()
            })
        }));
    }
    if export.busy() {
        ui.spinner();
    }
}

/// The outcome line under the screen's heading, if any.
pub fn excel_outcome_ui(ui: &mut egui::Ui, export: &ExcelExport, env: &Env<'_>) {
    match export.outcome() {
        Some(Ok(path)) => {
            let text = env.tr.f("excel.written", &[("path", &path.display())]);
            ui.label(RichText::new(text).color(theme::GOOD));
        }
        Some(Err(err)) => {
            ui.label(RichText::new(env.tr.f("excel.failed", &[("error", err)])).color(theme::FAULT));
        }
        None => {}
    }
}
