//! Round trips through the file container: create, login, generate, sign,
//! import, certificates, export rules, Debug hygiene.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime};

use der::Encode;
use gost::{ParamSet, SigningKey};
use pki::algorithm::DigestAlgorithm;
use pki::cert::CertificateBuilder;
use pki::{Diagnostic, KeySigner, Signer};
use token::container::{Container, ContainerError, ContainerParams, NewKey};

const PIN: &str = "4815-user-PIN";
const SO: &str = "1623-so-PUK";

fn new_container(dir: &tempfile::TempDir) -> Container {
    Container::create(
        dir.path().join("keys.podpis"),
        PIN,
        SO,
        ContainerParams::insecure_for_tests(),
    )
    .unwrap()
}

#[test]
fn create_login_generate_sign_verify() {
    let dir = tempfile::tempdir().unwrap();
    let c = new_container(&dir);
    let s = c.login(PIN).unwrap();
    let id = s
        .generate_key(ParamSet::Tc26A256, "signing", false)
        .unwrap();
    let id512 = s.generate_key(ParamSet::Tc26A512, "other", true).unwrap();
    drop(s);

    // Reopen from disk: header only, then list keys without a PIN.
    let c = Container::open(c.path()).unwrap();
    let keys = c.keys().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].id, id);
    assert_eq!(keys[0].label, "signing");
    assert_eq!(keys[0].param_set, ParamSet::Tc26A256);
    assert!(!keys[0].exportable);
    assert_eq!(keys[1].param_set, ParamSet::Tc26A512);
    assert!(keys[1].exportable);
    assert_eq!(keys[0].subject, None);

    let s = c.login(PIN).unwrap();
    for (id, alg) in [
        (&id, DigestAlgorithm::Streebog256),
        (&id512, DigestAlgorithm::Streebog512),
    ] {
        let signer = s.signer(id).unwrap();
        assert_eq!(signer.digest_algorithm(), alg);
        let digest = alg.digest(b"hello, container");
        let sig = signer.sign_digest(&digest).unwrap();
        signer.verifying_key().verify_digest(&digest, &sig).unwrap();
        let other = alg.digest(b"another message");
        assert!(signer.verifying_key().verify_digest(&other, &sig).is_err());
    }
}

#[test]
fn import_export_and_non_exportable_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = new_container(&dir);
    let s = c.login(PIN).unwrap();
    let key = SigningKey::generate(ParamSet::Tc26B256).unwrap();
    let exp = s.import_key(&key, "exportable", true).unwrap();
    let non = s.import_key(&key, "locked in", false).unwrap();

    let der = s.export_key(&exp).unwrap();
    let back = SigningKey::from_pkcs8_der(&der).unwrap();
    assert_eq!(back.to_le_bytes().as_slice(), key.to_le_bytes().as_slice());

    let err = s.export_key(&non).unwrap_err();
    assert!(matches!(err, ContainerError::KeyNotExportable(ref i) if *i == non));
    assert_eq!(err.code(), "KEY_NOT_EXPORTABLE");

    // The non-exportable key still signs, with the imported key's public half.
    let signer = s.signer(&non).unwrap();
    assert_eq!(signer.verifying_key(), &key.verifying_key());

    let err = s.export_key("0000000000000000").unwrap_err();
    assert_eq!(err.code(), "KEY_NOT_FOUND");
    assert_eq!(s.signer("nope").unwrap_err().code(), "KEY_NOT_FOUND");
}

#[test]
fn flipping_exportable_flag_on_disk_is_detected() {
    // The flag is associated data of the key's seal: making a key exportable
    // by editing the file (and fixing the checksum) fails authentication.
    let dir = tempfile::tempdir().unwrap();
    let c = new_container(&dir);
    let s = c.login(PIN).unwrap();
    let id = s.generate_key(ParamSet::Tc26A256, "k", false).unwrap();
    let mut data = std::fs::read(c.path()).unwrap();
    let body_len = data.len() - 32;
    // The flag byte follows the length-prefixed param-set label.
    let label = ParamSet::Tc26A256.label();
    let mut needle = (label.len() as u32).to_be_bytes().to_vec();
    needle.extend_from_slice(label.as_bytes());
    let pos = data
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
        + needle.len();
    assert_eq!(data[pos], 0);
    data[pos] = 1;
    let sum = DigestAlgorithm::Streebog256.digest(&data[..body_len]);
    data[body_len..].copy_from_slice(&sum);
    std::fs::write(c.path(), &data).unwrap();
    assert!(c.keys().unwrap()[0].exportable);
    let err = s.export_key(&id).unwrap_err();
    assert_eq!(err.code(), "CONTAINER_CORRUPT");
}

