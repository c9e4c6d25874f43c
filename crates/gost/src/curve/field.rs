//! Prime-field arithmetic, generic over the limb count and the modulus.
//!
//! Two reductions cover every GOST prime:
//! * pseudo-Mersenne `p = 2^(64N) − c` with a small `c` (2^256 − 617,
//!   2^512 − 569): elements are kept in ordinary form and a product is folded
//!   with `2^(64N) ≡ c`, which costs a handful of multiplications;
//! * Montgomery (CIOS) for every other modulus, elements kept as `a·R mod p`.
//!
//! All operations are constant-time in the values of the elements. Results
//! are always fully reduced, so equality is limb equality.

use core::marker::PhantomData;

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use crate::arith::{adc, add_n, from_be_bytes, lt_vartime, mac, neg_inv64, pow2_mod, select_n, sub_n, to_be_bytes};

/// A prime modulus and how to reduce by it.
pub(crate) trait FieldParams<const N: usize>: 'static + Copy + Default + Send + Sync {
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
        Fe { limbs, _f: PhantomData }
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
    pub(crate) fn to_canonical(&self) -> [u64; N] {
        if F::PM_C != 0 { self.limbs } else { mont_mul::<N, F>(&self.limbs, &small(1)) }
    }

    /// Writes the value as `8·N` big-endian bytes.
    pub(crate) fn write_be_bytes(&self, out: &mut [u8]) {
        to_be_bytes(&self.to_canonical(), out);
    }

    /// `self + rhs`.
    #[inline]
    pub(crate) const fn add(&self, rhs: &Self) -> Self {
        let (s, carry) = add_n(&self.limbs, &rhs.limbs);
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

    /// `self⁻¹` (zero maps to zero), by Fermat's little theorem with a fixed
    /// 4-bit window: constant-time in `self`.
    pub(crate) fn invert(&self) -> Self {
        let mut table = [Self::ONE; 16];
        for i in 1..16 {
            table[i] = table[i - 1].mul(self);
        }
        let e = F::P_MINUS_2;
        let mut acc = Self::ONE;
        for limb in e.iter().rev() {
            for nib in (0..16).rev() {
                acc = acc.square_n(4);
                // The exponent is public, so indexing by it leaks nothing.
                let d = ((limb >> (4 * nib)) & 0xf) as usize;
                if d != 0 {
                    acc = acc.mul(&table[d]);
                }
            }
        }
        acc
    }

    /// Constant-time zero test.
    pub(crate) fn is_zero(&self) -> Choice {
        self.ct_eq(&Self::ZERO)
    }

    /// Variable-time equality (public data only).
    pub(crate) fn eq_vartime(&self, rhs: &Self) -> bool {
        self.limbs == rhs.limbs
    }

    /// Variable-time zero test (public data only).
    pub(crate) fn is_zero_vartime(&self) -> bool {
        self.limbs.iter().all(|&l| l == 0)
    }
}

impl<const N: usize, F: FieldParams<N>> Default for Fe<N, F> {
    fn default() -> Self {
        Self::ZERO
    }
}

impl<const N: usize, F: FieldParams<N>> ConstantTimeEq for Fe<N, F> {
    fn ct_eq(&self, other: &Self) -> Choice {
        let mut acc = 0u64;
        for i in 0..N {
            acc |= self.limbs[i] ^ other.limbs[i];
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

/// The full product `a·b` as (low N limbs, high N limbs).
#[inline(always)]
fn mul_wide<const N: usize>(a: &[u64; N], b: &[u64; N]) -> ([u64; N], [u64; N]) {
    let mut lo = [0u64; N];
    let mut hi = [0u64; N];
    for i in 0..N {
        let mut carry = 0;
        for j in 0..N {
            let k = i + j;
            if k < N {
                (lo[k], carry) = mac(lo[k], a[i], b[j], carry);
            } else {
                (hi[k - N], carry) = mac(hi[k - N], a[i], b[j], carry);
            }
        }
        // i + N ≥ N always lands in the high half.
        hi[i] = carry;
    }
    (lo, hi)
}

/// The full square `a²`, computing each cross product once.
#[inline(always)]
fn square_wide<const N: usize>(a: &[u64; N]) -> ([u64; N], [u64; N]) {
    let mut lo = [0u64; N];
    let mut hi = [0u64; N];
    // Cross products a[i]·a[j], i < j.
    for i in 0..N {
        let mut carry = 0;
        for j in (i + 1)..N {
            let k = i + j;
            if k < N {
                (lo[k], carry) = mac(lo[k], a[i], a[j], carry);
            } else {
                (hi[k - N], carry) = mac(hi[k - N], a[i], a[j], carry);
            }
        }
        // Position i + N is untouched by earlier rows.
        hi[i] = carry;
    }
    // Double the cross products.
    let mut top = 0;
    for limb in lo.iter_mut().chain(hi.iter_mut()) {
        let v = *limb;
        *limb = (v << 1) | top;
        top = v >> 63;
    }
    // Add the squares a[i]².
    let mut carry = 0;
    for i in 0..N {
        let (l, h) = mac(0, a[i], a[i], 0);
        let k = 2 * i;
        if k < N {
            (lo[k], carry) = adc(lo[k], l, carry);
        } else {
            (hi[k - N], carry) = adc(hi[k - N], l, carry);
        }
        let k = 2 * i + 1;
        if k < N {
            (lo[k], carry) = adc(lo[k], h, carry);
        } else {
            (hi[k - N], carry) = adc(hi[k - N], h, carry);
        }
    }
    (lo, hi)
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
    // A final wrap leaves a small value; add c once more.
    let (l0, mut carry3) = adc(lo[0], carry2 * c, 0);
    lo[0] = l0;
    for limb in lo.iter_mut().skip(1) {
        (*limb, carry3) = adc(*limb, 0, carry3);
    }
    // Now lo < 2^(64N); subtract P once if needed.
    let (d, borrow) = sub_n(&lo, &F::P);
    select_n(&d, &lo, borrow.wrapping_neg())
}
