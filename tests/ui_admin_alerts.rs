//! The admin console of issue 16 with egui_kittest: a plate that enters while it is inside raises
//! a fraud alert on the dashboard, its button opens Transactions under the alert filter with
//! exactly the two visits, and normal traffic shows nothing under any alert filter; and every
//! admin screen (HQ's too) keeps its primary action reachable at 1366×768.

// The shared support re-exports more than these tests use.
#[allow(unused_imports)]
mod ui_support;

use gardu::clock::Clock;
use gardu::config::Language;
use gardu::devices::camera::{PhotoSettings, SimulatedCamera};
use gardu::devices::input::InputEvent;
use gardu::devices::printer::{Paper, SimulatedPrinter};
use gardu::devices::sim::SimBarrier;
use gardu::domain::{ClassCode, Plate, Rupiah};
use gardu::lane::entry::{EntryDevices, EntryLane, EntryTrigger};
use gardu::lane::exit::{ExitDevices, ExitLane, Payment};
use gardu::lane::{Connectivity, LaneContext, SiteInfo, shift};
use gardu::store::Entry;
use ui_support::*;

/// A booth's lanes writing real records (not simulated) into the site's database, with
/// simulated devices: what a staffed booth writes.
fn lane_context(site: &Site, booth: &str) -> LaneContext {
    let ctx = site.context(Mode::Entry, booth);
    let store = ctx.open_store().expect("store");
    let secret = ctx.secret(store.as_ref()).expect("site key");
    let config = &ctx.config;
    LaneContext {
        store,
        journal: ctx.journal(),
        clock: site.clock.clone(),
        ids: Arc::new(RandomIds),
        secret,
        site: SiteInfo {
            code: config.site.code.clone(),
            name: config.site.name.clone(),
            tz: config.timezone(),
            capacity: None,
            header_lines: vec![],
            footer_lines: vec![],
        },
        booth: booth.into(),
        language: Language::Indonesian,
        connectivity: Connectivity::default(),
        camera_timeout: Duration::from_millis(800),
        ledger: Arc::new(ctx.open_ledger().expect("ledger")),
        simulated: false,
        emergency: Default::default(),
    }
}

fn camera(site: &Site, booth: &str) -> Arc<SimulatedCamera> {
    let settings = PhotoSettings { max_width: 320, jpeg_quality: 60 };
    let clock: Arc<dyn Clock> = site.clock.clone();
    Arc::new(SimulatedCamera::new(
        booth,
        chrono_tz::Asia::Jakarta,
        settings,
        Duration::ZERO,
        Duration::from_millis(800),
        clock,
    ))
}

fn printer(site: &Site) -> Arc<SimulatedPrinter> {
    Arc::new(SimulatedPrinter::new(Paper::Mm58, Duration::ZERO, site.clock.clone()))
}

fn entry_lane(site: &Site) -> EntryLane {
    let devices = EntryDevices {
        camera: camera(site, "IN1"),
        printer: printer(site),
        barrier: Arc::new(SimBarrier::start("in1-barrier", 0, None).expect("barrier")),
    };
    let mut lane =
        EntryLane::new(lane_context(site, "IN1"), devices, ClassCode::parse("MBL").expect("class"));
    lane.set_operator(Some("siti".into()));
    lane
}

fn exit_lane(site: &Site) -> ExitLane {
    let devices = ExitDevices {
        camera: camera(site, "OUT1"),
        printer: printer(site),
        barrier: Arc::new(SimBarrier::start("out1-barrier", 0, None).expect("barrier")),
    };
    let ctx = lane_context(site, "OUT1");
    let (opened, _) = shift::open_shift(&ctx, "budi", Rupiah(200_000)).expect("shift");
    let mut lane = ExitLane::new(ctx, devices);
    lane.set_operator(Some("budi".into()), "Budi Hartono".into(), Some(opened));
    lane
}

fn enter(lane: &mut EntryLane, plate: &str) -> Entry {
    let class = ClassCode::parse("MBL").expect("class");
    let issued = lane.trigger(EntryTrigger::Guard { class, plate: Plate::normalise(plate) }).expect("ticket");
    lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    issued.entry
}

fn leave_paid(lane: &mut ExitLane, entry: &Entry) {
    lane.scan(&entry.ticket_code).expect("the fee");
    lane.pay(Payment::Cash { tendered: Rupiah(50_000) }).expect("paid");
    lane.vehicle_passed();
}

/// Normal traffic of the morning: two cars in and out, paid, and one still inside.
fn normal_traffic(site: &Site) -> Vec<Entry> {
    let mut entry = entry_lane(site);
    let mut exit = exit_lane(site);
    let first = enter(&mut entry, "B 77 OK");
    let second = enter(&mut entry, "D 5678 AB");
    site.clock.advance(chrono::Duration::minutes(40));
    leave_paid(&mut exit, &first);
    leave_paid(&mut exit, &second);
    let third = enter(&mut entry, "F 1 ZZ");
    site.clock.advance(chrono::Duration::minutes(5));
    vec![first, second, third]
}

