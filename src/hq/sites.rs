//! HQ's side of each site: subscribing (`add-site`), unsubscribing (`remove-site`), copying a
//! site afresh after its slot was lost (`resync-site`), and `migrate`, which brings HQ's
//! publication up to date and resumes the sites that stopped on a schema change.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use postgres::Client;
use serde::Serialize;
use uuid::Uuid;

use super::publish::{PublishReport, publish_hq};
use super::{
    HqError, SITE_LOG_PUBLICATION, SITE_LOG_TABLES, SITE_PUBLICATION, SITE_TABLES, check_site_code, connect,
    literal, subscription_name, table_names,
};

/// How long HQ waits for a site's server when it must talk to it.
pub(super) const SITE_TIMEOUT: Duration = Duration::from_secs(10);

/// What `migrate` did besides the schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrateReport {
    /// HQ's publication and role.
    pub publish: PublishReport,
    /// Sites whose stopped subscription was switched on again.
    pub resumed: Vec<String>,
}

/// A site's subscription as HQ's catalog holds it.
pub(super) struct Subscription {
    pub(super) name: String,
    pub(super) enabled: bool,
    pub(super) conninfo: String,
    pub(super) slot: Option<String>,
}

pub(super) fn subscription(hq: &mut Client, name: &str) -> Result<Option<Subscription>, HqError> {
    let row = hq
        .query_opt(
            "SELECT subname::text, subenabled, subconninfo, subslotname::text FROM pg_subscription
             WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[&name],
        )
        .map_err(|err| HqError::db("read the subscriptions", &err))?;
    row.map(|row| {
        Ok(Subscription {
            name: row.try_get(0)?,
            enabled: row.try_get(1)?,
            conninfo: row.try_get(2)?,
            slot: row.try_get(3)?,
        })
    })
    .transpose()
    .map_err(|err: postgres::Error| HqError::db("read the subscriptions", &err))
}

/// The subscription name HQ recorded for `site`.
fn recorded(hq: &mut Client, site: &str) -> Result<Option<String>, HqError> {
    hq.query_opt("SELECT subscription FROM hq_sites WHERE site_code = $1", &[&site])
        .and_then(|row| row.map(|row| row.try_get(0)).transpose())
        .map_err(|err| HqError::db("read HQ's sites", &err))
}

/// `table.column` names the site publishes that HQ's schema lacks (the site migrated first).
pub(super) fn missing_columns(site: &mut Client, hq: &mut Client) -> Result<Vec<String>, HqError> {
    let published = site
        .query(
            "SELECT p.tablename::text, a::text FROM pg_publication_tables p, unnest(p.attnames) a
             WHERE p.pubname = ANY($1) ORDER BY 1, 2",
            &[&vec![SITE_PUBLICATION, SITE_LOG_PUBLICATION]],
        )
        .map_err(|err| HqError::db("read the site's publication", &err))?;
    let local = hq
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema()",
            &[],
        )
        .map_err(|err| HqError::db("read HQ's schema", &err))?;
    let have: std::collections::HashSet<(String, String)> =
        local.iter().filter_map(|row| Some((row.try_get(0).ok()?, row.try_get(1).ok()?))).collect();
    let mut missing = Vec::new();
    for row in &published {
        let (Ok(table), Ok(column)) = (row.try_get::<_, String>(0), row.try_get::<_, String>(1)) else {
            continue;
        };
        if !have.contains(&(table.clone(), column.clone())) {
            missing.push(format!("{table}.{column}"));
        }
    }
    Ok(missing)
}

fn create_subscription(hq: &mut Client, name: &str, conninfo: &str) -> Result<(), HqError> {
    // Not inside a transaction: PostgreSQL refuses CREATE SUBSCRIPTION in one. Without
    // `disable_on_error`: it also stops a subscription on a dropped connection, and a link that
    // comes back must resume by itself. Errors that do not heal (a newer schema at the site, a
    // lost slot) are named by `status` instead, while PostgreSQL retries.
    hq.batch_execute(&format!(
        "CREATE SUBSCRIPTION {name} CONNECTION {} PUBLICATION {SITE_PUBLICATION}, {SITE_LOG_PUBLICATION}
         WITH (copy_data = true)",
        literal(conninfo)
    ))
    .map_err(|err| HqError::db(format!("subscribe to the site ({name})"), &err))
}

