//! Scalar multiplication.
//!
//! * [`mul_base`]: k·G for secret k. A comb over signed 5-bit digits with one
//!   precomputed row of {1..16}·32^i·G per digit, so it needs no doublings;
//!   every row is scanned whole (constant-time lookup) and every step runs
//!   the complete mixed addition, whether the digit is zero or not.
//! * [`mul_double_vartime`]: u1·G + u2·Q for public scalars (verification).
//!   Interleaved width-w NAF with a wide precomputed table for G and a small
//!   one for Q, sharing one chain of doublings.
//! * [`mul_vartime`]: k·P for public k and P (subgroup checks).

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

use super::CurveParams;
use super::field::{Fe, FieldParams};
use super::point::{Affine, Jacobian, Projective};

/// Bits per comb digit.
pub(super) const COMB_BITS: usize = 5;
/// Entries per comb row: the digit magnitudes 1..=2^(COMB_BITS−1).
pub(super) const COMB_ENTRIES: usize = 1 << (COMB_BITS - 1);
/// Largest digit count: 5-bit digits of a 512-bit scalar, plus a carry.
pub(super) const MAX_DIGITS: usize = 512usize.div_ceil(COMB_BITS) + 1;
/// Largest NAF length: bits of a 512-bit scalar, plus one.
pub(super) const MAX_NAF: usize = 513;
/// NAF width for the fixed base G: 1024 precomputed odd multiples (64 or
/// 128 KiB per curve), so u1·G costs about 1/13 of an addition per bit.
pub(super) const G_WINDOW: u32 = 12;

/// Comb digits for scalars below q: 5-bit windows over q's bit length, plus
/// the carry digit.
pub(super) fn comb_digits<const N: usize, C: CurveParams<N>>() -> usize {
    crate::arith::bit_len(&C::S::P).div_ceil(COMB_BITS) + 1
}
/// NAF width for a variable point: 8 odd multiples computed per call.
const Q_WINDOW: u32 = 5;

/// Tables derived from G, built once per curve on first use.
pub(crate) struct Tables<const N: usize, C: CurveParams<N>> {
    /// comb[i][j] = (j+1)·32^i·G.
    comb: Vec<[Affine<N, C>; COMB_ENTRIES]>,
    /// g_odd[j] = (2j+1)·G.
    g_odd: Vec<Affine<N, C>>,
}

