//! The server is killed in the middle of traffic: the lanes go on into the journal, the
//! connection indicator goes red with the right number of waiting records, the server comes
//! back, the indicator goes green, and the replay leaves the database holding exactly the visits
//! that happened.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use gardu::clock::{Clock, ManualClock};
use gardu::devices::input::InputEvent;
use gardu::domain::{ClassCode, Plate, Rupiah};
use gardu::journal::replay;
use gardu::lane::books::{self, BooksQuery};
use gardu::lane::entry::{EntryLane, EntryTrigger};
use gardu::lane::exit::{ExitLane, Payment};
use gardu::lane::monitor::MonitorSnapshot;
use gardu::lane::{Connectivity, DbStatus, Monitor, shift};
use gardu::store::postgres::{PostgresOptions, PostgresStore};
use gardu::store::{Store, VisitFilter};
use uuid::Uuid;

use crate::booth::{context, entry_lane, exit_lane, journal};
use crate::common::fixtures::{SITE, at, site};
use crate::common::pg::{Durability, PgServer};

/// What the lanes did, to hold the database to.
#[derive(Default)]
struct Books {
    entries: BTreeSet<Uuid>,
    exits: BTreeSet<Uuid>,
    journaled: usize,
    revenue: i64,
    /// Ticket code of each vehicle still inside, by arrival number.
    inside: HashMap<usize, String>,
}

struct Traffic {
    entry: EntryLane,
    camera: Arc<gardu::devices::camera::SimulatedCamera>,
    exit: ExitLane,
    clock: Arc<ManualClock>,
    books: Books,
}

impl Traffic {
    fn arrive(&mut self, n: usize) {
        self.clock.advance(Span::minutes(1));
        let plate = Plate::normalise(&format!("B {} TST", 1_000 + n)).expect("plate");
        self.camera.set_vehicle(Some(plate.to_string()));
        self.entry.handle(&InputEvent::LoopOccupied { loop_id: 1 });
        let class = ClassCode::parse(["MTR", "MBL", "TRK"][n % 3]).expect("class");
        let issued = self
            .entry
            .trigger(EntryTrigger::Guard { class, plate: Some(plate) })
            .expect("a ticket, online or not");
        assert!(issued.barrier_opened, "the barrier opens whatever the database does");
        self.books.journaled += usize::from(issued.persisted.journaled());
        assert!(self.books.entries.insert(issued.entry.id));
        self.books.inside.insert(n, issued.entry.ticket_code);
        // The photo of the presence may come after the ticket (offline: a second journal
        // record): let it arrive, so the journal holds a settled count.
        assert!(self.entry.settle_media(Duration::from_secs(10)), "the presence photo settled");
        self.entry.handle(&InputEvent::LoopCleared { loop_id: 1 });
    }

    fn leave(&mut self, n: usize) {
        self.clock.advance(Span::minutes(1));
        let code = self.books.inside.remove(&n).expect("a vehicle inside");
        let quote = self.exit.scan(&code).expect("a fee, online or not");
        let tendered = Rupiah((quote.fee.total.0 / 10_000 + 1) * 10_000);
        let paid = self.exit.pay(Payment::Cash { tendered }).expect("paid");
        self.books.journaled += usize::from(paid.persisted.journaled());
        self.books.revenue += paid.exit.total.0;
        assert!(self.books.exits.insert(paid.exit.id));
        self.exit.vehicle_passed();
    }
}

