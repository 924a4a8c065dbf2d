//! `gardu db migrate` and `gardu db check`.

use std::process::ExitCode;

use clap::Subcommand;

use super::Context;

/// Database subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply pending migrations and seed the site, classes and default tariff.
    Migrate,
    /// Fill the store with realistic past visits (demos, benchmarks).
    SeedDemo(super::seed::SeedArgs),
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
        return super::seed::run(args, ctx);
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
        DbCommand::Check { json: true } => super::print_json(&serde_json::to_value(&info)?),
        DbCommand::SeedDemo(_) => {}
        DbCommand::Check { json: false } => {
            println!("backend         {}", info.backend);
            println!("schema version  {}", info.version);
            for (table, count) in &info.counts {
                println!("{table:<15} {count}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
