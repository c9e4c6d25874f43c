//! CMS interoperability with Bouncy Castle 1.72 (Debian `libbcprov-java`,
//! `libbcpkix-java`), both directions, attached and detached, for every
//! parameter set Bouncy Castle supports.
//!
//! The peer is `tests/bouncycastle/BcHarness.java`, compiled once per test
//! process with `javac` against the Debian jars; each test starts the JVM
//! once (its batch commands `sign-all` and `verify-all`).
//!
//! Bouncy Castle 1.72 cannot make keys on (or read keys of) the TC 26
//! 256-bit parameter sets B, C and D (1.2.643.7.1.2.1.1.2-4): its curve
//! table lacks them. The tests assert that it still refuses them, so the
//! day a newer Bouncy Castle learns them this test fails and they join
//! [`BC_CURVES`]. The same curves are covered through their CryptoPro
//! aliases (A, B, C).
//!
//! Two encoding differences of Bouncy Castle 1.72, both in the key's
//! SubjectPublicKeyInfo parameters, are pinned here:
//!
//! * it writes 2012-256 keys on the CryptoPro curves with digestParamSet
//!   id-GostR3411-94-CryptoProParamSet (1.2.643.2.2.30.1), the GOST R
//!   34.11-94 hash ([`BC_94_DIGEST_PARAMS`]). OpenSSL accepts such keys and
//!   so does `gost`; the test checks the quirk is there and the full
//!   verification passes.
//! * it cannot read a key whose parameters omit digestParamSet (it throws
//!   `ArrayIndexOutOfBoundsException`), as OpenSSL and podpis write them
//!   for TC 26 256-bit A and 512-bit C ([`BC_NEEDS_DIGEST_PARAMS`]). The
//!   harness then completes the parameters and marks the subject with
//!   "(key parameters completed)"; the test asserts the mark for exactly
//!   those sets, so it tells us when Bouncy Castle learns to read them.
//!
//! The JDK and Bouncy Castle are required: a missing one fails the test
//! with instructions (`scripts/test` installs them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use gost::{ParamSet, SigningKey};
use pki::Diagnostic;
use pki::KeySigner;
use pki::algorithm::DigestAlgorithm;
use pki::cert::CertificateBuilder;
use pki::cms::{CmsError, Content, EssCheck, SignOptions, SignedMessage, SignerIdKind, sign};
use x509_cert::Certificate;

/// The Bouncy Castle jars Debian installs.
const JARS: [&str; 3] = [
    "/usr/share/java/bcprov.jar",
    "/usr/share/java/bcpkix.jar",
    "/usr/share/java/bcutil.jar",
];

/// The parameter sets Bouncy Castle 1.72 supports, with its curve names.
const BC_CURVES: [(ParamSet, &str); 9] = [
    (ParamSet::CryptoProA, "GostR3410-2001-CryptoPro-A"),
    (ParamSet::CryptoProB, "GostR3410-2001-CryptoPro-B"),
    (ParamSet::CryptoProC, "GostR3410-2001-CryptoPro-C"),
    (ParamSet::CryptoProXchA, "GostR3410-2001-CryptoPro-XchA"),
    (ParamSet::CryptoProXchB, "GostR3410-2001-CryptoPro-XchB"),
    (ParamSet::Tc26A256, "Tc26-Gost-3410-12-256-paramSetA"),
    (ParamSet::Tc26A512, "Tc26-Gost-3410-12-512-paramSetA"),
    (ParamSet::Tc26B512, "Tc26-Gost-3410-12-512-paramSetB"),
    (ParamSet::Tc26C512, "Tc26-Gost-3410-12-512-paramSetC"),
];

/// What Bouncy Castle 1.72 lacks (see the module documentation).
const BC_MISSING: [(ParamSet, &str); 3] = [
    (ParamSet::Tc26B256, "Tc26-Gost-3410-12-256-paramSetB"),
    (ParamSet::Tc26C256, "Tc26-Gost-3410-12-256-paramSetC"),
    (ParamSet::Tc26D256, "Tc26-Gost-3410-12-256-paramSetD"),
];

