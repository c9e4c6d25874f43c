//! Path validation on third-party certificates of the interop corpus
//! (CryptoPro JCP, OpenSSL, the Минкомсвязь Головной УЦ), at pinned times.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod path_fixtures;
mod support;

use path_fixtures::{corpus_cert, unix};
use pki::Diagnostic;
use pki::oids;
use pki::path::{PathError, PathValidator};
use pki::trust::TrustStore;

/// 2025-06-01T00:00:00Z.
const JUNE_2025: u64 = 1_748_736_000;
/// 2025-12-01T00:00:00Z.
const DECEMBER_2025: u64 = 1_764_547_200;
/// 2026-11-22T00:00:00Z, "today" of the corpus README.
const NOVEMBER_2026: u64 = 1_795_305_600;

fn trust(rel: &str) -> TrustStore {
    let mut store = TrustStore::new();
    store.add(corpus_cert(rel)).unwrap();
    store
}

#[test]
fn esia_blastoff_leaf_chains_to_its_ca_and_is_expired_now() {
    let store = trust("certs/esia-blastoff-test/blastoff_ca_test.pem");
    let leaf = corpus_cert("certs/esia-blastoff-test/otvconba.pem");
    let path = PathValidator::new(&store, unix(JUNE_2025))
        .with_qualified_policy(true)
        .with_required_eku(oids::KP_CLIENT_AUTH)
        .validate(&leaf, &[])
        .unwrap();
    assert_eq!(path.len(), 2);
    assert_eq!(path.anchor(), store.iter().next().unwrap());
    // Its critical EKU names clientAuth only.
    let e = PathValidator::new(&store, unix(JUNE_2025))
        .with_required_eku(oids::KP_EMAIL_PROTECTION)
        .validate(&leaf, &[])
        .unwrap_err();
    assert!(matches!(e, PathError::Eku { .. }), "{e:?}");
    // notAfter 2026-05-12.
    let e = PathValidator::new(&store, unix(NOVEMBER_2026))
        .validate(&leaf, &[])
        .unwrap_err();
    assert!(matches!(e, PathError::Expired { .. }), "{e:?}");
    assert_eq!(e.sub_indication(), "EXPIRED");
    assert_eq!(e.code(), "CERT_EXPIRED");
}

#[test]
fn ksba_openssl_leaf_chains_to_its_root() {
    let store = trust("certs/ksba-openssl-tk26/root_gost_tk26.crt");
    let leaf = corpus_cert("certs/ksba-openssl-tk26/leaf_gost_tk26.crt");
    let path = PathValidator::new(&store, unix(DECEMBER_2025))
        .validate(&leaf, &[])
        .unwrap();
    assert_eq!(path.len(), 2);
    // Its policy is 1.2.643.100.111.1, not a signature-tool class.
    let e = PathValidator::new(&store, unix(DECEMBER_2025))
        .with_qualified_policy(true)
        .validate(&leaf, &[])
        .unwrap_err();
    assert_eq!(e, PathError::NotQualified);
    // A self-signed certificate from the same set is no issuer of it.
    let other = trust("certs/ksba-openssl-tk26/test_gost_policy.crt");
    let e = PathValidator::new(&other, unix(DECEMBER_2025))
        .validate(&leaf, &[])
        .unwrap_err();
    assert!(matches!(e, PathError::NoChain { .. }), "{e:?}");
}

#[test]
fn gost_2001_chain_is_an_unsupported_algorithm() {
    let store = trust("certs/guc-minkomsvyaz/guc_root_2012_gost2001.der");
    let sub_ca = corpus_cert("certs/guc-minkomsvyaz/uc1_is_guc_2016_gost2001.der");
    let e = PathValidator::new(&store, unix(JUNE_2025))
        .validate(&sub_ca, &[])
        .unwrap_err();
    assert!(matches!(e, PathError::UnsupportedAlgorithm { .. }), "{e:?}");
    assert_eq!(e.sub_indication(), "CRYPTO_CONSTRAINTS_FAILURE");
    assert_eq!(e.code(), "CERT_ALGORITHM_UNSUPPORTED");
}

#[test]
fn esia_certificates_alone_have_no_chain() {
    let mut store = TrustStore::new();
    // Unrelated anchors do not help.
    store
        .add(corpus_cert("certs/esia-blastoff-test/blastoff_ca_test.pem"))
        .unwrap();
    store
        .add(corpus_cert("certs/ksba-openssl-tk26/root_gost_tk26.crt"))
        .unwrap();
    for rel in [
        "certs/esia/esia_gost_prod_2025_357ff8.pem",
        "certs/esia/esia_gost_test_2025_0274a5.pem",
        "certs/esia/esia_gost_test_2019_720b.pem",
    ] {
        let leaf = corpus_cert(rel);
        let e = PathValidator::new(&store, unix(JUNE_2025))
            .validate(&leaf, &[])
            .unwrap_err();
        assert!(matches!(e, PathError::NoChain { .. }), "{rel}: {e:?}");
        assert_eq!(e.sub_indication(), "NO_CERTIFICATE_CHAIN_FOUND");
    }
}

#[test]
fn self_signed_corpus_roots_validate_as_anchors_of_themselves() {
    // A trusted self-signed certificate is a path of one; its own checks
    // (key usage for signing) still apply.
    for rel in [
        "certs/tk26/tk26iok_example_256.der",
        "certs/tk26/tk26iok_example_512.der",
    ] {
        let store = trust(rel);
        let cert = corpus_cert(rel);
        let path = PathValidator::new(&store, unix(JUNE_2025))
            .validate(&cert, &[])
            .unwrap();
        assert_eq!(path.len(), 1, "{rel}");
    }
}
