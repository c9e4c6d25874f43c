//! Certificates and CSRs cross-checked with OpenSSL and its GOST engine,
//! both ways, for every production parameter set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::time::{Duration, SystemTime};

use der::{Decode, Encode};
use gost::{ParamSet, SigningKey};
use pki::cert::{
    self, CertError, CertificateBuilder, CertificateInfo, Lang, parse_certificate,
    verify_issued_by, verify_issued_by_der,
};
use pki::csr::{CsrBuilder, CsrError, parse_csr, verify_csr, verify_csr_der};
use pki::name::parse_name;
use pki::profile::{
    ExtensionValue, IdentificationKind, IssuerSignTool, SubjectSignTool, check_qualified,
};
use pki::{Diagnostic, KeySigner};
use support::{openssl, run_ok};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages};

fn now() -> SystemTime {
    SystemTime::now()
}

fn day() -> Duration {
    Duration::from_secs(86_400)
}

fn issuer_tool() -> IssuerSignTool {
    IssuerSignTool {
        sign_tool: "СКЗИ «podpis»".into(),
        ca_tool: "ПАК «podpis УЦ»".into(),
        sign_tool_cert: "Сертификат соответствия № СФ/000-0000".into(),
        ca_tool_cert: "Сертификат соответствия № СФ/000-0001".into(),
    }
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path.to_str().unwrap().to_owned()
}

struct Pair {
    ca: Certificate,
    leaf: Certificate,
}

fn make_pair(params: ParamSet) -> Pair {
    let ca_key = KeySigner::new(SigningKey::generate(params).unwrap());
    let ca_name = parse_name(&format!(
        "CN=Тестовый УЦ {},O=ООО Ромашка,C=RU,INNLE=7707083893,OGRN=1027700132195",
        params.label()
    ))
    .unwrap();
    let ca = CertificateBuilder::ca(
        ca_name,
        pki::Signer::verifying_key(&ca_key),
        now() - day(),
        now() + 3650 * day(),
        Some(0),
    )
    .build(&ca_key)
    .unwrap();
    let leaf_key = KeySigner::new(SigningKey::generate(params).unwrap());
    let subject = parse_name(
        "CN=Иванов Иван Иванович,SN=Иванов,G=Иван Иванович,C=RU,ST=77 Москва,L=Москва,\
         SNILS=11223344595,INN=500100732259,E=ivanov@example.ru",
    )
    .unwrap();
    let leaf = CertificateBuilder::qualified(
        subject,
        pki::Signer::verifying_key(&leaf_key),
        &ca,
        issuer_tool(),
        IdentificationKind::Personal,
        now() - day(),
        now() + 365 * day(),
    )
    .crl_url("http://ca.example.ru/ca.crl")
    .ocsp_url("http://ca.example.ru/ocsp")
    .ca_issuers_url("http://ca.example.ru/ca.crt")
    .private_key_usage_period(Some(now() - day()), Some(now() + 365 * day()))
    .build(&ca_key)
    .unwrap();
    Pair { ca, leaf }
}

