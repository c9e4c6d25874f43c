//! The elliptic curves of GOST R 34.10-2012 and the operations on them.
//!
//! Twelve production parameter sets name seven distinct curves (nine with
//! the two test curves), which run on seven field implementations. Each curve is a zero-sized type implementing
//! [`CurveParams`]; the generic code in [`field`], [`point`] and [`mul`] is
//! monomorphised for it, so constants are inlined and each curve gets its own
//! specialised arithmetic. [`ops`] maps a [`ParamSet`] to its curve behind the
//! byte-level [`CurveOps`] interface the key types use.

mod constants;
mod edwards;
pub(crate) mod field;
mod mul;
mod point;
mod safegcd;

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::arith::{add_n, from_be_bytes, from_le_bytes, is_zero_vartime, lt_vartime, sub_n};
use crate::{Error, ParamSet};
use field::{Fe, FieldParams};
use point::Affine;

pub(crate) use mul::Tables;

/// A short Weierstrass curve y² = x³ + a·x + b over `F` with a base point G
/// of prime order q (the modulus of `S`).
pub(crate) trait CurveParams<const N: usize>:
    'static + Copy + Default + Send + Sync
{
    /// The base field.
    type F: FieldParams<N>;
    /// The scalar field, modulo the group order q.
    type S: FieldParams<N>;
    /// Coefficient a.
    const A: Fe<N, Self::F>;
    /// Coefficient b.
    const B: Fe<N, Self::F>;
    /// 3·b, used by the complete formulas.
    const B3: Fe<N, Self::F> = Self::B.add(&Self::B).add(&Self::B);
    /// Whether a = −3, which allows cheaper formulas.
    const A_IS_MINUS_3: bool;
    /// The base point's x.
    const GX: Fe<N, Self::F>;
    /// The base point's y.
    const GY: Fe<N, Self::F>;
    /// The cofactor: 1, or 4 for the twisted Edwards curves.
    const COFACTOR: u64;
    /// The precomputed tables of G, built on first use.
    fn tables() -> &'static Tables<N, Self>;
}

/// The byte-level operations of one curve. Scalars, coordinates and r, s are
/// big-endian and exactly as wide as the field; digests are the hash output
/// bytes (read little-endian).
pub(crate) trait CurveOps: Sync {
    /// Whether 1 ≤ k < q (constant-time in k).
    fn scalar_in_range(&self, k: &[u8]) -> bool;
    /// `out = wide mod q` for a 2·len-byte big-endian `wide`; false if zero.
    fn reduce_wide(&self, wide: &[u8], out: &mut [u8]) -> bool;
    /// `out = a·b⁻¹ mod q` for len-byte big-endian `a` and `b` (any values,
    /// reduced first; constant-time in both); false if the result is zero
    /// (a ≡ 0 or b ≡ 0).
    fn div_scalars(&self, a: &[u8], b: &[u8], out: &mut [u8]) -> bool;
    /// Q = d·G (constant-time in d).
    fn public_key(&self, d: &[u8], x: &mut [u8], y: &mut [u8]);
    /// Checks that (x, y) is a point of order q.
    fn validate_public(&self, x: &[u8], y: &[u8]) -> Result<(), Error>;
    /// One signing attempt with nonce k; false if r or s came out zero.
    fn sign(&self, d: &[u8], digest: &[u8], k: &[u8], r: &mut [u8], s: &mut [u8]) -> bool;
    /// Verifies (r, s) over the digest with the public key (x, y).
    fn verify(&self, x: &[u8], y: &[u8], digest: &[u8], r: &[u8], s: &[u8]) -> Result<(), Error>;
}

/// The implementation of one curve.
struct Curve<const N: usize, C: CurveParams<N>>(C);

type Scalar<const N: usize, C> = Fe<N, <C as CurveParams<N>>::S>;
type Base<const N: usize, C> = Fe<N, <C as CurveParams<N>>::F>;

impl<const N: usize, C: CurveParams<N>> Curve<N, C> {
    /// e = digest (little-endian) mod q, or 1 if that is zero.
    fn digest_scalar(digest: &[u8]) -> Scalar<N, C> {
        let e = Scalar::<N, C>::from_uint_reduced(&from_le_bytes::<N>(digest));
        if e.is_zero_vartime() {
            Scalar::<N, C>::ONE
        } else {
            e
        }
    }

