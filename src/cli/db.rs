//! `gardu db migrate`, `gardu db check`, `gardu db seed-demo` and `gardu db purge`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Subcommand;

use super::Context;
use super::operator::Operator;
use crate::admin::Acting;
use crate::auth::AuditContext;
use crate::clock::{Clock, SystemClock};
use crate::site::seed::{SeedArgs, seed};
use crate::store::PurgePlan;

/// Database subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply pending migrations and seed the site, classes and default tariff.
    Migrate,
    /// Fill the store with realistic past visits (demos, benchmarks).
    SeedDemo(SeedArgs),
    /// Show the backend, schema version and row counts.
    Check {
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Copy the database while the lanes keep running (SQLite: online copy; PostgreSQL: pg_dump).
    Backup {
        /// The file to write (replaced if it exists).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// One tar archive of the database, the booth ledger, the journals and the photos.
        #[arg(long)]
        with_files: bool,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Put a backup in place in this (stopped) booth's data folder; the previous database is
    /// kept aside.
    Restore {
        /// A file written by `gardu db backup`.
        file: PathBuf,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Delete visits, closed shifts and audit lines from before a day (site time), keeping
    /// every vehicle inside, open shift and what a later shift's report reads; audited.
    Purge {
        /// The first day kept, YYYY-MM-DD: older records go.
        #[arg(long)]
        before: chrono::NaiveDate,
        /// Count what would go; delete nothing.
        #[arg(long)]
        dry_run: bool,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a database subcommand.
pub fn run(command: DbCommand, ctx: &Context, op: &Operator) -> anyhow::Result<ExitCode> {
    match command {
        DbCommand::SeedDemo(args) => return seed_demo(args, ctx),
        DbCommand::Backup { out, with_files, json } => return backup(ctx, &out, with_files, json),
        DbCommand::Restore { file, json } => return restore(ctx, &file, json),
        DbCommand::Purge { before, dry_run, json } => return purge(ctx, op, before, dry_run, json),
        _ => {}
    }
    let store = ctx.open_store()?;
    let info = store.schema_info()?;
    match command {
        DbCommand::Migrate => {
            println!(
                "{} database ready: schema version {}, site {}",
                info.backend, info.version, ctx.config.site.code
            );
        }
        DbCommand::Check { json: true } => {
            let mut value = serde_json::to_value(&info)?;
            value["encrypted"] = serde_json::json!(store.encrypted()?);
            super::print_json(&value);
        }
        DbCommand::SeedDemo(_)
        | DbCommand::Backup { .. }
        | DbCommand::Restore { .. }
        | DbCommand::Purge { .. } => {}
        DbCommand::Check { json: false } => {
            println!("backend         {}", info.backend);
            let transport = match store.encrypted()? {
                Some(true) => "encrypted (TLS)",
                Some(false) => "NOT encrypted: set sslmode=verify-full and sslrootcert in database.url",
                None => "local file",
            };
            println!("connection      {transport}");
            println!("schema version  {}", info.version);
            for (table, count) in &info.counts {
                println!("{table:<15} {count}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the seeding from the command line.
fn seed_demo(args: SeedArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store()?;
    let secret = ctx.secret(store.as_ref())?;
    let started = Instant::now();
    let seeded = seed(store.as_ref(), &secret, &ctx.config.site.code, &args, SystemClock.now())?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "seeded {} entries and {} exits in {seconds:.1} s ({:.0} visits/s)",
        seeded.entries,
        seeded.exits,
        seeded.entries as f64 / seconds.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}

/// `gardu db backup`.
fn backup(ctx: &Context, out: &Path, with_files: bool, json: bool) -> anyhow::Result<ExitCode> {
    let report = crate::site::backup::backup(ctx, out, with_files, SystemClock.now())?;
    if json {
        super::print_json(&serde_json::to_value(&report)?);
    } else {
        let counts: Vec<String> = report.counts.iter().map(|(table, n)| format!("{table} {n}")).collect();
        println!(
            "backup written: {} ({} bytes, {} schema {}{})",
            report.file.display(),
            report.bytes,
            report.backend,
            report.version,
            if report.with_files { ", with photos, journals and ledger" } else { "" }
        );
        println!("{}", counts.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

/// `gardu db restore`.
fn restore(ctx: &Context, file: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let report = crate::site::backup::restore(ctx, file, SystemClock.now())?;
    if json {
        let mut value = serde_json::to_value(&report)?;
        value["counts"] = serde_json::to_value(&report.info.counts)?;
        super::print_json(&value);
    } else {
        println!("restored {} (schema version {})", report.database.display(), report.info.version);
        for (table, count) in &report.info.counts {
            println!("{table:<15} {count}");
        }
        for kept in &report.kept_aside {
            println!("kept aside: {} (delete it once the restore is confirmed)", kept.display());
        }
        println!("{}", report.key_hint);
    }
    Ok(ExitCode::SUCCESS)
}

/// `gardu db purge`: refuses while this booth's journal holds a record from before the day
/// (replay it first), then purges visits and audit lines before the day's start.
fn purge(
    ctx: &Context,
    op: &Operator,
    before: chrono::NaiveDate,
    dry_run: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let tz = ctx.config.timezone();
    let Some((cutoff, _)) = crate::domain::calendar::day_range(before, tz) else {
        anyhow::bail!("{before} does not exist in the site's time zone {tz}");
    };
    let (pending, _) = ctx.journal().list()?;
    if let Some(old) = pending.iter().find(|item| item.created_at < cutoff) {
        anyhow::bail!(
            "the offline journal still holds {} from before {before}: run `gardu journal replay` first",
            old.file.display()
        );
    }
    let store = ctx.open_store()?;
    let user = op.acting_user();
    let acting = Acting {
        user: &user,
        store: store.as_ref(),
        clock: &SystemClock,
        audit: AuditContext { site: ctx.config.site.code.clone(), booth: "cli".into() },
    };
    let plan = PurgePlan {
        site: ctx.config.site.code.clone(),
        visits_before: Some(cutoff),
        audit_before: Some(cutoff),
        dry_run,
    };
    let counts = crate::retention::purge_rows(&acting, &plan)?;
    if json {
        let mut value = serde_json::to_value(counts)?;
        value["dry_run"] = serde_json::json!(dry_run);
        value["before"] = serde_json::json!(cutoff);
        super::print_json(&value);
    } else {
        let verb = if dry_run { "would delete" } else { "deleted" };
        println!(
            "{verb} {} visits, {} photos, {} second payments, {} shifts and {} audit lines from before {before}",
            counts.visits, counts.photos, counts.duplicates, counts.shifts, counts.audit_rows
        );
    }
    Ok(ExitCode::SUCCESS)
}
