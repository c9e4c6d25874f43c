//! The errors of CMS signing and verification, with their diagnostics.

use const_oid::ObjectIdentifier;

use crate::Diagnostic;
use crate::algorithm::AlgorithmError;

/// Why a CMS message could not be made, read, or verified.
///
/// Each verification failure is its own variant, so that a validation
/// report can map it to an ETSI EN 319 102-1 sub-indication
/// ([`CmsError::etsi_sub_indication`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CmsError {
    /// The bytes are not a well-formed CMS ContentInfo / SignedData
    /// (FORMAT_FAILURE).
    #[error("malformed CMS message: {0}")]
    Malformed(&'static str),
    /// A DER/BER structure inside the message could not be decoded
    /// (FORMAT_FAILURE).
    #[error("malformed CMS message: {0}")]
    Asn1(#[from] der::Error),
    /// The ContentInfo holds something other than SignedData (e.g.
    /// EnvelopedData or DigestedData).
    #[error("the CMS message is not SignedData but {0}")]
    NotSignedData(ObjectIdentifier),
    /// A SignedData or SignerInfo version this implementation does not
    /// read (FORMAT_FAILURE).
    #[error("unsupported {structure} version {version}")]
    UnsupportedVersion {
        /// `SignedData` or `SignerInfo`.
        structure: &'static str,
        /// The version found.
        version: u8,
    },
    /// There is no signer with this index.
    #[error("there is no signer number {0}")]
    NoSuchSigner(usize),
    /// A digest or signature algorithm podpis does not implement (e.g.
    /// GOST R 34.11-94 of RFC 4490 messages), or one that does not fit the
    /// key (FORMAT_FAILURE / CRYPTO_CONSTRAINTS_FAILURE).
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(AlgorithmError),
    /// The signer's certificate is neither in the message nor among the
    /// certificates supplied (NO_SIGNING_CERTIFICATE_FOUND).
    #[error("the signer's certificate was not found")]
    SignerCertificateNotFound,
    /// The signingCertificateV2 attribute names another certificate than
    /// the one the signer identifier selects (NO_SIGNING_CERTIFICATE_FOUND).
    #[error("the signingCertificateV2 attribute does not match the signer's certificate")]
    SigningCertificateMismatch,
    /// Signed attributes are present but contentType is missing
    /// (FORMAT_FAILURE).
    #[error("the contentType signed attribute is missing")]
    ContentTypeMissing,
    /// The contentType attribute differs from the encapsulated content type
    /// (FORMAT_FAILURE).
    #[error("contentType attribute {attribute} differs from the content type {content}")]
    ContentTypeMismatch {
        /// The type the attribute names.
        attribute: ObjectIdentifier,
        /// eContentType of the message.
        content: ObjectIdentifier,
    },
    /// Signed attributes are present but messageDigest is missing
    /// (HASH_FAILURE).
    #[error("the messageDigest signed attribute is missing")]
    MessageDigestMissing,
    /// The content's digest differs from the messageDigest attribute: the
    /// content was changed (HASH_FAILURE).
    #[error("the content does not match the signed digest")]
    DigestMismatch,
    /// The signature value does not verify with the signer's key
    /// (SIG_CRYPTO_FAILURE).
    #[error("the signature does not verify")]
    BadSignature,
    /// The signature is detached and no content was supplied.
    #[error("the signature is detached and the signed content was not supplied")]
    ContentMissing,
    /// The signer's key does not belong to the certificate given.
    #[error("the signing key does not match the certificate")]
    KeyCertificateMismatch,
    /// A subjectKeyIdentifier signer identifier was asked for, but the
    /// certificate has no such extension.
    #[error("the certificate has no subjectKeyIdentifier extension")]
    NoSubjectKeyIdentifier,
    /// The key holder refused or failed to sign.
    #[error("signing failed: {0}")]
    Signer(#[from] crate::SignerError),
    /// Reading the content failed.
    #[error("reading the content failed: {0}")]
    Io(#[from] std::io::Error),
}

impl From<AlgorithmError> for CmsError {
    fn from(e: AlgorithmError) -> Self {
        match e {
            AlgorithmError::BadSignature => CmsError::BadSignature,
            other => CmsError::UnsupportedAlgorithm(other),
        }
    }
}

impl From<super::ber::BerError> for CmsError {
    fn from(e: super::ber::BerError) -> Self {
        match e {
            super::ber::BerError::Truncated => CmsError::Malformed("the input is truncated"),
            super::ber::BerError::Invalid => CmsError::Malformed("invalid BER encoding"),
        }
    }
}

impl CmsError {
    /// The ETSI EN 319 102-1 sub-indication this failure maps to, if it is
    /// a verification failure.
    pub fn etsi_sub_indication(&self) -> Option<&'static str> {
        Some(match self {
            CmsError::Malformed(_)
            | CmsError::Asn1(_)
            | CmsError::NotSignedData(_)
            | CmsError::UnsupportedVersion { .. }
            | CmsError::ContentTypeMissing
            | CmsError::ContentTypeMismatch { .. } => "FORMAT_FAILURE",
            CmsError::UnsupportedAlgorithm(_) => "CRYPTO_CONSTRAINTS_FAILURE",
            CmsError::SignerCertificateNotFound | CmsError::SigningCertificateMismatch => {
                "NO_SIGNING_CERTIFICATE_FOUND"
            }
            CmsError::MessageDigestMissing | CmsError::DigestMismatch => "HASH_FAILURE",
            CmsError::BadSignature => "SIG_CRYPTO_FAILURE",
            CmsError::ContentMissing => "SIGNED_DATA_NOT_FOUND",
            _ => return None,
        })
    }
}

impl Diagnostic for CmsError {
    fn code(&self) -> &'static str {
        match self {
            CmsError::Malformed(_) | CmsError::Asn1(_) => "CMS_MALFORMED",
            CmsError::NotSignedData(_) => "CMS_NOT_SIGNED_DATA",
            CmsError::UnsupportedVersion { .. } => "CMS_UNSUPPORTED_VERSION",
            CmsError::NoSuchSigner(_) => "CMS_NO_SUCH_SIGNER",
            CmsError::UnsupportedAlgorithm(_) => "CMS_UNSUPPORTED_ALGORITHM",
            CmsError::SignerCertificateNotFound => "CMS_SIGNER_CERTIFICATE_NOT_FOUND",
            CmsError::SigningCertificateMismatch => "CMS_SIGNING_CERTIFICATE_MISMATCH",
            CmsError::ContentTypeMissing => "CMS_CONTENT_TYPE_MISSING",
            CmsError::ContentTypeMismatch { .. } => "CMS_CONTENT_TYPE_MISMATCH",
            CmsError::MessageDigestMissing => "CMS_MESSAGE_DIGEST_MISSING",
            CmsError::DigestMismatch => "CMS_DIGEST_MISMATCH",
            CmsError::BadSignature => "CMS_BAD_SIGNATURE",
            CmsError::ContentMissing => "CMS_CONTENT_MISSING",
            CmsError::KeyCertificateMismatch => "CMS_KEY_CERTIFICATE_MISMATCH",
            CmsError::NoSubjectKeyIdentifier => "CMS_NO_SUBJECT_KEY_IDENTIFIER",
            CmsError::Signer(_) => "CMS_SIGNING_FAILED",
            CmsError::Io(_) => "CMS_CONTENT_READ_FAILED",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            CmsError::Malformed(what) => format!(
                "Файл подписи повреждён или не является сообщением CMS ({what}). \
                 Запросите у отправителя подпись заново."
            ),
            CmsError::Asn1(e) => format!(
                "Файл подписи повреждён: ошибка структуры ASN.1 ({e}). \
                 Запросите у отправителя подпись заново."
            ),
            CmsError::NotSignedData(oid) => format!(
                "Сообщение CMS не является подписанными данными (тип {oid}); \
                 возможно, это зашифрованный файл. Укажите файл подписи."
            ),
            CmsError::UnsupportedVersion { structure, version } => format!(
                "Версия {version} структуры {structure} не поддерживается. \
                 Попросите отправителя подписать в стандартном формате CMS/CAdES."
            ),
            CmsError::NoSuchSigner(i) => {
                format!("В сообщении нет подписи с номером {i}. Проверьте номер подписи.")
            }
            CmsError::UnsupportedAlgorithm(e) => format!(
                "Алгоритм подписи не поддерживается ({e}). Поддерживаются ГОСТ Р 34.10-2012 \
                 и ГОСТ Р 34.11-2012; подписи по ГОСТ Р 34.10-2001/34.11-94 нужно переподписать."
            ),
            CmsError::SignerCertificateNotFound => "Сертификат подписанта не найден ни в \
                 подписи, ни среди переданных сертификатов. Передайте сертификат подписанта."
                .to_owned(),
            CmsError::SigningCertificateMismatch => "Атрибут signingCertificateV2 указывает \
                 на другой сертификат, чем идентификатор подписанта. Подпись могла быть \
                 подменена; не доверяйте ей и запросите подпись заново."
                .to_owned(),
            CmsError::ContentTypeMissing => "В подписанных атрибутах нет типа содержимого \
                 (contentType). Подпись сформирована с нарушением CMS; запросите её заново."
                .to_owned(),
            CmsError::ContentTypeMismatch { attribute, content } => format!(
                "Тип содержимого в подписанных атрибутах ({attribute}) не совпадает с типом \
                 содержимого сообщения ({content}). Подпись недействительна; запросите её заново."
            ),
            CmsError::MessageDigestMissing => "В подписанных атрибутах нет хэша содержимого \
                 (messageDigest). Подпись недействительна; запросите её заново."
                .to_owned(),
            CmsError::DigestMismatch => "Документ не совпадает с подписанным: он был изменён \
                 после подписания или передан не тот файл. Проверьте, что проверяете \
                 исходный документ."
                .to_owned(),
            CmsError::BadSignature => "Значение подписи неверно: подпись повреждена или \
                 сделана другим ключом. Подпись недействительна."
                .to_owned(),
            CmsError::ContentMissing => "Подпись отсоединённая, а подписанный документ не \
                 передан. Укажите файл документа вместе с подписью."
                .to_owned(),
            CmsError::KeyCertificateMismatch => "Закрытый ключ не соответствует сертификату. \
                 Выберите сертификат этого ключа."
                .to_owned(),
            CmsError::NoSubjectKeyIdentifier => "В сертификате нет идентификатора ключа \
                 субъекта; укажите подписанта по издателю и серийному номеру."
                .to_owned(),
            CmsError::Signer(e) => {
                format!("Не удалось подписать: {e}. Проверьте доступность ключа (токена).")
            }
            CmsError::Io(e) => {
                format!("Не удалось прочитать документ: {e}. Проверьте путь и права доступа.")
            }
        }
    }

    fn message_en(&self) -> String {
        match self {
            CmsError::Malformed(what) => format!(
                "The signature file is damaged or not a CMS message ({what}). \
                 Ask the sender for the signature again."
            ),
            CmsError::Asn1(e) => format!(
                "The signature file is damaged: ASN.1 structure error ({e}). \
                 Ask the sender for the signature again."
            ),
            CmsError::NotSignedData(oid) => format!(
                "The CMS message is not signed data (type {oid}); it may be an encrypted \
                 file. Give the signature file."
            ),
            CmsError::UnsupportedVersion { structure, version } => format!(
                "{structure} version {version} is not supported. Ask the sender to sign in \
                 standard CMS/CAdES."
            ),
            CmsError::NoSuchSigner(i) => {
                format!("The message has no signature number {i}. Check the signer number.")
            }
            CmsError::UnsupportedAlgorithm(e) => format!(
                "Unsupported algorithm ({e}). GOST R 34.10-2012 and GOST R 34.11-2012 are \
                 supported; GOST R 34.10-2001/34.11-94 signatures must be re-signed."
            ),
            CmsError::SignerCertificateNotFound => "The signer's certificate is neither in the \
                 signature nor among the certificates given. Supply the signer's certificate."
                .to_owned(),
            CmsError::SigningCertificateMismatch => "The signingCertificateV2 attribute names \
                 another certificate than the signer identifier. The signature may have been \
                 tampered with; do not trust it and ask for it again."
                .to_owned(),
            CmsError::ContentTypeMissing => "The signed attributes lack contentType. The \
                 signature violates CMS; ask for it again."
                .to_owned(),
            CmsError::ContentTypeMismatch { attribute, content } => format!(
                "The contentType attribute ({attribute}) differs from the message's content \
                 type ({content}). The signature is invalid; ask for it again."
            ),
            CmsError::MessageDigestMissing => "The signed attributes lack messageDigest. The \
                 signature is invalid; ask for it again."
                .to_owned(),
            CmsError::DigestMismatch => "The document does not match what was signed: it was \
                 changed after signing or the wrong file was given. Check that you verify the \
                 original document."
                .to_owned(),
            CmsError::BadSignature => "The signature value is wrong: the signature is damaged \
                 or was made with another key. The signature is invalid."
                .to_owned(),
            CmsError::ContentMissing => "The signature is detached and the signed document was \
                 not given. Supply the document file with the signature."
                .to_owned(),
            CmsError::KeyCertificateMismatch => "The private key does not match the \
                 certificate. Choose this key's certificate."
                .to_owned(),
            CmsError::NoSubjectKeyIdentifier => "The certificate has no subject key \
                 identifier; identify the signer by issuer and serial number."
                .to_owned(),
            CmsError::Signer(e) => {
                format!("Signing failed: {e}. Check that the key (token) is available.")
            }
            CmsError::Io(e) => {
                format!("Reading the document failed: {e}. Check the path and permissions.")
            }
        }
    }
}
