//! The books across the seams between lanes, the booth ledger and the offline journal: each
//! case here broke the books before the fix (issue "Books that add up"). Real SQLite file,
//! simulated devices, a hand-set clock.

#[path = "books/alerts.rs"]
mod alerts;
mod lane_support;

use chrono::Duration as Span;
use gardu::admin::closes::close_visit;
use gardu::admin::{Acting, AdminError};
use gardu::auth::AuditContext;
use gardu::devices::input::InputEvent;
use gardu::domain::ticket::{self, TicketClaims};
use gardu::domain::{ClassCode, Plate, Rupiah};
use gardu::journal::{JournalPayload, replay};
use gardu::lane::books::{self, BooksQuery};
use gardu::lane::entry::{EntryError, EntryTrigger};
use gardu::lane::exit::{ExitError, Payment};
use gardu::lane::shift;
use gardu::store::{AuditFilter, EntryLookup, Exit, Member, Origin, PaymentMethod, Role, User};
use lane_support::{Booth, SimEntry, start_time};

fn mbl() -> ClassCode {
    ClassCode::parse("MBL").unwrap()
}

fn enter(entry: &mut SimEntry, plate: &str) -> gardu::store::Entry {
    let issued =
        entry.lane.trigger(EntryTrigger::Guard { class: mbl(), plate: Plate::normalise(plate) }).unwrap();
    entry.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    issued.entry
}

fn go_offline(booth: &Booth) {
    booth.store.set_down(true);
    booth.connectivity.report_failure();
}

fn go_online(booth: &Booth) {
    booth.store.set_down(false);
    booth.connectivity.report_success();
}

fn replay_all(booth: &Booth) -> replay::ReplaySummary {
    replay::replay(&booth.journal("SYNC"), booth.sqlite.as_ref(), booth.clock.as_ref(), false, &mut |_| {})
        .unwrap()
}

fn books_of_the_day(booth: &Booth, include_simulated: bool) -> books::BooksReport {
    let day = booth.clock.now().with_timezone(&chrono_tz::Asia::Jakarta).date_naive();
    let first = start_time().with_timezone(&chrono_tz::Asia::Jakarta).date_naive();
    let query = BooksQuery {
        site: "JKT-MALL-01".into(),
        tz: chrono_tz::Asia::Jakarta,
        from: first,
        to: day,
        include_simulated,
    };
    books::check(booth.sqlite.as_ref(), Some(&booth.journal("SYNC")), &query).unwrap()
}

fn admin() -> User {
    User {
        id: uuid::Uuid::new_v4(),
        username: "admin".into(),
        full_name: "Admin".into(),
        role: Role::Admin,
        password_hash: String::new(),
        active: true,
        failed_attempts: 0,
        locked_until: None,
        created_at: start_time(),
    }
}

use gardu::clock::Clock;

/// Case 1: the cash taken offline is in the shift's expected cash when the cashier closes
/// before anyone pressed "sync".
#[test]
fn closing_a_shift_first_replays_its_exits_from_the_journal() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let mut exit = booth.exit_lane();
    let codes: Vec<String> = (0..3).map(|n| enter(&mut entry, &format!("B {n} AA")).ticket_code).collect();
    booth.clock.advance(Span::minutes(90));
    go_offline(&booth);
    let mut cash = Rupiah::ZERO;
    for code in &codes {
        let quote = exit.lane.scan(code).unwrap();
        let paid = exit.lane.pay(Payment::Cash { tendered: quote.fee.total }).unwrap();
        assert!(paid.persisted.journaled());
        cash += paid.exit.total;
        exit.lane.vehicle_passed();
    }
    assert!(cash > Rupiah::ZERO);
    go_online(&booth);
    let report = shift::close_shift(exit.lane.context(), &exit.shift, Rupiah(200_000) + cash).unwrap();
    assert_eq!(report.expected_cash, Rupiah(200_000) + cash, "the journal's cash is expected");
    assert_eq!(report.difference, Some(Rupiah::ZERO), "no false surplus");
    assert_eq!(report.all.exits, 3);
    assert_eq!(booth.journal("SYNC").pending_count(), 0, "closing synced the booth's journal");
    assert!(books_of_the_day(&booth, false).ok);
}

