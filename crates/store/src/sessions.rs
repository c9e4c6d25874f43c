//! TEMPORARY shim of part A's `store::sessions` contract (issue 6).
#![allow(missing_docs)]

use std::time::SystemTime;

use sqlx::{Any, Row, Transaction};

use crate::model::{from_unix, unix};
use crate::{Store, StoreError};

#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub account_id: i64,
    pub amr: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub at: SystemTime,
    pub absolute_expires_at: SystemTime,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub id: i64,
    pub account_id: i64,
    pub amr: String,
    pub created_at: SystemTime,
    pub last_seen_at: SystemTime,
    pub absolute_expires_at: SystemTime,
    pub ended_at: Option<SystemTime>,
}

pub(crate) async fn insert_in(
    tx: &mut Transaction<'static, Any>,
    s: &NewSession<'_>,
) -> Result<SessionRecord, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sessions (token_hash, account_id, amr, ip, user_agent, created_at, last_seen_at, absolute_expires_at)
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
    Ok(SessionRecord {
        id,
        account_id: s.account_id,
        amr: s.amr.to_owned(),
        created_at: s.at,
        last_seen_at: s.at,
        absolute_expires_at: s.absolute_expires_at,
        ended_at: None,
    })
}

impl Store {
    pub async fn session_by_token_hash(
        &self,
        hash: &str,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, account_id, amr, created_at, last_seen_at, absolute_expires_at, ended_at
             FROM sessions WHERE token_hash = $1",
        )
        .bind(hash)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let ended: Option<i64> = row.try_get("ended_at")?;
        Ok(Some(SessionRecord {
            id: row.try_get("id")?,
            account_id: row.try_get("account_id")?,
            amr: row.try_get("amr")?,
            created_at: from_unix(row.try_get("created_at")?),
            last_seen_at: from_unix(row.try_get("last_seen_at")?),
            absolute_expires_at: from_unix(row.try_get("absolute_expires_at")?),
            ended_at: ended.map(from_unix),
        }))
    }
}
