//! CMS interoperability with OpenSSL and the GOST engine, both directions,
//! for every production parameter set, attached and detached.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cms_common;
mod support;

use cms_common::{now, openssl_sign, openssl_verify, party};
use gost::ParamSet;
use pki::Diagnostic;
use pki::cms::{Content, SignOptions, SignedMessage, sign};

const CONTENT: &[u8] =
    b"podpis CMS interop: \xd0\xbf\xd0\xbe\xd0\xb4\xd0\xbf\xd0\xb8\xd1\x81\xd1\x8c\n";

#[test]
fn openssl_verifies_ours_for_every_parameter_set() {
    for params in ParamSet::PRODUCTION {
        let p = party(params, "podpis cms signer");
        let dir = p.dir.path();
        let content = dir.join("content.bin");
        let tampered = dir.join("tampered.bin");
        std::fs::write(&content, CONTENT).unwrap();
        std::fs::write(&tampered, b"podpis CMS interop: tampered\n").unwrap();
        for detached in [false, true] {
            let der = sign(
                CONTENT,
                &p.signer,
                &p.cert,
                &SignOptions::cades_bes(detached, now()),
            )
            .unwrap();
            let sig = dir.join("ours.p7s");
            std::fs::write(&sig, &der).unwrap();
            let out = openssl_verify(&sig, &p.cert_pem, detached.then_some(content.as_path()));
            assert!(
                out.status.success(),
                "{params} detached={detached}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            if detached {
                let out = openssl_verify(&sig, &p.cert_pem, Some(&tampered));
                assert!(!out.status.success(), "{params}: tampered content accepted");
            } else {
                // Flip a byte of the encapsulated content.
                let mut bad = der.clone();
                let at = bad
                    .windows(CONTENT.len())
                    .position(|w| w == CONTENT)
                    .unwrap();
                bad[at] ^= 1;
                std::fs::write(&sig, &bad).unwrap();
                let out = openssl_verify(&sig, &p.cert_pem, None);
                assert!(!out.status.success(), "{params}: tampered content accepted");
            }
        }
    }
}

#[test]
fn we_verify_openssl_for_every_parameter_set() {
    for params in ParamSet::PRODUCTION {
        let p = party(params, "openssl cms signer");
        let content = p.dir.path().join("content.bin");
        std::fs::write(&content, CONTENT).unwrap();
        for detached in [false, true] {
            let der = openssl_sign(&p, &content, detached);
            let msg = SignedMessage::parse(&der).unwrap();
            assert_eq!(msg.is_detached(), detached);
            assert_eq!(msg.signer_count(), 1);
            assert_eq!(msg.certificates(), std::slice::from_ref(&p.cert));
            let supplied = detached.then_some(Content::Bytes(CONTENT));
            let v = msg.verify_signer(0, supplied, &[]).unwrap();
            assert_eq!(v.certificate, p.cert);
            assert!(v.has_signed_attributes && v.signing_time.is_some());
            assert_eq!(
                v.digest_algorithm,
                pki::algorithm::DigestAlgorithm::for_key_size(params.key_size())
            );
            if !detached {
                assert_eq!(msg.content(), Some(CONTENT));
            }
            // Tampered content: HASH_FAILURE.
            let err = if detached {
                msg.verify_signer(0, Some(Content::Bytes(b"other")), &[])
                    .unwrap_err()
            } else {
                let mut bad = der.clone();
                let at = bad
                    .windows(CONTENT.len())
                    .position(|w| w == CONTENT)
                    .unwrap();
                bad[at] ^= 1;
                SignedMessage::parse(&bad)
                    .unwrap()
                    .verify_signer(0, None, &[])
                    .unwrap_err()
            };
            assert_eq!(err.code(), "CMS_DIGEST_MISMATCH", "{params}");
            assert_eq!(err.etsi_sub_indication(), Some("HASH_FAILURE"));
        }
    }
}

#[test]
fn openssl_verifies_co_signed_and_pem() {
    let a = party(ParamSet::Tc26A256, "first signer");
    let b = party(ParamSet::Tc26B512, "second signer");
    let dir = a.dir.path();
    let content = dir.join("content.bin");
    std::fs::write(&content, CONTENT).unwrap();
    let both = dir.join("both.pem");
    let mut cat = std::fs::read(&a.cert_pem).unwrap();
    cat.extend(std::fs::read(&b.cert_pem).unwrap());
    std::fs::write(&both, cat).unwrap();
    for detached in [false, true] {
        // The first signature by OpenSSL, the second by us.
        let first = openssl_sign(&a, &content, detached);
        let mut msg = SignedMessage::parse(&first).unwrap();
        let first_signer = msg.signer(0).unwrap().raw().to_vec();
        let supplied = detached.then_some(Content::Bytes(CONTENT));
        msg.co_sign(
            supplied,
            &b.signer,
            &b.cert,
            &SignOptions::cades_bes(detached, now()),
        )
        .unwrap();
        assert_eq!(msg.signer_count(), 2);
        assert!(msg.signer_infos().iter().any(|s| s.raw() == first_signer));
        assert_eq!(msg.digest_algorithms().len(), 2);
        let sig = dir.join("co.p7s");
        std::fs::write(&sig, msg.to_der()).unwrap();
        let out = openssl_verify(&sig, &both, detached.then_some(content.as_path()));
        assert!(
            out.status.success(),
            "co-signed detached={detached}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // PEM output is what `openssl cms -inform PEM` reads.
        let pem = dir.join("co.pem");
        std::fs::write(&pem, msg.to_pem().unwrap()).unwrap();
        let mut cmd = support::openssl();
        cmd.args(["cms", "-verify", "-binary", "-inform", "PEM", "-in"])
            .arg(&pem)
            .arg("-CAfile")
            .arg(&both)
            .args(["-out", "/dev/null"]);
        if detached {
            cmd.arg("-content").arg(&content);
        }
        support::run_ok(&mut cmd);
        // And we parse PEM too.
        let again = SignedMessage::parse(msg.to_pem().unwrap().as_bytes()).unwrap();
        assert_eq!(again.to_der(), msg.to_der());
    }
}
