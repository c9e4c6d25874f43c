//! The OCSP responder (RFC 6960) of one CA, as an axum router.
//!
//! Responses are signed by a delegated responder certificate (issued by the
//! CA with id-kp-OCSPSigning; id-pkix-ocsp-nocheck recommended) through an
//! `Arc<dyn Signer>`, or by the CA itself.
//!
//! **Hot path.** A request for one certificate without a nonce is answered
//! from a concurrent map (hash algorithm, serial) → signed response DER: no
//! signature, no status lookup. A miss (first request for that serial and
//! CertID hash) reads the status, signs, and caches. [`OcspResponder::presign`]
//! fills the map ahead for every issued certificate (SHA-1 CertIDs, what
//! OpenSSL and most clients send); the refresher task re-signs entries
//! before they expire ([`OcspConfig::refresh_before`]); a status change
//! ([`StatusListener::status_changed`]) drops the serial's entries at once,
//! so the next request reads and signs the new status.
//!
//! **Nonces.** With [`NoncePolicy::Echo`] (the default) a request with a
//! nonce gets a freshly signed response echoing it (RFC 8954; 1 to 32
//! octets, otherwise malformedRequest). With [`NoncePolicy::Ignore`] the
//! nonce is ignored and the pre-signed response served, as RFC 5019
//! responders do. Requests for several certificates are signed fresh.
//!
//! Signed requests are answered like unsigned ones: the requestor's
//! signature is not checked (RFC 6960 §4.1.2 leaves it optional).
//!
//! **Unknown.** A serial the CA never issued, a CertID with another
//! issuer's hashes, or a hash algorithm other than SHA-1 and Streebog get
//! status `unknown` (signed each time, never cached: only issued
//! certificates occupy memory).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dashmap::DashMap;
use der::Encode;
use der::asn1::{Null, OctetString};
use pki::Signer;
use pki::ocsp::{
    self, CertId, CertIdHash, CertStatus, OcspErrorStatus, ResponseBuilder, RevokedInfo,
};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::serial_number::SerialNumber;

use crate::publish_error::PublishError;
use crate::status::{CertState, Clock, SerialKey, StatusListener, StatusSource};

/// What to do with a request's nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoncePolicy {
    /// Sign a fresh response that echoes it (slower: one signature per request).
    #[default]
    Echo,
    /// Ignore it and serve the pre-signed response (RFC 5019 behaviour;
    /// clients that insist on a nonce will complain).
    Ignore,
}

/// How the responder answers.
#[derive(Debug, Clone)]
pub struct OcspConfig {
    /// nextUpdate − thisUpdate of every response (1 hour by default).
    pub validity: Duration,
    /// Re-sign a cached response when this little validity remains (15
    /// minutes by default; must be below `validity`).
    pub refresh_before: Duration,
    /// What to do with nonces.
    pub nonce: NoncePolicy,
    /// The most CertIDs one request may ask about (16 by default).
    pub max_cert_ids: usize,
    /// The largest request body accepted, in bytes (16 KiB by default).
    pub max_request_bytes: usize,
}

impl Default for OcspConfig {
    fn default() -> Self {
        OcspConfig {
            validity: Duration::from_secs(3600),
            refresh_before: Duration::from_secs(900),
            nonce: NoncePolicy::Echo,
            max_cert_ids: 16,
            max_request_bytes: 16 * 1024,
        }
    }
}

/// The CertID hash algorithm identifiers the cache knows, by index: each
/// hash with parameters absent and with NULL, since clients write both and
/// a response must echo the CertID exactly.
const ALGORITHMS: [(CertIdHash, bool); 6] = [
    (CertIdHash::Sha1, true),
    (CertIdHash::Sha1, false),
    (CertIdHash::Streebog256, false),
    (CertIdHash::Streebog256, true),
    (CertIdHash::Streebog512, false),
    (CertIdHash::Streebog512, true),
];

/// The index in [`ALGORITHMS`] of SHA-1 with NULL parameters (OpenSSL's).
const SHA1_NULL: u8 = 0;

