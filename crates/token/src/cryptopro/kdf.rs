//! CryptoPro's password-based key derivations.

use digest::Digest;
use gost::streebog::Streebog256;
use gost94::Gost94CryptoPro;
use zeroize::{Zeroize, Zeroizing};

use super::asn1::Generation;

/// The KDF of the PFX key-bag PBE 1.2.840.113549.1.12.1.80:
/// `K_0 = UTF-16LE(password)`, `K_i = H(K_(i−1) ‖ salt ‖ BE16(i))` for
/// `i = 1 … iterations`, H = GOST R 34.11-94 with the CryptoPro parameters.
/// `iterations` must be 1..=65535 (the counter is 16 bits).
pub(super) fn pfx_key(password: &str, salt: &[u8], iterations: u16) -> Zeroizing<[u8; 32]> {
    let mut k: Zeroizing<Vec<u8>> =
        Zeroizing::new(password.encode_utf16().flat_map(u16::to_le_bytes).collect());
    let mut out = Zeroizing::new([0u8; 32]);
    for i in 1..=iterations {
        let mut h = Gost94CryptoPro::new();
        h.update(&*k);
        h.update(salt);
        h.update(i.to_be_bytes());
        let mut digest = h.finalize();
        out.copy_from_slice(&digest);
        digest.zeroize();
        *k = out.to_vec();
    }
    out
}

/// The password as the container KDF hashes it: 4 octets per character
/// (UTF-32LE). For ASCII this is what every public reader of the format
/// does (the character's byte followed by three zeros); non-ASCII PINs are
/// an assumption nobody has checked against CryptoPro.
fn pin_octets(password: &str) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(
        password
            .chars()
            .flat_map(|c| u32::from(c).to_le_bytes())
            .collect(),
    )
}

/// The key that decrypts primary.key: the salt of masks.key and the
/// password go through CryptoPro's iterated, HMAC-like hashing (2000
/// rounds with a password, 2 without) under the "DENEFH028…" constant,
/// with GOST R 34.11-94 for 2001 containers and Streebog-256 for 2012 ones.
pub(super) fn container_key(
    generation: Generation,
    salt: &[u8],
    password: &str,
) -> Zeroizing<[u8; 32]> {
    match generation {
        Generation::Gost2001 => derive::<Gost94CryptoPro>(salt, password, 32),
        Generation::Gost2012 => derive::<Streebog256>(salt, password, 64),
    }
}

/// The starting value of the iterated hashing.
const SEED: &[u8; 32] = b"DENEFH028.760246785.IUEFHWUIO.EF";

fn derive<D: Digest>(salt: &[u8], password: &str, width: usize) -> Zeroizing<[u8; 32]> {
    let pin = pin_octets(password);
    let first = Zeroizing::new(
        D::new()
            .chain_update(salt)
            .chain_update(&*pin)
            .finalize()
            .to_vec(),
    );
    // c: the running value, `width` octets (the hash output zero-padded).
    let mut c = Zeroizing::new(vec![0u8; width]);
    c[..32].copy_from_slice(SEED);
    let mut ipad = Zeroizing::new(vec![0u8; width]);
    let mut opad = Zeroizing::new(vec![0u8; width]);
    let rounds = if password.is_empty() { 2 } else { 2000 };
    let xor = |c: &[u8], ipad: &mut [u8], opad: &mut [u8]| {
        for ((i, o), x) in ipad.iter_mut().zip(opad.iter_mut()).zip(c) {
            *i = x ^ 0x36;
            *o = x ^ 0x5c;
        }
    };
    for _ in 0..rounds {
        xor(&c, &mut ipad, &mut opad);
        let mut d = D::new()
            .chain_update(&*ipad)
            .chain_update(&*first)
            .chain_update(&*opad)
            .chain_update(&*first)
            .finalize();
        c[..32].copy_from_slice(&d);
        d.zeroize();
    }
    xor(&c, &mut ipad, &mut opad);
    let mut d = D::new()
        .chain_update(&ipad[..32])
        .chain_update(salt)
        .chain_update(&opad[..32])
        .chain_update(&*pin)
        .finalize();
    let mut key = Zeroizing::new([0u8; 32]);
    let mut last = D::digest(&d[..32]);
    key.copy_from_slice(&last);
    d.zeroize();
    last.zeroize();
    key
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn pin_is_utf32le() {
        assert_eq!(*pin_octets("1a"), [0x31, 0, 0, 0, 0x61, 0, 0, 0]);
        assert_eq!(*pin_octets("Ж"), [0x16, 0x04, 0, 0]);
    }
}
