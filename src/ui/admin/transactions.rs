//! Transactions (being built).

use crate::ui::app::Env;

/// The screen's state.
#[derive(Default)]
pub struct TransactionsState {}

/// The screen.
pub fn transactions_ui(ui: &mut egui::Ui, state: &mut TransactionsState, env: Env<'_>) {
    let _ = (state, env);
    ui.heading("Transactions");
}
