//! Internal tests: field arithmetic against big-integer reference
//! arithmetic, the domain parameters, and scalar multiplication paths
//! against each other.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use num_bigint::BigUint;
use proptest::prelude::*;
use subtle::ConstantTimeEq;

use super::constants::*;
use super::field::{Fe, FieldParams};
use super::point::{Affine, Projective};
use super::{CurveParams, mul};

fn big<const N: usize>(limbs: &[u64; N]) -> BigUint {
    let mut bytes = Vec::with_capacity(8 * N);
    for l in limbs {
        bytes.extend_from_slice(&l.to_le_bytes());
    }
    BigUint::from_bytes_le(&bytes)
}

fn limbs<const N: usize>(v: &BigUint) -> [u64; N] {
    let mut bytes = v.to_bytes_le();
    bytes.resize(8 * N, 0);
    crate::arith::from_le_bytes(&bytes)
}

/// Checks every field operation on (a, b) against BigUint arithmetic.
fn check_field<const N: usize, F: FieldParams<N>>(a: [u64; N], b: [u64; N]) {
    let p = big(&F::P);
    let (ab, bb) = (big(&a) % &p, big(&b) % &p);
    let x = Fe::<N, F>::from_uint_reduced(&a);
    let y = Fe::<N, F>::from_uint_reduced(&b);
    assert_eq!(big(&x.to_canonical()), ab);
    assert_eq!(big(&x.add(&y).to_canonical()), (&ab + &bb) % &p);
    assert_eq!(big(&x.sub(&y).to_canonical()), (&ab + &p - &bb) % &p);
    assert_eq!(big(&x.mul(&y).to_canonical()), (&ab * &bb) % &p);
    assert_eq!(big(&x.square().to_canonical()), (&ab * &ab) % &p);
    assert_eq!(big(&x.neg().to_canonical()), (&p - &ab) % &p);
    for inv in [x.invert(), x.invert_vartime(), x.invert_fermat()] {
        if ab == BigUint::from(0u8) {
            assert!(inv.is_zero_vartime());
        } else {
            assert_eq!(big(&inv.mul(&x).to_canonical()), BigUint::from(1u8));
        }
    }
    // Operations on a result that may be only partially reduced (for a
    // pseudo-Mersenne field, x + y can land in [p, 2^(64N))).
    let z = x.add(&y);
    let zb = (&ab + &bb) % &p;
    assert_eq!(big(&z.mul(&y).to_canonical()), (&zb * &bb) % &p);
    assert_eq!(big(&z.square().to_canonical()), (&zb * &zb) % &p);
    assert_eq!(big(&z.sub(&x).to_canonical()), bb);
    assert_eq!(big(&x.sub(&z).to_canonical()), (&p - &bb) % &p);
    assert_eq!(big(&z.add(&z).to_canonical()), (&zb + &zb) % &p);
    assert_eq!(big(&z.neg().to_canonical()), (&p - &zb) % &p);
    assert!(z.eq_vartime(&y.add(&x)));
    assert!(bool::from(z.ct_eq(&Fe::from_uint_reduced(&limbs(&zb)))));
    assert_eq!(z.is_zero_vartime(), zb == BigUint::from(0u8));
    if zb != BigUint::from(0u8) {
        assert_eq!(big(&z.invert().mul(&z).to_canonical()), BigUint::from(1u8));
    }
    // Wide reduction: (a·2^(64N) + b) mod p.
    let w = Fe::<N, F>::from_wide_reduced(&a, &b);
    let expected = ((big(&a) << (64 * N)) + big(&b)) % &p;
    assert_eq!(big(&w.to_canonical()), expected);
}

