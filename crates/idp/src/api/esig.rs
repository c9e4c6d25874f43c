//! REST endpoints of the e-signature login and of the «Ключи и
//! сертификаты» data:
//!
//! ```text
//! POST   /api/v1/login/esig/challenge   → {challenge, binding, expires_at}; cookie podpis_esig
//! POST   /api/v1/login/esig             {challenge, signature, binding?} → session; cookie podpis_session
//! GET    /api/v1/account/certificates           (signed in) → the bound certificates with status
//! DELETE /api/v1/account/certificates/{id}      (signed in) → unbind
//! ```
//!
//! A browser keeps the binding value in the `podpis_esig` cookie
//! (HttpOnly, SameSite=Strict); a client without cookies sends back the
//! `binding` of the challenge answer in the login body. Refusals are
//! `{code, message_ru, message_en}` with the HTTP status of
//! [`EsigError::http_status`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pki::Diagnostic;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Idp;
use crate::challenge::{BINDING_COOKIE, Binding, CHALLENGE_TTL};
use crate::esig::{AMR, CertificateView, Esig, EsigError, LoginRequest};
use crate::session::{SESSION_COOKIE, from_headers};

/// What the routes share.
#[derive(Debug, Clone)]
pub struct EsigApi {
    /// The identity provider (sessions of the signed-in calls).
    pub idp: Idp,
    /// The e-signature login.
    pub esig: Arc<Esig>,
    /// Mark cookies `Secure` (served over HTTPS, directly or behind a
    /// proxy).
    pub secure_cookies: bool,
}

/// The router of the endpoints above.
pub fn router(api: EsigApi) -> Router {
    Router::new()
        .route("/api/v1/login/esig/challenge", post(challenge))
        .route("/api/v1/login/esig", post(login))
        .route("/api/v1/account/certificates", get(certificates))
        .route("/api/v1/account/certificates/{id}", delete(unbind))
        .with_state(api)
}

/// A refusal as the API answers it.
#[derive(Debug, Serialize)]
struct ErrorBody {
    code: &'static str,
    message_ru: String,
    message_en: String,
}

struct ApiError(EsigError);

impl From<EsigError> for ApiError {
    fn from(e: EsigError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status =
            StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(code = e.code(), error = %e, "e-signature API call failed");
        }
        let body = ErrorBody {
            code: e.code(),
            message_ru: e.message_ru(),
            message_en: e.message_en(),
        };
        (status, Json(body)).into_response()
    }
}

/// The client's address, when the server was started with connect info.
fn client_ip(ext: &Extensions) -> Option<String> {
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(512).collect())
}

/// The value of cookie `name` in the request.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn set_cookie(name: &str, value: &str, max_age: u64, same_site: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite={same_site}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The answer to a challenge request.
#[derive(Debug, Serialize)]
struct ChallengeAnswer {
    /// The 32 bytes to sign, base64url.
    challenge: String,
    /// The pre-login binding value (also in the `podpis_esig` cookie).
    binding: String,
    /// RFC 3339.
    expires_at: String,
    /// Seconds.
    expires_in: u64,
}

async fn challenge(
    State(api): State<EsigApi>,
    ext: Extensions,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let binding = cookie(&headers, BINDING_COOKIE).map(|v| Binding::from_client(&v));
    let ip = client_ip(&ext);
    let issued = api.esig.challenge(binding, ip.as_deref()).await?;
    let mut response = Json(ChallengeAnswer {
        challenge: issued.encoded.clone(),
        binding: issued.binding.as_str().to_owned(),
        expires_at: pki::validation::rfc3339(issued.expires_at),
        expires_in: CHALLENGE_TTL.as_secs(),
    })
    .into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            BINDING_COOKIE,
            issued.binding.as_str(),
            CHALLENGE_TTL.as_secs() * 2,
            "Strict",
            api.secure_cookies,
        ),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A login request.
#[derive(Deserialize)]
struct LoginBody {
    /// The challenge as issued (base64url).
    challenge: String,
    /// The CMS signature: base64 of the DER, or PEM.
    signature: String,
    /// The binding value, for clients without the cookie.
    #[serde(default)]
    binding: Option<String>,
}

/// A successful login.
#[derive(Debug, Serialize)]
struct LoginAnswer {
    account_id: i64,
    session_token: String,
    amr: Vec<&'static str>,
    expires_at: String,
    certificate: String,
    bound: bool,
    confirmed: bool,
}

fn signature_bytes(text: &str) -> Result<Vec<u8>, EsigError> {
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        return Ok(text.as_bytes().to_vec());
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| EsigError::BadRequest("signature is not base64"))
}

async fn login(
    State(api): State<EsigApi>,
    ext: Extensions,
    headers: HeaderMap,
    body: Result<Json<LoginBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) =
        body.map_err(|_| EsigError::BadRequest("a JSON body with challenge and signature"))?;
    let signature = signature_bytes(&body.signature)?;
    let binding = body
        .binding
        .as_deref()
        .map(Binding::from_client)
        .or_else(|| cookie(&headers, BINDING_COOKIE).map(|v| Binding::from_client(&v)));
    let ip = client_ip(&ext);
    let ua = user_agent(&headers);
    let success = api
        .esig
        .login(&LoginRequest {
            challenge: &body.challenge,
            signature: &signature,
            binding: binding.as_ref(),
            ip: ip.as_deref(),
            user_agent: ua.as_deref(),
        })
        .await?;
    let max_age = success
        .session
        .absolute_expires_at
        .duration_since(api.esig.now())
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut response = Json(LoginAnswer {
        account_id: success.account_id,
        session_token: success.token.as_str().to_owned(),
        amr: vec![AMR],
        expires_at: pki::validation::rfc3339(success.session.absolute_expires_at),
        certificate: success.fingerprint.clone(),
        bound: success.bound,
        confirmed: success.confirmed,
    })
    .into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            success.token.as_str(),
            max_age,
            "Lax",
            api.secure_cookies,
        ),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The signed-in account, or [`EsigError::NotSignedIn`].
