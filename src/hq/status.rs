//! How each site's link to HQ is doing, read from HQ's subscription catalogs and, for the
//! slot's figures, from the site itself: what `gardu hq status` prints and the HQ console shows.

use std::time::Duration;

use postgres::Client;
use serde::Serialize;

use super::sites::{missing_columns, subscription};
use super::{HqError, connect};

/// The state of a site's link, as `hq status --json` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// HQ is copying the site's tables (or its worker is starting).
    Initializing,
    /// HQ follows the site's changes.
    Streaming,
    /// Switched off without an error.
    Disabled,
    /// Stopped on an error: `error` and `fix` say what and what to do.
    Error,
    /// HQ cannot reach the site's database; it catches up by itself once it can.
    Unreachable,
}

/// One site as HQ sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteLink {
    /// Site code.
    pub site: String,
    /// State of the link.
    pub state: LinkState,
    /// Streaming, and HQ has confirmed everything the site wrote so far.
    pub caught_up: bool,
    /// WAL the site wrote that HQ has not confirmed yet (unknown while unreachable).
    pub lag_bytes: Option<i64>,
    /// Seconds since HQ last heard from the site (a keepalive counts).
    pub last_message_age_s: Option<f64>,
    /// What is wrong, in plain words.
    pub error: Option<String>,
    /// What to do about it.
    pub fix: Option<String>,
    /// The slot's `wal_status` at the site: `reserved`, `extended`, `unreserved` or `lost`.
    pub wal_status: Option<String>,
    /// WAL the site keeps for HQ's slot.
    pub retained_bytes: Option<i64>,
    /// HQ's subscription to the site.
    pub subscription: String,
}

/// What the site says about HQ's slot.
struct SlotFigures {
    exists: bool,
    wal_status: Option<String>,
    retained_bytes: Option<i64>,
    lag_bytes: Option<i64>,
}

fn slot_figures(site: &mut Client, slot: &str) -> Result<SlotFigures, postgres::Error> {
    let row = site.query_one(
        "SELECT s.slot_name IS NOT NULL, s.wal_status,
                pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint,
                pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint
         FROM (SELECT 1) one LEFT JOIN pg_replication_slots s ON s.slot_name = $1",
        &[&slot],
    )?;
    Ok(SlotFigures {
        exists: row.try_get(0)?,
        wal_status: row.try_get(1)?,
        retained_bytes: row.try_get(2)?,
        lag_bytes: row.try_get::<_, Option<i64>>(3)?.map(|lag| lag.max(0)),
    })
}

/// Every site HQ follows, in site order. `site_timeout` bounds the wait for each site's server.
pub fn status(hq: &mut Client, site_timeout: Duration) -> Result<Vec<SiteLink>, HqError> {
    let rows = hq
        .query(
            "SELECT h.site_code, h.subscription, st.pid IS NOT NULL,
                    extract(epoch FROM now() - st.last_msg_receipt_time)::float8,
                    coalesce(ss.apply_error_count + ss.sync_error_count, 0)::bigint,
                    (SELECT count(*) FROM pg_subscription_rel r WHERE r.srsubid = sub.oid AND r.srsubstate <> 'r')
             FROM hq_sites h
             LEFT JOIN pg_subscription sub ON sub.subname = h.subscription
                  AND sub.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
             LEFT JOIN pg_stat_subscription st ON st.subid = sub.oid AND st.relid IS NULL
             LEFT JOIN pg_stat_subscription_stats ss ON ss.subid = sub.oid
             ORDER BY h.site_code",
            &[],
        )
        .map_err(|err| HqError::db("read the subscriptions", &err))?;
    let mut links = Vec::with_capacity(rows.len());
    for row in rows {
        let read = |err: postgres::Error| HqError::db("read the subscriptions", &err);
        let site: String = row.try_get(0).map_err(read)?;
        let name: String = row.try_get(1).map_err(read)?;
        let running: bool = row.try_get(2).map_err(read)?;
        let age: Option<f64> = row.try_get(3).map_err(read)?;
        let errors: i64 = row.try_get(4).map_err(read)?;
        let copying: i64 = row.try_get(5).map_err(read)?;
        links.push(link(hq, site, name, running, age, errors, copying, site_timeout)?);
    }
    Ok(links)
}

