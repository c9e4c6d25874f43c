//! The publication services built from the store ([`ca::service`]), on
//! SQLite and PostgreSQL, driven by real clients with the GOST engine:
//! certificates issued through the CA's workflow, `openssl ocsp` good then
//! revoked right after `Ca::revoke` (the CA tells its listener), the CRL
//! fetched over HTTP checked by `openssl crl` and `openssl verify
//! -crl_check`, `openssl ts -verify` on a stamp numbered by the store
//! counter; the service certificates reused after a restart; and two
//! responders over one database, the second learning of a revocation by
//! polling the journal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../pki/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use ca::Ca;
use ca::http::{Publication, PublicationConfig};
use ca::server::ServerConfig;
use ca::service::{PublicationSetup, ServiceKind, publication_for};
use ca::status::{CertState, StatusSource};
use ca::store_status::{StoreCounter, StoreStatus};
use ca::tsa::SerialCounter;
use common::{Fixture, fixture, issue, key, other_person, person};
use const_oid::ObjectIdentifier;
use gost::ParamSet;
use pki::Signer;
use pki::crl::CrlReason;
use store::testing::TestDb;
use support::{openssl, run_ok};
use x509_cert::Certificate;
use x509_cert::serial_number::SerialNumber;

const POLICY: &str = "1.2.643.100.200.1";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn pem(cert: &Certificate) -> String {
    pki::cert::to_pem(cert).unwrap()
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The publication of a CA on 127.0.0.1.
struct Served {
    publication: Arc<Publication>,
    status: Arc<dyn StatusSource>,
    base: String,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn serve(
    ca: &Ca,
    ocsp: Arc<dyn Signer>,
    tsa: Arc<dyn Signer>,
    poll: Option<Duration>,
) -> Served {
    let setup = PublicationSetup {
        tsa_serial_block: 3,
        ..PublicationSetup::new(ObjectIdentifier::new_unwrap(POLICY))
    };
    let (publication, status) = publication_for(ca, Some(ocsp), Some(tsa), &setup)
        .await
        .unwrap();
    let config = PublicationConfig {
        poll_changes: poll,
        ..PublicationConfig::default()
    };
    let server = publication.server(&config, ServerConfig::default(), axum::Router::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut tasks = vec![tokio::spawn(async move {
        server
            .serve(listener, std::future::pending())
            .await
            .unwrap()
    })];
    tasks.extend(publication.start(status.clone(), &config).await.unwrap());
    Served {
        publication,
        status,
        base,
        tasks,
    }
}

impl Served {
    /// `openssl ocsp` for `cert` (a file in `dir`); its output.
    fn openssl_ocsp(&self, dir: &Path, cert: &str, extra: &[&str]) -> String {
        let out = openssl()
            .current_dir(dir)
            .arg("ocsp")
            .args(extra)
            .args(["-issuer", "ca.pem", "-cert", cert, "-CAfile", "chain.pem"])
            .args(["-url", &format!("{}/ocsp", self.base)])
            .output()
            .unwrap();
        let t = text(&out);
        assert!(out.status.success(), "{t}");
        t
    }

    /// The CRL over HTTP into `dir/name.der`, checked by `openssl crl`
    /// against the chain; its text.
    fn fetch_crl(&self, dir: &Path, name: &str) -> (String, PathBuf) {
        let der = dir.join(format!("{name}.der"));
        let out = run_ok(
            Command::new("curl")
                .args(["-s", "-S", "-f", "--max-time", "30", "-o"])
                .arg(&der)
                .arg(format!("{}/crl/ca.crl", self.base)),
        );
        assert!(out.status.success());
        let pem = dir.join(format!("{name}.pem"));
        let out = run_ok(
            openssl()
                .current_dir(dir)
                .args(["crl", "-inform", "DER", "-in"])
                .arg(&der)
                .args(["-CAfile", "chain.pem", "-text", "-out"])
                .arg(&pem),
        );
        assert!(text(&out).contains("verify OK"), "{}", text(&out));
        (std::fs::read_to_string(&pem).unwrap(), pem)
    }

    /// Waits for a published CRL numbered above `after`.
    async fn crl_after(&self, after: u64) -> u64 {
        let mut rx = self.publication.crl.as_ref().unwrap().subscribe();
        let crl = tokio::time::timeout(
            Duration::from_secs(30),
            rx.wait_for(|c| c.as_ref().is_some_and(|c| c.number > after)),
        )
        .await
        .expect("a new CRL within 30 s")
        .unwrap();
        crl.as_ref().unwrap().number
    }
}

fn verify_crl(dir: &Path, crl: &Path, cert: &str) -> (bool, String) {
    let out = openssl()
        .current_dir(dir)
        .args(["verify", "-crl_check", "-CAfile", "chain.pem", "-CRLfile"])
        .arg(crl)
        .arg(cert)
        .output()
        .unwrap();
    (out.status.success(), text(&out))
}

fn write_chain(fx: &Fixture, dir: &Path) {
    let root = pem(&fx.ca.root().cert);
    let issuing = pem(&fx.ca.issuing().cert);
    std::fs::write(dir.join("chain.pem"), format!("{root}{issuing}")).unwrap();
    std::fs::write(dir.join("ca.pem"), issuing).unwrap();
}

async fn openssl_round(db: TestDb) {
    let name = db.name();
    let fx = fixture(db).await;
    let dir = support::tempdir();
    let d = dir.path();
    write_chain(&fx, d);
    let (k1, k2) = (key(ParamSet::Tc26A256), key(ParamSet::Tc26A256));
    let ee1 = issue(&fx, &person(), &k1).await;
    let ee2 = issue(&fx, &other_person(), &k2).await;
    std::fs::write(d.join("ee1.pem"), pem(&common::certificate(&ee1))).unwrap();
    std::fs::write(d.join("ee2.pem"), pem(&common::certificate(&ee2))).unwrap();

    let (ocsp_key, tsa_key) = (key(ParamSet::Tc26A256), key(ParamSet::Tc26A256));
    let s = serve(&fx.ca, ocsp_key.clone(), tsa_key.clone(), None).await;

    // Good, and the delegated responder's signature verifies to the root.
    let t = s.openssl_ocsp(d, "ee1.pem", &[]);
    assert!(t.contains("Response verify OK"), "{name}: {t}");
    assert!(t.contains("ee1.pem: good"), "{name}: {t}");
    let t = s.openssl_ocsp(d, "ee2.pem", &["-no_nonce"]);
    assert!(
        t.contains("Response verify OK") && t.contains("ee2.pem: good"),
        "{name}: {t}"
    );
    // The responder's certificate is stored, known to OCSP itself.
    let ocsp_cert = fx
        .ca
        .service_certificate(ServiceKind::Ocsp, ocsp_key.verifying_key())
        .await
        .unwrap();
    let ocsp_serial = ocsp_cert.tbs_certificate().serial_number().clone();
    assert_eq!(
        s.status.status(&ocsp_serial).await.unwrap(),
        CertState::Good
    );

    // The first CRL: empty, openssl accepts it and both certificates.
    let first = s.crl_after(0).await;
    let (crl, crl1) = s.fetch_crl(d, "crl1");
    assert!(crl.contains("No Revoked Certificates"), "{name}: {crl}");
    let (ok, t) = verify_crl(d, &crl1, "ee1.pem");
    assert!(ok, "{name}: {t}");

    // Revoked through the CA: OCSP says so at once (the pre-signed
    // response was dropped), also without a nonce; a new CRL lists it.
    fx.ca
        .revoke(&ee1.serial, CrlReason::KeyCompromise, "operator1")
        .await
        .unwrap();
    for extra in [&[][..], &["-no_nonce"][..]] {
        let t = s.openssl_ocsp(d, "ee1.pem", extra);
        assert!(t.contains("Response verify OK"), "{name}: {t}");
        assert!(t.contains("ee1.pem: revoked"), "{name}: {t}");
        assert!(t.contains("Reason: keyCompromise"), "{name}: {t}");
    }
    let t = s.openssl_ocsp(d, "ee2.pem", &["-no_nonce"]);
    assert!(t.contains("ee2.pem: good"), "{name}: {t}");
    let second = s.crl_after(first).await;
    assert!(second > first);
    let (crl, crl2) = s.fetch_crl(d, "crl2");
    assert!(
        crl.contains(&format!("Serial Number: {}", ee1.serial)),
        "{name}: {crl}"
    );
    assert!(crl.contains("Key Compromise"), "{name}: {crl}");
    let (ok, t) = verify_crl(d, &crl2, "ee1.pem");
    assert!(!ok && t.contains("certificate revoked"), "{name}: {t}");
    let (ok, t) = verify_crl(d, &crl2, "ee2.pem");
    assert!(ok, "{name}: {t}");

    // Suspension and release reach OCSP at once too.
    fx.ca.suspend(&ee2.serial, "operator1").await.unwrap();
    let t = s.openssl_ocsp(d, "ee2.pem", &["-no_nonce"]);
    assert!(
        t.contains("ee2.pem: revoked") && t.contains("certificateHold"),
        "{name}: {t}"
    );
    fx.ca.release(&ee2.serial, "operator1").await.unwrap();
    let t = s.openssl_ocsp(d, "ee2.pem", &["-no_nonce"]);
    assert!(t.contains("ee2.pem: good"), "{name}: {t}");

    // A time-stamp from the store-numbered TSA, verified by OpenSSL.
    std::fs::write(d.join("doc.txt"), b"a document to stamp\n").unwrap();
    std::fs::write(d.join("tsa.pem"), {
        let cert = fx
            .ca
            .service_certificate(ServiceKind::Tsa, tsa_key.verifying_key())
            .await
            .unwrap();
        pem(&cert)
    })
    .unwrap();
    let mut serials = Vec::new();
    for i in 0..2 {
        run_ok(openssl().current_dir(d).args([
            "ts",
            "-query",
            "-data",
            "doc.txt",
            "-md_gost12_256",
            "-cert",
            "-out",
            "req.tsq",
        ]));
        let out = run_ok(
            Command::new("curl")
                .current_dir(d)
                .args(["-s", "-S", "-f", "--max-time", "30"])
                .args(["-H", "Content-Type: application/timestamp-query"])
                .args(["--data-binary", "@req.tsq", "-o", "resp.tsr"])
                .arg(format!("{}/tsp", s.base)),
        );
        assert!(out.status.success());
        let out = run_ok(openssl().current_dir(d).args([
            "ts",
            "-verify",
            "-queryfile",
            "req.tsq",
            "-in",
            "resp.tsr",
            "-CAfile",
            "chain.pem",
            "-untrusted",
            "tsa.pem",
        ]));
        assert!(
            text(&out).contains("Verification: OK"),
            "{name} {i}: {}",
            text(&out)
        );
        let reply = run_ok(
            openssl()
                .current_dir(d)
                .args(["ts", "-reply", "-in", "resp.tsr", "-text"]),
        );
        let reply = text(&reply);
        let line = reply
            .lines()
            .find_map(|l| l.strip_prefix("Serial number: "))
            .unwrap_or_else(|| panic!("{reply}"));
        serials.push(u64::from_str_radix(line.trim().trim_start_matches("0x"), 16).unwrap());
        // Another document: refused.
        std::fs::write(d.join("other.txt"), b"something else\n").unwrap();
        let out = openssl()
            .current_dir(d)
            .args([
                "ts",
                "-verify",
                "-data",
                "other.txt",
                "-in",
                "resp.tsr",
                "-CAfile",
                "chain.pem",
                "-untrusted",
                "tsa.pem",
            ])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{name}");
    }
    assert!(serials[1] > serials[0], "{name}: {serials:?}");
    assert_eq!(
        fx.ca
            .store()
            .current_value(StoreCounter::TSA)
            .await
            .unwrap(),
        3,
        "{name}: one block of three reserved"
    );
    drop(s);

    // A restart with the same keys reuses the stored service certificates;
    // a new key gets a new one.
    let before = fx
        .ca
        .store()
        .certificate_counts(fx.ca.issuing().record.id)
        .await
        .unwrap();
    let again = fx
        .ca
        .service_certificate(ServiceKind::Ocsp, ocsp_key.verifying_key())
        .await
        .unwrap();
    assert_eq!(again, ocsp_cert, "{name}");
    let s2 = serve(&fx.ca, ocsp_key.clone(), tsa_key.clone(), None).await;
    let t = s2.openssl_ocsp(d, "ee1.pem", &["-no_nonce"]);
    assert!(
        t.contains("Response verify OK") && t.contains("ee1.pem: revoked"),
        "{name}: {t}"
    );
    assert_eq!(
        fx.ca
            .store()
            .certificate_counts(fx.ca.issuing().record.id)
            .await
            .unwrap(),
        before,
        "{name}: no new service certificate on restart"
    );
    let other = fx
        .ca
        .service_certificate(ServiceKind::Ocsp, key(ParamSet::Tc26A256).verifying_key())
        .await
        .unwrap();
    assert_ne!(other, ocsp_cert);
    // A TSA serial after the restart continues above the reserved block.
    let counter = StoreCounter::new(fx.ca.store().clone(), StoreCounter::TSA, 3);
    assert!(counter.next().await.unwrap() > 3, "{name}");
}

#[test]
fn openssl_against_the_store_backed_publication() {
    runtime().block_on(async {
        for db in TestDb::both().await {
            openssl_round(db).await;
        }
    });
}

async fn two_responders(db: TestDb) {
    let name = db.name();
    let fx = fixture(db).await;
    let ee = issue(&fx, &person(), &key(ParamSet::Tc26A256)).await;
    let serial = SerialNumber::new(ee.serial.as_bytes()).unwrap();
    // A second node: its own Ca over the same database, no listener link
    // to the first one.
    let other = Ca::open(fx.ca.store().clone(), fx.clock.clone())
        .await
        .unwrap()
        .with_signer(fx.issuing_key.clone())
        .unwrap();
    let (ocsp_key, tsa_key) = (key(ParamSet::Tc26A256), key(ParamSet::Tc26A256));
    let a = serve(
        &fx.ca,
        ocsp_key.clone(),
        tsa_key.clone(),
        Some(Duration::from_millis(200)),
    )
    .await;
    let b = serve(&other, ocsp_key, tsa_key, Some(Duration::from_millis(200))).await;
    let ocsp_b = b.publication.ocsp.as_ref().unwrap();
    let req = pki::ocsp::RequestBuilder::new()
        .cert_id(
            pki::ocsp::CertId::new(
                &fx.ca.issuing().cert,
                serial.clone(),
                pki::ocsp::CertIdHash::Sha1,
            )
            .unwrap(),
        )
        .build_der()
        .unwrap();
    let issuer = fx.ca.issuing().cert.clone();
    let policy = pki::ocsp::OcspPolicy {
        require_nonce: false,
        ..pki::ocsp::OcspPolicy::default()
    };
    let at = fx.ca.now() + Duration::from_secs(1);
    let status_of = |der: &[u8]| {
        pki::ocsp::verify_response(der, &issuer, &serial, None, at, &policy)
            .unwrap()
            .status
    };
    let answer = ocsp_b.respond(&req).await;
    assert!(
        matches!(status_of(&answer.der), pki::ocsp::OcspCertStatus::Good),
        "{name}"
    );

    // Revoked on node A: B's pre-signed response is dropped on its next poll.
    fx.ca
        .revoke(&ee.serial, CrlReason::Superseded, "operator1")
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let answer = ocsp_b.respond(&req).await;
        if matches!(
            status_of(&answer.der),
            pki::ocsp::OcspCertStatus::Revoked { .. }
        ) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name}: B never saw the revocation"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // And B's CRL, re-issued on the polled change, lists it.
    let crl_b = b.publication.crl.as_ref().unwrap();
    let mut rx = crl_b.subscribe();
    tokio::time::timeout(
        Duration::from_secs(10),
        rx.wait_for(|c| c.as_ref().is_some_and(|c| c.entries == 1)),
    )
    .await
    .unwrap_or_else(|_| panic!("{name}: B's CRL never listed the revocation"))
    .unwrap();
    drop(a);

    // The change feed itself: from the end nothing, from 0 the serial.
    let status = StoreStatus::new(
        fx.ca.store().clone(),
        fx.ca.issuing(),
        fx.ca.clock().clone(),
    );
    let end = status.changes_since(u64::MAX).await.unwrap();
    assert!(end.serials.is_empty());
    assert_eq!(
        status
            .changes_since(end.cursor)
            .await
            .unwrap()
            .serials
            .len(),
        0
    );
    let all = status.changes_since(0).await.unwrap();
    assert_eq!(all.serials, vec![serial.clone()], "{name}");
    assert_eq!(all.cursor, end.cursor);
    // Status and CRL entries straight from the store.
    assert!(matches!(
        status.status(&serial).await.unwrap(),
        CertState::Revoked {
            reason: Some(CrlReason::Superseded),
            ..
        }
    ));
    assert_eq!(
        status.status(&SerialNumber::from(7u8)).await.unwrap(),
        CertState::Unknown
    );
    let revoked = status.revoked().await.unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].serial, serial);
    // Expiry is judged by the injected clock, not the system's: once its
    // clock passes the certificate's notAfter, it leaves the CRL.
    let stored = store::Serial::from_bytes(serial.as_bytes()).unwrap();
    let record = fx.ca.store().certificate(&stored).await.unwrap().unwrap();
    let clock = Arc::new(ca::FixedClock::new(
        record.not_after - Duration::from_secs(1),
    ));
    let later = StoreStatus::new(fx.ca.store().clone(), fx.ca.issuing(), clock.clone());
    assert_eq!(later.revoked().await.unwrap().len(), 1, "{name}");
    clock.set(record.not_after + Duration::from_secs(1));
    assert!(later.revoked().await.unwrap().is_empty(), "{name}");
    let page = status.issued_page(None, 100).await.unwrap();
    assert!(page.iter().any(|(s, _)| *s == serial), "{name}");
    let n1 = status.next_crl_number().await.unwrap();
    assert!(status.next_crl_number().await.unwrap() > n1);
    drop(b);
}

