//! A simulated barrier with travel time: closed → opening → open → closing → closed, timed by
//! its own worker thread so screens repaint when the arm arrives.

use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::devices::barrier::{Barrier, BarrierPosition};
use crate::devices::shared_status::{Notify, SharedStatus};
use crate::devices::{DeviceError, DeviceStatus};

/// Default time the simulated arm takes to go up or down, in milliseconds.
pub const DEFAULT_TRAVEL_MS: u64 = 1500;

/// How long a caller waits for the simulation thread (it answers at once).
const REPLY_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Motion {
    Open,
    Close,
}

struct MoveCommand {
    motion: Motion,
    reply: Sender<()>,
}

struct Arm {
    position: BarrierPosition,
    /// The movement under way: when it started, and when it will end.
    moving: Option<(Instant, Instant)>,
}

/// A barrier that behaves like a real one: commands return at once, the arm takes its travel
/// time. `fault(true)` simulates an unplugged barrier board. Dropping it stops its thread.
pub struct SimBarrier {
    commands: Option<Sender<MoveCommand>>,
    thread: Option<JoinHandle<()>>,
    arm: Arc<Mutex<Arm>>,
    status: SharedStatus,
    name: String,
}

impl SimBarrier {
    /// Starts a closed simulated barrier whose arm travels for `travel_ms` (0: instantly).
    pub fn start(name: &str, travel_ms: u64, notify: Option<Notify>) -> Result<Self, DeviceError> {
        let status = SharedStatus::new(DeviceStatus::connecting(name, "simulated"), notify);
        status.set_connected();
        let arm = Arc::new(Mutex::new(Arm { position: BarrierPosition::Closed, moving: None }));
        let (command_tx, command_rx) = crossbeam_channel::bounded(4);
        let worker = Worker {
            arm: Arc::clone(&arm),
            status: status.clone(),
            travel: Duration::from_millis(travel_ms),
        };
        let thread = std::thread::Builder::new()
            .name(format!("gardu-sim-{name}"))
            .spawn(move || worker.run(command_rx))
            .map_err(|error| DeviceError::Io {
                device: name.to_owned(),
                message: format!("cannot start its simulation thread: {error}"),
            })?;
        Ok(Self { commands: Some(command_tx), thread: Some(thread), arm, status, name: name.to_owned() })
    }

    /// Simulates unplugging (`true`) or plugging back (`false`) the barrier's board.
    pub fn fault(&self, unplugged: bool) {
        if unplugged {
            self.status.set_disconnected("simulated unplug: the barrier board is not connected");
        } else {
            self.status.set_connected();
        }
    }

    fn command(&self, motion: Motion) -> Result<(), DeviceError> {
        let status = self.status.get();
        if !status.connected() {
            return Err(DeviceError::NotConnected { device: self.name.clone(), port: status.port });
        }
        let timeout = || DeviceError::Timeout {
            device: self.name.clone(),
            timeout_ms: REPLY_WAIT.as_millis().try_into().unwrap_or(u64::MAX),
        };
        let commands = self.commands.as_ref().ok_or_else(timeout)?;
        let (reply_tx, reply_rx) = crossbeam_channel::bounded(1);
        commands.send_timeout(MoveCommand { motion, reply: reply_tx }, REPLY_WAIT).map_err(|_| timeout())?;
        reply_rx.recv_timeout(REPLY_WAIT).map_err(|_| timeout())
    }
}

impl Barrier for SimBarrier {
    fn open(&self) -> Result<(), DeviceError> {
        self.command(Motion::Open)
    }

    fn close(&self) -> Result<(), DeviceError> {
        self.command(Motion::Close)
    }

    fn position(&self) -> BarrierPosition {
        lock(&self.arm).position
    }

    fn status(&self) -> DeviceStatus {
        self.status.get()
    }
}

