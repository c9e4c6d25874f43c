//! The operator web pages: server-rendered (askama), Russian first,
//! English with `?lang=en` or `Accept-Language: en`; no JavaScript.
//!
//! An operator logs in with the form (the same accounts, Argon2id check
//! and lockout as the API); the session is an unguessable cookie
//! (`HttpOnly`, `SameSite=Strict`, path `/operator`) kept in memory for
//! eight hours, and every POST form carries the session's CSRF token.
//! Pages: login, requests (filtered by state), a request with identify /
//! approve / reject / issue, a certificate with revoke / suspend / release,
//! the journal.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pki::Diagnostic;
use serde::Deserialize;
use store::{CertStatus, JournalFilter, RequestState};
use zeroize::Zeroizing;

use crate::api::{ApiError, ApiState, IdentifyBody, login};
use crate::revocation::{parse_reason, parse_serial};
use crate::{Ca, CaError};

type Shared = std::sync::Arc<ApiState>;

const COOKIE: &str = "podpis_session";
const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// A logged-in operator's session.
#[derive(Debug, Clone)]
struct Session {
    login: String,
    csrf: String,
    expires: Instant,
}

/// The sessions of the operator pages, in memory (a restart logs
/// everyone out).
#[derive(Debug, Default)]
pub struct Sessions(Mutex<HashMap<String, Session>>);

impl Sessions {
    fn get(&self, id: &str) -> Option<Session> {
        let mut map = self.0.lock().ok()?;
        let now = Instant::now();
        map.retain(|_, s| s.expires > now);
        map.get(id).cloned()
    }

    fn create(&self, login: &str) -> Result<String, ApiError> {
        let id = random_token()?;
        let session = Session {
            login: login.to_owned(),
            csrf: random_token()?,
            expires: Instant::now() + SESSION_LIFETIME,
        };
        if let Ok(mut map) = self.0.lock() {
            map.insert(id.clone(), session);
        }
        Ok(id)
    }

    fn remove(&self, id: &str) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(id);
        }
    }
}

fn random_token() -> Result<String, ApiError> {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|_| CaError::Store(store::StoreError::Random))?;
    Ok(URL_SAFE_NO_PAD.encode(raw))
}

/// The page language: Russian unless `?lang=en` or the browser prefers
/// English.
#[derive(Debug, Clone)]
pub struct Lang {
    /// English.
    pub en: bool,
    path: String,
}

impl Lang {
    fn detect(query: &LangQuery, headers: &HeaderMap, path: String) -> Lang {
        let en = match query.lang.as_deref() {
            Some("en") => true,
            Some("ru") => false,
            _ => headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("en")),
        };
        Lang { en, path }
    }

    /// The Russian or the English text.
    pub fn t<'a>(&self, ru: &'a str, en: &'a str) -> &'a str {
        if self.en { en } else { ru }
    }

    /// `ru` or `en`.
    pub fn code(&self) -> &'static str {
        self.t("ru", "en")
    }

    /// The other language's code.
    pub fn other_code(&self) -> &'static str {
        self.t("en", "ru")
    }

    /// `?lang=…` for links and form actions.
    pub fn query(&self) -> String {
        format!("?lang={}", self.code())
    }

    /// `&lang=…` for links that have a query already.
    pub fn amp(&self) -> String {
        format!("&lang={}", self.code())
    }

    /// This page in the other language.
    pub fn switch_href(&self) -> String {
        format!("{}?lang={}", self.path, self.other_code())
    }
}

/// `?lang=` on every page.
#[derive(Debug, Default, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "page template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Lang,
    operator: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Lang,
    operator: Option<String>,
    code: &'static str,
    message: String,
}

#[derive(Template)]
#[template(path = "requests.html")]
struct RequestsPage {
    l: Lang,
    operator: Option<String>,
    states: Vec<(&'static str, &'static str)>,
    filter: String,
    rows: Vec<RequestRow>,
}

struct RequestRow {
    id: i64,
    applicant: String,
    kind: String,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "request.html")]
