//! Receipt and ticket printers: the `Printer` trait, ESC/POS over serial, device file or TCP, a
//! PNG renderer for previews, and a simulated printer.
//!
//! Layout is pure ([`layout`]); the ESC/POS encoder ([`escpos`]) and the renderer ([`render`]) draw
//! the same blocks, so a preview shows exactly what the paper will.

pub mod code128;
pub mod config;
pub mod escpos;
pub mod job;
pub mod layout;
pub mod render;
pub mod sim;
pub mod thermal;
pub mod transport;

use crate::devices::{DeviceError, DeviceStatus};

pub use config::{PrinterConfig, PrinterConfigError, PrinterHandle, PrinterKind, printer_from_config};
pub use job::{Paper, PrintJob, ReceiptSlip, TicketSlip};
pub use render::{RenderError, render_job, render_receipt_png, render_ticket_png};
pub use sim::{PrintedSlip, SimulatedPrinter};
pub use thermal::EscPosPrinter;
pub use transport::Transport;

/// Name printers report in their [`DeviceStatus`].
pub const PRINTER_NAME: &str = "printer";

/// A printer at the booth. Printing blocks until the job is handed over (or fails), bounded by
/// the printer's timeout, so lanes call it from their worker, never from the UI thread.
pub trait Printer: Send + Sync {
    /// Prints one job. Fails with [`DeviceError::Fault`] when the printer reports paper out or
    /// an open cover, so the lane can tell the operator instead of handing out nothing.
    fn print(&self, job: &PrintJob) -> Result<(), DeviceError>;

    /// The printer's status after its last job.
    fn status(&self) -> DeviceStatus;
}

/// Prints a test page (`gardu device test`): title, site, booth, time, a column ruler, a QR
/// code and a barcode.
pub fn print_test_page(printer: &dyn Printer, site: &str, booth: &str, at: &str) -> Result<(), DeviceError> {
    printer.print(&PrintJob::TestPage {
        site: site.to_string(),
        booth: booth.to_string(),
        at: at.to_string(),
    })
}

/// Slips used by the unit tests of this module.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::{ReceiptSlip, TicketSlip};
    use crate::domain::Rupiah;

    /// An entry ticket with every field set.
    pub fn sample_ticket() -> TicketSlip {
        TicketSlip {
            header_lines: vec![
                "MALL KOTA KASABLANKA".into(),
                "Jl. Casablanca Raya Kav. 88, Jakarta Selatan".into(),
            ],
            site_code: "JKT-MALL-01".into(),
            ticket_no: "IN1-0042".into(),
            ticket_code: "G1.JKT-MALL-01.IN1.42.1710466205.MBL.Q7W2E9R4T6".into(),
            entry_time: "15/03/2024 08:30:05".into(),
            booth: "IN1".into(),
            class_label: "MOBIL".into(),
            plate: Some("B 1234 XYZ".into()),
            footer_lines: vec!["Simpan tiket ini.".into(), "Kehilangan tiket dikenakan denda".into()],
        }
    }

    /// A cash receipt for a lost ticket.
    pub fn sample_receipt() -> ReceiptSlip {
        ReceiptSlip {
            header_lines: vec!["MALL KOTA KASABLANKA".into()],
            ticket_no: "IN1-0042".into(),
            booth: "OUT2".into(),
            cashier: "Siti".into(),
            entry_time: Some("15/03/2024 08:30:05".into()),
            exit_time: "15/03/2024 11:02:40".into(),
            duration: "2 jam 32 menit".into(),
            lines: vec![
                ("Jam pertama".into(), Rupiah(5_000)),
                ("2 jam berikutnya x Rp 3.000".into(), Rupiah(6_000)),
                ("Denda tiket hilang".into(), Rupiah(50_000)),
            ],
            total: Rupiah(61_000),
            method: "TUNAI".into(),
            tendered: Some(Rupiah(100_000)),
            change: Some(Rupiah(39_000)),
            reference: None,
            lost_ticket: true,
            footer_lines: vec!["Terima kasih".into()],
        }
    }
}
