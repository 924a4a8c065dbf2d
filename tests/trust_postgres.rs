//! The trust boundary against a real PostgreSQL the harness starts: TLS (a server that speaks
//! only TLS, with a certificate for `localhost` from a test CA) for the pool, live updates and
//! `gardu db check`; and one site key shared by two data folders on one database.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use common::pg::{PgServer, TlsFiles, shared};
use gardu::store::Store;
use gardu::store::live::{LiveOptions, subscribe_postgres};
use gardu::store::postgres::{PostgresOptions, PostgresStore};

static TLS: OnceLock<(PgServer, TlsFiles)> = OnceLock::new();

fn tls_server() -> &'static (PgServer, TlsFiles) {
    TLS.get_or_init(PgServer::start_tls)
}

/// A new database on the TLS server; its name.
fn tls_database() -> String {
    let url = tls_server().0.create_database();
    url.rsplit('/').next().unwrap().to_string()
}

fn connect(url: &str) -> Result<PostgresStore, String> {
    PostgresStore::connect(&PostgresOptions::new(url, Duration::from_secs(10))).map_err(|err| err.to_string())
}

fn ca_query(ca: &Path, mode: &str) -> String {
    format!("sslmode={mode}&sslrootcert={}", ca.display())
}

#[test]
fn verify_full_to_the_certificate_name_connects_encrypted() {
    let (server, files) = tls_server();
    let db = tls_database();
    let url = server.url_at("localhost", &db, &ca_query(&files.ca, "verify-full"));
    let store = connect(&url).unwrap();
    assert_eq!(store.encrypted().unwrap(), Some(true));
    // prefer (the default) and verify-ca by address also end up encrypted against this server.
    let store = connect(&server.url_at("127.0.0.1", &db, "application_name=x")).unwrap();
    assert_eq!(store.encrypted().unwrap(), Some(true));
    let store = connect(&server.url_at("127.0.0.1", &db, &ca_query(&files.ca, "verify-ca"))).unwrap();
    assert_eq!(store.encrypted().unwrap(), Some(true));
}

#[test]
fn verify_full_to_an_address_the_certificate_does_not_name_is_refused() {
    let (server, files) = tls_server();
    let db = tls_database();
    let err = connect(&server.url_at("127.0.0.1", &db, &ca_query(&files.ca, "verify-full"))).unwrap_err();
    assert!(err.contains("does not name the host"), "{err}");
}

#[test]
fn a_plain_connection_is_refused_by_the_server_and_the_error_says_tls_is_required() {
    let (server, _) = tls_server();
    let db = tls_database();
    let err = connect(&server.url_at("localhost", &db, "sslmode=disable")).unwrap_err();
    assert!(err.contains("requires TLS"), "{err}");
}

#[test]
fn a_certificate_from_another_ca_is_refused() {
    let (server, files) = tls_server();
    let db = tls_database();
    for mode in ["verify-full", "verify-ca", "require"] {
        let err = connect(&server.url_at("localhost", &db, &ca_query(&files.other_ca, mode))).unwrap_err();
        assert!(err.contains("not signed by the CA"), "{mode}: {err}");
    }
}