/// Case 1, later: a record of a closed shift that arrives afterwards revises its report, keeps
/// the original figures and is audited.
#[test]
fn a_late_exit_revises_a_closed_shift_and_keeps_the_original_figures() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let exit = booth.exit_lane();
    let entered = enter(&mut entry, "B 77 LT");
    booth.clock.advance(Span::minutes(130));
    let report = shift::close_shift(exit.lane.context(), &exit.shift, Rupiah(200_000)).unwrap();
    assert_eq!(report.expected_cash, Rupiah(200_000));
    // Another booth's journal (the cashier had helped there while it was cut off) brings a
    // cash exit of this shift after the close.
    let late = Exit {
        id: uuid::Uuid::from_u128(0xABC),
        entry_id: entered.id,
        site: "JKT-MALL-01".into(),
        booth: "OUT2".into(),
        exit_time: booth.clock.now() - Span::minutes(10),
        operator: Some("kasir1".into()),
        shift_id: Some(exit.shift.id),
        fee: gardu::domain::tariff::forced_close_fee(Rupiah(11_000), Some(120)),
        total: Rupiah(11_000),
        method: PaymentMethod::Cash,
        tendered: Some(Rupiah(20_000)),
        change: Some(Rupiah(9_000)),
        reference: None,
        lost_ticket: false,
        photo_id: None,
        origin: Origin::Journal,
        simulated: false,
        forced_reason: None,
    };
    booth.journal("OUT2").write(JournalPayload::Exit(late), None, booth.clock.now()).unwrap();
    let summary = replay_all(&booth);
    assert_eq!((summary.synced, summary.late, summary.failed, summary.rejected), (1, 1, 0, 0));
    let revised = shift::report(booth.sqlite.as_ref(), exit.shift.id, booth.clock.now(), true).unwrap();
    assert_eq!(revised.expected_cash, Rupiah(200_000), "the original figure stays");
    assert_eq!(revised.revised_expected_cash, Some(Rupiah(211_000)));
    assert!(revised.revised());
    assert_eq!(revised.late.len(), 1);
    assert_eq!(revised.late[0].expected_before, Rupiah(200_000));
    let audits = booth
        .sqlite
        .list_audit(&AuditFilter { action: Some("shift_revised".into()), ..AuditFilter::default() })
        .unwrap();
    assert_eq!(audits.len(), 1);
    // Replaying again (a crash before the file moved) adds nothing.
    assert_eq!(replay_all(&booth).late, 0);
    let books = books_of_the_day(&booth, false);
    assert!(books.ok, "{:?}", books.problems);
    assert!(books.shifts.iter().any(|s| s.revised));
    drop(exit);
}

/// Case 2: a cashier who restarts or logs in again while the server is down continues the
/// open shift; the shift opened offline and closed offline replays without refusal.
#[test]
fn an_offline_relogin_continues_the_shift_and_an_offline_shift_replays_whole() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let codes: Vec<String> = (0..2).map(|n| enter(&mut entry, &format!("B {n} RL")).ticket_code).collect();
    booth.clock.advance(Span::minutes(45));
    go_offline(&booth);
    let mut first = booth.exit_lane_at("OUT1", "kasir1");
    let quote = first.lane.scan(&codes[0]).unwrap();
    let one = first.lane.pay(Payment::Cash { tendered: quote.fee.total }).unwrap().exit.total;
    drop(first);
    // The booth restarts: its ledger still knows the shift opened offline.
    let mut again = booth.exit_lane_at("OUT1", "kasir1");
    let shift_id = again.shift.id;
    let quote = again.lane.scan(&codes[1]).unwrap();
    let two = again.lane.pay(Payment::Cash { tendered: quote.fee.total }).unwrap().exit.total;
    let report = shift::close_shift(again.lane.context(), &again.shift, Rupiah(200_000) + one + two).unwrap();
    assert!(report.provisional, "closed offline from the booth's own figures");
    assert_eq!(report.expected_cash, Rupiah(200_000) + one + two);
    assert_eq!(report.difference, Some(Rupiah::ZERO));
    go_online(&booth);
    let summary = replay_all(&booth);
    assert_eq!((summary.failed, summary.rejected), (0, 0), "{summary:?}");
    let stored = shift::report(booth.sqlite.as_ref(), shift_id, booth.clock.now(), true).unwrap();
    assert!(stored.shift.closed_at.is_some());
    assert_eq!(stored.all.exits, 2, "both exits belong to the one shift");
    assert_eq!(stored.expected_cash, Rupiah(200_000) + one + two);
    assert!(!stored.revised());
    assert_eq!(booth.sqlite.open_shift_of("kasir1").unwrap(), None);
}

