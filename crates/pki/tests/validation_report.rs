//! `pki::validation::Validator` end to end: every certificate, CRL, OCSP
//! response and signature is built in memory with our own builders (no
//! OpenSSL), times are pinned to a fixed base, and each check asserts the
//! report's indication, sub-indication and failure code as
//! docs/validation-report.md promises.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use gost::{ParamSet, SigningKey};
use pki::cert::CertificateBuilder;
use pki::cms::{SignOptions, SignedMessage, sign};
use pki::crl::{CrlBuilder, CrlReason, RevokedEntry};
use pki::name::NameBuilder;
use pki::ocsp::{CertId, CertIdHash, ResponseBuilder, parse_request};
use pki::report::{Indication, Lang, SignerReport, SubIndication, ValidationReport};
use pki::revocation::{
    FailureMode, FetchError, RevocationChecker, RevocationPolicy, RevocationSource,
};
use pki::trust::TrustStore;
use pki::validation::Validator;
use pki::{KeySigner, Signer};
use x509_cert::Certificate;
use x509_cert::ext::pkix::KeyUsages;
use x509_cert::serial_number::SerialNumber;

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86400);
const YEAR: Duration = Duration::from_secs(365 * 86400);
const OCSP_URL: &str = "http://ocsp.test/";

/// 2026-06-01T00:00:00Z: the validation time unless a test says otherwise.
fn base() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_272_000)
}

const CONTENT: &[u8] = b"\xd0\x94\xd0\xbe\xd0\xb3\xd0\xbe\xd0\xb2\xd0\xbe\xd1\x80 No. 1";

/// A certificate with its signer.
struct Party {
    cert: Certificate,
    signer: KeySigner,
}

fn key(params: ParamSet) -> KeySigner {
    KeySigner::new(SigningKey::generate(params).unwrap())
}

fn name(cn: &str) -> x509_cert::name::Name {
    NameBuilder::new()
        .common_name(cn)
        .unwrap()
        .organization("podpis")
        .unwrap()
        .country("RU")
        .unwrap()
        .build()
        .unwrap()
}

/// Validity of CAs: a year before the base to ten years after.
fn ca_dates() -> (SystemTime, SystemTime) {
    (base() - YEAR, base() + 10 * YEAR)
}

/// Validity of leaves: a month either side of the base.
fn leaf_dates() -> (SystemTime, SystemTime) {
    (base() - 30 * DAY, base() + 30 * DAY)
}

fn root(params: ParamSet, cn: &str) -> Party {
    let signer = key(params);
    let (nb, na) = ca_dates();
    let cert = CertificateBuilder::ca(name(cn), signer.verifying_key(), nb, na, None)
        .build(&signer)
        .unwrap();
    Party { cert, signer }
}

/// Issues `builder` (already carrying its subject key) under `issuer`.
fn issue(builder: CertificateBuilder, issuer: &Party) -> Certificate {
    builder.issuer(&issuer.cert).build(&issuer.signer).unwrap()
}

fn inter(params: ParamSet, root: &Party, cn: &str) -> Party {
    let signer = key(params);
    let (nb, na) = ca_dates();
    let b = CertificateBuilder::ca(name(cn), signer.verifying_key(), nb, na, Some(0));
    Party {
        cert: issue(b, root),
        signer,
    }
}

/// A plain end-entity builder: keyUsage digitalSignature | nonRepudiation.
fn leaf_builder(
    signer: &KeySigner,
    cn: &str,
    dates: (SystemTime, SystemTime),
) -> CertificateBuilder {
    CertificateBuilder::new(name(cn), signer.verifying_key(), dates.0, dates.1)
        .key_usage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation)
}

fn leaf(params: ParamSet, ca: &Party, cn: &str, dates: (SystemTime, SystemTime)) -> Party {
    let signer = key(params);
    Party {
        cert: issue(leaf_builder(&signer, cn, dates), ca),
        signer,
    }
}

