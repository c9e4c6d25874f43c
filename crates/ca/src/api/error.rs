//! The API's errors: JSON `{code, message_ru, message_en}` with the HTTP
//! status that fits, from [`Diagnostic`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pki::Diagnostic;
use serde::Serialize;
use store::StoreError;

use crate::CaError;

/// Why an API call was refused, besides the CA's own refusals.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// An operator call without credentials.
    #[error("operator authentication required")]
    AuthRequired,
    /// Wrong login or password, or a disabled account.
    #[error("wrong operator login or password")]
    AuthFailed,
    /// Too many wrong passwords: the account is locked for a while.
    #[error("the operator account is locked after too many wrong passwords")]
    Locked,
    /// The session's form token (CSRF) is missing or wrong.
    #[error("the form token is missing or wrong")]
    CsrfFailed,
    /// The body is not the JSON (or the base64) this call takes.
    #[error("bad request body: {0}")]
    BadRequest(String),
    /// The body is larger than the server accepts.
    #[error("request body too large")]
    TooLarge,
    /// No such request token, certificate or path.
    #[error("not found")]
    NotFound,
    /// The call took longer than the server allows.
    #[error("the request timed out")]
    Timeout,
    /// The CA refused or failed.
    #[error(transparent)]
    Ca(#[from] CaError),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::Ca(CaError::Store(e))
    }
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::AuthRequired | ApiError::AuthFailed => StatusCode::UNAUTHORIZED,
            ApiError::Locked => StatusCode::TOO_MANY_REQUESTS,
            ApiError::CsrfFailed => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Ca(e) => ca_status(e),
        }
    }

    /// The number of the rejected request a refused submission was
    /// recorded as.
    pub fn request_id(&self) -> Option<i64> {
        match self {
            ApiError::Ca(CaError::Refused { request_id, .. }) => Some(*request_id),
            _ => None,
        }
    }
}

fn ca_status(e: &CaError) -> StatusCode {
    match e.cause() {
        CaError::NotInitialised | CaError::SignerRequired => StatusCode::SERVICE_UNAVAILABLE,
        CaError::RequestNotFound(_) | CaError::CertUnknown(_) => StatusCode::NOT_FOUND,
        CaError::Duplicate { .. }
        | CaError::RequestWrongState { .. }
        | CaError::CertRevoked(_)
        | CaError::CertOnHold(_)
        | CaError::CertNotOnHold(_) => StatusCode::CONFLICT,
        CaError::RevocationNotEntitled(_)
        | CaError::RenewalNotEntitled(_)
        | CaError::CertExpired(_)
        | CaError::KeyUsageEnded(_) => StatusCode::FORBIDDEN,
        CaError::Store(StoreError::NotFound { .. }) => StatusCode::NOT_FOUND,
        CaError::Store(StoreError::WrongState { .. }) => StatusCode::CONFLICT,
        CaError::Store(_)
        | CaError::StoredDataInvalid(_)
        | CaError::Crl(_)
        | CaError::SerialExhausted
        | CaError::SignerMismatch
        | CaError::AlreadyInitialised
        | CaError::InitInvalid { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl Diagnostic for ApiError {
    fn code(&self) -> &'static str {
        match self {
            ApiError::AuthRequired => "API_AUTH_REQUIRED",
            ApiError::AuthFailed => "API_AUTH_FAILED",
            ApiError::Locked => "API_OPERATOR_LOCKED",
            ApiError::CsrfFailed => "API_CSRF_FAILED",
            ApiError::BadRequest(_) => "API_BAD_REQUEST",
            ApiError::TooLarge => "API_BODY_TOO_LARGE",
            ApiError::NotFound => "API_NOT_FOUND",
            ApiError::Timeout => "API_TIMEOUT",
            ApiError::Ca(e) => e.code(),
        }
    }

    fn message_ru(&self) -> String {
        match self {
            ApiError::AuthRequired => {
                "Нужен вход оператора: укажите логин и пароль (HTTP Basic).".into()
            }
            ApiError::AuthFailed => {
                "Неверный логин или пароль оператора, или учётная запись отключена.".into()
            }
            ApiError::Locked => "Учётная запись оператора временно заблокирована после нескольких неверных паролей. Повторите позже или попросите администратора сбросить пароль (podpis ca operator add).".into(),
            ApiError::CsrfFailed => {
                "Форма устарела (неверный токен формы). Обновите страницу и повторите.".into()
            }
            ApiError::BadRequest(e) => format!(
                "Тело запроса не соответствует формату этого метода ({e}). См. docs/api.md."
            ),
            ApiError::TooLarge => "Тело запроса слишком большое.".into(),
            ApiError::NotFound => "Не найдено. Проверьте адрес, номер или токен заявки.".into(),
            ApiError::Timeout => "Сервер не успел обработать запрос. Повторите позже.".into(),
            ApiError::Ca(e) => e.message_ru(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            ApiError::AuthRequired => {
                "Operator login required: give the login and password (HTTP Basic).".into()
            }
            ApiError::AuthFailed => {
                "Wrong operator login or password, or the account is disabled.".into()
            }
            ApiError::Locked => "The operator account is locked for a while after several wrong passwords. Try later, or have an administrator reset the password (podpis ca operator add).".into(),
            ApiError::CsrfFailed => {
                "The form is stale (wrong form token). Reload the page and try again.".into()
            }
            ApiError::BadRequest(e) => {
                format!("The request body does not fit this call ({e}). See docs/api.md.")
            }
            ApiError::TooLarge => "The request body is too large.".into(),
            ApiError::NotFound => "Not found. Check the address, number or request token.".into(),
            ApiError::Timeout => "The server could not finish in time. Try again later.".into(),
            ApiError::Ca(e) => e.message_en(),
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
    /// For a refused submission: the rejected request it was recorded as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i64>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(code = self.code(), error = %self, "API call failed");
        } else {
            tracing::info!(code = self.code(), "API call refused");
        }
        let body = ErrorBody {
            code: self.code(),
            message_ru: self.message_ru(),
            message_en: self.message_en(),
            request_id: self.request_id(),
        };
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"podpis\", charset=\"UTF-8\""),
            );
        }
        response
    }
}
