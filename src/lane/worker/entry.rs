//! The ParkingIN worker: owns the [`EntryLane`], feeds it device events and the guard's
//! commands in order, and publishes what the entry screen shows.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use crossbeam_channel::{Receiver, never, select, tick};

use super::observed::ObservedPrinter;
use super::{LaneThread, Picture, Published, SendError};
use crate::config::PlateConfig;
use crate::devices::Notify;
use crate::devices::camera::Camera;
use crate::devices::input::InputEvent;
use crate::devices::printer::{Paper, PrintJob};
use crate::domain::{ClassCode, Plate, VehicleClass};
use crate::lane::LaneContext;
use crate::lane::entry::{EntryDevices, EntryError, EntryLane, EntryPhase, EntryTrigger, IssuedTicket};
use crate::lane::presence::PlateSuggestion;
use crate::lane::recorder::RecordError;
use crate::lane::slips;
use crate::plate::PlateReader;
use crate::store::{PageRequest, VisitFilter};

/// How often the worker looks at the barrier timeout and the site's occupancy.
const TICK: Duration = Duration::from_secs(1);
/// How often the occupancy is counted again while nothing happens at this booth.
const OCCUPANCY_EVERY: Duration = Duration::from_secs(15);
/// How many recent tickets the screen lists.
const RECENT_LISTED: usize = 10;

/// What the guard (or the screen) asks of the entry lane. Drained in order, one at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryCommand {
    /// The guard on duty (username), written on every entry; `None` after logging out.
    SetOperator(Option<String>),
    /// The guard key: issue a ticket for this class and plate.
    Issue {
        /// Vehicle class chosen with the quick keys.
        class: ClassCode,
        /// Plate, if typed.
        plate: Option<Plate>,
    },
    /// Print the current vehicle's ticket again and open the barrier (after a printer fault).
    Reprint,
    /// Open the barrier for the current vehicle (after a barrier fault).
    OpenBarrier,
    /// Count the vehicles inside again now.
    RefreshOccupancy,
}

/// The device step under way while a ticket is being issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStage {
    /// Checking the card, the capacity and reserving a ticket number.
    Issuing,
    /// The camera is taking the entry photo.
    Photographing,
    /// The printer is printing the ticket.
    Printing,
}

/// The outcome of the last request, for the screen to word in the operator's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryNotice {
    /// A ticket was issued.
    Issued {
        /// Its number.
        ticket_no: String,
        /// The member's name, for card entries.
        member: Option<String>,
        /// Written to the offline journal instead of the database.
        journaled: bool,
    },
    /// The site is full.
    Full {
        /// Vehicles inside.
        inside: u64,
        /// Capacity.
        capacity: u32,
    },
    /// The button was pressed with no vehicle on the loop.
    NoVehicle,
    /// A card nobody registered.
    UnknownCard(String),
    /// A member card past its date.
    ExpiredCard {
        /// Holder.
        name: String,
        /// Last valid day.
        valid_until: NaiveDate,
    },
    /// A switched-off member card.
    InactiveCard(String),
    /// Cards cannot be checked offline.
    CardOffline,
    /// A class that is not set up.
    UnknownClass(String),
    /// The ticket code could not be made (bad site or booth code).
    TicketCode(String),
    /// Neither the database nor the journal took the entry: the detail says why.
    NotSaved(String),
    /// The printer failed; the entry is recorded.
    PrinterFault(String),
    /// The barrier did not take the command.
    BarrierFault(String),
    /// The command queue was full or the lane stopped.
    NotTaken(SendError),
}

/// A ticket in the screen's "last entries" list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentTicket {
    /// Ticket number.
    pub ticket_no: String,
    /// Signed code (the exit booth scans it).
    pub ticket_code: String,
    /// Entry time.
    pub entry_time: DateTime<Utc>,
    /// Plate, if known.
    pub plate: Option<String>,
    /// Vehicle class.
    pub class: ClassCode,
    /// Member name, for card entries.
    pub member: Option<String>,
    /// Waiting in the offline journal.
    pub journaled: bool,
}