#[test]
fn our_certificates_pass_openssl_for_every_param_set() {
    let dir = support::tempdir();
    for params in ParamSet::PRODUCTION {
        let Pair { ca, leaf } = make_pair(params);
        verify_issued_by(&leaf, &ca).unwrap();
        verify_issued_by(&ca, &ca).unwrap();
        let report = check_qualified(&leaf, None);
        assert!(report.qualified, "{params:?}: {:?}", report.codes());
        assert!(report.violations.is_empty(), "{:?}", report.codes());

        let ca_pem = write(dir.path(), "ca.pem", cert::to_pem(&ca).unwrap().as_bytes());
        let leaf_pem = write(
            dir.path(),
            "leaf.pem",
            cert::to_pem(&leaf).unwrap().as_bytes(),
        );
        let text = run_ok(openssl().args([
            "x509",
            "-noout",
            "-text",
            "-nameopt",
            "utf8,sep_comma_plus_space",
            "-in",
            &leaf_pem,
        ]));
        let text = String::from_utf8_lossy(&text.stdout);
        for needle in [
            "SNILS=11223344595",
            "INN=500100732259",
            "CN=Иванов Иван Иванович",
            "Version: 3 (0x2)",
            "X509v3 Key Usage: critical",
            "Digital Signature, Non Repudiation",
            "X509v3 Subject Key Identifier",
            "X509v3 Authority Key Identifier",
            "X509v3 CRL Distribution Points",
            "OCSP - URI:http://ca.example.ru/ocsp",
            "Policy: Class of Signing Tool KC1",
            "Signing Tool of Subject",
            "signTool    : СКЗИ «podpis»",
            "cAToolCert  : Сертификат соответствия № СФ/000-0001",
            "1.2.643.100.114",
            "TLS Web Client Authentication",
            "Private Key Usage Period",
        ] {
            assert!(
                text.contains(needle),
                "{params:?}: {needle:?} not in\n{text}"
            );
        }
        let ca_text = run_ok(openssl().args([
            "x509",
            "-noout",
            "-text",
            "-nameopt",
            "utf8,sep_comma_plus_space",
            "-in",
            &ca_pem,
        ]));
        let ca_text = String::from_utf8_lossy(&ca_text.stdout);
        assert!(ca_text.contains("OGRN=1027700132195"), "{ca_text}");
        assert!(ca_text.contains("CA:TRUE, pathlen:0"), "{ca_text}");
        assert!(ca_text.contains("Certificate Sign, CRL Sign"), "{ca_text}");

        let out = run_ok(openssl().args(["verify", "-CAfile", &ca_pem, &leaf_pem]));
        assert!(String::from_utf8_lossy(&out.stdout).contains(": OK"));

        // OpenSSL's SKI (SHA-1 of the key bits) equals ours.
        let ski = cert::subject_key_id(&leaf).unwrap();
        let ski_hex: Vec<String> = ski.iter().map(|b| format!("{b:02X}")).collect();
        assert!(text.contains(&ski_hex.join(":")), "{text}");
        assert_eq!(cert::authority_key_id(&leaf), cert::subject_key_id(&ca));

        // The description names the parameter set and the extensions.
        let info = CertificateInfo::new(&leaf, Lang::En);
        assert_eq!(info.key.param_set.as_deref(), Some(params.label().as_str()));
        assert!(info.profile.qualified);
        let rendered = info.render(Lang::Ru);
        assert!(rendered.contains("СНИЛС: 112-233-445 95"), "{rendered}");
        assert!(rendered.contains("subjectSignTool"), "{rendered}");
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json["subject_identity"]["snils"], "11223344595");
        assert_eq!(json["profile"]["qualified"], true);
    }
}

#[test]
fn tampered_certificate_is_rejected() {
    let Pair { ca, leaf } = make_pair(ParamSet::Tc26A256);
    let der = leaf.to_der().unwrap();
    // A byte inside the subject (TBS) and one in the signature value.
    let tbs_pos = der.windows(11).position(|w| w == b"11223344595").unwrap();
    for pos in [tbs_pos + 3, der.len() - 5] {
        let mut bad = der.clone();
        bad[pos] ^= 0x01;
        let err = verify_issued_by_der(&bad, &ca).unwrap_err();
        assert_eq!(err.code(), "CERT_BAD_SIGNATURE", "{err}");
    }
    verify_issued_by_der(&der, &ca).unwrap();
    // Another CA with the same name but another key.
    let other = make_pair(ParamSet::Tc26A256).ca;
    assert!(matches!(
        verify_issued_by(&leaf, &other),
        Err(CertError::IssuerNameMismatch { .. }) | Err(CertError::Algorithm(_))
    ));
}

#[test]
fn builder_checks_the_signer_and_the_period() {
    let Pair { ca, .. } = make_pair(ParamSet::CryptoProA);
    let stranger = KeySigner::new(SigningKey::generate(ParamSet::CryptoProA).unwrap());
    let subject = parse_name("CN=x,C=RU").unwrap();
    let b = CertificateBuilder::new(
        subject.clone(),
        pki::Signer::verifying_key(&stranger),
        now(),
        now() + day(),
    );
    // Issued by `ca` but signed with a key that is not the CA's.
    assert!(matches!(
        b.clone().issuer(&ca).build(&stranger),
        Err(CertError::WrongSigner { expected: "issuer" })
    ));
    let other = KeySigner::new(SigningKey::generate(ParamSet::CryptoProA).unwrap());
    assert!(matches!(
        b.build(&other),
        Err(CertError::WrongSigner {
            expected: "subject"
        })
    ));
    let backwards = CertificateBuilder::new(
        subject,
        pki::Signer::verifying_key(&stranger),
        now(),
        now() - day(),
    );
    assert!(matches!(
        backwards.build(&stranger),
        Err(CertError::Validity)
    ));
}

