//! CRLs against OpenSSL and the third-party corpus: ours read and verified
//! by `openssl crl` / `openssl verify -crl_check`, OpenSSL's (`ca -gencrl`)
//! read and verified by us.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod revocation_support;
mod support;

use std::time::{Duration, SystemTime};

use der::{Decode, Encode};
use pki::Diagnostic;
use pki::crl::{CrlBuilder, CrlReason, RevokedEntry, parse_crl};
use revocation_support::{LEAF_EXT, Pki, cert_file, serial};
use support::{corpus, openssl, run_ok};

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86400);

const ALL_REASONS: [(CrlReason, &str, &str); 10] = [
    (CrlReason::Unspecified, "2001", ""),
    (CrlReason::KeyCompromise, "2002", "Key Compromise"),
    (CrlReason::CaCompromise, "2003", "CA Compromise"),
    (CrlReason::AffiliationChanged, "2004", "Affiliation Changed"),
    (CrlReason::Superseded, "2005", "Superseded"),
    (
        CrlReason::CessationOfOperation,
        "2006",
        "Cessation Of Operation",
    ),
    (CrlReason::CertificateHold, "2007", "Certificate Hold"),
    (CrlReason::RemoveFromCRL, "2008", "Remove From CRL"),
    (CrlReason::PrivilegeWithdrawn, "2009", "Privilege Withdrawn"),
    (CrlReason::AaCompromise, "200A", "AA Compromise"),
];

#[test]
fn our_crls_verify_with_openssl_and_revoke() {
    for algorithm in ["gost2012_256", "gost2012_512"] {
        let pki = Pki::new(algorithm, "CRL Test CA");
        let leaf = pki.issue("leaf", "1001", LEAF_EXT);
        let revoked = pki.issue("revoked", "1002", LEAF_EXT);
        let now = SystemTime::now();
        let revoked_at = now - 2 * HOUR;
        let compromised_at = now - DAY;
        let mut builder = CrlBuilder::new(&pki.ca.cert, now - HOUR)
            .next_update(now + DAY)
            .number(0x1234)
            .revoke(RevokedEntry {
                serial: revoked.serial(),
                revocation_date: revoked_at,
                reason: Some(CrlReason::KeyCompromise),
                invalidity_date: Some(compromised_at),
            });
        for (reason, s, _) in ALL_REASONS {
            builder = builder.revoke(RevokedEntry::new(serial(s), revoked_at, reason));
        }
        let pem = builder.build_pem(&pki.ca.signer).unwrap();
        assert!(pem.starts_with("-----BEGIN X509 CRL-----"));
        let crl_path = pki.write("our.crl", pem.as_bytes());

        let out = run_ok(
            openssl()
                .args(["crl", "-noout", "-text", "-in"])
                .arg(&crl_path)
                .arg("-CAfile")
                .arg(&pki.ca.cert_path),
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("verify OK") || text.contains("verify OK"),
            "{err}{text}"
        );
        assert!(text.contains("Version 2"), "{text}");
        assert!(
            text.contains("X509v3 CRL Number") && text.contains("4660"),
            "{text}"
        );
        assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");
        assert!(text.contains("Serial Number: 1002"), "{text}");
        assert!(text.contains("Invalidity Date"), "{text}");
        for (_, s, name) in ALL_REASONS {
            assert!(
                text.contains(&format!("Serial Number: {s}")),
                "{s} missing: {text}"
            );
            if !name.is_empty() {
                assert!(text.contains(name), "{name} missing: {text}");
            }
        }
        // Unspecified is written without a reasonCode: 9 reason codes for 11 entries
        // (1002 and 2002 are keyCompromise).
        assert_eq!(text.matches("CRL Reason Code").count(), 10, "{text}");

        // `openssl verify -crl_check`: the revoked certificate is refused, the other passes.
        let out = openssl()
            .args(["verify", "-crl_check", "-CRLfile"])
            .arg(&crl_path)
            .arg("-CAfile")
            .arg(&pki.ca.cert_path)
            .arg(&revoked.cert_path)
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !out.status.success() && all.contains("certificate revoked"),
            "{all}"
        );
        let out = run_ok(
            openssl()
                .args(["verify", "-crl_check", "-CRLfile"])
                .arg(&crl_path)
                .arg("-CAfile")
                .arg(&pki.ca.cert_path)
                .arg(&leaf.cert_path),
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains(": OK"));

        // And we read it back.
        let crl = parse_crl(pem.as_bytes()).unwrap();
        crl.verify_signature(&pki.ca.cert).unwrap();
        assert_eq!(crl.version(), 2);
        assert_eq!(crl.number(), Some(&[0x12, 0x34][..]));
        assert_eq!(crl.number_hex().as_deref(), Some("1234"));
        assert!(crl.is_fresh(now));
        assert!(!crl.is_fresh(now + 2 * DAY));
        assert!(crl.is_issued_by_name(&pki.ca.cert));
        let e = crl.lookup(&revoked.serial()).unwrap();
        assert_eq!(e.reason, Some(CrlReason::KeyCompromise));
        let secs = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(secs(e.revocation_date), secs(revoked_at));
        assert_eq!(e.invalidity_date.map(secs), Some(secs(compromised_at)));
        for (reason, s, _) in ALL_REASONS {
            assert_eq!(
                crl.lookup(&serial(s)).unwrap().reason_or_unspecified(),
                reason
            );
        }
        assert!(crl.lookup(&serial("2001")).unwrap().reason.is_none());
        assert!(crl.lookup(&leaf.serial()).is_none());
        // The DER form parses too and is what PEM carried.
        assert_eq!(parse_crl(crl.to_der()).unwrap().entries().len(), 11);
    }
}

