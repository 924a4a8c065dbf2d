//! Operators on the command line: `--as USER` with the password from `GARDU_PASSWORD`, the
//! role each command needs, the bootstrap of a fresh folder, refusals with exit code 3, the
//! lockout through the CLI, audit lines that name the operator, and owner-only files.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const ADMIN_PASSWORD: &str = "admin-rahasia-1";
const CASHIER_PASSWORD: &str = "kasir-rahasia-1";

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gardu"));
    command.arg("--data-dir").arg(dir).args(args).env_remove("GARDU_PASSWORD").stdin(Stdio::null());
    command
}

fn gardu(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

/// Runs as `user` with `password` in `GARDU_PASSWORD`.
fn gardu_as(dir: &Path, user: &str, password: &str, args: &[&str]) -> Output {
    command(dir, args).args(["--as", user]).env("GARDU_PASSWORD", password).output().unwrap()
}

/// `user add` with the new password piped, optionally as an operator.
fn add_user(dir: &Path, by: Option<(&str, &str)>, username: &str, role: &str, password: &str) -> Output {
    let mut command = command(dir, &["user", "add", "--username", username, "--role", role]);
    if let Some((user, pass)) = by {
        command.args(["--as", user]).env("GARDU_PASSWORD", pass);
    }
    let mut child =
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn ok(output: &Output) {
    assert!(output.status.success(), "{}\n{}", String::from_utf8_lossy(&output.stdout), stderr(output));
}

/// A folder with an admin and a cashier.
fn site_with_operators() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(&add_user(dir.path(), None, "admin", "admin", ADMIN_PASSWORD));
    ok(&add_user(dir.path(), Some(("admin", ADMIN_PASSWORD)), "kasir1", "cashier", CASHIER_PASSWORD));
    dir
}

fn audit_lines(dir: &Path) -> Vec<(Option<String>, String, String)> {
    let db = rusqlite::Connection::open(dir.join("data/gardu.db")).unwrap();
    let mut statement = db.prepare("SELECT username, action, detail FROM audit_log ORDER BY id").unwrap();
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_fresh_folder_runs_every_command_without_an_operator() {
    let dir = tempfile::tempdir().unwrap();
    ok(&gardu(dir.path(), &["db", "migrate"]));
    ok(&gardu(dir.path(), &["ticket", "issue", "--class", "MBL"]));
    ok(&gardu(dir.path(), &["demo"]));
    // The first operator must be an admin, or nobody could manage accounts afterwards.
    let out = add_user(dir.path(), None, "kasir1", "cashier", CASHIER_PASSWORD);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("first operator must be an admin"), "{}", stderr(&out));
    ok(&add_user(dir.path(), None, "admin", "admin", ADMIN_PASSWORD));
    let audit = audit_lines(dir.path());
    assert!(
        audit
            .iter()
            .any(|(user, action, _)| user.as_deref() == Some("bootstrap") && action == "user_created"),
        "{audit:?}"
    );
}

#[test]
fn once_an_operator_exists_guarded_commands_are_refused_with_exit_code_3() {
    let dir = site_with_operators();
    let d = dir.path();
    let csv = d.join("v.csv").to_string_lossy().into_owned();
    let guarded: [(&[&str], &str); 8] = [
        (&["user", "add", "--username", "x1x", "--role", "admin"], "an admin"),
        (&["user", "unlock", "kasir1"], "an admin"),
        (&["user", "list"], "an admin"),
        (&["export", "visits", "--from", "2026-01-01", "--to", "2026-01-02", "--out", &csv], "an admin"),
        (&["ticket", "issue", "--class", "MBL"], "an admin"),
        (&["journal", "replay"], "an admin or a technician"),
        (&["db", "migrate"], "an admin"),
        (&["db", "seed-demo", "--visits", "3"], "an admin or a technician"),
    ];
    for (args, needed) in guarded {
        let out = gardu(d, args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        let said = stderr(&out);
        assert!(said.contains(&format!("needs {needed}")) && said.contains("--as USER"), "{args:?}: {said}");
        assert!(said.contains("GARDU_PASSWORD"), "{said}");
    }
    assert!(!d.join("v.csv").exists(), "nothing was exported");
    // A cashier is not an admin.
    let out = gardu_as(d, "kasir1", CASHIER_PASSWORD, &["user", "list"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("needs an admin; kasir1 is a cashier"), "{}", stderr(&out));
    // Read-only diagnostics stay open.
    let open: [&[&str]; 4] = [
        &["fee", "--class", "MBL", "--minutes", "61"],
        &["db", "check"],
        &["journal", "list"],
        &["site-key", "show"],
    ];
    for args in open {
        ok(&gardu(d, args));
    }
    // The admin may; the audit names the admin, not "cli".
    let out = gardu_as(d, "admin", ADMIN_PASSWORD, &["user", "list"]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("kasir1"));
    let audit = audit_lines(d);
    assert!(
        audit.iter().any(|(user, action, detail)| user.as_deref() == Some("admin")
            && action == "user_created"
            && detail.contains("kasir1")),
        "{audit:?}"
    );
    assert!(audit.iter().all(|(user, _, _)| user.as_deref() != Some("cli")), "{audit:?}");
}

#[test]
fn wrong_passwords_exit_3_and_lock_the_account_through_the_cli() {
    let dir = site_with_operators();
    let d = dir.path();
    for attempt in 1..=5 {
        let out = gardu_as(d, "admin", "salah-sandi", &["user", "list"]);
        assert_eq!(out.status.code(), Some(3), "attempt {attempt}");
        assert!(!stderr(&out).contains("salah-sandi"));
    }
    let out = gardu_as(d, "admin", ADMIN_PASSWORD, &["user", "list"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("locked"), "{}", stderr(&out));
    let audit = audit_lines(d);
    let failed = audit
        .iter()
        .filter(|(user, action, _)| user.as_deref() == Some("admin") && action == "login_failed")
        .count();
    assert_eq!(failed, 6, "five wrong passwords and one try while locked: {audit:?}");
    assert!(audit.iter().any(|(user, action, _)| user.as_deref() == Some("admin") && action == "lockout"));
    // An unknown user reads like a wrong password.
    let out = gardu_as(d, "siapa", "apa-saja-1", &["user", "list"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("Wrong username or password"), "{}", stderr(&out));
}

#[test]
fn ticket_issue_records_the_entry_and_audits_the_admin() {
    let dir = site_with_operators();
    let d = dir.path();
    let out = gardu_as(d, "admin", ADMIN_PASSWORD, &["ticket", "issue", "--class", "MBL", "--json"]);
    ok(&out);
    let issued: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let code = issued["code"].as_str().unwrap();
    let db = rusqlite::Connection::open(d.join("data/gardu.db")).unwrap();
    let (operator, class): (Option<String>, String) = db
        .query_row("SELECT operator, class FROM entries WHERE ticket_code = ?1", [code], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .unwrap();
    assert_eq!(operator.as_deref(), Some("admin"));
    assert_eq!(class, "MBL");
    let audit = audit_lines(d);
    assert!(
        audit.iter().any(|(user, action, detail)| user.as_deref() == Some("admin")
            && action == "ticket_issued"
            && detail.contains(issued["ticket_no"].as_str().unwrap())),
        "{audit:?}"
    );
    ok(&gardu(d, &["ticket", "verify", code]));
}

#[cfg(unix)]
#[test]
fn files_with_hashes_or_personal_data_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = site_with_operators();
    let d = dir.path();
    ok(&gardu_as(d, "admin", ADMIN_PASSWORD, &["ticket", "issue", "--class", "MBL"]));
    let csv = d.join("visits.csv").to_string_lossy().into_owned();
    ok(&gardu_as(
        d,
        "admin",
        ADMIN_PASSWORD,
        &["export", "visits", "--from", "2026-01-01", "--to", "2026-01-02", "--out", &csv],
    ));
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let mut files = vec![d.join("data/gardu.db"), d.join("data/site.secret"), d.join("visits.csv")];
    for wal in ["data/gardu.db-wal", "data/gardu.db-shm"] {
        if d.join(wal).exists() {
            files.push(d.join(wal));
        }
    }
    files.extend(std::fs::read_dir(d.join("logs")).unwrap().flatten().map(|e| e.path()));
    assert!(files.len() >= 4, "{files:?}");
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

#[test]
fn a_shift_report_is_for_an_admin_or_that_shifts_cashier() {
    use gardu::store::Store;
    let dir = site_with_operators();
    let d = dir.path();
    ok(&add_user(d, Some(("admin", ADMIN_PASSWORD)), "kasir2", "cashier", CASHIER_PASSWORD));
    let shift = gardu::store::Shift {
        id: uuid::Uuid::new_v4(),
        site: "SITE-01".into(),
        booth: "OUT1".into(),
        username: "kasir1".into(),
        opened_at: chrono::Utc::now(),
        closed_at: None,
        opening_float: gardu::domain::Rupiah(100_000),
        expected_cash: None,
        counted_cash: None,
        simulated: false,
    };
    gardu::store::sqlite::SqliteStore::open(&d.join("data/gardu.db")).unwrap().open_shift(&shift).unwrap();
    let id = shift.id.to_string();
    ok(&gardu_as(d, "kasir1", CASHIER_PASSWORD, &["shift", "report", &id]));
    ok(&gardu_as(d, "admin", ADMIN_PASSWORD, &["shift", "report", &id]));
    let out = gardu_as(d, "kasir2", CASHIER_PASSWORD, &["shift", "report", &id]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("belongs to kasir1"), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "nothing of the shift was shown");
}
