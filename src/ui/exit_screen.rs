//! ParkingOut: the scan field (which keeps the keyboard so a wedge scanner always lands in it),
//! the entry photo beside the exit photo, the visit, the fee breakdown, payment, receipt and
//! the barrier; lost tickets, manual opens and shifts in dialogs.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use egui::{Key, RichText, Vec2};
use uuid::Uuid;

use super::app::Env;
use super::exit_dialogs::{self, ExitDialog};
use super::i18n::I18n;
use super::payment::{self, PaymentAction, PaymentState};
use super::theme;
use super::widgets::{KeyButton, barrier_ui, photo_ui, section_title_ui};
use crate::devices::BarrierPosition;
use crate::lane::exit::Quote;
use crate::lane::worker::{ExitCommand, ExitNotice, ExitSnapshot, ExitView};

/// The cashier's inputs.
#[derive(Default)]
pub struct ExitState {
    scan: String,
    payment: PaymentState,
    quote_shown: Option<(Uuid, DateTime<Utc>)>,
    dialog: Option<ExitDialog>,
}

impl ExitState {
    /// True while a dialog has the keyboard.
    pub fn dialog_open(&self) -> bool {
        self.dialog.is_some()
    }
}

/// The exit screen.
pub fn exit_screen_ui(ui: &mut egui::Ui, state: &mut ExitState, env: Env<'_>, window_open: bool) {
    let Some(worker) = env.runtime.exit() else { return };
    let snapshot = worker.snapshot();
    let tr = env.tr;
    let tz = env.runtime.config().timezone();
    let mut commands = Vec::new();
    let keyboard_free = state.dialog.is_none() && !window_open;
    let had_dialog = state.dialog.is_some();

    // A new fee on screen starts a fresh payment.
    let shown = match &snapshot.view {
        ExitView::Quoted(quote) => Some((quote.entry_id, quote.exit_time)),
        _ => None,
    };
    if shown != state.quote_shown {
        state.quote_shown = shown;
        state.payment = PaymentState::default();
    }

    egui::Panel::top("exit-scan").frame(theme::panel(10, 10, 10, 0)).show(ui, |ui| {
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            scan_row_ui(ui, state, &snapshot, tr, keyboard_free, &mut commands);
            notice_ui(ui, snapshot.notice.as_ref(), tr);
        });
        if snapshot.ready && snapshot.shift.is_none() {
            ui.add_space(6.0);
            theme::banner(theme::WARN_BG, theme::WARN).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(RichText::new(tr.t("exit.no_shift")).color(theme::WARN).strong());
            });
        }
    });

    let position = env.runtime.barrier().map(|b| b.position()).unwrap_or(BarrierPosition::Unknown);
    egui::Panel::right("exit-side")
        .exact_size(470.0)
        .resizable(false)
        .frame(theme::panel(6, 10, 10, 10))
        .show(ui, |ui| {
            // On a 1366×768 monitor the payment's button must fit without scrolling.
            if ui.available_height() < 720.0 {
                ui.spacing_mut().item_spacing.y = (ui.spacing().item_spacing.y * 0.5).max(3.0);
            }
            egui::ScrollArea::vertical().id_salt("exit-side-scroll").show(ui, |ui| {
                theme::card().show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    side_ui(ui, state, &snapshot, env.textures, tr, keyboard_free, &mut commands);
                });
                ui.add_space(10.0);
                theme::card().show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    section_title_ui(ui, tr.t("exit.barrier"));
                    barrier_ui(ui, position, tr);
                });
            });
        });

    egui::CentralPanel::default().frame(theme::panel(10, 6, 10, 10)).show(ui, |ui| {
        let quote = match &snapshot.view {
            ExitView::Quoted(quote) => Some(quote.as_ref()),
            _ => None,
        };
        let width = (ui.available_width() - 10.0) / 2.0;
        let height = ((width - 30.0) * 0.5625).min(ui.available_height() - 200.0).max(160.0);
        ui.horizontal(|ui| {
            theme::card().show(ui, |ui| {
                ui.vertical(|ui| {
                    ui.set_width(width - 30.0);
                    section_title_ui(ui, tr.t("exit.entry_photo"));
                    photo_ui(
                        ui,
                        env.textures,
                        snapshot.entry_photo.as_ref(),
                        Vec2::new(width - 30.0, height),
                        tr.t("exit.no_entry_photo"),
                    );
                });
            });
            theme::card().show(ui, |ui| {
                ui.vertical(|ui| {
                    ui.set_width(width - 30.0);
                    let live = quote.is_none() && snapshot.preview.is_some();
                    section_title_ui(ui, tr.t(if live { "exit.camera_live" } else { "exit.exit_photo" }));
                    let picture = if live { snapshot.preview.as_ref() } else { snapshot.exit_photo.as_ref() };
                    let size = Vec2::new(width - 30.0, height);
                    photo_ui(ui, env.textures, picture, size, tr.t("exit.no_exit_photo"));
                    if !live {
                        exit_plate_ui(ui, &snapshot, tr);
                    }
                });
            });
        });
        ui.add_space(10.0);
        if let Some(quote) = quote {
            visit_ui(ui, quote, tz, tr);
        }
    });

    if state.dialog.is_some() != had_dialog {
        // The dialog's first field takes the keyboard from the scan field.
        ui.ctx().memory_mut(|m| m.stop_text_input());
    }
    if let Some(dialog) = &mut state.dialog {
        let (close, command) =
            exit_dialogs::exit_dialog_ui(ui.ctx(), dialog, &snapshot, env.runtime, tr, env.waker);
        commands.extend(command);
        if close {
            state.dialog = None;
        }
    }
    for command in commands {
        let _ = worker.send(command);
    }
}

