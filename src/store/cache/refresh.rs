//! Copying the server's data into the booth cache: reference data is upserted, open entries
//! are added with their photos, and entries that have left (or aged out) are removed again so
//! the cache stays the size of the car park, not of its history.

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::CacheSettings;
use crate::store::sqlite::SqliteStore;
use crate::store::{EntryLookup, PageRequest, Role, Store, StoreError, StoreResult, VisitFilter, VisitState};

/// What one refresh copied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RefreshReport {
    /// Operator accounts in the cache.
    pub users: usize,
    /// Member cards in the cache.
    pub members: usize,
    /// Tariff versions of the site.
    pub tariff_versions: usize,
    /// Open entries now cached.
    pub open_entries: usize,
    /// Entry photos copied this time.
    pub photos_copied: usize,
    /// Entries removed because they left or aged out.
    pub entries_dropped: usize,
}

pub(super) fn refresh(
    remote: &dyn Store,
    cache: &SqliteStore,
    settings: &CacheSettings,
    now: DateTime<Utc>,
) -> StoreResult<RefreshReport> {
    let mut report = RefreshReport::default();
    let site_code = settings.site.as_str();
    if let Some(site) = remote.site(site_code)? {
        cache.save_site(&site)?;
    }
    for class in remote.vehicle_classes()? {
        cache.save_vehicle_class(&class)?;
    }
    let versions = remote.tariff_versions(site_code)?;
    report.tariff_versions = versions.len();
    for version in &versions {
        match cache.add_tariff_version(version) {
            Ok(()) | Err(StoreError::Duplicate(_)) => {}
            Err(err) => tracing::warn!("tariff version not cached: {err}"),
        }
    }
    report.users = copy_users(remote, cache)?;
    let members = remote.list_members("")?;
    report.members = members.len();
    for member in &members {
        cache.save_member(member)?;
    }
    copy_open_entries(remote, cache, settings, now, &mut report)?;
    copy_site_key(remote, cache, site_code, now)?;
    Ok(report)
}

/// The site key's fingerprint, so a booth started offline still refuses a wrong key.
fn copy_site_key(remote: &dyn Store, cache: &SqliteStore, site: &str, now: DateTime<Utc>) -> StoreResult<()> {
    if let Some(fingerprint) = remote.site_key_fingerprint(site)? {
        cache.mirror_site_key_fingerprint(site, &fingerprint, now)?;
    }
    Ok(())
}

/// Mirrors the accounts, hashes included. Active admins go first, so the cache's own rule
/// "the last active admin stays" never refuses a demotion the server already accepted.
fn copy_users(remote: &dyn Store, cache: &SqliteStore) -> StoreResult<usize> {
    let mut users = remote.list_users()?;
    users.sort_by_key(|user| !(user.active && user.role == Role::Admin));
    for user in &users {
        match cache.user_by_username(&user.username)? {
            None => cache.create_user(user)?,
            Some(cached) if cached == *user => {}
            Some(cached) if cached.id == user.id => {
                if let Err(err) = cache.update_user(user) {
                    tracing::warn!(user = %user.username, "account not cached: {err}");
                }
            }
            Some(_) => {
                tracing::warn!(user = %user.username, "a different account of the same name is cached")
            }
        }
    }
    Ok(users.len())
}

fn copy_open_entries(
    remote: &dyn Store,
    cache: &SqliteStore,
    settings: &CacheSettings,
    now: DateTime<Utc>,
    report: &mut RefreshReport,
) -> StoreResult<()> {
    let inside = |from: Option<DateTime<Utc>>| VisitFilter {
        site: Some(settings.site.clone()),
        from,
        state: Some(VisitState::Inside),
        // A copy for lookups at the exit, not a figure: a simulated booth exits its vehicles too.
        include_simulated: true,
        ..VisitFilter::default()
    };
    let since = now - Duration::days(settings.open_entries_days.max(0));
    let open = remote
        .list_visits(&inside(Some(since)), PageRequest { offset: 0, limit: settings.max_open_entries })?;
    let wanted: HashSet<Uuid> = open.rows.iter().map(|visit| visit.entry.id).collect();
    for visit in &open.rows {
        let entry = &visit.entry;
        if cache.find_visit(&settings.site, &EntryLookup::Id(entry.id))?.is_none() {
            cache.record_entry(entry)?;
        }
        if let Some(photo_id) = entry.photo_id
            && cache.photo(photo_id)?.is_none()
            && let Some(photo) = remote.photo(photo_id)?
        {
            cache.put_photo(&photo)?;
            report.photos_copied += 1;
        }
    }
    report.open_entries = wanted.len();
    let cached = cache.list_visits(&inside(None), PageRequest { offset: 0, limit: u64::MAX >> 1 })?;
    let stale: Vec<(Uuid, Option<Uuid>)> = cached
        .rows
        .iter()
        .filter(|visit| !wanted.contains(&visit.entry.id))
        .map(|visit| (visit.entry.id, visit.entry.photo_id))
        .collect();
    if !stale.is_empty() {
        drop_entries(cache.location(), &stale)?;
        report.entries_dropped = stale.len();
    }
    Ok(())
}

/// Removes entries (with their link row and photo) from the cache file. The `Store` trait is
/// insert-only by design, so this one maintenance step speaks SQL to the cache's SQLite schema.
fn drop_entries(path: &Path, stale: &[(Uuid, Option<Uuid>)]) -> StoreResult<()> {
    let failed =
        |err: rusqlite::Error| StoreError::Database(format!("the booth cache could not be pruned: {err}"));
    let mut conn = rusqlite::Connection::open(path).map_err(failed)?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(failed)?;
    let tx = conn.transaction().map_err(failed)?;
    for (entry_id, photo_id) in stale {
        let id = entry_id.hyphenated().to_string();
        tx.execute("DELETE FROM open_entries WHERE entry_id = ?1", [&id]).map_err(failed)?;
        tx.execute("DELETE FROM entries WHERE id = ?1", [&id]).map_err(failed)?;
        if let Some(photo_id) = photo_id {
            tx.execute("DELETE FROM photos WHERE id = ?1", [photo_id.hyphenated().to_string()])
                .map_err(failed)?;
        }
    }
    tx.commit().map_err(failed)
}
