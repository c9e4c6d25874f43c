//! Curve points in two coordinate systems.
//!
//! * [`Projective`]: homogeneous (X:Y:Z) with the complete addition formulas
//!   of Renes, Costello and Batina ("Complete addition formulas for prime
//!   order elliptic curves", EUROCRYPT 2016, algorithms 1–3). They have no
//!   exceptional cases on a group of odd order, so secret scalar
//!   multiplication runs the same instructions whatever the inputs.
//! * [`Jacobian`]: (X:Y:Z) ↦ (X/Z², Y/Z³), with the faster but incomplete
//!   formulas of the Explicit-Formulas Database, for verification, which works
//!   on public data and branches on the exceptional cases.

use subtle::{Choice, ConditionallySelectable};

use super::CurveParams;
use super::field::Fe;

/// An affine point (never the point at infinity).
#[derive(Clone, Copy, Default)]
pub(crate) struct Affine<const N: usize, C: CurveParams<N>> {
    pub(crate) x: Fe<N, C::F>,
    pub(crate) y: Fe<N, C::F>,
}

impl<const N: usize, C: CurveParams<N>> Affine<N, C> {
    /// The base point G.
    pub(crate) fn generator() -> Self {
        Affine { x: C::GX, y: C::GY }
    }

    /// Whether y² = x³ + a·x + b.
    pub(crate) fn is_on_curve(&self) -> bool {
        let lhs = self.y.square();
        let rhs = self.x.square().add(&C::A).mul(&self.x).add(&C::B);
        lhs.eq_vartime(&rhs)
    }

    /// −P.
    pub(crate) fn neg(&self) -> Self {
        Affine {
            x: self.x,
            y: self.y.neg(),
        }
    }
}

impl<const N: usize, C: CurveParams<N>> ConditionallySelectable for Affine<N, C> {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Affine {
            x: Fe::conditional_select(&a.x, &b.x, choice),
            y: Fe::conditional_select(&a.y, &b.y, choice),
        }
    }
}

/// `a·v`, specialised for a = −3.
#[inline(always)]
fn mul_a<const N: usize, C: CurveParams<N>>(v: &Fe<N, C::F>) -> Fe<N, C::F> {
    if C::A_IS_MINUS_3 {
        v.double().add(v).neg()
    } else {
        v.mul(&C::A)
    }
}

/// A point in homogeneous projective coordinates; Z = 0 is infinity.
#[derive(Clone, Copy)]
pub(crate) struct Projective<const N: usize, C: CurveParams<N>> {
    x: Fe<N, C::F>,
    y: Fe<N, C::F>,
    z: Fe<N, C::F>,
}

impl<const N: usize, C: CurveParams<N>> Projective<N, C> {
    /// The point at infinity (0:1:0).
    pub(crate) fn identity() -> Self {
        Projective {
            x: Fe::ZERO,
            y: Fe::ONE,
            z: Fe::ZERO,
        }
    }

