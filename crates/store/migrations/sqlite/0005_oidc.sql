-- podpis schema, version 5 (SQLite dialect): the OpenID Connect provider
-- (crates/idp, idp::oidc; docs/oidc.md). References accounts(id) and
-- sessions(id) of migration 3 only.

-- Relying parties, registered by an administrator (`podpis idp client
-- add`). client_type: confidential (authenticates at the token endpoint)
-- or public (PKCE only). auth_method: client_secret_basic (secret_hash is
-- the SHA-256 of the 32-byte random secret, hex), private_key_jwt (jwks is
-- the client's public JWK Set, JSON) or none (public clients).
-- redirect_uris / post_logout_redirect_uris: JSON arrays, matched exactly.
-- scopes: the scopes the client may ask for, space-separated. token_alg:
-- how its ID and access tokens are signed. A removed client keeps its row
-- (removed_at) so its grants stay explainable.
CREATE TABLE oidc_clients (
    client_id                 TEXT    PRIMARY KEY,
    name                      TEXT    NOT NULL,
    client_type               TEXT    NOT NULL CHECK (client_type IN ('confidential', 'public')),
    auth_method               TEXT    NOT NULL CHECK (auth_method IN ('client_secret_basic', 'private_key_jwt', 'none')),
    secret_hash               TEXT,
    jwks                      TEXT,
    redirect_uris             TEXT    NOT NULL,
    post_logout_redirect_uris TEXT    NOT NULL,
    scopes                    TEXT    NOT NULL,
    token_alg                 TEXT    NOT NULL CHECK (token_alg IN ('ES256', 'GOST3410_2012_256')),
    created_at                INTEGER NOT NULL,
    removed_at                INTEGER
);

-- Consent remembered per account and client: the scopes granted (space-
-- separated). A later request for a subset skips the consent page; the
-- user revokes by deleting the row (which also revokes the grants).
CREATE TABLE oidc_consents (
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    client_id   TEXT    NOT NULL REFERENCES oidc_clients (client_id),
    scope       TEXT    NOT NULL,
    granted_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, client_id)
);

-- Authorization requests waiting on the consent page. handle_hash: SHA-256
-- (hex) of the random handle the consent form carries (the form's CSRF
-- token: bound to the session, single use, short-lived). params: the
-- validated request, JSON.
CREATE TABLE oidc_auth_requests (
    handle_hash TEXT    PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions (id),
    client_id   TEXT    NOT NULL REFERENCES oidc_clients (client_id),
    params      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);

-- One grant per authorization code; the tokens issued from the code (and
-- their refreshes) form its family and die with it (revoked_at).
-- code_hash: SHA-256 of the code, hex. code_challenge: PKCE S256, base64url.
-- amr: space-separated, as in sessions.
CREATE TABLE oidc_grants (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash        TEXT    NOT NULL UNIQUE,
    client_id        TEXT    NOT NULL REFERENCES oidc_clients (client_id),
    account_id       INTEGER NOT NULL REFERENCES accounts (id),
    session_id       INTEGER REFERENCES sessions (id),
    redirect_uri     TEXT    NOT NULL,
    scope            TEXT    NOT NULL,
    nonce            TEXT,
    code_challenge   TEXT,
    amr              TEXT    NOT NULL,
    acr              TEXT,
    auth_time        INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    code_expires_at  INTEGER NOT NULL,
    code_used_at     INTEGER,
    revoked_at       INTEGER,
    revoke_reason    TEXT
);
CREATE INDEX oidc_grants_session ON oidc_grants (session_id);
CREATE INDEX oidc_grants_account_client ON oidc_grants (account_id, client_id);

-- Refresh tokens (SHA-256 hex of the token). Each use rotates: used_at is
-- set and a new token is issued; presenting a used one revokes the grant.
CREATE TABLE oidc_refresh_tokens (
    token_hash  TEXT    PRIMARY KEY,
    grant_id    INTEGER NOT NULL REFERENCES oidc_grants (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX oidc_refresh_tokens_grant ON oidc_refresh_tokens (grant_id);

-- Access tokens are signed JWTs; their jti is kept so that revoking a
-- grant stops them at the userinfo endpoint before they expire.
CREATE TABLE oidc_access_tokens (
    jti         TEXT    PRIMARY KEY,
    grant_id    INTEGER NOT NULL REFERENCES oidc_grants (id),
    expires_at  INTEGER NOT NULL
);
CREATE INDEX oidc_access_tokens_grant ON oidc_access_tokens (grant_id);

-- The jti of every private_key_jwt client assertion until it expires:
-- each assertion is accepted once (RFC 7523 §3 item 7).
CREATE TABLE oidc_assertion_jtis (
    client_id   TEXT    NOT NULL,
    jti         TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
);
