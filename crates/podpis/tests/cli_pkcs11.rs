//! `podpis sign --pkcs11` and `podpis token list --pkcs11` against a real
//! PKCS#11 module, podpis's own `libpodpis_pkcs11.so` (built with these
//! tests, a dev-dependency): keys imported with `podpis token import` from
//! OpenSSL GOST PFX files are found with their certificates through
//! C_FindObjects, sign CAdES-BES through the module, and the signatures are
//! checked by `openssl cms -verify` and `podpis verify`. Errors carry their
//! codes; no PIN ever shows in the output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use support::{fails_with, ok, openssl, run_ok};

const PIN: &str = "pin-8642";
const SO_PIN: &str = "so-pin-9753";
const WRONG_PIN: &str = "wrong-pin-1111";
const PFX_PASSWORD: &str = "pfx-pass";

/// The module cargo built next to this test binary.
fn module() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    for dir in [deps, deps.parent().unwrap()] {
        let so = dir.join("libpodpis_pkcs11.so");
        if so.is_file() {
            return so;
        }
    }
    panic!("libpodpis_pkcs11.so is not beside {}", exe.display());
}

/// podpis in `dir` with `tokens` as the module's slots, no PIN in the
/// environment and no terminal; checks that no secret shows.
fn podpis(dir: &Path, tokens: &str, args: &[&str]) -> Output {
    support::run_without_secrets(
        support::podpis_command(dir)
            .env("PODPIS_TOKEN_PATH", tokens)
            .args(args),
        &[PIN, SO_PIN, WRONG_PIN, PFX_PASSWORD],
    )
}

/// A container `k.pdp` with two keys imported from OpenSSL PFX files:
/// 256-bit (label `alpha`) and 512-bit (label `beta`), with certificates
/// `alpha.pem`, `beta.pem`. Returns the directory and the two key ids.
fn setup() -> (tempfile::TempDir, String, String) {
    let dir = support::tempdir();
    let d = dir.path();
    support::write_secret_files(
        d,
        &[
            ("pin.txt", PIN),
            ("so.txt", SO_PIN),
            ("wrong.txt", WRONG_PIN),
            ("pfxpass.txt", PFX_PASSWORD),
        ],
    );
    ok(podpis(d, "", &support::TOKEN_INIT));
    let mut ids = Vec::new();
    for (name, alg, paramset) in [
        ("alpha", "gost2012_256", "A"),
        ("beta", "gost2012_512", "C"),
    ] {
        run_ok(&mut support::req_x509(
            alg,
            paramset,
            &format!("/CN={name} signer/O=Test"),
            30,
            &d.join(format!("{name}.key")),
            &d.join(format!("{name}.pem")),
        ));
        run_ok(
            openssl()
                .current_dir(d)
                .args(["pkcs12", "-export", "-inkey"])
                .arg(format!("{name}.key"))
                .arg("-in")
                .arg(format!("{name}.pem"))
                .args(["-name", name, "-passout"])
                .arg(format!("pass:{PFX_PASSWORD}"))
                .arg("-out")
                .arg(format!("{name}.pfx")),
        );
        let id = ok(podpis(
            d,
            "",
            &[
                "token",
                "import",
                "--path",
                "k.pdp",
                "--pin-file",
                "pin.txt",
                "--pfx",
                &format!("{name}.pfx"),
                "--pfx-password-file",
                "pfxpass.txt",
            ],
        ));
        ids.push(id.trim().to_owned());
    }
    fs::write(d.join("doc.txt"), "Заявление\n".repeat(50)).unwrap();
    let beta = ids.pop().unwrap();
    let alpha = ids.pop().unwrap();
    (dir, alpha, beta)
}

