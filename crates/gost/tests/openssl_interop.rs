//! Cross-checks with OpenSSL and its GOST engine on every production
//! parameter set, in both directions:
//!
//! * keys made by `openssl genpkey` load with our PKCS#8 reader, derive the
//!   public key `openssl pkey -pubout` prints (whose SubjectPublicKeyInfo we
//!   re-encode byte for byte), and our signatures over random messages verify
//!   in `openssl dgst -verify` (a few bit-flipped ones must not);
//! * keys made by us load in OpenSSL (same d, same public key, our
//!   SubjectPublicKeyInfo re-encoded unchanged), OpenSSL's `dgst -sign`
//!   signatures verify with our code, and bit-flipped ones are rejected.
//!
//! The signature files OpenSSL's GOST engine reads and writes are `s ‖ r`,
//! exactly [`Signature::to_bytes`]; that every verification below succeeds
//! is the check of it.
//!
//! OpenSSL and the engine are required: without them the test fails and
//! says how to install them (`scripts/test` does).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use digest::Digest;
use gost::streebog::{Streebog256, Streebog512};
use gost::{KeySize, ParamSet, Signature, SigningKey, VerifyingKey};

/// Random messages signed per parameter set and direction.
const MESSAGES: usize = 100;
/// Our signatures deliberately corrupted per parameter set, which OpenSSL
/// must reject (shows the oracle is not accepting everything).
const CORRUPTED_FOR_OPENSSL: usize = 3;

fn digest(params: ParamSet, msg: &[u8]) -> Vec<u8> {
    match params.key_size() {
        KeySize::Bits256 => Streebog256::digest(msg).to_vec(),
        KeySize::Bits512 => Streebog512::digest(msg).to_vec(),
    }
}

fn algorithm(params: ParamSet) -> &'static str {
    match params.key_size() {
        KeySize::Bits256 => "gost2012_256",
        KeySize::Bits512 => "gost2012_512",
    }
}

