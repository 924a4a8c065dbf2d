//! The booth cache: a booth started while its server is down logs a guard in from the cache,
//! shows a cached entry photo and issues tickets into the journal; back online, the replay
//! brings the login's audit line and the tickets in, and the cache follows the server.

use std::sync::Arc;
use std::time::Duration;

use gardu::auth::{self, AuditContext, Hasher, LoginError, NewUser};
use gardu::clock::ManualClock;
use gardu::config::DatabaseLocation;
use gardu::devices::input::InputEvent;
use gardu::domain::{ClassCode, Plate};
use gardu::journal::replay;
use gardu::lane::Connectivity;
use gardu::lane::entry::EntryTrigger;
use gardu::store::cache::{CacheSettings, CachedStore, open_booth};
use gardu::store::postgres::{PostgresOptions, PostgresStore};
use gardu::store::{AuditFilter, EntryLookup, OpenOptions, PaymentMethod, Photo, PhotoKind, Role, Store};
use uuid::Uuid;

use crate::booth::{context, entry_lane, journal};
use crate::common::fixtures::{SITE, at, entry, exit_of, site};
use crate::common::pg::{Durability, PgServer, shared};

fn audit_context() -> AuditContext {
    AuditContext { site: SITE.into(), booth: "IN1".into() }
}

fn new_guard(store: &dyn Store, clock: &ManualClock) {
    let guard =
        NewUser { username: "guard1", full_name: "Budi Penjaga", role: Role::Guard, password: "rahasia123" };
    auth::create_user(store, clock, &Hasher::for_tests(), &audit_context(), &guard, "admin").unwrap();
}

