//! The agent's API over a real socket, with a raw HTTP client (so every
//! header — Host, Origin, Sec-Fetch-Site — is the test's to choose) and a
//! real file container (cheap test KDF): Host and Origin checks, CORS and
//! Private Network Access, nonces, the one-time approval, no key material,
//! consent with the PIN, replayed consent, cancel, the PIN countdown and
//! lock, expiry on an injected clock; signatures checked by openssl cms.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../pki/tests/support/mod.rs"]
mod support;

mod fixture;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use agent::keys::{KeySource, Keys};
use agent::origins::OriginStore;
use agent::{Agent, AgentConfig, Clock};
use base64::Engine;
use serde_json::{Value, json};
use token::container::Container;

const SITE: &str = "http://127.0.0.1:9999";
const OTHER: &str = "https://evil.example";

struct TestClock(Mutex<SystemTime>);

impl Clock for TestClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

struct Running {
    port: u16,
    clock: Arc<TestClock>,
    fx: fixture::Fixture,
    dir: tempfile::TempDir,
    _rt: tokio::runtime::Runtime,
}

fn start() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture::make(dir.path());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let clock = Arc::new(TestClock(Mutex::new(SystemTime::now())));
    let mut config = AgentConfig::new(port);
    config.wait = Duration::from_millis(300);
    let origins = OriginStore::new(dir.path().join("cfg/agent-origins.json"));
    origins.allow(SITE, 1).unwrap();
    let agent = Arc::new(
        Agent::new(
            config,
            Keys::new(vec![KeySource::Container(fx.container.clone())]),
            origins,
            clock.clone(),
        )
        .unwrap(),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        axum::serve(listener, agent::http::router(agent))
            .await
            .unwrap();
    });
    Running {
        port,
        clock,
        fx,
        dir,
        _rt: rt,
    }
}

struct Resp {
    status: u16,
    headers: HashMap<String, String>,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

impl Running {
    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn own(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            req.push_str(&format!("Host: {}\r\n", self.host()));
        }
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        s.write_all(req.as_bytes()).unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let mut lines = head.lines();
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
            .collect();
        Resp {
            status,
            headers,
            body: body.to_owned(),
        }
    }

    /// An API call from `origin` with a fresh nonce.
    fn api(&self, origin: &str, path: &str, mut body: Value) -> Resp {
        body["nonce"] = nonce().into();
        self.api_raw(origin, path, &body)
    }

    fn api_raw(&self, origin: &str, path: &str, body: &Value) -> Resp {
        self.raw(
            "POST",
            path,
            &[("Origin", origin), ("Content-Type", "application/json")],
            &body.to_string(),
        )
    }

    fn start_sign(&self, body: Value) -> (String, String) {
        let r = self.api(SITE, "/api/v1/sign", body);
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        let url = v["result"]["consentUrl"].as_str().unwrap().to_owned();
        let path = url.strip_prefix(&self.own()).unwrap().to_owned();
        (v["result"]["request"].as_str().unwrap().to_owned(), path)
    }

    /// Opens the consent page and submits it with `action` and `pin`.
    fn consent(&self, path: &str, action: &str, pin: &str) -> Resp {
        let page = self.raw("GET", path, &[], "");
        assert_eq!(page.status, 200, "{}", page.body);
        let token = hidden(&page.body, "token");
        self.post_form(path, &format!("token={token}&action={action}&pin={pin}"))
    }