fn wait_for(
    snapshots: &Mutex<Vec<MonitorSnapshot>>,
    connectivity: &Connectivity,
    what: &str,
    test: impl Fn(&MonitorSnapshot) -> bool,
) {
    let until = Instant::now() + Duration::from_secs(30);
    while !test(&connectivity.snapshot()) {
        assert!(
            Instant::now() < until,
            "the monitor never showed {what}; it showed {:?}",
            snapshots.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn connected(snapshot: &MonitorSnapshot) -> bool {
    matches!(snapshot.status, DbStatus::Connected { .. })
}

#[test]
fn a_server_killed_mid_traffic_loses_and_doubles_nothing() {
    let server = PgServer::start(Durability::Fast);
    let mut options = PostgresOptions::new(server.create_database(), Duration::from_secs(3));
    options.retry_after = Duration::from_millis(100);
    let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(&options).unwrap());
    store.ensure_site(&site(SITE)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at(2026, 11, 23, 1, 0)));
    let connectivity = Connectivity::default();

    // Every snapshot the indicator would have drawn.
    let snapshots = Arc::new(Mutex::new(Vec::new()));
    let (log, watched) = (snapshots.clone(), connectivity.clone());
    let (monitor, offers) = Monitor::start(
        store.clone(),
        journal(dir.path(), "MON"),
        clock.clone(),
        connectivity.clone(),
        Duration::from_millis(40),
        Arc::new(move || log.lock().unwrap().push(watched.snapshot())),
    )
    .unwrap();
    wait_for(&snapshots, &connectivity, "green", connected);

    let entry_ctx = context(store.clone(), dir.path(), "IN1", clock.clone(), connectivity.clone());
    let exit_ctx = context(store.clone(), dir.path(), "OUT1", clock.clone(), connectivity.clone());
    let (entry, camera) = entry_lane(entry_ctx);
    let mut exit = exit_lane(exit_ctx.clone());
    let (open_shift, _) = shift::open_shift(&exit_ctx, "cashier1", Rupiah(500_000)).unwrap();
    exit.set_operator(Some("cashier1".into()), "Kasir Satu".into(), Some(open_shift));
    let mut traffic = Traffic { entry, camera, exit, clock: clock.clone(), books: Books::default() };

    // Online: 12 arrive, 4 leave.
    for n in 0..12 {
        traffic.arrive(n);
    }
    for n in 0..4 {
        traffic.leave(n);
    }
    assert_eq!(traffic.books.journaled, 0);

    // The server dies hard. Arrivals and departures go on, into the journal: departures of
    // vehicles that came in online and of vehicles that came in during the outage.
    server.stop_hard();
    for n in 12..24 {
        traffic.arrive(n);
    }
    for n in [4, 5, 6, 12, 13] {
        traffic.leave(n);
    }
    let journaled_in_outage = traffic.books.journaled;
    assert_eq!(journaled_in_outage, 17, "every record of the outage went to the journal");
    let pending = journal(dir.path(), "MON").pending_count();
    let (items, _) = journal(dir.path(), "MON").list().unwrap();
    let visits = items.iter().filter(|item| matches!(item.kind.as_str(), "entry" | "exit")).count();
    assert_eq!(visits, journaled_in_outage, "the journal holds every entry and exit of the outage");
    // Beside them only the photos that came after their tickets.
    assert!(items.iter().all(|item| matches!(item.kind.as_str(), "entry" | "exit" | "entry_late")));
    wait_for(&snapshots, &connectivity, "red with every record waiting", |s| {
        matches!(s.status, DbStatus::Disconnected { .. }) && s.pending == pending
    });

    // Back again: green, still with the records waiting, and the sync dialog's cue.
    server.start_again();
    wait_for(&snapshots, &connectivity, "green with records waiting", |s| {
        connected(s) && s.pending == pending
    });
    assert_eq!(offers.recv_timeout(Duration::from_secs(10)).unwrap().pending, pending);

    // Traffic goes on online before the sync: an exit of a vehicle whose entry is still in
    // the journal is stored as an orphan until the replay brings its entry. The cashier's booth
    // takes such a code because the entry booth reports records waiting (its heartbeat).
    store
        .save_booth_status(&gardu::store::BoothStatus {
            site: SITE.into(),
            booth: "IN1".into(),
            mode: "entry".into(),
            operator: None,
            seen_at: clock.now(),
            simulated: false,
            journal_waiting: 12,
            journal_rejected: 0,
            faults: vec![],
            version: "test".into(),
        })
        .unwrap();
    for n in 24..30 {
        traffic.arrive(n);
    }
    for n in [7, 14, 15, 24] {
        traffic.leave(n);
    }
    assert_eq!(traffic.books.journaled, journaled_in_outage, "online again, nothing more journaled");
    assert_eq!(store.orphan_exits(SITE, false).unwrap().len(), 2);

    let summary =
        replay::replay(&journal(dir.path(), "SYNC"), store.as_ref(), clock.as_ref(), false, &mut |_| {})
            .unwrap();
    assert_eq!((summary.failed, summary.rejected, summary.interrupted.clone()), (0, 0, None), "{summary:?}");
    assert_eq!(summary.synced + summary.already_present, pending);
    wait_for(&snapshots, &connectivity, "green with nothing waiting", |s| connected(s) && s.pending == 0);

    // Exactly the visits that happened: nothing lost, nothing doubled.
    let mut client = server.client(options.url.rsplit('/').next().unwrap());
    let entries: Vec<Uuid> =
        client.query("SELECT id FROM entries", &[]).unwrap().iter().map(|r| r.get(0)).collect();
    let exits: Vec<Uuid> =
        client.query("SELECT id FROM exits", &[]).unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(entries.len(), 30);
    assert_eq!(entries.into_iter().collect::<BTreeSet<_>>(), traffic.books.entries);
    assert_eq!(exits.len(), 13);
    assert_eq!(exits.into_iter().collect::<BTreeSet<_>>(), traffic.books.exits);
    let revenue: i64 =
        client.query_one("SELECT coalesce(sum(total), 0)::bigint FROM exits", &[]).unwrap().get(0);
    assert_eq!(revenue, traffic.books.revenue);
    assert!(store.orphan_exits(SITE, false).unwrap().is_empty());
    assert_eq!(store.inside_count(SITE, false).unwrap(), 17);
    let offline = store
        .list_visits(
            &VisitFilter { offline_only: true, ..VisitFilter::default() },
            gardu::store::PageRequest { offset: 0, limit: 100 },
        )
        .unwrap();
    assert_eq!(offline.total, 15, "the 12 outage entries and the outage exits of 3 online entries");

    // The books of the day balance to the rupiah: the cashier's drawer, the shift report and
    // the payments agree, with the server killed for real in the middle.
    let open = traffic.exit.shift().cloned().expect("the shift is still open");
    let closed = shift::close_shift(&exit_ctx, &open, Rupiah(500_000 + traffic.books.revenue)).unwrap();
    assert_eq!(closed.difference, Some(Rupiah::ZERO));
    assert_eq!(closed.all.total, Rupiah(traffic.books.revenue));
    let query = BooksQuery {
        site: SITE.into(),
        tz: chrono_tz::Asia::Jakarta,
        from: clock.now().with_timezone(&chrono_tz::Asia::Jakarta).date_naive(),
        to: clock.now().with_timezone(&chrono_tz::Asia::Jakarta).date_naive(),
        include_simulated: false,
    };
    let books = books::check(store.as_ref(), Some(&journal(dir.path(), "SYNC")), &query).unwrap();
    assert!(books.ok, "{:?}", books.problems);
    assert_eq!((books.entries, books.exits, books.inside), (30, 13, 17));
    assert_eq!(books.revenue, Rupiah(traffic.books.revenue));
    assert_eq!(books.shift_total, books.revenue);

    // The indicator's story: green, red (the count rising to every waiting record), green
    // with them waiting, green with none.
    drop(monitor);
    let story = snapshots.lock().unwrap().clone();
    let first_red =
        story.iter().position(|s| !connected(s) && s.status != DbStatus::Checking).expect("went red");
    assert!(story[..first_red].iter().any(connected), "green before the outage: {story:?}");
    let back = first_red + story[first_red..].iter().position(connected).expect("went green again");
    assert!(story[first_red..back].iter().all(|s| matches!(s.status, DbStatus::Disconnected { .. })));
    assert!(story[first_red..back].windows(2).all(|w| w[0].pending <= w[1].pending), "{story:?}");
    assert_eq!(story[back - 1].pending, pending);
    assert_eq!(story[back].pending, pending);
    assert_eq!(story.last().map(|s| (connected(s), s.pending)), Some((true, 0)));
    if let DbStatus::Disconnected { since, error } = &story[first_red].status {
        assert!(*since >= at(2026, 11, 23, 1, 16) && *since <= clock.now(), "{since}");
        assert!(!error.is_empty());
    }
}
