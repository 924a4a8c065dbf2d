//! The admin's figure screens under egui_kittest: the dashboard (inside by class, today's
//! figures, booth statuses, alerts, the live feed), statistics of a seeded day and month, and
//! a closed shift's report. Visits are seeded through the store at exact times of the fixed
//! clock's day (23/11/2026, 08:05 in Jakarta = 01:05 UTC).

#[allow(unused_imports)] // the shared support re-exports more than these tests use
mod ui_support;

use chrono::{DateTime, Duration};
use gardu::domain::tariff::{default_tariffs, parking_fee};
use gardu::domain::{ClassCode, FeeFlags, Rupiah};
use gardu::store::{BoothStatus, Entry, Exit, Origin, PaymentMethod, Shift, Store};
use ui_support::*;
use uuid::Uuid;

const SITE: &str = "SITE-01";

#[path = "ui_admin_figures/hq.rs"]
mod hq; // the HQ console over two sites' rows

fn utc(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0).single().expect("a valid time")
}

fn entry(n: u128, class: &str, time: DateTime<Utc>) -> Entry {
    Entry {
        id: Uuid::from_u128(0xE000 + n),
        site: SITE.into(),
        booth: "IN1".into(),
        ticket_no: format!("IN1-{}-{n:04}", time.format("%y%m%d")),
        ticket_code: format!("G1.TEST.{n}"),
        plate: Some(format!("B{n}00TST")),
        class: ClassCode::parse(class).expect("class"),
        card_uid: None,
        entry_time: time,
        operator: Some("siti".into()),
        photo_id: None,
        origin: Origin::Online,
        simulated: false,
        plate_read: None,
        plate_confidence: None,
        plate_source: gardu::plate::PlateSource::None,
    }
}

/// An exit of entry `n` (stored or not) after `stay_min`, priced by the class's default tariff.
fn exit(
    n: u128,
    class: &str,
    entered: DateTime<Utc>,
    stay_min: i64,
    method: PaymentMethod,
    shift: Option<Uuid>,
) -> Exit {
    let tariff = default_tariffs().into_iter().find(|t| t.class.as_str() == class).expect("tariff");
    let left = entered + Duration::minutes(stay_min);
    let fee = parking_fee(&tariff, entered, left, FeeFlags::default());
    Exit {
        id: Uuid::from_u128(0xF000 + n),
        entry_id: Uuid::from_u128(0xE000 + n),
        site: SITE.into(),
        booth: "OUT1".into(),
        exit_time: left,
        operator: Some("budi".into()),
        shift_id: shift,
        total: fee.total,
        fee,
        method,
        tendered: None,
        change: None,
        reference: None,
        lost_ticket: false,
        photo_id: None,
        origin: Origin::Online,
        simulated: false,
        forced_reason: None,
    }
}

const SHIFT: Uuid = Uuid::from_u128(0x5000_0001);

/// Local times (UTC+7):
/// - L1 car entered 22/11 03:00 and is still inside (a long stay);
/// - E1 car 07:10–07:50 cash, E2 motorcycle 07:20–08:02 QRIS, E3 car 07:40 inside,
///   E4 motorcycle 08:01 inside;
/// - X9 a car's exit at 07:55 (cash) whose entry (06:25) is not stored: an orphan.
///
/// Today: 4 entries, 3 exits, Rp 5.000 + Rp 2.000 + Rp 8.000 = Rp 15.000. Inside now: 2 cars,
/// 1 motorcycle. Budi's shift at OUT1 opened 07:00 with Rp 100.000, took Rp 13.000 cash, so
/// Rp 113.000 expected; he counted Rp 111.000: Rp -2.000.
fn seed(site: &Site) -> Arc<dyn Store> {
    let store = site.context(Mode::Admin, "ADM1").open_store().expect("store");
    let shift = Shift {
        id: SHIFT,
        site: SITE.into(),
        booth: "OUT1".into(),
        username: "budi".into(),
        opened_at: utc(23, 0, 0),
        closed_at: None,
        opening_float: Rupiah(100_000),
        expected_cash: None,
        counted_cash: None,
        simulated: false,
    };
    store.open_shift(&shift).expect("shift");
    let entries = [
        entry(1, "MBL", utc(21, 20, 0)),
        entry(11, "MBL", utc(23, 0, 10)),
        entry(12, "MTR", utc(23, 0, 20)),
        entry(13, "MBL", utc(23, 0, 40)),
        entry(14, "MTR", utc(23, 1, 1)),
    ];
    for e in &entries {
        store.record_entry(e).expect("entry");
    }
    let exits = [
        exit(11, "MBL", utc(23, 0, 10), 40, PaymentMethod::Cash, Some(SHIFT)),
        exit(12, "MTR", utc(23, 0, 20), 42, PaymentMethod::Qris, Some(SHIFT)),
        exit(99, "MBL", utc(22, 23, 25), 90, PaymentMethod::Cash, Some(SHIFT)),
    ];
    let amounts: Vec<i64> = exits.iter().map(|x| x.total.amount()).collect();
    assert_eq!(amounts, [5_000, 2_000, 8_000], "the default tariffs price the seeded stays");
    for x in &exits {
        store.record_exit(x).expect("exit");
    }
    store.close_shift(SHIFT, utc(23, 1, 4), Rupiah(113_000), Rupiah(111_000)).expect("close");
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

fn admin_console(site: &Site) -> Harness<'static, ConsoleApp> {
    let mut harness = site.console(Mode::Admin, "ADM1");
    login_to_work(&mut harness, "dewi");
    harness
}

