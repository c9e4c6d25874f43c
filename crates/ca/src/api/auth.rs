//! Operator accounts: Argon2id password hashes, HTTP Basic logins, and a
//! lockout after too many wrong passwords in a row.

use std::time::{Duration, SystemTime};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use store::{OperatorAccount, Store};
use zeroize::Zeroizing;

use super::ApiError;
use crate::CaError;

/// How wrong passwords are limited.
#[derive(Debug, Clone, Copy)]
pub struct Lockout {
    /// Wrong passwords in a row that lock the account.
    pub max_failures: i64,
    /// For how long.
    pub lock_for: Duration,
}

impl Default for Lockout {
    fn default() -> Lockout {
        Lockout {
            max_failures: 5,
            lock_for: Duration::from_secs(15 * 60),
        }
    }
}

/// The shortest operator password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The roles an operator account may have.
pub const ROLES: &[&str] = &["operator", "admin"];

/// The Argon2id hash (PHC string, random salt) of `password`.
pub fn hash_password(password: &str) -> Result<String, CaError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| CaError::Store(store::StoreError::Random))?;
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CaError::StoredDataInvalid(format!("password hash: {e}")))
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Creates or resets an operator account (`podpis ca operator add`).
pub async fn put_operator(
    store: &Store,
    login: &str,
    password: &str,
    role: &str,
    disabled: bool,
    at: SystemTime,
) -> Result<OperatorAccount, CaError> {
    let login = crate::actor_name(login)?;
    // `:` cannot travel in HTTP Basic; holder:… and key-holder are the
    // journal's names for applicants.
    if login.contains(':') || login.starts_with("holder") || login == "key-holder" {
        return Err(CaError::OperatorAccountInvalid(format!(
            "login {login:?} holds ':' or is reserved"
        )));
    }
    if !ROLES.contains(&role) {
        return Err(CaError::OperatorAccountInvalid(format!(
            "role {role:?} is none of {ROLES:?}"
        )));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(CaError::OperatorAccountInvalid(format!(
            "the password is shorter than {MIN_PASSWORD_CHARS} characters"
        )));
    }
    let password = Zeroizing::new(password.to_owned());
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| CaError::StoredDataInvalid(format!("hashing task: {e}")))??;
    Ok(store.put_operator(login, &hash, role, disabled, at).await?)
}

/// Login and password from an `Authorization: Basic` header.
pub(crate) fn basic_credentials(
    headers: &HeaderMap,
) -> Result<(String, Zeroizing<String>), ApiError> {
    let value = headers
        .get(AUTHORIZATION)
        .ok_or(ApiError::AuthRequired)?
        .to_str()
        .map_err(|_| ApiError::AuthFailed)?;
    let (scheme, b64) = value.split_once(' ').ok_or(ApiError::AuthFailed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(ApiError::AuthRequired);
    }
    let raw = Zeroizing::new(
        STANDARD
            .decode(b64.trim())
            .map_err(|_| ApiError::AuthFailed)?,
    );
    let text = std::str::from_utf8(&raw).map_err(|_| ApiError::AuthFailed)?;
    let (login, password) = text.split_once(':').ok_or(ApiError::AuthFailed)?;
    Ok((login.to_owned(), Zeroizing::new(password.to_owned())))
}

/// Checks `login` and `password`: a locked account is refused without
/// looking at the password; a wrong password counts towards the lockout.
/// Returns the account.
pub async fn login(
    store: &Store,
    lockout: Lockout,
    login: &str,
    password: Zeroizing<String>,
    now: SystemTime,
) -> Result<OperatorAccount, ApiError> {
    let account = store.operator(login).await?;
    if let Some(a) = &account
        && a.locked_until.is_some_and(|t| t > now)
    {
        tracing::warn!(login, "locked operator account refused");
        return Err(ApiError::Locked);
    }
    // Unknown logins cost the same Argon2 work as known ones.
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_password(&password, &h),
        None => {
            if let Some(dummy) = dummy_hash() {
                let _ = verify_password(&password, dummy);
            }
            false
        }
    })
    .await
    .unwrap_or(false);
    match account {
        Some(a) if ok && !a.disabled => {
            store.operator_login_succeeded(&a.login).await?;
            Ok(a)
        }
        Some(a) if !ok => {
            let updated = store
                .operator_login_failed(&a.login, lockout.max_failures, now + lockout.lock_for)
                .await?;
            tracing::warn!(
                login,
                failures = updated.as_ref().map(|u| u.failed_logins),
                "wrong operator password"
            );
            Err(ApiError::AuthFailed)
        }
        _ => {
            tracing::warn!(login, "operator login refused (unknown or disabled)");
            Err(ApiError::AuthFailed)
        }
    }
}

/// An Argon2id hash (same parameters as real ones) of a password nobody
/// knows, made once: checking against it costs what a real check costs.
fn dummy_hash() -> Option<&'static str> {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret).ok()?;
            hash_password(&STANDARD.encode(secret)).ok()
        })
        .as_deref()
}
