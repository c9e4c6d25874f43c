//! PKCS#8 and SubjectPublicKeyInfo encodings of GOST R 34.10-2012 keys,
//! DER and PEM, as RFC 9215 and R 1323565.1.023-2018 define them and as
//! OpenSSL's GOST engine reads and writes them.
//!
//! # The structures
//!
//! Both structures name the key with the same AlgorithmIdentifier
//! (RFC 9215 §4.1, §4.2):
//!
//! ```text
//! id-tc26-gost3410-12-256 OBJECT IDENTIFIER ::= { 1 2 643 7 1 1 1 1 }
//! id-tc26-gost3410-12-512 OBJECT IDENTIFIER ::= { 1 2 643 7 1 1 1 2 }
//!
//! GostR3410-2012-PublicKeyParameters ::= SEQUENCE {
//!     publicKeyParamSet  OBJECT IDENTIFIER,
//!     digestParamSet     OBJECT IDENTIFIER OPTIONAL
//! }
//! ```
//!
//! The public key (RFC 9215 §4.3) is `LE(X) ‖ LE(Y)` in an OCTET STRING,
//! whose DER encoding is the content of the SubjectPublicKeyInfo's BIT STRING:
//!
//! ```text
//! GostR3410-2012-256-PublicKey ::= OCTET STRING (SIZE (64))
//! GostR3410-2012-512-PublicKey ::= OCTET STRING (SIZE (128))
//! ```
//!
//! The private key sits in a PKCS#8 PrivateKeyInfo (RFC 5958); see
//! [`SigningKey::from_pkcs8_der`](crate::SigningKey::from_pkcs8_der) for the
//! forms of its `privateKey` content that are read.
//!
//! # What is written
//!
//! Output matches `openssl genpkey -engine gost` byte for byte in the
//! AlgorithmIdentifier: the digestParamSet (Streebog of the key's size) is
//! written for the parameter sets that predate 2012 (CryptoPro A, B, C, XchA,
//! XchB, the 256-bit test set) and for the 512-bit sets Test, A and B, and
//! omitted for tc26-256-A..D and tc26-512-C, as the engine does. The private
//! key is written as an OCTET STRING holding `LE(d)`, a form every reader
//! (OpenSSL, pygost, CryptoPro) accepts.
//!
//! # What is read
//!
//! * the two GOST R 34.10-2012 algorithms, and for old certificates and keys
//!   GOST R 34.10-2001 (`1.2.643.2.2.19`) and its DH variant
//!   (`1.2.643.2.2.98`) as 256-bit keys over the 2001 parameter sets;
//! * parameters with or without digestParamSet (and, for 2001 keys, with the
//!   RFC 4491 encryptionParamSet); a digestParamSet that is present must be
//!   the hash the algorithm signs with.
//!
//! Inherent methods on [`SigningKey`](crate::SigningKey) and
//! [`VerifyingKey`](crate::VerifyingKey) return this crate's [`Error`]; the
//! RustCrypto traits ([`pkcs8::DecodePrivateKey`], [`pkcs8::EncodePrivateKey`],
//! [`spki::DecodePublicKey`], [`spki::EncodePublicKey`],
//! [`spki::DynAssociatedAlgorithmIdentifier`]) are implemented too, for code
//! such as an X.509 builder that is generic over key types.

mod private_key;
mod public_key;

use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use der::{Any, Reader};
use zeroize::Zeroizing;

use crate::{Error, KeySize, ParamSet};

pub use ::pkcs8;
pub use ::spki;

/// id-tc26-gost3410-12-256 (1.2.643.7.1.1.1.1): GOST R 34.10-2012 keys with
/// 256-bit field.
pub const ID_TC26_GOST3410_12_256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.643.7.1.1.1.1");
/// id-tc26-gost3410-12-512 (1.2.643.7.1.1.1.2): GOST R 34.10-2012 keys with
/// 512-bit field.
pub const ID_TC26_GOST3410_12_512: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.643.7.1.1.1.2");
/// id-GostR3410-2001 (1.2.643.2.2.19): GOST R 34.10-2001 keys (RFC 4491),
/// read as 256-bit keys; never written.
pub const ID_GOSTR3410_2001: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.2.2.19");
/// id-GostR3410-2001DH (1.2.643.2.2.98): GOST R 34.10-2001 key-agreement
/// keys, read as 256-bit keys; never written.
pub const ID_GOSTR3410_2001_DH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.2.2.98");
/// id-tc26-gost3411-12-256 (1.2.643.7.1.1.2.2): Streebog-256.
pub const ID_TC26_GOST3411_12_256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.643.7.1.1.2.2");
/// id-tc26-gost3411-12-512 (1.2.643.7.1.1.2.3): Streebog-512.
pub const ID_TC26_GOST3411_12_512: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.643.7.1.1.2.3");
/// id-GostR3411-94-TestParamSet (1.2.643.2.2.30.0), a digestParamSet of
/// GOST R 34.10-2001 keys.
pub const ID_GOSTR3411_94_TEST_PARAM_SET: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.643.2.2.30.0");
/// id-GostR3411-94-CryptoProParamSet (1.2.643.2.2.30.1), the digestParamSet
/// of GOST R 34.10-2001 keys.
pub const ID_GOSTR3411_94_CRYPTOPRO_PARAM_SET: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.643.2.2.30.1");
/// id-tc26-signwithdigest-gost3410-12-256 (1.2.643.7.1.1.3.2): the signature
/// algorithm of X.509 and CMS for 256-bit keys (RFC 9215 §3.1), parameters
/// absent.
pub const ID_TC26_SIGNWITHDIGEST_GOST3410_12_256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.643.7.1.1.3.2");
/// id-tc26-signwithdigest-gost3410-12-512 (1.2.643.7.1.1.3.3): the signature
/// algorithm of X.509 and CMS for 512-bit keys (RFC 9215 §3.1), parameters
/// absent.
pub const ID_TC26_SIGNWITHDIGEST_GOST3410_12_512: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.643.7.1.1.3.3");

