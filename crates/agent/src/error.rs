//! The agent's errors: one stable code each, with the Russian and English
//! messages the SDK shows (`web/sdk/podpis-agent.js` carries the same
//! catalogue; `tests/catalogue.rs` checks both against `docs/errors.md`).

use pki::Diagnostic;

/// Why the agent refused a call or a signature failed. Never carries a
/// PIN, a key or a form token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The Host header is not the agent's loopback address (DNS rebinding).
    #[error("the Host header is not the agent's address")]
    HostNotAllowed,
    /// The calling page's origin is missing or not in the allow-list.
    #[error("the origin is not allowed")]
    OriginNotAllowed {
        /// The agent's page where the user can approve the origin once, if
        /// the call carried an origin.
        approval_url: Option<String>,
    },
    /// The request carries no nonce, or a malformed one.
    #[error("the request carries no valid nonce")]
    NonceInvalid,
    /// The nonce was used before: a replayed request.
    #[error("the nonce was used before")]
    NonceReused,
    /// The call is malformed (body, fields, digest length, data with digest).
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// No certificate with this id among the agent's keys.
    #[error("no such certificate")]
    CertNotFound,
    /// The user pressed «Отмена» on the consent page.
    #[error("the user cancelled")]
    Cancelled,
    /// Nobody answered the consent page in time.
    #[error("the consent request expired")]
    ConsentExpired,
    /// No such consent request (unknown id, wrong token, or another origin's).
    #[error("no such consent request")]
    ConsentNotFound,
    /// The consent request was already decided: a replayed consent.
    #[error("the consent request was already decided")]
    ConsentUsed,
    /// The PIN is wrong; `tries_left` more wrong PINs lock it (unknown for
    /// tokens that do not tell).
    #[error("wrong PIN")]
    PinIncorrect {
        /// Wrong PINs left before the PIN locks, when the key holder says.
        tries_left: Option<u8>,
    },
    /// The PIN is locked after too many wrong tries.
    #[error("the PIN is locked")]
    PinLocked,
    /// The key holder (container file, token) failed; `cause` is its code.
    #[error("the key holder failed: {cause}")]
    SignFailed {
        /// The key holder's own error code (e.g. `CONTAINER_CORRUPT`).
        cause: &'static str,
    },
    /// Too many consent requests or approvals are waiting.
    #[error("too many pending requests")]
    Busy,
    /// The allow-list file could not be read or written.
    #[error("the allow-list file failed: {0}")]
    OriginsFile(String),
}

impl AgentError {
    /// The HTTP status the API answers with.
    pub fn status(&self) -> u16 {
        match self {
            AgentError::HostNotAllowed => 421,
            AgentError::OriginNotAllowed { .. } => 403,
            AgentError::NonceInvalid | AgentError::BadRequest(_) => 400,
            AgentError::NonceReused | AgentError::ConsentUsed => 409,
            AgentError::CertNotFound | AgentError::ConsentNotFound => 404,
            AgentError::Cancelled
            | AgentError::PinIncorrect { .. }
            | AgentError::PinLocked
            | AgentError::ConsentExpired => 200,
            AgentError::SignFailed { .. } | AgentError::OriginsFile(_) => 500,
            AgentError::Busy => 429,
        }
    }

    /// The error as the API's JSON object: code, both messages and the
    /// code's parameters (`triesLeft`, `approvalUrl`, `cause`).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "code": self.code(),
            "message_ru": self.message_ru(),
            "message_en": self.message_en(),
        });
        match self {
            AgentError::OriginNotAllowed {
                approval_url: Some(url),
            } => v["approvalUrl"] = url.clone().into(),
            AgentError::PinIncorrect {
                tries_left: Some(n),
            } => v["triesLeft"] = (*n).into(),
            AgentError::SignFailed { cause } => v["cause"] = (*cause).into(),
            AgentError::BadRequest(why) => v["detail"] = (*why).into(),
            AgentError::OriginsFile(why) => v["detail"] = why.clone().into(),
            _ => {}
        }
        v
    }
}

fn tries(n: Option<u8>) -> String {
    n.map_or_else(|| "?".to_owned(), |n| n.to_string())
}

