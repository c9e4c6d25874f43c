//! The page handlers and their templates (crates/portal/templates).

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRef, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use idp::esig::{Esig, EsigError};
use idp::login::SecondFactor;
use idp::otp::Enrolment;
use idp::security::{SecurityHeaders, SecurityLayer};
use idp::session::{self, ActiveSession};
use idp::{AccountError, Client, Idp};
use pki::Diagnostic;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::agent_login::{self, PortalOptions};
use crate::certificates::{CertStatus, show_rfc3339};
use crate::lang::{Lang, cookie};
use crate::time;

/// The cookie of the double-submit CSRF token of the forms shown before
/// login (registration, login).
pub const ANON_CSRF_COOKIE: &str = "portal_csrf";

/// The largest form body (16 KiB).
const BODY_LIMIT: usize = 16 * 1024;

/// Journal entries per page.
const JOURNAL_PAGE: i64 = 50;

/// What the pages share: the identity provider and its e-signature part
/// (the bound certificates of «Ключи и сертификаты»).
#[derive(Debug, Clone)]
struct Portal {
    idp: Idp,
    esig: Arc<Esig>,
}

impl FromRef<Portal> for Idp {
    fn from_ref(p: &Portal) -> Idp {
        p.idp.clone()
    }
}

/// The portal's pages, over the identity provider `idp` and its
/// e-signature login `esig`, with the security headers on every response;
/// the default [`PortalOptions`].
pub fn router(idp: Idp, esig: Arc<Esig>) -> Router {
    router_with(idp, esig, PortalOptions::default())
}

/// [`router`] with `options`.
pub fn router_with(idp: Idp, esig: Arc<Esig>, options: PortalOptions) -> Router {
    let security = SecurityLayer::new(&SecurityHeaders {
        hsts: idp.policy().hsts,
        ..Default::default()
    });
    Router::new()
        .route("/", get(root))
        .route("/cabinet/", get(root))
        .route("/login", get(login_form).post(login_password))
        .route("/login/code", post(login_code))
        .route("/login/esig", get(login_esig))
        .route("/register", get(register_form).post(register_submit))
        .route("/register/confirm", post(register_confirm))
        .route("/logout", post(logout))
        .route("/cabinet", get(home))
        .route("/cabinet/certificates", get(certificates))
        .route("/cabinet/certificates/{id}/unbind", post(unbind))
        .route("/cabinet/journal", get(journal))
        .route("/cabinet/sessions", get(sessions))
        .route("/cabinet/sessions/end-all", post(end_all))
        .route("/cabinet/sessions/{id}/end", post(end_one))
        .route("/cabinet/security", get(security_get))
        .route("/cabinet/security/password", post(change_password))
        .route("/cabinet/security/totp", post(totp_begin))
        .route("/cabinet/security/totp/confirm", post(totp_confirm))
        .route("/cabinet/security/totp/remove", post(totp_remove))
        .route("/demo/outbox", get(outbox))
        .route("/static/portal.css", get(css))
        .route("/static/login-esig.js", get(agent_login::login_script))
        .route("/static/podpis-agent.js", get(agent_login::sdk))
        .with_state(Portal { idp, esig })
        .layer(Extension(options))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(security)
}

/// The query string any page may have.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageQuery {
    pub(crate) lang: Option<String>,
    /// A notice after a redirect (`registered`, `out`, `ended`, …).
    done: Option<String>,
    /// A number for the notice.
    n: Option<u64>,
    action: Option<String>,
    result: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
    /// The bound certificate whose unbinding to confirm.
    unbind: Option<i64>,
}

/// What the layout needs.
pub(crate) struct Nav {
    pub(crate) logged_in: bool,
    pub(crate) csrf: String,
    pub(crate) demo: bool,
    pub(crate) current: &'static str,
}

/// An error as a page shows it.
pub(crate) struct Shown {
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

/// The request's context: language, session, CSRF token.
pub(crate) struct Ctx {
    pub(crate) l: Lang,
    session: Option<ActiveSession>,
    /// The double-submit token from the cookie.
    anon: Option<String>,
    /// A fresh double-submit token to set.
    new_anon: Option<String>,
    demo: bool,
}

fn random_token() -> Result<String, AccountError> {
    let mut raw = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut raw[..]).map_err(|_| AccountError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(&raw[..]))
}

