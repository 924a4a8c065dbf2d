//! What a booth knows of the site's emergency, shared by its watch, its lanes and its screens,
//! and the barrier wrapper that holds every barrier open while an emergency is active.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crate::devices::barrier::{Barrier, BarrierPosition};
use crate::devices::{DeviceError, DeviceStatus};
use crate::store::Emergency;

#[derive(Default)]
struct Shared {
    slots: Mutex<Slots>,
    barriers: Mutex<Vec<Weak<dyn Barrier>>>,
}

/// The site's emergency as the database says, and one this booth declared while cut off from
/// it (journaled). Either holds the barriers open.
#[derive(Default)]
struct Slots {
    site: Option<Emergency>,
    local: Option<Emergency>,
}

impl Slots {
    fn effective(&self) -> Option<&Emergency> {
        self.site.as_ref().or(self.local.as_ref())
    }
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
    /// The active emergency, if any: the site's, else this booth's local one.
    pub fn active(&self) -> Option<Emergency> {
        lock(&self.0.slots).effective().cloned()
    }

    /// True while an emergency holds the barriers open.
    pub fn is_active(&self) -> bool {
        lock(&self.0.slots).effective().is_some()
    }

    /// True when only this booth's local emergency holds the barriers (the site's database has
    /// not heard of it yet).
    pub fn local_only(&self) -> bool {
        let slots = lock(&self.0.slots);
        slots.site.is_none() && slots.local.is_some()
    }

    /// The emergency this booth declared while cut off from the database, if it still holds.
    pub fn local(&self) -> Option<Emergency> {
        lock(&self.0.slots).local.clone()
    }

    /// Sets the site's emergency as the database says; returns true when what holds the
    /// barriers changed. Starting one opens every barrier of the booth; ending it closes them
    /// (they return to normal) unless a local emergency still holds them.
    pub fn set(&self, emergency: Option<Emergency>) -> bool {
        self.change(|slots| slots.site = emergency)
    }

    /// Sets or clears this booth's local emergency (declared while cut off from the database).
    pub fn set_local(&self, emergency: Option<Emergency>) -> bool {
        self.change(|slots| slots.local = emergency)
    }

    fn change(&self, edit: impl FnOnce(&mut Slots)) -> bool {
        let (was, now) = {
            let mut slots = lock(&self.0.slots);
            let was = slots.effective().map(|e| e.id);
            edit(&mut slots);
            (was, slots.effective().map(|e| e.id))
        };
        let changed = was != now;
        if changed && was.is_some() != now.is_some() {
            let opening = now.is_some();
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