#[test]
fn builder_refuses_a_foreign_key_and_bad_dates() {
    let pki = Pki::new("gost2012_256", "CA One");
    let other = Pki::new("gost2012_256", "CA Two");
    let now = SystemTime::now();
    let err = CrlBuilder::new(&pki.ca.cert, now)
        .next_update(now + DAY)
        .build(&other.ca.signer)
        .unwrap_err();
    assert_eq!(err.code(), "CRL_SIGNER_KEY_MISMATCH");
    let err = CrlBuilder::new(&pki.ca.cert, now)
        .next_update(now - DAY)
        .build(&pki.ca.signer)
        .unwrap_err();
    assert_eq!(err.code(), "CRL_INVALID_DATES");
    // Beyond 2049 the times are GeneralizedTime; OpenSSL still reads them.
    let far = SystemTime::UNIX_EPOCH + Duration::from_secs(2_600_000_000); // 2052
    let crl = CrlBuilder::new(&pki.ca.cert, far)
        .next_update(far + DAY)
        .build(&pki.ca.signer)
        .unwrap();
    assert!(matches!(
        crl.tbs_cert_list.this_update,
        x509_cert::time::Time::GeneralTime(_)
    ));
    let der = crl.to_der().unwrap();
    let path = pki.write("far.crl", &der);
    let out = run_ok(
        openssl()
            .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
            .arg(&path),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2052"));
    assert_eq!(parse_crl(&der).unwrap().this_update(), far);
}

#[test]
fn crl_signed_by_another_key_does_not_verify() {
    let pki = Pki::new("gost2012_256", "Same Name CA");
    let impostor = Pki::new("gost2012_256", "Same Name CA");
    let now = SystemTime::now();
    let der = CrlBuilder::new(&impostor.ca.cert, now)
        .next_update(now + DAY)
        .build_der(&impostor.ca.signer)
        .unwrap();
    let crl = parse_crl(&der).unwrap();
    assert_eq!(
        crl.verify_signature(&pki.ca.cert).unwrap_err().code(),
        "CRL_SIGNATURE_INVALID"
    );
    // A CRL of another issuer name is named as such.
    let other = Pki::new("gost2012_256", "Other CA");
    assert_eq!(
        crl.verify_signature(&other.ca.cert).unwrap_err().code(),
        "CRL_ISSUER_MISMATCH"
    );
    // A flipped signature bit.
    let good = CrlBuilder::new(&pki.ca.cert, now)
        .next_update(now + DAY)
        .build_der(&pki.ca.signer)
        .unwrap();
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    parse_crl(&good)
        .unwrap()
        .verify_signature(&pki.ca.cert)
        .unwrap();
    assert_eq!(
        parse_crl(&bad)
            .unwrap()
            .verify_signature(&pki.ca.cert)
            .unwrap_err()
            .code(),
        "CRL_SIGNATURE_INVALID"
    );
}

#[test]
fn openssl_ca_gencrl_is_read_and_verified() {
    let pki = Pki::new("gost2012_256", "OpenSSL CA");
    let leaf = pki.issue("leaf", "1001", LEAF_EXT);
    let revoked = pki.issue("revoked", "1002", LEAF_EXT);
    let dir = pki.dir.path();
    std::fs::write(dir.join("crlnumber"), "1000\n").unwrap();
    let cnf = support::ca_config(
        dir,
        &format!(
            "certificate = {dir}/ca.pem\nprivate_key = {dir}/ca.key\n\
             crlnumber = {dir}/crlnumber\ndefault_md = md_gost12_256\ndefault_crl_days = 30\n",
            dir = dir.display()
        ),
    );
    // OPENSSL_CONF loads the engine; -config is the CA's own file.
    run_ok(
        openssl()
            .args(["ca", "-config"])
            .arg(&cnf)
            .arg("-revoke")
            .arg(&revoked.cert_path)
            .args(["-crl_reason", "keyCompromise"]),
    );
    let crl_path = pki.path("openssl.crl");
    run_ok(
        openssl()
            .args(["ca", "-config"])
            .arg(&cnf)
            .args(["-gencrl", "-out"])
            .arg(&crl_path),
    );

    let crl = parse_crl(&std::fs::read(&crl_path).unwrap()).unwrap();
    crl.verify_signature(&pki.ca.cert).unwrap();
    assert_eq!(crl.number(), Some(&[0x10, 0x00][..]));
    assert!(crl.is_fresh(SystemTime::now()));
    let entry = crl.lookup(&revoked.serial()).unwrap();
    assert_eq!(entry.reason, Some(CrlReason::KeyCompromise));
    assert!(crl.lookup(&leaf.serial()).is_none());
    // A tampered copy is refused.
    let mut der = crl.to_der().to_vec();
    let n = der.len();
    der[n - 5] ^= 0x40;
    assert!(
        parse_crl(&der)
            .unwrap()
            .verify_signature(&pki.ca.cert)
            .is_err()
    );
}

fn at(rfc3339: &str) -> SystemTime {
    rfc3339
        .parse::<x509_cert::time::Time>()
        .unwrap()
        .to_system_time()
}

#[test]
fn corpus_tk26_root_crl_verifies_and_is_stale() {
    let c = corpus();
    let crl =
        parse_crl(&std::fs::read(c.join("crl-ocsp/ksba-openssl-tk26/root_gost_tk26.crl")).unwrap())
            .unwrap();
    let root = cert_file(&c.join("certs/ksba-openssl-tk26/root_gost_tk26.crt"));
    crl.verify_signature(&root).unwrap();
    assert_eq!(crl.version(), 2);
    assert_eq!(crl.number(), Some(&[0x10, 0x00][..]));
    assert!(crl.entries().is_empty());
    assert!(crl.is_stale(at("2026-11-22T00:00:00Z")));
    assert!(!crl.is_fresh(at("2026-11-22T00:00:00Z")));
    assert!(crl.is_fresh(at("2025-07-20T00:00:00Z")));
}

#[test]
fn corpus_orphan_v1_crl_parses_but_does_not_verify() {
    let c = corpus();
    let crl = parse_crl(
        &std::fs::read(c.join("crl-ocsp/ksba-openssl-tk26/orphan_test_gost_eku_crl.crl")).unwrap(),
    )
    .unwrap();
    assert_eq!(crl.version(), 1);
    let cert = cert_file(&c.join("certs/ksba-openssl-tk26/test_gost_eku_crl.crt"));
    assert_eq!(crl.issuer(), cert.tbs_certificate().subject());
    assert_eq!(
        crl.verify_signature(&cert).unwrap_err().code(),
        "CRL_SIGNATURE_INVALID"
    );
}

#[test]
fn corpus_rfc9215_crls_verify() {
    let c = corpus();
    for name in ["256_test_paramset", "256a_paramset", "512_test_paramset"] {
        let crl = parse_crl(
            &std::fs::read(c.join(format!("crl-ocsp/rfc9215/rfc9215_{name}_crl.der"))).unwrap(),
        )
        .unwrap();
        let cert = cert_file(&c.join(format!("certs/rfc9215/rfc9215_{name}_cert.der")));
        crl.verify_signature(&cert)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // Re-encoding what we parsed gives the same bytes.
        let list = x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(
            crl.to_der(),
        );
        if let Ok(list) = list {
            assert_eq!(list.to_der().unwrap(), crl.to_der());
        }
    }
}
