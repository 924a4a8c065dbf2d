//! Sites, vehicle classes, tariff versions and ticket sequences in PostgreSQL.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use postgres::Row;

use super::codec::{self, bad, get};
use super::error::PgResult;
use super::pool::{Conn, Sql};
use crate::domain::tariff::default_tariffs;
use crate::domain::vehicle::default_classes;
use crate::domain::{ClassCode, MemberRule, Tariff, VehicleClass};
use crate::store::{Site, StoreError, TariffVersion};

/// Who the seeded tariff versions are attributed to.
const SEED_AUTHOR: &str = "system";

/// Serialises `ensure_site` across booths: two booths starting at once on a new database
/// would otherwise both see "no tariffs yet" and both seed them.
const ENSURE_SITE_LOCK: i64 = 0x6761_7264_7500_0001;

/// The seeded tariffs apply from long before any site opened, so every visit finds one.
fn seed_effective_from() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single().unwrap_or(DateTime::UNIX_EPOCH)
}

const SITE_COLUMNS: &str = "code, name, location, region, timezone, capacity, receipt_header, receipt_footer";

fn site_from_row(row: &Row) -> PgResult<Site> {
    Ok(Site {
        code: get(row, 0)?,
        name: get(row, 1)?,
        location: get(row, 2)?,
        region: get(row, 3)?,
        timezone: get(row, 4)?,
        capacity: match get::<Option<i64>>(row, 5)? {
            None => None,
            Some(value) => Some(u32::try_from(value).map_err(|err| bad(5, err))?),
        },
        receipt_header: get(row, 6)?,
        receipt_footer: get(row, 7)?,
    })
}

pub(super) fn site(db: &mut impl Sql, code: &str) -> PgResult<Option<Site>> {
    let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE code = $1");
    db.query_opt(&sql, &[&code])?.map(|row| site_from_row(&row)).transpose()
}

pub(super) fn sites(db: &mut impl Sql) -> PgResult<Vec<Site>> {
    let sql = format!("SELECT {SITE_COLUMNS} FROM sites ORDER BY code");
    db.query(&sql, &[])?.iter().map(site_from_row).collect()
}

pub(super) fn followed_sites(db: &mut impl Sql) -> PgResult<Vec<String>> {
    let rows = db.query("SELECT site_code FROM hq_sites ORDER BY site_code", &[])?;
    rows.iter().map(|row| get(row, 0)).collect()
}

fn write_site(db: &mut impl Sql, site: &Site, on_conflict: &str) -> PgResult<()> {
    let sql = format!(
        "INSERT INTO sites ({SITE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (code) {on_conflict}"
    );
    db.execute(
        &sql,
        &[
            &site.code,
            &site.name,
            &site.location,
            &site.region,
            &site.timezone,
            &site.capacity.map(i64::from),
            &site.receipt_header,
            &site.receipt_footer,
        ],
    )?;
    Ok(())
}

pub(super) fn save_site(db: &mut impl Sql, site: &Site) -> PgResult<()> {
    write_site(
        db,
        site,
        "DO UPDATE SET name = excluded.name, location = excluded.location, region = excluded.region,
             timezone = excluded.timezone, capacity = excluded.capacity,
             receipt_header = excluded.receipt_header, receipt_footer = excluded.receipt_footer",
    )
}

/// Creates what a new site needs in one transaction, touching nothing that already exists.
pub(super) fn ensure_site(conn: &mut Conn, site: &Site) -> PgResult<()> {
    let mut tx = conn.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ENSURE_SITE_LOCK])?;
    write_site(&mut tx, site, "DO NOTHING")?;
    let classes = codec::count_at(&tx.query_one("SELECT count(*) FROM vehicle_classes", &[])?, 0)?;
    if classes == 0 {
        for class in default_classes() {
            save_vehicle_class(&mut tx, &class)?;
        }
    }
    let tariffs = codec::count_at(
        &tx.query_one("SELECT count(*) FROM tariffs WHERE site_code = $1", &[&site.code])?,
        0,
    )?;
    if tariffs == 0 {
        for tariff in default_tariffs() {
            // A site whose admin removed a default class gets no tariff for it.
            if class_exists(&mut tx, &tariff.class)? {
                insert_tariff(
                    &mut tx,
                    &TariffVersion {
                        site: site.code.clone(),
                        tariff,
                        effective_from: seed_effective_from(),
                        created_by: SEED_AUTHOR.to_string(),
                    },
                )?;
            }
        }
    }
    tx.commit()
}

