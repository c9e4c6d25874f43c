//! `podpis serve` as a child process: a CA made by `podpis ca init`, an
//! operator made by `podpis ca operator add`, the API answering a real
//! HTTP client, SIGTERM → a clean exit; a non-loopback address without
//! TLS in front is refused; the operator pages driven in Chromium
//! (tests/web/operator.spec.mjs); the TSA stamping `openssl ts -query`
//! requests that `openssl ts -verify` accepts; a revocation made by
//! another process (`podpis ca revoke --data`) reaching the running
//! server's OCSP responder and CRL through its journal polling, on SQLite
//! and on PostgreSQL. Containers use the cheap test KDF.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn podpis(dir: &Path) -> Command {
    support::podpis_command(dir)
}

fn ok(out: Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    text
}

fn init(dir: &Path) {
    init_on(dir, &[]);
}

/// `ca init --data ca` with `db` (e.g. `--database-url URL`) added.
fn init_on(dir: &Path, db: &[&str]) {
    fs::write(dir.join("issuing.pin"), "issuing-pin-1\n").unwrap();
    fs::write(dir.join("root.pin"), "root-pin-2\n").unwrap();
    fs::write(dir.join("so.pin"), "so-pin-3\n").unwrap();
    ok(podpis(dir)
        .args(["ca", "init", "--data", "ca"])
        .args(db)
        .args(["--org", "АО «Тестовый УЦ»"])
        .args(["--ogrn", "1027700132195", "--innle", "7707083893"])
        .args(["--crl-url", "http://127.0.0.1:1/issuing.crl"])
        .args(["--ocsp-url", "http://127.0.0.1:1/ocsp"])
        .args(["--pin-file", "issuing.pin", "--root-pin-file", "root.pin"])
        .args(["--so-pin-file", "so.pin", "--operator", "ceremony"])
        .output()
        .unwrap());
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn basic(login: &str, password: &str) -> String {
    use std::fmt::Write;
    // Base64 by hand: the test needs no base64 crate for one header.
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{login}:{password}");
    let mut out = String::new();
    for chunk in input.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    let mut header = String::new();
    write!(header, "Basic {out}").unwrap();
    header
}

fn add_operator(d: &Path) {
    fs::write(d.join("petrova.pass"), "correct horse battery\n").unwrap();
    let out = ok(podpis(d)
        .args([
            "ca", "operator", "add", "--data", "ca", "--login", "petrova",
        ])
        .args(["--password-file", "petrova.pass"])
        .output()
        .unwrap());
    assert!(out.contains("petrova"), "{out}");
}

/// `podpis serve` on 127.0.0.1:0; returns the child and its base URL.
fn start_serve(d: &Path) -> (std::process::Child, String) {
    spawn_serve(d, &[], Stdio::piped())
}

/// `podpis serve` on 127.0.0.1:0 with `extra` arguments, its log in
/// `serve.log`.
fn start_serve_with(d: &Path, extra: &[&str]) -> (std::process::Child, String) {
    let log = fs::File::create(d.join("serve.log")).unwrap();
    spawn_serve(d, extra, Stdio::from(log))
}

fn spawn_serve(d: &Path, extra: &[&str], stderr: Stdio) -> (std::process::Child, String) {
    let mut child = podpis(d)
        .args(["serve", "--data", "ca", "--pin-file", "issuing.pin"])
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (child, base)
}

fn stop(child: &mut std::process::Child) {
    ok(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .output()
        .unwrap());
    assert!(child.wait().unwrap().success());
}

#[test]
fn operator_pages_in_chromium() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web");
    assert!(
        web.join("node_modules/playwright-core").exists(),
        "run `npm ci` in {} (scripts/test does)",
        web.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    add_operator(d);
    let (mut child, base) = start_serve(d);

    // The applicant submits a CSR made by openssl req over the API.
    run_ok_openssl(d);
    let csr = fs::read_to_string(d.join("a.csr")).unwrap();
    let body = serde_json::json!({
        "applicant": {
            "kind": "person", "surname": "Иванов", "given_name": "Иван Иванович",
            "snils": "112-233-445 95", "passport_series": "4510",
            "passport_number": "123456", "passport_issued": "2015-06-01"
        },
        "csr": csr,
    });
    let r = agent()
        .post(format!("{base}/api/v1/requests"))
        .content_type("application/json")
        .send(body.to_string())
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let submitted: serde_json::Value =
        serde_json::from_str(&r.into_body().read_to_string().unwrap()).unwrap();
    let id = submitted["id"].as_i64().unwrap().to_string();

    let out = Command::new("node")
        .arg(web.join("operator.spec.mjs"))
        .env("PODPIS_BASE", &base)
        .env("PODPIS_LOGIN", "petrova")
        .env("PODPIS_PASSWORD", "correct horse battery")
        .env("PODPIS_REQUEST", &id)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "operator.spec.mjs: {text}");
    assert!(text.contains("operator pages: OK"), "{text}");

    // What the browser did is in the database: the certificate is revoked.
    let detail = agent()
        .get(format!("{base}/api/v1/operator/requests/{id}"))
        .header("Authorization", basic("petrova", "correct horse battery"))
        .call()
        .unwrap();
    let detail: serde_json::Value =
        serde_json::from_str(&detail.into_body().read_to_string().unwrap()).unwrap();
    assert_eq!(detail["state"], "issued");
    assert_eq!(detail["certificate"]["status"], "revoked", "{detail}");
    assert_eq!(detail["identifications"][0]["operator"], "petrova");
    stop(&mut child);
}

