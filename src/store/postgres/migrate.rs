//! The schema migrations of `migrations/postgres/`, applied once per database in order and
//! recorded in `schema_migrations`. Booths that start together take turns on an advisory lock,
//! so exactly one of them applies each migration.

use super::error::{Fail, PgResult};
use super::pool::{Conn, Sql};
use crate::store::StoreError;

/// Every migration: version, name, SQL. Append only; never edit one that has shipped.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../../../migrations/postgres/0001_initial.sql")),
    (2, "search", include_str!("../../../migrations/postgres/0002_search.sql")),
    (3, "booth_status", include_str!("../../../migrations/postgres/0003_booth_status.sql")),
    (4, "visit_facts", include_str!("../../../migrations/postgres/0004_visit_facts.sql")),
    (5, "audit_journal_id", include_str!("../../../migrations/postgres/0005_audit_journal_id.sql")),
    (6, "books", include_str!("../../../migrations/postgres/0006_books.sql")),
    (7, "site_key", include_str!("../../../migrations/postgres/0007_site_key.sql")),
    (8, "simulated_figures", include_str!("../../../migrations/postgres/0008_simulated_figures.sql")),
    (9, "hq", include_str!("../../../migrations/postgres/0009_hq.sql")),
    (10, "exit_days", include_str!("../../../migrations/postgres/0010_exit_days.sql")),
    (11, "emergency", include_str!("../../../migrations/postgres/0011_emergency.sql")),
    (13, "plate_reads", include_str!("../../../migrations/postgres/0013_plate_reads.sql")),
    (14, "search_grams", include_str!("../../../migrations/postgres/0014_search_grams.sql")),
    (15, "plate_grams_by_set", include_str!("../../../migrations/postgres/0015_plate_grams_by_set.sql")),
    (16, "plate_grams_keys", include_str!("../../../migrations/postgres/0016_plate_grams_keys.sql")),
    (17, "visit_days", include_str!("../../../migrations/postgres/0017_visit_days.sql")),
    (18, "visit_days_inline", include_str!("../../../migrations/postgres/0018_visit_days_inline.sql")),
    (19, "quarter_figures", include_str!("../../../migrations/postgres/0019_quarter_figures.sql")),
    (20, "open_by_class", include_str!("../../../migrations/postgres/0020_open_by_class.sql")),
];

/// The advisory lock that serialises migrations across booths.
const MIGRATION_LOCK: i64 = 0x6761_7264_7500_0000;

/// The newest version this build knows.
pub(super) fn latest() -> i64 {
    MIGRATIONS.last().map(|(version, _, _)| *version).unwrap_or(0)
}

/// Brings the database up to date; returns the schema version.
pub(super) fn apply(conn: &mut Conn, shown: &str) -> PgResult<i64> {
    conn.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let result = apply_locked(conn, shown);
    // A lost connection releases the lock by itself, so only a live one needs the unlock.
    let unlocked = conn.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    let version = result?;
    unlocked?;
    Ok(version)
}

fn apply_locked(conn: &mut Conn, shown: &str) -> PgResult<i64> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    BIGINT PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )?;
    let applied = conn
        .query("SELECT version FROM schema_migrations ORDER BY version", &[])?
        .iter()
        .map(|row| super::codec::get::<i64>(row, 0))
        .collect::<PgResult<Vec<i64>>>()?;
    if let Some(&newest) = applied.last()
        && newest > latest()
    {
        return Err(StoreError::Migration(format!(
            "{shown} was written by a newer version of Gardu (schema {newest}, this program knows {}); \
             update this program before using it",
            latest()
        ))
        .into());
    }
    for (version, name, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        let mut tx = conn.transaction()?;
        // A migration that fills a new table from a million visits takes longer than any
        // statement of the working day: the booth's statement timeout does not apply to it.
        tx.batch("SET LOCAL statement_timeout = 0")?;
        tx.batch(sql).map_err(|fail| explain(fail, *version, name))?;
        tx.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", &[version, name])?;
        tx.commit()?;
        tracing::info!(database = shown, version, name, "database migration applied");
    }
    Ok(latest())
}

/// A migration the server refused is a schema problem, not an outage; a lost connection
/// stays an outage.
fn explain(fail: Fail, version: i64, name: &str) -> Fail {
    match fail {
        Fail::Pg(err) => match err.as_db_error() {
            Some(db) => Fail::Store(StoreError::Migration(format!(
                "migration {version} ({name}) failed: {}",
                super::error::db_text(db)
            ))),
            None => Fail::Pg(err),
        },
        other => other,
    }
}
