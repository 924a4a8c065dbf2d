//! The publishing side: a site's publications (`gardu replication publish`), HQ's publication
//! of its master data (`gardu hq migrate`), the least-rights replication role both use, and
//! whether the server is set up for logical replication at all.

use chrono::{DateTime, Utc};
use postgres::Client;
use serde::Serialize;

use super::{
    FROM_HQ_SUBSCRIPTION, HQ_PUBLICATION, HQ_TABLES, HqError, REPLICATION_ROLE, SITE_LOG_PUBLICATION,
    SITE_LOG_TABLES, SITE_PUBLICATION, SITE_TABLES, check_site_code, literal, table_list, table_names,
};

/// The server settings logical replication depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerSettings {
    /// Must be `logical`.
    pub wal_level: String,
    /// Slots this server may hold (one per subscriber).
    pub max_replication_slots: i64,
    /// Sending processes this server may run (one per subscriber).
    pub max_wal_senders: i64,
    /// How much WAL a slot may hold back while its subscriber is away (`-1`: without limit,
    /// which can fill the disk).
    pub max_slot_wal_keep_size: String,
}

impl ServerSettings {
    /// Whether logical replication can run now.
    pub fn ready(&self) -> bool {
        self.wal_level == "logical" && self.max_replication_slots > 0 && self.max_wal_senders > 0
    }

    /// The `postgresql.conf` lines this server still needs (empty when none).
    pub fn missing_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.wal_level != "logical" {
            lines.push("wal_level = logical".to_string());
        }
        if self.max_replication_slots < 4 {
            lines.push("max_replication_slots = 10".to_string());
        }
        if self.max_wal_senders < 4 {
            lines.push("max_wal_senders = 10".to_string());
        }
        if self.max_slot_wal_keep_size == "-1" {
            lines.push(
                "max_slot_wal_keep_size = 20GB   # what the disk can spare while HQ is away".to_string(),
            );
        }
        lines
    }

    fn read(client: &mut Client) -> Result<ServerSettings, HqError> {
        let setting = |client: &mut Client, name: &str| -> Result<String, HqError> {
            let row = client
                .query_one("SELECT current_setting($1)", &[&name])
                .map_err(|err| HqError::db(format!("read the setting {name}"), &err))?;
            row.try_get::<_, String>(0).map_err(|err| HqError::db(format!("read the setting {name}"), &err))
        };
        let number = |text: String| text.trim().parse::<i64>().unwrap_or(0);
        Ok(ServerSettings {
            wal_level: setting(client, "wal_level")?,
            max_replication_slots: number(setting(client, "max_replication_slots")?),
            max_wal_senders: number(setting(client, "max_wal_senders")?),
            max_slot_wal_keep_size: setting(client, "max_slot_wal_keep_size")?,
        })
    }
}

/// What `publish_site` or `publish_hq` did and what is still to do by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishReport {
    /// The publications now in place.
    pub publications: Vec<String>,
    /// Whether the replication role was made now (its password is the one passed in).
    pub role_created: bool,
    /// The role subscribers log in as.
    pub role: String,
    /// The server's settings as they are.
    pub settings: ServerSettings,
    /// `postgresql.conf` lines still needed (then restart PostgreSQL).
    pub postgresql_conf: Vec<String>,
    /// The `pg_hba.conf` line the subscriber needs (adapt the address).
    pub pg_hba_conf: String,
    /// At a site: whether it now subscribes to HQ's master data.
    pub subscribed_to_hq: bool,
}

fn run(client: &mut Client, what: &str, sql: &str) -> Result<(), HqError> {
    client.batch_execute(sql).map_err(|err| HqError::db(what, &err))
}

fn exists(client: &mut Client, what: &str, sql: &str, name: &str) -> Result<bool, HqError> {
    client.query_opt(sql, &[&name]).map(|row| row.is_some()).map_err(|err| HqError::db(what, &err))
}

/// Creates the replication role when missing (with `password`, if any) and lets it read `tables`.
fn ensure_role(client: &mut Client, password: Option<&str>, tables: &[&str]) -> Result<bool, HqError> {
    let created = !exists(
        client,
        "look up the replication role",
        "SELECT 1 FROM pg_roles WHERE rolname = $1",
        REPLICATION_ROLE,
    )?;
    if created {
        let password = password.map(|p| format!(" PASSWORD {}", literal(p))).unwrap_or_default();
        run(
            client,
            "create the replication role",
            &format!("CREATE ROLE {REPLICATION_ROLE} LOGIN REPLICATION{password}"),
        )?;
    }
    run(
        client,
        "let the replication role read the published tables",
        &format!("GRANT SELECT ON {} TO {REPLICATION_ROLE}", tables.join(", ")),
    )?;
    Ok(created)
}

/// Creates or updates a publication of `tables` (already in SQL form).
fn ensure_publication(client: &mut Client, name: &str, tables: &str, publish: &str) -> Result<(), HqError> {
    let what = format!("set up the publication {name}");
    if exists(client, &what, "SELECT 1 FROM pg_publication WHERE pubname = $1", name)? {
        run(client, &what, &format!("ALTER PUBLICATION {name} SET TABLE {tables}"))?;
        run(client, &what, &format!("ALTER PUBLICATION {name} SET (publish = {})", literal(publish)))
    } else {
        run(
            client,
            &what,
            &format!("CREATE PUBLICATION {name} FOR TABLE {tables} WITH (publish = {})", literal(publish)),
        )
    }
}

