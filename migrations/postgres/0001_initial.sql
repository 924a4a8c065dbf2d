-- Gardu schema, PostgreSQL flavour: the same tables, columns and rules as
-- migrations/sqlite/0001_initial.sql, in PostgreSQL's own types:
--   * times are TIMESTAMPTZ (stored in UTC);
--   * money is BIGINT rupiah; counts and minutes are BIGINT so every u32 fits;
--   * ids are UUIDs made by the booth;
--   * entries, exits, photos and audit_log are insert-only;
--   * every transaction row carries site_code, so HQ can aggregate sites by logical
--     replication (a publication per site) without rewriting anything.

CREATE TABLE sites (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    location       TEXT NOT NULL DEFAULT '',
    region         TEXT NOT NULL DEFAULT '',
    timezone       TEXT NOT NULL DEFAULT 'Asia/Jakarta',
    capacity       BIGINT CHECK (capacity IS NULL OR capacity >= 0),
    receipt_header TEXT NOT NULL DEFAULT '',
    receipt_footer TEXT NOT NULL DEFAULT ''
);

CREATE TABLE users (
    id              UUID PRIMARY KEY,
    -- Stored lower case so lookups are case-insensitive through the plain unique index.
    username        TEXT NOT NULL UNIQUE CHECK (username = lower(username)),
    full_name       TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('guard', 'cashier', 'admin', 'technician')),
    password_hash   TEXT NOT NULL,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    failed_attempts BIGINT NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE vehicle_classes (
    code       TEXT PRIMARY KEY,
    name_id    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0
);

-- One row per tariff version; a visit uses the version in force at its exit time.
CREATE TABLE tariffs (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_code        TEXT NOT NULL REFERENCES sites (code),
    class            TEXT NOT NULL REFERENCES vehicle_classes (code),
    effective_from   TIMESTAMPTZ NOT NULL,
    grace_min        BIGINT NOT NULL CHECK (grace_min >= 0),
    first_period_min BIGINT NOT NULL CHECK (first_period_min > 0),
    first_fee        BIGINT NOT NULL CHECK (first_fee >= 0),
    next_period_min  BIGINT NOT NULL CHECK (next_period_min > 0),
    next_fee         BIGINT NOT NULL CHECK (next_fee >= 0),
    daily_max        BIGINT NOT NULL CHECK (daily_max >= 0),
    lost_fine        BIGINT NOT NULL CHECK (lost_fine >= 0),
    member_kind      TEXT NOT NULL CHECK (member_kind IN ('free', 'percent_off')),
    member_percent   BIGINT NOT NULL DEFAULT 0 CHECK (member_percent BETWEEN 0 AND 100),
    created_by       TEXT NOT NULL,
    -- Also serves tariff_at: equality on site and class, then the latest effective_from.
    UNIQUE (site_code, class, effective_from)
);

