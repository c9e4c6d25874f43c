//! The OpenID Connect provider (docs/oidc.md): discovery, JWKS, the
//! authorization-code flow with PKCE (S256; required for public clients),
//! the token endpoint (authorization_code and refresh_token grants with
//! rotation), userinfo, RP-initiated logout and a consent page.
//!
//! * Clients are registered by an administrator ([`clients`]),
//!   confidential (`client_secret_basic`, `private_key_jwt`) or public.
//! * ID and access tokens are JWTs signed per client with ES256 or GOST
//!   R 34.10-2012 256 ([`jwt`]) by the provider's keys ([`keys`]).
//! * `sub` is **pairwise**: SHA-256 over the provider's secret salt, the
//!   `client_id` and the account id, base64url — stable for one client and
//!   account, unlinkable across clients.
//! * Who is logged in comes from a [`SessionSource`].
//! * The user's action journal records a consent given or refused
//!   (`oidc.consent`), tokens issued to a client (`oidc.login`), a token
//!   family revoked on a reused code or refresh token (`oidc.revoked`) and
//!   an RP-initiated logout (`oidc.logout`), each with the `client_id`
//!   ([`action`]).
//!
//! Mount [`router`] at the server's root; `issuer` in [`OidcConfig`] is
//! the server's external base URL.

pub mod clients;
mod error;
pub mod jwt;
pub mod keys;
mod pages;
pub mod session;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, RawQuery, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, LOCATION, PRAGMA, WWW_AUTHENTICATE,
};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use pki::Diagnostic;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::Store;
use store::accounts::AccountRecord;
use store::action_journal::{ActionEntry, OK};
use store::oidc::{GrantRecord, IssuedTokens, NewGrant, OidcClient, RefreshLookup};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

pub use clients::{
    AuthMethod, ClientRegistration, ClientSecret, ClientType, SCOPES, register_client,
};
pub use error::OidcError;
pub use jwt::SigAlg;
pub use keys::{ProviderKey, ProviderKeys};
pub use session::{IdpSessions, LoggedIn, SessionSource, token_hash};

use crate::{Client, Clock};

/// The provider's entries in the user's action journal (each with the
/// `client_id` in its details).
pub mod action {
    /// The consent page's answer: `ok` (allowed, with the scopes) or
    /// `OIDC_ACCESS_DENIED`.
    pub const CONSENT: &str = "oidc.consent";
    /// An authorization code redeemed: the user logged in to the client
    /// (tokens issued; refreshes are not journaled).
    pub const LOGIN: &str = "oidc.login";
    /// A token family revoked because a code or a refresh token was
    /// presented again (`OIDC_CODE_REUSED`, `OIDC_REFRESH_REUSED`).
    pub const REVOKED: &str = "oidc.revoked";
    /// RP-initiated logout ended the session.
    pub const LOGOUT: &str = "oidc.logout";
}

/// The provider's settings.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The issuer identifier: the server's external base URL, without a
    /// trailing slash (`https://idp.example`). Endpoints are under it.
    pub issuer: String,
    /// Where a browser that is not logged in is sent:
    /// `{login_url}?return={the authorization request, URL-encoded}`.
    pub login_url: String,
    /// Lifetime of an authorization code (at most 60 s).
    pub code_ttl: Duration,
    /// Lifetime of an access token.
    pub access_ttl: Duration,
    /// Lifetime of an ID token.
    pub id_token_ttl: Duration,
    /// Lifetime of a refresh token (each rotation starts a new one).
    pub refresh_ttl: Duration,
    /// How long a consent form stays valid.
    pub consent_ttl: Duration,
    /// `prompt=login`: a login older than this is redone.
    pub fresh_login: Duration,
    /// Take the browser's address for the journal from `X-Forwarded-For`
    /// (only behind a reverse proxy that sets it).
    pub trust_forwarded_for: bool,
}

impl OidcConfig {
    /// The defaults for `issuer`: codes 60 s, access and ID tokens 10 min,
    /// refresh tokens 30 days, consent forms 10 min, login page `/login`.
    pub fn new(issuer: &str) -> OidcConfig {
        OidcConfig {
            issuer: issuer.trim_end_matches('/').to_owned(),
            login_url: "/login".to_owned(),
            code_ttl: Duration::from_secs(60),
            access_ttl: Duration::from_secs(600),
            id_token_ttl: Duration::from_secs(600),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            consent_ttl: Duration::from_secs(600),
            fresh_login: Duration::from_secs(60),
            trust_forwarded_for: false,
        }
    }
}

/// The provider: what every endpoint shares.
pub struct Oidc {
    store: Store,
    clock: Arc<dyn Clock>,
    keys: Arc<ProviderKeys>,
    sessions: Arc<dyn SessionSource>,
    config: OidcConfig,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("issuer", &self.config.issuer)
            .finish_non_exhaustive()
    }
}

/// Paths of the endpoints (under the issuer).
pub mod paths {
    /// Discovery.
    pub const DISCOVERY: &str = "/.well-known/openid-configuration";
    /// The JWK Set.
    pub const JWKS: &str = "/oidc/jwks";
    /// Authorization endpoint.
    pub const AUTHORIZE: &str = "/oidc/authorize";
    /// The consent form's target.
    pub const CONSENT: &str = "/oidc/consent";
    /// Token endpoint.
    pub const TOKEN: &str = "/oidc/token";
    /// Userinfo endpoint.
    pub const USERINFO: &str = "/oidc/userinfo";
    /// RP-initiated logout.
    pub const LOGOUT: &str = "/oidc/logout";
}

