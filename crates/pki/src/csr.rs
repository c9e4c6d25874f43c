//! PKCS#10 certification requests (RFC 2986) for GOST keys: building them
//! with requested extensions, reading DER and PEM, and checking proof of
//! possession.

use der::asn1::{Any, BitString, SetOfVec};
use der::{Decode, Encode};
use gost::VerifyingKey;
use x509_cert::attr::Attribute;
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq, Version};

use crate::algorithm::{self, AlgorithmError};
use crate::cert::{pem_blocks, tbs_bytes};
use crate::name::SubjectIdentity;
use crate::signer::{Signer, SignerError};

/// id-ExtensionRequest (PKCS#9, 1.2.840.113549.1.9.14).
pub const EXTENSION_REQUEST: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");

/// Why a request could not be built, read or verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CsrError {
    /// The bytes are not a DER request (or DER could not be written).
    #[error("request DER: {0}")]
    Der(#[from] der::Error),
    /// Text input holds no PEM `CERTIFICATE REQUEST` block.
    #[error("no PEM CERTIFICATE REQUEST block found")]
    NoPem,
    /// The algorithm is not supported, the key is unreadable, or the
    /// proof-of-possession signature does not verify.
    #[error(transparent)]
    Algorithm(#[from] AlgorithmError),
    /// The signer failed.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// The signer's key could not be encoded.
    #[error("key: {0}")]
    Key(#[from] gost::Error),
}

impl crate::Diagnostic for CsrError {
    fn code(&self) -> &'static str {
        match self {
            CsrError::Der(_) => "CSR_MALFORMED",
            CsrError::NoPem => "CSR_NO_PEM",
            CsrError::Algorithm(AlgorithmError::BadSignature) => "CSR_BAD_SIGNATURE",
            CsrError::Algorithm(
                AlgorithmError::UnsupportedSignature(_) | AlgorithmError::UnsupportedDigest(_),
            ) => "CSR_UNSUPPORTED_ALGORITHM",
            CsrError::Algorithm(_) | CsrError::Key(_) => "CSR_BAD_KEY",
            CsrError::Signer(_) => "CSR_SIGNER_FAILED",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            CsrError::Der(e) => format!("Файл не является запросом PKCS#10 (ошибка DER: {e})."),
            CsrError::NoPem => {
                "В тексте нет блока «-----BEGIN CERTIFICATE REQUEST-----». Укажите файл запроса."
                    .to_owned()
            }
            CsrError::Algorithm(AlgorithmError::BadSignature) => {
                "Подпись запроса неверна: запрос изменён или подписан не тем ключом. Создайте запрос заново."
                    .to_owned()
            }
            CsrError::Algorithm(e) => format!(
                "Запрос не удалось проверить: {e}. Поддерживаются ключи ГОСТ Р 34.10-2012."
            ),
            CsrError::Signer(e) => format!("Не удалось подписать запрос: {e}."),
            CsrError::Key(e) => format!("Ключ не удалось закодировать: {e}."),
        }
    }

    fn message_en(&self) -> String {
        match self {
            CsrError::Der(e) => format!("Not a PKCS#10 request (DER error: {e})."),
            CsrError::NoPem => {
                "No \"-----BEGIN CERTIFICATE REQUEST-----\" block in the text. Give the request file."
                    .to_owned()
            }
            CsrError::Algorithm(AlgorithmError::BadSignature) => {
                "The request's signature does not verify: it was altered or signed with another key. Make a new request."
                    .to_owned()
            }
            CsrError::Algorithm(e) => format!(
                "The request cannot be checked: {e}. GOST R 34.10-2012 keys are supported."
            ),
            CsrError::Signer(e) => format!("Signing the request failed: {e}."),
            CsrError::Key(e) => format!("The key could not be encoded: {e}."),
        }
    }
}

/// Builds a PKCS#10 request signed by the key it requests a certificate for.
#[derive(Debug, Clone)]
pub struct CsrBuilder {
    subject: Name,
    extensions: Vec<Extension>,
}

impl CsrBuilder {
    /// A request for `subject` with no requested extensions.
    pub fn new(subject: Name) -> Self {
        CsrBuilder {
            subject,
            extensions: Vec::new(),
        }
    }

    /// Requests an extension (carried in the extensionRequest attribute).
    pub fn extension(mut self, extension: Extension) -> Self {
        self.extensions.push(extension);
        self
    }

    /// Signs the request with `signer`, whose public key it carries.
    pub fn build(&self, signer: &dyn Signer) -> Result<CertReq, CsrError> {
        let mut attributes = SetOfVec::new();
        if !self.extensions.is_empty() {
            attributes.insert(Attribute::try_from(ExtensionReq(self.extensions.clone()))?)?;
        }
        let info = CertReqInfo {
            version: Version::V1,
            subject: self.subject.clone(),
            public_key: signer.verifying_key().to_public_key_info()?,
            attributes,
        };
        let signature = signer.sign_message(&info.to_der()?)?;
        Ok(CertReq {
            info,
            algorithm: algorithm::signature_algorithm_identifier(signer.param_set().key_size()),
            signature: BitString::from_bytes(&signature)?,
        })
    }
}

/// A request as DER.
pub fn to_der(csr: &CertReq) -> Result<Vec<u8>, CsrError> {
    Ok(csr.to_der()?)
}

/// A request as PEM `CERTIFICATE REQUEST` with LF line ends.
pub fn to_pem(csr: &CertReq) -> Result<String, CsrError> {
    let der = csr.to_der()?;
    Ok(
        der::pem::encode_string("CERTIFICATE REQUEST", der::pem::LineEnding::LF, &der)
            .map_err(der::Error::from)?,
    )
}

/// Reads a request from DER or PEM (`CERTIFICATE REQUEST` or
/// `NEW CERTIFICATE REQUEST`).
pub fn parse_csr(input: &[u8]) -> Result<CertReq, CsrError> {
    if input.first() == Some(&0x30) {
        return Ok(CertReq::from_der(input)?);
    }
    let der = pem_blocks(input, &["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"])?
        .into_iter()
        .next()
        .ok_or(CsrError::NoPem)?;
    Ok(CertReq::from_der(&der)?)
}

/// A request whose proof of possession verified.
#[derive(Debug, Clone)]
pub struct VerifiedCsr {
    /// The requested subject.
    pub subject: Name,
    /// The subject's attributes.
    pub identity: SubjectIdentity,
    /// The key to certify.
    pub key: VerifyingKey,
    /// The extensions requested through extensionRequest.
    pub extensions: Vec<Extension>,
}

/// Checks the request's signature with its own key (proof of possession)
/// and returns what it asks for. The signed part is re-encoded from the
/// parsed request; use [`verify_csr_der`] to check the original bytes.
pub fn verify_csr(csr: &CertReq) -> Result<VerifiedCsr, CsrError> {
    let info = csr.info.to_der()?;
    verify_with(csr, &info)
}

/// As [`verify_csr`], over the request's original DER bytes.
pub fn verify_csr_der(der: &[u8]) -> Result<VerifiedCsr, CsrError> {
    let csr = CertReq::from_der(der)?;
    verify_with(&csr, tbs_bytes(der)?)
}

fn verify_with(csr: &CertReq, info: &[u8]) -> Result<VerifiedCsr, CsrError> {
    let signature = csr
        .signature
        .as_bytes()
        .ok_or(CsrError::Algorithm(AlgorithmError::BadSignature))?;
    algorithm::verify_signature(&csr.info.public_key, &csr.algorithm, info, signature)?;
    let key = algorithm::verifying_key(&csr.info.public_key)?;
    Ok(VerifiedCsr {
        subject: csr.info.subject.clone(),
        identity: SubjectIdentity::from_name(&csr.info.subject),
        key,
        extensions: requested_extensions(csr)?,
    })
}

/// The extensions requested in the extensionRequest attribute (also the
/// legacy Microsoft OID 1.3.6.1.4.1.311.2.1.14).
pub fn requested_extensions(csr: &CertReq) -> Result<Vec<Extension>, CsrError> {
    let ms = const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.2.1.14");
    let mut out = Vec::new();
    for attr in csr.info.attributes.iter() {
        if attr.oid != EXTENSION_REQUEST && attr.oid != ms {
            continue;
        }
        for value in attr.values.iter() {
            let exts: Vec<Extension> = decode_any(value)?;
            out.extend(exts);
        }
    }
    Ok(out)
}

fn decode_any(value: &Any) -> Result<Vec<Extension>, CsrError> {
    Ok(Vec::<Extension>::from_der(&value.to_der()?)?)
}
