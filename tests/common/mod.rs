//! Helpers shared by integration tests: fixed-time fixtures and the store behaviour suite.

// Each test crate compiles this module on its own and uses a different part of it.
#![allow(dead_code)]

pub mod fixtures;
pub mod store_suite;