    fn parse_point(x: &[u8], y: &[u8]) -> Result<Affine<N, C>, Error> {
        let x = Base::<N, C>::from_be_bytes(x).ok_or(Error::PublicKeyCoordinate)?;
        let y = Base::<N, C>::from_be_bytes(y).ok_or(Error::PublicKeyCoordinate)?;
        Ok(Affine { x, y })
    }

    /// Finishes a signature from the x-coordinate of k·G: r = x mod q and
    /// s = r·d + k·e mod q, written big-endian; false if r or s is zero.
    /// Constant-time; the secret intermediates are wiped.
    fn finish_signature(
        x: &Base<N, C>,
        d: &[u64; N],
        k: &[u64; N],
        digest: &[u8],
        r_out: &mut [u8],
        s_out: &mut [u8],
    ) -> bool {
        // x < p < 2^(64N), which the reduction accepts.
        let r = Scalar::<N, C>::from_uint_reduced(&x.to_canonical());
        let mut d_s = Scalar::<N, C>::from_uint_reduced(d);
        let mut k_s = Scalar::<N, C>::from_uint_reduced(k);
        let e = Self::digest_scalar(digest);
        let s = r.mul(&d_s).add(&k_s.mul(&e));
        r.write_be_bytes(r_out);
        s.write_be_bytes(s_out);
        d_s.zeroize();
        k_s.zeroize();
        !bool::from(r.is_zero() | s.is_zero())
    }

    /// Checks 1 ≤ r, s < q and returns r and the verification scalars
    /// z1 = s/e, z2 = −r/e (mod q).
    #[allow(
        clippy::type_complexity,
        reason = "three limb arrays, named at the call site"
    )]
    fn verify_scalars(
        r: &[u8],
        s: &[u8],
        digest: &[u8],
    ) -> Result<([u64; N], [u64; N], [u64; N]), Error> {
        let r_int = from_be_bytes::<N>(r);
        let s_int = from_be_bytes::<N>(s);
        if !Self::in_range_vartime(&r_int) || !Self::in_range_vartime(&s_int) {
            return Err(Error::SignatureRange);
        }
        let v = Self::digest_scalar(digest).invert_vartime();
        let z1 = Scalar::<N, C>::from_uint_reduced(&s_int).mul(&v);
        let z2 = Scalar::<N, C>::from_uint_reduced(&r_int).mul(&v).neg();
        Ok((r_int, z1.to_canonical(), z2.to_canonical()))
    }

    /// Whether x(C) mod q = r, given a test of x(C) = cand: x(C) < p, so the
    /// candidates are r, r + q, r + 2q, … below p.
    fn x_mod_q_is(r: &[u64; N], mut x_is: impl FnMut(&Base<N, C>) -> bool) -> bool {
        let mut cand = *r;
        while lt_vartime(&cand, &C::F::P) {
            if x_is(&Base::<N, C>::from_canonical_const(&cand)) {
                return true;
            }
            let (next, carry) = add_n(&cand, &C::S::P);
            if carry != 0 {
                return false;
            }
            cand = next;
        }
        false
    }

    /// Whether 1 ≤ v < q, variable time (public values).
    fn in_range_vartime(v: &[u64; N]) -> bool {
        !is_zero_vartime(v) && lt_vartime(v, &C::S::P)
    }
}

impl<const N: usize, C: CurveParams<N>> CurveOps for Curve<N, C> {
    fn scalar_in_range(&self, k: &[u8]) -> bool {
        let mut v = from_be_bytes::<N>(k);
        let below_q = sub_n(&v, &C::S::P).1;
        let mut any = 0u64;
        for l in &v {
            any |= *l;
        }
        let ok = below_q.ct_eq(&1) & !any.ct_eq(&0);
        v.zeroize();
        ok.into()
    }

    fn reduce_wide(&self, wide: &[u8], out: &mut [u8]) -> bool {
        let len = 8 * N;
        let mut hi = from_be_bytes::<N>(&wide[..len]);
        let mut lo = from_be_bytes::<N>(&wide[len..]);
        let mut v = Scalar::<N, C>::from_wide_reduced(&hi, &lo);
        v.write_be_bytes(out);
        let nonzero = !bool::from(v.is_zero());
        hi.zeroize();
        lo.zeroize();
        v.zeroize();
        nonzero
    }

