//! What can go wrong with an upload to the verification service, before
//! there is a signature to judge. A signature that is there but bad is not
//! an error: it gets a validation report (TOTAL_FAILED, INDETERMINATE).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pki::Diagnostic;

/// One MiB, for the limits in messages.
const MIB: u64 = 1024 * 1024;

/// A limit as people read it: whole MiB when it is one, else bytes.
pub(crate) fn size(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} B")
    }
}

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The request is not `multipart/form-data`.
    #[error("the request is not multipart/form-data")]
    NotMultipart,
    /// The multipart body could not be read (malformed, or the client
    /// stopped sending).
    #[error("the upload could not be read: {0}")]
    Upload(String),
    /// No `signature` part, or an empty one.
    #[error("no signature file")]
    SignatureMissing,
    /// A part other than `signature`, `document` and `certificates`.
    #[error("unknown part {0:?}")]
    UnknownPart(String),
    /// A part sent twice.
    #[error("part {0:?} sent twice")]
    DuplicatePart(&'static str),
    /// The signature file is over its limit.
    #[error("the signature file is over {limit} bytes")]
    SignatureTooLarge {
        /// The limit, bytes.
        limit: u64,
    },
    /// The document is over its limit.
    #[error("the document is over {limit} bytes")]
    DocumentTooLarge {
        /// The limit, bytes.
        limit: u64,
    },
    /// The additional certificates file is over its limit.
    #[error("the certificates file is over {limit} bytes")]
    CertificatesTooLarge {
        /// The limit, bytes.
        limit: u64,
    },
    /// The declared request size is over what the limits allow in total.
    #[error("the request declares {declared} bytes, over {limit}")]
    UploadTooLarge {
        /// Content-Length.
        declared: u64,
        /// The largest request accepted, bytes.
        limit: u64,
    },
    /// The additional certificates could not be read.
    #[error("the certificates file cannot be read: {0}")]
    CertificatesInvalid(String),
    /// The upload took longer than allowed.
    #[error("the upload took longer than {0} s")]
    Timeout(u64),
    /// A fault of the server.
    #[error("internal error: {0}")]
    Internal(String),
}

