//! `podpis agent` as a child process: the allow-list commands
//! (`origins allow|list|revoke`), and the agent with the JavaScript SDK in
//! Chromium and in Firefox ESR (one scenario, tests/web/agent.spec.mjs, run
//! with each driver of tests/web/browsers.mjs): approval, listing, signing
//! with the PIN on the consent page (the signature checked by `podpis
//! verify` and `openssl cms -verify`), «Отмена», the PIN lock, a
//! non-approved origin, and AGENT_NOT_RUNNING after a clean stop.
//! Screenshots go to target/agent-screenshots/<browser>.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "../../pki/tests/support/mod.rs"]
mod support;

#[path = "../../agent/tests/fixture/mod.rs"]
mod fixture;

use std::io::{BufRead, BufReader};
use std::path::Path;
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
    support::run_ok(
        support::openssl()
            .current_dir(d)
            .args([
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                "attached.p7s",
            ])
            .arg("-CAfile")
            .arg(&fx.ca_pem)
            .args(["-out", "content.txt"]),
    );
    assert_eq!(
        std::fs::read_to_string(d.join("content.txt")).unwrap(),
        "Заявление о выдаче справки № 42"
    );
    assert!(shots.join("04-consent-page.png").exists());
}