impl Oidc {
    /// The provider over `store`, signing with `keys`, asking `sessions`
    /// who is logged in.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        keys: Arc<ProviderKeys>,
        sessions: Arc<dyn SessionSource>,
        config: OidcConfig,
    ) -> Arc<Oidc> {
        Arc::new(Oidc {
            store,
            clock,
            keys,
            sessions,
            config,
        })
    }

    /// The settings.
    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// The keys.
    pub fn keys(&self) -> &ProviderKeys {
        &self.keys
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.issuer)
    }

    /// The pairwise `sub` of `account_id` for `client_id`.
    pub fn subject(&self, client_id: &str, account_id: i64) -> String {
        self.keys.pairwise(&format!("sub:{client_id}:{account_id}"))
    }

    /// The `sid` of a provider session.
    pub fn sid(&self, session_id: i64) -> String {
        self.keys.pairwise(&format!("sid:{session_id}"))
    }

    /// The discovery document.
    pub fn discovery(&self) -> Value {
        json!({
            "issuer": self.config.issuer,
            "authorization_endpoint": self.url(paths::AUTHORIZE),
            "token_endpoint": self.url(paths::TOKEN),
            "userinfo_endpoint": self.url(paths::USERINFO),
            "jwks_uri": self.url(paths::JWKS),
            "end_session_endpoint": self.url(paths::LOGOUT),
            "scopes_supported": SCOPES,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["ES256", "GOST3410_2012_256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt", "none"],
            "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
            "code_challenge_methods_supported": ["S256"],
            "prompt_values_supported": ["none", "login", "consent"],
            "claims_supported": [
                "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "amr", "acr", "sid",
                "at_hash", "azp", "family_name", "given_name", "middle_name", "birthdate",
                "snils", "inn", "email", "email_verified", "phone_number",
                "phone_number_verified"
            ],
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
            "authorization_response_iss_parameter_supported": true,
            "frontchannel_logout_supported": false,
            "backchannel_logout_supported": false,
        })
    }
}

/// The provider's routes: discovery, JWKS, authorize, consent, token,
/// userinfo, logout.
pub fn router(oidc: Arc<Oidc>) -> Router {
    Router::new()
        .route(paths::DISCOVERY, get(discovery))
        .route(paths::JWKS, get(jwks))
        .route(paths::AUTHORIZE, get(authorize_get).post(authorize_post))
        .route(paths::CONSENT, post(consent))
        .route(paths::TOKEN, post(token))
        .route(paths::USERINFO, get(userinfo).post(userinfo))
        .route(paths::LOGOUT, get(logout_get).post(logout_post))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(oidc)
}

type Shared = Arc<Oidc>;

fn unix(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn random_token() -> Result<Zeroizing<String>, OidcError> {
    let mut raw = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut raw[..]).map_err(|_| OidcError::Random)?;
    Ok(Zeroizing::new(jwt::b64(&raw[..])))
}

/// Form-encoded parameters (query or body), each at most once.
fn parse_params(raw: &str) -> Result<BTreeMap<String, String>, OidcError> {
    let mut map = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        if map.insert(k.into_owned(), v.into_owned()).is_some() {
            return Err(OidcError::InvalidRequest("a parameter is repeated"));
        }
    }
    Ok(map)
}

/// `uri` with `pairs` appended to its query.
fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", s.finish())
}

fn redirect(to: &str) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(LOCATION, v);
    }
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn no_store_json(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, axum::Json(body.clone())).into_response();
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut()
        .insert(PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

/// The RFC 6749 §5.2 error body, with our stable code beside it.
fn oauth_error_body(e: &OidcError) -> Value {
    json!({
        "error": e.oauth_error(),
        "error_description": e.message_en(),
        "code": e.code(),
        "message_ru": e.message_ru(),
    })
}

/// The browser making a request (the consent form, logout), for the
/// journal.
fn browser(oidc: &Oidc, headers: &HeaderMap, ext: &Extensions) -> Client {
    let peer = ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    Client::from_parts(headers, peer, oidc.config.trust_forwarded_for)
}

/// A journal entry of `account_id` about `client_id`.
fn journal_entry(
    account_id: i64,
    act: &str,
    result: &str,
    client_id: Option<&str>,
    browser: Option<&Client>,
) -> ActionEntry {
    let entry = ActionEntry::new(Some(account_id), act, result).detail("client_id", client_id);
    match browser {
        Some(b) => entry.client(b.ip.as_deref(), b.user_agent.as_deref()),
        None => entry,
    }
}

async fn discovery(State(oidc): State<Shared>) -> Response {
    let mut r = axum::Json(oidc.discovery()).into_response();
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("max-age=300"));
    r
}

async fn jwks(State(oidc): State<Shared>) -> Response {
    let mut r = axum::Json(oidc.keys.jwks()).into_response();
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("max-age=300"));
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/jwk-set+json"),
    );
    r
}

/// A validated authorization request (kept while the consent page waits).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AuthRequest {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
}

/// Where errors of an authorization request go once the client and the
/// redirect URI are known good.
struct ErrorTarget<'a> {
    redirect_uri: &'a str,
    state: Option<&'a str>,
    issuer: &'a str,
}

