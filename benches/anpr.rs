//! Plate reader budgets (issue 17): exact reads on generated photos, normal and degraded (night,
//! blur, tilt, distance), no plate invented on empty lanes or cars without one, and the time a
//! read takes on one core. Prints one line of figures; asserts nothing.
//!
//! `cargo bench --bench anpr` (set `GARDU_BENCH_ANPR_IMAGES` to change the number of photos,
//! default 200, `GARDU_BENCH_ANPR_VERBOSE=1` to list every miss, and `GARDU_BENCH_ANPR_ZONE=whole`
//! to read whole photos instead of the simulated camera's plate zone).

use std::time::Instant;

use gardu::devices::camera::jpeg::encode_jpeg;
use gardu::devices::camera::scene::{Look, Subject, random_plate};
use gardu::devices::camera::sim::{PLATE_ZONE, draw_subject_scene};
use gardu::domain::plate::PlateZone;
use gardu::lane::traffic::Percentiles;
use gardu::plate::PlateReader;
use gardu::plate::tract::TractReader;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What a photo shows, for the tallies.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Normal,
    Degraded,
    Empty,
    NoPlate,
}

/// The booth binary's allocator and settings (`src/main.rs`): reads are timed as a booth's
/// reader thread runs them.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[global_allocator]
static ALLOCATOR: gardu::platform::memory::LargeBlocks = gardu::platform::memory::LargeBlocks;

fn main() {
    gardu::platform::memory::tune_allocator();
    let images: usize =
        std::env::var("GARDU_BENCH_ANPR_IMAGES").ok().and_then(|n| n.parse().ok()).unwrap_or(200);
    let verbose = std::env::var_os("GARDU_BENCH_ANPR_VERBOSE").is_some();
    // The booth's reader looks in its camera's plate zone: for the simulated camera that draws
    // these photos, the lane in front of the stop line. `GARDU_BENCH_ANPR_ZONE=whole` times the
    // whole photo, as a camera without a zone set is read.
    let whole = std::env::var("GARDU_BENCH_ANPR_ZONE").is_ok_and(|zone| zone == "whole");
    let zone = if whole { PlateZone::WHOLE } else { PLATE_ZONE };
    let reader = TractReader::with_zone(zone);
    reader.load().expect("the plate models load");
    let mut rng = StdRng::seed_from_u64(17);
    let (mut normal, mut normal_exact, mut hard, mut hard_exact, mut empty, mut empty_false) =
        (0, 0, 0, 0, 0, 0);
    let mut times = Vec::with_capacity(images);
    for i in 0..images {
        // One photo in twenty an empty lane, one a car without a plate, five degraded.
        let kind = match i % 20 {
            0 => Kind::Empty,
            1 => Kind::NoPlate,
            2..=6 => Kind::Degraded,
            _ => Kind::Normal,
        };
        let plate = random_plate(&mut rng);
        let subject = match kind {
            Kind::Empty => Subject::Empty,
            Kind::NoPlate => Subject::Vehicle { plate: None, look: Look::random(&mut rng, false) },
            Kind::Normal => {
                Subject::Vehicle { plate: Some(plate.clone()), look: Look::random(&mut rng, false) }
            }
            Kind::Degraded => {
                Subject::Vehicle { plate: Some(plate.clone()), look: Look::random(&mut rng, true) }
            }
        };
        let booth = if rng.random_bool(0.5) { "IN1" } else { "OUT2" };
        let stamp = format!(
            "2026-11-{:02} {:02}:{:02}:{:02} WIB",
            rng.random_range(1..=30),
            rng.random_range(0..24),
            rng.random_range(0..60),
            rng.random_range(0..60)
        );
        let photo = encode_jpeg(&draw_subject_scene(booth, &stamp, &subject), 80).expect("encode");
        let started = Instant::now();
        let read = reader.read(&photo).expect("read");
        times.push(started.elapsed());
        let exact = read.plate.as_deref() == Some(plate.as_str());
        match kind {
            Kind::Normal => {
                normal += 1;
                normal_exact += usize::from(exact);
            }
            Kind::Degraded => {
                hard += 1;
                hard_exact += usize::from(exact);
            }
            Kind::Empty | Kind::NoPlate => {
                empty += 1;
                empty_false += usize::from(read.plate.is_some());
            }
        }
        let wrong = match kind {
            Kind::Normal | Kind::Degraded => !exact,
            Kind::Empty | Kind::NoPlate => read.plate.is_some(),
        };
        if verbose && wrong {
            let look = match &subject {
                Subject::Vehicle { look, .. } => format!("{look:?}"),
                Subject::Empty => "empty lane".into(),
            };
            eprintln!("miss #{i}: {plate:?} read {:?} ({:.2}) {look}", read.plate, read.confidence);
            eprintln!("    candidates {:?} raw {:?}", read.candidates, read.raw);
        }
    }
    let pct = |hit: usize, of: usize| if of == 0 { 100.0 } else { 100.0 * hit as f64 / of as f64 };
    let times = Percentiles::of(&mut times);
    println!(
        "anpr images={images} exact_pct={:.1} hard_exact_pct={:.1} empty_false={empty_false} p50_ms={:.0} p99_ms={:.0} zone={}",
        pct(normal_exact, normal),
        pct(hard_exact, hard),
        times.p50,
        times.p99,
        if whole { "whole" } else { "lane" }
    );
    if verbose {
        eprintln!("{empty} photos without a plate");
    }
}
