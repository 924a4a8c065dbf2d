//! Large buttons with their function key printed in the corner; the key works from anywhere on
//! the screen. The accessible label is the action alone, so tests and screen readers find it.

use egui::{Color32, Key, RichText, Vec2};

use crate::ui::theme;

/// `F2`, `Enter`, `Esc`: how a key is printed on a button.
pub fn key_label(key: Key) -> &'static str {
    match key {
        Key::Enter => "Enter",
        Key::Escape => "Esc",
        other => other.name(),
    }
}

/// A button for a frequent action.
pub struct KeyButton<'a> {
    label: &'a str,
    key: Option<Key>,
    primary: bool,
    enabled: bool,
    min_size: Vec2,
}

impl<'a> KeyButton<'a> {
    /// A button labelled `label`, pressed also by `key`.
    pub fn new(label: &'a str, key: Option<Key>) -> Self {
        Self { label, key, primary: false, enabled: true, min_size: Vec2::new(150.0, 52.0) }
    }

    /// Filled with the accent colour: the main action of the screen.
    pub fn primary(mut self, primary: bool) -> Self {
        self.primary = primary;
        self
    }

    /// Greyed out and deaf to its key when false.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// The smallest size.
    pub fn min_size(mut self, size: Vec2) -> Self {
        self.min_size = size;
        self
    }

    /// Shows the button; true when clicked or its key was pressed (and it is enabled).
    pub fn show(self, ui: &mut egui::Ui) -> bool {
        let text = if self.primary {
            RichText::new(self.label).color(Color32::WHITE).strong()
        } else {
            RichText::new(self.label).strong()
        };
        let mut button = egui::Button::new(text).min_size(self.min_size);
        if self.primary {
            button = button.fill(if self.enabled { theme::ACCENT } else { theme::MUTED });
        }
        let response = ui.add_enabled(self.enabled, button);
        if let Some(key) = self.key {
            let color = if self.primary { Color32::from_white_alpha(200) } else { theme::MUTED };
            ui.painter().text(
                response.rect.left_top() + Vec2::new(6.0, 3.0),
                egui::Align2::LEFT_TOP,
                key_label(key),
                egui::FontId::proportional(12.0),
                color,
            );
        }
        let pressed = self.key.is_some_and(|key| {
            self.enabled && ui.ctx().input_mut(|input| input.consume_key(egui::Modifiers::NONE, key))
        });
        self.enabled && (response.clicked() || pressed)
    }
}