/// Edge values: 0, 1, p−1, p, p+1, 2^(64N)−1, and the given randoms.
fn field_cases<const N: usize, F: FieldParams<N>>(seeds: &[[u64; N]]) {
    let p = big(&F::P);
    let max = (BigUint::from(1u8) << (64 * N)) - 1u8;
    let mut vals: Vec<[u64; N]> = [0u8, 1].iter().map(|&v| limbs(&BigUint::from(v))).collect();
    for v in [&p - 1u8, p.clone(), &p + 1u8, max] {
        if v.bits() <= 64 * N as u64 {
            vals.push(limbs(&v));
        }
    }
    vals.extend_from_slice(seeds);
    for a in &vals {
        for b in &vals {
            check_field::<N, F>(*a, *b);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn fields_256(a in any::<[u64; 4]>(), b in any::<[u64; 4]>()) {
        field_cases::<4, Fp256Pm>(&[a, b]);
        field_cases::<4, FpTest256>(&[a, b]);
        field_cases::<4, FpCryptoProB>(&[a, b]);
        field_cases::<4, FpCryptoProC>(&[a, b]);
        field_cases::<4, FqCryptoProA>(&[a, b]);
        field_cases::<4, FqTc26A256>(&[a, b]);
    }

    #[test]
    fn fields_512(a in any::<[u64; 8]>(), b in any::<[u64; 8]>()) {
        field_cases::<8, Fp512Pm>(&[a, b]);
        field_cases::<8, FpTest512>(&[a, b]);
        field_cases::<8, FpTc26B512>(&[a, b]);
        field_cases::<8, FqTc26C512>(&[a, b]);
    }

    #[test]
    fn base_mul_paths_agree_256(k in any::<[u64; 4]>()) {
        base_mul_agrees::<4, CurveCryptoProA>(k);
        base_mul_agrees::<4, CurveTc26A256>(k);
        base_mul_agrees::<4, CurveCryptoProB>(k);
    }

    #[test]
    fn base_mul_paths_agree_512(k in any::<[u64; 8]>()) {
        base_mul_agrees::<8, CurveTc26A512>(k);
        base_mul_agrees::<8, CurveTc26C512>(k);
    }
}

/// k·G by the constant-time comb equals k·G by the variable-time NAF path,
/// and the double-scalar path with one scalar zero.
fn base_mul_agrees<const N: usize, C: CurveParams<N>>(k: [u64; N]) {
    // Reduce k mod q so both paths see a scalar below q.
    let k = Fe::<N, C::S>::from_uint_reduced(&k).to_canonical();
    let g = Affine::<N, C>::generator();
    let a = mul::mul_base::<N, C>(&k).to_affine();
    let b = mul::mul_vartime(&k, &g).to_affine();
    let c = mul::mul_double_vartime(&k, &[0; N], &g).to_affine();
    let d = mul::mul_double_vartime(&[0; N], &k, &g).to_affine();
    match (a, b, c, d) {
        (None, None, None, None) => {}
        (Some(a), Some(b), Some(c), Some(d)) => {
            for o in [&b, &c, &d] {
                assert!(a.x.eq_vartime(&o.x) && a.y.eq_vartime(&o.y));
            }
            assert!(a.is_on_curve());
        }
        _ => panic!("one path returned infinity"),
    }
}

fn check_curve<const N: usize, C: CurveParams<N>>() {
    let g = Affine::<N, C>::generator();
    assert!(g.is_on_curve(), "G not on curve");
    // q·G = O
    assert!(mul::mul_vartime(&C::S::P, &g).is_identity(), "q·G ≠ O");
    // (q−1)·G = −G
    let qm1 = crate::arith::sub_n(&C::S::P, &{
        let mut one = [0u64; N];
        one[0] = 1;
        one
    })
    .0;
    let m = mul::mul_base::<N, C>(&qm1).to_affine().unwrap();
    assert!(m.x.eq_vartime(&g.x) && m.y.eq_vartime(&g.y.neg()));
    // The a = −3 flag and the pseudo-Mersenne constant are right.
    let minus3 = Fe::<N, C::F>::ONE.add(&Fe::ONE).add(&Fe::ONE).neg();
    assert_eq!(C::A.eq_vartime(&minus3), C::A_IS_MINUS_3);
    if C::F::PM_C != 0 {
        let p = big(&C::F::P);
        assert_eq!(p + C::F::PM_C, BigUint::from(1u8) << (64 * N));
    }
    // Doubling agrees with addition, and the complete formulas handle
    // P + P, P + (−P) and O + P.
    let gp = Projective::from_affine(&g);
    let d1 = gp.double().to_affine().unwrap();
    let d2 = gp.add(&gp).to_affine().unwrap();
    let d3 = gp.add_affine(&g).to_affine().unwrap();
    assert!(d1.x.eq_vartime(&d2.x) && d1.x.eq_vartime(&d3.x) && d1.y.eq_vartime(&d3.y));
    assert!(gp.add_affine(&g.neg()).to_affine().is_none());
    let o = Projective::<N, C>::identity()
        .add_affine(&g)
        .to_affine()
        .unwrap();
    assert!(o.x.eq_vartime(&g.x));
}

#[test]
fn domain_parameters() {
    check_curve::<4, CurveTest256>();
    check_curve::<4, CurveCryptoProA>();
    check_curve::<4, CurveCryptoProB>();
    check_curve::<4, CurveCryptoProC>();
    check_curve::<4, CurveTc26A256>();
    check_curve::<8, CurveTest512>();
    check_curve::<8, CurveTc26A512>();
    check_curve::<8, CurveTc26B512>();
    check_curve::<8, CurveTc26C512>();
}