pub(crate) async fn ctx(
    idp: &Idp,
    headers: &HeaderMap,
    q: &PageQuery,
    path: &str,
) -> Result<Ctx, Response> {
    let l = Lang::detect(q.lang.as_deref(), headers, path);
    let session = match session::from_headers(idp, headers).await {
        Ok(s) => s,
        Err(e) => return Err(error_page(idp, &l, None, &e)),
    };
    let anon = cookie(headers, ANON_CSRF_COOKIE).filter(|v| v.len() == 43);
    let new_anon = match (&session, &anon) {
        (None, None) => match random_token() {
            Ok(t) => Some(t),
            Err(e) => return Err(error_page(idp, &l, None, &e)),
        },
        _ => None,
    };
    Ok(Ctx {
        l,
        session,
        anon,
        new_anon,
        demo: idp.policy().demo,
    })
}

impl Ctx {
    pub(crate) fn nav(&self, current: &'static str) -> Nav {
        let csrf = match &self.session {
            Some(s) => s.csrf_token().to_owned(),
            None => self
                .new_anon
                .clone()
                .or_else(|| self.anon.clone())
                .unwrap_or_default(),
        };
        Nav {
            logged_in: self.session.is_some(),
            csrf,
            demo: self.demo,
            current,
        }
    }

    fn shown(&self, e: &impl Diagnostic) -> Shown {
        shown(&self.l, e)
    }

    /// The page, with the cookies this context sets.
    pub(crate) fn render(&self, status: StatusCode, page: &impl Template) -> Response {
        let response = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "page template failed");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        };
        self.cookies(response)
    }

    fn cookies(&self, mut response: Response) -> Response {
        let h = response.headers_mut();
        if self.l.chosen
            && let Some(v) = self.l.cookie()
        {
            h.append(header::SET_COOKIE, v);
        }
        if let Some(t) = &self.new_anon
            && let Ok(v) = HeaderValue::from_str(&format!(
                "{ANON_CSRF_COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict"
            ))
        {
            h.append(header::SET_COOKIE, v);
        }
        response
    }

    fn redirect(&self, to: &str) -> Response {
        self.cookies(Redirect::to(to).into_response())
    }

    /// The session, or a redirect to the login page.
    #[allow(
        clippy::result_large_err,
        reason = "the error is the page to send, returned at once by the handler"
    )]
    fn require(&self) -> Result<ActiveSession, Response> {
        self.session.clone().ok_or_else(|| self.redirect("/login"))
    }

    /// Checks the double-submit token of a form shown before login.
    fn check_anon(&self, submitted: &str) -> Result<(), AccountError> {
        match &self.anon {
            Some(c) if bool::from(c.as_bytes().ct_eq(submitted.as_bytes())) => Ok(()),
            _ => Err(AccountError::CsrfFailed),
        }
    }

    fn error(&self, idp: &Idp, e: &AccountError) -> Response {
        self.cookies(error_page(idp, &self.l, self.session.as_ref(), e))
    }
}

fn shown(l: &Lang, e: &impl Diagnostic) -> Shown {
    Shown {
        code: e.code(),
        message: if l.en { e.message_en() } else { e.message_ru() },
    }
}

