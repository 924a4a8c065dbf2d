//! A booth killed at any moment while writing journal records leaves whole records or nothing
//! that `gardu journal list` takes for one: a real child process, killed hard, several times.

use std::process::{Command, Stdio};
use std::time::Duration;

fn gardu(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gardu"));
    command.arg("--data-dir").arg(dir).arg("-q");
    command
}

#[test]
fn a_killed_writer_leaves_only_whole_records() {
    let dir = tempfile::tempdir().unwrap();
    let mut listed_before = 0;
    // Different moments in the write cycle: the kill lands wherever the writer happens to be.
    for pause_ms in [40, 95, 170, 260] {
        let mut child = gardu(dir.path())
            .args(["journal", "drill", "--records", "1000000"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(pause_ms));
        child.kill().unwrap(); // SIGKILL: no destructor, no flush
        child.wait().unwrap();

        let out = gardu(dir.path()).args(["journal", "list", "--json"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        let unreadable: Vec<_> = rows.iter().filter(|r| r["kind"] == "unreadable").collect();
        assert!(unreadable.is_empty(), "half-written records listed: {unreadable:?}");
        assert!(rows.len() >= listed_before, "records vanished");
        listed_before = rows.len();
        // Every file that looks like a record parses completely.
        // (Killed before its first record, the writer has not made the folder yet.)
        let folder = std::fs::read_dir(dir.path().join("offline_data")).into_iter().flatten();
        for entry in folder.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("parking_") && name.ends_with(".json") {
                let bytes = std::fs::read(entry.path()).unwrap();
                let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                assert_eq!(value["schema"], 1, "{name}");
                assert_eq!(value["kind"], "audit");
            }
        }
    }
    assert!(listed_before > 0, "the writer never got going");
}
