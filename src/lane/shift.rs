//! Cashier shifts: open with a float, every exit belongs to the open shift, close with the
//! counted cash, and the shift report (by method and class, lost tickets, manual opens, voids,
//! duplicate payments, and records that arrived after the close).
//!
//! A shift's expected cash is the float plus every cash payment of the shift wherever it is
//! stored. Closing online therefore first replays this booth's journal; closing offline takes
//! the figures from the booth ledger (every exit this booth took in the shift) and journals
//! the close, which the replay brings to the database after the shift's exits.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::LaneContext;
use super::recorder::{Persisted, RecordError};
use crate::domain::{ClassCode, Rupiah};
use crate::journal::{JournalPayload, replay};
use crate::store::{AuditFilter, EntryLookup, Exit, LateRecord, PaymentMethod, Shift, Store, StoreError};

/// Why a shift could not be opened, closed or reported.
#[derive(Debug, thiserror::Error)]
pub enum ShiftError {
    /// The database said no (already open, not found).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Neither the database nor the journal took the shift.
    #[error(transparent)]
    NotSaved(#[from] RecordError),
    /// Records of this booth could not be sent, so the expected cash would be wrong.
    #[error(
        "{waiting} record(s) of this booth still wait in the offline journal and could not be sent; \
         sync them, then close the shift again"
    )]
    JournalPending {
        /// Records of the shift still waiting.
        waiting: usize,
    },
    /// The booth ledger (offline figures) cannot be read.
    #[error(transparent)]
    Ledger(#[from] super::ledger::LedgerError),
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

impl Tally {
    fn add(&mut self, amount: Rupiah) {
        self.exits += 1;
        self.total += amount;
    }
}

/// What a shift took and how the drawer compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShiftReport {
    /// The shift.
    pub shift: Shift,
    /// All payments (exits and duplicate payments).
    pub all: Tally,
    /// By payment method.
    pub by_method: BTreeMap<String, Tally>,
    /// By vehicle class (`?` for exits whose entry is not known here).
    pub by_class: BTreeMap<String, Tally>,
    /// Lost tickets.
    pub lost_tickets: u64,
    /// Manual openings (audited, with reason).
    pub manual_opens: u64,
    /// Quotes cancelled before payment.
    pub voids: u64,
    /// Second payments of tickets that had left at another booth (in `all` too).
    pub duplicates: Tally,
    /// Opening float plus cash taken, as at the close (the original figure once closed).
    pub expected_cash: Rupiah,
    /// What was counted at close, if closed.
    pub counted_cash: Option<Rupiah>,
    /// Counted minus expected, if closed.
    pub difference: Option<Rupiah>,
    /// Records that reached the shift after it was closed, oldest first.
    pub late: Vec<LateRecord>,
    /// The expected cash with those late records, when they changed it (the shift is
    /// "revised"; the original stays in `expected_cash`).
    pub revised_expected_cash: Option<Rupiah>,
    /// Figures from this booth's own ledger, made while the database could not be reached;
    /// the database's report replaces them once the journal is replayed.
    pub provisional: bool,
    /// Payments of the other kind that the figures above leave out: what a real shift's booth
    /// did while switched to simulation (unless the report was asked with them).
    pub simulated_left_out: Tally,
}

impl ShiftReport {
    /// True when records arrived after the close and changed the expected cash.
    pub fn revised(&self) -> bool {
        self.revised_expected_cash.is_some()
    }
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
        simulated: ctx.simulated,
    };
    let persisted = persist_shift(ctx, &shift, |store| store.open_shift(&shift))?;
    remember(ctx, &shift);
    Ok((shift, persisted))
}

/// The open shift a cashier logging in at this booth continues: the database's, unless this
/// booth closed it meanwhile; this booth's own (opened offline, not replayed yet) when the
/// database has none or cannot be reached.
pub fn continuing_shift(ctx: &LaneContext, username: &str) -> Option<Shift> {
    let local = ctx.ledger.open_shift_of(username).unwrap_or_else(|err| {
        tracing::warn!("open shift of {username} not read from the booth ledger: {err}");
        None
    });
    match ctx.store.open_shift_of(username) {
        Ok(Some(shift)) => {
            // Closed here offline, the close not replayed yet: that shift is over.
            let closed_here =
                ctx.ledger.shift(shift.id).ok().flatten().is_some_and(|s| s.closed_at.is_some());
            if closed_here { local } else { Some(shift) }
        }
        Ok(None) => match local {
            // Closed in the database by another path (an admin): do not continue it.
            Some(shift)
                if ctx.store.shift(shift.id).ok().flatten().is_some_and(|s| s.closed_at.is_some()) =>
            {
                None
            }
            other => other,
        },
        Err(err) => {
            if err.goes_to_journal() {
                ctx.connectivity.report_failure();
            } else {
                tracing::warn!("open shift of {username} not loaded: {err}");
            }
            local
        }
    }
}

