//! Revocation checking: OCSP first, CRL fallback, supplied and fetched
//! evidence, fail-closed and fail-open, one negative test per rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod revocation_support;
mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use pki::Diagnostic;
use pki::crl::{CrlBuilder, CrlReason, RevokedEntry};
use pki::ocsp::{CertId, CertIdHash, ResponseBuilder, parse_request};
use pki::revocation::{
    Evidence, EvidenceOrigin, FailureMode, FetchError, Preference, RevocationChecker,
    RevocationError, RevocationPolicy, RevocationProblem, RevocationSource, RevocationStatus,
    crl_urls, ocsp_urls,
};
use revocation_support::{Issued, LEAF_EXT, Pki, RESPONDER_EXT};

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86400);

struct Ca {
    pki: Pki,
    leaf: Issued,
    revoked: Issued,
    responder: Issued,
    now: SystemTime,
    revoked_at: SystemTime,
}

fn ca() -> Ca {
    let pki = Pki::new("gost2012_256", "Revocation CA");
    let leaf = pki.issue("leaf", "1001", LEAF_EXT);
    let revoked = pki.issue("revoked", "1002", LEAF_EXT);
    let responder = pki.issue("responder", "2001", RESPONDER_EXT);
    let now = SystemTime::now();
    Ca {
        pki,
        leaf,
        revoked,
        responder,
        now,
        revoked_at: now - 2 * HOUR,
    }
}

impl Ca {
    fn crl(&self, this: SystemTime, next: SystemTime) -> Vec<u8> {
        CrlBuilder::new(&self.pki.ca.cert, this)
            .next_update(next)
            .number(7)
            .revoke(RevokedEntry::new(
                self.revoked.serial(),
                self.revoked_at,
                CrlReason::KeyCompromise,
            ))
            .build_der(&self.pki.ca.signer)
            .unwrap()
    }

    fn fresh_crl(&self) -> Vec<u8> {
        self.crl(self.now - HOUR, self.now + DAY)
    }

    fn ocsp(&self, cert: &Issued, nonce: Option<Vec<u8>>) -> Vec<u8> {
        let id = CertId::for_certificate(&self.pki.ca.cert, &cert.cert, CertIdHash::Sha1).unwrap();
        let b = ResponseBuilder::new(&self.responder.cert, self.now).nonce(nonce);
        let b = if cert.serial() == self.revoked.serial() {
            b.revoked(
                id,
                self.revoked_at,
                Some(CrlReason::KeyCompromise),
                self.now,
                Some(self.now + DAY),
            )
        } else {
            b.good(id, self.now, Some(self.now + DAY))
        };
        b.unwrap().build_der(&self.responder.signer).unwrap()
    }
}

fn policy(mode: FailureMode) -> RevocationPolicy {
    RevocationPolicy {
        mode,
        ..RevocationPolicy::default()
    }
}

#[derive(Default)]
struct Source {
    crls: HashMap<String, Vec<u8>>,
    /// Answers OCSP requests for the CA, echoing the nonce (or a wrong one).
    ocsp: Option<(Arc<Ca>, bool)>,
    calls: Mutex<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
#[error("no route to {0}")]
struct Offline(String);

impl RevocationSource for Source {
    fn fetch_crl(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        self.calls.lock().unwrap().push(format!("crl {url}"));
        self.crls
            .get(url)
            .cloned()
            .ok_or_else(|| FetchError(Box::new(Offline(url.into()))))
    }

