//! Concurrency: writers racing on one container (each operation takes its
//! own file handle and lock, as separate processes would) lose no update.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use gost::ParamSet;
use pki::Diagnostic;
use token::container::{Container, ContainerParams};

#[test]
fn racing_wrong_pins_and_key_generation_are_counted_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = Arc::new(dir.path().join("c.podpis"));
    let p = ContainerParams::insecure_for_tests().with_user_max_tries(10);
    Container::create(&*path, "1234", "so-pin-1", p).unwrap();

    let handles: Vec<_> = (0..2)
        .map(|_| {
            let path = Arc::clone(&path);
            std::thread::spawn(move || {
                let c = Container::open(&*path).unwrap();
                for _ in 0..4 {
                    let e = c.login("wrong").unwrap_err();
                    assert_eq!(e.code(), "PIN_INCORRECT");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let c = Container::open(&*path).unwrap();
    assert_eq!(c.user_tries_left().unwrap(), 2, "8 wrong PINs of 10");

    // The right PIN resets the counter.
    c.login("1234").unwrap();
    let handles: Vec<_> = (0..3)
        .map(|t| {
            let path = Arc::clone(&path);
            std::thread::spawn(move || {
                let s = Container::open(&*path).unwrap().login("1234").unwrap();
                for i in 0..4 {
                    s.generate_key(ParamSet::Tc26A256, &format!("t{t}-{i}"), true)
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let keys = c.keys().unwrap();
    assert_eq!(keys.len(), 12, "a concurrent update was lost");
    let mut labels: Vec<_> = keys.iter().map(|k| k.label.clone()).collect();
    labels.sort();
    labels.dedup();
    assert_eq!(labels.len(), 12);
    assert_eq!(c.user_tries_left().unwrap(), 10);
}

/// Two processes (this test binary, re-run as children) make wrong logins,
/// then add keys, at the same time; every increment and key must land.
#[test]
fn racing_processes_are_counted_exactly() {
    const CHILD: &str = "PODPIS_TOKEN_RACE_CHILD";
    const PATH: &str = "PODPIS_TOKEN_RACE_PATH";
    if let (Some(role), Some(path)) = (std::env::var_os(CHILD), std::env::var_os(PATH)) {
        let c = Container::open(&path).unwrap();
        if role == "wrong" {
            for _ in 0..3 {
                assert_eq!(c.login("wrong").unwrap_err().code(), "PIN_INCORRECT");
            }
        } else {
            let s = c.login("1234").unwrap();
            for _ in 0..3 {
                s.generate_key(ParamSet::Tc26A256, "child", false).unwrap();
            }
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.podpis");
    let p = ContainerParams::insecure_for_tests().with_user_max_tries(10);
    Container::create(&path, "1234", "so-pin-1", p).unwrap();
    let exe = std::env::current_exe().unwrap();
    let race = |role: &str| {
        let children: Vec<_> = (0..2)
            .map(|_| {
                std::process::Command::new(&exe)
                    .args(["--exact", "racing_processes_are_counted_exactly", "--quiet"])
                    .env(CHILD, role)
                    .env(PATH, &path)
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut child in children {
            assert!(child.wait().unwrap().success(), "a {role} child failed");
        }
    };
    race("wrong");
    let c = Container::open(&path).unwrap();
    assert_eq!(c.user_tries_left().unwrap(), 4, "6 wrong PINs of 10");
    c.login("1234").unwrap();
    race("keys");
    assert_eq!(c.keys().unwrap().len(), 6, "a concurrent key was lost");
    assert_eq!(c.user_tries_left().unwrap(), 10);
}
