//! The camera off the lane's path (issue 15 §2) and plates in the entry lane (issue 17): the
//! ticket never waits for a photo or a read, and what arrives later reaches the entry.

use std::sync::Arc;
use std::time::Duration;

use gardu::config::PlateConfig;
use gardu::devices::camera::Camera;
use gardu::devices::input::InputEvent;
use gardu::domain::Plate;
use gardu::domain::Rupiah;
use gardu::journal::replay;
use gardu::lane::entry::EntryTrigger;
use gardu::lane::exit::Payment;
use gardu::plate::{PlateReader, PlateSource};
use gardu::store::{EntryLookup, Store};

use super::lane_support::Booth;
use super::lane_support::plates::{KnownPhotos, ShownCamera, photo};
use super::lane_support::slow_camera::SlowCamera;
use super::mbl;

const SITE: &str = "JKT-MALL-01";
const SETTLE: Duration = Duration::from_secs(10);

fn stored(store: &dyn Store, id: uuid::Uuid) -> gardu::store::Entry {
    store.find_visit(SITE, &EntryLookup::Id(id)).unwrap().unwrap().entry
}

fn reader(known: KnownPhotos) -> Option<(Arc<dyn PlateReader>, PlateConfig)> {
    Some((Arc::new(known), PlateConfig::default()))
}

#[test]
fn a_slow_camera_never_holds_the_ticket_and_its_photo_reaches_the_entry_later() {
    let booth = Booth::new();
    let server = SlowCamera::start(Duration::from_millis(500));
    let camera = Arc::new(server.camera(Duration::from_secs(5), booth.clock.clone()));
    let mut lane = booth.entry_lane_with(camera as Arc<dyn Camera>, None);

    lane.handle(&InputEvent::LoopOccupied { loop_id: 1 });
    let issued = lane.handle(&InputEvent::Button).unwrap().unwrap();
    assert!(issued.printed && issued.barrier_opened);
    assert_eq!(server.served.load(std::sync::atomic::Ordering::SeqCst), 0, "the camera had not answered");
    assert_eq!(issued.entry.photo_id, None, "the ticket went without waiting for the photo");

    assert!(lane.settle_media(SETTLE));
    let entry = stored(booth.sqlite.as_ref(), issued.entry.id);
    let photo = booth.sqlite.photo(entry.photo_id.expect("the late photo is attached")).unwrap().unwrap();
    assert_eq!(&photo.jpeg[..3], &[0xFF, 0xD8, 0xFF]);
    assert_eq!(server.served.load(std::sync::atomic::Ordering::SeqCst), 1, "one photo per presence");
}

#[test]
fn offline_the_late_photo_waits_in_the_journal_beside_its_entry_and_replays_after_it() {
    let booth = Booth::new();
    let server = SlowCamera::start(Duration::from_millis(500));
    let camera = Arc::new(server.camera(Duration::from_secs(5), booth.clock.clone()));
    let mut lane = booth.entry_lane_with(camera as Arc<dyn Camera>, None);
    booth.store.set_down(true);

    lane.handle(&InputEvent::LoopOccupied { loop_id: 1 });
    let issued = lane.handle(&InputEvent::Button).unwrap().unwrap();
    assert!(issued.persisted.journaled() && issued.barrier_opened);
    assert!(lane.settle_media(SETTLE));
    let journal = booth.journal("IN1");
    let (pending, _) = journal.list().unwrap();
    let mut kinds: Vec<&str> = pending.iter().map(|item| item.kind.as_str()).collect();
    kinds.sort();
    assert_eq!(kinds, ["entry", "entry_late"]);

    booth.store.set_down(false);
    let summary =
        replay::replay(&journal, booth.sqlite.as_ref(), booth.clock.as_ref(), false, &mut |_| {}).unwrap();
    assert_eq!((summary.synced, summary.failed), (2, 0));
    let entry = stored(booth.sqlite.as_ref(), issued.entry.id);
    assert!(booth.sqlite.photo(entry.photo_id.expect("photo after replay")).unwrap().is_some());
}

