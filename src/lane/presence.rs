//! The photo and plate read of each vehicle at the entry loop, taken off the lane's path.
//!
//! The capture starts when the loop reports a vehicle, on the `presence-camera` thread; the
//! photo then goes to the plate reader's thread. The lane only ever looks at what has already
//! arrived: a ticket is never held for the camera or the reader. What arrives after its ticket
//! is attached to the entry then (database, or the journal beside its entry).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};
use uuid::Uuid;

use super::LaneContext;
use crate::config::PlateConfig;
use crate::devices::camera::Camera;
use crate::logging::TurnedAway;
use crate::plate::worker::{PlateOutcome, PlateWorker};
use crate::plate::{PlateRead, PlateReader, PlateSource};
use crate::store::{EntryLate, Photo, PhotoKind};

/// Captures that may wait for the camera thread beyond the one in hand.
const CAPTURE_QUEUE: usize = 2;

/// One vehicle's stay on the loop (or one guard-key entry), numbered by the lane.
pub type PresenceNo = u64;

/// A photo the camera thread delivered (or why it did not).
#[derive(Debug)]
pub struct PhotoArrival {
    /// The presence it was taken for.
    pub presence: PresenceNo,
    /// The photo, or the camera's error as text.
    pub photo: Result<Photo, String>,
}

/// What the lane has for the current presence, for the screen's plate field.
#[derive(Debug, Clone, PartialEq)]
pub struct PlateSuggestion {
    /// The plate read, normalised.
    pub plate: String,
    /// Its confidence, 0–1.
    pub confidence: f32,
    /// At or above the configured threshold: the field is filled; below it only suggested.
    pub filled: bool,
}

/// An entry issued before its photo or read arrived.
#[derive(Debug, Clone, Copy)]
struct Waiting {
    entry_id: Uuid,
    photo: bool,
    read: bool,
}

/// The camera and reader threads of an entry lane, and what they delivered per presence.
pub struct PresenceMedia {
    captures: Sender<PresenceNo>,
    photos: Receiver<PhotoArrival>,
    reader: Option<(PlateWorker<PresenceNo>, Receiver<PlateOutcome<PresenceNo>>)>,
    config: PlateConfig,
    photo: HashMap<PresenceNo, Photo>,
    read: HashMap<PresenceNo, PlateRead>,
    /// Presences whose capture or read is still under way.
    capturing: HashSet<PresenceNo>,
    reading: HashSet<PresenceNo>,
    /// Presences still at the lane (what arrives for them is kept).
    live: HashSet<PresenceNo>,
    waiting: HashMap<PresenceNo, Waiting>,
    /// Vehicles the camera thread was too far behind to take.
    without_photo: TurnedAway,
    _thread: Option<std::thread::JoinHandle<()>>,
}

impl PresenceMedia {
    /// Starts the camera thread for `camera` (photos of kind `kind`), with no plate reader.
    pub fn start(ctx: &LaneContext, camera: Arc<dyn Camera>, kind: PhotoKind) -> PresenceMedia {
        let (captures, requests) = bounded::<PresenceNo>(CAPTURE_QUEUE);
        let (delivered, photos) = bounded(CAPTURE_QUEUE * 4);
        let (clock, ids, timeout) = (ctx.clock.clone(), ctx.ids.clone(), ctx.camera_timeout);
        let thread = std::thread::Builder::new()
            .name("presence-camera".into())
            .spawn(move || {
                for presence in requests {
                    let photo = camera
                        .capture(timeout)
                        .map(|jpeg| Photo { id: ids.new_id(), kind, taken_at: clock.now(), jpeg: jpeg.bytes })
                        .map_err(|err| err.to_string());
                    if delivered.send(PhotoArrival { presence, photo }).is_err() {
                        break;
                    }
                }
            })
            .map_err(|err| tracing::error!("no camera thread, entries go without photos: {err}"))
            .ok();
        PresenceMedia {
            captures,
            photos,
            reader: None,
            config: PlateConfig { enabled: false, ..PlateConfig::default() },
            photo: HashMap::new(),
            read: HashMap::new(),
            capturing: HashSet::new(),
            reading: HashSet::new(),
            live: HashSet::new(),
            waiting: HashMap::new(),
            without_photo: TurnedAway::default(),
            _thread: thread,
        }
    }

    /// Reads the plates of the photos with `reader`, as `config` says (nothing when disabled).
    pub fn with_reader(mut self, reader: Arc<dyn PlateReader>, config: PlateConfig) -> PresenceMedia {
        if config.enabled {
            match PlateWorker::start(reader) {
                Ok(worker) => self.reader = Some(worker),
                Err(err) => tracing::error!("no plate reader thread, plates are typed: {err}"),
            }
        }
        self.config = config;
        self
    }

