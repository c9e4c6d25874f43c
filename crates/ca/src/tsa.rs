//! The time-stamp authority (RFC 3161) as an axum route:
//! `application/timestamp-query` in, `application/timestamp-reply` out.
//!
//! Tokens are signed with the TSA's own certificate (extendedKeyUsage
//! id-kp-timeStamping only, critical) through an `Arc<dyn Signer>`. Imprints
//! may be Streebog-256, Streebog-512 or SHA-256 (the TSA never hashes the
//! data, it only checks the length). The token carries the configured
//! policy, the accuracy, the request's nonce, and the TSA certificate when
//! the request sets certReq. Serial numbers come from a [`SerialCounter`]:
//! strictly increasing, never reused across restarts ([`FileCounter`];
//! the store provides a database-backed one for several nodes).
//!
//! A request that cannot be served is answered with status rejection and
//! one failInfo bit: badDataFormat (not a TimeStampReq, imprint length
//! wrong), badRequest (version not 1), badAlg (other hash), unacceptedPolicy,
//! unacceptedExtension (any request extension), systemFailure (counter or
//! key failed).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use const_oid::ObjectIdentifier;
use pki::Signer;
use pki::oids;
use pki::tsp::{self, Accuracy, FailureInfo, TimeStampReq, TstInfo};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;

use crate::ocsp_responder::has_content_type;
use crate::publish_error::PublishError;
use crate::status::{BoxFuture, Clock};

/// id-sha256 (RFC 5754): accepted in imprints next to Streebog.
pub const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

/// The imprint hash algorithms accepted, with their output lengths.
const IMPRINT_ALGORITHMS: [(ObjectIdentifier, usize); 3] = [
    (oids::ID_TC26_GOST3411_12_256, 32),
    (oids::ID_TC26_GOST3411_12_512, 64),
    (SHA256, 32),
];

/// Where time-stamp serial numbers come from.
pub trait SerialCounter: Send + Sync {
    /// The next serial number: positive, strictly greater than every one
    /// returned before, also across restarts.
    fn next(&self) -> BoxFuture<'_, Result<u64, PublishError>>;
}

/// Serial numbers in memory, from `start` on (for tests; a restart would
/// reuse numbers).
#[derive(Debug)]
pub struct MemoryCounter(AtomicU64);

impl MemoryCounter {
    /// A counter whose first number is `start` (at least 1).
    pub fn new(start: u64) -> Self {
        MemoryCounter(AtomicU64::new(start.max(1)))
    }
}

impl SerialCounter for MemoryCounter {
    fn next(&self) -> BoxFuture<'_, Result<u64, PublishError>> {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        Box::pin(async move { Ok(n) })
    }
}

/// Serial numbers persisted in a file, reserved a block at a time: the
/// file holds a number above every serial handed out, written (to a
/// temporary file, synced, renamed) before a new block is used. After a
/// crash numbers continue from the file's, skipping the rest of the block
/// but never repeating one.
#[derive(Debug)]
pub struct FileCounter {
    path: PathBuf,
    block: u64,
    /// (next to hand out, first not yet reserved).
    state: Mutex<(u64, u64)>,
}

impl FileCounter {
    /// The default block: one file write per this many time-stamps.
    pub const DEFAULT_BLOCK: u64 = 1000;

    /// Opens (or, when missing, starts at 1) the counter file at `path`.
    pub fn open(path: impl Into<PathBuf>, block: u64) -> Result<Self, PublishError> {
        let path = path.into();
        let start = match std::fs::read_to_string(&path) {
            Ok(text) => text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or(PublishError::SerialStoreCorrupt)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 1,
            Err(e) => return Err(e.into()),
        };
        Ok(FileCounter {
            path,
            block: block.max(1),
            state: Mutex::new((start, start)),
        })
    }

