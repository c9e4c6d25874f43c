//! `podpis req`, `podpis cert show` and `podpis crl show` run as a user
//! runs them, cross-checked with OpenSSL's GOST engine and the corpus.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use support::{corpus, openssl, run_ok};

fn podpis(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_podpis"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the podpis binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs podpis and requires exit status `code`; returns stdout.
fn podpis_status(dir: &Path, args: &[&str], code: i32) -> String {
    let out = podpis(dir, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "podpis {args:?}\nstdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

const SUBJECT: &str = "CN=Иванов Иван,SN=Иванов,G=Иван,C=RU";
const SNILS: &str = "11223344595";
const INN: &str = "500100732259";

/// A key and a request for SUBJECT with SNILS and INN, made by podpis.
fn key_and_request(dir: &Path) {
    podpis_status(dir, &["key", "gen", "--out", "key.pem"], 0);
    podpis_status(
        dir,
        &[
            "req",
            "--key",
            "key.pem",
            "--subject",
            SUBJECT,
            "--snils",
            "112-233-445 95",
            "--inn",
            INN,
            "--out",
            "req.pem",
        ],
        0,
    );
}

#[test]
fn req_is_verified_and_read_by_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    key_and_request(d);
    let out = run_ok(
        openssl()
            .current_dir(d)
            .args(["req", "-verify", "-noout", "-text", "-nameopt", "utf8"])
            .args(["-in", "req.pem"]),
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("self-signature verify OK"), "{text}");
    assert!(
        text.contains(&format!(
            "CN=Иванов Иван, SN=Иванов, GN=Иван, C=RU, SNILS={SNILS}, INN={INN}"
        )),
        "{text}"
    );
    assert!(
        text.contains("Digital Signature, Non Repudiation"),
        "{text}"
    );
    assert!(
        text.contains("TLS Web Client Authentication, E-mail Protection"),
        "{text}"
    );
    assert!(
        text.contains(concat!("podpis ", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );

    // DER output, another sign tool, and --force to replace.
    let args = [
        "req",
        "--key",
        "key.pem",
        "--subject",
        "CN=ООО Ромашка,O=ООО Ромашка,C=RU",
        "--innle",
        "7707083893",
        "--ogrn",
        "1027700132195",
        "--sign-tool",
        "КриптоПро CSP",
        "--outform",
        "der",
        "--out",
        "req.der",
    ];
    podpis_status(d, &args, 0);
    let err = podpis(d, &args);
    assert_eq!(err.status.code(), Some(1));
    assert!(stderr(&err).contains("--force"), "{}", stderr(&err));
    podpis_status(d, &[&args[..], &["--force"]].concat(), 0);
    let out = run_ok(
        openssl()
            .current_dir(d)
            .args(["req", "-verify", "-noout", "-text", "-nameopt", "utf8"])
            .args(["-inform", "DER", "-in", "req.der"]),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        // OpenSSL 3.0 has no short name for INNLE.
        text.contains("1.2.643.100.4=7707083893") && text.contains("OGRN=1027700132195"),
        "{text}"
    );
    assert!(text.contains("КриптоПро CSP"), "{text}");
}

#[test]
fn req_refuses_a_mistyped_snils_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    podpis_status(d, &["key", "gen", "--out", "key.pem"], 0);
    for extra in [
        &["--snils", "11223344596"][..],
        &["--subject", "CN=Иванов Иван,SNILS=11223344596"][..],
    ] {
        let mut args = vec!["req", "--key", "key.pem", "--out", "req.pem"];
        if extra[0] == "--snils" {
            args.extend(["--subject", SUBJECT]);
        }
        args.extend(extra);
        let out = podpis(d, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("СНИЛС: контрольное число не сходится")
                && err.contains("SNILS: the control number does not match")
                && err.contains("SNILS_INVALID_CHECKSUM"),
            "{err}"
        );
        assert!(!d.join("req.pem").exists());
    }
    // A 10-digit INN is not a person's INN.
    let out = podpis(
        d,
        &[
            "req",
            "--key",
            "key.pem",
            "--subject",
            SUBJECT,
            "--inn",
            "7707083893",
            "--out",
            "req.pem",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("ИНН"), "{}", stderr(&out));
}

#[test]
fn cert_show_decodes_identifiers_in_json_and_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    key_and_request(d);
    // OpenSSL turns the request into a self-signed certificate.
    run_ok(openssl().current_dir(d).args([
        "x509",
        "-req",
        "-in",
        "req.pem",
        "-signkey",
        "key.pem",
        "-copy_extensions",
        "copy",
        "-days",
        "30",
        "-out",
        "cert.pem",
    ]));

    let report = json(&podpis_status(
        d,
        &["cert", "show", "--json", "cert.pem"],
        0,
    ));
    let id = &report["subject_identity"];
    assert_eq!(id["snils"], SNILS);
    assert_eq!(id["inn"], INN);
    assert_eq!(id["surname"], "Иванов");
    assert_eq!(report["key"]["param_set"], "256-A");
    assert_eq!(
        report["key"]["param_set_name"],
        "id-GostR3410-2001-CryptoPro-A-ParamSet"
    );
    assert_eq!(report["self_issued"], true);
    // Not issued by an accredited CA: the profile check says so, exit 0.
    assert_eq!(report["profile"]["qualified"], false);
    assert!(
        !report["profile"]["violations"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let ru = podpis_status(d, &["cert", "show", "cert.pem"], 0);
    assert!(ru.contains("СНИЛС: 112-233-445 95"), "{ru}");
    assert!(ru.contains(&format!("ИНН: {INN}")), "{ru}");
    assert!(ru.contains("Квалифицированный"), "{ru}");
    let en = podpis_status(d, &["cert", "show", "--lang", "en", "cert.pem"], 0);
    assert!(en.contains("SNILS: 112-233-445 95"), "{en}");
    assert!(en.contains("Not after"), "{en}");
    assert!(!en.contains("Владелец"), "{en}");

    // DER from standard input.
    run_ok(openssl().current_dir(d).args([
        "x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der",
    ]));
    let out = Command::new(env!("CARGO_BIN_EXE_podpis"))
        .args(["cert", "show", "--json", "-"])
        .stdin(fs::File::open(d.join("cert.der")).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&stdout(&out))["subject_identity"]["snils"], SNILS);
}

#[test]
fn cert_show_corpus_certificate_and_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let leaf = corpus().join("certs/esia-blastoff-test/otvconba.pem");
    let ca = corpus().join("certs/esia-blastoff-test/blastoff_ca_test.pem");
    let leaf_s = leaf.to_str().unwrap();

    let report = json(&podpis_status(d, &["cert", "show", "--json", leaf_s], 0));
    assert_eq!(report["serial"], "6CBB144AB938D5CB");
    assert_eq!(report["key"]["param_set"], "256-XA");
    assert_eq!(report["subject_identity"]["region"], "77 г. Москва");
    // The demo certificate's OGRN and INNLE fail their control digits:
    // reported as problems and profile violations, not a command failure.
    let problems: Vec<&str> = report["subject_identity"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert!(problems.contains(&"OGRN_INVALID_CHECKSUM"), "{problems:?}");
    assert!(problems.contains(&"INN_INVALID_CHECKSUM"), "{problems:?}");
    let codes: Vec<&str> = report["profile"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"SUBJECT_OGRN_CHECKSUM"), "{codes:?}");
    let text = podpis_status(d, &["cert", "show", "--lang", "en", leaf_s], 0);
    assert!(text.contains("[SUBJECT_OGRN_CHECKSUM]"), "{text}");
    assert!(text.contains("subjectSignTool"), "{text}");

    // A bundle: an array, one object per certificate, in order.
    let mut bundle = fs::read(&leaf).unwrap();
    bundle.extend(fs::read(&ca).unwrap());
    fs::write(d.join("bundle.pem"), bundle).unwrap();
    let all = json(&podpis_status(
        d,
        &["cert", "show", "--json", "bundle.pem"],
        0,
    ));
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["serial"], "6CBB144AB938D5CB");
    assert_eq!(
        all[1]["subject_identity"]["common_name"],
        "blastoff_ca_test"
    );
    let text = podpis_status(d, &["cert", "show", "bundle.pem"], 0);
    assert!(text.contains("Сертификат 2 из 2"), "{text}");

    // Not a certificate: exit 1, both languages.
    fs::write(d.join("junk.pem"), "hello").unwrap();
    let out = podpis(d, &["cert", "show", "junk.pem"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a certificate") && stderr(&out).contains("не сертификат"),
        "{}",
        stderr(&out)
    );
}

/// A CA made by OpenSSL, a certificate it revoked (serial 1002,
/// keyCompromise) and the CRL `openssl ca -gencrl` wrote (number 1000).
fn openssl_crl(d: &Path) {
    let ca_ext = [
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ];
    run_ok(
        openssl()
            .current_dir(d)
            .args(["req", "-x509", "-newkey", "gost2012_256", "-pkeyopt"])
            .args([
                "paramset:A",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ])
            .args(["-subj", "/CN=Test CA/C=RU", "-days", "30"])
            .args(ca_ext),
    );
    run_ok(
        openssl()
            .current_dir(d)
            .args(["req", "-x509", "-newkey", "gost2012_256", "-pkeyopt"])
            .args(["paramset:A", "-nodes", "-keyout", "leaf.key", "-out"])
            .args(["revoked.pem", "-subj", "/CN=revoked", "-days", "30"])
            .args(["-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "0x1002"])
            .args(["-addext", "basicConstraints=CA:FALSE"]),
    );
    fs::write(d.join("index.txt"), "").unwrap();
    fs::write(d.join("crlnumber"), "1000\n").unwrap();
    fs::write(
        d.join("ca.cnf"),
        format!(
            "[ca]\ndefault_ca = CA_default\n[CA_default]\ndir = {}\ndatabase = $dir/index.txt\n\
             new_certs_dir = $dir\ncertificate = $dir/ca.pem\nprivate_key = $dir/ca.key\n\
             crlnumber = $dir/crlnumber\ndefault_md = md_gost12_256\ndefault_crl_days = 30\n\
             policy = policy_any\n[policy_any]\ncommonName = supplied\n",
            d.display()
        ),
    )
    .unwrap();
    run_ok(openssl().current_dir(d).args([
        "ca",
        "-config",
        "ca.cnf",
        "-revoke",
        "revoked.pem",
        "-crl_reason",
        "keyCompromise",
    ]));
    run_ok(
        openssl()
            .current_dir(d)
            .args(["ca", "-config", "ca.cnf", "-gencrl", "-out", "ca.crl"]),
    );
}

#[test]
fn crl_show_reads_openssl_crl_and_checks_its_signature() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl_crl(d);

    let text = podpis_status(d, &["crl", "show", "ca.crl", "--issuer", "ca.pem"], 0);
    assert!(text.contains("CN=Test CA, C=RU"), "{text}");
    assert!(text.contains("1000"), "{text}");
    assert!(text.contains("актуален / fresh"), "{text}");
    assert!(text.contains("верна / valid"), "{text}");
    assert!(
        text.contains("1002") && text.contains("keyCompromise (компрометация ключа)"),
        "{text}"
    );

    let report = json(&podpis_status(
        d,
        &["crl", "show", "--json", "--issuer", "ca.pem", "ca.crl"],
        0,
    ));
    assert_eq!(report["version"], 2);
    assert_eq!(report["number"], "1000");
    assert_eq!(report["freshness"], "fresh");
    assert_eq!(report["signature"]["valid"], true);
    let entries = report["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["serial"], "1002");
    assert_eq!(entries[0]["reason"], "keyCompromise");
    assert_eq!(entries[0]["reason_ru"], "компрометация ключа");
    // Without --issuer there is no signature verdict; far ahead it is stale.
    let later = json(&podpis_status(
        d,
        &[
            "crl",
            "show",
            "--json",
            "--at",
            "2099-01-01T00:00:00Z",
            "ca.crl",
        ],
        0,
    ));
    assert_eq!(later["freshness"], "stale");
    assert!(later["signature"].is_null());
    let earlier = json(&podpis_status(
        d,
        &[
            "crl",
            "show",
            "--json",
            "--at",
            "2000-01-01T00:00:00+03:00",
            "ca.crl",
        ],
        0,
    ));
    assert_eq!(earlier["freshness"], "not_yet_valid");

    // Another CA with the same name: the signature fails, exit 1.
    run_ok(
        openssl()
            .current_dir(d)
            .args(["req", "-x509", "-newkey", "gost2012_256", "-pkeyopt"])
            .args(["paramset:A", "-nodes", "-keyout", "other.key", "-out"])
            .args(["other.pem", "-subj", "/CN=Test CA/C=RU", "-days", "30"]),
    );
    let out = podpis(d, &["crl", "show", "ca.crl", "--issuer", "other.pem"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("НЕВЕРНА / INVALID"),
        "{}",
        stdout(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("Подпись CRL не проверяется")
            && err.contains("The CRL signature does not verify")
            && err.contains("CRL_SIGNATURE_INVALID"),
        "{err}"
    );
    // The revoked certificate itself is no CRL issuer: the name differs.
    let out = podpis(d, &["crl", "show", "ca.crl", "--issuer", "revoked.pem"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("CRL_ISSUER_MISMATCH"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn crl_show_corpus_tk26_crl_is_stale_today() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let crl = corpus().join("crl-ocsp/ksba-openssl-tk26/root_gost_tk26.crl");
    let root = corpus().join("certs/ksba-openssl-tk26/root_gost_tk26.crt");
    let (crl, root) = (crl.to_str().unwrap(), root.to_str().unwrap());
    let report = json(&podpis_status(
        d,
        &[
            "crl",
            "show",
            "--json",
            "--at",
            "2026-11-22T00:00:00Z",
            "--issuer",
            root,
            crl,
        ],
        0,
    ));
    assert_eq!(report["freshness"], "stale");
    assert_eq!(report["issuer"], "CN=root_gost_tk26");
    assert_eq!(report["this_update"], "2025-06-26T07:45:55Z");
    assert_eq!(report["next_update"], "2025-07-26T07:45:55Z");
    assert_eq!(report["signature"]["valid"], true);
    assert!(report["entries"].as_array().unwrap().is_empty());
    let text = podpis_status(d, &["crl", "show", "--at", "2025-07-20T00:00:00Z", crl], 0);
    assert!(text.contains("актуален / fresh"), "{text}");
    let text = podpis_status(d, &["crl", "show", "--at", "2026-11-22T00:00:00Z", crl], 0);
    assert!(text.contains("устарел / stale"), "{text}");
    // A bad --at is a bilingual error.
    let out = podpis(d, &["crl", "show", "--at", "yesterday", crl]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("RFC 3339"), "{}", stderr(&out));
}
