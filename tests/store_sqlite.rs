//! The SQLite store: the shared behaviour suite, plus what only a real file shows (reopening,
//! foreign files, locks, concurrent booths), operator login over it, and a scale measurement.

#[path = "store_sqlite/auth_flows.rs"]
mod auth_flows;
mod common;
#[path = "store_sqlite/scale.rs"]
mod scale;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gardu::store::sqlite::SqliteStore;
use gardu::store::{EntryLookup, Photo, PhotoKind, Store, StoreError};

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

/// `count` photos of 200 KB, about 50 pages of the write-ahead log each.
fn write_photos(store: &SqliteStore, first: u128, count: u128) {
    for n in 0..count {
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
        jpeg.resize(200_000, (n % 251) as u8);
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        let photo = Photo {
            id: uuid::Uuid::from_u128(first + n),
            kind: PhotoKind::Entry,
            taken_at: at(2024, 3, 1, 1, 0),
            jpeg,
        };
        store.put_photo(&photo).unwrap();
    }
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

/// A booth's commits never copy the log back into the database file (a lane's ticket would
/// wait for the copy and the file's fsync): 40 photos, about 2,000 pages of log, twice the
/// 1,000 at which SQLite's own default would. The store's own thread copies it, with no write
/// to prompt it.
#[test]
fn the_log_is_copied_back_by_the_store_thread_never_by_a_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gardu.db");
    {
        let store = SqliteStore::open_checkpointing(&path, Duration::from_secs(3600)).unwrap();
        let before = file_len(&path);
        write_photos(&store, 1, 40);
        assert!(
            file_len(&path) < before + 1_000_000,
            "a commit copied the log into the file: {} → {} bytes",
            before,
            file_len(&path)
        );
    }
    assert!(file_len(&path) > 8_000_000, "closing the store copies the log back");

    let store = SqliteStore::open_checkpointing(&path, Duration::from_millis(20)).unwrap();
    let before = file_len(&path);
    write_photos(&store, 1_000, 40);
    let deadline = Instant::now() + Duration::from_secs(60);
    while file_len(&path) < before + 8_000_000 {
        assert!(Instant::now() < deadline, "the store's thread never copied the log back");
        std::thread::sleep(Duration::from_millis(20));
    }
    let photo = store.photo(uuid::Uuid::from_u128(1_039)).unwrap().expect("the last photo");
    assert_eq!(photo.jpeg.len(), 200_002);
}

/// Writes that never pause leave the store's thread no moment to start the log again, so the
/// writer copies it back itself past 32 MiB: 400 photos (80 MB) with the thread idle leave a
/// log of about that size, not of everything written.
#[test]
fn the_log_stays_bounded_under_writes_that_never_pause() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gardu.db");
    let store = SqliteStore::open_checkpointing(&path, Duration::from_secs(3600)).unwrap();
    write_photos(&store, 1, 400);
    let log = file_len(&dir.path().join("gardu.db-wal"));
    assert!(log < 48_000_000, "the log grew to {log} bytes");
    assert!(file_len(&path) > 24_000_000, "the writer copied the log into the file");
}