/// The form field an error is about (its input gets `aria-invalid` and
/// points at the message).
fn field_of(e: &AccountError, password_field: &'static str) -> &'static str {
    match e.code() {
        "LOGIN_INVALID" | "EMAIL_INVALID" | "PHONE_INVALID" => "login",
        "PASSWORD_TOO_SHORT" | "PASSWORD_TOO_SIMPLE" | "PASSWORD_COMMON" | "LOGIN_FAILED" => {
            password_field
        }
        "PASSWORD_WRONG" => "current",
        "OTP_INVALID" => "code",
        _ => "",
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Lang,
    nav: Nav,
    error: Option<Shown>,
    notice: Option<String>,
}

fn error_page(idp: &Idp, l: &Lang, session: Option<&ActiveSession>, e: &AccountError) -> Response {
    let page = ErrorPage {
        l: l.clone(),
        nav: Nav {
            logged_in: session.is_some(),
            csrf: session
                .map(|s| s.csrf_token().to_owned())
                .unwrap_or_default(),
            demo: idp.policy().demo,
            current: "",
        },
        error: Some(shown(l, e)),
        notice: None,
    };
    if e.status().is_server_error() {
        tracing::error!(code = e.code(), error = %e, "portal page failed");
    }
    match page.render() {
        Ok(html) => (e.status(), Html(html)).into_response(),
        Err(_) => e.status().into_response(),
    }
}

/// A notice after a redirect, from `?done=`.
fn notice(l: &Lang, q: &PageQuery) -> Option<String> {
    let key = match q.done.as_deref()? {
        "registered" => "register.done",
        "out" => "login.logged_out",
        "ended" => "sessions.ended",
        "ended_all" => "sessions.ended_all",
        "password" => "security.password_changed",
        "totp_on" => "security.totp_enrolled",
        "totp_off" => "security.totp_removed",
        "unbound" => "certs.unbound",
        _ => return None,
    };
    Some(l.t(key).replace("{n}", &q.n.unwrap_or(0).to_string()))
}

fn form<T>(f: Result<Form<T>, FormRejection>) -> Result<T, AccountError> {
    f.map(|Form(f)| f)
        .map_err(|e| AccountError::BadRequest(e.body_text()))
}

// --- login ------------------------------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Lang,
    nav: Nav,
    error: Option<Shown>,
    notice: Option<String>,
    field: &'static str,
    login: String,
    pending: Option<String>,
    sent_to: String,
    totp: bool,
}

impl LoginPage {
    fn new(c: &Ctx) -> LoginPage {
        LoginPage {
            l: c.l.clone(),
            nav: c.nav("login"),
            error: None,
            notice: None,
            field: "",
            login: String::new(),
            pending: None,
            sent_to: String::new(),
            totp: false,
        }
    }
}

async fn root(
    State(idp): State<Idp>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let c = match ctx(&idp, &headers, &q, "/").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    c.redirect(if c.session.is_some() {
        "/cabinet"
    } else {
        "/login"
    })
}

async fn login_form(
    State(idp): State<Idp>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let c = match ctx(&idp, &headers, &q, "/login").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if c.session.is_some() {
        return c.redirect("/cabinet");
    }
    let page = LoginPage {
        notice: notice(&c.l, &q),
        ..LoginPage::new(&c)
    };
    c.render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: String,
    login: String,
    password: Zeroizing<String>,
}

async fn login_password(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    f: Result<Form<PasswordForm>, FormRejection>,
) -> Response {
    let c = match ctx(&idp, &headers, &PageQuery::default(), "/login").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut login = String::new();
    let result = async {
        let f = form(f)?;
        c.check_anon(&f.csrf)?;
        login.clone_from(&f.login);
        idp::login::password_step(&idp, &f.login, f.password, &client).await
    }
    .await;
    match result {
        Ok(p) => {
            let page = LoginPage {
                pending: Some(p.pending),
                sent_to: p.sent_to.unwrap_or_default(),
                totp: p.second_factor == SecondFactor::Totp,
                ..LoginPage::new(&c)
            };
            c.render(StatusCode::OK, &page)
        }
        Err(e) => {
            let page = LoginPage {
                error: Some(c.shown(&e)),
                field: field_of(&e, "password"),
                login,
                ..LoginPage::new(&c)
            };
            c.render(e.status(), &page)
        }
    }
}

#[derive(Deserialize)]
struct CodeForm {
    csrf: String,
    pending: String,
    #[serde(default)]
    sent_to: String,
    #[serde(default)]
    totp: Option<String>,
    code: Zeroizing<String>,
}

async fn login_code(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    f: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    let c = match ctx(&idp, &headers, &PageQuery::default(), "/login").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let f = match form(f) {
        Ok(f) => f,
        Err(e) => return c.error(&idp, &e),
    };
    let result = async {
        c.check_anon(&f.csrf)?;
        idp::login::otp_step(&idp, &f.pending, &f.code, &client).await
    }
    .await;
    match result {
        Ok((token, _)) => {
            let mut r = c.redirect("/cabinet");
            r.headers_mut()
                .append(header::SET_COOKIE, session::session_cookie(&idp, &token));
            r
        }
        Err(e) => {
            // A wrong code may be tried again on the same step; anything
            // else starts over.
            let again = matches!(e, AccountError::CodeInvalid { .. });
            let page = LoginPage {
                error: Some(c.shown(&e)),
                field: field_of(&e, "password"),
                pending: again.then(|| f.pending.clone()),
                sent_to: f.sent_to.clone(),
                totp: f.totp.is_some(),
                ..LoginPage::new(&c)
            };
            c.render(e.status(), &page)
        }
    }
}

#[derive(Template)]
#[template(path = "login_esig.html")]
struct EsigPage {
    l: Lang,
    nav: Nav,
    origin: String,
    /// Where the page's script looks for the signing agent.
    agent_url: String,
}

async fn login_esig(
    State(idp): State<Idp>,
    Extension(options): Extension<PortalOptions>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let c = match ctx(&idp, &headers, &q, "/login/esig").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ".:-[]".contains(ch))
        })
        .unwrap_or("127.0.0.1:8080");
    let scheme = if idp.policy().secure_cookies {
        "https"
    } else {
        "http"
    };
    let page = EsigPage {
        l: c.l.clone(),
        nav: c.nav("login"),
        origin: format!("{scheme}://{host}"),
        agent_url: options.agent_url.as_str().to_owned(),
    };
    agent_login::with_login_csp(c.render(StatusCode::OK, &page), &options.agent_url)
}

