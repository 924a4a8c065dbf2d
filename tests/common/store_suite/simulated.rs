//! Records made by simulation stay out of every figure and list unless asked, and the
//! transaction list's review filters: duplicate exits only, forced closes only.

use chrono::{DateTime, Utc};
use gardu::domain::Rupiah;
use gardu::store::{DuplicateExit, Entry, Exit, PageRequest, PaymentMethod, Store, VisitFilter, VisitState};
use uuid::Uuid;

use super::reports::record_fixture_visits;
use crate::common::fixtures::{
    OTHER_SITE, SITE, at, date, entry, entry_id, exit_of, lost_exit_without_entry, seed,
};

/// Entry `n` made by simulation (booth SIM1).
fn simulated_entry(n: u128, time: DateTime<Utc>, class_code: &str) -> Entry {
    Entry { booth: "SIM1".to_string(), simulated: true, ..entry(n, time, Some("B 9 SIM"), class_code) }
}

/// Its simulated exit.
fn simulated_exit(entry: &Entry, time: DateTime<Utc>) -> Exit {
    Exit { booth: "SIM2".to_string(), simulated: true, ..exit_of(entry, time, PaymentMethod::Cash) }
}

/// The fixture numbers of a page, and the total.
fn listed(store: &dyn Store, filter: &VisitFilter) -> (Vec<u128>, u64) {
    let page = store.list_visits(filter, PageRequest { offset: 0, limit: 50 }).unwrap();
    let numbers = page.rows.iter().map(|v| v.entry.id.as_u128() - entry_id(0).as_u128()).collect();
    (numbers, page.total)
}

/// Every figure of the main site, with or without simulation, as one comparable value.
fn figures(store: &dyn Store, include_simulated: bool) -> String {
    let jakarta = chrono_tz::Asia::Jakarta;
    let (from, to) = (at(2024, 2, 29, 0, 0), at(2024, 3, 3, 0, 0));
    let mut seen = vec![
        format!("inside {}", store.inside_count(SITE, include_simulated).unwrap()),
        format!("by class {:?}", store.inside_by_class(SITE, include_simulated).unwrap()),
        format!("orphans {:?}", store.orphan_exits(SITE, include_simulated).unwrap()),
        format!("entries {}", store.entry_count(SITE, from, to, include_simulated).unwrap()),
        format!("entries part day {}", {
            store.entry_count(SITE, at(2024, 3, 1, 2, 30), to, include_simulated).unwrap()
        }),
        format!("exit groups {:?}", store.exit_groups(SITE, from, to, include_simulated).unwrap()),
    ];
    for day in [date(2024, 3, 1), date(2024, 3, 2)] {
        seen.push(format!("{day}: {:?}", store.daily_stats(SITE, day, jakarta, include_simulated).unwrap()));
    }
    for hour in [2, 4, 5, 6, 12] {
        let inside = store.inside_at(SITE, at(2024, 3, 1, hour, 20), include_simulated).unwrap();
        seen.push(format!("inside at {hour}:20 {inside}"));
    }
    seen.join("\n")
}

/// The main site's list filters that take each path to the total: the per-day counts (site
/// and whole days, with a part day at the start), counting the rows (a class), and the small
/// sets (vehicles inside).
fn list_filters(include_simulated: bool) -> Vec<VisitFilter> {
    let here = VisitFilter { site: Some(SITE.to_string()), include_simulated, ..VisitFilter::default() };
    vec![
        here.clone(),
        VisitFilter { from: Some(at(2024, 3, 1, 2, 30)), to: Some(at(2024, 3, 3, 0, 0)), ..here.clone() },
        VisitFilter { from: Some(at(2024, 2, 29, 0, 0)), to: Some(at(2024, 3, 2, 0, 0)), ..here.clone() },
        VisitFilter { class: gardu::domain::ClassCode::parse("MBL").ok(), ..here.clone() },
        VisitFilter { state: Some(VisitState::Inside), ..here.clone() },
        VisitFilter { plate: Some("B 9".to_string()), ..here },
    ]
}

