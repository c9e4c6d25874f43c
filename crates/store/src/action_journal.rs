//! TEMPORARY shim of part A's `store::action_journal` contract (issue 6):
//! plain appends, no hash chain.
#![allow(missing_docs)]

use std::time::SystemTime;

use sqlx::{Any, Transaction};

use crate::model::unix;
use crate::{Store, StoreError};

#[derive(Debug, Clone)]
pub struct ActionEntry {
    pub account_id: Option<i64>,
    pub action: String,
    pub result: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: serde_json::Value,
}

pub(crate) async fn append_in(
    _store: &Store,
    tx: &mut Transaction<'static, Any>,
    at: SystemTime,
    e: &ActionEntry,
) -> Result<i64, StoreError> {
    let chain = e
        .account_id
        .map_or_else(|| "shared".to_owned(), |a| format!("account:{a}"));
    let seq: Option<i64> =
        sqlx::query_scalar("SELECT MAX(seq) FROM action_journal WHERE chain = $1")
            .bind(&chain)
            .fetch_one(&mut **tx)
            .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO action_journal (chain, seq, account_id, at, action, result, ip, user_agent, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', '') RETURNING id",
    )
    .bind(&chain)
    .bind(seq.unwrap_or(0) + 1)
    .bind(e.account_id)
    .bind(unix(at))
    .bind(&e.action)
    .bind(&e.result)
    .bind(e.ip.as_deref())
    .bind(e.user_agent.as_deref())
    .bind(e.details.to_string())
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}