#[test]
fn certificate_stored_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let c = new_container(&dir);
    let s = c.login(PIN).unwrap();
    let id = s.generate_key(ParamSet::Tc26A256, "k", false).unwrap();
    let signer = s.signer(&id).unwrap();
    assert!(signer.certificate_der().is_none());
    let nb = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let na = nb + Duration::from_secs(365 * 86400);
    let name = pki::name::parse_name("CN=Иванов Иван").unwrap();
    let cert = CertificateBuilder::new(name, signer.verifying_key(), nb, na)
        .build(&signer)
        .unwrap()
        .to_der()
        .unwrap();
    s.store_certificate(&id, &cert).unwrap();
    assert_eq!(s.certificate(&id).unwrap().as_deref(), Some(&cert[..]));
    // The signer carries the certificate stored with its key.
    assert_eq!(s.signer(&id).unwrap().certificate_der(), Some(&cert[..]));
    let info = &c.keys().unwrap()[0];
    assert_eq!(info.subject.as_deref(), Some("CN=Иванов Иван"));
    assert_eq!(info.not_after, Some(na));
    assert_eq!(info.certificate.as_deref(), Some(&cert[..]));
    assert_eq!(info.public_key, signer.verifying_key().to_le_bytes());

    // A certificate of another key is refused.
    let other = KeySigner::new(SigningKey::generate(ParamSet::Tc26A256).unwrap());
    let name = pki::name::parse_name("CN=Other").unwrap();
    let foreign = CertificateBuilder::new(name, other.verifying_key(), nb, na)
        .build(&other)
        .unwrap()
        .to_der()
        .unwrap();
    assert_eq!(
        s.store_certificate(&id, &foreign).unwrap_err().code(),
        "CERT_KEY_MISMATCH"
    );
    assert_eq!(
        s.store_certificate(&id, b"not der").unwrap_err().code(),
        "CERT_INVALID"
    );
}

#[test]
fn create_refuses_existing_file_and_bad_params() {
    let dir = tempfile::tempdir().unwrap();
    let c = new_container(&dir);
    let before = std::fs::read(c.path()).unwrap();
    let err =
        Container::create(c.path(), PIN, SO, ContainerParams::insecure_for_tests()).unwrap_err();
    assert_eq!(err.code(), "CONTAINER_EXISTS");
    assert_eq!(std::fs::read(c.path()).unwrap(), before);
    for tries in [2, 11] {
        let p = ContainerParams::insecure_for_tests().with_user_max_tries(tries);
        let err = Container::create(dir.path().join("x"), PIN, SO, p).unwrap_err();
        assert_eq!(err.code(), "CONTAINER_PARAMS_INVALID");
    }
    assert_eq!(ContainerParams::default().m_cost_kib, 64 * 1024);
    assert_eq!(ContainerParams::default().t_cost, 3);
    assert_eq!(ContainerParams::default().user_max_tries, 3);
}

#[test]
fn no_pin_or_key_in_debug_output() {
    let dir = tempfile::tempdir().unwrap();
    let c = new_container(&dir);
    let s = c.login(PIN).unwrap();
    let key = SigningKey::generate(ParamSet::Tc26A256).unwrap();
    let id = s.import_key(&key, "k", true).unwrap();
    let signer = s.signer(&id).unwrap();
    let secret_hex: String = key.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let errors = [
        c.login("wrong-pin").unwrap_err(),
        c.unblock("wrong-so", "new-pin").unwrap_err(),
    ];
    let mut texts = vec![
        format!("{c:?}"),
        format!("{s:?}"),
        format!("{signer:?}"),
        format!("{:?}", c.keys().unwrap()),
    ];
    for e in &errors {
        texts.push(format!("{e:?}"));
        texts.push(e.to_string());
        texts.push(e.message_ru());
        texts.push(e.message_en());
    }
    for t in &texts {
        for secret in [PIN, SO, "wrong-pin", "wrong-so", "new-pin", &secret_hex] {
            assert!(!t.contains(secret), "{t} leaks a secret");
        }
    }
    assert!(format!("{s:?}").contains("redacted"));
}

