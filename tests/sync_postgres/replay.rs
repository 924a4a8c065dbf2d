//! The sync engine against a real server: a replay killed half-way and run again ends exactly
//! where an uninterrupted one would, and files that cannot be read end in `rejected/` with
//! their reasons, untouched.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use gardu::clock::SystemClock;
use gardu::journal::{Journal, JournalPayload, JournalRecord, SCHEMA_VERSION, replay};
use gardu::store::postgres::{PostgresOptions, PostgresStore};
use gardu::store::{Entry, PaymentMethod, Store};
use uuid::Uuid;

use crate::booth::journal;
use crate::common::fixtures::{SITE, at, entry, exit_of, seed, site};
use crate::common::pg::shared;

/// Writes a journal file the way a booth does (name and content), without the fsyncs: a test
/// writing thousands of them has no power cut to fear.
fn write_record(dir: &Path, payload: JournalPayload, created_at: DateTime<Utc>) -> PathBuf {
    let id = payload.id();
    let kind = payload.kind();
    let record =
        JournalRecord { schema: SCHEMA_VERSION, id, created_at, booth: "IN1".into(), payload, photo: None };
    let path = dir.join(format!("parking_{kind}_{}_{id}.json", created_at.format("%Y%m%d_%H%M%S")));
    std::fs::write(&path, serde_json::to_vec_pretty(&record).unwrap()).unwrap();
    path
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|entries| entries.count()).unwrap_or(0)
}

fn database_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

#[test]
fn a_replay_killed_half_way_and_run_again_ends_exactly() {
    const VISITS: u128 = 3_000;
    let url = shared().create_database();
    let dir = tempfile::tempdir().unwrap();
    let offline = dir.path().join("offline_data");
    std::fs::create_dir_all(&offline).unwrap();
    let start = at(2026, 11, 23, 1, 0);
    let mut entry_ids = BTreeSet::new();
    let mut exit_ids = BTreeSet::new();
    let mut revenue = 0;
    for n in 1..=VISITS {
        let e: Entry = entry(n, start + chrono::Duration::seconds(n as i64), Some("B 1 RP"), "MBL");
        let x = exit_of(&e, e.entry_time + chrono::Duration::minutes(75), PaymentMethod::Cash);
        entry_ids.insert(e.id);
        exit_ids.insert(x.id);
        revenue += x.total.0;
        write_record(&offline, JournalPayload::Entry(e.clone()), e.entry_time);
        write_record(&offline, JournalPayload::Exit(x.clone()), x.exit_time);
    }
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[site]\ncode = \"{SITE}\"\n[booth]\ncode = \"OUT1\"\n[database]\nurl = \"{url}\"\n\
             [journal]\ndir = \"offline_data\"\nimages_dir = \"Images\"\n[logging]\ndir = \"logs\"\n"
        ),
    )
    .unwrap();
    let gardu = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_gardu"));
        command.arg("--config").arg(&config).args(["-q", "journal", "replay", "--json"]).stdin(Stdio::null());
        command
    };

    // First run: killed (SIGKILL, no clean-up) once it is well into the work.
    let synced = offline.join("synced");
    let mut child = gardu().stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let until = Instant::now() + Duration::from_secs(120);
    while files_in(&synced) < 700 {
        assert!(child.try_wait().unwrap().is_none(), "the replay finished before it could be killed");
        assert!(Instant::now() < until, "the replay made no progress");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // A batch statement already sent when the process died still runs to its commit.
    std::thread::sleep(Duration::from_millis(500));
    let moved = files_in(&synced);
    let total = 2 * VISITS as usize;
    assert!(moved > 0 && moved < total, "killed half-way: {moved} of {total} moved");
    let mut client = shared().client(database_name(&url));
    let stored = |client: &mut postgres::Client, table: &str| -> i64 {
        client.query_one(&format!("SELECT count(*) FROM {table}"), &[]).unwrap().get(0)
    };
    let committed = stored(&mut client, "entries") + stored(&mut client, "exits");
    assert!(committed as usize >= moved, "a file moves only after its record is committed");

    // Second run: to the end, with what the first committed counted as already present.
    let output = gardu().output().unwrap();
    let shown = format!(
        "{}; stdout {}; stderr {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "second replay: {shown}");
    let summary: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|err| panic!("{err}: {shown}"));
    assert_eq!(summary["pending"], serde_json::json!(total - moved), "{summary}");
    assert_eq!(
        summary["synced"].as_u64().unwrap() + summary["already_present"].as_u64().unwrap(),
        (total - moved) as u64
    );
    assert_eq!(summary["synced"].as_u64().unwrap() as usize, total - committed as usize, "{summary}");
    assert_eq!((summary["failed"].as_u64(), summary["rejected"].as_u64()), (Some(0), Some(0)), "{summary}");
    assert!(summary["interrupted"].is_null());

    // Exactly one uninterrupted replay's result: every visit once, the same money.
    let ids = |client: &mut postgres::Client, table: &str| -> BTreeSet<Uuid> {
        client.query(&format!("SELECT id FROM {table}"), &[]).unwrap().iter().map(|r| r.get(0)).collect()
    };
    assert_eq!(stored(&mut client, "entries"), VISITS as i64);
    assert_eq!(stored(&mut client, "exits"), VISITS as i64);
    assert_eq!(ids(&mut client, "entries"), entry_ids);
    assert_eq!(ids(&mut client, "exits"), exit_ids);
    let taken: i64 = client.query_one("SELECT sum(total)::bigint FROM exits", &[]).unwrap().get(0);
    assert_eq!(taken, revenue);
    assert_eq!(files_in(&synced), total);
    assert_eq!(Journal::new(&offline, dir.path().join("Images"), "OUT1").pending_count(), 0);
    let open: i64 = client.query_one("SELECT count(*) FROM open_entries", &[]).unwrap().get(0);
    assert_eq!(open, 0);
}

