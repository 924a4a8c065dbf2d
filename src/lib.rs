//! Gardu: operator console for staffed parking sites (entry, exit and admin booths).

pub mod auth; // operator login: argon2id hashes, lockout, audit
pub mod clock; // time as a parameter: system clock and hand-set test clock
pub mod devices; // serial readers, controllers, barrier relays, printers and cameras: real and simulated
pub mod domain; // money, plates, vehicle classes, tariff and fee, ticket codes: pure, no I/O
pub mod store; // the Store trait and its SQLite and PostgreSQL backends
