//! Byte links to a printer: serial port, device file (`/dev/usb/lp0`, `LPT1`, a Windows share),
//! raw TCP (port 9100) or a Windows printer by name (the spooler, RAW). Each job opens, writes
//! and closes, so an unplugged printer recovers by itself when it comes back.

use std::fs::OpenOptions;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use crate::devices::printer::escpos::{self, PrinterCondition};

/// Where a printer's bytes go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// A serial port (`/dev/ttyUSB0`, `COM3`): two-way, answers status queries.
    Serial {
        /// Port name.
        port: String,
        /// Bits per second.
        baud: u32,
    },
    /// A device file or share the operating system prints to: write-only.
    File {
        /// `/dev/usb/lp0`, `LPT1`, `\\PC\PRINTER`.
        path: PathBuf,
    },
    /// A network printer's raw port: two-way.
    Tcp {
        /// `host:port`, usually port 9100.
        address: String,
    },
    /// A Windows printer by name, through the spooler in RAW mode: write-only.
    Spooler {
        /// The name in Settings → Printers, e.g. `EPSON TM-T82 Receipt`.
        name: String,
    },
}

/// The job name a ticket or receipt has in the Windows print queue.
#[cfg(windows)]
const SPOOLER_DOCUMENT: &str = "Gardu";

/// Longest wait for one status byte: a printer answers `DLE EOT` within milliseconds, and one
/// that never answers should not cost the whole job timeout.
const STATUS_REPLY_TIMEOUT: Duration = Duration::from_millis(500);

/// An open link for one job.
enum Link {
    Serial(Box<dyn serialport::SerialPort>),
    File(std::fs::File),
    Tcp(TcpStream),
    #[cfg(windows)]
    Spooler(crate::platform::spooler::RawJob),
}

impl Link {
    fn set_read_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        match self {
            Link::Serial(port) => port.set_timeout(timeout).map_err(io::Error::from),
            Link::File(_) => Ok(()),
            Link::Tcp(stream) => stream.set_read_timeout(Some(timeout)),
            #[cfg(windows)]
            Link::Spooler(_) => Ok(()),
        }
    }

    /// Ends the job: a spooler job is handed to the printer only now, and may still fail.
    fn finish(self) -> io::Result<()> {
        #[cfg(windows)]
        if let Link::Spooler(job) = self {
            return job.finish();
        }
        Ok(())
    }
}

impl Read for Link {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Link::Serial(port) => port.read(buf),
            Link::File(file) => file.read(buf),
            Link::Tcp(stream) => stream.read(buf),
            #[cfg(windows)]
            Link::Spooler(_) => Err(io::Error::new(io::ErrorKind::Unsupported, "the spooler is write-only")),
        }
    }
}

impl Write for Link {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Link::Serial(port) => port.write(buf),
            Link::File(file) => file.write(buf),
            Link::Tcp(stream) => stream.write(buf),
            #[cfg(windows)]
            Link::Spooler(job) => job.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Link::Serial(port) => port.flush(),
            Link::File(file) => file.flush(),
            Link::Tcp(stream) => stream.flush(),
            #[cfg(windows)]
            Link::Spooler(job) => job.flush(),
        }
    }
}

/// How a link failed, before it becomes a [`crate::devices::DeviceError`].
#[derive(Debug)]
pub enum LinkError {
    /// The port, file or host could not be opened.
    Open(String),
    /// Reading or writing timed out.
    Timeout,
    /// Reading or writing failed.
    Io(String),
    /// The printer says it cannot print.
    Fault(&'static str),
}

/// What a job learned about the printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JobReport {
    /// The printer's condition, if the link is two-way and the printer answered.
    pub condition: Option<PrinterCondition>,
}

impl Transport {
    /// Where it is, for the status line: `/dev/ttyUSB0`, `/dev/usb/lp0`, `tcp://10.0.0.5:9100`,
    /// `printer "EPSON TM-T82"`.
    pub fn describe(&self) -> String {
        match self {
            Transport::Serial { port, .. } => port.clone(),
            Transport::File { path } => path.display().to_string(),
            Transport::Tcp { address } => format!("tcp://{address}"),
            Transport::Spooler { name } => format!("printer \"{name}\""),
        }
    }

    /// Whether the printer can answer status queries over this link.
    pub fn two_way(&self) -> bool {
        !matches!(self, Transport::File { .. } | Transport::Spooler { .. })
    }

    /// Time the bytes themselves need on the wire: serial lines are slow enough to matter
    /// (a ticket is about 1 KB, a second at 9600 baud).
    pub fn transfer_time(&self, bytes: usize) -> Duration {
        match self {
            Transport::Serial { baud, .. } => {
                // Ten bits per byte: start, eight data, stop.
                let millis = (bytes as u64 * 10 * 1000) / u64::from((*baud).max(1));
                Duration::from_millis(millis)
            }
            Transport::File { .. } | Transport::Tcp { .. } | Transport::Spooler { .. } => Duration::ZERO,
        }
    }

