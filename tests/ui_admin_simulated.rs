//! Records made by simulation and the visits to review, on the admin screens under
//! egui_kittest: the transactions filters (include simulated, duplicate exits only, forced
//! closes only) and the "include simulated" switches of the dashboard and statistics.
//! Visits are seeded through the store on the fixed clock's day (23/11/2026, 08:05 in Jakarta).

#[allow(unused_imports)] // the shared support re-exports more than these tests use
mod ui_support;

use chrono::{DateTime, Duration};
use gardu::domain::tariff::{default_tariffs, parking_fee};
use gardu::domain::{ClassCode, FeeFlags, Plate, Rupiah};
use gardu::store::{DuplicateExit, Entry, Exit, Origin, PaymentMethod, Store};
use ui_support::*;
use uuid::Uuid;

const SITE: &str = "SITE-01";

/// Local (Jakarta) time on the test day, in UTC.
fn local(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, hour, minute, 0).single().expect("a valid time") - Duration::hours(7)
}

fn entry(n: u128, plate: &str, entered: DateTime<Utc>, simulated: bool) -> Entry {
    Entry {
        id: Uuid::from_u128(0xE000 + n),
        site: SITE.into(),
        booth: if simulated { "SIM1" } else { "IN1" }.into(),
        ticket_no: format!("IN1-261123-{n:04}"),
        ticket_code: format!("G1.TEST.{n}"),
        plate: Plate::normalise(plate).map(|p| p.to_string()),
        class: ClassCode::parse("MBL").expect("class"),
        card_uid: None,
        entry_time: entered,
        operator: Some("siti".into()),
        photo_id: None,
        origin: Origin::Online,
        simulated,
        plate_read: None,
        plate_confidence: None,
        plate_source: gardu::plate::PlateSource::None,
    }
}

fn exit(entry: &Entry, id: u128, left: DateTime<Utc>) -> Exit {
    let tariff = default_tariffs().into_iter().find(|t| t.class == entry.class).expect("tariff");
    let fee = parking_fee(&tariff, entry.entry_time, left, FeeFlags::default());
    Exit {
        id: Uuid::from_u128(id),
        entry_id: entry.id,
        site: SITE.into(),
        booth: if entry.simulated { "SIM2" } else { "OUT1" }.into(),
        exit_time: left,
        operator: Some("budi".into()),
        shift_id: None,
        total: fee.total,
        fee,
        method: PaymentMethod::Cash,
        tendered: None,
        change: None,
        reference: None,
        lost_ticket: false,
        photo_id: None,
        origin: Origin::Online,
        simulated: entry.simulated,
        forced_reason: None,
    }
}

/// Today:
/// - 1 B 1111 AA 06:00–07:00 paid, and paid a second time at OUT2 (a photocopy): a duplicate;
/// - 2 B 2222 BB 06:30, closed by the admin at 07:30 (towed): a forced close;
/// - 3 B 3333 CC 07:00, inside;
/// - 4 B 7777 SIM 07:15, made by simulation, inside.
///
/// Inside now: 1 real car (2 with the simulated one); entries today: 3 (4).
fn seed(site: &Site) -> Arc<dyn Store> {
    let store = site.context(Mode::Admin, "ADM1").open_store().expect("store");
    let paid = entry(1, "B 1111 AA", local(6, 0), false);
    let towed = entry(2, "B 2222 BB", local(6, 30), false);
    let inside = entry(3, "B 3333 CC", local(7, 0), false);
    let simulated = entry(4, "B 7777 SIM", local(7, 15), true);
    for e in [&paid, &towed, &inside, &simulated] {
        store.record_entry(e).expect("entry");
    }
    let first = exit(&paid, 0xF001, local(7, 0));
    store.record_exit(&first).expect("exit");
    let second = Exit { booth: "OUT2".into(), exit_time: local(7, 2), ..exit(&paid, 0xD001, local(7, 0)) };
    let duplicate = DuplicateExit { exit: second, first_exit_id: first.id, detected_at: local(7, 30) };
    store.record_duplicate_exit(&duplicate).expect("duplicate");
    let forced = Exit {
        forced_reason: Some("towed".into()),
        total: Rupiah::ZERO,
        method: PaymentMethod::Free,
        operator: Some("dewi".into()),
        ..exit(&towed, 0xF002, local(7, 30))
    };
    store.record_exit(&forced).expect("forced close");
    store
}

/// Every label's text in the order the screen lays them out.
fn labels(harness: &Harness<'_, ConsoleApp>) -> Vec<String> {
    harness.query_all_by(|node| node.role() == A11yRole::Label).filter_map(|node| node.value()).collect()
}

/// The `count` labels after the first label reading `first`.
fn after(harness: &Harness<'_, ConsoleApp>, first: &str, count: usize) -> Vec<String> {
    let all = labels(harness);
    let at = all.iter().position(|l| l == first).unwrap_or_else(|| panic!("no label {first:?} in {all:?}"));
    all[at + 1..].iter().take(count).cloned().collect()
}

