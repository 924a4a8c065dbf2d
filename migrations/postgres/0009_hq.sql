-- Many sites: what a site publishes to HQ and what HQ publishes to the sites.
-- Additive only: new tables and one trigger; existing rows and writers are untouched.

-- The site this database serves, written by `gardu replication publish` (one row, or none in a
-- database that does not replicate). Members have no site code, so HQ's copy of a site's
-- members needs this to tell two sites' cards apart.
CREATE TABLE replication_identity (
    site_code    TEXT PRIMARY KEY,
    published_at TIMESTAMPTZ NOT NULL
);

-- The site's members as HQ sees them: keyed by (site_code, card_uid), because two sites may
-- issue the same card uid. Kept by a trigger on members; published instead of members.
CREATE TABLE site_members (
    site_code   TEXT NOT NULL,
    card_uid    TEXT NOT NULL,
    name        TEXT NOT NULL,
    plate       TEXT,
    class       TEXT NOT NULL,
    valid_until DATE NOT NULL,
    active      BOOLEAN NOT NULL,
    simulated   BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (site_code, card_uid)
);

CREATE FUNCTION members_to_site_members() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO site_members (site_code, card_uid, name, plate, class, valid_until, active, simulated)
    SELECT i.site_code, NEW.card_uid, NEW.name, NEW.plate, NEW.class, NEW.valid_until, NEW.active,
           NEW.simulated
    FROM replication_identity i
    ON CONFLICT (site_code, card_uid) DO UPDATE
        SET name = EXCLUDED.name, plate = EXCLUDED.plate, class = EXCLUDED.class,
            valid_until = EXCLUDED.valid_until, active = EXCLUDED.active,
            simulated = EXCLUDED.simulated;
    RETURN NULL;
END
$$;

CREATE TRIGGER members_to_site_members AFTER INSERT OR UPDATE ON members
    FOR EACH ROW EXECUTE FUNCTION members_to_site_members();

-- Master data defined at HQ. A site receives these rows through its subscription and never
-- writes them; `all_sites` or the listed `sites` say where a row applies.
CREATE TABLE hq_members (
    card_uid    TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    plate       TEXT,
    plate_key   TEXT,
    class       TEXT NOT NULL,
    valid_until DATE NOT NULL, -- the last valid local day
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    all_sites   BOOLEAN NOT NULL,
    sites       TEXT[] NOT NULL DEFAULT '{}',
    updated_at  TIMESTAMPTZ NOT NULL,
    updated_by  TEXT NOT NULL,
    CHECK (all_sites OR cardinality(sites) > 0)
);

CREATE TABLE hq_tariffs (
    id               UUID PRIMARY KEY,
    class            TEXT NOT NULL,
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
    all_sites        BOOLEAN NOT NULL,
    sites            TEXT[] NOT NULL DEFAULT '{}',
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    CHECK (all_sites OR cardinality(sites) > 0)
);

CREATE INDEX hq_tariffs_class_from ON hq_tariffs (class, effective_from);

-- At HQ: the sites it subscribes to (the connection string lives in pg_subscription only).
CREATE TABLE hq_sites (
    site_code    TEXT PRIMARY KEY,
    subscription TEXT NOT NULL UNIQUE,
    added_at     TIMESTAMPTZ NOT NULL,
    added_by     TEXT NOT NULL
);

-- HQ keeps the photos' metadata only (the JPEG stays at the site): the publication's column
-- list leaves the bytes out, so HQ's copy has none.
ALTER TABLE photos ALTER COLUMN jpeg DROP NOT NULL;

-- HQ's transaction list across sites, newest first: the per-site index cannot order it.
CREATE INDEX visit_links_time ON visit_links (entry_time DESC, entry_id DESC) INCLUDE (simulated)
    WHERE has_entry;
