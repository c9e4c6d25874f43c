//! `podpis token` end to end: a container made with the test-only KDF
//! (`PODPIS_INSECURE_KDF=1`, so the suite stays fast), a PFX from OpenSSL's
//! GOST engine imported, signed with through `podpis sign --token` and
//! checked by `openssl cms -verify` and `podpis verify`, the PIN retry
//! counter down to the lock and the SO PIN unblock, and PFX export read
//! back by `openssl pkcs12`. No PIN may ever appear in the output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use std::fs;
use std::path::Path;
use std::process::Output;

use serde_json::Value;
use support::{fails_with, ok, openssl, run_ok};

const PIN: &str = "pin-7391";
const SO_PIN: &str = "so-pin-5550";
const NEW_PIN: &str = "new-pin-2468";
const WRONG_PIN: &str = "wrong-pin-1357";
const PFX_PASSWORD: &str = "pfx-pass-ГОСТ";

const SECRETS: [&str; 5] = [PIN, SO_PIN, NEW_PIN, WRONG_PIN, PFX_PASSWORD];

/// Runs podpis in `dir` with no PIN in the environment and no terminal,
/// and checks that no PIN or password shows in its output.
fn podpis(dir: &Path, args: &[&str]) -> Output {
    support::run_without_secrets(support::podpis_command(dir).args(args), &SECRETS)
}

/// A directory with the PIN files and an initialised container `k.pdp`.
fn container() -> tempfile::TempDir {
    let dir = support::tempdir();
    support::write_secret_files(
        dir.path(),
        &[
            ("pin.txt", PIN),
            ("so.txt", SO_PIN),
            ("new.txt", NEW_PIN),
            ("wrong.txt", WRONG_PIN),
            ("pfxpass.txt", PFX_PASSWORD),
        ],
    );
    ok(podpis(dir.path(), &support::TOKEN_INIT));
    dir
}

fn gen_key(d: &Path, pin_file: &str) -> Output {
    podpis(
        d,
        &[
            "token",
            "gen",
            "--path",
            "k.pdp",
            "--pin-file",
            pin_file,
            "--alg",
            "gost2012-512",
            "--paramset",
            "C",
            "--label",
            "generated",
        ],
    )
}

fn list(d: &Path) -> Vec<Value> {
    let out = ok(podpis(d, &["token", "list", "--path", "k.pdp", "--json"]));
    match serde_json::from_str(&out).unwrap() {
        Value::Array(a) => a,
        other => panic!("not an array: {other}"),
    }
}

/// An OpenSSL key and self-signed certificate in a GOST PFX, imported.
fn import(d: &Path, extra: &[&str]) -> String {
    run_ok(&mut support::req_x509(
        "gost2012_256",
        "A",
        "/CN=token signer",
        30,
        &d.join("ossl.key"),
        &d.join("cert.pem"),
    ));
    run_ok(openssl().current_dir(d).args([
        "pkcs12",
        "-export",
        "-keypbe",
        "gost89",
        "-certpbe",
        "gost89",
        "-macalg",
        "md_gost12_512",
        "-passout",
        "file:pfxpass.txt",
        "-inkey",
        "ossl.key",
        "-in",
        "cert.pem",
        "-out",
        "in.pfx",
    ]));
    let mut args = vec![
        "token",
        "import",
        "--path",
        "k.pdp",
        "--pin-file",
        "pin.txt",
        "--pfx",
        "in.pfx",
        "--pfx-password-file",
        "pfxpass.txt",
    ];
    args.extend(extra);
    let ids = ok(podpis(d, &args));
    let ids: Vec<&str> = ids.lines().collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    ids[0].to_owned()
}