    fn div_scalars(&self, a: &[u8], b: &[u8], out: &mut [u8]) -> bool {
        let zero = [0u64; N];
        let mut a_int = from_be_bytes::<N>(a);
        let mut b_int = from_be_bytes::<N>(b);
        let mut a_s = Scalar::<N, C>::from_wide_reduced(&zero, &a_int);
        let mut b_inv = Scalar::<N, C>::from_wide_reduced(&zero, &b_int).invert();
        let mut v = a_s.mul(&b_inv);
        v.write_be_bytes(out);
        let nonzero = !bool::from(v.is_zero());
        a_int.zeroize();
        b_int.zeroize();
        a_s.zeroize();
        b_inv.zeroize();
        v.zeroize();
        nonzero
    }

    fn public_key(&self, d: &[u8], x: &mut [u8], y: &mut [u8]) {
        let mut k = from_be_bytes::<N>(d);
        let mut p = mul::mul_base::<N, C>(&k);
        k.zeroize();
        // d ∈ [1, q−1], so d·G is never infinity.
        if let Some(a) = p.to_affine() {
            a.x.write_be_bytes(x);
            a.y.write_be_bytes(y);
        }
        p.zeroize();
    }

    fn validate_public(&self, x: &[u8], y: &[u8]) -> Result<(), Error> {
        let p = Self::parse_point(x, y)?;
        if !p.is_on_curve() {
            return Err(Error::PublicKeyNotOnCurve);
        }
        // An affine point on the curve is never infinity; a cofactor-4 curve
        // also has points of order 2 and 4 (and multiples mixing them in).
        if C::COFACTOR != 1 && !mul::mul_vartime(&C::S::P, &p).is_identity() {
            return Err(Error::PublicKeySubgroup);
        }
        Ok(())
    }

    fn sign(&self, d: &[u8], digest: &[u8], k: &[u8], r_out: &mut [u8], s_out: &mut [u8]) -> bool {
        let mut d_int = from_be_bytes::<N>(d);
        let mut k_int = from_be_bytes::<N>(k);
        let mut kg = mul::mul_base::<N, C>(&k_int);
        let ok = match kg.to_affine() {
            Some(c) => Self::finish_signature(&c.x, &d_int, &k_int, digest, r_out, s_out),
            None => false,
        };
        d_int.zeroize();
        k_int.zeroize();
        kg.zeroize();
        ok
    }

    fn verify(&self, x: &[u8], y: &[u8], digest: &[u8], r: &[u8], s: &[u8]) -> Result<(), Error> {
        let (r_int, z1, z2) = Self::verify_scalars(r, s, digest)?;
        let q = Self::parse_point(x, y)?;
        let c = mul::mul_double_vartime(&z1, &z2, &q);
        if c.is_identity() {
            return Err(Error::SignatureInvalid);
        }
        // x(C) = X/Z², so x(C) = cand ⇔ X = cand·Z²: no inversion.
        let zz = c.z.square();
        if Self::x_mod_q_is(&r_int, |cand| cand.mul(&zz).eq_vartime(&c.x)) {
            Ok(())
        } else {
            Err(Error::SignatureInvalid)
        }
    }
}

/// The operations for a parameter set.
pub(crate) fn ops(params: ParamSet) -> &'static dyn CurveOps {
    use constants::*;
    match params {
        ParamSet::Test256 => &Curve::<4, CurveTest256>(CurveTest256),
        ParamSet::CryptoProA | ParamSet::CryptoProXchA | ParamSet::Tc26B256 => {
            &Curve::<4, CurveCryptoProA>(CurveCryptoProA)
        }
        ParamSet::CryptoProB | ParamSet::Tc26C256 => &Curve::<4, CurveCryptoProB>(CurveCryptoProB),
        ParamSet::CryptoProC | ParamSet::CryptoProXchB | ParamSet::Tc26D256 => {
            &Curve::<4, CurveCryptoProC>(CurveCryptoProC)
        }
        ParamSet::Tc26A256 => &edwards::EdwardsCurve::<4, CurveTc26A256>(CurveTc26A256),
        ParamSet::Test512 => &Curve::<8, CurveTest512>(CurveTest512),
        ParamSet::Tc26A512 => &Curve::<8, CurveTc26A512>(CurveTc26A512),
        ParamSet::Tc26B512 => &Curve::<8, CurveTc26B512>(CurveTc26B512),
        ParamSet::Tc26C512 => &edwards::EdwardsCurve::<8, CurveTc26C512>(CurveTc26C512),
    }
}

#[cfg(test)]
mod tests;
