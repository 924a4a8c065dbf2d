//! Users (being built).

use crate::ui::app::Env;

/// The screen's state.
#[derive(Default)]
pub struct UsersState {}

/// The screen.
pub fn users_ui(ui: &mut egui::Ui, state: &mut UsersState, env: Env<'_>) {
    let _ = (state, env);
    ui.heading("Users");
}
