//! The OpenID Connect provider's state (schema version 5, crates/idp's
//! `idp::oidc`): registered clients, remembered consents, authorization
//! requests waiting on the consent page, grants (one per authorization
//! code) with their refresh and access tokens, and the single-use `jti`s of
//! client assertions.
//!
//! Secrets are never stored: codes, refresh tokens, consent handles and
//! client secrets are kept as hashes the caller computes (SHA-256, hex).
//! Single use is enforced here with compare-and-set updates
//! (`… WHERE used_at IS NULL`), so two nodes redeeming the same code or
//! refresh token at once cannot both succeed.
//!
//! What the user would want to know is journaled in the same transaction
//! as the change (the user's action journal, [`crate::action_journal`]):
//! a consent given, tokens issued to a client, a family revoked on a
//! reused code or refresh token. The account's claims and sessions are
//! read through [`crate::accounts`] and [`crate::sessions`].

use std::time::SystemTime;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::action_journal::{ActionEntry, append_in};
use crate::model::{from_unix, unix};
use crate::{Store, StoreError};

/// A relying party as registered by an administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcClient {
    /// The `client_id`.
    pub client_id: String,
    /// A display name (shown on the consent page).
    pub name: String,
    /// `confidential` or `public`.
    pub client_type: String,
    /// `client_secret_basic`, `private_key_jwt` or `none`.
    pub auth_method: String,
    /// SHA-256 of the client secret, hex (`client_secret_basic`).
    pub secret_hash: Option<String>,
    /// The client's public JWK Set, JSON text (`private_key_jwt`).
    pub jwks: Option<String>,
    /// Registered redirect URIs (exact match).
    pub redirect_uris: Vec<String>,
    /// Registered post-logout redirect URIs (exact match).
    pub post_logout_redirect_uris: Vec<String>,
    /// Scopes the client may ask for.
    pub scopes: Vec<String>,
    /// `ES256` or `GOST3410_2012_256`: how its tokens are signed.
    pub token_alg: String,
    /// When it was registered.
    pub created_at: SystemTime,
}

/// A consent remembered for an account and a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConsent {
    /// The client.
    pub client_id: String,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// When.
    pub granted_at: SystemTime,
}

/// A new grant: what an authorization code stands for.
#[derive(Debug, Clone)]
pub struct NewGrant<'a> {
    /// SHA-256 of the code, hex.
    pub code_hash: &'a str,
    /// The client it was issued to.
    pub client_id: &'a str,
    /// The user.
    pub account_id: i64,
    /// The user's session at the provider.
    pub session_id: Option<i64>,
    /// The redirect URI of the authorization request.
    pub redirect_uri: &'a str,
    /// The granted scopes, space-separated.
    pub scope: &'a str,
    /// The request's nonce.
    pub nonce: Option<&'a str>,
    /// The PKCE S256 challenge.
    pub code_challenge: Option<&'a str>,
    /// Authentication methods, space-separated (`pwd otp`, `ds`).
    pub amr: &'a str,
    /// Authentication context class, if any.
    pub acr: Option<&'a str>,
    /// When the user authenticated.
    pub auth_time: SystemTime,
    /// Now.
    pub at: SystemTime,
    /// The code's expiry.
    pub code_expires_at: SystemTime,
}

/// A grant as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    /// Row id (the token family).
    pub id: i64,
    /// The client.
    pub client_id: String,
    /// The user.
    pub account_id: i64,
    /// The user's session at the provider.
    pub session_id: Option<i64>,
    /// The redirect URI the code was issued for.
    pub redirect_uri: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// The nonce of the authorization request.
    pub nonce: Option<String>,
    /// The PKCE challenge (S256).
    pub code_challenge: Option<String>,
    /// Authentication methods, space-separated.
    pub amr: String,
    /// Authentication context class.
    pub acr: Option<String>,
    /// When the user authenticated.
    pub auth_time: SystemTime,
    /// When the code expires.
    pub code_expires_at: SystemTime,
    /// When the code was redeemed.
    pub code_used_at: Option<SystemTime>,
    /// When the family was revoked.
    pub revoked_at: Option<SystemTime>,
}

/// Tokens issued together (by a code or a refresh): their identifiers.
#[derive(Debug, Clone)]
pub struct IssuedTokens<'a> {
    /// The access token's `jti`.
    pub access_jti: &'a str,
    /// The access token's expiry.
    pub access_expires_at: SystemTime,
    /// SHA-256 of the new refresh token, hex.
    pub refresh_hash: &'a str,
    /// The refresh token's expiry.
    pub refresh_expires_at: SystemTime,
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshLookup {
    /// No such token.
    Unknown,
    /// Live: it may be rotated.
    Live(GrantRecord),
    /// Already used (rotated) before: a replay. The caller revokes the
    /// family.
    Used(GrantRecord),
    /// Expired, or its family is revoked.
    Dead(GrantRecord),
}

