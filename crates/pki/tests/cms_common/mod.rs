//! Helpers shared by the CMS integration tests: keys and self-signed
//! certificates made by OpenSSL, and OpenSSL as the CMS peer.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

use der::DecodePem;
use gost::{ParamSet, SigningKey};
use pki::KeySigner;
use x509_cert::Certificate;

use crate::support;

/// A signer: key and self-signed certificate, as files and in memory.
pub(crate) struct Party {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) key_pem: PathBuf,
    pub(crate) cert_pem: PathBuf,
    pub(crate) signer: KeySigner,
    pub(crate) cert: Certificate,
    pub(crate) params: ParamSet,
}

/// The Streebog digest OpenSSL signs with for this parameter set.
pub(crate) fn md(params: ParamSet) -> &'static str {
    support::digest_name(params.key_size())
}

/// `openssl req -x509 -newkey gost2012_*` with the parameter set.
pub(crate) fn party(params: ParamSet, cn: &str) -> Party {
    let dir = support::tempdir();
    let key_pem = dir.path().join("key.pem");
    let cert_pem = dir.path().join("cert.pem");
    support::run_ok(
        support::req_x509(
            support::key_algorithm(params.key_size()),
            params.openssl_name().unwrap(),
            &format!("/CN={cn}"),
            30,
            &key_pem,
            &cert_pem,
        )
        .arg(format!("-{}", md(params)))
        .args(["-addext", "subjectKeyIdentifier=hash"]),
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
    let mut cmd = support::openssl();
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
        support::openssl()
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
