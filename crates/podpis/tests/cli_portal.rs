//! `podpis serve` with no CA and no configuration: the demo — the
//! personal cabinet and the identity provider's API on SQLite in the data
//! directory, the outbox page on. The cabinet is driven in Chromium
//! (tests/web/portal.spec.mjs); the OpenAPI document is served; a second
//! start on the same directory keeps the accounts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn start(dir: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_podpis"))
        .current_dir(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
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

fn stop(child: &mut Child) {
    let out = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(child.wait().unwrap().success());
}

fn get(url: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent.get(url).call().unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

#[test]
fn the_demo_cabinet_in_chromium() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web");
    assert!(
        web.join("node_modules/playwright-core").exists(),
        "run `npm ci` in {} (scripts/test does)",
        web.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = start(dir.path());

    // The OpenAPI document: the provider's paths, no CA's (none here).
    let (status, body) = get(&format!("{base}/api/openapi.json"));
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/login/password"]["post"].is_object());
    assert!(doc["paths"].get("/api/v1/requests").is_none());
    // The CA's operator pages are not there without a CA.
    assert_eq!(get(&format!("{base}/operator/login")).0, 404);

    let out = Command::new("node")
        .arg(web.join("portal.spec.mjs"))
        .env("PODPIS_BASE", &base)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "portal.spec.mjs: {text}");
    assert!(text.contains("portal pages: OK"), "{text}");
    stop(&mut child);

    // The data survive a restart: the server key and the database are in
    // data/, the outbox too.
    assert!(dir.path().join("data/podpis.db").exists());
    assert!(dir.path().join("data/keys/idp.key").exists());
    assert!(dir.path().join("data/outbox").read_dir().unwrap().count() >= 3);
    let (mut child, base) = start(dir.path());
    let (status, page) = get(&format!("{base}/login"));
    assert_eq!(status, 200);
    assert!(page.contains("Пароль и одноразовый код"));
    stop(&mut child);
}