impl ErrorTarget<'_> {
    fn send(&self, e: &OidcError) -> Response {
        let description = e.message_en();
        let mut pairs = vec![
            ("error", e.oauth_error()),
            ("error_description", description.as_str()),
        ];
        if let Some(s) = self.state {
            pairs.push(("state", s));
        }
        pairs.push(("iss", self.issuer));
        redirect(&with_query(self.redirect_uri, &pairs))
    }
}

async fn authorize_get(
    State(oidc): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    authorize(&oidc, &headers, query.as_deref().unwrap_or_default()).await
}

async fn authorize_post(State(oidc): State<Shared>, headers: HeaderMap, body: String) -> Response {
    authorize(&oidc, &headers, &body).await
}

fn is_s256_value(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

async fn authorize(oidc: &Oidc, headers: &HeaderMap, raw: &str) -> Response {
    let params = match parse_params(raw) {
        Ok(p) => p,
        Err(e) => return pages::error(StatusCode::BAD_REQUEST, &e),
    };
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let client = match get("client_id") {
        None => return pages::error(StatusCode::BAD_REQUEST, &OidcError::UnknownClient),
        Some(id) => match oidc.store.oidc_client(id).await {
            Ok(Some(c)) => c,
            Ok(None) => return pages::error(StatusCode::BAD_REQUEST, &OidcError::UnknownClient),
            Err(e) => return pages::error(StatusCode::INTERNAL_SERVER_ERROR, &e.into()),
        },
    };
    let Some(redirect_uri) =
        get("redirect_uri").filter(|r| client.redirect_uris.iter().any(|u| u.as_str() == *r))
    else {
        return pages::error(StatusCode::BAD_REQUEST, &OidcError::RedirectUriMismatch);
    };
    let target = ErrorTarget {
        redirect_uri,
        state: get("state"),
        issuer: &oidc.config.issuer,
    };
    match authorize_checked(oidc, headers, &params, &client, redirect_uri, raw).await {
        Ok(r) => r,
        Err(e @ (OidcError::Store(_) | OidcError::Random | OidcError::Session(_))) => {
            tracing::error!(code = e.code(), "authorization request failed: {e}");
            target.send(&e)
        }
        Err(e) => target.send(&e),
    }
}

async fn authorize_checked(
    oidc: &Oidc,
    headers: &HeaderMap,
    params: &BTreeMap<String, String>,
    client: &OidcClient,
    redirect_uri: &str,
    raw: &str,
) -> Result<Response, OidcError> {
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    if ["request", "request_uri"]
        .iter()
        .any(|k| params.contains_key(*k))
    {
        return Err(OidcError::InvalidRequest(
            "request objects are not supported",
        ));
    }
    if get("response_type") != Some("code") {
        return Err(OidcError::UnsupportedResponseType);
    }
    if get("response_mode").is_some_and(|m| m != "query") {
        return Err(OidcError::InvalidRequest("response_mode must be query"));
    }
    let mut scopes: Vec<String> = Vec::new();
    for s in get("scope")
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
    {
        if !client.scopes.iter().any(|c| c == s) {
            return Err(OidcError::InvalidScope);
        }
        if !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_owned());
        }
    }
    if !scopes.iter().any(|s| s == "openid") {
        return Err(OidcError::InvalidScope);
    }
    let challenge = get("code_challenge");
    match (challenge, get("code_challenge_method")) {
        (_, Some("plain")) => return Err(OidcError::PkceMethod),
        (Some(c), Some("S256")) if c.len() == 43 && is_s256_value(c) => {}
        (Some(_), Some("S256")) => return Err(OidcError::InvalidRequest("code_challenge")),
        (Some(_), _) => return Err(OidcError::PkceMethod),
        (None, Some(_)) => return Err(OidcError::InvalidRequest("code_challenge missing")),
        (None, None) if client.client_type == ClientType::Public.name() => {
            return Err(OidcError::PkceRequired);
        }
        (None, None) => {}
    }
    if get("nonce").is_some_and(|n| n.len() > 512) || get("state").is_some_and(|s| s.len() > 2048) {
        return Err(OidcError::InvalidRequest("state or nonce too long"));
    }
    let prompt: Vec<&str> = get("prompt")
        .unwrap_or_default()
        .split(' ')
        .filter(|p| !p.is_empty())
        .collect();
    if prompt
        .iter()
        .any(|p| !["none", "login", "consent", "select_account"].contains(p))
        || (prompt.contains(&"none") && prompt.len() > 1)
    {
        return Err(OidcError::InvalidRequest("prompt"));
    }
    let max_age = match get("max_age") {
        None => None,
        Some(v) => Some(
            v.parse::<u64>()
                .map_err(|_| OidcError::InvalidRequest("max_age"))?,
        ),
    };
    let now = oidc.clock.now();
    let session = oidc.sessions.current(headers).await?;
    let fresh_enough = |s: &LoggedIn| {
        let age = now.duration_since(s.auth_time).unwrap_or_default();
        let login_ok = !prompt.contains(&"login") || age <= oidc.config.fresh_login;
        let max_age_ok = max_age.is_none_or(|m| age.as_secs() <= m);
        login_ok && max_age_ok
    };
    let session = match session {
        Some(s) if fresh_enough(&s) => s,
        _ if prompt.contains(&"none") => return Err(OidcError::LoginRequired),
        _ => {
            // Back here after the login, with the same request.
            let back = format!("{}?{raw}", paths::AUTHORIZE);
            return Ok(redirect(&with_query(
                &oidc.config.login_url,
                &[("return", back.as_str())],
            )));
        }
    };
    let subject = oidc.store.account(session.account_id).await?;
    if subject.is_none_or(|s| s.blocked) {
        return Err(OidcError::AccountBlocked);
    }
    let request = AuthRequest {
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        scopes,
        state: get("state").map(str::to_owned),
        nonce: get("nonce").map(str::to_owned),
        code_challenge: challenge.map(str::to_owned),
    };
    let consented = oidc
        .store
        .oidc_consent(session.account_id, &client.client_id)
        .await?
        .is_some_and(|c| request.scopes.iter().all(|s| c.scopes.contains(s)));
    if consented && !prompt.contains(&"consent") {
        return issue_code(oidc, &request, &session, None).await;
    }
    if prompt.contains(&"none") {
        return Err(OidcError::ConsentRequired);
    }
    let handle = random_token()?;
    let params = serde_json::to_value(&request).map_err(|e| OidcError::Signing(e.to_string()))?;
    oidc.store
        .put_oidc_auth_request(
            &token_hash(&handle),
            session.session_id,
            &client.client_id,
            &params,
            now,
            now + oidc.config.consent_ttl,
        )
        .await?;
    Ok(pages::consent(
        client,
        &request.scopes,
        &handle,
        redirect_uri,
    ))
}

