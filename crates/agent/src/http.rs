//! The agent's HTTP and WebSocket surface.
//!
//! API (JSON, `POST`, for allowed origins; every body carries a `nonce`):
//! `/api/v1/version`, `/api/v1/certificates`, `/api/v1/sign`,
//! `/api/v1/sign/result`; `GET /api/v1/ws` is the same API over one
//! WebSocket (`{"id", "op", "nonce", …}` → `{"id", "nonce", "result" |
//! "error"}`, ops `version`, `listCertificates`, `sign`, `await`).
//! Pages (the agent's own origin): `/` (certificates and the allow-list),
//! `/consent/{id}`, `/approve/{id}`.
//!
//! Every request's Host must be the agent's loopback address and port
//! (DNS-rebinding defence); API answers carry CORS headers for the calling
//! origin and preflights answer Private Network Access; pages forbid
//! framing and scripts; nothing sets a cookie.

use std::sync::Arc;

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::{Agent, AgentError, SignBody};

type Shared = Arc<Agent>;

/// The largest API body: data to sign travels as base64 in JSON.
pub const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// The agent's router: API, WebSocket and pages, behind the Host check.
pub fn router(agent: Shared) -> Router {
    let api = Router::new()
        .route("/api/v1/version", post(version))
        .route("/api/v1/certificates", post(certificates))
        .route("/api/v1/sign", post(sign))
        .route("/api/v1/sign/result", post(result))
        .route("/api/v1/ws", get(ws))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(cors));
    Router::new()
        .merge(api)
        .merge(crate::pages::routes())
        .layer(middleware::from_fn_with_state(agent.clone(), host_check))
        .layer(middleware::from_fn(common_headers))
        .with_state(agent)
}

pub(crate) fn origin_of(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

/// The JSON answer to an API error.
pub(crate) fn error_response(e: &AgentError, nonce: Option<&str>) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        axum::Json(json!({ "nonce": nonce, "error": e.to_json() })),
    )
        .into_response()
}

fn ok_response(result: Value, nonce: Option<&str>) -> Response {
    axum::Json(json!({ "nonce": nonce, "result": result })).into_response()
}

async fn host_check(State(agent): State<Shared>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !agent
        .own_hosts()
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host))
    {
        return error_response(&AgentError::HostNotAllowed, None);
    }
    next.run(req).await
}

async fn common_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages say `same-origin`: with `no-referrer` a browser sends
    // `Origin: null` on the pages' own form posts.
    if !h.contains_key(header::REFERRER_POLICY) {
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.remove(header::SET_COOKIE);
    resp
}

/// CORS for the API: the calling origin is echoed (an unknown origin may
/// read its `ORIGIN_NOT_ALLOWED`, nothing else); no credentials; a
/// preflight asking for private-network access gets it.
async fn cors(req: Request, next: Next) -> Response {
    let origin = origin_of(req.headers()).map(str::to_owned);
    let wants_pna = req
        .headers()
        .get("access-control-request-private-network")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
    let mut resp = if req.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    if let Some(v) = origin.and_then(|o| HeaderValue::from_str(&o).ok()) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        if wants_pna {
            h.insert(
                "access-control-allow-private-network",
                HeaderValue::from_static("true"),
            );
        }
    }
    h.insert(
        header::VARY,
        HeaderValue::from_static("Origin, Access-Control-Request-Private-Network"),
    );
    resp
}

/// Parses an API body: JSON with a `nonce`, checked once.
fn checked_body(
    agent: &Agent,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(String, Value), (AgentError, Option<String>)> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| (AgentError::BadRequest("the body is not JSON"), None))?;
    let nonce = value["nonce"].as_str().map(str::to_owned);
    let origin = agent
        .check_origin(origin_of(headers))
        .map_err(|e| (e, nonce.clone()))?;
    agent
        .check_nonce(nonce.as_deref())
        .map_err(|e| (e, nonce.clone()))?;
    Ok((origin, value))
}

/// Why a call gives no result: the agent refused it, or the sign request
/// it waited on ended in an error (cancelled, wrong PIN…).
enum CallError {
    Agent(AgentError),
    Outcome(Value),
}