/// Where Bouncy Castle writes digestParamSet id-GostR3411-94-CryptoProParamSet
/// for a 2012-256 key (see the module documentation).
const BC_94_DIGEST_PARAMS: [ParamSet; 5] = [
    ParamSet::CryptoProA,
    ParamSet::CryptoProB,
    ParamSet::CryptoProC,
    ParamSet::CryptoProXchA,
    ParamSet::CryptoProXchB,
];

/// Our keys Bouncy Castle 1.72 reads only once the harness adds the
/// digestParamSet we (like OpenSSL) leave out.
const BC_NEEDS_DIGEST_PARAMS: [ParamSet; 2] = [ParamSet::Tc26A256, ParamSet::Tc26C512];

/// The mark the harness puts on a subject whose key it had to complete.
const COMPLETED: &str = " (key parameters completed)";

const CONTENT: &[u8] =
    b"podpis CMS interop with Bouncy Castle: \xd0\xbf\xd0\xbe\xd0\xb4\xd0\xbf\xd0\xb8\xd1\x81\xd1\x8c\n";

/// The directory with the compiled harness; compiled once per process.
/// Fails the test with instructions when the JDK or the jars are missing.
fn harness() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        for jar in JARS {
            assert!(
                Path::new(jar).is_file(),
                "{jar} is missing: `apt-get install libbcprov-java libbcpkix-java` \
                 (scripts/test does)"
            );
        }
        let dir = std::env::temp_dir().join(format!("podpis-bc-harness-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let source =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bouncycastle/BcHarness.java");
        let out = Command::new("javac")
            .arg("-cp")
            .arg(JARS.join(":"))
            .arg("-d")
            .arg(&dir)
            .arg(&source)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run `javac` ({e}): install a JDK, \
                     `apt-get install openjdk-17-jdk-headless` (scripts/test does)"
                )
            });
        assert!(
            out.status.success(),
            "javac {} failed: {}",
            source.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

/// Runs the harness with `args`; returns its stdout lines split at tabs,
/// keyed by their first field.
fn bc(args: &[&OsStr]) -> BTreeMap<String, Vec<String>> {
    let cp = format!("{}:{}", JARS.join(":"), harness().display());
    let out = Command::new("java")
        .arg("-cp")
        .arg(cp)
        .arg("BcHarness")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `java` ({e}): `apt-get install openjdk-17-jdk-headless`")
        });
    assert!(
        out.status.success(),
        "BcHarness {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let mut fields = line.split('\t').map(str::to_owned);
            (fields.next().unwrap(), fields.collect())
        })
        .collect()
}

