//! The kill test (issue 5, "Faults and bad input"), CI-sized: a worker
//! process — this test binary run again with `PODPIS_KILL_WORKER` set —
//! issues certificates through the CA's whole workflow and revokes every
//! other one, printing each serial only after its transaction committed.
//! The parent `kill -9`s it at random moments, several times on SQLite and
//! on PostgreSQL, and after each kill checks:
//!
//! * no serial was acknowledged twice, and every acknowledged one is stored;
//! * every acknowledged revocation is in a freshly started OCSP responder's
//!   (signed, verified) answer and in the next CRL the publisher issues;
//! * the database is consistent: SQLite's integrity and foreign-key checks
//!   pass, every certificate has its `certificate.issued` journal entry and
//!   its request in state `issued`, every revoked one its journal entry.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ca::Ca;
use ca::crl_publisher::{CrlConfig, CrlPublisher};
use ca::ocsp_responder::{OcspConfig, OcspResponder};
use ca::status::{CertState, StatusSource, SystemClock};
use ca::store_status::StoreStatus;
use common::{fixture, in_person, person};
use gost::{ParamSet, SigningKey};
use pki::KeySigner;
use pki::crl::CrlReason;
use pki::ocsp::{CertId, CertIdHash, OcspCertStatus, OcspPolicy, RequestBuilder, verify_response};
use store::testing::TestDb;
use store::{CertStatus, JournalFilter, RequestState, Serial, Store};
use x509_cert::serial_number::SerialNumber;

const WORKER: &str = "PODPIS_KILL_WORKER";
const KEY: &str = "PODPIS_KILL_KEY";
/// Kills per database.
const ROUNDS: usize = 12;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A random number (std's per-instance SipHash keys are random).
fn random() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    h.finish()
}

/// The worker: issue, revoke every other certificate, acknowledge each
/// after its commit; forever (until killed). Not a test unless run by the
/// parent with the database URL in `PODPIS_KILL_WORKER`.
#[test]
fn kill_worker() {
    let Ok(url) = std::env::var(WORKER) else {
        return;
    };
    let key =
        SigningKey::from_bytes(ParamSet::Tc26A256, &unhex(&std::env::var(KEY).unwrap())).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = Store::open(&url).await.unwrap();
            let ca = Ca::open(store, Arc::new(SystemClock))
                .await
                .unwrap()
                .with_signer(Arc::new(KeySigner::new(key)))
                .unwrap();
            let mut out = std::io::stdout().lock();
            for i in 0u64.. {
                let applicant = KeySigner::new(SigningKey::generate(ParamSet::Tc26A256).unwrap());
                let r = ca
                    .submit(&person(), &common::csr(&applicant), "applicant")
                    .await
                    .unwrap();
                ca.identify(r.id, &in_person(), "operator1").await.unwrap();
                ca.approve(r.id, "operator1").await.unwrap();
                let cert = ca.issue(r.id, "operator1").await.unwrap();
                writeln!(out, "ACK ISSUED {}", cert.serial.to_hex()).unwrap();
                out.flush().unwrap();
                if i % 2 == 1 {
                    ca.revoke(&cert.serial, CrlReason::KeyCompromise, "operator1")
                        .await
                        .unwrap();
                    writeln!(out, "ACK REVOKED {}", cert.serial.to_hex()).unwrap();
                    out.flush().unwrap();
                }
            }
        });
}

/// What the workers acknowledged so far.
#[derive(Default)]
struct Acked {
    issued: Vec<Serial>,
    revoked: Vec<Serial>,
}

/// Runs the worker until a random moment after its first acknowledgement,
/// `kill -9`s it, and collects everything it acknowledged.
fn run_and_kill(url: &str, key_hex: &str, acked: &mut Acked) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "kill_worker",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(WORKER, url)
        .env(KEY, key_hex)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    // The first acknowledgement (the worker is up), then 20–400 ms more.
    let first = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("the worker acknowledged nothing in 30 s");
        });
    lines.push(first);
    std::thread::sleep(Duration::from_millis(20 + random() % 380));
    // SIGKILL (Child::kill is kill -9 on Unix).
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the worker was killed, not finished");
    reader.join().unwrap();
    lines.extend(rx.try_iter());
    for line in lines {
        let Some(rest) = line.strip_prefix("ACK ") else {
            continue;
        };
        let (what, serial) = rest.split_once(' ').unwrap();
        let serial = Serial::parse_hex(serial).unwrap();
        match what {
            "ISSUED" => acked.issued.push(serial),
            "REVOKED" => acked.revoked.push(serial),
            other => panic!("unexpected acknowledgement {other}"),
        }
    }
}

/// Waits until the database stops changing. A PostgreSQL server may still
/// be executing a COMMIT the killed worker sent just before it died (the
/// transaction then commits whole, a moment after the kill); SQLite's
/// writer died with the process.
async fn settle(ca: &Ca) {
    let snapshot = || async {
        let store = ca.store();
        (
            store.last_journal_id().await.unwrap(),
            store
                .certificate_counts(ca.issuing().record.id)
                .await
                .unwrap(),
        )
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = snapshot().await;
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = snapshot().await;
        if now == last || Instant::now() > deadline {
            return;
        }
        last = now;
    }
}

