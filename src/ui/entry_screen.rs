//! ParkingIN: the lane's state and what to do next, the camera, plate and class quick keys,
//! the guard key, the barrier, the ticket as printed, occupancy and the last entries.

use egui::{Color32, Key, RichText, Vec2};

use super::app::Env;
use super::i18n::I18n;
use super::theme;
use super::widgets::{KeyButton, barrier_ui, photo_ui, section_title_ui};
use crate::devices::BarrierPosition;
use crate::domain::{ClassCode, Plate};
use crate::lane::entry::EntryPhase;
use crate::lane::worker::{EntryCommand, EntryNotice, EntrySnapshot, EntryStage};

/// Function keys of the vehicle-class quick keys, in class order.
const CLASS_KEYS: [Key; 6] = [Key::F6, Key::F7, Key::F8, Key::F10, Key::F11, Key::F12];

/// The guard's inputs.
#[derive(Default)]
pub struct EntryState {
    plate: String,
    class: Option<ClassCode>,
    /// The read last put into the plate field, so a guard's correction is never overwritten.
    prefilled: Option<String>,
}

/// How a state reads: headline, what to do next, and its colour.
struct Headline {
    title: String,
    next: String,
    color: Color32,
}

/// The entry screen.
pub fn entry_screen_ui(ui: &mut egui::Ui, state: &mut EntryState, env: Env<'_>, modal_open: bool) {
    let Some(worker) = env.runtime.entry() else { return };
    let snapshot = worker.snapshot();
    let tr = env.tr;
    if state.class.is_none() {
        state.class = snapshot
            .classes
            .iter()
            .find(|c| c.code.as_str() == "MBL")
            .or(snapshot.classes.first())
            .map(|c| c.code.clone());
    }
    let position = env.runtime.barrier().map(|b| b.position()).unwrap_or(BarrierPosition::Unknown);
    let mut command = None;

    egui::Panel::right("entry-side")
        .exact_size(430.0)
        .resizable(false)
        .frame(theme::panel(6, 10, 10, 10))
        .show(ui, |ui| {
            theme::card().show(ui, |ui| {
                ui.set_width(ui.available_width());
                section_title_ui(ui, tr.t("entry.barrier"));
                ui.horizontal(|ui| {
                    barrier_ui(ui, position, tr);
                });
                occupancy_ui(ui, &snapshot, tr);
            });
            ui.add_space(10.0);
            theme::card().show(ui, |ui| {
                ui.set_width(ui.available_width());
                section_title_ui(ui, tr.t("entry.ticket_preview"));
                let height = (ui.available_height() * 0.45).clamp(160.0, 320.0);
                photo_ui(
                    ui,
                    env.textures,
                    snapshot.ticket_preview.as_ref(),
                    Vec2::new(ui.available_width(), height),
                    tr.t("entry.no_ticket_yet"),
                );
            });
            ui.add_space(10.0);
            theme::card().show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.set_min_height(ui.available_height() - 28.0);
                section_title_ui(ui, tr.t("entry.recent"));
                recent_ui(ui, &snapshot, env.runtime.config().timezone(), tr);
            });
        });

    let headline = headline(&snapshot, position, tr);
    egui::Panel::top("entry-state").frame(theme::panel(10, 6, 10, 0)).show(ui, |ui| {
        theme::card().stroke(egui::Stroke::new(2.0, headline.color)).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(&headline.title).size(30.0).strong().color(headline.color));
            ui.label(RichText::new(&headline.next).size(20.0));
            if let Some(detail) = fault_detail(&snapshot) {
                ui.label(RichText::new(detail).size(14.0).color(theme::MUTED));
            }
        });
    });
    egui::Panel::bottom("entry-guard").frame(theme::panel(10, 6, 10, 10)).show(ui, |ui| {
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            command = guard_ui(ui, state, &snapshot, tr, modal_open);
        });
    });
    egui::CentralPanel::default().frame(theme::panel(10, 6, 10, 0)).show(ui, |ui| {
        theme::card().show(ui, |ui| {
            ui.set_width(ui.available_width());
            let (picture, title) = match (&snapshot.preview, &snapshot.last_photo) {
                (Some(preview), _) => (Some(preview), tr.t("entry.camera_live")),
                (None, photo) => (photo.as_ref(), tr.t("entry.camera_last")),
            };
            section_title_ui(ui, title);
            let size = Vec2::new(ui.available_width(), (ui.available_height() - 8.0).max(120.0));
            photo_ui(ui, env.textures, picture, size, tr.t("entry.no_photo"));
        });
    });

    if let Some(command) = command {
        if matches!(command, EntryCommand::Issue { .. }) {
            state.plate.clear();
        }
        let _ = worker.send(command);
    }
}

