//! The module's rules through its safe core (`Module`), without the C ABI:
//! sessions and login state, templates of C_GenerateKeyPair, find
//! visibility, sign/verify/digest state machines and their return codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod p11;

use cryptoki_sys::*;
use gost::{KeySize, ParamSet, Signature, VerifyingKey};
use p11::{PIN, SO_PIN, container};
use pki::algorithm::DigestAlgorithm;
use podpis_pkcs11::config::TokenConfig;
use podpis_pkcs11::consts::*;
use podpis_pkcs11::module::{Mechanism, Module};
use podpis_pkcs11::object::{Attr, flag, oid_der, ulong};
use token::container::Container;

/// An attribute template as the module takes it.
type Template = Vec<(CK_ATTRIBUTE_TYPE, Vec<u8>)>;

const RW: CK_FLAGS = CKF_SERIAL_SESSION | CKF_RW_SESSION;
const RO: CK_FLAGS = CKF_SERIAL_SESSION;

fn mech(kind: CK_MECHANISM_TYPE) -> Mechanism<'static> {
    Mechanism { kind, param: &[] }
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    m: Module,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = container(dir.path(), "t.podpis");
    let m = Module::new(vec![TokenConfig {
        path: path.clone(),
        label: None,
    }]);
    Fixture { _dir: dir, path, m }
}

fn gost_templates(param_set: ParamSet, id: &[u8]) -> (Template, Template) {
    let params = oid_der(&param_set.oid());
    let public = vec![
        (CKA_CLASS, ulong(CKO_PUBLIC_KEY)),
        (CKA_TOKEN, flag(true)),
        (CKA_GOSTR3410_PARAMS, params.clone()),
        (CKA_ID, id.to_vec()),
        (CKA_VERIFY, flag(true)),
    ];
    let private = vec![
        (CKA_CLASS, ulong(CKO_PRIVATE_KEY)),
        (CKA_TOKEN, flag(true)),
        (CKA_PRIVATE, flag(true)),
        (CKA_SENSITIVE, flag(true)),
        (CKA_GOSTR3410_PARAMS, params),
        (CKA_ID, id.to_vec()),
        (CKA_LABEL, b"core".to_vec()),
        (CKA_SIGN, flag(true)),
    ];
    (public, private)
}

fn keygen_mech(size: KeySize) -> Mechanism<'static> {
    mech(match size {
        KeySize::Bits256 => CKM_GOSTR3410_KEY_PAIR_GEN,
        KeySize::Bits512 => CKM_GOSTR3410_512_KEY_PAIR_GEN,
    })
}

fn value(a: &Attr) -> &[u8] {
    match a {
        Attr::Value(v) => v,
        other => panic!("{other:?}"),
    }
}

