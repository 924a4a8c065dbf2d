//! The books, proven by a seeded randomized run of the real pieces: two entry and two exit
//! booths (each with its own journal, ledger and ticket sequence) on one PostgreSQL, with
//! random outages, restarts, photocopied tickets, lost tickets, manual openings and shift
//! changes; everything replayed; the books checked to the rupiah and every duplicate found.
//!
//! 100 cases in the test command; `GARDU_BOOKS_SOAK=N` runs N cases (a longer soak) and prints
//! the seams it went through.

use std::sync::Arc;

use chrono::{Duration as Span, TimeZone, Utc};
use gardu::lane::traffic::{self, TrafficOptions, TrafficPaths};
use gardu::lane::{RandomIds, SiteInfo};
use gardu::secret::SiteSecret;
use gardu::store::Store;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::common::fixtures::site;
use crate::common::pg;

fn site_info(code: &str) -> SiteInfo {
    SiteInfo {
        code: code.to_string(),
        name: "Parkir".into(),
        tz: chrono_tz::Asia::Jakarta,
        capacity: None,
        header_lines: vec![],
        footer_lines: vec![],
    }
}

/// Random options for one case, from its seed.
fn options(seed: u64) -> TrafficOptions {
    let mut rng = StdRng::seed_from_u64(seed);
    let vehicles = rng.random_range(4..16);
    let outage = (rng.random_range(0..4) > 0).then(|| {
        let from = rng.random_range(0..vehicles / 2);
        (from, rng.random_range(from + 1..=vehicles))
    });
    TrafficOptions {
        vehicles,
        rate_per_min: rng.random_range(0.5..20.0),
        seed,
        outage,
        entry_booths: 2,
        exit_booths: 2,
        photocopies: rng.random_range(0..4),
        restarts: rng.random_range(0..4),
        lost_tickets: rng.random_range(0..3),
        manual_opens: rng.random_range(0..3),
        shift_changes: rng.random_range(0..3),
        photos: false,
        plate_reader: None,
    }
}

#[test]
fn randomized_traffic_across_every_seam_balances_the_books_to_the_rupiah() {
    let cases: u64 = std::env::var("GARDU_BOOKS_SOAK").ok().and_then(|n| n.parse().ok()).unwrap_or(100);
    let store: Arc<dyn Store> = Arc::new(pg::fresh_store());
    let mut totals = gardu::lane::traffic::Seams::default();
    let (mut duplicates, mut journaled, mut visits) = (0u64, 0u64, 0u64);
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap();
    for case in 0..cases {
        let code = format!("RND-CASE-{case:04}");
        store.ensure_site(&site(&code)).unwrap();
        // Booth folders in memory where the machine has it: every journal and ledger write is
        // fsynced, and the books do not depend on how long a disk takes to say so.
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.unwrap();
        let options = options(case);
        // Each case on its own day, so a case's books are its own.
        let day = start + Span::days(case as i64);
        let report = traffic::run(
            store.clone(),
            SiteSecret::from_bytes([7; 32]),
            site_info(&code),
            &TrafficPaths { root: dir.path().to_path_buf() },
            Arc::new(RandomIds),
            &options,
            day,
        )
        .unwrap_or_else(|err| panic!("case {case} ({options:?}): {err}"));
        assert!(report.books_ok, "case {case} ({options:?}): {:#?}", report.problems);
        assert_eq!(
            report.duplicate_exits, report.seams.photocopies_paid,
            "case {case}: every duplicate found"
        );
        assert_eq!(report.seams.refused_again, report.seams.photocopies_paid, "case {case}");
        let s = &report.seams;
        totals.restarts += s.restarts;
        totals.photocopies_paid += s.photocopies_paid;
        totals.refused_again += s.refused_again;
        totals.lost_tickets += s.lost_tickets;
        totals.manual_opens += s.manual_opens;
        totals.shifts_closed += s.shifts_closed;
        totals.shifts_closed_offline += s.shifts_closed_offline;
        totals.shifts_continued += s.shifts_continued;
        duplicates += report.duplicate_exits;
        journaled += report.journaled;
        visits += report.entries;
    }
    println!(
        "books soak: cases={cases} visits={visits} journaled={journaled} duplicates={duplicates} seams={totals:?}"
    );
    // The run went through every seam it is meant to prove.
    assert!(totals.photocopies_paid > 0 && totals.restarts > 0 && totals.lost_tickets > 0);
    assert!(totals.manual_opens > 0 && totals.shifts_closed_offline > 0 && totals.shifts_continued > 0);
}
