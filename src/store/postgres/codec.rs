//! Reading PostgreSQL rows into the store's types. A value the program cannot read (a class
//! code, a payment method, a fee another tool wrote) becomes an error, never a panic.

use postgres::Row;
use postgres::types::FromSql;

use super::error::{Fail, PgResult};
use crate::domain::{ClassCode, Rupiah};
use crate::plate::PlateSource;
use crate::store::{Entry, Exit, Origin, PaymentMethod, StoreError};

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

/// An unreadable value at `column`.
pub(super) fn bad(column: usize, why: impl std::fmt::Display) -> Fail {
    Fail::Store(StoreError::Database(format!("unreadable value in the database (column {column}): {why}")))
}

/// A column's value, or an error naming the column.
pub(super) fn get<'a, T: FromSql<'a>>(row: &'a Row, column: usize) -> PgResult<T> {
    row.try_get(column).map_err(|err| match std::error::Error::source(&err) {
        Some(source) => bad(column, format!("{err}: {source}")),
        None => bad(column, err),
    })
}

/// A count or length stored as BIGINT that must fit a `u32`.
pub(super) fn u32_at(row: &Row, column: usize) -> PgResult<u32> {
    let value: i64 = get(row, column)?;
    u32::try_from(value).map_err(|err| bad(column, err))
}

/// A count from `count(*)`.
pub(super) fn count_at(row: &Row, column: usize) -> PgResult<u64> {
    let value: i64 = get(row, column)?;
    Ok(u64::try_from(value).unwrap_or(0))
}

/// A stored vehicle class code.
pub(super) fn class_at(row: &Row, column: usize) -> PgResult<ClassCode> {
    let text: String = get(row, column)?;
    ClassCode::parse(&text).map_err(|err| bad(column, err))
}

/// A stored amount of money.
pub(super) fn rupiah_at(row: &Row, column: usize) -> PgResult<Rupiah> {
    get(row, column).map(Rupiah)
}

/// A stored amount of money that may be NULL.
pub(super) fn opt_rupiah_at(row: &Row, column: usize) -> PgResult<Option<Rupiah>> {
    Ok(get::<Option<i64>>(row, column)?.map(Rupiah))
}

/// A stored payment method name.
pub(super) fn method_at(row: &Row, column: usize) -> PgResult<PaymentMethod> {
    let text: String = get(row, column)?;
    PaymentMethod::parse(&text).ok_or_else(|| bad(column, format!("unknown payment method {text:?}")))
}

/// Reads an entry from [`ENTRY_COLUMNS`] starting at column `at`.
pub(super) fn entry_at(row: &Row, at: usize) -> PgResult<Entry> {
    Ok(Entry {
        id: get(row, at)?,
        site: get(row, at + 1)?,
        booth: get(row, at + 2)?,
        ticket_no: get(row, at + 3)?,
        ticket_code: get(row, at + 4)?,
        plate: get(row, at + 5)?,
        class: class_at(row, at + 6)?,
        card_uid: get(row, at + 7)?,
        entry_time: get(row, at + 8)?,
        operator: get(row, at + 9)?,
        photo_id: get(row, at + 10)?,
        origin: Origin::parse(&get::<String>(row, at + 11)?),
        simulated: get(row, at + 12)?,
        plate_read: get(row, at + 13)?,
        plate_confidence: get(row, at + 14)?,
        plate_source: plate_source_at(row, at + 15)?,
    })
}

/// A stored plate source name.
pub(super) fn plate_source_at(row: &Row, column: usize) -> PgResult<PlateSource> {
    let text: String = get(row, column)?;
    PlateSource::parse(&text).ok_or_else(|| bad(column, format!("unknown plate source {text:?}")))
}

/// Reads an exit from [`EXIT_COLUMNS`] starting at column `at`.
pub(super) fn exit_at(row: &Row, at: usize) -> PgResult<Exit> {
    let fee_json: serde_json::Value = get(row, at + 7)?;
    let fee = serde_json::from_value(fee_json).map_err(|err| bad(at + 7, err))?;
    Ok(Exit {
        id: get(row, at)?,
        entry_id: get(row, at + 1)?,
        site: get(row, at + 2)?,
        booth: get(row, at + 3)?,
        exit_time: get(row, at + 4)?,
        operator: get(row, at + 5)?,
        shift_id: get(row, at + 6)?,
        fee,
        total: rupiah_at(row, at + 8)?,
        method: method_at(row, at + 9)?,
        tendered: opt_rupiah_at(row, at + 10)?,
        change: opt_rupiah_at(row, at + 11)?,
        reference: get(row, at + 12)?,
        lost_ticket: get(row, at + 13)?,
        photo_id: get(row, at + 14)?,
        origin: Origin::parse(&get::<String>(row, at + 15)?),
        simulated: get(row, at + 16)?,
        forced_reason: get(row, at + 17)?,
    })
}

/// Reads an exit that a LEFT JOIN may have left all NULL.
pub(super) fn opt_exit_at(row: &Row, at: usize) -> PgResult<Option<Exit>> {
    match get::<Option<uuid::Uuid>>(row, at)? {
        None => Ok(None),
        Some(_) => exit_at(row, at).map(Some),
    }
}

/// Encodes a fee breakdown for its JSONB column.
pub(super) fn fee_json(exit: &Exit) -> PgResult<serde_json::Value> {
    serde_json::to_value(&exit.fee)
        .map_err(|err| Fail::Store(StoreError::Database(format!("cannot encode the fee: {err}"))))
}
