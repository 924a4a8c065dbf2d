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

/// Where plates appear in a booth camera's photos, as fractions of the photo's width and height
/// (`left`, `top`, `width`, `height`). The camera is fixed and cars stop at the same line, so
/// the reader looks only there: less to search, and the camera's own stamped text stays out.
///
/// ```toml
/// [plate]
/// zone = { left = 0.25, top = 0.45, width = 0.5, height = 0.5 }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlateZone {
    /// Left edge, 0 at the photo's left.
    pub left: f32,
    /// Top edge, 0 at the photo's top.
    pub top: f32,
    /// Width, 1 for the photo's whole width.
    pub width: f32,
    /// Height, 1 for the photo's whole height.
    pub height: f32,
}

impl PlateZone {
    /// The whole photo.
    pub const WHOLE: PlateZone = PlateZone { left: 0.0, top: 0.0, width: 1.0, height: 1.0 };

    /// The smallest side a zone may have: a tenth of the photo.
    pub const MIN_SIDE: f32 = 0.1;

    /// Checks the zone lies inside the photo and is not a sliver; the message names the problem.
    pub fn check(&self) -> Result<(), String> {
        let PlateZone { left, top, width, height } = *self;
        if ![left, top, width, height].iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)) {
            return Err("left, top, width and height are fractions of the photo, between 0 and 1".into());
        }
        if width < Self::MIN_SIDE || height < Self::MIN_SIDE {
            return Err(format!(
                "width and height must be at least {} of the photo, e.g. 0.5",
                Self::MIN_SIDE
            ));
        }
        // A little slack for fractions written with a few decimals (0.35 + 0.65).
        if left + width > 1.0 + 1e-4 || top + height > 1.0 + 1e-4 {
            return Err("the zone runs past the photo's edge: left + width and top + height must \
                 be at most 1"
                .into());
        }
        Ok(())
    }

    /// The zone in pixels of a `width × height` photo: left, top, width, height, inside the photo
    /// and at least one pixel each way.
    pub fn pixels(&self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let at = |fraction: f32, size: u32| ((fraction * size as f32).round().max(0.0) as u32).min(size);
        let (left, top) = (
            at(self.left, width).min(width.saturating_sub(1)),
            at(self.top, height).min(height.saturating_sub(1)),
        );
        let right = at(self.left + self.width, width).clamp(left + 1, width);
        let bottom = at(self.top + self.height, height).clamp(top + 1, height);
        (left, top, right - left, bottom - top)
    }
}

impl std::str::FromStr for PlateZone {
    type Err = String;

    /// `left,top,width,height` as fractions, e.g. `0.25,0.45,0.5,0.5`.
    fn from_str(text: &str) -> Result<PlateZone, String> {
        let parts: Vec<f32> =
            text.split(',').map(|part| part.trim().parse::<f32>()).collect::<Result<_, _>>().map_err(
                |_| format!("{text:?}: write left,top,width,height as fractions, e.g. 0.25,0.45,0.5,0.5"),
            )?;
        let [left, top, width, height] = parts[..] else {
            return Err(format!("{text:?}: four numbers are needed, left,top,width,height"));
        };
        let zone = PlateZone { left, top, width, height };
        zone.check().map(|()| zone).map_err(|message| format!("{text:?}: {message}"))
    }
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

    #[test]
    fn a_zone_is_checked_and_mapped_to_pixels() {
        let zone: PlateZone = "0.25, 0.45, 0.5, 0.5".parse().unwrap();
        assert_eq!(zone, PlateZone { left: 0.25, top: 0.45, width: 0.5, height: 0.5 });
        assert_eq!(zone.pixels(1280, 720), (320, 324, 640, 360));
        assert_eq!(PlateZone::WHOLE.pixels(640, 480), (0, 0, 640, 480));
        assert_eq!("0.35,0,0.65,1".parse::<PlateZone>().unwrap().pixels(100, 10), (35, 0, 65, 10));
        for (text, problem) in [
            ("0.25,0.45,0.5", "four numbers"),
            ("a,b,c,d", "fractions"),
            ("0.5,0,0.6,1", "past the photo's edge"),
            ("0,0,0.05,1", "at least"),
            ("-0.1,0,0.5,0.5", "between 0 and 1"),
            ("0,0,NaN,1", "between 0 and 1"),
        ] {
            let err = text.parse::<PlateZone>().unwrap_err();
            assert!(err.contains(problem), "{text}: {err}");
        }
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
