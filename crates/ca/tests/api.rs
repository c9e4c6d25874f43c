//! The registration REST API on a real socket (127.0.0.1:0), called with a
//! real HTTP client (ureq), on SQLite and PostgreSQL: CSRs made by `openssl
//! req` with the GOST engine, the issued certificate checked by `openssl
//! verify`; each bad input's code over HTTP and its recorded rejection;
//! operator authentication, lockout and the journal's operator names.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../pki/tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ca::api::{ApiConfig, ApiState, Lockout};
use ca::revocation::RevocationRequest;
use common::*;
use gost::ParamSet;
use pki::crl::CrlReason;
use serde_json::{Value, json};
use store::RequestState;
use store::testing::TestDb;
use support::{openssl, run_ok};

const PASSWORD: &str = "correct horse battery";

struct Server {
    rt: tokio::runtime::Runtime,
    fx: Fixture,
    base: String,
    agent: ureq::Agent,
}

struct Reply {
    status: u16,
    headers: ureq::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    /// The error code; every error has both messages.
    fn code(&self) -> String {
        let v = self.json();
        assert!(!v["message_ru"].as_str().unwrap().is_empty(), "{v}");
        assert!(!v["message_en"].as_str().unwrap().is_empty(), "{v}");
        v["code"].as_str().unwrap().to_owned()
    }
}

fn basic(login: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{login}:{password}")))
}

impl Server {
    /// The CA on `db`, operator `petrova`, the API on 127.0.0.1:0.
    fn start(db: TestDb) -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (fx, api) = rt.block_on(async {
            // A second handle on the same CA for the server; the fixture's
            // handle is for checks.
            let fx = fixture(db).await;
            let ca = ca::Ca::open(fx.db.open().await, fx.clock.clone())
                .await
                .unwrap()
                .with_signer(fx.issuing_key.clone())
                .unwrap();
            ca::api::put_operator(
                fx.ca.store(),
                "petrova",
                PASSWORD,
                "operator",
                false,
                start(),
            )
            .await
            .unwrap();
            let config = ApiConfig {
                body_limit: 64 * 1024,
                timeout: Duration::from_secs(30),
                lockout: Lockout {
                    max_failures: 3,
                    lock_for: Duration::from_secs(600),
                },
            };
            (fx, ca::api::router(ApiState::new(ca, config)))
        });
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        rt.spawn(async move { axum::serve(listener, api).await });
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Server {
            rt,
            fx,
            base,
            agent,
        }
    }

    fn call(&self, method: &str, path: &str, auth: Option<&str>, body: Option<&[u8]>) -> Reply {
        let url = format!("{}{path}", self.base);
        let result = match (method, body) {
            ("GET", _) => {
                let mut r = self.agent.get(&url);
                if let Some(a) = auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            (_, body) => {
                let mut r = self.agent.post(&url).content_type("application/json");
                if let Some(a) = auth {
                    r = r.header("Authorization", a);
                }
                r.send(body.unwrap_or(b"{}"))
            }
        };
        let response = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .with_config()
            .limit(10 << 20)
            .read_to_vec()
            .unwrap();
        Reply {
            status,
            headers,
            body,
        }
    }

    fn post_json(&self, path: &str, auth: Option<&str>, body: &Value) -> Reply {
        self.call("POST", path, auth, Some(body.to_string().as_bytes()))
    }

    fn operator(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let text = body.map(Value::to_string);
        self.call(
            method,
            path,
            Some(&basic("petrova", PASSWORD)),
            text.as_deref().map(str::as_bytes),
        )
    }
}

/// A GOST key and CSR made by `openssl req`; returns the CSR (PEM).
fn openssl_csr(dir: &Path, name: &str) -> String {
    run_ok(
        openssl()
            .current_dir(dir)
            .args(["req", "-new", "-newkey", "gost2012_256"])
            .args(["-pkeyopt", "paramset:A", "-nodes"])
            .args(["-subj", "/CN=applicant/C=RU"])
            .args(["-keyout", &format!("{name}.key")])
            .args(["-out", &format!("{name}.csr")]),
    );
    std::fs::read_to_string(dir.join(format!("{name}.csr"))).unwrap()
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    der::pem::decode_vec(pem.as_bytes()).unwrap().1
}

fn form_json(form: &ca::applicant::ApplicantForm) -> Value {
    serde_json::to_value(form).unwrap()
}

fn pem_of(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).unwrap()
}

