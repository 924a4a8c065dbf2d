//! Sync budget (DESIGN.md): journal records replayed into PostgreSQL on loopback, records per
//! second, side by side with the one-by-one autocommit replay as the baseline. Prints the
//! figures; asserts only that both end with every record stored once.
//!
//! `cargo bench --bench replay` (set `GARDU_BENCH_RECORDS` to change the count, default 10,000:
//! half entries, half their exits). The server is a throwaway one started from the system's
//! PostgreSQL binaries with its default durability (fsync on).

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

fn stored(store: &dyn Store) -> (i64, i64) {
    let info = store.schema_info().expect("schema info");
    let count =
        |table: &str| info.counts.iter().find(|(name, _)| name == table).map(|(_, n)| *n).unwrap_or(-1);
    (count("entries"), count("exits"))
}

fn main() {
    let visits: u32 =
        std::env::var("GARDU_BENCH_RECORDS").ok().and_then(|v| v.parse::<u32>().ok()).unwrap_or(10_000) / 2;
    let server = pg::PgServer::start(pg::Durability::Real);
    let payloads = records(visits);
    let total = payloads.len();
    println!(
        "replay of {total} journal records ({visits} entries, {visits} exits) into PostgreSQL on loopback"
    );

    let mut figures = Vec::new();
    for batched in [false, true] {
        let store = fresh_store(&server);
        let dir = tempfile::tempdir().expect("temp dir");
        let journal = write_journal(dir.path(), &payloads);
        if batched {
            // What reading and checking the files alone costs (the page cache is warm either way).
            let started = Instant::now();
            let (items, _) = journal.list().expect("list");
            println!("  reading {} files takes {:.2} s", items.len(), started.elapsed().as_secs_f64());
        }
        let started = Instant::now();
        let done = if batched {
            let summary = replay::replay(&journal, &store, &SystemClock, false, &mut |_| {}).expect("replay");
            assert_eq!((summary.failed, summary.rejected), (0, 0), "{summary:?}");
            summary.synced
        } else {
            replay_one_by_one(&journal, &store)
        };
        let elapsed = started.elapsed();
        assert_eq!(done, total);
        assert_eq!(stored(&store), (i64::from(visits), i64::from(visits)), "every record stored once");
        assert_eq!(journal.pending_count(), 0);
        let rate = total as f64 / elapsed.as_secs_f64();
        let label = if batched { "batched replay (sync engine)" } else { "one-by-one autocommit (baseline)" };
        println!("  {label:<34} {:>8.2} s  {rate:>9.0} records/s", elapsed.as_secs_f64());
        figures.push(rate);
    }

    // The database part alone, without reading and moving files: where batching pays.
    let entries: Vec<Entry> = payloads
        .iter()
        .filter_map(|p| if let JournalPayload::Entry(e) = p { Some(e.clone()) } else { None })
        .collect();
    let exits: Vec<Exit> = payloads
        .iter()
        .filter_map(|p| if let JournalPayload::Exit(x) = p { Some(x.clone()) } else { None })
        .collect();
    let store = fresh_store(&server);
    let started = Instant::now();
    for entry in &entries {
        store.record_entry(entry).expect("entry");
    }
    for exit in &exits {
        store.record_exit(exit).expect("exit");
    }
    let single = total as f64 / started.elapsed().as_secs_f64();
    let store = fresh_store(&server);
    let started = Instant::now();
    for chunk in entries.chunks(250) {
        assert!(store.record_entries(chunk).iter().all(Result::is_ok));
    }
    for chunk in exits.chunks(250) {
        assert!(store.record_exits(chunk).iter().all(Result::is_ok));
    }
    let batch = total as f64 / started.elapsed().as_secs_f64();
    println!("  database only: one by one {single:.0} records/s, batches of 250 {batch:.0} records/s");
    println!(
        "budget (DESIGN.md): >= 5,000 records/s batched; measured {:.0} records/s, {:.1}x the baseline",
        figures[1],
        figures[1] / figures[0]
    );
}
