//! Issuance throughput on SQLite and on PostgreSQL (the local server, a
//! fresh database): `issue` — an approved request to a stored certificate
//! (CSR re-check, certificate signing, profile check, one transaction);
//! `pipeline` — submit, identify, approve and issue (four transactions).
//! Requests and keys are prepared outside the timed part. Results are in
//! docs/performance.md.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use ca::applicant::ApplicantForm;
use ca::identification::IdentificationRecord;
use ca::{Ca, InitParams, Operator, SystemClock};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use der::Encode;
use gost::{ParamSet, SigningKey};
use pki::KeySigner;
use pki::csr::CsrBuilder;
use pki::identifiers::{Inn, Ogrn};
use pki::profile::IdentificationKind;
use store::testing::TestDb;

fn person() -> ApplicantForm {
    ApplicantForm {
        kind: "person".into(),
        surname: Some("Иванов".into()),
        given_name: Some("Иван Иванович".into()),
        snils: Some("11223344595".into()),
        passport_series: Some("4510".into()),
        passport_number: Some("123456".into()),
        passport_issued: Some("2015-06-01".into()),
        ..Default::default()
    }
}

fn csr() -> Vec<u8> {
    let key = KeySigner::new(SigningKey::generate(ParamSet::Tc26A256).unwrap());
    CsrBuilder::new(pki::name::parse_name("CN=x,C=RU").unwrap())
        .build(&key)
        .unwrap()
        .to_der()
        .unwrap()
}

fn identification() -> IdentificationRecord {
    IdentificationRecord {
        method: IdentificationKind::Personal,
        document_type: "паспорт РФ".into(),
        document_number: "4510 123456".into(),
    }
}

async fn new_ca(db: &TestDb) -> Ca {
    let store = db.open().await;
    let root = KeySigner::new(SigningKey::generate(ParamSet::Tc26A256).unwrap());
    let issuing = Arc::new(KeySigner::new(
        SigningKey::generate(ParamSet::Tc26A256).unwrap(),
    ));
    let operator = Operator {
        organisation: "АО «УЦ»".into(),
        ogrn: Ogrn::parse("1027700132195").unwrap(),
        innle: Inn::parse_legal_entity("7707083893").unwrap(),
        locality: None,
        street: None,
        email: None,
    };
    let mut params = InitParams::new(operator, "bench:root", "bench:issuing");
    params.settings.crl_urls = vec!["http://ca.example.ru/issuing.crl".into()];
    ca::init(
        &store,
        &params,
        &root,
        issuing.as_ref(),
        std::time::SystemTime::now(),
        "bench",
    )
    .await
    .unwrap();
    Ca::open(store, Arc::new(SystemClock))
        .await
        .unwrap()
        .with_signer(issuing)
        .unwrap()
}

async fn approved(ca: &Ca, csrs: Vec<Vec<u8>>) -> Vec<i64> {
    let mut ids = Vec::with_capacity(csrs.len());
    for csr in csrs {
        let r = ca.submit(&person(), &csr, "bench").await.unwrap();
        ca.identify(r.id, &identification(), "bench").await.unwrap();
        ca.approve(r.id, "bench").await.unwrap();
        ids.push(r.id);
    }
    ids
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("issuance");
    group
        .throughput(Throughput::Elements(1))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    for name in ["sqlite", "postgres"] {
        let db = rt.block_on(async {
            match name {
                "sqlite" => TestDb::sqlite(),
                _ => TestDb::postgres().await,
            }
        });
        let ca = rt.block_on(new_ca(&db));
        group.bench_function(format!("issue/{name}"), |b| {
            b.iter_custom(|iters| {
                let csrs: Vec<_> = (0..iters).map(|_| csr()).collect();
                rt.block_on(async {
                    let ids = approved(&ca, csrs).await;
                    let start = Instant::now();
                    for id in ids {
                        ca.issue(id, "bench").await.unwrap();
                    }
                    start.elapsed()
                })
            });
        });
        group.bench_function(format!("pipeline/{name}"), |b| {
            b.iter_custom(|iters| {
                let csrs: Vec<_> = (0..iters).map(|_| csr()).collect();
                rt.block_on(async {
                    let start = Instant::now();
                    for csr in csrs {
                        let r = ca.submit(&person(), &csr, "bench").await.unwrap();
                        ca.identify(r.id, &identification(), "bench").await.unwrap();
                        ca.approve(r.id, "bench").await.unwrap();
                        ca.issue(r.id, "bench").await.unwrap();
                    }
                    start.elapsed()
                })
            });
        });
        rt.block_on(ca.store().close());
        drop(db);
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
