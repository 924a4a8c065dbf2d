//! RDM6300 125 kHz RFID frames: STX, 10 ASCII hex (version byte + 32-bit card), 2 ASCII hex
//! XOR checksum of the 5 data bytes, ETX.

use std::time::{Duration, Instant};

use super::holdoff::HoldOff;
use super::{Decoded, InputDecoder};
use crate::devices::input::{CardUid, InputEvent};

/// Start of a frame.
pub const STX: u8 = 0x02;
/// End of a frame.
pub const ETX: u8 = 0x03;
/// ASCII characters between STX and ETX.
const BODY_LEN: usize = 12;

/// Why a complete frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The XOR of the data bytes does not match the checksum sent.
    #[error("card frame with a bad checksum (sent {sent:02X}, computed {computed:02X})")]
    BadChecksum {
        /// Checksum in the frame.
        sent: u8,
        /// XOR of the five data bytes.
        computed: u8,
    },
    /// STX … ETX with the wrong number of characters in between.
    #[error("card frame with {0} characters instead of 12")]
    WrongLength(usize),
    /// A character that is not a hex digit.
    #[error("card frame with a character that is not a hex digit")]
    NotHex,
}

/// Encodes a card id as the reader sends it (for tests and the simulated reader).
pub fn encode_frame(version: u8, card: u32) -> [u8; 14] {
    let data = [version, (card >> 24) as u8, (card >> 16) as u8, (card >> 8) as u8, card as u8];
    let checksum = data.iter().fold(0, |acc, byte| acc ^ byte);
    let text = format!(
        "{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
        data[0], data[1], data[2], data[3], data[4], checksum
    );
    let mut frame = [0u8; 14];
    frame[0] = STX;
    frame[1..13].copy_from_slice(text.as_bytes());
    frame[13] = ETX;
    frame
}

/// Finds frames in the reader's byte stream. Bytes outside frames are skipped; a new STX
/// inside a frame starts over, so the decoder resynchronises after any garbage. It holds at
/// most 12 bytes.
#[derive(Debug, Clone, Default)]
pub struct FrameDecoder {
    body: [u8; BODY_LEN],
    len: usize,
    in_frame: bool,
    /// Characters seen past the 12th in the current frame (to report its length).
    overflow: usize,
}

impl FrameDecoder {
    /// A decoder waiting for the first STX.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds received bytes; returns each complete frame's card or why it was refused.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Result<CardUid, FrameError>> {
        let mut frames = Vec::new();
        for &byte in bytes {
            match byte {
                STX => {
                    self.len = 0;
                    self.overflow = 0;
                    self.in_frame = true;
                }
                _ if !self.in_frame => {}
                ETX => {
                    self.in_frame = false;
                    frames.push(self.finish());
                }
                _ if self.len < BODY_LEN => {
                    self.body[self.len] = byte;
                    self.len += 1;
                }
                _ => self.overflow = self.overflow.saturating_add(1),
            }
        }
        frames
    }

    /// Forgets a partial frame.
    pub fn reset(&mut self) {
        self.in_frame = false;
        self.len = 0;
        self.overflow = 0;
    }

    fn finish(&self) -> Result<CardUid, FrameError> {
        if self.len != BODY_LEN || self.overflow > 0 {
            return Err(FrameError::WrongLength(self.len + self.overflow));
        }
        let mut bytes = [0u8; 6];
        for (index, pair) in self.body.chunks_exact(2).enumerate() {
            bytes[index] = hex_pair(pair[0], pair[1]).ok_or(FrameError::NotHex)?;
        }
        let computed = bytes[..5].iter().fold(0, |acc, byte| acc ^ byte);
        if computed != bytes[5] {
            return Err(FrameError::BadChecksum { sent: bytes[5], computed });
        }
        // The first byte is the tag's version/customer byte; the member table keys on the
        // 32-bit number printed on the card.
        let card = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
        Ok(CardUid::from_u32(card))
    }
}

