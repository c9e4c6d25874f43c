//! Known-answer and negative tests of GOST R 34.10-2012 signatures through
//! the public API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gost::{Error, ParamSet, Signature, SigningKey, VerifyingKey};
use proptest::prelude::*;

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// The digest bytes whose little-endian value is the big-endian hex `e`.
fn digest_of_e(e: &str) -> Vec<u8> {
    let mut d = unhex(e);
    d.reverse();
    d
}

struct Example {
    params: ParamSet,
    d: &'static str,
    qx: &'static str,
    qy: &'static str,
    e: &'static str,
    k: &'static str,
    r: &'static str,
    s: &'static str,
}

/// GOST R 34.10-2012 Appendix A.1 (= RFC 7091 §7.1, RFC 5832 §7.1):
/// 256-bit example on id-GostR3410-2001-TestParamSet.
const EXAMPLE_256: Example = Example {
    params: ParamSet::Test256,
    d: "7a929ade789bb9be10ed359dd39a72c11b60961f49397eee1d19ce9891ec3b28",
    qx: "7f2b49e270db6d90d8595bec458b50c58585ba1d4e9b788f6689dbd8e56fd80b",
    qy: "26f1b489d6701dd185c8413a977b3cbbaf64d1c593d26627dffb101a87ff77da",
    e: "2dfbc1b372d89a1188c09c52e0eec61fce52032ab1022e8e67ece6672b043ee5",
    k: "77105c9b20bcd3122823c8cf6fcc7b956de33814e95b7fe64fed924594dceab3",
    r: "41aa28d2f1ab148280cd9ed56feda41974053554a42767b83ad043fd39dc0493",
    s: "01456c64ba4642a1653c235a98a60249bcd6d3f746b631df928014f6c5bf9c40",
};

/// GOST R 34.10-2012 Appendix A.2 (= RFC 7091 §7.2): 512-bit example on
/// id-tc26-gost-3410-2012-512-paramSetTest.
const EXAMPLE_512: Example = Example {
    params: ParamSet::Test512,
    d: "0ba6048aadae241ba40936d47756d7c93091a0e8514669700ee7508e508b102072e8123b2200a0563322dad2827e2714a2636b7bfd18aadfc62967821fa18dd4",
    qx: "115dc5bc96760c7b48598d8ab9e740d4c4a85a65be33c1815b5c320c854621dd5a515856d13314af69bc5b924c8b4ddff75c45415c1d9dd9dd33612cd530efe1",
    qy: "37c7c90cd40b0f5621dc3ac1b751cfa0e2634fa0503b3d52639f5d7fb72afd61ea199441d943ffe7f0c70a2759a3cdb84c114e1f9339fdf27f35eca93677beec",
    e: "3754f3cfacc9e0615c4f4a7c4d8dab531b09b6f9c170c533a71d147035b0c5917184ee536593f4414339976c647c5d5a407adedb1d560c4fc6777d2972075b8c",
    k: "0359e7f4b1410feacc570456c6801496946312120b39d019d455986e364f365886748ed7a44b3e794434006011842286212273a6d14cf70ea3af71bb1ae679f1",
    r: "2f86fa60a081091a23dd795e1e3c689ee512a3c82ee0dcc2643c78eea8fcacd35492558486b20f1c9ec197c90699850260c93bcbcd9c5c3317e19344e173ae36",
    s: "1081b394696ffe8e6585e7a9362d26b6325f56778aadbc081c0bfbe933d52ff5823ce288e8c4f362526080df7f70ce406a6eeb1f56919cb92a9853bde73e5b4a",
};

