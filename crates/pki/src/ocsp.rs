//! OCSP, the Online Certificate Status Protocol (RFC 6960): requests,
//! responses, a responder's response builder, and the checks a relying
//! party makes on a response.
//!
//! The ASN.1 types are declared here on `der` 0.8 (the `x509-ocsp` crate is
//! on `der` 0.7 and cannot share types with `x509-cert` 0.3). No transport:
//! bytes in, bytes out; the CLI and the server carry them over HTTP with
//! [`CONTENT_TYPE_REQUEST`] / [`CONTENT_TYPE_RESPONSE`].

use std::time::{Duration, SystemTime};

use const_oid::ObjectIdentifier;
use der::asn1::{BitString, GeneralizedTime, Null, OctetString};
use der::{Decode, Encode, Reader, SliceReader};
use sha1::Digest as _;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::{Extension, Extensions};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

use crate::algorithm::{self, AlgorithmError, DigestAlgorithm};
use crate::cert::{self, ParsedCertificate};
use crate::crl::{CrlReason, same_key, split_signed};
use crate::diagnostic::Diagnostic;
use crate::name::names_match;
use crate::oids;
use crate::signer::{Signer, SignerError};

/// The media type of a DER OCSP request (RFC 6960 Appendix C.1).
pub const CONTENT_TYPE_REQUEST: &str = "application/ocsp-request";
/// The media type of a DER OCSP response (RFC 6960 Appendix C.2).
pub const CONTENT_TYPE_RESPONSE: &str = "application/ocsp-response";

/// The length of the nonces this module generates (RFC 8954 asks for 32 at
/// most; OpenSSL sends 16).
pub const NONCE_LEN: usize = 16;

// --- ASN.1 (RFC 6960 §4.1.1, §4.2.1) -----------------------------------------

/// ```text
/// Version ::= INTEGER { v1(0) }
/// ```
/// (RFC 6960 §4.1.1)
#[derive(Clone, Debug, Default, Copy, PartialEq, Eq, der::Enumerated)]
#[asn1(type = "INTEGER")]
#[repr(u8)]
pub enum Version {
    /// v1, the only version.
    #[default]
    V1 = 0,
}

/// ```text
/// OCSPRequest ::= SEQUENCE {
///     tbsRequest                  TBSRequest,
///     optionalSignature   [0]     EXPLICIT Signature OPTIONAL }
/// ```
/// (RFC 6960 §4.1.1)
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
pub struct OcspRequest {
    /// The requests and extensions.
    pub tbs_request: TbsRequest,
    /// The requestor's signature, if any.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub optional_signature: Option<OcspSignature>,
}

/// ```text
/// TBSRequest ::= SEQUENCE {
///     version             [0]     EXPLICIT Version DEFAULT v1,
///     requestorName       [1]     EXPLICIT GeneralName OPTIONAL,
///     requestList                 SEQUENCE OF Request,
///     requestExtensions   [2]     EXPLICIT Extensions OPTIONAL }
/// ```
/// (RFC 6960 §4.1.1)
#[derive(Clone, Debug, Default, Eq, PartialEq, der::Sequence)]
pub struct TbsRequest {
    /// Always v1.
    #[asn1(
        context_specific = "0",
        default = "Default::default",
        tag_mode = "EXPLICIT"
    )]
    pub version: Version,
    /// Who asks (only meaningful in signed requests).
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    pub requestor_name: Option<GeneralName>,
    /// One entry per certificate asked about.
    pub request_list: Vec<Request>,
    /// Request extensions, e.g. the nonce.
    #[asn1(context_specific = "2", optional = "true", tag_mode = "EXPLICIT")]
    pub request_extensions: Option<Extensions>,
}

/// ```text
/// Signature ::= SEQUENCE {
///     signatureAlgorithm      AlgorithmIdentifier,
///     signature               BIT STRING,
///     certs               [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
/// ```
/// (RFC 6960 §4.1.1)
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
pub struct OcspSignature {
    /// The signature algorithm.
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// The signature over the DER of `tbsRequest`.
    pub signature: BitString,
    /// Certificates helping to verify the signature.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub certs: Option<Vec<Certificate>>,
}

/// ```text
/// Request ::= SEQUENCE {
///     reqCert                     CertID,
///     singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
/// ```
/// (RFC 6960 §4.1.1)
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
pub struct Request {
    /// The certificate asked about.
    pub req_cert: CertId,
    /// Per-certificate extensions.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub single_request_extensions: Option<Extensions>,
}

/// ```text
/// CertID ::= SEQUENCE {
///     hashAlgorithm       AlgorithmIdentifier,
///     issuerNameHash      OCTET STRING, -- Hash of issuer's DN
///     issuerKeyHash       OCTET STRING, -- Hash of issuer's public key
///     serialNumber        CertificateSerialNumber }
/// ```
/// (RFC 6960 §4.1.1). The key hash is over the value of the issuer's
/// subjectPublicKey BIT STRING, without tag, length and unused-bits octet.
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
pub struct CertId {
    /// The hash both hashes were made with.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// Hash of the DER of the issuer's subject Name.
    pub issuer_name_hash: OctetString,
    /// Hash of the issuer's subjectPublicKey bits.
    pub issuer_key_hash: OctetString,
    /// The certificate's serial number.
    pub serial_number: SerialNumber,
}

/// ```text
/// OCSPResponse ::= SEQUENCE {
///    responseStatus         OCSPResponseStatus,
///    responseBytes          [0] EXPLICIT ResponseBytes OPTIONAL }
/// ```
/// (RFC 6960 §4.2.1)
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
pub struct OcspResponse {
    /// Whether the responder could answer.
    pub response_status: OcspResponseStatus,
    /// The answer, present when the status is successful.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub response_bytes: Option<ResponseBytes>,
}

