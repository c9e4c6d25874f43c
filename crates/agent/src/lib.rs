//! # podpis-agent
//!
//! The local signing agent (`podpis agent`): what the CryptoPro browser
//! plug-in and Kazakhstan's NCALayer do, without a browser extension. A
//! per-user service on the loopback addresses answers web pages over HTTP
//! and WebSocket ([`http::router`]); the JavaScript SDK (`web/sdk`) is its
//! client.
//!
//! * Only origins in the user's allow-list ([`origins::OriginStore`]) may
//!   call it; an unknown origin gets `ORIGIN_NOT_ALLOWED` and a one-time
//!   approval page on the agent's own origin.
//! * Operations: `version`, `listCertificates` (public facts only — never
//!   key material), `sign` (CAdES-BES, attached or detached, over data or a
//!   digest).
//! * Every `sign` waits for the user's consent and PIN on the agent's
//!   consent page; a consent is bound to one request and cannot be
//!   replayed. Keys are opened through [`pki::Signer`] from file
//!   containers and PKCS#11 tokens ([`keys`]).
//! * Request hygiene: the Host header must be the agent's (DNS rebinding),
//!   every call carries a fresh nonce, CORS and Private Network Access
//!   headers, no cookies.
//!
//! Time comes from a [`Clock`], so consent expiry is tested without sleeping.
#![forbid(unsafe_code)]

mod error;
pub mod http;
pub mod keys;
pub mod origins;
mod pages;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use pki::algorithm::DigestAlgorithm;
use pki::cms::{self, Content, SignOptions};
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;
use tokio::sync::watch;
use zeroize::Zeroizing;

pub use error::AgentError;
use keys::{CertEntry, Keys};
use origins::OriginStore;

/// The agent's default port on 127.0.0.1 and [::1] (unassigned by IANA).
pub const DEFAULT_PORT: u16 = 47213;

/// The agent's protocol version, reported by `version`.
pub const PROTOCOL: u32 = 1;

/// The source of the current time.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// How the agent runs.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// The port it listens on (the consent pages' URLs and the Host check use it).
    pub port: u16,
    /// How long a consent request waits for the user.
    pub consent_ttl: Duration,
    /// How long one result call waits before answering `pending`.
    pub wait: Duration,
    /// The podpis version reported by `version`.
    pub version: String,
}

