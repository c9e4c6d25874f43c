//! `/api/v1/account/…`, `/api/v1/login/password…`, `/api/v1/logout`,
//! `/api/v1/sessions…`, `/api/v1/journal`, the operator's confirmation
//! and the demo outbox: JSON in and out (docs/idp-accounts.md).
//!
//! A session is taken from the `podpis_session` cookie or from
//! `Authorization: Bearer`. A state-changing call carried by the cookie
//! must send the session's CSRF token in `X-CSRF-Token` (it comes with the
//! login answer and with `GET /api/v1/account`); bearer calls need not.
//! Every response carries the security headers ([`crate::security`]).

use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::account::{IdentityForm, account_json};
use crate::security::{SecurityHeaders, SecurityLayer};
use crate::session::{self, ActiveSession};
use crate::{AccountError, Client, Idp, journal, login, otp, password, recovery};

/// The largest request body (64 KiB).
pub const BODY_LIMIT: usize = 64 * 1024;

/// The accounts part's API.
pub fn router(idp: Idp) -> Router {
    let security = SecurityLayer::new(&SecurityHeaders {
        hsts: idp.policy().hsts,
        ..Default::default()
    });
    Router::new()
        .route("/api/v1/account", get(me))
        .route("/api/v1/account/register", post(register))
        .route("/api/v1/account/register/confirm", post(register_confirm))
        .route("/api/v1/account/identity", put(identity))
        .route("/api/v1/account/password", post(change_password))
        .route("/api/v1/account/recover", post(recover))
        .route("/api/v1/account/recover/confirm", post(recover_confirm))
        .route("/api/v1/account/totp", post(totp_begin).delete(totp_remove))
        .route("/api/v1/account/totp/confirm", post(totp_confirm))
        .route("/api/v1/login/password", post(login_password))
        .route("/api/v1/login/password/otp", post(login_otp))
        .route("/api/v1/logout", post(logout))
        .route("/api/v1/sessions", get(sessions))
        .route("/api/v1/sessions/end-all", post(end_all))
        .route("/api/v1/sessions/{id}", delete(end_session))
        .route("/api/v1/journal", get(own_journal))
        .route(
            "/api/v1/operator/accounts/{id}/confirm",
            post(operator_confirm),
        )
        .route("/api/v1/demo/outbox", get(demo_outbox))
        .with_state(idp)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(security)
}

/// The body as JSON of type `T`.
fn json_body<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, AccountError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AccountError::TooLarge
        } else {
            AccountError::BadRequest(e.body_text())
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| AccountError::BadRequest(body_error(&e)))
}

/// What was wrong with a body, without quoting any of its values (a
/// password sent as a number would otherwise appear in the message).
fn body_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if text.starts_with("missing field") || text.starts_with("unknown field") {
        text
    } else {
        format!(
            "{:?} error at line {}, column {}",
            e.classify(),
            e.line(),
            e.column()
        )
    }
}

