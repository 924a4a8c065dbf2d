//! USB relay boards: LCUS frames (`A0 <channel> <state> <sum>`) and raw configured byte strings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// First byte of every LCUS frame.
pub const LCUS_START: u8 = 0xA0;

/// The LCUS frame that switches `channel` on or off; the last byte is the low byte of the sum.
pub fn lcus_frame(channel: u8, on: bool) -> [u8; 4] {
    let state = u8::from(on);
    let sum = LCUS_START.wrapping_add(channel).wrapping_add(state);
    [LCUS_START, channel, state, sum]
}

/// The bytes a relay barrier writes: the open relay's on/off pair and, for barriers wired with
/// a separate close input, the close relay's pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayFrames {
    /// Switches the open relay on (start of the pulse).
    pub open_on: Vec<u8>,
    /// Switches the open relay off (end of the pulse; also sent on connect so a relay left on
    /// by a crash or an unplug is released).
    pub open_off: Vec<u8>,
    /// On/off bytes of the close relay, when the barrier has a close input.
    pub close: Option<(Vec<u8>, Vec<u8>)>,
}

impl RelayFrames {
    /// An LCUS board: open on `channel`, close (when wired) on `close_channel`.
    pub fn lcus(channel: u8, close_channel: Option<u8>) -> Self {
        Self {
            open_on: lcus_frame(channel, true).to_vec(),
            open_off: lcus_frame(channel, false).to_vec(),
            close: close_channel
                .map(|close| (lcus_frame(close, true).to_vec(), lcus_frame(close, false).to_vec())),
        }
    }

    /// The bytes that leave every relay released.
    pub fn release_all(&self) -> Vec<u8> {
        let mut bytes = self.open_off.clone();
        if let Some((_, close_off)) = &self.close {
            bytes.extend_from_slice(close_off);
        }
        bytes
    }
}

/// A byte string written in config as hex: `"A0 01 01 A2"`, `"A00101A2"` or `"0xA0,0x01"`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HexBytes(pub Vec<u8>);

/// A config byte string that is not hex.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a hex byte string (write bytes like \"A0 01 01 A2\")")]
pub struct HexBytesError(String);

impl FromStr for HexBytes {
    type Err = HexBytesError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || HexBytesError(text.to_owned());
        let mut bytes = Vec::new();
        for token in text.split(|c: char| c.is_whitespace() || c == ',' || c == ':') {
            let digits = token.strip_prefix("0x").or_else(|| token.strip_prefix("0X")).unwrap_or(token);
            if digits.len() % 2 != 0 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(error());
            }
            for pair in digits.as_bytes().chunks_exact(2) {
                let pair = std::str::from_utf8(pair).map_err(|_| error())?;
                bytes.push(u8::from_str_radix(pair, 16).map_err(|_| error())?);
            }
        }
        if bytes.is_empty() {
            return Err(error());
        }
        Ok(Self(bytes))
    }
}

impl fmt::Display for HexBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, byte) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl TryFrom<String> for HexBytes {
    type Error = HexBytesError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<HexBytes> for String {
    fn from(bytes: HexBytes) -> Self {
        bytes.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lcus_frames_carry_the_sum_of_the_first_three_bytes() {
        let cases = [
            (1, true, [0xA0, 0x01, 0x01, 0xA2]),
            (1, false, [0xA0, 0x01, 0x00, 0xA1]),
            (2, true, [0xA0, 0x02, 0x01, 0xA3]),
            (4, false, [0xA0, 0x04, 0x00, 0xA4]),
            (0x60, true, [0xA0, 0x60, 0x01, 0x01]),
        ];
        for (channel, on, expected) in cases {
            assert_eq!(lcus_frame(channel, on), expected, "channel {channel} on {on}");
        }
    }

    #[test]
    fn lcus_board_with_a_close_relay_releases_both() {
        let frames = RelayFrames::lcus(1, Some(2));
        assert_eq!(frames.open_on, [0xA0, 0x01, 0x01, 0xA2]);
        assert_eq!(frames.release_all(), [0xA0, 0x01, 0x00, 0xA1, 0xA0, 0x02, 0x00, 0xA2]);
        assert_eq!(RelayFrames::lcus(1, None).release_all(), [0xA0, 0x01, 0x00, 0xA1]);
    }

    #[test]
    fn hex_byte_strings_parse_in_the_usual_spellings() {
        for text in ["A0 01 01 A2", "a00101a2", "0xA0,0x01,0x01,0xA2", " A0:01  01 A2 "] {
            assert_eq!(text.parse::<HexBytes>(), Ok(HexBytes(vec![0xA0, 0x01, 0x01, 0xA2])), "{text:?}");
        }
        for bad in ["", "A", "A0 1", "ZZ", "0x"] {
            assert!(bad.parse::<HexBytes>().is_err(), "{bad:?}");
        }
        assert_eq!(HexBytes(vec![0xFF, 0x01]).to_string(), "FF 01");
    }
}
