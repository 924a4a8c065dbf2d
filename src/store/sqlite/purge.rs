//! The retention purge in SQLite: the rule of [`crate::store::purge`] as a handful of
//! statements over temporary id tables, in one transaction, with the derived tables (search,
//! visit facts, entries per day) kept in step.

use rusqlite::{Connection, OptionalExtension, params};

use super::codec::ms;
use crate::store::{PurgeCounts, PurgePlan, StoreResult};

fn count(conn: &Connection, sql: &str) -> rusqlite::Result<u64> {
    conn.query_row(sql, [], |row| row.get::<_, i64>(0)).map(|n| u64::try_from(n).unwrap_or(0))
}

pub(super) fn purge(conn: &mut Connection, plan: &PurgePlan) -> StoreResult<PurgeCounts> {
    let tx = conn.transaction()?;
    let mut counts = PurgeCounts::default();
    let site = plan.site.as_str();
    if let Some(before) = plan.visits_before.map(ms) {
        tx.execute_batch(
            "DROP TABLE IF EXISTS temp.purge_shifts; DROP TABLE IF EXISTS temp.purge_visits;
             CREATE TEMP TABLE purge_shifts (id TEXT PRIMARY KEY NOT NULL);
             CREATE TEMP TABLE purge_visits (entry_id TEXT PRIMARY KEY NOT NULL, exit_id TEXT NOT NULL,
                 entry_photo TEXT, exit_photo TEXT, day INTEGER NOT NULL, simulated INTEGER NOT NULL);",
        )?;
        tx.execute(
            "INSERT INTO purge_shifts (id) SELECT id FROM shifts
             WHERE site_code = ?1 AND closed_at IS NOT NULL AND closed_at < ?2",
            params![site, before],
        )?;
        tx.execute(
            "INSERT INTO purge_visits (entry_id, exit_id, entry_photo, exit_photo, day, simulated)
             SELECT e.id, x.id, e.photo_id, x.photo_id, e.entry_time / 86400000, e.simulated
             FROM entries e JOIN exits x ON x.entry_id = e.id
             WHERE e.site_code = ?1 AND e.entry_time < ?2 AND x.exit_time < ?2
               AND (x.shift_id IS NULL OR x.shift_id IN (SELECT id FROM purge_shifts))
               AND NOT EXISTS (SELECT 1 FROM duplicate_exits d WHERE d.entry_id = e.id
                   AND (d.exit_time >= ?2 OR (d.shift_id IS NOT NULL
                        AND d.shift_id NOT IN (SELECT id FROM purge_shifts))))",
            params![site, before],
        )?;
        counts.visits = count(&tx, "SELECT count(*) FROM purge_visits")?;
        counts.photos = count(
            &tx,
            "SELECT count(*) FROM photos WHERE id IN (SELECT entry_photo FROM purge_visits
                 UNION SELECT exit_photo FROM purge_visits)",
        )?;
        counts.duplicates = count(
            &tx,
            "SELECT count(*) FROM duplicate_exits WHERE entry_id IN (SELECT entry_id FROM purge_visits)",
        )?;
        // A shift goes once none of its payments stay behind.
        tx.execute_batch(
            "DELETE FROM purge_shifts WHERE
                 EXISTS (SELECT 1 FROM exits x WHERE x.shift_id = purge_shifts.id
                         AND x.id NOT IN (SELECT exit_id FROM purge_visits))
              OR EXISTS (SELECT 1 FROM duplicate_exits d WHERE d.shift_id = purge_shifts.id
                         AND d.entry_id NOT IN (SELECT entry_id FROM purge_visits));",
        )?;
        counts.shifts = count(&tx, "SELECT count(*) FROM purge_shifts")?;
        if !plan.dry_run {
            tx.execute_batch(
                "DELETE FROM photos WHERE id IN (SELECT entry_photo FROM purge_visits
                     UNION SELECT exit_photo FROM purge_visits);
                 DELETE FROM duplicate_exits WHERE entry_id IN (SELECT entry_id FROM purge_visits);
                 DELETE FROM entries_search WHERE entry_id IN (SELECT entry_id FROM purge_visits);
                 DELETE FROM visit_facts WHERE entry_id IN (SELECT entry_id FROM purge_visits);
                 DELETE FROM exits WHERE id IN (SELECT exit_id FROM purge_visits);
                 DELETE FROM entries WHERE id IN (SELECT entry_id FROM purge_visits);
                 DELETE FROM shift_late_records WHERE shift_id IN (SELECT id FROM purge_shifts);
                 DELETE FROM shifts WHERE id IN (SELECT id FROM purge_shifts);",
            )?;
            tx.execute(
                "UPDATE entry_days SET
                     entries = entries - (SELECT count(*) FROM purge_visits p WHERE p.day = entry_days.day),
                     simulated = simulated - (SELECT count(*) FROM purge_visits p
                                              WHERE p.day = entry_days.day AND p.simulated = 1)
                 WHERE site_code = ?1 AND day IN (SELECT day FROM purge_visits)",
                [site],
            )?;
            tx.execute("DELETE FROM entry_days WHERE site_code = ?1 AND entries <= 0", [site])?;
        }
        tx.execute_batch("DROP TABLE temp.purge_shifts; DROP TABLE temp.purge_visits;")?;
    }
    if let Some(before) = plan.audit_before.map(ms) {
        // A report inside the window counts manual opens and voids from the audit lines.
        let oldest_open: Option<i64> = tx
            .query_row(
                "SELECT min(opened_at) FROM shifts
                 WHERE site_code = ?1 AND (closed_at IS NULL OR closed_at >= ?2)",
                params![site, before],
                |row| row.get(0),
            )
            .optional()?
            .flatten();
        let before = oldest_open.map_or(before, |opened| opened.min(before));
        counts.audit_rows = if plan.dry_run {
            let n: i64 = tx.query_row(
                "SELECT count(*) FROM audit_log WHERE site_code = ?1 AND time < ?2",
                params![site, before],
                |row| row.get(0),
            )?;
            u64::try_from(n).unwrap_or(0)
        } else {
            tx.execute("DELETE FROM audit_log WHERE site_code = ?1 AND time < ?2", params![site, before])?
                as u64
        };
    }
    if plan.dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
    }
    Ok(counts)
}