fn algorithm_index(alg: &AlgorithmIdentifierOwned) -> Option<u8> {
    let hash = CertIdHash::from_oid(&alg.oid).ok()?;
    let null = match &alg.parameters {
        None => false,
        Some(p) if der::Tagged::tag(p) == der::Tag::Null && p.value().is_empty() => true,
        Some(_) => return None,
    };
    ALGORITHMS
        .iter()
        .position(|a| *a == (hash, null))
        .and_then(|i| u8::try_from(i).ok())
}

fn algorithm_identifier(index: u8) -> AlgorithmIdentifierOwned {
    let (hash, null) = ALGORITHMS[usize::from(index) % ALGORITHMS.len()];
    AlgorithmIdentifierOwned {
        oid: hash.algorithm_identifier().oid,
        parameters: null.then(der::Any::null),
    }
}

type CacheKey = (u8, SerialKey);

/// How long a status change is remembered for [`OcspResponder::insert_if_current`]:
/// longer than any status read and signing (a pre-signing page included).
const CHANGE_MEMORY: Duration = Duration::from_secs(600);

/// A signed response ready to serve.
#[derive(Debug)]
struct Cached {
    der: Bytes,
    next_update: SystemTime,
    /// When the refresher re-signs it.
    refresh_at: SystemTime,
    /// After this the hot path re-signs it itself (the refresher is late).
    serve_until: SystemTime,
}

/// What the responder answers one request with.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The DER OCSPResponse.
    pub der: Bytes,
    /// How long HTTP caches may keep it (responses without a nonce only).
    pub max_age: Option<Duration>,
}

/// Counters, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OcspStats {
    /// Requests answered from the pre-signed map.
    pub hits: u64,
    /// Responses signed (misses, nonces, several CertIDs, unknown, refreshes).
    pub signed: u64,
    /// Entries in the pre-signed map.
    pub cached: usize,
}

/// The OCSP responder of one CA. Share it in an `Arc`; mount
/// [`OcspResponder::routes`]; spawn [`OcspResponder::run_refresher`].
pub struct OcspResponder {
    issuer: Certificate,
    responder: Certificate,
    signer: Arc<dyn Signer>,
    status: Arc<dyn StatusSource>,
    clock: Arc<dyn Clock>,
    config: OcspConfig,
    /// (hash, issuerNameHash, issuerKeyHash) for each CertID hash.
    issuer_hashes: Vec<(CertIdHash, Vec<u8>, Vec<u8>)>,
    cache: DashMap<CacheKey, Arc<Cached>>,
    /// Bumped by every invalidation.
    generation: AtomicU64,
    /// The generation at which each serial last changed (kept for
    /// [`CHANGE_MEMORY`]): a response signed from a status read before that
    /// is not cached.
    changed: DashMap<SerialKey, (u64, Instant)>,
    hits: AtomicU64,
    signed: AtomicU64,
}

impl std::fmt::Debug for OcspResponder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcspResponder")
            .field("config", &self.config)
            .field("cached", &self.cache.len())
            .finish_non_exhaustive()
    }
}

