//! Technician diagnostics: serial ports with their USB ids, a raw monitor of a typed port path
//! (hex and ASCII) that can send commands or bytes, a relay pulse test, a camera snapshot and a
//! printer test page. Every device call runs on a background thread.

use std::time::Duration;

use egui::{RichText, Vec2};

use super::i18n::I18n;
use super::inbox::Waker;
use super::runtime::BoothRuntime;
use super::serial_monitor::{SerialMonitor, parse_send};
use super::task::Task;
use super::theme;
use super::widgets::{TextureCache, photo_ui, section_title_ui};
use serde_json::json;

use crate::devices::barrier::{Barrier, test_barrier};
use crate::devices::printer::print_test_page;
use crate::devices::serial::{DEFAULT_BAUD, PortInfo, list_ports};
use crate::lane::LaneContext;
use crate::lane::worker::Picture;
use crate::store::AuditRecord;

/// How long the relay test keeps the barrier open.
const PULSE_MS: u64 = 1_000;

/// The diagnostics window's state.
pub struct DiagnosticsState {
    ports: Option<Task<Result<Vec<PortInfo>, String>>>,
    path: String,
    baud: String,
    monitor: Option<SerialMonitor>,
    send: String,
    relay: Option<Task<Result<(), String>>>,
    camera: Option<Task<Result<Picture, String>>>,
    printer: Option<Task<Result<(), String>>>,
    textures: TextureCache,
}

impl Default for DiagnosticsState {
    fn default() -> Self {
        Self {
            ports: None,
            path: String::new(),
            baud: DEFAULT_BAUD.to_string(),
            monitor: None,
            send: String::new(),
            relay: None,
            camera: None,
            printer: None,
            textures: TextureCache::default(),
        }
    }
}

/// Pulses the barrier relay and audits it like a manual open: who, which relay, when, and how
/// it went (to the database, or the journal while it is away).
pub fn audited_relay_test(
    lane_ctx: &LaneContext,
    barrier: &dyn Barrier,
    operator: Option<String>,
    port: Option<String>,
) -> Result<(), String> {
    let result = test_barrier(barrier, Duration::from_millis(PULSE_MS)).map_err(|e| e.to_string());
    let record = AuditRecord {
        time: lane_ctx.clock.now(),
        site: lane_ctx.site.code.clone(),
        booth: lane_ctx.booth.clone(),
        username: operator,
        action: "relay_test".into(),
        detail: json!({
            "device": "barrier",
            "port": port,
            "pulse_ms": PULSE_MS,
            "ok": result.is_ok(),
            "error": result.as_ref().err(),
            "via": "diagnostics",
        }),
    };
    if let Err(err) = lane_ctx.recorder().audit(&record, None) {
        tracing::warn!("relay test not audited: {err}");
    }
    result
}

/// Shows the window; false once the technician closes it.
pub fn diagnostics_ui(
    ctx: &egui::Context,
    state: &mut DiagnosticsState,
    runtime: &BoothRuntime,
    tr: &I18n,
    waker: &Waker,
) -> bool {
    let mut open = true;
    egui::Window::new(tr.t("diag.title"))
        .open(&mut open)
        .default_size(Vec2::new(900.0, 640.0))
        .collapsible(false)
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().id_salt("diag-scroll").show(ui, |ui| {
                ports_ui(ui, state, tr, waker);
                ui.separator();
                monitor_ui(ui, state, tr, waker);
                ui.separator();
                tests_ui(ui, state, runtime, tr, waker);
            });
        });
    state.textures.end_frame();
    open
}

fn ports_ui(ui: &mut egui::Ui, state: &mut DiagnosticsState, tr: &I18n, waker: &Waker) {
    ui.horizontal(|ui| {
        section_title_ui(ui, tr.t("diag.ports"));
        if ui.small_button(tr.t("sim.refresh")).clicked() {
            state.ports = None;
        }
    });
    let task = state.ports.get_or_insert_with(|| {
        Task::spawn("list-ports", waker, || list_ports().map_err(|err| err.to_string()))
    });
    match task.poll() {
        None => {
            ui.spinner();
        }
        Some(Err(err)) => {
            ui.label(RichText::new(err).color(theme::FAULT));
        }
        Some(Ok(ports)) if ports.is_empty() => {
            let key = if cfg!(windows) { "diag.no_ports_windows" } else { "diag.no_ports" };
            ui.label(RichText::new(tr.t(key)).color(theme::MUTED));
        }
        Some(Ok(ports)) => {
            let mut picked = None;
            egui::Grid::new("ports").striped(true).num_columns(4).show(ui, |ui| {
                for port in ports {
                    if ui.link(RichText::new(&port.name).monospace()).clicked() {
                        picked = Some(port.name.clone());
                    }
                    ui.label(port.kind);
                    match &port.usb {
                        Some(usb) => {
                            ui.label(RichText::new(format!("{:04X}:{:04X}", usb.vid, usb.pid)).monospace());
                            let name =
                                [usb.manufacturer.clone(), usb.product.clone(), usb.serial_number.clone()];
                            ui.label(name.into_iter().flatten().collect::<Vec<_>>().join(" · "));
                        }
                        None => {
                            ui.label("");
                            ui.label("");
                        }
                    }
                    ui.end_row();
                }
            });
            if let Some(path) = picked {
                state.path = path;
            }
        }
    }
    ui.label(RichText::new(tr.t("diag.pty_note")).size(14.0).color(theme::MUTED));
}

