//! Code128 planning shared by the ESC/POS encoder and the renderer, so both print the same symbol.
//!
//! Ticket numbers start in code set B. When that is too wide for the paper, long digit runs
//! switch to code set C (two digits per symbol), as a scanner reads the same text either way.

use std::fmt::Write as _;

/// One stretch of a Code128 symbol in a single code set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code128Part {
    /// Code set B: printable ASCII, one character per symbol.
    B(String),
    /// Code set C: digits, two per symbol (always an even count).
    C(String),
}

/// A planned Code128 symbol and the bar width it prints with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code128Plan {
    /// Code-set stretches in order; the first one is the start code.
    pub parts: Vec<Code128Part>,
    /// Width of the narrowest bar in printer dots (and preview pixels): 2, or 1 when 2 is too wide.
    pub module_dots: u32,
}

/// Modules left blank on each side so a scanner finds the start and stop bars.
pub const QUIET_MODULES: u32 = 10;

impl Code128Plan {
    /// Plans `text` to fit `width_dots` with quiet zones, or `None` when it cannot be encoded
    /// (characters outside printable ASCII) or does not fit even with one-dot bars.
    pub fn for_width(text: &str, width_dots: u32) -> Option<Code128Plan> {
        if text.is_empty() || !text.chars().all(|ch| (' '..='~').contains(&ch)) {
            return None;
        }
        let candidates = [plain_b(text), compact(text)];
        for module_dots in [2, 1] {
            let budget = (width_dots / module_dots).saturating_sub(2 * QUIET_MODULES);
            for parts in &candidates {
                if modules(parts) <= budget {
                    return Some(Code128Plan { parts: parts.clone(), module_dots });
                }
            }
        }
        None
    }

    /// Width of the symbol in modules, start to stop bar.
    pub fn modules(&self) -> u32 {
        modules(&self.parts)
    }

    /// The data bytes of ESC/POS `GS k 73`: `{B`/`{C` code-set prefixes, a literal `{` doubled,
    /// code-set C digits packed two per byte.
    pub fn escpos_data(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for part in &self.parts {
            match part {
                Code128Part::B(text) => {
                    out.extend_from_slice(b"{B");
                    for byte in text.bytes() {
                        if byte == b'{' {
                            out.push(b'{');
                        }
                        out.push(byte);
                    }
                }
                Code128Part::C(digits) => {
                    out.extend_from_slice(b"{C");
                    for pair in digits.as_bytes().chunks(2) {
                        if let [tens, ones] = pair {
                            out.push((tens - b'0') * 10 + (ones - b'0'));
                        }
                    }
                }
            }
        }
        out
    }

    /// The input of `barcoders`' Code128 encoder: `Ɓ`/`Ć` before each stretch.
    pub fn barcoders_data(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Code128Part::B(text) => {
                    let _ = write!(out, "\u{0181}{text}");
                }
                Code128Part::C(digits) => {
                    let _ = write!(out, "\u{0106}{digits}");
                }
            }
        }
        out
    }
}

fn plain_b(text: &str) -> Vec<Code128Part> {
    vec![Code128Part::B(text.to_string())]
}

/// Moves digit runs that save space into code set C: a run is worth it when its pairs save more
/// symbols than the one or two code switches cost (4+ digits at the ends, 6+ in the middle).
fn compact(text: &str) -> Vec<Code128Part> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts: Vec<Code128Part> = Vec::new();
    let mut plain = String::new();
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run == 0 {
            plain.push(chars[i]);
            i += 1;
            continue;
        }
        let at_start = i == 0;
        let at_end = i + run == chars.len();
        let worth = if at_start || at_end { 4 } else { 6 };
        if run >= worth {
            // An odd run leaves its first digit in B so the C stretch stays pairs.
            let odd = run % 2;
            plain.extend(&chars[i..i + odd]);
            if !plain.is_empty() {
                parts.push(Code128Part::B(std::mem::take(&mut plain)));
            }
            parts.push(Code128Part::C(chars[i + odd..i + run].iter().collect()));
        } else {
            plain.extend(&chars[i..i + run]);
        }
        i += run;
    }
    if !plain.is_empty() {
        parts.push(Code128Part::B(plain));
    }
    parts
}

/// Start, one symbol per B character or C pair, one per code switch, check symbol, and the
/// 13-module stop pattern.
fn modules(parts: &[Code128Part]) -> u32 {
    let symbols: usize = parts
        .iter()
        .map(|part| match part {
            Code128Part::B(text) => text.len(),
            Code128Part::C(digits) => digits.len() / 2,
        })
        .sum::<usize>()
        + parts.len().saturating_sub(1)
        + 2;
    u32::try_from(symbols * 11 + 13).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_stay_in_code_set_b_with_two_dot_bars() {
        let plan = Code128Plan::for_width("IN1-0042", 384).unwrap();
        assert_eq!(plan.parts, vec![Code128Part::B("IN1-0042".into())]);
        assert_eq!(plan.module_dots, 2);
        assert_eq!(plan.modules(), 11 * 10 + 13);
        assert_eq!(plan.escpos_data(), b"{BIN1-0042".to_vec());
        assert_eq!(plan.barcoders_data(), "\u{0181}IN1-0042");
    }

    #[test]
    fn long_numbers_compact_digit_runs_on_narrow_paper() {
        let text = "A-20240315000042";
        // Too wide in pure B on 58 mm paper with 2-dot bars, fine on 80 mm.
        assert_eq!(Code128Plan::for_width(text, 576).unwrap().parts, vec![Code128Part::B(text.into())]);
        let plan = Code128Plan::for_width(text, 384).unwrap();
        assert_eq!(plan.parts, vec![Code128Part::B("A-".into()), Code128Part::C("20240315000042".into()),]);
        assert_eq!((plan.module_dots, plan.modules()), (2, 12 * 11 + 13));
        let mut expected = b"{BA-{C".to_vec();
        expected.extend([20, 24, 3, 15, 0, 0, 42]);
        assert_eq!(plan.escpos_data(), expected);
        assert_eq!(plan.barcoders_data(), "\u{0181}A-\u{0106}20240315000042");
    }

    #[test]
    fn compaction_keeps_short_and_odd_runs_sensible() {
        assert_eq!(
            compact("IN1-20240315-00042"),
            vec![
                Code128Part::B("IN1-".into()),
                Code128Part::C("20240315".into()),
                Code128Part::B("-0".into()),
                Code128Part::C("0042".into()),
            ]
        );
        assert_eq!(compact("1234AB"), vec![Code128Part::C("1234".into()), Code128Part::B("AB".into())]);
        assert_eq!(compact("AB12345CD"), vec![Code128Part::B("AB12345CD".into())]);
    }

    #[test]
    fn one_dot_bars_before_giving_up() {
        // 18 characters with short digit runs: 233 modules, over the 172 that fit with 2-dot bars.
        let plan = Code128Plan::for_width("IN1-20240315-00042", 384).unwrap();
        assert_eq!(plan.module_dots, 1);
        assert!(Code128Plan::for_width(&"X".repeat(40), 384).is_none());
    }

    #[test]
    fn refuses_what_code_set_b_cannot_carry() {
        assert!(Code128Plan::for_width("", 576).is_none());
        assert!(Code128Plan::for_width("TIKET\u{7}", 576).is_none());
        assert!(Code128Plan::for_width("Müller", 576).is_none());
    }

    #[test]
    fn a_brace_is_doubled_for_escpos() {
        let plan = Code128Plan::for_width("A{B", 576).unwrap();
        assert_eq!(plan.escpos_data(), b"{BA{{B".to_vec());
    }
}