/// What the entry screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct EntrySnapshot {
    /// False until the worker has loaded the lane.
    pub ready: bool,
    /// Where the lane is.
    pub phase: EntryPhase,
    /// The device step under way, if any.
    pub stage: Option<EntryStage>,
    /// The outcome of the last request.
    pub notice: Option<EntryNotice>,
    /// Vehicle classes for the quick keys.
    pub classes: Vec<VehicleClass>,
    /// A vehicle stands on the loop.
    pub vehicle_on_loop: bool,
    /// The latest tickets, newest first.
    pub recent: Vec<RecentTicket>,
    /// The last entry photo.
    pub last_photo: Option<Picture>,
    /// The camera's live preview, when previews are on.
    pub preview: Option<Picture>,
    /// The last ticket as printed.
    pub ticket_preview: Option<Picture>,
    /// Vehicles inside the site (last known).
    pub inside: Option<u64>,
    /// The site's capacity, if limited.
    pub capacity: Option<u32>,
    /// The guard on duty.
    pub operator: Option<String>,
    /// The plate read of the vehicle on the loop, for the plate field.
    pub plate: Option<PlateSuggestion>,
    /// The booth reads plates: the screen keeps a line for the read, so nothing moves when
    /// one arrives.
    pub reads_plates: bool,
}

impl Default for EntrySnapshot {
    fn default() -> Self {
        Self {
            ready: false,
            phase: EntryPhase::Ready,
            stage: None,
            notice: None,
            classes: Vec::new(),
            vehicle_on_loop: false,
            recent: Vec::new(),
            last_photo: None,
            preview: None,
            ticket_preview: None,
            inside: None,
            capacity: None,
            operator: None,
            plate: None,
            reads_plates: false,
        }
    }
}

/// Everything the entry worker needs.
pub struct EntryWorkerSetup {
    /// The lane's context.
    pub ctx: LaneContext,
    /// The booth's camera, printer and barrier.
    pub devices: EntryDevices,
    /// The class the ticket button issues.
    pub default_class: ClassCode,
    /// The booth's input events.
    pub events: Receiver<InputEvent>,
    /// Paper width, for the ticket preview.
    pub paper: Paper,
    /// How often to fetch the camera's live preview; `None` when previews are off.
    pub preview_interval: Option<Duration>,
    /// Called after each snapshot change (the console's repaint).
    pub notify: Notify,
    /// The plate reader and its settings; `None` when the booth reads no plates.
    pub plate_reader: Option<(Arc<dyn PlateReader>, PlateConfig)>,
}

/// The running entry worker. Dropping it stops the thread after the command under way.
pub struct EntryWorker(LaneThread<EntryCommand, EntrySnapshot>);

impl EntryWorker {
    /// Starts the worker thread `entry-lane`.
    pub fn start(setup: EntryWorkerSetup) -> std::io::Result<EntryWorker> {
        let snapshot = Published::new(
            EntrySnapshot {
                capacity: setup.ctx.site.capacity,
                reads_plates: setup.plate_reader.is_some(),
                ..EntrySnapshot::default()
            },
            setup.notify.clone(),
        );
        let published = snapshot.clone();
        let thread = LaneThread::spawn("entry-lane", snapshot, move |commands| {
            Runner::new(setup, published).run(&commands)
        })?;
        Ok(EntryWorker(thread))
    }

    /// Queues a command; refused at once when the queue is full.
    pub fn send(&self, command: EntryCommand) -> Result<(), SendError> {
        self.0.send(command, |s, err| s.notice = Some(EntryNotice::NotTaken(err)))
    }

    /// The latest snapshot.
    pub fn snapshot(&self) -> Arc<EntrySnapshot> {
        self.0.snapshot()
    }
}

struct Runner {
    lane: EntryLane,
    ctx: LaneContext,
    camera: Arc<dyn Camera>,
    events: Receiver<InputEvent>,
    paper: Paper,
    preview_interval: Option<Duration>,
    published: Published<EntrySnapshot>,
    last_preview: Option<Vec<u8>>,
    last_preview_at: Instant,
    occupancy_at: Option<Instant>,
    /// The booth's latest entries stored before this process started (a restart after a
    /// power cut shows the list it had), newest first.
    stored_recent: Vec<RecentTicket>,
}

