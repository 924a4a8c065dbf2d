//! Many sites over PostgreSQL logical replication, end to end on three real clusters (two
//! sites with `wal_level = logical` and HQ): `gardu sim traffic` at each site arrives at HQ
//! exactly once, through an HQ restart, a cut link, a purge at a site, a site migrated before
//! HQ and a lost slot; members issued at HQ are valid at the sites' exit lanes, offline too.
//!
//! One scenario, in order, because three clusters are costly to start on a shared machine;
//! each step is a function named for what it proves.

mod common;
#[path = "hq_postgres/support.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use gardu::clock::ManualClock;
use gardu::config::{DatabaseLocation, Language};
use gardu::devices::camera::{PhotoSettings, SimulatedCamera};
use gardu::devices::input::CardUid;
use gardu::devices::printer::{Paper, SimulatedPrinter};
use gardu::devices::sim::SimBarrier;
use gardu::domain::ClassCode;
use gardu::hq::{self, HqMember, HqTariff, Scope};
use gardu::journal::Journal;
use gardu::lane::exit::{ExitDevices, ExitLane};
use gardu::lane::ledger::BoothLedger;
use gardu::lane::{Connectivity, LaneContext, RandomIds, SiteInfo};
use gardu::secret::SiteSecret;
use gardu::store::cache::{CacheSettings, open_booth};
use gardu::store::postgres::{PostgresOptions, PostgresStore};
use gardu::store::{Entry, Member, OpenOptions, Origin, Store};
use uuid::Uuid;

use support::{DEADLINE, KEYED, Node, Purged, ids, status, text, wait_status, wait_synced};

const SITE_A: &str = "JKT-MALL-01";
const SITE_B: &str = "BDG-RSUD-02";
const HQ: &str = "HQ-PUSAT-01";

/// Vehicles per traffic run; `GARDU_HQ_TEST_VEHICLES` for a longer run.
fn vehicles() -> u32 {
    std::env::var("GARDU_HQ_TEST_VEHICLES").ok().and_then(|v| v.parse().ok()).unwrap_or(6)
}

#[test]
fn many_sites_replicate_to_hq_and_hq_master_data_reaches_the_sites() {
    let hq = Node::start(HQ);
    let a = Node::start(SITE_A);
    let b = Node::start(SITE_B);
    let mut purged_a = Purged::default();

    connect_everything(&hq, &a, &b);
    traffic_arrives_exactly_once(&hq, &a, &b);
    hq_down_catches_up(&hq, &a, &b);
    cut_link_catches_up(&hq, &a);
    hq_members_are_valid_at_the_exit_lanes(&hq, &a, &b);
    site_migrated_first_shows_the_fix(&hq, &a, &purged_a);
    purge_at_a_site_keeps_hq_history(&hq, &a, &mut purged_a);
    lost_slot_is_recovered_by_resync(&hq, &b);
    wait_synced(&a, &hq, &purged_a, "at the end");
}

fn connect_everything(hq: &Node, a: &Node, b: &Node) {
    let migrated: serde_json::Value =
        serde_json::from_str(&hq.gardu_ok(&["hq", "migrate", "--json"])).unwrap();
    assert_eq!(migrated["publish"]["settings"]["wal_level"], "logical", "{migrated}");
    assert_eq!(migrated["publish"]["role_created"], true, "{migrated}");
    assert!(migrated["password"].as_str().is_some_and(|p| p.len() >= 24), "a new role gets a password once");
    for site in [a, b] {
        let out = site.gardu_ok(&["replication", "publish", "--hq-url", &hq.replication_url(), "--json"]);
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["ready"], true, "{report}");
        assert_eq!(report["subscribed_to_hq"], true, "{report}");
        assert_eq!(report["publications"], serde_json::json!(["gardu_site", "gardu_site_log"]));
        // Publishing again changes nothing and shows no password.
        let again: serde_json::Value =
            serde_json::from_str(&site.gardu_ok(&["replication", "publish", "--json"])).unwrap();
        assert_eq!(again["role_created"], false);
        assert!(again["password"].is_null());
        hq.gardu_ok(&["hq", "add-site", site.code, "--url", &site.replication_url()]);
    }
    let again = hq.gardu(&["hq", "add-site", SITE_A, "--url", &a.replication_url()]);
    assert!(!again.status.success() && text(&again).contains("already"), "{}", text(&again));
    // A site added under the wrong code is refused before anything is made.
    let wrong = hq.gardu(&["hq", "add-site", "SBY-PASAR-03", "--url", &a.replication_url()]);
    assert!(!wrong.status.success() && text(&wrong).contains(SITE_A), "{}", text(&wrong));
}