    fn take(&self) -> Result<u64, PublishError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (next, reserved) = *state;
        let next_after = next
            .checked_add(1)
            .ok_or(PublishError::SerialStoreCorrupt)?;
        if next >= reserved {
            let limit = next
                .checked_add(self.block)
                .ok_or(PublishError::SerialStoreCorrupt)?;
            persist(&self.path, limit)?;
            state.1 = limit;
        }
        state.0 = next_after;
        Ok(next)
    }
}

/// Writes `value` to `path` so that a crash leaves either the old or the
/// new number: a synced temporary file renamed over it, then the directory
/// synced.
fn persist(path: &Path, value: u64) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp)?;
    writeln!(file, "{value}")?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

impl SerialCounter for FileCounter {
    fn next(&self) -> BoxFuture<'_, Result<u64, PublishError>> {
        // A file write happens once per block; the lock is held for it.
        let n = self.take();
        Box::pin(async move { n })
    }
}

/// How the TSA stamps.
#[derive(Debug, Clone)]
pub struct TsaConfig {
    /// The policy of every token (TSAPolicyId).
    pub policy: ObjectIdentifier,
    /// Other policies a request may ask for (its token then names that one).
    pub other_policies: Vec<ObjectIdentifier>,
    /// The accuracy stated in tokens (1 second by default; `None` leaves it out).
    pub accuracy: Option<Accuracy>,
    /// Whether tokens name the TSA (its certificate's subject).
    pub include_tsa_name: bool,
    /// The largest request body accepted, in bytes (4 KiB by default).
    pub max_request_bytes: usize,
}

impl TsaConfig {
    /// Defaults with this policy.
    pub fn new(policy: ObjectIdentifier) -> Self {
        TsaConfig {
            policy,
            other_policies: Vec::new(),
            accuracy: Some(Accuracy {
                seconds: Some(1),
                millis: None,
                micros: None,
            }),
            include_tsa_name: true,
            max_request_bytes: 4096,
        }
    }
}

/// The time-stamp authority. Share it in an `Arc`; mount [`Tsa::routes`].
pub struct Tsa {
    cert: Certificate,
    signer: Arc<dyn Signer>,
    serials: Arc<dyn SerialCounter>,
    clock: Arc<dyn Clock>,
    config: TsaConfig,
}

