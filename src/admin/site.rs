//! Site settings: name, location, region, capacity, time zone and receipt texts — checked
//! against what the slip printer can hold, admin only, audited with the record before and after.

use serde_json::json;

use super::{Acting, AdminError};
use crate::store::{Role, Site};

/// Longest site name: one line of an 80 mm slip (a 58 mm slip wraps it onto two).
pub const NAME_MAX_CHARS: usize = 48;
/// Longest location or region text.
pub const TEXT_MAX_CHARS: usize = 120;
/// Most lines a receipt header or footer may have.
pub const RECEIPT_MAX_LINES: usize = 6;
/// Longest receipt line: one line of an 80 mm slip (a 58 mm slip wraps it).
pub const RECEIPT_LINE_MAX_CHARS: usize = 48;
/// The time zones offered first: western, central and eastern Indonesia.
pub const COMMON_TIMEZONES: [&str; 3] = ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"];

/// A field of the site settings form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteField {
    /// Name printed on slips.
    Name,
    /// Address.
    Location,
    /// Region for HQ reports.
    Region,
    /// Vehicles that fit.
    Capacity,
    /// IANA time zone.
    Timezone,
    /// Lines under the name on slips.
    ReceiptHeader,
    /// Lines at the bottom of slips.
    ReceiptFooter,
}

/// What is wrong with a site record; the UI words it in the operator's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteProblem {
    /// The name is blank.
    #[error("the site name is empty")]
    NameEmpty,
    /// A single-line text is longer than allowed.
    #[error("{field:?} is longer than {max} characters")]
    TooLong {
        /// Which field.
        field: SiteField,
        /// The limit.
        max: usize,
    },
    /// The time zone is not in the IANA database.
    #[error("{0:?} is not a known time zone; use a name like Asia/Jakarta")]
    UnknownTimezone(String),
    /// A capacity of zero would refuse every vehicle.
    #[error("the capacity must be at least 1 (leave it empty for no limit)")]
    ZeroCapacity,
    /// A receipt text has more lines than a slip should carry.
    #[error("{field:?} has more than {max} lines")]
    TooManyLines {
        /// Which field.
        field: SiteField,
        /// The limit.
        max: usize,
    },
    /// A receipt line is longer than an 80 mm slip line.
    #[error("line {line} of {field:?} is longer than {max} characters")]
    LineTooLong {
        /// Which field.
        field: SiteField,
        /// The line, counted from 1.
        line: usize,
        /// The limit.
        max: usize,
    },
}

impl SiteProblem {
    /// The field the problem belongs to, so the form shows it beside that field.
    pub fn field(&self) -> SiteField {
        match self {
            SiteProblem::NameEmpty => SiteField::Name,
            SiteProblem::UnknownTimezone(_) => SiteField::Timezone,
            SiteProblem::ZeroCapacity => SiteField::Capacity,
            SiteProblem::TooLong { field, .. }
            | SiteProblem::TooManyLines { field, .. }
            | SiteProblem::LineTooLong { field, .. } => *field,
        }
    }
}

/// The record as it will be stored: texts trimmed, blank trailing receipt lines dropped.
pub fn normalized(site: &Site) -> Site {
    Site {
        code: site.code.trim().to_string(),
        name: site.name.trim().to_string(),
        location: site.location.trim().to_string(),
        region: site.region.trim().to_string(),
        timezone: site.timezone.trim().to_string(),
        capacity: site.capacity,
        receipt_header: receipt_text(&site.receipt_header),
        receipt_footer: receipt_text(&site.receipt_footer),
    }
}

fn receipt_text(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let used = lines.iter().rposition(|line| !line.trim().is_empty()).map_or(0, |last| last + 1);
    lines[..used].join("\n")
}

