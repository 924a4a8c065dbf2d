//! `gardu export visits`: the transaction list to CSV from the command line.

use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{NaiveDate, TimeZone};
use clap::Subcommand;

use super::Context;
use crate::admin::export::write_visits_csv;
use crate::store::VisitFilter;

/// Export subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Visits whose entry falls between two local days (inclusive), as CSV.
    Visits {
        /// First day, YYYY-MM-DD (site time).
        #[arg(long)]
        from: NaiveDate,
        /// Last day, YYYY-MM-DD (site time).
        #[arg(long)]
        to: NaiveDate,
        /// Only this plate (spaces ignored).
        #[arg(long)]
        plate: Option<String>,
        /// The CSV file to write.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Export visits made by simulation too (left out by default).
        #[arg(long)]
        include_simulated: bool,
    },
}

/// Runs an export subcommand.
pub fn run(command: ExportCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let ExportCommand::Visits { from, to, plate, out, include_simulated } = command;
    if to < from {
        anyhow::bail!("--to is before --from");
    }
    let tz = ctx.config.timezone();
    let start = |day: NaiveDate| {
        tz.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc))
            .context("that day does not exist in the site's time zone")
    };
    let filter = VisitFilter {
        site: Some(ctx.config.site.code.clone()),
        from: Some(start(from)?),
        to: Some(start(to + chrono::Duration::days(1))?),
        plate,
        include_simulated,
        ..VisitFilter::default()
    };
    let store = ctx.open_store()?;
    // Plates and operators: readable by the one who exported them only.
    let file = crate::secret::private_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&out)
        .with_context(|| format!("creating {}", out.display()))?;
    let rows = write_visits_csv(store.as_ref(), &filter, tz, std::io::BufWriter::new(file))?;
    println!("{rows} visits written to {}", out.display());
    Ok(ExitCode::SUCCESS)
}