struct RequestPage {
    l: Lang,
    operator: Option<String>,
    error: Option<String>,
    csrf: String,
    id: i64,
    state: &'static str,
    kind: String,
    fields: Vec<(String, String)>,
    rejection: Option<String>,
    serial: Option<String>,
    can_identify: bool,
    can_approve: bool,
    can_issue: bool,
    can_reject: bool,
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage {
    l: Lang,
    operator: Option<String>,
    error: Option<String>,
    csrf: String,
    serial: String,
    subject: String,
    validity: String,
    status: &'static str,
    request_id: Option<i64>,
    can_revoke: bool,
    can_suspend: bool,
    can_release: bool,
}

#[derive(Template)]
#[template(path = "journal.html")]
struct JournalPage {
    l: Lang,
    operator: Option<String>,
    rows: Vec<(i64, String, String, String, String)>,
    next: Option<i64>,
}

fn state_label(l: &Lang, s: RequestState) -> &'static str {
    match s {
        RequestState::Submitted => l.t("подана", "submitted"),
        RequestState::Identified => l.t("заявитель идентифицирован", "identified"),
        RequestState::Approved => l.t("одобрена", "approved"),
        RequestState::Rejected => l.t("отклонена", "rejected"),
        RequestState::Issued => l.t("сертификат выпущен", "issued"),
    }
}

fn status_label(l: &Lang, s: CertStatus) -> &'static str {
    match s {
        CertStatus::Good => l.t("действует", "good"),
        CertStatus::Revoked => l.t("отозван", "revoked"),
        CertStatus::Hold => l.t("приостановлен", "suspended"),
    }
}

/// A time as the pages show it: «23.11.2026 14:05 UTC».
pub(crate) fn date_time(t: std::time::SystemTime) -> String {
    match der::DateTime::from_system_time(t) {
        Ok(d) => format!(
            "{:02}.{:02}.{} {:02}:{:02} UTC",
            d.day(),
            d.month(),
            d.year(),
            d.hour(),
            d.minutes()
        ),
        // Outside 1970–9999: not a time a CA records.
        Err(_) => "—".to_owned(),
    }
}

/// The operator pages' router (paths under `/operator/`).
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/operator/login", get(login_form).post(login_submit))
        .route("/operator/logout", post(logout))
        .route("/operator/requests", get(requests))
        .route("/operator/requests/{id}", get(request))
        .route("/operator/requests/{id}/{action}", post(request_action))
        .route("/operator/certificates/{serial}", get(certificate))
        .route(
            "/operator/certificates/{serial}/{action}",
            post(certificate_action),
        )
        .route("/operator/journal", get(journal))
        .with_state(state)
}

/// The page context: language, and the session if logged in.
struct Ctx {
    l: Lang,
    session: Option<(String, Session)>,
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

fn ctx(state: &ApiState, headers: &HeaderMap, q: &LangQuery, path: String) -> Ctx {
    let session = cookie(headers).and_then(|id| state.sessions.get(&id).map(|s| (id, s)));
    Ctx {
        l: Lang::detect(q, headers, path),
        session,
    }
}

impl Ctx {
    /// The session, or a redirect to the login page.
    fn require(&self) -> Result<Session, Redirect> {
        self.session
            .as_ref()
            .map(|(_, s)| s.clone())
            .ok_or_else(|| Redirect::to(&format!("/operator/login{}", self.l.query())))
    }

    fn error(&self, e: &ApiError) -> Response {
        let page = ErrorPage {
            l: self.l.clone(),
            operator: self.session.as_ref().map(|(_, s)| s.login.clone()),
            code: e.code(),
            message: self.message(e),
        };
        render(e.status(), &page)
    }

