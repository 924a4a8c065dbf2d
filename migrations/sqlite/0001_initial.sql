-- Gardu schema, SQLite flavour. Conventions:
--   * times are INTEGER unix milliseconds in UTC (they sort and index as numbers);
--   * money is INTEGER rupiah;
--   * ids are UUIDs as lower-case hyphenated TEXT, made by the booth;
--   * entries, exits, photos and audit_log are insert-only.

CREATE TABLE sites (
    code           TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL,
    location       TEXT NOT NULL DEFAULT '',
    region         TEXT NOT NULL DEFAULT '',
    timezone       TEXT NOT NULL DEFAULT 'Asia/Jakarta',
    capacity       INTEGER CHECK (capacity IS NULL OR capacity >= 0),
    receipt_header TEXT NOT NULL DEFAULT '',
    receipt_footer TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE users (
    id              TEXT PRIMARY KEY NOT NULL,
    -- Stored lower case so lookups are case-insensitive through the plain unique index.
    username        TEXT NOT NULL UNIQUE CHECK (username = lower(username)),
    full_name       TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('guard', 'cashier', 'admin', 'technician')),
    password_hash   TEXT NOT NULL,
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE vehicle_classes (
    code       TEXT PRIMARY KEY NOT NULL,
    name_id    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0
) STRICT;

-- One row per tariff version; a visit uses the version in force at its exit time.
CREATE TABLE tariffs (
    id               INTEGER PRIMARY KEY,
    site_code        TEXT NOT NULL REFERENCES sites (code),
    class            TEXT NOT NULL REFERENCES vehicle_classes (code),
    effective_from   INTEGER NOT NULL,
    grace_min        INTEGER NOT NULL CHECK (grace_min >= 0),
    first_period_min INTEGER NOT NULL CHECK (first_period_min > 0),
    first_fee        INTEGER NOT NULL CHECK (first_fee >= 0),
    next_period_min  INTEGER NOT NULL CHECK (next_period_min > 0),
    next_fee         INTEGER NOT NULL CHECK (next_fee >= 0),
    daily_max        INTEGER NOT NULL CHECK (daily_max >= 0),
    lost_fine        INTEGER NOT NULL CHECK (lost_fine >= 0),
    member_kind      TEXT NOT NULL CHECK (member_kind IN ('free', 'percent_off')),
    member_percent   INTEGER NOT NULL DEFAULT 0 CHECK (member_percent BETWEEN 0 AND 100),
    created_by       TEXT NOT NULL,
    -- Also serves tariff_at: equality on site and class, then the latest effective_from.
    UNIQUE (site_code, class, effective_from)
) STRICT;

CREATE TABLE members (
    card_uid    TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    plate       TEXT,
    plate_key   TEXT,
    class       TEXT NOT NULL,
    valid_until TEXT NOT NULL, -- YYYY-MM-DD, the last valid local day
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

CREATE INDEX members_plate_key ON members (plate_key);

-- No foreign keys on visit rows: a journal replayed from another booth may bring an exit
-- before its entry, or an entry whose class was since renamed.
CREATE TABLE entries (
    id          TEXT PRIMARY KEY NOT NULL,
    site_code   TEXT NOT NULL,
    booth       TEXT NOT NULL,
    ticket_no   TEXT NOT NULL,
    ticket_code TEXT NOT NULL,
    plate       TEXT,
    plate_key   TEXT, -- upper-case letters and digits of plate, for lookups and search
    class       TEXT NOT NULL,
    card_uid    TEXT,
    entry_time  INTEGER NOT NULL,
    operator    TEXT,
    photo_id    TEXT,
    origin      TEXT NOT NULL CHECK (origin IN ('online', 'journal'))
) STRICT;

-- plate_key rides along so the transaction list can filter by plate from the index alone,
-- without reading a million table rows.
CREATE INDEX entries_site_time ON entries (site_code, entry_time, plate_key);
CREATE INDEX entries_ticket_code ON entries (ticket_code);
CREATE INDEX entries_ticket_no ON entries (ticket_no);
CREATE INDEX entries_plate_key ON entries (plate_key, entry_time) WHERE plate_key IS NOT NULL;
CREATE INDEX entries_card ON entries (card_uid, entry_time) WHERE card_uid IS NOT NULL;

CREATE TABLE exits (
    id          TEXT PRIMARY KEY NOT NULL,
    entry_id    TEXT NOT NULL UNIQUE,
    site_code   TEXT NOT NULL,
    booth       TEXT NOT NULL,
    exit_time   INTEGER NOT NULL,
    operator    TEXT,
    shift_id    TEXT,
    fee         TEXT NOT NULL CHECK (json_valid(fee)), -- the Fee breakdown as JSON
    total       INTEGER NOT NULL,
    method      TEXT NOT NULL CHECK (method IN ('cash', 'qris', 'card', 'emoney', 'free')),
    tendered    INTEGER,
    change      INTEGER,
    reference   TEXT,
    lost_ticket INTEGER NOT NULL DEFAULT 0 CHECK (lost_ticket IN (0, 1)),
    photo_id    TEXT,
    origin      TEXT NOT NULL CHECK (origin IN ('online', 'journal'))
) STRICT;

CREATE INDEX exits_site_time ON exits (site_code, exit_time);
CREATE INDEX exits_shift ON exits (shift_id) WHERE shift_id IS NOT NULL;

CREATE TABLE photos (
    id       TEXT PRIMARY KEY NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('entry', 'exit', 'manual')),
    taken_at INTEGER NOT NULL,
    jpeg     BLOB NOT NULL
) STRICT;

CREATE TABLE shifts (
    id            TEXT PRIMARY KEY NOT NULL,
    site_code     TEXT NOT NULL,
    booth         TEXT NOT NULL,
    username      TEXT NOT NULL,
    opened_at     INTEGER NOT NULL,
    closed_at     INTEGER,
    opening_float INTEGER NOT NULL,
    expected_cash INTEGER,
    counted_cash  INTEGER
) STRICT;

-- At most one open shift per user, enforced by the database itself.
CREATE UNIQUE INDEX shifts_one_open ON shifts (username) WHERE closed_at IS NULL;
CREATE INDEX shifts_site_opened ON shifts (site_code, opened_at);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    time      INTEGER NOT NULL,
    site_code TEXT NOT NULL,
    booth     TEXT NOT NULL,
    username  TEXT,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
) STRICT;

