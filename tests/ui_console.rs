//! The console end to end with egui_kittest: the real app on a real SQLite file with every
//! device simulated and a fixed clock, driven by keys and clicks found by role and label.

mod ui_support;

use ui_support::*;

#[test]
fn first_run_creates_the_first_admin_then_asks_to_log_in() {
    let site = Site::new();
    let mut harness = site.console(Mode::Entry, "IN1");
    wait_for_text(&mut harness, "Penyiapan pertama");
    assert_eq!(text_fields(&harness).len(), 4, "full name, username, password, repeat");
    fill_fields(&mut harness, &["Dewi Lestari", "dewi", PASSWORD, PASSWORD]);
    click(&mut harness, "Buat admin");
    wait_for_text(&mut harness, "Admin dewi dibuat");
    assert!(harness.state().is_on_login());
}

#[test]
fn login_refuses_wrong_passwords_and_other_roles_then_admits_the_guard() {
    let site = Site::new();
    site.add_users();
    let mut harness = site.console(Mode::Entry, "IN1");
    login(&mut harness, "siti", "wrong-password");
    wait_for_text(&mut harness, "kata sandi salah");
    assert!(harness.state().is_on_login());

    text_fields(&harness)[0].click();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    type_text(&mut harness, "budi");
    press(&mut harness, Key::Tab);
    type_text(&mut harness, PASSWORD);
    press(&mut harness, Key::Enter);
    wait_for_text(&mut harness, "Akun Kasir tidak dapat bekerja di booth ini");

    let mut harness = site.console(Mode::Entry, "IN1");
    login_to_work(&mut harness, "siti");
    wait_for_text(&mut harness, "Siti Rahma (Petugas pintu masuk)");
    wait_for_text(&mut harness, "Menunggu kendaraan");
}

#[test]
fn an_entry_in_simulation_issues_a_ticket_that_appears_in_the_recent_list() {
    let site = Site::new();
    site.add_users();
    let mut harness = site.console(Mode::Entry, "IN1");
    login_to_work(&mut harness, "siti");

    let ticket = issue_ticket(&mut harness, "b 1234 xyz");
    assert_eq!(ticket, "IN1-261123-0001");
    wait_for_text(&mut harness, "IN1-261123-0001");
    wait_for_text(&mut harness, "B 1234 XYZ");
    step_until(&mut harness, "the barrier open", |h| {
        h.state().runtime().barrier().is_some_and(|b| b.position() == BarrierPosition::Open)
    });
    wait_for_text(&mut harness, "Silakan masuk — tiket IN1-261123-0001");
    // The photo, started off the lane's path, is shown when the camera delivers it.
    step_until(&mut harness, "the entry photo shown", |h| {
        h.state().runtime().entry().is_some_and(|w| w.snapshot().last_photo.is_some())
    });
    let entry = harness.state().runtime().entry().map(|w| w.snapshot());
    let entry = entry.expect("entry worker");
    assert!(entry.ticket_preview.is_some(), "the ticket preview is drawn");
    assert_eq!(entry.inside, Some(1));
}

#[test]
fn an_exit_with_that_ticket_shows_the_fee_takes_cash_shows_change_and_opens_the_barrier() {
    let site = Site::new();
    site.add_users();
    {
        let mut entry = site.console(Mode::Entry, "IN1");
        login_to_work(&mut entry, "siti");
        assert_eq!(issue_ticket(&mut entry, "B 1234 XYZ"), "IN1-261123-0001");
    }
    site.clock.advance(chrono::Duration::minutes(120));

    let mut harness = site.console(Mode::Exit, "OUT1");
    login_to_work(&mut harness, "budi");
    wait_for_text(&mut harness, "Belum ada shift terbuka");
    press(&mut harness, Key::F8);
    wait_for_text(&mut harness, "Modal awal di laci");
    type_text(&mut harness, "200.000");
    press(&mut harness, Key::Enter);
    wait_for_text(&mut harness, "Shift sejak 10:05");

    click(&mut harness, "Scan IN1-261123-0001");
    step_until(&mut harness, "the fee and the exit photo", |h| {
        h.state().runtime().exit().is_some_and(|w| {
            let s = w.snapshot();
            matches!(s.view, ExitView::Quoted(_)) && s.stage.is_none() && s.exit_photo.is_some()
        })
    });
    wait_for_text(&mut harness, "1 jam pertama");
    wait_for_text(&mut harness, "Rp 8.000");
    wait_for_text(&mut harness, "2 jam 0 menit");
    press(&mut harness, Key::F3);
    wait_for_text(&mut harness, "Rp 12.000");
    press(&mut harness, Key::Enter);
    wait_for_text(&mut harness, "Lunas");
    let snapshot = harness.state().runtime().exit().map(|w| w.snapshot()).expect("exit worker");
    let ExitView::Paid(paid) = &snapshot.view else { panic!("not paid: {:?}", snapshot.view) };
    assert_eq!(paid.exit.total.amount(), 8_000);
    assert_eq!(paid.exit.change.map(|c| c.amount()), Some(12_000));
    assert!(paid.barrier_opened);
    step_until(&mut harness, "the barrier open", |h| {
        h.state().runtime().barrier().is_some_and(|b| b.position() == BarrierPosition::Open)
    });
    assert!(snapshot.receipt_preview.is_some(), "the receipt preview is drawn");
}

