//! Schema, sites, vehicle classes, tariff versions and ticket sequences.

use gardu::domain::tariff::default_tariffs;
use gardu::domain::vehicle::default_classes;
use gardu::domain::{MemberRule, Rupiah, VehicleClass};
use gardu::store::{Store, StoreError, TariffVersion};

use crate::common::fixtures::{OTHER_SITE, SITE, at, class, date, default_tariff, site};

fn count(store: &dyn Store, table: &str) -> i64 {
    let info = store.schema_info().unwrap();
    info.counts
        .iter()
        .find(|(name, _)| name == table)
        .unwrap_or_else(|| panic!("schema_info counts {table}: {:?}", info.counts))
        .1
}

pub fn migrations_are_applied_and_counted(store: &dyn Store) {
    store.ping().unwrap();
    let info = store.schema_info().unwrap();
    assert_eq!(info.backend, store.backend());
    assert!(info.version >= 1, "migrations applied: {info:?}");
    for table in [
        "sites",
        "users",
        "vehicle_classes",
        "tariffs",
        "members",
        "entries",
        "exits",
        "photos",
        "shifts",
        "audit_log",
        "ticket_sequences",
    ] {
        assert_eq!(count(store, table), 0, "{table} starts empty");
    }
}

pub fn ensure_site_seeds_classes_and_tariffs_once(store: &dyn Store) {
    assert_eq!(store.site(SITE).unwrap(), None);
    store.ensure_site(&site(SITE)).unwrap();
    assert_eq!(store.site(SITE).unwrap(), Some(site(SITE)));
    assert_eq!(store.vehicle_classes().unwrap(), default_classes());
    let versions = store.tariff_versions(SITE).unwrap();
    assert_eq!(versions.len(), 3);
    for version in &versions {
        assert_eq!(version.site, SITE);
        assert_eq!(version.created_by, "system");
        assert_eq!(version.effective_from, at(2000, 1, 1, 0, 0));
    }
    for tariff in default_tariffs() {
        let found = store.tariff_at(SITE, &tariff.class, at(2024, 3, 1, 8, 0)).unwrap();
        assert_eq!(found, Some(tariff));
    }

    // Again, with a changed name: nothing is duplicated and nothing is overwritten.
    let mut renamed = site(SITE);
    renamed.name = "Renamed".to_string();
    store.ensure_site(&renamed).unwrap();
    assert_eq!(store.site(SITE).unwrap(), Some(site(SITE)));
    assert_eq!(count(store, "sites"), 1);
    assert_eq!(count(store, "vehicle_classes"), 3);
    assert_eq!(count(store, "tariffs"), 3);

    // A second site gets its own tariffs but shares the classes.
    store.ensure_site(&site(OTHER_SITE)).unwrap();
    assert_eq!(count(store, "vehicle_classes"), 3);
    assert_eq!(store.tariff_versions(OTHER_SITE).unwrap().len(), 3);
    assert_eq!(count(store, "tariffs"), 6);
}

pub fn save_site_creates_and_updates(store: &dyn Store) {
    let mut s = site(SITE);
    store.save_site(&s).unwrap();
    s.name = "Mall Jakarta Barat".to_string();
    s.capacity = None;
    s.timezone = "Asia/Makassar".to_string();
    store.save_site(&s).unwrap();
    assert_eq!(store.site(SITE).unwrap(), Some(s));
    assert_eq!(store.site("NOPE-NONE-00").unwrap(), None);
}

pub fn vehicle_classes_are_saved_in_display_order(store: &dyn Store) {
    store.ensure_site(&site(SITE)).unwrap();
    let bus = VehicleClass {
        code: class("BUS"),
        name_id: "Bus".to_string(),
        name_en: "Bus".to_string(),
        sort_order: 0,
    };
    store.save_vehicle_class(&bus).unwrap();
    let mut car = default_classes()[1].clone();
    car.name_en = "Passenger car".to_string();
    store.save_vehicle_class(&car).unwrap();
    let codes: Vec<String> =
        store.vehicle_classes().unwrap().into_iter().map(|c| c.code.to_string()).collect();
    assert_eq!(codes, ["BUS", "MTR", "MBL", "TRK"]);
    assert_eq!(store.vehicle_classes().unwrap()[2], car);
}

