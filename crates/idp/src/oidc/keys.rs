//! The provider's signing keys: one file in the data directory (the binary
//! passes its path), made on first start, published as a JWK Set.
//!
//! The file is JSON, written with mode 0600 through a temporary file that
//! is renamed into place:
//! `{"version":1,"pairwise_salt":B64,"keys":[{"kid","alg","created_at","d"}…]}`
//! where `d` is the private scalar, big-endian, base64url (P-256 for
//! `ES256`; GOST R 34.10-2012 CryptoPro-A for `GOST3410_2012_256`).
//! `pairwise_salt` (32 random bytes) derives the pairwise `sub` and the
//! `sid`; it never changes.
//!
//! Rotation by `kid` ([`ProviderKeys::rotate`], `podpis idp key rotate`):
//! a new key of the algorithm is added and signs from then on (the newest
//! key of each algorithm signs); the older keys stay in the JWK Set so
//! tokens they signed still verify, until [`ProviderKeys::retire`] drops
//! one (never the newest of its algorithm).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::OidcError;
use super::jwt::{self, SigAlg, TokenSigner, b64, unb64};

/// The GOST parameter set of the provider's GOST keys: CryptoPro-A (the
/// same curve as tc26 256-B), which every GOST implementation supports.
pub const GOST_PARAMSET: gost::ParamSet = gost::ParamSet::CryptoProA;

enum Secret {
    Es256(p256::ecdsa::SigningKey),
    Gost(pki::KeySigner),
}

/// One signing key.
pub struct ProviderKey {
    kid: String,
    alg: SigAlg,
    created_at: i64,
    secret: Secret,
}

impl std::fmt::Debug for ProviderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl ProviderKey {
    /// The key id (RFC 7638 thumbprint of the public JWK).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm.
    pub fn alg(&self) -> SigAlg {
        self.alg
    }

    /// The public JWK with `kid`, `use` and `alg`.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = self.bare_jwk();
        jwk["kid"] = json!(self.kid);
        jwk["use"] = json!("sig");
        jwk["alg"] = json!(self.alg.name());
        jwk
    }

    fn bare_jwk(&self) -> Value {
        match &self.secret {
            Secret::Es256(k) => jwt::es256_jwk(k.verifying_key()),
            Secret::Gost(k) => jwt::gost_jwk(pki::Signer::verifying_key(k)),
        }
    }

    pub(crate) fn signer(&self) -> TokenSigner<'_> {
        match &self.secret {
            Secret::Es256(k) => TokenSigner::Es256(k),
            Secret::Gost(k) => TokenSigner::Gost(k),
        }
    }

    /// Checks this key's signature over `input`.
    pub fn verify(&self, input: &[u8], signature: &[u8]) -> bool {
        match &self.secret {
            Secret::Es256(k) => jwt::verify_es256(k.verifying_key(), input, signature),
            Secret::Gost(k) => jwt::verify_gost(pki::Signer::verifying_key(k), input, signature),
        }
    }

    fn generate(alg: SigAlg, at: SystemTime) -> Result<ProviderKey, OidcError> {
        let secret = match alg {
            SigAlg::Es256 => loop {
                let mut d = Zeroizing::new([0u8; 32]);
                getrandom::fill(&mut d[..]).map_err(|_| OidcError::Random)?;
                if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&d[..]) {
                    break Secret::Es256(k);
                }
            },
            SigAlg::Gost256 => Secret::Gost(pki::KeySigner::new(
                gost::SigningKey::generate(GOST_PARAMSET).map_err(|_| OidcError::Random)?,
            )),
        };
        ProviderKey::new(alg, unix(at), secret)
    }

    fn new(alg: SigAlg, created_at: i64, secret: Secret) -> Result<ProviderKey, OidcError> {
        let mut key = ProviderKey {
            kid: String::new(),
            alg,
            created_at,
            secret,
        };
        key.kid = jwt::thumbprint(&key.bare_jwk());
        Ok(key)
    }

    fn private_d(&self) -> Zeroizing<String> {
        match &self.secret {
            Secret::Es256(k) => Zeroizing::new(b64(&k.to_bytes())),
            Secret::Gost(k) => Zeroizing::new(b64(&k.key().to_bytes())),
        }
    }
}

