//! What the pki integration tests share: OpenSSL with the GOST engine as
//! the peer, and the path of the third-party corpus.
//!
//! OpenSSL and the engine are required: a missing engine fails the test with
//! instructions (`scripts/test` installs both). Commands without `-engine`
//! (`crl`, `ocsp`, `ts`) get the engine through an `OPENSSL_CONF` file.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

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
/// per test process. Fails the test unless the engine works.
pub(crate) fn config() -> &'static Path {
    static CONFIG: OnceLock<PathBuf> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("podpis-pki-openssl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("gost.cnf");
        std::fs::write(
            &path,
            format!(
                "openssl_conf = openssl_def\n[openssl_def]\nengines = engine_section\n\
                 [engine_section]\ngost = gost_section\n[gost_section]\nengine_id = gost\n\
                 dynamic_path = {ENGINE}\ndefault_algorithms = ALL\n"
            ),
        )
        .unwrap();
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
