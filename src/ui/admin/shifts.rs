//! Shifts (being built).

use crate::ui::app::Env;

/// The screen's state.
#[derive(Default)]
pub struct ShiftsState {}

/// The screen.
pub fn shifts_ui(ui: &mut egui::Ui, state: &mut ShiftsState, env: Env<'_>) {
    let _ = (state, env);
    ui.heading("Shifts");
}
