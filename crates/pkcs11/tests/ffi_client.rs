//! The C ABI under a second client, the `cryptoki` crate, loading the
//! module into this process: attribute queries (sensitive values, buffer
//! sizes), signing and verifying through the function table, login rules,
//! and several threads signing at once.
//!
//! The module keeps one state per process and reads `PODPIS_TOKEN_PATH` in
//! `C_Initialize`, so each scenario runs in a child process: the parent test
//! prepares a container and re-runs this binary with `--exact <child>
//! --ignored` and the variable set; the child must report that it passed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod p11;

use std::path::Path;
use std::process::Command;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::vendor_defined::VendorDefinedMechanism;
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeInfo, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use gost::{ParamSet, Signature, VerifyingKey};
use p11::{PIN, container};
use pki::algorithm::DigestAlgorithm;
use podpis_pkcs11::consts::*;
use token::container::Container;

const CHILD: &str = "PODPIS_PKCS11_TEST_CHILD";

/// Runs child test `name` with `token` as the only slot.
fn in_child(name: &str, token: &Path) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            name,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PODPIS_TOKEN_PATH", token)
        .env(CHILD, "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{name} failed:\n{text}");
    assert!(
        text.contains("test result: ok. 1 passed"),
        "{name} did not run:\n{text}"
    );
}

/// The module initialised in this (child) process, or `None` when the test
/// was not started by its parent.
fn module() -> Option<Pkcs11> {
    if std::env::var_os(CHILD).is_none() {
        eprintln!("runs only as a child of its parent test");
        return None;
    }
    let pkcs11 = Pkcs11::new(p11::module()).unwrap();
    pkcs11
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .unwrap();
    Some(pkcs11)
}

fn vendor(kind: cryptoki_sys::CK_MECHANISM_TYPE) -> Mechanism<'static> {
    Mechanism::VendorDefined(VendorDefinedMechanism::new::<()>(
        MechanismType::new_vendor_defined(kind).unwrap(),
        None,
    ))
}

fn rv(e: Error) -> RvError {
    match e {
        Error::Pkcs11(rv, _) => rv,
        other => panic!("not a PKCS#11 error: {other}"),
    }
}

fn pin(p: &str) -> AuthPin {
    AuthPin::new(p.into())
}

fn find(session: &Session, class: ObjectClass, id: &[u8]) -> ObjectHandle {
    let found = session
        .find_objects(&[Attribute::Class(class), Attribute::Id(id.to_vec())])
        .unwrap();
    assert_eq!(found.len(), 1, "{class:?} {id:?}");
    found[0]
}

/// A container with a 512-bit key `0a` (the public half returned).
fn token_with_key(dir: &Path) -> (std::path::PathBuf, VerifyingKey) {
    let path = container(dir, "t.podpis");
    let c = Container::open(&path).unwrap();
    c.login(PIN)
        .unwrap()
        .generate_key_with_id(ParamSet::Tc26A512, "0a", "ffi key", false)
        .unwrap();
    let public =
        VerifyingKey::from_le_bytes(ParamSet::Tc26A512, &c.keys().unwrap()[0].public_key).unwrap();
    (path, public)
}

#[test]
fn attributes_sign_verify_digest_through_the_abi() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = token_with_key(dir.path());
    in_child("child_attributes_sign_verify_digest", &path);
}

