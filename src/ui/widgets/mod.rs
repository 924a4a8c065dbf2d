//! Widgets the screens share: photos, function-key buttons, status chips, the database
//! indicator and the animated barrier.

pub mod barrier;
pub mod db_indicator;
pub mod key_button;
pub mod photo;
pub mod status_chip;

pub use barrier::barrier_ui;
pub use db_indicator::db_indicator_ui;
pub use key_button::{KeyButton, key_label};
pub use photo::{TextureCache, photo_ui};
pub use status_chip::status_chip_ui;

/// A section title inside a card.
pub fn section_title_ui(ui: &mut egui::Ui, text: &str) {
    ui.label(egui::RichText::new(text).strong().color(crate::ui::theme::MUTED).size(16.0));
}
