//! `podpis sign` and `podpis verify` end to end, with OpenSSL (and its GOST
//! engine) as the peer in both directions: a CA and a signer made by
//! `openssl req`/`openssl ca`, signatures checked by `openssl cms -verify`,
//! OpenSSL's signatures checked by us, revocation by an OpenSSL CRL, and
//! one failing case per sub-indication the command reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use support::{Pki, http, openssl, run_ok};

fn podpis(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_podpis"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn sign_is_verified_by_openssl_and_by_us_and_each_failure_is_named() {
    for alg in ["gost2012_256", "gost2012_512"] {
        let pki = Pki::new(alg);
        let d = pki.path();
        for detached in [true, false] {
            let out = if detached {
                "doc.det.p7s"
            } else {
                "doc.att.p7s"
            };
            let mut args = vec![
                "sign",
                "--key",
                "signer.key",
                "--cert",
                "signer.pem",
                "--chain",
                "ca.pem",
                "--in",
                "doc.txt",
                "--out",
                out,
            ];
            if detached {
                args.push("--detached");
            }
            let signed = podpis(d, &args);
            assert!(
                signed.status.success(),
                "{}",
                String::from_utf8_lossy(&signed.stderr)
            );
            // OpenSSL verifies it.
            let mut verify = openssl();
            verify.current_dir(d).args([
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                out,
                "-CAfile",
                "ca.pem",
                "-out",
                "/dev/null",
            ]);
            if detached {
                verify.args(["-content", "doc.txt"]);
            }
            run_ok(&mut verify);
            // So do we.
            let mut args = vec![
                "verify",
                "--in",
                out,
                "--trust",
                "ca.pem",
                "--no-revocation",
                "--json",
            ];
            if detached {
                args.extend(["--content", "doc.txt"]);
            }
            let report = podpis(d, &args);
            assert_eq!(
                report.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&report.stdout)
            );
            let v = json(&report);
            assert_eq!(v["indication"], "TOTAL_PASSED");
            assert_eq!(v["signers"][0]["signer"]["snils"], "11223344595");
            assert_eq!(v["signers"][0]["chain"].as_array().unwrap().len(), 2);
        }

        // Tampered document: HASH_FAILURE, exit 1.
        fs::write(
            d.join("other.txt"),
            "Заявление о выдаче справки\n".repeat(99),
        )
        .unwrap();
        let bad = podpis(
            d,
            &[
                "verify",
                "--in",
                "doc.det.p7s",
                "--content",
                "other.txt",
                "--trust",
                "ca.pem",
                "--no-revocation",
                "--json",
            ],
        );
        assert_eq!(bad.status.code(), Some(1));
        assert_eq!(json(&bad)["signers"][0]["sub_indication"], "HASH_FAILURE");

        // Detached without the document: SIGNED_DATA_NOT_FOUND (indeterminate, exit 2).
        let missing = podpis(
            d,
            &[
                "verify",
                "--in",
                "doc.det.p7s",
                "--trust",
                "ca.pem",
                "--no-revocation",
                "--json",
            ],
        );
        assert_eq!(missing.status.code(), Some(2));
        assert_eq!(
            json(&missing)["signers"][0]["sub_indication"],
            "SIGNED_DATA_NOT_FOUND"
        );

        // Untrusted: only an unrelated root is trusted.
        let other = support::corpus().join("certs/tk26/tk26iok_example_256.der");
        let untrusted = podpis(
            d,
            &[
                "verify",
                "--in",
                "doc.att.p7s",
                "--trust",
                other.to_str().unwrap(),
                "--no-revocation",
                "--json",
            ],
        );
        assert_eq!(untrusted.status.code(), Some(2));
        assert_eq!(
            json(&untrusted)["signers"][0]["sub_indication"],
            "NO_CERTIFICATE_CHAIN_FOUND"
        );

        // Expired: 45 days on, the signer (30 days) has expired, its CA (60) not.
        let later = pki::validation::rfc3339(
            std::time::SystemTime::now() + std::time::Duration::from_secs(45 * 86400),
        );
        let late = podpis(
            d,
            &[
                "verify",
                "--in",
                "doc.att.p7s",
                "--trust",
                "ca.pem",
                "--no-revocation",
                "--at",
                &later,
                "--json",
            ],
        );
        assert_eq!(json(&late)["signers"][0]["sub_indication"], "EXPIRED");

        // Revocation: an OpenSSL CRL without the signer passes (offline);
        // no evidence at all fails closed, or passes with --fail-open.
        pki.crl("empty.crl");
        let good = podpis(
            d,
            &[
                "verify",
                "--in",
                "doc.att.p7s",
                "--trust",
                "ca.pem",
                "--crl",
                "empty.crl",
                "--offline",
                "--json",
            ],
        );
        assert_eq!(
            good.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&good.stdout)
        );
        assert_eq!(json(&good)["signers"][0]["revocation"][0]["source"], "crl");
        let closed = podpis(
            d,
            &[
                "verify",
                "--in",
                "doc.att.p7s",
                "--trust",
                "ca.pem",
                "--offline",
                "--json",
            ],
        );
        assert_eq!(closed.status.code(), Some(2));
        assert_eq!(json(&closed)["signers"][0]["sub_indication"], "TRY_LATER");
        let open = podpis(
            d,
            &[
                "verify",
                "--in",
                "doc.att.p7s",
                "--trust",
                "ca.pem",
                "--offline",
                "--fail-open",
                "--json",
            ],
        );
        assert_eq!(open.status.code(), Some(0));

        // Revoked by OpenSSL's CRL: REVOKED, exit 1; the text says what to do.
        run_ok(openssl().current_dir(d).args([
            "ca",
            "-config",
            "ca.cnf",
            "-revoke",
            "signer.pem",
            "-crl_reason",
            "keyCompromise",
        ]));
        pki.crl("revoked.crl");
        let revoked = podpis(
            d,
            &[
                "verify",
                "--in",
                "doc.att.p7s",
                "--trust",
                "ca.pem",
                "--crl",
                "revoked.crl",
                "--offline",
                "--json",
            ],
        );
        assert_eq!(revoked.status.code(), Some(1));
        let v = json(&revoked);
        assert_eq!(v["signers"][0]["sub_indication"], "REVOKED");
        assert_eq!(v["signers"][0]["failure"]["code"], "CERT_REVOKED");
        let text = podpis(
            d,
            &[
                "verify",
                "--in",
                "doc.att.p7s",
                "--trust",
                "ca.pem",
                "--crl",
                "revoked.crl",
                "--offline",
                "--lang",
                "en",
            ],
        );
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.contains("SIGNATURE INVALID") && text.contains("What to do"),
            "{text}"
        );
    }
}

