//! The OCSP side of `bench/ocsp-compare` (not a test, not shipped):
//!
//! ```text
//! ocsp_bench setup DIR COUNT REQUESTS   a CA, a delegated responder, an OpenSSL
//!                                       index.txt of COUNT certificates (1 in
//!                                       100 revoked), REQUESTS DER requests
//!                                       (SHA-1 CertID, no nonce) for random ones
//! ocsp_bench serve DIR PORT [--lazy] [--threads N] [--axum-port P]
//!                                       our responder over the same index on
//!                                       127.0.0.1:PORT (`Publication::server`,
//!                                       as `podpis serve` runs it) with N
//!                                       runtime threads (default: one per
//!                                       core); pre-signs every response first
//!                                       unless --lazy; with --axum-port, the
//!                                       same responder also on P through
//!                                       `axum::serve` and the router alone
//!                                       (how it was served before
//!                                       `ca::server`), for A/B rounds
//! ```
//!
//! The same files serve `openssl ocsp -index DIR/index.txt -CA DIR/ca.pem
//! -rsigner DIR/responder.pem -rkey DIR/responder.key`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ca::http::{Publication, PublicationConfig};
use ca::ocsp_responder::{OcspConfig, OcspResponder};
use ca::server::ServerConfig;
use ca::status::{MemoryStatus, SystemClock};
use der::DecodePem;
use gost::{ParamSet, SigningKey};
use pki::cert::CertificateBuilder;
use pki::crl::CrlReason;
use pki::name::parse_name;
use pki::ocsp::{CertId, CertIdHash, RequestBuilder};
use pki::{KeySigner, Signer};
use x509_cert::Certificate;
use x509_cert::ext::pkix::KeyUsages;
use x509_cert::serial_number::SerialNumber;

const DAY: Duration = Duration::from_secs(86400);

/// The serial of certificate `i`: 16 octets, as a CA issues them.
fn serial_hex(i: u64) -> String {
    format!("40{:014X}{:016X}", i, i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn setup(dir: &Path, count: u64, requests: u64) {
    std::fs::create_dir_all(dir).unwrap();
    let now = SystemTime::now();
    let ca_key = KeySigner::new(SigningKey::generate(ParamSet::Tc26A256).unwrap());
    let ca = CertificateBuilder::ca(
        parse_name("CN=OCSP bench CA,O=podpis,C=RU").unwrap(),
        ca_key.verifying_key(),
        now - DAY,
        now + 3650 * DAY,
        None,
    )
    .build(&ca_key)
    .unwrap();
    let responder_key = KeySigner::new(SigningKey::generate(ParamSet::Tc26A256).unwrap());
    let responder = CertificateBuilder::new(
        parse_name("CN=OCSP bench responder,O=podpis,C=RU").unwrap(),
        responder_key.verifying_key(),
        now - DAY,
        now + 365 * DAY,
    )
    .issuer(&ca)
    .basic_constraints(false, None)
    .key_usage(KeyUsages::DigitalSignature)
    .extended_key_usage(vec![pki::oids::KP_OCSP_SIGNING])
    .build(&ca_key)
    .unwrap();
    std::fs::write(dir.join("ca.pem"), pki::cert::to_pem(&ca).unwrap()).unwrap();
    std::fs::write(
        dir.join("responder.pem"),
        pki::cert::to_pem(&responder).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("responder.key"),
        responder_key.key().to_pkcs8_pem().unwrap().as_bytes(),
    )
    .unwrap();

    let mut index = std::io::BufWriter::new(std::fs::File::create(dir.join("index.txt")).unwrap());
    for i in 0..count {
        let serial = serial_hex(i);
        if i % 100 == 99 {
            writeln!(
                index,
                "R\t361231235959Z\t251101120000Z,keyCompromise\t{serial}\tunknown\t/CN=cert {i}"
            )
        } else {
            writeln!(index, "V\t361231235959Z\t\t{serial}\tunknown\t/CN=cert {i}")
        }
        .unwrap();
    }
    index.flush().unwrap();

    let mut x = 0x2545_F491_4F6C_DD1Du64;
    for r in 0..requests {
        // xorshift: a fixed, spread-out choice of certificates.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let bytes = hex_bytes(&serial_hex(x % count));
        let id = CertId::new(&ca, SerialNumber::new(&bytes).unwrap(), CertIdHash::Sha1).unwrap();
        let der = RequestBuilder::new().cert_id(id).build_der().unwrap();
        std::fs::write(dir.join(format!("req-{r}.der")), der).unwrap();
    }
    println!(
        "wrote {} with {count} certificates and {requests} requests",
        dir.display()
    );
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The OpenSSL index as a status source: V good, R revoked.
fn load_index(dir: &Path) -> MemoryStatus {
    let status = MemoryStatus::new();
    let text = std::fs::read_to_string(dir.join("index.txt")).unwrap();
    let mut revoked = Vec::new();
    let serials: Vec<SerialNumber> = text
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let serial = SerialNumber::new(&hex_bytes(fields[3])).unwrap();
            if fields[0] == "R" {
                revoked.push(serial.clone());
            }
            serial
        })
        .collect();
    status.issue_all(&serials);
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_761_998_400);
    for serial in revoked {
        status.revoke(&serial, at, Some(CrlReason::KeyCompromise));
    }
    status
}

