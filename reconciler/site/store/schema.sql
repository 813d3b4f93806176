-- The reference booking site's store (SQLite). Times are the clinic's local time as ISO text
-- (sorts in time order); certificate dates are UTC. Secrets are kept only as hashes.

CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS accounts (
    id               TEXT PRIMARY KEY,          -- the vendor's AccountId (uuid)
    key_hash         TEXT NOT NULL UNIQUE,      -- scrypt of the account key with the store's salt
    subdomain        TEXT NOT NULL UNIQUE,
    culture          TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    settings         TEXT NOT NULL,             -- JSON: the Subdomain document's settings
    settings_version INTEGER NOT NULL DEFAULT 1,
    events_acked     INTEGER NOT NULL DEFAULT 0 -- the booking feed's acknowledged cursor
);

CREATE TABLE IF NOT EXISTS certificates (       -- the activated client certificate, one per account
    account_id      TEXT PRIMARY KEY REFERENCES accounts (id),
    thumbprint      TEXT NOT NULL,              -- SHA-1 of the DER, upper-case hex (vendor style)
    sha256          TEXT NOT NULL,
    serial_number   TEXT NOT NULL,
    subject         TEXT NOT NULL,
    effective_date  TEXT NOT NULL,
    expiration_date TEXT NOT NULL,
    raw_data        BLOB NOT NULL,
    activated_at    TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS tokens (             -- backend API tokens, bound to a certificate
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    thumbprint TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS databases (
    account_id         TEXT NOT NULL REFERENCES accounts (id),
    id                 TEXT NOT NULL,           -- OpusDatabaseID (uuid)
    name               TEXT NOT NULL,
    active             INTEGER NOT NULL,
    culture            TEXT,
    version            TEXT,
    client_version     TEXT,
    target_state       INTEGER NOT NULL DEFAULT 0,
    heartbeat_time     TEXT,
    service_id         TEXT,
    machine_name       TEXT,
    masterdata_version INTEGER NOT NULL DEFAULT 0,
    timeslot_version   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE IF NOT EXISTS entities (           -- clinics, clinicians and treatments per database
    account_id  TEXT NOT NULL,
    database_id TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('clinic', 'clinician', 'treatment')),
    id          INTEGER NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (account_id, database_id, kind, id),
    FOREIGN KEY (account_id, database_id) REFERENCES databases (account_id, id)
);

CREATE TABLE IF NOT EXISTS batches (            -- free time: AvailableTimeslotBatch
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   TEXT NOT NULL,
    database_id  TEXT NOT NULL,
    clinic_id    INTEGER NOT NULL,
    clinician_id INTEGER NOT NULL,
    start_at     TEXT NOT NULL,
    end_at       TEXT NOT NULL,
    row_version  INTEGER NOT NULL,
    data         TEXT NOT NULL,                 -- JSON: AvailableTimes and Treatments
    FOREIGN KEY (account_id, database_id) REFERENCES databases (account_id, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS batches_by_key
    ON batches (account_id, database_id, clinic_id, clinician_id, start_at, end_at);

CREATE TABLE IF NOT EXISTS holds (              -- every claim on a provider's time
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   TEXT NOT NULL,
    database_id  TEXT NOT NULL,
    clinic_id    INTEGER NOT NULL,
    clinician_id INTEGER NOT NULL,
    treatment_id INTEGER NOT NULL,
    start_at     TEXT NOT NULL,
    end_at       TEXT NOT NULL,
    status       TEXT NOT NULL
        CHECK (status IN ('reserved', 'pending', 'confirmed', 'cancelled', 'moved', 'released')),
    expires_at   TEXT,                          -- reserved and pending holds lapse then
    replaces_id  INTEGER,                       -- a move: the booking this one replaces
    patient_key  TEXT,                          -- keyed hash of the national id
    patient      TEXT,                          -- JSON PatientDTO, for the clinic's feed only
    details      TEXT,                          -- JSON: campaign code, message, category
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    opus_id      INTEGER                        -- an appointment the clinic booked in the book
);
CREATE INDEX IF NOT EXISTS holds_by_clinician
    ON holds (account_id, database_id, clinician_id, start_at);
CREATE INDEX IF NOT EXISTS holds_by_patient ON holds (account_id, patient_key);
CREATE UNIQUE INDEX IF NOT EXISTS holds_by_opus_id
    ON holds (account_id, database_id, opus_id) WHERE opus_id IS NOT NULL;

-- The last line of defence against double booking: no active hold may overlap another on the
-- same provider's book, whatever the application does. "Active" is judged at the writer's time.
-- An appointment the clinic booked (opus_id) is the book's word and is kept as it is.
DROP TRIGGER IF EXISTS holds_no_overlap_insert;
CREATE TRIGGER holds_no_overlap_insert BEFORE INSERT ON holds
WHEN NEW.status IN ('reserved', 'pending', 'confirmed') AND NEW.opus_id IS NULL
BEGIN
    SELECT RAISE(ABORT, 'overlapping hold')
    WHERE EXISTS (
        SELECT 1 FROM holds h
        WHERE h.account_id = NEW.account_id AND h.database_id = NEW.database_id
          AND h.clinician_id = NEW.clinician_id
          AND h.start_at < NEW.end_at AND h.end_at > NEW.start_at
          AND h.id IS NOT coalesce(NEW.replaces_id, -1)
          AND (h.status = 'confirmed'
               OR (h.status IN ('reserved', 'pending') AND h.expires_at > NEW.updated_at))
    );
END;

DROP TRIGGER IF EXISTS holds_no_overlap_update;
CREATE TRIGGER holds_no_overlap_update BEFORE UPDATE OF status ON holds
WHEN NEW.status IN ('reserved', 'pending', 'confirmed') AND NEW.status IS NOT OLD.status
    AND NEW.opus_id IS NULL
BEGIN
    SELECT RAISE(ABORT, 'overlapping hold')
    WHERE EXISTS (
        SELECT 1 FROM holds h
        WHERE h.account_id = NEW.account_id AND h.database_id = NEW.database_id
          AND h.clinician_id = NEW.clinician_id AND h.id != NEW.id
          AND h.start_at < NEW.end_at AND h.end_at > NEW.start_at
          AND h.id IS NOT coalesce(NEW.replaces_id, -1)
          AND h.replaces_id IS NOT NEW.id
          AND (h.status = 'confirmed'
               OR (h.status IN ('reserved', 'pending') AND h.expires_at > NEW.updated_at))
    );
END;

CREATE TABLE IF NOT EXISTS hold_tokens (       -- who holds a reservation: its token, as a hash
    hold_id    INTEGER PRIMARY KEY REFERENCES holds (id),
    token_hash TEXT NOT NULL                   -- SHA-256 of the token handed to the holder
);

CREATE TABLE IF NOT EXISTS patients (           -- patients who booked here: SMS login targets
    account_id  TEXT NOT NULL,
    patient_key TEXT NOT NULL,
    mobile      TEXT,
    email       TEXT,
    PRIMARY KEY (account_id, patient_key)
);

CREATE TABLE IF NOT EXISTS challenges (         -- one-time codes
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('book', 'move', 'cancel', 'login')),
    hold_id     INTEGER,
    patient_key TEXT,
    code_hash   TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    state       TEXT NOT NULL CHECK (state IN ('open', 'done', 'failed')),
    created_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS sessions (           -- patients logged in by SMS code
    token_hash  TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    patient_key TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS events (             -- the booking feed the sync service polls
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id          TEXT NOT NULL,
    database_id         TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('new', 'moved', 'cancelled')),
    booking_id          INTEGER NOT NULL,
    previous_booking_id INTEGER,
    occurred_at         TEXT NOT NULL,
    payload             TEXT NOT NULL           -- JSON: the booking as it was then
);
CREATE INDEX IF NOT EXISTS events_by_account ON events (account_id, seq);

CREATE TABLE IF NOT EXISTS outbox (             -- SMS and e-mail the site sent
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    channel    TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient  TEXT NOT NULL,
    subject    TEXT,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS rate_events (        -- what the rate limits count (limits.py)
    kind    TEXT NOT NULL,
    subject TEXT NOT NULL,                      -- keyed hash of the site and whom it counts
    at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_events_by_subject ON rate_events (kind, subject, at);
CREATE INDEX IF NOT EXISTS rate_events_by_time ON rate_events (at);

CREATE TABLE IF NOT EXISTS idempotency (        -- responses to writes, replayed on a retry
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,                 -- SHA-256 of the Idempotency-Key
    request_hash TEXT NOT NULL,                 -- HMAC of the request, keyed by the key
    status       INTEGER,                       -- NULL while the first request runs
    body         BLOB,                          -- the answer, sealed with the key (AES-GCM)
    created_at   TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);

-- The account's state version: one number that grows with every write to what a plan reads of
-- the account through the backend API — the Subdomain document (accounts: subdomain, culture,
-- settings, settings_version), the activated certificate, the registered databases and the
-- master data (entities) — and with nothing else: not the booking feed's cursor
-- (events_acked), the service state and free-time version of a database, free time, holds,
-- bookings, events or tokens. GET /account answers with it, so that a planner that recorded it
-- with its last full read may skip reading again while it is unchanged.
-- Triggers keep it, so that no writer — the API, the page, a script or the sqlite3 shell — can
-- forget it; it changes in the same transaction as the write. It starts not at 1 but at the
-- time the account was made, in microseconds since 1970: a store made anew for the same
-- account id (the demo's is seeded) cannot repeat a version an earlier store gave out.
-- An account without a row answers without a version ("unknown": read in full).
CREATE TABLE IF NOT EXISTS state_versions (
    account_id TEXT PRIMARY KEY,
    version    INTEGER NOT NULL
);

-- A store made before state versions: its accounts get one when it is opened.
INSERT OR IGNORE INTO state_versions (account_id, version)
    SELECT id, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) FROM accounts;

-- Dropped and made again on every opening, so that an older store gets them as they are now.
DROP TRIGGER IF EXISTS state_version_account_insert;
CREATE TRIGGER state_version_account_insert AFTER INSERT ON accounts
BEGIN
    INSERT INTO state_versions (account_id, version)
        VALUES (NEW.id, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER))
        ON CONFLICT (account_id) DO UPDATE SET version = version + 1;
END;

DROP TRIGGER IF EXISTS state_version_account_update;
CREATE TRIGGER state_version_account_update AFTER UPDATE ON accounts
WHEN OLD.id IS NOT NEW.id OR OLD.subdomain IS NOT NEW.subdomain
    OR OLD.culture IS NOT NEW.culture OR OLD.settings IS NOT NEW.settings
    OR OLD.settings_version IS NOT NEW.settings_version
BEGIN
    UPDATE state_versions SET version = version + 1 WHERE account_id IN (OLD.id, NEW.id);
END;

DROP TRIGGER IF EXISTS state_version_account_delete;
CREATE TRIGGER state_version_account_delete AFTER DELETE ON accounts
BEGIN
    UPDATE state_versions SET version = version + 1 WHERE account_id = OLD.id;
END;

DROP TRIGGER IF EXISTS state_version_certificate_insert;
CREATE TRIGGER state_version_certificate_insert AFTER INSERT ON certificates
BEGIN
    UPDATE state_versions SET version = version + 1 WHERE account_id = NEW.account_id;
END;

DROP TRIGGER IF EXISTS state_version_certificate_update;
CREATE TRIGGER state_version_certificate_update AFTER UPDATE ON certificates
BEGIN
    UPDATE state_versions SET version = version + 1
    WHERE account_id IN (OLD.account_id, NEW.account_id);
END;

DROP TRIGGER IF EXISTS state_version_certificate_delete;
CREATE TRIGGER state_version_certificate_delete AFTER DELETE ON certificates
BEGIN
    UPDATE state_versions SET version = version + 1 WHERE account_id = OLD.account_id;
END;

DROP TRIGGER IF EXISTS state_version_database_insert;
CREATE TRIGGER state_version_database_insert AFTER INSERT ON databases
BEGIN
    UPDATE state_versions SET version = version + 1 WHERE account_id = NEW.account_id;
END;

-- Not target_state, heartbeat_time, service_id, machine_name (the sync service's heartbeat)
-- nor timeslot_version (free time).
DROP TRIGGER IF EXISTS state_version_database_update;
CREATE TRIGGER state_version_database_update AFTER UPDATE ON databases
WHEN OLD.account_id IS NOT NEW.account_id OR OLD.id IS NOT NEW.id
    OR OLD.name IS NOT NEW.name OR OLD.active IS NOT NEW.active
    OR OLD.culture IS NOT NEW.culture OR OLD.version IS NOT NEW.version
    OR OLD.client_version IS NOT NEW.client_version
    OR OLD.masterdata_version IS NOT NEW.masterdata_version
BEGIN
    UPDATE state_versions SET version = version + 1
    WHERE account_id IN (OLD.account_id, NEW.account_id);
END;

DROP TRIGGER IF EXISTS state_version_database_delete;
CREATE TRIGGER state_version_database_delete AFTER DELETE ON databases
BEGIN
    UPDATE state_versions SET version = version + 1 WHERE account_id = OLD.account_id;
END;

DROP TRIGGER IF EXISTS state_version_entity_insert;
CREATE TRIGGER state_version_entity_insert AFTER INSERT ON entities
BEGIN
    UPDATE state_versions SET version = version + 1 WHERE account_id = NEW.account_id;
END;

DROP TRIGGER IF EXISTS state_version_entity_update;
CREATE TRIGGER state_version_entity_update AFTER UPDATE ON entities
BEGIN
    UPDATE state_versions SET version = version + 1
    WHERE account_id IN (OLD.account_id, NEW.account_id);
END;

DROP TRIGGER IF EXISTS state_version_entity_delete;
CREATE TRIGGER state_version_entity_delete AFTER DELETE ON entities
BEGIN
    UPDATE state_versions SET version = version + 1 WHERE account_id = OLD.account_id;
END;
