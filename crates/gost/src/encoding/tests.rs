//! Unit tests of the GOST key encodings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use der::asn1::{AnyRef, BitStringRef, OctetStringRef};
use der::{Any, Decode, Encode, Tagged};
use pkcs8::{DecodePrivateKey, EncodePrivateKey, PrivateKeyInfoRef};
use spki::{AlgorithmIdentifierOwned, DecodePublicKey, EncodePublicKey};

use super::*;
use crate::{SigningKey, VerifyingKey};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(s)
}

/// AlgorithmIdentifier DER as `openssl genpkey -engine gost ... | openssl
/// pkey -pubout` (OpenSSL 3.0, Debian gost-engine) writes it.
const OPENSSL_ALGORITHM_IDS: [(ParamSet, &str); 12] = [
    (
        ParamSet::CryptoProA,
        "301f06082a85030701010101301306072a85030202230106082a85030701010202",
    ),
    (
        ParamSet::CryptoProB,
        "301f06082a85030701010101301306072a85030202230206082a85030701010202",
    ),
    (
        ParamSet::CryptoProC,
        "301f06082a85030701010101301306072a85030202230306082a85030701010202",
    ),
    (
        ParamSet::CryptoProXchA,
        "301f06082a85030701010101301306072a85030202240006082a85030701010202",
    ),
    (
        ParamSet::CryptoProXchB,
        "301f06082a85030701010101301306072a85030202240106082a85030701010202",
    ),
    (
        ParamSet::Tc26A256,
        "301706082a85030701010101300b06092a8503070102010101",
    ),
    (
        ParamSet::Tc26B256,
        "301706082a85030701010101300b06092a8503070102010102",
    ),
    (
        ParamSet::Tc26C256,
        "301706082a85030701010101300b06092a8503070102010103",
    ),
    (
        ParamSet::Tc26D256,
        "301706082a85030701010101300b06092a8503070102010104",
    ),
    (
        ParamSet::Tc26A512,
        "302106082a85030701010102301506092a850307010201020106082a85030701010203",
    ),
    (
        ParamSet::Tc26B512,
        "302106082a85030701010102301506092a850307010201020206082a85030701010203",
    ),
    (
        ParamSet::Tc26C512,
        "301706082a85030701010102300b06092a8503070102010203",
    ),
];

/// An XchA key made by `openssl genpkey -engine gost -algorithm gost2012_256
/// -pkeyopt paramset:XA` and its `openssl pkey -pubout`.
const OPENSSL_XA_KEY: &str = "-----BEGIN PRIVATE KEY-----
MEYCAQAwHwYIKoUDBwEBAQEwEwYHKoUDAgIkAAYIKoUDBwEBAgIEIKIdFK/TvFg5
xowfJA441x1eNF6Yb+cMJa98qpEsGd7+
-----END PRIVATE KEY-----
";
const OPENSSL_XA_PUB: &str = "-----BEGIN PUBLIC KEY-----
MGYwHwYIKoUDBwEBAQEwEwYHKoUDAgIkAAYIKoUDBwEBAgIDQwAEQJWpl8Scmjh5
NFE/jYW7BOtn/UBHYjKRZ/i9mteWjGhKSI3LfbttpivAHHrFPvwy1KWYK/Zkn9ui
ra7PJzfFZcI=
-----END PUBLIC KEY-----
";
const OPENSSL_XA_D: &str = "FEDE192C91AA7CAF250CE76F985E345E1DD7380E241F8CC63958BCD3AF141DA2";

/// The same for tc26-512-C (a cofactor-4 curve, no digestParamSet).
const OPENSSL_512C_KEY: &str = "-----BEGIN PRIVATE KEY-----
MF4CAQAwFwYIKoUDBwEBAQIwCwYJKoUDBwECAQIDBEAmaU/KYi1pLp6G08ttKJat
SqAEY/r7uY3st4RHvoZQxkYz5FJM5N64n2th7x7E/H34GAcdfPB/pXdtqL8sf8QH
-----END PRIVATE KEY-----
";
const OPENSSL_512C_PUB: &str = "-----BEGIN PUBLIC KEY-----
MIGgMBcGCCqFAwcBAQECMAsGCSqFAwcBAgECAwOBhAAEgYAQI0IEhqDVdZpFSwyI
EjINurDdL0U0xbyl+3eWqhpIAct9G4rwuo1MswurduVg05W6m0/5ykgB4DkbybeX
AAhAQz7X6+lItuh2TNiSK9k0SZB7vsMwirAA+kwI/5MZGlhyFD29npIsC656IGBR
dAm1ZKH09gjTtfBIzk6CrIoRgQ==
-----END PUBLIC KEY-----
";

