//! Runs the built `podpis` binary the way a user does.
// A test fails by panicking; unwrapping here is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use serde_json::Value;

fn podpis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_podpis"))
        .args(args)
        .output()
        .expect("the podpis binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

fn assert_positive_numbers(object: &Value, keys: &[&str], what: &str) {
    let map = object
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {object}"));
    let found: Vec<&str> = map.keys().map(String::as_str).collect();
    assert_eq!(found, keys, "{what} keys");
    for (key, value) in map {
        let number = value
            .as_f64()
            .unwrap_or_else(|| panic!("{what}.{key} is not a number"));
        assert!(
            number > 0.0 && number.is_finite(),
            "{what}.{key} = {number}"
        );
    }
}

#[test]
fn speed_json_has_the_documented_shape() {
    let out = podpis(&[
        "speed",
        "--seconds",
        "0.05",
        "--json",
        "--params",
        "256-A,512-C",
    ]);
    let stderr = text(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {stderr}",
        out.status
    );

    // Exactly one JSON object and nothing else on stdout.
    let stdout = text(&out.stdout);
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}): {stdout}"));
    let top: Vec<&str> = report
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(top, ["sign", "verify", "hash_mb_s"]);
    assert_positive_numbers(&report["sign"], &["256-A", "512-C"], "sign");
    assert_positive_numbers(&report["verify"], &["256-A", "512-C"], "verify");
    assert_positive_numbers(
        &report["hash_mb_s"],
        &["streebog256", "streebog512"],
        "hash_mb_s",
    );
}

#[test]
fn speed_table_lists_the_requested_sets() {
    let out = podpis(&["speed", "--seconds", "0.02", "--params", "256-tca"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for needle in [
        "sign/s",
        "verify/s",
        "256-TCA",
        "id-tc26-gost-3410-2012-256-paramSetA",
        "streebog512",
    ] {
        assert!(stdout.contains(needle), "no {needle:?} in:\n{stdout}");
    }
    assert!(
        !stdout.contains("512-A"),
        "unrequested set measured:\n{stdout}"
    );
}

#[test]
fn help_describes_the_commands() {
    let out = podpis(&["--help"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("speed"), "{stdout}");
    assert!(stdout.contains("GOST"), "{stdout}");
    assert!(stdout.contains("ГОСТ"), "{stdout}");

    let out = podpis(&["speed", "--help"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    for option in ["--seconds", "--json", "--params", "256-TCD"] {
        assert!(stdout.contains(option), "no {option} in:\n{stdout}");
    }

    let out = podpis(&["--version"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).starts_with("podpis "));
}

#[test]
fn bad_arguments_fail_clearly() {
    for (args, expected) in [
        (
            &["speed", "--seconds", "abc"][..],
            "not a number of seconds",
        ),
        (&["speed", "--seconds", "0"][..], "seconds must be above 0"),
        (
            &["speed", "--params", "256-Z"][..],
            "unknown parameter set `256-Z`",
        ),
        (&["speed", "--frobnicate"][..], "unexpected argument"),
        (&["sing"][..], "unrecognized subcommand"),
    ] {
        let out = podpis(args);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: no {expected:?} in:\n{stderr}"
        );
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    }
}
