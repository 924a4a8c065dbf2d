//! Entries, exits and photos one at a time, and the lookups over visits.

use postgres::types::ToSql;
use uuid::Uuid;

use super::codec::{
    self, ENTRY_COLUMN_COUNT, ENTRY_COLUMNS, EXIT_COLUMNS, entry_at, exit_at, get, opt_exit_at,
};
use super::error::PgResult;
use super::pool::Sql;
use crate::domain::plate::search_key;
use crate::store::{Entry, EntryLate, EntryLookup, Exit, InsertOutcome, Photo, PhotoKind, StoreError, Visit};

/// The plate search key of a plate, `None` when nothing searchable is left.
pub(super) fn plate_key(plate: &str) -> Option<String> {
    Some(search_key(plate)).filter(|key| !key.is_empty())
}

/// Turns a row count into the outcome of an idempotent insert.
fn outcome(inserted: u64) -> InsertOutcome {
    if inserted == 0 { InsertOutcome::AlreadyPresent } else { InsertOutcome::Inserted }
}

pub(super) fn record_entry(db: &mut impl Sql, entry: &Entry) -> PgResult<InsertOutcome> {
    let inserted = db.execute(
        "INSERT INTO entries (id, site_code, booth, ticket_no, ticket_code, plate, plate_key,
             class, card_uid, entry_time, operator, photo_id, origin, simulated, plate_read,
             plate_read_key, plate_confidence, plate_source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         ON CONFLICT (id) DO NOTHING",
        &[
            &entry.id,
            &entry.site,
            &entry.booth,
            &entry.ticket_no,
            &entry.ticket_code,
            &entry.plate,
            &entry.plate.as_deref().and_then(plate_key),
            &entry.class.as_str(),
            &entry.card_uid,
            &entry.entry_time,
            &entry.operator,
            &entry.photo_id,
            &entry.origin.as_str(),
            &entry.simulated,
            &entry.plate_read,
            &entry.plate_read.as_deref().and_then(plate_key),
            &entry.plate_confidence,
            &entry.plate_source.as_str(),
        ],
    )?;
    Ok(outcome(inserted))
}

pub(super) fn plate_stats(
    db: &mut impl Sql,
    site: &str,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    include_simulated: bool,
) -> PgResult<crate::store::PlateStats> {
    let row = db.query_one(
        "SELECT count(*), count(plate_read),
                count(*) FILTER (WHERE plate_read IS NOT NULL AND plate_source = 'typed')
         FROM entries WHERE site_code = $1 AND entry_time >= $2 AND entry_time < $3
           AND (simulated = false OR $4)",
        &[&site, &from, &to, &include_simulated],
    )?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(crate::store::PlateStats {
        entries: count(get(&row, 0)?),
        read: count(get(&row, 1)?),
        corrected: count(get(&row, 2)?),
    })
}

pub(super) fn complete_entry(db: &mut impl Sql, late: &EntryLate) -> PgResult<bool> {
    let confidence = late.plate_read.as_ref().and(late.plate_confidence);
    let found = db.execute(
        "UPDATE entries SET photo_id = coalesce(photo_id, $2),
             plate_read = coalesce(plate_read, $3),
             plate_read_key = CASE WHEN plate_read IS NULL THEN $4 ELSE plate_read_key END,
             plate_confidence = CASE WHEN plate_read IS NULL THEN $5 ELSE plate_confidence END
         WHERE id = $1",
        &[
            &late.entry_id,
            &late.photo_id,
            &late.plate_read,
            &late.plate_read.as_deref().and_then(plate_key),
            &confidence,
        ],
    )?;
    Ok(found > 0)
}

/// One exit in one statement. The insert gives way on either unique key (its own id, or its
/// entry's); only then is it worth asking which: the same exit again, or another exit of the
/// same entry. A concurrent booth's exit is seen here because each statement reads what was
/// committed before it.
pub(super) fn record_exit(db: &mut impl Sql, exit: &Exit) -> PgResult<InsertOutcome> {
    if insert_exit_into(db, "exits", exit, &[])? == 1 {
        return Ok(InsertOutcome::Inserted);
    }
    explain_exit_conflict(db, exit)
}

/// Inserts an exit's columns into `table` (`exits` or `duplicate_exits`, whose extra columns
/// and values follow in `extra`), giving way on any unique key; returns the rows inserted.
pub(super) fn insert_exit_into(
    db: &mut impl Sql,
    table: &str,
    exit: &Exit,
    extra: &[(&str, &(dyn ToSql + Sync))],
) -> PgResult<u64> {
    let fee = codec::fee_json(exit)?;
    let (total, method, tendered, change) =
        (exit.total.0, exit.method.as_str(), exit.tendered.map(|r| r.0), exit.change.map(|r| r.0));
    let origin = exit.origin.as_str();
    let mut values: Vec<&(dyn ToSql + Sync)> = vec![
        &exit.id,
        &exit.entry_id,
        &exit.site,
        &exit.booth,
        &exit.exit_time,
        &exit.operator,
        &exit.shift_id,
        &fee,
        &total,
        &method,
        &tendered,
        &change,
        &exit.reference,
        &exit.lost_ticket,
        &exit.photo_id,
        &origin,
        &exit.simulated,
        &exit.forced_reason,
    ];
    let mut columns = String::from(
        "id, entry_id, site_code, booth, exit_time, operator, shift_id, fee, total, method, \
         tendered, change, reference, lost_ticket, photo_id, origin, simulated, forced_reason",
    );
    for (column, value) in extra {
        columns.push_str(", ");
        columns.push_str(column);
        values.push(*value);
    }
    let placeholders: Vec<String> = (1..=values.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({columns}) VALUES ({}) ON CONFLICT DO NOTHING",
        placeholders.join(", ")
    );
    db.execute(&sql, &values)
}

