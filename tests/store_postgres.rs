//! The PostgreSQL store against a real server the harness starts: the shared behaviour suite,
//! plus what only a server shows (batches, outages, concurrent booths, migrations, live updates).

#[path = "store_postgres/batches.rs"]
mod batches;
mod common;
#[path = "store_postgres/live.rs"]
mod live;
#[path = "store_postgres/outages.rs"]
mod outages;
#[path = "store_postgres/upgrade.rs"]
mod upgrade;

store_suite!(|| common::pg::fresh_store());
