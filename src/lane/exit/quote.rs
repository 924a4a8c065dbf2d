//! The first phase at the exit: from a scan, a card or a lost ticket to a fee on screen.
//!
//! A ticket is quoted at most once per booth: the booth ledger remembers every exit taken
//! here, online or offline, across restarts. Online, a validly signed code whose entry the
//! database does not hold is refused (a signature proves who issued the code, not that the
//! vehicle came in); offline the code alone is trusted and the replay lists the exit as an
//! orphan until its entry arrives.

use std::time::Instant;

use uuid::Uuid;

use super::{ExitError, ExitLane, Quote, looks_like_ticket_no};
use crate::devices::input::CardUid;
use crate::domain::tariff::{lost_ticket_fine_only, parking_fee};
use crate::domain::ticket;
use crate::domain::{ClassCode, FeeFlags, plate};
use crate::store::{Entry, EntryLookup, Exit, Member, Photo, PhotoKind};

/// What the store said about a lookup.
pub(super) struct Found {
    /// The entry, when known.
    pub entry: Option<Entry>,
    /// Its exit, when it left.
    pub exit: Option<Exit>,
    /// The database itself answered (not a booth's offline copy, not an outage).
    pub authoritative: bool,
}

impl ExitLane {
    /// A scanned or typed ticket code, ticket number or card number.
    pub fn scan(&mut self, text: &str) -> Result<Quote, ExitError> {
        let started = Instant::now();
        let text = text.trim();
        let result = if text.starts_with("G") && text.contains('.') {
            self.quote_code(text, started)
        } else if looks_like_ticket_no(text) {
            self.quote_lookup(EntryLookup::TicketNo(text.to_ascii_uppercase()), text, started)
        } else if let Ok(uid) = CardUid::parse(text) {
            return self.card(&uid);
        } else {
            Err(ExitError::Unrecognised(text.chars().take(40).collect()))
        };
        self.settle_quote(result)
    }

    /// A member card at the exit.
    pub fn card(&mut self, uid: &CardUid) -> Result<Quote, ExitError> {
        let started = Instant::now();
        let result = self.quote_lookup(EntryLookup::Card(uid.to_string()), uid.as_str(), started);
        self.settle_quote(result)
    }

    /// A lost ticket: the latest open entry of the plate (fine + fee), or the fine alone when
    /// the plate has no vehicle inside.
    pub fn lost_ticket(&mut self, plate_text: &str, class: &ClassCode) -> Result<Quote, ExitError> {
        let started = Instant::now();
        let key = plate::search_key(plate_text);
        let entry = if key.is_empty() { None } else { self.open_entry(&EntryLookup::PlateKey(key))? };
        let result = self.lost_ticket_quote(entry, plate_text, class, started);
        self.settle_quote(result)
    }

    /// A lost ticket linked by the cashier to a vehicle inside picked from the list.
    pub fn lost_ticket_of(&mut self, entry_id: Uuid) -> Result<Quote, ExitError> {
        let started = Instant::now();
        let result = match self.open_entry(&EntryLookup::Id(entry_id)) {
            Ok(Some(entry)) => {
                let (plate, class) = (entry.plate.clone().unwrap_or_default(), entry.class.clone());
                self.lost_ticket_quote(Some(entry), &plate, &class, started)
            }
            Ok(None) => Err(ExitError::NotFound(entry_id.to_string())),
            Err(err) => Err(err),
        };
        self.settle_quote(result)
    }

