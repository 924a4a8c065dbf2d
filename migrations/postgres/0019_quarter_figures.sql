-- One day's statistics, and the partial days at either end of the month statistics, from
-- quarter-hour groups. Both counted the day's visit rows: at 10,000,000 visits at one site
-- (about 27,400 a day) one day's statistics took p50 91 / p99 136 ms and the 30-day exit
-- groups p99 64 ms, reading every entry and exit of the day from the visit_links indexes.
--
-- A group is a site, a UTC quarter hour (every time zone's offset is whole quarter hours, so
-- a local day is whole quarters), the simulated flag, the class, and for exits the payment
-- method, cashier and shift. An entry counts in its entry quarter (method, operator and shift
-- empty), an exit in its exit quarter; an orphan exit (entry not arrived yet) under class ''
-- with no stay, until its entry arrives. None is stored as '' (operator) or the nil UUID
-- (shift), because NULLs are never equal in a key. Stays are kept in microseconds, as in
-- exit_days.
CREATE TABLE quarter_figures (
    site_code    TEXT NOT NULL,
    quarter      BIGINT NOT NULL, -- quarter hours since 1970-01-01 UTC
    simulated    BOOLEAN NOT NULL, -- the entry's flag for an entry, the exit's for an exit
    class        TEXT NOT NULL,
    method       TEXT NOT NULL,
    operator     TEXT NOT NULL,
    shift_id     UUID NOT NULL,
    entries      BIGINT NOT NULL,
    exits        BIGINT NOT NULL,
    revenue      BIGINT NOT NULL,
    lost_tickets BIGINT NOT NULL,
    stays        BIGINT NOT NULL,
    stay_us      BIGINT NOT NULL,
    PRIMARY KEY (site_code, quarter, simulated, class, method, operator, shift_id)
);

-- A visit_links row's shares, signed by `change` (+1 into their groups, -1 out of them): its
-- entry's and its exit's, each named in one place. One-row functions read in FROM, so the
-- planner inlines them into the statement (one function giving both shares as a UNION ALL
-- was inlined as a subquery per row: 19-30 ms of triggers per 1,000 rows written).
CREATE FUNCTION quarter_entry_of(change INT, v visit_links) RETURNS SETOF quarter_figures
LANGUAGE sql IMMUTABLE AS $$
    SELECT v.site_code, floor(extract(epoch FROM v.entry_time) / 900)::bigint, v.simulated,
           coalesce(v.class, ''), '', '', '00000000-0000-0000-0000-000000000000'::uuid,
           change::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint
    WHERE v.has_entry
$$;

CREATE FUNCTION quarter_exit_of(change INT, v visit_links) RETURNS SETOF quarter_figures
LANGUAGE sql IMMUTABLE AS $$
    SELECT v.site_code, floor(extract(epoch FROM v.exit_time) / 900)::bigint, v.exit_simulated,
           CASE WHEN v.has_entry THEN coalesce(v.class, '') ELSE '' END, coalesce(v.method, ''),
           coalesce(v.exit_operator, ''),
           coalesce(v.shift_id, '00000000-0000-0000-0000-000000000000'::uuid),
           0::bigint, change::bigint, change * coalesce(v.total, 0),
           CASE WHEN v.lost_ticket THEN change ELSE 0 END::bigint,
           CASE WHEN v.has_entry THEN change ELSE 0 END::bigint,
           CASE WHEN v.has_entry THEN change * (extract(epoch FROM
               greatest(v.exit_time - v.entry_time, interval '0')) * 1000000)::bigint
           ELSE 0 END
    WHERE v.exit_id IS NOT NULL
$$;

-- Both shares of a row, for the readers that want a visit's whole part (the rebuild, a day
-- that is not whole quarters, the tests).
CREATE FUNCTION quarter_figures_of(change INT, v visit_links) RETURNS SETOF quarter_figures
LANGUAGE sql IMMUTABLE AS $$
    SELECT * FROM quarter_entry_of(change, v) UNION ALL SELECT * FROM quarter_exit_of(change, v)
$$;

