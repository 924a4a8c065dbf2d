//! The transaction list with its filters and paging, and the daily statistics.

use gardu::domain::Rupiah;
use gardu::plate::PlateSource;
use gardu::store::{
    ClassDay, EntryLate, MethodDay, Origin, PageRequest, PaymentMethod, Store, VisitFilter, VisitState,
};
use uuid::Uuid;

use crate::common::fixtures::{
    OTHER_SITE, SITE, at, class, date, entry, entry_id, exit_of, lost_exit_without_entry, seed,
};

/// Six visits at the main site and one elsewhere, all on 2024-03-01 (UTC):
///
/// | n | entry | plate      | class | in booth / guard | exit                          |
/// |---|-------|------------|-------|------------------|-------------------------------|
/// | 1 | 01:00 | B 1234 XYZ | MBL   | IN1 guard1       | 03:00 OUT1 cashier1 cash      |
/// | 2 | 02:00 | B 5678 ABC | MTR   | IN2 guard2 (jrn) | 02:30 OUT2 cashier2 qris      |
/// | 3 | 03:00 | D 1234 AB  | MBL   | IN1 guard1       | inside                        |
/// | 4 | 04:00 | (card)     | TRK   | IN2 guard2       | 06:00 OUT1 cashier1 cash lost (jrn) |
/// | 5 | 05:00 | B 1234 XYZ | MBL   | IN1 guard1       | inside                        |
/// | 6 | 06:00 | AB 12      | MTR   | IN2 guard1       | 06:03 OUT2 cashier2 free      |
/// | 7 | 03:30 | B 1234 XYZ | MBL   | other site       | inside                        |
pub fn record_fixture_visits(store: &dyn Store) {
    let in2 = |n: u128, hour, plate, class_code, operator: &str| {
        let mut e = entry(n, at(2024, 3, 1, hour, 0), plate, class_code);
        e.booth = "IN2".to_string();
        e.ticket_no = format!("IN2-240301-{n:04}");
        e.operator = Some(operator.to_string());
        e
    };
    let out2 = |x: &mut gardu::store::Exit| {
        x.booth = "OUT2".to_string();
        x.operator = Some("cashier2".to_string());
    };
    let v1 = entry(1, at(2024, 3, 1, 1, 0), Some("B 1234 XYZ"), "MBL");
    let mut v2 = in2(2, 2, Some("B 5678 ABC"), "MTR", "guard2");
    v2.origin = Origin::Journal;
    let v3 = entry(3, at(2024, 3, 1, 3, 0), Some("D 1234 AB"), "MBL");
    let mut v4 = in2(4, 4, None, "TRK", "guard2");
    v4.card_uid = Some("0A1B2C3D".to_string());
    let v5 = entry(5, at(2024, 3, 1, 5, 0), Some("B 1234 XYZ"), "MBL");
    let v6 = in2(6, 6, Some("AB 12"), "MTR", "guard1");
    let mut v7 = entry(7, at(2024, 3, 1, 3, 30), Some("B 1234 XYZ"), "MBL");
    v7.site = OTHER_SITE.to_string();
    for e in [&v1, &v2, &v3, &v4, &v5, &v6, &v7] {
        store.record_entry(e).unwrap();
    }
    let x1 = exit_of(&v1, at(2024, 3, 1, 3, 0), PaymentMethod::Cash);
    let mut x2 = exit_of(&v2, at(2024, 3, 1, 2, 30), PaymentMethod::Qris);
    out2(&mut x2);
    let mut x4 = exit_of(&v4, at(2024, 3, 1, 6, 0), PaymentMethod::Cash);
    x4.lost_ticket = true;
    x4.origin = Origin::Journal;
    let mut x6 = exit_of(&v6, at(2024, 3, 1, 6, 3), PaymentMethod::Free);
    out2(&mut x6);
    for x in [&x1, &x2, &x4, &x6] {
        store.record_exit(x).unwrap();
    }
}