impl<const N: usize, C: CurveParams<N>> Tables<N, C> {
    /// Computes the tables (about a millisecond for 512-bit curves).
    pub(crate) fn build() -> Self {
        let digits = comb_digits::<N, C>();
        let mut rows = Vec::with_capacity(digits * COMB_ENTRIES);
        let mut base = Projective::from_affine(&Affine::<N, C>::generator());
        for _ in 0..digits {
            let mut m = base;
            rows.push(m);
            for _ in 1..COMB_ENTRIES {
                m = m.add(&base);
                rows.push(m);
            }
            for _ in 0..COMB_BITS {
                base = base.double();
            }
        }
        let flat = Projective::batch_to_affine(&rows);
        let comb = flat
            .chunks_exact(COMB_ENTRIES)
            .map(|c| {
                let mut row = [Affine::default(); COMB_ENTRIES];
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
        Tables {
            comb,
            g_odd: Projective::batch_to_affine(&odd),
        }
    }
}

/// Comb rows in which the cheaper incomplete Jacobian addition is safe.
///
/// Before row i the accumulator is A = Σ_{j<i} dⱼ·32^j·G with |A's scalar|
/// < 32^i, and the row adds T = dᵢ·32^i·G with 32^i ≤ |T's scalar| ≤
/// 16·32^i. While 17·32^i < q neither A = ±T nor A + T = O can happen (the
/// scalars differ as integers by less than q and are not equal), so the
/// only exceptional input left is A = O, which is tracked separately.
fn safe_rows<const N: usize, C: CurveParams<N>>() -> usize {
    let bits = crate::arith::bit_len(&C::S::P);
    // 17·32^i < 2^(bits−1) ≤ q  ⇐  5·i + 5 ≤ bits − 1
    (bits - 6) / COMB_BITS + 1
}

/// Selects ±row[|d| − 1] in constant time (row[0] when d = 0; the caller
/// discards that), returning the point and whether d ≠ 0.
#[inline(always)]
fn lookup<const N: usize, C: CurveParams<N>>(
    row: &[Affine<N, C>; COMB_ENTRIES],
    d: i8,
) -> (Affine<N, C>, Choice) {
    let sign = (d >> 7) as u8 & 1;
    let abs = ((d as i16 ^ (d as i16 >> 15)) - (d as i16 >> 15)) as u8;
    let mut pt = row[0];
    for (j, entry) in row.iter().enumerate().skip(1) {
        pt.conditional_assign(entry, abs.ct_eq(&(j as u8 + 1)));
    }
    let neg = pt.neg();
    pt.conditional_assign(&neg, Choice::from(sign));
    (pt, !abs.ct_eq(&0))
}

/// k·G in constant time, for `k < 2^(64N)` (a reduced scalar).
///
/// The rows where it is safe (see [`safe_rows`]) use Jacobian mixed
/// addition; the last one or two switch to the complete formulas.
pub(crate) fn mul_base<const N: usize, C: CurveParams<N>>(k: &[u64; N]) -> Projective<N, C> {
    let tables = C::tables();
    let count = comb_digits::<N, C>();
    let mut digits = [0i8; MAX_DIGITS];
    recode_signed(k, &mut digits[..count]);
    let safe = safe_rows::<N, C>().min(count);

    let mut acc = Jacobian::<N, C>::identity();
    let mut acc_is_identity = Choice::from(1);
    for (row, &d) in tables.comb[..safe].iter().zip(&digits[..safe]) {
        let (pt, nonzero) = lookup(row, d);
        let sum = acc.add_affine_incomplete(&pt);
        let next = Jacobian::conditional_select(&sum, &Jacobian::from_affine(&pt), acc_is_identity);
        acc = Jacobian::conditional_select(&acc, &next, nonzero);
        acc_is_identity &= !nonzero;
    }
    let mut out = Projective::conditional_select(
        &acc.to_projective(),
        &Projective::identity(),
        acc_is_identity,
    );
    for (row, &d) in tables.comb[safe..count].iter().zip(&digits[safe..count]) {
        let (pt, nonzero) = lookup(row, d);
        let sum = out.add_affine(&pt);
        out = Projective::conditional_select(&out, &sum, nonzero);
    }
    acc.zeroize();
    digits.zeroize();
    out
}

/// Recodes k into signed base-32 digits in [−16, 16], least significant
/// first, in constant time: k = Σ dᵢ·32^i. Only the (public) bit positions
/// steer the shifts.
pub(super) fn recode_signed<const N: usize>(k: &[u64; N], out: &mut [i8]) {
    let windows = out.len() - 1;
    let mask = (1u64 << COMB_BITS) - 1;
    let mut carry = 0u8;
    for (i, digit) in out.iter_mut().enumerate().take(windows) {
        let pos = i * COMB_BITS;
        let (limb, off) = (pos / 64, pos % 64);
        let mut w = k[limb] >> off;
        if off + COMB_BITS > 64 && limb + 1 < N {
            w |= k[limb + 1] << (64 - off);
        }
        let v = (w & mask) as u8 + carry;
        // v ≤ 16 stays; v ≥ 17 becomes v − 32 with a carry out.
        carry = (v + 15) >> COMB_BITS;
        *digit = (v as i8) - ((carry << COMB_BITS) as i8);
    }
    out[windows] = carry as i8;
}

/// Width-w NAF of a public scalar, least significant digit first. Returns
/// the number of digits written.
pub(super) fn wnaf<const N: usize>(k: &[u64; N], w: u32, out: &mut [i16; MAX_NAF]) -> usize {
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
            // Clear the low bits: v − d is divisible by 2^w.
            let (subtract, mut c) = (d > 0, d.unsigned_abs());
            for limb in v.iter_mut() {
                let (s, o) = if subtract {
                    limb.overflowing_sub(c)
                } else {
                    limb.overflowing_add(c)
                };
                *limb = s;
                c = o as u64;
                if c == 0 {
                    break;
                }
            }
        }
        out[len] = d as i16;
        len += 1;
        for i in 0..8 {
            v[i] = (v[i] >> 1) | (v[i + 1] << 63);
        }
        v[8] >>= 1;
    }
    len
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

/// The odd multiples P, 3P, …, (2^(w−1) − 1)·P in affine coordinates (one
/// shared variable-time inversion), for public P. Returns the table and its
/// length.
fn odd_multiples_affine<const N: usize, C: CurveParams<N>>(
    p: &Affine<N, C>,
    w: u32,
) -> ([Affine<N, C>; 16], usize) {
    let count = 1usize << (w - 2);
    let base = Jacobian::from_affine(p);
    let p2 = base.double();
    let mut jac = [base; 16];
    for i in 1..count {
        jac[i] = jac[i - 1].add(&p2);
    }
    // Montgomery's trick over the Z coordinates. P has order q > 2^w, so no
    // odd multiple below 2^w is infinity and every Z is invertible.
    let mut prefix = [Fe::<N, C::F>::ONE; 16];
    let mut acc = Fe::ONE;
    for i in 0..count {
        prefix[i] = acc;
        acc = acc.mul(&jac[i].z);
    }
    let mut inv = acc.invert_vartime();
    let mut out = [*p; 16];
    for i in (0..count).rev() {
        let zi = inv.mul(&prefix[i]);
        inv = inv.mul(&jac[i].z);
        let zi2 = zi.square();
        out[i] = Affine {
            x: jac[i].x.mul(&zi2),
            y: jac[i].y.mul(&zi2).mul(&zi),
        };
    }
    (out, count)
}

/// u1·G + u2·Q for public u1, u2, Q (variable time).
pub(crate) fn mul_double_vartime<const N: usize, C: CurveParams<N>>(
    u1: &[u64; N],
    u2: &[u64; N],
    q: &Affine<N, C>,
) -> Jacobian<N, C> {
    let g_odd = &C::tables().g_odd;
    let (q_odd, _) = odd_multiples_affine(q, Q_WINDOW);
    let mut n1 = [0i16; MAX_NAF];
    let mut n2 = [0i16; MAX_NAF];
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
            acc = acc.add_affine(&q_odd[(d / 2) as usize]);
        } else if d < 0 {
            acc = acc.add_affine(&q_odd[(-d / 2) as usize].neg());
        }
    }
    acc
}

