//! `gardu export`: the transaction list (CSV or Excel), the shift reports and a period's
//! statistics (Excel) from the command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use clap::{Subcommand, ValueEnum};

use super::Context;
use crate::admin::export::write_visits_csv;
use crate::admin::xlsx::{write_period_xlsx, write_shifts_xlsx, write_visits_xlsx};
use crate::store::VisitFilter;

/// The file format of `export visits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Comma-separated text.
    Csv,
    /// An Excel workbook with typed cells.
    Xlsx,
}

/// Export subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Visits whose entry falls between two local days (inclusive), as CSV or Excel.
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
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// `csv` (default) or `xlsx`.
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// Export visits made by simulation too (left out by default).
        #[arg(long)]
        include_simulated: bool,
    },
    /// The reports of the shifts opened between two local days (inclusive), as Excel.
    Shifts {
        /// First day, YYYY-MM-DD (site time).
        #[arg(long)]
        from: NaiveDate,
        /// Last day, YYYY-MM-DD (site time).
        #[arg(long)]
        to: NaiveDate,
        /// The .xlsx file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// The statistics of local days (a month at most two), as Excel.
    Stats {
        /// First day, YYYY-MM-DD (site time).
        #[arg(long)]
        from: NaiveDate,
        /// Last day, YYYY-MM-DD (site time).
        #[arg(long)]
        to: NaiveDate,
        /// The .xlsx file to write.
        #[arg(long)]
        out: PathBuf,
        /// Count visits made by simulation too (left out by default).
        #[arg(long)]
        include_simulated: bool,
    },
}

/// The UTC instant a local day starts.
fn start(tz: Tz, day: NaiveDate) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    tz.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&chrono::Utc))
        .context("that day does not exist in the site's time zone")
}

fn check_range(from: NaiveDate, to: NaiveDate) -> anyhow::Result<()> {
    if to < from {
        anyhow::bail!("--to is before --from");
    }
    Ok(())
}

/// Runs an export subcommand.
pub fn run(command: ExportCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let tz = ctx.config.timezone();
    match command {
        ExportCommand::Visits { from, to, plate, out, format, include_simulated } => {
            check_range(from, to)?;
            let filter = VisitFilter {
                site: Some(ctx.config.site.code.clone()),
                from: Some(start(tz, from)?),
                to: Some(start(tz, to + chrono::Duration::days(1))?),
                plate,
                include_simulated,
                ..VisitFilter::default()
            };
            let store = ctx.open_store()?;
            let rows = match format {
                Format::Csv => {
                    // Plates and operators: readable by the one who exported them only.
                    let file = crate::secret::private_options()
                        .write(true)
                        .create(true)
                        .truncate(true)
                        .open(&out)
                        .with_context(|| format!("creating {}", out.display()))?;
                    write_visits_csv(store.as_ref(), &filter, tz, std::io::BufWriter::new(file))?
                }
                Format::Xlsx => write_visits_xlsx(store.as_ref(), &filter, tz, &out)
                    .inspect_err(|_| remove_partial(&out))?,
            };
            println!("{rows} visits written to {}", out.display());
        }
        ExportCommand::Shifts { from, to, out } => {
            check_range(from, to)?;
            let store = ctx.open_store()?;
            let site = &ctx.config.site.code;
            let shifts =
                store.list_shifts(site, start(tz, from)?, start(tz, to + chrono::Duration::days(1))?)?;
            let now = chrono::Utc::now();
            let mut reports = Vec::with_capacity(shifts.len());
            for shift in shifts.iter().rev() {
                reports.push(crate::lane::shift::report(store.as_ref(), shift.id, now, false)?);
            }
            write_shifts_xlsx(&reports, tz, &out).inspect_err(|_| remove_partial(&out))?;
            println!("{} shift reports written to {}", reports.len(), out.display());
        }
        ExportCommand::Stats { from, to, out, include_simulated } => {
            check_range(from, to)?;
            let store = ctx.open_store()?;
            let figures = crate::admin::stats::period(
                store.as_ref(),
                &ctx.config.site.code,
                from,
                to,
                tz,
                include_simulated,
            )?;
            write_period_xlsx(&figures, tz, &out).inspect_err(|_| remove_partial(&out))?;
            println!("statistics of {} days written to {}", figures.days.len(), out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A failed export leaves no half-written file that looks like a report.
fn remove_partial(path: &Path) {
    let _ = std::fs::remove_file(path);
}
