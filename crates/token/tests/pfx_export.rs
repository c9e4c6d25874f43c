//! PKCS#12 export: OpenSSL with the GOST engine reads back what
//! `export_pfx` writes (the R 50.1.112-2016 GOST profile and the AES-256
//! profile), with the same key and certificates; and our import reads it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../pki/tests/support/mod.rs"]
mod support;

use std::path::Path;

use der::{Decode, Encode};
use gost::SigningKey;
use pki::Diagnostic;
use token::pfx::{PfxExportOptions, PfxPbe, export_pfx, import_pfx, read_pfx};
use x509_cert::Certificate;

/// An OpenSSL-made key and self-signed certificate (DER) named `name`.
fn key_and_cert(dir: &Path, name: &str, alg: &str) -> (SigningKey, Certificate) {
    let key = dir.join(format!("{name}.key"));
    let cert = dir.join(format!("{name}.pem"));
    support::run_ok(&mut support::req_x509(
        alg,
        "A",
        &format!("/CN={name}"),
        30,
        &key,
        &cert,
    ));
    let der = support::run_ok(
        support::openssl()
            .args(["x509", "-outform", "DER", "-in"])
            .arg(&cert),
    )
    .stdout;
    (
        SigningKey::from_pkcs8_pem(&std::fs::read_to_string(&key).unwrap()).unwrap(),
        Certificate::from_der(&der).unwrap(),
    )
}

/// `openssl pkcs12 -info -nodes` of `pfx`: the key and every certificate
/// (DER) OpenSSL decrypted.
fn openssl_reads(dir: &Path, pfx: &[u8], password: &str) -> (SigningKey, Vec<Vec<u8>>, String) {
    let path = dir.join("export.pfx");
    std::fs::write(&path, pfx).unwrap();
    let out = support::run_ok(
        support::openssl()
            .args(["pkcs12", "-info", "-nodes", "-passin"])
            .arg(format!("pass:{password}"))
            .arg("-in")
            .arg(&path),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let info = String::from_utf8_lossy(&out.stderr).to_string();
    let block = |begin: &str, end: &str, from: usize| -> Option<(String, usize)> {
        let s = text[from..].find(begin)? + from;
        let e = text[s..].find(end)? + s + end.len();
        Some((text[s..e].to_owned(), e))
    };
    let (key_pem, _) = block(
        "-----BEGIN PRIVATE KEY-----",
        "-----END PRIVATE KEY-----",
        0,
    )
    .unwrap();
    let mut certs = Vec::new();
    let mut at = 0;
    while let Some((pem, next)) = block(
        "-----BEGIN CERTIFICATE-----",
        "-----END CERTIFICATE-----",
        at,
    ) {
        let p = dir.join("c.pem");
        std::fs::write(&p, pem).unwrap();
        certs.push(
            support::run_ok(
                support::openssl()
                    .args(["x509", "-outform", "DER", "-in"])
                    .arg(&p),
            )
            .stdout,
        );
        at = next;
    }
    (SigningKey::from_pkcs8_pem(&key_pem).unwrap(), certs, info)
}

fn round_trip(pbe: PfxPbe, alg: &str, chain_len: usize) {
    let dir = support::tempdir();
    let (key, cert) = key_and_cert(dir.path(), "leaf", alg);
    let chain: Vec<Certificate> = (0..chain_len)
        .map(|i| key_and_cert(dir.path(), &format!("ca{i}"), "gost2012_512").1)
        .collect();
    let mut options = PfxExportOptions::default();
    options.pbe = pbe;
    options.friendly_name = Some("Ключ подписи".to_owned());
    let pfx = export_pfx(&key, &cert, &chain, "пароль 1", &options).unwrap();

    let (ossl_key, ossl_certs, info) = openssl_reads(dir.path(), &pfx, "пароль 1");
    assert_eq!(
        *ossl_key.to_bytes(),
        *key.to_bytes(),
        "OpenSSL reads another d"
    );
    let mut expected = vec![cert.to_der().unwrap()];
    expected.extend(chain.iter().map(|c| c.to_der().unwrap()));
    assert_eq!(ossl_certs, expected);
    let profile = match pbe {
        PfxPbe::Gost => [
            "MAC: GOST R 34.11-2012 with 512 bit hash",
            "PKCS7 Encrypted data: PBES2, PBKDF2, gost89, Iteration 2000, PRF id-tc26-hmac-gost-3411-2012-512",
            "Shrouded Keybag: PBES2, PBKDF2, gost89, Iteration 2000, PRF id-tc26-hmac-gost-3411-2012-512",
        ],
        _ => [
            "MAC: sha256",
            "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2000, PRF hmacWithSHA256",
            "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2000, PRF hmacWithSHA256",
        ],
    };
    for line in profile {
        assert!(info.contains(line), "{line} not in {info}");
    }

    let entries = import_pfx(&pfx, "пароль 1").unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(*entries[0].key.to_bytes(), *key.to_bytes());
    assert_eq!(entries[0].certificate.as_ref(), Some(&cert));
    assert_eq!(entries[0].friendly_name.as_deref(), Some("Ключ подписи"));
    assert_eq!(
        read_pfx(&pfx, "пароль 1").unwrap().certificates.len(),
        1 + chain_len
    );
    assert_eq!(
        import_pfx(&pfx, "пароль 2").unwrap_err().code(),
        "PFX_MAC_INVALID"
    );
    // OpenSSL rejects the wrong password too.
    let path = dir.path().join("export.pfx");
    let st = support::openssl()
        .args([
            "pkcs12",
            "-info",
            "-nodes",
            "-passin",
            "pass:пароль 2",
            "-in",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!st.status.success());
}

#[test]
fn gost_profile_openssl_reads_256() {
    round_trip(PfxPbe::Gost, "gost2012_256", 0);
}

/// A chain makes the certificate SafeContents longer than 1024 bytes, so
/// OpenSSL decrypts across CryptoPro key meshing.
#[test]
fn gost_profile_openssl_reads_512_with_chain() {
    round_trip(PfxPbe::Gost, "gost2012_512", 3);
}

#[test]
fn aes_profile_openssl_reads() {
    round_trip(PfxPbe::Aes256Cbc, "gost2012_256", 1);
}
