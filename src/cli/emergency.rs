//! `gardu emergency start|end|status`: declare an evacuation for the whole site, end it, and
//! see which booths acknowledged it.

use std::process::ExitCode;

use clap::Subcommand;
use uuid::Uuid;

use super::Context;
use super::operator::Operator;
use crate::clock::{Clock, SystemClock};
use crate::lane::emergency::{self, Actor};

/// Emergency subcommands.
#[derive(Debug, Subcommand)]
pub enum EmergencyCommand {
    /// Declare an emergency: every booth opens its barriers and holds them open, exits stop charging.
    Start {
        /// Why (shown on every screen and kept in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Declare the emergency ended: the barriers return to normal.
    End,
    /// Whether an emergency is active, since when, by whom, and each booth's acknowledgement.
    Status {
        /// One JSON object: active, since, by, reason, booths.
        #[arg(long)]
        json: bool,
    },
}

/// Runs an emergency subcommand as `op`.
pub fn run(command: EmergencyCommand, ctx: &Context, op: &Operator) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store()?;
    let site = ctx.config.site.code.clone();
    let actor = Actor { site: site.clone(), booth: "cli".into(), username: op.audit_name().to_string() };
    match command {
        EmergencyCommand::Start { reason } => {
            let emergency =
                emergency::declare(store.as_ref(), &actor, &reason, Uuid::new_v4(), SystemClock.now())?;
            println!(
                "EMERGENCY declared at {} by {}: {}. Every booth opens its barriers and holds them open; \
                 end it with `gardu emergency end`.",
                emergency.started_at.with_timezone(&ctx.config.timezone()).format("%Y-%m-%d %H:%M"),
                emergency.started_by,
                emergency.reason
            );
        }
        EmergencyCommand::End => {
            let ended = emergency::end(store.as_ref(), &actor, SystemClock.now())?;
            println!(
                "emergency ended by {}; the barriers return to normal. It lasted from {} to {}.",
                actor.username,
                ended.started_at.with_timezone(&ctx.config.timezone()).format("%Y-%m-%d %H:%M"),
                ended
                    .ended_at
                    .unwrap_or(ended.started_at)
                    .with_timezone(&ctx.config.timezone())
                    .format("%H:%M"),
            );
        }
        EmergencyCommand::Status { json: true } => {
            let status = emergency::status(store.as_ref(), &site)?;
            super::print_json(&serde_json::to_value(&status)?);
        }
        EmergencyCommand::Status { json: false } => {
            let status = emergency::status(store.as_ref(), &site)?;
            match (status.active, status.since) {
                (true, Some(since)) => {
                    println!(
                        "EMERGENCY active since {} declared by {}: {}",
                        since.with_timezone(&ctx.config.timezone()).format("%Y-%m-%d %H:%M"),
                        status.by.as_deref().unwrap_or("-"),
                        status.reason.as_deref().unwrap_or("-")
                    );
                    if status.booths.is_empty() {
                        println!("no booth has acknowledged it yet");
                    }
                    for ack in &status.booths {
                        println!(
                            "{:<8} acknowledged {} {}",
                            ack.booth,
                            ack.acknowledged_at.with_timezone(&ctx.config.timezone()).format("%H:%M:%S"),
                            ack.username.as_deref().unwrap_or("")
                        );
                    }
                }
                _ => println!("no emergency is active"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