/// Case 2: a shift opened offline at a booth while the database still has one open for the
/// same cashier elsewhere is replayed as it happened, never stuck.
#[test]
fn a_shift_opened_offline_replays_beside_another_open_shift_of_the_cashier() {
    let booth = Booth::new();
    let elsewhere = booth.exit_lane_at("OUT2", "kasir1");
    go_offline(&booth);
    let here = booth.exit_lane_at("OUT1", "kasir1");
    assert_ne!(here.shift.id, elsewhere.shift.id);
    go_online(&booth);
    let summary = replay_all(&booth);
    assert_eq!((summary.synced, summary.failed, summary.rejected), (1, 0, 0), "{summary:?}");
    assert!(booth.sqlite.shift(here.shift.id).unwrap().is_some());
}

/// Case 3: a ticket paid offline is refused at the same booth after a restart; a photocopy paid
/// at a second booth while both were cut off is kept as a duplicate exit, its money in that
/// cashier's shift, nothing rejected.
#[test]
fn a_ticket_is_paid_once_per_booth_and_a_photocopy_elsewhere_becomes_a_duplicate_exit() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let code = enter(&mut entry, "B 1 PC").ticket_code;
    booth.clock.advance(Span::minutes(75));
    let mut out1 = booth.exit_lane_at("OUT1", "kasir1");
    let mut out2 = booth.exit_lane_at("OUT2", "kasir2");
    go_offline(&booth);
    let quote = out1.lane.scan(&code).unwrap();
    let paid = out1.lane.pay(Payment::Cash { tendered: quote.fee.total }).unwrap();
    drop(out1);
    let mut restarted = booth.exit_lane_at("OUT1", "kasir1");
    assert!(
        matches!(restarted.lane.scan(&code), Err(ExitError::AlreadyExited { .. })),
        "refused after a restart"
    );
    let quote = out2.lane.scan(&code).unwrap();
    let copy = out2.lane.pay(Payment::Cash { tendered: quote.fee.total }).unwrap();
    go_online(&booth);
    let summary = replay_all(&booth);
    assert_eq!((summary.duplicates, summary.rejected, summary.failed), (1, 0, 0), "{summary:?}");
    assert!(
        std::fs::read_dir(booth.dir.path().join("offline_data/rejected")).map(|d| d.count()).unwrap_or(0)
            == 0
    );
    let r1 = shift::report(booth.sqlite.as_ref(), restarted.shift.id, booth.clock.now(), true).unwrap();
    let r2 = shift::report(booth.sqlite.as_ref(), out2.shift.id, booth.clock.now(), true).unwrap();
    assert_eq!(
        r1.all.total + r2.all.total,
        paid.exit.total + copy.exit.total,
        "both payments are in the books"
    );
    assert_eq!(r1.duplicates.exits + r2.duplicates.exits, 1);
    let books = books_of_the_day(&booth, false);
    assert_eq!(books.duplicates, 1);
    assert_eq!(books.revenue, books.shift_total);
    assert!(books.ok, "{:?}", books.problems);
    restarted.lane.finish();
}

/// Case 4: online, a validly signed code without an entry row is refused and routed to the
/// lost-ticket flow; offline it is accepted and shows as an orphan until its entry arrives.
#[test]
fn a_signed_code_without_an_entry_is_refused_online_and_flagged_offline() {
    let booth = Booth::new();
    let claims = TicketClaims {
        site: "JKT-MALL-01".into(),
        booth: "IN9".into(),
        sequence: 4242,
        entry_time: booth.clock.now(),
        class: mbl(),
    };
    let code = ticket::encode(&claims, booth.secret.bytes()).unwrap();
    let mut exit = booth.exit_lane();
    assert!(matches!(exit.lane.scan(&code), Err(ExitError::NoEntry(_))));
    exit.lane.finish();
    // The same code from a booth that reports records waiting in its journal may be genuine.
    let mut status = gardu::store::BoothStatus {
        site: "JKT-MALL-01".into(),
        booth: "IN9".into(),
        mode: "entry".into(),
        operator: None,
        seen_at: booth.clock.now(),
        simulated: false,
        journal_waiting: 3,
        journal_rejected: 0,
        faults: vec![],
        version: "test".into(),
    };
    booth.sqlite.save_booth_status(&status).unwrap();
    assert!(exit.lane.scan(&code).is_ok(), "its entry may still be in IN9's journal");
    exit.lane.cancel();
    status.journal_waiting = 0;
    booth.sqlite.save_booth_status(&status).unwrap();
    assert!(matches!(exit.lane.scan(&code), Err(ExitError::NoEntry(_))));
    exit.lane.finish();
    go_offline(&booth);
    let quote = exit.lane.scan(&code).unwrap();
    exit.lane.pay(Payment::Cash { tendered: quote.fee.total.max(Rupiah(1)) }).unwrap();
    go_online(&booth);
    let summary = replay_all(&booth);
    assert_eq!(summary.orphans, 1);
    let books = books_of_the_day(&booth, false);
    assert_eq!(books.orphans, 1);
    assert!(!books.ok, "an exit without an entry is a problem of the books");
}

