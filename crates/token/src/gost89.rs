//! GOST 28147-89 as the Russian PKI uses it (RFC 5830, RFC 4357): the block
//! cipher with the little-endian conventions of CryptoPro, OpenSSL's GOST
//! engine and pygost, its CFB mode with CryptoPro key meshing, the
//! 16-round MAC ("imitovstavka") and the CryptoPro key wrap.
//!
//! The S-box tables come from the `magma` crate; the rounds are ours,
//! because `magma` implements GOST R 34.12-2015's big-endian block layout
//! and has no MAC. Keys are wiped on drop.

use const_oid::ObjectIdentifier;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::pfx::oids::{GOST28147_PARAM_CP_A as PARAM_CP_A, GOST28147_PARAM_Z as PARAM_Z};

/// id-Gost28147-89-CryptoPro-B-ParamSet.
const PARAM_CP_B: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.2.2.31.2");
/// id-Gost28147-89-CryptoPro-C-ParamSet.
const PARAM_CP_C: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.2.2.31.3");
/// id-Gost28147-89-CryptoPro-D-ParamSet.
const PARAM_CP_D: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.2.2.31.4");

type Table = [[u8; 16]; 8];

/// Names the S-box type behind one of `magma`'s cipher aliases.
trait SboxOf {
    const TABLE: Table;
}

impl<S: magma::Sbox> SboxOf for magma::Gost89<S> {
    const TABLE: Table = S::SBOX;
}

/// A GOST 28147-89 S-box set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sbox {
    /// id-tc26-gost-28147-param-Z (the GOST R 34.12-2015 Magma S-box).
    Z,
    /// id-Gost28147-89-CryptoPro-A-ParamSet.
    CryptoProA,
    /// id-Gost28147-89-CryptoPro-B-ParamSet.
    CryptoProB,
    /// id-Gost28147-89-CryptoPro-C-ParamSet.
    CryptoProC,
    /// id-Gost28147-89-CryptoPro-D-ParamSet.
    CryptoProD,
}

impl Sbox {
    /// The S-box set an encryptionParamSet OID names.
    pub(crate) fn from_oid(oid: &ObjectIdentifier) -> Option<Sbox> {
        [
            (PARAM_Z, Sbox::Z),
            (PARAM_CP_A, Sbox::CryptoProA),
            (PARAM_CP_B, Sbox::CryptoProB),
            (PARAM_CP_C, Sbox::CryptoProC),
            (PARAM_CP_D, Sbox::CryptoProD),
        ]
        .into_iter()
        .find_map(|(o, s)| (o == *oid).then_some(s))
    }

    fn table(self) -> &'static Table {
        const Z: Table = <magma::Magma as SboxOf>::TABLE;
        const A: Table = <magma::Gost89CryptoProA as SboxOf>::TABLE;
        const B: Table = <magma::Gost89CryptoProB as SboxOf>::TABLE;
        const C: Table = <magma::Gost89CryptoProC as SboxOf>::TABLE;
        const D: Table = <magma::Gost89CryptoProD as SboxOf>::TABLE;
        match self {
            Sbox::Z => &Z,
            Sbox::CryptoProA => &A,
            Sbox::CryptoProB => &B,
            Sbox::CryptoProC => &C,
            Sbox::CryptoProD => &D,
        }
    }
}

/// The GOST 28147-89 block cipher under one key: key words and block
/// halves little-endian (RFC 5830 §4 as CryptoPro writes bytes).
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct Gost89 {
    k: [u32; 8],
    #[zeroize(skip)]
    sbox: Sbox,
}

fn le32(b: &[u8]) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    u32::from_le_bytes(w)
}

impl Gost89 {
    /// The cipher under a 32-byte key.
    pub(crate) fn new(sbox: Sbox, key: &[u8; 32]) -> Self {
        let mut k = [0u32; 8];
        for (w, chunk) in k.iter_mut().zip(key.chunks_exact(4)) {
            *w = le32(chunk);
        }
        Gost89 { k, sbox }
    }

    fn f(&self, x: u32) -> u32 {
        let t = self.sbox.table();
        let mut y = 0u32;
        for (i, row) in t.iter().enumerate() {
            y |= u32::from(row[((x >> (4 * i)) & 0xf) as usize]) << (4 * i);
        }
        y.rotate_left(11)
    }

    /// Runs the rounds with key words in `order` over (n1, n2).
    fn rounds(&self, order: impl Iterator<Item = usize>, mut n1: u32, mut n2: u32) -> (u32, u32) {
        for i in order {
            let t = n2 ^ self.f(n1.wrapping_add(self.k[i]));
            n2 = n1;
            n1 = t;
        }
        (n1, n2)
    }

    fn crypt(&self, block: &mut [u8; 8], order: impl Iterator<Item = usize>) {
        let (n1, n2) = self.rounds(order, le32(&block[..4]), le32(&block[4..]));
        block[..4].copy_from_slice(&n2.to_le_bytes());
        block[4..].copy_from_slice(&n1.to_le_bytes());
    }

