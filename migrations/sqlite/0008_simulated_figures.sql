-- Simulated records out of every figure: the trigger-kept rollups that the transaction list
-- and the figures read carry each record's `simulated` flag, so leaving simulation out is a
-- condition on the rows (or index entries) already read, never a probe into entries or exits.
-- Additive: columns with defaults, backfilled; the triggers and indexes are replaced with the
-- same ones plus the flag.

-- The entry's flag and the exit's flag: an entry figure (inside, entries, the list) reads the
-- first, an exit figure (exit groups) the second.
ALTER TABLE visit_facts ADD COLUMN simulated INTEGER NOT NULL DEFAULT 0 CHECK (simulated IN (0, 1));
ALTER TABLE visit_facts ADD COLUMN exit_simulated INTEGER NOT NULL DEFAULT 0
    CHECK (exit_simulated IN (0, 1));

UPDATE visit_facts SET simulated = 1 WHERE entry_id IN (SELECT id FROM entries WHERE simulated = 1);
UPDATE visit_facts SET exit_simulated = 1
WHERE entry_id IN (SELECT entry_id FROM exits WHERE simulated = 1);

-- Still covering for exit_groups and inside_at, now with both flags.
DROP INDEX visit_facts_exits;
CREATE INDEX visit_facts_exits ON visit_facts (site_code, exit_time, class, method,
    exit_operator, shift_id, total, lost_ticket, exit_simulated, simulated);

DROP TRIGGER entries_facts;
CREATE TRIGGER entries_facts AFTER INSERT ON entries
BEGIN
    INSERT INTO visit_facts (site_code, entry_time, entry_id, plate_key, ticket_no, class, booth,
        operator, origin, exit_id, exit_time, exit_booth, exit_operator, shift_id, total, method,
        lost_ticket, exit_origin, simulated, exit_simulated)
    SELECT NEW.site_code, NEW.entry_time, NEW.id, NEW.plate_key, NEW.ticket_no, NEW.class,
           NEW.booth, NEW.operator, NEW.origin, x.id, x.exit_time, x.booth, x.operator,
           x.shift_id, x.total, x.method, coalesce(x.lost_ticket, 0), x.origin, NEW.simulated,
           coalesce(x.simulated, 0)
    FROM (SELECT 1) LEFT JOIN exits x ON x.entry_id = NEW.id;
END;

DROP TRIGGER exits_facts;
CREATE TRIGGER exits_facts AFTER INSERT ON exits
BEGIN
    UPDATE visit_facts
    SET exit_id = NEW.id, exit_time = NEW.exit_time, exit_booth = NEW.booth,
        exit_operator = NEW.operator, shift_id = NEW.shift_id, total = NEW.total,
        method = NEW.method, lost_ticket = NEW.lost_ticket, exit_origin = NEW.origin,
        exit_simulated = NEW.simulated
    WHERE entry_id = NEW.entry_id;
END;

-- Vehicles inside: simulated ones never fill a real car park.
ALTER TABLE open_entries ADD COLUMN simulated INTEGER NOT NULL DEFAULT 0 CHECK (simulated IN (0, 1));
UPDATE open_entries SET simulated = 1 WHERE entry_id IN (SELECT id FROM entries WHERE simulated = 1);

DROP INDEX open_entries_site;
CREATE INDEX open_entries_site ON open_entries (site_code, entry_time, simulated);

DROP TRIGGER entries_link;
CREATE TRIGGER entries_link AFTER INSERT ON entries
BEGIN
    INSERT INTO open_entries (entry_id, site_code, entry_time, simulated)
    SELECT NEW.id, NEW.site_code, NEW.entry_time, NEW.simulated
    WHERE NOT EXISTS (SELECT 1 FROM exits WHERE entry_id = NEW.id);
    DELETE FROM orphan_exits WHERE entry_id = NEW.id;
END;

-- Per-day entry counts: `entries` stays every entry, `simulated` says how many of them were
-- simulated, so the list's fast total is exact with simulation left out or counted.
ALTER TABLE entry_days ADD COLUMN simulated INTEGER NOT NULL DEFAULT 0;

UPDATE entry_days SET simulated = s.entries
FROM (SELECT site_code, entry_time / 86400000 AS day, count(*) AS entries
      FROM entries WHERE simulated = 1 GROUP BY 1, 2) s
WHERE entry_days.site_code = s.site_code AND entry_days.day = s.day;

DROP TRIGGER entries_days;
CREATE TRIGGER entries_days AFTER INSERT ON entries
BEGIN
    INSERT INTO entry_days (site_code, day, entries, simulated)
    VALUES (NEW.site_code, NEW.entry_time / 86400000, 1, NEW.simulated)
    ON CONFLICT (site_code, day) DO UPDATE
        SET entries = entries + 1, simulated = simulated + excluded.simulated;
END;

-- The transaction list's "forced closes only": the few forced closes, found by index.
CREATE INDEX exits_forced ON exits (entry_id) WHERE forced_reason IS NOT NULL;
-- And "duplicate exits only": the visits with a second payment.
CREATE INDEX duplicate_exits_entry ON duplicate_exits (entry_id);
