//! A throwaway PostgreSQL server for tests and benchmarks, started from the system's own
//! binaries (`initdb`, `pg_ctl`) in a temporary folder on a free loopback port.
//!
//! One shared server per test binary ([`shared`]) holds a fresh database per test
//! ([`fresh_store`]); tests that stop the server start their own ([`PgServer::start`]).
//! PostgreSQL refuses to run as root, so under root the server runs as the `postgres` user.
//!
//! Nothing is left behind: a watchdog process (a shell reading a pipe from this process) stops
//! the server and removes its folder when this process ends, however it ends, and each start
//! first clears servers left by earlier runs whose owning process is gone. Statics are never
//! dropped, so the pipe's closing at exit is what triggers the clean-up.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use gardu::store::postgres::{PostgresOptions, PostgresStore};

/// Folder names of servers made here: `gardu-pg-<owner pid>-<n>`.
const DIR_PREFIX: &str = "gardu-pg-";

/// How much durability the server keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `fsync = off`: tests that only need correctness run much faster; a crash of the server
    /// process (not of the machine) still loses no committed transaction.
    Fast,
    /// PostgreSQL's defaults: what a benchmark must measure.
    Real,
}

/// A running (or stopped) throwaway server.
pub struct PgServer {
    root: PathBuf,
    data: PathBuf,
    port: u16,
    bin: PathBuf,
    as_postgres: bool,
    /// Closing this pipe (at drop or at process exit) makes the watchdog clean up.
    watchdog: Mutex<Option<(Child, ChildStdin)>>,
}

static SHARED: OnceLock<PgServer> = OnceLock::new();
static SERIAL: AtomicU32 = AtomicU32::new(0);

/// The server shared by every test of this binary, started on first use.
pub fn shared() -> &'static PgServer {
    SHARED.get_or_init(|| PgServer::start(Durability::Fast))
}

/// A new empty database on the shared server, migrated, as a store.
pub fn fresh_store() -> PostgresStore {
    let url = shared().create_database();
    PostgresStore::connect(&PostgresOptions::new(url, Duration::from_secs(10)))
        .expect("connect to the test database")
}

fn run(command: &mut Command, what: &str) -> std::process::Output {
    let output = command.output().unwrap_or_else(|err| panic!("{what}: cannot run: {err}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The folder holding `initdb` and `pg_ctl`: on PATH, else the newest Debian/Ubuntu install.
fn find_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                return std::fs::canonicalize(dir.join("pg_ctl"))
                    .ok()
                    .and_then(|real| real.parent().map(Path::to_path_buf))
                    .unwrap_or(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!("PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql (apt-get install postgresql)")
    })
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The uid and gid of the `postgres` account, from /etc/passwd.
fn postgres_ids() -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&"postgres") && fields.len() > 3)
                .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
                .flatten()
        })
        .unwrap_or_else(|| {
            panic!("running as root needs the postgres user: install postgresql (apt-get install postgresql)")
        })
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Stops and removes servers whose owning test process is gone (a run killed before its
/// watchdog could act, e.g. a machine reset).
fn clear_stale(bin: &Path, as_postgres: bool) {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(DIR_PREFIX) else { continue };
        let Some(owner) = rest.split('-').next().and_then(|pid| pid.parse::<u32>().ok()) else { continue };
        if owner == std::process::id() || process_alive(owner) {
            continue;
        }
        let data = entry.path().join("data");
        if data.join("postmaster.pid").exists() {
            let _ = pg_ctl_command(bin, as_postgres, &entry.path())
                .args(["-D", &data.to_string_lossy(), "stop", "-m", "immediate", "-w"])
                .output();
        }
        let _ = std::fs::remove_dir_all(entry.path());
    }
}

fn pg_ctl_command(bin: &Path, as_postgres: bool, cwd: &Path) -> Command {
    let pg_ctl = bin.join("pg_ctl");
    let mut command = if as_postgres {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(pg_ctl);
        command
    } else {
        Command::new(pg_ctl)
    };
    command.current_dir(cwd).stdin(Stdio::null());
    command
}

/// Quotes a path for `sh -c`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The certificates of a TLS test server ([`PgServer::start_tls`]).
pub struct TlsFiles {
    /// The test CA that signed the server's certificate (for `sslrootcert`).
    pub ca: PathBuf,
    /// Another CA, which signed nothing the server shows.
    pub other_ca: PathBuf,
}

/// Runs the `openssl` binary; panics with its output if it fails.
fn openssl(dir: &Path, args: &[&str]) {
    run(
        Command::new("openssl").args(args).current_dir(dir).stdin(Stdio::null()),
        &format!("openssl {}", args[0]),
    );
}

