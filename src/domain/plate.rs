//! Indonesian number plates: normalisation (`b1234xyz` → `B 1234 XYZ`), a lenient check, a search key.

use serde::{Deserialize, Serialize};

/// How a normalised plate compares with the common civilian pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlateCheck {
    /// Region letters, 1–4 digits, 0–3 suffix letters: `B 1234 XYZ`.
    Standard,
    /// Accepted but worth a second look (diplomatic, military, temporary, foreign, typo).
    Unusual(String),
}

/// A plate as the operator typed it, normalised for display and storage.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Plate(String);

impl Plate {
    /// Normalises a typed plate; `None` when nothing plate-like is left (empty or only symbols).
    pub fn normalise(text: &str) -> Option<Plate> {
        let compact: String =
            text.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
        if compact.is_empty() {
            return None;
        }
        match split_standard(&compact) {
            Some((region, number, suffix)) => {
                let mut out = format!("{region} {number}");
                if !suffix.is_empty() {
                    out.push(' ');
                    out.push_str(suffix);
                }
                Some(Plate(out))
            }
            // Unusual plates keep the operator's grouping, tidied to single spaces.
            None => {
                let tidy = text
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .filter(|part| !part.is_empty())
                    .map(str::to_ascii_uppercase)
                    .collect::<Vec<_>>()
                    .join(" ");
                Some(Plate(tidy))
            }
        }
    }

    /// The plate as shown and stored: `B 1234 XYZ`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the plate follows the civilian pattern; unusual plates are still accepted.
    pub fn check(&self) -> PlateCheck {
        let compact = search_key(&self.0);
        if split_standard(&compact).is_some() {
            return PlateCheck::Standard;
        }
        let reason = if compact.starts_with("CD") || compact.starts_with("CC") {
            "diplomatic or consular plate"
        } else if compact.chars().all(|c| c.is_ascii_digit()) {
            "digits only: military, police or temporary plate"
        } else {
            "does not look like a regional plate: check it against the photo"
        };
        PlateCheck::Unusual(reason.to_string())
    }
}

impl std::fmt::Display for Plate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The key admin search and lookups use: capital letters and digits only, so `B1234XYZ`,
/// `b 1234 xyz` and `B-1234-XYZ` all find the same visit.
pub fn search_key(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// The distinct trigrams of a search key, sorted: the rows of `plate_grams` a key is found by
/// (both backends); none for a key shorter than three.
pub fn search_trigrams(key: &str) -> Vec<&str> {
    let mut grams: Vec<&str> =
        (0..key.len().saturating_sub(2)).filter_map(|at| key.get(at..at + 3)).collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// Splits `B1234XYZ` into (`B`, `1234`, `XYZ`) when it has the civilian shape.
fn split_standard(compact: &str) -> Option<(&str, &str, &str)> {
    let region_len = compact.chars().take_while(|c| c.is_ascii_uppercase()).count();
    let rest = &compact[region_len..];
    let number_len = rest.chars().take_while(|c| c.is_ascii_digit()).count();
    let suffix = &rest[number_len..];
    let shaped = (1..=2).contains(&region_len)
        && (1..=4).contains(&number_len)
        && suffix.len() <= 3
        && suffix.chars().all(|c| c.is_ascii_uppercase())
        && !compact.starts_with("CD")
        && !compact.starts_with("CC");
    shaped.then(|| (&compact[..region_len], &rest[..number_len], suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_the_ways_people_type_plates() {
        let cases = [
            ("b1234xyz", "B 1234 XYZ"),
            ("B-1234-XYZ", "B 1234 XYZ"),
            ("B 1234 XYZ", "B 1234 XYZ"),
            ("  d 1 a ", "D 1 A"),
            ("AB1234", "AB 1234"),
            ("L 9 ", "L 9"),
            ("CD 12 34", "CD 12 34"),
            ("12345-00", "12345 00"),
        ];
        for (typed, expected) in cases {
            assert_eq!(
                Plate::normalise(typed).map(|p| p.to_string()).as_deref(),
                Some(expected),
                "{typed:?}"
            );
        }
        assert_eq!(Plate::normalise(" -- "), None);
    }

    #[test]
    fn unusual_plates_warn_but_are_accepted() {
        assert_eq!(Plate::normalise("B1234XYZ").map(|p| p.check()), Some(PlateCheck::Standard));
        for typed in ["CD 12 34", "12345-00", "ABC 12345"] {
            let plate = Plate::normalise(typed);
            assert!(matches!(plate.map(|p| p.check()), Some(PlateCheck::Unusual(_))), "{typed:?}");
        }
    }

    #[test]
    fn search_key_ignores_spaces_case_and_dashes() {
        assert_eq!(search_key("b 1234-xyz"), "B1234XYZ");
        assert_eq!(search_key("B1234XYZ"), search_key("B 1234 XYZ"));
    }

    proptest::proptest! {
        /// A typed plate is split by position: any text, multi-byte characters included, is
        /// normalised and checked without a panic.
        #[test]
        fn any_typed_plate_is_checked_without_panicking(text in "\\PC{0,16}", head in "[A-Z]{0,2}[0-9]{0,4}") {
            for typed in [text.clone(), format!("{head}{text}"), format!("{head}é{text}")] {
                let _ = search_key(&typed);
                let _ = split_standard(&typed);
                if let Some(plate) = Plate::normalise(&typed) {
                    let _ = plate.check();
                }
            }
        }
    }
}
