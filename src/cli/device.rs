//! `gardu ports` and `gardu device test|monitor`: what a technician does with a new booth.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Subcommand;

use super::Context;
use super::operator::Operator;
use crate::clock::{Clock, SystemClock};
use crate::devices::booth::BoothDevices;
use crate::devices::printer::print_test_page;
use crate::devices::serial::{list_ports, monitor};
use crate::store::AuditRecord;

/// Device subcommands.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Open each configured device and report its status; pulse the barrier, print a test
    /// page, save a camera snapshot.
    Test {
        /// Only this device: controller, reader, scanner, barrier, printer or camera.
        #[arg(long)]
        device: Option<String>,
        /// Where the camera snapshot goes.
        #[arg(long, default_value = "snapshot.jpg")]
        snapshot: std::path::PathBuf,
    },
    /// Print what arrives on a serial port as hex and ASCII until Ctrl+C.
    Monitor {
        /// Port path or name: /dev/ttyUSB0, COM3, or a pseudo-terminal.
        port: String,
        /// Baud rate.
        #[arg(long, default_value_t = 9600)]
        baud: u32,
    },
}

/// `gardu ports`: serial ports with their USB ids.
pub fn ports() -> anyhow::Result<ExitCode> {
    let ports = list_ports()?;
    if ports.is_empty() && cfg!(windows) {
        println!(
            "no COM ports found: plug in the adapter, then look under Device Manager → Ports (COM & LPT) (a missing driver shows as an unknown device)"
        );
    } else if ports.is_empty() {
        println!("no serial ports found (pseudo-terminals are not listed; type their path in the config)");
    }
    for port in ports {
        match &port.usb {
            Some(usb) => println!(
                "{:<16} usb {:04x}:{:04x} {} {}",
                port.name,
                usb.vid,
                usb.pid,
                usb.manufacturer.as_deref().unwrap_or(""),
                usb.product.as_deref().unwrap_or("")
            ),
            None => println!("{:<16} {}", port.name, port.kind),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a device subcommand.
pub fn run(command: DeviceCommand, ctx: &Context, op: &Operator) -> anyhow::Result<ExitCode> {
    match command {
        DeviceCommand::Monitor { port, baud } => {
            let stop = Arc::new(AtomicBool::new(false));
            monitor(&port, baud, &stop, &mut std::io::stdout().lock())?;
            stop.store(true, Ordering::Relaxed);
            Ok(ExitCode::SUCCESS)
        }
        DeviceCommand::Test { device, snapshot } => test(ctx, op, device.as_deref(), &snapshot),
    }
}

/// The barrier pulse is audited like a manual open: who, which relay, when, how it went.
fn audit_relay_test(
    ctx: &Context,
    op: &Operator,
    devices: &BoothDevices,
    now: chrono::DateTime<chrono::Utc>,
    result: &Result<(), crate::devices::DeviceError>,
) {
    let port = devices.statuses().into_iter().find(|s| s.name == "barrier").map(|s| s.port);
    let record = AuditRecord {
        time: now,
        site: ctx.config.site.code.clone(),
        booth: ctx.config.booth.code.clone(),
        username: Some(op.audit_name().to_string()),
        action: "relay_test".into(),
        detail: serde_json::json!({
            "device": "barrier",
            "port": port,
            "pulse_ms": 2_000,
            "ok": result.is_ok(),
            "error": result.as_ref().err().map(ToString::to_string),
            "via": "cli",
        }),
    };
    let written = ctx.open_store().and_then(|store| Ok(store.append_audit(&record)?));
    if let Err(err) = written {
        eprintln!("gardu: the relay test could not be audited: {err:#}");
    }
}

fn test(
    ctx: &Context,
    op: &Operator,
    only: Option<&str>,
    snapshot: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let config = &ctx.config;
    let devices = BoothDevices::start(
        &config.devices,
        &config.booth.code,
        config.timezone(),
        config.simulation.enabled,
        clock.clone(),
        None,
    )?;
    // Give the serial workers a moment to open their ports before reporting.
    std::thread::sleep(Duration::from_millis(700));
    let wanted = |name: &str| only.is_none_or(|o| o == name);
    let mut failed = false;
    for status in devices.statuses() {
        if wanted(&status.name) {
            let error = status.last_error.as_deref().map(|e| format!(" — {e}")).unwrap_or_default();
            println!("{:<11} {:<24} {:?}{error}", status.name, status.port, status.state);
        }
    }
    let mut check = |name: &str, result: anyhow::Result<String>| match result {
        Ok(done) => println!("{name:<11} OK: {done}"),
        Err(err) => {
            failed = true;
            println!("{name:<11} FAILED: {err:#}");
        }
    };
    if wanted("barrier") {
        let result = devices.test_barrier(Duration::from_secs(2));
        audit_relay_test(ctx, op, &devices, clock.now(), &result);
        check("barrier", result.map(|()| "opened and closed".into()).map_err(Into::into));
    }
    if wanted("printer") {
        let at = clock.now().with_timezone(&config.timezone()).format("%d/%m/%Y %H:%M").to_string();
        let result = print_test_page(devices.printer().as_ref(), &config.site.name, &config.booth.code, &at);
        check("printer", result.map(|()| "test page printed".into()).map_err(Into::into));
    }
    if wanted("camera") {
        let result = devices
            .camera()
            .capture(Duration::from_millis(config.devices.camera.timeout_ms))
            .map_err(anyhow::Error::from)
            .and_then(|jpeg| {
                std::fs::write(snapshot, &jpeg.bytes)?;
                Ok(format!("{}×{} snapshot saved to {}", jpeg.width, jpeg.height, snapshot.display()))
            });
        check("camera", result);
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
