//! A store that can be switched off: the simulated database outage for the technician,
//! trainers and tests. While down, every call fails as an unreachable database would.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::*;
use crate::domain::{ClassCode, Tariff, VehicleClass};

/// Wraps a store; `set_down(true)` makes it unreachable until `set_down(false)`.
pub struct SwitchableStore {
    inner: Arc<dyn Store>,
    down: AtomicBool,
}

impl SwitchableStore {
    /// Wraps `inner`, up.
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self { inner, down: AtomicBool::new(false) }
    }

    /// Simulates the database going away (true) or coming back (false).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::Release);
    }

    /// True while the simulated outage lasts.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    fn check(&self) -> StoreResult<()> {
        if self.is_down() { Err(StoreError::Unavailable("simulated database outage".into())) } else { Ok(()) }
    }
}

impl Store for SwitchableStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    fn ping(&self) -> StoreResult<()> {
        self.check()?;
        self.inner.ping()
    }

    fn offline_copy(&self) -> bool {
        self.inner.offline_copy()
    }

    fn schema_info(&self) -> StoreResult<SchemaInfo> {
        self.check()?;
        self.inner.schema_info()
    }

    fn site(&self, code: &str) -> StoreResult<Option<Site>> {
        self.check()?;
        self.inner.site(code)
    }

    fn sites(&self) -> StoreResult<Vec<Site>> {
        self.check()?;
        self.inner.sites()
    }

    fn followed_sites(&self) -> StoreResult<Vec<String>> {
        self.check()?;
        self.inner.followed_sites()
    }

    fn save_site(&self, site: &Site) -> StoreResult<()> {
        self.check()?;
        self.inner.save_site(site)
    }

    fn ensure_site(&self, site: &Site) -> StoreResult<()> {
        self.check()?;
        self.inner.ensure_site(site)
    }

    fn vehicle_classes(&self) -> StoreResult<Vec<VehicleClass>> {
        self.check()?;
        self.inner.vehicle_classes()
    }

    fn save_vehicle_class(&self, class: &VehicleClass) -> StoreResult<()> {
        self.check()?;
        self.inner.save_vehicle_class(class)
    }

    fn tariff_at(&self, site: &str, class: &ClassCode, at: DateTime<Utc>) -> StoreResult<Option<Tariff>> {
        self.check()?;
        self.inner.tariff_at(site, class, at)
    }

    fn tariff_versions(&self, site: &str) -> StoreResult<Vec<TariffVersion>> {
        self.check()?;
        self.inner.tariff_versions(site)
    }

    fn add_tariff_version(&self, version: &TariffVersion) -> StoreResult<()> {
        self.check()?;
        self.inner.add_tariff_version(version)
    }

    fn next_ticket_sequence(&self, site: &str, booth: &str, day: NaiveDate) -> StoreResult<u32> {
        self.check()?;
        self.inner.next_ticket_sequence(site, booth, day)
    }

    fn record_entry(&self, entry: &Entry) -> StoreResult<InsertOutcome> {
        self.check()?;
        self.inner.record_entry(entry)
    }

    fn plate_stats(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        include_simulated: bool,
    ) -> StoreResult<PlateStats> {
        self.check()?;
        self.inner.plate_stats(site, from, to, include_simulated)
    }

    fn complete_entry(&self, late: &EntryLate) -> StoreResult<bool> {
        self.check()?;
        self.inner.complete_entry(late)
    }

    fn record_exit(&self, exit: &Exit) -> StoreResult<InsertOutcome> {
        self.check()?;
        self.inner.record_exit(exit)
    }

    fn record_entries(&self, entries: &[Entry]) -> Vec<StoreResult<InsertOutcome>> {
        match self.check() {
            Ok(()) => self.inner.record_entries(entries),
            Err(err) => vec![Err(err); entries.len()],
        }
    }

    fn record_exits(&self, exits: &[Exit]) -> Vec<StoreResult<InsertOutcome>> {
        match self.check() {
            Ok(()) => self.inner.record_exits(exits),
            Err(err) => vec![Err(err); exits.len()],
        }
    }

    fn find_visit(&self, site: &str, lookup: &EntryLookup) -> StoreResult<Option<Visit>> {
        self.check()?;
        self.inner.find_visit(site, lookup)
    }

    fn find_open_entry(&self, site: &str, lookup: &EntryLookup) -> StoreResult<Option<Entry>> {
        self.check()?;
        self.inner.find_open_entry(site, lookup)
    }

    fn inside_count(&self, site: &str, include_simulated: bool) -> StoreResult<u64> {
        self.check()?;
        self.inner.inside_count(site, include_simulated)
    }

    fn list_visits(&self, filter: &VisitFilter, page: PageRequest) -> StoreResult<VisitPage> {
        self.check()?;
        self.inner.list_visits(filter, page)
    }

    fn orphan_exits(&self, site: &str, include_simulated: bool) -> StoreResult<Vec<Exit>> {
        self.check()?;
        self.inner.orphan_exits(site, include_simulated)
    }

    fn daily_stats(
        &self,
        site: &str,
        day: NaiveDate,
        tz: Tz,
        include_simulated: bool,
    ) -> StoreResult<DailyStats> {
        self.check()?;
        self.inner.daily_stats(site, day, tz, include_simulated)
    }

    fn inside_by_class(&self, site: &str, include_simulated: bool) -> StoreResult<Vec<(ClassCode, u64)>> {
        self.check()?;
        self.inner.inside_by_class(site, include_simulated)
    }

    fn inside_at(&self, site: &str, at: DateTime<Utc>, include_simulated: bool) -> StoreResult<u64> {
        self.check()?;
        self.inner.inside_at(site, at, include_simulated)
    }

    fn entry_count(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        include_simulated: bool,
    ) -> StoreResult<u64> {
        self.check()?;
        self.inner.entry_count(site, from, to, include_simulated)
    }

    fn exit_groups(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        include_simulated: bool,
    ) -> StoreResult<Vec<ExitGroup>> {
        self.check()?;
        self.inner.exit_groups(site, from, to, include_simulated)
    }

    fn save_booth_status(&self, status: &BoothStatus) -> StoreResult<()> {
        self.check()?;
        self.inner.save_booth_status(status)
    }

    fn booth_statuses(&self, site: &str) -> StoreResult<Vec<BoothStatus>> {
        self.check()?;
        self.inner.booth_statuses(site)
    }

    fn put_photo(&self, photo: &Photo) -> StoreResult<InsertOutcome> {
        self.check()?;
        self.inner.put_photo(photo)
    }

    fn photo(&self, id: Uuid) -> StoreResult<Option<Photo>> {
        self.check()?;
        self.inner.photo(id)
    }

    fn create_user(&self, user: &User) -> StoreResult<()> {
        self.check()?;
        self.inner.create_user(user)
    }

    fn update_user(&self, user: &User) -> StoreResult<()> {
        self.check()?;
        self.inner.update_user(user)
    }

    fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        self.check()?;
        self.inner.user_by_username(username)
    }

    fn list_users(&self) -> StoreResult<Vec<User>> {
        self.check()?;
        self.inner.list_users()
    }

    fn save_member(&self, member: &Member) -> StoreResult<()> {
        self.check()?;
        self.inner.save_member(member)
    }

    fn member_by_card(&self, card_uid: &str) -> StoreResult<Option<Member>> {
        self.check()?;
        self.inner.member_by_card(card_uid)
    }

    fn list_members(&self, search: &str) -> StoreResult<Vec<Member>> {
        self.check()?;
        self.inner.list_members(search)
    }

    fn open_shift(&self, shift: &Shift) -> StoreResult<()> {
        self.check()?;
        self.inner.open_shift(shift)
    }

    fn close_shift(
        &self,
        id: Uuid,
        closed_at: DateTime<Utc>,
        expected: crate::domain::Rupiah,
        counted: crate::domain::Rupiah,
    ) -> StoreResult<Shift> {
        self.check()?;
        self.inner.close_shift(id, closed_at, expected, counted)
    }

    fn save_shift(&self, shift: &Shift) -> StoreResult<InsertOutcome> {
        self.check()?;
        self.inner.save_shift(shift)
    }

    fn shift(&self, id: Uuid) -> StoreResult<Option<Shift>> {
        self.check()?;
        self.inner.shift(id)
    }

    fn open_shift_of(&self, username: &str) -> StoreResult<Option<Shift>> {
        self.check()?;
        self.inner.open_shift_of(username)
    }

    fn list_shifts(&self, site: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<Shift>> {
        self.check()?;
        self.inner.list_shifts(site, from, to)
    }

    fn shift_exits(&self, id: Uuid) -> StoreResult<Vec<Exit>> {
        self.check()?;
        self.inner.shift_exits(id)
    }

    fn append_audit(&self, record: &AuditRecord) -> StoreResult<()> {
        self.check()?;
        self.inner.append_audit(record)
    }

    fn append_audit_once(&self, key: Uuid, record: &AuditRecord) -> StoreResult<InsertOutcome> {
        self.check()?;
        self.inner.append_audit_once(key, record)
    }

    fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        self.check()?;
        self.inner.list_audit(filter)
    }

    fn insert_shift(&self, shift: &Shift) -> StoreResult<InsertOutcome> {
        self.check()?;
        self.inner.insert_shift(shift)
    }

    fn record_duplicate_exit(&self, duplicate: &DuplicateExit) -> StoreResult<InsertOutcome> {
        self.check()?;
        self.inner.record_duplicate_exit(duplicate)
    }

    fn duplicate_exits(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<DuplicateExit>> {
        self.check()?;
        self.inner.duplicate_exits(site, from, to)
    }

    fn shift_duplicates(&self, shift: Uuid) -> StoreResult<Vec<DuplicateExit>> {
        self.check()?;
        self.inner.shift_duplicates(shift)
    }

    fn add_late_record(&self, record: &LateRecord) -> StoreResult<InsertOutcome> {
        self.check()?;
        self.inner.add_late_record(record)
    }

    fn late_records(&self, shift: Uuid) -> StoreResult<Vec<LateRecord>> {
        self.check()?;
        self.inner.late_records(shift)
    }

    fn books_rows(&self, site: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<BooksRows> {
        self.check()?;
        self.inner.books_rows(site, from, to)
    }

    fn start_emergency(&self, emergency: &crate::store::Emergency) -> StoreResult<InsertOutcome> {
        self.check()?;
        self.inner.start_emergency(emergency)
    }

    fn end_emergency(&self, id: Uuid, at: DateTime<Utc>, by: &str) -> StoreResult<crate::store::Emergency> {
        self.check()?;
        self.inner.end_emergency(id, at, by)
    }

    fn active_emergency(&self, site: &str) -> StoreResult<Option<crate::store::Emergency>> {
        self.check()?;
        self.inner.active_emergency(site)
    }

    fn emergencies(
        &self,
        site: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<crate::store::Emergency>> {
        self.check()?;
        self.inner.emergencies(site, from, to)
    }

    fn acknowledge_emergency(&self, ack: &crate::store::EmergencyAck) -> StoreResult<InsertOutcome> {
        self.check()?;
        self.inner.acknowledge_emergency(ack)
    }

    fn emergency_acks(&self, id: Uuid) -> StoreResult<Vec<crate::store::EmergencyAck>> {
        self.check()?;
        self.inner.emergency_acks(id)
    }

    fn purge(&self, plan: &crate::store::PurgePlan) -> StoreResult<crate::store::PurgeCounts> {
        self.check()?;
        self.inner.purge(plan)
    }

    fn site_key_fingerprint(&self, site: &str) -> StoreResult<Option<String>> {
        self.check()?;
        self.inner.site_key_fingerprint(site)
    }

    fn claim_site_key_fingerprint(
        &self,
        site: &str,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<String> {
        self.check()?;
        self.inner.claim_site_key_fingerprint(site, fingerprint, at)
    }

    fn encrypted(&self) -> StoreResult<Option<bool>> {
        self.check()?;
        self.inner.encrypted()
    }
}
