//! The registration REST API: an axum [`Router`] over a [`Ca`], JSON in
//! and out under `/api/v1/` (docs/api.md).
//!
//! * Applicants (no login): submit a request (`POST /api/v1/requests`,
//!   answered with an unguessable token), read its state by that token,
//!   renew (`POST /api/v1/renewals`) and ask for revocation
//!   (`POST /api/v1/revocations`) with CMS-signed documents, fetch a
//!   certificate by serial.
//! * Operators (HTTP Basic; TLS in front or loopback only, which
//!   `podpis serve` enforces): list, identify, approve, reject, issue,
//!   revoke, suspend, release, CRL now, status, journal. Each action is
//!   journaled with the operator's login.
//!
//! Errors are `{code, message_ru, message_en}` ([`ApiError`]); bodies are
//! limited in size and calls in time ([`ApiConfig`]).

mod auth;
mod error;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use store::{CertificateRecord, JournalFilter, OperatorAccount, RequestRecord, RequestState};

pub use auth::{
    Lockout, MIN_PASSWORD_CHARS, ROLES, hash_password, login, put_operator, verify_password,
};
pub use error::{ApiError, ErrorBody};

use crate::applicant::ApplicantForm;
use crate::identification::{IdentificationRecord, parse_method};
use crate::revocation::{parse_reason, parse_serial};
use crate::{Ca, CaError};

/// Limits of the API.
#[derive(Debug, Clone, Copy)]
pub struct ApiConfig {
    /// Largest request body, bytes.
    pub body_limit: usize,
    /// Longest a call may take.
    pub timeout: Duration,
    /// Wrong-password lockout.
    pub lockout: Lockout,
}

impl Default for ApiConfig {
    fn default() -> ApiConfig {
        ApiConfig {
            body_limit: 256 * 1024,
            timeout: Duration::from_secs(30),
            lockout: Lockout::default(),
        }
    }
}

/// What every handler (API and pages) shares.
#[derive(Debug)]
pub struct ApiState {
    /// The CA (with its issuing key, for issue, renew and CRL).
    pub ca: Ca,
    /// The limits.
    pub config: ApiConfig,
    /// The operator pages' sessions.
    pub(crate) sessions: crate::pages::Sessions,
}

impl ApiState {
    /// The shared state of the API and the pages over `ca`.
    pub fn new(ca: Ca, config: ApiConfig) -> Arc<ApiState> {
        Arc::new(ApiState {
            ca,
            config,
            sessions: crate::pages::Sessions::default(),
        })
    }
}

type Shared = Arc<ApiState>;

/// The API (`/api/v1/`) and the operator pages (`/operator/`).
pub fn router(state: Arc<ApiState>) -> Router {
    let config = state.config;
    let api = Router::new()
        .route("/api/v1/requests", post(submit))
        .route("/api/v1/requests/by-token/{token}", get(by_token))
        .route("/api/v1/renewals", post(renewal))
        .route("/api/v1/revocations", post(revocation))
        .route("/api/v1/certificates/{serial}", get(certificate_file))
        .route("/api/v1/operator/requests", get(list_requests))
        .route("/api/v1/operator/requests/{id}", get(show_request))
        .route("/api/v1/operator/requests/{id}/identify", post(identify))
        .route("/api/v1/operator/requests/{id}/approve", post(approve))
        .route("/api/v1/operator/requests/{id}/reject", post(reject))
        .route("/api/v1/operator/requests/{id}/issue", post(issue))
        .route(
            "/api/v1/operator/certificates/{serial}",
            get(show_certificate),
        )
        .route(
            "/api/v1/operator/certificates/{serial}/revoke",
            post(revoke),
        )
        .route(
            "/api/v1/operator/certificates/{serial}/suspend",
            post(suspend),
        )
        .route(
            "/api/v1/operator/certificates/{serial}/release",
            post(release),
        )
        .route("/api/v1/operator/crl", post(crl_now))
        .route("/api/v1/operator/status", get(status))
        .route("/api/v1/operator/journal", get(journal))
        .with_state(state.clone());
    Router::new()
        .merge(api)
        .merge(crate::pages::router(state))
        .fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn_with_state(config, time_limit))
        .layer(DefaultBodyLimit::max(config.body_limit))
}

/// Answers [`ApiError::Timeout`] when a call outlives the limit.
pub async fn time_limit(State(config): State<ApiConfig>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(config.timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    }
}

