//! Login sessions of the identity provider. Only the hash of a session
//! token is stored; the token itself lives in the user's cookie (or an API
//! client's `Authorization: Bearer`). A session ends by logout, by the user
//! from another session, by «выйти на всех устройствах», by a password
//! change or recovery, or by its idle or absolute timeout (the timeouts are
//! checked by `idp`, which ends the session when it finds it stale).

use std::time::SystemTime;

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::action_journal::{ActionEntry, append_in};
use crate::model::{from_unix, unix};
use crate::{Store, StoreError};

/// A session to start.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// Hex hash of the session token.
    pub token_hash: &'a str,
    /// Whose.
    pub account_id: i64,
    /// Authentication methods, space-separated: `pwd otp` or `ds`.
    pub amr: &'a str,
    /// The client's address.
    pub ip: Option<&'a str>,
    /// The client's User-Agent.
    pub user_agent: Option<&'a str>,
    /// When (the authentication time).
    pub at: SystemTime,
    /// The session ends then at the latest.
    pub absolute_expires_at: SystemTime,
}

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRecord {
    /// Row id.
    pub id: i64,
    /// Whose.
    pub account_id: i64,
    /// Authentication methods, space-separated.
    pub amr: String,
    /// The client's address.
    pub ip: Option<String>,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
    /// Started (the authentication time).
    #[serde(serialize_with = "crate::model::ser_time")]
    pub created_at: SystemTime,
    /// Last request seen.
    #[serde(serialize_with = "crate::model::ser_time")]
    pub last_seen_at: SystemTime,
    /// Ends then at the latest.
    #[serde(serialize_with = "crate::model::ser_time")]
    pub absolute_expires_at: SystemTime,
    /// Ended then.
    #[serde(serialize_with = "crate::model::ser_opt_time")]
    pub ended_at: Option<SystemTime>,
    /// Why it ended: `logout`, `ended`, `all`, `idle`, `expired`, `password`.
    pub end_reason: Option<String>,
}

const COLUMNS: &str = "id, account_id, amr, ip, user_agent, created_at, last_seen_at, \
                       absolute_expires_at, ended_at, end_reason";

fn session(row: &AnyRow) -> Result<SessionRecord, StoreError> {
    let ended: Option<i64> = row.try_get("ended_at")?;
    Ok(SessionRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        amr: row.try_get("amr")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        created_at: from_unix(row.try_get("created_at")?),
        last_seen_at: from_unix(row.try_get("last_seen_at")?),
        absolute_expires_at: from_unix(row.try_get("absolute_expires_at")?),
        ended_at: ended.map(from_unix),
        end_reason: row.try_get("end_reason")?,
    })
}

/// Starts a session inside `tx` (the caller journals the login in the
/// same transaction).
pub(crate) async fn insert_in(
    tx: &mut Transaction<'_, Any>,
    s: &NewSession<'_>,
) -> Result<SessionRecord, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sessions (token_hash, account_id, amr, ip, user_agent, created_at,
             last_seen_at, absolute_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
    )
    .bind(s.token_hash)
    .bind(s.account_id)
    .bind(s.amr)
    .bind(s.ip)
    .bind(s.user_agent)
    .bind(unix(s.at))
    .bind(unix(s.absolute_expires_at))
    .fetch_one(&mut **tx)
    .await?;
    Ok(session_record(s, id))
}

/// The record of session `s`, stored as row `id`.
pub(crate) fn session_record(s: &NewSession<'_>, id: i64) -> SessionRecord {
    SessionRecord {
        id,
        account_id: s.account_id,
        amr: s.amr.to_owned(),
        ip: s.ip.map(str::to_owned),
        user_agent: s.user_agent.map(str::to_owned),
        created_at: from_unix(unix(s.at)),
        last_seen_at: from_unix(unix(s.at)),
        absolute_expires_at: from_unix(unix(s.absolute_expires_at)),
        ended_at: None,
        end_reason: None,
    }
}

