//! The publication services of one CA together: one axum router for
//! `podpis serve`, their background tasks, and the one
//! [`StatusListener`] the CA tells of revocations.
//!
//! ```text
//! POST {ocsp_path}            application/ocsp-request  → application/ocsp-response
//! GET  {ocsp_path}/{base64}   (RFC 6960 A.1)            → application/ocsp-response
//! GET  {crl_path}                                       → application/pkix-crl
//! POST {tsp_path}             application/timestamp-query → application/timestamp-reply
//! ```
//!
//! Every route has a request timeout (408) and a body limit (413); a wrong
//! Content-Type is answered 415.
//!
//! [`Publication::server`] serves the router (with any other routes) over
//! [`crate::server::HttpServer`], which answers the OCSP routes itself,
//! before the router, for throughput.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use tokio::task::JoinHandle;
use tower_http::timeout::TimeoutLayer;
use x509_cert::serial_number::SerialNumber;

use crate::crl_publisher::CrlPublisher;
use crate::ocsp_responder::OcspResponder;
use crate::publish_error::PublishError;
use crate::server::{HttpServer, ServerConfig};
use crate::status::{StatusListener, StatusSource, poll_changes};
use crate::tsa::Tsa;

/// Where the services are mounted and how they run.
#[derive(Debug, Clone)]
pub struct PublicationConfig {
    /// The OCSP responder's URL path (`/ocsp` by default), as written in
    /// the certificates' authorityInfoAccess.
    pub ocsp_path: String,
    /// The CRL's URL path (`/crl/ca.crl` by default), as written in the
    /// certificates' cRLDistributionPoints.
    pub crl_path: String,
    /// The TSA's URL path (`/tsp` by default).
    pub tsp_path: String,
    /// The longest a request may take, body included (10 s by default).
    pub request_timeout: Duration,
    /// Pre-sign the OCSP responses of every issued certificate at start
    /// (yes by default; otherwise each is signed on its first request).
    pub presign_ocsp: bool,
    /// How often to poll the status source for changes committed on other
    /// nodes (5 s by default; `None` for a single node whose CA tells the
    /// [`Publication`] of every change).
    pub poll_changes: Option<Duration>,
}

impl Default for PublicationConfig {
    fn default() -> Self {
        PublicationConfig {
            ocsp_path: "/ocsp".into(),
            crl_path: "/crl/ca.crl".into(),
            tsp_path: "/tsp".into(),
            request_timeout: Duration::from_secs(10),
            presign_ocsp: true,
            poll_changes: Some(Duration::from_secs(5)),
        }
    }
}

/// The services of one CA; any may be left out.
#[derive(Debug, Clone, Default)]
pub struct Publication {
    /// The OCSP responder.
    pub ocsp: Option<Arc<OcspResponder>>,
    /// The CRL publisher.
    pub crl: Option<Arc<CrlPublisher>>,
    /// The time-stamp authority.
    pub tsa: Option<Arc<Tsa>>,
}

impl Publication {
    /// One router with every service present, a timeout on each request.
    pub fn router(&self, config: &PublicationConfig) -> Router {
        let mut router = Router::new();
        if let Some(ocsp) = &self.ocsp {
            router = router.merge(ocsp.routes(&config.ocsp_path));
        }
        if let Some(crl) = &self.crl {
            router = router.merge(crl.routes(&config.crl_path));
        }
        if let Some(tsa) = &self.tsa {
            router = router.merge(tsa.routes(&config.tsp_path));
        }
        router.layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
    }

    /// The HTTP server of these services and `app` (merged with
    /// [`Publication::router`]), the OCSP routes answered on the server's
    /// fast path with `config.request_timeout` (which also bounds reading
    /// a request head); `server.request_timeout` is replaced by it.
    pub fn server(
        &self,
        config: &PublicationConfig,
        server: ServerConfig,
        app: Router,
    ) -> HttpServer {
        let server = HttpServer::new(
            app.merge(self.router(config)),
            ServerConfig {
                request_timeout: config.request_timeout,
                ..server
            },
        );
        match &self.ocsp {
            Some(ocsp) => server.with_ocsp(Arc::clone(ocsp), &config.ocsp_path),
            None => server,
        }
    }

    /// Starts the background work on the current tokio runtime: the change
    /// poll (its cursor taken first), the CRL schedule, OCSP pre-signing
    /// (awaited: when this returns, the hot path is warm; the router may
    /// serve meanwhile, signing on misses), the OCSP refresher. Abort the
    /// returned tasks to stop.
    pub async fn start(
        self: &Arc<Self>,
        status: Arc<dyn StatusSource>,
        config: &PublicationConfig,
    ) -> Result<Vec<JoinHandle<()>>, PublishError> {
        let mut tasks = Vec::new();
        if let Some(period) = config.poll_changes {
            let cursor = status.changes_since(u64::MAX).await?.cursor;
            let listener: Arc<dyn StatusListener> = Arc::clone(self) as _;
            tasks.push(tokio::spawn(poll_changes(status, listener, cursor, period)));
        }
        if let Some(crl) = &self.crl {
            tasks.push(tokio::spawn(Arc::clone(crl).run()));
        }
        if let Some(ocsp) = &self.ocsp {
            if config.presign_ocsp {
                ocsp.presign().await?;
            }
            tasks.push(tokio::spawn(Arc::clone(ocsp).run_refresher()));
        }
        Ok(tasks)
    }
}

impl StatusListener for Publication {
    fn status_changed(&self, serial: &SerialNumber) {
        if let Some(ocsp) = &self.ocsp {
            ocsp.status_changed(serial);
        }
        if let Some(crl) = &self.crl {
            crl.status_changed(serial);
        }
    }
}