fn hba_line(database: &str) -> String {
    format!("hostssl {database} {REPLICATION_ROLE} HQ_ADDRESS/32 scram-sha-256")
}

fn current_database(client: &mut Client) -> Result<String, HqError> {
    client
        .query_one("SELECT current_database()", &[])
        .and_then(|row| row.try_get(0))
        .map_err(|err| HqError::db("read the database name", &err))
}

/// At a site (a migrated database): records which site this database serves, creates or
/// updates its publications and the replication role, and, given `hq_url` (HQ's database as
/// the replication role), subscribes to HQ's master data. `password` is the new role's
/// password, used only when the role is made now.
pub fn publish_site(
    client: &mut Client,
    site: &str,
    password: Option<&str>,
    hq_url: Option<&str>,
    now: DateTime<Utc>,
) -> Result<PublishReport, HqError> {
    check_site_code(site)?;
    let settings = ServerSettings::read(client)?;
    let identity: Option<String> = client
        .query_opt("SELECT site_code FROM replication_identity", &[])
        .map_err(|err| HqError::db("read the site this database serves", &err))?
        .map(|row| row.try_get(0))
        .transpose()
        .map_err(|err| HqError::db("read the site this database serves", &err))?;
    match identity {
        Some(code) if code != site => {
            return Err(HqError::SiteNotReady(format!(
                "this database publishes as site {code}, not {site}; check site.code in the config"
            )));
        }
        Some(_) => {}
        None => {
            // The identity and the copy of the members go in together, so the trigger that
            // keeps site_members from then on starts from a complete copy.
            let mut tx = client.transaction().map_err(|err| HqError::db("record the site", &err))?;
            tx.execute("INSERT INTO replication_identity (site_code, published_at) VALUES ($1, $2)", &[&site, &now])
                .and_then(|_| {
                    tx.execute(
                        "INSERT INTO site_members (site_code, card_uid, name, plate, class, valid_until, active, simulated)
                         SELECT $1, card_uid, name, plate, class, valid_until, active, simulated FROM members
                         ON CONFLICT (site_code, card_uid) DO NOTHING",
                        &[&site],
                    )
                })
                .map_err(|err| HqError::db("record the site", &err))?;
            tx.commit().map_err(|err| HqError::db("record the site", &err))?;
        }
    }
    ensure_publication(client, SITE_PUBLICATION, &table_list(SITE_TABLES, site), "insert, update")?;
    ensure_publication(client, SITE_LOG_PUBLICATION, &table_list(SITE_LOG_TABLES, site), "insert")?;
    let mut readable = table_names(SITE_TABLES);
    readable.extend(table_names(SITE_LOG_TABLES));
    readable.extend(["schema_migrations", "replication_identity"]);
    let role_created = ensure_role(client, password, &readable)?;
    let subscribed_to_hq = match hq_url {
        Some(url) => {
            subscribe_to_hq(client, site, url)?;
            true
        }
        None => exists(
            client,
            "look up the subscription to HQ",
            "SELECT 1 FROM pg_subscription WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
            FROM_HQ_SUBSCRIPTION,
        )?,
    };
    let database = current_database(client)?;
    Ok(PublishReport {
        publications: vec![SITE_PUBLICATION.into(), SITE_LOG_PUBLICATION.into()],
        role_created,
        role: REPLICATION_ROLE.into(),
        postgresql_conf: settings.missing_lines(),
        settings,
        pg_hba_conf: hba_line(&database),
        subscribed_to_hq,
    })
}

/// The site's subscription to HQ's master data: made once, later pointed at `url` again.
fn subscribe_to_hq(client: &mut Client, site: &str, url: &str) -> Result<(), HqError> {
    let what = "subscribe to HQ's master data";
    let exists = exists(
        client,
        what,
        "SELECT 1 FROM pg_subscription WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
        FROM_HQ_SUBSCRIPTION,
    )?;
    if exists {
        run(client, what, &format!("ALTER SUBSCRIPTION {FROM_HQ_SUBSCRIPTION} CONNECTION {}", literal(url)))?;
        run(client, what, &format!("ALTER SUBSCRIPTION {FROM_HQ_SUBSCRIPTION} ENABLE"))
    } else {
        // Not inside a transaction: PostgreSQL refuses CREATE SUBSCRIPTION in one.
        run(
            client,
            what,
            &format!(
                "CREATE SUBSCRIPTION {FROM_HQ_SUBSCRIPTION} CONNECTION {} PUBLICATION {HQ_PUBLICATION}
                 WITH (copy_data = true, slot_name = {})",
                literal(url),
                literal(&super::from_hq_slot_name(site))
            ),
        )
    }
}

/// At HQ (a migrated database): creates or updates the publication of HQ's master data and the
/// replication role the sites log in as.
pub fn publish_hq(client: &mut Client, password: Option<&str>) -> Result<PublishReport, HqError> {
    let settings = ServerSettings::read(client)?;
    ensure_publication(client, HQ_PUBLICATION, &HQ_TABLES.join(", "), "insert, update, delete")?;
    let role_created = ensure_role(client, password, HQ_TABLES)?;
    let database = current_database(client)?;
    Ok(PublishReport {
        publications: vec![HQ_PUBLICATION.into()],
        role_created,
        role: REPLICATION_ROLE.into(),
        postgresql_conf: settings.missing_lines(),
        settings,
        pg_hba_conf: hba_line(&database).replace("HQ_ADDRESS", "SITE_ADDRESS"),
        subscribed_to_hq: false,
    })
}
