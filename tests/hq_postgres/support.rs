//! Three clusters on loopback — two sites and HQ — and what the HQ tests do with them: run
//! `gardu` against one, compare what a site holds with what HQ holds, wait for replication with
//! a deadline.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::common::pg::{Durability, PgServer};

/// How long replication may take to show at the other end before a test fails.
pub const DEADLINE: Duration = Duration::from_secs(90);

/// The tables keyed by a UUID that a site publishes, with their key column.
pub const KEYED: &[(&str, &str)] =
    &[("entries", "id"), ("exits", "id"), ("shifts", "id"), ("visit_links", "entry_id")];

/// One cluster with its Gardu database and a data folder for the `gardu` it runs.
pub struct Node {
    /// Site code (HQ's own code for HQ).
    pub code: &'static str,
    /// The cluster.
    pub server: PgServer,
    /// The database's name on it.
    pub db: String,
    /// The URL as the superuser (what `database.url` holds).
    pub url: String,
    /// The data folder of this node's `gardu` runs.
    pub dir: tempfile::TempDir,
}

impl Node {
    /// A new cluster set up for logical replication, with an empty database and a config.
    pub fn start(code: &'static str) -> Node {
        let server = PgServer::start_logical(Durability::Fast);
        let url = server.create_database();
        let db = url.rsplit('/').next().unwrap_or_default().to_string();
        let dir = tempfile::tempdir().expect("a data folder");
        std::fs::write(
            dir.path().join("config.toml"),
            format!(
                "[site]\ncode = \"{code}\"\n[booth]\ncode = \"IN1\"\n[database]\nurl = \"{url}\"\n\
                 [journal]\ndir = \"offline_data\"\nimages_dir = \"Images\"\n[logging]\ndir = \"logs\"\n"
            ),
        )
        .expect("write the config");
        Node { code, server, db, url, dir }
    }

    /// The URL a subscriber uses: the least-rights replication role.
    pub fn replication_url(&self) -> String {
        format!("postgres://gardu_replication@127.0.0.1:{}/{}", self.server.port(), self.db)
    }

    /// A superuser client on the Gardu database.
    pub fn client(&self) -> postgres::Client {
        self.server.client(&self.db)
    }

    /// The cache folder for a booth of this node.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `gardu ARGS` here and returns what it printed.
    pub fn gardu(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_gardu"))
            .arg("--data-dir")
            .arg(self.dir.path())
            .arg("-q")
            .args(args)
            .stdin(Stdio::null())
            .env_remove("GARDU_PASSWORD")
            .output()
            .expect("run gardu")
    }

