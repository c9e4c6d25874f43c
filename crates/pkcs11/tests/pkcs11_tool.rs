//! The module under a real PKCS#11 client, OpenSC's `pkcs11-tool`: slots,
//! mechanisms, login, key generation, signing — with every signature
//! verified by OpenSSL's GOST engine against the exported public key — and
//! the PIN counters, SO unblock, the exportable flag and PFX-imported
//! certificates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../pki/tests/support/mod.rs"]
mod support;

mod p11;

use std::path::Path;

use der::Encode;
use gost::{ParamSet, VerifyingKey};
use p11::{PIN, SO_PIN, container, fails_with, objects, ok, run, tool};
use pki::Diagnostic;
use support::{openssl, run_ok};
use token::container::Container;

#[test]
fn slots_tokens_and_mechanisms() {
    let dir = support::tempdir();
    let alpha = container(dir.path(), "alpha.podpis");
    let beta = container(dir.path(), "beta.podpis");
    let missing = dir.path().join("missing.podpis");
    let listing = ok(tool(&[&alpha, &beta, &missing]).arg("-L"));
    assert!(
        listing.contains("Slot 0 (0x0): podpis container"),
        "{listing}"
    );
    assert!(listing.contains("token label        : alpha"), "{listing}");
    assert!(listing.contains("token label        : beta"), "{listing}");
    assert!(listing.contains("token manufacturer : podpis"), "{listing}");
    assert!(
        listing.contains("login required, rng, token initialized, PIN initialized"),
        "{listing}"
    );
    // The missing container is a slot without a token.
    let slot2 = &listing[listing.find("Slot 2").unwrap()..];
    assert!(slot2.contains("(empty)"), "{listing}");
    assert!(!slot2.contains("token label"), "{listing}");

    // Serials: stable across loads, distinct between containers.
    let serials = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("serial num         : "))
            .map(str::to_owned)
            .collect()
    };
    let first = serials(&listing);
    assert_eq!(first.len(), 2);
    assert_ne!(first[0], first[1]);
    assert_eq!(first[0].len(), 16);
    assert_eq!(serials(&ok(tool(&[&alpha, &beta]).arg("-L"))), first);

    let mechs = ok(tool(&[&alpha]).args(["-M", "--slot", "0"]));
    for name in [
        "GOSTR3410-KEY-PAIR-GEN, keySize={256,256}, generate_key_pair",
        "GOSTR3410-512-KEY-PAIR-GEN, keySize={512,512}, generate_key_pair",
        "GOSTR3410, keySize={256,256}, sign, verify",
        "GOSTR3410_512, keySize={512,512}, sign, verify",
        "GOSTR3410-WITH-GOSTR3411-12-256, keySize={256,256}, sign, verify",
        "GOSTR3410-WITH-GOSTR3411-12-512, keySize={512,512}, sign, verify",
        "GOSTR3411-12-256, digest",
        "GOSTR3411-12-512, digest",
    ] {
        assert!(mechs.contains(name), "no {name} in\n{mechs}");
    }
    assert_eq!(mechs.lines().filter(|l| l.starts_with("  ")).count(), 8);
    fails_with(
        tool(&[&alpha]).args(["-M", "--slot", "7"]),
        "CKR_SLOT_ID_INVALID",
    );
}

#[test]
fn configuration_file_names_tokens_and_labels() {
    let dir = support::tempdir();
    container(dir.path(), "ivanov.podpis");
    let cfg = dir.path().join("pkcs11.toml");
    std::fs::write(
        &cfg,
        "[[token]]\npath = \"ivanov.podpis\"\nlabel = \"Иванов И. И.\"\n",
    )
    .unwrap();
    let mut cmd = tool(&[]);
    cmd.env_remove("PODPIS_TOKEN_PATH")
        .env("PODPIS_PKCS11_CONFIG", &cfg);
    let listing = ok(cmd.arg("-L"));
    assert!(
        listing.contains("token label        : Иванов И. И."),
        "{listing}"
    );

    // A broken file fails C_Initialize and says why on stderr.
    std::fs::write(&cfg, "[[token]]\nlabel = \"no path\"\n").unwrap();
    let mut cmd = tool(&[]);
    cmd.env_remove("PODPIS_TOKEN_PATH")
        .env("PODPIS_PKCS11_CONFIG", &cfg);
    let text = fails_with(cmd.arg("-L"), "CKR_GENERAL_ERROR");
    assert!(text.contains("PKCS11_CONFIG_INVALID"), "{text}");
}

