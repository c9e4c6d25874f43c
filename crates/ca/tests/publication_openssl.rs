//! The publication services on a real socket, driven by real clients:
//! `openssl ocsp` (POST, with and without nonce, SHA-1 and Streebog
//! CertIDs), curl (GET OCSP, CRL download, TSP POST, bad input),
//! `openssl crl -verify`, `openssl verify -crl_check`, `openssl ts -query`
//! and `openssl ts -verify`, all with the GOST engine. The CA hierarchy is
//! made with the pki builders; revocation goes through the notify path
//! ([`StatusListener`]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod hierarchy;
#[path = "../../pki/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use ca::crl_publisher::{CrlConfig, CrlPublisher};
use ca::http::{Publication, PublicationConfig};
use ca::ocsp_responder::{OcspConfig, OcspResponder};
use ca::server::ServerConfig;
use ca::status::{MemoryStatus, StatusListener, SystemClock};
use ca::tsa::{FileCounter, Tsa, TsaConfig};
use const_oid::ObjectIdentifier;
use gost::ParamSet;
use hierarchy::{Hierarchy, Holder};
use pki::crl::CrlReason;
use pki::ocsp::{
    CertId, CertIdHash, OcspCertStatus, OcspPolicy, OcspResponseStatus, RequestBuilder,
    parse_response, verify_response,
};
use pki::tsp::TimeStampResp;
use support::{openssl, run_ok};
use x509_cert::serial_number::SerialNumber;

const POLICY: &str = "1.2.643.100.200.1";

/// The services of a test CA on 127.0.0.1, with two end entities (0x1001,
/// 0x1002) and their files for the command-line clients.
struct Server {
    h: Hierarchy,
    ee1: Holder,
    ee2: Holder,
    status: Arc<MemoryStatus>,
    publication: Arc<Publication>,
    base: String,
    dir: tempfile::TempDir,
}

impl Server {
    async fn start(config: OcspConfig) -> Server {
        let h = Hierarchy::new(ParamSet::Tc26A256);
        let ee1 = h.end_entity("end entity one", 0x1001);
        let ee2 = h.end_entity("end entity two", 0x1002);
        let status = Arc::new(MemoryStatus::new());
        status.issue_all([&ee1.serial(), &ee2.serial()]);
        let dir = support::tempdir();
        let clock = Arc::new(SystemClock);
        let ocsp = OcspResponder::new(
            h.ca.cert.clone(),
            h.responder.cert.clone(),
            h.responder.signer.clone(),
            status.clone(),
            clock.clone(),
            config,
        )
        .unwrap();
        let crl = CrlPublisher::new(
            h.ca.cert.clone(),
            h.ca.signer.clone(),
            status.clone(),
            clock.clone(),
            CrlConfig::default(),
        )
        .unwrap();
        let tsa = Tsa::new(
            h.tsa.cert.clone(),
            h.tsa.signer.clone(),
            Arc::new(FileCounter::open(dir.path().join("tsa-serial"), 100).unwrap()),
            clock,
            TsaConfig::new(ObjectIdentifier::new_unwrap(POLICY)),
        )
        .unwrap();
        let publication = Arc::new(Publication {
            ocsp: Some(Arc::new(ocsp)),
            crl: Some(Arc::new(crl)),
            tsa: Some(Arc::new(tsa)),
        });
        let config = PublicationConfig {
            poll_changes: None,
            ..PublicationConfig::default()
        };
        // As `podpis serve` runs it: ca::server, the OCSP fast path first.
        let server = publication.server(&config, ServerConfig::default(), axum::Router::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            server
                .serve(listener, std::future::pending())
                .await
                .unwrap()
        });
        publication.start(status.clone(), &config).await.unwrap();