pub fn tariff_at_picks_the_version_in_force(store: &dyn Store) {
    store.ensure_site(&site(SITE)).unwrap();
    let mbl = class("MBL");
    let mut raised = default_tariff("MBL");
    raised.first_fee = Rupiah(6_000);
    raised.member = MemberRule::PercentOff(50);
    let from = at(2024, 6, 1, 0, 0);
    store
        .add_tariff_version(&TariffVersion {
            site: SITE.to_string(),
            tariff: raised.clone(),
            effective_from: from,
            created_by: "admin1".to_string(),
        })
        .unwrap();

    let before = store.tariff_at(SITE, &mbl, at(2024, 5, 31, 23, 59)).unwrap();
    assert_eq!(before, Some(default_tariff("MBL")), "old visits keep their tariff");
    assert_eq!(store.tariff_at(SITE, &mbl, from).unwrap(), Some(raised.clone()));
    assert_eq!(store.tariff_at(SITE, &mbl, at(2025, 1, 1, 0, 0)).unwrap(), Some(raised.clone()));
    // Other classes and sites are untouched; before any version there is no tariff.
    assert_eq!(store.tariff_at(SITE, &class("MTR"), from).unwrap(), Some(default_tariff("MTR")));
    assert_eq!(store.tariff_at(OTHER_SITE, &mbl, from).unwrap(), None);
    assert_eq!(store.tariff_at(SITE, &mbl, at(1999, 12, 31, 0, 0)).unwrap(), None);

    let versions = store.tariff_versions(SITE).unwrap();
    assert_eq!(versions.len(), 4);
    assert_eq!(versions[0].tariff, raised, "newest first");
    assert_eq!(versions[0].created_by, "admin1");
    assert_eq!(versions[0].effective_from, from);
}

pub fn tariff_versions_are_checked(store: &dyn Store) {
    store.ensure_site(&site(SITE)).unwrap();
    let version = |tariff, site: &str| TariffVersion {
        site: site.to_string(),
        tariff,
        effective_from: at(2024, 6, 1, 0, 0),
        created_by: "admin1".to_string(),
    };
    store.add_tariff_version(&version(default_tariff("TRK"), SITE)).unwrap();
    assert!(matches!(
        store.add_tariff_version(&version(default_tariff("TRK"), SITE)),
        Err(StoreError::Duplicate(_))
    ));
    let mut bad = default_tariff("TRK");
    bad.daily_max = Rupiah(1_000);
    assert!(matches!(store.add_tariff_version(&version(bad, SITE)), Err(StoreError::Refused(_))));
    assert!(matches!(
        store.add_tariff_version(&version(default_tariff("TRK"), OTHER_SITE)),
        Err(StoreError::NotFound(_))
    ));
    let mut unknown_class = default_tariff("TRK");
    unknown_class.class = class("ZZ");
    assert!(matches!(store.add_tariff_version(&version(unknown_class, SITE)), Err(StoreError::NotFound(_))));
    assert_eq!(store.tariff_versions(SITE).unwrap().len(), 4);
}

pub fn ticket_sequences_count_per_booth_per_day(store: &dyn Store) {
    let day = date(2024, 3, 1);
    let next = |site: &str, booth: &str, day| store.next_ticket_sequence(site, booth, day).unwrap();
    assert_eq!(next(SITE, "IN1", day), 1);
    assert_eq!(next(SITE, "IN1", day), 2);
    assert_eq!(next(SITE, "IN2", day), 1, "booths count independently");
    assert_eq!(next(SITE, "IN1", day), 3);
    assert_eq!(next(SITE, "IN1", date(2024, 3, 2)), 1, "a new day starts at 1");
    assert_eq!(next(OTHER_SITE, "IN1", day), 1, "sites count independently");
    assert_eq!(next(SITE, "IN2", day), 2);
}
