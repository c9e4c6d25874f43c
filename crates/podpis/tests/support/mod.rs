//! What podpis's integration tests share: pki's OpenSSL-with-GOST support
//! (re-exported: `openssl`, `run_ok`, `tempdir`, the corpus…) and running
//! the podpis binary the way the CLI tests do — the test-only KDF, no
//! secret in the environment, no terminal, and a check that no secret
//! shows in the output.
#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[path = "../http/mod.rs"]
pub(crate) mod http;
mod openssl_pki;
#[path = "../../../pki/tests/support/mod.rs"]
mod pki_support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

pub(crate) use openssl_pki::Pki;
pub(crate) use pki_support::*;

/// The environment variables podpis reads secrets from: removed, so a
/// test's secrets come only from the files it names.
const SECRET_ENV: [&str; 8] = [
    "PODPIS_PIN",
    "PODPIS_SO_PIN",
    "PODPIS_NEW_PIN",
    "PODPIS_ROOT_PIN",
    "PODPIS_PFX_PASSWORD",
    "PODPIS_CRYPTOPRO_PASSWORD",
    "PODPIS_OPERATOR_PASSWORD",
    "PODPIS_PKCS11_CONFIG",
];

/// The podpis binary in `dir`: the cheap test KDF
/// (`PODPIS_INSECURE_KDF=1`), no secret in the environment, stdin closed.
pub(crate) fn podpis_command(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_podpis"));
    cmd.current_dir(dir)
        .env("PODPIS_INSECURE_KDF", "1")
        .stdin(Stdio::null());
    for var in SECRET_ENV {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs `cmd` and checks that none of `secrets` shows in its output.
pub(crate) fn run_without_secrets(cmd: &mut Command, secrets: &[&str]) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for secret in secrets {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
    out
}

/// The stdout of a run that must succeed (its output in the panic if not).
pub(crate) fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Requires exit status 1 with `[code]` in stderr; returns stderr.
pub(crate) fn fails_with(out: &Output, code: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("[{code}]")), "{stderr}");
    stderr
}

/// Writes each `(file, secret)` into `dir` as a one-line file.
pub(crate) fn write_secret_files(dir: &Path, files: &[(&str, &str)]) {
    for (name, value) in files {
        fs::write(dir.join(name), format!("{value}\n")).unwrap();
    }
}

/// `podpis token init` of the container `k.pdp` with `pin.txt` and
/// `so.txt`.
pub(crate) const TOKEN_INIT: [&str; 8] = [
    "token",
    "init",
    "--path",
    "k.pdp",
    "--pin-file",
    "pin.txt",
    "--so-pin-file",
    "so.txt",
];

/// A fresh database on the local PostgreSQL server (127.0.0.1:5432, user
/// postgres, trust), dropped when this is.
pub(crate) struct PgDatabase {
    name: String,
}

impl PgDatabase {
    /// Creates `podpis_<prefix>_<pid>_<random>`.
    pub(crate) fn new(prefix: &str) -> PgDatabase {
        let mut b = [0u8; 4];
        fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b))
            .unwrap();
        let name = format!(
            "podpis_{prefix}_{}_{:08x}",
            std::process::id(),
            u32::from_le_bytes(b)
        );
        psql(&format!("CREATE DATABASE {name}"));
        PgDatabase { name }
    }

    /// Its URL, for `--database-url`.
    pub(crate) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// Runs one SQL statement on the local server's `postgres` database.
pub(crate) fn psql(sql: &str) {
    let out = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres"])
        .args(["-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("psql runs (the postgresql-client package; scripts/test installs postgresql)");
    assert!(
        out.status.success(),
        "psql {sql}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
