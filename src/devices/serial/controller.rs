//! A line controller on a serial port: one worker owns the port, publishes the controller's
//! input events and carries barrier commands, waiting for an acknowledgement where configured.

use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use super::ReconnectPolicy;
use super::link::{Driver, LinkHandle, LinkOutput, LinkSpec, PortWriter};
use crate::devices::barrier::{Barrier, BarrierPosition};
use crate::devices::input::InputEvent;
use crate::devices::protocol::controller::{ControllerDecoder, EventTable, Framing, LineMeaning};
use crate::devices::shared_status::Notify;
use crate::devices::{DeviceError, DeviceStatus};

/// Everything a controller worker needs, already validated.
#[derive(Debug, Clone)]
pub struct ControllerSettings {
    /// Device name for status and errors (`controller`).
    pub name: String,
    /// Port path or name.
    pub path: String,
    /// Baud rate.
    pub baud: u32,
    /// Retry waits when the port is missing.
    pub reconnect: ReconnectPolicy,
    /// Lines or frames.
    pub framing: Framing,
    /// Incoming line → event.
    pub events: EventTable,
    /// Command text that opens the barrier (framing added when sent).
    pub open_command: String,
    /// Command text that closes the barrier.
    pub close_command: String,
    /// The line the controller answers a command with, when it answers.
    pub ack: Option<String>,
    /// How long to wait for `ack`, in milliseconds.
    pub ack_timeout_ms: u64,
}

/// Which barrier command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Motion {
    Open,
    Close,
}

/// A barrier command with the caller's reply channel.
pub(crate) struct ControllerCommand {
    motion: Motion,
    reply: Sender<Result<(), DeviceError>>,
}

/// A running controller. Its events go to the sender given at start; it is also the
/// [`Barrier`] when the barrier hangs on the controller. Dropping it stops the worker.
pub struct SerialController {
    link: LinkHandle<ControllerCommand>,
    position: Mutex<BarrierPosition>,
    reply_wait: Duration,
}

impl SerialController {
    /// Starts the worker `gardu-<name>`, which opens the port and keeps reopening it.
    pub fn start(
        settings: ControllerSettings,
        events: Sender<InputEvent>,
        notify: Option<Notify>,
    ) -> Result<Self, DeviceError> {
        let ack_timeout = Duration::from_millis(settings.ack_timeout_ms);
        // A command may queue behind one that is waiting for its own acknowledgement.
        let reply_wait = ack_timeout * 2 + Duration::from_secs(1);
        let driver = ControllerDriver {
            decoder: ControllerDecoder::new(settings.framing),
            table: settings.events,
            open_bytes: settings.framing.encode(&settings.open_command),
            close_bytes: settings.framing.encode(&settings.close_command),
            ack: settings.ack,
            ack_timeout,
            pending: None,
        };
        let spec = LinkSpec {
            name: settings.name,
            path: settings.path,
            baud: settings.baud,
            reconnect: settings.reconnect,
        };
        Ok(Self {
            link: LinkHandle::spawn(spec, driver, Some(events), notify)?,
            position: Mutex::new(BarrierPosition::Unknown),
            reply_wait,
        })
    }

    /// The controller's link status.
    pub fn status(&self) -> DeviceStatus {
        self.link.status()
    }

    fn command(&self, motion: Motion) -> Result<(), DeviceError> {
        let result = self.link.request(|reply| ControllerCommand { motion, reply }, self.reply_wait);
        let position = match (&result, motion) {
            (Ok(()), Motion::Open) => BarrierPosition::Open,
            (Ok(()), Motion::Close) => BarrierPosition::Closed,
            // Not written at all: the barrier is where it was.
            (Err(DeviceError::NotConnected { .. }), _) => return result,
            // Written but unconfirmed: it may or may not have moved.
            (Err(_), _) => BarrierPosition::Unknown,
        };
        *self.position.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = position;
        result
    }
}

impl Barrier for SerialController {
    fn open(&self) -> Result<(), DeviceError> {
        self.command(Motion::Open)
    }

