//! Emergency opening (evacuation) as the database keeps it: who declared it, when, why, when it
//! ended, and which booths acknowledged it (migration 0011).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Origin;

/// One emergency of a site. While `ended_at` is `None` it is active: every booth holds its
/// barriers open and exit lanes do not charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emergency {
    /// Made by the booth that declared it.
    pub id: Uuid,
    /// Site code.
    pub site: String,
    /// When it was declared.
    pub started_at: DateTime<Utc>,
    /// Who declared it (username).
    pub started_by: String,
    /// Where it was declared (booth code, `cli` or `admin`).
    pub booth: String,
    /// Why, as typed.
    pub reason: String,
    /// When it was declared ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Who ended it.
    pub ended_by: Option<String>,
    /// Online, or declared at a booth cut off from the database and replayed.
    pub origin: Origin,
}

impl Emergency {
    /// True until it is declared ended.
    pub fn active(&self) -> bool {
        self.ended_at.is_none()
    }
}

/// A booth's acknowledgement of an emergency: it heard of it and opened its barriers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyAck {
    /// The emergency.
    pub emergency_id: Uuid,
    /// Booth code.
    pub booth: String,
    /// When the booth acknowledged it.
    pub acknowledged_at: DateTime<Utc>,
    /// The operator logged in at the booth then, if any.
    pub username: Option<String>,
}