impl Runner {
    fn new(setup: EntryWorkerSetup, published: Published<EntrySnapshot>) -> Self {
        let stage = |stage: EntryStage| {
            let published = published.clone();
            Arc::new(move || published.update(|s| s.stage = Some(stage))) as Arc<dyn Fn() + Send + Sync>
        };
        let camera = setup.devices.camera.clone();
        // The camera works off the lane's path (from the loop on): no stage to announce.
        let devices = EntryDevices {
            camera: setup.devices.camera,
            printer: Arc::new(ObservedPrinter {
                inner: setup.devices.printer,
                announce: stage(EntryStage::Printing),
            }),
            barrier: setup.devices.barrier,
        };
        let mut lane = EntryLane::new(setup.ctx.clone(), devices, setup.default_class);
        if let Some((reader, config)) = setup.plate_reader {
            lane = lane.with_plate_reader(reader, config);
        }
        Self {
            lane,
            ctx: setup.ctx,
            camera,
            events: setup.events,
            paper: setup.paper,
            preview_interval: setup.preview_interval,
            published,
            last_preview: None,
            last_preview_at: Instant::now(),
            occupancy_at: None,
            stored_recent: Vec::new(),
        }
    }

    fn run(mut self, commands: &Receiver<EntryCommand>) {
        let classes = self.lane.classes().to_vec();
        self.stored_recent = stored_recent(&self.ctx);
        let recent = self.recent();
        self.published.update(|s| {
            s.ready = true;
            s.classes = classes;
            s.recent = recent;
        });
        self.refresh_occupancy();
        let ticker = tick(self.preview_interval.map_or(TICK, |interval| interval.min(TICK)));
        let mut events = self.events.clone();
        let photos = self.lane.media().photo_arrivals();
        let reads = self.lane.media().read_arrivals().unwrap_or_else(never);
        loop {
            select! {
                recv(photos) -> arrival => if let Ok(arrival) = arrival {
                    // The screen shows the latest photo at the lane, however late it came.
                    let picture = arrival.photo.as_ref().ok().and_then(|p| Picture::from_jpeg(&p.jpeg));
                    let ctx = self.ctx.clone();
                    self.lane.media().photo_arrived(&ctx, arrival);
                    if picture.is_some() {
                        self.published.update(|s| s.last_photo = picture);
                    }
                    if !self.ctx.connectivity.online() {
                        // A late photo written to the journal counts as waiting there too.
                        self.ctx.connectivity.request_check();
                    }
                    self.publish_media();
                },
                recv(reads) -> read => if let Ok(read) = read {
                    let ctx = self.ctx.clone();
                    self.lane.media().read_arrived(&ctx, read);
                    match self.lane.member_by_plate() {
                        Some(result) => self.finish(Some(result)),
                        None => self.publish_media(),
                    }
                },
                recv(commands) -> command => match command {
                    Ok(command) => self.command(command),
                    Err(_) => break,
                },
                recv(events) -> event => match event {
                    Ok(event) => self.event(&event),
                    Err(_) => events = never(),
                },
                recv(ticker) -> _ => self.tick(),
            }
        }
    }

    fn command(&mut self, command: EntryCommand) {
        match command {
            EntryCommand::SetOperator(username) => {
                self.lane.set_operator(username.clone());
                self.published.update(|s| s.operator = username);
            }
            EntryCommand::Issue { class, plate } => {
                self.begin();
                let result = self.lane.trigger(EntryTrigger::Guard { class, plate });
                self.finish(Some(result));
            }
            EntryCommand::Reprint => {
                self.published.update(|s| s.stage = Some(EntryStage::Printing));
                let notice = self.lane.reprint().err().map(|err| EntryNotice::PrinterFault(err.to_string()));
                self.finish(None);
                if let Some(notice) = notice {
                    self.published.update(|s| s.notice = Some(notice));
                }
            }
            EntryCommand::OpenBarrier => {
                let notice =
                    self.lane.open_barrier().err().map(|err| EntryNotice::BarrierFault(err.to_string()));
                self.finish(None);
                if let Some(notice) = notice {
                    self.published.update(|s| s.notice = Some(notice));
                }
            }
            EntryCommand::RefreshOccupancy => self.refresh_occupancy(),
        }
    }

