//! Batched entries and exits give exactly the outcomes one-by-one recording gives, on
//! PostgreSQL and SQLite alike, and a bad value fails only its own record.

use gardu::store::sqlite::SqliteStore;
use gardu::store::{Entry, EntryLookup, Exit, InsertOutcome, PaymentMethod, Store, StoreError, StoreResult};

use crate::common::fixtures::{SITE, at, entry, exit_id, exit_of, lost_exit_without_entry, seed};
use crate::common::pg::fresh_store;

/// Entries with a repeat inside the batch and one already stored.
fn entries() -> (Vec<Entry>, Vec<Entry>) {
    let stored = vec![entry(1, at(2024, 3, 1, 1, 0), Some("B 1 AA"), "MBL")];
    let mut batch: Vec<Entry> =
        (1..=6).map(|n| entry(n, at(2024, 3, 1, 1, n as u32), Some("B 2 AA"), "MTR")).collect();
    batch.push(batch[2].clone());
    let mut changed = batch[3].clone();
    changed.plate = Some("Z 9 ZZ".into());
    batch.push(changed);
    (stored, batch)
}

/// Exits covering every outcome: new, the same exit again (stored and within the batch), a
/// second exit of an entry (stored and within the batch), and an orphan.
fn exits() -> (Vec<Exit>, Vec<Exit>) {
    let e = |n| entry(n, at(2024, 3, 1, 1, 0), Some("B 3 AA"), "MBL");
    let stored = vec![exit_of(&e(1), at(2024, 3, 1, 2, 0), PaymentMethod::Cash)];
    let mut second_of_stored = exit_of(&e(1), at(2024, 3, 1, 2, 5), PaymentMethod::Qris);
    second_of_stored.id = exit_id(101);
    second_of_stored.booth = "OUT2".into();
    let mut second_in_batch = exit_of(&e(3), at(2024, 3, 1, 2, 30), PaymentMethod::Card);
    second_in_batch.id = exit_id(103);
    let batch = vec![
        stored[0].clone(),
        second_of_stored,
        exit_of(&e(2), at(2024, 3, 1, 2, 10), PaymentMethod::Cash),
        exit_of(&e(3), at(2024, 3, 1, 2, 20), PaymentMethod::Free),
        second_in_batch,
        exit_of(&e(2), at(2024, 3, 1, 2, 10), PaymentMethod::Cash),
        lost_exit_without_entry(9, at(2024, 3, 1, 3, 0), "TRK"),
    ];
    (stored, batch)
}

fn one_by_one<T>(
    items: &[T],
    record: impl FnMut(&T) -> StoreResult<InsertOutcome>,
) -> Vec<StoreResult<InsertOutcome>> {
    items.iter().map(record).collect()
}

fn prepared(store: &dyn Store) {
    seed(store);
    let (stored_entries, _) = entries();
    let (stored_exits, _) = exits();
    for e in &stored_entries {
        store.record_entry(e).unwrap();
    }
    for x in &stored_exits {
        store.record_exit(x).unwrap();
    }
}

#[test]
fn batches_answer_exactly_like_one_by_one() {
    let (_, entry_batch) = entries();
    let (_, exit_batch) = exits();
    let single = fresh_store();
    prepared(&single);
    let expected_entries = one_by_one(&entry_batch, |e| single.record_entry(e));
    let expected_exits = one_by_one(&exit_batch, |x| single.record_exit(x));
    assert_eq!(expected_entries.iter().filter(|o| matches!(o, Ok(InsertOutcome::Inserted))).count(), 5);
    assert!(matches!(expected_exits[1], Err(StoreError::AlreadyExited { .. })));
    assert!(matches!(expected_exits[4], Err(StoreError::AlreadyExited { .. })));

    let batched = fresh_store();
    prepared(&batched);
    assert_eq!(batched.record_entries(&entry_batch), expected_entries);
    assert_eq!(batched.record_exits(&exit_batch), expected_exits);

    let sqlite = SqliteStore::open_in_memory().unwrap();
    prepared(&sqlite);
    assert_eq!(sqlite.record_entries(&entry_batch), expected_entries);
    assert_eq!(sqlite.record_exits(&exit_batch), expected_exits);

    // The rows stored are the same too: the first of each repeated id, orphans waiting.
    for store in [&single as &dyn Store, &batched, &sqlite] {
        let visit = store.find_visit(SITE, &EntryLookup::Id(entry_batch[3].id)).unwrap().unwrap();
        assert_eq!(visit.entry.plate.as_deref(), Some("B 2 AA"), "{}", store.backend());
        assert_eq!(store.orphan_exits(SITE, false).unwrap().len(), 1, "{}", store.backend());
        assert_eq!(store.inside_count(SITE, false).unwrap(), 3, "{}", store.backend());
        assert_eq!(store.schema_info().unwrap().counts[6], ("exits".to_string(), 4), "{}", store.backend());
    }
}

