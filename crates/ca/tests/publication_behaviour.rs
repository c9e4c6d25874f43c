//! How the publication services behave over time and under failure, with
//! an injected clock and status sources that fail or change mid-request:
//! refresh before expiry, inline re-signing when the refresher is late,
//! no stale response cached across a revocation, other nodes learning of
//! changes by polling, nonce policy, unknown serials never cached, and the
//! setup checks of the responder, TSA and CRL certificates. Responses are
//! checked with pki's OCSP verifier (the OpenSSL interop is in
//! publication_openssl.rs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod hierarchy;

use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, SystemTime};

use ca::crl_publisher::{CrlConfig, CrlPublisher};
use ca::http::{Publication, PublicationConfig};
use ca::ocsp_responder::{NoncePolicy, OcspConfig, OcspResponder};
use ca::status::{
    BoxFuture, CertState, Changes, Clock, MemoryStatus, StatusError, StatusListener, StatusSource,
    SystemClock,
};
use ca::tsa::{MemoryCounter, Tsa, TsaConfig};
use gost::ParamSet;
use hierarchy::{Hierarchy, Holder};
use pki::Diagnostic;
use pki::crl::{CrlReason, RevokedEntry};
use pki::ocsp::{
    CertId, CertIdHash, OcspCertStatus, OcspPolicy, OcspResponseStatus, RequestBuilder,
    parse_response, verify_response,
};
use x509_cert::serial_number::SerialNumber;

/// A clock the test moves.
#[derive(Debug)]
struct TestClock(Mutex<SystemTime>);

