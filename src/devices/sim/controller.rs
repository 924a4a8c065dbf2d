//! A simulated input device (controller, loop, buttons, card reader, scanner): the trainer or
//! a test calls its methods and it publishes the same events and status as a real worker.

use std::sync::Mutex;

use chrono::Utc;
use crossbeam_channel::{Sender, TrySendError};

use crate::devices::input::{CardUid, InputEvent};
use crate::devices::shared_status::{Notify, SharedStatus};
use crate::devices::{DeviceError, DeviceStatus};

/// A simulated controller. Loops report edges only, as real ones do: a second arrival while
/// the loop is occupied says nothing. `fault(true)` simulates an unplugged device: inputs are
/// then lost, as they would be.
pub struct SimController {
    name: String,
    loop_id: u8,
    events: Sender<InputEvent>,
    status: SharedStatus,
    loop_occupied: Mutex<bool>,
}

impl SimController {
    /// A connected simulated device publishing on `events`; its vehicle loop is `loop_id`.
    pub fn new(name: &str, loop_id: u8, events: Sender<InputEvent>, notify: Option<Notify>) -> Self {
        let status = SharedStatus::new(DeviceStatus::connecting(name, "simulated"), notify);
        status.set_connected();
        Self { name: name.to_owned(), loop_id, events, status, loop_occupied: Mutex::new(false) }
    }

    /// A vehicle drives onto the loop: `LoopOccupied` unless one is there already.
    pub fn vehicle_arrives(&self) -> Result<(), DeviceError> {
        self.set_loop(true)
    }

    /// The vehicle has passed and the loop is free: `LoopCleared` if it was occupied.
    pub fn vehicle_leaves(&self) -> Result<(), DeviceError> {
        self.set_loop(false)
    }

    /// True while a vehicle stands on the loop.
    pub fn loop_occupied(&self) -> bool {
        *self.lock_loop()
    }

    /// The driver presses the ticket button.
    pub fn press_button(&self) -> Result<(), DeviceError> {
        self.publish(InputEvent::Button)
    }

    /// The driver presses the help button.
    pub fn press_help(&self) -> Result<(), DeviceError> {
        self.publish(InputEvent::HelpButton)
    }

    /// A card is held to the reader (once per call, as the real reader's hold-off gives).
    pub fn tap_card(&self, uid: CardUid) -> Result<(), DeviceError> {
        self.publish(InputEvent::Card(uid))
    }

    /// A barcode or QR code is scanned; the text is trimmed like a real scanner line.
    pub fn scan(&self, text: &str) -> Result<(), DeviceError> {
        self.publish(InputEvent::Scan(text.trim().to_owned()))
    }

    /// Simulates unplugging (`true`) or plugging back (`false`) the device.
    pub fn fault(&self, unplugged: bool) {
        if unplugged {
            self.status.set_disconnected("simulated unplug: the device is not connected");
        } else {
            self.status.set_connected();
        }
    }

    /// The device's status.
    pub fn status(&self) -> DeviceStatus {
        self.status.get()
    }

    fn set_loop(&self, occupied: bool) -> Result<(), DeviceError> {
        self.ensure_connected()?;
        let mut current = self.lock_loop();
        if *current == occupied {
            return Ok(());
        }
        let loop_id = self.loop_id;
        self.publish(if occupied {
            InputEvent::LoopOccupied { loop_id }
        } else {
            InputEvent::LoopCleared { loop_id }
        })?;
        *current = occupied;
        Ok(())
    }

    fn publish(&self, event: InputEvent) -> Result<(), DeviceError> {
        self.ensure_connected()?;
        match self.events.try_send(event) {
            Ok(()) => {
                self.status.set_seen(Utc::now());
                Ok(())
            }
            Err(TrySendError::Full(_)) => Err(DeviceError::Fault {
                device: self.name.clone(),
                message: "events are not being read".into(),
            }),
            Err(TrySendError::Disconnected(_)) => Err(DeviceError::Fault {
                device: self.name.clone(),
                message: "nobody is listening to this device".into(),
            }),
        }
    }

    fn ensure_connected(&self) -> Result<(), DeviceError> {
        let status = self.status.get();
        if status.connected() {
            Ok(())
        } else {
            Err(DeviceError::NotConnected { device: self.name.clone(), port: status.port })
        }
    }

    fn lock_loop(&self) -> std::sync::MutexGuard<'_, bool> {
        self.loop_occupied.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishes_the_same_events_as_a_real_controller() {
        let (tx, rx) = crossbeam_channel::bounded(16);
        let sim = SimController::new("controller", 1, tx, None);
        sim.vehicle_arrives().unwrap();
        sim.vehicle_arrives().unwrap();
        assert!(sim.loop_occupied());
        sim.press_button().unwrap();
        sim.press_help().unwrap();
        sim.tap_card(CardUid::from_u32(0x00BC_614E)).unwrap();
        sim.scan(" G1.ABC \r\n").unwrap();
        sim.vehicle_leaves().unwrap();
        sim.vehicle_leaves().unwrap();
        let events: Vec<InputEvent> = rx.try_iter().collect();
        assert_eq!(
            events,
            [
                InputEvent::LoopOccupied { loop_id: 1 },
                InputEvent::Button,
                InputEvent::HelpButton,
                InputEvent::Card(CardUid::from_u32(0x00BC_614E)),
                InputEvent::Scan("G1.ABC".into()),
                InputEvent::LoopCleared { loop_id: 1 },
            ]
        );
        assert!(sim.status().last_seen.is_some());
    }

    #[test]
    fn an_unplugged_device_loses_inputs_and_says_so() {
        let (tx, rx) = crossbeam_channel::bounded(16);
        let sim = SimController::new("controller", 1, tx, None);
        sim.fault(true);
        assert!(matches!(sim.press_button(), Err(DeviceError::NotConnected { .. })));
        assert!(sim.vehicle_arrives().is_err());
        assert!(!sim.loop_occupied());
        let status = sim.status();
        assert!(!status.connected());
        assert!(status.last_error.is_some());
        sim.fault(false);
        sim.press_button().unwrap();
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [InputEvent::Button]);
    }

    #[test]
    fn a_full_queue_is_reported() {
        let (tx, _rx) = crossbeam_channel::bounded(1);
        let sim = SimController::new("controller", 1, tx, None);
        sim.press_button().unwrap();
        assert!(matches!(sim.press_button(), Err(DeviceError::Fault { .. })));
    }
}