fn traffic_arrives_exactly_once(hq: &Node, a: &Node, b: &Node) {
    a.traffic(vehicles(), 1);
    b.traffic(vehicles(), 2);
    wait_synced(a, hq, &Purged::default(), "first traffic");
    wait_synced(b, hq, &Purged::default(), "first traffic");
    let link = wait_status(hq, SITE_A, "streaming and caught up", |l| {
        l["state"] == "streaming" && l["caught_up"] == true
    });
    for key in [
        "site",
        "state",
        "caught_up",
        "lag_bytes",
        "last_message_age_s",
        "error",
        "fix",
        "wal_status",
        "retained_bytes",
    ] {
        assert!(link.get(key).is_some(), "hq status --json has {key}: {link}");
    }
    assert!(link["error"].is_null(), "{link}");
    assert_eq!(link["wal_status"], "reserved", "{link}");
    // Each site's rows carry its own code; neither site's rows reached the other site.
    let mut client = a.client();
    assert!(ids(&mut client, "entries", "id", SITE_B).is_empty());
    // HQ's members of both sites are apart, each keyed by its site.
    let mut hq_client = hq.client();
    let sites: i64 = hq_client
        .query_one("SELECT count(*) FROM sites WHERE code IN ($1, $2)", &[&SITE_A, &SITE_B])
        .unwrap()
        .get(0);
    assert_eq!(sites, 2);
}

fn hq_down_catches_up(hq: &Node, a: &Node, b: &Node) {
    hq.server.stop_hard();
    a.traffic(vehicles(), 3);
    b.traffic(vehicles(), 4);
    hq.server.start_again();
    wait_synced(a, hq, &Purged::default(), "HQ restarted");
    wait_synced(b, hq, &Purged::default(), "HQ restarted");
}

fn cut_link_catches_up(hq: &Node, a: &Node) {
    let hba = a.server.hba();
    a.server.set_hba(&format!("host all gardu_replication 127.0.0.1/32 reject\n{hba}"));
    let mut site = a.client();
    site.batch_execute("SELECT pg_terminate_backend(pid) FROM pg_stat_replication").unwrap();
    let before = ids(&mut hq.client(), "entries", "id", SITE_A).len();
    a.traffic(vehicles(), 5);
    let link = wait_status(hq, SITE_A, "unreachable", |l| l["state"] == "unreachable");
    assert!(link["fix"].as_str().is_some_and(|f| f.contains("catches up")), "{link}");
    assert_eq!(ids(&mut hq.client(), "entries", "id", SITE_A).len(), before, "nothing crosses a cut link");
    a.server.set_hba(&hba);
    wait_synced(a, hq, &Purged::default(), "link back");
}

fn purge_at_a_site_keeps_hq_history(hq: &Node, a: &Node, purged: &mut Purged) {
    let mut site = a.client();
    let oldest: Vec<Uuid> = site
        .query("SELECT id FROM entries ORDER BY entry_time LIMIT $1", &[&i64::from(vehicles())])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    for (table, key) in KEYED {
        let column = if *table == "exits" { "entry_id" } else { key };
        let gone: Vec<Uuid> = site
            .query(&format!("DELETE FROM {table} WHERE {column} = ANY($1) RETURNING {key}"), &[&oldest])
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
        purged.keys.entry(table).or_default().extend(gone);
    }
    assert_eq!(purged.keys["entries"].len(), oldest.len());
    // The purge is audited; once that line is at HQ, so is everything before it.
    site.execute(
        "INSERT INTO audit_log (time, site_code, booth, action, detail) VALUES (now(), $1, 'ADM', 'purge', '{}')",
        &[&SITE_A],
    )
    .unwrap();
    wait_synced(a, hq, purged, "after a purge at the site");
    let mut hq_client = hq.client();
    for id in &purged.keys["entries"] {
        let held: i64 =
            hq_client.query_one("SELECT count(*) FROM entries WHERE id = $1", &[id]).unwrap().get(0);
        assert_eq!(held, 1, "HQ keeps the purged entry {id}");
    }
}

