//! Entries, exits, lookups, orphan exits and photos.

use gardu::store::{EntryLookup, InsertOutcome, Origin, PaymentMethod, Photo, PhotoKind, Store, StoreError};
use uuid::Uuid;

use crate::common::fixtures::{
    OTHER_SITE, SITE, at, entry, entry_id, exit_id, exit_of, lost_exit_without_entry,
};

pub fn record_entry_is_idempotent(store: &dyn Store) {
    let first = entry(1, at(2024, 3, 1, 1, 0), Some("B 1234 XYZ"), "MBL");
    assert_eq!(store.record_entry(&first).unwrap(), InsertOutcome::Inserted);
    assert_eq!(store.record_entry(&first).unwrap(), InsertOutcome::AlreadyPresent);
    // A replay with the same id but other content leaves the stored row as it was.
    let mut changed = first.clone();
    changed.plate = Some("D 1 A".to_string());
    changed.origin = Origin::Journal;
    assert_eq!(store.record_entry(&changed).unwrap(), InsertOutcome::AlreadyPresent);
    let visit = store.find_visit(SITE, &EntryLookup::Id(first.id)).unwrap().unwrap();
    assert_eq!(visit.entry, first);
    assert_eq!(visit.exit, None);
    assert_eq!(store.inside_count(SITE, false).unwrap(), 1);
}

pub fn entries_are_found_by_every_key(store: &dyn Store) {
    let mut e = entry(1, at(2024, 3, 1, 1, 0), Some("b1234xyz"), "MBL");
    e.card_uid = Some("0A1B2C3D".to_string());
    e.photo_id = Some(Uuid::from_u128(0xA1));
    e.operator = None;
    e.origin = Origin::Journal;
    store.record_entry(&e).unwrap();
    assert_eq!(e.plate.as_deref(), Some("B 1234 XYZ"));
    let lookups = [
        EntryLookup::Id(e.id),
        EntryLookup::TicketCode(e.ticket_code.clone()),
        EntryLookup::TicketNo(e.ticket_no.clone()),
        EntryLookup::PlateKey("B1234XYZ".to_string()),
        EntryLookup::PlateKey("b 1234 xyz".to_string()),
        EntryLookup::PlateKey("B-1234-XYZ".to_string()),
        EntryLookup::Card("0A1B2C3D".to_string()),
        EntryLookup::Card("0a1b2c3d".to_string()),
    ];
    for lookup in &lookups {
        let visit = store.find_visit(SITE, lookup).unwrap();
        assert_eq!(visit.map(|v| v.entry), Some(e.clone()), "{lookup:?}");
        assert_eq!(store.find_open_entry(SITE, lookup).unwrap(), Some(e.clone()), "{lookup:?}");
        assert_eq!(store.find_visit(OTHER_SITE, lookup).unwrap(), None, "other site");
    }
    for miss in [
        EntryLookup::Id(entry_id(99)),
        EntryLookup::TicketCode("G1.forged".to_string()),
        EntryLookup::TicketNo("IN1-240301-9999".to_string()),
        EntryLookup::PlateKey("B1234XY".to_string()),
        EntryLookup::PlateKey(String::new()),
        EntryLookup::Card("FFFFFFFF".to_string()),
    ] {
        assert_eq!(store.find_visit(SITE, &miss).unwrap(), None, "{miss:?}");
    }
}

pub fn find_returns_the_newest_match(store: &dyn Store) {
    let plate = Some("B 1234 XYZ");
    let old = entry(1, at(2024, 3, 1, 1, 0), plate, "MBL");
    let open = entry(2, at(2024, 3, 2, 1, 0), plate, "MBL");
    let newest = entry(3, at(2024, 3, 3, 1, 0), plate, "MBL");
    // Recorded out of order, as journals from several booths may arrive.
    for e in [&newest, &old, &open] {
        store.record_entry(e).unwrap();
    }
    store.record_exit(&exit_of(&old, at(2024, 3, 1, 2, 0), PaymentMethod::Cash)).unwrap();
    store.record_exit(&exit_of(&newest, at(2024, 3, 3, 2, 0), PaymentMethod::Qris)).unwrap();
    let key = EntryLookup::PlateKey("B1234XYZ".to_string());
    let visit = store.find_visit(SITE, &key).unwrap().unwrap();
    assert_eq!(visit.entry, newest);
    assert_eq!(visit.exit.map(|x| x.id), Some(exit_id(3)));
    assert_eq!(store.find_open_entry(SITE, &key).unwrap(), Some(open), "the newest entry that has not left");
    assert_eq!(store.inside_count(SITE, false).unwrap(), 1);

    // A plate only read from the entry photo (nothing typed) is found by that read too.
    let mut read_only = entry(4, at(2024, 3, 4, 1, 0), None, "MBL");
    read_only.plate_read = Some("D 55 AB".to_string());
    read_only.plate_confidence = Some(0.9);
    store.record_entry(&read_only).unwrap();
    let read_key = EntryLookup::PlateKey("D55AB".to_string());
    assert_eq!(store.find_open_entry(SITE, &read_key).unwrap().map(|e| e.id), Some(entry_id(4)));
    assert_eq!(store.find_open_entry(SITE, &key).unwrap().map(|e| e.id), Some(entry_id(2)));
}

