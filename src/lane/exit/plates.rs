//! Plates at the exit: the plate seen leaving (read from the exit photo or typed by the cashier)
//! against the entry's, and the lost-ticket lookup by the read plate first.

use serde_json::json;

use super::{ExitError, ExitLane, ExitPhase, Quote};
use crate::domain::ClassCode;
use crate::domain::plate::search_key;
use crate::plate::PlateSource;
use crate::store::EntryLookup;

/// The plate leaving is not the plate that came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlateMismatch {
    /// The entry's plate (confirmed, else as read at the entry).
    pub entry_plate: String,
    /// The plate at the exit.
    pub exit_plate: String,
    /// Where the exit plate came from.
    pub source: PlateSource,
}

impl ExitLane {
    /// Compares the plate seen at the exit with the quoted entry's. A mismatch is shown to the
    /// cashier (returned) and raised for the admin (a `plate_mismatch` audit line). Nothing to
    /// compare (no quote, no entry plate, an empty plate) is no mismatch.
    pub fn check_exit_plate(&mut self, seen: &str, source: PlateSource) -> Option<PlateMismatch> {
        let ExitPhase::Quoted(quote) = &self.phase else { return None };
        let quote = quote.as_ref().clone();
        self.check_plate_of(&quote, seen, source)
    }

    /// Compares the plate seen with the entry of `quote`, which may be paid and gone from the
    /// screen by now (a read from the exit photo arrives when the reader is done). A mismatch is
    /// audited as in [`ExitLane::check_exit_plate`].
    pub fn check_plate_of(
        &mut self,
        quote: &Quote,
        seen: &str,
        source: PlateSource,
    ) -> Option<PlateMismatch> {
        let mismatch = mismatch_of(quote, seen, source)?;
        let detail = json!({
            "entry_id": quote.entry_id,
            "ticket_no": quote.ticket_no,
            "entry_plate": mismatch.entry_plate,
            "exit_plate": mismatch.exit_plate,
            "source": source.as_str(),
            "shift_id": self.shift.as_ref().map(|s| s.id),
            "exit_photo_id": quote.exit_photo.as_ref().map(|p| p.id),
        });
        if let Err(err) = self.audit("plate_mismatch", detail, None) {
            tracing::warn!("plate mismatch not recorded for the admin: {err}");
        }
        Some(mismatch)
    }

    /// A lost ticket at a booth that reads plates: the dialog offers the plate read at the
    /// barrier ([`Self::read_plate_at_the_barrier`]), so `typed_plate` is that read unless the
    /// cashier corrected it. The open entry of `typed_plate` first, then of the confident read
    /// (a wrong correction still finds the car), then the fine alone. The entries' read plates
    /// count as much as their typed ones.
    pub fn lost_ticket_read(&mut self, typed_plate: &str, class: &ClassCode) -> Result<Quote, ExitError> {
        let read = self.seen_plate().filter(|seen| seen.confident).map(|seen| seen.plate.clone());
        self.forget_seen_plate();
        let typed_key = search_key(typed_plate);
        if let Some(read) = read.filter(|read| search_key(read) != typed_key && !search_key(read).is_empty())
            && (typed_key.is_empty() || self.find_open(&EntryLookup::PlateKey(typed_key))?.is_none())
            && let Some(entry) = self.find_open(&EntryLookup::PlateKey(search_key(&read)))?
        {
            return self.lost_ticket_of(entry);
        }
        self.lost_ticket(typed_plate, class)
    }

    fn find_open(&self, lookup: &EntryLookup) -> Result<Option<uuid::Uuid>, ExitError> {
        match self.ctx.store.find_open_entry(&self.ctx.site.code, lookup) {
            Ok(entry) => Ok(entry.map(|e| e.id)),
            Err(err) if err.goes_to_journal() => {
                self.ctx.connectivity.report_failure();
                Ok(None)
            }
            Err(err) => Err(ExitError::Store(err)),
        }
    }
}

/// The mismatch between a quote's entry and the plate seen, if any.
pub fn mismatch_of(quote: &Quote, seen: &str, source: PlateSource) -> Option<PlateMismatch> {
    let seen_key = search_key(seen);
    let entry = quote.entry.as_ref()?;
    let entry_plate = entry.plate.clone().or_else(|| entry.plate_read.clone())?;
    let entry_key = search_key(&entry_plate);
    if seen_key.is_empty() || entry_key.is_empty() || seen_key == entry_key {
        return None;
    }
    Some(PlateMismatch { entry_plate, exit_plate: seen.trim().to_string(), source })
}
