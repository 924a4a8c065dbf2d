//! What a PostgreSQL error means for the booth: the server is out of reach (journal the record),
//! a write's fate is unknown (journal it; the UUID makes the replay harmless), a value is taken,
//! or the database said something else.

use postgres::error::SqlState;

use crate::store::StoreError;

/// The error inside the SQL helpers: either the driver's, still to be judged, or a store answer
/// already decided (not found, refused, unreadable row).
#[derive(Debug)]
pub(super) enum Fail {
    /// From the driver.
    Pg(postgres::Error),
    /// Already a store answer.
    Store(StoreError),
}

impl From<postgres::Error> for Fail {
    fn from(err: postgres::Error) -> Self {
        Fail::Pg(err)
    }
}

impl From<StoreError> for Fail {
    fn from(err: StoreError) -> Self {
        Fail::Store(err)
    }
}

/// Shorthand for the SQL helpers' results.
pub(super) type PgResult<T> = Result<T, Fail>;

/// What kind of call failed: it decides between `Unavailable` and `OutcomeUnknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// Reads nothing back that it wrote; safe to retry.
    Read,
    /// Changes the database; its commit may have happened.
    Write,
}

/// How the connection fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Health {
    /// The connection still works (the statement failed on its own).
    Usable,
    /// The connection is gone or cannot be trusted; drop it.
    Broken,
}

/// Judges a driver error: the store error to report and whether the connection survives.
pub(super) fn judge(err: &postgres::Error, access: Access) -> (StoreError, Health) {
    if let Some(db) = err.as_db_error() {
        let code = db.code();
        let text = db_text(db);
        if code == &SqlState::QUERY_CANCELED {
            // statement_timeout: the server cancelled and rolled back, but a commit that was
            // in flight may have gone through, so a write counts as unknown.
            let message = format!("the database did not answer in time ({text})");
            return (lost(access, message), Health::Usable);
        }
        if is_unreachable(code) {
            return (lost(access, text), Health::Broken);
        }
        if code == &SqlState::UNIQUE_VIOLATION {
            return (StoreError::Duplicate(text), Health::Usable);
        }
        // CHECK, NOT NULL and foreign keys (class 23): the value breaks a rule of the schema.
        if code.code().starts_with("23") {
            return (StoreError::Refused(text), Health::Usable);
        }
        return (StoreError::Database(text), Health::Usable);
    }
    let text = driver_text(err);
    if is_programming_error(&text) {
        return (StoreError::Database(text), Health::Usable);
    }
    (lost(access, text), Health::Broken)
}

/// A lost connection or timeout: a read could not be made; a write may or may not have landed.
fn lost(access: Access, message: String) -> StoreError {
    match access {
        Access::Read => StoreError::Unavailable(message),
        Access::Write => StoreError::OutcomeUnknown(message),
    }
}

/// SQLSTATEs that mean "the server cannot serve us now": connection exceptions (08),
/// shutdowns and restarts (57P01–57P04), resource exhaustion (53), authentication (28),
/// a missing database (3D000), a read-only standby (25006) and deadlock/serialisation
/// failures (40), which a later replay simply retries.
fn is_unreachable(code: &SqlState) -> bool {
    let class = &code.code()[..2];
    matches!(class, "08" | "53" | "28" | "40")
        || [
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
            SqlState::DATABASE_DROPPED,
            SqlState::INVALID_CATALOG_NAME,
            SqlState::READ_ONLY_SQL_TRANSACTION,
        ]
        .contains(code)
}

/// Driver errors that are our own mistakes (a parameter or column of the wrong type), not the
/// network's: they would fail again on any connection.
fn is_programming_error(text: &str) -> bool {
    [
        "error serializing parameter",
        "error deserializing column",
        "invalid column",
        "query returned an unexpected number",
        "expected ",
    ]
    .iter()
    .any(|prefix| text.starts_with(prefix))
}

/// The server's own words: severity, message and detail.
pub(super) fn db_text(db: &postgres::error::DbError) -> String {
    match db.detail() {
        Some(detail) => format!("{}: {} ({detail})", db.severity(), db.message()),
        None => format!("{}: {}", db.severity(), db.message()),
    }
}

/// A driver error with its cause (the driver's own text is terse: "error connecting to server").
/// Connection errors never carry the connection string, so no password can leak here.
fn driver_text(err: &postgres::Error) -> String {
    match std::error::Error::source(err) {
        Some(source) => format!("{err}: {source}"),
        None => err.to_string(),
    }
}

/// The constraint a unique violation broke, if the error is one.
pub(super) fn violated_constraint(err: &postgres::Error) -> Option<&str> {
    let db = err.as_db_error()?;
    (db.code() == &SqlState::UNIQUE_VIOLATION).then(|| db.constraint()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shutdowns_and_connection_classes_are_unreachable() {
        for code in [
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CONNECTION_FAILURE,
            SqlState::TOO_MANY_CONNECTIONS,
            SqlState::INVALID_PASSWORD,
            SqlState::T_R_DEADLOCK_DETECTED,
        ] {
            assert!(is_unreachable(&code), "{code:?}");
        }
        for code in [SqlState::UNIQUE_VIOLATION, SqlState::CHECK_VIOLATION, SqlState::SYNTAX_ERROR] {
            assert!(!is_unreachable(&code), "{code:?}");
        }
    }

    #[test]
    fn type_mistakes_are_not_outages() {
        assert!(is_programming_error("error serializing parameter 3: bad"));
        assert!(is_programming_error("error deserializing column 0: bad"));
        assert!(!is_programming_error("error connecting to server: Connection refused"));
        assert!(!is_programming_error("connection closed"));
        assert!(!is_programming_error("timeout waiting for server"));
    }
}
