-- The month statistics from per-day rollups: exits per site, UTC day (exit_time / 86400000)
-- and the groups the statistics show (class, payment method, cashier, shift), kept by
-- triggers on visit_facts. Exits grouped over 30 days read ~30 days of a few dozen rows plus
-- the raw visits of the partial days at either end, instead of every exit of the month.
-- Orphan exits (entry not stored yet) have no visit_facts row and are read as before.
-- None is stored as '' in the key columns (NULLs are never equal in a key).
CREATE TABLE exit_days (
    site_code      TEXT NOT NULL,
    day            INTEGER NOT NULL,
    exit_simulated INTEGER NOT NULL,
    class          TEXT NOT NULL,
    method         TEXT NOT NULL,
    operator       TEXT NOT NULL,
    shift_id       TEXT NOT NULL,
    exits          INTEGER NOT NULL,
    revenue        INTEGER NOT NULL,
    lost_tickets   INTEGER NOT NULL,
    stay_ms        INTEGER NOT NULL,
    PRIMARY KEY (site_code, day, exit_simulated, class, method, operator, shift_id)
) STRICT, WITHOUT ROWID;

INSERT INTO exit_days (site_code, day, exit_simulated, class, method, operator, shift_id, exits,
    revenue, lost_tickets, stay_ms)
SELECT site_code, exit_time / 86400000, exit_simulated, class, method, coalesce(exit_operator, ''),
       coalesce(shift_id, ''), count(*), sum(total), sum(lost_ticket),
       sum(max(exit_time - entry_time, 0))
FROM visit_facts WHERE exit_id IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7;

-- An entry stored after its exit brings the exit with it.
CREATE TRIGGER exit_days_entry AFTER INSERT ON visit_facts
WHEN NEW.exit_id IS NOT NULL
BEGIN
    INSERT INTO exit_days (site_code, day, exit_simulated, class, method, operator, shift_id,
        exits, revenue, lost_tickets, stay_ms)
    VALUES (NEW.site_code, NEW.exit_time / 86400000, NEW.exit_simulated, NEW.class, NEW.method,
        coalesce(NEW.exit_operator, ''), coalesce(NEW.shift_id, ''), 1, NEW.total, NEW.lost_ticket,
        max(NEW.exit_time - NEW.entry_time, 0))
    ON CONFLICT (site_code, day, exit_simulated, class, method, operator, shift_id) DO UPDATE
        SET exits = exits + 1, revenue = revenue + excluded.revenue,
            lost_tickets = lost_tickets + excluded.lost_tickets, stay_ms = stay_ms + excluded.stay_ms;
END;

-- An exit of a stored entry (exits are insert-only and one per entry: set once).
CREATE TRIGGER exit_days_exit AFTER UPDATE OF exit_id ON visit_facts
WHEN OLD.exit_id IS NULL AND NEW.exit_id IS NOT NULL
BEGIN
    INSERT INTO exit_days (site_code, day, exit_simulated, class, method, operator, shift_id,
        exits, revenue, lost_tickets, stay_ms)
    VALUES (NEW.site_code, NEW.exit_time / 86400000, NEW.exit_simulated, NEW.class, NEW.method,
        coalesce(NEW.exit_operator, ''), coalesce(NEW.shift_id, ''), 1, NEW.total, NEW.lost_ticket,
        max(NEW.exit_time - NEW.entry_time, 0))
    ON CONFLICT (site_code, day, exit_simulated, class, method, operator, shift_id) DO UPDATE
        SET exits = exits + 1, revenue = revenue + excluded.revenue,
            lost_tickets = lost_tickets + excluded.lost_tickets, stay_ms = stay_ms + excluded.stay_ms;
END;
