//! CryptoPro key-container folders from the interop corpus: real CryptoPro
//! CSP containers (GOST 2001, 2012-256 with two keys, 2012-512 with two
//! keys, 2012-512 and 2012-256 agreement keys, all without a password) and
//! a CryptoPro JCP container with a PIN whose key is known. Every key must
//! be the one of its certificate (the Q values the corpus lists, and the
//! certificate PEMs extracted from header.key); wrong passwords, missing,
//! truncated and damaged files give their own error codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../pki/tests/support/mod.rs"]
mod support;

use std::path::PathBuf;

use der::{Decode, Encode};
use gost::{ParamSet, VerifyingKey};
use pki::Diagnostic;
use serde_json::Value;
use token::cryptopro::{
    ContainerFiles, CryptoProContainer, CryptoProError, KeySpec, read_container, read_container_dir,
};
use x509_cert::Certificate;

const OTVCONBA_PIN: &str = "1xqoyc4e";
const OTVCONBA_D: &str = "d37c3ce67fe44017fe6a970dc8d01555eada755c1f417ce6420273ef587ea2d3";

fn dir(rel: &str) -> PathBuf {
    support::corpus().join("containers").join(rel)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn pem_cert(rel: &str) -> Certificate {
    let pem = std::fs::read_to_string(dir(rel)).unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = decode_b64(&b64);
    Certificate::from_der(&der).unwrap()
}

fn decode_b64(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn cert_key(cert: &Certificate) -> VerifyingKey {
    let spki = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .unwrap();
    VerifyingKey::from_public_key_der(&spki).unwrap()
}

/// Qx, Qy (big-endian hex) the corpus lists for `certificate`.
fn listed_q(certificate: &str) -> (String, String) {
    let json: Value =
        serde_json::from_slice(&support::corpus_bytes("vectors/known_private_keys.json")).unwrap();
    for group in ["known_keys", "keys_with_unknown_d"] {
        for k in json[group].as_array().unwrap() {
            let c = k
                .get("certificate")
                .or_else(|| k.get("matching_certificate"));
            if c.and_then(Value::as_str) == Some(certificate) {
                let q = |n: &str| k[n].as_str().unwrap().to_lowercase();
                return (q("Qx"), q("Qy"));
            }
        }
    }
    panic!("{certificate} is not in known_private_keys.json");
}

/// (folder, password, [(spec, certificate PEM beside the folder, param set)]).
type Case = (
    &'static str,
    &'static str,
    &'static [(KeySpec, &'static str, ParamSet)],
);

const CASES: [Case; 6] = [
    (
        "cryptopro-corefx/G2001256.000",
        "",
        &[(
            KeySpec::Exchange,
            "cryptopro-corefx/G2001256.000.sig_cert_from_header.pem",
            ParamSet::CryptoProXchA,
        )],
    ),
    (
        "cryptopro-corefx/G2012256.001",
        "",
        &[
            (
                KeySpec::Signature,
                "cryptopro-corefx/G2012256.001.sig_cert_from_header.pem",
                ParamSet::CryptoProA,
            ),
            (
                KeySpec::Exchange,
                "cryptopro-corefx/G2012256.001.exch_cert_from_header.pem",
                ParamSet::CryptoProXchA,
            ),
        ],
    ),
    (
        "cryptopro-corefx/G2012512.000",
        "",
        &[
            (
                KeySpec::Signature,
                "cryptopro-corefx/G2012512.000.sig_cert_from_header.pem",
                ParamSet::Tc26A512,
            ),
            (
                KeySpec::Exchange,
                "cryptopro-corefx/G2012512.000.exch_cert_from_header.pem",
                ParamSet::Tc26A512,
            ),
        ],
    ),
    (
        "cryptopro-corefx/pfx-6b72.000",
        "",
        &[(
            KeySpec::Exchange,
            "cryptopro-corefx/pfx-6b72.000.sig_cert_from_header.pem",
            ParamSet::Tc26A512,
        )],
    ),
    (
        "cryptopro-corefx/0000rtin.001",
        "",
        &[(
            KeySpec::Exchange,
            "cryptopro-corefx/0000rtin.001.sig_cert_from_header.pem",
            ParamSet::CryptoProXchA,
        )],
    ),
    (
        "cryptopro-esia-otvconba/otvconba.000",
        OTVCONBA_PIN,
        &[(
            KeySpec::Exchange,
            "cryptopro-esia-otvconba/otvconba.pem",
            ParamSet::CryptoProXchA,
        )],
    ),
];

fn check(c: &CryptoProContainer, case: &Case) {
    let (folder, _, expected) = case;
    assert_eq!(c.keys.len(), expected.len(), "{folder}");
    for (key, (spec, pem, params)) in c.keys.iter().zip(expected.iter()) {
        assert_eq!(key.spec, *spec, "{folder}");
        assert_eq!(key.key.param_set(), *params, "{folder}");
        let vk = key.key.verifying_key();
        let from_header = key.certificate.as_ref().unwrap();
        assert_eq!(
            from_header.to_der().unwrap(),
            pem_cert(pem).to_der().unwrap(),
            "{folder}: the certificate is the one extracted from header.key"
        );
        assert_eq!(cert_key(from_header), vk, "{folder}");
        let (qx, qy) = listed_q(&format!("containers/{pem}"));
        assert_eq!((hex(vk.x()), hex(vk.y())), (qx, qy), "{folder}");
    }
}

