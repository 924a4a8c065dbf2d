//! The embedded SQLite store (WAL, migrations from `migrations/sqlite/`).
