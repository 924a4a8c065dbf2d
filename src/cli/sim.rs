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
    /// Entry booths (IN1, IN2 …), each with its own journal, ledger and ticket sequence.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    entry_booths: u32,
    /// Exit booths (OUT1, OUT2 …), each with its own cashier and shift.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    exit_booths: u32,
    /// Tickets presented again at a second exit booth while both are cut off (needs
    /// --exit-booths 2 or more and --outage).
    #[arg(long, default_value_t = 0)]
    photocopies: u32,
    /// Times a booth is restarted from what it kept on disk, as after a power cut.
    #[arg(long, default_value_t = 0)]
    restarts: u32,
    /// Departures that report a lost ticket (looked up by plate).
    #[arg(long, default_value_t = 0)]
    lost_tickets: u32,
    /// Departures let out by a manual opening linked to the vehicle.
    #[arg(long, default_value_t = 0)]
    manual_opens: u32,
    /// Times a cashier closes the shift and opens a new one mid-run.
    #[arg(long, default_value_t = 0)]
    shift_changes: u32,
    /// Read every entry and exit photo with the plate reader (cameras then draw varied looks;
    /// each vehicle waits for its read, about 0.3 s a photo). Needs `[plate] enabled` and a
    /// build with the reader.
    #[arg(long)]
    read_plates: bool,
    /// One JSON object: entries, exits, inside, journaled, errors, revenue, latency_ms,
    /// replayed, duplicate_exits, seams, plates, books_ok, problems.
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
    let paths = TrafficPaths { root: ctx.path(std::path::Path::new("data/sim")) };
    let plate_reader = if args.read_plates {
        let reader = crate::plate::reader_from_config(&ctx.config.plate, &ctx.config.devices.camera);
        if reader.is_none() {
            anyhow::bail!(
                "--read-plates needs the plate reader: [plate] enabled = true and a build with it (feature anpr)"
            );
        }
        reader
    } else {
        None
    };
    let options = TrafficOptions {
        vehicles: args.vehicles,
        rate_per_min: args.rate,
        seed: args.seed,
        outage: args.outage,
        entry_booths: args.entry_booths,
        exit_booths: args.exit_booths,
        photocopies: args.photocopies,
        restarts: args.restarts,
        lost_tickets: args.lost_tickets,
        manual_opens: args.manual_opens,
        shift_changes: args.shift_changes,
        plate_reader,
        ..TrafficOptions::default()
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
        println!("revenue {}  duplicate exits {}", report.revenue, report.duplicate_exits);
        let l = &report.latency_ms;
        println!(
            "trigger→barrier  p50 {:.2} ms  p99 {:.2} ms",
            l.trigger_to_barrier.p50, l.trigger_to_barrier.p99
        );
        println!("scan→fee         p50 {:.2} ms  p99 {:.2} ms", l.scan_to_fee.p50, l.scan_to_fee.p99);
        if args.read_plates {
            let p = &report.plates;
            println!(
                "plates  entries read {} (exact {})  exits read {}  exit mismatches {}",
                p.entries_read, p.entries_exact, p.exits_read, p.exit_mismatches
            );
        }
        println!("books {}", if report.books_ok { "balance" } else { "DO NOT balance" });
        for problem in &report.problems {
            println!("  {problem}");
        }
    }
    Ok(if report.books_ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
