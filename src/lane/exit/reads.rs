//! The exit photo's plate read: the photo goes to the reader's thread when it is taken, and the
//! read is compared with the entry's plate when it comes back, whether the fee is still on
//! screen or already paid. Never in the scan → fee or the payment → barrier path.
//!
//! For a lost ticket there is no visit yet: the car at the barrier is photographed when the
//! cashier opens the dialog and its read plate is the first the visit is looked up by.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use uuid::Uuid;

use super::{ExitLane, PlateMismatch, Quote};
use crate::config::PlateConfig;
use crate::devices::camera::Jpeg;
use crate::plate::worker::{PlateOutcome, PlateWorker};
use crate::plate::{PlateReader, PlateSource};

/// Which exit photo a read belongs to, numbered by the lane.
pub type ExitReadNo = u64;

/// The plate read from an exit photo, compared with its entry's.
#[derive(Debug, Clone, PartialEq)]
pub struct ExitPlateRead {
    /// The entry the exit photo was taken for.
    pub entry_id: Uuid,
    /// The plate read, normalised.
    pub plate: String,
    /// Its confidence, 0–1.
    pub confidence: f32,
    /// At or above `plate.min_confidence`: compared with the entry's plate. A weaker read is
    /// only shown, never raised as a mismatch.
    pub compared: bool,
    /// The entry's plate differs (also written as a `plate_mismatch` audit line).
    pub mismatch: Option<PlateMismatch>,
}

/// The plate read from a photo of the car at the barrier, taken for a lost ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenPlate {
    /// The plate read, normalised.
    pub plate: String,
    /// Its confidence, 0–1.
    pub confidence: f32,
    /// At or above `plate.min_confidence`: the lost ticket is looked up by it first.
    pub confident: bool,
}

/// What a photo under way was taken for.
enum Pending {
    /// The exit photo of this quote (photos stripped): compared with its entry.
    Quote(Box<Quote>),
    /// The car at the barrier, for a lost ticket.
    AtTheBarrier,
}

/// The reader thread of an exit lane and the photos it is reading.
pub(super) struct ExitReads {
    worker: PlateWorker<ExitReadNo>,
    reads: Receiver<PlateOutcome<ExitReadNo>>,
    config: PlateConfig,
    pending: HashMap<ExitReadNo, Pending>,
    next: ExitReadNo,
    /// The last read of the car at the barrier, until the visit is done.
    seen: Option<SeenPlate>,
}

impl ExitReads {
    /// Starts the reader thread; `None` when plate reading is off or the thread cannot start.
    pub(super) fn start(reader: Arc<dyn PlateReader>, config: PlateConfig) -> Option<ExitReads> {
        if !config.enabled {
            return None;
        }
        match PlateWorker::start(reader) {
            Ok((worker, reads)) => {
                Some(ExitReads { worker, reads, config, pending: HashMap::new(), next: 0, seen: None })
            }
            Err(err) => {
                tracing::error!("no plate reader thread at the exit, plates are not compared: {err}");
                None
            }
        }
    }

    /// Queues the exit photo of `quote` (never waits; a busy reader skips it).
    pub(super) fn submit(&mut self, quote: &Quote) {
        let Some(photo) = &quote.exit_photo else { return };
        let mut kept = quote.clone();
        kept.entry_photo = None;
        kept.exit_photo = None;
        self.queue(photo.jpeg.clone(), Pending::Quote(Box::new(kept)));
    }

    fn queue(&mut self, jpeg: Vec<u8>, pending: Pending) {
        self.next += 1;
        if self.worker.submit(self.next, Jpeg { bytes: jpeg, width: 0, height: 0 }) {
            self.pending.insert(self.next, pending);
        }
    }
}

impl ExitLane {
    /// Reads the plates of the exit photos with `reader` as `config` says (nothing when
    /// disabled) and compares them with the entries' plates.
    pub fn with_plate_reader(mut self, reader: Arc<dyn PlateReader>, config: PlateConfig) -> Self {
        self.reads = ExitReads::start(reader, config);
        self
    }

