//! HQ's master data: member cards and tariff versions defined once at HQ for all sites or a
//! list of them. They reach the sites through HQ's publication into `hq_members` and
//! `hq_tariffs`, which the sites read beside their own rows and never write.

use chrono::{DateTime, NaiveDate, Utc};
use postgres::{Client, Row};
use serde::Serialize;
use uuid::Uuid;

use super::{HqError, check_site_code};
use crate::domain::plate::search_key;
use crate::domain::{ClassCode, MemberRule, Rupiah, Tariff};

/// Where a master row applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every site, including sites added later.
    AllSites,
    /// These sites only.
    Sites(Vec<String>),
}

impl Scope {
    fn columns(&self) -> Result<(bool, Vec<String>), HqError> {
        match self {
            Scope::AllSites => Ok((true, Vec::new())),
            Scope::Sites(sites) if sites.is_empty() => {
                Err(HqError::Refused("choose at least one site, or all sites".into()))
            }
            Scope::Sites(sites) => {
                for site in sites {
                    check_site_code(site)?;
                }
                let mut sites = sites.clone();
                sites.sort();
                sites.dedup();
                Ok((false, sites))
            }
        }
    }

    fn from_columns(all_sites: bool, sites: Vec<String>) -> Scope {
        if all_sites { Scope::AllSites } else { Scope::Sites(sites) }
    }

    /// Whether a row with this scope applies at `site`.
    pub fn includes(&self, site: &str) -> bool {
        match self {
            Scope::AllSites => true,
            Scope::Sites(sites) => sites.iter().any(|s| s == site),
        }
    }
}

/// A member card issued at HQ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HqMember {
    /// Card uid in the readers' form (upper-case hex).
    pub card_uid: String,
    /// Holder's name.
    pub name: String,
    /// Registered plate.
    pub plate: Option<String>,
    /// Vehicle class.
    pub class: ClassCode,
    /// Last valid day (each site's local day).
    pub valid_until: NaiveDate,
    /// A switched-off card is refused everywhere.
    pub active: bool,
    /// Where the card is valid.
    pub scope: Scope,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
    /// Who saved it.
    pub updated_by: String,
}

/// A tariff version defined at HQ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HqTariff {
    /// Its id.
    pub id: Uuid,
    /// The tariff (class inside).
    pub tariff: Tariff,
    /// Applies to exits from this moment on, until a later version (HQ's or the site's).
    pub effective_from: DateTime<Utc>,
    /// Where it applies.
    pub scope: Scope,
    /// Who saved it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

fn read(err: postgres::Error) -> HqError {
    HqError::db("read HQ's master data", &err)
}

/// Saves (creates or replaces) a card at HQ; the sites in its scope receive it.
pub fn save_member(hq: &mut Client, member: &HqMember) -> Result<(), HqError> {
    let card = member.card_uid.trim().to_ascii_uppercase();
    if card.is_empty() || member.name.trim().is_empty() {
        return Err(HqError::Refused("a member needs a card uid and a name".into()));
    }
    let (all_sites, sites) = member.scope.columns()?;
    let plate_key = member.plate.as_deref().map(search_key).filter(|key| !key.is_empty());
    hq.execute(
        "INSERT INTO hq_members (card_uid, name, plate, plate_key, class, valid_until, active, all_sites,
             sites, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (card_uid) DO UPDATE SET name = excluded.name, plate = excluded.plate,
             plate_key = excluded.plate_key, class = excluded.class, valid_until = excluded.valid_until,
             active = excluded.active, all_sites = excluded.all_sites, sites = excluded.sites,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        &[
            &card,
            &member.name.trim(),
            &member.plate,
            &plate_key,
            &member.class.as_str(),
            &member.valid_until,
            &member.active,
            &all_sites,
            &sites,
            &member.updated_at,
            &member.updated_by,
        ],
    )
    .map_err(|err| HqError::db("save the member", &err))?;
    Ok(())
}

fn member_from_row(row: &Row) -> Result<HqMember, HqError> {
    let class: String = row.try_get(3).map_err(read)?;
    Ok(HqMember {
        card_uid: row.try_get(0).map_err(read)?,
        name: row.try_get(1).map_err(read)?,
        plate: row.try_get(2).map_err(read)?,
        class: ClassCode::parse(&class)
            .map_err(|err| HqError::Refused(format!("member class {class:?}: {err}")))?,
        valid_until: row.try_get(4).map_err(read)?,
        active: row.try_get(5).map_err(read)?,
        scope: Scope::from_columns(row.try_get(6).map_err(read)?, row.try_get(7).map_err(read)?),
        updated_at: row.try_get(8).map_err(read)?,
        updated_by: row.try_get(9).map_err(read)?,
    })
}

