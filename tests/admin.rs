//! Admin actions with roles enforced in code: users, tariffs with preview, members, export.

mod lane_support;

use chrono::{Duration, TimeZone, Utc};
use gardu::admin::export::write_visits_csv;
use gardu::admin::{Acting, AdminError, members, stats, tariffs, users};
use gardu::auth::{self, AuditContext, Hasher, LoginError, NewUser};
use gardu::domain::tariff::default_tariffs;
use gardu::domain::{ClassCode, Rupiah};
use gardu::lane::entry::EntryTrigger;
use gardu::lane::exit::Payment;
use gardu::store::{AuditFilter, Member, PaymentMethod, Role, User, VisitFilter};
use lane_support::{Booth, start_time};

fn audit() -> AuditContext {
    AuditContext { site: "JKT-MALL-01".into(), booth: "ADMIN".into() }
}

fn make(booth: &Booth, username: &str, role: Role) -> User {
    let new = NewUser { username, full_name: username, role, password: "rahasia-123" };
    auth::create_user(
        booth.sqlite.as_ref(),
        booth.clock.as_ref(),
        &Hasher::for_tests(),
        &audit(),
        &new,
        "test",
    )
    .unwrap()
}

fn acting<'a>(booth: &'a Booth, user: &'a User) -> Acting<'a> {
    Acting { user, store: booth.sqlite.as_ref(), clock: booth.clock.as_ref(), audit: audit() }
}

#[test]
fn the_last_admin_cannot_be_deactivated_or_demoted() {
    let booth = Booth::new();
    let admin = make(&booth, "admin1", Role::Admin);
    let me = acting(&booth, &admin);
    assert!(matches!(users::set_active(&me, "admin1", false), Err(AdminError::LastAdmin)));
    assert!(matches!(users::set_role(&me, "admin1", Role::Cashier), Err(AdminError::LastAdmin)));
    make(&booth, "admin2", Role::Admin);
    users::set_active(&me, "admin2", false).unwrap();
    assert!(matches!(users::set_active(&me, "admin1", false), Err(AdminError::LastAdmin)));
    users::set_active(&me, "admin2", true).unwrap();
    users::set_active(&me, "admin1", false).unwrap();
    let filter = AuditFilter { action: Some("user_deactivated".into()), limit: 10, ..AuditFilter::default() };
    assert_eq!(booth.sqlite.list_audit(&filter).unwrap().len(), 2);
}

#[test]
fn a_new_user_logs_in_at_their_booth_and_a_cashier_cannot_administer() {
    let booth = Booth::new();
    let admin = make(&booth, "admin1", Role::Admin);
    let new =
        NewUser { username: "Kasir2", full_name: "Dewi", role: Role::Cashier, password: "kasir-rahasia" };
    users::create(&acting(&booth, &admin), &Hasher::for_tests(), &new).unwrap();
    let exit_roles = gardu::admin::roles_for_mode(gardu::config::Mode::Exit);
    let cashier = auth::login(
        booth.sqlite.as_ref(),
        booth.clock.as_ref(),
        &audit(),
        "kasir2",
        "kasir-rahasia",
        exit_roles,
    )
    .unwrap();
    assert_eq!(cashier.full_name, "Dewi");
    let admin_roles = gardu::admin::roles_for_mode(gardu::config::Mode::Admin);
    let refused = auth::login(
        booth.sqlite.as_ref(),
        booth.clock.as_ref(),
        &audit(),
        "kasir2",
        "kasir-rahasia",
        admin_roles,
    );
    assert!(matches!(refused, Err(LoginError::RoleNotAllowed { .. })), "{refused:?}");

    let as_cashier = acting(&booth, &cashier);
    let another = NewUser { username: "x123", full_name: "X", role: Role::Admin, password: "whatever-1" };
    assert!(matches!(
        users::create(&as_cashier, &Hasher::for_tests(), &another),
        Err(AdminError::NotAllowed { .. })
    ));
    let tariff = default_tariffs().remove(1);
    assert!(matches!(tariffs::save(&as_cashier, &tariff, start_time()), Err(AdminError::NotAllowed { .. })));
}

