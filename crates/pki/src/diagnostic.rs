//! Stable codes and bilingual messages for errors a person or an API client
//! sees (the convention of `docs/errors.md`).

/// An error that can be shown to a user: a stable machine-readable code and
/// a message in Russian and in English that says what to do.
pub trait Diagnostic {
    /// A stable code, e.g. `SNILS_INVALID_CHECKSUM`; never changes meaning.
    fn code(&self) -> &'static str;
    /// The message in Russian, saying what happened and what to do.
    fn message_ru(&self) -> String;
    /// The message in English, saying what happened and what to do.
    fn message_en(&self) -> String;
}

impl Diagnostic for crate::identifiers::IdError {
    fn code(&self) -> &'static str {
        crate::identifiers::IdError::code(self)
    }

    fn message_ru(&self) -> String {
        crate::identifiers::IdError::message_ru(self)
    }

    fn message_en(&self) -> String {
        crate::identifiers::IdError::message_en(self)
    }
}