/// The fixture of `reports` plus, made by simulation at the main site: a car inside (10), a
/// car that came and left (11, Rp 5.000 cash at 05:10), a motorbike inside the next day (12)
/// and an exit whose entry is not stored (13); and a simulated car at the other site (14).
pub fn simulated_records_stay_out_of_every_figure_unless_asked(store: &dyn Store) {
    seed(store);
    record_fixture_visits(store);
    let real_figures = figures(store, false);
    let real_lists: Vec<_> = list_filters(false).iter().map(|f| listed(store, f)).collect();
    assert_eq!(figures(store, true), real_figures, "nothing simulated yet");

    let inside = simulated_entry(10, at(2024, 3, 1, 3, 15), "MBL");
    let left = simulated_entry(11, at(2024, 3, 1, 4, 10), "MBL");
    let next_day = simulated_entry(12, at(2024, 3, 2, 10, 0), "MTR");
    let mut elsewhere = simulated_entry(14, at(2024, 3, 1, 3, 0), "MBL");
    elsewhere.site = OTHER_SITE.to_string();
    for e in [&inside, &left, &next_day, &elsewhere] {
        store.record_entry(e).unwrap();
    }
    let left_exit = simulated_exit(&left, at(2024, 3, 1, 5, 10));
    assert_eq!(left_exit.total, Rupiah(5_000));
    store.record_exit(&left_exit).unwrap();
    let orphan = Exit { simulated: true, ..lost_exit_without_entry(13, at(2024, 3, 1, 5, 30), "MBL") };
    store.record_exit(&orphan).unwrap();

    assert_eq!(figures(store, false), real_figures, "the figures leave simulation out");
    let lists: Vec<_> = list_filters(false).iter().map(|f| listed(store, f)).collect();
    assert_eq!(lists, real_lists, "the list and its totals leave simulation out");

    // Asked for, they count.
    assert_eq!(store.inside_count(SITE, false).unwrap(), 2);
    assert_eq!(store.inside_count(SITE, true).unwrap(), 4);
    assert_eq!(store.inside_count(OTHER_SITE, false).unwrap(), 1);
    assert_eq!(store.inside_count(OTHER_SITE, true).unwrap(), 2);
    let mbl_inside = |simulated| {
        let counts = store.inside_by_class(SITE, simulated).unwrap();
        counts.into_iter().find(|(class, _)| class.as_str() == "MBL").map(|(_, count)| count)
    };
    assert_eq!((mbl_inside(false), mbl_inside(true)), (Some(2), Some(3)));
    assert_eq!(store.orphan_exits(SITE, true).unwrap(), vec![orphan.clone()]);
    // 04:20: real 3, 4 (and 5 not yet) → 2 + simulated 10 and 11 → 4.
    assert_eq!(store.inside_at(SITE, at(2024, 3, 1, 4, 20), false).unwrap(), 2);
    assert_eq!(store.inside_at(SITE, at(2024, 3, 1, 4, 20), true).unwrap(), 4);
    let (from, to) = (at(2024, 2, 29, 0, 0), at(2024, 3, 3, 0, 0));
    assert_eq!(store.entry_count(SITE, from, to, false).unwrap(), 6);
    assert_eq!(store.entry_count(SITE, from, to, true).unwrap(), 9);
    assert_eq!(store.entry_count(SITE, at(2024, 3, 1, 2, 30), to, true).unwrap(), 4 + 3);
    let taken = |simulated| -> (u64, Rupiah) {
        let groups = store.exit_groups(SITE, from, to, simulated).unwrap();
        (groups.iter().map(|g| g.exits).sum(), groups.iter().map(|g| g.revenue).sum())
    };
    let (real_exits, real_revenue) = taken(false);
    assert_eq!(taken(true), (real_exits + 2, real_revenue + Rupiah(5_000) + orphan.total));
    let jakarta = chrono_tz::Asia::Jakarta;
    let day = |simulated| store.daily_stats(SITE, date(2024, 3, 1), jakarta, simulated).unwrap();
    let (real_day, whole_day) = (day(false), day(true));
    assert_eq!(whole_day.entries, real_day.entries + 2);
    assert_eq!(whole_day.exits, real_day.exits + 2);
    assert_eq!(whole_day.revenue, real_day.revenue + Rupiah(5_000) + orphan.total);

    let cases: Vec<(VisitFilter, Vec<u128>)> = list_filters(true)
        .into_iter()
        .zip([
            vec![12, 6, 5, 11, 4, 10, 3, 2, 1],
            vec![12, 6, 5, 11, 4, 10, 3],
            vec![6, 5, 11, 4, 10, 3, 2, 1],
            vec![5, 11, 10, 3, 1],
            vec![12, 5, 10, 3],
            vec![12, 11, 10],
        ])
        .collect();
    for (filter, expected) in cases {
        let total = expected.len() as u64;
        assert_eq!(listed(store, &filter), (expected, total), "{filter:?}");
    }
    let shown = store
        .list_visits(&list_filters(true)[0], PageRequest { offset: 0, limit: 1 })
        .unwrap()
        .rows
        .remove(0);
    assert!(shown.entry.simulated, "a listed simulated visit says so");
}