async fn account_of(api: &EsigApi, headers: &HeaderMap) -> Result<i64, EsigError> {
    match from_headers(&api.idp, headers).await {
        Ok(Some(s)) => Ok(s.account_id),
        Ok(None) => Err(EsigError::NotSignedIn),
        Err(e) => Err(EsigError::Internal(e.to_string())),
    }
}

#[derive(Debug, Serialize)]
struct CertificateList {
    certificates: Vec<CertificateView>,
}

async fn certificates(
    State(api): State<EsigApi>,
    headers: HeaderMap,
) -> Result<Json<CertificateList>, ApiError> {
    let account = account_of(&api, &headers).await?;
    Ok(Json(CertificateList {
        certificates: api.esig.certificates(account).await?,
    }))
}

async fn unbind(
    State(api): State<EsigApi>,
    ext: Extensions,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let account = account_of(&api, &headers).await?;
    let ip = client_ip(&ext);
    let ua = user_agent(&headers);
    let b = api
        .esig
        .unbind(account, id, ip.as_deref(), ua.as_deref())
        .await?;
    Ok(Json(
        json!({ "unbound": b.id, "fingerprint": b.fingerprint }),
    ))
}

/// The OpenAPI 3.1 `paths` of these endpoints.
pub fn openapi_paths() -> serde_json::Value {
    let error = json!({
        "description": "Refused: {code, message_ru, message_en}; the codes are listed in docs/errors.md (login by e-signature)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    });
    json!({
        "/api/v1/login/esig/challenge": {
            "post": {
                "summary": "A one-time challenge to sign (32 bytes, 5 minutes) / Вызов для подписи",
                "tags": ["login by e-signature"],
                "responses": {
                    "200": {
                        "description": "The challenge; the binding value is also set as the podpis_esig cookie",
                        "content": {"application/json": {"schema": {
                            "type": "object",
                            "required": ["challenge", "binding", "expires_at", "expires_in"],
                            "properties": {
                                "challenge": {"type": "string", "description": "base64url of the 32 bytes to sign (CAdES-BES, detached)"},
                                "binding": {"type": "string", "description": "the pre-login binding value: send it back (cookie or body)"},
                                "expires_at": {"type": "string", "format": "date-time"},
                                "expires_in": {"type": "integer"}
                            }
                        }}}
                    },
                    "500": error.clone()
                }
            }
        },
        "/api/v1/login/esig": {
            "post": {
                "summary": "Log in with a signed challenge / Вход с помощью электронной подписи",
                "tags": ["login by e-signature"],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["challenge", "signature"],
                    "properties": {
                        "challenge": {"type": "string"},
                        "signature": {"type": "string", "description": "CMS SignedData over the challenge's bytes: base64 of the DER, or PEM"},
                        "binding": {"type": "string", "description": "the binding value, when the podpis_esig cookie is not sent"}
                    }
                }}}},
                "responses": {
                    "200": {
                        "description": "Signed in; the session is also set as the podpis_session cookie",
                        "content": {"application/json": {"schema": {
                            "type": "object",
                            "properties": {
                                "account_id": {"type": "integer"},
                                "session_token": {"type": "string"},
                                "amr": {"type": "array", "items": {"type": "string"}},
                                "expires_at": {"type": "string", "format": "date-time"},
                                "certificate": {"type": "string", "description": "SHA-256 fingerprint"},
                                "bound": {"type": "boolean"},
                                "confirmed": {"type": "boolean"}
                            }
                        }}}
                    },
                    "400": error.clone(),
                    "401": error.clone(),
                    "403": error.clone(),
                    "503": error.clone()
                }
            }
        },
        "/api/v1/account/certificates": {
            "get": {
                "summary": "The bound certificates with their status / Ключи и сертификаты",
                "tags": ["certificates"],
                "responses": {
                    "200": {
                        "description": "status: valid, expiring (≤ 30 days left), expired, revoked, unchecked",
                        "content": {"application/json": {"schema": {
                            "type": "object",
                            "properties": {"certificates": {"type": "array", "items": {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "integer"},
                                    "fingerprint": {"type": "string"},
                                    "subject": {"type": "string"},
                                    "issuer": {"type": "string"},
                                    "serial": {"type": "string"},
                                    "not_before": {"type": "string", "format": "date-time"},
                                    "not_after": {"type": "string", "format": "date-time"},
                                    "bound_at": {"type": "string", "format": "date-time"},
                                    "status": {"type": "string", "enum": ["valid", "expiring", "expired", "revoked", "unchecked"]},
                                    "days_left": {"type": "integer"},
                                    "warn": {"type": "boolean"},
                                    "problem": {"type": "string"}
                                }
                            }}}
                        }}}
                    },
                    "401": error.clone()
                }
            }
        },
        "/api/v1/account/certificates/{id}": {
            "delete": {
                "summary": "Unbind a certificate / Отвязать сертификат",
                "tags": ["certificates"],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": {
                    "200": {"description": "Unbound", "content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {"unbound": {"type": "integer"}, "fingerprint": {"type": "string"}}
                    }}}},
                    "401": error.clone(),
                    "404": error
                }
            }
        }
    })
}