#[test]
fn sessions_and_login_state() {
    let mut f = fixture();
    let m = &mut f.m;
    assert_eq!(m.slot_list(true), [0]);
    assert_eq!(
        m.open_session(0, CKF_RW_SESSION).unwrap_err(),
        CKR_SESSION_PARALLEL_NOT_SUPPORTED
    );
    assert_eq!(m.open_session(1, RW).unwrap_err(), CKR_SLOT_ID_INVALID);
    let ro = m.open_session(0, RO).unwrap();
    let rw = m.open_session(0, RW).unwrap();
    assert_eq!(m.session_info(ro).unwrap().state, CKS_RO_PUBLIC_SESSION);
    assert_eq!(m.session_info(rw).unwrap().state, CKS_RW_PUBLIC_SESSION);
    assert_eq!(m.token_info(0).unwrap().sessions, 2);
    assert_eq!(m.token_info(0).unwrap().rw_sessions, 1);

    // The SO may not log in while a read-only session is open.
    assert_eq!(
        m.login(rw, CKU_SO, SO_PIN.as_bytes()).unwrap_err(),
        CKR_SESSION_READ_ONLY_EXISTS
    );
    assert_eq!(
        m.login(rw, 7, PIN.as_bytes()).unwrap_err(),
        CKR_USER_TYPE_INVALID
    );
    assert_eq!(m.logout(rw).unwrap_err(), CKR_USER_NOT_LOGGED_IN);
    // One login serves every session of the token.
    m.login(ro, CKU_USER, PIN.as_bytes()).unwrap();
    assert_eq!(m.session_info(rw).unwrap().state, CKS_RW_USER_FUNCTIONS);
    assert_eq!(m.session_info(ro).unwrap().state, CKS_RO_USER_FUNCTIONS);
    assert_eq!(
        m.login(rw, CKU_USER, PIN.as_bytes()).unwrap_err(),
        CKR_USER_ALREADY_LOGGED_IN
    );
    m.close_session(ro).unwrap();
    assert_eq!(
        m.login(rw, CKU_SO, SO_PIN.as_bytes()).unwrap_err(),
        CKR_USER_ANOTHER_ALREADY_LOGGED_IN
    );
    // Closing the last session logs out.
    m.close_session(rw).unwrap();
    assert_eq!(m.close_session(rw).unwrap_err(), CKR_SESSION_HANDLE_INVALID);
    let rw = m.open_session(0, RW).unwrap();
    assert_eq!(m.session_info(rw).unwrap().state, CKS_RW_PUBLIC_SESSION);

    // SO: only read/write sessions while logged in; C_InitPIN needs the SO.
    assert_eq!(m.init_pin(rw, b"2468").unwrap_err(), CKR_USER_NOT_LOGGED_IN);
    m.login(rw, CKU_SO, SO_PIN.as_bytes()).unwrap();
    assert_eq!(m.session_info(rw).unwrap().state, CKS_RW_SO_FUNCTIONS);
    assert_eq!(
        m.open_session(0, RO).unwrap_err(),
        CKR_SESSION_READ_WRITE_SO_EXISTS
    );
    assert_eq!(m.init_pin(rw, b"").unwrap_err(), CKR_PIN_LEN_RANGE);
    assert_eq!(m.init_pin(rw, &[0xff, 0xfe]).unwrap_err(), CKR_PIN_INVALID);
    m.init_pin(rw, b"2468").unwrap();
    // C_SetPIN as the SO changes the SO PIN; the new one serves C_InitPIN.
    m.set_pin(rw, SO_PIN.as_bytes(), b"new-so").unwrap();
    m.init_pin(rw, b"1357").unwrap();
    m.close_all_sessions(0).unwrap();
    let c = Container::open(&f.path).unwrap();
    c.login("1357").unwrap();
    c.verify_so_pin("new-so").unwrap();

    // A read-only session may not change a PIN.
    let ro = m.open_session(0, RO).unwrap();
    assert_eq!(
        m.set_pin(ro, b"1357", b"9999").unwrap_err(),
        CKR_SESSION_READ_ONLY
    );
    // A non-UTF-8 PIN is never right (and costs no try).
    assert_eq!(
        m.login(ro, CKU_USER, &[0xff]).unwrap_err(),
        CKR_PIN_INCORRECT
    );
    assert_eq!(c.user_tries_left().unwrap(), 3);
}