/// Drops the slot `slot` at the site if it is there, waiting for its sender to let go of it.
fn drop_site_slot(site: &mut Client, slot: &str) -> Result<(), HqError> {
    let deadline = Instant::now() + SITE_TIMEOUT;
    loop {
        let row = site
            .query_opt("SELECT active FROM pg_replication_slots WHERE slot_name = $1", &[&slot])
            .map_err(|err| HqError::db("read the site's slots", &err))?;
        match row.map(|row| row.try_get::<_, bool>(0)).transpose() {
            Ok(None) => return Ok(()),
            Ok(Some(false)) => {
                return site
                    .execute("SELECT pg_drop_replication_slot($1)", &[&slot])
                    .map(|_| ())
                    .map_err(|err| HqError::db("drop the site's old slot", &err));
            }
            Ok(Some(true)) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            Ok(Some(true)) => {
                return Err(HqError::SiteNotReady(format!(
                    "the site's slot {slot} is still in use; stop what uses it and try again"
                )));
            }
            Err(err) => return Err(HqError::db("read the site's slots", &err)),
        }
    }
}

/// Checks that the database at `url` publishes as `site` and that HQ can hold what it sends.
fn check_site(hq: &mut Client, site: &str, url: &str) -> Result<Client, HqError> {
    let mut remote = connect(url, SITE_TIMEOUT)?;
    let identity: Option<String> = remote
        .query_opt("SELECT site_code FROM replication_identity", &[])
        .ok()
        .flatten()
        .and_then(|row| row.try_get(0).ok());
    match identity {
        Some(code) if code == site => {}
        Some(code) => {
            return Err(HqError::SiteNotReady(format!(
                "that database publishes site {code}, not {site}; check the code or the URL"
            )));
        }
        None => {
            return Err(HqError::SiteNotReady(format!(
                "that database does not publish yet: run `gardu replication publish` at site {site} first"
            )));
        }
    }
    let missing = missing_columns(&mut remote, hq)?;
    if !missing.is_empty() {
        return Err(HqError::SiteAhead { site: site.into(), missing: missing.join(", ") });
    }
    Ok(remote)
}

/// Subscribes HQ to the site `site` whose database is at `url` (as the replication role): HQ
/// copies the site's rows, then follows its changes.
pub fn add_site(hq: &mut Client, site: &str, url: &str, by: &str, now: DateTime<Utc>) -> Result<(), HqError> {
    check_site_code(site)?;
    let name = subscription_name(site);
    if recorded(hq, site)?.is_some() || subscription(hq, &name)?.is_some() {
        return Err(HqError::SiteExists(site.into()));
    }
    let mut remote = check_site(hq, site, url)?;
    prepare_rollups(hq)?;
    // A slot left by an earlier subscription (removed while the site was away) would make
    // the new one fail; it carries nothing HQ still needs.
    drop_site_slot(&mut remote, &name)?;
    create_subscription(hq, &name, url)?;
    hq.execute(
        "INSERT INTO hq_sites (site_code, subscription, added_at, added_by) VALUES ($1, $2, $3, $4)",
        &[&site, &name, &now, &by],
    )
    .map_err(|err| HqError::db("record the site", &err))?;
    Ok(())
}