/// Now, to the second (Bouncy Castle checks the certificate was valid at
/// signingTime, so the instant must lie inside the validity below).
fn now() -> SystemTime {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// A fresh key on `params` and a self-signed certificate for it, made by us.
fn our_party(params: ParamSet, cn: &str) -> (KeySigner, Certificate) {
    let key = SigningKey::generate(params).unwrap();
    let name = pki::name::parse_name(&format!("CN={cn},O=podpis interop,C=RU")).unwrap();
    let t = now();
    let cert = CertificateBuilder::new(
        name,
        &key.verifying_key(),
        t - Duration::from_secs(3600),
        t + Duration::from_secs(30 * 86_400),
    )
    .build(&KeySigner::new(key.clone()))
    .unwrap();
    (KeySigner::new(key), cert)
}

/// Flips one byte of the encapsulated content.
fn tamper(der: &[u8]) -> Vec<u8> {
    let mut bad = der.to_vec();
    let at = bad
        .windows(CONTENT.len())
        .position(|w| w == CONTENT)
        .unwrap();
    bad[at] ^= 1;
    bad
}

#[test]
fn we_verify_bouncy_castle_for_every_parameter_set_it_supports() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content.bin");
    std::fs::write(&content, CONTENT).unwrap();
    let mut args = vec![
        OsStr::new("sign-all"),
        content.as_os_str(),
        dir.path().as_os_str(),
    ];
    let curves: Vec<_> = BC_CURVES.into_iter().chain(BC_MISSING).collect();
    args.extend(curves.iter().map(|(_, name)| OsStr::new(name)));
    let lines = bc(&args);
    assert_eq!(lines.len(), curves.len(), "{lines:?}");

    for (_, name) in BC_MISSING {
        let result = &lines[name][0];
        assert!(
            result.starts_with("refused"),
            "Bouncy Castle now signs on {name} ({result}): add it to BC_CURVES"
        );
    }

    for (params, name) in BC_CURVES {
        assert_eq!(lines[name], ["signed"], "{name}");
        let out = dir.path().join(name);
        let cert =
            pki::cert::parse_certificate(&std::fs::read(out.join("cert.der")).unwrap()).unwrap();
        let key = pki::cert::public_key(&cert).unwrap();
        assert_eq!(key.param_set(), params, "{name}");
        if BC_94_DIGEST_PARAMS.contains(&params) {
            // The quirk is really there (and still accepted).
            let spki =
                der::Encode::to_der(cert.tbs_certificate().subject_public_key_info()).unwrap();
            let digest_94 =
                der::Encode::to_der(&const_oid::ObjectIdentifier::new_unwrap("1.2.643.2.2.30.1"))
                    .unwrap();
            assert!(
                spki.windows(digest_94.len()).any(|w| w == digest_94),
                "{name}"
            );
        }
        pki::cert::verify_issued_by(&cert, &cert).unwrap();
        let digest = DigestAlgorithm::for_key_size(params.key_size());

        // Attached.
        let der = std::fs::read(out.join("attached.p7s")).unwrap();
        let msg = SignedMessage::parse(&der).unwrap();
        assert!(!msg.is_detached());
        assert_eq!(msg.content(), Some(CONTENT));
        assert_eq!(msg.signer_count(), 1);
        let v = msg.verify_signer(0, None, &[]).unwrap();
        assert_eq!(v.certificate, cert, "{name}");
        assert_eq!(v.digest_algorithm, digest, "{name}");
        assert!(v.has_signed_attributes && v.signing_time.is_some());
        // Bouncy Castle's default attributes carry no signingCertificateV2.
        assert_eq!(v.signing_certificate_v2, EssCheck::Absent);
        let err = SignedMessage::parse(&tamper(&der))
            .unwrap()
            .verify_signer(0, None, &[])
            .unwrap_err();
        assert!(matches!(err, CmsError::DigestMismatch), "{name}: {err}");
        assert_eq!(err.etsi_sub_indication(), Some("HASH_FAILURE"));

        // Detached.
        let der = std::fs::read(out.join("detached.p7s")).unwrap();
        let msg = SignedMessage::parse(&der).unwrap();
        assert!(msg.is_detached());
        let v = msg
            .verify_signer(0, Some(Content::Bytes(CONTENT)), &[])
            .unwrap();
        assert_eq!(v.certificate, cert, "{name}");
        let err = msg.verify_signer(0, None, &[]).unwrap_err();
        assert!(matches!(err, CmsError::ContentMissing), "{name}: {err}");
        let err = msg
            .verify_signer(0, Some(Content::Bytes(&tamper(CONTENT))), &[])
            .unwrap_err();
        assert_eq!(err.code(), "CMS_DIGEST_MISMATCH", "{name}");
        assert_eq!(err.etsi_sub_indication(), Some("HASH_FAILURE"));
    }
}

