//! `podpis agent` as a child process: the allow-list commands
//! (`origins allow|list|revoke`), and the agent with the JavaScript SDK in
//! Chromium and in Firefox ESR (one scenario, tests/web/agent.spec.mjs, run
//! with each driver of tests/web/browsers.mjs): approval, listing, signing
//! with the PIN on the consent page (the signature checked by `podpis
//! verify` and `openssl cms -verify`), «Отмена», the PIN lock, a
//! non-approved origin, and AGENT_NOT_RUNNING after a clean stop.
//! Screenshots go to target/agent-screenshots/<browser>. And a key on a
//! PKCS#11 token (podpis's own module, libpodpis_pkcs11.so, over the same
//! container) listed and signed with through the agent's HTTP API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "../../pki/tests/support/mod.rs"]
mod support;

#[path = "../../agent/tests/fixture/mod.rs"]
mod fixture;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn podpis(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_podpis"));
    cmd.current_dir(dir)
        .env("PODPIS_INSECURE_KDF", "1")
        .env_remove("PODPIS_PIN")
        .env_remove("XDG_CONFIG_HOME");
    cmd
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn ok(out: Output) -> String {
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    t
}

#[test]
fn origins_are_allowed_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = ["--config-dir", "cfg"];
    let list = |json: bool| {
        let mut c = podpis(d);
        c.args(["agent", "origins", "list"]).args(cfg);
        if json {
            c.arg("--json");
        }
        ok(c.output().unwrap())
    };
    assert!(list(false).contains("no origins are allowed"));
    let out = ok(podpis(d)
        .args(["agent", "origins", "allow", "HTTPS://Portal.Example.ru/"])
        .args(cfg)
        .output()
        .unwrap());
    assert!(out.contains("https://portal.example.ru"), "{out}");
    ok(podpis(d)
        .args(["agent", "origins", "allow", "http://127.0.0.1:8080"])
        .args(cfg)
        .output()
        .unwrap());
    let json: serde_json::Value = serde_json::from_str(&list(true)).unwrap();
    let origins: Vec<_> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["origin"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        origins,
        ["https://portal.example.ru", "http://127.0.0.1:8080"]
    );
    assert!(list(false).contains("https://portal.example.ru\t20"));
    // The file is where the docs say, private to the user.
    let file = d.join("cfg/agent-origins.json");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("portal.example.ru")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    ok(podpis(d)
        .args(["agent", "origins", "revoke", "https://portal.example.ru"])
        .args(cfg)
        .output()
        .unwrap());
    assert!(!list(false).contains("portal.example.ru"));
    // Revoking what is not there, or a non-origin, fails with a message.
    let again = podpis(d)
        .args(["agent", "origins", "revoke", "https://portal.example.ru"])
        .args(cfg)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(text(&again).contains("not in the allow-list"));
    let bad = podpis(d)
        .args(["agent", "origins", "allow", "file:///etc/passwd"])
        .args(cfg)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(text(&bad).contains("AGENT_BAD_REQUEST"), "{}", text(&bad));
}

#[test]
fn agent_and_sdk_in_chromium() {
    agent_and_sdk_in("chromium", "/usr/bin/chromium", "playwright-core");
}

#[test]
fn agent_and_sdk_in_firefox() {
    agent_and_sdk_in("firefox", "/usr/bin/firefox-esr", "puppeteer-core");
}