    fn close(&self) -> Result<(), DeviceError> {
        self.command(Motion::Close)
    }

    fn position(&self) -> BarrierPosition {
        *self.position.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn status(&self) -> DeviceStatus {
        self.link.status()
    }
}

/// A command written and waiting for the controller's acknowledgement.
struct PendingAck {
    deadline: Instant,
    reply: Sender<Result<(), DeviceError>>,
}

struct ControllerDriver {
    decoder: ControllerDecoder,
    table: EventTable,
    open_bytes: Vec<u8>,
    close_bytes: Vec<u8>,
    ack: Option<String>,
    ack_timeout: Duration,
    pending: Option<PendingAck>,
}

/// Answers a caller; one that gave up waiting no longer listens, which is fine.
fn answer(reply: &Sender<Result<(), DeviceError>>, result: Result<(), DeviceError>) {
    let _ = reply.try_send(result);
}

impl Driver for ControllerDriver {
    type Command = ControllerCommand;

    fn on_connect(&mut self, _port: &mut PortWriter<'_>) -> io::Result<()> {
        self.decoder.reset();
        Ok(())
    }

    fn on_bytes(&mut self, bytes: &[u8], _now: Instant, out: &LinkOutput) {
        for message in self.decoder.feed(bytes) {
            let acknowledges =
                self.ack.as_deref().is_some_and(|ack| ack.trim().eq_ignore_ascii_case(&message));
            let acknowledged = if acknowledges { self.pending.take() } else { None };
            if let Some(pending) = acknowledged {
                // Status first, so a caller that sees the answer also sees the fault gone.
                out.healthy();
                answer(&pending.reply, Ok(()));
                continue;
            }
            match self.table.meaning(&message) {
                LineMeaning::Event(event) => out.publish(event),
                LineMeaning::BadCard(error) => out.reject(error.to_string()),
                LineMeaning::Ignored => {}
                LineMeaning::Unknown => {
                    tracing::debug!(device = %out.name, %message, "line without a rule");
                }
            }
        }
    }

    fn accepts_commands(&self) -> bool {
        self.pending.is_none()
    }

    fn on_command(
        &mut self,
        command: ControllerCommand,
        port: &mut PortWriter<'_>,
        now: Instant,
        out: &LinkOutput,
    ) -> io::Result<()> {
        let bytes = match command.motion {
            Motion::Open => &self.open_bytes,
            Motion::Close => &self.close_bytes,
        };
        if let Err(error) = port.send(bytes) {
            answer(&command.reply, Err(out.io_error(&error)));
            return Err(error);
        }
        tracing::info!(device = %out.name, motion = ?command.motion, "barrier command sent");
        if self.ack.is_some() {
            self.pending = Some(PendingAck { deadline: now + self.ack_timeout, reply: command.reply });
        } else {
            answer(&command.reply, Ok(()));
        }
        Ok(())
    }

    fn refuse(&mut self, command: ControllerCommand, error: DeviceError) {
        answer(&command.reply, Err(error));
    }

    fn deadline(&self) -> Option<Instant> {
        self.pending.as_ref().map(|pending| pending.deadline)
    }

    fn on_deadline(&mut self, _now: Instant, _port: &mut PortWriter<'_>, out: &LinkOutput) -> io::Result<()> {
        if let Some(pending) = self.pending.take() {
            let error = DeviceError::Timeout {
                device: out.name.clone(),
                timeout_ms: self.ack_timeout.as_millis().try_into().unwrap_or(u64::MAX),
            };
            tracing::warn!(device = %out.name, %error, "no acknowledgement");
            // Connected but not answering: a fault until a command is acknowledged again.
            out.fault(format!("{error}: check the controller's program and wiring"));
            answer(&pending.reply, Err(error));
        }
        Ok(())
    }

    fn on_disconnect(&mut self, out: &LinkOutput) {
        if let Some(pending) = self.pending.take() {
            answer(&pending.reply, Err(out.not_connected()));
        }
    }
}