fn check_example(ex: &Example) {
    let key = SigningKey::from_bytes(ex.params, &unhex(ex.d)).unwrap();
    let vk = key.verifying_key();
    assert_eq!(hex::encode(vk.x()), ex.qx, "{}: Qx", ex.params);
    assert_eq!(hex::encode(vk.y()), ex.qy, "{}: Qy", ex.params);
    let digest = digest_of_e(ex.e);
    let sig = key.sign_digest_with_nonce(&digest, &unhex(ex.k)).unwrap();
    assert_eq!(hex::encode(sig.r()), ex.r, "{}: r", ex.params);
    assert_eq!(hex::encode(sig.s()), ex.s, "{}: s", ex.params);
    assert_eq!(hex::encode(sig.to_bytes()), format!("{}{}", ex.s, ex.r));
    vk.verify_digest(&digest, &sig).unwrap();
    // The public key given in the standard, parsed independently.
    let given = VerifyingKey::from_affine(ex.params, &unhex(ex.qx), &unhex(ex.qy)).unwrap();
    given.verify_digest(&digest, &sig).unwrap();
}

#[test]
fn standard_example_256() {
    check_example(&EXAMPLE_256);
}

#[test]
fn standard_example_512() {
    check_example(&EXAMPLE_512);
}

fn example_key(ex: &Example) -> (VerifyingKey, Vec<u8>, Signature) {
    let vk = VerifyingKey::from_affine(ex.params, &unhex(ex.qx), &unhex(ex.qy)).unwrap();
    let sig = Signature::from_scalars(&unhex(ex.r), &unhex(ex.s)).unwrap();
    (vk, digest_of_e(ex.e), sig)
}

/// The group order q of the test curves, big-endian.
const Q_256: &str = "8000000000000000000000000000000150fe8a1892976154c59cfc193accf5b3";

#[test]
fn rejects_out_of_range_r_and_s() {
    let (vk, digest, sig) = example_key(&EXAMPLE_256);
    let zero = vec![0u8; 32];
    let q = unhex(Q_256);
    let mut q_plus = q.clone();
    q_plus[31] += 1;
    let ones = vec![0xffu8; 32];
    for bad in [&zero, &q, &q_plus, &ones] {
        let s_bad = Signature::from_scalars(sig.r(), bad).unwrap();
        assert_eq!(
            vk.verify_digest(&digest, &s_bad),
            Err(Error::SignatureRange)
        );
        let r_bad = Signature::from_scalars(bad, sig.s()).unwrap();
        assert_eq!(
            vk.verify_digest(&digest, &r_bad),
            Err(Error::SignatureRange)
        );
    }
    // r + q (≡ r) is rejected by the range check, not accepted modulo q.
    let _ = sig;
}

#[test]
fn rejects_swapped_reversed_and_flipped_signatures() {
    for ex in [&EXAMPLE_256, &EXAMPLE_512] {
        let (vk, digest, sig) = example_key(ex);
        let swapped = Signature::from_scalars(sig.s(), sig.r()).unwrap();
        assert!(vk.verify_digest(&digest, &swapped).is_err());
        // The CryptoAPI byte order read as the standard one.
        let reversed = Signature::from_bytes(&sig.to_raw_cryptoapi()).unwrap();
        assert!(vk.verify_digest(&digest, &reversed).is_err());
        // ...but the explicit conversion round-trips.
        let back = Signature::from_raw_cryptoapi(&sig.to_raw_cryptoapi()).unwrap();
        vk.verify_digest(&digest, &back).unwrap();
        let bytes = sig.to_bytes();
        for bit in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            let flipped = Signature::from_bytes(&b).unwrap();
            assert!(
                vk.verify_digest(&digest, &flipped).is_err(),
                "{}: bit {bit} of signature",
                ex.params
            );
        }
        for bit in 0..digest.len() * 8 {
            let mut d = digest.clone();
            d[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                vk.verify_digest(&d, &sig),
                Err(Error::SignatureInvalid),
                "{}: bit {bit} of digest",
                ex.params
            );
        }
        // Flipping a bit of the public key gives an invalid key or a key the
        // signature does not verify under.
        let xy = vk.to_le_bytes();
        for bit in (0..xy.len() * 8).step_by(7) {
            let mut k = xy.clone();
            k[bit / 8] ^= 1 << (bit % 8);
            if let Ok(other) = VerifyingKey::from_le_bytes(ex.params, &k) {
                assert!(
                    other.verify_digest(&digest, &sig).is_err(),
                    "{}: bit {bit} of key",
                    ex.params
                );
            }
        }
    }
}

