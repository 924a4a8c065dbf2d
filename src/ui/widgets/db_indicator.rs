//! The database indicator at the top right: grey while checking, green with the round trip,
//! red since HH:MM with the records waiting in the journal. Clicking it checks now.

use chrono_tz::Tz;
use egui::{Color32, CornerRadius, Sense};

use crate::lane::monitor::{DbStatus, MonitorSnapshot};
use crate::ui::i18n::I18n;
use crate::ui::theme;

/// The indicator's text and colour.
pub fn db_indicator_text(snapshot: &MonitorSnapshot, tr: &I18n, tz: Tz) -> (String, Color32) {
    match &snapshot.status {
        DbStatus::Checking => (tr.t("db.checking").to_string(), theme::MUTED),
        DbStatus::Connected { round_trip_ms, .. } => {
            let mut text = tr.f("db.connected", &[("ms", round_trip_ms)]);
            if snapshot.pending > 0 {
                text.push_str(" · ");
                text.push_str(&tr.f("db.waiting", &[("count", &snapshot.pending)]));
            }
            (text, theme::GOOD)
        }
        DbStatus::Disconnected { since, .. } => {
            let since = since.with_timezone(&tz).format("%H:%M").to_string();
            let text = format!(
                "{} · {}",
                tr.f("db.disconnected", &[("since", &since)]),
                tr.f("db.waiting", &[("count", &snapshot.pending)])
            );
            (text, theme::FAULT)
        }
    }
}

/// The indicator's tooltip: what to click, the last error, and whether the link is encrypted.
pub fn db_indicator_tip(snapshot: &MonitorSnapshot, tr: &I18n) -> String {
    match &snapshot.status {
        DbStatus::Disconnected { error, .. } => format!("{}\n{error}", tr.t("db.click_to_check")),
        DbStatus::Connected { encrypted, .. } => {
            let transport = match encrypted {
                Some(true) => tr.t("db.encrypted"),
                Some(false) => tr.t("db.not_encrypted"),
                None => tr.t("db.local_file"),
            };
            format!("{transport}\n{}", tr.t("db.click_to_check"))
        }
        DbStatus::Checking => tr.t("db.click_to_check").to_string(),
    }
}

/// Shows the indicator; true when clicked (the caller asks the monitor to check now).
pub fn db_indicator_ui(ui: &mut egui::Ui, snapshot: &MonitorSnapshot, tr: &I18n, tz: Tz) -> bool {
    let (text, color) = db_indicator_text(snapshot, tr, tz);
    let frame = egui::Frame::new()
        .fill(color)
        .corner_radius(CornerRadius::same(14))
        .inner_margin(egui::Margin::symmetric(12, 6));
    let response = frame
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                let (dot, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), Sense::hover());
                ui.painter().circle_filled(dot.center(), 6.0, Color32::WHITE);
                // Painted, not a label: the indicator is one button for screen readers and tests.
                let galley = ui.painter().layout_no_wrap(
                    text.clone(),
                    egui::TextStyle::Body.resolve(ui.style()),
                    Color32::WHITE,
                );
                let (rect, _) = ui.allocate_exact_size(galley.size(), Sense::hover());
                ui.painter().galley(rect.min, galley, Color32::WHITE);
            });
        })
        .response;
    let response = ui.interact(response.rect, ui.scope_id().with("db-indicator"), Sense::click());
    let tip = db_indicator_tip(snapshot, tr);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &text));
    response.on_hover_text(tip).clicked()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;

    #[test]
    fn the_tooltip_says_whether_the_connection_is_encrypted() {
        let tr = I18n::new(Language::English);
        let connected = |encrypted| MonitorSnapshot {
            status: DbStatus::Connected { round_trip_ms: 3, checked_at: chrono::Utc::now(), encrypted },
            pending: 0,
        };
        let cases = [
            (Some(true), "Connection encrypted (TLS)"),
            (Some(false), "NOT encrypted"),
            (None, "Database file on this PC"),
        ];
        for (encrypted, expected) in cases {
            let tip = db_indicator_tip(&connected(encrypted), &tr);
            assert!(tip.contains(expected) && tip.contains("Click to check now"), "{encrypted:?}: {tip}");
        }
    }
}
