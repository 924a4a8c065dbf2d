//! Fraud alerts (issue 16): each raised by its scenario, none by normal simulated traffic.

use chrono::{DateTime, Duration as Span, Utc};
use gardu::admin::alerts::{self, AlertKind, FraudAlert};
use gardu::devices::input::{CardUid, InputEvent};
use gardu::domain::Rupiah;
use gardu::lane::entry::EntryTrigger;
use gardu::lane::exit::Payment;
use gardu::plate::PlateSource;
use gardu::store::Member;

use super::lane_support::{Booth, start_time};
use super::{enter, mbl};

const SITE: &str = "JKT-MALL-01";

fn alerts_of(booth: &Booth, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<FraudAlert> {
    let records = alerts::load(booth.sqlite.as_ref(), SITE, from, to).unwrap();
    alerts::detect(&records, from, to)
}

fn kinds(alerts: &[FraudAlert]) -> Vec<AlertKind> {
    let mut kinds: Vec<AlertKind> = alerts.iter().map(|a| a.kind).collect();
    kinds.sort();
    kinds
}

fn day(booth: &Booth) -> (DateTime<Utc>, DateTime<Utc>) {
    (start_time() - Span::hours(1), gardu::clock::Clock::now(booth.clock.as_ref()) + Span::hours(1))
}

#[test]
fn a_plate_entering_while_it_is_inside_is_an_alert_with_both_visits() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let first = enter(&mut entry, "B 1234 XYZ");
    enter(&mut entry, "B 77 OK");
    booth.clock.advance(Span::minutes(20));
    let second = enter(&mut entry, "b1234xyz");
    let (from, to) = day(&booth);
    let alerts = alerts_of(&booth, from, to);
    assert_eq!(kinds(&alerts), [AlertKind::PlateAlreadyInside]);
    assert_eq!(alerts[0].visits, [first.id, second.id]);
    assert_eq!(alerts[0].subject, "B 1234 XYZ");
}

#[test]
fn one_member_card_for_two_vehicles_inside_is_an_anti_passback_alert() {
    let booth = Booth::new();
    booth
        .sqlite
        .save_member(&Member {
            card_uid: "00AB0001".into(),
            name: "Budi".into(),
            plate: None,
            class: mbl(),
            valid_until: start_time().date_naive() + Span::days(30),
            active: true,
            simulated: false,
        })
        .unwrap();
    let mut entry = booth.entry_lane();
    let card = CardUid::parse("00AB0001").unwrap();
    let first = entry.lane.trigger(EntryTrigger::Card(card.clone())).unwrap().entry;
    entry.lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    booth.clock.advance(Span::minutes(5));
    let second = entry.lane.trigger(EntryTrigger::Card(card)).unwrap().entry;
    let (from, to) = day(&booth);
    let alerts = alerts_of(&booth, from, to);
    assert_eq!(kinds(&alerts), [AlertKind::CardPassback]);
    assert_eq!(alerts[0].visits, [first.id, second.id]);
}

#[test]
fn an_exit_plate_other_than_the_entrys_is_shown_to_the_cashier_and_raised_for_the_admin() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let came = enter(&mut entry, "B 1234 XYZ");
    booth.clock.advance(Span::minutes(40));
    let mut exit = booth.exit_lane();
    exit.lane.scan(&came.ticket_code).unwrap();
    assert_eq!(exit.lane.check_exit_plate("B 1234 XYZ", PlateSource::Anpr), None, "the same car");
    let mismatch = exit.lane.check_exit_plate("B 9999 ZZ", PlateSource::Typed).unwrap();
    assert_eq!((mismatch.entry_plate.as_str(), mismatch.exit_plate.as_str()), ("B 1234 XYZ", "B 9999 ZZ"));
    exit.lane.pay(Payment::Cash { tendered: Rupiah(50_000) }).unwrap();
    let (from, to) = day(&booth);
    let alerts = alerts_of(&booth, from, to);
    assert_eq!(kinds(&alerts), [AlertKind::ExitPlateMismatch]);
    assert_eq!(alerts[0].visits, [came.id]);
    assert_eq!(alerts[0].detail, "B 1234 XYZ → B 9999 ZZ");
}