    fn lost_ticket_quote(
        &mut self,
        entry: Option<Entry>,
        plate_text: &str,
        class: &ClassCode,
        started: Instant,
    ) -> Result<Quote, ExitError> {
        let now = self.now();
        let class = entry.as_ref().map(|e| e.class.clone()).unwrap_or_else(|| class.clone());
        let flags = FeeFlags { lost_ticket: true, member: false };
        let fee = match &entry {
            Some(entry) => parking_fee(&self.tariff(&class, entry.entry_time)?, entry.entry_time, now, flags),
            None => lost_ticket_fine_only(&self.tariff(&class, now)?, false),
        };
        Ok(Quote {
            entry_id: entry.as_ref().map(|e| e.id).unwrap_or_else(|| self.ctx.ids.new_id()),
            ticket_no: entry.as_ref().map(|e| e.ticket_no.clone()).unwrap_or_default(),
            class,
            plate: entry
                .as_ref()
                .and_then(|e| e.plate.clone())
                .or_else(|| crate::domain::Plate::normalise(plate_text).map(|p| p.to_string())),
            entry_time: entry.as_ref().map(|e| e.entry_time),
            entry_photo: entry.as_ref().and_then(|e| self.photo(e.photo_id)),
            entry,
            exit_time: now,
            fee,
            lost_ticket: true,
            member: None,
            exit_photo: None,
            scan_to_fee: started.elapsed(),
        })
    }

    /// Takes the exit photo for the quote on screen (after the fee is shown).
    pub fn take_exit_photo(&mut self) {
        let now = self.now();
        if let super::ExitPhase::Quoted(quote) = &mut self.phase
            && quote.exit_photo.is_none()
        {
            quote.exit_photo =
                crate::lane::capture_photo(&self.ctx, self.devices.camera.as_ref(), PhotoKind::Exit, now);
            self.read_exit_photo();
        }
    }

    pub(super) fn settle_quote(&mut self, result: Result<Quote, ExitError>) -> Result<Quote, ExitError> {
        match &result {
            Ok(quote) => self.phase = super::ExitPhase::Quoted(Box::new(quote.clone())),
            Err(err) => self.phase = super::ExitPhase::Refused(err.to_string()),
        }
        result
    }

    fn quote_code(&mut self, code: &str, started: Instant) -> Result<Quote, ExitError> {
        let claims = ticket::decode(code, self.ctx.secret.bytes(), &self.ctx.site.code)?;
        let entry_id = ticket::entry_id(code.trim());
        self.refuse_if_exited_here(entry_id)?;
        let found = self.lookup(&EntryLookup::Id(entry_id))?;
        if let Some(exit) = found.exit {
            return Err(self.already_exited(exit.exit_time, &exit.booth));
        }
        if found.entry.is_none() && found.authoritative && !self.may_still_be_journaled(&claims.booth) {
            return Err(ExitError::NoEntry(claims.ticket_number(self.ctx.site.tz)));
        }
        let entry = found.entry;
        let tz = self.ctx.site.tz;
        let (entry_time, class) = (claims.entry_time, claims.class.clone());
        let member = entry.as_ref().and_then(|e| self.valid_member(e));
        let now = self.now();
        let flags = FeeFlags { lost_ticket: false, member: member.is_some() };
        let fee = parking_fee(&self.tariff(&class, entry_time)?, entry_time, now, flags);
        Ok(Quote {
            entry_id,
            ticket_no: claims.ticket_number(tz),
            class,
            plate: entry.as_ref().and_then(|e| e.plate.clone()),
            entry_time: Some(entry_time),
            entry_photo: entry.as_ref().and_then(|e| self.photo(e.photo_id)),
            entry,
            exit_time: now,
            fee,
            lost_ticket: false,
            member,
            exit_photo: None,
            scan_to_fee: started.elapsed(),
        })
    }

    fn quote_lookup(
        &mut self,
        lookup: EntryLookup,
        shown: &str,
        started: Instant,
    ) -> Result<Quote, ExitError> {
        let found = self.lookup(&lookup)?;
        let Some(entry) = found.entry else {
            // Offline only the booth cache can answer; without it a typed number needs the database.
            return Err(if self.ctx.connectivity.online() {
                ExitError::NotFound(shown.to_string())
            } else {
                ExitError::NeedsDatabase
            });
        };
        if let Some(exit) = found.exit {
            return Err(self.already_exited(exit.exit_time, &exit.booth));
        }
        self.refuse_if_exited_here(entry.id)?;
        let member = self.valid_member(&entry);
        let now = self.now();
        let flags = FeeFlags { lost_ticket: false, member: member.is_some() };
        let fee = parking_fee(&self.tariff(&entry.class, entry.entry_time)?, entry.entry_time, now, flags);
        Ok(Quote {
            entry_id: entry.id,
            ticket_no: entry.ticket_no.clone(),
            class: entry.class.clone(),
            plate: entry.plate.clone(),
            entry_time: Some(entry.entry_time),
            entry_photo: self.photo(entry.photo_id),
            entry: Some(entry),
            exit_time: now,
            fee,
            lost_ticket: false,
            member,
            exit_photo: None,
            scan_to_fee: started.elapsed(),
        })
    }