/// ```text
/// OCSPResponseStatus ::= ENUMERATED {
///     successful            (0),  -- Response has valid confirmations
///     malformedRequest      (1),  -- Illegal confirmation request
///     internalError         (2),  -- Internal error in issuer
///     tryLater              (3),  -- Try again later
///                                 -- (4) is not used
///     sigRequired           (5),  -- Must sign the request
///     unauthorized          (6)   -- Request unauthorized }
/// ```
/// (RFC 6960 §4.2.1)
#[derive(der::Enumerated, Copy, Clone, Debug, Eq, PartialEq)]
#[repr(u32)]
pub enum OcspResponseStatus {
    /// The response carries confirmations.
    Successful = 0,
    /// The request could not be parsed.
    MalformedRequest = 1,
    /// The responder failed.
    InternalError = 2,
    /// The responder cannot answer now.
    TryLater = 3,
    /// The responder requires signed requests.
    SigRequired = 5,
    /// The responder will not answer this client.
    Unauthorized = 6,
}

impl OcspResponseStatus {
    /// The RFC 6960 name, for reports.
    pub const fn name(self) -> &'static str {
        match self {
            OcspResponseStatus::Successful => "successful",
            OcspResponseStatus::MalformedRequest => "malformedRequest",
            OcspResponseStatus::InternalError => "internalError",
            OcspResponseStatus::TryLater => "tryLater",
            OcspResponseStatus::SigRequired => "sigRequired",
            OcspResponseStatus::Unauthorized => "unauthorized",
        }
    }
}

/// ```text
/// ResponseBytes ::=       SEQUENCE {
///     responseType   OBJECT IDENTIFIER,
///     response       OCTET STRING }
/// ```
/// (RFC 6960 §4.2.1); for id-pkix-ocsp-basic the octets are a
/// [`BasicOcspResponse`].
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
pub struct ResponseBytes {
    /// The response type, id-pkix-ocsp-basic.
    pub response_type: ObjectIdentifier,
    /// The DER of the typed response.
    pub response: OctetString,
}

/// ```text
/// BasicOCSPResponse       ::= SEQUENCE {
///    tbsResponseData      ResponseData,
///    signatureAlgorithm   AlgorithmIdentifier,
///    signature            BIT STRING,
///    certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
/// ```
/// (RFC 6960 §4.2.1)
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
pub struct BasicOcspResponse {
    /// What the responder signs.
    pub tbs_response_data: ResponseData,
    /// The signature algorithm.
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// The signature over the DER of `tbsResponseData`.
    pub signature: BitString,
    /// Certificates helping to verify the signature (the responder's).
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub certs: Option<Vec<Certificate>>,
}

/// ```text
/// ResponseData ::= SEQUENCE {
///    version              [0] EXPLICIT Version DEFAULT v1,
///    responderID              ResponderID,
///    producedAt               GeneralizedTime,
///    responses                SEQUENCE OF SingleResponse,
///    responseExtensions   [1] EXPLICIT Extensions OPTIONAL }
/// ```
/// (RFC 6960 §4.2.1)
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
pub struct ResponseData {
    /// Always v1.
    #[asn1(
        context_specific = "0",
        default = "Default::default",
        tag_mode = "EXPLICIT"
    )]
    pub version: Version,
    /// Who signed.
    pub responder_id: ResponderId,
    /// When the response was signed.
    pub produced_at: GeneralizedTime,
    /// One answer per certificate.
    pub responses: Vec<SingleResponse>,
    /// Response extensions, e.g. the nonce.
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    pub response_extensions: Option<Extensions>,
}

/// ```text
/// ResponderID ::= CHOICE {
///    byName   [1] Name,
///    byKey    [2] KeyHash }
/// KeyHash ::= OCTET STRING -- SHA-1 hash of responder's public key
///                          -- (excluding the tag and length fields)
/// ```
/// (RFC 6960 §4.2.1; the module uses EXPLICIT tags)
#[derive(Clone, Debug, Eq, PartialEq, der::Choice)]
pub enum ResponderId {
    /// The responder certificate's subject.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", constructed = "true")]
    ByName(Name),
    /// SHA-1 of the responder's subjectPublicKey bits.
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", constructed = "true")]
    ByKey(OctetString),
}

/// ```text
/// SingleResponse ::= SEQUENCE {
///    certID                       CertID,
///    certStatus                   CertStatus,
///    thisUpdate                   GeneralizedTime,
///    nextUpdate         [0]       EXPLICIT GeneralizedTime OPTIONAL,
///    singleExtensions   [1]       EXPLICIT Extensions OPTIONAL }
/// ```
/// (RFC 6960 §4.2.1)
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
pub struct SingleResponse {
    /// The certificate answered about.
    pub cert_id: CertId,
    /// Its status.
    pub cert_status: CertStatus,
    /// When the status was known to be correct.
    pub this_update: GeneralizedTime,
    /// When newer information will be available.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub next_update: Option<GeneralizedTime>,
    /// Per-certificate extensions.
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    pub single_extensions: Option<Extensions>,
}

/// ```text
/// CertStatus ::= CHOICE {
///     good        [0]     IMPLICIT NULL,
///     revoked     [1]     IMPLICIT RevokedInfo,
///     unknown     [2]     IMPLICIT UnknownInfo }
/// UnknownInfo ::= NULL
/// ```
/// (RFC 6960 §4.2.1)
#[derive(Clone, Copy, Debug, Eq, PartialEq, der::Choice)]
pub enum CertStatus {
    /// Not revoked.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    /// Revoked, with when and why.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    /// The responder does not know the certificate.
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

/// ```text
/// RevokedInfo ::= SEQUENCE {
///     revocationTime              GeneralizedTime,
///     revocationReason    [0]     EXPLICIT CRLReason OPTIONAL }
/// ```
/// (RFC 6960 §4.2.1)
#[derive(Clone, Copy, Debug, Eq, PartialEq, der::Sequence)]
pub struct RevokedInfo {
    /// When the certificate was revoked.
    pub revocation_time: GeneralizedTime,
    /// Why, if the responder says.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub revocation_reason: Option<CrlReason>,
}

// --- errors ---------------------------------------------------------------------

/// Why a responder certificate is not accepted as the signer of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotAuthorized {
    /// No certificate matching the ResponderID is at hand (not the CA, not
    /// in the response, not trusted).
    ResponderNotFound,
    /// The responder certificate was not issued and signed by the
    /// certificate's CA.
    NotIssuedByCa,
    /// The responder certificate lacks extendedKeyUsage id-kp-OCSPSigning.
    NoOcspSigningUsage,
    /// The responder certificate is outside its validity period.
    Expired,
}

