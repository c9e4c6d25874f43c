//! The HTTP/1.1 server of `podpis serve` (and of the OCSP benchmark):
//! hyper directly, with the OCSP responder's routes answered before any
//! router, and everything else (the API, the operator pages, the CRL, the
//! TSA) handed to an axum [`Router`].
//!
//! Why not `axum::serve`: an OCSP answer from the pre-signed map costs
//! about a microsecond, so what remains per request is HTTP. Here an OCSP
//! request skips axum's routing, extractors, response boxing and the tower
//! timeout layer; the connection is HTTP/1 only (no protocol sniffing).
//!
//! Robustness, for a server on the Internet:
//!
//! * **Header read timeout** ([`ServerConfig::request_timeout`], hyper's
//!   own): a client that does not send a whole request head in time —
//!   slowloris, or a keep-alive connection left idle — is disconnected.
//! * **OCSP request timeout**: the same limit covers reading the body and
//!   answering (408 Request Timeout), as the router's timeout layer does
//!   for the other routes.
//! * **Limits**: at most [`ServerConfig::max_connections`] connections at
//!   once (further clients wait in the listen backlog), at most
//!   [`ServerConfig::max_buf_size`] of buffered request head, the OCSP
//!   responder's `max_request_bytes` of body (413; a Content-Length above
//!   it is refused before reading).
//! * TCP_NODELAY on every connection; graceful shutdown (requests in flight
//!   finish, idle connections close).
//!
//! The OCSP fast path answers exactly what [`OcspResponder::routes`] does
//! (`POST {path}`, `POST {path}/`, `GET {path}/{base64}`) with the same
//! statuses and headers: 415 for a wrong Content-Type, 413 for a body
//! over the limit, 408 on timeout, 400 for a body that could not be read
//! or a GET path that is not UTF-8 once percent-decoded. Other methods on
//! those paths fall through to the router (405, HEAD).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::ocsp_responder::{Answer, OcspResponder};

/// The body of every response: bytes at hand (the OCSP fast path, no
/// boxing) or the router's.
pub type ServerBody = Either<Full<Bytes>, axum::body::Body>;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The longest a client may take to send a request head, and an OCSP
    /// request (head, body and answer) may take; 10 s by default.
    pub request_timeout: Duration,
    /// Connections served at once (10,000 by default); more wait in the
    /// listen backlog.
    pub max_connections: usize,
    /// hyper's read buffer limit per connection, bounding a request head
    /// (64 KiB by default; at least 8 KiB).
    pub max_buf_size: usize,
    /// How long shutdown waits for requests in flight (30 s by default).
    pub shutdown_grace: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            request_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            max_buf_size: 64 * 1024,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// The OCSP responder and where it is mounted.
struct FastOcsp {
    responder: Arc<OcspResponder>,
    /// The path without a trailing slash (`/ocsp`).
    base: String,
    /// `{base}/`.
    base_slash: String,
    timeout: Duration,
}

struct Shared {
    ocsp: Option<FastOcsp>,
    router: Router,
}

/// An HTTP/1.1 server: an OCSP fast path in front of an axum router.
pub struct HttpServer {
    shared: Arc<Shared>,
    config: ServerConfig,
}

impl std::fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServer")
            .field("config", &self.config)
            .field(
                "ocsp_path",
                &self.shared.ocsp.as_ref().map(|o| o.base.as_str()),
            )
            .finish_non_exhaustive()
    }
}

impl HttpServer {
    /// A server for `router` alone.
    pub fn new(router: Router, config: ServerConfig) -> Self {
        HttpServer {
            shared: Arc::new(Shared { ocsp: None, router }),
            config,
        }
    }

    /// Answers the OCSP routes under `path` (as [`OcspResponder::routes`]
    /// mounts them) with `responder` directly, before the router.
    pub fn with_ocsp(self, responder: Arc<OcspResponder>, path: &str) -> Self {
        let base = path.trim_end_matches('/').to_owned();
        let shared = Shared {
            ocsp: Some(FastOcsp {
                responder,
                base_slash: format!("{base}/"),
                base,
                timeout: self.config.request_timeout,
            }),
            router: self.shared.router.clone(),
        };
        HttpServer {
            shared: Arc::new(shared),
            config: self.config,
        }
    }

    /// Serves connections from `listener` until `shutdown` resolves, then
    /// stops accepting, lets requests in flight finish (idle connections
    /// are closed at once) for up to [`ServerConfig::shutdown_grace`], and
    /// returns.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> std::io::Result<()> {
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.config.request_timeout)
            .max_buf_size(self.config.max_buf_size.max(8192))
            .keep_alive(true);
        let slots = Arc::new(Semaphore::new(self.config.max_connections.max(1)));
        let graceful = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                permit = Arc::clone(&slots).acquire_owned() => match permit {
                    Ok(p) => p,
                    Err(_) => break,
                },
                () = &mut shutdown => break,
            };
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = &mut shutdown => break,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, or a connection reset before it
                    // was accepted: not fatal; pause briefly on the former.
                    tracing::debug!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            // Small answers must leave at once, not wait for an ACK.
            let _ = stream.set_nodelay(true);
            let service = Dispatch {
                shared: Arc::clone(&self.shared),
                peer,
            };
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::trace!(error = %e, "connection ended");
                }
                drop(permit);
            });
        }
        drop(listener);
        if tokio::time::timeout(self.config.shutdown_grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("requests still in flight at shutdown were cut");
        }
        Ok(())
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<Response<ServerBody>, Infallible>> + Send>>;

