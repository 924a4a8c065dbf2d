//! Tariffs (being built).

use crate::ui::app::Env;

/// The screen's state.
#[derive(Default)]
pub struct TariffsState {}

/// The screen.
pub fn tariffs_ui(ui: &mut egui::Ui, state: &mut TariffsState, env: Env<'_>) {
    let _ = (state, env);
    ui.heading("Tariffs");
}
