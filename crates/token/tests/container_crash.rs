//! Crash safety: a write killed at any step leaves the old or the new file,
//! never a broken one, and the container keeps working.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gost::ParamSet;
use token::container::{Container, ContainerParams, FailPoint};

const STEPS: [FailPoint; 4] = [
    FailPoint::AfterTempWrite,
    FailPoint::BeforeFsync,
    FailPoint::BeforeRename,
    FailPoint::BeforeDirFsync,
];

#[test]
fn killed_writes_leave_old_or_new_file() {
    for step in STEPS {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.podpis");
        let c = Container::create(
            &path,
            "1234",
            "so-pin-1",
            ContainerParams::insecure_for_tests(),
        )
        .unwrap();
        let mut s = c.login("1234").unwrap();
        s.generate_key(ParamSet::Tc26A256, "first", true).unwrap();
        let old = std::fs::read(&path).unwrap();

        s.set_failpoint(Some(step));
        let e = s
            .generate_key(ParamSet::Tc26A256, "second", true)
            .unwrap_err();
        assert!(e.to_string().contains("failpoint"), "{e}");
        let now = std::fs::read(&path).unwrap();
        let reopened = Container::open(&path).unwrap();
        let keys = reopened.keys().unwrap();
        if step == FailPoint::BeforeDirFsync {
            // Renamed already: the new file, complete.
            assert_ne!(now, old);
            assert_eq!(keys.len(), 2);
        } else {
            assert_eq!(now, old, "{step:?}: original changed");
            assert_eq!(keys.len(), 1);
        }
        // The leftover temporary file does not disturb later writes.
        s.set_failpoint(None);
        s.generate_key(ParamSet::Tc26A256, "third", true).unwrap();
        assert_eq!(reopened.keys().unwrap().len(), keys.len() + 1);
        reopened.login("1234").unwrap();
        assert!(!dir.path().join("c.podpis.tmp").exists());
    }
}

#[test]
fn killed_pin_change_keeps_a_working_pin() {
    for step in STEPS {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.podpis");
        let mut c = Container::create(
            &path,
            "1234",
            "so-pin-1",
            ContainerParams::insecure_for_tests(),
        )
        .unwrap();
        // change_pin writes three times (counter, reset, new PIN); the
        // failpoint kills the first of them at `step`.
        c.set_failpoint(Some(step));
        c.change_pin("1234", "5678").unwrap_err();
        c.set_failpoint(None);
        let ok_old = c.login("1234").is_ok();
        let ok_new = c.login("5678").is_ok();
        assert!(ok_old || ok_new, "{step:?}: no PIN works");
    }
}
