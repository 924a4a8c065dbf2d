//! An emergency declared at one place reaches two booths on one database: each holds its
//! barrier open, acknowledges once (audited), and returns to normal when it is declared ended.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use gardu::clock::{Clock, ManualClock};
use gardu::config::DatabaseLocation;
use gardu::devices::barrier::{Barrier, BarrierPosition};
use gardu::devices::{DeviceError, DeviceStatus};
use gardu::lane::emergency::state::EmergencyState;
use gardu::lane::emergency::watch::{EmergencyWatch, WatchSetup};
use gardu::lane::emergency::{self, Actor};
use gardu::store::{AuditFilter, Store};

/// A relay that remembers whether it was last told to open.
#[derive(Default)]
pub struct Relay {
    open: AtomicI32,
}

impl Barrier for Relay {
    fn open(&self) -> Result<(), DeviceError> {
        self.open.store(1, Ordering::SeqCst);
        Ok(())
    }
    fn close(&self) -> Result<(), DeviceError> {
        self.open.store(0, Ordering::SeqCst);
        Ok(())
    }
    fn position(&self) -> BarrierPosition {
        if self.open.load(Ordering::SeqCst) == 1 { BarrierPosition::Open } else { BarrierPosition::Closed }
    }
    fn status(&self) -> DeviceStatus {
        DeviceStatus::connecting("barrier", "test")
    }
}

fn wait_until(what: &str, done: impl Fn() -> bool) -> Duration {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(10), "{what} did not happen");
        std::thread::sleep(Duration::from_millis(5));
    }
    started.elapsed()
}

/// Runs the scenario with each booth on its own store from `open`; returns how long the
/// slower booth took to hold its barrier open after the declaration.
pub fn declared_ended_at_two_booths(
    site: &str,
    location: DatabaseLocation,
    open: impl Fn() -> Arc<dyn Store>,
) -> Duration {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let mut booths = Vec::new();
    for code in ["IN1", "OUT1"] {
        let state = EmergencyState::default();
        let relay = Arc::new(Relay::default());
        let lane_barrier = state.hold_open(relay.clone());
        let watch = EmergencyWatch::start(
            WatchSetup {
                store: open(),
                location: location.clone(),
                site: site.into(),
                booth: code.into(),
                operator: Arc::new(move || Some(format!("op-{code}"))),
                clock: clock.clone(),
                poll_interval: Duration::from_millis(500),
                notify: Arc::new(|| {}),
            },
            state.clone(),
        )
        .unwrap();
        booths.push((state, relay, lane_barrier, watch));
    }
    // The watches have looked once: nothing is active.
    std::thread::sleep(Duration::from_millis(50));
    assert!(booths.iter().all(|(state, ..)| !state.is_active()));

    let admin = open();
    let actor = Actor { site: site.into(), booth: "cli".into(), username: "admin".into() };
    let declared = Instant::now();
    emergency::declare(admin.as_ref(), &actor, "fire alarm", uuid::Uuid::new_v4(), clock.now()).unwrap();
    wait_until("both barriers open", || {
        booths.iter().all(|(state, relay, ..)| state.is_active() && relay.position() == BarrierPosition::Open)
    });
    let reached = declared.elapsed();
    // A lane's "close after the vehicle" is ignored while the emergency lasts.
    for (_, relay, lane_barrier, _) in &booths {
        lane_barrier.close().unwrap();
        assert_eq!(relay.position(), BarrierPosition::Open);
    }
    wait_until("both acknowledgements", || {
        emergency::status(admin.as_ref(), site).unwrap().booths.len() == 2
    });
    let status = emergency::status(admin.as_ref(), site).unwrap();
    assert!(status.active);
    assert_eq!(status.by.as_deref(), Some("admin"));
    let acks: Vec<(String, Option<String>)> =
        status.booths.iter().map(|a| (a.booth.clone(), a.username.clone())).collect();
    assert_eq!(
        acks,
        [("IN1".to_string(), Some("op-IN1".to_string())), ("OUT1".to_string(), Some("op-OUT1".to_string()))]
    );

    emergency::end(admin.as_ref(), &actor, clock.now()).unwrap();
    wait_until("both barriers back to normal", || {
        booths
            .iter()
            .all(|(state, relay, ..)| !state.is_active() && relay.position() == BarrierPosition::Closed)
    });
    let audit = admin.list_audit(&AuditFilter::default()).unwrap();
    let count = |action: &str| audit.iter().filter(|r| r.action == action).count();
    assert_eq!((count("emergency_start"), count("emergency_ack"), count("emergency_end")), (1, 2, 1));
    reached
}