fn full_flow(db: TestDb) {
    let s = Server::start(db);
    let name = s.fx.db.name();
    let dir = support::tempdir();
    let d = dir.path();

    // The applicant submits; the token reads the state, nothing else does.
    let csr = openssl_csr(d, "ivanov");
    let r = s.post_json(
        "/api/v1/requests",
        None,
        &json!({ "applicant": form_json(&person()), "csr": csr }),
    );
    assert_eq!(
        r.status,
        201,
        "{name}: {}",
        String::from_utf8_lossy(&r.body)
    );
    let submitted = r.json();
    let id = submitted["id"].as_i64().unwrap();
    let token = submitted["token"].as_str().unwrap().to_owned();
    assert_eq!(submitted["state"], "submitted");
    assert!(token.len() >= 43, "{token}");
    let by_token = s.call(
        "GET",
        &format!("/api/v1/requests/by-token/{token}"),
        None,
        None,
    );
    assert_eq!(by_token.status, 200);
    assert_eq!(by_token.json()["state"], "submitted");
    assert_eq!(by_token.json()["id"], id);
    let wrong = s.call("GET", "/api/v1/requests/by-token/AAAA", None, None);
    assert_eq!(
        (wrong.status, wrong.code().as_str()),
        (404, "API_NOT_FOUND")
    );

    // Operator calls need a login.
    for (method, path) in [
        ("GET", "/api/v1/operator/requests".to_owned()),
        ("POST", format!("/api/v1/operator/requests/{id}/approve")),
        ("GET", "/api/v1/operator/journal".to_owned()),
    ] {
        let r = s.call(method, &path, None, None);
        assert_eq!(
            (r.status, r.code().as_str()),
            (401, "API_AUTH_REQUIRED"),
            "{path}"
        );
        assert!(
            r.headers["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Basic")
        );
    }
    let list = s.operator("GET", "/api/v1/operator/requests?state=submitted", None);
    assert_eq!(list.status, 200);
    assert_eq!(list.json().as_array().unwrap().len(), 1);
    assert_eq!(list.json()[0]["applicant"]["surname"], "Иванов");

    // identify → approve → issue.
    let r = s.operator(
        "POST",
        &format!("/api/v1/operator/requests/{id}/identify"),
        Some(&json!({"method": "personal", "document_type": "паспорт РФ", "document_number": "4510 123456"})),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["state"], "identified");
    // Issuing before approval is a workflow conflict.
    let early = s.operator(
        "POST",
        &format!("/api/v1/operator/requests/{id}/issue"),
        None,
    );
    assert_eq!(
        (early.status, early.code().as_str()),
        (409, "CA_REQUEST_WRONG_STATE")
    );
    let r = s.operator(
        "POST",
        &format!("/api/v1/operator/requests/{id}/approve"),
        None,
    );
    assert_eq!(r.json()["state"], "approved");
    let r = s.operator(
        "POST",
        &format!("/api/v1/operator/requests/{id}/issue"),
        None,
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let serial = r.json()["serial"].as_str().unwrap().to_owned();

    let by_token = s.call(
        "GET",
        &format!("/api/v1/requests/by-token/{token}"),
        None,
        None,
    );
    assert_eq!(by_token.json()["state"], "issued");
    assert_eq!(by_token.json()["certificate_serial"], serial.as_str());

    // The certificate, DER and PEM, accepted by openssl verify.
    let der = s.call("GET", &format!("/api/v1/certificates/{serial}"), None, None);
    assert_eq!(der.status, 200);
    assert_eq!(der.headers["content-type"], "application/pkix-cert");
    let pem = s.call(
        "GET",
        &format!("/api/v1/certificates/{serial}?format=pem"),
        None,
        None,
    );
    assert_eq!(
        pem_to_der(std::str::from_utf8(&pem.body).unwrap()),
        der.body
    );
    std::fs::write(d.join("ivanov.crt"), &pem.body).unwrap();
    std::fs::write(
        d.join("chain.pem"),
        pem_of(&s.fx.ca.root().record.cert_der) + &pem_of(&s.fx.ca.issuing().record.cert_der),
    )
    .unwrap();
    let out = openssl()
        .current_dir(d)
        .args(["verify", "-CAfile", "chain.pem", "ivanov.crt"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: openssl verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let unknown = s.call("GET", "/api/v1/certificates/0123456789ABCDEF", None, None);
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (404, "CA_CERT_UNKNOWN")
    );

    // Someone else's signed revocation request: not entitled, journaled.
    let other_key = key(ParamSet::Tc26A256);
    let other = s.rt.block_on(issue(&s.fx, &other_person(), &other_key));
    let serial_parsed = ca::revocation::parse_serial(&serial).unwrap();
    let doc = RevocationRequest::new(&serial_parsed, CrlReason::KeyCompromise).to_json();
    let signed_doc = signed(&doc, &other_key, &other);
    let r = s.post_json(
        "/api/v1/revocations",
        None,
        &json!({ "signed": STANDARD.encode(&signed_doc) }),
    );
    assert_eq!(
        (r.status, r.code().as_str()),
        (403, "CA_REVOCATION_NOT_ENTITLED"),
        "{name}"
    );
    let garbage = s.post_json("/api/v1/revocations", None, &json!({ "signed": "AAAA" }));
    assert_eq!(
        (garbage.status, garbage.code().as_str()),
        (422, "CA_SIGNED_REQUEST_MALFORMED")
    );

    // The operator suspends, releases and revokes.
    let base = format!("/api/v1/operator/certificates/{serial}");
    let r = s.operator("POST", &format!("{base}/suspend"), None);
    assert_eq!(r.json()["status"], "hold", "{}", r.json());
    let r = s.operator("POST", &format!("{base}/release"), None);
    assert_eq!(r.json()["status"], "good");
    let r = s.operator(
        "POST",
        &format!("{base}/revoke"),
        Some(&json!({"reason": "keyCompromise"})),
    );
    assert_eq!(r.json()["status"], "revoked");
    let again = s.operator(
        "POST",
        &format!("{base}/revoke"),
        Some(&json!({"reason": "superseded"})),
    );
    assert_eq!(
        (again.status, again.code().as_str()),
        (409, "CA_CERT_REVOKED")
    );
    let bad_reason = s.operator(
        "POST",
        &format!("{base}/revoke"),
        Some(&json!({"reason": "whim"})),
    );
    assert_eq!(
        (bad_reason.status, bad_reason.code().as_str()),
        (422, "CA_REASON_UNKNOWN")
    );

    // CRL now, listing the revoked certificate; status counts.
    let crl = s.operator("POST", "/api/v1/operator/crl", None);
    assert_eq!(crl.status, 200, "{}", String::from_utf8_lossy(&crl.body));
    assert_eq!(crl.json()["entries"], 1);
    std::fs::write(
        d.join("issuing.crl"),
        STANDARD
            .decode(crl.json()["der"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    let text = run_ok(openssl().current_dir(d).args([
        "crl",
        "-inform",
        "DER",
        "-in",
        "issuing.crl",
        "-noout",
        "-text",
    ]));
    let text = String::from_utf8_lossy(&text.stdout).to_uppercase();
    assert!(text.contains(&serial.to_uppercase()), "{text}");
    let status = s.operator("GET", "/api/v1/operator/status", None).json();
    assert_eq!(status["certificates"]["revoked"], 1, "{status}");

    // The journal names the operator for each of her actions, and pages.
    let journal = s
        .operator("GET", "/api/v1/operator/journal?limit=1000", None)
        .json();
    let entries = journal["entries"].as_array().unwrap();
    for action in [
        "request.identified",
        "request.approved",
        "certificate.issued",
        "certificate.held",
        "certificate.released",
        "certificate.revoked",
    ] {
        assert!(
            entries
                .iter()
                .any(|e| e["action"] == action && e["actor"] == "petrova"),
            "{name}: {action} by petrova missing"
        );
    }
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "certificate.change_denied")
    );
    let page = s
        .operator("GET", "/api/v1/operator/journal?limit=2", None)
        .json();
    assert_eq!(page["entries"].as_array().unwrap().len(), 2);
    let after = page["next_after"].as_i64().unwrap();
    let next = s
        .operator(
            "GET",
            &format!("/api/v1/operator/journal?limit=2&after={after}"),
            None,
        )
        .json();
    assert!(next["entries"][0]["id"].as_i64().unwrap() > after);
}

#[test]
fn full_flow_on_sqlite() {
    full_flow(TestDb::sqlite());
}

#[test]
fn full_flow_on_postgresql() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    full_flow(rt.block_on(TestDb::postgres()));
}

fn bad_input(db: TestDb) {
    let s = Server::start(db);
    let name = s.fx.db.name();
    let dir = support::tempdir();
    let good = pem_to_der(&openssl_csr(dir.path(), "a"));

    let mut bad_signature = good.clone();
    let last = bad_signature.len() - 1;
    bad_signature[last] ^= 0x01;
    // The engine's paramset A is id-GostR3410-2001-CryptoPro-A-ParamSet
    // (1.2.643.2.2.35.1); …35.9 is unknown.
    let oid = [0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x23, 0x01];
    let at = good
        .windows(oid.len())
        .position(|w| w == oid)
        .expect("paramset A OID in OpenSSL's CSR");
    let mut unknown_paramset = good.clone();
    unknown_paramset[at + oid.len() - 1] = 0x09;
    let mut wrong_digit = person();
    wrong_digit.snils = Some("112-233-445 96".into());

    let cases = [
        ("CA_CSR_MALFORMED", person(), b"not a request".to_vec()),
        ("CA_CSR_BAD_SIGNATURE", person(), bad_signature),
        ("CA_CSR_UNKNOWN_PARAMSET", person(), unknown_paramset),
        ("SNILS_INVALID_CHECKSUM", wrong_digit, good.clone()),
    ];
    for (code, form, csr) in &cases {
        let r = s.post_json(
            "/api/v1/requests",
            None,
            &json!({ "applicant": form_json(form), "csr": STANDARD.encode(csr) }),
        );
        assert_eq!((r.status, r.code().as_str()), (422, *code), "{name}");
        let id = r.json()["request_id"]
            .as_i64()
            .expect("recorded request id");
        let rec = s.rt.block_on(s.fx.ca.store().request(id)).unwrap().unwrap();
        assert_eq!(rec.state, RequestState::Rejected);
        assert_eq!(rec.error_code.as_deref(), Some(*code));
    }

    // Bodies that are not the call's JSON, and bodies too large.
    let r = s.call("POST", "/api/v1/requests", None, Some(b"{not json"));
    assert_eq!((r.status, r.code().as_str()), (400, "API_BAD_REQUEST"));
    let r = s.post_json(
        "/api/v1/requests",
        None,
        &json!({ "applicant": form_json(&person()), "csr": "%%% not base64" }),
    );
    assert_eq!((r.status, r.code().as_str()), (400, "API_BAD_REQUEST"));
    let big = vec![b' '; 100 * 1024];
    let r = s.call("POST", "/api/v1/requests", None, Some(&big));
    assert_eq!((r.status, r.code().as_str()), (413, "API_BODY_TOO_LARGE"));
    let r = s.call("GET", "/api/v1/nothing", None, None);
    assert_eq!((r.status, r.code().as_str()), (404, "API_NOT_FOUND"));

    // Wrong passwords lock the account; then even the right one is refused.
    let wrong = basic("petrova", "not the password");
    for _ in 0..3 {
        let r = s.call("GET", "/api/v1/operator/status", Some(&wrong), None);
        assert_eq!((r.status, r.code().as_str()), (401, "API_AUTH_FAILED"));
    }
    let r = s.call(
        "GET",
        "/api/v1/operator/status",
        Some(&basic("petrova", PASSWORD)),
        None,
    );
    assert_eq!(
        (r.status, r.code().as_str()),
        (429, "API_OPERATOR_LOCKED"),
        "{name}"
    );
    let r = s.call(
        "GET",
        "/api/v1/operator/status",
        Some(&basic("nobody", PASSWORD)),
        None,
    );
    assert_eq!((r.status, r.code().as_str()), (401, "API_AUTH_FAILED"));
    // Resetting the account (operator add) unlocks it.
    s.rt.block_on(ca::api::put_operator(
        s.fx.ca.store(),
        "petrova",
        PASSWORD,
        "operator",
        false,
        start(),
    ))
    .unwrap();
    let r = s.operator("GET", "/api/v1/operator/status", None);
    assert_eq!(r.status, 200);
    // A disabled account cannot log in.
    s.rt.block_on(ca::api::put_operator(
        s.fx.ca.store(),
        "petrova",
        PASSWORD,
        "operator",
        true,
        start(),
    ))
    .unwrap();
    let r = s.operator("GET", "/api/v1/operator/status", None);
    assert_eq!((r.status, r.code().as_str()), (401, "API_AUTH_FAILED"));
}

#[test]
fn bad_input_on_sqlite() {
    bad_input(TestDb::sqlite());
}

#[test]
fn bad_input_on_postgresql() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    bad_input(rt.block_on(TestDb::postgres()));
}