    fn fetch_ocsp(&self, url: &str, request_der: &[u8]) -> Result<Vec<u8>, FetchError> {
        self.calls.lock().unwrap().push(format!("ocsp {url}"));
        let Some((ca, honest)) = &self.ocsp else {
            return Err(FetchError(Box::new(Offline(url.into()))));
        };
        let req = parse_request(request_der).unwrap();
        let mut nonce = req.nonce().unwrap();
        if !honest {
            nonce[0] ^= 0xff;
        }
        let id = req.cert_ids().next().unwrap();
        let cert = if id.matches(&ca.pki.ca.cert, &ca.revoked.serial()).unwrap() {
            &ca.revoked
        } else {
            &ca.leaf
        };
        Ok(ca.ocsp(cert, Some(nonce)))
    }
}

#[test]
fn urls_come_from_aia_and_crl_dp() {
    let ca = ca();
    assert_eq!(ocsp_urls(&ca.leaf.cert), ["http://ocsp.test/ocsp"]);
    assert_eq!(crl_urls(&ca.leaf.cert), ["http://crl.test/ca.crl"]);
    assert!(ocsp_urls(&ca.pki.ca.cert).is_empty());
}

#[test]
fn revoked_by_crl_and_good_before_revocation() {
    let ca = ca();
    let mut checker = RevocationChecker::new(RevocationPolicy::default());
    checker.add_crl_bytes(&ca.fresh_crl()).unwrap();
    let out = checker
        .check(&ca.revoked.cert, &ca.pki.ca.cert, ca.now)
        .unwrap();
    assert!(matches!(
        out.status,
        RevocationStatus::Revoked {
            reason: Some(CrlReason::KeyCompromise),
            ..
        }
    ));
    match &out.evidence {
        Some(Evidence::Crl { number, origin, .. }) => {
            assert_eq!(number.as_deref(), Some(&[7u8][..]));
            assert_eq!(origin, &EvidenceOrigin::Supplied);
        }
        other => panic!("{other:?}"),
    }
    let err = out.ensure_not_revoked().unwrap_err();
    assert_eq!(err.code(), "CERT_REVOKED");
    assert!(err.message_ru().contains("keyCompromise") && err.message_en().contains("revoked"));
    // A signature made before the revocation: good at that time.
    let before = checker
        .check(&ca.revoked.cert, &ca.pki.ca.cert, ca.now - 3 * HOUR)
        .unwrap();
    assert_eq!(before.status, RevocationStatus::Good);
    // The other certificate is not listed.
    let out = checker
        .check(&ca.leaf.cert, &ca.pki.ca.cert, ca.now)
        .unwrap();
    assert_eq!(out.status, RevocationStatus::Good);
    out.ensure_not_revoked().unwrap();
}

#[test]
fn revoked_by_supplied_ocsp_before_crl() {
    let ca = ca();
    let mut checker = RevocationChecker::new(RevocationPolicy::default());
    checker.add_ocsp_response(ca.ocsp(&ca.leaf, None));
    checker.add_ocsp_response(ca.ocsp(&ca.revoked, None));
    // A CRL saying nothing about 1002 is not consulted: OCSP comes first.
    let empty_crl = CrlBuilder::new(&ca.pki.ca.cert, ca.now - HOUR)
        .next_update(ca.now + DAY)
        .build_der(&ca.pki.ca.signer)
        .unwrap();
    checker.add_crl_bytes(&empty_crl).unwrap();
    let out = checker
        .check(&ca.revoked.cert, &ca.pki.ca.cert, ca.now)
        .unwrap();
    assert!(matches!(
        out.status,
        RevocationStatus::Revoked {
            reason: Some(CrlReason::KeyCompromise),
            ..
        }
    ));
    assert!(
        matches!(&out.evidence, Some(Evidence::Ocsp { responder, .. }) if responder == ca.responder.cert.tbs_certificate().subject())
    );
    assert_eq!(
        checker
            .check(&ca.leaf.cert, &ca.pki.ca.cert, ca.now)
            .unwrap()
            .status,
        RevocationStatus::Good
    );
    // CRL first: the (empty) CRL decides.
    let mut crl_first = RevocationChecker::new(RevocationPolicy {
        prefer: Preference::CrlFirst,
        ..RevocationPolicy::default()
    });
    crl_first.add_ocsp_response(ca.ocsp(&ca.revoked, None));
    crl_first.add_crl_bytes(&empty_crl).unwrap();
    let out = crl_first
        .check(&ca.revoked.cert, &ca.pki.ca.cert, ca.now)
        .unwrap();
    assert_eq!(out.status, RevocationStatus::Good);
    assert!(matches!(out.evidence, Some(Evidence::Crl { .. })));
}

#[test]
fn fetches_ocsp_with_a_nonce_then_falls_back_to_a_fetched_crl() {
    let ca = Arc::new(ca());
    let source = Arc::new(Source {
        ocsp: Some((ca.clone(), true)),
        ..Source::default()
    });
    let checker = RevocationChecker::new(RevocationPolicy::default()).with_source(source.clone());
    let out = checker
        .check(&ca.revoked.cert, &ca.pki.ca.cert, ca.now)
        .unwrap();
    assert!(matches!(out.status, RevocationStatus::Revoked { .. }));
    assert!(
        matches!(&out.evidence, Some(Evidence::Ocsp { origin: EvidenceOrigin::Fetched(u), .. }) if u == "http://ocsp.test/ocsp")
    );

    // OCSP down: the CRL at the distribution point decides, and is cached.
    let mut crls = HashMap::new();
    crls.insert("http://crl.test/ca.crl".to_owned(), ca.fresh_crl());
    let source = Arc::new(Source {
        crls,
        ..Source::default()
    });
    let checker = RevocationChecker::new(RevocationPolicy::default()).with_source(source.clone());
    let out = checker
        .check(&ca.revoked.cert, &ca.pki.ca.cert, ca.now)
        .unwrap();
    assert!(matches!(out.status, RevocationStatus::Revoked { .. }));
    assert!(matches!(
        out.warnings.as_slice(),
        [RevocationProblem::Fetch { .. }]
    ));
    checker
        .check(&ca.leaf.cert, &ca.pki.ca.cert, ca.now)
        .unwrap();
    let calls = source.calls.lock().unwrap().clone();
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("crl")).count(),
        1,
        "{calls:?}"
    );
}

