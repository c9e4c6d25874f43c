//! Scalar multiplication.
//!
//! * [`mul_base`]: k·G for secret k. A comb over signed 4-bit digits with one
//!   precomputed row of {1..8}·16^i·G per digit, so it needs no doublings;
//!   every row is scanned whole (constant-time lookup) and every step runs
//!   the complete mixed addition, whether the digit is zero or not.
//! * [`mul_double_vartime`]: u1·G + u2·Q for public scalars (verification).
//!   Interleaved width-w NAF with a wide precomputed table for G and a small
//!   one for Q, sharing one chain of doublings.
//! * [`mul_vartime`]: k·P for public k and P (subgroup checks).

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

use super::CurveParams;
use super::point::{Affine, Jacobian, Projective};

/// Largest digit count: 4-bit digits of a 512-bit scalar, plus a carry.
const MAX_DIGITS: usize = 129;
/// Largest NAF length: bits of a 512-bit scalar, plus one.
const MAX_NAF: usize = 513;
/// NAF width for the fixed base G: 64 precomputed odd multiples.
const G_WINDOW: u32 = 8;
/// NAF width for a variable point: 8 odd multiples computed per call.
const Q_WINDOW: u32 = 5;

/// Tables derived from G, built once per curve on first use.
pub(crate) struct Tables<const N: usize, C: CurveParams<N>> {
    /// comb[i][j] = (j+1)·16^i·G.
    comb: Vec<[Affine<N, C>; 8]>,
    /// g_odd[j] = (2j+1)·G.
    g_odd: Vec<Affine<N, C>>,
}

impl<const N: usize, C: CurveParams<N>> Tables<N, C> {
    /// Computes the tables (about a millisecond for 512-bit curves).
    pub(crate) fn build() -> Self {
        let digits = 16 * N + 1;
        let mut rows = Vec::with_capacity(digits * 8);
        let mut base = Projective::from_affine(&Affine::<N, C>::generator());
        for _ in 0..digits {
            let mut m = base;
            rows.push(m);
            for _ in 1..8 {
                m = m.add(&base);
                rows.push(m);
            }
            base = base.double().double().double().double();
        }
        let flat = Projective::batch_to_affine(&rows);
        let comb = flat
            .chunks_exact(8)
            .map(|c| {
                let mut row = [Affine::default(); 8];
                row.copy_from_slice(c);
                row
            })
            .collect();

        let g = Projective::from_affine(&Affine::<N, C>::generator());
        let g2 = g.double();
        let count = 1usize << (G_WINDOW - 2);
        let mut odd = Vec::with_capacity(count);
        let mut m = g;
        for _ in 0..count {
            odd.push(m);
            m = m.add(&g2);
        }
        Tables { comb, g_odd: Projective::batch_to_affine(&odd) }
    }
}

/// k·G in constant time, for `k < 2^(64N)` (a reduced scalar).
pub(crate) fn mul_base<const N: usize, C: CurveParams<N>>(k: &[u64; N]) -> Projective<N, C> {
    let tables = C::tables();
    let mut digits = [0i8; MAX_DIGITS];
    recode_signed4(k, &mut digits[..16 * N + 1]);
    let mut acc = Projective::<N, C>::identity();
    for (row, &d) in tables.comb.iter().zip(digits.iter()) {
        // |d| and its sign without branches.
        let sign = (d >> 7) as u8 & 1;
        let abs = ((d as i16 ^ (d as i16 >> 15)) - (d as i16 >> 15)) as u8;
        let mut pt = row[0];
        for (j, entry) in row.iter().enumerate().skip(1) {
            pt.conditional_assign(entry, abs.ct_eq(&(j as u8 + 1)));
        }
        let neg = pt.neg();
        pt.conditional_assign(&neg, Choice::from(sign));
        let sum = acc.add_affine(&pt);
        acc = Projective::conditional_select(&acc, &sum, !abs.ct_eq(&0));
    }
    digits.zeroize();
    acc
}

/// Recodes k into signed base-16 digits in [−8, 8], least significant first,
/// in constant time: k = Σ dᵢ·16^i.
fn recode_signed4<const N: usize>(k: &[u64; N], out: &mut [i8]) {
    let mut carry = 0u8;
    for i in 0..16 * N {
        let nib = ((k[i / 16] >> (4 * (i % 16))) & 0xf) as u8 + carry;
        carry = (nib + 7) >> 4;
        out[i] = (nib as i8) - ((carry << 4) as i8);
    }
    out[16 * N] = carry as i8;
}

