//! The ParkingOut worker: owns the [`ExitLane`], feeds it scans, cards and the cashier's
//! commands in order, runs shift opening and closing, and publishes what the exit screen shows.

use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, never, select, tick};

use super::observed::ObservedCamera;
use super::{LaneThread, Picture, Published, SendError};
use crate::config::PlateConfig;
use crate::devices::Notify;
use crate::devices::camera::Camera;
use crate::devices::input::InputEvent;
use crate::devices::printer::{Paper, PrintJob};
use crate::domain::{ClassCode, Rupiah, VehicleClass};
use crate::lane::LaneContext;
use crate::lane::exit::{
    ExitDevices, ExitError, ExitLane, ExitPhase, ExitPlateRead, Paid, Payment, Quote, SeenPlate,
};
use crate::lane::recorder::RecordError;
use crate::lane::shift::{self, ShiftError, ShiftReport};
use crate::lane::slips;
use crate::plate::PlateReader;
use crate::store::{Role, Shift};
use uuid::Uuid;

/// How often the worker looks for a new preview frame (when previews are on).
const TICK: Duration = Duration::from_secs(1);

/// What the cashier asks of the exit lane. Drained in order, one at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitCommand {
    /// The cashier on duty; the worker looks up their open shift. `None` after logging out.
    SetOperator {
        /// Username.
        username: Option<String>,
        /// Name printed on receipts.
        full_name: String,
        /// Their role: money and manual openings need a cashier or an admin.
        role: Option<Role>,
    },
    /// A scanned or typed ticket code, ticket number or card number.
    Scan(String),
    /// The lost-ticket dialog opened: photograph the car at the barrier and read its plate
    /// (published as `seen_plate`; nothing without a plate reader).
    ReadPlateAtTheBarrier,
    /// A lost ticket: the latest open entry of the plate (or of the plate read at the barrier),
    /// or the fine alone.
    LostTicket {
        /// Plate as typed.
        plate: String,
        /// Class to charge when no entry is found.
        class: ClassCode,
    },
    /// Pay the fee on screen, print the receipt, open the barrier.
    Pay(Payment),
    /// Cancel the fee on screen (audited as a void).
    Cancel,
    /// Open the barrier again for the exit just paid.
    Reopen,
    /// Open the barrier without payment, with a reason (photographed and audited).
    ManualOpen {
        /// Why.
        reason: String,
        /// The vehicle inside it let out, when the cashier linked one: its visit is closed.
        vehicle: Option<Uuid>,
    },
    /// A lost ticket of a vehicle inside picked from the list.
    LostTicketOf {
        /// The vehicle's entry.
        entry_id: Uuid,
    },
    /// Open a shift with this float in the drawer.
    OpenShift {
        /// Cash in the drawer at the start.
        opening_float: Rupiah,
    },
    /// Close the open shift with the counted cash.
    CloseShift {
        /// Cash counted in the drawer.
        counted: Rupiah,
    },
    /// Dismiss a refusal and wait for the next vehicle.
    Finish,
}

/// The step under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStage {
    /// Verifying the ticket and computing the fee.
    Quoting,
    /// The camera is taking the exit photo.
    Photographing,
    /// Recording the payment and printing the receipt.
    Paying,
    /// Opening or closing a shift.
    Shift,
}

/// What the exit screen shows in its main area.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ExitView {
    /// Waiting for a scan.
    #[default]
    Ready,
    /// A fee waits for payment.
    Quoted(Box<Quote>),
    /// Paid; `barrier_opened` false means the cashier must re-open.
    Paid(Box<Paid>),
    /// Refused; the notice says why.
    Refused,
}

