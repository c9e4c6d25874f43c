//! Time-stamp protocol (RFC 3161): requests, responses and the TSTInfo a
//! time-stamp token carries.
//!
//! `x509-tsp` is still on `der` 0.7, whose types cannot mix with the
//! `x509-cert` 0.3 / `cms` 0.3 ones used everywhere else, so the structures
//! are declared here on `der` 0.8, each quoting its ASN.1.
//!
//! Transport is not here: a request is bytes to POST with content type
//! [`REQUEST_CONTENT_TYPE`], a response is bytes of [`RESPONSE_CONTENT_TYPE`].
//! Verifying a token's CMS signature is [`crate::cms`]'s job; this module
//! checks what the token says (imprint, nonce, policy, time).

use std::time::{Duration, SystemTime};

use const_oid::ObjectIdentifier;
use der::asn1::{BitString, Int, OctetString, Utf8StringRef};
use der::{Any, Decode, Encode, Sequence, Tag, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::name::GeneralName;

use crate::algorithm::DigestAlgorithm;

/// MIME type of a request (RFC 3161 §3.4).
pub const REQUEST_CONTENT_TYPE: &str = "application/timestamp-query";
/// MIME type of a response (RFC 3161 §3.4).
pub const RESPONSE_CONTENT_TYPE: &str = "application/timestamp-reply";

/// Why a time-stamp request or response was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TspError {
    /// Not valid DER of the expected structure.
    #[error("malformed time-stamp message: {0}")]
    Malformed(#[from] der::Error),
    /// The hash algorithm of an imprint is not one podpis computes.
    #[error("unsupported hash algorithm {0} in the message imprint")]
    UnsupportedDigest(ObjectIdentifier),
    /// The imprint's length does not fit its hash algorithm.
    #[error("message imprint of {actual} bytes for a {expected}-byte hash")]
    ImprintLength {
        /// Length the algorithm produces.
        expected: usize,
        /// Length found.
        actual: usize,
    },
    /// The TSA refused: status rejection/waiting/revocation…
    #[error("the time-stamp authority refused the request (status {status}{})", text.as_deref().map(|t| format!(": {t}")).unwrap_or_default())]
    Refused {
        /// PKIStatus value.
        status: u8,
        /// The TSA's statusString, joined.
        text: Option<String>,
        /// The failInfo bits set (RFC 3161 §2.4.2 names), e.g. `badAlg`.
        fail_info: Vec<&'static str>,
    },
    /// A granted response without a token.
    #[error("the time-stamp response grants but carries no token")]
    MissingToken,
    /// The token's content is not a TSTInfo.
    #[error("the time-stamp token does not contain a TSTInfo (content type {0})")]
    NotTstInfo(ObjectIdentifier),
    /// The token stamps other data than asked for.
    #[error("the time-stamp token is for other data (message imprint differs)")]
    ImprintMismatch,
    /// The token's nonce is not the request's.
    #[error("the time-stamp token's nonce does not match the request")]
    NonceMismatch,
    /// The token names another policy than the request asked for.
    #[error("the time-stamp token's policy {0} is not the one requested")]
    PolicyMismatch(ObjectIdentifier),
    /// The operating system's random source failed (no nonce can be made).
    #[error("the system random number generator failed")]
    Random,
    /// genTime is not a valid GeneralizedTime.
    #[error("the time-stamp token's time is malformed")]
    BadTime,
}

impl crate::Diagnostic for TspError {
    fn code(&self) -> &'static str {
        match self {
            TspError::Malformed(_) | TspError::BadTime | TspError::NotTstInfo(_) => "TSP_MALFORMED",
            TspError::Random => "SYSTEM_RANDOM_FAILED",
            TspError::UnsupportedDigest(_) | TspError::ImprintLength { .. } => {
                "TSP_UNSUPPORTED_DIGEST"
            }
            TspError::Refused { .. } => "TSP_REFUSED",
            TspError::MissingToken => "TSP_NO_TOKEN",
            TspError::ImprintMismatch => "TSP_IMPRINT_MISMATCH",
            TspError::NonceMismatch => "TSP_NONCE_MISMATCH",
            TspError::PolicyMismatch(_) => "TSP_POLICY_MISMATCH",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            TspError::Malformed(_) | TspError::BadTime | TspError::NotTstInfo(_) => {
                "Ответ службы штампов времени повреждён. Проверьте адрес службы и повторите запрос.".into()
            }
            TspError::UnsupportedDigest(oid) => format!(
                "Алгоритм хеширования {oid} не поддерживается. Используйте ГОСТ Р 34.11-2012 (Стрибог)."
            ),
            TspError::ImprintLength { .. } => {
                "Длина хеша в запросе не соответствует алгоритму. Сформируйте запрос заново.".into()
            }
            TspError::Refused { status, text, .. } => format!(
                "Служба штампов времени отказала (статус {status}{}). Проверьте алгоритм и политику запроса или обратитесь к оператору службы.",
                text.as_deref().map(|t| format!(": {t}")).unwrap_or_default()
            ),
            TspError::MissingToken => {
                "Служба штампов времени не вернула штамп. Повторите запрос позже.".into()
            }
            TspError::Random => {
                "Генератор случайных чисел системы не работает. Проверьте систему и повторите.".into()
            }
            TspError::ImprintMismatch => {
                "Штамп времени выдан для других данных. Запросите штамп заново.".into()
            }
            TspError::NonceMismatch => {
                "Штамп времени не соответствует запросу (nonce). Возможна подмена ответа; запросите штамп заново.".into()
            }
            TspError::PolicyMismatch(oid) => format!(
                "Штамп выдан по политике {oid}, а не по запрошенной. Уточните политику у оператора службы."
            ),
        }
    }

    fn message_en(&self) -> String {
        match self {
            TspError::Malformed(_) | TspError::BadTime | TspError::NotTstInfo(_) => {
                "The time-stamp response is damaged. Check the service address and try again.".into()
            }
            TspError::UnsupportedDigest(oid) => format!(
                "Hash algorithm {oid} is not supported. Use GOST R 34.11-2012 (Streebog)."
            ),
            TspError::ImprintLength { .. } => {
                "The hash length in the request does not fit its algorithm. Build the request again.".into()
            }
            TspError::Refused { status, text, .. } => format!(
                "The time-stamp authority refused (status {status}{}). Check the request's algorithm and policy or contact the service operator.",
                text.as_deref().map(|t| format!(": {t}")).unwrap_or_default()
            ),
            TspError::MissingToken => "The time-stamp authority returned no token. Try again later.".into(),
            TspError::Random => "The system random number generator failed. Check the system and try again.".into(),
            TspError::ImprintMismatch => {
                "The time-stamp was issued for other data. Request it again.".into()
            }
            TspError::NonceMismatch => {
                "The time-stamp does not answer this request (nonce). The reply may be forged; request it again.".into()
            }
            TspError::PolicyMismatch(oid) => format!(
                "The time-stamp was issued under policy {oid}, not the one requested. Ask the service operator which policy to use."
            ),
        }
    }
}