/// root → inter → leaf (256-bit, CryptoPro-A), shared by the tests.
struct Pki {
    root: Party,
    inter: Party,
    leaf: Party,
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let root = root(ParamSet::CryptoProA, "Тестовый корневой УЦ");
        let inter = inter(ParamSet::CryptoProA, &root, "Тестовый подчинённый УЦ");
        let leaf = leaf(ParamSet::CryptoProA, &inter, "Иванов Иван", leaf_dates());
        Pki { root, inter, leaf }
    })
}

fn trust(anchor: &Party) -> TrustStore {
    let mut t = TrustStore::new();
    assert!(t.add(anchor.cert.clone()).unwrap());
    t
}

/// An attached CAdES-BES signature by `by`, carrying `chain` as well.
fn signed(by: &Party, chain: &[&Party]) -> Vec<u8> {
    let mut opts = SignOptions::cades_bes(false, base() - HOUR);
    opts.chain = chain.iter().map(|p| p.cert.clone()).collect();
    sign(CONTENT, &by.signer, &by.cert, &opts).unwrap()
}

fn message(der: &[u8]) -> SignedMessage {
    SignedMessage::parse(der).unwrap()
}

/// A CRL of `ca`, current at the base, revoking `revoked`.
fn crl(ca: &Party, revoked: &[&Certificate]) -> Vec<u8> {
    crl_between(ca, revoked, base() - DAY, base() + 7 * DAY)
}

fn crl_between(
    ca: &Party,
    revoked: &[&Certificate],
    this: SystemTime,
    next: SystemTime,
) -> Vec<u8> {
    let mut b = CrlBuilder::new(&ca.cert, this).next_update(next).number(1);
    for c in revoked {
        b = b.revoke(RevokedEntry::new(
            c.tbs_certificate().serial_number().clone(),
            base() - 2 * HOUR,
            CrlReason::KeyCompromise,
        ));
    }
    b.build_der(&ca.signer).unwrap()
}

fn checker(mode: FailureMode, crls: &[Vec<u8>]) -> RevocationChecker {
    let mut c = RevocationChecker::new(RevocationPolicy {
        mode,
        ..RevocationPolicy::default()
    });
    for der in crls {
        c.add_crl_bytes(der).unwrap();
    }
    c
}

/// Validates `der` (attached) with `anchor` trusted at `at`.
fn validate(
    der: &[u8],
    anchor: &Party,
    at: SystemTime,
    revocation: Option<&RevocationChecker>,
) -> ValidationReport {
    let t = trust(anchor);
    let mut v = Validator::new(&t, at);
    if let Some(r) = revocation {
        v = v.revocation(r);
    }
    v.validate(&message(der), None)
}

/// Asserts a one-signer report's verdict and failure code.
fn assert_verdict<'a>(
    report: &'a ValidationReport,
    indication: Indication,
    sub: SubIndication,
    code: &str,
) -> &'a SignerReport {
    assert_eq!(report.signers.len(), 1, "{}", report.to_json());
    let s = &report.signers[0];
    assert_eq!(report.indication, indication, "{}", report.to_json());
    assert_eq!(s.indication, indication, "{}", report.to_json());
    assert_eq!(s.sub_indication, Some(sub), "{}", report.to_json());
    let f = s.failure.as_ref().expect("a failure");
    assert_eq!(f.code, code, "{}", report.to_json());
    assert!(!f.message_ru.is_empty() && !f.message_en.is_empty());
    s
}

fn serial_hex(cert: &Certificate) -> String {
    pki::validation::serial_hex(cert)
}

// ---------------------------------------------------------------- passing

