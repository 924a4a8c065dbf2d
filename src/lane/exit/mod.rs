//! ParkingOut: scan → verify → find the entry → fee → payment → record → receipt → barrier.
//! Also lost tickets, members, manual opens with a reason, and cancel before payment.
//!
//! The phases live in their own files: [`quote`] (scan, card or lost ticket to a fee) and
//! [`pay`] (payment, record, receipt, barrier, and the ways out without payment).

mod pay;
mod plates;
mod quote;
mod reads;

pub use pay::{EMERGENCY_PREFIX, emergency_reason};

pub use plates::{PlateMismatch, mismatch_of};
pub use reads::{ExitPlateRead, ExitReadNo, SeenPlate};

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use super::recorder::{Persisted, RecordError};
use super::tariffs::TariffBook;
use super::{LaneContext, slips};
use crate::admin::MONEY_ROLES;
use crate::devices::DeviceError;
use crate::devices::barrier::Barrier;
use crate::devices::camera::Camera;
use crate::devices::input::InputEvent;
use crate::devices::printer::Printer;
use crate::domain::ticket::TicketError;
use crate::domain::{ClassCode, Fee, Rupiah};
use crate::store::{AuditRecord, Entry, Exit, Member, PaymentMethod, Photo, Role, Shift, StoreError};

/// The exit booth's devices.
#[derive(Clone)]
pub struct ExitDevices {
    /// Takes the exit photo.
    pub camera: Arc<dyn Camera>,
    /// Prints receipts.
    pub printer: Arc<dyn Printer>,
    /// Lets the vehicle out.
    pub barrier: Arc<dyn Barrier>,
}

/// A fee ready to be paid, with everything the cashier compares.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    /// The entry it closes (found in the database, or known from the signed code offline).
    pub entry_id: Uuid,
    /// The entry row, when the database had it.
    pub entry: Option<Entry>,
    /// Ticket number.
    pub ticket_no: String,
    /// Vehicle class.
    pub class: ClassCode,
    /// Plate at entry, if known.
    pub plate: Option<String>,
    /// Entry time, unknown only for a lost ticket without a match.
    pub entry_time: Option<DateTime<Utc>>,
    /// Exit time the fee is computed to.
    pub exit_time: DateTime<Utc>,
    /// The fee and its breakdown.
    pub fee: Fee,
    /// Lost-ticket quote.
    pub lost_ticket: bool,
    /// The member, for member exits.
    pub member: Option<Member>,
    /// Entry photo to compare plates.
    pub entry_photo: Option<Photo>,
    /// Exit photo, taken at the scan.
    pub exit_photo: Option<Photo>,
    /// Scan to fee, for the budget.
    pub scan_to_fee: Duration,
}

/// How the driver pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payment {
    /// Cash with the amount handed over.
    Cash {
        /// Handed over.
        tendered: Rupiah,
    },
    /// QRIS, card or e-money with its reference.
    NonCash {
        /// Which.
        method: PaymentMethod,
        /// Approval code or reference.
        reference: Option<String>,
    },
}

/// A completed exit.
#[derive(Debug, Clone, PartialEq)]
pub struct Paid {
    /// The recorded exit.
    pub exit: Exit,
    /// Database or journal.
    pub persisted: Persisted,
    /// The receipt printed.
    pub receipt_printed: bool,
    /// The barrier took the open command.
    pub barrier_opened: bool,
}

/// Where the lane is, for the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum ExitPhase {
    /// Waiting for a scan.
    Ready,
    /// A fee is on screen, waiting for payment.
    Quoted(Box<Quote>),
    /// Paid and the barrier opened.
    Done(Box<Paid>),
    /// Paid, but the barrier did not open: re-open without charging again.
    PaidBarrierFailed(Box<Paid>, String),
    /// Refused (tampered code, already exited …); the message says why.
    Refused(String),
}