/// The file is its owner's only, after creation and after every rewrite
/// (each write renames a new file into place).
#[cfg(unix)]
#[test]
fn container_file_is_private_after_every_write() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let c = new_container(&dir);
    let mode = || {
        std::fs::metadata(dir.path().join("keys.podpis"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(), 0o600);
    c.login(PIN)
        .unwrap()
        .generate_key(ParamSet::CryptoProA, "k", true)
        .unwrap();
    assert_eq!(mode(), 0o600);
    assert!(c.login("wrong").is_err());
    assert_eq!(mode(), 0o600);
}

#[test]
fn generate_key_with_a_chosen_id() {
    let dir = tempfile::tempdir().unwrap();
    let c = new_container(&dir);
    let s = c.login(PIN).unwrap();
    s.generate_key_with_id(ParamSet::Tc26B512, "01a2", "chosen", false)
        .unwrap();
    let info = &c.keys().unwrap()[0];
    assert_eq!((info.id.as_str(), info.label.as_str()), ("01a2", "chosen"));
    assert_eq!(info.param_set, ParamSet::Tc26B512);
    assert!(!info.exportable && info.certificate.is_none());
    assert_eq!(
        info.public_key,
        s.signer("01a2").unwrap().verifying_key().to_le_bytes()
    );
    // Taken, malformed (odd length, upper case, not hex, empty, > 64 octets).
    let e = s
        .generate_key_with_id(ParamSet::Tc26A256, "01a2", "again", true)
        .unwrap_err();
    assert!(matches!(&e, ContainerError::KeyIdExists(id) if id == "01a2"));
    assert_eq!(e.code(), "KEY_ID_EXISTS");
    let long = "ab".repeat(65);
    for bad in ["1", "0A", "zz", "", long.as_str()] {
        assert_eq!(
            s.generate_key_with_id(ParamSet::Tc26A256, bad, "x", true)
                .unwrap_err()
                .code(),
            "CONTAINER_PARAMS_INVALID",
            "{bad:?}"
        );
    }
    assert_eq!(c.keys().unwrap().len(), 1);
}

#[test]
fn several_keys_import_in_one_write_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let c = new_container(&dir);
    let s = c.login(PIN).unwrap();
    let a = SigningKey::generate(ParamSet::Tc26A256).unwrap();
    let b = SigningKey::generate(ParamSet::Tc26A512).unwrap();
    let signer = KeySigner::new(a.clone());
    let nb = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let cert_a = CertificateBuilder::new(
        pki::name::parse_name("CN=A").unwrap(),
        signer.verifying_key(),
        nb,
        nb + Duration::from_secs(86400),
    )
    .build(&signer)
    .unwrap()
    .to_der()
    .unwrap();
    let key = |key, certificate| NewKey {
        key,
        label: "k",
        exportable: false,
        certificate,
    };

    // The second key carries the first key's certificate: nothing is written.
    let before = std::fs::read(c.path()).unwrap();
    let err = s
        .import_keys(&[key(&a, Some(&cert_a)), key(&b, Some(&cert_a))])
        .unwrap_err();
    assert_eq!(err.code(), "CERT_KEY_MISMATCH");
    assert!(c.keys().unwrap().is_empty());
    assert_eq!(std::fs::read(c.path()).unwrap(), before);

    // Both good: both stored, in order, with their certificates.
    let ids = s
        .import_keys(&[key(&a, Some(&cert_a)), key(&b, None)])
        .unwrap();
    let keys = c.keys().unwrap();
    assert_eq!(
        keys.iter().map(|k| &k.id).collect::<Vec<_>>(),
        ids.iter().collect::<Vec<_>>()
    );
    assert_eq!(keys[0].certificate.as_deref(), Some(&cert_a[..]));
    assert!(keys[1].certificate.is_none());
    assert_eq!(s.signer(&ids[1]).unwrap().param_set(), ParamSet::Tc26A512);
}
