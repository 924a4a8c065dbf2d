//! Offline journals (being built).

use crate::ui::app::Env;

/// The screen's state.
#[derive(Default)]
pub struct JournalsState {}

/// The screen.
pub fn journals_ui(ui: &mut egui::Ui, state: &mut JournalsState, env: Env<'_>) {
    let _ = (state, env);
    ui.heading("Offline journals");
}
