//! The booth cache of PostgreSQL deployments: a local SQLite copy of what a booth needs to keep
//! working while the site's server is unreachable.
//!
//! While online, [`CachedStore::refresh`] copies the site, vehicle classes, tariff versions,
//! members, operators (with their password hashes, so a guard can log in during an outage) and
//! the recent open entries with their photos (so the cashier still sees the entry photo) into
//! `data/booth-cache.db`. Reads go to the server and fall back to the cache when it cannot be
//! reached; writes go to the server only, so a failure surfaces and the lane journals the
//! record. Two writes have an offline path of their own, because logging in must work during
//! an outage: audit lines go to the offline journal (when one is attached) and a change of
//! only the failed-login count or lock goes to the cached account. The ticket sequence offline
//! is the lanes' own (`lane::sequence`).

mod refresh;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

pub use self::refresh::RefreshReport;
use super::sqlite::SqliteStore;
use super::*;
use crate::clock::Clock;
use crate::config::DatabaseLocation;
use crate::domain::{ClassCode, Tariff, VehicleClass};

/// Where a booth keeps its cache, relative to the data folder.
pub const DEFAULT_CACHE_PATH: &str = "data/booth-cache.db";

/// Somewhere an audit line can wait while the server is away (the booth's offline journal,
/// which replays it). A trait, so the store does not depend on the journal above it.
pub trait AuditKeeper: Send + Sync + std::fmt::Debug {
    /// Keeps `record` to be replayed later.
    fn keep_audit(&self, record: &AuditRecord, now: DateTime<Utc>) -> Result<(), String>;
}

/// What the cache holds and where.
#[derive(Debug, Clone)]
pub struct CacheSettings {
    /// The cache file (made on first use).
    pub path: PathBuf,
    /// The booth's site code: whose tariffs and open entries to copy.
    pub site: String,
    /// Open entries younger than this many days are copied, with their photos.
    pub open_entries_days: i64,
    /// At most this many open entries (newest first) are copied.
    pub max_open_entries: u64,
    /// Where audit lines go while the server is away (login, lockout). Without one, a failed
    /// audit write surfaces like any other write.
    pub audit_journal: Option<Arc<dyn AuditKeeper>>,
}

impl CacheSettings {
    /// The defaults: three days of open entries, at most 2,000, no audit journal.
    pub fn new(path: impl Into<PathBuf>, site: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            site: site.into(),
            open_entries_days: 3,
            max_open_entries: 2_000,
            audit_journal: None,
        }
    }
}

/// A remote store with a local SQLite cache behind it; see the module doc.
pub struct CachedStore {
    remote: Arc<dyn Store>,
    cache: SqliteStore,
    settings: CacheSettings,
    clock: Arc<dyn Clock>,
    from_cache: AtomicBool,
    refreshing: Mutex<()>,
}

impl std::fmt::Debug for CachedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedStore")
            .field("cache", &self.settings.path)
            .field("serving_from_cache", &self.serving_from_cache())
            .finish_non_exhaustive()
    }
}

impl CachedStore {
    /// Opens the cache and checks the server. With the server up the cache is refreshed now;
    /// with it down the booth starts from the cache, if it has one for this site (otherwise
    /// `Unavailable`: a booth's first start needs its server once).
    pub fn open(
        remote: Arc<dyn Store>,
        settings: CacheSettings,
        clock: Arc<dyn Clock>,
    ) -> StoreResult<CachedStore> {
        let cache = SqliteStore::open(&settings.path)?;
        let store = CachedStore {
            remote,
            cache,
            settings,
            clock,
            from_cache: AtomicBool::new(false),
            refreshing: Mutex::new(()),
        };
        match store.remote.ping() {
            Ok(()) => {
                if let Err(err) = store.refresh() {
                    tracing::warn!("the booth cache could not be refreshed: {err}");
                }
                Ok(store)
            }
            Err(err) if err.goes_to_journal() => {
                if store.cache.site(&store.settings.site)?.is_none() {
                    return Err(StoreError::Unavailable(format!(
                        "{err}; this booth has no offline cache for site {} yet, so it needs the \
                         database once before it can work without it",
                        store.settings.site
                    )));
                }
                tracing::warn!(cache = %store.settings.path.display(), "starting from the booth cache: {err}");
                store.from_cache.store(true, Ordering::Release);
                Ok(store)
            }
            Err(err) => Err(err),
        }
    }

