//! Prime-field arithmetic, generic over the limb count and the modulus.
//!
//! Two reductions cover every GOST prime:
//! * pseudo-Mersenne `p = 2^(64N) − c` with a small `c` (2^256 − 617,
//!   2^512 − 569): elements are kept in ordinary form and a product is folded
//!   with `2^(64N) ≡ c`, which costs a handful of multiplications;
//! * Montgomery (CIOS) for every other modulus, elements kept as `a·R mod p`.
//!
//! All operations are constant-time in the values of the elements.
//! Montgomery elements are always fully reduced. Pseudo-Mersenne elements
//! are kept *partially* reduced, anywhere in `[0, 2^(64N))`: additions and
//! products then fold their overflow with `2^(64N) ≡ c` and skip the
//! comparison with P. [`Fe::to_canonical`] and the equality tests reduce
//! fully.

use core::marker::PhantomData;

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

use super::safegcd;

use crate::arith::{
    adc, add_n, from_be_bytes, lt_vartime, mac, neg_inv64, pow2_mod, select_n, sub_n, to_be_bytes,
};

/// A prime modulus and how to reduce by it.
pub(crate) trait FieldParams<const N: usize>:
    'static + Copy + Default + Send + Sync
{
    /// The modulus, little-endian limbs.
    const P: [u64; N];
    /// `c` when `P = 2^(64N) − c` is pseudo-Mersenne (then `c < 2^32`), else 0
    /// and Montgomery arithmetic is used.
    const PM_C: u64;
    /// `−P⁻¹ mod 2⁶⁴` (Montgomery only).
    const P_INV: u64 = neg_inv64(Self::P[0]);
    /// `R mod P`, `R = 2^(64N)`.
    const R1: [u64; N] = pow2_mod(&Self::P, 1);
    /// `R² mod P`.
    const R2: [u64; N] = pow2_mod(&Self::P, 2);
    /// `R³ mod P`.
    const R3: [u64; N] = pow2_mod(&Self::P, 3);
    /// `P − 2`, the exponent of Fermat inversion.
    const P_MINUS_2: [u64; N] = sub_n(&Self::P, &small(2)).0;
}

const fn small<const N: usize>(v: u64) -> [u64; N] {
    let mut out = [0u64; N];
    out[0] = v;
    out
}

/// An element of the field `F`.
#[derive(Clone, Copy)]
pub(crate) struct Fe<const N: usize, F: FieldParams<N>> {
    limbs: [u64; N],
    _f: PhantomData<F>,
}

impl<const N: usize, F: FieldParams<N>> Fe<N, F> {
    /// Zero.
    pub(crate) const ZERO: Self = Self::from_raw([0; N]);
    /// One.
    pub(crate) const ONE: Self = Self::from_canonical_const(&small(1));

    const fn from_raw(limbs: [u64; N]) -> Self {
        Fe {
            limbs,
            _f: PhantomData,
        }
    }

    /// Converts a fully reduced integer to an element (usable in `const`).
    pub(crate) const fn from_canonical_const(v: &[u64; N]) -> Self {
        if F::PM_C != 0 {
            Self::from_raw(*v)
        } else {
            Self::from_raw(mont_mul::<N, F>(v, &F::R2))
        }
    }

    /// Parses a hex constant (compile time).
    pub(crate) const fn from_hex(hex: &str) -> Self {
        let v = crate::arith::from_hex::<N>(hex);
        assert!(lt_vartime(&v, &F::P), "constant not reduced");
        Self::from_canonical_const(&v)
    }

    /// The element for an integer below `2^(64N)`, reduced modulo P.
    pub(crate) fn from_uint_reduced(v: &[u64; N]) -> Self {
        if F::PM_C != 0 {
            // v < 2^(64N) = P + c: at most one subtraction.
            let (d, borrow) = sub_n(v, &F::P);
            Self::from_raw(select_n(&d, v, borrow.wrapping_neg()))
        } else {
            // REDC(v · R²) = v·R mod P for any v < R.
            Self::from_raw(mont_mul::<N, F>(v, &F::R2))
        }
    }

