-- The fingerprint of each site's ticket-signing key (never the key): a booth whose key differs,
-- or that has none, refuses to work instead of silently signing with a second key.
CREATE TABLE site_keys (
    site_code   TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL CHECK (length(fingerprint) = 64),
    recorded_at INTEGER NOT NULL
);