/// The fixture numbers of a page, and the total.
fn listed(store: &dyn Store, filter: VisitFilter) -> (Vec<u128>, u64) {
    let page = store.list_visits(&filter, PageRequest { offset: 0, limit: 50 }).unwrap();
    let numbers = page.rows.iter().map(|v| v.entry.id.as_u128() - entry_id(0).as_u128()).collect();
    (numbers, page.total)
}

pub fn list_visits_applies_every_filter(store: &dyn Store) {
    record_fixture_visits(store);
    let here = || VisitFilter { site: Some(SITE.to_string()), ..VisitFilter::default() };
    let text = |s: &str| Some(s.to_string());
    let cases: Vec<(&str, VisitFilter, Vec<u128>)> = vec![
        ("site", here(), vec![6, 5, 4, 3, 2, 1]),
        ("any site", VisitFilter::default(), vec![6, 5, 4, 7, 3, 2, 1]),
        (
            "entry time range",
            VisitFilter { from: Some(at(2024, 3, 1, 2, 0)), to: Some(at(2024, 3, 1, 5, 0)), ..here() },
            vec![4, 3, 2],
        ),
        ("plate part", VisitFilter { plate: text("1234"), ..here() }, vec![5, 3, 1]),
        ("plate spaced", VisitFilter { plate: text("b 1234 xyz"), ..here() }, vec![5, 1]),
        ("plate prefix", VisitFilter { plate: text("b1234 x"), ..here() }, vec![5, 1]),
        ("plate only symbols", VisitFilter { plate: text(" - "), ..here() }, vec![6, 5, 4, 3, 2, 1]),
        ("ticket part", VisitFilter { ticket: text("IN2"), ..here() }, vec![6, 4, 2]),
        ("ticket sequence", VisitFilter { ticket: text("0003"), ..here() }, vec![3]),
        ("ticket lower case", VisitFilter { ticket: text("in1-240301-0005"), ..here() }, vec![5]),
        ("class", VisitFilter { class: Some(class("MTR")), ..here() }, vec![6, 2]),
        ("entry booth", VisitFilter { booth: text("IN1"), ..here() }, vec![5, 3, 1]),
        ("exit booth", VisitFilter { booth: text("OUT2"), ..here() }, vec![6, 2]),
        ("exit operator", VisitFilter { operator: text("cashier1"), ..here() }, vec![4, 1]),
        ("entry operator", VisitFilter { operator: text("GUARD2"), ..here() }, vec![4, 2]),
        ("method", VisitFilter { method: Some(PaymentMethod::Cash), ..here() }, vec![4, 1]),
        ("inside", VisitFilter { state: Some(VisitState::Inside), ..here() }, vec![5, 3]),
        ("exited", VisitFilter { state: Some(VisitState::Exited), ..here() }, vec![6, 4, 2, 1]),
        ("lost", VisitFilter { lost_only: true, ..here() }, vec![4]),
        ("offline either side", VisitFilter { offline_only: true, ..here() }, vec![4, 2]),
        (
            "plate and inside",
            VisitFilter { plate: text("1234"), state: Some(VisitState::Inside), ..here() },
            vec![5, 3],
        ),
        (
            "booth and method",
            VisitFilter { booth: text("IN1"), method: Some(PaymentMethod::Cash), ..here() },
            vec![1],
        ),
        ("nothing matches", VisitFilter { plate: text("Z 9"), ..here() }, vec![]),
        ("long plate part", VisitFilter { plate: text("1234 xy"), ..here() }, vec![5, 1]),
        ("search syntax is plain text", VisitFilter { ticket: text("\"IN1-2* OR x:y"), ..here() }, vec![]),
        (
            "long ticket part and inside",
            VisitFilter { ticket: text("240301-000"), state: Some(VisitState::Inside), ..here() },
            vec![5, 3],
        ),
        (
            "long plate part in a time range",
            VisitFilter {
                plate: text("B1234XYZ"),
                from: Some(at(2024, 3, 1, 0, 0)),
                to: Some(at(2024, 3, 1, 4, 0)),
                ..here()
            },
            vec![1],
        ),
    ];
    for (name, filter, expected) in cases {
        let total = expected.len() as u64;
        assert_eq!(listed(store, filter), (expected, total), "{name}");
    }
    // Rows carry their exit, if any.
    let page = store.list_visits(&here(), PageRequest { offset: 0, limit: 2 }).unwrap();
    assert_eq!(page.rows[0].exit.as_ref().map(|x| x.method), Some(PaymentMethod::Free));
    assert_eq!(page.rows[1].exit, None);
}

