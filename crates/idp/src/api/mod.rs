//! The identity provider's REST/JSON API, one module per part:
//! [`account`] (registration, password + one-time-code login, the account,
//! recovery, TOTP, sessions, the journal, operator confirmation). Errors
//! are `{code, message_ru, message_en}` ([`crate::ErrorBody`]).

pub mod account;
