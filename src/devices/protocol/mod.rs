//! Pure device protocols: bytes in → events out, commands in → bytes out. No I/O, no clocks:
//! time comes in as a parameter, so every parser is tested exactly and fed random bytes.

pub mod controller;
pub mod holdoff;
pub mod line;
pub mod rdm6300;
pub mod relay;
pub mod scanner;

use std::time::Instant;

use super::input::InputEvent;

/// The most bytes any parser keeps while waiting for the end of a message; a device that
/// streams garbage never makes us grow memory.
pub const MAX_BUFFERED_BYTES: usize = 256;

/// What an input decoder made of the bytes it was fed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// An event for the lane.
    Event(InputEvent),
    /// A complete message that cannot be used, and why in plain words.
    Rejected(String),
}

/// A parser for an input-only device (card reader, scanner): bytes and the time they arrived
/// in, events out.
pub trait InputDecoder: Send {
    /// Feeds received bytes that arrived at `now`.
    fn feed(&mut self, bytes: &[u8], now: Instant) -> Vec<Decoded>;

    /// Forgets a partial message (after a reconnect the rest of it will never come).
    fn reset(&mut self);
}
