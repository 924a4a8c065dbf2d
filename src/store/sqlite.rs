//! The embedded SQLite store (WAL, migrations from `migrations/sqlite/`).
//!
//! One writer connection and, for files, a second read-only connection: in WAL mode readers
//! never wait for the writer, so an admin's long report does not hold up a lane's insert.
//! The SQL lives in submodules that work on a plain `Connection`; this file owns opening,
//! migrating, locking and error mapping.

mod audit;
pub mod backup;
mod books;
mod booths;
mod catalog;
mod checkpoint;
mod codec;
mod emergency;
mod figures;
mod people;
mod purge;
mod shifts;
mod site_key;
mod stats;
mod visits;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use rusqlite_migration::{M, MigrationDefinitionError, Migrations};
use uuid::Uuid;

use super::{
    AuditFilter, AuditRecord, BooksRows, BoothStatus, DailyStats, DuplicateExit, Entry, EntryLate,
    EntryLookup, Exit, ExitGroup, InsertOutcome, LateRecord, Member, PageRequest, Photo, PlateStats,
    SchemaInfo, Shift, Site, Store, StoreError, StoreResult, TariffVersion, User, Visit, VisitFilter,
    VisitPage,
};
use crate::domain::{ClassCode, Rupiah, Tariff, VehicleClass};

/// How long a statement waits for another process's lock before giving up as `Unavailable`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The migrations, in order; the applied count is SQLite's `user_version`.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/sqlite/0001_initial.sql")),
        M::up(include_str!("../../migrations/sqlite/0002_search.sql")),
        M::up(include_str!("../../migrations/sqlite/0003_booth_status.sql")),
        M::up(include_str!("../../migrations/sqlite/0004_visit_facts.sql")),
        M::up(include_str!("../../migrations/sqlite/0005_audit_journal_id.sql")),
        M::up(include_str!("../../migrations/sqlite/0006_books.sql")),
        M::up(include_str!("../../migrations/sqlite/0007_site_key.sql")),
        M::up(include_str!("../../migrations/sqlite/0008_simulated_figures.sql")),
        M::up(include_str!("../../migrations/sqlite/0009_hq.sql")),
        M::up(include_str!("../../migrations/sqlite/0010_exit_days.sql")),
        M::up(include_str!("../../migrations/sqlite/0011_emergency.sql")),
        M::up(include_str!("../../migrations/sqlite/0013_plate_reads.sql")),
        M::up(include_str!("../../migrations/sqlite/0014_search_grams.sql")),
        M::up(include_str!("../../migrations/sqlite/0016_visit_days.sql")),
    ])
}

/// The tables `schema_info` counts, in schema order.
const COUNTED_TABLES: [&str; 11] = [
    "sites",
    "users",
    "vehicle_classes",
    "tariffs",
    "members",
    "entries",
    "exits",
    "photos",
    "shifts",
    "audit_log",
    "ticket_sequences",
];

/// The SQLite backend of [`Store`].
pub struct SqliteStore {
    writer: Mutex<Connection>,
    /// A separate connection for reads; `None` for in-memory databases, which one connection
    /// cannot share with another.
    reader: Option<Mutex<Connection>>,
    /// Where the file is, for messages.
    location: PathBuf,
    /// Copies the write-ahead log back into the file off the writer's commits (`None` for
    /// in-memory databases, or when the thread could not start: then the writer does it).
    _checkpoints: Option<checkpoint::Checkpointer>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("location", &self.location).finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (or creates) the database file, creating its folder and applying migrations.
    pub fn open(path: &Path) -> StoreResult<SqliteStore> {
        Self::open_checkpointing(path, checkpoint::PERIOD)
    }