#[test]
fn a_confident_read_fills_the_plate_and_a_weak_one_is_only_a_suggestion() {
    let booth = Booth::new();
    let (clear, faint) = (photo(1), photo(2));
    let known = KnownPhotos::new(&[(&clear, "B 1234 XYZ", 0.93), (&faint, "D 88 AB", 0.41)]);
    let camera = ShownCamera::new(clear.clone());
    let mut lane = booth.entry_lane_with(camera.clone() as Arc<dyn Camera>, reader(known));

    lane.handle(&InputEvent::LoopOccupied { loop_id: 1 });
    assert!(lane.settle_media(SETTLE));
    let shown = lane.plate_suggestion().unwrap();
    assert_eq!((shown.plate.as_str(), shown.filled), ("B 1234 XYZ", true));
    let first = lane.handle(&InputEvent::Button).unwrap().unwrap().entry;
    let first = stored(booth.sqlite.as_ref(), first.id);
    assert_eq!(first.plate.as_deref(), Some("B 1234 XYZ"));
    assert_eq!(first.plate_read.as_deref(), Some("B 1234 XYZ"));
    assert_eq!(first.plate_source, PlateSource::Anpr);
    assert!(first.photo_id.is_some());
    lane.handle(&InputEvent::LoopCleared { loop_id: 1 });

    camera.show(faint.clone());
    lane.handle(&InputEvent::LoopOccupied { loop_id: 1 });
    assert!(lane.settle_media(SETTLE));
    let shown = lane.plate_suggestion().unwrap();
    assert_eq!((shown.plate.as_str(), shown.filled), ("D 88 AB", false));
    let second = lane.handle(&InputEvent::Button).unwrap().unwrap().entry;
    let second = stored(booth.sqlite.as_ref(), second.id);
    assert_eq!(second.plate, None, "a weak read is not taken as the plate");
    assert_eq!(second.plate_read.as_deref(), Some("D 88 AB"));
    assert!((second.plate_confidence.unwrap() - 0.41).abs() < 1e-6);
    assert_eq!(second.plate_source, PlateSource::None);
    lane.handle(&InputEvent::LoopCleared { loop_id: 1 });

    // The guard corrects the read by keyboard: the typed plate is the plate, the read stays.
    camera.show(faint);
    lane.handle(&InputEvent::LoopOccupied { loop_id: 1 });
    assert!(lane.settle_media(SETTLE));
    let typed = EntryTrigger::Guard { class: mbl(), plate: Plate::normalise("d 88 ab c") };
    let third = stored(booth.sqlite.as_ref(), lane.trigger(typed).unwrap().entry.id);
    assert_eq!(third.plate.as_deref(), Some("D 88 ABC"));
    assert_eq!(third.plate_read.as_deref(), Some("D 88 AB"));
    assert_eq!(third.plate_source, PlateSource::Typed);

    // The statistics: three entries, three reads, one corrected by the guard.
    let from = super::start_time() - chrono::Duration::hours(1);
    let stats = booth.sqlite.plate_stats(SITE, from, from + chrono::Duration::days(1), false).unwrap();
    assert_eq!((stats.entries, stats.read, stats.corrected), (3, 3, 1));
    assert_eq!(stats.read_pct(), Some(100.0));
}

#[test]
fn a_read_that_arrives_after_the_ticket_is_still_stored() {
    let booth = Booth::new();
    let car = photo(3);
    let (known, gate) = KnownPhotos::new(&[(&car, "B 777 GAR", 0.97)]).gated();
    let camera = ShownCamera::new(car);
    let mut lane = booth.entry_lane_with(camera as Arc<dyn Camera>, reader(known));

    lane.handle(&InputEvent::LoopOccupied { loop_id: 1 });
    let issued = lane.handle(&InputEvent::Button).unwrap().unwrap();
    assert_eq!(issued.entry.plate_read, None, "the reader is still at work");
    assert_eq!(issued.entry.plate, None);
    gate.open();
    assert!(lane.settle_media(SETTLE));

    let entry = stored(booth.sqlite.as_ref(), issued.entry.id);
    assert_eq!(entry.plate_read.as_deref(), Some("B 777 GAR"));
    assert!(entry.plate_confidence.is_some_and(|c| c > 0.9));
    assert_eq!(entry.plate, None, "the confirmed plate is what the ticket carried");
    assert!(entry.photo_id.is_some());
    let found = booth.sqlite.find_visit(SITE, &EntryLookup::Id(issued.entry.id)).unwrap().unwrap();
    assert_eq!(found.entry.plate_source, PlateSource::None);
}

#[test]
fn a_members_plate_lets_them_in_without_a_card_only_when_switched_on() {
    use gardu::store::{AuditFilter, Member};
    let booth = Booth::new();
    booth
        .sqlite
        .save_member(&Member {
            card_uid: "00CC0001".into(),
            name: "Sari".into(),
            plate: Some("B 55 MEM".into()),
            class: mbl(),
            valid_until: super::start_time().date_naive() + chrono::Duration::days(30),
            active: true,
            simulated: false,
        })
        .unwrap();
    let car = photo(5);
    for switched_on in [false, true] {
        let known = KnownPhotos::new(&[(&car, "B 55 MEM", 0.97)]);
        let config = PlateConfig { members_by_plate: switched_on, ..PlateConfig::default() };
        let camera = ShownCamera::new(car.clone());
        let mut lane = booth.entry_lane_with(camera as Arc<dyn Camera>, Some((Arc::new(known), config)));
        lane.handle(&InputEvent::LoopOccupied { loop_id: 1 });
        assert!(lane.settle_media(SETTLE));
        let inside = booth.sqlite.inside_count(SITE, false).unwrap();
        let audits = booth
            .sqlite
            .list_audit(&AuditFilter {
                action: Some("member_by_plate".into()),
                limit: 10,
                ..AuditFilter::default()
            })
            .unwrap();
        if switched_on {
            assert_eq!(inside, 1, "the member is let in by plate");
            assert_eq!(audits.len(), 1);
            assert_eq!(audits[0].detail["card_uid"], "00CC0001");
            let entry_id = audits[0].detail["entry_id"].as_str().unwrap().parse().unwrap();
            let entry = stored(booth.sqlite.as_ref(), entry_id);
            assert_eq!(entry.card_uid.as_deref(), Some("00CC0001"));
            assert_eq!(entry.plate_source, PlateSource::Anpr);
        } else {
            assert_eq!(inside, 0, "off by default: the member shows the card");
            assert!(audits.is_empty());
        }
        lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    }
}