#[test]
fn the_dashboard_shows_inside_today_booths_alerts_and_live_traffic() {
    let site = Site::new();
    site.add_users();
    let store = seed(&site);
    let now = gardu::clock::Clock::now(site.clock.as_ref());
    let status = |booth: &str, mode: &str, seen_s: i64, rejected: u64, faults: Vec<String>| BoothStatus {
        site: SITE.into(),
        booth: booth.into(),
        mode: mode.into(),
        operator: Some("budi".into()),
        seen_at: now - Duration::seconds(seen_s),
        simulated: true,
        journal_waiting: 2,
        journal_rejected: rejected,
        faults,
        version: "test".into(),
    };
    store
        .save_booth_status(&status("OUT1", "exit", 20, 1, vec!["printer: kertas habis".into()]))
        .expect("status");
    store.save_booth_status(&status("IN2", "entry", 600, 0, Vec::new())).expect("status");
    let mut harness = admin_console(&site);
    wait_for_text(&mut harness, "Di dalam sekarang");

    assert_eq!(after(&harness, "Di dalam sekarang", 2), ["3", "Kapasitas tidak dibatasi"]);
    assert_eq!(after(&harness, "Masuk hari ini", 1), ["4"]);
    assert_eq!(after(&harness, "Keluar hari ini", 1), ["3"]);
    assert_eq!(after(&harness, "Pendapatan hari ini", 1), ["Rp 15.000"]);
    assert_eq!(after(&harness, "Mobil (MBL)", 1), ["2"]);
    assert_eq!(after(&harness, "Motor (MTR)", 1), ["1"]);
    assert_eq!(after(&harness, "Truk/Bus (TRK)", 1), ["0"]);
    assert_eq!(after(&harness, "Jumlah", 1), ["3 kendaraan"]);

    // The booth that reported 20 s ago, and the one silent for ten minutes.
    assert_eq!(
        after(&harness, "OUT1", 5),
        ["20 detik lalu", "Keluar · simulasi", "budi", "2 menunggu · 1 ditolak", "printer: kertas habis"]
    );
    assert_eq!(after(&harness, "IN2", 1), ["Tidak melapor sejak 23/11 07:55"]);

    // Alerts: the silent booth, the long stay (with the car listed), the orphan exit, the
    // booth's rejected file.
    assert!(shows(&harness, "Booth IN2 tidak melapor sejak 10 menit"));
    assert!(shows(&harness, "1 kendaraan parkir lebih dari 24 jam"));
    assert_eq!(after(&harness, "IN1-261121-0001", 2), ["B100TST", "Mobil"]);
    assert!(shows(&harness, "1 transaksi keluar tanpa data masuk"));
    assert!(shows(&harness, "1 berkas jurnal ditolak di booth OUT1"));
    assert!(!shows(&harness, "Hampir penuh"));

    // A car comes in at another booth: the live feed shows it and, once the throttle has
    // passed on the clock, today's figures count it.
    step_until(&mut harness, "the live feed to attach", |h| shows(h, "Langsung"));
    let mut late = entry(15, "MBL", now);
    late.booth = "IN3".into();
    store.record_entry(&late).expect("entry");
    wait_for_text(&mut harness, "booth IN3");
    assert!(shows(&harness, "08:05:00"));
    site.clock.advance(Duration::seconds(5));
    step_until(&mut harness, "the refreshed figures", |h| {
        labels(h).windows(2).any(|pair| pair[0] == "Masuk hari ini" && pair[1] == "5")
    });
    assert_eq!(after(&harness, "Mobil (MBL)", 1), ["3"]);
}

