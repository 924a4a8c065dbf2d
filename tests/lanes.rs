//! The entry and exit lanes end to end with simulated devices, a real SQLite file and the
//! offline journal: what the guard and the cashier get.

mod lane_support;
#[path = "lanes/plates.rs"]
mod plates;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use gardu::clock::Clock;
use gardu::devices::barrier::{Barrier, BarrierPosition};
use gardu::devices::input::{CardUid, InputEvent};
use gardu::devices::printer::PrintJob;
use gardu::domain::ticket::{self, TicketClaims, TicketError};
use gardu::domain::{ClassCode, Plate, Rupiah};
use gardu::journal::replay;
use gardu::lane::entry::{EntryError, EntryPhase, EntryTrigger};
use gardu::lane::exit::{ExitError, ExitPhase, Payment};
use gardu::lane::shift;
use gardu::secret::SiteSecret;
use gardu::store::{AuditFilter, EntryLookup, Member, PageRequest, PaymentMethod, Role, VisitFilter};
use lane_support::{Booth, start_time};

fn mbl() -> ClassCode {
    ClassCode::parse("MBL").unwrap()
}

fn guard(plate: &str) -> EntryTrigger {
    EntryTrigger::Guard { class: mbl(), plate: Plate::normalise(plate) }
}

/// Waits for a simulated barrier to reach a position (it moves on its own thread).
fn wait_for(barrier: &dyn Barrier, position: BarrierPosition) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while barrier.position() != position {
        assert!(Instant::now() < deadline, "barrier stayed {:?}", barrier.position());
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn one_ticket_per_vehicle_printed_recorded_and_the_barrier_opens_then_closes() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    assert!(matches!(entry.lane.handle(&InputEvent::Button), Some(Err(EntryError::NoVehicle))));

    entry.lane.handle(&InputEvent::LoopOccupied { loop_id: 1 });
    assert_eq!(entry.lane.phase(), &EntryPhase::VehicleWaiting);
    let issued = entry.lane.handle(&InputEvent::Button).unwrap().unwrap();
    for _ in 0..3 {
        let again = entry.lane.handle(&InputEvent::Button).unwrap().unwrap();
        assert_eq!(again.entry.id, issued.entry.id, "a second press must not issue a second ticket");
    }
    assert_eq!(entry.printer.jobs_printed(), 1);
    assert!(issued.printed && issued.barrier_opened && !issued.persisted.journaled());
    assert_eq!(issued.entry.ticket_no, "IN1-261123-0001");
    wait_for(entry.barrier.as_ref(), BarrierPosition::Open);

    let printed = entry.printer.last_output().unwrap();
    let PrintJob::Ticket(slip) = &printed.job else { panic!("printed {printed:?}") };
    assert_eq!(slip.ticket_code, issued.entry.ticket_code);
    let claims = ticket::decode(&slip.ticket_code, booth.secret.bytes(), "JKT-MALL-01").unwrap();
    assert_eq!((claims.booth.as_str(), claims.sequence, claims.entry_time), ("IN1", 1, start_time()));

    // The photo, started at the loop, reaches the entry when the camera delivers it.
    assert!(entry.lane.settle_media(Duration::from_secs(5)));
    let stored = booth.sqlite.find_visit("JKT-MALL-01", &EntryLookup::Id(issued.entry.id)).unwrap().unwrap();
    assert_eq!(stored.entry.ticket_code, issued.entry.ticket_code);
    let photo = booth.sqlite.photo(stored.entry.photo_id.unwrap()).unwrap().unwrap();
    assert_eq!(&photo.jpeg[..3], &[0xFF, 0xD8, 0xFF]);

    entry.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    wait_for(entry.barrier.as_ref(), BarrierPosition::Closed);
    assert_eq!(entry.lane.phase(), &EntryPhase::Ready);

    // The next vehicle gets the next number.
    entry.lane.handle(&InputEvent::LoopOccupied { loop_id: 1 });
    let next = entry.lane.handle(&InputEvent::Button).unwrap().unwrap();
    assert_eq!(next.entry.ticket_no, "IN1-261123-0002");
}

#[test]
fn a_vehicle_that_backs_away_before_its_ticket_is_recorded() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    entry.lane.handle(&InputEvent::LoopOccupied { loop_id: 1 });
    entry.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    let filter = AuditFilter {
        action: Some("vehicle_left_without_ticket".into()),
        limit: 10,
        ..AuditFilter::default()
    };
    assert_eq!(booth.sqlite.list_audit(&filter).unwrap().len(), 1);
    assert_eq!(entry.printer.jobs_printed(), 0);
}

