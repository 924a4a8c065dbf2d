//! The `gardu` binary as an operator or a script uses it: fee, ticket, user, db, config errors.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use std::io::Write;

fn gardu(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gardu")).arg("--data-dir").arg(dir).args(args).output().unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(&output.stdout)))
}

#[test]
fn fee_json_has_total_and_readable_lines() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (vec!["--class", "MBL", "--minutes", "3"], 0),
        (vec!["--class", "MBL", "--minutes", "61"], 8_000),
        (vec!["--class", "MTR", "--minutes", "1441"], 12_000),
        (vec!["--class", "TRK", "--minutes", "120", "--lost"], 115_000),
        (vec!["--class", "MBL", "--lost"], 50_000),
        (vec!["--class", "MBL", "--minutes", "300", "--member"], 0),
    ];
    for (args, total) in cases {
        let mut full = vec!["fee"];
        full.extend(&args);
        full.push("--json");
        let out = gardu(dir.path(), &full);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let value = json(&out);
        assert_eq!(value["total"], total, "{args:?}: {value}");
        assert!(value["lines"].as_array().is_some_and(|l| !l.is_empty()), "{value}");
    }
    let out = gardu(dir.path(), &["fee", "--class", "MBL", "--minutes", "150", "--json"]);
    let labels: Vec<String> = json(&out)["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(labels, ["1 jam pertama", "2 jam berikutnya × Rp 3.000"]);
}

