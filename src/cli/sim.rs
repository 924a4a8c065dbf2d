//! `gardu sim traffic`: simulated vehicles through the real lanes on the configured store.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};

use super::Context;
use crate::clock::{Clock, SystemClock};
use crate::lane::traffic::{self, TrafficOptions, TrafficPaths};
use crate::lane::{RandomIds, SiteInfo};

/// Simulation subcommands.
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Run simulated entry and exit lanes and print a summary that checks its own books.
    Traffic(TrafficArgs),
}

/// Arguments of `gardu sim traffic`.
#[derive(Debug, Args)]
pub struct TrafficArgs {
    /// Vehicles that arrive.
    #[arg(long, default_value_t = 100)]
    vehicles: u32,
    /// Arrivals per minute (virtual time: the run does not wait).
    #[arg(long, default_value_t = 6.0)]
    rate: f64,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Take the database down from vehicle A to vehicle B (e.g. `20-40`).
    #[arg(long, value_parser = parse_range)]
    outage: Option<(u32, u32)>,
    /// One JSON object: entries, exits, inside, journaled, errors, latency_ms.
    #[arg(long)]
    json: bool,
}

fn parse_range(text: &str) -> Result<(u32, u32), String> {
    let (a, b) = text.split_once('-').ok_or("use FROM-TO, e.g. 20-40")?;
    let (a, b) = (
        a.trim().parse::<u32>().map_err(|e| e.to_string())?,
        b.trim().parse::<u32>().map_err(|e| e.to_string())?,
    );
    if a >= b {
        return Err("FROM must be below TO".into());
    }
    Ok((a, b))
}

/// Runs a simulation subcommand.
pub fn run(command: SimCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let SimCommand::Traffic(args) = command;
    let store = ctx.open_store()?;
    let site = SiteInfo {
        code: ctx.config.site.code.clone(),
        name: ctx.config.site.name.clone(),
        tz: ctx.config.timezone(),
        capacity: None,
        header_lines: Vec::new(),
        footer_lines: Vec::new(),
    };
    let scratch = ctx.path(std::path::Path::new("data/sim"));
    let paths =
        TrafficPaths { journal_dir: scratch.join("offline_data"), images_dir: scratch.join("Images") };
    let options = TrafficOptions {
        vehicles: args.vehicles,
        rate_per_min: args.rate,
        seed: args.seed,
        outage: args.outage,
    };
    let secret = ctx.secret(store.as_ref())?;
    let report = traffic::run(store, secret, site, &paths, Arc::new(RandomIds), &options, SystemClock.now())
        .map_err(anyhow::Error::msg)?;
    if args.json {
        super::print_json(&serde_json::to_value(&report)?);
    } else {
        println!(
            "entries {}  exits {}  inside {}  journaled {}  errors {}",
            report.entries, report.exits, report.inside, report.journaled, report.errors
        );
        println!("revenue {}", report.revenue);
        let l = &report.latency_ms;
        println!(
            "trigger→barrier  p50 {:.2} ms  p99 {:.2} ms",
            l.trigger_to_barrier.p50, l.trigger_to_barrier.p99
        );
        println!("scan→fee         p50 {:.2} ms  p99 {:.2} ms", l.scan_to_fee.p50, l.scan_to_fee.p99);
        println!("books {}", if report.books_ok { "balance" } else { "DO NOT balance" });
        for problem in &report.problems {
            println!("  {problem}");
        }
    }
    Ok(if report.books_ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
