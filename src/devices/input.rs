//! What input devices report to a lane: loop, button and card events, and the one card-uid form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Something that happened at the lane, as an input device reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum InputEvent {
    /// A vehicle stands on an induction loop (or breaks a light barrier).
    LoopOccupied {
        /// Which loop, as numbered by the controller (`IN1` is loop 1).
        loop_id: u8,
    },
    /// The loop is free again: the vehicle has moved on.
    LoopCleared {
        /// Which loop, as numbered by the controller.
        loop_id: u8,
    },
    /// The driver pressed the ticket button.
    Button,
    /// The driver pressed the help (intercom) button.
    HelpButton,
    /// A card was presented to a reader.
    Card(CardUid),
    /// A barcode or QR code was scanned; the text as read, trimmed.
    Scan(String),
}

/// Why a text is not a card number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardUidError {
    /// Nothing left after trimming.
    #[error("the card number is empty")]
    Empty,
    /// Not a decimal or hexadecimal card number in a form we know.
    #[error("{0:?} is not a card number (expected 8 or 10 hex digits, or a decimal number)")]
    NotACardNumber(String),
    /// A number larger than 32 bits.
    #[error("{0:?} is larger than a 32-bit card number")]
    TooLarge(String),
}

/// A card's 32-bit number as 8 uppercase hex digits: the one form readers report and the
/// member table stores, whatever the reader sent (RDM6300 frame, Wiegand decimal, hex).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CardUid(String);

impl CardUid {
    /// The card with this 32-bit number.
    pub fn from_u32(number: u32) -> Self {
        Self(format!("{number:08X}"))
    }

    /// Reads a card number in any form a reader, converter or person may give it.
    ///
    /// Surrounding whitespace is ignored, then an optional Wiegand prefix: `W26` or `W34`
    /// followed by a separator (space, `:`, `=`, `-`, `#`), or a bare `W` (`W12345678`).
    /// What remains is read as:
    /// - `0x…`: hexadecimal, at most 32 bits;
    /// - `FFF,CCCCC`: Wiegand-26 facility code (0–255) and card code (0–65535);
    /// - exactly 8 hex digits: the card number as is (so `12345678` is hex, not decimal);
    /// - exactly 10 hex digits with a letter among them: an RDM6300/EM4100 id whose first
    ///   (version) byte is dropped;
    /// - other runs of decimal digits (the 10-digit number printed on most cards): decimal,
    ///   at most 4294967295;
    /// - other hex with a letter, shorter than 8 digits: hex, padded with zeros.
    pub fn parse(text: &str) -> Result<Self, CardUidError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(CardUidError::Empty);
        }
        let value = strip_wiegand_prefix(trimmed);
        if value.is_empty() {
            return Err(CardUidError::NotACardNumber(trimmed.to_owned()));
        }
        let not_a_number = || CardUidError::NotACardNumber(trimmed.to_owned());
        let too_large = || CardUidError::TooLarge(trimmed.to_owned());

        if let Some(hex) = value.strip_prefix("0x").or_else(|| value.strip_prefix("0X")) {
            if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(not_a_number());
            }
            let significant = hex.trim_start_matches('0');
            if significant.len() > 8 {
                return Err(too_large());
            }
            return u32::from_str_radix(hex, 16).map(Self::from_u32).map_err(|_| too_large());
        }
        if let Some((facility, card)) = value.split_once(',') {
            let facility: u8 = facility.trim().parse().map_err(|_| not_a_number())?;
            let card: u16 = card.trim().parse().map_err(|_| not_a_number())?;
            return Ok(Self::from_u32((u32::from(facility) << 16) | u32::from(card)));
        }
        if !value.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(not_a_number());
        }
        let all_decimal = value.bytes().all(|b| b.is_ascii_digit());
        match (value.len(), all_decimal) {
            (8, _) => u32::from_str_radix(value, 16).map(Self::from_u32).map_err(|_| not_a_number()),
            (10, false) => {
                u32::from_str_radix(&value[2..], 16).map(Self::from_u32).map_err(|_| not_a_number())
            }
            (_, true) => {
                let digits = value.trim_start_matches('0');
                if digits.is_empty() {
                    return Ok(Self::from_u32(0));
                }
                digits.parse::<u32>().map(Self::from_u32).map_err(|_| too_large())
            }
            (len, false) if len < 8 => {
                u32::from_str_radix(value, 16).map(Self::from_u32).map_err(|_| not_a_number())
            }
            _ => Err(not_a_number()),
        }
    }

    /// The 8 uppercase hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The card's 32-bit number.
    pub fn number(&self) -> u32 {
        // The constructor only ever stores 8 hex digits, so this cannot fail; 0 keeps it total.
        u32::from_str_radix(&self.0, 16).unwrap_or(0)
    }
}

