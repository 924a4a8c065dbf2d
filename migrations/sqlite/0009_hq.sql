-- Many sites (PostgreSQL only in practice): the same tables as PostgreSQL's migration 0009, so
-- the two schemas keep one numbering. An SQLite site does not replicate; these stay empty.

CREATE TABLE replication_identity (
    site_code    TEXT PRIMARY KEY,
    published_at TEXT NOT NULL
);

CREATE TABLE site_members (
    site_code   TEXT NOT NULL,
    card_uid    TEXT NOT NULL,
    name        TEXT NOT NULL,
    plate       TEXT,
    class       TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    active      INTEGER NOT NULL CHECK (active IN (0, 1)),
    simulated   INTEGER NOT NULL DEFAULT 0 CHECK (simulated IN (0, 1)),
    PRIMARY KEY (site_code, card_uid)
);

CREATE TABLE hq_members (
    card_uid    TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    plate       TEXT,
    plate_key   TEXT,
    class       TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    all_sites   INTEGER NOT NULL CHECK (all_sites IN (0, 1)),
    sites       TEXT NOT NULL DEFAULT '[]', -- JSON array of site codes
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);

CREATE TABLE hq_tariffs (
    id               TEXT PRIMARY KEY,
    class            TEXT NOT NULL,
    effective_from   TEXT NOT NULL,
    grace_min        INTEGER NOT NULL CHECK (grace_min >= 0),
    first_period_min INTEGER NOT NULL CHECK (first_period_min > 0),
    first_fee        INTEGER NOT NULL CHECK (first_fee >= 0),
    next_period_min  INTEGER NOT NULL CHECK (next_period_min > 0),
    next_fee         INTEGER NOT NULL CHECK (next_fee >= 0),
    daily_max        INTEGER NOT NULL CHECK (daily_max >= 0),
    lost_fine        INTEGER NOT NULL CHECK (lost_fine >= 0),
    member_kind      TEXT NOT NULL CHECK (member_kind IN ('free', 'percent_off')),
    member_percent   INTEGER NOT NULL DEFAULT 0 CHECK (member_percent BETWEEN 0 AND 100),
    all_sites        INTEGER NOT NULL CHECK (all_sites IN (0, 1)),
    sites            TEXT NOT NULL DEFAULT '[]',
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL
);

CREATE TABLE hq_sites (
    site_code    TEXT PRIMARY KEY,
    subscription TEXT NOT NULL UNIQUE,
    added_at     TEXT NOT NULL,
    added_by     TEXT NOT NULL
);
