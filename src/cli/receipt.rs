//! `gardu receipt render`: a receipt as the exit booth would print it, to a PNG.

use std::process::ExitCode;

use anyhow::bail;
use chrono::{Duration, SubsecRound};
use clap::Subcommand;
use uuid::Uuid;

use super::Context;
use super::ticket::{letterhead, parse_paper};
use crate::clock::{Clock, SystemClock};
use crate::devices::printer::{Paper, render_receipt_png};
use crate::domain::tariff::parking_fee;
use crate::domain::ticket;
use crate::domain::{ClassCode, FeeFlags, Rupiah};
use crate::lane::slips;
use crate::store::{Exit, Origin, PaymentMethod};

/// Receipt subcommands.
#[derive(Debug, Subcommand)]
pub enum ReceiptCommand {
    /// Render the receipt for a stay (by ticket code, or by class and minutes) paid now.
    Render {
        /// A signed ticket code: entry time and class come from it.
        #[arg(long, conflicts_with_all = ["class", "minutes"])]
        ticket: Option<String>,
        /// Vehicle class, when no ticket is given.
        #[arg(long, requires = "minutes")]
        class: Option<String>,
        /// Minutes parked, when no ticket is given.
        #[arg(long, requires = "class")]
        minutes: Option<i64>,
        /// cash, qris, card, emoney.
        #[arg(long, value_enum, default_value = "cash")]
        method: PaymentMethod,
        /// Cash handed over (default: the fee rounded up to Rp 5.000).
        #[arg(long)]
        tendered: Option<i64>,
        /// The PNG to write.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Paper width: 58mm or 80mm.
        #[arg(long, default_value = "58mm", value_parser = parse_paper)]
        paper: Paper,
    },
}

/// Runs a receipt subcommand.
pub fn run(command: ReceiptCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let ReceiptCommand::Render { ticket: code, class, minutes, method, tendered, out, paper } = command;
    let now = SystemClock.now().trunc_subsecs(0);
    let (entry_time, class, ticket_no) = match (&code, class, minutes) {
        (Some(code), _, _) => {
            let claims = ticket::decode(code, ctx.ticket_secret()?.bytes(), &ctx.config.site.code)?;
            let number = claims.ticket_number(ctx.config.timezone());
            (claims.entry_time, claims.class, number)
        }
        (None, Some(class), Some(minutes)) if minutes >= 0 => {
            (now - Duration::minutes(minutes), ClassCode::parse(&class)?, "-".to_string())
        }
        _ => bail!("give --ticket CODE, or --class and --minutes"),
    };
    let store = ctx.open_store()?;
    let Some(tariff) = store.tariff_at(&ctx.config.site.code, &class, entry_time)? else {
        bail!("there is no tariff for class {class}");
    };
    let fee = parking_fee(&tariff, entry_time, now, FeeFlags::default());
    let total = fee.total;
    let method = if total == Rupiah::ZERO { PaymentMethod::Free } else { method };
    let cash = method == PaymentMethod::Cash;
    let tendered = cash.then(|| Rupiah(tendered.unwrap_or((total.0 + 4_999) / 5_000 * 5_000)));
    if tendered.is_some_and(|t| t < total) {
        bail!("--tendered is less than the fee {total}");
    }
    let exit = Exit {
        id: Uuid::nil(),
        entry_id: code.as_deref().map(ticket::entry_id).unwrap_or_default(),
        site: ctx.config.site.code.clone(),
        booth: ctx.config.booth.code.clone(),
        exit_time: now,
        operator: None,
        shift_id: None,
        fee,
        total,
        method,
        tendered,
        change: tendered.map(|t| t - total),
        reference: None,
        lost_ticket: false,
        photo_id: None,
        origin: Origin::Online,
        simulated: false,
        forced_reason: None,
    };
    let slip = slips::receipt(&letterhead(ctx), &exit, &ticket_no, Some(entry_time), "-");
    std::fs::write(&out, render_receipt_png(&slip, paper)?)?;
    println!("receipt for {total} rendered to {}", out.display());
    Ok(ExitCode::SUCCESS)
}
