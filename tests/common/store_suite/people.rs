//! Users, members, shifts and the audit log.

use gardu::domain::Rupiah;
use gardu::store::{
    AuditFilter, AuditRecord, InsertOutcome, Member, PaymentMethod, Role, Shift, Store, StoreError, User,
};
use serde_json::json;
use uuid::Uuid;

use crate::common::fixtures::{SITE, at, class, date, entry, exit_of};

fn user(n: u128, username: &str, role: Role) -> User {
    User {
        id: Uuid::from_u128(0xC000 + n),
        username: username.to_string(),
        full_name: format!("Operator {n}"),
        role,
        password_hash: format!("$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$hash{n}"),
        active: true,
        failed_attempts: 0,
        locked_until: None,
        created_at: at(2024, 1, 1, 0, 0),
    }
}

pub fn users_are_created_found_and_updated(store: &dyn Store) {
    let budi = user(1, "budi", Role::Cashier);
    store.create_user(&budi).unwrap();
    store.create_user(&user(2, "ani", Role::Guard)).unwrap();
    let taken = store.create_user(&user(3, "BUDI", Role::Admin)).unwrap_err();
    assert!(matches!(taken, StoreError::Duplicate(_)), "{taken:?}");

    assert_eq!(store.user_by_username("budi").unwrap(), Some(budi.clone()));
    assert_eq!(store.user_by_username("Budi").unwrap(), Some(budi.clone()));
    assert_eq!(store.user_by_username(" BUDI ").unwrap(), Some(budi.clone()));
    assert_eq!(store.user_by_username("nobody").unwrap(), None);

    // A mixed-case name is stored lower case.
    store.create_user(&user(4, "Siti.R", Role::Admin)).unwrap();
    let siti = store.user_by_username("siti.r").unwrap().unwrap();
    assert_eq!(siti.username, "siti.r");

    let mut changed = budi.clone();
    changed.full_name = "Budi Santoso".to_string();
    changed.role = Role::Guard;
    changed.password_hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$other".to_string();
    changed.active = false;
    changed.failed_attempts = 4;
    changed.locked_until = Some(at(2024, 3, 1, 8, 5));
    store.update_user(&changed).unwrap();
    assert_eq!(store.user_by_username("budi").unwrap(), Some(changed));

    let names: Vec<String> = store.list_users().unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(names, ["ani", "budi", "siti.r"]);
    let ghost = user(9, "ghost", Role::Guard);
    assert!(matches!(store.update_user(&ghost), Err(StoreError::NotFound(_))));
}

pub fn the_last_admin_cannot_be_removed(store: &dyn Store) {
    let admin = user(1, "admin", Role::Admin);
    store.create_user(&admin).unwrap();
    let mut off = admin.clone();
    off.active = false;
    assert!(matches!(store.update_user(&off), Err(StoreError::Refused(_))));
    let mut demoted = admin.clone();
    demoted.role = Role::Cashier;
    assert!(matches!(store.update_user(&demoted), Err(StoreError::Refused(_))));
    // Locking the only admin out is not removing them.
    let mut locked = admin.clone();
    locked.failed_attempts = 5;
    locked.locked_until = Some(at(2024, 3, 1, 8, 5));
    store.update_user(&locked).unwrap();

    store.create_user(&user(2, "admin2", Role::Admin)).unwrap();
    store.update_user(&demoted).unwrap();
    assert_eq!(store.user_by_username("admin").unwrap().map(|u| u.role), Some(Role::Cashier));
}

