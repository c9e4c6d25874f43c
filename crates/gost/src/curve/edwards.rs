//! Scalar multiplication on the twisted Edwards form of the two cofactor-4
//! curves, tc26-256-A and tc26-512-C.
//!
//! Both are published (RFC 7836 App. A.2, R 1323565.1.024-2019) as a short
//! Weierstrass curve y² = x³ + a·x + b with a general `a`, and as the twisted
//! Edwards curve e·u² + v² = 1 + d·u²·v² (e = 1 for both) with the same group.
//! Keys, signatures and `r = x mod q` stay in Weierstrass affine coordinates;
//! only the scalar multiplications run on the Edwards form, where they are
//! much cheaper. With s = (e − d)/4 and t = (e + d)/6 the standard's
//! birational map is
//!
//! ```text
//! x = s·(1 + v)/(1 − v) + t,   y = s·(1 + v)/((1 − v)·u),
//! u = (x − t)/y,               v = (x − t − s)/(x − t + s).
//! ```
//!
//! Points use the extended coordinates (X : Y : Z : T), u = X/Z, v = Y/Z,
//! T = X·Y/Z, of Hisil, Wong, Carter and Dawson ("Twisted Edwards curves
//! revisited", ASIACRYPT 2008): unified addition add-2008-hwcd (9M, 8M with a
//! precomputed affine point), doubling dbl-2008-hwcd (4M + 4S, one M less
//! when T is not needed). For both curves e = 1 is a square and d is not, so
//! these formulas are **complete**: no input, the neutral element (0, 1) and
//! points of order 2 or 4 included, makes a denominator vanish. Secret scalar
//! multiplication therefore needs no exceptional-case handling at all.
//!
//! * Public keys and signing (secret scalars): the signed 5-bit comb of
//!   `mul::mul_base` over an Edwards table of (u, v, d·u·v) entries, one
//!   complete 8M mixed addition per row and no doublings, every row scanned
//!   whole; then one constant-time inversion for the Weierstrass x (and y).
//! * Verification (public data): interleaved wNAF for u1·G + u2·Q, with Q
//!   mapped to extended coordinates without an inversion, and x(C) compared
//!   with the candidates for r in projective form, without one either.
//! * Public-key validation keeps the Weierstrass on-curve check and runs the
//!   q·Q = O subgroup check on the Edwards form.
//!
//! The constants (d, s, t, the Edwards base point) are derived and checked by
//! `crates/gost/tools/edwards_constants.py`; the unit tests below check them
//! again in Rust.

use std::sync::OnceLock;

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

use super::constants::{CurveTc26A256, CurveTc26C512};
use super::field::{Fe, FieldParams};
use super::mul::{
    COMB_BITS, COMB_ENTRIES, G_WINDOW, MAX_DIGITS, MAX_NAF, comb_digits, recode_signed, wnaf,
};
use super::point::Affine;
use super::{Base, Curve, CurveOps, CurveParams, Scalar};
use crate::Error;
use crate::arith::from_be_bytes;

/// A curve of [`CurveParams`] that also has a twisted Edwards form
/// u² + v² = 1 + d·u²·v² (e = 1) with d a non-square, related to the
/// Weierstrass form by the map in the module documentation.
pub(crate) trait EdwardsParams<const N: usize>: CurveParams<N> {
    /// The Edwards coefficient d (a non-square).
    const D: Fe<N, Self::F>;
    /// s = (e − d)/4 of the birational map.
    const MAP_S: Fe<N, Self::F>;
    /// t = (e + d)/6 of the birational map.
    const MAP_T: Fe<N, Self::F>;
    /// The base point's u.
    const GU: Fe<N, Self::F>;
    /// The base point's v.
    const GV: Fe<N, Self::F>;
    /// The precomputed Edwards tables of G, built on first use.
    fn edwards_tables() -> &'static EdTables<N, Self>;
}

/// Implements [`EdwardsParams`] for a curve (hex from edwards_constants.py).
macro_rules! edwards {
    ($curve:ident, $n:literal, d: $d:literal, s: $s:literal, t: $t:literal, u: $u:literal, v: $v:literal) => {
        impl EdwardsParams<$n> for $curve {
            const D: Fe<$n, Self::F> = Fe::from_hex($d);
            const MAP_S: Fe<$n, Self::F> = Fe::from_hex($s);
            const MAP_T: Fe<$n, Self::F> = Fe::from_hex($t);
            const GU: Fe<$n, Self::F> = Fe::from_hex($u);
            const GV: Fe<$n, Self::F> = Fe::from_hex($v);
            fn edwards_tables() -> &'static EdTables<$n, Self> {
                static TABLES: OnceLock<EdTables<$n, $curve>> = OnceLock::new();
                TABLES.get_or_init(EdTables::build)
            }
        }
    };
}

edwards!(
    CurveTc26A256, 4,
    d: "0605f6b7c183fa81578bc39cfad518132b9df62897009af7e522c32d6dc7bffb",
    s: "7e7e82520f9f015faa1d0f18c14ab9fb35188275da3fd94206b74f34a48e0ecd",
    t: "0100fe73f595ff158e974b44d478d9588744fe5c192ac47ea63075dce7a14aaa",
    u: "000000000000000000000000000000000000000000000000000000000000000d",
    v: "60ca1e32aa475b348488c38fab07649ce7ef8dbe87f22e81f92b2592dba300e7"
);