impl OcspResponder {
    /// A responder for the certificates of `issuer`, signing with `signer`
    /// under `responder` — the issuer itself, or a certificate the issuer
    /// signed with id-kp-OCSPSigning.
    pub fn new(
        issuer: Certificate,
        responder: Certificate,
        signer: Arc<dyn Signer>,
        status: Arc<dyn StatusSource>,
        clock: Arc<dyn Clock>,
        mut config: OcspConfig,
    ) -> Result<Self, PublishError> {
        if responder != issuer {
            pki::cert::verify_issued_by(&responder, &issuer)
                .map_err(|_| PublishError::ResponderCertificate("not issued by this CA"))?;
            let eku = pki::cert::extended_key_usage(&responder).unwrap_or_default();
            if !eku.contains(&pki::oids::KP_OCSP_SIGNING) {
                return Err(PublishError::ResponderCertificate(
                    "no id-kp-OCSPSigning extended key usage",
                ));
            }
        }
        let key = pki::cert::public_key(&responder)
            .map_err(|_| PublishError::ResponderCertificate("unreadable public key"))?;
        if key != *signer.verifying_key() {
            return Err(PublishError::ResponderCertificate(
                "the signing key is not the certificate's key",
            ));
        }
        if config.refresh_before >= config.validity {
            config.refresh_before = config.validity / 4;
        }
        let tbs = issuer.tbs_certificate();
        let name = tbs.subject().to_der().map_err(ocsp::OcspError::Encode)?;
        let key_bits = tbs.subject_public_key_info().subject_public_key.raw_bytes();
        let issuer_hashes = [
            CertIdHash::Sha1,
            CertIdHash::Streebog256,
            CertIdHash::Streebog512,
        ]
        .into_iter()
        .map(|h| (h, h.digest(&name), h.digest(key_bits)))
        .collect();
        Ok(OcspResponder {
            issuer,
            responder,
            signer,
            status,
            clock,
            config,
            issuer_hashes,
            cache: DashMap::new(),
            generation: AtomicU64::new(0),
            changed: DashMap::new(),
            hits: AtomicU64::new(0),
            signed: AtomicU64::new(0),
        })
    }

    /// The CA whose certificates this responder answers for.
    pub fn issuer(&self) -> &Certificate {
        &self.issuer
    }

    /// The counters.
    pub fn stats(&self) -> OcspStats {
        OcspStats {
            hits: self.hits.load(Ordering::Relaxed),
            signed: self.signed.load(Ordering::Relaxed),
            cached: self.cache.len(),
        }
    }

    /// Whether a CertID names this responder's CA.
    fn is_ours(&self, id: &CertId) -> bool {
        let Ok(hash) = CertIdHash::from_oid(&id.hash_algorithm.oid) else {
            return false;
        };
        self.issuer_hashes.iter().any(|(h, name, key)| {
            *h == hash
                && id.issuer_name_hash.as_bytes() == name.as_slice()
                && id.issuer_key_hash.as_bytes() == key.as_slice()
        })
    }

    /// The CertID of `serial` for the algorithm at `index` (as a client
    /// with that algorithm identifier writes it).
    fn cert_id(&self, index: u8, serial: SerialNumber) -> Result<CertId, ocsp::OcspError> {
        let alg = algorithm_identifier(index);
        let hash = ALGORITHMS[usize::from(index) % ALGORITHMS.len()].0;
        let (name, key) = self
            .issuer_hashes
            .iter()
            .find(|(h, _, _)| *h == hash)
            .map(|(_, n, k)| (n.clone(), k.clone()))
            .unwrap_or_default();
        Ok(CertId {
            hash_algorithm: alg,
            issuer_name_hash: OctetString::new(name).map_err(ocsp::OcspError::Encode)?,
            issuer_key_hash: OctetString::new(key).map_err(ocsp::OcspError::Encode)?,
            serial_number: serial,
        })
    }

    /// The largest request body accepted, in bytes.
    pub fn max_request_bytes(&self) -> usize {
        self.config.max_request_bytes
    }

    /// Answers a GET request (RFC 6960 A.1): `encoded` is the path after
    /// `{path}/`, percent-decoded — base64 of the DER OCSPRequest. The
    /// alphabet is standard base64, but clients that use the URL-safe one
    /// or drop the padding are served too; anything else (or a request
    /// over `max_request_bytes`) is a malformedRequest.
    pub async fn respond_get(&self, encoded: &str) -> Answer {
        use base64::Engine;
        use base64::engine::general_purpose::{
            STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
        };
        if encoded.len() > self.config.max_request_bytes.saturating_mul(4) / 3 + 4 {
            return error_answer(OcspErrorStatus::MalformedRequest);
        }
        let decoded = STANDARD
            .decode(encoded)
            .or_else(|_| STANDARD_NO_PAD.decode(encoded))
            .or_else(|_| URL_SAFE.decode(encoded))
            .or_else(|_| URL_SAFE_NO_PAD.decode(encoded));
        match decoded {
            Ok(der) if der.len() <= self.config.max_request_bytes => self.respond(&der).await,
            _ => error_answer(OcspErrorStatus::MalformedRequest),
        }
    }

