-- The transaction list's plate search finds a visit by the plate the reader made of its entry
-- photo as well as by the confirmed plate: a guard who typed nothing, or a wrong plate, no
-- longer hides the car. visit_facts carries the read's search key beside the confirmed one,
-- and the trigram index gets a second row per read entry (same entry_id, the read's key, no
-- ticket number), so a substring of either plate finds the entry from the index.
ALTER TABLE visit_facts ADD COLUMN plate_read_key TEXT;

UPDATE visit_facts
SET plate_read_key = (SELECT e.plate_read_key FROM entries e WHERE e.id = visit_facts.entry_id)
WHERE entry_id IN (SELECT id FROM entries WHERE plate_read_key IS NOT NULL);

INSERT INTO entries_search (entry_id, plate_key, ticket_no)
SELECT id, plate_read_key, '' FROM entries WHERE plate_read_key IS NOT NULL;

DROP TRIGGER entries_facts;
CREATE TRIGGER entries_facts AFTER INSERT ON entries
BEGIN
    INSERT INTO visit_facts (site_code, entry_time, entry_id, plate_key, ticket_no, class, booth,
        operator, origin, exit_id, exit_time, exit_booth, exit_operator, shift_id, total, method,
        lost_ticket, exit_origin, simulated, exit_simulated, plate_read_key)
    SELECT NEW.site_code, NEW.entry_time, NEW.id, NEW.plate_key, NEW.ticket_no, NEW.class,
           NEW.booth, NEW.operator, NEW.origin, x.id, x.exit_time, x.booth, x.operator,
           x.shift_id, x.total, x.method, coalesce(x.lost_ticket, 0), x.origin, NEW.simulated,
           coalesce(x.simulated, 0), NEW.plate_read_key
    FROM (SELECT 1) LEFT JOIN exits x ON x.entry_id = NEW.id;
END;

CREATE TRIGGER entries_search_read AFTER INSERT ON entries
WHEN NEW.plate_read_key IS NOT NULL
BEGIN
    INSERT INTO entries_search (entry_id, plate_key, ticket_no) VALUES (NEW.id, NEW.plate_read_key, '');
END;

-- A read that arrives after the ticket fills plate_read_key once (store: entry_late).
CREATE TRIGGER entries_read_late AFTER UPDATE OF plate_read_key ON entries
WHEN OLD.plate_read_key IS NULL AND NEW.plate_read_key IS NOT NULL
BEGIN
    UPDATE visit_facts SET plate_read_key = NEW.plate_read_key WHERE entry_id = NEW.id;
    INSERT INTO entries_search (entry_id, plate_key, ticket_no) VALUES (NEW.id, NEW.plate_read_key, '');
END;
