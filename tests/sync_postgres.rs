//! Multi-booth sites end to end against a real PostgreSQL the harness starts: a server killed
//! in the middle of traffic, a replay killed half-way, unreadable journal files, and a booth
//! started while its server is down.

#[path = "sync_postgres/books.rs"]
mod books;
#[path = "sync_postgres/booth.rs"]
mod booth;
#[path = "sync_postgres/cache.rs"]
mod cache;
mod common;
#[path = "sync_postgres/outage.rs"]
mod outage;
#[path = "sync_postgres/replay.rs"]
mod replay;