fn md(params: ParamSet) -> &'static str {
    match params.key_size() {
        KeySize::Bits256 => "-md_gost12_256",
        KeySize::Bits512 => "-md_gost12_512",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Fails the test (never skips it) unless `openssl` with the GOST engine runs.
fn require_openssl_gost() {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        let out = Command::new("openssl")
            .args(["engine", "-t", "gost"])
            .output()
            .map_err(|e| format!("cannot run `openssl`: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        if out.status.success() && text.contains("[ available ]") {
            Ok(())
        } else {
            Err(format!(
                "OpenSSL's GOST engine is not available (`openssl engine -t gost` said: {}{})",
                text.trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    });
    if let Err(why) = ready {
        panic!(
            "{why}.\nThis test needs OpenSSL 3 with the GOST engine \
             (Debian/Ubuntu: libengine-gost-openssl). Run scripts/test, which installs it."
        );
    }
}

/// Runs `openssl ARGS` in `dir`; panics with its stderr on failure.
fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs a shell script in `dir` and returns its stdout.
fn sh(dir: &Path, script: &str) -> String {
    let out = Command::new("bash")
        .args(["-c", script])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "script failed: {script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `MESSAGES` random messages of random lengths (the first one empty), from
/// a random seed printed with any failure.
fn random_messages() -> (String, Vec<Vec<u8>>) {
    let mut seed = [0u8; 16];
    getrandom::fill(&mut seed).unwrap();
    let messages = (0..MESSAGES)
        .map(|i| {
            let block = Streebog512::new()
                .chain_update(seed)
                .chain_update((i as u64).to_be_bytes())
                .finalize();
            let len = if i == 0 {
                0
            } else {
                usize::from(u16::from_be_bytes([block[0], block[1]]) % 700)
            };
            (0..len)
                .map(|j| {
                    Streebog256::digest([&block[..], &(j as u64).to_be_bytes()].concat())[j % 32]
                })
                .collect()
        })
        .collect();
    (hex(&seed), messages)
}

/// The private scalar as `openssl pkey -text` prints it, big-endian and
/// padded to the field width.
fn openssl_private_scalar(dir: &Path, key_file: &str, params: ParamSet) -> Vec<u8> {
    let text = String::from_utf8(openssl(
        dir,
        &[
            "pkey", "-engine", "gost", "-in", key_file, "-text", "-noout",
        ],
    ))
    .unwrap();
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Private key:"))
        .expect("private key line");
    let digits = format!("{:0>width$}", line.trim(), width = 2 * params.field_bytes());
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

/// Direction (a) for one parameter set; returns failures, one per line.
fn openssl_key_our_signatures(params: ParamSet) -> Vec<String> {
    let name = params.openssl_name().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut failures = Vec::new();

    openssl(
        d,
        &[
            "genpkey",
            "-engine",
            "gost",
            "-algorithm",
            algorithm(params),
            "-pkeyopt",
            &format!("paramset:{name}"),
            "-out",
            "key.pem",
        ],
    );
    openssl(
        d,
        &[
            "pkey", "-engine", "gost", "-in", "key.pem", "-pubout", "-out", "pub.pem",
        ],
    );
    let key_pem = fs::read_to_string(d.join("key.pem")).unwrap();
    let pub_pem = fs::read_to_string(d.join("pub.pem")).unwrap();

    let key = SigningKey::from_pkcs8_pem(&key_pem)
        .unwrap_or_else(|e| panic!("{params}: our reader: {e}\n{key_pem}"));
    assert_eq!(
        key.param_set(),
        params,
        "{params}: parameter set read from OpenSSL's key"
    );
    assert_eq!(
        key.to_bytes().as_slice(),
        openssl_private_scalar(d, "key.pem", params).as_slice(),
        "{params}: d differs from `openssl pkey -text`"
    );
    let public = VerifyingKey::from_public_key_pem(&pub_pem)
        .unwrap_or_else(|e| panic!("{params}: {e}\n{pub_pem}"));
    if key.verifying_key() != public {
        failures.push(format!(
            "{params}: our d·G differs from OpenSSL's public key\n{key_pem}"
        ));
    }
    if public.to_public_key_pem().unwrap() != pub_pem {
        failures.push(format!(
            "{params}: our SubjectPublicKeyInfo is not byte-identical to OpenSSL's\n{pub_pem}"
        ));
    }

    let (seed, messages) = random_messages();
    let mut signatures = Vec::new();
    for (i, msg) in messages.iter().enumerate() {
        let sig = key.sign_digest(&digest(params, msg)).unwrap();
        fs::write(d.join(format!("m{i}")), msg).unwrap();
        fs::write(d.join(format!("s{i}")), sig.to_bytes()).unwrap();
        signatures.push(sig);
    }
    for (i, sig) in signatures.iter().take(CORRUPTED_FOR_OPENSSL).enumerate() {
        let mut bad = sig.to_bytes();
        let at = (7 * i + 3) % bad.len();
        bad[at] ^= 0x10;
        fs::write(d.join(format!("bad{i}")), bad).unwrap();
    }
    let md = md(params);
    let report = sh(
        d,
        &format!(
            "for i in $(seq 0 {last}); do \
               openssl dgst -engine gost {md} -verify pub.pem -signature s$i m$i >/dev/null 2>&1 || echo \"REJECTED $i\"; \
             done; \
             for i in $(seq 0 {last_bad}); do \
               openssl dgst -engine gost {md} -verify pub.pem -signature bad$i m$i >/dev/null 2>&1 && echo \"ACCEPTED_BAD $i\"; \
             done; true",
            last = MESSAGES - 1,
            last_bad = CORRUPTED_FOR_OPENSSL - 1,
        ),
    );
    for line in report.lines() {
        let (what, i) = line.split_once(' ').unwrap();
        let i: usize = i.parse().unwrap();
        failures.push(format!(
            "{params}: OpenSSL {what} our signature #{i} (seed {seed}); message {}, signature {}\nkey:\n{key_pem}",
            hex(&messages[i]),
            hex(&signatures[i].to_bytes())
        ));
    }
    failures
}

/// Direction (b) for one parameter set; returns failures, one per line.
fn our_key_openssl_signatures(params: ParamSet) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut failures = Vec::new();

    let key = SigningKey::generate(params).unwrap();
    let public = key.verifying_key();
    let pub_pem = public.to_public_key_pem().unwrap();
    fs::write(d.join("key.pem"), key.to_pkcs8_pem().unwrap().as_bytes()).unwrap();
    fs::write(d.join("key.der"), key.to_pkcs8_der().unwrap().as_slice()).unwrap();
    fs::write(d.join("pub.pem"), &pub_pem).unwrap();

    // OpenSSL reads our private key (PEM and DER) to the same scalar and
    // public key, and our SubjectPublicKeyInfo unchanged.
    assert_eq!(
        openssl_private_scalar(d, "key.pem", params).as_slice(),
        key.to_bytes().as_slice(),
        "{params}: OpenSSL read a different d from our PKCS#8"
    );
    let from_der = openssl(
        d,
        &[
            "pkey", "-engine", "gost", "-inform", "DER", "-in", "key.der", "-pubout",
        ],
    );
    if from_der != pub_pem.as_bytes() {
        failures.push(format!(
            "{params}: public key OpenSSL derives from our PKCS#8 differs from ours:\n{}\nvs ours\n{pub_pem}",
            String::from_utf8_lossy(&from_der)
        ));
    }
    let reencoded = openssl(
        d,
        &[
            "pkey", "-engine", "gost", "-pubin", "-in", "pub.pem", "-pubout",
        ],
    );
    if reencoded != pub_pem.as_bytes() {
        failures.push(format!(
            "{params}: OpenSSL re-encodes our SubjectPublicKeyInfo differently"
        ));
    }
    // And we read back what OpenSSL writes for our key (its raw LE(d) form).
    let rewritten = openssl(d, &["pkey", "-engine", "gost", "-in", "key.pem"]);
    let back = SigningKey::from_pkcs8_pem(std::str::from_utf8(&rewritten).unwrap()).unwrap();
    assert_eq!(
        back.to_bytes(),
        key.to_bytes(),
        "{params}: OpenSSL's re-encoding of our key"
    );

    let (seed, messages) = random_messages();
    for (i, msg) in messages.iter().enumerate() {
        fs::write(d.join(format!("m{i}")), msg).unwrap();
    }
    let md = md(params);
    sh(
        d,
        &format!(
            "for i in $(seq 0 {last}); do openssl dgst -engine gost {md} -sign key.pem -out s$i m$i 2>/dev/null || exit 1; done",
            last = MESSAGES - 1
        ),
    );
    for (i, msg) in messages.iter().enumerate() {
        let bytes = fs::read(d.join(format!("s{i}"))).unwrap();
        let dg = digest(params, msg);
        let context = || {
            format!(
                "(seed {seed}) message {}, signature {}",
                hex(msg),
                hex(&bytes)
            )
        };
        let sig = match Signature::from_bytes(&bytes) {
            Ok(sig) => sig,
            Err(e) => {
                failures.push(format!(
                    "{params}: OpenSSL signature #{i} does not parse: {e} {}",
                    context()
                ));
                continue;
            }
        };
        if let Err(e) = public.verify_digest(&dg, &sig) {
            failures.push(format!(
                "{params}: we reject OpenSSL signature #{i}: {e} {}",
                context()
            ));
            continue;
        }
        // Every single-bit flip, over a spread of positions, is rejected.
        for bit in [
            0,
            1,
            8 * bytes.len() / 2 - 1,
            8 * bytes.len() / 2,
            8 * bytes.len() - 1,
            13 * i + 5,
        ] {
            let bit = bit % (8 * bytes.len());
            let mut bad = bytes.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            let accepted = Signature::from_bytes(&bad)
                .map(|s| public.verify_digest(&dg, &s).is_ok())
                .unwrap_or(false);
            if accepted {
                failures.push(format!(
                    "{params}: we accept OpenSSL signature #{i} with bit {bit} flipped {}",
                    context()
                ));
            }
        }
        // And the signature does not verify for another message.
        let mut other = dg.clone();
        other[0] ^= 1;
        if public.verify_digest(&other, &sig).is_ok() {
            failures.push(format!(
                "{params}: we accept OpenSSL signature #{i} for a different digest {}",
                context()
            ));
        }
    }
    failures
}

/// Runs `check` for every production parameter set on two threads and fails
/// with every failure found.
fn for_every_param_set(check: fn(ParamSet) -> Vec<String>) {
    require_openssl_gost();
    let sets = ParamSet::PRODUCTION;
    let (left, right) = sets.split_at(sets.len() / 2);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = [left, right]
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || chunk.iter().flat_map(|&p| check(p)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn openssl_keys_load_and_our_signatures_verify_in_openssl() {
    for_every_param_set(openssl_key_our_signatures);
}

#[test]
fn our_keys_load_in_openssl_and_its_signatures_verify_with_us() {
    for_every_param_set(our_key_openssl_signatures);
}
