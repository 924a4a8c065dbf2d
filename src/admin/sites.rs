//! Every site at a glance, as HQ sees it: today's money and traffic in each site's own local day,
//! vehicles inside against capacity, booths gone silent, and how fresh the site's data is.
//!
//! Read-only: HQ never writes into a site's rows. "Data as of" is the newest booth heartbeat that
//! reached this database, so it tells both a silent site and a replication link that fell behind.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::domain::money::Rupiah;
use crate::store::{Site, Store, StoreError};

/// A booth whose last heartbeat is older than this is silent.
pub const SILENT_AFTER: Duration = Duration::seconds(90);

/// One site's line in the overview.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteSummary {
    /// Site code.
    pub code: String,
    /// Site name.
    pub name: String,
    /// The site's time zone (its "today").
    pub timezone: String,
    /// Money taken today (the site's local day).
    pub revenue_today: Rupiah,
    /// Entries today.
    pub entries_today: u64,
    /// Exits today.
    pub exits_today: u64,
    /// Vehicles inside now.
    pub inside: u64,
    /// Places, when the site set them.
    pub capacity: Option<u32>,
    /// Booths that have reported at least once.
    pub booths: u64,
    /// Booths silent for longer than [`SILENT_AFTER`], by code.
    pub silent_booths: Vec<String>,
    /// Newest booth heartbeat received from the site: how fresh this copy of its data is.
    pub data_as_of: Option<DateTime<Utc>>,
}

impl SiteSummary {
    /// Occupancy in percent of capacity, when the site has one.
    pub fn occupancy_percent(&self) -> Option<u64> {
        self.capacity.filter(|c| *c > 0).map(|c| self.inside * 100 / u64::from(c))
    }
}

/// The overview of every site in the database but HQ's own (`own`), by code. Blocking: run it
/// on a task.
pub fn overview(
    store: &dyn Store,
    own: &str,
    now: DateTime<Utc>,
    include_simulated: bool,
) -> Result<Vec<SiteSummary>, StoreError> {
    store
        .sites()?
        .iter()
        .filter(|site| site.code != own)
        .map(|site| summary(store, site, now, include_simulated))
        .collect()
}

/// One site's summary as of `now`.
pub fn summary(
    store: &dyn Store,
    site: &Site,
    now: DateTime<Utc>,
    include_simulated: bool,
) -> Result<SiteSummary, StoreError> {
    // A time zone that no longer parses still gets a day: the one the console defaults to.
    let tz: Tz = site.timezone.parse().unwrap_or(chrono_tz::Asia::Jakarta);
    let day = now.with_timezone(&tz).date_naive();
    let today = store.daily_stats(&site.code, day, tz, include_simulated)?;
    let inside = store.inside_count(&site.code, include_simulated)?;
    let statuses = store.booth_statuses(&site.code)?;
    let statuses: Vec<_> = statuses.into_iter().filter(|b| include_simulated || !b.simulated).collect();
    let silent_booths =
        statuses.iter().filter(|b| now - b.seen_at > SILENT_AFTER).map(|b| b.booth.clone()).collect();
    Ok(SiteSummary {
        code: site.code.clone(),
        name: site.name.clone(),
        timezone: site.timezone.clone(),
        revenue_today: today.revenue,
        entries_today: today.entries,
        exits_today: today.exits,
        inside,
        capacity: site.capacity,
        booths: statuses.len() as u64,
        silent_booths,
        data_as_of: statuses.iter().map(|b| b.seen_at).max(),
    })
}

/// Sums of the overview across sites: what the whole operator took today and holds now.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Money taken today, each site counted in its own local day.
    pub revenue_today: Rupiah,
    /// Entries today.
    pub entries_today: u64,
    /// Exits today.
    pub exits_today: u64,
    /// Vehicles inside now.
    pub inside: u64,
    /// Places across sites that set a capacity.
    pub capacity: u64,
    /// Silent booths across sites.
    pub silent_booths: u64,
}

/// Adds the sites up.
pub fn totals(sites: &[SiteSummary]) -> Totals {
    sites.iter().fold(Totals::default(), |mut t, s| {
        t.revenue_today += s.revenue_today;
        t.entries_today += s.entries_today;
        t.exits_today += s.exits_today;
        t.inside += s.inside;
        t.capacity += u64::from(s.capacity.unwrap_or(0));
        t.silent_booths += s.silent_booths.len() as u64;
        t
    })
}
