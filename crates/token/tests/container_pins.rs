//! PIN counters: count-down to lock, persistence across reopen, SO unblock,
//! SO lock, change PIN, and the counter written before the check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gost::ParamSet;
use pki::Diagnostic;
use token::container::{Container, ContainerError, ContainerParams, FailPoint};

const PIN: &str = "1111";
const SO: &str = "99999999";

fn setup(tries: u8) -> (tempfile::TempDir, Container) {
    let dir = tempfile::tempdir().unwrap();
    let p = ContainerParams::insecure_for_tests().with_user_max_tries(tries);
    let c = Container::create(dir.path().join("c.podpis"), PIN, SO, p).unwrap();
    (dir, c)
}

#[test]
fn wrong_pin_counts_down_to_lock_and_lock_persists() {
    let (_dir, c) = setup(3);
    assert_eq!(c.user_tries_left().unwrap(), 3);
    let e = c.login("0000").unwrap_err();
    assert!(matches!(e, ContainerError::PinIncorrect { tries_left: 2 }));
    assert_eq!(e.code(), "PIN_INCORRECT");
    assert!(
        e.message_en().contains("2 tries left"),
        "{}",
        e.message_en()
    );
    assert!(e.message_ru().contains("Осталось попыток: 2"));
    // A success resets the counter.
    c.login(PIN).unwrap();
    assert_eq!(c.user_tries_left().unwrap(), 3);
    for left in [2, 1] {
        let e = c.login("0000").unwrap_err();
        assert!(matches!(e, ContainerError::PinIncorrect { tries_left } if tries_left == left));
    }
    let e = c.login("0000").unwrap_err();
    assert!(matches!(e, ContainerError::PinLocked));
    assert!(e.message_en().contains("podpis token unblock"));
    assert!(e.message_ru().contains("podpis token unblock"));
    // The right PIN no longer opens it, also after reopening the file.
    let c = Container::open(c.path()).unwrap();
    assert_eq!(c.user_tries_left().unwrap(), 0);
    assert!(matches!(
        c.login(PIN).unwrap_err(),
        ContainerError::PinLocked
    ));
    assert_eq!(c.change_pin(PIN, "2222").unwrap_err().code(), "PIN_LOCKED");
}

#[test]
fn retry_limit_is_configurable() {
    let (_dir, c) = setup(10);
    for left in (1..10).rev() {
        let e = c.login("bad").unwrap_err();
        assert!(matches!(e, ContainerError::PinIncorrect { tries_left } if tries_left == left));
    }
    assert_eq!(c.login("bad").unwrap_err().code(), "PIN_LOCKED");
}

#[test]
fn so_pin_unblocks_and_sets_new_pin_keys_survive() {
    let (_dir, c) = setup(3);
    let id = c
        .login(PIN)
        .unwrap()
        .generate_key(ParamSet::Tc26A256, "k", false)
        .unwrap();
    for _ in 0..3 {
        c.login("bad").unwrap_err();
    }
    assert_eq!(c.login(PIN).unwrap_err().code(), "PIN_LOCKED");
    let e = c.unblock("wrong so", "5555").unwrap_err();
    assert!(matches!(
        e,
        ContainerError::SoPinIncorrect { tries_left: 9 }
    ));
    assert_eq!(e.code(), "SO_PIN_INCORRECT");
    c.unblock(SO, "5555").unwrap();
    assert_eq!(c.user_tries_left().unwrap(), 3);
    assert_eq!(c.so_tries_left().unwrap(), 10);
    assert_eq!(c.login(PIN).unwrap_err().code(), "PIN_INCORRECT");
    let s = c.login("5555").unwrap();
    s.signer(&id).unwrap();
}

#[test]
fn so_pin_locks_after_ten() {
    let (_dir, c) = setup(3);
    for left in (1..10).rev() {
        let e = c.unblock("bad", "x").unwrap_err();
        assert!(matches!(e, ContainerError::SoPinIncorrect { tries_left } if tries_left == left));
    }
    let e = c.unblock("bad", "x").unwrap_err();
    assert!(matches!(e, ContainerError::SoPinLocked));
    assert_eq!(e.code(), "SO_PIN_LOCKED");
    let c = Container::open(c.path()).unwrap();
    assert_eq!(c.unblock(SO, "x").unwrap_err().code(), "SO_PIN_LOCKED");
    // The user PIN is independent.
    c.login(PIN).unwrap();
}

#[test]
fn verify_so_pin_is_counted_and_resets_on_success() {
    let (_dir, c) = setup(3);
    let e = c.verify_so_pin("bad").unwrap_err();
    assert!(matches!(
        e,
        ContainerError::SoPinIncorrect { tries_left: 9 }
    ));
    assert_eq!(c.so_tries_left().unwrap(), 9);
    c.verify_so_pin(SO).unwrap();
    assert_eq!(c.so_tries_left().unwrap(), 10);
    for _ in 0..10 {
        let _ = c.verify_so_pin("bad");
    }
    assert_eq!(c.verify_so_pin(SO).unwrap_err().code(), "SO_PIN_LOCKED");
    // Nothing else changed: the user PIN still works.
    c.login(PIN).unwrap();
}

#[test]
fn change_pin_and_so_pin() {
    let (_dir, c) = setup(3);
    assert_eq!(
        c.change_pin("bad", "2222").unwrap_err().code(),
        "PIN_INCORRECT"
    );
    c.change_pin(PIN, "2222").unwrap();
    assert_eq!(c.user_tries_left().unwrap(), 3);
    assert_eq!(c.login(PIN).unwrap_err().code(), "PIN_INCORRECT");
    c.login("2222").unwrap();
    c.change_so_pin(SO, "new so").unwrap();
    assert_eq!(c.unblock(SO, "3").unwrap_err().code(), "SO_PIN_INCORRECT");
    c.unblock("new so", "3333").unwrap();
    c.login("3333").unwrap();
}

#[test]
fn counter_is_persisted_before_the_check() {
    // A crash right after the counter write (simulated: the reset write
    // fails) still costs a try, for a right and a wrong PIN alike.
    let (_dir, mut c) = setup(3);
    c.set_failpoint(Some(FailPoint::AfterTempWrite));
    // The first write (the increment) fails: nothing is checked.
    assert_eq!(c.login(PIN).unwrap_err().code(), "CONTAINER_FAILPOINT");
    c.set_failpoint(None);
    assert_eq!(c.user_tries_left().unwrap(), 3);

    // Increment lands, the reset is "killed": the try is spent.
    c.set_failpoint(Some(FailPoint::BeforeDirFsync));
    assert_eq!(c.login(PIN).unwrap_err().code(), "CONTAINER_FAILPOINT");
    c.set_failpoint(None);
    assert_eq!(c.user_tries_left().unwrap(), 2);
    assert_eq!(c.login("bad").unwrap_err().code(), "PIN_INCORRECT");
    assert_eq!(c.user_tries_left().unwrap(), 1);
    c.login(PIN).unwrap();
    assert_eq!(c.user_tries_left().unwrap(), 3);
}
