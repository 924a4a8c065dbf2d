//! Many entries or exits in one statement (the journal replay, demo seeding), with exactly the
//! per-record outcomes that recording them one by one would give.
//!
//! Rows travel as parallel arrays through `unnest`, so a batch of hundreds costs one round
//! trip and one commit instead of one each. Should the batch statement fail on a value (a
//! text with a NUL byte, say) the records go one by one, so only the bad one fails.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::codec::{self, get};
use super::error::{Access, Fail, Health, PgResult, judge};
use super::pool::Sql;
use super::visits::{self, plate_key};
use crate::store::{Entry, Exit, InsertOutcome, StoreError, StoreResult};

/// Outcomes of a batch, one per record in order.
pub(super) type Outcomes = Vec<StoreResult<InsertOutcome>>;

const INSERT_ENTRIES: &str = "INSERT INTO entries (id, site_code, booth, ticket_no, ticket_code, plate,
         plate_key, class, card_uid, entry_time, operator, photo_id, origin, simulated, plate_read,
         plate_read_key, plate_confidence, plate_source)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
         $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::text[], $12::uuid[], $13::text[],
         $14::bool[], $15::text[], $16::text[], $17::real[], $18::text[])
     ON CONFLICT (id) DO NOTHING
     RETURNING id";

const INSERT_EXITS: &str = "INSERT INTO exits (id, entry_id, site_code, booth, exit_time, operator,
         shift_id, fee, total, method, tendered, change, reference, lost_ticket, photo_id, origin,
         simulated, forced_reason)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[],
         $6::text[], $7::uuid[], $8::jsonb[], $9::int8[], $10::text[], $11::int8[], $12::int8[],
         $13::text[], $14::bool[], $15::uuid[], $16::text[], $17::bool[], $18::text[])
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

pub(super) fn record_entries(db: &mut impl Sql, entries: &[Entry]) -> PgResult<Outcomes> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    // A repeated id is inserted once, as its first occurrence would be.
    let mut seen = HashSet::new();
    let fresh: Vec<&Entry> = entries.iter().filter(|e| seen.insert(e.id)).collect();
    match insert_entries(db, &fresh) {
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
            entries.iter().map(|entry| one(visits::record_entry(db, entry))).collect()
        }
        Err(fail) => Err(fail),
    }
}

fn insert_entries(db: &mut impl Sql, entries: &[&Entry]) -> PgResult<HashSet<Uuid>> {
    let ids: Vec<Uuid> = entries.iter().map(|e| e.id).collect();
    let sites: Vec<&str> = entries.iter().map(|e| e.site.as_str()).collect();
    let booths: Vec<&str> = entries.iter().map(|e| e.booth.as_str()).collect();
    let ticket_nos: Vec<&str> = entries.iter().map(|e| e.ticket_no.as_str()).collect();
    let codes: Vec<&str> = entries.iter().map(|e| e.ticket_code.as_str()).collect();
    let plates: Vec<Option<&str>> = entries.iter().map(|e| e.plate.as_deref()).collect();
    let keys: Vec<Option<String>> = entries.iter().map(|e| e.plate.as_deref().and_then(plate_key)).collect();
    let classes: Vec<&str> = entries.iter().map(|e| e.class.as_str()).collect();
    let cards: Vec<Option<&str>> = entries.iter().map(|e| e.card_uid.as_deref()).collect();
    let times: Vec<DateTime<Utc>> = entries.iter().map(|e| e.entry_time).collect();
    let operators: Vec<Option<&str>> = entries.iter().map(|e| e.operator.as_deref()).collect();
    let photos: Vec<Option<Uuid>> = entries.iter().map(|e| e.photo_id).collect();
    let origins: Vec<&str> = entries.iter().map(|e| e.origin.as_str()).collect();
    let simulated: Vec<bool> = entries.iter().map(|e| e.simulated).collect();
    let reads: Vec<Option<&str>> = entries.iter().map(|e| e.plate_read.as_deref()).collect();
    let read_keys: Vec<Option<String>> =
        entries.iter().map(|e| e.plate_read.as_deref().and_then(plate_key)).collect();
    let confidences: Vec<Option<f32>> = entries.iter().map(|e| e.plate_confidence).collect();
    let sources: Vec<&str> = entries.iter().map(|e| e.plate_source.as_str()).collect();
    let rows = db.query(
        INSERT_ENTRIES,
        &[
            &ids,
            &sites,
            &booths,
            &ticket_nos,
            &codes,
            &plates,
            &keys,
            &classes,
            &cards,
            &times,
            &operators,
            &photos,
            &origins,
            &simulated,
            &reads,
            &read_keys,
            &confidences,
            &sources,
        ],
    )?;
    rows.iter().map(|row| get(row, 0)).collect()
}