#[test]
fn a_tariff_change_is_previewed_validated_and_applies_from_its_moment() {
    let booth = Booth::new();
    let admin = make(&booth, "admin1", Role::Admin);
    let mut tariff = default_tariffs().remove(1);
    tariff.first_fee = Rupiah(6_000);
    tariff.next_fee = Rupiah(4_000);
    let preview: Vec<(&str, i64)> =
        tariffs::preview(&tariff).into_iter().map(|(l, f)| (l, f.total.amount())).collect();
    assert_eq!(
        preview,
        [
            ("30 min", 6_000),
            ("1 h", 6_000),
            ("2 h", 10_000),
            ("5 h", 22_000),
            ("24 h", 40_000),
            ("30 h", 66_000),
            ("lost ticket", 50_000)
        ]
    );
    let mut broken = tariff.clone();
    broken.daily_max = Rupiah(100);
    assert!(matches!(
        tariffs::save(&acting(&booth, &admin), &broken, start_time()),
        Err(AdminError::Invalid(_))
    ));

    let from = start_time() + Duration::days(1);
    tariffs::save(&acting(&booth, &admin), &tariff, from).unwrap();
    let class = ClassCode::parse("MBL").unwrap();
    let before = booth.sqlite.tariff_at("JKT-MALL-01", &class, start_time()).unwrap().unwrap();
    let after = booth.sqlite.tariff_at("JKT-MALL-01", &class, from).unwrap().unwrap();
    assert_eq!((before.first_fee, after.first_fee), (Rupiah(5_000), Rupiah(6_000)));
}

#[test]
fn members_are_normalised_and_the_expiring_ones_listed() {
    let booth = Booth::new();
    let admin = make(&booth, "admin1", Role::Admin);
    let today = start_time().date_naive();
    for (uid, name, days) in [("W26 12345678", "Budi", 3), ("0x00ABCDEF", "Ani", 90), ("00C0FFEE", "Eko", -1)]
    {
        members::save(
            &acting(&booth, &admin),
            &Member {
                card_uid: uid.into(),
                name: name.into(),
                plate: Some("b1234xyz".into()),
                class: ClassCode::parse("MBL").unwrap(),
                valid_until: today + Duration::days(days),
                active: true,
                simulated: false,
            },
        )
        .unwrap();
    }
    let soon = members::expiring_soon(booth.sqlite.as_ref(), today, 7).unwrap();
    assert_eq!(soon.len(), 1);
    assert_eq!(soon[0].name, "Budi");
    assert_eq!(soon[0].plate.as_deref(), Some("B 1234 XYZ"));
    assert_eq!(soon[0].card_uid.len(), 8);
}

#[test]
fn the_filtered_transactions_export_to_csv() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let mut exit = booth.exit_lane();
    for plate in ["B 1 AA", "B 2 BB"] {
        let trigger = EntryTrigger::Guard {
            class: ClassCode::parse("MBL").unwrap(),
            plate: gardu::domain::Plate::normalise(plate),
        };
        entry.lane.trigger(trigger).unwrap();
        entry.lane.handle(&gardu::devices::InputEvent::LoopCleared { loop_id: 1 });
    }
    booth.clock.advance(Duration::minutes(61));
    let code = booth
        .sqlite
        .find_visit("JKT-MALL-01", &gardu::store::EntryLookup::PlateKey("B1AA".into()))
        .unwrap()
        .unwrap()
        .entry
        .ticket_code;
    exit.lane.scan(&code).unwrap();
    exit.lane.pay(Payment::Cash { tendered: Rupiah(10_000) }).unwrap();

    let mut csv = Vec::new();
    let filter = VisitFilter { plate: Some("b1aa".into()), ..VisitFilter::default() };
    let rows = write_visits_csv(booth.sqlite.as_ref(), &filter, chrono_tz::Asia::Jakarta, &mut csv).unwrap();
    assert_eq!(rows, 1);
    let text = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("ticket_no,plate,class,entry_booth,entry_time"));
    let fields: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(
        &fields[..11],
        [
            "IN1-261123-0001",
            "B 1 AA",
            "MBL",
            "IN1",
            "2026-11-23 08:00:00",
            "guard1",
            "OUT1",
            "2026-11-23 09:01:00",
            "kasir1",
            "61",
            "8000"
        ]
    );
    assert_eq!(&fields[11..16], ["cash", "10000", "2000", "", "false"]);
    let _ = Utc.timestamp_opt(0, 0);
}