/// The body as JSON of type `T`.
fn json_body<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::BadRequest(e.body_text())
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// A binary field: PEM text as is, else base64.
fn binary(field: &str, text: &str) -> Result<Vec<u8>, ApiError> {
    if text.trim_start().starts_with("-----BEGIN") {
        return Ok(text.as_bytes().to_vec());
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(compact)
        .map_err(|e| ApiError::BadRequest(format!("{field}: not PEM or base64 ({e})")))
}

/// Hex Streebog-256 of a request token (only the hash is stored).
fn token_hash(token: &str) -> String {
    crate::spki_hash(token.as_bytes())
}

/// The operator making this call (HTTP Basic).
async fn operator(state: &ApiState, headers: &HeaderMap) -> Result<OperatorAccount, ApiError> {
    let (name, password) = auth::basic_credentials(headers)?;
    login(
        state.ca.store(),
        state.config.lockout,
        &name,
        password,
        state.ca.now(),
    )
    .await
}

/// A request as the API shows it.
pub fn request_json(r: &RequestRecord) -> Value {
    let applicant: Value = serde_json::from_str(&r.applicant).unwrap_or(Value::Null);
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert("applicant".into(), applicant);
    }
    v
}

/// A certificate record as the API shows it, with the PEM.
pub fn certificate_json(c: &CertificateRecord) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert("pem".into(), Value::String(pem(&c.der)));
    }
    v
}

fn pem(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).unwrap_or_default()
}

/// `POST /api/v1/requests` body.
#[derive(Debug, Deserialize)]
struct SubmitBody {
    applicant: ApplicantForm,
    /// PEM, or base64 of DER.
    csr: String,
}

async fn submit(
    State(state): State<Shared>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: SubmitBody = json_body(body)?;
    let csr = binary("csr", &body.csr)?;
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|_| CaError::Store(store::StoreError::Random))?;
    let token = URL_SAFE_NO_PAD.encode(raw);
    // The token's hash is stored in the submission's transaction.
    let record = state
        .ca
        .submit_with_token(
            &body.applicant,
            &csr,
            "applicant",
            Some(&token_hash(&token)),
        )
        .await?;
    tracing::info!(request = record.id, "request submitted");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": record.id, "state": record.state, "token": token })),
    )
        .into_response())
}

async fn by_token(
    State(state): State<Shared>,
    Path(token): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = state.ca.store();
    let id = store
        .request_by_token(&token_hash(&token))
        .await?
        .ok_or(ApiError::NotFound)?;
    let r = store.request(id).await?.ok_or(ApiError::NotFound)?;
    let serial = match r.state {
        RequestState::Issued => store.certificate_for_request(id).await?.map(|c| c.serial),
        _ => None,
    };
    Ok(Json(json!({
        "id": r.id,
        "state": r.state,
        "rejection_reason": r.rejection_reason,
        "error_code": r.error_code,
        "certificate_serial": serial,
    })))
}

/// `POST /api/v1/renewals` and `/revocations` body.
#[derive(Debug, Deserialize)]
struct SignedBody {
    /// CMS SignedData (attached), base64 or PEM.
    signed: String,
}

async fn renewal(
    State(state): State<Shared>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: SignedBody = json_body(body)?;
    let cert = state.ca.renew(&binary("signed", &body.signed)?).await?;
    Ok((StatusCode::CREATED, Json(certificate_json(&cert))).into_response())
}

async fn revocation(
    State(state): State<Shared>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body: SignedBody = json_body(body)?;
    let (cert, requester) = state
        .ca
        .revoke_on_request(&binary("signed", &body.signed)?)
        .await?;
    Ok(Json(
        json!({ "certificate": certificate_json(&cert), "requester": requester }),
    ))
}

#[derive(Debug, Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

async fn certificate_file(
    State(state): State<Shared>,
    Path(serial): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let serial = parse_serial(&serial)?;
    let cert = state
        .ca
        .store()
        .certificate(&serial)
        .await?
        .ok_or_else(|| CaError::CertUnknown(serial.to_string()))?;
    Ok(match q.format.as_deref() {
        Some("pem") => (
            [(header::CONTENT_TYPE, "application/x-pem-file")],
            pem(&cert.der),
        )
            .into_response(),
        None | Some("der") => {
            ([(header::CONTENT_TYPE, "application/pkix-cert")], cert.der).into_response()
        }
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "format {other:?}: use der or pem"
            )));
        }
    })
}

#[derive(Debug, Deserialize)]
struct StateQuery {
    state: Option<String>,
}

async fn list_requests(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<StateQuery>,
) -> Result<Json<Value>, ApiError> {
    operator(&state, &headers).await?;
    let filter = match q.state.as_deref() {
        None | Some("") | Some("all") => None,
        Some(s) => Some(
            RequestState::parse(s)
                .ok_or_else(|| ApiError::BadRequest(format!("unknown state {s:?}")))?,
        ),
    };
    let list = state.ca.store().requests(filter).await?;
    Ok(Json(Value::Array(list.iter().map(request_json).collect())))
}

async fn show_request(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    operator(&state, &headers).await?;
    Ok(Json(request_detail(&state.ca, id).await?))
}

/// A request with its identifications and certificate.
pub async fn request_detail(ca: &Ca, id: i64) -> Result<Value, ApiError> {
    let store = ca.store();
    let r = store
        .request(id)
        .await?
        .ok_or(CaError::RequestNotFound(id))?;
    let identifications = store.identifications(id).await?;
    let cert = store.certificate_for_request(id).await?;
    let mut v = request_json(&r);
    if let Value::Object(map) = &mut v {
        map.insert("identifications".into(), json!(identifications));
        map.insert(
            "certificate".into(),
            cert.as_ref().map(certificate_json).unwrap_or(Value::Null),
        );
    }
    Ok(v)
}