impl From<AgentError> for CallError {
    fn from(e: AgentError) -> Self {
        CallError::Agent(e)
    }
}

impl CallError {
    fn to_json(&self) -> Value {
        match self {
            CallError::Agent(e) => e.to_json(),
            CallError::Outcome(v) => v.clone(),
        }
    }
}

/// One API call, shared by HTTP and WebSocket.
async fn call(agent: &Shared, origin: &str, op: &str, value: Value) -> Result<Value, CallError> {
    match op {
        "version" => Ok(agent.version()),
        "listCertificates" => Ok(agent.list_certificates()),
        "sign" => {
            let mut body = value;
            if let Some(o) = body.as_object_mut() {
                o.remove("id");
                o.remove("op");
            }
            let body: SignBody = serde_json::from_value(body)
                .map_err(|_| AgentError::BadRequest("the sign call's fields are wrong"))?;
            Ok(agent.start_sign(origin, body)?)
        }
        "await" => {
            let id = value["request"]
                .as_str()
                .ok_or(AgentError::BadRequest("request is missing"))?;
            agent.result(origin, id).await?.map_err(CallError::Outcome)
        }
        _ => Err(AgentError::BadRequest("unknown operation").into()),
    }
}

async fn http_call(
    agent: Shared,
    headers: HeaderMap,
    body: axum::body::Bytes,
    op: &str,
) -> Response {
    let (origin, value) = match checked_body(&agent, &headers, &body) {
        Ok(v) => v,
        Err((e, nonce)) => return error_response(&e, nonce.as_deref()),
    };
    let nonce = value["nonce"].as_str().map(str::to_owned);
    match call(&agent, &origin, op, value).await {
        Ok(v) => ok_response(v, nonce.as_deref()),
        Err(CallError::Outcome(e)) => {
            axum::Json(json!({ "nonce": nonce, "error": e })).into_response()
        }
        Err(CallError::Agent(e)) => error_response(&e, nonce.as_deref()),
    }
}

async fn version(State(a): State<Shared>, h: HeaderMap, b: axum::body::Bytes) -> Response {
    http_call(a, h, b, "version").await
}

async fn certificates(State(a): State<Shared>, h: HeaderMap, b: axum::body::Bytes) -> Response {
    http_call(a, h, b, "listCertificates").await
}

async fn sign(State(a): State<Shared>, h: HeaderMap, b: axum::body::Bytes) -> Response {
    http_call(a, h, b, "sign").await
}

async fn result(State(a): State<Shared>, h: HeaderMap, b: axum::body::Bytes) -> Response {
    http_call(a, h, b, "await").await
}

async fn ws(
    State(agent): State<Shared>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    match agent.check_origin(origin_of(&headers)) {
        Ok(origin) => upgrade.on_upgrade(move |socket| ws_session(agent, origin, socket)),
        Err(e) => error_response(&e, None),
    }
}

async fn ws_session(agent: Shared, origin: String, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::channel::<Value>(16);
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                };
                let agent = agent.clone();
                let origin = origin.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let reply = ws_call(&agent, &origin, text.as_str()).await;
                    let _ = tx.send(reply).await;
                });
            }
            Some(reply) = rx.recv() => {
                if socket.send(Message::Text(reply.to_string().into())).await.is_err() {
                    break;
                }
            }
        }
    }
}

async fn ws_call(agent: &Shared, origin: &str, text: &str) -> Value {
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return json!({ "id": null, "error": AgentError::BadRequest("the message is not JSON").to_json() });
    };
    let id = value["id"].clone();
    let nonce = value["nonce"].clone();
    let op = value["op"].as_str().unwrap_or_default().to_owned();
    // The allow-list is read again: a revocation ends a live connection's rights.
    let checked = agent
        .check_origin(Some(origin))
        .and_then(|_| agent.check_nonce(nonce.as_str()));
    let answer = match checked {
        Ok(_) => call(agent, origin, &op, value).await,
        Err(e) => Err(e.into()),
    };
    match answer {
        Ok(result) => json!({ "id": id, "nonce": nonce, "result": result }),
        Err(e) => json!({ "id": id, "nonce": nonce, "error": e.to_json() }),
    }
}
