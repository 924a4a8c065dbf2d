//! The tariffs a lane prices with: asked of the store every time — the database, or while it
//! is away the booth cache's copy as last refreshed — and only when nothing answers, what the
//! lane loaded at start (or the shipped defaults), so the exit booth can charge during an outage.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::LaneContext;
use crate::domain::tariff::default_tariffs;
use crate::domain::{ClassCode, Tariff};
use crate::store::TariffVersion;

/// Tariff versions by class, newest first.
#[derive(Debug, Default)]
pub(super) struct TariffBook {
    versions: HashMap<ClassCode, Vec<TariffVersion>>,
}

impl TariffBook {
    /// Loads every version of the site (empty when the database is unreachable).
    pub(super) fn load(ctx: &LaneContext) -> Self {
        let mut book = TariffBook::default();
        match ctx.store.tariff_versions(&ctx.site.code) {
            Ok(versions) => {
                for version in versions {
                    book.versions.entry(version.tariff.class.clone()).or_default().push(version);
                }
                for list in book.versions.values_mut() {
                    list.sort_by_key(|v| std::cmp::Reverse(v.effective_from));
                }
            }
            Err(err) => tracing::warn!("tariffs not loaded, the shipped defaults apply until online: {err}"),
        }
        book
    }

    /// The tariff of `class` in force at `at`.
    pub(super) fn tariff(
        &mut self,
        ctx: &LaneContext,
        class: &ClassCode,
        at: DateTime<Utc>,
    ) -> Option<Tariff> {
        // Asked offline too: a booth cache behind the store answers with its refreshed copy.
        match ctx.store.tariff_at(&ctx.site.code, class, at) {
            Ok(found) => return found,
            Err(err) if err.goes_to_journal() => ctx.connectivity.report_failure(),
            Err(err) => tracing::warn!("tariff lookup failed, using the one loaded at start: {err}"),
        }
        let cached = self
            .versions
            .get(class)
            .and_then(|list| list.iter().find(|v| v.effective_from <= at))
            .map(|v| v.tariff.clone());
        cached.or_else(|| default_tariffs().into_iter().find(|t| &t.class == class))
    }
}
