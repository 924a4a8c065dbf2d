//! `gardu books check`: every vehicle and every rupiah of a period accounted for.

use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Subcommand;

use super::Context;
use crate::clock::{Clock, SystemClock};
use crate::lane::books::{self, BooksQuery, BooksReport};

/// Books subcommands.
#[derive(Debug, Subcommand)]
pub enum BooksCommand {
    /// Check the books of local days FROM..=TO (default: today): entries = exits + forced
    /// closes + still inside each day, payments = shift reports, and what waits for review.
    /// Exits 0 when they balance, 1 when not.
    Check {
        /// First local day, YYYY-MM-DD (default: today).
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Last local day, YYYY-MM-DD (default: FROM).
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Site code (default: the configured site).
        #[arg(long)]
        site: Option<String>,
        /// Count records made by simulation too.
        #[arg(long)]
        include_simulated: bool,
        /// One JSON object: ok, entries, exits, forced, inside, revenue, shift_total,
        /// duplicates, orphans, pending_journal, problems (and the detail).
        #[arg(long)]
        json: bool,
    },
}

/// Runs a books subcommand.
pub fn run(command: BooksCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let BooksCommand::Check { from, to, site, include_simulated, json } = command;
    let tz = ctx.config.timezone();
    let today = SystemClock.now().with_timezone(&tz).date_naive();
    let from = from.unwrap_or(today);
    let to = to.unwrap_or(from);
    if to < from {
        anyhow::bail!("--to {to} is before --from {from}");
    }
    let store = ctx.open_store()?;
    let journal = ctx.journal();
    let query = BooksQuery {
        site: site.unwrap_or_else(|| ctx.config.site.code.clone()),
        tz,
        from,
        to,
        include_simulated,
    };
    let report = books::check(store.as_ref(), Some(&journal), &query)?;
    if json {
        super::print_json(&serde_json::to_value(&report)?);
    } else {
        print_report(&report, &query);
    }
    Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn print_report(report: &BooksReport, query: &BooksQuery) {
    println!("books of {} from {} to {}", query.site, query.from, query.to);
    println!(
        "entries {}  = exits {} + forced closes {} + inside {}",
        report.entries, report.exits, report.forced, report.inside
    );
    println!(
        "payments {}  shifts {}  (forced-close fees {})",
        report.revenue, report.shift_total, report.forced_fees
    );
    for (method, total) in &report.by_method {
        println!("  {method:<8} {total}");
    }
    for day in &report.days {
        println!(
            "{}  entries {:>5}  exited {:>5}  forced {:>3}  inside {:>4}  payments {}",
            day.day, day.entries, day.exited, day.forced, day.inside, day.revenue
        );
    }
    for shift in &report.shifts {
        let state = match (shift.shift.closed_at, shift.revised) {
            (None, _) => "open",
            (Some(_), true) => "closed, REVISED",
            (Some(_), false) => "closed",
        };
        println!(
            "shift {} {} at {} ({state}): payments {}  expected cash now {}  late records {}",
            shift.shift.id,
            shift.shift.username,
            shift.shift.booth,
            shift.total,
            shift.expected_now,
            shift.late_records
        );
    }
    for duplicate in &report.duplicate_exits {
        println!(
            "duplicate exit {} at {} by {}: {} {} (first exit {}) — review",
            duplicate.exit.id,
            duplicate.exit.booth,
            duplicate.exit.operator.as_deref().unwrap_or("?"),
            duplicate.exit.method.as_str(),
            duplicate.exit.total,
            duplicate.first_exit_id
        );
    }
    for forced in &report.forced_closes {
        println!(
            "forced close {} of entry {}: {} ({})",
            forced.id,
            forced.entry_id,
            forced.forced_reason.as_deref().unwrap_or(""),
            forced.total
        );
    }
    for listed in &report.emergencies {
        let emergency = &listed.emergency;
        println!(
            "emergency {} to {} by {} ({}): {} entries, {} exits during it",
            emergency.started_at,
            emergency.ended_at.map(|at| at.to_string()).unwrap_or_else(|| "still active".into()),
            emergency.started_by,
            emergency.reason,
            listed.entries,
            listed.exits.len()
        );
        for exit in &listed.exits {
            println!(
                "  exit {} at {} of entry {}: {} {}",
                exit.id,
                exit.booth,
                exit.entry_id,
                exit.method.as_str(),
                exit.total
            );
        }
    }
    println!("journal records waiting: {}", report.pending_journal);
    println!("books {}", if report.ok { "balance" } else { "DO NOT balance" });
    for problem in &report.problems {
        println!("  {problem}");
    }
}
