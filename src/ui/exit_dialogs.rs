//! ParkingOut's dialogs: lost ticket (plate search and fine), manual opening with a reason,
//! and the cashier's shift (open with a float; close with the counted cash and difference).
//! The lost-ticket and manual-open dialogs let the cashier pick the vehicle from those inside,
//! so its real entry is charged or closed.

use egui::{Key, RichText};

use super::i18n::I18n;
use super::inbox::Waker;
use super::runtime::BoothRuntime;
use super::task::Task;
use super::theme;
use super::vehicle_pick::{VehiclePick, vehicle_pick_ui};
use super::widgets::KeyButton;
use crate::domain::{ClassCode, Rupiah};
use crate::lane::exit::SeenPlate;
use crate::lane::shift::{self, ShiftReport};
use crate::lane::worker::{ExitCommand, ExitSnapshot};

/// An open dialog and its inputs.
pub enum ExitDialog {
    /// Lost ticket: plate and class.
    LostTicket {
        /// Plate as typed.
        plate: String,
        /// Class to charge when no entry is found.
        class: Option<ClassCode>,
        /// The vehicle inside picked by its plate.
        pick: VehiclePick,
        /// The plate read at the barrier was put in the field (once: the cashier may clear it).
        offered: bool,
    },
    /// Manual opening: the reason, and the vehicle it lets out when the cashier picks one.
    ManualOpen {
        /// Why.
        reason: String,
        /// Plate typed to find the vehicle leaving.
        plate: String,
        /// The vehicle inside picked by its plate.
        pick: VehiclePick,
    },
    /// Shift: open or close.
    Shift {
        /// Amount typed (float or counted cash).
        amount: String,
        /// The open shift's report, for the expected cash.
        report: Option<Box<Task<Result<ShiftReport, String>>>>,
        /// Sent a close; show the report when it arrives.
        closing: bool,
    },
}

impl ExitDialog {
    /// The lost-ticket dialog.
    pub fn lost_ticket(snapshot: &ExitSnapshot) -> Self {
        let class = snapshot.classes.iter().find(|c| c.code.as_str() == "MBL").or(snapshot.classes.first());
        ExitDialog::LostTicket {
            plate: String::new(),
            class: class.map(|c| c.code.clone()),
            pick: VehiclePick::default(),
            offered: false,
        }
    }

    /// The manual-open dialog.
    pub fn manual_open() -> Self {
        ExitDialog::ManualOpen { reason: String::new(), plate: String::new(), pick: VehiclePick::default() }
    }

    /// The shift dialog.
    pub fn shift() -> Self {
        ExitDialog::Shift { amount: String::new(), report: None, closing: false }
    }
}

/// The plate read at the barrier: a confident read fills the empty field once; a weak one is
/// offered with a button.
fn seen_plate_ui(ui: &mut egui::Ui, seen: &SeenPlate, plate: &mut String, offered: &mut bool, tr: &I18n) {
    let percent = format!("{:.0}", seen.confidence * 100.0);
    let args: [(&str, &dyn std::fmt::Display); 2] = [("plate", &seen.plate), ("percent", &percent)];
    if seen.confident {
        if !*offered && plate.trim().is_empty() {
            *plate = seen.plate.clone();
        }
        *offered = true;
        ui.label(RichText::new(tr.f("lost.read", &args)).color(theme::GOOD).strong());
    } else {
        ui.horizontal(|ui| {
            ui.label(RichText::new(tr.f("lost.read_weak", &args)).color(theme::MUTED).strong());
            if ui.button(tr.t("lost.use_read")).clicked() {
                *plate = seen.plate.clone();
            }
        });
    }
}