#[test]
fn key_pair_templates_are_honoured_or_refused() {
    let mut f = fixture();
    let m = &mut f.m;
    let ro = m.open_session(0, RO).unwrap();
    let rw = m.open_session(0, RW).unwrap();
    let (public, private) = gost_templates(ParamSet::Tc26B512, &[0xab, 0xcd]);
    let gen512 = keygen_mech(KeySize::Bits512);
    assert_eq!(
        m.generate_key_pair(rw, gen512, &public, &private)
            .unwrap_err(),
        CKR_USER_NOT_LOGGED_IN
    );
    m.login(rw, CKU_USER, PIN.as_bytes()).unwrap();
    assert_eq!(
        m.generate_key_pair(ro, gen512, &public, &private)
            .unwrap_err(),
        CKR_SESSION_READ_ONLY
    );

    let refused = |m: &mut Module, change: &dyn Fn(&mut Template, &mut Template), rv: CK_RV| {
        let (mut public, mut private) = gost_templates(ParamSet::Tc26B512, &[0xab, 0xcd]);
        change(&mut public, &mut private);
        assert_eq!(
            m.generate_key_pair(rw, gen512, &public, &private)
                .unwrap_err(),
            rv
        );
    };
    // A non-sensitive private key: the module never reveals private values.
    refused(
        m,
        &|_, p| p.push((CKA_SENSITIVE, flag(false))),
        CKR_ATTRIBUTE_VALUE_INVALID,
    );
    refused(
        m,
        &|_, p| p.push((CKA_TOKEN, flag(false))),
        CKR_ATTRIBUTE_VALUE_INVALID,
    );
    refused(
        m,
        &|_, p| p.push((CKA_DERIVE, flag(true))),
        CKR_ATTRIBUTE_VALUE_INVALID,
    );
    refused(
        m,
        &|p, _| p.push((CKA_PRIVATE, flag(true))),
        CKR_ATTRIBUTE_VALUE_INVALID,
    );
    refused(
        m,
        &|_, p| p.push((CKA_MODULUS, vec![1])),
        CKR_ATTRIBUTE_TYPE_INVALID,
    );
    refused(
        m,
        &|_, p| p.push((CKA_KEY_TYPE, ulong(CKK_GOSTR3410))),
        CKR_TEMPLATE_INCONSISTENT,
    );
    refused(
        m,
        &|_, p| p.push((CKA_CLASS, ulong(CKO_PUBLIC_KEY))),
        CKR_TEMPLATE_INCONSISTENT,
    );
    refused(
        m,
        &|_, p| p.push((CKA_ID, vec![1])),
        CKR_TEMPLATE_INCONSISTENT,
    );
    refused(
        m,
        &|_, p| p.push((CKA_ID, vec![])),
        CKR_ATTRIBUTE_VALUE_INVALID,
    );
    refused(
        m,
        &|_, p| p.push((CKA_ID, vec![7; 65])),
        CKR_ATTRIBUTE_VALUE_INVALID,
    );
    // A 256-bit curve under the 512-bit mechanism; a test curve; not an OID.
    refused(
        m,
        &|_, p| p.push((CKA_GOSTR3410_PARAMS, oid_der(&ParamSet::Tc26A256.oid()))),
        CKR_ATTRIBUTE_VALUE_INVALID,
    );
    refused(
        m,
        &|_, p| p.push((CKA_GOSTR3410_PARAMS, oid_der(&ParamSet::Test512.oid()))),
        CKR_ATTRIBUTE_VALUE_INVALID,
    );
    refused(
        m,
        &|_, p| p.push((CKA_GOSTR3410_PARAMS, vec![5, 0])),
        CKR_ATTRIBUTE_VALUE_INVALID,
    );
    // GOST R 34.11-94 instead of Streebog-512.
    refused(
        m,
        &|_, p| {
            p.push((
                CKA_GOSTR3411_PARAMS,
                hex::decode("06072a850302021e01").unwrap(),
            ))
        },
        CKR_ATTRIBUTE_VALUE_INVALID,
    );
    refused(
        m,
        &|p, q| {
            p.retain(|a| a.0 != CKA_GOSTR3410_PARAMS);
            q.retain(|a| a.0 != CKA_GOSTR3410_PARAMS);
        },
        CKR_TEMPLATE_INCOMPLETE,
    );
    assert_eq!(
        m.generate_key_pair(rw, mech(CKM_GOSTR3410), &public, &private)
            .unwrap_err(),
        CKR_MECHANISM_INVALID
    );
    assert!(Container::open(&f.path).unwrap().keys().unwrap().is_empty());

    // Accepted: the id, label, curve and exportable flag reach the container.
    let mut private_x = private.clone();
    private_x.push((CKA_EXTRACTABLE, flag(true)));
    private_x.push((CKA_GOSTR3411_PARAMS, oid_der(&STREEBOG512_OID)));
    let (pub_h, priv_h) = m
        .generate_key_pair(rw, gen512, &public, &private_x)
        .unwrap();
    assert_ne!(pub_h, priv_h);
    let keys = Container::open(&f.path).unwrap().keys().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(
        (keys[0].id.as_str(), keys[0].label.as_str()),
        ("abcd", "core")
    );
    assert_eq!(keys[0].param_set, ParamSet::Tc26B512);
    assert!(keys[0].exportable);
    // The same CKA_ID again is refused.
    assert_eq!(
        m.generate_key_pair(rw, gen512, &public, &private)
            .unwrap_err(),
        CKR_ATTRIBUTE_VALUE_INVALID
    );
    // Without an id the container picks one.
    let (public, private) = gost_templates(ParamSet::Tc26A256, &[]);
    let no_id = |t: &[(CK_ATTRIBUTE_TYPE, Vec<u8>)]| -> Vec<_> {
        t.iter().filter(|a| a.0 != CKA_ID).cloned().collect()
    };
    m.generate_key_pair(
        rw,
        keygen_mech(KeySize::Bits256),
        &no_id(&public),
        &no_id(&private),
    )
    .unwrap();
    let keys = Container::open(&f.path).unwrap().keys().unwrap();
    assert_eq!(keys[1].id.len(), 16);
    assert!(!keys[1].exportable);

    let attrs = m
        .attributes(
            rw,
            priv_h,
            &[
                CKA_VALUE,
                CKA_SENSITIVE,
                CKA_EXTRACTABLE,
                CKA_KEY_TYPE,
                CKA_MODULUS,
            ],
        )
        .unwrap();
    assert_eq!(attrs[0], Attr::Sensitive);
    assert_eq!(attrs[1], Attr::Value(flag(true)));
    assert_eq!(attrs[2], Attr::Value(flag(true)));
    assert_eq!(attrs[3], Attr::Value(ulong(CKK_GOSTR3410_512)));
    assert_eq!(attrs[4], Attr::Invalid);
}

