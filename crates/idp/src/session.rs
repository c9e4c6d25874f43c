//! TEMPORARY shim of part A's `idp::session` contract (issue 6).
#![allow(missing_docs)]

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::Idp;

pub const SESSION_COOKIE: &str = "podpis_session";

pub struct SessionToken(String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(***)")
    }
}

impl SessionToken {
    pub fn generate() -> Result<SessionToken, crate::esig::EsigError> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|_| crate::esig::EsigError::Random)?;
        Ok(SessionToken(URL_SAFE_NO_PAD.encode(b)))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn hash_hex(&self) -> String {
        crate::challenge::hex(&Sha256::digest(self.0.as_bytes()))
    }
}

#[derive(Debug)]
pub struct ActiveSession {
    pub id: i64,
    pub account_id: i64,
}

pub async fn from_headers(
    idp: &Idp,
    headers: &HeaderMap,
) -> Result<Option<ActiveSession>, store::StoreError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let token = bearer.or_else(|| {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| *k == SESSION_COOKIE)
            .map(|(_, v)| v.to_owned())
    });
    let Some(token) = token else { return Ok(None) };
    let hash = SessionToken(token).hash_hex();
    let now = idp.clock().now();
    Ok(idp
        .store()
        .session_by_token_hash(&hash)
        .await?
        .filter(|s| s.ended_at.is_none() && s.absolute_expires_at > now)
        .map(|s| ActiveSession {
            id: s.id,
            account_id: s.account_id,
        }))
}