/// The plate reader's read of the vehicle on the loop: a confident read fills the empty field
/// once (the guard may correct it), a weak one is offered as a suggestion to take with a click.
fn plate_read_ui(ui: &mut egui::Ui, state: &mut EntryState, snapshot: &EntrySnapshot, tr: &I18n) {
    let Some(read) = &snapshot.plate else {
        state.prefilled = None;
        return;
    };
    let percent = (read.confidence * 100.0).round();
    if read.filled {
        if state.plate.trim().is_empty() && state.prefilled.as_deref() != Some(read.plate.as_str()) {
            state.plate = read.plate.clone();
            state.prefilled = Some(read.plate.clone());
        }
        let mark = tr.f("plates.entry.read_mark", &[("percent", &percent)]);
        ui.label(RichText::new(mark).strong().color(theme::GOOD));
    } else {
        let text = tr.f("plates.entry.suggestion", &[("plate", &read.plate), ("percent", &percent)]);
        if ui.button(RichText::new(text).color(theme::WARN)).clicked() {
            state.plate = read.plate.clone();
            state.prefilled = Some(read.plate.clone());
        }
    }
}

fn guard_ui(
    ui: &mut egui::Ui,
    state: &mut EntryState,
    snapshot: &EntrySnapshot,
    tr: &I18n,
    modal_open: bool,
) -> Option<EntryCommand> {
    let mut command = None;
    let busy = snapshot.stage.is_some() || !snapshot.ready;
    ui.horizontal(|ui| {
        let label = ui.label(RichText::new(tr.t("entry.plate")).strong());
        let field = ui.add(
            egui::TextEdit::singleline(&mut state.plate)
                .hint_text(tr.t("entry.plate_hint"))
                .font(egui::FontId::proportional(26.0))
                .desired_width(260.0)
                .char_limit(14)
                .id_salt("entry-plate"),
        );
        let field = field.labelled_by(label.id);
        if field.changed() {
            state.plate = state.plate.to_uppercase();
        }
        if !modal_open && ui.memory(|m| m.focused().is_none()) {
            field.request_focus();
        }
        let plate = Plate::normalise(&state.plate);
        let shown = plate.as_ref().map(|p| p.to_string()).unwrap_or_else(|| tr.t("entry.no_plate").into());
        ui.label(RichText::new(shown).size(22.0).strong().color(theme::MUTED));
        if field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) && !busy {
            command = state.class.clone().map(|class| EntryCommand::Issue { class, plate: plate.clone() });
        }
    });
    // The reader's read on a line of its own, kept while the booth reads plates: beside the
    // field it pushed the plate past the column, and a line that came and went would move the
    // class and ticket buttons under the guard's finger.
    if snapshot.reads_plates {
        ui.horizontal(|ui| {
            ui.set_min_height(ui.spacing().interact_size.y);
            plate_read_ui(ui, state, snapshot, tr);
        });
    } else {
        state.prefilled = None;
    }
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(tr.t("entry.class")).strong());
        for (class, key) in snapshot.classes.iter().zip(CLASS_KEYS) {
            let selected = state.class.as_ref() == Some(&class.code);
            let label = class.name(tr.language().code());
            if KeyButton::new(label, Some(key)).primary(selected).min_size(Vec2::new(130.0, 50.0)).show(ui) {
                state.class = Some(class.code.clone());
            }
        }
    });
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        let issue = KeyButton::new(tr.t("entry.issue"), Some(Key::F2))
            .primary(true)
            .enabled(!busy && !modal_open && state.class.is_some())
            .min_size(Vec2::new(230.0, 60.0))
            .show(ui);
        if issue && let Some(class) = state.class.clone() {
            command = Some(EntryCommand::Issue { class, plate: Plate::normalise(&state.plate) });
        }
        let fault = matches!(snapshot.phase, EntryPhase::Fault(_));
        if KeyButton::new(tr.t("entry.reprint"), Some(Key::F5)).enabled(!busy && !modal_open).show(ui) {
            command = Some(EntryCommand::Reprint);
        }
        if KeyButton::new(tr.t("entry.open_barrier"), Some(Key::F9))
            .enabled(!busy && !modal_open && fault)
            .show(ui)
        {
            command = Some(EntryCommand::OpenBarrier);
        }
        if busy {
            ui.spinner();
        }
    });
    command
}

