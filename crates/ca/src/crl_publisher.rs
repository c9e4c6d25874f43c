//! The CRL publisher of one CA: issues a CRL on a schedule and right after
//! each status change, and serves the latest one at the CRL distribution
//! point URL as DER with `application/pkix-crl`.
//!
//! A build reads every revoked certificate from the [`StatusSource`], takes
//! the next cRLNumber from it (persisted there, so numbers only grow across
//! restarts and nodes), and signs on a blocking thread. Builds never run
//! two at a time; status changes that arrive during a build cause exactly
//! one more build after it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use pki::Signer;
use pki::crl::CrlBuilder;
use tokio::sync::{Mutex, Notify, watch};
use x509_cert::Certificate;
use x509_cert::serial_number::SerialNumber;

use crate::publish_error::PublishError;
use crate::status::{Clock, StatusListener, StatusSource};

/// The media type of a DER CRL (RFC 2585 §4.2).
pub const CONTENT_TYPE_CRL: &str = "application/pkix-crl";

/// When CRLs are issued.
#[derive(Debug, Clone)]
pub struct CrlConfig {
    /// A new CRL at least this often (1 hour by default).
    pub period: Duration,
    /// nextUpdate − thisUpdate (24 hours by default; longer than `period`,
    /// so a relying party always holds a current CRL).
    pub validity: Duration,
    /// Issue a new CRL right after each status change (yes by default).
    pub on_status_change: bool,
    /// After a failed build, try again this soon (30 s by default).
    pub retry: Duration,
}

impl Default for CrlConfig {
    fn default() -> Self {
        CrlConfig {
            period: Duration::from_secs(3600),
            validity: Duration::from_secs(24 * 3600),
            on_status_change: true,
            retry: Duration::from_secs(30),
        }
    }
}

/// A CRL as served.
#[derive(Debug, Clone)]
pub struct PublishedCrl {
    /// The DER.
    pub der: Bytes,
    /// Its cRLNumber.
    pub number: u64,
    /// thisUpdate.
    pub this_update: SystemTime,
    /// nextUpdate.
    pub next_update: SystemTime,
    /// How many certificates it lists.
    pub entries: usize,
}

/// The CRL publisher of one CA. Share it in an `Arc`; spawn
/// [`CrlPublisher::run`]; mount [`CrlPublisher::routes`].
pub struct CrlPublisher {
    issuer: Certificate,
    signer: Arc<dyn Signer>,
    status: Arc<dyn StatusSource>,
    clock: Arc<dyn Clock>,
    config: CrlConfig,
    current: watch::Sender<Option<Arc<PublishedCrl>>>,
    wake: Notify,
    building: Mutex<()>,
}

impl std::fmt::Debug for CrlPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrlPublisher")
            .field("config", &self.config)
            .field("number", &self.current().map(|c| c.number))
            .finish_non_exhaustive()
    }
}

impl CrlPublisher {
    /// A publisher for `issuer`'s CRLs, signed with `signer` (the CA's key).
    pub fn new(
        issuer: Certificate,
        signer: Arc<dyn Signer>,
        status: Arc<dyn StatusSource>,
        clock: Arc<dyn Clock>,
        mut config: CrlConfig,
    ) -> Result<Self, PublishError> {
        let key = pki::cert::public_key(&issuer)
            .map_err(|_| PublishError::Crl(pki::crl::CrlError::SignerKeyMismatch))?;
        if key != *signer.verifying_key() {
            return Err(PublishError::Crl(pki::crl::CrlError::SignerKeyMismatch));
        }
        if pki::cert::key_usage(&issuer).is_some_and(|ku| !ku.crl_sign()) {
            return Err(PublishError::Crl(pki::crl::CrlError::IssuerNotCrlSigner));
        }
        if config.validity <= config.period {
            config.validity = config.period * 2;
        }
        Ok(CrlPublisher {
            issuer,
            signer,
            status,
            clock,
            config,
            current: watch::channel(None).0,
            wake: Notify::new(),
            building: Mutex::new(()),
        })
    }

    /// The CRL being served, if one was built yet.
    pub fn current(&self) -> Option<Arc<PublishedCrl>> {
        self.current.borrow().clone()
    }

    /// Follows the CRLs as they are published.
    pub fn subscribe(&self) -> watch::Receiver<Option<Arc<PublishedCrl>>> {
        self.current.subscribe()
    }

    /// Builds, signs and publishes a CRL now.
    pub async fn publish(&self) -> Result<Arc<PublishedCrl>, PublishError> {
        let _building = self.building.lock().await;
        let entries = self.status.revoked().await?;
        let number = self.status.next_crl_number().await?;
        let this_update = self.clock.now();
        let next_update = this_update + self.config.validity;
        let issuer = self.issuer.clone();
        let signer = Arc::clone(&self.signer);
        let count = entries.len();
        let der = tokio::task::spawn_blocking(move || {
            CrlBuilder::new(&issuer, this_update)
                .next_update(next_update)
                .number(number)
                .entries(entries)
                .build_der(signer.as_ref())
        })
        .await
        .map_err(|e| PublishError::Task(e.to_string()))??;
        let crl = Arc::new(PublishedCrl {
            der: Bytes::from(der),
            number,
            this_update,
            next_update,
            entries: count,
        });
        self.current.send_replace(Some(Arc::clone(&crl)));
        Ok(crl)
    }

    /// Publishes at once, then every [`CrlConfig::period`] and after each
    /// status change, for as long as the task lives.
    pub async fn run(self: Arc<Self>) {
        loop {
            let wait = match self.publish().await {
                Ok(_) => self.config.period,
                Err(_) => self.config.retry,
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.wake.notified(), if self.config.on_status_change => {}
            }
        }
    }

    /// The route `GET {path}`: the latest CRL, with an ETag (its number) for
    /// conditional requests; 503 until the first CRL is built.
    pub fn routes(self: &Arc<Self>, path: &str) -> Router {
        Router::new()
            .route(path, get(serve))
            .with_state(Arc::clone(self))
    }
}

impl StatusListener for CrlPublisher {
    fn status_changed(&self, _serial: &SerialNumber) {
        if self.config.on_status_change {
            self.wake.notify_one();
        }
    }
}

async fn serve(State(publisher): State<Arc<CrlPublisher>>, headers: HeaderMap) -> Response {
    let Some(crl) = publisher.current() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
            "the first CRL is being built\n",
        )
            .into_response();
    };
    let etag = format!("\"{}\"", crl.number);
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, CONTENT_TYPE_CRL)], crl.der.clone()).into_response()
    };
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    // Revalidate every time: a CRL may be replaced before its nextUpdate.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, no-cache"),
    );
    response
}
