//! Publication benchmarks (docs/performance.md):
//!
//! * `crl/build_1m`: build and sign a CRL with 1,000,000 revoked entries
//!   (target ≤ 5 s);
//! * `crl/publish_1m`: the same through the publisher: read the 1,000,000
//!   revoked certificates from the in-memory status index, build, sign,
//!   publish;
//! * `ocsp/hot`: answer a cached request (parse, look up, clone the bytes);
//! * `ocsp/sign`: sign one response (a miss, or a request with a nonce);
//! * `tsp/stamp`: answer a time-stamp request.
//!
//! `cargo bench -p podpis-ca --bench publication [-- FILTER]`
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/hierarchy/mod.rs"]
mod hierarchy;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ca::crl_publisher::{CrlConfig, CrlPublisher};
use ca::ocsp_responder::{OcspConfig, OcspResponder};
use ca::status::{MemoryStatus, SystemClock};
use ca::tsa::{MemoryCounter, Tsa, TsaConfig};
use criterion::{Criterion, criterion_group, criterion_main};
use der::Encode;
use gost::ParamSet;
use pki::algorithm::DigestAlgorithm;
use pki::crl::{CrlBuilder, CrlReason, RevokedEntry};
use pki::ocsp::{CertId, CertIdHash, RequestBuilder};
use pki::tsp::{MessageImprint, TimeStampReq};
use x509_cert::serial_number::SerialNumber;

/// 1,000,000 revoked entries with 16-byte serials, as the CA issues them,
/// every other one with a reason.
fn million_entries() -> Vec<RevokedEntry> {
    let t = SystemTime::now() - Duration::from_secs(3600);
    (0..1_000_000u64)
        .map(|i| {
            let mut serial = [0u8; 16];
            serial[0] = 0x40;
            serial[8..].copy_from_slice(&i.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes());
            RevokedEntry {
                serial: SerialNumber::new(&serial).unwrap(),
                revocation_date: t,
                reason: (i % 2 == 0).then_some(CrlReason::KeyCompromise),
                invalidity_date: None,
            }
        })
        .collect()
}

fn crl(c: &mut Criterion) {
    let h = hierarchy::Hierarchy::new(ParamSet::Tc26A256);
    let entries = million_entries();
    let mut group = c.benchmark_group("crl");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(40));
    group.bench_function("build_1m", |b| {
        b.iter(|| {
            let now = SystemTime::now();
            let der = CrlBuilder::new(&h.ca.cert, now)
                .next_update(now + Duration::from_secs(86400))
                .number(1)
                .entries(entries.iter().cloned())
                .build_der(h.ca.signer.as_ref())
                .unwrap();
            assert!(der.len() > 30_000_000);
            der
        })
    });
    let status = Arc::new(MemoryStatus::new());
    status.issue_all(entries.iter().map(|e| &e.serial));
    for e in &entries {
        status.revoke(&e.serial, e.revocation_date, e.reason);
    }
    let publisher = CrlPublisher::new(
        h.ca.cert.clone(),
        h.ca.signer.clone(),
        status,
        Arc::new(SystemClock),
        CrlConfig::default(),
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    group.bench_function("publish_1m", |b| {
        b.iter(|| {
            let crl = rt.block_on(publisher.publish()).unwrap();
            assert_eq!(crl.entries, 1_000_000);
            crl
        })
    });
    group.finish();
}

fn ocsp(c: &mut Criterion) {
    let h = hierarchy::Hierarchy::new(ParamSet::Tc26A256);
    let status = Arc::new(MemoryStatus::new());
    let serial = SerialNumber::from(0x1001u32);
    status.issue(&serial);
    let responder = Arc::new(
        OcspResponder::new(
            h.ca.cert.clone(),
            h.responder.cert.clone(),
            h.responder.signer.clone(),
            status,
            Arc::new(SystemClock),
            OcspConfig::default(),
        )
        .unwrap(),
    );
    let id = CertId::new(&h.ca.cert, serial, CertIdHash::Sha1).unwrap();
    let plain = RequestBuilder::new()
        .cert_id(id.clone())
        .build_der()
        .unwrap();
    let with_nonce = RequestBuilder::new()
        .cert_id(id)
        .random_nonce()
        .unwrap()
        .build_der()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(responder.respond(&plain));
    let mut group = c.benchmark_group("ocsp");
    group.bench_function("hot", |b| b.iter(|| rt.block_on(responder.respond(&plain))));
    group.bench_function("sign", |b| {
        b.iter(|| rt.block_on(responder.respond(&with_nonce)))
    });
    group.finish();
}

fn tsp(c: &mut Criterion) {
    let h = hierarchy::Hierarchy::new(ParamSet::Tc26A256);
    let tsa = Tsa::new(
        h.tsa.cert.clone(),
        h.tsa.signer.clone(),
        Arc::new(MemoryCounter::new(1)),
        Arc::new(SystemClock),
        TsaConfig::new(const_oid::ObjectIdentifier::new_unwrap("1.2.643.100.200.1")),
    )
    .unwrap();
    let imprint = MessageImprint::of(DigestAlgorithm::Streebog256, b"document").unwrap();
    let req = TimeStampReq::new(imprint, None).unwrap().to_der().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    c.bench_function("tsp/stamp", |b| b.iter(|| rt.block_on(tsa.respond(&req))));
}

criterion_group!(benches, crl, ocsp, tsp);
criterion_main!(benches);