fn scan_row_ui(
    ui: &mut egui::Ui,
    state: &mut ExitState,
    snapshot: &ExitSnapshot,
    tr: &I18n,
    keyboard_free: bool,
    commands: &mut Vec<ExitCommand>,
) {
    ui.horizontal(|ui| {
        let label = ui.label(RichText::new(tr.t("exit.scan")).strong().size(20.0));
        let field = ui.add(
            egui::TextEdit::singleline(&mut state.scan)
                .hint_text(tr.t("exit.scan_hint"))
                .font(egui::FontId::monospace(24.0))
                .desired_width(480.0)
                .id_salt("exit-scan"),
        );
        let field = field.labelled_by(label.id);
        // The scan field keeps the keyboard unless the cashier is typing elsewhere.
        if keyboard_free && !state.payment.focus_tendered && ui.memory(|m| m.focused().is_none()) {
            field.request_focus();
        }
        if field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) && !state.scan.trim().is_empty() {
            commands.push(ExitCommand::Scan(std::mem::take(&mut state.scan)));
            field.request_focus();
        }
        if snapshot.stage.is_some() {
            ui.spinner();
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let small = Vec2::new(150.0, 48.0);
            if KeyButton::new(tr.t("exit.shift"), Some(Key::F8))
                .min_size(small)
                .enabled(keyboard_free)
                .show(ui)
            {
                state.dialog = Some(ExitDialog::shift());
            }
            if KeyButton::new(tr.t("exit.manual_open"), Some(Key::F11))
                .min_size(small)
                .enabled(keyboard_free)
                .show(ui)
            {
                state.dialog = Some(ExitDialog::manual_open());
            }
            if KeyButton::new(tr.t("exit.lost_ticket"), Some(Key::F6))
                .min_size(small)
                .enabled(keyboard_free)
                .show(ui)
            {
                state.dialog = Some(ExitDialog::lost_ticket(snapshot));
                // The car at the barrier is photographed and read: its plate is offered.
                commands.push(ExitCommand::ReadPlateAtTheBarrier);
            }
        });
    });
}

