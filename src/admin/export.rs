//! Export of the filtered transaction list to CSV (the admin screen's save dialog and
//! `gardu export visits`). Times in the site's time zone; money in whole rupiah.

use std::io::Write;

use chrono_tz::Tz;

use crate::store::{Origin, PageRequest, Store, StoreError, VisitFilter};

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the visits failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the file failed.
    #[error("the export file could not be written: {0}")]
    Write(String),
}

/// The CSV columns, in order.
pub const COLUMNS: [&str; 20] = [
    "ticket_no",
    "plate",
    "class",
    "entry_booth",
    "entry_time",
    "entry_operator",
    "exit_booth",
    "exit_time",
    "exit_operator",
    "stay_min",
    "total",
    "method",
    "tendered",
    "change",
    "reference",
    "lost_ticket",
    "offline",
    "simulated",
    "entry_id",
    "exit_id",
];

/// Writes every visit matching `filter` (newest first) as CSV; returns the row count. Visits
/// made by simulation are written only when the filter includes them, marked `simulated`.
pub fn write_visits_csv(
    store: &dyn Store,
    filter: &VisitFilter,
    tz: Tz,
    out: impl Write,
) -> Result<u64, ExportError> {
    let mut writer = csv::Writer::from_writer(out);
    let fail = |err: csv::Error| ExportError::Write(err.to_string());
    writer.write_record(COLUMNS).map_err(fail)?;
    let local =
        |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string();
    let mut offset = 0;
    let mut written = 0;
    loop {
        let page = store.list_visits(filter, PageRequest { offset, limit: 5_000 })?;
        if page.rows.is_empty() {
            break;
        }
        offset += page.rows.len() as u64;
        for visit in &page.rows {
            let (entry, exit) = (&visit.entry, visit.exit.as_ref());
            let offline =
                entry.origin == Origin::Journal || exit.is_some_and(|x| x.origin == Origin::Journal);
            let opt = |v: Option<String>| v.unwrap_or_default();
            writer
                .write_record([
                    entry.ticket_no.clone(),
                    opt(entry.plate.clone()),
                    entry.class.to_string(),
                    entry.booth.clone(),
                    local(entry.entry_time),
                    opt(entry.operator.clone()),
                    opt(exit.map(|x| x.booth.clone())),
                    opt(exit.map(|x| local(x.exit_time))),
                    opt(exit.and_then(|x| x.operator.clone())),
                    opt(exit.map(|x| (x.exit_time - entry.entry_time).num_minutes().to_string())),
                    opt(exit.map(|x| x.total.amount().to_string())),
                    opt(exit.map(|x| x.method.as_str().to_string())),
                    opt(exit.and_then(|x| x.tendered).map(|r| r.amount().to_string())),
                    opt(exit.and_then(|x| x.change).map(|r| r.amount().to_string())),
                    opt(exit.and_then(|x| x.reference.clone())),
                    exit.is_some_and(|x| x.lost_ticket).to_string(),
                    offline.to_string(),
                    (entry.simulated || exit.is_some_and(|x| x.simulated)).to_string(),
                    entry.id.to_string(),
                    opt(exit.map(|x| x.id.to_string())),
                ])
                .map_err(fail)?;
            written += 1;
        }
        if offset >= page.total {
            break;
        }
    }
    writer.flush().map_err(|err| ExportError::Write(err.to_string()))?;
    Ok(written)
}
