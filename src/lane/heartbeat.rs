//! The booth heartbeat: every 30 s, and at once when the operator or the simulation changes,
//! a booth writes its report of itself (mode, operator, journal backlog, device faults,
//! version) to the database for the admin's dashboard.
//!
//! The runtime keeps a shared [`HeartbeatState`] current; a named thread turns it into a
//! [`BoothStatus`] and saves it. A write that fails is only logged at debug level: a booth
//! that cannot reach the database stops reporting, and the ageing `seen_at` is exactly what
//! tells the admin so.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::clock::Clock;
use crate::devices::{DeviceStatus, LinkState};
use crate::journal::Journal;
use crate::store::{BoothStatus, Store, StoreResult};

/// How often a booth reports while nothing changes.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(30);

/// What the booth is doing, as the runtime last told it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoothReport {
    /// `entry`, `exit` or `admin`.
    pub mode: String,
    /// Username of the operator logged in, if any.
    pub operator: Option<String>,
    /// Devices are simulated.
    pub simulated: bool,
    /// Devices in fault, as `device: reason` lines (see [`device_faults`]).
    pub faults: Vec<String>,
}

/// The devices in fault, as `device: reason` lines: a lost link or a reported fault. A
/// device still connecting or only warning (paper low) keeps working and is left out.
pub fn device_faults(statuses: &[DeviceStatus]) -> Vec<String> {
    statuses
        .iter()
        .filter(|status| matches!(status.state, LinkState::Disconnected | LinkState::Fault))
        .map(|status| {
            let reason = status.last_error.clone().unwrap_or_else(|| match status.state {
                LinkState::Fault => "fault".to_string(),
                _ => format!("not connected ({})", status.port),
            });
            format!("{}: {reason}", status.name)
        })
        .collect()
}

/// Where and how a booth reports.
#[derive(Clone)]
pub struct HeartbeatSetup {
    /// Where the report goes.
    pub store: Arc<dyn Store>,
    /// The booth's offline journal, whose backlog is reported.
    pub journal: Journal,
    /// Time of each report.
    pub clock: Arc<dyn Clock>,
    /// Site code.
    pub site: String,
    /// Booth code.
    pub booth: String,
    /// Time between reports while nothing changes.
    pub interval: Duration,
}

