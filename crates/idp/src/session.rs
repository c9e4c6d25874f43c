//! Sessions: the random token a browser keeps in the `podpis_session`
//! cookie (Secure, HttpOnly, SameSite=Lax) or an API client sends as
//! `Authorization: Bearer`; only its Streebog-256 hash is stored. A session
//! lives until logout, until it is ended from another session or by
//! «выйти на всех устройствах», until a password change or recovery, or
//! until its idle timeout (30 min by default) or absolute timeout (12 h)
//! passes — whichever comes first. Forms carry a per-session CSRF token
//! ([`ActiveSession::csrf_token`], [`ActiveSession::check_csrf`]).

use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use store::action_journal::ActionEntry;
use store::sessions::{NewSession, SessionRecord};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::{AccountError, Idp};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "podpis_session";

/// The header an API client that authenticates by cookie sends the CSRF
/// token in (forms send the field [`CSRF_FIELD`]).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The form field of the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// A session token: 32 random bytes, base64url without padding. `Debug`
/// shows nothing; the text is wiped when dropped.
#[derive(Clone)]
pub struct SessionToken(Zeroizing<String>);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

impl SessionToken {
    /// A fresh token from the system RNG.
    pub fn generate() -> Result<SessionToken, AccountError> {
        Ok(SessionToken(random_token()?))
    }

    /// A token as a client presented it.
    pub fn from_presented(text: &str) -> SessionToken {
        SessionToken(Zeroizing::new(text.to_owned()))
    }

    /// The token text (for the cookie or the API answer only).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Hex Streebog-256 of the token: what the database keeps.
    pub fn hash_hex(&self) -> String {
        token_hash(self.as_str())
    }
}

/// 32 random bytes, base64url.
pub(crate) fn random_token() -> Result<Zeroizing<String>, AccountError> {
    let mut raw = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut raw[..]).map_err(|_| AccountError::Random)?;
    Ok(Zeroizing::new(URL_SAFE_NO_PAD.encode(&raw[..])))
}

/// Hex Streebog-256 of a random token (session, flow).
pub(crate) fn token_hash(token: &str) -> String {
    hex(&pki::algorithm::DigestAlgorithm::Streebog256.digest(token.as_bytes()))
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How the request carried the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Carrier {
    /// The `podpis_session` cookie (a browser): state-changing calls need
    /// the CSRF token.
    Cookie,
    /// `Authorization: Bearer` (an API client): no CSRF check, the browser
    /// never adds this header by itself.
    Bearer,
}

/// The live session a request carries.
#[derive(Clone)]
pub struct ActiveSession {
    /// Session row id.
    pub id: i64,
    /// Whose.
    pub account_id: i64,
    /// Authentication methods (`pwd`, `otp`, `ds`).
    pub amr: Vec<String>,
    /// When the user authenticated (the session started).
    pub auth_time: SystemTime,
    /// The last request before this one.
    pub last_seen: SystemTime,
    /// The session ends then at the latest.
    pub absolute_expires_at: SystemTime,
    /// Cookie or bearer.
    pub carrier: Carrier,
    /// The stored hash of the token.
    pub token_hash: String,
    csrf: Zeroizing<String>,
}

impl std::fmt::Debug for ActiveSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActiveSession")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("amr", &self.amr)
            .field("carrier", &self.carrier)
            .finish_non_exhaustive()
    }
}

impl ActiveSession {
    /// The session's CSRF token, to put in every form (field `csrf`) or in
    /// the `X-CSRF-Token` header.
    pub fn csrf_token(&self) -> &str {
        &self.csrf
    }

    /// Checks a submitted CSRF token, in constant time.
    pub fn check_csrf(&self, submitted: Option<&str>) -> Result<(), AccountError> {
        let Some(submitted) = submitted else {
            return Err(AccountError::CsrfFailed);
        };
        if bool::from(self.csrf.as_bytes().ct_eq(submitted.as_bytes())) {
            Ok(())
        } else {
            Err(AccountError::CsrfFailed)
        }
    }