const CLIENT_COLUMNS: &str = "client_id, name, client_type, auth_method, secret_hash, jwks, \
     redirect_uris, post_logout_redirect_uris, scopes, token_alg, created_at";

const GRANT_COLUMNS: &str = "g.id, g.client_id, g.account_id, g.session_id, g.redirect_uri, \
     g.scope, g.nonce, g.code_challenge, g.amr, g.acr, g.auth_time, g.code_expires_at, \
     g.code_used_at, g.revoked_at";

fn json_list(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("oidc client list: {e}")))
}

fn client(row: &AnyRow) -> Result<OidcClient, StoreError> {
    let redirect: String = row.try_get("redirect_uris")?;
    let logout: String = row.try_get("post_logout_redirect_uris")?;
    let scopes: String = row.try_get("scopes")?;
    Ok(OidcClient {
        client_id: row.try_get("client_id")?,
        name: row.try_get("name")?,
        client_type: row.try_get("client_type")?,
        auth_method: row.try_get("auth_method")?,
        secret_hash: row.try_get("secret_hash")?,
        jwks: row.try_get("jwks")?,
        redirect_uris: json_list(&redirect)?,
        post_logout_redirect_uris: json_list(&logout)?,
        scopes: scopes.split_whitespace().map(str::to_owned).collect(),
        token_alg: row.try_get("token_alg")?,
        created_at: from_unix(row.try_get("created_at")?),
    })
}

fn grant(row: &AnyRow) -> Result<GrantRecord, StoreError> {
    let used: Option<i64> = row.try_get("code_used_at")?;
    let revoked: Option<i64> = row.try_get("revoked_at")?;
    Ok(GrantRecord {
        id: row.try_get("id")?,
        client_id: row.try_get("client_id")?,
        account_id: row.try_get("account_id")?,
        session_id: row.try_get("session_id")?,
        redirect_uri: row.try_get("redirect_uri")?,
        scope: row.try_get("scope")?,
        nonce: row.try_get("nonce")?,
        code_challenge: row.try_get("code_challenge")?,
        amr: row.try_get("amr")?,
        acr: row.try_get("acr")?,
        auth_time: from_unix(row.try_get("auth_time")?),
        code_expires_at: from_unix(row.try_get("code_expires_at")?),
        code_used_at: used.map(from_unix),
        revoked_at: revoked.map(from_unix),
    })
}

fn list_json(list: &[String]) -> String {
    serde_json::Value::from(list.to_vec()).to_string()
}