#[allow(clippy::too_many_arguments)]
fn link(
    hq: &mut Client,
    site: String,
    name: String,
    running: bool,
    age: Option<f64>,
    errors: i64,
    copying: i64,
    site_timeout: Duration,
) -> Result<SiteLink, HqError> {
    let mut link = SiteLink {
        state: LinkState::Streaming,
        caught_up: false,
        lag_bytes: None,
        last_message_age_s: age.map(|age| age.max(0.0)),
        error: None,
        fix: None,
        wal_status: None,
        retained_bytes: None,
        subscription: name.clone(),
        site,
    };
    let Some(sub) = subscription(hq, &name)? else {
        link.state = LinkState::Error;
        link.error = Some("HQ has no subscription to this site".into());
        link.fix = Some(format!("gardu hq remove-site {0}, then gardu hq add-site {0} --url URL", link.site));
        return Ok(link);
    };
    let mut remote = match crate::store::postgres::tls::configure(&sub.conninfo) {
        Ok(_) => connect(&sub.conninfo, site_timeout).ok(),
        Err(_) => None,
    };
    let slot = sub.slot.clone().unwrap_or_else(|| name.clone());
    let figures = remote.as_mut().and_then(|site| slot_figures(site, &slot).ok());
    if let Some(figures) = &figures {
        link.wal_status = figures.wal_status.clone();
        link.retained_bytes = figures.retained_bytes;
        link.lag_bytes = figures.lag_bytes;
    }
    // A lost slot cannot be resumed, whatever else is wrong: only a fresh copy recovers it.
    if let Some(figures) = &figures
        && (!figures.exists || figures.wal_status.as_deref() == Some("lost"))
    {
        link.state = LinkState::Error;
        link.error = Some(if figures.exists {
            "the site removed WAL that HQ had not received (max_slot_wal_keep_size was reached)".into()
        } else {
            "HQ's replication slot at the site is gone".into()
        });
        link.fix = Some(format!("gardu hq resync-site {}", link.site));
        return Ok(link);
    }
    if !sub.enabled {
        link.state = if errors == 0 { LinkState::Disabled } else { LinkState::Error };
        if errors > 0 {
            link.error = Some("the subscription was switched off after an error".into());
        }
        link.fix = Some("gardu hq migrate switches it on again".into());
        return Ok(link);
    }
    let Some(site) = remote.as_mut().filter(|_| figures.is_some()) else {
        link.state = LinkState::Unreachable;
        link.error = Some("HQ cannot reach the site's database".into());
        link.fix = Some(
            "check the site's network and PostgreSQL server; HQ catches up by itself when it is back".into(),
        );
        return Ok(link);
    };
    let missing = missing_columns(site, hq).unwrap_or_default();
    if !missing.is_empty() {
        link.state = LinkState::Error;
        link.error = Some(format!("the site's schema is newer than HQ's: HQ lacks {}", missing.join(", ")));
        link.fix = Some(
            "install the site's Gardu version at HQ and run `gardu hq migrate`; the site then resumes".into(),
        );
        return Ok(link);
    }
    if !running && errors > 0 {
        link.state = LinkState::Error;
        link.error = Some(
            "HQ's replication worker for this site fails and retries (HQ's PostgreSQL log has the details)"
                .into(),
        );
        link.fix = Some(format!("correct the cause; if it persists, gardu hq resync-site {}", link.site));
        return Ok(link);
    }
    if copying > 0 || !running {
        link.state = LinkState::Initializing;
        return Ok(link);
    }
    link.caught_up = link.lag_bytes == Some(0);
    Ok(link)
}
