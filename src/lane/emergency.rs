//! Emergency opening (evacuation): declaring, ending and acknowledging an emergency, each with
//! its audit line, and the status every screen and `gardu emergency status` show. Lanes ask
//! [`EmergencyStatus`] whether to hold their barriers open and stop charging.

pub mod state;
pub mod watch;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::store::{
    AuditRecord, Emergency, EmergencyAck, InsertOutcome, Origin, Store, StoreError, StoreResult,
};

/// Longest reason kept (a sentence, not an essay).
pub const MAX_REASON_CHARS: usize = 200;

/// Why a declaration or an end was refused.
#[derive(Debug, thiserror::Error)]
pub enum EmergencyError {
    /// The reason is empty.
    #[error("say why (e.g. \"fire alarm, building evacuated\")")]
    NoReason,
    /// The reason is too long.
    #[error("the reason is longer than {MAX_REASON_CHARS} characters; shorten it")]
    ReasonTooLong,
    /// Nothing to end.
    #[error("no emergency is active at this site")]
    NoneActive,
    /// The database said no or could not be reached.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where and by whom an emergency action is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Site code.
    pub site: String,
    /// Booth code, `cli` or `admin`.
    pub booth: String,
    /// The operator who re-entered their password.
    pub username: String,
}

/// The site's emergency as the screens and `gardu emergency status --json` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmergencyStatus {
    /// True while an emergency holds the barriers open.
    pub active: bool,
    /// Its id, when active.
    pub id: Option<Uuid>,
    /// When it was declared.
    pub since: Option<DateTime<Utc>>,
    /// Who declared it.
    pub by: Option<String>,
    /// Where it was declared.
    pub declared_at_booth: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// Each booth that acknowledged it, by code.
    pub booths: Vec<EmergencyAck>,
}

impl EmergencyStatus {
    /// No emergency.
    pub fn quiet() -> EmergencyStatus {
        EmergencyStatus {
            active: false,
            id: None,
            since: None,
            by: None,
            declared_at_booth: None,
            reason: None,
            booths: Vec::new(),
        }
    }

    /// The status of an emergency with its acknowledgements.
    pub fn of(emergency: &Emergency, booths: Vec<EmergencyAck>) -> EmergencyStatus {
        EmergencyStatus {
            active: emergency.active(),
            id: Some(emergency.id),
            since: Some(emergency.started_at),
            by: Some(emergency.started_by.clone()),
            declared_at_booth: Some(emergency.booth.clone()),
            reason: Some(emergency.reason.clone()),
            booths,
        }
    }
}

/// The site's emergency now, with each booth's acknowledgement.
pub fn status(store: &dyn Store, site: &str) -> StoreResult<EmergencyStatus> {
    match store.active_emergency(site)? {
        Some(emergency) => {
            let acks = store.emergency_acks(emergency.id)?;
            Ok(EmergencyStatus::of(&emergency, acks))
        }
        None => Ok(EmergencyStatus::quiet()),
    }
}

/// Checks a typed reason: trimmed, not empty, not too long.
pub fn checked_reason(reason: &str) -> Result<String, EmergencyError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(EmergencyError::NoReason);
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(EmergencyError::ReasonTooLong);
    }
    Ok(reason.to_string())
}