    /// The element for `hi·2^(64N) + lo`, reduced modulo P.
    pub(crate) fn from_wide_reduced(hi: &[u64; N], lo: &[u64; N]) -> Self {
        let r = Self::from_uint_reduced(lo);
        // hi·R mod P: in Montgomery form that is hi·R², i.e. REDC(hi·R³);
        // in ordinary form REDC-free: hi·(R mod P).
        let h = if F::PM_C != 0 {
            Self::from_uint_reduced(hi).mul(&Self::from_raw(F::R1))
        } else {
            Self::from_raw(mont_mul::<N, F>(hi, &F::R3))
        };
        r.add(&h)
    }

    /// Parses a big-endian integer of exactly `8·N` bytes; `None` unless it
    /// is below P. Variable time in whether it is reduced only.
    pub(crate) fn from_be_bytes(bytes: &[u8]) -> Option<Self> {
        let v = from_be_bytes::<N>(bytes);
        lt_vartime(&v, &F::P).then(|| Self::from_canonical_const(&v))
    }

    /// The fully reduced integer value.
    pub(crate) fn to_canonical(self) -> [u64; N] {
        if F::PM_C != 0 {
            // limbs < 2^(64N) = P + c < 2P: at most one subtraction.
            let (d, borrow) = sub_n(&self.limbs, &F::P);
            select_n(&d, &self.limbs, borrow.wrapping_neg())
        } else {
            mont_mul::<N, F>(&self.limbs, &small(1))
        }
    }

    /// Writes the value as `8·N` big-endian bytes.
    pub(crate) fn write_be_bytes(&self, out: &mut [u8]) {
        to_be_bytes(&self.to_canonical(), out);
    }

    /// `self + rhs`.
    #[inline]
    pub(crate) const fn add(&self, rhs: &Self) -> Self {
        let (s, carry) = add_n(&self.limbs, &rhs.limbs);
        if F::PM_C != 0 {
            // s + carry·2^(64N) ≡ s + carry·c; a second wrap leaves s < c,
            // so the last fold cannot carry.
            let (mut s, carry2) = add_n(&s, &small(carry * F::PM_C));
            s[0] += carry2 * F::PM_C;
            return Self::from_raw(s);
        }
        let (d, borrow) = sub_n(&s, &F::P);
        // Take s − P if the sum overflowed or is at least P.
        let take_d = carry | (borrow ^ 1);
        Self::from_raw(select_n(&s, &d, take_d.wrapping_neg()))
    }

    /// `2·self`.
    #[inline]
    pub(crate) fn double(&self) -> Self {
        self.add(self)
    }

    /// `self − rhs`.
    #[inline]
    pub(crate) fn sub(&self, rhs: &Self) -> Self {
        let (d, borrow) = sub_n(&self.limbs, &rhs.limbs);
        if F::PM_C != 0 {
            // d − borrow·2^(64N) ≡ d − borrow·c; a second wrap leaves
            // d ≥ 2^(64N) − c, so the last step cannot borrow.
            let (mut d, borrow2) = sub_n(&d, &small(borrow * F::PM_C));
            d[0] -= borrow2 * F::PM_C;
            return Self::from_raw(d);
        }
        let masked = select_n(&[0; N], &F::P, borrow.wrapping_neg());
        Self::from_raw(add_n(&d, &masked).0)
    }

    /// `−self`.
    #[inline]
    pub(crate) fn neg(&self) -> Self {
        Self::ZERO.sub(self)
    }

    /// `self · rhs`.
    #[inline]
    pub(crate) fn mul(&self, rhs: &Self) -> Self {
        if F::PM_C != 0 {
            let (lo, hi) = mul_wide(&self.limbs, &rhs.limbs);
            Self::from_raw(pm_reduce::<N, F>(lo, hi))
        } else {
            Self::from_raw(mont_mul::<N, F>(&self.limbs, &rhs.limbs))
        }
    }

    /// `self²`.
    #[inline]
    pub(crate) fn square(&self) -> Self {
        if F::PM_C != 0 {
            let (lo, hi) = square_wide(&self.limbs);
            Self::from_raw(pm_reduce::<N, F>(lo, hi))
        } else {
            self.mul(self)
        }
    }

    /// `self^(2^k)`.
    pub(crate) fn square_n(&self, k: usize) -> Self {
        let mut x = *self;
        for _ in 0..k {
            x = x.square();
        }
        x
    }