/// `MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier,
/// hashedMessage OCTET STRING }` (RFC 3161 §2.4.1).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct MessageImprint {
    /// The hash algorithm.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// The hash of the data stamped.
    pub hashed_message: OctetString,
}

impl MessageImprint {
    /// The imprint of `data` under `alg`.
    pub fn of(alg: DigestAlgorithm, data: &[u8]) -> Result<Self, TspError> {
        Self::from_digest(alg, &alg.digest(data))
    }

    /// An imprint of a digest already computed.
    pub fn from_digest(alg: DigestAlgorithm, digest: &[u8]) -> Result<Self, TspError> {
        if digest.len() != alg.output_len() {
            return Err(TspError::ImprintLength {
                expected: alg.output_len(),
                actual: digest.len(),
            });
        }
        Ok(MessageImprint {
            hash_algorithm: alg.algorithm_identifier(),
            hashed_message: OctetString::new(digest)?,
        })
    }

    /// Whether two imprints name the same algorithm and hash. Absent and
    /// NULL hash parameters count as equal (both are seen in the wild).
    pub fn matches(&self, other: &MessageImprint) -> bool {
        let null_or_absent = |p: &Option<Any>| p.as_ref().is_none_or(|a| a.tag() == Tag::Null);
        self.hash_algorithm.oid == other.hash_algorithm.oid
            && (self.hash_algorithm.parameters == other.hash_algorithm.parameters
                || (null_or_absent(&self.hash_algorithm.parameters)
                    && null_or_absent(&other.hash_algorithm.parameters)))
            && self.hashed_message == other.hashed_message
    }
}

