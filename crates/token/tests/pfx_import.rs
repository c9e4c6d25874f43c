//! PKCS#12 import: OpenSSL's default PFX around a GOST key (PBES2
//! AES-256-CBC, PBKDF2-HMAC-SHA-256, MAC HMAC-SHA-256) and the
//! R 50.1.112-2016 example (PBKDF2-HMAC-Streebog-512, GOST 28147-89 CFB,
//! MAC HMAC-Streebog-512), with the negative cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../pki/tests/support/mod.rs"]
mod support;

use std::path::Path;

use der::{Decode, Encode};
use gost::SigningKey;
use pki::Diagnostic;
use token::pfx::{PfxError, import_pfx, read_pfx};
use x509_cert::Certificate;

/// A GOST key and self-signed certificate made by OpenSSL, exported by
/// `openssl pkcs12 -export` with `extra` options; returns (pfx, key, cert DER).
fn openssl_pfx(
    dir: &Path,
    alg: &str,
    paramset: &str,
    password: &str,
    extra: &[&str],
) -> (Vec<u8>, SigningKey, Vec<u8>) {
    let key = dir.join("key.pem");
    let cert = dir.join("cert.pem");
    support::run_ok(&mut support::req_x509(
        alg,
        paramset,
        "/CN=PFX test",
        30,
        &key,
        &cert,
    ));
    let pfx = dir.join("out.pfx");
    let mut cmd = support::openssl();
    cmd.args(["pkcs12", "-export", "-name", "Мой ключ", "-inkey"])
        .arg(&key)
        .arg("-in")
        .arg(&cert)
        .arg("-out")
        .arg(&pfx)
        .arg("-passout")
        .arg(format!("pass:{password}"))
        .args(extra);
    support::run_ok(&mut cmd);
    let der_cert = support::run_ok(
        support::openssl()
            .args(["x509", "-outform", "DER", "-in"])
            .arg(&cert),
    )
    .stdout;
    let key = SigningKey::from_pkcs8_pem(&std::fs::read_to_string(&key).unwrap()).unwrap();
    (std::fs::read(&pfx).unwrap(), key, der_cert)
}

fn check_entry(pfx: &[u8], password: &str, key: &SigningKey, cert: &[u8]) {
    let entries = import_pfx(pfx, password).unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(*e.key.to_bytes(), *key.to_bytes(), "d differs");
    assert_eq!(e.key.param_set(), key.param_set());
    assert_eq!(e.certificate.as_ref().unwrap().to_der().unwrap(), cert);
    assert_eq!(e.friendly_name.as_deref(), Some("Мой ключ"));
    assert!(e.local_key_id.is_some());
}

#[test]
fn openssl_default_pfx_256() {
    let dir = support::tempdir();
    let (pfx, key, cert) = openssl_pfx(dir.path(), "gost2012_256", "A", "secret пароль", &[]);
    // OpenSSL 3's default really is PBES2 + AES-256-CBC + HMAC-SHA-256.
    let info = support::run_ok(
        support::openssl()
            .args([
                "pkcs12",
                "-info",
                "-noout",
                "-passin",
                "pass:secret пароль",
                "-in",
            ])
            .arg(dir.path().join("out.pfx")),
    );
    let text =
        String::from_utf8_lossy(&info.stderr).to_string() + &String::from_utf8_lossy(&info.stdout);
    assert!(
        text.contains("AES-256-CBC") && text.contains("sha256"),
        "{text}"
    );
    check_entry(&pfx, "secret пароль", &key, &cert);
}

#[test]
fn openssl_default_pfx_512() {
    let dir = support::tempdir();
    let (pfx, key, cert) = openssl_pfx(dir.path(), "gost2012_512", "A", "pw", &[]);
    check_entry(&pfx, "pw", &key, &cert);
}

#[test]
fn openssl_sha1_mac_and_legacy_3des_certs() {
    // -legacy-like profile without the legacy provider: 3DES PBE for both
    // bags, MAC HMAC-SHA-1.
    let dir = support::tempdir();
    let (pfx, key, cert) = openssl_pfx(
        dir.path(),
        "gost2012_256",
        "A",
        "pw",
        &[
            "-keypbe",
            "PBE-SHA1-3DES",
            "-certpbe",
            "PBE-SHA1-3DES",
            "-macalg",
            "sha1",
        ],
    );
    check_entry(&pfx, "pw", &key, &cert);
}