impl HeartbeatSetup {
    /// The report the booth would write now.
    pub fn status(&self, report: &BoothReport) -> BoothStatus {
        BoothStatus {
            site: self.site.clone(),
            booth: self.booth.clone(),
            mode: report.mode.clone(),
            operator: report.operator.clone(),
            seen_at: self.clock.now(),
            simulated: report.simulated,
            journal_waiting: u64::try_from(self.journal.pending_count()).unwrap_or(u64::MAX),
            journal_rejected: self.journal.rejected_count(),
            faults: report.faults.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// Writes the report now.
    pub fn beat(&self, report: &BoothReport) -> StoreResult<BoothStatus> {
        let status = self.status(report);
        self.store.save_booth_status(&status)?;
        Ok(status)
    }
}

#[derive(Debug, Default)]
struct Signals {
    /// Report at once instead of waiting for the interval.
    beat_now: bool,
    /// Reports attempted so far (written or not).
    attempts: u64,
}

#[derive(Debug, Default)]
struct Shared {
    report: Mutex<BoothReport>,
    signals: Mutex<Signals>,
    changed: Condvar,
    stop: AtomicBool,
}

/// The booth's current report, shared by the runtime (which updates it) and the heartbeat
/// thread (which writes it); cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct HeartbeatState(Arc<Shared>);

impl HeartbeatState {
    /// A state holding `report`.
    pub fn new(report: BoothReport) -> Self {
        Self(Arc::new(Shared { report: Mutex::new(report), ..Shared::default() }))
    }

    /// The current report.
    pub fn report(&self) -> BoothReport {
        self.lock_report().clone()
    }

    /// A new operator logged in (or `None`: logged out); reported at once when it changed.
    pub fn set_operator(&self, username: Option<String>) {
        if self.change(|report| report.operator = username) {
            self.beat_now();
        }
    }

    /// Devices switched to or from simulation; reported at once when it changed.
    pub fn set_simulated(&self, simulated: bool) {
        if self.change(|report| report.simulated = simulated) {
            self.beat_now();
        }
    }

    /// The devices in fault now; carried by the next report.
    pub fn set_faults(&self, faults: Vec<String>) {
        self.change(|report| report.faults = faults);
    }

    /// Asks the heartbeat thread to report now.
    pub fn beat_now(&self) {
        self.lock_signals().beat_now = true;
        self.0.changed.notify_all();
    }

    /// Waits until at least `count` reports were attempted since the start, or `timeout`
    /// passed; returns the number attempted. For tests and orderly shutdowns.
    pub fn wait_for_attempts(&self, count: u64, timeout: Duration) -> u64 {
        let signals = self.lock_signals();
        let (signals, _) = self
            .0
            .changed
            .wait_timeout_while(signals, timeout, |signals| signals.attempts < count)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        signals.attempts
    }

    /// Applies `change`; true when the report differs afterwards.
    fn change(&self, change: impl FnOnce(&mut BoothReport)) -> bool {
        let mut report = self.lock_report();
        let before = report.clone();
        change(&mut report);
        *report != before
    }

    fn lock_report(&self) -> MutexGuard<'_, BoothReport> {
        self.0.report.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_signals(&self) -> MutexGuard<'_, Signals> {
        self.0.signals.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for a beat request, a stop or the interval; true unless stopping.
    fn wait(&self, interval: Duration) -> bool {
        let signals = self.lock_signals();
        let (mut signals, _) = self
            .0
            .changed
            .wait_timeout_while(signals, interval, |signals| {
                !signals.beat_now && !self.0.stop.load(Ordering::Acquire)
            })
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        signals.beat_now = false;
        !self.0.stop.load(Ordering::Acquire)
    }

    fn attempted(&self) {
        self.lock_signals().attempts += 1;
        self.0.changed.notify_all();
    }
}

/// The running heartbeat thread; dropping it stops the thread.
pub struct Heartbeat {
    state: HeartbeatState,
    handle: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Heartbeat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Heartbeat").field("state", &self.state).finish_non_exhaustive()
    }
}

impl Heartbeat {
    /// Starts reporting `state` at once and then every `setup.interval`.
    pub fn start(setup: HeartbeatSetup, state: HeartbeatState) -> std::io::Result<Heartbeat> {
        let worker = state.clone();
        let handle = std::thread::Builder::new().name("heartbeat".into()).spawn(move || {
            loop {
                let report = worker.report();
                if let Err(err) = setup.beat(&report) {
                    tracing::debug!(booth = setup.booth, "booth status not written: {err}");
                }
                worker.attempted();
                if !worker.wait(setup.interval) {
                    break;
                }
            }
        })?;
        Ok(Heartbeat { state, handle: Some(handle) })
    }

    /// The shared state the runtime updates.
    pub fn state(&self) -> &HeartbeatState {
        &self.state
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.state.0.stop.store(true, Ordering::Release);
        self.state.0.changed.notify_all();
        if let Some(handle) = self.handle.take()
            && handle.join().is_err()
        {
            tracing::error!("the heartbeat thread panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::clock::ManualClock;
    use crate::store::StoreError;
    use crate::store::sqlite::SqliteStore;
    use crate::store::switch::SwitchableStore;

    const LONG: Duration = Duration::from_secs(3_600);
    const DEADLINE: Duration = Duration::from_secs(10);

    fn setup(store: Arc<dyn Store>, dir: &std::path::Path) -> (HeartbeatSetup, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2024, 3, 1, 8, 0, 0).single().unwrap_or_default(),
        ));
        let setup = HeartbeatSetup {
            store,
            journal: Journal::new(dir.join("offline_data"), dir.join("Images"), "IN1"),
            clock: clock.clone(),
            site: "JKT-MALL-01".to_string(),
            booth: "IN1".to_string(),
            interval: LONG,
        };
        (setup, clock)
    }

    fn entry_report() -> BoothReport {
        BoothReport { mode: "entry".to_string(), ..BoothReport::default() }
    }

    fn device(name: &str, state: LinkState, error: Option<&str>) -> DeviceStatus {
        DeviceStatus {
            last_error: error.map(str::to_string),
            state,
            ..DeviceStatus::connecting(name, "/dev/ttyUSB0")
        }
    }

    #[test]
    fn faults_are_lost_links_and_reported_faults() {
        let statuses = [
            device("controller", LinkState::Connected, None),
            device("barrier", LinkState::Disconnected, Some("port vanished")),
            device("reader", LinkState::Disconnected, None),
            device("printer", LinkState::Fault, Some("paper out")),
            device("camera", LinkState::Fault, None),
            device("scanner", LinkState::Connecting, None),
        ];
        assert_eq!(
            device_faults(&statuses),
            vec![
                "barrier: port vanished",
                "reader: not connected (/dev/ttyUSB0)",
                "printer: paper out",
                "camera: fault",
            ]
        );
    }