#[test]
fn exit_shows_the_fee_takes_cash_gives_change_prints_and_opens_once() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let issued = entry.lane.trigger(guard("b1234xyz")).unwrap();
    assert!(entry.lane.settle_media(Duration::from_secs(5)));
    booth.clock.advance(Span::minutes(150));

    let mut exit = booth.exit_lane();
    let quote = exit.lane.scan(&format!("{}\r\n", issued.entry.ticket_code)).unwrap();
    assert_eq!(quote.fee.total, Rupiah(11_000));
    assert_eq!(quote.plate.as_deref(), Some("B 1234 XYZ"));
    assert!(quote.entry_photo.is_some(), "the cashier compares the entry photo");
    let labels: Vec<String> = quote.fee.lines.iter().map(|l| l.label("id")).collect();
    assert_eq!(labels, ["1 jam pertama", "2 jam berikutnya × Rp 3.000"]);
    exit.lane.take_exit_photo();

    assert!(matches!(
        exit.lane.pay(Payment::Cash { tendered: Rupiah(10_000) }),
        Err(ExitError::NotEnoughCash { .. })
    ));
    let paid = exit.lane.pay(Payment::Cash { tendered: Rupiah(20_000) }).unwrap();
    assert_eq!(paid.exit.change, Some(Rupiah(9_000)));
    assert_eq!(paid.exit.method, PaymentMethod::Cash);
    assert_eq!(paid.exit.shift_id, Some(exit.shift.id));
    assert!(paid.receipt_printed && paid.barrier_opened);
    wait_for(exit.barrier.as_ref(), BarrierPosition::Open);
    let PrintJob::Receipt(receipt) = exit.printer.last_output().unwrap().job else { panic!("no receipt") };
    assert_eq!(
        (receipt.total, receipt.change, receipt.ticket_no.as_str()),
        (Rupiah(11_000), Some(Rupiah(9_000)), "IN1-261123-0001")
    );
    assert!(matches!(
        exit.lane.pay(Payment::Cash { tendered: Rupiah(20_000) }),
        Err(ExitError::NothingToPay)
    ));
    exit.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    wait_for(exit.barrier.as_ref(), BarrierPosition::Closed);

    // The same ticket again: refused, naming when and where it left.
    booth.clock.advance(Span::minutes(5));
    let err = exit.lane.scan(&issued.entry.ticket_code).unwrap_err();
    assert!(
        matches!(&err, ExitError::AlreadyExited { booth, time } if booth == "OUT1" && time == "23/11/2026 10:30"),
        "{err}"
    );
    let visit = booth.sqlite.find_visit("JKT-MALL-01", &EntryLookup::Id(issued.entry.id)).unwrap().unwrap();
    assert_eq!(visit.exit.unwrap().total, Rupiah(11_000));

    // The shift knows what the drawer should hold.
    let report = shift::close_shift(&booth.ctx("OUT1"), &exit.shift, Rupiah(210_000)).unwrap();
    assert_eq!(report.expected_cash, Rupiah(211_000));
    assert_eq!(report.difference, Some(Rupiah(-1_000)));
    assert_eq!(report.by_class["MBL"].total, Rupiah(11_000));
}

#[test]
fn tampered_and_foreign_codes_are_refused() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let code = entry.lane.trigger(guard("B 1 A")).unwrap().entry.ticket_code;
    let mut exit = booth.exit_lane();

    let mut tampered: Vec<char> = code.chars().collect();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    assert!(matches!(exit.lane.scan(&tampered), Err(ExitError::Ticket(TicketError::BadTag))));

    let claims = ticket::decode(&code, booth.secret.bytes(), "JKT-MALL-01").unwrap();
    let forged = ticket::encode(&claims, SiteSecret::from_bytes([1; 32]).bytes()).unwrap();
    assert!(matches!(exit.lane.scan(&forged), Err(ExitError::Ticket(TicketError::BadTag))));
    let foreign = TicketClaims { site: "BDG-MALL-02".into(), ..claims };
    let foreign = ticket::encode(&foreign, booth.secret.bytes()).unwrap();
    assert!(matches!(exit.lane.scan(&foreign), Err(ExitError::Ticket(TicketError::ForeignSite { .. }))));
    assert!(matches!(exit.lane.phase(), ExitPhase::Refused(_)));
    assert!(matches!(exit.lane.scan("hello world"), Err(ExitError::Unrecognised(_))));
}

#[test]
fn lost_tickets_find_the_entry_by_plate_or_charge_the_fine_and_are_audited() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    entry.lane.trigger(guard("B 1234 XYZ")).unwrap();
    booth.clock.advance(Span::minutes(61));
    let mut exit = booth.exit_lane();

    let quote = exit.lane.lost_ticket("b1234-xyz", &mbl()).unwrap();
    assert_eq!(quote.fee.total, Rupiah(58_000), "fine + fee from the entry found by plate");
    assert!(quote.entry.is_some());
    let paid = exit
        .lane
        .pay(Payment::NonCash { method: PaymentMethod::Qris, reference: Some("QR123".into()) })
        .unwrap();
    assert!(paid.exit.lost_ticket);
    assert_eq!(paid.exit.reference.as_deref(), Some("QR123"));
    exit.lane.vehicle_passed();

    let unknown = exit.lane.lost_ticket("D 9 ZZ", &mbl()).unwrap();
    assert_eq!(unknown.fee.total, Rupiah(50_000), "no entry found: the fine alone");
    assert!(unknown.entry.is_none());
    let filter = AuditFilter { action: Some("lost_ticket".into()), limit: 10, ..AuditFilter::default() };
    assert_eq!(booth.sqlite.list_audit(&filter).unwrap().len(), 1);
}

