//! The crate's one error type.

/// Everything that can go wrong in this crate.
///
/// Variants carry no secret material: a rejected private key or nonce is
/// reported by kind only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A byte string had the wrong length for the parameter set.
    #[error("wrong length: expected {expected} bytes, got {actual}")]
    Length {
        /// The length the parameter set requires.
        expected: usize,
        /// The length that was given.
        actual: usize,
    },
    /// A private key scalar was zero or not below the group order q.
    #[error("private key out of range (must be 1..q-1)")]
    PrivateKeyRange,
    /// A public key coordinate was not below the field prime p.
    #[error("public key coordinate not below the field prime")]
    PublicKeyCoordinate,
    /// A public key point does not satisfy the curve equation.
    #[error("public key is not on the curve")]
    PublicKeyNotOnCurve,
    /// A public key was the point at infinity.
    #[error("public key is the point at infinity")]
    PublicKeyInfinity,
    /// A public key lies outside the prime-order subgroup (cofactor-4 curves).
    #[error("public key is not in the prime-order subgroup")]
    PublicKeySubgroup,
    /// r or s of a signature was zero or not below q.
    #[error("signature component out of range (must be 1..q-1)")]
    SignatureRange,
    /// The signature does not match the digest and the public key.
    #[error("signature verification failed")]
    SignatureInvalid,
    /// An object identifier names no parameter set this crate knows.
    #[error("unknown GOST R 34.10-2012 parameter set {0}")]
    UnknownParamSet(const_oid::ObjectIdentifier),
    /// The system random number generator failed.
    #[error("system random number generator failed")]
    Rng,
    /// A DER or PEM structure could not be decoded (malformed input, a
    /// wrong PEM label, trailing data) or encoded.
    #[error("DER/PEM error: {0}")]
    Asn1(#[from] der::Error),
    /// An AlgorithmIdentifier names an algorithm that is not a GOST R 34.10
    /// public-key algorithm.
    #[error("not a GOST R 34.10 key algorithm: {0}")]
    UnknownAlgorithm(const_oid::ObjectIdentifier),
    /// A GOST key's AlgorithmIdentifier has no parameters (RFC 9215 requires
    /// GostR3410-2012-PublicKeyParameters).
    #[error("GOST key algorithm parameters are missing")]
    MissingParameters,
    /// The parameter set does not belong to the key algorithm (for example a
    /// 512-bit set under id-tc26-gost3410-12-256).
    #[error("parameter set {param_set} does not fit key algorithm {algorithm}")]
    ParamSetMismatch {
        /// The key algorithm's object identifier.
        algorithm: const_oid::ObjectIdentifier,
        /// The parameter set the parameters named.
        param_set: crate::ParamSet,
    },
    /// The digestParamSet is not the hash function the key algorithm uses.
    #[error("digest parameter set {digest} does not fit key algorithm {algorithm}")]
    DigestParamSetMismatch {
        /// The key algorithm's object identifier.
        algorithm: const_oid::ObjectIdentifier,
        /// The digestParamSet found.
        digest: const_oid::ObjectIdentifier,
    },
    /// The PKCS#8 privateKey holds none of the GOST private-key forms
    /// (OCTET STRING of LE(d), INTEGER d, raw or masked LE(d)).
    #[error("unrecognised GOST private key format")]
    PrivateKeyFormat,
    /// A subjectPublicKey is not an OCTET STRING of LE(X) ‖ LE(Y) in a BIT
    /// STRING without unused bits.
    #[error("malformed GOST public key encoding")]
    PublicKeyFormat,
    /// The public key stored next to a private key (PKCS#8 v2 publicKey)
    /// is not the one the private key derives.
    #[error("public key does not match the private key")]
    PublicKeyMismatch,
    /// A key-derivation function was called with parameters outside its
    /// domain: zero PBKDF2 iterations, an empty or over-long output, a
    /// KDF_TREE counter length other than 1..=4 bytes.
    #[error("invalid key-derivation parameters: {0}")]
    KdfParameter(crate::kdf::KdfParam),
}
