//! `podpis serve` as a child process: a CA made by `podpis ca init`, an
//! operator made by `podpis ca operator add`, the API answering a real
//! HTTP client, SIGTERM → a clean exit; a non-loopback address without
//! TLS in front is refused; the operator pages driven in Chromium
//! (tests/web/operator.spec.mjs). Containers use the cheap test KDF.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "../../pki/tests/support/mod.rs"]
mod support;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn podpis(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_podpis"));
    cmd.current_dir(dir)
        .env("PODPIS_INSECURE_KDF", "1")
        .env_remove("PODPIS_PIN")
        .env_remove("PODPIS_OPERATOR_PASSWORD");
    cmd
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
    fs::write(dir.join("issuing.pin"), "issuing-pin-1\n").unwrap();
    fs::write(dir.join("root.pin"), "root-pin-2\n").unwrap();
    fs::write(dir.join("so.pin"), "so-pin-3\n").unwrap();
    ok(podpis(dir)
        .args(["ca", "init", "--data", "ca", "--org", "АО «Тестовый УЦ»"])
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
    let mut child = podpis(d)
        .args(["serve", "--data", "ca", "--pin-file", "issuing.pin"])
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
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
