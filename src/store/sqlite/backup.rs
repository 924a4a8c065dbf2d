//! Online copies of an SQLite database (SQLite's backup API) and the check of such a copy
//! before it replaces a booth's database.

use std::path::Path;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::{BUSY_TIMEOUT, COUNTED_TABLES, migrations};
use crate::store::{SchemaInfo, StoreError, StoreResult};

/// Copies the database at `source` to a new file `target` while other connections keep
/// writing: the copy is taken in one step under one read transaction, so it is the database
/// exactly as it was at one commit (in WAL mode the writers do not wait for it).
pub fn copy_online(source: &Path, target: &Path) -> StoreResult<()> {
    let from = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|err| super::open_error(source, err))?;
    from.busy_timeout(BUSY_TIMEOUT)?;
    let mut to = Connection::open(target).map_err(|err| super::open_error(target, err))?;
    {
        let backup = Backup::new(&from, &mut to)?;
        loop {
            match backup.step(-1)? {
                StepResult::Done => break,
                // Another connection held a lock for longer than the busy timeout allowed.
                StepResult::Busy | StepResult::Locked => {
                    return Err(StoreError::Unavailable(format!(
                        "{} stayed locked by another program; try the backup again",
                        source.display()
                    )));
                }
                StepResult::More => continue,
                _ => continue,
            }
        }
    }
    // The copy is a plain file: no WAL beside it to carry or lose.
    to.pragma_update(None, "journal_mode", "DELETE")?;
    Ok(())
}

/// Reads a database file without changing it: `quick_check` must pass, it must be a Gardu
/// database this program can open (not from a newer version), and its row counts are returned.
pub fn inspect(path: &Path) -> StoreResult<SchemaInfo> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|err| super::open_error(path, err))?;
    let shown = path.display();
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(|err| super::open_error(path, err))?;
    if check != "ok" {
        return Err(StoreError::Refused(format!("{shown} is damaged ({check}); use another backup")));
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let known = migrations()
        .pending_migrations(&Connection::open_in_memory()?)
        .map_err(|err| StoreError::Database(err.to_string()))?;
    let known = i64::from(known);
    if version == 0 {
        return Err(StoreError::Refused(format!("{shown} is not a Gardu database")));
    }
    if version > known {
        return Err(StoreError::Refused(format!(
            "{shown} was written by a newer version of Gardu (schema {version}, this program knows \
             {known}); update this program first"
        )));
    }
    let mut counts = Vec::with_capacity(COUNTED_TABLES.len());
    for table in COUNTED_TABLES {
        let count: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0))
            .map_err(|err| StoreError::Refused(format!("{shown} is not a Gardu database ({err})")))?;
        counts.push((table.to_string(), count));
    }
    Ok(SchemaInfo { backend: "sqlite".into(), version, counts })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::sqlite::SqliteStore;

    #[test]
    fn a_copy_has_the_same_counts_and_a_damaged_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("gardu.db");
        let store = SqliteStore::open(&db).unwrap();
        let copy = dir.path().join("copy.db");
        copy_online(&db, &copy).unwrap();
        assert_eq!(inspect(&copy).unwrap().counts, store.schema_info().unwrap().counts);

        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"not a database at all, only words").unwrap();
        assert!(inspect(&junk).is_err());
        let empty = dir.path().join("empty.db");
        Connection::open(&empty).unwrap().execute_batch("CREATE TABLE t(x)").unwrap();
        assert!(matches!(inspect(&empty), Err(StoreError::Refused(_))));
    }
}
