//! The PostgreSQL store against a real server the harness starts: the shared behaviour suite,
//! plus what only a server shows (batches, outages, concurrent booths, migrations).

mod common;

store_suite!(|| common::pg::fresh_store());