#[test]
fn a_booth_started_with_the_server_down_logs_in_and_issues_tickets() {
    let server = PgServer::start(Durability::Fast);
    let url = server.create_database();
    let clock = Arc::new(ManualClock::new(at(2026, 11, 23, 1, 0)));
    let dir = tempfile::tempdir().unwrap();
    let settings = || {
        let mut settings = CacheSettings::new(dir.path().join("data/booth-cache.db"), SITE);
        settings.audit_journal = Some(std::sync::Arc::new(journal(dir.path(), "IN1")));
        settings
    };
    let location = DatabaseLocation::Postgres(url.clone());
    let options = OpenOptions { timeout: Duration::from_secs(3) };

    // A day online: the site, a guard, a vehicle inside with its entry photo.
    let remote = PostgresStore::connect(&PostgresOptions::new(url.clone(), Duration::from_secs(3))).unwrap();
    remote.ensure_site(&site(SITE)).unwrap();
    new_guard(&remote, &clock);
    let photo = Photo {
        id: Uuid::from_u128(0xA1),
        kind: PhotoKind::Entry,
        taken_at: at(2026, 11, 23, 0, 30),
        jpeg: vec![0xFF, 0xD8, 7, 0xFF, 0xD9],
    };
    remote.put_photo(&photo).unwrap();
    let mut parked = entry(1, at(2026, 11, 23, 0, 30), Some("B 77 CC"), "MBL");
    parked.photo_id = Some(photo.id);
    remote.record_entry(&parked).unwrap();
    let booth = open_booth(&location, &options, settings(), clock.clone()).unwrap();
    assert!(!booth.serving_from_cache());
    drop(booth);

    // The next morning the server is down when the booth starts.
    server.stop_hard();
    let booth = open_booth(&location, &options, settings(), clock.clone()).unwrap();
    assert!(booth.serving_from_cache(), "the booth says it works from its cache");
    let store = booth.store.clone();
    let user =
        auth::login(store.as_ref(), clock.as_ref(), &audit_context(), "Guard1", "rahasia123", &[Role::Guard])
            .unwrap();
    assert_eq!(user.full_name, "Budi Penjaga");
    // A wrong password still counts towards the lock, in the cached account.
    let wrong = auth::login(
        store.as_ref(),
        clock.as_ref(),
        &audit_context(),
        "guard1",
        "salah-salah",
        &[Role::Guard],
    );
    assert_eq!(wrong.unwrap_err(), LoginError::WrongPassword { attempts_left: 4 });
    assert_eq!(
        booth.cache.as_ref().unwrap().cache().user_by_username("guard1").unwrap().unwrap().failed_attempts,
        1
    );
    // The cashier still sees the parked vehicle with its entry photo.
    let visit =
        store.find_visit(SITE, &EntryLookup::TicketCode(parked.ticket_code.clone())).unwrap().unwrap();
    assert_eq!(visit.entry, parked);
    assert_eq!(store.photo(photo.id).unwrap(), Some(photo));

    // The guard issues tickets: the entry lane runs over the cached store into the journal.
    let ctx = context(store.clone(), dir.path(), "IN1", clock.clone(), Connectivity::default());
    let (mut lane, camera) = entry_lane(ctx);
    assert_eq!(lane.classes().len(), 3, "vehicle classes from the cache");
    let mut issued = Vec::new();
    for n in 0..3 {
        clock.advance(chrono::Duration::minutes(2));
        let plate = Plate::normalise(&format!("B {} OFF", 10 + n)).unwrap();
        camera.set_vehicle(Some(plate.to_string()));
        lane.handle(&InputEvent::LoopOccupied { loop_id: 1 });
        let ticket = lane
            .trigger(EntryTrigger::Guard { class: ClassCode::parse("MTR").unwrap(), plate: Some(plate) })
            .unwrap();
        assert!(ticket.persisted.journaled() && ticket.printed && ticket.barrier_opened);
        issued.push(ticket.entry);
        lane.handle(&InputEvent::LoopCleared { loop_id: 1 });
    }
    let numbers: Vec<&str> = issued.iter().map(|e| e.ticket_no.as_str()).collect();
    assert_eq!(numbers, ["IN1-261123-0001", "IN1-261123-0002", "IN1-261123-0003"]);
    // Two audit lines (login, failed login) and three tickets wait in the journal.
    assert_eq!(journal(dir.path(), "IN1").pending_count(), 5);

    // Back online: the replay brings everything in.
    server.start_again();
    store.ping().unwrap();
    let summary =
        replay::replay(&journal(dir.path(), "SYNC"), store.as_ref(), clock.as_ref(), false, &mut |_| {})
            .unwrap();
    assert_eq!((summary.synced, summary.failed, summary.rejected), (5, 0, 0), "{summary:?}");
    for e in &issued {
        assert_eq!(remote.find_visit(SITE, &EntryLookup::Id(e.id)).unwrap().map(|v| v.entry.id), Some(e.id));
    }
    let logins = remote
        .list_audit(&AuditFilter { username: Some("guard1".into()), ..AuditFilter::default() })
        .unwrap();
    let actions: Vec<&str> = logins.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"login") && actions.contains(&"login_failed"), "{actions:?}");
    assert!(store.site(SITE).unwrap().is_some());
    assert!(!booth.serving_from_cache(), "reads come from the server again");
}

#[test]
fn the_cache_follows_the_server_and_a_first_start_needs_it() {
    let url = shared().create_database();
    let clock = Arc::new(ManualClock::new(at(2026, 11, 23, 8, 0)));
    let dir = tempfile::tempdir().unwrap();
    let settings = CacheSettings::new(dir.path().join("booth-cache.db"), SITE);
    let remote: Arc<dyn Store> =
        Arc::new(PostgresStore::connect(&PostgresOptions::new(url, Duration::from_secs(3))).unwrap());
    remote.ensure_site(&site(SITE)).unwrap();
    new_guard(remote.as_ref(), &clock);
    let inside: Vec<_> = (1..=4).map(|n| entry(n, at(2026, 11, 23, 7, n as u32), None, "MTR")).collect();
    remote.record_entries(&inside);
    let old = entry(9, at(2026, 11, 1, 7, 0), None, "MTR"); // parked for weeks: not "recent"
    remote.record_entry(&old).unwrap();
    let cached = CachedStore::open(remote.clone(), settings.clone(), clock.clone()).unwrap();
    let cache = cached.cache();
    assert_eq!(cache.inside_count(SITE, false).unwrap(), 4);
    assert_eq!(cache.tariff_versions(SITE).unwrap().len(), 3);
    assert!(
        cache.user_by_username("guard1").unwrap().is_some_and(|u| u.password_hash.starts_with("$argon2id$"))
    );

    // Two leave and a member card is added: the next refresh follows.
    remote.record_exits(&[
        exit_of(&inside[0], at(2026, 11, 23, 8, 30), PaymentMethod::Cash),
        exit_of(&inside[1], at(2026, 11, 23, 8, 31), PaymentMethod::Qris),
    ]);
    let member = gardu::store::Member {
        card_uid: "0A1B2C3D".into(),
        name: "Dewi".into(),
        plate: None,
        class: ClassCode::parse("MBL").unwrap(),
        valid_until: chrono::NaiveDate::from_ymd_opt(2027, 1, 31).unwrap(),
        active: true,
        simulated: false,
    };
    remote.save_member(&member).unwrap();
    let report = cached.refresh().unwrap();
    assert_eq!((report.open_entries, report.entries_dropped, report.members), (2, 2, 1), "{report:?}");
    assert_eq!(cache.inside_count(SITE, false).unwrap(), 2);
    assert_eq!(cache.member_by_card("0a1b2c3d").unwrap(), Some(member));
    assert!(cache.find_visit(SITE, &EntryLookup::Id(inside[0].id)).unwrap().is_none());
    drop(cached);

    // A booth that never reached its server has nothing to start from.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let nowhere = DatabaseLocation::Postgres(format!("postgres://postgres@127.0.0.1:{port}/gardu"));
    let fresh = CacheSettings::new(dir.path().join("other-cache.db"), SITE);
    let err = open_booth(&nowhere, &OpenOptions::default(), fresh, clock.clone()).unwrap_err();
    assert!(err.goes_to_journal() && err.to_string().contains("no offline cache"), "{err}");
}