/// R 50.1.112-2016 PFX example: the decrypted PrivateKeyInfo holds a masked
/// key (64 bytes: LE(k) ‖ LE(m)) on CryptoPro-A; OpenSSL's GOST engine
/// unmasks it to the d below.
const R50_MASKED_PKI: &str = "3066020100301f06082a85030701010101301306072a85030202230106082a850307010102020440
461B46EF3ACFED4914A0DC3C337D51B4C61B6922F5E9D3AA8B382A9514D23F480E997551789A035603230523940A7EF351A42E6CADF05C3A1ADFD7E496724806";
const R50_D: &str = "2bea34a3b05d19645b8f41246a995008230700fd006ba6eb53b422559cef2252";

fn alg_with_params(alg: &str, params: &[&str]) -> AlgorithmIdentifierOwned {
    let oids: Vec<ObjectIdentifier> = params.iter().map(|p| oid(p)).collect();
    AlgorithmIdentifierOwned {
        oid: oid(alg),
        parameters: Some(Any::encode_from(&oids).unwrap()),
    }
}

fn parse_alg(alg: &AlgorithmIdentifierOwned) -> Result<ParamSet, Error> {
    let der = alg.to_der().unwrap();
    let alg = spki::AlgorithmIdentifierRef::from_der(&der).unwrap();
    param_set_from_algorithm(&alg)
}

/// A PrivateKeyInfo for `params` whose privateKey content is `content`.
fn pkcs8_with_content(params: ParamSet, content: &[u8]) -> Vec<u8> {
    let alg = algorithm_identifier(params).unwrap();
    PrivateKeyInfoRef::new(alg.owned_to_ref(), OctetStringRef::new(content).unwrap())
        .to_der()
        .unwrap()
}

use der::referenced::OwnedToRef;

// ---------------------------------------------------------------- algorithm

#[test]
fn algorithm_identifiers_match_openssl_for_every_production_set() {
    assert_eq!(OPENSSL_ALGORITHM_IDS.len(), ParamSet::PRODUCTION.len());
    for (params, expected) in OPENSSL_ALGORITHM_IDS {
        let der = algorithm_identifier(params).unwrap().to_der().unwrap();
        assert_eq!(der, hex(expected), "{params}");
        let parsed = spki::AlgorithmIdentifierRef::from_der(&der).unwrap();
        assert_eq!(param_set_from_algorithm(&parsed).unwrap(), params);
    }
}

#[test]
fn every_param_set_round_trips_through_its_algorithm_identifier() {
    for params in ParamSet::ALL {
        assert_eq!(
            parse_alg(&algorithm_identifier(params).unwrap()).unwrap(),
            params,
            "{params}"
        );
    }
}

#[test]
fn digest_param_set_is_optional_when_reading() {
    let with = alg_with_params(
        "1.2.643.7.1.1.1.1",
        &["1.2.643.7.1.2.1.1.1", "1.2.643.7.1.1.2.2"],
    );
    let without = alg_with_params("1.2.643.7.1.1.1.1", &["1.2.643.2.2.35.1"]);
    assert_eq!(parse_alg(&with).unwrap(), ParamSet::Tc26A256);
    assert_eq!(parse_alg(&without).unwrap(), ParamSet::CryptoProA);
    let with512 = alg_with_params(
        "1.2.643.7.1.1.1.2",
        &["1.2.643.7.1.2.1.2.3", "1.2.643.7.1.1.2.3"],
    );
    assert_eq!(parse_alg(&with512).unwrap(), ParamSet::Tc26C512);
}

