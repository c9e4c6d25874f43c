//! Every stable code a `Diagnostic` of the pki crate returns is documented
//! in `docs/errors.md`: the codes are read from the sources (the
//! `"UPPER_SNAKE"` literals in the bodies of `fn code(` / `fn codes(` and
//! in the profile's `rules!` table), so a new code cannot be forgotten.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The `.rs` files below `dir`, recursively.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text of the brace-delimited block that starts at the first `{` at
/// or after `from` (string literals may not hold braces here: the bodies
/// scanned are `match` tables of codes).
fn block(text: &str, from: usize) -> &str {
    let start = from + text[from..].find('{').expect("a block");
    let mut depth = 0usize;
    for (i, c) in text[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[start..=start + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced block");
}

/// The `"UPPER_SNAKE"` string literals of a piece of code (at least one
/// underscore, so that e.g. `"CN"` is not taken for a code).
fn upper_snake_literals(code: &str) -> Vec<String> {
    code.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            s.contains('_')
                && s.starts_with(|c: char| c.is_ascii_uppercase())
                && s.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_owned)
        .collect()
}

/// Every code the `Diagnostic` implementations of pki, token, pkcs11, store, ca, idp, agent and portal return.
fn codes_in_sources() -> BTreeSet<String> {
    let mut files = Vec::new();
    // This crate and the crates above it that report errors the same way.
    for dir in [
        "src",
        "../token/src",
        "../pkcs11/src",
        "../store/src",
        "../ca/src",
        "../idp/src",
        "../agent/src",
        "../portal/src",
    ] {
        sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut files);
    }
    let mut codes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for marker in ["fn code(", "fn codes(", "rules! {"] {
            let mut from = 0;
            while let Some(at) = text[from..].find(marker) {
                let at = from + at;
                // A declaration without a body (`fn code(&self) -> …;` in
                // the trait) has no block of its own.
                let line = text[at..].lines().next().unwrap_or_default();
                if line.trim_end().ends_with(';') {
                    from = at + marker.len();
                    continue;
                }
                codes.extend(upper_snake_literals(block(&text, at)));
                from = at + marker.len();
            }
        }
    }
    codes
}

#[test]
fn every_code_is_documented() {
    let codes = codes_in_sources();
    // Not vacuous: the crate has well over a hundred codes, from every
    // module that reports errors.
    assert!(codes.len() > 100, "only {} codes found", codes.len());
    for expected in [
        "SNILS_INVALID_CHECKSUM",
        "SUBJECT_SNILS_MISSING",
        "NAME_SYNTAX",
        "CERT_BAD_SIGNATURE",
        "CSR_BAD_SIGNATURE",
        "CRL_SIGNATURE_INVALID",
        "OCSP_NONCE_MISMATCH",
        "CERT_REVOKED",
        "TRUST_NO_CERTIFICATES",
        "CHAIN_PATH_LEN_EXCEEDED",
        "CMS_DIGEST_MISMATCH",
        "TSP_IMPRINT_MISMATCH",
        "PIN_INCORRECT",
        "CONTAINER_CORRUPT",
        "STORE_SCHEMA_NEWER",
        "CA_CSR_UNKNOWN_PARAMSET",
        "CA_REVOCATION_NOT_ENTITLED",
        "CA_TSA_SERIAL_STORE_CORRUPT",
        "CHALLENGE_REUSED",
        "ORIGIN_NOT_ALLOWED",
        "VERIFY_DOCUMENT_TOO_LARGE",
    ] {
        assert!(codes.contains(expected), "the scanner missed {expected}");
    }
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/errors.md"))
            .unwrap();
    let missing: Vec<_> = codes
        .iter()
        .filter(|code| !docs.contains(&format!("`{code}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from docs/errors.md: {missing:?}"
    );
}

#[test]
fn scanner_reads_match_tables() {
    let text = r#"
        impl Diagnostic for E {
            fn code(&self) -> &'static str {
                match self {
                    E::A => "MOD_A_FAILED",
                    E::B { .. } => { "MOD_B" }
                }
            }
            fn message_en(&self) -> String { "NOT_A_CODE_HERE".into() }
        }
    "#;
    let at = text.find("fn code(").unwrap();
    assert_eq!(
        upper_snake_literals(block(text, at)),
        ["MOD_A_FAILED", "MOD_B"]
    );
    assert!(upper_snake_literals(r#""CN", "Ab_C", "X""#).is_empty());
}