// --- registration -----------------------------------------------------

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    l: Lang,
    nav: Nav,
    error: Option<Shown>,
    notice: Option<String>,
    field: &'static str,
    login: String,
    pending: Option<String>,
    sent_to: String,
}

impl RegisterPage {
    fn new(c: &Ctx) -> RegisterPage {
        RegisterPage {
            l: c.l.clone(),
            nav: c.nav("register"),
            error: None,
            notice: None,
            field: "",
            login: String::new(),
            pending: None,
            sent_to: String::new(),
        }
    }
}

async fn register_form(
    State(idp): State<Idp>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let c = match ctx(&idp, &headers, &q, "/register").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if c.session.is_some() {
        return c.redirect("/cabinet");
    }
    c.render(StatusCode::OK, &RegisterPage::new(&c))
}

async fn register_submit(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    f: Result<Form<PasswordForm>, FormRejection>,
) -> Response {
    let c = match ctx(&idp, &headers, &PageQuery::default(), "/register").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut login = String::new();
    let result = async {
        let f = form(f)?;
        c.check_anon(&f.csrf)?;
        login.clone_from(&f.login);
        idp::account::register_start(&idp, &f.login, f.password, &client).await
    }
    .await;
    match result {
        Ok(started) => {
            let page = RegisterPage {
                pending: Some(started.pending),
                sent_to: started.sent_to.unwrap_or_default(),
                ..RegisterPage::new(&c)
            };
            c.render(StatusCode::OK, &page)
        }
        Err(e) => {
            let page = RegisterPage {
                error: Some(c.shown(&e)),
                field: field_of(&e, "password"),
                login,
                ..RegisterPage::new(&c)
            };
            c.render(e.status(), &page)
        }
    }
}

async fn register_confirm(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    f: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    let c = match ctx(&idp, &headers, &PageQuery::default(), "/register").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let f = match form(f) {
        Ok(f) => f,
        Err(e) => return c.error(&idp, &e),
    };
    let result = async {
        c.check_anon(&f.csrf)?;
        idp::account::register_confirm(&idp, &f.pending, &f.code, &client).await
    }
    .await;
    match result {
        Ok(_) => c.redirect("/login?done=registered"),
        Err(e) => {
            let again = matches!(e, AccountError::CodeInvalid { .. });
            let page = RegisterPage {
                error: Some(c.shown(&e)),
                field: field_of(&e, "password"),
                pending: again.then(|| f.pending.clone()),
                sent_to: f.sent_to.clone(),
                ..RegisterPage::new(&c)
            };
            c.render(e.status(), &page)
        }
    }
}

// --- session-bound forms -----------------------------------------------

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
    #[serde(default)]
    keep_current: Option<String>,
}

/// The session of a state-changing form, its CSRF token checked.
#[allow(
    clippy::result_large_err,
    reason = "the error is the page to send, returned at once by the handler"
)]
fn changing(c: &Ctx, idp: &Idp, csrf: Option<&str>) -> Result<ActiveSession, Response> {
    let s = c.require()?;
    s.check_csrf(csrf).map_err(|e| c.error(idp, &e))?;
    Ok(s)
}

