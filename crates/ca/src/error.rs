//! The CA's one error type: each refusal has its own stable code.

use const_oid::ObjectIdentifier;
use pki::Diagnostic;
use pki::cert::CertError;
use pki::crl::CrlError;
use pki::identifiers::IdError;
use store::StoreError;

/// Why a CA operation was refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaError {
    /// `ca init` has not been run on this database.
    #[error("the CA is not initialised")]
    NotInitialised,
    /// `ca init` has been run already.
    #[error("the CA is initialised already")]
    AlreadyInitialised,
    /// A parameter of `ca init` is unusable.
    #[error("invalid CA parameter {field}: {problem}")]
    InitInvalid {
        /// The parameter.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The key given to sign with is not the issuing CA's key.
    #[error("the signing key is not the issuing CA's key")]
    SignerMismatch,
    /// The operation signs, and no key was given.
    #[error("this operation needs the issuing CA's key")]
    SignerRequired,
    /// The applicant kind is none of person, sole proprietor, organisation.
    #[error("unknown applicant kind {0:?}")]
    KindUnknown(String),
    /// A field the applicant kind requires is missing.
    #[error("applicant field {0} is missing")]
    FieldMissing(&'static str),
    /// A text field is empty, too long or holds control characters.
    #[error("applicant field {0} is invalid")]
    FieldInvalid(&'static str),
    /// A field that does not belong to the applicant kind.
    #[error("applicant field {0} does not belong to this kind of applicant")]
    FieldUnexpected(&'static str),
    /// Passport series, number or date malformed.
    #[error("passport {0} is invalid")]
    PassportInvalid(&'static str),
    /// A registration number (SNILS, INN, OGRN, OGRNIP) fails its format
    /// or control digits; the code is the identifier's own.
    #[error("{field}: {source}")]
    Identifier {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        source: IdError,
    },
    /// The CSR is not a PKCS#10 request (DER or PEM), or is too large.
    #[error("malformed CSR: {0}")]
    CsrMalformed(String),
    /// The CSR's key is not GOST R 34.10-2012.
    #[error("unsupported key or signature algorithm {0}")]
    CsrUnsupportedAlgorithm(ObjectIdentifier),
    /// The CSR's key names a GOST parameter set podpis does not know.
    #[error("unknown GOST R 34.10-2012 parameter set {0}")]
    CsrUnknownParamSet(ObjectIdentifier),
    /// The CSR's public key is malformed (not on the curve, …).
    #[error("the CSR's public key is invalid: {0}")]
    CsrBadKey(String),
    /// The CSR's signature does not verify with its own key.
    #[error("the CSR's signature does not verify")]
    CsrBadSignature,
    /// A live request for the same public key exists.
    #[error("duplicate request (live request {existing:?} holds the key)")]
    Duplicate {
        /// That request, when known.
        existing: Option<i64>,
    },
    /// The submission was refused and recorded as a rejected request.
    #[error("request {request_id} refused: {cause}")]
    Refused {
        /// The number of the rejected request that records it.
        request_id: i64,
        /// Why.
        cause: Box<CaError>,
    },
    /// No such request.
    #[error("no request {0}")]
    RequestNotFound(i64),
    /// The request is not in the state the action needs.
    #[error("request {id} is {actual}; the action needs {expected}")]
    RequestWrongState {
        /// The request.
        id: i64,
        /// Its state.
        actual: String,
        /// What the action needs.
        expected: String,
    },
    /// The identification record is incomplete.
    #[error("identification {0} is missing or invalid")]
    IdentificationInvalid(&'static str),
    /// A rejection needs a reason.
    #[error("a rejection needs a reason")]
    RejectionReasonMissing,
    /// The operator (or actor) name is empty or unusable.
    #[error("operator name missing or invalid")]
    OperatorMissing,
    /// The certificate could not be built or signed.
    #[error(transparent)]
    Certificate(#[from] CertError),
    /// The built certificate breaks the qualified profile (never issued).
    #[error("the certificate breaks the qualified profile: {0:?}")]
    ProfileViolation(Vec<&'static str>),
    /// Every serial drawn was taken (the RNG is broken).
    #[error("no free serial number after several draws")]
    SerialExhausted,
    /// A serial number as typed is not hex.
    #[error("invalid serial number {0:?}")]
    SerialInvalid(String),
    /// No certificate with this serial was issued by this CA.
    #[error("certificate {0} unknown")]
    CertUnknown(String),
    /// The certificate is revoked (for good).
    #[error("certificate {0} is revoked")]
    CertRevoked(String),
    /// The certificate is suspended.
    #[error("certificate {0} is suspended")]
    CertOnHold(String),
    /// The certificate is not suspended (nothing to release).
    #[error("certificate {0} is not suspended")]
    CertNotOnHold(String),
    /// The certificate is outside its validity period.
    #[error("certificate {0} is not valid now")]
    CertExpired(String),
    /// The private key's usage period has ended.
    #[error("the private key of certificate {0} may no longer be used")]
    KeyUsageEnded(String),
    /// An RFC 5280 reason name podpis does not know.
    #[error("unknown revocation reason {0:?}")]
    ReasonUnknown(String),
    /// The reason is not allowed for this action or requester.
    #[error("reason {0} is not allowed here")]
    ReasonNotAllowed(&'static str),
    /// A signed request is not a CMS SignedData with its content attached.
    #[error("malformed signed request: {0}")]
    SignedRequestMalformed(String),
    /// A signed request's signature does not verify.
    #[error("the signed request's signature does not verify: {0}")]
    SignedRequestBadSignature(String),
    /// The revocation request document is malformed.
    #[error("malformed revocation request: {0}")]
    RevocationRequestMalformed(String),
    /// The requester may not revoke or suspend this certificate.
    #[error("not entitled to revoke: {0}")]
    RevocationNotEntitled(String),
    /// The requester may not renew this certificate.
    #[error("not entitled to renew: {0}")]
    RenewalNotEntitled(String),
    /// A renewal must certify a new key.
    #[error("the renewal request certifies the current key again")]
    RenewalSameKey,
    /// The CRL could not be built.
    #[error(transparent)]
    Crl(#[from] CrlError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Stored CA data cannot be read back.
    #[error("stored CA data is invalid: {0}")]
    StoredDataInvalid(String),
    /// A publication service (OCSP, CRL, TSA) could not be set up.
    #[error(transparent)]
    Publication(#[from] crate::publish_error::PublishError),
    /// An operator account cannot be made as asked (role, password).
    #[error("invalid operator account: {0}")]
    OperatorAccountInvalid(String),
}

impl CaError {
    /// The error that says why, under a [`CaError::Refused`].
    pub fn cause(&self) -> &CaError {
        match self {
            CaError::Refused { cause, .. } => cause.cause(),
            other => other,
        }
    }
}

impl Diagnostic for CaError {
    fn code(&self) -> &'static str {
        match self {
            CaError::NotInitialised => "CA_NOT_INITIALISED",
            CaError::AlreadyInitialised => "CA_ALREADY_INITIALISED",
            CaError::InitInvalid { .. } => "CA_INIT_INVALID",
            CaError::SignerMismatch => "CA_SIGNER_MISMATCH",
            CaError::SignerRequired => "CA_SIGNER_REQUIRED",
            CaError::KindUnknown(_) => "CA_APPLICANT_KIND_UNKNOWN",
            CaError::FieldMissing(_) => "CA_APPLICANT_FIELD_MISSING",
            CaError::FieldInvalid(_) => "CA_APPLICANT_FIELD_INVALID",
            CaError::FieldUnexpected(_) => "CA_APPLICANT_FIELD_UNEXPECTED",
            CaError::PassportInvalid(_) => "CA_PASSPORT_INVALID",
            CaError::Identifier { source, .. } => source.code(),
            CaError::CsrMalformed(_) => "CA_CSR_MALFORMED",
            CaError::CsrUnsupportedAlgorithm(_) => "CA_CSR_UNSUPPORTED_ALGORITHM",
            CaError::CsrUnknownParamSet(_) => "CA_CSR_UNKNOWN_PARAMSET",
            CaError::CsrBadKey(_) => "CA_CSR_BAD_KEY",
            CaError::CsrBadSignature => "CA_CSR_BAD_SIGNATURE",
            CaError::Duplicate { .. } => "CA_REQUEST_DUPLICATE",
            CaError::Refused { cause, .. } => cause.code(),
            CaError::RequestNotFound(_) => "CA_REQUEST_NOT_FOUND",
            CaError::RequestWrongState { .. } => "CA_REQUEST_WRONG_STATE",
            CaError::IdentificationInvalid(_) => "CA_IDENTIFICATION_INVALID",
            CaError::RejectionReasonMissing => "CA_REJECTION_REASON_MISSING",
            CaError::OperatorMissing => "CA_OPERATOR_MISSING",
            CaError::Certificate(e) => e.code(),
            CaError::ProfileViolation(_) => "CA_PROFILE_VIOLATION",
            CaError::SerialExhausted => "CA_SERIAL_EXHAUSTED",
            CaError::SerialInvalid(_) => "CA_SERIAL_INVALID",
            CaError::CertUnknown(_) => "CA_CERT_UNKNOWN",
            CaError::CertRevoked(_) => "CA_CERT_REVOKED",
            CaError::CertOnHold(_) => "CA_CERT_ON_HOLD",
            CaError::CertNotOnHold(_) => "CA_CERT_NOT_ON_HOLD",
            CaError::CertExpired(_) => "CA_CERT_EXPIRED",
            CaError::KeyUsageEnded(_) => "CA_KEY_USAGE_ENDED",
            CaError::ReasonUnknown(_) => "CA_REASON_UNKNOWN",
            CaError::ReasonNotAllowed(_) => "CA_REASON_NOT_ALLOWED",
            CaError::SignedRequestMalformed(_) => "CA_SIGNED_REQUEST_MALFORMED",
            CaError::SignedRequestBadSignature(_) => "CA_SIGNED_REQUEST_BAD_SIGNATURE",
            CaError::RevocationRequestMalformed(_) => "CA_REVOCATION_REQUEST_MALFORMED",
            CaError::RevocationNotEntitled(_) => "CA_REVOCATION_NOT_ENTITLED",
            CaError::RenewalNotEntitled(_) => "CA_RENEWAL_NOT_ENTITLED",
            CaError::RenewalSameKey => "CA_RENEWAL_SAME_KEY",
            CaError::Crl(e) => e.code(),
            CaError::Store(e) => e.code(),
            CaError::StoredDataInvalid(_) => "CA_STORED_DATA_INVALID",
            CaError::Publication(e) => e.code(),
            CaError::OperatorAccountInvalid(_) => "CA_OPERATOR_ACCOUNT_INVALID",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            CaError::NotInitialised => {
                "УЦ не создан в этой базе данных. Выполните «podpis ca init» или укажите правильный --data / --database-url.".into()
            }
            CaError::AlreadyInitialised => {
                "УЦ в этой базе данных уже создан; повторное создание не выполняется. Используйте другой каталог данных.".into()
            }
            CaError::InitInvalid { field, problem } => {
                format!("Параметр УЦ «{field}» задан неверно: {problem}. Исправьте его.")
            }
            CaError::SignerMismatch => {
                "Ключ не соответствует сертификату выпускающего УЦ. Укажите ключ этого УЦ.".into()
            }
            CaError::SignerRequired => {
                "Для этого действия нужен ключ выпускающего УЦ. Укажите PIN-код контейнера УЦ.".into()
            }
            CaError::KindUnknown(k) => format!(
                "Неизвестный вид заявителя «{k}». Укажите person (физическое лицо), sole_proprietor (ИП) или organisation (юридическое лицо)."
            ),
            CaError::FieldMissing(f) => {
                format!("Не заполнено поле «{f}», обязательное для этого вида заявителя. Заполните его.")
            }
            CaError::FieldInvalid(f) => format!(
                "Поле «{f}» заполнено неверно: пустое, слишком длинное или с управляющими символами. Исправьте его."
            ),
            CaError::FieldUnexpected(f) => {
                format!("Поле «{f}» не относится к этому виду заявителя. Уберите его или выберите другой вид.")
            }
            CaError::PassportInvalid(f) => format!(
                "Паспортные данные неверны ({f}): серия — 4 цифры, номер — 6 цифр, дата выдачи — ГГГГ-ММ-ДД не позже сегодняшней."
            ),
            CaError::Identifier { field, source } => format!("{field}: {}", source.message_ru()),
            CaError::CsrMalformed(e) => format!(
                "Запрос на сертификат не является запросом PKCS#10 в DER или PEM ({e}). Создайте запрос заново (podpis req)."
            ),
            CaError::CsrUnsupportedAlgorithm(oid) => format!(
                "Алгоритм {oid} в запросе не поддерживается: УЦ выдаёт сертификаты только на ключи ГОСТ Р 34.10-2012."
            ),
            CaError::CsrUnknownParamSet(oid) => format!(
                "Набор параметров ключа {oid} неизвестен. Создайте ключ с одним из наборов ГОСТ Р 34.10-2012 (например, A)."
            ),
            CaError::CsrBadKey(e) => {
                format!("Открытый ключ в запросе неверен ({e}). Создайте ключ и запрос заново.")
            }
            CaError::CsrBadSignature => {
                "Подпись запроса не проверяется его ключом: запрос изменён или подписан другим ключом. Создайте запрос заново.".into()
            }
            CaError::Duplicate { existing } => format!(
                "Для этого ключа уже есть действующая заявка{}. Дождитесь её рассмотрения или создайте новый ключ.",
                existing.map(|id| format!(" № {id}")).unwrap_or_default()
            ),
            CaError::Refused { request_id, cause } => format!(
                "{} Заявка записана как отклонённая (№ {request_id}).",
                cause.message_ru()
            ),
            CaError::RequestNotFound(id) => format!("Заявки № {id} нет. Проверьте номер (podpis ca requests)."),
            CaError::RequestWrongState {
                id,
                actual,
                expected,
            } => format!(
                "Заявка № {id} в состоянии «{actual}», а для этого действия нужно «{expected}». Проверьте состояние заявки."
            ),
            CaError::IdentificationInvalid(f) => format!(
                "Сведения об идентификации неполны: «{f}» не заполнено или слишком длинное. Укажите документ и способ идентификации."
            ),
            CaError::RejectionReasonMissing => "Укажите причину отказа: она сохраняется в заявке.".into(),
            CaError::OperatorMissing => {
                "Не указан оператор (или имя недопустимо). Укажите имя оператора: оно записывается в журнал.".into()
            }
            CaError::Certificate(e) => e.message_ru(),
            CaError::ProfileViolation(codes) => format!(
                "Сертификат не соответствует квалифицированному профилю ({}) и не выпущен. Проверьте данные заявителя и настройки УЦ.",
                codes.join(", ")
            ),
            CaError::SerialExhausted => {
                "Не удалось получить свободный серийный номер. Проверьте системный генератор случайных чисел.".into()
            }
            CaError::SerialInvalid(s) => {
                format!("Серийный номер «{s}» должен быть шестнадцатеричным числом, например 4A3F01.")
            }
            CaError::CertUnknown(s) => {
                format!("Сертификат с серийным номером {s} этим УЦ не выпускался. Проверьте номер.")
            }
            CaError::CertRevoked(s) => format!("Сертификат {s} отозван; отзыв окончательный."),
            CaError::CertOnHold(s) => format!(
                "Действие сертификата {s} приостановлено. Сначала возобновите его (podpis ca release) или отзовите."
            ),
            CaError::CertNotOnHold(s) => {
                format!("Действие сертификата {s} не приостановлено — возобновлять нечего.")
            }
            CaError::CertExpired(s) => format!(
                "Сертификат {s} сейчас недействителен (срок действия не начался или истёк). Обратитесь в УЦ лично."
            ),
            CaError::KeyUsageEnded(s) => format!(
                "Срок действия закрытого ключа сертификата {s} истёк; им нельзя подписывать. Обратитесь в УЦ лично."
            ),
            CaError::ReasonUnknown(r) => format!(
                "Неизвестная причина отзыва «{r}». Используйте: unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn."
            ),
            CaError::ReasonNotAllowed(r) => format!(
                "Причина «{r}» здесь недопустима. Для приостановки используйте podpis ca suspend, для возобновления — podpis ca release."
            ),
            CaError::SignedRequestMalformed(e) => format!(
                "Подписанный запрос не является CMS SignedData с вложенным содержимым ({e}). Подпишите документ присоединённой подписью."
            ),
            CaError::SignedRequestBadSignature(e) => format!(
                "Подпись запроса не проверяется ({e}): документ изменён или подписан другим ключом."
            ),
            CaError::RevocationRequestMalformed(e) => format!(
                "Заявление на отзыв составлено неверно ({e}). Нужен JSON с полями type, serial и reason (см. docs/cli.md)."
            ),
            CaError::RevocationNotEntitled(e) => format!(
                "Нет права отозвать или приостановить этот сертификат: {e}. Попытка записана в журнал. Владелец подписывает заявление своим действующим ключом; при компрометации — скомпрометированным ключом с причиной keyCompromise."
            ),
            CaError::RenewalNotEntitled(e) => format!(
                "Нет права продлить этот сертификат: {e}. Попытка записана в журнал. Запрос на продление подписывается действующим ключом владельца."
            ),
            CaError::RenewalSameKey => {
                "Для продления нужен новый ключ: запрос содержит действующий ключ. Создайте новый ключ и запрос.".into()
            }
            CaError::Crl(e) => e.message_ru(),
            CaError::Store(e) => e.message_ru(),
            CaError::Publication(e) => e.message_ru(),
            CaError::StoredDataInvalid(e) => {
                format!("Данные УЦ в базе повреждены ({e}). Восстановите базу из резервной копии.")
            }
            CaError::OperatorAccountInvalid(e) => format!(
                "Учётная запись оператора не создана: {e}. Роль — operator или admin, пароль — не короче 10 символов, логин — без «:» и не holder…."
            ),
        }
    }

    fn message_en(&self) -> String {
        match self {
            CaError::NotInitialised => {
                "No CA in this database. Run `podpis ca init`, or give the right --data / --database-url.".into()
            }
            CaError::AlreadyInitialised => {
                "This database holds a CA already; it is not created twice. Use another data directory.".into()
            }
            CaError::InitInvalid { field, problem } => {
                format!("CA parameter {field} is invalid: {problem}. Fix it.")
            }
            CaError::SignerMismatch => {
                "The key does not match the issuing CA certificate. Give this CA's key.".into()
            }
            CaError::SignerRequired => {
                "This action needs the issuing CA's key. Give the CA container's PIN.".into()
            }
            CaError::KindUnknown(k) => format!(
                "Unknown applicant kind {k:?}. Use person, sole_proprietor or organisation."
            ),
            CaError::FieldMissing(f) => {
                format!("Field {f}, required for this kind of applicant, is missing. Fill it in.")
            }
            CaError::FieldInvalid(f) => format!(
                "Field {f} is invalid: empty, too long or with control characters. Fix it."
            ),
            CaError::FieldUnexpected(f) => format!(
                "Field {f} does not belong to this kind of applicant. Remove it or choose another kind."
            ),
            CaError::PassportInvalid(f) => format!(
                "The passport data is invalid ({f}): series 4 digits, number 6 digits, issue date YYYY-MM-DD not in the future."
            ),
            CaError::Identifier { field, source } => format!("{field}: {}", source.message_en()),
            CaError::CsrMalformed(e) => format!(
                "The certificate request is not PKCS#10 in DER or PEM ({e}). Make the request again (podpis req)."
            ),
            CaError::CsrUnsupportedAlgorithm(oid) => format!(
                "Algorithm {oid} is not supported: the CA certifies GOST R 34.10-2012 keys only."
            ),
            CaError::CsrUnknownParamSet(oid) => format!(
                "The key's parameter set {oid} is unknown. Make a key with a GOST R 34.10-2012 parameter set (e.g. A)."
            ),
            CaError::CsrBadKey(e) => {
                format!("The request's public key is invalid ({e}). Make a new key and request.")
            }
            CaError::CsrBadSignature => {
                "The request's signature does not verify with its key: it was altered or signed with another key. Make the request again.".into()
            }
            CaError::Duplicate { existing } => format!(
                "A live request for this key exists{}. Wait for it, or make a new key.",
                existing.map(|id| format!(" (No. {id})")).unwrap_or_default()
            ),
            CaError::Refused { request_id, cause } => format!(
                "{} The submission is recorded as rejected request No. {request_id}.",
                cause.message_en()
            ),
            CaError::RequestNotFound(id) => {
                format!("No request {id}. Check the number (podpis ca requests).")
            }
            CaError::RequestWrongState {
                id,
                actual,
                expected,
            } => format!(
                "Request {id} is {actual}; this action needs {expected}. Check the request's state."
            ),
            CaError::IdentificationInvalid(f) => format!(
                "The identification record is incomplete: {f} is missing or too long. Give the document and the method."
            ),
            CaError::RejectionReasonMissing => {
                "Give the reason for the rejection: it is kept with the request.".into()
            }
            CaError::OperatorMissing => {
                "No operator given (or the name is unusable). Give the operator's name: the journal records it.".into()
            }
            CaError::Certificate(e) => e.message_en(),
            CaError::ProfileViolation(codes) => format!(
                "The certificate breaks the qualified profile ({}) and was not issued. Check the applicant data and the CA settings.",
                codes.join(", ")
            ),
            CaError::SerialExhausted => {
                "No free serial number could be drawn. Check the system random number generator.".into()
            }
            CaError::SerialInvalid(s) => {
                format!("Serial number {s:?} must be hexadecimal, e.g. 4A3F01.")
            }
            CaError::CertUnknown(s) => {
                format!("This CA issued no certificate with serial {s}. Check the number.")
            }
            CaError::CertRevoked(s) => format!("Certificate {s} is revoked, for good."),
            CaError::CertOnHold(s) => format!(
                "Certificate {s} is suspended. Release it first (podpis ca release), or revoke it."
            ),
            CaError::CertNotOnHold(s) => {
                format!("Certificate {s} is not suspended: there is nothing to release.")
            }
            CaError::CertExpired(s) => format!(
                "Certificate {s} is not valid now (not yet valid or expired). Apply to the CA in person."
            ),
            CaError::KeyUsageEnded(s) => format!(
                "The private key of certificate {s} is past its usage period and may not sign. Apply to the CA in person."
            ),
            CaError::ReasonUnknown(r) => format!(
                "Unknown revocation reason {r:?}. Use unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation or privilegeWithdrawn."
            ),
            CaError::ReasonNotAllowed(r) => format!(
                "Reason {r} is not allowed here. Suspend with `podpis ca suspend`, release with `podpis ca release`."
            ),
            CaError::SignedRequestMalformed(e) => format!(
                "The signed request is not CMS SignedData with attached content ({e}). Sign the document with an attached signature."
            ),
            CaError::SignedRequestBadSignature(e) => format!(
                "The request's signature does not verify ({e}): the document was altered or signed with another key."
            ),
            CaError::RevocationRequestMalformed(e) => format!(
                "The revocation request is malformed ({e}). It is JSON with type, serial and reason (see docs/cli.md)."
            ),
            CaError::RevocationNotEntitled(e) => format!(
                "Not entitled to revoke or suspend this certificate: {e}. The attempt is journaled. The holder signs with a valid key of theirs; on key compromise, anyone signs with the compromised key and reason keyCompromise."
            ),
            CaError::RenewalNotEntitled(e) => format!(
                "Not entitled to renew this certificate: {e}. The attempt is journaled. A renewal request is signed with the holder's valid key."
            ),
            CaError::RenewalSameKey => {
                "A renewal needs a new key: the request carries the current one. Make a new key and request.".into()
            }
            CaError::Crl(e) => e.message_en(),
            CaError::Store(e) => e.message_en(),
            CaError::Publication(e) => e.message_en(),
            CaError::StoredDataInvalid(e) => {
                format!("Stored CA data is damaged ({e}). Restore the database from a backup.")
            }
            CaError::OperatorAccountInvalid(e) => format!(
                "The operator account was not saved: {e}. The role is operator or admin; the password has at least 10 characters; the login has no ':' and is not holder…."
            ),
        }
    }
}
