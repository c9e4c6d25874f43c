//! The portal's handlers driven through the router (tower `oneshot`),
//! over a real store on both backends (SQLite and PostgreSQL) and the
//! identity provider with a fixed clock: the CSRF checks (before and after
//! login), registration and the password + code login through the forms,
//! the cabinet pages, the journal filter, ending sessions, the idle
//! timeout, the language switch, errors with their codes, the demo outbox.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use idp::{FileOutbox, FixedClock, Idp, Policy, ServerKeys};
use store::testing::TestDb;
use tower::ServiceExt;

const EMAIL: &str = "petrov@example.ru";
const PASSWORD: &str = "Tr0ub4dor&3-podpis";

struct World {
    idp: Idp,
    app: Router,
    clock: Arc<FixedClock>,
    _outbox: tempfile::TempDir,
}

fn world(store: store::Store, demo: bool) -> World {
    let clock = Arc::new(FixedClock::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
    ));
    let outbox = tempfile::tempdir().unwrap();
    let idp = Idp::new(
        store,
        clock.clone(),
        ServerKeys::random().unwrap(),
        Arc::new(FileOutbox::new(outbox.path())),
        Policy {
            demo,
            secure_cookies: false,
            ..Policy::default()
        },
    );
    // No trusted CA: nobody logs in by signature here (see
    // tests/certificates.rs for the e-signature side).
    let esig = Arc::new(idp::esig::Esig::for_idp(
        &idp,
        idp::esig::EsigConfig::new(idp::trust::TrustList::new()),
        None,
    ));
    World {
        app: portal::router(idp.clone(), esig),
        idp,
        clock,
        _outbox: outbox,
    }
}

