//! The barrier (boom gate) a lane opens: one trait for controller-driven, relay-driven and
//! simulated barriers.

use std::time::Duration;

use serde::Serialize;

use super::{DeviceError, DeviceStatus};

/// Where the barrier arm is. Relays cannot see the arm, so real barriers report the last
/// commanded state; the simulated one moves through every state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BarrierPosition {
    /// Down: the lane is shut.
    Closed,
    /// Going up.
    Opening,
    /// Up: a vehicle may pass.
    Open,
    /// Going down.
    Closing,
    /// Not known yet (nothing commanded since start) or a command failed half-way.
    Unknown,
}

/// A barrier a lane can open and close. Calls block until the device has the command (and has
/// acknowledged it, where the protocol acknowledges), so run them off the UI thread.
pub trait Barrier: Send + Sync {
    /// Opens the barrier. Returns once the command is written (and acknowledged if configured).
    fn open(&self) -> Result<(), DeviceError>;

    /// Closes the barrier (or releases its relay where it closes by itself).
    fn close(&self) -> Result<(), DeviceError>;

    /// Where the arm is, or was last told to be.
    fn position(&self) -> BarrierPosition;

    /// The link status of the device that drives the barrier.
    fn status(&self) -> DeviceStatus;
}

/// `gardu device test`: opens the barrier, keeps it open for `hold`, then closes it.
pub fn test_barrier(barrier: &dyn Barrier, hold: Duration) -> Result<(), DeviceError> {
    barrier.open()?;
    std::thread::sleep(hold);
    barrier.close()
}
