//! The admin records screens end to end with egui_kittest: transactions with their filters,
//! detail, photos and CSV export; users created at the admin console logging in at a booth;
//! the last admin kept; a cashier kept out of admin mode, by the screen and by the store.

// The shared support re-exports more than these tests use.
#[allow(unused_imports)]
mod ui_support;

use chrono::DateTime;
use gardu::admin::{Acting, AdminError, users};
use gardu::devices::camera::jpeg::encode_jpeg;
use gardu::domain::tariff::{default_tariffs, parking_fee};
use gardu::domain::{ClassCode, FeeFlags, Plate, Rupiah};
use gardu::store::{AuditFilter, Entry, Exit, Origin, PaymentMethod, Photo, PhotoKind, Store};
use image::{Rgb, RgbImage};
use ui_support::*;
use uuid::Uuid;

/// Local (Jakarta) time on the test day, 23/11/2026, in UTC.
fn local(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, hour, minute, 0).single().expect("valid time")
        - chrono::Duration::hours(7)
}

fn jpeg(shade: u8) -> Vec<u8> {
    let image = RgbImage::from_fn(320, 180, |x, y| Rgb([(x / 4 % 256) as u8, (y / 4 % 256) as u8, shade]));
    encode_jpeg(&image, 85).expect("a JPEG").bytes
}

struct Seeded {
    store: Arc<dyn Store>,
    first: (Uuid, Uuid),
    second: (Uuid, Uuid),
}

/// Three visits today: B 1234 XYZ (car, cash, with photos), D 5678 AB (motorbike, QRIS) and
/// B 9999 ZZ (car, still inside).
fn seed_visits(site: &Site) -> Seeded {
    let ctx = site.context(Mode::Admin, "ADM1");
    let store = ctx.open_store().expect("store");
    let code = ctx.config.site.code.clone();
    let visit = |n: u32, plate: &str, class: &str, entered: DateTime<Utc>, photo: Option<Uuid>| Entry {
        id: Uuid::new_v4(),
        site: code.clone(),
        booth: "IN1".into(),
        ticket_no: format!("IN1-261123-{n:04}"),
        ticket_code: format!("code-{n}"),
        plate: Plate::normalise(plate).map(|p| p.to_string()),
        class: ClassCode::parse(class).expect("class"),
        card_uid: None,
        entry_time: entered,
        operator: Some("siti".into()),
        photo_id: photo,
        origin: Origin::Online,
        simulated: false,
        plate_read: None,
        plate_confidence: None,
        plate_source: gardu::plate::PlateSource::None,
    };
    let leave = |entry: &Entry, left: DateTime<Utc>, method: PaymentMethod, tendered: Option<i64>, photo| {
        let tariff = default_tariffs().into_iter().find(|t| t.class == entry.class).expect("tariff");
        let fee = parking_fee(&tariff, entry.entry_time, left, FeeFlags::default());
        Exit {
            id: Uuid::new_v4(),
            entry_id: entry.id,
            site: entry.site.clone(),
            booth: "OUT1".into(),
            exit_time: left,
            operator: Some("budi".into()),
            shift_id: None,
            total: fee.total,
            tendered: tendered.map(Rupiah),
            change: tendered.map(|t| Rupiah(t) - fee.total),
            fee,
            method,
            reference: (method == PaymentMethod::Qris).then(|| "QR-778899".to_string()),
            lost_ticket: false,
            photo_id: photo,
            origin: Origin::Online,
            simulated: false,
            forced_reason: None,
        }
    };
    let (entry_photo, exit_photo) = (Uuid::new_v4(), Uuid::new_v4());
    for (id, kind, shade, at) in
        [(entry_photo, PhotoKind::Entry, 40, local(6, 0)), (exit_photo, PhotoKind::Exit, 200, local(7, 30))]
    {
        store.put_photo(&Photo { id, kind, taken_at: at, jpeg: jpeg(shade) }).expect("photo");
    }
    let first = visit(1, "B1234XYZ", "MBL", local(6, 0), Some(entry_photo));
    let first_exit = leave(&first, local(7, 30), PaymentMethod::Cash, Some(10_000), Some(exit_photo));
    let second = visit(2, "D 5678 AB", "MTR", local(6, 30), None);
    let second_exit = leave(&second, local(7, 45), PaymentMethod::Qris, None, None);
    let third = visit(3, "B 9999 ZZ", "MBL", local(7, 50), None);
    for entry in [&first, &second, &third] {
        store.record_entry(entry).expect("entry");
    }
    for exit in [&first_exit, &second_exit] {
        store.record_exit(exit).expect("exit");
    }
    Seeded { store, first: (first.id, first_exit.id), second: (second.id, second_exit.id) }
}

