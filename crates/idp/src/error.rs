//! [`AccountError`]: why an account, login, session or journal operation
//! was refused, with a stable code, Russian and English messages that say
//! what to do, and the HTTP status the API answers with. The API's error
//! body is `{code, message_ru, message_en}` like `ca::api`.
//!
//! Messages never tell whether an account exists: a wrong login and a
//! wrong password are the same [`AccountError::LoginFailed`], and a lock
//! reads the same for any login name.

use std::time::{Duration, SystemTime};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pki::Diagnostic;
use pki::identifiers::IdError;
use serde::Serialize;
use store::StoreError;

/// Why an operation of the accounts part was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// The login name or the password is wrong (which one is not said).
    #[error("wrong login or password")]
    LoginFailed,
    /// Too many failed logins: locked until then.
    #[error("login locked after too many failures")]
    Locked {
        /// The lock ends then.
        until: SystemTime,
        /// Seconds left at the time of the refusal.
        retry_after: Duration,
    },
    /// Too many failed logins from this client address.
    #[error("too many failed logins from this address")]
    IpLimited {
        /// Seconds until the window ends.
        retry_after: Duration,
    },
    /// The account is blocked by an administrator.
    #[error("the account is blocked")]
    Blocked,
    /// The one-time code is wrong.
    #[error("wrong one-time code")]
    CodeInvalid {
        /// Tries left on this flow.
        attempts_left: i64,
    },
    /// The one-time code or the step it belongs to expired, or was used.
    #[error("the one-time code expired or was used")]
    CodeExpired,
    /// Too many wrong codes: the flow is closed.
    #[error("too many wrong one-time codes")]
    CodeTriesExhausted,
    /// The new password is shorter than the minimum.
    #[error("the password is shorter than {min} characters")]
    PasswordTooShort {
        /// The minimum.
        min: usize,
    },
    /// The new password has too few kinds of character.
    #[error("the password needs at least {classes} kinds of character")]
    PasswordTooSimple {
        /// Kinds needed.
        classes: usize,
    },
    /// The new password is on the list of common passwords, or is the login.
    #[error("the password is a common one")]
    PasswordCommon,
    /// The current password given to change it is wrong.
    #[error("the current password is wrong")]
    PasswordWrong,
    /// The login is neither an e-mail address nor a phone number.
    #[error("the login is neither an e-mail address nor a phone number")]
    LoginInvalid,
    /// An e-mail address that cannot be right.
    #[error("invalid e-mail address")]
    EmailInvalid,
    /// A phone number that cannot be right.
    #[error("invalid phone number")]
    PhoneInvalid,
    /// SNILS or INN failed its format or control-digit check.
    #[error(transparent)]
    Identifier(#[from] IdError),
    /// Passport series (4 digits) or number (6 digits) malformed.
    #[error("invalid passport {0}")]
    PassportInvalid(&'static str),
    /// A date that is not `YYYY-MM-DD` or is out of range.
    #[error("invalid date: {0}")]
    DateInvalid(&'static str),
    /// A name with characters a name cannot have, or empty.
    #[error("invalid name: {0}")]
    NameInvalid(&'static str),
    /// Another account holds this SNILS.
    #[error("the SNILS belongs to another account")]
    SnilsTaken,
    /// A confirmed account's identity data cannot be changed by the user.
    #[error("the identity of a confirmed account cannot be changed")]
    ProfileConfirmed,
    /// The operator confirmation needs a standard account.
    #[error("the account is not at the standard level")]
    NotStandard,
    /// The SNILS on the document the operator saw is not the account's.
    #[error("the SNILS on the document is not the account's")]
    SnilsMismatch,
    /// No such account (operator actions only: users never learn this):
    /// its number, e-mail or phone.
    #[error("no account {0}")]
    AccountNotFound(String),
    /// The call needs a live session.
    #[error("a session is required")]
    SessionRequired,
    /// The form's CSRF token is missing or wrong.
    #[error("the form token is missing or wrong")]
    CsrfFailed,
    /// No such live session of this account.
    #[error("no such session")]
    SessionNotFound,
    /// No TOTP authenticator is enrolled.
    #[error("no authenticator app is enrolled")]
    TotpNotEnrolled,
    /// No TOTP enrolment is pending.
    #[error("no authenticator enrolment is pending")]
    TotpNotPending,
    /// The notifier could not deliver the message.
    #[error("the message could not be sent: {0}")]
    NotifyFailed(String),
    /// The SMTP settings (`idp.smtp`) are wrong: the sender, the password
    /// source, TLS.
    #[error("invalid SMTP settings: {0}")]
    SmtpConfig(String),
    /// The server key file cannot be read or made.
    #[error("the identity provider's key is unavailable: {0}")]
    Keys(String),
    /// A sealed secret cannot be opened (the server key changed).
    #[error("a sealed secret cannot be opened")]
    SealBroken,
    /// The system random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// An operator call without credentials.
    #[error("operator authentication required")]
    OperatorAuthRequired,
    /// Wrong operator login or password.
    #[error("wrong operator login or password")]
    OperatorAuthFailed,
    /// The operator account is locked.
    #[error("the operator account is locked")]
    OperatorLocked,
    /// The body is not what this call takes.
    #[error("bad request body: {0}")]
    BadRequest(String),
    /// The body is too large.
    #[error("request body too large")]
    TooLarge,
    /// No such path.
    #[error("not found")]
    NotFound,
    /// The demo outbox is shown in demo mode only.
    #[error("demo mode is off")]
    DemoOff,
    /// Hashing or another internal step failed.
    #[error("internal error: {0}")]
    Internal(String),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> AccountError {
        match e {
            StoreError::Taken("snils") => AccountError::SnilsTaken,
            StoreError::Random => AccountError::Random,
            e => AccountError::Store(e),
        }
    }
}

impl AccountError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        use AccountError::*;
        match self {
            LoginFailed
            | CodeInvalid { .. }
            | CodeExpired
            | SessionRequired
            | OperatorAuthRequired
            | OperatorAuthFailed => StatusCode::UNAUTHORIZED,
            Locked { .. } | IpLimited { .. } | CodeTriesExhausted | OperatorLocked => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Blocked | CsrfFailed | PasswordWrong => StatusCode::FORBIDDEN,
            PasswordTooShort { .. }
            | PasswordTooSimple { .. }
            | PasswordCommon
            | LoginInvalid
            | EmailInvalid
            | PhoneInvalid
            | Identifier(_)
            | PassportInvalid(_)
            | DateInvalid(_)
            | NameInvalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            SnilsTaken | ProfileConfirmed | NotStandard | SnilsMismatch | TotpNotEnrolled
            | TotpNotPending => StatusCode::CONFLICT,
            AccountNotFound(_) | SessionNotFound | NotFound | DemoOff => StatusCode::NOT_FOUND,
            BadRequest(_) => StatusCode::BAD_REQUEST,
            TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            NotifyFailed(_) => StatusCode::SERVICE_UNAVAILABLE,
            Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            Store(StoreError::NotFound { .. }) => StatusCode::NOT_FOUND,
            Store(StoreError::WrongState { .. }) | Store(StoreError::Taken(_)) => {
                StatusCode::CONFLICT
            }
            Keys(_) | SmtpConfig(_) | SealBroken | Random | Internal(_) | Store(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// Seconds a client should wait before trying again, for 429s.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            AccountError::Locked { retry_after, .. } | AccountError::IpLimited { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }
}

/// `HH:MM UTC` of a time, for messages.
fn hhmm(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("{:02}:{:02} UTC", secs / 3600 % 24, secs / 60 % 60)
}

/// Whole minutes, rounded up.
fn minutes(d: Duration) -> u64 {
    d.as_secs().div_ceil(60).max(1)
}

impl Diagnostic for AccountError {
    fn code(&self) -> &'static str {
        match self {
            AccountError::LoginFailed => "LOGIN_FAILED",
            AccountError::Locked { .. } => "LOGIN_LOCKED",
            AccountError::IpLimited { .. } => "LOGIN_RATE_LIMITED",
            AccountError::Blocked => "ACCOUNT_BLOCKED",
            AccountError::CodeInvalid { .. } => "OTP_INVALID",
            AccountError::CodeExpired => "OTP_EXPIRED",
            AccountError::CodeTriesExhausted => "OTP_TRIES_EXHAUSTED",
            AccountError::PasswordTooShort { .. } => "PASSWORD_TOO_SHORT",
            AccountError::PasswordTooSimple { .. } => "PASSWORD_TOO_SIMPLE",
            AccountError::PasswordCommon => "PASSWORD_COMMON",
            AccountError::PasswordWrong => "PASSWORD_WRONG",
            AccountError::LoginInvalid => "LOGIN_INVALID",
            AccountError::EmailInvalid => "EMAIL_INVALID",
            AccountError::PhoneInvalid => "PHONE_INVALID",
            AccountError::Identifier(e) => e.code(),
            AccountError::PassportInvalid(_) => "PASSPORT_INVALID",
            AccountError::DateInvalid(_) => "DATE_INVALID",
            AccountError::NameInvalid(_) => "NAME_INVALID",
            AccountError::SnilsTaken => "SNILS_TAKEN",
            AccountError::ProfileConfirmed => "PROFILE_CONFIRMED",
            AccountError::NotStandard => "ACCOUNT_NOT_STANDARD",
            AccountError::SnilsMismatch => "ACCOUNT_SNILS_MISMATCH",
            AccountError::AccountNotFound(_) => "ACCOUNT_NOT_FOUND",
            AccountError::SessionRequired => "SESSION_REQUIRED",
            AccountError::CsrfFailed => "CSRF_FAILED",
            AccountError::SessionNotFound => "SESSION_NOT_FOUND",
            AccountError::TotpNotEnrolled => "TOTP_NOT_ENROLLED",
            AccountError::TotpNotPending => "TOTP_NOT_PENDING",
            AccountError::NotifyFailed(_) => "NOTIFY_FAILED",
            AccountError::SmtpConfig(_) => "SMTP_CONFIG_INVALID",
            AccountError::Keys(_) => "IDP_KEYS_UNAVAILABLE",
            AccountError::SealBroken => "IDP_SEAL_BROKEN",
            AccountError::Random => "IDP_RANDOM_FAILED",
            AccountError::OperatorAuthRequired => "API_AUTH_REQUIRED",
            AccountError::OperatorAuthFailed => "API_AUTH_FAILED",
            AccountError::OperatorLocked => "API_OPERATOR_LOCKED",
            AccountError::BadRequest(_) => "API_BAD_REQUEST",
            AccountError::TooLarge => "API_BODY_TOO_LARGE",
            AccountError::NotFound => "API_NOT_FOUND",
            AccountError::DemoOff => "DEMO_MODE_OFF",
            AccountError::Internal(_) => "IDP_INTERNAL",
            AccountError::Store(e) => e.code(),
        }
    }

    fn message_ru(&self) -> String {
        match self {
            AccountError::LoginFailed => {
                "Неверный логин или пароль. Проверьте раскладку и Caps Lock; если забыли пароль, восстановите его.".into()
            }
            AccountError::Locked { until, retry_after } => format!(
                "Вход временно заблокирован после нескольких неудачных попыток — до {} (около {} мин). \
                 Подождите, восстановите пароль или войдите с помощью электронной подписи.",
                hhmm(*until),
                minutes(*retry_after)
            ),
            AccountError::IpLimited { retry_after } => format!(
                "Слишком много неудачных попыток входа с этого адреса. Повторите через {} мин.",
                minutes(*retry_after)
            ),
            AccountError::Blocked => {
                "Учётная запись заблокирована. Обратитесь в службу поддержки.".into()
            }
            AccountError::CodeInvalid { attempts_left } => format!(
                "Неверный одноразовый код. Проверьте код и введите снова (осталось попыток: {attempts_left})."
            ),
            AccountError::CodeExpired => {
                "Срок действия кода истёк или код уже использован. Начните заново — будет выслан новый код.".into()
            }
            AccountError::CodeTriesExhausted => {
                "Слишком много неверных кодов. Начните заново — будет выслан новый код.".into()
            }
            AccountError::PasswordTooShort { min } => {
                format!("Пароль слишком короткий: нужно не меньше {min} символов.")
            }
            AccountError::PasswordTooSimple { classes } => format!(
                "Пароль слишком простой: используйте не меньше {classes} видов символов из четырёх — \
                 строчные и заглавные буквы, цифры, знаки."
            ),
            AccountError::PasswordCommon => {
                "Этот пароль слишком распространён (или совпадает с логином) и легко подбирается. Придумайте другой.".into()
            }
            AccountError::PasswordWrong => {
                "Текущий пароль указан неверно. Введите его снова.".into()
            }
            AccountError::LoginInvalid => {
                "Укажите адрес электронной почты или номер мобильного телефона.".into()
            }
            AccountError::EmailInvalid => {
                "Адрес электронной почты указан неверно. Проверьте его.".into()
            }
            AccountError::PhoneInvalid => {
                "Номер телефона указан неверно. Укажите его в формате +7 XXX XXX-XX-XX.".into()
            }
            AccountError::Identifier(e) => e.message_ru(),
            AccountError::PassportInvalid(what) => format!(
                "Паспортные данные указаны неверно ({}): серия — 4 цифры, номер — 6 цифр. Сверьте с паспортом.",
                if *what == "series" { "серия" } else { "номер" }
            ),
            AccountError::DateInvalid(what) => format!(
                "Дата указана неверно ({}): нужен формат ГГГГ-ММ-ДД и реальная дата.",
                if *what == "birthdate" { "дата рождения" } else { "дата выдачи паспорта" }
            ),
            AccountError::NameInvalid(_) => {
                "Фамилия, имя или отчество указаны неверно: допускаются буквы, пробел, дефис и апостроф.".into()
            }
            AccountError::SnilsTaken => {
                "Этот СНИЛС уже указан в другой учётной записи. Войдите в неё или обратитесь в службу поддержки.".into()
            }
            AccountError::ProfileConfirmed => {
                "Учётная запись подтверждена: личные данные изменяются только через оператора или по электронной подписи.".into()
            }
            AccountError::NotStandard => {
                "Подтвердить можно только стандартную учётную запись: сначала пользователь вводит СНИЛС и паспортные данные.".into()
            }
            AccountError::SnilsMismatch => {
                "СНИЛС в документе не совпадает со СНИЛС учётной записи. Проверьте документ и данные учётной записи: чужую учётную запись подтверждать нельзя.".into()
            }
            AccountError::AccountNotFound(id) => {
                format!("Учётная запись {id} не найдена. Проверьте номер, адрес почты или телефон.")
            }
            AccountError::SessionRequired => {
                "Нужно войти в систему. Войдите и повторите.".into()
            }
            AccountError::CsrfFailed => {
                "Форма устарела (неверный токен формы). Обновите страницу и повторите.".into()
            }
            AccountError::SessionNotFound => {
                "Такого активного сеанса нет. Обновите список сеансов.".into()
            }
            AccountError::TotpNotEnrolled => {
                "Приложение-аутентификатор не подключено.".into()
            }
            AccountError::TotpNotPending => {
                "Подключение приложения-аутентификатора не начато. Начните заново.".into()
            }
            AccountError::NotifyFailed(_) => {
                "Не удалось отправить сообщение с кодом. Повторите позже.".into()
            }
            AccountError::SmtpConfig(e) => format!(
                "Настройки SMTP неверны ({e}). Исправьте раздел idp.smtp конфигурации сервера."
            ),
            AccountError::Keys(e) => format!(
                "Ключ сервера входа недоступен ({e}). Проверьте каталог данных и права доступа к keys/idp.key."
            ),
            AccountError::SealBroken => {
                "Не удалось расшифровать сохранённый секрет: ключ сервера сменился. Подключите приложение-аутентификатор заново.".into()
            }
            AccountError::Random => {
                "Системный генератор случайных чисел не сработал. Повторите позже.".into()
            }
            AccountError::OperatorAuthRequired => {
                "Нужен вход оператора: укажите логин и пароль (HTTP Basic).".into()
            }
            AccountError::OperatorAuthFailed => {
                "Неверный логин или пароль оператора, или учётная запись отключена.".into()
            }
            AccountError::OperatorLocked => {
                "Учётная запись оператора временно заблокирована после нескольких неверных паролей. Повторите позже.".into()
            }
            AccountError::BadRequest(e) => format!(
                "Тело запроса не соответствует формату этого метода ({e}). См. docs/idp-accounts.md."
            ),
            AccountError::TooLarge => "Тело запроса слишком большое.".into(),
            AccountError::NotFound => "Не найдено. Проверьте адрес.".into(),
            AccountError::DemoOff => {
                "Ящик исходящих сообщений показывается только в демонстрационном режиме.".into()
            }
            AccountError::Internal(_) => {
                "Внутренняя ошибка сервера. Повторите позже; если ошибка повторяется, сообщите администратору.".into()
            }
            AccountError::Store(e) => e.message_ru(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            AccountError::LoginFailed => {
                "Wrong login or password. Check the keyboard layout and Caps Lock; if you forgot the password, recover it.".into()
            }
            AccountError::Locked { until, retry_after } => format!(
                "Login is locked after several failed attempts until {} (about {} min). \
                 Wait, recover the password, or log in with an electronic signature.",
                hhmm(*until),
                minutes(*retry_after)
            ),
            AccountError::IpLimited { retry_after } => format!(
                "Too many failed logins from this address. Try again in {} min.",
                minutes(*retry_after)
            ),
            AccountError::Blocked => "The account is blocked. Contact support.".into(),
            AccountError::CodeInvalid { attempts_left } => format!(
                "Wrong one-time code. Check it and enter it again ({attempts_left} tries left)."
            ),
            AccountError::CodeExpired => {
                "The code expired or was used already. Start again: a new code will be sent.".into()
            }
            AccountError::CodeTriesExhausted => {
                "Too many wrong codes. Start again: a new code will be sent.".into()
            }
            AccountError::PasswordTooShort { min } => {
                format!("The password is too short: use at least {min} characters.")
            }
            AccountError::PasswordTooSimple { classes } => format!(
                "The password is too simple: use at least {classes} of the four kinds of character \
                 (lower-case, upper-case, digits, symbols)."
            ),
            AccountError::PasswordCommon => {
                "This password is too common (or equals the login) and easy to guess. Choose another.".into()
            }
            AccountError::PasswordWrong => {
                "The current password is wrong. Enter it again.".into()
            }
            AccountError::LoginInvalid => {
                "Give an e-mail address or a mobile phone number.".into()
            }
            AccountError::EmailInvalid => "The e-mail address is not valid. Check it.".into(),
            AccountError::PhoneInvalid => {
                "The phone number is not valid. Give it as +7 XXX XXX-XX-XX.".into()
            }
            AccountError::Identifier(e) => e.message_en(),
            AccountError::PassportInvalid(what) => format!(
                "The passport {what} is not valid: the series is 4 digits, the number 6 digits. Check the passport."
            ),
            AccountError::DateInvalid(what) => format!(
                "The {} is not valid: use YYYY-MM-DD and a real date.",
                if *what == "birthdate" { "date of birth" } else { "passport issue date" }
            ),
            AccountError::NameInvalid(_) => {
                "The surname, given name or patronymic is not valid: letters, space, hyphen and apostrophe only.".into()
            }
            AccountError::SnilsTaken => {
                "This SNILS is given in another account. Log in to that one or contact support.".into()
            }
            AccountError::ProfileConfirmed => {
                "The account is confirmed: the personal data change only through an operator or an electronic signature.".into()
            }
            AccountError::NotStandard => {
                "Only a standard account can be confirmed: the user enters the SNILS and passport data first.".into()
            }
            AccountError::SnilsMismatch => {
                "The SNILS on the document differs from the account's. Check the document and the account's data: never confirm someone else's account.".into()
            }
            AccountError::AccountNotFound(id) => {
                format!("No account {id}. Check the number, e-mail or phone.")
            }
            AccountError::SessionRequired => "You need to log in. Log in and try again.".into(),
            AccountError::CsrfFailed => {
                "The form is stale (wrong form token). Reload the page and try again.".into()
            }
            AccountError::SessionNotFound => {
                "There is no such active session. Refresh the list of sessions.".into()
            }
            AccountError::TotpNotEnrolled => "No authenticator app is enrolled.".into(),
            AccountError::TotpNotPending => {
                "No authenticator enrolment was started. Start again.".into()
            }
            AccountError::NotifyFailed(_) => {
                "The message with the code could not be sent. Try again later.".into()
            }
            AccountError::SmtpConfig(e) => format!(
                "The SMTP settings are wrong ({e}). Fix the idp.smtp section of the server's configuration."
            ),
            AccountError::Keys(e) => format!(
                "The identity provider's key is unavailable ({e}). Check the data directory and the permissions of keys/idp.key."
            ),
            AccountError::SealBroken => {
                "A stored secret cannot be decrypted: the server key changed. Enrol the authenticator app again.".into()
            }
            AccountError::Random => {
                "The system random number generator failed. Try again later.".into()
            }
            AccountError::OperatorAuthRequired => {
                "Operator login required: give the login and password (HTTP Basic).".into()
            }
            AccountError::OperatorAuthFailed => {
                "Wrong operator login or password, or the account is disabled.".into()
            }
            AccountError::OperatorLocked => {
                "The operator account is locked for a while after several wrong passwords. Try later.".into()
            }
            AccountError::BadRequest(e) => format!(
                "The request body does not fit this call ({e}). See docs/idp-accounts.md."
            ),
            AccountError::TooLarge => "The request body is too large.".into(),
            AccountError::NotFound => "Not found. Check the address.".into(),
            AccountError::DemoOff => "The outbox is shown in demo mode only.".into(),
            AccountError::Internal(_) => {
                "Internal server error. Try again later; if it persists, tell the administrator.".into()
            }
            AccountError::Store(e) => e.message_en(),
        }
    }
}

/// The JSON body of every error.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// The stable code (docs/errors.md).
    pub code: &'static str,
    /// What happened and what to do, in Russian.
    pub message_ru: String,
    /// The same in English.
    pub message_en: String,
}

impl IntoResponse for AccountError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(code = self.code(), error = %self, "identity provider call failed");
        } else {
            tracing::info!(code = self.code(), "identity provider call refused");
        }
        let body = ErrorBody {
            code: self.code(),
            message_ru: self.message_ru(),
            message_en: self.message_en(),
        };
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        if let Some(wait) = self.retry_after()
            && let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string())
        {
            headers.insert(header::RETRY_AFTER, v);
        }
        match self {
            AccountError::OperatorAuthRequired | AccountError::OperatorAuthFailed => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"podpis\", charset=\"UTF-8\""),
                );
            }
            AccountError::SessionRequired => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"podpis\""),
                );
            }
            _ => {}
        }
        response
    }
}