    /// [`Self::open`], with the write-ahead log copied back into the file every `period` on a
    /// thread of the store's own, never inside a commit.
    pub fn open_checkpointing(path: &Path, period: Duration) -> StoreResult<SqliteStore> {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|err| {
                StoreError::Unavailable(format!(
                    "cannot create the folder {} for the database: {err}; check the database \
                     path in the configuration and the folder permissions",
                    parent.display()
                ))
            })?;
        }
        create_private(path)?;
        let mut writer = Connection::open(path).map_err(|err| open_error(path, err))?;
        // Another program creating the file at the same moment can hold the lock that turning
        // on WAL needs, without SQLite waiting for it.
        let mut attempts = 0;
        loop {
            let started = Instant::now();
            let Err(err) = configure(&writer) else { break };
            attempts += 1;
            match retry_pause(attempts, started.elapsed()) {
                Some(pause) if busy(&err) => std::thread::sleep(pause),
                _ => return Err(open_error(path, err)),
            }
        }
        apply_migrations(&mut writer, path)?;
        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .and_then(|reader| {
            reader.busy_timeout(BUSY_TIMEOUT)?;
            Ok(reader)
        })
        .map_err(|err| open_error(path, err))?;
        let checkpoints = match checkpoint::Checkpointer::start(path, period) {
            Ok(checkpoints) => {
                writer
                    .pragma_update(None, "wal_autocheckpoint", checkpoint::WRITER_COPIES_AT)
                    .map_err(|err| open_error(path, err))?;
                Some(checkpoints)
            }
            Err(err) => {
                tracing::warn!("no checkpoint thread for {}, commits copy the log: {err}", path.display());
                None
            }
        };
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            reader: Some(Mutex::new(reader)),
            location: path.to_path_buf(),
            _checkpoints: checkpoints,
        })
    }

    /// A fresh private database in memory, migrated: for tests and simulation.
    pub fn open_in_memory() -> StoreResult<SqliteStore> {
        let location = PathBuf::from(":memory:");
        let mut writer = Connection::open_in_memory().map_err(|err| open_error(&location, err))?;
        configure(&writer).map_err(|err| open_error(&location, err))?;
        apply_migrations(&mut writer, &location)?;
        Ok(SqliteStore { writer: Mutex::new(writer), reader: None, location, _checkpoints: None })
    }

    /// Brings the file's schema up to date without keeping it open; returns the version.
    pub fn migrate_only(path: &Path) -> StoreResult<i64> {
        Self::open(path)?.schema_version()
    }

    /// The number of migrations applied to this database.
    pub fn schema_version(&self) -> StoreResult<i64> {
        self.read(|conn| Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?))
    }

    /// Where the database lives (`:memory:` for an in-memory one).
    pub fn location(&self) -> &Path {
        &self.location
    }

    /// Runs `work` on the writer connection.
    fn write<T>(&self, work: impl FnOnce(&mut Connection) -> StoreResult<T>) -> StoreResult<T> {
        work(&mut lock(&self.writer))
    }

    /// Runs `work` on the read connection (the writer for in-memory databases).
    fn read<T>(&self, work: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        match &self.reader {
            Some(reader) => work(&lock(reader)),
            None => work(&lock(&self.writer)),
        }
    }
}

