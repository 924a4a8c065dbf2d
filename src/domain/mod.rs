//! The pure core: money, plates, vehicle classes, tariff and fee, ticket codes. No I/O, no async.

pub mod calendar;
pub mod money;
pub mod plate;
pub mod tariff;
pub mod ticket;
pub mod vehicle;

pub use money::Rupiah;
pub use plate::Plate;
pub use tariff::{Fee, FeeFlags, FeeLine, MemberRule, Tariff};
pub use ticket::TicketClaims;
pub use vehicle::{ClassCode, VehicleClass};
