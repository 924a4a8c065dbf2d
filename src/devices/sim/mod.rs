//! Simulated serial-side devices over the same traits, channels and status as the real ones:
//! a barrier with travel time and a controller the trainer (or a test) drives by hand.

pub mod barrier;
pub mod controller;

pub use barrier::SimBarrier;
pub use controller::SimController;
