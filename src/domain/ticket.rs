//! Ticket numbers people read and signed ticket codes machines scan.
//!
//! A code looks like `G1.JKT-MALL-01.IN1.1A.1V8G2K0.MBL.7Q9Y3M0C2D1E5F4G`: version, site,
//! booth, sequence and entry time (Unix seconds) in base 32, class, and an 80-bit
//! HMAC-SHA256 tag keyed by the site secret. Only `0–9`, `A–Z`, `.` and `-` appear, so it fits
//! a QR code's compact alphanumeric mode and survives a US-layout keyboard-wedge scanner. The
//! exit booth verifies it offline and knows entry time and class without the database.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::vehicle::ClassCode;

/// The only version this build writes; reading other versions is refused by name.
pub const CODE_VERSION: &str = "G1";
/// Longest code we ever print.
pub const MAX_CODE_LEN: usize = 64;
/// Longest site code (`JKT-MALL-01` style) a ticket can carry.
pub const MAX_SITE_LEN: usize = 16;
/// Longest booth code a ticket can carry.
pub const MAX_BOOTH_LEN: usize = 6;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TAG_BYTES: usize = 10;
const TAG_CHARS: usize = 16;

/// What a ticket code says about a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketClaims {
    /// Site code, e.g. `JKT-MALL-01`.
    pub site: String,
    /// Entry booth code, e.g. `IN1`.
    pub booth: String,
    /// The booth's ticket sequence for the entry day.
    pub sequence: u32,
    /// Entry time, whole seconds.
    pub entry_time: DateTime<Utc>,
    /// Vehicle class.
    pub class: ClassCode,
}

