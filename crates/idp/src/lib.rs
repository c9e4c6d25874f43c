//! # podpis-idp
//!
//! The identity provider — ESIA's role in the Gosuslugi world: it knows who
//! the user is and lets them in. Accounts and their levels (simplified,
//! standard, confirmed), login by e-signature (a signed one-time challenge,
//! checked in the order of design.md §4) and by password + one-time code,
//! lockouts, sessions, the users' hash-chained action journal, and an
//! OpenID Connect provider for other services. State lives in
//! `podpis-store` (tables of schema version 3 and later); the HTTP side is
//! axum routers that `podpis serve` mounts. The cabinet pages are in
//! `podpis-portal`.
//!
//! [`Idp`] is the shared state every part works over: the store (with the
//! journal key set), the clock, the [`Policy`], the [`notifier`] and the
//! server keys ([`keys`]).
//!
//! Time comes from a [`Clock`], so expiry, timeouts and lockouts are tested
//! without sleeping.
#![forbid(unsafe_code)]

pub mod account;
pub mod api;
pub mod challenge;
mod clock;
mod error;
pub mod esig;
pub mod journal;
pub mod keys;
pub mod lockout;
pub mod login;
mod messages;
pub mod notifier;
pub mod oidc;
pub mod otp;
pub mod password;
pub mod recovery;
pub mod security;
pub mod session;
pub mod smtp;
pub mod trust;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use store::Store;
use store::accounts::LockRule;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{AccountError, ErrorBody};
pub use keys::ServerKeys;
pub use notifier::{FileOutbox, Notifier};

/// The rules the provider applies; the defaults are the issue's.
#[derive(Debug, Clone)]
pub struct Policy {
    /// A session unused this long ends (30 min).
    pub idle_timeout: Duration,
    /// A session ends this long after login whatever happens (12 h).
    pub absolute_timeout: Duration,
    /// `last_seen` is written at most this often per session (30 s).
    pub touch_interval: Duration,
    /// Failed logins that lock, the first lock, the longest lock (5, 15 min,
    /// 24 h; each lock doubles the one before).
    pub lockout: LockRule,
    /// Failed logins from one client address within
    /// [`Policy::ip_window`] after which that address is refused (50).
    pub ip_max_failures: i64,
    /// The per-address window (15 min).
    pub ip_window: Duration,
    /// Whether a locked account may still log in by e-signature (read by
    /// the e-signature login; true).
    pub esig_login_when_locked: bool,
    /// The `Secure` cookie attribute (off only for a plain-HTTP demo).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a
    /// reverse proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Sent codes expire after this (10 min).
    pub code_ttl: Duration,
    /// Wrong codes a flow allows (5).
    pub code_max_attempts: i64,
    /// The second login step must follow the first within this (5 min).
    pub login_ttl: Duration,
    /// The issuer shown in authenticator apps.
    pub totp_issuer: String,
    /// Demo mode: the outbox is shown to anyone (never in production).
    pub demo: bool,
    /// Send HSTS (the server is reached over TLS).
    pub hsts: bool,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 3600),
            touch_interval: Duration::from_secs(30),
            lockout: LockRule {
                max_failures: 5,
                first_lock: Duration::from_secs(15 * 60),
                max_lock: Duration::from_secs(24 * 3600),
            },
            ip_max_failures: 50,
            ip_window: Duration::from_secs(15 * 60),
            esig_login_when_locked: true,
            secure_cookies: true,
            trust_forwarded_for: false,
            code_ttl: Duration::from_secs(10 * 60),
            code_max_attempts: 5,
            login_ttl: Duration::from_secs(5 * 60),
            totp_issuer: "podpis".into(),
            demo: false,
            hsts: false,
        }
    }
}

/// The shared state of the identity provider. Cheap to clone.
#[derive(Clone)]
pub struct Idp {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    keys: ServerKeys,
    notifier: Arc<dyn Notifier>,
    policy: Policy,
}

impl std::fmt::Debug for Idp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idp")
            .field("store", &self.inner.store)
            .field("policy", &self.inner.policy)
            .field("notifier", &self.inner.notifier)
            .finish_non_exhaustive()
    }
}

impl Idp {
    /// The provider over `store` (its action journal is chained under the
    /// key derived from `keys`).
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        keys: ServerKeys,
        notifier: Arc<dyn Notifier>,
        policy: Policy,
    ) -> Idp {
        let store = store.with_journal_key(keys.journal_key());
        Idp {
            inner: Arc::new(Inner {
                store,
                clock,
                keys,
                notifier,
                policy,
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    /// The time now, from the clock.
    pub fn now(&self) -> SystemTime {
        self.inner.clock.now()
    }

    /// The rules.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The server keys.
    pub fn keys(&self) -> &ServerKeys {
        &self.inner.keys
    }

    /// The notifier.
    pub fn notifier(&self) -> &dyn Notifier {
        self.inner.notifier.as_ref()
    }

    /// The newest messages of the outbox, for the demo-mode page; refused
    /// outside demo mode.
    pub fn demo_outbox(&self, limit: usize) -> Result<Vec<notifier::Message>, AccountError> {
        if !self.policy().demo {
            return Err(AccountError::DemoOff);
        }
        self.notifier().recent(limit)
    }
}

/// Who is calling: the client's address and User-Agent, for lockouts and
/// the journal. An axum extractor (the address from the connection, or
/// from `X-Forwarded-For` when the policy trusts the proxy).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    /// The client's address.
    pub ip: Option<String>,
    /// Its User-Agent (at most 256 characters).
    pub user_agent: Option<String>,
}

impl Client {
    /// A client from the request's headers and the connection's peer.
    pub fn from_parts(
        headers: &HeaderMap,
        peer: Option<SocketAddr>,
        trust_forwarded: bool,
    ) -> Client {
        let forwarded = trust_forwarded
            .then(|| {
                headers
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(',').next())
                    .and_then(|v| v.trim().parse::<IpAddr>().ok())
            })
            .flatten();
        let ip = forwarded.or(peer.map(|p| p.ip())).map(|ip| ip.to_string());
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(256).collect());
        Client { ip, user_agent }
    }
}

impl<S> FromRequestParts<S> for Client
where
    Idp: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Client, Self::Rejection> {
        let idp = Idp::from_ref(state);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        Ok(Client::from_parts(
            &parts.headers,
            peer,
            idp.policy().trust_forwarded_for,
        ))
    }
}
