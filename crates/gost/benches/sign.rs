//! GOST R 34.10-2012 signing, one benchmark per production parameter set
//! (the figure `podpis speed` reports as sign/s and `bench/compare` holds
//! against OpenSSL's GOST engine).
//!
//! Run: `cargo bench -p podpis-gost --bench sign` (one set: `-- sign/256-A`).
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

fn bench_sign(c: &mut Criterion) {
    let mut group = c.benchmark_group("sign");
    for params in ParamSet::PRODUCTION {
        let key = SigningKey::generate(params).expect("key generation");
        let digest = fixed_digest(params);
        // Builds any lazily computed tables before the clock starts.
        key.sign_digest(&digest).expect("signing");
        group.bench_function(params.label(), |b| {
            b.iter(|| key.sign_digest(black_box(&digest)).expect("signing"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_sign);
criterion_main!(benches);