/// Why an exit was not inserted: it is already there, or its entry already left.
pub(super) fn explain_exit_conflict(db: &mut impl Sql, exit: &Exit) -> PgResult<InsertOutcome> {
    if db.query_opt("SELECT 1 FROM exits WHERE id = $1", &[&exit.id])?.is_some() {
        return Ok(InsertOutcome::AlreadyPresent);
    }
    let earlier =
        db.query_opt("SELECT id, exit_time, booth FROM exits WHERE entry_id = $1", &[&exit.entry_id])?;
    match earlier {
        Some(row) => Err(StoreError::AlreadyExited {
            exit_id: get(&row, 0)?,
            exit_time: get(&row, 1)?,
            booth: get(&row, 2)?,
        }
        .into()),
        None => {
            Err(StoreError::Database(format!("exit {} conflicted with a row that is not there", exit.id))
                .into())
        }
    }
}

/// The WHERE condition and value for a lookup (parameter `$2`); each matches one index.
fn lookup_condition(lookup: &EntryLookup) -> (&'static str, Box<dyn ToSql + Sync>) {
    match lookup {
        EntryLookup::Id(id) => ("e.id = $2", Box::new(*id)),
        EntryLookup::TicketCode(code) => ("e.ticket_code = $2", Box::new(code.trim().to_string())),
        EntryLookup::TicketNo(number) => ("e.ticket_no = $2", Box::new(number.trim().to_string())),
        EntryLookup::PlateKey(plate) => {
            ("(e.plate_key = $2 OR e.plate_read_key = $2)", Box::new(search_key(plate)))
        }
        EntryLookup::Card(uid) => ("e.card_uid = $2", Box::new(uid.trim().to_ascii_uppercase())),
    }
}

pub(super) fn find_visit(db: &mut impl Sql, site: &str, lookup: &EntryLookup) -> PgResult<Option<Visit>> {
    let (condition, value) = lookup_condition(lookup);
    let sql = format!(
        "SELECT {ENTRY_COLUMNS}, {EXIT_COLUMNS}
         FROM entries e LEFT JOIN exits x ON x.entry_id = e.id
         WHERE e.site_code = $1 AND {condition}
         ORDER BY e.entry_time DESC, e.id DESC LIMIT 1"
    );
    let row = db.query_opt(&sql, &[&site, value.as_ref()])?;
    row.map(|row| Ok(Visit { entry: entry_at(&row, 0)?, exit: opt_exit_at(&row, ENTRY_COLUMN_COUNT)? }))
        .transpose()
}

pub(super) fn find_open_entry(
    db: &mut impl Sql,
    site: &str,
    lookup: &EntryLookup,
) -> PgResult<Option<Entry>> {
    let (condition, value) = lookup_condition(lookup);
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM entries e
         WHERE e.site_code = $1 AND {condition}
           AND NOT EXISTS (SELECT 1 FROM exits x WHERE x.entry_id = e.id)
         ORDER BY e.entry_time DESC, e.id DESC LIMIT 1"
    );
    db.query_opt(&sql, &[&site, value.as_ref()])?.map(|row| entry_at(&row, 0)).transpose()
}

pub(super) fn inside_count(db: &mut impl Sql, site: &str, include_simulated: bool) -> PgResult<u64> {
    let row = db.query_one(
        "SELECT count(*) FROM open_entries WHERE site_code = $1 AND (NOT simulated OR $2)",
        &[&site, &include_simulated],
    )?;
    codec::count_at(&row, 0)
}

pub(super) fn orphan_exits(db: &mut impl Sql, site: &str, include_simulated: bool) -> PgResult<Vec<Exit>> {
    let sql = format!(
        "SELECT {EXIT_COLUMNS} FROM orphan_exits o JOIN exits x ON x.id = o.exit_id
         WHERE o.site_code = $1 AND (NOT x.simulated OR $2) ORDER BY x.exit_time DESC, x.id DESC"
    );
    db.query(&sql, &[&site, &include_simulated])?.iter().map(|row| exit_at(row, 0)).collect()
}

pub(super) fn shift_exits(db: &mut impl Sql, shift: Uuid) -> PgResult<Vec<Exit>> {
    let sql = format!("SELECT {EXIT_COLUMNS} FROM exits x WHERE x.shift_id = $1 ORDER BY x.exit_time, x.id");
    db.query(&sql, &[&shift])?.iter().map(|row| exit_at(row, 0)).collect()
}

pub(super) fn put_photo(db: &mut impl Sql, photo: &Photo) -> PgResult<InsertOutcome> {
    let inserted = db.execute(
        "INSERT INTO photos (id, kind, taken_at, jpeg) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
        &[&photo.id, &photo.kind.as_str(), &photo.taken_at, &photo.jpeg],
    )?;
    Ok(outcome(inserted))
}

pub(super) fn photo(db: &mut impl Sql, id: Uuid) -> PgResult<Option<Photo>> {
    let row = db.query_opt(
        "SELECT id, kind, taken_at, jpeg FROM photos WHERE id = $1 AND jpeg IS NOT NULL",
        &[&id],
    )?;
    row.map(|row| {
        Ok(Photo {
            id: get(&row, 0)?,
            kind: PhotoKind::parse(&get::<String>(&row, 1)?),
            taken_at: get(&row, 2)?,
            jpeg: get(&row, 3)?,
        })
    })
    .transpose()
}
