//! A barrier driven by a USB relay board (LCUS or raw bytes): open is a pulse (relay on, wait,
//! relay off) timed by the board's worker, so `open()` returns as soon as the relay is on.

use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use super::ReconnectPolicy;
use super::link::{Driver, LinkHandle, LinkOutput, LinkSpec, PortWriter};
use crate::devices::barrier::{Barrier, BarrierPosition};
use crate::devices::protocol::relay::RelayFrames;
use crate::devices::shared_status::Notify;
use crate::devices::{DeviceError, DeviceStatus};

/// Longest wait for the worker to take a command (it is never busy for long).
const REPLY_WAIT: Duration = Duration::from_secs(2);

/// Everything a relay barrier worker needs.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// Device name for status and errors (`barrier`).
    pub name: String,
    /// Port path or name.
    pub path: String,
    /// Baud rate (LCUS boards use 9600).
    pub baud: u32,
    /// Retry waits when the port is missing.
    pub reconnect: ReconnectPolicy,
    /// The bytes to write.
    pub frames: RelayFrames,
    /// How long the relay stays on for one open (or close) pulse, in milliseconds.
    pub pulse_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Motion {
    Open,
    Close,
}

/// A barrier command with the caller's reply channel.
pub(crate) struct RelayCommand {
    motion: Motion,
    reply: Sender<Result<(), DeviceError>>,
}

/// A running relay barrier. Dropping it stops the worker and closes the port.
pub struct SerialRelayBarrier {
    link: LinkHandle<RelayCommand>,
    position: Mutex<BarrierPosition>,
}

impl SerialRelayBarrier {
    /// Starts the worker `gardu-<name>`. On every (re)connect it releases the relays, so a
    /// relay left on by a crash or an unplug cannot hold the barrier open.
    pub fn start(settings: RelaySettings, notify: Option<Notify>) -> Result<Self, DeviceError> {
        let driver = RelayDriver {
            frames: settings.frames,
            pulse: Duration::from_millis(settings.pulse_ms),
            pulse_ends: None,
        };
        let spec = LinkSpec {
            name: settings.name,
            path: settings.path,
            baud: settings.baud,
            reconnect: settings.reconnect,
        };
        Ok(Self {
            link: LinkHandle::spawn(spec, driver, None, notify)?,
            position: Mutex::new(BarrierPosition::Unknown),
        })
    }

    fn command(&self, motion: Motion) -> Result<(), DeviceError> {
        self.link.request(|reply| RelayCommand { motion, reply }, REPLY_WAIT)?;
        *self.position.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = match motion {
            Motion::Open => BarrierPosition::Open,
            Motion::Close => BarrierPosition::Closed,
        };
        Ok(())
    }
}

impl Barrier for SerialRelayBarrier {
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

struct RelayDriver {
    frames: RelayFrames,
    pulse: Duration,
    /// The relay that is on now and when to switch it off.
    pulse_ends: Option<(Instant, Motion)>,
}

impl RelayDriver {
    fn off_bytes(&self, motion: Motion) -> &[u8] {
        match (motion, &self.frames.close) {
            (Motion::Close, Some((_, close_off))) => close_off,
            _ => &self.frames.open_off,
        }
    }

    /// Switches off the relay that is on now, if any.
    fn end_pulse(&mut self, port: &mut PortWriter<'_>) -> io::Result<()> {
        match self.pulse_ends.take() {
            Some((_, motion)) => port.send(self.off_bytes(motion)),
            None => Ok(()),
        }
    }
}

impl Driver for RelayDriver {
    type Command = RelayCommand;

    fn on_connect(&mut self, port: &mut PortWriter<'_>) -> io::Result<()> {
        self.pulse_ends = None;
        port.send(&self.frames.release_all())
    }

    fn on_bytes(&mut self, bytes: &[u8], _now: Instant, out: &LinkOutput) {
        // Relay boards have nothing to say; some echo. Reading only serves to notice an unplug.
        tracing::debug!(device = %out.name, ?bytes, "relay board sent bytes");
    }

    fn on_command(
        &mut self,
        command: RelayCommand,
        port: &mut PortWriter<'_>,
        now: Instant,
        out: &LinkOutput,
    ) -> io::Result<()> {
        // The other relay must not stay on while this one pulses.
        let opposite_on = self.pulse_ends.is_some_and(|(_, motion)| motion != command.motion);
        let released = if opposite_on { self.end_pulse(port) } else { Ok(()) };
        let on_bytes = match (command.motion, &self.frames.close) {
            (Motion::Open, _) => Some(&self.frames.open_on),
            (Motion::Close, Some((close_on, _))) => Some(close_on),
            // Without a close relay the barrier closes by itself; closing releases the relay.
            (Motion::Close, None) => None,
        };
        let result = released.and_then(|()| match on_bytes {
            Some(bytes) => port.send(bytes),
            None if opposite_on => Ok(()),
            None => port.send(&self.frames.open_off),
        });
        match result {
            Ok(()) => {
                if on_bytes.is_some() {
                    self.pulse_ends = Some((now + self.pulse, command.motion));
                }
                tracing::info!(device = %out.name, motion = ?command.motion, "relay switched");
                let _ = command.reply.try_send(Ok(()));
                Ok(())
            }
            Err(error) => {
                let _ = command.reply.try_send(Err(out.io_error(&error)));
                Err(error)
            }
        }
    }

    fn refuse(&mut self, command: RelayCommand, error: DeviceError) {
        let _ = command.reply.try_send(Err(error));
    }

    fn deadline(&self) -> Option<Instant> {
        self.pulse_ends.map(|(ends, _)| ends)
    }

    fn on_deadline(&mut self, _now: Instant, port: &mut PortWriter<'_>, _out: &LinkOutput) -> io::Result<()> {
        self.end_pulse(port)
    }

    fn on_disconnect(&mut self, _out: &LinkOutput) {
        self.pulse_ends = None;
    }
}