#[test]
fn member_cards_enter_and_leave_free_and_expired_or_unknown_cards_are_refused() {
    let booth = Booth::new();
    let card = CardUid::parse("0A1B2C3D").unwrap();
    let expired = CardUid::parse("00000042").unwrap();
    let today = start_time().date_naive();
    for (uid, valid_until, name) in
        [(&card, today + Span::days(30), "Budi"), (&expired, today - Span::days(1), "Ani")]
    {
        booth
            .sqlite
            .save_member(&Member {
                card_uid: uid.to_string(),
                name: name.into(),
                plate: Some("B 77 MMM".into()),
                class: mbl(),
                valid_until,
                active: true,
                simulated: false,
            })
            .unwrap();
    }
    let mut entry = booth.entry_lane();
    let issued = entry.lane.handle(&InputEvent::Card(card.clone())).unwrap().unwrap();
    assert_eq!(issued.entry.card_uid.as_deref(), Some("0A1B2C3D"));
    assert_eq!(issued.member.as_ref().map(|m| m.name.as_str()), Some("Budi"));
    entry.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });

    assert!(matches!(entry.lane.trigger(EntryTrigger::Card(expired)), Err(EntryError::ExpiredCard { .. })));
    let unknown = CardUid::parse("DEADBEEF").unwrap();
    assert!(matches!(entry.lane.trigger(EntryTrigger::Card(unknown)), Err(EntryError::UnknownCard(_))));

    booth.clock.advance(Span::hours(5));
    let mut exit = booth.exit_lane();
    let quote = exit.lane.handle(&InputEvent::Card(card)).unwrap().unwrap();
    assert_eq!(quote.fee.total, Rupiah::ZERO);
    assert!(quote.member.is_some());
    let paid = exit.lane.pay(Payment::Cash { tendered: Rupiah::ZERO }).unwrap();
    assert_eq!(paid.exit.method, PaymentMethod::Free);
}

#[test]
fn a_technician_at_the_exit_takes_no_money_and_opens_no_barrier_by_hand() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let issued = entry.lane.trigger(guard("b1234xyz")).unwrap();
    booth.clock.advance(Span::minutes(30));
    let mut exit = booth.exit_lane();
    exit.lane.set_role(Some(Role::Technician));
    exit.lane.scan(&issued.entry.ticket_code).unwrap();
    let refused = exit.lane.pay(Payment::Cash { tendered: Rupiah(20_000) });
    assert!(matches!(refused, Err(ExitError::NotAllowed(Role::Technician))), "{refused:?}");
    assert!(matches!(
        exit.lane.manual_open("Tes palang", None),
        Err(ExitError::NotAllowed(Role::Technician))
    ));
    assert_eq!(exit.barrier.position(), BarrierPosition::Closed);
    let visit = booth.sqlite.find_visit("JKT-MALL-01", &EntryLookup::TicketCode(issued.entry.ticket_code));
    assert!(visit.unwrap().unwrap().exit.is_none(), "nothing was recorded");

    exit.lane.set_role(Some(Role::Cashier));
    let paid = exit.lane.pay(Payment::Cash { tendered: Rupiah(20_000) }).unwrap();
    assert_eq!(paid.exit.total, Rupiah(5_000));
}

#[test]
fn a_manual_open_needs_a_reason_and_leaves_an_audit_line_with_a_photo() {
    let booth = Booth::new();
    let mut exit = booth.exit_lane();
    assert!(matches!(exit.lane.manual_open("  ", None), Err(ExitError::ReasonRequired)));
    assert_eq!(exit.barrier.position(), BarrierPosition::Closed);
    exit.lane.manual_open("Ambulans darurat", None).unwrap();
    wait_for(exit.barrier.as_ref(), BarrierPosition::Open);
    let filter = AuditFilter { action: Some("manual_open".into()), limit: 10, ..AuditFilter::default() };
    let audits = booth.sqlite.list_audit(&filter).unwrap();
    assert_eq!(audits.len(), 1);
    assert_eq!(audits[0].detail["reason"], "Ambulans darurat");
    assert_eq!(audits[0].username.as_deref(), Some("kasir1"));
    let photo_id = audits[0].detail["photo_id"].as_str().unwrap().parse().unwrap();
    assert!(booth.sqlite.photo(photo_id).unwrap().is_some());
    let report = shift::report(
        booth.sqlite.as_ref(),
        exit.shift.id,
        gardu::clock::Clock::now(booth.clock.as_ref()),
        true,
    )
    .unwrap();
    assert_eq!(report.manual_opens, 1);
}

