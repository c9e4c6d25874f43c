//! RFC 3161 against OpenSSL: our requests are read by `openssl ts -query`,
//! OpenSSL's GOST time-stamp authority (`openssl ts -reply`) answers them,
//! and we read its responses and tokens and match them to our requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use std::fs;

use der::Encode;
use pki::algorithm::DigestAlgorithm;
use pki::tsp::{
    MessageImprint, TimeStampReq, TimeStampResp, TokenError, TspError, tst_info_of_token,
    verify_token,
};
use support::{openssl, run_ok};

/// A GOST TSA made by OpenSSL in `dir`: key, certificate with the critical
/// timeStamping EKU, and the `openssl ts` configuration.
fn make_tsa(dir: &std::path::Path, alg: &str, md: &str) {
    fs::write(
        dir.join("ext.cnf"),
        "[tsa_ext]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n\
         extendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\n",
    )
    .unwrap();
    run_ok(openssl().current_dir(dir).args([
        "req",
        "-x509",
        "-newkey",
        alg,
        "-pkeyopt",
        "paramset:A",
        "-nodes",
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.pem",
        "-subj",
        "/CN=Test TSA/O=podpis/C=RU",
        "-days",
        "30",
        "-config",
        "ext.cnf",
        "-extensions",
        "tsa_ext",
    ]));
    fs::write(
        dir.join("ts.cnf"),
        format!(
            "[tsa]\ndefault_tsa = tsa_config\n[tsa_config]\nserial = {d}/serial\n\
             signer_cert = {d}/tsa.pem\nsigner_key = {d}/tsa.key\nsigner_digest = {md}\n\
             default_policy = 1.2.643.100.200.1\nother_policies = 1.2.643.100.200.2\n\
             digests = md_gost12_256, md_gost12_512\naccuracy = secs:1, millisecs:500\n\
             ordering = yes\ntsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = {md}\n",
            d = dir.display()
        ),
    )
    .unwrap();
    fs::write(dir.join("serial"), "01\n").unwrap();
}

fn reply(dir: &std::path::Path, req: &[u8]) -> Vec<u8> {
    fs::write(dir.join("req.tsq"), req).unwrap();
    run_ok(openssl().current_dir(dir).args([
        "ts",
        "-reply",
        "-config",
        "ts.cnf",
        "-queryfile",
        "req.tsq",
        "-out",
        "resp.tsr",
    ]));
    fs::read(dir.join("resp.tsr")).unwrap()
}

#[test]
fn openssl_tsa_answers_our_requests() {
    for (alg, md, digest) in [
        (
            "gost2012_256",
            "md_gost12_256",
            DigestAlgorithm::Streebog256,
        ),
        (
            "gost2012_512",
            "md_gost12_512",
            DigestAlgorithm::Streebog512,
        ),
    ] {
        let dir = support::tempdir();
        make_tsa(dir.path(), alg, md);
        let imprint = MessageImprint::of(digest, b"document to stamp").unwrap();
        let req = TimeStampReq::new(imprint, None).unwrap();
        let req_der = req.to_der().unwrap();

        // OpenSSL reads our request.
        fs::write(dir.path().join("ours.tsq"), &req_der).unwrap();
        let text = run_ok(
            openssl()
                .args(["ts", "-query", "-in"])
                .arg(dir.path().join("ours.tsq"))
                .arg("-text"),
        );
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("Certificate required: yes"), "{text}");

        let resp = TimeStampResp::from_der_bytes(&reply(dir.path(), &req_der)).unwrap();
        assert_eq!(resp.status, 0, "{:?}", resp.status_text);
        let token = resp.into_token().unwrap();
        let info = tst_info_of_token(&token).unwrap();
        info.check_against(&req).unwrap();
        // The token's signature verifies with the TSA certificate it carries,
        // which is a TSA's; a flipped byte in the TSTInfo breaks it.
        let verified = verify_token(&token, &[]).unwrap();
        assert_eq!(verified.info, info);
        assert!(
            pki::name::format_name(verified.tsa.tbs_certificate().subject()).contains("Test TSA")
        );
        let serial = info.serial_number.to_der().unwrap();
        let at = token
            .windows(serial.len())
            .position(|w| w == serial.as_slice())
            .unwrap();
        let mut tampered = token.clone();
        tampered[at + serial.len() - 1] ^= 1;
        assert!(matches!(
            verify_token(&tampered, &[]),
            Err(TokenError::Signature(_))
        ));
        assert_eq!(info.policy.to_string(), "1.2.643.100.200.1");
        assert_eq!(info.imprint_algorithm().unwrap(), digest);
        assert!(info.ordering);
        assert_eq!(
            info.accuracy.unwrap().duration(),
            std::time::Duration::from_millis(1500)
        );
        let now = std::time::SystemTime::now();
        let stamped = info.gen_time().unwrap();
        assert!(stamped <= now + std::time::Duration::from_secs(5));

        // The token answers this request only: another nonce, another
        // imprint or a policy not asked for are refused.
        let other = TimeStampReq::new(req.message_imprint.clone(), None).unwrap();
        assert_eq!(info.check_against(&other), Err(TspError::NonceMismatch));
        let mut wrong = req.clone();
        wrong.message_imprint = MessageImprint::of(digest, b"another document").unwrap();
        assert_eq!(info.check_against(&wrong), Err(TspError::ImprintMismatch));
        let mut policy = req.clone();
        policy.req_policy = Some(const_oid::ObjectIdentifier::new_unwrap("1.2.643.100.200.2"));
        assert!(matches!(
            info.check_against(&policy),
            Err(TspError::PolicyMismatch(_))
        ));
    }
}

#[test]
fn openssl_tsa_refusal_is_reported_with_its_reason() {
    let dir = support::tempdir();
    make_tsa(dir.path(), "gost2012_256", "md_gost12_256");
    let imprint = MessageImprint::of(DigestAlgorithm::Streebog256, b"x").unwrap();
    // A policy the TSA does not serve.
    let req = TimeStampReq::new(
        imprint,
        Some(const_oid::ObjectIdentifier::new_unwrap("1.2.3.4")),
    )
    .unwrap();
    let resp = TimeStampResp::from_der_bytes(&reply(dir.path(), &req.to_der().unwrap())).unwrap();
    match resp.into_token() {
        Err(TspError::Refused {
            status: 2,
            fail_info,
            ..
        }) => {
            assert_eq!(fail_info, vec!["unacceptedPolicy"]);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