    /// The plate settings in force.
    pub fn config(&self) -> &PlateConfig {
        &self.config
    }

    /// Where photos arrive, for a worker's `select!`; hand each to [`Self::photo_arrived`].
    pub fn photo_arrivals(&self) -> Receiver<PhotoArrival> {
        self.photos.clone()
    }

    /// Where reads arrive, for a worker's `select!`; hand each to [`Self::read_arrived`].
    pub fn read_arrivals(&self) -> Option<Receiver<PlateOutcome<PresenceNo>>> {
        self.reader.as_ref().map(|(_, reads)| reads.clone())
    }

    /// Starts the photo of `presence` unless one is taken or under way. Never waits.
    pub fn capture(&mut self, presence: PresenceNo) {
        self.live.insert(presence);
        if self.photo.contains_key(&presence) || self.capturing.contains(&presence) {
            return;
        }
        match self.captures.try_send(presence) {
            Ok(()) => {
                self.capturing.insert(presence);
                if let Some(run) = self.without_photo.taken() {
                    tracing::warn!("the camera caught up; {run} vehicle(s) went without a photo");
                }
            }
            Err(TrySendError::Full(_)) => {
                if self.without_photo.turned_away() {
                    tracing::warn!("the camera is behind; vehicles go without a photo until it catches up");
                }
            }
            Err(TrySendError::Disconnected(_)) => tracing::warn!("the camera thread has stopped"),
        }
    }

    /// The photo of `presence`, if it has arrived.
    pub fn photo(&self, presence: PresenceNo) -> Option<&Photo> {
        self.photo.get(&presence)
    }

    /// The plate read of `presence`, if it has arrived and found a plate.
    pub fn read(&self, presence: PresenceNo) -> Option<&PlateRead> {
        self.read.get(&presence).filter(|read| read.plate.is_some())
    }

    /// What the plate field shows for `presence`.
    pub fn suggestion(&self, presence: PresenceNo) -> Option<PlateSuggestion> {
        let read = self.read(presence)?;
        Some(PlateSuggestion {
            plate: read.plate.clone()?,
            confidence: read.confidence,
            filled: read.confidence >= self.config.min_confidence,
        })
    }

    /// The entry of `presence` is recorded; what it lacked is attached when it arrives.
    pub fn issued(&mut self, presence: PresenceNo, entry_id: Uuid, has_photo: bool) {
        let photo = !has_photo && self.capturing.contains(&presence);
        let has_read = self.read.contains_key(&presence);
        let read = !has_read && (self.reading.contains(&presence) || photo) && self.reader.is_some();
        if photo || read {
            self.waiting.insert(presence, Waiting { entry_id, photo, read });
        }
        // A read already in hand but not on the ticket (a suggestion the guard did not take) is
        // stored with the entry by the lane itself.
    }

    /// Forgets a presence that is over (the vehicle passed or backed away), unless its entry
    /// still waits for a photo or read.
    pub fn forget(&mut self, presence: PresenceNo) {
        self.live.remove(&presence);
        self.prune();
    }

    /// Drops what no live presence and no waiting entry needs.
    fn prune(&mut self) {
        let keep =
            |presence: &PresenceNo, live: &HashSet<PresenceNo>, waiting: &HashMap<PresenceNo, Waiting>| {
                live.contains(presence) || waiting.contains_key(presence)
            };
        self.photo.retain(|p, _| keep(p, &self.live, &self.waiting));
        self.read.retain(|p, _| keep(p, &self.live, &self.waiting));
    }

    /// A photo arrived: kept for the presence, sent to the reader, attached to its entry if
    /// the ticket went without it.
    pub fn photo_arrived(&mut self, ctx: &LaneContext, arrival: PhotoArrival) {
        self.capturing.remove(&arrival.presence);
        let photo = match arrival.photo {
            Ok(photo) => photo,
            Err(err) => {
                tracing::warn!("no photo of this vehicle: {err}");
                self.settle(arrival.presence, |w| w.photo = false);
                return;
            }
        };
        if let Some((worker, _)) = &self.reader {
            let jpeg = crate::devices::camera::Jpeg { bytes: photo.jpeg.clone(), width: 0, height: 0 };
            if worker.submit(arrival.presence, jpeg) {
                self.reading.insert(arrival.presence);
            }
        }
        if let Some(waiting) = self.waiting.get(&arrival.presence).copied()
            && waiting.photo
        {
            let late = EntryLate {
                entry_id: waiting.entry_id,
                photo_id: Some(photo.id),
                plate_read: None,
                plate_confidence: None,
            };
            if let Err(err) = ctx.recorder().entry_late(&late, Some(&photo)) {
                tracing::warn!("the late photo of an entry was not kept: {err}");
            }
            let reading = self.reading.contains(&arrival.presence);
            self.settle(arrival.presence, |w| {
                w.photo = false;
                w.read = w.read || reading;
            });
        }
        self.photo.insert(arrival.presence, photo);
        self.prune();
    }