pub(super) fn vehicle_classes(db: &mut impl Sql) -> PgResult<Vec<VehicleClass>> {
    // COLLATE "C": the same byte order as SQLite, whatever the server's locale.
    let rows = db.query(
        "SELECT code, name_id, name_en, sort_order FROM vehicle_classes ORDER BY sort_order, code COLLATE \"C\"",
        &[],
    )?;
    rows.iter()
        .map(|row| {
            Ok(VehicleClass {
                code: codec::class_at(row, 0)?,
                name_id: get(row, 1)?,
                name_en: get(row, 2)?,
                sort_order: get(row, 3)?,
            })
        })
        .collect()
}

pub(super) fn save_vehicle_class(db: &mut impl Sql, class: &VehicleClass) -> PgResult<()> {
    db.execute(
        "INSERT INTO vehicle_classes (code, name_id, name_en, sort_order) VALUES ($1, $2, $3, $4)
         ON CONFLICT (code) DO UPDATE SET
             name_id = excluded.name_id, name_en = excluded.name_en, sort_order = excluded.sort_order",
        &[&class.code.as_str(), &class.name_id, &class.name_en, &class.sort_order],
    )?;
    Ok(())
}

fn class_exists(db: &mut impl Sql, class: &ClassCode) -> PgResult<bool> {
    Ok(db.query_opt("SELECT 1 FROM vehicle_classes WHERE code = $1", &[&class.as_str()])?.is_some())
}

const TARIFF_COLUMNS: &str = "t.class, t.grace_min, t.first_period_min, t.first_fee, t.next_period_min, \
     t.next_fee, t.daily_max, t.lost_fine, t.member_kind, t.member_percent";

/// The tariff versions of site `$1`: its own, and the versions HQ defined for it (or for all
/// sites) that arrived through replication (`hq_tariffs`, shown as saved by `hq:USER`). The
/// latest version in force wins; at the same moment the site's own version wins.
const SITE_TARIFFS: &str = "(SELECT site_code, class, effective_from, grace_min, first_period_min, first_fee,
         next_period_min, next_fee, daily_max, lost_fine, member_kind, member_percent, created_by,
         0 AS source
     FROM tariffs WHERE site_code = $1
     UNION ALL
     SELECT $1::text, class, effective_from, grace_min, first_period_min, first_fee, next_period_min,
         next_fee, daily_max, lost_fine, member_kind, member_percent, 'hq:' || created_by, 1
     FROM hq_tariffs WHERE all_sites OR $1::text = ANY (sites)) t";

fn tariff_from_row(row: &Row) -> PgResult<Tariff> {
    let member_kind: String = get(row, 8)?;
    let member = match member_kind.as_str() {
        "free" => MemberRule::Free,
        "percent_off" => {
            let percent: i64 = get(row, 9)?;
            MemberRule::PercentOff(u8::try_from(percent).map_err(|err| bad(9, err))?)
        }
        other => return Err(bad(8, format!("unknown member rule {other:?}"))),
    };
    Ok(Tariff {
        class: codec::class_at(row, 0)?,
        grace_min: codec::u32_at(row, 1)?,
        first_period_min: codec::u32_at(row, 2)?,
        first_fee: codec::rupiah_at(row, 3)?,
        next_period_min: codec::u32_at(row, 4)?,
        next_fee: codec::rupiah_at(row, 5)?,
        daily_max: codec::rupiah_at(row, 6)?,
        lost_fine: codec::rupiah_at(row, 7)?,
        member,
    })
}

