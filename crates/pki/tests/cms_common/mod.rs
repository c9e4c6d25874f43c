//! Helpers shared by the CMS integration tests: keys and self-signed
//! certificates made by OpenSSL, and OpenSSL as the CMS peer.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

use der::DecodePem;
use gost::{KeySize, ParamSet, SigningKey};
use pki::KeySigner;
use x509_cert::Certificate;

use crate::support;

/// `openssl` with the GOST engine loaded by configuration.
///
/// `openssl()` checks the engine with `openssl list
/// -public-key-algorithms`, which on OpenSSL 3.0.19 does not list engine
/// algorithms even when the engine works; this checks the digests instead.
pub(crate) fn openssl() -> std::process::Command {
    static CONFIG: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("podpis-cms-openssl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("gost.cnf");
        std::fs::write(
            &path,
            "openssl_conf = openssl_def\n[openssl_def]\nengines = engine_section\n\
             [engine_section]\ngost = gost_section\n[gost_section]\nengine_id = gost\n\
             dynamic_path = /usr/lib/x86_64-linux-gnu/engines-3/gost.so\n\
             default_algorithms = ALL\n",
        )
        .unwrap();
        let out = std::process::Command::new("openssl")
            .env("OPENSSL_CONF", &path)
            .args(["list", "-digest-algorithms"])
            .output()
            .expect("cannot run `openssl`: install it (scripts/test does)");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("md_gost12_256"),
            "OpenSSL's GOST engine is not available: `apt-get install libengine-gost-openssl`"
        );
        path
    });
    let mut cmd = std::process::Command::new("openssl");
    cmd.env("OPENSSL_CONF", config);
    cmd
}

/// A signer: key and self-signed certificate, as files and in memory.
pub(crate) struct Party {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) key_pem: PathBuf,
    pub(crate) cert_pem: PathBuf,
    pub(crate) signer: KeySigner,
    pub(crate) cert: Certificate,
    pub(crate) params: ParamSet,
}

pub(crate) fn md(params: ParamSet) -> &'static str {
    match params.key_size() {
        KeySize::Bits256 => "md_gost12_256",
        KeySize::Bits512 => "md_gost12_512",
    }
}

/// `openssl req -x509 -newkey gost2012_*` with the parameter set.
pub(crate) fn party(params: ParamSet, cn: &str) -> Party {
    let dir = tempfile::tempdir().unwrap();
    let key_pem = dir.path().join("key.pem");
    let cert_pem = dir.path().join("cert.pem");
    let alg = match params.key_size() {
        KeySize::Bits256 => "gost2012_256",
        KeySize::Bits512 => "gost2012_512",
    };
    support::run_ok(
        openssl()
            .args(["req", "-x509", "-newkey", alg, "-pkeyopt"])
            .arg(format!("paramset:{}", params.openssl_name().unwrap()))
            .args(["-nodes", "-days", "30", "-subj"])
            .arg(format!("/CN={cn}"))
            .arg(format!("-{}", md(params)))
            .args(["-addext", "subjectKeyIdentifier=hash"])
            .arg("-keyout")
            .arg(&key_pem)
            .arg("-out")
            .arg(&cert_pem),
    );
    let key = SigningKey::from_pkcs8_pem(&std::fs::read_to_string(&key_pem).unwrap()).unwrap();
    assert_eq!(key.param_set().key_size(), params.key_size());
    let cert = Certificate::from_pem(std::fs::read(&cert_pem).unwrap()).unwrap();
    Party {
        dir,
        key_pem,
        cert_pem,
        signer: KeySigner::new(key),
        cert,
        params,
    }
}

/// A fixed signing time (certificates above are valid for 30 days from now,
/// so OpenSSL accepts this instant).
pub(crate) fn now() -> SystemTime {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// `openssl cms -verify` of a DER file; returns the process output.
pub(crate) fn openssl_verify(sig: &Path, ca: &Path, content: Option<&Path>) -> Output {
    let mut cmd = openssl();
    cmd.args(["cms", "-verify", "-binary", "-inform", "DER", "-in"])
        .arg(sig)
        .arg("-CAfile")
        .arg(ca)
        .args(["-out", "/dev/null"]);
    if let Some(c) = content {
        cmd.arg("-content").arg(c);
    }
    cmd.output().unwrap()
}

/// `openssl cms -sign` of a file; returns the DER message.
pub(crate) fn openssl_sign(p: &Party, content: &Path, detached: bool) -> Vec<u8> {
    let out = p.dir.path().join("openssl.p7s");
    support::run_ok(
        openssl()
            .args(["cms", "-sign", "-binary", "-outform", "DER"])
            .args(if detached {
                &[][..]
            } else {
                &["-nodetach"][..]
            })
            .args(["-md", md(p.params), "-signer"])
            .arg(&p.cert_pem)
            .arg("-inkey")
            .arg(&p.key_pem)
            .arg("-in")
            .arg(content)
            .arg("-out")
            .arg(&out),
    );
    std::fs::read(out).unwrap()
}