#[test]
fn rejects_wrong_lengths() {
    let (vk, digest, sig) = example_key(&EXAMPLE_256);
    assert!(matches!(
        vk.verify_digest(&digest[..31], &sig),
        Err(Error::Length { .. })
    ));
    assert!(matches!(
        vk.verify_digest(&[digest.clone(), digest.clone()].concat(), &sig),
        Err(Error::Length { .. })
    ));
    assert!(matches!(
        Signature::from_bytes(&[0u8; 63]),
        Err(Error::Length { .. })
    ));
    assert!(matches!(
        Signature::from_bytes(&[0u8; 65]),
        Err(Error::Length { .. })
    ));
    let sig512 = example_key(&EXAMPLE_512).2;
    assert!(matches!(
        vk.verify_digest(&digest, &sig512),
        Err(Error::Length { .. })
    ));
    assert!(matches!(
        VerifyingKey::from_le_bytes(ParamSet::CryptoProA, &[1u8; 63]),
        Err(Error::Length { .. })
    ));
    assert!(matches!(
        SigningKey::from_bytes(ParamSet::CryptoProA, &[1u8; 31]),
        Err(Error::Length { .. })
    ));
    let key = SigningKey::from_bytes(ParamSet::Test256, &unhex(EXAMPLE_256.d)).unwrap();
    assert!(matches!(
        key.sign_digest(&[0u8; 64]),
        Err(Error::Length { .. })
    ));
}

#[test]
fn rejects_bad_public_keys() {
    let p = ParamSet::CryptoProA;
    let x = unhex("0000000000000000000000000000000000000000000000000000000000000001");
    let y = unhex("8d91e471e0989cda27df505a453f2b7635294f2ddf23e3b122acc99c9e9f1e14");
    VerifyingKey::from_affine(p, &x, &y).unwrap(); // G itself
    let mut y_off = y.clone();
    y_off[31] ^= 1;
    assert_eq!(
        VerifyingKey::from_affine(p, &x, &y_off),
        Err(Error::PublicKeyNotOnCurve)
    );
    // The point at infinity has no affine form; its customary encoding (0, 0).
    assert_eq!(
        VerifyingKey::from_affine(p, &[0; 32], &[0; 32]),
        Err(Error::PublicKeyInfinity)
    );
    // A coordinate ≥ p.
    let p_hex = unhex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd97");
    assert_eq!(
        VerifyingKey::from_affine(p, &p_hex, &y),
        Err(Error::PublicKeyCoordinate)
    );
    assert_eq!(
        VerifyingKey::from_affine(p, &x, &[0xff; 32]),
        Err(Error::PublicKeyCoordinate)
    );
}

/// Points on the cofactor-4 curves outside the prime-order subgroup, found
/// with Python big integers: P = a random curve point with q·P ≠ O, and
/// T = q·P (of order 2 for tc26-256-A, 4 for tc26-512-C).
#[test]
fn rejects_points_outside_the_subgroup() {
    let cases = [
        (
            ParamSet::Tc26A256,
            "36f675cc81e74ef5e8e25d940ed904759531985d5d9dc9f81818e811892f902b",
            "0531835b579a7f17ba717f2b405641b54d1342dea44cdbd3bd756f418fceed22",
        ),
        (
            ParamSet::Tc26A256,
            "0100fe73f595ff158e974b44d478d9588744fe5c192ac47ea63075dce7a14aaa",
            "0000000000000000000000000000000000000000000000000000000000000000",
        ),
        (
            ParamSet::Tc26C512,
            "a170b33839263059f28c105d1fb17c2390c192cfd3ac94af0f21ddb66cad4a268d116ece1738f7d93d9c172411e20b8f6b0d549b6f03675a1600a35a099950d8",
            "1b2e92a3fdc1f4b94587f401fb8907184cb6c423ea59b709b95b3410752482a3d43a5d2c562dc6369bfcdf53eb5068622932d1efe8354aec77d89f8db687dbbd",
        ),
        (
            ParamSet::Tc26C512,
            "b2ceb8345535898813b22ebaed63002431baa6e3a8897bd702d1f2a27ea3fa5d9cc65d7f23e2ff7114ed197a575d7b72c932995a7051d270ef26a6db1101748f",
            "e793d763005f6367c4e973cf37d6ff936ad00b5506638c7af78a2818841410e729ace782945701acc138b390f9e78da7a46833f0af0a88ad328c0b6eccfb9ba9",
        ),
    ];
    for (p, x, y) in cases {
        assert_eq!(
            VerifyingKey::from_affine(p, &unhex(x), &unhex(y)),
            Err(Error::PublicKeySubgroup),
            "{p}"
        );
    }
}