/// ```text
/// TimeStampReq ::= SEQUENCE {
///    version          INTEGER { v1(1) },
///    messageImprint   MessageImprint,
///    reqPolicy        TSAPolicyId OPTIONAL,
///    nonce            INTEGER OPTIONAL,
///    certReq          BOOLEAN DEFAULT FALSE,
///    extensions       [0] IMPLICIT Extensions OPTIONAL }
/// ```
/// (RFC 3161 §2.4.1)
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TimeStampReq {
    /// Always 1.
    pub version: u8,
    /// What to stamp.
    pub message_imprint: MessageImprint,
    /// The TSA policy asked for.
    #[asn1(optional = "true")]
    pub req_policy: Option<ObjectIdentifier>,
    /// A random number the token must echo.
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    /// Whether the TSA should include its certificate in the token.
    #[asn1(default = "Default::default")]
    pub cert_req: bool,
    /// Request extensions.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Extensions>,
}

impl TimeStampReq {
    /// A request for `imprint` with a fresh 128-bit random nonce, asking for
    /// the TSA certificate in the token (what `openssl ts -query -cert` does).
    pub fn new(
        imprint: MessageImprint,
        policy: Option<ObjectIdentifier>,
    ) -> Result<Self, TspError> {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).map_err(|_| TspError::Random)?;
        // Positive and minimal: a first byte in 1..=0x7f needs neither a
        // sign pad nor leaves a leading zero (which DER forbids).
        nonce[0] = (nonce[0] & 0x7f).max(1);
        Ok(TimeStampReq {
            version: 1,
            message_imprint: imprint,
            req_policy: policy,
            nonce: Some(Int::new(&nonce)?),
            cert_req: true,
            extensions: None,
        })
    }

    /// Reads a DER request.
    pub fn from_der_bytes(der: &[u8]) -> Result<Self, TspError> {
        Ok(TimeStampReq::from_der(der)?)
    }
}

/// The names of the PKIFailureInfo bits RFC 3161 §2.4.2 uses, by bit number.
const FAIL_INFO_NAMES: [(usize, &str); 8] = [
    (0, "badAlg"),
    (2, "badRequest"),
    (5, "badDataFormat"),
    (14, "timeNotAvailable"),
    (15, "unacceptedPolicy"),
    (16, "unacceptedExtension"),
    (17, "addInfoNotAvailable"),
    (25, "systemFailure"),
];

/// `TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken
/// TimeStampToken OPTIONAL }`; the token is a CMS ContentInfo (RFC 3161 §2.4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeStampResp {
    /// The TSA's verdict.
    pub status: u8,
    /// statusString lines.
    pub status_text: Vec<String>,
    /// Names of the failInfo bits set.
    pub fail_info: Vec<&'static str>,
    /// The DER of the token (a ContentInfo holding SignedData), if granted.
    pub token: Option<Vec<u8>>,
}

impl TimeStampResp {
    /// Reads a DER response.
    pub fn from_der_bytes(der: &[u8]) -> Result<Self, TspError> {
        let TimeStampRespRef { status, token } = TimeStampRespRef::from_der(der)?;
        let token = token.map(|t| t.to_der()).transpose()?;
        Ok(TimeStampResp {
            status: status.status,
            status_text: status
                .status_string
                .unwrap_or_default()
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            fail_info: status
                .fail_info
                .map(|bits| {
                    let set: Vec<bool> = bits.bits().collect();
                    FAIL_INFO_NAMES
                        .iter()
                        .filter(|(bit, _)| set.get(*bit).copied().unwrap_or(false))
                        .map(|(_, name)| *name)
                        .collect()
                })
                .unwrap_or_default(),
            token,
        })
    }