#[test]
fn the_indicator_goes_red_on_a_simulated_outage_and_back_to_green() {
    let site = Site::new();
    site.add_users();
    let mut harness = site.console(Mode::Entry, "IN1");
    wait_for_text(&mut harness, "Database terhubung");
    login_to_work(&mut harness, "siti");

    toggle_outage(&mut harness);
    wait_for_text(&mut harness, "Database terputus sejak 08:05");
    wait_for_text(&mut harness, "transaksi disimpan ke jurnal offline");
    toggle_outage(&mut harness);
    wait_for_text(&mut harness, "Database terhubung");
    assert!(!shows(&harness, "Database terputus"));
}

#[test]
fn the_sync_dialog_appears_when_the_database_returns_and_completes_with_the_right_summary() {
    let site = Site::new();
    site.add_users();
    let mut harness = site.console(Mode::Entry, "IN1");
    login_to_work(&mut harness, "siti");

    toggle_outage(&mut harness);
    wait_for_text(&mut harness, "Database terputus sejak");
    let ticket = issue_ticket(&mut harness, "B 7 OFF");
    // The entry, and its photo that came after the ticket (the lane never waits for the camera).
    step_until(&mut harness, "the late photo", |h| {
        h.state().runtime().entry().is_some_and(|w| w.snapshot().last_photo.is_some())
    });
    wait_for_text(&mut harness, "2 menunggu");
    click(&mut harness, "Kendaraan meninggalkan loop");

    toggle_outage(&mut harness);
    wait_for_text(&mut harness, "2 catatan offline menunggu");
    click(&mut harness, "Sinkronkan sekarang");
    wait_for_text(&mut harness, "Sinkronisasi selesai");
    assert!(harness.state().sync_finished());
    wait_for_text(&mut harness, "Disinkronkan");
    let summary = harness.state().sync_summary().cloned().expect("a summary");
    assert_eq!(
        (summary.synced, summary.already_present, summary.orphans, summary.failed, summary.rejected),
        (2, 0, 0, 0, 0),
        "{summary:?}"
    );

    let runtime = harness.state().runtime();
    assert_eq!(runtime.journal().pending_count(), 0);
    let site_code = runtime.config().site.code.clone();
    let visit =
        runtime.store().find_visit(&site_code, &EntryLookup::TicketNo(ticket.clone())).expect("store");
    assert_eq!(visit.map(|v| v.entry.ticket_no), Some(ticket));
    click(&mut harness, "Tutup");
    step_until(&mut harness, "the dialog closed", |h| !h.state().sync_open());
}

#[test]
fn while_the_database_is_down_the_guard_logs_in_offline_and_the_screen_says_so() {
    let site = Site::new();
    site.add_users();
    let mut harness = site.console(Mode::Entry, "IN1");
    harness.state().runtime().set_database_down(true);
    wait_for_text(&mut harness, "Database terputus sejak");
    wait_for_text(&mut harness, "masuk memakai data lokal booth (offline)");
    login_to_work(&mut harness, "siti");
    wait_for_text(&mut harness, "OFFLINE");
    wait_for_text(&mut harness, "transaksi disimpan ke jurnal offline");
}

#[test]
fn the_menu_switches_the_screens_to_english() {
    let site = Site::new();
    site.add_users();
    let mut harness = site.console(Mode::Entry, "IN1");
    login_to_work(&mut harness, "siti");
    wait_for_text(&mut harness, "Menunggu kendaraan");
    click(&mut harness, "Menu");
    step_until(&mut harness, "the menu", |h| h.query_by_label("English").is_some());
    harness.get_by_label("English").click();
    wait_for_text(&mut harness, "Waiting for a vehicle");
    wait_for_text(&mut harness, "Print ticket");
}

