//! The one interface every private key is used through.
//!
//! CMS signing, certificate and CRL issuance, OCSP and TSP responders and
//! the login flows take a `&dyn Signer`, never a key: a key in memory, a
//! file container, a PKCS#11 token and a cloud key all plug in the same way
//! (as rustls takes a crypto provider).

use gost::{ParamSet, Signature, SigningKey, VerifyingKey};

use crate::algorithm::DigestAlgorithm;

/// Why a signer could not sign.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignerError {
    /// The GOST primitive refused (e.g. a digest of the wrong length).
    #[error("signing failed: {0}")]
    Gost(#[from] gost::Error),
    /// The key's holder (token, container, cloud key) refused or failed; the
    /// source says why and never carries a secret.
    #[error("the key holder refused to sign: {0}")]
    Holder(Box<dyn std::error::Error + Send + Sync>),
}

/// A private key that signs digests, with its public half known.
pub trait Signer: Send + Sync {
    /// The public key matching the private key.
    fn verifying_key(&self) -> &VerifyingKey;

    /// Signs a digest computed with [`Signer::digest_algorithm`].
    fn sign_digest(&self, digest: &[u8]) -> Result<Signature, SignerError>;

    /// The key's certificate (DER) when its holder keeps one — a container
    /// entry or a token object stored with the key; `None` for a bare key.
    /// Callers that are given a certificate explicitly use that one.
    fn certificate_der(&self) -> Option<&[u8]> {
        None
    }

    /// The parameter set of the key.
    fn param_set(&self) -> ParamSet {
        self.verifying_key().param_set()
    }

    /// The Streebog variant this key signs with (256 for 256-bit keys, 512
    /// for 512-bit keys, as GOST R 34.10-2012 prescribes).
    fn digest_algorithm(&self) -> DigestAlgorithm {
        DigestAlgorithm::for_key_size(self.param_set().key_size())
    }

    /// Hashes `message` and signs it; returns the `s ‖ r` octets.
    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        let digest = self.digest_algorithm().digest(message);
        Ok(self.sign_digest(&digest)?.to_bytes())
    }
}

/// A [`Signer`] over a key held in memory.
#[derive(Debug)]
pub struct KeySigner {
    key: SigningKey,
    public: VerifyingKey,
}

impl KeySigner {
    /// Wraps a signing key, deriving its public half once.
    pub fn new(key: SigningKey) -> Self {
        let public = key.verifying_key();
        KeySigner { key, public }
    }

    /// The wrapped key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }
}

impl Signer for KeySigner {
    fn verifying_key(&self) -> &VerifyingKey {
        &self.public
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Signature, SignerError> {
        Ok(self.key.sign_digest(digest)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_signer_signs_what_its_public_key_verifies() {
        let signer = KeySigner::new(SigningKey::generate(ParamSet::Tc26A256).unwrap());
        let sig = signer.sign_message(b"hello").unwrap();
        let digest = signer.digest_algorithm().digest(b"hello");
        crate::algorithm::verify_digest(signer.verifying_key(), &digest, &sig).unwrap();
        assert!(!format!("{signer:?}").contains(&hex(&signer.key().to_bytes())));
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