edwards!(
    CurveTc26C512, 8,
    d: "9e4f5d8c017d8d9f13a5cf3cdf5bfe4dab402d54198e31ebde28a0621050439ca6b39e0a515c06b304e2ce43e79e369e91a0cfc2bc2a22b4ca302dbb33ee7550",
    s: "186c289cffa09c983b168c30c829006c952ff4aaf99c73850875d7e77bebef18d653187d6ba8fe533ec74c6f061872585b97cc0f50f57752cd73f4913304621e",
    t: "9a628f975594ecefd89ba28a2539ffb79c8ab238aeed0851fa5c1abb02b80b44c6734501b83a011dd625cd0b5145091a6d9acd4b1f5c5b1e21b2b249ddfd1271",
    u: "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000012",
    v: "469af79d1fb1f5e16b99592b77a01e2a0fdfb0d01794368d9a56117f7b38669522dd4b650cf789eebf068c5d139732f0905622c04b2baae7600303ee73001a3d"
);

// ---------------------------------------------------------------------------
// Points

/// A point in extended coordinates (X : Y : Z : T), u = X/Z, v = Y/Z and
/// T·Z = X·Y. Z is never zero (the formulas are complete).
#[derive(Clone, Copy)]
pub(crate) struct Ext<const N: usize, C: EdwardsParams<N>> {
    x: Fe<N, C::F>,
    y: Fe<N, C::F>,
    z: Fe<N, C::F>,
    t: Fe<N, C::F>,
}

/// An affine point with d·u·v precomputed, for the 8M mixed addition.
#[derive(Clone, Copy)]
pub(crate) struct Precomp<const N: usize, C: EdwardsParams<N>> {
    u: Fe<N, C::F>,
    v: Fe<N, C::F>,
    duv: Fe<N, C::F>,
}

/// A projective point with d·T precomputed, for the 9M full addition.
#[derive(Clone, Copy)]
struct Cached<const N: usize, C: EdwardsParams<N>> {
    x: Fe<N, C::F>,
    y: Fe<N, C::F>,
    z: Fe<N, C::F>,
    dt: Fe<N, C::F>,
}

impl<const N: usize, C: EdwardsParams<N>> Ext<N, C> {
    /// The neutral element (0, 1).
    fn identity() -> Self {
        Ext {
            x: Fe::ZERO,
            y: Fe::ONE,
            z: Fe::ONE,
            t: Fe::ZERO,
        }
    }

    /// Lifts an affine point (u, v).
    fn from_affine(u: &Fe<N, C::F>, v: &Fe<N, C::F>) -> Self {
        Ext {
            x: *u,
            y: *v,
            z: Fe::ONE,
            t: u.mul(v),
        }
    }

    /// The base point.
    fn generator() -> Self {
        Self::from_affine(&C::GU, &C::GV)
    }

    /// Maps a Weierstrass point (x, y) without an inversion:
    /// (x − t)(x − t + s) : (x − t − s)·y : y·(x − t + s) : (x − t)(x − t − s).
    /// `None` where the map is undefined: y = 0 (the point of order 2) or
    /// x = t − s (no curve point has that x, see the constants script).
    /// Variable time (public points).
    fn from_weierstrass_vartime(p: &Affine<N, C>) -> Option<Self> {
        let xt = p.x.sub(&C::MAP_T);
        let den = xt.add(&C::MAP_S);
        if p.y.is_zero_vartime() || den.is_zero_vartime() {
            return None;
        }
        let num = xt.sub(&C::MAP_S);
        Some(Ext {
            x: xt.mul(&den),
            y: num.mul(&p.y),
            z: p.y.mul(&den),
            t: xt.mul(&num),
        })
    }

    /// Whether this is the neutral element (variable time).
    fn is_identity_vartime(&self) -> bool {
        self.x.is_zero_vartime() && self.y.eq_vartime(&self.z)
    }

    /// 2P by dbl-2008-hwcd with e = 1. T is computed only if `WITH_T`
    /// (doubling never reads it; additions do).
    #[inline(always)]
    fn double<const WITH_T: bool>(&self) -> Self {
        let a = self.x.square();
        let b = self.y.square();
        let c = self.z.square().double();
        let e = self.x.add(&self.y).square().sub(&a).sub(&b);
        let g = a.add(&b);
        let f = g.sub(&c);
        let h = a.sub(&b);
        Ext {
            x: e.mul(&f),
            y: g.mul(&h),
            z: f.mul(&g),
            t: if WITH_T { e.mul(&h) } else { Fe::ZERO },
        }
    }

    /// The shared tail of add-2008-hwcd (e = 1), from A = X1·X2, B = Y1·Y2,
    /// C = T1·d·T2, D = Z1·Z2 and the cross product (X1 + Y1)(X2 + Y2).
    #[inline(always)]
    fn add_tail<const WITH_T: bool>(
        a: Fe<N, C::F>,
        b: Fe<N, C::F>,
        c: Fe<N, C::F>,
        d: Fe<N, C::F>,
        cross: Fe<N, C::F>,
    ) -> Self {
        let e = cross.sub(&a).sub(&b);
        let f = d.sub(&c);
        let g = d.add(&c);
        let h = b.sub(&a);
        Ext {
            x: e.mul(&f),
            y: g.mul(&h),
            z: f.mul(&g),
            t: if WITH_T { e.mul(&h) } else { Fe::ZERO },
        }
    }

