//! The database-connection monitor: checks the store on an interval off the UI thread and
//! publishes checking / connected (round trip) / disconnected (since, why) with the number of
//! journal records waiting. A failed write asks for an immediate re-check.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::clock::Clock;
use crate::journal::Journal;
use crate::store::Store;

/// The database as the indicator shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DbStatus {
    /// No answer yet (grey).
    Checking,
    /// Answering (green).
    Connected {
        /// Round trip of the last check.
        round_trip_ms: u64,
        /// When the last check ran.
        checked_at: DateTime<Utc>,
        /// Whether the connection is encrypted (TLS); `None` for a database file on this PC.
        encrypted: Option<bool>,
    },
    /// Not answering (red).
    Disconnected {
        /// Since when.
        since: DateTime<Utc>,
        /// The last error in plain words.
        error: String,
    },
}

/// What the indicator shows: the state and the journal records waiting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonitorSnapshot {
    /// Database state.
    pub status: DbStatus,
    /// Journal files waiting for replay.
    pub pending: usize,
}

/// Raised when the database comes back with records waiting: the sync dialog's cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferSync {
    /// Records waiting.
    pub pending: usize,
}

#[derive(Debug)]
struct Shared {
    online: AtomicBool,
    snapshot: Mutex<MonitorSnapshot>,
    wake: Mutex<bool>,
    wake_cv: Condvar,
    stop: AtomicBool,
}

/// Online/offline as the lanes see it; cheap to clone. Without a running monitor it stays
/// online, and writes that fail still go to the journal.
#[derive(Debug, Clone)]
pub struct Connectivity(Arc<Shared>);

impl Default for Connectivity {
    fn default() -> Self {
        Self(Arc::new(Shared {
            online: AtomicBool::new(true),
            snapshot: Mutex::new(MonitorSnapshot { status: DbStatus::Checking, pending: 0 }),
            wake: Mutex::new(false),
            wake_cv: Condvar::new(),
            stop: AtomicBool::new(false),
        }))
    }
}

impl Connectivity {
    /// True unless the monitor or a failed write said the database is gone.
    pub fn online(&self) -> bool {
        self.0.online.load(Ordering::Acquire)
    }

    /// A write failed for want of the database: go offline now and re-check at once.
    pub fn report_failure(&self) {
        self.0.online.store(false, Ordering::Release);
        self.request_check();
    }

    /// The database answered a check made outside the monitor (headless runs, tests).
    pub fn report_success(&self) {
        self.0.online.store(true, Ordering::Release);
    }

    /// Asks the monitor to check now (the indicator was clicked, a write failed).
    pub fn request_check(&self) {
        let mut wake = self.0.wake.lock().unwrap_or_else(|p| p.into_inner());
        *wake = true;
        self.0.wake_cv.notify_all();
    }

    /// The indicator's current state.
    pub fn snapshot(&self) -> MonitorSnapshot {
        self.0.snapshot.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn publish(&self, snapshot: MonitorSnapshot) {
        *self.0.snapshot.lock().unwrap_or_else(|p| p.into_inner()) = snapshot;
    }

    /// Waits up to `timeout` for a check request or shutdown; true when asked to check.
    fn wait(&self, timeout: Duration) -> bool {
        let guard = self.0.wake.lock().unwrap_or_else(|p| p.into_inner());
        let (mut guard, _) = self
            .0
            .wake_cv
            .wait_timeout_while(guard, timeout, |woken| !*woken && !self.0.stop.load(Ordering::Acquire))
            .unwrap_or_else(|p| p.into_inner());
        std::mem::replace(&mut *guard, false)
    }
}

/// The running monitor thread; dropping it stops the thread.
pub struct Monitor {
    connectivity: Connectivity,
    handle: Option<JoinHandle<()>>,
}

impl Monitor {
    /// Starts checking `store` every `interval`. `notify` is called after each change (the
    /// console passes a repaint request). Returns the monitor and the offer-sync events.
    pub fn start(
        store: Arc<dyn Store>,
        journal: Journal,
        clock: Arc<dyn Clock>,
        connectivity: Connectivity,
        interval: Duration,
        notify: Arc<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<(Monitor, Receiver<OfferSync>)> {
        let (offers, offers_rx) = sync_channel(4);
        let worker = connectivity.clone();
        let handle = std::thread::Builder::new().name("db-monitor".into()).spawn(move || {
            run(store.as_ref(), &journal, clock.as_ref(), &worker, interval, notify.as_ref(), &offers)
        })?;
        Ok((Monitor { connectivity, handle: Some(handle) }, offers_rx))
    }

    /// The shared connectivity the lanes use.
    pub fn connectivity(&self) -> &Connectivity {
        &self.connectivity
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.connectivity.0.stop.store(true, Ordering::Release);
        self.connectivity.request_check();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

fn run(
    store: &dyn Store,
    journal: &Journal,
    clock: &dyn Clock,
    connectivity: &Connectivity,
    interval: Duration,
    notify: &(dyn Fn() + Send + Sync),
    offers: &SyncSender<OfferSync>,
) {
    let mut previous = connectivity.snapshot();
    while !connectivity.0.stop.load(Ordering::Acquire) {
        let started = Instant::now();
        let result = store.ping();
        let pending = journal.pending_count();
        let now = clock.now();
        let status = match result {
            Ok(()) => DbStatus::Connected {
                round_trip_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                checked_at: now,
                // Asked once per connection, not on every check: it does not change meanwhile.
                encrypted: match &previous.status {
                    DbStatus::Connected { encrypted, .. } => *encrypted,
                    _ => store.encrypted().unwrap_or_else(|err| {
                        tracing::debug!("connection encryption unknown: {err}");
                        None
                    }),
                },
            },
            Err(err) => {
                let since = match &previous.status {
                    DbStatus::Disconnected { since, .. } => *since,
                    _ => now,
                };
                DbStatus::Disconnected { since, error: err.to_string() }
            }
        };
        let connected = matches!(status, DbStatus::Connected { .. });
        let came_back = connected && !matches!(previous.status, DbStatus::Connected { .. });
        connectivity.0.online.store(connected, Ordering::Release);
        let snapshot = MonitorSnapshot { status, pending };
        if came_back && pending > 0 {
            match offers.try_send(OfferSync { pending }) {
                Ok(()) | Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {}
            }
        }
        if snapshot != previous {
            if connected != matches!(previous.status, DbStatus::Connected { .. }) {
                tracing::info!(connected, pending, "database connection changed");
            }
            connectivity.publish(snapshot.clone());
            notify();
        }
        previous = snapshot;
        connectivity.wait(interval);
    }
}