/// Replaces the text of the field labelled `label` with `text`.
fn fill(harness: &mut Harness<'_, ConsoleApp>, label: &str, text: &str) {
    step_until(harness, label, |h| {
        h.query_all_by(|n| n.label().as_deref() == Some(label) && n.role() != A11yRole::Label)
            .next()
            .is_some()
    });
    let field = harness
        .query_all_by(|node| {
            matches!(node.role(), A11yRole::TextInput | A11yRole::PasswordInput)
                && node.label().as_deref() == Some(label)
        })
        .next();
    field.unwrap_or_else(|| panic!("no text field labelled {label:?}")).click();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    harness.step();
    type_text(harness, text);
}

fn admin_on(site: &Site, page: &str) -> Harness<'static, ConsoleApp> {
    let mut harness = site.console(Mode::Admin, "ADM1");
    login_to_work(&mut harness, "dewi");
    click(&mut harness, page);
    harness
}

#[test]
fn a_plate_filter_with_a_space_finds_the_visit_and_its_detail_shows_every_field_and_both_photos() {
    let site = Site::new();
    site.add_users();
    seed_visits(&site);
    let mut harness = admin_on(&site, "Transaksi");
    wait_for_text(&mut harness, "3 kunjungan · halaman 1 dari 1");
    assert!(shows(&harness, "D 5678 AB") && shows(&harness, "B 9999 ZZ"));

    fill(&mut harness, "Plat nomor", "B 1234");
    click(&mut harness, "Terapkan");
    wait_for_text(&mut harness, "1 kunjungan · halaman 1 dari 1");
    assert!(shows(&harness, "B 1234 XYZ"));
    assert!(!shows(&harness, "D 5678 AB") && !shows(&harness, "B 9999 ZZ"), "only the matching row");

    click(&mut harness, "IN1-261123-0001");
    wait_for_text(&mut harness, "B 1234 XYZ · tiket IN1-261123-0001");
    step_until(&mut harness, "both photos", |h| {
        h.query_by_role_and_label(A11yRole::Image, "Foto masuk").is_some()
            && h.query_by_role_and_label(A11yRole::Image, "Foto keluar").is_some()
    });
    for text in [
        "23/11/2026 06:00",
        "23/11/2026 07:30",
        "1 jam 30 menit",
        "1 jam pertama",
        "1 jam berikutnya × Rp 3.000",
        "Rp 8.000",
        "Rp 10.000",
        "Rp 2.000",
        "Tunai",
        "siti",
        "budi",
        "OUT1",
        "MBL",
    ] {
        assert!(shows(&harness, text), "the detail shows {text:?}");
    }
    click(&mut harness, "‹ Kembali ke daftar");
    wait_for_text(&mut harness, "1 kunjungan · halaman 1 dari 1");
}

#[test]
fn the_filtered_visits_export_to_csv_and_excel_files_typed_in_and_each_export_is_audited() {
    let site = Site::new();
    site.add_users();
    let seeded = seed_visits(&site);
    let mut harness = admin_on(&site, "Transaksi");
    wait_for_text(&mut harness, "3 kunjungan · halaman 1 dari 1");
    fill(&mut harness, "Operator", "budi");
    click(&mut harness, "Terapkan");
    wait_for_text(&mut harness, "2 kunjungan · halaman 1 dari 1");

    let out = site.dir.path().join("laporan").join("budi.csv");
    fill(&mut harness, "Simpan ke file", &out.display().to_string());
    click(&mut harness, "Ekspor CSV");
    wait_for_text(&mut harness, &format!("2 kunjungan ditulis ke {}", out.display()));

    let text = std::fs::read_to_string(&out).expect("the CSV file");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "ticket_no,plate,class,entry_booth,entry_time,entry_operator,exit_booth,exit_time,exit_operator,\
         stay_min,total,method,tendered,change,reference,lost_ticket,offline,simulated,entry_id,exit_id"
    );
    let (second, second_exit) = seeded.second;
    let (first, first_exit) = seeded.first;
    assert_eq!(
        lines[1..],
        [
            format!(
                "IN1-261123-0002,D 5678 AB,MTR,IN1,2026-11-23 06:30:00,siti,OUT1,2026-11-23 07:45:00,budi,\
                 75,3000,qris,,,QR-778899,false,false,false,{second},{second_exit}"
            ),
            format!(
                "IN1-261123-0001,B 1234 XYZ,MBL,IN1,2026-11-23 06:00:00,siti,OUT1,2026-11-23 07:30:00,budi,\
                 90,8000,cash,10000,2000,,false,false,false,{first},{first_exit}"
            ),
        ]
    );
    let audit = seeded
        .store
        .list_audit(&AuditFilter { action: Some("export_visits".into()), limit: 5, ..AuditFilter::default() })
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].username.as_deref(), Some("dewi"));
    assert_eq!(audit[0].detail["rows"], 2);

    // The same visits as an Excel workbook: the path follows the format.
    click(&mut harness, "Excel");
    click(&mut harness, "Ekspor Excel");
    let workbook = out.with_extension("xlsx");
    wait_for_text(&mut harness, &format!("2 kunjungan ditulis ke {}", workbook.display()));
    let bytes = std::fs::read(&workbook).expect("the workbook");
    assert!(bytes.starts_with(b"PK"), "an .xlsx is a zip archive");
    let audit = seeded
        .store
        .list_audit(&AuditFilter { action: Some("export_visits".into()), limit: 5, ..AuditFilter::default() })
        .expect("audit");
    assert_eq!((audit.len(), &audit[0].detail["format"]), (2, &serde_json::json!("xlsx")));
}

