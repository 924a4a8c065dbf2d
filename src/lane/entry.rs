//! ParkingIN: trigger → member check → photo → ticket → record → print → barrier → passage.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::SubsecRound;
use serde_json::json;

use super::presence::{PlateSuggestion, PresenceMedia, PresenceNo};
use super::recorder::{Persisted, RecordError};
use super::sequence::SequenceKeeper;
use super::{LaneContext, slips};
use crate::devices::DeviceError;
use crate::devices::barrier::Barrier;
use crate::devices::camera::Camera;
use crate::devices::input::{CardUid, InputEvent};
use crate::devices::printer::{PrintJob, Printer};
use crate::domain::ticket::{self, TicketClaims, TicketError};
use crate::domain::{ClassCode, Plate, VehicleClass};
use crate::store::{AuditRecord, Entry, Member, Origin, Photo, PhotoKind};

/// How many recent tickets the screen lists.
const RECENT: usize = 10;
/// The barrier closes by itself if the loop never reports the vehicle gone.
const BARRIER_TIMEOUT: Duration = Duration::from_secs(60);

/// The entry booth's devices.
#[derive(Clone)]
pub struct EntryDevices {
    /// Takes the entry photo.
    pub camera: Arc<dyn Camera>,
    /// Prints tickets.
    pub printer: Arc<dyn Printer>,
    /// Lets the vehicle in.
    pub barrier: Arc<dyn Barrier>,
}

/// What starts an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryTrigger {
    /// The driver pressed the ticket button (needs a vehicle on the loop).
    Button,
    /// The guard's key, with the class and plate the guard chose.
    Guard {
        /// Vehicle class.
        class: ClassCode,
        /// Plate, if typed.
        plate: Option<Plate>,
    },
    /// A member card was presented.
    Card(CardUid),
}

/// Where the lane is, for the screen: what is happening and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryPhase {
    /// Waiting for a vehicle.
    Ready,
    /// A vehicle is on the loop, no ticket yet.
    VehicleWaiting,
    /// Barrier open, waiting for the vehicle to pass.
    VehiclePassing {
        /// The ticket just issued.
        ticket_no: String,
    },
    /// The last request was refused (full, expired card …); the message says why.
    Refused(String),
    /// A device failed; the message says what to do.
    Fault(String),
}

/// A ticket the lane issued.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedTicket {
    /// The recorded entry.
    pub entry: Entry,
    /// Database or journal.
    pub persisted: Persisted,
    /// The photo, if the camera delivered in time.
    pub photo: Option<Photo>,
    /// The member, for card entries.
    pub member: Option<Member>,
    /// The printer took the ticket.
    pub printed: bool,
    /// The barrier took the open command.
    pub barrier_opened: bool,
    /// Trigger to barrier command, for the budget.
    pub trigger_to_barrier: Duration,
}

