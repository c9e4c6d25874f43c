//! The one-time challenge of the e-signature login (design.md §4): 32
//! random bytes the user signs, bound to the pre-login browser session by
//! a second random value (the binding) the client keeps in a cookie —
//! `podpis_esig` — or, without a browser, sends back in the request body.
//! Single use; expires after [`CHALLENGE_TTL`]. Stored in the database, so
//! any node can check the answer.

use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use store::Store;
use store::esig::NewChallenge;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::esig::EsigError;

/// How long a challenge is accepted.
pub const CHALLENGE_TTL: Duration = Duration::from_secs(300);

/// The cookie that holds the binding value in a browser.
pub const BINDING_COOKIE: &str = "podpis_esig";

/// Random bytes in a challenge and in a binding value.
const RANDOM_LEN: usize = 32;

/// The pre-login binding value: a secret of the client that asked for the
/// challenge (base64url). Debug is redacted; wiped on drop.
#[derive(Clone)]
pub struct Binding(String);

impl Drop for Binding {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for Binding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Binding(***)")
    }
}

impl Binding {
    /// A binding value as the client presented it.
    pub fn from_client(value: &str) -> Binding {
        Binding(value.trim().to_owned())
    }

    /// The value (for the cookie and the API answer).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Hex SHA-256 of the value: what the store keeps.
    pub fn hash_hex(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }

    /// Whether this value hashes to `stored` (compared in constant time).
    pub fn matches(&self, stored: &str) -> bool {
        self.hash_hex().as_bytes().ct_eq(stored.as_bytes()).into()
    }
}

/// A challenge just issued.
#[derive(Debug)]
pub struct IssuedChallenge {
    /// The bytes to sign.
    pub bytes: [u8; RANDOM_LEN],
    /// The same, base64url without padding (how it travels and is stored).
    pub encoded: String,
    /// The binding value the client must present with its answer.
    pub binding: Binding,
    /// When it stops being accepted.
    pub expires_at: SystemTime,
}

fn random() -> Result<[u8; RANDOM_LEN], EsigError> {
    let mut b = [0u8; RANDOM_LEN];
    getrandom::fill(&mut b).map_err(|_| EsigError::Random)?;
    Ok(b)
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Issues a challenge at `now`. `binding`: the client's current binding
/// value, reused so that one browser may hold several challenges (e.g. two
/// tabs); a new one is drawn when it has none.
pub async fn issue(
    store: &Store,
    now: SystemTime,
    binding: Option<Binding>,
    ip: Option<&str>,
) -> Result<IssuedChallenge, EsigError> {
    let bytes = random()?;
    let encoded = URL_SAFE_NO_PAD.encode(bytes);
    let binding = match binding {
        Some(b) if is_well_formed(b.as_str()) => b,
        _ => {
            let mut raw = random()?;
            let b = Binding(URL_SAFE_NO_PAD.encode(raw));
            raw.zeroize();
            b
        }
    };
    let expires_at = now + CHALLENGE_TTL;
    store
        .insert_esig_challenge(&NewChallenge {
            challenge: &encoded,
            binding_hash: &binding.hash_hex(),
            ip,
            at: now,
            expires_at,
        })
        .await?;
    Ok(IssuedChallenge {
        bytes,
        encoded,
        binding,
        expires_at,
    })
}

/// Whether a binding value looks like one we issue (43 base64url chars).
fn is_well_formed(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// The bytes of a challenge as the client sends it back (base64url, with
/// or without padding), or `None` when it is not 32 bytes of base64url.
pub fn decode(encoded: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded.trim().trim_end_matches('='))
        .ok()?;
    (bytes.len() == RANDOM_LEN).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_hash_and_compare() {
        let b = Binding::from_client("abc");
        assert_eq!(
            b.hash_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(b.matches(&b.hash_hex()));
        assert!(!Binding::from_client("abd").matches(&b.hash_hex()));
        assert_eq!(format!("{b:?}"), "Binding(***)");
    }

    #[test]
    fn decoding() {
        let bytes = [7u8; 32];
        let e = URL_SAFE_NO_PAD.encode(bytes);
        assert_eq!(decode(&e).as_deref(), Some(&bytes[..]));
        assert_eq!(decode(&format!("{e}=")).as_deref(), Some(&bytes[..]));
        assert!(decode("AAAA").is_none());
        assert!(decode("!!").is_none());
        assert!(is_well_formed(&e));
        assert!(!is_well_formed("short"));
    }
}