        let server = Server {
            h,
            ee1,
            ee2,
            status,
            publication,
            base,
            dir,
        };
        server.write("chain.pem", server.h.chain_pem().as_bytes());
        server.write("root.pem", server.h.root.pem().as_bytes());
        server.write("ca.pem", server.h.ca.pem().as_bytes());
        server.write("responder.pem", server.h.responder.pem().as_bytes());
        server.write("tsa.pem", server.h.tsa.pem().as_bytes());
        server.write("ee1.pem", server.ee1.pem().as_bytes());
        server.write("ee2.pem", server.ee2.pem().as_bytes());
        server
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, data).unwrap();
        p
    }

    fn ocsp(&self) -> &OcspResponder {
        self.publication.ocsp.as_deref().unwrap()
    }

    fn crl(&self) -> &CrlPublisher {
        self.publication.crl.as_deref().unwrap()
    }

    /// Revokes through the notify path, as the CA does after its commit.
    fn revoke(&self, serial: &SerialNumber, reason: CrlReason) {
        let at = SystemTime::now() - Duration::from_secs(60);
        assert!(self.status.revoke(serial, at, Some(reason)));
        self.publication.status_changed(serial);
    }

    /// `openssl ocsp` against the responder; its whole output.
    fn openssl_ocsp(&self, args: &[&str]) -> String {
        let mut cmd = openssl();
        cmd.current_dir(self.dir.path())
            .arg("ocsp")
            .args(args)
            .args(["-url", &format!("{}/ocsp", self.base)]);
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{cmd:?}: {text}");
        text
    }

    /// curl: the HTTP status, the response headers (lower-case) and body.
    fn curl(&self, args: &[&str], url_path: &str) -> (u16, String, Vec<u8>) {
        let headers = self.path("curl.headers");
        let body = self.path("curl.body");
        let _ = std::fs::remove_file(&body);
        let out = run_ok(
            Command::new("curl")
                .current_dir(self.dir.path())
                .args(["-s", "-S", "--max-time", "30", "-D"])
                .arg(&headers)
                .arg("-o")
                .arg(&body)
                .args(["-w", "%{http_code}"])
                .args(args)
                .arg(format!("{}{url_path}", self.base)),
        );
        let code = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        (
            code,
            std::fs::read_to_string(&headers).unwrap().to_lowercase(),
            std::fs::read(&body).unwrap_or_default(),
        )
    }

    fn post_file(&self, content_type: &str, file: &Path, url_path: &str) -> (u16, String, Vec<u8>) {
        let data = format!("@{}", file.display());
        self.curl(
            &[
                "-X",
                "POST",
                "-H",
                &format!("Content-Type: {content_type}"),
                "--data-binary",
                &data,
            ],
            url_path,
        )
    }

    /// Waits until a CRL newer than `after` is published.
    async fn crl_after(&self, after: u64) -> u64 {
        let mut rx = self.crl().subscribe();
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

fn runtime_test() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn openssl_ocsp_good_then_revoked_with_and_without_nonce() {
    runtime_test().block_on(async {
        let s = Server::start(OcspConfig::default()).await;
        // Pre-signed at start: both end entities, SHA-1 CertIDs.
        assert_eq!(s.ocsp().stats().cached, 2);

        // With a nonce (OpenSSL's default): freshly signed, nonce echoed
        // (OpenSSL checks it), verified up to the root.
        let before = s.ocsp().stats();
        let t = s.openssl_ocsp(&[
            "-issuer",
            "ca.pem",
            "-cert",
            "ee1.pem",
            "-CAfile",
            "chain.pem",
        ]);
        assert!(t.contains("Response verify OK"), "{t}");
        assert!(t.contains("ee1.pem: good"), "{t}");
        assert!(
            t.contains("This Update:") && t.contains("Next Update:"),
            "{t}"
        );
        assert!(!t.contains("WARNING"), "{t}");
        assert_eq!(s.ocsp().stats().signed, before.signed + 1);

        // Without a nonce: the pre-signed response, no signature made.
        let before = s.ocsp().stats();
        let t = s.openssl_ocsp(&[
            "-no_nonce",
            "-issuer",
            "ca.pem",
            "-cert",
            "ee1.pem",
            "-CAfile",
            "chain.pem",
        ]);
        assert!(
            t.contains("Response verify OK") && t.contains("ee1.pem: good"),
            "{t}"
        );
        let after = s.ocsp().stats();
        assert_eq!((after.signed, after.hits), (before.signed, before.hits + 1));

        // Revoked through the notify path: both forms say so at once.
        s.revoke(&s.ee1.serial(), CrlReason::KeyCompromise);
        for nonce in [&[][..], &["-no_nonce"][..]] {
            let mut args = nonce.to_vec();
            args.extend([
                "-issuer",
                "ca.pem",
                "-cert",
                "ee1.pem",
                "-CAfile",
                "chain.pem",
            ]);
            let t = s.openssl_ocsp(&args);
            assert!(t.contains("Response verify OK"), "{t}");
            assert!(t.contains("ee1.pem: revoked"), "{t}");
            assert!(t.contains("Reason: keyCompromise"), "{t}");
            assert!(t.contains("Revocation Time:"), "{t}");
        }
        // And the revoked response is cached again: the next one is a hit.
        let before = s.ocsp().stats();
        let t = s.openssl_ocsp(&[
            "-no_nonce",
            "-issuer",
            "ca.pem",
            "-cert",
            "ee1.pem",
            "-CAfile",
            "chain.pem",
        ]);
        assert!(t.contains("ee1.pem: revoked"), "{t}");
        assert_eq!(s.ocsp().stats().signed, before.signed);

        // Two certificates in one request; Streebog CertIDs.
        for md in ["-sha1", "-md_gost12_256", "-md_gost12_512"] {
            let t = s.openssl_ocsp(&[
                md,
                "-issuer",
                "ca.pem",
                "-cert",
                "ee1.pem",
                "-cert",
                "ee2.pem",
                "-CAfile",
                "chain.pem",
            ]);
            assert!(t.contains("Response verify OK"), "{md}: {t}");
            assert!(
                t.contains("ee1.pem: revoked") && t.contains("ee2.pem: good"),
                "{md}: {t}"
            );
        }
        let t = s.openssl_ocsp(&[
            "-no_nonce",
            "-md_gost12_256",
            "-issuer",
            "ca.pem",
            "-cert",
            "ee2.pem",
            "-CAfile",
            "chain.pem",
        ]);
        assert!(
            t.contains("Response verify OK") && t.contains("ee2.pem: good"),
            "{t}"
        );

        // A serial never issued: unknown.
        let t = s.openssl_ocsp(&[
            "-issuer",
            "ca.pem",
            "-serial",
            "0x77777777",
            "-CAfile",
            "chain.pem",
        ]);
        assert!(
            t.contains("Response verify OK") && t.contains("0x77777777: unknown"),
            "{t}"
        );

        // Another issuer's certificate (the issuing CA, by the root): unknown.
        // The responder is not the root's, so OpenSSL is told to trust it.
        let t = s.openssl_ocsp(&[
            "-issuer",
            "root.pem",
            "-cert",
            "ca.pem",
            "-VAfile",
            "responder.pem",
        ]);
        assert!(
            t.contains("Response verify OK") && t.contains("ca.pem: unknown"),
            "{t}"
        );

        // Suspension and release.
        s.revoke(&s.ee2.serial(), CrlReason::CertificateHold);
        let t = s.openssl_ocsp(&[
            "-no_nonce",
            "-issuer",
            "ca.pem",
            "-cert",
            "ee2.pem",
            "-CAfile",
            "chain.pem",
        ]);
        assert!(
            t.contains("ee2.pem: revoked") && t.contains("certificateHold"),
            "{t}"
        );
        assert!(s.status.release(&s.ee2.serial()));
        s.publication.status_changed(&s.ee2.serial());
        let t = s.openssl_ocsp(&[
            "-no_nonce",
            "-issuer",
            "ca.pem",
            "-cert",
            "ee2.pem",
            "-CAfile",
            "chain.pem",
        ]);
        assert!(t.contains("ee2.pem: good"), "{t}");
    });
}

/// RFC 6960 A.1: base64, then URL-encoded (only unreserved characters left).
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn ocsp_get_and_bad_requests() {
    runtime_test().block_on(async {
        let s = Server::start(OcspConfig::default()).await;
        let ca = &s.h.ca.cert;
        // Streebog-256 CertID: the base64 has '+', '/' or '=' often enough;
        // look for a serial whose encoding has each, so the decoding is tested.
        let mut chosen = None;
        for extra in 0u32..300 {
            // Nonces of 2 to 4 octets: the request length varies, and so
            // does the padding.
            let nonce: Vec<u8> = (0..2 + extra % 3).map(|i| (extra * 7 + i) as u8).collect();
            let req = RequestBuilder::new()
                .cert_id(CertId::new(ca, s.ee2.serial(), CertIdHash::Streebog256).unwrap())
                .nonce(nonce.clone())
                .build_der()
                .unwrap();
            let b64 = base64::engine::general_purpose::STANDARD.encode(&req);
            if b64.contains('+') && b64.contains('/') && b64.contains('=') {
                chosen = Some((req, nonce, b64));
                break;
            }
        }
        let (_, nonce, b64) = chosen.expect("a request whose base64 has + / =");
        let (code, headers, body) = s.curl(&[], &format!("/ocsp/{}", url_encode(&b64)));
        assert_eq!(code, 200);
        assert!(
            headers.contains("content-type: application/ocsp-response"),
            "{headers}"
        );
        let status = verify_response(
            &body,
            ca,
            &s.ee2.serial(),
            Some(&nonce),
            SystemTime::now(),
            &OcspPolicy::default(),
        )
        .unwrap();
        assert_eq!(status.status, OcspCertStatus::Good);
        assert!(status.next_update.is_some());
        // OpenSSL verifies the response fetched with GET too.
        s.write("get.der", &body);
        let out = run_ok(openssl().current_dir(s.dir.path()).args([
            "ocsp",
            "-respin",
            "get.der",
            "-no_nonce",
            "-md_gost12_256",
            "-issuer",
            "ca.pem",
            "-cert",
            "ee2.pem",
            "-CAfile",
            "chain.pem",
        ]));
        let t = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            t.contains("Response verify OK") && t.contains("ee2.pem: good"),
            "{t}"
        );

        // A cacheable GET (no nonce, SHA-1) says how long HTTP caches may keep it.
        let req = RequestBuilder::new()
            .cert_id(CertId::new(ca, s.ee1.serial(), CertIdHash::Sha1).unwrap())
            .build_der()
            .unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&req);
        let (code, headers, body) = s.curl(&[], &format!("/ocsp/{}", url_encode(&b64)));
        assert_eq!(code, 200);
        assert!(headers.contains("cache-control: max-age="), "{headers}");
        assert_eq!(
            parse_response(&body).unwrap().status(),
            OcspResponseStatus::Successful
        );

        let malformed = |body: &[u8]| {
            assert_eq!(body, [0x30, 0x03, 0x0a, 0x01, 0x01], "malformedRequest");
            assert_eq!(
                parse_response(body).unwrap().status(),
                OcspResponseStatus::MalformedRequest
            );
        };
        // Garbage, by POST and by GET.
        let garbage = s.write("garbage.der", b"\x30\x03\x02\x01\x01 not a request");
        let (code, _, body) = s.post_file("application/ocsp-request", &garbage, "/ocsp");
        assert_eq!(code, 200);
        malformed(&body);
        let (code, _, body) = s.curl(&[], "/ocsp/not%20base64!");
        assert_eq!(code, 200);
        malformed(&body);
        // OpenSSL reads our malformedRequest answer.
        s.write("malformed.der", &body);
        let out = openssl()
            .current_dir(s.dir.path())
            .args(["ocsp", "-respin", "malformed.der", "-resp_text"])
            .output()
            .unwrap();
        let t = String::from_utf8_lossy(&out.stdout).to_lowercase();
        assert!(t.contains("malformedrequest"), "{t}");

        // A nonce longer than 32 octets (RFC 8954) and too many CertIDs.
        let long_nonce = RequestBuilder::new()
            .cert_id(CertId::new(ca, s.ee1.serial(), CertIdHash::Sha1).unwrap())
            .nonce(vec![7; 33])
            .build_der()
            .unwrap();
        let f = s.write("long_nonce.der", &long_nonce);
        malformed(&s.post_file("application/ocsp-request", &f, "/ocsp").2);
        let mut many = RequestBuilder::new();
        for i in 0..17u32 {
            many =
                many.cert_id(CertId::new(ca, SerialNumber::from(i + 1), CertIdHash::Sha1).unwrap());
        }
        let f = s.write("many.der", &many.build_der().unwrap());
        malformed(&s.post_file("application/ocsp-request", &f, "/ocsp").2);

        // Wrong content type; oversized body.
        let ok = s.write("ok.der", &req);
        let (code, _, _) = s.post_file("application/octet-stream", &ok, "/ocsp");
        assert_eq!(code, 415);
        let (code, _, body) = s.post_file("application/ocsp-request", &ok, "/ocsp");
        assert_eq!(code, 200);
        assert_eq!(
            parse_response(&body).unwrap().status(),
            OcspResponseStatus::Successful
        );
        let big = s.write("big.der", &vec![0x30; 64 * 1024]);
        let (code, _, _) = s.post_file("application/ocsp-request", &big, "/ocsp");
        assert_eq!(code, 413);

        // Another issuer's CertID in our own client: unknown, signed.
        let other = RequestBuilder::new()
            .cert_id(CertId::new(&s.h.root.cert, s.ee1.serial(), CertIdHash::Sha1).unwrap())
            .build_der()
            .unwrap();
        let f = s.write("other.der", &other);
        let (_, _, body) = s.post_file("application/ocsp-request", &f, "/ocsp");
        let parsed = parse_response(&body).unwrap();
        let single = &parsed.basic().unwrap().tbs_response_data.responses[0];
        assert!(matches!(
            single.cert_status,
            pki::ocsp::CertStatus::Unknown(_)
        ));
        parsed.verify_signature_with(&s.h.responder.cert).unwrap();
    });
}

