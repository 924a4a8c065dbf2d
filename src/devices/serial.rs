//! Serial ports: opening them the booth's way, listing them, a raw monitor, reconnect backoff,
//! and (in submodules) the worker threads that own a port each.

pub mod controller;
mod link;
pub mod reader;
pub mod relay;

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serialport::{SerialPort, SerialPortType};

use super::DeviceError;

pub use controller::{ControllerSettings, SerialController};
pub use reader::SerialReader;
pub use relay::{RelaySettings, SerialRelayBarrier};

/// The baud rate of Arduino sketches, RDM6300 readers and most scanners.
pub const DEFAULT_BAUD: u32 = 9600;

/// Opens a port 8N1 without flow control. `path` is a device path (`/dev/ttyUSB0`, a
/// symlink under `/dev/serial/by-id/`) or a Windows name (`COM3`, `\\.\COM10`); a name that
/// cannot be right (`COM0`, `COM 3`) is refused before the system is asked.
pub fn open_port(path: &str, baud: u32) -> Result<Box<dyn SerialPort>, serialport::Error> {
    crate::platform::serial_name::check(path)
        .map_err(|err| serialport::Error::new(serialport::ErrorKind::InvalidInput, err.to_string()))?;
    serialport::new(path.trim(), baud)
        .data_bits(serialport::DataBits::Eight)
        .parity(serialport::Parity::None)
        .stop_bits(serialport::StopBits::One)
        .flow_control(serialport::FlowControl::None)
        .timeout(Duration::from_millis(100))
        .open()
}

/// How a worker retries a port that is missing or failed: the first wait, doubled after each
/// failed attempt up to the longest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReconnectPolicy {
    /// First wait after a failure, in milliseconds (default 100).
    pub initial_ms: u64,
    /// Longest wait between attempts, in milliseconds (default 5000).
    pub max_ms: u64,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self { initial_ms: 100, max_ms: 5000 }
    }
}

/// The waits of a [`ReconnectPolicy`], one failure after another.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: ReconnectPolicy,
    next_ms: u64,
}

impl Backoff {
    /// Starts at the policy's first wait.
    pub fn new(policy: ReconnectPolicy) -> Self {
        Self { policy, next_ms: policy.initial_ms }
    }

    /// The wait before the next attempt; doubles the one after it.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next_ms.min(self.policy.max_ms);
        self.next_ms = delay.saturating_mul(2).clamp(1, self.policy.max_ms.max(1));
        Duration::from_millis(delay)
    }

    /// Back to the first wait (after a successful open).
    pub fn reset(&mut self) {
        self.next_ms = self.policy.initial_ms;
    }
}

/// A serial port the system knows of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortInfo {
    /// The name to put in config: `/dev/ttyUSB0`, `COM3`.
    pub name: String,
    /// How it is attached: `usb`, `pci`, `bluetooth` or `unknown`.
    pub kind: &'static str,
    /// USB details, for USB ports.
    pub usb: Option<UsbInfo>,
}

/// What a USB serial adapter says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsbInfo {
    /// Vendor id (e.g. 0x1A86 for CH340 adapters).
    pub vid: u16,
    /// Product id.
    pub pid: u16,
    /// Serial number, where the adapter has one.
    pub serial_number: Option<String>,
    /// Manufacturer string.
    pub manufacturer: Option<String>,
    /// Product string.
    pub product: Option<String>,
}

/// The serial ports of this computer (`gardu ports`), COM ports by number (COM2 before COM10).
/// Pseudo-terminals are not listed; a path typed into the config works all the same.
pub fn list_ports() -> Result<Vec<PortInfo>, DeviceError> {
    let mut ports = serialport::available_ports().map_err(|error| DeviceError::Io {
        device: "ports".into(),
        message: format!("cannot list serial ports: {error}"),
    })?;
    ports.sort_by_cached_key(|port| crate::platform::serial_name::sort_key(&port.port_name));
    Ok(ports
        .into_iter()
        .map(|port| {
            let (kind, usb) = match port.port_type {
                SerialPortType::UsbPort(usb) => (
                    "usb",
                    Some(UsbInfo {
                        vid: usb.vid,
                        pid: usb.pid,
                        serial_number: usb.serial_number,
                        manufacturer: usb.manufacturer,
                        product: usb.product,
                    }),
                ),
                SerialPortType::PciPort => ("pci", None),
                SerialPortType::BluetoothPort => ("bluetooth", None),
                SerialPortType::Unknown => ("unknown", None),
            };
            PortInfo { name: port.port_name, kind, usb }
        })
        .collect())
}

/// Bytes per monitor line, as in a hex dump.
const MONITOR_LINE_BYTES: usize = 16;

/// `gardu device monitor`: prints what arrives on a port as hex and ASCII lines until `stop`
/// is set. Does not reconnect: a technician watching the port wants to see it vanish.
pub fn monitor(path: &str, baud: u32, stop: &AtomicBool, out: &mut impl Write) -> Result<(), DeviceError> {
    let device = "monitor";
    let io_error = |message: String| DeviceError::Io { device: device.into(), message };
    let mut port = open_port(path, baud).map_err(|error| io_error(describe_open_error(path, &error)))?;
    writeln!(out, "monitoring {path} at {baud} baud").map_err(|e| io_error(e.to_string()))?;
    let mut buffer = [0u8; 256];
    while !stop.load(Ordering::Relaxed) {
        match port.read(&mut buffer) {
            Ok(0) => return Err(io_error(format!("{path}: the port was closed"))),
            Ok(count) => {
                for chunk in buffer[..count].chunks(MONITOR_LINE_BYTES) {
                    writeln!(out, "{}", hex_ascii_line(chunk)).map_err(|e| io_error(e.to_string()))?;
                }
                out.flush().map_err(|e| io_error(e.to_string()))?;
            }
            Err(error) if is_quiet(&error) => {}
            Err(error) => return Err(io_error(describe_io_error(path, &error))),
        }
    }
    Ok(())
}