#[test]
fn find_shows_private_objects_only_after_login() {
    let mut f = fixture();
    let c = Container::open(&f.path).unwrap();
    let s = c.login(PIN).unwrap();
    s.generate_key_with_id(ParamSet::Tc26A256, "01", "one", false)
        .unwrap();
    s.generate_key_with_id(ParamSet::Tc26A512, "02", "two", false)
        .unwrap();
    drop(s);
    let m = &mut f.m;
    let h = m.open_session(0, RO).unwrap();
    let find = |m: &mut Module, template: &[(CK_ATTRIBUTE_TYPE, Vec<u8>)]| {
        m.find_init(h, template).unwrap();
        let mut all = Vec::new();
        loop {
            let part = m.find(h, 1).unwrap();
            if part.is_empty() {
                break;
            }
            all.extend(part);
        }
        m.find_final(h).unwrap();
        all
    };
    assert_eq!(find(m, &[]).len(), 2, "two public keys");
    assert!(find(m, &[(CKA_CLASS, ulong(CKO_PRIVATE_KEY))]).is_empty());
    m.login(h, CKU_USER, PIN.as_bytes()).unwrap();
    let all = find(m, &[]);
    assert_eq!(all.len(), 4);
    let private = find(
        m,
        &[(CKA_CLASS, ulong(CKO_PRIVATE_KEY)), (CKA_ID, vec![0x02])],
    );
    assert_eq!(private.len(), 1);
    assert_eq!(
        m.attributes(h, private[0], &[CKA_LABEL]).unwrap()[0],
        Attr::Value(b"two".to_vec())
    );
    // Handles are stable.
    assert_eq!(
        find(
            m,
            &[(CKA_CLASS, ulong(CKO_PRIVATE_KEY)), (CKA_ID, vec![0x02])]
        ),
        private
    );
    assert!(find(m, &[(CKA_LABEL, b"three".to_vec())]).is_empty());
    assert!(find(m, &[(CKA_SIGN, flag(true))]).len() == 2);

    // Find is one operation at a time.
    m.find_init(h, &[]).unwrap();
    assert_eq!(m.find_init(h, &[]).unwrap_err(), CKR_OPERATION_ACTIVE);
    m.find_final(h).unwrap();
    assert_eq!(m.find(h, 1).unwrap_err(), CKR_OPERATION_NOT_INITIALIZED);

    // After logout the private key handle is invalid.
    m.logout(h).unwrap();
    assert_eq!(
        m.attributes(h, private[0], &[CKA_LABEL]).unwrap_err(),
        CKR_OBJECT_HANDLE_INVALID
    );
    assert_eq!(
        m.attributes(h, 9999, &[CKA_LABEL]).unwrap_err(),
        CKR_OBJECT_HANDLE_INVALID
    );
    assert_eq!(
        m.sign_init(h, mech(CKM_GOSTR3410_512), private[0])
            .unwrap_err(),
        CKR_USER_NOT_LOGGED_IN
    );
}

