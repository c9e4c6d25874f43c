//! The container's costs, against the raw `gost` crate:
//!
//! * `sign/raw-256-A` vs `sign/container-256-A`: signing a digest with a
//!   key held in memory and with the same kind of key through an unlocked
//!   container's `Signer` (target: within 10%);
//! * `unlock/default-params`: one login with the default, deliberately
//!   costly Argon2id parameters (what a PIN guess costs an attacker with a
//!   copy of the file).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gost::{ParamSet, SigningKey};
use pki::Signer;
use token::container::{Container, ContainerParams};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let digest = [0x42u8; 32];

    let raw = SigningKey::generate(ParamSet::CryptoProA).unwrap();
    let cheap = Container::create(
        dir.path().join("cheap.pdp"),
        "1234",
        "87654321",
        ContainerParams::insecure_for_tests(),
    )
    .unwrap();
    let session = cheap.login("1234").unwrap();
    let id = session
        .generate_key(ParamSet::CryptoProA, "bench", false)
        .unwrap();
    let signer = session.signer(&id).unwrap();

    let mut group = c.benchmark_group("sign");
    group.bench_function("raw-256-A", |b| {
        b.iter(|| raw.sign_digest(black_box(&digest)).unwrap())
    });
    group.bench_function("container-256-A", |b| {
        b.iter(|| signer.sign_digest(black_box(&digest)).unwrap())
    });
    group.finish();

    let costly = Container::create(
        dir.path().join("costly.pdp"),
        "1234",
        "87654321",
        ContainerParams::default(),
    )
    .unwrap();
    let mut group = c.benchmark_group("unlock");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("default-params", |b| {
        b.iter(|| costly.login(black_box("1234")).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
