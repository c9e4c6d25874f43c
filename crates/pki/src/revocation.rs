//! Revocation checking for path validation: is a certificate revoked at a
//! given time, by OCSP first and CRLs second, from evidence supplied by the
//! caller or fetched through a [`RevocationSource`].
//!
//! Rules, kept simple and stated once:
//! * a certificate counts as revoked when its revocation time is at or
//!   before `at` (whatever the reason; a signature made before revocation
//!   stays valid);
//! * a CRL is usable when its issuer name and signature match the issuer
//!   certificate, it has no critical extension this crate does not process,
//!   and it is not stale at `at` (nextUpdate after `at`);
//! * with no usable evidence the policy decides: fail-closed (default)
//!   returns an error, fail-open an `Unchecked` outcome with warnings.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use der::Encode;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::DistributionPointName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, CrlDistributionPoints};
use x509_cert::name::Name;

use crate::cert::subject_key_id;
use crate::crl::{Crl, CrlError, CrlReason, parse_crl, reason_name};
use crate::diagnostic::Diagnostic;
use crate::ocsp::{
    self, CertId, CertIdHash, OcspCertStatus, OcspError, OcspPolicy, RequestBuilder,
};
use crate::oids;

/// What to do when revocation cannot be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailureMode {
    /// Refuse: [`RevocationError::Unavailable`] (ETSI TRY_LATER).
    #[default]
    FailClosed,
    /// Accept with a warning: [`RevocationStatus::Unchecked`].
    FailOpen,
}

/// Which evidence to try first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preference {
    /// OCSP, then CRLs.
    #[default]
    OcspFirst,
    /// CRLs, then OCSP.
    CrlFirst,
}

/// How revocation is checked.
#[derive(Debug, Clone)]
pub struct RevocationPolicy {
    /// Fail closed (default) or open.
    pub mode: FailureMode,
    /// Which evidence first.
    pub prefer: Preference,
    /// The oldest OCSP response accepted when it has no nextUpdate.
    pub ocsp_max_age: Duration,
    /// Clock skew tolerated on OCSP times.
    pub clock_tolerance: Duration,
    /// Whether a fetched OCSP response must echo our nonce.
    pub require_ocsp_nonce: bool,
    /// OCSP responders trusted directly (like OpenSSL's `-VAfile`).
    pub trusted_responders: Vec<Certificate>,
}

impl Default for RevocationPolicy {
    fn default() -> Self {
        let ocsp = OcspPolicy::default();
        RevocationPolicy {
            mode: FailureMode::FailClosed,
            prefer: Preference::OcspFirst,
            ocsp_max_age: ocsp.max_age,
            clock_tolerance: ocsp.clock_tolerance,
            require_ocsp_nonce: ocsp.require_nonce,
            trusted_responders: Vec::new(),
        }
    }
}

impl RevocationPolicy {
    fn ocsp_policy(&self) -> OcspPolicy {
        OcspPolicy {
            clock_tolerance: self.clock_tolerance,
            max_age: self.ocsp_max_age,
            require_nonce: self.require_ocsp_nonce,
            trusted_responders: self.trusted_responders.clone(),
        }
    }
}

/// A network (or other) failure of a [`RevocationSource`].
#[derive(Debug, thiserror::Error)]
#[error("fetching revocation data failed: {0}")]
pub struct FetchError(pub Box<dyn std::error::Error + Send + Sync>);

/// Where revocation data comes from when it was not supplied: the binary
/// implements this over HTTP; tests inject fixed answers.
pub trait RevocationSource: Send + Sync {
    /// The bytes (DER or PEM) of the CRL at `url`.
    fn fetch_crl(&self, url: &str) -> Result<Vec<u8>, FetchError>;
    /// POSTs a DER OCSP request to `url` and returns the DER response.
    fn fetch_ocsp(&self, url: &str, request_der: &[u8]) -> Result<Vec<u8>, FetchError>;
}

/// Where evidence came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceOrigin {
    /// Supplied by the caller.
    Supplied,
    /// Fetched from this URL.
    Fetched(String),
}

