//! The PKCS#11 client against another vendor's module, SoftHSM2: an EC
//! P-256 key made with `pkcs11-tool` signs through [`token::pkcs11`]; the
//! raw `r ‖ s` is turned into DER and verified by `openssl dgst -sha256
//! -verify` with the public key `pkcs11-tool` exported. Also: a wrong PIN,
//! an EC key refused as a GOST signer, token and key selection errors.
//!
//! SoftHSM reads `SOFTHSM2_CONF` when it is initialised, and a module has one
//! state per process, so the client runs in a child process (this binary
//! re-run with `--exact <child> --ignored`) with the variable set; the child
//! writes the signature to a file the parent checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../pki/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pki::Diagnostic;
use token::pkcs11::{KeySelector, ObjectKind, Pkcs11Error, Pkcs11Module, TokenSelector};

const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "246810";
const SO_PIN: &str = "13579135";
const MESSAGE: &[u8] = b"ECDSA over SHA-256, signed on a SoftHSM token";
const CHILD: &str = "PODPIS_SOFTHSM_TEST_OUT";

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?} (apt-get install softhsm2 opensc): {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// A SoftHSM configuration with one token `ec-test` holding an EC P-256
/// key `01`; its public key is written to `pub.der`.
fn softhsm_token(dir: &Path) -> PathBuf {
    let conf = dir.join("softhsm2.conf");
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.join("tokens").display()
        ),
    )
    .unwrap();
    run(Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            "ec-test",
            "--pin",
            PIN,
            "--so-pin",
            SO_PIN,
        ]));
    let tool = || {
        let mut cmd = Command::new("pkcs11-tool");
        cmd.env("SOFTHSM2_CONF", &conf).args(["--module", SOFTHSM]);
        cmd
    };
    run(tool()
        .args([
            "--login",
            "--pin",
            PIN,
            "--keypairgen",
            "--key-type",
            "EC:prime256v1",
        ])
        .args(["--id", "01", "--label", "ec key"]));
    run(tool()
        .args(["--read-object", "--type", "pubkey", "--id", "01", "-o"])
        .arg(dir.join("pub.der")));
    conf
}

/// A DER INTEGER of a big-endian magnitude.
fn der_integer(magnitude: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = magnitude.iter().copied().skip_while(|b| *b == 0).collect();
    let mut body = if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
        vec![0]
    } else {
        Vec::new()
    };
    body.extend(trimmed);
    let mut out = vec![0x02, u8::try_from(body.len()).unwrap()];
    out.extend(body);
    out
}

/// ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } from `r ‖ s`.
fn ecdsa_der(raw: &[u8]) -> Vec<u8> {
    let (r, s) = raw.split_at(raw.len() / 2);
    let mut body = der_integer(r);
    body.extend(der_integer(s));
    let mut out = vec![0x30, u8::try_from(body.len()).unwrap()];
    out.extend(body);
    out
}

#[test]
fn ecdsa_p256_on_softhsm_verifies_with_openssl() {
    let dir = support::tempdir();
    let d = dir.path();
    let conf = softhsm_token(d);
    let sig_path = d.join("sig.raw");
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_softhsm_client",
            "--ignored",
            "--nocapture",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD, &sig_path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("test result: ok. 1 passed"), "{text}");

    let raw = std::fs::read(&sig_path).unwrap();
    assert_eq!(raw.len(), 64, "P-256: r and s of 32 octets each");
    std::fs::write(d.join("sig.der"), ecdsa_der(&raw)).unwrap();
    std::fs::write(d.join("msg"), MESSAGE).unwrap();
    run(Command::new("openssl").current_dir(d).args([
        "pkey", "-pubin", "-inform", "DER", "-in", "pub.der", "-out", "pub.pem",
    ]));
    let verified = run(Command::new("openssl").current_dir(d).args([
        "dgst",
        "-sha256",
        "-verify",
        "pub.pem",
        "-signature",
        "sig.der",
        "msg",
    ]));
    assert!(verified.contains("Verified OK"), "{verified}");
    // Another message does not verify.
    std::fs::write(d.join("msg"), b"another message").unwrap();
    let out = Command::new("openssl")
        .current_dir(d)
        .args([
            "dgst",
            "-sha256",
            "-verify",
            "pub.pem",
            "-signature",
            "sig.der",
            "msg",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
#[ignore = "run in a child process by ecdsa_p256_on_softhsm_verifies_with_openssl"]
fn child_softhsm_client() {
    let Some(out) = std::env::var_os(CHILD) else {
        eprintln!("runs only as a child of its parent test");
        return;
    };
    let module = Pkcs11Module::load(Path::new(SOFTHSM)).unwrap();
    let tokens = module.tokens().unwrap();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0].label, "ec-test");
    let token = TokenSelector::Label("ec-test".into());

    // Public objects without a PIN; the private key after the login.
    let public = module.objects(&token).unwrap();
    assert!(public.iter().any(|o| o.kind == ObjectKind::PublicKey
        && o.id == [1]
        && o.key_type.as_deref() == Some("ec")));
    assert!(public.iter().all(|o| o.kind != ObjectKind::PrivateKey));

    let e = module.login(&token, "000000").unwrap_err();
    assert!(matches!(e, Pkcs11Error::PinIncorrect { .. }), "{e:?}");
    assert_eq!(e.code(), "PIN_INCORRECT");
    let e = module
        .login(&TokenSelector::Label("other".into()), PIN)
        .unwrap_err();
    assert_eq!(e.code(), "PKCS11_TOKEN_NOT_FOUND");

    let login = module.login(&token, PIN).unwrap();
    assert!(
        login
            .objects()
            .unwrap()
            .iter()
            .any(|o| o.kind == ObjectKind::PrivateKey)
    );
    let e = login
        .gost_signer(&KeySelector::Id(vec![1]), None)
        .unwrap_err();
    assert_eq!(e.code(), "PKCS11_KEY_UNSUPPORTED");
    let e = module
        .login(&token, PIN)
        .unwrap()
        .ecdsa_key(&KeySelector::Id(vec![2]))
        .unwrap_err();
    assert_eq!(e.code(), "PKCS11_KEY_NOT_FOUND");

    let key = module
        .login(&token, PIN)
        .unwrap()
        .ecdsa_key(&KeySelector::Label("ec key".into()))
        .unwrap();
    // CKA_EC_POINT: a DER OCTET STRING around the uncompressed point.
    assert_eq!(key.ec_point()[..3], [0x04, 0x41, 0x04]);
    let sig = key.sign_sha256(MESSAGE).unwrap();
    std::fs::write(out, sig).unwrap();
}