#[test]
fn sign_verify_and_digest_state_machines() {
    let mut f = fixture();
    let c = Container::open(&f.path).unwrap();
    let s = c.login(PIN).unwrap();
    s.generate_key_with_id(ParamSet::Tc26A256, "01", "k256", false)
        .unwrap();
    drop(s);
    let public_key =
        VerifyingKey::from_le_bytes(ParamSet::Tc26A256, &c.keys().unwrap()[0].public_key).unwrap();
    let m = &mut f.m;
    let h = m.open_session(0, RO).unwrap();
    m.login(h, CKU_USER, PIN.as_bytes()).unwrap();
    m.find_init(h, &[(CKA_CLASS, ulong(CKO_PRIVATE_KEY))])
        .unwrap();
    let key = m.find(h, 10).unwrap()[0];
    m.find_final(h).unwrap();
    m.find_init(h, &[(CKA_CLASS, ulong(CKO_PUBLIC_KEY))])
        .unwrap();
    let public = m.find(h, 10).unwrap()[0];
    m.find_final(h).unwrap();

    let msg = b"one message, signed three ways";
    let digest = DigestAlgorithm::Streebog256.digest(msg);

    // Raw: the 32-octet digest in, s || r out.
    assert_eq!(m.sign_len(h).unwrap_err(), CKR_OPERATION_NOT_INITIALIZED);
    m.sign_init(h, mech(CKM_GOSTR3410), key).unwrap();
    assert_eq!(
        m.sign_init(h, mech(CKM_GOSTR3410), key).unwrap_err(),
        CKR_OPERATION_ACTIVE
    );
    assert_eq!(m.sign_len(h).unwrap(), 64);
    let sig = m.sign(h, &digest).unwrap();
    public_key
        .verify_digest(&digest, &Signature::from_bytes(&sig).unwrap())
        .unwrap();
    // The operation ended.
    assert_eq!(
        m.sign(h, &digest).unwrap_err(),
        CKR_OPERATION_NOT_INITIALIZED
    );
    m.sign_init(h, mech(CKM_GOSTR3410), key).unwrap();
    assert_eq!(m.sign(h, msg).unwrap_err(), CKR_DATA_LEN_RANGE);
    m.sign_init(h, mech(CKM_GOSTR3410), key).unwrap();
    assert_eq!(
        m.sign_update(h, msg).unwrap_err(),
        CKR_FUNCTION_NOT_SUPPORTED
    );
    assert_eq!(m.sign_final(h).unwrap_err(), CKR_OPERATION_NOT_INITIALIZED);

    // With hashing, in one part and in several.
    let with_hash = mech(CKM_GOSTR3410_WITH_GOSTR3411_12_256);
    m.sign_init(h, with_hash, key).unwrap();
    let one = m.sign(h, msg).unwrap();
    m.sign_init(h, with_hash, key).unwrap();
    m.sign_update(h, &msg[..10]).unwrap();
    m.sign_update(h, &msg[10..]).unwrap();
    assert_eq!(m.sign(h, msg).unwrap_err(), CKR_OPERATION_ACTIVE);
    m.sign_init(h, with_hash, key).unwrap();
    m.sign_update(h, &msg[..10]).unwrap();
    m.sign_update(h, &msg[10..]).unwrap();
    let parts = m.sign_final(h).unwrap();
    for sig in [&one, &parts] {
        public_key
            .verify_digest(&digest, &Signature::from_bytes(sig).unwrap())
            .unwrap();
    }
    // The hash may be named as the parameter; another one is refused.
    let named = oid_der(&STREEBOG256_OID);
    m.sign_init(
        h,
        Mechanism {
            kind: CKM_GOSTR3410_WITH_GOSTR3411_12_256,
            param: &named,
        },
        key,
    )
    .unwrap();
    m.sign(h, msg).unwrap();
    let wrong = oid_der(&STREEBOG512_OID);
    assert_eq!(
        m.sign_init(
            h,
            Mechanism {
                kind: CKM_GOSTR3410_WITH_GOSTR3411_12_256,
                param: &wrong
            },
            key
        )
        .unwrap_err(),
        CKR_MECHANISM_PARAM_INVALID
    );
    assert_eq!(
        m.sign_init(h, mech(CKM_GOSTR3410_512), key).unwrap_err(),
        CKR_KEY_TYPE_INCONSISTENT
    );
    assert_eq!(
        m.sign_init(h, mech(CKM_ECDSA), key).unwrap_err(),
        CKR_MECHANISM_INVALID
    );
    assert_eq!(
        m.sign_init(h, mech(CKM_GOSTR3410), public).unwrap_err(),
        CKR_KEY_HANDLE_INVALID
    );

    // Verify through the module: the public key, no login needed.
    m.verify_init(h, with_hash, public).unwrap();
    m.verify(h, msg, &one).unwrap();
    let mut bad = one.clone();
    bad[5] ^= 1;
    m.verify_init(h, with_hash, public).unwrap();
    assert_eq!(m.verify(h, msg, &bad).unwrap_err(), CKR_SIGNATURE_INVALID);
    m.verify_init(h, mech(CKM_GOSTR3410), public).unwrap();
    assert_eq!(
        m.verify(h, &digest, &one[..63]).unwrap_err(),
        CKR_SIGNATURE_LEN_RANGE
    );
    m.verify_init(h, with_hash, public).unwrap();
    m.verify_update(h, &msg[..3]).unwrap();
    m.verify_update(h, &msg[3..]).unwrap();
    m.verify_final(h, &parts).unwrap();
    assert_eq!(
        m.verify_init(h, with_hash, key).unwrap_err(),
        CKR_KEY_HANDLE_INVALID
    );

    // Digest.
    m.digest_init(h, mech(CKM_GOSTR3411_12_512)).unwrap();
    assert_eq!(m.digest_len(h).unwrap(), 64);
    m.digest_update(h, &msg[..7]).unwrap();
    m.digest_update(h, &msg[7..]).unwrap();
    assert_eq!(
        m.digest_final(h).unwrap(),
        DigestAlgorithm::Streebog512.digest(msg)
    );
    m.digest_init(h, mech(CKM_GOSTR3411_12_256)).unwrap();
    assert_eq!(m.digest(h, msg).unwrap(), digest);
    assert_eq!(
        m.digest_init(h, mech(CKM_SHA256)).unwrap_err(),
        CKR_MECHANISM_INVALID
    );

    // Logging out ends a signing operation (it holds the decrypted key).
    m.sign_init(h, with_hash, key).unwrap();
    m.logout(h).unwrap();
    assert_eq!(m.sign(h, msg).unwrap_err(), CKR_OPERATION_NOT_INITIALIZED);

    assert_eq!(m.generate_random(h, 33).unwrap().len(), 33);
    assert_eq!(
        m.generate_random(h + 100, 1).unwrap_err(),
        CKR_SESSION_HANDLE_INVALID
    );
}