/// The evidence an outcome rests on, for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// A CRL.
    Crl {
        /// The CRL's issuer.
        issuer: Name,
        /// Its cRLNumber (big-endian), if any.
        number: Option<Vec<u8>>,
        /// thisUpdate.
        this_update: SystemTime,
        /// nextUpdate.
        next_update: Option<SystemTime>,
        /// Supplied or fetched.
        origin: EvidenceOrigin,
    },
    /// An OCSP response.
    Ocsp {
        /// producedAt.
        produced_at: SystemTime,
        /// thisUpdate of the single response.
        this_update: SystemTime,
        /// nextUpdate of the single response.
        next_update: Option<SystemTime>,
        /// The subject of the certificate that signed the response.
        responder: Name,
        /// Supplied or fetched.
        origin: EvidenceOrigin,
    },
}

/// A certificate's revocation status at the checked time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationStatus {
    /// Not revoked at that time.
    Good,
    /// Revoked at or before that time.
    Revoked {
        /// When.
        time: SystemTime,
        /// Why, if said.
        reason: Option<CrlReason>,
    },
    /// The OCSP responder does not know the certificate and no CRL decided.
    Unknown,
    /// Not checked (fail-open without usable evidence); see the warnings.
    Unchecked,
}

/// The result of a check.
#[derive(Debug)]
pub struct RevocationOutcome {
    /// The status.
    pub status: RevocationStatus,
    /// What it rests on (`None` for `Unchecked`).
    pub evidence: Option<Evidence>,
    /// Evidence that was tried and not usable.
    pub warnings: Vec<RevocationProblem>,
}

impl RevocationOutcome {
    /// `Err(CertRevoked)` for a revoked certificate, `Ok` otherwise.
    pub fn ensure_not_revoked(&self) -> Result<(), RevocationError> {
        match self.status {
            RevocationStatus::Revoked { time, reason } => {
                Err(RevocationError::Revoked { time, reason })
            }
            _ => Ok(()),
        }
    }
}

/// Evidence that was tried and could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationProblem {
    /// An OCSP response was refused.
    #[error("OCSP: {0}")]
    Ocsp(OcspError),
    /// A CRL was refused.
    #[error("CRL: {0}")]
    Crl(CrlError),
    /// The only CRL at hand had expired.
    #[error("the CRL expired at {next_update:?}")]
    StaleCrl {
        /// Its nextUpdate.
        next_update: Option<SystemTime>,
    },
    /// A CRL carries a critical extension this crate does not process.
    #[error("the CRL has an unsupported critical extension {0}")]
    UnsupportedCrl(const_oid::ObjectIdentifier),
    /// Fetching failed.
    #[error("{url}: {error}")]
    Fetch {
        /// What was fetched.
        url: String,
        /// Why it failed.
        error: FetchError,
    },
}

/// Why revocation checking refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// No usable evidence and the policy fails closed (ETSI TRY_LATER).
    #[error("revocation status unavailable")]
    Unavailable {
        /// What was tried.
        problems: Vec<RevocationProblem>,
    },
    /// The only evidence was a stale CRL.
    #[error("the CRL is stale")]
    StaleCrl {
        /// Its nextUpdate.
        next_update: Option<SystemTime>,
    },
    /// Evidence was refused for a reason that suggests tampering (bad
    /// signature, nonce mismatch, unauthorised responder, …).
    #[error("{0}")]
    Ocsp(OcspError),
    /// A CRL was refused (bad signature).
    #[error("{0}")]
    Crl(CrlError),
    /// The certificate is revoked (from [`RevocationOutcome::ensure_not_revoked`]).
    #[error("certificate revoked")]
    Revoked {
        /// When.
        time: SystemTime,
        /// Why, if said.
        reason: Option<CrlReason>,
    },
}

impl Diagnostic for RevocationError {
    fn code(&self) -> &'static str {
        match self {
            RevocationError::Unavailable { .. } => "REVOCATION_UNAVAILABLE",
            RevocationError::StaleCrl { .. } => "CRL_STALE",
            RevocationError::Ocsp(e) => e.code(),
            RevocationError::Crl(e) => e.code(),
            RevocationError::Revoked { .. } => "CERT_REVOKED",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            RevocationError::Unavailable { .. } => "Не удалось проверить статус отзыва сертификата: нет доступного ответа OCSP или действующего CRL. Повторите позже или приложите свежий CRL/ответ OCSP.".into(),
            RevocationError::StaleCrl { .. } => "Список отзыва (CRL) устарел: наступила дата nextUpdate. Скачайте свежий CRL из точки распространения УЦ.".into(),
            RevocationError::Ocsp(e) => e.message_ru(),
            RevocationError::Crl(e) => e.message_ru(),
            RevocationError::Revoked { reason, .. } => format!(
                "Сертификат отозван УЦ (причина: {}). Подпись этим сертификатом недействительна; получите новый сертификат.",
                reason_name(reason.unwrap_or(CrlReason::Unspecified))
            ),
        }
    }

    fn message_en(&self) -> String {
        match self {
            RevocationError::Unavailable { .. } => "The certificate's revocation status could not be checked: no OCSP answer or current CRL is available. Try again later or supply a fresh CRL/OCSP response.".into(),
            RevocationError::StaleCrl { .. } => "The CRL is stale: its nextUpdate has passed. Download a fresh CRL from the CA's distribution point.".into(),
            RevocationError::Ocsp(e) => e.message_en(),
            RevocationError::Crl(e) => e.message_en(),
            RevocationError::Revoked { reason, .. } => format!(
                "The certificate was revoked by its CA (reason: {}). Signatures with it are not valid; get a new certificate.",
                reason_name(reason.unwrap_or(CrlReason::Unspecified))
            ),
        }
    }
}

