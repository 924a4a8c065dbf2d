//! ParkingOut: scan → verify → find the entry → fee → payment → record → receipt → barrier.
//! Also lost tickets, members, manual opens with a reason, and cancel before payment.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::json;
use uuid::Uuid;

use super::recorder::{Persisted, RecordError};
use super::tariffs::TariffBook;
use super::{LaneContext, slips};
use crate::admin::MONEY_ROLES;
use crate::devices::DeviceError;
use crate::devices::barrier::Barrier;
use crate::devices::camera::Camera;
use crate::devices::input::{CardUid, InputEvent};
use crate::devices::printer::{PrintJob, Printer};
use crate::domain::tariff::{lost_ticket_fine_only, parking_fee};
use crate::domain::ticket::{self, TicketError};
use crate::domain::{ClassCode, Fee, FeeFlags, Rupiah, plate};
use crate::store::{
    AuditRecord, Entry, EntryLookup, Exit, Member, Origin, PaymentMethod, Photo, PhotoKind, Role, Shift,
    StoreError,
};

/// Exits this booth remembers, to refuse a second exit while offline.
const REMEMBERED_EXITS: usize = 500;

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
    exited: VecDeque<(Uuid, DateTime<Utc>)>,
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
            exited: VecDeque::new(),
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

    /// A scanned or typed ticket code, ticket number or card number.
    pub fn scan(&mut self, text: &str) -> Result<Quote, ExitError> {
        let started = Instant::now();
        let text = text.trim();
        let result = if text.starts_with("G") && text.contains('.') {
            self.quote_code(text, started)
        } else if looks_like_ticket_no(text) {
            self.quote_lookup(EntryLookup::TicketNo(text.to_ascii_uppercase()), text, started)
        } else if let Ok(uid) = CardUid::parse(text) {
            return self.card(&uid);
        } else {
            Err(ExitError::Unrecognised(text.chars().take(40).collect()))
        };
        self.settle_quote(result)
    }

    /// A member card at the exit.
    pub fn card(&mut self, uid: &CardUid) -> Result<Quote, ExitError> {
        let started = Instant::now();
        let result = self.quote_lookup(EntryLookup::Card(uid.to_string()), uid.as_str(), started);
        self.settle_quote(result)
    }

    /// A lost ticket: the latest open entry of the plate (fine + fee), or the fine alone.
    pub fn lost_ticket(&mut self, plate_text: &str, class: &ClassCode) -> Result<Quote, ExitError> {
        let started = Instant::now();
        let key = plate::search_key(plate_text);
        let entry = if key.is_empty() { None } else { self.lookup(&EntryLookup::PlateKey(key))?.0 };
        // The latest visit of the plate may have left already: only an open one counts.
        let entry = entry.filter(|e| !self.exited.iter().any(|(id, _)| *id == e.id));
        let now = self.now();
        let class = entry.as_ref().map(|e| e.class.clone()).unwrap_or_else(|| class.clone());
        let flags = FeeFlags { lost_ticket: true, member: false };
        let fee = match &entry {
            Some(entry) => parking_fee(&self.tariff(&class, entry.entry_time)?, entry.entry_time, now, flags),
            None => lost_ticket_fine_only(&self.tariff(&class, now)?, false),
        };
        let quote = Quote {
            entry_id: entry.as_ref().map(|e| e.id).unwrap_or_else(|| self.ctx.ids.new_id()),
            ticket_no: entry.as_ref().map(|e| e.ticket_no.clone()).unwrap_or_default(),
            class,
            plate: entry
                .as_ref()
                .and_then(|e| e.plate.clone())
                .or_else(|| crate::domain::Plate::normalise(plate_text).map(|p| p.to_string())),
            entry_time: entry.as_ref().map(|e| e.entry_time),
            entry_photo: entry.as_ref().and_then(|e| self.photo(e.photo_id)),
            entry,
            exit_time: now,
            fee,
            lost_ticket: true,
            member: None,
            exit_photo: None,
            scan_to_fee: started.elapsed(),
        };
        self.settle_quote(Ok(quote))
    }

    fn settle_quote(&mut self, result: Result<Quote, ExitError>) -> Result<Quote, ExitError> {
        match &result {
            Ok(quote) => self.phase = ExitPhase::Quoted(Box::new(quote.clone())),
            Err(err) => self.phase = ExitPhase::Refused(err.to_string()),
        }
        result
    }

    /// Takes the exit photo for the quote on screen (after the fee is shown).
    pub fn take_exit_photo(&mut self) {
        let now = self.now();
        if let ExitPhase::Quoted(quote) = &mut self.phase
            && quote.exit_photo.is_none()
        {
            quote.exit_photo =
                super::capture_photo(&self.ctx, self.devices.camera.as_ref(), PhotoKind::Exit, now);
        }
    }

    fn quote_code(&mut self, code: &str, started: Instant) -> Result<Quote, ExitError> {
        let claims = ticket::decode(code, self.ctx.secret.bytes(), &self.ctx.site.code)?;
        let entry_id = ticket::entry_id(code.trim());
        let (entry, exit) = self.lookup(&EntryLookup::Id(entry_id))?;
        if let Some(exit) = exit {
            return Err(self.already_exited(exit.exit_time, &exit.booth));
        }
        if let Some((_, at)) = self.exited.iter().find(|(id, _)| *id == entry_id) {
            return Err(self.already_exited(*at, &self.ctx.booth.clone()));
        }
        let tz = self.ctx.site.tz;
        let (entry_time, class) = (claims.entry_time, claims.class.clone());
        let member = entry.as_ref().and_then(|e| self.valid_member(e));
        let now = self.now();
        let flags = FeeFlags { lost_ticket: false, member: member.is_some() };
        let fee = parking_fee(&self.tariff(&class, entry_time)?, entry_time, now, flags);
        Ok(Quote {
            entry_id,
            ticket_no: claims.ticket_number(tz),
            class,
            plate: entry.as_ref().and_then(|e| e.plate.clone()),
            entry_time: Some(entry_time),
            entry_photo: entry.as_ref().and_then(|e| self.photo(e.photo_id)),
            entry,
            exit_time: now,
            fee,
            lost_ticket: false,
            member,
            exit_photo: None,
            scan_to_fee: started.elapsed(),
        })
    }

    fn quote_lookup(
        &mut self,
        lookup: EntryLookup,
        shown: &str,
        started: Instant,
    ) -> Result<Quote, ExitError> {
        let (entry, exit) = self.lookup(&lookup)?;
        let Some(entry) = entry else {
            // Offline only the booth cache can answer; without it a typed number needs the database.
            return Err(if self.ctx.connectivity.online() {
                ExitError::NotFound(shown.to_string())
            } else {
                ExitError::NeedsDatabase
            });
        };
        if let Some(exit) = exit {
            return Err(self.already_exited(exit.exit_time, &exit.booth));
        }
        let member = self.valid_member(&entry);
        let now = self.now();
        let flags = FeeFlags { lost_ticket: false, member: member.is_some() };
        let fee = parking_fee(&self.tariff(&entry.class, entry.entry_time)?, entry.entry_time, now, flags);
        Ok(Quote {
            entry_id: entry.id,
            ticket_no: entry.ticket_no.clone(),
            class: entry.class.clone(),
            plate: entry.plate.clone(),
            entry_time: Some(entry.entry_time),
            entry_photo: self.photo(entry.photo_id),
            entry: Some(entry),
            exit_time: now,
            fee,
            lost_ticket: false,
            member,
            exit_photo: None,
            scan_to_fee: started.elapsed(),
        })
    }

    /// Pays the quote on screen, records the exit, prints the receipt, opens the barrier.
    pub fn pay(&mut self, payment: Payment) -> Result<Paid, ExitError> {
        self.may_take_money()?;
        let ExitPhase::Quoted(quote) = &self.phase else { return Err(ExitError::NothingToPay) };
        let quote = quote.as_ref().clone();
        let shift_id = self.shift.as_ref().map(|s| s.id).ok_or(ExitError::NoShift)?;
        let total = quote.fee.total;
        let (method, tendered, change, reference) = match payment {
            _ if total == Rupiah::ZERO => (PaymentMethod::Free, None, None, None),
            Payment::Cash { tendered } if tendered < total => {
                return Err(ExitError::NotEnoughCash { tendered, total });
            }
            Payment::Cash { tendered } => (PaymentMethod::Cash, Some(tendered), Some(tendered - total), None),
            Payment::NonCash { method, reference } => {
                (method, None, None, reference.filter(|r| !r.trim().is_empty()))
            }
        };
        let photo = quote.exit_photo.clone().or_else(|| {
            super::capture_photo(&self.ctx, self.devices.camera.as_ref(), PhotoKind::Exit, quote.exit_time)
        });
        let exit = Exit {
            id: self.ctx.ids.new_id(),
            entry_id: quote.entry_id,
            site: self.ctx.site.code.clone(),
            booth: self.ctx.booth.clone(),
            exit_time: quote.exit_time,
            operator: self.operator.clone(),
            shift_id: Some(shift_id),
            fee: quote.fee.clone(),
            total,
            method,
            tendered,
            change,
            reference,
            lost_ticket: quote.lost_ticket,
            photo_id: photo.as_ref().map(|p| p.id),
            origin: if self.ctx.connectivity.online() { Origin::Online } else { Origin::Journal },
        };
        let _span = tracing::info_span!("exit", ticket = %quote.ticket_no, plate = ?quote.plate).entered();
        let persisted = match self.ctx.recorder().exit(&exit, photo.as_ref()) {
            Ok(persisted) => persisted,
            Err(RecordError::Refused(StoreError::AlreadyExited { exit_time, booth, .. })) => {
                let err = self.already_exited(exit_time, &booth);
                self.phase = ExitPhase::Refused(err.to_string());
                return Err(err);
            }
            Err(err) => return Err(err.into()),
        };
        let exit =
            Exit { origin: if persisted.journaled() { Origin::Journal } else { Origin::Online }, ..exit };
        self.exited.push_front((exit.entry_id, exit.exit_time));
        self.exited.truncate(REMEMBERED_EXITS);
        if quote.lost_ticket {
            let detail = json!({ "exit_id": exit.id, "plate": quote.plate, "entry_found": quote.entry.is_some(),
                "total": total.amount(), "shift_id": shift_id });
            // The exit row carries the lost-ticket flag too, so a failed audit loses no fact.
            if let Err(err) = self.audit("lost_ticket", detail, None) {
                tracing::warn!("lost-ticket audit line not saved: {err}");
            }
        }
        let slip = slips::receipt(
            &slips::Letterhead::of(&self.ctx),
            &exit,
            &quote.ticket_no,
            quote.entry_time,
            &self.cashier_name,
        );
        let receipt_printed = match self.devices.printer.print(&PrintJob::Receipt(slip)) {
            Ok(()) => true,
            Err(err) => {
                tracing::warn!("receipt not printed: {err}");
                false
            }
        };
        let mut paid = Paid { exit, persisted, receipt_printed, barrier_opened: false };
        match self.devices.barrier.open() {
            Ok(()) => {
                paid.barrier_opened = true;
                self.phase = ExitPhase::Done(Box::new(paid.clone()));
            }
            Err(err) => {
                self.phase = ExitPhase::PaidBarrierFailed(
                    Box::new(paid.clone()),
                    format!("{err}; press Re-open (F9): the driver has paid"),
                );
            }
        }
        Ok(paid)
    }

    /// Opens the barrier again for the exit just paid; never charges again.
    pub fn reopen(&mut self) -> Result<(), ExitError> {
        let paid = match &self.phase {
            ExitPhase::PaidBarrierFailed(paid, _) | ExitPhase::Done(paid) => paid.clone(),
            _ => return Err(ExitError::NothingToPay),
        };
        match self.devices.barrier.open() {
            Ok(()) => {
                let mut paid = *paid;
                paid.barrier_opened = true;
                self.phase = ExitPhase::Done(Box::new(paid));
                Ok(())
            }
            Err(err) => {
                self.phase = ExitPhase::PaidBarrierFailed(paid, format!("{err}; open the barrier by hand"));
                Err(err.into())
            }
        }
    }

    /// Opens the barrier without payment: needs a reason; photographed and audited.
    pub fn manual_open(&mut self, reason: &str) -> Result<(), ExitError> {
        self.may_take_money()?;
        let reason = reason.trim();
        if reason.chars().count() < 5 {
            return Err(ExitError::ReasonRequired);
        }
        let now = self.now();
        let photo = super::capture_photo(&self.ctx, self.devices.camera.as_ref(), PhotoKind::Manual, now);
        let ticket = match &self.phase {
            ExitPhase::Quoted(quote) => Some(quote.ticket_no.clone()),
            _ => None,
        };
        let detail = json!({ "reason": reason, "photo_id": photo.as_ref().map(|p| p.id),
            "shift_id": self.shift.as_ref().map(|s| s.id), "ticket_no": ticket });
        let persisted = self.audit("manual_open", detail, photo.as_ref());
        if let Err(err) = persisted {
            // An unaudited opening must not happen: say so and do not open.
            return Err(ExitError::NotSaved(err));
        }
        self.devices.barrier.open()?;
        self.phase = ExitPhase::Ready;
        Ok(())
    }

    /// Cancels the quote on screen before payment (audited as a void).
    pub fn cancel(&mut self) {
        if let ExitPhase::Quoted(quote) = &self.phase {
            let detail = json!({ "ticket_no": quote.ticket_no, "total": quote.fee.total.amount(),
                "shift_id": self.shift.as_ref().map(|s| s.id) });
            if let Err(err) = self.audit("void", detail, None) {
                tracing::warn!("{err}");
            }
        }
        self.phase = ExitPhase::Ready;
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
            InputEvent::LoopOccupied { .. } | InputEvent::Button | InputEvent::HelpButton => None,
        }
    }

    /// The vehicle has left the barrier: close it and get ready for the next one.
    pub fn vehicle_passed(&mut self) {
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

    /// The entry and exit for `lookup`; both `None` when not found or unreachable.
    /// Asked even while offline: a booth cache behind the store answers from its copy of the
    /// open entries (with their photos); a plain store fails at once and we go on without.
    fn lookup(&self, lookup: &EntryLookup) -> Result<(Option<Entry>, Option<Exit>), ExitError> {
        match self.ctx.store.find_visit(&self.ctx.site.code, lookup) {
            Ok(Some(visit)) => Ok((Some(visit.entry), visit.exit)),
            Ok(None) => Ok((None, None)),
            Err(err) if err.goes_to_journal() => {
                self.ctx.connectivity.report_failure();
                Ok((None, None))
            }
            Err(err) => Err(ExitError::Store(err)),
        }
    }

    /// The entry's member, when the card is active and valid today.
    fn valid_member(&self, entry: &Entry) -> Option<Member> {
        let uid = entry.card_uid.as_ref()?;
        let member = self.ctx.store.member_by_card(uid).ok().flatten()?;
        let today = self.now().with_timezone(&self.ctx.site.tz).date_naive();
        (member.active && member.valid_until >= today).then_some(member)
    }

    fn photo(&self, id: Option<Uuid>) -> Option<Photo> {
        let id = id?;
        self.ctx.store.photo(id).ok().flatten()
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
