//! The worker loop every serial device shares: open the port, read with a short timeout, feed
//! the device's driver, run its commands and timers, and reopen with backoff when the port goes.

use std::cell::Cell;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError, TrySendError};
use serialport::SerialPort;

use super::{Backoff, ReconnectPolicy, describe_io_error, describe_open_error, is_quiet, open_port};
use crate::devices::input::InputEvent;
use crate::devices::shared_status::{Notify, SharedStatus};
use crate::devices::{DeviceError, DeviceStatus, LinkState};

/// Longest a read blocks: bounds how late a command is written and how late a stop is seen.
const READ_TIMEOUT: Duration = Duration::from_millis(10);
/// Longest a write of a few command bytes may take before the port counts as broken.
const WRITE_TIMEOUT: Duration = Duration::from_millis(500);
/// Commands waiting for a busy worker; callers beyond that are told the device is busy.
const COMMAND_QUEUE: usize = 8;
/// Unusable messages in a row after which the device counts as faulty (wrong baud rate or
/// wrong device type give nothing else).
const UNREADABLE_IN_A_ROW: u32 = 3;

/// Where a worker's port is and how to retry it.
#[derive(Debug, Clone)]
pub(crate) struct LinkSpec {
    /// Configured device name (thread name, status, errors).
    pub name: String,
    /// Port path or name.
    pub path: String,
    /// Baud rate.
    pub baud: u32,
    /// Retry waits.
    pub reconnect: ReconnectPolicy,
}

/// What a driver may touch while handling bytes and commands.
pub(crate) struct LinkOutput {
    pub name: String,
    pub path: String,
    events: Option<Sender<InputEvent>>,
    pub status: SharedStatus,
    /// Unusable messages since the last good one.
    unreadable_in_a_row: Cell<u32>,
}

impl LinkOutput {
    /// Hands an event to the lane; a full queue drops it (the worker must keep reading).
    pub fn publish(&self, event: InputEvent) {
        let Some(events) = &self.events else {
            return;
        };
        // A good message ends the warning about earlier bad ones; cleared before the send
        // so whoever receives the event sees the status that goes with it.
        self.status.set_warning(None);
        if self.unreadable_in_a_row.replace(0) >= UNREADABLE_IN_A_ROW {
            self.healthy();
        }
        match events.try_send(event) {
            Ok(()) => {}
            Err(TrySendError::Full(event)) => {
                tracing::warn!(device = %self.name, ?event, "event queue full: event dropped");
                self.status.set_warning(Some("events are not being read: some were dropped".into()));
            }
            Err(TrySendError::Disconnected(event)) => {
                tracing::debug!(device = %self.name, ?event, "nobody listens: event dropped");
            }
        }
    }

    /// A complete message that could not be used: logged, and shown until the next good one.
    pub fn reject(&self, reason: String) {
        tracing::warn!(device = %self.name, %reason, "unusable message");
        let in_a_row = self.unreadable_in_a_row.get().saturating_add(1);
        self.unreadable_in_a_row.set(in_a_row);
        if in_a_row == UNREADABLE_IN_A_ROW {
            self.fault(format!(
                "only unreadable data arrives ({reason}): check the baud rate and the device type"
            ));
        }
        self.status.set_warning(Some(reason));
    }

    /// The port is open but the device misbehaves; the reason in plain words.
    pub fn fault(&self, reason: String) {
        self.status.update(|status| {
            status.state = LinkState::Fault;
            status.last_error = Some(reason);
        });
    }

    /// The device behaves again after a fault.
    pub fn healthy(&self) {
        self.status.set_connected();
    }

    /// The error a command gets while the port is not open.
    pub fn not_connected(&self) -> DeviceError {
        DeviceError::NotConnected { device: self.name.clone(), port: self.path.clone() }
    }

    /// The error a command gets when writing failed.
    pub fn io_error(&self, error: &io::Error) -> DeviceError {
        DeviceError::Io { device: self.name.clone(), message: describe_io_error(&self.path, error) }
    }
}

/// The open port as drivers see it: writes with a write timeout; the loop reads with a short one.
pub(crate) struct PortWriter<'a> {
    port: &'a mut dyn SerialPort,
    /// The timeout set on the port now (a syscall on Windows, so set only on change).
    timeout: Duration,
}