/// One monitor line: hex bytes padded to a fixed width, then the printable ASCII (`.` for the
/// rest): `49 4E 31 0D 0A …  |IN1..|`.
pub fn hex_ascii_line(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().map(|byte| format!("{byte:02X}")).collect();
    let ascii: String = bytes
        .iter()
        .map(|&byte| if byte.is_ascii_graphic() || byte == b' ' { byte as char } else { '.' })
        .collect();
    let width = MONITOR_LINE_BYTES * 3 - 1;
    format!("{:<width$}  |{ascii}|", hex.join(" "))
}

/// Read results that only mean "nothing arrived yet".
pub(crate) fn is_quiet(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted)
}

/// Why a port would not open, in words a technician can act on.
pub(crate) fn describe_open_error(path: &str, error: &serialport::Error) -> String {
    match error.kind() {
        serialport::ErrorKind::NoDevice => {
            format!("{path} is missing or used by another program: check the cable")
        }
        serialport::ErrorKind::InvalidInput if !error.description.is_empty() => error.description.clone(),
        serialport::ErrorKind::InvalidInput => format!("{path} is not a serial port name"),
        serialport::ErrorKind::Io(kind) => describe_kind(path, kind, &error.description),
        serialport::ErrorKind::Unknown => format!("{path} cannot be opened: {}", error.description),
    }
}

/// Why a working port stopped, in words a technician can act on.
pub(crate) fn describe_io_error(path: &str, error: &io::Error) -> String {
    describe_kind(path, error.kind(), &error.to_string())
}

fn describe_kind(path: &str, kind: io::ErrorKind, detail: &str) -> String {
    match kind {
        io::ErrorKind::NotFound => format!("{path} does not exist: check the cable"),
        // Windows answers "access denied" when another program holds the COM port.
        io::ErrorKind::PermissionDenied if cfg!(windows) => {
            format!("{path} is in use by another program: close it (the old booth software?) and try again")
        }
        io::ErrorKind::PermissionDenied => format!(
            "no permission to open {path}: add the user to the dialout group, or close the program using it"
        ),
        io::ErrorKind::BrokenPipe | io::ErrorKind::UnexpectedEof => {
            format!("{path} was unplugged or closed: check the cable")
        }
        _ => format!("{path}: {detail}: check the cable"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_limit_and_resets() {
        let mut backoff = Backoff::new(ReconnectPolicy { initial_ms: 100, max_ms: 500 });
        let waits: Vec<u64> = (0..5).map(|_| backoff.next_delay().as_millis() as u64).collect();
        assert_eq!(waits, [100, 200, 400, 500, 500]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_millis(100));
    }

    #[test]
    fn backoff_with_zero_waits_does_not_stick_at_zero() {
        let mut backoff = Backoff::new(ReconnectPolicy { initial_ms: 0, max_ms: 0 });
        assert_eq!(backoff.next_delay(), Duration::ZERO);
        assert_eq!(backoff.next_delay(), Duration::ZERO);
    }

    #[test]
    fn monitor_lines_show_hex_and_ascii() {
        assert_eq!(hex_ascii_line(b"IN1\r\n"), format!("{:<47}  |IN1..|", "49 4E 31 0D 0A"));
        assert_eq!(hex_ascii_line(&[0xA0, 0x01, 0x01, 0xA2]), format!("{:<47}  |....|", "A0 01 01 A2"));
        let full: Vec<u8> = (b'a'..=b'p').collect();
        assert_eq!(hex_ascii_line(&full).len(), 47 + 4 + 16);
    }

    #[test]
    fn open_errors_are_told_in_plain_words() {
        let missing = serialport::Error::new(serialport::ErrorKind::NoDevice, "x");
        assert!(describe_open_error("COM3", &missing).contains("COM3 is missing"));
        let denied = serialport::Error::new(serialport::ErrorKind::Io(io::ErrorKind::PermissionDenied), "x");
        // Windows says "access denied" for a port another program holds.
        let advice = if cfg!(windows) { "in use by another program" } else { "dialout" };
        assert!(describe_open_error("/dev/ttyUSB0", &denied).contains(advice));
        let gone = io::Error::new(io::ErrorKind::BrokenPipe, "EPIPE");
        assert!(describe_io_error("/dev/ttyACM0", &gone).contains("unplugged"));
    }

    #[test]
    fn impossible_com_names_are_refused_before_the_system_is_asked() {
        for (name, message) in [
            ("COM0", "COM0 is not a COM port: they are numbered COM1 to COM256"),
            ("COM3:", r"COM3: is not a COM port name: write it as COM3 (or \\.\COM10)"),
        ] {
            let Err(error) = open_port(name, DEFAULT_BAUD) else { panic!("{name} opened") };
            assert_eq!(error.kind(), serialport::ErrorKind::InvalidInput, "{name}");
            assert_eq!(describe_open_error(name, &error), message);
        }
    }
}
