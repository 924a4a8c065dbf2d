//! Config sections of the serial-side devices (`[devices.controller]`, `[devices.reader]`,
//! `[devices.scanner]`, `[devices.barrier]`, `[devices.reconnect]`), their checks, and starting
//! the running devices from them. Every device defaults to "simulated".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::DeviceError;
use super::protocol::controller::{ControllerProfile, EventAction, EventTable};
use super::protocol::holdoff::DEFAULT_HOLDOFF_MS;
use super::protocol::line::Terminator;
use super::protocol::relay::{HexBytes, RelayFrames};
use super::serial::{ControllerSettings, DEFAULT_BAUD, ReconnectPolicy, RelaySettings};
use super::sim::barrier::DEFAULT_TRAVEL_MS;

/// The serial-side `[devices.*]` sections together.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SerialDevicesConfig {
    /// `[devices.controller]`: loops, buttons, and maybe the barrier.
    pub controller: ControllerConfig,
    /// `[devices.reader]`: the card reader.
    pub reader: ReaderConfig,
    /// `[devices.scanner]`: the ticket barcode/QR scanner.
    pub scanner: ScannerConfig,
    /// `[devices.barrier]`: what opens the barrier.
    pub barrier: BarrierConfig,
    /// `[devices.reconnect]`: retry waits for every serial device.
    pub reconnect: ReconnectPolicy,
}

/// What drives the controller inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ControllerKind {
    /// A line controller on a serial port.
    Serial,
    /// The simulated controller (default).
    #[default]
    Simulated,
    /// No controller at this booth.
    None,
}

/// `[devices.controller]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ControllerConfig {
    /// `"serial"`, `"simulated"` (default) or `"none"`.
    pub kind: ControllerKind,
    /// Port path or name (`/dev/ttyUSB0`, `COM3`); required for `"serial"`.
    pub port: Option<String>,
    /// Baud rate (default 9600).
    pub baud: u32,
    /// `"arduino-text"` (default: text lines) or `"framed"` (`0xA6 … 0xA9` frames).
    pub profile: ControllerProfile,
    /// `[devices.controller.events]`: line → event overrides on top of the profile's table,
    /// e.g. `"IN1" = "loop_occupied:1"`, `"IN:*" = "card"`, `"W*" = "ignore"`.
    pub events: BTreeMap<String, EventAction>,
    /// `[devices.controller.commands]`: barrier commands.
    pub commands: ControllerCommands,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        Self {
            kind: ControllerKind::Simulated,
            port: None,
            baud: DEFAULT_BAUD,
            profile: ControllerProfile::ArduinoText,
            events: BTreeMap::new(),
            commands: ControllerCommands::default(),
        }
    }
}

/// `[devices.controller.commands]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ControllerCommands {
    /// Open command as sent, e.g. `"OPEN\n"`, `"OPEN1"`, `"OPEN_GATE\r\n"` (default by
    /// profile: `"OPEN\n"`, or `"OPEN"` inside a frame).
    pub open: Option<String>,
    /// Close command (default `"CLOSE\n"`, or `"CLOSE"` inside a frame).
    pub close: Option<String>,
    /// The line the controller answers a command with, e.g. `"OK"` (default: none expected).
    pub ack: Option<String>,
    /// How long to wait for `ack`, in milliseconds (default 1000).
    pub ack_timeout_ms: u64,
}

impl Default for ControllerCommands {
    fn default() -> Self {
        Self { open: None, close: None, ack: None, ack_timeout_ms: 1000 }
    }
}

/// What reads cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReaderKind {
    /// An RDM6300 125 kHz reader (STX … ETX frames).
    Rdm6300,
    /// A Wiegand-to-serial converter printing card numbers as lines.
    Wiegand,
    /// The simulated reader (default).
    #[default]
    Simulated,
    /// No reader at this booth (or cards come through the controller).
    None,
}

/// `[devices.reader]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReaderConfig {
    /// `"rdm6300"`, `"wiegand"`, `"simulated"` (default) or `"none"`.
    pub kind: ReaderKind,
    /// Port path or name; required for real readers.
    pub port: Option<String>,
    /// Baud rate (default 9600).
    pub baud: u32,
    /// Quiet time after which the same card counts as presented again, in ms (default 1500).
    pub holdoff_ms: u64,
    /// Line end of a Wiegand converter: `"cr"`, `"lf"`, `"crlf"`, `"any"` (default), `"0x03"`.
    pub terminator: Terminator,
}

impl Default for ReaderConfig {
    fn default() -> Self {
        Self {
            kind: ReaderKind::Simulated,
            port: None,
            baud: DEFAULT_BAUD,
            holdoff_ms: DEFAULT_HOLDOFF_MS,
            terminator: Terminator::Any,
        }
    }
}