/// The plate search covers the plate read from the entry photo as well as the confirmed one:
/// read at the ticket, read after it (a late read), and read differently from what the guard
/// typed; short and long search terms (the trigram index and the scan).
pub fn plate_search_finds_read_plates(store: &dyn Store) {
    record_fixture_visits(store);
    // 8: no plate typed, read at the ticket. 9: typed "B 777 QQ", read as "B 7771 QQ".
    // 10: no plate typed, its read arrives after the ticket.
    let mut v8 = entry(8, at(2024, 3, 1, 7, 0), None, "MBL");
    v8.plate_read = Some("F 4321 KL".to_string());
    v8.plate_confidence = Some(0.91);
    v8.plate_source = PlateSource::None;
    let mut v9 = entry(9, at(2024, 3, 1, 8, 0), Some("B 777 QQ"), "MBL");
    v9.plate_read = Some("B 7771 QQ".to_string());
    v9.plate_confidence = Some(0.62);
    v9.plate_source = PlateSource::Typed;
    let v10 = entry(10, at(2024, 3, 1, 9, 0), None, "MTR");
    for e in [&v8, &v9, &v10] {
        store.record_entry(e).unwrap();
    }
    let late = EntryLate {
        entry_id: v10.id,
        photo_id: None,
        plate_read: Some("AB 5 CD".to_string()),
        plate_confidence: Some(0.88),
    };
    assert!(store.complete_entry(&late).unwrap());
    let here = || VisitFilter { site: Some(SITE.to_string()), ..VisitFilter::default() };
    let text = |s: &str| Some(s.to_string());
    let cases: Vec<(&str, VisitFilter, Vec<u128>)> = vec![
        ("read plate, whole", VisitFilter { plate: text("f 4321 kl"), ..here() }, vec![8]),
        ("read plate, part", VisitFilter { plate: text("4321"), ..here() }, vec![8]),
        ("read plate, two characters", VisitFilter { plate: text("KL"), ..here() }, vec![8]),
        ("typed plate of a misread", VisitFilter { plate: text("B 777 QQ"), ..here() }, vec![9]),
        ("misread of a typed plate", VisitFilter { plate: text("B7771"), ..here() }, vec![9]),
        ("both plates match once", VisitFilter { plate: text("777"), ..here() }, vec![9]),
        ("late read", VisitFilter { plate: text("AB5CD"), ..here() }, vec![10]),
        ("late read, part", VisitFilter { plate: text("5 CD"), ..here() }, vec![10]),
        (
            "read plate and inside",
            VisitFilter { plate: text("4321"), state: Some(VisitState::Inside), ..here() },
            vec![8],
        ),
        ("confirmed plates as before", VisitFilter { plate: text("b 1234 xyz"), ..here() }, vec![5, 1]),
    ];
    for (name, filter, expected) in cases {
        let total = expected.len() as u64;
        assert_eq!(listed(store, filter), (expected, total), "{name}");
    }
}

pub fn list_visits_pages_with_exact_totals(store: &dyn Store) {
    record_fixture_visits(store);
    let filter = VisitFilter { site: Some(SITE.to_string()), ..VisitFilter::default() };
    let page = |offset, limit| {
        let page = store.list_visits(&filter, PageRequest { offset, limit }).unwrap();
        let ids: Vec<Uuid> = page.rows.iter().map(|v| v.entry.id).collect();
        (ids, page.total)
    };
    let ids = |ns: &[u128]| ns.iter().map(|&n| entry_id(n)).collect::<Vec<_>>();
    assert_eq!(page(0, 4), (ids(&[6, 5, 4, 3]), 6));
    assert_eq!(page(4, 4), (ids(&[2, 1]), 6));
    assert_eq!(page(8, 4), (ids(&[]), 6));
    assert_eq!(page(1, 2), (ids(&[5, 4]), 6));
    assert_eq!(page(0, 0), (ids(&[]), 6));
}

