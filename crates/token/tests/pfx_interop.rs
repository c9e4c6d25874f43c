//! PKCS#12 import of other peers' files: OpenSSL's GOST PBE
//! (`-keypbe gost89 -certpbe gost89 -macalg md_gost12_512`) and the real
//! CryptoPro CSP exports of the corpus (MAC HMAC-SHA-1, 3DES certificate
//! bag, key bag under the undocumented PBE 1.2.840.113549.1.12.1.80).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../pki/tests/support/mod.rs"]
mod support;

use der::{Decode, Encode};
use gost::SigningKey;
use pki::Diagnostic;
use token::pfx::{PfxError, import_pfx, read_pfx};
use x509_cert::Certificate;

/// OpenSSL's GOST PFX; with a chain of CA certificates making the
/// certificate bag longer than 1024 bytes (decrypted across key meshing).
#[test]
fn openssl_gost_pbe_pfx() {
    let dir = support::tempdir();
    let d = dir.path();
    let mut chain = Vec::new();
    for i in 0..3 {
        let (k, c) = (d.join(format!("ca{i}.key")), d.join(format!("ca{i}.pem")));
        support::run_ok(&mut support::req_x509(
            "gost2012_512",
            "A",
            &format!("/CN=CA {i}"),
            30,
            &k,
            &c,
        ));
        chain.push(std::fs::read_to_string(&c).unwrap());
    }
    std::fs::write(d.join("chain.pem"), chain.concat()).unwrap();
    let (key, cert) = (d.join("leaf.key"), d.join("leaf.pem"));
    support::run_ok(&mut support::req_x509(
        "gost2012_256",
        "B",
        "/CN=leaf",
        30,
        &key,
        &cert,
    ));
    let pfx = d.join("gost.pfx");
    support::run_ok(
        support::openssl()
            .args([
                "pkcs12", "-export", "-keypbe", "gost89", "-certpbe", "gost89",
            ])
            .args([
                "-macalg",
                "md_gost12_512",
                "-passout",
                "pass:ГОСТ",
                "-inkey",
            ])
            .arg(&key)
            .arg("-in")
            .arg(&cert)
            .arg("-certfile")
            .arg(d.join("chain.pem"))
            .arg("-out")
            .arg(&pfx),
    );
    let der = std::fs::read(&pfx).unwrap();
    let contents = read_pfx(&der, "ГОСТ").unwrap();
    assert_eq!(contents.certificates.len(), 4);
    assert_eq!(contents.entries.len(), 1);
    let expected = SigningKey::from_pkcs8_pem(&std::fs::read_to_string(&key).unwrap()).unwrap();
    assert_eq!(*contents.entries[0].key.to_bytes(), *expected.to_bytes());
    let cert_der = support::run_ok(
        support::openssl()
            .args(["x509", "-outform", "DER", "-in"])
            .arg(&cert),
    )
    .stdout;
    assert_eq!(
        contents.entries[0]
            .certificate
            .as_ref()
            .unwrap()
            .to_der()
            .unwrap(),
        cert_der
    );
    assert_eq!(
        import_pfx(&der, "гост").unwrap_err().code(),
        "PFX_MAC_INVALID"
    );
}

const CRYPTOPRO: [(&str, &str, &str); 4] = [
    ("dotnet_core_2001_512.pfx", "", "dotnet_core_2001_512"),
    ("dotnet_core_2012_256.pfx", "", "dotnet_core_2012_256"),
    ("dotnet_core_2012_512.pfx", "", "dotnet_core_2012_512"),
    ("cli_2012_256_pass1.pfx", "1", "Cli_2012_256"),
];

/// The MAC verifies, the 3DES certificate bag decrypts, and the key bag is
/// reported as unsupported, naming CryptoPro's PBE OID.
#[test]
fn cryptopro_pfx_certificates_and_unsupported_key_pbe() {
    for (file, password, cn) in CRYPTOPRO {
        let der = support::corpus_bytes(&format!("pfx/cryptopro-corefx/{file}"));
        let contents = read_pfx(&der, password).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        assert!(contents.entries.is_empty(), "{file}");
        assert_eq!(contents.certificates.len(), 1, "{file}");
        // CryptoPro writes the CN as a BMPString; look for it in either form.
        let subject = contents.certificates[0]
            .certificate
            .tbs_certificate()
            .subject()
            .to_der()
            .unwrap();
        let bmp: Vec<u8> = cn.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let has = |needle: &[u8]| subject.windows(needle.len()).any(|w| w == needle);
        assert!(has(&bmp) || has(cn.as_bytes()), "{file}");
        let _ =
            Certificate::from_der(&contents.certificates[0].certificate.to_der().unwrap()).unwrap();
        assert_eq!(contents.skipped.len(), 1, "{file}");
        let err = import_pfx(&der, password).unwrap_err();
        assert!(
            matches!(&err, PfxError::UnsupportedPbe { oid } if oid.to_string() == "1.2.840.113549.1.12.1.80"),
            "{file}: {err:?}"
        );
        assert_eq!(err.code(), "PFX_UNSUPPORTED_PBE");
        assert!(err.message_ru().contains("1.2.840.113549.1.12.1.80"));
    }
}

#[test]
fn cryptopro_pfx_wrong_password() {
    let der = support::corpus_bytes("pfx/cryptopro-corefx/cli_2012_256_pass1.pfx");
    assert_eq!(import_pfx(&der, "").unwrap_err().code(), "PFX_MAC_INVALID");
    let der = support::corpus_bytes("pfx/cryptopro-corefx/dotnet_core_2012_256.pfx");
    assert_eq!(import_pfx(&der, "1").unwrap_err().code(), "PFX_MAC_INVALID");
}