fn serve(dir: &Path, port: u16, lazy: bool, threads: Option<usize>, axum_port: Option<u16>) {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let ca = Certificate::from_pem(read("ca.pem")).unwrap();
    let responder = Certificate::from_pem(read("responder.pem")).unwrap();
    let key = SigningKey::from_pkcs8_pem(&read("responder.key")).unwrap();
    let started = Instant::now();
    let status = Arc::new(load_index(dir));
    println!(
        "loaded {} certificates in {:.1} s",
        status.len(),
        started.elapsed().as_secs_f64()
    );
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = threads {
        runtime.worker_threads(n);
    }
    let runtime = runtime.enable_all().build().unwrap();
    runtime.block_on(async {
        let ocsp = OcspResponder::new(
            ca,
            responder,
            Arc::new(KeySigner::new(key)),
            status.clone(),
            Arc::new(SystemClock),
            OcspConfig {
                validity: Duration::from_secs(24 * 3600),
                refresh_before: Duration::from_secs(3600),
                ..OcspConfig::default()
            },
        )
        .unwrap();
        let publication = Arc::new(Publication {
            ocsp: Some(Arc::new(ocsp)),
            ..Publication::default()
        });
        let config = PublicationConfig {
            presign_ocsp: !lazy,
            poll_changes: None,
            ..PublicationConfig::default()
        };
        let started = Instant::now();
        let _tasks = publication.start(status, &config).await.unwrap();
        if !lazy {
            println!(
                "pre-signed {} responses in {:.1} s",
                publication.ocsp.as_ref().unwrap().stats().cached,
                started.elapsed().as_secs_f64()
            );
        }
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        if let Some(axum_port) = axum_port {
            let old = tokio::net::TcpListener::bind(("127.0.0.1", axum_port))
                .await
                .unwrap();
            let router = publication.router(&config);
            tokio::spawn(async move { axum::serve(old, router).await.unwrap() });
            println!("axum::serve on 127.0.0.1:{axum_port}");
        }
        println!("ready on 127.0.0.1:{port}");
        publication
            .server(&config, ServerConfig::default(), axum::Router::new())
            .serve(listener, std::future::pending())
            .await
            .unwrap();
    });
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["setup", dir, count, requests] => setup(
            Path::new(dir),
            count.parse().unwrap(),
            requests.parse().unwrap(),
        ),
        ["serve", dir, port, options @ ..] => {
            let lazy = options.contains(&"--lazy");
            let threads = options
                .iter()
                .position(|o| *o == "--threads")
                .map(|i| options[i + 1].parse().unwrap());
            let axum_port = options
                .iter()
                .position(|o| *o == "--axum-port")
                .map(|i| options[i + 1].parse().unwrap());
            serve(
                Path::new(dir),
                port.parse().unwrap(),
                lazy,
                threads,
                axum_port,
            );
        }
        _ => {
            eprintln!(
                "usage: ocsp_bench setup DIR COUNT REQUESTS | serve DIR PORT [--lazy] [--threads N] [--axum-port P]"
            );
            std::process::exit(2);
        }
    }
}