/// Why an OCSP message could not be built, read, or relied on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OcspError {
    /// The bytes are not an OCSP message.
    #[error("malformed OCSP message: {0}")]
    Malformed(der::Error),
    /// A value could not be encoded.
    #[error("cannot encode the OCSP message: {0}")]
    Encode(der::Error),
    /// The responder answered with an error status.
    #[error("the OCSP responder answered {}", .0.name())]
    NotSuccessful(OcspResponseStatus),
    /// A response type other than id-pkix-ocsp-basic.
    #[error("unsupported OCSP response type {0}")]
    UnsupportedResponseType(ObjectIdentifier),
    /// The response is not signed by the CA or by a responder the CA authorised.
    #[error("the OCSP responder is not authorised: {0:?}")]
    ResponderNotAuthorized(NotAuthorized),
    /// The response signature does not verify.
    #[error("OCSP response signature: {0}")]
    BadSignature(AlgorithmError),
    /// The response does not cover the certificate asked about.
    #[error("the OCSP response is about another certificate")]
    WrongCertificate,
    /// The response carries another nonce than the request.
    #[error("the OCSP response nonce does not match the request")]
    NonceMismatch,
    /// The request had a nonce and the response has none.
    #[error("the OCSP response has no nonce")]
    NonceMissing,
    /// thisUpdate is in the future.
    #[error("the OCSP response is not yet valid")]
    NotYetValid,
    /// nextUpdate has passed, or (without nextUpdate) thisUpdate is too old.
    #[error("the OCSP response is stale")]
    Stale,
    /// A CertID hash algorithm this module does not compute.
    #[error("unsupported CertID hash algorithm {0}")]
    UnsupportedHash(ObjectIdentifier),
    /// The signer's key is not the responder certificate's key.
    #[error("the signing key is not the responder certificate's key")]
    SignerKeyMismatch,
    /// A request without any certificate.
    #[error("an OCSP request needs at least one CertID")]
    EmptyRequest,
    /// The signer failed.
    #[error("signing the OCSP response failed: {0}")]
    Signer(#[from] SignerError),
    /// The system's random generator failed.
    #[error("no randomness for the nonce: {0}")]
    Random(getrandom::Error),
}

impl Diagnostic for OcspError {
    fn code(&self) -> &'static str {
        match self {
            OcspError::Malformed(_) => "OCSP_MALFORMED",
            OcspError::Encode(_) => "OCSP_ENCODING_FAILED",
            OcspError::NotSuccessful(_) => "OCSP_NOT_SUCCESSFUL",
            OcspError::UnsupportedResponseType(_) => "OCSP_UNSUPPORTED_RESPONSE_TYPE",
            OcspError::ResponderNotAuthorized(_) => "OCSP_RESPONDER_NOT_AUTHORIZED",
            OcspError::BadSignature(_) => "OCSP_SIGNATURE_INVALID",
            OcspError::WrongCertificate => "OCSP_WRONG_CERTIFICATE",
            OcspError::NonceMismatch => "OCSP_NONCE_MISMATCH",
            OcspError::NonceMissing => "OCSP_NONCE_MISSING",
            OcspError::NotYetValid => "OCSP_RESPONSE_NOT_YET_VALID",
            OcspError::Stale => "OCSP_RESPONSE_STALE",
            OcspError::UnsupportedHash(_) => "OCSP_UNSUPPORTED_HASH",
            OcspError::SignerKeyMismatch => "OCSP_SIGNER_KEY_MISMATCH",
            OcspError::EmptyRequest => "OCSP_EMPTY_REQUEST",
            OcspError::Signer(_) => "OCSP_SIGNING_FAILED",
            OcspError::Random(_) => "OCSP_RANDOM_FAILED",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            OcspError::Malformed(e) => format!("Ответ или запрос OCSP повреждён ({e}). Проверьте адрес службы OCSP и повторите запрос."),
            OcspError::Encode(e) => format!("Не удалось закодировать сообщение OCSP ({e}). Проверьте даты и сертификаты."),
            OcspError::NotSuccessful(s) => format!("Служба OCSP ответила ошибкой «{}». Повторите позже или используйте CRL.", s.name()),
            OcspError::UnsupportedResponseType(oid) => format!("Тип ответа OCSP {oid} не поддерживается. Используйте службу, отвечающая в формате id-pkix-ocsp-basic."),
            OcspError::ResponderNotAuthorized(why) => format!("Ответ OCSP подписан сертификатом, которому УЦ не поручал OCSP ({}). Не доверяйте ответу; обратитесь к службе OCSP этого УЦ.", not_authorized_ru(*why)),
            OcspError::BadSignature(e) => format!("Подпись ответа OCSP неверна ({e}). Ответ подделан или повреждён; повторите запрос."),
            OcspError::WrongCertificate => "Ответ OCSP относится к другому сертификату. Проверьте адрес службы OCSP и повторите запрос.".into(),
            OcspError::NonceMismatch => "Nonce в ответе OCSP не совпадает с запросом: возможна подмена (повтор старого ответа). Повторите запрос.".into(),
            OcspError::NonceMissing => "Служба OCSP не вернула nonce. Повторите запрос или разрешите ответы без nonce в политике проверки.".into(),
            OcspError::NotYetValid => "Ответ OCSP выпущен в будущем. Проверьте часы компьютера и службы OCSP.".into(),
            OcspError::Stale => "Ответ OCSP устарел. Получите свежий ответ от службы OCSP.".into(),
            OcspError::UnsupportedHash(oid) => format!("Алгоритм хэширования {oid} в CertID не поддерживается. Используйте SHA-1 или Стрибог."),
            OcspError::SignerKeyMismatch => "Ключ подписи не соответствует сертификату службы OCSP. Укажите ключ этого сертификата.".into(),
            OcspError::EmptyRequest => "Запрос OCSP должен содержать хотя бы один сертификат. Укажите сертификат для проверки.".into(),
            OcspError::Signer(e) => format!("Не удалось подписать ответ OCSP ({e}). Проверьте доступ к ключу."),
            OcspError::Random(e) => format!("Нет доступа к генератору случайных чисел ({e}). Проверьте систему."),
        }
    }

    fn message_en(&self) -> String {
        match self {
            OcspError::Malformed(e) => format!("The OCSP response or request is malformed ({e}). Check the OCSP service address and ask again."),
            OcspError::Encode(e) => format!("Cannot encode the OCSP message ({e}). Check its dates and certificates."),
            OcspError::NotSuccessful(s) => format!("The OCSP responder answered \"{}\". Try again later or use a CRL.", s.name()),
            OcspError::UnsupportedResponseType(oid) => format!("OCSP response type {oid} is not supported. Use a responder answering id-pkix-ocsp-basic."),
            OcspError::ResponderNotAuthorized(why) => format!("The OCSP response is signed by a certificate the CA did not authorise for OCSP ({}). Do not trust it; ask this CA's OCSP service.", not_authorized_en(*why)),
            OcspError::BadSignature(e) => format!("The OCSP response signature is invalid ({e}). It is forged or damaged; ask again."),
            OcspError::WrongCertificate => "The OCSP response is about another certificate. Check the OCSP service address and ask again.".into(),
            OcspError::NonceMismatch => "The OCSP response nonce differs from the request's: it may be a replayed answer. Ask again.".into(),
            OcspError::NonceMissing => "The OCSP responder returned no nonce. Ask again, or allow responses without a nonce in the policy.".into(),
            OcspError::NotYetValid => "The OCSP response is dated in the future. Check this computer's and the responder's clocks.".into(),
            OcspError::Stale => "The OCSP response is stale. Get a fresh response from the OCSP service.".into(),
            OcspError::UnsupportedHash(oid) => format!("CertID hash algorithm {oid} is not supported. Use SHA-1 or Streebog."),
            OcspError::SignerKeyMismatch => "The signing key does not match the responder certificate. Use that certificate's key.".into(),
            OcspError::EmptyRequest => "An OCSP request needs at least one certificate. Name the certificate to check.".into(),
            OcspError::Signer(e) => format!("Signing the OCSP response failed ({e}). Check access to the key."),
            OcspError::Random(e) => format!("The random generator is unavailable ({e}). Check the system."),
        }
    }
}

