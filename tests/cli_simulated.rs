//! `gardu export visits` leaves the visits of `gardu sim traffic` out unless
//! `--include-simulated` asks for them, and marks them `simulated` in the CSV.

use std::path::Path;
use std::process::{Command, Output};

fn gardu(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gardu"))
        .arg("--data-dir")
        .arg(dir)
        .arg("-q")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn exported_visits_leave_simulated_traffic_out_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let run =
        gardu(dir.path(), &["sim", "traffic", "--vehicles", "12", "--rate", "4", "--seed", "3", "--json"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stdout));

    let export = |name: &str, extra: &[&str]| -> Vec<String> {
        let out = dir.path().join(name);
        let out_text = out.display().to_string();
        let mut args =
            vec!["export", "visits", "--from", "2000-01-01", "--to", "2100-01-01", "--out", &out_text];
        args.extend_from_slice(extra);
        let done = gardu(dir.path(), &args);
        assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
        std::fs::read_to_string(&out).unwrap().lines().map(str::to_string).collect()
    };
    let real = export("real.csv", &[]);
    assert_eq!(real.len(), 1, "only the header: every visit was simulated: {real:?}");
    let header: Vec<&str> = real[0].split(',').collect();
    let column = header.iter().position(|c| *c == "simulated").expect("a simulated column");

    let all = export("all.csv", &["--include-simulated"]);
    assert_eq!(all.len(), 1 + 12, "{all:?}");
    assert!(all[1..].iter().all(|line| line.split(',').nth(column) == Some("true")), "{all:?}");
}
