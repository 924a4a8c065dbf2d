//! Helpers shared by integration tests: fixed-time fixtures, the store behaviour suite and a
//! throwaway PostgreSQL server.

// Each test crate compiles this module on its own and uses a different part of it.
#![allow(dead_code)]

pub mod fixtures;
pub mod pg;
pub mod store_suite;