#[test]
fn wrong_password_is_mac_invalid() {
    let dir = support::tempdir();
    let (pfx, _, _) = openssl_pfx(dir.path(), "gost2012_256", "A", "c0rr3ct-9", &[]);
    let err = import_pfx(&pfx, "zq-wrong-7").unwrap_err();
    assert!(matches!(err, PfxError::MacInvalid), "{err:?}");
    assert_eq!(err.code(), "PFX_MAC_INVALID");
    // The password never shows in what the user sees.
    for text in [format!("{err} {err:?}"), err.message_en(), err.message_ru()] {
        assert!(
            !text.contains("zq-wrong-7") && !text.contains("c0rr3ct-9"),
            "{text}"
        );
    }
    assert!(err.message_ru().contains("пароль"));
}

/// The offset of the MAC digest's last byte: the file ends with
/// `04 len salt 02 02 iter_hi iter_lo` after the digest.
fn mac_digest_end(pfx: &[u8]) -> usize {
    let n = pfx.len();
    assert_eq!(&pfx[n - 4..n - 2], &[0x02, 0x02]);
    let l = (8..=64)
        .find(|&l| pfx[n - 4 - l - 2] == 0x04 && usize::from(pfx[n - 4 - l - 1]) == l)
        .unwrap();
    n - 4 - l - 3
}

#[test]
fn tampered_mac_or_content_is_mac_invalid() {
    let dir = support::tempdir();
    let (pfx, _, _) = openssl_pfx(dir.path(), "gost2012_256", "A", "pw", &[]);
    let mut bad = pfx.clone();
    bad[mac_digest_end(&pfx)] ^= 1;
    assert_eq!(
        import_pfx(&bad, "pw").unwrap_err().code(),
        "PFX_MAC_INVALID"
    );
    let mut bad = pfx.clone();
    bad[100] ^= 0x80;
    assert_eq!(
        import_pfx(&bad, "pw").unwrap_err().code(),
        "PFX_MAC_INVALID"
    );
}

#[test]
fn unsupported_pbe_names_the_oid() {
    // PBES2 with 3DES-CBC (des-ede3-cbc, 1.2.840.113549.3.7) for the key.
    let dir = support::tempdir();
    let (pfx, _, _) = openssl_pfx(
        dir.path(),
        "gost2012_256",
        "A",
        "pw",
        &["-keypbe", "des-ede3-cbc"],
    );
    let err = import_pfx(&pfx, "pw").unwrap_err();
    assert_eq!(err.code(), "PFX_UNSUPPORTED_PBE");
    assert!(
        err.message_en().contains("1.2.840.113549.3.7"),
        "{}",
        err.message_en()
    );
    // The certificate is still read.
    let contents = read_pfx(&pfx, "pw").unwrap();
    assert_eq!(contents.certificates.len(), 1);
    assert!(contents.entries.is_empty());
}

#[test]
fn garbage_is_malformed() {
    assert_eq!(
        import_pfx(b"not a pfx", "pw").unwrap_err().code(),
        "PFX_MALFORMED"
    );
    assert_eq!(
        import_pfx(&[0x30, 0x03, 0x02, 0x01, 0x03], "pw")
            .unwrap_err()
            .code(),
        "PFX_MALFORMED"
    );
}

const R50_PASSWORD: &str = "Пароль для PFX";
const R50_D: &str = "2bea34a3b05d19645b8f41246a995008230700fd006ba6eb53b422559cef2252";

