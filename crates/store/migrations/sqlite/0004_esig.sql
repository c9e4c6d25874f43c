-- podpis schema, version 4 (SQLite dialect): login by e-signature. Owned by
-- crates/idp (idp::challenge, idp::esig); the rows live in the database so
-- that several nodes behind a load balancer share them (design.md §5).

-- One-time challenges («вызовы»): 32 random bytes (base64url, no padding)
-- the user signs. binding_hash: hex SHA-256 of the random value the
-- browser (or API client) that asked for the challenge holds in its
-- pre-login cookie; the answer must present it. Single use: used_at is
-- set, compare-and-set, by the one attempt that consumes it. Rows expire
-- after 5 minutes and are deleted an hour later.
CREATE TABLE esig_challenges (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    challenge     TEXT    NOT NULL UNIQUE,
    binding_hash  TEXT    NOT NULL,
    ip            TEXT,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
);
CREATE INDEX esig_challenges_expiry ON esig_challenges (expires_at);

-- Revocation status of certificates seen at login, shared by the nodes:
-- the result of an OCSP answer or a CRL, kept until its nextUpdate (or a
-- configured maximum when the evidence has none). cert_key: hex SHA-256
-- of the certificate's DER (its fingerprint; the issuer is the one its
-- validated path names). status: good or
-- revoked; revoked_at and reason (RFC 5280 CRLReason number) for revoked.
-- source: ocsp or crl, and the URL it came from.
CREATE TABLE revocation_cache (
    cert_key     TEXT    PRIMARY KEY,
    status       TEXT    NOT NULL CHECK (status IN ('good', 'revoked')),
    revoked_at   INTEGER,
    reason       INTEGER,
    source       TEXT    NOT NULL,
    checked_at   INTEGER NOT NULL,
    valid_until  INTEGER NOT NULL
);
