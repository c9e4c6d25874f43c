//! `GET /api/openapi.json`: the OpenAPI 3.1 document of every REST API
//! `podpis serve` mounts — each part's `openapi_paths()` (the identity
//! provider's accounts part, `idp::api::account`, the verification
//! service's `portal::verify`) and, when a CA is
//! served, the CA's registration and operator API, whose fragment is
//! written here ([`ca_paths`]). The components (the error body and the
//! security schemes) are the shared ones every fragment refers to.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Map, Value, json};

/// The merged document; `with_ca` adds the CA's paths.
pub(crate) fn document(with_ca: bool) -> Value {
    let mut paths = Map::new();
    let mut fragments = vec![
        idp::api::account::openapi_paths(),
        idp::api::esig::openapi_paths(),
        idp::oidc::openapi_paths(),
        portal::verify::openapi_paths(),
    ];
    if with_ca {
        fragments.push(ca_paths());
    }
    for fragment in fragments {
        if let Value::Object(map) = fragment {
            for (path, ops) in map {
                match (paths.get_mut(&path), ops) {
                    // Two parts on one path: their methods are merged.
                    (Some(Value::Object(have)), Value::Object(more)) => have.extend(more),
                    (_, ops) => {
                        paths.insert(path, ops);
                    }
                }
            }
        }
    }
    let mut schemas = Map::new();
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "required": ["code", "message_ru", "message_en"],
            "properties": {
                "code": { "type": "string", "description": "Stable code (docs/errors.md)" },
                "message_ru": { "type": "string" },
                "message_en": { "type": "string" }
            }
        }),
    );
    if let Value::Object(more) = portal::verify::openapi_schemas() {
        schemas.extend(more);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "podpis",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The REST API of podpis serve: the identity provider (accounts, password + one-time-code login, sessions, the action journal), the public signature verification service and the certification authority. Errors are {code, message_ru, message_en}; the codes are listed in docs/errors.md."
        },
        "paths": Value::Object(paths),
        "components": {
            "schemas": Value::Object(schemas),
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": "podpis_session",
                    "description": "The browser's session cookie; state-changing calls also send X-CSRF-Token." },
                "bearer": { "type": "http", "scheme": "bearer",
                    "description": "The session token as Authorization: Bearer (API clients)." },
                "operatorBasic": { "type": "http", "scheme": "basic",
                    "description": "A CA operator account (podpis ca operator add)." },
                "requestToken": { "type": "apiKey", "in": "header", "name": "X-Request-Token",
                    "description": "The token a CA request submission returned." }
            }
        }
    })
}

fn op(summary: &str, tag: &str, ok: (&str, &str), security: &str, body: bool) -> Value {
    let mut m = Map::new();
    m.insert("summary".into(), json!(summary));
    m.insert("tags".into(), json!([tag]));
    m.insert(
        "responses".into(),
        json!({
            ok.0: { "description": ok.1 },
            "default": { "description": "Error (docs/errors.md)",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
        }),
    );
    if body {
        m.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { "application/json": { "schema": { "type": "object" } } } }),
        );
    }
    m.insert(
        "security".into(),
        match security {
            "operator" => json!([{ "operatorBasic": [] }]),
            _ => json!([]),
        },
    );
    Value::Object(m)
}

