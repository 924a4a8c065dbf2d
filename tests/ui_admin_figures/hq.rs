//! The HQ console (`--mode hq`) over a database holding two sites' rows: the sites overview with
//! each site's own figures and totals, a site opened from it, the per-site booth column in
//! Transactions, and the site screens HQ must not write hidden.

use super::*;
use gardu::store::Site as SiteRecord;

const JKT: &str = "JKT-01";
const BDG: &str = "BDG-01";

fn at_site(site: &str, n: u128, time: DateTime<Utc>) -> (Entry, Exit) {
    let mut e = entry(n, "MBL", time);
    e.site = site.into();
    let mut x = exit(n, "MBL", time, 40, PaymentMethod::Cash, None);
    x.site = site.into();
    (e, x)
}

/// Jakarta: two cars came and left today (Rp 5.000 each) and one is inside; capacity 10.
/// Bandung: one car came and left (Rp 5.000); its only booth went silent ten minutes ago.
fn seed_two_sites(site: &Site) -> Arc<dyn Store> {
    let store = site.context(Mode::Hq, "HQ1").open_store().expect("store");
    for (code, name, capacity) in [(JKT, "Mall Jakarta", Some(10)), (BDG, "RS Bandung", None)] {
        let record = SiteRecord {
            code: code.into(),
            name: name.into(),
            location: String::new(),
            region: String::new(),
            timezone: "Asia/Jakarta".into(),
            capacity,
            receipt_header: String::new(),
            receipt_footer: String::new(),
        };
        store.ensure_site(&record).expect("site");
    }
    let now = gardu::clock::Clock::now(site.clock.as_ref());
    for (code, n, minutes_ago) in [(JKT, 1, 120), (JKT, 2, 90), (BDG, 3, 100)] {
        let (e, x) = at_site(code, n, now - Duration::minutes(minutes_ago));
        store.record_entry(&e).expect("entry");
        store.record_exit(&x).expect("exit");
    }
    let (inside, _) = at_site(JKT, 4, now - Duration::minutes(5));
    store.record_entry(&inside).expect("entry");
    for (code, booth, seen_s) in [(JKT, "IN1", 10), (BDG, "IN1", 600)] {
        let status = BoothStatus {
            site: code.into(),
            booth: booth.into(),
            mode: "entry".into(),
            operator: None,
            seen_at: now - Duration::seconds(seen_s),
            simulated: false,
            journal_waiting: 0,
            journal_rejected: 0,
            faults: Vec::new(),
            version: "test".into(),
        };
        store.save_booth_status(&status).expect("status");
    }
    store
}

#[test]
fn hq_sees_every_site_and_opens_one() {
    let site = Site::new();
    site.add_users();
    seed_two_sites(&site);
    let mut harness = site.console(Mode::Hq, "HQ1");
    login_to_work(&mut harness, "dewi");
    wait_for_text(&mut harness, "Mall Jakarta");
    step_until(&mut harness, "both sites listed", |h| shows(h, "RS Bandung"));

    // Totals over both sites, then each site's line in its own day.
    assert_eq!(after(&harness, "Pendapatan hari ini", 1), ["Rp 15.000"]);
    assert_eq!(after(&harness, "Masuk hari ini", 1), ["4"]);
    assert_eq!(after(&harness, "Mall Jakarta", 4), ["Rp 10.000", "3", "1 / 10 (10%)", "1 melapor"]);
    assert_eq!(after(&harness, "RS Bandung", 4), ["Rp 5.000", "1", "0", "Diam: IN1"]);
    assert!(shows(&harness, "08:04:50 (10 s lalu)"), "Jakarta's data is as of its last heartbeat");
    // HQ's own site record is not a site in the overview: two sites, two "open" buttons.
    assert_eq!(harness.query_all_by_label("Buka").count(), 2);
    // A site's settings and journals are the site's own.
    for hidden in ["Pengaturan lokasi", "Jurnal offline"] {
        assert!(!shows(&harness, hidden), "{hidden} is not an HQ screen");
    }
    // HQ's members are HQ's master data, kept in HQ's PostgreSQL, never a site's rows.
    click(&mut harness, "Member");
    wait_for_text(&mut harness, "Data induk HQ ada di database PostgreSQL HQ; konsol ini memakai SQLite.");

    // Transactions over every site name the site with the booth.
    click(&mut harness, "Transaksi");
    step_until(&mut harness, "visits of both sites", |h| {
        shows(h, "JKT-01 · IN1") && shows(h, "BDG-01 · IN1")
    });

    // Statistics works on one site: it asks which, then shows that site.
    click(&mut harness, "Statistik");
    wait_for_text(&mut harness, "Layar ini menampilkan satu lokasi. Pilih lokasi:");
    click(&mut harness, "BDG-01 · RS Bandung");
    step_until(&mut harness, "Bandung's statistics", |h| {
        !shows(h, "Layar ini menampilkan satu lokasi. Pilih lokasi:")
    });

    // Back on the dashboard with Bandung chosen: the site's own dashboard, its one visit.
    click(&mut harness, "Dasbor");
    wait_for_text(&mut harness, "Di dalam sekarang");
    assert_eq!(after(&harness, "Pendapatan hari ini", 1), ["Rp 5.000"]);
}