/// A cache key: the issuer name's DER and the authorityKeyIdentifier.
type IssuerKey = (Vec<u8>, Option<Vec<u8>>);

/// CRLs by issuer (name DER + authorityKeyIdentifier), newest kept.
#[derive(Debug, Default)]
struct CrlCache {
    by_issuer: HashMap<IssuerKey, (Crl, EvidenceOrigin)>,
}

impl CrlCache {
    fn key(name: &Name, aki: Option<&[u8]>) -> IssuerKey {
        (name.to_der().unwrap_or_default(), aki.map(<[u8]>::to_vec))
    }

    fn insert(&mut self, crl: Crl, origin: EvidenceOrigin) {
        let key = Self::key(crl.issuer(), crl.authority_key_id());
        match self.by_issuer.get(&key) {
            Some((old, _)) if old.this_update() >= crl.this_update() => {}
            _ => {
                self.by_issuer.insert(key, (crl, origin));
            }
        }
    }

    /// The CRL for `issuer`, matched by name and key identifier (or by
    /// name alone for CRLs without AKI).
    fn find(&self, issuer: &Certificate) -> Option<&(Crl, EvidenceOrigin)> {
        let name = issuer.tbs_certificate().subject();
        let ski = subject_key_id(issuer);
        self.by_issuer
            .get(&Self::key(name, ski.as_deref()))
            .or_else(|| self.by_issuer.get(&Self::key(name, None)))
    }

    fn drop_for(&mut self, issuer: &Certificate) {
        let name = issuer.tbs_certificate().subject();
        let ski = subject_key_id(issuer);
        self.by_issuer.remove(&Self::key(name, ski.as_deref()));
        self.by_issuer.remove(&Self::key(name, None));
    }
}

/// Checks revocation from supplied CRLs and OCSP responses and, when
/// those do not decide, from a [`RevocationSource`].
pub struct RevocationChecker {
    policy: RevocationPolicy,
    crls: Mutex<CrlCache>,
    ocsp_responses: Vec<Vec<u8>>,
    source: Option<Arc<dyn RevocationSource>>,
}

impl std::fmt::Debug for RevocationChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationChecker")
            .field("policy", &self.policy)
            .field("ocsp_responses", &self.ocsp_responses.len())
            .field("source", &self.source.is_some())
            .finish_non_exhaustive()
    }
}

enum Decision {
    Found(RevocationStatus, Evidence),
    Unknown(Evidence),
    None,
}

impl RevocationChecker {
    /// A checker with no evidence and no source.
    pub fn new(policy: RevocationPolicy) -> Self {
        RevocationChecker {
            policy,
            crls: Mutex::new(CrlCache::default()),
            ocsp_responses: Vec::new(),
            source: None,
        }
    }

    /// Fetches what was not supplied through `source`.
    pub fn with_source(mut self, source: Arc<dyn RevocationSource>) -> Self {
        self.source = Some(source);
        self
    }

    /// Supplies a parsed CRL (kept per issuer, the newest wins).
    pub fn add_crl(&mut self, crl: Crl) {
        self.cache().insert(crl, EvidenceOrigin::Supplied);
    }

    /// Supplies a CRL in DER or PEM.
    pub fn add_crl_bytes(&mut self, bytes: &[u8]) -> Result<(), CrlError> {
        self.add_crl(parse_crl(bytes)?);
        Ok(())
    }