/// Case 5: a lost ticket looks only at vehicles inside, and says so when the plate has none.
#[test]
fn a_lost_ticket_never_picks_a_visit_that_already_left() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let code = enter(&mut entry, "B 5555 LT").ticket_code;
    booth.clock.advance(Span::minutes(30));
    let mut exit = booth.exit_lane();
    let quote = exit.lane.scan(&code).unwrap();
    exit.lane.pay(Payment::Cash { tendered: quote.fee.total }).unwrap();
    exit.lane.vehicle_passed();
    // A new lane (a restart, or another booth) knows nothing of that exit but the database.
    let mut other = booth.exit_lane_at("OUT2", "kasir2");
    let lost = other.lane.lost_ticket("B 5555 LT", &mbl()).unwrap();
    assert!(lost.entry.is_none(), "the plate's only visit has left: fine alone");
    assert_eq!(lost.fee.total, Rupiah(50_000));
}

/// Case 6: a manual opening linked to a vehicle inside closes its visit; an admin closes a
/// visit without an exit with a reason and a fee, audited; inside never creeps or goes below 0.
#[test]
fn visits_without_an_exit_are_closed_by_an_audited_forced_close() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let towed = enter(&mut entry, "B 1 TW");
    let waved = enter(&mut entry, "B 2 MO");
    assert_eq!(booth.sqlite.inside_count("JKT-MALL-01", false).unwrap(), 2);
    let mut exit = booth.exit_lane();
    exit.lane.manual_open("ambulance behind, barrier opened by hand", Some(waved.id)).unwrap();
    assert_eq!(booth.sqlite.inside_count("JKT-MALL-01", false).unwrap(), 1);
    let user = admin();
    let acting = Acting {
        user: &user,
        store: booth.sqlite.as_ref(),
        clock: booth.clock.as_ref(),
        audit: AuditContext { site: "JKT-MALL-01".into(), booth: "admin".into() },
    };
    assert!(matches!(
        close_visit(&acting, "JKT-MALL-01", &towed.ticket_no, "tow", Rupiah::ZERO),
        Err(AdminError::Invalid(_))
    ));
    assert!(matches!(
        close_visit(&acting, "JKT-MALL-01", &towed.ticket_no, "towed by the police", Rupiah(-1)),
        Err(AdminError::Invalid(_))
    ));
    let forced =
        close_visit(&acting, "JKT-MALL-01", &towed.ticket_no, "towed by the police", Rupiah::ZERO).unwrap();
    assert!(forced.forced());
    assert_eq!(booth.sqlite.inside_count("JKT-MALL-01", false).unwrap(), 0);
    assert!(
        close_visit(&acting, "JKT-MALL-01", &towed.ticket_no, "towed by the police", Rupiah::ZERO).is_err()
    );
    let cashier = User { role: Role::Cashier, ..admin() };
    let not_admin = Acting { user: &cashier, ..acting };
    assert!(matches!(
        close_visit(&not_admin, "JKT-MALL-01", &waved.ticket_no, "system error", Rupiah::ZERO),
        Err(AdminError::NotAllowed { .. })
    ));
    let audits = booth
        .sqlite
        .list_audit(&AuditFilter { action: Some("forced_close".into()), ..AuditFilter::default() })
        .unwrap();
    assert_eq!(audits.len(), 1);
    let books = books_of_the_day(&booth, false);
    assert_eq!((books.entries, books.exits, books.forced, books.inside), (2, 0, 2, 0));
    assert!(books.ok, "{:?}", books.problems);
}