    /// True while the last read came from the cache (the screen says "offline data").
    pub fn serving_from_cache(&self) -> bool {
        self.from_cache.load(Ordering::Acquire)
    }

    /// The server's store.
    pub fn remote(&self) -> &Arc<dyn Store> {
        &self.remote
    }

    /// The local cache.
    pub fn cache(&self) -> &SqliteStore {
        &self.cache
    }

    /// Copies what the booth needs offline from the server; see the module doc.
    pub fn refresh(&self) -> StoreResult<RefreshReport> {
        let _one_at_a_time = self.refreshing.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let report = refresh::refresh(self.remote.as_ref(), &self.cache, &self.settings, self.clock.now())?;
        self.from_cache.store(false, Ordering::Release);
        tracing::debug!(?report, "booth cache refreshed");
        Ok(report)
    }

    /// Refreshes the cache every `interval` while the server answers, on a named thread;
    /// dropping the returned handle stops it.
    pub fn start_refresher(self: &Arc<Self>, interval: Duration) -> std::io::Result<Refresher> {
        let stop = Arc::new(AtomicBool::new(false));
        let (store, flag) = (self.clone(), stop.clone());
        let handle = std::thread::Builder::new().name("cache-refresh".into()).spawn(move || {
            let tick = Duration::from_millis(100);
            let mut waited = Duration::ZERO;
            while !flag.load(Ordering::Acquire) {
                std::thread::sleep(tick);
                waited += tick;
                if waited < interval {
                    continue;
                }
                waited = Duration::ZERO;
                if store.remote.ping().is_ok()
                    && let Err(err) = store.refresh()
                {
                    tracing::warn!("the booth cache could not be refreshed: {err}");
                }
            }
        })?;
        Ok(Refresher { stop, handle: Some(handle) })
    }

    /// A read from the server, or from the cache when the server cannot be reached.
    fn read<T>(
        &self,
        remote: impl FnOnce(&dyn Store) -> StoreResult<T>,
        local: impl FnOnce(&SqliteStore) -> StoreResult<T>,
    ) -> StoreResult<T> {
        match remote(self.remote.as_ref()) {
            Ok(value) => {
                self.from_cache.store(false, Ordering::Release);
                Ok(value)
            }
            Err(err) if err.goes_to_journal() => {
                if !self.from_cache.swap(true, Ordering::AcqRel) {
                    tracing::warn!("the database cannot be reached, reading from the booth cache: {err}");
                }
                local(&self.cache)
            }
            Err(err) => Err(err),
        }
    }
}

/// The background refresher; dropping it stops the thread.
#[derive(Debug)]
pub struct Refresher {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Drop for Refresher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// The store a booth works with, and its cache when it has one.
#[derive(Clone)]
pub struct BoothStore {
    /// What the lanes, screens and monitor use.
    pub store: Arc<dyn Store>,
    /// The cache behind `store` (PostgreSQL deployments only).
    pub cache: Option<Arc<CachedStore>>,
}

impl std::fmt::Debug for BoothStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoothStore")
            .field("backend", &self.store.backend())
            .field("cache", &self.cache)
            .finish()
    }
}

impl BoothStore {
    /// True while reads come from the cache.
    pub fn serving_from_cache(&self) -> bool {
        self.cache.as_ref().is_some_and(|cache| cache.serving_from_cache())
    }
}

/// Opens the database a booth works with: SQLite as it is (it is local already); PostgreSQL
/// behind a [`CachedStore`], so the booth starts and logs operators in even with the server down.
pub fn open_booth(
    location: &DatabaseLocation,
    options: &OpenOptions,
    settings: CacheSettings,
    clock: Arc<dyn Clock>,
) -> StoreResult<BoothStore> {
    match location {
        DatabaseLocation::Sqlite(_) => Ok(BoothStore { store: open_with(location, options)?, cache: None }),
        DatabaseLocation::Postgres(url) => {
            let remote =
                postgres::PostgresStore::lazy(&postgres::PostgresOptions::new(url.clone(), options.timeout))?;
            let cached = Arc::new(CachedStore::open(Arc::new(remote), settings, clock)?);
            Ok(BoothStore { store: cached.clone(), cache: Some(cached) })
        }
    }
}

/// Where an account change may go offline: only the failed-login count and lock changed.
fn only_lockout_changed(cached: &User, user: &User) -> bool {
    User { failed_attempts: cached.failed_attempts, locked_until: cached.locked_until, ..user.clone() }
        == *cached
}