-- Adds shares to their groups, summed per group first; shares that net out write nothing
-- (an exit arriving takes its row's entry share out and puts the same back in).
CREATE FUNCTION quarter_figures_apply(changes quarter_figures[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO quarter_figures
    SELECT site_code, quarter, simulated, class, method, operator, shift_id, sum(entries),
           sum(exits), sum(revenue), sum(lost_tickets), sum(stays), sum(stay_us)
    FROM unnest(changes)
    GROUP BY site_code, quarter, simulated, class, method, operator, shift_id
    HAVING sum(entries) <> 0 OR sum(exits) <> 0 OR sum(revenue) <> 0 OR sum(lost_tickets) <> 0
        OR sum(stays) <> 0 OR sum(stay_us) <> 0
    ON CONFLICT (site_code, quarter, simulated, class, method, operator, shift_id)
    DO UPDATE SET entries = quarter_figures.entries + EXCLUDED.entries,
                  exits = quarter_figures.exits + EXCLUDED.exits,
                  revenue = quarter_figures.revenue + EXCLUDED.revenue,
                  lost_tickets = quarter_figures.lost_tickets + EXCLUDED.lost_tickets,
                  stays = quarter_figures.stays + EXCLUDED.stays,
                  stay_us = quarter_figures.stay_us + EXCLUDED.stay_us
$$;

-- Booths wait until the groups are filled and the triggers in place, so no visit is missed.
LOCK TABLE visit_links IN SHARE ROW EXCLUSIVE MODE;

-- Every group made again from the visit rows: the backfill here, and HQ's rebuild when
-- `hq migrate` switches on the replica trigger below.
CREATE FUNCTION quarter_figures_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM quarter_figures;
    INSERT INTO quarter_figures
    SELECT f.site_code, f.quarter, f.simulated, f.class, f.method, f.operator, f.shift_id,
           sum(f.entries), sum(f.exits), sum(f.revenue), sum(f.lost_tickets), sum(f.stays),
           sum(f.stay_us)
    FROM visit_links v, LATERAL quarter_figures_of(1, v) f
    GROUP BY 1, 2, 3, 4, 5, 6, 7;
$$;

SELECT quarter_figures_rebuild();

-- Statement triggers: a replayed batch of a thousand rows is one statement each.
CREATE FUNCTION quarter_figures_insert() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    PERFORM quarter_figures_apply(ARRAY(
        SELECT f FROM new_rows n, LATERAL quarter_entry_of(1, n::visit_links) f
        UNION ALL
        SELECT f FROM new_rows n, LATERAL quarter_exit_of(1, n::visit_links) f));
    RETURN NULL;
END
$$;

CREATE FUNCTION quarter_figures_update() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    PERFORM quarter_figures_apply(ARRAY(
        SELECT f FROM old_rows o, LATERAL quarter_entry_of(-1, o::visit_links) f
        UNION ALL
        SELECT f FROM old_rows o, LATERAL quarter_exit_of(-1, o::visit_links) f
        UNION ALL
        SELECT f FROM new_rows n, LATERAL quarter_entry_of(1, n::visit_links) f
        UNION ALL
        SELECT f FROM new_rows n, LATERAL quarter_exit_of(1, n::visit_links) f));
    RETURN NULL;
END
$$;

-- A purge takes its visits out, as the day's rows it replaces no longer show them; a group
-- left with nothing goes.
CREATE FUNCTION quarter_figures_delete() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    PERFORM quarter_figures_apply(ARRAY(
        SELECT f FROM old_rows o, LATERAL quarter_figures_of(-1, o::visit_links) f));
    DELETE FROM quarter_figures q
    USING (SELECT DISTINCT f.site_code, f.quarter
           FROM old_rows o, LATERAL quarter_figures_of(-1, o::visit_links) f) p
    WHERE q.site_code = p.site_code AND q.quarter = p.quarter AND q.entries = 0 AND q.exits = 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER quarter_figures_insert AFTER INSERT ON visit_links
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quarter_figures_insert();
CREATE TRIGGER quarter_figures_update AFTER UPDATE ON visit_links
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION quarter_figures_update();
CREATE TRIGGER quarter_figures_delete AFTER DELETE ON visit_links
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION quarter_figures_delete();

-- HQ: the rows the sites replicate fire no statement trigger, so this row trigger does the
-- same work there. Created switched off; `gardu hq migrate` (and `hq add-site`) rebuild HQ's
-- groups once and switch it on for replicated rows only, as for exit_days and visit_days.
CREATE FUNCTION quarter_figures_replica() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM quarter_figures_apply(ARRAY(
            SELECT f FROM quarter_figures_of(-1, OLD) f
            UNION ALL
            SELECT f FROM quarter_figures_of(1, NEW) f));
    ELSE
        PERFORM quarter_figures_apply(ARRAY(SELECT f FROM quarter_figures_of(1, NEW) f));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER quarter_figures_replica AFTER INSERT OR UPDATE ON visit_links
    FOR EACH ROW EXECUTE FUNCTION quarter_figures_replica();
ALTER TABLE visit_links DISABLE TRIGGER quarter_figures_replica;
