-- The books: simulated records kept apart, visits closed without an exit payment (forced
-- closes), second payments of one ticket at another booth (duplicate exits), and records
-- that reached a shift after it was closed (late records). Additive: nothing is rewritten.

-- Records made by simulated devices or simulated traffic; every figure leaves them out.
ALTER TABLE entries ADD COLUMN simulated BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE exits ADD COLUMN simulated BOOLEAN NOT NULL DEFAULT FALSE;
-- A shift opened at a simulated booth holds only simulated payments; a real shift leaves
-- out the simulated payments a booth switched to simulation made.
ALTER TABLE shifts ADD COLUMN simulated BOOLEAN NOT NULL DEFAULT FALSE;
-- Sample cards that only simulated readers may present.
ALTER TABLE members ADD COLUMN simulated BOOLEAN NOT NULL DEFAULT FALSE;

-- A visit closed by the admin (towed, left during a manual open, system error) is an exit row
-- with the reason here: it closes the visit like a paid exit, belongs to no shift, and the
-- books count it as a forced close, not as an exit.
ALTER TABLE exits ADD COLUMN forced_reason TEXT;

-- A ticket paid again at a second booth while both were cut off: the payment stays (its money
-- is in that cashier's drawer), listed for review, apart from the exit that closed the visit.
CREATE TABLE duplicate_exits (
    id            UUID PRIMARY KEY,
    entry_id      UUID NOT NULL,
    first_exit_id UUID NOT NULL,
    site_code     TEXT NOT NULL,
    booth         TEXT NOT NULL,
    exit_time     TIMESTAMPTZ NOT NULL,
    operator      TEXT,
    shift_id      UUID,
    fee           JSONB NOT NULL,
    total         BIGINT NOT NULL,
    method        TEXT NOT NULL CHECK (method IN ('cash', 'qris', 'card', 'emoney', 'free')),
    tendered      BIGINT,
    change        BIGINT,
    reference     TEXT,
    lost_ticket   BOOLEAN NOT NULL DEFAULT FALSE,
    photo_id      UUID,
    origin        TEXT NOT NULL CHECK (origin IN ('online', 'journal')),
    simulated     BOOLEAN NOT NULL DEFAULT FALSE,
    forced_reason TEXT,
    detected_at   TIMESTAMPTZ NOT NULL
);

CREATE INDEX duplicate_exits_site_time ON duplicate_exits (site_code, exit_time);
CREATE INDEX duplicate_exits_shift ON duplicate_exits (shift_id) WHERE shift_id IS NOT NULL;

-- An exit (or duplicate) that reached its shift after the shift was closed: the shift's
-- report is revised, and the original figures stay in `shifts` beside these.
CREATE TABLE shift_late_records (
    record_id       UUID PRIMARY KEY,
    shift_id        UUID NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('exit', 'duplicate')),
    arrived_at      TIMESTAMPTZ NOT NULL,
    method          TEXT NOT NULL,
    total           BIGINT NOT NULL,
    expected_before BIGINT NOT NULL,
    expected_after  BIGINT NOT NULL
);

CREATE INDEX shift_late_records_shift ON shift_late_records (shift_id, arrived_at);

-- One open shift per cashier is checked when a shift is opened at a booth; a shift opened
-- offline is replayed as it happened, never refused for an overlap the journal already holds.
DROP INDEX shifts_one_open;
CREATE INDEX shifts_open ON shifts (username) WHERE closed_at IS NULL;
