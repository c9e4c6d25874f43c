//! Trust stores: PEM bundles, DER files, directories with a broken file,
//! lookups by subject and key identifier, deduplication.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod path_fixtures;
mod support;

use der::Encode;
use path_fixtures::corpus_cert;
use pki::Diagnostic;
use pki::trust::{CertPool, TrustError, TrustStore};
use support::corpus_bytes;

const BLASTOFF: &str = "certs/esia-blastoff-test/blastoff_ca_test.pem";
const KSBA_ROOT: &str = "certs/ksba-openssl-tk26/root_gost_tk26.crt";
const TK26_256: &str = "certs/tk26/tk26iok_example_256.der";

fn pem_of(rel: &str) -> String {
    let der = corpus_cert(rel).to_der().unwrap();
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &der).unwrap()
}

#[test]
fn pem_bundle_with_text_between_blocks_and_duplicates() {
    let bundle = format!(
        "# Тестовые корневые сертификаты\n{}\nsubject=CN = root_gost_tk26\r\n{}{}",
        pem_of(BLASTOFF),
        pem_of(KSBA_ROOT).replace('\n', "\r\n"),
        pem_of(BLASTOFF),
    );
    let mut store = TrustStore::new();
    assert_eq!(store.add_pem_bundle(bundle.as_bytes()).unwrap(), 2);
    assert_eq!(store.len(), 2);
    // Adding the same again adds nothing.
    assert_eq!(store.add_pem_bundle(bundle.as_bytes()).unwrap(), 0);
    assert!(!store.add(corpus_cert(BLASTOFF)).unwrap());
    assert_eq!(store.len(), 2);
}

#[test]
fn bundle_without_certificates_or_with_broken_base64() {
    let mut store = TrustStore::new();
    let e = store.add_pem_bundle(b"just text\n").unwrap_err();
    assert!(matches!(e, TrustError::NoCertificates), "{e:?}");
    assert_eq!(e.code(), "TRUST_NO_CERTIFICATES");
    let broken = "-----BEGIN CERTIFICATE-----\nMII!!!\n-----END CERTIFICATE-----\n";
    let e = store.add_pem_bundle(broken.as_bytes()).unwrap_err();
    assert!(matches!(e, TrustError::Malformed(_)), "{e:?}");
    assert_eq!(e.code(), "TRUST_CERT_MALFORMED");
    // Valid base64 that is not a certificate.
    let not_cert = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
    assert!(matches!(
        store.add_pem_bundle(not_cert.as_bytes()),
        Err(TrustError::Malformed(_))
    ));
    assert!(store.is_empty());
}

#[test]
fn lookup_by_subject_and_key_identifier() {
    let mut store = TrustStore::new();
    store.add_der(&corpus_bytes(TK26_256)).unwrap();
    store.add_pem_bundle(&corpus_bytes(BLASTOFF)).unwrap();
    let blastoff = corpus_cert(BLASTOFF);
    let leaf = corpus_cert("certs/esia-blastoff-test/otvconba.pem");
    // The leaf's issuer name finds the CA.
    let found: Vec<_> = store.by_subject(leaf.tbs_certificate().issuer()).collect();
    assert_eq!(found, vec![&blastoff]);
    // The leaf's AKI 6FA3A3AF… is the CA's SKI.
    let ski = hex::decode("6FA3A3AF09F2AF98BFBC21BDDAC349A205356525").unwrap();
    let found: Vec<_> = store.by_ski(&ski).collect();
    assert_eq!(found, vec![&blastoff]);
    assert_eq!(store.by_ski(&[1, 2, 3]).count(), 0);
    assert!(store.contains(&blastoff));
    assert!(!store.contains(&leaf));
    // The leaf's own subject is not in the store.
    assert_eq!(
        store.by_subject(leaf.tbs_certificate().subject()).count(),
        0
    );
}

#[test]
fn directory_with_one_corrupt_file() {
    let dir = support::tempdir();
    std::fs::write(dir.path().join("blastoff.pem"), corpus_bytes(BLASTOFF)).unwrap();
    std::fs::write(dir.path().join("ksba.CRT"), corpus_bytes(KSBA_ROOT)).unwrap();
    std::fs::write(dir.path().join("tk26.der"), corpus_bytes(TK26_256)).unwrap();
    // Bare base64 of a DER certificate, as some CAs publish .cer files.
    let b64: String = pem_of(TK26_256)
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.path().join("tk26-copy.cer"), b64).unwrap();
    let mut truncated = corpus_bytes(TK26_256);
    truncated.truncate(100);
    std::fs::write(dir.path().join("broken.cer"), truncated).unwrap();
    std::fs::write(dir.path().join("readme.txt"), "not loaded").unwrap();
    std::fs::create_dir(dir.path().join("sub.pem")).unwrap();

    let mut store = TrustStore::new();
    let report = store.load_dir(dir.path()).unwrap();
    assert_eq!(report.added, 3);
    assert_eq!(report.duplicates, 1);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let bad = &report.errors[0];
    assert_eq!(bad.path.file_name().unwrap(), "broken.cer");
    assert!(matches!(bad.error, TrustError::Malformed(_)), "{bad:?}");
    assert!(bad.error.message_ru().contains("сертификат"));
    assert_eq!(store.len(), 3);

    let e = store.load_dir(dir.path().join("missing")).unwrap_err();
    assert!(matches!(e, TrustError::Io { .. }), "{e:?}");
    assert_eq!(e.code(), "TRUST_FILE_UNREADABLE");
}

#[test]
fn add_file_reads_der_and_pem() {
    let mut store = TrustStore::new();
    let root = support::corpus();
    assert_eq!(store.add_file(root.join(TK26_256)).unwrap(), 1);
    assert_eq!(store.add_file(root.join(BLASTOFF)).unwrap(), 1);
    assert_eq!(store.add_file(root.join(BLASTOFF)).unwrap(), 0);
    assert!(matches!(
        store.add_file(root.join("README.md")),
        Err(TrustError::NoCertificates)
    ));
}

#[test]
fn pool_dedupes_and_indexes() {
    let a = corpus_cert(BLASTOFF);
    let b = corpus_cert(KSBA_ROOT);
    let pool = CertPool::from_certificates([&a, &b, &a]);
    assert_eq!(pool.len(), 2);
    assert_eq!(
        pool.by_subject(b.tbs_certificate().subject())
            .collect::<Vec<_>>(),
        vec![&b]
    );
}