#[test]
fn openssl_accepts_our_crls_and_rejects_the_revoked_certificate() {
    runtime_test().block_on(async {
        let s = Server::start(OcspConfig::default()).await;
        let first = s.crl_after(0).await;

        let fetch = |name: &str| -> (String, PathBuf) {
            let (code, headers, body) = s.curl(&[], "/crl/ca.crl");
            assert_eq!(code, 200);
            assert!(
                headers.contains("content-type: application/pkix-crl"),
                "{headers}"
            );
            let der = s.write(&format!("{name}.der"), &body);
            let pem = s.path(&format!("{name}.pem"));
            // `openssl crl` checks the signature with the issuing CA.
            let out = run_ok(
                openssl()
                    .current_dir(s.dir.path())
                    .args(["crl", "-inform", "DER", "-in"])
                    .arg(&der)
                    .args(["-CAfile", "chain.pem", "-text", "-out"])
                    .arg(&pem),
            );
            let stderr = String::from_utf8_lossy(&out.stderr).to_string();
            assert!(stderr.contains("verify OK"), "{stderr}");
            (std::fs::read_to_string(&pem).unwrap(), pem)
        };
        let verify = |crl: &Path, cert: &str| {
            let out = openssl()
                .current_dir(s.dir.path())
                .args(["verify", "-crl_check", "-CAfile", "chain.pem", "-CRLfile"])
                .arg(crl)
                .arg(cert)
                .output()
                .unwrap();
            (
                out.status.success(),
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ),
            )
        };

        let (text, pem) = fetch("crl1");
        assert!(text.contains("No Revoked Certificates"), "{text}");
        assert!(
            text.contains(&format!("X509v3 CRL Number: \n                {first}")),
            "{text}"
        );
        for cert in ["ee1.pem", "ee2.pem"] {
            let (ok, t) = verify(&pem, cert);
            assert!(ok && t.contains(": OK"), "{cert}: {t}");
        }

        // Revoke ee2: a new CRL follows at once, with a greater number.
        s.revoke(&s.ee2.serial(), CrlReason::KeyCompromise);
        let second = s.crl_after(first).await;
        assert!(second > first);
        let (text, pem) = fetch("crl2");
        assert!(text.contains("Serial Number: 1002"), "{text}");
        assert!(text.contains("Key Compromise"), "{text}");
        let (ok, t) = verify(&pem, "ee2.pem");
        assert!(!ok && t.contains("certificate revoked"), "{t}");
        let (ok, t) = verify(&pem, "ee1.pem");
        assert!(ok, "{t}");
        // The first CRL does not know of it: the check is against the CRL.
        let (ok, _) = verify(&s.path("crl1.pem"), "ee2.pem");
        assert!(ok);

        // A CRL altered in transit is refused by OpenSSL.
        let mut der = std::fs::read(s.path("crl2.der")).unwrap();
        let n = der.len();
        der[n - 10] ^= 1;
        let bad = s.write("bad.der", &der);
        let out = openssl()
            .current_dir(s.dir.path())
            .args(["crl", "-inform", "DER", "-noout", "-in"])
            .arg(&bad)
            .args(["-CAfile", "chain.pem"])
            .output()
            .unwrap();
        let t = String::from_utf8_lossy(&out.stderr);
        assert!(!t.contains("verify OK"), "{t}");

        // Conditional GET with the ETag: 304.
        let (code, headers, _) = s.curl(
            &["-H", &format!("If-None-Match: \"{second}\"")],
            "/crl/ca.crl",
        );
        assert_eq!(code, 304, "{headers}");
        let (code, _, _) = s.curl(&["-H", "If-None-Match: \"1\""], "/crl/ca.crl");
        assert_eq!(code, 200);
    });
}

