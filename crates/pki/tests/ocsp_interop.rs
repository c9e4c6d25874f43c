//! OCSP against OpenSSL and the corpus: our requests read by `openssl ocsp`,
//! OpenSSL's responder answering our requests, our responder's answers
//! verified by `openssl ocsp`, and one negative test per check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod revocation_support;
mod support;

use std::time::{Duration, SystemTime};

use pki::Diagnostic;
use pki::crl::CrlReason;
use pki::ocsp::{
    CertId, CertIdHash, NotAuthorized, OcspCertStatus, OcspError, OcspErrorStatus, OcspPolicy,
    RequestBuilder, ResponderIdKind, ResponderKind, ResponseBuilder, error_response, parse_request,
    parse_response, verify_response,
};
use revocation_support::{Issued, LEAF_EXT, NO_EKU_EXT, Pki, RESPONDER_EXT, cert_file, serial};
use support::{corpus, openssl, run_ok};
use x509_cert::serial_number::SerialNumber;

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86400);

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn openssl_reads_our_requests() {
    let pki = Pki::new("gost2012_256", "OCSP CA");
    let leaf = pki.issue("leaf", "1001", LEAF_EXT);
    for (hash, name) in [
        (CertIdHash::Sha1, "sha1"),
        (
            CertIdHash::Streebog256,
            "GOST R 34.11-2012 with 256 bit hash",
        ),
        (
            CertIdHash::Streebog512,
            "GOST R 34.11-2012 with 512 bit hash",
        ),
    ] {
        let builder = RequestBuilder::new()
            .cert_id(CertId::for_certificate(&pki.ca.cert, &leaf.cert, hash).unwrap())
            .cert_id(CertId::new(&pki.ca.cert, serial("1002"), hash).unwrap())
            .random_nonce()
            .unwrap();
        let nonce = builder.nonce_value().unwrap().to_vec();
        assert_eq!(nonce.len(), 16);
        let der = builder.build_der().unwrap();
        let path = pki.write("req.der", &der);
        let out = run_ok(openssl().args(["ocsp", "-req_text", "-reqin"]).arg(&path));
        let t = text(&out);
        assert!(t.contains(&format!("Hash Algorithm: {name}")), "{t}");
        assert!(
            t.contains("Serial Number: 1001") && t.contains("Serial Number: 1002"),
            "{t}"
        );
        assert!(
            t.contains(&format!("0410{}", hex::encode_upper(&nonce))),
            "{t}"
        );
        // And back.
        let req = parse_request(&der).unwrap();
        assert_eq!(req.nonce().unwrap(), nonce);
        let ids: Vec<_> = req.cert_ids().collect();
        assert!(ids[0].matches(&pki.ca.cert, &leaf.serial()).unwrap());
        assert!(!ids[0].matches(&pki.ca.cert, &serial("1002")).unwrap());
    }
    // OpenSSL's own request: same SHA-1 CertID as ours.
    let path = pki.path("openssl_req.der");
    run_ok(
        openssl()
            .args(["ocsp", "-issuer"])
            .arg(&pki.ca.cert_path)
            .arg("-cert")
            .arg(&leaf.cert_path)
            .arg("-reqout")
            .arg(&path),
    );
    let req = parse_request(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        req.cert_ids().next().unwrap(),
        &CertId::for_certificate(&pki.ca.cert, &leaf.cert, CertIdHash::Sha1).unwrap()
    );
    assert_eq!(req.nonce().unwrap().len(), 16);
}

/// A CA with a leaf (1001, good), a revoked certificate (1002,
/// keyCompromise) and a delegated responder (2001), with an `openssl ca`
/// index of them.
struct Fixture {
    pki: Pki,
    leaf: Issued,
    revoked: Issued,
    responder: Issued,
}

