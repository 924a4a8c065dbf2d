//! Members (being built).

use crate::ui::app::Env;

/// The screen's state.
#[derive(Default)]
pub struct MembersState {}

/// The screen.
pub fn members_ui(ui: &mut egui::Ui, state: &mut MembersState, env: Env<'_>) {
    let _ = (state, env);
    ui.heading("Members");
}