    /// P + Q for an affine Q (complete; 8M, 7M without T).
    #[inline(always)]
    fn add_precomp<const WITH_T: bool>(&self, q: &Precomp<N, C>) -> Self {
        let a = self.x.mul(&q.u);
        let b = self.y.mul(&q.v);
        let c = self.t.mul(&q.duv);
        let cross = self.x.add(&self.y).mul(&q.u.add(&q.v));
        Self::add_tail::<WITH_T>(a, b, c, self.z, cross)
    }

    /// P + Q (complete; 9M, 8M without T).
    #[inline(always)]
    fn add_cached<const WITH_T: bool>(&self, q: &Cached<N, C>) -> Self {
        let a = self.x.mul(&q.x);
        let b = self.y.mul(&q.y);
        let c = self.t.mul(&q.dt);
        let d = self.z.mul(&q.z);
        let cross = self.x.add(&self.y).mul(&q.x.add(&q.y));
        Self::add_tail::<WITH_T>(a, b, c, d, cross)
    }

    /// The cached form (T must be valid).
    fn to_cached(self) -> Cached<N, C> {
        Cached {
            x: self.x,
            y: self.y,
            z: self.z,
            dt: self.t.mul(&C::D),
        }
    }

    /// Normalises many points with one inversion (Montgomery's trick), for
    /// table building on public points.
    fn batch_to_precomp(points: &[Self]) -> Vec<Precomp<N, C>> {
        let mut prefix = Vec::with_capacity(points.len());
        let mut acc = Fe::ONE;
        for p in points {
            prefix.push(acc);
            acc = acc.mul(&p.z);
        }
        let mut inv = acc.invert_vartime();
        let mut out = Vec::with_capacity(points.len());
        for (p, pre) in points.iter().zip(&prefix).rev() {
            let zi = inv.mul(pre);
            inv = inv.mul(&p.z);
            let (u, v) = (p.x.mul(&zi), p.y.mul(&zi));
            out.push(Precomp {
                u,
                v,
                duv: u.mul(&v).mul(&C::D),
            });
        }
        out.reverse();
        out
    }
}

impl<const N: usize, C: EdwardsParams<N>> Zeroize for Ext<N, C> {
    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
        self.z.zeroize();
        self.t.zeroize();
    }
}

impl<const N: usize, C: EdwardsParams<N>> Precomp<N, C> {
    /// The neutral element (0, 1).
    #[cfg(test)]
    fn identity() -> Self {
        Precomp {
            u: Fe::ZERO,
            v: Fe::ONE,
            duv: Fe::ZERO,
        }
    }

    /// −P = (−u, v).
    fn neg(&self) -> Self {
        Precomp {
            u: self.u.neg(),
            v: self.v,
            duv: self.duv.neg(),
        }
    }
}

impl<const N: usize, C: EdwardsParams<N>> ConditionallySelectable for Precomp<N, C> {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Precomp {
            u: Fe::conditional_select(&a.u, &b.u, choice),
            v: Fe::conditional_select(&a.v, &b.v, choice),
            duv: Fe::conditional_select(&a.duv, &b.duv, choice),
        }
    }
}

impl<const N: usize, C: EdwardsParams<N>> Zeroize for Precomp<N, C> {
    fn zeroize(&mut self) {
        self.u.zeroize();
        self.v.zeroize();
        self.duv.zeroize();
    }
}

impl<const N: usize, C: EdwardsParams<N>> Cached<N, C> {
    /// −P = (−X : Y : Z : −T).
    fn neg(&self) -> Self {
        Cached {
            x: self.x.neg(),
            y: self.y,
            z: self.z,
            dt: self.dt.neg(),
        }
    }
}

// ---------------------------------------------------------------------------
// Tables and scalar multiplication

/// NAF width for Q in Edwards verification: 5 (8 odd multiples) for 256-bit
/// scalars, 6 (16) for 512-bit ones, which minimises table plus loop work.
const fn q_window(n: usize) -> u32 {
    if n > 4 { 6 } else { 5 }
}

/// Largest NAF width for a variable point.
const MAX_Q_WINDOW: u32 = 6;

/// Tables derived from the Edwards G, built once per curve on first use.
pub(crate) struct EdTables<const N: usize, C: EdwardsParams<N>> {
    /// `comb[i][j]` = (j+1)·32^i·G.
    comb: Vec<[RawEntry<N>; COMB_ENTRIES]>,
    /// `g_odd[j]` = (2j+1)·G.
    g_odd: Vec<Precomp<N, C>>,
}

impl<const N: usize, C: EdwardsParams<N>> EdTables<N, C> {
    /// Computes the tables (a few milliseconds for 512-bit curves).
    fn build() -> Self {
        let digits = comb_digits::<N, C>();
        let mut rows = Vec::with_capacity(digits * COMB_ENTRIES);
        let mut base = Ext::<N, C>::generator();
        for _ in 0..digits {
            let step = base.to_cached();
            let mut m = base;
            rows.push(m);
            for _ in 1..COMB_ENTRIES {
                m = m.add_cached::<true>(&step);
                rows.push(m);
            }
            for _ in 0..COMB_BITS {
                base = base.double::<true>();
            }
        }
        let flat = Ext::batch_to_precomp(&rows);
        let comb = flat
            .chunks_exact(COMB_ENTRIES)
            .map(|c| {
                let mut row = [[[0; N]; 3]; COMB_ENTRIES];
                for (r, p) in row.iter_mut().zip(c) {
                    *r = [p.u.to_canonical(), p.v.to_canonical(), p.duv.to_canonical()];
                }
                row
            })
            .collect();

        let g = Ext::<N, C>::generator();
        let g2 = g.double::<true>().to_cached();
        let count = 1usize << (G_WINDOW - 2);
        let mut odd = Vec::with_capacity(count);
        let mut m = g;
        for _ in 0..count {
            odd.push(m);
            m = m.add_cached::<true>(&g2);
        }
        EdTables {
            comb,
            g_odd: Ext::batch_to_precomp(&odd),
        }
    }
}

