//! A database written by the previous release, upgraded: migration 0008 backfills the
//! simulated flags the figures read.

use std::time::Duration;

use gardu::store::postgres::{PostgresOptions, PostgresStore};
use gardu::store::{Entry, PageRequest, PaymentMethod, Store, VisitFilter};

use crate::common::fixtures::{SITE, at, class, entry, exit_of};
use crate::common::pg::shared;

/// Applies the migration files up to `version` by hand, as the older program did.
fn migrate_to(client: &mut postgres::Client, version: i64) {
    client
        .batch_execute(
            "CREATE TABLE schema_migrations (
                 version    BIGINT PRIMARY KEY,
                 name       TEXT NOT NULL,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .unwrap();
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres");
    let mut files: Vec<_> = std::fs::read_dir(folder).unwrap().map(|f| f.unwrap().path()).collect();
    files.sort();
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let number: i64 = name[..4].parse().unwrap();
        if number > version {
            continue;
        }
        client.batch_execute(&std::fs::read_to_string(&file).unwrap()).unwrap();
        client
            .execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", &[&number, &name])
            .unwrap();
    }
}

fn insert_entry(client: &mut postgres::Client, e: &Entry) {
    client
        .execute(
            "INSERT INTO entries (id, site_code, booth, ticket_no, ticket_code, class, entry_time, origin,
                 simulated)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'online', $8)",
            &[
                &e.id,
                &e.site,
                &e.booth,
                &e.ticket_no,
                &e.ticket_code,
                &e.class.as_str(),
                &e.entry_time,
                &e.simulated,
            ],
        )
        .unwrap();
}

#[test]
fn upgrading_keeps_earlier_simulated_records_out_of_the_figures() {
    let url = shared().create_database();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    migrate_to(&mut client, 6);
    let real = entry(1, at(2024, 3, 1, 1, 0), None, "MBL");
    let left = Entry { simulated: true, ..entry(2, at(2024, 3, 1, 2, 0), None, "MBL") };
    let inside = Entry { simulated: true, ..entry(3, at(2024, 3, 1, 2, 10), None, "MTR") };
    for e in [&real, &left, &inside] {
        insert_entry(&mut client, e);
    }
    let x = exit_of(&left, at(2024, 3, 1, 3, 0), PaymentMethod::Cash);
    client
        .execute(
            "INSERT INTO exits (id, entry_id, site_code, booth, exit_time, fee, total, method, origin, simulated)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'cash', 'online', TRUE)",
            &[&x.id, &x.entry_id, &x.site, &x.booth, &x.exit_time, &serde_json::to_value(&x.fee).unwrap(), &x.total.0],
        )
        .unwrap();

    let store = PostgresStore::connect(&PostgresOptions::new(url, Duration::from_secs(10))).unwrap();
    assert_eq!((store.inside_count(SITE, false).unwrap(), store.inside_count(SITE, true).unwrap()), (1, 2));
    let list = |include_simulated| {
        let filter = VisitFilter { site: Some(SITE.into()), include_simulated, ..VisitFilter::default() };
        let page = store.list_visits(&filter, PageRequest { offset: 0, limit: 10 }).unwrap();
        (page.rows.len(), page.total)
    };
    assert_eq!((list(false), list(true)), ((1, 1), (3, 3)));
    let (from, to) = (at(2024, 3, 1, 0, 0), at(2024, 3, 2, 0, 0));
    assert_eq!(store.entry_count(SITE, from, to, false).unwrap(), 1);
    assert!(store.exit_groups(SITE, from, to, false).unwrap().is_empty());
    assert_eq!(store.exit_groups(SITE, from, to, true).unwrap().len(), 1);
    // Written after the upgrade, the flags are kept by the new triggers.
    let later = Entry { simulated: true, ..entry(4, at(2024, 3, 1, 4, 0), None, "MBL") };
    store.record_entry(&later).unwrap();
    assert_eq!((list(false), list(true)), ((1, 1), (4, 4)));
    assert_eq!(store.entry_count(SITE, from, to, true).unwrap(), 4);
}

