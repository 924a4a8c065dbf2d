//! Many sites: each site's PostgreSQL publishes its rows to HQ, HQ subscribes to every site and
//! publishes its own master data (members, tariffs) back, all through PostgreSQL's logical
//! replication. This module sets the publications and subscriptions up, reads their health for
//! `gardu hq status` and the HQ console, and keeps HQ's master data.
//!
//! What travels where, and why it cannot loop:
//! - site → HQ: publication [`SITE_PUBLICATION`] (`insert, update`: a purge at the site never
//!   deletes HQ's history) and [`SITE_LOG_PUBLICATION`] (insert only, for the two tables keyed by
//!   a local sequence, published without that key). Members travel as `site_members`, keyed by
//!   (site_code, card_uid), because two sites may issue the same card uid.
//! - HQ → sites: publication [`HQ_PUBLICATION`] of `hq_members` and `hq_tariffs`, tables no site
//!   writes and no site publishes; PostgreSQL 15 has no `origin = none`, so the table sets are
//!   disjoint by design instead.

mod master;
mod publish;
mod sites;
mod status;

use std::time::Duration;

use postgres::Client;

pub use master::{HqMember, HqTariff, Scope, add_tariff, list_members, list_tariffs, save_member};
pub use publish::{PublishReport, ServerSettings, publish_hq, publish_site};
pub use sites::{MigrateReport, add_site, migrate, remove_site, resync_site};
pub use status::{LinkState, SiteLink, status};

use crate::store::postgres::tls;

/// The site's publication of its rows, sent as inserts and updates.
pub const SITE_PUBLICATION: &str = "gardu_site";
/// The site's insert-only publication of its audit log and tariff versions.
pub const SITE_LOG_PUBLICATION: &str = "gardu_site_log";
/// HQ's publication of its master data.
pub const HQ_PUBLICATION: &str = "gardu_hq";
/// The role a subscriber logs in as: replication and reading the published tables, nothing else.
pub const REPLICATION_ROLE: &str = "gardu_replication";
/// A site's subscription to HQ's master data.
pub const FROM_HQ_SUBSCRIPTION: &str = "gardu_from_hq";

/// Tables of [`SITE_PUBLICATION`], each with its column list or row filter (`{site}` stands
/// for the quoted site code). Every one is keyed by a UUID or by the site code.
const SITE_TABLES: &[&str] = &[
    "sites WHERE (code = {site})",
    "entries",
    "exits",
    "visit_links",
    "entry_days",
    "shifts",
    "shift_late_records",
    "duplicate_exits",
    "booth_status",
    "site_members",
    "photos (id, kind, taken_at)",
];

/// Tables of [`SITE_LOG_PUBLICATION`]: keyed by a local sequence, so published without it and
/// insert only (neither is ever updated); HQ numbers the rows itself.
const SITE_LOG_TABLES: &[&str] = &[
    "audit_log (time, site_code, booth, username, action, detail, journal_id)",
    "tariffs (site_code, class, effective_from, grace_min, first_period_min, first_fee, \
     next_period_min, next_fee, daily_max, lost_fine, member_kind, member_percent, created_by)",
];

/// Tables of [`HQ_PUBLICATION`].
const HQ_TABLES: &[&str] = &["hq_members", "hq_tariffs"];