#[test]
fn every_corpus_container_yields_its_certificates_keys() {
    for case in &CASES {
        let (folder, password, _) = case;
        let c = read_container_dir(&dir(folder), password)
            .unwrap_or_else(|e| panic!("{folder}: {e:?}"));
        check(&c, case);
    }
    let names: Vec<String> = CASES
        .iter()
        .map(|(folder, password, _)| {
            read_container_dir(&dir(folder), password)
                .unwrap()
                .name
                .unwrap()
        })
        .collect();
    assert_eq!(
        names,
        [
            "G2001256",
            "G2012256",
            "G2012512",
            "pfx-6b7225db-1680-1f0f-041f-4e8e1d6117ed",
            "0000_tinyCA_83d9af76-99ed-4b75-9135-90e86a18d927",
            "otvconba"
        ]
    );
}

#[test]
fn otvconba_decodes_to_the_published_private_key() {
    let c = read_container_dir(&dir("cryptopro-esia-otvconba/otvconba.000"), OTVCONBA_PIN).unwrap();
    assert_eq!(c.name.as_deref(), Some("otvconba"));
    assert_eq!(hex(&c.keys[0].key.to_bytes()), OTVCONBA_D);
    // The same key as the PEM export next to the container (PBES2 under
    // "test", decrypted by OpenSSL).
    let out = support::run_ok(
        support::openssl()
            .args(["pkey", "-passin", "pass:test", "-in"])
            .arg(dir("cryptopro-esia-otvconba/private_pass_test.pem")),
    );
    let exported =
        gost::SigningKey::from_pkcs8_pem(&String::from_utf8(out.stdout).unwrap()).unwrap();
    assert_eq!(*exported.to_bytes(), *c.keys[0].key.to_bytes());
}

fn files(folder: &str) -> ContainerFiles {
    ContainerFiles::from_dir(&dir(folder)).unwrap()
}

#[test]
fn reserve_copies_hold_the_same_keys() {
    for case in &CASES {
        let (folder, password, _) = case;
        let main = read_container_dir(&dir(folder), password).unwrap();
        // masks2.key/primary2.key alone, as the only pair.
        let mut f = files(folder);
        f.masks = f.masks2.take().unwrap();
        f.primary = f.primary2.take().unwrap();
        let reserve = read_container(&f, password).unwrap();
        check(&reserve, case);
        for (a, b) in main.keys.iter().zip(&reserve.keys) {
            assert_eq!(*a.key.to_bytes(), *b.key.to_bytes(), "{folder}");
        }
        // A damaged primary.key falls back to the reserve copy.
        let mut f = files(folder);
        f.primary.truncate(f.primary.len() - 3);
        check(&read_container(&f, password).unwrap(), case);
    }
}

#[test]
fn wrong_password_is_refused() {
    let otv = dir("cryptopro-esia-otvconba/otvconba.000");
    for wrong in ["", "1xqoyc4E", "1xqoyc4e ", "ключЖ-42"] {
        let err = read_container_dir(&otv, wrong).unwrap_err();
        assert!(
            matches!(err, CryptoProError::PasswordIncorrect),
            "{wrong:?}: {err:?}"
        );
        assert_eq!(err.code(), "CRYPTOPRO_PASSWORD_INCORRECT");
        for text in [
            format!("{err:?}"),
            err.to_string(),
            err.message_ru(),
            err.message_en(),
        ] {
            assert!(!text.contains(OTVCONBA_PIN) && (wrong.is_empty() || !text.contains(wrong)));
        }
    }
    // A container without a password, opened with one.
    let err = read_container_dir(&dir("cryptopro-corefx/G2012256.001"), "1").unwrap_err();
    assert_eq!(err.code(), "CRYPTOPRO_PASSWORD_INCORRECT");
}

#[test]
fn missing_files_are_named() {
    let tmp = support::tempdir();
    let src = dir("cryptopro-corefx/G2012256.001");
    for missing in ["header.key", "masks.key", "primary.key"] {
        let d = tmp.path().join(missing);
        std::fs::create_dir(&d).unwrap();
        for f in ["header.key", "masks.key", "primary.key", "name.key"] {
            if f != missing {
                std::fs::copy(src.join(f), d.join(f)).unwrap();
            }
        }
        let err = read_container_dir(&d, "").unwrap_err();
        assert!(
            matches!(err, CryptoProError::FileMissing { file } if file == missing),
            "{err:?}"
        );
        assert_eq!(err.code(), "CRYPTOPRO_FILE_MISSING");
        assert!(err.message_en().contains(missing));
    }
    // Without the optional files the keys still come out.
    let d = tmp.path().join("minimal");
    std::fs::create_dir(&d).unwrap();
    for f in ["header.key", "masks.key", "primary.key"] {
        std::fs::copy(src.join(f), d.join(f)).unwrap();
    }
    let c = read_container_dir(&d, "").unwrap();
    assert_eq!((c.keys.len(), c.name), (2, None));
    let err = read_container_dir(&tmp.path().join("nowhere"), "").unwrap_err();
    assert_eq!(err.code(), "CRYPTOPRO_FILE_MISSING");
}