pub fn daily_stats_follow_the_local_day(store: &dyn Store) {
    seed(store);
    let jakarta = chrono_tz::Asia::Jakarta;
    // Jakarta is UTC+7: 2024-03-01 local runs from 2024-02-29 17:00 to 2024-03-01 17:00 UTC.
    let late = entry(1, at(2024, 3, 1, 16, 30), Some("B 1 AA"), "MBL"); // 23:30 local, Mar 1
    let after_midnight = entry(2, at(2024, 3, 1, 17, 30), Some("B 2 AA"), "MTR"); // 00:30, Mar 2
    let morning = entry(3, at(2024, 3, 1, 1, 0), Some("B 3 AA"), "MBL"); // 08:00
    let quick = entry(4, at(2024, 3, 1, 3, 10), Some("B 4 AA"), "MTR"); // 10:10
    let mut elsewhere = entry(5, at(2024, 3, 1, 3, 0), Some("B 5 AA"), "MBL");
    elsewhere.site = OTHER_SITE.to_string();
    for e in [&late, &after_midnight, &morning, &quick, &elsewhere] {
        store.record_entry(e).unwrap();
    }
    let exits = [
        exit_of(&morning, at(2024, 3, 1, 4, 0), PaymentMethod::Cash), // 11:00, 3 h, Rp 11.000
        exit_of(&quick, at(2024, 3, 1, 3, 13), PaymentMethod::Free),  // 10:13, grace, Rp 0
        exit_of(&late, at(2024, 3, 1, 18, 0), PaymentMethod::Qris),   // 01:00 Mar 2, Rp 8.000
        exit_of(&elsewhere, at(2024, 3, 1, 4, 0), PaymentMethod::Cash),
        // 12:00, a lost ticket whose entry never came: in the totals, not in by_class.
        lost_exit_without_entry(9, at(2024, 3, 1, 5, 0), "MBL"),
    ];
    for x in &exits {
        store.record_exit(x).unwrap();
    }
    assert_eq!(exits[0].total, Rupiah(11_000));
    assert_eq!(exits[4].total, Rupiah(50_000));

    let day1 = store.daily_stats(SITE, date(2024, 3, 1), jakarta, false).unwrap();
    assert_eq!(day1.day, date(2024, 3, 1));
    assert_eq!((day1.entries, day1.exits), (3, 3));
    assert_eq!(day1.revenue, Rupiah(61_000));
    let mut hours = [0; 24];
    hours[8] = 1;
    hours[10] = 1;
    hours[23] = 1;
    assert_eq!(day1.entries_per_hour, hours);
    let mut hours = [0; 24];
    hours[10] = 1;
    hours[11] = 1;
    hours[12] = 1;
    assert_eq!(day1.exits_per_hour, hours);
    let class_day = |code, entries, exits, revenue| ClassDay {
        class: class(code),
        entries,
        exits,
        revenue: Rupiah(revenue),
    };
    assert_eq!(
        day1.by_class,
        vec![class_day("MTR", 1, 1, 0), class_day("MBL", 2, 1, 11_000), class_day("TRK", 0, 0, 0),]
    );
    let method_day = |method, exits, revenue| MethodDay { method, exits, revenue: Rupiah(revenue) };
    assert_eq!(
        day1.by_method,
        vec![
            method_day(PaymentMethod::Cash, 2, 61_000),
            method_day(PaymentMethod::Qris, 0, 0),
            method_day(PaymentMethod::Card, 0, 0),
            method_day(PaymentMethod::Emoney, 0, 0),
            method_day(PaymentMethod::Free, 1, 0),
        ]
    );
    // (180 + 3) / 2 = 91.5 minutes, in whole minutes.
    assert_eq!(day1.average_stay_min, Some(91));
    assert_eq!(day1.lost_tickets, 1);

    let day2 = store.daily_stats(SITE, date(2024, 3, 2), jakarta, false).unwrap();
    assert_eq!((day2.entries, day2.exits, day2.revenue), (1, 1, Rupiah(8_000)));
    assert_eq!(day2.entries_per_hour[0], 1);
    assert_eq!(day2.exits_per_hour[1], 1);
    assert_eq!(day2.average_stay_min, Some(90));
    assert_eq!(day2.lost_tickets, 0);
    assert_eq!(day2.by_class[0], class_day("MTR", 1, 0, 0));
    assert_eq!(day2.by_class[1], class_day("MBL", 0, 1, 8_000));

    let empty = store.daily_stats(SITE, date(2024, 3, 5), jakarta, false).unwrap();
    assert_eq!((empty.entries, empty.exits, empty.revenue), (0, 0, Rupiah::ZERO));
    assert_eq!(empty.average_stay_min, None);
    assert_eq!(empty.by_class.len(), 3);
}