fn verify_with_openssl_and_podpis(d: &Path, p7s: &str, cert: &str, detached: bool) {
    let mut cmd = openssl();
    cmd.current_dir(d)
        .args(["cms", "-verify", "-binary", "-inform", "DER", "-in", p7s])
        .args(["-CAfile", cert, "-out", "out.txt"]);
    if detached {
        cmd.args(["-content", "doc.txt"]);
    }
    run_ok(&mut cmd);
    assert_eq!(
        fs::read(d.join("out.txt")).unwrap(),
        fs::read(d.join("doc.txt")).unwrap()
    );
    let mut args = vec!["verify", "--in", p7s, "--trust", cert];
    if detached {
        args.extend(["--content", "doc.txt"]);
    }
    let report = ok(podpis(d, "", &args));
    assert!(report.contains("TOTAL_PASSED"), "{report}");
}

#[test]
fn imported_keys_show_with_certificates_and_sign_cms() {
    let (dir, alpha, beta) = setup();
    let d = dir.path();
    let m = module();
    let m = m.to_str().unwrap();

    // C_FindObjects through the client: public keys and certificates.
    let listed: Value = serde_json::from_str(&ok(podpis(
        d,
        "k.pdp",
        &["token", "list", "--pkcs11", m, "--json"],
    )))
    .unwrap();
    let token = &listed[0];
    assert_eq!(token["label"], "k");
    assert_eq!(token["manufacturer"], "podpis");
    let objects = token["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 4, "{objects:?}");
    for (id, label, key_type) in [
        (&alpha, "alpha", "gost2012-256"),
        (&beta, "beta", "gost2012-512"),
    ] {
        let of = |kind: &str| {
            objects
                .iter()
                .find(|o| o["kind"] == kind && o["id"] == **id)
                .unwrap_or_else(|| panic!("no {kind} {id}: {objects:?}"))
        };
        assert_eq!(of("public-key")["key_type"], key_type);
        assert_eq!(of("public-key")["label"], label);
        assert_eq!(
            of("certificate")["subject"],
            format!("O=Test,CN={label} signer")
        );
    }
    let text = ok(podpis(d, "k.pdp", &["token", "list", "--pkcs11", m]));
    assert!(text.contains("slot 0: k (podpis file container"), "{text}");

    // 256-bit, detached, chosen by id; the certificate comes from the token.
    ok(podpis(
        d,
        "k.pdp",
        &[
            "sign",
            "--pkcs11",
            m,
            "--key-id",
            &alpha,
            "--pin-file",
            "pin.txt",
            "--in",
            "doc.txt",
            "--detached",
            "--out",
            "a.p7s",
        ],
    ));
    verify_with_openssl_and_podpis(d, "a.p7s", "alpha.pem", true);
    // 512-bit, attached, chosen by label, token by label, --cert given.
    ok(podpis(
        d,
        "k.pdp",
        &[
            "sign",
            "--pkcs11",
            m,
            "--token-label",
            "k",
            "--key-label",
            "beta",
            "--cert",
            "beta.pem",
            "--pin-file",
            "pin.txt",
            "--in",
            "doc.txt",
            "--out",
            "b.p7s",
        ],
    ));
    verify_with_openssl_and_podpis(d, "b.p7s", "beta.pem", false);
    // The certificate must be the key's: alpha's with beta's key, and
    // another 256-bit certificate with alpha's key.
    let out = podpis(
        d,
        "k.pdp",
        &[
            "sign",
            "--pkcs11",
            m,
            "--slot",
            "0",
            "--key-id",
            &beta,
            "--cert",
            "alpha.pem",
            "--pin-file",
            "pin.txt",
            "--in",
            "doc.txt",
            "--out",
            "x.p7s",
        ],
    );
    fails_with(&out, "PKCS11_CERT_KEY_MISMATCH");
    run_ok(&mut support::req_x509(
        "gost2012_256",
        "A",
        "/CN=stranger",
        30,
        &d.join("stranger.key"),
        &d.join("stranger.pem"),
    ));
    let out = podpis(
        d,
        "k.pdp",
        &[
            "sign",
            "--pkcs11",
            m,
            "--key-id",
            &alpha,
            "--cert",
            "stranger.pem",
            "--pin-file",
            "pin.txt",
            "--in",
            "doc.txt",
            "--out",
            "x.p7s",
        ],
    );
    fails_with(&out, "PKCS11_CERT_KEY_MISMATCH");
    assert!(!d.join("x.p7s").exists());
}

#[test]
fn token_and_key_errors_have_codes() {
    let (dir, alpha, _) = setup();
    let d = dir.path();
    let m = module();
    let m = m.to_str().unwrap();
    let sign = |tokens: &str, extra: &[&str]| {
        let mut args = vec!["sign", "--pkcs11", m, "--in", "doc.txt", "--out", "e.p7s"];
        args.extend_from_slice(extra);
        podpis(d, tokens, &args)
    };
    fails_with(
        &sign("k.pdp", &["--key-id", &alpha, "--pin-file", "wrong.txt"]),
        "PIN_INCORRECT",
    );
    let c = token::container::Container::open(d.join("k.pdp")).unwrap();
    assert_eq!(c.user_tries_left().unwrap(), 2);
    fails_with(
        &sign("k.pdp", &["--key-id", "00ff", "--pin-file", "pin.txt"]),
        "PKCS11_KEY_NOT_FOUND",
    );
    assert_eq!(
        c.user_tries_left().unwrap(),
        3,
        "a right PIN resets the counter"
    );
    fails_with(
        &sign(
            "k.pdp",
            &[
                "--token-label",
                "nope",
                "--key-id",
                &alpha,
                "--pin-file",
                "pin.txt",
            ],
        ),
        "PKCS11_TOKEN_NOT_FOUND",
    );
    fails_with(
        &sign(
            "k.pdp:k.pdp",
            &["--key-id", &alpha, "--pin-file", "pin.txt"],
        ),
        "PKCS11_TOKEN_AMBIGUOUS",
    );
    fails_with(
        &podpis(
            d,
            "k.pdp",
            &[
                "sign",
                "--pkcs11",
                "/nonexistent/lib.so",
                "--key-id",
                &alpha,
                "--pin-file",
                "pin.txt",
                "--in",
                "doc.txt",
                "--out",
                "e.p7s",
            ],
        ),
        "PKCS11_MODULE_LOAD",
    );
    // Three wrong PINs lock the token; the right one is refused then.
    fails_with(
        &sign("k.pdp", &["--key-id", &alpha, "--pin-file", "wrong.txt"]),
        "PIN_INCORRECT",
    );
    fails_with(
        &sign("k.pdp", &["--key-id", &alpha, "--pin-file", "wrong.txt"]),
        "PIN_INCORRECT",
    );
    fails_with(
        &sign("k.pdp", &["--key-id", &alpha, "--pin-file", "wrong.txt"]),
        "PIN_LOCKED",
    );
    fails_with(
        &sign("k.pdp", &["--key-id", &alpha, "--pin-file", "pin.txt"]),
        "PIN_LOCKED",
    );
    let listed: Value = serde_json::from_str(&ok(podpis(
        d,
        "k.pdp",
        &["token", "list", "--pkcs11", m, "--json"],
    )))
    .unwrap();
    assert_eq!(listed[0]["pin_locked"], true);

    // A key without a certificate needs --cert; bad ids and missing keys
    // are refused before the token is asked.
    ok(podpis(
        d,
        "",
        &[
            "token",
            "unblock",
            "--path",
            "k.pdp",
            "--so-pin-file",
            "so.txt",
            "--new-pin-file",
            "pin.txt",
        ],
    ));
    let id = ok(podpis(
        d,
        "",
        &[
            "token",
            "gen",
            "--path",
            "k.pdp",
            "--pin-file",
            "pin.txt",
            "--label",
            "bare",
        ],
    ));
    let out = sign("k.pdp", &["--key-id", id.trim(), "--pin-file", "pin.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--cert"));
    let out = sign("k.pdp", &["--key-id", "xyz", "--pin-file", "pin.txt"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--key-id"));
    let out = sign("k.pdp", &["--pin-file", "pin.txt"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--key-label"));
    assert!(!d.join("e.p7s").exists());
}