/// Case 8 of the books: an exit booth that is offline prices with the booth cache's current
/// tariffs (as last refreshed), not with the list it loaded when its lane started.
#[test]
fn an_offline_exit_prices_with_the_cache_tariffs_as_refreshed() {
    use gardu::domain::Rupiah;
    use gardu::domain::tariff::default_tariffs;
    use gardu::store::TariffVersion;

    let server = PgServer::start(Durability::Fast);
    let url = server.create_database();
    let t0 = at(2026, 11, 23, 1, 0);
    let clock = Arc::new(ManualClock::new(t0));
    let dir = tempfile::tempdir().unwrap();
    let location = DatabaseLocation::Postgres(url.clone());
    let options = OpenOptions { timeout: Duration::from_secs(3) };
    let remote = PostgresStore::connect(&PostgresOptions::new(url.clone(), Duration::from_secs(3))).unwrap();
    remote.ensure_site(&site(SITE)).unwrap();
    let booth = open_booth(
        &location,
        &options,
        CacheSettings::new(dir.path().join("data/booth-cache.db"), SITE),
        clock.clone(),
    )
    .unwrap();
    let connectivity = Connectivity::default();
    let exit_ctx = context(booth.store.clone(), dir.path(), "OUT1", clock.clone(), connectivity.clone());
    let mut exit = crate::booth::exit_lane(exit_ctx.clone());
    let (open, _) = gardu::lane::shift::open_shift(&exit_ctx, "kasir1", Rupiah(100_000)).unwrap();
    exit.set_operator(Some("kasir1".into()), "Kasir".into(), Some(open));

    // After the lane started, the admin raises the car tariff from now on; the cache refreshes.
    let mut car = default_tariffs().into_iter().find(|t| t.class.as_str() == "MBL").unwrap();
    car.first_fee = Rupiah(9_000);
    remote
        .add_tariff_version(&TariffVersion {
            site: SITE.into(),
            tariff: car,
            effective_from: t0,
            created_by: "admin".into(),
        })
        .unwrap();
    clock.advance(chrono::Duration::minutes(5));
    let (mut entry, _camera) =
        entry_lane(context(booth.store.clone(), dir.path(), "IN1", clock.clone(), connectivity.clone()));
    let code = entry
        .trigger(EntryTrigger::Guard {
            class: ClassCode::parse("MBL").unwrap(),
            plate: Plate::normalise("B 8 TR"),
        })
        .unwrap()
        .entry
        .ticket_code;
    booth.cache.as_ref().unwrap().refresh().unwrap();

    server.stop_hard();
    connectivity.report_failure();
    clock.advance(chrono::Duration::minutes(50));
    let quote = exit.scan(&code).unwrap();
    assert_eq!(quote.fee.total, Rupiah(9_000), "the refreshed tariff, not the one loaded at start");
}