#[test]
fn serials_and_times_follow_rfc5280() {
    let key = KeySigner::new(SigningKey::generate(ParamSet::Tc26B256).unwrap());
    let name = parse_name("CN=serial").unwrap();
    let nb = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000); // 2033
    let na = SystemTime::UNIX_EPOCH + Duration::from_secs(2_600_000_000); // 2052
    let b = CertificateBuilder::new(name, pki::Signer::verifying_key(&key), nb, na);
    let a = b.build(&key).unwrap();
    let c = b.build(&key).unwrap();
    let sa = a.tbs_certificate().serial_number().as_bytes().to_vec();
    assert_eq!(sa.len(), 16);
    assert!(sa[0] & 0x80 == 0 && sa[0] != 0);
    assert_ne!(sa, c.tbs_certificate().serial_number().as_bytes());
    let v = a.tbs_certificate().validity();
    assert!(matches!(v.not_before, x509_cert::time::Time::UtcTime(_)));
    assert!(matches!(v.not_after, x509_cert::time::Time::GeneralTime(_)));
    let given = b.clone().serial(&[0x01, 0x02]).build(&key).unwrap();
    assert_eq!(given.tbs_certificate().serial_number().as_bytes(), [1, 2]);
    assert!(matches!(
        b.clone().serial(&[0x80]).build(&key),
        Err(CertError::Serial)
    ));
    assert!(matches!(b.serial(&[0]).build(&key), Err(CertError::Serial)));
}

#[test]
fn our_csrs_pass_openssl() {
    let dir = support::tempdir();
    for params in [ParamSet::CryptoProA, ParamSet::Tc26C256, ParamSet::Tc26C512] {
        let key = KeySigner::new(SigningKey::generate(params).unwrap());
        let subject = parse_name(
            "CN=Петров Пётр,SN=Петров,G=Пётр Петрович,C=RU,SNILS=11223344595,INN=500100732259",
        )
        .unwrap();
        let csr = CsrBuilder::new(subject.clone())
            .extension(
                KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation)
                    .encode_extension(true)
                    .unwrap(),
            )
            .extension(
                ExtendedKeyUsage(vec![pki::oids::KP_CLIENT_AUTH])
                    .encode_extension(false)
                    .unwrap(),
            )
            .extension(
                SubjectSignTool("podpis".into())
                    .encode_extension(false)
                    .unwrap(),
            )
            .build(&key)
            .unwrap();
        let pem = pki::csr::to_pem(&csr).unwrap();
        let path = write(dir.path(), "req.pem", pem.as_bytes());
        let out = run_ok(openssl().args(["req", "-verify", "-noout", "-in", &path]));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("verify OK"), "{all}");
        let text = run_ok(openssl().args([
            "req",
            "-text",
            "-noout",
            "-nameopt",
            "utf8,sep_comma_plus_space",
            "-in",
            &path,
        ]));
        let text = String::from_utf8_lossy(&text.stdout);
        for needle in [
            "SNILS=11223344595",
            "INN=500100732259",
            "Requested Extensions",
            "Digital Signature, Non Repudiation",
            "TLS Web Client Authentication",
        ] {
            assert!(text.contains(needle), "{needle:?} not in\n{text}");
        }
        // And back.
        let parsed = parse_csr(pem.as_bytes()).unwrap();
        let v = verify_csr(&parsed).unwrap();
        assert_eq!(v.subject, subject);
        assert_eq!(&v.key, pki::Signer::verifying_key(&key));
        assert_eq!(v.extensions.len(), 3);
        assert_eq!(v.identity.snils.unwrap().digits(), "11223344595");
        let tool = v
            .extensions
            .iter()
            .find(|e| e.extn_id == pki::oids::SUBJECT_SIGN_TOOL)
            .unwrap();
        assert_eq!(SubjectSignTool::decode_extension(tool).unwrap().0, "podpis");
    }
}

fn openssl_cert_and_csr(dir: &Path, alg: &str, paramset: &str) -> (Vec<u8>, Vec<u8>) {
    let key = dir.join("k.pem");
    let crt = dir.join("c.pem");
    let req = dir.join("r.pem");
    let subj = "/CN=Сидоров Сидор/SN=Сидоров/GN=Сидор Сидорович/C=RU/SNILS=11223344595/INN=500100732259/OGRN=1027700132195";
    run_ok(openssl().args([
        "req",
        "-new",
        "-x509",
        "-utf8",
        "-newkey",
        alg,
        "-pkeyopt",
        &format!("paramset:{paramset}"),
        "-nodes",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        crt.to_str().unwrap(),
        "-subj",
        subj,
        "-days",
        "30",
    ]));
    run_ok(openssl().args([
        "req",
        "-new",
        "-utf8",
        "-key",
        key.to_str().unwrap(),
        "-out",
        req.to_str().unwrap(),
        "-subj",
        subj,
    ]));
    (std::fs::read(crt).unwrap(), std::fs::read(req).unwrap())
}

