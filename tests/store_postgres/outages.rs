//! What a booth sees when the server goes away, answers too slowly, or is newer than the
//! program: errors that send records to the journal, and a transparent reconnect afterwards.

use std::time::Duration;

use gardu::store::postgres::{PostgresOptions, PostgresStore};
use gardu::store::{EntryLookup, InsertOutcome, PaymentMethod, Store, StoreError};

use crate::common::fixtures::{SITE, at, date, entry, exit_of, seed};
use crate::common::pg::{Durability, PgServer, shared};

#[test]
fn a_server_killed_and_restarted_is_journaled_then_reconnected() {
    let server = PgServer::start(Durability::Fast);
    let store =
        PostgresStore::connect(&PostgresOptions::new(server.create_database(), Duration::from_secs(5)))
            .unwrap();
    seed(&store);
    let first = entry(1, at(2024, 3, 1, 1, 0), Some("B 1 AA"), "MBL");
    assert_eq!(store.record_entry(&first).unwrap(), InsertOutcome::Inserted);

    server.stop_hard();
    let second = entry(2, at(2024, 3, 1, 1, 5), Some("B 2 AA"), "MBL");
    let write = store.record_entry(&second).unwrap_err();
    assert!(write.goes_to_journal(), "{write:?}");
    let read = store.find_visit(SITE, &EntryLookup::Id(first.id)).unwrap_err();
    assert!(matches!(read, StoreError::Unavailable(_)), "{read:?}");
    assert!(matches!(store.ping(), Err(StoreError::Unavailable(_))));
    let batch = store.record_exits(&[exit_of(&first, at(2024, 3, 1, 2, 0), PaymentMethod::Cash)]);
    assert!(batch[0].as_ref().is_err_and(StoreError::goes_to_journal), "{batch:?}");

    server.start_again();
    // The monitor's ping reconnects; the next calls work on fresh connections.
    store.ping().unwrap();
    assert_eq!(store.record_entry(&second).unwrap(), InsertOutcome::Inserted);
    assert_eq!(store.record_entry(&first).unwrap(), InsertOutcome::AlreadyPresent);
    assert_eq!(store.inside_count(SITE, false).unwrap(), 2);
}

#[test]
fn idle_connections_that_died_are_replaced_before_use() {
    let server = PgServer::start(Durability::Fast);
    let store =
        PostgresStore::connect(&PostgresOptions::new(server.create_database(), Duration::from_secs(5)))
            .unwrap();
    seed(&store);
    server.stop_hard();
    server.start_again();
    // The pooled connection died with the old server; a read retries on a fresh one.
    assert_eq!(store.vehicle_classes().unwrap().len(), 3);
    std::thread::sleep(Duration::from_millis(1_100));
    server.stop_hard();
    server.start_again();
    // After a second of idling the connection is checked before a write is risked on it.
    let e = entry(1, at(2024, 3, 1, 1, 0), None, "MTR");
    assert_eq!(store.record_entry(&e).unwrap(), InsertOutcome::Inserted);
}

#[test]
fn a_statement_over_the_timeout_leaves_the_write_unknown() {
    let url = shared().create_database();
    let store =
        PostgresStore::connect(&PostgresOptions::new(url.clone(), Duration::from_millis(300))).unwrap();
    seed(&store);
    // Another session holds the sequence row: the booth's draw waits past its timeout.
    store.next_ticket_sequence(SITE, "IN1", date(2024, 3, 1)).unwrap();
    let mut blocker = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut tx = blocker.transaction().unwrap();
    tx.execute("UPDATE ticket_sequences SET last = last WHERE booth = 'IN1'", &[]).unwrap();
    let err = store.next_ticket_sequence(SITE, "IN1", date(2024, 3, 1)).unwrap_err();
    assert!(matches!(err, StoreError::OutcomeUnknown(_)), "{err:?}");
    assert!(err.to_string().contains("in time"), "{err}");
    tx.rollback().unwrap();
    // The connection survived the cancelled statement.
    assert_eq!(store.next_ticket_sequence(SITE, "IN1", date(2024, 3, 1)).unwrap(), 2);
}

#[test]
fn no_server_no_password_in_the_message() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://gardu:s3cret-pw@127.0.0.1:{port}/parking");
    let err = PostgresStore::connect(&PostgresOptions::new(url.clone(), Duration::from_secs(1))).unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    let message = err.to_string();
    assert!(!message.contains("s3cret-pw"), "{message}");
    assert!(message.contains("gardu:***@127.0.0.1"), "{message}");
    // A booth may start without its server: the store is made, calls fail until it answers.
    let lazy = PostgresStore::lazy(&PostgresOptions::new(url, Duration::from_secs(1))).unwrap();
    assert!(lazy.site(SITE).unwrap_err().goes_to_journal());
    assert!(!format!("{lazy:?}").contains("s3cret-pw"));
    let bad = PostgresStore::lazy(&PostgresOptions::new(
        "postgres://u:pw@host:notaport/db",
        Duration::from_secs(1),
    ));
    let message = bad.unwrap_err().to_string();
    assert!(!message.contains("pw@"), "{message}");
}

#[test]
fn migrations_run_once_and_refuse_a_newer_schema() {
    let url = shared().create_database();
    let options = PostgresOptions::new(url.clone(), Duration::from_secs(5));
    let first = PostgresStore::connect(&options).unwrap();
    let version = first.schema_version().unwrap();
    assert!(version >= 1);
    // Several booths starting at once: one migrates, the others find it done.
    std::thread::scope(|scope| {
        for booth in 0..3 {
            let options = options.clone();
            std::thread::Builder::new()
                .name(format!("booth-{booth}"))
                .spawn_scoped(scope, move || {
                    PostgresStore::connect(&options).unwrap().schema_version().unwrap()
                })
                .unwrap();
        }
    });
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let row = admin.query_one("SELECT count(*), max(version) FROM schema_migrations", &[]).unwrap();
    let (applied, newest): (i64, i64) = (row.get(0), row.get(1));
    // Every migration file once (versions may skip a number another branch holds).
    let files =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres")).unwrap().count();
    assert_eq!(applied, i64::try_from(files).unwrap());
    assert_eq!(newest, version);
    admin
        .execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'from the future')", &[])
        .unwrap();
    let err = PostgresStore::connect(&options).unwrap_err();
    assert!(matches!(err, StoreError::Migration(_)), "{err:?}");
    assert!(err.to_string().contains("newer version"), "{err}");
}