#[test]
fn valid_signature_passes_with_a_chain_of_three_and_revocation_evidence() {
    let p = pki();
    let der = signed(&p.leaf, &[&p.inter]);
    let rc = checker(
        FailureMode::FailClosed,
        &[crl(&p.inter, &[]), crl(&p.root, &[])],
    );
    let report = validate(&der, &p.root, base(), Some(&rc));
    assert!(report.passed(), "{}", report.to_json());
    assert_eq!(report.indication, Indication::TotalPassed);
    let s = &report.signers[0];
    assert_eq!(s.indication, Indication::TotalPassed);
    assert_eq!(s.sub_indication, None);
    assert!(s.failure.is_none());
    assert_eq!(s.chain.len(), 3);
    assert!(s.chain[2].trust_anchor && !s.chain[0].trust_anchor && !s.chain[1].trust_anchor);
    assert_eq!(s.chain[0].serial, serial_hex(&p.leaf.cert));
    assert_eq!(s.revocation.len(), 2);
    assert_eq!(s.revocation[0].serial, serial_hex(&p.leaf.cert));
    assert_eq!(s.revocation[1].serial, serial_hex(&p.inter.cert));
    for r in &s.revocation {
        assert_eq!((r.status.as_str(), r.source.as_str()), ("good", "crl"));
        assert!(r.produced_at.is_some() && r.next_update.is_some());
    }
    assert_eq!(s.digest_algorithm.as_deref(), Some("streebog256"));
    assert_eq!(
        s.signer.as_ref().unwrap().identity.common_name.as_deref(),
        Some("Иванов Иван")
    );
    assert!(s.signing_time.is_some());
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(report.validation_time, "2026-06-01T00:00:00Z");
}

#[test]
fn valid_512_bit_chain_passes() {
    let root = root(ParamSet::Tc26A512, "Корневой УЦ 512");
    let inter = inter(ParamSet::Tc26A512, &root, "Подчинённый УЦ 512");
    let leaf = leaf(ParamSet::Tc26A512, &inter, "Петров Пётр", leaf_dates());
    let der = signed(&leaf, &[&inter]);
    let rc = checker(
        FailureMode::FailClosed,
        &[crl(&inter, &[]), crl(&root, &[])],
    );
    let report = validate(&der, &root, base(), Some(&rc));
    assert!(report.passed(), "{}", report.to_json());
    let s = &report.signers[0];
    assert_eq!(s.digest_algorithm.as_deref(), Some("streebog512"));
    assert_eq!(s.chain.len(), 3);
    assert_eq!(s.revocation.len(), 2);
}

// ------------------------------------------------------- the CMS signature

#[test]
fn tampered_content_is_hash_failure() {
    let p = pki();
    let mut opts = SignOptions::cades_bes(true, base());
    opts.chain = vec![p.inter.cert.clone()];
    let der = sign(CONTENT, &p.leaf.signer, &p.leaf.cert, &opts).unwrap();
    let t = trust(&p.root);
    let v = Validator::new(&t, base());
    // The untouched document passes, so the failure below is the tampering.
    assert!(v.validate(&message(&der), Some(CONTENT.into())).passed());
    let mut tampered = CONTENT.to_vec();
    tampered[0] ^= 1;
    let report = v.validate(&message(&der), Some(tampered.as_slice().into()));
    assert_verdict(
        &report,
        Indication::TotalFailed,
        SubIndication::HashFailure,
        "CMS_DIGEST_MISMATCH",
    );

    // An attached signature with its content changed inside the message.
    let attached = signed(&p.leaf, &[&p.inter]);
    let at = attached
        .windows(CONTENT.len())
        .position(|w| w == CONTENT)
        .unwrap();
    let mut bad = attached.clone();
    bad[at + CONTENT.len() - 1] ^= 1;
    let report = validate(&bad, &p.root, base(), None);
    assert_verdict(
        &report,
        Indication::TotalFailed,
        SubIndication::HashFailure,
        "CMS_DIGEST_MISMATCH",
    );
}