fn admin_console(site: &Site, size: [f32; 2]) -> Harness<'static, ConsoleApp> {
    let mut harness = site.console_with(site.context(Mode::Admin, "ADM1"), size);
    login_to_work(&mut harness, "dewi");
    harness
}

/// The alert filter's combo box (labelled "Peringatan").
fn alert_combo<'h>(harness: &'h Harness<'_, ConsoleApp>) -> Option<egui_kittest::Node<'h>> {
    harness
        .query_all_by(|n| n.role() == A11yRole::ComboBox && n.label().as_deref() == Some("Peringatan"))
        .next()
}

/// What the alert filter shows.
fn alert_shown(harness: &Harness<'_, ConsoleApp>) -> Option<String> {
    alert_combo(harness).and_then(|combo| combo.value())
}

/// Picks `choice` in the alert filter.
fn choose_alert(harness: &mut Harness<'_, ConsoleApp>, choice: &str) {
    step_until(harness, "the alert filter", |h| alert_combo(h).is_some());
    if let Some(combo) = alert_combo(harness) {
        combo.click();
    }
    harness.step();
    step_until(harness, choice, |h| {
        h.query_all_by(|n| n.role() != A11yRole::ComboBox && n.label().as_deref() == Some(choice))
            .next()
            .is_some()
    });
    let options =
        harness.query_all_by(|n| n.role() != A11yRole::ComboBox && n.label().as_deref() == Some(choice));
    if let Some(option) = options.last() {
        option.click();
    }
    harness.step();
    step_until(harness, "the choice taken", |h| alert_shown(h).as_deref() == Some(choice));
}

const KINDS: [&str; 5] = [
    "Plat masuk padahal masih di dalam",
    "Plat keluar berbeda dengan plat masuk",
    "Satu kartu member untuk dua kendaraan di dalam",
    "Kasir jauh di atas kebiasaan lokasi per shift",
    "Keluar tanpa bayar",
];

#[test]
fn a_plate_entering_while_inside_is_a_dashboard_alert_whose_button_lists_exactly_its_two_visits() {
    let site = Site::new();
    site.add_users();
    let normal = normal_traffic(&site);
    let mut entry = entry_lane(&site);
    let first = enter(&mut entry, "B 1234 XYZ");
    site.clock.advance(chrono::Duration::minutes(20));
    let second = enter(&mut entry, "b1234xyz");
    site.clock.advance(chrono::Duration::minutes(5));

    let mut harness = admin_console(&site, SMALL_SCREEN);
    wait_for_text(&mut harness, "Kecurangan dan kekeliruan (24 jam terakhir)");
    assert!(shows(&harness, KINDS[0]), "the alert names its kind");
    assert!(button_on_screen(&harness, "Lihat di Transaksi", SMALL_SCREEN), "the alert's button");
    click(&mut harness, "Lihat di Transaksi");
    wait_for_text(&mut harness, "2 kunjungan · halaman 1 dari 1");
    assert_eq!(harness.state().admin_page(), gardu::ui::admin::Page::Transactions);
    assert_eq!(alert_shown(&harness).as_deref(), Some(KINDS[0]), "the filter shows the alert's kind");
    let mut tickets = harness.state_mut().admin_mut().transactions_mut().tickets_shown();
    tickets.sort();
    assert_eq!(tickets, [first.ticket_no.clone(), second.ticket_no.clone()]);
    for visit in &normal {
        assert!(!shows(&harness, &visit.ticket_no), "normal traffic is not listed: {}", visit.ticket_no);
    }

    // The same through the Store trait with no site chosen (HQ's "all sites"), one page of one.
    let store = site.context(Mode::Admin, "ADM1").open_store().expect("store");
    let now = gardu::clock::Clock::now(site.clock.as_ref());
    let filter = gardu::store::VisitFilter {
        from: Some(now - chrono::Duration::hours(6)),
        to: Some(now + chrono::Duration::hours(1)),
        ..Default::default()
    };
    let page = |offset| gardu::store::PageRequest { offset, limit: 1 };
    let kind = Some(gardu::admin::alerts::AlertKind::PlateAlreadyInside);
    let mut found = Vec::new();
    for offset in [0, 1] {
        let listed =
            gardu::admin::alerts::alert_visits(store.as_ref(), kind, &filter, page(offset)).expect("list");
        assert_eq!((listed.total, listed.rows.len()), (2, 1));
        found.push(listed.rows[0].entry.id);
    }
    assert_eq!(found, [second.id, first.id], "newest entry first");
    let passback = Some(gardu::admin::alerts::AlertKind::CardPassback);
    let listed =
        gardu::admin::alerts::alert_visits(store.as_ref(), passback, &filter, page(0)).expect("list");
    assert_eq!(listed.total, 0);

    // Another kind lists nothing; the alert filter off lists every visit of the day again.
    choose_alert(&mut harness, KINDS[4]);
    click(&mut harness, "Terapkan");
    wait_for_text(&mut harness, "Tidak ada yang cocok dengan filter ini.");
    choose_alert(&mut harness, "Tanpa filter");
    click(&mut harness, "Terapkan");
    wait_for_text(&mut harness, "5 kunjungan · halaman 1 dari 1");
}

