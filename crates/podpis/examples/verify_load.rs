//! The verification service's speed over HTTP, against a running
//! `podpis serve` (bench/verify-service starts one and makes the files):
//!
//! * **throughput**: N client threads, each with a keep-alive connection,
//!   post a small detached signature and its document to
//!   `POST /api/v1/verify` for `--seconds`; every answer must be
//!   TOTAL_PASSED. Prints requests per second and latency percentiles.
//! * **large document** (`--large FILE --large-signature SIG`): the file
//!   streamed as the `document` part, `--rounds` times; prints MB/s
//!   (10^6 bytes) of the best round next to the raw Streebog speed of the
//!   gost crate on the same bytes in this process, and their ratio.
//!
//! ```text
//! cargo run --release -p podpis --example verify_load -- --url http://127.0.0.1:8080 \
//!     --signature doc1k.p7s --document doc1k [--clients 8] [--seconds 10] \
//!     [--large big.bin --large-signature big.p7s --rounds 3]
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs::File;
use std::hint::black_box;
use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use digest::Digest;
use gost::streebog::{Streebog256, Streebog512};

struct Options {
    url: String,
    signature: PathBuf,
    document: PathBuf,
    clients: usize,
    seconds: f64,
    large: Option<PathBuf>,
    large_signature: Option<PathBuf>,
    rounds: usize,
}

fn options() -> Options {
    let mut o = Options {
        url: String::new(),
        signature: PathBuf::new(),
        document: PathBuf::new(),
        clients: 8,
        seconds: 10.0,
        large: None,
        large_signature: None,
        rounds: 3,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let [name, v] = pair else {
            panic!("{pair:?}: every option takes a value")
        };
        match name.as_str() {
            "--url" => o.url = v.trim_end_matches('/').to_owned(),
            "--signature" => o.signature = v.into(),
            "--document" => o.document = v.into(),
            "--clients" => o.clients = v.parse().unwrap(),
            "--seconds" => o.seconds = v.parse().unwrap(),
            "--large" => o.large = Some(v.into()),
            "--large-signature" => o.large_signature = Some(v.into()),
            "--rounds" => o.rounds = v.parse().unwrap(),
            other => panic!("unknown option {other}"),
        }
    }
    assert!(!o.url.is_empty(), "--url is required");
    o
}

const BOUNDARY: &str = "podpis-verify-load-boundary";

/// The multipart framing around a document: everything before its bytes
/// (the signature part and the document part's head) and after them.
fn framing(signature: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut head = format!(
        "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"signature\"; filename=\"s.p7s\"\r\n\
         content-type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    head.extend_from_slice(signature);
    head.extend_from_slice(
        format!(
            "\r\n--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"document\"; filename=\"d\"\r\n\
             content-type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    (head, format!("\r\n--{BOUNDARY}--\r\n").into_bytes())
}

fn content_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into()
}

/// Checks an answer: 200 and TOTAL_PASSED.
fn check(mut response: ureq::http::Response<ureq::Body>) {
    let status = response.status();
    let body = response.body_mut().read_to_string().unwrap();
    assert!(
        status == 200 && body.contains("\"indication\":\"TOTAL_PASSED\""),
        "{status}: {body}"
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn throughput(o: &Options) {
    let signature = std::fs::read(&o.signature).unwrap();
    let document = std::fs::read(&o.document).unwrap();
    let (head, tail) = framing(&signature);
    let body: Arc<Vec<u8>> = Arc::new([head, document.clone(), tail].concat());
    let url = format!("{}/api/v1/verify", o.url);
    // One request first: the server's CRL cache and connections warm up.
    check(
        agent()
            .post(&url)
            .header("content-type", content_type())
            .send(&body[..])
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs_f64(o.seconds);
    let start = Instant::now();
    let threads: Vec<_> = (0..o.clients)
        .map(|_| {
            let (body, url) = (body.clone(), url.clone());
            std::thread::spawn(move || {
                let agent = agent();
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    check(
                        agent
                            .post(&url)
                            .header("content-type", content_type())
                            .send(&body[..])
                            .unwrap(),
                    );
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    println!(
        "verify service, {} B document: {} requests by {} clients in {elapsed:.1} s = {:.0} req/s \
         (p50 {:.1} ms, p99 {:.1} ms), every one TOTAL_PASSED",
        document.len(),
        all.len(),
        o.clients,
        all.len() as f64 / elapsed,
        percentile(&all, 0.5).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
    );
}

/// Raw Streebog over `data` in one call, best of `rounds`, MB/s.
fn raw_streebog(data: &[u8], rounds: usize, bits512: bool) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        if bits512 {
            black_box(Streebog512::digest(black_box(data)));
        } else {
            black_box(Streebog256::digest(black_box(data)));
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    data.len() as f64 / best / 1e6
}

fn large(o: &Options, file: &PathBuf, signature: &PathBuf) {
    let signature = std::fs::read(signature).unwrap();
    let size = std::fs::metadata(file).unwrap().len();
    let (head, tail) = framing(&signature);
    let url = format!("{}/api/v1/verify", o.url);
    let agent = agent();
    // The same bytes, hashed here with the digest the signature names.
    let data = std::fs::read(file).unwrap();
    let bits512 = pki::cms::SignedMessage::parse(&signature)
        .ok()
        .and_then(|m| {
            m.signer_infos()
                .first()
                .map(|s| s.info().digest_alg.oid == pki::oids::ID_TC26_GOST3411_12_512)
        })
        .unwrap_or(false);
    // Upload and raw hash alternate, so both meet the same machine load;
    // the best of each is kept.
    let (mut best, mut raw) = (f64::MAX, 0f64);
    for _ in 0..o.rounds.max(1) {
        let body = Cursor::new(head.clone())
            .chain(File::open(file).unwrap())
            .chain(Cursor::new(tail.clone()));
        let length = head.len() as u64 + size + tail.len() as u64;
        let t = Instant::now();
        check(
            agent
                .post(&url)
                .header("content-type", content_type())
                .header("content-length", length.to_string())
                .send(ureq::SendBody::from_owned_reader(body))
                .unwrap(),
        );
        best = best.min(t.elapsed().as_secs_f64());
        raw = raw.max(raw_streebog(&data, 1, bits512));
    }
    let service = size as f64 / best / 1e6;
    let name = if bits512 {
        "Streebog-512"
    } else {
        "Streebog-256"
    };
    println!(
        "verify service, {:.0} MB detached document: {service:.1} MB/s (best of {} uploads over HTTP); \
         raw {name} in this process, alternating with the uploads: {raw:.1} MB/s (best); \
         service / raw = {:.2}",
        size as f64 / 1e6,
        o.rounds.max(1),
        service / raw
    );
}

fn main() {
    let o = options();
    if !o.signature.as_os_str().is_empty() {
        throughput(&o);
    }
    if let (Some(file), Some(sig)) = (&o.large, &o.large_signature) {
        large(&o, file, sig);
    }
}