impl Store for CachedStore {
    fn backend(&self) -> &'static str {
        self.remote.backend()
    }

    /// Always the server: the connection indicator must show the server, not the cache.
    fn ping(&self) -> StoreResult<()> {
        self.remote.ping()
    }

    fn offline_copy(&self) -> bool {
        self.serving_from_cache()
    }

    fn schema_info(&self) -> StoreResult<SchemaInfo> {
        self.remote.schema_info()
    }

    fn site(&self, code: &str) -> StoreResult<Option<Site>> {
        self.read(|r| r.site(code), |c| c.site(code))
    }

    fn sites(&self) -> StoreResult<Vec<Site>> {
        self.read(|r| r.sites(), |c| c.sites())
    }

    fn followed_sites(&self) -> StoreResult<Vec<String>> {
        // A booth (the only user of a cache) is never HQ; ask the database when it answers.
        self.remote.followed_sites()
    }

    fn save_site(&self, site: &Site) -> StoreResult<()> {
        self.remote.save_site(site)
    }

    fn ensure_site(&self, site: &Site) -> StoreResult<()> {
        self.remote.ensure_site(site)
    }

    fn vehicle_classes(&self) -> StoreResult<Vec<VehicleClass>> {
        self.read(|r| r.vehicle_classes(), |c| c.vehicle_classes())
    }

    fn save_vehicle_class(&self, class: &VehicleClass) -> StoreResult<()> {
        self.remote.save_vehicle_class(class)
    }

    fn tariff_at(&self, site: &str, class: &ClassCode, at: DateTime<Utc>) -> StoreResult<Option<Tariff>> {
        self.read(|r| r.tariff_at(site, class, at), |c| c.tariff_at(site, class, at))
    }

    fn tariff_versions(&self, site: &str) -> StoreResult<Vec<TariffVersion>> {
        self.read(|r| r.tariff_versions(site), |c| c.tariff_versions(site))
    }

    fn add_tariff_version(&self, version: &TariffVersion) -> StoreResult<()> {
        self.remote.add_tariff_version(version)
    }

    fn next_ticket_sequence(&self, site: &str, booth: &str, day: NaiveDate) -> StoreResult<u32> {
        self.remote.next_ticket_sequence(site, booth, day)
    }

    fn record_entry(&self, entry: &Entry) -> StoreResult<InsertOutcome> {
        self.remote.record_entry(entry)
    }

    fn plate_stats(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        include_simulated: bool,
    ) -> StoreResult<PlateStats> {
        self.remote.plate_stats(site, from, to, include_simulated)
    }

    fn complete_entry(&self, late: &EntryLate) -> StoreResult<bool> {
        self.remote.complete_entry(late)
    }

    fn record_exit(&self, exit: &Exit) -> StoreResult<InsertOutcome> {
        self.remote.record_exit(exit)
    }

    fn record_entries(&self, entries: &[Entry]) -> Vec<StoreResult<InsertOutcome>> {
        self.remote.record_entries(entries)
    }

    fn record_exits(&self, exits: &[Exit]) -> Vec<StoreResult<InsertOutcome>> {
        self.remote.record_exits(exits)
    }

    fn find_visit(&self, site: &str, lookup: &EntryLookup) -> StoreResult<Option<Visit>> {
        self.read(|r| r.find_visit(site, lookup), |c| c.find_visit(site, lookup))
    }

    fn find_open_entry(&self, site: &str, lookup: &EntryLookup) -> StoreResult<Option<Entry>> {
        self.read(|r| r.find_open_entry(site, lookup), |c| c.find_open_entry(site, lookup))
    }

    fn inside_count(&self, site: &str, include_simulated: bool) -> StoreResult<u64> {
        self.read(|r| r.inside_count(site, include_simulated), |c| c.inside_count(site, include_simulated))
    }

    fn list_visits(&self, filter: &VisitFilter, page: PageRequest) -> StoreResult<VisitPage> {
        self.read(|r| r.list_visits(filter, page), |c| c.list_visits(filter, page))
    }

    fn orphan_exits(&self, site: &str, include_simulated: bool) -> StoreResult<Vec<Exit>> {
        self.read(|r| r.orphan_exits(site, include_simulated), |c| c.orphan_exits(site, include_simulated))
    }

    fn daily_stats(
        &self,
        site: &str,
        day: NaiveDate,
        tz: Tz,
        include_simulated: bool,
    ) -> StoreResult<DailyStats> {
        self.read(
            |r| r.daily_stats(site, day, tz, include_simulated),
            |c| c.daily_stats(site, day, tz, include_simulated),
        )
    }

    fn inside_by_class(&self, site: &str, include_simulated: bool) -> StoreResult<Vec<(ClassCode, u64)>> {
        self.read(
            |r| r.inside_by_class(site, include_simulated),
            |c| c.inside_by_class(site, include_simulated),
        )
    }

    fn inside_at(&self, site: &str, at: DateTime<Utc>, include_simulated: bool) -> StoreResult<u64> {
        self.read(|r| r.inside_at(site, at, include_simulated), |c| c.inside_at(site, at, include_simulated))
    }

    fn entry_count(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        include_simulated: bool,
    ) -> StoreResult<u64> {
        self.read(
            |r| r.entry_count(site, from, to, include_simulated),
            |c| c.entry_count(site, from, to, include_simulated),
        )
    }

    fn exit_groups(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        include_simulated: bool,
    ) -> StoreResult<Vec<ExitGroup>> {
        self.read(
            |r| r.exit_groups(site, from, to, include_simulated),
            |c| c.exit_groups(site, from, to, include_simulated),
        )
    }

    /// The server only: a report kept in this booth's cache would reach no admin.
    fn save_booth_status(&self, status: &BoothStatus) -> StoreResult<()> {
        self.remote.save_booth_status(status)
    }

    fn booth_statuses(&self, site: &str) -> StoreResult<Vec<BoothStatus>> {
        self.read(|r| r.booth_statuses(site), |c| c.booth_statuses(site))
    }

    fn put_photo(&self, photo: &Photo) -> StoreResult<InsertOutcome> {
        self.remote.put_photo(photo)
    }

    fn photo(&self, id: Uuid) -> StoreResult<Option<Photo>> {
        self.read(|r| r.photo(id), |c| c.photo(id))
    }

    fn create_user(&self, user: &User) -> StoreResult<()> {
        self.remote.create_user(user)
    }

    /// Offline, a change of only the failed-login count or lock is kept in the cached account,
    /// so lockout still protects the booth; any other change needs the server.
    fn update_user(&self, user: &User) -> StoreResult<()> {
        match self.remote.update_user(user) {
            Err(err) if err.goes_to_journal() => match self.cache.user_by_username(&user.username)? {
                Some(cached) if cached.id == user.id && only_lockout_changed(&cached, user) => {
                    self.cache.update_user(user)
                }
                _ => Err(err),
            },
            other => other,
        }
    }

    fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        self.read(|r| r.user_by_username(username), |c| c.user_by_username(username))
    }

    fn list_users(&self) -> StoreResult<Vec<User>> {
        self.read(|r| r.list_users(), |c| c.list_users())
    }

    fn save_member(&self, member: &Member) -> StoreResult<()> {
        self.remote.save_member(member)
    }

    fn member_by_card(&self, card_uid: &str) -> StoreResult<Option<Member>> {
        self.read(|r| r.member_by_card(card_uid), |c| c.member_by_card(card_uid))
    }

    fn list_members(&self, search: &str) -> StoreResult<Vec<Member>> {
        self.read(|r| r.list_members(search), |c| c.list_members(search))
    }

    fn open_shift(&self, shift: &Shift) -> StoreResult<()> {
        self.remote.open_shift(shift)
    }

    fn close_shift(
        &self,
        id: Uuid,
        closed_at: DateTime<Utc>,
        expected: crate::domain::Rupiah,
        counted: crate::domain::Rupiah,
    ) -> StoreResult<Shift> {
        self.remote.close_shift(id, closed_at, expected, counted)
    }

    /// Straight to the server: whether a journaled shift is already there must not be judged
    /// from the cache (which never holds shifts).
    fn save_shift(&self, shift: &Shift) -> StoreResult<InsertOutcome> {
        self.remote.save_shift(shift)
    }

    fn shift(&self, id: Uuid) -> StoreResult<Option<Shift>> {
        self.read(|r| r.shift(id), |c| c.shift(id))
    }

    fn open_shift_of(&self, username: &str) -> StoreResult<Option<Shift>> {
        self.read(|r| r.open_shift_of(username), |c| c.open_shift_of(username))
    }

    fn list_shifts(&self, site: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<Shift>> {
        self.read(|r| r.list_shifts(site, from, to), |c| c.list_shifts(site, from, to))
    }

    fn shift_exits(&self, id: Uuid) -> StoreResult<Vec<Exit>> {
        self.read(|r| r.shift_exits(id), |c| c.shift_exits(id))
    }

    /// Offline, the line goes to the audit journal (when attached) and is replayed later.
    fn append_audit(&self, record: &AuditRecord) -> StoreResult<()> {
        match (self.remote.append_audit(record), &self.settings.audit_journal) {
            (Err(err), Some(journal)) if err.goes_to_journal() => {
                match journal.keep_audit(record, self.clock.now()) {
                    Ok(_) => Ok(()),
                    Err(journal_err) => {
                        tracing::error!("audit line lost: {err}; and {journal_err}");
                        Err(err)
                    }
                }
            }
            (result, _) => result,
        }
    }

    /// Straight to the server: only a replay calls this, and only while the server answers.
    fn append_audit_once(&self, key: Uuid, record: &AuditRecord) -> StoreResult<InsertOutcome> {
        self.remote.append_audit_once(key, record)
    }

    fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        self.read(|r| r.list_audit(filter), |c| c.list_audit(filter))
    }

    /// Straight to the server: only a replay stores shifts this way.
    fn insert_shift(&self, shift: &Shift) -> StoreResult<InsertOutcome> {
        self.remote.insert_shift(shift)
    }

    // The books are the server's: the cache holds no exits to answer them from.
    fn record_duplicate_exit(&self, duplicate: &DuplicateExit) -> StoreResult<InsertOutcome> {
        self.remote.record_duplicate_exit(duplicate)
    }

    fn duplicate_exits(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<DuplicateExit>> {
        self.remote.duplicate_exits(site, from, to)
    }

    fn shift_duplicates(&self, shift: Uuid) -> StoreResult<Vec<DuplicateExit>> {
        self.remote.shift_duplicates(shift)
    }

    fn add_late_record(&self, record: &LateRecord) -> StoreResult<InsertOutcome> {
        self.remote.add_late_record(record)
    }

    fn late_records(&self, shift: Uuid) -> StoreResult<Vec<LateRecord>> {
        self.remote.late_records(shift)
    }

    fn books_rows(&self, site: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<BooksRows> {
        self.remote.books_rows(site, from, to)
    }

    // The emergency lives on the server: a booth cut off from it declares a local emergency
    // of its own (journaled), so the cache keeps none.
    fn start_emergency(&self, emergency: &crate::store::Emergency) -> StoreResult<InsertOutcome> {
        self.remote.start_emergency(emergency)
    }

    fn end_emergency(&self, id: Uuid, at: DateTime<Utc>, by: &str) -> StoreResult<crate::store::Emergency> {
        self.remote.end_emergency(id, at, by)
    }

    fn active_emergency(&self, site: &str) -> StoreResult<Option<crate::store::Emergency>> {
        self.remote.active_emergency(site)
    }

    fn emergencies(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<crate::store::Emergency>> {
        self.remote.emergencies(site, from, to)
    }

    fn acknowledge_emergency(&self, ack: &crate::store::EmergencyAck) -> StoreResult<InsertOutcome> {
        self.remote.acknowledge_emergency(ack)
    }

    fn emergency_acks(&self, id: Uuid) -> StoreResult<Vec<crate::store::EmergencyAck>> {
        self.remote.emergency_acks(id)
    }

    fn purge(&self, plan: &crate::store::PurgePlan) -> StoreResult<crate::store::PurgeCounts> {
        // The site's rows live in the database; the cache keeps only what a booth needs and
        // refreshes it from there.
        self.remote.purge(plan)
    }

    fn site_key_fingerprint(&self, site: &str) -> StoreResult<Option<String>> {
        self.read(|r| r.site_key_fingerprint(site), |c| c.site_key_fingerprint(site))
    }

    fn claim_site_key_fingerprint(
        &self,
        site: &str,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<String> {
        let recorded = self.remote.claim_site_key_fingerprint(site, fingerprint, at)?;
        if let Err(err) = self.cache.mirror_site_key_fingerprint(site, &recorded, at) {
            tracing::warn!("site key fingerprint not cached: {err}");
        }
        Ok(recorded)
    }

    fn encrypted(&self) -> StoreResult<Option<bool>> {
        self.remote.encrypted()
    }
}

/// The cache file of a booth whose data folder is `data_dir`.
pub fn cache_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DEFAULT_CACHE_PATH)
}
