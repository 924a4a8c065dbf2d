//! The admin's figures (vehicles inside now and at a past instant, entries counted, exits
//! grouped) and the booths' heartbeats.

use gardu::domain::Rupiah;
use gardu::store::{BoothStatus, ExitGroup, PageRequest, PaymentMethod, Store, VisitFilter};
use uuid::Uuid;

use super::reports::record_fixture_visits;
use crate::common::fixtures::{OTHER_SITE, SITE, at, class, entry, exit_of, lost_exit_without_entry, seed};

/// The fixture of `reports` (every visit on 2024-03-01 UTC) plus an orphan exit:
///
/// | n | entry | class | exit                           |
/// |---|-------|-------|--------------------------------|
/// | 1 | 01:00 | MBL   | 03:00 cash cashier1 Rp 8.000   |
/// | 2 | 02:00 | MTR   | 02:30 qris cashier2 Rp 2.000   |
/// | 3 | 03:00 | MBL   | inside                         |
/// | 4 | 04:00 | TRK   | 06:00 cash cashier1 lost Rp 15.000 |
/// | 5 | 05:00 | MBL   | inside                         |
/// | 6 | 06:00 | MTR   | 06:03 free cashier2 Rp 0       |
/// | 7 | 03:30 | MBL   | inside, other site             |
/// | 9 | (not stored) | | 05:00 cash cashier1 lost Rp 50.000 (orphan) |
fn record_visits_with_an_orphan(store: &dyn Store) {
    seed(store);
    record_fixture_visits(store);
    store.record_exit(&lost_exit_without_entry(9, at(2024, 3, 1, 5, 0), "MBL")).unwrap();
}

pub fn inside_by_class_lists_every_class(store: &dyn Store) {
    seed(store);
    let empty: Vec<_> = ["MTR", "MBL", "TRK"].into_iter().map(|code| (class(code), 0)).collect();
    assert_eq!(store.inside_by_class(SITE, false).unwrap(), empty);

    record_fixture_visits(store);
    store.record_exit(&lost_exit_without_entry(9, at(2024, 3, 1, 5, 0), "MBL")).unwrap();
    // A class no longer configured still shows, after the configured ones.
    store.record_entry(&entry(10, at(2024, 3, 1, 7, 0), Some("B 10 BUS"), "BUS")).unwrap();
    assert_eq!(
        store.inside_by_class(SITE, false).unwrap(),
        vec![(class("MTR"), 0), (class("MBL"), 2), (class("TRK"), 0), (class("BUS"), 1)]
    );
    assert_eq!(
        store.inside_by_class(OTHER_SITE, false).unwrap(),
        vec![(class("MTR"), 0), (class("MBL"), 1), (class("TRK"), 0)]
    );
}

pub fn inside_at_counts_who_was_parked_then(store: &dyn Store) {
    record_visits_with_an_orphan(store);
    let inside_at = |hour, minute| store.inside_at(SITE, at(2024, 3, 1, hour, minute), false).unwrap();
    let cases = [
        ((0, 0), 0, "before anyone came"),
        ((2, 15), 2, "1 and 2 parked"),
        ((2, 30), 2, "2 leaving at that very minute still counts"),
        ((3, 0), 1, "1 leaving counts, 3 arriving at that minute not yet"),
        ((5, 0), 2, "3 and 4 (left later); the orphan exit counts nowhere"),
        ((5, 30), 3, "3, 4 and 5"),
        ((6, 0), 3, "3, 4 leaving, 5"),
        ((6, 1), 3, "3, 5, 6"),
        ((7, 0), 2, "3 and 5, as now"),
    ];
    for ((hour, minute), expected, why) in cases {
        assert_eq!(inside_at(hour, minute), expected, "{hour:02}:{minute:02}: {why}");
    }
    assert_eq!(store.inside_count(SITE, false).unwrap(), 2);
    assert_eq!(store.inside_at(OTHER_SITE, at(2024, 3, 1, 4, 0), false).unwrap(), 1);
    assert_eq!(store.inside_at(OTHER_SITE, at(2024, 3, 1, 3, 30), false).unwrap(), 0);

    // The orphan's entry arrives from another booth's journal: 04:30 to 05:00.
    store.record_entry(&entry(9, at(2024, 3, 1, 4, 30), Some("B 9 AA"), "MBL")).unwrap();
    assert_eq!(inside_at(4, 45), 3);
    assert_eq!(inside_at(5, 0), 3);
    assert_eq!(inside_at(5, 1), 2 + 1);
    assert_eq!(store.inside_count(SITE, false).unwrap(), 2);
}

