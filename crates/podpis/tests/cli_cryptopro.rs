//! `podpis token import` of CryptoPro's own formats, end to end: every
//! key-container folder and every CryptoPro PFX export of the interop
//! corpus is imported into a podpis container, each key signs a CMS with
//! `podpis sign --token`, and `openssl cms -verify` (GOST engine) accepts
//! it with the certificate CryptoPro stored with the key (`-noverify`: the
//! certificates are self-signed test certificates, most of them expired).
//! GOST R 34.10-2001 keys are refused with KEY_GOST2001_UNSUPPORTED; a
//! wrong password leaves the podpis container as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use support::{fails_with, ok, openssl, run_ok};

const PIN: &str = "pin-7391";
const SO_PIN: &str = "so-pin-5550";
const OTVCONBA_PIN: &str = "1xqoyc4e";

/// Runs podpis in `dir` (no secret in the environment, no terminal) and
/// checks that no PIN or password shows in its output.
fn podpis(dir: &Path, args: &[&str]) -> Output {
    support::run_without_secrets(
        support::podpis_command(dir).args(args),
        &[PIN, SO_PIN, OTVCONBA_PIN],
    )
}

/// A directory with PIN and password files and an initialised `k.pdp`.
fn container() -> tempfile::TempDir {
    let dir = support::tempdir();
    support::write_secret_files(
        dir.path(),
        &[
            ("pin.txt", PIN),
            ("so.txt", SO_PIN),
            ("otv.txt", OTVCONBA_PIN),
            ("one.txt", "1"),
            ("empty.txt", ""),
            ("wrong.txt", "1xqoyc4E"),
        ],
    );
    ok(podpis(dir.path(), &support::TOKEN_INIT));
    dir
}

fn containers() -> PathBuf {
    support::corpus().join("containers")
}

/// `podpis token import` into `k.pdp` with `pin.txt`.
const TOKEN_IMPORT: [&str; 6] = [
    "token",
    "import",
    "--path",
    "k.pdp",
    "--pin-file",
    "pin.txt",
];

fn import(d: &Path, source: &[&str]) -> Output {
    let mut args = TOKEN_IMPORT.to_vec();
    args.extend(source);
    podpis(d, &args)
}

/// Signs `doc.txt` with key `id` and has OpenSSL verify it with `cert`
/// (PEM or DER file) only.
fn sign_and_verify(d: &Path, id: &str, cert: &Path) {
    fs::write(d.join("doc.txt"), "заявление на услугу\n").unwrap();
    ok(podpis(
        d,
        &[
            "sign",
            "--token",
            "k.pdp",
            "--id",
            id,
            "--pin-file",
            "pin.txt",
            "--in",
            "doc.txt",
            "--detached",
            "--out",
            "doc.p7s",
            "--force",
        ],
    ));
    let form = if cert.extension().is_some_and(|e| e == "pem") {
        "PEM"
    } else {
        "DER"
    };
    let pem = d.join("signer.pem");
    run_ok(
        openssl()
            .args(["x509", "-inform", form, "-in"])
            .arg(cert)
            .arg("-out")
            .arg(&pem),
    );
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
        "-nointern",
        "-certfile",
        "signer.pem",
        "-noverify",
        "-out",
        "/dev/null",
    ]));
}

fn ids(out: Output) -> Vec<String> {
    ok(out).lines().map(str::to_owned).collect()
}

#[test]
fn cryptopro_containers_import_and_sign() {
    // (folder, password file, certificates beside the folder, key by key)
    let cases: [(&str, &str, &[&str]); 5] = [
        (
            "cryptopro-corefx/G2012256.001",
            "empty.txt",
            &[
                "cryptopro-corefx/G2012256.001.sig_cert_from_header.pem",
                "cryptopro-corefx/G2012256.001.exch_cert_from_header.pem",
            ],
        ),
        (
            "cryptopro-corefx/G2012512.000",
            "empty.txt",
            &[
                "cryptopro-corefx/G2012512.000.sig_cert_from_header.pem",
                "cryptopro-corefx/G2012512.000.exch_cert_from_header.pem",
            ],
        ),
        (
            "cryptopro-corefx/pfx-6b72.000",
            "empty.txt",
            &["cryptopro-corefx/pfx-6b72.000.sig_cert_from_header.pem"],
        ),
        (
            "cryptopro-corefx/0000rtin.001",
            "empty.txt",
            &["cryptopro-corefx/0000rtin.001.sig_cert_from_header.pem"],
        ),
        (
            "cryptopro-esia-otvconba/otvconba.000",
            "otv.txt",
            &["cryptopro-esia-otvconba/otvconba.pem"],
        ),
    ];
    for (folder, password, certs) in cases {
        let dir = container();
        let d = dir.path();
        let folder_path = containers().join(folder);
        let new = ids(import(
            d,
            &[
                "--cryptopro-dir",
                folder_path.to_str().unwrap(),
                "--cryptopro-password-file",
                password,
            ],
        ));
        assert_eq!(new.len(), certs.len(), "{folder}");
        for (id, cert) in new.iter().zip(certs) {
            sign_and_verify(d, id, &containers().join(cert));
        }
    }
}

