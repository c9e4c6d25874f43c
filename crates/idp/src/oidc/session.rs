//! Who is logged in: the provider asks a [`SessionSource`] for the
//! session a request carries, and ends it on RP-initiated logout.
//!
//! [`IdpSessions`] is the account part's own sessions
//! ([`crate::session`]): the `podpis_session` cookie, the same timeouts
//! and touch as the cabinet and the login flows.

use std::future::Future;
use std::pin::Pin;
use std::time::SystemTime;

use axum::http::HeaderMap;
use sha2::Digest as _;
use store::action_journal::ActionEntry;

use super::OidcError;

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

    /// Ends a session (RP-initiated logout), revokes the grants made in
    /// it and journals `entry` on the user's journal.
    fn end<'a>(
        &'a self,
        session: &'a LoggedIn,
        entry: &'a ActionEntry,
    ) -> BoxFuture<'a, Result<(), OidcError>>;
}

/// SHA-256 of a secret token, hex: how the store keeps authorization
/// codes, refresh tokens, consent handles and client secrets.
pub fn token_hash(token: &str) -> String {
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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

    fn end<'a>(
        &'a self,
        session: &'a LoggedIn,
        entry: &'a ActionEntry,
    ) -> BoxFuture<'a, Result<(), OidcError>> {
        Box::pin(async move {
            self.idp
                .store()
                .end_oidc_session(
                    session.session_id,
                    session.account_id,
                    self.idp.now(),
                    entry,
                )
                .await?;
            Ok(())
        })
    }
}