/// A local day that does not start on a quarter hour (Jakarta kept UTC+07:20 from 1924 to
/// 1932), whose hours cut through quarter hours: every visit counts in its own local hour,
/// though the statistics of a day read quarter-hour groups where they can.
pub fn daily_stats_count_a_day_that_is_not_whole_quarters(store: &dyn Store) {
    seed(store);
    let jakarta = chrono_tz::Asia::Jakarta;
    // 1930-06-01 local runs from 1930-05-31 16:40 to 1930-06-01 16:40 UTC; its hours start
    // at 40 minutes past a UTC hour.
    let the_eve = entry(1, at(1930, 5, 31, 16, 39), None, "MBL"); // 23:59, May 31
    let first_minute = entry(2, at(1930, 5, 31, 16, 41), None, "MBL"); // 00:01
    let noon = entry(3, at(1930, 6, 1, 5, 0), None, "MTR"); // 12:20
    let last_minute = entry(4, at(1930, 6, 1, 16, 38), None, "MBL"); // 23:58
    let next_day = entry(5, at(1930, 6, 1, 16, 41), None, "MTR"); // 00:01, Jun 2
    for e in [&the_eve, &first_minute, &noon, &last_minute, &next_day] {
        store.record_entry(e).unwrap();
    }
    for x in [
        exit_of(&the_eve, at(1930, 5, 31, 16, 43), PaymentMethod::Free), // 00:03
        exit_of(&first_minute, at(1930, 5, 31, 17, 41), PaymentMethod::Qris), // 01:01
        exit_of(&noon, at(1930, 6, 1, 16, 35), PaymentMethod::Cash),     // 23:55
        exit_of(&last_minute, at(1930, 6, 1, 16, 44), PaymentMethod::Cash), // 00:04, Jun 2
    ] {
        store.record_exit(&x).unwrap();
    }
    let day = store.daily_stats(SITE, date(1930, 6, 1), jakarta, false).unwrap();
    assert_eq!((day.entries, day.exits), (3, 3));
    let mut hours = [0; 24];
    hours[0] = 1;
    hours[12] = 1;
    hours[23] = 1;
    assert_eq!(day.entries_per_hour, hours);
    let mut hours = [0; 24];
    hours[0] = 1;
    hours[1] = 1;
    hours[23] = 1;
    assert_eq!(day.exits_per_hour, hours);
    let entries_by_class: Vec<(String, u64, u64)> =
        day.by_class.iter().map(|c| (c.class.to_string(), c.entries, c.exits)).collect();
    assert_eq!(
        entries_by_class,
        vec![("MTR".to_string(), 1, 1), ("MBL".to_string(), 2, 2), ("TRK".to_string(), 0, 0)]
    );
    // Stays of 4 minutes, 60 minutes and 11 h 35 min: (4 + 60 + 695) / 3 = 253 minutes.
    assert_eq!(day.average_stay_min, Some(253));
    let eve = store.daily_stats(SITE, date(1930, 5, 31), jakarta, false).unwrap();
    assert_eq!((eve.entries, eve.exits, eve.entries_per_hour[23]), (1, 0, 1));
}

