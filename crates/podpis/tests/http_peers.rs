//! The network clients of the CLI against real peers: `podpis ts` asks
//! OpenSSL's GOST time-stamp authority (`openssl ts -reply`) behind a
//! minimal HTTP server on a loopback port.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use support::{http, openssl, run_ok};

/// A GOST time-stamp authority made by OpenSSL in `dir` (key, certificate
/// with the critical timeStamping EKU, `openssl ts` configuration), served
/// over HTTP on a loopback port; returns its URL.
fn tsa(dir: &Path) -> String {
    fs::write(
        dir.join("ext.cnf"),
        "[e]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n",
    )
    .unwrap();
    run_ok(openssl().current_dir(dir).args([
        "req",
        "-x509",
        "-newkey",
        "gost2012_256",
        "-pkeyopt",
        "paramset:A",
        "-nodes",
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.pem",
        "-subj",
        "/CN=TSA/C=RU",
        "-days",
        "2",
        "-config",
        "ext.cnf",
        "-extensions",
        "e",
    ]));
    let cnf = dir.join("ts.cnf");
    fs::write(
        &cnf,
        format!(
            "[tsa]\ndefault_tsa = t\n[t]\nserial = {d}/serial\nsigner_cert = {d}/tsa.pem\n\
             signer_key = {d}/tsa.key\nsigner_digest = md_gost12_256\ndefault_policy = 1.2.643.100.200.1\n\
             digests = md_gost12_256, md_gost12_512\ness_cert_id_alg = md_gost12_256\n",
            d = dir.display()
        ),
    )
    .unwrap();
    fs::write(dir.join("serial"), "10\n").unwrap();
    let work = dir.to_path_buf();
    http::serve("", "application/timestamp-reply", move |req| {
        let q = work.join("query.tsq");
        fs::write(&q, req).unwrap();
        openssl()
            .args(["ts", "-reply", "-config"])
            .arg(&cnf)
            .arg("-queryfile")
            .arg(&q)
            .output()
            .unwrap()
            .stdout
    })
}

#[test]
fn ts_gets_a_token_from_openssl_tsa() {
    let dir = tempfile::tempdir().unwrap();
    let url = tsa(dir.path());
    let doc = dir.path().join("doc.txt");
    fs::write(&doc, "заявление").unwrap();
    let token = dir.path().join("doc.tsr");
    let query = dir.path().join("doc.tsq");
    let out = Command::new(env!("CARGO_BIN_EXE_podpis"))
        .args(["ts", "--url", &url, "--in"])
        .arg(&doc)
        .arg("--out")
        .arg(&token)
        .arg("--query-out")
        .arg(&query)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1.2.643.100.200.1"), "{stdout}");
    assert!(stdout.contains("serial: 1"), "{stdout}");
    // OpenSSL verifies the saved token against the saved request.
    let verify = openssl()
        .args(["ts", "-verify", "-token_in", "-in"])
        .arg(&token)
        .arg("-queryfile")
        .arg(&query)
        .arg("-CAfile")
        .arg(dir.path().join("tsa.pem"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("Verification: OK"),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}

#[test]
fn ts_reports_a_refusal_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = tsa(dir.path());
    let doc = dir.path().join("doc.txt");
    fs::write(&doc, "x").unwrap();
    let token = dir.path().join("doc.tsr");
    let out = Command::new(env!("CARGO_BIN_EXE_podpis"))
        .args(["ts", "--url", &url, "--policy", "1.2.3.4", "--in"])
        .arg(&doc)
        .arg("--out")
        .arg(&token)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("отказала") && stderr.contains("refused"),
        "{stderr}"
    );
    assert!(!token.exists());
}

#[test]
fn sign_with_tsa_makes_cades_t_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let url = tsa(dir.path());
    let d = dir.path();
    fs::write(
        d.join("leaf.cnf"),
        "[req]\ndistinguished_name=dn\n[dn]\n[e]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
    )
    .unwrap();
    run_ok(openssl().current_dir(d).args([
        "req",
        "-x509",
        "-newkey",
        "gost2012_512",
        "-pkeyopt",
        "paramset:A",
        "-nodes",
        "-keyout",
        "s.key",
        "-out",
        "s.pem",
        "-subj",
        "/CN=Signer/C=RU",
        "-days",
        "2",
        "-config",
        "leaf.cnf",
        "-extensions",
        "e",
    ]));
    fs::write(d.join("doc.txt"), "документ").unwrap();
    let podpis = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_podpis"))
            .current_dir(d)
            .args(args)
            .output()
            .unwrap()
    };
    let signed = podpis(&[
        "sign",
        "--key",
        "s.key",
        "--cert",
        "s.pem",
        "--in",
        "doc.txt",
        "--detached",
        "--tsa",
        &url,
        "--out",
        "doc.p7s",
    ]);
    assert!(
        signed.status.success(),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    // OpenSSL still verifies the signature with the unsigned attribute added.
    run_ok(openssl().current_dir(d).args([
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        "doc.p7s",
        "-content",
        "doc.txt",
        "-CAfile",
        "s.pem",
        "-out",
        "/dev/null",
    ]));
    let both = [
        fs::read(d.join("s.pem")).unwrap(),
        fs::read(d.join("tsa.pem")).unwrap(),
    ]
    .concat();
    fs::write(d.join("roots.pem"), both).unwrap();
    let out = podpis(&[
        "verify",
        "--in",
        "doc.p7s",
        "--content",
        "doc.txt",
        "--trust",
        "roots.pem",
        "--no-revocation",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["signers"][0]["timestamp"]["valid"], true, "{v}");
    assert!(
        v["signers"][0]["timestamp"]["tsa"]
            .as_str()
            .unwrap()
            .contains("TSA")
    );
    // Without the TSA trusted, the signature passes but the time-stamp is not verified.
    let out = podpis(&[
        "verify",
        "--in",
        "doc.p7s",
        "--content",
        "doc.txt",
        "--trust",
        "s.pem",
        "--no-revocation",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["signers"][0]["timestamp"]["valid"], false, "{v}");
}
