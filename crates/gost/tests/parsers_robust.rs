//! Every parser of untrusted input returns a typed error, never panics, on
//! arbitrary bytes and on valid encodings with bytes flipped, cut or added.
//! (cargo-fuzz needs a nightly toolchain; these property tests run in CI.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gost::{ParamSet, Signature, SigningKey, VerifyingKey};
use proptest::prelude::*;

/// A valid private key and public key encoding for each key size.
fn samples() -> Vec<(Vec<u8>, Vec<u8>)> {
    [
        ParamSet::CryptoProA,
        ParamSet::Tc26A256,
        ParamSet::Tc26A512,
        ParamSet::Tc26C512,
    ]
    .into_iter()
    .map(|p| {
        let key = SigningKey::generate(p).unwrap();
        let public = key.verifying_key().to_public_key_der().unwrap();
        (key.to_pkcs8_der().unwrap().to_vec(), public)
    })
    .collect()
}

/// Runs every byte-level parser on the input; only their not panicking is
/// checked here (the unit tests check what they accept).
fn parse_all(bytes: &[u8]) {
    let _ = SigningKey::from_pkcs8_der(bytes);
    let _ = VerifyingKey::from_public_key_der(bytes);
    let _ = Signature::from_bytes(bytes);
    let _ = Signature::from_raw_cryptoapi(bytes);
    for p in [ParamSet::CryptoProA, ParamSet::Tc26C512] {
        let _ = VerifyingKey::from_le_bytes(p, bytes);
        let _ = SigningKey::from_le_bytes(p, bytes);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = SigningKey::from_pkcs8_pem(text);
        let _ = VerifyingKey::from_public_key_pem(text);
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, u8),
}

fn mutate(mut v: Vec<u8>, m: &Mutation) -> Vec<u8> {
    match *m {
        Mutation::Flip(i, x) => {
            let n = v.len();
            v[i % n] ^= x | 1;
        }
        Mutation::Truncate(i) => v.truncate(i % v.len()),
        Mutation::Insert(i, x) => {
            let n = v.len();
            v.insert(i % n, x);
        }
    }
    v
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, x)| Mutation::Flip(i, x)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, x)| Mutation::Insert(i, x)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        parse_all(&bytes);
    }

    #[test]
    fn mutated_encodings(which in 0usize..8, ms in prop::collection::vec(mutation(), 1..4)) {
        let samples = samples();
        let (private, public) = &samples[which / 2];
        let mut v = if which % 2 == 0 { private.clone() } else { public.clone() };
        for m in &ms {
            if v.is_empty() {
                break;
            }
            v = mutate(v, m);
        }
        parse_all(&v);
        // A public key that still parses is a validated point.
        if let Ok(vk) = VerifyingKey::from_public_key_der(&v) {
            prop_assert!(VerifyingKey::from_affine(vk.param_set(), vk.x(), vk.y()).is_ok());
        }
    }
}