impl AgentConfig {
    /// Defaults for `port`: five minutes to consent, 25-second waits.
    pub fn new(port: u16) -> AgentConfig {
        AgentConfig {
            port,
            consent_ttl: Duration::from_secs(300),
            wait: Duration::from_secs(25),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

const MAX_OPEN_REQUESTS: usize = 64;
const MAX_APPROVALS: usize = 32;
const MAX_NONCES: usize = 100_000;
const NONCE_MEMORY: Duration = Duration::from_secs(3600);
const MAX_DESCRIPTION: usize = 1000;

/// The bytes to sign.
enum Payload {
    Data(Vec<u8>),
    Digest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Signing,
    Done,
}

/// The final answer to a sign request: the result object or the error
/// object of the API.
pub type Outcome = Result<Value, Value>;

struct SignRequest {
    token: String,
    origin: String,
    cert: CertEntry,
    description: String,
    detached: bool,
    payload: Payload,
    algorithm: DigestAlgorithm,
    digest: Vec<u8>,
    created: SystemTime,
    state: State,
    outcome: watch::Sender<Option<Outcome>>,
}

struct Approval {
    token: String,
    origin: String,
    created: SystemTime,
    done: bool,
}

#[derive(Default)]
struct Inner {
    requests: HashMap<String, SignRequest>,
    approvals: HashMap<String, Approval>,
    nonces: HashMap<String, SystemTime>,
}

/// The body of a `sign` call.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignBody {
    /// The request's nonce.
    pub nonce: Option<String>,
    /// The certificate's id from `listCertificates`.
    pub cert_id: String,
    /// The data, base64.
    pub data: Option<String>,
    /// Or its digest (Streebog of the key's size), hex.
    pub digest: Option<String>,
    /// Detached (the data not inside the signature).
    #[serde(default)]
    pub detached: bool,
    /// What is being signed, in words, shown on the consent page.
    pub description: String,
}

/// What the consent page shows.
#[derive(Debug, Clone)]
pub struct ConsentView {
    /// The request id (in the page's URL).
    pub id: String,
    /// The form token (only in the page).
    pub token: String,
    /// The calling site.
    pub origin: String,
    /// The site's description of the document.
    pub description: String,
    /// The digest signed, hex in groups.
    pub digest: String,
    /// Streebog-256 or -512.
    pub algorithm: &'static str,
    /// Attached or detached.
    pub detached: bool,
    /// The certificate.
    pub cert: keys::CertSummary,
    /// Where the key is, in words.
    pub location: String,
}

/// What the approval page shows.
#[derive(Debug, Clone)]
pub struct ApprovalView {
    /// The approval id.
    pub id: String,
    /// The form token.
    pub token: String,
    /// The site asking.
    pub origin: String,
}

fn random_id() -> Result<String, AgentError> {
    let mut raw = [0u8; 24];
    getrandom::fill(&mut raw).map_err(|_| AgentError::SignFailed {
        cause: "RANDOM_FAILED",
    })?;
    Ok(URL_SAFE_NO_PAD.encode(raw))
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// The agent: its keys, allow-list, open consent requests and approvals.
pub struct Agent {
    config: AgentConfig,
    keys: Keys,
    origins: OriginStore,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
    page_token: String,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("config", &self.config)
            .field("origins", &self.origins.path())
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// An agent over these keys and allow-list.
    pub fn new(
        config: AgentConfig,
        keys: Keys,
        origins: OriginStore,
        clock: Arc<dyn Clock>,
    ) -> Result<Agent, AgentError> {
        Ok(Agent {
            config,
            keys,
            origins,
            clock,
            inner: Mutex::new(Inner::default()),
            page_token: random_id()?,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    /// The allow-list.
    pub fn origins(&self) -> &OriginStore {
        &self.origins
    }

    /// The agent's own base URL (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.config.port)
    }

    /// The Host header values the agent answers to.
    pub fn own_hosts(&self) -> [String; 3] {
        let p = self.config.port;
        [
            format!("127.0.0.1:{p}"),
            format!("[::1]:{p}"),
            format!("localhost:{p}"),
        ]
    }

    /// Whether `origin` is the agent's own (its pages posting forms).
    pub fn is_own_origin(&self, origin: &str) -> bool {
        self.own_hosts()
            .iter()
            .any(|h| origin.eq_ignore_ascii_case(&format!("http://{h}")))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Accepts a nonce once: 16 to 128 characters of `[A-Za-z0-9_-]`.
    pub fn check_nonce(&self, nonce: Option<&str>) -> Result<(), AgentError> {
        let nonce = nonce.ok_or(AgentError::NonceInvalid)?;
        if !(16..=128).contains(&nonce.len())
            || !nonce
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(AgentError::NonceInvalid);
        }
        let now = self.clock.now();
        let mut inner = self.lock();
        if inner.nonces.contains_key(nonce) {
            return Err(AgentError::NonceReused);
        }
        if inner.nonces.len() >= MAX_NONCES {
            inner
                .nonces
                .retain(|_, t| now.duration_since(*t).unwrap_or_default() < NONCE_MEMORY);
            if inner.nonces.len() >= MAX_NONCES {
                return Err(AgentError::Busy);
            }
        }
        inner.nonces.insert(nonce.to_owned(), now);
        Ok(())
    }

    /// Lets an allowed origin through; an unknown one gets
    /// `ORIGIN_NOT_ALLOWED` with a one-time approval page.
    pub fn check_origin(&self, origin: Option<&str>) -> Result<String, AgentError> {
        let Some(origin) = origin else {
            return Err(AgentError::OriginNotAllowed { approval_url: None });
        };
        if self.origins.contains(origin)? {
            return origins::normalize_origin(origin);
        }
        let Ok(origin) = origins::normalize_origin(origin) else {
            return Err(AgentError::OriginNotAllowed { approval_url: None });
        };
        let now = self.clock.now();
        let ttl = self.config.consent_ttl;
        let mut inner = self.lock();
        inner
            .approvals
            .retain(|_, a| !a.done && now.duration_since(a.created).unwrap_or_default() < ttl);
        let existing = inner
            .approvals
            .iter()
            .find(|(_, a)| a.origin == origin)
            .map(|(id, _)| id.clone());
        let id = match existing {
            Some(id) => id,
            None => {
                if inner.approvals.len() >= MAX_APPROVALS {
                    return Err(AgentError::Busy);
                }
                let id = random_id()?;
                inner.approvals.insert(
                    id.clone(),
                    Approval {
                        token: random_id()?,
                        origin,
                        created: now,
                        done: false,
                    },
                );
                id
            }
        };
        Err(AgentError::OriginNotAllowed {
            approval_url: Some(format!("{}/approve/{id}", self.base_url())),
        })
    }

    /// `version`.
    pub fn version(&self) -> Value {
        json!({
            "agent": "podpis-agent",
            "version": self.config.version,
            "protocol": PROTOCOL,
        })
    }

    /// `listCertificates`: public facts only.
    pub fn list_certificates(&self) -> Value {
        let list: Vec<_> = self.keys.list().iter().map(CertEntry::summary).collect();
        json!({ "certificates": list })
    }

    /// The certificates, for the agent's own page.
    pub fn certificates(&self) -> Vec<keys::CertSummary> {
        self.keys.list().iter().map(CertEntry::summary).collect()
    }

    /// `sign`: opens a consent request for `origin` and returns its id and
    /// the consent page's URL. Nothing is signed until the user consents.
    pub fn start_sign(&self, origin: &str, body: SignBody) -> Result<Value, AgentError> {
        let description = body.description.trim().to_owned();
        if description.is_empty() || description.chars().count() > MAX_DESCRIPTION {
            return Err(AgentError::BadRequest(
                "description must be 1 to 1000 characters",
            ));
        }
        let cert = self
            .keys
            .find(&body.cert_id)
            .ok_or(AgentError::CertNotFound)?;
        let key = pki::cert::public_key(&cert.certificate).map_err(|_| AgentError::SignFailed {
            cause: "CERT_MALFORMED",
        })?;
        let algorithm = DigestAlgorithm::for_key_size(key.param_set().key_size());
        let (payload, digest) = match (&body.data, &body.digest) {
            (Some(data), None) => {
                let data = STANDARD
                    .decode(data)
                    .map_err(|_| AgentError::BadRequest("data is not base64"))?;
                let digest = algorithm.digest(&data);
                (Payload::Data(data), digest)
            }
            (None, Some(digest)) => {
                if !body.detached {
                    return Err(AgentError::BadRequest(
                        "a digest can only be signed detached",
                    ));
                }
                let digest = unhex(digest).ok_or(AgentError::BadRequest("digest is not hex"))?;
                if digest.len() != algorithm.digest(b"").len() {
                    return Err(AgentError::BadRequest(
                        "digest length does not match the key's Streebog",
                    ));
                }
                (Payload::Digest, digest)
            }
            _ => return Err(AgentError::BadRequest("give either data or digest")),
        };
        let now = self.clock.now();
        let ttl = self.config.consent_ttl;
        let mut inner = self.lock();
        inner
            .requests
            .retain(|_, r| now.duration_since(r.created).unwrap_or_default() < ttl * 2);
        let open = inner
            .requests
            .values()
            .filter(|r| r.state != State::Done)
            .count();
        if open >= MAX_OPEN_REQUESTS {
            return Err(AgentError::Busy);
        }
        let id = random_id()?;
        let (outcome, _) = watch::channel(None);
        inner.requests.insert(
            id.clone(),
            SignRequest {
                token: random_id()?,
                origin: origin.to_owned(),
                cert,
                description,
                detached: body.detached,
                payload,
                algorithm,
                digest,
                created: now,
                state: State::Waiting,
                outcome,
            },
        );
        Ok(json!({
            "request": id,
            "consentUrl": format!("{}/consent/{id}", self.base_url()),
        }))
    }

    /// Marks an expired request done with `CONSENT_EXPIRED`; whether it was.
    fn expire(&self, r: &mut SignRequest) -> bool {
        let now = self.clock.now();
        if r.state == State::Waiting
            && now.duration_since(r.created).unwrap_or_default() >= self.config.consent_ttl
        {
            r.state = State::Done;
            r.outcome
                .send_replace(Some(Err(AgentError::ConsentExpired.to_json())));
        }
        r.state == State::Done && r.outcome.borrow().is_some()
    }

    /// The outcome of request `id` made by `origin`: waits up to
    /// `config.wait`, then answers `{"status": "pending"}`.
    pub async fn result(&self, origin: &str, id: &str) -> Result<Outcome, AgentError> {
        let mut rx = {
            let mut inner = self.lock();
            let r = inner
                .requests
                .get_mut(id)
                .filter(|r| r.origin == origin)
                .ok_or(AgentError::ConsentNotFound)?;
            self.expire(r);
            r.outcome.subscribe()
        };
        let wait = async {
            loop {
                if let Some(outcome) = rx.borrow_and_update().clone() {
                    return Some(outcome);
                }
                if rx.changed().await.is_err() {
                    return None;
                }
            }
        };
        match tokio::time::timeout(self.config.wait, wait).await {
            Ok(Some(outcome)) => Ok(outcome),
            Ok(None) => Err(AgentError::ConsentNotFound),
            Err(_) => {
                // Expiry is checked again on the next call.
                Ok(Ok(json!({ "status": "pending" })))
            }
        }
    }

    /// The consent page's content for request `id`.
    pub fn consent_view(&self, id: &str) -> Result<ConsentView, AgentError> {
        let mut inner = self.lock();
        let r = inner
            .requests
            .get_mut(id)
            .ok_or(AgentError::ConsentNotFound)?;
        if self.expire(r) {
            return Err(match r.outcome.borrow().as_ref() {
                Some(Err(e)) if e["code"] == "CONSENT_EXPIRED" => AgentError::ConsentExpired,
                _ => AgentError::ConsentUsed,
            });
        }
        if r.state != State::Waiting {
            return Err(AgentError::ConsentUsed);
        }
        let digest = hex(&r.digest)
            .as_bytes()
            .chunks(8)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(ConsentView {
            id: id.to_owned(),
            token: r.token.clone(),
            origin: r.origin.clone(),
            description: r.description.clone(),
            digest,
            algorithm: match r.algorithm {
                DigestAlgorithm::Streebog256 => "ГОСТ Р 34.11-2012 (256)",
                _ => "ГОСТ Р 34.11-2012 (512)",
            },
            detached: r.detached,
            cert: r.cert.summary(),
            location: r.cert.location.describe(),
        })
    }

    /// The user's answer on the consent page: cancel, or sign with `pin`.
    /// One answer per request: a second one (a replayed form) is
    /// `CONSENT_USED` and changes nothing — no PIN is tried.
    pub async fn decide(
        self: &Arc<Self>,
        id: &str,
        token: &str,
        sign: bool,
        pin: Zeroizing<String>,
    ) -> Result<Outcome, AgentError> {
        let (cert, payload, algorithm, digest, detached) = {
            let mut inner = self.lock();
            let r = inner
                .requests
                .get_mut(id)
                .ok_or(AgentError::ConsentNotFound)?;
            if !ct_eq(&r.token, token) {
                return Err(AgentError::ConsentNotFound);
            }
            if self.expire(r) || r.state != State::Waiting {
                return Err(
                    if r.state == State::Done
                        && matches!(r.outcome.borrow().as_ref(), Some(Err(e)) if e["code"] == "CONSENT_EXPIRED")
                    {
                        AgentError::ConsentExpired
                    } else {
                        AgentError::ConsentUsed
                    },
                );
            }
            if !sign {
                r.state = State::Done;
                let outcome = Err(AgentError::Cancelled.to_json());
                r.outcome.send_replace(Some(outcome.clone()));
                return Ok(outcome);
            }
            r.state = State::Signing;
            let payload = match &r.payload {
                Payload::Data(d) => Some(d.clone()),
                Payload::Digest => None,
            };
            (
                r.cert.clone(),
                payload,
                r.algorithm,
                r.digest.clone(),
                r.detached,
            )
        };
        let agent = Arc::clone(self);
        let now = self.clock.now();
        let signed =
            tokio::task::spawn_blocking(move || {
                let signer = agent.keys.signer(&cert, &pin)?;
                drop(pin);
                let options = SignOptions::cades_bes(detached, now);
                let digests = [(algorithm, digest.clone())];
                let content = match &payload {
                    Some(data) => Content::Bytes(data),
                    None => Content::Digests(&digests),
                };
                let der = cms::sign(content, signer.as_ref(), &cert.certificate, &options)
                    .map_err(|e| AgentError::SignFailed {
                        cause: pki::Diagnostic::code(&e),
                    })?;
                Ok::<_, AgentError>(json!({
                    "status": "signed",
                    "signature": STANDARD.encode(der),
                    "format": "CAdES-BES",
                    "detached": detached,
                    "certId": cert.id,
                    "digest": hex(&digest),
                }))
            })
            .await
            .unwrap_or(Err(AgentError::SignFailed {
                cause: "AGENT_SIGN_FAILED",
            }));
        let outcome = signed.map_err(|e| e.to_json());
        let mut inner = self.lock();
        if let Some(r) = inner.requests.get_mut(id) {
            r.state = State::Done;
            r.outcome.send_replace(Some(outcome.clone()));
        }
        Ok(outcome)
    }

    /// The approval page's content.
    pub fn approval_view(&self, id: &str) -> Result<ApprovalView, AgentError> {
        let inner = self.lock();
        let a = inner
            .approvals
            .get(id)
            .filter(|a| {
                self.clock
                    .now()
                    .duration_since(a.created)
                    .unwrap_or_default()
                    < self.config.consent_ttl
            })
            .ok_or(AgentError::ConsentNotFound)?;
        if a.done {
            return Err(AgentError::ConsentUsed);
        }
        Ok(ApprovalView {
            id: id.to_owned(),
            token: a.token.clone(),
            origin: a.origin.clone(),
        })
    }

    /// The user's answer on the approval page; returns the origin.
    pub fn decide_approval(
        &self,
        id: &str,
        token: &str,
        allow: bool,
    ) -> Result<String, AgentError> {
        let origin = {
            let mut inner = self.lock();
            let a = inner
                .approvals
                .get_mut(id)
                .ok_or(AgentError::ConsentNotFound)?;
            if !ct_eq(&a.token, token) {
                return Err(AgentError::ConsentNotFound);
            }
            if a.done {
                return Err(AgentError::ConsentUsed);
            }
            a.done = true;
            a.origin.clone()
        };
        if allow {
            self.origins.allow(&origin, unix(self.clock.now()))?;
            tracing::info!(%origin, "origin allowed");
        }
        Ok(origin)
    }

    /// The token of the agent's own page forms (revoking origins).
    pub fn page_token(&self) -> &str {
        &self.page_token
    }

    /// Revokes `origin` from the agent's page, checking the page's token.
    pub fn revoke_from_page(&self, token: &str, origin: &str) -> Result<bool, AgentError> {
        if !ct_eq(&self.page_token, token) {
            return Err(AgentError::ConsentNotFound);
        }
        self.origins.revoke(origin)
    }
}
