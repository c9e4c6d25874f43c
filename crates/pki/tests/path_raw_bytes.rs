//! Signatures are checked over the bytes a certificate was received in,
//! not over its re-encoding: certificates with BER BOOLEANs (a TRUE written
//! as `01` instead of `FF`, as the GostCrypto JavaScript family writes it)
//! validate in paths and are recognised as issued by their CA.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use der::{Decode, Encode};
use gost::{ParamSet, SigningKey};
use pki::cert::{self, CertificateBuilder, ParsedCertificate};
use pki::path::{PathError, PathValidator};
use pki::trust::{CertPool, TrustStore};
use pki::{KeySigner, Signer};
use x509_cert::Certificate;
use x509_cert::ext::pkix::KeyUsages;
use x509_cert::name::Name;

/// 2025-06-01T00:00:00Z.
fn at() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_748_736_000)
}

fn years(n: u64) -> Duration {
    Duration::from_secs(n * 365 * 86_400)
}

struct Chain {
    root: Certificate,
    inter_key: KeySigner,
    inter: Certificate,
    leaf: Certificate,
    root_key: KeySigner,
}

fn chain() -> Chain {
    let key = || KeySigner::new(SigningKey::generate(ParamSet::CryptoProA).unwrap());
    let (root_key, inter_key, leaf_key) = (key(), key(), key());
    let from = at() - years(1);
    let to = at() + years(1);
    let root = CertificateBuilder::ca(
        Name::from_str("CN=Raw Root").unwrap(),
        root_key.verifying_key(),
        from,
        to,
        None,
    )
    .build(&root_key)
    .unwrap();
    let inter = CertificateBuilder::ca(
        Name::from_str("CN=Raw Intermediate").unwrap(),
        inter_key.verifying_key(),
        from,
        to,
        Some(0),
    )
    .issuer(&root)
    .build(&root_key)
    .unwrap();
    let leaf = CertificateBuilder::new(
        Name::from_str("CN=Raw Leaf").unwrap(),
        leaf_key.verifying_key(),
        from,
        to,
    )
    .issuer(&inter)
    .key_usage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation)
    .build(&inter_key)
    .unwrap();
    Chain {
        root,
        inter_key,
        inter,
        leaf,
        root_key,
    }
}

/// A DER length.
fn length(n: usize) -> Vec<u8> {
    match n {
        0..=0x7F => vec![n as u8],
        0x80..=0xFF => vec![0x81, n as u8],
        _ => vec![0x82, (n >> 8) as u8, n as u8],
    }
}

/// `cert` with its first BOOLEAN TRUE (`01 01 FF`, a critical flag)
/// written as `01 01 01` — valid BER, not DER — re-signed over the new
/// bytes by `issuer` when given.
fn with_ber_boolean(cert: &Certificate, issuer: Option<&KeySigner>) -> Vec<u8> {
    let der = cert.to_der().unwrap();
    let mut tbs = cert::tbs_bytes(&der).unwrap().to_vec();
    let at = tbs
        .windows(3)
        .position(|w| w == [0x01, 0x01, 0xFF])
        .expect("a BOOLEAN TRUE in the TBS");
    tbs[at + 2] = 0x01;
    let signature = match issuer {
        Some(signer) => signer.sign_message(&tbs).unwrap(),
        None => cert.signature().raw_bytes().to_vec(),
    };
    let mut body = tbs;
    body.extend(cert.signature_algorithm().to_der().unwrap());
    let bits = der::asn1::BitString::from_bytes(&signature).unwrap();
    body.extend(bits.to_der().unwrap());
    let mut out = vec![0x30];
    out.extend(length(body.len()));
    out.extend(body);
    assert!(Certificate::from_der(&out).is_err(), "not strict DER");
    out
}

fn trust(root: &Certificate) -> TrustStore {
    let mut store = TrustStore::new();
    store.add(root.clone()).unwrap();
    store
}