/// An exit already stored (or planned in this batch) that a later record must yield to.
#[derive(Clone)]
struct Known {
    id: Uuid,
    exit_time: DateTime<Utc>,
    booth: String,
}

pub(super) fn record_exits(db: &mut impl Sql, exits: &[Exit]) -> PgResult<Outcomes> {
    if exits.is_empty() {
        return Ok(Vec::new());
    }
    match plan_and_insert_exits(db, exits) {
        Err(fail) if is_data_failure(&fail) => {
            exits.iter().map(|exit| one(visits::record_exit(db, exit))).collect()
        }
        other => other,
    }
}

/// Decides each exit's outcome as if they were recorded in order against what is stored,
/// inserts the ones that win in one statement, and settles any that a concurrent booth beat.
fn plan_and_insert_exits(db: &mut impl Sql, exits: &[Exit]) -> PgResult<Outcomes> {
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

fn insert_exits(db: &mut impl Sql, exits: &[&Exit]) -> PgResult<HashSet<Uuid>> {
    if exits.is_empty() {
        return Ok(HashSet::new());
    }
    let ids: Vec<Uuid> = exits.iter().map(|x| x.id).collect();
    let entry_ids: Vec<Uuid> = exits.iter().map(|x| x.entry_id).collect();
    let sites: Vec<&str> = exits.iter().map(|x| x.site.as_str()).collect();
    let booths: Vec<&str> = exits.iter().map(|x| x.booth.as_str()).collect();
    let times: Vec<DateTime<Utc>> = exits.iter().map(|x| x.exit_time).collect();
    let operators: Vec<Option<&str>> = exits.iter().map(|x| x.operator.as_deref()).collect();
    let shifts: Vec<Option<Uuid>> = exits.iter().map(|x| x.shift_id).collect();
    let fees: Vec<serde_json::Value> = exits.iter().map(|x| codec::fee_json(x)).collect::<PgResult<_>>()?;
    let totals: Vec<i64> = exits.iter().map(|x| x.total.0).collect();
    let methods: Vec<&str> = exits.iter().map(|x| x.method.as_str()).collect();
    let tendered: Vec<Option<i64>> = exits.iter().map(|x| x.tendered.map(|r| r.0)).collect();
    let change: Vec<Option<i64>> = exits.iter().map(|x| x.change.map(|r| r.0)).collect();
    let references: Vec<Option<&str>> = exits.iter().map(|x| x.reference.as_deref()).collect();
    let lost: Vec<bool> = exits.iter().map(|x| x.lost_ticket).collect();
    let photos: Vec<Option<Uuid>> = exits.iter().map(|x| x.photo_id).collect();
    let origins: Vec<&str> = exits.iter().map(|x| x.origin.as_str()).collect();
    let simulated: Vec<bool> = exits.iter().map(|x| x.simulated).collect();
    let forced: Vec<Option<&str>> = exits.iter().map(|x| x.forced_reason.as_deref()).collect();
    let rows = db.query(
        INSERT_EXITS,
        &[
            &ids,
            &entry_ids,
            &sites,
            &booths,
            &times,
            &operators,
            &shifts,
            &fees,
            &totals,
            &methods,
            &tendered,
            &change,
            &references,
            &lost,
            &photos,
            &origins,
            &simulated,
            &forced,
        ],
    )?;
    rows.iter().map(|row| get(row, 0)).collect()
}