impl TestClock {
    fn new() -> Arc<Self> {
        Arc::new(TestClock(Mutex::new(SystemTime::now())))
    }
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

fn responder(
    h: &Hierarchy,
    status: Arc<dyn StatusSource>,
    clock: Arc<dyn Clock>,
    config: OcspConfig,
) -> Arc<OcspResponder> {
    Arc::new(
        OcspResponder::new(
            h.ca.cert.clone(),
            h.responder.cert.clone(),
            h.responder.signer.clone(),
            status,
            clock,
            config,
        )
        .unwrap(),
    )
}

fn request(h: &Hierarchy, serial: &SerialNumber) -> Vec<u8> {
    RequestBuilder::new()
        .cert_id(CertId::new(&h.ca.cert, serial.clone(), CertIdHash::Sha1).unwrap())
        .build_der()
        .unwrap()
}

/// The verified answer about `serial` at `at`, and the response's thisUpdate.
fn check(
    h: &Hierarchy,
    der: &[u8],
    serial: &SerialNumber,
    at: SystemTime,
) -> (OcspCertStatus, SystemTime) {
    let policy = OcspPolicy {
        require_nonce: false,
        ..OcspPolicy::default()
    };
    let st = verify_response(der, &h.ca.cert, serial, None, at, &policy).unwrap();
    (st.status, st.this_update)
}

fn setup() -> (Hierarchy, Holder, Arc<MemoryStatus>) {
    let h = Hierarchy::new(ParamSet::Tc26A256);
    let ee = h.end_entity("ee", 0x2001);
    let status = Arc::new(MemoryStatus::new());
    status.issue(&ee.serial());
    (h, ee, status)
}

#[tokio::test]
async fn responses_are_refreshed_before_expiry_and_never_served_stale() {
    let (h, ee, status) = setup();
    let clock = TestClock::new();
    let config = OcspConfig {
        validity: Duration::from_secs(100),
        refresh_before: Duration::from_secs(20),
        ..OcspConfig::default()
    };
    let r = responder(&h, status, clock.clone(), config);
    let t0 = clock.now();
    assert_eq!(r.presign().await.unwrap(), 1);
    let req = request(&h, &ee.serial());

    // Before the refresh time: the pre-signed response, no signature.
    clock.advance(Duration::from_secs(50));
    let signed = r.stats().signed;
    let answer = r.respond(&req).await;
    assert_eq!(r.stats().signed, signed);
    let (st, this_update) = check(&h, &answer.der, &ee.serial(), clock.now());
    assert_eq!(st, OcspCertStatus::Good);
    assert_eq!(this_update, whole(t0));
    // HTTP caches may keep it until nextUpdate.
    assert_eq!(answer.max_age, Some(Duration::from_secs(50)));
    assert_eq!(r.refresh_due().await, 0, "not due yet");

    // At the refresh time the refresher re-signs it.
    clock.advance(Duration::from_secs(35)); // t0 + 85 > t0 + 100 - 20
    assert_eq!(r.refresh_due().await, 1);
    let (_, this_update) = check(&h, &r.respond(&req).await.der, &ee.serial(), clock.now());
    assert_eq!(this_update, whole(t0 + Duration::from_secs(85)));

    // The refresher is late: past half the refresh window the hot path
    // re-signs itself rather than serve a response close to expiry.
    clock.advance(Duration::from_secs(95)); // next_update was t0 + 185; now t0 + 180
    let signed = r.stats().signed;
    let (_, this_update) = check(&h, &r.respond(&req).await.der, &ee.serial(), clock.now());
    assert_eq!(r.stats().signed, signed + 1);
    assert_eq!(this_update, whole(t0 + Duration::from_secs(180)));
}

fn whole(t: SystemTime) -> SystemTime {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap();
    SystemTime::UNIX_EPOCH + Duration::from_secs(d.as_secs())
}

/// A status source that answers from `inner`, but revokes the certificate
/// (and tells the responder) while a status read is in flight: a
/// revocation committed during a cache miss.
struct RevokesMidRead {
    inner: Arc<MemoryStatus>,
    responder: OnceLock<Weak<OcspResponder>>,
    armed: Mutex<bool>,
}

impl StatusSource for RevokesMidRead {
    fn status<'a>(
        &'a self,
        serial: &'a SerialNumber,
    ) -> BoxFuture<'a, Result<CertState, StatusError>> {
        Box::pin(async move {
            let before = self.inner.status(serial).await;
            let mut armed = self.armed.lock().unwrap();
            if *armed {
                *armed = false;
                self.inner
                    .revoke(serial, SystemTime::now(), Some(CrlReason::KeyCompromise));
                if let Some(r) = self.responder.get().and_then(Weak::upgrade) {
                    r.status_changed(serial);
                }
            }
            before
        })
    }
    fn revoked(&self) -> BoxFuture<'_, Result<Vec<RevokedEntry>, StatusError>> {
        self.inner.revoked()
    }
    fn issued_page<'a>(
        &'a self,
        after: Option<&'a SerialNumber>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<(SerialNumber, CertState)>, StatusError>> {
        Box::pin(async move {
            let page = self.inner.issued_page(after, limit).await;
            // Pre-signing read the page; the last certificate of it is
            // revoked before the page is signed.
            let mut armed = self.armed.lock().unwrap();
            if *armed && let Ok(Some((serial, _))) = page.as_ref().map(|p| p.last()) {
                *armed = false;
                self.inner
                    .revoke(serial, SystemTime::now(), Some(CrlReason::KeyCompromise));
                if let Some(r) = self.responder.get().and_then(Weak::upgrade) {
                    r.status_changed(serial);
                }
            }
            page
        })
    }
    fn changes_since(&self, cursor: u64) -> BoxFuture<'_, Result<Changes, StatusError>> {
        self.inner.changes_since(cursor)
    }
    fn next_crl_number(&self) -> BoxFuture<'_, Result<u64, StatusError>> {
        self.inner.next_crl_number()
    }
}

