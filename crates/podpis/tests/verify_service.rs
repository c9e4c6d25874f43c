//! The public signature verification service (`/verify`,
//! `POST /api/v1/verify`) of a real `podpis serve` on a loopback port:
//! a CA and a signer made by OpenSSL's GOST engine, its CRL served over
//! HTTP from the certificate's distribution point; signatures made by us
//! (`podpis sign`, attached and detached) and by `openssl cms -sign`; a
//! changed document (TOTAL_FAILED / HASH_FAILURE in JSON and in plain words
//! on the page), an untrusted signer, garbage, uploads over the limits,
//! the no-JavaScript form, and the third-party corpus of
//! `../shared/interop` with the outcomes its manifest.json states.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};
use support::{Pki, corpus, openssl, req_x509, run_ok};

/// `podpis serve` with a configuration, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Serves from `dir/data`, trusting `dir/ca.pem`, with the `verify`
    /// section `verify`.
    fn start(dir: &Path, verify: Value) -> Server {
        let config = json!({
            "data": dir.join("data"),
            "listen": "127.0.0.1:0",
            "idp": { "trust_roots": [dir.join("ca.pem")] },
            "verify": verify,
        });
        let path = dir.join("serve.json");
        fs::write(&path, config.to_string()).unwrap();
        let log = fs::File::create(dir.join("serve.log")).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_podpis"))
            .args(["serve", "--config"])
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| {
                panic!(
                    "no address in {line:?}: {}",
                    fs::read_to_string(dir.join("serve.log")).unwrap_or_default()
                )
            })
            .to_owned();
        Server { child, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POSTs `parts` as multipart/form-data to `path`; the status, the
    /// body, and the response's headers.
    fn post(&self, path: &str, parts: &[Part<'_>], cookie: Option<&str>) -> Reply {
        let (content_type, body) = multipart(parts);
        self.post_raw(path, &content_type, body, cookie)
    }

    fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        cookie: Option<&str>,
    ) -> Reply {
        let mut req = agent()
            .post(self.url(path))
            .header("content-type", content_type);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        let mut resp = req.send(&body[..]).unwrap();
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .unwrap();
        Reply {
            status,
            body,
            headers,
        }
    }

    /// The API's JSON for `parts`; the status must be `status`.
    fn api(&self, parts: &[Part<'_>], status: u16) -> Value {
        let r = self.post("/api/v1/verify", parts, None);
        assert_eq!(r.status, status, "{}", r.body);
        serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
    }

    fn get(&self, path: &str) -> Reply {
        let mut resp = agent().get(self.url(path)).call().unwrap();
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        Reply {
            status,
            body: resp.body_mut().read_to_string().unwrap(),
            headers,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    body: String,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// One part of a form: its name, file name and bytes.
type Part<'a> = (&'a str, &'a str, &'a [u8]);

/// A multipart/form-data body of `parts`, in order.
fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "----podpis-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        write!(
            body,
            "--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
             content-type: application/octet-stream\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The OpenSSL PKI of these tests: a signer whose certificate names a CRL
/// distribution point served from `current.crl`, signatures by us and by
/// OpenSSL, and a server trusting its CA.
struct Fixture {
    pki: Pki,
}

impl Fixture {
    fn new() -> Fixture {
        let pki = Pki::with_served_crl("gost2012_256");
        let d = pki.path();
        for (out, detached) in [("doc.det.p7s", true), ("doc.att.p7s", false)] {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_podpis"));
            cmd.current_dir(d).args([
                "sign",
                "--key",
                "signer.key",
                "--cert",
                "signer.pem",
                "--in",
                "doc.txt",
                "--out",
                out,
            ]);
            if detached {
                cmd.arg("--detached");
            }
            run_ok(&mut cmd);
        }
        run_ok(openssl().current_dir(d).args([
            "cms",
            "-sign",
            "-binary",
            "-in",
            "doc.txt",
            "-signer",
            "signer.pem",
            "-inkey",
            "signer.key",
            "-md",
            "md_gost12_256",
            "-outform",
            "PEM",
            "-out",
            "openssl.det.pem",
        ]));
        Fixture { pki }
    }

    fn file(&self, name: &str) -> Vec<u8> {
        fs::read(self.pki.path().join(name)).unwrap()
    }
}

/// A fixture and a server over it with the default settings (each test
/// its own: a server left running by a static would outlive the tests).
fn setup() -> (Fixture, Server) {
    let f = Fixture::new();
    let s = Server::start(f.pki.path(), json!({}));
    (f, s)
}

fn signer(report: &Value) -> &Value {
    assert_eq!(report["signers"].as_array().unwrap().len(), 1, "{report}");
    &report["signers"][0]
}

#[test]
fn our_signatures_pass_attached_and_detached_in_either_order() {
    let (f, s) = setup();
    let (att, det, doc) = (
        f.file("doc.att.p7s"),
        f.file("doc.det.p7s"),
        f.file("doc.txt"),
    );

    let r = s.api(&[("signature", "doc.att.p7s", &att)], 200);
    assert_eq!(r["indication"], "TOTAL_PASSED", "{r}");
    let one = signer(&r);
    assert_eq!(one["signer"]["snils"], "11223344595");
    assert_eq!(one["digest_algorithm"], "streebog256");
    assert_eq!(one["chain"].as_array().unwrap().len(), 2);
    assert_eq!(one["chain"][1]["trust_anchor"], true);
    // Revocation from the CRL at the certificate's distribution point.
    assert_eq!(one["revocation"][0]["source"], "crl", "{r}");
    assert_eq!(one["revocation"][0]["status"], "good");

    // Detached: the signature first (the documented order), or the
    // document first (then hashed with both Streebog sizes).
    for parts in [
        [
            ("signature", "doc.det.p7s", &det[..]),
            ("document", "doc.txt", &doc[..]),
        ],
        [
            ("document", "doc.txt", &doc[..]),
            ("signature", "doc.det.p7s", &det[..]),
        ],
    ] {
        let r = s.api(&parts, 200);
        assert_eq!(r["indication"], "TOTAL_PASSED", "{r}");
        assert!(signer(&r)["warnings"].as_array().unwrap().is_empty(), "{r}");
    }

    // Without its document a detached signature cannot be judged.
    let r = s.api(&[("signature", "doc.det.p7s", &det)], 200);
    assert_eq!(r["indication"], "INDETERMINATE");
    assert_eq!(signer(&r)["sub_indication"], "SIGNED_DATA_NOT_FOUND");

    // An attached signature with another file beside it: the document
    // inside is verified, and the report says the file differs.
    let r = s.api(
        &[
            ("signature", "doc.att.p7s", &att),
            ("document", "other.txt", b"other"),
        ],
        200,
    );
    assert_eq!(r["indication"], "TOTAL_PASSED");
    assert_eq!(signer(&r)["warnings"][0]["code"], "VERIFY_DOCUMENT_DIFFERS");
    // The same document beside it: no warning.
    let r = s.api(
        &[
            ("signature", "doc.att.p7s", &att),
            ("document", "doc.txt", &doc),
        ],
        200,
    );
    assert!(signer(&r)["warnings"].as_array().unwrap().is_empty(), "{r}");

    // Bare base64 (as CryptoPro writes .sig files) reads too.
    let b64 = base64_of(&att);
    let r = s.api(&[("signature", "doc.sig", b64.as_bytes())], 200);
    assert_eq!(r["indication"], "TOTAL_PASSED", "{r}");
}

#[test]
fn an_openssl_signature_passes() {
    let (f, s) = setup();
    let r = s.api(
        &[
            ("signature", "openssl.det.pem", &f.file("openssl.det.pem")),
            ("document", "doc.txt", &f.file("doc.txt")),
        ],
        200,
    );
    assert_eq!(r["indication"], "TOTAL_PASSED", "{r}");
    assert_eq!(signer(&r)["signer"]["common_name"], "Иванов Иван");
}

#[test]
fn a_changed_document_fails_in_json_and_in_plain_words() {
    let (f, s) = setup();
    let det = f.file("doc.det.p7s");
    let mut changed = f.file("doc.txt");
    changed[10] ^= 1;
    let parts = [
        ("signature", "doc.det.p7s", &det[..]),
        ("document", "doc.txt", &changed[..]),
    ];
    let r = s.api(&parts, 200);
    assert_eq!(r["indication"], "TOTAL_FAILED", "{r}");
    assert_eq!(signer(&r)["sub_indication"], "HASH_FAILURE");
    assert_eq!(signer(&r)["failure"]["code"], "CMS_DIGEST_MISMATCH");

    // The page: Russian by default, English with the language cookie.
    let page = s.post("/verify", &parts, None);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Подпись недействительна"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Документ изменён после подписания"));
    assert!(page.body.contains("HASH_FAILURE") && page.body.contains("TOTAL_FAILED"));
    let en = s.post("/verify", &parts, Some("lang=en"));
    assert!(
        en.body.contains("The signature is not valid"),
        "{}",
        en.body
    );
    assert!(en.body.contains("The document was changed after signing"));
    assert!(!en.body.contains("Документ изменён"));
    // The right document on the page: valid, who signed, the path.
    let good = s.post(
        "/verify",
        &[
            ("signature", "doc.det.p7s", &det[..]),
            ("document", "doc.txt", &f.file("doc.txt")),
        ],
        None,
    );
    assert!(good.body.contains("Подпись действительна"), "{}", good.body);
    assert!(!good.body.contains("Документ изменён"));
    for text in [
        "Иванов Иван",
        "112-233-445 95",
        "Тестовый УЦ",
        "доверенный корень",
        "не отозван",
    ] {
        assert!(good.body.contains(text), "{text}: {}", good.body);
    }
}

#[test]
fn an_untrusted_signer_is_indeterminate_and_an_impostor_ca_fails() {
    let (_f, s) = setup();
    let podpis_sign = |dir: &Path, key: &str, cert: &str| {
        run_ok(
            Command::new(env!("CARGO_BIN_EXE_podpis"))
                .current_dir(dir)
                .args(["sign", "--key", key, "--cert", cert, "--in", "doc.txt"])
                .args(["--out", "doc.p7s"]),
        );
        fs::read(dir.join("doc.p7s")).unwrap()
    };
    // A signer whose certificate chains to no root on the trust list.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("doc.txt"), "Заявление\n").unwrap();
    run_ok(&mut req_x509(
        "gost2012_256",
        "A",
        "/CN=Чужой подписант/C=RU",
        30,
        &d.join("own.key"),
        &d.join("own.pem"),
    ));
    let sig = podpis_sign(d, "own.key", "own.pem");
    let r = s.api(&[("signature", "doc.p7s", &sig)], 200);
    assert_eq!(r["indication"], "INDETERMINATE", "{r}");
    assert_eq!(
        signer(&r)["sub_indication"],
        "NO_CERTIFICATE_CHAIN_FOUND",
        "{r}"
    );
    // Its certificate as an "additional certificate" does not make it
    // trusted.
    let own = fs::read(d.join("own.pem")).unwrap();
    let r = s.api(
        &[
            ("signature", "doc.p7s", &sig),
            ("certificates", "own.pem", &own),
        ],
        200,
    );
    assert_eq!(
        signer(&r)["sub_indication"],
        "NO_CERTIFICATE_CHAIN_FOUND",
        "{r}"
    );
    let page = s.post("/verify", &[("signature", "doc.p7s", &sig)], None);
    assert!(
        page.body.contains("Результат не определён"),
        "{}",
        page.body
    );
    assert!(page.body.contains("которому портал не доверяет"));

    // Another CA under the trusted root's very name: alone its signer has
    // no path (its key identifiers name another key); with that CA uploaded
    // beside it, the CA's certificate does not verify with the trusted
    // root's key — forged.
    let impostor = Pki::new("gost2012_512");
    let sig = podpis_sign(impostor.path(), "signer.key", "signer.pem");
    let r = s.api(&[("signature", "doc.p7s", &sig)], 200);
    assert_eq!(
        signer(&r)["sub_indication"],
        "NO_CERTIFICATE_CHAIN_FOUND",
        "{r}"
    );
    let ca = fs::read(impostor.path().join("ca.pem")).unwrap();
    let r = s.api(
        &[
            ("signature", "doc.p7s", &sig),
            ("certificates", "ca.pem", &ca),
        ],
        200,
    );
    assert_eq!(r["indication"], "TOTAL_FAILED", "{r}");
    assert_eq!(
        signer(&r)["failure"]["code"],
        "CERT_SIGNATURE_INVALID",
        "{r}"
    );
}

#[test]
fn garbage_gets_a_clear_answer() {
    let (_f, s) = setup();
    // Not a signature: a report that says so.
    let r = s.api(
        &[("signature", "x.p7s", b"%PDF-1.7 this is not a signature")],
        200,
    );
    assert_eq!(r["indication"], "TOTAL_FAILED");
    assert_eq!(signer(&r)["sub_indication"], "FORMAT_FAILURE");
    assert_eq!(signer(&r)["failure"]["code"], "CMS_MALFORMED");
    let page = s.post("/verify", &[("signature", "x.p7s", b"garbage")], None);
    assert!(
        page.body
            .contains("Файл подписи повреждён или это не подпись"),
        "{}",
        page.body
    );

    // Not an upload at all, or without a signature: an error with its code.
    for (content_type, body, status, code) in [
        (
            "application/json",
            b"{}".to_vec(),
            415,
            "VERIFY_NOT_MULTIPART",
        ),
        (
            &multipart(&[("document", "doc.txt", b"text")]).0[..],
            multipart(&[("document", "doc.txt", b"text")]).1,
            400,
            "VERIFY_SIGNATURE_MISSING",
        ),
        (
            &multipart(&[("signature", "x", b"x"), ("password", "p", b"p")]).0[..],
            multipart(&[("signature", "x", b"x"), ("password", "p", b"p")]).1,
            400,
            "VERIFY_UNKNOWN_PART",
        ),
        (
            &multipart(&[("signature", "x", b"x"), ("signature", "y", b"y")]).0[..],
            multipart(&[("signature", "x", b"x"), ("signature", "y", b"y")]).1,
            400,
            "VERIFY_DUPLICATE_PART",
        ),
        (
            "multipart/form-data; boundary=zzz",
            b"--zzz\r\nno headers end".to_vec(),
            400,
            "VERIFY_UPLOAD_FAILED",
        ),
    ] {
        let r = s.post_raw("/api/v1/verify", content_type, body, None);
        assert_eq!(r.status, status, "{code}: {}", r.body);
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["code"], code);
        assert!(
            v["message_ru"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('а'..='я').contains(&c))
        );
        assert!(!v["message_en"].as_str().unwrap().is_empty());
    }
    // The form without a file: the page with the error box, in Russian.
    let page = s.post("/verify", &[("signature", "", b"")], None);
    assert_eq!(page.status, 400);
    assert!(page.body.contains("VERIFY_SIGNATURE_MISSING"));
    assert!(page.body.contains("Не выбран файл подписи"));
}