/// The key algorithm object identifier for a key size.
pub const fn key_algorithm_oid(size: KeySize) -> ObjectIdentifier {
    match size {
        KeySize::Bits256 => ID_TC26_GOST3410_12_256,
        KeySize::Bits512 => ID_TC26_GOST3410_12_512,
    }
}

/// The Streebog object identifier a key of this size signs with.
pub const fn digest_oid(size: KeySize) -> ObjectIdentifier {
    match size {
        KeySize::Bits256 => ID_TC26_GOST3411_12_256,
        KeySize::Bits512 => ID_TC26_GOST3411_12_512,
    }
}

/// The X.509/CMS signature algorithm object identifier for a key size.
pub const fn signature_algorithm_oid(size: KeySize) -> ObjectIdentifier {
    match size {
        KeySize::Bits256 => ID_TC26_SIGNWITHDIGEST_GOST3410_12_256,
        KeySize::Bits512 => ID_TC26_SIGNWITHDIGEST_GOST3410_12_512,
    }
}

/// Whether OpenSSL's GOST engine writes a digestParamSet for this parameter
/// set (its `internal_encode_algor_params`), which is what we write too.
const fn writes_digest_param(params: ParamSet) -> bool {
    matches!(
        params,
        ParamSet::Test256
            | ParamSet::CryptoProA
            | ParamSet::CryptoProB
            | ParamSet::CryptoProC
            | ParamSet::CryptoProXchA
            | ParamSet::CryptoProXchB
            | ParamSet::Test512
            | ParamSet::Tc26A512
            | ParamSet::Tc26B512
    )
}

/// Whether a parameter set belongs to GOST R 34.10-2001 (RFC 4357 §11.4).
const fn is_2001_param_set(params: ParamSet) -> bool {
    matches!(
        params,
        ParamSet::Test256
            | ParamSet::CryptoProA
            | ParamSet::CryptoProB
            | ParamSet::CryptoProC
            | ParamSet::CryptoProXchA
            | ParamSet::CryptoProXchB
    )
}

/// The AlgorithmIdentifier for a key of this parameter set, as OpenSSL's GOST
/// engine writes it in SubjectPublicKeyInfo and PKCS#8.
pub fn algorithm_identifier(params: ParamSet) -> Result<spki::AlgorithmIdentifierOwned, Error> {
    let size = params.key_size();
    let mut oids = vec![params.oid()];
    if writes_digest_param(params) {
        oids.push(digest_oid(size));
    }
    // SEQUENCE OF OBJECT IDENTIFIER encodes exactly as the SEQUENCE
    // { publicKeyParamSet, digestParamSet OPTIONAL }.
    let parameters = Any::encode_from(&oids)?;
    Ok(spki::AlgorithmIdentifierOwned {
        oid: key_algorithm_oid(size),
        parameters: Some(parameters),
    })
}

