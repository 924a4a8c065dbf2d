-- Plate reads: what the reader made of the entry photo beside the plate the guard confirmed.
-- `plate` stays the confirmed plate; `plate_read` is the reader's plate as read (normalised),
-- `plate_confidence` its confidence (0–1), `plate_source` where the confirmed plate came from.
-- A read or a photo that arrives after the ticket is printed fills these columns once, later
-- (an entry row is otherwise never changed).
ALTER TABLE entries ADD COLUMN plate_read TEXT;
ALTER TABLE entries ADD COLUMN plate_read_key TEXT;
ALTER TABLE entries ADD COLUMN plate_confidence REAL
    CHECK (plate_confidence IS NULL OR (plate_confidence >= 0 AND plate_confidence <= 1));
ALTER TABLE entries ADD COLUMN plate_source TEXT NOT NULL DEFAULT 'none'
    CHECK (plate_source IN ('anpr', 'typed', 'none'));

UPDATE entries SET plate_source = 'typed' WHERE plate IS NOT NULL;

CREATE INDEX entries_plate_read_key ON entries (plate_read_key, entry_time)
    WHERE plate_read_key IS NOT NULL;