/// The details of the plate mismatch lines written for the admin.
fn mismatches(store: &dyn Store) -> Vec<serde_json::Value> {
    let filter = gardu::store::AuditFilter {
        action: Some("plate_mismatch".into()),
        limit: 50,
        ..gardu::store::AuditFilter::default()
    };
    store.list_audit(&filter).unwrap().into_iter().map(|a| a.detail).collect()
}

#[test]
fn the_exit_photo_is_read_off_the_fee_path_and_compared_with_the_entrys_plate() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let mut enter = |plate: &str| {
        let typed = EntryTrigger::Guard { class: mbl(), plate: Plate::normalise(plate) };
        let issued = entry.lane.trigger(typed).unwrap().entry;
        entry.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
        issued
    };
    let (same, other, swapped, faint) =
        (enter("B 1234 XYZ"), enter("D 55 AB"), enter("F 8 Q"), enter("L 9 ZZ"));
    booth.clock.advance(chrono::Duration::minutes(40));
    let (same_car, other_car, faint_car) = (photo(11), photo(12), photo(13));
    let (known, gate) = KnownPhotos::new(&[
        (&same_car, "B 1234 XYZ", 0.95),
        (&other_car, "B 9999 ZZ", 0.92),
        (&faint_car, "L 8 ZZ", 0.42),
    ])
    .gated();
    let camera = ShownCamera::new(same_car.clone());
    let mut lane = booth.exit_lane_with(camera.clone() as Arc<dyn Camera>, reader(known));

    // The reader holds every read: the fee, the payment and the barrier do not wait for it.
    lane.scan(&same.ticket_code).unwrap();
    lane.take_exit_photo();
    assert!(lane.reading_plates());
    let paid = lane.pay(Payment::Cash { tendered: Rupiah(50_000) }).unwrap();
    assert!(paid.barrier_opened);
    lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    gate.open();
    let reads = lane.settle_plates(SETTLE);
    assert_eq!(reads.len(), 1);
    assert_eq!((reads[0].entry_id, reads[0].plate.as_str()), (same.id, "B 1234 XYZ"));
    assert!(reads[0].compared && reads[0].mismatch.is_none(), "the same car: {:?}", reads[0]);

    // Another car leaves on this ticket: shown (returned) and raised for the admin.
    camera.show(other_car);
    lane.scan(&other.ticket_code).unwrap();
    lane.take_exit_photo();
    let reads = lane.settle_plates(SETTLE);
    let mismatch = reads[0].mismatch.clone().expect("a mismatch");
    assert_eq!((mismatch.entry_plate.as_str(), mismatch.exit_plate.as_str()), ("D 55 AB", "B 9999 ZZ"));
    assert_eq!(mismatch.source, PlateSource::Anpr);
    lane.cancel();

    // Paid before the read is looked at: still compared with that visit's entry.
    camera.show(same_car);
    lane.scan(&swapped.ticket_code).unwrap();
    lane.take_exit_photo();
    lane.pay(Payment::Cash { tendered: Rupiah(50_000) }).unwrap();
    lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    let reads = lane.settle_plates(SETTLE);
    assert_eq!(reads[0].mismatch.as_ref().map(|m| m.entry_plate.as_str()), Some("F 8 Q"));

    // A weak read is shown but not compared: no alert on a guess.
    camera.show(faint_car);
    lane.scan(&faint.ticket_code).unwrap();
    lane.take_exit_photo();
    let reads = lane.settle_plates(SETTLE);
    assert_eq!(
        (reads[0].plate.as_str(), reads[0].compared, reads[0].mismatch.is_none()),
        ("L 8 ZZ", false, true)
    );

    let lines = mismatches(booth.sqlite.as_ref());
    let mut pairs: Vec<(&str, &str)> = lines
        .iter()
        .map(|d| (d["entry_plate"].as_str().unwrap(), d["exit_plate"].as_str().unwrap()))
        .collect();
    pairs.sort();
    assert_eq!(pairs, [("D 55 AB", "B 9999 ZZ"), ("F 8 Q", "B 1234 XYZ")]);
    assert!(lines.iter().all(|d| d["source"] == "anpr"));
}