pub fn members_are_saved_found_and_searched(store: &dyn Store) {
    let member = |uid: &str, name: &str, plate: Option<&str>| Member {
        card_uid: uid.to_string(),
        name: name.to_string(),
        plate: plate.map(str::to_string),
        class: class("MBL"),
        valid_until: date(2024, 12, 31),
        active: true,
        simulated: false,
    };
    let dewi = member("0A1B2C3D", "Dewi Lestari", Some("B 1234 XYZ"));
    let agus = member("11223344", "Agus Salim", Some("D 77 AB"));
    let rina = member("55667788", "Rina", None);
    for m in [&dewi, &agus, &rina] {
        store.save_member(m).unwrap();
    }
    assert_eq!(store.member_by_card("0A1B2C3D").unwrap(), Some(dewi.clone()));
    assert_eq!(store.member_by_card("0a1b2c3d").unwrap(), Some(dewi.clone()));
    assert_eq!(store.member_by_card("99999999").unwrap(), None);

    let mut renewed = agus.clone();
    renewed.valid_until = date(2025, 6, 30);
    renewed.active = false;
    renewed.class = class("MTR");
    store.save_member(&renewed).unwrap();
    assert_eq!(store.member_by_card("11223344").unwrap(), Some(renewed.clone()));

    let search = |text: &str| -> Vec<String> {
        store.list_members(text).unwrap().into_iter().map(|m| m.card_uid).collect()
    };
    assert_eq!(search(""), ["11223344", "0A1B2C3D", "55667788"], "by name");
    assert_eq!(search("lestari"), ["0A1B2C3D"]);
    assert_eq!(search("B1234"), ["0A1B2C3D"], "plate without spaces");
    assert_eq!(search("d 77"), ["11223344"], "plate with spaces");
    assert_eq!(search("5566"), ["55667788"], "card part");
    assert!(search("zzz").is_empty());
}

fn shift(n: u128, username: &str, opened: chrono::DateTime<chrono::Utc>) -> Shift {
    Shift {
        id: Uuid::from_u128(0x5000 + n),
        site: SITE.to_string(),
        booth: "OUT1".to_string(),
        username: username.to_string(),
        opened_at: opened,
        closed_at: None,
        opening_float: Rupiah(200_000),
        expected_cash: None,
        counted_cash: None,
        simulated: false,
    }
}

