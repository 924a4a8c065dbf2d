-- Simulated records out of every figure: visit_links, which the transaction list and the
-- figures read, carries each record's `simulated` flag, so leaving simulation out is a
-- condition on the rows (or index entries) already read, never a probe into entries or exits.
-- Additive: columns with defaults, backfilled; the trigger functions and indexes are replaced
-- with the same ones plus the flag.

-- The entry's flag and the exit's flag: an entry figure (inside, entries, the list) reads the
-- first, an exit figure (exit groups) the second.
ALTER TABLE visit_links
    ADD COLUMN simulated      BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN exit_simulated BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE visit_links v SET simulated = TRUE FROM entries e WHERE e.id = v.entry_id AND e.simulated;
UPDATE visit_links v SET exit_simulated = TRUE FROM exits x WHERE x.id = v.exit_id AND x.simulated;

-- The same indexes, carrying the flags so the scans stay index-only.
DROP INDEX visit_links_site_time;
CREATE INDEX visit_links_site_time ON visit_links (site_code, entry_time DESC, entry_id DESC)
    INCLUDE (simulated) WHERE has_entry;
DROP INDEX visit_links_exits;
CREATE INDEX visit_links_exits ON visit_links (site_code, exit_time)
    INCLUDE (class, method, exit_operator, shift_id, total, lost_ticket, has_entry, entry_time,
             exit_simulated, simulated)
    WHERE exit_id IS NOT NULL;
DROP INDEX visit_links_open;
CREATE INDEX visit_links_open ON visit_links (site_code, entry_time) INCLUDE (simulated)
    WHERE has_entry AND exit_id IS NULL;

CREATE OR REPLACE VIEW open_entries AS
    SELECT entry_id, site_code, entry_time, simulated FROM visit_links WHERE has_entry AND exit_id IS NULL;

-- Per-day entry counts: `entries` stays every entry, `simulated` says how many of them were
-- simulated, so the list's fast total is exact with simulation left out or counted.
ALTER TABLE entry_days ADD COLUMN simulated BIGINT NOT NULL DEFAULT 0;

UPDATE entry_days d SET simulated = s.entries
FROM (SELECT site_code, floor(extract(epoch FROM entry_time) / 86400)::bigint AS day, count(*) AS entries
      FROM entries WHERE simulated GROUP BY 1, 2) s
WHERE d.site_code = s.site_code AND d.day = s.day;

CREATE OR REPLACE FUNCTION entries_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO visit_links (entry_id, site_code, entry_time, has_entry, plate_key, ticket_no,
        class, booth, operator, origin, simulated)
    SELECT id, site_code, entry_time, TRUE, plate_key, ticket_no, class, booth, operator, origin,
           simulated
    FROM new_rows
    ON CONFLICT (entry_id) DO UPDATE
        SET site_code = EXCLUDED.site_code, entry_time = EXCLUDED.entry_time, has_entry = TRUE,
            plate_key = EXCLUDED.plate_key, ticket_no = EXCLUDED.ticket_no, class = EXCLUDED.class,
            booth = EXCLUDED.booth, operator = EXCLUDED.operator, origin = EXCLUDED.origin,
            simulated = EXCLUDED.simulated;
    INSERT INTO entry_days (site_code, day, entries, simulated)
    SELECT site_code, floor(extract(epoch FROM entry_time) / 86400)::bigint, count(*),
           count(*) FILTER (WHERE simulated)
    FROM new_rows GROUP BY 1, 2
    ON CONFLICT (site_code, day) DO UPDATE
        SET entries = entry_days.entries + EXCLUDED.entries,
            simulated = entry_days.simulated + EXCLUDED.simulated;
    PERFORM pg_notify('gardu_visits', json_build_object(
        'kind', 'entry', 'id', id, 'site', site_code, 'booth', booth,
        'time', to_char(entry_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text)
    FROM new_rows;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION exits_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO visit_links (entry_id, site_code, has_entry, exit_id, exit_time, exit_booth,
        exit_operator, shift_id, total, method, lost_ticket, exit_origin, exit_simulated)
    SELECT entry_id, site_code, FALSE, id, exit_time, booth, operator, shift_id, total, method,
           lost_ticket, origin, simulated
    FROM new_rows
    ON CONFLICT (entry_id) DO UPDATE
        SET exit_id = EXCLUDED.exit_id, exit_time = EXCLUDED.exit_time,
            exit_booth = EXCLUDED.exit_booth, exit_operator = EXCLUDED.exit_operator,
            shift_id = EXCLUDED.shift_id, total = EXCLUDED.total, method = EXCLUDED.method,
            lost_ticket = EXCLUDED.lost_ticket, exit_origin = EXCLUDED.exit_origin,
            exit_simulated = EXCLUDED.exit_simulated;
    PERFORM pg_notify('gardu_visits', json_build_object(
        'kind', 'exit', 'id', id, 'site', site_code, 'booth', booth,
        'time', to_char(exit_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text)
    FROM new_rows;
    RETURN NULL;
END
$$;

-- The transaction list's "forced closes only" and "duplicate exits only": the few forced
-- closes and second payments, found by index.
CREATE INDEX exits_forced ON exits (id) WHERE forced_reason IS NOT NULL;
CREATE INDEX duplicate_exits_entry ON duplicate_exits (entry_id);