/// A comb entry as the canonical integers (u, v, d·u·v), so that the
/// constant-time scan is plain masked word loads the compiler vectorises.
type RawEntry<const N: usize> = [[u64; N]; 3];

/// Selects ±row[|d| − 1] in constant time, or the neutral element for d = 0
/// (which the complete addition handles like any other point). Every entry
/// is read; the digit only shapes the masks.
#[inline(always)]
fn lookup<const N: usize, C: EdwardsParams<N>>(
    row: &[RawEntry<N>; COMB_ENTRIES],
    d: i8,
) -> Precomp<N, C> {
    let sign = (d >> 7) as u8 & 1;
    let abs = ((d as i16 ^ (d as i16 >> 15)) - (d as i16 >> 15)) as u8;
    let mut masks = [0u64; COMB_ENTRIES];
    for (j, m) in masks.iter_mut().enumerate() {
        *m = u64::from(abs.ct_eq(&(j as u8 + 1)).unwrap_u8()).wrapping_neg();
    }
    let mut acc: RawEntry<N> = [[0; N]; 3];
    // One coordinate at a time keeps the accumulator in vector registers.
    for (c, a) in acc.iter_mut().enumerate() {
        for (entry, &mask) in row.iter().zip(&masks) {
            for (x, y) in a.iter_mut().zip(&entry[c]) {
                *x |= y & mask;
            }
        }
    }
    // d = 0 selected nothing: make it (0, 1, 0).
    acc[1][0] |= u64::from(abs.ct_eq(&0).unwrap_u8());
    let mut pt = Precomp {
        u: Fe::from_canonical_const(&acc[0]),
        v: Fe::from_canonical_const(&acc[1]),
        duv: Fe::from_canonical_const(&acc[2]),
    };
    acc.zeroize();
    masks.zeroize();
    let neg = pt.neg();
    pt.conditional_assign(&neg, Choice::from(sign));
    pt
}

/// k·G in constant time for k < q: one complete mixed addition per comb row,
/// no doublings, no special cases. T of the result is not computed.
fn mul_base<const N: usize, C: EdwardsParams<N>>(k: &[u64; N]) -> Ext<N, C> {
    let tables = C::edwards_tables();
    let count = tables.comb.len();
    let mut digits = [0i8; MAX_DIGITS];
    recode_signed(k, &mut digits[..count]);
    let mut acc = Ext::<N, C>::identity();
    let (last, rows) = (count - 1, &tables.comb[..count - 1]);
    for (row, &d) in rows.iter().zip(&digits[..last]) {
        let mut pt = lookup(row, d);
        acc = acc.add_precomp::<true>(&pt);
        pt.zeroize();
    }
    let mut pt = lookup(&tables.comb[last], digits[last]);
    let out = acc.add_precomp::<false>(&pt);
    pt.zeroize();
    acc.zeroize();
    digits.zeroize();
    out
}

/// u1·G + u2·Q for public u1, u2 and Q (variable time): interleaved wNAF
/// sharing one chain of doublings. T is computed only where an addition
/// follows; the result's T is not valid.
fn mul_double_vartime<const N: usize, C: EdwardsParams<N>>(
    u1: &[u64; N],
    u2: &[u64; N],
    q: &Ext<N, C>,
) -> Ext<N, C> {
    let g_odd = &C::edwards_tables().g_odd;
    let w = q_window(N);
    let mut q_odd = [q.to_cached(); 1 << (MAX_Q_WINDOW - 2)];
    let q_count = 1usize << (w - 2);
    let q2 = q.double::<true>().to_cached();
    let mut m = *q;
    for entry in q_odd.iter_mut().take(q_count).skip(1) {
        m = m.add_cached::<true>(&q2);
        *entry = m.to_cached();
    }
    let mut n1 = [0i16; MAX_NAF];
    let mut n2 = [0i16; MAX_NAF];
    let len1 = wnaf(u1, G_WINDOW, &mut n1);
    let len2 = wnaf(u2, w, &mut n2);
    let mut acc = Ext::<N, C>::identity();
    for i in (0..len1.max(len2)).rev() {
        let (d1, d2) = (n1[i], n2[i]);
        acc = if d1 != 0 || d2 != 0 {
            acc.double::<true>()
        } else {
            acc.double::<false>()
        };
        if d1 != 0 {
            let p = &g_odd[(d1.unsigned_abs() / 2) as usize];
            let p = if d1 > 0 { *p } else { p.neg() };
            acc = if d2 != 0 {
                acc.add_precomp::<true>(&p)
            } else {
                acc.add_precomp::<false>(&p)
            };
        }
        if d2 != 0 {
            let p = &q_odd[(d2.unsigned_abs() / 2) as usize];
            acc = if d2 > 0 {
                acc.add_cached::<false>(p)
            } else {
                acc.add_cached::<false>(&p.neg())
            };
        }
    }
    acc
}

// ---------------------------------------------------------------------------
// The curve operations

/// The operations of a cofactor-4 curve, computed on its Edwards form.
/// Range checks, wide reduction and the on-curve check stay Weierstrass
/// (they are the same code as [`Curve`]'s).
pub(crate) struct EdwardsCurve<const N: usize, C: EdwardsParams<N>>(pub(crate) C);

