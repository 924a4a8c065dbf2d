//! The SQLite store: the shared behaviour suite, plus what only a real file shows (reopening,
//! foreign files, locks, concurrent booths), operator login over it, and a scale measurement.

#[path = "store_sqlite/auth_flows.rs"]
mod auth_flows;
mod common;
#[path = "store_sqlite/scale.rs"]
mod scale;

use std::path::Path;
use std::sync::Arc;

use gardu::store::sqlite::SqliteStore;
use gardu::store::{EntryLookup, Store, StoreError};

use common::fixtures::{SITE, at, date, entry, seed};

store_suite!(|| SqliteStore::open_in_memory().unwrap());

#[test]
fn a_reopened_file_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("nested").join("gardu.db");
    let e = entry(1, at(2024, 3, 1, 1, 0), Some("B 1234 XYZ"), "MBL");
    {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.location(), path);
        seed(&store);
        store.record_entry(&e).unwrap();
        assert_eq!(store.next_ticket_sequence(SITE, "IN1", date(2024, 3, 1)).unwrap(), 1);
    }
    let version = SqliteStore::migrate_only(&path).unwrap();
    assert!(version >= 1);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), version);
    assert_eq!(store.schema_info().unwrap().version, version);
    let found = store.find_visit(SITE, &EntryLookup::Id(e.id)).unwrap();
    assert_eq!(found.map(|v| v.entry), Some(e));
    assert_eq!(store.vehicle_classes().unwrap().len(), 3);
    assert_eq!(store.next_ticket_sequence(SITE, "IN1", date(2024, 3, 1)).unwrap(), 2);

    let raw = rusqlite::Connection::open(&path).unwrap();
    let mode: String = raw.pragma_query_value(None, "journal_mode", |row| row.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

fn unavailable_message(result: Result<SqliteStore, StoreError>) -> String {
    match result {
        Err(StoreError::Unavailable(message)) => message,
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[test]
fn a_file_that_is_not_a_database_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gardu.db");
    std::fs::write(&path, "parking journal, not a database\n".repeat(200)).unwrap();
    let message = unavailable_message(SqliteStore::open(&path));
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("not a database"), "{message}");
    // The foreign file is left as it was.
    let kept = std::fs::read_to_string(&path).unwrap();
    assert!(kept.starts_with("parking journal"));
}

#[test]
fn a_folder_that_cannot_be_made_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, "a file where a folder should be").unwrap();
    let message = unavailable_message(SqliteStore::open(&blocker.join("gardu.db")));
    assert!(message.contains("blocker"), "{message}");
}

/// Another program writing: a booth's write waits the busy timeout (5 s) and then reports
/// `Unavailable`, which sends the record to the offline journal. A file held in exclusive
/// mode cannot even be opened.
#[test]
fn a_locked_file_is_unavailable_and_journals() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gardu.db");
    let store = SqliteStore::open(&path).unwrap();
    let e = entry(1, at(2024, 3, 1, 1, 0), Some("B 1 AA"), "MBL");
    let writer = rusqlite::Connection::open(&path).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE; INSERT INTO sites (code, name) VALUES ('X', 'X');").unwrap();
    let err = store.record_entry(&e).unwrap_err();
    assert!(err.goes_to_journal(), "{err:?}");
    assert!(store.find_visit(SITE, &EntryLookup::Id(e.id)).is_ok(), "reads go on");
    writer.execute_batch("ROLLBACK").unwrap();
    drop(writer);
    store.record_entry(&e).unwrap();
    drop(store);

    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.pragma_update(None, "locking_mode", "EXCLUSIVE").unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE; INSERT INTO sites (code, name) VALUES ('X', 'X');").unwrap();
    let message = unavailable_message(SqliteStore::open(&path));
    assert!(message.contains("locked"), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");
}

#[test]
fn unreadable_rows_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gardu.db");
    let store = SqliteStore::open(&path).unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "INSERT INTO entries (id, site_code, booth, ticket_no, ticket_code, class, entry_time,
             origin)
         VALUES ('not-a-uuid', ?1, 'IN1', 'IN1-1', 'CODE-1', 'MBL', 0, 'online'),
                ('00000000-0000-0000-0000-0000000000aa', ?1, 'IN1', 'IN1-2', 'CODE-2',
                 'not a class', 0, 'online')",
        [SITE],
    )
    .unwrap();
    for code in ["CODE-1", "CODE-2"] {
        let lookup = EntryLookup::TicketCode(code.to_string());
        let err = store.find_visit(SITE, &lookup).unwrap_err();
        assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    }
}

/// Booth threads and a second process on the same file never draw the same ticket number.
#[test]
fn concurrent_booths_draw_distinct_ticket_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gardu.db");
    let first = Arc::new(SqliteStore::open(&path).unwrap());
    let second = Arc::new(SqliteStore::open(Path::new(&path)).unwrap());
    let workers: Vec<_> = (0..4)
        .map(|i| {
            let store = if i % 2 == 0 { first.clone() } else { second.clone() };
            std::thread::Builder::new()
                .name(format!("booth-{i}"))
                .spawn(move || {
                    (0..50)
                        .map(|_| store.next_ticket_sequence(SITE, "IN1", date(2024, 3, 1)).unwrap())
                        .collect::<Vec<_>>()
                })
                .unwrap()
        })
        .collect();
    let mut drawn: Vec<u32> = workers.into_iter().flat_map(|worker| worker.join().unwrap()).collect();
    drawn.sort_unstable();
    assert_eq!(drawn, (1..=200).collect::<Vec<_>>());
}
