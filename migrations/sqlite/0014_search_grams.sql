-- Plate fragments without scanning history: every distinct trigram of an entry's confirmed
-- plate key and read plate key (0013), stored in (trigram, entry time) order. A three-character
-- fragment such as `B12` is one trigram: its visits newest first are one range of this table,
-- and their count is a walk over that range, however many visits it has. Longer fragments
-- intersect their trigrams here and are checked against the keys. FTS5's trigram index
-- (0002) answers which entries contain a trigram, but not in time order: a common fragment's
-- thousands of hits had to be looked up, sorted and counted one by one.
CREATE TABLE plate_grams (
    gram       TEXT NOT NULL,
    entry_time INTEGER NOT NULL,
    entry_id   TEXT NOT NULL,
    site_code  TEXT NOT NULL,
    simulated  INTEGER NOT NULL,
    PRIMARY KEY (gram, entry_time, entry_id)
) STRICT, WITHOUT ROWID;

-- The start positions of a key's trigrams (SQLite has no generate_series in triggers).
-- Keys are plates reduced to letters and digits: far shorter than this.
CREATE TABLE plate_gram_starts (n INTEGER PRIMARY KEY) STRICT;
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 254)
INSERT INTO plate_gram_starts (n) SELECT n FROM s;

INSERT OR IGNORE INTO plate_grams (gram, entry_time, entry_id, site_code, simulated)
SELECT substr(k.key, s.n, 3), k.entry_time, k.id, k.site_code, k.simulated
FROM (SELECT id, entry_time, site_code, simulated, plate_key AS key FROM entries
      WHERE plate_key IS NOT NULL
      UNION
      SELECT id, entry_time, site_code, simulated, plate_read_key FROM entries
      WHERE plate_read_key IS NOT NULL) k
JOIN plate_gram_starts s ON s.n <= length(k.key) - 2
ORDER BY 1, 2, 3;

CREATE TRIGGER plate_grams_add AFTER INSERT ON entries
WHEN NEW.plate_key IS NOT NULL OR NEW.plate_read_key IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO plate_grams (gram, entry_time, entry_id, site_code, simulated)
    SELECT substr(k.key, s.n, 3), NEW.entry_time, NEW.id, NEW.site_code, NEW.simulated
    FROM (SELECT NEW.plate_key AS key UNION SELECT NEW.plate_read_key) k
    JOIN plate_gram_starts s ON s.n <= length(k.key) - 2;
END;

-- A read plate that arrives after the ticket (or any change of a key): the entry's trigrams
-- are made again from its keys as they are now.
CREATE TRIGGER plate_grams_change AFTER UPDATE OF plate_key, plate_read_key ON entries
WHEN OLD.plate_key IS NOT NEW.plate_key OR OLD.plate_read_key IS NOT NEW.plate_read_key
BEGIN
    DELETE FROM plate_grams
    WHERE entry_time = OLD.entry_time AND entry_id = OLD.id
      AND gram IN (SELECT substr(k.key, s.n, 3)
                   FROM (SELECT OLD.plate_key AS key UNION SELECT OLD.plate_read_key) k
                   JOIN plate_gram_starts s ON s.n <= length(k.key) - 2);
    INSERT OR IGNORE INTO plate_grams (gram, entry_time, entry_id, site_code, simulated)
    SELECT substr(k.key, s.n, 3), NEW.entry_time, NEW.id, NEW.site_code, NEW.simulated
    FROM (SELECT NEW.plate_key AS key UNION SELECT NEW.plate_read_key) k
    JOIN plate_gram_starts s ON s.n <= length(k.key) - 2;
END;

-- A purged entry (or one a booth cache lets go) takes its trigrams with it.
CREATE TRIGGER plate_grams_remove AFTER DELETE ON entries
WHEN OLD.plate_key IS NOT NULL OR OLD.plate_read_key IS NOT NULL
BEGIN
    DELETE FROM plate_grams
    WHERE entry_time = OLD.entry_time AND entry_id = OLD.id
      AND gram IN (SELECT substr(k.key, s.n, 3)
                   FROM (SELECT OLD.plate_key AS key UNION SELECT OLD.plate_read_key) k
                   JOIN plate_gram_starts s ON s.n <= length(k.key) - 2);
END;
