//! The OpenID Connect provider's one error type: a stable code and a
//! Russian and English message per variant (docs/errors.md), and the
//! OAuth 2.0 `error` value (RFC 6749 §4.1.2.1, §5.2; OIDC Core §3.1.2.6)
//! a relying party receives.

use axum::http::StatusCode;
use pki::Diagnostic;
use store::StoreError;

/// Why an OpenID Connect request was refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OidcError {
    /// `client_id` names no registered client (shown on a page: there is
    /// nowhere safe to redirect to).
    #[error("unknown client")]
    UnknownClient,
    /// `redirect_uri` is missing or not one the client registered
    /// (exactly); shown on a page, never redirected to.
    #[error("redirect_uri is not registered for this client")]
    RedirectUriMismatch,
    /// A parameter is missing, repeated or malformed.
    #[error("invalid request: {0}")]
    InvalidRequest(&'static str),
    /// `response_type` other than `code`.
    #[error("unsupported response_type")]
    UnsupportedResponseType,
    /// A scope that is unknown or not allowed for the client, or no `openid`.
    #[error("invalid scope")]
    InvalidScope,
    /// A public client sent no PKCE `code_challenge`.
    #[error("PKCE is required for this client")]
    PkceRequired,
    /// `code_challenge_method` other than `S256` (`plain` is refused).
    #[error("only the S256 PKCE method is accepted")]
    PkceMethod,
    /// The user refused on the consent page.
    #[error("the user denied the request")]
    AccessDenied,
    /// `prompt=none` and nobody is logged in.
    #[error("login required")]
    LoginRequired,
    /// `prompt=none` and the user has not consented yet.
    #[error("consent required")]
    ConsentRequired,
    /// The account is blocked.
    #[error("the account is blocked")]
    AccountBlocked,
    /// The consent form is unknown, used, expired or belongs to another
    /// session (the form's CSRF check).
    #[error("the consent form expired or is not yours")]
    ConsentExpired,
    /// Client authentication failed: unknown client, wrong secret, or a
    /// method other than the registered one.
    #[error("client authentication failed")]
    ClientAuthFailed,
    /// A `private_key_jwt` assertion is malformed, badly signed, expired,
    /// or has the wrong `iss`/`sub`/`aud`.
    #[error("invalid client assertion: {0}")]
    AssertionInvalid(&'static str),
    /// A `private_key_jwt` assertion's `jti` was used before.
    #[error("client assertion replayed")]
    AssertionReplayed,
    /// The authorization code is unknown, expired, revoked, or was issued
    /// to another client or for another `redirect_uri`.
    #[error("invalid authorization code")]
    CodeInvalid,
    /// The authorization code was redeemed before: the tokens issued from
    /// it are revoked.
    #[error("authorization code reused")]
    CodeReused,
    /// The PKCE `code_verifier` is missing or does not match the challenge.
    #[error("PKCE verifier does not match")]
    PkceMismatch,
    /// The refresh token is unknown, expired, revoked or another client's.
    #[error("invalid refresh token")]
    RefreshInvalid,
    /// A refresh token was presented again after it was rotated: the whole
    /// family is revoked.
    #[error("refresh token reused")]
    RefreshReused,
    /// `grant_type` other than `authorization_code` and `refresh_token`.
    #[error("unsupported grant_type")]
    UnsupportedGrantType,
    /// The access token at the userinfo endpoint is missing, badly signed,
    /// expired or revoked.
    #[error("invalid access token")]
    TokenInvalid,
    /// The logout request's `id_token_hint` is not ours, or its
    /// `post_logout_redirect_uri` is not registered for the client.
    #[error("invalid logout request: {0}")]
    LogoutInvalid(&'static str),
    /// Registering a client: the `client_id` is taken.
    #[error("client {0} exists already")]
    ClientExists(String),
    /// Registering a client: a setting is invalid.
    #[error("invalid client registration: {0}")]
    ClientInvalid(String),
    /// The provider's key file cannot be read, written or parsed.
    #[error("provider key file {path}: {reason}")]
    KeyFile {
        /// The file.
        path: String,
        /// What went wrong (never key material).
        reason: String,
    },
    /// Signing a token failed.
    #[error("signing failed: {0}")]
    Signing(String),
    /// The system random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// The session layer failed.
    #[error("session lookup failed: {0}")]
    Session(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl OidcError {
    /// The OAuth 2.0 / OIDC `error` value a relying party receives.
    pub fn oauth_error(&self) -> &'static str {
        match self {
            OidcError::UnknownClient | OidcError::ClientAuthFailed => "invalid_client",
            OidcError::AssertionInvalid(_) | OidcError::AssertionReplayed => "invalid_client",
            OidcError::RedirectUriMismatch
            | OidcError::InvalidRequest(_)
            | OidcError::PkceRequired
            | OidcError::PkceMethod
            | OidcError::LogoutInvalid(_)
            | OidcError::ConsentExpired => "invalid_request",
            OidcError::UnsupportedResponseType => "unsupported_response_type",
            OidcError::InvalidScope => "invalid_scope",
            OidcError::AccessDenied | OidcError::AccountBlocked => "access_denied",
            OidcError::LoginRequired => "login_required",
            OidcError::ConsentRequired => "consent_required",
            OidcError::CodeInvalid
            | OidcError::CodeReused
            | OidcError::PkceMismatch
            | OidcError::RefreshInvalid
            | OidcError::RefreshReused => "invalid_grant",
            OidcError::UnsupportedGrantType => "unsupported_grant_type",
            OidcError::TokenInvalid => "invalid_token",
            OidcError::ClientExists(_) | OidcError::ClientInvalid(_) => "invalid_client_metadata",
            OidcError::KeyFile { .. }
            | OidcError::Signing(_)
            | OidcError::Random
            | OidcError::Session(_)
            | OidcError::Store(_) => "server_error",
        }
    }

    /// The HTTP status of the error at the token and userinfo endpoints
    /// (RFC 6749 §5.2, RFC 6750 §3.1).
    pub fn status(&self) -> StatusCode {
        match self.oauth_error() {
            "invalid_client" | "invalid_token" => StatusCode::UNAUTHORIZED,
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl Diagnostic for OidcError {
    fn code(&self) -> &'static str {
        match self {
            OidcError::UnknownClient => "OIDC_UNKNOWN_CLIENT",
            OidcError::RedirectUriMismatch => "OIDC_REDIRECT_URI_MISMATCH",
            OidcError::InvalidRequest(_) => "OIDC_INVALID_REQUEST",
            OidcError::UnsupportedResponseType => "OIDC_UNSUPPORTED_RESPONSE_TYPE",
            OidcError::InvalidScope => "OIDC_INVALID_SCOPE",
            OidcError::PkceRequired => "OIDC_PKCE_REQUIRED",
            OidcError::PkceMethod => "OIDC_PKCE_METHOD",
            OidcError::AccessDenied => "OIDC_ACCESS_DENIED",
            OidcError::LoginRequired => "OIDC_LOGIN_REQUIRED",
            OidcError::ConsentRequired => "OIDC_CONSENT_REQUIRED",
            OidcError::AccountBlocked => "OIDC_ACCOUNT_BLOCKED",
            OidcError::ConsentExpired => "OIDC_CONSENT_EXPIRED",
            OidcError::ClientAuthFailed => "OIDC_CLIENT_AUTH_FAILED",
            OidcError::AssertionInvalid(_) => "OIDC_CLIENT_ASSERTION_INVALID",
            OidcError::AssertionReplayed => "OIDC_CLIENT_ASSERTION_REPLAYED",
            OidcError::CodeInvalid => "OIDC_CODE_INVALID",
            OidcError::CodeReused => "OIDC_CODE_REUSED",
            OidcError::PkceMismatch => "OIDC_PKCE_MISMATCH",
            OidcError::RefreshInvalid => "OIDC_REFRESH_INVALID",
            OidcError::RefreshReused => "OIDC_REFRESH_REUSED",
            OidcError::UnsupportedGrantType => "OIDC_UNSUPPORTED_GRANT_TYPE",
            OidcError::TokenInvalid => "OIDC_TOKEN_INVALID",
            OidcError::LogoutInvalid(_) => "OIDC_LOGOUT_INVALID",
            OidcError::ClientExists(_) => "OIDC_CLIENT_EXISTS",
            OidcError::ClientInvalid(_) => "OIDC_CLIENT_INVALID",
            OidcError::KeyFile { .. } => "OIDC_KEY_FILE",
            OidcError::Signing(_) => "OIDC_SIGNING_FAILED",
            OidcError::Random => "OIDC_RANDOM_FAILED",
            OidcError::Session(_) => "OIDC_SESSION_FAILED",
            OidcError::Store(e) => e.code(),
        }
    }

    fn message_ru(&self) -> String {
        match self {
            OidcError::UnknownClient => "Сервис, который направил вас сюда, не зарегистрирован. \
                 Вернитесь на сайт сервиса и сообщите его администратору."
                .to_owned(),
            OidcError::RedirectUriMismatch => {
                "Адрес возврата не зарегистрирован для этого сервиса; \
                 перенаправление не выполнено. Сообщите администратору сервиса."
                    .to_owned()
            }
            OidcError::InvalidRequest(what) => {
                format!("Запрос сервиса неверен ({what}). Начните вход на сайте сервиса заново.")
            }
            OidcError::UnsupportedResponseType => {
                "Поддерживается только response_type=code. Исправьте запрос.".to_owned()
            }
            OidcError::InvalidScope => "Запрошены неизвестные или не разрешённые сервису данные \
                 (scope), либо нет openid. Исправьте запрос."
                .to_owned(),
            OidcError::PkceRequired => {
                "Для этого сервиса нужен PKCE (code_challenge, S256). Исправьте запрос.".to_owned()
            }
            OidcError::PkceMethod => {
                "Принимается только code_challenge_method=S256; plain запрещён.".to_owned()
            }
            OidcError::AccessDenied => {
                "Вы отказали сервису в доступе к данным. Вход в сервис не выполнен.".to_owned()
            }
            OidcError::LoginRequired => {
                "Нужно войти в систему. Повторите без prompt=none.".to_owned()
            }
            OidcError::ConsentRequired => {
                "Нужно согласие пользователя. Повторите без prompt=none.".to_owned()
            }
            OidcError::AccountBlocked => {
                "Учётная запись заблокирована. Обратитесь в службу поддержки.".to_owned()
            }
            OidcError::ConsentExpired => "Форма согласия устарела или открыта в другом сеансе. \
                 Вернитесь на сайт сервиса и начните вход заново."
                .to_owned(),
            OidcError::ClientAuthFailed => "Сервис не прошёл проверку подлинности (неверный \
                 client_id, секрет или способ). Проверьте настройки клиента."
                .to_owned(),
            OidcError::AssertionInvalid(what) => format!(
                "Подписанное утверждение клиента (private_key_jwt) не принято: {what}. \
                 Сформируйте новое, подписанное зарегистрированным ключом ES256."
            ),
            OidcError::AssertionReplayed => "Утверждение клиента с этим jti уже использовано. \
                 Сформируйте новое с новым jti."
                .to_owned(),
            OidcError::CodeInvalid => "Код авторизации неизвестен, истёк или выдан другому \
                 клиенту или адресу. Начните вход заново."
                .to_owned(),
            OidcError::CodeReused => "Код авторизации уже использован; выданные по нему токены \
                 отозваны. Начните вход заново."
                .to_owned(),
            OidcError::PkceMismatch => {
                "code_verifier не соответствует code_challenge. Начните вход заново.".to_owned()
            }
            OidcError::RefreshInvalid => "Токен обновления неизвестен, истёк или отозван. \
                 Выполните вход заново."
                .to_owned(),
            OidcError::RefreshReused => "Токен обновления уже использован; все токены этого входа \
                 отозваны. Выполните вход заново."
                .to_owned(),
            OidcError::UnsupportedGrantType => {
                "Поддерживаются authorization_code и refresh_token.".to_owned()
            }
            OidcError::TokenInvalid => "Токен доступа неверен, истёк или отозван. \
                 Получите новый."
                .to_owned(),
            OidcError::LogoutInvalid(what) => {
                format!("Запрос выхода неверен ({what}). Вы можете выйти в личном кабинете.")
            }
            OidcError::ClientExists(id) => {
                format!("Клиент {id} уже зарегистрирован. Выберите другой client_id.")
            }
            OidcError::ClientInvalid(what) => {
                format!("Параметры клиента неверны: {what}. Исправьте и повторите.")
            }
            OidcError::KeyFile { path, reason } => format!(
                "Файл ключей OIDC {path} не прочитан или не записан ({reason}). \
                 Проверьте путь и права доступа."
            ),
            OidcError::Signing(e) => {
                format!("Не удалось подписать токен ({e}). Повторите; при повторе проверьте ключи.")
            }
            OidcError::Random => {
                "Системный генератор случайных чисел не сработал. Повторите.".to_owned()
            }
            OidcError::Session(e) => format!("Не удалось проверить сеанс ({e}). Повторите."),
            OidcError::Store(e) => e.message_ru(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            OidcError::UnknownClient => "The service that sent you here is not registered. \
                 Go back to the service and tell its administrator."
                .to_owned(),
            OidcError::RedirectUriMismatch => "The return address is not registered for this \
                 service; you were not redirected. Tell the service's administrator."
                .to_owned(),
            OidcError::InvalidRequest(what) => {
                format!("The service's request is invalid ({what}). Start over at the service.")
            }
            OidcError::UnsupportedResponseType => {
                "Only response_type=code is supported. Fix the request.".to_owned()
            }
            OidcError::InvalidScope => "The scopes asked for are unknown or not allowed for the \
                 client, or openid is missing. Fix the request."
                .to_owned(),
            OidcError::PkceRequired => {
                "This client must use PKCE (code_challenge, S256). Fix the request.".to_owned()
            }
            OidcError::PkceMethod => {
                "Only code_challenge_method=S256 is accepted; plain is refused.".to_owned()
            }
            OidcError::AccessDenied => {
                "You refused the service access to your data. You are not logged in there."
                    .to_owned()
            }
            OidcError::LoginRequired => "Login is required. Retry without prompt=none.".to_owned(),
            OidcError::ConsentRequired => {
                "The user's consent is required. Retry without prompt=none.".to_owned()
            }
            OidcError::AccountBlocked => "The account is blocked. Contact support.".to_owned(),
            OidcError::ConsentExpired => "The consent form expired or belongs to another \
                 session. Go back to the service and start over."
                .to_owned(),
            OidcError::ClientAuthFailed => "Client authentication failed (wrong client_id, \
                 secret or method). Check the client's settings."
                .to_owned(),
            OidcError::AssertionInvalid(what) => format!(
                "The client assertion (private_key_jwt) was refused: {what}. \
                 Make a new one signed with the registered ES256 key."
            ),
            OidcError::AssertionReplayed => "A client assertion with this jti was used before. \
                 Make a new one with a fresh jti."
                .to_owned(),
            OidcError::CodeInvalid => "The authorization code is unknown, expired, or was issued \
                 to another client or redirect URI. Start over."
                .to_owned(),
            OidcError::CodeReused => "The authorization code was used before; the tokens issued \
                 from it are revoked. Start over."
                .to_owned(),
            OidcError::PkceMismatch => {
                "The code_verifier does not match the code_challenge. Start over.".to_owned()
            }
            OidcError::RefreshInvalid => {
                "The refresh token is unknown, expired or revoked. Log in again.".to_owned()
            }
            OidcError::RefreshReused => "The refresh token was used before; every token of this \
                 login is revoked. Log in again."
                .to_owned(),
            OidcError::UnsupportedGrantType => {
                "Supported grant types: authorization_code and refresh_token.".to_owned()
            }
            OidcError::TokenInvalid => {
                "The access token is invalid, expired or revoked. Get a new one.".to_owned()
            }
            OidcError::LogoutInvalid(what) => {
                format!("The logout request is invalid ({what}). You can log out in your account.")
            }
            OidcError::ClientExists(id) => {
                format!("Client {id} is registered already. Choose another client_id.")
            }
            OidcError::ClientInvalid(what) => {
                format!("The client's settings are invalid: {what}. Fix them and retry.")
            }
            OidcError::KeyFile { path, reason } => format!(
                "The OIDC key file {path} cannot be read or written ({reason}). \
                 Check the path and the permissions."
            ),
            OidcError::Signing(e) => {
                format!("Signing the token failed ({e}). Retry; if it persists, check the keys.")
            }
            OidcError::Random => "The system random number generator failed. Retry.".to_owned(),
            OidcError::Session(e) => format!("The session could not be checked ({e}). Retry."),
            OidcError::Store(e) => e.message_en(),
        }
    }
}