#[test]
fn a_value_the_server_refuses_fails_only_its_record() {
    let store = fresh_store();
    let mut entries: Vec<Entry> =
        (1..=4).map(|n| entry(n, at(2024, 3, 1, 1, 0), Some("B 4 AA"), "MBL")).collect();
    // PostgreSQL text cannot hold a NUL byte; a damaged journal file could carry one.
    entries[2].operator = Some("guard\0one".into());
    let outcomes = store.record_entries(&entries);
    assert_eq!(outcomes[0], Ok(InsertOutcome::Inserted));
    assert_eq!(outcomes[1], Ok(InsertOutcome::Inserted));
    assert!(matches!(&outcomes[2], Err(StoreError::Database(_))), "{outcomes:?}");
    assert!(!outcomes[2].as_ref().unwrap_err().goes_to_journal());
    assert_eq!(outcomes[3], Ok(InsertOutcome::Inserted));

    let mut exits: Vec<Exit> =
        entries.iter().map(|e| exit_of(e, at(2024, 3, 1, 2, 0), PaymentMethod::Qris)).collect();
    exits[1].reference = Some("QRIS\0".into());
    let outcomes = store.record_exits(&exits);
    assert!(matches!(&outcomes[1], Err(StoreError::Database(_))), "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| **o == Ok(InsertOutcome::Inserted)).count(), 3);
    assert_eq!(store.record_exits(&[]), vec![]);
    assert_eq!(store.record_entries(&[]), vec![]);
}

#[test]
fn two_booths_racing_for_the_same_exit_get_one_each_answer() {
    let url = crate::common::pg::shared().create_database();
    let options = gardu::store::postgres::PostgresOptions::new(url, std::time::Duration::from_secs(10));
    let first = gardu::store::postgres::PostgresStore::connect(&options).unwrap();
    let second = gardu::store::postgres::PostgresStore::connect(&options).unwrap();
    let visits: Vec<Entry> =
        (1..=40).map(|n| entry(n, at(2024, 3, 1, 1, 0), Some("B 5 AA"), "MBL")).collect();
    first.record_entries(&visits);
    let exits_for = |booth: &str, offset: u128| -> Vec<Exit> {
        visits
            .iter()
            .map(|e| {
                let mut x = exit_of(e, at(2024, 3, 1, 2, 0), PaymentMethod::Cash);
                x.id = exit_id(x.id.as_u128() - 0xF000_0000 + offset);
                x.booth = booth.into();
                x
            })
            .collect()
    };
    let (a, b) = (exits_for("OUT1", 0), exits_for("OUT2", 1_000));
    let (outcomes_a, outcomes_b) = std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("booth-out2".into())
            .spawn_scoped(scope, || b.iter().map(|x| second.record_exit(x)).collect::<Vec<_>>())
            .unwrap();
        let mine = first.record_exits(&a);
        (mine, worker.join().unwrap())
    });
    for (one, other) in outcomes_a.iter().zip(&outcomes_b) {
        let inserted = [one, other].iter().filter(|o| ***o == Ok(InsertOutcome::Inserted)).count();
        let refused =
            [one, other].iter().filter(|o| matches!(o, Err(StoreError::AlreadyExited { .. }))).count();
        assert_eq!((inserted, refused), (1, 1), "{one:?} / {other:?}");
    }
    assert_eq!(first.inside_count(SITE, false).unwrap(), 0);
}