/// Every problem of a (normalized) site record, in form order; empty when it may be saved.
pub fn check(site: &Site) -> Vec<SiteProblem> {
    let mut problems = Vec::new();
    if site.name.trim().is_empty() {
        problems.push(SiteProblem::NameEmpty);
    } else if site.name.trim().chars().count() > NAME_MAX_CHARS {
        problems.push(SiteProblem::TooLong { field: SiteField::Name, max: NAME_MAX_CHARS });
    }
    for (field, text) in [(SiteField::Location, &site.location), (SiteField::Region, &site.region)] {
        if text.trim().chars().count() > TEXT_MAX_CHARS {
            problems.push(SiteProblem::TooLong { field, max: TEXT_MAX_CHARS });
        }
    }
    if site.capacity == Some(0) {
        problems.push(SiteProblem::ZeroCapacity);
    }
    if site.timezone.trim().parse::<chrono_tz::Tz>().is_err() {
        problems.push(SiteProblem::UnknownTimezone(site.timezone.trim().to_string()));
    }
    for (field, text) in
        [(SiteField::ReceiptHeader, &site.receipt_header), (SiteField::ReceiptFooter, &site.receipt_footer)]
    {
        let text = receipt_text(text);
        let lines: Vec<&str> = if text.is_empty() { Vec::new() } else { text.lines().collect() };
        if lines.len() > RECEIPT_MAX_LINES {
            problems.push(SiteProblem::TooManyLines { field, max: RECEIPT_MAX_LINES });
        } else if let Some(index) = lines.iter().position(|l| l.chars().count() > RECEIPT_LINE_MAX_CHARS) {
            problems.push(SiteProblem::LineTooLong { field, line: index + 1, max: RECEIPT_LINE_MAX_CHARS });
        }
    }
    problems
}

