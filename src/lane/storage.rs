//! The data folder's disk-space watch: below `[storage] warn_free_mb` the booth warns (banner,
//! heartbeat, dashboard), below `min_free_mb` it stops keeping photos so the records still fit.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::config::StorageConfig;
use crate::devices::camera::{Camera, Jpeg};
use crate::devices::{DeviceError, DeviceStatus};

const MB: u64 = 1024 * 1024;

/// How the disk stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskLevel {
    /// Enough space.
    Ok,
    /// Below `warn_free_mb`: warn, keep working.
    Low,
    /// Below `min_free_mb`: photos are no longer kept.
    Critical,
}

/// One look at the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskReading {
    /// Free MB on the data folder's disk.
    pub free_mb: u64,
    /// What that means.
    pub level: DiskLevel,
}

/// The level of `free_mb` under `config`.
pub fn level(free_mb: u64, config: &StorageConfig) -> DiskLevel {
    if free_mb < config.min_free_mb {
        DiskLevel::Critical
    } else if free_mb < config.warn_free_mb {
        DiskLevel::Low
    } else {
        DiskLevel::Ok
    }
}

impl DiskReading {
    /// The heartbeat's fault line, when the disk is low.
    pub fn fault(&self) -> Option<String> {
        match self.level {
            DiskLevel::Ok => None,
            DiskLevel::Low => {
                Some(format!("disk: {} MB free, make room on the data folder's disk", self.free_mb))
            }
            DiskLevel::Critical => {
                Some(format!("disk: {} MB free, photos are no longer kept: make room now", self.free_mb))
            }
        }
    }
}

/// The latest reading, shared by the watch, the camera wrapper, the banner and the heartbeat.
#[derive(Debug, Clone, Default)]
pub struct DiskState(Arc<Mutex<Option<DiskReading>>>);

impl DiskState {
    /// The latest reading (none before the first look, or when the disk cannot be asked).
    pub fn reading(&self) -> Option<DiskReading> {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores a reading; true when the level changed.
    pub fn set(&self, reading: Option<DiskReading>) -> bool {
        let mut current = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let changed = current.map(|r| r.level) != reading.map(|r| r.level);
        *current = reading;
        changed
    }

    /// True while photos must not be kept.
    pub fn critical(&self) -> bool {
        self.reading().is_some_and(|r| r.level == DiskLevel::Critical)
    }

    /// Wraps a lane's camera: while the disk is critical a capture is refused at once, so the
    /// lane goes on without a photo (as with a broken camera) and the record still fits.
    pub fn keep_photos(&self, camera: Arc<dyn Camera>) -> Arc<dyn Camera> {
        Arc::new(DiskAwareCamera { inner: camera, state: self.clone() })
    }
}

struct DiskAwareCamera {
    inner: Arc<dyn Camera>,
    state: DiskState,
}

impl Camera for DiskAwareCamera {
    fn capture(&self, timeout: Duration) -> Result<Jpeg, DeviceError> {
        if self.state.critical() {
            return Err(DeviceError::Fault {
                device: "camera".into(),
                message: "the disk is nearly full: photos are not kept until room is made".into(),
            });
        }
        self.inner.capture(timeout)
    }

    fn preview(&self) -> Option<Jpeg> {
        self.inner.preview()
    }

    fn status(&self) -> DeviceStatus {
        self.inner.status()
    }
}

/// The running watch; stopped when dropped.
pub struct DiskWatch {
    state: DiskState,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl DiskWatch {
    /// Looks at the disk of `folder` now and every `interval`; `notify` wakes the screens when
    /// the level changes.
    pub fn start(
        folder: PathBuf,
        config: StorageConfig,
        interval: Duration,
        notify: Arc<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<DiskWatch> {
        let state = DiskState::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_state, thread_stop) = (state.clone(), stop.clone());
        let thread = std::thread::Builder::new().name("disk-watch".into()).spawn(move || {
            while !thread_stop.load(Ordering::Acquire) {
                let reading = match crate::platform::disk::free_bytes(&folder) {
                    Ok(bytes) => {
                        let free_mb = bytes / MB;
                        Some(DiskReading { free_mb, level: level(free_mb, &config) })
                    }
                    Err(err) => {
                        tracing::warn!("free disk space of {} unknown: {err}", folder.display());
                        None
                    }
                };
                if thread_state.set(reading) {
                    if let Some(fault) = reading.and_then(|r| r.fault()) {
                        tracing::warn!("{fault}");
                    }
                    notify();
                }
                let next = Instant::now() + interval;
                while !thread_stop.load(Ordering::Acquire) && Instant::now() < next {
                    std::thread::sleep(Duration::from_millis(200).min(interval));
                }
            }
        })?;
        Ok(DiskWatch { state, stop, thread: Some(thread) })
    }

    /// The state the watch keeps.
    pub fn state(&self) -> &DiskState {
        &self.state
    }
}

impl Drop for DiskWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Still;

    impl Camera for Still {
        fn capture(&self, _timeout: Duration) -> Result<Jpeg, DeviceError> {
            Err(DeviceError::Timeout { device: "camera".into(), timeout_ms: 1 })
        }
        fn preview(&self) -> Option<Jpeg> {
            None
        }
        fn status(&self) -> DeviceStatus {
            DeviceStatus::connecting("camera", "test")
        }
    }

    #[test]
    fn levels_follow_the_configured_thresholds() {
        let config = StorageConfig { warn_free_mb: 2048, min_free_mb: 512 };
        let cases = [
            (10_000, DiskLevel::Ok),
            (2048, DiskLevel::Ok),
            (2047, DiskLevel::Low),
            (512, DiskLevel::Low),
            (511, DiskLevel::Critical),
            (0, DiskLevel::Critical),
        ];
        for (free_mb, expected) in cases {
            assert_eq!(level(free_mb, &config), expected, "{free_mb} MB");
        }
    }

    #[test]
    fn photos_are_refused_only_while_the_disk_is_critical() {
        let state = DiskState::default();
        let camera = state.keep_photos(Arc::new(Still));
        assert!(matches!(camera.capture(Duration::from_millis(1)), Err(DeviceError::Timeout { .. })));
        assert!(state.set(Some(DiskReading { free_mb: 100, level: DiskLevel::Critical })));
        assert!(matches!(camera.capture(Duration::from_millis(1)), Err(DeviceError::Fault { .. })));
        assert!(state.reading().and_then(|r| r.fault()).is_some_and(|f| f.contains("100 MB")));
        assert!(state.set(Some(DiskReading { free_mb: 5000, level: DiskLevel::Ok })));
        assert!(matches!(camera.capture(Duration::from_millis(1)), Err(DeviceError::Timeout { .. })));
    }
}