#[test]
fn rejects_bad_private_keys() {
    for p in [ParamSet::CryptoProA, ParamSet::Tc26A512] {
        let n = p.field_bytes();
        assert_eq!(
            SigningKey::from_bytes(p, &vec![0; n]).unwrap_err(),
            Error::PrivateKeyRange
        );
        assert_eq!(
            SigningKey::from_bytes(p, &vec![0xff; n]).unwrap_err(),
            Error::PrivateKeyRange
        );
    }
    let q = unhex(Q_256);
    assert_eq!(
        SigningKey::from_bytes(ParamSet::Test256, &q).unwrap_err(),
        Error::PrivateKeyRange
    );
    let mut qm1 = q;
    qm1[31] -= 1;
    SigningKey::from_bytes(ParamSet::Test256, &qm1).unwrap();
}

#[test]
fn debug_output_hides_the_private_key() {
    let key = SigningKey::from_bytes(ParamSet::Test256, &unhex(EXAMPLE_256.d)).unwrap();
    let shown = format!("{key:?}");
    assert!(!shown.contains(&EXAMPLE_256.d[..16]), "{shown}");
    assert!(shown.contains("redacted"));
}

#[test]
fn hedged_signatures_differ_and_verify() {
    for p in ParamSet::ALL {
        let key = SigningKey::generate(p).unwrap();
        let vk = key.verifying_key();
        let digest = vec![0x5a; p.field_bytes()];
        let a = key.sign_digest(&digest).unwrap();
        let b = key.sign_digest(&digest).unwrap();
        assert_ne!(a, b, "{p}: fresh randomness must change the nonce");
        vk.verify_digest(&digest, &a).unwrap();
        vk.verify_digest(&digest, &b).unwrap();
        // The same entropy gives the same signature.
        let c = key.sign_digest_with_entropy(&digest, b"fixed").unwrap();
        assert_eq!(c, key.sign_digest_with_entropy(&digest, b"fixed").unwrap());
        // A digest whose value is 0 mod q is signed as e = 1 (GOST rule).
        let zero = vec![0u8; p.field_bytes()];
        let z = key.sign_digest(&zero).unwrap();
        vk.verify_digest(&zero, &z).unwrap();
        let mut one = zero.clone();
        one[0] = 1;
        vk.verify_digest(&one, &z).unwrap();
    }
}

fn any_param() -> impl Strategy<Value = ParamSet> {
    prop::sample::select(ParamSet::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn sign_verify_round_trip(p in any_param(), seed in any::<[u8; 32]>(), msg in any::<[u8; 64]>()) {
        let key = SigningKey::generate(p).unwrap();
        let digest = &msg[..p.field_bytes()];
        let sig = key.sign_digest_with_entropy(digest, &seed).unwrap();
        let vk = key.verifying_key();
        prop_assert!(vk.verify_digest(digest, &sig).is_ok());
        // Encodings round-trip.
        let vk2 = VerifyingKey::from_le_bytes(p, &vk.to_le_bytes()).unwrap();
        prop_assert_eq!(&vk2, &vk);
        let key2 = SigningKey::from_le_bytes(p, &key.to_le_bytes()).unwrap();
        prop_assert_eq!(key2.verifying_key(), vk);
        prop_assert_eq!(Signature::from_bytes(&sig.to_bytes()).unwrap(), sig);
    }
}
