//! Line-based input devices: barcode/QR scanners (each line is a scan) and Wiegand-to-serial
//! converters (each line is a card number, normalised to a [`CardUid`]).

use std::time::{Duration, Instant};

use super::holdoff::HoldOff;
use super::line::{LineSplitter, Terminator};
use super::{Decoded, InputDecoder};
use crate::devices::input::{CardUid, InputEvent};

/// Decodes a barcode or QR scanner: every non-empty line, trimmed, is one scan.
#[derive(Debug, Clone)]
pub struct ScannerDecoder {
    lines: LineSplitter,
}

impl ScannerDecoder {
    /// A scanner whose codes end with `terminator`.
    pub fn new(terminator: Terminator) -> Self {
        Self { lines: LineSplitter::new(terminator) }
    }
}

impl InputDecoder for ScannerDecoder {
    fn feed(&mut self, bytes: &[u8], _now: Instant) -> Vec<Decoded> {
        self.lines.feed(bytes).into_iter().map(|line| Decoded::Event(InputEvent::Scan(line))).collect()
    }

    fn reset(&mut self) {
        self.lines.reset();
    }
}

/// Decodes a Wiegand-to-serial converter (or any reader that prints card numbers as lines):
/// each line is a card number in any form [`CardUid::parse`] knows, reported once per
/// presentation.
#[derive(Debug, Clone)]
pub struct CardLineDecoder {
    lines: LineSplitter,
    holdoff: HoldOff,
}

impl CardLineDecoder {
    /// A converter whose lines end with `terminator`; repeats within `holdoff` are dropped.
    pub fn new(terminator: Terminator, holdoff: Duration) -> Self {
        Self { lines: LineSplitter::new(terminator), holdoff: HoldOff::new(holdoff) }
    }
}

impl InputDecoder for CardLineDecoder {
    fn feed(&mut self, bytes: &[u8], now: Instant) -> Vec<Decoded> {
        self.lines
            .feed(bytes)
            .into_iter()
            .filter_map(|line| match CardUid::parse(&line) {
                Ok(uid) if self.holdoff.admit(&uid, now) => Some(Decoded::Event(InputEvent::Card(uid))),
                Ok(_) => None,
                Err(error) => Some(Decoded::Rejected(error.to_string())),
            })
            .collect()
    }

    fn reset(&mut self) {
        self.lines.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Decoded {
        Decoded::Event(InputEvent::Scan(text.to_owned()))
    }

    fn card(hex: &str) -> Decoded {
        Decoded::Event(InputEvent::Card(CardUid::parse(hex).unwrap()))
    }

    #[test]
    fn scanner_lines_become_trimmed_scans() {
        let now = Instant::now();
        let cases: &[(Terminator, &[u8], &[&str])] = &[
            (Terminator::Cr, b"G1.ABC.123\r", &["G1.ABC.123"]),
            (Terminator::Any, b"  8991234567890 \r\nX\n", &["8991234567890", "X"]),
            (Terminator::CrLf, b"one\r\ntwo\r\n", &["one", "two"]),
            (Terminator::Byte(b'#'), b"abc#def#", &["abc", "def"]),
            (Terminator::Lf, b"partial", &[]),
        ];
        for (terminator, bytes, expected) in cases {
            let mut decoder = ScannerDecoder::new(*terminator);
            let expected: Vec<Decoded> = expected.iter().map(|text| scan(text)).collect();
            assert_eq!(decoder.feed(bytes, now), expected, "{terminator:?}");
        }
    }

    #[test]
    fn converter_lines_become_normalised_cards_once_per_presentation() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut decoder = CardLineDecoder::new(Terminator::Any, Duration::from_millis(1500));
        assert_eq!(decoder.feed(b"0012345678\r\n", at(0)), [card("00BC614E")]);
        assert!(decoder.feed(b"W26 0012345678\r\n", at(100)).is_empty());
        assert_eq!(decoder.feed(b"0x12345678\n", at(150)), [card("12345678")]);
        assert_eq!(decoder.feed(b"0012345678\n", at(3000)), [card("00BC614E")]);
        assert!(matches!(
            decoder.feed(b"hello\n", at(3100)).as_slice(),
            [Decoded::Rejected(reason)] if reason.contains("not a card number")
        ));
    }

    proptest::proptest! {
        #[test]
        fn random_bytes_never_panic(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048),
        ) {
            let now = Instant::now();
            let _ = ScannerDecoder::new(Terminator::Any).feed(&bytes, now);
            let _ = CardLineDecoder::new(Terminator::Any, Duration::ZERO).feed(&bytes, now);
        }
    }
}
