-- Each booth's latest report of itself, for the admin's dashboard: one row per site and
-- booth, replaced by every heartbeat. A booth that cannot reach the database stops
-- reporting, so the age of seen_at is what tells the admin it is gone. Faults are JSON text
-- (an array of strings), as in SQLite.
CREATE TABLE booth_status (
    site_code        TEXT NOT NULL,
    booth            TEXT NOT NULL,
    mode             TEXT NOT NULL,
    operator         TEXT,
    seen_at          TIMESTAMPTZ NOT NULL,
    simulated        BOOLEAN NOT NULL,
    journal_waiting  BIGINT NOT NULL CHECK (journal_waiting >= 0),
    journal_rejected BIGINT NOT NULL CHECK (journal_rejected >= 0),
    faults           TEXT NOT NULL DEFAULT '[]',
    version          TEXT NOT NULL,
    PRIMARY KEY (site_code, booth)
);
