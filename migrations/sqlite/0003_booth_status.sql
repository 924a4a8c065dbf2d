-- Each booth's latest report of itself, for the admin's dashboard: one row per site and
-- booth, replaced by every heartbeat. A booth that cannot reach the database stops
-- reporting, so the age of seen_at is what tells the admin it is gone.
CREATE TABLE booth_status (
    site_code        TEXT NOT NULL,
    booth            TEXT NOT NULL,
    mode             TEXT NOT NULL,
    operator         TEXT,
    seen_at          INTEGER NOT NULL,
    simulated        INTEGER NOT NULL CHECK (simulated IN (0, 1)),
    journal_waiting  INTEGER NOT NULL CHECK (journal_waiting >= 0),
    journal_rejected INTEGER NOT NULL CHECK (journal_rejected >= 0),
    faults           TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(faults)), -- JSON array of text
    version          TEXT NOT NULL,
    PRIMARY KEY (site_code, booth)
) STRICT, WITHOUT ROWID;