    /// A read arrived: kept for the presence, attached to its entry if the ticket went without.
    pub fn read_arrived(&mut self, ctx: &LaneContext, outcome: PlateOutcome<PresenceNo>) {
        self.reading.remove(&outcome.tag);
        let Ok(read) = outcome.read else {
            self.settle(outcome.tag, |w| w.read = false);
            return;
        };
        if let Some(waiting) = self.waiting.get(&outcome.tag).copied()
            && waiting.read
        {
            if read.plate.is_some() {
                let late = EntryLate {
                    entry_id: waiting.entry_id,
                    photo_id: None,
                    plate_read: read.plate.clone(),
                    plate_confidence: Some(read.confidence),
                };
                if let Err(err) = ctx.recorder().entry_late(&late, None) {
                    tracing::warn!("the late plate read of an entry was not kept: {err}");
                }
            }
            self.settle(outcome.tag, |w| w.read = false);
        }
        self.read.insert(outcome.tag, read);
        self.prune();
    }

    /// Handles whatever has arrived, without waiting.
    pub fn pump(&mut self, ctx: &LaneContext) {
        while let Ok(arrival) = self.photos.try_recv() {
            self.photo_arrived(ctx, arrival);
        }
        let reads: Vec<_> = self.read_arrivals().map(|reads| reads.try_iter().collect()).unwrap_or_default();
        for outcome in reads {
            self.read_arrived(ctx, outcome);
        }
    }

    /// True while a photo or read is under way.
    pub fn busy(&self) -> bool {
        !self.capturing.is_empty() || !self.reading.is_empty()
    }

    /// Handles arrivals until nothing is under way or `timeout` passes (for the command line,
    /// tests and benches; a lane worker uses the receivers instead). True when all settled.
    pub fn settle_all(&mut self, ctx: &LaneContext, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.pump(ctx);
            if !self.busy() {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            let wait = left.min(Duration::from_millis(5));
            crossbeam_channel::select! {
                recv(self.photos) -> arrival => if let Ok(arrival) = arrival { self.photo_arrived(ctx, arrival); },
                default(wait) => {}
            }
        }
    }

    fn settle(&mut self, presence: PresenceNo, change: impl FnOnce(&mut Waiting)) {
        if let Some(waiting) = self.waiting.get_mut(&presence) {
            change(waiting);
            if !waiting.photo && !waiting.read {
                self.waiting.remove(&presence);
            }
        }
    }
}

/// The plate columns of a new entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryPlates {
    /// The confirmed plate.
    pub plate: Option<String>,
    /// Where it came from.
    pub plate_source: PlateSource,
    /// The reader's plate, if it read one in time.
    pub plate_read: Option<String>,
    /// Its confidence.
    pub plate_confidence: Option<f32>,
}

/// Decides an entry's plate. `chosen` is true when a person chose `plate` (the guard's field, a
/// member's registered plate); the ticket button chooses nothing, so a read confident enough
/// is the plate. A chosen plate equal to the read counts as the reader's.
pub fn entry_plates(
    plate: Option<String>,
    chosen: bool,
    read: Option<&PlateRead>,
    config: &PlateConfig,
) -> EntryPlates {
    let read_plate = read.and_then(|read| read.plate.clone());
    let confidence = read.filter(|read| read.plate.is_some()).map(|read| read.confidence);
    let (plate, plate_source) = match (chosen, plate) {
        (true, Some(plate)) if read_plate.as_deref() == Some(plate.as_str()) => {
            (Some(plate), PlateSource::Anpr)
        }
        (true, Some(plate)) => (Some(plate), PlateSource::Typed),
        (true, None) => (None, PlateSource::None),
        (false, _) => match (&read_plate, confidence) {
            (Some(read), Some(confidence)) if confidence >= config.min_confidence => {
                (Some(read.clone()), PlateSource::Anpr)
            }
            _ => (None, PlateSource::None),
        },
    };
    EntryPlates { plate, plate_source, plate_read: read_plate, plate_confidence: confidence }
}