    /// True when the booth that issued a code last reported records waiting in its offline
    /// journal: the entry may be among them, so the exit is taken and the replay lists it as an
    /// orphan until the entry arrives (as offline). Any other missing entry is refused.
    fn may_still_be_journaled(&self, issuing_booth: &str) -> bool {
        match self.ctx.store.booth_statuses(&self.ctx.site.code) {
            Ok(statuses) => statuses.iter().any(|s| s.booth == issuing_booth && s.journal_waiting > 0),
            Err(err) => {
                tracing::warn!("booth reports not read: {err}");
                false
            }
        }
    }

    /// Refuses a ticket this booth already let out, whatever the database can say right now.
    fn refuse_if_exited_here(&self, entry_id: Uuid) -> Result<(), ExitError> {
        match self.ctx.ledger.exit_of(entry_id) {
            Ok(Some(exit)) => Err(self.already_exited(exit.exit_time, &exit.booth)),
            Ok(None) => Ok(()),
            Err(err) => {
                // Without its memory the booth cannot promise "once": say so, take no money.
                tracing::error!("{err}");
                Err(ExitError::LedgerUnavailable(err.to_string()))
            }
        }
    }

    /// The open entry matching `lookup` that this booth has not let out; `None` when there is
    /// none or nothing can answer.
    fn open_entry(&self, lookup: &EntryLookup) -> Result<Option<Entry>, ExitError> {
        let entry = match self.ctx.store.find_open_entry(&self.ctx.site.code, lookup) {
            Ok(entry) => entry,
            Err(err) if err.goes_to_journal() => {
                self.ctx.connectivity.report_failure();
                None
            }
            Err(err) => return Err(ExitError::Store(err)),
        };
        match entry {
            Some(entry) if self.ctx.ledger.exit_of(entry.id).ok().flatten().is_none() => Ok(Some(entry)),
            _ => Ok(None),
        }
    }

    /// The entry and exit for `lookup`; both `None` when not found or unreachable.
    /// Asked even while offline: a booth cache behind the store answers from its copy of the
    /// open entries (with their photos); a plain store fails at once and we go on without.
    pub(super) fn lookup(&self, lookup: &EntryLookup) -> Result<Found, ExitError> {
        match self.ctx.store.find_visit(&self.ctx.site.code, lookup) {
            Ok(visit) => {
                let authoritative = !self.ctx.store.offline_copy();
                let (entry, exit) = match visit {
                    Some(visit) => (Some(visit.entry), visit.exit),
                    None => (None, None),
                };
                Ok(Found { entry, exit, authoritative })
            }
            Err(err) if err.goes_to_journal() => {
                self.ctx.connectivity.report_failure();
                Ok(Found { entry: None, exit: None, authoritative: false })
            }
            Err(err) => Err(ExitError::Store(err)),
        }
    }

    /// The entry's member, when the card is active and valid today (a simulation's sample card
    /// only at a simulated booth).
    fn valid_member(&self, entry: &Entry) -> Option<Member> {
        let uid = entry.card_uid.as_ref()?;
        let member = self.ctx.store.member_by_card(uid).ok().flatten()?;
        let today = self.now().with_timezone(&self.ctx.site.tz).date_naive();
        (member.active && member.valid_until >= today && (!member.simulated || self.ctx.simulated))
            .then_some(member)
    }

    pub(super) fn photo(&self, id: Option<Uuid>) -> Option<Photo> {
        let id = id?;
        self.ctx.store.photo(id).ok().flatten()
    }
}
