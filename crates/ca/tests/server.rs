//! `ca::server::HttpServer` over raw TCP: the OCSP fast path answers as the
//! router did (POST and GET, 415, 413 before the body is read, a body that
//! never comes ends in 408), other methods and paths reach the router,
//! a client that never finishes its request head is disconnected, the
//! connection limit makes further clients wait, and shutdown stops
//! accepting and returns. Timeouts are 1 s here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod hierarchy;

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ca::crl_publisher::{CrlConfig, CrlPublisher};
use ca::http::{Publication, PublicationConfig};
use ca::ocsp_responder::{OcspConfig, OcspResponder};
use ca::server::ServerConfig;
use ca::status::{MemoryStatus, SystemClock};
use gost::ParamSet;
use hierarchy::Hierarchy;
use pki::ocsp::{CertId, CertIdHash, OcspResponseStatus, RequestBuilder, parse_response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TIMEOUT: Duration = Duration::from_secs(1);

struct Running {
    addr: std::net::SocketAddr,
    request: Vec<u8>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(max_connections: usize) -> Running {
    let h = Hierarchy::new(ParamSet::Tc26A256);
    let ee = h.end_entity("end entity", 0x1001);
    let status = Arc::new(MemoryStatus::new());
    status.issue_all([&ee.serial()]);
    let clock = Arc::new(SystemClock);
    let ocsp = OcspResponder::new(
        h.ca.cert.clone(),
        h.responder.cert.clone(),
        h.responder.signer.clone(),
        status.clone(),
        clock.clone(),
        OcspConfig::default(),
    )
    .unwrap();
    let crl = CrlPublisher::new(
        h.ca.cert.clone(),
        h.ca.signer.clone(),
        status.clone(),
        clock,
        CrlConfig::default(),
    )
    .unwrap();
    let publication = Arc::new(Publication {
        ocsp: Some(Arc::new(ocsp)),
        crl: Some(Arc::new(crl)),
        tsa: None,
    });
    let config = PublicationConfig {
        poll_changes: None,
        request_timeout: TIMEOUT,
        ..PublicationConfig::default()
    };
    // Another router's route, reached through the server.
    let app = axum::Router::new().route("/hello", axum::routing::get(|| async { "hello" }));
    let server = publication.server(
        &config,
        ServerConfig {
            max_connections,
            ..ServerConfig::default()
        },
        app,
    );
    publication.start(status, &config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(server.serve(listener, async {
        let _ = stopped.await;
    }));
    let request = RequestBuilder::new()
        .cert_id(CertId::new(&h.ca.cert, ee.serial(), CertIdHash::Sha1).unwrap())
        .build_der()
        .unwrap();
    Running {
        addr,
        request,
        stop: Some(stop),
        done,
    }
}

/// Reads one response (head and Content-Length body) or the connection's
/// end; returns the status (0 when the server closed without answering),
/// the head, the body.
async fn read_response(stream: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let mut buf = Vec::new();
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return (0, String::new(), buf);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = buf[end..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "body cut short");
        body.extend_from_slice(&chunk[..n]);
    }
    (status, head, body)
}

fn post(path: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req
}

async fn exchange(addr: std::net::SocketAddr, raw: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(raw).await.unwrap();
    read_response(&mut s).await
}

fn successful(body: &[u8]) {
    assert_eq!(
        parse_response(body).unwrap().status(),
        OcspResponseStatus::Successful
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn the_ocsp_fast_path_answers_as_the_router_did() {
    runtime().block_on(async {
        let r = start(100).await;
        // POST on /ocsp and /ocsp/, keep-alive: two answers on one connection.
        let mut s = TcpStream::connect(r.addr).await.unwrap();
        for path in ["/ocsp", "/ocsp/"] {
            s.write_all(&post(path, "application/ocsp-request", &r.request))
                .await
                .unwrap();
            let (code, head, body) = read_response(&mut s).await;
            assert_eq!(code, 200, "{path}");
            assert!(
                head.contains("content-type: application/ocsp-response"),
                "{head}"
            );
            assert!(head.contains("cache-control: max-age="), "{head}");
            successful(&body);
        }
        // Parameters on the Content-Type are allowed, the type is not free.
        let (code, _, body) = exchange(
            r.addr,
            &post("/ocsp", "Application/OCSP-Request; x=1", &r.request),
        )
        .await;
        assert_eq!(code, 200);
        successful(&body);
        let (code, head, _) = exchange(
            r.addr,
            &post("/ocsp", "application/octet-stream", &r.request),
        )
        .await;
        assert_eq!(code, 415);
        assert!(head.contains("text/plain"), "{head}");
        let no_type = format!(
            "POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            r.request.len()
        );
        let mut raw = no_type.into_bytes();
        raw.extend_from_slice(&r.request);
        assert_eq!(exchange(r.addr, &raw).await.0, 415);

        // GET: base64 with '+', '/' and '=' percent-encoded, or not.
        let b64 = STANDARD.encode(&r.request);
        let encoded: String = b64
            .chars()
            .map(|c| match c {
                '+' => "%2B".to_owned(),
                '/' => "%2F".to_owned(),
                '=' => "%3D".to_owned(),
                c => c.to_string(),
            })
            .collect();
        for path in [format!("/ocsp/{encoded}"), format!("/ocsp/{b64}")] {
            let get = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
            let (code, head, body) = exchange(r.addr, get.as_bytes()).await;
            assert_eq!(code, 200, "{path}");
            assert!(head.contains("application/ocsp-response"), "{head}");
            successful(&body);
        }
        // Not base64: malformedRequest; not UTF-8 once decoded: 400.
        let (code, _, body) = exchange(
            r.addr,
            b"GET /ocsp/not%20base64! HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .await;
        assert_eq!(code, 200);
        assert_eq!(body, [0x30, 0x03, 0x0a, 0x01, 0x01]);
        let (code, _, _) = exchange(r.addr, b"GET /ocsp/%FF%FE HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert_eq!(code, 400);

        // Over the limit by Content-Length: 413 without reading the body.
        let big = "POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n\
                   Content-Length: 1000000\r\n\r\n";
        let started = Instant::now();
        let (code, _, _) = exchange(r.addr, big.as_bytes()).await;
        assert_eq!(code, 413);
        assert!(started.elapsed() < TIMEOUT);
        // Over the limit while streaming (chunked, no length): 413 too. One
        // chunk a byte over, and no terminator, so the server has read all
        // that was sent when it answers (unread data would reset the
        // connection and lose the answer).
        let mut chunked =
            b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n\
                            Transfer-Encoding: chunked\r\n\r\n4001\r\n"
                .to_vec();
        chunked.extend_from_slice(&[0x30; 0x4001]);
        assert_eq!(exchange(r.addr, &chunked).await.0, 413);

        // Other methods on the OCSP paths, and other paths: the router.
        // HEAD: the head only (its Content-Length describes the GET's body).
        let mut head_conn = TcpStream::connect(r.addr).await.unwrap();
        head_conn
            .write_all(format!("HEAD /ocsp/{encoded} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            assert_eq!(head_conn.read(&mut byte).await.unwrap(), 1);
            head.push(byte[0]);
        }
        assert!(
            head.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&head)
        );
        assert_eq!(
            exchange(
                r.addr,
                b"PUT /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
            )
            .await
            .0,
            405
        );
        assert_eq!(
            exchange(r.addr, b"GET /ocsp HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .0,
            405
        );
        let (code, _, body) = exchange(r.addr, b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert_eq!((code, body.as_slice()), (200, &b"hello"[..]));
        let (code, head, _) =
            exchange(r.addr, b"GET /crl/ca.crl HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert_eq!(code, 200);
        assert!(head.contains("application/pkix-crl"), "{head}");
        assert_eq!(
            exchange(r.addr, b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .0,
            404
        );
    });
}

#[test]
fn slow_clients_are_cut_off() {
    runtime().block_on(async {
        let r = start(100).await;
        // A body that never comes: 408 after the request timeout.
        let mut s = TcpStream::connect(r.addr).await.unwrap();
        s.write_all(
            b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n\
              Content-Length: 100\r\n\r\n\x30\x62",
        )
        .await
        .unwrap();
        let started = Instant::now();
        let (code, _, _) = read_response(&mut s).await;
        assert_eq!(code, 408);
        let took = started.elapsed();
        assert!(
            took >= TIMEOUT - Duration::from_millis(100) && took < TIMEOUT * 4,
            "{took:?}"
        );

        // A request head that never ends: the connection is closed.
        let mut s = TcpStream::connect(r.addr).await.unwrap();
        s.write_all(b"POST /ocsp HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        let (code, _, _) = read_response(&mut s).await;
        assert!(code == 0 || code == 408, "{code}: not closed");
        let took = started.elapsed();
        assert!(
            took >= TIMEOUT - Duration::from_millis(100) && took < TIMEOUT * 4,
            "{took:?}"
        );

        // An idle keep-alive connection is closed too; a busy one is not.
        let mut s = TcpStream::connect(r.addr).await.unwrap();
        for _ in 0..3 {
            s.write_all(&post("/ocsp", "application/ocsp-request", &r.request))
                .await
                .unwrap();
            assert_eq!(read_response(&mut s).await.0, 200);
            tokio::time::sleep(TIMEOUT / 2).await;
        }
        let started = Instant::now();
        let mut byte = [0u8; 1];
        assert_eq!(s.read(&mut byte).await.unwrap_or(0), 0);
        assert!(started.elapsed() < TIMEOUT * 4);
    });
}

#[test]
fn the_connection_limit_makes_clients_wait_and_shutdown_returns() {
    runtime().block_on(async {
        let mut r = start(1).await;
        let mut first = TcpStream::connect(r.addr).await.unwrap();
        first
            .write_all(&post("/ocsp", "application/ocsp-request", &r.request))
            .await
            .unwrap();
        assert_eq!(read_response(&mut first).await.0, 200);
        // The second connection is not served while the first is open...
        let mut second = TcpStream::connect(r.addr).await.unwrap();
        second
            .write_all(&post("/ocsp", "application/ocsp-request", &r.request))
            .await
            .unwrap();
        let waited = tokio::time::timeout(TIMEOUT / 2, read_response(&mut second)).await;
        assert!(waited.is_err(), "served beyond the connection limit");
        // ...and is once the first one goes.
        drop(first);
        let (code, _, body) = tokio::time::timeout(TIMEOUT * 4, read_response(&mut second))
            .await
            .expect("served after the first connection closed");
        assert_eq!(code, 200);
        successful(&body);
        drop(second);

        // Shutdown: serve returns, nothing more is accepted.
        r.stop.take().unwrap().send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(10), &mut r.done)
            .await
            .expect("serve returned")
            .unwrap()
            .unwrap();
        assert!(TcpStream::connect(r.addr).await.is_err());
    });
}
