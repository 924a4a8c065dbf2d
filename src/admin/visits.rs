//! The transaction screen's helpers: local days typed by an admin, their UTC range, the export
//! file name, the audited CSV export, and manual gate openings (which live in the audit log).

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::json;
use uuid::Uuid;

use super::export::{ExportError, write_visits_csv};
use super::{Acting, AdminError};
use crate::store::{AuditFilter, Role, Store, StoreError, VisitFilter};

/// Reads a day as an admin types it: `23/11/2026`, `23-11-2026` or `2026-11-23`.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
}

pub use crate::domain::calendar::{day_start, days_range as day_range};

/// `visits-2026-11-01-2026-11-23.csv`.
pub fn export_file_name(from: NaiveDate, to: NaiveDate) -> String {
    format!("visits-{}-{}.csv", from.format("%Y-%m-%d"), to.format("%Y-%m-%d"))
}

/// Where an export goes unless the admin picks another file: `<data_dir>/exports/…`.
pub fn default_export_path(data_dir: &Path, from: NaiveDate, to: NaiveDate) -> PathBuf {
    data_dir.join("exports").join(export_file_name(from, to))
}

/// Why an export did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ExportFailure {
    /// The role check or the audit line failed.
    #[error(transparent)]
    Refused(#[from] AdminError),
    /// Reading the visits failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The file could not be made or written.
    #[error("{0}")]
    File(String),
}

/// Writes every visit matching `filter` to `path` as CSV (admin only) and audits it as
/// `export_visits`; returns the row count. A failed write leaves no half file behind.
pub fn export_csv(
    acting: &Acting<'_>,
    filter: &VisitFilter,
    tz: Tz,
    path: &Path,
) -> Result<u64, ExportFailure> {
    acting.require("export transactions", &[Role::Admin])?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|err| ExportFailure::File(err.to_string()))?;
    }
    // Plates and operators: readable by the one who exported them only.
    let file = crate::secret::private_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|err| ExportFailure::File(err.to_string()))?;
    let written = write_visits_csv(acting.store, filter, tz, std::io::BufWriter::new(file));
    let rows = match written {
        Ok(rows) => rows,
        Err(err) => {
            let _ = std::fs::remove_file(path);
            return Err(match err {
                ExportError::Store(err) => ExportFailure::Store(err),
                ExportError::Write(err) => ExportFailure::File(err),
            });
        }
    };
    acting
        .audit(
            "export_visits",
            json!({
                "rows": rows,
                "path": path.display().to_string(),
                "from": filter.from,
                "to": filter.to,
                "plate": filter.plate,
                "ticket": filter.ticket,
            }),
        )
        .map_err(AdminError::from)?;
    Ok(rows)
}

/// Writes every visit matching `filter` to the Excel workbook `path` (admin only), audited
/// as `export_visits` with `format: xlsx`; returns the row count. A failed write leaves no
/// file behind.
pub fn export_xlsx(
    acting: &Acting<'_>,
    filter: &VisitFilter,
    tz: Tz,
    path: &Path,
) -> Result<u64, ExportFailure> {
    acting.require("export transactions", &[Role::Admin])?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|err| ExportFailure::File(err.to_string()))?;
    }
    let rows = match super::xlsx::write_visits_xlsx(acting.store, filter, tz, path) {
        Ok(rows) => rows,
        Err(err) => {
            let _ = std::fs::remove_file(path);
            return Err(match err {
                ExportError::Store(err) => ExportFailure::Store(err),
                ExportError::Write(err) => ExportFailure::File(err),
            });
        }
    };
    acting
        .audit(
            "export_visits",
            json!({
                "rows": rows,
                "format": "xlsx",
                "path": path.display().to_string(),
                "from": filter.from,
                "to": filter.to,
                "plate": filter.plate,
                "ticket": filter.ticket,
            }),
        )
        .map_err(AdminError::from)?;
    Ok(rows)
}

/// A barrier opened by hand at an exit: an audit line, not a visit.
#[derive(Debug, Clone, PartialEq)]
pub struct ManualOpen {
    /// When.
    pub time: DateTime<Utc>,
    /// Where.
    pub booth: String,
    /// Who.
    pub username: Option<String>,
    /// Why, as the cashier typed it.
    pub reason: String,
    /// The ticket on screen at the time, if any.
    pub ticket_no: Option<String>,
    /// The photo taken at the opening, if the camera delivered one.
    pub photo_id: Option<Uuid>,
}

/// Manual openings in `[from, to)`, newest first, optionally at one booth or by one user.
pub fn manual_opens(
    store: &dyn Store,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    booth: Option<&str>,
    username: Option<&str>,
) -> Result<Vec<ManualOpen>, StoreError> {
    let filter = AuditFilter {
        site: None,
        action: Some("manual_open".into()),
        username: username.map(str::to_string),
        booth: booth.map(str::to_string),
        from: Some(from),
        to: Some(to),
        limit: 0,
    };
    Ok(store
        .list_audit(&filter)?
        .into_iter()
        .map(|record| {
            let text = |key: &str| record.detail.get(key).and_then(|v| v.as_str()).map(str::to_string);
            ManualOpen {
                reason: text("reason").unwrap_or_default(),
                ticket_no: text("ticket_no"),
                photo_id: text("photo_id").and_then(|id| Uuid::parse_str(&id).ok()),
                time: record.time,
                booth: record.booth,
                username: record.username,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn days_are_read_in_the_forms_admins_type() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        for text in ["03/11/2026", "3/11/2026", " 03-11-2026 ", "2026-11-03"] {
            assert_eq!(parse_day(text), Some(day), "{text:?}");
        }
        for text in ["", "31/02/2026", "tomorrow", "2026/11/03x"] {
            assert_eq!(parse_day(text), None, "{text:?}");
        }
    }

    #[test]
    fn a_day_range_runs_from_local_midnight_to_the_midnight_after_the_last_day() {
        let tz = chrono_tz::Asia::Jakarta;
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let (from, to) = day_range(day, day, tz).unwrap();
        assert_eq!(from, Utc.with_ymd_and_hms(2026, 11, 22, 17, 0, 0).unwrap());
        assert_eq!(to, Utc.with_ymd_and_hms(2026, 11, 23, 17, 0, 0).unwrap());
        assert_eq!(day_range(day, day - Duration::days(1), tz), None);
    }

    #[test]
    fn the_export_file_is_named_after_its_days() {
        let from = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(
            default_export_path(Path::new("/data"), from, to),
            PathBuf::from("/data/exports/visits-2026-11-01-2026-11-23.csv")
        );
    }
}