/// HQ's cards whose name, plate or uid contains `search` (all when empty), by name.
pub fn list_members(hq: &mut Client, search: &str) -> Result<Vec<HqMember>, HqError> {
    let search = search.trim();
    let key = Some(search_key(search)).filter(|key| !key.is_empty());
    hq.query(
        "SELECT card_uid, name, plate, class, valid_until, active, all_sites, sites, updated_at, updated_by
         FROM hq_members
         WHERE $1 = '' OR strpos(lower(name), lower($1)) > 0 OR strpos(card_uid, upper($1)) > 0
            OR strpos(plate_key, $2) > 0
         ORDER BY name COLLATE \"C\", card_uid COLLATE \"C\"",
        &[&search, &key],
    )
    .map_err(read)?
    .iter()
    .map(member_from_row)
    .collect()
}

/// Adds a tariff version at HQ; the sites in its scope use it from `effective_from` on.
pub fn add_tariff(hq: &mut Client, version: &HqTariff) -> Result<(), HqError> {
    let tariff = &version.tariff;
    tariff.validate().map_err(|err| HqError::Refused(err.to_string()))?;
    let (all_sites, sites) = version.scope.columns()?;
    let (member_kind, member_percent) = match tariff.member {
        MemberRule::Free => ("free", 0i64),
        MemberRule::PercentOff(percent) => ("percent_off", i64::from(percent)),
    };
    hq.execute(
        "INSERT INTO hq_tariffs (id, class, effective_from, grace_min, first_period_min, first_fee,
             next_period_min, next_fee, daily_max, lost_fine, member_kind, member_percent, all_sites,
             sites, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        &[
            &version.id,
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
            &all_sites,
            &sites,
            &version.created_by,
            &version.created_at,
        ],
    )
    .map_err(|err| HqError::db("save the tariff", &err))?;
    Ok(())
}

fn minutes(row: &Row, index: usize) -> Result<u32, HqError> {
    let value: i64 = row.try_get(index).map_err(read)?;
    u32::try_from(value).map_err(|_| HqError::Refused(format!("a tariff holds {value} minutes")))
}

fn tariff_from_row(row: &Row) -> Result<HqTariff, HqError> {
    let class: String = row.try_get(1).map_err(read)?;
    let member_kind: String = row.try_get(10).map_err(read)?;
    let member = match member_kind.as_str() {
        "free" => MemberRule::Free,
        _ => {
            let percent: i64 = row.try_get(11).map_err(read)?;
            MemberRule::PercentOff(u8::try_from(percent).unwrap_or(100))
        }
    };
    Ok(HqTariff {
        id: row.try_get(0).map_err(read)?,
        tariff: Tariff {
            class: ClassCode::parse(&class)
                .map_err(|err| HqError::Refused(format!("tariff class {class:?}: {err}")))?,
            grace_min: minutes(row, 3)?,
            first_period_min: minutes(row, 4)?,
            first_fee: Rupiah(row.try_get(5).map_err(read)?),
            next_period_min: minutes(row, 6)?,
            next_fee: Rupiah(row.try_get(7).map_err(read)?),
            daily_max: Rupiah(row.try_get(8).map_err(read)?),
            lost_fine: Rupiah(row.try_get(9).map_err(read)?),
            member,
        },
        effective_from: row.try_get(2).map_err(read)?,
        scope: Scope::from_columns(row.try_get(12).map_err(read)?, row.try_get(13).map_err(read)?),
        created_by: row.try_get(14).map_err(read)?,
        created_at: row.try_get(15).map_err(read)?,
    })
}

/// Every tariff version defined at HQ, newest first.
pub fn list_tariffs(hq: &mut Client) -> Result<Vec<HqTariff>, HqError> {
    hq.query(
        "SELECT id, class, effective_from, grace_min, first_period_min, first_fee, next_period_min,
             next_fee, daily_max, lost_fine, member_kind, member_percent, all_sites, sites, created_by,
             created_at
         FROM hq_tariffs ORDER BY effective_from DESC, class COLLATE \"C\"",
        &[],
    )
    .map_err(read)?
    .iter()
    .map(tariff_from_row)
    .collect()
}