/// Generates a key pair with `pkcs11-tool`, signs with the raw and the
/// with-hash mechanisms, and verifies both signatures with OpenSSL using
/// the public key `pkcs11-tool -O` exported.
fn generate_sign_verify(key_type: &str, param_set: ParamSet, raw: &str, with_hash: &str) {
    let dir = support::tempdir();
    let token = container(dir.path(), "t.podpis");
    let t = [token.as_path()];
    let generated = ok(tool(&t)
        .args(["--login", "--pin", PIN, "--keypairgen"])
        .args([
            "--key-type",
            key_type,
            "--id",
            "a1b2",
            "--label",
            "signing key",
        ]));
    assert!(generated.contains("Key pair generated"), "{generated}");

    // The container holds it: the CKA_ID is the id, not exportable.
    let keys = Container::open(&token).unwrap().keys().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(
        (keys[0].id.as_str(), keys[0].label.as_str()),
        ("a1b2", "signing key")
    );
    assert_eq!(keys[0].param_set, param_set);
    assert!(!keys[0].exportable);

    // Without a login only the public key shows.
    let listed = objects(&ok(tool(&t).arg("-O")));
    assert_eq!(listed.len(), 1, "{listed:?}");
    let public = &listed[0];
    assert!(
        public.header.starts_with("Public Key Object; GOSTR3410"),
        "{public:?}"
    );
    assert_eq!(public.field("ID"), Some("a1b2"));
    assert_eq!(
        public.field("PARAMS OID").unwrap(),
        hex::encode(param_set.oid().to_der().unwrap())
    );
    let value = hex::decode(public.field("VALUE").unwrap()).unwrap();
    assert_eq!(value.len(), 2 * param_set.field_bytes());
    assert_eq!(value, keys[0].public_key);
    let pem = VerifyingKey::from_le_bytes(param_set, &value)
        .unwrap()
        .to_public_key_pem()
        .unwrap();
    let pub_pem = dir.path().join("pub.pem");
    std::fs::write(&pub_pem, pem).unwrap();

    let size = param_set.key_size();
    let md = support::digest_name(size);
    let msg = dir.path().join("msg.txt");
    std::fs::write(&msg, "Заявление на получение услуги №42\n").unwrap();
    let digest = dir.path().join("msg.dgst");
    run_ok(
        openssl()
            .args(["dgst", &format!("-{md}"), "-binary", "-out"])
            .arg(&digest)
            .arg(&msg),
    );

    let sign = |mechanism: &str, input: &Path, output: &Path| {
        ok(tool(&t)
            .args([
                "--login", "--pin", PIN, "--sign", "-m", mechanism, "--id", "a1b2",
            ])
            .arg("-i")
            .arg(input)
            .arg("-o")
            .arg(output))
    };
    let sig_raw = dir.path().join("raw.sig");
    let sig_hash = dir.path().join("hash.sig");
    sign(raw, &digest, &sig_raw);
    sign(with_hash, &msg, &sig_hash);
    for sig in [&sig_raw, &sig_hash] {
        assert_eq!(
            std::fs::read(sig).unwrap().len(),
            2 * param_set.field_bytes()
        );
        // `s ‖ r` big-endian: what OpenSSL's GOST engine reads.
        let out = run_ok(
            openssl()
                .args(["dgst", &format!("-{md}"), "-verify"])
                .arg(&pub_pem)
                .arg("-signature")
                .arg(sig)
                .arg(&msg),
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("Verified OK"));
    }
    run_ok(
        openssl()
            .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
            .arg(&pub_pem)
            .arg("-in")
            .arg(&digest)
            .arg("-sigfile")
            .arg(&sig_raw),
    );

    // Negative: another message does not verify; the other size's
    // mechanism is refused; a raw mechanism takes only a digest (C_Sign says
    // CKR_DATA_LEN_RANGE, pkcs11-tool then retries part by part, which the
    // single-part mechanism refuses).
    let other = dir.path().join("other.txt");
    std::fs::write(&other, "Заявление на получение услуги №43\n").unwrap();
    let out = openssl()
        .args(["dgst", &format!("-{md}"), "-verify"])
        .arg(&pub_pem)
        .arg("-signature")
        .arg(&sig_hash)
        .arg(&other)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let sig = dir.path().join("x.sig");
    fails_with(
        tool(&t)
            .args(["--login", "--pin", PIN, "--sign", "-m", raw, "--id", "a1b2"])
            .arg("-i")
            .arg(&msg)
            .arg("-o")
            .arg(&sig),
        "C_SignUpdate failed: rv = CKR_FUNCTION_NOT_SUPPORTED",
    );
    let other_raw = if raw == "GOSTR3410" {
        "GOSTR3410_512"
    } else {
        "GOSTR3410"
    };
    fails_with(
        tool(&t)
            .args([
                "--login", "--pin", PIN, "--sign", "-m", other_raw, "--id", "a1b2",
            ])
            .arg("-i")
            .arg(&digest)
            .arg("-o")
            .arg(&sig),
        "CKR_KEY_TYPE_INCONSISTENT",
    );

    // After a login the private key shows too: sensitive, not extractable.
    let listed = objects(&ok(tool(&t).args(["--login", "--pin", PIN, "-O"])));
    let private = listed
        .iter()
        .find(|o| o.header.starts_with("Private Key Object"))
        .unwrap();
    assert_eq!(private.field("label"), Some("signing key"));
    assert_eq!(private.field("Access"), Some("sensitive"));
    assert_eq!(private.field("Usage"), Some("sign"));
}