/// Issues a code for `request`; `consent` is the consent just given
/// (with its journal entry), remembered with the grant.
async fn issue_code(
    oidc: &Oidc,
    request: &AuthRequest,
    session: &LoggedIn,
    consent: Option<(&str, &ActionEntry)>,
) -> Result<Response, OidcError> {
    let now = oidc.clock.now();
    let code = random_token()?;
    let scope = request.scopes.join(" ");
    let amr = session.amr.join(" ");
    oidc.store
        .insert_oidc_grant(
            &NewGrant {
                code_hash: &token_hash(&code),
                client_id: &request.client_id,
                account_id: session.account_id,
                session_id: Some(session.session_id),
                redirect_uri: &request.redirect_uri,
                scope: &scope,
                nonce: request.nonce.as_deref(),
                code_challenge: request.code_challenge.as_deref(),
                amr: &amr,
                acr: None,
                auth_time: session.auth_time,
                at: now,
                code_expires_at: now + oidc.config.code_ttl.min(Duration::from_secs(60)),
            },
            consent,
        )
        .await?;
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = &request.state {
        pairs.push(("state", s.as_str()));
    }
    pairs.push(("iss", oidc.config.issuer.as_str()));
    Ok(redirect(&with_query(&request.redirect_uri, &pairs)))
}

async fn consent(
    State(oidc): State<Shared>,
    ext: Extensions,
    headers: HeaderMap,
    body: String,
) -> Response {
    let who = browser(&oidc, &headers, &ext);
    match consent_checked(&oidc, &headers, &body, &who).await {
        Ok(r) => r,
        Err((None, e)) => {
            let status = match e {
                OidcError::Store(_) | OidcError::Random | OidcError::Session(_) => {
                    StatusCode::INTERNAL_SERVER_ERROR
                }
                _ => StatusCode::BAD_REQUEST,
            };
            pages::error(status, &e)
        }
        Err((Some(req), e)) => ErrorTarget {
            redirect_uri: &req.redirect_uri,
            state: req.state.as_deref(),
            issuer: &oidc.config.issuer,
        }
        .send(&e),
    }
}

type ConsentError = (Option<AuthRequest>, OidcError);

async fn consent_checked(
    oidc: &Oidc,
    headers: &HeaderMap,
    body: &str,
    who: &Client,
) -> Result<Response, ConsentError> {
    let params = parse_params(body).map_err(|e| (None, e))?;
    let csrf = params
        .get("csrf")
        .ok_or((None, OidcError::ConsentExpired))?;
    let session = oidc
        .sessions
        .current(headers)
        .await
        .map_err(|e| (None, e))?
        .ok_or((None, OidcError::ConsentExpired))?;
    let now = oidc.clock.now();
    let (client_id, stored) = oidc
        .store
        .take_oidc_auth_request(&token_hash(csrf), session.session_id, now)
        .await
        .map_err(|e| (None, e.into()))?
        .ok_or((None, OidcError::ConsentExpired))?;
    let request: AuthRequest =
        serde_json::from_value(stored).map_err(|_| (None, OidcError::ConsentExpired))?;
    let client = oidc
        .store
        .oidc_client(&client_id)
        .await
        .map_err(|e| (None, e.into()))?;
    if client.is_none_or(|c| !c.redirect_uris.contains(&request.redirect_uri)) {
        return Err((None, OidcError::UnknownClient));
    }
    let scope = request.scopes.join(" ");
    if params.get("decision").map(String::as_str) != Some("allow") {
        let denied = OidcError::AccessDenied;
        let entry = journal_entry(
            session.account_id,
            action::CONSENT,
            denied.code(),
            Some(&request.client_id),
            Some(who),
        )
        .detail("scope", scope);
        oidc.store
            .append_action(now, &entry)
            .await
            .map_err(|e| (None, e.into()))?;
        return Err((Some(request), denied));
    }
    let entry = journal_entry(
        session.account_id,
        action::CONSENT,
        OK,
        Some(&request.client_id),
        Some(who),
    )
    .detail("scope", scope.as_str());
    match issue_code(oidc, &request, &session, Some((&scope, &entry))).await {
        Ok(r) => Ok(r),
        Err(e) => Err((Some(request), e)),
    }
}

