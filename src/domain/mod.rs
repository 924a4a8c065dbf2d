//! The pure core: money, plates, vehicle classes, tariff and fee, ticket codes. No I/O, no async.

pub mod money;

pub use money::Rupiah;