fn fixture() -> Fixture {
    let pki = Pki::new("gost2012_256", "OCSP CA");
    let leaf = pki.issue("leaf", "1001", LEAF_EXT);
    let revoked = pki.issue("revoked", "1002", LEAF_EXT);
    let responder = pki.issue("responder", "2001", RESPONDER_EXT);
    pki.write(
        "index.txt",
        b"V\t301122000000Z\t\t1001\tunknown\t/CN=leaf\n\
          R\t301122000000Z\t261101120000Z,keyCompromise\t1002\tunknown\t/CN=revoked\n",
    );
    Fixture {
        pki,
        leaf,
        revoked,
        responder,
    }
}

fn openssl_responds(f: &Fixture, request: &[u8]) -> Vec<u8> {
    let req = f.pki.write("our_req.der", request);
    let resp = f.pki.path("resp.der");
    run_ok(
        openssl()
            .args(["ocsp", "-index"])
            .arg(f.pki.path("index.txt"))
            .arg("-CA")
            .arg(&f.pki.ca.cert_path)
            .arg("-rsigner")
            .arg(&f.responder.cert_path)
            .arg("-rkey")
            .arg(&f.responder.key_path)
            .arg("-reqin")
            .arg(&req)
            .arg("-respout")
            .arg(&resp)
            .args(["-ndays", "1"]),
    );
    std::fs::read(resp).unwrap()
}

