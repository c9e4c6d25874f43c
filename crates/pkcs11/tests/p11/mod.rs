//! What the module's integration tests share: the module file, containers
//! in temporary directories, and OpenSC's `pkcs11-tool` driving the module.
//!
//! The module is the `libpodpis_pkcs11.so` cargo builds next to the test
//! binaries (the crate is a `cdylib` too, so `cargo test -p podpis-pkcs11`
//! builds it in the same profile as the tests: it is never stale). For the
//! release file, `cargo build --release -p podpis-pkcs11` makes
//! `target/release/libpodpis_pkcs11.so`.
//!
//! `pkcs11-tool` comes from Debian's `opensc` package (`scripts/test`
//! installs it).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use token::container::{Container, ContainerParams};

/// The user PIN of the test containers.
pub(crate) const PIN: &str = "4815-user";
/// The SO PIN of the test containers.
pub(crate) const SO_PIN: &str = "1623-so-PUK";

/// The module built with the tests.
pub(crate) fn module() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    for dir in [deps, deps.parent().unwrap()] {
        let candidate = dir.join("libpodpis_pkcs11.so");
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!(
        "libpodpis_pkcs11.so is not beside {}: run the tests with `cargo test -p podpis-pkcs11`",
        exe.display()
    );
}

/// A new container `name` in `dir` with [`PIN`] and [`SO_PIN`] (cheap KDF).
pub(crate) fn container(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    Container::create(&path, PIN, SO_PIN, ContainerParams::insecure_for_tests()).unwrap();
    path
}

/// `pkcs11-tool --module <ours>` with `tokens` as the slots; no terminal, no
/// user configuration.
pub(crate) fn tool(tokens: &[&Path]) -> Command {
    let mut cmd = Command::new("pkcs11-tool");
    cmd.arg("--module")
        .arg(module())
        .env("PODPIS_TOKEN_PATH", std::env::join_paths(tokens).unwrap())
        .env_remove("PODPIS_PKCS11_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdin(Stdio::null());
    cmd
}

/// Runs a command; returns whether it succeeded and its stdout + stderr.
pub(crate) fn run(cmd: &mut Command) -> (bool, String) {
    let out: Output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?} (apt-get install opensc): {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs a command that must succeed; returns its output text.
pub(crate) fn ok(cmd: &mut Command) -> String {
    let (success, text) = run(cmd);
    assert!(success, "{cmd:?} failed:\n{text}");
    text
}

/// Runs a command that must fail with `expected` in its output.
pub(crate) fn fails_with(cmd: &mut Command, expected: &str) -> String {
    let (success, text) = run(cmd);
    assert!(!success, "{cmd:?} succeeded:\n{text}");
    assert!(
        text.contains(expected),
        "{cmd:?}: no {expected:?} in:\n{text}"
    );
    text
}

/// One object as `pkcs11-tool -O` prints it: the header line and its
/// `NAME: value` fields, hex continuation lines joined.
#[derive(Debug, Default, Clone)]
pub(crate) struct Listed {
    pub(crate) header: String,
    pub(crate) fields: Vec<(String, String)>,
}

impl Listed {
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses `pkcs11-tool -O` output.
pub(crate) fn objects(listing: &str) -> Vec<Listed> {
    let mut out: Vec<Listed> = Vec::new();
    for line in listing.lines() {
        if line.contains(" Object;") {
            out.push(Listed {
                header: line.trim().to_owned(),
                fields: Vec::new(),
            });
            continue;
        }
        let Some(obj) = out.last_mut() else { continue };
        let trimmed = line.trim();
        match trimmed.split_once(':') {
            Some((name, value)) if line.starts_with("  ") => {
                obj.fields.push((name.to_owned(), value.trim().to_owned()));
            }
            _ if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_hexdigit()) => {
                if let Some((_, value)) = obj.fields.last_mut() {
                    value.push_str(trimmed);
                }
            }
            _ => {}
        }
    }
    out
}