async fn check(name: &str, ca: &Ca, issuing_key: Arc<KeySigner>, acked: &Acked) {
    settle(ca).await;
    let store = ca.store();
    // The database itself.
    assert_eq!(
        store.integrity_check().await.unwrap(),
        Vec::<String>::new(),
        "{name}"
    );

    // No serial acknowledged twice; every acknowledged one is stored.
    let unique: HashSet<_> = acked.issued.iter().map(Serial::to_hex).collect();
    assert_eq!(
        unique.len(),
        acked.issued.len(),
        "{name}: a serial issued twice"
    );
    let ca_id = ca.issuing().record.id;
    let all = store.statuses(ca_id, None, 1_000_000).await.unwrap();
    let stored: HashSet<_> = all.iter().map(|s| s.serial.to_hex()).collect();
    assert_eq!(stored.len(), all.len(), "{name}: a serial stored twice");
    assert!(
        unique.is_subset(&stored),
        "{name}: an acknowledged certificate is missing"
    );

    // The journal and the requests agree with the certificates.
    let journal = store
        .journal(&JournalFilter {
            object_type: Some("certificate".into()),
            limit: Some(1_000_000),
            ..JournalFilter::default()
        })
        .await
        .unwrap();
    let entries: HashSet<(String, String)> = journal
        .iter()
        .map(|e| (e.action.clone(), e.object_id.to_lowercase()))
        .collect();
    for s in &all {
        let hex = s.serial.to_hex();
        assert!(
            entries.contains(&("certificate.issued".into(), hex.clone())),
            "{name}: certificate {hex} without its journal entry"
        );
        if s.status.status == CertStatus::Revoked {
            assert!(
                entries.contains(&("certificate.revoked".into(), hex.clone())),
                "{name}: revocation of {hex} without its journal entry"
            );
        }
        let record = store.certificate(&s.serial).await.unwrap().unwrap();
        let request = store
            .request(record.request_id.unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(request.state, RequestState::Issued, "{name}: {hex}");
    }
    let issued_entries = journal
        .iter()
        .filter(|e| e.action == "certificate.issued")
        .count();
    assert_eq!(
        issued_entries,
        all.len(),
        "{name}: journal entry without a certificate"
    );

    // Every acknowledged revocation: in the store's status, in a fresh
    // responder's signed answer, in the next CRL.
    let status = Arc::new(StoreStatus::new(
        store.clone(),
        ca.issuing(),
        ca.clock().clone(),
    ));
    let issuer = ca.issuing().cert.clone();
    let ocsp = Arc::new(
        OcspResponder::new(
            issuer.clone(),
            issuer.clone(),
            issuing_key.clone(),
            status.clone(),
            Arc::new(SystemClock),
            OcspConfig::default(),
        )
        .unwrap(),
    );
    ocsp.presign().await.unwrap();
    let crl = CrlPublisher::new(
        issuer.clone(),
        issuing_key,
        status.clone(),
        Arc::new(SystemClock),
        CrlConfig::default(),
    )
    .unwrap()
    .publish()
    .await
    .unwrap();
    let crl = pki::crl::Crl::from_der(&crl.der).unwrap();
    crl.verify_signature(&issuer).unwrap();
    let policy = OcspPolicy {
        require_nonce: false,
        ..OcspPolicy::default()
    };
    for serial in &acked.revoked {
        let sn = SerialNumber::new(serial.as_bytes()).unwrap();
        assert!(
            matches!(status.status(&sn).await.unwrap(), CertState::Revoked { .. }),
            "{name}: {serial}"
        );
        let req = RequestBuilder::new()
            .cert_id(CertId::new(&issuer, sn.clone(), CertIdHash::Sha1).unwrap())
            .build_der()
            .unwrap();
        let answer = ocsp.respond(&req).await;
        let st = verify_response(
            &answer.der,
            &issuer,
            &sn,
            None,
            std::time::SystemTime::now(),
            &policy,
        )
        .unwrap();
        assert!(
            matches!(st.status, OcspCertStatus::Revoked { .. }),
            "{name}: OCSP on {serial}"
        );
        assert!(crl.lookup(&sn).is_some(), "{name}: {serial} not in the CRL");
    }
    // Every CRL entry is a certificate of ours.
    for entry in crl.entries() {
        let serial = Serial::from_bytes(entry.serial.as_bytes()).unwrap();
        assert!(
            stored.contains(&serial.to_hex()),
            "{name}: CRL entry {serial} unknown"
        );
    }
}

async fn kill_rounds(db: TestDb) {
    let name = db.name();
    let fx = fixture(db).await;
    let key_hex = hex(&fx.issuing_key.key().to_bytes());
    let url = fx.db.url().to_owned();
    let mut acked = Acked::default();
    for round in 0..ROUNDS {
        let url = url.clone();
        let key_hex = key_hex.clone();
        let mut round_acked = Acked::default();
        round_acked = tokio::task::spawn_blocking(move || {
            run_and_kill(&url, &key_hex, &mut round_acked);
            round_acked
        })
        .await
        .unwrap();
        acked.issued.extend(round_acked.issued);
        acked.revoked.extend(round_acked.revoked);
        check(
            &format!("{name} round {round}"),
            &fx.ca,
            fx.issuing_key.clone(),
            &acked,
        )
        .await;
    }
    assert!(
        acked.issued.len() >= ROUNDS,
        "{name}: {} issued",
        acked.issued.len()
    );
    assert!(!acked.revoked.is_empty(), "{name}: nothing revoked");
    eprintln!(
        "{name}: {ROUNDS} kills, {} issued and {} revoked acknowledged",
        acked.issued.len(),
        acked.revoked.len()
    );
}

#[test]
fn kill_nine_during_issuance_and_revocation() {
    if std::env::var(WORKER).is_ok() {
        return;
    }
    let started = Instant::now();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            for db in TestDb::both().await {
                kill_rounds(db).await;
            }
        });
    eprintln!("kill test: {:?}", started.elapsed());
}