    /// Runs `gardu ARGS` and panics with its output unless it succeeds.
    pub fn gardu_ok(&self, args: &[&str]) -> String {
        let output = self.gardu(args);
        assert!(output.status.success(), "gardu {args:?} at {}: {}", self.code, text(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `gardu sim traffic` here: `vehicles` through the real lanes.
    pub fn traffic(&self, vehicles: u32, seed: u64) {
        let out = self.gardu_ok(&[
            "sim",
            "traffic",
            "--vehicles",
            &vehicles.to_string(),
            "--rate",
            "6",
            "--seed",
            &seed.to_string(),
            "--json",
        ]);
        let report: serde_json::Value = serde_json::from_str(&out).expect("traffic report");
        assert_eq!(report["entries"], u64::from(vehicles), "{report}");
        assert_eq!(report["books_ok"], true, "{report}");
    }
}

/// Standard output and error of a run.
pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The keys of `table` for site `code` in `client`'s database.
pub fn ids(client: &mut postgres::Client, table: &str, key: &str, code: &str) -> BTreeSet<Uuid> {
    client
        .query(&format!("SELECT {key} FROM {table} WHERE site_code = $1"), &[&code])
        .expect("read keys")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// Rows of `table` for site `code`.
pub fn count(client: &mut postgres::Client, table: &str, code: &str) -> i64 {
    client
        .query_one(&format!("SELECT count(*) FROM {table} WHERE site_code = $1"), &[&code])
        .expect("count rows")
        .get(0)
}

/// The non-empty `exit_days` rollup rows of site `code`, as text, in key order.
pub fn rollups(client: &mut postgres::Client, code: &str) -> Vec<String> {
    client
        .query(
            "SELECT concat_ws(' ', day, exit_simulated, class, method, operator, shift_id, exits, revenue,
                 lost_tickets, stays, stay_us)
             FROM exit_days WHERE site_code = $1 AND exits <> 0
             ORDER BY day, exit_simulated, class, method, operator, shift_id",
            &[&code],
        )
        .expect("read exit_days")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// A rollup HQ keeps of the visits it holds, by a replica trigger: its table, the function
/// that names a visit row's groups, the rows that have any, its key and its measures.
pub struct Rollup {
    pub table: &'static str,
    pub of: &'static str,
    pub rows: &'static str,
    pub key: &'static str,
    pub measures: &'static [&'static str],
}

/// The transaction list's totals (migration 0017).
pub const VISIT_DAYS: Rollup = Rollup {
    table: "visit_days",
    of: "visit_days_of",
    rows: "v.has_entry",
    key: "day, simulated, class, booth, operator, origin, exited, exit_booth, exit_operator, method,
          lost_ticket, exit_origin",
    measures: &["visits"],
};

/// One day's statistics (migration 0019).
pub const QUARTER_FIGURES: Rollup = Rollup {
    table: "quarter_figures",
    of: "quarter_figures_of",
    rows: "true",
    key: "quarter, simulated, class, method, operator, shift_id",
    measures: &["entries", "exits", "revenue", "lost_tickets", "stays", "stay_us"],
};

/// Site `code`'s non-empty groups of `rollup` as text in key order: as held, or as made again
/// from the visit rows when `from_visits`.
pub fn groups(client: &mut postgres::Client, code: &str, rollup: &Rollup, from_visits: bool) -> Vec<String> {
    let Rollup { table, of, rows, key, measures } = rollup;
    let sql = if from_visits {
        let sums = measures.iter().map(|m| format!("sum({m})")).collect::<Vec<_>>().join(", ");
        format!(
            "SELECT concat_ws(' ', {key}, {sums})
             FROM (SELECT d.* FROM visit_links v, LATERAL {of}(1, v) d
                   WHERE v.site_code = $1 AND {rows}) g
             GROUP BY {key} ORDER BY 1"
        )
    } else {
        let any = measures.iter().map(|m| format!("{m} <> 0")).collect::<Vec<_>>().join(" OR ");
        format!(
            "SELECT concat_ws(' ', {key}, {}) FROM {table} WHERE site_code = $1 AND ({any}) ORDER BY 1",
            measures.join(", ")
        )
    };
    client
        .query(&sql, &[&code])
        .unwrap_or_else(|err| panic!("read {table}: {err}"))
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// What HQ should hold of a site beyond the site's own rows (the rows the site purged).
#[derive(Default)]
pub struct Purged {
    /// Keys per table.
    pub keys: std::collections::BTreeMap<&'static str, BTreeSet<Uuid>>,
}

/// Why HQ's copy of `site` differs from the site's rows (plus `purged`), or None when it is the same.
pub fn difference(site: &Node, hq: &mut postgres::Client, purged: &Purged) -> Option<String> {
    let mut local = site.client();
    for (table, key) in KEYED {
        let mut expected = ids(&mut local, table, key, site.code);
        if let Some(extra) = purged.keys.get(table) {
            expected.extend(extra.iter().copied());
        }
        let held = ids(hq, table, key, site.code);
        if expected != held {
            return Some(format!(
                "{table}: site {} (+ purged), HQ {}; HQ lacks {}, HQ has extra {}",
                expected.len(),
                held.len(),
                expected.difference(&held).count(),
                held.difference(&expected).count()
            ));
        }
    }
    // HQ's month statistics read its own rollups of the replicated visits: they must be the
    // site's (a purge at the site changes neither side's rollups).
    let (here, there) = (rollups(&mut local, site.code), rollups(hq, site.code));
    if here != there {
        return Some(format!("exit_days: site {} rows, HQ {} rows, not the same", here.len(), there.len()));
    }
    // The transaction list's totals and the day statistics at HQ count its own groups of the
    // replicated visits: they must be the groups of the visits HQ holds (the site's, and those
    // the site purged).
    // The site's own, kept by statement triggers through its replays and purges, likewise.
    for rollup in [VISIT_DAYS, QUARTER_FIGURES] {
        if groups(hq, site.code, &rollup, false) != groups(hq, site.code, &rollup, true) {
            return Some(format!("{}: HQ's groups are not those of the visits it holds", rollup.table));
        }
        if groups(&mut local, site.code, &rollup, false) != groups(&mut local, site.code, &rollup, true) {
            return Some(format!("{}: the site's groups are not those of its visits", rollup.table));
        }
    }
    // The audit log has no key at HQ: equal counts mean every line arrived exactly once.
    for table in ["audit_log", "tariffs", "booth_status"] {
        let (here, there) = (count(&mut local, table, site.code), count(hq, table, site.code));
        if here != there {
            return Some(format!("{table}: site {here}, HQ {there}"));
        }
    }
    None
}

/// Waits until HQ holds exactly the site's rows (plus `purged`); panics at the deadline.
pub fn wait_synced(site: &Node, hq: &Node, purged: &Purged, step: &str) {
    let mut client = hq.client();
    let until = Instant::now() + DEADLINE;
    loop {
        match difference(site, &mut client, purged) {
            None => return,
            Some(why) if Instant::now() > until => {
                panic!(
                    "{step}: HQ did not catch up with {} in {DEADLINE:?}: {why}\n{}",
                    site.code,
                    status_text(hq)
                )
            }
            Some(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

fn status_text(hq: &Node) -> String {
    text(&hq.gardu(&["hq", "status"]))
}

/// `gardu hq status --json` at HQ.
pub fn status(hq: &Node) -> Vec<serde_json::Value> {
    let output = hq.gardu(&["hq", "status", "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("hq status --json: {err}: {}", text(&output)));
    value.as_array().cloned().unwrap_or_default()
}

/// Polls `hq status --json` until `site`'s entry satisfies `want`; returns that entry.
pub fn wait_status(
    hq: &Node,
    site: &str,
    what: &str,
    want: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let until = Instant::now() + DEADLINE;
    loop {
        let links = status(hq);
        let link = links.iter().find(|link| link["site"] == site).cloned().unwrap_or_default();
        if want(&link) {
            return link;
        }
        assert!(Instant::now() < until, "hq status never showed {site} {what}: {link}");
        std::thread::sleep(Duration::from_millis(200));
    }
}