#[test]
fn bouncy_castle_verifies_ours_for_every_parameter_set_it_supports() {
    let dir = tempfile::tempdir().unwrap();
    let put = |name: &str, der: &[u8], content: Option<&[u8]>| {
        std::fs::write(dir.path().join(format!("{name}.p7s")), der).unwrap();
        if let Some(c) = content {
            std::fs::write(dir.path().join(format!("{name}.content")), c).unwrap();
        }
    };
    // What Bouncy Castle must say about each file.
    let mut expect: BTreeMap<String, Result<String, ()>> = BTreeMap::new();

    for (params, name) in BC_CURVES {
        let cn = format!("podpis {name}");
        let (signer, cert) = our_party(params, &cn);
        let mut subject = format!("CN={cn},O=podpis interop,C=RU");
        if BC_NEEDS_DIGEST_PARAMS.contains(&params) {
            subject.push_str(COMPLETED);
        }
        for detached in [false, true] {
            let der = sign(
                CONTENT,
                &signer,
                &cert,
                &SignOptions::cades_bes(detached, now()),
            )
            .unwrap();
            let kind = if detached { "detached" } else { "attached" };
            put(&format!("{name}-{kind}"), &der, detached.then_some(CONTENT));
            expect.insert(format!("{name}-{kind}"), Ok(subject.clone()));
            // Tampered content must fail.
            if detached {
                put(
                    &format!("{name}-{kind}-tampered"),
                    &der,
                    Some(&tamper(CONTENT)),
                );
            } else {
                put(&format!("{name}-{kind}-tampered"), &tamper(&der), None);
            }
            expect.insert(format!("{name}-{kind}-tampered"), Err(()));
        }
    }

    // What Bouncy Castle 1.72 cannot read: keys on the missing curves.
    for (params, name) in BC_MISSING {
        let (signer, cert) = our_party(params, "podpis missing curve");
        let der = sign(
            CONTENT,
            &signer,
            &cert,
            &SignOptions::cades_bes(false, now()),
        )
        .unwrap();
        put(&format!("missing-{name}"), &der, None);
        expect.insert(format!("missing-{name}"), Err(()));
    }

    // Co-signed: a 256-bit signer by issuer and serial, then a 512-bit
    // signer identified by subjectKeyIdentifier.
    let (first, first_cert) = our_party(ParamSet::CryptoProA, "podpis first signer");
    let (second, second_cert) = our_party(ParamSet::Tc26B512, "podpis second signer");
    let subjects = "CN=podpis first signer,O=podpis interop,C=RU\t\
                    CN=podpis second signer,O=podpis interop,C=RU";
    for detached in [false, true] {
        let der = sign(
            CONTENT,
            &first,
            &first_cert,
            &SignOptions::cades_bes(detached, now()),
        )
        .unwrap();
        let mut msg = SignedMessage::parse(&der).unwrap();
        let options = SignOptions {
            signer_id: SignerIdKind::SubjectKeyIdentifier,
            ..SignOptions::cades_bes(detached, now())
        };
        msg.co_sign(
            detached.then_some(Content::Bytes(CONTENT)),
            &second,
            &second_cert,
            &options,
        )
        .unwrap();
        assert_eq!(msg.signer_count(), 2);
        let kind = if detached { "detached" } else { "attached" };
        put(
            &format!("co-signed-{kind}"),
            msg.to_der(),
            detached.then_some(CONTENT),
        );
        expect.insert(format!("co-signed-{kind}"), Ok(subjects.to_owned()));
    }

    let lines = bc(&[OsStr::new("verify-all"), dir.path().as_os_str()]);
    assert_eq!(
        lines.keys().collect::<Vec<_>>(),
        expect.keys().collect::<Vec<_>>()
    );
    for (name, expected) in &expect {
        let got = &lines[name];
        match expected {
            Ok(subjects) => {
                let n = subjects.split('\t').count();
                assert_eq!(got[0], format!("verified {n}"), "{name}: {got:?}");
                assert_eq!(got[1..].join("\t"), *subjects, "{name}");
            }
            Err(()) => assert!(
                got[0].starts_with("failed"),
                "{name}: Bouncy Castle accepted it: {got:?}"
            ),
        }
    }
    // The tampered ones fail for the digest, not for something else.
    assert!(
        lines["Tc26-Gost-3410-12-512-paramSetC-detached-tampered"][0]
            .contains("CMSSignerDigestMismatchException"),
        "{lines:?}"
    );
}