#[test]
fn cryptopro_pfx_exports_import_and_sign() {
    for (file, password) in [
        ("dotnet_core_2012_256.pfx", "empty.txt"),
        ("dotnet_core_2012_512.pfx", "empty.txt"),
        ("cli_2012_256_pass1.pfx", "one.txt"),
    ] {
        let dir = container();
        let d = dir.path();
        let pfx = support::corpus().join("pfx/cryptopro-corefx").join(file);
        let new = ids(import(
            d,
            &[
                "--pfx",
                pfx.to_str().unwrap(),
                "--pfx-password-file",
                password,
            ],
        ));
        assert_eq!(new.len(), 1, "{file}");
        // The certificate OpenSSL itself takes out of the PFX.
        let cert = d.join("pfx-cert.pem");
        run_ok(
            openssl()
                .args(["pkcs12", "-nokeys", "-clcerts", "-in"])
                .arg(&pfx)
                .arg("-passin")
                .arg(format!("file:{}", d.join(password).display()))
                .arg("-out")
                .arg(&cert),
        );
        sign_and_verify(d, &new[0], &cert);
    }
}

#[test]
fn gost2001_keys_are_refused_with_a_code() {
    let dir = container();
    let d = dir.path();
    let before = fs::read(d.join("k.pdp")).unwrap();
    let folder = containers().join("cryptopro-corefx/G2001256.000");
    let out = import(
        d,
        &[
            "--cryptopro-dir",
            folder.to_str().unwrap(),
            "--cryptopro-password-file",
            "empty.txt",
        ],
    );
    fails_with(&out, "KEY_GOST2001_UNSUPPORTED");
    let pfx = support::corpus().join("pfx/cryptopro-corefx/dotnet_core_2001_512.pfx");
    let out = import(
        d,
        &[
            "--pfx",
            pfx.to_str().unwrap(),
            "--pfx-password-file",
            "empty.txt",
        ],
    );
    fails_with(&out, "KEY_GOST2001_UNSUPPORTED");
    assert_eq!(fs::read(d.join("k.pdp")).unwrap(), before);
}

#[test]
fn wrong_password_missing_folder_and_bad_arguments() {
    let dir = container();
    let d = dir.path();
    let before = fs::read(d.join("k.pdp")).unwrap();
    let otv = containers().join("cryptopro-esia-otvconba/otvconba.000");
    let otv = otv.to_str().unwrap();
    for password in ["wrong.txt", "empty.txt"] {
        let out = import(
            d,
            &[
                "--cryptopro-dir",
                otv,
                "--cryptopro-password-file",
                password,
            ],
        );
        fails_with(&out, "CRYPTOPRO_PASSWORD_INCORRECT");
    }
    let out = import(
        d,
        &[
            "--cryptopro-dir",
            "no-such.000",
            "--cryptopro-password-file",
            "empty.txt",
        ],
    );
    fails_with(&out, "CRYPTOPRO_FILE_MISSING");
    assert_eq!(fs::read(d.join("k.pdp")).unwrap(), before);
    // Exactly one source, and each password file only with its source.
    let pfx = support::corpus().join("pfx/cryptopro-corefx/cli_2012_256_pass1.pfx");
    for args in [
        vec!["--pfx", pfx.to_str().unwrap(), "--cryptopro-dir", otv],
        vec![],
        vec!["--cryptopro-dir", otv, "--pfx-password-file", "one.txt"],
    ] {
        let out = import(d, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    // The password from the environment works too.
    let out = support::run_without_secrets(
        support::podpis_command(d)
            .env("PODPIS_CRYPTOPRO_PASSWORD", OTVCONBA_PIN)
            .args(TOKEN_IMPORT)
            .args(["--cryptopro-dir", otv]),
        &[PIN, SO_PIN, OTVCONBA_PIN],
    );
    assert_eq!(ok(out).lines().count(), 1);
}
