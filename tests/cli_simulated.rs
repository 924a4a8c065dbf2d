//! `gardu export visits` leaves the visits of `gardu sim traffic` out unless
//! `--include-simulated` asks for them, and marks them `simulated` in the CSV; the same traffic
//! exported to Excel reads back (Python's openpyxl) with typed cells on every sheet.

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

/// Reads a workbook back with openpyxl and prints, per sheet: its name, data rows, frozen
/// cell, autofilter range, and each column's header with the type and number format of its
/// first non-empty data cell.
const READ_BACK: &str = r#"
import json, sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
out = {}
for sheet in book.worksheets:
    rows = list(sheet.iter_rows())
    columns = {}
    for col, head in enumerate(rows[0]):
        first = next((r[col] for r in rows[1:] if r[col].value is not None), None)
        columns[head.value] = None if first is None else [type(first.value).__name__, first.number_format]
    out[sheet.title] = {"rows": len(rows) - 1, "freeze": sheet.freeze_panes,
                        "filter": sheet.auto_filter.ref, "columns": columns}
print(json.dumps(out))
"#;

fn read_back(path: &Path) -> serde_json::Value {
    let out = Command::new("python3").arg("-c").arg(READ_BACK).arg(path).output().expect("python3 runs");
    assert!(
        out.status.success(),
        "openpyxl could not read {} (install it: .ci/install-deps): {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn transactions_shifts_and_statistics_export_to_excel_with_typed_cells() {
    let dir = tempfile::tempdir().unwrap();
    let run =
        gardu(dir.path(), &["sim", "traffic", "--vehicles", "6", "--rate", "4", "--seed", "5", "--json"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stdout));
    let today = chrono::Utc::now().date_naive();
    let (from, to) =
        ((today - chrono::Duration::days(1)).to_string(), (today + chrono::Duration::days(1)).to_string());
    let export = |args: &[&str], name: &str| -> serde_json::Value {
        let out = dir.path().join(name);
        let out_text = out.display().to_string();
        let mut all = vec!["export"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--from", &from, "--to", &to, "--out", &out_text]);
        let done = gardu(dir.path(), &all);
        assert!(done.status.success(), "{args:?}: {}", String::from_utf8_lossy(&done.stderr));
        read_back(&out)
    };
    let typed = |sheet: &serde_json::Value, column: &str, kind: &str, format: &str| {
        let cell = &sheet["columns"][column];
        assert_eq!(cell[0], kind, "{column}: {sheet}");
        assert!(cell[1].as_str().unwrap().contains(format), "{column} format: {sheet}");
    };
    let framed = |sheet: &serde_json::Value| {
        assert_eq!(sheet["freeze"], "A2", "frozen header: {sheet}");
        assert!(sheet["filter"].as_str().is_some_and(|r| r.starts_with("A1:")), "autofilter: {sheet}");
    };

    let visits = export(&["visits", "--format", "xlsx", "--include-simulated"], "visits.xlsx");
    let tx = &visits["Transactions"];
    assert_eq!(tx["rows"], 6, "{visits}");
    framed(tx);
    typed(tx, "entry_time", "datetime", "yyyy-mm-dd hh:mm");
    typed(tx, "exit_time", "datetime", "yyyy-mm-dd hh:mm");
    typed(tx, "total", "int", "Rp");
    typed(tx, "stay_min", "int", "General");
    typed(tx, "simulated", "bool", "General");
    typed(tx, "plate", "str", "General");

    let shifts = export(&["shifts"], "shifts.xlsx");
    let names: Vec<&String> = shifts.as_object().unwrap().keys().collect();
    for part in ["Shifts", "Methods", "Classes", "Late records"] {
        assert!(shifts.get(part).is_some(), "sheet {part} missing: {names:?}");
        framed(&shifts[part]);
    }
    assert!(shifts["Shifts"]["rows"].as_u64().unwrap() >= 1, "{shifts}");
    typed(&shifts["Shifts"], "opened", "datetime", "yyyy-mm-dd");
    typed(&shifts["Shifts"], "opening_float", "int", "Rp");
    typed(&shifts["Methods"], "takings", "int", "Rp");

    let stats = export(&["stats", "--include-simulated"], "stats.xlsx");
    for part in ["Summary", "Days", "Classes", "Methods", "Cashiers", "Shifts"] {
        framed(&stats[part]);
    }
    assert_eq!(stats["Days"]["rows"], 3, "{stats}");
    typed(&stats["Days"], "day", "datetime", "yyyy-mm-dd");
    typed(&stats["Days"], "entries", "int", "General");
    typed(&stats["Days"], "revenue", "int", "Rp");
    typed(&stats["Methods"], "revenue", "int", "Rp");
}