impl<const N: usize, C: EdwardsParams<N>> EdwardsCurve<N, C> {
    /// The Weierstrass implementation, for what is delegated.
    fn weierstrass(&self) -> Curve<N, C> {
        Curve(self.0)
    }

    /// (x − t)·den == s·(Z + Y) for den = Z − Y, i.e. x(P) = x, with the
    /// Weierstrass x of P = (X : Y : Z) computed without an inversion.
    fn x_matches(den: &Base<N, C>, rhs: &Base<N, C>, x: &Base<N, C>) -> bool {
        x.sub(&C::MAP_T).mul(den).eq_vartime(rhs)
    }
}

impl<const N: usize, C: EdwardsParams<N>> CurveOps for EdwardsCurve<N, C> {
    fn scalar_in_range(&self, k: &[u8]) -> bool {
        self.weierstrass().scalar_in_range(k)
    }

    fn reduce_wide(&self, wide: &[u8], out: &mut [u8]) -> bool {
        self.weierstrass().reduce_wide(wide, out)
    }

    fn div_scalars(&self, a: &[u8], b: &[u8], out: &mut [u8]) -> bool {
        self.weierstrass().div_scalars(a, b, out)
    }

    fn public_key(&self, d: &[u8], x_out: &mut [u8], y_out: &mut [u8]) {
        let mut d_int = from_be_bytes::<N>(d);
        let mut d_s = Scalar::<N, C>::from_uint_reduced(&d_int);
        let mut k = d_s.to_canonical();
        let mut p = mul_base::<N, C>(&k);
        // x = s·(Z + Y)/(Z − Y) + t, y = s·(Z + Y)·Z/((Z − Y)·X): one
        // inversion of (Z − Y)·X, which is zero only for (0, ±1), never d·G
        // for d ∈ [1, q−1].
        let mut den = p.z.sub(&p.y).mul(&p.x);
        if !bool::from(den.is_zero()) {
            let mut w = C::MAP_S.mul(&p.z.add(&p.y)).mul(&den.invert());
            w.mul(&p.x).add(&C::MAP_T).write_be_bytes(x_out);
            w.mul(&p.z).write_be_bytes(y_out);
            w.zeroize();
        }
        d_int.zeroize();
        d_s.zeroize();
        k.zeroize();
        p.zeroize();
        den.zeroize();
    }

    fn validate_public(&self, x: &[u8], y: &[u8]) -> Result<(), Error> {
        let p = Curve::<N, C>::parse_point(x, y)?;
        if !p.is_on_curve() {
            return Err(Error::PublicKeyNotOnCurve);
        }
        if p.y.is_zero_vartime() {
            // (t, 0), the point of order 2.
            return Err(Error::PublicKeySubgroup);
        }
        let Some(e) = Ext::from_weierstrass_vartime(&p) else {
            return self.weierstrass().validate_public(x, y);
        };
        // q·Q = O on the Edwards form.
        if !mul_double_vartime(&[0; N], &C::S::P, &e).is_identity_vartime() {
            return Err(Error::PublicKeySubgroup);
        }
        Ok(())
    }

    fn sign(&self, d: &[u8], digest: &[u8], k: &[u8], r_out: &mut [u8], s_out: &mut [u8]) -> bool {
        let mut d_int = from_be_bytes::<N>(d);
        let mut k_int = from_be_bytes::<N>(k);
        let mut kg = mul_base::<N, C>(&k_int);
        let mut den = kg.z.sub(&kg.y);
        // k·G = O (Z − Y = 0) is impossible for k ∈ [1, q−1].
        let ok = !bool::from(den.is_zero()) && {
            // x = s·(Z + Y)/(Z − Y) + t
            let x = C::MAP_S
                .mul(&kg.z.add(&kg.y))
                .mul(&den.invert())
                .add(&C::MAP_T);
            Curve::<N, C>::finish_signature(&x, &d_int, &k_int, digest, r_out, s_out)
        };
        d_int.zeroize();
        k_int.zeroize();
        kg.zeroize();
        den.zeroize();
        ok
    }