#[test]
fn tampered_signature_value_is_sig_crypto_failure() {
    let p = pki();
    let der = signed(&p.leaf, &[&p.inter]);
    let sig = message(&der).signature_value(0).unwrap().to_vec();
    let at = der.windows(sig.len()).position(|w| w == sig).unwrap();
    let mut bad = der.clone();
    bad[at + sig.len() / 2] ^= 0x01;
    let report = validate(&bad, &p.root, base(), None);
    assert_verdict(
        &report,
        Indication::TotalFailed,
        SubIndication::SigCryptoFailure,
        "CMS_BAD_SIGNATURE",
    );
}

#[test]
fn missing_signer_certificate_is_no_signing_certificate_found() {
    let p = pki();
    let mut opts = SignOptions::cades_bes(false, base());
    opts.include_certificates = false;
    let der = sign(CONTENT, &p.leaf.signer, &p.leaf.cert, &opts).unwrap();
    assert!(message(&der).certificates().is_empty());
    let report = validate(&der, &p.root, base(), None);
    let s = assert_verdict(
        &report,
        Indication::Indeterminate,
        SubIndication::NoSigningCertificateFound,
        "CMS_SIGNER_CERTIFICATE_NOT_FOUND",
    );
    assert!(s.signer.is_none() && s.chain.is_empty());

    // Supplied separately, it passes.
    let t = trust(&p.root);
    let ok = Validator::new(&t, base())
        .intermediates(vec![p.leaf.cert.clone(), p.inter.cert.clone()])
        .validate(&message(&der), None);
    assert!(ok.passed(), "{}", ok.to_json());
}

// ------------------------------------------------------------------ validity

#[test]
fn expired_signer_is_expired_and_not_yet_valid_is_not_yet_valid() {
    let p = pki();
    let der = signed(&p.leaf, &[&p.inter]);
    // The leaf ends at base + 30 days; the CAs stay valid for years.
    let report = validate(&der, &p.root, base() + 60 * DAY, None);
    let s = assert_verdict(
        &report,
        Indication::TotalFailed,
        SubIndication::Expired,
        "CERT_EXPIRED",
    );
    assert!(s.signer.is_some());

    let report = validate(&der, &p.root, base() - 60 * DAY, None);
    assert_verdict(
        &report,
        Indication::TotalFailed,
        SubIndication::NotYetValid,
        "CERT_NOT_YET_VALID",
    );
}

// ---------------------------------------------------------------- revocation

#[test]
fn revoked_by_crl_is_revoked() {
    let p = pki();
    let der = signed(&p.leaf, &[&p.inter]);
    let rc = checker(
        FailureMode::FailClosed,
        &[crl(&p.inter, &[&p.leaf.cert]), crl(&p.root, &[])],
    );
    let report = validate(&der, &p.root, base(), Some(&rc));
    let s = assert_verdict(
        &report,
        Indication::TotalFailed,
        SubIndication::Revoked,
        "CERT_REVOKED",
    );
    let r = &s.revocation[0];
    assert_eq!((r.status.as_str(), r.source.as_str()), ("revoked", "crl"));
    assert_eq!(r.reason.as_deref(), Some("keyCompromise"));
    assert_eq!(r.revoked_at.as_deref(), Some("2026-05-31T22:00:00Z"));
}

#[test]
fn revoked_by_ocsp_is_revoked() {
    let p = pki();
    let der = signed(&p.leaf, &[&p.inter]);
    let id = CertId::for_certificate(&p.inter.cert, &p.leaf.cert, CertIdHash::Sha1).unwrap();
    // The CA answers for itself.
    let response = ResponseBuilder::new(&p.inter.cert, base() - HOUR)
        .revoked(
            id,
            base() - 2 * HOUR,
            Some(CrlReason::KeyCompromise),
            base() - HOUR,
            Some(base() + DAY),
        )
        .unwrap()
        .build_der(&p.inter.signer)
        .unwrap();
    let mut rc = checker(FailureMode::FailClosed, &[crl(&p.root, &[])]);
    rc.add_ocsp_response(response);
    let report = validate(&der, &p.root, base(), Some(&rc));
    let s = assert_verdict(
        &report,
        Indication::TotalFailed,
        SubIndication::Revoked,
        "CERT_REVOKED",
    );
    let r = &s.revocation[0];
    assert_eq!((r.status.as_str(), r.source.as_str()), ("revoked", "ocsp"));
}