/// Drops a leading `W26`/`W34` + separator or a bare `W`, and any separators after it.
fn strip_wiegand_prefix(text: &str) -> &str {
    const SEPARATORS: &[char] = &[' ', ':', '=', '-', '#', '\t'];
    let Some(first) = text.chars().next() else {
        return text;
    };
    if !first.eq_ignore_ascii_case(&'w') {
        return text;
    }
    let rest = &text[1..];
    for bits in ["26", "34"] {
        match rest.strip_prefix(bits) {
            Some(after) if after.starts_with(SEPARATORS) => {
                return after.trim_start_matches(SEPARATORS);
            }
            _ => {}
        }
    }
    rest.trim_start_matches(SEPARATORS)
}

impl fmt::Display for CardUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CardUid {
    type Err = CardUidError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for CardUid {
    type Error = CardUidError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<CardUid> for String {
    fn from(uid: CardUid) -> Self {
        uid.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_in_every_form_normalise_to_eight_hex_digits() {
        let cases = [
            ("00BC614E", "00BC614E"),
            ("00bc614e", "00BC614E"),
            ("  00BC614E\r\n", "00BC614E"),
            ("12345678", "12345678"),
            ("0100BC614E", "00BC614E"),
            ("1A00BC614E", "00BC614E"),
            ("0012345678", "00BC614E"),
            ("12345678901", ""),
            ("4294967295", "FFFFFFFF"),
            ("0", "00000000"),
            ("255", "000000FF"),
            ("0xBC614E", "00BC614E"),
            ("0X00000000FF", "000000FF"),
            ("188,24910", "00BC614E"),
            ("W12345678", "12345678"),
            ("w0012345678", "00BC614E"),
            ("W26 0012345678", "00BC614E"),
            ("W26:00BC614E", "00BC614E"),
            ("W34=4294967295", "FFFFFFFF"),
            ("W2612345678", "9BB53B4E"),
            ("ABC", "00000ABC"),
        ];
        for (input, expected) in cases {
            let got = CardUid::parse(input).map(|uid| uid.as_str().to_owned());
            if expected.is_empty() {
                assert!(got.is_err(), "{input:?} should be refused, got {got:?}");
            } else {
                assert_eq!(got.as_deref(), Ok(expected), "input {input:?}");
            }
        }
    }

    #[test]
    fn bad_card_numbers_are_refused_with_the_reason() {
        assert_eq!(CardUid::parse("   "), Err(CardUidError::Empty));
        assert_eq!(CardUid::parse("4294967296"), Err(CardUidError::TooLarge("4294967296".into())));
        assert_eq!(CardUid::parse("0x1FFFFFFFF"), Err(CardUidError::TooLarge("0x1FFFFFFFF".into())));
        for bad in ["W", "0x", "12-34", "GHIJKL", "ABCDEF123", "300,1", "1,70000", "ABCDEF12345"] {
            assert!(matches!(CardUid::parse(bad), Err(CardUidError::NotACardNumber(_))), "{bad:?}");
        }
    }

    #[test]
    fn number_and_text_round_trip() {
        let uid = CardUid::from_u32(0x00BC_614E);
        assert_eq!(uid.as_str(), "00BC614E");
        assert_eq!(uid.number(), 12_345_678);
        assert_eq!(uid.to_string(), "00BC614E");
        assert_eq!(CardUid::parse(uid.as_str()), Ok(uid));
    }

    #[test]
    fn serde_uses_the_hex_text_and_validates_it() {
        let uid: CardUid = serde_json::from_str("\"0012345678\"").unwrap();
        assert_eq!(uid.as_str(), "00BC614E");
        assert_eq!(serde_json::to_string(&uid).unwrap(), "\"00BC614E\"");
        assert!(serde_json::from_str::<CardUid>("\"nope\"").is_err());
    }

    proptest::proptest! {
        #[test]
        fn every_u32_survives_decimal_and_hex_forms(number: u32) {
            let uid = CardUid::from_u32(number);
            proptest::prop_assert_eq!(CardUid::parse(&format!("{number:010}")).unwrap(), uid.clone());
            proptest::prop_assert_eq!(CardUid::parse(&format!("{number:08x}")).unwrap(), uid.clone());
            proptest::prop_assert_eq!(CardUid::parse(&format!("0x{number:X}")).unwrap(), uid.clone());
            proptest::prop_assert_eq!(CardUid::parse(&format!("W34 {number:010}")).unwrap(), uid);
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,40}") {
            let _ = CardUid::parse(&text);
        }

        /// The prefixes the parser slices past (`W`, `0x`, ten digits) followed by any text a
        /// reader or an operator may send, multi-byte characters included.
        #[test]
        fn parse_never_panics_after_a_prefix(prefix in "(W|w|W26|W34 |0x|0X|12)?", text in "\\PC{0,12}") {
            let _ = CardUid::parse(&format!("{prefix}{text}"));
            let _ = CardUid::parse(&format!("{prefix}é{text}"));
        }
    }
}