/// The outcome of the last request, for the screen to word in the operator's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitNotice {
    /// The code does not verify; the detail says how.
    TicketInvalid(crate::domain::ticket::TicketError),
    /// Neither a code, a ticket number nor a card.
    Unrecognised(String),
    /// No vehicle inside with this ticket or card.
    NotFound(String),
    /// Ticket numbers need the database.
    NeedsDatabase,
    /// Already left.
    AlreadyExited {
        /// Local time.
        time: String,
        /// Booth.
        booth: String,
    },
    /// Nothing to pay.
    NothingToPay,
    /// Not enough cash.
    NotEnoughCash {
        /// Handed over.
        tendered: Rupiah,
        /// Due.
        total: Rupiah,
    },
    /// Payment needs an open shift.
    NoShift,
    /// Manual open needs a reason.
    ReasonRequired,
    /// This role may not take money or open the barrier by hand.
    NotAllowed(Role),
    /// No tariff for the class.
    NoTariff(String),
    /// The database refused; the detail says why.
    Store(String),
    /// Not saved anywhere; the detail says why.
    NotSaved(String),
    /// A device failed.
    Device(String),
    /// The barrier was opened by hand with a reason.
    ManualOpened,
    /// An emergency holds the barriers open: the vehicle was recorded leaving without charge.
    EmergencyExit,
    /// An emergency exit was asked for, but no emergency is active.
    NoEmergency,
    /// A shift was opened.
    ShiftOpened {
        /// Written to the journal (offline).
        journaled: bool,
    },
    /// A signed code without an entry in the database: lost-ticket flow.
    NoEntry(String),
    /// The booth ledger cannot be read.
    LedgerUnavailable(String),
    /// The shift cannot be closed while this many of the booth's records wait in the journal.
    JournalPending(usize),
    /// Negative amounts.
    NegativeAmount,
    /// The command queue was full or the lane stopped.
    NotTaken(SendError),
}

/// What the exit screen shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExitSnapshot {
    /// False until the worker has loaded the lane.
    pub ready: bool,
    /// The main area.
    pub view: ExitView,
    /// The step under way.
    pub stage: Option<ExitStage>,
    /// The outcome of the last request.
    pub notice: Option<ExitNotice>,
    /// Vehicle classes (for lost tickets).
    pub classes: Vec<VehicleClass>,
    /// Entry photo of the quote on screen.
    pub entry_photo: Option<Picture>,
    /// Exit photo of the quote on screen.
    pub exit_photo: Option<Picture>,
    /// The camera's live preview, when previews are on.
    pub preview: Option<Picture>,
    /// The last receipt as printed.
    pub receipt_preview: Option<Picture>,
    /// The cashier's open shift.
    pub shift: Option<Shift>,
    /// The report of the shift just closed.
    pub closed_shift: Option<ShiftReport>,
    /// The cashier on duty.
    pub operator: Option<String>,
    /// The plate read from the exit photo on screen, compared with the entry's.
    pub exit_plate: Option<ExitPlateRead>,
    /// The plate read of the car at the barrier, for the lost-ticket dialog.
    pub seen_plate: Option<SeenPlate>,
}

/// Everything the exit worker needs.
pub struct ExitWorkerSetup {
    /// The lane's context.
    pub ctx: LaneContext,
    /// The booth's camera, printer and barrier.
    pub devices: ExitDevices,
    /// The booth's input events.
    pub events: Receiver<InputEvent>,
    /// Paper width, for the receipt preview.
    pub paper: Paper,
    /// How often to fetch the camera's live preview; `None` when previews are off.
    pub preview_interval: Option<Duration>,
    /// Called after each snapshot change (the console's repaint).
    pub notify: Notify,
    /// The plate reader and its settings; `None` when the booth reads no plates.
    pub plate_reader: Option<(Arc<dyn PlateReader>, PlateConfig)>,
}

/// The running exit worker. Dropping it stops the thread after the command under way.
pub struct ExitWorker(LaneThread<ExitCommand, ExitSnapshot>);

impl ExitWorker {
    /// Starts the worker thread `exit-lane`.
    pub fn start(setup: ExitWorkerSetup) -> std::io::Result<ExitWorker> {
        let snapshot = Published::new(ExitSnapshot::default(), setup.notify.clone());
        let published = snapshot.clone();
        let thread = LaneThread::spawn("exit-lane", snapshot, move |commands| {
            Runner::new(setup, published).run(&commands)
        })?;
        Ok(ExitWorker(thread))
    }

    /// Queues a command; refused at once when the queue is full.
    pub fn send(&self, command: ExitCommand) -> Result<(), SendError> {
        self.0.send(command, |s, err| s.notice = Some(ExitNotice::NotTaken(err)))
    }

    /// The latest snapshot.
    pub fn snapshot(&self) -> Arc<ExitSnapshot> {
        self.0.snapshot()
    }
}

struct Runner {
    lane: ExitLane,
    ctx: LaneContext,
    camera: Arc<dyn Camera>,
    events: Receiver<InputEvent>,
    paper: Paper,
    preview_interval: Option<Duration>,
    published: Published<ExitSnapshot>,
    operator: Option<String>,
    full_name: String,
    last_preview: Option<Vec<u8>>,
}