async fn logout(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    f: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let c = match ctx(&idp, &headers, &PageQuery::default(), "/").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let csrf = f.ok().map(|Form(f)| f.csrf);
    let s = match changing(&c, &idp, csrf.as_deref()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(e) = session::logout(&idp, &s, &client).await {
        return c.error(&idp, &e);
    }
    let mut r = c.redirect("/login?done=out");
    r.headers_mut()
        .append(header::SET_COOKIE, session::clear_cookie(&idp));
    r
}

// --- cabinet ------------------------------------------------------------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Lang,
    nav: Nav,
    error: Option<Shown>,
    notice: Option<String>,
    who: String,
    level: &'static str,
    level_help: &'static str,
    fields: Vec<(&'static str, String)>,
    amr: String,
}

async fn home(
    State(idp): State<Idp>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let c = match ctx(&idp, &headers, &q, "/cabinet").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let s = match c.require() {
        Ok(s) => s,
        Err(r) => return r,
    };
    let a = match idp::account::current(&idp, &s).await {
        Ok(a) => a,
        Err(e) => return c.error(&idp, &e),
    };
    let l = &c.l;
    let level = a.level.as_str();
    let name = [&a.surname, &a.given_name, &a.patronymic]
        .iter()
        .filter_map(|p| p.as_deref())
        .collect::<Vec<_>>()
        .join(" ");
    let mut fields = Vec::new();
    if let Some(e) = &a.email {
        fields.push((l.t("home.email"), e.clone()));
    }
    if let Some(p) = &a.phone {
        fields.push((l.t("home.phone"), p.clone()));
    }
    if !name.is_empty() {
        fields.push((l.t("home.name"), name.clone()));
    }
    if let Some(snils) = &a.snils {
        fields.push((l.t("home.snils"), snils.clone()));
    }
    let who = if name.is_empty() {
        a.email.clone().or(a.phone.clone()).unwrap_or_default()
    } else {
        name
    };
    let amr = s
        .amr
        .iter()
        .map(|m| match m.as_str() {
            "pwd" => l.t("amr.pwd"),
            "otp" => l.t("amr.otp"),
            "ds" => l.t("amr.ds"),
            _ => "?",
        })
        .collect::<Vec<_>>()
        .join(" + ");
    let (level, level_help) = match level {
        "confirmed" => (l.t("level.confirmed"), l.t("level.confirmed_help")),
        "standard" => (l.t("level.standard"), l.t("level.standard_help")),
        _ => (l.t("level.simplified"), l.t("level.simplified_help")),
    };
    let page = HomePage {
        l: c.l.clone(),
        nav: c.nav("home"),
        error: None,
        notice: notice(&c.l, &q),
        who,
        level,
        level_help,
        fields,
        amr,
    };
    c.render(StatusCode::OK, &page)
}

struct CertRow {
    id: i64,
    subject: String,
    issuer: String,
    serial: String,
    not_after: String,
    status: String,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "certificates.html")]
struct CertificatesPage {
    l: Lang,
    nav: Nav,
    error: Option<Shown>,
    notice: Option<String>,
    rows: Vec<CertRow>,
    /// The row whose unbinding is asked to be confirmed.
    confirm: Option<CertRow>,
}

async fn certificates(
    State(p): State<Portal>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let c = match ctx(&p.idp, &headers, &q, "/cabinet/certificates").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let s = match c.require() {
        Ok(s) => s,
        Err(r) => return r,
    };
    let n = notice(&c.l, &q);
    certificates_page(&p, &c, &s, StatusCode::OK, None, n, q.unbind).await
}

/// «Ключи и сертификаты»: the account's bound certificates with their
/// status now; `unbind` asks to confirm unbinding that one.
async fn certificates_page(
    p: &Portal,
    c: &Ctx,
    s: &ActiveSession,
    status: StatusCode,
    error: Option<Shown>,
    notice: Option<String>,
    unbind: Option<i64>,
) -> Response {
    let mut rows = match bound_certificates(&p.esig, &c.l, s.account_id).await {
        Ok(rows) => rows,
        Err(e) => {
            let status =
                StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status.is_server_error() {
                tracing::error!(code = e.code(), error = %e, "listing bound certificates failed");
            }
            return c.render(
                status,
                &CertificatesPage {
                    l: c.l.clone(),
                    nav: c.nav("certificates"),
                    error: Some(c.shown(&e)),
                    notice: None,
                    rows: Vec::new(),
                    confirm: None,
                },
            );
        }
    };
    let confirm = unbind
        .and_then(|id| rows.iter().position(|r| r.id == id))
        .map(|i| rows.remove(i));
    let page = CertificatesPage {
        l: c.l.clone(),
        nav: c.nav("certificates"),
        error,
        notice,
        rows,
        confirm,
    };
    c.render(status, &page)
}

/// The account's bound certificates, as the e-signature part lists them
/// (`GET /api/v1/account/certificates` shows the same).
async fn bound_certificates(
    esig: &Esig,
    l: &Lang,
    account_id: i64,
) -> Result<Vec<CertRow>, EsigError> {
    Ok(esig
        .certificates(account_id)
        .await?
        .iter()
        .map(|v| {
            let status = CertStatus::of(v);
            CertRow {
                id: v.id,
                subject: v.subject.clone(),
                issuer: v.issuer.clone(),
                serial: v.serial.clone(),
                not_after: show_rfc3339(&v.not_after),
                status: status.label(l),
                class: status.class(),
            }
        })
        .collect())
}

