//! Tariff changes: validated, effective from a moment on (old visits keep their tariff),
//! previewed before saving, admin only, audited.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;

use super::{Acting, AdminError};
use crate::domain::tariff::{lost_ticket_fine_only, parking_fee};
use crate::domain::{Fee, FeeFlags, Tariff};
use crate::store::TariffVersion;

/// The stays the preview calculator shows: label and minutes (`None` = lost ticket).
pub const PREVIEW_STAYS: [(&str, Option<i64>); 7] = [
    ("30 min", Some(30)),
    ("1 h", Some(60)),
    ("2 h", Some(120)),
    ("5 h", Some(300)),
    ("24 h", Some(1_440)),
    ("30 h", Some(1_800)),
    ("lost ticket", None),
];

/// The fee of each preview stay under `tariff` (unsaved): what the cashier would charge.
pub fn preview(tariff: &Tariff) -> Vec<(&'static str, Fee)> {
    let start = Utc.with_ymd_and_hms(2026, 1, 5, 1, 0, 0).single().unwrap_or_default();
    PREVIEW_STAYS
        .iter()
        .map(|(label, minutes)| {
            let fee = match minutes {
                Some(m) => parking_fee(tariff, start, start + Duration::minutes(*m), FeeFlags::default()),
                None => lost_ticket_fine_only(tariff, false),
            };
            (*label, fee)
        })
        .collect()
}

/// Saves a new tariff version for the acting user's site, in force from `effective_from`.
pub fn save(acting: &Acting<'_>, tariff: &Tariff, effective_from: DateTime<Utc>) -> Result<(), AdminError> {
    acting.require("change tariffs", &[crate::store::Role::Admin])?;
    tariff.validate().map_err(|err| AdminError::Invalid(err.to_string()))?;
    let version = TariffVersion {
        site: acting.audit.site.clone(),
        tariff: tariff.clone(),
        effective_from,
        created_by: acting.user.username.clone(),
    };
    acting.store.add_tariff_version(&version)?;
    acting.audit(
        "tariff_changed",
        json!({ "class": tariff.class.as_str(), "effective_from": effective_from, "tariff": tariff }),
    )?;
    Ok(())
}