/// A CA (`NAME.crt`, `NAME.key`) in `dir`.
fn make_ca(dir: &Path, name: &str) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.crt"),
            "-days",
            "2",
            "-subj",
            &format!("/CN=Gardu test {name}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

impl PgServer {
    /// Makes a new cluster and starts it; panics with the server log if it cannot.
    pub fn start(durability: Durability) -> PgServer {
        let server = Self::init(durability);
        server.start_again();
        server
    }

    /// Makes a new cluster with `settings` (postgresql.conf lines, e.g. `wal_level = logical`)
    /// added, and starts it.
    pub fn start_with(durability: Durability, settings: &str) -> PgServer {
        let server = Self::init(durability);
        let conf = server.data.join("postgresql.conf");
        let mut file = std::fs::OpenOptions::new().append(true).open(&conf).expect("open postgresql.conf");
        file.write_all(format!("\n{settings}\n").as_bytes()).expect("write postgresql.conf");
        server.start_again();
        server
    }

    /// A server set up for logical replication: `wal_level = logical`, slots and senders for a
    /// few subscribers, a bound on what a slot may hold back, and quick retries.
    pub fn start_logical(durability: Durability) -> PgServer {
        Self::start_with(
            durability,
            "wal_level = logical\nmax_replication_slots = 16\nmax_wal_senders = 16\n\
             max_logical_replication_workers = 16\nmax_worker_processes = 32\n\
             max_slot_wal_keep_size = 1GB\nwal_retrieve_retry_interval = 200ms\n\
             wal_receiver_status_interval = 1s",
        )
    }

    /// Replaces `pg_hba.conf` and makes the running server read it again (new connections only).
    pub fn set_hba(&self, text: &str) {
        std::fs::write(self.data.join("pg_hba.conf"), text).expect("write pg_hba.conf");
        self.client("postgres").batch_execute("SELECT pg_reload_conf()").expect("reload the configuration");
    }

    /// The `pg_hba.conf` the cluster was made with.
    pub fn hba(&self) -> String {
        std::fs::read_to_string(self.data.join("pg_hba.conf")).expect("read pg_hba.conf")
    }

    /// A server that speaks TLS only: `ssl = on` with a certificate for `localhost` signed by a
    /// CA made here, and a `pg_hba.conf` whose only TCP lines are `hostssl` (the harness itself
    /// uses the Unix socket).
    pub fn start_tls() -> (PgServer, TlsFiles) {
        let server = Self::init(Durability::Fast);
        let dir = server.root.join("tls");
        std::fs::create_dir_all(&dir).expect("create the certificate folder");
        make_ca(&dir, "ca");
        make_ca(&dir, "other-ca");
        openssl(
            &dir,
            &[
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        );
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .expect("write the certificate extensions");
        openssl(
            &dir,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.crt",
                "-days",
                "2",
                "-extfile",
                "server.ext",
            ],
        );
        let key = dir.join("server.key");
        std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .expect("key mode 0600");
        if server.as_postgres {
            let (uid, gid) = postgres_ids();
            for file in ["server.key", "server.crt"] {
                std::os::unix::fs::chown(dir.join(file), Some(uid), Some(gid))
                    .expect("give the key to postgres");
            }
        }
        let settings = format!(
            "ssl = on\nssl_cert_file = {}\nssl_key_file = {}\n",
            shell_quote(&dir.join("server.crt").to_string_lossy()),
            shell_quote(&key.to_string_lossy())
        );
        let conf = server.data.join("postgresql.conf");
        let mut file = std::fs::OpenOptions::new().append(true).open(&conf).expect("open postgresql.conf");
        file.write_all(settings.as_bytes()).expect("write postgresql.conf");
        std::fs::write(
            server.data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n",
        )
        .expect("write pg_hba.conf");
        server.start_again();
        let files = TlsFiles { ca: dir.join("ca.crt"), other_ca: dir.join("other-ca.crt") };
        (server, files)
    }

    /// A new cluster, configured but not started.
    fn init(durability: Durability) -> PgServer {
        let bin = find_bin();
        let as_postgres = running_as_root();
        clear_stale(&bin, as_postgres);
        let n = SERIAL.fetch_add(1, Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("{DIR_PREFIX}{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create the server folder");
        if as_postgres {
            let (uid, gid) = postgres_ids();
            std::os::unix::fs::chown(&root, Some(uid), Some(gid))
                .expect("give the server folder to postgres");
        }
        let data = root.join("data");
        let server = PgServer { root, data, port: free_port(), bin, as_postgres, watchdog: Mutex::new(None) };
        server.start_watchdog();
        let initdb = server.bin.join("initdb");
        let mut command = if as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&initdb);
            command
        } else {
            Command::new(&initdb)
        };
        run(
            command
                .args(["-D", &server.data.to_string_lossy(), "-U", "postgres", "-A", "trust", "-E", "UTF8"])
                .args(["--locale=C", "--no-sync"])
                .current_dir(&server.root)
                .stdin(Stdio::null()),
            "initdb",
        );
        let mut settings = format!(
            "\n# gardu test server\nport = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = {}\n\
             max_connections = 200\nlogging_collector = off\n",
            server.port,
            shell_quote(&server.root.to_string_lossy())
        );
        if durability == Durability::Fast {
            // Not synchronous_commit = off: a commit must survive `stop_hard`, which throws away
            // WAL still in the server's memory; with fsync off it only needs to reach the OS.
            settings.push_str("fsync = off\nfull_page_writes = off\n");
        }
        let conf = server.data.join("postgresql.conf");
        let mut file = std::fs::OpenOptions::new().append(true).open(&conf).expect("open postgresql.conf");
        file.write_all(settings.as_bytes()).expect("write postgresql.conf");
        server
    }

    fn start_watchdog(&self) {
        let stop = pg_ctl_command(&self.bin, self.as_postgres, &self.root)
            .args(["-D", &self.data.to_string_lossy(), "stop", "-m", "immediate", "-w"])
            .get_args()
            .map(|arg| shell_quote(&arg.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ");
        let program = shell_quote(
            &pg_ctl_command(&self.bin, self.as_postgres, &self.root).get_program().to_string_lossy(),
        );
        let script = format!(
            "cat >/dev/null; if [ -f {data}/postmaster.pid ]; then {program} {stop} >/dev/null 2>&1; fi; rm -rf {root}",
            data = shell_quote(&self.data.to_string_lossy()),
            root = shell_quote(&self.root.to_string_lossy()),
        );
        // Its own process group: a Ctrl-C aimed at the tests must not kill the clean-up too.
        let mut child = std::os::unix::process::CommandExt::process_group(
            Command::new("sh").args(["-c", &script]).current_dir(std::env::temp_dir()),
            0,
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server watchdog");
        let stdin = child.stdin.take().expect("the watchdog's pipe");
        *self.watchdog.lock().unwrap() = Some((child, stdin));
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The connection URL of database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// The URL of database `db` by the name `host` (e.g. `localhost` for a TLS server), with
    /// more query parameters.
    pub fn url_at(&self, host: &str, db: &str, query: &str) -> String {
        format!("postgres://postgres@{host}:{}/{db}?{query}", self.port)
    }

    /// A plain client on database `db` over the Unix socket (which a TLS-only server allows),
    /// for checks the store does not offer.
    pub fn client(&self, db: &str) -> postgres::Client {
        postgres::Config::new()
            .host_path(&self.root)
            .port(self.port)
            .user("postgres")
            .dbname(db)
            .connect(postgres::NoTls)
            .expect("connect to the test server")
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self) -> String {
        let name = format!("test_{}_{}", std::process::id(), SERIAL.fetch_add(1, Ordering::Relaxed));
        self.client("postgres")
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        self.url(&name)
    }

    /// Kills the server the way a power cut or crash would: no checkpoint, connections cut.
    pub fn stop_hard(&self) {
        run(
            pg_ctl_command(&self.bin, self.as_postgres, &self.root).args([
                "-D",
                &self.data.to_string_lossy(),
                "stop",
                "-m",
                "immediate",
                "-w",
            ]),
            "pg_ctl stop -m immediate",
        );
    }

    /// Starts the server (again) on the same port and data folder, waiting until it accepts
    /// connections; panics with the log if it does not.
    pub fn start_again(&self) {
        let log = self.root.join("server.log");
        let output = pg_ctl_command(&self.bin, self.as_postgres, &self.root)
            .args([
                "-D",
                &self.data.to_string_lossy(),
                "-l",
                &log.to_string_lossy(),
                "-w",
                "-t",
                "60",
                "start",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run pg_ctl start");
        if !output.success() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("the test PostgreSQL server did not start ({output}):\n{log}");
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = pg_ctl_command(&self.bin, self.as_postgres, &self.root)
            .args(["-D", &self.data.to_string_lossy(), "stop", "-m", "fast", "-w"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // Closing the pipe lets the watchdog remove the folder; wait so it is gone on return.
        if let Some((mut child, stdin)) = self.watchdog.lock().ok().and_then(|mut guard| guard.take()) {
            drop(stdin);
            let _ = child.wait();
        }
    }
}
