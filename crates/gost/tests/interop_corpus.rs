//! The third-party GOST corpus in `shared/interop` (see its README for the
//! provenance and the expected outcome of every file):
//!
//! * the standard's examples A.1/A.2 and the RFC 9215 keys and signatures
//!   (`vectors/gost3410_signatures.json`);
//! * every private key whose scalar is known (`vectors/known_private_keys.json`)
//!   and every PKCS#8 file holding one; the certificate public keys of the
//!   keys whose scalar is not known;
//! * the certificates, requests and CRLs signed with GOST R 34.10-2012: the
//!   self-signed ones and those whose issuer is in the corpus verify, an
//!   altered TBS does not.
//!
//! GOST R 34.10-2001 objects signed with GOST R 34.11-94 digests (the GUC
//! certificates, RFC 4491 examples, the corefx 2001 container certificate)
//! are out of scope: this crate does not implement GOST R 34.11-94. Their
//! public keys are still read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier};
use der::{Encode, Reader, SliceReader, Tag, Tagged};
use digest::Digest;
use gost::encoding::{
    ID_TC26_SIGNWITHDIGEST_GOST3410_12_256, ID_TC26_SIGNWITHDIGEST_GOST3410_12_512,
};
use gost::streebog::{Streebog256, Streebog512};
use gost::{Error, KeySize, ParamSet, Signature, SigningKey, VerifyingKey};
use serde_json::Value;

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop");
    assert!(
        dir.join("README.md").is_file(),
        "the interop corpus is missing: expected it at {} (shared/interop beside the work tree)",
        dir.display()
    );
    dir
}

fn read(path: &str) -> Vec<u8> {
    let full = corpus().join(path);
    fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn json(path: &str) -> Value {
    serde_json::from_slice(&read(path)).unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_else(|e| panic!("bad hex {s}: {e}"))
}

/// A big-endian hex integer as exactly `len` bytes.
fn be(s: &str, len: usize) -> Vec<u8> {
    let bytes = hex(&format!("{s:0>width$}", width = 2 * len));
    assert_eq!(bytes.len(), len, "{s} is wider than {len} bytes");
    bytes
}

/// The digest bytes whose little-endian reading is the integer e.
fn digest_of_e(e: &str, len: usize) -> Vec<u8> {
    let mut d = be(e, len);
    d.reverse();
    d
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing {key} in {v}"))
}

/// The parameter set a corpus file names: a standard name (`ParamSet::name`),
/// pygost's spelling (`-12-` for `-2012-`), or `... (OID x.y.z)`.
fn param_set_named(name: &str) -> ParamSet {
    if let Some((_, rest)) = name.split_once("OID ") {
        let oid = ObjectIdentifier::new(rest.trim_end_matches(')')).unwrap();
        return ParamSet::from_oid(&oid).unwrap_or_else(|| panic!("no parameter set {oid}"));
    }
    // OpenSSL's long names for the 512-bit sets.
    for (long, params) in [
        ("GOST R 34.10-2012 (512 bit) ParamSet A", ParamSet::Tc26A512),
        ("GOST R 34.10-2012 (512 bit) ParamSet B", ParamSet::Tc26B512),
        ("GOST R 34.10-2012 (512 bit) ParamSet C", ParamSet::Tc26C512),
    ] {
        if name == long {
            return params;
        }
    }
    let normalised = name.replace("-3410-12-", "-3410-2012-");
    ParamSet::ALL
        .into_iter()
        .find(|p| p.name() == name || p.name() == normalised)
        .unwrap_or_else(|| panic!("no parameter set named {name}"))
}

fn streebog(size: KeySize, data: &[u8]) -> Vec<u8> {
    match size {
        KeySize::Bits256 => Streebog256::digest(data).to_vec(),
        KeySize::Bits512 => Streebog512::digest(data).to_vec(),
    }
}

/// DER from a binary file, or from the first PEM block of a text file
/// (whose base64 lines may be 76 characters long, which the strict
/// `pem-rfc7468` refuses, so the base64 is decoded here).
fn der_of(path: &str) -> Vec<u8> {
    let bytes = read(path);
    let Some(start) = bytes.windows(11).position(|w| w == b"-----BEGIN ") else {
        return bytes;
    };
    let text = std::str::from_utf8(&bytes[start..]).unwrap();
    let body_start = text.find('\n').unwrap();
    let body_end = text.find("-----END ").unwrap();
    let base64: Vec<u8> = text[body_start..body_end]
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    decode_base64(&base64).unwrap_or_else(|| panic!("{path}: bad base64"))
}

/// Standard base64 with padding.
fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for chunk in text.chunks(4) {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        let mut acc = 0u32;
        for &c in &chunk[..4 - pad] {
            acc = (acc << 6) | u32::from(value(c)?);
        }
        acc <<= 6 * pad;
        out.extend_from_slice(&acc.to_be_bytes()[1..4 - pad]);
    }
    Some(out)
}

