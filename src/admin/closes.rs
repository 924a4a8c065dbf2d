//! Closing a visit that has no exit: a vehicle that left during a manual opening or an
//! emergency, was towed, or was recorded twice by a system error. Nothing is deleted: the visit
//! gets a forced close (an exit row with the reason, in no shift), with the fee it should carry
//! (zero allowed), audited.

use serde_json::json;
use uuid::Uuid;

use super::{Acting, AdminError};
use crate::domain::Rupiah;
use crate::domain::tariff::forced_close_fee;
use crate::store::{EntryLookup, Exit, Origin, PaymentMethod, Role, StoreError};

/// The shortest reason accepted.
const MIN_REASON_CHARS: usize = 5;

/// How a person names a visit: its entry id, the signed code, or the ticket number.
pub fn visit_lookup(text: &str) -> EntryLookup {
    let text = text.trim();
    if let Ok(id) = Uuid::parse_str(text) {
        EntryLookup::Id(id)
    } else if text.starts_with('G') && text.contains('.') {
        EntryLookup::TicketCode(text.to_string())
    } else {
        EntryLookup::TicketNo(text.to_ascii_uppercase())
    }
}

/// Closes the open visit `visit` (id, code or ticket number) at `site` with `reason` and the
/// fee it should carry; returns the forced close. Admins only.
pub fn close_visit(
    acting: &Acting<'_>,
    site: &str,
    visit: &str,
    reason: &str,
    fee: Rupiah,
) -> Result<Exit, AdminError> {
    acting.require("close a visit without an exit", &[Role::Admin])?;
    let reason = reason.trim();
    if reason.chars().count() < MIN_REASON_CHARS {
        return Err(AdminError::Invalid(format!(
            "say why the visit is closed (at least {MIN_REASON_CHARS} characters): towed, left during a \
             manual open, system error …"
        )));
    }
    if fee < Rupiah::ZERO {
        return Err(AdminError::Invalid("the fee cannot be negative (zero is allowed)".into()));
    }
    let found = acting.store.find_visit(site, &visit_lookup(visit))?;
    let Some(found) = found else {
        return Err(AdminError::Invalid(format!(
            "no visit {visit:?} at site {site}; check the ticket number"
        )));
    };
    if let Some(exit) = &found.exit {
        let how = if exit.forced() { "was closed" } else { "left" };
        return Err(AdminError::Invalid(format!(
            "ticket {} already {how} at {} (booth {}): nothing to close",
            found.entry.ticket_no, exit.exit_time, exit.booth
        )));
    }
    let now = acting.clock.now();
    let stay_min = (now - found.entry.entry_time).num_minutes().max(0);
    let exit = Exit {
        id: Uuid::new_v4(),
        entry_id: found.entry.id,
        site: site.to_string(),
        booth: acting.audit.booth.clone(),
        exit_time: now,
        operator: Some(acting.user.username.clone()),
        shift_id: None,
        fee: forced_close_fee(fee, Some(stay_min)),
        total: fee,
        method: if fee == Rupiah::ZERO { PaymentMethod::Free } else { PaymentMethod::Cash },
        tendered: None,
        change: None,
        reference: None,
        lost_ticket: false,
        photo_id: None,
        origin: Origin::Online,
        simulated: found.entry.simulated,
        forced_reason: Some(reason.to_string()),
    };
    match acting.store.record_exit(&exit) {
        Ok(_) => {}
        Err(StoreError::AlreadyExited { exit_time, booth, .. }) => {
            return Err(AdminError::Invalid(format!(
                "ticket {} left at {exit_time} (booth {booth}) meanwhile: nothing to close",
                found.entry.ticket_no
            )));
        }
        Err(err) => return Err(err.into()),
    }
    acting.audit(
        "forced_close",
        json!({ "entry_id": found.entry.id, "exit_id": exit.id, "ticket_no": found.entry.ticket_no,
            "plate": found.entry.plate, "reason": reason, "fee": fee.amount(), "stay_min": stay_min }),
    )?;
    Ok(exit)
}
