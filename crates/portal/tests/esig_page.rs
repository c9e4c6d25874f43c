//! The e-signature login page and its scripts through the router: the
//! page carries the agent's address and the catalogue's texts for its
//! script, loads it as a same-origin module (no inline script); only this
//! page's Content-Security-Policy lets it connect to the agent (the
//! configured address or the default), every other page keeps
//! `connect-src 'self'`; the script and the SDK are served as JavaScript.
//! The browser flow itself runs in crates/podpis/tests/cli_demo.rs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use idp::esig::{Esig, EsigConfig};
use idp::trust::TrustList;
use idp::{FileOutbox, Idp, Policy, ServerKeys, SystemClock};
use portal::{AgentUrl, PortalOptions};
use store::testing::TestDb;
use tower::ServiceExt;

async fn idp(db: &TestDb, outbox: &std::path::Path) -> Idp {
    Idp::new(
        db.open().await,
        Arc::new(SystemClock),
        ServerKeys::random().unwrap(),
        Arc::new(FileOutbox::new(outbox)),
        Policy {
            secure_cookies: false,
            ..Policy::default()
        },
    )
}

async fn get(app: &Router, uri: &str) -> (StatusCode, HeaderMap, String) {
    let r = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

/// The e-signature part beside `idp`: no trusted CA (no login happens
/// here; the pages only need it for «Ключи и сертификаты»).
fn esig(idp: &Idp) -> Arc<Esig> {
    Arc::new(Esig::for_idp(idp, EsigConfig::new(TrustList::new()), None))
}

fn csp(headers: &HeaderMap) -> &str {
    headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap()
}

#[tokio::test]
async fn the_login_page_reaches_the_configured_agent_only() {
    let db = TestDb::sqlite();
    let outbox = tempfile::tempdir().unwrap();
    let agent = AgentUrl::parse("http://127.0.0.1:47999").unwrap();
    let idp = idp(&db, outbox.path()).await;
    let app = portal::router_with(
        idp.clone(),
        esig(&idp),
        PortalOptions {
            agent_url: agent.clone(),
        },
    );

    let (status, headers, page) = get(&app, "/login/esig").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(csp(&headers), agent.login_page_csp());
    assert!(
        csp(&headers).contains("connect-src 'self' http://127.0.0.1:47999 ws://127.0.0.1:47999;")
    );
    assert!(csp(&headers).contains("script-src 'self';"));
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert!(page.contains(r#"data-agent-url="http://127.0.0.1:47999""#));
    assert!(page.contains(r#"<script type="module" src="/static/login-esig.js"></script>"#));
    assert_eq!(page.matches("<script").count(), 1, "no inline script");
    assert!(page.contains("Выбор сертификата"));
    assert!(page.contains(r#"data-text-unreachable="Портал не отвечает."#));
    assert!(page.contains("<noscript>"));
    assert!(page.contains("podpis login --server"), "the CLI path stays");
    let (_, _, english) = get(&app, "/login/esig?lang=en").await;
    assert!(english.contains("Choose a certificate"));
    assert!(english.contains(r#"data-text-description="Login to the personal cabinet"#));

    // Every other page keeps the strict policy.
    for path in ["/login", "/register", "/static/portal.css", "/nowhere"] {
        let (_, headers, _) = get(&app, path).await;
        assert_eq!(csp(&headers), idp::security::DEFAULT_CSP, "{path}");
    }

    // The script and the SDK, as JavaScript; the script imports the SDK
    // from where it is served.
    let (status, headers, script) = get(&app, "/static/login-esig.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert!(script.contains("from '/static/podpis-agent.js'"));
    assert!(script.contains("/api/v1/login/esig/challenge"));
    assert!(
        !script.contains("innerHTML"),
        "the DOM is built with textContent"
    );
    let (status, headers, sdk) = get(&app, "/static/podpis-agent.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert!(sdk.contains("export async function connect"));
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test]
async fn the_default_agent_address() {
    let db = TestDb::sqlite();
    let outbox = tempfile::tempdir().unwrap();
    let idp = idp(&db, outbox.path()).await;
    let app = portal::router(idp.clone(), esig(&idp));
    let (_, headers, page) = get(&app, "/login/esig").await;
    assert!(
        csp(&headers).contains("connect-src 'self' http://127.0.0.1:47213 ws://127.0.0.1:47213;")
    );
    assert!(page.contains(r#"data-agent-url="http://127.0.0.1:47213""#));
}
