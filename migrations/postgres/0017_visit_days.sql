-- The transaction list's exact total from per-day groups, as SQLite's migration 0016 does:
-- visits per site, UTC day of entry and every column the list filters on besides plate and
-- ticket. "This month, class MBL, booth OUT2" counted every visit row of the month; from a
-- cold cache at 1,000,000 visits that read took 277 ms. Now it sums the month's groups and
-- counts the rows of the partial days at either end. None is stored as '' (NULLs are never
-- equal in a key), and `exited` stands for `exit_id IS NOT NULL`. Only rows with their entry
-- count (an orphan exit joins its group when its entry arrives).
CREATE TABLE visit_days (
    site_code     TEXT NOT NULL,
    day           BIGINT NOT NULL, -- days since 1970-01-01 UTC of the entry
    simulated     BOOLEAN NOT NULL,
    class         TEXT NOT NULL,
    booth         TEXT NOT NULL,
    operator      TEXT NOT NULL,
    origin        TEXT NOT NULL,
    exited        BOOLEAN NOT NULL,
    exit_booth    TEXT NOT NULL,
    exit_operator TEXT NOT NULL,
    method        TEXT NOT NULL,
    lost_ticket   BOOLEAN NOT NULL,
    exit_origin   TEXT NOT NULL,
    visits        BIGINT NOT NULL,
    PRIMARY KEY (site_code, day, simulated, class, booth, operator, origin, exited, exit_booth,
        exit_operator, method, lost_ticket, exit_origin)
);

-- A visit_links row's group, with `change` (+1 into it, -1 out of it) as its visits: the one
-- place that names a group.
CREATE FUNCTION visit_days_of(change INT, v visit_links) RETURNS visit_days
LANGUAGE sql IMMUTABLE AS $$
    SELECT v.site_code, floor(extract(epoch FROM v.entry_time) / 86400)::bigint, v.simulated,
           coalesce(v.class, ''), coalesce(v.booth, ''), coalesce(v.operator, ''),
           coalesce(v.origin, ''), v.exit_id IS NOT NULL, coalesce(v.exit_booth, ''),
           coalesce(v.exit_operator, ''), coalesce(v.method, ''), v.lost_ticket,
           coalesce(v.exit_origin, ''), change::bigint
$$;

-- Adds changes to their groups, summed per group first; a change that nets out writes nothing.
CREATE FUNCTION visit_days_apply(changes visit_days[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO visit_days
    SELECT site_code, day, simulated, class, booth, operator, origin, exited, exit_booth,
           exit_operator, method, lost_ticket, exit_origin, sum(visits)
    FROM unnest(changes)
    GROUP BY site_code, day, simulated, class, booth, operator, origin, exited, exit_booth,
             exit_operator, method, lost_ticket, exit_origin
    HAVING sum(visits) <> 0
    ON CONFLICT (site_code, day, simulated, class, booth, operator, origin, exited, exit_booth,
        exit_operator, method, lost_ticket, exit_origin)
    DO UPDATE SET visits = visit_days.visits + EXCLUDED.visits
$$;

-- Booths wait until the groups are filled and the triggers in place, so no visit is missed.
LOCK TABLE visit_links IN SHARE ROW EXCLUSIVE MODE;

-- Every group made again from the visit rows, one streaming GROUP BY: the backfill here, and
-- HQ's rebuild when `hq migrate` switches on the replica trigger below.
CREATE FUNCTION visit_days_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM visit_days;
    INSERT INTO visit_days
    SELECT d.site_code, d.day, d.simulated, d.class, d.booth, d.operator, d.origin, d.exited,
           d.exit_booth, d.exit_operator, d.method, d.lost_ticket, d.exit_origin, sum(d.visits)
    FROM visit_links v, LATERAL visit_days_of(1, v) d
    WHERE v.has_entry
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13;
$$;

SELECT visit_days_rebuild();

-- Statement triggers: a replayed batch of a thousand rows is one statement each.
CREATE FUNCTION visit_days_insert() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    PERFORM visit_days_apply(ARRAY(SELECT visit_days_of(1, n::visit_links) FROM new_rows n WHERE n.has_entry));
    RETURN NULL;
END
$$;

-- An update (the exit arriving, an orphan exit's entry arriving) moves its visits from their
-- old groups to their new ones; an emptied group stays at 0 (a few a day, the sums the same).
CREATE FUNCTION visit_days_update() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    PERFORM visit_days_apply(ARRAY(
        SELECT visit_days_of(-1, o::visit_links) FROM old_rows o WHERE o.has_entry
        UNION ALL
        SELECT visit_days_of(1, n::visit_links) FROM new_rows n WHERE n.has_entry));
    RETURN NULL;
END
$$;

-- A purge takes its visits out; a purged day's groups go with its last visit.
CREATE FUNCTION visit_days_delete() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    PERFORM visit_days_apply(ARRAY(SELECT visit_days_of(-1, o::visit_links) FROM old_rows o WHERE o.has_entry));
    DELETE FROM visit_days d
    USING (SELECT DISTINCT site_code, floor(extract(epoch FROM entry_time) / 86400)::bigint AS day
           FROM old_rows WHERE has_entry) p
    WHERE d.site_code = p.site_code AND d.day = p.day AND d.visits <= 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER visit_days_insert AFTER INSERT ON visit_links
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION visit_days_insert();
CREATE TRIGGER visit_days_update AFTER UPDATE ON visit_links
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION visit_days_update();
CREATE TRIGGER visit_days_delete AFTER DELETE ON visit_links
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION visit_days_delete();

-- HQ: the rows the sites replicate fire no statement trigger, so this row trigger does the
-- same work there. It is created switched off; `gardu hq migrate` (and `hq add-site`) rebuild
-- HQ's groups once from visit_links and switch it on for replicated rows only, as they do for
-- exit_days (migration 0014). At a site it stays off.
CREATE FUNCTION visit_days_replica() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.has_entry THEN
        PERFORM visit_days_apply(ARRAY[visit_days_of(-1, OLD)]);
    END IF;
    IF NEW.has_entry THEN
        PERFORM visit_days_apply(ARRAY[visit_days_of(1, NEW)]);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER visit_days_replica AFTER INSERT OR UPDATE ON visit_links
    FOR EACH ROW EXECUTE FUNCTION visit_days_replica();
ALTER TABLE visit_links DISABLE TRIGGER visit_days_replica;

-- Two filters of the finance office that match few visits of a range: lost tickets (a few per
-- thousand visits) and a payment method. Their pages walked a week of visit rows newest first
-- and read each row to check it (101 ms for lost tickets from a cold cache); these indexes
-- hold what a page is picked by.
CREATE INDEX visit_links_lost ON visit_links (site_code, entry_time DESC, entry_id DESC)
    INCLUDE (simulated) WHERE has_entry AND lost_ticket;
CREATE INDEX visit_links_method ON visit_links (site_code, method, entry_time DESC, entry_id DESC)
    INCLUDE (simulated) WHERE has_entry AND method IS NOT NULL;