impl PortWriter<'_> {
    /// Writes all of `bytes` and waits until they have left.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.set_timeout(WRITE_TIMEOUT)?;
        self.port.write_all(bytes)?;
        self.port.flush()
    }

    fn set_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        if timeout != self.timeout {
            self.port.set_timeout(timeout)?;
            self.timeout = timeout;
        }
        Ok(())
    }
}

/// One device's protocol logic on top of the shared loop.
pub(crate) trait Driver: Send + 'static {
    /// What callers ask the worker to do.
    type Command: Send + 'static;

    /// The port just opened: forget partial messages, send start-up bytes.
    fn on_connect(&mut self, port: &mut PortWriter<'_>) -> io::Result<()>;

    /// Bytes arrived at `now`.
    fn on_bytes(&mut self, bytes: &[u8], now: Instant, out: &LinkOutput);

    /// False while the driver waits for something (an acknowledgement); commands then queue.
    fn accepts_commands(&self) -> bool {
        true
    }

    /// Runs a command. A write error is answered to the caller here and returned to end the
    /// session.
    fn on_command(
        &mut self,
        command: Self::Command,
        port: &mut PortWriter<'_>,
        now: Instant,
        out: &LinkOutput,
    ) -> io::Result<()>;

    /// Answers a command that cannot run (port not open).
    fn refuse(&mut self, command: Self::Command, error: DeviceError);

    /// When the driver next wants [`Driver::on_deadline`].
    fn deadline(&self) -> Option<Instant> {
        None
    }

    /// The deadline passed (acknowledgement timeout, end of a relay pulse).
    fn on_deadline(
        &mut self,
        _now: Instant,
        _port: &mut PortWriter<'_>,
        _out: &LinkOutput,
    ) -> io::Result<()> {
        Ok(())
    }

    /// The port is gone: answer whatever was waiting.
    fn on_disconnect(&mut self, out: &LinkOutput);
}

/// The owner's end of a worker: commands in, status out. Dropping it stops the thread and
/// closes the port before `drop` returns.
pub(crate) struct LinkHandle<C> {
    commands: Option<Sender<C>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    status: SharedStatus,
    name: String,
    path: String,
}

impl<C: Send + 'static> LinkHandle<C> {
    /// Starts the worker thread `gardu-<name>`.
    pub fn spawn<D: Driver<Command = C>>(
        spec: LinkSpec,
        driver: D,
        events: Option<Sender<InputEvent>>,
        notify: Option<Notify>,
    ) -> Result<Self, DeviceError> {
        let status = SharedStatus::new(DeviceStatus::connecting(&spec.name, &spec.path), notify);
        let (command_tx, command_rx) = crossbeam_channel::bounded(COMMAND_QUEUE);
        let stop = Arc::new(AtomicBool::new(false));
        let out = LinkOutput {
            name: spec.name.clone(),
            path: spec.path.clone(),
            events,
            status: status.clone(),
            unreadable_in_a_row: Cell::new(0),
        };
        let worker_stop = Arc::clone(&stop);
        let (name, path) = (spec.name.clone(), spec.path.clone());
        let thread = std::thread::Builder::new()
            .name(format!("gardu-{}", spec.name))
            .spawn(move || run(spec, driver, command_rx, worker_stop, out))
            .map_err(|error| DeviceError::Io {
                device: name.clone(),
                message: format!("cannot start its worker thread: {error}"),
            })?;
        Ok(Self { commands: Some(command_tx), stop, thread: Some(thread), status, name, path })
    }

    /// The device's current status.
    pub fn status(&self) -> DeviceStatus {
        self.status.get()
    }

    /// Sends a command made around a reply channel and waits up to `wait` for the answer.
    pub fn request(
        &self,
        make: impl FnOnce(Sender<Result<(), DeviceError>>) -> C,
        wait: Duration,
    ) -> Result<(), DeviceError> {
        let timeout = || DeviceError::Timeout {
            device: self.name.clone(),
            timeout_ms: wait.as_millis().try_into().unwrap_or(u64::MAX),
        };
        let not_connected =
            || DeviceError::NotConnected { device: self.name.clone(), port: self.path.clone() };
        let Some(commands) = &self.commands else {
            return Err(not_connected());
        };
        let (reply_tx, reply_rx) = crossbeam_channel::bounded(1);
        commands.send_timeout(make(reply_tx), wait).map_err(|error| match error {
            crossbeam_channel::SendTimeoutError::Timeout(_) => timeout(),
            crossbeam_channel::SendTimeoutError::Disconnected(_) => not_connected(),
        })?;
        match reply_rx.recv_timeout(wait) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(timeout()),
            Err(RecvTimeoutError::Disconnected) => Err(not_connected()),
        }
    }
}