/// Declares an emergency for the whole site (audited `emergency_start`). The caller has
/// checked the operator's role and password.
pub fn declare(
    store: &dyn Store,
    actor: &Actor,
    reason: &str,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Emergency, EmergencyError> {
    let reason = checked_reason(reason)?;
    let emergency = Emergency {
        id,
        site: actor.site.clone(),
        started_at: now,
        started_by: actor.username.clone(),
        booth: actor.booth.clone(),
        reason,
        ended_at: None,
        ended_by: None,
        origin: Origin::Online,
    };
    store.start_emergency(&emergency)?;
    store.append_audit(&audit(actor, "emergency_start", &emergency, now))?;
    Ok(emergency)
}

/// Ends the site's active emergency (audited `emergency_end`); the barriers return to normal.
pub fn end(store: &dyn Store, actor: &Actor, now: DateTime<Utc>) -> Result<Emergency, EmergencyError> {
    let active = store.active_emergency(&actor.site)?.ok_or(EmergencyError::NoneActive)?;
    let ended = store.end_emergency(active.id, now, &actor.username)?;
    store.append_audit(&audit(actor, "emergency_end", &ended, now))?;
    Ok(ended)
}

/// A booth heard of the emergency and opened its barriers (audited `emergency_ack` once per
/// booth). `username` is whoever is logged in there, if anyone.
pub fn acknowledge(
    store: &dyn Store,
    emergency: &Emergency,
    booth: &str,
    username: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<InsertOutcome> {
    let ack = EmergencyAck {
        emergency_id: emergency.id,
        booth: booth.to_string(),
        acknowledged_at: now,
        username: username.map(str::to_string),
    };
    let outcome = store.acknowledge_emergency(&ack)?;
    if outcome == InsertOutcome::Inserted {
        let actor = Actor {
            site: emergency.site.clone(),
            booth: booth.to_string(),
            username: username.unwrap_or_default().to_string(),
        };
        let mut record = audit(&actor, "emergency_ack", emergency, now);
        record.username = username.map(str::to_string);
        store.append_audit(&record)?;
    }
    Ok(outcome)
}

fn audit(actor: &Actor, action: &str, emergency: &Emergency, now: DateTime<Utc>) -> AuditRecord {
    AuditRecord {
        time: now,
        site: actor.site.clone(),
        booth: actor.booth.clone(),
        username: Some(actor.username.clone()),
        action: action.into(),
        detail: serde_json::json!({
            "emergency_id": emergency.id,
            "reason": emergency.reason,
            "since": emergency.started_at,
            "declared_by": emergency.started_by,
            "ended_at": emergency.ended_at,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;
    use chrono::TimeZone;

    fn actor(booth: &str) -> Actor {
        Actor { site: "SITE-01".into(), booth: booth.into(), username: "admin".into() }
    }

    #[test]
    fn declared_acknowledged_once_per_booth_and_ended_with_audit() {
        let store = SqliteStore::open_in_memory().unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 5, 1, 8, 0, 0).unwrap();
        assert!(!status(&store, "SITE-01").unwrap().active);
        assert!(matches!(
            declare(&store, &actor("cli"), "  ", Uuid::new_v4(), t0),
            Err(EmergencyError::NoReason)
        ));
        let emergency = declare(&store, &actor("cli"), " fire alarm ", Uuid::new_v4(), t0).unwrap();
        assert!(matches!(
            declare(&store, &actor("IN1"), "again", Uuid::new_v4(), t0),
            Err(EmergencyError::Store(StoreError::Refused(_)))
        ));
        assert_eq!(
            acknowledge(&store, &emergency, "IN1", Some("guard"), t0).unwrap(),
            InsertOutcome::Inserted
        );
        assert_eq!(
            acknowledge(&store, &emergency, "IN1", Some("guard"), t0).unwrap(),
            InsertOutcome::AlreadyPresent
        );
        acknowledge(&store, &emergency, "OUT1", None, t0).unwrap();
        let now = status(&store, "SITE-01").unwrap();
        assert!(now.active);
        assert_eq!(now.reason.as_deref(), Some("fire alarm"));
        assert_eq!(now.booths.iter().map(|b| b.booth.as_str()).collect::<Vec<_>>(), ["IN1", "OUT1"]);

        let ended = end(&store, &actor("cli"), t0 + chrono::Duration::minutes(40)).unwrap();
        assert_eq!(ended.ended_by.as_deref(), Some("admin"));
        assert!(!status(&store, "SITE-01").unwrap().active);
        assert!(matches!(end(&store, &actor("cli"), t0), Err(EmergencyError::NoneActive)));
        let actions: Vec<String> = store
            .list_audit(&crate::store::AuditFilter::default())
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
        for action in ["emergency_start", "emergency_ack", "emergency_end"] {
            assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
        }
        assert_eq!(actions.iter().filter(|a| *a == "emergency_ack").count(), 2);
    }
}