    /// Encrypts one block (32-З: K0..K7 three times, then K7..K0).
    pub(crate) fn encrypt(&self, block: &mut [u8; 8]) {
        self.crypt(block, (0..24).map(|i| i % 8).chain((0..8).rev()));
    }

    /// Decrypts one block (32-Р: K0..K7, then K7..K0 three times).
    pub(crate) fn decrypt(&self, block: &mut [u8; 8]) {
        self.crypt(block, (0..8).chain((0..24).map(|i| 7 - i % 8)));
    }

    /// ECB over whole blocks; `data.len()` must be a multiple of 8.
    pub(crate) fn ecb(&self, data: &mut [u8], encrypt: bool) {
        for chunk in data.chunks_exact_mut(8) {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            if encrypt {
                self.encrypt(&mut b);
            } else {
                self.decrypt(&mut b);
            }
            chunk.copy_from_slice(&b);
            b.zeroize();
        }
    }

    /// The GOST 28147-89 MAC (§5, the 16-З cycle) of `data` with initial
    /// value `iv`, as OpenSSL's GOST engine computes it: a short last block
    /// is zero-padded, a single block is followed by a zero block. Returns
    /// the 4-byte MAC.
    pub(crate) fn imit(&self, iv: &[u8; 8], data: &[u8]) -> [u8; 4] {
        let mut buf = *iv;
        let mut blocks = data.len().div_ceil(8);
        let single = blocks == 1;
        if single {
            blocks = 2;
        }
        for n in 0..blocks {
            let start = (n * 8).min(data.len());
            let end = (start + 8).min(data.len());
            for (b, d) in buf.iter_mut().zip(&data[start..end]) {
                *b ^= d;
            }
            let (n1, n2) = self.rounds((0..16).map(|i| i % 8), le32(&buf[..4]), le32(&buf[4..]));
            buf[..4].copy_from_slice(&n1.to_le_bytes());
            buf[4..].copy_from_slice(&n2.to_le_bytes());
        }
        let mut mac = [0u8; 4];
        mac.copy_from_slice(&buf[..4]);
        buf.zeroize();
        mac
    }
}

/// The CryptoPro key meshing constant C (RFC 4357 §2.3.1).
const MESHING_C: [u8; 32] = [
    0x69, 0x00, 0x72, 0x22, 0x64, 0xC9, 0x04, 0x23, 0x8D, 0x3A, 0xDB, 0x96, 0x46, 0xE9, 0x2A, 0xC4,
    0x18, 0xFE, 0xAC, 0x94, 0x00, 0xED, 0x07, 0x12, 0xC0, 0x86, 0xDC, 0xC2, 0xEF, 0x4C, 0xA9, 0x2B,
];

/// GOST 28147-89 in CFB mode (GOST 28147-89 §4) with CryptoPro key
/// meshing every 1024 bytes (RFC 4357 §2.3.2), as OpenSSL's GOST engine
/// applies it for every parameter set.
pub(crate) fn cfb(sbox: Sbox, key: &[u8; 32], iv: &[u8; 8], data: &mut [u8], encrypt: bool) {
    let mut cipher = Gost89::new(sbox, key);
    let mut reg = *iv;
    for (n, chunk) in data.chunks_mut(8).enumerate() {
        if n > 0 && n % 128 == 0 {
            // Key meshing: K' = D_K(C), IV' = E_K'(IV).
            let mut new_key = Zeroizing::new(MESHING_C);
            cipher.ecb(&mut new_key[..], false);
            cipher = Gost89::new(sbox, &new_key);
            cipher.encrypt(&mut reg);
        }
        let mut gamma = reg;
        cipher.encrypt(&mut gamma);
        let len = chunk.len();
        if encrypt {
            for (c, g) in chunk.iter_mut().zip(gamma.iter()) {
                *c ^= g;
            }
            reg[..len].copy_from_slice(chunk);
        } else {
            reg[..len].copy_from_slice(chunk);
            for (c, g) in chunk.iter_mut().zip(gamma.iter()) {
                *c ^= g;
            }
        }
        gamma.zeroize();
    }
    reg.zeroize();
}

