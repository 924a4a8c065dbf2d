//! Multi-booth sites end to end against a real PostgreSQL the harness starts: a server killed
//! in the middle of traffic, a replay killed half-way, unreadable journal files, and a booth
//! started while its server is down.

#[path = "sync_postgres/books.rs"]
mod books;
#[path = "sync_postgres/booth.rs"]
mod booth;
#[path = "sync_postgres/cache.rs"]
mod cache;
mod common;
#[path = "sync_postgres/outage.rs"]
mod outage;
#[path = "sync_postgres/replay.rs"]
mod replay;

#[path = "emergency/two_booths.rs"]
mod emergency_booths;

#[test]
fn an_emergency_reaches_two_booths_on_one_postgres_within_a_second() {
    let url = common::pg::shared().create_database();
    let connect = || -> std::sync::Arc<dyn gardu::store::Store> {
        std::sync::Arc::new(
            gardu::store::postgres::PostgresStore::connect(&gardu::store::postgres::PostgresOptions::new(
                url.clone(),
                std::time::Duration::from_secs(10),
            ))
            .unwrap(),
        )
    };
    connect().ensure_site(&common::fixtures::site(common::fixtures::SITE)).unwrap();
    let reached = emergency_booths::declared_ended_at_two_booths(
        common::fixtures::SITE,
        gardu::config::DatabaseLocation::Postgres(url.clone()),
        connect,
    );
    println!("emergency reached both PostgreSQL booths in {} ms", reached.as_millis());
    assert!(reached < std::time::Duration::from_secs(1), "LISTEN/NOTIFY took {reached:?}");
}