/// Why a scan or payment was refused.
#[derive(Debug, thiserror::Error)]
pub enum ExitError {
    /// The code does not verify.
    #[error(transparent)]
    Ticket(#[from] TicketError),
    /// Neither a code, a ticket number nor a card.
    #[error("{0:?} is not a ticket code, ticket number or card; scan again")]
    Unrecognised(String),
    /// No open entry for this ticket number or card.
    #[error("no vehicle inside with ticket or card {0}; check the number or use Lost ticket (F6)")]
    NotFound(String),
    /// A validly signed code whose entry the database does not hold (and whose entry booth has
    /// nothing waiting in its journal): the code proves who issued it, not that the vehicle
    /// came in.
    #[error("ticket {0} has no entry in the database; use Lost ticket (F6) and find the vehicle by plate")]
    NoEntry(String),
    /// The booth ledger cannot be read, so "paid once here" cannot be checked.
    #[error("this booth's record of its exits cannot be read ({0}); take no payment and call the technician")]
    LedgerUnavailable(String),
    /// A typed ticket number needs the database.
    #[error("ticket numbers can only be looked up online; scan the QR code instead")]
    NeedsDatabase,
    /// This ticket already left.
    #[error("this ticket already exited at {time} at booth {booth}")]
    AlreadyExited {
        /// Local time.
        time: String,
        /// Exit booth.
        booth: String,
    },
    /// No quote on screen.
    #[error("scan a ticket first")]
    NothingToPay,
    /// An emergency exit asked for while no emergency is active.
    #[error("no emergency is active: take the payment")]
    NoEmergency,
    /// Not enough cash.
    #[error("{tendered} is less than {total}")]
    NotEnoughCash {
        /// Handed over.
        tendered: Rupiah,
        /// Due.
        total: Rupiah,
    },
    /// Payment without an open shift.
    #[error("open a shift first (F8)")]
    NoShift,
    /// Manual open without a reason.
    #[error("a manual opening needs a reason (at least 5 characters)")]
    ReasonRequired,
    /// The operator's role may not take money or open the barrier by hand.
    #[error("a {} may not take money or open the barrier by hand; ask a cashier", .0.as_str())]
    NotAllowed(Role),
    /// No tariff for the class.
    #[error("there is no tariff for class {0}; ask the admin")]
    NoTariff(String),
    /// The database refused the exit.
    #[error(transparent)]
    Store(StoreError),
    /// The record could not be saved anywhere.
    #[error(transparent)]
    NotSaved(RecordError),
    /// A device failed.
    #[error(transparent)]
    Device(#[from] DeviceError),
}

impl From<RecordError> for ExitError {
    fn from(err: RecordError) -> Self {
        match err {
            RecordError::Refused(store) => ExitError::Store(store),
            lost => ExitError::NotSaved(lost),
        }
    }
}

/// The exit lane. One worker owns it.
pub struct ExitLane {
    ctx: LaneContext,
    devices: ExitDevices,
    tariffs: TariffBook,
    operator: Option<String>,
    role: Option<Role>,
    cashier_name: String,
    shift: Option<Shift>,
    phase: ExitPhase,
    /// The exit photos' plate reader, when the booth reads plates.
    reads: Option<reads::ExitReads>,
}

impl ExitLane {
    /// A lane with its devices.
    pub fn new(ctx: LaneContext, devices: ExitDevices) -> Self {
        let tariffs = TariffBook::load(&ctx);
        Self {
            ctx,
            devices,
            tariffs,
            operator: None,
            role: None,
            cashier_name: String::new(),
            shift: None,
            phase: ExitPhase::Ready,
            reads: None,
        }
    }

    /// The cashier on duty and their open shift.
    pub fn set_operator(&mut self, username: Option<String>, full_name: String, shift: Option<Shift>) {
        self.operator = username;
        self.cashier_name = full_name;
        self.shift = shift;
    }

    /// The role of the person logged in. Money and manual openings need a cashier or an admin;
    /// a lane driven without a login (the traffic simulation) has no role and is not limited.
    pub fn set_role(&mut self, role: Option<Role>) {
        self.role = role;
    }

    /// Refuses unless the operator on duty may take money (shifts, payments, manual openings).
    pub fn may_take_money(&self) -> Result<(), ExitError> {
        match self.role {
            Some(role) if !MONEY_ROLES.contains(&role) => Err(ExitError::NotAllowed(role)),
            _ => Ok(()),
        }
    }

    /// The open shift, if any.
    pub fn shift(&self) -> Option<&Shift> {
        self.shift.as_ref()
    }

    /// Sets or clears the open shift (after opening or closing one).
    pub fn set_shift(&mut self, shift: Option<Shift>) {
        self.shift = shift;
    }

    /// Where the lane is.
    pub fn phase(&self) -> &ExitPhase {
        &self.phase
    }

    /// The shared context (for shift operations).
    pub fn context(&self) -> &LaneContext {
        &self.ctx
    }

    /// Feeds a device event: a scan or card quotes, the loop clearing closes the barrier.
    pub fn handle(&mut self, event: &InputEvent) -> Option<Result<Quote, ExitError>> {
        match event {
            InputEvent::Scan(text) => Some(self.scan(text)),
            InputEvent::Card(uid) => Some(self.card(uid)),
            InputEvent::LoopCleared { .. } => {
                self.vehicle_passed();
                None
            }
            InputEvent::LoopOccupied { .. } if self.ctx.emergency.is_active() => {
                self.emergency_passage();
                None
            }
            InputEvent::LoopOccupied { .. } | InputEvent::Button | InputEvent::HelpButton => None,
        }
    }

    /// A vehicle at the exit loop while an emergency holds the barrier open: whether or not
    /// its ticket is scanned, it is recorded as seen (`emergency_passage`, with a photo where
    /// the camera gives one), so the evacuation's traffic can be matched afterwards.
    fn emergency_passage(&mut self) {
        let now = self.now();
        let photo =
            super::capture_photo(&self.ctx, self.devices.camera.as_ref(), crate::store::PhotoKind::Exit, now);
        let emergency_id = self.ctx.emergency.active().map(|e| e.id);
        let detail =
            serde_json::json!({ "emergency_id": emergency_id, "photo_id": photo.as_ref().map(|p| p.id) });
        if let Err(err) = self.audit("emergency_passage", detail, photo.as_ref()) {
            tracing::warn!("emergency passage not recorded: {err}");
        }
    }

    /// The vehicle has left the barrier: close it and get ready for the next one.
    pub fn vehicle_passed(&mut self) {
        self.forget_seen_plate();
        if matches!(self.phase, ExitPhase::Done(_)) {
            if let Err(err) = self.devices.barrier.close() {
                tracing::warn!("exit barrier did not close: {err}");
            }
            self.phase = ExitPhase::Ready;
        }
    }

    /// Back to ready after a refusal was read.
    pub fn finish(&mut self) {
        if matches!(self.phase, ExitPhase::Refused(_)) {
            self.phase = ExitPhase::Ready;
        }
    }

    fn audit(
        &self,
        action: &str,
        detail: serde_json::Value,
        photo: Option<&Photo>,
    ) -> Result<Persisted, RecordError> {
        let record = AuditRecord {
            time: self.ctx.clock.now(),
            site: self.ctx.site.code.clone(),
            booth: self.ctx.booth.clone(),
            username: self.operator.clone(),
            action: action.to_string(),
            detail,
        };
        self.ctx.recorder().audit(&record, photo)
    }

    fn now(&self) -> DateTime<Utc> {
        self.ctx.clock.now().trunc_subsecs(0)
    }

    fn already_exited(&self, at: DateTime<Utc>, booth: &str) -> ExitError {
        ExitError::AlreadyExited { time: slips::local_time(self.ctx.site.tz, at), booth: booth.to_string() }
    }

    fn tariff(&mut self, class: &ClassCode, at: DateTime<Utc>) -> Result<crate::domain::Tariff, ExitError> {
        self.tariffs.tariff(&self.ctx, class, at).ok_or_else(|| ExitError::NoTariff(class.to_string()))
    }
}

/// `IN1-261123-0042`: booth, six-digit date, sequence.
fn looks_like_ticket_no(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && !parts[0].is_empty()
        && parts[1].len() == 6
        && parts[1].bytes().all(|b| b.is_ascii_digit())
        && !parts[2].is_empty()
        && parts[2].bytes().all(|b| b.is_ascii_digit())
}