    /// Answers a DER OCSPRequest.
    pub async fn respond(&self, request: &[u8]) -> Answer {
        match self.try_respond(request).await {
            Ok(answer) => answer,
            Err(status) => error_answer(status),
        }
    }

    async fn try_respond(&self, request: &[u8]) -> Result<Answer, OcspErrorStatus> {
        let req = ocsp::parse_request(request).map_err(|_| OcspErrorStatus::MalformedRequest)?;
        let ids: Vec<&CertId> = req.cert_ids().collect();
        if ids.is_empty() || ids.len() > self.config.max_cert_ids {
            return Err(OcspErrorStatus::MalformedRequest);
        }
        let nonce = match self.config.nonce {
            NoncePolicy::Echo => req.nonce(),
            NoncePolicy::Ignore => None,
        };
        if let Some(n) = &nonce
            && !(1..=32).contains(&n.len())
        {
            return Err(OcspErrorStatus::MalformedRequest);
        }
        if let ([id], None) = (ids.as_slice(), &nonce)
            && self.is_ours(id)
            && let Some(index) = algorithm_index(&id.hash_algorithm)
            && let Some(serial) = SerialKey::new(&id.serial_number)
        {
            let key = (index, serial);
            let now = self.clock.now();
            if let Some(hit) = self.cache.get(&key).map(|e| Arc::clone(e.value()))
                && now < hit.serve_until
            {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(cached_answer(&hit, now));
            }
            return self.fill(key, (*id).clone()).await;
        }
        self.sign_fresh(&ids, nonce).await
    }

    /// A miss: reads the status, signs, caches (unless unknown, or a status
    /// change came in meanwhile).
    async fn fill(&self, key: CacheKey, id: CertId) -> Result<Answer, OcspErrorStatus> {
        let generation = self.generation.load(Ordering::Acquire);
        let state = self
            .status
            .status(&id.serial_number)
            .await
            .map_err(|_| OcspErrorStatus::TryLater)?;
        let now = self.clock.now();
        let cached = self
            .sign_single(id, state, now)
            .map_err(|_| OcspErrorStatus::InternalError)?;
        if state == CertState::Unknown {
            // Not cached, and no HTTP cache lifetime either.
            return Ok(Answer {
                der: cached.der.clone(),
                max_age: None,
            });
        }
        let answer = cached_answer(&cached, now);
        self.insert_if_current(key, cached, generation);
        Ok(answer)
    }

    /// Caches `cached` unless its serial changed status after
    /// `generation` was read. The check runs under the entry's lock, which
    /// an invalidation takes after recording the change, so a response
    /// made from a status read before a revocation never stays cached.
    fn insert_if_current(&self, key: CacheKey, cached: Arc<Cached>, generation: u64) {
        let entry = self.cache.entry(key);
        let changed_since = self
            .changed
            .get(&key.1)
            .is_some_and(|c| c.value().0 > generation);
        if !changed_since {
            entry.insert(cached);
        }
    }

    fn sign_single(
        &self,
        id: CertId,
        state: CertState,
        now: SystemTime,
    ) -> Result<Arc<Cached>, ocsp::OcspError> {
        let next_update = now + self.config.validity;
        let builder = ResponseBuilder::new(&self.responder, now).respond(
            id,
            cert_status(state)?,
            now,
            Some(next_update),
        )?;
        let der = builder.build_der(self.signer.as_ref())?;
        self.signed.fetch_add(1, Ordering::Relaxed);
        let refresh_at = next_update - self.config.refresh_before;
        Ok(Arc::new(Cached {
            der: Bytes::from(der),
            next_update,
            refresh_at,
            serve_until: refresh_at + self.config.refresh_before / 2,
        }))
    }

