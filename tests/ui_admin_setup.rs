//! The admin setup screens under egui_kittest: a tariff edited with its preview and saved for a
//! later moment, site settings saved and audited, and this machine's offline journals listed.

// The shared support re-exports more than these tests use.
#[allow(unused_imports)]
mod ui_support;

use chrono::Duration as Minutes;
use egui::Modifiers;
use egui_kittest::kittest::NodeT;
use gardu::clock::Clock;
use gardu::domain::{ClassCode, Rupiah};
use gardu::journal::{Journal, JournalPayload};
use gardu::store::{AuditFilter, Entry, Origin};
use ui_support::*;

const SITE: &str = "SITE-01";

/// Replaces the text of the field labelled `label` with `text`.
fn replace_text(harness: &mut Harness<'_, ConsoleApp>, label: &str, text: &str) {
    step_until(harness, label, |h| h.query_by_role_and_label(A11yRole::TextInput, label).is_some());
    harness.get_by_role_and_label(A11yRole::TextInput, label).click();
    harness.step();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.step();
    type_text(harness, text);
    harness.step();
}

fn button_enabled(harness: &Harness<'_, ConsoleApp>, label: &str) -> bool {
    !harness.get_by_role_and_label(A11yRole::Button, label).accesskit_node().is_disabled()
}

/// The sync offer may pop up at login when journal records wait: answer "later".
fn dismiss_sync_offer(harness: &mut Harness<'_, ConsoleApp>) {
    for _ in 0..5 {
        harness.step();
    }
    if harness.query_by_role_and_label(A11yRole::Button, "Nanti").is_some() {
        click(harness, "Nanti");
    }
}

fn admin_console(site: &Site) -> Harness<'static, ConsoleApp> {
    let mut harness = site.console(Mode::Admin, "ADM1");
    login_to_work(&mut harness, "dewi");
    harness
}

#[test]
fn a_tariff_is_edited_with_the_preview_and_saved_for_a_later_moment() {
    let site = Site::new();
    site.add_users();
    let mut harness = admin_console(&site);
    click(&mut harness, "Tarif");
    click(&mut harness, "MBL · Mobil");
    wait_for_text(&mut harness, "UBAH TARIF MBL");
    // The tariff in force: Rp 5.000 first hour, Rp 3.000 each further hour, Rp 40.000 a day.
    wait_for_text(&mut harness, "Rp 17.000");

    replace_text(&mut harness, "Tarif periode pertama", "6.000");
    // 30 min and 1 h: 6.000; 2 h: 9.000; 5 h: 18.000; 24 h: capped at 40.000;
    // 30 h: 40.000 + 6.000 + 5 × 3.000 = 61.000; lost ticket: the fine alone, 50.000.
    for fee in ["Rp 6.000", "Rp 9.000", "Rp 18.000", "Rp 61.000", "Rp 40.000", "Rp 50.000"] {
        wait_for_text(&mut harness, fee);
    }
    assert!(button_enabled(&harness, "Simpan tarif"));

    replace_text(&mut harness, "Tarif periode pertama", "6,000");
    wait_for_text(&mut harness, "Tulis jumlah rupiah, mis. 5000 atau 5.000.");
    assert!(!button_enabled(&harness, "Simpan tarif"), "save is disabled while a value is invalid");
    assert!(!shows(&harness, "Rp 61.000"), "no preview of an invalid tariff");

    replace_text(&mut harness, "Tarif periode pertama", "6.000");
    wait_for_text(&mut harness, "Rp 61.000");
    harness.get_by_label("Pada tanggal dan jam").click();
    harness.step();
    // Tomorrow 00:00 in Jakarta is suggested.
    step_until(&mut harness, "the date field", |h| {
        h.query_by_role_and_label(A11yRole::TextInput, "Tanggal (Asia/Jakarta)")
            .is_some_and(|n| n.value().as_deref() == Some("24/11/2026"))
    });
    click(&mut harness, "Simpan tarif");
    wait_for_text(&mut harness, "Tarif MBL tersimpan, berlaku mulai 24/11/2026 00:00.");
    wait_for_text(&mut harness, "Terjadwal");

    let store = site.context(Mode::Admin, "ADM1").open_store().expect("store");
    let from = Utc.with_ymd_and_hms(2026, 11, 23, 17, 0, 0).single().expect("time");
    let car = ClassCode::parse("MBL").expect("class");
    let after = store.tariff_at(SITE, &car, from + Minutes::minutes(1)).expect("tariff").expect("in force");
    assert_eq!(after.first_fee, Rupiah(6_000));
    let before = store.tariff_at(SITE, &car, from - Minutes::minutes(1)).expect("tariff").expect("in force");
    assert_eq!(before.first_fee, Rupiah(5_000));
    let audit = store
        .list_audit(&AuditFilter {
            action: Some("tariff_changed".into()),
            limit: 5,
            ..AuditFilter::default()
        })
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].username.as_deref(), Some("dewi"));
}