    /// For a state-changing API call: a cookie-carried session must send
    /// the CSRF token in `X-CSRF-Token`; a bearer one need not.
    pub fn check_csrf_header(&self, headers: &HeaderMap) -> Result<(), AccountError> {
        match self.carrier {
            Carrier::Bearer => Ok(()),
            Carrier::Cookie => {
                self.check_csrf(headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()))
            }
        }
    }

    /// The session as it was stored.
    fn from_record(
        idp: &Idp,
        r: &SessionRecord,
        carrier: Carrier,
        token_hash: String,
    ) -> ActiveSession {
        ActiveSession {
            id: r.id,
            account_id: r.account_id,
            amr: r.amr.split_whitespace().map(str::to_owned).collect(),
            auth_time: r.created_at,
            last_seen: r.last_seen_at,
            absolute_expires_at: r.absolute_expires_at,
            carrier,
            csrf: csrf_for(idp, &token_hash),
            token_hash,
        }
    }
}

/// The CSRF token of a session: base64url HMAC-Streebog-256 of the token
/// hash under the server's CSRF key (nothing to store).
fn csrf_for(idp: &Idp, token_hash: &str) -> Zeroizing<String> {
    let key = idp.keys().csrf_key();
    let mac = gost::mac::hmac_streebog256(&key[..], &[token_hash.as_bytes()]);
    Zeroizing::new(URL_SAFE_NO_PAD.encode(mac))
}

/// The session token a request presents: the `podpis_session` cookie, or
/// else `Authorization: Bearer`.
pub fn presented_token(headers: &HeaderMap) -> Option<(SessionToken, Carrier)> {
    for value in headers.get_all(header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((name, v)) = pair.trim().split_once('=')
                && name.trim() == SESSION_COOKIE
                && !v.trim().is_empty()
            {
                return Some((SessionToken::from_presented(v.trim()), Carrier::Cookie));
            }
        }
    }
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = auth.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| (SessionToken::from_presented(token.trim()), Carrier::Bearer))
}

/// The live session a request carries (cookie `podpis_session`, or
/// `Authorization: Bearer` for API clients), after the idle and absolute
/// timeouts; touches last_seen. A session found past a timeout is ended
/// then (reason `idle` or `expired`) and `None` is returned.
pub async fn from_headers(
    idp: &Idp,
    headers: &HeaderMap,
) -> Result<Option<ActiveSession>, AccountError> {
    let Some((token, carrier)) = presented_token(headers) else {
        return Ok(None);
    };
    let hash = token.hash_hex();
    let Some(record) = idp.store().session_by_token_hash(&hash).await? else {
        return Ok(None);
    };
    if record.ended_at.is_some() {
        return Ok(None);
    }
    let now = idp.now();
    let policy = idp.policy();
    if now >= record.absolute_expires_at {
        idp.store()
            .expire_session(record.id, now, "expired")
            .await?;
        return Ok(None);
    }
    let idle = now
        .duration_since(record.last_seen_at)
        .unwrap_or(Duration::ZERO);
    if idle > policy.idle_timeout {
        idp.store().expire_session(record.id, now, "idle").await?;
        return Ok(None);
    }
    if idle >= policy.touch_interval {
        idp.store().touch_session(record.id, now).await?;
    }
    Ok(Some(ActiveSession::from_record(
        idp, &record, carrier, hash,
    )))
}

/// Like [`from_headers`], but a missing session is
/// [`AccountError::SessionRequired`].
pub async fn require(idp: &Idp, headers: &HeaderMap) -> Result<ActiveSession, AccountError> {
    from_headers(idp, headers)
        .await?
        .ok_or(AccountError::SessionRequired)
}

/// Starts a session for `account_id` with methods `amr` (space-separated)
/// and journals `entry` with it; returns the token for the client.
pub async fn start(
    idp: &Idp,
    account_id: i64,
    amr: &str,
    client: &crate::Client,
    entry: &ActionEntry,
) -> Result<(SessionToken, ActiveSession), AccountError> {
    let token = SessionToken::generate()?;
    let now = idp.now();
    let hash = token.hash_hex();
    let record = idp
        .store()
        .create_session(
            &NewSession {
                token_hash: &hash,
                account_id,
                amr,
                ip: client.ip.as_deref(),
                user_agent: client.user_agent.as_deref(),
                at: now,
                absolute_expires_at: now + idp.policy().absolute_timeout,
            },
            entry,
        )
        .await?;
    let active = ActiveSession::from_record(idp, &record, Carrier::Bearer, hash);
    Ok((token, active))
}