impl Runner {
    fn new(setup: ExitWorkerSetup, published: Published<ExitSnapshot>) -> Self {
        let announce = {
            let published = published.clone();
            Arc::new(move || published.update(|s| s.stage = Some(ExitStage::Photographing)))
        };
        let camera = setup.devices.camera.clone();
        let devices = ExitDevices {
            camera: Arc::new(ObservedCamera { inner: setup.devices.camera, announce }),
            printer: setup.devices.printer,
            barrier: setup.devices.barrier,
        };
        let mut lane = ExitLane::new(setup.ctx.clone(), devices);
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
            operator: None,
            full_name: String::new(),
            last_preview: None,
        }
    }

    fn run(mut self, commands: &Receiver<ExitCommand>) {
        let classes = self.ctx.store.vehicle_classes().unwrap_or_else(|err| {
            tracing::warn!("vehicle classes not loaded, using the defaults: {err}");
            crate::domain::vehicle::default_classes()
        });
        self.published.update(|s| {
            s.ready = true;
            s.classes = classes;
        });
        let ticker = match self.preview_interval {
            Some(interval) => tick(interval.min(TICK)),
            None => never(),
        };
        let mut events = self.events.clone();
        let reads = self.lane.plate_arrivals().unwrap_or_else(never);
        loop {
            select! {
                recv(reads) -> read => if let Ok(read) = read {
                    let read = self.lane.plate_arrived(read);
                    self.plate_read(read);
                    let seen_plate = self.lane.seen_plate().cloned();
                    self.published.update(|s| s.seen_plate = seen_plate);
                },
                recv(commands) -> command => match command {
                    Ok(command) => self.command(command),
                    Err(_) => break,
                },
                recv(events) -> event => match event {
                    Ok(event) => self.event(&event),
                    Err(_) => events = never(),
                },
                recv(ticker) -> _ => self.poll_preview(),
            }
        }
    }

    fn command(&mut self, command: ExitCommand) {
        match command {
            ExitCommand::SetOperator { username, full_name, role } => {
                self.lane.set_role(role);
                self.set_operator(username, full_name);
            }
            ExitCommand::Scan(text) => {
                self.stage(ExitStage::Quoting);
                let result = self.lane.scan(&text);
                self.quoted(result);
            }
            ExitCommand::ReadPlateAtTheBarrier => {
                self.published.update(|s| s.seen_plate = None);
                self.lane.read_plate_at_the_barrier();
            }
            ExitCommand::LostTicket { plate, class } => {
                self.stage(ExitStage::Quoting);
                let result = self.lane.lost_ticket_read(&plate, &class);
                self.quoted(result);
            }
            ExitCommand::Pay(payment) => {
                self.stage(ExitStage::Paying);
                let result = self.lane.pay(payment);
                self.paid(result);
            }
            ExitCommand::Cancel => {
                self.lane.cancel();
                self.publish(None, true);
            }
            ExitCommand::Reopen => {
                let notice = self.lane.reopen().err().map(exit_notice);
                self.publish(notice, false);
            }
            ExitCommand::LostTicketOf { entry_id } => {
                self.stage(ExitStage::Quoting);
                let result = self.lane.lost_ticket_of(entry_id);
                self.quoted(result);
            }
            ExitCommand::ManualOpen { reason, vehicle } => {
                let notice = match self.lane.manual_open(&reason, vehicle) {
                    Ok(()) => ExitNotice::ManualOpened,
                    Err(err) => exit_notice(err),
                };
                self.publish(Some(notice), true);
            }
            ExitCommand::OpenShift { opening_float } => self.open_shift(opening_float),
            ExitCommand::CloseShift { counted } => self.close_shift(counted),
            ExitCommand::Finish => {
                self.lane.finish();
                self.publish(None, false);
            }
        }
    }

    fn event(&mut self, event: &InputEvent) {
        if matches!(event, InputEvent::Scan(_) | InputEvent::Card(_)) {
            self.stage(ExitStage::Quoting);
        }
        match self.lane.handle(event) {
            Some(result) => self.quoted(result),
            None => self.publish(None, false),
        }
    }

    fn set_operator(&mut self, username: Option<String>, full_name: String) {
        let shift = username.as_deref().and_then(|name| shift::continuing_shift(&self.ctx, name));
        self.lane.set_operator(username.clone(), full_name.clone(), shift.clone());
        self.operator = username.clone();
        self.full_name = full_name;
        self.published.update(|s| {
            s.operator = username;
            s.shift = shift;
            s.closed_shift = None;
        });
    }

    fn open_shift(&mut self, opening_float: Rupiah) {
        let Some(username) = self.operator.clone() else { return };
        if let Err(err) = self.lane.may_take_money() {
            self.published.update(|s| s.notice = Some(exit_notice(err)));
            return;
        }
        self.stage(ExitStage::Shift);
        let notice = match shift::open_shift(&self.ctx, &username, opening_float) {
            Ok((shift, persisted)) => {
                self.lane.set_shift(Some(shift));
                ExitNotice::ShiftOpened { journaled: persisted.journaled() }
            }
            Err(err) => shift_notice(err),
        };
        let shift = self.lane.shift().cloned();
        self.published.update(|s| {
            s.stage = None;
            s.shift = shift;
            s.closed_shift = None;
            s.notice = Some(notice);
        });
    }

    fn close_shift(&mut self, counted: Rupiah) {
        let Some(open) = self.lane.shift().cloned() else {
            self.published.update(|s| s.notice = Some(ExitNotice::NoShift));
            return;
        };
        self.stage(ExitStage::Shift);
        match shift::close_shift(&self.ctx, &open, counted) {
            Ok(report) => {
                self.lane.set_shift(None);
                self.published.update(|s| {
                    s.stage = None;
                    s.shift = None;
                    s.closed_shift = Some(report);
                    s.notice = None;
                });
            }
            Err(err) => {
                let notice = shift_notice(err);
                self.published.update(|s| {
                    s.stage = None;
                    s.notice = Some(notice);
                });
            }
        }
    }

    fn stage(&self, stage: ExitStage) {
        self.published.update(|s| {
            s.stage = Some(stage);
            s.notice = None;
        });
    }

    fn quoted(&mut self, result: Result<Quote, ExitError>) {
        match result {
            Ok(quote) => {
                let entry_photo = quote.entry_photo.as_ref().and_then(|p| Picture::from_jpeg(&p.jpeg));
                // The fee is on screen before the exit photo is taken.
                self.publish_with(None, |s| {
                    s.entry_photo = entry_photo;
                    s.exit_photo = None;
                    s.exit_plate = None;
                });
                self.lane.take_exit_photo();
                let exit_photo = match self.lane.phase() {
                    ExitPhase::Quoted(quote) => {
                        quote.exit_photo.as_ref().and_then(|p| Picture::from_jpeg(&p.jpeg))
                    }
                    _ => None,
                };
                self.publish_with(None, |s| s.exit_photo = exit_photo);
                if self.ctx.emergency.is_active() {
                    // No money during an evacuation: the vehicle is recorded as it leaves.
                    let notice = match self.lane.emergency_exit() {
                        Ok(paid) => {
                            if paid.persisted.journaled() {
                                self.ctx.connectivity.request_check();
                            }
                            ExitNotice::EmergencyExit
                        }
                        Err(err) => exit_notice(err),
                    };
                    self.publish(Some(notice), false);
                }
            }
            Err(err) => self.publish(Some(exit_notice(err)), true),
        }
    }

    /// A read of an exit photo came back: shown while its visit is on screen.
    fn plate_read(&self, read: Option<ExitPlateRead>) {
        let Some(read) = read else { return };
        let on_screen = match self.lane.phase() {
            ExitPhase::Quoted(quote) => quote.entry_id == read.entry_id,
            ExitPhase::Done(paid) | ExitPhase::PaidBarrierFailed(paid, _) => {
                paid.exit.entry_id == read.entry_id
            }
            ExitPhase::Ready | ExitPhase::Refused(_) => false,
        };
        if on_screen {
            self.published.update(|s| s.exit_plate = Some(read));
        }
    }

    fn paid(&mut self, result: Result<Paid, ExitError>) {
        match result {
            Ok(paid) => {
                if paid.persisted.journaled() {
                    // The indicator counts what waits in the journal: let it count again now.
                    self.ctx.connectivity.request_check();
                }
                let receipt = self.receipt_preview(&paid);
                let notice = (!paid.barrier_opened).then(|| match self.lane.phase() {
                    ExitPhase::PaidBarrierFailed(_, detail) => ExitNotice::Device(detail.clone()),
                    _ => ExitNotice::Device(String::new()),
                });
                self.publish_with(notice, |s| {
                    if receipt.is_some() {
                        s.receipt_preview = receipt;
                    }
                });
            }
            Err(err) => self.publish(Some(exit_notice(err)), false),
        }
    }

    fn receipt_preview(&self, paid: &Paid) -> Option<Picture> {
        if !matches!(self.lane.phase(), ExitPhase::Done(_) | ExitPhase::PaidBarrierFailed(..)) {
            return None;
        }
        let (ticket_no, entry_time) = match &self.published.get().view {
            ExitView::Quoted(quote) => (quote.ticket_no.clone(), quote.entry_time),
            _ => (String::new(), None),
        };
        let slip = slips::receipt(
            &slips::Letterhead::of(&self.ctx),
            &paid.exit,
            &ticket_no,
            entry_time,
            &self.full_name,
        );
        Picture::from_job(&PrintJob::Receipt(slip), self.paper)
    }

    fn publish(&self, notice: Option<ExitNotice>, clear_photos: bool) {
        self.publish_with(notice, |s| {
            if clear_photos {
                s.entry_photo = None;
                s.exit_photo = None;
                s.exit_plate = None;
            }
        });
    }

    /// Publishes the lane's phase (photos stripped: the screen gets decoded pictures).
    fn publish_with(&self, notice: Option<ExitNotice>, extra: impl FnOnce(&mut ExitSnapshot)) {
        let view = match self.lane.phase() {
            ExitPhase::Ready => ExitView::Ready,
            ExitPhase::Quoted(quote) => {
                let mut quote = quote.as_ref().clone();
                quote.entry_photo = None;
                quote.exit_photo = None;
                ExitView::Quoted(Box::new(quote))
            }
            ExitPhase::Done(paid) | ExitPhase::PaidBarrierFailed(paid, _) => ExitView::Paid(paid.clone()),
            ExitPhase::Refused(_) => ExitView::Refused,
        };
        let shift = self.lane.shift().cloned();
        let seen_plate = self.lane.seen_plate().cloned();
        self.published.update(|s| {
            s.stage = None;
            s.view = view;
            s.shift = shift;
            s.seen_plate = seen_plate;
            if notice.is_some() {
                s.notice = notice;
            } else if matches!(s.view, ExitView::Ready) {
                s.notice = s.notice.take().filter(is_lasting);
            }
            extra(s);
        });
    }

    fn poll_preview(&mut self) {
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

/// Notices that stay on screen after the lane went back to ready.
fn is_lasting(notice: &ExitNotice) -> bool {
    matches!(notice, ExitNotice::ManualOpened | ExitNotice::ShiftOpened { .. } | ExitNotice::NotTaken(_))
}

fn exit_notice(err: ExitError) -> ExitNotice {
    match err {
        ExitError::Ticket(err) => ExitNotice::TicketInvalid(err),
        ExitError::Unrecognised(text) => ExitNotice::Unrecognised(text),
        ExitError::NotFound(text) => ExitNotice::NotFound(text),
        ExitError::NeedsDatabase => ExitNotice::NeedsDatabase,
        ExitError::NoEntry(ticket) => ExitNotice::NoEntry(ticket),
        ExitError::LedgerUnavailable(detail) => ExitNotice::LedgerUnavailable(detail),
        ExitError::AlreadyExited { time, booth } => ExitNotice::AlreadyExited { time, booth },
        ExitError::NothingToPay => ExitNotice::NothingToPay,
        ExitError::NoEmergency => ExitNotice::NoEmergency,
        ExitError::NotEnoughCash { tendered, total } => ExitNotice::NotEnoughCash { tendered, total },
        ExitError::NoShift => ExitNotice::NoShift,
        ExitError::ReasonRequired => ExitNotice::ReasonRequired,
        ExitError::NotAllowed(role) => ExitNotice::NotAllowed(role),
        ExitError::NoTariff(class) => ExitNotice::NoTariff(class),
        ExitError::Store(err) => ExitNotice::Store(err.to_string()),
        ExitError::NotSaved(err) => ExitNotice::NotSaved(err.to_string()),
        ExitError::Device(err) => ExitNotice::Device(err.to_string()),
    }
}

fn shift_notice(err: ShiftError) -> ExitNotice {
    match err {
        ShiftError::Store(err) => ExitNotice::Store(err.to_string()),
        ShiftError::NotSaved(RecordError::Refused(err)) => ExitNotice::Store(err.to_string()),
        ShiftError::NotSaved(err) => ExitNotice::NotSaved(err.to_string()),
        ShiftError::JournalPending { waiting } => ExitNotice::JournalPending(waiting),
        ShiftError::Ledger(err) => ExitNotice::LedgerUnavailable(err.to_string()),
        ShiftError::Negative => ExitNotice::NegativeAmount,
    }
}
