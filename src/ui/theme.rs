//! The console's look: one calm accent colour, red only for faults, type readable at booth
//! distance.

use egui::{Color32, CornerRadius, FontFamily, FontId, Margin, Stroke, TextStyle, Vec2};

/// The one accent colour: actions and focus.
pub const ACCENT: Color32 = Color32::from_rgb(0x1D, 0x5F, 0xA8);
/// Faults only.
pub const FAULT: Color32 = Color32::from_rgb(0xC6, 0x28, 0x28);
/// Connected, done.
pub const GOOD: Color32 = Color32::from_rgb(0x2E, 0x7D, 0x32);
/// Offline, simulation, waiting for the operator.
pub const WARN: Color32 = Color32::from_rgb(0xB2, 0x6A, 0x00);
/// Checking, unknown, secondary text.
pub const MUTED: Color32 = Color32::from_rgb(0x6B, 0x72, 0x80);
/// Main text.
pub const TEXT: Color32 = Color32::from_rgb(0x1F, 0x29, 0x33);
/// The top bar.
pub const BAR: Color32 = Color32::from_rgb(0x1F, 0x29, 0x33);
/// Text on the top bar.
pub const BAR_TEXT: Color32 = Color32::from_rgb(0xF3, 0xF4, 0xF6);
/// The window background.
pub const BACKGROUND: Color32 = Color32::from_rgb(0xEE, 0xF1, 0xF4);
/// Cards on the background.
pub const CARD: Color32 = Color32::WHITE;
/// Tinted backgrounds for banners.
pub const WARN_BG: Color32 = Color32::from_rgb(0xFF, 0xF4, 0xE0);
/// Tinted background for fault banners.
pub const FAULT_BG: Color32 = Color32::from_rgb(0xFD, 0xEC, 0xEC);
/// Tinted background for good news.
pub const GOOD_BG: Color32 = Color32::from_rgb(0xE8, 0xF5, 0xE9);

/// Large figures (change, total).
pub fn big() -> TextStyle {
    TextStyle::Name("big".into())
}

/// The largest figures (the change to hand back).
pub fn huge() -> TextStyle {
    TextStyle::Name("huge".into())
}

/// Applies the style to every theme of `ctx`.
pub fn apply(ctx: &egui::Context) {
    ctx.set_theme(egui::Theme::Light);
    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (TextStyle::Small, FontId::new(15.0, FontFamily::Proportional)),
            (TextStyle::Body, FontId::new(19.0, FontFamily::Proportional)),
            (TextStyle::Button, FontId::new(19.0, FontFamily::Proportional)),
            (TextStyle::Heading, FontId::new(26.0, FontFamily::Proportional)),
            (TextStyle::Monospace, FontId::new(17.0, FontFamily::Monospace)),
            (big(), FontId::new(36.0, FontFamily::Proportional)),
            (huge(), FontId::new(60.0, FontFamily::Proportional)),
        ]
        .into();
        style.spacing.item_spacing = Vec2::new(10.0, 8.0);
        style.spacing.button_padding = Vec2::new(14.0, 8.0);
        style.spacing.interact_size = Vec2::new(44.0, 36.0);
        style.spacing.window_margin = Margin::same(18);
        let visuals = &mut style.visuals;
        visuals.panel_fill = BACKGROUND;
        visuals.window_fill = CARD;
        visuals.extreme_bg_color = Color32::from_rgb(0xF7, 0xF9, 0xFB);
        visuals.text_edit_bg_color = Some(Color32::from_rgb(0xF7, 0xF9, 0xFB));
        visuals.override_text_color = Some(TEXT);
        visuals.selection.bg_fill = ACCENT.gamma_multiply(0.25);
        visuals.selection.stroke = Stroke::new(2.0, ACCENT);
        visuals.hyperlink_color = ACCENT;
        // A blinking cursor repaints the window twice a second: the focused scan and plate
        // fields would keep an idle booth busy.
        visuals.text_cursor.blink = false;
        visuals.window_corner_radius = CornerRadius::same(8);
        visuals.widgets.inactive.corner_radius = CornerRadius::same(6);
        visuals.widgets.hovered.corner_radius = CornerRadius::same(6);
        visuals.widgets.active.corner_radius = CornerRadius::same(6);
        visuals.widgets.inactive.weak_bg_fill = Color32::from_rgb(0xE3, 0xE7, 0xEC);
        visuals.widgets.inactive.bg_fill = Color32::from_rgb(0xE3, 0xE7, 0xEC);
        visuals.widgets.inactive.bg_stroke = Stroke::new(1.0, Color32::from_rgb(0xB8, 0xC1, 0xCC));
        visuals.widgets.hovered.weak_bg_fill = Color32::from_rgb(0xD5, 0xDD, 0xE6);
        visuals.widgets.hovered.bg_stroke = Stroke::new(1.0, ACCENT);
        visuals.widgets.active.weak_bg_fill = Color32::from_rgb(0xC8, 0xD3, 0xE0);
        visuals.widgets.noninteractive.bg_stroke = Stroke::new(1.0, Color32::from_rgb(0xD8, 0xDD, 0xE3));
    });
}

/// A white card with a thin border, the building block of every screen.
pub fn card() -> egui::Frame {
    egui::Frame::new()
        .fill(CARD)
        .stroke(Stroke::new(1.0, Color32::from_rgb(0xD8, 0xDD, 0xE3)))
        .corner_radius(CornerRadius::same(8))
        .inner_margin(Margin::same(14))
}

/// A card in a column of `ui.columns`: its texts wrap ragged-right, not justified letter by
/// letter as the columns' justified layout would have them.
pub fn column_card<R>(ui: &mut egui::Ui, add_contents: impl FnOnce(&mut egui::Ui) -> R) -> R {
    card()
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.with_layout(egui::Layout::top_down(egui::Align::Min), add_contents).inner
        })
        .inner
}

/// A full-width tinted banner holding one message in its colour (`GOOD`, `WARN` or `FAULT`
/// on its `_BG`).
pub fn message_ui(ui: &mut egui::Ui, background: Color32, colour: Color32, text: impl Into<String>) {
    banner(background, colour).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(egui::RichText::new(text.into()).color(colour));
    });
}

/// A tinted banner frame.
pub fn banner(fill: Color32, border: Color32) -> egui::Frame {
    egui::Frame::new()
        .fill(fill)
        .stroke(Stroke::new(1.5, border))
        .corner_radius(CornerRadius::same(6))
        .inner_margin(Margin::symmetric(14, 10))
}

/// The frame of a screen's panel: background colour and an even gutter.
pub fn panel(left: i8, right: i8, top: i8, bottom: i8) -> egui::Frame {
    egui::Frame::new().fill(BACKGROUND).inner_margin(Margin { left, right, top, bottom })
}
