//! Splits a byte stream into text lines at a configurable terminator, never buffering more
//! than [`MAX_BUFFERED_BYTES`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::MAX_BUFFERED_BYTES;

/// What ends a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Terminator {
    /// Carriage return (`"cr"`).
    Cr,
    /// Line feed (`"lf"`).
    Lf,
    /// CR followed by LF (`"crlf"`); a lone CR stays part of the line.
    CrLf,
    /// CR, LF or CRLF, whichever the device sends (`"any"`, the default).
    #[default]
    Any,
    /// One given byte, written in config as `"0x03"`.
    Byte(u8),
}

/// A terminator name that is not one of `cr`, `lf`, `crlf`, `any` or `0xNN`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a line terminator: use \"cr\", \"lf\", \"crlf\", \"any\" or a byte like \"0x03\"")]
pub struct TerminatorError(String);

impl FromStr for Terminator {
    type Err = TerminatorError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        match trimmed.to_ascii_lowercase().as_str() {
            "cr" => Ok(Self::Cr),
            "lf" => Ok(Self::Lf),
            "crlf" => Ok(Self::CrLf),
            "any" => Ok(Self::Any),
            lower => lower
                .strip_prefix("0x")
                .filter(|hex| (1..=2).contains(&hex.len()))
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .map(Self::Byte)
                .ok_or_else(|| TerminatorError(trimmed.to_owned())),
        }
    }
}

impl TryFrom<String> for Terminator {
    type Error = TerminatorError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Terminator> for String {
    fn from(terminator: Terminator) -> Self {
        terminator.to_string()
    }
}

impl fmt::Display for Terminator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cr => f.write_str("cr"),
            Self::Lf => f.write_str("lf"),
            Self::CrLf => f.write_str("crlf"),
            Self::Any => f.write_str("any"),
            Self::Byte(byte) => write!(f, "0x{byte:02X}"),
        }
    }
}

/// Cuts incoming bytes into lines. Lines longer than [`MAX_BUFFERED_BYTES`] are dropped whole
/// (up to their terminator), so a device streaming garbage never grows memory and the tail of
/// an oversized line is never mistaken for a line of its own.
#[derive(Debug, Clone)]
pub struct LineSplitter {
    terminator: Terminator,
    buffer: Vec<u8>,
    /// A CR seen in `CrLf` mode, waiting to learn whether an LF follows.
    pending_cr: bool,
    /// Inside an oversized line: skip until its terminator.
    discarding: bool,
    dropped_lines: u64,
}

impl LineSplitter {
    /// A splitter for lines ended by `terminator`.
    pub fn new(terminator: Terminator) -> Self {
        Self {
            terminator,
            buffer: Vec::with_capacity(64),
            pending_cr: false,
            discarding: false,
            dropped_lines: 0,
        }
    }