/// The exit lane of a booth over `store` at `site`.
fn exit_lane(store: Arc<dyn Store>, site: &Node, clock: Arc<ManualClock>) -> ExitLane {
    let dir = site.path("member-booth");
    let ctx = LaneContext {
        store,
        journal: Journal::new(dir.join("offline_data"), dir.join("Images"), "OUT9"),
        clock: clock.clone(),
        ids: Arc::new(RandomIds),
        secret: SiteSecret::from_bytes([42; 32]),
        site: SiteInfo {
            code: site.code.into(),
            name: site.code.into(),
            tz: chrono_tz::Asia::Jakarta,
            capacity: None,
            header_lines: vec![],
            footer_lines: vec![],
        },
        booth: "OUT9".into(),
        language: Language::Indonesian,
        connectivity: Connectivity::default(),
        camera_timeout: Duration::from_millis(2_000),
        ledger: Arc::new(BoothLedger::open(&dir.join("data/ledger-OUT9.db")).unwrap()),
        simulated: false,
    };
    let camera = Arc::new(SimulatedCamera::new(
        "OUT9",
        chrono_tz::Asia::Jakarta,
        PhotoSettings { max_width: 320, jpeg_quality: 60 },
        Duration::ZERO,
        Duration::from_millis(2_000),
        clock.clone(),
    ));
    let devices = ExitDevices {
        camera,
        printer: Arc::new(SimulatedPrinter::new(Paper::Mm58, Duration::ZERO, clock)),
        barrier: Arc::new(SimBarrier::start("exit-barrier", 0, None).unwrap()),
    };
    ExitLane::new(ctx, devices)
}

/// A vehicle that entered `site` with `card` an hour before `clock`.
fn member_entry(site: &str, card: &CardUid, clock: &ManualClock, n: u32) -> Entry {
    let time = gardu::clock::Clock::now(clock) - chrono::Duration::hours(1);
    Entry {
        id: Uuid::new_v4(),
        site: site.into(),
        booth: "IN9".into(),
        ticket_no: format!("IN9-{}-{n:04}", time.format("%y%m%d")),
        ticket_code: format!("G1.{site}.IN9.{n}.member"),
        plate: Some(format!("B {n} HQ")),
        class: ClassCode::parse("MBL").unwrap(),
        card_uid: Some(card.as_str().to_string()),
        entry_time: time,
        operator: Some("guard1".into()),
        photo_id: None,
        origin: Origin::Online,
        simulated: false,
        plate_read: None,
        plate_confidence: None,
        plate_source: gardu::plate::PlateSource::Typed,
    }
}