/// Runs tests/web/agent.spec.mjs in `browser` (installed at `executable`,
/// driven by the npm package `driver`) against a fresh agent, then checks
/// the signature the page got.
fn agent_and_sdk_in(browser: &str, executable: &str, driver: &str) {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web");
    assert!(
        web.join("node_modules").join(driver).exists(),
        "run `npm ci` in {} (scripts/test does)",
        web.display()
    );
    assert!(
        Path::new(executable).exists(),
        "{executable} is missing: scripts/test installs it (SYSTEM_PACKAGES)"
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fx = fixture::make(d);
    let mut child = podpis(d)
        .args(["agent", "--config-dir", "cfg", "--port", "0", "--container"])
        .arg(&fx.container)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    let shots = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/agent-screenshots")
        .join(browser);
    // Last run's screenshots must not pass for this run's.
    let _ = std::fs::remove_dir_all(&shots);
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/sdk/podpis-agent.js");
    let out = Command::new("node")
        .arg(web.join("agent.spec.mjs"))
        .arg(browser)
        .env("PODPIS_AGENT_URL", &url)
        .env("PODPIS_AGENT_PID", child.id().to_string())
        .env("PODPIS_SDK", &sdk)
        .env("PODPIS_PIN", fixture::PIN)
        .env("PODPIS_OUT", d)
        .env("PODPIS_SHOTS", &shots)
        .output()
        .unwrap();
    let log = text(&out);
    if !out.status.success() {
        let _ = child.kill();
    }
    assert!(out.status.success(), "agent.spec.mjs {browser}: {log}");
    assert!(
        log.lines()
            .any(|l| l.starts_with(&format!("agent in {browser} ")) && l.ends_with(": OK")),
        "{log}"
    );
    // The spec stopped the agent with SIGTERM: a clean exit.
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");

    // The signature the browser got verifies with us and with OpenSSL.
    let report = podpis(d)
        .args(["verify", "--in", "attached.p7s", "--trust"])
        .arg(&fx.ca_pem)
        .args(["--no-revocation", "--json"])
        .output()
        .unwrap();
    assert_eq!(report.status.code(), Some(0), "{}", text(&report));
    assert_eq!(
        openssl_verified_content(d, &fx.ca_pem, "attached.p7s"),
        "Заявление о выдаче справки № 42"
    );
    assert!(shots.join("04-consent-page.png").exists());
}

/// The content of the attached CMS signature `dir/p7s`, after
/// `openssl cms -verify` (GOST engine) checked it against `ca`.
fn openssl_verified_content(dir: &Path, ca: &Path, p7s: &str) -> String {
    let out = format!("{p7s}.content");
    support::run_ok(
        support::openssl()
            .current_dir(dir)
            .args(["cms", "-verify", "-binary", "-inform", "DER", "-in", p7s])
            .arg("-CAfile")
            .arg(ca)
            .args(["-out", &out]),
    );
    std::fs::read_to_string(dir.join(out)).unwrap()
}

/// libpodpis_pkcs11.so, which cargo builds beside the test binaries.
fn pkcs11_module() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    [deps, deps.parent().unwrap()]
        .iter()
        .map(|d| d.join("libpodpis_pkcs11.so"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("libpodpis_pkcs11.so is not beside {}", exe.display()))
}

/// One HTTP/1.1 request to the agent at `addr` (`127.0.0.1:port`): the
/// status and the body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}

#[test]
fn a_pkcs11_token_key_is_listed_and_signs_through_the_agent() {
    const SITE: &str = "https://portal.example.ru";
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fx = fixture::make(d);
    ok(podpis(d)
        .args(["agent", "origins", "allow", SITE, "--config-dir", "cfg"])
        .output()
        .unwrap());
    // The module serves the container named by PODPIS_TOKEN_PATH as a token.
    let module = pkcs11_module();
    let mut child = podpis(d)
        .args(["agent", "--config-dir", "cfg", "--port", "0", "--pkcs11"])
        .arg(&module)
        .env("PODPIS_TOKEN_PATH", &fx.container)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    let own = format!("http://{addr}");
    let nonce = {
        let n = std::sync::atomic::AtomicU64::new(1);
        move || {
            format!(
                "pkcs11-test-nonce-{:08}",
                n.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            )
        }
    };
    let api = |path: &str, mut body: serde_json::Value| {
        body["nonce"] = nonce().into();
        let (status, text) = http(
            &addr,
            "POST",
            path,
            &[("Origin", SITE), ("Content-Type", "application/json")],
            &body.to_string(),
        );
        let v: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: {text}"));
        v
    };

    // Listed from the token, with where the key lives and no key material.
    let listed = api("/api/v1/certificates", serde_json::json!({}));
    let certs = listed["result"]["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 1, "{listed}");
    let c = &certs[0];
    assert_eq!(c["id"], fx.cert_id.as_str());
    assert_eq!(c["name"], "Иванов Иван Иванович");
    assert_eq!(c["location"]["kind"], "pkcs11", "{c}");
    assert_eq!(c["location"]["module"], module.display().to_string());
    let hex: String = fx.private_key.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!listed.to_string().to_lowercase().contains(&hex));

    // Sign: consent page, then the PIN goes to the token (C_Login).
    let sign = |pin: &str| {
        let started = api(
            "/api/v1/sign",
            serde_json::json!({
                "certId": fx.cert_id,
                "data": "0JfQsNGP0LLQu9C10L3QuNC1IOKEliA0Mg==",
                "detached": false,
                "description": "Заявление № 42",
            }),
        );
        let request = started["result"]["request"].as_str().unwrap().to_owned();
        let url = started["result"]["consentUrl"].as_str().unwrap();
        let path = url.strip_prefix(&own).unwrap().to_owned();
        let (status, page) = http(&addr, "GET", &path, &[], "");
        assert_eq!(status, 200, "{page}");
        // The consent page says where the key is: the token, not a file.
        assert!(page.contains("PKCS#11 "), "{page}");
        let marker = "name=\"token\" value=\"";
        let at = page.find(marker).unwrap() + marker.len();
        let token = page[at..].split('"').next().unwrap();
        let (status, _) = http(
            &addr,
            "POST",
            &path,
            &[
                ("Origin", &own),
                ("Sec-Fetch-Site", "same-origin"),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &format!("token={token}&action=sign&pin={pin}"),
        );
        assert_eq!(status, 200);
        api(
            "/api/v1/sign/result",
            serde_json::json!({ "request": request }),
        )
    };
    let wrong = sign("00000000");
    assert_eq!(wrong["error"]["code"], "PIN_INCORRECT", "{wrong}");
    let signed = sign(fixture::PIN);
    assert_eq!(signed["result"]["status"], "signed", "{signed}");
    use base64::Engine as _;
    let sig = base64::engine::general_purpose::STANDARD
        .decode(signed["result"]["signature"].as_str().unwrap())
        .unwrap();
    std::fs::write(d.join("token.p7s"), sig).unwrap();
    let _ = child.kill();
    let _ = child.wait();

    // The token's signature verifies with OpenSSL's GOST engine.
    assert_eq!(
        openssl_verified_content(d, &fx.ca_pem, "token.p7s"),
        "Заявление № 42"
    );
}