fn not_authorized_ru(why: NotAuthorized) -> &'static str {
    match why {
        NotAuthorized::ResponderNotFound => "сертификат подписавшего не найден",
        NotAuthorized::NotIssuedByCa => "сертификат выпущен не этим УЦ",
        NotAuthorized::NoOcspSigningUsage => "в сертификате нет назначения OCSPSigning",
        NotAuthorized::Expired => "срок действия сертификата истёк",
    }
}

fn not_authorized_en(why: NotAuthorized) -> &'static str {
    match why {
        NotAuthorized::ResponderNotFound => "the signer's certificate is not at hand",
        NotAuthorized::NotIssuedByCa => "the certificate was not issued by this CA",
        NotAuthorized::NoOcspSigningUsage => "the certificate lacks the OCSPSigning usage",
        NotAuthorized::Expired => "the certificate has expired",
    }
}

// --- CertID -----------------------------------------------------------------------

/// The hash algorithms a CertID is made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertIdHash {
    /// SHA-1: OpenSSL's default and what most responders expect.
    Sha1,
    /// GOST R 34.11-2012, 256 bits.
    Streebog256,
    /// GOST R 34.11-2012, 512 bits.
    Streebog512,
}

impl CertIdHash {
    /// The algorithm named by an OID, if supported.
    pub fn from_oid(oid: &ObjectIdentifier) -> Result<Self, OcspError> {
        match *oid {
            oids::SHA1 => Ok(CertIdHash::Sha1),
            oids::ID_TC26_GOST3411_12_256 => Ok(CertIdHash::Streebog256),
            oids::ID_TC26_GOST3411_12_512 => Ok(CertIdHash::Streebog512),
            other => Err(OcspError::UnsupportedHash(other)),
        }
    }

    /// The AlgorithmIdentifier: SHA-1 with NULL parameters as OpenSSL
    /// writes it, Streebog with parameters absent (RFC 9215).
    pub fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        match self {
            CertIdHash::Sha1 => AlgorithmIdentifierOwned {
                oid: oids::SHA1,
                parameters: Some(der::Any::null()),
            },
            CertIdHash::Streebog256 => DigestAlgorithm::Streebog256.algorithm_identifier(),
            CertIdHash::Streebog512 => DigestAlgorithm::Streebog512.algorithm_identifier(),
        }
    }

    /// The hash of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            CertIdHash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            CertIdHash::Streebog256 => DigestAlgorithm::Streebog256.digest(data),
            CertIdHash::Streebog512 => DigestAlgorithm::Streebog512.digest(data),
        }
    }
}

impl CertId {
    /// The CertID of the certificate `serial` issued by `issuer`.
    pub fn new(
        issuer: &Certificate,
        serial: SerialNumber,
        hash: CertIdHash,
    ) -> Result<CertId, OcspError> {
        let (name_hash, key_hash) = issuer_hashes(issuer, hash)?;
        Ok(CertId {
            hash_algorithm: hash.algorithm_identifier(),
            issuer_name_hash: OctetString::new(name_hash).map_err(OcspError::Encode)?,
            issuer_key_hash: OctetString::new(key_hash).map_err(OcspError::Encode)?,
            serial_number: serial,
        })
    }

    /// The CertID of `cert`, issued by `issuer`.
    pub fn for_certificate(
        issuer: &Certificate,
        cert: &Certificate,
        hash: CertIdHash,
    ) -> Result<CertId, OcspError> {
        CertId::new(issuer, cert.tbs_certificate().serial_number().clone(), hash)
    }

    /// Whether this CertID names certificate `serial` of `issuer`,
    /// recomputing the hashes with the CertID's own algorithm.
    pub fn matches(&self, issuer: &Certificate, serial: &SerialNumber) -> Result<bool, OcspError> {
        if self.serial_number != *serial {
            return Ok(false);
        }
        let hash = CertIdHash::from_oid(&self.hash_algorithm.oid)?;
        let (name_hash, key_hash) = issuer_hashes(issuer, hash)?;
        Ok(self.issuer_name_hash.as_bytes() == name_hash.as_slice()
            && self.issuer_key_hash.as_bytes() == key_hash.as_slice())
    }
}

fn issuer_hashes(issuer: &Certificate, hash: CertIdHash) -> Result<(Vec<u8>, Vec<u8>), OcspError> {
    let tbs = issuer.tbs_certificate();
    let name = tbs.subject().to_der().map_err(OcspError::Encode)?;
    let key = tbs.subject_public_key_info().subject_public_key.raw_bytes();
    Ok((hash.digest(&name), hash.digest(key)))
}