    /// Lifts an affine point.
    pub(crate) fn from_affine(p: &Affine<N, C>) -> Self {
        Projective {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }

    /// Builds a point from its coordinates.
    pub(crate) fn from_parts(x: Fe<N, C::F>, y: Fe<N, C::F>, z: Fe<N, C::F>) -> Self {
        Projective { x, y, z }
    }

    /// Complete addition (RCB algorithm 1).
    pub(crate) fn add(&self, rhs: &Self) -> Self {
        let b3 = C::B3;
        let (x1, y1, z1) = (&self.x, &self.y, &self.z);
        let (x2, y2, z2) = (&rhs.x, &rhs.y, &rhs.z);
        let mut t0 = x1.mul(x2);
        let mut t1 = y1.mul(y2);
        let mut t2 = z1.mul(z2);
        let mut t3 = x1.add(y1);
        let mut t4 = x2.add(y2);
        t3 = t3.mul(&t4);
        t4 = t0.add(&t1);
        t3 = t3.sub(&t4);
        t4 = x1.add(z1);
        let mut t5 = x2.add(z2);
        t4 = t4.mul(&t5);
        t5 = t0.add(&t2);
        t4 = t4.sub(&t5);
        t5 = y1.add(z1);
        let mut x3 = y2.add(z2);
        t5 = t5.mul(&x3);
        x3 = t1.add(&t2);
        t5 = t5.sub(&x3);
        let mut z3 = mul_a::<N, C>(&t4);
        x3 = b3.mul(&t2);
        z3 = x3.add(&z3);
        x3 = t1.sub(&z3);
        z3 = t1.add(&z3);
        let mut y3 = x3.mul(&z3);
        t1 = t0.add(&t0);
        t1 = t1.add(&t0);
        t2 = mul_a::<N, C>(&t2);
        t4 = b3.mul(&t4);
        t1 = t1.add(&t2);
        t2 = t0.sub(&t2);
        t2 = mul_a::<N, C>(&t2);
        t4 = t4.add(&t2);
        t0 = t1.mul(&t4);
        y3 = y3.add(&t0);
        t0 = t5.mul(&t4);
        x3 = t3.mul(&x3);
        x3 = x3.sub(&t0);
        t0 = t3.mul(&t1);
        z3 = t5.mul(&z3);
        z3 = z3.add(&t0);
        Projective {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// Complete mixed addition with an affine point (RCB algorithm 2).
    pub(crate) fn add_affine(&self, rhs: &Affine<N, C>) -> Self {
        let b3 = C::B3;
        let (x1, y1, z1) = (&self.x, &self.y, &self.z);
        let (x2, y2) = (&rhs.x, &rhs.y);
        let mut t0 = x1.mul(x2);
        let mut t1 = y1.mul(y2);
        let mut t3 = x2.add(y2);
        let mut t4 = x1.add(y1);
        t3 = t3.mul(&t4);
        t4 = t0.add(&t1);
        t3 = t3.sub(&t4);
        t4 = x2.mul(z1);
        t4 = t4.add(x1);
        let mut t5 = y2.mul(z1);
        t5 = t5.add(y1);
        let mut z3 = mul_a::<N, C>(&t4);
        let mut x3 = b3.mul(z1);
        z3 = x3.add(&z3);
        x3 = t1.sub(&z3);
        z3 = t1.add(&z3);
        let mut y3 = x3.mul(&z3);
        t1 = t0.add(&t0);
        t1 = t1.add(&t0);
        let mut t2 = mul_a::<N, C>(z1);
        t4 = b3.mul(&t4);
        t1 = t1.add(&t2);
        t2 = t0.sub(&t2);
        t2 = mul_a::<N, C>(&t2);
        t4 = t4.add(&t2);
        t0 = t1.mul(&t4);
        y3 = y3.add(&t0);
        t0 = t5.mul(&t4);
        x3 = t3.mul(&x3);
        x3 = x3.sub(&t0);
        t0 = t3.mul(&t1);
        z3 = t5.mul(&z3);
        z3 = z3.add(&t0);
        Projective {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// Complete doubling (RCB algorithm 3).
    pub(crate) fn double(&self) -> Self {
        let b3 = C::B3;
        let (x, y, z) = (&self.x, &self.y, &self.z);
        let mut t0 = x.square();
        let t1 = y.square();
        let mut t2 = z.square();
        let mut t3 = x.mul(y);
        t3 = t3.double();
        let mut z3 = x.mul(z);
        z3 = z3.double();
        let mut x3 = mul_a::<N, C>(&z3);
        let mut y3 = b3.mul(&t2);
        y3 = x3.add(&y3);
        x3 = t1.sub(&y3);
        y3 = t1.add(&y3);
        y3 = x3.mul(&y3);
        x3 = t3.mul(&x3);
        z3 = b3.mul(&z3);
        t2 = mul_a::<N, C>(&t2);
        t3 = t0.sub(&t2);
        t3 = mul_a::<N, C>(&t3);
        t3 = t3.add(&z3);
        z3 = t0.double();
        t0 = z3.add(&t0);
        t0 = t0.add(&t2);
        t0 = t0.mul(&t3);
        y3 = y3.add(&t0);
        t2 = y.mul(z);
        t2 = t2.double();
        t0 = t2.mul(&t3);
        x3 = x3.sub(&t0);
        z3 = t2.mul(&t1);
        z3 = z3.double();
        z3 = z3.double();
        Projective {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// The affine x-coordinate, or `None` at infinity. Constant-time in the
    /// point except for the infinity test's result.
    pub(crate) fn to_affine(self) -> Option<Affine<N, C>> {
        if bool::from(self.z.is_zero()) {
            return None;
        }
        let zi = self.z.invert();
        Some(Affine {
            x: self.x.mul(&zi),
            y: self.y.mul(&zi),
        })
    }

    /// Converts many points to affine with one inversion (Montgomery's trick).
    /// None of them may be infinity. For table building on public points.
    pub(crate) fn batch_to_affine(points: &[Self]) -> Vec<Affine<N, C>> {
        let mut prefix = Vec::with_capacity(points.len());
        let mut acc = Fe::ONE;
        for p in points {
            prefix.push(acc);
            acc = acc.mul(&p.z);
        }
        let mut inv = acc.invert();
        let mut out = vec![Affine::default(); points.len()];
        for (i, p) in points.iter().enumerate().rev() {
            let zi = inv.mul(&prefix[i]);
            inv = inv.mul(&p.z);
            out[i] = Affine {
                x: p.x.mul(&zi),
                y: p.y.mul(&zi),
            };
        }
        out
    }
}

/// Constant-time selection and wiping for a point type with fields x, y, z.
macro_rules! xyz_traits {
    ($point:ident) => {
        impl<const N: usize, C: CurveParams<N>> ConditionallySelectable for $point<N, C> {
            fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
                $point {
                    x: Fe::conditional_select(&a.x, &b.x, choice),
                    y: Fe::conditional_select(&a.y, &b.y, choice),
                    z: Fe::conditional_select(&a.z, &b.z, choice),
                }
            }
        }

        impl<const N: usize, C: CurveParams<N>> zeroize::Zeroize for $point<N, C> {
            fn zeroize(&mut self) {
                self.x.zeroize();
                self.y.zeroize();
                self.z.zeroize();
            }
        }
    };
}

xyz_traits!(Projective);
xyz_traits!(Jacobian);

/// A point in Jacobian coordinates for variable-time arithmetic on public
/// data; `z = 0` is the point at infinity.
#[derive(Clone, Copy)]
pub(crate) struct Jacobian<const N: usize, C: CurveParams<N>> {
    pub(crate) x: Fe<N, C::F>,
    pub(crate) y: Fe<N, C::F>,
    pub(crate) z: Fe<N, C::F>,
}

impl<const N: usize, C: CurveParams<N>> Jacobian<N, C> {
    /// The point at infinity.
    pub(crate) fn identity() -> Self {
        Jacobian {
            x: Fe::ONE,
            y: Fe::ONE,
            z: Fe::ZERO,
        }
    }

    /// Lifts an affine point.
    pub(crate) fn from_affine(p: &Affine<N, C>) -> Self {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }

    /// Whether this is the point at infinity.
    pub(crate) fn is_identity(&self) -> bool {
        self.z.is_zero_vartime()
    }

    /// −P.
    pub(crate) fn neg(&self) -> Self {
        Jacobian {
            x: self.x,
            y: self.y.neg(),
            z: self.z,
        }
    }

    /// 2P (dbl-2001-b for a = −3, dbl-2007-bl otherwise).
    pub(crate) fn double(&self) -> Self {
        if self.is_identity() {
            return *self;
        }
        if C::A_IS_MINUS_3 {
            let delta = self.z.square();
            let gamma = self.y.square();
            let beta = self.x.mul(&gamma);
            let t = self.x.sub(&delta).mul(&self.x.add(&delta));
            let alpha = t.double().add(&t);
            let beta4 = beta.double().double();
            let x3 = alpha.square().sub(&beta4.double());
            let z3 = self.y.add(&self.z).square().sub(&gamma).sub(&delta);
            let gamma2 = gamma.square();
            let y3 = alpha
                .mul(&beta4.sub(&x3))
                .sub(&gamma2.double().double().double());
            Jacobian {
                x: x3,
                y: y3,
                z: z3,
            }
        } else {
            let xx = self.x.square();
            let yy = self.y.square();
            let yyyy = yy.square();
            let zz = self.z.square();
            let s = self.x.add(&yy).square().sub(&xx).sub(&yyyy).double();
            let m = xx.double().add(&xx).add(&zz.square().mul(&C::A));
            let t = m.square().sub(&s.double());
            let y3 = m.mul(&s.sub(&t)).sub(&yyyy.double().double().double());
            let z3 = self.y.add(&self.z).square().sub(&yy).sub(&zz);
            Jacobian { x: t, y: y3, z: z3 }
        }
    }

    /// P + Q (add-2007-bl), handling every special case.
    pub(crate) fn add(&self, rhs: &Self) -> Self {
        if self.is_identity() {
            return *rhs;
        }
        if rhs.is_identity() {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = rhs.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = rhs.x.mul(&z1z1);
        let s1 = self.y.mul(&rhs.z).mul(&z2z2);
        let s2 = rhs.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&u1);
        let r = s2.sub(&s1).double();
        if h.is_zero_vartime() {
            return if r.is_zero_vartime() {
                self.double()
            } else {
                Self::identity()
            };
        }
        let i = h.double().square();
        let j = h.mul(&i);
        let v = u1.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&s1.mul(&j).double());
        let z3 = self.z.add(&rhs.z).square().sub(&z1z1).sub(&z2z2).mul(&h);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// P + Q with Q affine (madd-2007-bl), handling every special case.
    pub(crate) fn add_affine(&self, rhs: &Affine<N, C>) -> Self {
        if self.is_identity() {
            return Self::from_affine(rhs);
        }
        let [z1z1, h, r] = self.madd_start(rhs);
        if h.is_zero_vartime() {
            return if r.is_zero_vartime() {
                self.double()
            } else {
                Self::identity()
            };
        }
        self.madd_finish(&z1z1, &h, &r)
    }

    /// P + Q with Q affine by madd-2007-bl **without** special cases:
    /// constant-time, and correct only when P ≠ O, P ≠ ±Q. The caller
    /// guarantees that (see `mul::safe_rows`).
    pub(crate) fn add_affine_incomplete(&self, rhs: &Affine<N, C>) -> Self {
        let [z1z1, h, r] = self.madd_start(rhs);
        self.madd_finish(&z1z1, &h, &r)
    }

    /// The first half of madd-2007-bl: Z1², H = U2 − X1 and R = 2·(S2 − Y1).
    /// H = 0 means Q = ±P (R = 0 tells which).
    #[inline(always)]
    fn madd_start(&self, rhs: &Affine<N, C>) -> [Fe<N, C::F>; 3] {
        let z1z1 = self.z.square();
        let u2 = rhs.x.mul(&z1z1);
        let s2 = rhs.y.mul(&self.z).mul(&z1z1);
        [z1z1, u2.sub(&self.x), s2.sub(&self.y).double()]
    }

    /// The second half of madd-2007-bl, from Z1², H and R.
    #[inline(always)]
    fn madd_finish(&self, z1z1: &Fe<N, C::F>, h: &Fe<N, C::F>, r: &Fe<N, C::F>) -> Self {
        let hh = h.square();
        let i = hh.double().double();
        let j = h.mul(&i);
        let v = self.x.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&self.y.mul(&j).double());
        let z3 = self.z.add(h).square().sub(z1z1).sub(&hh);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// The affine point, or `None` at infinity.
    #[cfg(test)]
    pub(crate) fn to_affine(self) -> Option<Affine<N, C>> {
        if self.is_identity() {
            return None;
        }
        let zi = self.z.invert();
        let zi2 = zi.square();
        Some(Affine {
            x: self.x.mul(&zi2),
            y: self.y.mul(&zi2).mul(&zi),
        })
    }

    /// The same point in homogeneous coordinates: (X·Z : Y : Z³).
    pub(crate) fn to_projective(self) -> Projective<N, C> {
        let zz = self.z.square();
        Projective::from_parts(self.x.mul(&self.z), self.y, zz.mul(&self.z))
    }
}
