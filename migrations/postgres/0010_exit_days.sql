-- The month statistics from per-day rollups: exits per site, UTC day and the groups the
-- statistics show (class, payment method, cashier, shift), kept by statement-level triggers
-- on visit_links. Exits grouped over 30 days read ~30 days of a few dozen rows plus the raw
-- visits of the partial days at either end, instead of every exit of the month.
--
-- An orphan exit (entry not stored yet) counts under class '' with no stay until its entry
-- arrives; then the update trigger moves it to its class. None is stored as '' (operator) or
-- the nil UUID (shift) in the key columns, because NULLs are never equal in a key. Stays are
-- kept in microseconds, so the figure is the same sum of intervals the raw query takes.
CREATE TABLE exit_days (
    site_code      TEXT NOT NULL,
    day            BIGINT NOT NULL, -- days since 1970-01-01 UTC of the exit
    exit_simulated BOOLEAN NOT NULL,
    class          TEXT NOT NULL,
    method         TEXT NOT NULL,
    operator       TEXT NOT NULL,
    shift_id       UUID NOT NULL,
    exits          BIGINT NOT NULL,
    revenue        BIGINT NOT NULL,
    lost_tickets   BIGINT NOT NULL,
    stays          BIGINT NOT NULL,
    stay_us        BIGINT NOT NULL,
    PRIMARY KEY (site_code, day, exit_simulated, class, method, operator, shift_id)
);

-- One visit_links row's share of the rollups, signed (+1 for new rows, -1 for replaced ones).
-- Arguments: sign, site_code, exit_time, entry_time, has_entry, exit_simulated, class, method,
-- exit_operator, shift_id, total, lost_ticket.
CREATE FUNCTION exit_days_add(INT, TEXT, TIMESTAMPTZ, TIMESTAMPTZ, BOOLEAN, BOOLEAN, TEXT, TEXT,
    TEXT, UUID, BIGINT, BOOLEAN)
RETURNS TABLE (site_code TEXT, day BIGINT, exit_simulated BOOLEAN, class TEXT, method TEXT,
    operator TEXT, shift_id UUID, exits BIGINT, revenue BIGINT, lost_tickets BIGINT, stays BIGINT,
    stay_us BIGINT)
LANGUAGE sql IMMUTABLE AS $$
    SELECT $2, floor(extract(epoch FROM $3) / 86400)::bigint, $6,
           CASE WHEN $5 THEN $7 ELSE '' END, $8, coalesce($9, ''),
           coalesce($10, '00000000-0000-0000-0000-000000000000'::uuid),
           $1::bigint, $1 * $11, CASE WHEN $12 THEN $1 ELSE 0 END::bigint,
           CASE WHEN $5 THEN $1 ELSE 0 END::bigint,
           CASE WHEN $5 THEN $1 * (extract(epoch FROM greatest($3 - $4, interval '0')) * 1000000)::bigint
                ELSE 0 END
$$;

INSERT INTO exit_days
SELECT d.site_code, d.day, d.exit_simulated, d.class, d.method, d.operator, d.shift_id, sum(d.exits),
       sum(d.revenue), sum(d.lost_tickets), sum(d.stays), sum(d.stay_us)
FROM visit_links v,
     LATERAL exit_days_add(1, v.site_code, v.exit_time, v.entry_time, v.has_entry, v.exit_simulated,
         v.class, v.method, v.exit_operator, v.shift_id, v.total, v.lost_ticket) d
WHERE v.exit_id IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7;

CREATE FUNCTION exit_days_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO exit_days
    SELECT d.site_code, d.day, d.exit_simulated, d.class, d.method, d.operator, d.shift_id,
           sum(d.exits), sum(d.revenue), sum(d.lost_tickets), sum(d.stays), sum(d.stay_us)
    FROM new_rows v,
         LATERAL exit_days_add(1, v.site_code, v.exit_time, v.entry_time, v.has_entry,
             v.exit_simulated, v.class, v.method, v.exit_operator, v.shift_id, v.total,
             v.lost_ticket) d
    WHERE v.exit_id IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (site_code, day, exit_simulated, class, method, operator, shift_id) DO UPDATE
        SET exits = exit_days.exits + EXCLUDED.exits, revenue = exit_days.revenue + EXCLUDED.revenue,
            lost_tickets = exit_days.lost_tickets + EXCLUDED.lost_tickets,
            stays = exit_days.stays + EXCLUDED.stays, stay_us = exit_days.stay_us + EXCLUDED.stay_us;
    RETURN NULL;
END
$$;

-- An updated row (an exit reaching its entry's row, an entry reaching its orphan exit's row)
-- takes its old share out and puts its new share in.
CREATE FUNCTION exit_days_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO exit_days
    SELECT d.site_code, d.day, d.exit_simulated, d.class, d.method, d.operator, d.shift_id,
           sum(d.exits), sum(d.revenue), sum(d.lost_tickets), sum(d.stays), sum(d.stay_us)
    FROM (SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows) v,
         LATERAL exit_days_add(v.sign, v.site_code, v.exit_time, v.entry_time, v.has_entry,
             v.exit_simulated, v.class, v.method, v.exit_operator, v.shift_id, v.total,
             v.lost_ticket) d
    WHERE v.exit_id IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (site_code, day, exit_simulated, class, method, operator, shift_id) DO UPDATE
        SET exits = exit_days.exits + EXCLUDED.exits, revenue = exit_days.revenue + EXCLUDED.revenue,
            lost_tickets = exit_days.lost_tickets + EXCLUDED.lost_tickets,
            stays = exit_days.stays + EXCLUDED.stays, stay_us = exit_days.stay_us + EXCLUDED.stay_us;
    RETURN NULL;
END
$$;

CREATE TRIGGER exit_days_insert AFTER INSERT ON visit_links
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION exit_days_insert();
CREATE TRIGGER exit_days_update AFTER UPDATE ON visit_links
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION exit_days_update();