#[test]
fn leaf_with_ber_boolean_validates_from_its_bytes() {
    let c = chain();
    let leaf_ber = with_ber_boolean(&c.leaf, Some(&c.inter_key));
    let store = trust(&c.root);
    let pool = CertPool::from_certificates([&c.inter]);
    let v = PathValidator::new(&store, at());
    let path = v.validate_der(&leaf_ber, &pool).unwrap();
    assert_eq!(path.len(), 3);
    // The decoded certificate re-encodes to other bytes than were signed.
    let decoded: Certificate = cert::decode_lenient(&leaf_ber).unwrap();
    assert!(matches!(
        v.validate(&decoded, std::slice::from_ref(&c.inter)),
        Err(PathError::BadSignature { .. })
    ));
    // A leaf in the pool with its bytes is checked over them as well.
    let mut with_leaf = pool.clone();
    assert!(with_leaf.add_der(&leaf_ber).unwrap());
    v.validate_with_pool(&decoded, &with_leaf).unwrap();
}

#[test]
fn altered_ber_leaf_does_not_validate() {
    let c = chain();
    // The same edit without re-signing: the signature covers `FF`.
    let altered = with_ber_boolean(&c.leaf, None);
    let store = trust(&c.root);
    let pool = CertPool::from_certificates([&c.inter]);
    assert!(matches!(
        PathValidator::new(&store, at()).validate_der(&altered, &pool),
        Err(PathError::BadSignature { .. })
    ));
}

#[test]
fn intermediate_with_ber_boolean_validates_from_the_pool() {
    let c = chain();
    let inter_ber = with_ber_boolean(&c.inter, Some(&c.root_key));
    let store = trust(&c.root);
    let mut pool = CertPool::new();
    assert!(pool.add_der(&inter_ber).unwrap());
    let path = PathValidator::new(&store, at())
        .validate_with_pool(&c.leaf, &pool)
        .unwrap();
    assert_eq!(path.len(), 3);
    assert_eq!(
        pool.received_der(&path.intermediates()[0]),
        Some(&inter_ber[..])
    );
    // Given only decoded, its re-encoding is not what the root signed.
    let decoded: Certificate = cert::decode_lenient(&inter_ber).unwrap();
    assert!(matches!(
        PathValidator::new(&store, at()).validate(&c.leaf, &[decoded]),
        Err(PathError::BadSignature { .. })
    ));
}

#[test]
fn anchor_with_ber_boolean_is_kept_with_its_bytes() {
    let c = chain();
    let root_ber = with_ber_boolean(&c.root, Some(&c.root_key));
    let mut store = TrustStore::new();
    assert!(store.add_der(&root_ber).unwrap());
    let root = store.iter().next().unwrap().clone();
    assert_eq!(store.received_der(&root), Some(&root_ber[..]));
    // The anchor's key checks the intermediate.
    let path = PathValidator::new(&store, at())
        .validate(&c.leaf, std::slice::from_ref(&c.inter))
        .unwrap();
    assert_eq!(path.len(), 3);
}

#[test]
fn corpus_pushkin_certificate_verifies_over_its_bytes() {
    let bytes = std::fs::read(
        support::corpus().join("certs/gostcrypto-sample/pushkin_selfsigned_2014.pem"),
    )
    .unwrap();
    let parsed: Vec<ParsedCertificate> = cert::read_certificates(&bytes).unwrap();
    assert_eq!(parsed.len(), 1);
    let pushkin = &parsed[0];
    assert_ne!(pushkin.cert.to_der().unwrap(), pushkin.der, "BER BOOLEANs");
    pushkin.verify_issued_by(&pushkin.cert).unwrap();
    // Over the re-encoding the self-signature does not verify.
    assert!(cert::verify_issued_by(&pushkin.cert, &pushkin.cert).is_err());
    // A store loaded from the file keeps the bytes.
    let dir = support::tempdir();
    let file = dir.path().join("pushkin.pem");
    std::fs::write(&file, &bytes).unwrap();
    let mut store = TrustStore::new();
    assert_eq!(store.add_file(&file).unwrap(), 1);
    assert_eq!(
        store.received_der(&pushkin.cert),
        Some(pushkin.der.as_slice())
    );
}
