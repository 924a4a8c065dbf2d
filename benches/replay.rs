//! Sync budget (DESIGN.md): journal records replayed end to end (read, parse, check, write,
//! move the files) into PostgreSQL on loopback and into a SQLite file, records per second,
//! side by side with the one-by-one autocommit replay as the baseline. Prints the figures;
//! asserts only that both end with every record stored once.
//!
//! `cargo bench --bench replay` runs 10,000 and 100,000 records (half entries, half their
//! exits); `GARDU_BENCH_RECORDS=N[,M…]` sets other counts. The PostgreSQL server is a
//! throwaway one started from the system's binaries with its default durability (fsync on);
//! SQLite writes with `synchronous = FULL`, as the booths do. The last lines are machine
//! readable, one per count: `replay records=N batched_per_s=X one_by_one_per_s=Y ratio=R`.

#[allow(dead_code)]
#[path = "../tests/common/pg.rs"]
mod pg;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use gardu::clock::SystemClock;
use gardu::domain::tariff::{default_tariffs, parking_fee};
use gardu::domain::{ClassCode, FeeFlags, Rupiah};
use gardu::journal::{Journal, JournalPayload, JournalRecord, SCHEMA_VERSION, replay};
use gardu::store::postgres::{PostgresOptions, PostgresStore};
use gardu::store::sqlite::SqliteStore;
use gardu::store::{Entry, Exit, Origin, PaymentMethod, Site, Store};
use uuid::Uuid;

const SITE: &str = "JKT-MALL-01";

fn site() -> Site {
    Site {
        code: SITE.into(),
        name: "Bench".into(),
        location: String::new(),
        region: String::new(),
        timezone: "Asia/Jakarta".into(),
        capacity: None,
        receipt_header: String::new(),
        receipt_footer: String::new(),
    }
}

/// `visits` entries and their exits, as booths write them during an outage.
fn records(visits: u32) -> Vec<JournalPayload> {
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).single().expect("time");
    let tariffs = default_tariffs();
    let mut payloads = Vec::with_capacity(2 * visits as usize);
    for n in 0..visits {
        let tariff = &tariffs[n as usize % tariffs.len()];
        let entry_time = start + chrono::Duration::seconds(i64::from(n) * 7);
        let exit_time = entry_time + chrono::Duration::minutes(20 + i64::from(n % 300));
        let entry = Entry {
            id: Uuid::new_v4(),
            site: SITE.into(),
            booth: "IN1".into(),
            ticket_no: format!("IN1-261123-{:04}", n + 1),
            ticket_code: format!("G1.{SITE}.IN1.{n}.BENCHSIGNATURE{n:08}"),
            plate: Some(format!("B {} BEN", 1_000 + n % 9_000)),
            class: ClassCode::parse(tariff.class.as_str()).expect("class"),
            card_uid: None,
            entry_time,
            operator: Some("guard1".into()),
            photo_id: None,
            origin: Origin::Journal,
            simulated: false,
            plate_read: None,
            plate_confidence: None,
            plate_source: gardu::plate::PlateSource::None,
        };
        let fee = parking_fee(tariff, entry_time, exit_time, FeeFlags::default());
        let tendered = Rupiah((fee.total.0 / 10_000 + 1) * 10_000);
        let exit = Exit {
            id: Uuid::new_v4(),
            entry_id: entry.id,
            site: SITE.into(),
            booth: "OUT1".into(),
            exit_time,
            operator: Some("cashier1".into()),
            shift_id: None,
            total: fee.total,
            change: Some(tendered - fee.total),
            tendered: Some(tendered),
            fee,
            method: PaymentMethod::Cash,
            reference: None,
            lost_ticket: false,
            photo_id: None,
            origin: Origin::Journal,
            simulated: false,
            forced_reason: None,
        };
        payloads.push(JournalPayload::Entry(entry));
        payloads.push(JournalPayload::Exit(exit));
    }
    payloads
}

/// The journal files as booths leave them (name and content).
fn write_journal(dir: &Path, payloads: &[JournalPayload]) -> Journal {
    let offline = dir.join("offline_data");
    std::fs::create_dir_all(&offline).expect("journal folder");
    for payload in payloads {
        let created_at = match payload {
            JournalPayload::Entry(entry) => entry.entry_time,
            JournalPayload::Exit(exit) => exit.exit_time,
            _ => Utc::now(),
        };
        let (id, kind) = (payload.id(), payload.kind());
        let record = JournalRecord {
            schema: SCHEMA_VERSION,
            id,
            created_at,
            booth: "IN1".into(),
            payload: payload.clone(),
            photo: None,
        };
        let name = format!("parking_{kind}_{}_{id}.json", created_at.format("%Y%m%d_%H%M%S"));
        std::fs::write(offline.join(name), serde_json::to_vec_pretty(&record).expect("json")).expect("write");
    }
    Journal::new(offline, dir.join("Images"), "SYNC")
}

/// The baseline: the same files in the same order, each record in its own autocommit
/// `record_entry` / `record_exit`, each file moved once its record is stored.
fn replay_one_by_one(journal: &Journal, store: &dyn Store) -> usize {
    let (mut items, _) = journal.list().expect("list");
    items.sort_by_key(|item| (matches!(item.record.payload, JournalPayload::Exit(_)), item.created_at));
    for item in &items {
        match &item.record.payload {
            JournalPayload::Entry(entry) => store.record_entry(entry).map(drop),
            JournalPayload::Exit(exit) => store.record_exit(exit).map(drop),
            _ => Ok(()),
        }
        .expect("record stored");
        journal.mark_synced(&item.file).expect("file moved");
    }
    items.len()
}

