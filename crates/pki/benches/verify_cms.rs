//! Verifying a 1 KiB detached CAdES-BES signature end to end, as `podpis
//! verify` and the login flow do: parse the CMS, check the signature, build
//! and check a 3-certificate chain (root → issuing CA → signer, 256-A
//! keys), and check revocation of the two lower certificates against CRLs
//! already cached in the checker.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use gost::{ParamSet, SigningKey};
use pki::cert::CertificateBuilder;
use pki::cms::{Content, SignOptions, SignedMessage, sign};
use pki::crl::CrlBuilder;
use pki::name::parse_name;
use pki::report::Indication;
use pki::revocation::{RevocationChecker, RevocationPolicy};
use pki::trust::TrustStore;
use pki::validation::Validator;
use pki::{KeySigner, Signer};

fn fixture() -> (TrustStore, RevocationChecker, Vec<u8>, Vec<u8>, SystemTime) {
    let now = SystemTime::now();
    let (from, to) = (
        now - Duration::from_secs(3600),
        now + Duration::from_secs(86400 * 365),
    );
    let key = |p| KeySigner::new(SigningKey::generate(p).unwrap());
    let (root_key, ca_key, leaf_key) = (
        key(ParamSet::CryptoProA),
        key(ParamSet::CryptoProA),
        key(ParamSet::CryptoProA),
    );
    let root = CertificateBuilder::ca(
        parse_name("CN=Root,C=RU").unwrap(),
        root_key.verifying_key(),
        from,
        to,
        Some(1),
    )
    .build(&root_key)
    .unwrap();
    let ca = CertificateBuilder::ca(
        parse_name("CN=Issuing CA,C=RU").unwrap(),
        ca_key.verifying_key(),
        from,
        to,
        Some(0),
    )
    .issuer(&root)
    .build(&root_key)
    .unwrap();
    let leaf = CertificateBuilder::new(
        parse_name("CN=Signer,SNILS=11223344595,C=RU").unwrap(),
        leaf_key.verifying_key(),
        from,
        to,
    )
    .issuer(&ca)
    .key_usage(x509_cert::ext::pkix::KeyUsages::DigitalSignature)
    .build(&ca_key)
    .unwrap();
    let mut trust = TrustStore::new();
    trust.add(root.clone()).unwrap();
    let mut checker = RevocationChecker::new(RevocationPolicy::default());
    for (issuer, signer) in [(&root, &root_key), (&ca, &ca_key)] {
        checker.add_crl(
            pki::crl::parse_crl(
                &CrlBuilder::new(issuer, from)
                    .next_update(to)
                    .number(1)
                    .build_der(signer)
                    .unwrap(),
            )
            .unwrap(),
        );
    }
    let content = vec![0x5a; 1024];
    let mut options = SignOptions::cades_bes(true, now);
    options.chain = vec![ca];
    let p7s = sign(&content[..], &leaf_key, &leaf, &options).unwrap();
    (trust, checker, p7s, content, now)
}

fn bench(c: &mut Criterion) {
    let (trust, checker, p7s, content, now) = fixture();
    let validator = Validator::new(&trust, now).revocation(&checker);
    let check = || {
        let message = SignedMessage::parse(black_box(&p7s)).unwrap();
        validator.validate(&message, Some(Content::Bytes(black_box(&content))))
    };
    assert_eq!(
        check().indication,
        Indication::TotalPassed,
        "{}",
        check().to_json()
    );
    c.bench_function(
        "verify 1 KiB detached CAdES-BES, 3-cert chain, cached CRLs",
        |b| b.iter(check),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
