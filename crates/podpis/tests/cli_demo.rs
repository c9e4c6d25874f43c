//! `podpis demo` as a child process: demo.json and what it names; a second
//! run on the same directory reuses everything (the same demo.json, keys,
//! certificates and client, one account per user); SIGTERM and SIGINT stop
//! it with status 0 and free both ports; and the portal's e-signature login
//! through the demo's agent in Chromium (tests/web/demo.spec.mjs: the site
//! approved again after a revocation, «Отмена», the expired and revoked
//! certificates, the login into the cabinet), with
//! the database checked afterwards. Screenshots go to
//! target/demo-screenshots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port free now on 127.0.0.1.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running demo and what it printed.
struct Demo {
    child: Child,
    output: String,
}

/// Starts `podpis demo` on `data` with these ports; returns once the
/// portal listens.
fn start(data: &Path, port: u16, agent_port: u16) -> Demo {
    let mut child = Command::new(env!("CARGO_BIN_EXE_podpis"))
        .args(["demo", "--data"])
        .arg(data)
        .args(["--port", &port.to_string()])
        .args(["--agent-port", &agent_port.to_string()])
        .env("PODPIS_INSECURE_KDF", "1")
        .env_remove("PODPIS_PIN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut output = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            panic!("podpis demo ended early: {output}");
        }
        output.push_str(&line);
        if line.starts_with("listening on ") {
            break;
        }
    }
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while reader.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    Demo { child, output }
}

/// Sends `signal` and waits for a clean exit.
fn stop(demo: &mut Demo, signal: &str) {
    let out = Command::new("kill")
        .args([&format!("-{signal}"), &demo.child.id().to_string()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let status = demo.child.wait().unwrap();
    assert!(status.success(), "{signal}: {status:?}");
}

fn listening(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1)).is_ok()
}

fn get(url: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent.get(url).call().unwrap();
    let body = r.body_mut().read_to_vec().unwrap();
    (
        r.status().as_u16(),
        String::from_utf8_lossy(&body).into_owned(),
    )
}

