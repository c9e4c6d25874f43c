//! SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) of GOST keys (RFC 9215 §4.3).
//!
//! ```text
//! SubjectPublicKeyInfo ::= SEQUENCE {
//!     algorithm         AlgorithmIdentifier,
//!     subjectPublicKey  BIT STRING  -- DER of GostR3410-2012-PublicKey
//! }
//! GostR3410-2012-PublicKey ::= OCTET STRING  -- LE(X) ‖ LE(Y)
//! ```

use der::asn1::{BitString, OctetStringRef};
use der::pem::{LineEnding, PemLabel};
use der::{Decode, Document, Encode};
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};

use super::{algorithm_identifier, canonical_pem, param_set_from_algorithm, to_spki_error};
use crate::{Error, SigningKey, VerifyingKey};

impl VerifyingKey {
    /// Parses a DER SubjectPublicKeyInfo holding a GOST key, as in an X.509
    /// certificate or `openssl pkey -pubout -outform DER`.
    ///
    /// The point is validated (on the curve, of order q).
    pub fn from_public_key_der(der: &[u8]) -> Result<Self, Error> {
        let info = SubjectPublicKeyInfoRef::from_der(der)?;
        VerifyingKey::from_public_key_info(&info)
    }

    /// Parses a PEM `PUBLIC KEY` (a SubjectPublicKeyInfo), as
    /// `openssl pkey -pubout` writes it. Like OpenSSL, text around the PEM
    /// block and base64 lines of any length are accepted.
    pub fn from_public_key_pem(pem: &str) -> Result<Self, Error> {
        let pem = canonical_pem(pem, SubjectPublicKeyInfoRef::PEM_LABEL)?;
        let (_, doc) = Document::from_pem(&pem)?;
        VerifyingKey::from_public_key_der(doc.as_bytes())
    }

    /// Reads a GOST key out of an already parsed SubjectPublicKeyInfo (from
    /// a certificate or a CSR).
    pub fn from_public_key_info(info: &SubjectPublicKeyInfoRef<'_>) -> Result<Self, Error> {
        let params = param_set_from_algorithm(&info.algorithm)?;
        let bits = info
            .subject_public_key
            .as_bytes()
            .ok_or(Error::PublicKeyFormat)?;
        let octets = <&OctetStringRef>::from_der(bits).map_err(|_| Error::PublicKeyFormat)?;
        VerifyingKey::from_le_bytes(params, octets.as_bytes())
    }

    /// The key as a SubjectPublicKeyInfo structure.
    pub fn to_public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, Error> {
        let algorithm = algorithm_identifier(self.param_set())?;
        let octets = OctetStringRef::new(&self.to_le_bytes())?.to_der()?;
        let subject_public_key = BitString::from_bytes(&octets)?;
        Ok(SubjectPublicKeyInfoOwned {
            algorithm,
            subject_public_key,
        })
    }

    /// The key as a DER SubjectPublicKeyInfo, byte for byte what
    /// `openssl pkey -pubout -outform DER` writes for it.
    pub fn to_public_key_der(&self) -> Result<Vec<u8>, Error> {
        Ok(self.to_public_key_info()?.to_der()?)
    }

    /// The key as a PEM `PUBLIC KEY` with LF line endings, as
    /// `openssl pkey -pubout` writes it.
    pub fn to_public_key_pem(&self) -> Result<String, Error> {
        let der = self.to_public_key_der()?;
        Ok(
            der::pem::encode_string(SubjectPublicKeyInfoOwned::PEM_LABEL, LineEnding::LF, &der)
                .map_err(der::Error::from)?,
        )
    }
}

impl TryFrom<SubjectPublicKeyInfoRef<'_>> for VerifyingKey {
    type Error = spki::Error;

    fn try_from(info: SubjectPublicKeyInfoRef<'_>) -> spki::Result<Self> {
        VerifyingKey::from_public_key_info(&info).map_err(to_spki_error)
    }
}

impl spki::EncodePublicKey for VerifyingKey {
    fn to_public_key_der(&self) -> spki::Result<Document> {
        let info = self.to_public_key_info().map_err(to_spki_error)?;
        Ok(Document::encode_msg(&info)?)
    }
}

impl spki::DynAssociatedAlgorithmIdentifier for VerifyingKey {
    fn algorithm_identifier(&self) -> spki::Result<spki::AlgorithmIdentifierOwned> {
        algorithm_identifier(self.param_set()).map_err(to_spki_error)
    }
}

impl spki::DynAssociatedAlgorithmIdentifier for SigningKey {
    fn algorithm_identifier(&self) -> spki::Result<spki::AlgorithmIdentifierOwned> {
        algorithm_identifier(self.param_set()).map_err(to_spki_error)
    }
}