    fn event(&mut self, event: &InputEvent) {
        if matches!(event, InputEvent::Button | InputEvent::Card(_)) {
            self.begin();
        }
        let result = self.lane.handle(event);
        let cleared = matches!(event, InputEvent::LoopCleared { .. });
        self.finish(result);
        if cleared {
            self.refresh_occupancy();
        }
    }

    fn tick(&mut self) {
        let before = self.lane.phase().clone();
        self.lane.tick();
        if *self.lane.phase() != before {
            self.finish(None);
        }
        if self.occupancy_at.is_none_or(|at| at.elapsed() >= OCCUPANCY_EVERY) {
            self.refresh_occupancy();
        }
        self.poll_preview();
    }

    fn begin(&self) {
        self.published.update(|s| {
            s.stage = Some(EntryStage::Issuing);
            s.notice = None;
        });
    }

    /// Publishes the lane after a step, with the outcome of a ticket request if there was one.
    fn finish(&mut self, result: Option<Result<IssuedTicket, EntryError>>) {
        let mut photo = None;
        let mut ticket_preview = None;
        let notice = result.map(|result| match result {
            Ok(issued) => {
                photo = issued.photo.as_ref().and_then(|p| Picture::from_jpeg(&p.jpeg));
                let class = self.lane.classes().iter().find(|c| c.code == issued.entry.class).cloned();
                let slip = slips::ticket(&slips::Letterhead::of(&self.ctx), &issued.entry, class.as_ref());
                ticket_preview = Picture::from_job(&PrintJob::Ticket(slip), self.paper);
                issued_notice(&issued, self.lane.phase())
            }
            Err(err) => entry_notice(err),
        });
        let issued_any = matches!(notice, Some(EntryNotice::Issued { .. }));
        if matches!(notice, Some(EntryNotice::Issued { journaled: true, .. })) {
            // The indicator counts what waits in the journal: let it count again now.
            self.ctx.connectivity.request_check();
        }
        let recent = self.recent();
        let plate = self.lane.plate_suggestion();
        let phase = self.lane.phase().clone();
        let vehicle_on_loop = self.lane.vehicle_on_loop();
        self.published.update(|s| {
            s.stage = None;
            s.phase = phase;
            s.vehicle_on_loop = vehicle_on_loop;
            s.recent = recent;
            s.plate = plate;
            if let Some(notice) = notice {
                s.notice = Some(notice);
            }
            if issued_any {
                // A photo still on its way replaces the last one when it arrives.
                if photo.is_some() {
                    s.last_photo = photo;
                }
                if ticket_preview.is_some() {
                    s.ticket_preview = ticket_preview;
                }
            }
        });
        if issued_any {
            self.refresh_occupancy();
        }
    }

    /// This process's tickets, then the stored ones it has not issued, newest first.
    fn recent(&self) -> Vec<RecentTicket> {
        let mut recent: Vec<RecentTicket> = self.lane.recent().map(recent_ticket).collect();
        for stored in &self.stored_recent {
            if recent.len() >= RECENT_LISTED {
                break;
            }
            if !recent.iter().any(|r| r.ticket_no == stored.ticket_no) {
                recent.push(stored.clone());
            }
        }
        recent.truncate(RECENT_LISTED);
        recent
    }

    /// Shows the plate read of the vehicle on the loop (the photo shows once its ticket is out).
    fn publish_media(&mut self) {
        let plate = self.lane.plate_suggestion();
        if self.published.get().plate != plate {
            self.published.update(|s| s.plate = plate);
        }
    }

    fn refresh_occupancy(&mut self) {
        self.occupancy_at = Some(Instant::now());
        if !self.ctx.connectivity.online() {
            return;
        }
        // A simulated booth shows its simulated vehicles too; a real one only real vehicles.
        match self.ctx.store.inside_count(&self.ctx.site.code, self.ctx.simulated) {
            Ok(inside) => {
                if self.published.get().inside != Some(inside) {
                    self.published.update(|s| s.inside = Some(inside));
                }
            }
            Err(err) => {
                if err.goes_to_journal() {
                    self.ctx.connectivity.report_failure();
                }
                tracing::debug!("occupancy not counted: {err}");
            }
        }
    }