#[test]
fn a_barrier_that_fails_after_payment_reopens_without_charging_twice() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let code = entry.lane.trigger(guard("B 5 CD")).unwrap().entry.ticket_code;
    booth.clock.advance(Span::minutes(30));
    let mut exit = booth.exit_lane();
    exit.lane.scan(&code).unwrap();
    exit.barrier.fault(true);
    let paid = exit.lane.pay(Payment::Cash { tendered: Rupiah(5_000) }).unwrap();
    assert!(!paid.barrier_opened);
    assert!(matches!(exit.lane.phase(), ExitPhase::PaidBarrierFailed(..)));
    exit.barrier.fault(false);
    exit.lane.reopen().unwrap();
    assert!(matches!(exit.lane.phase(), ExitPhase::Done(_)));
    let all =
        booth.sqlite.list_visits(&VisitFilter::default(), PageRequest { offset: 0, limit: 10 }).unwrap();
    assert_eq!(all.rows.iter().filter(|v| v.exit.is_some()).count(), 1, "paid once");
}

#[test]
fn a_full_car_park_refuses_new_entries() {
    let booth = Booth::new();
    let printer = booth.printer();
    let barrier = std::sync::Arc::new(gardu::devices::sim::SimBarrier::start("b", 0, None).unwrap());
    let mut ctx = booth.ctx("IN1");
    ctx.site.capacity = Some(2);
    let devices = gardu::lane::entry::EntryDevices { camera: booth.camera("IN1"), printer, barrier };
    let mut lane = gardu::lane::entry::EntryLane::new(ctx, devices, mbl());
    for plate in ["B 1 A", "B 2 A"] {
        lane.trigger(guard(plate)).unwrap();
        lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    }
    assert!(matches!(lane.trigger(guard("B 3 A")), Err(EntryError::Full { inside: 2, capacity: 2 })));
}

#[test]
fn records_go_to_the_journal_during_an_outage_and_replay_exactly_once() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let mut exit = booth.exit_lane();
    let mut codes = Vec::new();
    for n in 0..3 {
        codes.push(entry.lane.trigger(guard(&format!("B {n} ON"))).unwrap().entry.ticket_code);
        entry.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    }
    booth.store.set_down(true);
    booth.clock.advance(Span::minutes(90));
    for n in 0..3 {
        let issued = entry.lane.trigger(guard(&format!("B {n} OFF"))).unwrap();
        assert!(issued.persisted.journaled() && issued.printed && issued.barrier_opened);
        codes.push(issued.entry.ticket_code);
        entry.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    }
    // Exits while offline: one of an online entry, one of an offline entry.
    for code in [&codes[0], &codes[3]] {
        exit.lane.scan(code).unwrap();
        let paid = exit.lane.pay(Payment::Cash { tendered: Rupiah(50_000) }).unwrap();
        assert!(paid.persisted.journaled());
        exit.lane.vehicle_passed();
    }
    // A photo that reached its entry after the ticket (a loaded machine) is a record of its
    // own: counted apart from the five records this test makes.
    assert!(entry.lane.settle_media(Duration::from_secs(10)));
    let (items, _) = booth.journal("IN1").list().unwrap();
    let late = items.iter().filter(|item| item.kind == "entry_late").count();
    assert_eq!(items.len() - late, 5);
    booth.store.set_down(false);

    let summary = replay::replay(
        &booth.journal("SYNC"),
        booth.sqlite.as_ref(),
        booth.clock.as_ref(),
        false,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        (summary.synced, summary.already_present, summary.failed, summary.rejected),
        (5 + late, 0, 0, 0)
    );
    assert_eq!(summary.orphans, 0, "entries replay before exits");
    let again = replay::replay(
        &booth.journal("SYNC"),
        booth.sqlite.as_ref(),
        booth.clock.as_ref(),
        false,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(again.pending, 0);
    let all =
        booth.sqlite.list_visits(&VisitFilter::default(), PageRequest { offset: 0, limit: 100 }).unwrap();
    assert_eq!(all.total, 6, "nothing lost, nothing doubled");
    assert_eq!(all.rows.iter().filter(|v| v.exit.is_some()).count(), 2);
    // Tickets issued offline keep their own numbers: the sequence never repeats.
    let mut numbers: Vec<&str> = all.rows.iter().map(|v| v.entry.ticket_no.as_str()).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 6);
}