#[test]
fn gost_2001_algorithms_are_read_as_256_bit_keys() {
    // RFC 4491 certificate: 2001 key, CryptoPro-A, GOST R 34.11-94 CryptoPro.
    let alg = alg_with_params("1.2.643.2.2.19", &["1.2.643.2.2.35.1", "1.2.643.2.2.30.1"]);
    assert_eq!(parse_alg(&alg).unwrap(), ParamSet::CryptoProA);
    // With the RFC 4491 encryptionParamSet.
    let alg = alg_with_params(
        "1.2.643.2.2.19",
        &["1.2.643.2.2.36.0", "1.2.643.2.2.30.1", "1.2.643.2.2.31.1"],
    );
    assert_eq!(parse_alg(&alg).unwrap(), ParamSet::CryptoProXchA);
    // GOST R 34.10-2001 DH (miniCa's PKCS#8).
    let alg = alg_with_params("1.2.643.2.2.98", &["1.2.643.2.2.36.0", "1.2.643.2.2.30.1"]);
    assert_eq!(parse_alg(&alg).unwrap(), ParamSet::CryptoProXchA);
}

#[test]
fn unknown_algorithm_is_rejected() {
    // GOST R 34.10-94 and id-ecPublicKey.
    for alg in ["1.2.643.2.2.20", "1.2.840.10045.2.1"] {
        let a = alg_with_params(alg, &["1.2.643.2.2.35.1"]);
        assert_eq!(parse_alg(&a), Err(Error::UnknownAlgorithm(oid(alg))));
    }
}

#[test]
fn unknown_param_set_is_rejected() {
    let alg = alg_with_params("1.2.643.7.1.1.1.1", &["1.2.643.2.2.35.9"]);
    assert_eq!(
        parse_alg(&alg),
        Err(Error::UnknownParamSet(oid("1.2.643.2.2.35.9")))
    );
}

#[test]
fn param_set_of_the_wrong_size_or_family_is_rejected() {
    let alg = alg_with_params("1.2.643.7.1.1.1.1", &["1.2.643.7.1.2.1.2.1"]);
    assert_eq!(
        parse_alg(&alg),
        Err(Error::ParamSetMismatch {
            algorithm: ID_TC26_GOST3410_12_256,
            param_set: ParamSet::Tc26A512
        })
    );
    let alg = alg_with_params("1.2.643.7.1.1.1.2", &["1.2.643.2.2.35.1"]);
    assert!(matches!(
        parse_alg(&alg),
        Err(Error::ParamSetMismatch { .. })
    ));
    // tc26 sets did not exist for GOST R 34.10-2001.
    let alg = alg_with_params(
        "1.2.643.2.2.19",
        &["1.2.643.7.1.2.1.1.1", "1.2.643.2.2.30.1"],
    );
    assert!(matches!(
        parse_alg(&alg),
        Err(Error::ParamSetMismatch { .. })
    ));
}

#[test]
fn wrong_digest_param_set_is_rejected() {
    for (alg, params) in [
        (
            "1.2.643.7.1.1.1.1",
            ["1.2.643.2.2.35.1", "1.2.643.7.1.1.2.3"],
        ),
        (
            "1.2.643.7.1.1.1.2",
            ["1.2.643.7.1.2.1.2.1", "1.2.643.7.1.1.2.2"],
        ),
        // The 34.11-94 digestParamSet is tolerated on 2001 curves only.
        (
            "1.2.643.7.1.1.1.1",
            ["1.2.643.7.1.2.1.1.1", "1.2.643.2.2.30.1"],
        ),
        ("1.2.643.2.2.19", ["1.2.643.2.2.35.1", "1.2.643.7.1.1.2.2"]),
    ] {
        let a = alg_with_params(alg, &params);
        assert_eq!(
            parse_alg(&a),
            Err(Error::DigestParamSetMismatch {
                algorithm: oid(alg),
                digest: oid(params[1])
            }),
            "{alg} {params:?}"
        );
    }
}

#[test]
fn bouncy_castle_digest_param_set_on_2001_curves_is_accepted() {
    // Bouncy Castle 1.72 writes id-GostR3411-94-CryptoProParamSet as the
    // digestParamSet of 2012-256 keys on the CryptoPro curves.
    for curve in ["1.2.643.2.2.35.1", "1.2.643.2.2.35.3", "1.2.643.2.2.36.0"] {
        let a = alg_with_params("1.2.643.7.1.1.1.1", &[curve, "1.2.643.2.2.30.1"]);
        assert_eq!(parse_alg(&a).map(ParamSet::oid), Ok(oid(curve)));
    }
}

