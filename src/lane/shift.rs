//! Cashier shifts: open with a float, every exit belongs to the open shift, close with the
//! counted cash, and the shift report (by method and class, lost tickets, manual opens, voids).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::LaneContext;
use super::recorder::{Persisted, RecordError};
use crate::domain::{ClassCode, Rupiah};
use crate::journal::JournalPayload;
use crate::store::{AuditFilter, EntryLookup, PaymentMethod, Shift, Store, StoreError};

/// Why a shift could not be opened, closed or reported.
#[derive(Debug, thiserror::Error)]
pub enum ShiftError {
    /// The database said no (already open, not found).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Neither the database nor the journal took the shift.
    #[error(transparent)]
    NotSaved(#[from] RecordError),
    /// Closing needs the day's exits from the database.
    #[error(
        "a shift can be closed only while the database is reachable; keep it open until the indicator is green"
    )]
    Offline,
    /// A negative float or count.
    #[error("amounts cannot be negative")]
    Negative,
}

/// Count and money of one group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Exits.
    pub exits: u64,
    /// Money.
    pub total: Rupiah,
}

/// What a shift took and how the drawer compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShiftReport {
    /// The shift.
    pub shift: Shift,
    /// All exits.
    pub all: Tally,
    /// By payment method.
    pub by_method: BTreeMap<String, Tally>,
    /// By vehicle class (`?` for exits whose entry is not in the database).
    pub by_class: BTreeMap<String, Tally>,
    /// Lost tickets.
    pub lost_tickets: u64,
    /// Manual openings (audited, with reason).
    pub manual_opens: u64,
    /// Quotes cancelled before payment.
    pub voids: u64,
    /// Opening float plus cash taken.
    pub expected_cash: Rupiah,
    /// What was counted at close, if closed.
    pub counted_cash: Option<Rupiah>,
    /// Counted minus expected, if closed.
    pub difference: Option<Rupiah>,
}

/// Opens a shift for `username` with the float in the drawer. Offline the shift is kept in the
/// journal and replayed with the exits that belong to it.
pub fn open_shift(
    ctx: &LaneContext,
    username: &str,
    opening_float: Rupiah,
) -> Result<(Shift, Persisted), ShiftError> {
    if opening_float < Rupiah::ZERO {
        return Err(ShiftError::Negative);
    }
    let shift = Shift {
        id: ctx.ids.new_id(),
        site: ctx.site.code.clone(),
        booth: ctx.booth.clone(),
        username: username.to_string(),
        opened_at: ctx.clock.now(),
        closed_at: None,
        opening_float,
        expected_cash: None,
        counted_cash: None,
    };
    if ctx.connectivity.online() {
        match ctx.store.open_shift(&shift) {
            Ok(()) => return Ok((shift, Persisted::Database)),
            Err(err) if err.goes_to_journal() => ctx.connectivity.report_failure(),
            Err(err) => return Err(err.into()),
        }
    }
    let path = ctx
        .journal
        .write(JournalPayload::Shift(shift.clone()), None, ctx.clock.now())
        .map_err(|journal| RecordError::Lost { store: "the database is offline".into(), journal })?;
    Ok((shift, Persisted::Journal(path)))
}

/// Closes a shift with the counted cash and returns its report.
pub fn close_shift(ctx: &LaneContext, shift: &Shift, counted: Rupiah) -> Result<ShiftReport, ShiftError> {
    if counted < Rupiah::ZERO {
        return Err(ShiftError::Negative);
    }
    if !ctx.connectivity.online() {
        return Err(ShiftError::Offline);
    }
    // A shift opened offline may not be in the database yet.
    ctx.store.save_shift(shift)?;
    let before = report(ctx.store.as_ref(), shift.id, ctx.clock.now())?;
    ctx.store.close_shift(shift.id, ctx.clock.now(), before.expected_cash, counted)?;
    report(ctx.store.as_ref(), shift.id, ctx.clock.now())
}

/// The report of a shift, open or closed.
pub fn report(store: &dyn Store, id: Uuid, now: DateTime<Utc>) -> Result<ShiftReport, ShiftError> {
    let shift = store.shift(id)?.ok_or_else(|| StoreError::NotFound(format!("shift {id}")))?;
    let exits = store.shift_exits(id)?;
    let mut all = Tally::default();
    let mut by_method: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_class: BTreeMap<String, Tally> = BTreeMap::new();
    let mut cash = Rupiah::ZERO;
    let mut lost_tickets = 0;
    for exit in &exits {
        let class = store
            .find_visit(&exit.site, &EntryLookup::Id(exit.entry_id))?
            .map(|visit| visit.entry.class)
            .map(|c: ClassCode| c.to_string())
            .unwrap_or_else(|| "?".into());
        for tally in [
            &mut all,
            by_method.entry(exit.method.as_str().into()).or_default(),
            by_class.entry(class).or_default(),
        ] {
            tally.exits += 1;
            tally.total += exit.total;
        }
        if exit.method == PaymentMethod::Cash {
            cash += exit.total;
        }
        if exit.lost_ticket {
            lost_tickets += 1;
        }
    }
    let audits = |action: &str| -> Result<u64, StoreError> {
        let filter = AuditFilter {
            action: Some(action.into()),
            booth: Some(shift.booth.clone()),
            from: Some(shift.opened_at),
            to: Some(shift.closed_at.unwrap_or(now) + chrono::Duration::seconds(1)),
            limit: 100_000,
            ..AuditFilter::default()
        };
        let id_text = id.to_string();
        Ok(store
            .list_audit(&filter)?
            .iter()
            .filter(|a| a.detail.get("shift_id").and_then(|v| v.as_str()) == Some(id_text.as_str()))
            .count() as u64)
    };
    let expected_cash = shift.expected_cash.unwrap_or(shift.opening_float + cash);
    Ok(ShiftReport {
        all,
        by_method,
        by_class,
        lost_tickets,
        manual_opens: audits("manual_open")?,
        voids: audits("void")?,
        expected_cash,
        counted_cash: shift.counted_cash,
        difference: shift.counted_cash.map(|counted| counted - expected_cash),
        shift,
    })
}
