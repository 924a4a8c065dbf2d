//! What gets printed: tickets, receipts and test pages, as pre-formatted strings so the printer
//! needs no time zone, locale or tariff knowledge.

use serde::{Deserialize, Serialize};

use crate::domain::Rupiah;

/// Paper roll width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Paper {
    /// 58 mm roll: 32 columns of font A, 384 printable dots.
    #[default]
    #[serde(rename = "58mm")]
    Mm58,
    /// 80 mm roll: 48 columns of font A, 576 printable dots.
    #[serde(rename = "80mm")]
    Mm80,
}

impl Paper {
    /// Characters per line in the printer's standard font (12×24 dots).
    pub fn columns(self) -> usize {
        match self {
            Paper::Mm58 => 32,
            Paper::Mm80 => 48,
        }
    }

    /// The name used in the configuration: `58mm` or `80mm`.
    pub fn label(self) -> &'static str {
        match self {
            Paper::Mm58 => "58mm",
            Paper::Mm80 => "80mm",
        }
    }

    /// Printable width in dots (203 dpi); also the width of rendered previews in pixels.
    pub fn width_dots(self) -> u32 {
        match self {
            Paper::Mm58 => 384,
            Paper::Mm80 => 576,
        }
    }
}

/// An entry ticket, handed to the driver when a vehicle comes in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSlip {
    /// Site name, address: printed centred at the top (the first line in bold).
    pub header_lines: Vec<String>,
    /// Site code, e.g. `JKT-MALL-01`.
    pub site_code: String,
    /// Human-readable ticket number; also printed as Code128.
    pub ticket_no: String,
    /// The signed ticket code (≤ 64 characters of `[0-9A-Z.-]`), printed as a QR code.
    pub ticket_code: String,
    /// Entry date and time, already formatted in the site's time zone.
    pub entry_time: String,
    /// Booth (gate) code or name.
    pub booth: String,
    /// Vehicle class as the driver reads it, e.g. `MOBIL`.
    pub class_label: String,
    /// Licence plate, when known at entry.
    pub plate: Option<String>,
    /// Small print at the bottom (terms, "keep this ticket").
    pub footer_lines: Vec<String>,
}

/// A payment receipt, handed to the driver at the exit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptSlip {
    /// Site name, address: printed centred at the top (the first line in bold).
    pub header_lines: Vec<String>,
    /// Ticket number the payment is for.
    pub ticket_no: String,
    /// Exit booth code or name.
    pub booth: String,
    /// Cashier's name.
    pub cashier: String,
    /// Entry time, formatted; `None` when unknown (lost ticket without a match).
    pub entry_time: Option<String>,
    /// Exit time, formatted.
    pub exit_time: String,
    /// Length of stay, formatted (e.g. `2 jam 15 menit`).
    pub duration: String,
    /// Fee breakdown: label and amount per line.
    pub lines: Vec<(String, Rupiah)>,
    /// Amount due.
    pub total: Rupiah,
    /// Payment method as the driver reads it (`TUNAI`, `QRIS`, `E-MONEY`).
    pub method: String,
    /// Cash handed over, for cash payments.
    pub tendered: Option<Rupiah>,
    /// Change given back, for cash payments.
    pub change: Option<Rupiah>,
    /// Non-cash payment reference.
    pub reference: Option<String>,
    /// The ticket was lost: the receipt says `TIKET HILANG`.
    pub lost_ticket: bool,
    /// Small print at the bottom.
    pub footer_lines: Vec<String>,
}

/// One thing to print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PrintJob {
    /// An entry ticket.
    Ticket(TicketSlip),
    /// An exit receipt.
    Receipt(ReceiptSlip),
    /// A page that proves the printer, its paper width, QR and barcode work (`gardu device test`).
    TestPage {
        /// Site name.
        site: String,
        /// Booth code.
        booth: String,
        /// When, already formatted.
        at: String,
    },
}

impl PrintJob {
    /// Short name for logs and status lines: `ticket`, `receipt`, `test page`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            PrintJob::Ticket(_) => "ticket",
            PrintJob::Receipt(_) => "receipt",
            PrintJob::TestPage { .. } => "test page",
        }
    }

    /// The job with the configured header and footer lines filled in where the slip has none.
    pub fn with_letterhead(&self, header_lines: &[String], footer_lines: &[String]) -> PrintJob {
        let fill = |own: &Vec<String>, configured: &[String]| {
            if own.is_empty() { configured.to_vec() } else { own.clone() }
        };
        match self {
            PrintJob::Ticket(slip) => PrintJob::Ticket(TicketSlip {
                header_lines: fill(&slip.header_lines, header_lines),
                footer_lines: fill(&slip.footer_lines, footer_lines),
                ..slip.clone()
            }),
            PrintJob::Receipt(slip) => PrintJob::Receipt(ReceiptSlip {
                header_lines: fill(&slip.header_lines, header_lines),
                footer_lines: fill(&slip.footer_lines, footer_lines),
                ..slip.clone()
            }),
            PrintJob::TestPage { .. } => self.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_sizes() {
        assert_eq!((Paper::Mm58.columns(), Paper::Mm58.width_dots()), (32, 384));
        assert_eq!((Paper::Mm80.columns(), Paper::Mm80.width_dots()), (48, 576));
    }

    #[test]
    fn jobs_round_trip_through_json() {
        let job =
            PrintJob::TestPage { site: "Mall".into(), booth: "IN1".into(), at: "15/03/2024 08:30".into() };
        let json = serde_json::to_string(&job).unwrap();
        assert!(json.contains("\"kind\":\"test_page\""), "{json}");
        assert_eq!(serde_json::from_str::<PrintJob>(&json).unwrap(), job);
        for job in [
            PrintJob::Ticket(crate::devices::printer::fixtures::sample_ticket()),
            PrintJob::Receipt(crate::devices::printer::fixtures::sample_receipt()),
        ] {
            let json = serde_json::to_string(&job).unwrap();
            assert_eq!(serde_json::from_str::<PrintJob>(&json).unwrap(), job, "{json}");
        }
        assert_eq!(serde_json::to_string(&Paper::Mm80).unwrap(), "\"80mm\"".to_string());
    }

    #[test]
    fn letterhead_fills_only_empty_lines() {
        let slip = TicketSlip {
            header_lines: vec![],
            site_code: "S".into(),
            ticket_no: "1".into(),
            ticket_code: "C".into(),
            entry_time: "t".into(),
            booth: "b".into(),
            class_label: "c".into(),
            plate: None,
            footer_lines: vec!["own".into()],
        };
        let job = PrintJob::Ticket(slip).with_letterhead(&["Head".into()], &["Foot".into()]);
        let PrintJob::Ticket(filled) = job else { panic!("ticket expected") };
        assert_eq!(filled.header_lines, vec!["Head".to_string()]);
        assert_eq!(filled.footer_lines, vec!["own".to_string()]);
    }
}
