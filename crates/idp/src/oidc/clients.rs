//! Relying parties: registration by an administrator (`podpis idp client
//! add|list|remove`) and client authentication at the token endpoint:
//! `client_secret_basic` (RFC 6749 §2.3.1; the secret is 32 random bytes,
//! stored as its SHA-256 and compared in constant time), `private_key_jwt`
//! (RFC 7523 with ES256 assertions, OIDC Core §9) or `none` for public
//! clients (PKCE only).

use std::time::{Duration, SystemTime};

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use store::Store;
use store::oidc::OidcClient;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::OidcError;
use super::jwt::{self, SigAlg, b64};
use super::session::token_hash;

/// The scopes the provider knows (docs/oidc.md lists their claims).
pub const SCOPES: [&str; 7] = [
    "openid",
    "fullname",
    "birthdate",
    "snils",
    "inn",
    "email",
    "mobile",
];

/// The `client_assertion_type` of RFC 7523 client authentication.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The longest lifetime a client assertion may claim (its `exp` at most
/// this far ahead): the replay cache keeps each `jti` until then.
pub const MAX_ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// Whether the client authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientType {
    /// Authenticates at the token endpoint (a server-side application).
    Confidential,
    /// Cannot keep a secret (a native or browser application): PKCE only.
    Public,
}

impl ClientType {
    /// `confidential` or `public`.
    pub fn name(self) -> &'static str {
        match self {
            ClientType::Confidential => "confidential",
            ClientType::Public => "public",
        }
    }
}

/// How a client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// HTTP Basic with the client secret.
    ClientSecretBasic,
    /// An ES256 JWT signed with a key of the registered JWK Set.
    PrivateKeyJwt,
    /// Public clients.
    None,
}

impl AuthMethod {
    /// The registered name.
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
            AuthMethod::None => "none",
        }
    }

    /// The method of a registered name.
    pub fn from_name(name: &str) -> Option<AuthMethod> {
        match name {
            "client_secret_basic" => Some(AuthMethod::ClientSecretBasic),
            "private_key_jwt" => Some(AuthMethod::PrivateKeyJwt),
            "none" => Some(AuthMethod::None),
            _ => None,
        }
    }
}

/// What an administrator registers.
#[derive(Debug, Clone)]
pub struct ClientRegistration {
    /// `client_id`: 1–64 of `A-Z a-z 0-9 . _ -`.
    pub client_id: String,
    /// Display name on the consent page.
    pub name: String,
    /// Confidential or public.
    pub client_type: ClientType,
    /// `client_secret_basic` or `private_key_jwt` (confidential), `none`
    /// (public).
    pub auth_method: AuthMethod,
    /// The client's public keys (`private_key_jwt`): a JWK Set with at
    /// least one P-256 key.
    pub jwks: Option<Value>,
    /// Redirect URIs, matched exactly.
    pub redirect_uris: Vec<String>,
    /// Post-logout redirect URIs, matched exactly.
    pub post_logout_redirect_uris: Vec<String>,
    /// Allowed scopes (must include `openid`).
    pub scopes: Vec<String>,
    /// How its ID and access tokens are signed.
    pub token_alg: SigAlg,
}

/// A client secret, shown once at registration.
pub struct ClientSecret(Zeroizing<String>);

impl ClientSecret {
    /// The secret.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

fn invalid(what: impl Into<String>) -> OidcError {
    OidcError::ClientInvalid(what.into())
}

/// Whether `uri` may be registered as a redirect target: absolute
/// `https://`, or `http://` on a loopback host (development), no fragment,
/// no spaces.
pub fn acceptable_redirect_uri(uri: &str) -> bool {
    if uri.contains('#') || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let rest = if let Some(r) = uri.strip_prefix("https://") {
        r
    } else if let Some(r) = uri.strip_prefix("http://") {
        let host = r.split(['/', '?']).next().unwrap_or_default();
        let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            return false;
        }
        r
    } else {
        return false;
    };
    !rest.is_empty() && !rest.starts_with('/')
}