/// Locks a connection; a panic elsewhere cannot leave a half-done transaction behind (the
/// transaction guard rolls back on unwind), so a poisoned lock is still safe to use.
fn lock(connection: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Settings every writer connection needs before its first statement.
/// Makes a new database file readable by its owner only (it holds password hashes and plates);
/// SQLite gives its `-wal` and `-shm` files the same mode. An existing file is left as it is.
fn create_private(path: &Path) -> StoreResult<()> {
    if path.as_os_str() == ":memory:" {
        return Ok(());
    }
    match crate::secret::private_options().write(true).create_new(true).open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(StoreError::Unavailable(format!(
            "cannot create the database {}: {err}; check the folder permissions",
            path.display()
        ))),
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // The first statement that reads the file: a non-database file fails here.
    let _mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    // FULL: a commit is on the disk (WAL fsynced) before the lane hears "saved", so a power cut
    // right after a ticket or a payment never loses it. NORMAL could lose the last commits.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn apply_migrations(conn: &mut Connection, path: &Path) -> StoreResult<()> {
    match migrate_to_latest(&migrations(), conn) {
        Ok(()) => Ok(()),
        Err(rusqlite_migration::Error::RusqliteError { err, .. }) => Err(open_error(path, err)),
        Err(rusqlite_migration::Error::MigrationDefinition(
            MigrationDefinitionError::DatabaseTooFarAhead,
        )) => Err(StoreError::Migration(format!(
            "{} was written by a newer version of Gardu; update this program before using it",
            path.display()
        ))),
        Err(err) => Err(StoreError::Migration(format!("{}: {err}", path.display()))),
    }
}

/// Brings `conn`'s database to the last of `migrations`, when another program may be doing the
/// same: two programs that open a new database at once (the console and a command, two lanes)
/// both find it unmigrated. The second's first `CREATE` then fails on the tables the first has
/// just committed, or finds its read of the schema out of date (busy, without waiting). The
/// second then starts again from the version the first left.
pub fn migrate_to_latest(
    migrations: &Migrations<'_>,
    conn: &mut Connection,
) -> Result<(), rusqlite_migration::Error> {
    let version =
        |conn: &Connection| conn.pragma_query_value(None, "user_version", |row| row.get::<_, i64>(0));
    let mut attempts = 0;
    loop {
        let before = version(conn)?;
        let started = Instant::now();
        match migrations.to_latest(conn) {
            Err(err) if raced(&err) || version(conn)? != before => {
                attempts += 1;
                match retry_pause(attempts, started.elapsed()) {
                    Some(pause) => std::thread::sleep(pause),
                    None => return Err(err),
                }
            }
            done => return done,
        }
    }
}

/// Times a program tries again after losing a race with another opening the same new database.
const RACE_RETRIES: u32 = 5;

/// Whether a program that lost a race for a new database tries again, and after what pause
/// (a little longer each time, for the other program to finish). Only when the attempt failed
/// without waiting out the busy timeout: SQLite refuses at once while another program creates
/// the file, and a lock that outlasts the timeout is held for good (another program keeping
/// the file open exclusively), which the operator must hear about now, not after every retry.
fn retry_pause(attempts: u32, attempt_took: Duration) -> Option<Duration> {
    (attempts <= RACE_RETRIES && attempt_took < BUSY_TIMEOUT / 2)
        .then(|| Duration::from_millis(20 * u64::from(attempts)))
}

/// True for a migration that lost a race for the database's write lock.
fn raced(err: &rusqlite_migration::Error) -> bool {
    matches!(err, rusqlite_migration::Error::RusqliteError { err, .. } if busy(err))
}

/// True when SQLite refused because another connection held the lock.
fn busy(err: &rusqlite::Error) -> bool {
    matches!(sqlite_code(err), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

/// Explains an error met while opening `path`, with what the operator can do about it.
fn open_error(path: &Path, err: rusqlite::Error) -> StoreError {
    let shown = path.display();
    match sqlite_code(&err) {
        Some(ErrorCode::NotADatabase) => StoreError::Unavailable(format!(
            "{shown} is not a database file; check the database path in the configuration, \
             or move that file away to start a new database"
        )),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Unavailable(format!(
            "{shown} is locked by another program; close the other Gardu or database tool \
                 and start again"
        )),
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Unavailable(format!(
            "{shown} is damaged; restore it from a backup or move it away to start a new one"
        )),
        Some(
            ErrorCode::CannotOpen
            | ErrorCode::PermissionDenied
            | ErrorCode::ReadOnly
            | ErrorCode::SystemIoFailure
            | ErrorCode::DiskFull,
        ) => StoreError::Unavailable(format!(
            "cannot open {shown} ({err}); check the path, the free disk space and that this \
             user may write there"
        )),
        _ => StoreError::from(err),
    }
}

fn sqlite_code(err: &rusqlite::Error) -> Option<ErrorCode> {
    match err {
        rusqlite::Error::SqliteFailure(failure, _) => Some(failure.code),
        _ => None,
    }
}

impl From<rusqlite::Error> for StoreError {
    /// Busy, locked and I/O failures mean "cannot reach the data now" (journal the record);
    /// a unique key means the value is taken; anything else is reported as is.
    fn from(err: rusqlite::Error) -> StoreError {
        match sqlite_code(&err) {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StoreError::Unavailable(format!("the database is locked by another program ({err})"))
            }
            Some(
                ErrorCode::CannotOpen
                | ErrorCode::SystemIoFailure
                | ErrorCode::DiskFull
                | ErrorCode::ReadOnly
                | ErrorCode::PermissionDenied
                | ErrorCode::NotADatabase
                | ErrorCode::DatabaseCorrupt
                | ErrorCode::FileLockingProtocolFailed,
            ) => StoreError::Unavailable(err.to_string()),
            Some(ErrorCode::ConstraintViolation) => match &err {
                rusqlite::Error::SqliteFailure(failure, _)
                    if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                        || failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
                {
                    StoreError::Duplicate(err.to_string())
                }
                // CHECK, NOT NULL and foreign keys: the value breaks a rule of the schema.
                _ => StoreError::Refused(err.to_string()),
            },
            _ => match err {
                rusqlite::Error::FromSqlConversionFailure(column, _, why) => {
                    StoreError::Database(format!("unreadable value in the database (column {column}): {why}"))
                }
                other => StoreError::Database(other.to_string()),
            },
        }
    }
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn ping(&self) -> StoreResult<()> {
        self.read(|conn| Ok(conn.query_row("SELECT 1", [], |_| Ok(()))?))
    }

    fn schema_info(&self) -> StoreResult<SchemaInfo> {
        let version = self.schema_version()?;
        self.read(|conn| {
            let mut counts = Vec::with_capacity(COUNTED_TABLES.len());
            for table in COUNTED_TABLES {
                let count: i64 =
                    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0))?;
                counts.push((table.to_string(), count));
            }
            Ok(SchemaInfo { backend: self.backend().to_string(), version, counts })
        })
    }

    fn site(&self, code: &str) -> StoreResult<Option<Site>> {
        self.read(|conn| catalog::site(conn, code))
    }

    fn sites(&self) -> StoreResult<Vec<Site>> {
        self.read(catalog::sites)
    }

    fn followed_sites(&self) -> StoreResult<Vec<String>> {
        // Replication is PostgreSQL's: an SQLite database is never HQ.
        Ok(Vec::new())
    }

    fn save_site(&self, site: &Site) -> StoreResult<()> {
        self.write(|conn| catalog::save_site(conn, site))
    }

    fn ensure_site(&self, site: &Site) -> StoreResult<()> {
        self.write(|conn| catalog::ensure_site(conn, site))
    }

    fn vehicle_classes(&self) -> StoreResult<Vec<VehicleClass>> {
        self.read(catalog::vehicle_classes)
    }

    fn save_vehicle_class(&self, class: &VehicleClass) -> StoreResult<()> {
        self.write(|conn| catalog::save_vehicle_class(conn, class))
    }

    fn tariff_at(&self, site: &str, class: &ClassCode, at: DateTime<Utc>) -> StoreResult<Option<Tariff>> {
        self.read(|conn| catalog::tariff_at(conn, site, class, at))
    }

    fn tariff_versions(&self, site: &str) -> StoreResult<Vec<TariffVersion>> {
        self.read(|conn| catalog::tariff_versions(conn, site))
    }

    fn add_tariff_version(&self, version: &TariffVersion) -> StoreResult<()> {
        self.write(|conn| catalog::add_tariff_version(conn, version))
    }

    fn next_ticket_sequence(&self, site: &str, booth: &str, day: NaiveDate) -> StoreResult<u32> {
        self.write(|conn| catalog::next_ticket_sequence(conn, site, booth, day))
    }

    fn record_entry(&self, entry: &Entry) -> StoreResult<InsertOutcome> {
        self.write(|conn| visits::record_entry(conn, entry))
    }

    fn plate_stats(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        include_simulated: bool,
    ) -> StoreResult<PlateStats> {
        self.read(|conn| visits::plate_stats(conn, site, from, to, include_simulated))
    }

    fn complete_entry(&self, late: &EntryLate) -> StoreResult<bool> {
        self.write(|conn| visits::complete_entry(conn, late))
    }

    fn record_exit(&self, exit: &Exit) -> StoreResult<InsertOutcome> {
        self.write(|conn| visits::record_exit(conn, exit))
    }

    fn record_entries(&self, entries: &[Entry]) -> Vec<StoreResult<InsertOutcome>> {
        self.write(|conn| visits::record_entries(conn, entries))
            .unwrap_or_else(|err| entries.iter().map(|_| Err(err.clone())).collect())
    }

    fn record_exits(&self, exits: &[Exit]) -> Vec<StoreResult<InsertOutcome>> {
        self.write(|conn| visits::record_exits(conn, exits))
            .unwrap_or_else(|err| exits.iter().map(|_| Err(err.clone())).collect())
    }

    fn find_visit(&self, site: &str, lookup: &EntryLookup) -> StoreResult<Option<Visit>> {
        self.read(|conn| visits::find_visit(conn, site, lookup))
    }

    fn find_open_entry(&self, site: &str, lookup: &EntryLookup) -> StoreResult<Option<Entry>> {
        self.read(|conn| visits::find_open_entry(conn, site, lookup))
    }

    fn inside_count(&self, site: &str, include_simulated: bool) -> StoreResult<u64> {
        self.read(|conn| visits::inside_count(conn, site, include_simulated))
    }

    fn list_visits(&self, filter: &VisitFilter, page: PageRequest) -> StoreResult<VisitPage> {
        self.read(|conn| visits::list_visits(conn, filter, page))
    }

    fn orphan_exits(&self, site: &str, include_simulated: bool) -> StoreResult<Vec<Exit>> {
        self.read(|conn| visits::orphan_exits(conn, site, include_simulated))
    }

    fn daily_stats(
        &self,
        site: &str,
        day: NaiveDate,
        tz: Tz,
        include_simulated: bool,
    ) -> StoreResult<DailyStats> {
        self.read(|conn| stats::daily_stats(conn, site, day, tz, include_simulated))
    }

    fn inside_by_class(&self, site: &str, include_simulated: bool) -> StoreResult<Vec<(ClassCode, u64)>> {
        self.read(|conn| figures::inside_by_class(conn, site, include_simulated))
    }

    fn inside_at(&self, site: &str, at: DateTime<Utc>, include_simulated: bool) -> StoreResult<u64> {
        self.read(|conn| figures::inside_at(conn, site, at, include_simulated))
    }

    fn entry_count(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        include_simulated: bool,
    ) -> StoreResult<u64> {
        self.read(|conn| figures::entry_count(conn, site, from, to, include_simulated))
    }

    fn exit_groups(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        include_simulated: bool,
    ) -> StoreResult<Vec<ExitGroup>> {
        self.read(|conn| figures::exit_groups(conn, site, from, to, include_simulated))
    }

    fn save_booth_status(&self, status: &BoothStatus) -> StoreResult<()> {
        self.write(|conn| booths::save_booth_status(conn, status))
    }

    fn booth_statuses(&self, site: &str) -> StoreResult<Vec<BoothStatus>> {
        self.read(|conn| booths::booth_statuses(conn, site))
    }

    fn put_photo(&self, photo: &Photo) -> StoreResult<InsertOutcome> {
        self.write(|conn| visits::put_photo(conn, photo))
    }

    fn photo(&self, id: Uuid) -> StoreResult<Option<Photo>> {
        self.read(|conn| visits::photo(conn, id))
    }

    fn create_user(&self, user: &User) -> StoreResult<()> {
        self.write(|conn| people::create_user(conn, user))
    }

    fn update_user(&self, user: &User) -> StoreResult<()> {
        self.write(|conn| people::update_user(conn, user))
    }

    fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        self.read(|conn| people::user_by_username(conn, username))
    }

    fn list_users(&self) -> StoreResult<Vec<User>> {
        self.read(people::list_users)
    }

    fn save_member(&self, member: &Member) -> StoreResult<()> {
        self.write(|conn| people::save_member(conn, member))
    }

    fn member_by_card(&self, card_uid: &str) -> StoreResult<Option<Member>> {
        self.read(|conn| people::member_by_card(conn, card_uid))
    }

    fn list_members(&self, search: &str) -> StoreResult<Vec<Member>> {
        self.read(|conn| people::list_members(conn, search))
    }

    fn open_shift(&self, shift: &Shift) -> StoreResult<()> {
        self.write(|conn| shifts::open_shift(conn, shift))
    }

    fn close_shift(
        &self,
        id: Uuid,
        closed_at: DateTime<Utc>,
        expected: Rupiah,
        counted: Rupiah,
    ) -> StoreResult<Shift> {
        self.write(|conn| shifts::close_shift(conn, id, closed_at, expected, counted))
    }

    fn shift(&self, id: Uuid) -> StoreResult<Option<Shift>> {
        self.read(|conn| shifts::shift(conn, id))
    }

    fn open_shift_of(&self, username: &str) -> StoreResult<Option<Shift>> {
        self.read(|conn| shifts::open_shift_of(conn, username))
    }

    fn list_shifts(&self, site: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<Shift>> {
        self.read(|conn| shifts::list_shifts(conn, site, from, to))
    }

    fn shift_exits(&self, id: Uuid) -> StoreResult<Vec<Exit>> {
        self.read(|conn| visits::shift_exits(conn, id))
    }

    fn append_audit(&self, record: &AuditRecord) -> StoreResult<()> {
        self.write(|conn| audit::append_audit(conn, record))
    }

    fn append_audit_once(&self, key: Uuid, record: &AuditRecord) -> StoreResult<InsertOutcome> {
        self.write(|conn| audit::append_audit_once(conn, key, record))
    }

    fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        self.read(|conn| audit::list_audit(conn, filter))
    }

    fn insert_shift(&self, shift: &Shift) -> StoreResult<InsertOutcome> {
        self.write(|conn| {
            shifts::insert_shift(conn, shift)
                .map(|n| if n == 0 { InsertOutcome::AlreadyPresent } else { InsertOutcome::Inserted })
        })
    }

    fn record_duplicate_exit(&self, duplicate: &DuplicateExit) -> StoreResult<InsertOutcome> {
        self.write(|conn| books::record_duplicate_exit(conn, duplicate))
    }

    fn duplicate_exits(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<DuplicateExit>> {
        self.read(|conn| books::duplicate_exits(conn, site, from, to))
    }

    fn shift_duplicates(&self, shift: Uuid) -> StoreResult<Vec<DuplicateExit>> {
        self.read(|conn| books::shift_duplicates(conn, shift))
    }

    fn add_late_record(&self, record: &LateRecord) -> StoreResult<InsertOutcome> {
        self.write(|conn| books::add_late_record(conn, record))
    }

    fn late_records(&self, shift: Uuid) -> StoreResult<Vec<LateRecord>> {
        self.read(|conn| books::late_records(conn, shift))
    }

    fn books_rows(&self, site: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<BooksRows> {
        self.read(|conn| books::books_rows(conn, site, from, to))
    }

    fn start_emergency(&self, emergency: &super::Emergency) -> StoreResult<InsertOutcome> {
        self.write(|conn| emergency::start(conn, emergency))
    }

    fn end_emergency(&self, id: Uuid, at: DateTime<Utc>, by: &str) -> StoreResult<super::Emergency> {
        self.write(|conn| emergency::end(conn, id, at, by))
    }

    fn active_emergency(&self, site: &str) -> StoreResult<Option<super::Emergency>> {
        self.read(|conn| emergency::active(conn, site))
    }

    fn emergencies(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<super::Emergency>> {
        self.read(|conn| emergency::list(conn, site, from, to))
    }

    fn acknowledge_emergency(&self, ack: &super::EmergencyAck) -> StoreResult<InsertOutcome> {
        self.write(|conn| emergency::acknowledge(conn, ack))
    }

    fn emergency_acks(&self, id: Uuid) -> StoreResult<Vec<super::EmergencyAck>> {
        self.read(|conn| emergency::acks(conn, id))
    }

    fn purge(&self, plan: &crate::store::PurgePlan) -> StoreResult<crate::store::PurgeCounts> {
        self.write(|conn| purge::purge(conn, plan))
    }

    fn site_key_fingerprint(&self, site: &str) -> StoreResult<Option<String>> {
        self.read(|conn| site_key::fingerprint(conn, site))
    }

    fn claim_site_key_fingerprint(
        &self,
        site: &str,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<String> {
        self.write(|conn| site_key::claim(conn, site, fingerprint, at))
    }
}

impl SqliteStore {
    /// Keeps the server's site key fingerprint in a booth cache, replacing an older one.
    pub(crate) fn mirror_site_key_fingerprint(
        &self,
        site: &str,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write(|conn| site_key::mirror(conn, site, fingerprint, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    /// Two programs opening a new database at the same moment both migrate it; neither fails.
    #[test]
    fn programs_opening_a_new_database_at_once_all_open_it() {
        for round in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(format!("race-{round}.db"));
            let start = std::sync::Barrier::new(3);
            std::thread::scope(|scope| {
                let opens: Vec<_> = (0..3)
                    .map(|_| {
                        scope.spawn(|| {
                            start.wait();
                            SqliteStore::open(&path).map(|_| ())
                        })
                    })
                    .collect();
                for open in opens {
                    open.join().unwrap().unwrap_or_else(|err| panic!("round {round}: {err}"));
                }
            });
        }
    }

    /// A refusal at once (another program creating the file) is tried again, a little later each
    /// time; a lock that outlasted the busy timeout is reported at once, not five timeouts later.
    #[test]
    fn only_a_race_lost_without_waiting_is_tried_again() {
        let at_once = Duration::from_millis(3);
        let pauses: Vec<_> = (1..=RACE_RETRIES + 1).map(|n| retry_pause(n, at_once)).collect();
        assert!(pauses[..RACE_RETRIES as usize].windows(2).all(|w| w[0] < w[1]), "{pauses:?}");
        assert!(pauses.iter().take(RACE_RETRIES as usize).all(Option::is_some));
        assert_eq!(pauses.last(), Some(&None), "gives up after {RACE_RETRIES} tries");
        assert_eq!(retry_pause(1, BUSY_TIMEOUT), None);
        assert_eq!(retry_pause(1, BUSY_TIMEOUT + Duration::from_millis(1)), None);
    }

    /// A database made by the first release gets the search index filled for its old visits.
    #[test]
    fn upgrading_indexes_existing_entries_for_search() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrations().to_version(&mut conn, 1).unwrap();
        conn.execute_batch(
            "INSERT INTO entries (id, site_code, booth, ticket_no, ticket_code, plate, plate_key,
                 class, entry_time, origin)
             VALUES ('00000000-0000-0000-0000-000000000001', 'S', 'IN1', 'IN1-240301-0001',
                     'CODE', 'B 1234 XYZ', 'B1234XYZ', 'MBL', 0, 'online')",
        )
        .unwrap();
        migrations().to_latest(&mut conn).unwrap();
        let store = SqliteStore {
            writer: Mutex::new(conn),
            reader: None,
            location: PathBuf::from(":memory:"),
            _checkpoints: None,
        };
        let filter = VisitFilter { plate: Some("1234 XYZ".to_string()), ..VisitFilter::default() };
        let page = PageRequest { offset: 0, limit: 10 };
        assert_eq!(store.list_visits(&filter, page).unwrap().total, 1);
        assert_eq!(store.schema_version().unwrap(), 14, "every migration applied");
    }

    /// Visits written before migration 0016 are counted by a filtered list after it: the
    /// per-day groups are built from them.
    #[test]
    fn upgrading_groups_existing_visits_by_day() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrations().to_version(&mut conn, 13).unwrap();
        let hour = 3_600_000;
        conn.execute_batch(&format!(
            "INSERT INTO entries (id, site_code, booth, ticket_no, ticket_code, class, entry_time, origin)
             VALUES ('00000000-0000-0000-0000-000000000001', 'S', 'IN1', 'T1', 'C1', 'MBL', {h1}, 'online'),
                    ('00000000-0000-0000-0000-000000000002', 'S', 'IN1', 'T2', 'C2', 'MTR', {h3}, 'online'),
                    ('00000000-0000-0000-0000-000000000003', 'S', 'IN2', 'T3', 'C3', 'MBL', {h29}, 'journal');",
            h1 = hour,
            h3 = 3 * hour,
            h29 = 29 * hour
        ))
        .unwrap();
        let tariff = crate::domain::tariff::default_tariffs().remove(0);
        let fee = crate::domain::tariff::parking_fee(
            &tariff,
            DateTime::<Utc>::UNIX_EPOCH,
            DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::hours(1),
            crate::domain::FeeFlags::default(),
        );
        for (n, booth, time, method) in [(1, "OUT2", 26 * hour, "cash"), (3, "OUT1", 30 * hour, "qris")] {
            conn.execute(
                "INSERT INTO exits (id, entry_id, site_code, booth, exit_time, fee, total, method, origin)
                 VALUES (?1, ?2, 'S', ?3, ?4, ?5, ?6, ?7, 'online')",
                rusqlite::params![
                    format!("00000000-0000-0000-0000-0000000000f{n}"),
                    format!("00000000-0000-0000-0000-00000000000{n}"),
                    booth,
                    time,
                    serde_json::to_string(&fee).unwrap(),
                    fee.total.0,
                    method
                ],
            )
            .unwrap();
        }
        migrations().to_latest(&mut conn).unwrap();
        let store = SqliteStore {
            writer: Mutex::new(conn),
            reader: None,
            location: PathBuf::from(":memory:"),
            _checkpoints: None,
        };
        let total = |filter: VisitFilter| {
            let filter = VisitFilter { site: Some("S".into()), ..filter };
            store.list_visits(&filter, PageRequest { offset: 0, limit: 10 }).unwrap().total
        };
        let mbl = || Some(ClassCode::parse("MBL").unwrap());
        assert_eq!(total(VisitFilter { class: mbl(), ..VisitFilter::default() }), 2);
        assert_eq!(total(VisitFilter { booth: Some("OUT2".into()), ..VisitFilter::default() }), 1);
        assert_eq!(
            total(VisitFilter { state: Some(crate::store::VisitState::Exited), ..VisitFilter::default() }),
            2
        );
        assert_eq!(
            total(VisitFilter { state: Some(crate::store::VisitState::Inside), ..VisitFilter::default() }),
            1
        );
        assert_eq!(total(VisitFilter { offline_only: true, ..VisitFilter::default() }), 1);
        let noon = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::hours(12);
        assert_eq!(total(VisitFilter { class: mbl(), from: Some(noon), ..VisitFilter::default() }), 1);
    }

    /// Simulated records written before migration 0008 are left out of the figures after it:
    /// the rollups it extends are backfilled.
    #[test]
    fn upgrading_keeps_earlier_simulated_records_out_of_the_figures() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrations().to_version(&mut conn, 6).unwrap();
        conn.execute_batch(
            "INSERT INTO entries (id, site_code, booth, ticket_no, ticket_code, class, entry_time,
                 origin, simulated)
             VALUES ('00000000-0000-0000-0000-000000000001', 'S', 'IN1', 'T1', 'C1', 'MBL', 3600000,
                     'online', 0),
                    ('00000000-0000-0000-0000-000000000002', 'S', 'SIM1', 'T2', 'C2', 'MBL', 7200000,
                     'online', 1),
                    ('00000000-0000-0000-0000-000000000003', 'S', 'SIM1', 'T3', 'C3', 'MTR', 7300000,
                     'online', 1);",
        )
        .unwrap();
        let tariff = crate::domain::tariff::default_tariffs().remove(0);
        let (entered, left) =
            (DateTime::<Utc>::UNIX_EPOCH, DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::hours(1));
        let fee =
            crate::domain::tariff::parking_fee(&tariff, entered, left, crate::domain::FeeFlags::default());
        conn.execute(
            "INSERT INTO exits (id, entry_id, site_code, booth, exit_time, fee, total, method, origin,
                 simulated)
             VALUES ('00000000-0000-0000-0000-0000000000f2', '00000000-0000-0000-0000-000000000002',
                     'S', 'SIM2', 10800000, ?1, ?2, 'cash', 'online', 1)",
            rusqlite::params![serde_json::to_string(&fee).unwrap(), fee.total.0],
        )
        .unwrap();
        migrations().to_latest(&mut conn).unwrap();
        let store = SqliteStore {
            writer: Mutex::new(conn),
            reader: None,
            location: PathBuf::from(":memory:"),
            _checkpoints: None,
        };
        assert_eq!((store.inside_count("S", false).unwrap(), store.inside_count("S", true).unwrap()), (1, 2));
        let list = |include_simulated| {
            let filter = VisitFilter { site: Some("S".into()), include_simulated, ..VisitFilter::default() };
            let page = store.list_visits(&filter, PageRequest { offset: 0, limit: 10 }).unwrap();
            (page.rows.len(), page.total)
        };
        assert_eq!((list(false), list(true)), ((1, 1), (3, 3)));
        let (from, to) =
            (DateTime::<Utc>::UNIX_EPOCH, DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(1));
        assert_eq!(store.entry_count("S", from, to, false).unwrap(), 1);
        assert!(store.exit_groups("S", from, to, false).unwrap().is_empty());
        assert_eq!(store.exit_groups("S", from, to, true).unwrap().len(), 1);
        // Written after the upgrade, the flags are kept by the new triggers.
        store
            .write(|conn| {
                conn.execute_batch(
                    "INSERT INTO entries (id, site_code, booth, ticket_no, ticket_code, class,
                         entry_time, origin, simulated)
                     VALUES ('00000000-0000-0000-0000-000000000004', 'S', 'SIM1', 'T4', 'C4', 'MBL',
                             7400000, 'online', 1);",
                )?;
                Ok(())
            })
            .unwrap();
        assert_eq!((list(false), list(true)), ((1, 1), (4, 4)));
    }
}