#[test]
fn r50_1_112_example_imports() {
    let pfx = support::corpus_bytes("pfx/r50.1.112-2016/r50_1_112_2016_example.pfx");
    let entries = import_pfx(&pfx, R50_PASSWORD).unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(hex::encode(&*e.key.to_bytes()), R50_D);
    // The key agrees with the known_private_keys.json entry.
    let json: serde_json::Value =
        serde_json::from_slice(&support::corpus_bytes("vectors/known_private_keys.json")).unwrap();
    let text = json.to_string();
    assert!(text.contains(R50_D));
    let vk = e.key.verifying_key();
    assert_eq!(
        hex::encode(vk.x()),
        "62227960912944b57273b146e8ff7adf0ef7e54c163f255867af6f4a9af21cd7"
    );
    assert_eq!(
        hex::encode(vk.y()),
        "95c214be4107b080decc93071751e0d246c8d4f89157308544b8c0023dd8e24c"
    );
    // The certificate is the one in the expected cert SafeContents.
    let cert = e
        .certificate
        .as_ref()
        .expect("certificate matched by public key");
    let cert_der = cert.to_der().unwrap();
    let expected = support::corpus_bytes("pfx/r50.1.112-2016/expected_cert_safecontents.der");
    assert!(
        expected
            .windows(cert_der.len())
            .any(|w| w == cert_der.as_slice())
    );
    assert_eq!(
        hex::encode(cert.tbs_certificate().serial_number().as_bytes()),
        "01d0685f311f96c00000000b27090001"
    );
    // The decrypted key equals the expected PrivateKeyInfo.
    let pki_der = support::corpus_bytes("pfx/r50.1.112-2016/expected_private_key_info.der");
    assert_eq!(
        *SigningKey::from_pkcs8_der(&pki_der).unwrap().to_bytes(),
        *e.key.to_bytes()
    );
    let _ = Certificate::from_der(&cert_der).unwrap();
}

#[test]
fn r50_1_112_wrong_password() {
    let pfx = support::corpus_bytes("pfx/r50.1.112-2016/r50_1_112_2016_example.pfx");
    assert_eq!(
        import_pfx(&pfx, "Пароль для pfx").unwrap_err().code(),
        "PFX_MAC_INVALID"
    );
    let mut bad = pfx.clone();
    bad[mac_digest_end(&pfx)] ^= 1;
    assert_eq!(
        import_pfx(&bad, R50_PASSWORD).unwrap_err().code(),
        "PFX_MAC_INVALID"
    );
}

#[test]
fn unencrypted_bags_without_mac() {
    let dir = support::tempdir();
    let (pfx, key, cert) = openssl_pfx(
        dir.path(),
        "gost2012_256",
        "A",
        "pw",
        &["-keypbe", "NONE", "-certpbe", "NONE", "-nomac"],
    );
    check_entry(&pfx, "pw", &key, &cert);
}

#[test]
fn unsupported_mac_digest_names_the_oid() {
    let dir = support::tempdir();
    let (mut pfx, _, _) = openssl_pfx(dir.path(), "gost2012_256", "A", "pw", &[]);
    // Turn the MAC's id-sha256 (…4.2.1) into id-sha512 (…4.2.3).
    let sha256 = [
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
    ];
    let at = pfx
        .windows(sha256.len())
        .rposition(|w| w == sha256)
        .unwrap();
    pfx[at + sha256.len() - 1] = 0x03;
    let err = import_pfx(&pfx, "pw").unwrap_err();
    assert_eq!(err.code(), "PFX_UNSUPPORTED_MAC");
    assert!(err.message_en().contains("2.16.840.1.101.3.4.2.3"));
}

#[test]
fn hostile_iteration_count_is_refused() {
    let dir = support::tempdir();
    let (pfx, _, _) = openssl_pfx(dir.path(), "gost2012_256", "A", "pw", &[]);
    // The MAC iteration count is the file's last INTEGER (02 02 08 00).
    // Rewrite it as 2^31 − 1 (02 04 7f ff ff ff) and grow the macData and
    // PFX lengths by 2.
    let n = pfx.len();
    assert_eq!(&pfx[n - 4..n - 2], &[0x02, 0x02]);
    let mac_at = (0..n - 2)
        .rev()
        .find(|&p| pfx[p] == 0x30 && usize::from(pfx[p + 1]) == n - p - 2)
        .unwrap();
    assert_eq!(&pfx[..2], &[0x30, 0x82]);
    let mut bad = pfx[..n - 4].to_vec();
    bad.extend_from_slice(&[0x02, 0x04, 0x7f, 0xff, 0xff, 0xff]);
    bad[mac_at + 1] += 2;
    let outer = u16::from_be_bytes([bad[2], bad[3]]) + 2;
    bad[2..4].copy_from_slice(&outer.to_be_bytes());
    let err = import_pfx(&bad, "pw").unwrap_err();
    assert!(
        matches!(err, PfxError::Malformed { what } if what.contains("iteration")),
        "{err:?}"
    );
}
