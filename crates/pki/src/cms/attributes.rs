//! The CAdES-BES signed attributes: the ESS signingCertificateV2 structure
//! (RFC 5035) and helpers to build and find attributes.

use const_oid::ObjectIdentifier;
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::serial_number::SerialNumber;

use super::CmsError;
use crate::algorithm::DigestAlgorithm;

/// id-sha256, the DEFAULT hashAlgorithm of ESSCertIDv2 (RFC 5035 §4).
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

/// The signingCertificateV2 attribute value (RFC 5035 §3): binds the
/// signature to the signer's certificate by its hash.
///
/// ```text
/// SigningCertificateV2 ::= SEQUENCE {
///     certs        SEQUENCE OF ESSCertIDv2,
///     policies     SEQUENCE OF PolicyInformation OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SigningCertificateV2 {
    /// The signer's certificate first, then optionally others of its chain.
    pub certs: Vec<EssCertIdV2>,
    /// Policies (rarely present; kept for round trips).
    #[asn1(optional = "true")]
    pub policies: Option<Vec<PolicyInformation>>,
}

/// One certificate reference (RFC 5035 §4).
///
/// ```text
/// ESSCertIDv2 ::= SEQUENCE {
///     hashAlgorithm   AlgorithmIdentifier DEFAULT {algorithm id-sha256},
///     certHash        Hash,
///     issuerSerial    IssuerSerial OPTIONAL }
/// Hash ::= OCTET STRING
/// ```
///
/// podpis writes hashAlgorithm = id-tc26-gost3411-12-256 explicitly (it is
/// not the default, so DER keeps it).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct EssCertIdV2 {
    /// The hash algorithm of `cert_hash`; `None` is the DEFAULT, SHA-256.
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    /// The hash of the whole DER certificate.
    pub cert_hash: OctetString,
    /// The certificate's issuer and serial number.
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// The issuer and serial number of a certificate (RFC 5035 §4).
///
/// ```text
/// IssuerSerial ::= SEQUENCE {
///     issuer         GeneralNames,
///     serialNumber   CertificateSerialNumber }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct IssuerSerial {
    /// The issuer, as a directoryName.
    pub issuer: GeneralNames,
    /// The certificate's serial number.
    pub serial_number: SerialNumber,
}

impl SigningCertificateV2 {
    /// The reference podpis writes for `cert`: Streebog-256 hash, issuer
    /// and serial number.
    pub fn for_certificate(cert: &Certificate) -> Result<Self, CmsError> {
        let der = cert.to_der()?;
        let alg = DigestAlgorithm::Streebog256;
        Ok(SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                hash_algorithm: Some(alg.algorithm_identifier()),
                cert_hash: OctetString::new(alg.digest(&der))?,
                issuer_serial: Some(IssuerSerial {
                    issuer: vec![GeneralName::DirectoryName(
                        cert.tbs_certificate().issuer().clone(),
                    )],
                    serial_number: cert.tbs_certificate().serial_number().clone(),
                }),
            }],
            policies: None,
        })
    }

    /// Whether the first reference names `cert`: its hash matches, and its
    /// issuerSerial, if present, names the certificate's issuer and serial.
    pub fn matches(&self, cert: &Certificate) -> Result<bool, CmsError> {
        let Some(id) = self.certs.first() else {
            return Ok(false);
        };
        let oid = id.hash_algorithm.as_ref().map_or(ID_SHA256, |a| a.oid);
        let alg = DigestAlgorithm::from_oid(&oid)?;
        if alg.digest(&cert.to_der()?) != id.cert_hash.as_bytes() {
            return Ok(false);
        }
        if let Some(is) = &id.issuer_serial {
            let tbs = cert.tbs_certificate();
            let issuer_ok = is.issuer.iter().any(|gn| match gn {
                GeneralName::DirectoryName(name) => name == tbs.issuer(),
                _ => false,
            });
            if !issuer_ok || is.serial_number.as_bytes() != tbs.serial_number().as_bytes() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// An attribute with one value.
pub(crate) fn attribute<T: Encode>(
    oid: ObjectIdentifier,
    value: &T,
) -> Result<Attribute, CmsError> {
    let mut values = SetOfVec::new();
    values.insert(Any::from_der(&value.to_der()?)?)?;
    Ok(Attribute { oid, values })
}

/// The first value of the attribute `oid`, if present.
pub(crate) fn find<'a>(attrs: &'a [Attribute], oid: &ObjectIdentifier) -> Option<&'a Any> {
    attrs
        .iter()
        .find(|a| a.oid == *oid)
        .and_then(|a| a.values.iter().next())
}

/// Decodes an attribute value (leniently: BER if not DER).
pub(crate) fn decode_value<T: for<'a> Decode<'a, Error = der::Error>>(
    value: &Any,
) -> Result<T, CmsError> {
    let der = value.to_der()?;
    T::from_der(&der)
        .or_else(|_| T::from_ber(&der))
        .map_err(CmsError::from)
}

/// An attribute of type `oid` with one value given as DER (e.g. a
/// time-stamp token's ContentInfo for [`crate::oids::ATTR_SIGNATURE_TIME_STAMP`]),
/// for [`super::SignedMessage::add_unsigned_attribute`].
pub fn attribute_from_der(oid: ObjectIdentifier, value: &[u8]) -> Result<Attribute, CmsError> {
    let mut values = SetOfVec::new();
    values.insert(Any::from_der(value)?)?;
    Ok(Attribute { oid, values })
}
