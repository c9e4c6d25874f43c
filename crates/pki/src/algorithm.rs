//! The algorithms of X.509 and CMS that podpis speaks: Streebog digests and
//! GOST R 34.10-2012 signatures, named by their object identifiers (RFC 9215,
//! R 1323565.1.023-2018).
//!
//! Everything that checks a signature over DER bytes — certificates, CSRs,
//! CRLs, OCSP responses, CMS signer infos — goes through
//! [`verify_signature`], so the rules for reading algorithm identifiers live
//! in one place.

use const_oid::ObjectIdentifier;
use digest::Digest;
use gost::streebog::{Streebog256, Streebog512};
use gost::{KeySize, Signature, VerifyingKey};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::oids;

/// Why a signature could not be checked or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AlgorithmError {
    /// A digest algorithm podpis does not implement (e.g. GOST R 34.11-94, SHA-256).
    #[error("unsupported digest algorithm {0}")]
    UnsupportedDigest(ObjectIdentifier),
    /// A signature algorithm podpis does not implement (RSA, ECDSA, GOST R 34.10-94…).
    #[error("unsupported signature algorithm {0}")]
    UnsupportedSignature(ObjectIdentifier),
    /// The signature algorithm and the key disagree (e.g. a 512-bit
    /// algorithm with a 256-bit key).
    #[error("signature algorithm {algorithm} does not fit a {key_bits}-bit key")]
    KeyMismatch {
        /// The signature algorithm named.
        algorithm: ObjectIdentifier,
        /// The size of the key it was to be checked with.
        key_bits: u32,
    },
    /// The public key could not be read.
    #[error("public key: {0}")]
    PublicKey(gost::Error),
    /// The signature value is malformed or the signature does not verify.
    #[error("signature does not verify")]
    BadSignature,
}

/// A digest algorithm podpis computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// GOST R 34.11-2012, 256-bit output (id-tc26-gost3411-12-256).
    Streebog256,
    /// GOST R 34.11-2012, 512-bit output (id-tc26-gost3411-12-512).
    Streebog512,
}

impl DigestAlgorithm {
    /// The digest a GOST R 34.10-2012 key of this size signs with.
    pub const fn for_key_size(size: KeySize) -> Self {
        match size {
            KeySize::Bits256 => DigestAlgorithm::Streebog256,
            KeySize::Bits512 => DigestAlgorithm::Streebog512,
        }
    }

    /// The algorithm's object identifier.
    pub const fn oid(self) -> ObjectIdentifier {
        match self {
            DigestAlgorithm::Streebog256 => oids::ID_TC26_GOST3411_12_256,
            DigestAlgorithm::Streebog512 => oids::ID_TC26_GOST3411_12_512,
        }
    }

    /// The algorithm named by an object identifier.
    pub fn from_oid(oid: &ObjectIdentifier) -> Result<Self, AlgorithmError> {
        match *oid {
            oids::ID_TC26_GOST3411_12_256 => Ok(DigestAlgorithm::Streebog256),
            oids::ID_TC26_GOST3411_12_512 => Ok(DigestAlgorithm::Streebog512),
            other => Err(AlgorithmError::UnsupportedDigest(other)),
        }
    }

    /// The AlgorithmIdentifier as CMS writes it: parameters absent (RFC 9215 §3).
    pub fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: None,
        }
    }

    /// Output length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Streebog256 => 32,
            DigestAlgorithm::Streebog512 => 64,
        }
    }

    /// The digest of `data` in one call.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut hasher = self.hasher();
        hasher.update(data);
        hasher.finalize()
    }

    /// A hasher for data that arrives in pieces (streams of any length are
    /// digested in constant memory).
    pub fn hasher(self) -> Hasher {
        match self {
            DigestAlgorithm::Streebog256 => Hasher::Streebog256(Streebog256::new()),
            DigestAlgorithm::Streebog512 => Hasher::Streebog512(Streebog512::new()),
        }
    }

    /// A short name for reports: `streebog256`, `streebog512`.
    pub const fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Streebog256 => "streebog256",
            DigestAlgorithm::Streebog512 => "streebog512",
        }
    }
}

/// An incremental digest computation; see [`DigestAlgorithm::hasher`].
#[derive(Debug, Clone)]
pub enum Hasher {
    /// Streebog-256 in progress.
    Streebog256(Streebog256),
    /// Streebog-512 in progress.
    Streebog512(Streebog512),
}

impl Hasher {
    /// Feeds more data.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Streebog256(h) => Digest::update(h, data),
            Hasher::Streebog512(h) => Digest::update(h, data),
        }
    }

    /// The digest of everything fed.
    pub fn finalize(self) -> Vec<u8> {
        match self {
            Hasher::Streebog256(h) => h.finalize().to_vec(),
            Hasher::Streebog512(h) => h.finalize().to_vec(),
        }
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The signature AlgorithmIdentifier podpis writes for a key size:
/// id-tc26-signwithdigest-gost3410-12-256/512 with parameters absent
/// (RFC 9215 §3.1), as OpenSSL's GOST engine and CryptoPro write it.
pub fn signature_algorithm_identifier(size: KeySize) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: gost::encoding::signature_algorithm_oid(size),
        parameters: None,
    }
}