pub fn shifts_open_once_and_close_once(store: &dyn Store) {
    let first = shift(1, "budi", at(2024, 3, 1, 0, 0));
    store.open_shift(&first).unwrap();
    assert_eq!(store.open_shift_of("budi").unwrap(), Some(first.clone()));
    assert_eq!(store.open_shift_of("BUDI").unwrap(), Some(first.clone()));
    let again = store.open_shift(&shift(2, "budi", at(2024, 3, 1, 1, 0))).unwrap_err();
    assert!(matches!(again, StoreError::Refused(_)), "{again:?}");
    store.open_shift(&shift(3, "ani", at(2024, 3, 1, 2, 0))).unwrap();

    // Exits taken during the shift.
    let e = entry(1, at(2024, 3, 1, 1, 0), Some("B 1 AA"), "MBL");
    store.record_entry(&e).unwrap();
    let mut x = exit_of(&e, at(2024, 3, 1, 3, 0), PaymentMethod::Cash);
    x.shift_id = Some(first.id);
    store.record_exit(&x).unwrap();
    let other = entry(2, at(2024, 3, 1, 1, 0), Some("B 2 AA"), "MBL");
    store.record_entry(&other).unwrap();
    store.record_exit(&exit_of(&other, at(2024, 3, 1, 3, 0), PaymentMethod::Qris)).unwrap();
    assert_eq!(store.shift_exits(first.id).unwrap(), vec![x]);

    let closed = store.close_shift(first.id, at(2024, 3, 1, 8, 0), Rupiah(211_000), Rupiah(210_000)).unwrap();
    assert_eq!(closed.closed_at, Some(at(2024, 3, 1, 8, 0)));
    assert_eq!(closed.expected_cash, Some(Rupiah(211_000)));
    assert_eq!(closed.counted_cash, Some(Rupiah(210_000)));
    assert_eq!(store.shift(first.id).unwrap(), Some(closed));
    assert_eq!(store.open_shift_of("budi").unwrap(), None);
    assert!(matches!(
        store.close_shift(first.id, at(2024, 3, 1, 9, 0), Rupiah(0), Rupiah(0)),
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        store.close_shift(Uuid::from_u128(0x5999), at(2024, 3, 1, 9, 0), Rupiah(0), Rupiah(0)),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.shift(Uuid::from_u128(0x5999)).unwrap(), None);

    // Closed, so a new one may open.
    store.open_shift(&shift(4, "budi", at(2024, 3, 1, 9, 0))).unwrap();
    let listed = |from, to| -> Vec<Uuid> {
        store.list_shifts(SITE, from, to).unwrap().into_iter().map(|s| s.id).collect()
    };
    let ids = |ns: &[u128]| ns.iter().map(|n| Uuid::from_u128(0x5000 + n)).collect::<Vec<_>>();
    assert_eq!(listed(at(2024, 3, 1, 0, 0), at(2024, 3, 2, 0, 0)), ids(&[4, 3, 1]));
    assert_eq!(listed(at(2024, 3, 1, 1, 0), at(2024, 3, 1, 9, 0)), ids(&[3]));
    assert!(
        store.list_shifts("BDG-PLAZA-02", at(2024, 3, 1, 0, 0), at(2024, 3, 2, 0, 0)).unwrap().is_empty()
    );
}

pub fn audit_log_filters_newest_first(store: &dyn Store) {
    let record = |minute, booth: &str, username: Option<&str>, action: &str| AuditRecord {
        time: at(2024, 3, 1, 8, minute),
        site: SITE.to_string(),
        booth: booth.to_string(),
        username: username.map(str::to_string),
        action: action.to_string(),
        detail: json!({ "minute": minute, "note": "ünïcode ok" }),
    };
    let records = [
        record(0, "IN1", Some("ani"), "login"),
        record(1, "OUT1", Some("budi"), "login_failed"),
        record(2, "OUT1", Some("budi"), "login"),
        record(3, "IN1", Some("ani"), "manual_open"),
        record(4, "admin", None, "sync"),
    ];
    for r in &records {
        store.append_audit(r).unwrap();
    }
    let minutes = |filter: AuditFilter| -> Vec<i64> {
        store.list_audit(&filter).unwrap().iter().map(|r| r.detail["minute"].as_i64().unwrap_or(-1)).collect()
    };
    assert_eq!(minutes(AuditFilter::default()), [4, 3, 2, 1, 0], "0 = no limit");
    assert_eq!(minutes(AuditFilter { limit: 2, ..AuditFilter::default() }), [4, 3]);
    let only = |action: &str| AuditFilter { action: Some(action.to_string()), ..AuditFilter::default() };
    assert_eq!(minutes(only("login")), [2, 0]);
    assert_eq!(minutes(AuditFilter { username: Some("budi".to_string()), ..AuditFilter::default() }), [2, 1]);
    assert_eq!(minutes(AuditFilter { booth: Some("IN1".to_string()), ..AuditFilter::default() }), [3, 0]);
    assert_eq!(
        minutes(AuditFilter {
            from: Some(at(2024, 3, 1, 8, 1)),
            to: Some(at(2024, 3, 1, 8, 3)),
            ..AuditFilter::default()
        }),
        [2, 1]
    );
    let newest = store.list_audit(&AuditFilter { limit: 1, ..AuditFilter::default() }).unwrap();
    assert_eq!(newest, vec![records[4].clone()], "records round trip");
}

pub fn a_replayed_audit_line_is_stored_once(store: &dyn Store) {
    let line = AuditRecord {
        time: at(2024, 3, 1, 8, 0),
        site: SITE.to_string(),
        booth: "OUT1".to_string(),
        username: Some("budi".to_string()),
        action: "manual_open".to_string(),
        detail: json!({ "reason": "Ambulans" }),
    };
    let key = Uuid::from_u128(0xA0D1);
    assert_eq!(store.append_audit_once(key, &line).unwrap(), InsertOutcome::Inserted);
    // The replay ran again after a crash before its file was moved: nothing is added.
    assert_eq!(store.append_audit_once(key, &line).unwrap(), InsertOutcome::AlreadyPresent);
    // The same words under another journal record, and live lines, are separate lines.
    assert_eq!(store.append_audit_once(Uuid::from_u128(0xA0D2), &line).unwrap(), InsertOutcome::Inserted);
    store.append_audit(&line).unwrap();
    store.append_audit(&line).unwrap();
    assert_eq!(store.list_audit(&AuditFilter::default()).unwrap().len(), 4);
}

/// A retention purge takes the visits of a closed shift and those without a shift, with their
/// photos and the closed shift; it keeps a vehicle inside, the visits of a shift still open
/// and the audit lines that shift's report reads. A dry run counts the same and deletes
/// nothing.
pub fn a_purge_keeps_what_is_still_needed(store: &dyn Store) {
    use gardu::store::{EntryLookup, Photo, PhotoKind, PurgeCounts, PurgePlan};
    crate::common::fixtures::seed(store);
    let closed = shift(11, "budi", at(2024, 3, 1, 0, 0));
    let open = shift(12, "ani", at(2024, 3, 1, 2, 0));
    store.open_shift(&closed).unwrap();
    store.open_shift(&open).unwrap();
    let photo = Photo {
        id: Uuid::from_u128(0xF0),
        kind: PhotoKind::Entry,
        taken_at: at(2024, 3, 1, 1, 0),
        jpeg: vec![1],
    };
    store.put_photo(&photo).unwrap();
    let mut in_closed = entry(21, at(2024, 3, 1, 1, 0), Some("B 21 AA"), "MBL");
    in_closed.photo_id = Some(photo.id);
    let in_open = entry(22, at(2024, 3, 1, 1, 0), Some("B 22 AA"), "MBL");
    let inside = entry(23, at(2024, 3, 1, 5, 0), Some("B 23 AA"), "MBL");
    let no_shift = entry(24, at(2024, 3, 1, 5, 0), Some("B 24 AA"), "MBL");
    for e in [&in_closed, &in_open, &inside, &no_shift] {
        store.record_entry(e).unwrap();
    }
    let mut x = exit_of(&in_closed, at(2024, 3, 1, 3, 0), PaymentMethod::Cash);
    x.shift_id = Some(closed.id);
    store.record_exit(&x).unwrap();
    let mut x = exit_of(&in_open, at(2024, 3, 1, 4, 0), PaymentMethod::Cash);
    x.shift_id = Some(open.id);
    store.record_exit(&x).unwrap();
    store.record_exit(&exit_of(&no_shift, at(2024, 3, 1, 6, 0), PaymentMethod::Qris)).unwrap();
    store.close_shift(closed.id, at(2024, 3, 1, 8, 0), Rupiah(250_000), Rupiah(250_000)).unwrap();
    for (hour, action) in [(0, "before_the_open_shift"), (9, "during_the_open_shift")] {
        let line = AuditRecord {
            time: at(2024, 3, 1, hour, 30),
            site: SITE.to_string(),
            booth: "OUT1".into(),
            username: None,
            action: action.into(),
            detail: json!({}),
        };
        store.append_audit(&line).unwrap();
    }

    let mut plan = PurgePlan {
        site: SITE.to_string(),
        visits_before: Some(at(2024, 3, 2, 0, 0)),
        audit_before: Some(at(2024, 3, 2, 0, 0)),
        dry_run: true,
    };
    let expected = PurgeCounts { visits: 2, photos: 1, duplicates: 0, shifts: 1, audit_rows: 1 };
    assert_eq!(store.purge(&plan).unwrap(), expected);
    assert!(
        store.find_visit(SITE, &EntryLookup::Id(in_closed.id)).unwrap().is_some(),
        "a dry run deletes nothing"
    );
    plan.dry_run = false;
    assert_eq!(store.purge(&plan).unwrap(), expected);

    let visit = |e: &gardu::store::Entry| store.find_visit(SITE, &EntryLookup::Id(e.id)).unwrap();
    assert!(visit(&in_closed).is_none() && visit(&no_shift).is_none());
    assert!(visit(&in_open).is_some_and(|v| v.exit.is_some()), "the open shift's report keeps its exit");
    assert!(visit(&inside).is_some_and(|v| v.exit.is_none()), "a vehicle inside stays");
    assert_eq!(store.inside_count(SITE, false).unwrap(), 1);
    assert!(store.photo(photo.id).unwrap().is_none());
    assert!(store.shift(closed.id).unwrap().is_none());
    assert!(store.shift(open.id).unwrap().is_some());
    let actions: Vec<String> =
        store.list_audit(&AuditFilter::default()).unwrap().into_iter().map(|a| a.action).collect();
    assert!(actions.contains(&"during_the_open_shift".to_string()), "{actions:?}");
    assert!(!actions.contains(&"before_the_open_shift".to_string()), "{actions:?}");
    assert_eq!(store.purge(&plan).unwrap(), PurgeCounts::default(), "a second purge finds nothing");
}