/// `identify` body.
#[derive(Debug, Deserialize)]
pub struct IdentifyBody {
    /// `personal`, `qualified-signature`, `biometric-passport`, `other-system` (or 0–3).
    pub method: String,
    /// The identity document's type.
    pub document_type: String,
    /// Its series and number.
    pub document_number: String,
}

impl IdentifyBody {
    /// The identification record, checked.
    pub fn record(&self) -> Result<IdentificationRecord, ApiError> {
        let method = parse_method(&self.method).ok_or(CaError::IdentificationInvalid("method"))?;
        Ok(IdentificationRecord {
            method,
            document_type: self.document_type.clone(),
            document_number: self.document_number.clone(),
        })
    }
}

async fn identify(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let op = operator(&state, &headers).await?;
    let body: IdentifyBody = json_body(body)?;
    let r = state.ca.identify(id, &body.record()?, &op.login).await?;
    Ok(Json(request_json(&r)))
}

async fn approve(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let op = operator(&state, &headers).await?;
    Ok(Json(request_json(&state.ca.approve(id, &op.login).await?)))
}

/// `reject` body.
#[derive(Debug, Deserialize)]
struct ReasonBody {
    reason: String,
}

async fn reject(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let op = operator(&state, &headers).await?;
    let body: ReasonBody = json_body(body)?;
    let r = state.ca.reject(id, &body.reason, &op.login).await?;
    Ok(Json(request_json(&r)))
}

async fn issue(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let op = operator(&state, &headers).await?;
    let cert = state.ca.issue(id, &op.login).await?;
    tracing::info!(request = id, serial = %cert.serial, operator = %op.login, "certificate issued");
    Ok((StatusCode::CREATED, Json(certificate_json(&cert))).into_response())
}

async fn show_certificate(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(serial): Path<String>,
) -> Result<Json<Value>, ApiError> {
    operator(&state, &headers).await?;
    let serial = parse_serial(&serial)?;
    let cert = state
        .ca
        .store()
        .certificate(&serial)
        .await?
        .ok_or_else(|| CaError::CertUnknown(serial.to_string()))?;
    Ok(Json(certificate_json(&cert)))
}

async fn revoke(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(serial): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let op = operator(&state, &headers).await?;
    let body: ReasonBody = json_body(body)?;
    let serial = parse_serial(&serial)?;
    let reason = parse_reason(&body.reason)?;
    let cert = state.ca.revoke(&serial, reason, &op.login).await?;
    Ok(Json(certificate_json(&cert)))
}

async fn suspend(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(serial): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let op = operator(&state, &headers).await?;
    let cert = state.ca.suspend(&parse_serial(&serial)?, &op.login).await?;
    Ok(Json(certificate_json(&cert)))
}

async fn release(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(serial): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let op = operator(&state, &headers).await?;
    let cert = state.ca.release(&parse_serial(&serial)?, &op.login).await?;
    Ok(Json(certificate_json(&cert)))
}

async fn crl_now(State(state): State<Shared>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let op = operator(&state, &headers).await?;
    let crl = state.ca.crl().await?;
    tracing::info!(number = crl.number, operator = %op.login, "CRL issued");
    Ok(Json(json!({
        "number": crl.number,
        "entries": crl.entries,
        "this_update": unix(crl.this_update),
        "next_update": unix(crl.next_update),
        "der": STANDARD.encode(&crl.der),
    })))
}

fn unix(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

async fn status(State(state): State<Shared>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    operator(&state, &headers).await?;
    let store = state.ca.store();
    let requests: serde_json::Map<String, Value> = store
        .request_counts()
        .await?
        .into_iter()
        .map(|(s, n)| (s.as_str().to_owned(), json!(n)))
        .collect();
    let certificates: serde_json::Map<String, Value> = store
        .certificate_counts(state.ca.issuing().record.id)
        .await?
        .into_iter()
        .map(|(s, n)| (s.as_str().to_owned(), json!(n)))
        .collect();
    Ok(Json(json!({
        "issuing_ca": state.ca.issuing().record.subject,
        "root_ca": state.ca.root().record.subject,
        "requests": requests,
        "certificates": certificates,
    })))
}

#[derive(Debug, Deserialize)]
struct JournalQuery {
    after: Option<i64>,
    limit: Option<i64>,
    object_type: Option<String>,
    object_id: Option<String>,
}

async fn journal(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<JournalQuery>,
) -> Result<Json<Value>, ApiError> {
    operator(&state, &headers).await?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state
        .ca
        .store()
        .journal(&JournalFilter {
            object_type: q.object_type,
            object_id: q.object_id,
            after_id: q.after,
            limit: Some(limit),
        })
        .await?;
    let next = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(Json(json!({ "entries": entries, "next_after": next })))
}
