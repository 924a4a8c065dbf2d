//! `gardu ticket issue|verify`: signed ticket codes from the command line.

use std::process::ExitCode;

use anyhow::bail;
use chrono::{SecondsFormat, SubsecRound};
use clap::Subcommand;
use serde_json::json;

use super::Context;
use super::operator::Operator;
use crate::clock::{Clock, SystemClock};
use crate::devices::printer::{Paper, render_ticket_png};
use crate::domain::ClassCode;
use crate::domain::ticket::{self, TicketClaims};
use crate::lane::slips::{self, Letterhead};
use crate::store::{AuditRecord, Entry, InsertOutcome, Origin};

/// Ticket subcommands.
#[derive(Debug, Subcommand)]
pub enum TicketCommand {
    /// Issue a signed ticket code now with the booth's next ticket number, recorded as an entry
    /// (no plate, no photo) and audited with the operator's name: the code opens the exit like
    /// any ticket, so only an admin may mint one. For testing scanners, printers and the exit.
    Issue {
        /// Vehicle class code, e.g. MBL.
        #[arg(long)]
        class: String,
        /// Booth code (default: this booth).
        #[arg(long)]
        booth: Option<String>,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Render the printed ticket of a code to a PNG (the code must verify).
    Render {
        /// The signed code.
        code: String,
        /// The PNG to write.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Paper width: 58mm or 80mm.
        #[arg(long, default_value = "58mm", value_parser = parse_paper)]
        paper: Paper,
    },
    /// Verify a scanned or typed ticket code. Exit code 0 when valid, 1 when not.
    Verify {
        /// The code as scanned.
        code: String,
        /// One JSON object on stdout: valid, and site/booth/sequence/entry_time/class or error.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a ticket subcommand.
pub fn run(command: TicketCommand, ctx: &Context, op: &Operator) -> anyhow::Result<ExitCode> {
    match command {
        TicketCommand::Issue { class, booth, json } => issue(ctx, op, &class, booth, json),
        TicketCommand::Verify { code, json } => verify(ctx, &code, json),
        TicketCommand::Render { code, out, paper } => render(ctx, &code, &out, paper),
    }
}

/// `58mm` or `80mm`.
pub(super) fn parse_paper(text: &str) -> Result<Paper, String> {
    match text {
        "58mm" | "58" => Ok(Paper::Mm58),
        "80mm" | "80" => Ok(Paper::Mm80),
        _ => Err("use 58mm or 80mm".into()),
    }
}

/// The letterhead of this site for slips rendered from the command line.
pub(super) fn letterhead(ctx: &Context) -> Letterhead {
    Letterhead {
        name: ctx.config.site.name.clone(),
        header_lines: ctx.config.devices.printer.header_lines.clone(),
        footer_lines: ctx.config.devices.printer.footer_lines.clone(),
        tz: ctx.config.timezone(),
        language: ctx.config.ui.language,
    }
}

fn render(ctx: &Context, code: &str, out: &std::path::Path, paper: Paper) -> anyhow::Result<ExitCode> {
    let secret = ctx.ticket_secret()?;
    let claims = ticket::decode(code, secret.bytes(), &ctx.config.site.code)?;
    let classes = ctx.open_store().and_then(|store| Ok(store.vehicle_classes()?)).unwrap_or_default();
    let entry = Entry {
        id: ticket::entry_id(code),
        site: claims.site.clone(),
        booth: claims.booth.clone(),
        ticket_no: claims.ticket_number(ctx.config.timezone()),
        ticket_code: code.trim().to_string(),
        plate: None,
        class: claims.class.clone(),
        card_uid: None,
        entry_time: claims.entry_time,
        operator: None,
        photo_id: None,
        origin: Origin::Online,
        simulated: false,
        plate_read: None,
        plate_confidence: None,
        plate_source: crate::plate::PlateSource::None,
    };
    let class = classes.iter().find(|c| c.code == claims.class);
    let slip = slips::ticket(&letterhead(ctx), &entry, class);
    std::fs::write(out, render_ticket_png(&slip, paper)?)?;
    println!("ticket {} rendered to {}", entry.ticket_no, out.display());
    Ok(ExitCode::SUCCESS)
}

fn issue(
    ctx: &Context,
    op: &Operator,
    class: &str,
    booth: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let class = ClassCode::parse(class)?;
    let booth = booth.unwrap_or_else(|| ctx.config.booth.code.clone());
    let store = ctx.open_store()?;
    if !store.vehicle_classes()?.iter().any(|c| c.code == class) {
        bail!("vehicle class {class} is not set up at this site");
    }
    let secret = ctx.secret(store.as_ref())?;
    let tz = ctx.config.timezone();
    let now = SystemClock.now().trunc_subsecs(0);
    let site = ctx.config.site.code.clone();
    let sequence = store.next_ticket_sequence(&site, &booth, now.with_timezone(&tz).date_naive())?;
    let claims = TicketClaims { site: site.clone(), booth: booth.clone(), sequence, entry_time: now, class };
    let code = ticket::encode(&claims, secret.bytes())?;
    let ticket_no = claims.ticket_number(tz);
    let entry = Entry {
        id: ticket::entry_id(&code),
        site: site.clone(),
        booth: booth.clone(),
        ticket_no: ticket_no.clone(),
        ticket_code: code.clone(),
        plate: None,
        class: claims.class.clone(),
        card_uid: None,
        entry_time: now,
        operator: op.user().map(|user| user.username.clone()),
        photo_id: None,
        origin: Origin::Online,
        simulated: false,
        plate_read: None,
        plate_confidence: None,
        plate_source: crate::plate::PlateSource::None,
    };
    if store.record_entry(&entry)? == InsertOutcome::AlreadyPresent {
        bail!("ticket {ticket_no} is already recorded; issue again for a new number");
    }
    store.append_audit(&AuditRecord {
        time: now,
        site,
        booth,
        username: Some(op.audit_name().to_string()),
        action: "ticket_issued".into(),
        detail: json!({ "ticket_no": ticket_no, "entry_id": entry.id, "class": claims.class.as_str(), "via": "cli" }),
    })?;
    if json {
        let mut value = claims_json(&claims, &ticket_no);
        value["code"] = json!(code);
        super::print_json(&value);
    } else {
        println!("ticket  {ticket_no}");
        println!("code    {code}");
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(ctx: &Context, code: &str, json: bool) -> anyhow::Result<ExitCode> {
    let secret = ctx.ticket_secret()?;
    let tz = ctx.config.timezone();
    match ticket::decode(code, secret.bytes(), &ctx.config.site.code) {
        Ok(claims) => {
            let ticket_no = claims.ticket_number(tz);
            if json {
                super::print_json(&claims_json(&claims, &ticket_no));
            } else {
                let local = claims.entry_time.with_timezone(&tz);
                println!(
                    "valid ticket {ticket_no}: class {}, entered {} at booth {}",
                    claims.class,
                    local.format("%d/%m/%Y %H:%M:%S"),
                    claims.booth
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            if json {
                super::print_json(&json!({ "valid": false, "error": err.to_string() }));
            } else {
                println!("invalid ticket: {err}");
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn claims_json(claims: &TicketClaims, ticket_no: &str) -> serde_json::Value {
    json!({
        "valid": true,
        "site": claims.site,
        "booth": claims.booth,
        "sequence": claims.sequence,
        "entry_time": claims.entry_time.to_rfc3339_opts(SecondsFormat::Secs, true),
        "class": claims.class.as_str(),
        "ticket_no": ticket_no,
    })
}