/// What reads ticket codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScannerKind {
    /// A barcode/QR scanner in serial (or USB CDC) mode.
    Serial,
    /// The simulated scanner (default).
    #[default]
    Simulated,
    /// None here; a keyboard-wedge scanner types into the focused field instead.
    None,
}

/// `[devices.scanner]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScannerConfig {
    /// `"serial"`, `"simulated"` (default) or `"none"`.
    pub kind: ScannerKind,
    /// Port path or name; required for `"serial"`.
    pub port: Option<String>,
    /// Baud rate (default 9600).
    pub baud: u32,
    /// What ends a code: `"cr"`, `"lf"`, `"crlf"`, `"any"` (default) or a byte like `"0x03"`.
    pub terminator: Terminator,
}

impl Default for ScannerConfig {
    fn default() -> Self {
        Self { kind: ScannerKind::Simulated, port: None, baud: DEFAULT_BAUD, terminator: Terminator::Any }
    }
}

/// What opens the barrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BarrierKind {
    /// Commands through the line controller's port (`[devices.controller.commands]`).
    Controller,
    /// An LCUS USB relay board.
    Lcus,
    /// A relay board driven by configured on/off bytes.
    Raw,
    /// The simulated barrier (default).
    #[default]
    Simulated,
}

/// `[devices.barrier]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BarrierConfig {
    /// `"controller"`, `"lcus"`, `"raw"` or `"simulated"` (default).
    pub kind: BarrierKind,
    /// Relay board port; required for `"lcus"` and `"raw"`.
    pub port: Option<String>,
    /// Relay board baud rate (default 9600).
    pub baud: u32,
    /// LCUS relay channel wired to the barrier's open input (default 1).
    pub channel: u8,
    /// LCUS channel wired to a close input, for barriers that have one (default: none; the
    /// barrier closes by itself).
    pub close_channel: Option<u8>,
    /// How long the relay stays on for an open pulse, in milliseconds (default 500).
    pub pulse_ms: u64,
    /// `"raw"`: bytes that switch the open relay on, e.g. `"A0 01 01 A2"`.
    pub on: Option<HexBytes>,
    /// `"raw"`: bytes that switch the open relay off.
    pub off: Option<HexBytes>,
    /// `"raw"`: bytes that switch a close relay on (optional).
    pub close_on: Option<HexBytes>,
    /// `"raw"`: bytes that switch the close relay off (with `close_on`).
    pub close_off: Option<HexBytes>,
    /// `"simulated"`: how long the arm takes to go up or down, in milliseconds (default 1500).
    pub travel_ms: u64,
}

impl Default for BarrierConfig {
    fn default() -> Self {
        Self {
            kind: BarrierKind::Simulated,
            port: None,
            baud: DEFAULT_BAUD,
            channel: 1,
            close_channel: None,
            pulse_ms: 500,
            on: None,
            off: None,
            close_on: None,
            close_off: None,
            travel_ms: DEFAULT_TRAVEL_MS,
        }
    }
}

/// A config value that cannot work, with its key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct DeviceConfigError {
    /// The key, e.g. `devices.controller.port`.
    pub key: String,
    /// What is wrong and what to write instead.
    pub message: String,
}

fn config_error(key: &str, message: impl Into<String>) -> DeviceConfigError {
    DeviceConfigError { key: key.to_owned(), message: message.into() }
}

/// Why the devices could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartDevicesError {
    /// The config is wrong.
    #[error(transparent)]
    Config(#[from] DeviceConfigError),
    /// A worker could not start.
    #[error(transparent)]
    Device(#[from] DeviceError),
}

fn required_port<'a>(port: &'a Option<String>, key: &str, kind: &str) -> Result<&'a str, DeviceConfigError> {
    match port.as_deref().map(str::trim) {
        Some(port) if !port.is_empty() => {
            crate::platform::serial_name::check(port).map_err(|err| config_error(key, err.to_string()))?;
            Ok(port)
        }
        _ => Err(config_error(
            key,
            format!("kind = \"{kind}\" needs a port, e.g. \"/dev/ttyUSB0\" or \"COM3\""),
        )),
    }
}

fn check_baud(baud: u32, key: &str) -> Result<(), DeviceConfigError> {
    if baud == 0 {
        return Err(config_error(key, "must be a baud rate such as 9600"));
    }
    Ok(())
}