/// Unbinds a certificate (after the confirmation step of the page),
/// journaled as the API's `DELETE /api/v1/account/certificates/{id}`.
async fn unbind(
    State(p): State<Portal>,
    headers: HeaderMap,
    client: Client,
    Path(id): Path<i64>,
    f: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let c = match ctx(
        &p.idp,
        &headers,
        &PageQuery::default(),
        "/cabinet/certificates",
    )
    .await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    let csrf = f.ok().map(|Form(f)| f.csrf);
    let s = match changing(&c, &p.idp, csrf.as_deref()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match p
        .esig
        .unbind(
            s.account_id,
            id,
            client.ip.as_deref(),
            client.user_agent.as_deref(),
        )
        .await
    {
        Ok(_) => c.redirect("/cabinet/certificates?done=unbound"),
        Err(e) => {
            let status =
                StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let shown = Some(c.shown(&e));
            certificates_page(&p, &c, &s, status, shown, None, None).await
        }
    }
}

struct JournalRow {
    at: String,
    action: String,
    label: String,
    result: String,
    ip: String,
    details: String,
}

#[derive(Template)]
#[template(path = "journal.html")]
struct JournalPage {
    l: Lang,
    nav: Nav,
    error: Option<Shown>,
    notice: Option<String>,
    actions: Vec<(&'static str, &'static str)>,
    results: Vec<(&'static str, &'static str)>,
    action: String,
    result: String,
    from: String,
    to: String,
    rows: Vec<JournalRow>,
    next: Option<String>,
}

/// The `?query` of the journal's filters (for the next page's link).
fn journal_query(action: &str, result: &str, from: &str, to: &str, before: i64) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "/cabinet/journal?action={}&result={}&from={}&to={}&before={before}",
        enc(action),
        enc(result),
        enc(from),
        enc(to)
    )
}

async fn journal(
    State(idp): State<Idp>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let c = match ctx(&idp, &headers, &q, "/cabinet/journal").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let s = match c.require() {
        Ok(s) => s,
        Err(r) => return r,
    };
    let l = &c.l;
    let actions = vec![
        ("", l.t("journal.all")),
        ("login.", l.t("journal.logins")),
        ("settings.", l.t("journal.settings")),
        ("session.", l.t("journal.sessions")),
        ("account.", l.t("journal.account")),
        ("signature", l.t("journal.signatures")),
        ("certificate.", l.t("journal.certificates")),
        ("oidc.", l.t("journal.oidc")),
    ];
    let results = vec![
        ("", l.t("journal.all")),
        ("ok", l.t("journal.ok")),
        ("failed", l.t("journal.failed")),
    ];
    let action = q
        .action
        .clone()
        .filter(|a| actions.iter().any(|(v, _)| v == a))
        .unwrap_or_default();
    let result = q
        .result
        .clone()
        .filter(|r| results.iter().any(|(v, _)| v == r))
        .unwrap_or_default();
    let from = q.from.clone().unwrap_or_default();
    let to = q.to.clone().unwrap_or_default();
    let filter = idp::journal::OwnFilter {
        action: Some(action.clone()),
        result: Some(result.clone()),
        from: time::parse_date(&from),
        // Inclusive of the last day.
        to: time::parse_date(&to).map(|t| t + 86_400),
        before: q.before,
        limit: Some(JOURNAL_PAGE),
    };
    let entries = match idp::journal::own(idp.store(), s.account_id, &filter).await {
        Ok(e) => e,
        Err(e) => return c.error(&idp, &e),
    };
    let next = (entries.len() as i64 == JOURNAL_PAGE)
        .then(|| {
            entries
                .last()
                .map(|e| journal_query(&action, &result, &from, &to, e.id))
        })
        .flatten();
    let rows = entries
        .iter()
        .map(|e| JournalRow {
            at: time::show(e.at),
            action: e.action.clone(),
            label: crate::catalogue::action_label(l, &e.action).to_owned(),
            result: if e.result == "ok" {
                l.t("journal.ok").to_owned()
            } else {
                e.result.clone()
            },
            ip: e.ip.clone().unwrap_or_default(),
            details: if e.details.as_object().is_some_and(|m| m.is_empty()) {
                String::new()
            } else {
                e.details.to_string()
            },
        })
        .collect();
    let page = JournalPage {
        l: c.l.clone(),
        nav: c.nav("journal"),
        error: None,
        notice: None,
        actions,
        results,
        action,
        result,
        from,
        to,
        rows,
        next,
    };
    c.render(StatusCode::OK, &page)
}