#[test]
fn malformed_parameters_are_rejected() {
    // Absent.
    let absent = AlgorithmIdentifierOwned {
        oid: ID_TC26_GOST3410_12_256,
        parameters: None,
    };
    assert_eq!(parse_alg(&absent), Err(Error::MissingParameters));
    // NULL instead of a SEQUENCE.
    let null = AlgorithmIdentifierOwned {
        oid: ID_TC26_GOST3410_12_256,
        parameters: Some(Any::null()),
    };
    assert!(matches!(parse_alg(&null), Err(Error::Asn1(_))));
    // A bare OID instead of the SEQUENCE.
    let bare = AlgorithmIdentifierOwned {
        oid: ID_TC26_GOST3410_12_256,
        parameters: Some(Any::encode_from(&oid("1.2.643.2.2.35.1")).unwrap()),
    };
    assert!(matches!(parse_alg(&bare), Err(Error::Asn1(_))));
    // Empty SEQUENCE.
    assert!(matches!(
        parse_alg(&alg_with_params("1.2.643.7.1.1.1.1", &[])),
        Err(Error::Asn1(_))
    ));
    // An encryptionParamSet is only part of the 2001 structure.
    let three = alg_with_params(
        "1.2.643.7.1.1.1.1",
        &["1.2.643.2.2.35.1", "1.2.643.7.1.1.2.2", "1.2.643.2.2.31.1"],
    );
    assert!(matches!(parse_alg(&three), Err(Error::Asn1(_))));
}

// -------------------------------------------------------------------- keys

/// Two masks on tc26-512-C: `LE(k) ‖ LE(m1) ‖ LE(m2)`, all 64 bytes and
/// above q; d = k·m1·m2 mod q computed independently (Python big integers).
const MASKED_512C_TWO_MASKS: &str = "8bedc3880f980ecb3add702662b3dba60c84c95f14d560befd780a9961f0c374468327a8534852502b8dfa81567d35e92ca720066141d3acff6c6e608bdbe6fbbbc2dafff177312f61e92f135954455daa34a82090806a9b1d297e224268dcb14ce122d99ac8bb7f6e6eed39de3ac60ce1c71ecb17d65fd24fd64c4c71fd3919cedfd7d31480508aad4f6463f3c487a7705bc3b07422bde752e491e8eabc291cf2d327acd031ae9168d9d48176e549021cf88afa420bc1f902430d0dd5956b18";
const MASKED_512C_D: &str = "2e0550bdf4e1610f6a4ff493887317ce3c419fd893ede2e874f4353ab7143e6432ae05b15ef93cad37dd2de03db283277d5ae841cf7182a02fd0a866d39751fd";

#[test]
fn masked_keys_are_unmasked_as_openssl_does() {
    // R 50.1.112-2016: one mask on CryptoPro-A.
    let key = SigningKey::from_pkcs8_der(&hex(R50_MASKED_PKI)).unwrap();
    assert_eq!(key.param_set(), ParamSet::CryptoProA);
    assert_eq!(key.to_bytes().as_slice(), hex(R50_D).as_slice());
    // Two masks, 512 bits, every factor above q.
    let der = pkcs8_with_content(ParamSet::Tc26C512, &hex(MASKED_512C_TWO_MASKS));
    let key = SigningKey::from_pkcs8_der(&der).unwrap();
    assert_eq!(key.to_bytes().as_slice(), hex(MASKED_512C_D).as_slice());
}

/// CryptoPro containers store k = d·m: `from_masked_le` undoes what the
/// PKCS#8 masked form does, for masks below and above q, on 256 and 512.
#[test]
fn masked_le_divides_by_the_mask() {
    for params in [
        ParamSet::CryptoProXchA,
        ParamSet::Tc26C512,
        ParamSet::Tc26A256,
    ] {
        let n = params.field_bytes();
        let d = SigningKey::generate(params).unwrap();
        let small = SigningKey::generate(params).unwrap().to_le_bytes().to_vec();
        for mask in [small, vec![0xff; n]] {
            // k = d·m mod q through the PKCS#8 masked form LE(d) ‖ LE(m).
            let masked = [d.to_le_bytes().as_slice(), &mask].concat();
            let k = SigningKey::from_pkcs8_der(&pkcs8_with_content(params, &masked)).unwrap();
            let back = SigningKey::from_masked_le(params, &k.to_le_bytes(), &mask).unwrap();
            assert_eq!(*back.to_bytes(), *d.to_bytes(), "{params:?}");
        }
        let zero = vec![0u8; n];
        assert!(matches!(
            SigningKey::from_masked_le(params, &d.to_le_bytes(), &zero),
            Err(Error::PrivateKeyRange)
        ));
        assert!(matches!(
            SigningKey::from_masked_le(params, &d.to_le_bytes()[1..], &zero),
            Err(Error::Length { .. })
        ));
    }
}