impl Store {
    /// Registers a client. `false` when the `client_id` is taken (also by
    /// a removed client: identifiers are never reused).
    pub async fn insert_oidc_client(&self, c: &OidcClient) -> Result<bool, StoreError> {
        let result = sqlx::query(&format!(
            "INSERT INTO oidc_clients ({CLIENT_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(&c.client_id)
        .bind(&c.name)
        .bind(&c.client_type)
        .bind(&c.auth_method)
        .bind(c.secret_hash.as_deref())
        .bind(c.jwks.as_deref())
        .bind(list_json(&c.redirect_uris))
        .bind(list_json(&c.post_logout_redirect_uris))
        .bind(c.scopes.join(" "))
        .bind(&c.token_alg)
        .bind(unix(c.created_at))
        .execute(self.pool())
        .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if StoreError::is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The registered (not removed) client `client_id`.
    pub async fn oidc_client(&self, client_id: &str) -> Result<Option<OidcClient>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {CLIENT_COLUMNS} FROM oidc_clients
             WHERE client_id = $1 AND removed_at IS NULL"
        ))
        .bind(client_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(client).transpose()
    }

    /// Every registered (not removed) client, by id.
    pub async fn oidc_clients(&self) -> Result<Vec<OidcClient>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CLIENT_COLUMNS} FROM oidc_clients
             WHERE removed_at IS NULL ORDER BY client_id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(client).collect()
    }

    /// Removes a client and revokes every grant issued to it, in one
    /// transaction. `false` when there was no such client.
    pub async fn remove_oidc_client(
        &self,
        client_id: &str,
        at: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let removed = sqlx::query(
            "UPDATE oidc_clients SET removed_at = $2 WHERE client_id = $1 AND removed_at IS NULL",
        )
        .bind(client_id)
        .bind(unix(at))
        .execute(&mut *tx)
        .await?;
        if removed.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE oidc_grants SET revoked_at = $2, revoke_reason = 'client_removed'
             WHERE client_id = $1 AND revoked_at IS NULL",
        )
        .bind(client_id)
        .bind(unix(at))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM oidc_consents WHERE client_id = $1")
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        self.failpoint(crate::FailPoint::BeforeCommit)?;
        tx.commit().await?;
        Ok(true)
    }

    /// The consent `account_id` gave `client_id`, if any.
    pub async fn oidc_consent(
        &self,
        account_id: i64,
        client_id: &str,
    ) -> Result<Option<OidcConsent>, StoreError> {
        let row = sqlx::query(
            "SELECT client_id, scope, granted_at FROM oidc_consents
             WHERE account_id = $1 AND client_id = $2",
        )
        .bind(account_id)
        .bind(client_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(consent).transpose()
    }

    /// Every consent of an account, by client.
    pub async fn oidc_consents(&self, account_id: i64) -> Result<Vec<OidcConsent>, StoreError> {
        let rows = sqlx::query(
            "SELECT client_id, scope, granted_at FROM oidc_consents
             WHERE account_id = $1 ORDER BY client_id",
        )
        .bind(account_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(consent).collect()
    }

    /// Revokes the consent of an account to a client and every grant the
    /// client holds for the account. `false` when there was none.
    pub async fn revoke_oidc_consent(
        &self,
        account_id: i64,
        client_id: &str,
        at: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let deleted =
            sqlx::query("DELETE FROM oidc_consents WHERE account_id = $1 AND client_id = $2")
                .bind(account_id)
                .bind(client_id)
                .execute(&mut *tx)
                .await?;
        sqlx::query(
            "UPDATE oidc_grants SET revoked_at = $3, revoke_reason = 'consent_revoked'
             WHERE account_id = $1 AND client_id = $2 AND revoked_at IS NULL",
        )
        .bind(account_id)
        .bind(client_id)
        .bind(unix(at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(deleted.rows_affected() > 0)
    }

    /// Keeps a pending authorization request behind a consent form whose
    /// handle hashes to `handle_hash`.
    pub async fn put_oidc_auth_request(
        &self,
        handle_hash: &str,
        session_id: i64,
        client_id: &str,
        params: &serde_json::Value,
        at: SystemTime,
        expires_at: SystemTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        // Expired ones are of no use to anybody.
        sqlx::query("DELETE FROM oidc_auth_requests WHERE expires_at < $1")
            .bind(unix(at))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO oidc_auth_requests
                 (handle_hash, session_id, client_id, params, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(handle_hash)
        .bind(session_id)
        .bind(client_id)
        .bind(params.to_string())
        .bind(unix(at))
        .bind(unix(expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes (marks used) the pending request whose handle hashes to
    /// `handle_hash`, if it belongs to `session_id`, is unused and
    /// unexpired: its client and parameters. `None` otherwise.
    pub async fn take_oidc_auth_request(
        &self,
        handle_hash: &str,
        session_id: i64,
        at: SystemTime,
    ) -> Result<Option<(String, serde_json::Value)>, StoreError> {
        let mut tx = self.begin().await?;
        let taken = sqlx::query(
            "UPDATE oidc_auth_requests SET used_at = $3
             WHERE handle_hash = $1 AND session_id = $2 AND used_at IS NULL AND expires_at >= $3",
        )
        .bind(handle_hash)
        .bind(session_id)
        .bind(unix(at))
        .execute(&mut *tx)
        .await?;
        if taken.rows_affected() == 0 {
            return Ok(None);
        }
        let row =
            sqlx::query("SELECT client_id, params FROM oidc_auth_requests WHERE handle_hash = $1")
                .bind(handle_hash)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        let params: String = row.try_get("params")?;
        let params = serde_json::from_str(&params)
            .map_err(|e| StoreError::Corrupt(format!("oidc auth request: {e}")))?;
        Ok(Some((row.try_get("client_id")?, params)))
    }

    /// Records a grant (an authorization code was issued) and, when
    /// `consent` is given, remembers the scopes the user consented to and
    /// journals `consent`'s entry, in one transaction. Returns the grant
    /// id.
    pub async fn insert_oidc_grant(
        &self,
        g: &NewGrant<'_>,
        consent: Option<(&str, &ActionEntry)>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        if let Some((scope, entry)) = consent {
            append_in(self, &mut tx, g.at, entry).await?;
            let updated = sqlx::query(
                "UPDATE oidc_consents SET scope = $3, granted_at = $4
                 WHERE account_id = $1 AND client_id = $2",
            )
            .bind(g.account_id)
            .bind(g.client_id)
            .bind(scope)
            .bind(unix(g.at))
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                sqlx::query(
                    "INSERT INTO oidc_consents (account_id, client_id, scope, granted_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(g.account_id)
                .bind(g.client_id)
                .bind(scope)
                .bind(unix(g.at))
                .execute(&mut *tx)
                .await?;
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO oidc_grants (code_hash, client_id, account_id, session_id, redirect_uri,
                 scope, nonce, code_challenge, amr, acr, auth_time, created_at, code_expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             RETURNING id",
        )
        .bind(g.code_hash)
        .bind(g.client_id)
        .bind(g.account_id)
        .bind(g.session_id)
        .bind(g.redirect_uri)
        .bind(g.scope)
        .bind(g.nonce)
        .bind(g.code_challenge)
        .bind(g.amr)
        .bind(g.acr)
        .bind(unix(g.auth_time))
        .bind(unix(g.at))
        .bind(unix(g.code_expires_at))
        .fetch_one(&mut *tx)
        .await?;
        crate::journal::commit(self, tx).await?;
        Ok(id)
    }

    /// The grant of an authorization code (by the code's hash), whatever
    /// its state.
    pub async fn oidc_grant_by_code(
        &self,
        code_hash: &str,
    ) -> Result<Option<GrantRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM oidc_grants g WHERE g.code_hash = $1"
        ))
        .bind(code_hash)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(grant).transpose()
    }

    /// The grant `id`.
    pub async fn oidc_grant(&self, id: i64) -> Result<Option<GrantRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM oidc_grants g WHERE g.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(grant).transpose()
    }

    /// Redeems the code of grant `grant_id`, records the tokens issued for
    /// it and journals `entry` (the user logged in to the client), in one
    /// transaction. `false` (nothing written) when the code was redeemed
    /// meanwhile or the grant revoked: the caller treats that as a reuse.
    pub async fn redeem_oidc_code(
        &self,
        grant_id: i64,
        at: SystemTime,
        tokens: &IssuedTokens<'_>,
        entry: &ActionEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let redeemed = sqlx::query(
            "UPDATE oidc_grants SET code_used_at = $2
             WHERE id = $1 AND code_used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(grant_id)
        .bind(unix(at))
        .execute(&mut *tx)
        .await?;
        if redeemed.rows_affected() == 0 {
            return Ok(false);
        }
        insert_tokens(&mut tx, grant_id, at, tokens).await?;
        append_in(self, &mut tx, at, entry).await?;
        crate::journal::commit(self, tx).await?;
        Ok(true)
    }

    /// Revokes a grant (its code, refresh and access tokens) and journals
    /// `entry`, in one transaction. `false` (nothing journaled) when it was
    /// revoked already.
    pub async fn revoke_oidc_grant(
        &self,
        grant_id: i64,
        reason: &str,
        at: SystemTime,
        entry: &ActionEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE oidc_grants SET revoked_at = $2, revoke_reason = $3
             WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(grant_id)
        .bind(unix(at))
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        append_in(self, &mut tx, at, entry).await?;
        crate::journal::commit(self, tx).await?;
        Ok(true)
    }

    /// Ends live session `session_id` of `account_id` at a relying party's
    /// request (RP-initiated logout, reason `oidc_logout`), revokes the
    /// grants made in it and journals `entry`, in one transaction. `false`
    /// (nothing written) when there is no such live session.
    pub async fn end_oidc_session(
        &self,
        session_id: i64,
        account_id: i64,
        at: SystemTime,
        entry: &ActionEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let ended = sqlx::query(
            "UPDATE sessions SET ended_at = $3, end_reason = 'oidc_logout'
             WHERE id = $1 AND account_id = $2 AND ended_at IS NULL",
        )
        .bind(session_id)
        .bind(account_id)
        .bind(unix(at))
        .execute(&mut *tx)
        .await?;
        if ended.rows_affected() == 0 {
            return Ok(false);
        }
        let revoked = sqlx::query(
            "UPDATE oidc_grants SET revoked_at = $2, revoke_reason = 'logout'
             WHERE session_id = $1 AND revoked_at IS NULL",
        )
        .bind(session_id)
        .bind(unix(at))
        .execute(&mut *tx)
        .await?;
        let mut entry = entry.clone();
        if let serde_json::Value::Object(map) = &mut entry.details {
            map.insert("session".into(), session_id.into());
            map.insert("grants_revoked".into(), revoked.rows_affected().into());
        }
        append_in(self, &mut tx, at, &entry).await?;
        crate::journal::commit(self, tx).await?;
        Ok(true)
    }

    /// Why the refresh token hashing to `token_hash` can or cannot be used
    /// at `at`.
    pub async fn oidc_refresh_lookup(
        &self,
        token_hash: &str,
        at: SystemTime,
    ) -> Result<RefreshLookup, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS}, r.expires_at AS r_expires, r.used_at AS r_used
             FROM oidc_refresh_tokens r JOIN oidc_grants g ON g.id = r.grant_id
             WHERE r.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(RefreshLookup::Unknown);
        };
        let g = grant(&row)?;
        let used: Option<i64> = row.try_get("r_used")?;
        let expires: i64 = row.try_get("r_expires")?;
        Ok(if used.is_some() {
            RefreshLookup::Used(g)
        } else if g.revoked_at.is_some() || expires < unix(at) {
            RefreshLookup::Dead(g)
        } else {
            RefreshLookup::Live(g)
        })
    }

    /// Rotates a refresh token: marks the old one used and records the new
    /// tokens, in one transaction. `false` (nothing written) when the old
    /// one was used meanwhile or its grant revoked.
    pub async fn rotate_oidc_refresh(
        &self,
        old_hash: &str,
        grant_id: i64,
        at: SystemTime,
        tokens: &IssuedTokens<'_>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let rotated = sqlx::query(
            "UPDATE oidc_refresh_tokens SET used_at = $3
             WHERE token_hash = $1 AND grant_id = $2 AND used_at IS NULL
               AND EXISTS (SELECT 1 FROM oidc_grants g WHERE g.id = $2 AND g.revoked_at IS NULL)",
        )
        .bind(old_hash)
        .bind(grant_id)
        .bind(unix(at))
        .execute(&mut *tx)
        .await?;
        if rotated.rows_affected() == 0 {
            return Ok(false);
        }
        insert_tokens(&mut tx, grant_id, at, tokens).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The grant of a live access token (`jti` known, unexpired at `at`,
    /// family not revoked).
    pub async fn oidc_access_grant(
        &self,
        jti: &str,
        at: SystemTime,
    ) -> Result<Option<GrantRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM oidc_access_tokens a JOIN oidc_grants g ON g.id = a.grant_id
             WHERE a.jti = $1 AND a.expires_at >= $2 AND g.revoked_at IS NULL"
        ))
        .bind(jti)
        .bind(unix(at))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(grant).transpose()
    }

    /// Accepts a client assertion's `jti` once: `false` when the client
    /// used it before (a replay). Expired entries are dropped on the way.
    pub async fn use_oidc_assertion_jti(
        &self,
        client_id: &str,
        jti: &str,
        expires_at: SystemTime,
        at: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM oidc_assertion_jtis WHERE expires_at < $1")
            .bind(unix(at))
            .execute(&mut *tx)
            .await?;
        let seen: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM oidc_assertion_jtis WHERE client_id = $1 AND jti = $2",
        )
        .bind(client_id)
        .bind(jti)
        .fetch_optional(&mut *tx)
        .await?;
        if seen.is_some() {
            return Ok(false);
        }
        let inserted = sqlx::query(
            "INSERT INTO oidc_assertion_jtis (client_id, jti, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(client_id)
        .bind(jti)
        .bind(unix(expires_at))
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if StoreError::is_unique_violation(&e) => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        Ok(true)
    }
}

fn consent(row: &AnyRow) -> Result<OidcConsent, StoreError> {
    let scope: String = row.try_get("scope")?;
    Ok(OidcConsent {
        client_id: row.try_get("client_id")?,
        scopes: scope.split_whitespace().map(str::to_owned).collect(),
        granted_at: from_unix(row.try_get("granted_at")?),
    })
}

async fn insert_tokens(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    grant_id: i64,
    at: SystemTime,
    tokens: &IssuedTokens<'_>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO oidc_access_tokens (jti, grant_id, expires_at) VALUES ($1, $2, $3)")
        .bind(tokens.access_jti)
        .bind(grant_id)
        .bind(unix(tokens.access_expires_at))
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO oidc_refresh_tokens (token_hash, grant_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(tokens.refresh_hash)
    .bind(grant_id)
    .bind(unix(at))
    .bind(unix(tokens.refresh_expires_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