pub fn entry_count_covers_a_half_open_range(store: &dyn Store) {
    record_visits_with_an_orphan(store);
    let count = |from: (u32, u32), to: (u32, u32)| {
        store.entry_count(SITE, at(2024, 3, 1, from.0, from.1), at(2024, 3, 1, to.0, to.1), false).unwrap()
    };
    assert_eq!(count((2, 0), (5, 0)), 3);
    assert_eq!(count((0, 0), (23, 0)), 6);
    assert_eq!(count((6, 1), (23, 0)), 0);
    assert_eq!(count((5, 0), (5, 0)), 0);
    assert_eq!(store.entry_count(OTHER_SITE, at(2024, 3, 1, 0, 0), at(2024, 3, 2, 0, 0), false).unwrap(), 1);
}

/// Entries counted over ranges that cut through quarter hours and days (whole days from the
/// per-day counts, whole quarters of the partial days from the quarter groups where a backend
/// keeps them, the pieces of a quarter from the rows) equal the entries counted one by one,
/// at the second on either side of each edge, with simulated ones left out or counted.
pub fn entry_count_is_exact_at_the_edges_of_quarters(store: &dyn Store) {
    seed(store);
    let second = |day: u32, hour: u32, minute: u32, seconds: i64| {
        at(2024, 3, day, hour, minute) + chrono::Duration::seconds(seconds)
    };
    // (time, simulated)
    let times = [
        (second(1, 6, 2, 59), false),
        (second(1, 6, 3, 0), false),
        (second(1, 6, 14, 59), false),
        (second(1, 6, 15, 0), true),
        (second(1, 6, 15, 0), false),
        (second(1, 12, 0, 0), true),
        (second(1, 17, 44, 59), false),
        (second(1, 17, 45, 0), false),
        (second(1, 17, 51, 59), true),
        (second(1, 17, 52, 0), false),
        (second(1, 23, 59, 59), false),
        (second(2, 0, 0, 0), false),
        (second(2, 9, 30, 0), true),
        (second(2, 23, 59, 59), false),
        (second(3, 0, 7, 0), false),
        (second(3, 0, 15, 0), false),
        (second(3, 5, 29, 59), true),
        (second(3, 5, 30, 0), false),
    ];
    for (n, (time, simulated)) in (1..).zip(times) {
        let mut e = entry(n, time, None, "MBL");
        e.simulated = simulated;
        store.record_entry(&e).unwrap();
    }
    let ranges = [
        (second(1, 6, 3, 0), second(1, 17, 52, 0)),
        (second(1, 6, 2, 59), second(1, 17, 51, 59)),
        (second(1, 6, 3, 0), second(3, 5, 30, 0)),
        (second(1, 6, 15, 0), second(3, 0, 15, 0)),
        (second(1, 6, 14, 59), second(1, 6, 15, 1)),
        (second(1, 6, 15, 0), second(1, 17, 45, 0)),
        (second(1, 6, 7, 0), second(1, 6, 12, 0)),
        (second(1, 0, 0, 0), second(3, 0, 0, 0)),
        (second(1, 23, 59, 59), second(3, 0, 7, 1)),
    ];
    for (from, to) in ranges {
        for include_simulated in [false, true] {
            let expected = times
                .iter()
                .filter(|(time, simulated)| *time >= from && *time < to && (include_simulated || !simulated))
                .count() as u64;
            assert_eq!(
                store.entry_count(SITE, from, to, include_simulated).unwrap(),
                expected,
                "{from}..{to}, simulated counted: {include_simulated}"
            );
            let filter = VisitFilter {
                site: Some(SITE.to_string()),
                from: Some(from),
                to: Some(to),
                include_simulated,
                ..VisitFilter::default()
            };
            let page = store.list_visits(&filter, PageRequest { offset: 0, limit: 100 }).unwrap();
            assert_eq!((page.total, page.rows.len() as u64), (expected, expected), "list {from}..{to}");
        }
    }
}