    /// The token, if the TSA granted (status 0 or 1); the refusal otherwise.
    pub fn into_token(self) -> Result<Vec<u8>, TspError> {
        if self.status > 1 {
            return Err(TspError::Refused {
                status: self.status,
                text: (!self.status_text.is_empty()).then(|| self.status_text.join("; ")),
                fail_info: self.fail_info,
            });
        }
        self.token.ok_or(TspError::MissingToken)
    }
}

/// TimeStampResp as decoded, borrowing from the input.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct TimeStampRespRef<'a> {
    status: PkiStatusInfoRef<'a>,
    #[asn1(optional = "true")]
    token: Option<Any>,
}

/// ```text
/// PKIStatusInfo ::= SEQUENCE {
///    status        PKIStatus,
///    statusString  PKIFreeText     OPTIONAL,
///    failInfo      PKIFailureInfo  OPTIONAL }
/// PKIFreeText ::= SEQUENCE SIZE (1..MAX) OF UTF8String
/// ```
/// (RFC 3161 §2.4.2, RFC 4210). status is granted(0), grantedWithMods(1),
/// rejection(2), waiting(3), revocationWarning(4), revocationNotification(5).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct PkiStatusInfoRef<'a> {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<Utf8StringRef<'a>>>,
    #[asn1(optional = "true")]
    fail_info: Option<BitString>,
}

/// `Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER
/// (1..999) OPTIONAL, micros [1] INTEGER (1..999) OPTIONAL }` (RFC 3161 §2.4.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Sequence)]
pub struct Accuracy {
    /// Whole seconds.
    #[asn1(optional = "true")]
    pub seconds: Option<u32>,
    /// Milliseconds.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub millis: Option<u16>,
    /// Microseconds.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub micros: Option<u16>,
}

impl Accuracy {
    /// The accuracy as a duration.
    pub fn duration(&self) -> Duration {
        Duration::from_secs(u64::from(self.seconds.unwrap_or(0)))
            + Duration::from_millis(u64::from(self.millis.unwrap_or(0)))
            + Duration::from_micros(u64::from(self.micros.unwrap_or(0)))
    }
}

/// ```text
/// TSTInfo ::= SEQUENCE {
///    version         INTEGER { v1(1) },
///    policy          TSAPolicyId,
///    messageImprint  MessageImprint,
///    serialNumber    INTEGER,
///    genTime         GeneralizedTime,
///    accuracy        Accuracy OPTIONAL,
///    ordering        BOOLEAN DEFAULT FALSE,
///    nonce           INTEGER OPTIONAL,
///    tsa             [0] GeneralName OPTIONAL,
///    extensions      [1] IMPLICIT Extensions OPTIONAL }
/// ```
/// (RFC 3161 §2.4.2). genTime is kept as received: TSAs write fractional
/// seconds (`20250101120000.123Z`), which `der`'s GeneralizedTime refuses;
/// [`TstInfo::gen_time`] parses it.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TstInfo {
    /// Always 1.
    pub version: u8,
    /// The TSA policy the token was issued under.
    pub policy: ObjectIdentifier,
    /// What was stamped.
    pub message_imprint: MessageImprint,
    /// Unique per token from this TSA.
    pub serial_number: Int,
    /// The time, as a GeneralizedTime.
    pub gen_time: Any,
    /// How accurate genTime is.
    #[asn1(optional = "true")]
    pub accuracy: Option<Accuracy>,
    /// Whether tokens from this TSA are strictly ordered by genTime.
    #[asn1(default = "Default::default")]
    pub ordering: bool,
    /// The request's nonce, echoed.
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    /// The TSA's name.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<GeneralName>,
    /// Extensions.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Extensions>,
}

impl TstInfo {
    /// Reads the DER of a TSTInfo (the eContent of a token).
    pub fn from_der_bytes(der: &[u8]) -> Result<Self, TspError> {
        Ok(TstInfo::from_der(der)?)
    }

    /// genTime as a system time (fractions of a second kept).
    pub fn gen_time(&self) -> Result<SystemTime, TspError> {
        if self.gen_time.tag() != Tag::GeneralizedTime {
            return Err(TspError::BadTime);
        }
        parse_generalized_time(self.gen_time.value()).ok_or(TspError::BadTime)
    }

