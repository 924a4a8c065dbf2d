//! The books in the console under egui_kittest: the Books screen with a duplicate exit, a
//! revised shift and a forced close; the dashboard's alert; a forced close from a visit's
//! detail; the exit booth's dialogs picking the vehicle inside. The records come through the
//! real store, the offline journal and its replay, and `admin::closes::close_visit`, on the
//! fixed clock's day (23/11/2026, 08:05 in Jakarta = 01:05 UTC).

#[allow(unused_imports)] // the shared support re-exports more than these tests use
mod ui_support;

use chrono::{DateTime, Duration};
use gardu::admin::Acting;
use gardu::admin::closes::close_visit;
use gardu::domain::tariff::{default_tariffs, parking_fee};
use gardu::domain::{ClassCode, FeeFlags, Rupiah};
use gardu::journal::{JournalPayload, replay};
use gardu::store::{Entry, Exit, Origin, PaymentMethod, Shift, Store, User};
use ui_support::*;
use uuid::Uuid;

const SITE: &str = "SITE-01";
const SHIFT_A: Uuid = Uuid::from_u128(0x5A);
const SHIFT_B: Uuid = Uuid::from_u128(0x5B);

fn utc(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, hour, minute, 0).single().expect("a valid time")
}

fn entry(n: u128, plate: &str, class: &str, time: DateTime<Utc>) -> Entry {
    Entry {
        id: Uuid::from_u128(0xE000 + n),
        site: SITE.into(),
        booth: "IN1".into(),
        ticket_no: format!("IN1-261123-{n:04}"),
        ticket_code: format!("G1.TEST.{n}"),
        plate: Some(plate.into()),
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

/// A cash exit of entry `n` (a car) at `booth` after `stay_min`, priced by the default tariff.
fn cash_exit(id: u128, n: u128, entered: DateTime<Utc>, stay_min: i64, booth: &str, shift: Uuid) -> Exit {
    let tariff = default_tariffs().into_iter().find(|t| t.class.as_str() == "MBL").expect("tariff");
    let left = entered + Duration::minutes(stay_min);
    let fee = parking_fee(&tariff, entered, left, FeeFlags::default());
    Exit {
        id: Uuid::from_u128(id),
        entry_id: Uuid::from_u128(0xE000 + n),
        site: SITE.into(),
        booth: booth.into(),
        exit_time: left,
        operator: Some(if booth == "OUT1" { "budi" } else { "kasir2" }.into()),
        shift_id: Some(shift),
        total: fee.total,
        fee,
        method: PaymentMethod::Cash,
        tendered: None,
        change: None,
        reference: None,
        lost_ticket: false,
        photo_id: None,
        origin: Origin::Journal,
        simulated: false,
        forced_reason: None,
    }
}

fn shift(id: Uuid, booth: &str, username: &str, opened: DateTime<Utc>) -> Shift {
    Shift {
        id,
        site: SITE.into(),
        booth: booth.into(),
        username: username.into(),
        opened_at: opened,
        closed_at: None,
        opening_float: Rupiah(100_000),
        expected_cash: None,
        counted_cash: None,
        simulated: false,
    }
}

fn admin_user(store: &dyn Store) -> User {
    store.user_by_username("dewi").expect("read user").expect("dewi exists")
}

/// Local times (UTC+7):
/// - Budi's shift at OUT1 opened 07:00 with Rp 100.000; car 1 (in 07:10) left there 07:50 for
///   Rp 5.000 cash; he closed at 08:00 expecting Rp 105.000.
/// - OUT2 was cut off with car 1's photocopy and car 2: its journal holds a second payment of
///   car 1 at 07:52 (Rp 5.000, kasir2's shift) and car 2's exit at 07:55 booked to Budi's
///   shift (he had helped there). The replay keeps the photocopy as a duplicate exit and the
///   late exit revises Budi's shift to Rp 110.000.
/// - Car 3 (in 07:30) was towed: Dewi closes it with a fee of Rp 10.000.
fn seed_books(site: &Site) -> Arc<dyn Store> {
    let store = site.context(Mode::Admin, "ADM1").open_store().expect("store");
    store.open_shift(&shift(SHIFT_A, "OUT1", "budi", utc(0, 0))).expect("shift A");
    store.open_shift(&shift(SHIFT_B, "OUT2", "kasir2", utc(0, 5))).expect("shift B");
    for e in [
        entry(1, "B 1001 AA", "MBL", utc(0, 10)),
        entry(2, "B 1002 BB", "MBL", utc(0, 20)),
        entry(3, "B 1003 CC", "MBL", utc(0, 30)),
    ] {
        store.record_entry(&e).expect("entry");
    }
    let first = cash_exit(0xF1, 1, utc(0, 10), 40, "OUT1", SHIFT_A);
    store.record_exit(&Exit { origin: Origin::Online, ..first }).expect("exit");
    store.close_shift(SHIFT_A, utc(1, 0), Rupiah(105_000), Rupiah(105_000)).expect("close");

    let out2 = site.context(Mode::Exit, "OUT2").journal();
    let now = gardu::clock::Clock::now(site.clock.as_ref());
    let photocopy = cash_exit(0xF2, 1, utc(0, 10), 42, "OUT2", SHIFT_B);
    let late = cash_exit(0xF3, 2, utc(0, 20), 35, "OUT2", SHIFT_A);
    out2.write(JournalPayload::Exit(photocopy), None, now).expect("journal");
    out2.write(JournalPayload::Exit(late), None, now).expect("journal");
    let summary =
        replay::replay(&out2, store.as_ref(), site.clock.as_ref(), false, &mut |_| {}).expect("replay");
    assert_eq!(
        (summary.duplicates, summary.late, summary.failed, summary.rejected),
        (1, 1, 0, 0),
        "{summary:?}"
    );

    let user = admin_user(store.as_ref());
    let acting = Acting {
        user: &user,
        store: store.as_ref(),
        clock: site.clock.as_ref(),
        audit: AuditContext { site: SITE.into(), booth: "ADM1".into() },
    };
    close_visit(&acting, SITE, "IN1-261123-0003", "diderek polisi", Rupiah(10_000)).expect("forced close");
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

/// Replaces the text of the field labelled `label` with `text`.
fn fill(harness: &mut Harness<'_, ConsoleApp>, label: &str, text: &str) {
    step_until(harness, label, |h| {
        h.query_all_by(|n| n.label().as_deref() == Some(label) && n.role() == A11yRole::TextInput)
            .next()
            .is_some()
    });
    let field = harness
        .query_all_by(|node| node.role() == A11yRole::TextInput && node.label().as_deref() == Some(label))
        .next();
    field.unwrap_or_else(|| panic!("no text field labelled {label:?}")).click();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    harness.step();
    type_text(harness, text);
}

/// Picks the vehicle of `ticket` in an exit dialog's list (not the simulation panel's scan),
/// once the dialog, grown by the list, has settled in the middle of the window.
fn pick(harness: &mut Harness<'_, ConsoleApp>, ticket: &str) {
    for _ in 0..3 {
        harness.step();
    }
    let row = format!("· {ticket}");
    harness
        .query_all_by(|node| {
            node.role() == A11yRole::Button && node.label().is_some_and(|l| l.ends_with(&row))
        })
        .next()
        .unwrap_or_else(|| panic!("no vehicle {ticket} to pick"))
        .click();
    harness.step();
}

fn admin_console(site: &Site) -> Harness<'static, ConsoleApp> {
    let mut harness = site.console(Mode::Admin, "ADM1");
    login_to_work(&mut harness, "dewi");
    harness
}

#[test]
fn the_books_screen_lists_the_duplicate_exit_the_revised_shift_and_the_forced_close() {
    let site = Site::new();
    site.add_users();
    seed_books(&site);
    let mut harness = admin_console(&site);
    click(&mut harness, "Pembukuan");
    wait_for_text(&mut harness, "Pembukuan seimbang");

    // Three cars came in: one left through an exit (the photocopy is no second vehicle), one
    // left late through OUT2's journal, one was towed.
    assert_eq!(after(&harness, "Masuk", 1), ["3"]);
    assert_eq!(after(&harness, "Keluar lewat gerbang", 1), ["2"]);
    assert_eq!(after(&harness, "Tutup paksa", 1), ["1"]);
    assert_eq!(after(&harness, "Masih di dalam", 1), ["0"]);
    // Rp 5.000 + the photocopy's Rp 5.000 + the late Rp 5.000, all in shifts.
    assert_eq!(after(&harness, "Pembayaran (keluar dan keluar ganda)", 1), ["Rp 15.000"]);
    assert_eq!(after(&harness, "Tercatat di shift", 1), ["Rp 15.000"]);
    assert_eq!(after(&harness, "Biaya tutup paksa (di luar shift)", 1), ["Rp 10.000"]);

    // Budi's shift: closed expecting Rp 105.000, now Rp 110.000 with one late record: revised.
    assert_eq!(
        after(&harness, "23/11 07:00", 8),
        [
            "OUT1",
            "budi",
            "23/11 08:00",
            "Rp 10.000",
            "Tunai Rp 10.000",
            "Rp 105.000",
            "Rp 110.000",
            "1 · DIREVISI"
        ]
    );
    // The photocopy paid at OUT2, beside the first exit at OUT1.
    assert!(shows(&harness, "KELUAR GANDA PERLU DIPERIKSA"));
    assert_eq!(
        after(&harness, "23/11 07:52", 7),
        ["OUT2", "kasir2", "Rp 5.000", "Tunai", "IN1-261123-0001", "B 1001 AA", "OUT1 · 23/11 07:50"]
    );
    // The towed car: when, which, why, the fee, who.
    assert_eq!(
        after(&harness, "23/11 08:05", 5),
        ["IN1-261123-0003", "B 1003 CC", "diderek polisi", "Rp 10.000", "dewi"]
    );

    // The shifts screen marks Budi's shift revised; its report keeps the original expected
    // cash beside the revised one and lists the late exit.
    click(&mut harness, "Shift");
    wait_for_text(&mut harness, "23/11 08:00 · DIREVISI");
    click(&mut harness, "23/11/2026 07:00");
    wait_for_text(&mut harness, "budi · booth OUT1 · dibuka 23/11/2026 07:00");
    assert_eq!(after(&harness, "Kas seharusnya saat tutup (asli)", 1), ["Rp 105.000"]);
    assert_eq!(after(&harness, "Kas seharusnya (revisi)", 1), ["Rp 110.000"]);
    assert_eq!(after(&harness, "Selisih terhadap angka revisi", 1), ["Rp -5.000"]);
    assert!(shows(&harness, "CATATAN YANG MASUK SETELAH TUTUP"));
    assert!(shows(
        &harness,
        "23/11 08:05 · Keluar sebesar Rp 5.000 (Tunai): kas seharusnya dari Rp 105.000 menjadi Rp 110.000"
    ));
}

#[test]
fn the_dashboard_alerts_unbalanced_books_and_duplicate_exits_and_opens_the_books() {
    let site = Site::new();
    site.add_users();
    let store = seed_books(&site);
    // An exit whose entry never reached the database: the books cannot balance.
    let orphan = cash_exit(0xF9, 9, utc(0, 0), 45, "OUT2", SHIFT_B);
    let out2 = site.context(Mode::Exit, "OUT2").journal();
    let now = gardu::clock::Clock::now(site.clock.as_ref());
    out2.write(JournalPayload::Exit(orphan), None, now).expect("journal");
    replay::replay(&out2, store.as_ref(), site.clock.as_ref(), false, &mut |_| {}).expect("replay");

    let mut harness = admin_console(&site);
    wait_for_text(
        &mut harness,
        "Pembukuan hari ini tidak seimbang: 1 transaksi keluar belum punya data masuk",
    );
    assert!(shows(&harness, "1 keluar ganda perlu diperiksa"));
    // The duplicate is listed under its alert: time, booth, cashier, amount, method.
    assert_eq!(after(&harness, "07:52", 4), ["OUT2", "kasir2", "Rp 5.000", "Tunai"]);

    click(&mut harness, "Buka Pembukuan");
    wait_for_text(&mut harness, "tidak seimbang: 1 masalah perlu diperiksa");
    assert!(shows(&harness, "• 1 transaksi keluar belum punya data masuk di database"));
    assert!(shows(&harness, "KELUAR TANPA DATA MASUK"));
}

#[test]
fn an_admin_closes_a_visit_still_inside_from_its_detail() {
    let site = Site::new();
    site.add_users();
    let store = site.context(Mode::Admin, "ADM1").open_store().expect("store");
    store.record_entry(&entry(4, "B 4004 DD", "MBL", utc(0, 40))).expect("entry");
    let mut harness = admin_console(&site);
    click(&mut harness, "Transaksi");
    click(&mut harness, "IN1-261123-0004");
    wait_for_text(&mut harness, "TUTUP TANPA KELUAR");
    // Without a reason the close cannot be sent, and says why.
    assert!(shows(&harness, "Tulis alasan, minimal 5 karakter."));

    fill(&mut harness, "Alasan", "keluar saat palang dibuka manual");
    fill(&mut harness, "Biaya kunjungan", "5.000");
    click(&mut harness, "Tutup kunjungan");
    wait_for_text(&mut harness, "Kunjungan ditutup: keluar saat palang dibuka manual, biaya Rp 5.000.");
    assert!(shows(&harness, "DITUTUP TANPA KELUAR"));
    assert_eq!(after(&harness, "Alasan", 1), ["keluar saat palang dibuka manual"]);

    let visit =
        store.find_visit(SITE, &EntryLookup::Id(Uuid::from_u128(0xE004))).expect("read").expect("visit");
    let exit = visit.exit.expect("closed");
    assert_eq!(exit.forced_reason.as_deref(), Some("keluar saat palang dibuka manual"));
    assert_eq!(exit.total, Rupiah(5_000));
    assert_eq!(exit.shift_id, None, "a forced close belongs to no shift");
    assert_eq!(store.inside_count(SITE, false).expect("inside"), 0);
}

#[test]
fn the_exit_dialogs_pick_the_vehicle_inside_by_plate() {
    let site = Site::new();
    site.add_users();
    let store = site.context(Mode::Admin, "ADM1").open_store().expect("store");
    store.record_entry(&entry(1, "B 1234 ABC", "MBL", utc(0, 10))).expect("entry");
    store.record_entry(&entry(2, "B 1234 XYZ", "MTR", utc(0, 40))).expect("entry");
    drop(store);
    let mut harness = site.console(Mode::Exit, "OUT1");
    login_to_work(&mut harness, "budi");
    wait_for_text(&mut harness, "Belum ada shift terbuka");
    press(&mut harness, Key::F8);
    wait_for_text(&mut harness, "Modal awal di laci");
    type_text(&mut harness, "200.000");
    press(&mut harness, Key::Enter);
    step_until(&mut harness, "the shift", |h| {
        h.state().runtime().exit().is_some_and(|w| w.snapshot().shift.is_some())
    });

    // Lost ticket: both vehicles of "B 1234" are listed; the motorcycle is picked.
    press(&mut harness, Key::F6);
    wait_for_text(&mut harness, "Tiket hilang");
    type_text(&mut harness, "B 1234");
    wait_for_text(&mut harness, "· IN1-261123-0002");
    assert!(shows(&harness, "B 1234 ABC · Mobil · masuk 23/11 07:10 · IN1-261123-0001"));
    pick(&mut harness, "IN1-261123-0002");
    wait_for_text(&mut harness, "Dipilih");
    click(&mut harness, "Cari & hitung");
    step_until(&mut harness, "the lost-ticket fee", |h| {
        h.state().runtime().exit().is_some_and(|w| matches!(w.snapshot().view, ExitView::Quoted(_)))
    });
    let snapshot = harness.state().runtime().exit().map(|w| w.snapshot()).expect("exit worker");
    let ExitView::Quoted(quote) = &snapshot.view else { panic!("no quote: {:?}", snapshot.view) };
    assert_eq!(quote.entry_id, Uuid::from_u128(0xE002), "the picked vehicle's entry is charged");
    assert!(quote.lost_ticket);
    step_until(&mut harness, "the quote settled", |h| {
        h.state().runtime().exit().is_some_and(|w| w.snapshot().stage.is_none())
    });
    click(&mut harness, "Batalkan");
    step_until(&mut harness, "the lane ready", |h| {
        h.state().runtime().exit().is_some_and(|w| matches!(w.snapshot().view, ExitView::Ready))
    });

    // Manual opening: the car leaving is picked, so its visit is closed.
    press(&mut harness, Key::F11);
    wait_for_text(&mut harness, "Buka palang manual");
    type_text(&mut harness, "ambulans di belakang");
    fill(&mut harness, "Kendaraan yang keluar (boleh kosong): plat", "B1234ABC");
    wait_for_text(&mut harness, "· IN1-261123-0001");
    assert!(!shows(&harness, "· IN1-261123-0002"), "only the car matches");
    pick(&mut harness, "IN1-261123-0001");
    click(&mut harness, "Buka palang");
    let store = site.context(Mode::Admin, "ADM1").open_store().expect("store");
    let closed = || {
        store
            .find_visit(SITE, &EntryLookup::Id(Uuid::from_u128(0xE001)))
            .ok()
            .flatten()
            .is_some_and(|v| v.exit.is_some())
    };
    step_until(&mut harness, "the car's visit closed", |_| closed());
}

#[test]
fn a_shift_closed_offline_says_its_report_is_provisional() {
    let site = Site::new();
    site.add_users();
    let mut harness = site.console(Mode::Exit, "OUT1");
    login_to_work(&mut harness, "budi");
    wait_for_text(&mut harness, "Belum ada shift terbuka");
    press(&mut harness, Key::F8);
    wait_for_text(&mut harness, "Modal awal di laci");
    type_text(&mut harness, "200.000");
    press(&mut harness, Key::Enter);
    step_until(&mut harness, "the shift", |h| {
        h.state().runtime().exit().is_some_and(|w| w.snapshot().shift.is_some())
    });

    toggle_outage(&mut harness);
    wait_for_text(&mut harness, "Database terputus");
    press(&mut harness, Key::F8);
    wait_for_text(&mut harness, "Uang tunai dihitung");
    type_text(&mut harness, "200.000");
    press(&mut harness, Key::Enter);
    wait_for_text(&mut harness, "Shift ditutup");
    assert!(shows(&harness, "Sementara: ditutup saat database tidak terjangkau"));
    let report = harness.state().runtime().exit().and_then(|w| w.snapshot().closed_shift.clone());
    assert!(report.is_some_and(|r| r.provisional));
}