/// Closes a shift with the counted cash and returns its report; see the module doc.
pub fn close_shift(ctx: &LaneContext, shift: &Shift, counted: Rupiah) -> Result<ShiftReport, ShiftError> {
    if counted < Rupiah::ZERO {
        return Err(ShiftError::Negative);
    }
    if ctx.connectivity.online() {
        match close_online(ctx, shift, counted) {
            Ok(report) => {
                remember(ctx, &report.shift);
                return Ok(report);
            }
            Err(ShiftError::Store(err)) if err.goes_to_journal() => ctx.connectivity.report_failure(),
            Err(err) => return Err(err),
        }
    }
    close_offline(ctx, shift, counted)
}

fn close_online(ctx: &LaneContext, shift: &Shift, counted: Rupiah) -> Result<ShiftReport, ShiftError> {
    let summary = replay::replay(&ctx.journal, ctx.store.as_ref(), ctx.clock.as_ref(), false, &mut |_| {})
        .map_err(|err| StoreError::Unavailable(err.to_string()))?;
    if let Some(reason) = summary.interrupted {
        return Err(StoreError::Unavailable(reason).into());
    }
    let waiting = waiting_records(ctx, shift.id);
    if waiting > 0 {
        return Err(ShiftError::JournalPending { waiting });
    }
    // A shift opened offline may not be in the database yet.
    ctx.store.save_shift(shift)?;
    let before = report(ctx.store.as_ref(), shift.id, ctx.clock.now(), false)?;
    ctx.store.close_shift(shift.id, ctx.clock.now(), before.expected_cash, counted)?;
    report(ctx.store.as_ref(), shift.id, ctx.clock.now(), false)
}

fn close_offline(ctx: &LaneContext, shift: &Shift, counted: Rupiah) -> Result<ShiftReport, ShiftError> {
    let exits: Vec<Exit> =
        ctx.ledger.shift_exits(shift.id)?.into_iter().filter(|x| x.simulated == shift.simulated).collect();
    let cash: Rupiah = exits.iter().filter(|x| x.method == PaymentMethod::Cash).map(|x| x.total).sum();
    let expected = shift.opening_float + cash;
    let closed = Shift {
        closed_at: Some(ctx.clock.now()),
        expected_cash: Some(expected),
        counted_cash: Some(counted),
        ..shift.clone()
    };
    ctx.journal
        .write(JournalPayload::Shift(closed.clone()), None, ctx.clock.now())
        .map_err(|journal| RecordError::Lost { store: "the database is offline".into(), journal })?;
    remember(ctx, &closed);
    let mut report = tally(closed, &exits, &[], |_| None);
    report.provisional = true;
    Ok(report)
}

/// Writes a shift through the store, or to the journal when the store cannot take it.
fn persist_shift(
    ctx: &LaneContext,
    shift: &Shift,
    to_store: impl FnOnce(&dyn Store) -> Result<(), StoreError>,
) -> Result<Persisted, ShiftError> {
    if ctx.connectivity.online() {
        match to_store(ctx.store.as_ref()) {
            Ok(()) => return Ok(Persisted::Database),
            Err(err) if err.goes_to_journal() => ctx.connectivity.report_failure(),
            Err(err) => return Err(err.into()),
        }
    }
    let path = ctx
        .journal
        .write(JournalPayload::Shift(shift.clone()), None, ctx.clock.now())
        .map_err(|journal| RecordError::Lost { store: "the database is offline".into(), journal })?;
    Ok(Persisted::Journal(path))
}

/// Keeps the shift in the booth ledger (offline re-login and offline close need it).
fn remember(ctx: &LaneContext, shift: &Shift) {
    if let Err(err) = ctx.ledger.save_shift(shift) {
        tracing::error!("shift {} not in the booth ledger: {err}", shift.id);
    }
}

