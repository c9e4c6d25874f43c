//! `token::pkcs11::Pkcs11Signer` as a library against podpis's module:
//! both `pki::Signer` paths — a message through the with-hash mechanism,
//! a 512-bit digest through `CKM_GOSTR3410_512` — the refusal to sign a
//! 256-bit digest raw (which `cryptoki` cannot express), and a CMS
//! signature made through the trait and checked by `pki`.
//!
//! The module reads `PODPIS_TOKEN_PATH` in `C_Initialize` and keeps one
//! state per process, so the client runs in a child process (this binary
//! re-run with `--exact <child> --ignored`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

use gost::ParamSet;
use pki::algorithm::DigestAlgorithm;
use pki::{Diagnostic, Signer};
use token::container::{Container, ContainerParams};
use token::pkcs11::{KeySelector, Pkcs11Module, TokenSelector};

const PIN: &str = "9090-pin";
const CHILD: &str = "PODPIS_PKCS11_SIGNER_CHILD";

fn module() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    [deps, deps.parent().unwrap()]
        .iter()
        .map(|d| d.join("libpodpis_pkcs11.so"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("libpodpis_pkcs11.so is not beside {}", exe.display()))
}

#[test]
fn signer_paths_through_the_module() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.pdp");
    let c = Container::create(&path, PIN, "so-pin", ContainerParams::insecure_for_tests()).unwrap();
    let s = c.login(PIN).unwrap();
    s.generate_key_with_id(ParamSet::Tc26A256, "0256", "k256", false)
        .unwrap();
    s.generate_key_with_id(ParamSet::Tc26B512, "0512", "k512", false)
        .unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_signer_paths", "--ignored", "--nocapture"])
        .env("PODPIS_TOKEN_PATH", &path)
        .env(CHILD, "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("test result: ok. 1 passed"), "{text}");
}

#[test]
#[ignore = "run in a child process by signer_paths_through_the_module"]
fn child_signer_paths() {
    if std::env::var_os(CHILD).is_none() {
        eprintln!("runs only as a child of its parent test");
        return;
    }
    let m = Pkcs11Module::load(&module()).unwrap();
    let signer = |id: &[u8]| {
        m.login(&TokenSelector::Only, PIN)
            .unwrap()
            .gost_signer(&KeySelector::Id(id.to_vec()), None)
            .unwrap()
    };
    // No certificate on the token: the public key comes from
    // CKA_PUBLIC_KEY_INFO.
    let s512 = signer(&[0x05, 0x12]);
    assert_eq!(s512.param_set(), ParamSet::Tc26B512);
    assert!(s512.certificate().is_none());
    let digest = DigestAlgorithm::Streebog512.digest(b"digest path");
    let sig = s512.sign_digest(&digest).unwrap();
    s512.verifying_key().verify_digest(&digest, &sig).unwrap();
    assert!(s512.sign_digest(&digest[..32]).is_err());
    let msg = s512.sign_message(b"message path").unwrap();
    pki::algorithm::verify_digest(
        s512.verifying_key(),
        &DigestAlgorithm::Streebog512.digest(b"message path"),
        &msg,
    )
    .unwrap();

    let s256 = signer(&[0x02, 0x56]);
    let digest = DigestAlgorithm::Streebog256.digest(b"x");
    let e = s256.sign_digest(&digest).unwrap_err();
    assert!(e.to_string().contains("cryptoki"), "{e}");
    let msg = s256.sign_message(b"x").unwrap();
    pki::algorithm::verify_digest(s256.verifying_key(), &digest, &msg).unwrap();

    // A CMS signature through the trait object, checked by pki.
    let now = std::time::SystemTime::now();
    let name = pki::name::parse_name("CN=PKCS11 signer").unwrap();
    let cert = pki::cert::CertificateBuilder::new(
        name,
        s256.verifying_key(),
        now - std::time::Duration::from_secs(60),
        now + std::time::Duration::from_secs(3600),
    )
    .build(&s256)
    .unwrap();
    let dyn_signer: &dyn Signer = &s256;
    let options = pki::cms::SignOptions::cades_bes(false, now);
    let der = pki::cms::sign(
        pki::cms::Content::Bytes(b"document"),
        dyn_signer,
        &cert,
        &options,
    )
    .unwrap();
    let message = pki::cms::SignedMessage::parse(&der).unwrap();
    message.verify_signer(0, None, &[]).unwrap();

    // Selection errors.
    let e = m
        .login(&TokenSelector::Only, PIN)
        .unwrap()
        .gost_signer(&KeySelector::Label("missing".into()), None)
        .unwrap_err();
    assert_eq!(e.code(), "PKCS11_KEY_NOT_FOUND");
    let e = m.login(&TokenSelector::Slot(3), PIN).unwrap_err();
    assert_eq!(e.code(), "PKCS11_TOKEN_NOT_FOUND");
}
