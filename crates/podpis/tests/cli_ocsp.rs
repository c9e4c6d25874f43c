//! `podpis ocsp` against OpenSSL's OCSP responder (`openssl ocsp -index`)
//! behind a minimal HTTP server on a loopback port: good, revoked and
//! unknown certificates with their exit statuses, a replayed answer, and
//! responder authorisation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use support::{http, openssl, run_ok};

/// OpenSSL's responder for the CA in `dir`, signing with `rsigner`; with
/// `replay`, every request after the first gets the first answer again.
fn responder(dir: &Path, rsigner: &str, replay: bool) -> String {
    let dir = dir.to_path_buf();
    let rsigner = rsigner.to_owned();
    let count = AtomicUsize::new(0);
    let first: Mutex<Option<Vec<u8>>> = Mutex::new(None);
    http::serve("ocsp", "application/ocsp-response", move |request| {
        if replay && let Some(old) = first.lock().unwrap().clone() {
            return old;
        }
        let n = count.fetch_add(1, Ordering::SeqCst);
        let req = dir.join(format!("served-{rsigner}-{n}.req"));
        let resp = dir.join(format!("served-{rsigner}-{n}.resp"));
        fs::write(&req, request).unwrap();
        run_ok(
            openssl()
                .current_dir(&dir)
                .args(["ocsp", "-index", "index.txt", "-CA", "ca.pem", "-rsigner"])
                .arg(format!("{rsigner}.pem"))
                .arg("-rkey")
                .arg(format!("{rsigner}.key"))
                .arg("-reqin")
                .arg(&req)
                .arg("-respout")
                .arg(&resp)
                .args(["-ndays", "1"]),
        );
        let answer = fs::read(&resp).unwrap();
        first.lock().unwrap().get_or_insert(answer.clone());
        answer
    })
}

/// `openssl req -x509` for `name` with serial, issued by ca.pem unless
/// `self_signed`, with extra `-addext` values.
fn issue(dir: &Path, name: &str, serial: &str, self_signed: bool, exts: &[&str]) {
    let mut cmd = openssl();
    cmd.current_dir(dir)
        .args(["req", "-x509", "-newkey", "gost2012_256", "-pkeyopt"])
        .args(["paramset:A", "-nodes", "-days", "30", "-keyout"])
        .arg(format!("{name}.key"))
        .arg("-out")
        .arg(format!("{name}.pem"))
        .args(["-subj", &format!("/CN={name}/C=RU")])
        .args(["-set_serial", &format!("0x{serial}")]);
    if !self_signed {
        cmd.args(["-CA", "ca.pem", "-CAkey", "ca.key"]);
    }
    for e in exts {
        cmd.args(["-addext", e]);
    }
    run_ok(&mut cmd);
}

const LEAF: &str = "basicConstraints=CA:FALSE";
const OCSP_SIGNER: &[&str] = &[
    "basicConstraints=CA:FALSE",
    "keyUsage=critical,digitalSignature",
    "extendedKeyUsage=OCSPSigning",
];

/// A CA with a delegated responder (2001), a good certificate (1001, whose
/// AIA names the responder), a revoked one (1002, keyCompromise on
/// 2026-11-01, no AIA) and one the responder does not know (1003).
/// Returns the temporary directory and the responder URL.
fn fixture(replay: bool) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    issue(
        d,
        "ca",
        "01",
        true,
        &[
            "basicConstraints=critical,CA:TRUE",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    issue(d, "responder", "2001", false, OCSP_SIGNER);
    let url = responder(d, "responder", replay);
    issue(
        d,
        "leaf",
        "1001",
        false,
        &[LEAF, &format!("authorityInfoAccess=OCSP;URI:{url}")],
    );
    issue(d, "revoked", "1002", false, &[LEAF]);
    issue(d, "stranger", "1003", false, &[LEAF]);
    fs::write(
        d.join("index.txt"),
        "V\t301122000000Z\t\t1001\tunknown\t/CN=leaf\n\
         R\t301122000000Z\t261101120000Z,keyCompromise\t1002\tunknown\t/CN=revoked\n",
    )
    .unwrap();
    (dir, url)
}

fn podpis(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_podpis"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the podpis binary runs")
}

