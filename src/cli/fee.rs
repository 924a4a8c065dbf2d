//! `gardu fee`: quote a fee by the tariff in force now.

use std::process::ExitCode;

use anyhow::bail;
use chrono::Duration;
use clap::Args;
use serde_json::json;

use super::Context;
use crate::clock::{Clock, SystemClock};
use crate::domain::tariff::{lost_ticket_fine_only, parking_fee};
use crate::domain::{ClassCode, FeeFlags};

/// Arguments of `gardu fee`.
#[derive(Debug, Args)]
pub struct FeeArgs {
    /// Vehicle class code, e.g. MBL.
    #[arg(long)]
    class: String,
    /// Minutes parked (leave out with --lost for a lost ticket whose entry is unknown).
    #[arg(long)]
    minutes: Option<i64>,
    /// The ticket was lost.
    #[arg(long)]
    lost: bool,
    /// The vehicle is a member's.
    #[arg(long)]
    member: bool,
    /// One JSON object on stdout: total (integer rupiah) and lines.
    #[arg(long)]
    json: bool,
}

/// Quotes the fee.
pub fn run(args: FeeArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let class = ClassCode::parse(&args.class)?;
    if args.minutes.is_some_and(|m| m < 0) {
        bail!("--minutes cannot be negative");
    }
    if args.minutes.is_none() && !args.lost {
        bail!("give --minutes, or --lost for a lost ticket whose entry time is unknown");
    }
    let store = ctx.open_store()?;
    let now = SystemClock.now();
    let Some(tariff) = store.tariff_at(&ctx.config.site.code, &class, now)? else {
        bail!(
            "there is no tariff for class {class} at site {}; add one in Admin → Tariffs",
            ctx.config.site.code
        );
    };
    let flags = FeeFlags { lost_ticket: args.lost, member: args.member };
    let fee = match args.minutes {
        Some(minutes) => parking_fee(&tariff, now - Duration::minutes(minutes), now, flags),
        None => lost_ticket_fine_only(&tariff, args.member),
    };
    let language = ctx.config.ui.language.code();
    if args.json {
        let lines: Vec<_> = fee
            .lines
            .iter()
            .map(|line| json!({ "label": line.label(language), "amount": line.amount.amount(), "detail": line.kind }))
            .collect();
        super::print_json(&json!({
            "class": class.as_str(),
            "minutes": args.minutes,
            "lost": args.lost,
            "member": args.member,
            "total": fee.total.amount(),
            "currency": "IDR",
            "lines": lines,
        }));
    } else {
        for line in &fee.lines {
            println!("{:<36} {:>14}", line.label(language), line.amount.to_string());
        }
        println!(
            "{:<36} {:>14}",
            if language == "en" { "TOTAL" } else { "TOTAL BAYAR" },
            fee.total.to_string()
        );
    }
    Ok(ExitCode::SUCCESS)
}
