//! The errors of the e-signature login, one per check of design.md §4,
//! each with a stable code and Russian and English messages that say what
//! to do (docs/errors.md, «Login by e-signature»).

use std::time::SystemTime;

use pki::Diagnostic;
use store::StoreError;

/// Why an e-signature login (or a certificate operation) was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EsigError {
    /// Check 1: the signature is not a CMS SignedData with one signer whose
    /// certificate it carries (unparsable, several signers, no certificate).
    #[error("the signature cannot be read: {0}")]
    SignatureMalformed(String),
    /// Check 2: the signature does not verify over the challenge (tampered,
    /// another key, or another text signed).
    #[error("the signature does not verify over the challenge: {0}")]
    SignatureInvalid(String),
    /// Check 3: the challenge's five minutes are over.
    #[error("the challenge has expired")]
    ChallengeExpired,
    /// Check 3: the challenge was used already, is unknown, or was issued
    /// to another browser session (one code: which of these is not told).
    #[error("the challenge was used already or is not this session's")]
    ChallengeReused,
    /// Check 4: the certificate's validity ended.
    #[error("the certificate expired")]
    CertExpired {
        /// notAfter.
        not_after: SystemTime,
    },
    /// Check 4: the certificate's validity has not begun.
    #[error("the certificate is not yet valid")]
    CertNotYetValid {
        /// notBefore.
        not_before: SystemTime,
    },
    /// Check 5: no path to a root of the configured trust list (or a CA on
    /// the path is out of its validity or breaks a constraint).
    #[error("the certificate does not chain to a trusted root: {0}")]
    CertUntrusted(String),
    /// Check 6: the key usage does not allow signing, or the certificate
    /// does not follow the qualified profile the login demands.
    #[error("the certificate is not a qualified signing certificate: {0}")]
    CertNotQualified(String),
    /// Check 7: the CA revoked the certificate.
    #[error("the certificate was revoked")]
    CertRevoked {
        /// When.
        at: SystemTime,
        /// The reason, as its RFC 5280 name, if said.
        reason: Option<&'static str>,
    },
    /// Check 7: neither OCSP nor a CRL gave a usable answer, and the policy
    /// fails closed.
    #[error("the revocation status could not be checked: {0}")]
    RevocationUnavailable(String),
    /// Check 8: the certificate names no person (SNILS) of an account, or
    /// its account's SNILS differs.
    #[error("the certificate does not match an account")]
    IdentityMismatch,
    /// Check 8: the account whose SNILS matches is a simplified one, which
    /// a certificate cannot log in to or confirm.
    #[error("the account is not at the standard level")]
    AccountNotConfirmed,
    /// Check 9: an administrator blocked the account.
    #[error("the account is blocked")]
    AccountBlocked,
    /// Check 9: the account is locked after wrong passwords and the policy
    /// does not let e-signature logins through.
    #[error("the account is locked")]
    AccountLocked,
    /// The request is malformed (missing field, not base64).
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// The call needs a signed-in session.
    #[error("not signed in")]
    NotSignedIn,
    /// No such certificate bound to this account.
    #[error("no such bound certificate")]
    CertificateNotFound,
    /// The trust list could not be loaded.
    #[error("the trust list cannot be loaded: {0}")]
    TrustList(String),
    /// The system random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An internal task failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl EsigError {
    /// The HTTP status of the refusal.
    pub fn http_status(&self) -> u16 {
        match self {
            EsigError::BadRequest(_) => 400,
            EsigError::SignatureMalformed(_)
            | EsigError::SignatureInvalid(_)
            | EsigError::ChallengeExpired
            | EsigError::ChallengeReused
            | EsigError::CertExpired { .. }
            | EsigError::CertNotYetValid { .. }
            | EsigError::CertUntrusted(_)
            | EsigError::CertNotQualified(_)
            | EsigError::CertRevoked { .. }
            | EsigError::IdentityMismatch
            | EsigError::AccountNotConfirmed
            | EsigError::NotSignedIn => 401,
            EsigError::AccountBlocked | EsigError::AccountLocked => 403,
            EsigError::CertificateNotFound => 404,
            EsigError::RevocationUnavailable(_) => 503,
            EsigError::Store(StoreError::Unavailable(_)) => 503,
            EsigError::TrustList(_)
            | EsigError::Random
            | EsigError::Store(_)
            | EsigError::Internal(_) => 500,
        }
    }
}