#[tokio::test]
async fn a_revocation_during_pre_signing_spares_the_other_certificates() {
    let (h, ee, status) = setup();
    let other = SerialNumber::from(0x2002u32);
    let last = SerialNumber::from(0x2003u32);
    status.issue_all([&other, &last]);
    let source = Arc::new(RevokesMidRead {
        inner: status,
        responder: OnceLock::new(),
        armed: Mutex::new(true),
    });
    let r = responder(
        &h,
        source.clone(),
        Arc::new(SystemClock),
        OcspConfig::default(),
    );
    source.responder.set(Arc::downgrade(&r)).ok().unwrap();
    assert_eq!(r.presign().await.unwrap(), 3);
    // The two untouched certificates are served from the map; the revoked
    // one is not (its page said good), and its first request reads revoked.
    assert_eq!(r.stats().cached, 2);
    let signed = r.stats().signed;
    for serial in [ee.serial(), other] {
        r.respond(&request(&h, &serial)).await;
    }
    assert_eq!(r.stats().signed, signed);
    let (st, _) = check(
        &h,
        &r.respond(&request(&h, &last)).await.der,
        &last,
        SystemTime::now(),
    );
    assert!(matches!(st, OcspCertStatus::Revoked { .. }), "{st:?}");
}

#[tokio::test]
async fn a_revocation_during_a_miss_is_not_hidden_by_the_cache() {
    let (h, ee, status) = setup();
    let source = Arc::new(RevokesMidRead {
        inner: status,
        responder: OnceLock::new(),
        armed: Mutex::new(true),
    });
    let r = responder(
        &h,
        source.clone(),
        Arc::new(SystemClock),
        OcspConfig::default(),
    );
    source.responder.set(Arc::downgrade(&r)).ok().unwrap();
    let req = request(&h, &ee.serial());
    // The miss read "good" before the revocation: that answer is given
    // (it was true when read) but not cached.
    let (st, _) = check(
        &h,
        &r.respond(&req).await.der,
        &ee.serial(),
        SystemTime::now(),
    );
    assert_eq!(st, OcspCertStatus::Good);
    assert_eq!(r.stats().cached, 0);
    // The next request reads the revocation.
    let (st, _) = check(
        &h,
        &r.respond(&req).await.der,
        &ee.serial(),
        SystemTime::now(),
    );
    assert!(matches!(st, OcspCertStatus::Revoked { .. }), "{st:?}");
    assert_eq!(r.stats().cached, 1);
}

#[tokio::test]
async fn another_node_learns_of_a_revocation_by_polling() {
    let (h, ee, status) = setup();
    let node = |status: Arc<MemoryStatus>| {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        Arc::new(Publication {
            ocsp: Some(responder(
                &h,
                status.clone(),
                clock.clone(),
                OcspConfig::default(),
            )),
            crl: Some(Arc::new(
                CrlPublisher::new(
                    h.ca.cert.clone(),
                    h.ca.signer.clone(),
                    status,
                    clock,
                    CrlConfig::default(),
                )
                .unwrap(),
            )),
            tsa: None,
        })
    };
    let a = node(status.clone());
    let b = node(status.clone());
    let config = PublicationConfig {
        poll_changes: Some(Duration::from_millis(50)),
        ..PublicationConfig::default()
    };
    let _ta = a.start(status.clone(), &config).await.unwrap();
    let _tb = b.start(status.clone(), &config).await.unwrap();
    let req = request(&h, &ee.serial());
    let b_ocsp = b.ocsp.as_ref().unwrap();
    let (st, _) = check(
        &h,
        &b_ocsp.respond(&req).await.der,
        &ee.serial(),
        SystemTime::now(),
    );
    assert_eq!(st, OcspCertStatus::Good);
    let b_crl = b.crl.as_ref().unwrap();
    let mut crls = b_crl.subscribe();
    let first = crls
        .wait_for(Option::is_some)
        .await
        .unwrap()
        .as_ref()
        .unwrap()
        .number;

    // Node A's CA revokes and tells only node A.
    status.revoke(
        &ee.serial(),
        SystemTime::now(),
        Some(CrlReason::KeyCompromise),
    );
    a.status_changed(&ee.serial());

    // Node B: OCSP and CRL follow within a few polls.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (st, _) = check(
            &h,
            &b_ocsp.respond(&req).await.der,
            &ee.serial(),
            SystemTime::now(),
        );
        if matches!(st, OcspCertStatus::Revoked { .. }) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "node B never saw it"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let crl = tokio::time::timeout(
        Duration::from_secs(10),
        crls.wait_for(|c| c.as_ref().is_some_and(|c| c.number > first)),
    )
    .await
    .unwrap()
    .unwrap()
    .clone()
    .unwrap();
    let parsed = pki::crl::parse_crl(&crl.der).unwrap();
    parsed.verify_signature(&h.ca.cert).unwrap();
    assert!(parsed.lookup(&ee.serial()).is_some());
}

