//! The booth's emergency watch: a named thread that learns of a declared or ended emergency
//! (PostgreSQL: `LISTEN gardu_emergency`, every booth within a second; SQLite: a poll of the
//! database), sets the booth's [`EmergencyState`] (which opens or releases its barriers) and
//! acknowledges the emergency once for this booth (audited).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;

use super::state::EmergencyState;
use crate::clock::Clock;
use crate::config::DatabaseLocation;
use crate::store::Store;

/// The PostgreSQL channel the schema's trigger announces emergencies on.
pub const CHANNEL: &str = "gardu_emergency";

/// What the watch needs.
pub struct WatchSetup {
    /// The booth's store (answers while the database is reachable).
    pub store: Arc<dyn Store>,
    /// Where the database is: a PostgreSQL server is listened to, SQLite is polled.
    pub location: DatabaseLocation,
    /// Site code.
    pub site: String,
    /// This booth's code, for its acknowledgement.
    pub booth: String,
    /// Who is logged in at the booth now, for the acknowledgement.
    pub operator: Arc<dyn Fn() -> Option<String> + Send + Sync>,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// How often the database is asked without a notification (SQLite's poll; PostgreSQL's
    /// safety net for a missed notification).
    pub poll_interval: Duration,
    /// Wakes the screens after a change.
    pub notify: Arc<dyn Fn() + Send + Sync>,
}

/// The running watch; stopped when dropped.
pub struct EmergencyWatch {
    state: EmergencyState,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EmergencyWatch {
    /// Starts the watch on `state`.
    pub fn start(setup: WatchSetup, state: EmergencyState) -> std::io::Result<EmergencyWatch> {
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_stop, thread_state) = (stop.clone(), state.clone());
        let thread = std::thread::Builder::new()
            .name("emergency-watch".into())
            .spawn(move || run(&setup, &thread_state, &thread_stop))?;
        Ok(EmergencyWatch { state, stop, thread: Some(thread) })
    }

    /// The state the watch keeps.
    pub fn state(&self) -> &EmergencyState {
        &self.state
    }
}

impl Drop for EmergencyWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Asks the database once and applies the answer. A database that does not answer changes
/// nothing: an emergency holds until it is declared ended.
pub fn check(setup: &WatchSetup, state: &EmergencyState) {
    let active = match setup.store.active_emergency(&setup.site) {
        Ok(active) => active,
        Err(err) => {
            tracing::debug!("emergency watch: the database did not answer: {err}");
            return;
        }
    };
    let fresh = active.as_ref().filter(|e| state.active().map(|known| known.id) != Some(e.id)).cloned();
    if state.set(active) {
        (setup.notify)();
    }
    if let Some(emergency) = fresh {
        tracing::warn!(reason = %emergency.reason, by = %emergency.started_by, "EMERGENCY: barriers held open");
        let operator = (setup.operator)();
        if let Err(err) = super::acknowledge(
            setup.store.as_ref(),
            &emergency,
            &setup.booth,
            operator.as_deref(),
            setup.clock.now(),
        ) {
            tracing::warn!("emergency acknowledgement not recorded: {err}");
        }
    }
}

fn run(setup: &WatchSetup, state: &EmergencyState, stop: &AtomicBool) {
    match &setup.location {
        DatabaseLocation::Postgres(url) => listen(setup, state, stop, url),
        DatabaseLocation::Sqlite(_) => poll(setup, state, stop, None),
    }
}

/// Checks every `poll_interval` until `until` (or for ever), waking every 100 ms to see `stop`.
fn poll(setup: &WatchSetup, state: &EmergencyState, stop: &AtomicBool, until: Option<Instant>) {
    while !stop.load(Ordering::Acquire) && until.is_none_or(|until| Instant::now() < until) {
        check(setup, state);
        let next = Instant::now() + setup.poll_interval;
        while !stop.load(Ordering::Acquire) && Instant::now() < next {
            std::thread::sleep(Duration::from_millis(100).min(setup.poll_interval));
        }
    }
}

fn listen(setup: &WatchSetup, state: &EmergencyState, stop: &AtomicBool, url: &str) {
    let (mut config, connector) = match crate::store::postgres::tls::configure(url) {
        Ok(pair) => pair,
        Err(err) => {
            tracing::warn!("emergency watch polls instead of listening: {err}");
            return poll(setup, state, stop, None);
        }
    };
    config.application_name("gardu-emergency").connect_timeout(Duration::from_secs(2)).keepalives(true);
    while !stop.load(Ordering::Acquire) {
        let client = connector.connect(&config).and_then(|mut client| {
            client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
            Ok(client)
        });
        let mut client = match client {
            Ok(client) => client,
            Err(_) => {
                // The server is away: poll (the booth cache answers nothing new) and retry.
                poll(setup, state, stop, Some(Instant::now() + Duration::from_secs(2)));
                continue;
            }
        };
        // Whatever changed before LISTEN took effect.
        check(setup, state);
        let mut last_check = Instant::now();
        while !stop.load(Ordering::Acquire) {
            let next = client.notifications().timeout_iter(Duration::from_millis(100)).next();
            match next {
                Ok(Some(notification)) if notification.payload() == setup.site => {
                    check(setup, state);
                    last_check = Instant::now();
                }
                Ok(Some(_)) => {}
                Ok(None) if client.is_closed() => break,
                Ok(None) if last_check.elapsed() >= setup.poll_interval => {
                    check(setup, state);
                    last_check = Instant::now();
                }
                Ok(None) => {}
                Err(_) => break,
            }
        }
    }
}