/// Ends every live session of `account_id` except `keep` inside `tx`;
/// returns how many.
pub(crate) async fn end_all_in(
    tx: &mut Transaction<'static, Any>,
    account_id: i64,
    keep: Option<i64>,
    at: SystemTime,
    reason: &str,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE sessions SET ended_at = $2, end_reason = $3
         WHERE account_id = $1 AND ended_at IS NULL AND ($4 IS NULL OR id <> $4)",
    )
    .bind(account_id)
    .bind(unix(at))
    .bind(reason)
    .bind(keep)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

impl Store {
    /// Starts a session and journals `entry` (the login) in one
    /// transaction.
    pub async fn create_session(
        &self,
        new: &NewSession<'_>,
        entry: &ActionEntry,
    ) -> Result<SessionRecord, StoreError> {
        let mut tx = self.begin().await?;
        let record = insert_in(&mut tx, new).await?;
        let mut entry = entry.clone();
        if let serde_json::Value::Object(map) = &mut entry.details {
            map.insert("session".into(), serde_json::json!(record.id));
        }
        append_in(self, &mut tx, new.at, &entry).await?;
        crate::journal::commit(self, tx).await?;
        Ok(record)
    }

    /// The session of a token hash, live or ended.
    pub async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(session).transpose()
    }

    /// The session `id`, live or ended.
    pub async fn session(&self, id: i64) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM sessions WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(session).transpose()
    }

    /// Records a request on a live session at `at`.
    pub async fn touch_session(&self, id: i64, at: SystemTime) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET last_seen_at = $2
             WHERE id = $1 AND ended_at IS NULL AND last_seen_at < $2",
        )
        .bind(id)
        .bind(unix(at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Ends a live session found stale (`idle` or `expired`), without a
    /// journal entry: nobody acted.
    pub async fn expire_session(
        &self,
        id: i64,
        at: SystemTime,
        reason: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET ended_at = $2, end_reason = $3
             WHERE id = $1 AND ended_at IS NULL",
        )
        .bind(id)
        .bind(unix(at))
        .bind(reason)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Ends live session `id` of `account_id` (logout, or ended from
    /// another session) and journals `entry`. False when there is no such
    /// live session of that account (nothing is journaled then).
    pub async fn end_session(
        &self,
        id: i64,
        account_id: i64,
        at: SystemTime,
        reason: &str,
        entry: &ActionEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE sessions SET ended_at = $3, end_reason = $4
             WHERE id = $1 AND account_id = $2 AND ended_at IS NULL",
        )
        .bind(id)
        .bind(account_id)
        .bind(unix(at))
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        append_in(self, &mut tx, at, entry).await?;
        crate::journal::commit(self, tx).await?;
        Ok(true)
    }

    /// Ends every live session of `account_id` except `keep` (reason
    /// `all`) and journals `entry`; returns how many ended.
    pub async fn end_all_sessions(
        &self,
        account_id: i64,
        keep: Option<i64>,
        at: SystemTime,
        entry: &ActionEntry,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let n = end_all_in(&mut tx, account_id, keep, at, "all").await?;
        let mut entry = entry.clone();
        if let serde_json::Value::Object(map) = &mut entry.details {
            map.insert("ended".into(), serde_json::json!(n));
        }
        append_in(self, &mut tx, at, &entry).await?;
        crate::journal::commit(self, tx).await?;
        Ok(n)
    }

    /// The live sessions of `account_id` at `now`: not ended, not past
    /// their absolute end, and seen after `idle_since`; newest first.
    pub async fn active_sessions(
        &self,
        account_id: i64,
        now: SystemTime,
        idle_since: SystemTime,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM sessions
             WHERE account_id = $1 AND ended_at IS NULL AND absolute_expires_at > $2
               AND last_seen_at >= $3
             ORDER BY created_at DESC, id DESC"
        ))
        .bind(account_id)
        .bind(unix(now))
        .bind(unix(idle_since))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(session).collect()
    }
}