#[test]
fn fetched_ocsp_with_a_wrong_nonce_is_refused() {
    let ca = Arc::new(ca());
    let source = Arc::new(Source {
        ocsp: Some((ca.clone(), false)),
        ..Source::default()
    });
    let checker = RevocationChecker::new(RevocationPolicy::default()).with_source(source);
    let err = checker
        .check(&ca.leaf.cert, &ca.pki.ca.cert, ca.now)
        .unwrap_err();
    assert_eq!(err.code(), "OCSP_NONCE_MISMATCH");
}

#[test]
fn a_stale_crl_alone_is_crl_stale_and_is_dropped() {
    let ca = ca();
    let stale = ca.crl(ca.now - 3 * DAY, ca.now - DAY);
    let mut checker = RevocationChecker::new(RevocationPolicy::default());
    checker.add_crl_bytes(&stale).unwrap();
    let err = checker
        .check(&ca.leaf.cert, &ca.pki.ca.cert, ca.now)
        .unwrap_err();
    assert_eq!(err.code(), "CRL_STALE");
    assert!(err.message_en().contains("Download a fresh CRL"));
    // It was dropped from the cache: now there is nothing at all.
    let err = checker
        .check(&ca.leaf.cert, &ca.pki.ca.cert, ca.now)
        .unwrap_err();
    assert_eq!(err.code(), "REVOCATION_UNAVAILABLE");
    // Fail-open: unchecked, with the stale CRL as a warning.
    let mut open = RevocationChecker::new(policy(FailureMode::FailOpen));
    open.add_crl_bytes(&stale).unwrap();
    let out = open.check(&ca.leaf.cert, &ca.pki.ca.cert, ca.now).unwrap();
    assert_eq!(out.status, RevocationStatus::Unchecked);
    assert!(matches!(
        out.warnings.as_slice(),
        [RevocationProblem::StaleCrl { .. }]
    ));
}

#[test]
fn a_crl_signed_by_another_key_is_refused() {
    let ca = ca();
    let impostor = Pki::new("gost2012_256", "Revocation CA");
    let forged = CrlBuilder::new(&impostor.ca.cert, ca.now - HOUR)
        .next_update(ca.now + DAY)
        .build_der(&impostor.ca.signer)
        .unwrap();
    let mut checker = RevocationChecker::new(RevocationPolicy::default());
    checker.add_crl_bytes(&forged).unwrap();
    // Its authorityKeyIdentifier names the other key: not this CA's CRL at all.
    let err = checker
        .check(&ca.revoked.cert, &ca.pki.ca.cert, ca.now)
        .unwrap_err();
    assert_eq!(err.code(), "REVOCATION_UNAVAILABLE");
    // This CA's CRL with the signature altered.
    let mut tampered = ca.fresh_crl();
    let n = tampered.len();
    tampered[n - 7] ^= 0x10;
    let mut checker = RevocationChecker::new(RevocationPolicy::default());
    checker.add_crl_bytes(&tampered).unwrap();
    let err = checker
        .check(&ca.revoked.cert, &ca.pki.ca.cert, ca.now)
        .unwrap_err();
    assert!(matches!(err, RevocationError::Crl(_)));
    assert_eq!(err.code(), "CRL_SIGNATURE_INVALID");
}

#[test]
fn without_evidence_fail_closed_errs_and_fail_open_is_unchecked() {
    let ca = ca();
    let err = RevocationChecker::new(RevocationPolicy::default())
        .check(&ca.leaf.cert, &ca.pki.ca.cert, ca.now)
        .unwrap_err();
    assert_eq!(err.code(), "REVOCATION_UNAVAILABLE");
    assert!(err.message_ru().chars().any(|c| ('а'..='я').contains(&c)));
    let out = RevocationChecker::new(policy(FailureMode::FailOpen))
        .check(&ca.leaf.cert, &ca.pki.ca.cert, ca.now)
        .unwrap();
    assert_eq!(out.status, RevocationStatus::Unchecked);
    assert!(out.evidence.is_none());
    // An offline source is the same, with the failures reported.
    let checker = RevocationChecker::new(policy(FailureMode::FailOpen))
        .with_source(Arc::new(Source::default()));
    let out = checker
        .check(&ca.leaf.cert, &ca.pki.ca.cert, ca.now)
        .unwrap();
    assert_eq!(out.status, RevocationStatus::Unchecked);
    assert_eq!(out.warnings.len(), 2);
}