fn run_ok_openssl(d: &Path) {
    support::run_ok(
        support::openssl()
            .current_dir(d)
            .args(["req", "-new", "-newkey", "gost2012_256"])
            .args(["-pkeyopt", "paramset:A", "-nodes"])
            .args(["-subj", "/CN=applicant/C=RU"])
            .args(["-keyout", "a.key", "-out", "a.csr"]),
    );
}

#[test]
fn serve_answers_the_api_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    fs::write(d.join("petrova.pass"), "correct horse battery\n").unwrap();
    let out = ok(podpis(d)
        .args([
            "ca", "operator", "add", "--data", "ca", "--login", "petrova",
        ])
        .args(["--password-file", "petrova.pass"])
        .output()
        .unwrap());
    assert!(out.contains("petrova"), "{out}");
    // Too short a password is refused.
    fs::write(d.join("short.pass"), "short\n").unwrap();
    let out = podpis(d)
        .args(["ca", "operator", "add", "--data", "ca", "--login", "x"])
        .args(["--password-file", "short.pass"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CA_OPERATOR_ACCOUNT_INVALID"));

    let (mut child, base) = start_serve(d);

    let agent = agent();
    let status = agent
        .get(format!("{base}/api/v1/operator/status"))
        .header("Authorization", basic("petrova", "correct horse battery"))
        .call()
        .unwrap();
    assert_eq!(status.status().as_u16(), 200);
    let body = status.into_body().read_to_string().unwrap();
    assert!(body.contains("issuing_ca"), "{body}");
    let anonymous = agent
        .get(format!("{base}/api/v1/operator/status"))
        .call()
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);

    ok(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .output()
        .unwrap());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "podpis serve ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    assert!(exit.success(), "exit {exit:?}: {log}");
    assert!(
        log.contains("shutting down") && log.contains("stopped"),
        "{log}"
    );
    // Neither the PIN nor the password reaches the log.
    assert!(
        !log.contains("issuing-pin-1") && !log.contains("correct horse"),
        "{log}"
    );
}

