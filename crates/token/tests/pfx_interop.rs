//! PKCS#12 import of other peers' files: OpenSSL's GOST PBE
//! (`-keypbe gost89 -certpbe gost89 -macalg md_gost12_512`) and the real
//! CryptoPro CSP exports of the corpus (MAC HMAC-SHA-1, 3DES certificate
//! bag, key bag under CryptoPro's own PBE 1.2.840.113549.1.12.1.80).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../pki/tests/support/mod.rs"]
mod support;

use der::{Decode, Encode, Reader};
use gost::{ParamSet, SigningKey};
use pki::Diagnostic;
use token::pfx::{PfxError, import_pfx, read_pfx};

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

const CRYPTOPRO: [(&str, &str, &str, ParamSet); 4] = [
    (
        "dotnet_core_2001_512.pfx",
        "",
        "dotnet_core_2001_512",
        ParamSet::CryptoProXchA,
    ),
    (
        "dotnet_core_2012_256.pfx",
        "",
        "dotnet_core_2012_256",
        ParamSet::CryptoProXchA,
    ),
    (
        "dotnet_core_2012_512.pfx",
        "",
        "dotnet_core_2012_512",
        ParamSet::Tc26A512,
    ),
    (
        "cli_2012_256_pass1.pfx",
        "1",
        "Cli_2012_256",
        ParamSet::CryptoProXchA,
    ),
];

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Qx, Qy (big-endian hex) the corpus lists for a CryptoPro PFX.
fn listed_q(pfx: &str) -> (String, String) {
    let json: serde_json::Value =
        serde_json::from_slice(&support::corpus_bytes("vectors/known_private_keys.json")).unwrap();
    let k = json["keys_with_unknown_d"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["pfx"].as_str() == Some(pfx))
        .unwrap_or_else(|| panic!("{pfx} not listed"));
    let q = |n: &str| k[n].as_str().unwrap().to_lowercase();
    (q("Qx"), q("Qy"))
}

/// CryptoPro CSP's exports: the MAC verifies, the 3DES certificate bag
/// decrypts, and the key bag under CryptoPro's PBE 1.2.840.113549.1.12.1.80
/// yields the private key of the certificate (the Q the corpus lists).
#[test]
fn cryptopro_pfx_keys_match_their_certificates() {
    for (file, password, cn, params) in CRYPTOPRO {
        let der = support::corpus_bytes(&format!("pfx/cryptopro-corefx/{file}"));
        let contents = read_pfx(&der, password).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        assert!(
            contents.skipped.is_empty(),
            "{file}: {:?}",
            contents.skipped
        );
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

        let entries = import_pfx(&der, password).unwrap();
        assert_eq!(entries.len(), 1, "{file}");
        let key = &entries[0].key;
        assert_eq!(key.param_set(), params, "{file}");
        let vk = key.verifying_key();
        let spki = contents.certificates[0]
            .certificate
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap();
        assert_eq!(
            gost::VerifyingKey::from_public_key_der(&spki).unwrap(),
            vk,
            "{file}"
        );
        assert_eq!(
            (hex(vk.x()), hex(vk.y())),
            listed_q(&format!("pfx/cryptopro-corefx/{file}")),
            "{file}"
        );
        assert_eq!(
            entries[0].certificate.as_ref().unwrap().to_der().unwrap(),
            contents.certificates[0].certificate.to_der().unwrap()
        );
    }
}

#[test]
fn cryptopro_pfx_wrong_password() {
    let der = support::corpus_bytes("pfx/cryptopro-corefx/cli_2012_256_pass1.pfx");
    assert_eq!(import_pfx(&der, "").unwrap_err().code(), "PFX_MAC_INVALID");
    let der = support::corpus_bytes("pfx/cryptopro-corefx/dotnet_core_2012_256.pfx");
    assert_eq!(import_pfx(&der, "1").unwrap_err().code(), "PFX_MAC_INVALID");
}

/// The PFX without its MacData (PFX ::= SEQUENCE { version, authSafe }).
fn without_mac(der: &[u8]) -> Vec<u8> {
    let pfx = der::asn1::AnyRef::from_der(der).unwrap();
    let mut body = Vec::new();
    pfx.sequence(|r| {
        for _ in 0..2 {
            let part: der::asn1::AnyRef<'_> = r.decode()?;
            body.extend(part.to_der()?);
        }
        r.read_slice(r.remaining_len())?;
        Ok::<_, der::Error>(())
    })
    .unwrap();
    der::asn1::AnyRef::new(der::Tag::Sequence, &body)
        .unwrap()
        .to_der()
        .unwrap()
}

/// Where the MAC does not stop it, the key bag's own checks do: a wrong
/// password, a damaged wrapped key (its GOST 28147-89 MAC), a cut-off
/// ciphertext. The input bytes are not modified.
#[test]
fn cryptopro_key_bag_checks_without_the_pfx_mac() {
    let der = support::corpus_bytes("pfx/cryptopro-corefx/cli_2012_256_pass1.pfx");
    let bare = without_mac(&der);
    let copy = bare.clone();
    assert_eq!(import_pfx(&bare, "1").unwrap().len(), 1);
    assert_eq!(bare, copy);
    // The key bag: pkcs8ShroudedKeyBag whose algorithm is the CryptoPro PBE.
    let oid = [
        0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x50,
    ];
    let at = bare.windows(oid.len()).position(|w| w == oid).unwrap();
    // OID, params SEQUENCE { OCTET STRING (16), INTEGER 2000 }, then the
    // ciphertext OCTET STRING (long form, one length octet).
    let ct_start = at + oid.len() + 2 + 18 + 4 + 3;
    assert_eq!(bare[ct_start - 3], 0x04);
    let ct_len = usize::from(bare[ct_start - 1]);
    // A wrong password: CFB decrypts to garbage that is not DER, or the
    // unwrapped key fails its MAC.
    let err = read_pfx(&bare, "2").unwrap_err();
    assert_eq!(err.code(), "PFX_DECRYPT_FAILED", "{err:?}");
    // The wrapped key sits near the end of the ciphertext; a flipped bit in
    // it decrypts to another CFB block (CFB garbles only two blocks), which
    // the key's GOST 28147-89 MAC refuses.
    let mut bad = bare.clone();
    bad[ct_start + ct_len - 60] ^= 0x01;
    let err = read_pfx(&bad, "1").unwrap_err();
    assert!(matches!(err, PfxError::DecryptFailed), "{err:?}");
    // A cut-off file.
    for cut in [10, der.len() / 2] {
        let err = import_pfx(&der[..der.len() - cut], "1").unwrap_err();
        assert_eq!(err.code(), "PFX_MALFORMED", "{cut}");
    }
    // Damage in the key's parameters after it: not a usable key bag.
    let mut bad = bare.clone();
    bad[ct_start + ct_len - 30] ^= 0x01;
    assert!(read_pfx(&bad, "1").is_err());
}