#[test]
fn a_technician_switches_the_booth_off_simulation_and_back_audited() {
    let site = Site::new();
    site.add_users();
    let mut harness = site.console(Mode::Entry, "IN1");
    login_to_work(&mut harness, "agus");
    wait_for_text(&mut harness, "MODE SIMULASI");
    click(&mut harness, "Menu");
    click(&mut harness, "Kembali ke perangkat asli");
    step_until(&mut harness, "real devices", |h| {
        !h.state().runtime().simulated() && !h.state().runtime().switching()
    });
    harness.step();
    assert!(!shows(&harness, "MODE SIMULASI"));
    click(&mut harness, "Menu");
    click(&mut harness, "Alihkan ke mode simulasi");
    step_until(&mut harness, "simulated devices", |h| h.state().runtime().sim_controller().is_some());
    wait_for_text(&mut harness, "MODE SIMULASI");

    let store = harness.state().runtime().store();
    let actions: Vec<String> = store
        .list_audit(&gardu::store::AuditFilter { limit: 20, ..Default::default() })
        .expect("audit")
        .into_iter()
        .filter(|a| a.action.starts_with("simulation_"))
        .map(|a| format!("{} by {}", a.action, a.username.unwrap_or_default()))
        .collect();
    assert_eq!(actions, ["simulation_on by agus", "simulation_off by agus"]);
}

/// A booth PC with a 1366×768 monitor and no config file: the exit booth runs as `OUT1`, the
/// first-run form offers to name it, its button stays on screen after a validation message,
/// and the name is written to `config.toml`.
#[test]
fn at_1366x768_the_first_run_button_stays_on_screen_after_a_message_and_the_booth_is_named() {
    let site = Site::new();
    let mut ctx = site.context(Mode::Exit, "IN1");
    ctx.config.booth.code_configured = false;
    ctx.config.booth.set_mode(Mode::Exit);
    assert_eq!(ctx.config.booth.code, "OUT1", "an exit booth is never a second IN1");
    let mut harness = site.console_with(ctx, SMALL_SCREEN);
    wait_for_text(&mut harness, "Penyiapan pertama");
    assert_eq!(text_fields(&harness).len(), 5, "full name, username, password, repeat, booth code");
    fill_fields(&mut harness, &["Dewi Lestari", "dewi", PASSWORD, "not-the-same"]);
    assert!(button_on_screen(&harness, "Buat admin", SMALL_SCREEN), "the button is below the window");
    click(&mut harness, "Buat admin");
    wait_for_text(&mut harness, "Kedua kata sandi tidak sama");
    assert!(button_on_screen(&harness, "Buat admin", SMALL_SCREEN), "the button is below the window");

    for (index, text) in [(3, PASSWORD), (4, "out2")] {
        text_fields(&harness)[index].click();
        harness.step();
        harness.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
        type_text(&mut harness, text);
    }
    click(&mut harness, "Buat admin");
    wait_for_text(&mut harness, "Admin dewi dibuat");
    wait_for_text(&mut harness, "Kode gardu OUT2 disimpan");
    let written = std::fs::read_to_string(site.dir.path().join("config.toml")).expect("config.toml written");
    let config = Config::parse(&written, "config.toml").expect("a config the next start reads");
    assert_eq!((config.booth.code.as_str(), config.booth.mode), ("OUT2", Mode::Exit));
    assert!(config.simulation.enabled, "the next start runs as this one did");
}

/// A booth kept under the code it already runs as (`IN1`, its mode's default): the code is
/// written to `config.toml`, and the operator is not told to restart for a code in use.
#[test]
fn a_first_run_that_keeps_the_default_booth_code_asks_for_no_restart() {
    let site = Site::new();
    let mut ctx = site.context(Mode::Entry, "IN1");
    ctx.config.booth.code_configured = false;
    let mut harness = site.console_with(ctx, SMALL_SCREEN);
    wait_for_text(&mut harness, "Penyiapan pertama");
    fill_fields(&mut harness, &["Dewi Lestari", "dewi", PASSWORD, PASSWORD]);
    click(&mut harness, "Buat admin");
    wait_for_text(&mut harness, "Kode gardu IN1 disimpan");
    assert!(shows(&harness, "sudah berjalan sebagai IN1"), "the message says the code is in use");
    assert!(!shows(&harness, "jalankan ulang"), "no restart asked for the code in use");
    let written = std::fs::read_to_string(site.dir.path().join("config.toml")).expect("config.toml written");
    let config = Config::parse(&written, "config.toml").expect("a config the next start reads");
    assert_eq!((config.booth.code.as_str(), config.booth.mode), ("IN1", Mode::Entry));
}