// --- nonce ------------------------------------------------------------------------

/// The nonce extension as RFC 8954 and OpenSSL write it: extnValue is the
/// DER of an OCTET STRING holding the nonce.
fn nonce_extension(nonce: &[u8]) -> Result<Extension, OcspError> {
    let inner = OctetString::new(nonce)
        .and_then(|o| o.to_der())
        .map_err(OcspError::Encode)?;
    Ok(Extension {
        extn_id: oids::OCSP_NONCE,
        critical: false,
        extn_value: OctetString::new(inner).map_err(OcspError::Encode)?,
    })
}

/// The nonce in a list of extensions: the content of the inner OCTET
/// STRING, or the raw extnValue for responders that put the bytes there.
fn find_nonce(exts: Option<&Extensions>) -> Option<Vec<u8>> {
    let ext = exts?.iter().find(|e| e.extn_id == oids::OCSP_NONCE)?;
    let raw = ext.extn_value.as_bytes();
    Some(match OctetString::from_der(raw) {
        Ok(inner) => inner.as_bytes().to_vec(),
        Err(_) => raw.to_vec(),
    })
}

/// A fresh random nonce of [`NONCE_LEN`] bytes.
pub fn random_nonce() -> Result<Vec<u8>, OcspError> {
    let mut nonce = vec![0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(OcspError::Random)?;
    Ok(nonce)
}

// --- requests ---------------------------------------------------------------------

/// Builds an unsigned OCSP request for one or more certificates.
#[derive(Debug, Clone, Default)]
pub struct RequestBuilder {
    ids: Vec<CertId>,
    nonce: Option<Vec<u8>>,
}

impl RequestBuilder {
    /// An empty request.
    pub fn new() -> Self {
        RequestBuilder::default()
    }

    /// Asks about one more certificate.
    pub fn cert_id(mut self, id: CertId) -> Self {
        self.ids.push(id);
        self
    }

    /// Sends this nonce (RFC 8954).
    pub fn nonce(mut self, nonce: Vec<u8>) -> Self {
        self.nonce = Some(nonce);
        self
    }

    /// Sends a fresh random nonce of [`NONCE_LEN`] bytes.
    pub fn random_nonce(self) -> Result<Self, OcspError> {
        Ok(self.nonce(random_nonce()?))
    }

    /// The nonce this request carries.
    pub fn nonce_value(&self) -> Option<&[u8]> {
        self.nonce.as_deref()
    }

    /// The request.
    pub fn build(&self) -> Result<OcspRequest, OcspError> {
        if self.ids.is_empty() {
            return Err(OcspError::EmptyRequest);
        }
        let request_extensions = match &self.nonce {
            Some(n) => Some(vec![nonce_extension(n)?]),
            None => None,
        };
        Ok(OcspRequest {
            tbs_request: TbsRequest {
                version: Version::V1,
                requestor_name: None,
                request_list: self
                    .ids
                    .iter()
                    .map(|id| Request {
                        req_cert: id.clone(),
                        single_request_extensions: None,
                    })
                    .collect(),
                request_extensions,
            },
            optional_signature: None,
        })
    }

    /// The request in DER, as POSTed with [`CONTENT_TYPE_REQUEST`].
    pub fn build_der(&self) -> Result<Vec<u8>, OcspError> {
        self.build()?.to_der().map_err(OcspError::Encode)
    }
}

/// Reads a DER OCSP request.
pub fn parse_request(der: &[u8]) -> Result<OcspRequest, OcspError> {
    OcspRequest::from_der(der).map_err(OcspError::Malformed)
}

impl OcspRequest {
    /// The request's nonce, wrapped (RFC 8954) or raw.
    pub fn nonce(&self) -> Option<Vec<u8>> {
        find_nonce(self.tbs_request.request_extensions.as_ref())
    }

    /// The CertIDs asked about.
    pub fn cert_ids(&self) -> impl Iterator<Item = &CertId> {
        self.tbs_request.request_list.iter().map(|r| &r.req_cert)
    }
}

// --- responses: building ------------------------------------------------------------

/// How a response names its signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponderIdKind {
    /// byKey: SHA-1 of the responder's public key bits (what OpenSSL writes
    /// with `-resp_key_id`; compact and unambiguous).
    #[default]
    ByKey,
    /// byName: the responder certificate's subject.
    ByName,
}

/// The error statuses a responder can answer with (no responseBytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcspErrorStatus {
    /// malformedRequest (1).
    MalformedRequest,
    /// internalError (2).
    InternalError,
    /// tryLater (3).
    TryLater,
    /// sigRequired (5).
    SigRequired,
    /// unauthorized (6).
    Unauthorized,
}

/// An error response: a status and no responseBytes.
pub fn error_response(status: OcspErrorStatus) -> OcspResponse {
    OcspResponse {
        response_status: match status {
            OcspErrorStatus::MalformedRequest => OcspResponseStatus::MalformedRequest,
            OcspErrorStatus::InternalError => OcspResponseStatus::InternalError,
            OcspErrorStatus::TryLater => OcspResponseStatus::TryLater,
            OcspErrorStatus::SigRequired => OcspResponseStatus::SigRequired,
            OcspErrorStatus::Unauthorized => OcspResponseStatus::Unauthorized,
        },
        response_bytes: None,
    }
}

/// Builds a signed BasicOCSPResponse for a CA's responder: the CA itself or
/// a delegated responder certificate with id-kp-OCSPSigning issued by it.
#[derive(Debug, Clone)]
pub struct ResponseBuilder<'a> {
    responder: &'a Certificate,
    id_kind: ResponderIdKind,
    produced_at: SystemTime,
    responses: Vec<SingleResponse>,
    nonce: Option<Vec<u8>>,
    include_certificate: bool,
}

impl<'a> ResponseBuilder<'a> {
    /// A response signed by the holder of `responder`, produced at `produced_at`.
    pub fn new(responder: &'a Certificate, produced_at: SystemTime) -> Self {
        ResponseBuilder {
            responder,
            id_kind: ResponderIdKind::ByKey,
            produced_at,
            responses: Vec::new(),
            nonce: None,
            include_certificate: true,
        }
    }

