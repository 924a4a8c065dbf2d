//! A simulated printer: renders each job to an image the screens can show, takes time like a
//! real one, and can run out of paper on demand.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use image::RgbImage;

use crate::clock::Clock;
use crate::devices::printer::job::{Paper, PrintJob};
use crate::devices::printer::render::render_job;
use crate::devices::printer::{PRINTER_NAME, Printer, escpos};
use crate::devices::{DeviceError, DeviceStatus, LinkState};

/// How many printed slips the simulated printer keeps for the screens.
pub const HISTORY_LEN: usize = 10;

/// One slip that came out of the simulated printer.
#[derive(Debug, Clone)]
pub struct PrintedSlip {
    /// 1 for the first job since start.
    pub number: u64,
    /// What was printed, letterhead filled in.
    pub job: PrintJob,
    /// The paper as it would look.
    pub image: Arc<RgbImage>,
    /// The ESC/POS bytes a real printer would have received.
    pub escpos: Arc<Vec<u8>>,
}

/// A printer that prints to memory.
pub struct SimulatedPrinter {
    paper: Paper,
    print_time: Duration,
    header_lines: Vec<String>,
    footer_lines: Vec<String>,
    clock: Arc<dyn Clock>,
    state: Mutex<SimState>,
}

struct SimState {
    paper_out: bool,
    jobs_printed: u64,
    history: VecDeque<PrintedSlip>,
    status: DeviceStatus,
}

impl SimulatedPrinter {
    /// A simulated printer for `paper` that takes `print_time` per job (zero in tests).
    pub fn new(paper: Paper, print_time: Duration, clock: Arc<dyn Clock>) -> Self {
        let mut status = DeviceStatus::connecting(PRINTER_NAME, "simulated");
        status.state = LinkState::Connected;
        Self {
            paper,
            print_time,
            header_lines: Vec::new(),
            footer_lines: Vec::new(),
            clock,
            state: Mutex::new(SimState {
                paper_out: false,
                jobs_printed: 0,
                history: VecDeque::with_capacity(HISTORY_LEN),
                status,
            }),
        }
    }

    /// Header and footer lines printed on slips that bring none of their own.
    pub fn with_letterhead(mut self, header_lines: Vec<String>, footer_lines: Vec<String>) -> Self {
        self.header_lines = header_lines;
        self.footer_lines = footer_lines;
        self
    }

    /// The paper width this printer lays out for.
    pub fn paper(&self) -> Paper {
        self.paper
    }

    /// Takes the paper out (or puts a new roll in): jobs fail and the status shows a fault.
    pub fn set_paper_out(&self, paper_out: bool) {
        let mut state = self.lock();
        state.paper_out = paper_out;
        if paper_out {
            state.status.state = LinkState::Fault;
            state.status.last_error = Some(paper_out_message().to_string());
        } else {
            state.status.state = LinkState::Connected;
            state.status.last_error = None;
        }
    }

    /// The last slip printed.
    pub fn last_output(&self) -> Option<PrintedSlip> {
        self.lock().history.back().cloned()
    }

    /// The last [`HISTORY_LEN`] slips, oldest first.
    pub fn history(&self) -> Vec<PrintedSlip> {
        self.lock().history.iter().cloned().collect()
    }

    /// Jobs printed since start (failed ones do not count).
    pub fn jobs_printed(&self) -> u64 {
        self.lock().jobs_printed
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn paper_out_message() -> &'static str {
    escpos::PrinterCondition { paper_out: true, ..Default::default() }.fault().unwrap_or("paper out")
}

impl Printer for SimulatedPrinter {
    fn print(&self, job: &PrintJob) -> Result<(), DeviceError> {
        if self.lock().paper_out {
            return Err(DeviceError::Fault {
                device: PRINTER_NAME.to_string(),
                message: paper_out_message().to_string(),
            });
        }
        let job = job.with_letterhead(&self.header_lines, &self.footer_lines);
        let rendered = render_job(&job, self.paper);
        if !self.print_time.is_zero() {
            std::thread::sleep(self.print_time);
        }
        let mut state = self.lock();
        let image = match rendered {
            Ok(image) => image,
            Err(err) => {
                let error = DeviceError::Fault { device: PRINTER_NAME.to_string(), message: err.to_string() };
                state.status.last_error = Some(error.to_string());
                return Err(error);
            }
        };
        state.jobs_printed += 1;
        let slip = PrintedSlip {
            number: state.jobs_printed,
            escpos: Arc::new(escpos::encode_job(&job, self.paper)),
            job,
            image: Arc::new(image),
        };
        if state.history.len() == HISTORY_LEN {
            state.history.pop_front();
        }
        state.history.push_back(slip);
        state.status.state = LinkState::Connected;
        state.status.last_error = None;
        state.status.last_seen = Some(self.clock.now());
        Ok(())
    }

    fn status(&self) -> DeviceStatus {
        self.lock().status.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::devices::printer::fixtures::{sample_receipt, sample_ticket};
    use chrono::{TimeZone, Utc};

    fn printer() -> SimulatedPrinter {
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2024, 3, 15, 1, 30, 0).unwrap()));
        SimulatedPrinter::new(Paper::Mm58, Duration::ZERO, clock)
    }

    #[test]
    fn prints_render_and_count() {
        let printer = printer();
        assert!(printer.last_output().is_none());
        printer.print(&PrintJob::Ticket(sample_ticket())).unwrap();
        printer.print(&PrintJob::Receipt(sample_receipt())).unwrap();
        assert_eq!(printer.jobs_printed(), 2);
        let last = printer.last_output().unwrap();
        assert_eq!(last.number, 2);
        assert!(matches!(last.job, PrintJob::Receipt(_)));
        assert_eq!(last.image.width(), 384);
        assert!(last.escpos.ends_with(&escpos::PARTIAL_CUT));
        let status = printer.status();
        assert_eq!(status.state, LinkState::Connected);
        assert_eq!(status.last_seen, Some(Utc.with_ymd_and_hms(2024, 3, 15, 1, 30, 0).unwrap()));
    }

    #[test]
    fn paper_out_fails_jobs_until_a_new_roll() {
        let printer = printer();
        printer.set_paper_out(true);
        let err = printer.print(&PrintJob::Ticket(sample_ticket())).unwrap_err();
        assert!(matches!(err, DeviceError::Fault { .. }), "{err:?}");
        assert!(err.to_string().contains("paper"));
        assert_eq!(printer.status().state, LinkState::Fault);
        assert_eq!(printer.jobs_printed(), 0);
        printer.set_paper_out(false);
        printer.print(&PrintJob::Ticket(sample_ticket())).unwrap();
        assert_eq!(printer.status().state, LinkState::Connected);
        assert_eq!(printer.status().last_error, None);
    }

    #[test]
    fn history_is_bounded() {
        let printer = printer().with_letterhead(vec!["SIM".into()], vec![]);
        for _ in 0..HISTORY_LEN + 3 {
            printer.print(&PrintJob::Ticket(sample_ticket())).unwrap();
        }
        let history = printer.history();
        assert_eq!(history.len(), HISTORY_LEN);
        assert_eq!(history.first().unwrap().number, 4);
        assert_eq!(history.last().unwrap().number, HISTORY_LEN as u64 + 3);
    }
}