/// A second payment of visit 1 at another booth (found on replay) and a forced close of
/// visit 3 (towed); the list shows each set alone, and a simulated duplicate only when asked.
pub fn duplicates_and_forced_closes_are_listed_alone(store: &dyn Store) {
    seed(store);
    record_fixture_visits(store);
    let first = entry(1, at(2024, 3, 1, 1, 0), Some("B 1234 XYZ"), "MBL");
    let second_payment = Exit {
        id: Uuid::from_u128(0xD000_0001),
        booth: "OUT2".to_string(),
        exit_time: at(2024, 3, 1, 3, 5),
        ..exit_of(&first, at(2024, 3, 1, 3, 0), PaymentMethod::Cash)
    };
    let duplicate = DuplicateExit {
        exit: second_payment,
        first_exit_id: exit_of(&first, at(2024, 3, 1, 3, 0), PaymentMethod::Cash).id,
        detected_at: at(2024, 3, 1, 9, 0),
    };
    store.record_duplicate_exit(&duplicate).unwrap();
    let third = entry(3, at(2024, 3, 1, 3, 0), Some("D 1234 AB"), "MBL");
    let towed = Exit {
        forced_reason: Some("towed".to_string()),
        method: PaymentMethod::Free,
        total: Rupiah::ZERO,
        tendered: None,
        change: None,
        operator: Some("admin1".to_string()),
        ..exit_of(&third, at(2024, 3, 1, 8, 0), PaymentMethod::Free)
    };
    store.record_exit(&towed).unwrap();
    // A simulated visit with a second payment of its own.
    let sim = simulated_entry(10, at(2024, 3, 1, 4, 30), "MBL");
    store.record_entry(&sim).unwrap();
    let sim_exit = simulated_exit(&sim, at(2024, 3, 1, 5, 0));
    store.record_exit(&sim_exit).unwrap();
    let sim_duplicate = DuplicateExit {
        exit: Exit { id: Uuid::from_u128(0xD000_0010), booth: "SIM3".to_string(), ..sim_exit.clone() },
        first_exit_id: sim_exit.id,
        detected_at: at(2024, 3, 1, 9, 0),
    };
    store.record_duplicate_exit(&sim_duplicate).unwrap();

    let here = VisitFilter { site: Some(SITE.to_string()), ..VisitFilter::default() };
    let day =
        VisitFilter { from: Some(at(2024, 3, 1, 0, 0)), to: Some(at(2024, 3, 2, 0, 0)), ..here.clone() };
    let cases = [
        (VisitFilter { duplicates_only: true, ..here.clone() }, vec![1]),
        (VisitFilter { duplicates_only: true, ..day.clone() }, vec![1]),
        (VisitFilter { duplicates_only: true, include_simulated: true, ..day.clone() }, vec![10, 1]),
        (VisitFilter { forced_only: true, ..here.clone() }, vec![3]),
        (VisitFilter { forced_only: true, state: Some(VisitState::Exited), ..day.clone() }, vec![3]),
        (VisitFilter { forced_only: true, duplicates_only: true, ..here.clone() }, vec![]),
        (VisitFilter { duplicates_only: true, method: Some(PaymentMethod::Qris), ..here.clone() }, vec![]),
        (VisitFilter { forced_only: true, include_simulated: true, ..here.clone() }, vec![3]),
        (VisitFilter { duplicates_only: true, site: Some(OTHER_SITE.to_string()), ..here.clone() }, vec![]),
    ];
    for (filter, expected) in cases {
        let total = expected.len() as u64;
        assert_eq!(listed(store, &filter), (expected, total), "{filter:?}");
    }
    // The forced close is a visit that left: no longer inside.
    assert_eq!(listed(store, &VisitFilter { state: Some(VisitState::Inside), ..here }).0, vec![5]);
}