    /// Several CertIDs, or a nonce: one freshly signed response.
    async fn sign_fresh(
        &self,
        ids: &[&CertId],
        nonce: Option<Vec<u8>>,
    ) -> Result<Answer, OcspErrorStatus> {
        let mut states = Vec::with_capacity(ids.len());
        for id in ids {
            let state = if self.is_ours(id) {
                self.status
                    .status(&id.serial_number)
                    .await
                    .map_err(|_| OcspErrorStatus::TryLater)?
            } else {
                CertState::Unknown
            };
            states.push(state);
        }
        let now = self.clock.now();
        let next_update = now + self.config.validity;
        let sign = || -> Result<Vec<u8>, ocsp::OcspError> {
            let mut builder = ResponseBuilder::new(&self.responder, now).nonce(nonce.clone());
            for (id, state) in ids.iter().zip(&states) {
                builder =
                    builder.respond((*id).clone(), cert_status(*state)?, now, Some(next_update))?;
            }
            builder.build_der(self.signer.as_ref())
        };
        let der = sign().map_err(|_| OcspErrorStatus::InternalError)?;
        self.signed.fetch_add(1, Ordering::Relaxed);
        Ok(Answer {
            der: Bytes::from(der),
            max_age: None,
        })
    }

    /// Drops the pre-signed responses of `serial` (every CertID hash).
    pub fn invalidate(&self, serial: &SerialNumber) {
        let Some(key) = SerialKey::new(serial) else {
            return;
        };
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        self.changed.insert(key, (generation, Instant::now()));
        for index in 0..ALGORITHMS.len() as u8 {
            self.cache.remove(&(index, key));
        }
    }

    /// Pre-signs the SHA-1 CertID response of every issued certificate
    /// (reading the status source page by page, signing on every core);
    /// returns how many were signed. Entries already cached and fresh are
    /// signed again.
    pub async fn presign(self: &Arc<Self>) -> Result<usize, PublishError> {
        const PAGE: usize = 20_000;
        let mut after: Option<SerialNumber> = None;
        let mut total = 0;
        loop {
            let generation = self.generation.load(Ordering::Acquire);
            let page = self.status.issued_page(after.as_ref(), PAGE).await?;
            let Some((last, _)) = page.last() else {
                break;
            };
            after = Some(last.clone());
            total += page.len();
            let this = Arc::clone(self);
            tokio::task::spawn_blocking(move || this.sign_page(page, generation))
                .await
                .map_err(|e| PublishError::Task(e.to_string()))??;
        }
        Ok(total)
    }

