//! `gardu db migrate`, `gardu db check` and `gardu db seed-demo`.

use std::process::ExitCode;
use std::time::Instant;

use clap::Subcommand;

use super::Context;
use crate::clock::{Clock, SystemClock};
use crate::site::seed::{SeedArgs, seed};

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
}

/// Runs a database subcommand.
pub fn run(command: DbCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    if let DbCommand::SeedDemo(args) = command {
        return seed_demo(args, ctx);
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
        DbCommand::SeedDemo(_) => {}
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