#[test]
fn normal_traffic_shows_no_visit_under_any_alert_filter() {
    let site = Site::new();
    site.add_users();
    let normal = normal_traffic(&site);
    let mut harness = admin_console(&site, [1600.0, 900.0]);
    click(&mut harness, "Transaksi");
    wait_for_text(&mut harness, "3 kunjungan · halaman 1 dari 1");
    assert!(normal.iter().all(|visit| shows(&harness, &visit.ticket_no)));
    for choice in ["Peringatan apa saja"].into_iter().chain(KINDS) {
        choose_alert(&mut harness, choice);
        click(&mut harness, "Terapkan");
        wait_for_text(&mut harness, "Tidak ada yang cocok dengan filter ini.");
        assert!(!shows(&harness, "B 77 OK"), "{choice}: nothing listed");
        // The next choice must land on a fresh list, not on this one's text.
        choose_alert(&mut harness, "Tanpa filter");
        click(&mut harness, "Terapkan");
        wait_for_text(&mut harness, "3 kunjungan · halaman 1 dari 1");
    }
}

/// The control labelled `label` lies inside a window of `size` and left of the simulation panel,
/// once its scroll area (if any) brought it into view: on screen, or the page scrolls to it.
fn reachable(harness: &mut Harness<'_, ConsoleApp>, label: &str, size: [f32; 2]) -> bool {
    step_until(harness, label, |h| h.query_all_by_label(label).next().is_some());
    if let Some(node) = harness.query_all_by_label(label).next() {
        node.scroll_to_me();
    }
    // The scroll area glides there.
    for _ in 0..40 {
        harness.step();
    }
    // The simulation panel covers the window's right side: a control under it is not seen.
    let right = harness.query_all_by_label("Simulasi").map(|n| n.rect().min.x).fold(size[0], f32::min);
    harness.query_all_by_label(label).any(|node| {
        let rect = node.rect();
        let inside = rect.min.x >= 0.0 && rect.min.y >= 0.0 && rect.max.x <= right && rect.max.y <= size[1];
        if !inside {
            eprintln!("{label:?} at {rect:?} is outside {size:?} left of {right}");
        }
        inside
    })
}

/// Every admin screen at 1366×768, as a booth PC shows it with the simulation panel open: each
/// screen's primary action is on screen or its page scrolls to it.
#[test]
fn at_1366x768_every_admin_screen_keeps_its_primary_action_reachable() {
    let site = Site::new();
    site.add_users();
    let normal = normal_traffic(&site);
    let mut harness = admin_console(&site, SMALL_SCREEN);
    let mut failed = Vec::new();
    for (page, actions) in [
        ("Dasbor", &["Muat ulang"][..]),
        ("Transaksi", &["Terapkan", "Atur ulang"][..]),
        ("Statistik", &["Excel", "Muat ulang"][..]),
        ("Shift", &["Tampilkan"][..]),
        ("Pembukuan", &["Tampilkan"][..]),
        ("Pengguna", &["Buat pengguna"][..]),
        ("Tarif", &["Simpan tarif"][..]),
        ("Member", &["Simpan member"][..]),
        ("Log audit", &["Terapkan"][..]),
        ("Jurnal offline", &["Sinkronkan sekarang"][..]),
        ("Pengaturan lokasi", &["Simpan pengaturan", "Hitung"][..]),
    ] {
        click(&mut harness, page);
        for action in actions {
            if !reachable(&mut harness, action, SMALL_SCREEN) {
                failed.push(format!("{page}: {action}"));
            }
        }
    }
    // A visit's detail, still inside: the way back and the forced close.
    click(&mut harness, "Transaksi");
    click(&mut harness, &normal[2].ticket_no);
    for action in ["‹ Kembali ke daftar", "Tutup kunjungan"] {
        if !reachable(&mut harness, action, SMALL_SCREEN) {
            failed.push(format!("detail: {action}"));
        }
    }
    drop(harness);

    let mut hq = site.console_with(site.context(Mode::Hq, "HQ1"), SMALL_SCREEN);
    login_to_work(&mut hq, "dewi");
    click(&mut hq, "Transaksi");
    if !reachable(&mut hq, "Terapkan", SMALL_SCREEN) {
        failed.push("HQ Transaksi: Terapkan".into());
    }
    for (page, new) in [("Tarif", "Versi tarif baru"), ("Member", "Kartu baru")] {
        click(&mut hq, page);
        for action in [new, "Simpan"] {
            if !reachable(&mut hq, action, SMALL_SCREEN) {
                failed.push(format!("HQ {page}: {action}"));
            }
            if action == new {
                click(&mut hq, new);
            }
        }
    }
    assert!(failed.is_empty(), "out of reach at 1366×768: {failed:?}");
}