/// Why an entry was refused or could not complete.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    /// The site is full.
    #[error("the car park is full ({inside} of {capacity}); ask the driver to wait or turn back")]
    Full {
        /// Vehicles inside.
        inside: u64,
        /// Capacity.
        capacity: u32,
    },
    /// The button was pressed with no vehicle on the loop.
    #[error("no vehicle on the loop; use the guard key (F2) to issue a ticket by hand")]
    NoVehicle,
    /// A card nobody registered.
    #[error("card {0} is not a member card; press the button for a ticket")]
    UnknownCard(String),
    /// A member card past its date.
    #[error("member card of {name} expired on {valid_until}; the driver takes a ticket and pays")]
    ExpiredCard {
        /// Holder.
        name: String,
        /// Last valid day.
        valid_until: chrono::NaiveDate,
    },
    /// A switched-off member card.
    #[error("member card of {0} is switched off; the driver takes a ticket and pays")]
    InactiveCard(String),
    /// Offline and the card cannot be checked.
    #[error("the card cannot be checked while the database is offline; press the button for a ticket")]
    CardOffline,
    /// A class that is not set up.
    #[error("vehicle class {0} is not set up at this site")]
    UnknownClass(String),
    /// The ticket code could not be made (bad site or booth code).
    #[error(transparent)]
    Ticket(#[from] TicketError),
    /// The entry could not be saved anywhere.
    #[error(transparent)]
    NotSaved(#[from] RecordError),
}

/// The entry lane. Not `Sync`: one worker owns it and feeds it events in order.
pub struct EntryLane {
    ctx: LaneContext,
    devices: EntryDevices,
    classes: Vec<VehicleClass>,
    default_class: ClassCode,
    operator: Option<String>,
    sequence: SequenceKeeper,
    vehicle_on_loop: bool,
    presence_ticket: Option<IssuedTicket>,
    barrier_opened_at: Option<Instant>,
    phase: EntryPhase,
    recent: VecDeque<IssuedTicket>,
    /// The photos and plate reads of each presence, taken off the lane's path.
    media: PresenceMedia,
    /// The latest presence number; the vehicle on the loop has `loop_presence`.
    presence: PresenceNo,
    loop_presence: Option<PresenceNo>,
}

impl EntryLane {
    /// A lane with its devices; `default_class` is what the ticket button issues.
    pub fn new(ctx: LaneContext, devices: EntryDevices, default_class: ClassCode) -> Self {
        let classes = ctx.store.vehicle_classes().unwrap_or_else(|err| {
            tracing::warn!("vehicle classes not loaded, using the defaults: {err}");
            crate::domain::vehicle::default_classes()
        });
        let sequence = SequenceKeeper::new(&ctx);
        let media = PresenceMedia::start(&ctx, devices.camera.clone(), PhotoKind::Entry);
        Self {
            ctx,
            devices,
            classes,
            default_class,
            operator: None,
            sequence,
            vehicle_on_loop: false,
            presence_ticket: None,
            barrier_opened_at: None,
            phase: EntryPhase::Ready,
            recent: VecDeque::with_capacity(RECENT),
            media,
            presence: 0,
            loop_presence: None,
        }
    }

    /// Reads the plates of the entry photos with `reader` as `config` says.
    pub fn with_plate_reader(
        mut self,
        reader: Arc<dyn crate::plate::PlateReader>,
        config: crate::config::PlateConfig,
    ) -> Self {
        let camera = self.devices.camera.clone();
        let media = PresenceMedia::start(&self.ctx, camera, PhotoKind::Entry);
        self.media = media.with_reader(reader, config);
        self
    }

    /// The photos and reads under way, for a worker's `select!` and for tests.
    pub fn media(&mut self) -> &mut PresenceMedia {
        &mut self.media
    }

    /// Attaches photos and reads that have arrived, without waiting; lets a member in by
    /// plate when that is switched on (the outcome, if it issued an entry).
    pub fn pump_media(&mut self) -> Option<Result<IssuedTicket, EntryError>> {
        self.media.pump(&self.ctx);
        self.member_by_plate()
    }

    /// Waits up to `timeout` for the photos and reads under way and attaches them (command
    /// line, tests, benches). True when nothing is left under way.
    pub fn settle_media(&mut self, timeout: Duration) -> bool {
        let settled = self.media.settle_all(&self.ctx, timeout);
        if let Some(Err(err)) = self.member_by_plate() {
            tracing::info!("no entry by plate: {err}");
        }
        settled
    }

    /// A registered member's plate read with high confidence lets the member in without a card
    /// (`[plate] members_by_plate`, off by default), audited as `member_by_plate`.
    pub fn member_by_plate(&mut self) -> Option<Result<IssuedTicket, EntryError>> {
        let config = self.media.config();
        if !config.members_by_plate || self.presence_ticket.is_some() || !self.vehicle_on_loop {
            return None;
        }
        let read = self.loop_presence.and_then(|presence| self.media.read(presence))?.clone();
        let plate = read.plate.clone()?;
        if read.confidence < config.member_min_confidence || !self.ctx.connectivity.online() {
            return None;
        }
        let key = crate::domain::plate::search_key(&plate);
        let member = match self.ctx.store.list_members(&plate) {
            Ok(members) => members.into_iter().find(|m| {
                m.plate.as_deref().is_some_and(|p| crate::domain::plate::search_key(p) == key)
                    && (!m.simulated || self.ctx.simulated)
            })?,
            Err(err) => {
                tracing::warn!("members not searched by plate: {err}");
                return None;
            }
        };
        let uid = CardUid::parse(&member.card_uid).ok()?;
        let result = self.trigger(EntryTrigger::Card(uid));
        if let Ok(issued) = &result {
            let detail = json!({ "plate": plate, "confidence": read.confidence, "card_uid": member.card_uid,
                "entry_id": issued.entry.id });
            if let Err(err) = self.ctx.recorder().audit(&self.audit("member_by_plate", detail), None) {
                tracing::warn!("member entry by plate not audited: {err}");
            }
        }
        Some(result)
    }

    /// The plate read of the vehicle on the loop, for the plate field.
    pub fn plate_suggestion(&self) -> Option<PlateSuggestion> {
        self.loop_presence.and_then(|presence| self.media.suggestion(presence))
    }

    /// The guard on duty (username), written on every entry.
    pub fn set_operator(&mut self, username: Option<String>) {
        self.operator = username;
    }

    /// The shared context.
    pub fn context(&self) -> &LaneContext {
        &self.ctx
    }

    /// Where the lane is.
    pub fn phase(&self) -> &EntryPhase {
        &self.phase
    }

    /// The latest tickets, newest first.
    pub fn recent(&self) -> impl Iterator<Item = &IssuedTicket> {
        self.recent.iter()
    }

    /// Vehicle classes for the quick keys.
    pub fn classes(&self) -> &[VehicleClass] {
        &self.classes
    }

    /// True while a vehicle stands on the loop.
    pub fn vehicle_on_loop(&self) -> bool {
        self.vehicle_on_loop
    }

    /// Feeds a device event. Returns the outcome when the event issued (or re-offered) a ticket.
    pub fn handle(&mut self, event: &InputEvent) -> Option<Result<IssuedTicket, EntryError>> {
        match event {
            InputEvent::LoopOccupied { .. } => {
                if !self.vehicle_on_loop && self.barrier_opened_at.is_none() {
                    self.presence_ticket = None;
                    self.phase = EntryPhase::VehicleWaiting;
                }
                if self.loop_presence.is_none() {
                    // The photo starts now, long before the button: the ticket never waits for it.
                    self.presence += 1;
                    self.loop_presence = Some(self.presence);
                    self.media.capture(self.presence);
                }
                self.vehicle_on_loop = true;
                None
            }
            InputEvent::LoopCleared { .. } => {
                self.vehicle_on_loop = false;
                if let Some(presence) = self.loop_presence.take() {
                    self.media.forget(presence);
                }
                self.vehicle_left();
                None
            }
            InputEvent::Button => Some(self.trigger(EntryTrigger::Button)),
            InputEvent::Card(uid) => Some(self.trigger(EntryTrigger::Card(uid.clone()))),
            InputEvent::HelpButton | InputEvent::Scan(_) => None,
        }
    }

    /// Closes the barrier when a vehicle never cleared the loop in time. Call now and then.
    pub fn tick(&mut self) {
        if self.barrier_opened_at.is_some_and(|at| at.elapsed() >= BARRIER_TIMEOUT) {
            tracing::warn!(
                "barrier closed after {} s without the vehicle clearing the loop",
                BARRIER_TIMEOUT.as_secs()
            );
            self.close_barrier();
        }
    }

    fn vehicle_left(&mut self) {
        if self.barrier_opened_at.is_some() {
            self.close_barrier();
            return;
        }
        if self.presence_ticket.is_none() && self.phase == EntryPhase::VehicleWaiting {
            // Backed away before taking a ticket: recorded so the count of arrivals is honest.
            let audit = self.audit("vehicle_left_without_ticket", json!({}));
            if let Err(err) = self.ctx.recorder().audit(&audit, None) {
                tracing::warn!("{err}");
            }
        }
        self.presence_ticket = None;
        self.phase = EntryPhase::Ready;
    }

    fn close_barrier(&mut self) {
        self.barrier_opened_at = None;
        self.presence_ticket = None;
        if let Err(err) = self.devices.barrier.close() {
            self.phase = EntryPhase::Fault(format!("{err}; close the barrier by hand"));
            return;
        }
        self.phase = if self.vehicle_on_loop { EntryPhase::VehicleWaiting } else { EntryPhase::Ready };
    }

    /// Runs the whole entry for one trigger. The same presence never gets two tickets: a second
    /// press returns the ticket already issued.
    pub fn trigger(&mut self, trigger: EntryTrigger) -> Result<IssuedTicket, EntryError> {
        let started = Instant::now();
        if let Some(issued) = &self.presence_ticket {
            return Ok(issued.clone());
        }
        let result = self.issue(trigger, started);
        match &result {
            Ok(issued) => {
                self.presence_ticket = Some(issued.clone());
                self.recent.push_front(issued.clone());
                self.recent.truncate(RECENT);
            }
            Err(err @ EntryError::NotSaved(_)) => self.phase = EntryPhase::Fault(err.to_string()),
            Err(err) => self.phase = EntryPhase::Refused(err.to_string()),
        }
        result
    }

    fn issue(&mut self, trigger: EntryTrigger, started: Instant) -> Result<IssuedTicket, EntryError> {
        let (class, plate, member, chosen) = match trigger {
            EntryTrigger::Button if !self.vehicle_on_loop => return Err(EntryError::NoVehicle),
            EntryTrigger::Button => (self.default_class.clone(), None, None, false),
            EntryTrigger::Guard { class, plate } => (class, plate.map(|p| p.to_string()), None, true),
            EntryTrigger::Card(uid) => {
                let member = self.check_member(&uid)?;
                (member.class.clone(), member.plate.clone(), Some(member), true)
            }
        };
        let class_info = self.classes.iter().find(|c| c.code == class).cloned();
        if class_info.is_none() {
            return Err(EntryError::UnknownClass(class.to_string()));
        }
        self.check_capacity()?;

        let now = self.ctx.clock.now().trunc_subsecs(0);
        let presence = self.presence_for_ticket();
        let photo = self.media.photo(presence).cloned();
        let plates =
            super::presence::entry_plates(plate, chosen, self.media.read(presence), self.media.config());
        let day = now.with_timezone(&self.ctx.site.tz).date_naive();
        let sequence = self.sequence.next(&self.ctx, day);
        let claims = TicketClaims {
            site: self.ctx.site.code.clone(),
            booth: self.ctx.booth.clone(),
            sequence,
            entry_time: now,
            class: class.clone(),
        };
        let code = ticket::encode(&claims, self.ctx.secret.bytes())?;
        let entry = Entry {
            id: ticket::entry_id(&code),
            site: claims.site.clone(),
            booth: claims.booth.clone(),
            ticket_no: claims.ticket_number(self.ctx.site.tz),
            ticket_code: code,
            plate: plates.plate,
            class,
            card_uid: member.as_ref().map(|m| m.card_uid.clone()),
            entry_time: now,
            operator: self.operator.clone(),
            photo_id: photo.as_ref().map(|p| p.id),
            origin: if self.ctx.connectivity.online() { Origin::Online } else { Origin::Journal },
            simulated: self.ctx.simulated,
            plate_read: plates.plate_read,
            plate_confidence: plates.plate_confidence,
            plate_source: plates.plate_source,
        };
        let _span = tracing::info_span!("entry", ticket = %entry.ticket_no, plate = ?entry.plate).entered();
        let persisted = self.ctx.recorder().entry(&entry, photo.as_ref())?;
        let entry =
            Entry { origin: if persisted.journaled() { Origin::Journal } else { Origin::Online }, ..entry };
        self.media.issued(presence, entry.id, photo.is_some());
        if self.loop_presence != Some(presence) {
            self.media.forget(presence);
        }

        let slip = slips::ticket(&slips::Letterhead::of(&self.ctx), &entry, class_info.as_ref());
        let print_result = self.devices.printer.print(&PrintJob::Ticket(slip));
        let mut issued = IssuedTicket {
            entry,
            persisted,
            photo,
            member,
            printed: print_result.is_ok(),
            barrier_opened: false,
            trigger_to_barrier: Duration::ZERO,
        };
        if let Err(err) = print_result {
            // The entry is recorded; the guard re-prints or hands over a manual ticket.
            self.phase = EntryPhase::Fault(format!("{err}; fix the printer and press Re-print (F5)"));
            issued.trigger_to_barrier = started.elapsed();
            return Ok(issued);
        }
        match self.devices.barrier.open() {
            Ok(()) => {
                issued.barrier_opened = true;
                issued.trigger_to_barrier = started.elapsed();
                self.barrier_opened_at = Some(Instant::now());
                self.phase = EntryPhase::VehiclePassing { ticket_no: issued.entry.ticket_no.clone() };
            }
            Err(err) => {
                issued.trigger_to_barrier = started.elapsed();
                self.phase = EntryPhase::Fault(barrier_hint(&err));
            }
        }
        tracing::info!(journaled = issued.persisted.journaled(), "ticket issued");
        Ok(issued)
    }

    /// Prints the current vehicle's ticket again (after a printer fault) and opens the barrier.
    pub fn reprint(&mut self) -> Result<(), DeviceError> {
        let Some(issued) = self.presence_ticket.clone().or_else(|| self.recent.front().cloned()) else {
            return Ok(());
        };
        let class = self.classes.iter().find(|c| c.code == issued.entry.class).cloned();
        let slip = slips::ticket(&slips::Letterhead::of(&self.ctx), &issued.entry, class.as_ref());
        self.devices.printer.print(&PrintJob::Ticket(slip))?;
        self.open_barrier()
    }

    /// Opens the barrier for the current vehicle (after a barrier fault).
    pub fn open_barrier(&mut self) -> Result<(), DeviceError> {
        match self.devices.barrier.open() {
            Ok(()) => {
                self.barrier_opened_at = Some(Instant::now());
                let ticket_no =
                    self.presence_ticket.as_ref().map(|t| t.entry.ticket_no.clone()).unwrap_or_default();
                self.phase = EntryPhase::VehiclePassing { ticket_no };
                Ok(())
            }
            Err(err) => {
                self.phase = EntryPhase::Fault(barrier_hint(&err));
                Err(err)
            }
        }
    }

    fn check_member(&self, uid: &CardUid) -> Result<Member, EntryError> {
        if !self.ctx.connectivity.online() {
            return Err(EntryError::CardOffline);
        }
        let member = match self.ctx.store.member_by_card(uid.as_str()) {
            // A sample card of the simulation is no card at all to a real reader.
            Ok(Some(member)) if member.simulated && !self.ctx.simulated => {
                return Err(EntryError::UnknownCard(uid.to_string()));
            }
            Ok(Some(member)) => member,
            Ok(None) => return Err(EntryError::UnknownCard(uid.to_string())),
            Err(err) => {
                if err.goes_to_journal() {
                    self.ctx.connectivity.report_failure();
                }
                return Err(EntryError::CardOffline);
            }
        };
        let today = self.ctx.clock.now().with_timezone(&self.ctx.site.tz).date_naive();
        if !member.active {
            return Err(EntryError::InactiveCard(member.name));
        }
        if member.valid_until < today {
            return Err(EntryError::ExpiredCard { name: member.name, valid_until: member.valid_until });
        }
        Ok(member)
    }

    fn check_capacity(&self) -> Result<(), EntryError> {
        let Some(capacity) = self.ctx.site.capacity else { return Ok(()) };
        if !self.ctx.connectivity.online() {
            return Ok(()); // unknown offline: never block the lane on a guess
        }
        match self.ctx.store.inside_count(&self.ctx.site.code, false) {
            Ok(inside) if inside >= u64::from(capacity) => Err(EntryError::Full { inside, capacity }),
            Ok(_) => Ok(()),
            Err(err) => {
                if err.goes_to_journal() {
                    self.ctx.connectivity.report_failure();
                }
                Ok(())
            }
        }
    }

    /// The presence a ticket is for: the vehicle on the loop, or a new one for a guard-key or
    /// card entry without a loop report (its photo starts now and is attached when it comes).
    fn presence_for_ticket(&mut self) -> PresenceNo {
        self.media.pump(&self.ctx);
        let presence = match self.loop_presence {
            Some(presence) => presence,
            None => {
                self.presence += 1;
                self.presence
            }
        };
        if self.media.photo(presence).is_none() {
            self.media.capture(presence);
        }
        presence
    }

    fn audit(&self, action: &str, detail: serde_json::Value) -> AuditRecord {
        AuditRecord {
            time: self.ctx.clock.now(),
            site: self.ctx.site.code.clone(),
            booth: self.ctx.booth.clone(),
            username: self.operator.clone(),
            action: action.to_string(),
            detail,
        }
    }
}

fn barrier_hint(err: &DeviceError) -> String {
    format!("{err}; press Open barrier (F9) to try again, or open it by hand")
}