#[test]
fn an_offline_audit_line_replayed_twice_after_a_crash_is_stored_once() {
    let booth = Booth::new();
    let mut exit = booth.exit_lane();
    booth.store.set_down(true);
    exit.lane.manual_open("Ambulans darurat", None).unwrap();
    booth.store.set_down(false);
    let journal = booth.journal("SYNC");
    let pending: Vec<_> = std::fs::read_dir(journal.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json") && p.to_string_lossy().contains("audit"))
        .collect();
    assert_eq!(pending.len(), 1, "{pending:?}");
    let saved = std::fs::read(&pending[0]).unwrap();

    let summary =
        replay::replay(&journal, booth.sqlite.as_ref(), booth.clock.as_ref(), false, &mut |_| {}).unwrap();
    assert_eq!(summary.synced, 1);
    // A crash between the commit and the file's move leaves the file where it was.
    std::fs::write(&pending[0], saved).unwrap();
    let again =
        replay::replay(&journal, booth.sqlite.as_ref(), booth.clock.as_ref(), false, &mut |_| {}).unwrap();
    assert_eq!((again.synced, again.already_present), (0, 1));
    let filter = AuditFilter { action: Some("manual_open".into()), ..AuditFilter::default() };
    assert_eq!(booth.sqlite.list_audit(&filter).unwrap().len(), 1, "one line, not two");
}

#[path = "emergency/two_booths.rs"]
mod emergency_booths;

#[test]
fn an_emergency_reaches_two_booths_on_one_sqlite_file_and_ends() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gardu.db");
    let first = gardu::store::sqlite::SqliteStore::open(&path).unwrap();
    gardu::store::Store::ensure_site(&first, &lane_support::site()).unwrap();
    let reached = emergency_booths::declared_ended_at_two_booths(
        &lane_support::site().code,
        gardu::config::DatabaseLocation::Sqlite(path.clone()),
        || std::sync::Arc::new(gardu::store::sqlite::SqliteStore::open(&path).unwrap()),
    );
    println!("emergency reached both SQLite booths in {} ms", reached.as_millis());
}

/// Unmounts the test's tmpfs however the test ends.
struct Unmount(std::path::PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// Fills the tmpfs at `dir` until the system says it is full.
fn fill(dir: &std::path::Path) -> std::fs::File {
    use std::io::Write;
    let mut filler = std::fs::File::create(dir.join(".filler")).unwrap();
    let chunk = [0u8; 1024];
    while filler.write_all(&chunk).and_then(|()| filler.sync_all()).is_ok() {}
    filler
}

#[test]
fn a_full_journal_disk_prints_no_ticket_takes_no_money_and_recovers_when_room_returns() {
    let booth = Booth::new();
    let journal_dir = booth.dir.path().join("offline_data");
    std::fs::create_dir_all(&journal_dir).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&journal_dir)
        .output();
    match mounted {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            println!(
                "skipped: a 64 KiB tmpfs could not be mounted ({})",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return;
        }
        Err(err) => {
            println!("skipped: mount could not run ({err}); it needs root");
            return;
        }
    }
    let _unmount = Unmount(journal_dir.clone());
    let mut entry = booth.entry_lane();
    let mut exit = booth.exit_lane();
    let code = entry.lane.trigger(guard("B 1 ON")).unwrap().entry.ticket_code;
    entry.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    exit.lane.scan(&code).unwrap();

    booth.store.set_down(true);
    let filler = fill(&journal_dir);
    let printed = entry.printer.jobs_printed();
    let refused = entry.lane.trigger(guard("B 2 FULL"));
    assert!(matches!(refused, Err(EntryError::NotSaved(_))), "{refused:?}");
    let said = refused.err().map(|err| err.to_string()).unwrap_or_default();
    assert!(said.contains("Nothing was printed") && said.contains("Manual open"), "{said}");
    assert_eq!(entry.printer.jobs_printed(), printed, "no ticket for a record that could not be kept");
    let receipts = exit.printer.jobs_printed();
    assert!(exit.lane.pay(Payment::Cash { tendered: Rupiah(50_000) }).is_err(), "no money it cannot record");
    assert_eq!(exit.printer.jobs_printed(), receipts);
    // Nothing half-written looks like a record.
    let names: Vec<String> = std::fs::read_dir(&journal_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|name| name != ".filler")
        .collect();
    assert!(names.iter().all(|name| !name.starts_with("parking_") && !name.ends_with(".tmp")), "{names:?}");
    assert_eq!(booth.journal("IN1").pending_count(), 0);

    // Room returns: the next vehicle is recorded (in the journal) and gets its ticket.
    drop(filler);
    std::fs::remove_file(journal_dir.join(".filler")).unwrap();
    entry.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    let issued = entry.lane.trigger(guard("B 3 BACK")).unwrap();
    assert!(issued.persisted.journaled() && issued.printed);
    let paid = exit.lane.pay(Payment::Cash { tendered: Rupiah(50_000) }).unwrap();
    assert!(paid.persisted.journaled());
}

