-- podpis schema, version 3 (SQLite dialect): the identity provider's
-- accounts, their bound certificates, sessions and the users' action
-- journal (hash-chained). Owned by crates/idp; later migrations add the
-- e-signature login challenges (4) and OpenID Connect (5).

-- Accounts («учётные записи»). level: simplified (phone or e-mail +
-- password), standard (SNILS and passport entered), confirmed (identity
-- proven by a qualified certificate or by an operator). Identifiers are
-- stored normalised (digits only for SNILS/INN, E.164 for phones, lower-case
-- e-mail). password_hash is an Argon2id PHC string. totp_secret is sealed
-- under the server's key, never in the clear; totp_pending is a secret
-- being enrolled (sealed too) until its first code is confirmed;
-- totp_last_step is the last TOTP time step accepted (a code is never
-- accepted twice). lock_count: how many times the account was locked since
-- its last good login (each lock lasts twice the one before).
CREATE TABLE accounts (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    level              TEXT    NOT NULL CHECK (level IN ('simplified', 'standard', 'confirmed')),
    email              TEXT    UNIQUE,
    email_verified     INTEGER NOT NULL DEFAULT 0,
    phone              TEXT    UNIQUE,
    phone_verified     INTEGER NOT NULL DEFAULT 0,
    password_hash      TEXT,
    surname            TEXT,
    given_name         TEXT,
    patronymic         TEXT,
    birthdate          TEXT,
    snils              TEXT    UNIQUE,
    inn                TEXT,
    passport_series    TEXT,
    passport_number    TEXT,
    passport_issued    TEXT,
    confirmed_by       TEXT,
    totp_secret        BLOB,
    totp_pending       BLOB,
    totp_last_step     INTEGER,
    blocked            INTEGER NOT NULL DEFAULT 0,
    failed_logins      INTEGER NOT NULL DEFAULT 0,
    lock_count         INTEGER NOT NULL DEFAULT 0,
    locked_until       INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

-- Certificates bound to an account (first e-signature login, or later).
-- fingerprint: SHA-256 of the DER, hex. Unbinding keeps the row.
CREATE TABLE account_certificates (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    fingerprint  TEXT    NOT NULL,
    der          BLOB    NOT NULL,
    subject      TEXT    NOT NULL,
    issuer       TEXT    NOT NULL,
    serial       TEXT    NOT NULL,
    not_before   INTEGER NOT NULL,
    not_after    INTEGER NOT NULL,
    bound_at     INTEGER NOT NULL,
    unbound_at   INTEGER
);
CREATE UNIQUE INDEX account_certificates_bound
    ON account_certificates (fingerprint) WHERE unbound_at IS NULL;
CREATE INDEX account_certificates_account ON account_certificates (account_id);

-- Sessions. Only the hash of the session token is kept (hex). amr: the
-- authentication methods, space-separated ("pwd otp" or "ds"). end_reason:
-- logout, ended (by the user from another session), all (every device),
-- idle, expired, password (password changed or recovered).
CREATE TABLE sessions (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash          TEXT    NOT NULL UNIQUE,
    account_id          INTEGER NOT NULL REFERENCES accounts (id),
    amr                 TEXT    NOT NULL,
    ip                  TEXT,
    user_agent          TEXT,
    created_at          INTEGER NOT NULL,
    last_seen_at        INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    ended_at            INTEGER,
    end_reason          TEXT
);
CREATE INDEX sessions_account ON sessions (account_id, ended_at);

-- The users' action journal («журнал действий»): append-only, and
-- hash-chained per chain (an account's own chain, or a shared chain for
-- attempts on no account). hash = HMAC(server journal key, prev_hash ‖
-- canonical entry); journal_heads holds each chain's last seq and hash, so
-- a deleted tail is detected too.
CREATE TABLE action_journal (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chain       TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    account_id  INTEGER,
    at          INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    result      TEXT    NOT NULL,
    ip          TEXT,
    user_agent  TEXT,
    details     TEXT    NOT NULL,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL,
    UNIQUE (chain, seq)
);
CREATE INDEX action_journal_account ON action_journal (account_id, id);
CREATE TRIGGER action_journal_no_update BEFORE UPDATE ON action_journal
BEGIN
    SELECT RAISE(ABORT, 'action journal is append-only');
END;
CREATE TRIGGER action_journal_no_delete BEFORE DELETE ON action_journal
BEGIN
    SELECT RAISE(ABORT, 'action journal is append-only');
END;
CREATE TABLE journal_heads (
    chain TEXT    PRIMARY KEY,
    seq   INTEGER NOT NULL,
    hash  TEXT    NOT NULL
);

-- One-time flows: a registration, a login waiting for its second factor, a
-- recovery. The client holds a random flow token (only its hash is kept);
-- a sent code is kept as a keyed hash. attempts counts wrong codes; a flow
-- is used once (used_at). payload: JSON the flow carries (the new
-- account's password hash for a registration); never a code.
CREATE TABLE one_time_flows (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose      TEXT    NOT NULL CHECK (purpose IN ('register', 'login', 'recover')),
    flow_hash    TEXT    NOT NULL UNIQUE,
    account_id   INTEGER REFERENCES accounts (id),
    channel      TEXT,
    address      TEXT,
    code_hash    TEXT,
    payload      TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    ip           TEXT,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
);
CREATE INDEX one_time_flows_expiry ON one_time_flows (expires_at);

-- Failed logins on login names that belong to no account, counted like an
-- account's, so that a lock never tells whether an account exists.
-- login_hash: Streebog-256 hex of the normalised login.
CREATE TABLE login_throttle (
    login_hash    TEXT    PRIMARY KEY,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    lock_count    INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER,
    updated_at    INTEGER NOT NULL
);

-- Failed logins per client address in a window (shared by every node).
CREATE TABLE ip_failures (
    ip            TEXT    PRIMARY KEY,
    window_start  INTEGER NOT NULL,
    failures      INTEGER NOT NULL
);