impl std::fmt::Debug for Tsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tsa")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Tsa {
    /// A TSA signing with `signer` under `cert`, whose extendedKeyUsage must
    /// be id-kp-timeStamping alone and critical (RFC 3161 §2.3).
    pub fn new(
        cert: Certificate,
        signer: Arc<dyn Signer>,
        serials: Arc<dyn SerialCounter>,
        clock: Arc<dyn Clock>,
        config: TsaConfig,
    ) -> Result<Self, PublishError> {
        let eku = pki::cert::extension(&cert, &const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE);
        if !eku.is_some_and(|e| e.critical) {
            return Err(PublishError::TsaCertificate(
                "no critical extendedKeyUsage extension",
            ));
        }
        if pki::cert::extended_key_usage(&cert).as_deref() != Some(&[oids::KP_TIME_STAMPING][..]) {
            return Err(PublishError::TsaCertificate(
                "extendedKeyUsage is not id-kp-timeStamping alone",
            ));
        }
        let key = pki::cert::public_key(&cert)
            .map_err(|_| PublishError::TsaCertificate("unreadable public key"))?;
        if key != *signer.verifying_key() {
            return Err(PublishError::TsaCertificate(
                "the signing key is not the certificate's key",
            ));
        }
        Ok(Tsa {
            cert,
            signer,
            serials,
            clock,
            config,
        })
    }

    /// Answers a DER TimeStampReq with a DER TimeStampResp.
    pub async fn respond(&self, request: &[u8]) -> Bytes {
        let der = match self.stamp(request).await {
            Ok(token) => tsp::granted_response(&token),
            Err((fail, text)) => tsp::rejection_response(fail, text),
        };
        // PKIStatusInfo { rejection } alone, should encoding itself fail.
        Bytes::from(der.unwrap_or_else(|_| vec![0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02]))
    }

    async fn stamp(&self, request: &[u8]) -> Result<Vec<u8>, (FailureInfo, &'static str)> {
        let req = TimeStampReq::from_der_bytes(request)
            .map_err(|_| (FailureInfo::BadDataFormat, "not a DER TimeStampReq"))?;
        if req.version != 1 {
            return Err((FailureInfo::BadRequest, "version must be 1"));
        }
        let imprint = &req.message_imprint;
        let Some((_, len)) = IMPRINT_ALGORITHMS
            .iter()
            .find(|(oid, _)| *oid == imprint.hash_algorithm.oid)
        else {
            return Err((
                FailureInfo::BadAlg,
                "hash algorithm not accepted: use Streebog-256, Streebog-512 or SHA-256",
            ));
        };
        let params_ok = imprint
            .hash_algorithm
            .parameters
            .as_ref()
            .is_none_or(|p| der::Tagged::tag(p) == der::Tag::Null && p.value().is_empty());
        if !params_ok || imprint.hashed_message.as_bytes().len() != *len {
            return Err((
                FailureInfo::BadDataFormat,
                "the imprint does not fit its hash algorithm",
            ));
        }
        let policy = match req.req_policy {
            None => self.config.policy,
            Some(p) if p == self.config.policy || self.config.other_policies.contains(&p) => p,
            Some(_) => return Err((FailureInfo::UnacceptedPolicy, "policy not served")),
        };
        if req.extensions.as_ref().is_some_and(|e| !e.is_empty()) {
            return Err((
                FailureInfo::UnacceptedExtension,
                "request extensions are not supported",
            ));
        }
        let serial = self
            .serials
            .next()
            .await
            .map_err(|_| (FailureInfo::SystemFailure, "serial number unavailable"))?;
        let system = |_| (FailureInfo::SystemFailure, "the token could not be made");
        let mut info = TstInfo::new(
            policy,
            req.message_imprint.clone(),
            serial,
            self.clock.now(),
            self.config.accuracy,
            req.nonce.clone(),
        )
        .map_err(system)?;
        if self.config.include_tsa_name {
            info.tsa = Some(GeneralName::DirectoryName(
                self.cert.tbs_certificate().subject().clone(),
            ));
        }
        tsp::sign_token(&info, self.signer.as_ref(), &self.cert, req.cert_req)
            .map_err(|_| (FailureInfo::SystemFailure, "the token could not be signed"))
    }

    /// The route `POST {path}` with an `application/timestamp-query` body.
    pub fn routes(self: &Arc<Self>, path: &str) -> Router {
        Router::new()
            .route(path, post(post_request))
            .layer(DefaultBodyLimit::max(self.config.max_request_bytes))
            .with_state(Arc::clone(self))
    }
}

async fn post_request(State(tsa): State<Arc<Tsa>>, headers: HeaderMap, body: Bytes) -> Response {
    if !has_content_type(&headers, tsp::REQUEST_CONTENT_TYPE) {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/timestamp-query\n",
        )
            .into_response();
    }
    (
        [(header::CONTENT_TYPE, tsp::RESPONSE_CONTENT_TYPE)],
        tsa.respond(&body).await,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<T>(mut f: BoxFuture<'_, T>) -> T {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("not ready"),
        }
    }

    #[test]
    fn file_counter_never_repeats_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tsa-serial");
        let mut seen = Vec::new();
        for _ in 0..3 {
            // Each round is a process that dies without any shutdown.
            let counter = FileCounter::open(&path, 4).unwrap();
            for _ in 0..6 {
                seen.push(block(counter.next()).unwrap());
            }
        }
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        assert_eq!(seen[0], 1);
        // The file is ahead of every number handed out.
        let stored: u64 = std::fs::read_to_string(&path)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(stored > *seen.last().unwrap());
    }

    #[test]
    fn damaged_counter_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tsa-serial");
        for bad in ["", "abc", "0", "-5"] {
            std::fs::write(&path, bad).unwrap();
            assert!(matches!(
                FileCounter::open(&path, 10),
                Err(PublishError::SerialStoreCorrupt)
            ));
        }
    }
}
