-- The transaction list's plate search finds a visit by the plate the reader made of its entry
-- photo as well as by the confirmed plate. Like 0002_search: a trigram index where pg_trgm is
-- available, a scan where it is not (the booth never refuses to start over an index).
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX entries_plate_read_search ON entries USING gin (plate_read_key gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'read plate search without a trigram index: %', SQLERRM;
END
$$;
