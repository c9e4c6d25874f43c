//! Users' passwords: the rules a new password must meet, and Argon2id
//! (RFC 9106, RustCrypto `argon2` with its default parameters: m = 19 MiB,
//! t = 2, p = 1) hashes in PHC form with a random salt.
//!
//! The rules: at least [`MIN_CHARS`] characters; at least [`MIN_CLASSES`]
//! of the four kinds (lower-case, upper-case, digits, other); not one of
//! the common passwords shipped in `common-passwords.txt` (5,000 from
//! zxcvbn's list, MIT licence — see the file's header), compared
//! case-insensitively, and also with trailing digits and symbols removed
//! (`Dragon2024!` is `dragon`); not the login itself.
//!
//! Hashing runs on tokio's blocking pool. For an unknown login the same
//! work is done against a dummy hash ([`verify_or_dummy`]), so the answer
//! time does not tell whether the account exists.

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use zeroize::Zeroizing;

use crate::AccountError;

/// The shortest password accepted.
pub const MIN_CHARS: usize = 8;
/// Kinds of character a password needs (of lower, upper, digit, other).
pub const MIN_CLASSES: usize = 3;
/// The longest password accepted (Argon2 takes any length; this bounds the
/// work a request can ask for).
pub const MAX_CHARS: usize = 256;

const COMMON: &str = include_str!("common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// How many common passwords are shipped.
pub fn common_count() -> usize {
    common().len()
}

/// Whether `password` is (a variation of) a common one.
pub fn is_common(password: &str) -> bool {
    let lower = Zeroizing::new(password.to_lowercase());
    if common().contains(lower.as_str()) {
        return true;
    }
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    stem.chars().count() >= 4 && common().contains(stem)
}

/// Checks a new password against the rules; `login` is the account's
/// e-mail or phone (the password may not be it).
pub fn check_new(password: &str, login: Option<&str>) -> Result<(), AccountError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(AccountError::PasswordTooShort { min: MIN_CHARS });
    }
    if chars > MAX_CHARS {
        return Err(AccountError::BadRequest(format!(
            "the password is longer than {MAX_CHARS} characters"
        )));
    }
    let classes = [
        password.chars().any(char::is_lowercase),
        password.chars().any(char::is_uppercase),
        password.chars().any(|c| c.is_ascii_digit()),
        password
            .chars()
            .any(|c| (!c.is_alphanumeric() && !c.is_whitespace()) || c == ' '),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if classes < MIN_CLASSES {
        return Err(AccountError::PasswordTooSimple {
            classes: MIN_CLASSES,
        });
    }
    if is_common(password) {
        return Err(AccountError::PasswordCommon);
    }
    if let Some(login) = login {
        let p = password.to_lowercase();
        let l = login.to_lowercase();
        let local = l.split('@').next().unwrap_or(&l);
        if p == l || (local.chars().count() >= 4 && p.contains(local)) {
            return Err(AccountError::PasswordCommon);
        }
    }
    Ok(())
}

/// The Argon2id hash (PHC string, random salt) of `password`. Blocking:
/// call it from [`hash`].
fn hash_blocking(password: &str) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| AccountError::Random)?;
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Internal(format!("password hash: {e}")))
}

/// Whether `password` matches the PHC string `hash`. Blocking.
fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Hashes `password` on the blocking pool.
pub async fn hash(password: Zeroizing<String>) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| AccountError::Internal(format!("hashing task: {e}")))?
}

/// Checks `password` against `hash` on the blocking pool; with no hash
/// (an unknown login, or an account without a password) the same work is
/// done against a dummy hash and the answer is false.
pub async fn verify_or_dummy(password: Zeroizing<String>, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_blocking(&password, &h),
        None => {
            if let Some(dummy) = dummy_hash() {
                let _ = verify_blocking(&password, dummy);
            }
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// An Argon2id hash (same parameters as real ones) of a password nobody
/// knows, made once.
fn dummy_hash() -> Option<&'static str> {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let mut secret = Zeroizing::new([0u8; 32]);
            getrandom::fill(&mut secret[..]).ok()?;
            hash_blocking(&crate::session::hex(&secret[..])).ok()
        })
        .as_deref()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use pki::Diagnostic;

    fn code(p: &str) -> &'static str {
        check_new(p, Some("ivanov@example.ru"))
            .err()
            .map(|e| e.code())
            .unwrap_or("OK")
    }

    #[test]
    fn the_rules() {
        assert!(common_count() >= 5000);
        assert_eq!(code("Ab1!xyz"), "PASSWORD_TOO_SHORT");
        assert_eq!(code("abcdefghij"), "PASSWORD_TOO_SIMPLE");
        assert_eq!(code("abcdefgh12"), "PASSWORD_TOO_SIMPLE");
        assert_eq!(code("Password1"), "PASSWORD_COMMON");
        assert_eq!(code("Dragon2024!"), "PASSWORD_COMMON");
        assert_eq!(code("QWERTY123"), "PASSWORD_TOO_SIMPLE");
        assert_eq!(code("Qwerty12345"), "PASSWORD_COMMON");
        assert_eq!(code("Йцукенгшщз1"), "PASSWORD_COMMON");
        assert_eq!(code("Ivanov-2024x"), "PASSWORD_COMMON");
        assert_eq!(code("Ivanov@example.ru"), "PASSWORD_COMMON");
        assert_eq!(code("Tr0ub4dor&3"), "OK");
        assert_eq!(code("correct Horse battery"), "OK");
        assert_eq!(code("Зелёный-Слон-7"), "OK");
        assert_eq!(code(&"Aa1".repeat(100)), "API_BAD_REQUEST");
    }

    #[tokio::test]
    async fn hashes_verify_and_unknown_logins_cost_the_same() {
        let h = hash(Zeroizing::new("Tr0ub4dor&3".into())).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        let h2 = hash(Zeroizing::new("Tr0ub4dor&3".into())).await.unwrap();
        assert_ne!(h, h2, "salted");
        assert!(verify_or_dummy(Zeroizing::new("Tr0ub4dor&3".into()), Some(h.clone())).await);
        assert!(!verify_or_dummy(Zeroizing::new("Tr0ub4dor&4".into()), Some(h)).await);
        assert!(!verify_or_dummy(Zeroizing::new("Tr0ub4dor&3".into()), None).await);
        assert!(!verify_or_dummy(Zeroizing::new("x".into()), Some("garbage".into())).await);
    }
}