fn expect(out: &Output, code: i32) -> String {
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn ocsp(dir: &Path, cert: &str, extra: &[&str]) -> Output {
    let args = [&["ocsp", "--issuer", "ca.pem", "--cert", cert][..], extra].concat();
    podpis(dir, &args)
}

#[test]
fn good_revoked_and_unknown_have_their_exit_statuses() {
    let (dir, url) = fixture(false);
    let d = dir.path();

    // Good, at the URL from the certificate's AIA.
    let out = ocsp(d, "leaf.pem", &["--reqout", "q.der", "--respout", "r.der"]);
    let text = expect(&out, 0);
    assert!(text.contains("good (действителен)"), "{text}");
    assert!(text.contains("CN=responder, C=RU (delegated"), "{text}");
    assert!(text.contains(&url), "{text}");
    assert!(
        text.contains("Серийный / serial:") && text.contains("1001"),
        "{text}"
    );
    // The saved request and response are what OpenSSL expects.
    let q = run_ok(
        openssl()
            .current_dir(d)
            .args(["ocsp", "-req_text", "-reqin", "q.der"]),
    );
    let q = String::from_utf8_lossy(&q.stdout);
    assert!(
        q.contains("Serial Number: 1001") && q.contains("OCSP Nonce"),
        "{q}"
    );
    let r = run_ok(openssl().current_dir(d).args([
        "ocsp",
        "-respin",
        "r.der",
        "-resp_text",
        "-noverify",
    ]));
    assert!(
        String::from_utf8_lossy(&r.stdout).contains("Cert Status: good"),
        "{}",
        String::from_utf8_lossy(&r.stdout)
    );

    // Revoked: exit 2, time and reason; with a Streebog CertID.
    let out = ocsp(
        d,
        "revoked.pem",
        &["--url", &url, "--json", "--hash", "streebog256"],
    );
    let report: Value = serde_json::from_str(&expect(&out, 2)).unwrap();
    assert_eq!(report["status"], "revoked");
    assert_eq!(report["revocation_time"], "2026-11-01T12:00:00Z");
    assert_eq!(report["reason"], "keyCompromise");
    assert_eq!(report["reason_ru"], "компрометация ключа");
    assert_eq!(report["responder_kind"], "delegated");
    assert_eq!(report["hash"], "streebog256");
    assert_eq!(report["serial"], "1002");
    assert_eq!(report["nonce"].as_str().unwrap().len(), 32);
    assert!(report["next_update"].is_string());
    let text = expect(&ocsp(d, "revoked.pem", &["--url", &url]), 2);
    assert!(
        text.contains("revoked (отозван)") && text.contains("keyCompromise (компрометация ключа)"),
        "{text}"
    );

    // Unknown: exit 3.
    let text = expect(&ocsp(d, "stranger.pem", &["--url", &url]), 3);
    assert!(text.contains("unknown"), "{text}");

    // No --url and no AIA: an error, and nothing is sent.
    let out = ocsp(d, "revoked.pem", &[]);
    expect(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("нет адреса OCSP") && err.contains("give --url"),
        "{err}"
    );

    // Checked two days on, the answer (nextUpdate in a day) is stale.
    let later = der::DateTime::from_system_time(
        std::time::SystemTime::now() + std::time::Duration::from_secs(2 * 86400),
    )
    .unwrap();
    let later = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        later.year(),
        later.month(),
        later.day(),
        later.hour(),
        later.minutes(),
        later.seconds()
    );
    let out = ocsp(d, "leaf.pem", &["--at", &later]);
    expect(&out, 1);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("OCSP_RESPONSE_STALE"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_replayed_answer_fails_the_nonce_check() {
    let (dir, _url) = fixture(true);
    let d = dir.path();
    // The first answer is fresh and carries our nonce.
    expect(&ocsp(d, "leaf.pem", &[]), 0);
    // The server sends the same answer again: another nonce than ours.
    let out = ocsp(d, "leaf.pem", &[]);
    expect(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Nonce в ответе OCSP не совпадает с запросом")
            && err.contains("The OCSP response nonce differs")
            && err.contains("OCSP_NONCE_MISMATCH"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // Without a nonce the replayed (still current) answer is accepted.
    let text = expect(&ocsp(d, "leaf.pem", &["--no-nonce"]), 0);
    assert!(text.contains("good"), "{text}");
}

#[test]
fn a_responder_the_ca_did_not_authorise_needs_trust_responder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    issue(
        d,
        "ca",
        "01",
        true,
        &[
            "basicConstraints=critical,CA:TRUE",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    // A self-signed responder: not the CA, not issued by it.
    issue(d, "rogue", "77", true, OCSP_SIGNER);
    issue(d, "leaf", "1001", false, &[LEAF]);
    fs::write(
        d.join("index.txt"),
        "V\t301122000000Z\t\t1001\tunknown\t/CN=leaf\n",
    )
    .unwrap();
    let url = responder(d, "rogue", false);

    let out = ocsp(d, "leaf.pem", &["--url", &url]);
    expect(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("OCSP_RESPONDER_NOT_AUTHORIZED") && err.contains("не поручал"),
        "{err}"
    );

    let out = ocsp(
        d,
        "leaf.pem",
        &["--url", &url, "--trust-responder", "rogue.pem", "--json"],
    );
    let report: Value = serde_json::from_str(&expect(&out, 0)).unwrap();
    assert_eq!(report["status"], "good");
    assert_eq!(report["responder_kind"], "trusted");
    assert_eq!(report["responder"], "CN=rogue, C=RU");
}