/// CryptoPro KEK diversification (RFC 4357 §6.5): eight rounds that each
/// encrypt the KEK with itself in CFB mode under an IV made from the UKM
/// bits.
pub(crate) fn diversify_kek(sbox: Sbox, kek: &[u8; 32], ukm: &[u8; 8]) -> Zeroizing<[u8; 32]> {
    let mut k = Zeroizing::new(*kek);
    for &u in ukm {
        let (mut s1, mut s2) = (0u32, 0u32);
        for j in 0..8 {
            let kj = le32(&k[4 * j..]);
            // The UKM is public: branching on its bits leaks nothing.
            if (u >> j) & 1 == 1 {
                s1 = s1.wrapping_add(kj);
            } else {
                s2 = s2.wrapping_add(kj);
            }
        }
        let mut iv = [0u8; 8];
        iv[..4].copy_from_slice(&s1.to_le_bytes());
        iv[4..].copy_from_slice(&s2.to_le_bytes());
        let key = *k;
        let cipher = Gost89::new(sbox, &key);
        let mut reg = iv;
        for chunk in k.chunks_mut(8) {
            let mut gamma = reg;
            cipher.encrypt(&mut gamma);
            for (c, g) in chunk.iter_mut().zip(gamma.iter()) {
                *c ^= g;
            }
            reg.copy_from_slice(chunk);
        }
        let mut key = key;
        key.zeroize();
        reg.zeroize();
    }
    k
}

/// The GOST 28147-89 key unwrap of RFC 4357 §6.2 under an already
/// diversified (or derived) KEK: ECB-decrypts `enc` and checks its MAC
/// computed with the UKM as initial value. `None` when the MAC differs.
pub(crate) fn unwrap_key(
    sbox: Sbox,
    kek: &[u8; 32],
    ukm: &[u8; 8],
    enc: &[u8],
    mac: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    if enc.is_empty() || !enc.len().is_multiple_of(8) {
        return None;
    }
    let cipher = Gost89::new(sbox, kek);
    let mut cek = Zeroizing::new(enc.to_vec());
    cipher.ecb(&mut cek, false);
    let expected = cipher.imit(ukm, &cek);
    let ok = subtle_eq(&expected, mac);
    ok.then_some(cek)
}

/// Constant-time comparison of two MACs.
fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// GOST R 34.12-2015 appendix A.2 (Magma) in the little-endian layout:
    /// the standard writes each key word and the block big-endian, so those
    /// are reversed.
    #[test]
    fn magma_known_answer() {
        let mut key: [u8; 32] =
            hex("ffeeddccbbaa99887766554433221100f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
                .try_into()
                .unwrap();
        for word in key.chunks_mut(4) {
            word.reverse();
        }
        let cipher = Gost89::new(Sbox::Z, &key);
        let mut block: [u8; 8] = hex("fedcba9876543210").try_into().unwrap();
        block.reverse();
        cipher.encrypt(&mut block);
        let mut expected = hex("4ee901e5c2d8ca3d");
        expected.reverse();
        assert_eq!(block.to_vec(), expected);
        cipher.decrypt(&mut block);
        let mut plain = hex("fedcba9876543210");
        plain.reverse();
        assert_eq!(block.to_vec(), plain);
    }

    /// The GOST 28147-89 MAC against OpenSSL's GOST engine (3.0.19,
    /// Debian gost-engine): `openssl dgst -engine gost -mac gost-mac
    /// -macopt hexkey:000102…1f FILE` (S-box CryptoPro-A, zero IV), for a
    /// short block, one block (padded with a zero block), a partial last
    /// block and six whole blocks.
    #[test]
    fn mac_matches_openssl() {
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let cipher = Gost89::new(Sbox::CryptoProA, &key);
        for (msg, mac) in [
            (&b"abcde"[..], "ceda7dbe"),
            (b"abcdefgh", "6ce0387e"),
            (b"abcdefghijklm", "8b2a313b"),
            (
                b"0123456789abcdef0123456789abcdef0123456789abcdef",
                "5ace773c",
            ),
        ] {
            assert_eq!(cipher.imit(&[0; 8], msg).to_vec(), hex(mac), "{msg:?}");
        }
    }

    /// Key unwrap: what [`unwrap_key`] accepts is what ECB + MAC produce,
    /// and one flipped bit in the key or MAC is refused.
    #[test]
    fn unwrap_checks_the_mac() {
        let kek: [u8; 32] = core::array::from_fn(|i| (i * 7) as u8);
        let ukm = [1, 2, 3, 4, 5, 6, 7, 8];
        let cek: Vec<u8> = (0..32).map(|i| (i * 3) as u8).collect();
        let c = Gost89::new(Sbox::CryptoProA, &kek);
        let mac = c.imit(&ukm, &cek);
        let mut enc = cek.clone();
        c.ecb(&mut enc, true);
        let got = unwrap_key(Sbox::CryptoProA, &kek, &ukm, &enc, &mac).unwrap();
        assert_eq!(*got, cek);
        let mut bad = enc.clone();
        bad[5] ^= 1;
        assert!(unwrap_key(Sbox::CryptoProA, &kek, &ukm, &bad, &mac).is_none());
        let mut bad_mac = mac;
        bad_mac[0] ^= 0x80;
        assert!(unwrap_key(Sbox::CryptoProA, &kek, &ukm, &enc, &bad_mac).is_none());
        assert!(unwrap_key(Sbox::CryptoProA, &kek, &ukm, &enc[..31], &mac).is_none());
    }
}
