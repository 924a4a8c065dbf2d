//! All of a booth's devices from the `[devices]` config: inputs, barrier, printer, camera —
//! real or simulated — started together, with their statuses and simulation handles.

use std::sync::Arc;

use chrono_tz::Tz;
use crossbeam_channel::Receiver;
use serde::{Deserialize, Serialize};

use super::barrier::Barrier;
use super::camera::config::{CameraConfig, CameraConfigError, CameraHandle, CameraKind, camera_from_config};
use super::camera::{Camera, SimulatedCamera};
use super::config::{
    BarrierConfig, ControllerConfig, ReaderConfig, ScannerConfig, SerialDevices, SerialDevicesConfig,
    StartDevicesError,
};
use super::input::InputEvent;
use super::printer::config::{
    PrinterConfig, PrinterConfigError, PrinterHandle, PrinterKind, printer_from_config,
};
use super::printer::{Printer, SimulatedPrinter};
use super::serial::ReconnectPolicy;
use super::shared_status::Notify;
use super::sim::{SimBarrier, SimController};
use super::{DeviceError, DeviceStatus};
use crate::clock::Clock;

/// The whole `[devices]` table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DevicesConfig {
    /// `[devices.controller]`: loops, buttons, and maybe the barrier.
    pub controller: ControllerConfig,
    /// `[devices.reader]`: the card reader.
    pub reader: ReaderConfig,
    /// `[devices.scanner]`: the ticket scanner.
    pub scanner: ScannerConfig,
    /// `[devices.barrier]`: what opens the barrier.
    pub barrier: BarrierConfig,
    /// `[devices.reconnect]`: retry waits for serial devices.
    pub reconnect: ReconnectPolicy,
    /// `[devices.printer]`: tickets and receipts.
    pub printer: PrinterConfig,
    /// `[devices.camera]`: entry and exit photos.
    pub camera: CameraConfig,
}

/// Why the devices could not start; the message names the config key where it can.
#[derive(Debug, thiserror::Error)]
pub enum BoothDevicesError {
    /// Serial side.
    #[error(transparent)]
    Serial(#[from] StartDevicesError),
    /// Printer.
    #[error(transparent)]
    Printer(#[from] PrinterConfigError),
    /// Camera.
    #[error(transparent)]
    Camera(#[from] CameraConfigError),
}

impl DevicesConfig {
    /// The serial-side sections.
    pub fn serial(&self) -> SerialDevicesConfig {
        SerialDevicesConfig {
            controller: self.controller.clone(),
            reader: self.reader.clone(),
            scanner: self.scanner.clone(),
            barrier: self.barrier.clone(),
            reconnect: self.reconnect,
        }
    }

    /// Checks every section, so a bad config is refused at start. Returns the key and problem.
    pub fn validate(&self) -> Result<(), (String, String)> {
        self.serial().validate().map_err(|err| (err.key, err.message))?;
        self.printer.transport().map_err(|err| ("devices.printer".to_string(), err.to_string()))?;
        self.camera.photo_settings().map_err(|err| ("devices.camera".to_string(), err.to_string()))?;
        Ok(())
    }
}

/// A booth's running devices. Dropping it stops every worker.
pub struct BoothDevices {
    serial: SerialDevices,
    printer: PrinterHandle,
    camera: CameraHandle,
}

impl BoothDevices {
    /// Starts every device; with `simulate` each is replaced by its simulated twin.
    pub fn start(
        config: &DevicesConfig,
        booth: &str,
        tz: Tz,
        simulate: bool,
        clock: Arc<dyn Clock>,
        notify: Option<Notify>,
    ) -> Result<BoothDevices, BoothDevicesError> {
        let serial = config.serial().start(simulate, notify)?;
        let mut printer_config = config.printer.clone();
        let mut camera_config = config.camera.clone();
        if simulate {
            printer_config.kind = PrinterKind::Simulated;
            camera_config.kind = CameraKind::Simulated;
        }
        let printer = printer_from_config(&printer_config, clock.clone())?;
        let camera = camera_from_config(&camera_config, booth, tz, clock)?;
        Ok(BoothDevices { serial, printer, camera })
    }

    /// Every input event (loops, buttons, cards, scans) in arrival order.
    pub fn events(&self) -> &Receiver<InputEvent> {
        self.serial.events()
    }

    /// The barrier.
    pub fn barrier(&self) -> Arc<dyn Barrier> {
        self.serial.barrier()
    }

    /// The printer.
    pub fn printer(&self) -> Arc<dyn Printer> {
        self.printer.printer()
    }

    /// The camera.
    pub fn camera(&self) -> Arc<dyn Camera> {
        self.camera.camera()
    }

    /// One status per device, for the status chips and `gardu device test`.
    pub fn statuses(&self) -> Vec<DeviceStatus> {
        let mut statuses = self.serial.statuses();
        statuses.push(self.printer().status());
        statuses.push(self.camera().status());
        statuses
    }

    /// The simulated controller (vehicle arrives/leaves, button, card), when simulated.
    pub fn simulated_controller(&self) -> Option<&SimController> {
        self.serial.simulated_controller()
    }

    /// The simulated card reader, when simulated.
    pub fn simulated_reader(&self) -> Option<&SimController> {
        self.serial.simulated_reader()
    }

    /// The simulated scanner, when simulated.
    pub fn simulated_scanner(&self) -> Option<&SimController> {
        self.serial.simulated_scanner()
    }

    /// The simulated barrier, when simulated.
    pub fn simulated_barrier(&self) -> Option<&SimBarrier> {
        self.serial.simulated_barrier()
    }

    /// The simulated printer (paper out, printed slips), when simulated.
    pub fn simulated_printer(&self) -> Option<&Arc<SimulatedPrinter>> {
        self.printer.simulated()
    }

    /// The simulated camera (vehicle in view, broken), when simulated.
    pub fn simulated_camera(&self) -> Option<&Arc<SimulatedCamera>> {
        self.camera.simulated()
    }

    /// Pulses the barrier for `gardu device test`.
    pub fn test_barrier(&self, hold: std::time::Duration) -> Result<(), DeviceError> {
        super::barrier::test_barrier(self.barrier().as_ref(), hold)
    }
}