pub fn exit_groups_add_up_by_class_method_operator_and_shift(store: &dyn Store) {
    record_visits_with_an_orphan(store);
    let shift = Uuid::from_u128(0x5001);
    // Two more MBL cash exits by cashier1: one joins visit 1's group, one is in a shift.
    let v11 = entry(11, at(2024, 3, 1, 0, 30), Some("B 11 AA"), "MBL");
    let v12 = entry(12, at(2024, 3, 1, 1, 0), Some("B 12 AA"), "MBL");
    store.record_entry(&v11).unwrap();
    store.record_entry(&v12).unwrap();
    store.record_exit(&exit_of(&v11, at(2024, 3, 1, 1, 30), PaymentMethod::Cash)).unwrap();
    let mut x12 = exit_of(&v12, at(2024, 3, 1, 2, 0), PaymentMethod::Cash);
    x12.shift_id = Some(shift);
    store.record_exit(&x12).unwrap();

    // counts: exits, lost tickets, stays known.
    let group =
        |class_code: Option<&str>, method, operator: &str, shift_id, counts: [u64; 3], money, stay_ms| {
            ExitGroup {
                class: class_code.map(class),
                method,
                operator: Some(operator.to_string()),
                shift_id,
                exits: counts[0],
                revenue: Rupiah(money),
                lost_tickets: counts[1],
                stays: counts[2],
                stay_total_ms: stay_ms,
            }
        };
    let hour_ms = 3_600_000;
    // Up to 06:03, exclusive: visit 6 (leaving 06:03) is not in it.
    let groups = store.exit_groups(SITE, at(2024, 3, 1, 0, 0), at(2024, 3, 1, 6, 3), false).unwrap();
    assert_eq!(
        groups,
        vec![
            group(Some("MBL"), PaymentMethod::Cash, "cashier1", None, [2, 0, 2], 13_000, 3 * hour_ms),
            group(Some("MBL"), PaymentMethod::Cash, "cashier1", Some(shift), [1, 0, 1], 5_000, hour_ms),
            group(Some("MTR"), PaymentMethod::Qris, "cashier2", None, [1, 0, 1], 2_000, hour_ms / 2),
            group(Some("TRK"), PaymentMethod::Cash, "cashier1", None, [1, 1, 1], 15_000, 2 * hour_ms),
            // The orphan: no class, no stay.
            group(None, PaymentMethod::Cash, "cashier1", None, [1, 1, 0], 50_000, 0),
        ]
    );
    let later = store.exit_groups(SITE, at(2024, 3, 1, 6, 3), at(2024, 3, 2, 0, 0), false).unwrap();
    assert_eq!(later, vec![group(Some("MTR"), PaymentMethod::Free, "cashier2", None, [1, 0, 1], 0, 180_000)]);
    assert_eq!(
        store.exit_groups(OTHER_SITE, at(2024, 3, 1, 0, 0), at(2024, 3, 2, 0, 0), false).unwrap(),
        vec![]
    );
}

fn status(booth: &str, operator: Option<&str>, minute: u32) -> BoothStatus {
    BoothStatus {
        site: SITE.to_string(),
        booth: booth.to_string(),
        mode: if booth.starts_with("IN") { "entry" } else { "exit" }.to_string(),
        operator: operator.map(str::to_string),
        seen_at: at(2024, 3, 1, 8, minute),
        simulated: false,
        journal_waiting: 0,
        journal_rejected: 0,
        faults: Vec::new(),
        version: "0.1.0".to_string(),
    }
}