    /// Where exit reads arrive, for a worker's `select!`; hand each to [`Self::plate_arrived`].
    /// `None` without a reader.
    pub fn plate_arrivals(&self) -> Option<Receiver<PlateOutcome<ExitReadNo>>> {
        self.reads.as_ref().map(|reads| reads.reads.clone())
    }

    /// True while an exit photo is being read.
    pub fn reading_plates(&self) -> bool {
        self.reads.as_ref().is_some_and(|reads| !reads.pending.is_empty())
    }

    /// A read arrived: compared with its entry's plate (a mismatch is audited). `None` when
    /// the reader failed or found no plate.
    /// A read of the car at the barrier is kept for the lost ticket ([`Self::seen_plate`]).
    pub fn plate_arrived(&mut self, outcome: PlateOutcome<ExitReadNo>) -> Option<ExitPlateRead> {
        let reads = self.reads.as_mut()?;
        let pending = reads.pending.remove(&outcome.tag)?;
        let read = outcome.read.ok()?;
        let plate = read.plate?;
        let compared = read.confidence >= reads.config.min_confidence;
        let quote = match pending {
            Pending::Quote(quote) => quote,
            Pending::AtTheBarrier => {
                reads.seen = Some(SeenPlate { plate, confidence: read.confidence, confident: compared });
                return None;
            }
        };
        let mismatch = if compared { self.check_plate_of(&quote, &plate, PlateSource::Anpr) } else { None };
        Some(ExitPlateRead {
            entry_id: quote.entry_id,
            plate,
            confidence: read.confidence,
            compared,
            mismatch,
        })
    }

    /// Waits up to `timeout` for the exit photos under way and compares their reads (command
    /// line, simulation, tests; a lane worker uses [`Self::plate_arrivals`] instead).
    pub fn settle_plates(&mut self, timeout: Duration) -> Vec<ExitPlateRead> {
        let deadline = Instant::now() + timeout;
        let mut done = Vec::new();
        while self.reading_plates() {
            let Some(arrivals) = self.plate_arrivals() else { break };
            let left = deadline.saturating_duration_since(Instant::now());
            match arrivals.recv_timeout(left) {
                Ok(outcome) => done.extend(self.plate_arrived(outcome)),
                Err(_) => break,
            }
        }
        done
    }

    /// Photographs the car at the barrier and sends the photo to the reader, for a lost ticket
    /// (the dialog is open: the lane waits for nothing else). The read arrives through
    /// [`Self::plate_arrivals`] and is then [`Self::seen_plate`]. Nothing without a reader.
    pub fn read_plate_at_the_barrier(&mut self) {
        let Some(reads) = self.reads.as_mut() else { return };
        reads.seen = None;
        match self.devices.camera.capture(self.ctx.camera_timeout) {
            Ok(photo) => reads.queue(photo.bytes, Pending::AtTheBarrier),
            Err(err) => tracing::warn!(
                "no photo of the car at the barrier, the lost ticket is looked up as typed: {err}"
            ),
        }
    }

    /// The plate read of the car at the barrier, while it has no visit on screen.
    pub fn seen_plate(&self) -> Option<&SeenPlate> {
        self.reads.as_ref()?.seen.as_ref()
    }

    /// Forgets the car at the barrier (its visit is done or abandoned).
    pub(super) fn forget_seen_plate(&mut self) {
        if let Some(reads) = self.reads.as_mut() {
            reads.seen = None;
        }
    }

    /// Sends the exit photo of the quote on screen to the reader, if there is one.
    pub(super) fn read_exit_photo(&mut self) {
        if let (Some(reads), super::ExitPhase::Quoted(quote)) = (self.reads.as_mut(), &self.phase) {
            reads.submit(quote);
        }
    }
}