fn date(t: &SystemTime) -> String {
    pki::validation::rfc3339(*t)
}

impl Diagnostic for EsigError {
    fn code(&self) -> &'static str {
        match self {
            EsigError::SignatureMalformed(_) | EsigError::SignatureInvalid(_) => {
                "SIGNATURE_INVALID"
            }
            EsigError::ChallengeExpired => "CHALLENGE_EXPIRED",
            EsigError::ChallengeReused => "CHALLENGE_REUSED",
            EsigError::CertExpired { .. } => "CERT_EXPIRED",
            EsigError::CertNotYetValid { .. } => "CERT_NOT_YET_VALID",
            EsigError::CertUntrusted(_) => "CERT_UNTRUSTED",
            EsigError::CertNotQualified(_) => "CERT_NOT_QUALIFIED",
            EsigError::CertRevoked { .. } => "CERT_REVOKED",
            EsigError::RevocationUnavailable(_) => "REVOCATION_UNAVAILABLE",
            EsigError::IdentityMismatch => "IDENTITY_MISMATCH",
            EsigError::AccountNotConfirmed => "ACCOUNT_NOT_CONFIRMED",
            EsigError::AccountBlocked => "ACCOUNT_BLOCKED",
            EsigError::AccountLocked => "ACCOUNT_LOCKED",
            EsigError::BadRequest(_) => "ESIG_BAD_REQUEST",
            EsigError::NotSignedIn => "ESIG_NOT_SIGNED_IN",
            EsigError::CertificateNotFound => "ESIG_CERTIFICATE_NOT_FOUND",
            EsigError::TrustList(_) => "ESIG_TRUST_LIST",
            EsigError::Random => "SYSTEM_RANDOM_FAILED",
            EsigError::Store(e) => e.code(),
            EsigError::Internal(_) => "ESIG_INTERNAL",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            EsigError::SignatureMalformed(_) => "Подпись не читается: это должна быть подпись CMS (CAdES-BES) с одним подписантом и его сертификатом. Подпишите вызов заново средством электронной подписи.".into(),
            EsigError::SignatureInvalid(_) => "Подпись не проверяется: подписан не тот текст, подпись повреждена или сделана другим ключом. Запросите новый вызов и подпишите его заново.".into(),
            EsigError::ChallengeExpired => "Время на подпись истекло (5 минут). Запросите новый вызов и подпишите его.".into(),
            EsigError::ChallengeReused => "Этот вызов уже использован или выдан другому сеансу браузера. Обновите страницу входа и подпишите новый вызов.".into(),
            EsigError::CertExpired { not_after } => format!("Срок действия сертификата истёк {}. Получите новый сертификат в удостоверяющем центре и войдите с ним.", date(not_after)),
            EsigError::CertNotYetValid { not_before } => format!("Сертификат начнёт действовать только {}. Проверьте дату и время на компьютере или дождитесь начала срока.", date(not_before)),
            EsigError::CertUntrusted(_) => "Сертификат выдан удостоверяющим центром, которому портал не доверяет (нет в списке аккредитованных УЦ). Войдите с сертификатом аккредитованного УЦ.".into(),
            EsigError::CertNotQualified(_) => "Сертификат не является квалифицированным сертификатом для подписи (профиль или назначение ключа). Войдите с квалифицированным сертификатом (УКЭП).".into(),
            EsigError::CertRevoked { at, .. } => format!("Сертификат отозван удостоверяющим центром {}. Войдите с действующим сертификатом или получите новый.", date(at)),
            EsigError::RevocationUnavailable(_) => "Не удалось проверить, не отозван ли сертификат: служба OCSP и список отзыва удостоверяющего центра недоступны. Повторите вход позже.".into(),
            EsigError::IdentityMismatch => "Сертификат не подходит ни к одной учётной записи: СНИЛС владельца не совпадает. Войдите по паролю и проверьте СНИЛС в профиле или используйте свой сертификат.".into(),
            EsigError::AccountNotConfirmed => "Учётная запись упрощённая. Войдите по паролю, заполните СНИЛС и паспортные данные (стандартная учётная запись), затем войдите с электронной подписью, чтобы подтвердить её.".into(),
            EsigError::AccountBlocked => "Учётная запись заблокирована администратором. Обратитесь в службу поддержки.".into(),
            EsigError::AccountLocked => "Учётная запись временно заблокирована после неверных паролей, и политика не разрешает вход по подписи. Подождите окончания блокировки или восстановите доступ.".into(),
            EsigError::BadRequest(what) => format!("Неверный запрос ({what}). Проверьте поля challenge и signature (base64)."),
            EsigError::NotSignedIn => "Нужно войти. Войдите в личный кабинет и повторите.".into(),
            EsigError::CertificateNotFound => "Такого привязанного сертификата нет. Обновите список сертификатов.".into(),
            EsigError::TrustList(e) => format!("Не удалось загрузить список доверенных УЦ ({e}). Проверьте настройку trust_list сервера."),
            EsigError::Random => "Системный генератор случайных чисел не сработал. Повторите позже.".into(),
            EsigError::Store(e) => e.message_ru(),
            EsigError::Internal(_) => "Внутренняя ошибка сервера. Повторите позже.".into(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            EsigError::SignatureMalformed(_) => "The signature cannot be read: it must be a CMS (CAdES-BES) signature with one signer and its certificate. Sign the challenge again with your signature tool.".into(),
            EsigError::SignatureInvalid(_) => "The signature does not verify: another text was signed, or the signature is damaged or made with another key. Request a new challenge and sign it again.".into(),
            EsigError::ChallengeExpired => "The time to sign is over (5 minutes). Request a new challenge and sign it.".into(),
            EsigError::ChallengeReused => "This challenge was used already or was issued to another browser session. Reload the login page and sign a new challenge.".into(),
            EsigError::CertExpired { not_after } => format!("The certificate expired at {}. Get a new certificate from the certification authority and log in with it.", date(not_after)),
            EsigError::CertNotYetValid { not_before } => format!("The certificate becomes valid only at {}. Check this computer's date and time, or wait until it is valid.", date(not_before)),
            EsigError::CertUntrusted(_) => "The certificate was issued by a certification authority the portal does not trust (not on the list of accredited CAs). Log in with a certificate of an accredited CA.".into(),
            EsigError::CertNotQualified(_) => "The certificate is not a qualified signing certificate (profile or key usage). Log in with a qualified certificate.".into(),
            EsigError::CertRevoked { at, .. } => format!("The certification authority revoked the certificate at {}. Log in with a valid certificate or get a new one.", date(at)),
            EsigError::RevocationUnavailable(_) => "Could not check whether the certificate is revoked: the CA's OCSP service and revocation list are unreachable. Try again later.".into(),
            EsigError::IdentityMismatch => "The certificate does not match any account: the holder's SNILS differs. Log in with your password and check the SNILS in your profile, or use your own certificate.".into(),
            EsigError::AccountNotConfirmed => "The account is a simplified one. Log in with your password, enter your SNILS and passport details (standard account), then log in with your e-signature to confirm it.".into(),
            EsigError::AccountBlocked => "The account was blocked by an administrator. Contact support.".into(),
            EsigError::AccountLocked => "The account is locked after wrong passwords and the policy does not let e-signature logins through. Wait until the lock ends or recover access.".into(),
            EsigError::BadRequest(what) => format!("Bad request ({what}). Check the challenge and signature fields (base64)."),
            EsigError::NotSignedIn => "You need to sign in. Sign in to your account and try again.".into(),
            EsigError::CertificateNotFound => "There is no such bound certificate. Refresh the list of certificates.".into(),
            EsigError::TrustList(e) => format!("The list of trusted CAs cannot be loaded ({e}). Check the server's trust_list setting."),
            EsigError::Random => "The system random number generator failed. Try again later.".into(),
            EsigError::Store(e) => e.message_en(),
            EsigError::Internal(_) => "Internal server error. Try again later.".into(),
        }
    }
}
