//! Admin budgets (DESIGN.md): one page of filtered transactions and one day's statistics over
//! 1,000,000 visits, each ≤ 100 ms. Prints the figures; asserts nothing.
//!
//! `cargo bench --bench admin` runs on a temporary SQLite file. Set
//! `GARDU_BENCH_DATABASE_URL=postgres://…` to measure a PostgreSQL server instead, and
//! `GARDU_BENCH_VISITS` to change the number of visits. `GARDU_BENCH_SQLITE=PATH` keeps the
//! seeded SQLite file there and reuses it on the next run.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use gardu::cli::seed::{SeedArgs, seed};
use gardu::config::DatabaseLocation;
use gardu::lane::traffic::Percentiles;
use gardu::secret::SiteSecret;
use gardu::store::{PageRequest, Site, VisitFilter, VisitState};

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let location = match std::env::var("GARDU_BENCH_DATABASE_URL") {
        Ok(url) => DatabaseLocation::Postgres(url),
        Err(_) => DatabaseLocation::Sqlite(
            std::env::var_os("GARDU_BENCH_SQLITE")
                .map(Into::into)
                .unwrap_or_else(|| dir.path().join("admin-bench.db")),
        ),
    };
    let store = gardu::store::open(&location).expect("store");
    store
        .ensure_site(&Site {
            code: "SITE-01".into(),
            name: "Bench".into(),
            location: String::new(),
            region: String::new(),
            timezone: "Asia/Jakarta".into(),
            capacity: None,
            receipt_header: String::new(),
            receipt_footer: String::new(),
        })
        .expect("site");
    let visits: u64 =
        std::env::var("GARDU_BENCH_VISITS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).single().expect("time");
    let t = Instant::now();
    let seeded = seed(
        store.as_ref(),
        &SiteSecret::from_bytes([9; 32]),
        "SITE-01",
        &SeedArgs { visits, days: 365, seed: 11 },
        now,
    )
    .expect("seed");
    println!(
        "{} backend, {} visits seeded in {:.1} s",
        store.backend(),
        seeded.entries,
        t.elapsed().as_secs_f64()
    );

    let day = now.with_timezone(&chrono_tz::Asia::Jakarta).date_naive() - chrono::Duration::days(3);
    let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single();
    let filters: [(&str, VisitFilter); 5] = [
        ("newest, no filter", VisitFilter::default()),
        ("plate part 'B 12'", VisitFilter { plate: Some("B 12".into()), ..VisitFilter::default() }),
        ("inside now", VisitFilter { state: Some(VisitState::Inside), ..VisitFilter::default() }),
        (
            "this month, class MBL, booth OUT2",
            VisitFilter {
                from,
                class: gardu::domain::ClassCode::parse("MBL").ok(),
                booth: Some("OUT2".into()),
                ..VisitFilter::default()
            },
        ),
        ("lost tickets", VisitFilter { lost_only: true, ..VisitFilter::default() }),
    ];
    for (name, filter) in filters {
        let mut samples: Vec<Duration> = (0..20)
            .map(|page| {
                let t = Instant::now();
                let _ =
                    store.list_visits(&filter, PageRequest { offset: page * 50, limit: 50 }).expect("page");
                t.elapsed()
            })
            .collect();
        report(&format!("page of 50: {name}"), &mut samples);
    }
    let mut samples: Vec<Duration> = (0..20)
        .map(|n| {
            let t = Instant::now();
            let _ = store
                .daily_stats("SITE-01", day - chrono::Duration::days(n), chrono_tz::Asia::Jakarta)
                .expect("stats");
            t.elapsed()
        })
        .collect();
    report("one day's statistics", &mut samples);
}

fn report(what: &str, samples: &mut [Duration]) {
    let p = Percentiles::of(samples);
    println!("{what:<45} p50 {:>8.2} ms   p99 {:>8.2} ms   (n={})", p.p50, p.p99, samples.len());
}