fn occupancy_ui(ui: &mut egui::Ui, snapshot: &EntrySnapshot, tr: &I18n) {
    let inside = snapshot.inside.map(|n| n.to_string()).unwrap_or_else(|| "–".into());
    let text = match snapshot.capacity {
        Some(capacity) => tr.f("entry.occupancy_of", &[("inside", &inside), ("capacity", &capacity)]),
        None => tr.f("entry.occupancy", &[("inside", &inside)]),
    };
    ui.label(RichText::new(text).size(20.0).strong());
    if let (Some(inside), Some(capacity)) = (snapshot.inside, snapshot.capacity) {
        let fraction = inside as f32 / capacity.max(1) as f32;
        let color = if fraction >= 1.0 { theme::FAULT } else { theme::ACCENT };
        ui.add(egui::ProgressBar::new(fraction.min(1.0)).fill(color).desired_height(10.0));
    }
}

fn recent_ui(ui: &mut egui::Ui, snapshot: &EntrySnapshot, tz: chrono_tz::Tz, tr: &I18n) {
    if snapshot.recent.is_empty() {
        ui.label(RichText::new(tr.t("entry.no_recent")).color(theme::MUTED));
        return;
    }
    egui::ScrollArea::vertical().id_salt("recent-entries").show(ui, |ui| {
        egui::Grid::new("recent-grid").striped(true).num_columns(4).spacing([10.0, 6.0]).show(ui, |ui| {
            for ticket in &snapshot.recent {
                ui.label(RichText::new(&ticket.ticket_no).monospace().size(15.0));
                ui.label(
                    RichText::new(ticket.entry_time.with_timezone(&tz).format("%H:%M").to_string())
                        .size(16.0),
                );
                let plate =
                    ticket.plate.clone().or_else(|| ticket.member.clone()).unwrap_or_else(|| "–".into());
                ui.label(RichText::new(plate).size(16.0));
                if ticket.journaled {
                    ui.label(RichText::new(tr.t("entry.journaled")).color(theme::WARN).size(14.0));
                } else {
                    ui.label(RichText::new(ticket.class.to_string()).size(14.0).color(theme::MUTED));
                }
                ui.end_row();
            }
        });
    });
}

