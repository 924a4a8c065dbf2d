//! Gardu: operator console for staffed parking sites (entry, exit and admin booths).

pub mod admin; // admin actions with roles enforced: users, tariffs, members, exports
pub mod auth; // operator login: argon2id hashes, lockout, audit
pub mod cli; // headless subcommands over the same store, domain and lane code
pub mod clock; // time as a parameter: system clock and hand-set test clock
pub mod config; // config.toml: every setting, its default, and checks that name file and key
pub mod devices; // serial readers, controllers, barrier relays, printers and cameras: real and simulated
pub mod domain; // money, plates, vehicle classes, tariff and fee, ticket codes: pure, no I/O
pub mod hq; // many sites: publications, HQ subscriptions, their health, HQ master data (PostgreSQL logical replication)
pub mod journal; // offline journal files and the replay (sync engine)
pub mod lane; // entry and exit workflows, shifts, connection monitor, traffic simulation
pub mod logging; // tracing to stderr and daily-rotated files under logs/
pub mod plate; // number plates read from photos: the reader trait and what it returns
pub mod platform; // Linux and Windows differences: durable renames, COM names, data folder, console, spooler
pub mod retention; // how long photos, journals, audit lines and visits are kept; the purges
pub mod secret; // the site key that signs ticket codes: one per site, 0600, fingerprint in the database, sealed export
pub mod site; // the site as run here: data folder, config, and how stores, journal and secret open
pub mod store; // the Store trait and its SQLite and PostgreSQL backends
pub mod ui; // the booth console: screens, dialogs, simulation panel, diagnostics