#[test]
fn stale_crl_as_the_only_evidence_is_try_later() {
    let p = pki();
    let der = signed(&p.leaf, &[&p.inter]);
    let stale = crl_between(&p.inter, &[], base() - 10 * DAY, base() - DAY);
    let rc = checker(FailureMode::FailClosed, &[stale, crl(&p.root, &[])]);
    let report = validate(&der, &p.root, base(), Some(&rc));
    assert_verdict(
        &report,
        Indication::Indeterminate,
        SubIndication::TryLater,
        "CRL_STALE",
    );
}

/// An OCSP responder (the intermediate CA itself) that echoes the request's
/// nonce, or answers with another nonce, or about another certificate.
struct Responder {
    wrong_nonce: bool,
    other_serial: Option<SerialNumber>,
}

#[derive(Debug, thiserror::Error)]
#[error("no CRL at {0}")]
struct NoCrl(String);

impl RevocationSource for Responder {
    fn fetch_crl(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        Err(FetchError(Box::new(NoCrl(url.into()))))
    }

    fn fetch_ocsp(&self, url: &str, request_der: &[u8]) -> Result<Vec<u8>, FetchError> {
        assert_eq!(url, OCSP_URL);
        let p = pki_ocsp();
        let req = parse_request(request_der).unwrap();
        let mut nonce = req.nonce().expect("the checker sends a nonce");
        if self.wrong_nonce {
            nonce[0] ^= 0xff;
        }
        let serial = self
            .other_serial
            .clone()
            .unwrap_or_else(|| p.leaf.cert.tbs_certificate().serial_number().clone());
        let id = CertId::new(&p.inter.cert, serial, CertIdHash::Sha1).unwrap();
        Ok(ResponseBuilder::new(&p.inter.cert, base() - HOUR)
            .nonce(Some(nonce))
            .good(id, base() - HOUR, Some(base() + DAY))
            .unwrap()
            .build_der(&p.inter.signer)
            .unwrap())
    }
}

/// root → inter → leaf whose leaf names an OCSP responder.
fn pki_ocsp() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let root = root(ParamSet::CryptoProA, "УЦ с OCSP");
        let inter = inter(ParamSet::CryptoProA, &root, "Подчинённый УЦ с OCSP");
        let signer = key(ParamSet::CryptoProA);
        let b = leaf_builder(&signer, "Сидоров Сидор", leaf_dates()).ocsp_url(OCSP_URL);
        let leaf = Party {
            cert: issue(b, &inter),
            signer,
        };
        Pki { root, inter, leaf }
    })
}

fn validate_with_responder(responder: Responder) -> ValidationReport {
    let p = pki_ocsp();
    let der = signed(&p.leaf, &[&p.inter]);
    let rc =
        checker(FailureMode::FailClosed, &[crl(&p.root, &[])]).with_source(Arc::new(responder));
    validate(&der, &p.root, base(), Some(&rc))
}

#[test]
fn fetched_ocsp_with_the_right_nonce_passes() {
    // The control for the two OCSP failures below.
    let report = validate_with_responder(Responder {
        wrong_nonce: false,
        other_serial: None,
    });
    assert!(report.passed(), "{}", report.to_json());
    let r = &report.signers[0].revocation[0];
    assert_eq!((r.status.as_str(), r.source.as_str()), ("good", "ocsp"));
}

#[test]
fn ocsp_response_for_another_certificate_is_try_later() {
    let report = validate_with_responder(Responder {
        wrong_nonce: false,
        other_serial: Some(SerialNumber::new(&[0x7e, 0x57]).unwrap()),
    });
    assert_verdict(
        &report,
        Indication::Indeterminate,
        SubIndication::TryLater,
        "OCSP_WRONG_CERTIFICATE",
    );
}