#[test]
fn issued_tickets_verify_and_any_changed_character_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let issued = json(&gardu(dir.path(), &["ticket", "issue", "--class", "MBL", "--booth", "IN2", "--json"]));
    let code = issued["code"].as_str().unwrap().to_string();
    assert!(code.len() <= 64);
    assert_eq!(issued["sequence"], 1);
    let again = json(&gardu(dir.path(), &["ticket", "issue", "--class", "MBL", "--booth", "IN2", "--json"]));
    assert_eq!(again["sequence"], 2);

    let out = gardu(dir.path(), &["ticket", "verify", &code, "--json"]);
    assert!(out.status.success());
    let verified = json(&out);
    assert_eq!(verified["valid"], true);
    for key in ["site", "booth", "sequence", "entry_time", "class"] {
        assert_eq!(verified[key], issued[key], "{key}");
    }
    assert_eq!(verified["booth"], "IN2");

    for i in [0, 3, 10, code.len() / 2, code.len() - 1] {
        let mut tampered: Vec<char> = code.chars().collect();
        tampered[i] = if tampered[i] == '7' { '8' } else { '7' };
        let tampered: String = tampered.into_iter().collect();
        let out = gardu(dir.path(), &["ticket", "verify", &tampered, "--json"]);
        assert_eq!(out.status.code(), Some(1), "{tampered}");
        let value = json(&out);
        assert_eq!(value["valid"], false);
        assert!(value["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
}

#[test]
fn a_ticket_from_another_site_secret_is_refused() {
    let site_a = tempfile::tempdir().unwrap();
    let site_b = tempfile::tempdir().unwrap();
    let code = json(&gardu(site_a.path(), &["ticket", "issue", "--class", "MBL", "--json"]))["code"]
        .as_str()
        .unwrap()
        .to_string();
    let out = gardu(site_b.path(), &["ticket", "verify", &code, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(json(&out)["error"].as_str().unwrap().contains("forged"));
}

#[test]
fn a_bad_config_stops_with_file_key_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "[booth]\nmode = \"parking\"\n").unwrap();
    let out = gardu(dir.path(), &["db", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("config.toml") && stderr.contains("booth.mode"), "{stderr}");
}

#[test]
fn users_are_created_from_piped_passwords_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    // The first operator of a fresh folder (an admin) needs no --as; the next ones do.
    let add = |args: &[&str], password: &[u8], by_admin: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_gardu"));
        command.arg("--data-dir").arg(dir.path()).args(args);
        if by_admin {
            command.args(["--as", "admin"]).env("GARDU_PASSWORD", "admin-123456");
        }
        let mut child =
            command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(password).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    add(&["user", "add", "--username", "admin", "--role", "admin"], b"admin-123456\n", false);
    add(
        &["user", "add", "--username", "kasir1", "--role", "cashier", "--full-name", "Siti Kasir"],
        b"rahasia-123\n",
        true,
    );
    let list = Command::new(env!("CARGO_BIN_EXE_gardu"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["user", "list", "--as", "admin"])
        .env("GARDU_PASSWORD", "admin-123456")
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(list.contains("kasir1") && list.contains("cashier") && list.contains("Siti Kasir"), "{list}");
    let check = json(&gardu(dir.path(), &["db", "check", "--json"]));
    assert_eq!(check["backend"], "sqlite");
    assert_eq!(check["encrypted"], serde_json::Value::Null, "a local file: nothing crosses a network");
    let log = std::fs::read_dir(dir.path().join("logs")).unwrap().flatten().next().unwrap().path();
    let log = std::fs::read_to_string(log).unwrap();
    assert!(!log.contains("rahasia-123") && !log.contains("admin-123456"));
}

/// `gardu books check` states the books as checks (exit 0 when they balance, 1 when not) and
/// `gardu visit close` closes a visit that left without an exit, which the books then count as
/// a forced close; both on a fresh folder (bootstrap: no operator yet).
#[test]
fn books_check_and_visit_close_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let issued = json(&gardu(dir.path(), &["-q", "ticket", "issue", "--class", "MBL", "--json"]));
    let ticket = issued["ticket_no"].as_str().expect("ticket number").to_string();
    let out = gardu(dir.path(), &["-q", "books", "check", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let books = json(&out);
    for key in [
        "ok",
        "entries",
        "exits",
        "forced",
        "inside",
        "revenue",
        "shift_total",
        "duplicates",
        "orphans",
        "pending_journal",
        "problems",
    ] {
        assert!(books.get(key).is_some(), "{key} missing: {books}");
    }
    assert_eq!(
        (books["ok"].as_bool(), books["entries"].as_u64(), books["inside"].as_u64()),
        (Some(true), Some(1), Some(1))
    );

    let refused = gardu(dir.path(), &["-q", "visit", "close", &ticket, "--reason", "tow"]);
    assert!(!refused.status.success(), "a reason of three letters is refused");
    let out =
        gardu(dir.path(), &["-q", "visit", "close", &ticket, "--reason", "towed by the police", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let books = json(&gardu(dir.path(), &["-q", "books", "check", "--json"]));
    assert_eq!((books["forced"].as_u64(), books["inside"].as_u64()), (Some(1), Some(0)), "{books}");
    let again = gardu(dir.path(), &["-q", "visit", "close", &ticket, "--reason", "towed by the police"]);
    assert!(!again.status.success(), "nothing left to close");

    // A journal record waiting on this machine keeps the books from balancing.
    std::fs::create_dir_all(dir.path().join("offline_data")).unwrap();
    let drill = gardu(dir.path(), &["-q", "journal", "drill", "--records", "1"]);
    assert!(drill.status.success(), "{}", String::from_utf8_lossy(&drill.stderr));
    let out = gardu(dir.path(), &["-q", "books", "check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["pending_journal"], 1);
}

fn counts(value: &serde_json::Value) -> serde_json::Value {
    value["counts"].clone()
}

#[test]
fn a_backup_taken_during_traffic_restores_to_equal_counts() {
    let site = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let mut traffic = Command::new(env!("CARGO_BIN_EXE_gardu"))
        .arg("--data-dir")
        .arg(site.path())
        .args(["sim", "traffic", "--vehicles", "30", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the lanes to have written something, then copy while they keep writing.
    let during = elsewhere.path().join("during.db");
    loop {
        // The traffic may still be creating the database: a check that fails is tried again.
        let check = gardu(site.path(), &["db", "check", "--json"]);
        let entries = serde_json::from_slice::<serde_json::Value>(&check.stdout)
            .ok()
            .and_then(|value| value["counts"].as_array()?.iter().find(|c| c[0] == "entries")?[1].as_i64());
        if entries.is_some_and(|n| n > 0) {
            break;
        }
        // A traffic that stopped before its first entry would leave this loop waiting forever.
        if traffic.try_wait().unwrap().is_some() {
            let stopped = traffic.wait_with_output().unwrap();
            panic!(
                "the traffic stopped before its first entry: {}",
                String::from_utf8_lossy(&stopped.stderr)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = gardu(site.path(), &["db", "backup", "--out", during.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let taken = json(&out);
    assert!(taken["bytes"].as_u64().unwrap() > 0);
    let traffic = traffic.wait_with_output().unwrap();
    assert!(traffic.status.success(), "{}", String::from_utf8_lossy(&traffic.stderr));

    let restored = tempfile::tempdir().unwrap();
    let out = gardu(restored.path(), &["db", "restore", during.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    assert_eq!(counts(&report), counts(&taken));
    assert_eq!(report["site_key_present"], false);
    assert!(report["key_hint"].as_str().unwrap().contains("site-key import"));
    assert_eq!(counts(&json(&gardu(restored.path(), &["db", "check", "--json"]))), counts(&taken));

    // After the traffic: database, ledger, journals and photos in one archive, restored over
    // an existing folder whose database is kept aside.
    let journal = site.path().join("offline_data");
    std::fs::create_dir_all(journal.join("synced")).unwrap();
    std::fs::write(journal.join("synced/parking_entry_20260501_080000_x.json"), b"{}").unwrap();
    std::fs::create_dir_all(site.path().join("Images/Masuk")).unwrap();
    std::fs::write(site.path().join("Images/Masuk/x.jpg"), b"\xff\xd8 photo").unwrap();
    drop(gardu::lane::ledger::BoothLedger::open(&site.path().join("data/booth-ledger.db")).unwrap());
    let archive = elsewhere.path().join("site.tar");
    let out =
        gardu(site.path(), &["db", "backup", "--out", archive.to_str().unwrap(), "--with-files", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let source = json(&gardu(site.path(), &["db", "check", "--json"]));
    let out = gardu(restored.path(), &["db", "restore", archive.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    assert!(
        report["kept_aside"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().contains("gardu.db.before-restore-"))
    );
    assert_eq!(counts(&json(&gardu(restored.path(), &["db", "check", "--json"]))), counts(&source));
    assert!(restored.path().join("offline_data/synced/parking_entry_20260501_080000_x.json").is_file());
    assert_eq!(std::fs::read(restored.path().join("Images/Masuk/x.jpg")).unwrap(), b"\xff\xd8 photo");
    assert!(restored.path().join("data/booth-ledger.db").is_file());
}

#[test]
fn a_restore_refuses_a_file_that_is_no_backup_and_a_folder_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"holiday photos, not a database").unwrap();
    let out = gardu(dir.path(), &["db", "restore", junk.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a Gardu backup"));

    let backup = dir.path().join("good.db");
    assert!(gardu(dir.path(), &["db", "backup", "--out", backup.to_str().unwrap()]).status.success());
    let _console = gardu::site::lock::DataFolderLock::shared(dir.path()).unwrap();
    let out = gardu(dir.path(), &["db", "restore", backup.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("in use"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_emergency_is_declared_shown_and_ended_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let status = json(&gardu(dir.path(), &["emergency", "status", "--json"]));
    assert_eq!(status["active"], false);

    let out = gardu(dir.path(), &["emergency", "start", "--reason", "fire alarm, evacuate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let status = json(&gardu(dir.path(), &["emergency", "status", "--json"]));
    assert_eq!(status["active"], true);
    assert_eq!(status["reason"], "fire alarm, evacuate");
    assert_eq!(status["by"], "bootstrap");
    assert!(status["since"].as_str().is_some_and(|s| s.starts_with("20")), "{status}");
    assert_eq!(status["booths"], serde_json::json!([]));

    let again = gardu(dir.path(), &["emergency", "start", "--reason", "again"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already active"));
    let blank = gardu(dir.path(), &["emergency", "start", "--reason", " "]);
    assert!(!blank.status.success());

    assert!(gardu(dir.path(), &["emergency", "end"]).status.success());
    assert_eq!(json(&gardu(dir.path(), &["emergency", "status", "--json"]))["active"], false);
    let out = gardu(dir.path(), &["emergency", "end"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no emergency is active"));
}

/// `gardu db purge`: a dry run counts and deletes nothing; the purge removes the visits of the
/// closed shifts and keeps the vehicles inside (the store suite checks open shifts); it is
/// audited; and while this booth's journal holds an older record it refuses.
#[test]
fn db_purge_keeps_what_is_still_needed_and_counts_first() {
    let dir = tempfile::tempdir().unwrap();
    let traffic = gardu(
        dir.path(),
        &["-q", "sim", "traffic", "--vehicles", "12", "--rate", "4", "--seed", "7", "--shift-changes", "1"],
    );
    assert!(traffic.status.success(), "{}", String::from_utf8_lossy(&traffic.stderr));
    let issued = gardu(dir.path(), &["-q", "ticket", "issue", "--class", "MBL", "--json"]);
    assert!(issued.status.success(), "{}", String::from_utf8_lossy(&issued.stderr));
    let counts = |dir: &Path| -> std::collections::BTreeMap<String, u64> {
        let check = json(&gardu(dir, &["-q", "db", "check", "--json"]));
        check["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| (pair[0].as_str().unwrap().to_string(), pair[1].as_u64().unwrap()))
            .collect()
    };
    let before = counts(dir.path());
    let day = (chrono::Utc::now() + chrono::Duration::days(3)).date_naive().to_string();

    let dry = gardu(dir.path(), &["-q", "db", "purge", "--before", &day, "--dry-run", "--json"]);
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    let dry = json(&dry);
    assert_eq!(counts(dir.path()), before, "a dry run deletes nothing");

    let done = gardu(dir.path(), &["-q", "db", "purge", "--before", &day, "--json"]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let done = json(&done);
    for key in ["visits", "photos", "shifts", "duplicates"] {
        assert_eq!(done[key], dry[key], "{key}: the dry run counted what the purge removed");
    }
    let visits = done["visits"].as_u64().unwrap();
    let after = counts(dir.path());
    assert!(visits > 0, "the closed shifts' visits go: {done}");
    assert_eq!(before["entries"] - after["entries"], visits, "{before:?} {after:?}");
    assert_eq!(before["exits"] - after["exits"], visits);
    assert_eq!(after["exits"], 0, "every shift of the run was closed: {after:?}");
    assert!(after["entries"] >= 1, "vehicles inside stay: {after:?}");
    assert_eq!(before["shifts"] - after["shifts"], done["shifts"].as_u64().unwrap());
    assert_eq!(
        after["audit_log"] + done["audit_rows"].as_u64().unwrap(),
        before["audit_log"] + 1,
        "the old audit lines went, and the purge wrote its own: {done}"
    );
    let books = json(&gardu(dir.path(), &["-q", "books", "check", "--json"]));
    assert_eq!((books["inside"].as_u64(), books["entries"].as_u64()), (Some(1), Some(1)), "{books}");

    // A record still waiting in this booth's journal is never purged around.
    std::fs::create_dir_all(dir.path().join("offline_data")).unwrap();
    let drill = gardu(dir.path(), &["-q", "journal", "drill", "--records", "1"]);
    assert!(drill.status.success(), "{}", String::from_utf8_lossy(&drill.stderr));
    let refused = gardu(dir.path(), &["-q", "db", "purge", "--before", &day]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("journal replay"));
}