#[test]
fn the_dashboard_warns_when_the_site_is_nearly_full() {
    let site = Site::new();
    site.add_users();
    let store = seed(&site);
    let mut record = store.site(SITE).expect("site").expect("the site exists");
    record.capacity = Some(3);
    store.save_site(&record).expect("capacity");
    let mut harness = admin_console(&site);
    wait_for_text(&mut harness, "Hampir penuh: 3 dari 3 tempat terisi (100%)");
    assert_eq!(after(&harness, "Di dalam sekarang", 2), ["3", "dari 3 tempat (100%)"]);
}

#[test]
fn statistics_show_the_seeded_day_and_month() {
    let site = Site::new();
    site.add_users();
    seed(&site);
    let mut harness = admin_console(&site);
    click(&mut harness, "Statistik");
    wait_for_text(&mut harness, "Senin, 23/11/2026");
    step_until(&mut harness, "the day's table", |h| shows(h, "07:00") && shows(h, "23/11"));

    // Hour, entries, exits, inside at the start of the hour.
    assert_eq!(after(&harness, "06:00", 3), ["0", "0", "1"]);
    assert_eq!(after(&harness, "07:00", 3), ["3", "2", "1"]);
    assert_eq!(after(&harness, "08:00", 3), ["1", "1", "3"]);
    assert_eq!(after(&harness, "09:00", 3), ["0", "0", "–"], "hours to come have no occupancy");

    // The month: day, entries, exits, revenue.
    assert!(shows(&harness, "November 2026"));
    assert_eq!(after(&harness, "22/11", 3), ["1", "0", "Rp 0"]);
    assert_eq!(after(&harness, "23/11", 3), ["4", "3", "Rp 15.000"]);
    // The orphan exit counts in the day and its method, in no class.
    assert_eq!(after(&harness, "Mobil", 2), ["1 keluar", "Rp 5.000"]);
    assert_eq!(after(&harness, "Tunai", 2), ["2 keluar", "Rp 13.000"]);
    assert_eq!(after(&harness, "Motor", 2), ["1 keluar", "Rp 2.000"]);
    assert_eq!(after(&harness, "QRIS", 2), ["1 keluar", "Rp 2.000"]);
    assert_eq!(after(&harness, "budi", 2), ["3 keluar", "Rp 15.000"]);
    assert_eq!(after(&harness, "23/11 07:00", 4), ["OUT1", "budi", "3", "Rp 15.000"]);

    // The previous day: only the long-stay car came in, at 03:00.
    click(&mut harness, "‹ Sebelumnya");
    wait_for_text(&mut harness, "Minggu, 22/11/2026");
    step_until(&mut harness, "the previous day's table", |h| shows(h, "03:00"));
    assert_eq!(after(&harness, "03:00", 3), ["1", "0", "0"]);
    assert_eq!(after(&harness, "04:00", 3), ["0", "0", "1"]);
}

#[test]
fn the_shifts_screen_shows_a_closed_shifts_report() {
    let site = Site::new();
    site.add_users();
    seed(&site);
    let mut harness = admin_console(&site);
    click(&mut harness, "Shift");
    click(&mut harness, "23/11/2026 07:00");
    wait_for_text(&mut harness, "budi · booth OUT1 · dibuka 23/11/2026 07:00");
    assert_eq!(after(&harness, "Modal awal", 1), ["Rp 100.000"]);
    assert_eq!(after(&harness, "Kas seharusnya", 1), ["Rp 113.000"]);
    assert_eq!(after(&harness, "Kas dihitung", 1), ["Rp 111.000"]);
    let difference: Vec<String> =
        labels(&harness).windows(2).filter(|pair| pair[0] == "Selisih").map(|pair| pair[1].clone()).collect();
    assert_eq!(difference.last().map(String::as_str), Some("Rp -2.000"));
    assert_eq!(after(&harness, "Tunai", 2), ["2 keluar", "Rp 13.000"]);
    assert_eq!(after(&harness, "QRIS", 2), ["1 keluar", "Rp 2.000"]);
    assert!(shows(&harness, "Tanpa data masuk"));

    // A date the admin cannot mean is refused in words, and the list stays.
    let fields = text_fields(&harness);
    fields[0].focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    type_text(&mut harness, "31/02/2026");
    click(&mut harness, "Tampilkan");
    wait_for_text(&mut harness, "Tanggal \"31/02/2026\" tidak dikenali");
    assert!(shows(&harness, "23/11/2026 07:00"));
}