struct SessionRow {
    id: i64,
    current: bool,
    started: String,
    last_seen: String,
    amr: String,
    ip: String,
    user_agent: String,
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    l: Lang,
    nav: Nav,
    error: Option<Shown>,
    notice: Option<String>,
    rows: Vec<SessionRow>,
}

async fn sessions_page(
    idp: &Idp,
    c: &Ctx,
    s: &ActiveSession,
    status: StatusCode,
    error: Option<Shown>,
    notice: Option<String>,
) -> Response {
    let list = match session::list(idp, s).await {
        Ok(l) => l,
        Err(e) => return c.error(idp, &e),
    };
    let rows = list
        .iter()
        .map(|r| SessionRow {
            id: r.id,
            current: r.id == s.id,
            started: time::show(r.created_at),
            last_seen: time::show(r.last_seen_at),
            amr: r.amr.clone(),
            ip: r.ip.clone().unwrap_or_default(),
            user_agent: r.user_agent.clone().unwrap_or_default(),
        })
        .collect();
    let page = SessionsPage {
        l: c.l.clone(),
        nav: c.nav("sessions"),
        error,
        notice,
        rows,
    };
    c.render(status, &page)
}

async fn sessions(
    State(idp): State<Idp>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let c = match ctx(&idp, &headers, &q, "/cabinet/sessions").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let s = match c.require() {
        Ok(s) => s,
        Err(r) => return r,
    };
    let n = notice(&c.l, &q);
    sessions_page(&idp, &c, &s, StatusCode::OK, None, n).await
}

async fn end_one(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    Path(id): Path<i64>,
    f: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let c = match ctx(&idp, &headers, &PageQuery::default(), "/cabinet/sessions").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let csrf = f.ok().map(|Form(f)| f.csrf);
    let s = match changing(&c, &idp, csrf.as_deref()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match session::end_one(&idp, &s, id, &client).await {
        Ok(()) if id == s.id => {
            let mut r = c.redirect("/login?done=out");
            r.headers_mut()
                .append(header::SET_COOKIE, session::clear_cookie(&idp));
            r
        }
        Ok(()) => c.redirect("/cabinet/sessions?done=ended"),
        Err(e) => {
            let shown = Some(c.shown(&e));
            sessions_page(&idp, &c, &s, e.status(), shown, None).await
        }
    }
}

async fn end_all(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    f: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let c = match ctx(&idp, &headers, &PageQuery::default(), "/cabinet/sessions").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let f = f.ok().map(|Form(f)| f);
    let s = match changing(&c, &idp, f.as_ref().map(|f| f.csrf.as_str())) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let keep = f.is_some_and(|f| f.keep_current.is_some());
    match session::end_all(&idp, &s, keep, &client).await {
        Ok(n) if keep => c.redirect(&format!("/cabinet/sessions?done=ended_all&n={n}")),
        Ok(_) => {
            let mut r = c.redirect("/login?done=out");
            r.headers_mut()
                .append(header::SET_COOKIE, session::clear_cookie(&idp));
            r
        }
        Err(e) => c.error(&idp, &e),
    }
}

// --- security settings ----------------------------------------------------

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    l: Lang,
    nav: Nav,
    error: Option<Shown>,
    notice: Option<String>,
    field: &'static str,
    totp_enrolled: bool,
    enrolment: Option<Enrolment>,
}

async fn security_page(
    idp: &Idp,
    c: &Ctx,
    s: &ActiveSession,
    status: StatusCode,
    error: Option<&AccountError>,
    notice: Option<String>,
) -> Response {
    let a = match idp::account::current(idp, s).await {
        Ok(a) => a,
        Err(e) => return c.error(idp, &e),
    };
    // A pending enrolment is shown again (to its owner only) until its
    // first code confirms it.
    let enrolment = match (&a.totp_pending, a.has_totp()) {
        (Some(sealed), false) => idp::otp::unseal(idp.keys(), a.id, sealed)
            .ok()
            .map(|secret| {
                let label = a
                    .email
                    .clone()
                    .or(a.phone.clone())
                    .unwrap_or_else(|| format!("account {}", a.id));
                Enrolment {
                    secret: idp::otp::base32(&secret),
                    uri: idp::otp::otpauth_uri(&idp.policy().totp_issuer, &label, &secret),
                }
            }),
        _ => None,
    };
    let page = SecurityPage {
        l: c.l.clone(),
        nav: c.nav("security"),
        error: error.map(|e| c.shown(e)),
        notice,
        field: error.map_or("", |e| field_of(e, "new_password")),
        totp_enrolled: a.has_totp(),
        enrolment,
    };
    c.render(status, &page)
}

