//! The `[devices.printer]` configuration section and the printer built from it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::devices::printer::Printer;
use crate::devices::printer::job::Paper;
use crate::devices::printer::sim::SimulatedPrinter;
use crate::devices::printer::thermal::EscPosPrinter;
use crate::devices::printer::transport::Transport;

/// How the printer is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterKind {
    /// ESC/POS over a serial port (`port`, `baud`).
    Serial,
    /// ESC/POS written to a device file or share (`path`).
    File,
    /// ESC/POS over raw TCP (`address`, usually port 9100).
    Tcp,
    /// ESC/POS to a Windows printer by its name (`name`), through the spooler in RAW mode.
    Windows,
    /// No hardware: slips are rendered to images.
    #[default]
    Simulated,
}

/// `[devices.printer]`.
///
/// ```toml
/// [devices.printer]
/// kind = "tcp"              # "serial" | "file" | "tcp" | "windows" | "simulated" (default)
/// address = "10.0.0.5:9100" # tcp
/// # name = "EPSON TM-T82"   # windows: the printer's name in Settings → Printers
/// # port = "/dev/ttyUSB0"   # serial (COM3 on Windows)
/// # baud = 9600             # serial, default 9600
/// # path = "/dev/usb/lp0"   # file (LPT1 or \\PC\PRINTER on Windows)
/// paper = "80mm"            # "58mm" (default) | "80mm"
/// header_lines = ["MALL KOTA", "Jl. Raya 88"]  # used when a slip brings none
/// footer_lines = ["Terima kasih"]
/// timeout_ms = 3000         # open + status + write, default 3000
/// status_query = true       # ask serial/TCP printers for paper and cover first
/// print_ms = 250            # simulated printer: time per job
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrinterConfig {
    /// How the printer is connected.
    pub kind: PrinterKind,
    /// Serial port name, for `kind = "serial"`.
    pub port: Option<String>,
    /// Serial speed in bits per second (default 9600).
    pub baud: u32,
    /// Device file or share, for `kind = "file"`.
    pub path: Option<PathBuf>,
    /// `host:port`, for `kind = "tcp"`.
    pub address: Option<String>,
    /// The Windows printer's name, for `kind = "windows"`.
    pub name: Option<String>,
    /// Paper roll width (default 58 mm).
    pub paper: Paper,
    /// Letterhead for slips that bring none (site name first).
    pub header_lines: Vec<String>,
    /// Small print for slips that bring none.
    pub footer_lines: Vec<String>,
    /// Time allowed to open the link, query status and write a job (default 3000 ms).
    pub timeout_ms: u64,
    /// Ask two-way printers for paper and cover state before each job (default true).
    pub status_query: bool,
    /// Time the simulated printer takes per job (default 250 ms).
    pub print_ms: u64,
}

impl Default for PrinterConfig {
    fn default() -> Self {
        Self {
            kind: PrinterKind::Simulated,
            port: None,
            baud: 9600,
            path: None,
            address: None,
            name: None,
            paper: Paper::Mm58,
            header_lines: Vec::new(),
            footer_lines: Vec::new(),
            timeout_ms: 3000,
            status_query: true,
            print_ms: 250,
        }
    }
}

/// A `[devices.printer]` section that cannot work, naming the key to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrinterConfigError {
    /// A key the chosen kind needs is missing or empty.
    #[error("devices.printer.{key} is required when kind = \"{kind}\"")]
    Missing {
        /// The missing key.
        key: &'static str,
        /// The configured kind.
        kind: &'static str,
    },
    /// A value is out of range.
    #[error("devices.printer.{key}: {problem}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// What is wrong and what is allowed.
        problem: String,
    },
}

impl PrinterConfig {
    /// The link this section describes, or `None` for the simulated printer.
    pub fn transport(&self) -> Result<Option<Transport>, PrinterConfigError> {
        fn required<T: Clone>(
            value: &Option<T>,
            empty: impl Fn(&T) -> bool,
            key: &'static str,
            kind: &'static str,
        ) -> Result<T, PrinterConfigError> {
            value.as_ref().filter(|v| !empty(v)).cloned().ok_or(PrinterConfigError::Missing { key, kind })
        }
        if self.timeout_ms == 0 {
            return Err(PrinterConfigError::Invalid {
                key: "timeout_ms",
                problem: "must be more than 0".into(),
            });
        }
        Ok(match self.kind {
            PrinterKind::Serial => {
                if self.baud == 0 {
                    return Err(PrinterConfigError::Invalid {
                        key: "baud",
                        problem: "must be more than 0 (usually 9600, 19200 or 115200)".into(),
                    });
                }
                Some(Transport::Serial {
                    port: required(&self.port, |p| p.trim().is_empty(), "port", "serial")?,
                    baud: self.baud,
                })
            }
            PrinterKind::File => Some(Transport::File {
                path: required(&self.path, |p| p.as_os_str().is_empty(), "path", "file")?,
            }),
            PrinterKind::Tcp => Some(Transport::Tcp {
                address: required(&self.address, |a| a.trim().is_empty(), "address", "tcp")?,
            }),
            PrinterKind::Windows if !cfg!(windows) => {
                return Err(PrinterConfigError::Invalid {
                    key: "kind",
                    problem: "\"windows\" (a printer by name) works on Windows only: use \"serial\", \"file\" or \"tcp\" here".into(),
                });
            }
            PrinterKind::Windows => Some(Transport::Spooler {
                name: required(&self.name, |n| n.trim().is_empty(), "name", "windows")?.trim().to_owned(),
            }),
            PrinterKind::Simulated => None,
        })
    }
}