#[test]
#[ignore = "run in a child process by attributes_sign_verify_digest_through_the_abi"]
fn child_attributes_sign_verify_digest() {
    let Some(pkcs11) = module() else { return };
    let path = std::env::var_os("PODPIS_TOKEN_PATH").unwrap();
    let c = Container::open(&path).unwrap();
    let public_key =
        VerifyingKey::from_le_bytes(ParamSet::Tc26A512, &c.keys().unwrap()[0].public_key).unwrap();
    let slot = pkcs11.get_slots_with_token().unwrap()[0];
    let info = pkcs11.get_token_info(slot).unwrap();
    assert_eq!(info.label(), "t");
    assert_eq!(info.manufacturer_id(), "podpis");
    let session = pkcs11.open_ro_session(slot).unwrap();

    // Not logged in: no private key, and signing is refused.
    let private = session
        .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
        .unwrap();
    assert!(private.is_empty());
    let public = find(&session, ObjectClass::PUBLIC_KEY, &[0x0a]);
    let digest = DigestAlgorithm::Streebog512.digest(b"abi");
    let raw = vendor(CKM_GOSTR3410_512);
    session.login(UserType::User, Some(&pin(PIN))).unwrap();
    let key = find(&session, ObjectClass::PRIVATE_KEY, &[0x0a]);
    session.logout().unwrap();
    assert_eq!(
        rv(session.sign(&raw, key, &digest).unwrap_err()),
        RvError::UserNotLoggedIn
    );

    session.login(UserType::User, Some(&pin(PIN))).unwrap();
    // The private value is sensitive; sizes are reported for the rest.
    let infos = session
        .get_attribute_info(
            key,
            &[
                AttributeType::Value,
                AttributeType::Sensitive,
                AttributeType::Label,
                AttributeType::Modulus,
            ],
        )
        .unwrap();
    assert!(matches!(infos[0], AttributeInfo::Sensitive), "{infos:?}");
    assert!(matches!(infos[1], AttributeInfo::Available(1)), "{infos:?}");
    assert!(matches!(infos[2], AttributeInfo::Available(7)), "{infos:?}");
    assert!(matches!(infos[3], AttributeInfo::TypeInvalid), "{infos:?}");
    let attrs = session
        .get_attributes(
            key,
            &[
                AttributeType::Label,
                AttributeType::Extractable,
                AttributeType::Sign,
            ],
        )
        .unwrap();
    assert!(
        attrs.contains(&Attribute::Label(b"ffi key".to_vec())),
        "{attrs:?}"
    );
    assert!(attrs.contains(&Attribute::Extractable(false)), "{attrs:?}");
    assert!(attrs.contains(&Attribute::Sign(true)), "{attrs:?}");
    let attrs = session
        .get_attributes(
            public,
            &[AttributeType::Value, AttributeType::PublicKeyInfo],
        )
        .unwrap();
    assert!(
        attrs.contains(&Attribute::Value(public_key.to_le_bytes())),
        "{attrs:?}"
    );
    assert!(attrs.contains(&Attribute::PublicKeyInfo(
        public_key.to_public_key_der().unwrap()
    )));

    // Raw signature of a digest, checked outside the module.
    let sig = session.sign(&raw, key, &digest).unwrap();
    public_key
        .verify_digest(&digest, &Signature::from_bytes(&sig).unwrap())
        .unwrap();
    assert_eq!(
        rv(session.sign(&raw, key, &digest[..32]).unwrap_err()),
        RvError::DataLenRange
    );
    // With hashing, in parts.
    let with_hash = vendor(CKM_GOSTR3410_WITH_GOSTR3411_12_512);
    session.sign_init(&with_hash, key).unwrap();
    session.sign_update(b"a").unwrap();
    session.sign_update(b"bi").unwrap();
    let parts = session.sign_final().unwrap();
    public_key
        .verify_digest(&digest, &Signature::from_bytes(&parts).unwrap())
        .unwrap();
    // Verify through the module.
    session.verify(&with_hash, public, b"abi", &parts).unwrap();
    assert_eq!(
        rv(session
            .verify(&with_hash, public, b"abj", &parts)
            .unwrap_err()),
        RvError::SignatureInvalid
    );
    assert_eq!(
        rv(session
            .verify(&raw, public, &digest, &sig[1..])
            .unwrap_err()),
        RvError::SignatureLenRange
    );
    // Digest.
    let d = session
        .digest(&vendor(CKM_GOSTR3411_12_256), b"abi")
        .unwrap();
    assert_eq!(d, DigestAlgorithm::Streebog256.digest(b"abi"));
    assert_eq!(session.generate_random_vec(40).unwrap().len(), 40);

    // Templates cryptoki can express: refusals come back through the ABI.
    let rw = pkcs11.open_rw_session(slot).unwrap();
    let gen512 = vendor(CKM_GOSTR3410_512_KEY_PAIR_GEN);
    let refused =
        |private: &[Attribute]| rv(rw.generate_key_pair(&gen512, &[], private).unwrap_err());
    assert_eq!(
        refused(&[Attribute::Sensitive(false)]),
        RvError::AttributeValueInvalid
    );
    assert_eq!(
        refused(&[Attribute::Token(false)]),
        RvError::AttributeValueInvalid
    );
    assert_eq!(
        refused(&[Attribute::Modulus(vec![1])]),
        RvError::AttributeTypeInvalid
    );
    assert_eq!(
        refused(&[Attribute::Sign(true)]),
        RvError::TemplateIncomplete
    );
    assert_eq!(
        rv(session.generate_key_pair(&gen512, &[], &[]).unwrap_err()),
        RvError::SessionReadOnly
    );
    assert_eq!(
        rv(rw.login(UserType::User, Some(&pin(PIN))).unwrap_err()),
        RvError::UserAlreadyLoggedIn
    );
    assert_eq!(c.keys().unwrap().len(), 1);
}

#[test]
fn threads_sign_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = token_with_key(dir.path());
    in_child("child_threads_sign_at_once", &path);
}

#[test]
#[ignore = "run in a child process by threads_sign_at_once"]
fn child_threads_sign_at_once() {
    let Some(pkcs11) = module() else { return };
    let path = std::env::var_os("PODPIS_TOKEN_PATH").unwrap();
    let c = Container::open(&path).unwrap();
    let public_key =
        VerifyingKey::from_le_bytes(ParamSet::Tc26A512, &c.keys().unwrap()[0].public_key).unwrap();
    let slot = pkcs11.get_slots_with_token().unwrap()[0];
    let first = pkcs11.open_ro_session(slot).unwrap();
    first.login(UserType::User, Some(&pin(PIN))).unwrap();
    std::thread::scope(|scope| {
        for t in 0..4u8 {
            let pkcs11 = &pkcs11;
            let public_key = &public_key;
            scope.spawn(move || {
                let session = pkcs11.open_ro_session(slot).unwrap();
                let key = find(&session, ObjectClass::PRIVATE_KEY, &[0x0a]);
                let mech = vendor(CKM_GOSTR3410_WITH_GOSTR3411_12_512);
                for i in 0..10u8 {
                    let msg = [t, i];
                    let sig = session.sign(&mech, key, &msg).unwrap();
                    let digest = DigestAlgorithm::Streebog512.digest(&msg);
                    public_key
                        .verify_digest(&digest, &Signature::from_bytes(&sig).unwrap())
                        .unwrap();
                }
            });
        }
    });
    // Every signature above used the one login of `first`.
    first.logout().unwrap();
}