/// Login, entry and exit at 1366×768: each screen's primary action is inside the window.
#[test]
fn at_1366x768_login_entry_and_exit_keep_their_primary_action_on_screen() {
    let site = Site::new();
    site.add_users();
    let mut entry = site.console_with(site.context(Mode::Entry, "IN1"), SMALL_SCREEN);
    step_until(&mut entry, "the login screen", |h| h.state().is_on_login());
    entry.step();
    assert!(button_on_screen(&entry, "Masuk", SMALL_SCREEN), "login");
    login_to_work(&mut entry, "siti");
    let ticket = issue_ticket(&mut entry, "B 1234 XYZ");
    assert!(button_on_screen(&entry, "Cetak tiket", SMALL_SCREEN), "entry");
    drop(entry);
    site.clock.advance(chrono::Duration::minutes(90));

    let mut exit = site.console_with(site.context(Mode::Exit, "OUT1"), SMALL_SCREEN);
    login_to_work(&mut exit, "budi");
    press(&mut exit, Key::F8);
    wait_for_text(&mut exit, "Modal awal di laci");
    type_text(&mut exit, "100.000");
    press(&mut exit, Key::Enter);
    wait_for_text(&mut exit, "Shift sejak");
    click(&mut exit, &format!("Scan {ticket}"));
    step_until(&mut exit, "the fee", |h| {
        h.state().runtime().exit().is_some_and(|w| matches!(w.snapshot().view, ExitView::Quoted(_)))
    });
    wait_for_text(&mut exit, "Bayar & buka palang");
    assert!(button_on_screen(&exit, "Bayar & buka palang", SMALL_SCREEN), "exit");
}

/// With the plate reader on, at 1366×768: the reader's read of the vehicle on the loop and
/// the plate as it will be stored both stay inside the guard's column (beside the field, the
/// read pushed the plate under the ticket picture).
/// How long the reader may take over one photo in a debug build on a shared machine.
const READ_WAIT: Duration = Duration::from_secs(180);

