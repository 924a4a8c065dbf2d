//! An input-only device on a serial port (RDM6300 reader, Wiegand converter, barcode/QR
//! scanner): a worker feeds its decoder and publishes the events.

use std::io;
use std::time::Instant;

use crossbeam_channel::Sender;

use super::ReconnectPolicy;
use super::link::{Driver, LinkHandle, LinkOutput, LinkSpec, NoCommand, PortWriter};
use crate::devices::input::InputEvent;
use crate::devices::protocol::{Decoded, InputDecoder};
use crate::devices::shared_status::Notify;
use crate::devices::{DeviceError, DeviceStatus};

/// A running reader or scanner. Dropping it stops the worker and closes the port.
pub struct SerialReader {
    link: LinkHandle<NoCommand>,
}

impl SerialReader {
    /// Starts the worker `gardu-<name>` on `path` with the given decoder.
    pub fn start(
        name: &str,
        path: &str,
        baud: u32,
        reconnect: ReconnectPolicy,
        decoder: Box<dyn InputDecoder>,
        events: Sender<InputEvent>,
        notify: Option<Notify>,
    ) -> Result<Self, DeviceError> {
        let spec = LinkSpec { name: name.to_owned(), path: path.to_owned(), baud, reconnect };
        let link = LinkHandle::spawn(spec, ReaderDriver { decoder }, Some(events), notify)?;
        Ok(Self { link })
    }

    /// The reader's link status.
    pub fn status(&self) -> DeviceStatus {
        self.link.status()
    }
}

struct ReaderDriver {
    decoder: Box<dyn InputDecoder>,
}

impl Driver for ReaderDriver {
    type Command = NoCommand;

    fn on_connect(&mut self, _port: &mut PortWriter<'_>) -> io::Result<()> {
        self.decoder.reset();
        Ok(())
    }

    fn on_bytes(&mut self, bytes: &[u8], now: Instant, out: &LinkOutput) {
        for decoded in self.decoder.feed(bytes, now) {
            match decoded {
                Decoded::Event(event) => out.publish(event),
                Decoded::Rejected(reason) => out.reject(reason),
            }
        }
    }

    fn on_command(
        &mut self,
        command: NoCommand,
        _port: &mut PortWriter<'_>,
        _now: Instant,
        _out: &LinkOutput,
    ) -> io::Result<()> {
        match command {}
    }

    fn refuse(&mut self, command: NoCommand, _error: DeviceError) {
        match command {}
    }

    fn on_disconnect(&mut self, _out: &LinkOutput) {}
}
