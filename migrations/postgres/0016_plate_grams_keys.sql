-- Plate fragments of four characters and more are found through plate_grams too; 0014 left
-- them to the trigram GIN indexes of entries. Those find which entries hold a fragment, but
-- each hit is then an entries page of its own, read for the exact total: `B 1234` has about
-- 1,000 hits at an HQ of 10,000,000 visits, and its first read took 299 ms from disk.
--
-- Each trigram row now carries its entry's plate keys (`plate_keys`: the confirmed key and the
-- read key with a space between; a key holds letters and digits only, so a fragment never
-- matches across the two), and so does the index. A longer fragment's visits are the rows of
-- one of its trigrams whose keys contain it: its total is an index-only walk over that
-- trigram's rows, newest first, and only the page of 50 reads entries.

-- Booths wait until the trigram rows are rebuilt, so none of their entries is missed.
LOCK TABLE entries IN SHARE MODE;

SET LOCAL maintenance_work_mem = '256MB';

CREATE TABLE plate_grams_keyed (
    gram       TEXT COLLATE "C" NOT NULL,
    entry_time TIMESTAMPTZ NOT NULL,
    entry_id   UUID NOT NULL,
    site_code  TEXT NOT NULL,
    simulated  BOOLEAN NOT NULL,
    plate_keys TEXT COLLATE "C" NOT NULL
) WITH (autovacuum_vacuum_insert_scale_factor = 0.01);

INSERT INTO plate_grams_keyed (gram, entry_time, entry_id, site_code, simulated, plate_keys)
SELECT p.gram, p.entry_time, p.entry_id, p.site_code, p.simulated, concat_ws(' ', e.plate_key, e.plate_read_key)
FROM plate_grams p JOIN entries e ON e.id = p.entry_id;

DROP TABLE plate_grams;
ALTER TABLE plate_grams_keyed RENAME TO plate_grams;
ALTER TABLE plate_grams ADD PRIMARY KEY (gram, entry_time, entry_id) INCLUDE (site_code, simulated, plate_keys);

-- The triggers' functions (0014, 0015) write the keys with the trigrams.
CREATE OR REPLACE FUNCTION plate_grams_add_rows(rows entries[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO plate_grams (gram, entry_time, entry_id, site_code, simulated, plate_keys)
    SELECT g, e.entry_time, e.id, e.site_code, e.simulated, concat_ws(' ', e.plate_key, e.plate_read_key)
    FROM unnest(rows) e, LATERAL (SELECT plate_grams_of(e.plate_key)
                                  UNION SELECT plate_grams_of(e.plate_read_key)) k(g)
    WHERE g IS NOT NULL
    ON CONFLICT DO NOTHING
$$;

CREATE OR REPLACE FUNCTION plate_grams_insert() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
BEGIN
    INSERT INTO plate_grams (gram, entry_time, entry_id, site_code, simulated, plate_keys)
    SELECT DISTINCT substr(k.key, n, 3), e.entry_time, e.id, e.site_code, e.simulated,
           concat_ws(' ', e.plate_key, e.plate_read_key)
    FROM new_rows e
    CROSS JOIN LATERAL (VALUES (e.plate_key), (e.plate_read_key)) k(key)
    CROSS JOIN LATERAL generate_series(1, length(k.key) - 2) n
    WHERE k.key IS NOT NULL;
    RETURN NULL;
END
$$;

-- Nothing searches plates through the GIN indexes any more; every entry written paid for them
-- (a replay batch's entries statement most of all). Fragments of one or two characters scan,
-- as they did: a trigram index cannot narrow them.
DROP INDEX IF EXISTS entries_plate_search;
DROP INDEX IF EXISTS entries_plate_read_search;
