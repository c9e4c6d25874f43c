//! TEMPORARY shim of part A's `store::accounts` contract (issue 6), so
//! that part B compiles before A lands; removed when h-idp-core is merged.
#![allow(missing_docs)]

use std::time::SystemTime;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::model::from_unix;
use crate::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountLevel {
    Simplified,
    Standard,
    Confirmed,
}

#[derive(Debug, Clone)]
pub struct AccountRecord {
    pub id: i64,
    pub level: AccountLevel,
    pub snils: Option<String>,
    pub blocked: bool,
    pub locked_until: Option<SystemTime>,
}

fn record(row: &AnyRow) -> Result<AccountRecord, StoreError> {
    let level: String = row.try_get("level")?;
    let blocked: i64 = row.try_get("blocked")?;
    let locked: Option<i64> = row.try_get("locked_until")?;
    Ok(AccountRecord {
        id: row.try_get("id")?,
        level: match level.as_str() {
            "simplified" => AccountLevel::Simplified,
            "standard" => AccountLevel::Standard,
            _ => AccountLevel::Confirmed,
        },
        snils: row.try_get("snils")?,
        blocked: blocked != 0,
        locked_until: locked.map(from_unix),
    })
}

impl Store {
    pub async fn account(&self, id: i64) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, level, snils, blocked, locked_until FROM accounts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(record).transpose()
    }

    pub async fn account_by_snils(&self, snils: &str) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, level, snils, blocked, locked_until FROM accounts WHERE snils = $1",
        )
        .bind(snils)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(record).transpose()
    }
}