#[test]
fn generate_sign_verify_256_tc26_a() {
    generate_sign_verify(
        "GOSTR3410-2012-256:A",
        ParamSet::Tc26A256,
        "GOSTR3410",
        "GOSTR3410-WITH-GOSTR3411-12-256",
    );
}

#[test]
fn generate_sign_verify_256_on_the_cryptopro_a_curve() {
    // pkcs11-tool's "2012-256:B" is the CryptoPro-A OID with Streebog-256.
    generate_sign_verify(
        "GOSTR3410-2012-256:B",
        ParamSet::CryptoProA,
        "GOSTR3410",
        "GOSTR3410-WITH-GOSTR3411-12-256",
    );
}

#[test]
fn generate_sign_verify_512() {
    generate_sign_verify(
        "GOSTR3410-2012-512:A",
        ParamSet::Tc26A512,
        "GOSTR3410_512",
        "GOSTR3410-WITH-GOSTR3411-12-512",
    );
    generate_sign_verify(
        "GOSTR3410-2012-512:C",
        ParamSet::Tc26C512,
        "GOSTR3410_512",
        "GOSTR3410-WITH-GOSTR3411-12-512",
    );
}

#[test]
fn wrong_pins_count_down_lock_and_the_so_pin_unblocks() {
    let dir = support::tempdir();
    let token = container(dir.path(), "t.podpis");
    let t = [token.as_path()];
    let c = Container::open(&token).unwrap();
    let flags = || ok(tool(&t).arg("-T"));
    let login = |pin: &str| {
        tool(&t)
            .args(["--login", "--pin", pin, "-O"])
            .output()
            .unwrap()
    };

    fails_with(
        tool(&t).args(["--login", "--pin", "0000", "-O"]),
        "CKR_PIN_INCORRECT",
    );
    assert_eq!(c.user_tries_left().unwrap(), 2);
    let f = flags();
    assert!(
        f.contains("user PIN count low") && !f.contains("final user PIN try"),
        "{f}"
    );
    fails_with(
        tool(&t).args(["--login", "--pin", "0000", "-O"]),
        "CKR_PIN_INCORRECT",
    );
    assert_eq!(c.user_tries_left().unwrap(), 1);
    assert!(flags().contains("final user PIN try"));
    fails_with(
        tool(&t).args(["--login", "--pin", "0000", "-O"]),
        "CKR_PIN_LOCKED",
    );
    assert_eq!(c.user_tries_left().unwrap(), 0);
    assert!(flags().contains("user PIN locked"));
    // Locked: the right PIN is refused too, and no try is spent.
    fails_with(
        tool(&t).args(["--login", "--pin", PIN, "-O"]),
        "CKR_PIN_LOCKED",
    );
    assert!(!login(PIN).status.success());

    // A wrong SO PIN counts on the SO counter.
    fails_with(
        tool(&t).args([
            "--init-pin",
            "--login",
            "--login-type",
            "so",
            "--so-pin",
            "bad-so",
            "--new-pin",
            "2468",
        ]),
        "CKR_PIN_INCORRECT",
    );
    assert_eq!(c.so_tries_left().unwrap(), 9);
    assert!(flags().contains("SO PIN count low"));
    let text = ok(tool(&t).args([
        "--init-pin",
        "--login",
        "--login-type",
        "so",
        "--so-pin",
        SO_PIN,
        "--new-pin",
        "2468",
    ]));
    assert!(text.contains("User PIN successfully initialized"), "{text}");
    assert_eq!(c.user_tries_left().unwrap(), 3);
    assert_eq!(c.so_tries_left().unwrap(), 10);
    let f = flags();
    assert!(!f.contains("locked") && !f.contains("count low"), "{f}");
    fails_with(
        tool(&t).args(["--login", "--pin", PIN, "-O"]),
        "CKR_PIN_INCORRECT",
    );
    ok(tool(&t).args(["--login", "--pin", "2468", "-O"]));

    // C_SetPIN changes the user PIN (the old one is checked).
    fails_with(
        tool(&t).args([
            "--change-pin",
            "--login",
            "--pin",
            "9999",
            "--new-pin",
            "1357",
        ]),
        "CKR_PIN_INCORRECT",
    );
    let text = ok(tool(&t).args([
        "--change-pin",
        "--login",
        "--pin",
        "2468",
        "--new-pin",
        "1357",
    ]));
    assert!(text.contains("PIN successfully changed"), "{text}");
    c.login("1357").unwrap();
    assert_eq!(c.login("2468").unwrap_err().code(), "PIN_INCORRECT");
}