fn side_ui(
    ui: &mut egui::Ui,
    state: &mut ExitState,
    snapshot: &ExitSnapshot,
    textures: &mut super::widgets::TextureCache,
    tr: &I18n,
    keyboard_free: bool,
    commands: &mut Vec<ExitCommand>,
) {
    match &snapshot.view {
        ExitView::Ready | ExitView::Refused => {
            let refused = matches!(snapshot.view, ExitView::Refused);
            let title = if refused { tr.t("exit.state.refused") } else { tr.t("exit.state.ready") };
            let color = if refused { theme::WARN } else { theme::MUTED };
            ui.label(RichText::new(title).size(28.0).strong().color(color));
            let next = if refused { tr.t("exit.next.refused") } else { tr.t("exit.next.ready") };
            ui.label(RichText::new(next).size(18.0));
            if refused && KeyButton::new(tr.t("common.ok"), Some(Key::Escape)).enabled(keyboard_free).show(ui)
            {
                commands.push(ExitCommand::Finish);
            }
            if snapshot.receipt_preview.is_some() {
                ui.add_space(8.0);
                section_title_ui(ui, tr.t("exit.last_receipt"));
                photo_ui(
                    ui,
                    textures,
                    snapshot.receipt_preview.as_ref(),
                    Vec2::new(ui.available_width(), 260.0),
                    "",
                );
            }
        }
        ExitView::Quoted(quote) => {
            fee_ui(ui, quote, tr);
            ui.separator();
            let enabled = keyboard_free && snapshot.stage.is_none();
            match payment::payment_ui(ui, &mut state.payment, quote.fee.total, tr, enabled) {
                Some(PaymentAction::Pay(payment)) => commands.push(ExitCommand::Pay(payment)),
                Some(PaymentAction::Scan(text)) => commands.push(ExitCommand::Scan(text)),
                None => {}
            }
            ui.add_space(4.0);
            if KeyButton::new(tr.t("exit.cancel"), Some(Key::Escape))
                .enabled(enabled)
                .min_size(Vec2::new(ui.available_width(), 44.0))
                .show(ui)
            {
                commands.push(ExitCommand::Cancel);
            }
        }
        ExitView::Paid(paid) if paid.exit.forced() => {
            // An emergency exit: recorded, nothing charged, the barrier held open.
            ui.label(RichText::new(tr.t("exit.state.emergency")).size(28.0).strong().color(theme::FAULT));
            ui.label(tr.t("exit.emergency_waived"));
            if paid.persisted.journaled() {
                ui.label(RichText::new(tr.t("exit.journaled")).color(theme::WARN));
            }
            ui.label(RichText::new(tr.t("exit.next.passing")).size(18.0));
        }
        ExitView::Paid(paid) => {
            ui.label(RichText::new(tr.t("exit.state.paid")).size(28.0).strong().color(theme::GOOD));
            if let Some(change) = paid.exit.change {
                ui.label(RichText::new(tr.t("pay.change")).color(theme::MUTED));
                ui.label(
                    RichText::new(change.to_string()).text_style(theme::huge()).color(theme::GOOD).strong(),
                );
            }
            ui.label(tr.f("exit.paid_total", &[("total", &paid.exit.total)]));
            if paid.persisted.journaled() {
                ui.label(RichText::new(tr.t("exit.journaled")).color(theme::WARN));
            }
            if !paid.receipt_printed {
                ui.label(RichText::new(tr.t("exit.receipt_not_printed")).color(theme::FAULT));
            }
            if paid.barrier_opened {
                ui.label(RichText::new(tr.t("exit.next.passing")).size(18.0));
            } else {
                ui.label(RichText::new(tr.t("exit.barrier_failed")).color(theme::FAULT).strong());
                if KeyButton::new(tr.t("exit.reopen"), Some(Key::F9))
                    .primary(true)
                    .enabled(keyboard_free)
                    .show(ui)
                {
                    commands.push(ExitCommand::Reopen);
                }
            }
            ui.add_space(6.0);
            photo_ui(
                ui,
                textures,
                snapshot.receipt_preview.as_ref(),
                Vec2::new(ui.available_width(), 300.0),
                "",
            );
        }
    }
}