/// `openssl ts -reply -text` of a response file.
fn ts_text(dir: &Path, resp: &str) -> String {
    let out = run_ok(
        openssl()
            .current_dir(dir)
            .args(["ts", "-reply", "-in", resp, "-text"]),
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn ts_serial(text: &str) -> u64 {
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("Serial number: "))
        .unwrap_or_else(|| panic!("{text}"));
    u64::from_str_radix(line.trim().trim_start_matches("0x"), 16).unwrap()
}

#[test]
fn openssl_verifies_our_time_stamps() {
    runtime_test().block_on(async {
        let s = Server::start(OcspConfig::default()).await;
        s.write("doc.txt", b"a document to stamp\n");
        s.write("other.txt", b"another document\n");
        let mut serials = Vec::new();
        for (md, cert_req) in [
            ("-md_gost12_256", true),
            ("-md_gost12_512", true),
            ("-sha256", true),
            ("-md_gost12_256", false),
        ] {
            let mut query = openssl();
            query
                .current_dir(s.dir.path())
                .args(["ts", "-query", "-data", "doc.txt", md, "-out", "req.tsq"]);
            if cert_req {
                query.arg("-cert");
            }
            run_ok(&mut query);
            let (code, headers, body) =
                s.post_file("application/timestamp-query", &s.path("req.tsq"), "/tsp");
            assert_eq!(code, 200);
            assert!(
                headers.contains("content-type: application/timestamp-reply"),
                "{headers}"
            );
            s.write("resp.tsr", &body);

            let text = ts_text(s.dir.path(), "resp.tsr");
            assert!(text.contains("Status: Granted."), "{text}");
            assert!(text.contains(&format!("Policy OID: {POLICY}")), "{text}");
            assert!(text.contains("Accuracy: 0x01 seconds"), "{text}");
            assert!(text.contains("Nonce: 0x"), "{text}");
            assert!(
                text.contains("TSA: DirName:") && text.contains("podpis test TSA"),
                "{text}"
            );
            serials.push(ts_serial(&text));

            // The verification OpenSSL makes: imprint, nonce, signature,
            // ESS certificate id, chain to the root, timeStamping usage.
            let out = run_ok(openssl().current_dir(s.dir.path()).args([
                "ts",
                "-verify",
                "-data",
                "doc.txt",
                "-in",
                "resp.tsr",
                "-CAfile",
                "chain.pem",
                "-untrusted",
                "tsa.pem",
            ]));
            assert!(String::from_utf8_lossy(&out.stdout).contains("Verification: OK"));
            // Against the request too (nonce, policy).
            run_ok(openssl().current_dir(s.dir.path()).args([
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
            // Other data: refused.
            let out = openssl()
                .current_dir(s.dir.path())
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
            assert!(!out.status.success());
            // certReq honoured: our parser sees the certificate only when asked.
            let token = TimeStampResp::from_der_bytes(&body)
                .unwrap()
                .into_token()
                .unwrap();
            let message = pki::cms::SignedMessage::parse(&token).unwrap();
            assert_eq!(message.certificates().len(), usize::from(cert_req), "{md}");
        }
        assert!(serials.windows(2).all(|w| w[0] < w[1]), "{serials:?}");

        // Refusals, each with its failInfo.
        let refused = |args: &[&str], fail: &str| {
            let mut query = openssl();
            query
                .current_dir(s.dir.path())
                .args(["ts", "-query", "-data", "doc.txt", "-out", "bad.tsq"])
                .args(args);
            run_ok(&mut query);
            let (code, _, body) =
                s.post_file("application/timestamp-query", &s.path("bad.tsq"), "/tsp");
            assert_eq!(code, 200);
            let resp = TimeStampResp::from_der_bytes(&body).unwrap();
            assert_eq!(
                (resp.status, resp.fail_info.clone()),
                (2, vec![fail]),
                "{args:?}"
            );
            s.write("bad.tsr", &body);
            let text = ts_text(s.dir.path(), "bad.tsr");
            assert!(text.contains("Status: Rejected"), "{text}");
        };
        refused(&["-tspolicy", "1.2.3.4"], "unacceptedPolicy");
        refused(&["-md5"], "badAlg");
        refused(&["-sha1"], "badAlg");
        let garbage = s.write("garbage.tsq", b"\x30\x02\x05\x00");
        let (_, _, body) = s.post_file("application/timestamp-query", &garbage, "/tsp");
        let resp = TimeStampResp::from_der_bytes(&body).unwrap();
        assert_eq!(resp.fail_info, vec!["badDataFormat"]);
        let (code, _, _) = s.post_file("application/ocsp-request", &s.path("req.tsq"), "/tsp");
        assert_eq!(code, 415);
        let big = s.write("big.tsq", &vec![0u8; 8 * 1024]);
        let (code, _, _) = s.post_file("application/timestamp-query", &big, "/tsp");
        assert_eq!(code, 413);
    });
}
