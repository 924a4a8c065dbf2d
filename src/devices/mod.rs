//! Devices at the booth behind small traits: real adapters and simulated ones.