/// The provider's keys and the pairwise-identifier salt.
pub struct ProviderKeys {
    path: PathBuf,
    keys: Vec<ProviderKey>,
    salt: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for ProviderKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderKeys")
            .field("path", &self.path)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn file_error(path: &Path, reason: impl ToString) -> OidcError {
    OidcError::KeyFile {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

impl ProviderKeys {
    /// Reads the key file at `path`, or makes it (one ES256 and one GOST
    /// key, a fresh salt) when it does not exist.
    pub fn load_or_create(path: &Path, at: SystemTime) -> Result<ProviderKeys, OidcError> {
        if path.exists() {
            return ProviderKeys::load(path);
        }
        let mut salt = Zeroizing::new(vec![0u8; 32]);
        getrandom::fill(&mut salt[..]).map_err(|_| OidcError::Random)?;
        let keys = ProviderKeys {
            path: path.to_owned(),
            keys: vec![
                ProviderKey::generate(SigAlg::Es256, at)?,
                ProviderKey::generate(SigAlg::Gost256, at)?,
            ],
            salt,
        };
        keys.save()?;
        Ok(keys)
    }

    /// Reads the key file at `path`.
    pub fn load(path: &Path) -> Result<ProviderKeys, OidcError> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| file_error(path, e))?);
        let doc: Value =
            serde_json::from_str(&text).map_err(|_| file_error(path, "not the key file's JSON"))?;
        let bad = |what: &str| file_error(path, what);
        if doc["version"].as_i64() != Some(1) {
            return Err(bad("unknown version"));
        }
        let salt = Zeroizing::new(
            doc["pairwise_salt"]
                .as_str()
                .and_then(unb64)
                .filter(|s| s.len() == 32)
                .ok_or_else(|| bad("pairwise_salt"))?,
        );
        let mut keys = Vec::new();
        for k in doc["keys"].as_array().ok_or_else(|| bad("keys"))? {
            let alg = k["alg"]
                .as_str()
                .and_then(SigAlg::from_name)
                .ok_or_else(|| bad("alg"))?;
            let d = Zeroizing::new(k["d"].as_str().and_then(unb64).ok_or_else(|| bad("d"))?);
            let secret = match alg {
                SigAlg::Es256 => Secret::Es256(
                    p256::ecdsa::SigningKey::from_slice(&d).map_err(|_| bad("ES256 key"))?,
                ),
                SigAlg::Gost256 => Secret::Gost(pki::KeySigner::new(
                    gost::SigningKey::from_bytes(GOST_PARAMSET, &d).map_err(|_| bad("GOST key"))?,
                )),
            };
            let key = ProviderKey::new(alg, k["created_at"].as_i64().unwrap_or(0), secret)?;
            if k["kid"].as_str() != Some(key.kid()) {
                return Err(bad("kid does not match the key"));
            }
            keys.push(key);
        }
        for alg in [SigAlg::Es256, SigAlg::Gost256] {
            if !keys.iter().any(|k| k.alg == alg) {
                return Err(bad("a key of each algorithm is needed"));
            }
        }
        Ok(ProviderKeys {
            path: path.to_owned(),
            keys,
            salt,
        })
    }

    fn save(&self) -> Result<(), OidcError> {
        let keys: Vec<Value> = self
            .keys
            .iter()
            .map(|k| {
                json!({
                    "kid": k.kid,
                    "alg": k.alg.name(),
                    "created_at": k.created_at,
                    "d": *k.private_d(),
                })
            })
            .collect();
        let doc = Zeroizing::new(
            json!({ "version": 1, "pairwise_salt": b64(&self.salt), "keys": keys }).to_string(),
        );
        let path = &self.path;
        let tmp = path.with_extension("tmp");
        {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(&tmp).map_err(|e| file_error(&tmp, e))?;
            f.write_all(doc.as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| file_error(&tmp, e))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| file_error(path, e))
    }

    /// Adds a new key of `alg`, which signs from now on; the file is
    /// rewritten. Returns its `kid`.
    pub fn rotate(&mut self, alg: SigAlg, at: SystemTime) -> Result<String, OidcError> {
        let key = ProviderKey::generate(alg, at)?;
        let kid = key.kid.clone();
        self.keys.push(key);
        self.save()?;
        Ok(kid)
    }

    /// Drops the key `kid` from the set (tokens it signed stop verifying).
    /// The signing (newest) key of an algorithm cannot be retired: `false`,
    /// as for an unknown `kid`.
    pub fn retire(&mut self, kid: &str) -> Result<bool, OidcError> {
        let Some(pos) = self.keys.iter().position(|k| k.kid == kid) else {
            return Ok(false);
        };
        let alg = self.keys[pos].alg;
        if self.signing_key(alg).kid == kid {
            return Ok(false);
        }
        self.keys.remove(pos);
        self.save()?;
        Ok(true)
    }

    /// The key that signs with `alg` now: the newest of the algorithm.
    pub fn signing_key(&self, alg: SigAlg) -> &ProviderKey {
        // `load` and `load_or_create` guarantee one of each algorithm.
        let mut found = None;
        for k in self.keys.iter().filter(|k| k.alg == alg) {
            found = Some(k);
        }
        match found {
            Some(k) => k,
            None => &self.keys[0],
        }
    }

    /// The key `kid`, if it is in the set.
    pub fn key(&self, kid: &str) -> Option<&ProviderKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> &[ProviderKey] {
        &self.keys
    }

    /// The public JWK Set (`/oidc/jwks`).
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.keys.iter().map(ProviderKey::public_jwk).collect::<Vec<_>>() })
    }

    /// A pairwise identifier of `what` (`sub:<client>:<account>`,
    /// `sid:<session>`): SHA-256 of the salt and `what`, base64url.
    pub(crate) fn pairwise(&self, what: &str) -> String {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        h.update(&self.salt[..]);
        h.update(what.as_bytes());
        b64(&h.finalize())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn made_once_rotated_retired_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("oidc-keys.json");
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let mut keys = ProviderKeys::load_or_create(&path, t).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = ProviderKeys::load_or_create(&path, t).unwrap();
        assert_eq!(again.jwks(), keys.jwks());
        assert_eq!(again.pairwise("x"), keys.pairwise("x"));
        let old = keys.signing_key(SigAlg::Gost256).kid().to_owned();
        let new = keys.rotate(SigAlg::Gost256, t).unwrap();
        assert_ne!(old, new);
        assert_eq!(keys.signing_key(SigAlg::Gost256).kid(), new);
        let reloaded = ProviderKeys::load(&path).unwrap();
        assert_eq!(reloaded.keys().len(), 3);
        assert!(!keys.retire(&new).unwrap(), "the signing key stays");
        assert!(keys.retire(&old).unwrap());
        assert_eq!(ProviderKeys::load(&path).unwrap().keys().len(), 2);
        // Debug shows no key material.
        let d = keys.signing_key(SigAlg::Es256).private_d();
        assert!(!format!("{keys:?}").contains(d.as_str()));
        // A damaged file is refused with its code.
        std::fs::write(&path, "{").unwrap();
        let err = ProviderKeys::load(&path).unwrap_err();
        assert_eq!(pki::Diagnostic::code(&err), "OIDC_KEY_FILE");
    }
}