/// True when a label reads exactly `text`.
fn has_label(harness: &Harness<'_, ConsoleApp>, text: &str) -> bool {
    labels(harness).iter().any(|l| l == text)
}

/// Ticks (or unticks) the checkbox labelled `label`.
fn toggle(harness: &mut Harness<'_, ConsoleApp>, label: &str) {
    step_until(harness, label, |h| h.query_by_role_and_label(A11yRole::CheckBox, label).is_some());
    harness.get_by_role_and_label(A11yRole::CheckBox, label).click();
    harness.step();
}

fn admin_on(site: &Site, page: &str) -> Harness<'static, ConsoleApp> {
    let mut harness = site.console(Mode::Admin, "ADM1");
    login_to_work(&mut harness, "dewi");
    click(&mut harness, page);
    harness
}

#[test]
fn the_transactions_filters_show_simulated_visits_only_when_asked_and_the_visits_to_review_alone() {
    let site = Site::new();
    site.add_users();
    seed(&site);
    let mut harness = admin_on(&site, "Transaksi");
    wait_for_text(&mut harness, "3 kunjungan · halaman 1 dari 1");
    assert!(!shows(&harness, "B 7777 SIM"), "simulation is left out");
    assert!(has_label(&harness, "ditutup paksa"), "the forced close is marked in the table");
    assert!(!has_label(&harness, "simulasi"));

    toggle(&mut harness, "Termasuk simulasi");
    click(&mut harness, "Terapkan");
    wait_for_text(&mut harness, "4 kunjungan · halaman 1 dari 1");
    assert!(shows(&harness, "B 7777 SIM"));
    assert!(has_label(&harness, "simulasi"), "the row says simulated");
    toggle(&mut harness, "Termasuk simulasi");

    toggle(&mut harness, "Keluar ganda saja");
    click(&mut harness, "Terapkan");
    wait_for_text(&mut harness, "1 kunjungan · halaman 1 dari 1");
    assert!(shows(&harness, "B 1111 AA"));
    assert!(!shows(&harness, "B 2222 BB") && !shows(&harness, "B 3333 CC"));

    toggle(&mut harness, "Keluar ganda saja");
    toggle(&mut harness, "Ditutup paksa saja");
    click(&mut harness, "Terapkan");
    // The same count as the list before: wait for its row.
    step_until(&mut harness, "the forced close alone", |h| shows(h, "B 2222 BB") && !shows(h, "B 1111 AA"));
    wait_for_text(&mut harness, "1 kunjungan · halaman 1 dari 1");
    assert!(!shows(&harness, "B 1111 AA") && !shows(&harness, "B 3333 CC"));

    // Both at once: no visit is a forced close and a duplicate.
    toggle(&mut harness, "Keluar ganda saja");
    click(&mut harness, "Terapkan");
    wait_for_text(&mut harness, "0 kunjungan");
}

#[test]
fn the_dashboard_and_statistics_count_simulated_vehicles_only_with_the_switch() {
    let site = Site::new();
    site.add_users();
    seed(&site);
    let mut harness = site.console(Mode::Admin, "ADM1");
    login_to_work(&mut harness, "dewi");
    wait_for_text(&mut harness, "Di dalam sekarang");
    step_until(&mut harness, "the figures", |h| labels(h).iter().any(|l| l == "Masuk hari ini"));
    assert_eq!(after(&harness, "Di dalam sekarang", 1), ["1"]);
    assert_eq!(after(&harness, "Masuk hari ini", 1), ["3"]);

    toggle(&mut harness, "Termasuk simulasi");
    step_until(&mut harness, "the figures with simulation", |h| {
        labels(h).windows(2).any(|pair| pair[0] == "Di dalam sekarang" && pair[1] == "2")
    });
    assert_eq!(after(&harness, "Masuk hari ini", 1), ["4"]);

    click(&mut harness, "Statistik");
    wait_for_text(&mut harness, "Senin, 23/11/2026");
    // The month's day row is a label of its own; "Senin, 23/11/2026" above it also shows
    // "23/11" and is there before the month's figures arrive.
    step_until(&mut harness, "the day's table", |h| shows(h, "07:00") && has_label(h, "23/11"));
    // Hour, entries, exits, inside at the start of the hour; the month's day row.
    assert_eq!(after(&harness, "07:00", 3), ["1", "2", "2"]);
    assert_eq!(after(&harness, "23/11", 1), ["3"]);
    toggle(&mut harness, "Termasuk simulasi");
    step_until(&mut harness, "the day with simulation", |h| {
        labels(h).windows(2).any(|pair| pair[0] == "23/11" && pair[1] == "4")
    });
    assert_eq!(after(&harness, "07:00", 3), ["2", "2", "2"]);
}