/// What went wrong in a replication command. Messages say what to do next.
#[derive(Debug, thiserror::Error)]
pub enum HqError {
    /// The database URL cannot be used.
    #[error("{0}")]
    Url(String),
    /// A database refused or failed a statement.
    #[error("{what}: {reason}")]
    Database {
        /// What was being done.
        what: String,
        /// The server's words.
        reason: String,
    },
    /// A site code that cannot be one.
    #[error("site code {0:?} is not valid: use letters, digits and '-', e.g. JKT-MALL-01")]
    BadSiteCode(String),
    /// The site is not subscribed at HQ.
    #[error("site {0} is not connected to HQ; add it with `gardu hq add-site {0} --url URL`")]
    UnknownSite(String),
    /// The site is subscribed already.
    #[error("site {0} is connected to HQ already; see `gardu hq status`")]
    SiteExists(String),
    /// The site's database does not publish, or publishes as another site.
    #[error("{0}")]
    SiteNotReady(String),
    /// The site's schema has columns HQ lacks.
    #[error(
        "site {site} has a newer schema than HQ ({missing}); install the site's Gardu version at HQ and run `gardu hq migrate` first"
    )]
    SiteAhead {
        /// The site.
        site: String,
        /// `table.column` names HQ lacks.
        missing: String,
    },
    /// Master data refused.
    #[error("{0}")]
    Refused(String),
}

impl HqError {
    fn db(what: impl Into<String>, err: &postgres::Error) -> HqError {
        let reason = err.as_db_error().map(|db| db.message().to_string()).unwrap_or_else(|| err.to_string());
        HqError::Database { what: what.into(), reason }
    }
}

/// Opens a plain connection to `url` (with the TLS settings the URL names), waiting at most
/// `timeout` for the server.
pub fn connect(url: &str, timeout: Duration) -> Result<Client, HqError> {
    let (mut config, connector) = tls::configure(url).map_err(|err| HqError::Url(err.to_string()))?;
    config.connect_timeout(timeout);
    config.application_name("gardu-hq");
    connector.connect(&config).map_err(|err| {
        let reason = tls::explain(&err, connector.mode()).unwrap_or_else(|| err.to_string());
        HqError::Database { what: format!("cannot connect to {}", tls::hide_password(url, &config)), reason }
    })
}

/// Checks a site code: what the lanes stamp on every row, and part of object names here.
pub fn check_site_code(code: &str) -> Result<(), HqError> {
    let ok = !code.is_empty()
        && code.len() <= 40
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && code.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok { Ok(()) } else { Err(HqError::BadSiteCode(code.to_string())) }
}

/// HQ's subscription to a site (also the name of its slot at the site).
pub fn subscription_name(site: &str) -> String {
    format!("gardu_site_{}", site.to_ascii_lowercase().replace('-', "_"))
}

/// The slot at HQ that feeds a site's subscription to HQ's master data (slot names are per
/// server, so each site needs its own).
pub fn from_hq_slot_name(site: &str) -> String {
    format!("gardu_to_{}", site.to_ascii_lowercase().replace('-', "_"))
}

/// `text` as an SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A publication's table list with the site code filled in.
fn table_list(tables: &[&str], site: &str) -> String {
    tables.iter().map(|table| table.replace("{site}", &literal(site))).collect::<Vec<_>>().join(", ")
}

/// The bare names of a publication's tables.
fn table_names(tables: &[&'static str]) -> Vec<&'static str> {
    tables.iter().filter_map(|table| table.split([' ', '(']).next()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_codes_and_names() {
        for (code, ok) in
            [("JKT-MALL-01", true), ("a", true), ("", false), ("-X", false), ("A B", false), ("x'y", false)]
        {
            assert_eq!(check_site_code(code).is_ok(), ok, "{code:?}");
        }
        assert_eq!(subscription_name("JKT-MALL-01"), "gardu_site_jkt_mall_01");
        assert_eq!(from_hq_slot_name("JKT-MALL-01"), "gardu_to_jkt_mall_01");
    }

    #[test]
    fn table_lists_quote_the_site() {
        assert_eq!(
            table_list(&["sites WHERE (code = {site})", "entries"], "A'B"),
            "sites WHERE (code = 'A''B'), entries"
        );
        assert_eq!(table_names(SITE_LOG_TABLES), ["audit_log", "tariffs"]);
        assert_eq!(table_names(SITE_TABLES)[0], "sites");
        assert_eq!(table_names(SITE_TABLES).last(), Some(&"photos"));
    }
}