#[test]
fn two_responders_over_one_database_learn_by_polling() {
    runtime().block_on(async {
        for db in TestDb::both().await {
            two_responders(db).await;
        }
    });
}

#[test]
fn store_counter_is_monotonic_across_instances() {
    runtime().block_on(async {
        for db in TestDb::both().await {
            let store = db.open().await;
            let a = Arc::new(StoreCounter::new(store.clone(), "tsa:test", 5));
            let b = Arc::new(StoreCounter::new(store.clone(), "tsa:test", 1));
            let mut seen = Vec::new();
            let mut tasks = Vec::new();
            for c in [a.clone(), b.clone(), a, b] {
                tasks.push(tokio::spawn(async move {
                    let mut v = Vec::new();
                    let mut last = 0;
                    for _ in 0..20 {
                        let n = c.next().await.unwrap();
                        assert!(n > last, "strictly increasing within one counter");
                        last = n;
                        v.push(n);
                    }
                    v
                }));
            }
            for t in tasks {
                seen.extend(t.await.unwrap());
            }
            let len = seen.len();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), len, "{}: a serial handed out twice", db.name());
            // A new instance (a restart) starts above everything reserved.
            let restarted = StoreCounter::new(store.clone(), "tsa:test", 5);
            assert!(restarted.next().await.unwrap() > *seen.last().unwrap());
        }
    });
}
