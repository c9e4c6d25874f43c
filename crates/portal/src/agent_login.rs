//! «Вход с помощью электронной подписи» in the browser, through the local
//! signing agent (`podpis agent`, docs/agent.md): the login page
//! `/login/esig` loads the same-origin module `/static/login-esig.js`,
//! which imports the agent's JavaScript SDK (`web/sdk/podpis-agent.js`,
//! served as `/static/podpis-agent.js`), lists the agent's certificates,
//! has the chosen one sign the identity provider's one-time challenge and
//! posts the signature to `POST /api/v1/login/esig` (docs/idp-esig.md);
//! the answer sets the session cookie and the page goes to the cabinet.
//!
//! Only that page's Content-Security-Policy lets it connect to the agent's
//! loopback address ([`AgentUrl`], configurable; every other page keeps
//! `connect-src 'self'`). No inline script anywhere.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The agent's default address (its fixed port on loopback).
pub const DEFAULT_AGENT_URL: &str = "http://127.0.0.1:47213";

/// The signing agent's base URL as the login page reaches it: `http` or
/// `https`, a host (name, IPv4 or bracketed IPv6) and an optional port,
/// nothing else — it goes into a header and an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentUrl(String);

impl AgentUrl {
    /// `url` checked and normalised (lower case, no trailing slash); `None`
    /// when it is not such a URL.
    pub fn parse(url: &str) -> Option<AgentUrl> {
        let url = url.trim().trim_end_matches('/').to_ascii_lowercase();
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))?;
        let ok = !rest.is_empty()
            && rest.len() <= 255
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
            && !rest.starts_with(':');
        ok.then_some(AgentUrl(url))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same address for WebSocket (`ws://` or `wss://`).
    fn websocket(&self) -> String {
        match self.0.strip_prefix("https://") {
            Some(rest) => format!("wss://{rest}"),
            None => format!("ws://{}", self.0.trim_start_matches("http://")),
        }
    }

    /// The login page's Content-Security-Policy: the default one with the
    /// agent's address (HTTP and WebSocket) added to `connect-src`.
    pub fn login_page_csp(&self) -> String {
        idp::security::DEFAULT_CSP.replacen(
            "connect-src 'self'",
            &format!("connect-src 'self' {} {}", self.0, self.websocket()),
            1,
        )
    }
}

impl Default for AgentUrl {
    fn default() -> AgentUrl {
        AgentUrl(DEFAULT_AGENT_URL.to_owned())
    }
}

/// What the portal is configured with beside the identity provider.
#[derive(Debug, Clone, Default)]
pub struct PortalOptions {
    /// Where the login page looks for the signing agent.
    pub agent_url: AgentUrl,
}

/// A static script, cached for an hour.
fn script(body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// `/static/podpis-agent.js`: the agent's SDK.
pub(crate) async fn sdk() -> Response {
    script(include_str!("../../../web/sdk/podpis-agent.js"))
}

/// `/static/login-esig.js`: the login page's script.
pub(crate) async fn login_script() -> Response {
    script(include_str!("../static/login-esig.js"))
}

/// Sets the login page's policy on `response` (the security layer then
/// leaves it).
pub(crate) fn with_login_csp(mut response: Response, agent: &AgentUrl) -> Response {
    if let Ok(v) = HeaderValue::from_str(&agent.login_page_csp()) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn agent_urls_are_checked() {
        let u = AgentUrl::parse("HTTP://127.0.0.1:47213/").unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:47213");
        assert_eq!(u.websocket(), "ws://127.0.0.1:47213");
        assert_eq!(
            AgentUrl::parse("https://[::1]:5000").unwrap().websocket(),
            "wss://[::1]:5000"
        );
        assert_eq!(AgentUrl::default().as_str(), DEFAULT_AGENT_URL);
        for bad in [
            "",
            "127.0.0.1:47213",
            "ftp://127.0.0.1",
            "http://",
            "http://:80",
            "http://host/path",
            "http://a b",
            "http://x; script-src *",
            "http://x\"><script>",
            "javascript:alert(1)",
        ] {
            assert!(AgentUrl::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn only_connect_src_widens() {
        let csp = AgentUrl::parse("http://127.0.0.1:5000")
            .unwrap()
            .login_page_csp();
        assert!(
            csp.contains("connect-src 'self' http://127.0.0.1:5000 ws://127.0.0.1:5000;"),
            "{csp}"
        );
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(
            csp.replace(" http://127.0.0.1:5000 ws://127.0.0.1:5000", ""),
            idp::security::DEFAULT_CSP
        );
    }
}