#[test]
fn supplied_ocsp_response_for_another_certificate_alone_is_try_later() {
    // A supplied response about another certificate is skipped (the caller
    // may hand over responses for several), so nothing is left: unavailable.
    let p = pki();
    let der = signed(&p.leaf, &[&p.inter]);
    let id = CertId::for_certificate(&p.inter.cert, &p.inter.cert, CertIdHash::Sha1).unwrap();
    let response = ResponseBuilder::new(&p.inter.cert, base() - HOUR)
        .good(id, base() - HOUR, Some(base() + DAY))
        .unwrap()
        .build_der(&p.inter.signer)
        .unwrap();
    let mut rc = checker(FailureMode::FailClosed, &[crl(&p.root, &[])]);
    rc.add_ocsp_response(response);
    let report = validate(&der, &p.root, base(), Some(&rc));
    assert_verdict(
        &report,
        Indication::Indeterminate,
        SubIndication::TryLater,
        "REVOCATION_UNAVAILABLE",
    );
}

#[test]
fn ocsp_response_with_a_wrong_nonce_is_try_later() {
    let report = validate_with_responder(Responder {
        wrong_nonce: true,
        other_serial: None,
    });
    assert_verdict(
        &report,
        Indication::Indeterminate,
        SubIndication::TryLater,
        "OCSP_NONCE_MISMATCH",
    );
}

#[test]
fn fail_open_without_evidence_passes_unchecked_with_a_warning() {
    let p = pki();
    let der = signed(&p.leaf, &[&p.inter]);
    let rc = checker(FailureMode::FailOpen, &[]);
    let report = validate(&der, &p.root, base(), Some(&rc));
    assert!(report.passed(), "{}", report.to_json());
    let s = &report.signers[0];
    assert_eq!(s.revocation.len(), 2);
    for r in &s.revocation {
        assert_eq!(
            (r.status.as_str(), r.source.as_str()),
            ("unchecked", "none")
        );
    }
    // One warning per unchecked certificate, naming it.
    assert_eq!(s.warnings.len(), 2, "{}", report.to_json());
    for (w, r) in s.warnings.iter().zip(&s.revocation) {
        assert_eq!(w.code, "REVOCATION_WARNING");
        assert!(w.message_en.contains(&r.serial) && w.message_ru.contains(&r.serial));
    }
    assert!(
        report
            .to_text(Lang::En)
            .contains("Warning [REVOCATION_WARNING]")
    );

    // Fail-closed with the same (no) evidence refuses.
    let closed = checker(FailureMode::FailClosed, &[]);
    let report = validate(&der, &p.root, base(), Some(&closed));
    assert_verdict(
        &report,
        Indication::Indeterminate,
        SubIndication::TryLater,
        "REVOCATION_UNAVAILABLE",
    );
}

// ------------------------------------------------------------ the chain

/// Signs with a fresh leaf under `ca` (issued under the shared root) and
/// validates with the shared root as anchor, `ca` and `extra` CAs in the
/// message.
fn chain_report(ca: &Party, extra: &[&Party]) -> ValidationReport {
    let p = pki();
    let leaf = leaf(ParamSet::CryptoProA, ca, "Иванов Иван", leaf_dates());
    let mut chain = vec![ca];
    chain.extend_from_slice(extra);
    validate(&signed(&leaf, &chain), &p.root, base(), None)
}

#[test]
fn ca_without_basic_constraints_is_chain_constraints_failure() {
    let p = pki();
    let signer = key(ParamSet::CryptoProA);
    let (nb, na) = ca_dates();
    let b = CertificateBuilder::new(
        name("УЦ без basicConstraints"),
        signer.verifying_key(),
        nb,
        na,
    )
    .key_usage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
    let ca = Party {
        cert: issue(b, &p.root),
        signer,
    };
    assert!(pki::cert::basic_constraints(&ca.cert).is_none());
    assert_verdict(
        &chain_report(&ca, &[]),
        Indication::Indeterminate,
        SubIndication::ChainConstraintsFailure,
        "CHAIN_CA_NOT_CA",
    );
}

