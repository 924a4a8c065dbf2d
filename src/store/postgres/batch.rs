//! Many entries or exits in one statement (the journal replay, demo seeding), with exactly the
//! per-record outcomes that recording them one by one would give.
//!
//! Rows travel by binary `COPY` into a temporary staging table of the session, then one
//! `INSERT … SELECT … ON CONFLICT DO NOTHING` per table moves them in, all in one
//! transaction: a batch of thousands costs a few round trips and one commit, and the server
//! parses no SQL text per row (COPY is the fastest way in that PostgreSQL has). The staging
//! rows go at commit (`ON COMMIT DELETE ROWS`). Should the batch fail on a value (a text with
//! a NUL byte, say) the records go one by one, so only the bad one fails.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;

use super::codec::{self, get};
use super::error::{Access, Fail, Health, PgResult, judge};
use super::pool::{Conn, Sql, Tx};
use super::visits::{self, plate_key};
use crate::store::{Entry, Exit, InsertOutcome, StoreError, StoreResult};

/// Outcomes of a batch, one per record in order.
pub(super) type Outcomes = Vec<StoreResult<InsertOutcome>>;

/// The session's staging table for entries: created once per connection, emptied at commit.
const STAGE_ENTRIES: &str = "SET LOCAL client_min_messages = warning;
     CREATE TEMP TABLE IF NOT EXISTS entries_stage (
         id UUID, site_code TEXT, booth TEXT, ticket_no TEXT, ticket_code TEXT, plate TEXT,
         plate_key TEXT, class TEXT, card_uid TEXT, entry_time TIMESTAMPTZ, operator TEXT,
         photo_id UUID, origin TEXT, simulated BOOLEAN, plate_read TEXT, plate_read_key TEXT,
         plate_confidence REAL, plate_source TEXT
     ) ON COMMIT DELETE ROWS";

const COPY_ENTRIES: &str = "COPY entries_stage (id, site_code, booth, ticket_no, ticket_code, plate,
         plate_key, class, card_uid, entry_time, operator, photo_id, origin, simulated, plate_read,
         plate_read_key, plate_confidence, plate_source)
     FROM STDIN (FORMAT binary)";

/// Column types of [`COPY_ENTRIES`], in its order.
const ENTRY_TYPES: [Type; 18] = [
    Type::UUID,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TIMESTAMPTZ,
    Type::TEXT,
    Type::UUID,
    Type::TEXT,
    Type::BOOL,
    Type::TEXT,
    Type::TEXT,
    Type::FLOAT4,
    Type::TEXT,
];

const INSERT_ENTRIES: &str = "INSERT INTO entries (id, site_code, booth, ticket_no, ticket_code, plate,
         plate_key, class, card_uid, entry_time, operator, photo_id, origin, simulated, plate_read,
         plate_read_key, plate_confidence, plate_source)
     SELECT id, site_code, booth, ticket_no, ticket_code, plate, plate_key, class, card_uid,
         entry_time, operator, photo_id, origin, simulated, plate_read, plate_read_key,
         plate_confidence, plate_source
     FROM entries_stage
     ON CONFLICT (id) DO NOTHING
     RETURNING id";

/// The session's staging table for exits: created once per connection, emptied at commit.
const STAGE_EXITS: &str = "SET LOCAL client_min_messages = warning;
     CREATE TEMP TABLE IF NOT EXISTS exits_stage (
         id UUID, entry_id UUID, site_code TEXT, booth TEXT, exit_time TIMESTAMPTZ, operator TEXT,
         shift_id UUID, fee JSONB, total BIGINT, method TEXT, tendered BIGINT, change BIGINT,
         reference TEXT, lost_ticket BOOLEAN, photo_id UUID, origin TEXT, simulated BOOLEAN,
         forced_reason TEXT
     ) ON COMMIT DELETE ROWS";

const COPY_EXITS: &str = "COPY exits_stage (id, entry_id, site_code, booth, exit_time, operator,
         shift_id, fee, total, method, tendered, change, reference, lost_ticket, photo_id, origin,
         simulated, forced_reason)
     FROM STDIN (FORMAT binary)";