pub fn booth_statuses_keep_each_booths_latest_report(store: &dyn Store) {
    seed(store);
    assert_eq!(store.booth_statuses(SITE).unwrap(), vec![]);
    store.save_booth_status(&status("OUT1", Some("cashier1"), 0)).unwrap();
    store.save_booth_status(&status("IN1", Some("guard1"), 0)).unwrap();
    let mut elsewhere = status("IN1", None, 0);
    elsewhere.site = OTHER_SITE.to_string();
    store.save_booth_status(&elsewhere).unwrap();

    // IN1 reports again: the operator logged out, the journal fills, the printer is out of paper.
    let mut newer = status("IN1", None, 1);
    newer.simulated = true;
    newer.journal_waiting = 12;
    newer.journal_rejected = 1;
    newer.faults = vec!["printer: kertas habis \"PAPER\"".to_string(), "camera: timeout".to_string()];
    newer.version = "0.2.0".to_string();
    store.save_booth_status(&newer).unwrap();

    assert_eq!(store.booth_statuses(SITE).unwrap(), vec![newer, status("OUT1", Some("cashier1"), 0)]);
    assert_eq!(store.booth_statuses(OTHER_SITE).unwrap(), vec![elsewhere]);
}

/// The list's total over several days, with whole days and part days at either end, equals
/// the rows it lists (the per-day counts and the rows agree).
pub fn list_totals_over_many_days_are_exact(store: &dyn Store) {
    seed(store);
    let times = [
        at(2024, 2, 27, 23, 0),
        at(2024, 2, 28, 0, 0),
        at(2024, 2, 28, 12, 0),
        at(2024, 2, 29, 6, 0),
        at(2024, 3, 1, 0, 0),
        at(2024, 3, 1, 23, 59),
        at(2024, 3, 2, 10, 0),
    ];
    for (n, time) in (1..).zip(times) {
        store.record_entry(&entry(n, time, Some("B 1 AA"), "MBL")).unwrap();
    }
    let mut elsewhere = entry(20, at(2024, 2, 29, 1, 0), None, "MTR");
    elsewhere.site = OTHER_SITE.to_string();
    store.record_entry(&elsewhere).unwrap();
    let cases = [
        (Some(at(2024, 2, 27, 23, 30)), Some(at(2024, 3, 2, 0, 0)), 5),
        (Some(at(2024, 2, 28, 0, 0)), Some(at(2024, 3, 1, 0, 0)), 3),
        (None, Some(at(2024, 3, 1, 0, 0)), 4),
        (Some(at(2024, 2, 28, 12, 0)), None, 5),
        (None, None, 7),
        (Some(at(2024, 3, 1, 23, 59)), Some(at(2024, 3, 1, 23, 59)), 0),
        (Some(at(2024, 3, 2, 0, 0)), Some(at(2024, 3, 1, 0, 0)), 0),
        (Some(at(2024, 2, 29, 0, 0)), Some(at(2024, 2, 29, 23, 0)), 1),
    ];
    for (from, to, expected) in cases {
        let filter = VisitFilter { site: Some(SITE.to_string()), from, to, ..VisitFilter::default() };
        let page = store.list_visits(&filter, PageRequest { offset: 0, limit: 100 }).unwrap();
        assert_eq!((page.total, page.rows.len()), (expected, expected as usize), "{from:?}..{to:?}");
    }
}