async fn security_get(
    State(idp): State<Idp>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let c = match ctx(&idp, &headers, &q, "/cabinet/security").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let s = match c.require() {
        Ok(s) => s,
        Err(r) => return r,
    };
    let n = notice(&c.l, &q);
    security_page(&idp, &c, &s, StatusCode::OK, None, n).await
}

#[derive(Deserialize)]
struct PasswordChangeForm {
    csrf: String,
    current: Zeroizing<String>,
    new_password: Zeroizing<String>,
}

async fn change_password(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    f: Result<Form<PasswordChangeForm>, FormRejection>,
) -> Response {
    let c = match ctx(&idp, &headers, &PageQuery::default(), "/cabinet/security").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let f = f.ok().map(|Form(f)| f);
    let s = match changing(&c, &idp, f.as_ref().map(|f| f.csrf.as_str())) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(f) = f else {
        return c.error(&idp, &AccountError::CsrfFailed);
    };
    match idp::account::change_password(&idp, &s, f.current, f.new_password, &client).await {
        Ok(_) => c.redirect("/cabinet/security?done=password"),
        Err(e) => security_page(&idp, &c, &s, e.status(), Some(&e), None).await,
    }
}

async fn totp_begin(
    State(idp): State<Idp>,
    headers: HeaderMap,
    f: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let c = match ctx(&idp, &headers, &PageQuery::default(), "/cabinet/security").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let csrf = f.ok().map(|Form(f)| f.csrf);
    let s = match changing(&c, &idp, csrf.as_deref()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match idp::otp::enrol_begin(&idp, &s).await {
        Ok(_) => c.redirect("/cabinet/security"),
        Err(e) => security_page(&idp, &c, &s, e.status(), Some(&e), None).await,
    }
}

#[derive(Deserialize)]
struct TotpForm {
    csrf: String,
    #[serde(default)]
    code: Zeroizing<String>,
    #[serde(default)]
    password: Zeroizing<String>,
}

async fn totp_confirm(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    f: Result<Form<TotpForm>, FormRejection>,
) -> Response {
    let c = match ctx(&idp, &headers, &PageQuery::default(), "/cabinet/security").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let f = f.ok().map(|Form(f)| f);
    let s = match changing(&c, &idp, f.as_ref().map(|f| f.csrf.as_str())) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let code = f.map(|f| f.code).unwrap_or_default();
    match idp::otp::enrol_confirm(&idp, &s, &code, &client).await {
        Ok(()) => c.redirect("/cabinet/security?done=totp_on"),
        Err(e) => security_page(&idp, &c, &s, e.status(), Some(&e), None).await,
    }
}

async fn totp_remove(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    f: Result<Form<TotpForm>, FormRejection>,
) -> Response {
    let c = match ctx(&idp, &headers, &PageQuery::default(), "/cabinet/security").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let f = f.ok().map(|Form(f)| f);
    let s = match changing(&c, &idp, f.as_ref().map(|f| f.csrf.as_str())) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let password = f.map(|f| f.password).unwrap_or_default();
    match idp::otp::remove(&idp, &s, password, &client).await {
        Ok(()) => c.redirect("/cabinet/security?done=totp_off"),
        Err(e) => security_page(&idp, &c, &s, e.status(), Some(&e), None).await,
    }
}

// --- demo outbox, static ------------------------------------------------------

struct MessageRow {
    to: String,
    subject: String,
    body: String,
    at: String,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    l: Lang,
    nav: Nav,
    messages: Vec<MessageRow>,
}

async fn outbox(
    State(idp): State<Idp>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let c = match ctx(&idp, &headers, &q, "/demo/outbox").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let messages = match idp.demo_outbox(20) {
        Ok(m) => m,
        Err(e) => return c.error(&idp, &e),
    };
    let page = OutboxPage {
        l: c.l.clone(),
        nav: c.nav("outbox"),
        messages: messages
            .into_iter()
            .map(|m| MessageRow {
                to: m.to,
                subject: m.subject,
                body: m.body,
                at: time::show(std::time::UNIX_EPOCH + std::time::Duration::from_secs(m.at)),
            })
            .collect(),
    };
    c.render(StatusCode::OK, &page)
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/portal.css"),
    )
        .into_response()
}