/// Saves the settings of the acting console's site and audits `site_settings` with the record
/// before and after. Returns the record as stored.
pub fn save(acting: &Acting<'_>, site: &Site) -> Result<Site, AdminError> {
    acting.require("change the site settings", &[Role::Admin])?;
    let site = normalized(site);
    if site.code != acting.audit.site {
        return Err(AdminError::Invalid(format!(
            "this console belongs to site {}; it cannot change site {}",
            acting.audit.site, site.code
        )));
    }
    if let Some(problem) = check(&site).into_iter().next() {
        return Err(AdminError::Invalid(problem.to_string()));
    }
    let before = acting.store.site(&site.code)?;
    acting.store.save_site(&site)?;
    acting.audit("site_settings", json!({ "site": site.code, "before": before, "after": site }))?;
    Ok(site)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::auth::AuditContext;
    use crate::clock::ManualClock;
    use crate::store::sqlite::SqliteStore;
    use crate::store::{AuditFilter, Store, User};

    fn user(role: Role) -> User {
        User {
            id: uuid::Uuid::from_u128(1),
            username: format!("{}1", role.as_str()),
            full_name: "Test".into(),
            role,
            password_hash: String::new(),
            active: true,
            failed_attempts: 0,
            locked_until: None,
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    fn site() -> Site {
        Site {
            code: "JKT-MALL-01".into(),
            name: "Mall Kelapa".into(),
            location: "Jl. Sudirman 1".into(),
            region: "DKI Jakarta".into(),
            timezone: "Asia/Jakarta".into(),
            capacity: Some(350),
            receipt_header: "Selamat datang".into(),
            receipt_footer: "Terima kasih\nSimpan karcis ini".into(),
        }
    }

    fn with<T>(role: Role, act: impl FnOnce(&Acting<'_>, &SqliteStore) -> T) -> T {
        let store = SqliteStore::open_in_memory().unwrap();
        store.ensure_site(&site()).unwrap();
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap());
        let user = user(role);
        let acting = Acting {
            user: &user,
            store: &store,
            clock: &clock,
            audit: AuditContext { site: "JKT-MALL-01".into(), booth: "ADM1".into() },
        };
        act(&acting, &store)
    }

    #[test]
    fn an_admin_saves_and_the_change_is_audited_with_before_and_after() {
        with(Role::Admin, |acting, store| {
            let mut changed = site();
            changed.name = "  Mall Kelapa Gading  ".into();
            changed.timezone = "Asia/Makassar".into();
            changed.capacity = None;
            changed.receipt_footer = "Terima kasih  \n\n\n".into();
            let saved = save(acting, &changed).unwrap();
            assert_eq!(saved.name, "Mall Kelapa Gading");
            assert_eq!(saved.receipt_footer, "Terima kasih");
            assert_eq!(store.site("JKT-MALL-01").unwrap(), Some(saved.clone()));
            let filter =
                AuditFilter { action: Some("site_settings".into()), limit: 5, ..AuditFilter::default() };
            let audit = store.list_audit(&filter).unwrap();
            assert_eq!(audit.len(), 1);
            assert_eq!(audit[0].username.as_deref(), Some("admin1"));
            assert_eq!(audit[0].detail["before"]["timezone"], "Asia/Jakarta");
            assert_eq!(audit[0].detail["after"]["timezone"], "Asia/Makassar");
            assert_eq!(audit[0].detail["after"]["capacity"], serde_json::Value::Null);
        });
    }

    #[test]
    fn roles_other_than_admin_are_refused() {
        for role in [Role::Cashier, Role::Guard, Role::Technician] {
            with(role, |acting, store| {
                let result = save(acting, &site());
                assert!(matches!(result, Err(AdminError::NotAllowed { .. })), "{role:?}: {result:?}");
                assert!(
                    store.list_audit(&AuditFilter { limit: 5, ..AuditFilter::default() }).unwrap().is_empty()
                );
            });
        }
    }

    type Change = Box<dyn Fn(&mut Site)>;

    #[test]
    fn bad_values_are_refused_and_nothing_is_saved() {
        let long_line = "x".repeat(RECEIPT_LINE_MAX_CHARS + 1);
        let cases: Vec<(Change, SiteProblem)> = vec![
            (Box::new(|s| s.name = "   ".into()), SiteProblem::NameEmpty),
            (
                Box::new(|s| s.name = "N".repeat(NAME_MAX_CHARS + 1)),
                SiteProblem::TooLong { field: SiteField::Name, max: NAME_MAX_CHARS },
            ),
            (
                Box::new(|s| s.timezone = "Asia/Bandung".into()),
                SiteProblem::UnknownTimezone("Asia/Bandung".into()),
            ),
            (Box::new(|s| s.capacity = Some(0)), SiteProblem::ZeroCapacity),
            (
                Box::new(|s| s.receipt_header = "a\nb\nc\nd\ne\nf\ng".into()),
                SiteProblem::TooManyLines { field: SiteField::ReceiptHeader, max: RECEIPT_MAX_LINES },
            ),
            (
                Box::new(move |s| s.receipt_footer = format!("ok\n{long_line}")),
                SiteProblem::LineTooLong {
                    field: SiteField::ReceiptFooter,
                    line: 2,
                    max: RECEIPT_LINE_MAX_CHARS,
                },
            ),
        ];
        for (change, expected) in cases {
            let mut bad = site();
            change(&mut bad);
            assert_eq!(check(&normalized(&bad)), vec![expected.clone()]);
            with(Role::Admin, |acting, store| {
                let result = save(acting, &bad);
                assert!(
                    matches!(&result, Err(AdminError::Invalid(m)) if *m == expected.to_string()),
                    "{result:?}"
                );
                assert_eq!(store.site("JKT-MALL-01").unwrap(), Some(site()));
            });
        }
        assert!(check(&site()).is_empty());
    }

    #[test]
    fn another_sites_record_is_refused() {
        with(Role::Admin, |acting, _| {
            let mut other = site();
            other.code = "BDG-MALL-02".into();
            assert!(matches!(save(acting, &other), Err(AdminError::Invalid(_))));
        });
    }
}
