-- Emergency opening (evacuation): declared by an admin, every booth of the site opens its
-- barriers and holds them open, exit lanes stop charging, until it is declared ended.
CREATE TABLE emergencies (
    id          TEXT PRIMARY KEY,
    site_code   TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    started_by  TEXT NOT NULL,
    booth       TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (length(reason) > 0),
    ended_at    INTEGER,
    ended_by    TEXT,
    origin      TEXT NOT NULL DEFAULT 'online' CHECK (origin IN ('online', 'journal'))
);
-- At most one emergency open per site.
CREATE UNIQUE INDEX emergencies_one_open ON emergencies (site_code) WHERE ended_at IS NULL;
CREATE INDEX emergencies_site_time ON emergencies (site_code, started_at);

-- Each booth's acknowledgement: it saw the emergency and opened its barrier.
CREATE TABLE emergency_acks (
    emergency_id    TEXT NOT NULL REFERENCES emergencies (id),
    booth           TEXT NOT NULL,
    acknowledged_at INTEGER NOT NULL,
    username        TEXT,
    PRIMARY KEY (emergency_id, booth)
);

-- Visits made while an emergency held the barriers open: exits taken without charge, entries
-- let in. Reports and the books list them; "exit without payment" alerts leave them out.
ALTER TABLE exits ADD COLUMN emergency_id TEXT;
ALTER TABLE entries ADD COLUMN emergency_id TEXT;
CREATE INDEX exits_emergency ON exits (emergency_id) WHERE emergency_id IS NOT NULL;
