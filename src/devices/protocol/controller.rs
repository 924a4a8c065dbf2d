//! Line controllers (Arduino style): incoming lines or `0xA6…0xA9` frames mapped to events by
//! a configurable table, and barrier commands encoded for the wire.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::MAX_BUFFERED_BYTES;
use super::line::{LineSplitter, Terminator};
use crate::devices::input::{CardUid, CardUidError, InputEvent};

/// First byte of a frame in the `framed` profile.
pub const FRAME_START: u8 = 0xA6;
/// Last byte of a frame in the `framed` profile.
pub const FRAME_END: u8 = 0xA9;

/// A ready-made set of framing, event lines and commands; config overrides every string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControllerProfile {
    /// Plain text lines ended by CR, LF or CRLF; commands `OPEN\n` and `CLOSE\n`.
    #[default]
    ArduinoText,
    /// Frames `0xA6 <ASCII payload> 0xA9` both ways, as some Indonesian gate controllers use.
    Framed,
}

impl ControllerProfile {
    /// How messages are delimited on the wire.
    pub fn framing(self) -> Framing {
        match self {
            Self::ArduinoText => Framing::Lines(Terminator::Any),
            Self::Framed => Framing::Frames { start: FRAME_START, end: FRAME_END },
        }
    }

    /// The line → event table before config overrides.
    pub fn default_rules(self) -> BTreeMap<String, EventAction> {
        // Both profiles use the same words; only the framing differs.
        [
            ("IN1", EventAction::LoopOccupied(1)),
            ("IN1OFF", EventAction::LoopCleared(1)),
            ("IN2", EventAction::LoopOccupied(2)),
            ("IN2OFF", EventAction::LoopCleared(2)),
            ("BTN", EventAction::Button),
            ("HELP", EventAction::HelpButton),
            ("IN:*", EventAction::Card),
            ("W*", EventAction::Card),
        ]
        .into_iter()
        .map(|(pattern, action)| (pattern.to_owned(), action))
        .collect()
    }

    /// The barrier command text before config overrides (framing is added when encoding).
    pub fn default_open_command(self) -> &'static str {
        match self {
            Self::ArduinoText => "OPEN\n",
            Self::Framed => "OPEN",
        }
    }

    /// The close command text before config overrides.
    pub fn default_close_command(self) -> &'static str {
        match self {
            Self::ArduinoText => "CLOSE\n",
            Self::Framed => "CLOSE",
        }
    }
}

/// How messages are delimited on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Text lines with this terminator; commands are sent exactly as configured.
    Lines(Terminator),
    /// Payloads between a start and an end byte; commands are wrapped the same way.
    Frames {
        /// The byte that opens a frame.
        start: u8,
        /// The byte that closes a frame.
        end: u8,
    },
}

impl Framing {
    /// The bytes to send for a command text.
    pub fn encode(self, command: &str) -> Vec<u8> {
        match self {
            Self::Lines(_) => command.as_bytes().to_vec(),
            Self::Frames { start, end } => {
                let mut bytes = Vec::with_capacity(command.len() + 2);
                bytes.push(start);
                bytes.extend_from_slice(command.as_bytes());
                bytes.push(end);
                bytes
            }
        }
    }
}

/// What a line matching a rule means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum EventAction {
    /// `"loop_occupied:N"`: a vehicle is on loop N.
    LoopOccupied(u8),
    /// `"loop_cleared:N"`: loop N is free.
    LoopCleared(u8),
    /// `"button"`: the ticket button.
    Button,
    /// `"help_button"`: the help button.
    HelpButton,
    /// `"card"`: the text after the prefix (or the whole line) is a card number.
    Card,
    /// `"scan"`: the text after the prefix is a scanned code.
    Scan,
    /// `"ignore"`: drop such lines (switches a default rule off).
    Ignore,
}

/// A rule or action in the event table that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventRuleError {
    /// The action text is not one we know.
    #[error(
        "{0:?} is not an event: use loop_occupied:N, loop_cleared:N, button, help_button, card, scan or ignore"
    )]
    UnknownAction(String),
    /// `card` and `scan` need a prefix pattern ending in `*` to know where the value is.
    #[error("line {0:?} carries a value, so its pattern must end with * (for example \"IN:*\")")]
    ValueNeedsPrefix(String),
    /// An empty pattern would match nothing.
    #[error("an event line pattern is empty")]
    EmptyPattern,
}