#[test]
fn openssl_responder_answers_our_requests() {
    let f = fixture();
    let now = SystemTime::now();
    for (cert, expect_revoked) in [(&f.leaf, false), (&f.revoked, true)] {
        let builder = RequestBuilder::new()
            .cert_id(CertId::for_certificate(&f.pki.ca.cert, &cert.cert, CertIdHash::Sha1).unwrap())
            .random_nonce()
            .unwrap();
        let nonce = builder.nonce_value().unwrap().to_vec();
        let resp = openssl_responds(&f, &builder.build_der().unwrap());
        assert_eq!(parse_response(&resp).unwrap().nonce().unwrap(), nonce);
        let status = verify_response(
            &resp,
            &f.pki.ca.cert,
            &cert.serial(),
            Some(&nonce),
            now,
            &OcspPolicy::default(),
        )
        .unwrap();
        assert_eq!(status.responder_kind, ResponderKind::Delegated);
        assert_eq!(status.responder, f.responder.cert);
        assert!(status.next_update.is_some());
        if expect_revoked {
            let t: x509_cert::time::Time = "2026-11-01T12:00:00Z".parse().unwrap();
            assert_eq!(
                status.status,
                OcspCertStatus::Revoked {
                    time: t.to_system_time(),
                    reason: Some(CrlReason::KeyCompromise)
                }
            );
        } else {
            assert_eq!(status.status, OcspCertStatus::Good);
        }
        // Another nonce than ours is refused.
        let mut other = nonce.clone();
        other[0] ^= 1;
        let err = verify_response(
            &resp,
            &f.pki.ca.cert,
            &cert.serial(),
            Some(&other),
            now,
            &OcspPolicy::default(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "OCSP_NONCE_MISMATCH");
    }
}

fn verify_with_openssl(f: &Fixture, resp: &[u8], serial_hex: &str, trust: &[&str]) -> String {
    let path = f.pki.write("our_resp.der", resp);
    let mut cmd = openssl();
    cmd.args(["ocsp", "-no_nonce", "-resp_text", "-respin"])
        .arg(&path);
    // The CertID digest OpenSSL looks the status up with (SHA-1 unless told).
    cmd.args(trust.iter().filter(|a| a.starts_with("-md_")));
    cmd.arg("-issuer")
        .arg(&f.pki.ca.cert_path)
        .args(["-serial", &format!("0x{serial_hex}")]);
    cmd.args(trust.iter().filter(|a| !a.starts_with("-md_")));
    text(&run_ok(&mut cmd))
}

#[test]
fn openssl_verifies_our_responses() {
    let f = fixture();
    let now = SystemTime::now();
    let leaf_id = CertId::for_certificate(&f.pki.ca.cert, &f.leaf.cert, CertIdHash::Sha1).unwrap();
    let revoked_id =
        CertId::for_certificate(&f.pki.ca.cert, &f.revoked.cert, CertIdHash::Sha1).unwrap();
    let ca_pem = f.pki.ca.cert_path.to_str().unwrap().to_owned();
    let resp_pem = f.responder.cert_path.to_str().unwrap().to_owned();

    // Signed by the delegated responder, named by key.
    let resp = ResponseBuilder::new(&f.responder.cert, now)
        .good(leaf_id.clone(), now - HOUR, Some(now + DAY))
        .unwrap()
        .revoked(
            revoked_id.clone(),
            now - DAY,
            Some(CrlReason::CessationOfOperation),
            now - HOUR,
            Some(now + DAY),
        )
        .unwrap()
        .nonce(Some(b"0123456789abcdef".to_vec()))
        .build_der(&f.responder.signer)
        .unwrap();
    let t = verify_with_openssl(&f, &resp, "1001", &["-CAfile", &ca_pem]);
    assert!(t.contains("Response verify OK"), "{t}");
    assert!(t.contains("0x1001: good"), "{t}");
    assert!(
        t.contains("OCSP Nonce") && t.contains("041030313233343536373839616263646566"),
        "{t}"
    );
    let t = verify_with_openssl(&f, &resp, "1002", &["-VAfile", &resp_pem]);
    assert!(
        t.contains("Response verify OK") && t.contains("0x1002: revoked"),
        "{t}"
    );
    assert!(
        t.contains("Cessation Of Operation") || t.contains("cessationOfOperation"),
        "{t}"
    );
    // We accept it too.
    let st = verify_response(
        &resp,
        &f.pki.ca.cert,
        &f.revoked.serial(),
        Some(b"0123456789abcdef"),
        now,
        &OcspPolicy::default(),
    )
    .unwrap();
    assert!(matches!(
        st.status,
        OcspCertStatus::Revoked {
            reason: Some(CrlReason::CessationOfOperation),
            ..
        }
    ));

    // Signed by the CA itself, named by name, Streebog CertID.
    let id =
        CertId::for_certificate(&f.pki.ca.cert, &f.leaf.cert, CertIdHash::Streebog256).unwrap();
    let resp = ResponseBuilder::new(&f.pki.ca.cert, now)
        .responder_id(ResponderIdKind::ByName)
        .include_certificate(false)
        .good(id, now - HOUR, Some(now + DAY))
        .unwrap()
        .build_der(&f.pki.ca.signer)
        .unwrap();
    let t = verify_with_openssl(&f, &resp, "1001", &["-CAfile", &ca_pem, "-md_gost12_256"]);
    assert!(
        t.contains("Response verify OK") && t.contains("0x1001: good"),
        "{t}"
    );
    assert!(t.contains("Responder Id: CN = OCSP CA"), "{t}");
    let st = verify_response(
        &resp,
        &f.pki.ca.cert,
        &f.leaf.serial(),
        None,
        now,
        &OcspPolicy::default(),
    )
    .unwrap();
    assert_eq!(
        (st.status, st.responder_kind),
        (OcspCertStatus::Good, ResponderKind::Issuer)
    );

    // The responder refuses to sign with a key that is not its certificate's.
    let err = ResponseBuilder::new(&f.responder.cert, now)
        .build(&f.pki.ca.signer)
        .unwrap_err();
    assert_eq!(err.code(), "OCSP_SIGNER_KEY_MISMATCH");
}

#[test]
fn error_responses_are_read_by_openssl() {
    let pki = Pki::new("gost2012_256", "Err CA");
    for (status, name) in [
        (OcspErrorStatus::TryLater, "trylater"),
        (OcspErrorStatus::Unauthorized, "unauthorized"),
        (OcspErrorStatus::MalformedRequest, "malformedrequest"),
    ] {
        let der = der::Encode::to_der(&error_response(status)).unwrap();
        let path = pki.write("err.der", &der);
        let out = openssl()
            .args(["ocsp", "-resp_text", "-respin"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            text(&out).to_lowercase().replace(' ', "").contains(name),
            "{}",
            text(&out)
        );
        let err = verify_response(
            &der,
            &pki.ca.cert,
            &serial("01"),
            None,
            SystemTime::now(),
            &OcspPolicy::default(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "OCSP_NOT_SUCCESSFUL");
    }
}

// --- one negative test per check ---------------------------------------------------

fn good_response(
    signer: &Issued,
    id: CertId,
    nonce: Option<&[u8]>,
    this: SystemTime,
    next: Option<SystemTime>,
) -> Vec<u8> {
    ResponseBuilder::new(&signer.cert, this)
        .good(id, this, next)
        .unwrap()
        .nonce(nonce.map(<[u8]>::to_vec))
        .build_der(&signer.signer)
        .unwrap()
}

fn check(
    f: &Fixture,
    resp: &[u8],
    serial: &SerialNumber,
    nonce: Option<&[u8]>,
    at: SystemTime,
    policy: &OcspPolicy,
) -> Result<pki::ocsp::OcspStatus, OcspError> {
    verify_response(resp, &f.pki.ca.cert, serial, nonce, at, policy)
}

#[test]
fn each_check_refuses_on_its_own() {
    let f = fixture();
    let now = SystemTime::now();
    let p = OcspPolicy::default();
    let id = CertId::for_certificate(&f.pki.ca.cert, &f.leaf.cert, CertIdHash::Sha1).unwrap();
    let nonce = b"nonce-0123456789";
    let ok = good_response(&f.responder, id.clone(), Some(nonce), now, Some(now + DAY));
    check(&f, &ok, &f.leaf.serial(), Some(nonce), now, &p).unwrap();

    // Wrong nonce; missing nonce (and the policy that accepts it).
    assert_eq!(
        check(
            &f,
            &ok,
            &f.leaf.serial(),
            Some(b"another-nonce-00"),
            now,
            &p
        )
        .unwrap_err()
        .code(),
        "OCSP_NONCE_MISMATCH"
    );
    let no_nonce = good_response(&f.responder, id.clone(), None, now, Some(now + DAY));
    assert_eq!(
        check(&f, &no_nonce, &f.leaf.serial(), Some(nonce), now, &p)
            .unwrap_err()
            .code(),
        "OCSP_NONCE_MISSING"
    );
    let lax = OcspPolicy {
        require_nonce: false,
        ..OcspPolicy::default()
    };
    check(&f, &no_nonce, &f.leaf.serial(), Some(nonce), now, &lax).unwrap();

    // A response about another certificate.
    assert_eq!(
        check(&f, &ok, &f.revoked.serial(), Some(nonce), now, &p)
            .unwrap_err()
            .code(),
        "OCSP_WRONG_CERTIFICATE"
    );
    // Same serial, another CA: the CertID's issuer hashes differ.
    let other = Pki::new("gost2012_256", "Other CA");
    let err =
        verify_response(&ok, &other.ca.cert, &f.leaf.serial(), Some(nonce), now, &p).unwrap_err();
    assert!(
        matches!(err, OcspError::ResponderNotAuthorized(_)),
        "{err:?}"
    );
    let by_other_ca = ResponseBuilder::new(&other.ca.cert, now)
        .good(id.clone(), now, Some(now + DAY))
        .unwrap()
        .build_der(&other.ca.signer)
        .unwrap();
    assert!(matches!(
        check(&f, &by_other_ca, &f.leaf.serial(), None, now, &p).unwrap_err(),
        OcspError::ResponderNotAuthorized(NotAuthorized::NotIssuedByCa)
    ));
    let by_other_ca = ResponseBuilder::new(&other.ca.cert, now)
        .include_certificate(false)
        .good(id.clone(), now, Some(now + DAY))
        .unwrap()
        .build_der(&other.ca.signer)
        .unwrap();
    assert!(matches!(
        check(&f, &by_other_ca, &f.leaf.serial(), None, now, &p).unwrap_err(),
        OcspError::ResponderNotAuthorized(NotAuthorized::ResponderNotFound)
    ));

    // Responder certificate without OCSPSigning.
    let no_eku = f.pki.issue("noeku", "2002", NO_EKU_EXT);
    let resp = good_response(&no_eku, id.clone(), None, now, Some(now + DAY));
    let err = check(&f, &resp, &f.leaf.serial(), None, now, &p).unwrap_err();
    assert_eq!(err.code(), "OCSP_RESPONDER_NOT_AUTHORIZED");
    assert!(matches!(
        err,
        OcspError::ResponderNotAuthorized(NotAuthorized::NoOcspSigningUsage)
    ));
    // A responder with OCSPSigning issued by another CA.
    let foreign = other.issue("foreign", "2001", RESPONDER_EXT);
    let resp = good_response(&foreign, id.clone(), None, now, Some(now + DAY));
    assert!(matches!(
        check(&f, &resp, &f.leaf.serial(), None, now, &p).unwrap_err(),
        OcspError::ResponderNotAuthorized(NotAuthorized::NotIssuedByCa)
    ));
    // ... unless trusted explicitly (like -VAfile).
    let trusting = OcspPolicy {
        trusted_responders: vec![foreign.cert.clone()],
        ..OcspPolicy::default()
    };
    assert_eq!(
        check(&f, &resp, &f.leaf.serial(), None, now, &trusting)
            .unwrap()
            .responder_kind,
        ResponderKind::Trusted
    );
    // A delegated responder outside its validity.
    assert!(matches!(
        check(
            &f,
            &ok,
            &f.leaf.serial(),
            Some(nonce),
            now + 400 * DAY,
            &OcspPolicy {
                max_age: 1000 * DAY,
                clock_tolerance: 1000 * DAY,
                ..OcspPolicy::default()
            }
        )
        .unwrap_err(),
        OcspError::ResponderNotAuthorized(NotAuthorized::Expired)
    ));

    // Tampered signature.
    let mut bad = ok.clone();
    let basic = parse_response(&ok).unwrap();
    let sig = basic.basic().unwrap().signature.raw_bytes().to_vec();
    let pos = bad
        .windows(sig.len())
        .position(|w| w == sig.as_slice())
        .unwrap();
    bad[pos + 5] ^= 0x01;
    assert_eq!(
        check(&f, &bad, &f.leaf.serial(), Some(nonce), now, &p)
            .unwrap_err()
            .code(),
        "OCSP_SIGNATURE_INVALID"
    );

    // Stale: nextUpdate passed; without nextUpdate, older than max_age.
    assert_eq!(
        check(&f, &ok, &f.leaf.serial(), Some(nonce), now + 2 * DAY, &p)
            .unwrap_err()
            .code(),
        "OCSP_RESPONSE_STALE"
    );
    let open_ended = good_response(&f.responder, id.clone(), None, now, None);
    check(&f, &open_ended, &f.leaf.serial(), None, now + HOUR / 2, &p).unwrap();
    assert_eq!(
        check(&f, &open_ended, &f.leaf.serial(), None, now + 2 * HOUR, &p)
            .unwrap_err()
            .code(),
        "OCSP_RESPONSE_STALE"
    );
    // From the future beyond the tolerance, and within it (signed by the CA:
    // the delegated responder's certificate is only valid from now on).
    let ok = good_response(&f.pki.ca, id.clone(), Some(nonce), now, Some(now + DAY));
    assert_eq!(
        check(&f, &ok, &f.leaf.serial(), Some(nonce), now - HOUR, &p)
            .unwrap_err()
            .code(),
        "OCSP_RESPONSE_NOT_YET_VALID"
    );
    check(
        &f,
        &ok,
        &f.leaf.serial(),
        Some(nonce),
        now - Duration::from_secs(120),
        &p,
    )
    .unwrap();
}

// --- corpus --------------------------------------------------------------------------

fn at(s: &str) -> SystemTime {
    s.parse::<x509_cert::time::Time>().unwrap().to_system_time()
}

#[test]
fn corpus_response_is_unknown_for_the_leaf() {
    let c = corpus();
    let dir = c.join("crl-ocsp/ksba-openssl-tk26");
    let certs = c.join("certs/ksba-openssl-tk26");
    let der = std::fs::read(dir.join("ocsp_resp.der")).unwrap();
    let parsed = parse_response(&der).unwrap();
    let embedded = &parsed.certificates()[0];
    assert!(parsed.names_responder(embedded));
    parsed.verify_signature_with(embedded).unwrap();
    let responder = cert_file(&certs.join("test_gost_eku_ocsp.crt"));
    assert_eq!(embedded, &responder);
    let nonce = hex::decode("BAE1A312C8EBA4E17E78794340DC21ED").unwrap();
    assert_eq!(parsed.nonce().unwrap(), nonce);

    let root = cert_file(&certs.join("root_gost_tk26.crt"));
    let leaf = cert_file(&certs.join("leaf_gost_tk26.crt"));
    assert_eq!(
        leaf.tbs_certificate().serial_number(),
        &serial("2F12CACC3C85D14FE725D07F8D87094F484C6136")
    );
    let when = at("2025-06-26T08:00:00Z");
    // The responder is self-signed: not authorised by the root ...
    let err = verify_response(
        &der,
        &root,
        leaf.tbs_certificate().serial_number(),
        Some(&nonce),
        when,
        &OcspPolicy::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            OcspError::ResponderNotAuthorized(NotAuthorized::NotIssuedByCa)
        ),
        "{err:?}"
    );
    // ... but accepted when trusted directly, as `-VAfile` does.
    let policy = OcspPolicy {
        trusted_responders: vec![responder],
        ..OcspPolicy::default()
    };
    let st = verify_response(
        &der,
        &root,
        leaf.tbs_certificate().serial_number(),
        Some(&nonce),
        when,
        &policy,
    )
    .unwrap();
    assert_eq!(st.status, OcspCertStatus::Unknown);
    assert_eq!(st.produced_at, at("2025-06-26T07:45:55Z"));
    // Without nextUpdate it is stale an hour and more later.
    assert_eq!(
        verify_response(
            &der,
            &root,
            leaf.tbs_certificate().serial_number(),
            Some(&nonce),
            at("2026-11-22T00:00:00Z"),
            &policy
        )
        .unwrap_err()
        .code(),
        "OCSP_RESPONSE_STALE"
    );

    // The request has the same CertID and nonce; the other is about 71D81D77….
    let req = parse_request(&std::fs::read(dir.join("ocsp_req.der")).unwrap()).unwrap();
    assert_eq!(req.nonce().unwrap(), nonce);
    let id = req.cert_ids().next().unwrap();
    assert!(
        id.matches(&root, leaf.tbs_certificate().serial_number())
            .unwrap()
    );
    assert_eq!(
        id,
        &parsed.basic().unwrap().tbs_response_data.responses[0].cert_id
    );
    let other = parse_request(&std::fs::read(dir.join("ocsp_req_other.der")).unwrap()).unwrap();
    let oid = other.cert_ids().next().unwrap();
    assert_eq!(
        oid.serial_number,
        serial("71D81D772EE6CB5AFCAA6B2D20BEB9751B93BD84")
    );
    assert_eq!(
        other.nonce().unwrap(),
        hex::decode("8EC836A11412D8EB8988CD6F416A2132").unwrap()
    );
    assert!(
        !oid.matches(&root, leaf.tbs_certificate().serial_number())
            .unwrap()
    );
}
