//! `podpis login` end to end: the binary gets a challenge from the idp's
//! e-signature router (on 127.0.0.1:0, SQLite), signs it with a key from a
//! podpis container (`--token --id --pin-file`) or a key file (`--key
//! --cert`), posts it, and prints or saves the session token, which then
//! opens the signed-in API. A certificate of another person is refused
//! with IDENTITY_MISMATCH and a non-zero exit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../idp/tests/esig_support/mod.rs"]
mod esig_support;

use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use esig_support::*;
use idp::FixedClock;
use idp::api::esig::{EsigApi, router};
use idp::esig::{Esig, EsigConfig};
use idp::trust::{HttpRevocationSource, TrustList};
use store::testing::TestDb;
use token::container::{Container, ContainerParams};

fn podpis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_podpis"))
        .args(args)
        .output()
        .unwrap()
}

async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        podpis(&refs)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn podpis_login_signs_the_challenge_and_prints_the_session() {
    let ca = TestCa::start("УЦ для входа", Served::OcspAndCrl).await;
    let db = TestDb::sqlite();
    let store = db.open().await;
    let clock = Arc::new(FixedClock::new(t0()));
    let mut trust = TrustList::new();
    trust.add_anchor(ca.root()).unwrap();
    trust.add_intermediate(ca.issuing());
    let idp = make_idp(store, clock);
    let esig = Arc::new(Esig::for_idp(
        &idp,
        EsigConfig::new(trust),
        Some(Arc::new(HttpRevocationSource::new(Duration::from_secs(3)))),
    ));
    let base = serve(router(EsigApi {
        idp,
        esig,
        secure_cookies: false,
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let snils_a = snils(345_678_901);
    let account = insert_account(db.url(), "standard", Some(&snils_a), false, None).await;
    let holder = ca.issue(&snils_a, "Консольный").await;

    // A podpis container holding the key and its certificate.
    let container_path = dir.path().join("keys.pdp");
    let pin_path = dir.path().join("pin.txt");
    std::fs::write(&pin_path, "1234\n").unwrap();
    let container = Container::create(
        &container_path,
        "1234",
        "87654321",
        ContainerParams::insecure_for_tests(),
    )
    .unwrap();
    let der = der::Encode::to_der(&holder.cert).unwrap();
    let id = container
        .login("1234")
        .unwrap()
        .import_key_with_certificate(holder.signer.key(), &der, "вход", false)
        .unwrap();

    let out = run(vec![
        "login".into(),
        "--server".into(),
        base.clone(),
        "--token".into(),
        container_path.display().to_string(),
        "--id".into(),
        id,
        "--pin-file".into(),
        pin_path.display().to_string(),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "podpis login --token: {stderr}");
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(token.len(), 43, "a session token: {token:?}");
    let list = request(
        "GET",
        format!("{base}/api/v1/account/certificates"),
        None,
        vec![("authorization", format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(list.status, 200, "{list:?}");
    assert_eq!(list.json["certificates"].as_array().unwrap().len(), 1);
    let level = query_strings(
        db.url(),
        &format!("SELECT level FROM accounts WHERE id = {account}"),
    )
    .await;
    assert_eq!(level, ["confirmed"]);

    // A key file and certificate; the token saved with mode 0600.
    let key_path = dir.path().join("key.pem");
    let cert_path = dir.path().join("cert.pem");
    std::fs::write(
        &key_path,
        holder.signer.key().to_pkcs8_pem().unwrap().as_bytes(),
    )
    .unwrap();
    std::fs::write(&cert_path, pki::cert::to_pem(&holder.cert).unwrap()).unwrap();
    let saved = dir.path().join("session.txt");
    let out = run(vec![
        "login".into(),
        "--server".into(),
        base.clone(),
        "--key".into(),
        key_path.display().to_string(),
        "--cert".into(),
        cert_path.display().to_string(),
        "--out".into(),
        saved.display().to_string(),
    ])
    .await;
    assert!(
        out.status.success(),
        "podpis login --key: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "the token is not printed with --out");
    let saved_token = std::fs::read_to_string(&saved).unwrap();
    assert_eq!(saved_token.trim().len(), 43);
    assert_ne!(saved_token.trim(), token, "a new session");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    // Another person's certificate: refused, with the code.
    let stranger = ca.issue(&snils(456_789_012), "Посторонний").await;
    std::fs::write(
        &key_path,
        stranger.signer.key().to_pkcs8_pem().unwrap().as_bytes(),
    )
    .unwrap();
    std::fs::write(&cert_path, pki::cert::to_pem(&stranger.cert).unwrap()).unwrap();
    let out = run(vec![
        "login".into(),
        "--server".into(),
        base.clone(),
        "--key".into(),
        key_path.display().to_string(),
        "--cert".into(),
        cert_path.display().to_string(),
    ])
    .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("IDENTITY_MISMATCH"), "{stderr}");
    assert!(stderr.contains("СНИЛС"), "{stderr}");
}