    fn verify(&self, x: &[u8], y: &[u8], digest: &[u8], r: &[u8], s: &[u8]) -> Result<(), Error> {
        let (r_int, z1, z2) = Curve::<N, C>::verify_scalars(r, s, digest)?;
        let q = Curve::<N, C>::parse_point(x, y)?;
        let Some(q_ext) = Ext::from_weierstrass_vartime(&q) else {
            // Not a point of order q (a validated key never gets here).
            return self.weierstrass().verify(x, y, digest, r, s);
        };
        let c = mul_double_vartime(&z1, &z2, &q_ext);
        // C = (X : Y : Z); Z − Y = 0 only for the neutral element.
        let den = c.z.sub(&c.y);
        if den.is_zero_vartime() {
            return Err(Error::SignatureInvalid);
        }
        let rhs = C::MAP_S.mul(&c.z.add(&c.y));
        if Curve::<N, C>::x_mod_q_is(&r_int, |cand| Self::x_matches(&den, &rhs, cand)) {
            Ok(())
        } else {
            Err(Error::SignatureInvalid)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use proptest::prelude::*;

    use super::super::mul;
    use super::super::point::{Jacobian, Projective};
    use super::*;

    /// The Weierstrass affine point of an Edwards point (not the identity
    /// or the point of order 2), by the affine map.
    fn to_weierstrass<const N: usize, C: EdwardsParams<N>>(p: &Ext<N, C>) -> Affine<N, C> {
        let zi = p.z.invert();
        let (u, v) = (p.x.mul(&zi), p.y.mul(&zi));
        let w = C::MAP_S
            .mul(&Fe::ONE.add(&v))
            .mul(&Fe::ONE.sub(&v).invert());
        Affine {
            x: w.add(&C::MAP_T),
            y: w.mul(&u.invert()),
        }
    }

    fn on_edwards<const N: usize, C: EdwardsParams<N>>(u: &Fe<N, C::F>, v: &Fe<N, C::F>) -> bool {
        let (uu, vv) = (u.square(), v.square());
        uu.add(&vv)
            .eq_vartime(&Fe::ONE.add(&C::D.mul(&uu).mul(&vv)))
    }

    fn same<const N: usize, C: CurveParams<N>>(a: &Affine<N, C>, b: &Affine<N, C>) -> bool {
        a.x.eq_vartime(&b.x) && a.y.eq_vartime(&b.y)
    }

    /// The checks of tools/edwards_constants.py, in Rust.
    fn check_constants<const N: usize, C: EdwardsParams<N>>() {
        let one = Fe::<N, C::F>::ONE;
        let two = one.add(&one);
        let three = two.add(&one);
        let (s, t) = (C::MAP_S, C::MAP_T);
        // e = 3t + 2s = 1, d = 3t − 2s; a = s² − 3t², b = 2t³ − t·s².
        assert!(three.mul(&t).add(&two.mul(&s)).eq_vartime(&one));
        assert!(three.mul(&t).sub(&two.mul(&s)).eq_vartime(&C::D));
        assert!(s.square().sub(&three.mul(&t.square())).eq_vartime(&C::A));
        assert!(
            two.mul(&t.square().mul(&t))
                .sub(&t.mul(&s.square()))
                .eq_vartime(&C::B)
        );
        // Completeness: d is a non-square (Euler: d^((p−1)/2) = −1); e = 1 is
        // a square. And p ≡ 3 (mod 4), so −1 is a non-square too.
        let half = {
            let mut h = crate::arith::sub_n(&C::F::P, &{
                let mut one = [0u64; N];
                one[0] = 1;
                one
            })
            .0;
            for i in 0..N {
                h[i] = (h[i] >> 1) | if i + 1 < N { h[i + 1] << 63 } else { 0 };
            }
            h
        };
        let mut pow = Fe::<N, C::F>::ONE;
        for i in (0..64 * N).rev() {
            pow = pow.square();
            if (half[i / 64] >> (i % 64)) & 1 == 1 {
                pow = pow.mul(&C::D);
            }
        }
        assert!(pow.eq_vartime(&one.neg()), "d must be a non-square");
        assert_eq!(C::F::P[0] & 3, 3);
        // Edwards G is on the curve and maps to G, and back.
        assert!(on_edwards::<N, C>(&C::GU, &C::GV));
        let g = Affine::<N, C>::generator();
        assert!(same(&to_weierstrass(&Ext::<N, C>::generator()), &g));
        let e = Ext::<N, C>::from_weierstrass_vartime(&g).unwrap();
        let zi = e.z.invert();
        assert!(e.x.mul(&zi).eq_vartime(&C::GU) && e.y.mul(&zi).eq_vartime(&C::GV));
        assert!(e.t.mul(&zi).eq_vartime(&C::GU.mul(&C::GV)));
        // q·G = O, (q−1)·G = −G.
        assert!(mul_double_vartime(&C::S::P, &[0; N], &e).is_identity_vartime());
        assert!(mul_double_vartime(&[0; N], &C::S::P, &e).is_identity_vartime());
        let qm1 = crate::arith::sub_n(&C::S::P, &{
            let mut one = [0u64; N];
            one[0] = 1;
            one
        })
        .0;
        assert!(same(&to_weierstrass(&mul_base::<N, C>(&qm1)), &g.neg()));
        // The tables hold what they claim.
        let tables = C::edwards_tables();
        for (i, p) in tables.g_odd.iter().enumerate().take(5) {
            assert!(on_edwards::<N, C>(&p.u, &p.v));
            assert!(p.duv.eq_vartime(&C::D.mul(&p.u).mul(&p.v)));
            let mut k = [0u64; N];
            k[0] = 2 * i as u64 + 1;
            let w = mul::mul_vartime(&k, &g).to_affine().unwrap();
            assert!(same(
                &to_weierstrass(&Ext::<N, C>::from_affine(&p.u, &p.v)),
                &w
            ));
        }
    }

    #[test]
    fn constants() {
        check_constants::<4, CurveTc26A256>();
        check_constants::<8, CurveTc26C512>();
    }

    /// Doubling, addition in all forms, and completeness on the identity and
    /// on points of small order.
    fn check_formulas<const N: usize, C: EdwardsParams<N>>() {
        let g = Ext::<N, C>::generator();
        let to_w = |p: &Ext<N, C>| to_weierstrass(p);
        let d1 = g.double::<true>();
        let d2 = g.add_cached::<true>(&g.to_cached());
        let d3 = g.add_precomp::<true>(&C::edwards_tables().g_odd[0]);
        assert!(same(&to_w(&d1), &to_w(&d2)) && same(&to_w(&d1), &to_w(&d3)));
        let gw = Projective::from_affine(&Affine::<N, C>::generator());
        assert!(same(&to_w(&d1), &gw.double().to_affine().unwrap()));
        // T stays consistent: T·Z = X·Y.
        for p in [d1, d2, d3] {
            assert!(p.t.mul(&p.z).eq_vartime(&p.x.mul(&p.y)));
        }
        // G + (−G) = O; O + G = G; O + O = O, 2·O = O.
        let neg = g.to_cached().neg();
        assert!(g.add_cached::<true>(&neg).is_identity_vartime());
        let o = Ext::<N, C>::identity();
        assert!(same(
            &to_w(&o.add_cached::<true>(&g.to_cached())),
            &to_w(&g)
        ));
        assert!(
            o.add_precomp::<true>(&Precomp::identity())
                .is_identity_vartime()
        );
        assert!(o.double::<true>().is_identity_vartime());
        // The points of order 4, (±1, 0), and 2, (0, −1): T4 + T4 = T2,
        // T2 + T2 = O, by both addition and doubling.
        let t4 = Ext::<N, C>::from_affine(&Fe::ONE, &Fe::ZERO);
        let t2 = Ext::<N, C>::from_affine(&Fe::ZERO, &Fe::ONE.neg());
        let sum = t4.add_cached::<true>(&t4.to_cached());
        let dbl = t4.double::<true>();
        for p in [sum, dbl] {
            let zi = p.z.invert();
            assert!(p.x.is_zero_vartime() && p.y.mul(&zi).eq_vartime(&Fe::ONE.neg()));
        }
        assert!(t2.double::<true>().is_identity_vartime());
        assert!(t2.add_cached::<true>(&t2.to_cached()).is_identity_vartime());
    }

    #[test]
    fn formulas() {
        check_formulas::<4, CurveTc26A256>();
        check_formulas::<8, CurveTc26C512>();
    }

    /// Edwards k·G (comb and wNAF) equals the Weierstrass k·G.
    fn base_mul_agrees<const N: usize, C: EdwardsParams<N>>(k: [u64; N]) {
        let k = Fe::<N, C::S>::from_uint_reduced(&k).to_canonical();
        let g = Affine::<N, C>::generator();
        let w = mul::mul_base::<N, C>(&k).to_affine();
        let v = mul::mul_vartime(&k, &g).to_affine();
        let e = mul_base::<N, C>(&k);
        let ge = Ext::<N, C>::generator();
        let f = mul_double_vartime(&k, &[0; N], &ge);
        let h = mul_double_vartime(&[0; N], &k, &ge);
        match (w, v) {
            (None, None) => {
                assert!(
                    e.is_identity_vartime() && f.is_identity_vartime() && h.is_identity_vartime()
                );
            }
            (Some(w), Some(v)) => {
                assert!(same(&w, &v));
                for p in [e, f, h] {
                    assert!(same(&to_weierstrass(&p), &w));
                }
            }
            _ => panic!("Weierstrass paths disagree"),
        }
    }

    /// u1·G + u2·Q agrees with the Weierstrass double multiplication.
    fn double_mul_agrees<const N: usize, C: EdwardsParams<N>>(
        u1: [u64; N],
        u2: [u64; N],
        kq: [u64; N],
    ) {
        let red = |k: &[u64; N]| Fe::<N, C::S>::from_uint_reduced(k).to_canonical();
        let (u1, u2, kq) = (red(&u1), red(&u2), red(&kq));
        let Some(q) = mul::mul_base::<N, C>(&kq).to_affine() else {
            return;
        };
        let w = mul::mul_double_vartime(&u1, &u2, &q).to_affine();
        let e = mul_double_vartime(&u1, &u2, &Ext::from_weierstrass_vartime(&q).unwrap());
        match w {
            None => assert!(e.is_identity_vartime()),
            Some(w) => assert!(same(&to_weierstrass(&e), &w)),
        }
    }

    /// Public keys and signatures agree with the Weierstrass implementation
    /// bit for bit; verification accepts them and rejects tampered ones.
    fn sign_verify_agrees<const N: usize, C: EdwardsParams<N>>(
        d: [u64; N],
        k: [u64; N],
        digest: [u8; 64],
    ) {
        let len = 8 * N;
        let digest = &digest[..len];
        let red = |v: &[u64; N]| {
            let mut out = vec![0u8; len];
            let s = Fe::<N, C::S>::from_uint_reduced(v);
            let s = if s.is_zero_vartime() { Fe::ONE } else { s };
            s.write_be_bytes(&mut out);
            out
        };
        let (d, k) = (red(&d), red(&k));
        let ed = EdwardsCurve::<N, C>(C::default());
        let ws = Curve::<N, C>(C::default());
        let (mut x1, mut y1, mut x2, mut y2) =
            (vec![0; len], vec![0; len], vec![0; len], vec![0; len]);
        ed.public_key(&d, &mut x1, &mut y1);
        ws.public_key(&d, &mut x2, &mut y2);
        assert_eq!((&x1, &y1), (&x2, &y2));
        ed.validate_public(&x1, &y1).unwrap();
        let (mut r1, mut s1, mut r2, mut s2) =
            (vec![0; len], vec![0; len], vec![0; len], vec![0; len]);
        let ok1 = ed.sign(&d, digest, &k, &mut r1, &mut s1);
        let ok2 = ws.sign(&d, digest, &k, &mut r2, &mut s2);
        assert_eq!(ok1, ok2);
        if !ok1 {
            return;
        }
        assert_eq!((&r1, &s1), (&r2, &s2));
        ed.verify(&x1, &y1, digest, &r2, &s2).unwrap();
        ws.verify(&x1, &y1, digest, &r1, &s1).unwrap();
        // Tampering with s, r or the digest fails.
        let mut bad = s2.clone();
        bad[len - 1] ^= 1;
        assert!(ed.verify(&x1, &y1, digest, &r2, &bad).is_err());
        let mut bad = r2.clone();
        bad[len - 1] ^= 4;
        assert!(ed.verify(&x1, &y1, digest, &bad, &s2).is_err());
        let mut bad_digest = digest.to_vec();
        bad_digest[0] ^= 0x80;
        assert!(ed.verify(&x1, &y1, &bad_digest, &r2, &s2).is_err());
        // Another key's signature does not verify.
        assert!(
            ed.verify(
                &x1,
                &y1.iter().map(|b| !b).collect::<Vec<_>>(),
                digest,
                &r2,
                &s2
            )
            .is_err()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn base_mul_256(k in any::<[u64; 4]>()) {
            base_mul_agrees::<4, CurveTc26A256>(k);
        }

        #[test]
        fn base_mul_512(k in any::<[u64; 8]>()) {
            base_mul_agrees::<8, CurveTc26C512>(k);
        }

        #[test]
        fn double_mul_256(u1 in any::<[u64; 4]>(), u2 in any::<[u64; 4]>(), kq in any::<[u64; 4]>()) {
            double_mul_agrees::<4, CurveTc26A256>(u1, u2, kq);
        }

        #[test]
        fn double_mul_512(u1 in any::<[u64; 8]>(), u2 in any::<[u64; 8]>(), kq in any::<[u64; 8]>()) {
            double_mul_agrees::<8, CurveTc26C512>(u1, u2, kq);
        }

        #[test]
        fn sign_verify_256(d in any::<[u64; 4]>(), k in any::<[u64; 4]>(), digest in any::<[u8; 64]>()) {
            sign_verify_agrees::<4, CurveTc26A256>(d, k, digest);
        }

        #[test]
        fn sign_verify_512(d in any::<[u64; 8]>(), k in any::<[u64; 8]>(), digest in any::<[u8; 64]>()) {
            sign_verify_agrees::<8, CurveTc26C512>(d, k, digest);
        }
    }

    /// Small and edge scalars through the comb: 1, 2, 16, 17, 31, 32, 33,
    /// q − 1, q − 16, and all-ones digit patterns.
    fn edge_scalars<const N: usize, C: EdwardsParams<N>>() {
        let mut cases: Vec<[u64; N]> = [1u64, 2, 15, 16, 17, 31, 32, 33, 0x8421_0842_1084_2108]
            .iter()
            .map(|&v| {
                let mut k = [0u64; N];
                k[0] = v;
                k
            })
            .collect();
        for sub in [1u64, 16, 17] {
            let mut s = [0u64; N];
            s[0] = sub;
            cases.push(crate::arith::sub_n(&C::S::P, &s).0);
        }
        let mut ones = [u64::MAX; N];
        ones[N - 1] >>= 64 * N - crate::arith::bit_len(&C::S::P) + 1;
        cases.push(ones);
        for k in cases {
            base_mul_agrees::<N, C>(k);
        }
    }

    #[test]
    fn edge_scalars_both() {
        edge_scalars::<4, CurveTc26A256>();
        edge_scalars::<8, CurveTc26C512>();
    }

    /// Keys off the prime-order subgroup are rejected: Q + T4 (T4 of order
    /// 4, Weierstrass (s + t, s)) and the point of order 2, (t, 0).
    fn subgroup_check<const N: usize, C: EdwardsParams<N>>() {
        let ed = EdwardsCurve::<N, C>(C::default());
        let len = 8 * N;
        let mut k = [0u64; N];
        k[0] = 0x1234_5678_9abc_def1;
        let q = mul::mul_base::<N, C>(&k).to_affine().unwrap();
        let t4 = Affine::<N, C> {
            x: C::MAP_S.add(&C::MAP_T),
            y: C::MAP_S,
        };
        assert!(t4.is_on_curve());
        let t2 = Affine::<N, C> {
            x: C::MAP_T,
            y: Fe::ZERO,
        };
        assert!(t2.is_on_curve());
        let bad = Jacobian::from_affine(&q)
            .add_affine(&t4)
            .to_affine()
            .unwrap();
        let bytes = |p: &Affine<N, C>| {
            let (mut x, mut y) = (vec![0; len], vec![0; len]);
            p.x.write_be_bytes(&mut x);
            p.y.write_be_bytes(&mut y);
            (x, y)
        };
        let (x, y) = bytes(&q);
        assert!(ed.validate_public(&x, &y).is_ok());
        for p in [bad, t4, t2, q.neg()] {
            let (x, y) = bytes(&p);
            let want = if same(&p, &q.neg()) {
                Ok(())
            } else {
                Err(Error::PublicKeySubgroup)
            };
            assert_eq!(ed.validate_public(&x, &y), want);
        }
        let (mut x, y) = bytes(&q);
        x[len - 1] ^= 1;
        assert_eq!(ed.validate_public(&x, &y), Err(Error::PublicKeyNotOnCurve));
    }

    #[test]
    fn subgroup_both() {
        subgroup_check::<4, CurveTc26A256>();
        subgroup_check::<8, CurveTc26C512>();
    }

    #[test]
    fn comb_sizes() {
        // 255-bit q: 51 windows + carry; 510-bit q: 102 + carry.
        assert_eq!(comb_digits::<4, CurveTc26A256>(), 52);
        assert_eq!(comb_digits::<8, CurveTc26C512>(), 103);
        assert!(comb_digits::<8, CurveTc26C512>() <= MAX_DIGITS);
    }
}