    /// Checks what the token says against what was asked: the imprint, the
    /// nonce (when the request had one) and the policy (when one was asked).
    pub fn check_against(&self, request: &TimeStampReq) -> Result<(), TspError> {
        if !self.message_imprint.matches(&request.message_imprint) {
            return Err(TspError::ImprintMismatch);
        }
        if let Some(nonce) = &request.nonce
            && self.nonce.as_ref() != Some(nonce)
        {
            return Err(TspError::NonceMismatch);
        }
        if let Some(policy) = request.req_policy
            && self.policy != policy
        {
            return Err(TspError::PolicyMismatch(self.policy));
        }
        self.gen_time().map(|_| ())
    }

    /// Checks that the token stamps `digest` under `alg` (e.g. a CAdES-T
    /// signature timestamp over the signature value).
    pub fn check_imprint(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<(), TspError> {
        if self
            .message_imprint
            .matches(&MessageImprint::from_digest(alg, digest)?)
        {
            Ok(())
        } else {
            Err(TspError::ImprintMismatch)
        }
    }

    /// The digest algorithm of the imprint, when it is one podpis computes.
    pub fn imprint_algorithm(&self) -> Result<DigestAlgorithm, TspError> {
        let oid = self.message_imprint.hash_algorithm.oid;
        DigestAlgorithm::from_oid(&oid).map_err(|_| TspError::UnsupportedDigest(oid))
    }
}

/// Reads the TSTInfo out of a time-stamp token (a ContentInfo holding
/// SignedData with eContentType id-ct-TSTInfo) **without checking the
/// token's signature**; [`crate::cms`] verifies that.
pub fn tst_info_of_token(token: &[u8]) -> Result<TstInfo, TspError> {
    let info = cms::content_info::ContentInfo::from_der(token)?;
    if info.content_type != crate::oids::ID_SIGNED_DATA {
        return Err(TspError::NotTstInfo(info.content_type));
    }
    let signed: cms::signed_data::SignedData = info.content.decode_as()?;
    let encap = &signed.encap_content_info;
    if encap.econtent_type != crate::oids::ID_CT_TST_INFO {
        return Err(TspError::NotTstInfo(encap.econtent_type));
    }
    let content = encap.econtent.as_ref().ok_or(TspError::MissingToken)?;
    let octets: OctetString = content.decode_as()?;
    TstInfo::from_der_bytes(octets.as_bytes())
}

/// A time-stamp token whose signature verified.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    /// What the token says.
    pub info: TstInfo,
    /// genTime.
    pub time: SystemTime,
    /// The TSA's certificate (from the token or the ones supplied).
    pub tsa: x509_cert::Certificate,
}

