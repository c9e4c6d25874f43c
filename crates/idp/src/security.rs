//! Security headers on every response, as a tower layer the identity
//! provider's, the portal's and the OIDC routers share:
//!
//! * `Content-Security-Policy` — by default only the site's own scripts,
//!   styles, images and forms, no plug-ins, no `<base>`, and
//!   `frame-ancestors 'none'` (no framing: clickjacking);
//! * `X-Frame-Options: DENY` (the same for old browsers);
//! * `X-Content-Type-Options: nosniff`;
//! * `Referrer-Policy: no-referrer` (tokens in URLs never leak to other
//!   sites);
//! * `Strict-Transport-Security` when [`SecurityHeaders::hsts`] is set
//!   (the server is reached over TLS, directly or behind a proxy);
//! * `Cache-Control: no-store` on responses that set none (personal data
//!   and tokens stay out of caches).
//!
//! A header the handler set itself is left as it is.
//!
//! ```text
//! let app = router.layer(SecurityLayer::new(&SecurityHeaders { hsts: true, ..Default::default() }));
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::{HeaderName, HeaderValue, Request, Response, header};

/// The default Content-Security-Policy.
pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// What the layer adds.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    /// The Content-Security-Policy.
    pub csp: String,
    /// Send HSTS (only when served over TLS).
    pub hsts: bool,
    /// HSTS max-age, seconds (one year).
    pub hsts_max_age: u64,
}

impl Default for SecurityHeaders {
    fn default() -> SecurityHeaders {
        SecurityHeaders {
            csp: DEFAULT_CSP.to_owned(),
            hsts: false,
            hsts_max_age: 31_536_000,
        }
    }
}

impl SecurityHeaders {
    /// The headers to add, in order.
    pub fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        let mut out = vec![
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ];
        if let Ok(csp) = HeaderValue::from_str(&self.csp) {
            out.push((header::CONTENT_SECURITY_POLICY, csp));
        }
        if self.hsts
            && let Ok(v) =
                HeaderValue::from_str(&format!("max-age={}; includeSubDomains", self.hsts_max_age))
        {
            out.push((header::STRICT_TRANSPORT_SECURITY, v));
        }
        out
    }
}

/// The tower layer.
#[derive(Debug, Clone)]
pub struct SecurityLayer {
    headers: Arc<Vec<(HeaderName, HeaderValue)>>,
}

impl SecurityLayer {
    /// A layer adding `config`'s headers.
    pub fn new(config: &SecurityHeaders) -> SecurityLayer {
        SecurityLayer {
            headers: Arc::new(config.headers()),
        }
    }
}

impl<S> tower::Layer<S> for SecurityLayer {
    type Service = SecurityService<S>;

    fn layer(&self, inner: S) -> SecurityService<S> {
        SecurityService {
            inner,
            headers: self.headers.clone(),
        }
    }
}

/// The service the layer wraps around another.
#[derive(Debug, Clone)]
pub struct SecurityService<S> {
    inner: S,
    headers: Arc<Vec<(HeaderName, HeaderValue)>>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, ReqBody, ResBody> tower::Service<Request<ReqBody>> for SecurityService<S>
where
    S: tower::Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let future = self.inner.call(req);
        let headers = self.headers.clone();
        Box::pin(async move {
            let mut response = future.await?;
            let map = response.headers_mut();
            for (name, value) in headers.iter() {
                if !map.contains_key(name) {
                    map.insert(name.clone(), value.clone());
                }
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn get_headers(hsts: bool, path: &str) -> axum::http::HeaderMap {
        let app = Router::new()
            .route("/", get(|| async { "x" }))
            .route(
                "/cached",
                get(|| async { ([(header::CACHE_CONTROL, "max-age=60")], "y") }),
            )
            .layer(SecurityLayer::new(&SecurityHeaders {
                hsts,
                ..Default::default()
            }));
        let response = app
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        response.headers().clone()
    }

    #[tokio::test]
    async fn every_response_gets_the_headers() {
        let h = get_headers(false, "/").await;
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["cache-control"], "no-store");
        assert!(!h.contains_key("strict-transport-security"));
        let h = get_headers(true, "/cached").await;
        assert_eq!(
            h["strict-transport-security"],
            "max-age=31536000; includeSubDomains"
        );
        assert_eq!(
            h["cache-control"], "max-age=60",
            "the handler's own header stays"
        );
        // Even the router's own 404.
        let h = get_headers(false, "/nowhere").await;
        assert_eq!(h["x-frame-options"], "DENY");
    }
}