impl Drop for SimBarrier {
    fn drop(&mut self) {
        self.commands.take();
        let panicked = self.thread.take().is_some_and(|thread| thread.join().is_err());
        if panicked {
            tracing::error!(device = %self.name, "simulated barrier thread panicked");
        }
    }
}

fn lock(arm: &Mutex<Arm>) -> MutexGuard<'_, Arm> {
    arm.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Worker {
    arm: Arc<Mutex<Arm>>,
    status: SharedStatus,
    travel: Duration,
}

impl Worker {
    fn run(self, commands: Receiver<MoveCommand>) {
        loop {
            let arrival = lock(&self.arm).moving.map(|(_, ends)| ends);
            let received = match arrival {
                Some(ends) => commands.recv_timeout(ends.saturating_duration_since(Instant::now())),
                None => commands.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match received {
                Ok(command) => {
                    self.start_moving(command.motion, Instant::now());
                    let _ = command.reply.try_send(());
                }
                Err(RecvTimeoutError::Timeout) => self.arrive(),
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn start_moving(&self, motion: Motion, now: Instant) {
        let (moving, arrived) = match motion {
            Motion::Open => (BarrierPosition::Opening, BarrierPosition::Open),
            Motion::Close => (BarrierPosition::Closing, BarrierPosition::Closed),
        };
        {
            let mut arm = lock(&self.arm);
            if arm.position == arrived || arm.position == moving {
                return;
            }
            // Reversing half-way takes as long as the arm has travelled so far.
            let travel = match (arm.position, arm.moving) {
                (BarrierPosition::Opening | BarrierPosition::Closing, Some((started, _))) => {
                    now.saturating_duration_since(started).min(self.travel)
                }
                _ => self.travel,
            };
            if travel.is_zero() {
                arm.position = arrived;
                arm.moving = None;
            } else {
                arm.position = moving;
                arm.moving = Some((now, now + travel));
            }
        }
        self.status.set_seen(chrono::Utc::now());
    }

    fn arrive(&self) {
        {
            let mut arm = lock(&self.arm);
            arm.position = match arm.position {
                BarrierPosition::Opening => BarrierPosition::Open,
                BarrierPosition::Closing => BarrierPosition::Closed,
                other => other,
            };
            arm.moving = None;
        }
        // The position is not in the status, so wake the screens explicitly.
        self.status.set_seen(chrono::Utc::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait_for(barrier: &SimBarrier, position: BarrierPosition) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while barrier.position() != position {
            assert!(Instant::now() < deadline, "never reached {position:?}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn without_travel_time_the_arm_arrives_at_once() {
        let barrier = SimBarrier::start("barrier", 0, None).unwrap();
        assert_eq!(barrier.position(), BarrierPosition::Closed);
        barrier.open().unwrap();
        assert_eq!(barrier.position(), BarrierPosition::Open);
        barrier.open().unwrap();
        assert_eq!(barrier.position(), BarrierPosition::Open);
        barrier.close().unwrap();
        assert_eq!(barrier.position(), BarrierPosition::Closed);
    }

    #[test]
    fn with_travel_time_the_arm_passes_through_moving_states() {
        let barrier = SimBarrier::start("barrier", 50, None).unwrap();
        barrier.open().unwrap();
        assert_eq!(barrier.position(), BarrierPosition::Opening);
        wait_for(&barrier, BarrierPosition::Open);
        barrier.close().unwrap();
        assert_eq!(barrier.position(), BarrierPosition::Closing);
        wait_for(&barrier, BarrierPosition::Closed);
    }

    #[test]
    fn an_unplugged_barrier_refuses_commands_until_plugged_back() {
        let barrier = SimBarrier::start("barrier", 0, None).unwrap();
        barrier.fault(true);
        assert!(matches!(barrier.open(), Err(DeviceError::NotConnected { .. })));
        assert!(!barrier.status().connected());
        assert_eq!(barrier.position(), BarrierPosition::Closed);
        barrier.fault(false);
        barrier.open().unwrap();
        assert_eq!(barrier.position(), BarrierPosition::Open);
    }
}