#[tokio::test]
async fn nonce_policy_and_unknown_serials() {
    let (h, ee, status) = setup();
    let with_nonce = RequestBuilder::new()
        .cert_id(CertId::new(&h.ca.cert, ee.serial(), CertIdHash::Sha1).unwrap())
        .nonce(b"0123456789abcdef".to_vec())
        .build_der()
        .unwrap();

    // Echo (default): signed fresh, nonce echoed.
    let r = responder(
        &h,
        status.clone(),
        Arc::new(SystemClock),
        OcspConfig::default(),
    );
    r.presign().await.unwrap();
    let signed = r.stats().signed;
    let der = r.respond(&with_nonce).await.der;
    assert_eq!(r.stats().signed, signed + 1);
    assert_eq!(
        parse_response(&der).unwrap().nonce().unwrap(),
        b"0123456789abcdef"
    );

    // Ignore: the pre-signed response, no nonce, no signature.
    let r = responder(
        &h,
        status,
        Arc::new(SystemClock),
        OcspConfig {
            nonce: NoncePolicy::Ignore,
            ..OcspConfig::default()
        },
    );
    r.presign().await.unwrap();
    let signed = r.stats().signed;
    let der = r.respond(&with_nonce).await.der;
    assert_eq!(r.stats().signed, signed);
    assert_eq!(parse_response(&der).unwrap().nonce(), None);
    let err = verify_response(
        &der,
        &h.ca.cert,
        &ee.serial(),
        Some(b"0123456789abcdef"),
        SystemTime::now(),
        &OcspPolicy::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "OCSP_NONCE_MISSING");

    // Unknown serials are answered but never cached.
    let cached = r.stats().cached;
    for n in 0..3u32 {
        let serial = SerialNumber::from(0x9900 + n);
        let answer = r.respond(&request(&h, &serial)).await;
        let (st, _) = check(&h, &answer.der, &serial, SystemTime::now());
        assert_eq!(st, OcspCertStatus::Unknown);
        assert_eq!(answer.max_age, None);
    }
    assert_eq!(r.stats().cached, cached);
}

/// A status source whose database is down.
struct Down;

impl StatusSource for Down {
    fn status<'a>(&'a self, _: &'a SerialNumber) -> BoxFuture<'a, Result<CertState, StatusError>> {
        Box::pin(async { Err(StatusError::new(std::io::Error::other("database down"))) })
    }
    fn revoked(&self) -> BoxFuture<'_, Result<Vec<RevokedEntry>, StatusError>> {
        Box::pin(async { Err(StatusError::new(std::io::Error::other("database down"))) })
    }
    fn issued_page<'a>(
        &'a self,
        _: Option<&'a SerialNumber>,
        _: usize,
    ) -> BoxFuture<'a, Result<Vec<(SerialNumber, CertState)>, StatusError>> {
        Box::pin(async { Err(StatusError::new(std::io::Error::other("database down"))) })
    }
    fn changes_since(&self, _: u64) -> BoxFuture<'_, Result<Changes, StatusError>> {
        Box::pin(async { Err(StatusError::new(std::io::Error::other("database down"))) })
    }
    fn next_crl_number(&self) -> BoxFuture<'_, Result<u64, StatusError>> {
        Box::pin(async { Err(StatusError::new(std::io::Error::other("database down"))) })
    }
}