    /// How to name the responder (byKey by default).
    pub fn responder_id(mut self, kind: ResponderIdKind) -> Self {
        self.id_kind = kind;
        self
    }

    /// Whether to include the responder certificate in `certs` (yes by default).
    pub fn include_certificate(mut self, include: bool) -> Self {
        self.include_certificate = include;
        self
    }

    /// Echoes a nonce (from [`OcspRequest::nonce`]).
    pub fn nonce(mut self, nonce: Option<Vec<u8>>) -> Self {
        self.nonce = nonce;
        self
    }

    /// Adds an answer with any status.
    pub fn respond(
        mut self,
        id: CertId,
        status: CertStatus,
        this_update: SystemTime,
        next_update: Option<SystemTime>,
    ) -> Result<Self, OcspError> {
        self.responses.push(SingleResponse {
            cert_id: id,
            cert_status: status,
            this_update: gtime(this_update)?,
            next_update: next_update.map(gtime).transpose()?,
            single_extensions: None,
        });
        Ok(self)
    }

    /// Adds a `good` answer.
    pub fn good(
        self,
        id: CertId,
        this_update: SystemTime,
        next_update: Option<SystemTime>,
    ) -> Result<Self, OcspError> {
        self.respond(id, CertStatus::Good(Null), this_update, next_update)
    }

    /// Adds a `revoked` answer.
    pub fn revoked(
        self,
        id: CertId,
        revocation_time: SystemTime,
        reason: Option<CrlReason>,
        this_update: SystemTime,
        next_update: Option<SystemTime>,
    ) -> Result<Self, OcspError> {
        let info = RevokedInfo {
            revocation_time: gtime(revocation_time)?,
            revocation_reason: reason,
        };
        self.respond(id, CertStatus::Revoked(info), this_update, next_update)
    }

    /// Adds an `unknown` answer.
    pub fn unknown(
        self,
        id: CertId,
        this_update: SystemTime,
        next_update: Option<SystemTime>,
    ) -> Result<Self, OcspError> {
        self.respond(id, CertStatus::Unknown(Null), this_update, next_update)
    }

    /// Signs the response. The signer's key must be the responder
    /// certificate's key.
    pub fn build(&self, signer: &dyn Signer) -> Result<OcspResponse, OcspError> {
        let spki = self.responder.tbs_certificate().subject_public_key_info();
        // The same key bits as the signer's encode: the same key, without
        // decoding and validating the point again for every response (a
        // responder signs many). Otherwise compare the decoded points.
        let same_bits = signer
            .verifying_key()
            .to_public_key_info()
            .is_ok_and(|ours| ours.subject_public_key == spki.subject_public_key);
        if !same_bits {
            let key = algorithm::verifying_key(spki).map_err(OcspError::BadSignature)?;
            if !same_key(&key, signer.verifying_key()) {
                return Err(OcspError::SignerKeyMismatch);
            }
        }
        let responder_id = match self.id_kind {
            ResponderIdKind::ByKey => ResponderId::ByKey(
                OctetString::new(sha1::Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec())
                    .map_err(OcspError::Encode)?,
            ),
            ResponderIdKind::ByName => {
                ResponderId::ByName(self.responder.tbs_certificate().subject().clone())
            }
        };
        let response_extensions = match &self.nonce {
            Some(n) => Some(vec![nonce_extension(n)?]),
            None => None,
        };
        let tbs = ResponseData {
            version: Version::V1,
            responder_id,
            produced_at: gtime(self.produced_at)?,
            responses: self.responses.clone(),
            response_extensions,
        };
        let tbs_der = tbs.to_der().map_err(OcspError::Encode)?;
        let signature = signer.sign_message(&tbs_der)?;
        let basic = BasicOcspResponse {
            tbs_response_data: tbs,
            signature_algorithm: algorithm::signature_algorithm_identifier(
                signer.param_set().key_size(),
            ),
            signature: BitString::from_bytes(&signature).map_err(OcspError::Encode)?,
            certs: self
                .include_certificate
                .then(|| vec![self.responder.clone()]),
        };
        Ok(OcspResponse {
            response_status: OcspResponseStatus::Successful,
            response_bytes: Some(ResponseBytes {
                response_type: oids::OCSP_BASIC,
                response: OctetString::new(basic.to_der().map_err(OcspError::Encode)?)
                    .map_err(OcspError::Encode)?,
            }),
        })
    }

    /// Signs the response and encodes it in DER.
    pub fn build_der(&self, signer: &dyn Signer) -> Result<Vec<u8>, OcspError> {
        self.build(signer)?.to_der().map_err(OcspError::Encode)
    }
}

fn gtime(at: SystemTime) -> Result<GeneralizedTime, OcspError> {
    GeneralizedTime::from_system_time(at).map_err(OcspError::Encode)
}

// --- responses: reading and checking ---------------------------------------------------

/// A parsed OCSP response, with the signed bytes kept as received.
#[derive(Debug, Clone)]
pub struct ParsedResponse {
    status: OcspResponseStatus,
    basic: Option<(BasicOcspResponse, Vec<u8>)>,
    /// The embedded certificates' encodings as received, in `certs` order.
    cert_ders: Vec<Vec<u8>>,
}

/// Reads a DER OCSP response. An error status is not an error here (see
/// [`ParsedResponse::status`]); an unknown response type is.
pub fn parse_response(der: &[u8]) -> Result<ParsedResponse, OcspError> {
    let resp = OcspResponse::from_der(der).map_err(OcspError::Malformed)?;
    let mut cert_ders = Vec::new();
    let basic = match resp.response_bytes {
        None => None,
        Some(bytes) => {
            if bytes.response_type != oids::OCSP_BASIC {
                return Err(OcspError::UnsupportedResponseType(bytes.response_type));
            }
            let der = bytes.response.as_bytes();
            // Leniently: embedded certificates may carry BER BOOLEANs.
            let basic: BasicOcspResponse =
                cert::decode_lenient(der).map_err(OcspError::Malformed)?;
            let (tbs, _, _) = split_signed(der).map_err(OcspError::Malformed)?;
            cert_ders = embedded_certificates(der).map_err(OcspError::Malformed)?;
            Some((basic, tbs.to_vec()))
        }
    };
    if resp.response_status == OcspResponseStatus::Successful && basic.is_none() {
        return Err(OcspError::Malformed(der::Error::from(
            der::ErrorKind::Failed,
        )));
    }
    Ok(ParsedResponse {
        status: resp.response_status,
        basic,
        cert_ders,
    })
}