/// Registers a client. Returns its secret (`client_secret_basic`), which
/// is shown once and stored only as a hash.
pub async fn register_client(
    store: &Store,
    reg: &ClientRegistration,
    at: SystemTime,
) -> Result<Option<ClientSecret>, OidcError> {
    let id_ok = (1..=64).contains(&reg.client_id.len())
        && reg
            .client_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !id_ok {
        return Err(invalid("client_id: 1–64 of A-Z a-z 0-9 . _ -"));
    }
    if reg.name.trim().is_empty() {
        return Err(invalid("name is empty"));
    }
    match (reg.client_type, reg.auth_method) {
        (ClientType::Public, AuthMethod::None)
        | (ClientType::Confidential, AuthMethod::ClientSecretBasic)
        | (ClientType::Confidential, AuthMethod::PrivateKeyJwt) => {}
        _ => {
            return Err(invalid(
                "a public client uses auth method none; a confidential one client_secret_basic or private_key_jwt",
            ));
        }
    }
    if reg.redirect_uris.is_empty() {
        return Err(invalid("at least one redirect URI"));
    }
    for uri in reg
        .redirect_uris
        .iter()
        .chain(&reg.post_logout_redirect_uris)
    {
        if !acceptable_redirect_uri(uri) {
            return Err(invalid(format!(
                "{uri}: an absolute https:// URI (http:// only on loopback), without #fragment"
            )));
        }
    }
    if !reg.scopes.iter().any(|s| s == "openid") {
        return Err(invalid("the scopes must include openid"));
    }
    if let Some(s) = reg.scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(invalid(format!("unknown scope {s}")));
    }
    let jwks = match (reg.auth_method, &reg.jwks) {
        (AuthMethod::PrivateKeyJwt, Some(set)) => {
            let usable = set["keys"]
                .as_array()
                .is_some_and(|keys| keys.iter().any(|k| jwt::es256_key_from_jwk(k).is_some()));
            if !usable {
                return Err(invalid("the JWK Set has no P-256 (ES256) public key"));
            }
            if set["keys"]
                .as_array()
                .is_some_and(|keys| keys.iter().any(|k| k.get("d").is_some()))
            {
                return Err(invalid(
                    "the JWK Set holds a private key; register public keys only",
                ));
            }
            Some(set.to_string())
        }
        (AuthMethod::PrivateKeyJwt, None) => {
            return Err(invalid("private_key_jwt needs a JWK Set"));
        }
        (_, Some(_)) => return Err(invalid("a JWK Set is for private_key_jwt clients only")),
        (_, None) => None,
    };
    let secret = if reg.auth_method == AuthMethod::ClientSecretBasic {
        let mut raw = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut raw[..]).map_err(|_| OidcError::Random)?;
        Some(ClientSecret(Zeroizing::new(b64(&raw[..]))))
    } else {
        None
    };
    let mut scopes: Vec<String> = Vec::new();
    for s in SCOPES {
        if reg.scopes.iter().any(|r| r == s) {
            scopes.push(s.to_owned());
        }
    }
    let client = OidcClient {
        client_id: reg.client_id.clone(),
        name: reg.name.trim().to_owned(),
        client_type: reg.client_type.name().to_owned(),
        auth_method: reg.auth_method.name().to_owned(),
        secret_hash: secret.as_ref().map(|s| token_hash(s.as_str())),
        jwks,
        redirect_uris: reg.redirect_uris.clone(),
        post_logout_redirect_uris: reg.post_logout_redirect_uris.clone(),
        scopes,
        token_alg: reg.token_alg.name().to_owned(),
        created_at: at,
    };
    if !store.insert_oidc_client(&client).await? {
        return Err(OidcError::ClientExists(reg.client_id.clone()));
    }
    Ok(secret)
}

/// The token endpoint's form fields that authenticate a client.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ClientCredentials {
    /// `client_id` (public clients; optional with an assertion).
    pub client_id: Option<String>,
    /// Must be [`JWT_BEARER`] with an assertion.
    pub client_assertion_type: Option<String>,
    /// The signed JWT (`private_key_jwt`).
    pub client_assertion: Option<String>,
    /// `client_secret_post` is not supported; a secret in the body is
    /// refused rather than ignored.
    pub client_secret: Option<String>,
}