#[test]
fn live_updates_listen_over_tls() {
    let (server, files) = tls_server();
    let db = tls_database();
    let url = server.url_at("localhost", &db, &ca_query(&files.ca, "verify-full"));
    connect(&url).unwrap();
    let subscription = subscribe_postgres(&url, &LiveOptions::default(), Arc::new(|| {})).unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while !subscription.connected() {
        assert!(Instant::now() < until, "the listener never connected over TLS");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn write_config(dir: &Path, url: &str) {
    std::fs::write(
        dir.join("config.toml"),
        format!("[database]\nurl = \"{url}\"\n[logging]\ndir = \"logs\"\n"),
    )
    .unwrap();
}

fn gardu(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gardu"));
    command.arg("--data-dir").arg(dir).args(args).stdin(Stdio::null()).env_remove("GARDU_PASSWORD");
    command.env_remove("GARDU_KEY_PASSPHRASE");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn gardu_db_check_says_the_connection_is_encrypted() {
    let (server, files) = tls_server();
    let db = tls_database();
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &server.url_at("localhost", &db, &ca_query(&files.ca, "verify-full")));
    let out = gardu(dir.path(), &["db", "check"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("encrypted (TLS)"), "{}", text(&out));
    let out = gardu(dir.path(), &["db", "check", "--json"], &[]);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["encrypted"], true);
}

#[test]
fn two_booths_share_one_site_key_or_refuse_until_it_is_imported() {
    let url = shared().create_database();
    let booth_a = tempfile::tempdir().unwrap();
    let booth_b = tempfile::tempdir().unwrap();
    write_config(booth_a.path(), &url);
    write_config(booth_b.path(), &url);

    // Booth A is first: its key is made and its fingerprint recorded.
    let out = gardu(booth_a.path(), &["ticket", "issue", "--class", "MBL", "--json"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let issued: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let code = issued["code"].as_str().unwrap().to_string();

    // Booth B has no key: it refuses, names the fix, and makes none.
    let out = gardu(booth_b.path(), &["ticket", "verify", &code], &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("gardu site-key import"), "{}", text(&out));
    assert!(!booth_b.path().join("data/site.secret").exists(), "no second key was made");
    // The console's lanes open the key the same way and refuse alike.
    let ctx_b = gardu::site::Context::resolve(None, Some(booth_b.path())).unwrap();
    let store_b = ctx_b.open_store().unwrap();
    let refused = ctx_b.secret(store_b.as_ref()).unwrap_err().to_string();
    assert!(refused.contains("site-key import"), "{refused}");
    // A booth with a key of its own (copied from elsewhere) refuses too.
    gardu::secret::SiteSecret::from_bytes([9; 32]).install(&booth_b.path().join("data/site.secret")).unwrap();
    let out = gardu(booth_b.path(), &["ticket", "issue", "--class", "MBL"], &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("is not the key of this site"), "{}", text(&out));
    std::fs::remove_file(booth_b.path().join("data/site.secret")).unwrap();

    // Export from A (sealed), import on B: B's tickets and A's verify on both.
    let sealed = booth_a.path().join("site-key.enc");
    let sealed_arg = sealed.to_string_lossy().into_owned();
    let passphrase = [("GARDU_KEY_PASSPHRASE", "kunci-gerbang-7")];
    let out = gardu(booth_a.path(), &["site-key", "export", "--out", &sealed_arg], &passphrase);
    assert!(out.status.success(), "{}", text(&out));
    let out =
        gardu(booth_b.path(), &["site-key", "import", &sealed_arg], &[("GARDU_KEY_PASSPHRASE", "salah")]);
    assert!(!out.status.success());
    assert!(text(&out).contains("wrong passphrase"), "{}", text(&out));
    let out = gardu(booth_b.path(), &["site-key", "import", &sealed_arg], &passphrase);
    assert!(out.status.success(), "{}", text(&out));
    let out = gardu(booth_b.path(), &["ticket", "verify", &code], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let out = gardu(booth_b.path(), &["site-key", "show"], &[]);
    assert!(text(&out).contains("the keys match"), "{}", text(&out));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [booth_b.path().join("data/site.secret"), sealed] {
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "{file:?}");
        }
    }
}

#[cfg(unix)]
#[test]
fn the_booth_cache_with_its_password_hashes_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let (server, files) = tls_server();
    let db = tls_database();
    let url = server.url_at("localhost", &db, &ca_query(&files.ca, "verify-full"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/booth-cache.db");
    let settings = gardu::store::cache::CacheSettings::new(&path, "SITE-01");
    let booth = gardu::store::open_booth(
        &gardu::config::DatabaseLocation::Postgres(url),
        &gardu::store::OpenOptions::default(),
        settings,
        Arc::new(gardu::clock::SystemClock),
    )
    .unwrap();
    assert!(!booth.serving_from_cache());
    assert_eq!(booth.store.encrypted().unwrap(), Some(true), "the cache asks the server");
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
}
