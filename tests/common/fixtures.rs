//! Realistic rows with fixed times and fixed UUIDs, so every backend's test is exact.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use gardu::domain::tariff::{default_tariffs, lost_ticket_fine_only, parking_fee};
use gardu::domain::{ClassCode, FeeFlags, Plate, Rupiah, Tariff};
use gardu::store::{Entry, Exit, Origin, PaymentMethod, Site, Store};
use uuid::Uuid;

/// The site most tests work at.
pub const SITE: &str = "JKT-MALL-01";
/// A second site whose rows must never leak into the first one's answers.
pub const OTHER_SITE: &str = "BDG-PLAZA-02";

/// A UTC instant.
pub fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, hour, minute, 0).single().expect("a valid fixed time")
}

/// A calendar day.
pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid fixed day")
}

/// A class code.
pub fn class(code: &str) -> ClassCode {
    ClassCode::parse(code).expect("a valid class code")
}

/// The default tariff of a class.
pub fn default_tariff(code: &str) -> Tariff {
    default_tariffs().into_iter().find(|t| t.class.as_str() == code).expect("a default class")
}

/// A site in Jakarta with the given code.
pub fn site(code: &str) -> Site {
    Site {
        code: code.to_string(),
        name: format!("Parkir {code}"),
        location: "Jl. Sudirman 1, Jakarta".to_string(),
        region: "DKI Jakarta".to_string(),
        timezone: "Asia/Jakarta".to_string(),
        capacity: Some(450),
        receipt_header: "Terima kasih".to_string(),
        receipt_footer: "Simpan tiket Anda".to_string(),
    }
}

/// Sets up the main site with its default classes and tariffs.
pub fn seed(store: &dyn Store) {
    store.ensure_site(&site(SITE)).expect("ensure the main site");
}

/// The entry id of test visit `n`.
pub fn entry_id(n: u128) -> Uuid {
    Uuid::from_u128(0xE000_0000 + n)
}

/// The exit id of test visit `n`.
pub fn exit_id(n: u128) -> Uuid {
    Uuid::from_u128(0xF000_0000 + n)
}

/// Entry `n` at the main site through booth `IN1`, with a ticket and the given plate.
pub fn entry(n: u128, time: DateTime<Utc>, plate: Option<&str>, class_code: &str) -> Entry {
    Entry {
        id: entry_id(n),
        site: SITE.to_string(),
        booth: "IN1".to_string(),
        ticket_no: format!("IN1-{}-{n:04}", time.format("%y%m%d")),
        ticket_code: format!("G1.{SITE}.IN1.{n}.signature{n}"),
        plate: plate.and_then(Plate::normalise).map(|p| p.to_string()),
        class: class(class_code),
        card_uid: None,
        entry_time: time,
        operator: Some("guard1".to_string()),
        photo_id: None,
        origin: Origin::Online,
        simulated: false,
        plate_read: None,
        plate_confidence: None,
        plate_source: gardu::plate::PlateSource::None,
    }
}

/// The exit of `entry` at `time` through booth `OUT1`, with the default tariff's fee.
pub fn exit_of(entry: &Entry, time: DateTime<Utc>, method: PaymentMethod) -> Exit {
    let n = entry.id.as_u128() - 0xE000_0000;
    let fee = parking_fee(&default_tariff(entry.class.as_str()), entry.entry_time, time, FeeFlags::default());
    let (tendered, change) = if method == PaymentMethod::Cash {
        let tendered = Rupiah(50_000.max(fee.total.0));
        (Some(tendered), Some(tendered - fee.total))
    } else {
        (None, None)
    };
    Exit {
        id: exit_id(n),
        entry_id: entry.id,
        site: entry.site.clone(),
        booth: "OUT1".to_string(),
        exit_time: time,
        operator: Some("cashier1".to_string()),
        shift_id: None,
        total: fee.total,
        fee,
        method,
        tendered,
        change,
        reference: (method == PaymentMethod::Qris).then(|| format!("QRIS-{n:06}")),
        lost_ticket: false,
        photo_id: None,
        origin: Origin::Online,
        simulated: false,
        forced_reason: None,
    }
}

/// A lost-ticket exit whose entry was never found: the fine alone, paid cash.
pub fn lost_exit_without_entry(n: u128, time: DateTime<Utc>, class_code: &str) -> Exit {
    let fee = lost_ticket_fine_only(&default_tariff(class_code), false);
    Exit {
        id: exit_id(n),
        entry_id: entry_id(n),
        site: SITE.to_string(),
        booth: "OUT1".to_string(),
        exit_time: time,
        operator: Some("cashier1".to_string()),
        shift_id: None,
        total: fee.total,
        fee,
        method: PaymentMethod::Cash,
        tendered: None,
        change: None,
        reference: None,
        lost_ticket: true,
        photo_id: None,
        origin: Origin::Online,
        simulated: false,
        forced_reason: None,
    }
}