/// Percent-decodes a Basic credential part (RFC 6749 §2.3.1 encodes the
/// id and secret with application/x-www-form-urlencoded first).
fn form_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Authenticates the client of a token request: the registered client it
/// proved to be.
pub(crate) async fn authenticate(
    store: &Store,
    headers: &HeaderMap,
    creds: &ClientCredentials,
    token_endpoint: &str,
    now: SystemTime,
) -> Result<OidcClient, OidcError> {
    if creds.client_secret.is_some() {
        return Err(OidcError::ClientAuthFailed);
    }
    let basic = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    if let Some(b) = basic {
        if creds.client_assertion.is_some() {
            return Err(OidcError::InvalidRequest(
                "more than one client authentication",
            ));
        }
        let decoded = Zeroizing::new(
            STANDARD
                .decode(b.trim())
                .map_err(|_| OidcError::ClientAuthFailed)?,
        );
        let text = std::str::from_utf8(&decoded).map_err(|_| OidcError::ClientAuthFailed)?;
        let (id, secret) = text.split_once(':').ok_or(OidcError::ClientAuthFailed)?;
        let (id, secret) = (form_decode(id), Zeroizing::new(form_decode(secret)));
        if creds.client_id.as_deref().is_some_and(|c| c != id) {
            return Err(OidcError::ClientAuthFailed);
        }
        let client = store
            .oidc_client(&id)
            .await?
            .ok_or(OidcError::ClientAuthFailed)?;
        let expected = client.secret_hash.as_deref().unwrap_or_default();
        let presented = token_hash(&secret);
        let same: bool = presented.as_bytes().ct_eq(expected.as_bytes()).into();
        if client.auth_method != AuthMethod::ClientSecretBasic.name() || !same {
            return Err(OidcError::ClientAuthFailed);
        }
        return Ok(client);
    }
    if let Some(assertion) = &creds.client_assertion {
        if creds.client_assertion_type.as_deref() != Some(JWT_BEARER) {
            return Err(OidcError::AssertionInvalid("client_assertion_type"));
        }
        return verify_assertion(store, assertion, creds, token_endpoint, now).await;
    }
    let id = creds
        .client_id
        .as_deref()
        .ok_or(OidcError::ClientAuthFailed)?;
    let client = store
        .oidc_client(id)
        .await?
        .ok_or(OidcError::ClientAuthFailed)?;
    if client.auth_method != AuthMethod::None.name() {
        return Err(OidcError::ClientAuthFailed);
    }
    Ok(client)
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

async fn verify_assertion(
    store: &Store,
    assertion: &str,
    creds: &ClientCredentials,
    token_endpoint: &str,
    now: SystemTime,
) -> Result<OidcClient, OidcError> {
    let parsed = jwt::parse(assertion).ok_or(OidcError::AssertionInvalid("not a JWT"))?;
    if parsed.alg() != Some(SigAlg::Es256) {
        return Err(OidcError::AssertionInvalid("alg must be ES256"));
    }
    let c = &parsed.claims;
    let iss = c["iss"]
        .as_str()
        .ok_or(OidcError::AssertionInvalid("iss"))?;
    if c["sub"].as_str() != Some(iss) {
        return Err(OidcError::AssertionInvalid("sub must equal iss"));
    }
    if creds.client_id.as_deref().is_some_and(|id| id != iss) {
        return Err(OidcError::AssertionInvalid("client_id differs from iss"));
    }
    let client = store
        .oidc_client(iss)
        .await?
        .ok_or(OidcError::ClientAuthFailed)?;
    if client.auth_method != AuthMethod::PrivateKeyJwt.name() {
        return Err(OidcError::ClientAuthFailed);
    }
    let set: Value = client
        .jwks
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or(Value::Null);
    let keys = set["keys"].as_array().cloned().unwrap_or_default();
    let kid = parsed.kid();
    let verified = keys
        .iter()
        .filter(|k| kid.is_none() || k["kid"].as_str() == kid)
        .filter_map(jwt::es256_key_from_jwk)
        .any(|k| jwt::verify_es256(&k, parsed.signing_input.as_bytes(), &parsed.signature));
    if !verified {
        return Err(OidcError::AssertionInvalid("signature"));
    }
    let aud_ok = match &c["aud"] {
        Value::String(a) => a == token_endpoint,
        Value::Array(list) => list.iter().any(|a| a == token_endpoint),
        _ => false,
    };
    if !aud_ok {
        return Err(OidcError::AssertionInvalid(
            "aud must be the token endpoint",
        ));
    }
    let now_s = unix(now);
    let exp = c["exp"]
        .as_i64()
        .ok_or(OidcError::AssertionInvalid("exp"))?;
    if exp <= now_s {
        return Err(OidcError::AssertionInvalid("expired"));
    }
    let max = i64::try_from(MAX_ASSERTION_LIFETIME.as_secs()).unwrap_or(300);
    if exp > now_s + max {
        return Err(OidcError::AssertionInvalid(
            "exp too far ahead (5 minutes at most)",
        ));
    }
    if c["nbf"].as_i64().is_some_and(|nbf| nbf > now_s + 60) {
        return Err(OidcError::AssertionInvalid("not yet valid"));
    }
    let jti = c["jti"]
        .as_str()
        .filter(|j| !j.is_empty() && j.len() <= 256);
    let jti = jti.ok_or(OidcError::AssertionInvalid("jti"))?;
    let until = SystemTime::UNIX_EPOCH + Duration::from_secs(exp.unsigned_abs());
    if !store
        .use_oidc_assertion_jti(&client.client_id, jti, until, now)
        .await?
    {
        return Err(OidcError::AssertionReplayed);
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris() {
        assert!(acceptable_redirect_uri("https://rp.example/cb"));
        assert!(acceptable_redirect_uri("http://127.0.0.1:8080/cb"));
        assert!(acceptable_redirect_uri("http://localhost/cb?x=1"));
        assert!(!acceptable_redirect_uri("http://rp.example/cb"));
        assert!(!acceptable_redirect_uri("https://rp.example/cb#frag"));
        assert!(!acceptable_redirect_uri("javascript:alert(1)"));
        assert!(!acceptable_redirect_uri("https:///path"));
        assert!(!acceptable_redirect_uri("/relative"));
        assert_eq!(form_decode("a%3Ab+c"), "a:b c");
    }
}