impl<C> Drop for LinkHandle<C> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Dropping the sender wakes a worker waiting out a backoff.
        self.commands.take();
        let panicked = self.thread.take().is_some_and(|thread| thread.join().is_err());
        if panicked {
            tracing::error!(device = %self.name, "serial worker panicked");
        }
    }
}

/// How a session with an open port ended.
enum SessionEnd {
    /// The owner dropped the handle.
    Stopped,
    /// The port failed; the reason in plain words.
    Lost(String),
}

fn run<D: Driver>(
    spec: LinkSpec,
    mut driver: D,
    commands: Receiver<D::Command>,
    stop: Arc<AtomicBool>,
    out: LinkOutput,
) {
    let mut backoff = Backoff::new(spec.reconnect);
    while !stop.load(Ordering::Relaxed) {
        match open_port(&spec.path, spec.baud) {
            Ok(mut port) => {
                backoff.reset();
                tracing::info!(device = %spec.name, port = %spec.path, "connected");
                out.unreadable_in_a_row.set(0);
                out.status.set_connected();
                match session(port.as_mut(), &mut driver, &commands, &stop, &out) {
                    SessionEnd::Stopped => return,
                    SessionEnd::Lost(reason) => {
                        tracing::warn!(device = %spec.name, %reason, "port lost");
                        out.status.set_disconnected(reason);
                        driver.on_disconnect(&out);
                    }
                }
            }
            Err(error) => {
                let reason = describe_open_error(&spec.path, &error);
                tracing::debug!(device = %spec.name, %reason, "port not open");
                out.status.set_disconnected(reason);
            }
        }
        if !wait_before_retry(backoff.next_delay(), &mut driver, &commands, &out) {
            return;
        }
    }
}

/// Waits out a backoff, refusing commands meanwhile. False when the owner is gone.
fn wait_before_retry<D: Driver>(
    delay: Duration,
    driver: &mut D,
    commands: &Receiver<D::Command>,
    out: &LinkOutput,
) -> bool {
    let until = Instant::now() + delay;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match commands.recv_timeout(left) {
            Ok(command) => driver.refuse(command, out.not_connected()),
            Err(RecvTimeoutError::Timeout) => return true,
            Err(RecvTimeoutError::Disconnected) => return false,
        }
    }
}

fn session<D: Driver>(
    port: &mut dyn SerialPort,
    driver: &mut D,
    commands: &Receiver<D::Command>,
    stop: &AtomicBool,
    out: &LinkOutput,
) -> SessionEnd {
    let lost = |error: io::Error| SessionEnd::Lost(describe_io_error(&out.path, &error));
    let mut writer = PortWriter { timeout: port.timeout(), port };
    if let Err(error) = driver.on_connect(&mut writer) {
        return lost(error);
    }
    let mut buffer = [0u8; 256];
    loop {
        if stop.load(Ordering::Relaxed) {
            return SessionEnd::Stopped;
        }
        while driver.accepts_commands() {
            match commands.try_recv() {
                Ok(command) => {
                    if let Err(error) = driver.on_command(command, &mut writer, Instant::now(), out) {
                        return lost(error);
                    }
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return SessionEnd::Stopped,
            }
        }
        let now = Instant::now();
        let mut wait = READ_TIMEOUT;
        if let Some(deadline) = driver.deadline() {
            if deadline <= now {
                if let Err(error) = driver.on_deadline(now, &mut writer, out) {
                    return lost(error);
                }
                continue;
            }
            wait = wait.min(deadline - now);
        }
        if let Err(error) = writer.set_timeout(wait) {
            return lost(error);
        }
        match writer.port.read(&mut buffer) {
            // A tty that reads nothing after poll said it was readable has hung up.
            Ok(0) => return lost(io::ErrorKind::UnexpectedEof.into()),
            Ok(count) => {
                out.status.set_seen(Utc::now());
                driver.on_bytes(&buffer[..count], Instant::now(), out);
            }
            Err(error) if is_quiet(&error) => {}
            Err(error) => return lost(error),
        }
    }
}

/// The command type of devices that take none (readers, scanners).
#[derive(Debug)]
pub(crate) enum NoCommand {}
