//! LISTEN/NOTIFY live updates: every committed entry and exit is announced once, a rolled
//! back one never, and the listener comes back by itself after the server restarts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gardu::config::DatabaseLocation;
use gardu::store::live::{LiveOptions, Subscription, VisitEvent, VisitKind, subscribe};
use gardu::store::postgres::{PostgresOptions, PostgresStore};
use gardu::store::{PaymentMethod, Store};

use crate::common::fixtures::{SITE, at, entry, exit_of};
use crate::common::pg::{Durability, PgServer, shared};

fn wait_until(subscription: &Subscription, what: impl Fn(&Subscription) -> bool) {
    let until = Instant::now() + Duration::from_secs(20);
    while !what(subscription) {
        assert!(Instant::now() < until, "timed out waiting for the live-update listener");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn next(subscription: &Subscription) -> VisitEvent {
    subscription.events().recv_timeout(Duration::from_secs(10)).expect("a live update")
}

#[test]
fn every_committed_visit_is_announced_once() {
    let url = shared().create_database();
    let store = PostgresStore::connect(&PostgresOptions::new(url.clone(), Duration::from_secs(5))).unwrap();
    let options = LiveOptions { retry_after: Duration::from_millis(100), ..LiveOptions::default() };
    let subscription =
        subscribe(&DatabaseLocation::Postgres(url.clone()), &options, Arc::new(|| {})).unwrap();
    wait_until(&subscription, Subscription::connected);

    let first = entry(1, at(2024, 3, 1, 1, 0), Some("B 1 AA"), "MBL");
    store.record_entry(&first).unwrap();
    store.record_entry(&first).unwrap(); // already present: no second announcement
    let mut batch: Vec<_> = (2..=4).map(|n| entry(n, at(2024, 3, 1, 2, n as u32), None, "MTR")).collect();
    batch[1].booth = "IN2".into();
    store.record_entries(&batch);
    let exit = exit_of(&first, at(2024, 3, 1, 3, 30), PaymentMethod::Cash);
    store.record_exit(&exit).unwrap();

    // A row rolled back is never announced.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut tx = client.transaction().unwrap();
    tx.batch_execute(
        "INSERT INTO entries (id, site_code, booth, ticket_no, ticket_code, class, entry_time, origin)
         VALUES ('00000000-0000-0000-0000-0000000000ee', 'X', 'IN9', 't', 'c', 'MBL', now(), 'online')",
    )
    .unwrap();
    tx.rollback().unwrap();

    let events: Vec<VisitEvent> = (0..5).map(|_| next(&subscription)).collect();
    assert_eq!(
        events[0],
        VisitEvent {
            kind: VisitKind::Entry,
            id: first.id,
            site: SITE.into(),
            booth: "IN1".into(),
            time: first.entry_time
        }
    );
    let ids: Vec<_> = events[1..4].iter().map(|e| e.id).collect();
    assert_eq!(ids, batch.iter().map(|e| e.id).collect::<Vec<_>>());
    assert_eq!(events[2].booth, "IN2");
    assert_eq!(events[4].kind, VisitKind::Exit);
    assert_eq!((events[4].id, events[4].time, events[4].booth.as_str()), (exit.id, exit.exit_time, "OUT1"));
    assert!(subscription.events().recv_timeout(Duration::from_millis(300)).is_err(), "nothing more");
}

#[test]
fn the_listener_reattaches_after_a_restart() {
    let server = PgServer::start(Durability::Fast);
    let url = server.create_database();
    let store = PostgresStore::connect(&PostgresOptions::new(url.clone(), Duration::from_secs(5))).unwrap();
    let options = LiveOptions { retry_after: Duration::from_millis(100), ..LiveOptions::default() };
    let subscription = subscribe(&DatabaseLocation::Postgres(url), &options, Arc::new(|| {})).unwrap();
    wait_until(&subscription, Subscription::connected);
    assert_eq!(subscription.generation(), 1);

    server.stop_hard();
    wait_until(&subscription, |s| !s.connected());
    server.start_again();
    wait_until(&subscription, |s| s.connected() && s.generation() == 2);
    store.ping().unwrap();
    let e = entry(7, at(2024, 3, 1, 1, 0), None, "TRK");
    store.record_entry(&e).unwrap();
    assert_eq!(next(&subscription).id, e.id);
}