pub(super) fn tariff_at(
    db: &mut impl Sql,
    site: &str,
    class: &ClassCode,
    at: DateTime<Utc>,
) -> PgResult<Option<Tariff>> {
    let sql = format!(
        "SELECT {TARIFF_COLUMNS} FROM {SITE_TARIFFS}
         WHERE t.class = $2 AND t.effective_from <= $3
         ORDER BY t.effective_from DESC, t.source LIMIT 1"
    );
    db.query_opt(&sql, &[&site, &class.as_str(), &at])?.map(|row| tariff_from_row(&row)).transpose()
}

pub(super) fn tariff_versions(db: &mut impl Sql, site: &str) -> PgResult<Vec<TariffVersion>> {
    let sql = format!(
        "SELECT {TARIFF_COLUMNS}, t.site_code, t.effective_from, t.created_by FROM {SITE_TARIFFS}
         LEFT JOIN vehicle_classes vc ON vc.code = t.class
         ORDER BY t.effective_from DESC, t.source, vc.sort_order, t.class COLLATE \"C\""
    );
    let rows = db.query(&sql, &[&site])?;
    rows.iter()
        .map(|row| {
            Ok(TariffVersion {
                tariff: tariff_from_row(row)?,
                site: get(row, 10)?,
                effective_from: get(row, 11)?,
                created_by: get(row, 12)?,
            })
        })
        .collect()
}

pub(super) fn add_tariff_version(conn: &mut Conn, version: &TariffVersion) -> PgResult<()> {
    version.tariff.validate().map_err(|err| StoreError::Refused(err.to_string()))?;
    let mut tx = conn.transaction()?;
    if site(&mut tx, &version.site)?.is_none() {
        return Err(StoreError::NotFound(format!("site {}", version.site)).into());
    }
    if !class_exists(&mut tx, &version.tariff.class)? {
        return Err(StoreError::NotFound(format!("vehicle class {}", version.tariff.class)).into());
    }
    insert_tariff(&mut tx, version)?;
    tx.commit()
}

fn insert_tariff(db: &mut impl Sql, version: &TariffVersion) -> PgResult<()> {
    let tariff = &version.tariff;
    let (member_kind, member_percent) = match tariff.member {
        MemberRule::Free => ("free", 0),
        MemberRule::PercentOff(percent) => ("percent_off", i64::from(percent)),
    };
    let inserted = db.execute(
        "INSERT INTO tariffs (site_code, class, effective_from, grace_min, first_period_min,
             first_fee, next_period_min, next_fee, daily_max, lost_fine, member_kind,
             member_percent, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (site_code, class, effective_from) DO NOTHING",
        &[
            &version.site,
            &tariff.class.as_str(),
            &version.effective_from,
            &i64::from(tariff.grace_min),
            &i64::from(tariff.first_period_min),
            &tariff.first_fee.0,
            &i64::from(tariff.next_period_min),
            &tariff.next_fee.0,
            &tariff.daily_max.0,
            &tariff.lost_fine.0,
            &member_kind,
            &member_percent,
            &version.created_by,
        ],
    )?;
    if inserted == 0 {
        return Err(StoreError::Duplicate(format!(
            "a {} tariff for {} from {}",
            tariff.class, version.site, version.effective_from
        ))
        .into());
    }
    Ok(())
}

pub(super) fn next_ticket_sequence(
    db: &mut impl Sql,
    site: &str,
    booth: &str,
    day: NaiveDate,
) -> PgResult<u32> {
    // One statement: the row lock makes two booths' draws wait for each other, never collide.
    let row = db.query_one(
        "INSERT INTO ticket_sequences (site_code, booth, day, last) VALUES ($1, $2, $3, 1)
         ON CONFLICT (site_code, booth, day) DO UPDATE SET last = ticket_sequences.last + 1
         RETURNING last",
        &[&site, &booth, &day],
    )?;
    let last: i64 = get(&row, 0)?;
    u32::try_from(last).map_err(|_| {
        StoreError::Refused(format!("booth {booth} has used every ticket number for {day}")).into()
    })
}
