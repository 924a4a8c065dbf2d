//! Statistics (being built).

use crate::ui::app::Env;

/// The screen's state.
#[derive(Default)]
pub struct StatisticsState {}

/// The screen.
pub fn statistics_ui(ui: &mut egui::Ui, state: &mut StatisticsState, env: Env<'_>) {
    let _ = (state, env);
    ui.heading("Statistics");
}
