//! Lanes: the entry and exit workflows, shifts and the connection monitor. They drive the
//! devices, the store and the offline journal, and know nothing of egui: the console and the
//! CLI drive this same code.

pub mod books;
pub mod emergency;
pub mod entry;
pub mod exit;
pub mod heartbeat;
pub mod ledger;
pub mod monitor;
pub mod presence;
mod recorder;
mod sequence;
pub mod shift;
pub mod slips;
pub mod storage;
mod tariffs;
pub mod traffic;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use uuid::Uuid;

use crate::clock::Clock;
use crate::config::Language;
use crate::journal::Journal;
use crate::secret::SiteSecret;
use crate::store::Store;

pub use monitor::{Connectivity, DbStatus, Monitor};
pub use recorder::{Persisted, Recorder};

/// Where new ids come from, so tests are exact.
pub trait IdSource: Send + Sync {
    /// A new unique id.
    fn new_id(&self) -> Uuid;
}

/// Random version-4 ids.
#[derive(Debug, Default)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn new_id(&self) -> Uuid {
        Uuid::new_v4()
    }
}

/// Ids 1, 2, 3 … for tests.
#[derive(Debug, Default)]
pub struct SequentialIds(std::sync::atomic::AtomicU64);

impl IdSource for SequentialIds {
    fn new_id(&self) -> Uuid {
        Uuid::from_u128(u128::from(self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1))
    }
}

/// The site as a lane needs it.
#[derive(Debug, Clone)]
pub struct SiteInfo {
    /// Site code.
    pub code: String,
    /// Site name for slips.
    pub name: String,
    /// Time zone for days and printed times.
    pub tz: Tz,
    /// Vehicles that fit, if limited.
    pub capacity: Option<u32>,
    /// Extra lines under the name on slips.
    pub header_lines: Vec<String>,
    /// Lines at the bottom of slips.
    pub footer_lines: Vec<String>,
}

/// Everything both lanes share.
#[derive(Clone)]
pub struct LaneContext {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Records that could not reach the database.
    pub journal: Journal,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// New ids.
    pub ids: Arc<dyn IdSource>,
    /// Signs and verifies ticket codes.
    pub secret: SiteSecret,
    /// The site.
    pub site: SiteInfo,
    /// This booth's code.
    pub booth: String,
    /// Language of slips and messages.
    pub language: Language,
    /// Online or offline, shared with the monitor.
    pub connectivity: Connectivity,
    /// How long a photo may take.
    pub camera_timeout: Duration,
    /// What this booth did that must outlive a restart: its exits and shifts.
    pub ledger: Arc<ledger::BoothLedger>,
    /// The lane's devices are simulated: its records carry `simulated = true` and stay out of
    /// every figure.
    pub simulated: bool,
}

impl LaneContext {
    /// Writes records to the store or, when it cannot be reached, to the journal.
    pub fn recorder(&self) -> Recorder<'_> {
        Recorder::new(self)
    }
}

/// A photo from `camera`, or `None` (logged) when it fails or times out: a lane never waits
/// longer than `ctx.camera_timeout` and goes on without one.
pub(crate) fn capture_photo(
    ctx: &LaneContext,
    camera: &dyn crate::devices::camera::Camera,
    kind: crate::store::PhotoKind,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<crate::store::Photo> {
    match camera.capture(ctx.camera_timeout) {
        Ok(jpeg) => Some(crate::store::Photo { id: ctx.ids.new_id(), kind, taken_at: now, jpeg: jpeg.bytes }),
        Err(err) => {
            tracing::warn!("going on without a photo: {err}");
            None
        }
    }
}