/// A session for a state-changing call (CSRF checked for cookies).
async fn changing(idp: &Idp, headers: &HeaderMap) -> Result<ActiveSession, AccountError> {
    let s = session::require(idp, headers).await?;
    s.check_csrf_header(headers)?;
    Ok(s)
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[derive(Deserialize)]
struct Credentials {
    login: String,
    password: Zeroizing<String>,
}

async fn register(
    State(idp): State<Idp>,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AccountError> {
    let body: Credentials = json_body(body)?;
    let started = crate::account::register_start(&idp, &body.login, body.password, &client).await?;
    Ok((StatusCode::ACCEPTED, Json(started)).into_response())
}

#[derive(Deserialize)]
struct CodeBody {
    pending: String,
    code: Zeroizing<String>,
}

async fn register_confirm(
    State(idp): State<Idp>,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AccountError> {
    let body: CodeBody = json_body(body)?;
    let account =
        crate::account::register_confirm(&idp, &body.pending, &body.code, &client).await?;
    Ok((StatusCode::CREATED, Json(account_json(&account))).into_response())
}

async fn me(State(idp): State<Idp>, headers: HeaderMap) -> Result<Json<Value>, AccountError> {
    let s = session::require(&idp, &headers).await?;
    let account = crate::account::current(&idp, &s).await?;
    let mut v = account_json(&account);
    if let Value::Object(map) = &mut v {
        map.insert("session".into(), session_json(&s));
    }
    Ok(Json(v))
}

fn session_json(s: &ActiveSession) -> Value {
    json!({
        "id": s.id,
        "amr": s.amr,
        "auth_time": unix(s.auth_time),
        "expires_at": unix(s.absolute_expires_at),
        "csrf_token": s.csrf_token(),
    })
}

async fn identity(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AccountError> {
    let s = changing(&idp, &headers).await?;
    let form: IdentityForm = json_body(body)?;
    let account = crate::account::set_identity(&idp, &s, &form, &client).await?;
    Ok(Json(account_json(&account)))
}

#[derive(Deserialize)]
struct PasswordChange {
    current: Zeroizing<String>,
    new: Zeroizing<String>,
}

async fn change_password(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AccountError> {
    let s = changing(&idp, &headers).await?;
    let body: PasswordChange = json_body(body)?;
    let ended = crate::account::change_password(&idp, &s, body.current, body.new, &client).await?;
    Ok(Json(json!({ "ended_sessions": ended })))
}

#[derive(Deserialize)]
struct LoginOnly {
    login: String,
}

async fn recover(
    State(idp): State<Idp>,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AccountError> {
    let body: LoginOnly = json_body(body)?;
    let started = recovery::recover_start(&idp, &body.login, &client).await?;
    Ok((StatusCode::ACCEPTED, Json(started)).into_response())
}

#[derive(Deserialize)]
struct RecoverConfirm {
    pending: String,
    code: Zeroizing<String>,
    new_password: Zeroizing<String>,
}

async fn recover_confirm(
    State(idp): State<Idp>,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AccountError> {
    let body: RecoverConfirm = json_body(body)?;
    let ended =
        recovery::recover_confirm(&idp, &body.pending, &body.code, body.new_password, &client)
            .await?;
    Ok(Json(json!({ "ended_sessions": ended })))
}

async fn totp_begin(
    State(idp): State<Idp>,
    headers: HeaderMap,
) -> Result<Json<otp::Enrolment>, AccountError> {
    let s = changing(&idp, &headers).await?;
    Ok(Json(otp::enrol_begin(&idp, &s).await?))
}

#[derive(Deserialize)]
struct CodeOnly {
    code: Zeroizing<String>,
}

async fn totp_confirm(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, AccountError> {
    let s = changing(&idp, &headers).await?;
    let body: CodeOnly = json_body(body)?;
    otp::enrol_confirm(&idp, &s, &body.code, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct PasswordOnly {
    password: Zeroizing<String>,
}

async fn totp_remove(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, AccountError> {
    let s = changing(&idp, &headers).await?;
    let body: PasswordOnly = json_body(body)?;
    otp::remove(&idp, &s, body.password, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn login_password(
    State(idp): State<Idp>,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<login::PendingLogin>, AccountError> {
    let body: Credentials = json_body(body)?;
    Ok(Json(
        login::password_step(&idp, &body.login, body.password, &client).await?,
    ))
}

async fn login_otp(
    State(idp): State<Idp>,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AccountError> {
    let body: CodeBody = json_body(body)?;
    let (token, s) = login::otp_step(&idp, &body.pending, &body.code, &client).await?;
    let mut v = session_json(&s);
    if let Value::Object(map) = &mut v {
        map.insert("token".into(), Value::String(token.as_str().to_owned()));
    }
    let mut response = Json(v).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::session_cookie(&idp, &token));
    Ok(response)
}

async fn logout(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
) -> Result<Response, AccountError> {
    let s = changing(&idp, &headers).await?;
    session::logout(&idp, &s, &client).await?;
    Ok(cleared(&idp, StatusCode::NO_CONTENT.into_response()))
}

fn cleared(idp: &Idp, mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie(idp));
    response
}

async fn sessions(State(idp): State<Idp>, headers: HeaderMap) -> Result<Json<Value>, AccountError> {
    let s = session::require(&idp, &headers).await?;
    let list = session::list(&idp, &s).await?;
    let items: Vec<Value> = list
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "current": r.id == s.id,
                "amr": r.amr.split_whitespace().collect::<Vec<_>>(),
                "ip": r.ip,
                "user_agent": r.user_agent,
                "created_at": unix(r.created_at),
                "last_seen_at": unix(r.last_seen_at),
                "expires_at": unix(r.absolute_expires_at),
            })
        })
        .collect();
    Ok(Json(
        json!({ "sessions": items, "csrf_token": s.csrf_token() }),
    ))
}

async fn end_session(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    Path(id): Path<i64>,
) -> Result<Response, AccountError> {
    let s = changing(&idp, &headers).await?;
    session::end_one(&idp, &s, id, &client).await?;
    let response = StatusCode::NO_CONTENT.into_response();
    Ok(if id == s.id {
        cleared(&idp, response)
    } else {
        response
    })
}

#[derive(Deserialize, Default)]
struct EndAll {
    #[serde(default)]
    keep_current: bool,
}

async fn end_all(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AccountError> {
    let s = changing(&idp, &headers).await?;
    let body: EndAll = match body {
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => EndAll::default(),
        other => json_body(other)?,
    };
    let ended = session::end_all(&idp, &s, body.keep_current, &client).await?;
    let response = Json(json!({ "ended": ended })).into_response();
    Ok(if body.keep_current {
        response
    } else {
        cleared(&idp, response)
    })
}

async fn own_journal(
    State(idp): State<Idp>,
    headers: HeaderMap,
    Query(filter): Query<journal::OwnFilter>,
) -> Result<Json<Value>, AccountError> {
    let s = session::require(&idp, &headers).await?;
    let limit = filter.limit.unwrap_or(50).clamp(1, 200);
    let entries = journal::own(idp.store(), s.account_id, &filter).await?;
    let next = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    let items: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "at": unix(e.at),
                "action": e.action,
                "result": e.result,
                "ip": e.ip,
                "user_agent": e.user_agent,
                "details": e.details,
            })
        })
        .collect();
    Ok(Json(json!({ "entries": items, "next_before": next })))
}

/// Login and password from an `Authorization: Basic` header.
fn basic_credentials(headers: &HeaderMap) -> Result<(String, Zeroizing<String>), AccountError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(AccountError::OperatorAuthRequired)?
        .to_str()
        .map_err(|_| AccountError::OperatorAuthFailed)?;
    let (scheme, b64) = value
        .split_once(' ')
        .ok_or(AccountError::OperatorAuthFailed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(AccountError::OperatorAuthRequired);
    }
    let raw = Zeroizing::new(
        STANDARD
            .decode(b64.trim())
            .map_err(|_| AccountError::OperatorAuthFailed)?,
    );
    let text = std::str::from_utf8(&raw).map_err(|_| AccountError::OperatorAuthFailed)?;
    let (login, password) = text
        .split_once(':')
        .ok_or(AccountError::OperatorAuthFailed)?;
    Ok((login.to_owned(), Zeroizing::new(password.to_owned())))
}

/// The operator making this call: an operator account of the CA (`podpis
/// ca operator add`), HTTP Basic, with the same lockout as the CA's API.
async fn operator(idp: &Idp, headers: &HeaderMap) -> Result<String, AccountError> {
    let (login, pass) = basic_credentials(headers)?;
    let now = idp.now();
    let account = idp.store().operator(&login).await?;
    if account
        .as_ref()
        .is_some_and(|a| a.locked_until.is_some_and(|t| t > now))
    {
        return Err(AccountError::OperatorLocked);
    }
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let ok = password::verify_or_dummy(pass, hash).await;
    match account {
        Some(a) if ok && !a.disabled => {
            idp.store().operator_login_succeeded(&a.login).await?;
            Ok(a.login)
        }
        Some(a) if !ok => {
            let rule = &idp.policy().lockout;
            idp.store()
                .operator_login_failed(&a.login, rule.max_failures, now + rule.first_lock)
                .await?;
            Err(AccountError::OperatorAuthFailed)
        }
        _ => Err(AccountError::OperatorAuthFailed),
    }
}

#[derive(Deserialize)]
struct ConfirmBody {
    /// The identity document the operator saw.
    document: String,
    /// The SNILS on it, checked against the account's (optional).
    #[serde(default)]
    snils: Option<String>,
}

async fn operator_confirm(
    State(idp): State<Idp>,
    headers: HeaderMap,
    client: Client,
    Path(id): Path<i64>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AccountError> {
    let op = operator(&idp, &headers).await?;
    let body: ConfirmBody = json_body(body)?;
    let account = crate::account::confirm_by_operator(
        &idp,
        id,
        &op,
        &body.document,
        body.snils.as_deref(),
        &client,
    )
    .await?;
    Ok(Json(account_json(&account)))
}

async fn demo_outbox(State(idp): State<Idp>) -> Result<Response, AccountError> {
    let messages = idp.demo_outbox(20)?;
    let mut response = Json(json!({ "messages": messages })).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// One operation of the OpenAPI document.
fn op(summary: &str, tag: &str, body: Option<Value>, ok: (&str, &str), auth: &str) -> Value {
    let mut responses = serde_json::Map::new();
    responses.insert(ok.0.to_owned(), json!({ "description": ok.1 }));
    responses.insert(
        "default".into(),
        json!({
            "description": "Error: {code, message_ru, message_en} (docs/errors.md)",
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
        }),
    );
    let mut map = serde_json::Map::new();
    map.insert("summary".into(), json!(summary));
    map.insert("tags".into(), json!([tag]));
    map.insert("responses".into(), Value::Object(responses));
    if let Some(schema) = body {
        map.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { "application/json": { "schema": schema } } }),
        );
    }
    let security = match auth {
        "session" => json!([{ "session": [] }, { "bearer": [] }]),
        "operator" => json!([{ "operatorBasic": [] }]),
        _ => json!([]),
    };
    map.insert("security".into(), security);
    Value::Object(map)
}

fn object(fields: &[&str]) -> Value {
    let props: serde_json::Map<String, Value> = fields
        .iter()
        .map(|f| ((*f).to_owned(), json!({ "type": "string" })))
        .collect();
    json!({ "type": "object", "required": fields, "properties": props })
}

/// The OpenAPI 3.1 `paths` of this part (the integrator merges them into
/// `/api/openapi.json`; the `Error` schema and the `session`, `bearer`
/// and `operatorBasic` security schemes are named here).
pub fn openapi_paths() -> Value {
    let t = "accounts";
    json!({
        "/api/v1/account": {
            "get": op("The session's account, with the session and its CSRF token", t, None, ("200", "The account"), "session")
        },
        "/api/v1/account/register": {
            "post": op("Start a registration: a one-time code goes to the e-mail or phone", t,
                Some(object(&["login", "password"])), ("202", "{pending, channel, sent_to, expires_in}"), "none")
        },
        "/api/v1/account/register/confirm": {
            "post": op("Complete a registration with the code", t,
                Some(object(&["pending", "code"])), ("201", "The new simplified account"), "none")
        },
        "/api/v1/account/identity": {
            "put": op("Enter SNILS and passport data (raises to standard)", t,
                Some(object(&["surname", "given_name", "birthdate", "snils", "passport_series", "passport_number", "passport_issued"])),
                ("200", "The account"), "session")
        },
        "/api/v1/account/password": {
            "post": op("Change the password (other sessions end)", t,
                Some(object(&["current", "new"])), ("200", "{ended_sessions}"), "session")
        },
        "/api/v1/account/recover": {
            "post": op("Start a recovery: a code goes to the account's address", t,
                Some(object(&["login"])), ("202", "{pending, channel, sent_to, expires_in}"), "none")
        },
        "/api/v1/account/recover/confirm": {
            "post": op("Complete a recovery: new password, every session ends", t,
                Some(object(&["pending", "code", "new_password"])), ("200", "{ended_sessions}"), "none")
        },
        "/api/v1/account/totp": {
            "post": op("Start enrolling an authenticator app", t, None, ("200", "{secret, uri}"), "session"),
            "delete": op("Remove the authenticator app", t, Some(object(&["password"])), ("204", "Removed"), "session")
        },
        "/api/v1/account/totp/confirm": {
            "post": op("Confirm the enrolment with the app's first code", t, Some(object(&["code"])), ("204", "Enrolled"), "session")
        },
        "/api/v1/login/password": {
            "post": op("Login step 1: login name and password", t,
                Some(object(&["login", "password"])), ("200", "{pending, second_factor, sent_to, expires_in}"), "none")
        },
        "/api/v1/login/password/otp": {
            "post": op("Login step 2: the one-time code; starts the session (cookie podpis_session, and the token for bearer use)", t,
                Some(object(&["pending", "code"])), ("200", "{token, id, amr, auth_time, expires_at, csrf_token}"), "none")
        },
        "/api/v1/logout": {
            "post": op("End this session", t, None, ("204", "Logged out"), "session")
        },
        "/api/v1/sessions": {
            "get": op("The account's active sessions", t, None, ("200", "{sessions, csrf_token}"), "session")
        },
        "/api/v1/sessions/end-all": {
            "post": op("End every session (keep_current: all but this one)", t, None, ("200", "{ended}"), "session")
        },
        "/api/v1/sessions/{id}": {
            "delete": op("End one session of the account", t, None, ("204", "Ended"), "session")
        },
        "/api/v1/journal": {
            "get": op("The account's own action journal, newest first; filters action, result (ok|failed|CODE), from, to (Unix seconds), before, limit", t, None, ("200", "{entries, next_before}"), "session")
        },
        "/api/v1/operator/accounts/{id}/confirm": {
            "post": op("An operator confirms a standard account's identity", t,
                Some(json!({"type": "object", "required": ["document"], "properties": {
                    "document": {"type": "string", "description": "the identity document seen"},
                    "snils": {"type": "string", "description": "the SNILS on it, checked against the account's"}
                }})), ("200", "The account"), "operator")
        },
        "/api/v1/demo/outbox": {
            "get": op("Demo mode only: the newest messages of the outbox", t, None, ("200", "{messages}"), "none")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_errors_quote_no_values() {
        let err = |text: &str| {
            body_error(
                &serde_json::from_str::<Credentials>(text)
                    .err()
                    .expect("an error"),
            )
        };
        let e = err(r#"{"login": "a@b.ru", "password": 12345678}"#);
        assert!(
            !e.contains("12345678") && e.starts_with("Data error"),
            "{e}"
        );
        assert!(err(r#"{"login": "a@b.ru"}"#).starts_with("missing field `password`"));
        assert!(err("{").starts_with("Eof error"));
    }

    #[test]
    fn the_openapi_fragment_names_every_route() {
        let paths = openapi_paths();
        let map = paths.as_object().expect("an object");
        assert_eq!(map.len(), 18);
        for (path, ops) in map {
            assert!(path.starts_with("/api/v1/"), "{path}");
            for (method, op) in ops.as_object().expect("operations") {
                assert!(["get", "post", "put", "delete"].contains(&method.as_str()));
                assert!(op["summary"].is_string() && op["responses"]["default"].is_object());
            }
        }
        assert_eq!(
            paths["/api/v1/login/password"]["post"]["requestBody"]["content"]["application/json"]["schema"]
                ["required"],
            json!(["login", "password"])
        );
    }
}