#[test]
fn period_figures_add_up_days_classes_methods_cashiers_and_shifts() {
    let booth = Booth::new();
    let mut entry = booth.entry_lane();
    let mut exit = booth.exit_lane();
    let tz = chrono_tz::Asia::Jakarta;
    // 08:00 two cars and a motorbike come in; the first car leaves at 09:01 paying cash, the
    // motorbike at 10:30 by QRIS; the second car stays overnight and leaves at 08:00 the next day.
    for (plate, class) in [("B 1 AA", "MBL"), ("B 2 BB", "MBL"), ("B 3 CC", "MTR")] {
        let trigger = EntryTrigger::Guard {
            class: ClassCode::parse(class).unwrap(),
            plate: gardu::domain::Plate::normalise(plate),
        };
        entry.lane.trigger(trigger).unwrap();
        entry.lane.handle(&gardu::devices::InputEvent::LoopCleared { loop_id: 1 });
    }
    let code = |key: &str| {
        booth
            .sqlite
            .find_visit("JKT-MALL-01", &gardu::store::EntryLookup::PlateKey(key.into()))
            .unwrap()
            .unwrap()
            .entry
            .ticket_code
    };
    booth.clock.advance(Duration::minutes(61));
    exit.lane.scan(&code("B1AA")).unwrap();
    exit.lane.pay(Payment::Cash { tendered: Rupiah(10_000) }).unwrap();
    booth.clock.advance(Duration::minutes(89));
    exit.lane.scan(&code("B3CC")).unwrap();
    exit.lane.pay(Payment::NonCash { method: PaymentMethod::Qris, reference: Some("QR-1".into()) }).unwrap();
    booth.clock.advance(Duration::hours(21) + Duration::minutes(30));
    exit.lane.scan(&code("B2BB")).unwrap();
    exit.lane.pay(Payment::Cash { tendered: Rupiah(100_000) }).unwrap();

    let total_of = |key: &str| {
        let visit =
            booth.sqlite.find_visit("JKT-MALL-01", &gardu::store::EntryLookup::PlateKey(key.into())).unwrap();
        visit.unwrap().exit.unwrap().total
    };
    let (car1, bike, car2) = (total_of("B1AA"), total_of("B3CC"), total_of("B2BB"));
    assert_eq!(car1, Rupiah(8_000));

    let day1 = start_time().with_timezone(&tz).date_naive();
    let day2 = day1.succ_opt().unwrap();
    let figures = stats::period(booth.sqlite.as_ref(), "JKT-MALL-01", day1, day2, tz, false).unwrap();
    assert_eq!(figures.days.len(), 2);
    assert_eq!((figures.days[0].entries, figures.days[0].takings.exits), (3, 2));
    assert_eq!(figures.days[0].takings.revenue, car1 + bike);
    assert_eq!((figures.days[1].entries, figures.days[1].takings.exits), (0, 1));
    assert_eq!(figures.days[1].takings.revenue, car2);
    let mbl = figures.classes.iter().position(|c| c.as_str() == "MBL").unwrap();
    let mtr = figures.classes.iter().position(|c| c.as_str() == "MTR").unwrap();
    assert_eq!(figures.days[0].by_class[mbl], car1);
    assert_eq!(figures.days[0].by_class[mtr], bike);
    assert_eq!(figures.by_class[mbl].exits, 2);
    let cash = PaymentMethod::ALL.iter().position(|m| *m == PaymentMethod::Cash).unwrap();
    let qris = PaymentMethod::ALL.iter().position(|m| *m == PaymentMethod::Qris).unwrap();
    assert_eq!(figures.by_method[cash].revenue, car1 + car2);
    assert_eq!(figures.days[0].by_method[qris], bike);
    assert_eq!(
        figures.by_operator,
        vec![("kasir1".to_string(), stats::Takings { exits: 3, revenue: car1 + bike + car2 })]
    );
    assert_eq!(figures.by_shift.len(), 1);
    assert_eq!(figures.by_shift[0].shift_id, exit.shift.id);
    assert_eq!(figures.by_shift[0].booth.as_deref(), Some("OUT1"));
    // Stays: 61 min, 150 min and 24 h → (61 + 150 + 1440) / 3 = 550 min.
    assert_eq!(figures.average_stay_min, Some(550));
    assert_eq!(figures.takings.exits, 3);

    // Inside at the start of each hour of the first day: nobody before 08:00, three at 09:00,
    // two at 10:00 (the first car left at 09:01), one from 11:00 (the motorbike left at 10:30).
    let marks = stats::occupancy(
        booth.sqlite.as_ref(),
        "JKT-MALL-01",
        day1,
        tz,
        gardu::clock::Clock::now(booth.clock.as_ref()),
        false,
    )
    .unwrap();
    assert_eq!(marks.len(), 24);
    assert_eq!(marks[8], (8, 0), "at 08:00:00 sharp they are only just coming in");
    assert_eq!(
        (marks[7], marks[9], marks[10], marks[11], marks[23]),
        ((7, 0), (9, 3), (10, 2), (11, 1), (23, 1))
    );
    let too_long =
        stats::period(booth.sqlite.as_ref(), "JKT-MALL-01", day1, day1 + Duration::days(70), tz, false);
    assert!(too_long.is_err());
}
