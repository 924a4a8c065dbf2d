//! The `Store` trait every database backend implements, and its errors.
//!
//! The trait is synchronous and object-safe (`Arc<dyn Store>`): every backend library we use
//! blocks (rusqlite, the `postgres` client), so lanes call it from their worker threads and
//! the UI thread never does.

pub mod cache;
pub mod emergency;
pub mod live;
pub mod model;
pub mod postgres;
pub mod purge;
pub mod sqlite;
pub mod switch;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use crate::domain::{ClassCode, Tariff, VehicleClass};
pub use cache::{BoothStore, open_booth};
pub use emergency::{Emergency, EmergencyAck};
pub use model::*;
pub use purge::{PurgeCounts, PurgePlan};

/// Why a store call failed. Callers handle each kind once: `Unavailable` and `OutcomeUnknown`
/// send the record to the offline journal; the rest are shown to the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached (server down, LAN gone, file unopenable).
    #[error("the database cannot be reached: {0}")]
    Unavailable(String),
    /// The write may or may not have committed (timeout, connection lost mid-write).
    #[error("the database did not confirm the write: {0}")]
    OutcomeUnknown(String),
    /// This ticket has already left.
    #[error("this ticket already exited at {exit_time} at booth {booth}")]
    AlreadyExited {
        /// The existing exit.
        exit_id: Uuid,
        /// When it left.
        exit_time: DateTime<Utc>,
        /// Where it left.
        booth: String,
    },
    /// A unique value is taken (username, class code).
    #[error("{0} already exists")]
    Duplicate(String),
    /// The thing asked for does not exist.
    #[error("{0} was not found")]
    NotFound(String),
    /// The request breaks a rule (e.g. deactivating the last admin).
    #[error("{0}")]
    Refused(String),
    /// Migrations could not be applied.
    #[error("the database schema could not be updated: {0}")]
    Migration(String),
    /// Anything else the database said.
    #[error("database error: {0}")]
    Database(String),
}

impl StoreError {
    /// True when the record should go to the offline journal instead.
    pub fn goes_to_journal(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::OutcomeUnknown(_))
    }
}

/// How long the database may take, from `[database]` in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// A statement that takes longer is cancelled; a write's outcome then counts as unknown.
    pub timeout: std::time::Duration,
}

impl Default for OpenOptions {
    /// The config's default `database.timeout_ms` (3 s).
    fn default() -> Self {
        Self { timeout: std::time::Duration::from_millis(3_000) }
    }
}

/// Opens the configured database, applying migrations, with the default timeout.
pub fn open(location: &crate::config::DatabaseLocation) -> StoreResult<std::sync::Arc<dyn Store>> {
    open_with(location, &OpenOptions::default())
}