/// Exits grouped over several days (whole days read from the per-day rollups, the partial
/// days at either end from the visits) give exactly the groups of the same exits counted hour
/// by hour (shorter than a day: visits only). The exits cover every kind a rollup must keep
/// apart or move: classes, methods, cashiers, a shift, no cashier, lost tickets, simulated
/// exits, stays across midnight, a stay a skewed clock made negative, an orphan that stays
/// one and an orphan whose entry arrives later (it moves from "no class" to its class).
pub fn exit_groups_over_days_match_the_same_exits_hour_by_hour(store: &dyn Store) {
    seed(store);
    let methods = [PaymentMethod::Cash, PaymentMethod::Qris, PaymentMethod::Card];
    let classes = ["MBL", "MTR", "TRK"];
    let late_entries = [37_u128, 58];
    for n in 1..=90_u128 {
        let day = 1 + (n % 4) as u32;
        let entry_time = at(2024, 3, day, (n * 5 % 24) as u32, (n * 7 % 60) as u32);
        let mut e = entry(n, entry_time, Some("B 1 GR"), classes[(n % 3) as usize]);
        e.simulated = n % 11 == 0;
        let stay = chrono::Duration::minutes(((n * 53) % 900) as i64 + 10);
        let mut x = exit_of(
            &e,
            if n == 29 { entry_time - stay } else { entry_time + stay },
            methods[(n % 3) as usize],
        );
        x.operator = match n % 5 {
            0 => None,
            1 | 2 => Some("cashier1".into()),
            _ => Some("cashier2".into()),
        };
        x.shift_id = (n % 4 == 1).then(|| Uuid::from_u128(0x5000 + (n % 8)));
        x.lost_ticket = n % 13 == 0;
        x.simulated = n % 9 == 0;
        if n == 71 || late_entries.contains(&n) {
            // Exits replayed before their entries.
            store.record_exit(&x).unwrap();
        } else {
            store.record_entry(&e).unwrap();
            store.record_exit(&x).unwrap();
        }
    }
    for n in late_entries {
        let e = entry(
            n,
            at(2024, 3, 1 + (n % 4) as u32, (n * 5 % 24) as u32, (n * 7 % 60) as u32),
            Some("B 1 GR"),
            classes[(n % 3) as usize],
        );
        store.record_entry(&e).unwrap();
    }
    type Key = (Option<String>, String, Option<String>, Option<Uuid>);
    let sum = |groups: Vec<ExitGroup>, into: &mut std::collections::BTreeMap<Key, [i64; 5]>| {
        for g in groups {
            let key = (
                g.class.map(|c| c.as_str().to_string()),
                g.method.as_str().to_string(),
                g.operator,
                g.shift_id,
            );
            let slot = into.entry(key).or_default();
            for (total, add) in slot.iter_mut().zip([
                g.exits as i64,
                g.revenue.0,
                g.lost_tickets as i64,
                g.stays as i64,
                g.stay_total_ms,
            ]) {
                *total += add;
            }
        }
    };
    for include_simulated in [false, true] {
        for (from, to) in [
            (at(2024, 2, 29, 0, 0), at(2024, 3, 7, 0, 0)),
            (at(2024, 3, 1, 5, 17), at(2024, 3, 4, 13, 0)),
            (at(2024, 3, 2, 0, 0), at(2024, 3, 3, 23, 0)),
        ] {
            let mut whole = std::collections::BTreeMap::new();
            sum(store.exit_groups(SITE, from, to, include_simulated).unwrap(), &mut whole);
            let mut hourly = std::collections::BTreeMap::new();
            let mut start = from;
            while start < to {
                let end = (start + chrono::Duration::hours(1)).min(to);
                sum(store.exit_groups(SITE, start, end, include_simulated).unwrap(), &mut hourly);
                start = end;
            }
            assert!(!whole.is_empty());
            assert_eq!(whole, hourly, "{from} to {to}, simulated counted: {include_simulated}");
        }
    }
    // The orphan that stayed one is under "no class"; the two whose entries came are not.
    let all = store.exit_groups(SITE, at(2024, 2, 1, 0, 0), at(2024, 4, 1, 0, 0), true).unwrap();
    assert_eq!(all.iter().filter(|g| g.class.is_none()).map(|g| g.exits).sum::<u64>(), 1);
    assert_eq!(all.iter().map(|g| g.exits).sum::<u64>(), 90);
}