#[test]
fn missing_and_foreign_containers() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("foreign.podpis");
    std::fs::write(&foreign, b"not a container").unwrap();
    let mut m = Module::new(vec![
        TokenConfig {
            path: dir.path().join("missing.podpis"),
            label: Some("gone".into()),
        },
        TokenConfig {
            path: foreign,
            label: None,
        },
    ]);
    assert_eq!(m.slot_list(false), [0, 1]);
    assert!(m.slot_list(true).is_empty());
    assert_eq!(m.slot_info(0).unwrap().flags & CKF_TOKEN_PRESENT, 0);
    assert_eq!(m.token_info(0).unwrap_err(), CKR_TOKEN_NOT_PRESENT);
    assert_eq!(m.open_session(0, RW).unwrap_err(), CKR_TOKEN_NOT_PRESENT);
    assert_eq!(m.open_session(1, RW).unwrap_err(), CKR_TOKEN_NOT_RECOGNIZED);
    assert_eq!(
        m.mechanism_info(0, CKM_GOSTR3410).unwrap(),
        (256, 256, CKF_SIGN | CKF_VERIFY)
    );
    assert_eq!(
        m.mechanism_info(0, CKM_RSA_PKCS).unwrap_err(),
        CKR_MECHANISM_INVALID
    );
}

#[test]
fn public_key_value_and_info_agree() {
    let mut f = fixture();
    let c = Container::open(&f.path).unwrap();
    c.login(PIN)
        .unwrap()
        .generate_key_with_id(ParamSet::Tc26C512, "0c", "", false)
        .unwrap();
    let m = &mut f.m;
    let h = m.open_session(0, RO).unwrap();
    m.find_init(h, &[]).unwrap();
    let public = m.find(h, 10).unwrap()[0];
    let attrs = m
        .attributes(
            h,
            public,
            &[
                CKA_VALUE,
                CKA_PUBLIC_KEY_INFO,
                CKA_GOSTR3410_PARAMS,
                CKA_GOSTR3411_PARAMS,
            ],
        )
        .unwrap();
    // Raw LE(x) || LE(y), no OCTET STRING around it.
    assert_eq!(value(&attrs[0]).len(), 128);
    let from_info = VerifyingKey::from_public_key_der(value(&attrs[1])).unwrap();
    assert_eq!(from_info.to_le_bytes(), value(&attrs[0]));
    assert_eq!(value(&attrs[2]), oid_der(&ParamSet::Tc26C512.oid()));
    assert_eq!(value(&attrs[3]), oid_der(&STREEBOG512_OID));
}