#[test]
fn a_journal_that_cannot_be_written_prints_no_ticket_and_recovers_when_it_can() {
    // Without root (no tmpfs): the journal folder's path is taken by a plain file, so every
    // journal write fails as on a dead disk.
    let booth = Booth::new();
    let journal_dir = booth.dir.path().join("offline_data");
    let mut entry = booth.entry_lane();
    booth.store.set_down(true);
    let _ = std::fs::remove_dir_all(&journal_dir);
    std::fs::write(&journal_dir, b"not a folder").unwrap();
    let refused = entry.lane.trigger(guard("B 9 FAULT"));
    assert!(matches!(refused, Err(EntryError::NotSaved(_))), "{refused:?}");
    assert_eq!(entry.printer.jobs_printed(), 0);
    std::fs::remove_file(&journal_dir).unwrap();
    let issued = entry.lane.trigger(guard("B 9 FAULT")).unwrap();
    assert!(issued.persisted.journaled() && issued.printed);
}

#[test]
fn during_an_emergency_the_exit_charges_nothing_records_each_vehicle_and_the_books_list_them() {
    use gardu::lane::books::{self, BooksQuery};
    use gardu::lane::emergency::{self, Actor};
    use gardu::lane::exit::EMERGENCY_PREFIX;

    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let codes: Vec<String> = (0..3)
        .map(|n| {
            let code = entry.lane.trigger(guard(&format!("B {n} EVA"))).unwrap().entry.ticket_code;
            entry.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
            code
        })
        .collect();
    booth.clock.advance(Span::minutes(150));
    let mut exit = booth.exit_lane_photos_from(Arc::new(lane_support::StillCamera), booth.camera("OUT1"));
    let actor = Actor { site: "JKT-MALL-01".into(), booth: "ADM1".into(), username: "admin".into() };
    let declared = emergency::declare(
        booth.store.as_ref(),
        &actor,
        "fire alarm",
        uuid::Uuid::new_v4(),
        booth.clock.now(),
    )
    .unwrap();
    exit.lane.context().emergency.set(Some(declared.clone()));
    // A technician is on the screen: no money moves, so the vehicle is still recorded.
    exit.lane.set_role(Some(Role::Technician));

    // Its ticket scanned: recorded leaving without charge, in no shift, with its photo.
    let quote = exit.lane.scan(&codes[0]).unwrap();
    assert_eq!(quote.fee.total, Rupiah(11_000), "the fee it would have paid");
    exit.lane.take_exit_photo();
    let left = exit.lane.emergency_exit().unwrap();
    assert_eq!(
        (left.exit.total, left.exit.method, left.exit.shift_id),
        (Rupiah::ZERO, PaymentMethod::Free, None)
    );
    assert_eq!(left.exit.forced_reason.as_deref(), Some(&*format!("{EMERGENCY_PREFIX}fire alarm")));
    assert!(left.exit.photo_id.is_some(), "the exit photo");
    assert!(left.barrier_opened && !left.receipt_printed);
    assert!(exit.printer.last_output().is_none(), "no receipt for money not taken");
    wait_for(exit.barrier.as_ref(), BarrierPosition::Open);

    exit.lane.vehicle_passed();
    // A vehicle at the loop is recorded as seen, with its photo, whether or not it is scanned.
    exit.lane.handle(&InputEvent::LoopOccupied { loop_id: 1 });

    // Whatever the caller asks, no payment is taken while the emergency lasts; offline too.
    booth.store.set_down(true);
    booth.connectivity.report_failure();
    exit.lane.scan(&codes[1]).unwrap();
    let offline = exit.lane.pay(Payment::Cash { tendered: Rupiah(50_000) }).unwrap();
    assert!(offline.persisted.journaled());
    assert_eq!(
        (offline.exit.total, offline.exit.tendered, offline.exit.shift_id),
        (Rupiah::ZERO, None, None)
    );
    assert!(exit.lane.emergency_exit().is_err(), "nothing on screen");
    exit.lane.vehicle_passed();
    booth.store.set_down(false);
    booth.connectivity.report_success();
    let summary = replay::replay(
        &booth.journal("SYNC"),
        booth.sqlite.as_ref(),
        booth.clock.as_ref(),
        false,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(summary.rejected, 0);

    // Ended: the third vehicle pays as usual.
    emergency::end(booth.store.as_ref(), &actor, booth.clock.now()).unwrap();
    exit.lane.context().emergency.set(None);
    exit.lane.set_role(Some(Role::Cashier));
    booth.clock.advance(Span::minutes(1));
    exit.lane.scan(&codes[2]).unwrap();
    assert!(matches!(exit.lane.emergency_exit(), Err(ExitError::NoEmergency)));
    let paid = exit.lane.pay(Payment::Cash { tendered: Rupiah(20_000) }).unwrap();
    assert_eq!(paid.exit.total, Rupiah(11_000));

    // The audit: each emergency exit with the fee waived, the vehicle seen at the loop.
    let audit = booth.sqlite.list_audit(&AuditFilter::default()).unwrap();
    let waived: Vec<i64> = audit
        .iter()
        .filter(|a| a.action == "emergency_exit")
        .map(|a| a.detail["fee_waived"].as_i64().unwrap())
        .collect();
    assert_eq!(waived, [11_000, 11_000]);
    let passage = audit.iter().find(|a| a.action == "emergency_passage").expect("the loop saw a vehicle");
    assert!(passage.detail["photo_id"].is_string(), "{:?}", passage.detail);

    // The books: both emergency exits listed with the emergency; the shift's cash is the paid one.
    let day = booth.clock.now().with_timezone(&chrono_tz::Asia::Jakarta).date_naive();
    let report = books::check(
        booth.sqlite.as_ref(),
        Some(&booth.journal("SYNC")),
        &BooksQuery {
            site: "JKT-MALL-01".into(),
            tz: chrono_tz::Asia::Jakarta,
            from: day,
            to: day,
            include_simulated: false,
        },
    )
    .unwrap();
    assert_eq!(report.emergencies.len(), 1);
    let listed: Vec<Rupiah> = report.emergencies[0].exits.iter().map(|x| x.total).collect();
    assert_eq!(listed, [Rupiah::ZERO, Rupiah::ZERO]);
    assert!(report.ok, "{report:?}");
    assert_eq!((report.exits, report.forced, report.inside), (1, 2, 0));
    let closed = shift::close_shift(&booth.ctx("OUT1"), &exit.shift, Rupiah(211_000)).unwrap();
    assert_eq!(closed.expected_cash, Rupiah(211_000), "the float and the one paid exit");
}

#[test]
fn an_admin_declares_at_a_booth_and_a_booth_cut_off_declares_a_local_emergency_that_replays() {
    use gardu::auth::{AuditContext, Hasher, LoginError, NewUser, create_user};
    use gardu::lane::emergency::booth::{Console, ConsoleError, Declared, pending_local};
    use gardu::lane::emergency::state::EmergencyState;
    use gardu::lane::emergency::watch::{WatchSetup, check};

    let booth = Booth::new();
    let ctx = AuditContext { site: "JKT-MALL-01".into(), booth: "cli".into() };
    let hasher = Hasher::for_tests();
    for (username, role) in [("admin", Role::Admin), ("kasir1", Role::Cashier)] {
        let new = NewUser { username, full_name: username, role, password: "rahasia-123" };
        create_user(booth.sqlite.as_ref(), booth.clock.as_ref(), &hasher, &ctx, &new, "setup").unwrap();
    }
    let state = EmergencyState::default();
    let relay = Arc::new(emergency_booths::Relay::default());
    let lane_barrier = state.hold_open(relay.clone());
    let journal = booth.journal("OUT1");
    let console = Console {
        store: booth.store.as_ref(),
        offline_login: booth.sqlite.as_ref(),
        allow_local: true,
        journal: &journal,
        state: &state,
        clock: booth.clock.as_ref(),
        site: "JKT-MALL-01",
        booth: "OUT1",
    };

    // Only an admin, with the right password, and with a reason.
    let id = uuid::Uuid::new_v4;
    assert!(matches!(
        console.declare("kasir1", "rahasia-123", "fire alarm", id()),
        Err(ConsoleError::Login(LoginError::RoleNotAllowed { .. }))
    ));
    assert!(matches!(
        console.declare("admin", "wrong", "fire alarm", id()),
        Err(ConsoleError::Login(LoginError::WrongPassword { .. }))
    ));
    assert!(matches!(console.declare("admin", "rahasia-123", "  ", id()), Err(ConsoleError::Emergency(_))));
    assert!(!state.is_active() && relay.position() != BarrierPosition::Open);

    // Online: the whole site's emergency, ended the same way.
    let declared = console.declare("admin", "rahasia-123", "fire alarm", id()).unwrap();
    assert!(matches!(&declared, Declared::Site(e) if e.reason == "fire alarm"));
    assert!(booth.sqlite.active_emergency("JKT-MALL-01").unwrap().is_some());
    assert_eq!(relay.position(), BarrierPosition::Open);
    lane_barrier.close().unwrap();
    assert_eq!(relay.position(), BarrierPosition::Open, "held open");
    console.end("admin", "rahasia-123").unwrap();
    assert!(booth.sqlite.active_emergency("JKT-MALL-01").unwrap().is_none());
    assert_eq!(relay.position(), BarrierPosition::Closed);

    // Cut off: a local emergency, this booth only, journaled; it survives a restart.
    booth.store.set_down(true);
    booth.clock.advance(Span::minutes(10));
    let local = console.declare("admin", "rahasia-123", "smoke in level 2", id()).unwrap();
    let Declared::Local(local) = local else { panic!("expected a local emergency: {local:?}") };
    assert!(state.local_only() && relay.position() == BarrierPosition::Open);
    assert_eq!(pending_local(&journal, "OUT1").map(|e| e.id), Some(local.id));
    assert_eq!(pending_local(&journal, "IN1"), None, "another booth's restart opens nothing");
    let restarted = EmergencyState::default();
    restarted.set_local(pending_local(&journal, "OUT1"));
    assert!(restarted.is_active());

    // The database is back: the watch keeps the local emergency (the site has not heard of it).
    booth.store.set_down(false);
    let watch = WatchSetup {
        store: booth.store.clone(),
        location: gardu::config::DatabaseLocation::Sqlite(booth.dir.path().join("data/gardu.db")),
        site: "JKT-MALL-01".into(),
        booth: "OUT1".into(),
        operator: Arc::new(|| None),
        clock: booth.clock.clone(),
        poll_interval: Duration::from_secs(1),
        notify: Arc::new(|| {}),
    };
    check(&watch, &state);
    assert!(state.is_active(), "a local emergency holds until it is ended");
    // Replayed: it becomes the site's emergency (the site hears of it) ...
    let summary = replay::replay(
        &booth.journal("SYNC"),
        booth.sqlite.as_ref(),
        booth.clock.as_ref(),
        false,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!((summary.failed, summary.rejected), (0, 0));
    let at_site = booth.sqlite.active_emergency("JKT-MALL-01").unwrap().expect("replayed");
    assert_eq!((at_site.id, at_site.origin), (local.id, gardu::store::Origin::Journal));
    check(&watch, &state);
    assert!(state.is_active() && !state.local_only());
    // ... and an admin ending it anywhere releases this booth too.
    booth.clock.advance(Span::minutes(30));
    let admin = gardu::lane::emergency::Actor {
        site: "JKT-MALL-01".into(),
        booth: "ADM1".into(),
        username: "admin".into(),
    };
    gardu::lane::emergency::end(booth.sqlite.as_ref(), &admin, booth.clock.now()).unwrap();
    check(&watch, &state);
    assert!(!state.is_active());
    assert_eq!(relay.position(), BarrierPosition::Closed);

    // Cut off again, and ended while still cut off: a restart opens nothing; replayed, the
    // history has it with its end.
    booth.store.set_down(true);
    booth.clock.advance(Span::minutes(5));
    let Declared::Local(second) = console.declare("admin", "rahasia-123", "flood", id()).unwrap() else {
        panic!("expected a local emergency")
    };
    booth.clock.advance(Span::minutes(5));
    console.end("admin", "rahasia-123").unwrap();
    assert!(!state.is_active());
    assert_eq!(pending_local(&journal, "OUT1"), None, "ended: a restart opens nothing");
    booth.store.set_down(false);
    replay::replay(&booth.journal("SYNC"), booth.sqlite.as_ref(), booth.clock.as_ref(), false, &mut |_| {})
        .unwrap();
    assert!(booth.sqlite.active_emergency("JKT-MALL-01").unwrap().is_none());
    let history = |at: chrono::DateTime<chrono::Utc>| {
        booth.sqlite.emergencies("JKT-MALL-01", start_time(), at + Span::minutes(1)).unwrap()
    };
    let kept = history(booth.clock.now()).into_iter().find(|e| e.id == second.id).expect("in the history");
    assert_eq!(kept.ended_by.as_deref(), Some("admin"));

    // Cut off while the site declares its own: the booth's, replayed still open, is kept as
    // ended so it never holds the site's barriers after the site's own ends.
    booth.store.set_down(true);
    booth.clock.advance(Span::minutes(5));
    let Declared::Local(third) = console.declare("admin", "rahasia-123", "gas leak", id()).unwrap() else {
        panic!("expected a local emergency")
    };
    gardu::lane::emergency::declare(booth.sqlite.as_ref(), &admin, "fire drill", id(), booth.clock.now())
        .unwrap();
    booth.store.set_down(false);
    let summary = replay::replay(
        &booth.journal("SYNC"),
        booth.sqlite.as_ref(),
        booth.clock.as_ref(),
        false,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!((summary.failed, summary.rejected), (0, 0));
    let open = booth.sqlite.active_emergency("JKT-MALL-01").unwrap().unwrap();
    assert_eq!(open.reason, "fire drill");
    let kept = history(booth.clock.now()).into_iter().find(|e| e.id == third.id).expect("in the history");
    assert!(kept.ended_by.as_deref().is_some_and(|by| by.starts_with("sync")), "{kept:?}");
    check(&watch, &state);
    assert!(state.is_active() && state.local().is_none(), "the site's holds; the booth's is released");
    gardu::lane::emergency::end(booth.sqlite.as_ref(), &admin, booth.clock.now()).unwrap();
    check(&watch, &state);
    assert!(!state.is_active());
    let audit = booth.sqlite.list_audit(&AuditFilter::default()).unwrap();
    let count = |action: &str| audit.iter().filter(|r| r.action == action).count();
    assert_eq!((count("emergency_start"), count("emergency_end")), (5, 4));
}
