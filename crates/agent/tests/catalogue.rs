//! One set of error texts in three places: the agent's `AgentError`
//! messages, the SDK's catalogue (web/sdk/podpis-agent.js) and the table in
//! docs/errors.md ("Signing agent and SDK"). Parameters are `{name}` in
//! the SDK and `…` in the docs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;

use agent::AgentError;
use pki::Diagnostic;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The SDK's catalogue: code → (ru, en) with `{param}` placeholders.
fn sdk() -> BTreeMap<String, (String, String)> {
    let js = std::fs::read_to_string(root().join("web/sdk/podpis-agent.js")).unwrap();
    let start = js.find("// catalogue:begin").unwrap();
    let end = js.find("// catalogue:end").unwrap();
    let block = &js[start..end];
    let json = &block[block.find('{').unwrap()..=block.rfind('}').unwrap()];
    let v: Value = serde_json::from_str(json).unwrap();
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, e)| {
            (
                k.clone(),
                (
                    e["ru"].as_str().unwrap().to_owned(),
                    e["en"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

/// The docs table: code → (ru, en).
fn docs() -> BTreeMap<String, (String, String)> {
    let md = std::fs::read_to_string(root().join("docs/errors.md")).unwrap();
    let start = md
        .find("# Signing agent and SDK")
        .expect("docs/errors.md has the agent section");
    let section = &md[start..];
    let end = section[1..].find("\n# ").map_or(section.len(), |i| i + 1);
    section[..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<_> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            assert_eq!(cells.len(), 4, "{l}");
            (
                cells[0].trim_matches('`').to_owned(),
                (cells[2].to_owned(), cells[3].to_owned()),
            )
        })
        .collect()
}

fn placeholders_to_ellipsis(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        out.push('…');
        rest = &rest[i + rest[i..].find('}').unwrap() + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn sdk_catalogue_matches_the_docs() {
    let sdk = sdk();
    let docs = docs();
    assert!(sdk.len() >= 18, "{}", sdk.len());
    for (code, (ru, en)) in &sdk {
        let (dru, den) = docs
            .get(code)
            .unwrap_or_else(|| panic!("{code} is not in docs/errors.md"));
        assert_eq!(&placeholders_to_ellipsis(ru), dru, "{code} (ru)");
        assert_eq!(&placeholders_to_ellipsis(en), den, "{code} (en)");
    }
    for code in docs.keys() {
        assert!(
            sdk.contains_key(code),
            "{code} is documented but not in the SDK"
        );
    }
}

#[test]
fn agent_messages_are_the_sdk_catalogue() {
    let sdk = sdk();
    let fill = |t: &str, params: &[(&str, &str)]| {
        params
            .iter()
            .fold(t.to_owned(), |t, (k, v)| t.replace(&format!("{{{k}}}"), v))
    };
    let cases: Vec<(AgentError, Vec<(&str, &str)>)> = vec![
        (AgentError::HostNotAllowed, vec![]),
        (AgentError::OriginNotAllowed { approval_url: None }, vec![]),
        (AgentError::NonceInvalid, vec![]),
        (AgentError::NonceReused, vec![]),
        (AgentError::BadRequest("why"), vec![("detail", "why")]),
        (AgentError::CertNotFound, vec![]),
        (AgentError::Cancelled, vec![]),
        (AgentError::ConsentExpired, vec![]),
        (AgentError::ConsentNotFound, vec![]),
        (AgentError::ConsentUsed, vec![]),
        (
            AgentError::PinIncorrect {
                tries_left: Some(2),
            },
            vec![("triesLeft", "2")],
        ),
        (AgentError::PinLocked, vec![]),
        (
            AgentError::SignFailed {
                cause: "CONTAINER_IO",
            },
            vec![("cause", "CONTAINER_IO")],
        ),
        (AgentError::Busy, vec![]),
        (
            AgentError::OriginsFile("f: denied".into()),
            vec![("detail", "f: denied")],
        ),
    ];
    for (e, params) in cases {
        let (ru, en) = sdk
            .get(e.code())
            .unwrap_or_else(|| panic!("{} is not in the SDK", e.code()));
        assert_eq!(e.message_ru(), fill(ru, &params), "{}", e.code());
        assert_eq!(e.message_en(), fill(en, &params), "{}", e.code());
        // The JSON carries what the SDK fills the template with.
        let json = e.to_json();
        for (k, v) in &params {
            assert_eq!(json[*k].to_string().trim_matches('"'), *v, "{}", e.code());
        }
    }
}