impl FromStr for EventAction {
    type Err = EventRuleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.trim().to_ascii_lowercase();
        let unknown = || EventRuleError::UnknownAction(text.to_owned());
        let loop_id = |rest: &str| rest.trim().parse::<u8>().map_err(|_| unknown());
        match lower.as_str() {
            "button" => Ok(Self::Button),
            "help_button" => Ok(Self::HelpButton),
            "card" => Ok(Self::Card),
            "scan" => Ok(Self::Scan),
            "ignore" => Ok(Self::Ignore),
            other => {
                if let Some(rest) = other.strip_prefix("loop_occupied:") {
                    loop_id(rest).map(Self::LoopOccupied)
                } else if let Some(rest) = other.strip_prefix("loop_cleared:") {
                    loop_id(rest).map(Self::LoopCleared)
                } else {
                    Err(unknown())
                }
            }
        }
    }
}

impl TryFrom<String> for EventAction {
    type Error = EventRuleError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<EventAction> for String {
    fn from(action: EventAction) -> Self {
        action.to_string()
    }
}

impl fmt::Display for EventAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LoopOccupied(id) => write!(f, "loop_occupied:{id}"),
            Self::LoopCleared(id) => write!(f, "loop_cleared:{id}"),
            Self::Button => f.write_str("button"),
            Self::HelpButton => f.write_str("help_button"),
            Self::Card => f.write_str("card"),
            Self::Scan => f.write_str("scan"),
            Self::Ignore => f.write_str("ignore"),
        }
    }
}

/// What one incoming line turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineMeaning {
    /// An event for the lane.
    Event(InputEvent),
    /// A card rule matched but the value is not a card number.
    BadCard(CardUidError),
    /// A rule says to drop such lines.
    Ignored,
    /// No rule matches (boot banners, debug output, acknowledgements).
    Unknown,
}

/// Maps incoming lines to events. Patterns match whole lines, ASCII case ignored; a pattern
/// ending in `*` matches lines starting with the rest and hands what follows to the action.
/// Exact patterns win over prefixes, longer prefixes over shorter ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTable {
    /// (upper-cased pattern without `*`, is prefix, action), in matching order.
    rules: Vec<(String, bool, EventAction)>,
}

impl EventTable {
    /// A table from pattern → action pairs (later pairs replace earlier ones for the same pattern).
    pub fn new<'a>(
        rules: impl IntoIterator<Item = (&'a String, &'a EventAction)>,
    ) -> Result<Self, EventRuleError> {
        let mut merged: BTreeMap<(String, bool), EventAction> = BTreeMap::new();
        for (pattern, action) in rules {
            let trimmed = pattern.trim();
            let (text, prefix) = match trimmed.strip_suffix('*') {
                Some(head) => (head, true),
                None => (trimmed, false),
            };
            if text.is_empty() {
                return Err(EventRuleError::EmptyPattern);
            }
            if !prefix && matches!(action, EventAction::Card | EventAction::Scan) {
                return Err(EventRuleError::ValueNeedsPrefix(pattern.clone()));
            }
            merged.insert((text.to_ascii_uppercase(), prefix), *action);
        }
        let mut rules: Vec<_> =
            merged.into_iter().map(|((text, prefix), action)| (text, prefix, action)).collect();
        rules.sort_by(|a, b| a.1.cmp(&b.1).then(b.0.len().cmp(&a.0.len())));
        Ok(Self { rules })
    }

    /// The profile's defaults with config overrides applied on top.
    pub fn for_profile(
        profile: ControllerProfile,
        overrides: &BTreeMap<String, EventAction>,
    ) -> Result<Self, EventRuleError> {
        let defaults = profile.default_rules();
        Self::new(defaults.iter().chain(overrides.iter()))
    }

    /// What a (trimmed) line means.
    pub fn meaning(&self, line: &str) -> LineMeaning {
        let upper = line.to_ascii_uppercase();
        for (pattern, prefix, action) in &self.rules {
            let payload = if *prefix {
                match upper.strip_prefix(pattern.as_str()) {
                    // Slice the original so a scanned code keeps its case.
                    Some(_) => line.get(pattern.len()..).unwrap_or_default().trim(),
                    None => continue,
                }
            } else if upper == *pattern {
                ""
            } else {
                continue;
            };
            return apply(*action, payload, line);
        }
        LineMeaning::Unknown
    }
}

fn apply(action: EventAction, payload: &str, line: &str) -> LineMeaning {
    let event = match action {
        EventAction::LoopOccupied(loop_id) => InputEvent::LoopOccupied { loop_id },
        EventAction::LoopCleared(loop_id) => InputEvent::LoopCleared { loop_id },
        EventAction::Button => InputEvent::Button,
        EventAction::HelpButton => InputEvent::HelpButton,
        EventAction::Ignore => return LineMeaning::Ignored,
        EventAction::Scan if payload.is_empty() => return LineMeaning::Unknown,
        EventAction::Scan => InputEvent::Scan(payload.to_owned()),
        // The whole line is the fallback so that `W26:0012345678` still reads under `W*`.
        EventAction::Card => match CardUid::parse(payload).or_else(|_| CardUid::parse(line)) {
            Ok(uid) => InputEvent::Card(uid),
            Err(error) => return LineMeaning::BadCard(error),
        },
    };
    LineMeaning::Event(event)
}