#[test]
fn a_cashier_created_in_the_users_screen_logs_in_at_an_exit_booth() {
    let site = Site::new();
    site.add_users();
    let mut harness = admin_on(&site, "Pengguna");
    wait_for_text(&mut harness, "PENGGUNA BARU");
    fill(&mut harness, "Nama pengguna", "rina");
    fill(&mut harness, "Nama lengkap", "Rina Kusuma");
    harness.get_by_role_and_label(A11yRole::RadioButton, "Kasir").click();
    harness.step();
    fill(&mut harness, "Kata sandi", PASSWORD);
    fill(&mut harness, "Ulangi kata sandi", PASSWORD);
    click(&mut harness, "Buat pengguna");
    wait_for_text(&mut harness, "Pengguna rina dibuat.");
    wait_for_text(&mut harness, "Rina Kusuma");

    let mut booth = site.console(Mode::Exit, "OUT1");
    login_to_work(&mut booth, "rina");
    wait_for_text(&mut booth, "Rina Kusuma (Kasir)");
}

#[test]
fn the_last_admin_cannot_switch_herself_off() {
    let site = Site::new();
    site.add_users();
    let mut harness = admin_on(&site, "Pengguna");
    step_until(&mut harness, "the user list", |h| h.query_by_label("dewi").is_some());
    harness.get_by_label("dewi").click();
    harness.step();
    click(&mut harness, "Nonaktifkan");
    wait_for_text(&mut harness, "Nonaktifkan akun dewi?");
    click(&mut harness, "Ya, lanjutkan");
    wait_for_text(&mut harness, "Ini admin aktif terakhir: jadikan pengguna lain admin terlebih dahulu.");

    let store = site.context(Mode::Admin, "ADM1").open_store().expect("store");
    let dewi = store.user_by_username("dewi").expect("store").expect("dewi");
    assert!(dewi.active, "the last admin stays active");
    assert!(harness.state().is_working());
}

#[test]
fn a_cashier_is_kept_out_of_admin_mode_by_the_screen_and_by_the_store() {
    let site = Site::new();
    site.add_users();
    let mut harness = site.console(Mode::Admin, "ADM1");
    login(&mut harness, "budi", PASSWORD);
    wait_for_text(&mut harness, "Akun Kasir tidak dapat bekerja di booth ini");
    assert!(harness.state().is_on_login());
    assert!(!harness.state().is_working());
    assert!(harness.query_by_role_and_label(A11yRole::Button, "Transaksi").is_none(), "no admin screen");

    let ctx = site.context(Mode::Admin, "ADM1");
    let store = ctx.open_store().expect("store");
    let budi = store.user_by_username("budi").expect("store").expect("budi");
    let acting = Acting {
        user: &budi,
        store: store.as_ref(),
        clock: site.clock.as_ref(),
        audit: AuditContext { site: ctx.config.site.code.clone(), booth: "ADM1".into() },
    };
    let new = NewUser { username: "rina", full_name: "Rina Kusuma", role: Role::Admin, password: PASSWORD };
    let refused = users::create(&acting, &Hasher::for_tests(), &new);
    assert!(matches!(refused, Err(AdminError::NotAllowed { role: "cashier", .. })), "{refused:?}");
    assert!(store.user_by_username("rina").expect("store").is_none(), "nothing was created");
    let refused = users::set_active(&acting, "dewi", false);
    assert!(matches!(refused, Err(AdminError::NotAllowed { .. })), "{refused:?}");
}