/// k·P for public k and P (variable time).
pub(crate) fn mul_vartime<const N: usize, C: CurveParams<N>>(
    k: &[u64; N],
    p: &Affine<N, C>,
) -> Jacobian<N, C> {
    let p_odd = odd_multiples(p);
    let mut naf = [0i16; MAX_NAF];
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
        for k in [
            [0x0123456789abcdef, 0xfedcba9876543210],
            [u64::MAX; 2],
            [0x8421084210842108, 0x1084210842108421],
        ] {
            let mut d = [0i8; MAX_DIGITS];
            let n = 128usize.div_ceil(COMB_BITS) + 1;
            recode_signed::<2>(&k, &mut d[..n]);
            assert!(d.iter().all(|&x| (-16..=16).contains(&x)));
            // Σ dᵢ·32^i from the top digit down, modulo 2^128 (the value fits).
            let mut acc: i128 = 0;
            for &x in d[..n].iter().rev() {
                acc = acc.wrapping_mul(32).wrapping_add(x as i128);
            }
            assert_eq!(acc as u128, (k[1] as u128) << 64 | k[0] as u128);
        }
    }

    #[test]
    fn wnaf_reconstructs() {
        let k: [u64; 2] = [0xdeadbeefcafebabe, 0x7fffffffffffffff];
        let mut naf = [0i16; MAX_NAF];
        let len = wnaf(&k, 5, &mut naf);
        let mut acc: i128 = 0;
        for i in (0..len).rev() {
            acc = acc * 2 + naf[i] as i128;
            assert!(naf[i] == 0 || naf[i] % 2 != 0);
        }
        assert_eq!(acc as u128, (k[1] as u128) << 64 | k[0] as u128);
    }
}