/// The CA's registration and operator API (`ca::api`, docs/api.md).
pub(crate) fn ca_paths() -> Value {
    let t = "ca";
    let o = "ca-operator";
    json!({
        "/api/v1/requests": { "post": op("Submit a certificate request (applicant data and a PKCS#10)", t, ("201", "{id, token, state}"), "none", true) },
        "/api/v1/requests/by-token/{token}": { "get": op("A request's state, by the token its submission returned", t, ("200", "The request"), "none", false) },
        "/api/v1/renewals": { "post": op("Renew a certificate: a request signed with the current key (CMS)", t, ("201", "{id, token, state}"), "none", true) },
        "/api/v1/revocations": { "post": op("Ask for revocation with a request signed by the certificate's key", t, ("200", "The certificate's status"), "none", true) },
        "/api/v1/certificates/{serial}": { "get": op("A certificate (DER)", t, ("200", "application/pkix-cert"), "none", false) },
        "/api/v1/operator/requests": { "get": op("Requests, filtered by state", o, ("200", "The requests"), "operator", false) },
        "/api/v1/operator/requests/{id}": { "get": op("One request", o, ("200", "The request"), "operator", false) },
        "/api/v1/operator/requests/{id}/identify": { "post": op("Record the applicant's identification", o, ("200", "The request"), "operator", true) },
        "/api/v1/operator/requests/{id}/approve": { "post": op("Approve a request", o, ("200", "The request"), "operator", false) },
        "/api/v1/operator/requests/{id}/reject": { "post": op("Reject a request with a reason", o, ("200", "The request"), "operator", true) },
        "/api/v1/operator/requests/{id}/issue": { "post": op("Issue the certificate of an approved request", o, ("201", "The certificate"), "operator", false) },
        "/api/v1/operator/certificates/{serial}": { "get": op("A certificate and its status", o, ("200", "The certificate"), "operator", false) },
        "/api/v1/operator/certificates/{serial}/revoke": { "post": op("Revoke a certificate", o, ("200", "The status"), "operator", true) },
        "/api/v1/operator/certificates/{serial}/suspend": { "post": op("Suspend a certificate (certificateHold)", o, ("200", "The status"), "operator", false) },
        "/api/v1/operator/certificates/{serial}/release": { "post": op("Release a suspended certificate", o, ("200", "The status"), "operator", false) },
        "/api/v1/operator/crl": { "post": op("Publish a new CRL now", o, ("200", "The CRL's number"), "operator", false) },
        "/api/v1/operator/status": { "get": op("The CA's status", o, ("200", "Status"), "operator", false) },
        "/api/v1/operator/journal": { "get": op("The CA's journal", o, ("200", "Entries"), "operator", false) }
    })
}

/// `GET /api/openapi.json`.
pub(crate) fn router(with_ca: bool) -> Router {
    let body = document(with_ca).to_string();
    Router::new().route(
        "/api/openapi.json",
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body).into_response() }
        }),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    /// The `/api/v1/…` paths of every `.route(` in a source file.
    fn routes_in(source: &str) -> Vec<String> {
        source
            .split(".route(")
            .skip(1)
            .filter_map(|r| {
                let start = r.find('"')? + 1;
                let end = start + r[start..].find('"')?;
                let path = &r[start..end];
                path.starts_with("/api/v1/").then(|| path.to_owned())
            })
            .collect()
    }

    /// Every `/api/v1` route the mounted routers declare (read from their
    /// sources) is in the document, with at least one operation, and every
    /// `$ref` resolves.
    #[test]
    fn every_mounted_route_is_documented() {
        let doc: Value = serde_json::from_str(&document(true).to_string()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().unwrap();
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut checked = 0;
        for file in [
            "ca/src/api/mod.rs",
            "idp/src/api/account.rs",
            "idp/src/api/esig.rs",
            "portal/src/verify/mod.rs",
        ] {
            let source = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
            for path in routes_in(&source) {
                let ops = paths
                    .get(&path)
                    .unwrap_or_else(|| panic!("{path} ({file}) missing from /api/openapi.json"));
                assert!(!ops.as_object().unwrap().is_empty(), "{path}");
                checked += 1;
            }
        }
        assert!(checked > 30, "{checked}");
        let text = doc.to_string();
        for r in text.split("\"$ref\":\"").skip(1) {
            let target = &r[..r.find('"').unwrap()];
            let name = target.strip_prefix("#/components/schemas/").unwrap();
            assert!(doc["components"]["schemas"].get(name).is_some(), "{target}");
        }
        for op in paths.values().flat_map(|p| p.as_object().unwrap().values()) {
            // An operation without `security` is public (OIDC discovery, the
            // e-signature challenge).
            for s in op
                .get("security")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for scheme in s.as_object().unwrap().keys() {
                    assert!(
                        doc["components"]["securitySchemes"].get(scheme).is_some(),
                        "{scheme}"
                    );
                }
            }
        }
        // Without a CA, its paths are not offered.
        let idp_only = document(false);
        assert!(idp_only["paths"].get("/api/v1/requests").is_none());
        assert!(idp_only["paths"].get("/api/v1/login/password").is_some());
        // The verification service is public and answers with its report.
        let verify = &idp_only["paths"]["/api/v1/verify"]["post"];
        assert_eq!(verify["security"], json!([]));
        assert_eq!(
            verify["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ValidationReport"
        );
    }

    #[test]
    fn the_route_reader_finds_routes() {
        let r = routes_in(
            r#"x.route("/api/v1/a", get(a)).route("/b", get(b)).route(
            "/api/v1/c/{id}", post(c))"#,
        );
        assert_eq!(r, ["/api/v1/a", "/api/v1/c/{id}"]);
    }
}
