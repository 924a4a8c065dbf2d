//! The barrier arm drawn from its position: it swings while opening or closing (the simulated
//! arm takes its travel time) and rests without repainting once it stops.

use std::time::Duration;

use egui::{Color32, Pos2, Sense, Stroke, Vec2};

use crate::devices::BarrierPosition;
use crate::ui::i18n::I18n;
use crate::ui::theme;

/// How long the drawn arm takes to swing.
const SWING_S: f32 = 1.4;

/// Draws the barrier and its state in words.
pub fn barrier_ui(ui: &mut egui::Ui, position: BarrierPosition, tr: &I18n) {
    let (target, label, color) = match position {
        BarrierPosition::Closed => (0.0, tr.t("barrier.closed"), theme::MUTED),
        BarrierPosition::Opening => (1.0, tr.t("barrier.opening"), theme::ACCENT),
        BarrierPosition::Open => (1.0, tr.t("barrier.open"), theme::GOOD),
        BarrierPosition::Closing => (0.0, tr.t("barrier.closing"), theme::ACCENT),
        BarrierPosition::Unknown => (0.0, tr.t("barrier.unknown"), theme::MUTED),
    };
    let lift = ui.ctx().animate_value_with_time(ui.scope_id().with("barrier-arm"), target, SWING_S);
    if matches!(position, BarrierPosition::Opening | BarrierPosition::Closing) {
        // The arm's end is reported by the device, not by the drawing: look again shortly.
        ui.ctx().request_repaint_after(Duration::from_millis(150));
    }
    ui.horizontal(|ui| {
        let (rect, _) = ui.allocate_exact_size(Vec2::new(150.0, 118.0), Sense::hover());
        let painter = ui.painter();
        let pivot = Pos2::new(rect.left() + 22.0, rect.bottom() - 18.0);
        painter.rect_filled(
            egui::Rect::from_center_size(Pos2::new(pivot.x, pivot.y + 6.0), Vec2::new(20.0, 26.0)),
            3.0,
            theme::TEXT,
        );
        let angle = -lift * std::f32::consts::FRAC_PI_2 * 0.95;
        let length = 112.0;
        let end = pivot + Vec2::new(angle.cos(), angle.sin()) * length;
        let stripes = 6;
        for i in 0..stripes {
            let a = pivot + (end - pivot) * (i as f32 / stripes as f32);
            let b = pivot + (end - pivot) * ((i + 1) as f32 / stripes as f32);
            let stripe = if i % 2 == 0 { theme::WARN } else { Color32::WHITE };
            painter.line_segment([a, b], Stroke::new(8.0, stripe));
        }
        painter.line_segment([pivot, end], Stroke::new(1.0, theme::TEXT));
        painter.circle_filled(pivot, 6.0, theme::TEXT);
        ui.label(egui::RichText::new(label).color(color).strong());
    });
}
