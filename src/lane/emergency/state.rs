//! What a booth knows of the site's emergency, shared by its watch, its lanes and its screens,
//! and the barrier wrapper that holds every barrier open while an emergency is active.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crate::devices::barrier::{Barrier, BarrierPosition};
use crate::devices::{DeviceError, DeviceStatus};
use crate::store::Emergency;

#[derive(Default)]
struct Shared {
    active: Mutex<Option<Emergency>>,
    barriers: Mutex<Vec<Weak<dyn Barrier>>>,
}

/// The booth's view of the emergency: set by the watch, read by lanes and screens.
#[derive(Clone, Default)]
pub struct EmergencyState(Arc<Shared>);

impl std::fmt::Debug for EmergencyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmergencyState").field("active", &self.active()).finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl EmergencyState {
    /// The active emergency, if any.
    pub fn active(&self) -> Option<Emergency> {
        lock(&self.0.active).clone()
    }

    /// True while an emergency holds the barriers open.
    pub fn is_active(&self) -> bool {
        lock(&self.0.active).is_some()
    }

    /// Sets the emergency; returns true when it changed. Starting one opens every barrier
    /// of the booth; ending it closes them (they return to normal).
    pub fn set(&self, emergency: Option<Emergency>) -> bool {
        let changed = {
            let mut active = lock(&self.0.active);
            let changed = active.as_ref().map(|e| e.id) != emergency.as_ref().map(|e| e.id);
            *active = emergency;
            changed
        };
        if changed {
            let opening = self.is_active();
            let barriers: Vec<Arc<dyn Barrier>> = {
                let mut list = lock(&self.0.barriers);
                list.retain(|b| b.strong_count() > 0);
                list.iter().filter_map(Weak::upgrade).collect()
            };
            for barrier in barriers {
                let done = if opening { barrier.open() } else { barrier.close() };
                if let Err(err) = done {
                    // The guard must open it by hand; the banner says so.
                    tracing::error!(
                        "emergency: the barrier did not {}: {err}",
                        if opening { "open" } else { "close" }
                    );
                }
            }
        }
        changed
    }

    /// Wraps a lane's barrier so that it stays open while an emergency is active (the lane's
    /// own "close after the vehicle passed" is then ignored) and opens at once when one starts.
    pub fn hold_open(&self, barrier: Arc<dyn Barrier>) -> Arc<dyn Barrier> {
        lock(&self.0.barriers).push(Arc::downgrade(&barrier));
        if self.is_active()
            && let Err(err) = barrier.open()
        {
            tracing::error!("emergency: the barrier did not open: {err}");
        }
        Arc::new(HoldOpen { inner: barrier, state: self.clone() })
    }
}

struct HoldOpen {
    inner: Arc<dyn Barrier>,
    state: EmergencyState,
}

impl Barrier for HoldOpen {
    fn open(&self) -> Result<(), DeviceError> {
        self.inner.open()
    }

    fn close(&self) -> Result<(), DeviceError> {
        if self.state.is_active() {
            return Ok(());
        }
        self.inner.close()
    }

    fn position(&self) -> BarrierPosition {
        self.inner.position()
    }

    fn status(&self) -> DeviceStatus {
        self.inner.status()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Origin;
    use std::sync::atomic::{AtomicI32, Ordering};

    /// Counts opens (+1) and closes (-1) and remembers the last.
    #[derive(Default)]
    struct Relay {
        opens: AtomicI32,
        closes: AtomicI32,
    }

    impl Barrier for Relay {
        fn open(&self) -> Result<(), DeviceError> {
            self.opens.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        fn close(&self) -> Result<(), DeviceError> {
            self.closes.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        fn position(&self) -> BarrierPosition {
            BarrierPosition::Unknown
        }
        fn status(&self) -> DeviceStatus {
            DeviceStatus::connecting("barrier", "test")
        }
    }

    fn emergency() -> Emergency {
        Emergency {
            id: uuid::Uuid::new_v4(),
            site: "SITE-01".into(),
            started_at: chrono::Utc::now(),
            started_by: "admin".into(),
            booth: "cli".into(),
            reason: "fire".into(),
            ended_at: None,
            ended_by: None,
            origin: Origin::Online,
        }
    }

    #[test]
    fn barriers_open_on_start_stay_open_and_close_on_end() {
        let state = EmergencyState::default();
        let relay = Arc::new(Relay::default());
        let lane_barrier = state.hold_open(relay.clone());
        lane_barrier.close().unwrap();
        assert_eq!(relay.closes.load(Ordering::SeqCst), 1, "normal: the lane closes it");

        assert!(state.set(Some(emergency())));
        assert_eq!(relay.opens.load(Ordering::SeqCst), 1);
        lane_barrier.close().unwrap();
        assert_eq!(relay.closes.load(Ordering::SeqCst), 1, "held open: the lane's close is ignored");
        let same = state.active();
        assert!(!state.set(same), "the same emergency again changes nothing");
        assert_eq!(relay.opens.load(Ordering::SeqCst), 1);

        assert!(state.set(None));
        assert_eq!(relay.closes.load(Ordering::SeqCst), 2, "ended: back to normal");
    }
}
