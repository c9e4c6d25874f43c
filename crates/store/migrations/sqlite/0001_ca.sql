-- podpis schema, version 1 (SQLite dialect). The PostgreSQL dialect in
-- ../postgres/0001_ca.sql is the same schema: same tables, columns,
-- constraints and behaviour; only the spelling of types, identity columns
-- and triggers differs. Times are Unix seconds (UTC).

-- The certification authority's own certificates: a root and the issuing
-- CA it signed. key_ref says where the private key lives (a file container
-- in the data directory, later a PKCS#11 URI); the key itself never does.
CREATE TABLE ca (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    role        TEXT    NOT NULL CHECK (role IN ('root', 'issuing')),
    parent_id   INTEGER REFERENCES ca (id),
    subject     TEXT    NOT NULL,
    cert_der    BLOB    NOT NULL,
    key_ref     TEXT    NOT NULL,
    settings    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX ca_one_per_role ON ca (role);

-- Certificate requests: what the applicant submitted and where it is in
-- the workflow. A submission refused at the door is kept too, with state
-- 'rejected' and the error code. spki_hash is the duplicate-detection key:
-- a public key may be in at most one live (not rejected) request.
CREATE TABLE requests (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT    NOT NULL,
    state            TEXT    NOT NULL
        CHECK (state IN ('submitted', 'identified', 'approved', 'rejected', 'issued')),
    applicant        TEXT    NOT NULL,
    identity_key     TEXT,
    csr_der          BLOB,
    spki_hash        TEXT,
    error_code       TEXT,
    rejection_reason TEXT,
    renewal_of       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    CHECK (state <> 'rejected' OR rejection_reason IS NOT NULL OR error_code IS NOT NULL),
    CHECK (state = 'rejected' OR spki_hash IS NOT NULL)
);
CREATE UNIQUE INDEX requests_live_key ON requests (spki_hash) WHERE state <> 'rejected';
CREATE INDEX requests_state ON requests (state, id);

-- How an operator identified the applicant (IdentificationKind 0..3).
CREATE TABLE identifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id      INTEGER NOT NULL REFERENCES requests (id),
    method          INTEGER NOT NULL CHECK (method BETWEEN 0 AND 3),
    document_type   TEXT    NOT NULL,
    document_number TEXT    NOT NULL,
    operator        TEXT    NOT NULL,
    identified_at   INTEGER NOT NULL
);
CREATE INDEX identifications_request ON identifications (request_id);

-- Every certificate the CA issued. The serial (lower-case hex of the DER
-- INTEGER's contents) is the primary key: the database, not the code,
-- guarantees that no serial is issued twice. A request yields at most
-- one certificate.
CREATE TABLE certificates (
    serial          TEXT    PRIMARY KEY,
    ca_id           INTEGER NOT NULL REFERENCES ca (id),
    request_id      INTEGER REFERENCES requests (id),
    subject         TEXT    NOT NULL,
    not_before      INTEGER NOT NULL,
    not_after       INTEGER NOT NULL,
    key_usage_end   INTEGER,
    spki_hash       TEXT    NOT NULL,
    der             BLOB    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('good', 'revoked', 'hold')),
    revoked_at      INTEGER,
    reason          INTEGER CHECK (reason BETWEEN 0 AND 10 AND reason <> 7),
    issued_at       INTEGER NOT NULL,
    CHECK ((status = 'good') = (revoked_at IS NULL)),
    CHECK ((status = 'good') = (reason IS NULL))
);
CREATE UNIQUE INDEX certificates_request ON certificates (request_id);
CREATE INDEX certificates_status ON certificates (ca_id, status);

-- The append-only journal: who did what, when, to which object. No code
-- path updates or deletes a row, and the triggers refuse it.
CREATE TABLE journal (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    object_type TEXT    NOT NULL,
    object_id   TEXT    NOT NULL,
    details     TEXT    NOT NULL
);
CREATE INDEX journal_object ON journal (object_type, object_id, id);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only');
END;

-- Monotonic counters (CRL numbers, time-stamp serials), advanced in a
-- transaction by Store::next_value.
CREATE TABLE counters (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
);
