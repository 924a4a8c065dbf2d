-- The transaction list's filters and the exits' figures over one narrow row per visit, kept
-- by triggers: counting "this month, class MBL, through booth OUT2" or "last week's lost
-- tickets" becomes one range scan of this table instead of a probe into exits for every
-- entry of the range, and a month of exits grouped by class reads one index instead of
-- looking up every exit's entry. Rows are stored in (site, entry time) order, so a range is
-- read sequentially. Exits whose entry is not stored yet (orphans) have no row here.
CREATE TABLE visit_facts (
    site_code     TEXT NOT NULL,
    entry_time    INTEGER NOT NULL,
    entry_id      TEXT NOT NULL UNIQUE,
    plate_key     TEXT,
    ticket_no     TEXT NOT NULL,
    class         TEXT NOT NULL,
    booth         TEXT NOT NULL,
    operator      TEXT,
    origin        TEXT NOT NULL,
    -- The exit's side, NULL while the vehicle is inside.
    exit_id       TEXT,
    exit_time     INTEGER,
    exit_booth    TEXT,
    exit_operator TEXT,
    shift_id      TEXT,
    total         INTEGER,
    method        TEXT,
    lost_ticket   INTEGER NOT NULL DEFAULT 0,
    exit_origin   TEXT,
    PRIMARY KEY (site_code, entry_time, entry_id)
) STRICT, WITHOUT ROWID;

INSERT INTO visit_facts (site_code, entry_time, entry_id, plate_key, ticket_no, class, booth,
    operator, origin, exit_id, exit_time, exit_booth, exit_operator, shift_id, total, method,
    lost_ticket, exit_origin)
SELECT e.site_code, e.entry_time, e.id, e.plate_key, e.ticket_no, e.class, e.booth, e.operator,
       e.origin, x.id, x.exit_time, x.booth, x.operator, x.shift_id, x.total, x.method,
       coalesce(x.lost_ticket, 0), x.origin
FROM entries e LEFT JOIN exits x ON x.entry_id = e.id;

-- Covers exit_groups and the exits side of inside_at without touching the rows (the key's
-- entry_time rides along). Not partial: SQLite reads a partial index's rows to re-check its
-- condition, and the few vehicles inside (exit_time NULL) cost nothing here.
CREATE INDEX visit_facts_exits ON visit_facts (site_code, exit_time, class, method,
    exit_operator, shift_id, total, lost_ticket);

-- An exit replayed before its entry is already there when the entry arrives.
CREATE TRIGGER entries_facts AFTER INSERT ON entries
BEGIN
    INSERT INTO visit_facts (site_code, entry_time, entry_id, plate_key, ticket_no, class, booth,
        operator, origin, exit_id, exit_time, exit_booth, exit_operator, shift_id, total, method,
        lost_ticket, exit_origin)
    SELECT NEW.site_code, NEW.entry_time, NEW.id, NEW.plate_key, NEW.ticket_no, NEW.class,
           NEW.booth, NEW.operator, NEW.origin, x.id, x.exit_time, x.booth, x.operator,
           x.shift_id, x.total, x.method, coalesce(x.lost_ticket, 0), x.origin
    FROM (SELECT 1) LEFT JOIN exits x ON x.entry_id = NEW.id;
END;

CREATE TRIGGER exits_facts AFTER INSERT ON exits
BEGIN
    UPDATE visit_facts
    SET exit_id = NEW.id, exit_time = NEW.exit_time, exit_booth = NEW.booth,
        exit_operator = NEW.operator, shift_id = NEW.shift_id, total = NEW.total,
        method = NEW.method, lost_ticket = NEW.lost_ticket, exit_origin = NEW.origin
    WHERE entry_id = NEW.entry_id;
END;

-- Entries per site and UTC day (day = entry_time / 86400000: times are after 1970, so the
-- integer division is the floor), so the unfiltered list's total
-- over a million visits adds up a few hundred numbers instead of counting every row.
CREATE TABLE entry_days (
    site_code TEXT NOT NULL,
    day       INTEGER NOT NULL,
    entries   INTEGER NOT NULL,
    PRIMARY KEY (site_code, day)
) STRICT, WITHOUT ROWID;

INSERT INTO entry_days (site_code, day, entries)
SELECT site_code, entry_time / 86400000, count(*) FROM entries GROUP BY 1, 2;

CREATE TRIGGER entries_days AFTER INSERT ON entries
BEGIN
    INSERT INTO entry_days (site_code, day, entries) VALUES (NEW.site_code, NEW.entry_time / 86400000, 1)
    ON CONFLICT (site_code, day) DO UPDATE SET entries = entries + 1;
END;