fn hq_members_are_valid_at_the_exit_lanes(hq: &Node, a: &Node, b: &Node) {
    // Whole seconds: PostgreSQL keeps microseconds, and the saved rows are compared whole.
    let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 0);
    let both = CardUid::from_u32(0xC0FF_EE01);
    let only_a = CardUid::from_u32(0xC0FF_EE02);
    let valid_until = chrono::NaiveDate::from_ymd_opt(now.year() + 1, 12, 31).unwrap();
    let mut hq_client = hq.client();
    for (card, name, scope) in [
        (&both, "Sari Kantor Pusat", Scope::Sites(vec![SITE_A.into(), SITE_B.into()])),
        (&only_a, "Dewi Mall", Scope::Sites(vec![SITE_A.into()])),
    ] {
        let member = HqMember {
            card_uid: card.as_str().into(),
            name: name.into(),
            plate: None,
            class: ClassCode::parse("MBL").unwrap(),
            valid_until,
            active: true,
            scope,
            updated_at: now,
            updated_by: "admin".into(),
        };
        hq::save_member(&mut hq_client, &member).unwrap();
    }
    assert_eq!(hq::list_members(&mut hq_client, "").unwrap().len(), 2);
    let options = |node: &Node| PostgresOptions::new(node.url.clone(), Duration::from_secs(3));
    let store_a = PostgresStore::connect(&options(a)).unwrap();
    let store_b = PostgresStore::connect(&options(b)).unwrap();

    // Both sites issue the same card number to different people: HQ keeps both, by site.
    for (store, name) in [(&store_a, "Budi di Jakarta"), (&store_b, "Budi di Bandung")] {
        let card = Member {
            card_uid: "0000CAFE".into(),
            name: name.into(),
            plate: None,
            class: ClassCode::parse("MTR").unwrap(),
            valid_until,
            active: true,
            simulated: false,
        };
        store.save_member(&card).unwrap();
    }
    let until = Instant::now() + DEADLINE;
    let held = |client: &mut postgres::Client| -> Vec<(String, String)> {
        client
            .query(
                "SELECT site_code, name FROM site_members WHERE card_uid = '0000CAFE' ORDER BY site_code",
                &[],
            )
            .unwrap()
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect()
    };
    while held(&mut hq_client).len() < 2 {
        assert!(Instant::now() < until, "the sites' members never reached HQ: {:?}", held(&mut hq_client));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        held(&mut hq_client),
        [
            (SITE_B.to_string(), "Budi di Bandung".to_string()),
            (SITE_A.to_string(), "Budi di Jakarta".to_string())
        ]
    );
    while store_a.member_by_card(only_a.as_str()).unwrap().is_none()
        || store_b.member_by_card(both.as_str()).unwrap().is_none()
    {
        assert!(Instant::now() < until, "HQ's members never reached the sites");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        store_b.member_by_card(only_a.as_str()).unwrap(),
        None,
        "a card scoped to A is not valid at B"
    );

    // A tariff version HQ defines for site A applies there from its start, not at site B.
    let mbl = ClassCode::parse("MBL").unwrap();
    let mut tariff = gardu::domain::tariff::default_tariffs().into_iter().find(|t| t.class == mbl).unwrap();
    tariff.first_fee = gardu::domain::Rupiah(6_500);
    let version = HqTariff {
        id: Uuid::new_v4(),
        tariff: tariff.clone(),
        effective_from: now - chrono::Duration::minutes(5),
        scope: Scope::Sites(vec![SITE_A.into()]),
        created_by: "admin".into(),
        created_at: now,
    };
    hq::add_tariff(&mut hq_client, &version).unwrap();
    assert_eq!(hq::list_tariffs(&mut hq_client).unwrap(), vec![version]);
    while store_a.tariff_at(SITE_A, &mbl, now).unwrap().map(|t| t.first_fee) != Some(tariff.first_fee) {
        assert!(Instant::now() < until, "HQ's tariff never reached site A");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_ne!(store_b.tariff_at(SITE_B, &mbl, now).unwrap().map(|t| t.first_fee), Some(tariff.first_fee));

    // Both sites' exit lanes know the card: the quote names the member.
    let clock = Arc::new(ManualClock::new(now));
    for (n, (node, store)) in [(a, &store_a), (b, &store_b)].into_iter().enumerate() {
        store.record_entry(&member_entry(node.code, &both, &clock, n as u32 + 1)).unwrap();
        let mut lane =
            exit_lane(Arc::new(PostgresStore::connect(&options(node)).unwrap()), node, clock.clone());
        let quote = lane.card(&both).unwrap();
        assert_eq!(quote.member.map(|m| m.name), Some("Sari Kantor Pusat".to_string()), "at {}", node.code);
        lane.cancel();
    }

    // Through the booth cache while site A's database is down.
    store_a.record_entry(&member_entry(SITE_A, &only_a, &clock, 7)).unwrap();
    let location = DatabaseLocation::Postgres(a.url.clone());
    let open = OpenOptions { timeout: Duration::from_secs(3) };
    let settings = || CacheSettings::new(a.path("member-booth/data/booth-cache.db"), SITE_A);
    let booth = open_booth(&location, &open, settings(), clock.clone()).unwrap();
    booth.cache.as_ref().unwrap().refresh().unwrap();
    drop(booth);
    a.server.stop_hard();
    let booth = open_booth(&location, &open, settings(), clock.clone()).unwrap();
    assert!(booth.serving_from_cache(), "the booth works from its cache");
    assert_eq!(
        booth.store.member_by_card(only_a.as_str()).unwrap().map(|m| m.name),
        Some("Dewi Mall".into())
    );
    assert_eq!(
        booth.store.tariff_at(SITE_A, &mbl, now).unwrap().map(|t| t.first_fee),
        Some(tariff.first_fee),
        "HQ's tariff offline, from the cache"
    );
    let mut lane = exit_lane(booth.store.clone(), a, clock.clone());
    let quote = lane.card(&only_a).unwrap();
    assert_eq!(quote.member.map(|m| m.name), Some("Dewi Mall".to_string()), "offline, from the cache");
    lane.cancel();
    drop(lane);
    drop(booth);
    a.server.start_again();
}

