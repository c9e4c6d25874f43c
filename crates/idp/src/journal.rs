//! The users' action journal («журнал действий») as the provider uses it:
//! a user reads their own entries with filters ([`own`]); an administrator
//! checks the whole journal's chains ([`verify`], `podpis journal verify`).
//! The storage, the chaining (HMAC-Streebog-256 under a key derived from
//! `keys/idp.key`) and the checks are in `store::action_journal`.

use std::time::{Duration, SystemTime};

use serde::Deserialize;
use store::Store;
use store::action_journal::{ActionFilter, ActionRecord, JournalReport};

use crate::{AccountError, ServerKeys};

/// The filters a user may set (query string of `GET /api/v1/journal`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OwnFilter {
    /// An action (`login.password`), or a group with a trailing dot
    /// (`login.`).
    pub action: Option<String>,
    /// `ok`, `failed`, or an error code.
    pub result: Option<String>,
    /// From (Unix seconds, inclusive).
    pub from: Option<u64>,
    /// To (Unix seconds, exclusive).
    pub to: Option<u64>,
    /// Entries older than this id (the next page).
    pub before: Option<i64>,
    /// Page size (default 50, at most 200).
    pub limit: Option<i64>,
}

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// The account's own entries, newest first.
pub async fn own(
    store: &Store,
    account_id: i64,
    filter: &OwnFilter,
) -> Result<Vec<ActionRecord>, AccountError> {
    let clean = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "all")
            .map(str::to_owned)
    };
    Ok(store
        .actions(&ActionFilter {
            account_id: Some(account_id),
            action: clean(&filter.action),
            result: clean(&filter.result),
            from: filter.from.map(at),
            to: filter.to.map(at),
            before_id: filter.before,
            limit: Some(filter.limit.unwrap_or(50).clamp(1, 200)),
        })
        .await?)
}

/// Checks every chain of the journal under the server key.
pub async fn verify(store: &Store, keys: &ServerKeys) -> Result<JournalReport, AccountError> {
    Ok(store
        .clone()
        .with_journal_key(keys.journal_key())
        .verify_action_journal()
        .await?)
}