/// Stops following a site. HQ keeps the rows it has. Returns the slot left at the site when
/// the site could not be reached (its DBA must drop it, or it holds WAL back).
pub fn remove_site(hq: &mut Client, site: &str) -> Result<Option<String>, HqError> {
    let name = recorded(hq, site)?.ok_or_else(|| HqError::UnknownSite(site.into()))?;
    let mut left = None;
    // DROP SUBSCRIPTION also drops the slot at the site; when the site cannot be reached,
    // the subscription goes without it and the slot is named for the site's DBA.
    if let Some(sub) = subscription(hq, &name)?
        && hq.batch_execute(&format!("DROP SUBSCRIPTION {name}")).is_err()
    {
        detach(hq, &sub)?;
        left = sub.slot.clone();
    }
    hq.execute("DELETE FROM hq_sites WHERE site_code = $1", &[&site])
        .map_err(|err| HqError::db("forget the site", &err))?;
    Ok(left)
}

/// Drops a subscription without touching the site (which may be unreachable or slotless).
fn detach(hq: &mut Client, sub: &Subscription) -> Result<(), HqError> {
    let name = &sub.name;
    let what = format!("drop the subscription {name}");
    if sub.enabled {
        hq.batch_execute(&format!("ALTER SUBSCRIPTION {name} DISABLE"))
            .map_err(|err| HqError::db(&what, &err))?;
    }
    hq.batch_execute(&format!("ALTER SUBSCRIPTION {name} SET (slot_name = NONE)"))
        .map_err(|err| HqError::db(&what, &err))?;
    hq.batch_execute(&format!("DROP SUBSCRIPTION {name}")).map_err(|err| HqError::db(&what, &err))
}

/// Copies a site afresh: drops HQ's subscription and the site's slot, replaces HQ's copy of the
/// site's rows with the site's rows as they are now, and follows the site again. For a site
/// whose slot was lost (`wal_status = lost`, or dropped): HQ ends with exactly the site's rows,
/// none twice. Rows the site purged before are no longer at HQ afterwards.
pub fn resync_site(hq: &mut Client, site: &str) -> Result<(), HqError> {
    let name = recorded(hq, site)?.ok_or_else(|| HqError::UnknownSite(site.into()))?;
    let sub = subscription(hq, &name)?.ok_or_else(|| HqError::UnknownSite(site.into()))?;
    let conninfo = sub.conninfo.clone();
    let mut remote = check_site(hq, site, &conninfo)?;
    detach(hq, &sub)?;
    drop_site_slot(&mut remote, &name)?;
    let photo_ids: Vec<Uuid> = remote
        .query("SELECT id FROM photos", &[])
        .map_err(|err| HqError::db("read the site's photos", &err))?
        .iter()
        .filter_map(|row| row.try_get(0).ok())
        .collect();
    let mut tx = hq.transaction().map_err(|err| HqError::db("clear HQ's copy of the site", &err))?;
    tx.execute(
        "DELETE FROM photos WHERE id = ANY($2) OR id IN (
             SELECT photo_id FROM entries WHERE site_code = $1
             UNION SELECT photo_id FROM exits WHERE site_code = $1
             UNION SELECT photo_id FROM duplicate_exits WHERE site_code = $1)",
        &[&site, &photo_ids],
    )
    .map_err(|err| HqError::db("clear HQ's copy of the site's photos", &err))?;
    tx.execute(
        "DELETE FROM shift_late_records WHERE shift_id IN (SELECT id FROM shifts WHERE site_code = $1)",
        &[&site],
    )
    .map_err(|err| HqError::db("clear HQ's copy of the site", &err))?;
    let mut tables = table_names(SITE_LOG_TABLES);
    tables.extend(table_names(SITE_TABLES));
    // HQ's own rollups of the site's visit_links, made again as the copy arrives.
    tables.extend(["exit_days", "visit_days", "quarter_figures"]);
    for table in tables {
        let column = match table {
            "photos" | "shift_late_records" => continue,
            "sites" => "code",
            _ => "site_code",
        };
        tx.execute(&format!("DELETE FROM {table} WHERE {column} = $1"), &[&site])
            .map_err(|err| HqError::db(format!("clear HQ's copy of the site's {table}"), &err))?;
    }
    tx.commit().map_err(|err| HqError::db("clear HQ's copy of the site", &err))?;
    create_subscription(hq, &name, &conninfo)
}

