//! Retention: how long photos, replayed journal files, audit lines and visit rows are kept
//! (`[retention]`), the booth's daily purge of files, and the audited purge of database rows
//! (`gardu db purge`, the admin's Settings action). What must stay is never purged: a
//! vehicle still inside, a journal record not yet replayed (nor its photo), an open shift,
//! and anything a shift report inside the window reads ([`crate::store::purge`]).

pub mod files;
pub mod job;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::admin::{Acting, AdminError};
use crate::store::{PurgeCounts, PurgePlan, Role};

/// How long something is kept: a number of days, or `"off"` (kept for ever).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Purged once older than this many days (at least 1).
    Days(u32),
    /// Never purged.
    Forever,
}

impl Keep {
    /// The instant before which things go at `now`; `None` when kept for ever.
    pub fn cutoff(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Keep::Days(days) => Some(now - Duration::days(i64::from(days))),
            Keep::Forever => None,
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum KeepText {
    Days(u32),
    Word(String),
}

impl Serialize for Keep {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Keep::Days(days) => KeepText::Days(*days),
            Keep::Forever => KeepText::Word("off".into()),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Keep {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match KeepText::deserialize(deserializer)? {
            KeepText::Days(0) => Err(serde::de::Error::custom("days must be 1 or more (or \"off\" to keep)")),
            KeepText::Days(days) => Ok(Keep::Days(days)),
            KeepText::Word(word) if word == "off" => Ok(Keep::Forever),
            KeepText::Word(word) => {
                Err(serde::de::Error::custom(format!("{word:?}: write a number of days, or \"off\" to keep")))
            }
        }
    }
}

/// `[retention]`: days each kind of record is kept; `"off"` keeps it for ever.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Photo files under the images folder (offline records' photos), default 90 days.
    pub photos_days: Keep,
    /// Replayed journal files in `synced/`; default: `[journal] retention_days` (30).
    pub synced_journals_days: Option<Keep>,
    /// Audit lines in the database, default off (kept).
    pub audit_days: Keep,
    /// Visits (entry, exit, their photos), closed shifts and second payments in the
    /// database, default off (kept).
    pub visits_days: Keep,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            photos_days: Keep::Days(90),
            synced_journals_days: None,
            audit_days: Keep::Forever,
            visits_days: Keep::Forever,
        }
    }
}

impl RetentionConfig {
    /// The row purge the configured days ask for at `now`, if any.
    pub fn row_plan(&self, site: &str, now: DateTime<Utc>) -> Option<PurgePlan> {
        let plan = PurgePlan {
            site: site.to_string(),
            visits_before: self.visits_days.cutoff(now),
            audit_before: self.audit_days.cutoff(now),
            dry_run: false,
        };
        (plan.visits_before.is_some() || plan.audit_before.is_some()).then_some(plan)
    }
}

/// Purges (or with `plan.dry_run` counts) database rows as `acting` (an admin), and audits a
/// real purge as `retention_purge` with its cutoffs and counts. The audit line is written
/// after the purge, so it is never purged by itself.
pub fn purge_rows(acting: &Acting<'_>, plan: &PurgePlan) -> Result<PurgeCounts, AdminError> {
    acting.require("purge old records", &[Role::Admin])?;
    let counts = acting.store.purge(plan)?;
    if !plan.dry_run {
        acting.audit(
            "retention_purge",
            json!({
                "visits_before": plan.visits_before,
                "audit_before": plan.audit_before,
                "visits": counts.visits,
                "photos": counts.photos,
                "duplicates": counts.duplicates,
                "shifts": counts.shifts,
                "audit_rows": counts.audit_rows,
            }),
        )?;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_off_read_from_the_config_and_nothing_else() {
        let cases = [
            ("photos_days = 30", Some(Keep::Days(30))),
            ("photos_days = \"off\"", Some(Keep::Forever)),
            ("photos_days = 0", None),
            ("photos_days = \"never\"", None),
            ("photos_days = -3", None),
        ];
        for (text, expected) in cases {
            let parsed = toml::from_str::<RetentionConfig>(text).ok().map(|c| c.photos_days);
            assert_eq!(parsed, expected, "{text}");
        }
        let defaults = RetentionConfig::default();
        assert_eq!((defaults.audit_days, defaults.visits_days), (Keep::Forever, Keep::Forever));
        assert!(defaults.row_plan("SITE-01", Utc::now()).is_none(), "rows are kept unless asked");
    }
}