fn monitor_ui(ui: &mut egui::Ui, state: &mut DiagnosticsState, tr: &I18n, waker: &Waker) {
    section_title_ui(ui, tr.t("diag.monitor"));
    ui.horizontal(|ui| {
        let label = ui.label(tr.t("diag.path"));
        ui.add(egui::TextEdit::singleline(&mut state.path).desired_width(260.0).hint_text("/dev/ttyUSB0"))
            .labelled_by(label.id);
        let label = ui.label(tr.t("diag.baud"));
        ui.add(egui::TextEdit::singleline(&mut state.baud).desired_width(90.0)).labelled_by(label.id);
        if state.monitor.is_none() {
            let baud = state.baud.trim().parse::<u32>().ok();
            let ready = !state.path.trim().is_empty() && baud.is_some();
            if ui.add_enabled(ready, egui::Button::new(tr.t("diag.start"))).clicked()
                && let Some(baud) = baud
            {
                match SerialMonitor::start(state.path.trim(), baud, waker) {
                    Ok(monitor) => state.monitor = Some(monitor),
                    Err(err) => tracing::error!("serial monitor could not start: {err}"),
                }
            }
        } else if ui.button(tr.t("diag.stop")).clicked() {
            state.monitor = None;
        }
    });
    if let Some(monitor) = &state.monitor {
        let lines = monitor.lines();
        egui::Frame::new().fill(egui::Color32::from_rgb(0x1F, 0x29, 0x33)).inner_margin(8).show(ui, |ui| {
            ui.set_width(ui.available_width());
            egui::ScrollArea::vertical().max_height(220.0).stick_to_bottom(true).id_salt("monitor").show(
                ui,
                |ui| {
                    for line in &lines {
                        ui.label(RichText::new(line).monospace().color(theme::BAR_TEXT).size(14.0));
                    }
                },
            );
        });
        ui.horizontal(|ui| {
            let label = ui.label(tr.t("diag.send"));
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut state.send)
                        .desired_width(360.0)
                        .hint_text("OPEN\\n · hex:A0 01 01 A2"),
                )
                .labelled_by(label.id);
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button(tr.t("diag.send_button")).clicked() || enter {
                match parse_send(&state.send) {
                    Some(bytes) => {
                        if monitor.send(bytes) {
                            state.send.clear();
                        } else {
                            tracing::warn!("serial monitor busy or closed");
                        }
                    }
                    None => tracing::warn!("not valid hex: {}", state.send),
                }
            }
        });
        if parse_send(&state.send).is_none() {
            ui.label(RichText::new(tr.t("diag.bad_hex")).color(theme::WARN));
        }
    }
}

fn tests_ui(
    ui: &mut egui::Ui,
    state: &mut DiagnosticsState,
    runtime: &BoothRuntime,
    tr: &I18n,
    waker: &Waker,
) {
    section_title_ui(ui, tr.t("diag.tests"));
    let Some(lane) = runtime.lane() else {
        ui.label(RichText::new(tr.t("diag.no_devices")).color(theme::MUTED));
        return;
    };
    let devices = lane.devices();
    ui.horizontal(|ui| {
        let idle = |task: &mut Option<Task<Result<(), String>>>| task.as_mut().is_none_or(|t| !t.running());
        if ui.add_enabled(idle(&mut state.relay), egui::Button::new(tr.t("diag.relay"))).clicked() {
            let barrier = devices.barrier();
            let port = devices.statuses().into_iter().find(|s| s.name == "barrier").map(|s| s.port);
            let lane_ctx = runtime.lane_context().clone();
            let operator = runtime.heartbeat().report().operator;
            state.relay = Some(Task::spawn("relay-test", waker, move || {
                audited_relay_test(&lane_ctx, barrier.as_ref(), operator, port)
            }));
        }
        if ui.add_enabled(idle(&mut state.printer), egui::Button::new(tr.t("diag.test_page"))).clicked() {
            let printer = devices.printer();
            let config = runtime.config();
            let (site, booth) = (config.site.name.clone(), config.booth.code.clone());
            let at =
                runtime.clock().now().with_timezone(&config.timezone()).format("%d/%m/%Y %H:%M").to_string();
            state.printer = Some(Task::spawn("printer-test", waker, move || {
                print_test_page(printer.as_ref(), &site, &booth, &at).map_err(|e| e.to_string())
            }));
        }
        if ui.button(tr.t("diag.snapshot")).clicked() {
            let camera = devices.camera();
            let timeout = runtime.config().devices.camera.timeout();
            state.camera = Some(Task::spawn("camera-test", waker, move || {
                let jpeg = camera.capture(timeout).map_err(|e| e.to_string())?;
                Picture::from_jpeg(&jpeg.bytes).ok_or_else(|| "the photo could not be decoded".to_string())
            }));
        }
    });
    for (label, task) in
        [(tr.t("diag.relay"), &mut state.relay), (tr.t("diag.test_page"), &mut state.printer)]
    {
        if let Some(task) = task {
            result_line_ui(ui, label, task.poll().map(|r| r.as_ref().map(|_| ())), tr);
        }
    }
    if let Some(task) = &mut state.camera {
        match task.poll() {
            None => {
                ui.spinner();
            }
            Some(Err(err)) => {
                ui.label(RichText::new(format!("{}: {err}", tr.t("diag.snapshot"))).color(theme::FAULT));
            }
            Some(Ok(picture)) => {
                let picture = picture.clone();
                photo_ui(ui, &mut state.textures, Some(&picture), Vec2::new(480.0, 270.0), "");
            }
        }
    }
}

fn result_line_ui(ui: &mut egui::Ui, label: &str, result: Option<Result<(), &String>>, tr: &I18n) {
    match result {
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(label);
            });
        }
        Some(Ok(())) => {
            ui.label(RichText::new(format!("{label}: {}", tr.t("diag.ok"))).color(theme::GOOD));
        }
        Some(Err(err)) => {
            ui.label(RichText::new(format!("{label}: {err}")).color(theme::FAULT));
        }
    }
}
