-- The transaction list's exact total from per-day rollups: visits per site, UTC day of entry
-- (entry_time / 86400000) and every column the list filters on besides plate and ticket,
-- kept by triggers on visit_facts. "This month, class MBL, booth OUT2" used to count every
-- visit row of the month (about 12 MB at a million visits, read from disk when the file is
-- not cached); now it sums the matching groups of the month's whole days and counts the rows
-- of the partial days at either end. None is stored as '' (NULLs are never equal in a key),
-- so `exited` stands for `exit_id IS NOT NULL`.
CREATE TABLE visit_days (
    site_code     TEXT NOT NULL,
    day           INTEGER NOT NULL,
    simulated     INTEGER NOT NULL,
    class         TEXT NOT NULL,
    booth         TEXT NOT NULL,
    operator      TEXT NOT NULL,
    origin        TEXT NOT NULL,
    exited        INTEGER NOT NULL,
    exit_booth    TEXT NOT NULL,
    exit_operator TEXT NOT NULL,
    method        TEXT NOT NULL,
    lost_ticket   INTEGER NOT NULL,
    exit_origin   TEXT NOT NULL,
    visits        INTEGER NOT NULL,
    PRIMARY KEY (site_code, day, simulated, class, booth, operator, origin, exited, exit_booth,
        exit_operator, method, lost_ticket, exit_origin)
) STRICT, WITHOUT ROWID;

INSERT INTO visit_days (site_code, day, simulated, class, booth, operator, origin, exited,
    exit_booth, exit_operator, method, lost_ticket, exit_origin, visits)
SELECT site_code, entry_time / 86400000, simulated, class, booth, coalesce(operator, ''), origin,
       exit_id IS NOT NULL, coalesce(exit_booth, ''), coalesce(exit_operator, ''),
       coalesce(method, ''), lost_ticket, coalesce(exit_origin, ''), count(*)
FROM visit_facts
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13;

-- One visit into (change 1) or out of (change -1) its group, in visit_facts' own columns: the
-- triggers below write here, and this view's trigger names the group once.
CREATE VIEW visit_day_changes (site_code, entry_time, simulated, class, booth, operator, origin,
    exit_id, exit_booth, exit_operator, method, lost_ticket, exit_origin, change) AS
SELECT site_code, day, simulated, class, booth, operator, origin, exited, exit_booth,
       exit_operator, method, lost_ticket, exit_origin, visits
FROM visit_days WHERE 0;

CREATE TRIGGER visit_day_changes_apply INSTEAD OF INSERT ON visit_day_changes
BEGIN
    INSERT INTO visit_days (site_code, day, simulated, class, booth, operator, origin, exited,
        exit_booth, exit_operator, method, lost_ticket, exit_origin, visits)
    VALUES (NEW.site_code, NEW.entry_time / 86400000, NEW.simulated, NEW.class, NEW.booth,
        coalesce(NEW.operator, ''), NEW.origin, NEW.exit_id IS NOT NULL,
        coalesce(NEW.exit_booth, ''), coalesce(NEW.exit_operator, ''), coalesce(NEW.method, ''),
        NEW.lost_ticket, coalesce(NEW.exit_origin, ''), NEW.change)
    ON CONFLICT (site_code, day, simulated, class, booth, operator, origin, exited, exit_booth,
        exit_operator, method, lost_ticket, exit_origin)
    DO UPDATE SET visits = visits + excluded.visits;
END;

CREATE TRIGGER visit_days_insert AFTER INSERT ON visit_facts
BEGIN
    INSERT INTO visit_day_changes VALUES (NEW.site_code, NEW.entry_time, NEW.simulated, NEW.class,
        NEW.booth, NEW.operator, NEW.origin, NEW.exit_id, NEW.exit_booth, NEW.exit_operator,
        NEW.method, NEW.lost_ticket, NEW.exit_origin, 1);
END;

-- A purged visit leaves its group; a purged day's groups go with its last visit.
CREATE TRIGGER visit_days_delete AFTER DELETE ON visit_facts
BEGIN
    INSERT INTO visit_day_changes VALUES (OLD.site_code, OLD.entry_time, OLD.simulated, OLD.class,
        OLD.booth, OLD.operator, OLD.origin, OLD.exit_id, OLD.exit_booth, OLD.exit_operator,
        OLD.method, OLD.lost_ticket, OLD.exit_origin, -1);
    DELETE FROM visit_days
    WHERE site_code = OLD.site_code AND day = OLD.entry_time / 86400000 AND visits <= 0;
END;

-- An update (the exit arriving) moves the visit from its old group to its new one; the
-- emptied group stays at 0 (a few per day, and the sum is the same).
CREATE TRIGGER visit_days_update AFTER UPDATE OF site_code, entry_time, simulated, class, booth,
    operator, origin, exit_id, exit_booth, exit_operator, method, lost_ticket, exit_origin
    ON visit_facts
BEGIN
    INSERT INTO visit_day_changes VALUES (OLD.site_code, OLD.entry_time, OLD.simulated, OLD.class,
        OLD.booth, OLD.operator, OLD.origin, OLD.exit_id, OLD.exit_booth, OLD.exit_operator,
        OLD.method, OLD.lost_ticket, OLD.exit_origin, -1);
    INSERT INTO visit_day_changes VALUES (NEW.site_code, NEW.entry_time, NEW.simulated, NEW.class,
        NEW.booth, NEW.operator, NEW.origin, NEW.exit_id, NEW.exit_booth, NEW.exit_operator,
        NEW.method, NEW.lost_ticket, NEW.exit_origin, 1);
END;

-- Two filters of the finance office that match few visits of a range: lost tickets (a few per
-- thousand visits) and a payment method (cash is most; QRIS, cards and e-money a few in ten).
-- Their pages scanned a week of visit rows newest first, read from disk when the file was not
-- cached; these indexes hold what a page is picked by (site, time, id, simulated). The lost
-- tickets' index holds its own condition's column too, or SQLite reads each row to check it.
CREATE INDEX visit_facts_lost
ON visit_facts (site_code, entry_time, entry_id, simulated, lost_ticket) WHERE lost_ticket = 1;
CREATE INDEX visit_facts_method ON visit_facts (site_code, method, entry_time, entry_id, simulated);