fn hex_pair(high: u8, low: u8) -> Option<u8> {
    let digit = |byte: u8| (byte as char).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

/// A whole RDM6300 reader: frames, checksum, and one report per card presentation.
#[derive(Debug, Clone)]
pub struct Rdm6300Decoder {
    frames: FrameDecoder,
    holdoff: HoldOff,
}

impl Rdm6300Decoder {
    /// A reader that reports the same card again only after `holdoff` without reading it.
    pub fn new(holdoff: Duration) -> Self {
        Self { frames: FrameDecoder::new(), holdoff: HoldOff::new(holdoff) }
    }
}

impl InputDecoder for Rdm6300Decoder {
    fn feed(&mut self, bytes: &[u8], now: Instant) -> Vec<Decoded> {
        self.frames
            .feed(bytes)
            .into_iter()
            .filter_map(|frame| match frame {
                Ok(uid) if self.holdoff.admit(&uid, now) => Some(Decoded::Event(InputEvent::Card(uid))),
                Ok(_) => None,
                Err(error) => Some(Decoded::Rejected(error.to_string())),
            })
            .collect()
    }

    fn reset(&mut self) {
        self.frames.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes fed, frames expected.
    type Case = (Vec<u8>, Vec<Result<CardUid, FrameError>>);

    fn card(hex: &str) -> Result<CardUid, FrameError> {
        Ok(CardUid::parse(hex).unwrap())
    }

    #[test]
    fn encoded_frames_decode_to_the_card_number() {
        let frame = encode_frame(0x01, 0x00BC_614E);
        assert_eq!(&frame, b"\x020100BC614E92\x03");
        assert_eq!(FrameDecoder::new().feed(&frame), [card("00BC614E")]);
    }

    #[test]
    fn frames_are_checked_and_garbage_is_skipped() {
        let good = encode_frame(0x1A, 0xDEAD_BEEF);
        let mut bad_checksum = good;
        bad_checksum[12] = b'0';
        let cases: Vec<Case> = vec![
            (good.to_vec(), vec![card("DEADBEEF")]),
            (bad_checksum.to_vec(), vec![Err(FrameError::BadChecksum { sent: 0x30, computed: 0x38 })]),
            ([b"garbage\x03\xFF".as_slice(), &good].concat(), vec![card("DEADBEEF")]),
            // A frame cut short by a new STX: only the second one counts.
            ([&good[..7], &good[..]].concat(), vec![card("DEADBEEF")]),
            (b"\x020100BC\x03".to_vec(), vec![Err(FrameError::WrongLength(6))]),
            (b"\x020100BC614EF3FF\x03".to_vec(), vec![Err(FrameError::WrongLength(14))]),
            (b"\x020100BC614EZ3\x03".to_vec(), vec![Err(FrameError::NotHex)]),
            ([&good[..], &good[..]].concat(), vec![card("DEADBEEF"), card("DEADBEEF")]),
        ];
        for (bytes, expected) in cases {
            assert_eq!(FrameDecoder::new().feed(&bytes), expected, "{bytes:?}");
        }
    }

    #[test]
    fn frames_split_across_reads_are_joined() {
        let frame = encode_frame(0x01, 0x1234_5678);
        let mut decoder = FrameDecoder::new();
        for (index, byte) in frame.iter().enumerate() {
            let got = decoder.feed(&[*byte]);
            if index == frame.len() - 1 {
                assert_eq!(got, [card("12345678")]);
            } else {
                assert!(got.is_empty());
            }
        }
    }

    #[test]
    fn reader_reports_a_held_card_once_per_presentation() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let frame = encode_frame(0x01, 0x00BC_614E);
        let mut reader = Rdm6300Decoder::new(Duration::from_millis(1500));
        let tapped = Decoded::Event(InputEvent::Card(CardUid::from_u32(0x00BC_614E)));
        assert_eq!(reader.feed(&frame, at(0)), std::slice::from_ref(&tapped));
        assert!(reader.feed(&frame, at(200)).is_empty());
        assert!(reader.feed(&[frame, frame].concat(), at(400)).is_empty());
        assert_eq!(reader.feed(&frame, at(2000)), [tapped]);
        let mut bad = frame;
        bad[12] = b'0';
        assert!(matches!(
            reader.feed(&bad, at(2100)).as_slice(),
            [Decoded::Rejected(reason)] if reason.contains("checksum")
        ));
    }

    proptest::proptest! {
        #[test]
        fn random_bytes_never_panic(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048),
        ) {
            let mut reader = Rdm6300Decoder::new(Duration::from_millis(1500));
            let _ = reader.feed(&bytes, Instant::now());
        }

        #[test]
        fn any_card_survives_a_frame_after_garbage(
            garbage in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
            version: u8,
            number: u32,
        ) {
            let mut decoder = FrameDecoder::new();
            let _ = decoder.feed(&garbage);
            let frames = decoder.feed(&encode_frame(version, number));
            proptest::prop_assert_eq!(frames.last(), Some(&Ok(CardUid::from_u32(number))));
        }
    }
}