/// Reads the parameter set out of a GOST key's AlgorithmIdentifier,
/// checking that the algorithm is a GOST R 34.10 key algorithm, that the
/// parameter set fits it and that a digestParamSet, if present, is the hash
/// the algorithm signs with.
pub fn param_set_from_algorithm(alg: &spki::AlgorithmIdentifierRef<'_>) -> Result<ParamSet, Error> {
    let algorithm = alg.oid;
    let (size, is_2001) = match algorithm {
        ID_TC26_GOST3410_12_256 => (KeySize::Bits256, false),
        ID_TC26_GOST3410_12_512 => (KeySize::Bits512, false),
        ID_GOSTR3410_2001 | ID_GOSTR3410_2001_DH => (KeySize::Bits256, true),
        other => return Err(Error::UnknownAlgorithm(other)),
    };
    let parameters: AnyRef<'_> = alg.parameters.ok_or(Error::MissingParameters)?;
    let (param_oid, digest) = parameters.sequence(|reader| {
        let param_oid: ObjectIdentifier = reader.decode()?;
        let digest: Option<ObjectIdentifier> = reader.decode()?;
        if is_2001 {
            // RFC 4491: encryptionParamSet Gost28147-89-ParamSet OPTIONAL.
            let _encryption: Option<ObjectIdentifier> = reader.decode()?;
        }
        Ok::<_, der::Error>((param_oid, digest))
    })?;
    let params = ParamSet::from_oid(&param_oid).ok_or(Error::UnknownParamSet(param_oid))?;
    if params.key_size() != size || (is_2001 && !is_2001_param_set(params)) {
        return Err(Error::ParamSetMismatch {
            algorithm,
            param_set: params,
        });
    }
    if let Some(digest) = digest {
        let fits = if is_2001 {
            digest == ID_GOSTR3411_94_CRYPTOPRO_PARAM_SET
                || digest == ID_GOSTR3411_94_TEST_PARAM_SET
        } else {
            digest == digest_oid(size)
                // Bouncy Castle (1.72) writes the GOST R 34.11-94 CryptoPro
                // digestParamSet for 2012-256 keys on the 2001 curves;
                // OpenSSL's GOST engine accepts it, so do we. The signature
                // hash is still Streebog-256: the algorithm decides it.
                || (digest == ID_GOSTR3411_94_CRYPTOPRO_PARAM_SET
                    && size == KeySize::Bits256
                    && is_2001_param_set(params))
        };
        if !fits {
            return Err(Error::DigestParamSetMismatch { algorithm, digest });
        }
    }
    Ok(params)
}

/// Rewrites the first PEM block labelled `label` in `input` into the strict
/// RFC 7468 form `pem-rfc7468` decodes, the way OpenSSL's lenient reader sees
/// it: text and other PEM blocks around it are ignored, and base64 lines of
/// any length (such as the 76-character lines some CAs and .NET write) and
/// CRLF line ends are accepted. RFC 1421 headers (`Proc-Type:`, legacy
/// encrypted keys) are refused.
fn canonical_pem(input: &str, label: &'static str) -> Result<Zeroizing<String>, Error> {
    use der::pem::Error as PemError;
    let pem_error = |e: PemError| Error::Asn1(der::Error::from(e));
    let begin_marker = format!("-----BEGIN {label}-----");
    let end_marker = format!("-----END {label}-----");
    let Some(begin) = input.find(&begin_marker) else {
        return Err(pem_error(if input.contains("-----BEGIN ") {
            PemError::UnexpectedTypeLabel { expected: label }
        } else {
            PemError::PreEncapsulationBoundary
        }));
    };
    let rest = &input[begin + begin_marker.len()..];
    let body = &rest[..rest
        .find(&end_marker)
        .ok_or(pem_error(PemError::PostEncapsulationBoundary))?];
    if body.contains(':') {
        return Err(pem_error(PemError::HeaderDisallowed));
    }
    if !body.is_ascii() {
        return Err(pem_error(PemError::CharacterEncoding));
    }
    // Sized up front so that no partial copy of a secret is reallocated away
    // without being zeroized.
    let mut base64 = Zeroizing::new(String::with_capacity(body.len()));
    for part in body.split_ascii_whitespace() {
        base64.push_str(part);
    }
    let capacity =
        base64.len() + base64.len().div_ceil(64) + begin_marker.len() + end_marker.len() + 2;
    let mut out = Zeroizing::new(String::with_capacity(capacity));
    out.push_str(&begin_marker);
    out.push('\n');
    let mut rest = base64.as_str();
    while !rest.is_empty() {
        // ASCII, so every index is a character boundary.
        let (line, tail) = rest.split_at(rest.len().min(64));
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str(&end_marker);
    out.push('\n');
    Ok(out)
}

/// Maps this crate's error onto `spki`'s, for the RustCrypto trait impls.
fn to_spki_error(err: Error) -> spki::Error {
    match err {
        Error::Asn1(e) => spki::Error::Asn1(e),
        Error::UnknownAlgorithm(oid) => spki::Error::OidUnknown { oid },
        Error::MissingParameters => spki::Error::AlgorithmParametersMissing,
        _ => spki::Error::KeyMalformed,
    }
}

/// Maps this crate's error onto `pkcs8`'s, for the RustCrypto trait impls.
fn to_pkcs8_error(err: Error) -> pkcs8::Error {
    match err {
        Error::Asn1(e) => pkcs8::Error::Asn1(e),
        Error::UnknownAlgorithm(oid) => pkcs8::Error::PublicKey(spki::Error::OidUnknown { oid }),
        Error::MissingParameters
        | Error::UnknownParamSet(_)
        | Error::ParamSetMismatch { .. }
        | Error::DigestParamSetMismatch { .. } => pkcs8::Error::ParametersMalformed,
        _ => pkcs8::Error::KeyMalformed(pkcs8::KeyError::Invalid),
    }
}

#[cfg(test)]
mod tests;
