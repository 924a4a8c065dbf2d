//! One chip per device on the top bar: its name and state, red only for a fault.

use egui::{Color32, CornerRadius, RichText};

use crate::devices::{DeviceStatus, LinkState};
use crate::ui::i18n::I18n;
use crate::ui::theme;

/// Shows a device chip; the tooltip names the port and the last error.
pub fn status_chip_ui(ui: &mut egui::Ui, status: &DeviceStatus, tr: &I18n) -> egui::Response {
    let (color, state) = match status.state {
        LinkState::Connected if status.warning.is_some() => (theme::WARN, tr.t("device.warning")),
        LinkState::Connected => (theme::GOOD, tr.t("device.connected")),
        LinkState::Connecting => (theme::MUTED, tr.t("device.connecting")),
        LinkState::Disconnected => (theme::FAULT, tr.t("device.disconnected")),
        LinkState::Fault => (theme::FAULT, tr.t("device.fault")),
    };
    let name = tr.t(&format!("device.name.{}", status.name)).to_string();
    let name = if name.starts_with("device.name.") { status.name.clone() } else { name };
    let response = egui::Frame::new()
        .fill(Color32::from_white_alpha(18))
        .corner_radius(CornerRadius::same(12))
        .inner_margin(egui::Margin::symmetric(10, 4))
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                let (dot, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                ui.painter().circle_filled(dot.center(), 5.0, color);
                ui.label(RichText::new(name).color(theme::BAR_TEXT).size(15.0));
            });
        })
        .response;
    let mut tip = format!("{}: {state}\n{}", status.name, status.port);
    if let Some(error) = status.last_error.as_ref().or(status.warning.as_ref()) {
        tip.push('\n');
        tip.push_str(error);
    }
    response.on_hover_text(tip)
}