/// The encodings of the certificates of a BasicOCSPResponse, as received:
/// `SEQUENCE { tbsResponseData, signatureAlgorithm, signature,
/// certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }`.
fn embedded_certificates(basic_der: &[u8]) -> Result<Vec<Vec<u8>>, der::Error> {
    let mut reader = SliceReader::new(basic_der)?;
    reader.sequence(|r| {
        for _ in 0..3 {
            r.tlv_bytes()?;
        }
        let mut out = Vec::new();
        if r.is_finished() {
            return Ok(out);
        }
        let explicit = der::asn1::AnyRef::decode(r)?;
        let mut inner = SliceReader::new(explicit.value())?;
        inner.sequence(|certs| {
            while !certs.is_finished() {
                out.push(certs.tlv_bytes()?.to_vec());
            }
            Ok::<_, der::Error>(())
        })?;
        Ok(out)
    })
}

impl ParsedResponse {
    /// The response status.
    pub fn status(&self) -> OcspResponseStatus {
        self.status
    }

    /// The BasicOCSPResponse of a successful response.
    pub fn basic(&self) -> Option<&BasicOcspResponse> {
        self.basic.as_ref().map(|(b, _)| b)
    }

    /// The response's nonce, wrapped (RFC 8954) or raw.
    pub fn nonce(&self) -> Option<Vec<u8>> {
        find_nonce(self.basic()?.tbs_response_data.response_extensions.as_ref())
    }

    /// The certificates embedded in the response.
    pub fn certificates(&self) -> &[Certificate] {
        self.basic().and_then(|b| b.certs.as_deref()).unwrap_or(&[])
    }

    /// Whether `cert` is the one the ResponderID names.
    pub fn names_responder(&self, cert: &Certificate) -> bool {
        let Some(basic) = self.basic() else {
            return false;
        };
        let tbs = cert.tbs_certificate();
        match &basic.tbs_response_data.responder_id {
            ResponderId::ByName(name) => names_match(name, tbs.subject()),
            ResponderId::ByKey(hash) => {
                hash.as_bytes()
                    == sha1::Sha1::digest(
                        tbs.subject_public_key_info().subject_public_key.raw_bytes(),
                    )
                    .as_slice()
            }
        }
    }

    /// Checks the response signature with `cert`'s key (no authorisation check).
    pub fn verify_signature_with(&self, cert: &Certificate) -> Result<(), OcspError> {
        let (basic, tbs) = self
            .basic
            .as_ref()
            .ok_or(OcspError::NotSuccessful(self.status))?;
        let signature = basic
            .signature
            .as_bytes()
            .ok_or(OcspError::BadSignature(AlgorithmError::BadSignature))?;
        algorithm::verify_signature(
            cert.tbs_certificate().subject_public_key_info(),
            &basic.signature_algorithm,
            tbs,
            signature,
        )
        .map_err(OcspError::BadSignature)
    }
}

/// What a relying party accepts in an OCSP response.
#[derive(Debug, Clone)]
pub struct OcspPolicy {
    /// How far thisUpdate may lie in the future, and nextUpdate in the
    /// past, for clock skew (5 minutes by default).
    pub clock_tolerance: Duration,
    /// The oldest thisUpdate accepted when the response has no nextUpdate
    /// (1 hour by default).
    pub max_age: Duration,
    /// Whether a response without a nonce is refused when the request had
    /// one (yes by default; pre-produced responses carry no nonce).
    pub require_nonce: bool,
    /// Responder certificates trusted directly (like OpenSSL's `-VAfile`),
    /// whoever issued them.
    pub trusted_responders: Vec<Certificate>,
}

impl Default for OcspPolicy {
    fn default() -> Self {
        OcspPolicy {
            clock_tolerance: Duration::from_secs(300),
            max_age: Duration::from_secs(3600),
            require_nonce: true,
            trusted_responders: Vec::new(),
        }
    }
}

/// The status OCSP gives a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcspCertStatus {
    /// Not revoked.
    Good,
    /// Revoked at `time`, for `reason` if given.
    Revoked {
        /// revocationTime.
        time: SystemTime,
        /// revocationReason.
        reason: Option<CrlReason>,
    },
    /// The responder does not know the certificate.
    Unknown,
}

/// Who signed a response that was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponderKind {
    /// The CA itself.
    Issuer,
    /// A responder certificate the CA issued with id-kp-OCSPSigning.
    Delegated,
    /// A responder trusted by policy ([`OcspPolicy::trusted_responders`]).
    Trusted,
}

/// A verified answer about one certificate.
#[derive(Debug, Clone)]
pub struct OcspStatus {
    /// The certificate's status.
    pub status: OcspCertStatus,
    /// thisUpdate of the single response.
    pub this_update: SystemTime,
    /// nextUpdate of the single response.
    pub next_update: Option<SystemTime>,
    /// producedAt of the response.
    pub produced_at: SystemTime,
    /// The certificate whose key signed the response.
    pub responder: Certificate,
    /// How the responder was authorised.
    pub responder_kind: ResponderKind,
}

/// Parses and checks a DER response about certificate `serial` of
/// `issuer`; see [`verify_parsed_response`].
pub fn verify_response(
    response_der: &[u8],
    issuer: &Certificate,
    serial: &SerialNumber,
    expected_nonce: Option<&[u8]>,
    at: SystemTime,
    policy: &OcspPolicy,
) -> Result<OcspStatus, OcspError> {
    let parsed = parse_response(response_der)?;
    verify_parsed_response(&parsed, issuer, serial, expected_nonce, at, policy)
}