    /// `self⁻¹` (zero maps to zero), constant-time in `self`: the safegcd
    /// algorithm of Bernstein and Yang ([`super::safegcd`]).
    pub(crate) fn invert(&self) -> Self {
        let mut v = self.to_canonical();
        let mut r = match N {
            4 => safegcd::invert_ct::<N, 5>(&v, &F::P),
            8 => safegcd::invert_ct::<N, 9>(&v, &F::P),
            _ => return self.invert_fermat(),
        };
        let out = Self::from_canonical_const(&r);
        v.zeroize();
        r.zeroize();
        out
    }

    /// `self⁻¹` (zero maps to zero) by Fermat's little theorem with a
    /// sliding 5-bit window over the public exponent P − 2: constant-time in
    /// `self`. The reference the faster inversions are tested against.
    pub(crate) fn invert_fermat(&self) -> Self {
        // odd[i] = self^(2i+1)
        let x2 = self.square();
        let mut odd = [*self; 16];
        for i in 1..16 {
            odd[i] = odd[i - 1].mul(&x2);
        }
        let e = F::P_MINUS_2;
        let bit = |i: usize| (e[i / 64] >> (i % 64)) & 1;
        let mut acc: Option<Self> = None;
        let mut i = 64 * N;
        while i > 0 {
            i -= 1;
            if bit(i) == 0 {
                acc = acc.map(|a| a.square());
                continue;
            }
            // The longest window [j, i] of at most 5 bits ending in a one.
            let mut j = i.saturating_sub(4);
            while bit(j) == 0 {
                j += 1;
            }
            let mut w = 0usize;
            for b in (j..=i).rev() {
                w = (w << 1) | bit(b) as usize;
            }
            acc = Some(match acc {
                Some(a) => a.square_n(i - j + 1).mul(&odd[w / 2]),
                None => odd[w / 2],
            });
            i = j;
        }
        acc.unwrap_or(Self::ONE)
    }

    /// `self⁻¹` (zero maps to zero). **Variable time**: for public values
    /// only (verification).
    pub(crate) fn invert_vartime(&self) -> Self {
        let v = self.to_canonical();
        let r = match N {
            4 => safegcd::invert_var::<N, 5>(&v, &F::P),
            8 => safegcd::invert_var::<N, 9>(&v, &F::P),
            _ => return self.invert_fermat(),
        };
        Self::from_canonical_const(&r)
    }

    /// Constant-time zero test.
    pub(crate) fn is_zero(&self) -> Choice {
        self.ct_eq(&Self::ZERO)
    }

    /// Variable-time equality (public data only).
    pub(crate) fn eq_vartime(&self, rhs: &Self) -> bool {
        self.to_canonical() == rhs.to_canonical()
    }

    /// Variable-time zero test (public data only).
    pub(crate) fn is_zero_vartime(&self) -> bool {
        self.to_canonical().iter().all(|&l| l == 0)
    }
}

impl<const N: usize, F: FieldParams<N>> Default for Fe<N, F> {
    fn default() -> Self {
        Self::ZERO
    }
}

impl<const N: usize, F: FieldParams<N>> ConstantTimeEq for Fe<N, F> {
    fn ct_eq(&self, other: &Self) -> Choice {
        let (a, b) = (self.to_canonical(), other.to_canonical());
        let mut acc = 0u64;
        for i in 0..N {
            acc |= a[i] ^ b[i];
        }
        acc.ct_eq(&0)
    }
}

impl<const N: usize, F: FieldParams<N>> ConditionallySelectable for Fe<N, F> {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        let mask = (choice.unwrap_u8() as u64).wrapping_neg();
        Self::from_raw(select_n(&a.limbs, &b.limbs, mask))
    }
}

impl<const N: usize, F: FieldParams<N>> zeroize::DefaultIsZeroes for Fe<N, F> {}