/// Plate fragments of every length find the visits whose confirmed plate or read plate
/// (stored with the entry, or arriving later) contains them, newest first with exact totals,
/// alone and with other filters: the same visits a check of every visit finds.
pub fn plate_fragments_find_confirmed_and_read_plates(store: &dyn Store) {
    use gardu::domain::plate::search_key;
    use gardu::store::EntryLate;
    seed(store);
    // (plate, read at entry, read later, simulated, other site)
    type Plates<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, bool, bool);
    let plates: [Plates; 12] = [
        (Some("B 1234 XYZ"), None, None, false, false),
        (Some("B 1234 XYZ"), Some("B 1284 XYZ"), None, false, false),
        (None, Some("D 1234 AB"), None, false, false),
        (Some("AB 12"), None, Some("AB 12 C"), false, false),
        (None, None, Some("B 12 AAA"), false, false),
        (Some("B 12 AAA"), None, None, true, false),
        (Some("L 9999 B"), Some("L 9999 B"), None, false, false),
        (Some("B 1234 XYZ"), None, None, false, true),
        (None, None, None, false, false),
        (Some("DK 1212 BB"), None, None, false, false),
        (Some("B 123"), Some("8 123"), None, false, false),
        (Some("H 1 A"), None, Some("H 1 AA"), false, false),
    ];
    let mut stored = Vec::new();
    for (n, (plate, read, later, simulated, elsewhere)) in plates.iter().enumerate() {
        let n = n as u128 + 1;
        let mut e = entry(n, at(2024, 3, 1, 1, 0) + chrono::Duration::minutes(n as i64 * 7), *plate, "MBL");
        e.plate_read = read.map(str::to_string);
        e.simulated = *simulated;
        if *elsewhere {
            e.site = OTHER_SITE.to_string();
        }
        if n.is_multiple_of(2) {
            e.class = class("MTR");
        }
        store.record_entry(&e).unwrap();
        if let Some(later) = later {
            let late = EntryLate {
                entry_id: e.id,
                photo_id: None,
                plate_read: Some(later.to_string()),
                plate_confidence: Some(0.9),
            };
            assert!(store.complete_entry(&late).unwrap());
            e.plate_read = Some(later.to_string());
        }
        stored.push(e);
    }
    let keys = |e: &gardu::store::Entry| {
        [e.plate.as_deref(), e.plate_read.as_deref()]
            .into_iter()
            .flatten()
            .map(search_key)
            .collect::<Vec<_>>()
    };
    let mut fragments = Vec::new();
    for key in stored.iter().flat_map(keys) {
        for a in 0..key.len() {
            for b in a + 1..=key.len() {
                fragments.push(key[a..b].to_string());
            }
        }
    }
    fragments.extend(["ZZZ", "Q", "9Z", "XYZW", "1234XYZB"].map(String::from));
    fragments.sort();
    fragments.dedup();
    for fragment in &fragments {
        for (name, filter, wanted) in [
            ("site", VisitFilter { site: Some(SITE.to_string()), ..VisitFilter::default() }, None),
            (
                "any site, simulated too",
                VisitFilter { include_simulated: true, ..VisitFilter::default() },
                None,
            ),
            (
                "site, class MTR",
                VisitFilter {
                    site: Some(SITE.to_string()),
                    class: Some(class("MTR")),
                    ..VisitFilter::default()
                },
                Some("MTR"),
            ),
        ] {
            let filter = VisitFilter { plate: Some(fragment.clone()), ..filter };
            let mut expected: Vec<&gardu::store::Entry> = stored
                .iter()
                .filter(|e| filter.site.as_deref().is_none_or(|site| e.site == site))
                .filter(|e| filter.include_simulated || !e.simulated)
                .filter(|e| wanted.is_none_or(|code| e.class.as_str() == code))
                .filter(|e| keys(e).iter().any(|key| key.contains(fragment.as_str())))
                .collect();
            expected.sort_by_key(|e| std::cmp::Reverse((e.entry_time, e.id)));
            let expected: Vec<Uuid> = expected.iter().map(|e| e.id).collect();
            let all = store.list_visits(&filter, PageRequest { offset: 0, limit: 50 }).unwrap();
            let got: Vec<Uuid> = all.rows.iter().map(|v| v.entry.id).collect();
            assert_eq!(got, expected, "plate {fragment:?}, {name}");
            assert_eq!(all.total, expected.len() as u64, "total of plate {fragment:?}, {name}");
            let page = store.list_visits(&filter, PageRequest { offset: 1, limit: 2 }).unwrap();
            let got: Vec<Uuid> = page.rows.iter().map(|v| v.entry.id).collect();
            let want: Vec<Uuid> = expected.iter().skip(1).take(2).copied().collect();
            assert_eq!(got, want, "second page of plate {fragment:?}, {name}");
            assert_eq!(page.total, expected.len() as u64);
        }
    }
}

