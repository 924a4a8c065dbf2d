//! Sites, vehicle classes, tariff versions and ticket sequences in SQLite.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::codec::{self, bad_value, ms};
use crate::domain::tariff::default_tariffs;
use crate::domain::vehicle::default_classes;
use crate::domain::{ClassCode, MemberRule, Tariff, VehicleClass};
use crate::store::{Site, StoreError, StoreResult, TariffVersion};

/// Who the seeded tariff versions are attributed to.
const SEED_AUTHOR: &str = "system";

/// The seeded tariffs apply from long before any site opened, so every visit finds one.
fn seed_effective_from() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single().unwrap_or(DateTime::UNIX_EPOCH)
}

const SITE_COLUMNS: &str = "code, name, location, region, timezone, capacity, receipt_header, receipt_footer";

fn site_from_row(row: &Row<'_>) -> rusqlite::Result<Site> {
    Ok(Site {
        code: row.get(0)?,
        name: row.get(1)?,
        location: row.get(2)?,
        region: row.get(3)?,
        timezone: row.get(4)?,
        capacity: match row.get::<_, Option<i64>>(5)? {
            None => None,
            Some(value) => Some(u32::try_from(value).map_err(|err| bad_value(5, Type::Integer, err))?),
        },
        receipt_header: row.get(6)?,
        receipt_footer: row.get(7)?,
    })
}

pub(super) fn site(conn: &Connection, code: &str) -> StoreResult<Option<Site>> {
    let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE code = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([code], site_from_row).optional()?)
}

pub(super) fn sites(conn: &Connection) -> StoreResult<Vec<Site>> {
    let sql = format!("SELECT {SITE_COLUMNS} FROM sites ORDER BY code");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], site_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn save_site(conn: &Connection, site: &Site) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO sites (code, name, location, region, timezone, capacity, receipt_header,
                            receipt_footer)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (code) DO UPDATE SET
             name = excluded.name, location = excluded.location, region = excluded.region,
             timezone = excluded.timezone, capacity = excluded.capacity,
             receipt_header = excluded.receipt_header, receipt_footer = excluded.receipt_footer",
    )?
    .execute(params![
        site.code,
        site.name,
        site.location,
        site.region,
        site.timezone,
        site.capacity.map(i64::from),
        site.receipt_header,
        site.receipt_footer,
    ])?;
    Ok(())
}