impl Diagnostic for AgentError {
    fn code(&self) -> &'static str {
        match self {
            AgentError::HostNotAllowed => "AGENT_HOST_NOT_ALLOWED",
            AgentError::OriginNotAllowed { .. } => "ORIGIN_NOT_ALLOWED",
            AgentError::NonceInvalid => "AGENT_NONCE_INVALID",
            AgentError::NonceReused => "AGENT_NONCE_REUSED",
            AgentError::BadRequest(_) => "AGENT_BAD_REQUEST",
            AgentError::CertNotFound => "AGENT_CERT_NOT_FOUND",
            AgentError::Cancelled => "CANCELLED",
            AgentError::ConsentExpired => "CONSENT_EXPIRED",
            AgentError::ConsentNotFound => "CONSENT_NOT_FOUND",
            AgentError::ConsentUsed => "CONSENT_USED",
            AgentError::PinIncorrect { .. } => "PIN_INCORRECT",
            AgentError::PinLocked => "PIN_LOCKED",
            AgentError::SignFailed { .. } => "AGENT_SIGN_FAILED",
            AgentError::Busy => "AGENT_BUSY",
            AgentError::OriginsFile(_) => "AGENT_ORIGINS_FILE",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            AgentError::HostNotAllowed => "Запрос пришёл не на адрес агента (127.0.0.1, [::1] или localhost). Обращайтесь к агенту по его адресу.".into(),
            AgentError::OriginNotAllowed { .. } => "Этот сайт не допущен к агенту подписи. Разрешите его в окне агента или на странице агента.".into(),
            AgentError::NonceInvalid => "В запросе нет одноразового кода (nonce). Обновите библиотеку podpis-agent на сайте.".into(),
            AgentError::NonceReused => "Запрос повторён (одноразовый код уже использован). Повторите действие на сайте.".into(),
            AgentError::BadRequest(why) => format!("Неверный запрос к агенту: {why}. Сообщите владельцу сайта."),
            AgentError::CertNotFound => "Сертификат не найден у агента. Подключите токен или выберите другой сертификат.".into(),
            AgentError::Cancelled => "Подписание отменено пользователем.".into(),
            AgentError::ConsentExpired => "Время на подтверждение истекло. Повторите подписание.".into(),
            AgentError::ConsentNotFound => "Запрос на подпись не найден. Повторите подписание на сайте.".into(),
            AgentError::ConsentUsed => "Этот запрос уже обработан; повторное подтверждение ничего не делает. Повторите подписание на сайте.".into(),
            AgentError::PinIncorrect { tries_left } => format!(
                "Неверный PIN-код. Осталось попыток: {}; после этого PIN-код будет заблокирован.",
                tries(*tries_left)
            ),
            AgentError::PinLocked => "PIN-код заблокирован после нескольких неверных попыток. Разблокируйте его PIN-кодом администратора (SO PIN): `podpis token unblock`.".into(),
            AgentError::SignFailed { cause } => format!("Не удалось подписать ключом ({cause}). Проверьте контейнер или токен: `podpis token list`."),
            AgentError::Busy => "Слишком много запросов ждут подтверждения. Завершите их и повторите.".into(),
            AgentError::OriginsFile(e) => format!("Не удалось прочитать или записать список разрешённых сайтов: {e}. Проверьте права на файл."),
        }
    }

    fn message_en(&self) -> String {
        match self {
            AgentError::HostNotAllowed => "The request was not sent to the agent's address (127.0.0.1, [::1] or localhost). Call the agent by its address.".into(),
            AgentError::OriginNotAllowed { .. } => "This site is not allowed to use the signing agent. Allow it in the agent's window or on the agent's page.".into(),
            AgentError::NonceInvalid => "The request carries no nonce. Update the podpis-agent library on the site.".into(),
            AgentError::NonceReused => "The request was replayed (its nonce was used before). Repeat the action on the site.".into(),
            AgentError::BadRequest(why) => format!("Bad request to the agent: {why}. Tell the site's owner."),
            AgentError::CertNotFound => "The agent has no such certificate. Plug in the token or pick another certificate.".into(),
            AgentError::Cancelled => "The user cancelled signing.".into(),
            AgentError::ConsentExpired => "The time to confirm ran out. Sign again.".into(),
            AgentError::ConsentNotFound => "No such signing request. Sign again on the site.".into(),
            AgentError::ConsentUsed => "This request was already decided; confirming it again does nothing. Sign again on the site.".into(),
            AgentError::PinIncorrect { tries_left } => format!(
                "Wrong PIN. {} tries left before the PIN locks.",
                tries(*tries_left)
            ),
            AgentError::PinLocked => "The PIN is locked after too many wrong tries. Unblock it with the SO PIN: `podpis token unblock`.".into(),
            AgentError::SignFailed { cause } => format!("Signing with the key failed ({cause}). Check the container or token: `podpis token list`."),
            AgentError::Busy => "Too many requests are waiting for confirmation. Finish them and retry.".into(),
            AgentError::OriginsFile(e) => format!("Reading or writing the list of allowed sites failed: {e}. Check the file's permissions."),
        }
    }
}
