-- Substring search over plates and ticket numbers without reading every visit: trigram
-- indexes answer "which entries contain B1234" (the transaction list's LIKE '%…%' filters)
-- from a few index pages, as SQLite's 0002_search does with FTS5.
--
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension, so the database owner
-- may create it. Where it is missing or not allowed, the search still works, only by
-- scanning: the booth must never refuse to start over an index.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX entries_plate_search ON entries USING gin (plate_key gin_trgm_ops);
    CREATE INDEX entries_ticket_search ON entries USING gin (upper(ticket_no) gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'substring search without a trigram index: %', SQLERRM;
END
$$;