#[test]
fn gen_and_list_shape() {
    let dir = container();
    let d = dir.path();
    assert!(list(d).is_empty());
    let id = ok(gen_key(d, "pin.txt")).trim().to_owned();
    assert_eq!(id.len(), 16, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    let keys = list(d);
    assert_eq!(keys.len(), 1);
    let k = &keys[0];
    assert_eq!(k["id"], id.as_str());
    assert_eq!(k["label"], "generated");
    assert_eq!(k["param_set"], "512-C");
    assert_eq!(k["exportable"], true);
    assert_eq!(k["subject"], Value::Null);
    assert_eq!(k["not_after"], Value::Null);
    // The text listing names the key too.
    let text = ok(podpis(d, &["token", "list", "--path", "k.pdp"]));
    assert!(text.contains(&id), "{text}");
    // Without a certificate there is nothing to sign with unless --cert.
    fs::write(d.join("doc.txt"), "document").unwrap();
    let out = podpis(
        d,
        &[
            "sign",
            "--token",
            "k.pdp",
            "--id",
            &id,
            "--pin-file",
            "pin.txt",
            "--in",
            "doc.txt",
            "--out",
            "doc.p7s",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!d.join("doc.p7s").exists());
    // The PIN from PODPIS_PIN works as well as from a file.
    let out = support::run_without_secrets(
        support::podpis_command(d).env("PODPIS_PIN", PIN).args([
            "token",
            "gen",
            "--path",
            "k.pdp",
            "--paramset",
            "TCA",
        ]),
        &SECRETS,
    );
    ok(out);
    assert_eq!(list(d).len(), 2);
}

#[test]
fn import_sign_verify_export() {
    let dir = container();
    let d = dir.path();
    let id = import(d, &["--label", "ivanov"]);
    let keys = list(d);
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["id"], id.as_str());
    assert_eq!(keys[0]["label"], "ivanov");
    assert_eq!(keys[0]["param_set"], "256-A");
    assert_eq!(keys[0]["exportable"], true);
    assert!(
        keys[0]["subject"]
            .as_str()
            .unwrap()
            .contains("CN=token signer"),
        "{keys:?}"
    );
    let not_after = keys[0]["not_after"].as_str().unwrap();
    assert!(
        not_after.ends_with('Z') && not_after.len() == 20,
        "{not_after}"
    );

    // Sign with the container's key and its stored certificate.
    fs::write(d.join("doc.txt"), "документ для подписи\n").unwrap();
    ok(podpis(
        d,
        &[
            "sign",
            "--token",
            "k.pdp",
            "--id",
            &id,
            "--pin-file",
            "pin.txt",
            "--in",
            "doc.txt",
            "--detached",
            "--out",
            "doc.p7s",
        ],
    ));
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
        "cert.pem",
        "-out",
        "/dev/null",
    ]));
    let report = podpis(
        d,
        &[
            "verify",
            "--in",
            "doc.p7s",
            "--content",
            "doc.txt",
            "--trust",
            "cert.pem",
            "--no-revocation",
        ],
    );
    assert_eq!(
        report.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&report.stdout),
        String::from_utf8_lossy(&report.stderr)
    );
    // A wrong certificate given with --cert is refused by the signer check.
    run_ok(&mut support::req_x509(
        "gost2012_256",
        "A",
        "/CN=other",
        30,
        &d.join("other.key"),
        &d.join("other.pem"),
    ));
    let out = podpis(
        d,
        &[
            "sign",
            "--token",
            "k.pdp",
            "--id",
            &id,
            "--pin-file",
            "pin.txt",
            "--cert",
            "other.pem",
            "--in",
            "doc.txt",
            "--out",
            "other.p7s",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!d.join("other.p7s").exists());

    // Export: OpenSSL reads the PFX with the password, key and certificate.
    ok(podpis(
        d,
        &[
            "token",
            "export",
            "--path",
            "k.pdp",
            "--id",
            &id,
            "--pin-file",
            "pin.txt",
            "--out",
            "out.pfx",
            "--pfx-password-file",
            "pfxpass.txt",
        ],
    ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(d.join("out.pfx"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let info = run_ok(openssl().current_dir(d).args([
        "pkcs12",
        "-info",
        "-nodes",
        "-in",
        "out.pfx",
        "-passin",
        "file:pfxpass.txt",
    ]));
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(text.contains("BEGIN PRIVATE KEY"), "{text}");
    assert!(text.contains("BEGIN CERTIFICATE"), "{text}");
    fs::write(d.join("exported.pem"), text.as_bytes()).unwrap();
    let pubkey = |file: &str| {
        run_ok(
            openssl()
                .current_dir(d)
                .args(["pkey", "-pubout", "-in", file]),
        )
        .stdout
    };
    assert_eq!(pubkey("exported.pem"), pubkey("ossl.key"));
    // A wrong password does not open it.
    let bad = openssl()
        .current_dir(d)
        .args([
            "pkcs12",
            "-info",
            "-nodes",
            "-in",
            "out.pfx",
            "-passin",
            "pass:nope",
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[test]
fn non_exportable_key_is_not_exported() {
    let dir = container();
    let d = dir.path();
    let id = import(d, &["--non-exportable"]);
    assert_eq!(list(d)[0]["exportable"], false);
    let out = podpis(
        d,
        &[
            "token",
            "export",
            "--path",
            "k.pdp",
            "--id",
            &id,
            "--pin-file",
            "pin.txt",
            "--out",
            "out.pfx",
            "--pfx-password-file",
            "pfxpass.txt",
        ],
    );
    fails_with(&out, "KEY_NOT_EXPORTABLE");
    assert!(!d.join("out.pfx").exists());
    // It still signs.
    fs::write(d.join("doc.txt"), "x").unwrap();
    ok(podpis(
        d,
        &[
            "sign",
            "--token",
            "k.pdp",
            "--id",
            &id,
            "--pin-file",
            "pin.txt",
            "--in",
            "doc.txt",
            "--out",
            "doc.p7s",
        ],
    ));
    run_ok(openssl().current_dir(d).args([
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        "doc.p7s",
        "-CAfile",
        "cert.pem",
        "-out",
        "/dev/null",
    ]));
    // An unknown id is KEY_NOT_FOUND.
    let out = podpis(
        d,
        &[
            "token",
            "export",
            "--path",
            "k.pdp",
            "--id",
            "0000000000000000",
            "--pin-file",
            "pin.txt",
            "--out",
            "out.pfx",
            "--pfx-password-file",
            "pfxpass.txt",
        ],
    );
    fails_with(&out, "KEY_NOT_FOUND");
}

#[test]
fn wrong_pins_lock_and_so_pin_unblocks() {
    let dir = container();
    let d = dir.path();
    let stderr = fails_with(&gen_key(d, "wrong.txt"), "PIN_INCORRECT");
    assert!(stderr.contains("2 tries left"), "{stderr}");
    let stderr = fails_with(&gen_key(d, "wrong.txt"), "PIN_INCORRECT");
    assert!(stderr.contains("1 tries left"), "{stderr}");
    fails_with(&gen_key(d, "wrong.txt"), "PIN_LOCKED");
    // Locked: the right PIN does not help any more.
    fails_with(&gen_key(d, "pin.txt"), "PIN_LOCKED");
    // A wrong SO PIN is counted.
    let out = podpis(
        d,
        &[
            "token",
            "unblock",
            "--path",
            "k.pdp",
            "--so-pin-file",
            "wrong.txt",
            "--new-pin-file",
            "new.txt",
        ],
    );
    let stderr = fails_with(&out, "SO_PIN_INCORRECT");
    assert!(stderr.contains("9 tries left"), "{stderr}");
    ok(podpis(
        d,
        &[
            "token",
            "unblock",
            "--path",
            "k.pdp",
            "--so-pin-file",
            "so.txt",
            "--new-pin-file",
            "new.txt",
        ],
    ));
    fails_with(&gen_key(d, "pin.txt"), "PIN_INCORRECT");
    ok(gen_key(d, "new.txt"));
    // change-pin: back to the first PIN; the old one then fails.
    ok(podpis(
        d,
        &[
            "token",
            "change-pin",
            "--path",
            "k.pdp",
            "--pin-file",
            "new.txt",
            "--new-pin-file",
            "pin.txt",
        ],
    ));
    fails_with(&gen_key(d, "new.txt"), "PIN_INCORRECT");
    ok(gen_key(d, "pin.txt"));
    assert_eq!(list(d).len(), 2);
}

#[test]
fn init_refuses_existing_file_and_bad_tries() {
    let dir = container();
    let d = dir.path();
    let out = podpis(
        d,
        &[
            "token",
            "init",
            "--path",
            "k.pdp",
            "--pin-file",
            "pin.txt",
            "--so-pin-file",
            "so.txt",
        ],
    );
    fails_with(&out, "CONTAINER_EXISTS");
    let out = podpis(
        d,
        &[
            "token",
            "init",
            "--path",
            "k2.pdp",
            "--pin-file",
            "pin.txt",
            "--so-pin-file",
            "so.txt",
            "--max-tries",
            "11",
        ],
    );
    fails_with(&out, "CONTAINER_PARAMS_INVALID");
    assert!(!d.join("k2.pdp").exists());
    // Not a container at all.
    let out = podpis(d, &["token", "list", "--path", "pin.txt"]);
    assert_eq!(out.status.code(), Some(1));
}