#[test]
fn upgrading_keeps_every_plate_findable_by_a_long_fragment() {
    let url = shared().create_database();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    migrate_to(&mut client, 15);
    // (plate key, read plate key): written before migration 0016 carried the keys.
    let plates = [(Some("B1234XYZ"), None), (None, Some("D1234AB")), (Some("B1284XYZ"), Some("B1234XYZ"))];
    for (n, (plate, read)) in plates.into_iter().enumerate() {
        let e = entry(n as u128 + 1, at(2024, 3, 1, 1, n as u32), None, "MBL");
        insert_entry(&mut client, &e);
        client
            .execute(
                "UPDATE entries SET plate_key = $2, plate_read_key = $3 WHERE id = $1",
                &[&e.id, &plate, &read],
            )
            .unwrap();
    }
    let store = PostgresStore::connect(&PostgresOptions::new(url, Duration::from_secs(10))).unwrap();
    let found = |plate: &str| {
        let filter = VisitFilter { plate: Some(plate.into()), ..VisitFilter::default() };
        let page = store.list_visits(&filter, PageRequest { offset: 0, limit: 10 }).unwrap();
        assert_eq!(page.rows.len() as u64, page.total, "{plate}");
        page.total
    };
    assert_eq!(
        [found("1234"), found("B 1234"), found("1284 X"), found("34 AB"), found("4XYZ B")],
        [3, 2, 1, 1, 0]
    );
    // An entry written after the upgrade, found by its keys alone.
    let mut later = entry(9, at(2024, 3, 1, 2, 0), Some("B 1234 QQ"), "MBL");
    later.plate_read = Some("B 1284 QQ".into());
    store.record_entry(&later).unwrap();
    assert_eq!([found("1234"), found("84QQ"), found("1234QQ")], [4, 1, 1]);
}

#[test]
fn upgrading_counts_earlier_visits_in_the_day_groups() {
    let url = shared().create_database();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    migrate_to(&mut client, 16);
    let visits = [entry(1, at(2024, 3, 1, 1, 0), None, "MBL"), entry(2, at(2024, 3, 1, 2, 0), None, "MBL")];
    for e in &visits {
        insert_entry(&mut client, e);
    }
    insert_entry(&mut client, &entry(3, at(2024, 3, 2, 2, 0), None, "MTR"));
    let x = exit_of(&visits[1], at(2024, 3, 1, 3, 0), PaymentMethod::Cash);
    client
        .execute(
            "INSERT INTO exits (id, entry_id, site_code, booth, exit_time, fee, total, method, origin)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'cash', 'online')",
            &[
                &x.id,
                &x.entry_id,
                &x.site,
                &x.booth,
                &x.exit_time,
                &serde_json::to_value(&x.fee).unwrap(),
                &x.total.0,
            ],
        )
        .unwrap();

    let store = PostgresStore::connect(&PostgresOptions::new(url, Duration::from_secs(10))).unwrap();
    // Whole days: the totals come from the groups the upgrade filled.
    let total = |filter: VisitFilter| {
        let filter = VisitFilter {
            site: Some(SITE.into()),
            from: Some(at(2024, 2, 1, 0, 0)),
            to: Some(at(2024, 4, 1, 0, 0)),
            ..filter
        };
        store.list_visits(&filter, PageRequest { offset: 0, limit: 10 }).unwrap().total
    };
    let mbl = VisitFilter { class: Some(class("MBL")), ..VisitFilter::default() };
    let cash = VisitFilter { method: Some(PaymentMethod::Cash), ..VisitFilter::default() };
    assert_eq!([total(mbl.clone()), total(cash.clone())], [2, 1]);
    // Written after the upgrade, a visit joins its group through the new triggers.
    let later = entry(4, at(2024, 3, 3, 2, 0), None, "MBL");
    store.record_entry(&later).unwrap();
    store.record_exit(&exit_of(&later, at(2024, 3, 3, 4, 0), PaymentMethod::Cash)).unwrap();
    assert_eq!([total(mbl), total(cash)], [3, 2]);
}
