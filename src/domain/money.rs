//! Integer rupiah: the only money type, formatted the Indonesian way (`Rp 12.000`).

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

use serde::{Deserialize, Serialize};

/// An amount of money in whole rupiah. Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rupiah(pub i64);

impl Rupiah {
    /// Zero rupiah.
    pub const ZERO: Rupiah = Rupiah(0);

    /// The amount in whole rupiah.
    pub fn amount(self) -> i64 {
        self.0
    }

    /// This amount times a whole count (saturating: a fee can never wrap around).
    pub fn times(self, count: i64) -> Rupiah {
        Rupiah(self.0.saturating_mul(count))
    }

    /// Formats the digits with a dot every three places, without the `Rp` prefix: `12.000`.
    pub fn digits(self) -> String {
        let raw = self.0.unsigned_abs().to_string();
        let mut out = String::with_capacity(raw.len() + raw.len() / 3 + 1);
        if self.0 < 0 {
            out.push('-');
        }
        for (i, ch) in raw.chars().enumerate() {
            if i > 0 && (raw.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(ch);
        }
        out
    }

    /// Parses what an operator types: `12000`, `12.000`, `Rp 12.000`, `rp12.000`.
    pub fn parse(text: &str) -> Option<Rupiah> {
        let trimmed = text.trim();
        let body = trimmed
            .strip_prefix("Rp")
            .or_else(|| trimmed.strip_prefix("rp"))
            .or_else(|| trimmed.strip_prefix("RP"))
            .unwrap_or(trimmed)
            .trim();
        let (negative, body) = match body.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, body),
        };
        if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return None;
        }
        // Dots are thousands separators only: every group after the first has three digits.
        let mut groups = body.split('.');
        let first = groups.next()?;
        if first.is_empty() {
            return None;
        }
        let mut digits = first.to_string();
        for group in groups {
            if group.len() != 3 {
                return None;
            }
            digits.push_str(group);
        }
        let value: i64 = digits.parse().ok()?;
        Some(Rupiah(if negative { -value } else { value }))
    }
}

impl fmt::Display for Rupiah {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rp {}", self.digits())
    }
}

impl Add for Rupiah {
    type Output = Rupiah;
    fn add(self, rhs: Rupiah) -> Rupiah {
        Rupiah(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Rupiah {
    fn add_assign(&mut self, rhs: Rupiah) {
        *self = *self + rhs;
    }
}

impl Sub for Rupiah {
    type Output = Rupiah;
    fn sub(self, rhs: Rupiah) -> Rupiah {
        Rupiah(self.0.saturating_sub(rhs.0))
    }
}

impl Sum for Rupiah {
    fn sum<I: Iterator<Item = Rupiah>>(iter: I) -> Rupiah {
        iter.fold(Rupiah::ZERO, Add::add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_dot_thousands() {
        let cases = [
            (0, "Rp 0"),
            (500, "Rp 500"),
            (1_000, "Rp 1.000"),
            (12_000, "Rp 12.000"),
            (100_000, "Rp 100.000"),
            (1_234_567, "Rp 1.234.567"),
            (-5_000, "Rp -5.000"),
        ];
        for (amount, expected) in cases {
            assert_eq!(Rupiah(amount).to_string(), expected, "amount {amount}");
        }
    }

    #[test]
    fn parses_what_an_operator_types() {
        let cases = [
            ("12000", Some(12_000)),
            ("12.000", Some(12_000)),
            ("Rp 12.000", Some(12_000)),
            ("rp12.000", Some(12_000)),
            ("  50000 ", Some(50_000)),
            ("1.234.567", Some(1_234_567)),
            ("12.00", None),
            ("", None),
            ("abc", None),
            ("1,5", None),
            (".000", None),
        ];
        for (text, expected) in cases {
            assert_eq!(Rupiah::parse(text).map(Rupiah::amount), expected, "text {text:?}");
        }
    }

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        assert_eq!(Rupiah(i64::MAX) + Rupiah(1), Rupiah(i64::MAX));
        assert_eq!(Rupiah(3_000).times(4), Rupiah(12_000));
        assert_eq!([Rupiah(1), Rupiah(2)].into_iter().sum::<Rupiah>(), Rupiah(3));
    }
}