    fn post_form(&self, path: &str, form: &str) -> Resp {
        let own = self.own();
        self.raw(
            "POST",
            path,
            &[
                ("Origin", &own),
                ("Sec-Fetch-Site", "same-origin"),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            form,
        )
    }

    fn result(&self, origin: &str, request: &str) -> Value {
        let r = self.api(origin, "/api/v1/sign/result", json!({ "request": request }));
        r.json()
    }

    fn tries_left(&self) -> u8 {
        Container::open(&self.fx.container)
            .unwrap()
            .user_tries_left()
            .unwrap()
    }
}

fn nonce() -> String {
    let mut b = [0u8; 16];
    unique(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn unique(b: &mut [u8]) {
    // Distinct enough for nonces in a test: time and a counter.
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let n = N.fetch_add(1, Ordering::SeqCst);
    b[..8].copy_from_slice(&t.to_le_bytes());
    b[8..].copy_from_slice(&n.to_le_bytes());
}

/// The value of the hidden input `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[at..].split('"').next().unwrap().to_owned()
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

#[test]
fn host_header_is_checked_against_dns_rebinding() {
    let a = start();
    for host in ["evil.example", "evil.example:1", "127.0.0.1:1", "127.0.0.1"] {
        for path in ["/", "/api/v1/version"] {
            let r = a.raw("POST", path, &[("Host", host), ("Origin", SITE)], "{}");
            assert_eq!(r.status, 421, "{host} {path}");
            assert_eq!(code(&r.json()), "AGENT_HOST_NOT_ALLOWED");
        }
    }
    let port = a.port;
    for host in [
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        a.host(),
    ] {
        let r = a.raw(
            "POST",
            "/api/v1/version",
            &[
                ("Host", &host),
                ("Origin", SITE),
                ("Content-Type", "application/json"),
            ],
            &json!({ "nonce": nonce() }).to_string(),
        );
        assert_eq!(r.status, 200, "{host}: {}", r.body);
        assert_eq!(r.json()["result"]["agent"], "podpis-agent");
    }
}

#[test]
fn unknown_origins_get_origin_not_allowed_and_a_one_time_approval() {
    let a = start();
    // No Origin at all: refused, no approval page.
    let r = a.raw(
        "POST",
        "/api/v1/version",
        &[],
        &json!({ "nonce": nonce() }).to_string(),
    );
    assert_eq!(r.status, 403);
    assert_eq!(code(&r.json()), "ORIGIN_NOT_ALLOWED");
    assert!(r.json()["error"]["approvalUrl"].is_null());

    // The preflight answers any origin (so the page can read the refusal)
    // with Private Network Access, never with credentials.
    let pre = a.raw(
        "OPTIONS",
        "/api/v1/certificates",
        &[
            ("Origin", OTHER),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
            ("Access-Control-Request-Private-Network", "true"),
        ],
        "",
    );
    assert_eq!(pre.status, 204);
    assert_eq!(pre.header("access-control-allow-origin"), Some(OTHER));
    assert_eq!(
        pre.header("access-control-allow-private-network"),
        Some("true")
    );
    assert_eq!(pre.header("access-control-allow-methods"), Some("POST"));
    assert!(pre.header("access-control-allow-credentials").is_none());

    // An unknown origin can neither list nor sign.
    let list = a.api(OTHER, "/api/v1/certificates", json!({}));
    assert_eq!(list.status, 403);
    assert_eq!(code(&list.json()), "ORIGIN_NOT_ALLOWED");
    assert!(!list.body.contains("Иванов"));
    let sign = a.api(
        OTHER,
        "/api/v1/sign",
        json!({ "certId": a.fx.cert_id, "data": "aGk=", "description": "x" }),
    );
    assert_eq!(code(&sign.json()), "ORIGIN_NOT_ALLOWED");
    let url = sign.json()["error"]["approvalUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    // One pending approval per origin.
    assert_eq!(
        list.json()["error"]["approvalUrl"].as_str(),
        Some(url.as_str())
    );
    let path = url.strip_prefix(&a.own()).unwrap().to_owned();

    let page = a.raw("GET", &path, &[], "");
    assert_eq!(page.status, 200);
    assert!(page.body.contains(OTHER), "{}", page.body);
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    let token = hidden(&page.body, "token");
    let form = format!("token={token}&action=allow");

    // A form posted from another origin (the calling page) is refused.
    let forged = a.raw(
        "POST",
        &path,
        &[
            ("Origin", OTHER),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &form,
    );
    assert_eq!(forged.status, 403);
    let cross = a.raw(
        "POST",
        &path,
        &[
            ("Origin", &a.own()),
            ("Sec-Fetch-Site", "cross-site"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &form,
    );
    assert_eq!(cross.status, 403);
    // A wrong token does nothing.
    let wrong = a.post_form(&path, "token=AAAA&action=allow");
    assert_eq!(wrong.status, 404);
    assert_eq!(
        code(&a.api(OTHER, "/api/v1/version", json!({})).json()),
        "ORIGIN_NOT_ALLOWED"
    );

    let ok = a.post_form(&path, &form);
    assert_eq!(ok.status, 200, "{}", ok.body);
    let v = a.api(OTHER, "/api/v1/version", json!({}));
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.header("access-control-allow-origin"), Some(OTHER));
    // The approval is one-time: posting it again is CONSENT_USED.
    let again = a.post_form(&path, &form);
    assert_eq!(again.status, 409);
    assert!(again.body.contains("CONSENT_USED"));
    // It persisted in the file.
    let file = std::fs::read_to_string(a.dir.path().join("cfg/agent-origins.json")).unwrap();
    assert!(file.contains(OTHER), "{file}");

    // Revoked on the agent's page: refused again.
    let index = a.raw("GET", "/", &[], "");
    assert!(index.body.contains(OTHER));
    let page_token = hidden(&index.body, "token");
    let bad = a.post_form("/origins/revoke", &format!("token=x&origin={OTHER}"));
    assert_eq!(bad.status, 404);
    let revoked = a.post_form(
        "/origins/revoke",
        &format!("token={page_token}&origin=https%3A%2F%2Fevil.example"),
    );
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(
        code(&a.api(OTHER, "/api/v1/version", json!({})).json()),
        "ORIGIN_NOT_ALLOWED"
    );
    assert_eq!(a.api(SITE, "/api/v1/version", json!({})).status, 200);
}

#[test]
fn every_call_carries_a_fresh_nonce() {
    let a = start();
    let missing = a.api_raw(SITE, "/api/v1/version", &json!({}));
    assert_eq!(missing.status, 400);
    assert_eq!(code(&missing.json()), "AGENT_NONCE_INVALID");
    for bad in ["short", "has spaces in it, sixteen+", &"x".repeat(129)] {
        let r = a.api_raw(SITE, "/api/v1/version", &json!({ "nonce": bad }));
        assert_eq!(code(&r.json()), "AGENT_NONCE_INVALID", "{bad}");
    }
    let body = json!({ "nonce": nonce() });
    let first = a.api_raw(SITE, "/api/v1/certificates", &body);
    assert_eq!(first.status, 200);
    assert_eq!(first.json()["nonce"], body["nonce"]);
    let replay = a.api_raw(SITE, "/api/v1/certificates", &body);
    assert_eq!(replay.status, 409);
    assert_eq!(code(&replay.json()), "AGENT_NONCE_REUSED");
    assert!(!replay.body.contains("Иванов"));
    // No cookies, ever.
    assert!(first.header("set-cookie").is_none());
}

#[test]
fn certificates_are_listed_without_key_material() {
    let a = start();
    let r = a.api(SITE, "/api/v1/certificates", json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("access-control-allow-origin"), Some(SITE));
    let list = r.json()["result"]["certificates"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(list.len(), 1);
    let c = &list[0];
    assert_eq!(c["id"], a.fx.cert_id.as_str());
    assert_eq!(c["name"], "Иванов Иван Иванович");
    assert_eq!(c["snils"], "11223344595");
    assert_eq!(c["inn"], "500100732259");
    assert_eq!(c["issuerName"], "Тестовый УЦ");
    assert_eq!(c["qualified"], true);
    assert_eq!(c["location"]["kind"], "container");
    assert!(c["notAfter"].as_str().unwrap().ends_with('Z'));
    // Exactly these fields: nothing else can carry a secret.
    let mut keys: Vec<_> = c.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "certificate",
            "id",
            "inn",
            "innle",
            "issuer",
            "issuerName",
            "location",
            "name",
            "notAfter",
            "notBefore",
            "ogrn",
            "ogrnip",
            "qualified",
            "serial",
            "snils",
            "subject"
        ]
    );
    // The private key appears in no encoding.
    let k = &a.fx.private_key;
    let hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
    let mut le = k.clone();
    le.reverse();
    let hex_le: String = le.iter().map(|b| format!("{b:02x}")).collect();
    let body = r.body.to_ascii_lowercase();
    assert!(!body.contains(&hex) && !body.contains(&hex_le));
    let der = base64::engine::general_purpose::STANDARD
        .decode(c["certificate"].as_str().unwrap())
        .unwrap();
    assert!(
        !der.windows(k.len())
            .any(|w| w == k.as_slice() || w == le.as_slice())
    );
    for b64 in [
        base64::engine::general_purpose::STANDARD.encode(k),
        base64::engine::general_purpose::STANDARD.encode(&le),
    ] {
        assert!(!r.body.contains(&b64[..40]));
    }
}

fn openssl_verify(dir: &std::path::Path, ca: &std::path::Path, sig: &[u8], content: Option<&[u8]>) {
    std::fs::write(dir.join("sig.p7s"), sig).unwrap();
    let mut cmd = support::openssl();
    cmd.current_dir(dir)
        .args([
            "cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.p7s", "-CAfile",
        ])
        .arg(ca)
        .args(["-out", "content.out"]);
    if let Some(c) = content {
        std::fs::write(dir.join("content.bin"), c).unwrap();
        cmd.args(["-content", "content.bin"]);
    }
    support::run_ok(&mut cmd);
}

#[test]
fn sign_needs_consent_with_the_pin_and_a_consent_cannot_be_replayed() {
    let a = start();
    let data = "Заявление № 42".as_bytes();
    let (request, path) = a.start_sign(json!({
        "certId": a.fx.cert_id,
        "data": base64::engine::general_purpose::STANDARD.encode(data),
        "detached": false,
        "description": "Заявление на <b>выдачу</b> справки",
    }));
    // Nothing happens before the user answers.
    assert_eq!(a.result(SITE, &request)["result"]["status"], "pending");

    let page = a.raw("GET", &path, &[], "");
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(
        page.header("cross-origin-opener-policy"),
        Some("same-origin")
    );
    assert!(page.body.contains(SITE));
    // The description is escaped, not markup.
    assert!(
        page.body
            .contains("Заявление на &#60;b&#62;выдачу&#60;/b&#62; справки")
            || page
                .body
                .contains("Заявление на &lt;b&gt;выдачу&lt;/b&gt; справки"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Иванов Иван Иванович"));
    assert!(page.body.contains("Отмена") && page.body.contains("Подписать"));
    let digest: String = pki::algorithm::DigestAlgorithm::Streebog256
        .digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(page.body.contains(&digest[..8]) && page.body.contains(&digest[56..]));
    assert!(!page.body.contains("<script"));
    let token = hidden(&page.body, "token");
    let form = format!("token={token}&action=sign&pin={}", fixture::PIN);

    // The calling page cannot post the consent: wrong origin.
    let forged = a.raw(
        "POST",
        &path,
        &[
            ("Origin", SITE),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &form,
    );
    assert_eq!(forged.status, 403);
    assert_eq!(a.result(SITE, &request)["result"]["status"], "pending");

    let signed = a.post_form(&path, &form);
    assert_eq!(signed.status, 200, "{}", signed.body);
    assert!(signed.body.contains("Документ подписан"));
    let outcome = a.result(SITE, &request);
    let result = &outcome["result"];
    assert_eq!(result["status"], "signed", "{outcome}");
    assert_eq!(result["format"], "CAdES-BES");
    assert_eq!(result["digest"], digest.as_str());
    let sig = base64::engine::general_purpose::STANDARD
        .decode(result["signature"].as_str().unwrap())
        .unwrap();
    openssl_verify(a.dir.path(), &a.fx.ca_pem, &sig, None);
    assert_eq!(
        std::fs::read(a.dir.path().join("content.out")).unwrap(),
        data
    );

    // Replaying the consent does nothing: no PIN tried, the outcome stays.
    let wrong_pin_replay = format!("token={token}&action=sign&pin=00000000");
    for replay in [&form, &wrong_pin_replay] {
        let r = a.post_form(&path, replay);
        assert_eq!(r.status, 409);
        assert!(r.body.contains("CONSENT_USED"));
    }
    assert_eq!(a.tries_left(), 3);
    assert_eq!(
        a.result(SITE, &request)["result"]["signature"],
        result["signature"]
    );
    // The page is gone; another origin cannot fetch the result.
    assert_eq!(a.raw("GET", &path, &[], "").status, 409);
    let r = a.api(OTHER, "/api/v1/sign/result", json!({ "request": request }));
    assert_eq!(code(&r.json()), "ORIGIN_NOT_ALLOWED");
}

#[test]
fn a_digest_is_signed_detached_and_bad_calls_are_refused() {
    let a = start();
    let data = b"a large document, hashed by the page";
    let digest: String = pki::algorithm::DigestAlgorithm::Streebog256
        .digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    for (body, expect) in [
        (
            json!({ "certId": a.fx.cert_id, "digest": digest, "description": "d" }),
            "AGENT_BAD_REQUEST",
        ),
        (
            json!({ "certId": a.fx.cert_id, "digest": &digest[2..], "detached": true, "description": "d" }),
            "AGENT_BAD_REQUEST",
        ),
        (
            json!({ "certId": a.fx.cert_id, "digest": digest, "data": "aGk=", "detached": true, "description": "d" }),
            "AGENT_BAD_REQUEST",
        ),
        (
            json!({ "certId": a.fx.cert_id, "data": "aGk=", "description": "  " }),
            "AGENT_BAD_REQUEST",
        ),
        (
            json!({ "certId": a.fx.cert_id, "data": "aGk=", "description": "d", "pin": "1" }),
            "AGENT_BAD_REQUEST",
        ),
        (
            json!({ "certId": "00ff", "data": "aGk=", "description": "d" }),
            "AGENT_CERT_NOT_FOUND",
        ),
    ] {
        let r = a.api(SITE, "/api/v1/sign", body.clone());
        assert_eq!(code(&r.json()), expect, "{body}");
    }
    let (request, path) = a.start_sign(json!({
        "certId": a.fx.cert_id, "digest": digest, "detached": true, "description": "Отчёт",
    }));
    let r = a.consent(&path, "sign", fixture::PIN);
    assert_eq!(r.status, 200, "{}", r.body);
    let outcome = a.result(SITE, &request);
    assert_eq!(outcome["result"]["detached"], true, "{outcome}");
    let sig = base64::engine::general_purpose::STANDARD
        .decode(outcome["result"]["signature"].as_str().unwrap())
        .unwrap();
    openssl_verify(a.dir.path(), &a.fx.ca_pem, &sig, Some(data));
}

#[test]
fn cancel_returns_cancelled_and_signs_nothing() {
    let a = start();
    let (request, path) = a.start_sign(json!({
        "certId": a.fx.cert_id, "data": "aGk=", "description": "Согласие",
    }));
    let r = a.consent(&path, "cancel", "");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Подписание отменено"));
    let outcome = a.result(SITE, &request);
    assert_eq!(code(&outcome), "CANCELLED", "{outcome}");
    assert!(outcome["result"].is_null());
    assert_eq!(a.tries_left(), 3);
}

#[test]
fn wrong_pins_count_down_then_lock() {
    let a = start();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (request, path) = a.start_sign(json!({
            "certId": a.fx.cert_id, "data": "aGk=", "description": "Попытка",
        }));
        let page = a.consent(&path, "sign", "00000000");
        assert_eq!(page.status, 200);
        let outcome = a.result(SITE, &request);
        seen.push((
            code(&outcome).to_owned(),
            outcome["error"]["triesLeft"].as_u64(),
        ));
        if code(&outcome) == "PIN_INCORRECT" {
            assert!(page.body.contains("Неверный PIN-код"), "{}", page.body);
        }
    }
    assert_eq!(
        seen,
        [
            ("PIN_INCORRECT".to_owned(), Some(2)),
            ("PIN_INCORRECT".to_owned(), Some(1)),
            ("PIN_LOCKED".to_owned(), None),
        ]
    );
    // Locked: even the right PIN is refused now.
    let (request, path) = a.start_sign(json!({
        "certId": a.fx.cert_id, "data": "aGk=", "description": "После блокировки",
    }));
    a.consent(&path, "sign", fixture::PIN);
    assert_eq!(code(&a.result(SITE, &request)), "PIN_LOCKED");
}

#[test]
fn an_unanswered_consent_expires() {
    let a = start();
    let (request, path) = a.start_sign(json!({
        "certId": a.fx.cert_id, "data": "aGk=", "description": "Позже",
    }));
    let page = a.raw("GET", &path, &[], "");
    let token = hidden(&page.body, "token");
    *a.clock.0.lock().unwrap() += Duration::from_secs(301);
    assert_eq!(code(&a.result(SITE, &request)), "CONSENT_EXPIRED");
    assert_eq!(a.raw("GET", &path, &[], "").status, 410);
    let late = a.post_form(
        &path,
        &format!("token={token}&action=sign&pin={}", fixture::PIN),
    );
    assert_eq!(late.status, 410);
    assert_eq!(a.tries_left(), 3);
}