/// Shows the dialog; returns (close it, command to send).
pub fn exit_dialog_ui(
    ctx: &egui::Context,
    dialog: &mut ExitDialog,
    snapshot: &ExitSnapshot,
    runtime: &BoothRuntime,
    tr: &I18n,
    waker: &Waker,
) -> (bool, Option<ExitCommand>) {
    let mut close = false;
    let mut command = None;
    let title = match dialog {
        ExitDialog::LostTicket { .. } => tr.t("lost.title"),
        ExitDialog::ManualOpen { .. } => tr.t("manual.title"),
        ExitDialog::Shift { .. } => tr.t("shift.title"),
    };
    let modal = egui::Modal::new(egui::Id::unique("exit-dialog")).show(ctx, |ui| {
        ui.set_width(520.0);
        ui.heading(title);
        ui.add_space(8.0);
        match dialog {
            ExitDialog::LostTicket { plate, class, pick, offered } => {
                ui.label(tr.t("lost.explain"));
                if let Some(seen) = &snapshot.seen_plate {
                    seen_plate_ui(ui, seen, plate, offered, tr);
                }
                let label = ui.label(RichText::new(tr.t("lost.plate")).strong());
                let field = ui.add(
                    egui::TextEdit::singleline(plate)
                        .font(egui::FontId::proportional(26.0))
                        .desired_width(f32::INFINITY)
                        .id_salt("lost-plate"),
                );
                let field = field.labelled_by(label.id);
                if ui.memory(|m| m.focused().is_none()) {
                    field.request_focus();
                }
                vehicle_pick_ui(ui, pick, plate, &snapshot.classes, runtime, tr, waker);
                ui.label(RichText::new(tr.t("lost.class")).strong());
                ui.horizontal(|ui| {
                    for c in &snapshot.classes {
                        if ui.radio(class.as_ref() == Some(&c.code), c.name(tr.language().code())).clicked() {
                            *class = Some(c.code.clone());
                        }
                    }
                });
                ui.add_space(8.0);
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                ui.horizontal(|ui| {
                    let ok = KeyButton::new(tr.t("lost.search"), Some(Key::Enter)).primary(true).show(ui);
                    if ok || enter {
                        if let Some(entry_id) = pick.picked() {
                            command = Some(ExitCommand::LostTicketOf { entry_id });
                            close = true;
                        } else if let Some(class) = class.clone() {
                            command = Some(ExitCommand::LostTicket { plate: plate.clone(), class });
                            close = true;
                        }
                    }
                    if KeyButton::new(tr.t("common.cancel"), Some(Key::Escape)).show(ui) {
                        close = true;
                    }
                });
            }
            ExitDialog::ManualOpen { reason, plate, pick } => {
                let label = ui.label(tr.t("manual.explain"));
                let field = ui
                    .add(
                        egui::TextEdit::multiline(reason)
                            .desired_rows(3)
                            .desired_width(f32::INFINITY)
                            .id_salt("manual-reason"),
                    )
                    .labelled_by(label.id);
                if ui.memory(|m| m.focused().is_none()) {
                    field.request_focus();
                }
                let long_enough = reason.trim().chars().count() >= 5;
                if !long_enough {
                    ui.label(RichText::new(tr.t("manual.reason_rule")).color(theme::MUTED));
                }
                ui.add_space(6.0);
                let label = ui.label(RichText::new(tr.t("manual.vehicle")).strong());
                ui.add(
                    egui::TextEdit::singleline(plate)
                        .desired_width(f32::INFINITY)
                        .hint_text(tr.t("manual.vehicle_hint"))
                        .id_salt("manual-plate"),
                )
                .labelled_by(label.id);
                vehicle_pick_ui(ui, pick, plate, &snapshot.classes, runtime, tr, waker);
                ui.horizontal(|ui| {
                    let ok =
                        KeyButton::new(tr.t("manual.open"), None).primary(true).enabled(long_enough).show(ui);
                    if ok {
                        command = Some(ExitCommand::ManualOpen {
                            reason: reason.trim().to_string(),
                            vehicle: pick.picked(),
                        });
                        close = true;
                    }
                    if KeyButton::new(tr.t("common.cancel"), Some(Key::Escape)).show(ui) {
                        close = true;
                    }
                });
            }
            ExitDialog::Shift { amount, report, closing } => {
                (close, command) = shift_ui(ui, amount, report, closing, snapshot, runtime, tr, waker);
            }
        }
    });
    if modal.should_close() {
        close = true;
    }
    (close, command)
}