#[test]
fn uploads_over_the_limits_are_refused_and_nothing_is_stored() {
    let f = Fixture::new();
    let s = Server::start(
        f.pki.path(),
        json!({ "max_document_bytes": 65536, "max_signature_bytes": 16384 }),
    );
    let listing = || {
        let mut names: Vec<_> = walk(&f.pki.path().join("data"));
        names.sort();
        names
    };
    // Everything the server makes at start is there once it answers.
    assert_eq!(s.get("/verify").status, 200);
    let before = listing();
    let det = f.file("doc.det.p7s");
    let big = vec![b'x'; 300_000];
    // The document part over its limit: read and dropped, the error read by
    // the client that is still sending.
    let r = s.api(
        &[
            ("signature", "doc.det.p7s", &det),
            ("document", "big.bin", &big),
        ],
        413,
    );
    assert_eq!(r["code"], "VERIFY_DOCUMENT_TOO_LARGE");
    assert!(r["message_en"].as_str().unwrap().contains("65536 B"), "{r}");
    assert!(r["message_ru"].as_str().unwrap().contains("65536 B"), "{r}");
    // Just under: judged (the wrong document, so HASH_FAILURE).
    let r = s.api(
        &[
            ("signature", "doc.det.p7s", &det),
            ("document", "ok.bin", &big[..65536]),
        ],
        200,
    );
    assert_eq!(signer(&r)["sub_indication"], "HASH_FAILURE");
    let r = s.api(&[("signature", "big.p7s", &big[..20_000])], 413);
    assert_eq!(r["code"], "VERIFY_SIGNATURE_TOO_LARGE");
    // The page says it in words, with the code.
    let page = s.post(
        "/verify",
        &[
            ("signature", "doc.det.p7s", &det),
            ("document", "big.bin", &big),
        ],
        None,
    );
    assert_eq!(page.status, 413);
    assert!(
        page.body.contains("VERIFY_DOCUMENT_TOO_LARGE") && page.body.contains("Документ больше")
    );
    // A request that declares more than every limit together is refused
    // before any of it is read.
    let mut tcp = TcpStream::connect(s.base.trim_start_matches("http://")).unwrap();
    write!(
        tcp,
        "POST /api/v1/verify HTTP/1.1\r\nhost: x\r\ncontent-type: multipart/form-data; boundary=b\r\n\
         content-length: 1000000000000\r\n\r\n"
    )
    .unwrap();
    let mut head = [0u8; 4096];
    let n = tcp.read(&mut head).unwrap();
    let text = String::from_utf8_lossy(&head[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("VERIFY_UPLOAD_TOO_LARGE"), "{text}");
    assert_eq!(listing(), before, "the service stored something");
}

/// The files below `dir`, relative.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

#[test]
fn the_form_works_without_javascript() {
    let (_f, s) = setup();
    let form = s.get("/verify");
    assert_eq!(form.status, 200);
    let b = &form.body;
    assert!(b.contains(r#"<form id="verify-form" method="post" action="/verify" enctype="multipart/form-data">"#), "{b}");
    for input in [
        r#"name="signature""#,
        r#"name="document""#,
        r#"name="certificates""#,
    ] {
        assert!(b.contains(input), "{input}");
    }
    assert!(b.contains("Проверка электронной подписи") && b.contains("100 MiB"));
    // Scripts only from the site's own file; the CSP forbids inline ones.
    assert!(
        !b.contains("<script>") && b.contains(r#"<script src="/static/verify.js" defer></script>"#)
    );
    let csp = form.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let js = s.get("/static/verify.js");
    assert_eq!(js.status, 200);
    assert!(
        js.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(js.body.contains("upload.addEventListener('progress'"));
    // English on request; linked from every page's header.
    let en = s.get("/verify?lang=en");
    assert!(en.body.contains("Electronic signature verification"));
    let login = s.get("/login");
    assert!(
        login
            .body
            .contains(r#"<a href="/verify">Проверить подпись</a>"#),
        "{}",
        login.body
    );
}

/// How a corpus signature is expected to come out, from its manifest entry.
#[derive(Debug)]
enum Expected {
    /// Not a SignedData at all (EnvelopedData, DigestedData).
    NotSigned,
    /// A signature by an algorithm we do not accept (GOST R 34.11-94).
    OldAlgorithm,
    /// Valid with these certificates beside it (`-certfile`).
    ValidWith(String),
}

fn expected(entry: &Value) -> Option<Expected> {
    let path = entry["path"].as_str()?;
    if !path.starts_with("cms/") || !path.ends_with(".der") {
        return None;
    }
    let what = format!("{} {}", entry["expected"].as_str()?, entry["alg"].as_str()?);
    // The enveloped and digested samples: "parse only", "decrypt with …",
    // "-digest_verify" — none is a signature.
    if what.contains("EnvelopedData")
        || what.contains("DigestedData")
        || path.contains("_enveloped_")
        || path.contains("_digested_")
    {
        return Some(Expected::NotSigned);
    }
    if what.contains("34.11-94") {
        return Some(Expected::OldAlgorithm);
    }
    let certfile = what.split("-certfile ").nth(1)?.split([' ', ';']).next()?;
    // `tk26iok_example_{256,512}.der`: the one of this file's size.
    let bits = if path.contains("512") { "512" } else { "256" };
    Some(Expected::ValidWith(certfile.replace("{256,512}", bits)))
}

#[test]
fn the_interop_corpus_comes_out_as_its_manifest_says() {
    let (_f, s) = setup();
    let manifest: Value =
        serde_json::from_slice(&fs::read(corpus().join("manifest.json")).unwrap()).unwrap();
    let mut seen = 0;
    for entry in manifest["files"].as_array().unwrap() {
        let Some(expect) = expected(entry) else {
            continue;
        };
        let path = entry["path"].as_str().unwrap();
        let sig = fs::read(corpus().join(path)).unwrap();
        let r = s.api(&[("signature", path, &sig)], 200);
        let one = signer(&r);
        match &expect {
            Expected::NotSigned => {
                assert_eq!(one["sub_indication"], "FORMAT_FAILURE", "{path}: {r}");
                assert_eq!(one["failure"]["code"], "CMS_NOT_SIGNED_DATA", "{path}");
            }
            Expected::OldAlgorithm => {
                assert_eq!(
                    one["sub_indication"], "CRYPTO_CONSTRAINTS_FAILURE",
                    "{path}: {r}"
                );
                assert_eq!(
                    one["failure"]["code"], "CMS_UNSUPPORTED_ALGORITHM",
                    "{path}"
                );
            }
            Expected::ValidWith(certfile) => {
                // No certificate inside: it is asked for.
                assert_eq!(
                    one["sub_indication"], "NO_SIGNING_CERTIFICATE_FOUND",
                    "{path}: {r}"
                );
                // With it beside the signature the signature value and the
                // content verify; its self-signed example certificate is
                // on no trust list, which is what is left.
                let cert = fs::read(corpus().join(certfile)).unwrap();
                let r = s.api(
                    &[("signature", path, &sig), ("certificates", certfile, &cert)],
                    200,
                );
                let one = signer(&r);
                assert_eq!(r["indication"], "INDETERMINATE", "{path}: {r}");
                assert_eq!(
                    one["sub_indication"], "NO_CERTIFICATE_CHAIN_FOUND",
                    "{path}: {r}"
                );
                assert!(one["signer"]["subject"].is_string(), "{path}: {r}");
            }
        }
        seen += 1;
    }
    // Every signed, enveloped and digested sample of the corpus.
    assert!(seen >= 9, "{seen}");
}

fn base64_of(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 16 == 0 {
            out.push('\n');
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