#[test]
fn path_len_exceeded_is_chain_constraints_failure() {
    // root → inter (pathLen 0) → sub-CA → leaf: one CA too many below inter.
    let p = pki();
    let signer = key(ParamSet::CryptoProA);
    let (nb, na) = ca_dates();
    let b = CertificateBuilder::ca(
        name("УЦ третьего уровня"),
        signer.verifying_key(),
        nb,
        na,
        None,
    );
    let sub = Party {
        cert: issue(b, &p.inter),
        signer,
    };
    assert_verdict(
        &chain_report(&sub, &[&p.inter]),
        Indication::Indeterminate,
        SubIndication::ChainConstraintsFailure,
        "CHAIN_PATH_LEN_EXCEEDED",
    );
}

#[test]
fn ca_key_usage_without_key_cert_sign_is_chain_constraints_failure() {
    let p = pki();
    let signer = key(ParamSet::CryptoProA);
    let (nb, na) = ca_dates();
    let b = CertificateBuilder::ca(
        name("УЦ без keyCertSign"),
        signer.verifying_key(),
        nb,
        na,
        None,
    )
    .key_usage(KeyUsages::CRLSign | KeyUsages::DigitalSignature);
    let ca = Party {
        cert: issue(b, &p.root),
        signer,
    };
    assert_verdict(
        &chain_report(&ca, &[]),
        Indication::Indeterminate,
        SubIndication::ChainConstraintsFailure,
        "CHAIN_CA_KEY_USAGE",
    );
}

#[test]
fn leaf_key_usage_without_signing_bits_is_chain_constraints_failure() {
    let p = pki();
    let signer = key(ParamSet::CryptoProA);
    let (nb, na) = leaf_dates();
    let b = CertificateBuilder::new(name("Шифровальщик"), signer.verifying_key(), nb, na)
        .key_usage(KeyUsages::KeyEncipherment | KeyUsages::KeyAgreement)
        .issuer(&p.inter.cert);
    let cert = b.build(&p.inter.signer).unwrap();
    let leaf = Party { cert, signer };
    let report = validate(&signed(&leaf, &[&p.inter]), &p.root, base(), None);
    assert_verdict(
        &report,
        Indication::Indeterminate,
        SubIndication::ChainConstraintsFailure,
        "CERT_KEY_USAGE",
    );
}

#[test]
fn broken_chain_is_no_certificate_chain_found() {
    let p = pki();
    // The intermediate is neither in the message nor supplied.
    let report = validate(&signed(&p.leaf, &[]), &p.root, base(), None);
    let s = assert_verdict(
        &report,
        Indication::Indeterminate,
        SubIndication::NoCertificateChainFound,
        "CERT_UNTRUSTED",
    );
    assert!(s.signer.is_some() && s.chain.is_empty());
    // Supplying it mends the chain.
    let t = trust(&p.root);
    let ok = Validator::new(&t, base())
        .intermediates(vec![p.inter.cert.clone()])
        .validate(&message(&signed(&p.leaf, &[])), None);
    assert!(ok.passed(), "{}", ok.to_json());
}

#[test]
fn require_qualified_with_a_plain_certificate_is_chain_constraints_failure() {
    let p = pki();
    let der = signed(&p.leaf, &[&p.inter]);
    let t = trust(&p.root);
    let v = Validator::new(&t, base());
    assert!(v.validate(&message(&der), None).passed());
    let report = v.require_qualified(true).validate(&message(&der), None);
    assert_verdict(
        &report,
        Indication::Indeterminate,
        SubIndication::ChainConstraintsFailure,
        "CERT_NOT_QUALIFIED",
    );
}

// ------------------------------------------------------ several signers