impl VerifyError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            VerifyError::SignatureTooLarge { .. }
            | VerifyError::DocumentTooLarge { .. }
            | VerifyError::CertificatesTooLarge { .. }
            | VerifyError::UploadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            VerifyError::NotMultipart => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            VerifyError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            VerifyError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl Diagnostic for VerifyError {
    fn code(&self) -> &'static str {
        match self {
            VerifyError::NotMultipart => "VERIFY_NOT_MULTIPART",
            VerifyError::Upload(_) => "VERIFY_UPLOAD_FAILED",
            VerifyError::SignatureMissing => "VERIFY_SIGNATURE_MISSING",
            VerifyError::UnknownPart(_) => "VERIFY_UNKNOWN_PART",
            VerifyError::DuplicatePart(_) => "VERIFY_DUPLICATE_PART",
            VerifyError::SignatureTooLarge { .. } => "VERIFY_SIGNATURE_TOO_LARGE",
            VerifyError::DocumentTooLarge { .. } => "VERIFY_DOCUMENT_TOO_LARGE",
            VerifyError::CertificatesTooLarge { .. } => "VERIFY_CERTIFICATES_TOO_LARGE",
            VerifyError::UploadTooLarge { .. } => "VERIFY_UPLOAD_TOO_LARGE",
            VerifyError::CertificatesInvalid(_) => "VERIFY_CERTIFICATES_INVALID",
            VerifyError::Timeout(_) => "VERIFY_UPLOAD_TIMEOUT",
            VerifyError::Internal(_) => "VERIFY_INTERNAL",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            VerifyError::NotMultipart => "Файлы нужно отправить формой multipart/form-data: часть signature (подпись) и, для отделённой подписи, часть document (документ).".into(),
            VerifyError::Upload(_) => "Загрузка прервалась или повреждена. Отправьте файлы ещё раз.".into(),
            VerifyError::SignatureMissing => "Не выбран файл подписи (.sig, .p7s). Выберите его и отправьте снова.".into(),
            VerifyError::UnknownPart(name) => format!("Неизвестное поле формы «{name}». Допустимы signature, document и certificates."),
            VerifyError::DuplicatePart(name) => format!("Поле «{name}» передано дважды. Отправьте по одному файлу в каждом поле."),
            VerifyError::SignatureTooLarge { limit } => format!("Файл подписи больше {}. Подпись с большим документом внутри проверьте как отделённую: документ отдельно, подпись отдельно.", size(*limit)),
            VerifyError::DocumentTooLarge { limit } => format!("Документ больше {} — это предел службы проверки. Проверьте его командой podpis verify или обратитесь к администратору.", size(*limit)),
            VerifyError::CertificatesTooLarge { limit } => format!("Файл дополнительных сертификатов больше {}. Оставьте в нём только нужные сертификаты.", size(*limit)),
            VerifyError::UploadTooLarge { limit, .. } => format!("Запрос больше {}: документ или подпись превышают пределы службы. Проверьте большой файл командой podpis verify.", size(*limit)),
            VerifyError::CertificatesInvalid(_) => "Файл дополнительных сертификатов не читается: нужен сертификат X.509 (DER) или набор PEM.".into(),
            VerifyError::Timeout(secs) => format!("Загрузка длилась дольше {secs} с и прервана. Проверьте соединение и отправьте снова."),
            VerifyError::Internal(_) => "Внутренняя ошибка сервера. Повторите позже; если ошибка повторяется, сообщите администратору.".into(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            VerifyError::NotMultipart => "Send the files as multipart/form-data: a signature part and, for a detached signature, a document part.".into(),
            VerifyError::Upload(_) => "The upload was interrupted or damaged. Send the files again.".into(),
            VerifyError::SignatureMissing => "No signature file (.sig, .p7s) was chosen. Choose it and send again.".into(),
            VerifyError::UnknownPart(name) => format!("Unknown form field \"{name}\". The fields are signature, document and certificates."),
            VerifyError::DuplicatePart(name) => format!("The field \"{name}\" was sent twice. Send one file per field."),
            VerifyError::SignatureTooLarge { limit } => format!("The signature file is over {}. Verify a signature with a large document inside as a detached one: the document and the signature separately.", size(*limit)),
            VerifyError::DocumentTooLarge { limit } => format!("The document is over {}, the verification service's limit. Verify it with podpis verify, or ask the administrator.", size(*limit)),
            VerifyError::CertificatesTooLarge { limit } => format!("The additional certificates file is over {}. Keep only the certificates needed.", size(*limit)),
            VerifyError::UploadTooLarge { limit, .. } => format!("The request is over {}: the document or the signature exceeds the service's limits. Verify a large file with podpis verify.", size(*limit)),
            VerifyError::CertificatesInvalid(_) => "The additional certificates file cannot be read: give an X.509 certificate (DER) or a PEM bundle.".into(),
            VerifyError::Timeout(secs) => format!("The upload took longer than {secs} s and was stopped. Check the connection and send again."),
            VerifyError::Internal(_) => "Internal server error. Try again later; if it persists, tell the administrator.".into(),
        }
    }
}

impl IntoResponse for VerifyError {
    /// `{code, message_ru, message_en}` with the error's status.
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            tracing::error!(code = self.code(), error = %self, "verification failed");
        }
        let body = serde_json::json!({
            "code": self.code(),
            "message_ru": self.message_ru(),
            "message_en": self.message_en(),
        });
        (self.status(), Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_in_mib_or_bytes() {
        assert_eq!(size(100 * MIB), "100 MiB");
        assert_eq!(size(1000), "1000 B");
        assert_eq!(size(MIB + 1), "1048577 B");
        let e = VerifyError::DocumentTooLarge { limit: 100 * MIB };
        assert_eq!(e.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(e.message_ru().contains("100 MiB") && e.message_en().contains("100 MiB"));
    }
}