/// Width-w NAF of a public scalar, least significant digit first. Returns
/// the number of digits written.
fn wnaf<const N: usize>(k: &[u64; N], w: u32, out: &mut [i8; MAX_NAF]) -> usize {
    // One spare limb absorbs the carry of adding back negative digits.
    let mut v = [0u64; 9];
    v[..N].copy_from_slice(k);
    let width = 1i64 << w;
    let mut len = 0;
    while v.iter().any(|&l| l != 0) {
        let mut d = 0i64;
        if v[0] & 1 == 1 {
            d = (v[0] & (width as u64 - 1)) as i64;
            if d >= width / 2 {
                d -= width;
            }
            if d > 0 {
                sub_small(&mut v, d as u64);
            } else {
                add_small(&mut v, (-d) as u64);
            }
        }
        out[len] = d as i8;
        len += 1;
        for i in 0..8 {
            v[i] = (v[i] >> 1) | (v[i + 1] << 63);
        }
        v[8] >>= 1;
    }
    len
}

fn add_small(v: &mut [u64; 9], x: u64) {
    let mut carry = x;
    for limb in v.iter_mut() {
        let (s, c) = limb.overflowing_add(carry);
        *limb = s;
        carry = c as u64;
        if carry == 0 {
            break;
        }
    }
}

fn sub_small(v: &mut [u64; 9], x: u64) {
    let mut borrow = x;
    for limb in v.iter_mut() {
        let (s, b) = limb.overflowing_sub(borrow);
        *limb = s;
        borrow = b as u64;
        if borrow == 0 {
            break;
        }
    }
}

/// The odd multiples P, 3P, …, (2^(w−1) − 1)·P in Jacobian coordinates.
fn odd_multiples<const N: usize, C: CurveParams<N>>(p: &Affine<N, C>) -> [Jacobian<N, C>; 8] {
    let base = Jacobian::from_affine(p);
    let p2 = base.double();
    let mut out = [base; 8];
    for i in 1..8 {
        out[i] = out[i - 1].add(&p2);
    }
    out
}

/// u1·G + u2·Q for public u1, u2, Q (variable time).
pub(crate) fn mul_double_vartime<const N: usize, C: CurveParams<N>>(
    u1: &[u64; N],
    u2: &[u64; N],
    q: &Affine<N, C>,
) -> Jacobian<N, C> {
    let g_odd = &C::tables().g_odd;
    let q_odd = odd_multiples(q);
    let mut n1 = [0i8; MAX_NAF];
    let mut n2 = [0i8; MAX_NAF];
    let len1 = wnaf(u1, G_WINDOW, &mut n1);
    let len2 = wnaf(u2, Q_WINDOW, &mut n2);
    let mut acc = Jacobian::<N, C>::identity();
    for i in (0..len1.max(len2)).rev() {
        acc = acc.double();
        let d = n1[i];
        if d > 0 {
            acc = acc.add_affine(&g_odd[(d / 2) as usize]);
        } else if d < 0 {
            acc = acc.add_affine(&g_odd[(-d / 2) as usize].neg());
        }
        let d = n2[i];
        if d > 0 {
            acc = acc.add(&q_odd[(d / 2) as usize]);
        } else if d < 0 {
            acc = acc.add(&q_odd[(-d / 2) as usize].neg());
        }
    }
    acc
}

/// k·P for public k and P (variable time).
pub(crate) fn mul_vartime<const N: usize, C: CurveParams<N>>(k: &[u64; N], p: &Affine<N, C>) -> Jacobian<N, C> {
    let p_odd = odd_multiples(p);
    let mut naf = [0i8; MAX_NAF];
    let len = wnaf(k, Q_WINDOW, &mut naf);
    let mut acc = Jacobian::<N, C>::identity();
    for i in (0..len).rev() {
        acc = acc.double();
        let d = naf[i];
        if d > 0 {
            acc = acc.add(&p_odd[(d / 2) as usize]);
        } else if d < 0 {
            acc = acc.add(&p_odd[(-d / 2) as usize].neg());
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recoding_reconstructs() {
        let k: [u64; 4] = [0x0123456789abcdef, 0xfedcba9876543210, 0x8888888888888888, 0xffffffffffffffff];
        let mut d = [0i8; 65];
        recode_signed4(&k, &mut d);
        assert!(d.iter().all(|&x| (-8..=8).contains(&x)));
        // Σ dᵢ·16^i, in i128 chunks of 16 digits (64 bits) with a running carry.
        let mut carry: i128 = 0;
        for limb in 0..4 {
            let mut acc: i128 = carry;
            for i in 0..16 {
                acc += (d[limb * 16 + i] as i128) << (4 * i);
            }
            assert_eq!(acc.rem_euclid(1 << 64) as u64, k[limb]);
            carry = acc.div_euclid(1 << 64);
        }
        // The digits past the last limb must cancel the running carry.
        assert_eq!(carry + d[64] as i128, 0);
    }

    #[test]
    fn wnaf_reconstructs() {
        let k: [u64; 2] = [0xdeadbeefcafebabe, 0x7fffffffffffffff];
        let mut naf = [0i8; MAX_NAF];
        let len = wnaf(&k, 5, &mut naf);
        let mut acc: i128 = 0;
        for i in (0..len).rev() {
            acc = acc * 2 + naf[i] as i128;
            assert!(naf[i] == 0 || naf[i] % 2 != 0);
        }
        assert_eq!(acc as u128, (k[1] as u128) << 64 | k[0] as u128);
    }
}