    /// Supplies a DER OCSP response (e.g. stapled or embedded in a signature).
    pub fn add_ocsp_response(&mut self, der: Vec<u8>) {
        self.ocsp_responses.push(der);
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, CrlCache> {
        self.crls.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The revocation status of `cert`, issued by `issuer`, at `at`.
    pub fn check(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        at: SystemTime,
    ) -> Result<RevocationOutcome, RevocationError> {
        let mut problems = Vec::new();
        let order = match self.policy.prefer {
            Preference::OcspFirst => [true, false],
            Preference::CrlFirst => [false, true],
        };
        let mut unknown = None;
        for use_ocsp in order {
            let decision = if use_ocsp {
                self.by_ocsp(cert, issuer, at, &mut problems)
            } else {
                self.by_crl(cert, issuer, at, &mut problems)
            };
            match decision {
                Decision::Found(status, evidence) => {
                    return Ok(RevocationOutcome {
                        status,
                        evidence: Some(evidence),
                        warnings: problems,
                    });
                }
                Decision::Unknown(evidence) => unknown = unknown.or(Some(evidence)),
                Decision::None => {}
            }
        }
        if let Some(evidence) = unknown {
            return Ok(RevocationOutcome {
                status: RevocationStatus::Unknown,
                evidence: Some(evidence),
                warnings: problems,
            });
        }
        match self.policy.mode {
            FailureMode::FailOpen => Ok(RevocationOutcome {
                status: RevocationStatus::Unchecked,
                evidence: None,
                warnings: problems,
            }),
            FailureMode::FailClosed => Err(closed_error(problems)),
        }
    }

    fn by_ocsp(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        at: SystemTime,
        problems: &mut Vec<RevocationProblem>,
    ) -> Decision {
        let serial = cert.tbs_certificate().serial_number();
        let policy = self.policy.ocsp_policy();
        for der in &self.ocsp_responses {
            match ocsp::verify_response(der, issuer, serial, None, at, &policy) {
                Ok(st) => return ocsp_decision(st, at, EvidenceOrigin::Supplied),
                // A supplied response about another certificate is not a problem.
                Err(OcspError::WrongCertificate) => {}
                Err(e) => problems.push(RevocationProblem::Ocsp(e)),
            }
        }
        let Some(source) = &self.source else {
            return Decision::None;
        };
        for url in ocsp_urls(cert) {
            let request = CertId::for_certificate(issuer, cert, CertIdHash::Sha1).and_then(|id| {
                let builder = RequestBuilder::new().cert_id(id).random_nonce()?;
                Ok((
                    builder.build_der()?,
                    builder.nonce_value().map(<[u8]>::to_vec),
                ))
            });
            let (request, nonce) = match request {
                Ok(r) => r,
                Err(e) => {
                    problems.push(RevocationProblem::Ocsp(e));
                    continue;
                }
            };
            match source.fetch_ocsp(&url, &request) {
                Ok(der) => {
                    match ocsp::verify_response(&der, issuer, serial, nonce.as_deref(), at, &policy)
                    {
                        Ok(st) => return ocsp_decision(st, at, EvidenceOrigin::Fetched(url)),
                        Err(e) => problems.push(RevocationProblem::Ocsp(e)),
                    }
                }
                Err(error) => problems.push(RevocationProblem::Fetch { url, error }),
            }
        }
        Decision::None
    }

    fn by_crl(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        at: SystemTime,
        problems: &mut Vec<RevocationProblem>,
    ) -> Decision {
        let cached = self.cache().find(issuer).cloned();
        if let Some((crl, origin)) = cached {
            match usable(&crl, issuer, at) {
                Ok(()) => return crl_decision(&crl, cert, at, origin),
                Err(p) => {
                    // Stale or forged: not kept.
                    self.cache().drop_for(issuer);
                    problems.push(p);
                }
            }
        }
        let Some(source) = &self.source else {
            return Decision::None;
        };
        for url in crl_urls(cert) {
            match source.fetch_crl(&url) {
                Ok(bytes) => match parse_crl(&bytes) {
                    Ok(crl) => match usable(&crl, issuer, at) {
                        Ok(()) => {
                            let origin = EvidenceOrigin::Fetched(url);
                            let decision = crl_decision(&crl, cert, at, origin.clone());
                            self.cache().insert(crl, origin);
                            return decision;
                        }
                        Err(p) => problems.push(p),
                    },
                    Err(e) => problems.push(RevocationProblem::Crl(e)),
                },
                Err(error) => problems.push(RevocationProblem::Fetch { url, error }),
            }
        }
        Decision::None
    }
}

fn usable(crl: &Crl, issuer: &Certificate, at: SystemTime) -> Result<(), RevocationProblem> {
    crl.verify_signature(issuer)
        .map_err(RevocationProblem::Crl)?;
    if let Some(oid) = crl.unsupported_critical_extensions().first() {
        return Err(RevocationProblem::UnsupportedCrl(*oid));
    }
    if crl.is_stale(at) {
        return Err(RevocationProblem::StaleCrl {
            next_update: crl.next_update(),
        });
    }
    Ok(())
}

fn crl_decision(crl: &Crl, cert: &Certificate, at: SystemTime, origin: EvidenceOrigin) -> Decision {
    let evidence = Evidence::Crl {
        issuer: crl.issuer().clone(),
        number: crl.number().map(<[u8]>::to_vec),
        this_update: crl.this_update(),
        next_update: crl.next_update(),
        origin,
    };
    let status = match crl.lookup(cert.tbs_certificate().serial_number()) {
        // removeFromCRL entries (delta CRLs) do not revoke.
        Some(e) if e.revocation_date <= at && e.reason != Some(CrlReason::RemoveFromCRL) => {
            RevocationStatus::Revoked {
                time: e.revocation_date,
                reason: e.reason,
            }
        }
        _ => RevocationStatus::Good,
    };
    Decision::Found(status, evidence)
}

fn ocsp_decision(st: ocsp::OcspStatus, at: SystemTime, origin: EvidenceOrigin) -> Decision {
    let evidence = Evidence::Ocsp {
        produced_at: st.produced_at,
        this_update: st.this_update,
        next_update: st.next_update,
        responder: st.responder.tbs_certificate().subject().clone(),
        origin,
    };
    match st.status {
        OcspCertStatus::Good => Decision::Found(RevocationStatus::Good, evidence),
        OcspCertStatus::Revoked { time, reason } if time <= at => {
            Decision::Found(RevocationStatus::Revoked { time, reason }, evidence)
        }
        OcspCertStatus::Revoked { .. } => Decision::Found(RevocationStatus::Good, evidence),
        OcspCertStatus::Unknown => Decision::Unknown(evidence),
    }
}

/// The error of a fail-closed check: a refusal that suggests tampering
/// first, then a stale CRL, else "unavailable".
fn closed_error(mut problems: Vec<RevocationProblem>) -> RevocationError {
    let hard = problems.iter().position(|p| match p {
        RevocationProblem::Ocsp(e) => matches!(
            e,
            OcspError::BadSignature(_)
                | OcspError::NonceMismatch
                | OcspError::ResponderNotAuthorized(_)
                | OcspError::WrongCertificate
        ),
        RevocationProblem::Crl(e) => matches!(e, CrlError::BadSignature(_)),
        _ => false,
    });
    if let Some(i) = hard {
        return match problems.swap_remove(i) {
            RevocationProblem::Ocsp(e) => RevocationError::Ocsp(e),
            RevocationProblem::Crl(e) => RevocationError::Crl(e),
            _ => RevocationError::Unavailable { problems },
        };
    }
    if problems.len() == 1
        && let Some(RevocationProblem::StaleCrl { next_update }) = problems.first()
    {
        return RevocationError::StaleCrl {
            next_update: *next_update,
        };
    }
    RevocationError::Unavailable { problems }
}

fn uri(name: &GeneralName) -> Option<String> {
    match name {
        GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
        _ => None,
    }
}

/// The OCSP URLs of a certificate's authorityInfoAccess.
pub fn ocsp_urls(cert: &Certificate) -> Vec<String> {
    match cert
        .tbs_certificate()
        .get_extension::<AuthorityInfoAccessSyntax>()
    {
        Ok(Some((_, aia))) => aia
            .0
            .iter()
            .filter(|d| d.access_method == oids::AD_OCSP)
            .filter_map(|d| uri(&d.access_location))
            .collect(),
        _ => Vec::new(),
    }
}

/// The CRL URLs of a certificate's cRLDistributionPoints (full names only).
pub fn crl_urls(cert: &Certificate) -> Vec<String> {
    match cert
        .tbs_certificate()
        .get_extension::<CrlDistributionPoints>()
    {
        Ok(Some((_, dps))) => dps
            .0
            .iter()
            .filter_map(|dp| match &dp.distribution_point {
                Some(DistributionPointName::FullName(names)) => Some(names),
                _ => None,
            })
            .flatten()
            .filter_map(uri)
            .collect(),
        _ => Vec::new(),
    }
}
