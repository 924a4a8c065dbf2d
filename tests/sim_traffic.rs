//! `gardu sim traffic`: simulated vehicles through the real lanes, with a database outage in
//! the middle, balance their own books.

use std::process::Command;

#[test]
fn traffic_with_an_outage_balances_its_books() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gardu"))
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "-q",
            "sim",
            "traffic",
            "--vehicles",
            "30",
            "--rate",
            "2",
            "--seed",
            "5",
            "--outage",
            "8-16",
            "--json",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(out.status.success(), "{report}");
    assert_eq!(report["books_ok"], true, "{report}");
    assert_eq!(report["entries"], 30);
    assert_eq!(report["errors"], 0);
    let journaled = report["journaled"].as_u64().unwrap();
    assert!(journaled >= 8, "eight arrivals fell in the outage: {report}");
    // Every journaled record is replayed; beside them, a photo that came after its ticket while
    // offline is a record of its own (at most one per journaled arrival).
    let replayed = report["replayed"].as_u64().unwrap();
    assert!(replayed >= journaled && replayed <= 2 * journaled, "{report}");
    let exits = report["exits"].as_u64().unwrap();
    assert_eq!(report["inside"].as_u64().unwrap() + exits, 30);
    assert!(report["latency_ms"]["trigger_to_barrier"]["p99"].as_f64().unwrap() > 0.0);
    assert!(report["latency_ms"]["scan_to_fee"]["p50"].as_f64().is_some());
}