#[test]
fn serve_refuses_a_public_address_without_tls_in_front() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    let out = podpis(d)
        .args(["serve", "--data", "ca", "--pin-file", "issuing.pin"])
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tls_in_front"), "{err}");
    // With the configuration saying a TLS proxy is in front, it starts.
    fs::write(
        d.join("serve.json"),
        r#"{"data": "ca", "pin_file": "issuing.pin", "listen": "0.0.0.0:0", "tls_in_front": true}"#,
    )
    .unwrap();
    let mut child = podpis(d)
        .args(["serve", "--config", "serve.json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on http://0.0.0.0:"), "{line}");
    stop(&mut child);
    // An unknown key in the configuration is an error, not ignored.
    fs::write(d.join("bad.json"), r#"{"listn": "127.0.0.1:0"}"#).unwrap();
    let out = podpis(d)
        .args(["serve", "--config", "bad.json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("listn"));
}

#[test]
fn ca_commands_with_server_call_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    add_operator(d);
    let (mut child, base) = start_serve(d);
    run_ok_openssl(d);
    let csr = fs::read_to_string(d.join("a.csr")).unwrap();
    let body = serde_json::json!({
        "applicant": {
            "kind": "person", "surname": "Иванов", "given_name": "Иван Иванович",
            "snils": "112-233-445 95", "passport_series": "4510",
            "passport_number": "123456", "passport_issued": "2015-06-01"
        },
        "csr": csr,
    });
    let r = agent()
        .post(format!("{base}/api/v1/requests"))
        .content_type("application/json")
        .send(body.to_string())
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);

    let remote = |args: &[&str]| {
        let mut cmd = podpis(d);
        cmd.arg("ca")
            .args(args)
            .args(["--server", &base, "--operator", "petrova"])
            .args(["--password-file", "petrova.pass"]);
        cmd.output().unwrap()
    };
    let list = ok(remote(&["requests", "--state", "submitted", "--json"]));
    let list: serde_json::Value = serde_json::from_str(list.trim()).unwrap();
    let id = list[0]["id"].as_i64().unwrap().to_string();
    ok(remote(&[
        "identify",
        "--request",
        &id,
        "--document-type",
        "паспорт РФ",
        "--document-number",
        "4510 123456",
    ]));
    ok(remote(&["approve", "--request", &id]));
    let out = ok(remote(&["issue", "--request", &id, "--out", "a.crt"]));
    let serial = out
        .split("serial: ")
        .nth(1)
        .and_then(|s| s.lines().next())
        .unwrap()
        .trim()
        .to_owned();
    let pem = fs::read_to_string(d.join("a.crt")).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");

    // The server's OCSP responder, asked by `openssl ocsp`: good, and its
    // response verifies against the CA chain.
    let chain = format!(
        "{}{}",
        fs::read_to_string(d.join("ca/root.crt")).unwrap(),
        fs::read_to_string(d.join("ca/issuing.crt")).unwrap()
    );
    fs::write(d.join("chain.pem"), chain).unwrap();
    let ocsp = || {
        let out = support::openssl()
            .current_dir(d)
            .args(["ocsp", "-issuer", "ca/issuing.crt", "-cert", "a.crt"])
            .args(["-CAfile", "chain.pem", "-url", &format!("{base}/ocsp")])
            .output()
            .unwrap();
        ok(out)
    };
    let answer = ocsp();
    assert!(answer.contains("a.crt: good"), "{answer}");
    assert!(answer.contains("Response verify OK"), "{answer}");
    let out = ok(remote(&[
        "revoke",
        "--serial",
        &serial,
        "--reason",
        "keyCompromise",
    ]));
    assert!(out.contains("revoked"), "{out}");
    // The revocation reached the responder at once, and the CRL the server
    // publishes lists it (checked by OpenSSL against the chain).
    let answer = ocsp();
    assert!(answer.contains("a.crt: revoked"), "{answer}");
    let crl = agent()
        .get(format!("{base}/crl/ca.crl"))
        .call()
        .unwrap()
        .into_body()
        .read_to_vec()
        .unwrap();
    fs::write(d.join("ca.crl"), crl).unwrap();
    let text = ok(support::openssl()
        .current_dir(d)
        .args([
            "crl",
            "-inform",
            "DER",
            "-in",
            "ca.crl",
            "-CAfile",
            "chain.pem",
        ])
        .args(["-noout", "-text"])
        .output()
        .unwrap());
    assert!(text.contains("verify OK"), "{text}");
    assert!(
        text.to_ascii_uppercase()
            .contains(&serial.to_ascii_uppercase()),
        "{serial} not in {text}"
    );

    // The server's refusals come back with their codes.
    let again = remote(&["approve", "--request", &id]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("CA_REQUEST_WRONG_STATE"));
    fs::write(d.join("wrong.pass"), "not the password\n").unwrap();
    let wrong = podpis(d)
        .args(["ca", "approve", "--request", &id, "--server", &base])
        .args(["--operator", "petrova", "--password-file", "wrong.pass"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("API_AUTH_FAILED"));
    // Commands that need the database refuse --server.
    let crl = remote(&["crl"]);
    assert!(!crl.status.success());
    assert!(String::from_utf8_lossy(&crl.stderr).contains("--server"));

    // The journal names the operator for the remote actions.
    let journal = agent()
        .get(format!("{base}/api/v1/operator/journal"))
        .header("Authorization", basic("petrova", "correct horse battery"))
        .call()
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    let journal: serde_json::Value = serde_json::from_str(&journal).unwrap();
    let by_petrova = |action: &str| {
        journal["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == action && e["actor"] == "petrova")
    };
    assert!(by_petrova("certificate.issued") && by_petrova("certificate.revoked"));
    stop(&mut child);
}

/// POSTs `body` to `url` as `content_type`; status, Content-Type, body.
fn post(url: &str, content_type: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let r = agent()
        .post(url)
        .content_type(content_type)
        .send(body)
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ct, r.into_body().read_to_vec().unwrap())
}

/// `ca/chain.pem`: the root and the issuing CA.
fn write_chain(d: &Path) {
    let chain = format!(
        "{}{}",
        fs::read_to_string(d.join("ca/root.crt")).unwrap(),
        fs::read_to_string(d.join("ca/issuing.crt")).unwrap()
    );
    fs::write(d.join("chain.pem"), chain).unwrap();
}

#[test]
fn serve_stamps_time_when_a_tsa_policy_is_set() {
    const POLICY: &str = "1.2.643.100.200.7";
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    write_chain(d);
    fs::write(d.join("doc.txt"), "a document to stamp\n").unwrap();
    fs::write(d.join("other.txt"), "another document\n").unwrap();
    support::run_ok(
        support::openssl()
            .current_dir(d)
            .args(["ts", "-query", "-data", "doc.txt", "-md_gost12_256"])
            .args(["-cert", "-out", "req.tsq"]),
    );
    let query = fs::read(d.join("req.tsq")).unwrap();

    // Without tsa_policy there is no TSA, and no time-stamping key is made.
    let (mut child, base) = start_serve(d);
    let (code, _, _) = post(
        &format!("{base}/tsp"),
        "application/timestamp-query",
        &query,
    );
    assert_eq!(code, 404);
    stop(&mut child);

    fs::write(
        d.join("serve.json"),
        format!(r#"{{"tsa_policy": "{POLICY}"}}"#),
    )
    .unwrap();
    let (mut child, base) = start_serve_with(d, &["--config", "serve.json"]);
    let (code, content_type, reply) = post(
        &format!("{base}/tsp"),
        "application/timestamp-query",
        &query,
    );
    assert_eq!(code, 200);
    assert_eq!(content_type, "application/timestamp-reply");
    fs::write(d.join("resp.tsr"), &reply).unwrap();
    let text = ok(support::openssl()
        .current_dir(d)
        .args(["ts", "-reply", "-in", "resp.tsr", "-text"])
        .output()
        .unwrap());
    assert!(text.contains("Status: Granted."), "{text}");
    assert!(text.contains(&format!("Policy OID: {POLICY}")), "{text}");
    assert!(text.contains("TSA: DirName:"), "{text}");
    // OpenSSL's verification: imprint, signature, ESS certificate id, the
    // TSA certificate (carried in the token: -cert) chained to the root,
    // its timeStamping usage; then against the query (nonce, policy).
    for check in [["-data", "doc.txt"], ["-queryfile", "req.tsq"]] {
        let out = ok(support::openssl()
            .current_dir(d)
            .args(["ts", "-verify", "-in", "resp.tsr", "-CAfile", "chain.pem"])
            .args(check)
            .output()
            .unwrap());
        assert!(out.contains("Verification: OK"), "{out}");
    }
    // Other data: refused.
    let out = support::openssl()
        .current_dir(d)
        .args(["ts", "-verify", "-in", "resp.tsr", "-CAfile", "chain.pem"])
        .args(["-data", "other.txt"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    // A wrong Content-Type is refused before the TSA sees it.
    let (code, _, _) = post(&format!("{base}/tsp"), "application/ocsp-request", &query);
    assert_eq!(code, 415);
    stop(&mut child);

    // A policy that is not an OID stops the server at start, saying so.
    fs::write(d.join("bad.json"), r#"{"tsa_policy": "policy one"}"#).unwrap();
    let out = podpis(d)
        .args(["serve", "--data", "ca", "--pin-file", "issuing.pin"])
        .args(["--listen", "127.0.0.1:0", "--config", "bad.json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("tsa_policy"),
        "{out:?}"
    );
}

/// submit (OpenSSL's CSR) → identify → approve → issue `a.crt`, all by
/// the CLI on the data directory (and `db`); returns the serial.
fn issue_by_cli(d: &Path, db: &[&str]) -> String {
    run_ok_openssl(d);
    let ca = |args: &[&str]| {
        ok(podpis(d)
            .arg("ca")
            .arg(args[0])
            .args(["--data", "ca"])
            .args(db)
            .args(&args[1..])
            .output()
            .unwrap())
    };
    let out = ca(&[
        "submit",
        "--csr",
        "a.csr",
        "--kind",
        "person",
        "--surname",
        "Иванов",
        "--given-name",
        "Иван Иванович",
        "--snils",
        "112-233-445 95",
        "--passport-series",
        "4510",
        "--passport-number",
        "123456",
        "--passport-issued",
        "2015-06-01",
    ]);
    let id = out
        .split("№ ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no request number in {out}"))
        .to_owned();
    ca(&[
        "identify",
        "--request",
        &id,
        "--method",
        "personal",
        "--document-type",
        "паспорт РФ",
        "--document-number",
        "4510 123456",
        "--operator",
        "petrova",
    ]);
    ca(&["approve", "--request", &id, "--operator", "petrova"]);
    let out = ca(&[
        "issue",
        "--request",
        &id,
        "--operator",
        "petrova",
        "--pin-file",
        "issuing.pin",
        "--out",
        "a.crt",
    ]);
    out.split("serial: ")
        .nth(1)
        .and_then(|s| s.lines().next())
        .unwrap_or_else(|| panic!("no serial in {out}"))
        .trim()
        .to_owned()
}

/// `openssl ocsp -no_nonce` for `a.crt` against the server: the answer
/// comes from the pre-signed responses, so it changes only when the
/// server has learnt of a change. Returns OpenSSL's output.
fn ocsp_no_nonce(d: &Path, base: &str) -> String {
    ok(support::openssl()
        .current_dir(d)
        .args(["ocsp", "-no_nonce", "-issuer", "ca/issuing.crt"])
        .args(["-cert", "a.crt", "-CAfile", "chain.pem"])
        .args(["-url", &format!("{base}/ocsp")])
        .output()
        .unwrap())
}

/// The serials the server's current CRL lists (checked by OpenSSL against
/// the chain), upper case.
fn served_crl(d: &Path, base: &str) -> String {
    // The first CRL is built in the background after start: wait for it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let crl = loop {
        let r = agent().get(format!("{base}/crl/ca.crl")).call().unwrap();
        if r.status().as_u16() == 200 {
            break r.into_body().read_to_vec().unwrap();
        }
        assert!(Instant::now() < deadline, "no CRL served: {}", r.status());
        std::thread::sleep(Duration::from_millis(200));
    };
    fs::write(d.join("served.crl"), crl).unwrap();
    let text = ok(support::openssl()
        .current_dir(d)
        .args(["crl", "-inform", "DER", "-in", "served.crl"])
        .args(["-CAfile", "chain.pem", "-noout", "-text"])
        .output()
        .unwrap());
    assert!(text.contains("verify OK"), "{text}");
    text.to_ascii_uppercase()
}

/// The revocation is made by `podpis ca revoke --data` — another process,
/// on the same database — while `podpis serve` runs: its journal polling
/// (poll_seconds 1) must drop the pre-signed response and publish a CRL.
fn revocation_elsewhere_reaches_serve(db: &[&str]) {
    const POLL: u64 = 1;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init_on(d, db);
    write_chain(d);
    let serial = issue_by_cli(d, db);
    fs::write(
        d.join("serve.json"),
        format!(r#"{{"poll_seconds": {POLL}}}"#),
    )
    .unwrap();
    let mut extra = vec!["--config", "serve.json"];
    extra.extend_from_slice(db);
    let (mut child, base) = start_serve_with(d, &extra);
    let answer = ocsp_no_nonce(d, &base);
    assert!(answer.contains("a.crt: good"), "{answer}");
    assert!(answer.contains("Response verify OK"), "{answer}");
    assert!(!served_crl(d, &base).contains(&serial.to_ascii_uppercase()));

    let out = ok(podpis(d)
        .args(["ca", "revoke", "--data", "ca"])
        .args(db)
        .args(["--serial", &serial, "--reason", "keyCompromise"])
        .args(["--operator", "petrova"])
        .output()
        .unwrap());
    assert!(out.contains("revoked"), "{out}");
    let revoked_at = Instant::now();
    // Within the poll period (plus the time an openssl run takes).
    let answer = loop {
        let answer = ocsp_no_nonce(d, &base);
        if answer.contains("a.crt: revoked") {
            break answer;
        }
        assert!(answer.contains("a.crt: good"), "{answer}");
        assert!(
            revoked_at.elapsed() < Duration::from_secs(POLL + 10),
            "still good {:?} after the revocation: {answer}",
            revoked_at.elapsed()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(answer.contains("Reason: keyCompromise"), "{answer}");
    assert!(answer.contains("Response verify OK"), "{answer}");
    // The CRL published on the change lists it.
    loop {
        if served_crl(d, &base).contains(&serial.to_ascii_uppercase()) {
            break;
        }
        assert!(
            revoked_at.elapsed() < Duration::from_secs(POLL + 10),
            "{serial} not in the served CRL {:?} after the revocation",
            revoked_at.elapsed()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    stop(&mut child);
}

#[test]
fn revocation_by_the_cli_reaches_a_running_server_on_sqlite() {
    revocation_elsewhere_reaches_serve(&[]);
}

#[test]
fn revocation_by_the_cli_reaches_a_running_server_on_postgresql() {
    let db = support::PgDatabase::new("serve");
    let url = db.url();
    revocation_elsewhere_reaches_serve(&["--database-url", &url]);
}