/// The list's totals and rows under every combination of the filters a per-day rollup can
/// count (class, booth, operator, method, exited, lost ticket, written offline, simulated) and
/// vehicles inside over ranges of whole and partial days, against a count of every visit: a seeded random
/// site of visits over six days, some exits replayed before their entries, simulated and
/// offline records, and then a purge of the oldest days.
pub fn filtered_totals_over_days_match_every_visit(store: &dyn Store) {
    use chrono::Duration;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    struct Model {
        entry: gardu::store::Entry,
        exit: Option<gardu::store::Exit>,
    }
    seed(store);
    let mut rng = StdRng::seed_from_u64(0x5EED_0016);
    let classes = ["MBL", "MTR", "TRK"];
    let methods = [PaymentMethod::Cash, PaymentMethod::Qris, PaymentMethod::Card, PaymentMethod::Free];
    let start = at(2024, 3, 1, 0, 0);
    let mut visits = Vec::new();
    let mut late_entries = Vec::new();
    for n in 1..=240_u128 {
        let time = start + Duration::minutes(rng.random_range(0..6 * 24 * 60));
        let mut e = entry(n, time, Some("B 1 RD"), classes[rng.random_range(0..3)]);
        e.booth = ["IN1", "IN2"][rng.random_range(0..2)].to_string();
        e.operator =
            [None, Some("guard1".to_string()), Some("Guard2".to_string())][rng.random_range(0..3)].clone();
        e.origin = if rng.random_bool(0.2) { Origin::Journal } else { Origin::Online };
        e.simulated = rng.random_bool(0.1);
        let exit = rng.random_bool(0.8).then(|| {
            let mut x = exit_of(
                &e,
                time + Duration::minutes(rng.random_range(5..1800)),
                methods[rng.random_range(0..4)],
            );
            x.booth = ["OUT1", "OUT2", "IN2"][rng.random_range(0..3)].to_string();
            x.operator = [None, Some("cashier1".to_string()), Some("GUARD1".to_string())]
                [rng.random_range(0..3)]
            .clone();
            x.lost_ticket = rng.random_bool(0.1);
            x.origin = if rng.random_bool(0.2) { Origin::Journal } else { Origin::Online };
            x.simulated = e.simulated;
            x
        });
        match &exit {
            // An exit replayed before its entry: the entry brings it into the groups.
            Some(x) if rng.random_bool(0.1) => {
                store.record_exit(x).unwrap();
                late_entries.push(e.clone());
            }
            Some(x) => {
                store.record_entry(&e).unwrap();
                store.record_exit(x).unwrap();
            }
            None => {
                store.record_entry(&e).unwrap();
            }
        }
        visits.push(Model { entry: e, exit });
    }
    for e in &late_entries {
        store.record_entry(e).unwrap();
    }
    let mut elsewhere = entry(999, start + Duration::hours(30), Some("B 1 RD"), "MBL");
    elsewhere.site = OTHER_SITE.to_string();
    store.record_entry(&elsewhere).unwrap();

    let random_filter = |rng: &mut StdRng| {
        let pick = |rng: &mut StdRng, p: f64| rng.random_bool(p);
        let instant = |rng: &mut StdRng| {
            // Whole days, partial days and the first and last instants of the data.
            let minutes = match rng.random_range(0..3) {
                0 => rng.random_range(0..8) * 24 * 60,
                _ => rng.random_range(-60..7 * 24 * 60),
            };
            start + Duration::minutes(minutes)
        };
        VisitFilter {
            site: Some(SITE.to_string()),
            from: pick(rng, 0.7).then(|| instant(rng)),
            to: pick(rng, 0.5).then(|| instant(rng)),
            class: pick(rng, 0.4).then(|| class(classes[rng.random_range(0..3)])),
            booth: pick(rng, 0.3).then(|| ["IN1", "IN2", "OUT2"][rng.random_range(0..3)].to_string()),
            operator: pick(rng, 0.2)
                .then(|| [" guard1", "GUARD2", "cashier1"][rng.random_range(0..3)].to_string()),
            method: pick(rng, 0.3).then(|| methods[rng.random_range(0..4)]),
            state: pick(rng, 0.3)
                .then(|| if rng.random_bool(0.5) { VisitState::Exited } else { VisitState::Inside }),
            lost_only: pick(rng, 0.15),
            offline_only: pick(rng, 0.2),
            include_simulated: pick(rng, 0.3),
            ..VisitFilter::default()
        }
    };
    let matches = |filter: &VisitFilter, v: &Model| {
        let (e, x) = (&v.entry, v.exit.as_ref());
        let operator = filter.operator.as_deref().map(|o| o.trim().to_lowercase());
        let is =
            |name: &Option<String>, wanted: &str| name.as_deref().is_some_and(|n| n.to_lowercase() == wanted);
        filter.from.is_none_or(|from| e.entry_time >= from)
            && filter.to.is_none_or(|to| e.entry_time < to)
            && filter.class.as_ref().is_none_or(|c| &e.class == c)
            && filter.booth.as_deref().is_none_or(|b| e.booth == b || x.is_some_and(|x| x.booth == b))
            && operator.as_deref().is_none_or(|o| is(&e.operator, o) || x.is_some_and(|x| is(&x.operator, o)))
            && filter.method.is_none_or(|m| x.is_some_and(|x| x.method == m))
            && match filter.state {
                Some(VisitState::Exited) => x.is_some(),
                Some(VisitState::Inside) => x.is_none(),
                None => true,
            }
            && (!filter.lost_only || x.is_some_and(|x| x.lost_ticket))
            && (!filter.offline_only
                || e.origin == Origin::Journal
                || x.is_some_and(|x| x.origin == Origin::Journal))
            && (filter.include_simulated || !e.simulated)
    };
    let check = |rng: &mut StdRng, visits: &[Model], what: &str| {
        for round in 0..300 {
            let filter = random_filter(rng);
            let mut expected: Vec<_> =
                visits.iter().filter(|v| matches(&filter, v)).map(|v| &v.entry).collect();
            expected.sort_by_key(|e| std::cmp::Reverse((e.entry_time, e.id)));
            let expected: Vec<Uuid> = expected.into_iter().map(|e| e.id).collect();
            let page = store.list_visits(&filter, PageRequest { offset: 0, limit: 500 }).unwrap();
            let listed: Vec<Uuid> = page.rows.iter().map(|v| v.entry.id).collect();
            assert_eq!(page.total, expected.len() as u64, "{what}, round {round}: total of {filter:?}");
            assert_eq!(listed, expected, "{what}, round {round}: rows of {filter:?}");
        }
    };
    check(&mut rng, &visits, "recorded");

    // A purge takes the visits that left before the cutoff (none belongs to a shift).
    let cutoff = start + Duration::hours(60);
    let plan = gardu::store::PurgePlan {
        site: SITE.to_string(),
        visits_before: Some(cutoff),
        audit_before: None,
        dry_run: false,
    };
    let purged = store.purge(&plan).unwrap();
    let before = visits.len();
    visits
        .retain(|v| !(v.entry.entry_time < cutoff && v.exit.as_ref().is_some_and(|x| x.exit_time < cutoff)));
    assert_eq!(purged.visits, (before - visits.len()) as u64);
    assert!(purged.visits > 0);
    check(&mut rng, &visits, "after the purge");
}