fn query(db: &Path, sql: &str) -> Vec<String> {
    let url = format!("sqlite://{}?mode=ro", db.display());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::any::AnyPoolOptions::new()
                .max_connections(1)
                .connect(&url)
                .await
                .unwrap();
            let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        })
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn demo_json_rerun_and_signals() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo-data");
    let (port, agent_port) = (free_port(), free_port());
    let mut demo = start(&data, port, agent_port);
    let portal = format!("http://127.0.0.1:{port}");
    assert!(
        demo.output.contains(&format!("{portal}/")),
        "{}",
        demo.output
    );
    assert!(demo.output.contains("12345678"), "the PIN: {}", demo.output);

    let file = data.join("demo.json");
    let json = read_json(&file);
    assert_eq!(json["portal_url"], portal);
    assert_eq!(json["ocsp_url"], format!("{portal}/ocsp"));
    assert_eq!(json["crl_url"], format!("{portal}/crl/ca.crl"));
    assert_eq!(json["tsp_url"], format!("{portal}/tsp"));
    assert_eq!(json["agent_url"], format!("http://127.0.0.1:{agent_port}"));
    for key in ["root_cert", "issuing_ca_cert"] {
        let pem = std::fs::read_to_string(json[key].as_str().unwrap()).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{key}");
    }
    let users = json["users"].as_array().unwrap();
    assert_eq!(users.len(), 3);
    let states: Vec<_> = users
        .iter()
        .map(|u| u["certificate"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["valid", "expired", "revoked"]);
    for u in users {
        assert!(Path::new(u["container"].as_str().unwrap()).exists(), "{u}");
        assert!(Path::new(u["cert"].as_str().unwrap()).exists(), "{u}");
        assert_eq!(u["pin"], "12345678");
        assert_eq!(u["snils"].as_str().unwrap().len(), 11);
        assert!(!u["name"].as_str().unwrap().is_empty());
    }
    assert_eq!(json["oidc"]["issuer"], portal);
    assert_eq!(json["oidc"]["client_id"], "demo-client");
    assert!(json["oidc"]["client_secret"].as_str().unwrap().len() >= 32);
    assert!(
        json["oidc"]["redirect_uri"]
            .as_str()
            .unwrap()
            .starts_with("http")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "demo.json holds secrets");
    }

    // The services answer: the portal, the OIDC discovery, the CRL, the
    // agent (its origin check refuses a stranger, and allows the portal).
    let (status, page) = get(&format!("{portal}/login/esig"));
    assert_eq!(status, 200);
    assert!(page.contains("/static/login-esig.js"));
    let (status, discovery) = get(&format!("{portal}/.well-known/openid-configuration"));
    assert_eq!(status, 200, "{discovery}");
    assert!(discovery.contains(&portal));
    assert_eq!(get(&format!("{portal}/crl/ca.crl")).0, 200);
    let origins = std::fs::read_to_string(data.join("agent/agent-origins.json")).unwrap();
    assert!(origins.contains(&portal), "{origins}");
    assert!(listening(agent_port));

    stop(&mut demo, "TERM");
    assert!(!listening(port), "the portal's port is still open");
    assert!(!listening(agent_port), "the agent's port is still open");
    let cert_before = std::fs::read(users[0]["cert"].as_str().unwrap()).unwrap();
    let container_before = std::fs::read(users[0]["container"].as_str().unwrap()).unwrap();

    // A re-run: the same everything, nothing twice.
    let mut again = start(&data, port, agent_port);
    assert_eq!(read_json(&file), json, "demo.json changed");
    assert_eq!(
        std::fs::read(users[0]["cert"].as_str().unwrap()).unwrap(),
        cert_before
    );
    assert_eq!(
        std::fs::read(users[0]["container"].as_str().unwrap()).unwrap(),
        container_before
    );
    stop(&mut again, "INT");
    assert!(!listening(port) && !listening(agent_port));
    let db = data.join("podpis.db");
    let snils = query(&db, "SELECT snils FROM accounts ORDER BY snils");
    assert_eq!(snils, ["11223344595", "12345678964", "98765432183"]);
    let levels = query(&db, "SELECT DISTINCT level FROM accounts");
    assert_eq!(levels, ["confirmed"]);
    // The users' certificates (the OCSP responder's and the TSA's come
    // from no request).
    assert_eq!(
        query(
            &db,
            "SELECT status FROM certificates WHERE request_id IS NOT NULL ORDER BY status"
        ),
        ["good", "good", "revoked"]
    );
    assert_eq!(
        query(&db, "SELECT client_id FROM oidc_clients"),
        ["demo-client"]
    );
}

#[test]
fn demo_login_in_chromium() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web");
    assert!(
        web.join("node_modules/playwright-core").exists(),
        "run `npm ci` in {} (scripts/test does)",
        web.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo-data");
    let mut demo = start(&data, free_port(), free_port());
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/demo-screenshots");
    // This run's screenshots only.
    let _ = std::fs::remove_dir_all(&shots);
    let started = Instant::now();
    let out = Command::new("node")
        .arg(web.join("demo.spec.mjs"))
        .env("PODPIS_DEMO", data.join("demo.json"))
        .env("PODPIS_BIN", env!("CARGO_BIN_EXE_podpis"))
        .env("PODPIS_SHOTS", &shots)
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        let _ = demo.child.kill();
    }
    assert!(out.status.success(), "demo.spec.mjs: {log}");
    assert!(log.contains("demo in chromium: OK"), "{log}");
    assert!(started.elapsed() < Duration::from_secs(300));
    stop(&mut demo, "TERM");

    // One session, by e-signature, for the valid certificate's holder; the
    // refusals journaled with their codes; the certificate bound.
    let db = data.join("podpis.db");
    let sessions = query(
        &db,
        "SELECT a.snils || ' ' || s.amr FROM sessions s JOIN accounts a ON a.id = s.account_id",
    );
    assert_eq!(sessions, ["11223344595 ds"]);
    let mut refused = query(
        &db,
        "SELECT result FROM action_journal WHERE action = 'login.esig' AND result <> 'ok'",
    );
    refused.sort();
    assert_eq!(refused, ["CERT_EXPIRED", "CERT_REVOKED", "CERT_REVOKED"]);
    assert_eq!(
        query(&db, "SELECT fingerprint FROM account_certificates").len(),
        1
    );
    for name in [
        "login-certificates",
        "consent-page",
        "login-cancelled",
        "cabinet",
    ] {
        assert!(
            std::fs::read_dir(&shots).unwrap().any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(name)),
            "no screenshot {name}"
        );
    }
}
