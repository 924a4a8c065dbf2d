//! `gardu journal list|replay`: the offline journal from the command line.

use std::process::ExitCode;

use chrono::SecondsFormat;
use clap::Subcommand;
use serde_json::json;

use super::Context;
use crate::clock::SystemClock;
use crate::journal::{Journal, JournalPayload, replay};
use crate::store::{AuditRecord, Entry};

/// Journal subcommands.
#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Pending records (oldest first) and files that cannot be read.
    List {
        /// A JSON array: file, kind, id, created_at, attempts, last_error (unreadable files
        /// have kind "unreadable" and a reason).
        #[arg(long)]
        json: bool,
    },
    /// Replay pending records into the database: entries before exits, oldest first.
    Replay {
        /// Only count what is pending and what would be rejected.
        #[arg(long)]
        dry_run: bool,
        /// One JSON object: synced, already_present, orphans, failed, rejected.
        #[arg(long)]
        json: bool,
    },
    /// Write N audit records as fast as possible (crash-safety drill: kill it at any moment
    /// and `journal list` still reads every file it finds).
    #[command(hide = true)]
    Drill {
        /// How many records.
        #[arg(long, default_value_t = 1_000)]
        records: u32,
    },
}

/// Runs a journal subcommand.
pub fn run(command: JournalCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let journal = ctx.journal();
    match command {
        JournalCommand::List { json } => list(&journal, json),
        JournalCommand::Replay { dry_run, json } => {
            let store = ctx.open_store()?;
            let summary = replay::replay(&journal, store.as_ref(), &SystemClock, dry_run, &mut |_| {})?;
            let purged = match ctx.config.synced_journals_keep() {
                crate::retention::Keep::Days(days) if !dry_run => {
                    journal.purge_synced(days, chrono::Utc::now())?
                }
                _ => 0,
            };
            if json {
                super::print_json(&json!({
                    "dry_run": dry_run,
                    "pending": summary.pending,
                    "synced": summary.synced,
                    "already_present": summary.already_present,
                    "orphans": summary.orphans,
                    "duplicates": summary.duplicates,
                    "late": summary.late,
                    "failed": summary.failed,
                    "rejected": summary.rejected,
                    "interrupted": summary.interrupted,
                    "purged": purged,
                }));
            } else {
                if dry_run {
                    println!("{} records would be replayed", summary.pending);
                }
                println!(
                    "synced {}, already present {}, orphans {}, duplicate exits {}, late records {}, failed {}, \
                     rejected {}",
                    summary.synced,
                    summary.already_present,
                    summary.orphans,
                    summary.duplicates,
                    summary.late,
                    summary.failed,
                    summary.rejected
                );
                for (file, reason) in summary.rejections.iter().chain(&summary.failures) {
                    println!("  {}: {reason}", file.display());
                }
                if let Some(why) = &summary.interrupted {
                    println!("stopped early, the rest stays pending: {why}");
                }
            }
            Ok(if summary.interrupted.is_some() || summary.failed > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        JournalCommand::Drill { records } => {
            for n in 0..records {
                let audit = AuditRecord {
                    time: chrono::Utc::now(),
                    site: ctx.config.site.code.clone(),
                    booth: ctx.config.booth.code.clone(),
                    username: None,
                    action: "journal_drill".into(),
                    detail: json!({ "n": n, "padding": "x".repeat(2_000) }),
                };
                journal.write(
                    JournalPayload::Audit { id: uuid::Uuid::new_v4(), audit },
                    None,
                    chrono::Utc::now(),
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn list(journal: &Journal, json: bool) -> anyhow::Result<ExitCode> {
    let (items, problems) = journal.list()?;
    if json {
        let mut rows: Vec<_> = items
            .iter()
            .map(|item| {
                json!({
                    "file": item.file.display().to_string(),
                    "kind": item.kind,
                    "id": item.id,
                    "created_at": item.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    "attempts": item.attempts,
                    "last_error": item.last_error,
                    "summary": summary(&item.record.payload),
                })
            })
            .collect();
        rows.extend(problems.iter().map(
            |p| json!({ "file": p.file.display().to_string(), "kind": "unreadable", "reason": p.reason }),
        ));
        super::print_json(&serde_json::Value::Array(rows));
    } else {
        println!("{} pending in {}", items.len(), journal.dir().display());
        for item in &items {
            let tries = if item.attempts > 0 {
                format!("  ({} failed: {})", item.attempts, item.last_error.as_deref().unwrap_or(""))
            } else {
                String::new()
            };
            println!(
                "{}  {:<6} {}{tries}",
                item.created_at.format("%Y-%m-%d %H:%M:%S"),
                item.kind,
                summary(&item.record.payload)
            );
        }
        for problem in &problems {
            println!("UNREADABLE {}: {}", problem.file.display(), problem.reason);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(payload: &JournalPayload) -> String {
    match payload {
        JournalPayload::Entry(Entry { ticket_no, plate, class, .. }) => {
            format!("{ticket_no} {class} {}", plate.as_deref().unwrap_or("-"))
        }
        JournalPayload::EntryLate(late) => {
            format!("late photo/plate of {} {}", late.entry_id, late.plate_read.as_deref().unwrap_or("-"))
        }
        JournalPayload::Exit(exit) => {
            format!("exit of {} {} {}", exit.entry_id, exit.total, exit.method.as_str())
        }
        JournalPayload::Shift(shift) => {
            format!("shift of {} from {}", shift.username, shift.opened_at.format("%H:%M"))
        }
        JournalPayload::Audit { audit, .. } => audit.action.clone(),
    }
}
