//! Starting the configured serial-side devices, and the running set the booth holds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use super::{
    BarrierKind, ControllerKind, ReaderKind, ScannerKind, SerialDevicesConfig, StartDevicesError,
    config_error, required_port,
};
use crate::devices::barrier::{Barrier, test_barrier};
use crate::devices::input::InputEvent;
use crate::devices::protocol::InputDecoder;
use crate::devices::protocol::rdm6300::Rdm6300Decoder;
use crate::devices::protocol::scanner::{CardLineDecoder, ScannerDecoder};
use crate::devices::serial::{SerialController, SerialReader, SerialRelayBarrier};
use crate::devices::shared_status::Notify;
use crate::devices::sim::{SimBarrier, SimController};
use crate::devices::{DeviceError, DeviceStatus};

/// Events waiting for the lane before devices start dropping them.
const EVENT_QUEUE: usize = 64;

impl SerialDevicesConfig {
    /// Starts every configured device; with `simulate`, every real one is replaced by its
    /// simulated twin. Events from all inputs arrive on [`SerialDevices::events`].
    pub fn start(&self, simulate: bool, notify: Option<Notify>) -> Result<SerialDevices, StartDevicesError> {
        self.validate()?;
        let (events_tx, events_rx) = crossbeam_channel::bounded(EVENT_QUEUE);
        let sim_input = |name: &str| {
            InputDevice::Simulated(SimController::new(name, 1, events_tx.clone(), notify.clone()))
        };

        let controller = match (self.controller.kind, simulate) {
            (ControllerKind::None, _) => InputDevice::None,
            (ControllerKind::Simulated, _) | (ControllerKind::Serial, true) => sim_input("controller"),
            (ControllerKind::Serial, false) => {
                let settings = self.controller_settings()?.ok_or_else(|| {
                    config_error("devices.controller.kind", "a serial controller needs a port")
                })?;
                InputDevice::Controller(Arc::new(SerialController::start(
                    settings,
                    events_tx.clone(),
                    notify.clone(),
                )?))
            }
        };

        let reader = match (self.reader.kind, simulate) {
            (ReaderKind::None, _) => InputDevice::None,
            (ReaderKind::Simulated, _) | (_, true) => sim_input("reader"),
            (kind, false) => {
                let holdoff = Duration::from_millis(self.reader.holdoff_ms);
                let decoder: Box<dyn InputDecoder> = match kind {
                    ReaderKind::Wiegand => Box::new(CardLineDecoder::new(self.reader.terminator, holdoff)),
                    _ => Box::new(Rdm6300Decoder::new(holdoff)),
                };
                // validate() has already required the port for both reader kinds.
                let port = self.reader.port.as_deref().unwrap_or_default().trim();
                InputDevice::Serial(SerialReader::start(
                    "reader",
                    port,
                    self.reader.baud,
                    self.reconnect,
                    decoder,
                    events_tx.clone(),
                    notify.clone(),
                )?)
            }
        };

        let scanner = match (self.scanner.kind, simulate) {
            (ScannerKind::None, _) => InputDevice::None,
            (ScannerKind::Simulated, _) | (ScannerKind::Serial, true) => sim_input("scanner"),
            (ScannerKind::Serial, false) => {
                let port = required_port(&self.scanner.port, "devices.scanner.port", "serial")?;
                InputDevice::Serial(SerialReader::start(
                    "scanner",
                    port,
                    self.scanner.baud,
                    self.reconnect,
                    Box::new(ScannerDecoder::new(self.scanner.terminator)),
                    events_tx.clone(),
                    notify.clone(),
                )?)
            }
        };

        let (barrier, sim_barrier): (Arc<dyn Barrier>, Option<Arc<SimBarrier>>) =
            match (self.barrier.kind, simulate, &controller) {
                (BarrierKind::Controller, false, InputDevice::Controller(serial)) => {
                    (Arc::clone(serial) as Arc<dyn Barrier>, None)
                }
                (BarrierKind::Lcus | BarrierKind::Raw, false, _) => {
                    let settings = self.relay_settings()?.ok_or_else(|| {
                        config_error("devices.barrier.kind", "a relay barrier needs a port")
                    })?;
                    (Arc::new(SerialRelayBarrier::start(settings, notify.clone())?), None)
                }
                // Simulated, or driven by a simulated controller: the simulated arm.
                _ => {
                    let sim = Arc::new(SimBarrier::start("barrier", self.barrier.travel_ms, notify.clone())?);
                    (Arc::clone(&sim) as Arc<dyn Barrier>, Some(sim))
                }
            };

        Ok(SerialDevices { events: events_rx, barrier, sim_barrier, controller, reader, scanner })
    }
}

/// One input device as started.
enum InputDevice {
    None,
    Controller(Arc<SerialController>),
    Serial(SerialReader),
    Simulated(SimController),
}

impl InputDevice {
    fn status(&self) -> Option<DeviceStatus> {
        match self {
            Self::None => None,
            Self::Controller(controller) => Some(controller.status()),
            Self::Serial(reader) => Some(reader.status()),
            Self::Simulated(sim) => Some(sim.status()),
        }
    }

    fn simulated(&self) -> Option<&SimController> {
        match self {
            Self::Simulated(sim) => Some(sim),
            _ => None,
        }
    }
}

/// The running serial-side devices of a booth. Dropping it stops every worker.
pub struct SerialDevices {
    events: Receiver<InputEvent>,
    barrier: Arc<dyn Barrier>,
    sim_barrier: Option<Arc<SimBarrier>>,
    controller: InputDevice,
    reader: InputDevice,
    scanner: InputDevice,
}

impl SerialDevices {
    /// Every input event of the controller, reader and scanner, in arrival order.
    pub fn events(&self) -> &Receiver<InputEvent> {
        &self.events
    }

    /// The barrier, to share with the lane.
    pub fn barrier(&self) -> Arc<dyn Barrier> {
        Arc::clone(&self.barrier)
    }

    /// The status of each device present: controller, reader, scanner, then barrier.
    pub fn statuses(&self) -> Vec<DeviceStatus> {
        [&self.controller, &self.reader, &self.scanner]
            .into_iter()
            .filter_map(InputDevice::status)
            .chain(std::iter::once(self.barrier.status()))
            .collect()
    }

    /// The simulated controller, for the simulation panel (vehicle, buttons, faults).
    pub fn simulated_controller(&self) -> Option<&SimController> {
        self.controller.simulated()
    }

    /// The simulated card reader (`tap_card`).
    pub fn simulated_reader(&self) -> Option<&SimController> {
        self.reader.simulated()
    }

    /// The simulated scanner (`scan`).
    pub fn simulated_scanner(&self) -> Option<&SimController> {
        self.scanner.simulated()
    }

    /// The simulated barrier (`fault`).
    pub fn simulated_barrier(&self) -> Option<&SimBarrier> {
        self.sim_barrier.as_deref()
    }

    /// `gardu device test` for the barrier: waits up to `connect_timeout` for the barrier's
    /// device, opens the barrier, keeps it open for `hold`, closes it, and returns the
    /// barrier's status afterwards.
    pub fn test_barrier(
        &self,
        hold: Duration,
        connect_timeout: Duration,
    ) -> Result<DeviceStatus, DeviceError> {
        let deadline = Instant::now() + connect_timeout;
        while !self.barrier.status().connected() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        test_barrier(self.barrier.as_ref(), hold)?;
        Ok(self.barrier.status())
    }
}