#[test]
fn openssl_keys_load_and_reencode_byte_for_byte() {
    let key = SigningKey::from_pkcs8_pem(OPENSSL_XA_KEY).unwrap();
    assert_eq!(key.param_set(), ParamSet::CryptoProXchA);
    assert_eq!(key.to_bytes().as_slice(), hex(OPENSSL_XA_D).as_slice());
    let public = VerifyingKey::from_public_key_pem(OPENSSL_XA_PUB).unwrap();
    assert_eq!(key.verifying_key(), public);
    assert_eq!(public.to_public_key_pem().unwrap(), OPENSSL_XA_PUB);

    let key = SigningKey::from_pkcs8_pem(OPENSSL_512C_KEY).unwrap();
    assert_eq!(key.param_set(), ParamSet::Tc26C512);
    let public = VerifyingKey::from_public_key_pem(OPENSSL_512C_PUB).unwrap();
    assert_eq!(key.verifying_key(), public);
    assert_eq!(public.to_public_key_pem().unwrap(), OPENSSL_512C_PUB);
}

#[test]
fn pkcs8_round_trips_on_every_param_set() {
    for params in ParamSet::ALL {
        let key = SigningKey::generate(params).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        let back = SigningKey::from_pkcs8_der(&der).unwrap();
        assert_eq!(back.to_bytes(), key.to_bytes(), "{params}");
        assert_eq!(back.param_set(), params);
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_eq!(
            SigningKey::from_pkcs8_pem(&pem).unwrap().to_bytes(),
            key.to_bytes()
        );
        // The privateKey is OCTET STRING(OCTET STRING(LE d)).
        let info = PrivateKeyInfoRef::from_der(&der).unwrap();
        let mut inner = vec![0x04, params.field_bytes() as u8];
        inner.extend_from_slice(&key.to_le_bytes());
        assert_eq!(info.private_key.as_bytes(), inner.as_slice());
        assert!(info.public_key.is_none());
    }
}

#[test]
fn spki_round_trips_on_every_param_set() {
    for params in ParamSet::ALL {
        let public = SigningKey::generate(params).unwrap().verifying_key();
        let der = public.to_public_key_der().unwrap();
        assert_eq!(
            VerifyingKey::from_public_key_der(&der).unwrap(),
            public,
            "{params}"
        );
        let pem = public.to_public_key_pem().unwrap();
        assert_eq!(VerifyingKey::from_public_key_pem(&pem).unwrap(), public);
        // BIT STRING ⊃ OCTET STRING ⊃ LE(X) ‖ LE(Y).
        let info = spki::SubjectPublicKeyInfoRef::from_der(&der).unwrap();
        let octets = info.subject_public_key.as_bytes().unwrap();
        let inner = <&OctetStringRef>::from_der(octets).unwrap();
        assert_eq!(inner.as_bytes(), public.to_le_bytes().as_slice());
    }
}

#[test]
fn rustcrypto_traits_agree_with_the_inherent_methods() {
    let key = SigningKey::generate(ParamSet::Tc26B512).unwrap();
    let doc = EncodePrivateKey::to_pkcs8_der(&key).unwrap();
    assert_eq!(doc.as_bytes(), key.to_pkcs8_der().unwrap().as_slice());
    let back = <SigningKey as DecodePrivateKey>::from_pkcs8_der(doc.as_bytes()).unwrap();
    assert_eq!(back.to_bytes(), key.to_bytes());

    let public = key.verifying_key();
    let doc = EncodePublicKey::to_public_key_der(&public).unwrap();
    assert_eq!(
        doc.as_bytes(),
        public.to_public_key_der().unwrap().as_slice()
    );
    assert_eq!(
        <VerifyingKey as DecodePublicKey>::from_public_key_der(doc.as_bytes()).unwrap(),
        public
    );
    let info = spki::SubjectPublicKeyInfoOwned::from_key(&public).unwrap();
    assert_eq!(info.to_der().unwrap(), doc.as_bytes());

    let alg = spki::AlgorithmIdentifierOwned {
        oid: oid("1.2.643.2.2.20"),
        parameters: Some(Any::encode_from(&vec![oid("1.2.643.2.2.32.2")]).unwrap()),
    };
    let bad = spki::SubjectPublicKeyInfoOwned {
        algorithm: alg,
        subject_public_key: der::asn1::BitString::from_bytes(&[4, 0]).unwrap(),
    };
    assert_eq!(
        <VerifyingKey as DecodePublicKey>::from_public_key_der(&bad.to_der().unwrap()),
        Err(spki::Error::OidUnknown {
            oid: oid("1.2.643.2.2.20")
        })
    );
}