/// Montgomery multiplication (CIOS): `a·b·R⁻¹ mod P`, fully reduced.
/// Also correct for any `a < R` when `b < P`, which conversions rely on.
#[inline(always)]
const fn mont_mul<const N: usize, F: FieldParams<N>>(a: &[u64; N], b: &[u64; N]) -> [u64; N] {
    let p = &F::P;
    let mut t = [0u64; N];
    let mut t_hi = 0u64; // limb N of the running value
    let mut i = 0;
    while i < N {
        // t += a · b[i]
        let mut carry = 0;
        let mut j = 0;
        while j < N {
            (t[j], carry) = mac(t[j], a[j], b[i], carry);
            j += 1;
        }
        let (s, top) = adc(t_hi, carry, 0);
        // t += m·P, then shift one limb down.
        let m = t[0].wrapping_mul(F::P_INV);
        let (_, mut carry) = mac(t[0], m, p[0], 0);
        let mut j = 1;
        while j < N {
            (t[j - 1], carry) = mac(t[j], m, p[j], carry);
            j += 1;
        }
        let (s2, c2) = adc(s, carry, 0);
        t[N - 1] = s2;
        t_hi = top + c2;
        i += 1;
    }
    let (d, borrow) = sub_n(&t, p);
    let take_d = t_hi | (borrow ^ 1);
    select_n(&t, &d, take_d.wrapping_neg())
}

/// Largest limb count of a double-width product (N ≤ 8).
const WIDE: usize = 16;

/// Splits a double-width buffer into (low N limbs, high N limbs).
#[inline(always)]
fn split<const N: usize>(t: &[u64; WIDE]) -> ([u64; N], [u64; N]) {
    let mut lo = [0u64; N];
    let mut hi = [0u64; N];
    lo.copy_from_slice(&t[..N]);
    hi.copy_from_slice(&t[N..2 * N]);
    (lo, hi)
}

/// The full product `a·b` as (low N limbs, high N limbs).
///
/// Rows go into one fixed double-width buffer so that the loops carry no
/// branches, which matters when they are too long to unroll (N = 8).
#[inline(always)]
fn mul_wide<const N: usize>(a: &[u64; N], b: &[u64; N]) -> ([u64; N], [u64; N]) {
    let mut t = [0u64; WIDE];
    for i in 0..N {
        let mut carry = 0;
        for j in 0..N {
            (t[i + j], carry) = mac(t[i + j], a[i], b[j], carry);
        }
        t[i + N] = carry;
    }
    split(&t)
}

/// The full square `a²`, computing each cross product once.
#[inline(always)]
fn square_wide<const N: usize>(a: &[u64; N]) -> ([u64; N], [u64; N]) {
    let mut t = [0u64; WIDE];
    // Cross products a[i]·a[j], i < j; position i + N is still free.
    for i in 0..N {
        let mut carry = 0;
        for j in (i + 1)..N {
            (t[i + j], carry) = mac(t[i + j], a[i], a[j], carry);
        }
        t[i + N] = carry;
    }
    // Double them: shift the 2N-limb value left by one bit.
    for k in (1..2 * N).rev() {
        t[k] = (t[k] << 1) | (t[k - 1] >> 63);
    }
    t[0] <<= 1;
    // Add the squares a[i]² at positions 2i and 2i + 1.
    let mut carry = 0;
    for i in 0..N {
        let (l, h) = mac(0, a[i], a[i], 0);
        (t[2 * i], carry) = adc(t[2 * i], l, carry);
        (t[2 * i + 1], carry) = adc(t[2 * i + 1], h, carry);
    }
    split(&t)
}

/// Reduces `hi·2^(64N) + lo` modulo `P = 2^(64N) − c`.
#[inline(always)]
fn pm_reduce<const N: usize, F: FieldParams<N>>(mut lo: [u64; N], hi: [u64; N]) -> [u64; N] {
    let c = F::PM_C;
    // lo + c·hi < 2^(64N)·(c + 1)
    let mut carry = 0;
    for j in 0..N {
        (lo[j], carry) = mac(lo[j], hi[j], c, carry);
    }
    // Fold the top limb again: top·c < 2^64.
    let (l0, mut carry2) = mac(lo[0], carry, c, 0);
    lo[0] = l0;
    for limb in lo.iter_mut().skip(1) {
        (*limb, carry2) = adc(*limb, 0, carry2);
    }
    // A final wrap leaves a value below c·c; adding c cannot carry. The
    // result stays partially reduced (below 2^(64N)).
    lo[0] += carry2 * c;
    lo
}