/// Opens the configured database, applying migrations. PostgreSQL is connected now, so a
/// server that cannot be reached is `Unavailable` here; booths use [`cache::open_booth`].
pub fn open_with(
    location: &crate::config::DatabaseLocation,
    options: &OpenOptions,
) -> StoreResult<std::sync::Arc<dyn Store>> {
    match location {
        crate::config::DatabaseLocation::Sqlite(path) => {
            Ok(std::sync::Arc::new(sqlite::SqliteStore::open(path)?))
        }
        crate::config::DatabaseLocation::Postgres(url) => Ok(std::sync::Arc::new(
            postgres::PostgresStore::connect(&postgres::PostgresOptions::new(url.clone(), options.timeout))?,
        )),
    }
}

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything lanes, admin screens and the CLI need from the database.
pub trait Store: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// A cheap round trip to prove the database answers.
    fn ping(&self) -> StoreResult<()>;
    /// True when the last read was answered by a booth's offline copy (the booth cache) rather
    /// than by the database itself: "not found" then only means "not in the copy".
    fn offline_copy(&self) -> bool {
        false
    }
    /// Schema version and row counts.
    fn schema_info(&self) -> StoreResult<SchemaInfo>;

    // --- site, classes, tariffs -------------------------------------------------------
    /// The site with this code.
    fn site(&self, code: &str) -> StoreResult<Option<Site>>;
    /// Creates or updates a site.
    fn save_site(&self, site: &Site) -> StoreResult<()>;
    /// Every site this database holds, by code (one at a site; all of them at HQ).
    fn sites(&self) -> StoreResult<Vec<Site>>;
    /// The sites this database follows by replication (`gardu hq add-site`): empty except at HQ,
    /// which is how an admin console knows it runs on HQ's database.
    fn followed_sites(&self) -> StoreResult<Vec<String>>;
    /// Creates the site with the default classes and tariffs if it does not exist yet.
    fn ensure_site(&self, site: &Site) -> StoreResult<()>;
    /// Vehicle classes in display order.
    fn vehicle_classes(&self) -> StoreResult<Vec<VehicleClass>>;
    /// Creates or updates a vehicle class.
    fn save_vehicle_class(&self, class: &VehicleClass) -> StoreResult<()>;
    /// The tariff of a class in force at `at`.
    fn tariff_at(&self, site: &str, class: &ClassCode, at: DateTime<Utc>) -> StoreResult<Option<Tariff>>;
    /// Every tariff version of a site, newest first.
    fn tariff_versions(&self, site: &str) -> StoreResult<Vec<TariffVersion>>;
    /// Adds a tariff version (old visits keep the tariff that applied to them).
    fn add_tariff_version(&self, version: &TariffVersion) -> StoreResult<()>;

    // --- tickets, entries, exits ----------------------------------------------------------
    /// Reserves the next ticket sequence of a booth for a local day (1, 2, 3 …).
    fn next_ticket_sequence(&self, site: &str, booth: &str, day: NaiveDate) -> StoreResult<u32>;
    /// Records an entry; the same id twice is `AlreadyPresent`.
    fn record_entry(&self, entry: &Entry) -> StoreResult<InsertOutcome>;
    /// Fills an entry's photo and plate read that arrived after its ticket, each only while the
    /// entry's column is still empty (so a replay repeats harmlessly). `false` when the entry is
    /// not stored (yet).
    fn complete_entry(&self, late: &EntryLate) -> StoreResult<bool>;
    /// The plate reader's figures for entries in `[from, to)` at `site`.
    fn plate_stats(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        include_simulated: bool,
    ) -> StoreResult<PlateStats>;
    /// Records an exit; the same id twice is `AlreadyPresent`; another exit of the same entry
    /// is `StoreError::AlreadyExited`.
    fn record_exit(&self, exit: &Exit) -> StoreResult<InsertOutcome>;
    /// Records many entries at once where the backend can batch them; one outcome per entry,
    /// in order, exactly as `record_entry` would give.
    fn record_entries(&self, entries: &[Entry]) -> Vec<StoreResult<InsertOutcome>> {
        entries.iter().map(|entry| self.record_entry(entry)).collect()
    }
    /// Records many exits at once where the backend can batch them; one outcome per exit.
    fn record_exits(&self, exits: &[Exit]) -> Vec<StoreResult<InsertOutcome>> {
        exits.iter().map(|exit| self.record_exit(exit)).collect()
    }
    /// The latest visit matching `lookup` at `site` (exited or not).
    fn find_visit(&self, site: &str, lookup: &EntryLookup) -> StoreResult<Option<Visit>>;
    /// The latest entry matching `lookup` that has not exited.
    fn find_open_entry(&self, site: &str, lookup: &EntryLookup) -> StoreResult<Option<Entry>>;
    /// How many vehicles are inside now. Every figure below leaves records made by simulation
    /// out unless `include_simulated` (a simulated vehicle never fills a real car park).
    fn inside_count(&self, site: &str, include_simulated: bool) -> StoreResult<u64>;
    /// Visits matching `filter`, newest entry first (simulated ones only when the filter asks).
    fn list_visits(&self, filter: &VisitFilter, page: PageRequest) -> StoreResult<VisitPage>;
    /// Exits whose entry is not in the database (yet).
    fn orphan_exits(&self, site: &str, include_simulated: bool) -> StoreResult<Vec<Exit>>;
    /// Figures for one local day.
    fn daily_stats(
        &self,
        site: &str,
        day: NaiveDate,
        tz: Tz,
        include_simulated: bool,
    ) -> StoreResult<DailyStats>;
    /// Vehicles inside now per class, every configured class in display order (zeros included),
    /// then any other class a vehicle inside carries.
    fn inside_by_class(&self, site: &str, include_simulated: bool) -> StoreResult<Vec<(ClassCode, u64)>>;
    /// Vehicles that were inside at `at`: entered before it and not yet left at it (a vehicle
    /// leaving exactly at `at` still counts, one entering exactly at `at` does not yet).
    fn inside_at(&self, site: &str, at: DateTime<Utc>, include_simulated: bool) -> StoreResult<u64>;
    /// Entries in `[from, to)`.
    fn entry_count(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        include_simulated: bool,
    ) -> StoreResult<u64>;
    /// Exits in `[from, to)` grouped by class, method, operator and shift, sorted by those
    /// (orphans' `None` class last).
    fn exit_groups(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        include_simulated: bool,
    ) -> StoreResult<Vec<ExitGroup>>;

    // --- booths ---------------------------------------------------------------------------
    /// Stores a booth's report of itself, replacing its previous one.
    fn save_booth_status(&self, status: &BoothStatus) -> StoreResult<()>;
    /// The latest report of every booth of a site, by booth code.
    fn booth_statuses(&self, site: &str) -> StoreResult<Vec<BoothStatus>>;

    // --- photos -------------------------------------------------------------------------
    /// Stores a photo; the same id twice is `AlreadyPresent`.
    fn put_photo(&self, photo: &Photo) -> StoreResult<InsertOutcome>;
    /// A photo by id.
    fn photo(&self, id: Uuid) -> StoreResult<Option<Photo>>;

    // --- users and members --------------------------------------------------------------
    /// Creates a user; a taken username is `Duplicate`.
    fn create_user(&self, user: &User) -> StoreResult<()>;
    /// Overwrites a user's mutable fields (name, role, hash, active, attempts, lock).
    fn update_user(&self, user: &User) -> StoreResult<()>;
    /// A user by login name (case-insensitive).
    fn user_by_username(&self, username: &str) -> StoreResult<Option<User>>;
    /// All users by username.
    fn list_users(&self) -> StoreResult<Vec<User>>;
    /// Creates or updates a member card.
    fn save_member(&self, member: &Member) -> StoreResult<()>;
    /// A member by card uid.
    fn member_by_card(&self, card_uid: &str) -> StoreResult<Option<Member>>;
    /// Members whose name, plate or card contains `search` (all when empty).
    fn list_members(&self, search: &str) -> StoreResult<Vec<Member>>;

    // --- shifts -------------------------------------------------------------------------
    /// Opens a shift; refused when the user already has one open.
    fn open_shift(&self, shift: &Shift) -> StoreResult<()>;
    /// Closes a shift with the expected and counted cash.
    fn close_shift(
        &self,
        id: Uuid,
        closed_at: DateTime<Utc>,
        expected: crate::domain::Rupiah,
        counted: crate::domain::Rupiah,
    ) -> StoreResult<Shift>;
    /// Stores a shift as it was opened at a booth, without the one-open-shift check (a shift
    /// opened offline is replayed as it happened); the same id twice is `AlreadyPresent`.
    fn insert_shift(&self, shift: &Shift) -> StoreResult<InsertOutcome>;
    /// Brings a shift written offline into the database: opens it if missing, closes it if the
    /// journal says it was closed. A shift already in that state is `AlreadyPresent`.
    fn save_shift(&self, shift: &Shift) -> StoreResult<InsertOutcome> {
        let stored = self.shift(shift.id)?;
        let mut outcome = InsertOutcome::AlreadyPresent;
        if stored.is_none() {
            self.insert_shift(&Shift {
                closed_at: None,
                expected_cash: None,
                counted_cash: None,
                ..shift.clone()
            })?;
            outcome = InsertOutcome::Inserted;
        }
        let stored_closed = stored.as_ref().is_some_and(|s| s.closed_at.is_some());
        if let (Some(closed_at), false) = (shift.closed_at, stored_closed) {
            let expected = shift.expected_cash.unwrap_or(shift.opening_float);
            let counted = shift.counted_cash.unwrap_or(expected);
            self.close_shift(shift.id, closed_at, expected, counted)?;
            outcome = InsertOutcome::Inserted;
        }
        Ok(outcome)
    }
    /// A shift by id.
    fn shift(&self, id: Uuid) -> StoreResult<Option<Shift>>;
    /// The user's open shift, if any.
    fn open_shift_of(&self, username: &str) -> StoreResult<Option<Shift>>;
    /// Shifts opened in a time range, newest first.
    fn list_shifts(&self, site: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<Shift>>;
    /// Exits of a shift.
    fn shift_exits(&self, id: Uuid) -> StoreResult<Vec<Exit>>;

    // --- audit --------------------------------------------------------------------------
    /// Appends to the audit log.
    fn append_audit(&self, record: &AuditRecord) -> StoreResult<()>;
    /// Appends an audit line replayed from the offline journal record `key`: the same key a
    /// second time (a replay repeated after a crash) is `AlreadyPresent` and adds nothing.
    fn append_audit_once(&self, key: Uuid, record: &AuditRecord) -> StoreResult<InsertOutcome>;
    /// Audit records matching `filter`, newest first.
    fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>>;

    // --- books --------------------------------------------------------------------------
    /// Stores a second payment of a ticket that had already exited (found on replay); the
    /// same id twice is `AlreadyPresent`.
    fn record_duplicate_exit(&self, duplicate: &DuplicateExit) -> StoreResult<InsertOutcome>;
    /// Duplicate exits of a site with their exit time in `[from, to)`, oldest first.
    fn duplicate_exits(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<DuplicateExit>>;
    /// Duplicate exits of a shift, oldest first.
    fn shift_duplicates(&self, shift: Uuid) -> StoreResult<Vec<DuplicateExit>>;
    /// Notes a record that reached a closed shift; the same record twice is `AlreadyPresent`.
    fn add_late_record(&self, record: &LateRecord) -> StoreResult<InsertOutcome>;
    /// Late records of a shift, oldest first.
    fn late_records(&self, shift: Uuid) -> StoreResult<Vec<LateRecord>>;
    /// What the books check reads for `[from, to)` at `site` (see [`BooksRows`]).
    fn books_rows(&self, site: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<BooksRows>;

    /// Removes (or on a dry run counts) the rows a retention purge may remove, by the rule in
    /// [`purge`], in one transaction.
    fn purge(&self, plan: &PurgePlan) -> StoreResult<PurgeCounts>;

    // --- site key -----------------------------------------------------------------------
    /// The fingerprint of the site's ticket key, once a booth recorded it.
    fn site_key_fingerprint(&self, site: &str) -> StoreResult<Option<String>>;
    /// Records `fingerprint` as the site's key unless one is recorded already, and returns the
    /// one recorded: the first booth's key wins, the same answer for every booth.
    fn claim_site_key_fingerprint(
        &self,
        site: &str,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<String>;

    // --- emergency opening ------------------------------------------------------------
    /// Records a declared emergency; the same id twice is `AlreadyPresent`. An active one while
    /// the site already has an active emergency is `Refused`.
    fn start_emergency(&self, emergency: &Emergency) -> StoreResult<InsertOutcome>;
    /// Declares an emergency ended (a second end keeps the first) and returns it as stored.
    fn end_emergency(&self, id: Uuid, at: DateTime<Utc>, by: &str) -> StoreResult<Emergency>;
    /// The site's active emergency, if any.
    fn active_emergency(&self, site: &str) -> StoreResult<Option<Emergency>>;
    /// Emergencies of a site active at some time in `[from, to)`, oldest first.
    fn emergencies(&self, site: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<Emergency>>;
    /// Records a booth's acknowledgement; the same booth twice is `AlreadyPresent`.
    fn acknowledge_emergency(&self, ack: &EmergencyAck) -> StoreResult<InsertOutcome>;
    /// The acknowledgements of an emergency, by booth.
    fn emergency_acks(&self, id: Uuid) -> StoreResult<Vec<EmergencyAck>>;

    // --- transport ----------------------------------------------------------------------
    /// Whether the connection to the database server is encrypted (TLS); `None` for a local
    /// file, where nothing crosses a network.
    fn encrypted(&self) -> StoreResult<Option<bool>> {
        Ok(None)
    }
}

/// Counts per class in display order: every configured class (zeros included), then any
/// other class the counts carry, by code. Shared by the backends so they answer alike.
pub(crate) fn in_class_order(
    configured: Vec<ClassCode>,
    mut counts: std::collections::BTreeMap<ClassCode, u64>,
) -> Vec<(ClassCode, u64)> {
    let mut ordered: Vec<(ClassCode, u64)> = configured
        .into_iter()
        .map(|class| {
            let count = counts.remove(&class).unwrap_or(0);
            (class, count)
        })
        .collect();
    ordered.extend(counts);
    ordered
}

/// The order [`Store::exit_groups`] promises: class (orphans last), method, operator, shift.
pub(crate) fn sort_exit_groups(groups: &mut [ExitGroup]) {
    groups.sort_by(|a, b| {
        (a.class.is_none(), &a.class, a.method.as_str(), &a.operator, a.shift_id).cmp(&(
            b.class.is_none(),
            &b.class,
            b.method.as_str(),
            &b.operator,
            b.shift_id,
        ))
    });
}