#[test]
fn every_private_key_form_is_read() {
    for params in [
        ParamSet::CryptoProA,
        ParamSet::Tc26A256,
        ParamSet::Tc26A512,
        ParamSet::Tc26C512,
    ] {
        let key = SigningKey::generate(params).unwrap();
        let n = params.field_bytes();
        let le = key.to_le_bytes();
        let be = key.to_bytes();
        let mut forms: Vec<(&str, Vec<u8>)> = Vec::new();
        // Raw LE(d), as the GOST engine writes by default.
        forms.push(("raw", le.to_vec()));
        // OCTET STRING(LE(d)).
        forms.push((
            "octet string",
            OctetStringRef::new(&le).unwrap().to_der().unwrap(),
        ));
        // INTEGER d.
        forms.push((
            "integer",
            der::asn1::UintRef::new(&be).unwrap().to_der().unwrap(),
        ));
        // Masked with mask 1: LE(d) ‖ LE(1).
        let mut one = vec![0u8; n];
        one[0] = 1;
        forms.push(("masked raw", [le.as_slice(), &one].concat()));
        // The same inside an OCTET STRING.
        let masked = [le.as_slice(), &one].concat();
        forms.push((
            "masked octet string",
            OctetStringRef::new(&masked).unwrap().to_der().unwrap(),
        ));
        // MASKED_GOST_KEY SEQUENCE { masked, public }.
        // SEQUENCE OF OCTET STRING encodes as SEQUENCE { OCTET STRING, OCTET STRING }.
        let public = key.verifying_key().to_le_bytes();
        let sequence = vec![
            OctetStringRef::new(&masked).unwrap(),
            OctetStringRef::new(&public).unwrap(),
        ]
        .to_der()
        .unwrap();
        forms.push(("masked sequence", sequence));
        for (name, content) in forms {
            let der = pkcs8_with_content(params, &content);
            let back =
                SigningKey::from_pkcs8_der(&der).unwrap_or_else(|e| panic!("{params} {name}: {e}"));
            assert_eq!(back.to_bytes(), be, "{params} {name}");
        }
    }
}

