//! Vehicle classes: codes are data (`MTR`, `MBL`, `TRK`, a site's own `BUS`), not a baked-in enum.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a class code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("vehicle class code {0:?} must be 2 to 4 capital letters or digits, e.g. MBL")]
pub struct ClassCodeError(pub String);

/// A vehicle class code: 2–4 characters from `A–Z0–9`, e.g. `MTR`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClassCode(String);

impl ClassCode {
    /// Checks and upper-cases a code typed by a person or read from a file.
    pub fn parse(text: &str) -> Result<Self, ClassCodeError> {
        let code = text.trim().to_ascii_uppercase();
        let valid = (2..=4).contains(&code.len())
            && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if valid { Ok(Self(code)) } else { Err(ClassCodeError(text.to_string())) }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClassCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ClassCode {
    type Error = ClassCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ClassCode> for String {
    fn from(code: ClassCode) -> String {
        code.0
    }
}

/// A vehicle class as the site configures it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleClass {
    /// Short code printed on tickets.
    pub code: ClassCode,
    /// Indonesian name, e.g. "Mobil".
    pub name_id: String,
    /// English name, e.g. "Car".
    pub name_en: String,
    /// Position in lists and on quick keys.
    pub sort_order: i32,
}

impl VehicleClass {
    /// The name in the given language (`"en"` for English, anything else Indonesian).
    pub fn name(&self, language: &str) -> &str {
        if language == "en" { &self.name_en } else { &self.name_id }
    }
}

/// The classes every new site starts with.
pub fn default_classes() -> Vec<VehicleClass> {
    [("MTR", "Motor", "Motorcycle", 1), ("MBL", "Mobil", "Car", 2), ("TRK", "Truk/Bus", "Truck/Bus", 3)]
        .into_iter()
        .map(|(code, name_id, name_en, sort_order)| VehicleClass {
            code: ClassCode(code.to_string()),
            name_id: name_id.to_string(),
            name_en: name_en.to_string(),
            sort_order,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_codes_are_checked_and_upper_cased() {
        let cases = [
            ("MBL", Some("MBL")),
            ("mtr", Some("MTR")),
            (" BUS ", Some("BUS")),
            ("BOX1", Some("BOX1")),
            ("M", None),
            ("TRUCK", None),
            ("MB-L", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(ClassCode::parse(text).ok().as_ref().map(ClassCode::as_str), expected, "{text:?}");
        }
    }

    #[test]
    fn defaults_are_the_three_design_classes_in_order() {
        let codes: Vec<String> = default_classes().into_iter().map(|c| c.code.to_string()).collect();
        assert_eq!(codes, ["MTR", "MBL", "TRK"]);
        assert_eq!(default_classes()[1].name("en"), "Car");
        assert_eq!(default_classes()[1].name("id"), "Mobil");
    }
}