#[test]
fn openssl_signatures_verify_and_cosigning_adds_a_signer() {
    let pki = Pki::new("gost2012_256");
    let d = pki.path();
    run_ok(openssl().current_dir(d).args([
        "cms",
        "-sign",
        "-nodetach",
        "-binary",
        "-in",
        "doc.txt",
        "-signer",
        "signer.pem",
        "-inkey",
        "signer.key",
        "-md",
        "md_gost12_256",
        "-outform",
        "DER",
        "-out",
        "openssl.p7s",
    ]));
    let ok = podpis(
        d,
        &[
            "verify",
            "--in",
            "openssl.p7s",
            "--trust",
            "ca.pem",
            "--no-revocation",
            "--json",
        ],
    );
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );

    // Co-sign OpenSSL's signature with a 512-bit key (self-signed for brevity, trusted directly).
    run_ok(openssl().current_dir(d).args([
        "req",
        "-x509",
        "-newkey",
        "gost2012_512",
        "-pkeyopt",
        "paramset:A",
        "-nodes",
        "-keyout",
        "k2.key",
        "-out",
        "k2.pem",
        "-subj",
        "/CN=Второй подписант/C=RU",
        "-days",
        "5",
        "-config",
        "ca.cnf",
        "-extensions",
        "leaf",
    ]));
    let co = podpis(
        d,
        &[
            "sign",
            "--key",
            "k2.key",
            "--cert",
            "k2.pem",
            "--in",
            "doc.txt",
            "--cosign",
            "openssl.p7s",
            "--out",
            "both.p7s",
        ],
    );
    assert!(
        co.status.success(),
        "{}",
        String::from_utf8_lossy(&co.stderr)
    );
    let both = podpis(
        d,
        &[
            "verify",
            "--in",
            "both.p7s",
            "--trust",
            "ca.pem",
            "--trust",
            "k2.pem",
            "--no-revocation",
            "--json",
        ],
    );
    let v = json(&both);
    assert_eq!(v["signers"].as_array().unwrap().len(), 2);
    assert_eq!(v["indication"], "TOTAL_PASSED", "{v}");
    let roots = [
        fs::read(d.join("ca.pem")).unwrap(),
        fs::read(d.join("k2.pem")).unwrap(),
    ]
    .concat();
    fs::write(d.join("roots.pem"), roots).unwrap();
    run_ok(openssl().current_dir(d).args([
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        "both.p7s",
        "-CAfile",
        "roots.pem",
        "-out",
        "/dev/null",
    ]));

    // One signer untrusted: the whole file is INDETERMINATE.
    let partial = podpis(
        d,
        &[
            "verify",
            "--in",
            "both.p7s",
            "--trust",
            "ca.pem",
            "--no-revocation",
            "--json",
        ],
    );
    assert_eq!(partial.status.code(), Some(2));
    assert_eq!(json(&partial)["signers"][0]["indication"], "TOTAL_PASSED");
    assert_eq!(json(&partial)["signers"][1]["indication"], "INDETERMINATE");
}