#[test]
fn a_cashier_voiding_far_more_than_the_sites_usual_shift_is_an_alert() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    // Three ordinary shifts, one void at most.
    for (n, cashier) in ["ani", "bayu", "citra"].into_iter().enumerate() {
        let mut exit = booth.exit_lane_at(&format!("OUT{}", n + 2), cashier);
        let came = enter(&mut entry, &format!("B {} UA", n + 1));
        exit.lane.scan(&came.ticket_code).unwrap();
        if n == 0 {
            exit.lane.cancel();
            exit.lane.scan(&came.ticket_code).unwrap();
        }
        exit.lane.pay(Payment::Cash { tendered: Rupiah(50_000) }).unwrap();
        exit.lane.vehicle_passed();
    }
    // One shift with five voids.
    let mut exit = booth.exit_lane_at("OUT9", "dodi");
    let came = enter(&mut entry, "B 5 VO");
    for _ in 0..5 {
        exit.lane.scan(&came.ticket_code).unwrap();
        exit.lane.cancel();
    }
    let (from, to) = day(&booth);
    let alerts = alerts_of(&booth, from, to);
    assert_eq!(kinds(&alerts), [AlertKind::CashierOutlier]);
    assert_eq!(alerts[0].subject, "dodi");
    assert!(alerts[0].detail.starts_with("voids 5"), "{}", alerts[0].detail);
}

#[test]
fn leaving_without_payment_outside_an_emergency_is_an_alert() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let came = enter(&mut entry, "B 31 MO");
    booth.clock.advance(Span::minutes(30));
    let mut exit = booth.exit_lane();
    exit.lane.manual_open("Sensor macet, mobil didorong keluar", Some(came.id)).unwrap();
    exit.lane.vehicle_passed();
    let (from, to) = day(&booth);
    let alerts = alerts_of(&booth, from, to);
    assert_eq!(kinds(&alerts), [AlertKind::ExitWithoutPayment]);
    assert_eq!(alerts[0].visits, [came.id]);
}

#[test]
fn leaving_without_payment_during_a_declared_emergency_is_no_alert() {
    use gardu::lane::emergency::{self, Actor};
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let came = enter(&mut entry, "B 32 EV");
    let stayed = enter(&mut entry, "B 33 EV");
    booth.clock.advance(Span::minutes(30));
    let actor = Actor { site: SITE.into(), booth: "ADM1".into(), username: "dewi".into() };
    let now = || gardu::clock::Clock::now(booth.clock.as_ref());
    emergency::declare(booth.sqlite.as_ref(), &actor, "Alarm kebakaran", uuid::Uuid::new_v4(), now())
        .unwrap();
    let mut exit = booth.exit_lane();
    exit.lane.manual_open("Evakuasi", Some(came.id)).unwrap();
    exit.lane.vehicle_passed();
    booth.clock.advance(Span::minutes(10));
    emergency::end(booth.sqlite.as_ref(), &actor, now()).unwrap();
    // After the emergency the same thing is an alert again.
    booth.clock.advance(Span::minutes(5));
    exit.lane.manual_open("Sensor macet", Some(stayed.id)).unwrap();
    exit.lane.vehicle_passed();
    let (from, to) = day(&booth);
    let alerts = alerts_of(&booth, from, to);
    assert_eq!(kinds(&alerts), [AlertKind::ExitWithoutPayment]);
    assert_eq!(alerts[0].visits, [stayed.id]);
}

#[test]
fn normal_simulated_traffic_raises_no_alert() {
    use gardu::lane::traffic::{self, TrafficOptions, TrafficPaths};
    let booth = Booth::new();
    let site = gardu::lane::SiteInfo {
        code: SITE.into(),
        name: "Mall Kota".into(),
        tz: chrono_tz::Asia::Jakarta,
        capacity: None,
        header_lines: vec![],
        footer_lines: vec![],
    };
    let options = TrafficOptions {
        vehicles: 150,
        rate_per_min: 30.0,
        seed: 5,
        photos: false,
        ..TrafficOptions::default()
    };
    let report = traffic::run(
        booth.sqlite.clone(),
        booth.secret.clone(),
        site,
        &TrafficPaths { root: booth.dir.path().join("data/sim") },
        std::sync::Arc::new(gardu::lane::RandomIds),
        &options,
        start_time(),
    )
    .unwrap();
    assert_eq!(report.entries, 150);
    let records =
        alerts::load(booth.sqlite.as_ref(), SITE, start_time(), start_time() + Span::days(2)).unwrap();
    assert!(records.visits.len() >= 150 || records.visits.is_empty());
    let mut all = records.clone();
    // Simulated traffic is left out of every figure: look at its visits as if they were real.
    let filter = gardu::store::VisitFilter {
        site: Some(SITE.into()),
        include_simulated: true,
        ..gardu::store::VisitFilter::default()
    };
    all.visits = booth
        .sqlite
        .list_visits(&filter, gardu::store::PageRequest { offset: 0, limit: 10_000 })
        .unwrap()
        .rows;
    assert_eq!(all.visits.len(), 150);
    let raised = alerts::detect(&all, start_time(), start_time() + Span::days(2));
    assert!(raised.is_empty(), "{raised:?}");
}