/// What the token endpoint returns, before it is JSON.
struct Minted {
    access_token: String,
    access_jti: String,
    id_token: String,
    refresh_token: Zeroizing<String>,
    scope: String,
}

fn mint(
    oidc: &Oidc,
    client: &OidcClient,
    grant: &GrantRecord,
    scope: &str,
    nonce: Option<&str>,
) -> Result<Minted, OidcError> {
    let alg = SigAlg::from_name(&client.token_alg).unwrap_or(SigAlg::Es256);
    let key = oidc.keys.signing_key(alg);
    let now = unix(oidc.clock.now());
    let sub = oidc.subject(&client.client_id, grant.account_id);
    let jti = random_token()?;
    let mut access = json!({
        "iss": oidc.config.issuer,
        "sub": sub,
        "aud": client.client_id,
        "client_id": client.client_id,
        "scope": scope,
        "iat": now,
        "exp": now + i64::try_from(oidc.config.access_ttl.as_secs()).unwrap_or(600),
        "auth_time": unix(grant.auth_time),
        "jti": *jti,
    });
    if let Some(sid) = grant.session_id {
        access["sid"] = json!(oidc.sid(sid));
    }
    let access_token = jwt::sign(
        &json!({"alg": alg.name(), "kid": key.kid(), "typ": "at+jwt"}),
        &access,
        &key.signer(),
    )?;
    let mut id = json!({
        "iss": oidc.config.issuer,
        "sub": sub,
        "aud": client.client_id,
        "azp": client.client_id,
        "iat": now,
        "exp": now + i64::try_from(oidc.config.id_token_ttl.as_secs()).unwrap_or(600),
        "auth_time": unix(grant.auth_time),
        "amr": grant.amr.split_whitespace().collect::<Vec<_>>(),
        "at_hash": alg.half_hash(&access_token),
    });
    if let Some(n) = nonce {
        id["nonce"] = json!(n);
    }
    if let Some(acr) = &grant.acr {
        id["acr"] = json!(acr);
    }
    if let Some(sid) = grant.session_id {
        id["sid"] = json!(oidc.sid(sid));
    }
    let id_token = jwt::sign(
        &json!({"alg": alg.name(), "kid": key.kid(), "typ": "JWT"}),
        &id,
        &key.signer(),
    )?;
    Ok(Minted {
        access_token,
        access_jti: jti.to_string(),
        id_token,
        refresh_token: random_token()?,
        scope: scope.to_owned(),
    })
}

impl Minted {
    fn record(&self, oidc: &Oidc) -> (String, SystemTime, SystemTime) {
        let now = oidc.clock.now();
        (
            token_hash(&self.refresh_token),
            now + oidc.config.access_ttl,
            now + oidc.config.refresh_ttl,
        )
    }

    fn body(&self, oidc: &Oidc) -> Value {
        json!({
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": oidc.config.access_ttl.as_secs(),
            "id_token": self.id_token,
            "refresh_token": *self.refresh_token,
            "scope": self.scope,
        })
    }
}

async fn token(State(oidc): State<Shared>, headers: HeaderMap, body: String) -> Response {
    match token_checked(&oidc, &headers, &body).await {
        Ok(v) => no_store_json(StatusCode::OK, &v),
        Err(e) => {
            if matches!(
                e,
                OidcError::Store(_) | OidcError::Random | OidcError::Signing(_)
            ) {
                tracing::error!(code = e.code(), "token request failed: {e}");
            } else {
                tracing::info!(code = e.code(), "token request refused");
            }
            let mut r = no_store_json(e.status(), &oauth_error_body(&e));
            if e.status() == StatusCode::UNAUTHORIZED && headers.contains_key(AUTHORIZATION) {
                r.headers_mut().insert(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"podpis\""),
                );
            }
            r
        }
    }
}

async fn token_checked(oidc: &Oidc, headers: &HeaderMap, body: &str) -> Result<Value, OidcError> {
    let params = parse_params(body)?;
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let creds = clients::ClientCredentials {
        client_id: get("client_id").map(str::to_owned),
        client_assertion_type: get("client_assertion_type").map(str::to_owned),
        client_assertion: get("client_assertion").map(str::to_owned),
        client_secret: get("client_secret").map(str::to_owned),
    };
    let now = oidc.clock.now();
    let client =
        clients::authenticate(&oidc.store, headers, &creds, &oidc.url(paths::TOKEN), now).await?;
    match get("grant_type") {
        Some("authorization_code") => {
            code_grant(
                oidc,
                &client,
                get("code"),
                get("redirect_uri"),
                get("code_verifier"),
            )
            .await
        }
        Some("refresh_token") => {
            refresh_grant(oidc, &client, get("refresh_token"), get("scope")).await
        }
        Some(_) => Err(OidcError::UnsupportedGrantType),
        None => Err(OidcError::InvalidRequest("grant_type missing")),
    }
}

