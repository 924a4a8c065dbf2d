//! The PostgreSQL store: one server on the site LAN shared by every booth (migrations from
//! `migrations/postgres/`, LISTEN/NOTIFY for live updates, logical replication to HQ).
//!
//! The SQL lives in submodules that work on a pooled connection; this file owns connecting,
//! migrating, retrying and turning driver errors into what a lane acts on: `Unavailable` (the
//! server cannot be reached; nothing was written) or `OutcomeUnknown` (a write whose commit was
//! not confirmed). Both send the record to the offline journal; the next call reconnects by
//! itself once the server is back.

mod batch;
mod books;
mod booths;
mod catalog;
mod codec;
mod emergency;
mod error;
mod figures;
mod migrate;
mod people;
mod pool;
mod purge;
mod reports;
mod site_key;
pub mod tls;
mod visits;

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use self::error::{Access, Fail, Health, PgResult, judge};
use self::pool::{Conn, Pool, Sql};
use super::{
    AuditFilter, AuditRecord, BooksRows, BoothStatus, DailyStats, DuplicateExit, Entry, EntryLate,
    EntryLookup, Exit, ExitGroup, InsertOutcome, LateRecord, Member, PageRequest, Photo, PlateStats,
    SchemaInfo, Shift, Site, Store, StoreError, StoreResult, TariffVersion, User, Visit, VisitFilter,
    VisitPage,
};
use crate::config::redact_url;
use crate::domain::{ClassCode, Rupiah, Tariff, VehicleClass};

/// The tables `schema_info` counts, in schema order (the same list as SQLite's).
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

/// How to reach the server and how long to wait for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// `postgres://user:password@host:port/database[?sslmode=…&sslrootcert=…]`.
    pub url: String,
    /// Longest a statement may run before the server cancels it (`database.timeout_ms`).
    pub statement_timeout: Duration,
    /// Longest a connection attempt may take: short, so an unreachable server is noticed fast.
    pub connect_timeout: Duration,
    /// After a failed connect, calls other than `ping` fail at once for this long.
    pub retry_after: Duration,
}

impl PostgresOptions {
    /// Options for `url` with the statement timeout from the config and short connect waits.
    pub fn new(url: impl Into<String>, statement_timeout: Duration) -> Self {
        Self {
            url: url.into(),
            statement_timeout,
            connect_timeout: Duration::from_secs(2),
            retry_after: Duration::from_secs(1),
        }
    }

    fn config(&self) -> StoreResult<(postgres::Config, tls::Connector)> {
        let (mut config, connector) =
            tls::configure(&self.url).map_err(|err| StoreError::Unavailable(err.to_string()))?;
        let timeout_ms = self.statement_timeout.as_millis().max(1);
        // Session settings travel in the startup packet: no extra round trip per connection.
        // A client that vanished mid-transaction must not hold row locks for long.
        config
            .options(&format!(
                "-c statement_timeout={timeout_ms} -c idle_in_transaction_session_timeout={}",
                timeout_ms.saturating_mul(4).max(10_000)
            ))
            .application_name("gardu")
            .connect_timeout(self.connect_timeout)
            // A server that vanished from the LAN (no reset sent) is noticed by these.
            .tcp_user_timeout(self.statement_timeout + self.connect_timeout)
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(10))
            .keepalives_interval(Duration::from_secs(2))
            .keepalives_retries(3);
        Ok((config, connector))
    }
}

/// The PostgreSQL backend of [`Store`].
pub struct PostgresStore {
    pool: Pool,
    /// The schema version, once this process has migrated the database.
    migrated: Mutex<Option<i64>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").field("url", &self.pool.shown()).finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects now and applies migrations: `Unavailable` when the server cannot be reached.
    pub fn connect(options: &PostgresOptions) -> StoreResult<PostgresStore> {
        let store = Self::lazy(options)?;
        store.ping()?;
        Ok(store)
    }