#[test]
fn two_signers_one_bad_fails_the_file_with_per_signer_verdicts() {
    let p = pki();
    let der = signed(&p.leaf, &[&p.inter]);
    // A second signer whose certificate expired a week before the base.
    let expired = leaf(
        ParamSet::CryptoProA,
        &p.inter,
        "Просроченный Подписант",
        (base() - 60 * DAY, base() - 7 * DAY),
    );
    let mut msg = message(&der);
    msg.co_sign(
        None,
        &expired.signer,
        &expired.cert,
        &SignOptions::cades_bes(false, base() - 8 * DAY),
    )
    .unwrap();
    let msg = message(msg.to_der());
    assert_eq!(msg.signer_count(), 2);
    let t = trust(&p.root);
    let report = Validator::new(&t, base()).validate(&msg, None);
    assert_eq!(
        report.indication,
        Indication::TotalFailed,
        "{}",
        report.to_json()
    );
    assert!(!report.passed());
    assert_eq!(report.signers.len(), 2);
    let (good, bad) = (&report.signers[0], &report.signers[1]);
    assert_eq!((good.index, good.indication), (0, Indication::TotalPassed));
    assert!(good.sub_indication.is_none() && good.failure.is_none());
    assert_eq!((bad.index, bad.indication), (1, Indication::TotalFailed));
    assert_eq!(bad.sub_indication, Some(SubIndication::Expired));
    assert_eq!(bad.failure.as_ref().unwrap().code, "CERT_EXPIRED");
    assert_eq!(
        bad.signer.as_ref().unwrap().identity.common_name.as_deref(),
        Some("Просроченный Подписант")
    );
}

// ------------------------------------------------------------- rendering

#[test]
fn json_and_text_of_a_failing_report_carry_the_sub_indication_and_advice() {
    let p = pki();
    let der = signed(&p.leaf, &[&p.inter]);
    let rc = checker(
        FailureMode::FailClosed,
        &[crl(&p.inter, &[&p.leaf.cert]), crl(&p.root, &[])],
    );
    let report = validate(&der, &p.root, base(), Some(&rc));

    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["indication"], "TOTAL_FAILED");
    assert_eq!(json["validation_time"], "2026-06-01T00:00:00Z");
    let s = &json["signers"][0];
    assert_eq!(s["indication"], "TOTAL_FAILED");
    assert_eq!(s["sub_indication"], "REVOKED");
    assert_eq!(s["failure"]["code"], "CERT_REVOKED");
    assert!(
        s["failure"]["message_ru"]
            .as_str()
            .unwrap()
            .contains("отозван")
    );
    assert!(
        s["failure"]["message_en"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );
    assert_eq!(s["revocation"][0]["status"], "revoked");
    assert_eq!(s["revocation"][0]["reason"], "keyCompromise");
    assert_eq!(s["chain"].as_array().unwrap().len(), 3);

    let ru = report.to_text(Lang::Ru);
    assert!(
        ru.contains("ПОДПИСЬ НЕДЕЙСТВИТЕЛЬНА (TOTAL_FAILED)"),
        "{ru}"
    );
    assert!(ru.contains("TOTAL_FAILED / REVOKED"), "{ru}");
    assert!(ru.contains("[CERT_REVOKED]"), "{ru}");
    assert!(ru.contains(SubIndication::Revoked.advice_ru()), "{ru}");
    assert!(!ru.contains(SubIndication::Revoked.advice_en()), "{ru}");

    let en = report.to_text(Lang::En);
    assert!(en.contains("SIGNATURE INVALID (TOTAL_FAILED)"), "{en}");
    assert!(en.contains("TOTAL_FAILED / REVOKED"), "{en}");
    assert!(en.contains("[CERT_REVOKED]"), "{en}");
    assert!(en.contains(SubIndication::Revoked.advice_en()), "{en}");
    assert!(!en.contains(SubIndication::Revoked.advice_ru()), "{en}");
}