#[test]
fn site_settings_are_saved_and_audited_and_an_unknown_time_zone_is_refused() {
    let site = Site::new();
    site.add_users();
    let mut harness = admin_console(&site);
    click(&mut harness, "Pengaturan lokasi");
    wait_for_text(&mut harness, "KAPAN BERLAKU");
    replace_text(&mut harness, "Nama lokasi", "Mall Kelapa Gading");
    replace_text(&mut harness, "Kapasitas", "350");
    click(&mut harness, "Simpan pengaturan");
    wait_for_text(&mut harness, "Pengaturan lokasi tersimpan dan dicatat di log audit.");

    let store = site.context(Mode::Admin, "ADM1").open_store().expect("store");
    let saved = store.site(SITE).expect("site").expect("stored");
    assert_eq!((saved.name.as_str(), saved.capacity), ("Mall Kelapa Gading", Some(350)));
    let audit = store
        .list_audit(&AuditFilter { action: Some("site_settings".into()), limit: 5, ..AuditFilter::default() })
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].username.as_deref(), Some("dewi"));
    assert_eq!(audit[0].detail["after"]["name"], "Mall Kelapa Gading");

    replace_text(&mut harness, "Zona waktu", "Asia/Bandung");
    wait_for_text(&mut harness, "\"Asia/Bandung\" bukan zona waktu yang dikenal");
    assert!(!button_enabled(&harness, "Simpan pengaturan"));
    replace_text(&mut harness, "Kapasitas", "0");
    wait_for_text(&mut harness, "Tulis kapasitas sebagai angka 1 atau lebih");
    assert_eq!(store.site(SITE).expect("site").expect("stored"), saved, "nothing refused was saved");

    // A booth started afterwards prints and counts with the saved settings.
    let booth = site.console(Mode::Entry, "IN1");
    let config = booth.state().runtime().config();
    assert_eq!((config.site.name.as_str(), config.site.capacity), ("Mall Kelapa Gading", Some(350)));
    assert_eq!(booth.state().runtime().lane_context().site.name, "Mall Kelapa Gading");
}

#[test]
fn the_journals_screen_lists_a_waiting_record_and_a_rejected_file_with_its_reason() {
    let site = Site::new();
    site.add_users();
    let ctx = site.context(Mode::Entry, "IN1");
    let journal =
        Journal::new(ctx.path(&ctx.config.journal.dir), ctx.path(&ctx.config.journal.images_dir), "IN1");
    let at = site.clock.now() - Minutes::minutes(20);
    let entry = Entry {
        id: uuid::Uuid::from_u128(7),
        site: SITE.into(),
        booth: "IN1".into(),
        ticket_no: "IN1-261123-0007".into(),
        ticket_code: "G1.CODE7".into(),
        plate: Some("B 1234 XYZ".into()),
        class: ClassCode::parse("MBL").expect("class"),
        card_uid: None,
        entry_time: at,
        operator: Some("siti".into()),
        photo_id: None,
        origin: Origin::Journal,
        simulated: false,
        plate_read: None,
        plate_confidence: None,
        plate_source: gardu::plate::PlateSource::None,
    };
    let file = journal.write(JournalPayload::Entry(entry), None, at).expect("journal write");
    journal.record_failure(&file, "database is locked", at + Minutes::minutes(1)).expect("failure");
    let broken = journal.dir().join("parking_exit_20261123_075000_broken.json");
    std::fs::write(&broken, b"{\"schema\":1,\"id\":").expect("broken file");
    journal.reject(&broken, "not complete JSON (truncated or corrupt)").expect("reject");

    // The admin console reads the same data folder's journal.
    let mut harness = admin_console(&site);
    dismiss_sync_offer(&mut harness);
    click(&mut harness, "Jurnal offline");
    wait_for_text(&mut harness, "MENUNGGU DIKIRIM (1)");
    wait_for_text(&mut harness, "B 1234 XYZ · IN1-261123-0007");
    assert!(shows(&harness, "database is locked"), "the last error is shown");
    assert!(shows(&harness, "IN1"));
    wait_for_text(&mut harness, "DITOLAK (1)");
    assert!(shows(&harness, "parking_exit_20261123_075000_broken.json"));
    assert!(shows(&harness, "not complete JSON (truncated or corrupt)"));
    assert!(
        button_enabled(&harness, "Sinkronkan sekarang") || !harness.state().runtime().connectivity().online()
    );
}

/// Settings → Old records: the purge before a day is counted first, deleted on a second press
/// (Delete stays off until that day is counted), and audited with its counts.
#[test]
fn old_records_are_counted_before_they_are_deleted_and_the_purge_is_audited() {
    let site = Site::new();
    site.add_users();
    // A tall window: the card sits below the site form.
    let mut harness = site.console_with(site.context(Mode::Admin, "ADM1"), [1600.0, 1600.0]);
    login_to_work(&mut harness, "dewi");
    click(&mut harness, "Pengaturan lokasi");
    wait_for_text(&mut harness, "DATA LAMA");
    replace_text(&mut harness, "Hapus data sebelum", "01/11/2026");
    assert!(!button_enabled(&harness, "Hapus"), "nothing is deleted before it is counted");
    click(&mut harness, "Hitung");
    wait_for_text(&mut harness, "Sebelum 01/11/2026: 0 kunjungan");
    click(&mut harness, "Hapus");
    wait_for_text(&mut harness, "Dihapus sebelum 01/11/2026");

    let store = site.context(Mode::Admin, "ADM1").open_store().expect("store");
    let audit = store
        .list_audit(&AuditFilter {
            action: Some("retention_purge".into()),
            limit: 5,
            ..AuditFilter::default()
        })
        .expect("audit");
    assert_eq!(audit.len(), 1, "the count is not a purge; the deletion is audited once");
    assert_eq!(audit[0].username.as_deref(), Some("dewi"));
    assert_eq!(audit[0].detail["visits"], 0);
}