    /// Feeds received bytes; returns the complete lines among them, decoded as UTF-8 (bad
    /// sequences replaced), trimmed of surrounding whitespace, empty lines left out.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        for &byte in bytes {
            if let Some(raw) = self.push(byte) {
                let text = String::from_utf8_lossy(&raw);
                let trimmed = text.trim();
                if !trimmed.is_empty() {
                    lines.push(trimmed.to_owned());
                }
            }
        }
        lines
    }

    /// How many lines were dropped for being longer than [`MAX_BUFFERED_BYTES`].
    pub fn dropped_lines(&self) -> u64 {
        self.dropped_lines
    }

    /// Forgets a partial line (after a reconnect the rest of it will never come).
    pub fn reset(&mut self) {
        self.buffer.clear();
        self.pending_cr = false;
        self.discarding = false;
    }

    /// One byte in; the raw line out when this byte ended one.
    fn push(&mut self, byte: u8) -> Option<Vec<u8>> {
        match self.terminator {
            Terminator::Cr => self.push_single(byte, |b| b == b'\r'),
            Terminator::Lf => self.push_single(byte, |b| b == b'\n'),
            Terminator::Any => self.push_single(byte, |b| b == b'\r' || b == b'\n'),
            Terminator::Byte(end) => self.push_single(byte, |b| b == end),
            Terminator::CrLf => {
                if self.pending_cr {
                    self.pending_cr = false;
                    if byte == b'\n' {
                        return self.end_line();
                    }
                    self.store(b'\r');
                }
                if byte == b'\r' {
                    self.pending_cr = true;
                } else {
                    self.store(byte);
                }
                None
            }
        }
    }

    fn push_single(&mut self, byte: u8, ends_line: impl Fn(u8) -> bool) -> Option<Vec<u8>> {
        if ends_line(byte) {
            self.end_line()
        } else {
            self.store(byte);
            None
        }
    }

    fn store(&mut self, byte: u8) {
        if self.discarding {
            return;
        }
        if self.buffer.len() >= MAX_BUFFERED_BYTES {
            self.buffer.clear();
            self.discarding = true;
            self.dropped_lines += 1;
            return;
        }
        self.buffer.push(byte);
    }

    fn end_line(&mut self) -> Option<Vec<u8>> {
        if std::mem::take(&mut self.discarding) {
            return None;
        }
        Some(std::mem::take(&mut self.buffer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Terminator, chunks as they arrive, lines expected.
    type Case<'a> = (Terminator, &'a [&'a [u8]], &'a [&'a str]);

    fn split(terminator: Terminator, chunks: &[&[u8]]) -> Vec<String> {
        let mut splitter = LineSplitter::new(terminator);
        chunks.iter().flat_map(|chunk| splitter.feed(chunk)).collect()
    }

    #[test]
    fn lines_split_at_each_terminator_kind() {
        let cases: &[Case] = &[
            (Terminator::Any, &[b"IN1\rBTN\nHELP\r\n"], &["IN1", "BTN", "HELP"]),
            (Terminator::Any, &[b"IN", b"1\r", b"\n", b"BT", b"N\n"], &["IN1", "BTN"]),
            (Terminator::Any, &[b"\r\n\r\n  \n"], &[]),
            (Terminator::Cr, &[b"ABC\r\nDEF\r"], &["ABC", "DEF"]),
            (Terminator::Lf, &[b"ABC\rDEF\n"], &["ABC\rDEF"]),
            (Terminator::CrLf, &[b"A\rB\r\nC\r", b"\n"], &["A\rB", "C"]),
            (Terminator::CrLf, &[b"A\r\rB\r\n"], &["A\r\rB"]),
            (Terminator::Byte(0x03), &[b"\x02123\x03 456\x03"], &["\x02123", "456"]),
            (Terminator::Any, &[b"  padded text \t\n"], &["padded text"]),
            (Terminator::Any, &[b"\xFFbad utf8\n"], &["\u{FFFD}bad utf8"]),
            (Terminator::Any, &[b"no terminator yet"], &[]),
        ];
        for (terminator, chunks, expected) in cases {
            assert_eq!(split(*terminator, chunks), *expected, "{terminator:?} {chunks:?}");
        }
    }

    #[test]
    fn an_oversized_line_is_dropped_whole_and_the_next_line_survives() {
        let mut splitter = LineSplitter::new(Terminator::Lf);
        let long = vec![b'x'; MAX_BUFFERED_BYTES * 3];
        assert!(splitter.feed(&long).is_empty());
        assert!(splitter.buffer.len() <= MAX_BUFFERED_BYTES);
        assert_eq!(splitter.feed(b"tail\nBTN\n"), ["BTN"]);
        assert_eq!(splitter.dropped_lines(), 1);
    }

    #[test]
    fn a_line_of_exactly_the_bound_still_counts() {
        let mut splitter = LineSplitter::new(Terminator::Lf);
        let mut exact = vec![b'y'; MAX_BUFFERED_BYTES];
        exact.push(b'\n');
        assert_eq!(splitter.feed(&exact).len(), 1);
    }

    #[test]
    fn reset_forgets_a_partial_line() {
        let mut splitter = LineSplitter::new(Terminator::Any);
        assert!(splitter.feed(b"IN").is_empty());
        splitter.reset();
        assert_eq!(splitter.feed(b"BTN\n"), ["BTN"]);
    }

    #[test]
    fn terminators_parse_from_config_text_and_print_back() {
        for (text, terminator) in [
            ("cr", Terminator::Cr),
            ("LF", Terminator::Lf),
            (" crlf ", Terminator::CrLf),
            ("any", Terminator::Any),
            ("0x03", Terminator::Byte(3)),
            ("0x0d", Terminator::Byte(0x0D)),
        ] {
            assert_eq!(text.parse::<Terminator>(), Ok(terminator));
            assert_eq!(terminator.to_string().parse::<Terminator>(), Ok(terminator));
        }
        for bad in ["", "newline", "0x", "0x100", "3"] {
            assert!(bad.parse::<Terminator>().is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn random_bytes_never_panic_or_grow_the_buffer(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048),
            kind in 0u8..5,
        ) {
            let terminator = match kind {
                0 => Terminator::Cr,
                1 => Terminator::Lf,
                2 => Terminator::CrLf,
                3 => Terminator::Any,
                _ => Terminator::Byte(0x03),
            };
            let mut splitter = LineSplitter::new(terminator);
            for line in splitter.feed(&bytes) {
                proptest::prop_assert!(line.len() <= MAX_BUFFERED_BYTES * 3);
            }
            proptest::prop_assert!(splitter.buffer.len() <= MAX_BUFFERED_BYTES);
        }
    }
}
