//! Admin budgets (DESIGN.md): one page of filtered transactions, one day's statistics and the
//! dashboard's and statistics screen's figures (exits grouped over a month, occupancy at an
//! instant, entries of a day, inside by class, booth statuses) over 1,000,000 visits, each
//! ≤ 100 ms. Prints the figures; asserts nothing.
//!
//! Each case's first run (a fresh connection's cold cache; the operating system's page cache
//! too when `GARDU_BENCH_DROP_CACHES=1` lets the bench drop it, which needs root) is reported
//! beside the p99 of all runs. The last line is machine readable:
//! `admin worst_p99_ms=X worst_case="…" backend=B worst_first_ms=Y first_case="…"`.
//!
//! `cargo bench --bench admin` runs on a temporary SQLite file. Set
//! `GARDU_BENCH_DATABASE_URL=postgres://…` to measure a PostgreSQL server instead, and
//! `GARDU_BENCH_VISITS` to change the number of visits, spread over `GARDU_BENCH_DAYS` days
//! (365: 1,000,000 visits over 36 days is as busy a day as 10,000,000 over a year, for looking
//! at one day's reads without seeding the year). `GARDU_BENCH_SQLITE=PATH` keeps the seeded
//! SQLite file there and reuses it on the next run.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use gardu::config::DatabaseLocation;
use gardu::lane::traffic::Percentiles;
use gardu::secret::SiteSecret;
use gardu::site::seed::{SeedArgs, seed};
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
    let existing =
        store.list_visits(&VisitFilter::default(), PageRequest { offset: 0, limit: 1 }).expect("count").total;
    if existing < visits {
        let t = Instant::now();
        let days = std::env::var("GARDU_BENCH_DAYS").ok().and_then(|v| v.parse().ok()).unwrap_or(365);
        let args = SeedArgs { visits, days, seed: 11 };
        let seeded =
            seed(store.as_ref(), &SiteSecret::from_bytes([9; 32]), "SITE-01", &args, now).expect("seed");
        println!(
            "{} backend, {} visits seeded in {:.1} s",
            store.backend(),
            seeded.entries,
            t.elapsed().as_secs_f64()
        );
    } else {
        println!("{} backend, reusing {existing} visits", store.backend());
    }
    // Measured on a fresh connection, so each case's first run finds the database's cache cold.
    let backend = store.backend();
    drop(store);
    drop_page_cache();
    let store = gardu::store::open(&location).expect("store");
    let mut worst = Worst::default();
    let site = || Some("SITE-01".to_string());
    let week_ago = Some(now - chrono::Duration::days(7));
    let day = now.with_timezone(&chrono_tz::Asia::Jakarta).date_naive() - chrono::Duration::days(3);
    let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single();
    let filters: [(&str, VisitFilter); 7] = [
        ("site, newest first, no other filter", VisitFilter { site: site(), ..VisitFilter::default() }),
        (
            "plate 'B 1234' (all history)",
            VisitFilter { site: site(), plate: Some("B 1234".into()), ..VisitFilter::default() },
        ),
        (
            "plate part 'B 12' (all history)",
            VisitFilter { site: site(), plate: Some("B 12".into()), ..VisitFilter::default() },
        ),
        (
            "inside now",
            VisitFilter { site: site(), state: Some(VisitState::Inside), ..VisitFilter::default() },
        ),
        (
            "this month, class MBL, booth OUT2",
            VisitFilter {
                site: site(),
                from,
                class: gardu::domain::ClassCode::parse("MBL").ok(),
                booth: Some("OUT2".into()),
                ..VisitFilter::default()
            },
        ),
        (
            "last 7 days, lost tickets",
            VisitFilter { site: site(), from: week_ago, lost_only: true, ..VisitFilter::default() },
        ),
        (
            "last 7 days, paid by qris",
            VisitFilter {
                site: site(),
                from: week_ago,
                method: Some(gardu::store::PaymentMethod::Qris),
                ..VisitFilter::default()
            },
        ),
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
        worst.report(&format!("page of 50: {name}"), &mut samples);
    }
    let mut samples: Vec<Duration> = (0..20)
        .map(|n| {
            let t = Instant::now();
            let _ = store
                .daily_stats("SITE-01", day - chrono::Duration::days(n), chrono_tz::Asia::Jakarta, false)
                .expect("stats");
            t.elapsed()
        })
        .collect();
    worst.report("one day's statistics", &mut samples);

    let days_ago = |n: i64| now - chrono::Duration::days(n);
    let mut samples: Vec<Duration> = (0..20)
        .map(|n| {
            let to = days_ago(n);
            let t = Instant::now();
            let _ = store
                .exit_groups("SITE-01", to - chrono::Duration::days(30), to, false)
                .expect("exit groups");
            t.elapsed()
        })
        .collect();
    worst.report("exits grouped over 30 days", &mut samples);
    let mut samples: Vec<Duration> = (0..20)
        .map(|n| {
            let t = Instant::now();
            let _ =
                store.inside_at("SITE-01", now - chrono::Duration::hours(3 * n), false).expect("inside at");
            t.elapsed()
        })
        .collect();
    worst.report("inside at an instant of the last 2.5 days", &mut samples);
    let mut samples: Vec<Duration> = (0..20)
        .map(|n| {
            let to = days_ago(n);
            let t = Instant::now();
            let _ =
                store.entry_count("SITE-01", to - chrono::Duration::days(1), to, false).expect("entry count");
            t.elapsed()
        })
        .collect();
    worst.report("entries in one day", &mut samples);
    let mut samples: Vec<Duration> = (0..20)
        .map(|_| {
            let t = Instant::now();
            let _ = store.inside_by_class("SITE-01", false).expect("inside by class");
            t.elapsed()
        })
        .collect();
    worst.report("inside now by class", &mut samples);
    for (n, booth) in ["IN1", "IN2", "IN3", "OUT1", "OUT2", "ADM1"].into_iter().enumerate() {
        let status = gardu::store::BoothStatus {
            site: "SITE-01".into(),
            booth: booth.into(),
            mode: if booth.starts_with("IN") { "entry" } else { "exit" }.into(),
            operator: Some(format!("operator{n}")),
            seen_at: now,
            simulated: false,
            journal_waiting: 0,
            journal_rejected: 0,
            faults: Vec::new(),
            version: env!("CARGO_PKG_VERSION").into(),
        };
        store.save_booth_status(&status).expect("booth status");
    }
    let mut samples: Vec<Duration> = (0..20)
        .map(|_| {
            let t = Instant::now();
            let _ = store.booth_statuses("SITE-01").expect("booth statuses");
            t.elapsed()
        })
        .collect();
    worst.report("booth statuses", &mut samples);
    println!(
        "admin worst_p99_ms={:.2} worst_case=\"{}\" backend={backend} worst_first_ms={:.2} first_case=\"{}\"",
        worst.p99_ms, worst.p99_case, worst.first_ms, worst.first_case
    );
}

