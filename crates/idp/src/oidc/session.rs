//! Who is logged in: the provider asks a [`SessionSource`] for the
//! session a request carries, and ends it on RP-initiated logout.
//!
//! [`StoreSessions`] reads the `sessions` table directly: the cookie
//! `podpis_session` (or `Authorization: Bearer` is not accepted here: the
//! authorization endpoint is a browser's), whose SHA-256 (hex) is the
//! row's `token_hash`, live when not ended, within the absolute timeout and
//! used within the idle timeout. `podpis serve` plugs in the account
//! part's own session API when it mounts both.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use sha2::Digest as _;
use store::Store;

use super::OidcError;
use crate::Clock;

/// The name of the provider's session cookie.
pub const SESSION_COOKIE: &str = "podpis_session";

/// A boxed future (the trait is object-safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A logged-in user's session, as the provider needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedIn {
    /// The session's row id (`sid` is derived from it).
    pub session_id: i64,
    /// The account.
    pub account_id: i64,
    /// How the user authenticated: `["pwd", "otp"]` or `["ds"]`.
    pub amr: Vec<String>,
    /// When (`auth_time`).
    pub auth_time: SystemTime,
}

/// Where the provider learns who is logged in.
pub trait SessionSource: Send + Sync + std::fmt::Debug {
    /// The live session the request carries, if any.
    fn current<'a>(
        &'a self,
        headers: &'a HeaderMap,
    ) -> BoxFuture<'a, Result<Option<LoggedIn>, OidcError>>;

    /// Ends a session (RP-initiated logout) and revokes the grants made
    /// in it.
    fn end(&self, session_id: i64) -> BoxFuture<'_, Result<(), OidcError>>;
}

/// Sessions read from the `sessions` table of the store.
#[derive(Debug, Clone)]
pub struct StoreSessions {
    store: Store,
    clock: Arc<dyn Clock>,
    idle: Duration,
}

impl StoreSessions {
    /// Sessions in `store`, idle-expired after `idle`.
    pub fn new(store: Store, clock: Arc<dyn Clock>, idle: Duration) -> StoreSessions {
        StoreSessions { store, clock, idle }
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// SHA-256 of a secret token, hex: how the store keeps session tokens,
/// codes, refresh tokens and client secrets.
pub fn token_hash(token: &str) -> String {
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl SessionSource for StoreSessions {
    fn current<'a>(
        &'a self,
        headers: &'a HeaderMap,
    ) -> BoxFuture<'a, Result<Option<LoggedIn>, OidcError>> {
        Box::pin(async move {
            let Some(token) = cookie(headers, SESSION_COOKIE) else {
                return Ok(None);
            };
            let Some(s) = self.store.oidc_session_by_token(&token_hash(token)).await? else {
                return Ok(None);
            };
            let now = self.clock.now();
            if s.ended_at.is_some()
                || now >= s.absolute_expires_at
                || now >= s.last_seen_at + self.idle
            {
                return Ok(None);
            }
            Ok(Some(LoggedIn {
                session_id: s.id,
                account_id: s.account_id,
                amr: s.amr.split_whitespace().map(str::to_owned).collect(),
                auth_time: s.created_at,
            }))
        })
    }

    fn end(&self, session_id: i64) -> BoxFuture<'_, Result<(), OidcError>> {
        Box::pin(async move {
            self.store
                .end_oidc_session(session_id, self.clock.now())
                .await?;
            Ok(())
        })
    }
}

/// The account part's own sessions ([`crate::session`]): what `podpis
/// serve` plugs in, so the provider sees exactly the sessions the cabinet
/// and the login flows start (same cookie, same timeouts, same touch).
#[derive(Debug, Clone)]
pub struct IdpSessions {
    idp: crate::Idp,
}

impl IdpSessions {
    /// Sessions of `idp`.
    pub fn new(idp: crate::Idp) -> IdpSessions {
        IdpSessions { idp }
    }
}

impl SessionSource for IdpSessions {
    fn current<'a>(
        &'a self,
        headers: &'a HeaderMap,
    ) -> BoxFuture<'a, Result<Option<LoggedIn>, OidcError>> {
        Box::pin(async move {
            match crate::session::from_headers(&self.idp, headers).await {
                Ok(Some(s)) => Ok(Some(LoggedIn {
                    session_id: s.id,
                    account_id: s.account_id,
                    amr: s.amr,
                    auth_time: s.auth_time,
                })),
                Ok(None) => Ok(None),
                Err(crate::AccountError::Store(e)) => Err(OidcError::Store(e)),
                // Any other refusal of the presented session: not logged in
                // (the authorization endpoint sends the user to log in).
                Err(_) => Ok(None),
            }
        })
    }

    fn end(&self, session_id: i64) -> BoxFuture<'_, Result<(), OidcError>> {
        Box::pin(async move {
            self.idp
                .store()
                .end_oidc_session(session_id, self.idp.now())
                .await?;
            Ok(())
        })
    }
}
