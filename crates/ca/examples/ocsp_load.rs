//! The load client of `bench/ocsp-compare` (not a test, not shipped).
//!
//! ```text
//! ocsp_load URL DIR REQUESTS SECONDS CONNECTIONS [--close]
//! ```
//!
//! Keeps CONNECTIONS HTTP/1.1 connections to URL (loopback only) busy for
//! SECONDS, each POSTing the DER requests DIR/req-0.der … req-(REQUESTS-1).der
//! in turn, and prints one line: requests answered, requests per second,
//! answers that were not HTTP 200 with a successful OCSPResponse, I/O
//! errors, median and 99th percentile latency. With `--close` every request
//! opens a new connection (`Connection: close`), as OpenSSL's responder
//! closes after each answer anyway.
//!
//! Why not wrk: wrk opens and closes a probe connection before the test,
//! and `openssl ocsp -port` (3.0) then spins on that closed connection and
//! serves nothing more.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Default)]
struct Tally {
    ok: u64,
    bad: u64,
    errors: u64,
    latencies_us: Vec<u32>,
}

/// One HTTP response: status, whether the server keeps the connection,
/// and the body.
async fn read_response(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> std::io::Result<(u16, bool, Vec<u8>)> {
    let eof = || std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
    let header_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(eof());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = None;
    let mut keep_alive = status_line.starts_with("http/1.1");
    for line in lines {
        if let Some(v) = line.strip_prefix("content-length:") {
            length = v.trim().parse::<usize>().ok();
        } else if let Some(v) = line.strip_prefix("connection:") {
            keep_alive = v.trim() == "keep-alive";
        }
    }
    let mut body = buf.split_off(header_end);
    buf.clear();
    match length {
        Some(len) => {
            while body.len() < len {
                let mut chunk = [0u8; 8192];
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(eof());
                }
                body.extend_from_slice(&chunk[..n]);
            }
            // Anything beyond belongs to the next response.
            buf.extend_from_slice(&body[len..]);
            body.truncate(len);
        }
        None => {
            stream.read_to_end(&mut body).await?;
            keep_alive = false;
        }
    }
    Ok((status, keep_alive, body))
}

/// `OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, ... }` with
/// status successful (0).
fn successful(body: &[u8]) -> bool {
    let at = match body.get(1) {
        Some(&l) if l < 0x80 => 2,
        Some(&l) => 2 + usize::from(l - 0x80),
        None => return false,
    };
    body.first() == Some(&0x30) && body.get(at..at + 3) == Some(&[0x0a, 0x01, 0x00][..])
}

async fn connection(
    addr: SocketAddr,
    requests: Arc<Vec<Vec<u8>>>,
    first: usize,
    deadline: Instant,
    close: bool,
) -> Tally {
    let mut tally = Tally::default();
    let mut stream: Option<TcpStream> = None;
    let mut buf = Vec::new();
    let mut i = first;
    while Instant::now() < deadline {
        let started = Instant::now();
        let result = async {
            let s = match stream.take() {
                Some(s) => s,
                None => {
                    let s = TcpStream::connect(addr).await?;
                    s.set_nodelay(true)?;
                    s
                }
            };
            let mut s = s;
            s.write_all(&requests[i % requests.len()]).await?;
            let (status, keep_alive, body) = read_response(&mut s, &mut buf).await?;
            if keep_alive && !close {
                stream = Some(s);
            }
            Ok::<_, std::io::Error>(status == 200 && successful(&body))
        }
        .await;
        i += 1;
        match result {
            Ok(true) => {
                tally.ok += 1;
                let us = started.elapsed().as_micros();
                tally
                    .latencies_us
                    .push(u32::try_from(us).unwrap_or(u32::MAX));
            }
            Ok(false) => tally.bad += 1,
            Err(_) => {
                tally.errors += 1;
                buf.clear();
                stream = None;
            }
        }
    }
    tally
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 5 {
        eprintln!("usage: ocsp_load URL DIR REQUESTS SECONDS CONNECTIONS [--close]");
        std::process::exit(2);
    }
    let url = args[0].strip_prefix("http://").expect("an http:// URL");
    let (authority, path) = url.split_at(url.find('/').unwrap_or(url.len()));
    let path = if path.is_empty() { "/" } else { path };
    let addr: SocketAddr = authority.parse().expect("URL host must be IP:PORT");
    assert!(addr.ip().is_loopback(), "load tests target loopback only");
    let count: usize = args[2].parse().unwrap();
    let seconds: f64 = args[3].parse().unwrap();
    let connections: usize = args[4].parse().unwrap();
    let close = args.get(5).is_some_and(|a| a == "--close");

    let requests: Vec<Vec<u8>> = (0..count)
        .map(|i| {
            let body = std::fs::read(Path::new(&args[1]).join(format!("req-{i}.der"))).unwrap();
            let mut req = format!(
                "POST {path} HTTP/1.1\r\nHost: {authority}\r\n\
                 Content-Type: application/ocsp-request\r\nContent-Length: {}\r\n{}\r\n",
                body.len(),
                if close { "Connection: close\r\n" } else { "" }
            )
            .into_bytes();
            req.extend_from_slice(&body);
            req
        })
        .collect();
    let requests = Arc::new(requests);

    // One thread, like `wrk -t1`: the rest of the machine is the server's.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let tallies = runtime.block_on(async {
        let tasks: Vec<_> = (0..connections)
            .map(|c| {
                tokio::spawn(connection(
                    addr,
                    Arc::clone(&requests),
                    c * 7919,
                    deadline,
                    close,
                ))
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut total = Tally::default();
    for t in tallies {
        total.ok += t.ok;
        total.bad += t.bad;
        total.errors += t.errors;
        total.latencies_us.extend(t.latencies_us);
    }
    total.latencies_us.sort_unstable();
    let pct = |p: f64| -> u32 {
        let n = total.latencies_us.len();
        if n == 0 {
            return 0;
        }
        total.latencies_us[((n as f64 * p) as usize).min(n - 1)]
    };
    println!(
        "RESULT requests={} seconds={elapsed:.3} rps={:.1} bad={} errors={} p50_us={} p99_us={}",
        total.ok,
        total.ok as f64 / elapsed,
        total.bad,
        total.errors,
        pct(0.5),
        pct(0.99)
    );
}
