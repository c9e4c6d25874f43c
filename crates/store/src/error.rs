//! The store's one error type.

use pki::Diagnostic;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be opened or reached (bad URL, server down,
    /// file not writable).
    #[error("cannot open the database: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// The database was written by a newer podpis (its schema version is
    /// above the newest this build knows); it is never downgraded.
    #[error("the database schema is version {found}, newer than {supported} this podpis knows")]
    SchemaNewer {
        /// The version found in `schema_version`.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A statement failed (the message names the database's own error).
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    /// A certificate with this serial number exists already (the
    /// database's primary key refused the second one).
    #[error("serial number {0} is already taken")]
    DuplicateSerial(String),
    /// A live request for the same public key exists already.
    #[error("a live request for this public key exists already (request {existing:?})")]
    DuplicateKey {
        /// The request that holds the key, when it could be found.
        existing: Option<i64>,
    },
    /// The object does not exist.
    #[error("{object} {id} not found")]
    NotFound {
        /// `request`, `certificate`, `ca`.
        object: &'static str,
        /// Its id or serial.
        id: String,
    },
    /// The object is not in a state that allows the change (another
    /// operator or process changed it first, or the workflow forbids it).
    #[error("{object} {id} is {actual}; the change needs {expected}")]
    WrongState {
        /// `request` or `certificate`.
        object: &'static str,
        /// Its id or serial.
        id: String,
        /// The state it is in.
        actual: String,
        /// The state(s) the change needs.
        expected: &'static str,
    },
    /// A stored value could not be read back (the database was edited by
    /// hand or is damaged).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The system random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// A test failpoint fired (fault injection; never set in production).
    #[error("test failpoint {0:?} fired")]
    Failpoint(crate::FailPoint),
    /// A unique value is held by another row: `account` (its e-mail or
    /// phone), `snils`.
    #[error("the {0} is already taken")]
    Taken(&'static str),
    /// The action journal was written or checked without its key (the
    /// server did not load `keys/idp.key`).
    #[error("the action journal key is not loaded")]
    JournalKeyMissing,
}

impl Diagnostic for StoreError {
    fn code(&self) -> &'static str {
        match self {
            StoreError::Unavailable(_) => "STORE_UNAVAILABLE",
            StoreError::SchemaNewer { .. } => "STORE_SCHEMA_NEWER",
            StoreError::Query(_) => "STORE_QUERY_FAILED",
            StoreError::DuplicateSerial(_) => "STORE_DUPLICATE_SERIAL",
            StoreError::DuplicateKey { .. } => "STORE_DUPLICATE_KEY",
            StoreError::NotFound { .. } => "STORE_NOT_FOUND",
            StoreError::WrongState { .. } => "STORE_WRONG_STATE",
            StoreError::Corrupt(_) => "STORE_CORRUPT",
            StoreError::Random => "STORE_RANDOM_FAILED",
            StoreError::Failpoint(_) => "STORE_FAILPOINT",
            StoreError::Taken(_) => "STORE_TAKEN",
            StoreError::JournalKeyMissing => "STORE_JOURNAL_KEY_MISSING",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            StoreError::Unavailable(e) => format!(
                "Не удалось открыть базу данных ({e}). Проверьте путь или адрес PostgreSQL и права доступа."
            ),
            StoreError::SchemaNewer { found, supported } => format!(
                "База данных создана более новой версией podpis (схема {found}, эта версия знает до {supported}). \
                 Обновите podpis; понижение версии схемы не выполняется."
            ),
            StoreError::Query(e) => format!(
                "Ошибка базы данных ({e}). Повторите операцию; если ошибка повторяется, проверьте журнал сервера БД."
            ),
            StoreError::DuplicateSerial(s) => format!(
                "Серийный номер {s} уже занят; сертификат не записан. Повторите выпуск — будет выбран новый номер."
            ),
            StoreError::DuplicateKey { .. } => {
                "Для этого открытого ключа уже есть действующая заявка. Создайте новый ключ и новый запрос."
                    .to_owned()
            }
            StoreError::NotFound { object, id } => format!(
                "{} {id} не найден(а). Проверьте номер.",
                match *object {
                    "request" => "Заявка",
                    "certificate" => "Сертификат",
                    "account" => "Учётная запись",
                    "session" => "Сеанс",
                    _ => "УЦ",
                }
            ),
            StoreError::WrongState {
                object,
                id,
                actual,
                expected,
            } => format!(
                "{} {id} в состоянии «{actual}», а для этого действия нужно «{expected}». Обновите список и проверьте состояние.",
                match *object {
                    "request" => "Заявка",
                    "account" => "Учётная запись",
                    _ => "Сертификат",
                }
            ),
            StoreError::Corrupt(e) => format!(
                "Данные в базе повреждены ({e}). Восстановите базу из резервной копии."
            ),
            StoreError::Random => {
                "Системный генератор случайных чисел не сработал. Проверьте систему и повторите.".to_owned()
            }
            StoreError::Failpoint(p) => format!("Сработала тестовая точка отказа {p:?}."),
            StoreError::Taken(what) => format!(
                "Это значение ({what}) уже занято другой записью. Проверьте данные или войдите в существующую учётную запись."
            ),
            StoreError::JournalKeyMissing => {
                "Не загружен ключ журнала действий (keys/idp.key в каталоге данных). Укажите правильный каталог --data."
                    .to_owned()
            }
        }
    }

    fn message_en(&self) -> String {
        match self {
            StoreError::Unavailable(e) => format!(
                "Cannot open the database ({e}). Check the path or PostgreSQL URL and the permissions."
            ),
            StoreError::SchemaNewer { found, supported } => format!(
                "The database was written by a newer podpis (schema {found}; this build knows up to {supported}). \
                 Upgrade podpis; schemas are never downgraded."
            ),
            StoreError::Query(e) => format!(
                "Database error ({e}). Retry; if it persists, check the database server's log."
            ),
            StoreError::DuplicateSerial(s) => format!(
                "Serial number {s} is taken; nothing was written. Issue again: a new serial is drawn."
            ),
            StoreError::DuplicateKey { .. } => {
                "A live request for this public key exists already. Make a new key and a new request."
                    .to_owned()
            }
            StoreError::NotFound { object, id } => {
                format!("No {object} {id}. Check the number.")
            }
            StoreError::WrongState {
                object,
                id,
                actual,
                expected,
            } => format!(
                "The {object} {id} is {actual}; this action needs {expected}. Refresh and check its state."
            ),
            StoreError::Corrupt(e) => {
                format!("Stored data is damaged ({e}). Restore the database from a backup.")
            }
            StoreError::Random => {
                "The system random number generator failed. Check the system and retry.".to_owned()
            }
            StoreError::Failpoint(p) => format!("Test failpoint {p:?} fired."),
            StoreError::Taken(what) => format!(
                "The {what} is already taken by another record. Check the data, or log in to the existing account."
            ),
            StoreError::JournalKeyMissing => {
                "The action journal key (keys/idp.key in the data directory) is not loaded. Give the right --data directory."
                    .to_owned()
            }
        }
    }
}

impl StoreError {
    /// Whether the database refused a row because a unique key was taken.
    pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
        err.as_database_error()
            .is_some_and(|e| e.is_unique_violation())
    }
}
