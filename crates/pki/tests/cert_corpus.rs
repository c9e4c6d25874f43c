//! The third-party certificates and CSRs of the shared corpus: every one
//! parses, GOST 2012 self-signatures and chains verify, older algorithms
//! are refused with a clear error, CSR proofs of possession verify.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};

use der::Encode;
use pki::Diagnostic;
use pki::cert::{
    self, CertificateInfo, Lang, parse_certificate, parse_certificates, verify_issued_by,
    verify_issued_by_der,
};
use pki::csr::{parse_csr, verify_csr, verify_csr_der};

fn files(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path, exts));
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e))
        {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn load(rel: &str) -> (Vec<u8>, x509_cert::Certificate) {
    let bytes = std::fs::read(support::corpus().join("certs").join(rel)).unwrap();
    let cert = parse_certificate(&bytes).unwrap();
    // The DER as stored (PEM decoded) for exact-byte checks.
    let der = if bytes.first() == Some(&0x30) {
        bytes
    } else {
        pki::cert::pem_blocks(&bytes, &["CERTIFICATE"])
            .unwrap()
            .remove(0)
    };
    (der, cert)
}

#[test]
fn every_corpus_certificate_parses_and_describes() {
    let all: Vec<_> = files(&support::corpus().join("certs"), &["pem", "der", "crt"])
        .into_iter()
        .filter(|p| !p.to_str().unwrap().ends_with("_csr.der"))
        .collect();
    assert_eq!(all.len(), 27);
    for path in all {
        let bytes = std::fs::read(&path).unwrap();
        let certs =
            parse_certificates(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(certs.len(), 1, "{}", path.display());
        let info = CertificateInfo::new(&certs[0], Lang::En);
        assert!(!info.subject.is_empty());
        assert!(!info.render(Lang::Ru).is_empty());
        serde_json::to_string(&info).unwrap();
    }
}

const SELF_SIGNED_2012: &[&str] = &[
    "cryptopro-test-ca/cryptopro_test_ca_2018.pem",
    "esia-blastoff-test/blastoff_ca_test.pem",
    "gostcrypto-sample/pushkin_selfsigned_2014.pem",
    "ksba-openssl-tk26/root_gost_tk26.crt",
    "ksba-openssl-tk26/test_gost_eku_crl.crt",
    "ksba-openssl-tk26/test_gost_eku_ocsp.crt",
    "ksba-openssl-tk26/test_gost_eku_sign.crt",
    "ksba-openssl-tk26/test_gost_no_policy.crt",
    "ksba-openssl-tk26/test_gost_policy.crt",
    "ksba-openssl-tk26/test_without_eku.crt",
    "rfc9215/rfc9215_256_test_paramset_cert.der",
    "rfc9215/rfc9215_256a_paramset_cert.der",
    "rfc9215/rfc9215_512_test_paramset_cert.der",
    "tk26/tk26iok_example_256.der",
    "tk26/tk26iok_example_512.der",
];

#[test]
fn gost2012_self_signatures_verify() {
    for rel in SELF_SIGNED_2012 {
        let (der, cert) = load(rel);
        verify_issued_by_der(&der, &cert).unwrap_or_else(|e| panic!("{rel}: {e}"));
        if rel.starts_with("gostcrypto-sample") {
            // Its BOOLEANs are BER (TRUE as 01): re-encoding changes the TBS,
            // so only the original bytes verify.
            assert_ne!(cert.to_der().unwrap(), der);
            assert!(verify_issued_by(&cert, &cert).is_err());
        } else {
            assert_eq!(cert.to_der().unwrap(), der, "{rel}");
            verify_issued_by(&cert, &cert).unwrap();
        }
        assert!(cert::is_self_issued(&cert));
    }
}

#[test]
fn chains_verify() {
    for (leaf, root) in [
        (
            "ksba-openssl-tk26/leaf_gost_tk26.crt",
            "ksba-openssl-tk26/root_gost_tk26.crt",
        ),
        (
            "esia-blastoff-test/otvconba.pem",
            "esia-blastoff-test/blastoff_ca_test.pem",
        ),
    ] {
        let (der, leaf_cert) = load(leaf);
        let (_, root_cert) = load(root);
        verify_issued_by_der(&der, &root_cert).unwrap_or_else(|e| panic!("{leaf}: {e}"));
        verify_issued_by(&leaf_cert, &root_cert).unwrap();
        // Not self-signed, and not issued by another root.
        assert_eq!(
            verify_issued_by(&leaf_cert, &leaf_cert).unwrap_err().code(),
            "CERT_ISSUER_MISMATCH"
        );
    }
    // Same name, wrong key: the ksba root did not sign the other tk26 certs.
    let (der, _) = load("ksba-openssl-tk26/test_gost_policy.crt");
    let (_, root) = load("ksba-openssl-tk26/root_gost_tk26.crt");
    assert!(verify_issued_by_der(&der, &root).is_err());
}

#[test]
fn older_algorithms_are_refused_clearly() {
    for rel in [
        "guc-minkomsvyaz/guc_root_2012_gost2001.der",
        "rfc4491/rfc4491_gost2001_example.der",
        "rfc4491/rfc4491_gost94_example.der",
        "russian-trusted-ca-rsa/russian_trusted_root_ca.pem",
    ] {
        let (der, cert) = load(rel);
        let err = verify_issued_by_der(&der, &cert).unwrap_err();
        assert_eq!(err.code(), "CERT_UNSUPPORTED_ALGORITHM", "{rel}: {err}");
        assert!(err.message_en().contains("not supported"), "{rel}");
        let report = pki::profile::check_qualified(&cert, None);
        assert!(report.has(pki::profile::Rule::AlgNotGost2012), "{rel}");
    }
    let (der, _) = load("guc-minkomsvyaz/uc1_is_guc_2016_gost2001.der");
    let (_, root) = load("guc-minkomsvyaz/guc_root_2012_gost2001.der");
    assert_eq!(
        verify_issued_by_der(&der, &root).unwrap_err().code(),
        "CERT_UNSUPPORTED_ALGORITHM"
    );
}

#[test]
fn corpus_details_are_read() {
    let (_, ca) = load("cryptopro-test-ca/cryptopro_test_ca_2018.pem");
    let info = CertificateInfo::new(&ca, Lang::En);
    assert_eq!(info.key.param_set.as_deref(), Some("256-A"));
    assert!(
        info.subject.contains("CN=Тестовый УЦ ООО \"КРИПТО-ПРО\""),
        "{}",
        info.subject
    );
    let (_, leaf) = load("ksba-openssl-tk26/leaf_gost_tk26.crt");
    assert_eq!(
        cert::authority_key_id(&leaf),
        cert::subject_key_id(&load("ksba-openssl-tk26/root_gost_tk26.crt").1)
    );
    let (_, esia) = load("esia/esia_gost_prod_2025_357ff8.pem");
    let id = pki::name::SubjectIdentity::from_name(esia.tbs_certificate().subject());
    assert!(id.ogrn.is_some() && id.innle.is_some(), "{id:?}");
    assert_eq!(
        pki::profile::SubjectKind::detect(esia.tbs_certificate().subject()),
        pki::profile::SubjectKind::LegalEntity
    );
    let info = CertificateInfo::new(&esia, Lang::Ru);
    assert!(
        info.extensions.iter().any(|e| e.name == "subjectSignTool"),
        "{:?}",
        info.extensions
    );
    assert!(info.extensions.iter().any(|e| e.name == "issuerSignTool"));
    let (_, rfc) = load("rfc9215/rfc9215_512_test_paramset_cert.der");
    assert_eq!(cert::key_info(&rfc).param_set.as_deref(), Some("512-TEST"));
}

#[test]
fn corpus_csrs_prove_possession() {
    let mut all = files(&support::corpus().join("certs/ksba-openssl-tk26"), &["csr"]);
    all.extend(
        files(&support::corpus().join("certs/rfc9215"), &["der"])
            .into_iter()
            .filter(|p| p.to_str().unwrap().ends_with("_csr.der")),
    );
    assert_eq!(all.len(), 11);
    for path in all {
        let bytes = std::fs::read(&path).unwrap();
        let csr = parse_csr(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        verify_csr(&csr).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let der = csr.to_der().unwrap();
        verify_csr_der(&der).unwrap();
        let mut bad = der.clone();
        let n = bad.len();
        bad[n - 2] ^= 0x10;
        assert_eq!(
            verify_csr_der(&bad).unwrap_err().code(),
            "CSR_BAD_SIGNATURE",
            "{}",
            path.display()
        );
    }
}