#[test]
fn openssl_certificates_and_csrs_verify_with_our_code() {
    let dir = support::tempdir();
    for (alg, ps) in [
        ("gost2012_256", "A"),
        ("gost2012_256", "TCB"),
        ("gost2012_512", "A"),
        ("gost2012_512", "C"),
    ] {
        let (crt_pem, csr_pem) = openssl_cert_and_csr(dir.path(), alg, ps);
        let crt = parse_certificate(&crt_pem).unwrap();
        verify_issued_by(&crt, &crt).unwrap();
        let id = pki::name::SubjectIdentity::from_name(crt.tbs_certificate().subject());
        assert_eq!(id.snils.unwrap().digits(), "11223344595");
        assert_eq!(id.inn.unwrap().as_str(), "500100732259");
        assert_eq!(id.ogrn.unwrap().as_str(), "1027700132195");
        assert_eq!(id.given_name.as_deref(), Some("Сидор Сидорович"));
        let der = crt.to_der().unwrap();
        verify_issued_by_der(&der, &crt).unwrap();
        let mut bad = der.clone();
        // The subject's SNILS (the issuer's comes first in a self-signed TBS).
        let pos = der.windows(11).rposition(|w| w == b"11223344595").unwrap();
        bad[pos + 2] ^= 0x02;
        assert_eq!(
            verify_issued_by_der(&bad, &crt).unwrap_err().code(),
            "CERT_BAD_SIGNATURE"
        );
        let n = bad.len();
        let mut bad = der.clone();
        bad[n - 3] ^= 0x80;
        assert_eq!(
            verify_issued_by_der(&bad, &crt).unwrap_err().code(),
            "CERT_BAD_SIGNATURE"
        );

        let csr = parse_csr(&csr_pem).unwrap();
        let v = verify_csr(&csr).unwrap();
        assert_eq!(v.key, cert::public_key(&crt).unwrap());
        let csr_der = csr.to_der().unwrap();
        verify_csr_der(&csr_der).unwrap();
        let mut bad = csr_der.clone();
        let pos = csr_der
            .windows(11)
            .position(|w| w == b"11223344595")
            .unwrap();
        bad[pos] ^= 0x01;
        assert!(matches!(
            verify_csr_der(&bad),
            Err(CsrError::Algorithm(
                pki::algorithm::AlgorithmError::BadSignature
            ))
        ));
        let n = csr_der.len();
        let mut bad = csr_der.clone();
        bad[n - 1] ^= 0x01;
        assert_eq!(
            verify_csr_der(&bad).unwrap_err().code(),
            "CSR_BAD_SIGNATURE"
        );
        // "NEW CERTIFICATE REQUEST" is accepted as well.
        let text = String::from_utf8(csr_pem.clone())
            .unwrap()
            .replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST");
        verify_csr(&parse_csr(text.as_bytes()).unwrap()).unwrap();
    }
}

#[test]
fn pem_bundles_and_der_read() {
    let Pair { ca, leaf } = make_pair(ParamSet::Tc26A512);
    let bundle = format!(
        "leaf\r\n{}\r\nsome text\n{}",
        cert::to_pem(&leaf).unwrap().replace('\n', "\r\n"),
        cert::to_pem(&ca).unwrap()
    );
    let certs = cert::parse_certificates(bundle.as_bytes()).unwrap();
    assert_eq!(certs, vec![leaf.clone(), ca.clone()]);
    assert_eq!(parse_certificate(bundle.as_bytes()).unwrap(), leaf);
    assert_eq!(
        cert::parse_certificates(&ca.to_der().unwrap()).unwrap(),
        vec![ca.clone()]
    );
    assert_eq!(
        parse_certificate(b"nothing here").unwrap_err().code(),
        "CERT_NO_PEM"
    );
    assert_eq!(Certificate::from_der(&ca.to_der().unwrap()).unwrap(), ca);
    assert_eq!(cert::fingerprint_sha1(&ca).unwrap().len(), 20);
    assert_eq!(cert::fingerprint_streebog256(&ca).unwrap().len(), 32);
    assert_eq!(cert::ocsp_urls(&leaf), ["http://ca.example.ru/ocsp"]);
    assert_eq!(
        cert::ca_issuers_urls(&leaf),
        ["http://ca.example.ru/ca.crt"]
    );
    assert_eq!(cert::crl_urls(&leaf), ["http://ca.example.ru/ca.crl"]);
    assert!(cert::basic_constraints(&ca).unwrap().ca);
    assert!(cert::key_usage(&leaf).unwrap().non_repudiation());
    assert_eq!(
        cert::policies(&leaf),
        [pki::oids::POLICY_KC1, pki::oids::POLICY_KC2]
    );
    assert!(
        cert::extended_key_usage(&leaf)
            .unwrap()
            .contains(&pki::oids::KP_CLIENT_AUTH)
    );
}