/// The `Set-Cookie` value that gives the browser `token`: HttpOnly,
/// SameSite=Lax, Path=/, Secure unless the policy turns it off (plain-HTTP
/// demo), Max-Age the absolute timeout.
pub fn session_cookie(idp: &Idp, token: &SessionToken) -> HeaderValue {
    let policy = idp.policy();
    let value = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        token.as_str(),
        policy.absolute_timeout.as_secs(),
        if policy.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(idp: &Idp) -> HeaderValue {
    if idp.policy().secure_cookies {
        HeaderValue::from_static(
            "podpis_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure",
        )
    } else {
        HeaderValue::from_static("podpis_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }
}

/// The account's live sessions, newest first.
pub async fn list(idp: &Idp, session: &ActiveSession) -> Result<Vec<SessionRecord>, AccountError> {
    let now = idp.now();
    Ok(idp
        .store()
        .active_sessions(session.account_id, now, now - idp.policy().idle_timeout)
        .await?)
}

fn journal(session: &ActiveSession, act: &str, client: &crate::Client) -> ActionEntry {
    crate::account::entry(
        Some(session.account_id),
        act,
        store::action_journal::OK,
        client,
    )
}

/// Ends this session (logout).
pub async fn logout(
    idp: &Idp,
    session: &ActiveSession,
    client: &crate::Client,
) -> Result<(), AccountError> {
    idp.store()
        .end_session(
            session.id,
            session.account_id,
            idp.now(),
            "logout",
            &journal(session, store::action_journal::action::LOGOUT, client)
                .detail("session", session.id),
        )
        .await?;
    Ok(())
}

/// Ends another live session `id` of the same account.
pub async fn end_one(
    idp: &Idp,
    session: &ActiveSession,
    id: i64,
    client: &crate::Client,
) -> Result<(), AccountError> {
    let ended = idp
        .store()
        .end_session(
            id,
            session.account_id,
            idp.now(),
            if id == session.id { "logout" } else { "ended" },
            &journal(
                session,
                store::action_journal::action::SESSION_ENDED,
                client,
            )
            .detail("session", id)
            .detail("from_session", session.id),
        )
        .await?;
    if ended {
        Ok(())
    } else {
        Err(AccountError::SessionNotFound)
    }
}

/// «Выйти на всех устройствах»: ends every session of the account, or
/// every other one when `keep_current`. Returns how many ended.
pub async fn end_all(
    idp: &Idp,
    session: &ActiveSession,
    keep_current: bool,
    client: &crate::Client,
) -> Result<u64, AccountError> {
    Ok(idp
        .store()
        .end_all_sessions(
            session.account_id,
            keep_current.then_some(session.id),
            idp.now(),
            &journal(
                session,
                store::action_journal::action::SESSIONS_ENDED,
                client,
            )
            .detail("kept_current", keep_current),
        )
        .await?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_are_random_and_hidden() {
        let a = SessionToken::generate().unwrap();
        let b = SessionToken::generate().unwrap();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.as_str().len(), 43);
        assert_eq!(a.hash_hex().len(), 64);
        assert_eq!(
            a.hash_hex(),
            SessionToken::from_presented(a.as_str()).hash_hex()
        );
        assert_eq!(format!("{a:?}"), "SessionToken(…)");
    }

    #[test]
    fn the_token_comes_from_the_cookie_or_the_bearer_header() {
        let mut h = HeaderMap::new();
        assert!(presented_token(&h).is_none());
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        let (t, c) = presented_token(&h).unwrap();
        assert_eq!((t.as_str(), c), ("abc", Carrier::Bearer));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("lang=ru; podpis_session=xyz; other=1"),
        );
        let (t, c) = presented_token(&h).unwrap();
        assert_eq!((t.as_str(), c), ("xyz", Carrier::Cookie));
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert!(presented_token(&h).is_none());
        h.insert(header::COOKIE, HeaderValue::from_static("podpis_session="));
        assert!(presented_token(&h).is_none());
    }
}