#[test]
fn unreadable_files_are_rejected_with_reasons_and_nothing_is_deleted() {
    let store =
        PostgresStore::connect(&PostgresOptions::new(shared().create_database(), Duration::from_secs(5)))
            .unwrap();
    seed(&store);
    store.ensure_site(&site(SITE)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let offline = dir.path().join("offline_data");
    std::fs::create_dir_all(&offline).unwrap();
    let t = at(2026, 11, 23, 1, 0);

    let good = entry(1, t, Some("B 1 OK"), "MBL");
    let first_exit = exit_of(&good, t + chrono::Duration::minutes(30), PaymentMethod::Cash);
    let mut second_exit = exit_of(&good, t + chrono::Duration::minutes(40), PaymentMethod::Qris);
    second_exit.id = Uuid::from_u128(0xF000_0002);
    second_exit.booth = "OUT2".into();
    let mut poisoned = entry(2, t, Some("B 2 NO"), "MBL");
    poisoned.operator = Some("guard\u{0}".into());
    write_record(&offline, JournalPayload::Entry(good.clone()), t);
    write_record(&offline, JournalPayload::Exit(first_exit.clone()), t + chrono::Duration::minutes(30));
    let second = write_record(&offline, JournalPayload::Exit(second_exit), t + chrono::Duration::minutes(40));
    let failing = write_record(&offline, JournalPayload::Entry(poisoned), t);

    let valid = std::fs::read(&second).unwrap();
    let broken: Vec<(&str, Vec<u8>)> = vec![
        ("parking_entry_20261123_010000_truncated.json", valid[..valid.len() / 2].to_vec()),
        ("parking_exit_20261123_010000_corrupt.json", vec![0xFF, 0xFE, 0x00, 0x9C, b'{', 0x13, 0x37]),
        (
            "parking_entry_20261123_010000_foreign.json",
            br#"{"schema": 7, "id": "00000000-0000-0000-0000-000000000007", "kind": "entry"}"#.to_vec(),
        ),
        ("parking_entry_20261123_010000_noschema.json", br#"{"ticket": "IN1-1", "plate": "B 1"}"#.to_vec()),
        (
            "parking_audit_20261123_010000_unknownkind.json",
            format!(
                r#"{{"schema": {SCHEMA_VERSION}, "id": "{}", "created_at": "2026-11-23T01:00:00Z", "booth": "IN1", "kind": "teleport", "record": {{}}, "photo": null}}"#,
                Uuid::from_u128(9)
            )
            .into_bytes(),
        ),
    ];
    for (name, bytes) in &broken {
        std::fs::write(offline.join(name), bytes).unwrap();
    }

    let journal = journal(dir.path(), "OUT1");
    let summary = replay::replay(&journal, &store, &SystemClock, false, &mut |_| {}).unwrap();
    assert_eq!(summary.synced, 2, "{summary:?}");
    assert_eq!(summary.duplicates, 1, "the second exit of a ticket is kept for review: {summary:?}");
    assert_eq!(summary.failed, 1, "{summary:?}");
    assert_eq!(summary.rejected, broken.len(), "only unreadable files are set aside: {summary:?}");
    assert!(summary.interrupted.is_none());

    let rejected = journal.rejected_dir();
    for (name, bytes) in &broken {
        assert_eq!(&std::fs::read(rejected.join(name)).unwrap(), bytes, "{name} kept byte for byte");
        let reason = std::fs::read_to_string(rejected.join(format!("{name}.reason.txt"))).unwrap();
        assert!(!reason.trim().is_empty(), "{name}");
    }
    let reason = |name: &str| std::fs::read_to_string(rejected.join(format!("{name}.reason.txt"))).unwrap();
    assert!(reason(broken[0].0).contains("truncated or corrupt"), "{}", reason(broken[0].0));
    assert!(reason(broken[1].0).contains("not complete JSON"), "{}", reason(broken[1].0));
    assert!(reason(broken[2].0).contains("schema version 7"), "{}", reason(broken[2].0));
    assert!(reason(broken[3].0).contains("no schema version"), "{}", reason(broken[3].0));
    assert!(reason(broken[4].0).contains("missing or wrong"), "{}", reason(broken[4].0));
    // The second exit carries money: it is a duplicate exit in the database, its file synced.
    let second_name = second.file_name().unwrap().to_string_lossy().into_owned();
    assert!(journal.synced_dir().join(&second_name).exists());
    let duplicates = store.duplicate_exits(SITE, t, t + chrono::Duration::hours(1)).unwrap();
    assert_eq!(duplicates.len(), 1);
    assert_eq!(duplicates[0].first_exit_id, first_exit.id);

    // The record the server refused stays pending with its error, and fails again next time.
    assert!(failing.exists());
    let (items, problems) = journal.list().unwrap();
    assert!(problems.is_empty());
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].attempts, 1);
    assert!(
        items[0].last_error.as_deref().unwrap_or("").contains("database error"),
        "{:?}",
        items[0].last_error
    );
    let again = replay::replay(&journal, &store, &SystemClock, false, &mut |_| {}).unwrap();
    assert_eq!((again.synced, again.failed, again.rejected), (0, 1, 0));
    assert_eq!(journal.list().unwrap().0[0].attempts, 2);

    // Nothing was deleted: every file written is somewhere, and the good ones are stored.
    assert_eq!(files_in(&journal.synced_dir()), 3);
    assert_eq!(files_in(&rejected), 2 * broken.len());
    let visit = store.find_visit(SITE, &gardu::store::EntryLookup::Id(good.id)).unwrap().unwrap();
    assert_eq!(visit.exit.map(|x| x.id), Some(first_exit.id));
}