fn fresh_store(server: &pg::PgServer) -> PostgresStore {
    let store =
        PostgresStore::connect(&PostgresOptions::new(server.create_database(), Duration::from_secs(30)))
            .expect("connect");
    store.ensure_site(&site()).expect("site");
    store
}

fn sqlite_store(dir: &Path) -> SqliteStore {
    let store = SqliteStore::open(&dir.join("replay-bench.db")).expect("sqlite");
    store.ensure_site(&site()).expect("site");
    store
}

fn stored(store: &dyn Store) -> (i64, i64) {
    let info = store.schema_info().expect("schema info");
    let count =
        |table: &str| info.counts.iter().find(|(name, _)| name == table).map(|(_, n)| *n).unwrap_or(-1);
    (count("entries"), count("exits"))
}

/// Records per second of one replay (batched by the sync engine, or one by one) of `payloads`
/// into `store`, from files written beforehand.
fn measure(store: &dyn Store, payloads: &[JournalPayload], batched: bool) -> f64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = write_journal(dir.path(), payloads);
    let started = Instant::now();
    let done = if batched {
        let summary = replay::replay(&journal, store, &SystemClock, false, &mut |_| {}).expect("replay");
        assert_eq!((summary.failed, summary.rejected), (0, 0), "{summary:?}");
        summary.synced
    } else {
        replay_one_by_one(&journal, store)
    };
    let elapsed = started.elapsed();
    assert_eq!(done, payloads.len());
    let visits = i64::try_from(payloads.len() / 2).expect("count");
    assert_eq!(stored(store), (visits, visits), "every record stored once");
    assert_eq!(journal.pending_count(), 0);
    payloads.len() as f64 / elapsed.as_secs_f64()
}

/// Both replays of `payloads` into fresh stores of one backend: (batched, one by one).
fn compare(payloads: &[JournalPayload], store: &dyn Fn() -> Box<dyn Store>) -> (f64, f64) {
    let one_by_one = measure(store().as_ref(), payloads, false);
    let batched = measure(store().as_ref(), payloads, true);
    (batched, one_by_one)
}

fn main() {
    let counts: Vec<u32> = std::env::var("GARDU_BENCH_RECORDS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse::<u32>().ok()).collect())
        .filter(|counts: &Vec<u32>| !counts.is_empty())
        .unwrap_or_else(|| vec![10_000, 100_000]);
    let server = pg::PgServer::start(pg::Durability::Real);
    let mut lines = Vec::new();
    for count in counts {
        let visits = count / 2;
        let payloads = records(visits);
        let total = payloads.len();
        println!("replay of {total} journal records ({visits} entries, {visits} exits), end to end");

        // What reading and checking the files alone costs (the page cache is warm either way).
        let dir = tempfile::tempdir().expect("temp dir");
        let journal = write_journal(dir.path(), &payloads);
        let started = Instant::now();
        let (items, _) = journal.list().expect("list");
        println!(
            "  reading {} files on one thread takes {:.2} s",
            items.len(),
            started.elapsed().as_secs_f64()
        );
        drop(dir);

        // SQLite one by one commits (and syncs) once per record: minutes at 100,000, so it is
        // measured up to 10,000 unless asked for (`GARDU_BENCH_SQLITE_ONE_BY_ONE=1`).
        let sqlite_dir = tempfile::tempdir().expect("temp dir");
        let sqlite = || -> Box<dyn Store> {
            let folder = tempfile::tempdir_in(sqlite_dir.path()).expect("temp dir").keep();
            Box::new(sqlite_store(&folder))
        };
        let sqlite_batched = measure(sqlite().as_ref(), &payloads, true);
        if total <= 10_000 || std::env::var("GARDU_BENCH_SQLITE_ONE_BY_ONE").is_ok_and(|v| v == "1") {
            let sqlite_single = measure(sqlite().as_ref(), &payloads, false);
            println!(
                "  sqlite:   batched {sqlite_batched:>8.0} records/s   one by one {sqlite_single:>8.0} records/s   \
                 {:.1}x",
                sqlite_batched / sqlite_single
            );
            println!(
                "sqlite replay records={total} batched_per_s={sqlite_batched:.0} \
                 one_by_one_per_s={sqlite_single:.0} ratio={:.1}",
                sqlite_batched / sqlite_single
            );
        } else {
            println!("  sqlite:   batched {sqlite_batched:>8.0} records/s");
            println!("sqlite replay records={total} batched_per_s={sqlite_batched:.0}");
        }
        let (batched, single) = compare(&payloads, &|| Box::new(fresh_store(&server)));
        println!(
            "  postgres: batched {batched:>8.0} records/s   one by one {single:>8.0} records/s   {:.1}x",
            batched / single
        );
        lines.push(format!(
            "replay records={total} batched_per_s={batched:.0} one_by_one_per_s={single:.0} ratio={:.1}",
            batched / single
        ));
    }
    println!("budget (DESIGN.md): >= 40,000 records/s end to end and >= 15x one by one, on PostgreSQL");
    for line in lines {
        println!("{line}");
    }
}
