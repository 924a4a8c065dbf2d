//! Site settings (being built).

use crate::ui::app::Env;

/// The screen's state.
#[derive(Default)]
pub struct SettingsState {}

/// The screen.
pub fn settings_ui(ui: &mut egui::Ui, state: &mut SettingsState, env: Env<'_>) {
    let _ = (state, env);
    ui.heading("Site settings");
}
