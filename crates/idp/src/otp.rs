//! One-time codes, the second factor of a password login:
//!
//! * **TOTP** (RFC 6238) from an authenticator app: HMAC-SHA-1, 6 digits,
//!   30-second steps, as Google Authenticator, FreeOTP, Яндекс Ключ and the
//!   others expect; a code is accepted for the step before, the current
//!   and the next one (clock drift), and each step only once per account
//!   (`accounts.totp_last_step`). Enrolment hands out an `otpauth://` URI
//!   (a QR code on the page). The secret (20 random bytes) is sealed at
//!   rest with **AES-256-GCM** under a key derived from the server key
//!   (`keys/idp.key`), bound to the account id as associated data.
//! * **Sent codes**: 6 random digits sent to the verified e-mail or phone,
//!   valid for 10 minutes, single use, 5 tries; stored only as
//!   HMAC-Streebog-256 under a server key and compared in constant time.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::{AccountError, ServerKeys};

/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Seconds per TOTP step.
pub const STEP: u64 = 30;
/// Bytes of a TOTP secret (160 bits, as RFC 4226 recommends).
pub const SECRET_LEN: usize = 20;

/// The HMAC of an HOTP/TOTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// HMAC-SHA-1 (what authenticator apps use).
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

fn mac(alg: Algorithm, key: &[u8], msg: &[u8]) -> Result<Vec<u8>, AccountError> {
    let bad = |_| AccountError::Internal("HMAC key".into());
    Ok(match alg {
        Algorithm::Sha1 => {
            let mut m = <Hmac<sha1::Sha1> as hmac::KeyInit>::new_from_slice(key).map_err(bad)?;
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        Algorithm::Sha256 => {
            let mut m = <Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(key).map_err(bad)?;
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        Algorithm::Sha512 => {
            let mut m = <Hmac<sha2::Sha512> as hmac::KeyInit>::new_from_slice(key).map_err(bad)?;
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
    })
}

/// HOTP (RFC 4226 §5.3): the `digits`-digit code of `counter`.
pub fn hotp(
    alg: Algorithm,
    secret: &[u8],
    counter: u64,
    digits: u32,
) -> Result<String, AccountError> {
    let h = mac(alg, secret, &counter.to_be_bytes())?;
    let offset = usize::from(h.last().copied().unwrap_or(0) & 0x0f);
    let bin = u32::from_be_bytes([
        h[offset] & 0x7f,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]);
    let modulus = 10u32.pow(digits);
    Ok(format!(
        "{:0width$}",
        bin % modulus,
        width = usize::try_from(digits).unwrap_or(6)
    ))
}

/// The TOTP step of Unix time `unix`.
pub fn step_of(unix: u64) -> u64 {
    unix / STEP
}

/// TOTP (RFC 6238): the code at Unix time `unix`.
pub fn totp(alg: Algorithm, secret: &[u8], unix: u64, digits: u32) -> Result<String, AccountError> {
    hotp(alg, secret, step_of(unix), digits)
}

/// A submitted code, normalised: spaces and dashes removed; `None` unless
/// exactly [`DIGITS`] ASCII digits remain.
pub fn normalise_code(code: &str) -> Option<Zeroizing<String>> {
    let digits: Zeroizing<String> = Zeroizing::new(
        code.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect(),
    );
    (digits.len() == DIGITS as usize && digits.chars().all(|c| c.is_ascii_digit()))
        .then_some(digits)
}

/// Checks a TOTP code at Unix time `unix` against the steps before, at and
/// after it; returns the step it matched. Every candidate is computed and
/// compared in constant time.
pub fn verify_totp(secret: &[u8], code: &str, unix: u64) -> Result<Option<u64>, AccountError> {
    let Some(code) = normalise_code(code) else {
        return Ok(None);
    };
    let now = step_of(unix);
    let mut matched = None;
    for step in [now.saturating_sub(1), now, now + 1] {
        let expected = Zeroizing::new(hotp(Algorithm::Sha1, secret, step, DIGITS)?);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            matched = Some(step);
        }
    }
    Ok(matched)
}

/// A fresh TOTP secret.
pub fn new_secret() -> Result<Zeroizing<Vec<u8>>, AccountError> {
    let mut s = Zeroizing::new(vec![0u8; SECRET_LEN]);
    getrandom::fill(&mut s[..]).map_err(|_| AccountError::Random)?;
    Ok(s)
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (authenticator apps' secret format).
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(B32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(B32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (any case, padding and spaces ignored).
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.chars().filter(|c| *c != '=' && !c.is_whitespace()) {
        let v = B32
            .iter()
            .position(|&x| char::from(x) == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | u32::try_from(v).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn pct(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `otpauth://totp/…` URI authenticator apps read (from a QR code).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        pct(issuer),
        pct(account),
        base32(secret),
        pct(issuer)
    )
}

const SEAL_VERSION: u8 = 1;

fn aad(account_id: i64) -> Vec<u8> {
    format!("podpis totp account {account_id}").into_bytes()
}

/// Seals a TOTP secret for account `account_id`:
/// `01 ‖ nonce (12) ‖ AES-256-GCM(secret)`.
pub fn seal(keys: &ServerKeys, account_id: i64, secret: &[u8]) -> Result<Vec<u8>, AccountError> {
    let key = keys.seal_key();
    let cipher = <Aes256Gcm as aes_gcm::aead::KeyInit>::new_from_slice(&key[..])
        .map_err(|_| AccountError::Internal("seal key".into()))?;
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).map_err(|_| AccountError::Random)?;
    let n = Nonce::try_from(&nonce[..]).map_err(|_| AccountError::Internal("nonce".into()))?;
    let aad = aad(account_id);
    let ct = cipher
        .encrypt(
            &n,
            Payload {
                msg: secret,
                aad: &aad,
            },
        )
        .map_err(|_| AccountError::Internal("seal".into()))?;
    let mut out = Vec::with_capacity(1 + 12 + ct.len());
    out.push(SEAL_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Opens a sealed TOTP secret of account `account_id`.
pub fn unseal(
    keys: &ServerKeys,
    account_id: i64,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, AccountError> {
    if sealed.len() < 1 + 12 + 16 || sealed[0] != SEAL_VERSION {
        return Err(AccountError::SealBroken);
    }
    let key = keys.seal_key();
    let cipher = <Aes256Gcm as aes_gcm::aead::KeyInit>::new_from_slice(&key[..])
        .map_err(|_| AccountError::SealBroken)?;
    let n = Nonce::try_from(&sealed[1..13]).map_err(|_| AccountError::SealBroken)?;
    let aad = aad(account_id);
    cipher
        .decrypt(
            &n,
            Payload {
                msg: &sealed[13..],
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| AccountError::SealBroken)
}

/// A random 6-digit code to send (uniform: no modulo bias).
pub fn new_code() -> Result<Zeroizing<String>, AccountError> {
    const LIMIT: u32 = 4_294_000_000; // a multiple of 10^6 below 2^32
    loop {
        let mut b = [0u8; 4];
        getrandom::fill(&mut b).map_err(|_| AccountError::Random)?;
        let x = u32::from_le_bytes(b);
        if x < LIMIT {
            return Ok(Zeroizing::new(format!("{:06}", x % 1_000_000)));
        }
    }
}

/// The stored form of a sent code: HMAC-Streebog-256 under the server's
/// code key over the flow's token hash and the code, hex.
pub fn code_hash(keys: &ServerKeys, flow_hash: &str, code: &str) -> String {
    let key = keys.code_key();
    crate::session::hex(&gost::mac::hmac_streebog256(
        &key[..],
        &[flow_hash.as_bytes(), b":", code.as_bytes()],
    ))
}

/// Whether a submitted code matches the stored hash (constant time).
pub fn check_code(keys: &ServerKeys, flow_hash: &str, stored: &str, submitted: &str) -> bool {
    let Some(code) = normalise_code(submitted) else {
        return false;
    };
    let computed = code_hash(keys, flow_hash, &code);
    bool::from(computed.as_bytes().ct_eq(stored.as_bytes()))
}

/// An authenticator enrolment in progress, as the client gets it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Enrolment {
    /// The secret in base32 (typed by hand when the QR code cannot be read).
    pub secret: String,
    /// The `otpauth://` URI (shown as a QR code).
    pub uri: String,
}

/// Starts enrolling an authenticator app for the session's account: a new
/// secret is kept (sealed) as pending until [`enrol_confirm`] sees its
/// first code. Starting again replaces the pending secret.
pub async fn enrol_begin(
    idp: &crate::Idp,
    session: &crate::session::ActiveSession,
) -> Result<Enrolment, AccountError> {
    let account = crate::account::current(idp, session).await?;
    let secret = new_secret()?;
    let sealed = seal(idp.keys(), account.id, &secret)?;
    idp.store()
        .set_totp_pending(account.id, &sealed, idp.now())
        .await?;
    let label = account
        .email
        .clone()
        .or(account.phone.clone())
        .unwrap_or_else(|| format!("account {}", account.id));
    Ok(Enrolment {
        secret: base32(&secret),
        uri: otpauth_uri(&idp.policy().totp_issuer, &label, &secret),
    })
}

fn unix_now(idp: &crate::Idp) -> u64 {
    idp.now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Completes an enrolment with the first code the app shows; from then on
/// the password login asks for the app's code. Journaled.
pub async fn enrol_confirm(
    idp: &crate::Idp,
    session: &crate::session::ActiveSession,
    code: &str,
    client: &crate::Client,
) -> Result<(), AccountError> {
    let account = crate::account::current(idp, session).await?;
    let sealed = account
        .totp_pending
        .clone()
        .ok_or(AccountError::TotpNotPending)?;
    let secret = unseal(idp.keys(), account.id, &sealed)?;
    let entry = |result: &str| {
        crate::account::entry(
            Some(account.id),
            store::action_journal::action::TOTP,
            result,
            client,
        )
        .detail("change", "enrolled")
    };
    let Some(step) = verify_totp(&secret, code, unix_now(idp))? else {
        idp.store()
            .append_action(idp.now(), &entry("OTP_INVALID"))
            .await?;
        return Err(AccountError::CodeInvalid { attempts_left: 1 });
    };
    idp.store()
        .confirm_totp(
            account.id,
            &sealed,
            i64::try_from(step).unwrap_or(i64::MAX),
            idp.now(),
            &entry(store::action_journal::OK),
        )
        .await
        .map_err(|e| match e {
            store::StoreError::WrongState { .. } => AccountError::TotpNotPending,
            e => e.into(),
        })
}

/// Removes the authenticator app (the password confirms it); the login
/// falls back to codes sent to the verified e-mail or phone.
pub async fn remove(
    idp: &crate::Idp,
    session: &crate::session::ActiveSession,
    password: Zeroizing<String>,
    client: &crate::Client,
) -> Result<(), AccountError> {
    let account = crate::account::current(idp, session).await?;
    if !account.has_totp() {
        return Err(AccountError::TotpNotEnrolled);
    }
    let entry = |result: &str| {
        crate::account::entry(
            Some(account.id),
            store::action_journal::action::TOTP,
            result,
            client,
        )
        .detail("change", "removed")
    };
    if !crate::password::verify_or_dummy(password, account.password_hash.clone()).await {
        idp.store()
            .append_action(idp.now(), &entry("PASSWORD_WRONG"))
            .await?;
        return Err(AccountError::PasswordWrong);
    }
    idp.store()
        .remove_totp(account.id, idp.now(), &entry(store::action_journal::OK))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// RFC 6238 appendix B: the seeds (ASCII "1234567890" repeated to the
    /// hash's length) and the 8-digit codes for each time.
    #[test]
    fn rfc6238_appendix_b() {
        let sha1 = b"12345678901234567890".to_vec();
        let sha256 = b"12345678901234567890123456789012".to_vec();
        let sha512 = b"1234567890123456789012345678901234567890123456789012345678901234".to_vec();
        let table: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (t, a, b, c) in table {
            assert_eq!(totp(Algorithm::Sha1, &sha1, t, 8).unwrap(), a, "SHA1 {t}");
            assert_eq!(
                totp(Algorithm::Sha256, &sha256, t, 8).unwrap(),
                b,
                "SHA256 {t}"
            );
            assert_eq!(
                totp(Algorithm::Sha512, &sha512, t, 8).unwrap(),
                c,
                "SHA512 {t}"
            );
        }
    }

    /// RFC 4226 appendix D: HOTP values 0–9 of the SHA-1 seed.
    #[test]
    fn rfc4226_appendix_d() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (i, e) in expected.iter().enumerate() {
            assert_eq!(
                hotp(Algorithm::Sha1, b"12345678901234567890", i as u64, 6).unwrap(),
                *e
            );
        }
    }

    #[test]
    fn totp_accepts_one_step_of_drift_and_nothing_else() {
        let s = b"12345678901234567890";
        let t = 1_234_567_890;
        let code = totp(Algorithm::Sha1, s, t, 6).unwrap();
        assert_eq!(verify_totp(s, &code, t).unwrap(), Some(step_of(t)));
        assert_eq!(verify_totp(s, &code, t + 30).unwrap(), Some(step_of(t)));
        assert_eq!(verify_totp(s, &code, t - 30).unwrap(), Some(step_of(t)));
        assert_eq!(verify_totp(s, &code, t + 90).unwrap(), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(verify_totp(s, &spaced, t).unwrap(), Some(step_of(t)));
        assert_eq!(verify_totp(s, "12345", t).unwrap(), None);
        assert_eq!(verify_totp(s, "12345a", t).unwrap(), None);
        assert_eq!(
            verify_totp(b"another secret......", &code, t).unwrap(),
            None
        );
    }

    #[test]
    fn base32_and_the_uri() {
        // RFC 4648 §10.
        for (plain, enc) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(plain.as_bytes()), enc);
            assert_eq!(base32_decode(enc).unwrap(), plain.as_bytes());
        }
        assert!(base32_decode("MZ1").is_none());
        let uri = otpauth_uri("Подпись", "ivanov@example.ru", b"12345678901234567890");
        assert_eq!(
            uri,
            "otpauth://totp/%D0%9F%D0%BE%D0%B4%D0%BF%D0%B8%D1%81%D1%8C:ivanov%40example.ru?\
             secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=%D0%9F%D0%BE%D0%B4%D0%BF%D0%B8%D1%81%D1%8C\
             &algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn sealed_secrets_open_only_with_the_key_and_the_account() {
        let keys = ServerKeys::random().unwrap();
        let secret = new_secret().unwrap();
        let sealed = seal(&keys, 7, &secret).unwrap();
        assert_ne!(&sealed[13..13 + SECRET_LEN], &secret[..]);
        assert_eq!(unseal(&keys, 7, &sealed).unwrap()[..], secret[..]);
        assert!(unseal(&keys, 8, &sealed).is_err(), "bound to the account");
        assert!(unseal(&ServerKeys::random().unwrap(), 7, &sealed).is_err());
        let mut bad = sealed.clone();
        bad[20] ^= 1;
        assert!(unseal(&keys, 7, &bad).is_err());
        assert!(unseal(&keys, 7, &sealed[..10]).is_err());
        assert_ne!(seal(&keys, 7, &secret).unwrap(), sealed, "fresh nonce");
    }

    #[test]
    fn sent_codes() {
        let keys = ServerKeys::random().unwrap();
        let code = new_code().unwrap();
        assert_eq!(code.len(), 6);
        let stored = code_hash(&keys, "flow", &code);
        assert!(check_code(&keys, "flow", &stored, &code));
        assert!(check_code(
            &keys,
            "flow",
            &stored,
            &format!(" {}-{} ", &code[..3], &code[3..])
        ));
        assert!(!check_code(&keys, "other-flow", &stored, &code));
        let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
        assert!(!check_code(&keys, "flow", &stored, &wrong));
        assert!(!check_code(&keys, "flow", &stored, ""));
        let codes: std::collections::HashSet<String> =
            (0..50).map(|_| new_code().unwrap().to_string()).collect();
        assert!(codes.len() > 40);
    }
}