#[tokio::test]
async fn a_failing_status_source_means_try_later_and_no_crl() {
    let (h, ee, _) = setup();
    let r = responder(
        &h,
        Arc::new(Down),
        Arc::new(SystemClock),
        OcspConfig::default(),
    );
    let der = r.respond(&request(&h, &ee.serial())).await.der;
    assert_eq!(
        parse_response(&der).unwrap().status(),
        OcspResponseStatus::TryLater
    );
    assert_eq!(
        r.presign().await.unwrap_err().code(),
        "CA_STATUS_SOURCE_FAILED"
    );
    let crl = CrlPublisher::new(
        h.ca.cert.clone(),
        h.ca.signer.clone(),
        Arc::new(Down),
        Arc::new(SystemClock),
        CrlConfig::default(),
    )
    .unwrap();
    assert_eq!(
        crl.publish().await.unwrap_err().code(),
        "CA_STATUS_SOURCE_FAILED"
    );
    assert!(crl.current().is_none());
}

#[test]
fn certificates_that_cannot_sign_are_refused_at_setup() {
    let (h, ee, status) = setup();
    let other = Hierarchy::new(ParamSet::Tc26A256);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let ocsp = |cert: &Holder, signer: &Holder, issuer: &Holder| {
        OcspResponder::new(
            issuer.cert.clone(),
            cert.cert.clone(),
            signer.signer.clone(),
            status.clone(),
            clock.clone(),
            OcspConfig::default(),
        )
        .map(|_| ())
    };
    // The delegated responder and the CA itself may sign.
    ocsp(&h.responder, &h.responder, &h.ca).unwrap();
    ocsp(&h.ca, &h.ca, &h.ca).unwrap();
    for (cert, signer, issuer, why) in [
        (&ee, &ee, &h.ca, "no OCSPSigning"),
        (&other.responder, &other.responder, &h.ca, "another CA's"),
        (&h.responder, &h.tsa, &h.ca, "another key"),
    ] {
        let err = ocsp(cert, signer, issuer).unwrap_err();
        assert_eq!(err.code(), "CA_OCSP_RESPONDER_CERT_INVALID", "{why}");
    }

    let tsa = |cert: &Holder, signer: &Holder| {
        Tsa::new(
            cert.cert.clone(),
            signer.signer.clone(),
            Arc::new(MemoryCounter::new(1)),
            clock.clone(),
            TsaConfig::new(const_oid::ObjectIdentifier::new_unwrap("1.2.3.4")),
        )
        .map(|_| ())
    };
    tsa(&h.tsa, &h.tsa).unwrap();
    for (cert, signer, why) in [
        (&h.responder, &h.responder, "OCSPSigning, not timeStamping"),
        (&ee, &ee, "clientAuth, not critical"),
        (&h.tsa, &h.responder, "another key"),
    ] {
        assert_eq!(
            tsa(cert, signer).unwrap_err().code(),
            "CA_TSA_CERT_INVALID",
            "{why}"
        );
    }

    let crl = |cert: &Holder, signer: &Holder| {
        CrlPublisher::new(
            cert.cert.clone(),
            signer.signer.clone(),
            status.clone(),
            clock.clone(),
            CrlConfig::default(),
        )
        .map(|_| ())
    };
    crl(&h.ca, &h.ca).unwrap();
    assert_eq!(
        crl(&h.ca, &h.responder).unwrap_err().code(),
        "CRL_SIGNER_KEY_MISMATCH"
    );
    // keyUsage without cRLSign.
    assert_eq!(
        crl(&h.responder, &h.responder).unwrap_err().code(),
        "CRL_ISSUER_NOT_CRL_SIGNER"
    );
}