/// The digest a signature algorithm identifier implies, given the size of
/// the key that made it.
///
/// Accepted are the signwithdigest identifiers and — because CMS signer
/// infos in the wild (CryptoPro, OpenSSL) carry the *key* algorithm in
/// `signatureAlgorithm` — the GOST R 34.10-2012 key identifiers as well.
pub fn signature_digest(
    algorithm: &ObjectIdentifier,
    key_size: KeySize,
) -> Result<DigestAlgorithm, AlgorithmError> {
    let size = match *algorithm {
        oids::ID_TC26_SIGNWITHDIGEST_GOST3410_12_256 | oids::ID_TC26_GOST3410_12_256 => {
            KeySize::Bits256
        }
        oids::ID_TC26_SIGNWITHDIGEST_GOST3410_12_512 | oids::ID_TC26_GOST3410_12_512 => {
            KeySize::Bits512
        }
        other => return Err(AlgorithmError::UnsupportedSignature(other)),
    };
    if size != key_size {
        return Err(AlgorithmError::KeyMismatch {
            algorithm: *algorithm,
            key_bits: key_bits(key_size),
        });
    }
    Ok(DigestAlgorithm::for_key_size(size))
}

/// Reads a GOST public key out of a SubjectPublicKeyInfo.
pub fn verifying_key(spki: &SubjectPublicKeyInfoOwned) -> Result<VerifyingKey, AlgorithmError> {
    let der =
        der::Encode::to_der(spki).map_err(|e| AlgorithmError::PublicKey(gost::Error::Asn1(e)))?;
    VerifyingKey::from_public_key_der(&der).map_err(|e| match e {
        gost::Error::UnknownAlgorithm(oid) => AlgorithmError::UnsupportedSignature(oid),
        other => AlgorithmError::PublicKey(other),
    })
}

/// Checks `signature` (the `s ‖ r` octets of X.509 and CMS) over `message`
/// with the key in `spki`, under the signature algorithm `algorithm`.
pub fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), AlgorithmError> {
    let key = verifying_key(spki)?;
    let digest = signature_digest(&algorithm.oid, key.param_set().key_size())?.digest(message);
    verify_digest(&key, &digest, signature)
}

/// Checks `signature` (`s ‖ r`) over a digest already computed.
pub fn verify_digest(
    key: &VerifyingKey,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), AlgorithmError> {
    let signature = Signature::from_bytes(signature).map_err(|_| AlgorithmError::BadSignature)?;
    key.verify_digest(digest, &signature)
        .map_err(|_| AlgorithmError::BadSignature)
}

const fn key_bits(size: KeySize) -> u32 {
    match size {
        KeySize::Bits256 => 256,
        KeySize::Bits512 => 512,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gost::{ParamSet, SigningKey};

    #[test]
    fn signs_and_verifies_through_spki() {
        for params in [ParamSet::CryptoProA, ParamSet::Tc26A512] {
            let key = SigningKey::generate(params).unwrap();
            let spki = key.verifying_key().to_public_key_info().unwrap();
            let size = params.key_size();
            let message = b"tbs bytes";
            let digest = DigestAlgorithm::for_key_size(size).digest(message);
            let signature = key.sign_digest(&digest).unwrap().to_bytes();
            let alg = signature_algorithm_identifier(size);
            verify_signature(&spki, &alg, message, &signature).unwrap();
            // The key OID in place of the signature OID is accepted (CMS in the wild).
            let key_alg = AlgorithmIdentifierOwned {
                oid: gost::encoding::key_algorithm_oid(size),
                parameters: None,
            };
            verify_signature(&spki, &key_alg, message, &signature).unwrap();
            assert_eq!(
                verify_signature(&spki, &alg, b"other bytes", &signature),
                Err(AlgorithmError::BadSignature)
            );
        }
    }

    #[test]
    fn mismatched_and_unknown_algorithms_are_named() {
        let key = SigningKey::generate(ParamSet::CryptoProA).unwrap();
        let spki = key.verifying_key().to_public_key_info().unwrap();
        let alg512 = signature_algorithm_identifier(KeySize::Bits512);
        assert!(matches!(
            verify_signature(&spki, &alg512, b"m", &[0; 64]),
            Err(AlgorithmError::KeyMismatch { key_bits: 256, .. })
        ));
        let rsa = AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11"),
            parameters: None,
        };
        assert!(matches!(
            verify_signature(&spki, &rsa, b"m", &[0; 64]),
            Err(AlgorithmError::UnsupportedSignature(_))
        ));
    }

    #[test]
    fn streaming_equals_one_shot() {
        for alg in [DigestAlgorithm::Streebog256, DigestAlgorithm::Streebog512] {
            let data: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
            let mut h = alg.hasher();
            for chunk in data.chunks(7) {
                h.update(chunk);
            }
            assert_eq!(h.finalize(), alg.digest(&data));
            assert_eq!(alg.digest(b"").len(), alg.output_len());
        }
    }
}
