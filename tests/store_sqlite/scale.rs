//! A million visits in a real file: prints how long the admin's queries take. Ignored by
//! default (it writes for a minute or more); run it optimised:
//!
//! `cargo test --release --test store_sqlite -- --ignored --nocapture scale`

use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use gardu::store::sqlite::SqliteStore;
use gardu::store::{EntryLookup, Origin, PageRequest, PaymentMethod, Store, VisitFilter, VisitState};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::common::fixtures::{SITE, at, date, entry, entry_id, exit_of, seed};

const VISITS: u128 = 1_000_000;
const DAYS: i64 = 200;

/// Best of a few runs, so one cold cache miss does not decide the figure.
fn best_of<T>(runs: usize, mut work: impl FnMut() -> T) -> (StdDuration, T) {
    let mut best = StdDuration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let value = work();
        best = best.min(started.elapsed());
        last = Some(value);
    }
    (best, last.expect("at least one run"))
}

#[test]
#[ignore = "writes a million visits; run with --release --ignored --nocapture"]
fn scale_one_million_visits() {
    // GARDU_SCALE_DB keeps the file for another run (which then skips the writing).
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var_os("GARDU_SCALE_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("gardu.db"));
    let store = SqliteStore::open(&path).unwrap();
    seed(&store);
    let stored =
        store.list_visits(&VisitFilter::default(), PageRequest { offset: 0, limit: 0 }).unwrap().total;

    let mut rng = StdRng::seed_from_u64(7);
    let start = at(2024, 1, 1, 0, 0);
    let span_s = DAYS * 24 * 3600;
    let written = Instant::now();
    for n in 1..=VISITS {
        if stored >= VISITS as u64 {
            break;
        }
        // Entries spread evenly in time; each plate is one of 200,000 cars.
        let offset = (n as i64 * span_s) / VISITS as i64;
        let time = start + Duration::seconds(offset);
        let car = rng.random_range(0..200_000u32);
        let plate = format!("B {} {}", 1000 + car % 9000, ["XYZ", "ABC", "KJT", "RFS"][car as usize % 4]);
        let class = match rng.random_range(0..100) {
            0..60 => "MTR",
            60..95 => "MBL",
            _ => "TRK",
        };
        let mut e = entry(n, time, Some(&plate), class);
        e.booth = format!("IN{}", 1 + n % 4);
        e.ticket_no = format!("{}-{}-{n:07}", e.booth, time.format("%y%m%d"));
        if n % 50 == 0 {
            e.origin = Origin::Journal;
            e.card_uid = Some(format!("{:08X}", car));
        }
        store.record_entry(&e).unwrap();
        // Everything but the last few hours has left.
        let stay = Duration::minutes(rng.random_range(3..360));
        if offset + stay.num_seconds() < span_s - 6 * 3600 {
            let method = match rng.random_range(0..100) {
                0..55 => PaymentMethod::Cash,
                55..80 => PaymentMethod::Qris,
                80..90 => PaymentMethod::Emoney,
                90..97 => PaymentMethod::Card,
                _ => PaymentMethod::Free,
            };
            let mut x = exit_of(&e, time + stay, method);
            x.booth = format!("OUT{}", 1 + n % 2);
            x.lost_ticket = n % 100 == 0;
            store.record_exit(&x).unwrap();
        }
    }
    println!(
        "wrote {VISITS} visits in {:.1} s ({} bytes on disk)",
        written.elapsed().as_secs_f64(),
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
    );
    drop(store);
    // Reopen, as a booth would after a restart (or an upgrade that migrates).
    let opened = Instant::now();
    let store = SqliteStore::open(&path).unwrap();
    println!(
        "open (schema {}): {:.1} ms",
        store.schema_version().unwrap(),
        opened.elapsed().as_secs_f64() * 1e3
    );
    let page = PageRequest { offset: 0, limit: 50 };
    let site = || VisitFilter { site: Some(SITE.to_string()), ..VisitFilter::default() };
    let cases = [
        ("list_visits, site only", site()),
        (
            "list_visits, plate \"B 1234\" (common part)",
            VisitFilter { plate: Some("B 1234".to_string()), ..site() },
        ),
        (
            "list_visits, plate \"B 4321 KJT\" (one car)",
            VisitFilter { plate: Some("B 4321 KJT".to_string()), ..site() },
        ),
        (
            "list_visits, plate + 7-day range",
            VisitFilter {
                plate: Some("B 12".to_string()),
                from: Some(start + Duration::days(100)),
                to: Some(start + Duration::days(107)),
                ..site()
            },
        ),
        (
            "list_visits, plate \"B 12\" (short part)",
            VisitFilter { plate: Some("B 12".to_string()), ..site() },
        ),
        (
            "list_visits, method qris + 7-day range",
            VisitFilter {
                method: Some(PaymentMethod::Qris),
                from: Some(start + Duration::days(100)),
                to: Some(start + Duration::days(107)),
                ..site()
            },
        ),
        ("list_visits, inside now", VisitFilter { state: Some(VisitState::Inside), ..site() }),
        ("list_visits, method qris", VisitFilter { method: Some(PaymentMethod::Qris), ..site() }),
        ("list_visits, ticket part", VisitFilter { ticket: Some("0500000".to_string()), ..site() }),
    ];
    for (name, filter) in cases {
        let (took, result) = best_of(3, || store.list_visits(&filter, page).unwrap());
        println!(
            "{name}: {:.1} ms (page {} rows, total {})",
            took.as_secs_f64() * 1e3,
            result.rows.len(),
            result.total
        );
    }
    let (took, stats) =
        best_of(3, || store.daily_stats(SITE, date(2024, 4, 10), chrono_tz::Asia::Jakarta, false).unwrap());
    println!(
        "daily_stats: {:.1} ms ({} entries, {} exits, revenue {})",
        took.as_secs_f64() * 1e3,
        stats.entries,
        stats.exits,
        stats.revenue
    );
    let probe = entry_id(VISITS / 2);
    let (took, by_id) = best_of(3, || store.find_visit(SITE, &EntryLookup::Id(probe)).unwrap());
    println!("find_visit by id: {:.2} ms", took.as_secs_f64() * 1e3);
    let code = by_id.expect("the probe visit").entry.ticket_code;
    let (took, found) =
        best_of(3, || store.find_visit(SITE, &EntryLookup::TicketCode(code.clone())).unwrap());
    assert_eq!(found.map(|v| v.entry.id), Some(probe));
    println!("find_visit by ticket code: {:.2} ms", took.as_secs_f64() * 1e3);
    let (took, _) =
        best_of(3, || store.find_open_entry(SITE, &EntryLookup::PlateKey("B 4321 KJT".to_string())).unwrap());
    println!("find_open_entry by plate: {:.2} ms", took.as_secs_f64() * 1e3);
    let (took, inside) = best_of(3, || store.inside_count(SITE, false).unwrap());
    println!("inside_count: {:.2} ms ({inside} inside)", took.as_secs_f64() * 1e3);
    let (took, orphans) = best_of(3, || store.orphan_exits(SITE, false).unwrap());
    println!("orphan_exits: {:.2} ms ({} orphans)", took.as_secs_f64() * 1e3, orphans.len());
}
