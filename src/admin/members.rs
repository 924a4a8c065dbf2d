//! Member (season pass) cards: admin only, audited; and the ones expiring soon.

use chrono::{Duration, NaiveDate};
use serde_json::json;

use super::{Acting, AdminError};
use crate::devices::input::CardUid;
use crate::domain::Plate;
use crate::store::{Member, Role, Store, StoreError};

/// Creates or updates a member card; the uid and plate are normalised.
pub fn save(acting: &Acting<'_>, member: &Member) -> Result<Member, AdminError> {
    acting.require("change members", &[Role::Admin])?;
    let uid = CardUid::parse(&member.card_uid).map_err(|err| AdminError::Invalid(err.to_string()))?;
    if member.name.trim().is_empty() {
        return Err(AdminError::Invalid("the member's name cannot be empty".into()));
    }
    let member = Member {
        card_uid: uid.to_string(),
        name: member.name.trim().to_string(),
        plate: member.plate.as_deref().and_then(Plate::normalise).map(|p| p.to_string()),
        ..member.clone()
    };
    acting.store.save_member(&member)?;
    acting.audit(
        "member_saved",
        json!({ "card_uid": member.card_uid, "name": member.name, "valid_until": member.valid_until, "active": member.active }),
    )?;
    Ok(member)
}

/// Active members whose card runs out within `days` of `today`: still valid today, not for long
/// (an expired card shows as expired in the list of all members).
pub fn expiring_soon(store: &dyn Store, today: NaiveDate, days: i64) -> Result<Vec<Member>, StoreError> {
    let limit = today + Duration::days(days);
    let mut members: Vec<Member> = store
        .list_members("")?
        .into_iter()
        .filter(|m| m.active && (today..=limit).contains(&m.valid_until))
        .collect();
    members.sort_by_key(|m| m.valid_until);
    Ok(members)
}