fn fee_ui(ui: &mut egui::Ui, quote: &Quote, tr: &I18n) {
    section_title_ui(ui, tr.t("exit.fee"));
    let language = tr.language().code();
    egui::Grid::new("fee-lines").num_columns(2).spacing([16.0, 4.0]).show(ui, |ui| {
        for line in &quote.fee.lines {
            ui.label(line.label(language));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(line.amount.to_string());
            });
            ui.end_row();
        }
    });
    ui.horizontal(|ui| {
        ui.label(RichText::new(tr.t("exit.total")).size(22.0).strong());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(
                RichText::new(quote.fee.total.to_string())
                    .text_style(theme::big())
                    .strong()
                    .color(theme::ACCENT),
            );
        });
    });
}

fn visit_ui(ui: &mut egui::Ui, quote: &Quote, tz: Tz, tr: &I18n) {
    theme::card().show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            let plate = quote.plate.clone().unwrap_or_else(|| tr.t("exit.no_plate").into());
            ui.label(RichText::new(plate).text_style(theme::big()).strong());
            ui.add_space(12.0);
            if quote.lost_ticket {
                ui.label(RichText::new(tr.t("exit.lost_badge")).color(theme::WARN).strong().size(20.0));
            }
            if let Some(member) = &quote.member {
                let until = member.valid_until.format("%d/%m/%Y");
                ui.label(
                    RichText::new(tr.f("exit.member", &[("name", &member.name), ("until", &until)]))
                        .color(theme::GOOD)
                        .strong(),
                );
            }
        });
        egui::Grid::new("visit").num_columns(4).spacing([24.0, 6.0]).show(ui, |ui| {
            let time = |at: DateTime<Utc>| at.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string();
            ui.label(RichText::new(tr.t("exit.ticket")).color(theme::MUTED));
            ui.label(
                RichText::new(if quote.ticket_no.is_empty() { "–" } else { &quote.ticket_no }).monospace(),
            );
            ui.label(RichText::new(tr.t("exit.class")).color(theme::MUTED));
            ui.label(quote.class.to_string());
            ui.end_row();
            ui.label(RichText::new(tr.t("exit.entry_time")).color(theme::MUTED));
            ui.label(quote.entry_time.map(time).unwrap_or_else(|| "–".into()));
            ui.label(RichText::new(tr.t("exit.exit_time")).color(theme::MUTED));
            ui.label(time(quote.exit_time));
            ui.end_row();
            ui.label(RichText::new(tr.t("exit.duration")).color(theme::MUTED));
            ui.label(quote.fee.stay_min.map(|m| duration_text(m, tr)).unwrap_or_else(|| "–".into()));
            ui.end_row();
        });
    });
}

/// The plate read from the exit photo of the visit on screen, and a mismatch with the entry's.
fn exit_plate_ui(ui: &mut egui::Ui, snapshot: &ExitSnapshot, tr: &I18n) {
    let Some(read) = &snapshot.exit_plate else { return };
    let on_screen = match &snapshot.view {
        ExitView::Quoted(quote) => quote.entry_id == read.entry_id,
        ExitView::Paid(paid) => paid.exit.entry_id == read.entry_id,
        ExitView::Ready | ExitView::Refused => false,
    };
    if !on_screen {
        return;
    }
    let percent = format!("{:.0}", read.confidence * 100.0);
    let text = tr.f("plates.exit.read", &[("plate", &read.plate), ("percent", &percent)]);
    ui.label(RichText::new(text).color(if read.compared { theme::GOOD } else { theme::MUTED }).strong());
    if let Some(mismatch) = &read.mismatch {
        theme::banner(theme::WARN_BG, theme::WARN).show(ui, |ui| {
            ui.set_width(ui.available_width());
            let text = tr.f(
                "plates.exit.mismatch",
                &[("entry", &mismatch.entry_plate), ("exit", &mismatch.exit_plate)],
            );
            ui.label(RichText::new(text).color(theme::WARN).strong().size(18.0));
        });
    }
}

fn notice_ui(ui: &mut egui::Ui, notice: Option<&ExitNotice>, tr: &I18n) {
    let Some(notice) = notice else { return };
    let (text, color) = exit_notice_text(notice, tr);
    ui.label(RichText::new(text).color(color).size(18.0).strong());
}