/// A response, simplified.
struct Got {
    status: StatusCode,
    location: String,
    cookies: Vec<String>,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn call(app: &Router, method: &str, uri: &str, cookie: &str, form: &[(&str, &str)]) -> Got {
    let mut req = Request::builder().method(method).uri(uri);
    if !cookie.is_empty() {
        req = req.header(header::COOKIE, cookie);
    }
    let body = if method == "POST" {
        req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        Body::from(
            form.iter()
                .map(|(k, v)| format!("{k}={}", enc(v)))
                .collect::<Vec<_>>()
                .join("&"),
        )
    } else {
        Body::empty()
    };
    let r = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let location = headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let cookies = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
    Got {
        status,
        location,
        cookies,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The value of a hidden field.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + key.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// `name=value` of a Set-Cookie.
fn cookie_pair(cookies: &[String], name: &str) -> Option<String> {
    cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

/// The newest code in the outbox.
fn newest_code(idp: &Idp) -> String {
    let m = &idp.demo_outbox(1).unwrap()[0];
    let at = m.body.find(": ").unwrap() + 2;
    m.body[at..at + 6].to_owned()
}

/// Registers and logs in through the forms; returns the session cookie.
async fn register_and_login(w: &World) -> String {
    let page = call(&w.app, "GET", "/register", "", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    let anon = cookie_pair(&page.cookies, portal::ANON_CSRF_COOKIE).unwrap();
    let csrf = hidden(&page.body, "csrf");
    assert_eq!(anon, format!("{}={csrf}", portal::ANON_CSRF_COOKIE));
    let step = call(
        &w.app,
        "POST",
        "/register",
        &anon,
        &[("csrf", &csrf), ("login", EMAIL), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(step.status, StatusCode::OK, "{}", step.body);
    let pending = hidden(&step.body, "pending");
    let done = call(
        &w.app,
        "POST",
        "/register/confirm",
        &anon,
        &[
            ("csrf", &csrf),
            ("pending", &pending),
            ("code", &newest_code(&w.idp)),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location, "/login?done=registered");
    let step = call(
        &w.app,
        "POST",
        "/login",
        &anon,
        &[("csrf", &csrf), ("login", EMAIL), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(step.status, StatusCode::OK, "{}", step.body);
    assert!(step.body.contains("pe***@example.ru"), "{}", step.body);
    let pending = hidden(&step.body, "pending");
    let done = call(
        &w.app,
        "POST",
        "/login/code",
        &anon,
        &[
            ("csrf", &csrf),
            ("pending", &pending),
            ("code", &newest_code(&w.idp)),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location, "/cabinet");
    let session = cookie_pair(&done.cookies, "podpis_session").unwrap();
    assert!(
        done.cookies
            .iter()
            .any(|c| c.contains("HttpOnly") && c.contains("SameSite"))
    );
    session
}

#[tokio::test]
async fn register_login_cabinet_and_sessions() {
    for db in TestDb::both().await {
        let w = world(db.open().await, true);
        let name = db.name();

        // Before login: / and the cabinet send to the login page.
        let r = call(&w.app, "GET", "/", "", &[]).await;
        assert_eq!(
            (r.status, r.location.as_str()),
            (StatusCode::SEE_OTHER, "/login"),
            "{name}"
        );
        let r = call(&w.app, "GET", "/cabinet/journal", "", &[]).await;
        assert_eq!(r.location, "/login", "{name}");
        // Security headers on the pages.
        let r = call(&w.app, "GET", "/login", "", &[]).await;
        assert!(
            r.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        assert_eq!(r.headers["x-frame-options"], "DENY");
        assert!(r.body.contains("<html lang=\"ru\">"));

        let session = register_and_login(&w).await;
        let home = call(&w.app, "GET", "/cabinet", &session, &[]).await;
        assert_eq!(home.status, StatusCode::OK, "{name}");
        assert!(home.body.contains("упрощённая"), "{name}");
        assert!(home.body.contains(EMAIL));
        let csrf = hidden(&home.body, "csrf");

        // The journal, whole and filtered.
        let j = call(&w.app, "GET", "/cabinet/journal", &session, &[]).await;
        assert!(
            j.body.contains("data-action=\"login.otp\""),
            "{name}: {}",
            j.body
        );
        assert!(j.body.contains("data-action=\"login.password\""));
        let j = call(
            &w.app,
            "GET",
            "/cabinet/journal?action=settings.&result=ok",
            &session,
            &[],
        )
        .await;
        assert!(!j.body.contains("data-action="), "{name}");
        let j = call(
            &w.app,
            "GET",
            "/cabinet/journal?action=login.&from=2027-01-15&to=2027-01-15",
            &session,
            &[],
        )
        .await;
        assert_eq!(
            j.body.matches("data-action=\"login.").count(),
            j.body.matches("data-action=").count()
        );
        assert!(j.body.contains("data-action=\"login.otp\""), "{name}");
        let j = call(
            &w.app,
            "GET",
            "/cabinet/journal?from=2027-01-16",
            &session,
            &[],
        )
        .await;
        assert!(
            !j.body.contains("data-action="),
            "{name}: a later day has nothing"
        );

        // CSRF: a session-bound POST without or with a wrong token is refused.
        let r = call(
            &w.app,
            "POST",
            "/cabinet/sessions/end-all",
            &session,
            &[("keep_current", "1")],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}");
        assert!(r.body.contains("CSRF_FAILED"));
        let r = call(&w.app, "POST", "/logout", &session, &[("csrf", "nope")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}");
        // Before login: a form without the double-submit cookie is refused.
        let r = call(
            &w.app,
            "POST",
            "/login",
            "",
            &[("csrf", "x"), ("login", EMAIL), ("password", PASSWORD)],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}");
        assert!(r.body.contains("CSRF_FAILED"));

        // Sessions: the page lists them; end-all keeping this one.
        let s = call(&w.app, "GET", "/cabinet/sessions", &session, &[]).await;
        assert!(s.body.contains("этот сеанс"), "{name}");
        let r = call(
            &w.app,
            "POST",
            "/cabinet/sessions/end-all",
            &session,
            &[("csrf", &csrf), ("keep_current", "1")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        assert_eq!(r.location, "/cabinet/sessions?done=ended_all&n=0");
        // Ending an unknown session: its code on the page.
        let r = call(
            &w.app,
            "POST",
            "/cabinet/sessions/999999/end",
            &session,
            &[("csrf", &csrf)],
        )
        .await;
        assert!(r.body.contains("SESSION_NOT_FOUND"), "{name}: {}", r.body);

        // Password change: a wrong current password is refused, tied to its field.
        let r = call(
            &w.app,
            "POST",
            "/cabinet/security/password",
            &session,
            &[
                ("csrf", &csrf),
                ("current", "wrong"),
                ("new_password", "An0ther&Passw0rd"),
            ],
        )
        .await;
        assert!(r.body.contains("PASSWORD_WRONG"), "{name}");
        assert!(r.body.contains("id=\"current\" name=\"current\" type=\"password\" autocomplete=\"current-password\" required aria-invalid=\"true\""));

        // English: ?lang=en sets the cookie; an error message is English.
        let r = call(&w.app, "GET", "/cabinet?lang=en", &session, &[]).await;
        assert!(r.body.contains("<html lang=\"en\">"), "{name}");
        assert!(r.cookies.iter().any(|c| c.starts_with("lang=en")));
        let both = format!("{session}; lang=en");
        let r = call(&w.app, "POST", "/cabinet/sessions/end-all", &both, &[]).await;
        assert!(
            r.body.contains("<html lang=\"en\">") && r.body.contains("CSRF_FAILED"),
            "{name}"
        );

        // The demo outbox shows the messages.
        let r = call(&w.app, "GET", "/demo/outbox", "", &[]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.contains(EMAIL) && r.body.contains("Код для входа"),
            "{name}"
        );

        // Idle timeout: 31 minutes later the session is gone.
        w.clock.advance(Duration::from_secs(31 * 60));
        let r = call(&w.app, "GET", "/cabinet", &session, &[]).await;
        assert_eq!(r.location, "/login", "{name}");
    }
}

#[tokio::test]
async fn logout_and_demo_off() {
    let db = TestDb::sqlite();
    let w = world(db.open().await, false);
    // Outside demo mode the outbox page is refused with its code.
    let r = call(&w.app, "GET", "/demo/outbox", "", &[]).await;
    assert!(r.body.contains("DEMO_MODE_OFF"));
    assert!(!r.status.is_success());
    // The nav has no outbox link.
    let r = call(&w.app, "GET", "/login", "", &[]).await;
    assert!(!r.body.contains("/demo/outbox"));
    // (The registration code is read from the notifier directly.)
    let w = world(db.open().await, true);
    let session = register_and_login(&w).await;
    let home = call(&w.app, "GET", "/cabinet", &session, &[]).await;
    let csrf = hidden(&home.body, "csrf");
    let r = call(&w.app, "POST", "/logout", &session, &[("csrf", &csrf)]).await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (StatusCode::SEE_OTHER, "/login?done=out")
    );
    assert!(r.cookies.iter().any(|c| c.starts_with("podpis_session=;")));
    let r = call(&w.app, "GET", "/cabinet", &session, &[]).await;
    assert_eq!(r.location, "/login");
    // A wrong login is refused with the same answer as a wrong password.
    let page = call(&w.app, "GET", "/login", "", &[]).await;
    let anon = cookie_pair(&page.cookies, portal::ANON_CSRF_COOKIE).unwrap();
    let csrf = hidden(&page.body, "csrf");
    let r = call(
        &w.app,
        "POST",
        "/login",
        &anon,
        &[
            ("csrf", &csrf),
            ("login", "nobody@example.ru"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert!(r.body.contains("LOGIN_FAILED"));
    assert!(r.body.contains("aria-invalid=\"true\""));
}
