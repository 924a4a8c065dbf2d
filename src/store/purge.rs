//! What a retention purge of database rows may remove, and what it removed.
//!
//! The rule both backends apply: a visit goes only when it has left (entry and exit before
//! the cutoff) and its exit — and any second payment of it — belongs to no shift or to a shift
//! closed before the cutoff, so every shift report inside the window stays whole. Shifts
//! closed before the cutoff go once none of their payments remain; a vehicle still inside,
//! an exit waiting for its entry (an orphan) and an open shift are never touched. Audit
//! lines go before the earlier of their own cutoff and the opening of the oldest shift still
//! open or closed inside the window (its report counts manual opens and voids from them).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One purge of one site's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgePlan {
    /// Site code.
    pub site: String,
    /// Visits (with their photos), shifts and second payments before this instant; `None`
    /// keeps them.
    pub visits_before: Option<DateTime<Utc>>,
    /// Audit lines before this instant (see the module rule); `None` keeps them.
    pub audit_before: Option<DateTime<Utc>>,
    /// Count only: nothing is deleted.
    pub dry_run: bool,
}

/// What a purge removed (or, on a dry run, would remove).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PurgeCounts {
    /// Visits: an entry and its exit each.
    pub visits: u64,
    /// Stored photos of those visits.
    pub photos: u64,
    /// Second payments (duplicate exits) of those visits.
    pub duplicates: u64,
    /// Closed shifts, with their late-record lines.
    pub shifts: u64,
    /// Audit lines.
    pub audit_rows: u64,
}