/// A signed object (certificate, CRL, CSR): the signed part's DER, the
/// signature algorithm and the signature value.
///
/// ```text
/// SEQUENCE { tbs SEQUENCE, signatureAlgorithm AlgorithmIdentifier, signature BIT STRING }
/// ```
struct Signed<'a> {
    tbs: AnyRef<'a>,
    algorithm: ObjectIdentifier,
    signature: &'a [u8],
}

fn split_signed(der: &[u8]) -> Signed<'_> {
    let mut reader = SliceReader::new(der).unwrap();
    let signed = reader
        .sequence(|r| {
            let tbs: AnyRef<'_> = r.decode()?;
            let algorithm = r.sequence(|a| {
                let oid: ObjectIdentifier = a.decode()?;
                let _params: Option<AnyRef<'_>> = a.decode()?;
                Ok::<_, der::Error>(oid)
            })?;
            let signature: BitStringRef<'_> = r.decode()?;
            Ok::<_, der::Error>(Signed {
                tbs,
                algorithm,
                signature: signature.as_bytes().unwrap(),
            })
        })
        .unwrap();
    reader.finish().unwrap();
    assert_eq!(signed.tbs.tag(), Tag::Sequence);
    signed
}

/// The elements of a DER SEQUENCE.
fn elements(seq: AnyRef<'_>) -> Vec<AnyRef<'_>> {
    seq.sequence(|r| {
        let mut out = Vec::new();
        while !r.is_finished() {
            out.push(r.decode::<AnyRef<'_>>()?);
        }
        Ok::<_, der::Error>(out)
    })
    .unwrap()
}

/// The DER SubjectPublicKeyInfo in a certificate's or a request's TBS.
fn spki_of(kind: Kind, tbs: AnyRef<'_>) -> Vec<u8> {
    let fields = elements(tbs);
    let index = match kind {
        // [0] version, serialNumber, signature, issuer, validity, subject, SPKI
        Kind::Certificate => {
            if fields[0].tag().is_context_specific() {
                6
            } else {
                5
            }
        }
        // version, subject, subjectPKInfo, [0] attributes
        Kind::Request => 2,
        Kind::Crl => panic!("a CRL has no public key"),
    };
    fields[index].to_der().unwrap()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Certificate,
    Request,
    Crl,
}

/// The public key of a certificate or a request.
fn public_key_of(path: &str, kind: Kind) -> Result<VerifyingKey, Error> {
    let der = der_of(path);
    let signed = split_signed(&der);
    VerifyingKey::from_public_key_der(&spki_of(kind, signed.tbs))
}

/// Verifies a GOST R 34.10-2012 signed object with `signer`, and checks that
/// an altered TBS or signature does not verify.
fn check_signed(path: &str, signer: &VerifyingKey) -> Result<(), String> {
    let der = der_of(path);
    let signed = split_signed(&der);
    let size = match signed.algorithm {
        ID_TC26_SIGNWITHDIGEST_GOST3410_12_256 => KeySize::Bits256,
        ID_TC26_SIGNWITHDIGEST_GOST3410_12_512 => KeySize::Bits512,
        other => {
            return Err(format!(
                "{path}: not a GOST R 34.10-2012 signature algorithm: {other}"
            ));
        }
    };
    if size != signer.param_set().key_size() {
        return Err(format!(
            "{path}: signature algorithm does not fit the signer's key"
        ));
    }
    let tbs = signed.tbs.to_der().unwrap();
    let sig = Signature::from_bytes(signed.signature)
        .map_err(|e| format!("{path}: signature value: {e}"))?;
    signer
        .verify_digest(&streebog(size, &tbs), &sig)
        .map_err(|e| format!("{path}: {e}"))?;
    let mut altered = tbs.clone();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    if signer
        .verify_digest(&streebog(size, &altered), &sig)
        .is_ok()
    {
        return Err(format!("{path}: an altered TBS verifies"));
    }
    let mut bad = signed.signature.to_vec();
    bad[0] ^= 0x80;
    if Signature::from_bytes(&bad)
        .is_ok_and(|s| signer.verify_digest(&streebog(size, &tbs), &s).is_ok())
    {
        return Err(format!("{path}: an altered signature verifies"));
    }
    Ok(())
}

fn assert_all_ok(results: Vec<Result<(), String>>) {
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ------------------------------------------------------- (a) signatures

#[test]
fn standard_examples_sign_and_verify_exactly() {
    let vectors = json("vectors/gost3410_signatures.json");
    let examples = vectors["standard_examples"].as_array().unwrap();
    assert_eq!(examples.len(), 2, "A.1 and A.2");
    for ex in examples {
        let name = str_field(ex, "name");
        let params = param_set_named(str_field(ex, "curve_name"));
        let n = params.field_bytes();
        // The curve is the one the example spells out: its q is where our
        // scalar range ends.
        let q = be(str_field(&ex["curve"], "q"), n);
        assert_eq!(
            SigningKey::from_bytes(params, &q).unwrap_err(),
            Error::PrivateKeyRange,
            "{name}"
        );

        let key = SigningKey::from_bytes(params, &be(str_field(ex, "d"), n)).unwrap();
        let public = key.verifying_key();
        assert_eq!(
            public.x(),
            be(str_field(ex, "Qx"), n).as_slice(),
            "{name}: Qx"
        );
        assert_eq!(
            public.y(),
            be(str_field(ex, "Qy"), n).as_slice(),
            "{name}: Qy"
        );

        let digest = digest_of_e(str_field(ex, "e"), n);
        let sig = key
            .sign_digest_with_nonce(&digest, &be(str_field(ex, "k"), n))
            .unwrap();
        assert_eq!(sig.r(), be(str_field(ex, "r"), n).as_slice(), "{name}: r");
        assert_eq!(sig.s(), be(str_field(ex, "s"), n).as_slice(), "{name}: s");
        assert_eq!(
            sig.to_bytes(),
            hex(str_field(ex, "signature_octets_hex")),
            "{name}: s ‖ r"
        );
        public.verify_digest(&digest, &sig).unwrap();

        let parsed = Signature::from_bytes(&hex(str_field(ex, "signature_octets_hex"))).unwrap();
        assert_eq!(parsed, sig);
        let mut other = digest.clone();
        other[0] ^= 1;
        assert_eq!(
            public.verify_digest(&other, &sig),
            Err(Error::SignatureInvalid),
            "{name}"
        );
    }
}

#[test]
fn rfc9215_examples_verify() {
    let vectors = json("vectors/gost3410_signatures.json");
    let examples = vectors["rfc9215_examples"].as_array().unwrap();
    assert_eq!(examples.len(), 3);
    let mut results = Vec::new();
    for ex in examples {
        let name = str_field(ex, "name");
        let params = param_set_named(str_field(ex, "curve_name"));
        let n = params.field_bytes();
        let key = scalar_key(params, &be(str_field(ex, "d"), n));
        let public = VerifyingKey::from_affine(
            params,
            &be(str_field(ex, "Qx"), n),
            &be(str_field(ex, "Qy"), n),
        )
        .unwrap();
        assert_eq!(key.verifying_key(), public, "{name}: d·G");
        // The certificate carries the same key.
        let cert_key = public_key_of(str_field(ex, "certificate_file"), Kind::Certificate).unwrap();
        assert_eq!(cert_key, public, "{name}: certificate key");

        for (object, o) in ex["objects"].as_object().unwrap() {
            let what = format!("{name} {object}");
            let digest = hex(str_field(o, "tbs_streebog_hex"));
            assert_eq!(
                digest,
                digest_of_e(str_field(o, "e"), n),
                "{what}: e is LE(H)"
            );
            let sig = Signature::from_scalars(&be(str_field(o, "r"), n), &be(str_field(o, "s"), n))
                .unwrap();
            assert_eq!(
                sig.to_bytes(),
                hex(str_field(o, "signature_octets_hex")),
                "{what}"
            );
            public
                .verify_digest(&digest, &sig)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            // The file holds exactly that TBS and signature.
            let file = str_field(o, "file");
            let der = der_of(file);
            let signed = split_signed(&der);
            assert_eq!(
                streebog(params.key_size(), &signed.tbs.to_der().unwrap()),
                digest,
                "{what}: TBS digest"
            );
            assert_eq!(
                signed.signature,
                sig.to_bytes().as_slice(),
                "{what}: signatureValue"
            );
            results.push(check_signed(file, &public));
        }
    }
    assert_all_ok(results);
}

/// A key from a scalar that may be ≥ q: the RFC 9215 paramSetA example
/// reuses the A.1 scalar, which exceeds that curve's q ≈ 2^254, and pygost
/// multiplies by it unreduced. Such a d is reduced by loading it as the masked
/// PKCS#8 form `LE(d) ‖ LE(1)` (d·1 mod q).
fn scalar_key(params: ParamSet, d: &[u8]) -> SigningKey {
    match SigningKey::from_bytes(params, d) {
        Ok(key) => key,
        Err(Error::PrivateKeyRange) => {
            let n = params.field_bytes();
            let mut content: Vec<u8> = d.iter().rev().copied().collect();
            content.push(1);
            content.resize(2 * n, 0);
            let alg = gost::encoding::algorithm_identifier(params).unwrap();
            let info = pkcs8::PrivateKeyInfoRef::new(
                der::referenced::OwnedToRef::owned_to_ref(&alg),
                der::asn1::OctetStringRef::new(&content).unwrap(),
            );
            SigningKey::from_pkcs8_der(&info.to_der().unwrap()).unwrap()
        }
        Err(e) => panic!("{params}: {e}"),
    }
}

// ---------------------------------------------------- (b) private keys

#[test]
fn known_private_keys_derive_their_public_keys_and_load_from_pkcs8() {
    let keys = json("vectors/known_private_keys.json");
    let known = keys["known_keys"].as_array().unwrap();
    assert!(known.len() >= 13);
    let mut pkcs8_files = 0;
    for k in known {
        let name = str_field(k, "name");
        let params = param_set_named(str_field(k, "curve"));
        let n = params.field_bytes();
        let d = be(str_field(k, "d_hex"), n);
        let (qx, qy) = (be(str_field(k, "Qx"), n), be(str_field(k, "Qy"), n));
        let key = SigningKey::from_bytes(params, &d).unwrap();
        let public = key.verifying_key();
        assert_eq!(
            (public.x(), public.y()),
            (qx.as_slice(), qy.as_slice()),
            "{name}: d·G"
        );

        // PKCS#8 files (OpenSSL's raw LE(d), the corpus's OCTET STRING form,
        // a GOST 2001 DH key) and R 50.1.112's masked PrivateKeyInfo.
        for field in ["pkcs8_file", "private_key_info_file"] {
            let Some(path) = k[field].as_str() else {
                continue;
            };
            let bytes = read(path);
            let loaded = if bytes.starts_with(b"-----") {
                SigningKey::from_pkcs8_pem(std::str::from_utf8(&bytes).unwrap())
            } else {
                SigningKey::from_pkcs8_der(&bytes)
            }
            .unwrap_or_else(|e| panic!("{name}: {path}: {e}"));
            assert_eq!(loaded.param_set(), params, "{name}: {path}");
            assert_eq!(loaded.to_bytes().as_slice(), d.as_slice(), "{name}: {path}");
            // And what we write for it reads back the same.
            let again = SigningKey::from_pkcs8_der(&loaded.to_pkcs8_der().unwrap()).unwrap();
            assert_eq!(again.to_bytes().as_slice(), d.as_slice());
            pkcs8_files += 1;
        }

        if let Some(cert) = k["matching_certificate"]
            .as_str()
            .filter(|c| !c.starts_with('('))
        {
            let cert_key = public_key_of(cert, Kind::Certificate)
                .unwrap_or_else(|e| panic!("{name}: {cert}: {e}"));
            assert_eq!(cert_key, public, "{name}: {cert}");
        }
    }
    assert!(pkcs8_files >= 11, "only {pkcs8_files} PKCS#8 files checked");
}

#[test]
fn certificate_keys_of_unknown_scalars_are_read() {
    let keys = json("vectors/known_private_keys.json");
    let mut checked = 0;
    for k in keys["keys_with_unknown_d"].as_array().unwrap() {
        let Some(cert) = k["certificate"].as_str() else {
            continue;
        };
        let params = param_set_named(str_field(k, "openssl_paramset"));
        let n = params.field_bytes();
        let public =
            public_key_of(cert, Kind::Certificate).unwrap_or_else(|e| panic!("{cert}: {e}"));
        assert_eq!(public.param_set(), params, "{cert}");
        assert_eq!(public.x(), be(str_field(k, "Qx"), n).as_slice(), "{cert}");
        assert_eq!(public.y(), be(str_field(k, "Qy"), n).as_slice(), "{cert}");
        checked += 1;
    }
    assert_eq!(checked, 7);
}

// --------------------------------------------- (c) certificates, CSRs, CRLs

/// Objects signed with GOST R 34.10-2012 whose signer is in the corpus:
/// (object, kind, signer certificate; `None` for self-signed).
const VERIFIABLE: &[(&str, Kind, Option<&str>)] = &[
    (
        "certs/rfc9215/rfc9215_256_test_paramset_cert.der",
        Kind::Certificate,
        None,
    ),
    (
        "certs/rfc9215/rfc9215_256a_paramset_cert.der",
        Kind::Certificate,
        None,
    ),
    (
        "certs/rfc9215/rfc9215_512_test_paramset_cert.der",
        Kind::Certificate,
        None,
    ),
    (
        "certs/rfc9215/rfc9215_256_test_paramset_csr.der",
        Kind::Request,
        None,
    ),
    (
        "certs/rfc9215/rfc9215_256a_paramset_csr.der",
        Kind::Request,
        None,
    ),
    (
        "certs/rfc9215/rfc9215_512_test_paramset_csr.der",
        Kind::Request,
        None,
    ),
    (
        "crl-ocsp/rfc9215/rfc9215_256_test_paramset_crl.der",
        Kind::Crl,
        Some("certs/rfc9215/rfc9215_256_test_paramset_cert.der"),
    ),
    (
        "crl-ocsp/rfc9215/rfc9215_256a_paramset_crl.der",
        Kind::Crl,
        Some("certs/rfc9215/rfc9215_256a_paramset_cert.der"),
    ),
    (
        "crl-ocsp/rfc9215/rfc9215_512_test_paramset_crl.der",
        Kind::Crl,
        Some("certs/rfc9215/rfc9215_512_test_paramset_cert.der"),
    ),
    (
        "certs/tk26/tk26iok_example_256.der",
        Kind::Certificate,
        None,
    ),
    (
        "certs/tk26/tk26iok_example_512.der",
        Kind::Certificate,
        None,
    ),
    (
        "certs/gostcrypto-sample/pushkin_selfsigned_2014.pem",
        Kind::Certificate,
        None,
    ),
    (
        "certs/cryptopro-test-ca/cryptopro_test_ca_2018.pem",
        Kind::Certificate,
        None,
    ),
    (
        "certs/esia-blastoff-test/blastoff_ca_test.pem",
        Kind::Certificate,
        None,
    ),
    (
        "certs/esia-blastoff-test/otvconba.pem",
        Kind::Certificate,
        Some("certs/esia-blastoff-test/blastoff_ca_test.pem"),
    ),
    (
        "containers/cryptopro-esia-otvconba/otvconba.pem",
        Kind::Certificate,
        Some("certs/esia-blastoff-test/blastoff_ca_test.pem"),
    ),
    (
        "certs/ksba-openssl-tk26/root_gost_tk26.crt",
        Kind::Certificate,
        None,
    ),
    (
        "certs/ksba-openssl-tk26/leaf_gost_tk26.crt",
        Kind::Certificate,
        Some("certs/ksba-openssl-tk26/root_gost_tk26.crt"),
    ),
    (
        "certs/ksba-openssl-tk26/test_gost_eku_crl.crt",
        Kind::Certificate,
        None,
    ),
    (
        "certs/ksba-openssl-tk26/test_gost_eku_ocsp.crt",
        Kind::Certificate,
        None,
    ),
    (
        "certs/ksba-openssl-tk26/test_gost_eku_sign.crt",
        Kind::Certificate,
        None,
    ),
    (
        "certs/ksba-openssl-tk26/test_gost_no_policy.crt",
        Kind::Certificate,
        None,
    ),
    (
        "certs/ksba-openssl-tk26/test_gost_policy.crt",
        Kind::Certificate,
        None,
    ),
    (
        "certs/ksba-openssl-tk26/test_without_eku.crt",
        Kind::Certificate,
        None,
    ),
    (
        "certs/ksba-openssl-tk26/root_gost_tk26.csr",
        Kind::Request,
        None,
    ),
    (
        "certs/ksba-openssl-tk26/leaf_gost_tk26.csr",
        Kind::Request,
        None,
    ),
    (
        "certs/ksba-openssl-tk26/test_gost_eku_crl.csr",
        Kind::Request,
        None,
    ),
    (
        "certs/ksba-openssl-tk26/test_gost_eku_ocsp.csr",
        Kind::Request,
        None,
    ),
    (
        "certs/ksba-openssl-tk26/test_gost_eku_sign.csr",
        Kind::Request,
        None,
    ),
    (
        "certs/ksba-openssl-tk26/test_gost_no_policy.csr",
        Kind::Request,
        None,
    ),
    (
        "certs/ksba-openssl-tk26/test_gost_policy.csr",
        Kind::Request,
        None,
    ),
    (
        "certs/ksba-openssl-tk26/test_without_eku.csr",
        Kind::Request,
        None,
    ),
    (
        "crl-ocsp/ksba-openssl-tk26/root_gost_tk26.crl",
        Kind::Crl,
        Some("certs/ksba-openssl-tk26/root_gost_tk26.crt"),
    ),
    (
        "containers/cryptopro-corefx/G2012256.001.sig_cert_from_header.pem",
        Kind::Certificate,
        None,
    ),
    (
        "containers/cryptopro-corefx/G2012256.001.exch_cert_from_header.pem",
        Kind::Certificate,
        None,
    ),
    (
        "containers/cryptopro-corefx/G2012512.000.sig_cert_from_header.pem",
        Kind::Certificate,
        None,
    ),
    (
        "containers/cryptopro-corefx/G2012512.000.exch_cert_from_header.pem",
        Kind::Certificate,
        None,
    ),
    (
        "containers/cryptopro-corefx/pfx-6b72.000.sig_cert_from_header.pem",
        Kind::Certificate,
        None,
    ),
    (
        "containers/cryptopro-corefx/0000rtin.001.sig_cert_from_header.pem",
        Kind::Certificate,
        None,
    ),
];

/// GOST R 34.10-2012 certificates whose issuer is not in the corpus: their
/// key is read, their signature cannot be checked.
const ISSUER_ABSENT: &[&str] = &[
    "certs/cryptopro-test-ca/cryptopro_test_ocsp_operator_2017.pem",
    "certs/esia/esia_gost_prod_2025_357ff8.pem",
    "certs/esia/esia_gost_test_2019_720b.pem",
    "certs/esia/esia_gost_test_2025_0274a5.pem",
];

/// GOST R 34.10-2001 / GOST R 34.11-94 certificates: out of scope for
/// signature checks (no GOST R 34.11-94 here); the 2001 keys are still read.
const GOST_2001: &[&str] = &[
    "certs/guc-minkomsvyaz/guc_root_2012_gost2001.der",
    "certs/guc-minkomsvyaz/uc1_is_guc_2016_gost2001.der",
    "certs/rfc4491/rfc4491_gost2001_example.der",
    "containers/cryptopro-corefx/G2001256.000.sig_cert_from_header.pem",
];

#[test]
fn gost_2012_signed_objects_verify() {
    let results = VERIFIABLE
        .iter()
        .map(|&(path, kind, signer)| {
            let signer = match signer {
                Some(cert) => public_key_of(cert, Kind::Certificate),
                None => public_key_of(path, kind),
            }
            .map_err(|e| format!("{path}: signer key: {e}"))?;
            check_signed(path, &signer)
        })
        .collect();
    assert_all_ok(results);
}

#[test]
fn every_gost_certificate_in_the_corpus_is_covered() {
    // A new certificate in the corpus must be added to one of the lists.
    let mut listed: Vec<&str> = VERIFIABLE
        .iter()
        .filter(|(_, kind, _)| *kind == Kind::Certificate)
        .map(|(p, _, _)| *p)
        .chain(ISSUER_ABSENT.iter().copied())
        .chain(GOST_2001.iter().copied())
        .collect();
    listed.sort_unstable();
    let mut found = Vec::new();
    for dir in ["certs", "containers"] {
        let mut stack = vec![corpus().join(dir)];
        while let Some(d) = stack.pop() {
            for entry in fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let rel = path
                    .strip_prefix(corpus())
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned();
                let is_cert =
                    (rel.ends_with(".pem") || rel.ends_with(".der") || rel.ends_with(".crt"))
                        && !rel.contains("_csr")
                        && !rel.contains("private_pass")
                        && !rel.contains("russian-trusted-ca-rsa")
                        && !rel.contains("gost94")
                        && !rel.starts_with("containers/pkcs8/");
                if is_cert {
                    found.push(rel);
                }
            }
        }
    }
    found.sort_unstable();
    assert_eq!(found, listed);
}

#[test]
fn keys_of_unverifiable_certificates_are_read() {
    for path in ISSUER_ABSENT {
        let key = public_key_of(path, Kind::Certificate).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(key.param_set().key_size(), KeySize::Bits256, "{path}");
    }
    for path in GOST_2001 {
        let key = public_key_of(path, Kind::Certificate).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(
            matches!(
                key.param_set(),
                ParamSet::CryptoProA | ParamSet::CryptoProXchA
            ),
            "{path}: {:?}",
            key.param_set()
        );
    }
}

#[test]
fn non_gost_2012_keys_are_refused() {
    // GOST R 34.10-94 (RFC 4491 §4.1) and RSA.
    let gost94 = ObjectIdentifier::new_unwrap("1.2.643.2.2.20");
    assert_eq!(
        public_key_of(
            "certs/rfc4491/rfc4491_gost94_example.der",
            Kind::Certificate
        )
        .unwrap_err(),
        Error::UnknownAlgorithm(gost94)
    );
    let rsa = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    for path in [
        "certs/russian-trusted-ca-rsa/russian_trusted_root_ca.pem",
        "certs/russian-trusted-ca-rsa/russian_trusted_sub_ca.pem",
    ] {
        assert_eq!(
            public_key_of(path, Kind::Certificate).unwrap_err(),
            Error::UnknownAlgorithm(rsa),
            "{path}"
        );
    }
}

#[test]
fn orphan_crl_does_not_verify() {
    // Upstream regenerated the key after signing this CRL: the certificate of
    // the same name must not verify it.
    let signer = public_key_of(
        "certs/ksba-openssl-tk26/test_gost_eku_crl.crt",
        Kind::Certificate,
    )
    .unwrap();
    let der = der_of("crl-ocsp/ksba-openssl-tk26/orphan_test_gost_eku_crl.crl");
    let signed = split_signed(&der);
    assert_eq!(signed.algorithm, ID_TC26_SIGNWITHDIGEST_GOST3410_12_256);
    let sig = Signature::from_bytes(signed.signature).unwrap();
    let digest = streebog(KeySize::Bits256, &signed.tbs.to_der().unwrap());
    assert_eq!(
        signer.verify_digest(&digest, &sig),
        Err(Error::SignatureInvalid)
    );
}
