//! Monotonic named counters: CRL numbers (`crl:<ca id>`), time-stamp
//! serial numbers, anything that must never repeat or go back.

use crate::{Store, StoreError};

impl Store {
    /// Advances counter `name` by one in a transaction of its own and
    /// returns the new value (1 the first time). Concurrent callers, in
    /// one process or on several nodes, each get a distinct value.
    pub async fn next_value(&self, name: &str) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let value: i64 = sqlx::query_scalar(
            "INSERT INTO counters (name, value) VALUES ($1, 1)
             ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
             RETURNING value",
        )
        .bind(name)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(value)
    }

    /// Advances counter `name` by `count` (at least 1) in a transaction of
    /// its own and returns the new value: the caller owns the block
    /// `value - count + 1 ..= value`. Blocks of concurrent callers, in one
    /// process or on several nodes, never overlap.
    pub async fn reserve_values(&self, name: &str, count: i64) -> Result<i64, StoreError> {
        let count = count.max(1);
        let mut tx = self.begin().await?;
        let value: i64 = sqlx::query_scalar(
            "INSERT INTO counters (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET value = counters.value + $2
             RETURNING value",
        )
        .bind(name)
        .bind(count)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(value)
    }

    /// The current value of counter `name` (0 if never advanced).
    pub async fn current_value(&self, name: &str) -> Result<i64, StoreError> {
        let value: Option<i64> = sqlx::query_scalar("SELECT value FROM counters WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        Ok(value.unwrap_or(0))
    }
}
