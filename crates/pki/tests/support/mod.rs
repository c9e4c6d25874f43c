//! What the pki integration tests share: OpenSSL with the GOST engine as
//! the peer, the third-party corpus, temporary directories, and the
//! OpenSSL fixture commands several test files use.
//!
//! OpenSSL and the engine are required: a missing engine fails the test with
//! instructions (`scripts/test` installs both). Commands without `-engine`
//! (`crl`, `ocsp`, `ts`) get the engine through an `OPENSSL_CONF` file.
//!
//! `crates/podpis/tests` includes this file too (`#[path]`), so it may use
//! only what both crates depend on: `pki`, `gost`, `der`, `tempfile`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use gost::KeySize;

/// Where Debian's GOST engine lives.
const ENGINE: &str = "/usr/lib/x86_64-linux-gnu/engines-3/gost.so";

/// An `openssl` command with the GOST engine loaded by configuration.
pub(crate) fn openssl() -> Command {
    let mut cmd = Command::new("openssl");
    cmd.env("OPENSSL_CONF", config());
    cmd
}

/// Runs a command and returns its output; panics with stderr when it fails.
pub(crate) fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The OpenSSL configuration file that loads the GOST engine; written once
/// per test process. Fails the test unless the engine works: it must
/// generate a GOST key (`openssl list -public-key-algorithms` does not name
/// engine algorithms on OpenSSL 3.0, so listing is no probe).
pub(crate) fn config() -> &'static Path {
    static CONFIG: OnceLock<PathBuf> = OnceLock::new();
    CONFIG.get_or_init(|| {
        // One file for every test process (the text is always the same):
        // each writes its own copy and renames it into place, so a reader
        // never sees a half-written file and nothing piles up in /tmp.
        let path = std::env::temp_dir().join("podpis-openssl-gost.cnf");
        let own = path.with_extension(format!("cnf.{}", std::process::id()));
        std::fs::write(
            &own,
            format!(
                "openssl_conf = openssl_def\n[openssl_def]\nengines = engine_section\n\
                 [engine_section]\ngost = gost_section\n[gost_section]\nengine_id = gost\n\
                 dynamic_path = {ENGINE}\ndefault_algorithms = ALL\n"
            ),
        )
        .unwrap();
        std::fs::rename(&own, &path).unwrap();
        let out = Command::new("openssl")
            .env("OPENSSL_CONF", &path)
            .args([
                "genpkey",
                "-algorithm",
                "gost2012_256",
                "-pkeyopt",
                "paramset:A",
            ])
            .output()
            .expect("cannot run `openssl`: install it (scripts/test does)");
        assert!(
            out.status.success() && out.stdout.starts_with(b"-----BEGIN PRIVATE KEY-----"),
            "OpenSSL's GOST engine is not available: `apt-get install libengine-gost-openssl` \
             (scripts/test does)"
        );
        path
    })
}

/// The shared third-party corpus (`../shared/interop` beside the checkout).
pub(crate) fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop");
    assert!(
        dir.is_dir(),
        "the interop corpus is missing at {}",
        dir.display()
    );
    dir
}

/// The bytes of a corpus file (`rel` below [`corpus`]).
pub(crate) fn corpus_bytes(rel: &str) -> Vec<u8> {
    let path = corpus().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A new temporary directory, removed when dropped.
pub(crate) fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// OpenSSL's name of the GOST R 34.10-2012 key algorithm of a key size.
pub(crate) fn key_algorithm(size: KeySize) -> &'static str {
    match size {
        KeySize::Bits256 => "gost2012_256",
        KeySize::Bits512 => "gost2012_512",
    }
}

/// OpenSSL's name of the Streebog digest that goes with a key size.
pub(crate) fn digest_name(size: KeySize) -> &'static str {
    match size {
        KeySize::Bits256 => "md_gost12_256",
        KeySize::Bits512 => "md_gost12_512",
    }
}

/// `openssl req -x509 -newkey <algorithm> -pkeyopt paramset:<paramset>
/// -nodes -subj <subj> -days <days> -keyout <key> -out <cert>`: a new key
/// and a self-signed certificate for it. Callers add their extensions,
/// digest or `-config`, then run it with [`run_ok`].
pub(crate) fn req_x509(
    algorithm: &str,
    paramset: &str,
    subj: &str,
    days: u32,
    key: &Path,
    cert: &Path,
) -> Command {
    let mut cmd = openssl();
    cmd.args(["req", "-x509", "-newkey", algorithm, "-pkeyopt"])
        .arg(format!("paramset:{paramset}"))
        .args(["-nodes", "-subj", subj, "-days", &days.to_string()])
        .arg("-keyout")
        .arg(key)
        .arg("-out")
        .arg(cert);
    cmd
}

/// Writes an `openssl ca` configuration and an empty database
/// (`index.txt`) in `dir`, returning the configuration's path. `extra`
/// holds more `[CA_default]` lines (`certificate = …`, `crlnumber = …`,
/// `serial = …`, `default_md = …`). Any subject is accepted.
pub(crate) fn ca_config(dir: &Path, extra: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    let cnf = dir.join("ca.cnf");
    std::fs::write(
        &cnf,
        format!(
            "[ca]\ndefault_ca = CA_default\n[CA_default]\ndatabase = {db}/index.txt\n\
             new_certs_dir = {db}\npolicy = policy_any\n{extra}\
             [policy_any]\ncommonName = optional\n",
            db = dir.display()
        ),
    )
    .unwrap();
    cnf
}