#[test]
fn at_1366x768_a_plate_read_stays_inside_the_guards_column() {
    let site = Site::new();
    site.add_users();
    let mut ctx = site.context(Mode::Entry, "IN1");
    ctx.config.plate.enabled = true;
    // The photo the reader reads must not time out on cores the other tests share.
    ctx.config.devices.camera.timeout_ms = 60_000;
    let mut entry = site.console_with(ctx, SMALL_SCREEN);
    login_to_work(&mut entry, "siti");
    click(&mut entry, "Kendaraan datang");
    wait_for_text(&mut entry, "Kendaraan di depan palang");
    // A read takes seconds in a test build, more on cores other tests share: wait longer
    // than for the screens.
    let started = Instant::now();
    while entry.state().runtime().entry().is_none_or(|w| w.snapshot().plate.is_none()) {
        assert!(
            started.elapsed() < READ_WAIT,
            "no plate read within {READ_WAIT:?}: {:?}",
            entry.state().runtime().entry().map(|w| {
                let s = w.snapshot();
                (
                    s.phase.clone(),
                    s.vehicle_on_loop,
                    s.preview.is_some(),
                    s.last_photo.is_some(),
                    s.notice.clone(),
                )
            })
        );
        entry.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("the plate read arrived after {:?}", started.elapsed());
    entry.step();
    entry.step();
    let read = entry.state().runtime().entry().and_then(|w| w.snapshot().plate.clone()).expect("a read");
    // A confident read fills the field and is marked; a weak one is offered as a button.
    let (shown, mark) = if read.filled {
        let plate = gardu::domain::Plate::normalise(&read.plate).expect("a plate").to_string();
        (plate, "terbaca")
    } else {
        ("tanpa plat".to_string(), "Saran:")
    };
    let column_end = entry.get_by_label("TIKET TERAKHIR").rect().min.x;
    let shown_at = entry.get_by_label(&shown).rect();
    let mark_at = entry.query_all_by_label_contains(mark).next().expect("the read's mark").rect();
    for (what, rect) in [("the plate", shown_at), ("the read", mark_at)] {
        assert!(
            rect.max.x <= column_end && rect.max.x <= SMALL_SCREEN[0],
            "{what} at {rect:?} runs past the guard's column, which ends at {column_end}"
        );
    }
    assert!(button_on_screen(&entry, "Cetak tiket", SMALL_SCREEN), "entry");
}

/// After a restart (a power cut) the entry booth lists the tickets it issued before.
#[test]
fn after_a_restart_the_entry_booth_lists_the_tickets_it_issued_before() {
    let site = Site::new();
    site.add_users();
    let first = {
        let mut entry = site.console(Mode::Entry, "IN1");
        login_to_work(&mut entry, "siti");
        issue_ticket(&mut entry, "B 1234 XYZ")
    };
    let mut entry = site.console(Mode::Entry, "IN1");
    login_to_work(&mut entry, "siti");
    wait_for_text(&mut entry, &first);
    let recent = entry.state().runtime().entry().map(|w| w.snapshot().recent.clone()).expect("entry worker");
    assert_eq!(recent.iter().map(|t| t.ticket_no.as_str()).collect::<Vec<_>>(), [first.as_str()]);

    // The booth's own tickets only: another entry booth's are not in its list.
    let mut other = site.console(Mode::Entry, "IN2");
    login_to_work(&mut other, "siti");
    let second = issue_ticket(&mut other, "B 777 ZZ");
    let recent = other.state().runtime().entry().map(|w| w.snapshot().recent.clone()).expect("entry worker");
    assert_eq!(recent.iter().map(|t| t.ticket_no.as_str()).collect::<Vec<_>>(), [second.as_str()]);
}

/// The evacuation from a booth's menu: an admin re-enters their password at the cashier's
/// booth; every screen shows the red banner and the barrier stays open until it is ended.
#[test]
fn an_admin_declares_and_ends_an_emergency_from_the_exit_booths_menu() {
    let site = Site::new();
    site.add_users();
    let mut harness = site.console(Mode::Exit, "OUT1");
    login_to_work(&mut harness, "budi");
    click(&mut harness, "Menu");
    click(&mut harness, "Pembukaan DARURAT (evakuasi)…");
    wait_for_text(&mut harness, "Pembukaan darurat (evakuasi)");
    type_text(&mut harness, "alarm kebakaran");
    press(&mut harness, Key::Tab);
    type_text(&mut harness, "budi");
    press(&mut harness, Key::Tab);
    type_text(&mut harness, PASSWORD);
    press(&mut harness, Key::Enter);
    // A cashier may not: the window says so in the operator's language and stays open.
    wait_for_text(&mut harness, "Hanya admin yang dapat");
    assert!(harness.state().runtime().emergency().is_none());

    // The admin comes to the booth and declares it.
    click(&mut harness, "Batal");
    click(&mut harness, "Menu");
    click(&mut harness, "Pembukaan DARURAT (evakuasi)…");
    wait_for_text(&mut harness, "Pembukaan darurat (evakuasi)");
    type_text(&mut harness, "alarm kebakaran");
    press(&mut harness, Key::Tab);
    type_text(&mut harness, "dewi");
    press(&mut harness, Key::Tab);
    type_text(&mut harness, PASSWORD);
    press(&mut harness, Key::Enter);
    wait_for_text(&mut harness, "DARURAT sejak");
    wait_for_text(&mut harness, "alarm kebakaran");
    let barrier = harness.state().runtime().lane().expect("exit lane").devices().barrier();
    step_until(&mut harness, "the barrier held open", |_| {
        barrier.position() == gardu::devices::barrier::BarrierPosition::Open
    });

    click(&mut harness, "Menu");
    click(&mut harness, "Akhiri keadaan darurat…");
    wait_for_text(&mut harness, "Palang kembali normal");
    type_text(&mut harness, "dewi");
    press(&mut harness, Key::Tab);
    type_text(&mut harness, PASSWORD);
    press(&mut harness, Key::Enter);
    wait_for_text(&mut harness, "Keadaan darurat diakhiri");
    assert!(!shows(&harness, "DARURAT sejak"));
    let audit: Vec<String> = harness
        .state()
        .runtime()
        .store()
        .list_audit(&gardu::store::AuditFilter { limit: 50, ..Default::default() })
        .expect("audit")
        .into_iter()
        .filter(|a| a.action.starts_with("emergency_"))
        .map(|a| format!("{} by {}", a.action, a.username.unwrap_or_default()))
        .collect();
    assert!(audit.contains(&"emergency_start by dewi".to_string()), "{audit:?}");
    assert!(audit.contains(&"emergency_end by dewi".to_string()), "{audit:?}");
}