    fn message(&self, e: &ApiError) -> String {
        if self.l.en {
            e.message_en()
        } else {
            e.message_ru()
        }
    }
}

async fn login_form(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let c = ctx(&state, &headers, &q, "/operator/login".into());
    render(
        StatusCode::OK,
        &LoginPage {
            l: c.l,
            operator: None,
            error: None,
        },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: Zeroizing<String>,
}

async fn login_submit(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let c = ctx(&state, &headers, &q, "/operator/login".into());
    let result = match form {
        Ok(Form(f)) => {
            login(
                state.ca.store(),
                state.config.lockout,
                &f.login,
                f.password,
                state.ca.now(),
            )
            .await
        }
        Err(_) => Err(ApiError::AuthRequired),
    };
    match result.and_then(|account| state.sessions.create(&account.login)) {
        Ok(id) => {
            let mut r = Redirect::to(&format!("/operator/requests{}", c.l.query())).into_response();
            if let Ok(v) =
                format!("{COOKIE}={id}; Path=/operator; HttpOnly; SameSite=Strict").parse()
            {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => {
            let status = e.status();
            let error = Some(c.message(&e));
            render(
                status,
                &LoginPage {
                    l: c.l,
                    operator: None,
                    error,
                },
            )
        }
    }
}

async fn logout(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let c = ctx(&state, &headers, &q, "/operator/logout".into());
    if let Some((id, _)) = &c.session {
        state.sessions.remove(id);
    }
    Redirect::to(&format!("/operator/login{}", c.l.query())).into_response()
}

#[derive(Deserialize)]
struct RequestsQuery {
    lang: Option<String>,
    state: Option<String>,
}

async fn requests(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<RequestsQuery>,
) -> Response {
    let c = ctx(
        &state,
        &headers,
        &LangQuery {
            lang: q.lang.clone(),
        },
        "/operator/requests".into(),
    );
    let session = match c.require() {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let filter = q.state.as_deref().and_then(RequestState::parse);
    let list = match state.ca.store().requests(filter).await {
        Ok(list) => list,
        Err(e) => return c.error(&e.into()),
    };
    let rows = list
        .iter()
        .map(|r| RequestRow {
            id: r.id,
            applicant: applicant_summary(&r.applicant),
            kind: r.kind.clone(),
            state: state_label(&c.l, r.state),
        })
        .collect();
    let states = RequestState::ALL
        .iter()
        .map(|s| (s.as_str(), state_label(&c.l, *s)))
        .collect();
    render(
        StatusCode::OK,
        &RequestsPage {
            operator: Some(session.login),
            states,
            filter: filter.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            rows,
            l: c.l,
        },
    )
}

fn applicant_summary(json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
    let person = format!("{} {}", s("surname"), s("given_name"))
        .trim()
        .to_owned();
    match v["organisation"].as_str() {
        Some(o) => format!("{o} ({person})"),
        None => person,
    }
}

async fn request(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
) -> Response {
    let c = ctx(&state, &headers, &q, format!("/operator/requests/{id}"));
    request_page(&state.ca, &c, id, None, StatusCode::OK).await
}

async fn request_page(
    ca: &Ca,
    c: &Ctx,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let session = match c.require() {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let store = ca.store();
    let (r, cert) = match async {
        let r = store
            .request(id)
            .await?
            .ok_or(CaError::RequestNotFound(id))?;
        let cert = store.certificate_for_request(id).await?;
        Ok::<_, ApiError>((r, cert))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return c.error(&e),
    };
    let applicant: serde_json::Value = serde_json::from_str(&r.applicant).unwrap_or_default();
    let fields = applicant
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.as_str() != "kind")
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let live = !matches!(r.state, RequestState::Rejected | RequestState::Issued);
    render(
        status,
        &RequestPage {
            l: c.l.clone(),
            operator: Some(session.login),
            error,
            csrf: session.csrf,
            id,
            state: state_label(&c.l, r.state),
            kind: r.kind.clone(),
            fields,
            rejection: r.rejection_reason.or(r.error_code),
            serial: cert.map(|c| c.serial.to_string()),
            can_identify: r.state == RequestState::Submitted,
            can_approve: r.state == RequestState::Identified,
            can_issue: r.state == RequestState::Approved,
            can_reject: live,
        },
    )
}

/// The fields of every action form.
#[derive(Deserialize)]
struct ActionForm {
    csrf: String,
    method: Option<String>,
    document_type: Option<String>,
    document_number: Option<String>,
    reason: Option<String>,
}

fn check_csrf(session: &Session, form: &ActionForm) -> Result<(), ApiError> {
    if form.csrf.len() == session.csrf.len()
        && form
            .csrf
            .bytes()
            .zip(session.csrf.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    {
        Ok(())
    } else {
        Err(ApiError::CsrfFailed)
    }
}

async fn request_action(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((id, action)): Path<(i64, String)>,
    Query(q): Query<LangQuery>,
    form: Result<Form<ActionForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let c = ctx(&state, &headers, &q, format!("/operator/requests/{id}"));
    let session = match c.require() {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let ca = &state.ca;
    let result: Result<(), ApiError> = async {
        let Form(f) = form.map_err(|_| ApiError::CsrfFailed)?;
        check_csrf(&session, &f)?;
        let who = session.login.as_str();
        match action.as_str() {
            "identify" => {
                let body = IdentifyBody {
                    method: f.method.unwrap_or_default(),
                    document_type: f.document_type.unwrap_or_default(),
                    document_number: f.document_number.unwrap_or_default(),
                };
                ca.identify(id, &body.record()?, who).await?;
            }
            "approve" => {
                ca.approve(id, who).await?;
            }
            "reject" => {
                ca.reject(id, &f.reason.unwrap_or_default(), who).await?;
            }
            "issue" => {
                let cert = ca.issue(id, who).await?;
                tracing::info!(request = id, serial = %cert.serial, operator = who, "certificate issued");
            }
            _ => return Err(ApiError::NotFound),
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/operator/requests/{id}{}", c.l.query())).into_response(),
        Err(e) => request_page(ca, &c, id, Some(c.message(&e)), e.status()).await,
    }
}

async fn certificate(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(serial): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let c = ctx(
        &state,
        &headers,
        &q,
        format!("/operator/certificates/{serial}"),
    );
    certificate_page(&state.ca, &c, &serial, None, StatusCode::OK).await
}

async fn certificate_page(
    ca: &Ca,
    c: &Ctx,
    serial: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let session = match c.require() {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let cert = match async {
        let serial = parse_serial(serial)?;
        let cert = ca
            .store()
            .certificate(&serial)
            .await?
            .ok_or_else(|| CaError::CertUnknown(serial.to_string()))?;
        Ok::<_, ApiError>(cert)
    }
    .await
    {
        Ok(c) => c,
        Err(e) => return c.error(&e),
    };
    let st = cert.status.status;
    render(
        status,
        &CertificatePage {
            l: c.l.clone(),
            operator: Some(session.login),
            error,
            csrf: session.csrf,
            serial: cert.serial.to_string(),
            subject: cert.subject.clone(),
            validity: format!(
                "{} – {}",
                date_time(cert.not_before),
                date_time(cert.not_after)
            ),
            status: status_label(&c.l, st),
            request_id: cert.request_id,
            can_revoke: st != CertStatus::Revoked,
            can_suspend: st == CertStatus::Good,
            can_release: st == CertStatus::Hold,
        },
    )
}

async fn certificate_action(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((serial, action)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
    form: Result<Form<ActionForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let c = ctx(
        &state,
        &headers,
        &q,
        format!("/operator/certificates/{serial}"),
    );
    let session = match c.require() {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let ca = &state.ca;
    let result: Result<(), ApiError> = async {
        let Form(f) = form.map_err(|_| ApiError::CsrfFailed)?;
        check_csrf(&session, &f)?;
        let who = session.login.as_str();
        let s = parse_serial(&serial)?;
        match action.as_str() {
            "revoke" => {
                let reason = parse_reason(f.reason.as_deref().unwrap_or_default())?;
                ca.revoke(&s, reason, who).await?;
            }
            "suspend" => {
                ca.suspend(&s, who).await?;
            }
            "release" => {
                ca.release(&s, who).await?;
            }
            _ => return Err(ApiError::NotFound),
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {
            Redirect::to(&format!("/operator/certificates/{serial}{}", c.l.query())).into_response()
        }
        Err(e) => certificate_page(ca, &c, &serial, Some(c.message(&e)), e.status()).await,
    }
}

#[derive(Deserialize)]
struct JournalQuery {
    lang: Option<String>,
    after: Option<i64>,
}

async fn journal(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<JournalQuery>,
) -> Response {
    let c = ctx(
        &state,
        &headers,
        &LangQuery {
            lang: q.lang.clone(),
        },
        "/operator/journal".into(),
    );
    let session = match c.require() {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    const PAGE: i64 = 100;
    let entries = match state
        .ca
        .store()
        .journal(&JournalFilter {
            after_id: q.after,
            limit: Some(PAGE),
            ..JournalFilter::default()
        })
        .await
    {
        Ok(e) => e,
        Err(e) => return c.error(&e.into()),
    };
    let next = (entries.len() as i64 == PAGE)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    let rows = entries
        .into_iter()
        .map(|e| {
            (
                e.id,
                date_time(e.at),
                e.actor,
                e.action,
                format!("{} {}", e.object_type, e.object_id),
            )
        })
        .collect();
    render(
        StatusCode::OK,
        &JournalPage {
            l: c.l,
            operator: Some(session.login),
            rows,
            next,
        },
    )
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn dates_read_as_day_month_year_utc() {
        // 2026-11-23 14:05:59 UTC.
        let t = UNIX_EPOCH + Duration::from_secs(1_795_442_759);
        assert_eq!(super::date_time(t), "23.11.2026 14:05 UTC");
        assert_eq!(super::date_time(UNIX_EPOCH), "01.01.1970 00:00 UTC");
        let far = UNIX_EPOCH + Duration::from_secs(400 * 365 * 86_400 * 100);
        assert_eq!(super::date_time(far), "—");
    }
}
