//! Streebog throughput on 16 KiB messages, ours and RustCrypto's
//! `streebog` side by side, plus HMAC and PBKDF2 costs.
//!
//! Run: `cargo bench -p podpis-gost --bench hash`.
//!
//! The figure to compare with is OpenSSL's GOST engine (`md_gost12_256` /
//! `md_gost12_512`) hashing the same 16 KiB buffer through
//! `EVP_DigestInit_ex`/`Update`/`Final_ex` with the engine loaded
//! (`openssl speed -evp md_gost12_256` does not find engine digests in
//! OpenSSL 3). On a shared machine measure both in one process, alternating,
//! and compare the best runs: load swings absolute numbers by 2x.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use digest::Digest;
use gost::kdf::pbkdf2_streebog512;
use gost::mac::hmac_streebog512;
use gost::streebog::{Streebog256, Streebog512};
use std::hint::black_box;

const LEN: usize = 16 * 1024;

fn message() -> Vec<u8> {
    (0..LEN).map(|i| (i as u8).wrapping_mul(7)).collect()
}

fn bench_streebog(c: &mut Criterion) {
    let msg = message();
    let mut g = c.benchmark_group("streebog-16KiB");
    g.throughput(Throughput::Bytes(LEN as u64));
    g.bench_function("podpis-256", |b| {
        b.iter(|| Streebog256::digest(black_box(&msg)))
    });
    g.bench_function("podpis-512", |b| {
        b.iter(|| Streebog512::digest(black_box(&msg)))
    });
    g.bench_function("rustcrypto-256", |b| {
        b.iter(|| streebog::Streebog256::digest(black_box(&msg)))
    });
    g.bench_function("rustcrypto-512", |b| {
        b.iter(|| streebog::Streebog512::digest(black_box(&msg)))
    });
    g.finish();
}

fn bench_mac_kdf(c: &mut Criterion) {
    let mut g = c.benchmark_group("mac-kdf");
    g.bench_function("hmac-streebog512-64B", |b| {
        b.iter(|| hmac_streebog512(black_box(b"key"), &[black_box(&[7u8; 64])]))
    });
    g.bench_function("pbkdf2-streebog512-1000-iterations", |b| {
        b.iter(|| {
            let mut out = [0u8; 32];
            pbkdf2_streebog512(black_box(b"password"), b"salt", 1000, &mut out).map(|()| out)
        })
    });
    g.finish();
}

criterion_group!(benches, bench_streebog, bench_mac_kdf);
criterion_main!(benches);