    fn open(&self, timeout: Duration) -> Result<Link, LinkError> {
        match self {
            Transport::Serial { port, baud } => {
                crate::platform::serial_name::check(port).map_err(|err| LinkError::Open(err.to_string()))?;
                let link = serialport::new(port.trim(), *baud)
                    .timeout(timeout)
                    .open()
                    .map_err(|err| LinkError::Open(err.to_string()))?;
                Ok(Link::Serial(link))
            }
            Transport::File { path } => {
                // Never create: a missing `/dev/usb/lp0` means an unplugged printer, and creating
                // a plain file there would swallow every ticket silently.
                let mut options = OpenOptions::new();
                // Appending keeps a plain capture file whole across jobs; Windows printer
                // shares and LPT ports accept plain writes only.
                if cfg!(windows) {
                    options.write(true);
                } else {
                    options.append(true);
                }
                let file = options.open(path).map_err(|err| LinkError::Open(err.to_string()))?;
                Ok(Link::File(file))
            }
            Transport::Tcp { address } => {
                let target = resolve(address)?;
                let stream = TcpStream::connect_timeout(&target, timeout).map_err(|err| {
                    if err.kind() == io::ErrorKind::TimedOut {
                        LinkError::Timeout
                    } else {
                        LinkError::Open(err.to_string())
                    }
                })?;
                stream
                    .set_write_timeout(Some(timeout))
                    .and_then(|()| stream.set_read_timeout(Some(timeout)))
                    .map_err(|err| LinkError::Io(err.to_string()))?;
                Ok(Link::Tcp(stream))
            }
            #[cfg(windows)]
            Transport::Spooler { name } => crate::platform::spooler::RawJob::start(name, SPOOLER_DOCUMENT)
                .map(Link::Spooler)
                .map_err(|err| LinkError::Open(err.to_string())),
            #[cfg(not(windows))]
            Transport::Spooler { name } => Err(LinkError::Open(format!(
                "printer \"{name}\": Windows printers by name work on Windows only"
            ))),
        }
    }

    /// Sends one job: opens the link, asks a two-way printer for its condition first (so a
    /// printer without paper fails the job instead of swallowing it), writes, closes.
    pub fn send(&self, bytes: &[u8], timeout: Duration, status_query: bool) -> Result<JobReport, LinkError> {
        let mut link = self.open(timeout)?;
        let mut report = JobReport::default();
        if status_query && self.two_way() {
            report.condition = query_condition(&mut link, timeout)?;
            if let Some(fault) = report.condition.as_ref().and_then(PrinterCondition::fault) {
                return Err(LinkError::Fault(fault));
            }
        }
        link.write_all(bytes).map_err(io_error)?;
        link.flush().map_err(io_error)?;
        link.finish().map_err(io_error)?;
        Ok(report)
    }

    /// Opens the link and asks for the printer's condition without printing; `None` when the
    /// link is write-only or the printer does not answer status queries.
    pub fn probe(&self, timeout: Duration) -> Result<Option<PrinterCondition>, LinkError> {
        let mut link = self.open(timeout)?;
        if self.two_way() { query_condition(&mut link, timeout) } else { Ok(None) }
    }
}

fn resolve(address: &str) -> Result<SocketAddr, LinkError> {
    address
        .to_socket_addrs()
        .map_err(|err| LinkError::Open(format!("{address}: {err}")))?
        .next()
        .ok_or_else(|| LinkError::Open(format!("{address}: no such host")))
}

fn io_error(err: io::Error) -> LinkError {
    match err.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => LinkError::Timeout,
        _ => LinkError::Io(err.to_string()),
    }
}

/// `DLE EOT 4` then `DLE EOT 2`, one status byte each. A printer that stays silent (status
/// replies switched off, a one-way print server) gives `None` rather than an error: it may
/// still print.
fn query_condition(link: &mut Link, timeout: Duration) -> Result<Option<PrinterCondition>, LinkError> {
    link.set_read_timeout(timeout.min(STATUS_REPLY_TIMEOUT)).map_err(io_error)?;
    let mut condition = PrinterCondition::default();
    type Parser = fn(u8, &mut PrinterCondition) -> bool;
    let queries: [(&[u8], Parser); 2] = [
        (&escpos::QUERY_PAPER, escpos::parse_paper_status),
        (&escpos::QUERY_OFFLINE, escpos::parse_offline_status),
    ];
    for (query, parse) in queries {
        link.write_all(query).map_err(io_error)?;
        link.flush().map_err(io_error)?;
        let mut reply = [0u8; 1];
        match link.read(&mut reply) {
            Ok(1) if parse(reply[0], &mut condition) => {}
            Ok(_) => return Ok(None),
            Err(err) if matches!(err.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => {
                return Ok(None);
            }
            Err(err) => return Err(LinkError::Io(err.to_string())),
        }
    }
    Ok(Some(condition))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_and_directions() {
        let serial = Transport::Serial { port: "/dev/ttyUSB0".into(), baud: 9600 };
        let file = Transport::File { path: "/dev/usb/lp0".into() };
        let tcp = Transport::Tcp { address: "10.0.0.5:9100".into() };
        assert_eq!(serial.describe(), "/dev/ttyUSB0");
        assert_eq!(file.describe(), "/dev/usb/lp0");
        assert_eq!(tcp.describe(), "tcp://10.0.0.5:9100");
        let spooler = Transport::Spooler { name: "EPSON TM-T82".into() };
        assert_eq!(spooler.describe(), "printer \"EPSON TM-T82\"");
        assert!(serial.two_way() && tcp.two_way() && !file.two_way() && !spooler.two_way());
        assert_eq!(serial.transfer_time(960), Duration::from_secs(1));
        assert_eq!(tcp.transfer_time(960), Duration::ZERO);
    }

    #[test]
    fn a_missing_device_file_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lp0");
        let file = Transport::File { path: path.clone() };
        let result = file.send(b"x", Duration::from_millis(100), true);
        assert!(matches!(result, Err(LinkError::Open(_))), "{result:?}");
        assert!(!path.exists());
    }
}