/// The printer built from configuration, keeping the concrete type for the simulation controls.
#[derive(Clone)]
pub enum PrinterHandle {
    /// A real ESC/POS printer.
    EscPos(Arc<EscPosPrinter>),
    /// The simulated printer (paper-out switch, printed slips).
    Simulated(Arc<SimulatedPrinter>),
}

impl PrinterHandle {
    /// The printer as the lanes use it.
    pub fn printer(&self) -> Arc<dyn Printer> {
        match self {
            PrinterHandle::EscPos(printer) => printer.clone(),
            PrinterHandle::Simulated(printer) => printer.clone(),
        }
    }

    /// The simulated printer, if this is one.
    pub fn simulated(&self) -> Option<&Arc<SimulatedPrinter>> {
        match self {
            PrinterHandle::Simulated(printer) => Some(printer),
            PrinterHandle::EscPos(_) => None,
        }
    }
}

/// Builds the printer a `[devices.printer]` section describes. Nothing is opened yet: the first
/// job opens the link.
pub fn printer_from_config(
    config: &PrinterConfig,
    clock: Arc<dyn Clock>,
) -> Result<PrinterHandle, PrinterConfigError> {
    let header = config.header_lines.clone();
    let footer = config.footer_lines.clone();
    Ok(match config.transport()? {
        Some(transport) => PrinterHandle::EscPos(Arc::new(
            EscPosPrinter::new(transport, config.paper, Duration::from_millis(config.timeout_ms), clock)
                .with_letterhead(header, footer)
                .with_status_query(config.status_query),
        )),
        None => PrinterHandle::Simulated(Arc::new(
            SimulatedPrinter::new(config.paper, Duration::from_millis(config.print_ms), clock)
                .with_letterhead(header, footer),
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    #[test]
    fn defaults_are_a_simulated_58mm_printer() {
        let config: PrinterConfig = toml::from_str("").unwrap();
        assert_eq!(config, PrinterConfig::default());
        let handle = printer_from_config(&config, Arc::new(SystemClock)).unwrap();
        assert!(handle.simulated().is_some());
        assert_eq!(handle.printer().status().port, "simulated");
    }

    #[test]
    fn each_kind_builds_its_transport() {
        let cases = [
            (
                "kind = \"serial\"\nport = \"/dev/ttyUSB0\"\nbaud = 19200",
                Transport::Serial { port: "/dev/ttyUSB0".into(), baud: 19200 },
            ),
            ("kind = \"file\"\npath = \"/dev/usb/lp0\"", Transport::File { path: "/dev/usb/lp0".into() }),
            (
                "kind = \"tcp\"\naddress = \"10.0.0.5:9100\"\npaper = \"80mm\"",
                Transport::Tcp { address: "10.0.0.5:9100".into() },
            ),
        ];
        for (text, expected) in cases {
            let config: PrinterConfig = toml::from_str(text).unwrap();
            assert_eq!(config.transport().unwrap(), Some(expected), "{text}");
            let handle = printer_from_config(&config, Arc::new(SystemClock)).unwrap();
            assert!(handle.simulated().is_none());
        }
    }

    #[test]
    fn bad_sections_name_the_key() {
        let cases = [
            ("kind = \"serial\"", "devices.printer.port is required when kind = \"serial\""),
            ("kind = \"tcp\"\naddress = \" \"", "devices.printer.address is required when kind = \"tcp\""),
            ("kind = \"file\"", "devices.printer.path is required when kind = \"file\""),
            ("timeout_ms = 0", "devices.printer.timeout_ms: must be more than 0"),
        ];
        for (text, message) in cases {
            let config: PrinterConfig = toml::from_str(text).unwrap();
            let err = printer_from_config(&config, Arc::new(SystemClock)).err().unwrap();
            assert_eq!(err.to_string(), message, "{text}");
        }
        for text in ["colour = \"red\"", "paper = \"57mm\"", "kind = \"usb\""] {
            assert!(toml::from_str::<PrinterConfig>(text).is_err(), "{text}");
        }
    }

    #[cfg(windows)]
    #[test]
    fn a_windows_printer_is_named() {
        let config: PrinterConfig = toml::from_str("kind = \"windows\"\nname = \" EPSON TM-T82 \"").unwrap();
        assert_eq!(config.transport().unwrap(), Some(Transport::Spooler { name: "EPSON TM-T82".into() }));
        let config: PrinterConfig = toml::from_str("kind = \"windows\"").unwrap();
        let err = config.transport().unwrap_err().to_string();
        assert_eq!(err, "devices.printer.name is required when kind = \"windows\"");
    }

    #[cfg(not(windows))]
    #[test]
    fn a_windows_printer_is_refused_off_windows() {
        let config: PrinterConfig = toml::from_str("kind = \"windows\"\nname = \"EPSON TM-T82\"").unwrap();
        let err = printer_from_config(&config, Arc::new(SystemClock)).err().unwrap().to_string();
        assert!(
            err.starts_with("devices.printer.kind: \"windows\" (a printer by name) works on Windows only"),
            "{err}"
        );
    }
}
