//! The retention purge in PostgreSQL: the rule of [`crate::store::purge`] over temporary id
//! tables, in one transaction, with `visit_links` and `entry_days` kept in step. Sites
//! publish `insert, update` only, so HQ keeps its copy of what a site purges. The statements
//! name temporary tables, so they bypass the connection's prepared-statement cache.

use super::error::PgResult;
use super::pool::{Conn, Tx};
use crate::store::{PurgeCounts, PurgePlan};

fn count(tx: &mut Tx<'_>, sql: &str) -> PgResult<u64> {
    let n: i64 = tx.uncached().query_one(sql, &[])?.get(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

pub(super) fn purge(conn: &mut Conn, plan: &PurgePlan) -> PgResult<PurgeCounts> {
    let mut tx = conn.transaction()?;
    let mut counts = PurgeCounts::default();
    let site = plan.site.as_str();
    if let Some(before) = plan.visits_before {
        tx.uncached().batch_execute(
            "CREATE TEMP TABLE purge_shifts (id UUID PRIMARY KEY) ON COMMIT DROP;
             CREATE TEMP TABLE purge_visits (entry_id UUID PRIMARY KEY, exit_id UUID NOT NULL,
                 entry_photo UUID, exit_photo UUID, day BIGINT NOT NULL, simulated BOOLEAN NOT NULL)
                 ON COMMIT DROP;",
        )?;
        tx.uncached().execute(
            "INSERT INTO purge_shifts (id) SELECT id FROM shifts
             WHERE site_code = $1 AND closed_at IS NOT NULL AND closed_at < $2",
            &[&site, &before],
        )?;
        tx.uncached().execute(
            "INSERT INTO purge_visits (entry_id, exit_id, entry_photo, exit_photo, day, simulated)
             SELECT e.id, x.id, e.photo_id, x.photo_id,
                    floor(extract(epoch FROM e.entry_time) / 86400)::bigint, e.simulated
             FROM entries e JOIN exits x ON x.entry_id = e.id
             WHERE e.site_code = $1 AND e.entry_time < $2 AND x.exit_time < $2
               AND (x.shift_id IS NULL OR x.shift_id IN (SELECT id FROM purge_shifts))
               AND NOT EXISTS (SELECT 1 FROM duplicate_exits d WHERE d.entry_id = e.id
                   AND (d.exit_time >= $2 OR (d.shift_id IS NOT NULL
                        AND d.shift_id NOT IN (SELECT id FROM purge_shifts))))",
            &[&site, &before],
        )?;
        counts.visits = count(&mut tx, "SELECT count(*) FROM purge_visits")?;
        counts.photos = count(
            &mut tx,
            "SELECT count(*) FROM photos WHERE id IN (SELECT entry_photo FROM purge_visits
                 UNION SELECT exit_photo FROM purge_visits)",
        )?;
        counts.duplicates = count(
            &mut tx,
            "SELECT count(*) FROM duplicate_exits WHERE entry_id IN (SELECT entry_id FROM purge_visits)",
        )?;
        // A shift goes once none of its payments stay behind.
        tx.uncached().batch_execute(
            "DELETE FROM purge_shifts s WHERE
                 EXISTS (SELECT 1 FROM exits x WHERE x.shift_id = s.id
                         AND x.id NOT IN (SELECT exit_id FROM purge_visits))
              OR EXISTS (SELECT 1 FROM duplicate_exits d WHERE d.shift_id = s.id
                         AND d.entry_id NOT IN (SELECT entry_id FROM purge_visits));",
        )?;
        counts.shifts = count(&mut tx, "SELECT count(*) FROM purge_shifts")?;
        if !plan.dry_run {
            tx.uncached().batch_execute(
                "DELETE FROM photos WHERE id IN (SELECT entry_photo FROM purge_visits
                     UNION SELECT exit_photo FROM purge_visits);
                 DELETE FROM duplicate_exits WHERE entry_id IN (SELECT entry_id FROM purge_visits);
                 DELETE FROM visit_links WHERE entry_id IN (SELECT entry_id FROM purge_visits);
                 DELETE FROM exits WHERE id IN (SELECT exit_id FROM purge_visits);
                 DELETE FROM entries WHERE id IN (SELECT entry_id FROM purge_visits);
                 DELETE FROM shift_late_records WHERE shift_id IN (SELECT id FROM purge_shifts);
                 DELETE FROM shifts WHERE id IN (SELECT id FROM purge_shifts);",
            )?;
            tx.uncached().execute(
                "UPDATE entry_days d SET entries = d.entries - p.entries, simulated = d.simulated - p.simulated
                 FROM (SELECT day, count(*) AS entries, count(*) FILTER (WHERE simulated) AS simulated
                       FROM purge_visits GROUP BY day) p
                 WHERE d.site_code = $1 AND d.day = p.day",
                &[&site],
            )?;
            tx.uncached()
                .execute("DELETE FROM entry_days WHERE site_code = $1 AND entries <= 0", &[&site])?;
        }
    }
    if let Some(before) = plan.audit_before {
        // A report inside the window counts manual opens and voids from the audit lines.
        let oldest_open: Option<chrono::DateTime<chrono::Utc>> = tx
            .uncached()
            .query_one(
                "SELECT min(opened_at) FROM shifts
                 WHERE site_code = $1 AND (closed_at IS NULL OR closed_at >= $2)",
                &[&site, &before],
            )?
            .get(0);
        let before = oldest_open.map_or(before, |opened| opened.min(before));
        counts.audit_rows = if plan.dry_run {
            let n: i64 = tx
                .uncached()
                .query_one(
                    "SELECT count(*) FROM audit_log WHERE site_code = $1 AND time < $2",
                    &[&site, &before],
                )?
                .get(0);
            u64::try_from(n).unwrap_or(0)
        } else {
            tx.uncached()
                .execute("DELETE FROM audit_log WHERE site_code = $1 AND time < $2", &[&site, &before])?
        };
    }
    if !plan.dry_run {
        tx.commit()?;
    }
    // A dry run's transaction rolls back as it is dropped.
    Ok(counts)
}