    /// Signs a page of (serial, state) on every available core and caches it.
    fn sign_page(
        &self,
        page: Vec<(SerialNumber, CertState)>,
        generation: u64,
    ) -> Result<(), PublishError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = page.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let workers: Vec<_> = page
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || -> Result<(), PublishError> {
                        for (serial, state) in part {
                            let Some(key) = SerialKey::new(serial) else {
                                continue;
                            };
                            let id = self.cert_id(SHA1_NULL, serial.clone())?;
                            let cached = self.sign_single(id, *state, self.clock.now())?;
                            self.insert_if_current((SHA1_NULL, key), cached, generation);
                        }
                        Ok(())
                    })
                })
                .collect();
            workers.into_iter().try_for_each(|w| {
                w.join()
                    .map_err(|_| PublishError::Task("a signing thread panicked".into()))?
            })
        })
    }

    /// Re-signs every cached response whose refresh time has come; returns
    /// how many.
    pub async fn refresh_due(&self) -> usize {
        // No status read in flight is older than this.
        self.changed
            .retain(|_, (_, at)| at.elapsed() < CHANGE_MEMORY);
        let now = self.clock.now();
        let due: Vec<CacheKey> = self
            .cache
            .iter()
            .filter(|e| e.value().refresh_at <= now)
            .map(|e| *e.key())
            .collect();
        let mut refreshed = 0;
        for (index, serial) in due {
            let generation = self.generation.load(Ordering::Acquire);
            let serial_number = serial.serial();
            let Ok(state) = self.status.status(&serial_number).await else {
                continue;
            };
            if state == CertState::Unknown {
                self.cache.remove(&(index, serial));
                continue;
            }
            let Ok(id) = self.cert_id(index, serial_number) else {
                continue;
            };
            if let Ok(cached) = self.sign_single(id, state, self.clock.now()) {
                self.insert_if_current((index, serial), cached, generation);
                refreshed += 1;
            }
            tokio::task::yield_now().await;
        }
        refreshed
    }

    /// Runs [`OcspResponder::refresh_due`] every eighth of
    /// `refresh_before` (at least every second, at most every minute), for
    /// as long as the task lives.
    pub async fn run_refresher(self: Arc<Self>) {
        let period =
            (self.config.refresh_before / 8).clamp(Duration::from_secs(1), Duration::from_secs(60));
        loop {
            tokio::time::sleep(period).await;
            self.refresh_due().await;
        }
    }

    /// The routes: `POST {path}` with an `application/ocsp-request` body and
    /// `GET {path}/{base64 of the DER request, URL-encoded}` (RFC 6960 A.1).
    pub fn routes(self: &Arc<Self>, path: &str) -> Router {
        let base = path.trim_end_matches('/');
        let mut router = Router::new()
            .route(&format!("{base}/"), post(post_request))
            .route(&format!("{base}/{{*request}}"), get(get_request));
        if !base.is_empty() {
            router = router.route(base, post(post_request));
        }
        router
            .layer(DefaultBodyLimit::max(self.config.max_request_bytes))
            .with_state(Arc::clone(self))
    }
}

impl StatusListener for OcspResponder {
    fn status_changed(&self, serial: &SerialNumber) {
        self.invalidate(serial);
    }
}

fn cert_status(state: CertState) -> Result<CertStatus, ocsp::OcspError> {
    Ok(match state {
        CertState::Good => CertStatus::Good(Null),
        CertState::Unknown => CertStatus::Unknown(Null),
        CertState::Revoked { time, reason } => CertStatus::Revoked(RevokedInfo {
            revocation_time: der::asn1::GeneralizedTime::from_system_time(time)
                .map_err(ocsp::OcspError::Encode)?,
            revocation_reason: reason,
        }),
    })
}

fn cached_answer(cached: &Cached, now: SystemTime) -> Answer {
    Answer {
        der: cached.der.clone(),
        max_age: Some(cached.next_update.duration_since(now).unwrap_or_default()),
    }
}

fn error_answer(status: OcspErrorStatus) -> Answer {
    // Five fixed bytes: SEQUENCE { ENUMERATED status }.
    let der = ocsp::error_response(status).to_der().unwrap_or_default();
    Answer {
        der: Bytes::from(der),
        max_age: None,
    }
}

/// Whether a Content-Type header names `expected` (parameters ignored).
pub(crate) fn has_content_type(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected))
}

async fn post_request(
    State(responder): State<Arc<OcspResponder>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !has_content_type(&headers, ocsp::CONTENT_TYPE_REQUEST) {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/ocsp-request\n",
        )
            .into_response();
    }
    http_answer(responder.respond(&body).await)
}

async fn get_request(
    State(responder): State<Arc<OcspResponder>>,
    Path(encoded): Path<String>,
) -> Response {
    http_answer(responder.respond_get(&encoded).await)
}

fn http_answer(answer: Answer) -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, ocsp::CONTENT_TYPE_RESPONSE)],
        answer.der,
    )
        .into_response();
    if let Some(value) = answer.max_age.and_then(cache_control) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

/// The Cache-Control header of a response HTTP caches may keep `max_age`
/// (RFC 5019 §6.2).
pub(crate) fn cache_control(max_age: Duration) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "max-age={}, public, no-transform, must-revalidate",
        max_age.as_secs()
    ))
    .ok()
}