    fn poll_preview(&mut self) {
        let Some(interval) = self.preview_interval else { return };
        if self.last_preview_at.elapsed() < interval {
            return;
        }
        self.last_preview_at = Instant::now();
        let Some(frame) = self.camera.preview() else { return };
        if self.last_preview.as_ref() == Some(&frame.bytes) {
            return;
        }
        let picture = Picture::from_jpeg(&frame.bytes);
        self.last_preview = Some(frame.bytes);
        if picture.is_some() {
            self.published.update(|s| s.preview = picture);
        }
    }
}

fn issued_notice(issued: &IssuedTicket, phase: &EntryPhase) -> EntryNotice {
    let detail = match phase {
        EntryPhase::Fault(detail) => detail.clone(),
        _ => String::new(),
    };
    if !issued.printed {
        return EntryNotice::PrinterFault(detail);
    }
    if !issued.barrier_opened {
        return EntryNotice::BarrierFault(detail);
    }
    EntryNotice::Issued {
        ticket_no: issued.entry.ticket_no.clone(),
        member: issued.member.as_ref().map(|m| m.name.clone()),
        journaled: issued.persisted.journaled(),
    }
}

fn entry_notice(err: EntryError) -> EntryNotice {
    match err {
        EntryError::Full { inside, capacity } => EntryNotice::Full { inside, capacity },
        EntryError::NoVehicle => EntryNotice::NoVehicle,
        EntryError::UnknownCard(card) => EntryNotice::UnknownCard(card),
        EntryError::ExpiredCard { name, valid_until } => EntryNotice::ExpiredCard { name, valid_until },
        EntryError::InactiveCard(name) => EntryNotice::InactiveCard(name),
        EntryError::CardOffline => EntryNotice::CardOffline,
        EntryError::UnknownClass(class) => EntryNotice::UnknownClass(class),
        EntryError::Ticket(err) => EntryNotice::TicketCode(err.to_string()),
        EntryError::NotSaved(RecordError::Refused(err)) => EntryNotice::NotSaved(err.to_string()),
        EntryError::NotSaved(err) => EntryNotice::NotSaved(err.to_string()),
    }
}

/// The booth's latest stored entries (from the database, or the booth cache while offline);
/// empty when neither can be read, as the list then fills with new tickets.
fn stored_recent(ctx: &LaneContext) -> Vec<RecentTicket> {
    let filter = VisitFilter {
        site: Some(ctx.site.code.clone()),
        booth: Some(ctx.booth.clone()),
        // A simulated booth lists its simulated tickets too; a real one only real tickets.
        include_simulated: ctx.simulated,
        ..VisitFilter::default()
    };
    match ctx.store.list_visits(&filter, PageRequest { offset: 0, limit: RECENT_LISTED as u64 }) {
        Ok(page) => page
            .rows
            .into_iter()
            .filter(|visit| visit.entry.booth == ctx.booth)
            .map(|visit| RecentTicket {
                ticket_no: visit.entry.ticket_no,
                ticket_code: visit.entry.ticket_code,
                entry_time: visit.entry.entry_time,
                plate: visit.entry.plate,
                class: visit.entry.class,
                member: None,
                journaled: false,
            })
            .collect(),
        Err(err) => {
            tracing::debug!("recent entries not loaded: {err}");
            Vec::new()
        }
    }
}

fn recent_ticket(issued: &IssuedTicket) -> RecentTicket {
    RecentTicket {
        ticket_no: issued.entry.ticket_no.clone(),
        ticket_code: issued.entry.ticket_code.clone(),
        entry_time: issued.entry.entry_time,
        plate: issued.entry.plate.clone(),
        class: issued.entry.class.clone(),
        member: issued.member.as_ref().map(|m| m.name.clone()),
        journaled: issued.persisted.journaled(),
    }
}
