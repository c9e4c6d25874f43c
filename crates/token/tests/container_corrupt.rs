//! Damaged and foreign files: a clear error and the bytes left untouched.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gost::ParamSet;
use pki::Diagnostic;
use token::container::{Container, ContainerError, ContainerParams};

fn sample() -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.podpis");
    let c = Container::create(
        &path,
        "1234",
        "87654321",
        ContainerParams::insecure_for_tests(),
    )
    .unwrap();
    c.login("1234")
        .unwrap()
        .generate_key(ParamSet::Tc26A256, "k", true)
        .unwrap();
    let good = std::fs::read(&path).unwrap();
    (dir, path, good)
}

/// Every operation on `path` fails with `code` and leaves `bytes` as they were.
fn assert_refused(path: &std::path::Path, bytes: &[u8], code: &str) {
    let open = Container::open(path);
    let results: Vec<ContainerError> = match open {
        Err(e) => vec![e],
        Ok(c) => vec![
            c.keys().unwrap_err(),
            c.login("1234").unwrap_err(),
            c.unblock("87654321", "1").unwrap_err(),
            c.change_pin("1234", "2").unwrap_err(),
        ],
    };
    for e in results {
        assert_eq!(e.code(), code, "{e}");
    }
    assert_eq!(std::fs::read(path).unwrap(), bytes, "file changed");
}

#[test]
fn every_flipped_byte_is_detected_and_file_untouched() {
    let (_dir, path, good) = sample();
    // Past the magic and version (which give FOREIGN / VERSION errors).
    for i in 10..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        std::fs::write(&path, &bad).unwrap();
        assert_refused(&path, &bad, "CONTAINER_CORRUPT");
    }
}

#[test]
fn truncated_file_is_detected() {
    let (_dir, path, good) = sample();
    for len in [good.len() - 1, good.len() - 33, good.len() / 2, 30, 10] {
        let bad = good[..len].to_vec();
        std::fs::write(&path, &bad).unwrap();
        assert_refused(&path, &bad, "CONTAINER_CORRUPT");
    }
    let mut longer = good.clone();
    longer.push(0);
    std::fs::write(&path, &longer).unwrap();
    assert_refused(&path, &longer, "CONTAINER_CORRUPT");
}

#[test]
fn foreign_and_future_files() {
    let (_dir, path, good) = sample();
    for bad in [
        b"-----BEGIN CERTIFICATE-----\n".to_vec(),
        vec![],
        b"PODPIS".to_vec(),
        vec![0x30, 0x82, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0],
    ] {
        std::fs::write(&path, &bad).unwrap();
        assert_refused(&path, &bad, "CONTAINER_FOREIGN");
    }
    let mut future = good.clone();
    future[9] = 2;
    std::fs::write(&path, &future).unwrap();
    assert_refused(&path, &future, "CONTAINER_VERSION_UNSUPPORTED");
    let e = Container::open(&path).unwrap_err();
    assert!(matches!(e, ContainerError::VersionUnsupported(2)));
    assert!(e.message_en().contains("Upgrade podpis"));
}