/// A notice in the operator's words, and its colour.
pub fn exit_notice_text(notice: &ExitNotice, tr: &I18n) -> (String, egui::Color32) {
    use crate::domain::ticket::TicketError;
    let warn = |text: String| (text, theme::WARN);
    match notice {
        ExitNotice::TicketInvalid(TicketError::BadTag) => warn(tr.t("exit.notice.bad_tag").into()),
        ExitNotice::TicketInvalid(TicketError::ForeignSite { site }) => {
            warn(tr.f("exit.notice.foreign_site", &[("site", site)]))
        }
        ExitNotice::TicketInvalid(_) => warn(tr.t("exit.notice.damaged").into()),
        ExitNotice::Unrecognised(text) => warn(tr.f("exit.notice.unrecognised", &[("text", text)])),
        ExitNotice::NotFound(text) => warn(tr.f("exit.notice.not_found", &[("text", text)])),
        ExitNotice::NeedsDatabase => warn(tr.t("exit.notice.needs_database").into()),
        ExitNotice::AlreadyExited { time, booth } => {
            warn(tr.f("exit.notice.already_exited", &[("time", time), ("booth", booth)]))
        }
        ExitNotice::NothingToPay => warn(tr.t("exit.notice.nothing_to_pay").into()),
        ExitNotice::NotEnoughCash { tendered, total } => {
            warn(tr.f("exit.notice.not_enough", &[("tendered", tendered), ("total", total)]))
        }
        ExitNotice::NoShift => warn(tr.t("exit.notice.no_shift").into()),
        ExitNotice::ReasonRequired => warn(tr.t("exit.notice.reason_required").into()),
        ExitNotice::NotAllowed(role) => {
            warn(tr.f("exit.notice.not_allowed", &[("role", &tr.t(&format!("role.{}", role.as_str())))]))
        }
        ExitNotice::NoTariff(class) => warn(tr.f("exit.notice.no_tariff", &[("class", class)])),
        ExitNotice::Store(detail) => (tr.f("exit.notice.store", &[("detail", detail)]), theme::FAULT),
        ExitNotice::NotSaved(detail) => (tr.f("exit.notice.not_saved", &[("detail", detail)]), theme::FAULT),
        ExitNotice::Device(detail) => (tr.f("exit.notice.device", &[("detail", detail)]), theme::FAULT),
        ExitNotice::ManualOpened => (tr.t("exit.notice.manual_opened").into(), theme::GOOD),
        ExitNotice::EmergencyExit => (tr.t("exit.notice.emergency_exit").into(), theme::WARN),
        ExitNotice::NoEmergency => warn(tr.t("exit.notice.no_emergency").into()),
        ExitNotice::ShiftOpened { journaled: false } => {
            (tr.t("exit.notice.shift_opened").into(), theme::GOOD)
        }
        ExitNotice::ShiftOpened { journaled: true } => warn(tr.t("exit.notice.shift_opened_offline").into()),
        ExitNotice::NoEntry(ticket) => warn(tr.f("exit.notice.no_entry", &[("ticket", ticket)])),
        ExitNotice::LedgerUnavailable(detail) => {
            (tr.f("exit.notice.ledger", &[("detail", detail)]), theme::FAULT)
        }
        ExitNotice::JournalPending(waiting) => {
            warn(tr.f("exit.notice.journal_pending", &[("count", waiting)]))
        }
        ExitNotice::NegativeAmount => warn(tr.t("exit.notice.negative").into()),
        ExitNotice::NotTaken(_) => warn(tr.t("common.busy").into()),
    }
}

/// `2 jam 15 menit` / `2 h 15 min`.
pub fn duration_text(minutes: i64, tr: &I18n) -> String {
    let (hours, mins) = (minutes / 60, minutes % 60);
    if hours == 0 {
        tr.f("common.duration_m", &[("m", &mins)])
    } else {
        tr.f("common.duration_hm", &[("h", &hours), ("m", &mins)])
    }
}
