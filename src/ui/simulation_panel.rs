//! The simulation controls beside the working screen: vehicles, the ticket button, sample
//! cards (member, expired, unknown), scanning recent tickets, printer paper, a broken camera,
//! the simulated database outage, and the simulated printer's output as a picture.

use egui::{RichText, Vec2};

use super::app::Env;
use super::i18n::I18n;
use super::runtime::{BoothRuntime, SIM_EXPIRED_CARD, SIM_MEMBER_CARD, SIM_UNKNOWN_CARD};
use super::task::Task;
use super::theme;
use super::widgets::{photo_ui, section_title_ui};
use crate::config::Mode;
use crate::devices::LinkState;
use crate::devices::input::CardUid;
use crate::devices::printer::Printer;
use crate::lane::worker::Picture;
use crate::store::{PageRequest, VisitFilter, VisitState};

/// A ticket the simulation can scan at the exit.
#[derive(Debug, Clone)]
pub struct SampleTicket {
    /// Ticket number.
    pub ticket_no: String,
    /// Signed code.
    pub code: String,
    /// Plate, for the simulated camera.
    pub plate: Option<String>,
}

/// The panel's state.
#[derive(Default)]
pub struct SimPanelState {
    arrivals: u32,
    tickets: Option<Task<Result<Vec<SampleTicket>, String>>>,
    printed: Option<(u64, Picture)>,
    camera_broken: bool,
}

/// Shows the panel on the right of the working screen.
pub fn simulation_panel_ui(ui: &mut egui::Ui, state: &mut SimPanelState, env: Env<'_>) {
    let runtime = env.runtime;
    let tr = env.tr;
    egui::Panel::right("simulation-panel")
        .exact_size(280.0)
        .resizable(false)
        .frame(egui::Frame::new().fill(theme::WARN_BG).inner_margin(egui::Margin::same(12)))
        .show(ui, |ui| {
            egui::ScrollArea::vertical().id_salt("sim-scroll").show(ui, |ui| {
                ui.label(RichText::new(tr.t("sim.title")).size(22.0).strong().color(theme::WARN));
                ui.add_space(4.0);
                let full = Vec2::new(ui.available_width(), 40.0);
                if let Some(controller) = runtime.sim_controller() {
                    section_title_ui(ui, tr.t("sim.vehicle"));
                    if ui.add(egui::Button::new(tr.t("sim.arrives")).min_size(full)).clicked() {
                        state.arrivals += 1;
                        if let Some(camera) = runtime.sim_camera() {
                            camera.set_vehicle(Some(sample_plate(state.arrivals)));
                        }
                        report(controller.vehicle_arrives());
                    }
                    if ui.add(egui::Button::new(tr.t("sim.leaves")).min_size(full)).clicked() {
                        report(controller.vehicle_leaves());
                        if let Some(camera) = runtime.sim_camera() {
                            camera.set_vehicle(None);
                        }
                    }
                    if runtime.mode() == Mode::Entry
                        && ui.add(egui::Button::new(tr.t("sim.button")).min_size(full)).clicked()
                    {
                        report(controller.press_button());
                    }
                    let on_loop =
                        if controller.loop_occupied() { tr.t("sim.on_loop") } else { tr.t("sim.loop_free") };
                    ui.label(RichText::new(on_loop).color(theme::MUTED));
                }
                if let Some(reader) = runtime.sim_reader() {
                    ui.add_space(6.0);
                    section_title_ui(ui, tr.t("sim.cards"));
                    for (card, key) in [
                        (SIM_MEMBER_CARD, "sim.card_member"),
                        (SIM_EXPIRED_CARD, "sim.card_expired"),
                        (SIM_UNKNOWN_CARD, "sim.card_unknown"),
                    ] {
                        if ui.add(egui::Button::new(tr.t(key)).min_size(full)).clicked() {
                            report(reader.tap_card(CardUid::from_u32(card)));
                        }
                    }
                }
                if runtime.mode() == Mode::Exit {
                    ui.add_space(6.0);
                    tickets_ui(ui, state, &env, full);
                }
                ui.add_space(6.0);
                section_title_ui(ui, tr.t("sim.faults"));
                devices_ui(ui, state, runtime, tr);
                ui.add_space(6.0);
                printer_output_ui(ui, state, env);
            });
        });
}