#[test]
fn extractable_is_the_containers_exportable_flag() {
    let dir = support::tempdir();
    let token = container(dir.path(), "t.podpis");
    let t = [token.as_path()];
    let keygen = |id: &str, extra: &[&str]| {
        ok(tool(&t)
            .args(["--login", "--pin", PIN, "--keypairgen"])
            .args(["--key-type", "GOSTR3410-2012-256:A", "--id", id])
            .args(extra))
    };
    keygen("01", &[]);
    keygen("02", &["--extractable"]);
    let c = Container::open(&token).unwrap();
    let session = c.login(PIN).unwrap();
    let keys = c.keys().unwrap();
    let key = |id: &str| keys.iter().find(|k| k.id == id).unwrap();
    // Not extractable: the container refuses to export it.
    assert!(!key("01").exportable);
    assert_eq!(
        session.export_key("01").unwrap_err().code(),
        "KEY_NOT_EXPORTABLE"
    );
    assert!(key("02").exportable);
    let pkcs8 = session.export_key("02").unwrap();
    let exported = gost::SigningKey::from_pkcs8_der(&pkcs8).unwrap();
    assert_eq!(exported.verifying_key().to_le_bytes(), key("02").public_key);

    let listed = objects(&ok(
        tool(&t).args(["--login", "--pin", PIN, "-O", "--type", "privkey"])
    ));
    let access: Vec<_> = listed
        .iter()
        .map(|o| (o.field("ID"), o.field("Access")))
        .collect();
    assert!(
        access.contains(&(Some("01"), Some("sensitive"))),
        "{access:?}"
    );
    assert!(
        access.contains(&(Some("02"), Some("sensitive, extractable"))),
        "{access:?}"
    );

    // An id already taken is refused.
    fails_with(
        tool(&t)
            .args(["--login", "--pin", PIN, "--keypairgen"])
            .args(["--key-type", "GOSTR3410-2012-256:A", "--id", "01"]),
        "CKR_ATTRIBUTE_VALUE_INVALID",
    );
    assert_eq!(c.keys().unwrap().len(), 2);
}