/// The slowest case so far, by p99 and by first run.
#[derive(Default)]
struct Worst {
    p99_ms: f64,
    p99_case: String,
    first_ms: f64,
    first_case: String,
}

impl Worst {
    fn report(&mut self, what: &str, samples: &mut [Duration]) {
        let first = samples.first().map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
        let p = Percentiles::of(samples);
        println!(
            "{what:<45} p50 {:>8.2} ms   p99 {:>8.2} ms   first {first:>8.2} ms   (n={})",
            p.p50,
            p.p99,
            samples.len()
        );
        if p.p99 > self.p99_ms {
            self.p99_ms = p.p99;
            self.p99_case = what.to_string();
        }
        if first > self.first_ms {
            self.first_ms = first;
            self.first_case = what.to_string();
        }
    }
}

/// Drops the operating system's page cache when asked to and allowed to (root, Linux).
fn drop_page_cache() {
    if std::env::var("GARDU_BENCH_DROP_CACHES").is_ok_and(|v| v == "1") {
        // Dirty pages are not dropped: right after seeding, their writing back would share the
        // disk with the first reads. Written first, outside the measurement.
        let _ = std::process::Command::new("sync").status();
        let dropped = std::fs::write("/proc/sys/vm/drop_caches", "3");
        println!("page cache dropped: {}", if dropped.is_ok() { "yes" } else { "no (not allowed here)" });
    }
}
