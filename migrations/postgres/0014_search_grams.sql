-- Plate fragments without scanning history: every distinct trigram of an entry's confirmed
-- plate key and read plate key (0013), in (trigram, entry time) order. A three-character
-- fragment such as `B12` is one trigram: its visits newest first are one range of this index
-- and their count an index-only walk over it, however many visits it has. The trigram GIN
-- index of 0002 finds which entries contain a fragment, but not in time order: a common
-- fragment's tens of thousands of hits were fetched, joined, sorted and counted one by one.
-- Longer fragments keep using the GIN indexes (few hits), now over the read plate too.
CREATE TABLE plate_grams (
    gram       TEXT COLLATE "C" NOT NULL,
    entry_time TIMESTAMPTZ NOT NULL,
    entry_id   UUID NOT NULL,
    site_code  TEXT NOT NULL,
    simulated  BOOLEAN NOT NULL
) WITH (autovacuum_vacuum_insert_scale_factor = 0.01);

-- The distinct trigrams of a search key (letters and digits only).
CREATE FUNCTION plate_grams_of(key TEXT) RETURNS SETOF TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT DISTINCT substr(key, n, 3) FROM generate_series(1, length(key) - 2) n
$$;

-- The trigram rows of entries.
CREATE FUNCTION plate_grams_add_rows(rows entries[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO plate_grams (gram, entry_time, entry_id, site_code, simulated)
    SELECT g, e.entry_time, e.id, e.site_code, e.simulated
    FROM unnest(rows) e, LATERAL (SELECT plate_grams_of(e.plate_key)
                                  UNION SELECT plate_grams_of(e.plate_read_key)) k(g)
    WHERE g IS NOT NULL
    ON CONFLICT DO NOTHING
$$;

CREATE FUNCTION plate_grams_remove_rows(rows entries[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM plate_grams p
    USING (SELECT g, e.entry_time, e.id
           FROM unnest(rows) e, LATERAL (SELECT plate_grams_of(e.plate_key)
                                         UNION SELECT plate_grams_of(e.plate_read_key)) k(g)) d
    WHERE p.gram = d.g AND p.entry_time = d.entry_time AND p.entry_id = d.id
$$;

-- Inserts by the booths (many rows at once in a replay) add their trigrams in one statement;
-- rows applied by logical replication (HQ) fire no statement trigger, so a row trigger
-- enabled for replicas only does the same there.
CREATE FUNCTION plate_grams_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM plate_grams_add_rows(ARRAY(SELECT n::entries FROM new_rows n
                                       WHERE n.plate_key IS NOT NULL OR n.plate_read_key IS NOT NULL));
    RETURN NULL;
END
$$;

CREATE FUNCTION plate_grams_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM plate_grams_remove_rows(ARRAY(SELECT o::entries FROM old_rows o
                                          WHERE o.plate_key IS NOT NULL OR o.plate_read_key IS NOT NULL));
    RETURN NULL;
END
$$;

-- One row: a replicated insert, or a key that changed (a read plate that arrives after the
-- ticket, at the site or replicated to HQ): the entry's trigrams are made again.
-- Logical replication workers run with an empty search_path: the functions they fire carry
-- the schema the migration ran in.
CREATE FUNCTION plate_grams_row() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM plate_grams_remove_rows(ARRAY[OLD]);
    END IF;
    PERFORM plate_grams_add_rows(ARRAY[NEW]);
    RETURN NULL;
END
$$;

-- The triggers first: they lock entries against writers (an HQ's apply workers) until the
-- backfill below commits, so no entry is missed or indexed twice.
CREATE TRIGGER plate_grams_insert AFTER INSERT ON entries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION plate_grams_insert();
CREATE TRIGGER plate_grams_delete AFTER DELETE ON entries
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION plate_grams_delete();
CREATE TRIGGER plate_grams_replica AFTER INSERT ON entries
    FOR EACH ROW EXECUTE FUNCTION plate_grams_row();
ALTER TABLE entries ENABLE REPLICA TRIGGER plate_grams_replica;
CREATE TRIGGER plate_grams_change AFTER UPDATE OF plate_key, plate_read_key ON entries
    FOR EACH ROW WHEN (OLD.plate_key IS DISTINCT FROM NEW.plate_key
                       OR OLD.plate_read_key IS DISTINCT FROM NEW.plate_read_key)
    EXECUTE FUNCTION plate_grams_row();
ALTER TABLE entries ENABLE ALWAYS TRIGGER plate_grams_change;

SET LOCAL maintenance_work_mem = '256MB';
INSERT INTO plate_grams (gram, entry_time, entry_id, site_code, simulated)
SELECT g, e.entry_time, e.id, e.site_code, e.simulated
FROM entries e, LATERAL (SELECT plate_grams_of(e.plate_key) UNION SELECT plate_grams_of(e.plate_read_key)) k(g)
WHERE g IS NOT NULL;
-- Built after the backfill (one sort instead of millions of inserts into the index). The
-- site and simulated flag ride along, so a count is an index-only scan.
ALTER TABLE plate_grams ADD PRIMARY KEY (gram, entry_time, entry_id) INCLUDE (site_code, simulated);

-- The read plate's own trigram index, beside the confirmed plate's of 0002 (same conditions:
-- without pg_trgm the search still works, by scanning).
DO $$
BEGIN
    CREATE INDEX entries_plate_read_search ON entries USING gin (plate_read_key gin_trgm_ops)
        WHERE plate_read_key IS NOT NULL;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'read plate search without a trigram index: %', SQLERRM;
END
$$;

-- A day's statistics count the day's entries by class from this index alone (0008's, with
-- the class added); the exits side reads visit_links_exits, which carries what it needs.
DROP INDEX visit_links_site_time;
CREATE INDEX visit_links_site_time ON visit_links (site_code, entry_time DESC, entry_id DESC)
    INCLUDE (simulated, class) WHERE has_entry;

-- HQ's month statistics: the exit_days rollups of the rows that arrive by logical replication.
--
-- A site keeps exit_days by statement triggers on visit_links (0010). At HQ the same rows
-- arrive from the sites through the apply workers, which run as `session_replication_role =
-- replica`: ordinary triggers do not fire there, and statement triggers never fire for applied
-- changes. This row trigger does the same work one row at a time. It is created switched off;
-- `gardu hq migrate` (and `hq add-site`) rebuilds HQ's rollups once from visit_links and switches
-- it on with ENABLE REPLICA, so it fires only for replicated rows and never beside the
-- statement triggers. At a site it stays off: nothing is replicated into a site's visit_links.

-- One visit_links row's share (sign +1 or -1) added to its exit_days row.
CREATE FUNCTION exit_days_put(sign INT, v visit_links) RETURNS void LANGUAGE sql AS $$
    INSERT INTO exit_days
    SELECT d.* FROM exit_days_add(sign, v.site_code, v.exit_time, v.entry_time, v.has_entry,
        v.exit_simulated, v.class, v.method, v.exit_operator, v.shift_id, v.total, v.lost_ticket) d
    WHERE v.exit_id IS NOT NULL
    ON CONFLICT (site_code, day, exit_simulated, class, method, operator, shift_id) DO UPDATE
        SET exits = exit_days.exits + EXCLUDED.exits, revenue = exit_days.revenue + EXCLUDED.revenue,
            lost_tickets = exit_days.lost_tickets + EXCLUDED.lost_tickets,
            stays = exit_days.stays + EXCLUDED.stays, stay_us = exit_days.stay_us + EXCLUDED.stay_us
$$;

-- An updated row (an exit reaching its entry's row, an entry reaching its orphan exit's row)
-- takes its old share out and puts its new share in, as exit_days_update does.
CREATE FUNCTION exit_days_replica() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM exit_days_put(-1, OLD);
    END IF;
    PERFORM exit_days_put(1, NEW);
    RETURN NULL;
END
$$;

CREATE TRIGGER exit_days_replica AFTER INSERT OR UPDATE ON visit_links
    FOR EACH ROW EXECUTE FUNCTION exit_days_replica();
ALTER TABLE visit_links DISABLE TRIGGER exit_days_replica;