    #[test]
    fn a_beat_reports_the_journal_backlog_and_the_clock() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
        let (setup, clock) = setup(store.clone(), dir.path());
        let journal_dir = dir.path().join("offline_data");
        std::fs::create_dir_all(journal_dir.join("rejected")).unwrap();
        for name in ["parking_entry_20240301_080000_a.json", "parking_exit_20240301_080100_b.json"] {
            std::fs::write(journal_dir.join(name), "{}").unwrap();
        }
        std::fs::write(journal_dir.join("rejected/parking_entry_x.json"), "{").unwrap();
        std::fs::write(journal_dir.join("rejected/parking_entry_x.json.reason.txt"), "bad").unwrap();
        let report = BoothReport {
            operator: Some("siti".to_string()),
            faults: vec!["printer: paper out".to_string()],
            ..entry_report()
        };
        clock.advance(chrono::Duration::seconds(42));
        let written = setup.beat(&report).unwrap();
        assert_eq!(
            written,
            BoothStatus {
                site: "JKT-MALL-01".to_string(),
                booth: "IN1".to_string(),
                mode: "entry".to_string(),
                operator: Some("siti".to_string()),
                seen_at: Utc.with_ymd_and_hms(2024, 3, 1, 8, 0, 42).single().unwrap_or_default(),
                simulated: false,
                journal_waiting: 2,
                journal_rejected: 1,
                faults: vec!["printer: paper out".to_string()],
                version: env!("CARGO_PKG_VERSION").to_string(),
            }
        );
        assert_eq!(store.booth_statuses("JKT-MALL-01").unwrap(), vec![written]);
    }

    #[test]
    fn the_thread_reports_at_start_and_at_once_when_the_operator_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
        let (setup, clock) = setup(store.clone(), dir.path());
        let state = HeartbeatState::new(entry_report());
        let heartbeat = Heartbeat::start(setup, state.clone()).unwrap();
        assert_eq!(state.wait_for_attempts(1, DEADLINE), 1);
        let stored = |store: &Arc<dyn Store>| store.booth_statuses("JKT-MALL-01").unwrap();
        assert_eq!(stored(&store)[0].operator, None);

        clock.advance(chrono::Duration::seconds(5));
        state.set_operator(Some("siti".to_string()));
        assert_eq!(state.wait_for_attempts(2, DEADLINE), 2);
        let now = stored(&store);
        assert_eq!(now[0].operator.as_deref(), Some("siti"));
        assert_eq!(now[0].seen_at, clock.now());

        // The same operator again is no change: no extra report. Faults ride on the next one.
        state.set_operator(Some("siti".to_string()));
        state.set_faults(vec!["camera: timeout".to_string()]);
        state.set_simulated(true);
        assert_eq!(state.wait_for_attempts(3, DEADLINE), 3);
        let now = stored(&store);
        assert!(now[0].simulated);
        assert_eq!(now[0].faults, vec!["camera: timeout".to_string()]);
        drop(heartbeat);
        assert_eq!(state.wait_for_attempts(u64::MAX, Duration::ZERO), 3);
    }

    #[test]
    fn a_failed_write_is_no_error_and_the_next_beat_gets_through() {
        let dir = tempfile::tempdir().unwrap();
        let inner: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
        let switch = Arc::new(SwitchableStore::new(inner.clone()));
        switch.set_down(true);
        let (setup, clock) = setup(switch.clone(), dir.path());
        assert!(matches!(setup.beat(&entry_report()), Err(StoreError::Unavailable(_))));
        let state = HeartbeatState::new(entry_report());
        let _heartbeat = Heartbeat::start(setup, state.clone()).unwrap();
        assert_eq!(state.wait_for_attempts(1, DEADLINE), 1);
        assert_eq!(inner.booth_statuses("JKT-MALL-01").unwrap(), vec![]);

        switch.set_down(false);
        clock.advance(chrono::Duration::seconds(30));
        state.beat_now();
        assert_eq!(state.wait_for_attempts(2, DEADLINE), 2);
        assert_eq!(inner.booth_statuses("JKT-MALL-01").unwrap()[0].seen_at, clock.now());
    }
}