#[test]
fn pfx_import_shows_key_and_certificate() {
    let dir = support::tempdir();
    let key_pem = dir.path().join("key.pem");
    let cert_pem = dir.path().join("cert.pem");
    run_ok(&mut support::req_x509(
        "gost2012_256",
        "A",
        "/CN=Петров Пётр/O=Тест",
        30,
        &key_pem,
        &cert_pem,
    ));
    let pfx = dir.path().join("petrov.pfx");
    run_ok(
        openssl()
            .args(["pkcs12", "-export", "-inkey"])
            .arg(&key_pem)
            .arg("-in")
            .arg(&cert_pem)
            .args(["-name", "petrov", "-passout", "pass:secret", "-out"])
            .arg(&pfx),
    );
    // What `podpis token import` does: read the PFX, import each key with
    // its certificate.
    let token = container(dir.path(), "t.podpis");
    let contents = token::pfx::import_pfx(&std::fs::read(&pfx).unwrap(), "secret").unwrap();
    let c = Container::open(&token).unwrap();
    let session = c.login(PIN).unwrap();
    let entry = &contents[0];
    let id = session
        .import_key(&entry.key, entry.friendly_name.as_deref().unwrap(), false)
        .unwrap();
    let cert_der = entry.certificate.as_ref().unwrap().to_der().unwrap();
    session.store_certificate(&id, &cert_der).unwrap();
    drop(session);

    let t = [token.as_path()];
    let listed = objects(&ok(tool(&t).arg("-O")));
    let cert = listed
        .iter()
        .find(|o| {
            o.header
                .starts_with("Certificate Object; type = X.509 cert")
        })
        .unwrap_or_else(|| panic!("{listed:?}"));
    assert_eq!(cert.field("label"), Some("petrov"));
    assert_eq!(cert.field("ID"), Some(id.as_str()));
    // pkcs11-tool prints CKA_SUBJECT (DER Name) with non-ASCII octets escaped.
    assert!(
        cert.field("subject").unwrap().starts_with("DN: CN="),
        "{cert:?}"
    );
    assert_eq!(listed.len(), 2, "public key and certificate: {listed:?}");

    let read = dir.path().join("read.der");
    ok(tool(&t)
        .args(["--read-object", "--type", "cert", "--id", &id, "-o"])
        .arg(&read));
    assert_eq!(std::fs::read(&read).unwrap(), cert_der);

    // The imported key signs; OpenSSL verifies with the certificate's key.
    let msg = dir.path().join("msg");
    std::fs::write(&msg, b"imported").unwrap();
    let sig = dir.path().join("sig");
    ok(tool(&t)
        .args([
            "--login",
            "--pin",
            PIN,
            "--sign",
            "-m",
            "GOSTR3410-WITH-GOSTR3411-12-256",
        ])
        .args(["--id", &id, "-i"])
        .arg(&msg)
        .arg("-o")
        .arg(&sig));
    let pub_pem = dir.path().join("pub.pem");
    run_ok(
        openssl()
            .args(["x509", "-pubkey", "-noout", "-in"])
            .arg(&cert_pem)
            .arg("-out")
            .arg(&pub_pem),
    );
    let out = run_ok(
        openssl()
            .args(["dgst", "-md_gost12_256", "-verify"])
            .arg(&pub_pem)
            .arg("-signature")
            .arg(&sig)
            .arg(&msg),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Verified OK"));
}

#[test]
fn digest_matches_openssl() {
    let dir = support::tempdir();
    let token = container(dir.path(), "t.podpis");
    let msg = dir.path().join("msg");
    std::fs::write(&msg, "Стрибог".repeat(100)).unwrap();
    for (mech, md) in [
        ("GOSTR3411-12-256", "md_gost12_256"),
        ("GOSTR3411-12-512", "md_gost12_512"),
    ] {
        let ours = dir.path().join("ours");
        ok(tool(&[&token])
            .args(["--hash", "-m", mech, "-i"])
            .arg(&msg)
            .arg("-o")
            .arg(&ours));
        let out = run_ok(
            openssl()
                .args(["dgst", &format!("-{md}"), "-binary"])
                .arg(&msg),
        );
        assert_eq!(std::fs::read(&ours).unwrap(), out.stdout, "{mech}");
    }
    let (success, _) = run(tool(&[&token])
        .args(["--hash", "-m", "SHA256", "-i"])
        .arg(&msg));
    assert!(!success);
}
