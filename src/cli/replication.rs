//! `gardu replication publish`: at a site, publish its rows for HQ and (given HQ's URL)
//! subscribe to HQ's master data.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Subcommand;

use super::Context;
use crate::clock::{Clock, SystemClock};
use crate::config::DatabaseLocation;
use crate::hq;

/// Replication subcommands (at a site).
#[derive(Debug, Subcommand)]
pub enum ReplicationCommand {
    /// Create or update this site's publication and the replication role HQ logs in as.
    Publish {
        /// HQ's database as the replication role (postgres://gardu_replication:PASSWORD@HQ/DB):
        /// also receive the members and tariffs HQ defines.
        #[arg(long, value_name = "URL")]
        hq_url: Option<String>,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
}

/// The configured PostgreSQL URL, or an error that says replication needs PostgreSQL.
pub(super) fn postgres_url(ctx: &Context) -> anyhow::Result<String> {
    match ctx.config.database_location(&ctx.data_dir)? {
        DatabaseLocation::Postgres(url) => Ok(url),
        DatabaseLocation::Sqlite(_) => anyhow::bail!(
            "replication needs PostgreSQL: set database.url to postgres://… in the config (this one is an SQLite file)"
        ),
    }
}

/// A new password for the replication role: shown once, then only the server knows it.
pub(super) fn new_password() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 32)
}

/// Prints what a publish left to do by hand; true when the server is ready.
pub(super) fn print_report(report: &hq::PublishReport, password: &str, peer: &str) -> bool {
    println!("publications  {}", report.publications.join(", "));
    if report.role_created {
        println!("role          {} created, password {password}", report.role);
        println!("              (shown once: put it in the URL {peer} uses)");
    } else {
        println!("role          {} (kept, password unchanged)", report.role);
    }
    println!("pg_hba.conf   {}", report.pg_hba_conf);
    if report.postgresql_conf.is_empty() {
        println!("server        ready (wal_level = logical)");
    } else {
        println!("server        NOT ready: add to postgresql.conf, then restart PostgreSQL:");
        for line in &report.postgresql_conf {
            println!("                {line}");
        }
    }
    report.settings.ready()
}

/// Runs a replication subcommand.
pub fn run(command: ReplicationCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let ReplicationCommand::Publish { hq_url, json } = command;
    let url = postgres_url(ctx)?;
    // Opening the store applies the migrations the publication relies on.
    ctx.open_store()?;
    let mut client = hq::connect(&url, Duration::from_millis(ctx.config.database.timeout_ms.max(5_000)))?;
    let password = new_password();
    let report = hq::publish_site(
        &mut client,
        &ctx.config.site.code,
        Some(&password),
        hq_url.as_deref(),
        SystemClock.now(),
    )
    .context("publish this site")?;
    let ready = if json {
        let mut value = serde_json::to_value(&report)?;
        value["site"] = serde_json::json!(ctx.config.site.code);
        value["ready"] = serde_json::json!(report.settings.ready());
        value["password"] =
            if report.role_created { serde_json::json!(password) } else { serde_json::Value::Null };
        super::print_json(&value);
        report.settings.ready()
    } else {
        println!("site          {}", ctx.config.site.code);
        let ready = print_report(&report, &password, "HQ");
        if report.subscribed_to_hq {
            println!("HQ data       subscribed to HQ's members and tariffs");
        } else {
            println!(
                "HQ data       not subscribed (run again with --hq-url to receive HQ's members and tariffs)"
            );
        }
        ready
    };
    Ok(if ready { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