#[test]
fn without_a_reader_or_switched_off_the_exit_reads_nothing() {
    let booth = Booth::new();
    let car = photo(21);
    let off = PlateConfig { enabled: false, ..PlateConfig::default() };
    for reader in
        [None, Some((Arc::new(KnownPhotos::new(&[(&car, "B 1 A", 0.99)])) as Arc<dyn PlateReader>, off))]
    {
        let mut entry = booth.entry_lane();
        let issued =
            entry.lane.trigger(EntryTrigger::Guard { class: mbl(), plate: Plate::normalise("B 2 A") });
        let issued = issued.unwrap().entry;
        let mut lane = booth.exit_lane_with(ShownCamera::new(car.clone()) as Arc<dyn Camera>, reader);
        assert!(lane.plate_arrivals().is_none());
        lane.scan(&issued.ticket_code).unwrap();
        lane.take_exit_photo();
        assert!(!lane.reading_plates());
        assert!(lane.settle_plates(SETTLE).is_empty());
    }
    assert!(mismatches(booth.sqlite.as_ref()).is_empty());
}

#[test]
fn a_lost_ticket_finds_the_car_by_the_plate_read_at_the_barrier() {
    let booth = Booth::new();
    // Entered with no plate typed: only its entry photo's read (late) knows the plate.
    let car = photo(31);
    let (known, gate) = KnownPhotos::new(&[(&car, "B 4321 KL", 0.96)]).gated();
    let mut entry = booth.entry_lane_with(ShownCamera::new(car.clone()) as Arc<dyn Camera>, reader(known));
    entry.handle(&InputEvent::LoopOccupied { loop_id: 1 });
    let unread = entry.handle(&InputEvent::Button).unwrap().unwrap().entry;
    gate.open();
    assert!(entry.settle_media(SETTLE));
    entry.handle(&InputEvent::LoopCleared { loop_id: 1 });
    assert_eq!(stored(booth.sqlite.as_ref(), unread.id).plate, None);
    let mut typed_lane = booth.entry_lane();
    let typed = EntryTrigger::Guard { class: mbl(), plate: Plate::normalise("F 9 A") };
    let typed = typed_lane.lane.trigger(typed).unwrap().entry;
    booth.clock.advance(chrono::Duration::hours(3));

    let (faint_car, unknown_car) = (photo(32), photo(33));
    let known = KnownPhotos::new(&[
        (&car, "B 4321 KL", 0.94),
        (&faint_car, "B 4321 KL", 0.40),
        (&unknown_car, "Z 1 Z", 0.99),
    ]);
    let camera = ShownCamera::new(car.clone());
    let mut lane = booth.exit_lane_with(camera.clone() as Arc<dyn Camera>, reader(known));
    let lost = |lane: &mut gardu::lane::exit::ExitLane, typed_plate: &str| {
        lane.read_plate_at_the_barrier();
        assert!(lane.settle_plates(SETTLE).is_empty(), "no visit on screen to compare with");
        let seen = lane.seen_plate().cloned();
        let quote = lane.lost_ticket_read(typed_plate, &mbl()).unwrap();
        assert!(quote.lost_ticket);
        assert_eq!(lane.seen_plate(), None, "the read belongs to this car only");
        lane.cancel();
        (seen, quote.entry.map(|e| e.id))
    };

    // Nothing typed: the read finds the entry whose photo was read the same.
    let (seen, found) = lost(&mut lane, "");
    let seen = seen.expect("the car at the barrier was read");
    assert_eq!((seen.plate.as_str(), seen.confident), ("B 4321 KL", true));
    assert_eq!(found, Some(unread.id));
    // The dialog put the read in the field (the usual case): found by it.
    assert_eq!(lost(&mut lane, "B 4321 KL").1, Some(unread.id));
    // A wrong correction still finds the car by the read.
    assert_eq!(lost(&mut lane, "B 4321 XX").1, Some(unread.id));
    // A correction to a car inside wins over the read.
    assert_eq!(lost(&mut lane, "F 9 A").1, Some(typed.id));

    // A weak read is only offered: nothing typed, nothing found, the fine alone.
    camera.show(faint_car);
    let (seen, found) = lost(&mut lane, "");
    assert_eq!(seen.map(|s| s.confident), Some(false));
    assert_eq!(found, None);
    // A read of a car that is not inside: the fine alone, with the read plate typed.
    camera.show(unknown_car);
    assert_eq!(lost(&mut lane, "Z 1 Z").1, None);
}