    /// A store that connects (and migrates) on its first call, so a booth can start while the
    /// server is down. Fails only for an unreadable URL.
    pub fn lazy(options: &PostgresOptions) -> StoreResult<PostgresStore> {
        let (config, connector) = options.config()?;
        Ok(PostgresStore {
            pool: Pool::new(config, connector, redact_url(&options.url), options.retry_after),
            migrated: Mutex::new(None),
        })
    }

    /// The connection string with its password hidden.
    pub fn location(&self) -> &str {
        self.pool.shown()
    }

    /// The number of the newest migration applied to this database.
    pub fn schema_version(&self) -> StoreResult<i64> {
        self.read(|conn| {
            let row = conn.query_one("SELECT coalesce(max(version), 0) FROM schema_migrations", &[])?;
            codec::get(&row, 0)
        })
    }

    /// A connection, migrated the first time this process reaches the database.
    fn checkout(&self, always_try: bool) -> StoreResult<(Conn, bool)> {
        let (mut conn, reused) = self.pool.checkout(always_try)?;
        let mut migrated = self.migrated.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if migrated.is_none() {
            match migrate::apply(&mut conn, self.pool.shown()) {
                Ok(version) => *migrated = Some(version),
                Err(Fail::Store(err)) => return Err(err),
                Err(Fail::Pg(err)) => {
                    self.pool.flush();
                    let (err, _) = judge(&err, Access::Read);
                    return Err(match err {
                        StoreError::Database(text) => StoreError::Migration(text),
                        other => other,
                    });
                }
            }
        }
        Ok((conn, reused))
    }

    /// Runs `work` on a pooled connection. A read that fails because a reused connection had
    /// died is tried once more on a fresh one; a write never is (it may have committed).
    fn run<T>(
        &self,
        access: Access,
        always_try: bool,
        mut work: impl FnMut(&mut Conn) -> PgResult<T>,
    ) -> StoreResult<T> {
        let mut retried = false;
        loop {
            let (mut conn, reused) = self.checkout(always_try)?;
            match work(&mut conn) {
                Ok(value) => {
                    self.pool.checkin(conn);
                    return Ok(value);
                }
                Err(Fail::Store(err)) => {
                    self.pool.checkin(conn);
                    return Err(err);
                }
                Err(Fail::Pg(pg_err)) => {
                    let (err, health) = judge(&pg_err, access);
                    match health {
                        Health::Usable => {
                            self.pool.checkin(conn);
                            return Err(err);
                        }
                        Health::Broken => {
                            drop(conn);
                            self.pool.flush();
                            if access == Access::Read && reused && !retried {
                                retried = true;
                                continue;
                            }
                            tracing::debug!(database = self.pool.shown(), "database call failed: {err}");
                            return Err(err);
                        }
                    }
                }
            }
        }
    }

    fn read<T>(&self, work: impl FnMut(&mut Conn) -> PgResult<T>) -> StoreResult<T> {
        self.run(Access::Read, false, work)
    }

    fn write<T>(&self, work: impl FnMut(&mut Conn) -> PgResult<T>) -> StoreResult<T> {
        self.run(Access::Write, false, work)
    }
}

impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn ping(&self) -> StoreResult<()> {
        self.run(Access::Read, true, |conn| conn.query("SELECT 1", &[]).map(drop))
    }

    fn schema_info(&self) -> StoreResult<SchemaInfo> {
        let version = self.schema_version()?;
        let selects: Vec<String> =
            COUNTED_TABLES.iter().map(|table| format!("(SELECT count(*) FROM {table})")).collect();
        let sql = format!("SELECT {}", selects.join(", "));
        let counts = self.read(|conn| {
            let row = conn.query_one(&sql, &[])?;
            COUNTED_TABLES
                .iter()
                .enumerate()
                .map(|(index, table)| Ok((table.to_string(), codec::get::<i64>(&row, index)?)))
                .collect::<PgResult<Vec<_>>>()
        })?;
        Ok(SchemaInfo { backend: self.backend().to_string(), version, counts })
    }

    fn site(&self, code: &str) -> StoreResult<Option<Site>> {
        self.read(|conn| catalog::site(conn, code))
    }

    fn sites(&self) -> StoreResult<Vec<Site>> {
        self.read(catalog::sites)
    }

    fn followed_sites(&self) -> StoreResult<Vec<String>> {
        self.read(catalog::followed_sites)
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
        self.write(|conn| batch::record_entries(conn, entries))
            .unwrap_or_else(|err| entries.iter().map(|_| Err(err.clone())).collect())
    }

    fn record_exits(&self, exits: &[Exit]) -> Vec<StoreResult<InsertOutcome>> {
        self.write(|conn| batch::record_exits(conn, exits))
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
        self.read(|conn| reports::list_visits(conn, filter, page))
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
        self.read(|conn| reports::daily_stats(conn, site, day, tz, include_simulated))
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
        self.write(|conn| people::open_shift(conn, shift))
    }

    fn close_shift(
        &self,
        id: Uuid,
        closed_at: DateTime<Utc>,
        expected: Rupiah,
        counted: Rupiah,
    ) -> StoreResult<Shift> {
        self.write(|conn| people::close_shift(conn, id, closed_at, expected, counted))
    }

    fn shift(&self, id: Uuid) -> StoreResult<Option<Shift>> {
        self.read(|conn| people::shift(conn, id))
    }

    fn open_shift_of(&self, username: &str) -> StoreResult<Option<Shift>> {
        self.read(|conn| people::open_shift_of(conn, username))
    }

    fn list_shifts(&self, site: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<Shift>> {
        self.read(|conn| people::list_shifts(conn, site, from, to))
    }

    fn shift_exits(&self, id: Uuid) -> StoreResult<Vec<Exit>> {
        self.read(|conn| visits::shift_exits(conn, id))
    }

    fn append_audit(&self, record: &AuditRecord) -> StoreResult<()> {
        self.write(|conn| reports::append_audit(conn, record))
    }

    fn append_audit_once(&self, key: Uuid, record: &AuditRecord) -> StoreResult<InsertOutcome> {
        self.write(|conn| reports::append_audit_once(conn, key, record))
    }

    fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        self.read(|conn| reports::list_audit(conn, filter))
    }

    fn insert_shift(&self, shift: &Shift) -> StoreResult<InsertOutcome> {
        self.write(|conn| {
            people::insert_shift(conn, shift)
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

    fn start_emergency(&self, emergency: &crate::store::Emergency) -> StoreResult<InsertOutcome> {
        self.write(|conn| emergency::start(conn, emergency))
    }

    fn end_emergency(&self, id: Uuid, at: DateTime<Utc>, by: &str) -> StoreResult<crate::store::Emergency> {
        self.write(|conn| emergency::end(conn, id, at, by))
    }

    fn active_emergency(&self, site: &str) -> StoreResult<Option<crate::store::Emergency>> {
        self.read(|conn| emergency::active(conn, site))
    }

    fn emergencies(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<crate::store::Emergency>> {
        self.read(|conn| emergency::list(conn, site, from, to))
    }

    fn acknowledge_emergency(&self, ack: &crate::store::EmergencyAck) -> StoreResult<InsertOutcome> {
        self.write(|conn| emergency::acknowledge(conn, ack))
    }

    fn emergency_acks(&self, id: Uuid) -> StoreResult<Vec<crate::store::EmergencyAck>> {
        self.read(|conn| emergency::acks(conn, id))
    }

    fn purge(&self, plan: &crate::store::PurgePlan) -> StoreResult<crate::store::PurgeCounts> {
        self.write(|conn| purge::purge(conn, plan))
    }

    fn site_key_fingerprint(&self, site: &str) -> StoreResult<Option<String>> {
        self.read(|conn| site_key::fingerprint(conn, site))
    }

    fn encrypted(&self) -> StoreResult<Option<bool>> {
        self.read(|conn| {
            let row = conn.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])?;
            Ok(Some(codec::get::<bool>(&row, 0)?))
        })
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
