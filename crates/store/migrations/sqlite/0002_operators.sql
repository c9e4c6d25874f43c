-- podpis schema, version 2 (SQLite dialect): operator accounts for the
-- registration API and web pages, and the applicants' request tokens.

-- Operator accounts. password_hash is an Argon2id PHC string (never the
-- password). failed_logins counts consecutive wrong passwords; at the
-- server's limit the account is locked until locked_until (Unix seconds).
CREATE TABLE operators (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    login         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('operator', 'admin')),
    disabled      INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER,
    created_at    INTEGER NOT NULL
);

-- The capability an applicant gets at submission to read their request's
-- state: only its hash (Streebog-256, hex) is kept.
CREATE TABLE request_tokens (
    token_hash TEXT    PRIMARY KEY,
    request_id INTEGER NOT NULL UNIQUE REFERENCES requests (id)
);
