//! Fixed-width integer helpers over little-endian `u64` limbs.
//!
//! Everything here is branch-free in its data and usable in `const` context,
//! so the same code computes compile-time constants (Montgomery factors) and
//! runs the hot paths.

/// `a + b + carry`, returning (sum, carry-out).
#[inline(always)]
pub(crate) const fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + b as u128 + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// `a - b - borrow` (borrow is 0 or 1), returning (difference, borrow-out).
#[inline(always)]
pub(crate) const fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = (a as u128).wrapping_sub(b as u128 + borrow as u128);
    (t as u64, (t >> 127) as u64)
}

/// `a + b·c + carry`, returning (low, high).
#[inline(always)]
pub(crate) const fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + (b as u128) * (c as u128) + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// `a + b`, returning the sum and the carry (0 or 1).
#[inline(always)]
pub(crate) const fn add_n<const N: usize>(a: &[u64; N], b: &[u64; N]) -> ([u64; N], u64) {
    let mut out = [0u64; N];
    let mut carry = 0;
    let mut i = 0;
    while i < N {
        (out[i], carry) = adc(a[i], b[i], carry);
        i += 1;
    }
    (out, carry)
}

/// `a - b`, returning the difference and the borrow (0 or 1).
#[inline(always)]
pub(crate) const fn sub_n<const N: usize>(a: &[u64; N], b: &[u64; N]) -> ([u64; N], u64) {
    let mut out = [0u64; N];
    let mut borrow = 0;
    let mut i = 0;
    while i < N {
        (out[i], borrow) = sbb(a[i], b[i], borrow);
        i += 1;
    }
    (out, borrow)
}

/// Picks `b` where `mask` is all ones and `a` where it is zero.
#[inline(always)]
pub(crate) const fn select_n<const N: usize>(a: &[u64; N], b: &[u64; N], mask: u64) -> [u64; N] {
    let mut out = [0u64; N];
    let mut i = 0;
    while i < N {
        out[i] = a[i] ^ (mask & (a[i] ^ b[i]));
        i += 1;
    }
    out
}

/// True where `a < b` (variable time: for public values and constants).
pub(crate) const fn lt_vartime<const N: usize>(a: &[u64; N], b: &[u64; N]) -> bool {
    sub_n(a, b).1 == 1
}

/// Whether every limb is zero (variable time).
pub(crate) const fn is_zero_vartime<const N: usize>(a: &[u64; N]) -> bool {
    let mut i = 0;
    while i < N {
        if a[i] != 0 {
            return false;
        }
        i += 1;
    }
    true
}

/// The bit length of an integer (0 for 0). Variable time: public values.
pub(crate) fn bit_len<const N: usize>(v: &[u64; N]) -> usize {
    let top = (0..N).rev().find(|&i| v[i] != 0).unwrap_or(0);
    64 * top + (64 - v[top].leading_zeros() as usize)
}

/// Parses a big-endian hexadecimal constant into limbs. Panics (at compile
/// time, where it is used) on a bad digit or an overlong string.
#[allow(
    clippy::panic,
    reason = "only evaluated in const context: a bad literal fails the build"
)]
pub(crate) const fn from_hex<const N: usize>(hex: &str) -> [u64; N] {
    let bytes = hex.as_bytes();
    let mut out = [0u64; N];
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[bytes.len() - 1 - i];
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("bad hex digit in constant"),
        } as u64;
        assert!(i / 16 < N || v == 0, "hex constant too long");
        if i / 16 < N {
            out[i / 16] |= v << (4 * (i % 16));
        }
        i += 1;
    }
    out
}

/// Reads a big-endian byte string of exactly `8·N` bytes into limbs.
pub(crate) fn from_be_bytes<const N: usize>(bytes: &[u8]) -> [u64; N] {
    debug_assert_eq!(bytes.len(), 8 * N);
    let mut out = [0u64; N];
    for (i, chunk) in bytes.rchunks_exact(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        out[i] = u64::from_be_bytes(b);
    }
    out
}

/// Reads a little-endian byte string of exactly `8·N` bytes into limbs.
pub(crate) fn from_le_bytes<const N: usize>(bytes: &[u8]) -> [u64; N] {
    debug_assert_eq!(bytes.len(), 8 * N);
    let mut out = [0u64; N];
    for (i, chunk) in bytes.chunks_exact(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        out[i] = u64::from_le_bytes(b);
    }
    out
}

/// Writes limbs as a big-endian byte string of exactly `8·N` bytes.
pub(crate) fn to_be_bytes<const N: usize>(limbs: &[u64; N], out: &mut [u8]) {
    debug_assert_eq!(out.len(), 8 * N);
    for (i, chunk) in out.rchunks_exact_mut(8).enumerate() {
        chunk.copy_from_slice(&limbs[i].to_be_bytes());
    }
}

/// `-m⁻¹ mod 2⁶⁴` for odd `m`, by Newton iteration.
pub(crate) const fn neg_inv64(m: u64) -> u64 {
    let mut inv: u64 = 1;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(m.wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
}

/// `2^(64·N·k) mod m` for an odd modulus `m` whose top limb is non-zero,
/// by repeated modular doubling (compile-time only; variable time).
pub(crate) const fn pow2_mod<const N: usize>(m: &[u64; N], k: usize) -> [u64; N] {
    // Start from 1 and double 64·N·k times.
    let mut r = [0u64; N];
    r[0] = 1;
    let mut i = 0;
    while i < 64 * N * k {
        let (d, carry) = add_n(&r, &r);
        let (s, borrow) = sub_n(&d, m);
        r = if carry == 1 || borrow == 0 { s } else { d };
        i += 1;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_bytes_agree() {
        let l: [u64; 2] = from_hex("0102030405060708090a0b0c0d0e0f10");
        assert_eq!(l, [0x090a0b0c0d0e0f10, 0x0102030405060708]);
        let mut be = [0u8; 16];
        to_be_bytes(&l, &mut be);
        assert_eq!(from_be_bytes::<2>(&be), l);
        let mut le = be;
        le.reverse();
        assert_eq!(from_le_bytes::<2>(&le), l);
    }

    #[test]
    fn neg_inv_is_inverse() {
        for m in [
            1u64,
            3,
            0xfffffffffffffd97,
            0x8000000000000c99 | 1,
            12345678901,
        ] {
            assert_eq!(m.wrapping_mul(neg_inv64(m)), u64::MAX, "m = {m}");
        }
    }

    #[test]
    fn pow2_mod_small() {
        // 2^64 mod 1000003 computed independently.
        let m = [1000003u64];
        assert_eq!(pow2_mod(&m, 1)[0], ((1u128 << 64) % 1000003) as u64);
    }
}
