//! GOST R 34.10-2012 verification, one benchmark per production parameter
//! set (the figure `podpis speed` reports as verify/s and `bench/compare`
//! holds against OpenSSL's GOST engine).
//!
//! Run: `cargo bench -p podpis-gost --bench verify` (one set: `-- verify/512-A`).
#![allow(missing_docs)]
// Setup that fails leaves nothing to measure; stopping loudly is right.
#![allow(clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use digest::Digest;
use gost::streebog::{Streebog256, Streebog512};
use gost::{ParamSet, SigningKey};

/// A fixed digest as wide as the parameter set signs: Streebog of a constant.
fn fixed_digest(params: ParamSet) -> Vec<u8> {
    match params.field_bytes() {
        32 => Streebog256::digest(b"podpis bench").to_vec(),
        _ => Streebog512::digest(b"podpis bench").to_vec(),
    }
}

fn bench_verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    for params in ParamSet::PRODUCTION {
        let key = SigningKey::generate(params).expect("key generation");
        let public = key.verifying_key();
        let digest = fixed_digest(params);
        let signature = key.sign_digest(&digest).expect("signing");
        // Checks the pair and builds any lazily computed tables before the
        // clock starts.
        public
            .verify_digest(&digest, &signature)
            .expect("a fresh signature verifies");
        group.bench_function(params.label(), |b| {
            b.iter(|| {
                public
                    .verify_digest(black_box(&digest), black_box(&signature))
                    .expect("verification")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