/// Why a code could not be made or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// Not a Gardu code of a version we know.
    #[error(
        "ticket version {found:?} is not supported (expected {CODE_VERSION}); this is not a ticket of this system"
    )]
    WrongVersion {
        /// The version field found.
        found: String,
    },
    /// Damaged or not a ticket code at all.
    #[error("the ticket code is damaged or incomplete ({0}); scan again or type the ticket number")]
    Malformed(&'static str),
    /// Issued by another site.
    #[error("this ticket belongs to site {site}, not this one")]
    ForeignSite {
        /// The site the code names.
        site: String,
    },
    /// The signature does not match: altered, copied from another secret, or forged.
    #[error("the ticket code does not verify (altered or forged); treat it as a lost ticket")]
    BadTag,
    /// A field too long to fit a code.
    #[error("{0} is too long for a ticket code")]
    TooLong(&'static str),
}

/// The human ticket number: booth, local entry date and sequence, e.g. `IN1-261123-0042`.
/// Unique across booths without coordination because each booth has its own prefix.
pub fn ticket_number(booth: &str, local_date: NaiveDate, sequence: u32) -> String {
    format!("{booth}-{}-{sequence:04}", local_date.format("%y%m%d"))
}

impl TicketClaims {
    /// The ticket number for these claims, dated in the site's time zone.
    pub fn ticket_number(&self, tz: Tz) -> String {
        ticket_number(&self.booth, self.entry_time.with_timezone(&tz).date_naive(), self.sequence)
    }
}

/// The entry id that belongs to a ticket code. Derived, not random, so an exit booth that is
/// offline knows which entry it closes from the scanned code alone.
pub fn entry_id(code: &str) -> uuid::Uuid {
    use sha2::Digest;
    let digest = Sha256::digest(code.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Uuid::new_v8(bytes)
}

/// Makes the signed code for `claims` with the site `secret`.
pub fn encode(claims: &TicketClaims, secret: &[u8]) -> Result<String, TicketError> {
    if !valid_code_part(&claims.site, MAX_SITE_LEN) {
        return Err(TicketError::TooLong("the site code"));
    }
    if !valid_code_part(&claims.booth, MAX_BOOTH_LEN) || claims.booth.contains('-') {
        return Err(TicketError::TooLong("the booth code"));
    }
    let seconds =
        u64::try_from(claims.entry_time.timestamp()).map_err(|_| TicketError::Malformed("entry time"))?;
    let body = format!(
        "{CODE_VERSION}.{}.{}.{}.{}.{}",
        claims.site,
        claims.booth,
        base32_u64(u64::from(claims.sequence)),
        base32_u64(seconds),
        claims.class
    );
    let code = format!("{body}.{}", base32_tag(&tag(secret, &body)));
    if code.len() > MAX_CODE_LEN {
        return Err(TicketError::TooLong("the ticket code"));
    }
    Ok(code)
}

/// Verifies a scanned code for `expected_site` and returns what it claims.
pub fn decode(code: &str, secret: &[u8], expected_site: &str) -> Result<TicketClaims, TicketError> {
    let code = code.trim_matches(|c: char| c == '\r' || c == '\n' || c == ' ');
    let version = code.split('.').next().unwrap_or_default();
    if version != CODE_VERSION {
        return Err(TicketError::WrongVersion { found: version.chars().take(8).collect() });
    }
    if code.len() > MAX_CODE_LEN {
        return Err(TicketError::Malformed("too long"));
    }
    let parts: Vec<&str> = code.split('.').collect();
    let [_, site, booth, sequence, time, class, tag_text] = parts[..] else {
        return Err(TicketError::Malformed("wrong number of fields"));
    };
    if !valid_code_part(site, MAX_SITE_LEN) || !valid_code_part(booth, MAX_BOOTH_LEN) {
        return Err(TicketError::Malformed("site or booth"));
    }
    if site != expected_site {
        return Err(TicketError::ForeignSite { site: site.to_string() });
    }
    let sequence = parse_base32_u64(sequence)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or(TicketError::Malformed("sequence"))?;
    let seconds = parse_base32_u64(time)
        .and_then(|n| i64::try_from(n).ok())
        .ok_or(TicketError::Malformed("entry time"))?;
    let entry_time = Utc.timestamp_opt(seconds, 0).single().ok_or(TicketError::Malformed("entry time"))?;
    let class = ClassCode::parse(class).map_err(|_| TicketError::Malformed("vehicle class"))?;
    // The class parser upper-cases; a code must already be canonical to be genuine.
    if class.as_str() != class_text(code) {
        return Err(TicketError::Malformed("vehicle class"));
    }
    let tag_bytes = parse_base32_tag(tag_text).ok_or(TicketError::Malformed("signature"))?;
    let body_len = code.len() - tag_text.len() - 1;
    let mut mac = mac(secret);
    mac.update(&code.as_bytes()[..body_len]);
    mac.verify_truncated_left(&tag_bytes).map_err(|_| TicketError::BadTag)?;
    Ok(TicketClaims { site: site.to_string(), booth: booth.to_string(), sequence, entry_time, class })
}

fn class_text(code: &str) -> &str {
    code.split('.').nth(5).unwrap_or_default()
}

/// Site and booth codes: capital letters, digits and dashes, not empty, not too long.
fn valid_code_part(text: &str, max_len: usize) -> bool {
    !text.is_empty()
        && text.len() <= max_len
        && text.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
}

fn tag(secret: &[u8], body: &str) -> [u8; TAG_BYTES] {
    let mut mac = mac(secret);
    mac.update(body.as_bytes());
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; TAG_BYTES];
    out.copy_from_slice(&full[..TAG_BYTES]);
    out
}

fn base32_u64(mut n: u64) -> String {
    let mut out = Vec::new();
    loop {
        out.push(ALPHABET[(n % 32) as usize]);
        n /= 32;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn digit(byte: u8) -> Option<u64> {
    ALPHABET.iter().position(|&a| a == byte).map(|p| p as u64)
}

/// Strict: canonical digits only (no leading zero, no lower case), at most 13 digits.
fn parse_base32_u64(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 13 || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    text.bytes().try_fold(0u64, |acc, b| acc.checked_mul(32)?.checked_add(digit(b)?))
}

fn base32_tag(bytes: &[u8; TAG_BYTES]) -> String {
    // 80 bits = 16 groups of 5 bits, most significant first.
    let value = bytes.iter().fold(0u128, |acc, &b| (acc << 8) | u128::from(b));
    (0..TAG_CHARS).rev().map(|i| ALPHABET[((value >> (i * 5)) & 31) as usize] as char).collect()
}

fn parse_base32_tag(text: &str) -> Option<[u8; TAG_BYTES]> {
    if text.len() != TAG_CHARS {
        return None;
    }
    let value = text.bytes().try_fold(0u128, |acc, b| Some((acc << 5) | u128::from(digit(b)?)))?;
    let mut out = [0u8; TAG_BYTES];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = (value >> ((TAG_BYTES - 1 - i) * 8)) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn claims() -> TicketClaims {
        TicketClaims {
            site: "JKT-MALL-01".into(),
            booth: "IN1".into(),
            sequence: 42,
            entry_time: Utc.with_ymd_and_hms(2026, 11, 23, 7, 5, 9).unwrap(),
            class: ClassCode::parse("MBL").unwrap(),
        }
    }

    #[test]
    fn round_trips_and_stays_short_and_wedge_safe() {
        let code = encode(&claims(), SECRET).unwrap();
        assert!(code.len() <= MAX_CODE_LEN, "{code}");
        assert!(code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'.' || b == b'-'));
        assert_eq!(decode(&code, SECRET, "JKT-MALL-01").unwrap(), claims());
        // A scanner's trailing CR/LF is not part of the code.
        assert_eq!(decode(&format!("{code}\r\n"), SECRET, "JKT-MALL-01").unwrap(), claims());
    }

    #[test]
    fn longest_fields_still_fit_64_characters() {
        let mut long = claims();
        long.site = "ABCDEFGH-IJKL-99".into();
        long.booth = "OUT123".into();
        long.sequence = u32::MAX;
        long.entry_time = Utc.with_ymd_and_hms(2099, 12, 31, 23, 59, 59).unwrap();
        long.class = ClassCode::parse("BOX1").unwrap();
        let code = encode(&long, SECRET).unwrap();
        assert!(code.len() <= MAX_CODE_LEN, "{} chars: {code}", code.len());
        assert_eq!(decode(&code, SECRET, &long.site).unwrap(), long);
    }

    #[test]
    fn every_single_character_change_is_refused() {
        let code = encode(&claims(), SECRET).unwrap();
        let charset: Vec<char> = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz.-_ ".chars().collect();
        for (i, original) in code.char_indices() {
            for &replacement in &charset {
                if replacement == original {
                    continue;
                }
                let mut tampered = code.clone();
                tampered.replace_range(i..i + 1, &replacement.to_string());
                assert!(decode(&tampered, SECRET, "JKT-MALL-01").is_err(), "accepted {tampered}");
            }
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let code = encode(&claims(), SECRET).unwrap();
        assert_eq!(decode(&code, b"another secret", "JKT-MALL-01"), Err(TicketError::BadTag));
        assert_eq!(
            decode(&code, SECRET, "BDG-MALL-02"),
            Err(TicketError::ForeignSite { site: "JKT-MALL-01".into() })
        );
        assert_eq!(
            decode(&code.replacen("G1", "G2", 1), SECRET, "JKT-MALL-01"),
            Err(TicketError::WrongVersion { found: "G2".into() })
        );
        assert!(matches!(decode("G1.JKT", SECRET, "JKT-MALL-01"), Err(TicketError::Malformed(_))));
        assert!(matches!(decode("", SECRET, "JKT-MALL-01"), Err(TicketError::WrongVersion { .. })));
        let truncated = &code[..code.len() - 1];
        assert!(matches!(decode(truncated, SECRET, "JKT-MALL-01"), Err(TicketError::Malformed(_))));
    }

    #[test]
    fn entry_ids_follow_the_code() {
        let code = encode(&claims(), SECRET).unwrap();
        assert_eq!(entry_id(&code), entry_id(&code));
        let mut other = claims();
        other.sequence += 1;
        assert_ne!(entry_id(&code), entry_id(&encode(&other, SECRET).unwrap()));
        assert_eq!(entry_id(&code).get_version_num(), 8);
    }

    #[test]
    fn ticket_numbers_use_the_site_date() {
        let tz: Tz = "Asia/Jakarta".parse().unwrap();
        // 23:30 UTC on the 22nd is already the 23rd in Jakarta.
        let mut late = claims();
        late.entry_time = Utc.with_ymd_and_hms(2026, 11, 22, 23, 30, 0).unwrap();
        assert_eq!(late.ticket_number(tz), "IN1-261123-0042");
        assert_eq!(
            ticket_number("OUT2", NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(), 12_345),
            "OUT2-260102-12345"
        );
    }

    proptest! {
        #[test]
        fn any_claims_round_trip(seq: u32, secs in 0i64..4_000_000_000, booth in "[A-Z0-9]{1,6}") {
            let mut c = claims();
            c.sequence = seq;
            c.entry_time = Utc.timestamp_opt(secs, 0).unwrap();
            c.booth = booth;
            let code = encode(&c, SECRET).unwrap();
            prop_assert!(code.len() <= MAX_CODE_LEN);
            prop_assert_eq!(decode(&code, SECRET, "JKT-MALL-01").unwrap(), c);
        }

        #[test]
        fn garbage_never_panics(text in "\\PC{0,80}") {
            let _ = decode(&text, SECRET, "JKT-MALL-01");
        }
    }
}