CREATE INDEX audit_time ON audit_log (time);
CREATE INDEX audit_action ON audit_log (action, time);

CREATE TABLE ticket_sequences (
    site_code TEXT NOT NULL,
    booth     TEXT NOT NULL,
    day       TEXT NOT NULL, -- YYYY-MM-DD, local day of the site
    last      INTEGER NOT NULL,
    PRIMARY KEY (site_code, booth, day)
) STRICT, WITHOUT ROWID;

-- Derived link tables kept by triggers: "inside now" and "exits waiting for their entry"
-- become lookups in small tables instead of anti-joins over every visit ever recorded.
CREATE TABLE open_entries (
    entry_id   TEXT PRIMARY KEY NOT NULL,
    site_code  TEXT NOT NULL,
    entry_time INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX open_entries_site ON open_entries (site_code, entry_time);

CREATE TABLE orphan_exits (
    exit_id   TEXT PRIMARY KEY NOT NULL,
    entry_id  TEXT NOT NULL UNIQUE,
    site_code TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TRIGGER entries_link AFTER INSERT ON entries
BEGIN
    INSERT INTO open_entries (entry_id, site_code, entry_time)
    SELECT NEW.id, NEW.site_code, NEW.entry_time
    WHERE NOT EXISTS (SELECT 1 FROM exits WHERE entry_id = NEW.id);
    DELETE FROM orphan_exits WHERE entry_id = NEW.id;
END;

CREATE TRIGGER exits_link AFTER INSERT ON exits
BEGIN
    DELETE FROM open_entries WHERE entry_id = NEW.entry_id;
    INSERT INTO orphan_exits (exit_id, entry_id, site_code)
    SELECT NEW.id, NEW.entry_id, NEW.site_code
    WHERE NOT EXISTS (SELECT 1 FROM entries WHERE id = NEW.entry_id);
END;
