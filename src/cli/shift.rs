//! `gardu shift report ID|list`: cashier shifts from the command line.

use std::process::ExitCode;

use clap::Subcommand;

use super::Context;
use super::operator::{Operator, Refusal};
use crate::lane::shift::report;

/// Shift subcommands.
#[derive(Debug, Subcommand)]
pub enum ShiftCommand {
    /// The report of one shift: totals by method and class, lost tickets, manual opens, voids,
    /// expected and counted cash.
    Report {
        /// Shift id.
        id: uuid::Uuid,
        /// One JSON object.
        #[arg(long)]
        json: bool,
        /// Count payments made by simulation too (left out by default).
        #[arg(long)]
        include_simulated: bool,
    },
}

/// Runs a shift subcommand.
/// A report is for an admin or the shift's own cashier.
pub fn run(command: ShiftCommand, ctx: &Context, op: &Operator) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store()?;
    match command {
        ShiftCommand::Report { id, json, include_simulated } => {
            let report = report(store.as_ref(), id, chrono::Utc::now(), include_simulated)?;
            if !op.is_admin() && op.user().is_none_or(|user| user.username != report.shift.username) {
                return Err(Refusal::NotYourShift { shift: id, owner: report.shift.username.clone() }.into());
            }
            if json {
                super::print_json(&serde_json::to_value(&report)?);
                return Ok(ExitCode::SUCCESS);
            }
            let tz = ctx.config.timezone();
            let shift = &report.shift;
            println!("Shift {} — {} at booth {}", shift.id, shift.username, shift.booth);
            println!("opened  {}", shift.opened_at.with_timezone(&tz).format("%d/%m/%Y %H:%M"));
            match shift.closed_at {
                Some(at) => println!("closed  {}", at.with_timezone(&tz).format("%d/%m/%Y %H:%M")),
                None => println!("closed  (still open)"),
            }
            println!("exits   {:>6}   {:>14}", report.all.exits, report.all.total.to_string());
            for (method, tally) in &report.by_method {
                println!("  {method:<8} {:>4}   {:>14}", tally.exits, tally.total.to_string());
            }
            for (class, tally) in &report.by_class {
                println!("  {class:<8} {:>4}   {:>14}", tally.exits, tally.total.to_string());
            }
            println!(
                "lost tickets {}, manual opens {}, voids {}",
                report.lost_tickets, report.manual_opens, report.voids
            );
            if report.simulated_left_out.exits > 0 {
                println!(
                    "simulated payments left out: {} ({}); --include-simulated counts them",
                    report.simulated_left_out.exits, report.simulated_left_out.total
                );
            }
            println!("float {}  expected cash {}", shift.opening_float, report.expected_cash);
            if let (Some(counted), Some(diff)) = (report.counted_cash, report.difference) {
                println!("counted {counted}  difference {diff}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