#[test]
fn malformed_private_keys_are_rejected() {
    let params = ParamSet::CryptoProA;
    let key = SigningKey::generate(params).unwrap();
    let le = key.to_le_bytes();
    type Case = (&'static str, Vec<u8>, fn(&Error) -> bool);
    let bad: Vec<Case> = vec![
        ("empty", vec![], |e| *e == Error::PrivateKeyFormat),
        // The first byte is fixed: a random key starting with 0x02, 0x04 or
        // 0x30 would be read as DER and fail as Asn1 (a 3-in-256 flake).
        ("31 bytes raw", [&[0x55], &le[1..31]].concat(), |e| {
            *e == Error::PrivateKeyFormat
        }),
        (
            "inner octet string of 31",
            OctetStringRef::new(&le[..31]).unwrap().to_der().unwrap(),
            |e| *e == Error::PrivateKeyFormat,
        ),
        (
            "inner octet string with trailing byte",
            {
                let mut v = OctetStringRef::new(&le).unwrap().to_der().unwrap();
                v.push(0);
                v
            },
            |e| matches!(e, Error::Asn1(_)),
        ),
        ("negative integer", vec![0x02, 0x01, 0xff], |e| {
            matches!(e, Error::Asn1(_))
        }),
        (
            "integer too large",
            der::asn1::UintRef::new(&[0x7f; 33])
                .unwrap()
                .to_der()
                .unwrap(),
            |e| *e == Error::PrivateKeyRange,
        ),
        ("bit string", vec![0x03, 0x02, 0x00, 0x01], |e| {
            *e == Error::PrivateKeyFormat
        }),
        ("zero", vec![0; 32], |e| *e == Error::PrivateKeyRange),
        ("not below q", vec![0xff; 32], |e| {
            *e == Error::PrivateKeyRange
        }),
        (
            "masked to zero",
            [le.as_slice(), &[0u8; 32]].concat(),
            |e| *e == Error::PrivateKeyRange,
        ),
    ];
    for (name, content, check) in bad {
        let der = pkcs8_with_content(params, &content);
        let err = SigningKey::from_pkcs8_der(&der).expect_err(name);
        assert!(check(&err), "{name}: {err:?}");
    }
}

#[test]
fn pkcs8_v2_public_key_must_match() {
    let params = ParamSet::Tc26B256;
    let key = SigningKey::generate(params).unwrap();
    let other = SigningKey::generate(params).unwrap().verifying_key();
    let alg = algorithm_identifier(params).unwrap();
    let inner = OctetStringRef::new(&key.to_le_bytes())
        .unwrap()
        .to_der()
        .unwrap();
    let build = |public: &[u8]| {
        let mut info =
            PrivateKeyInfoRef::new(alg.owned_to_ref(), OctetStringRef::new(&inner).unwrap());
        info.public_key = Some(BitStringRef::from_bytes(public).unwrap());
        info.to_der().unwrap()
    };
    let own = key.verifying_key().to_le_bytes();
    let wrapped = OctetStringRef::new(&own).unwrap().to_der().unwrap();
    for public in [own.clone(), wrapped] {
        assert_eq!(
            SigningKey::from_pkcs8_der(&build(&public))
                .unwrap()
                .to_bytes(),
            key.to_bytes()
        );
    }
    let theirs = OctetStringRef::new(&other.to_le_bytes())
        .unwrap()
        .to_der()
        .unwrap();
    assert_eq!(
        SigningKey::from_pkcs8_der(&build(&theirs)).unwrap_err(),
        Error::PublicKeyMismatch
    );
    assert_eq!(
        SigningKey::from_pkcs8_der(&build(&own[..10])).unwrap_err(),
        Error::PublicKeyFormat
    );
}

#[test]
fn malformed_public_keys_are_rejected() {
    let public = SigningKey::generate(ParamSet::Tc26A256)
        .unwrap()
        .verifying_key();
    let alg = algorithm_identifier(ParamSet::Tc26A256).unwrap();
    let build = |bits: der::asn1::BitString| {
        spki::SubjectPublicKeyInfoOwned {
            algorithm: alg.clone(),
            subject_public_key: bits,
        }
        .to_der()
        .unwrap()
    };
    let le = public.to_le_bytes();
    // Bare LE(X) ‖ LE(Y) without the OCTET STRING.
    let bare = build(der::asn1::BitString::from_bytes(&le).unwrap());
    assert_eq!(
        VerifyingKey::from_public_key_der(&bare).unwrap_err(),
        Error::PublicKeyFormat
    );
    // Unused bits in the BIT STRING.
    let octets = OctetStringRef::new(&le).unwrap().to_der().unwrap();
    let unused = build(der::asn1::BitString::new(1, octets.clone()).unwrap());
    assert_eq!(
        VerifyingKey::from_public_key_der(&unused).unwrap_err(),
        Error::PublicKeyFormat
    );
    // Wrong length: a 512-bit point under a 256-bit algorithm.
    let long = OctetStringRef::new(&[le.as_slice(), &le].concat())
        .unwrap()
        .to_der()
        .unwrap();
    let long = build(der::asn1::BitString::from_bytes(&long).unwrap());
    assert_eq!(
        VerifyingKey::from_public_key_der(&long).unwrap_err(),
        Error::Length {
            expected: 64,
            actual: 128
        }
    );
    // A point off the curve.
    let mut off = le.clone();
    off[0] ^= 1;
    let off = build(
        der::asn1::BitString::from_bytes(&OctetStringRef::new(&off).unwrap().to_der().unwrap())
            .unwrap(),
    );
    assert!(VerifyingKey::from_public_key_der(&off).is_err());
    // Trailing garbage after the SubjectPublicKeyInfo.
    let mut trailing = public.to_public_key_der().unwrap();
    trailing.push(0);
    assert!(matches!(
        VerifyingKey::from_public_key_der(&trailing),
        Err(Error::Asn1(_))
    ));
    // Truncated.
    let der = public.to_public_key_der().unwrap();
    assert!(matches!(
        VerifyingKey::from_public_key_der(&der[..der.len() - 1]),
        Err(Error::Asn1(_))
    ));
}

#[test]
fn pem_labels_are_checked() {
    let key = SigningKey::generate(ParamSet::CryptoProXchA).unwrap();
    let public_pem = key.verifying_key().to_public_key_pem().unwrap();
    let private_pem = key.to_pkcs8_pem().unwrap();
    assert!(matches!(
        SigningKey::from_pkcs8_pem(&public_pem),
        Err(Error::Asn1(_))
    ));
    assert!(matches!(
        VerifyingKey::from_public_key_pem(&private_pem),
        Err(Error::Asn1(_))
    ));
    let ec = public_pem.replace("PUBLIC KEY", "EC PUBLIC KEY");
    assert!(matches!(
        VerifyingKey::from_public_key_pem(&ec),
        Err(Error::Asn1(_))
    ));
    assert!(matches!(
        VerifyingKey::from_public_key_pem("not pem"),
        Err(Error::Asn1(_))
    ));
}

#[test]
fn algorithm_identifier_survives_any_reencoding() {
    // AnyRef view of the parameters: a SEQUENCE of one or two OIDs.
    for params in ParamSet::ALL {
        let alg = algorithm_identifier(params).unwrap();
        let any: AnyRef<'_> = alg.parameters.as_ref().unwrap().into();
        assert_eq!(any.tag(), der::Tag::Sequence);
    }
}

#[test]
fn pem_is_read_as_leniently_as_openssl_reads_it() {
    let key = SigningKey::from_pkcs8_pem(OPENSSL_XA_KEY).unwrap();
    let public = VerifyingKey::from_public_key_pem(OPENSSL_XA_PUB).unwrap();
    let body: String = OPENSSL_XA_PUB
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    // 76-character lines with CRLF, text before and after, another block first.
    let mut long_lines = String::from(
        "Subject: test\r\n-----BEGIN CERTIFICATE-----\r\nAAAA\r\n-----END CERTIFICATE-----\r\n",
    );
    long_lines.push_str("-----BEGIN PUBLIC KEY-----\r\n");
    for chunk in body.as_bytes().chunks(76) {
        long_lines.push_str(std::str::from_utf8(chunk).unwrap());
        long_lines.push_str("\r\n");
    }
    long_lines.push_str("-----END PUBLIC KEY-----\r\ntrailing text\r\n");
    assert_eq!(
        VerifyingKey::from_public_key_pem(&long_lines).unwrap(),
        public
    );
    // One line, indented.
    let one_line = format!("  -----BEGIN PUBLIC KEY-----\n  {body}\n  -----END PUBLIC KEY-----");
    assert_eq!(
        VerifyingKey::from_public_key_pem(&one_line).unwrap(),
        public
    );
    let key_body: String = OPENSSL_XA_KEY
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let key_one_line =
        format!("-----BEGIN PRIVATE KEY-----\n{key_body}\n-----END PRIVATE KEY-----\n");
    assert_eq!(
        SigningKey::from_pkcs8_pem(&key_one_line)
            .unwrap()
            .to_bytes(),
        key.to_bytes()
    );
}

#[test]
fn malformed_pem_is_rejected() {
    let body: String = OPENSSL_XA_PUB
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let cases = [
        ("no end", format!("-----BEGIN PUBLIC KEY-----\n{body}\n")),
        (
            "header",
            format!(
                "-----BEGIN PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\n\n{body}\n-----END PUBLIC KEY-----\n"
            ),
        ),
        (
            "bad base64",
            format!("-----BEGIN PUBLIC KEY-----\n{body}*\n-----END PUBLIC KEY-----\n"),
        ),
        (
            "non-ASCII",
            format!("-----BEGIN PUBLIC KEY-----\n{body}é\n-----END PUBLIC KEY-----\n"),
        ),
        (
            "truncated",
            format!(
                "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
                &body[..body.len() - 4]
            ),
        ),
        (
            "mismatched end",
            format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PRIVATE KEY-----\n"),
        ),
        ("empty", String::new()),
    ];
    for (name, pem) in cases {
        assert!(
            matches!(VerifyingKey::from_public_key_pem(&pem), Err(Error::Asn1(_))),
            "{name}"
        );
    }
    let encrypted =
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
    assert!(matches!(
        SigningKey::from_pkcs8_pem(encrypted),
        Err(Error::Asn1(_))
    ));
}
