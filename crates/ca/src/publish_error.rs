//! Errors of the publication services (OCSP responder, CRL publisher, TSA).
//!
//! What a client sent wrong is answered on the wire (an OCSP error status,
//! a TSP failInfo), not with these: these are for the operator — a service
//! that cannot start, a status source or a key that fails.

use pki::Diagnostic;
use pki::cms::CmsError;
use pki::crl::CrlError;
use pki::ocsp::OcspError;
use pki::tsp::TspError;

use crate::status::StatusError;

/// Why a publication service could not be set up or could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The certificate status source (the database) failed.
    #[error(transparent)]
    Status(#[from] StatusError),
    /// Building or signing an OCSP response failed.
    #[error(transparent)]
    Ocsp(#[from] OcspError),
    /// Building or signing a CRL failed.
    #[error(transparent)]
    Crl(#[from] CrlError),
    /// Building a time-stamp token or response failed.
    #[error(transparent)]
    Tsp(#[from] TspError),
    /// Signing a time-stamp token failed.
    #[error(transparent)]
    Cms(#[from] CmsError),
    /// The OCSP responder certificate cannot sign for the CA.
    #[error("the OCSP responder certificate is not usable: {0}")]
    ResponderCertificate(&'static str),
    /// The TSA certificate cannot sign time-stamps.
    #[error("the TSA certificate is not usable: {0}")]
    TsaCertificate(&'static str),
    /// The time-stamp serial number file could not be read or written.
    #[error("the time-stamp serial number store failed: {0}")]
    SerialStore(#[from] std::io::Error),
    /// The time-stamp serial number file does not hold a number.
    #[error("the time-stamp serial number file is damaged")]
    SerialStoreCorrupt,
    /// A background task (signing, building) died.
    #[error("a publication task failed: {0}")]
    Task(String),
}

impl Diagnostic for PublishError {
    fn code(&self) -> &'static str {
        match self {
            PublishError::Status(_) => "CA_STATUS_SOURCE_FAILED",
            PublishError::Ocsp(e) => e.code(),
            PublishError::Crl(e) => e.code(),
            PublishError::Tsp(e) => e.code(),
            PublishError::Cms(e) => e.code(),
            PublishError::ResponderCertificate(_) => "CA_OCSP_RESPONDER_CERT_INVALID",
            PublishError::TsaCertificate(_) => "CA_TSA_CERT_INVALID",
            PublishError::SerialStore(_) => "CA_TSA_SERIAL_STORE_FAILED",
            PublishError::SerialStoreCorrupt => "CA_TSA_SERIAL_STORE_CORRUPT",
            PublishError::Task(_) => "CA_PUBLICATION_TASK_FAILED",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            PublishError::Status(e) => format!(
                "Не удалось прочитать статусы сертификатов ({e}). Проверьте доступ к базе данных УЦ."
            ),
            PublishError::Ocsp(e) => e.message_ru(),
            PublishError::Crl(e) => e.message_ru(),
            PublishError::Tsp(e) => e.message_ru(),
            PublishError::Cms(e) => e.message_ru(),
            PublishError::ResponderCertificate(why) => format!(
                "Сертификат службы OCSP не подходит ({why}). Выпустите его этим УЦ с назначением OCSPSigning и укажите его ключ."
            ),
            PublishError::TsaCertificate(why) => format!(
                "Сертификат службы штампов времени не подходит ({why}). Выпустите сертификат с критическим назначением timeStamping и укажите его ключ."
            ),
            PublishError::SerialStore(e) => format!(
                "Не удалось сохранить счётчик серийных номеров штампов времени ({e}). Проверьте права и место на диске."
            ),
            PublishError::SerialStoreCorrupt => "Файл счётчика серийных номеров штампов времени повреждён. Восстановите его из резервной копии (номер должен быть не меньше выданных).".into(),
            PublishError::Task(e) => format!(
                "Фоновая задача публикации завершилась с ошибкой ({e}). Перезапустите службу и проверьте журнал."
            ),
        }
    }

    fn message_en(&self) -> String {
        match self {
            PublishError::Status(e) => format!(
                "Cannot read certificate status ({e}). Check access to the CA database."
            ),
            PublishError::Ocsp(e) => e.message_en(),
            PublishError::Crl(e) => e.message_en(),
            PublishError::Tsp(e) => e.message_en(),
            PublishError::Cms(e) => e.message_en(),
            PublishError::ResponderCertificate(why) => format!(
                "The OCSP responder certificate is not usable ({why}). Have this CA issue it with the OCSPSigning usage and give its key."
            ),
            PublishError::TsaCertificate(why) => format!(
                "The TSA certificate is not usable ({why}). Issue one with the critical timeStamping usage and give its key."
            ),
            PublishError::SerialStore(e) => format!(
                "Cannot store the time-stamp serial number counter ({e}). Check permissions and disk space."
            ),
            PublishError::SerialStoreCorrupt => "The time-stamp serial number file is damaged. Restore it from a backup (the number must not be below those issued).".into(),
            PublishError::Task(e) => format!(
                "A publication background task failed ({e}). Restart the service and check the log."
            ),
        }
    }
}