/// Cuts a controller's byte stream into messages (lines or frame payloads), bounded in memory.
#[derive(Debug, Clone)]
pub struct ControllerDecoder {
    inner: Splitter,
}

#[derive(Debug, Clone)]
enum Splitter {
    Lines(LineSplitter),
    Frames(FrameSplitter),
}

impl ControllerDecoder {
    /// A decoder for this framing.
    pub fn new(framing: Framing) -> Self {
        let inner = match framing {
            Framing::Lines(terminator) => Splitter::Lines(LineSplitter::new(terminator)),
            Framing::Frames { start, end } => Splitter::Frames(FrameSplitter::new(start, end)),
        };
        Self { inner }
    }

    /// Feeds received bytes; returns the complete messages, trimmed, empty ones left out.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        match &mut self.inner {
            Splitter::Lines(lines) => lines.feed(bytes),
            Splitter::Frames(frames) => frames.feed(bytes),
        }
    }

    /// Forgets a partial message (after a reconnect).
    pub fn reset(&mut self) {
        match &mut self.inner {
            Splitter::Lines(lines) => lines.reset(),
            Splitter::Frames(frames) => frames.reset(),
        }
    }
}

/// Collects payloads between a start and an end byte. Bytes outside frames are dropped; a start
/// byte inside a frame starts over (the earlier frame was cut short); an oversized frame is
/// dropped up to the next start byte.
#[derive(Debug, Clone)]
struct FrameSplitter {
    start: u8,
    end: u8,
    buffer: Vec<u8>,
    in_frame: bool,
}

impl FrameSplitter {
    fn new(start: u8, end: u8) -> Self {
        Self { start, end, buffer: Vec::with_capacity(32), in_frame: false }
    }

    fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut payloads = Vec::new();
        for &byte in bytes {
            if byte == self.start {
                self.buffer.clear();
                self.in_frame = true;
            } else if !self.in_frame {
                continue;
            } else if byte == self.end {
                self.in_frame = false;
                let text = String::from_utf8_lossy(&self.buffer);
                let trimmed = text.trim();
                if !trimmed.is_empty() {
                    payloads.push(trimmed.to_owned());
                }
                self.buffer.clear();
            } else if self.buffer.len() >= MAX_BUFFERED_BYTES {
                self.buffer.clear();
                self.in_frame = false;
            } else {
                self.buffer.push(byte);
            }
        }
        payloads
    }

    fn reset(&mut self) {
        self.buffer.clear();
        self.in_frame = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(profile: ControllerProfile, overrides: &[(&str, &str)]) -> EventTable {
        let overrides = overrides
            .iter()
            .map(|(pattern, action)| ((*pattern).to_owned(), action.parse().unwrap()))
            .collect();
        EventTable::for_profile(profile, &overrides).unwrap()
    }

    fn card(hex: &str) -> LineMeaning {
        LineMeaning::Event(InputEvent::Card(CardUid::parse(hex).unwrap()))
    }

    #[test]
    fn default_lines_map_to_events() {
        let table = table(ControllerProfile::ArduinoText, &[]);
        let cases = [
            ("IN1", LineMeaning::Event(InputEvent::LoopOccupied { loop_id: 1 })),
            ("in1", LineMeaning::Event(InputEvent::LoopOccupied { loop_id: 1 })),
            ("IN1OFF", LineMeaning::Event(InputEvent::LoopCleared { loop_id: 1 })),
            ("IN2", LineMeaning::Event(InputEvent::LoopOccupied { loop_id: 2 })),
            ("BTN", LineMeaning::Event(InputEvent::Button)),
            ("HELP", LineMeaning::Event(InputEvent::HelpButton)),
            ("IN:00BC614E", card("00BC614E")),
            ("IN: 0012345678", card("00BC614E")),
            ("W12345678", card("12345678")),
            ("W26:0012345678", card("00BC614E")),
            ("IN:garbage", LineMeaning::BadCard(CardUidError::NotACardNumber("IN:garbage".into()))),
            ("READY", LineMeaning::Unknown),
            ("IN10", LineMeaning::Unknown),
            ("BTN2", LineMeaning::Unknown),
        ];
        for (line, expected) in cases {
            assert_eq!(table.meaning(line), expected, "line {line:?}");
        }
    }

    #[test]
    fn overrides_replace_add_and_switch_off_rules() {
        let table = table(
            ControllerProfile::ArduinoText,
            &[
                ("BTN", "help_button"),
                ("LOOP_A_ON", "loop_occupied:3"),
                ("QR:*", "scan"),
                ("W*", "ignore"),
                ("TIKET", "button"),
            ],
        );
        assert_eq!(table.meaning("BTN"), LineMeaning::Event(InputEvent::HelpButton));
        assert_eq!(table.meaning("loop_a_on"), LineMeaning::Event(InputEvent::LoopOccupied { loop_id: 3 }));
        assert_eq!(table.meaning("QR:Gd1.AbC"), LineMeaning::Event(InputEvent::Scan("Gd1.AbC".into())));
        assert_eq!(table.meaning("QR:"), LineMeaning::Unknown);
        assert_eq!(table.meaning("W12345678"), LineMeaning::Ignored);
        assert_eq!(table.meaning("TIKET"), LineMeaning::Event(InputEvent::Button));
    }

    #[test]
    fn exact_rules_beat_prefixes_and_long_prefixes_beat_short_ones() {
        let table = table(ControllerProfile::ArduinoText, &[("WAIT", "ignore"), ("WX*", "scan")]);
        assert_eq!(table.meaning("WAIT"), LineMeaning::Ignored);
        assert_eq!(table.meaning("WX123"), LineMeaning::Event(InputEvent::Scan("123".into())));
        assert_eq!(table.meaning("W00000001"), card("00000001"));
    }

    #[test]
    fn bad_rules_are_refused() {
        let card_rule: BTreeMap<String, EventAction> = [("CARD".to_owned(), EventAction::Card)].into();
        assert_eq!(
            EventTable::for_profile(ControllerProfile::ArduinoText, &card_rule),
            Err(EventRuleError::ValueNeedsPrefix("CARD".into()))
        );
        let empty: BTreeMap<String, EventAction> = [("*".to_owned(), EventAction::Button)].into();
        assert_eq!(
            EventTable::for_profile(ControllerProfile::ArduinoText, &empty),
            Err(EventRuleError::EmptyPattern)
        );
        for bad in ["", "open", "loop_occupied:", "loop_occupied:256", "loop_cleared:x"] {
            assert!(bad.parse::<EventAction>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn actions_round_trip_through_their_config_text() {
        for action in [
            EventAction::LoopOccupied(1),
            EventAction::LoopCleared(255),
            EventAction::Button,
            EventAction::HelpButton,
            EventAction::Card,
            EventAction::Scan,
            EventAction::Ignore,
        ] {
            assert_eq!(action.to_string().parse::<EventAction>(), Ok(action));
        }
    }

    #[test]
    fn commands_are_encoded_per_framing() {
        let text = ControllerProfile::ArduinoText;
        assert_eq!(text.framing().encode(text.default_open_command()), b"OPEN\n");
        assert_eq!(text.framing().encode("OPEN_GATE\r\n"), b"OPEN_GATE\r\n");
        let framed = ControllerProfile::Framed;
        assert_eq!(framed.framing().encode(framed.default_open_command()), b"\xA6OPEN\xA9");
        assert_eq!(framed.framing().encode("OPEN1"), b"\xA6OPEN1\xA9");
    }

    #[test]
    fn text_decoder_splits_lines_across_chunks() {
        let mut decoder = ControllerDecoder::new(ControllerProfile::ArduinoText.framing());
        assert!(decoder.feed(b"I").is_empty());
        assert_eq!(decoder.feed(b"N1\r\nBT"), ["IN1"]);
        assert_eq!(decoder.feed(b"N\rHELP\n"), ["BTN", "HELP"]);
    }

    #[test]
    fn frame_decoder_resynchronises_after_garbage_and_cut_frames() {
        let mut decoder = ControllerDecoder::new(ControllerProfile::Framed.framing());
        let cases: &[(&[u8], &[&str])] = &[
            (b"\xA6IN1\xA9", &["IN1"]),
            (b"junk\x00\xFF\xA6BT", &[]),
            (b"N\xA9noise\xA9", &["BTN"]),
            (b"\xA6IN\xA6HELP\xA9", &["HELP"]),
            (b"\xA6\xA9\xA6 \xA9", &[]),
        ];
        for (bytes, expected) in cases {
            assert_eq!(decoder.feed(bytes), *expected, "{bytes:?}");
        }
        let mut oversized = vec![FRAME_START];
        oversized.extend(std::iter::repeat_n(b'x', MAX_BUFFERED_BYTES + 10));
        oversized.push(FRAME_END);
        oversized.extend_from_slice(b"\xA6IN1OFF\xA9");
        assert_eq!(decoder.feed(&oversized), ["IN1OFF"]);
    }

    proptest::proptest! {
        #[test]
        fn random_bytes_never_panic_in_either_framing(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048),
            framed: bool,
        ) {
            let profile = if framed { ControllerProfile::Framed } else { ControllerProfile::ArduinoText };
            let table = EventTable::for_profile(profile, &BTreeMap::new()).unwrap();
            let mut decoder = ControllerDecoder::new(profile.framing());
            for message in decoder.feed(&bytes) {
                let _ = table.meaning(&message);
            }
        }
    }
}