/// Column types of [`COPY_EXITS`], in its order.
const EXIT_TYPES: [Type; 18] = [
    Type::UUID,
    Type::UUID,
    Type::TEXT,
    Type::TEXT,
    Type::TIMESTAMPTZ,
    Type::TEXT,
    Type::UUID,
    Type::JSONB,
    Type::INT8,
    Type::TEXT,
    Type::INT8,
    Type::INT8,
    Type::TEXT,
    Type::BOOL,
    Type::UUID,
    Type::TEXT,
    Type::BOOL,
    Type::TEXT,
];

const INSERT_EXITS: &str = "INSERT INTO exits (id, entry_id, site_code, booth, exit_time, operator,
         shift_id, fee, total, method, tendered, change, reference, lost_ticket, photo_id, origin,
         simulated, forced_reason)
     SELECT id, entry_id, site_code, booth, exit_time, operator, shift_id, fee, total, method,
         tendered, change, reference, lost_ticket, photo_id, origin, simulated, forced_reason
     FROM exits_stage
     ON CONFLICT DO NOTHING
     RETURNING id";

/// A batch failed on its data, not on the connection: worth retrying record by record.
fn is_data_failure(fail: &Fail) -> bool {
    match fail {
        Fail::Pg(err) => judge(err, Access::Write).1 == Health::Usable && err.as_db_error().is_some(),
        Fail::Store(_) => false,
    }
}

/// One record's own answer, keeping connection failures as errors of the whole call.
fn one<T>(result: PgResult<T>) -> PgResult<StoreResult<T>> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(Fail::Store(err)) => Ok(Err(err)),
        Err(Fail::Pg(err)) => match judge(&err, Access::Write) {
            (store_err, Health::Usable) => Ok(Err(store_err)),
            (_, Health::Broken) => Err(Fail::Pg(err)),
        },
    }
}

pub(super) fn record_entries(conn: &mut Conn, entries: &[Entry]) -> PgResult<Outcomes> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    // A repeated id is inserted once, as its first occurrence would be.
    let mut seen = HashSet::new();
    let fresh: Vec<&Entry> = entries.iter().filter(|e| seen.insert(e.id)).collect();
    match insert_entries(conn, &fresh) {
        Ok(inserted) => {
            let mut first = HashSet::new();
            Ok(entries
                .iter()
                .map(|e| {
                    Ok(if inserted.contains(&e.id) && first.insert(e.id) {
                        InsertOutcome::Inserted
                    } else {
                        InsertOutcome::AlreadyPresent
                    })
                })
                .collect())
        }
        Err(fail) if is_data_failure(&fail) => {
            entries.iter().map(|entry| one(visits::record_entry(conn, entry))).collect()
        }
        Err(fail) => Err(fail),
    }
}

/// Stages the entries by COPY and moves them in, in one transaction; the ids inserted.
fn insert_entries(conn: &mut Conn, entries: &[&Entry]) -> PgResult<HashSet<Uuid>> {
    let mut tx = conn.transaction()?;
    tx.batch(STAGE_ENTRIES)?;
    let mut writer = BinaryCopyInWriter::new(tx.copy_in(COPY_ENTRIES)?, &ENTRY_TYPES);
    for e in entries {
        let key = e.plate.as_deref().and_then(plate_key);
        let read_key = e.plate_read.as_deref().and_then(plate_key);
        writer.write(&[
            &e.id,
            &e.site,
            &e.booth,
            &e.ticket_no,
            &e.ticket_code,
            &e.plate,
            &key,
            &e.class.as_str(),
            &e.card_uid,
            &e.entry_time,
            &e.operator,
            &e.photo_id,
            &e.origin.as_str(),
            &e.simulated,
            &e.plate_read,
            &read_key,
            &e.plate_confidence,
            &e.plate_source.as_str(),
        ])?;
    }
    writer.finish()?;
    let inserted = tx.query(INSERT_ENTRIES, &[])?.iter().map(|row| get(row, 0)).collect::<PgResult<_>>()?;
    tx.commit()?;
    Ok(inserted)
}

/// An exit already stored (or planned in this batch) that a later record must yield to.
#[derive(Clone)]
struct Known {
    id: Uuid,
    exit_time: DateTime<Utc>,
    booth: String,
}