impl SerialDevicesConfig {
    /// Checks everything `start` needs, so a bad config is refused when it is loaded.
    pub fn validate(&self) -> Result<(), DeviceConfigError> {
        self.controller_settings()?;
        self.relay_settings()?;
        let reader = &self.reader;
        if matches!(reader.kind, ReaderKind::Rdm6300 | ReaderKind::Wiegand) {
            let kind = if reader.kind == ReaderKind::Rdm6300 { "rdm6300" } else { "wiegand" };
            required_port(&reader.port, "devices.reader.port", kind)?;
            check_baud(reader.baud, "devices.reader.baud")?;
        }
        if self.scanner.kind == ScannerKind::Serial {
            required_port(&self.scanner.port, "devices.scanner.port", "serial")?;
            check_baud(self.scanner.baud, "devices.scanner.baud")?;
        }
        if self.barrier.kind == BarrierKind::Controller && self.controller.kind == ControllerKind::None {
            return Err(config_error(
                "devices.barrier.kind",
                "\"controller\" needs a controller: set devices.controller.kind, or choose \"lcus\", \"raw\" or \"simulated\"",
            ));
        }
        Ok(())
    }

    /// The controller worker's settings; `None` unless the controller is a serial one.
    fn controller_settings(&self) -> Result<Option<ControllerSettings>, DeviceConfigError> {
        let config = &self.controller;
        let events = EventTable::for_profile(config.profile, &config.events)
            .map_err(|error| config_error("devices.controller.events", error.to_string()))?;
        if config.kind != ControllerKind::Serial {
            return Ok(None);
        }
        let port = required_port(&config.port, "devices.controller.port", "serial")?;
        check_baud(config.baud, "devices.controller.baud")?;
        let commands = &config.commands;
        let non_empty = |text: &Option<String>, default: &str, key: &str| match text {
            Some(text) if text.is_empty() => Err(config_error(key, "must not be empty")),
            Some(text) => Ok(text.clone()),
            None => Ok(default.to_owned()),
        };
        let open_command = non_empty(
            &commands.open,
            config.profile.default_open_command(),
            "devices.controller.commands.open",
        )?;
        let close_command = non_empty(
            &commands.close,
            config.profile.default_close_command(),
            "devices.controller.commands.close",
        )?;
        let ack = commands.ack.as_deref().map(str::trim).filter(|ack| !ack.is_empty()).map(str::to_owned);
        if ack.is_some() && commands.ack_timeout_ms == 0 {
            return Err(config_error(
                "devices.controller.commands.ack_timeout_ms",
                "must be more than 0 when an ack is expected",
            ));
        }
        Ok(Some(ControllerSettings {
            name: "controller".into(),
            path: port.to_owned(),
            baud: config.baud,
            reconnect: self.reconnect,
            framing: config.profile.framing(),
            events,
            open_command,
            close_command,
            ack,
            ack_timeout_ms: commands.ack_timeout_ms,
        }))
    }

    /// The relay worker's settings; `None` unless the barrier is a relay board.
    fn relay_settings(&self) -> Result<Option<RelaySettings>, DeviceConfigError> {
        let config = &self.barrier;
        let frames = match config.kind {
            BarrierKind::Lcus => {
                if config.channel == 0 || config.close_channel == Some(0) {
                    return Err(config_error("devices.barrier.channel", "LCUS channels are numbered from 1"));
                }
                RelayFrames::lcus(config.channel, config.close_channel)
            }
            BarrierKind::Raw => {
                let (Some(on), Some(off)) = (&config.on, &config.off) else {
                    return Err(config_error(
                        "devices.barrier.on",
                        "kind = \"raw\" needs both on and off bytes, e.g. on = \"A0 01 01 A2\"",
                    ));
                };
                let close = match (&config.close_on, &config.close_off) {
                    (Some(close_on), Some(close_off)) => Some((close_on.0.clone(), close_off.0.clone())),
                    (None, None) => None,
                    _ => {
                        return Err(config_error(
                            "devices.barrier.close_on",
                            "close_on and close_off go together",
                        ));
                    }
                };
                RelayFrames { open_on: on.0.clone(), open_off: off.0.clone(), close }
            }
            BarrierKind::Controller | BarrierKind::Simulated => return Ok(None),
        };
        let kind = if config.kind == BarrierKind::Lcus { "lcus" } else { "raw" };
        let port = required_port(&config.port, "devices.barrier.port", kind)?;
        check_baud(config.baud, "devices.barrier.baud")?;
        Ok(Some(RelaySettings {
            name: "barrier".into(),
            path: port.to_owned(),
            baud: config.baud,
            reconnect: self.reconnect,
            frames,
            pulse_ms: config.pulse_ms,
        }))
    }
}

mod start;

pub use start::SerialDevices;

#[cfg(test)]
mod tests;