/// Case 7: records of a simulated booth are marked and left out of the books; the sample
/// member card is unknown to a real reader.
#[test]
fn simulated_records_stay_out_of_the_books_and_sample_cards_only_open_simulated_lanes() {
    let booth = Booth::new();
    booth
        .sqlite
        .save_member(&Member {
            card_uid: "00100001".into(),
            name: "Sample".into(),
            plate: None,
            class: mbl(),
            valid_until: start_time().date_naive() + Span::days(30),
            active: true,
            simulated: true,
        })
        .unwrap();
    let mut real = booth.entry_lane();
    let card = gardu::devices::input::CardUid::parse("00100001").unwrap();
    assert!(matches!(real.lane.trigger(EntryTrigger::Card(card.clone())), Err(EntryError::UnknownCard(_))));
    real.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    let mut simulated = booth.entry_lane_simulated();
    let issued = simulated.lane.trigger(EntryTrigger::Card(card)).unwrap();
    assert!(issued.entry.simulated);
    let stored = booth.sqlite.find_visit("JKT-MALL-01", &EntryLookup::Id(issued.entry.id)).unwrap().unwrap();
    assert!(stored.entry.simulated);
    assert_eq!(books_of_the_day(&booth, false).entries, 0);
    assert_eq!(books_of_the_day(&booth, true).entries, 1);
}

/// Case 9: a healthy run checks its own visits (entry times are stored to the second, the run
/// starts mid-second) and a second run on the same data folder does not count the first's.
#[test]
fn simulated_traffic_checks_its_own_visits_run_after_run() {
    use gardu::lane::traffic::{self, TrafficOptions, TrafficPaths};
    let booth = Booth::new();
    let site = gardu::lane::SiteInfo {
        code: "JKT-MALL-01".into(),
        name: "Mall Kota".into(),
        tz: chrono_tz::Asia::Jakarta,
        capacity: None,
        header_lines: vec![],
        footer_lines: vec![],
    };
    let mid_second = start_time() + Span::milliseconds(734);
    for (run, seed) in [2, 3, 11].into_iter().enumerate() {
        let options = TrafficOptions {
            vehicles: 100,
            rate_per_min: 900.0,
            seed,
            photos: false,
            ..TrafficOptions::default()
        };
        let report = traffic::run(
            booth.sqlite.clone(),
            booth.secret.clone(),
            site.clone(),
            &TrafficPaths { root: booth.dir.path().join("data/sim") },
            std::sync::Arc::new(gardu::lane::RandomIds),
            &options,
            mid_second + Span::minutes(run as i64),
        )
        .unwrap();
        assert!(report.books_ok, "run {run} (seed {seed}): {:?}", report.problems);
        assert_eq!(report.entries, 100);
    }
}

#[test]
fn the_books_list_the_visits_made_during_an_emergency() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let before = enter(&mut entry, "B 1 EM");
    booth.clock.advance(chrono::Duration::minutes(10));
    let actor = gardu::lane::emergency::Actor {
        site: "JKT-MALL-01".into(),
        booth: "cli".into(),
        username: "admin".into(),
    };
    gardu::lane::emergency::declare(
        booth.sqlite.as_ref(),
        &actor,
        "fire alarm",
        uuid::Uuid::new_v4(),
        booth.clock.now(),
    )
    .unwrap();
    booth.clock.advance(chrono::Duration::minutes(1));
    let during = enter(&mut entry, "B 2 EM");
    let mut exit = booth.exit_lane();
    exit.lane.manual_open("evacuation: barrier held open", Some(before.id)).unwrap();
    booth.clock.advance(chrono::Duration::minutes(30));
    gardu::lane::emergency::end(booth.sqlite.as_ref(), &actor, booth.clock.now()).unwrap();
    booth.clock.advance(chrono::Duration::minutes(5));
    enter(&mut entry, "B 3 AFTER");

    let report = books_of_the_day(&booth, false);
    assert_eq!(report.emergencies.len(), 1);
    let listed = &report.emergencies[0];
    assert_eq!(listed.emergency.reason, "fire alarm");
    assert_eq!(listed.entries, 1, "only B 2 EM came in during it");
    assert_eq!(listed.exits.iter().map(|x| x.entry_id).collect::<Vec<_>>(), [before.id]);
    assert_ne!(during.id, before.id);
}