fn headline(snapshot: &EntrySnapshot, position: BarrierPosition, tr: &I18n) -> Headline {
    let h = |title: &str, next: &str, color| Headline {
        title: tr.t(title).into(),
        next: tr.t(next).into(),
        color,
    };
    if !snapshot.ready {
        return h("entry.state.starting", "entry.next.starting", theme::MUTED);
    }
    match snapshot.stage {
        Some(EntryStage::Issuing) => return h("entry.state.issuing", "entry.next.wait", theme::ACCENT),
        Some(EntryStage::Photographing) => {
            return h("entry.state.photographing", "entry.next.wait", theme::ACCENT);
        }
        Some(EntryStage::Printing) => return h("entry.state.printing", "entry.next.wait", theme::ACCENT),
        None => {}
    }
    match &snapshot.phase {
        EntryPhase::Ready => {
            let mut headline = h("entry.state.ready", "entry.next.ready", theme::MUTED);
            if let Some(EntryNotice::Issued { ticket_no, .. }) = &snapshot.notice {
                headline.next = tr.f("entry.last_issued", &[("ticket", ticket_no)]);
            }
            headline
        }
        EntryPhase::VehicleWaiting => {
            h("entry.state.vehicle_waiting", "entry.next.vehicle_waiting", theme::ACCENT)
        }
        EntryPhase::VehiclePassing { ticket_no } => {
            let title = if position == BarrierPosition::Opening {
                "entry.state.opening"
            } else {
                "entry.state.passing"
            };
            let mut headline = h(title, "entry.next.passing", theme::GOOD);
            headline.title = tr.f(title, &[("ticket", ticket_no)]);
            if let Some(EntryNotice::Issued { member: Some(name), .. }) = &snapshot.notice {
                headline.next = tr.f("entry.member_welcome", &[("name", name)]);
            }
            headline
        }
        EntryPhase::Refused(_) | EntryPhase::Fault(_) => notice_headline(snapshot.notice.as_ref(), tr),
    }
}

fn notice_headline(notice: Option<&EntryNotice>, tr: &I18n) -> Headline {
    let warn = |title: String, next: &str| Headline { title, next: tr.t(next).into(), color: theme::WARN };
    let fault = |title: &str, next: &str| Headline {
        title: tr.t(title).into(),
        next: tr.t(next).into(),
        color: theme::FAULT,
    };
    match notice {
        Some(EntryNotice::Full { inside, capacity }) => {
            warn(tr.f("entry.refused.full", &[("inside", inside), ("capacity", capacity)]), "entry.next.full")
        }
        Some(EntryNotice::NoVehicle) => {
            warn(tr.t("entry.refused.no_vehicle").into(), "entry.next.no_vehicle")
        }
        Some(EntryNotice::UnknownCard(card)) => {
            warn(tr.f("entry.refused.unknown_card", &[("card", card)]), "entry.next.take_ticket")
        }
        Some(EntryNotice::ExpiredCard { name, valid_until }) => warn(
            tr.f("entry.refused.expired_card", &[("name", name), ("date", &valid_until.format("%d/%m/%Y"))]),
            "entry.next.take_ticket",
        ),
        Some(EntryNotice::InactiveCard(name)) => {
            warn(tr.f("entry.refused.inactive_card", &[("name", name)]), "entry.next.take_ticket")
        }
        Some(EntryNotice::CardOffline) => {
            warn(tr.t("entry.refused.card_offline").into(), "entry.next.take_ticket")
        }
        Some(EntryNotice::UnknownClass(class)) => {
            warn(tr.f("entry.refused.unknown_class", &[("class", class)]), "entry.next.call_admin")
        }
        Some(EntryNotice::PrinterFault(_)) => fault("entry.fault.printer", "entry.next.printer"),
        Some(EntryNotice::BarrierFault(_)) => fault("entry.fault.barrier", "entry.next.barrier"),
        Some(EntryNotice::NotSaved(_)) => fault("entry.fault.not_saved", "entry.next.call_technician"),
        Some(EntryNotice::TicketCode(_)) => fault("entry.fault.ticket_code", "entry.next.call_technician"),
        Some(EntryNotice::NotTaken(_)) => warn(tr.t("common.busy").into(), "entry.next.wait"),
        Some(EntryNotice::Issued { .. }) | None => fault("entry.fault.device", "entry.next.call_technician"),
    }
}

fn fault_detail(snapshot: &EntrySnapshot) -> Option<String> {
    match &snapshot.notice {
        Some(
            EntryNotice::PrinterFault(detail)
            | EntryNotice::BarrierFault(detail)
            | EntryNotice::NotSaved(detail)
            | EntryNotice::TicketCode(detail),
        ) if !detail.is_empty() => Some(detail.clone()),
        _ => None,
    }
}
