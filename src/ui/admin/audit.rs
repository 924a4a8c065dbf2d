//! The audit log (being built).

use crate::ui::app::Env;

/// The screen's state.
#[derive(Default)]
pub struct AuditState {}

/// The screen.
pub fn audit_ui(ui: &mut egui::Ui, state: &mut AuditState, env: Env<'_>) {
    let _ = (state, env);
    ui.heading("The audit log");
}
