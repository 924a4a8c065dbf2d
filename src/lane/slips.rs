//! Turns recorded entries and exits into the ticket and receipt the printer prints.

use chrono::{DateTime, Utc};

use super::LaneContext;
use crate::devices::printer::{ReceiptSlip, TicketSlip};
use crate::domain::VehicleClass;
use crate::store::{Entry, Exit, PaymentMethod};

/// Local date and time as printed: `23/11/2026 14:05`.
pub(super) fn local_time(ctx: &LaneContext, at: DateTime<Utc>) -> String {
    at.with_timezone(&ctx.site.tz).format("%d/%m/%Y %H:%M").to_string()
}

/// `2 jam 15 menit` / `2 h 15 min`.
pub(crate) fn duration_text(minutes: i64, english: bool) -> String {
    let (hours, mins) = (minutes / 60, minutes % 60);
    match (english, hours) {
        (true, 0) => format!("{mins} min"),
        (true, _) => format!("{hours} h {mins} min"),
        (false, 0) => format!("{mins} menit"),
        (false, _) => format!("{hours} jam {mins} menit"),
    }
}

fn header(ctx: &LaneContext) -> Vec<String> {
    let mut lines = vec![ctx.site.name.clone()];
    lines.extend(ctx.site.header_lines.iter().cloned());
    lines
}

/// The ticket for a recorded entry.
pub(super) fn ticket(ctx: &LaneContext, entry: &Entry, class: Option<&VehicleClass>) -> TicketSlip {
    let english = ctx.language.code() == "en";
    let footer = if ctx.site.footer_lines.is_empty() {
        vec![
            if english {
                "Keep this ticket. Lost ticket = fine."
            } else {
                "Simpan tiket ini. Tiket hilang dikenakan denda."
            }
            .to_string(),
        ]
    } else {
        ctx.site.footer_lines.clone()
    };
    TicketSlip {
        header_lines: header(ctx),
        site_code: ctx.site.code.clone(),
        ticket_no: entry.ticket_no.clone(),
        ticket_code: entry.ticket_code.clone(),
        entry_time: local_time(ctx, entry.entry_time),
        booth: entry.booth.clone(),
        class_label: class
            .map(|c| c.name(ctx.language.code()).to_uppercase())
            .unwrap_or_else(|| entry.class.to_string()),
        plate: entry.plate.clone(),
        footer_lines: footer,
    }
}

/// The payment method as a driver reads it.
pub(crate) fn method_label(method: PaymentMethod, english: bool) -> &'static str {
    match (method, english) {
        (PaymentMethod::Cash, false) => "TUNAI",
        (PaymentMethod::Cash, true) => "CASH",
        (PaymentMethod::Qris, _) => "QRIS",
        (PaymentMethod::Card, false) => "KARTU DEBIT/KREDIT",
        (PaymentMethod::Card, true) => "DEBIT/CREDIT CARD",
        (PaymentMethod::Emoney, _) => "E-MONEY",
        (PaymentMethod::Free, false) => "GRATIS",
        (PaymentMethod::Free, true) => "FREE",
    }
}

/// The receipt for a recorded exit.
pub(super) fn receipt(
    ctx: &LaneContext,
    exit: &Exit,
    ticket_no: &str,
    entry_time: Option<DateTime<Utc>>,
    cashier: &str,
) -> ReceiptSlip {
    let english = ctx.language.code() == "en";
    ReceiptSlip {
        header_lines: header(ctx),
        ticket_no: ticket_no.to_string(),
        booth: exit.booth.clone(),
        cashier: cashier.to_string(),
        entry_time: entry_time.map(|t| local_time(ctx, t)),
        exit_time: local_time(ctx, exit.exit_time),
        duration: exit.fee.stay_min.map(|m| duration_text(m, english)).unwrap_or_else(|| "-".into()),
        lines: exit.fee.lines.iter().map(|line| (line.label(ctx.language.code()), line.amount)).collect(),
        total: exit.total,
        method: method_label(exit.method, english).to_string(),
        tendered: exit.tendered,
        change: exit.change,
        reference: exit.reference.clone(),
        lost_ticket: exit.lost_ticket,
        footer_lines: if ctx.site.footer_lines.is_empty() {
            vec![
                if english { "Thank you. Drive safely." } else { "Terima kasih. Hati-hati di jalan." }
                    .to_string(),
            ]
        } else {
            ctx.site.footer_lines.clone()
        },
    }
}