#[allow(clippy::too_many_arguments)]
fn shift_ui(
    ui: &mut egui::Ui,
    amount: &mut String,
    report: &mut Option<Box<Task<Result<ShiftReport, String>>>>,
    closing: &mut bool,
    snapshot: &ExitSnapshot,
    runtime: &BoothRuntime,
    tr: &I18n,
    waker: &Waker,
) -> (bool, Option<ExitCommand>) {
    let tz = runtime.config().timezone();
    let mut close = false;
    let mut command = None;
    if *closing && let Some(closed) = &snapshot.closed_shift {
        report_ui(ui, closed, tr);
        if KeyButton::new(tr.t("common.ok"), Some(Key::Enter)).primary(true).show(ui) {
            close = true;
        }
        return (close, command);
    }
    let parsed = Rupiah::parse(amount);
    match &snapshot.shift {
        None => {
            ui.label(tr.t("shift.none_open"));
            let label = ui.label(RichText::new(tr.t("shift.float")).strong());
            amount_field_ui(ui, amount, label.id);
            ui.horizontal(|ui| {
                let ok = KeyButton::new(tr.t("shift.open"), Some(Key::Enter))
                    .primary(true)
                    .enabled(parsed.is_some() && snapshot.operator.is_some())
                    .show(ui);
                if ok && let Some(opening_float) = parsed {
                    command = Some(ExitCommand::OpenShift { opening_float });
                    close = true;
                }
                if KeyButton::new(tr.t("common.cancel"), Some(Key::Escape)).show(ui) {
                    close = true;
                }
            });
        }
        Some(open) => {
            let opened = open.opened_at.with_timezone(&tz).format("%d/%m/%Y %H:%M");
            ui.label(tr.f("shift.open_since", &[("time", &opened), ("float", &open.opening_float)]));
            let task = report.get_or_insert_with(|| {
                let (store, id, clock) = (runtime.store(), open.id, runtime.clock().clone());
                Box::new(Task::spawn("shift-report", waker, move || {
                    shift::report(store.as_ref(), id, clock.now(), true).map_err(|err| err.to_string())
                }))
            });
            let expected = match task.poll() {
                Some(Ok(report)) => {
                    ui.label(
                        tr.f("shift.so_far", &[("exits", &report.all.exits), ("total", &report.all.total)]),
                    );
                    ui.label(
                        RichText::new(tr.f("shift.expected", &[("amount", &report.expected_cash)])).strong(),
                    );
                    Some(report.expected_cash)
                }
                Some(Err(err)) => {
                    ui.label(
                        RichText::new(tr.f("shift.report_failed", &[("error", err)])).color(theme::WARN),
                    );
                    None
                }
                None => {
                    ui.spinner();
                    None
                }
            };
            let label = ui.label(RichText::new(tr.t("shift.counted")).strong());
            amount_field_ui(ui, amount, label.id);
            if let (Some(counted), Some(expected)) = (parsed, expected) {
                let difference = counted - expected;
                let color = if difference == Rupiah::ZERO { theme::GOOD } else { theme::WARN };
                ui.label(
                    RichText::new(tr.f("shift.difference", &[("amount", &difference)]))
                        .color(color)
                        .size(22.0),
                );
            }
            ui.horizontal(|ui| {
                let ok = KeyButton::new(tr.t("shift.close"), Some(Key::Enter))
                    .primary(true)
                    .enabled(parsed.is_some())
                    .show(ui);
                if ok && let Some(counted) = parsed {
                    command = Some(ExitCommand::CloseShift { counted });
                    *closing = true;
                }
                if KeyButton::new(tr.t("common.cancel"), Some(Key::Escape)).show(ui) {
                    close = true;
                }
            });
        }
    }
    (close, command)
}

fn amount_field_ui(ui: &mut egui::Ui, amount: &mut String, label: egui::Id) {
    let field = ui.add(
        egui::TextEdit::singleline(amount)
            .font(egui::FontId::proportional(28.0))
            .desired_width(260.0)
            .hint_text("0")
            .id_salt("shift-amount"),
    );
    let field = field.labelled_by(label);
    if ui.memory(|m| m.focused().is_none()) {
        field.request_focus();
    }
}

fn report_ui(ui: &mut egui::Ui, report: &ShiftReport, tr: &I18n) {
    ui.label(RichText::new(tr.t("shift.closed")).size(22.0).strong().color(theme::GOOD));
    if report.provisional {
        ui.label(RichText::new(tr.t("shift.provisional")).color(theme::WARN));
    }
    egui::Grid::new("shift-report").num_columns(2).spacing([24.0, 6.0]).show(ui, |ui| {
        let mut row = |label: &str, value: String| {
            ui.label(RichText::new(label).color(theme::MUTED));
            ui.label(RichText::new(value).strong());
            ui.end_row();
        };
        row(tr.t("shift.report.exits"), report.all.exits.to_string());
        row(tr.t("shift.report.total"), report.all.total.to_string());
        for (method, tally) in &report.by_method {
            row(tr.t(&format!("pay.method.{method}")), format!("{} × · {}", tally.exits, tally.total));
        }
        if report.duplicates.exits > 0 {
            let duplicates = format!("{} × · {}", report.duplicates.exits, report.duplicates.total);
            row(tr.t("shift.report.duplicates"), duplicates);
        }
        row(tr.t("shift.report.lost"), report.lost_tickets.to_string());
        row(tr.t("shift.report.manual"), report.manual_opens.to_string());
        row(tr.t("shift.report.voids"), report.voids.to_string());
        row(tr.t("shift.report.expected"), report.expected_cash.to_string());
        row(tr.t("shift.report.counted"), report.counted_cash.map(|c| c.to_string()).unwrap_or_default());
        row(tr.t("shift.report.difference"), report.difference.map(|d| d.to_string()).unwrap_or_default());
    });
    ui.add_space(8.0);
}