async fn code_grant(
    oidc: &Oidc,
    client: &OidcClient,
    code: Option<&str>,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Result<Value, OidcError> {
    let code = code.ok_or(OidcError::InvalidRequest("code missing"))?;
    let now = oidc.clock.now();
    let grant = oidc
        .store
        .oidc_grant_by_code(&token_hash(code))
        .await?
        .ok_or(OidcError::CodeInvalid)?;
    if grant.code_used_at.is_some() {
        // A second redemption: whoever holds the code, the tokens issued
        // from it are no longer safe.
        return Err(revoke_reused(oidc, &grant, OidcError::CodeReused, now).await?);
    }
    if grant.revoked_at.is_some()
        || grant.client_id != client.client_id
        || now > grant.code_expires_at
        || redirect_uri != Some(grant.redirect_uri.as_str())
    {
        return Err(OidcError::CodeInvalid);
    }
    match (&grant.code_challenge, verifier) {
        (Some(challenge), Some(v)) if is_s256_value(v) => {
            use sha2::Digest as _;
            let computed = jwt::b64(&sha2::Sha256::digest(v.as_bytes()));
            if !bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
                return Err(OidcError::PkceMismatch);
            }
        }
        (None, None) => {}
        _ => return Err(OidcError::PkceMismatch),
    }
    let minted = mint(oidc, client, &grant, &grant.scope, grant.nonce.as_deref())?;
    let (refresh_hash, access_exp, refresh_exp) = minted.record(oidc);
    let tokens = IssuedTokens {
        access_jti: &minted.access_jti,
        access_expires_at: access_exp,
        refresh_hash: &refresh_hash,
        refresh_expires_at: refresh_exp,
    };
    let entry = journal_entry(
        grant.account_id,
        action::LOGIN,
        OK,
        Some(&client.client_id),
        None,
    )
    .detail("client_name", client.name.as_str())
    .detail("scope", grant.scope.as_str())
    .detail("amr", grant.amr.as_str())
    .detail("grant", grant.id);
    if !oidc
        .store
        .redeem_oidc_code(grant.id, now, &tokens, &entry)
        .await?
    {
        return Err(revoke_reused(oidc, &grant, OidcError::CodeReused, now).await?);
    }
    Ok(minted.body(oidc))
}

/// Revokes the token family of `grant`, whose code or refresh token was
/// presented again (`reused`), and journals it for the user; returns
/// `reused` to refuse the request with.
async fn revoke_reused(
    oidc: &Oidc,
    grant: &GrantRecord,
    reused: OidcError,
    now: SystemTime,
) -> Result<OidcError, OidcError> {
    let reason = match reused {
        OidcError::CodeReused => "code_reused",
        _ => "refresh_reused",
    };
    let entry = journal_entry(
        grant.account_id,
        action::REVOKED,
        reused.code(),
        Some(&grant.client_id),
        None,
    )
    .detail("reason", reason)
    .detail("grant", grant.id);
    oidc.store
        .revoke_oidc_grant(grant.id, reason, now, &entry)
        .await?;
    Ok(reused)
}

async fn refresh_grant(
    oidc: &Oidc,
    client: &OidcClient,
    refresh: Option<&str>,
    scope: Option<&str>,
) -> Result<Value, OidcError> {
    let refresh = refresh.ok_or(OidcError::InvalidRequest("refresh_token missing"))?;
    let now = oidc.clock.now();
    let old_hash = token_hash(refresh);
    let grant = match oidc.store.oidc_refresh_lookup(&old_hash, now).await? {
        RefreshLookup::Unknown | RefreshLookup::Dead(_) => return Err(OidcError::RefreshInvalid),
        RefreshLookup::Used(g) => {
            return Err(revoke_reused(oidc, &g, OidcError::RefreshReused, now).await?);
        }
        RefreshLookup::Live(g) => g,
    };
    if grant.client_id != client.client_id {
        return Err(OidcError::RefreshInvalid);
    }
    let granted: Vec<&str> = grant.scope.split(' ').collect();
    let scope = match scope {
        Some(s) => {
            let asked: Vec<&str> = s.split(' ').filter(|x| !x.is_empty()).collect();
            if !asked.contains(&"openid") || asked.iter().any(|a| !granted.contains(a)) {
                return Err(OidcError::InvalidScope);
            }
            asked.join(" ")
        }
        None => grant.scope.clone(),
    };
    if oidc
        .store
        .account(grant.account_id)
        .await?
        .is_none_or(|s| s.blocked)
    {
        return Err(OidcError::RefreshInvalid);
    }
    let minted = mint(oidc, client, &grant, &scope, None)?;
    let (refresh_hash, access_exp, refresh_exp) = minted.record(oidc);
    let tokens = IssuedTokens {
        access_jti: &minted.access_jti,
        access_expires_at: access_exp,
        refresh_hash: &refresh_hash,
        refresh_expires_at: refresh_exp,
    };
    if !oidc
        .store
        .rotate_oidc_refresh(&old_hash, grant.id, now, &tokens)
        .await?
    {
        return Err(revoke_reused(oidc, &grant, OidcError::RefreshReused, now).await?);
    }
    Ok(minted.body(oidc))
}

/// Verifies a token this provider signed (any key of the set): the
/// claims. Expiry is the caller's business.
pub fn verify_own(oidc: &Oidc, token: &str) -> Option<Value> {
    let parsed = jwt::parse(token)?;
    let key = oidc.keys.key(parsed.kid()?)?;
    if parsed.alg() != Some(key.alg())
        || !key.verify(parsed.signing_input.as_bytes(), &parsed.signature)
    {
        return None;
    }
    (parsed.claims["iss"] == oidc.config.issuer.as_str()).then_some(parsed.claims)
}

