//! Turns recorded entries and exits into the ticket and receipt the printer prints.

use chrono::{DateTime, Utc};

use super::LaneContext;
use crate::config::Language;
use crate::devices::printer::{ReceiptSlip, TicketSlip};
use crate::domain::VehicleClass;
use crate::store::{Entry, Exit, PaymentMethod};

/// What slips need to know about the site: name, extra lines, time zone, language.
#[derive(Debug, Clone)]
pub struct Letterhead {
    /// Site name, first line.
    pub name: String,
    /// Lines under the name.
    pub header_lines: Vec<String>,
    /// Lines at the bottom (defaults apply when empty).
    pub footer_lines: Vec<String>,
    /// Time zone of printed times.
    pub tz: chrono_tz::Tz,
    /// Language of labels.
    pub language: Language,
}

impl Letterhead {
    /// The letterhead of a lane's site.
    pub fn of(ctx: &LaneContext) -> Letterhead {
        Letterhead {
            name: ctx.site.name.clone(),
            header_lines: ctx.site.header_lines.clone(),
            footer_lines: ctx.site.footer_lines.clone(),
            tz: ctx.site.tz,
            language: ctx.language,
        }
    }

    fn english(&self) -> bool {
        self.language == Language::English
    }

    fn header(&self) -> Vec<String> {
        let mut lines = vec![self.name.clone()];
        lines.extend(self.header_lines.iter().cloned());
        lines
    }
}

/// Local date and time as printed: `23/11/2026 14:05`.
pub fn local_time(tz: chrono_tz::Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string()
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

/// The ticket for a recorded entry.
pub fn ticket(head: &Letterhead, entry: &Entry, class: Option<&VehicleClass>) -> TicketSlip {
    let english = head.english();
    let footer = if head.footer_lines.is_empty() {
        vec![
            if english {
                "Keep this ticket. Lost ticket = fine."
            } else {
                "Simpan tiket ini. Tiket hilang dikenakan denda."
            }
            .to_string(),
        ]
    } else {
        head.footer_lines.clone()
    };
    TicketSlip {
        header_lines: head.header(),
        site_code: entry.site.clone(),
        ticket_no: entry.ticket_no.clone(),
        ticket_code: entry.ticket_code.clone(),
        entry_time: local_time(head.tz, entry.entry_time),
        booth: entry.booth.clone(),
        class_label: class
            .map(|c| c.name(head.language.code()).to_uppercase())
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
pub fn receipt(
    head: &Letterhead,
    exit: &Exit,
    ticket_no: &str,
    entry_time: Option<DateTime<Utc>>,
    cashier: &str,
) -> ReceiptSlip {
    let english = head.english();
    ReceiptSlip {
        header_lines: head.header(),
        ticket_no: ticket_no.to_string(),
        booth: exit.booth.clone(),
        cashier: cashier.to_string(),
        entry_time: entry_time.map(|t| local_time(head.tz, t)),
        exit_time: local_time(head.tz, exit.exit_time),
        duration: exit.fee.stay_min.map(|m| duration_text(m, english)).unwrap_or_else(|| "-".into()),
        lines: exit.fee.lines.iter().map(|line| (line.label(head.language.code()), line.amount)).collect(),
        total: exit.total,
        method: method_label(exit.method, english).to_string(),
        tendered: exit.tendered,
        change: exit.change,
        reference: exit.reference.clone(),
        lost_ticket: exit.lost_ticket,
        footer_lines: if head.footer_lines.is_empty() {
            vec![
                if english { "Thank you. Drive safely." } else { "Terima kasih. Hati-hati di jalan." }
                    .to_string(),
            ]
        } else {
            head.footer_lines.clone()
        },
    }
}