CREATE TABLE members (
    card_uid    TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    plate       TEXT,
    plate_key   TEXT,
    class       TEXT NOT NULL,
    valid_until DATE NOT NULL, -- the last valid local day
    active      BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE INDEX members_plate_key ON members (plate_key);

-- No foreign keys on visit rows: a journal replayed from another booth may bring an exit
-- before its entry, or an entry whose class was since renamed.
CREATE TABLE entries (
    id          UUID PRIMARY KEY,
    site_code   TEXT NOT NULL,
    booth       TEXT NOT NULL,
    ticket_no   TEXT NOT NULL,
    ticket_code TEXT NOT NULL,
    plate       TEXT,
    plate_key   TEXT, -- upper-case letters and digits of plate, for lookups and search
    class       TEXT NOT NULL,
    card_uid    TEXT,
    entry_time  TIMESTAMPTZ NOT NULL,
    operator    TEXT,
    photo_id    UUID,
    origin      TEXT NOT NULL CHECK (origin IN ('online', 'journal'))
);

-- plate_key rides along so the transaction list can filter by plate from the index alone.
CREATE INDEX entries_site_time ON entries (site_code, entry_time) INCLUDE (plate_key);
CREATE INDEX entries_ticket_code ON entries (ticket_code);
CREATE INDEX entries_ticket_no ON entries (ticket_no);
CREATE INDEX entries_plate_key ON entries (plate_key, entry_time) WHERE plate_key IS NOT NULL;
CREATE INDEX entries_card ON entries (card_uid, entry_time) WHERE card_uid IS NOT NULL;

CREATE TABLE exits (
    id          UUID PRIMARY KEY,
    entry_id    UUID NOT NULL UNIQUE,
    site_code   TEXT NOT NULL,
    booth       TEXT NOT NULL,
    exit_time   TIMESTAMPTZ NOT NULL,
    operator    TEXT,
    shift_id    UUID,
    fee         JSONB NOT NULL, -- the Fee breakdown
    total       BIGINT NOT NULL,
    method      TEXT NOT NULL CHECK (method IN ('cash', 'qris', 'card', 'emoney', 'free')),
    tendered    BIGINT,
    change      BIGINT,
    reference   TEXT,
    lost_ticket BOOLEAN NOT NULL DEFAULT FALSE,
    photo_id    UUID,
    origin      TEXT NOT NULL CHECK (origin IN ('online', 'journal'))
);

CREATE INDEX exits_site_time ON exits (site_code, exit_time);
CREATE INDEX exits_shift ON exits (shift_id) WHERE shift_id IS NOT NULL;

CREATE TABLE photos (
    id       UUID PRIMARY KEY,
    kind     TEXT NOT NULL CHECK (kind IN ('entry', 'exit', 'manual')),
    taken_at TIMESTAMPTZ NOT NULL,
    jpeg     BYTEA NOT NULL
);

CREATE TABLE shifts (
    id            UUID PRIMARY KEY,
    site_code     TEXT NOT NULL,
    booth         TEXT NOT NULL,
    username      TEXT NOT NULL,
    opened_at     TIMESTAMPTZ NOT NULL,
    closed_at     TIMESTAMPTZ,
    opening_float BIGINT NOT NULL,
    expected_cash BIGINT,
    counted_cash  BIGINT
);

-- At most one open shift per user, enforced by the database itself.
CREATE UNIQUE INDEX shifts_one_open ON shifts (username) WHERE closed_at IS NULL;
CREATE INDEX shifts_site_opened ON shifts (site_code, opened_at);

CREATE TABLE audit_log (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time      TIMESTAMPTZ NOT NULL,
    site_code TEXT NOT NULL,
    booth     TEXT NOT NULL,
    username  TEXT,
    action    TEXT NOT NULL,
    detail    JSONB NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_time ON audit_log (time);
CREATE INDEX audit_action ON audit_log (action, time);

CREATE TABLE ticket_sequences (
    site_code TEXT NOT NULL,
    booth     TEXT NOT NULL,
    day       DATE NOT NULL, -- local day of the site
    last      BIGINT NOT NULL,
    PRIMARY KEY (site_code, booth, day)
);

-- "Inside now" and "exits waiting for their entry" as lookups in one small derived table
-- instead of anti-joins over every visit ever recorded. SQLite keeps two tables; here both
-- sides of a visit upsert the same row, so an entry and its exit committed at the same moment
-- by two booths serialise on that row and can never both believe the other is missing.
CREATE TABLE visit_links (
    entry_id   UUID PRIMARY KEY,
    site_code  TEXT NOT NULL,
    entry_time TIMESTAMPTZ, -- NULL until the entry is stored
    has_entry  BOOLEAN NOT NULL,
    exit_id    UUID
);

CREATE INDEX visit_links_open ON visit_links (site_code, entry_time) WHERE has_entry AND exit_id IS NULL;
CREATE INDEX visit_links_orphan ON visit_links (site_code) WHERE exit_id IS NOT NULL AND NOT has_entry;

CREATE VIEW open_entries AS
    SELECT entry_id, site_code, entry_time FROM visit_links WHERE has_entry AND exit_id IS NULL;

CREATE VIEW orphan_exits AS
    SELECT exit_id, entry_id, site_code FROM visit_links WHERE exit_id IS NOT NULL AND NOT has_entry;

-- Statement-level triggers: a replayed batch of hundreds of rows costs one statement each.
-- Every new entry and exit is announced on the gardu_visits channel in the same transaction,
-- so a LISTENing booth hears of it exactly when it is committed, never before.
CREATE FUNCTION entries_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO visit_links (entry_id, site_code, entry_time, has_entry)
    SELECT id, site_code, entry_time, TRUE FROM new_rows
    ON CONFLICT (entry_id) DO UPDATE
        SET site_code = EXCLUDED.site_code, entry_time = EXCLUDED.entry_time, has_entry = TRUE;
    PERFORM pg_notify('gardu_visits', json_build_object(
        'kind', 'entry', 'id', id, 'site', site_code, 'booth', booth,
        'time', to_char(entry_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text)
    FROM new_rows;
    RETURN NULL;
END
$$;

CREATE TRIGGER entries_link AFTER INSERT ON entries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION entries_link();

CREATE FUNCTION exits_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO visit_links (entry_id, site_code, has_entry, exit_id)
    SELECT entry_id, site_code, FALSE, id FROM new_rows
    ON CONFLICT (entry_id) DO UPDATE SET exit_id = EXCLUDED.exit_id;
    PERFORM pg_notify('gardu_visits', json_build_object(
        'kind', 'exit', 'id', id, 'site', site_code, 'booth', booth,
        'time', to_char(exit_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text)
    FROM new_rows;
    RETURN NULL;
END
$$;

CREATE TRIGGER exits_link AFTER INSERT ON exits
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION exits_link();