/// Each request: the OCSP fast path, or the router (which sees the
/// client's address as axum's `ConnectInfo<SocketAddr>`).
#[derive(Clone)]
struct Dispatch {
    shared: Arc<Shared>,
    peer: SocketAddr,
}

impl hyper::service::Service<Request<Incoming>> for Dispatch {
    type Response = Response<ServerBody>;
    type Error = Infallible;
    type Future = BoxFuture;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        if let Some(ocsp) = &self.shared.ocsp
            && let Some(kind) = ocsp.route(request.method(), request.uri().path())
        {
            let shared = Arc::clone(&self.shared);
            return Box::pin(async move {
                // `route` matched, so the responder is there.
                let Some(ocsp) = shared.ocsp.as_ref() else {
                    return Ok(plain(StatusCode::NOT_FOUND, ""));
                };
                let answer = tokio::time::timeout(ocsp.timeout, ocsp.answer(kind, request)).await;
                Ok(answer.unwrap_or_else(|_| plain(StatusCode::REQUEST_TIMEOUT, "")))
            });
        }
        let mut router = self.shared.router.clone();
        let mut request = request;
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(self.peer));
        Box::pin(async move {
            let response = tower_service::Service::call(&mut router, request).await?;
            Ok(response.map(Either::Right))
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum OcspRoute {
    Post,
    Get,
}

impl FastOcsp {
    fn route(&self, method: &Method, path: &str) -> Option<OcspRoute> {
        if *method == Method::POST {
            (path == self.base_slash || (!self.base.is_empty() && path == self.base))
                .then_some(OcspRoute::Post)
        } else if *method == Method::GET {
            path.strip_prefix(&self.base_slash)
                .is_some_and(|rest| !rest.is_empty())
                .then_some(OcspRoute::Get)
        } else {
            None
        }
    }

    async fn answer(&self, route: OcspRoute, request: Request<Incoming>) -> Response<ServerBody> {
        let limit = self.responder.max_request_bytes();
        match route {
            OcspRoute::Post => {
                if !crate::ocsp_responder::has_content_type(
                    request.headers(),
                    pki::ocsp::CONTENT_TYPE_REQUEST,
                ) {
                    return plain(
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        "expected Content-Type: application/ocsp-request\n",
                    );
                }
                let declared = request
                    .headers()
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok());
                if declared.is_some_and(|n| n > limit as u64) {
                    return too_large();
                }
                let body = match Limited::new(request.into_body(), limit).collect().await {
                    Ok(collected) => collected.to_bytes(),
                    Err(e) if e.is::<http_body_util::LengthLimitError>() => return too_large(),
                    Err(_) => {
                        return plain(
                            StatusCode::BAD_REQUEST,
                            "Failed to buffer the request body\n",
                        );
                    }
                };
                ocsp_response(self.responder.respond(&body).await)
            }
            OcspRoute::Get => {
                let path = request.uri().path();
                let encoded = &path[self.base_slash.len().min(path.len())..];
                let decoded = percent_decode(encoded.as_bytes());
                let Ok(text) = std::str::from_utf8(&decoded) else {
                    return plain(StatusCode::BAD_REQUEST, "Invalid URL\n");
                };
                ocsp_response(self.responder.respond_get(text).await)
            }
        }
    }
}

/// `%XX` → the octet; anything else (a lone `%` included) as it is, as
/// axum's path extractor decodes.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%'
            && let (Some(h), Some(l)) = (
                input.get(i + 1).copied().and_then(hex),
                input.get(i + 2).copied().and_then(hex),
            )
        {
            // Two hex digits: below 256.
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'%'));
            i += 3;
        } else {
            out.push(input[i]);
            i += 1;
        }
    }
    out
}

fn plain(status: StatusCode, text: &'static str) -> Response<ServerBody> {
    let mut response = Response::new(Either::Left(Full::new(Bytes::from_static(text.as_bytes()))));
    *response.status_mut() = status;
    if !text.is_empty() {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    }
    response
}

fn too_large() -> Response<ServerBody> {
    plain(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Failed to buffer the request body: length limit exceeded\n",
    )
}

fn ocsp_response(answer: Answer) -> Response<ServerBody> {
    let cache_control = answer
        .max_age
        .and_then(crate::ocsp_responder::cache_control);
    let mut response = Response::new(Either::Left(Full::new(answer.der)));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(pki::ocsp::CONTENT_TYPE_RESPONSE),
    );
    if let Some(value) = cache_control {
        headers.insert(header::CACHE_CONTROL, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode(b"MEow%2BQ%3D%3d"), b"MEow+Q==");
        assert_eq!(percent_decode(b"a%2"), b"a%2");
        assert_eq!(percent_decode(b"%zz%41"), b"%zzA");
        assert_eq!(percent_decode(b"%ff"), [0xff]);
    }
}
