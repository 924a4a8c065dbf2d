//! Column encodings of the SQLite schema: millisecond times, text UUIDs, enums as names, and
//! the row readers for entries and exits. Bad data in the file becomes an error, never a panic.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Row;
use rusqlite::types::Type;
use uuid::Uuid;

use crate::domain::{ClassCode, Rupiah};
use crate::plate::PlateSource;
use crate::store::{Entry, Exit, Origin, PaymentMethod};

/// Entry columns in the order [`entry_at`] reads them; the table is aliased `e`.
pub(super) const ENTRY_COLUMNS: &str = "e.id, e.site_code, e.booth, e.ticket_no, e.ticket_code, \
     e.plate, e.class, e.card_uid, e.entry_time, e.operator, e.photo_id, e.origin, e.simulated, \
     e.plate_read, e.plate_confidence, e.plate_source";

/// How many columns [`ENTRY_COLUMNS`] holds.
pub(super) const ENTRY_COLUMN_COUNT: usize = 16;

/// Exit columns in the order [`exit_at`] reads them; the table is aliased `x`.
pub(super) const EXIT_COLUMNS: &str = "x.id, x.entry_id, x.site_code, x.booth, x.exit_time, \
     x.operator, x.shift_id, x.fee, x.total, x.method, x.tendered, x.change, x.reference, \
     x.lost_ticket, x.photo_id, x.origin, x.simulated, x.forced_reason";

/// Milliseconds since the Unix epoch: the stored form of every time.
pub(super) fn ms(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

/// Text form of a local day: `2024-03-01`.
pub(super) fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// An error for a value in the file that does not decode.
pub(super) fn bad_value(
    index: usize,
    kind: Type,
    why: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, kind, why.into())
}

/// A stored time.
pub(super) fn time(row: &Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    let millis: i64 = row.get(index)?;
    DateTime::from_timestamp_millis(millis)
        .ok_or_else(|| bad_value(index, Type::Integer, format!("time {millis} out of range")))
}

/// A stored time that may be NULL.
pub(super) fn opt_time(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get::<_, Option<i64>>(index)? {
        None => Ok(None),
        Some(_) => time(row, index).map(Some),
    }
}

/// A stored UUID.
pub(super) fn uuid(row: &Row<'_>, index: usize) -> rusqlite::Result<Uuid> {
    let text: String = row.get(index)?;
    Uuid::parse_str(&text).map_err(|err| bad_value(index, Type::Text, err))
}

/// A stored UUID that may be NULL.
pub(super) fn opt_uuid(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<Uuid>> {
    match row.get::<_, Option<String>>(index)? {
        None => Ok(None),
        Some(text) => Uuid::parse_str(&text).map(Some).map_err(|err| bad_value(index, Type::Text, err)),
    }
}

/// The stored text form of a UUID.
pub(super) fn uuid_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

/// A stored vehicle class code.
pub(super) fn class(row: &Row<'_>, index: usize) -> rusqlite::Result<ClassCode> {
    let text: String = row.get(index)?;
    ClassCode::parse(&text).map_err(|err| bad_value(index, Type::Text, err))
}

/// A stored count or length that must fit a `u32`.
pub(super) fn u32_at(row: &Row<'_>, index: usize) -> rusqlite::Result<u32> {
    let value: i64 = row.get(index)?;
    u32::try_from(value).map_err(|err| bad_value(index, Type::Integer, err))
}

/// A stored amount of money.
pub(super) fn rupiah(row: &Row<'_>, index: usize) -> rusqlite::Result<Rupiah> {
    row.get(index).map(Rupiah)
}

/// A stored amount of money that may be NULL.
pub(super) fn opt_rupiah(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<Rupiah>> {
    Ok(row.get::<_, Option<i64>>(index)?.map(Rupiah))
}

/// A stored local day.
pub(super) fn day(row: &Row<'_>, index: usize) -> rusqlite::Result<NaiveDate> {
    let text: String = row.get(index)?;
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|err| bad_value(index, Type::Text, err))
}

/// A stored payment method name.
pub(super) fn method(row: &Row<'_>, index: usize) -> rusqlite::Result<PaymentMethod> {
    let text: String = row.get(index)?;
    PaymentMethod::parse(&text)
        .ok_or_else(|| bad_value(index, Type::Text, format!("unknown payment method {text:?}")))
}

/// Reads an entry from [`ENTRY_COLUMNS`] starting at column `at`.
pub(super) fn entry_at(row: &Row<'_>, at: usize) -> rusqlite::Result<Entry> {
    Ok(Entry {
        id: uuid(row, at)?,
        site: row.get(at + 1)?,
        booth: row.get(at + 2)?,
        ticket_no: row.get(at + 3)?,
        ticket_code: row.get(at + 4)?,
        plate: row.get(at + 5)?,
        class: class(row, at + 6)?,
        card_uid: row.get(at + 7)?,
        entry_time: time(row, at + 8)?,
        operator: row.get(at + 9)?,
        photo_id: opt_uuid(row, at + 10)?,
        origin: Origin::parse(&row.get::<_, String>(at + 11)?),
        simulated: row.get(at + 12)?,
        plate_read: row.get(at + 13)?,
        // Stored as REAL (f64); a confidence needs no more than f32.
        plate_confidence: row.get::<_, Option<f64>>(at + 14)?.map(|c| c as f32),
        plate_source: plate_source(row, at + 15)?,
    })
}

/// A stored plate source name.
pub(super) fn plate_source(row: &Row<'_>, index: usize) -> rusqlite::Result<PlateSource> {
    let text: String = row.get(index)?;
    PlateSource::parse(&text)
        .ok_or_else(|| bad_value(index, Type::Text, format!("unknown plate source {text:?}")))
}

/// Reads an exit from [`EXIT_COLUMNS`] starting at column `at`.
pub(super) fn exit_at(row: &Row<'_>, at: usize) -> rusqlite::Result<Exit> {
    let fee_json: String = row.get(at + 7)?;
    let fee = serde_json::from_str(&fee_json).map_err(|err| bad_value(at + 7, Type::Text, err))?;
    Ok(Exit {
        id: uuid(row, at)?,
        entry_id: uuid(row, at + 1)?,
        site: row.get(at + 2)?,
        booth: row.get(at + 3)?,
        exit_time: time(row, at + 4)?,
        operator: row.get(at + 5)?,
        shift_id: opt_uuid(row, at + 6)?,
        fee,
        total: rupiah(row, at + 8)?,
        method: method(row, at + 9)?,
        tendered: opt_rupiah(row, at + 10)?,
        change: opt_rupiah(row, at + 11)?,
        reference: row.get(at + 12)?,
        lost_ticket: row.get(at + 13)?,
        photo_id: opt_uuid(row, at + 14)?,
        origin: Origin::parse(&row.get::<_, String>(at + 15)?),
        simulated: row.get(at + 16)?,
        forced_reason: row.get(at + 17)?,
    })
}

/// Reads an exit that a LEFT JOIN may have left all NULL.
pub(super) fn opt_exit_at(row: &Row<'_>, at: usize) -> rusqlite::Result<Option<Exit>> {
    match row.get::<_, Option<String>>(at)? {
        None => Ok(None),
        Some(_) => exit_at(row, at).map(Some),
    }
}