/// Why a time-stamp token is not acceptable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token's CMS signature does not verify.
    #[error("time-stamp token signature: {0}")]
    Signature(#[from] crate::cms::CmsError),
    /// The token's content is wrong or does not stamp the expected data.
    #[error("time-stamp token: {0}")]
    Content(#[from] TspError),
    /// The TSA certificate lacks the critical id-kp-timeStamping extended key
    /// usage RFC 3161 §2.3 requires.
    #[error("the time-stamp authority's certificate is not for time-stamping")]
    NotTsaCertificate,
}

impl crate::Diagnostic for TokenError {
    fn code(&self) -> &'static str {
        match self {
            TokenError::Signature(e) => e.code(),
            TokenError::Content(e) => e.code(),
            TokenError::NotTsaCertificate => "TSP_NOT_TSA_CERTIFICATE",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            TokenError::Signature(e) => format!("Штамп времени: {}", e.message_ru()),
            TokenError::Content(e) => e.message_ru(),
            TokenError::NotTsaCertificate => "Сертификат службы штампов времени не предназначен для штампов (нет критического расширения timeStamping). Используйте другую службу.".into(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            TokenError::Signature(e) => format!("Time-stamp: {}", e.message_en()),
            TokenError::Content(e) => e.message_en(),
            TokenError::NotTsaCertificate => "The time-stamp authority's certificate is not for time-stamping (no critical timeStamping extended key usage). Use another service.".into(),
        }
    }
}

/// Verifies a time-stamp token's CMS signature (with the TSA certificate
/// from the token or `extra_certs`), that the certificate is a TSA's (EKU
/// id-kp-timeStamping, critical), and reads its TSTInfo. Whether the TSA is
/// trusted is a path-validation question for the caller
/// ([`crate::path::PathValidator`] with the timeStamping EKU).
pub fn verify_token(
    token: &[u8],
    extra_certs: &[x509_cert::Certificate],
) -> Result<VerifiedToken, TokenError> {
    let message = crate::cms::SignedMessage::parse(token)?;
    if message.content_type() != crate::oids::ID_CT_TST_INFO {
        return Err(TspError::NotTstInfo(message.content_type()).into());
    }
    let verified = message.verify_signer(0, None, extra_certs)?;
    let eku = verified
        .certificate
        .tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE);
    let tsa_usage = eku.is_some_and(|e| {
        e.critical
            && crate::cert::extended_key_usage(&verified.certificate)
                .is_some_and(|u| u.contains(&crate::oids::KP_TIME_STAMPING))
    });
    if !tsa_usage {
        return Err(TokenError::NotTsaCertificate);
    }
    let info = TstInfo::from_der_bytes(message.content().ok_or(TspError::MissingToken)?)?;
    let time = info.gen_time()?;
    Ok(VerifiedToken {
        info,
        time,
        tsa: verified.certificate,
    })
}

// --- the TSA side: making tokens and responses ------------------------------

/// The PKIFailureInfo bits a time-stamp authority refuses a request with
/// (RFC 3161 §2.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureInfo {
    /// badAlg (0): unrecognized or unsupported algorithm identifier.
    BadAlg,
    /// badRequest (2): transaction not permitted or supported.
    BadRequest,
    /// badDataFormat (5): the data submitted has the wrong format.
    BadDataFormat,
    /// timeNotAvailable (14): the TSA's time source is not available.
    TimeNotAvailable,
    /// unacceptedPolicy (15): the requested TSA policy is not supported.
    UnacceptedPolicy,
    /// unacceptedExtension (16): the requested extension is not supported.
    UnacceptedExtension,
    /// addInfoNotAvailable (17): the additional information requested
    /// could not be understood or is not available.
    AddInfoNotAvailable,
    /// systemFailure (25): the request cannot be handled due to system failure.
    SystemFailure,
}

impl FailureInfo {
    /// The bit number in PKIFailureInfo.
    pub const fn bit(self) -> usize {
        match self {
            FailureInfo::BadAlg => 0,
            FailureInfo::BadRequest => 2,
            FailureInfo::BadDataFormat => 5,
            FailureInfo::TimeNotAvailable => 14,
            FailureInfo::UnacceptedPolicy => 15,
            FailureInfo::UnacceptedExtension => 16,
            FailureInfo::AddInfoNotAvailable => 17,
            FailureInfo::SystemFailure => 25,
        }
    }

    /// The RFC 3161 name of the bit (`badAlg`, …).
    pub fn name(self) -> &'static str {
        FAIL_INFO_NAMES
            .iter()
            .find(|(bit, _)| *bit == self.bit())
            .map_or("systemFailure", |(_, name)| name)
    }
}

/// TimeStampResp as encoded by a TSA.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct TimeStampRespOut<'a> {
    status: PkiStatusInfoRef<'a>,
    #[asn1(optional = "true")]
    token: Option<der::asn1::AnyRef<'a>>,
}

/// The DER of a TimeStampResp granting `token` (status granted(0)).
pub fn granted_response(token: &[u8]) -> Result<Vec<u8>, TspError> {
    Ok(TimeStampRespOut {
        status: PkiStatusInfoRef {
            status: 0,
            status_string: None,
            fail_info: None,
        },
        token: Some(der::asn1::AnyRef::from_der(token)?),
    }
    .to_der()?)
}

