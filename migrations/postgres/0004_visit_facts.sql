-- The transaction list's filters and the exits' figures over one narrow row per visit:
-- visit_links, which both sides of a visit already upsert, now carries the columns they
-- read. Counting "this month, class MBL, through booth OUT2" or "last week's lost tickets"
-- becomes one range scan of this table instead of a probe into exits for every entry of the
-- range, and a month of exits grouped by class reads one index instead of looking up every
-- exit's entry. An orphan exit's row has no entry columns until its entry arrives.
ALTER TABLE visit_links
    ADD COLUMN plate_key     TEXT,
    ADD COLUMN ticket_no     TEXT,
    ADD COLUMN class         TEXT,
    ADD COLUMN booth         TEXT,
    ADD COLUMN operator      TEXT,
    ADD COLUMN origin        TEXT,
    ADD COLUMN exit_time     TIMESTAMPTZ,
    ADD COLUMN exit_booth    TEXT,
    ADD COLUMN exit_operator TEXT,
    ADD COLUMN shift_id      UUID,
    ADD COLUMN total         BIGINT,
    ADD COLUMN method        TEXT,
    ADD COLUMN lost_ticket   BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN exit_origin   TEXT;

UPDATE visit_links v
SET plate_key = e.plate_key, ticket_no = e.ticket_no, class = e.class, booth = e.booth,
    operator = e.operator, origin = e.origin
FROM entries e WHERE e.id = v.entry_id;

UPDATE visit_links v
SET exit_time = x.exit_time, exit_booth = x.booth, exit_operator = x.operator,
    shift_id = x.shift_id, total = x.total, method = x.method, lost_ticket = x.lost_ticket,
    exit_origin = x.origin
FROM exits x WHERE x.id = v.exit_id;

CREATE INDEX visit_links_site_time ON visit_links (site_code, entry_time DESC, entry_id DESC) WHERE has_entry;
-- Covers exit_groups and the exits side of inside_at (an index-only scan once vacuumed).
CREATE INDEX visit_links_exits ON visit_links (site_code, exit_time)
    INCLUDE (class, method, exit_operator, shift_id, total, lost_ticket, has_entry, entry_time)
    WHERE exit_id IS NOT NULL;

-- Entries per site and UTC day, so the unfiltered list's total over a million visits adds up
-- a few hundred numbers instead of counting every row. Kept by entries_link below;
-- two booths' entries of the same day take turns on its row only for their own short insert.
CREATE TABLE entry_days (
    site_code TEXT NOT NULL,
    day       BIGINT NOT NULL, -- days since 1970-01-01 UTC
    entries   BIGINT NOT NULL,
    PRIMARY KEY (site_code, day)
);

INSERT INTO entry_days (site_code, day, entries)
SELECT site_code, floor(extract(epoch FROM entry_time) / 86400)::bigint, count(*)
FROM entries GROUP BY 1, 2;

CREATE OR REPLACE FUNCTION entries_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO visit_links (entry_id, site_code, entry_time, has_entry, plate_key, ticket_no,
        class, booth, operator, origin)
    SELECT id, site_code, entry_time, TRUE, plate_key, ticket_no, class, booth, operator, origin
    FROM new_rows
    ON CONFLICT (entry_id) DO UPDATE
        SET site_code = EXCLUDED.site_code, entry_time = EXCLUDED.entry_time, has_entry = TRUE,
            plate_key = EXCLUDED.plate_key, ticket_no = EXCLUDED.ticket_no, class = EXCLUDED.class,
            booth = EXCLUDED.booth, operator = EXCLUDED.operator, origin = EXCLUDED.origin;
    INSERT INTO entry_days (site_code, day, entries)
    SELECT site_code, floor(extract(epoch FROM entry_time) / 86400)::bigint, count(*)
    FROM new_rows GROUP BY 1, 2
    ON CONFLICT (site_code, day) DO UPDATE SET entries = entry_days.entries + EXCLUDED.entries;
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
        exit_operator, shift_id, total, method, lost_ticket, exit_origin)
    SELECT entry_id, site_code, FALSE, id, exit_time, booth, operator, shift_id, total, method,
           lost_ticket, origin
    FROM new_rows
    ON CONFLICT (entry_id) DO UPDATE
        SET exit_id = EXCLUDED.exit_id, exit_time = EXCLUDED.exit_time,
            exit_booth = EXCLUDED.exit_booth, exit_operator = EXCLUDED.exit_operator,
            shift_id = EXCLUDED.shift_id, total = EXCLUDED.total, method = EXCLUDED.method,
            lost_ticket = EXCLUDED.lost_ticket, exit_origin = EXCLUDED.exit_origin;
    PERFORM pg_notify('gardu_visits', json_build_object(
        'kind', 'exit', 'id', id, 'site', site_code, 'booth', booth,
        'time', to_char(exit_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text)
    FROM new_rows;
    RETURN NULL;
END
$$;
