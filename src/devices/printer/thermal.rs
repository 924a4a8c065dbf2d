//! A real ESC/POS thermal printer behind a [`Transport`], with an honest status.
//!
//! Every job runs on its own short-lived named thread and the caller waits at most the job's
//! deadline: a device file can block forever when the printer is off, and a booth must not.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::Clock;
use crate::devices::printer::escpos::{self, PrinterCondition};
use crate::devices::printer::job::{Paper, PrintJob};
use crate::devices::printer::transport::{JobReport, LinkError, Transport};
use crate::devices::printer::{PRINTER_NAME, Printer};
use crate::devices::{DeviceError, DeviceStatus, LinkState};

/// A thermal printer speaking ESC/POS.
pub struct EscPosPrinter {
    transport: Transport,
    paper: Paper,
    header_lines: Vec<String>,
    footer_lines: Vec<String>,
    timeout: Duration,
    status_query: bool,
    clock: Arc<dyn Clock>,
    status: Mutex<DeviceStatus>,
    /// Held by the thread writing a job, so two jobs never interleave their bytes.
    link_lock: Arc<Mutex<()>>,
}

impl EscPosPrinter {
    /// A printer on `transport` with `paper`; `timeout` bounds opening, status queries and
    /// writing (serial lines get their transfer time on top).
    pub fn new(transport: Transport, paper: Paper, timeout: Duration, clock: Arc<dyn Clock>) -> Self {
        let status = DeviceStatus::connecting(PRINTER_NAME, transport.describe());
        Self {
            transport,
            paper,
            header_lines: Vec::new(),
            footer_lines: Vec::new(),
            timeout,
            status_query: true,
            clock,
            status: Mutex::new(status),
            link_lock: Arc::new(Mutex::new(())),
        }
    }

    /// Header and footer lines printed on slips that bring none of their own.
    pub fn with_letterhead(mut self, header_lines: Vec<String>, footer_lines: Vec<String>) -> Self {
        self.header_lines = header_lines;
        self.footer_lines = footer_lines;
        self
    }

    /// Whether to ask a two-way printer for paper and cover state before each job (on by
    /// default; off for printers or print servers that never answer).
    pub fn with_status_query(mut self, enabled: bool) -> Self {
        self.status_query = enabled;
        self
    }

    /// The paper width this printer lays out for.
    pub fn paper(&self) -> Paper {
        self.paper
    }

    /// The exact bytes a job sends, letterhead filled in.
    pub fn encode(&self, job: &PrintJob) -> Vec<u8> {
        escpos::encode_job(&job.with_letterhead(&self.header_lines, &self.footer_lines), self.paper)
    }

    /// Asks the printer for its condition without printing and updates the status; `Ok(None)`
    /// when the link is write-only or the printer does not answer.
    pub fn probe(&self) -> Result<Option<PrinterCondition>, DeviceError> {
        let transport = self.transport.clone();
        let timeout = self.timeout;
        let lock = Arc::clone(&self.link_lock);
        let result = run_with_deadline(timeout + timeout, move || {
            let _guard = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            transport.probe(timeout)
        });
        let result = result.map(|inner| inner.map(|condition| JobReport { condition }));
        let result = self.settle(result, timeout + timeout);
        result.map(|report| report.condition)
    }

    /// Turns a link result into the public error and keeps the status honest.
    fn settle(
        &self,
        result: Result<Result<JobReport, LinkError>, DeadlineMissed>,
        waited: Duration,
    ) -> Result<JobReport, DeviceError> {
        let port = self.transport.describe();
        let outcome = match result {
            Ok(Ok(report)) => Ok(report),
            Ok(Err(LinkError::Open(message))) => {
                tracing::warn!(printer = %port, %message, "printer cannot be opened");
                Err((LinkState::Disconnected, not_connected(&port)))
            }
            Ok(Err(LinkError::Io(message))) => {
                Err((LinkState::Disconnected, DeviceError::Io { device: PRINTER_NAME.to_string(), message }))
            }
            Ok(Err(LinkError::Fault(message))) => Err((
                LinkState::Fault,
                DeviceError::Fault { device: PRINTER_NAME.to_string(), message: message.to_string() },
            )),
            Ok(Err(LinkError::Timeout)) | Err(DeadlineMissed) => Err((
                LinkState::Disconnected,
                DeviceError::Timeout {
                    device: PRINTER_NAME.to_string(),
                    timeout_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                },
            )),
        };
        let mut status = self.status.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match outcome {
            Ok(report) => {
                // A probe reaches a printer that may still be unable to print.
                let fault = report.condition.and_then(|condition| condition.fault());
                status.state = if fault.is_some() { LinkState::Fault } else { LinkState::Connected };
                status.last_error = fault.map(str::to_string);
                status.warning =
                    report.condition.and_then(|condition| condition.warning()).map(str::to_string);
                status.last_seen = Some(self.clock.now());
                Ok(report)
            }
            Err((state, error)) => {
                status.state = state;
                status.last_error = Some(error.to_string());
                Err(error)
            }
        }
    }
}

impl Printer for EscPosPrinter {
    fn print(&self, job: &PrintJob) -> Result<(), DeviceError> {
        let bytes = self.encode(job);
        let deadline = self.timeout + self.transport.transfer_time(bytes.len());
        let transport = self.transport.clone();
        let (timeout, status_query) = (self.timeout, self.status_query);
        let lock = Arc::clone(&self.link_lock);
        let result = run_with_deadline(deadline, move || {
            let _guard = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            transport.send(&bytes, timeout + transport.transfer_time(bytes.len()), status_query)
        });
        let result = self.settle(result, deadline);
        match &result {
            Ok(_) => tracing::info!(job = job.kind_name(), "printed"),
            Err(err) => tracing::warn!(job = job.kind_name(), error = %err, "print failed"),
        }
        result.map(|_| ())
    }

    fn status(&self) -> DeviceStatus {
        self.status.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

fn not_connected(port: &str) -> DeviceError {
    DeviceError::NotConnected { device: PRINTER_NAME.to_string(), port: port.to_string() }
}

/// The work did not finish in time; it goes on unwatched and its result is dropped.
#[derive(Debug)]
struct DeadlineMissed;

/// Runs `work` on a named thread and waits at most `deadline` for it.
fn run_with_deadline<T: Send + 'static>(
    deadline: Duration,
    work: impl FnOnce() -> Result<T, LinkError> + Send + 'static,
) -> Result<Result<T, LinkError>, DeadlineMissed> {
    // Capacity one: the worker's single send never blocks, even if nobody waits any more.
    let (reply_tx, reply_rx) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new().name("printer-job".into()).spawn(move || {
        let _ = reply_tx.send(work());
    });
    if let Err(err) = spawned {
        return Ok(Err(LinkError::Io(format!("cannot start the print thread: {err}"))));
    }
    reply_rx.recv_timeout(deadline).map_err(|_| DeadlineMissed)
}
