//! Indonesian plate grammar over a recogniser's text: region letters (1–2), a number (1–4 digits),
//! suffix letters (0–3), with the usual letter/digit confusions put right by position.

use crate::domain::plate::Plate;

/// Each letter/digit swap the grammar makes lowers the read's confidence by this factor.
const SWAP_PENALTY: f32 = 0.85;
/// More swaps than this and the text is not taken for a plate.
const MAX_SWAPS: usize = 1;

/// A recogniser's line fitted to the plate grammar.
#[derive(Debug, Clone, PartialEq)]
pub struct GrammarFit {
    /// The normalised plate.
    pub plate: Plate,
    /// How many characters were swapped between letter and digit to fit.
    pub swaps: usize,
    /// The factor the read's confidence is multiplied by for those swaps.
    pub factor: f32,
}

/// Fits `text` (capital letters, digits, spaces) to the civilian plate grammar; `None` when it
/// cannot be one (a month/year line, a sticker, an overlay, a word).
pub fn fit(text: &str) -> Option<GrammarFit> {
    let groups: Vec<&str> = text.split_whitespace().collect();
    let compact: Vec<char> = groups.concat().chars().collect();
    if compact.len() < 2 || compact.len() > 9 {
        return None;
    }
    // A plate has letters and digits as read; a line of only one kind (a month/year line, a
    // word) is not made into a plate by swapping look-alikes.
    if !compact.iter().any(char::is_ascii_uppercase) || !compact.iter().any(char::is_ascii_digit) {
        return None;
    }
    // Where the recogniser put spaces, as character offsets into `compact`.
    let mut breaks = Vec::new();
    let mut offset = 0;
    for group in &groups[..groups.len().saturating_sub(1)] {
        offset += group.chars().count();
        breaks.push(offset);
    }
    let mut best: Option<(usize, usize, String)> = None;
    for region in 1..=2usize {
        for number in 1..=4usize {
            let Some(suffix) = compact.len().checked_sub(region + number) else { continue };
            if suffix > 3 {
                continue;
            }
            let Some((swaps, out)) = shape(&compact, region, number) else { continue };
            // Spaces the recogniser saw that fall inside a group count against this split.
            let cuts = [region, region + number];
            let misplaced = breaks.iter().filter(|b| !cuts.contains(b)).count();
            let cost = swaps * 2 + misplaced;
            if best.as_ref().is_none_or(|(best_cost, _, _)| cost < *best_cost) {
                best = Some((cost, swaps, out));
            }
        }
    }
    let (_, swaps, out) = best?;
    if swaps > MAX_SWAPS {
        return None;
    }
    let plate = Plate::normalise(&out)?;
    // The domain's own check rejects shapes it treats as unusual (diplomatic `CD`/`CC`).
    if plate.check() != crate::domain::plate::PlateCheck::Standard {
        return None;
    }
    Some(GrammarFit { plate, swaps, factor: SWAP_PENALTY.powi(swaps as i32) })
}

/// Builds `region number suffix` from `compact`, swapping look-alikes; `None` when some character
/// has no look-alike of the needed kind.
fn shape(compact: &[char], region: usize, number: usize) -> Option<(usize, String)> {
    let mut swaps = 0;
    let mut out = String::with_capacity(compact.len() + 2);
    for (i, &c) in compact.iter().enumerate() {
        if i == region || i == region + number {
            out.push(' ');
        }
        let want_digit = i >= region && i < region + number;
        let fixed = if want_digit { as_digit(c)? } else { as_letter(c)? };
        if fixed != c {
            swaps += 1;
        }
        out.push(fixed);
    }
    // A number never starts with 0 on a civilian plate.
    if compact.get(region).is_some_and(|&c| as_digit(c) == Some('0')) {
        return None;
    }
    Some((swaps, out))
}

fn as_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        'O' | 'Q' | 'D' => Some('0'),
        'I' | 'L' => Some('1'),
        'Z' => Some('2'),
        'S' => Some('5'),
        'G' => Some('6'),
        'T' => Some('7'),
        'B' => Some('8'),
        _ => None,
    }
}

fn as_letter(c: char) -> Option<char> {
    match c {
        'A'..='Z' => Some(c),
        '0' => Some('O'),
        '1' => Some('I'),
        '2' => Some('Z'),
        '5' => Some('S'),
        '6' => Some('G'),
        '8' => Some('B'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_plates_and_refuses_what_is_not_one() {
        let cases = [
            ("B 1234 XYZ", Some(("B 1234 XYZ", 0))),
            ("B1234XYZ", Some(("B 1234 XYZ", 0))),
            ("D 1290 ABC", Some(("D 1290 ABC", 0))),
            ("AB 12 C", Some(("AB 12 C", 0))),
            ("L 9", Some(("L 9", 0))),
            ("B 12O4 XY", Some(("B 1204 XY", 1))),
            ("8 1234 XY", Some(("B 1234 XY", 1))),
            ("B 1234 X5", Some(("B 1234 XS", 1))),
            // No number starts with 0: the 0 is the region's O.
            ("B 0123 XY", Some(("BO 123 XY", 1))),
            ("08 27", None),
            ("0827", None),
            ("GARDU SIM", None),
            ("B 12O4 X5", None),
            ("CD 12 34", None),
            ("", None),
            ("ABCDEFGHIJ", None),
        ];
        for (text, expected) in cases {
            let got = fit(text).map(|fit| (fit.plate.to_string(), fit.swaps));
            let expected = expected.map(|(plate, swaps)| (plate.to_string(), swaps));
            assert_eq!(got, expected, "{text:?}");
        }
    }

    #[test]
    fn swaps_lower_the_confidence() {
        assert_eq!(fit("B 1234 XY").map(|f| f.factor), Some(1.0));
        let swapped = fit("B 12O4 XY").map(|f| f.factor).unwrap_or(1.0);
        assert!(swapped < 1.0, "{swapped}");
    }
}