#[test]
fn garbage_is_a_format_failure() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("x.p7s"), b"not a signature").unwrap();
    fs::write(dir.path().join("ca.pem"), b"").unwrap();
    let out = podpis(
        dir.path(),
        &["verify", "--in", "x.p7s", "--json", "--no-revocation"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["signers"][0]["sub_indication"], "FORMAT_FAILURE");
}

/// Without files or `--offline`, `verify` asks the OCSP responder named in
/// the certificate (OpenSSL's, behind a loopback server), and falls back to
/// downloading the CRL from its distribution point.
#[test]
fn verify_fetches_revocation_from_the_certificates_addresses() {
    // OCSP: OpenSSL answers for the CA, signing with the CA key.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let ocsp = http::serve("ocsp", "application/ocsp-response", move |request| {
        fs::write(d.join("q.der"), request).unwrap();
        run_ok(openssl().current_dir(&d).args([
            "ocsp",
            "-index",
            "db/index.txt",
            "-CA",
            "ca.pem",
            "-rsigner",
            "ca.pem",
            "-rkey",
            "ca.key",
            "-reqin",
            "q.der",
            "-respout",
            "r.der",
            "-ndays",
            "1",
        ]));
        fs::read(d.join("r.der")).unwrap()
    });
    let pki = Pki::in_dir(
        dir,
        "gost2012_256",
        &format!("authorityInfoAccess = OCSP;URI:{ocsp}"),
    );
    let d = pki.path();
    let sign = podpis(
        d,
        &[
            "sign",
            "--key",
            "signer.key",
            "--cert",
            "signer.pem",
            "--in",
            "doc.txt",
            "--out",
            "doc.p7s",
        ],
    );
    assert!(sign.status.success());
    let good = podpis(
        d,
        &["verify", "--in", "doc.p7s", "--trust", "ca.pem", "--json"],
    );
    let v = json(&good);
    assert_eq!(good.status.code(), Some(0), "{v}");
    assert_eq!(v["signers"][0]["revocation"][0]["source"], "ocsp");
    assert_eq!(v["signers"][0]["revocation"][0]["status"], "good");
    run_ok(openssl().current_dir(d).args([
        "ca",
        "-config",
        "ca.cnf",
        "-revoke",
        "signer.pem",
        "-crl_reason",
        "keyCompromise",
    ]));
    let revoked = podpis(
        d,
        &["verify", "--in", "doc.p7s", "--trust", "ca.pem", "--json"],
    );
    let v = json(&revoked);
    assert_eq!(revoked.status.code(), Some(1), "{v}");
    assert_eq!(v["signers"][0]["sub_indication"], "REVOKED");
    assert_eq!(v["signers"][0]["revocation"][0]["source"], "ocsp");
    assert_eq!(v["signers"][0]["revocation"][0]["reason"], "keyCompromise");

    // CRL: only a distribution point; the CRL is read when it is asked for.
    let pki = Pki::with_served_crl("gost2012_512");
    let d = pki.path();
    let sign = podpis(
        d,
        &[
            "sign",
            "--key",
            "signer.key",
            "--cert",
            "signer.pem",
            "--in",
            "doc.txt",
            "--out",
            "doc.p7s",
        ],
    );
    assert!(sign.status.success());
    let good = podpis(
        d,
        &["verify", "--in", "doc.p7s", "--trust", "ca.pem", "--json"],
    );
    let v = json(&good);
    assert_eq!(good.status.code(), Some(0), "{v}");
    assert_eq!(v["signers"][0]["revocation"][0]["source"], "crl");
    // With --offline nothing is fetched: no evidence, fail closed.
    let offline = podpis(
        d,
        &[
            "verify",
            "--in",
            "doc.p7s",
            "--trust",
            "ca.pem",
            "--offline",
            "--json",
        ],
    );
    assert_eq!(json(&offline)["signers"][0]["sub_indication"], "TRY_LATER");
    // The server goes silent (an empty body is not a CRL): fail closed too.
    fs::remove_file(d.join("current.crl")).unwrap();
    let gone = podpis(
        d,
        &["verify", "--in", "doc.p7s", "--trust", "ca.pem", "--json"],
    );
    assert_eq!(gone.status.code(), Some(2));
    assert_eq!(json(&gone)["signers"][0]["sub_indication"], "TRY_LATER");
}
