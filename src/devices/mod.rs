//! Devices at the booth behind small traits: real adapters and simulated ones.
//!
//! Every device runs in its own named worker thread, reconnects by itself and publishes a
//! [`DeviceStatus`] the console shows. Lanes talk to devices only through the traits here.

pub mod barrier; // the Barrier trait and positions
pub mod booth; // every device of a booth from [devices], started together
pub mod camera; // cameras: USB, HTTP snapshot, simulated; capture with timeout
pub mod config; // [devices.controller|reader|scanner|barrier|reconnect] config and starting them
pub mod draw; // text and shapes on images (tickets, simulated camera)
pub mod input; // input events (loops, buttons, cards, scans) and the one card-uid form
pub mod printer; // ESC/POS printers, slip layout, PNG rendering, simulated printer
pub mod protocol; // pure serial protocols: line controllers, RDM6300, scanners, relay boards
pub mod serial; // serial ports: open, list, monitor; reconnecting workers for controller, reader, relay
pub mod shared_status; // a device status shared by its worker and the screens, with a notify hook
pub mod sim; // simulated barrier and controller/reader/scanner

pub use barrier::{Barrier, BarrierPosition};
pub use camera::{Camera, Jpeg};
pub use input::{CardUid, CardUidError, InputEvent};
pub use shared_status::{Notify, SharedStatus};

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Whether a device's link works right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Not opened yet, or opening.
    Connecting,
    /// Open and answering.
    Connected,
    /// The port or host is gone; the worker retries with backoff.
    Disconnected,
    /// Open, but the device reports a fault (paper out, cover open, bad replies).
    Fault,
}

/// What a device worker publishes for the screens and `gardu device test`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceStatus {
    /// Configured name, e.g. `controller`, `barrier`, `printer`, `camera`.
    pub name: String,
    /// Where it is: `/dev/ttyUSB0`, `COM3`, `tcp://10.0.0.5:9100`, `simulated`.
    pub port: String,
    /// Link state.
    pub state: LinkState,
    /// The last error in plain words, kept until the link works again.
    pub last_error: Option<String>,
    /// A warning that does not stop the device (paper low).
    pub warning: Option<String>,
    /// When the device last sent or acknowledged anything.
    pub last_seen: Option<DateTime<Utc>>,
}

impl DeviceStatus {
    /// A fresh status for a device that is being opened.
    pub fn connecting(name: impl Into<String>, port: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            port: port.into(),
            state: LinkState::Connecting,
            last_error: None,
            warning: None,
            last_seen: None,
        }
    }

    /// True when the device can be used now.
    pub fn connected(&self) -> bool {
        self.state == LinkState::Connected
    }
}

/// Why a device could not do what it was asked. Messages name the device and say what to check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    /// The port or host cannot be opened right now; the worker keeps retrying.
    #[error("{device} is not connected ({port}): check the cable and the power")]
    NotConnected {
        /// Configured device name.
        device: String,
        /// Port, path or address.
        port: String,
    },
    /// No answer (or no acknowledgement) in time.
    #[error("{device} did not answer within {timeout_ms} ms")]
    Timeout {
        /// Configured device name.
        device: String,
        /// How long we waited.
        timeout_ms: u64,
    },
    /// The device answered something other than what the protocol expects.
    #[error("{device} answered {got:?} where {expected:?} was expected")]
    UnexpectedReply {
        /// Configured device name.
        device: String,
        /// What the protocol expects.
        expected: String,
        /// What arrived.
        got: String,
    },
    /// The device reports a fault (paper out, cover open, jammed barrier).
    #[error("{device}: {message}")]
    Fault {
        /// Configured device name.
        device: String,
        /// The fault in plain words.
        message: String,
    },
    /// Reading or writing failed.
    #[error("{device}: {message}")]
    Io {
        /// Configured device name.
        device: String,
        /// What the operating system said.
        message: String,
    },
}
