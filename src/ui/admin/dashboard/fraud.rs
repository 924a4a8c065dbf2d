//! The dashboard's fraud alerts: each with what happened, who or what it is about, and the
//! visits behind it (ticket, plate, entry time).

use chrono_tz::Tz;
use egui::RichText;

use crate::admin::alerts::AlertWithVisits;
use crate::ui::i18n::I18n;
use crate::ui::theme;

/// The fraud alerts of the last day; nothing at all when there are none.
pub(super) fn fraud_ui(ui: &mut egui::Ui, alerts: &[AlertWithVisits], tr: &I18n, tz: Tz) {
    if alerts.is_empty() {
        return;
    }
    theme::banner(theme::FAULT_BG, theme::FAULT).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new(tr.t("plates.alerts.title")).strong().size(16.0));
        ui.label(RichText::new(tr.t("plates.alerts.hint")).small());
        for item in alerts {
            let alert = &item.alert;
            let at = alert.at.with_timezone(&tz).format("%d/%m %H:%M").to_string();
            let kind = tr.t(&format!("plates.alerts.{}", alert.kind.as_str())).to_string();
            ui.horizontal_top(|ui| {
                super::dot_ui(ui, theme::FAULT);
                let line = if alert.detail.is_empty() {
                    format!("{at} · {kind} · {}", alert.subject)
                } else {
                    format!("{at} · {kind} · {} · {}", alert.subject, alert.detail)
                };
                ui.add(egui::Label::new(RichText::new(line).color(theme::FAULT).strong()).wrap());
            });
            for visit in &item.visits {
                let entered = visit.entry_time.with_timezone(&tz).format("%d/%m %H:%M");
                let plate =
                    visit.plate.clone().unwrap_or_else(|| tr.t("admin.journals.no_plate").to_string());
                ui.label(format!("      {} · {plate} · {entered}", visit.ticket_no));
            }
        }
    });
}
