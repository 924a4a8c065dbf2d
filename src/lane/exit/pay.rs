//! The second phase at the exit: payment, the exit record, the receipt and the barrier; and
//! the ways out without payment (manual opening with a reason, cancel before payment).

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{ExitError, ExitLane, ExitPhase, Paid, Payment, Quote};
use crate::devices::printer::PrintJob;
use crate::domain::Rupiah;
use crate::domain::tariff::Fee;
use crate::domain::tariff::forced_close_fee;
use crate::lane::recorder::{Persisted, RecordError};
use crate::lane::slips;
use crate::store::{Exit, Origin, PaymentMethod, Photo, PhotoKind, StoreError};

impl ExitLane {
    /// Pays the quote on screen, records the exit, prints the receipt, opens the barrier.
    pub fn pay(&mut self, payment: Payment) -> Result<Paid, ExitError> {
        if self.ctx.emergency.is_active() {
            // No money during an evacuation, whatever the caller asked.
            return self.emergency_exit();
        }
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
            super::super::capture_photo(
                &self.ctx,
                self.devices.camera.as_ref(),
                PhotoKind::Exit,
                quote.exit_time,
            )
        });
        let exit = Exit {
            shift_id: Some(shift_id),
            method,
            tendered,
            change,
            reference,
            ..self.exit_of(&quote, quote.fee.clone(), total, photo.as_ref())
        };
        let _span = tracing::info_span!("exit", ticket = %quote.ticket_no, plate = ?quote.plate).entered();
        let (exit, persisted) = self.record_exit(exit, photo.as_ref())?;
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

    /// While an emergency holds the barriers open: records the vehicle on screen as leaving
    /// without charge — a forced close whose reason is `emergency: <reason>`, in no shift, with
    /// its exit photo — audits the fee waived (`emergency_exit`) and leaves the barrier open.
    /// Nobody needs to be logged in: no money moves.
    pub fn emergency_exit(&mut self) -> Result<Paid, ExitError> {
        let emergency = self.ctx.emergency.active().ok_or(ExitError::NoEmergency)?;
        let ExitPhase::Quoted(quote) = &self.phase else { return Err(ExitError::NothingToPay) };
        let quote = quote.as_ref().clone();
        let photo = quote.exit_photo.clone();
        let exit = Exit {
            forced_reason: Some(emergency_reason(&emergency.reason)),
            ..self.exit_of(
                &quote,
                forced_close_fee(Rupiah::ZERO, quote.fee.stay_min),
                Rupiah::ZERO,
                photo.as_ref(),
            )
        };
        let (exit, persisted) = self.record_exit(exit, photo.as_ref())?;
        let detail = json!({ "exit_id": exit.id, "entry_id": exit.entry_id, "ticket_no": quote.ticket_no,
            "plate": quote.plate, "emergency_id": emergency.id, "fee_waived": quote.fee.total.amount() });
        if let Err(err) = self.audit("emergency_exit", detail, None) {
            // The exit row itself says "emergency:", so a failed audit loses no fact.
            tracing::warn!("emergency-exit audit line not saved: {err}");
        }
        let barrier_opened = match self.devices.barrier.open() {
            Ok(()) => true,
            Err(err) => {
                tracing::error!("emergency: the exit barrier did not open: {err}");
                false
            }
        };
        let paid = Paid { exit, persisted, receipt_printed: false, barrier_opened };
        self.phase = ExitPhase::Done(Box::new(paid.clone()));
        Ok(paid)
    }

    /// The exit of the vehicle quoted, for `fee` and `total`: no shift, free, no forced reason,
    /// until the caller says otherwise.
    fn exit_of(&self, quote: &Quote, fee: Fee, total: Rupiah, photo: Option<&Photo>) -> Exit {
        Exit {
            id: self.ctx.ids.new_id(),
            entry_id: quote.entry_id,
            site: self.ctx.site.code.clone(),
            booth: self.ctx.booth.clone(),
            exit_time: quote.exit_time,
            operator: self.operator.clone(),
            shift_id: None,
            fee,
            total,
            method: PaymentMethod::Free,
            tendered: None,
            change: None,
            reference: None,
            lost_ticket: quote.lost_ticket,
            photo_id: photo.map(|p| p.id),
            origin: if self.ctx.connectivity.online() { Origin::Online } else { Origin::Journal },
            simulated: self.ctx.simulated,
            forced_reason: None,
        }
    }

    /// Records `exit` (in the database, or the journal when it is away) and remembers it; a
    /// ticket another booth has already let out is refused on screen. Returns the exit with the
    /// origin it was kept with.
    fn record_exit(&mut self, exit: Exit, photo: Option<&Photo>) -> Result<(Exit, Persisted), ExitError> {
        let persisted = match self.ctx.recorder().exit(&exit, photo) {
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
        self.remember(&exit);
        Ok((exit, persisted))
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

    /// Opens the barrier without payment: needs a reason; photographed and audited. When the
    /// cashier links the opening to a vehicle inside (`vehicle`), that visit is closed by a
    /// forced close with the reason, so it does not stay "inside" for ever.
    pub fn manual_open(&mut self, reason: &str, vehicle: Option<Uuid>) -> Result<(), ExitError> {
        self.may_take_money()?;
        let reason = reason.trim();
        if reason.chars().count() < 5 {
            return Err(ExitError::ReasonRequired);
        }
        let now = self.now();
        let photo =
            super::super::capture_photo(&self.ctx, self.devices.camera.as_ref(), PhotoKind::Manual, now);
        let ticket = match &self.phase {
            ExitPhase::Quoted(quote) => Some(quote.ticket_no.clone()),
            _ => None,
        };
        let detail = json!({ "reason": reason, "photo_id": photo.as_ref().map(|p| p.id),
            "shift_id": self.shift.as_ref().map(|s| s.id), "ticket_no": ticket, "entry_id": vehicle });
        let persisted = self.audit("manual_open", detail, photo.as_ref());
        if let Err(err) = persisted {
            // An unaudited opening must not happen: say so and do not open.
            return Err(ExitError::NotSaved(err));
        }
        if let Some(entry_id) = vehicle {
            let closing = format!("left during a manual open: {reason}");
            if let Err(err) = self.close_without_payment(entry_id, &closing, now) {
                tracing::warn!("the visit linked to the manual open stays open: {err}");
            }
        }
        self.devices.barrier.open()?;
        self.phase = ExitPhase::Ready;
        Ok(())
    }

    /// Closes an open visit with a forced close (no money) for `reason`, through the database
    /// or the journal, and remembers it here.
    fn close_without_payment(
        &mut self,
        entry_id: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Exit, ExitError> {
        let exit = Exit {
            id: self.ctx.ids.new_id(),
            entry_id,
            site: self.ctx.site.code.clone(),
            booth: self.ctx.booth.clone(),
            exit_time: now,
            operator: self.operator.clone(),
            shift_id: None,
            fee: forced_close_fee(Rupiah::ZERO, None),
            total: Rupiah::ZERO,
            method: PaymentMethod::Free,
            tendered: None,
            change: None,
            reference: None,
            lost_ticket: false,
            photo_id: None,
            origin: if self.ctx.connectivity.online() { Origin::Online } else { Origin::Journal },
            simulated: self.ctx.simulated,
            forced_reason: Some(reason.to_string()),
        };
        let persisted = self.ctx.recorder().exit(&exit, None)?;
        let exit =
            Exit { origin: if persisted.journaled() { Origin::Journal } else { Origin::Online }, ..exit };
        self.remember(&exit);
        Ok(exit)
    }

    /// Writes an exit taken here into the booth ledger, so the ticket is refused here again.
    fn remember(&self, exit: &Exit) {
        if let Err(err) = self.ctx.ledger.record_exit(exit) {
            // The exit itself is safe (database or journal); only this booth's memory of it is not.
            tracing::error!("exit {} not in the booth ledger: {err}", exit.id);
        }
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
        self.forget_seen_plate();
        self.phase = ExitPhase::Ready;
    }
}

/// The forced-close reason of an exit taken during an emergency.
pub fn emergency_reason(reason: &str) -> String {
    format!("{EMERGENCY_PREFIX}{reason}")
}

/// How the reason of an exit taken during an emergency begins.
pub const EMERGENCY_PREFIX: &str = "emergency: ";