fn site_migrated_first_shows_the_fix(hq: &Node, a: &Node, purged: &Purged) {
    // What a newer Gardu's migration does at the site before HQ has it.
    let future = "ALTER TABLE entries ADD COLUMN lane_note TEXT";
    a.client().batch_execute(future).unwrap();
    a.traffic(vehicles(), 8);
    let link = wait_status(hq, SITE_A, "an error", |l| l["state"] == "error");
    assert!(link["error"].as_str().is_some_and(|e| e.contains("entries.lane_note")), "{link}");
    assert!(link["fix"].as_str().is_some_and(|f| f.contains("gardu hq migrate")), "{link}");
    // Site B is not held up by site A.
    assert_eq!(
        status(hq).iter().find(|l| l["site"] == SITE_B).map(|l| l["state"].clone()),
        Some("streaming".into())
    );
    // HQ gets the newer schema (as the newer release's migration would), then `hq migrate`.
    hq.client().batch_execute(future).unwrap();
    let migrated: serde_json::Value =
        serde_json::from_str(&hq.gardu_ok(&["hq", "migrate", "--json"])).unwrap();
    assert_eq!(migrated["publish"]["settings"]["wal_level"], "logical", "{migrated}");
    wait_synced(a, hq, purged, "after hq migrate");
    wait_status(hq, SITE_A, "streaming again", |l| l["state"] == "streaming");
}

fn lost_slot_is_recovered_by_resync(hq: &Node, b: &Node) {
    let slot = hq::subscription_name(SITE_B);
    let mut site = b.client();
    let until = Instant::now() + DEADLINE;
    loop {
        site.execute(
            "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL",
            &[&slot],
        )
        .unwrap();
        if site.execute("SELECT pg_drop_replication_slot($1)", &[&slot]).is_ok() {
            break;
        }
        assert!(Instant::now() < until, "could not drop HQ's slot at site B");
        std::thread::sleep(Duration::from_millis(20));
    }
    b.traffic(vehicles(), 9);
    let link = wait_status(hq, SITE_B, "an error", |l| l["state"] == "error");
    assert!(link["fix"].as_str().is_some_and(|f| f.contains("resync-site")), "{link}");
    hq.gardu_ok(&["hq", "resync-site", SITE_B]);
    wait_synced(b, hq, &Purged::default(), "after resync-site");
    wait_status(hq, SITE_B, "streaming again", |l| l["state"] == "streaming");
    // And it keeps following the site.
    b.traffic(vehicles(), 10);
    wait_synced(b, hq, &Purged::default(), "traffic after resync-site");
}