pub(super) fn record_exits(conn: &mut Conn, exits: &[Exit]) -> PgResult<Outcomes> {
    if exits.is_empty() {
        return Ok(Vec::new());
    }
    let planned = conn.transaction().and_then(|mut tx| {
        let outcomes = plan_and_insert_exits(&mut tx, exits)?;
        tx.commit()?;
        Ok(outcomes)
    });
    match planned {
        Err(fail) if is_data_failure(&fail) => {
            exits.iter().map(|exit| one(visits::record_exit(conn, exit))).collect()
        }
        other => other,
    }
}

/// Decides each exit's outcome as if they were recorded in order against what is stored,
/// inserts the ones that win in one statement, and settles any that a concurrent booth beat.
fn plan_and_insert_exits(db: &mut Tx<'_>, exits: &[Exit]) -> PgResult<Outcomes> {
    let ids: Vec<Uuid> = exits.iter().map(|x| x.id).collect();
    let entry_ids: Vec<Uuid> = exits.iter().map(|x| x.entry_id).collect();
    let stored = db.query(
        "SELECT id, entry_id, exit_time, booth FROM exits WHERE id = ANY($1) OR entry_id = ANY($2)",
        &[&ids, &entry_ids],
    )?;
    let mut by_id: HashSet<Uuid> = HashSet::new();
    let mut by_entry: HashMap<Uuid, Known> = HashMap::new();
    for row in &stored {
        let id: Uuid = get(row, 0)?;
        by_id.insert(id);
        by_entry.insert(get(row, 1)?, Known { id, exit_time: get(row, 2)?, booth: get(row, 3)? });
    }
    let mut outcomes: Vec<Option<StoreResult<InsertOutcome>>> = Vec::with_capacity(exits.len());
    let mut winners: Vec<usize> = Vec::new();
    for (index, exit) in exits.iter().enumerate() {
        if by_id.contains(&exit.id) {
            outcomes.push(Some(Ok(InsertOutcome::AlreadyPresent)));
        } else if let Some(earlier) = by_entry.get(&exit.entry_id) {
            outcomes.push(Some(Err(StoreError::AlreadyExited {
                exit_id: earlier.id,
                exit_time: earlier.exit_time,
                booth: earlier.booth.clone(),
            })));
        } else {
            by_id.insert(exit.id);
            by_entry.insert(
                exit.entry_id,
                Known { id: exit.id, exit_time: exit.exit_time, booth: exit.booth.clone() },
            );
            winners.push(index);
            outcomes.push(None);
        }
    }
    let planned: Vec<&Exit> = winners.iter().map(|&index| &exits[index]).collect();
    let inserted = insert_exits(db, &planned)?;
    for index in winners {
        let exit = &exits[index];
        outcomes[index] = Some(if inserted.contains(&exit.id) {
            Ok(InsertOutcome::Inserted)
        } else {
            // Another booth committed this exit or one of its entry since we looked.
            one(visits::explain_exit_conflict(db, exit))?
        });
    }
    Ok(outcomes
        .into_iter()
        .map(|outcome| {
            outcome.unwrap_or_else(|| Err(StoreError::Database("an exit was left undecided".into())))
        })
        .collect())
}

/// Stages the exits by COPY and moves them in (inside the caller's transaction); the ids
/// inserted.
fn insert_exits(tx: &mut Tx<'_>, exits: &[&Exit]) -> PgResult<HashSet<Uuid>> {
    if exits.is_empty() {
        return Ok(HashSet::new());
    }
    tx.batch(STAGE_EXITS)?;
    let fees: Vec<serde_json::Value> = exits.iter().map(|x| codec::fee_json(x)).collect::<PgResult<_>>()?;
    let mut writer = BinaryCopyInWriter::new(tx.copy_in(COPY_EXITS)?, &EXIT_TYPES);
    for (x, fee) in exits.iter().zip(&fees) {
        writer.write(&[
            &x.id,
            &x.entry_id,
            &x.site,
            &x.booth,
            &x.exit_time,
            &x.operator,
            &x.shift_id,
            fee,
            &x.total.0,
            &x.method.as_str(),
            &x.tendered.map(|r| r.0),
            &x.change.map(|r| r.0),
            &x.reference,
            &x.lost_ticket,
            &x.photo_id,
            &x.origin.as_str(),
            &x.simulated,
            &x.forced_reason,
        ])?;
    }
    writer.finish()?;
    tx.query(INSERT_EXITS, &[])?.iter().map(|row| get(row, 0)).collect()
}
