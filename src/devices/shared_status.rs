//! A device's [`DeviceStatus`] shared between its worker, which writes it, and the screens,
//! which read it; each real change calls an optional notify hook (the console's repaint).

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};

use super::{DeviceStatus, LinkState};

/// Called after a status changes; the console passes a repaint request, devices know no UI.
pub type Notify = Arc<dyn Fn() + Send + Sync>;

/// How stale `last_seen` may get before a fresh value alone is worth a notify: a chatty
/// device must not keep the idle console repainting.
const SEEN_NOTIFY_INTERVAL_MS: i64 = 1000;

/// A cloneable handle to one device's status.
#[derive(Clone)]
pub struct SharedStatus {
    cell: Arc<Mutex<DeviceStatus>>,
    notify: Option<Notify>,
}

impl SharedStatus {
    /// A status cell starting at `initial`.
    pub fn new(initial: DeviceStatus, notify: Option<Notify>) -> Self {
        Self { cell: Arc::new(Mutex::new(initial)), notify }
    }

    /// A copy of the current status.
    pub fn get(&self) -> DeviceStatus {
        self.lock().clone()
    }

    /// Changes the status; notifies when anything but a recent `last_seen` changed.
    pub fn update(&self, change: impl FnOnce(&mut DeviceStatus)) {
        let worth_notifying = {
            let mut status = self.lock();
            let before = status.clone();
            change(&mut status);
            let seen_only = DeviceStatus { last_seen: status.last_seen, ..before.clone() } == *status;
            if seen_only {
                match (before.last_seen, status.last_seen) {
                    (Some(old), Some(new)) => new - old >= Duration::milliseconds(SEEN_NOTIFY_INTERVAL_MS),
                    (old, new) => old != new,
                }
            } else {
                true
            }
        };
        match &self.notify {
            Some(notify) if worth_notifying => notify(),
            _ => {}
        }
    }

    /// The link works: state connected, error cleared.
    pub fn set_connected(&self) {
        self.update(|status| {
            status.state = LinkState::Connected;
            status.last_error = None;
        });
    }

    /// The link is gone (or cannot be opened) for `reason`, in plain words.
    pub fn set_disconnected(&self, reason: impl Into<String>) {
        let reason = reason.into();
        self.update(|status| {
            status.state = LinkState::Disconnected;
            status.last_error = Some(reason);
        });
    }

    /// The device answered at `at`.
    pub fn set_seen(&self, at: DateTime<Utc>) {
        self.update(|status| status.last_seen = Some(at));
    }

    /// Sets or clears the warning.
    pub fn set_warning(&self, warning: Option<String>) {
        self.update(|status| status.warning = warning);
    }

    fn lock(&self) -> MutexGuard<'_, DeviceStatus> {
        // A panic while holding the lock leaves a status that is still a valid value.
        self.cell.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for SharedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedStatus")
            .field("status", &self.get())
            .field("notify", &self.notify.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn notifies_on_real_changes_only() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let status = SharedStatus::new(
            DeviceStatus::connecting("controller", "/dev/ttyUSB0"),
            Some(Arc::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            })),
        );
        status.set_connected();
        status.set_connected();
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let start = DateTime::<Utc>::UNIX_EPOCH;
        status.set_seen(start);
        status.set_seen(start + Duration::milliseconds(10));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        status.set_seen(start + Duration::milliseconds(1500));
        assert_eq!(calls.load(Ordering::SeqCst), 3);

        status.set_disconnected("unplugged");
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        let now = status.get();
        assert_eq!(now.state, LinkState::Disconnected);
        assert_eq!(now.last_error.as_deref(), Some("unplugged"));
        status.set_connected();
        assert_eq!(status.get().last_error, None);
    }
}