/// The DER of a TimeStampResp refusing a request: status rejection(2), a
/// statusString and the one failure bit.
pub fn rejection_response(fail: FailureInfo, text: &str) -> Result<Vec<u8>, TspError> {
    // A DER named-bit list ends at its last set bit.
    let bit = fail.bit();
    let mut bytes = vec![0u8; bit / 8 + 1];
    bytes[bit / 8] = 0x80 >> (bit % 8);
    let unused = (7 - bit % 8) as u8;
    Ok(TimeStampRespOut {
        status: PkiStatusInfoRef {
            status: 2,
            status_string: Some(vec![Utf8StringRef::new(text)?]),
            fail_info: Some(BitString::new(unused, bytes)?),
        },
        token: None,
    }
    .to_der()?)
}

/// A GeneralizedTime with milliseconds, as RFC 3161 §2.4.2 allows for
/// genTime: `YYYYMMDDhhmmss[.fff]Z`, trailing zeros of the fraction (and
/// a bare dot) left out as DER requires.
pub fn generalized_time_millis(at: SystemTime) -> Result<Any, TspError> {
    let since = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_err(|_| TspError::BadTime)?;
    let whole = SystemTime::UNIX_EPOCH + Duration::from_secs(since.as_secs());
    let dt = der::DateTime::from_system_time(whole).map_err(|_| TspError::BadTime)?;
    let mut text = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minutes(),
        dt.seconds()
    );
    let millis = since.subsec_millis();
    if millis != 0 {
        let fraction = format!("{millis:03}");
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    text.push('Z');
    Ok(Any::new(Tag::GeneralizedTime, text.into_bytes())?)
}

impl TstInfo {
    /// The TSTInfo of a new token: version 1, `serial` (positive, unique per
    /// TSA), genTime `at` with milliseconds, ordering false, the request's
    /// nonce echoed, no TSA name and no extensions (set the fields to add them).
    pub fn new(
        policy: ObjectIdentifier,
        message_imprint: MessageImprint,
        serial: u64,
        at: SystemTime,
        accuracy: Option<Accuracy>,
        nonce: Option<Int>,
    ) -> Result<Self, TspError> {
        Ok(TstInfo {
            version: 1,
            policy,
            message_imprint,
            serial_number: Int::from(der::asn1::Uint::new(&serial.to_be_bytes())?),
            gen_time: generalized_time_millis(at)?,
            accuracy,
            ordering: false,
            nonce,
            tsa: None,
            extensions: None,
        })
    }
}

/// Signs a TSTInfo into a time-stamp token: a CMS SignedData with
/// eContentType id-ct-TSTInfo and the signed attributes contentType,
/// messageDigest and signingCertificateV2 (RFC 3161 §2.4.2, RFC 5816); the
/// TSA certificate goes in when `include_certificate` (the request's
/// certReq). The signer's key must be `tsa_cert`'s.
pub fn sign_token(
    info: &TstInfo,
    signer: &dyn crate::Signer,
    tsa_cert: &x509_cert::Certificate,
    include_certificate: bool,
) -> Result<Vec<u8>, crate::cms::CmsError> {
    let options = crate::cms::SignOptions {
        detached: false,
        signing_time: None,
        signing_certificate_v2: true,
        include_certificates: include_certificate,
        chain: Vec::new(),
        signer_id: crate::cms::SignerIdKind::IssuerAndSerialNumber,
        content_type: crate::oids::ID_CT_TST_INFO,
    };
    crate::cms::sign(&info.to_der()?, signer, tsa_cert, &options)
}