fn tickets_ui(ui: &mut egui::Ui, state: &mut SimPanelState, env: &Env<'_>, full: Vec2) {
    let tr = env.tr;
    let runtime = env.runtime;
    section_title_ui(ui, tr.t("sim.scan_recent"));
    if ui.small_button(tr.t("sim.refresh")).clicked() {
        state.tickets = None;
    }
    let task = state.tickets.get_or_insert_with(|| {
        let store = runtime.store();
        let site = runtime.config().site.code.clone();
        Task::spawn("sim-tickets", env.waker, move || {
            // The simulated vehicles inside are the ones to scan here.
            let filter = VisitFilter {
                site: Some(site),
                state: Some(VisitState::Inside),
                include_simulated: true,
                ..VisitFilter::default()
            };
            let page =
                store.list_visits(&filter, PageRequest { offset: 0, limit: 6 }).map_err(|e| e.to_string())?;
            Ok(page
                .rows
                .into_iter()
                .map(|visit| SampleTicket {
                    ticket_no: visit.entry.ticket_no,
                    code: visit.entry.ticket_code,
                    plate: visit.entry.plate,
                })
                .collect())
        })
    });
    let mut scanned = false;
    match task.poll() {
        None => {
            ui.spinner();
        }
        Some(Err(err)) => {
            ui.label(RichText::new(err).color(theme::WARN).size(14.0));
        }
        Some(Ok(tickets)) if tickets.is_empty() => {
            ui.label(RichText::new(tr.t("sim.no_tickets")).color(theme::MUTED));
        }
        Some(Ok(tickets)) => {
            for ticket in tickets {
                let label = tr.f("sim.scan_ticket", &[("ticket", &ticket.ticket_no)]);
                if ui.add(egui::Button::new(label).min_size(full)).clicked()
                    && let Some(scanner) = runtime.sim_scanner()
                {
                    if let Some(camera) = runtime.sim_camera() {
                        camera.set_vehicle(ticket.plate.clone().or_else(|| Some(sample_plate(1))));
                    }
                    report(scanner.scan(&ticket.code));
                    scanned = true;
                }
            }
        }
    }
    if scanned {
        state.tickets = None;
    }
}

fn devices_ui(ui: &mut egui::Ui, state: &mut SimPanelState, runtime: &BoothRuntime, tr: &I18n) {
    if let Some(printer) = runtime.sim_printer() {
        let mut paper_out = printer.status().state == LinkState::Fault;
        if ui.checkbox(&mut paper_out, tr.t("sim.paper_out")).changed() {
            printer.set_paper_out(paper_out);
        }
    }
    if let Some(camera) = runtime.sim_camera()
        && ui.checkbox(&mut state.camera_broken, tr.t("sim.camera_broken")).changed()
    {
        camera.set_broken(state.camera_broken);
    }
    let mut down = runtime.database_down();
    if ui.checkbox(&mut down, tr.t("sim.database_down")).changed() {
        runtime.set_database_down(down);
    }
}

fn printer_output_ui(ui: &mut egui::Ui, state: &mut SimPanelState, env: Env<'_>) {
    let Some(printer) = env.runtime.sim_printer() else { return };
    section_title_ui(ui, env.tr.t("sim.printer_output"));
    if let Some(slip) = printer.last_output()
        && state.printed.as_ref().is_none_or(|(number, _)| *number != slip.number)
    {
        state.printed = Some((slip.number, Picture::from_shared(slip.image.clone())));
    }
    let picture = state.printed.as_ref().map(|(_, picture)| picture);
    let width = ui.available_width();
    photo_ui(ui, env.textures, picture, Vec2::new(width, 420.0), env.tr.t("sim.nothing_printed"));
}

/// A plausible Jakarta plate for the `n`th simulated vehicle.
fn sample_plate(n: u32) -> String {
    const SUFFIXES: [&str; 6] = ["KJA", "TRX", "ABC", "UYZ", "PQR", "SDM"];
    format!("B {} {}", 1000 + (n * 7919) % 8999, SUFFIXES[(n as usize) % SUFFIXES.len()])
}

fn report(result: Result<(), crate::devices::DeviceError>) {
    if let Err(err) = result {
        tracing::warn!("simulated input not delivered: {err}");
    }
}
