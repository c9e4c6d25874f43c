//! The identity provider's REST/JSON API, one module per part, each with
//! its axum `Router` constructor and its OpenAPI 3.1 `paths` fragment
//! (`podpis serve` mounts the routers and merges the fragments into
//! `/api/openapi.json`): [`account`] (registration, password +
//! one-time-code login, the account, recovery, TOTP, sessions, the journal,
//! operator confirmation) and [`esig`] (login by e-signature, the «Ключи и
//! сертификаты» data). Errors are `{code, message_ru, message_en}`.

pub mod account;
pub mod esig;