/// Parses `YYYYMMDDHHMMSS[.f+]Z` (the only GeneralizedTime form RFC 3161
/// §2.4.2 allows) into a system time.
fn parse_generalized_time(bytes: &[u8]) -> Option<SystemTime> {
    let text = core::str::from_utf8(bytes).ok()?.strip_suffix('Z')?;
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            (w, Some(f))
        }
        Some(_) => return None,
        None => (text, None),
    };
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: core::ops::Range<usize>| whole[r].parse::<u16>().ok();
    let dt = der::DateTime::new(
        num(0..4)?,
        num(4..6)? as u8,
        num(6..8)? as u8,
        num(8..10)? as u8,
        num(10..12)? as u8,
        num(12..14)? as u8,
    )
    .ok()?;
    let nanos = fraction.map_or(Some(0), |f| {
        let mut padded = f.to_owned();
        while padded.len() < 9 {
            padded.push('0');
        }
        padded.parse::<u32>().ok()
    })?;
    Some(dt.to_system_time() + Duration::from_nanos(u64::from(nanos)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trips_and_carries_a_positive_nonce() {
        let imprint = MessageImprint::of(DigestAlgorithm::Streebog256, b"data").unwrap();
        let req = TimeStampReq::new(imprint.clone(), None).unwrap();
        let der = req.to_der().unwrap();
        let back = TimeStampReq::from_der_bytes(&der).unwrap();
        assert_eq!(back, req);
        assert!(back.cert_req);
        assert_eq!(back.message_imprint.hashed_message.as_bytes().len(), 32);
        let other = TimeStampReq::new(imprint, None).unwrap();
        assert_ne!(other.nonce, req.nonce, "nonces are random");
    }

    #[test]
    fn imprint_length_must_fit_the_algorithm() {
        assert_eq!(
            MessageImprint::from_digest(DigestAlgorithm::Streebog512, &[0; 32]),
            Err(TspError::ImprintLength {
                expected: 64,
                actual: 32
            })
        );
    }

    #[test]
    fn generalized_time_with_and_without_fractions() {
        let t = parse_generalized_time(b"20250101120000Z").unwrap();
        let f = parse_generalized_time(b"20250101120000.25Z").unwrap();
        assert_eq!(f.duration_since(t).unwrap(), Duration::from_millis(250));
        for bad in [
            &b"20250101120000"[..],
            b"2025010112000Z",
            b"20250101120000.Z",
            b"20251301120000Z",
            b"20250101120000.1aZ",
        ] {
            assert_eq!(
                parse_generalized_time(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn refusal_names_the_failure_bits() {
        // PKIStatusInfo { status 2, statusString {"bad"}, failInfo badAlg }
        let der = [
            0x30, 0x10, 0x30, 0x0e, 0x02, 0x01, 0x02, 0x30, 0x05, 0x0c, 0x03, b'b', b'a', b'd',
            0x03, 0x02, 0x07, 0x80,
        ];
        let resp = TimeStampResp::from_der_bytes(&der).unwrap();
        assert_eq!(resp.status, 2);
        assert_eq!(resp.fail_info, vec!["badAlg"]);
        match resp.into_token() {
            Err(TspError::Refused {
                status: 2,
                text: Some(t),
                fail_info,
            }) => {
                assert_eq!(t, "bad");
                assert_eq!(fail_info, vec!["badAlg"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejections_carry_their_failure_bit_and_round_trip() {
        for fail in [
            FailureInfo::BadAlg,
            FailureInfo::BadRequest,
            FailureInfo::BadDataFormat,
            FailureInfo::TimeNotAvailable,
            FailureInfo::UnacceptedPolicy,
            FailureInfo::UnacceptedExtension,
            FailureInfo::AddInfoNotAvailable,
            FailureInfo::SystemFailure,
        ] {
            let der = rejection_response(fail, "no").unwrap();
            let resp = TimeStampResp::from_der_bytes(&der).unwrap();
            assert_eq!(resp.status, 2);
            assert_eq!(resp.fail_info, vec![fail.name()]);
            assert_eq!(resp.status_text, vec!["no".to_owned()]);
            assert_eq!(resp.token, None);
        }
        // badAlg is bit 0: one byte, seven unused bits (DER named bits).
        let der = rejection_response(FailureInfo::BadAlg, "bad").unwrap();
        assert!(der.ends_with(&[0x03, 0x02, 0x07, 0x80]));
    }

    #[test]
    fn gen_time_keeps_milliseconds_without_trailing_zeros() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_735_732_800_120);
        let any = generalized_time_millis(t).unwrap();
        assert_eq!(any.value(), b"20250101120000.12Z");
        assert_eq!(parse_generalized_time(any.value()).unwrap(), t);
        let whole = SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_732_800);
        assert_eq!(
            generalized_time_millis(whole).unwrap().value(),
            b"20250101120000Z"
        );
    }
}
