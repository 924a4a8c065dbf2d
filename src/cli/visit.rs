//! `gardu visit close`: an admin closes a visit that left without an exit record.

use std::process::ExitCode;

use clap::Subcommand;

use super::Context;
use super::operator::Operator;
use crate::admin::Acting;
use crate::admin::closes::close_visit;
use crate::auth::AuditContext;
use crate::clock::SystemClock;
use crate::domain::Rupiah;

/// Visit subcommands.
#[derive(Debug, Subcommand)]
pub enum VisitCommand {
    /// Close a visit still inside that left without an exit (towed, left during a manual
    /// open, system error): a forced close with the reason and the fee it should carry.
    Close {
        /// The ticket number (IN1-261123-0042), the scanned code, or the entry id.
        visit: String,
        /// Why: at least five characters, kept in the audit log.
        #[arg(long)]
        reason: String,
        /// The fee the visit should carry, in whole rupiah (zero allowed).
        #[arg(long, default_value_t = 0)]
        fee: i64,
        /// One JSON object: exit_id, entry_id, fee.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a visit subcommand as `op`.
pub fn run(command: VisitCommand, ctx: &Context, op: &Operator) -> anyhow::Result<ExitCode> {
    let VisitCommand::Close { visit, reason, fee, json } = command;
    let store = ctx.open_store()?;
    let user = op.acting_user();
    let acting = Acting {
        user: &user,
        store: store.as_ref(),
        clock: &SystemClock,
        audit: AuditContext { site: ctx.config.site.code.clone(), booth: "cli".into() },
    };
    let exit = close_visit(&acting, &ctx.config.site.code, &visit, &reason, Rupiah(fee))?;
    if json {
        super::print_json(&serde_json::json!({
            "exit_id": exit.id, "entry_id": exit.entry_id, "fee": exit.total.amount(),
        }));
    } else {
        println!("visit {visit} closed ({}), fee {}", reason.trim(), exit.total);
    }
    Ok(ExitCode::SUCCESS)
}