pub fn open_and_exited_entries_differ(store: &dyn Store) {
    let e = entry(1, at(2024, 3, 1, 1, 0), Some("B 1 CD"), "MTR");
    let other = entry(2, at(2024, 3, 1, 1, 5), Some("B 2 CD"), "MTR");
    store.record_entry(&e).unwrap();
    store.record_entry(&other).unwrap();
    assert_eq!(store.inside_count(SITE, false).unwrap(), 2);
    let code = EntryLookup::TicketCode(e.ticket_code.clone());
    assert_eq!(store.find_open_entry(SITE, &code).unwrap(), Some(e.clone()));

    let x = exit_of(&e, at(2024, 3, 1, 3, 0), PaymentMethod::Cash);
    store.record_exit(&x).unwrap();
    assert_eq!(store.find_open_entry(SITE, &code).unwrap(), None);
    let visit = store.find_visit(SITE, &code).unwrap().unwrap();
    assert_eq!((visit.entry, visit.exit), (e, Some(x)));
    assert_eq!(store.inside_count(SITE, false).unwrap(), 1);
    assert_eq!(store.inside_count(OTHER_SITE, false).unwrap(), 0);
}

pub fn record_exit_is_idempotent_and_round_trips(store: &dyn Store) {
    let e = entry(1, at(2024, 3, 1, 1, 0), Some("B 1234 XYZ"), "MBL");
    store.record_entry(&e).unwrap();
    let mut x = exit_of(&e, at(2024, 3, 2, 4, 30), PaymentMethod::Cash);
    x.shift_id = Some(Uuid::from_u128(0x5));
    x.photo_id = Some(Uuid::from_u128(0xB1));
    x.origin = Origin::Journal;
    x.lost_ticket = true;
    // 27.5 h: a full day, then first hour and three more, with its breakdown lines.
    assert_eq!(x.total.0, 40_000 + 5_000 + 3 * 3_000);
    assert!(x.fee.lines.len() >= 3);
    assert_eq!(store.record_exit(&x).unwrap(), InsertOutcome::Inserted);
    assert_eq!(store.record_exit(&x).unwrap(), InsertOutcome::AlreadyPresent);
    let visit = store.find_visit(SITE, &EntryLookup::Id(e.id)).unwrap().unwrap();
    assert_eq!(visit.exit, Some(x));
}

pub fn second_exit_is_refused_naming_the_first(store: &dyn Store) {
    let e = entry(1, at(2024, 3, 1, 1, 0), Some("B 1234 XYZ"), "MBL");
    store.record_entry(&e).unwrap();
    let first = exit_of(&e, at(2024, 3, 1, 2, 0), PaymentMethod::Cash);
    store.record_exit(&first).unwrap();
    let mut second = exit_of(&e, at(2024, 3, 1, 2, 10), PaymentMethod::Qris);
    second.id = exit_id(2);
    second.booth = "OUT2".to_string();
    let err = store.record_exit(&second).unwrap_err();
    assert_eq!(
        err,
        StoreError::AlreadyExited {
            exit_id: first.id,
            exit_time: first.exit_time,
            booth: "OUT1".to_string(),
        }
    );
    assert!(!err.goes_to_journal());
    assert!(err.to_string().contains("OUT1"), "{err}");
    let visit = store.find_visit(SITE, &EntryLookup::Id(e.id)).unwrap().unwrap();
    assert_eq!(visit.exit, Some(first), "the first exit stands");
}

pub fn orphan_exit_waits_for_its_entry(store: &dyn Store) {
    let lost = lost_exit_without_entry(7, at(2024, 3, 1, 5, 0), "MBL");
    let mut other = lost_exit_without_entry(8, at(2024, 3, 1, 6, 0), "MTR");
    other.site = OTHER_SITE.to_string();
    assert_eq!(store.record_exit(&lost).unwrap(), InsertOutcome::Inserted);
    store.record_exit(&other).unwrap();
    assert_eq!(store.orphan_exits(SITE, false).unwrap(), vec![lost.clone()]);
    assert_eq!(store.inside_count(SITE, false).unwrap(), 0);

    // The entry arrives from another booth's journal: the pair is a complete visit.
    let mut late = entry(7, at(2024, 3, 1, 2, 0), Some("B 7 LT"), "MBL");
    late.origin = Origin::Journal;
    store.record_entry(&late).unwrap();
    assert_eq!(store.orphan_exits(SITE, false).unwrap(), vec![]);
    assert_eq!(store.orphan_exits(OTHER_SITE, false).unwrap(), vec![other]);
    assert_eq!(store.inside_count(SITE, false).unwrap(), 0);
    let key = EntryLookup::PlateKey("B7LT".to_string());
    assert_eq!(store.find_open_entry(SITE, &key).unwrap(), None);
    let visit = store.find_visit(SITE, &key).unwrap().unwrap();
    assert_eq!(visit.exit, Some(lost));
}

pub fn photos_round_trip(store: &dyn Store) {
    let photo = Photo {
        id: Uuid::from_u128(0xA1),
        kind: PhotoKind::Exit,
        taken_at: at(2024, 3, 1, 1, 0),
        jpeg: vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 0xFF, 0xD9],
    };
    assert_eq!(store.put_photo(&photo).unwrap(), InsertOutcome::Inserted);
    let mut replay = photo.clone();
    replay.jpeg = vec![1, 2, 3];
    assert_eq!(store.put_photo(&replay).unwrap(), InsertOutcome::AlreadyPresent);
    assert_eq!(store.photo(photo.id).unwrap(), Some(photo));
    assert_eq!(store.photo(Uuid::from_u128(0xA2)).unwrap(), None);
}
