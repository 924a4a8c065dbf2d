-- The trigram rows of inserted entries in one set-based statement. A journal replay inserts a
-- thousand entries at once, and 0014's trigger called a SQL function per entry and let each
-- trigram row check for a conflict: 80–120 ms a thousand entries, two thirds of the replay's
-- time in the database. This statement takes about a third of that.
--
-- No conflict check: the rows are those of entries this very statement inserted (new ids;
-- `ON CONFLICT (id) DO NOTHING` leaves the others out of `new_rows`), an entry's trigram rows
-- go when it is deleted (plate_grams_delete), and DISTINCT leaves one row per trigram of an
-- entry. Rows applied by replication (HQ) keep 0014's row trigger and its conflict check.
--
-- Without JIT: the planner knows nothing of a transition table's keys and prices the trigrams
-- of a thousand rows high enough to compile the statement, which costs more than running it.
CREATE OR REPLACE FUNCTION plate_grams_insert() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
BEGIN
    INSERT INTO plate_grams (gram, entry_time, entry_id, site_code, simulated)
    SELECT DISTINCT substr(k.key, n, 3), e.entry_time, e.id, e.site_code, e.simulated
    FROM new_rows e
    CROSS JOIN LATERAL (VALUES (e.plate_key), (e.plate_read_key)) k(key)
    CROSS JOIN LATERAL generate_series(1, length(k.key) - 2) n
    WHERE k.key IS NOT NULL;
    RETURN NULL;
END
$$;
