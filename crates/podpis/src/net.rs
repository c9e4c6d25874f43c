//! HTTP for the protocols PKI clients speak: OCSP (RFC 6960 §A.1), CRL
//! downloads and time-stamp requests (RFC 3161 §3.4). Plain HTTP is what
//! these services publish; https works too. Responses are capped in size and
//! every request has a timeout, so a hostile or dead server cannot hang or
//! exhaust the process.

use std::io::Read;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// The largest response accepted (a big CRL of an accredited CA is a few MiB).
const MAX_RESPONSE: u64 = 64 * 1024 * 1024;

/// How long one request may take, connect to last byte.
const TIMEOUT: Duration = Duration::from_secs(20);

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .user_agent(concat!("podpis/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

fn read_body(
    url: &str,
    response: ureq::http::Response<ureq::Body>,
    expect: Option<&str>,
) -> Result<Vec<u8>> {
    let status = response.status();
    if !status.is_success() {
        bail!("{url}: сервер ответил / the server answered HTTP {status}");
    }
    if let Some(expected) = expect {
        let got = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !got.is_empty() && !got.starts_with(expected) {
            bail!("{url}: ожидался / expected {expected}, получен / got {got}");
        }
    }
    let mut body = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(MAX_RESPONSE + 1)
        .read_to_end(&mut body)
        .with_context(|| format!("{url}: ответ не дочитан / reading the response"))?;
    if body.len() as u64 > MAX_RESPONSE {
        bail!(
            "{url}: ответ больше {MAX_RESPONSE} байт / the response exceeds {MAX_RESPONSE} bytes"
        );
    }
    Ok(body)
}

/// POSTs `body` with `content_type`; returns the response body, checking its
/// content type when the server states one.
pub(crate) fn post(url: &str, content_type: &str, body: &[u8], expect: &str) -> Result<Vec<u8>> {
    let response = agent()
        .post(url)
        .header("content-type", content_type)
        .send(body)
        .with_context(|| format!("{url}: нет связи / cannot connect"))?;
    read_body(url, response, Some(expect))
}

/// GETs `url`; returns the body.
pub(crate) fn get(url: &str) -> Result<Vec<u8>> {
    let response = agent()
        .get(url)
        .call()
        .with_context(|| format!("{url}: нет связи / cannot connect"))?;
    read_body(url, response, None)
}