/// Checks a response, in this order, each failure its own error: the
/// status is successful; the signer is the CA, a trusted responder, or an
/// embedded certificate issued and signed by the CA with id-kp-OCSPSigning
/// and valid at `at`; the signature verifies; a single response covers
/// the certificate (CertID recomputed with its own hash); the nonce
/// matches when one was sent; thisUpdate is not beyond `at` + tolerance,
/// nextUpdate + tolerance has not passed, and without nextUpdate
/// thisUpdate is within `max_age`.
pub fn verify_parsed_response(
    parsed: &ParsedResponse,
    issuer: &Certificate,
    serial: &SerialNumber,
    expected_nonce: Option<&[u8]>,
    at: SystemTime,
    policy: &OcspPolicy,
) -> Result<OcspStatus, OcspError> {
    let Some((basic, _)) = &parsed.basic else {
        return Err(OcspError::NotSuccessful(parsed.status));
    };
    if parsed.status != OcspResponseStatus::Successful {
        return Err(OcspError::NotSuccessful(parsed.status));
    }

    let (responder, kind) = find_responder(parsed, issuer, at, policy)?;
    parsed.verify_signature_with(&responder)?;

    let mut found = None;
    for single in &basic.tbs_response_data.responses {
        // An unsupported hash in some other entry is not our concern.
        if single.cert_id.matches(issuer, serial).unwrap_or(false) {
            found = Some(single);
            break;
        }
    }
    let single = found.ok_or(OcspError::WrongCertificate)?;

    if let Some(expected) = expected_nonce {
        match parsed.nonce() {
            Some(n) if n == expected => {}
            Some(_) => return Err(OcspError::NonceMismatch),
            None if policy.require_nonce => return Err(OcspError::NonceMissing),
            None => {}
        }
    }

    let this_update = single.this_update.to_system_time();
    let next_update = single.next_update.map(|t| t.to_system_time());
    if this_update > at + policy.clock_tolerance {
        return Err(OcspError::NotYetValid);
    }
    match next_update {
        Some(next) if next + policy.clock_tolerance < at => return Err(OcspError::Stale),
        None if this_update + policy.max_age + policy.clock_tolerance < at => {
            return Err(OcspError::Stale);
        }
        _ => {}
    }

    let status = match single.cert_status {
        CertStatus::Good(_) => OcspCertStatus::Good,
        CertStatus::Revoked(info) => OcspCertStatus::Revoked {
            time: info.revocation_time.to_system_time(),
            reason: info.revocation_reason,
        },
        CertStatus::Unknown(_) => OcspCertStatus::Unknown,
    };
    Ok(OcspStatus {
        status,
        this_update,
        next_update,
        produced_at: basic.tbs_response_data.produced_at.to_system_time(),
        responder,
        responder_kind: kind,
    })
}

fn find_responder(
    parsed: &ParsedResponse,
    issuer: &Certificate,
    at: SystemTime,
    policy: &OcspPolicy,
) -> Result<(Certificate, ResponderKind), OcspError> {
    if parsed.names_responder(issuer) {
        return Ok((issuer.clone(), ResponderKind::Issuer));
    }
    if let Some(t) = policy
        .trusted_responders
        .iter()
        .find(|c| parsed.names_responder(c))
    {
        return Ok((t.clone(), ResponderKind::Trusted));
    }
    let Some((index, cert)) = parsed
        .certificates()
        .iter()
        .enumerate()
        .find(|(_, c)| parsed.names_responder(c))
    else {
        return Err(OcspError::ResponderNotAuthorized(
            NotAuthorized::ResponderNotFound,
        ));
    };
    let tbs = cert.tbs_certificate();
    // Over the certificate's bytes as received: re-encoding a certificate
    // that is not strict DER would not give back what the CA signed.
    let signed_by_ca = parsed.cert_ders.get(index).is_some_and(|der| {
        ParsedCertificate {
            cert: cert.clone(),
            der: der.clone(),
        }
        .verify_issued_by(issuer)
        .is_ok()
    });
    if !signed_by_ca {
        return Err(OcspError::ResponderNotAuthorized(
            NotAuthorized::NotIssuedByCa,
        ));
    }
    let has_eku = match tbs.get_extension::<ExtendedKeyUsage>() {
        Ok(Some((_, eku))) => eku.0.contains(&oids::KP_OCSP_SIGNING),
        _ => false,
    };
    if !has_eku {
        return Err(OcspError::ResponderNotAuthorized(
            NotAuthorized::NoOcspSigningUsage,
        ));
    }
    let validity = tbs.validity();
    if at < validity.not_before.to_system_time() || at > validity.not_after.to_system_time() {
        return Err(OcspError::ResponderNotAuthorized(NotAuthorized::Expired));
    }
    Ok((cert.clone(), ResponderKind::Delegated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_is_read_wrapped_and_raw() {
        let wrapped = nonce_extension(b"0123456789abcdef").unwrap();
        assert_eq!(wrapped.extn_value.as_bytes()[..2], [0x04, 16]);
        assert_eq!(
            find_nonce(Some(&vec![wrapped])).unwrap(),
            b"0123456789abcdef"
        );
        let raw = Extension {
            extn_id: oids::OCSP_NONCE,
            critical: false,
            extn_value: OctetString::new(b"\x01\x02\x03".to_vec()).unwrap(),
        };
        assert_eq!(find_nonce(Some(&vec![raw])).unwrap(), [1, 2, 3]);
        assert_eq!(random_nonce().unwrap().len(), NONCE_LEN);
        assert_ne!(random_nonce().unwrap(), random_nonce().unwrap());
    }

    #[test]
    fn error_responses_have_no_body_and_round_trip() {
        for (s, code) in [
            (OcspErrorStatus::MalformedRequest, 1u8),
            (OcspErrorStatus::InternalError, 2),
            (OcspErrorStatus::TryLater, 3),
            (OcspErrorStatus::SigRequired, 5),
            (OcspErrorStatus::Unauthorized, 6),
        ] {
            let der = error_response(s).to_der().unwrap();
            assert_eq!(der, [0x30, 0x03, 0x0a, 0x01, code]);
            let parsed = parse_response(&der).unwrap();
            assert!(parsed.basic().is_none());
            assert_eq!(parsed.status() as u8, code);
        }
        // successful without a body is malformed.
        assert_eq!(
            parse_response(&[0x30, 0x03, 0x0a, 0x01, 0x00])
                .unwrap_err()
                .code(),
            "OCSP_MALFORMED"
        );
    }

    #[test]
    fn empty_request_is_refused() {
        assert_eq!(
            RequestBuilder::new().build().unwrap_err().code(),
            "OCSP_EMPTY_REQUEST"
        );
    }
}