async fn userinfo(State(oidc): State<Shared>, headers: HeaderMap) -> Response {
    match userinfo_checked(&oidc, &headers).await {
        Ok(v) => no_store_json(StatusCode::OK, &v),
        Err(e) => {
            let mut r = no_store_json(e.status(), &oauth_error_body(&e));
            if e.status() == StatusCode::UNAUTHORIZED {
                r.headers_mut().insert(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            r
        }
    }
}

async fn userinfo_checked(oidc: &Oidc, headers: &HeaderMap) -> Result<Value, OidcError> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .ok_or(OidcError::TokenInvalid)?;
    let parsed = jwt::parse(token.trim()).ok_or(OidcError::TokenInvalid)?;
    if parsed.header["typ"] != "at+jwt" {
        return Err(OidcError::TokenInvalid);
    }
    let claims = verify_own(oidc, token.trim()).ok_or(OidcError::TokenInvalid)?;
    let now = oidc.clock.now();
    if claims["exp"].as_i64().is_none_or(|exp| exp <= unix(now)) {
        return Err(OidcError::TokenInvalid);
    }
    let jti = claims["jti"].as_str().ok_or(OidcError::TokenInvalid)?;
    let grant = oidc
        .store
        .oidc_access_grant(jti, now)
        .await?
        .ok_or(OidcError::TokenInvalid)?;
    let subject = oidc
        .store
        .account(grant.account_id)
        .await?
        .filter(|s| !s.blocked)
        .ok_or(OidcError::TokenInvalid)?;
    let scopes: Vec<&str> = claims["scope"]
        .as_str()
        .unwrap_or_default()
        .split(' ')
        .collect();
    Ok(user_claims(
        &oidc.subject(&grant.client_id, grant.account_id),
        &subject,
        &scopes,
    ))
}

/// The userinfo claims of `scopes`: openid → sub; fullname →
/// family_name, given_name, middle_name; birthdate; snils; inn; email →
/// email, email_verified; mobile → phone_number, phone_number_verified.
/// Claims the account has no value for are left out.
pub fn user_claims(sub: &str, s: &AccountRecord, scopes: &[&str]) -> Value {
    fn put(out: &mut Value, k: &str, v: &Option<String>) {
        if let Some(v) = v {
            out[k] = json!(v);
        }
    }
    let mut out = json!({ "sub": sub });
    if scopes.contains(&"fullname") {
        put(&mut out, "family_name", &s.surname);
        put(&mut out, "given_name", &s.given_name);
        put(&mut out, "middle_name", &s.patronymic);
    }
    if scopes.contains(&"birthdate") {
        put(&mut out, "birthdate", &s.birthdate);
    }
    if scopes.contains(&"snils") {
        put(&mut out, "snils", &s.snils);
    }
    if scopes.contains(&"inn") {
        put(&mut out, "inn", &s.inn);
    }
    if scopes.contains(&"email") && s.email.is_some() {
        put(&mut out, "email", &s.email);
        out["email_verified"] = json!(s.email_verified);
    }
    if scopes.contains(&"mobile") && s.phone.is_some() {
        put(&mut out, "phone_number", &s.phone);
        out["phone_number_verified"] = json!(s.phone_verified);
    }
    out
}

async fn logout_get(
    State(oidc): State<Shared>,
    ext: Extensions,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let who = browser(&oidc, &headers, &ext);
    logout(&oidc, &headers, query.as_deref().unwrap_or_default(), &who).await
}

async fn logout_post(
    State(oidc): State<Shared>,
    ext: Extensions,
    headers: HeaderMap,
    body: String,
) -> Response {
    let who = browser(&oidc, &headers, &ext);
    logout(&oidc, &headers, &body, &who).await
}

async fn logout(oidc: &Oidc, headers: &HeaderMap, raw: &str, who: &Client) -> Response {
    match logout_checked(oidc, headers, raw, who).await {
        Ok(r) => r,
        Err(e) => {
            let status = match e {
                OidcError::Store(_) | OidcError::Session(_) => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::BAD_REQUEST,
            };
            pages::error(status, &e)
        }
    }
}

async fn logout_checked(
    oidc: &Oidc,
    headers: &HeaderMap,
    raw: &str,
    who: &Client,
) -> Result<Response, OidcError> {
    let params = parse_params(raw)?;
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    // The hint may have expired (OIDC RP-Initiated Logout §2); the
    // signature and the issuer must be ours.
    let hint = match get("id_token_hint") {
        Some(t) => Some(verify_own(oidc, t).ok_or(OidcError::LogoutInvalid("id_token_hint"))?),
        None => None,
    };
    let hint_client = hint.as_ref().and_then(|h| match &h["aud"] {
        Value::String(a) => Some(a.clone()),
        Value::Array(list) => list.first().and_then(Value::as_str).map(str::to_owned),
        _ => None,
    });
    if let (Some(a), Some(b)) = (&hint_client, get("client_id"))
        && a != b
    {
        return Err(OidcError::LogoutInvalid(
            "client_id differs from the hint's audience",
        ));
    }
    let client_id = hint_client.or_else(|| get("client_id").map(str::to_owned));
    let target = match get("post_logout_redirect_uri") {
        None => None,
        Some(uri) => {
            let client = match &client_id {
                Some(id) => oidc.store.oidc_client(id).await?,
                None => None,
            };
            let client = client.ok_or(OidcError::LogoutInvalid(
                "post_logout_redirect_uri without a client",
            ))?;
            if !client.post_logout_redirect_uris.iter().any(|u| u == uri) {
                return Err(OidcError::LogoutInvalid(
                    "post_logout_redirect_uri not registered",
                ));
            }
            Some(uri.to_owned())
        }
    };
    if let Some(session) = oidc.sessions.current(headers).await? {
        let sid = oidc.sid(session.session_id);
        let same = hint
            .as_ref()
            .is_none_or(|h| h["sid"].as_str() == Some(sid.as_str()));
        if !same {
            return Err(OidcError::LogoutInvalid(
                "id_token_hint is for another session",
            ));
        }
        let entry = journal_entry(
            session.account_id,
            action::LOGOUT,
            OK,
            client_id.as_deref(),
            Some(who),
        );
        oidc.sessions.end(&session, &entry).await?;
    }
    Ok(match target {
        Some(uri) => match get("state") {
            Some(state) => redirect(&with_query(&uri, &[("state", state)])),
            None => redirect(&uri),
        },
        None => pages::logged_out(),
    })
}

/// The provider's part of the OpenAPI document (`paths`, OpenAPI 3.1).
pub fn openapi_paths() -> Value {
    let oauth_error = json!({
        "description": "OAuth 2.0 error (RFC 6749 §5.2) with the stable code",
        "content": {"application/json": {"schema": {"type": "object",
            "required": ["error"],
            "properties": {
                "error": {"type": "string"},
                "error_description": {"type": "string"},
                "code": {"type": "string", "description": "docs/errors.md"},
                "message_ru": {"type": "string"}
            }}}}
    });
    json!({
        (paths::DISCOVERY): {"get": {
            "tags": ["oidc"], "summary": "OpenID Provider metadata (OpenID Connect Discovery 1.0)",
            "responses": {"200": {"description": "the provider's metadata",
                "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        (paths::JWKS): {"get": {
            "tags": ["oidc"], "summary": "The provider's public keys (ES256 and GOST R 34.10-2012 256)",
            "responses": {"200": {"description": "JWK Set",
                "content": {"application/jwk-set+json": {"schema": {"type": "object"}}}}}}},
        (paths::AUTHORIZE): {"get": {
            "tags": ["oidc"], "summary": "Authorization endpoint: code flow with PKCE (S256)",
            "parameters": [
                {"name": "response_type", "in": "query", "required": true, "schema": {"const": "code"}},
                {"name": "client_id", "in": "query", "required": true, "schema": {"type": "string"}},
                {"name": "redirect_uri", "in": "query", "required": true, "schema": {"type": "string"}},
                {"name": "scope", "in": "query", "required": true, "schema": {"type": "string"}},
                {"name": "state", "in": "query", "schema": {"type": "string"}},
                {"name": "nonce", "in": "query", "schema": {"type": "string"}},
                {"name": "code_challenge", "in": "query", "schema": {"type": "string"}},
                {"name": "code_challenge_method", "in": "query", "schema": {"const": "S256"}},
                {"name": "prompt", "in": "query", "schema": {"type": "string"}},
                {"name": "max_age", "in": "query", "schema": {"type": "integer"}}
            ],
            "responses": {
                "302": {"description": "to the client with code (or error), or to the login page"},
                "200": {"description": "the consent page (HTML)"},
                "400": {"description": "unknown client or unregistered redirect_uri (HTML page with the code)"}
            }}},
        (paths::CONSENT): {"post": {
            "tags": ["oidc"], "summary": "The consent form's answer (csrf, decision=allow|deny)",
            "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object",
                "properties": {"csrf": {"type": "string"}, "decision": {"enum": ["allow", "deny"]}}}}}},
            "responses": {"302": {"description": "to the client"}, "400": {"description": "expired form (HTML)"}}}},
        (paths::TOKEN): {"post": {
            "tags": ["oidc"], "summary": "Token endpoint: authorization_code and refresh_token grants",
            "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object",
                "properties": {
                    "grant_type": {"enum": ["authorization_code", "refresh_token"]},
                    "code": {"type": "string"}, "redirect_uri": {"type": "string"},
                    "code_verifier": {"type": "string"}, "refresh_token": {"type": "string"},
                    "scope": {"type": "string"}, "client_id": {"type": "string"},
                    "client_assertion_type": {"type": "string"}, "client_assertion": {"type": "string"}
                }}}}},
            "responses": {
                "200": {"description": "tokens", "content": {"application/json": {"schema": {"type": "object",
                    "properties": {"access_token": {"type": "string"}, "token_type": {"const": "Bearer"},
                        "expires_in": {"type": "integer"}, "id_token": {"type": "string"},
                        "refresh_token": {"type": "string"}, "scope": {"type": "string"}}}}}},
                "400": oauth_error, "401": oauth_error
            }}},
        (paths::USERINFO): {"get": {
            "tags": ["oidc"], "summary": "Claims of the access token's scopes (Bearer)",
            "responses": {"200": {"description": "claims", "content": {"application/json": {"schema": {"type": "object"}}}},
                "401": oauth_error}}},
        (paths::LOGOUT): {"get": {
            "tags": ["oidc"], "summary": "RP-initiated logout (id_token_hint, post_logout_redirect_uri, state, client_id)",
            "responses": {"302": {"description": "to the registered post_logout_redirect_uri"},
                "200": {"description": "logged-out page (HTML)"},
                "400": {"description": "invalid hint or unregistered URI (HTML page with the code)"}}}}
    })
}
