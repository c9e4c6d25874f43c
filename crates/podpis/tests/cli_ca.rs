//! `podpis ca` as an operator runs it, checked by OpenSSL with the GOST
//! engine: requests made by `openssl req`, certificates verified by
//! `openssl verify`, CRLs read by `openssl crl` and enforced by `openssl
//! verify -crl_check`, renewal and revocation requests signed by `openssl
//! cms -sign`. The same flow runs on SQLite (the data directory) and on a
//! fresh PostgreSQL database (`--database-url`). Containers use the cheap
//! test KDF (`PODPIS_INSECURE_KDF=1`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use std::fs;
use std::path::Path;
use std::process::Output;

use der::Decode;
use serde_json::Value;
use support::{openssl, run_ok};
use x509_cert::Certificate;

fn podpis(dir: &Path, args: &[&str]) -> Output {
    support::podpis_command(dir)
        .args(args)
        .output()
        .expect("the podpis binary runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs podpis, requires success, returns stdout.
fn ok(dir: &Path, args: &[&str]) -> String {
    let out = podpis(dir, args);
    assert!(out.status.success(), "podpis {args:?}: {}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// Runs podpis, requires failure with `code` in the message.
fn fails(dir: &Path, args: &[&str], code: &str) -> String {
    let out = podpis(dir, args);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "podpis {args:?}: {t}");
    assert!(
        t.contains(&format!("[{code}]")),
        "podpis {args:?}: expected {code}: {t}"
    );
    t
}

/// Where the CA keeps its state: `--data ca` (SQLite) or PostgreSQL.
struct Backend {
    args: Vec<String>,
    _pg: Option<support::PgDatabase>,
}

impl Backend {
    fn sqlite() -> Backend {
        Backend {
            args: vec!["--data".into(), "ca".into()],
            _pg: None,
        }
    }

    /// A fresh database on the local test server (dropped afterwards).
    fn postgres() -> Backend {
        let pg = support::PgDatabase::new("cli");
        Backend {
            args: vec![
                "--data".into(),
                "ca".into(),
                "--database-url".into(),
                pg.url(),
            ],
            _pg: Some(pg),
        }
    }

    /// `podpis ca <sub> <backend args> <args>`.
    fn ca(&self, sub: &str, args: &[&str]) -> Vec<String> {
        let mut v = vec!["ca".to_owned(), sub.to_owned()];
        v.extend(self.args.iter().cloned());
        v.extend(args.iter().map(|s| s.to_string()));
        v
    }
}

fn run(dir: &Path, args: Vec<String>) -> String {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(dir, &refs)
}

fn run_fails(dir: &Path, args: Vec<String>, code: &str) -> String {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    fails(dir, &refs, code)
}

/// PIN files and `ca init` with the GOST algorithm `alg`.
fn init(dir: &Path, b: &Backend, alg: &str) {
    fs::write(dir.join("issuing.pin"), "issuing-pin-1\n").unwrap();
    fs::write(dir.join("root.pin"), "root-pin-2\n").unwrap();
    fs::write(dir.join("so.pin"), "so-pin-3\n").unwrap();
    let out = run(
        dir,
        b.ca(
            "init",
            &[
                "--alg",
                alg,
                "--org",
                "АО «Тестовый УЦ»",
                "--ogrn",
                "1027700132195",
                "--innle",
                "7707083893",
                "--locality",
                "г. Москва",
                "--crl-url",
                "http://127.0.0.1:1/issuing.crl",
                "--ocsp-url",
                "http://127.0.0.1:1/ocsp",
                "--pin-file",
                "issuing.pin",
                "--root-pin-file",
                "root.pin",
                "--so-pin-file",
                "so.pin",
                "--operator",
                "ceremony",
            ],
        ),
    );
    assert!(out.contains("УЦ создан / CA created"), "{out}");
    assert!(dir.join("ca/root.crt").exists() && dir.join("ca/issuing.crt").exists());
    assert!(dir.join("ca/keys/issuing.pdp").exists());
    fs::write(
        dir.join("ca/chain.pem"),
        [
            fs::read(dir.join("ca/root.crt")).unwrap(),
            fs::read(dir.join("ca/issuing.crt")).unwrap(),
        ]
        .concat(),
    )
    .unwrap();
}

/// A GOST key and CSR made by OpenSSL: `<name>.key`, `<name>.csr`.
fn openssl_request(dir: &Path, name: &str) {
    run_ok(
        openssl()
            .current_dir(dir)
            .args([
                "req",
                "-new",
                "-newkey",
                "gost2012_256",
                "-pkeyopt",
                "paramset:A",
                "-nodes",
            ])
            .args(["-subj", "/CN=applicant/C=RU"])
            .args([
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
            ]),
    );
}

const PERSON: &[&str] = &[
    "--kind",
    "person",
    "--surname",
    "Иванов",
    "--given-name",
    "Иван Иванович",
    "--snils",
    "112-233-445 95",
    "--inn",
    "500100732259",
    "--passport-series",
    "4510",
    "--passport-number",
    "123456",
    "--passport-issued",
    "2015-06-01",
];

/// The number a submission printed.
fn request_number(out: &str) -> String {
    out.split("№ ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no request number in {out}"))
        .to_owned()
}

/// submit (OpenSSL's CSR `<name>.csr`) → identify → approve → issue
/// `<name>.crt`; returns the serial as podpis prints it.
fn issue(dir: &Path, b: &Backend, name: &str, applicant: &[&str]) -> String {
    let csr = format!("{name}.csr");
    let mut args = vec!["--csr", csr.as_str()];
    args.extend_from_slice(applicant);
    let id = request_number(&run(dir, b.ca("submit", &args)));
    run(
        dir,
        b.ca(
            "identify",
            &[
                "--request",
                &id,
                "--method",
                "personal",
                "--document-type",
                "паспорт РФ",
                "--document-number",
                "4510 123456",
                "--operator",
                "petrova",
            ],
        ),
    );
    run(
        dir,
        b.ca("approve", &["--request", &id, "--operator", "petrova"]),
    );
    let out = run(
        dir,
        b.ca(
            "issue",
            &[
                "--request",
                &id,
                "--operator",
                "petrova",
                "--pin-file",
                "issuing.pin",
                "--out",
                &format!("{name}.crt"),
            ],
        ),
    );
    out.split("serial: ")
        .nth(1)
        .and_then(|s| s.lines().next())
        .unwrap_or_else(|| panic!("no serial in {out}"))
        .trim()
        .to_owned()
}

fn openssl_verify(dir: &Path, cert: &str, extra: &[&str]) -> Output {
    openssl()
        .current_dir(dir)
        .args(["verify", "-CAfile", "ca/chain.pem"])
        .args(extra)
        .arg(cert)
        .output()
        .unwrap()
}

/// The whole life of a certificate, checked by OpenSSL.
fn full_flow(b: &Backend, alg: &str) {
    let dir = support::tempdir();
    let d = dir.path();
    init(d, b, alg);
    openssl_request(d, "ivanov");
    let serial = issue(d, b, "ivanov", PERSON);

    // OpenSSL verifies the chain; the certificate is qualified.
    let out = openssl_verify(d, "ivanov.crt", &[]);
    assert!(out.status.success(), "{}", text(&out));
    let pem = fs::read(d.join("ivanov.crt")).unwrap();
    let cert = &pki::cert::read_certificates(&pem).unwrap()[0].cert;
    let report = pki::profile::check_qualified(cert, None);
    assert!(report.is_qualified(), "{:?}", report.codes());
    let shown = run_ok(openssl().current_dir(d).args([
        "x509",
        "-in",
        "ivanov.crt",
        "-noout",
        "-serial",
        "-ext",
        "privateKeyUsagePeriod",
    ]));
    assert!(
        text(&shown).contains(&format!("serial={serial}")),
        "{}",
        text(&shown)
    );

    // Listing, status.
    let list: Value = serde_json::from_str(&run(d, b.ca("requests", &["--json"]))).unwrap();
    assert_eq!(list[0]["state"], "issued");
    assert_eq!(list[0]["applicant"]["surname"], "Иванов");
    let status = run(d, b.ca("status", &["--serial", &serial, "--json"]));
    let status: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["status"], "good");

    // A CRL before and after the revocation.
    run(
        d,
        b.ca(
            "crl",
            &[
                "--pin-file",
                "issuing.pin",
                "--out",
                "before.crl",
                "--outform",
                "pem",
            ],
        ),
    );
    let out = openssl_verify(d, "ivanov.crt", &["-crl_check", "-CRLfile", "before.crl"]);
    assert!(out.status.success(), "{}", text(&out));

    let revoked = run(
        d,
        b.ca(
            "revoke",
            &[
                "--serial",
                &serial,
                "--reason",
                "keyCompromise",
                "--operator",
                "petrova",
            ],
        ),
    );
    assert!(revoked.contains("revoked"), "{revoked}");
    let out = podpis(
        d,
        &b.ca("status", &["--serial", &serial])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    let crl_out = run(
        d,
        b.ca("crl", &["--pin-file", "issuing.pin", "--out", "after.crl"]),
    );
    assert!(crl_out.contains("CRL № 2"), "{crl_out}");
    let crl = run_ok(openssl().current_dir(d).args([
        "crl",
        "-inform",
        "DER",
        "-in",
        "after.crl",
        "-CAfile",
        "ca/issuing.crt",
        "-noout",
        "-text",
    ]));
    let crl_text = text(&crl);
    assert!(crl_text.contains("verify OK"), "{crl_text}");
    assert!(
        crl_text.contains(&format!("Serial Number: {serial}")),
        "{crl_text}"
    );
    assert!(crl_text.contains("Key Compromise"), "{crl_text}");
    run_ok(openssl().current_dir(d).args([
        "crl",
        "-inform",
        "DER",
        "-in",
        "after.crl",
        "-out",
        "after.pem",
    ]));
    let out = openssl_verify(d, "ivanov.crt", &["-crl_check", "-CRLfile", "after.pem"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("certificate revoked"), "{}", text(&out));

    // The root's CRL, with the root key.
    run(
        d,
        b.ca(
            "crl",
            &["--root", "--root-pin-file", "root.pin", "--out", "root.crl"],
        ),
    );
    let root_crl = run_ok(openssl().current_dir(d).args([
        "crl",
        "-inform",
        "DER",
        "-in",
        "root.crl",
        "-CAfile",
        "ca/root.crt",
        "-noout",
    ]));
    assert!(text(&root_crl).contains("verify OK"));

    let summary = run(d, b.ca("status", &["--json"]));
    let summary: Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["certificates"]["revoked"], 1);
    assert_eq!(summary["requests"]["issued"], 1);
}

#[test]
fn full_flow_on_sqlite_checked_by_openssl() {
    full_flow(&Backend::sqlite(), "gost2012-512");
}

#[test]
fn full_flow_on_postgresql_checked_by_openssl() {
    full_flow(&Backend::postgres(), "gost2012-256");
}

#[test]
fn each_bad_input_has_its_code_and_is_recorded() {
    let dir = support::tempdir();
    let d = dir.path();
    let b = Backend::sqlite();
    init(d, &b, "gost2012-256");
    openssl_request(d, "good");
    // PEM → DER, then a flipped signature bit and an unknown parameter set.
    run_ok(openssl().current_dir(d).args([
        "req", "-in", "good.csr", "-outform", "DER", "-out", "good.der",
    ]));
    let good = fs::read(d.join("good.der")).unwrap();
    let mut bad_sig = good.clone();
    let last = bad_sig.len() - 1;
    bad_sig[last] ^= 1;
    fs::write(d.join("bad-sig.der"), &bad_sig).unwrap();
    let oid = [0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x23, 0x01];
    let at = good
        .windows(oid.len())
        .position(|w| w == oid)
        .expect("CryptoPro-A OID");
    let mut unknown = good.clone();
    unknown[at + oid.len() - 1] = 0x09;
    fs::write(d.join("unknown.der"), &unknown).unwrap();
    fs::write(
        d.join("garbage.csr"),
        "-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n",
    )
    .unwrap();

    let with = |csr: &str, over: &[(&str, &str)]| {
        let mut args: Vec<String> = vec!["--csr".into(), csr.into()];
        let mut i = 0;
        while i < PERSON.len() {
            let value = over
                .iter()
                .find(|(k, _)| *k == PERSON[i])
                .map(|(_, v)| v.to_string())
                .unwrap_or_else(|| PERSON[i + 1].to_owned());
            args.push(PERSON[i].into());
            args.push(value);
            i += 2;
        }
        args
    };
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("CA_CSR_MALFORMED", with("garbage.csr", &[])),
        ("CA_CSR_BAD_SIGNATURE", with("bad-sig.der", &[])),
        ("CA_CSR_UNKNOWN_PARAMSET", with("unknown.der", &[])),
        (
            "SNILS_INVALID_CHECKSUM",
            with("good.csr", &[("--snils", "112-233-445 96")]),
        ),
        (
            "INN_INVALID_CHECKSUM",
            with("good.csr", &[("--inn", "500100732258")]),
        ),
        (
            "CA_PASSPORT_INVALID",
            with("good.csr", &[("--passport-issued", "2015-13-01")]),
        ),
        (
            "CA_APPLICANT_KIND_UNKNOWN",
            with("good.csr", &[("--kind", "robot")]),
        ),
    ];
    for (code, args) in &cases {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let t = run_fails(d, b.ca("submit", &refs), code);
        assert!(t.contains("Заявка записана как отклонённая"), "{t}");
    }
    // A good one, then the same key again.
    let args = with("good.csr", &[]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(d, b.ca("submit", &refs));
    run_fails(d, b.ca("submit", &refs), "CA_REQUEST_DUPLICATE");

    let rejected: Value = serde_json::from_str(&run(
        d,
        b.ca("requests", &["--state", "rejected", "--json"]),
    ))
    .unwrap();
    let codes: Vec<&str> = rejected
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["error_code"].as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = cases.iter().map(|(c, _)| *c).collect();
    expected.push("CA_REQUEST_DUPLICATE");
    assert_eq!(codes, expected);

    // Decisions out of order, unknown serials and reasons.
    run_fails(
        d,
        b.ca("approve", &["--request", "9", "--operator", "x"]),
        "CA_REQUEST_WRONG_STATE",
    );
    run_fails(
        d,
        b.ca("approve", &["--request", "99", "--operator", "x"]),
        "CA_REQUEST_NOT_FOUND",
    );
    run_fails(
        d,
        b.ca(
            "revoke",
            &[
                "--serial",
                "0BAD",
                "--reason",
                "keyCompromise",
                "--operator",
                "x",
            ],
        ),
        "CA_CERT_UNKNOWN",
    );
    run_fails(
        d,
        b.ca(
            "revoke",
            &[
                "--serial",
                "zz",
                "--reason",
                "keyCompromise",
                "--operator",
                "x",
            ],
        ),
        "CA_SERIAL_INVALID",
    );
    run_fails(
        d,
        b.ca(
            "revoke",
            &["--serial", "0BAD", "--reason", "stolen", "--operator", "x"],
        ),
        "CA_REASON_UNKNOWN",
    );
    // A wrong PIN leaves the CA unsigned; an uninitialised directory says so.
    fs::write(d.join("wrong.pin"), "nope\n").unwrap();
    run_fails(
        d,
        b.ca("crl", &["--pin-file", "wrong.pin", "--out", "x.crl"]),
        "PIN_INCORRECT",
    );
    fails(
        d,
        &["ca", "status", "--data", "elsewhere"],
        "CA_NOT_INITIALISED",
    );
    run_fails(
        d,
        b.ca(
            "init",
            &[
                "--org",
                "x",
                "--ogrn",
                "1027700132195",
                "--innle",
                "7707083893",
            ],
        ),
        "CA_ALREADY_INITIALISED",
    );
}

/// `content` signed by OpenSSL (CMS, attached) with `<name>.key`/`.crt`.
fn openssl_cms_sign(dir: &Path, name: &str, content: &str, out: &str) {
    run_ok(
        openssl()
            .current_dir(dir)
            .args(["cms", "-sign", "-nodetach", "-binary", "-outform", "DER"])
            .args(["-in", content, "-out", out])
            .args([
                "-signer",
                &format!("{name}.crt"),
                "-inkey",
                &format!("{name}.key"),
            ]),
    );
}

#[test]
fn holders_renew_and_revoke_with_openssl_signed_requests() {
    let dir = support::tempdir();
    let d = dir.path();
    let b = Backend::sqlite();
    init(d, &b, "gost2012-256");
    openssl_request(d, "ivanov");
    let serial = issue(d, &b, "ivanov", PERSON);
    openssl_request(d, "sidorova");
    let other = [
        "--kind",
        "person",
        "--surname",
        "Сидорова",
        "--given-name",
        "Анна Петровна",
        "--snils",
        "08765430300",
        "--passport-series",
        "4511",
        "--passport-number",
        "654321",
        "--passport-issued",
        "2016-01-10",
    ];
    let other_serial = issue(d, &b, "sidorova", &other);

    // Renewal: a new CSR signed with the current key.
    openssl_request(d, "ivanov2");
    run_ok(openssl().current_dir(d).args([
        "req",
        "-in",
        "ivanov2.csr",
        "-outform",
        "DER",
        "-out",
        "ivanov2.der",
    ]));
    openssl_cms_sign(d, "ivanov", "ivanov2.der", "renew.p7s");
    let out = run(
        d,
        b.ca(
            "renew",
            &[
                "--signed",
                "renew.p7s",
                "--pin-file",
                "issuing.pin",
                "--out",
                "ivanov2.crt",
            ],
        ),
    );
    assert!(out.contains("Сертификат выпущен"), "{out}");
    let verified = openssl_verify(d, "ivanov2.crt", &[]);
    assert!(verified.status.success(), "{}", text(&verified));
    let renewed = Certificate::from_der(
        &pki::cert::read_certificates(&fs::read(d.join("ivanov2.crt")).unwrap()).unwrap()[0].der,
    )
    .unwrap();
    assert!(pki::profile::check_qualified(&renewed, None).is_qualified());

    // Sidorova may not revoke Ivanov's certificate: refused and journaled.
    fs::write(
        d.join("revoke-ivanov.json"),
        format!(
            r#"{{"type":"podpis-revocation-request","serial":"{serial}","reason":"superseded"}}"#
        ),
    )
    .unwrap();
    openssl_cms_sign(d, "sidorova", "revoke-ivanov.json", "by-sidorova.p7s");
    run_fails(
        d,
        b.ca("revoke", &["--signed", "by-sidorova.p7s"]),
        "CA_REVOCATION_NOT_ENTITLED",
    );
    let status: Value =
        serde_json::from_str(&run(d, b.ca("status", &["--serial", &serial, "--json"]))).unwrap();
    assert_eq!(status["status"], "good");

    // Ivanov may, with his renewed certificate (same SNILS).
    openssl_cms_sign(d, "ivanov2", "revoke-ivanov.json", "by-ivanov.p7s");
    let out = run(d, b.ca("revoke", &["--signed", "by-ivanov.p7s"]));
    assert!(out.contains("superseded"), "{out}");

    // Anyone holding Sidorova's key may report it compromised.
    fs::write(
        d.join("compromised.json"),
        format!(r#"{{"type":"podpis-revocation-request","serial":"{other_serial}","reason":"keyCompromise","comment":"ключ утёк"}}"#),
    )
    .unwrap();
    openssl_cms_sign(d, "sidorova", "compromised.json", "compromised.p7s");
    run(d, b.ca("revoke", &["--signed", "compromised.p7s"]));

    // Suspension and release by an operator.
    let renewed_serial =
        store::Serial::from_bytes(renewed.tbs_certificate().serial_number().as_bytes())
            .unwrap()
            .to_string();
    assert!(
        run(
            d,
            b.ca(
                "suspend",
                &["--serial", &renewed_serial, "--operator", "petrova"]
            )
        )
        .contains("hold")
    );
    run_fails(
        d,
        b.ca(
            "suspend",
            &["--serial", &renewed_serial, "--operator", "petrova"],
        ),
        "CA_CERT_ON_HOLD",
    );
    run(
        d,
        b.ca(
            "crl",
            &[
                "--pin-file",
                "issuing.pin",
                "--out",
                "held.crl",
                "--outform",
                "pem",
            ],
        ),
    );
    let out = openssl_verify(d, "ivanov2.crt", &["-crl_check", "-CRLfile", "held.crl"]);
    assert!(text(&out).contains("certificate revoked"), "{}", text(&out));
    assert!(
        run(
            d,
            b.ca(
                "release",
                &["--serial", &renewed_serial, "--operator", "petrova"]
            )
        )
        .contains("good")
    );
    run(
        d,
        b.ca(
            "crl",
            &[
                "--pin-file",
                "issuing.pin",
                "--out",
                "released.crl",
                "--outform",
                "pem",
            ],
        ),
    );
    let out = openssl_verify(
        d,
        "ivanov2.crt",
        &["-crl_check", "-CRLfile", "released.crl"],
    );
    assert!(out.status.success(), "{}", text(&out));

    // The holder's request signed by `podpis sign` (attached) works too.
    fs::write(
        d.join("cease.json"),
        format!(r#"{{"type":"podpis-revocation-request","serial":"{renewed_serial}","reason":"cessationOfOperation"}}"#),
    )
    .unwrap();
    ok(
        d,
        &[
            "sign",
            "--key",
            "ivanov2.key",
            "--cert",
            "ivanov2.crt",
            "--in",
            "cease.json",
            "--out",
            "cease.p7s",
        ],
    );
    let out = run(d, b.ca("revoke", &["--signed", "cease.p7s"]));
    assert!(out.contains("cessationOfOperation"), "{out}");

    let summary: Value = serde_json::from_str(&run(d, b.ca("status", &["--json"]))).unwrap();
    assert_eq!(summary["certificates"]["revoked"], 3);
    assert!(summary["certificates"].get("good").is_none(), "{summary}");
}
