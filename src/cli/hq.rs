//! `gardu hq …`: HQ's side of many sites — migrate HQ, add, remove and re-copy sites, and the
//! state of every site's replication.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Subcommand;

use super::Context;
use super::replication::{new_password, postgres_url, print_report};
use crate::clock::{Clock, SystemClock};
use crate::hq::{self, LinkState};

/// How long `hq status` waits for each site's server.
const SITE_TIMEOUT: Duration = Duration::from_secs(3);

/// HQ subcommands (run where database.url points at HQ's PostgreSQL).
#[derive(Debug, Subcommand)]
pub enum HqCommand {
    /// Apply migrations at HQ (before the sites), publish HQ's master data, resume sites that
    /// stopped on a schema change.
    Migrate {
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Follow a site: copy its rows, then stream its changes.
    AddSite {
        /// Site code, e.g. JKT-MALL-01.
        code: String,
        /// The site's database as the replication role
        /// (postgres://gardu_replication:PASSWORD@SITE/DB?sslmode=verify-full&sslrootcert=…).
        #[arg(long, value_name = "URL")]
        url: String,
    },
    /// Stop following a site; HQ keeps the rows it has.
    RemoveSite {
        /// Site code.
        code: String,
    },
    /// Copy a site afresh (after its slot was lost): HQ ends with exactly the site's rows.
    ResyncSite {
        /// Site code.
        code: String,
    },
    /// Every site's replication: state, lag, slot, and the fix when something is wrong.
    Status {
        /// A JSON array on stdout.
        #[arg(long)]
        json: bool,
    },
}

fn connect(ctx: &Context) -> anyhow::Result<postgres::Client> {
    let url = postgres_url(ctx)?;
    Ok(hq::connect(&url, Duration::from_millis(ctx.config.database.timeout_ms.max(5_000)))?)
}

/// Runs an HQ subcommand as `by`.
pub fn run(command: HqCommand, ctx: &Context, by: &str) -> anyhow::Result<ExitCode> {
    match command {
        HqCommand::Migrate { json } => {
            let store = ctx.open_store()?;
            let version = store.schema_info()?.version;
            let mut client = connect(ctx)?;
            let password = new_password();
            let report = hq::migrate(&mut client, Some(&password)).context("prepare HQ")?;
            if json {
                let mut value = serde_json::to_value(&report)?;
                value["schema_version"] = serde_json::json!(version);
                value["password"] = if report.publish.role_created {
                    serde_json::json!(password)
                } else {
                    serde_json::Value::Null
                };
                super::print_json(&value);
            } else {
                println!("HQ database   schema version {version}");
                print_report(&report.publish, &password, "each site (gardu replication publish --hq-url)");
                for site in &report.resumed {
                    println!("resumed       {site}");
                }
            }
            Ok(if report.publish.settings.ready() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        HqCommand::AddSite { code, url } => {
            let mut client = connect(ctx)?;
            hq::add_site(&mut client, &code, &url, by, SystemClock.now())
                .with_context(|| format!("add site {code}"))?;
            println!("site {code} added: HQ is copying its rows; follow with `gardu hq status`");
            Ok(ExitCode::SUCCESS)
        }
        HqCommand::RemoveSite { code } => {
            let mut client = connect(ctx)?;
            match hq::remove_site(&mut client, &code).with_context(|| format!("remove site {code}"))? {
                None => println!("site {code} removed; HQ keeps its rows"),
                Some(slot) => println!(
                    "site {code} removed; HQ keeps its rows. The site was unreachable: at the site run \
                     SELECT pg_drop_replication_slot('{slot}'); or it keeps WAL for HQ"
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        HqCommand::ResyncSite { code } => {
            let mut client = connect(ctx)?;
            hq::resync_site(&mut client, &code).with_context(|| format!("resync site {code}"))?;
            println!("site {code}: HQ's copy cleared and copying afresh; follow with `gardu hq status`");
            Ok(ExitCode::SUCCESS)
        }
        HqCommand::Status { json } => {
            let mut client = connect(ctx)?;
            let links = hq::status(&mut client, SITE_TIMEOUT)?;
            if json {
                super::print_json(&serde_json::to_value(&links)?);
            } else if links.is_empty() {
                println!("no sites yet: add one with `gardu hq add-site CODE --url URL`");
            } else {
                print_links(&links);
            }
            let healthy =
                links.iter().all(|l| matches!(l.state, LinkState::Streaming | LinkState::Initializing));
            Ok(if healthy { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}

fn print_links(links: &[hq::SiteLink]) {
    println!("{:<16} {:<13} {:>10} {:>8} {:<10} {:>12}", "site", "state", "lag", "heard", "wal", "retained");
    for link in links {
        let state = serde_json::to_value(link.state).ok().and_then(|v| v.as_str().map(str::to_string));
        let bytes =
            |b: Option<i64>| b.map(|b| format!("{:.1} MB", b as f64 / 1e6)).unwrap_or_else(|| "?".into());
        println!(
            "{:<16} {:<13} {:>10} {:>8} {:<10} {:>12}",
            link.site,
            format!("{}{}", state.unwrap_or_default(), if link.caught_up { " ✓" } else { "" }),
            bytes(link.lag_bytes),
            link.last_message_age_s.map(|s| format!("{s:.0} s")).unwrap_or_else(|| "?".into()),
            link.wal_status.as_deref().unwrap_or("?"),
            bytes(link.retained_bytes),
        );
        if let Some(error) = &link.error {
            println!("    {error}");
        }
        if let Some(fix) = &link.fix {
            println!("    fix: {fix}");
        }
    }
}