/// Creates what a new site needs in one transaction, touching nothing that already exists.
pub(super) fn ensure_site(conn: &mut Connection, site: &Site) -> StoreResult<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.prepare_cached(&format!(
        "INSERT INTO sites ({SITE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (code) DO NOTHING"
    ))?
    .execute(params![
        site.code,
        site.name,
        site.location,
        site.region,
        site.timezone,
        site.capacity.map(i64::from),
        site.receipt_header,
        site.receipt_footer,
    ])?;
    let classes: i64 = tx.query_row("SELECT count(*) FROM vehicle_classes", [], |row| row.get(0))?;
    if classes == 0 {
        for class in default_classes() {
            save_vehicle_class(&tx, &class)?;
        }
    }
    let tariffs: i64 =
        tx.query_row("SELECT count(*) FROM tariffs WHERE site_code = ?1", [&site.code], |row| row.get(0))?;
    if tariffs == 0 {
        for tariff in default_tariffs() {
            // A site whose admin removed a default class gets no tariff for it.
            if class_exists(&tx, &tariff.class)? {
                insert_tariff(
                    &tx,
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
    tx.commit()?;
    Ok(())
}

pub(super) fn vehicle_classes(conn: &Connection) -> StoreResult<Vec<VehicleClass>> {
    let mut stmt = conn.prepare_cached(
        "SELECT code, name_id, name_en, sort_order FROM vehicle_classes ORDER BY sort_order, code",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(VehicleClass {
            code: codec::class(row, 0)?,
            name_id: row.get(1)?,
            name_en: row.get(2)?,
            sort_order: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn save_vehicle_class(conn: &Connection, class: &VehicleClass) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO vehicle_classes (code, name_id, name_en, sort_order) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (code) DO UPDATE SET
             name_id = excluded.name_id, name_en = excluded.name_en,
             sort_order = excluded.sort_order",
    )?
    .execute(params![class.code.as_str(), class.name_id, class.name_en, class.sort_order])?;
    Ok(())
}

fn class_exists(conn: &Connection, class: &ClassCode) -> StoreResult<bool> {
    Ok(conn.prepare_cached("SELECT 1 FROM vehicle_classes WHERE code = ?1")?.exists([class.as_str()])?)
}

const TARIFF_COLUMNS: &str = "class, grace_min, first_period_min, first_fee, next_period_min, \
     next_fee, daily_max, lost_fine, member_kind, member_percent";

fn tariff_from_row(row: &Row<'_>) -> rusqlite::Result<Tariff> {
    let member_kind: String = row.get(8)?;
    let member = match member_kind.as_str() {
        "free" => MemberRule::Free,
        "percent_off" => {
            let percent: i64 = row.get(9)?;
            MemberRule::PercentOff(u8::try_from(percent).map_err(|err| bad_value(9, Type::Integer, err))?)
        }
        other => {
            return Err(bad_value(8, Type::Text, format!("unknown member rule {other:?}")));
        }
    };
    Ok(Tariff {
        class: codec::class(row, 0)?,
        grace_min: codec::u32_at(row, 1)?,
        first_period_min: codec::u32_at(row, 2)?,
        first_fee: codec::rupiah(row, 3)?,
        next_period_min: codec::u32_at(row, 4)?,
        next_fee: codec::rupiah(row, 5)?,
        daily_max: codec::rupiah(row, 6)?,
        lost_fine: codec::rupiah(row, 7)?,
        member,
    })
}

pub(super) fn tariff_at(
    conn: &Connection,
    site: &str,
    class: &ClassCode,
    at: DateTime<Utc>,
) -> StoreResult<Option<Tariff>> {
    let sql = format!(
        "SELECT {TARIFF_COLUMNS} FROM tariffs
         WHERE site_code = ?1 AND class = ?2 AND effective_from <= ?3
         ORDER BY effective_from DESC LIMIT 1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![site, class.as_str(), ms(at)], tariff_from_row)
        .optional()?)
}

pub(super) fn tariff_versions(conn: &Connection, site: &str) -> StoreResult<Vec<TariffVersion>> {
    let sql = format!(
        "SELECT {TARIFF_COLUMNS}, site_code, effective_from, created_by FROM tariffs
         LEFT JOIN vehicle_classes vc ON vc.code = tariffs.class
         WHERE site_code = ?1
         ORDER BY effective_from DESC, vc.sort_order, class"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([site], |row| {
        Ok(TariffVersion {
            tariff: tariff_from_row(row)?,
            site: row.get(10)?,
            effective_from: codec::time(row, 11)?,
            created_by: row.get(12)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn add_tariff_version(conn: &mut Connection, version: &TariffVersion) -> StoreResult<()> {
    version.tariff.validate().map_err(|err| StoreError::Refused(err.to_string()))?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if site(&tx, &version.site)?.is_none() {
        return Err(StoreError::NotFound(format!("site {}", version.site)));
    }
    if !class_exists(&tx, &version.tariff.class)? {
        return Err(StoreError::NotFound(format!("vehicle class {}", version.tariff.class)));
    }
    insert_tariff(&tx, version)?;
    tx.commit()?;
    Ok(())
}

fn insert_tariff(conn: &Connection, version: &TariffVersion) -> StoreResult<()> {
    let tariff = &version.tariff;
    let (member_kind, member_percent) = match tariff.member {
        MemberRule::Free => ("free", 0),
        MemberRule::PercentOff(percent) => ("percent_off", i64::from(percent)),
    };
    let inserted = conn
        .prepare_cached(
            "INSERT INTO tariffs (site_code, class, effective_from, grace_min, first_period_min,
                 first_fee, next_period_min, next_fee, daily_max, lost_fine, member_kind,
                 member_percent, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (site_code, class, effective_from) DO NOTHING",
        )?
        .execute(params![
            version.site,
            tariff.class.as_str(),
            ms(version.effective_from),
            tariff.grace_min,
            tariff.first_period_min,
            tariff.first_fee.0,
            tariff.next_period_min,
            tariff.next_fee.0,
            tariff.daily_max.0,
            tariff.lost_fine.0,
            member_kind,
            member_percent,
            version.created_by,
        ])?;
    if inserted == 0 {
        return Err(StoreError::Duplicate(format!(
            "a {} tariff for {} from {}",
            tariff.class, version.site, version.effective_from
        )));
    }
    Ok(())
}

pub(super) fn next_ticket_sequence(
    conn: &Connection,
    site: &str,
    booth: &str,
    day: NaiveDate,
) -> StoreResult<u32> {
    // One statement, so two booths sharing the file can never draw the same number.
    let last: i64 = conn
        .prepare_cached(
            "INSERT INTO ticket_sequences (site_code, booth, day, last) VALUES (?1, ?2, ?3, 1)
             ON CONFLICT (site_code, booth, day) DO UPDATE SET last = last + 1
             RETURNING last",
        )?
        .query_row(params![site, booth, codec::day_text(day)], |row| row.get(0))?;
    u32::try_from(last)
        .map_err(|_| StoreError::Refused(format!("booth {booth} has used every ticket number for {day}")))
}
