//! What the e-signature login trusts: the configured list of accredited
//! CAs (root certificates as trust anchors, intermediate CA certificates
//! to build paths with), and where revocation evidence comes from — the
//! OCSP responders and CRL distribution points named in each certificate,
//! fetched over HTTP with timeouts ([`HttpRevocationSource`]).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pki::revocation::{FetchError, RevocationSource};
use pki::trust::TrustStore;
use x509_cert::Certificate;

use crate::esig::EsigError;

/// The accredited CAs: trust anchors and intermediates.
#[derive(Debug, Clone, Default)]
pub struct TrustList {
    /// Root certificates: paths must end at one of these.
    pub anchors: TrustStore,
    /// Intermediate CA certificates (untrusted by themselves) used to build
    /// paths when the signature does not carry them.
    pub intermediates: Vec<Certificate>,
}

impl TrustList {
    /// An empty list (every certificate is untrusted).
    pub fn new() -> TrustList {
        TrustList::default()
    }

    /// Loads anchors from `roots` and intermediates from `intermediates`:
    /// each path a certificate file (DER, PEM, a PEM bundle) or a
    /// directory of them (`.cer`, `.crt`, `.pem`, `.der`).
    pub fn load(roots: &[PathBuf], intermediates: &[PathBuf]) -> Result<TrustList, EsigError> {
        let mut list = TrustList::new();
        for path in roots {
            let result = if path.is_dir() {
                list.anchors.load_dir(path).map(|_| ())
            } else {
                list.anchors.add_file(path).map(|_| ())
            };
            result.map_err(|e| EsigError::TrustList(format!("{}: {e}", path.display())))?;
        }
        for path in intermediates {
            for file in files(path)? {
                let bytes = std::fs::read(&file)
                    .map_err(|e| EsigError::TrustList(format!("{}: {e}", file.display())))?;
                let certs = pki::trust::parse_certificates(&bytes)
                    .map_err(|e| EsigError::TrustList(format!("{}: {e}", file.display())))?;
                list.intermediates.extend(certs);
            }
        }
        Ok(list)
    }

    /// Adds a trust anchor.
    pub fn add_anchor(&mut self, cert: Certificate) -> Result<(), EsigError> {
        self.anchors
            .add(cert)
            .map(|_| ())
            .map_err(|e| EsigError::TrustList(e.to_string()))
    }

    /// Adds an intermediate CA certificate.
    pub fn add_intermediate(&mut self, cert: Certificate) {
        self.intermediates.push(cert);
    }
}

/// The certificate files of a path: itself, or a directory's files.
fn files(path: &Path) -> Result<Vec<PathBuf>, EsigError> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let read = std::fs::read_dir(path)
        .map_err(|e| EsigError::TrustList(format!("{}: {e}", path.display())))?;
    let mut out: Vec<PathBuf> = read
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                ["cer", "crt", "pem", "der"].contains(&e.to_ascii_lowercase().as_str())
            })
        })
        .collect();
    out.sort();
    Ok(out)
}

/// The largest OCSP response or CRL accepted (a big CRL of an accredited CA
/// is a few MiB).
const MAX_RESPONSE: u64 = 64 * 1024 * 1024;

/// Revocation evidence over HTTP: OCSP POSTs (RFC 6960 A.1) and CRL
/// downloads, each with a connect-to-last-byte timeout and a size cap, so a
/// dead or hostile responder cannot hold a login for long. Blocking: the
/// login runs it on tokio's blocking pool.
#[derive(Debug, Clone)]
pub struct HttpRevocationSource {
    agent: ureq::Agent,
}

impl HttpRevocationSource {
    /// A source whose every request ends within `timeout`.
    pub fn new(timeout: Duration) -> HttpRevocationSource {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .timeout_connect(Some(timeout.min(Duration::from_secs(5))))
            .http_status_as_error(false)
            .user_agent(concat!("podpis-idp/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HttpRevocationSource { agent }
    }

    fn body(
        url: &str,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Vec<u8>, FetchError> {
        let response = response.map_err(|e| fetch_error(format!("{url}: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            return Err(fetch_error(format!("{url}: HTTP {status}")));
        }
        let mut body = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(MAX_RESPONSE + 1)
            .read_to_end(&mut body)
            .map_err(|e| fetch_error(format!("{url}: {e}")))?;
        if body.len() as u64 > MAX_RESPONSE {
            return Err(fetch_error(format!("{url}: response too large")));
        }
        Ok(body)
    }
}

impl Default for HttpRevocationSource {
    /// Requests end within 5 seconds.
    fn default() -> Self {
        HttpRevocationSource::new(Duration::from_secs(5))
    }
}

fn fetch_error(message: String) -> FetchError {
    FetchError(message.into())
}

impl RevocationSource for HttpRevocationSource {
    fn fetch_crl(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        if !url.starts_with("http://") && !url.starts_with("https://") {
            return Err(fetch_error(format!("{url}: not an HTTP URL")));
        }
        Self::body(url, self.agent.get(url).call())
    }

    fn fetch_ocsp(&self, url: &str, request_der: &[u8]) -> Result<Vec<u8>, FetchError> {
        if !url.starts_with("http://") && !url.starts_with("https://") {
            return Err(fetch_error(format!("{url}: not an HTTP URL")));
        }
        Self::body(
            url,
            self.agent
                .post(url)
                .header("content-type", "application/ocsp-request")
                .send(request_der),
        )
    }
}