/// Records of `shift` still waiting in the journal (its exits, or the shift itself).
fn waiting_records(ctx: &LaneContext, shift: Uuid) -> usize {
    match ctx.journal.list() {
        Ok((items, _)) => items
            .iter()
            .filter(|item| match &item.record.payload {
                JournalPayload::Exit(exit) => exit.shift_id == Some(shift),
                JournalPayload::Shift(s) => s.id == shift,
                _ => false,
            })
            .count(),
        Err(err) => {
            tracing::warn!("the journal could not be read: {err}");
            1
        }
    }
}

/// The report of a shift, open or closed, from the database. A real shift leaves out what its
/// booth did while switched to simulation (the drawer never held that money) and a simulated
/// shift holds only simulated payments; with `include_simulated` every payment is in the
/// figures, while the expected cash stays the drawer's.
pub fn report(
    store: &dyn Store,
    id: Uuid,
    now: DateTime<Utc>,
    include_simulated: bool,
) -> Result<ShiftReport, ShiftError> {
    let shift = store.shift(id)?.ok_or_else(|| StoreError::NotFound(format!("shift {id}")))?;
    let all_exits = store.shift_exits(id)?;
    let all_duplicates: Vec<Exit> = store.shift_duplicates(id)?.into_iter().map(|d| d.exit).collect();
    let in_drawer = |x: &&Exit| x.simulated == shift.simulated;
    let mut classes = BTreeMap::new();
    for exit in all_exits.iter().chain(&all_duplicates) {
        if let std::collections::btree_map::Entry::Vacant(slot) = classes.entry(exit.entry_id) {
            let class = store.find_visit(&exit.site, &EntryLookup::Id(exit.entry_id))?.map(|v| v.entry.class);
            slot.insert(class);
        }
    }
    let class_of = |entry| classes.get(&entry).cloned().flatten();
    let drawer = |payments: &[Exit]| payments.iter().filter(in_drawer).cloned().collect::<Vec<_>>();
    let mut report = tally(shift.clone(), &drawer(&all_exits), &drawer(&all_duplicates), class_of);
    if include_simulated {
        let kept = (report.expected_cash, report.difference, report.revised_expected_cash);
        report = tally(shift.clone(), &all_exits, &all_duplicates, class_of);
        (report.expected_cash, report.difference, report.revised_expected_cash) = kept;
    } else {
        for payment in all_exits.iter().chain(&all_duplicates).filter(|x| !in_drawer(x)) {
            report.simulated_left_out.add(payment.total);
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
    report.manual_opens = audits("manual_open")?;
    report.voids = audits("void")?;
    report.late = store.late_records(id)?;
    Ok(report)
}

/// The figures of a shift from its payments; `class_of` names an entry's class when known.
fn tally(
    shift: Shift,
    exits: &[Exit],
    duplicates: &[Exit],
    class_of: impl Fn(Uuid) -> Option<ClassCode>,
) -> ShiftReport {
    let mut all = Tally::default();
    let mut by_method: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_class: BTreeMap<String, Tally> = BTreeMap::new();
    let mut duplicate_tally = Tally::default();
    let mut cash = Rupiah::ZERO;
    let mut lost_tickets = 0;
    let payments = exits.iter().map(|x| (x, false)).chain(duplicates.iter().map(|x| (x, true)));
    for (exit, duplicate) in payments {
        let class = class_of(exit.entry_id).map(|c| c.to_string()).unwrap_or_else(|| "?".into());
        all.add(exit.total);
        by_method.entry(exit.method.as_str().into()).or_default().add(exit.total);
        by_class.entry(class).or_default().add(exit.total);
        if duplicate {
            duplicate_tally.add(exit.total);
        }
        if exit.method == PaymentMethod::Cash {
            cash += exit.total;
        }
        lost_tickets += u64::from(exit.lost_ticket);
    }
    let computed = shift.opening_float + cash;
    let expected_cash = shift.expected_cash.unwrap_or(computed);
    let revised_expected_cash = (shift.closed_at.is_some() && computed != expected_cash).then_some(computed);
    ShiftReport {
        all,
        by_method,
        by_class,
        lost_tickets,
        manual_opens: 0,
        voids: 0,
        duplicates: duplicate_tally,
        expected_cash,
        counted_cash: shift.counted_cash,
        difference: shift.counted_cash.map(|counted| counted - expected_cash),
        late: Vec::new(),
        revised_expected_cash,
        provisional: false,
        simulated_left_out: Tally::default(),
        shift,
    }
}