/// Damaged files give a clear error, and the container's files are only
/// read, never changed.
#[test]
fn damaged_files_are_reported_and_left_untouched() {
    let folder = "cryptopro-esia-otvconba/otvconba.000";
    let before: Vec<(String, Vec<u8>)> = [
        "header.key",
        "masks.key",
        "primary.key",
        "masks2.key",
        "primary2.key",
        "name.key",
    ]
    .iter()
    .map(|f| (f.to_string(), std::fs::read(dir(folder).join(f)).unwrap()))
    .collect();
    let code = |f: &ContainerFiles| read_container(f, OTVCONBA_PIN).unwrap_err().code();

    let mut f = files(folder);
    f.header.truncate(f.header.len() / 2);
    assert_eq!(code(&f), "CRYPTOPRO_MALFORMED");
    let mut f = files(folder);
    f.name = Some(b"\x30\x03\x16\x01".to_vec());
    assert_eq!(code(&f), "CRYPTOPRO_MALFORMED");
    // Both copies of the masked key truncated.
    let mut f = files(folder);
    f.primary.truncate(10);
    f.primary2.as_mut().unwrap().truncate(10);
    let err = read_container(&f, OTVCONBA_PIN).unwrap_err();
    assert!(
        matches!(
            err,
            CryptoProError::Malformed {
                file: "primary.key",
                ..
            }
        ),
        "{err:?}"
    );
    // A flipped bit in the encrypted key (both copies): the key no longer
    // matches the fingerprint, which is what a wrong password looks like.
    let mut f = files(folder);
    let n = f.primary.len();
    f.primary[n - 1] ^= 1;
    let n = f.primary2.as_ref().unwrap().len();
    f.primary2.as_mut().unwrap()[n - 1] ^= 1;
    assert_eq!(code(&f), "CRYPTOPRO_PASSWORD_INCORRECT");
    // A mask of the wrong width.
    let mut f = files(folder);
    f.masks = der::asn1::OctetString::new(vec![1u8; 16])
        .unwrap()
        .to_der()
        .unwrap();
    f.masks2 = None;
    assert_eq!(code(&f), "CRYPTOPRO_MALFORMED");
    // A container format other than 1.2.643.2.2.37.2.1.
    let mut f = files(folder);
    let v1 = [0x06, 0x08, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x25, 0x02, 0x01];
    let at = f.header.windows(v1.len()).position(|w| w == v1).unwrap();
    f.header[at + 9] = 0x07;
    let err = read_container(&f, OTVCONBA_PIN).unwrap_err();
    assert_eq!(err.code(), "CRYPTOPRO_UNSUPPORTED");
    assert!(err.message_en().contains("1.2.643.2.2.37.2.7"));
    for (name, bytes) in before {
        assert_eq!(
            std::fs::read(dir(folder).join(&name)).unwrap(),
            bytes,
            "{name}"
        );
    }
}

/// Certificates swapped between the two keys of a container: each key's
/// certificate is checked against it.
#[test]
fn certificate_of_another_key_is_refused() {
    let mut f = files("cryptopro-corefx/G2012256.001");
    let sig = pem_der("cryptopro-corefx/G2012256.001.sig_cert_from_header.pem");
    let exch = pem_der("cryptopro-corefx/G2012256.001.exch_cert_from_header.pem");
    assert_eq!(sig.len(), exch.len());
    let find = |h: &[u8], c: &[u8]| h.windows(c.len()).position(|w| w == c).unwrap();
    let (a, b) = (find(&f.header, &sig), find(&f.header, &exch));
    f.header[a..a + sig.len()].copy_from_slice(&exch);
    f.header[b..b + exch.len()].copy_from_slice(&sig);
    let err = read_container(&f, "").unwrap_err();
    assert!(
        matches!(err, CryptoProError::CertificateMismatch),
        "{err:?}"
    );
    assert_eq!(err.code(), "CRYPTOPRO_CERT_MISMATCH");
}

fn pem_der(rel: &str) -> Vec<u8> {
    pem_cert(rel).to_der().unwrap()
}

/// Nothing secret in Debug output: not the password, not d, not the mask.
#[test]
fn debug_output_holds_no_secrets() {
    let folder = "cryptopro-esia-otvconba/otvconba.000";
    let c = read_container_dir(&dir(folder), OTVCONBA_PIN).unwrap();
    let f = files(folder);
    let text = format!("{c:?}{f:?}");
    assert!(!text.contains(OTVCONBA_PIN));
    assert!(!text.to_lowercase().contains(&OTVCONBA_D[..16]));
    let mask_hex = hex(&f.masks[2..34]);
    assert!(!text.to_lowercase().contains(&mask_hex[..16]));
    assert!(!text.contains("211, 124, 60")); // d's first bytes as a list
}