/// After HQ's schema is migrated: HQ's publication and role, then every site's subscription
/// that was switched off switched on again. A site that was ahead of HQ's schema resumes by
/// itself once the schema fits (PostgreSQL retries it).
pub fn migrate(hq: &mut Client, password: Option<&str>) -> Result<MigrateReport, HqError> {
    let publish = publish_hq(hq, password)?;
    prepare_rollups(hq)?;
    let rows = hq
        .query("SELECT site_code, subscription FROM hq_sites ORDER BY site_code", &[])
        .map_err(|err| HqError::db("read HQ's sites", &err))?;
    let mut resumed = Vec::new();
    for row in rows {
        let (Ok(site), Ok(name)) = (row.try_get::<_, String>(0), row.try_get::<_, String>(1)) else {
            continue;
        };
        if let Some(sub) = subscription(hq, &name)?
            && !sub.enabled
        {
            hq.batch_execute(&format!("ALTER SUBSCRIPTION {name} ENABLE"))
                .map_err(|err| HqError::db(format!("resume site {site}"), &err))?;
            resumed.push(site);
        }
    }
    Ok(MigrateReport { publish, resumed })
}

/// HQ's rollups kept by replica triggers on `visit_links`: each trigger's name and how its
/// rollups are rebuilt from `visit_links`. The month statistics' `exit_days` (migration 0014),
/// the transaction list's `visit_days` (migration 0017) and the day statistics'
/// `quarter_figures` (migration 0019).
const ROLLUPS: &[(&str, &str)] = &[
    (
        "exit_days_replica",
        "DELETE FROM exit_days;
         INSERT INTO exit_days
         SELECT d.site_code, d.day, d.exit_simulated, d.class, d.method, d.operator, d.shift_id,
                sum(d.exits), sum(d.revenue), sum(d.lost_tickets), sum(d.stays), sum(d.stay_us)
         FROM visit_links v,
              LATERAL exit_days_add(1, v.site_code, v.exit_time, v.entry_time, v.has_entry,
                  v.exit_simulated, v.class, v.method, v.exit_operator, v.shift_id, v.total,
                  v.lost_ticket) d
         WHERE v.exit_id IS NOT NULL
         GROUP BY 1, 2, 3, 4, 5, 6, 7;",
    ),
    ("visit_days_replica", "SELECT visit_days_rebuild();"),
    ("quarter_figures_replica", "SELECT quarter_figures_rebuild();"),
];

/// Keeps HQ's rollups (the month statistics, the transaction list's totals) for the rows the
/// sites replicate. The apply workers fire no ordinary and no statement trigger, so a row
/// trigger does that work at HQ once switched on for replicated rows (`ENABLE REPLICA`). The
/// first time, HQ's rollups are rebuilt from `visit_links` in the same transaction, with the
/// apply workers held off, so no replicated row is counted twice or missed. Does nothing once
/// done.
pub(super) fn prepare_rollups(hq: &mut Client) -> Result<(), HqError> {
    let what = "prepare HQ's statistics rollups";
    let mut tx = hq.transaction().map_err(|err| HqError::db(what, &err))?;
    for (trigger, rebuild) in ROLLUPS {
        let state: Option<String> = tx
            .query_opt(
                "SELECT tgenabled::text FROM pg_trigger WHERE tgname = $1 AND tgrelid = 'visit_links'::regclass",
                &[trigger],
            )
            .map_err(|err| HqError::db(what, &err))?
            .and_then(|row| row.try_get(0).ok());
        // 'D' (disabled) is the state its migration leaves; 'R' means done already.
        if state.as_deref() != Some("D") {
            continue;
        }
        tx.batch_execute(&format!(
            "LOCK TABLE visit_links IN SHARE ROW EXCLUSIVE MODE;
             {rebuild}
             ALTER TABLE visit_links ENABLE REPLICA TRIGGER {trigger};"
        ))
        .map_err(|err| HqError::db(what, &err))?;
    }
    tx.commit().map_err(|err| HqError::db(what, &err))
}
