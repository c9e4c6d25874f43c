//! Numbered migrations in two dialects, applied in one transaction and
//! recorded in `schema_version`; a database newer than this build is
//! refused, never downgraded.

use crate::model::unix;
use crate::{Backend, Store, StoreError};

/// One migration: its number and its SQL for each dialect.
struct Migration {
    version: i64,
    sqlite: &'static str,
    postgres: &'static str,
}

/// Every migration, in order. A new one is appended with the next number;
/// an applied one is never edited.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("../migrations/sqlite/0001_ca.sql"),
        postgres: include_str!("../migrations/postgres/0001_ca.sql"),
    },
    Migration {
        version: 2,
        sqlite: include_str!("../migrations/sqlite/0002_operators.sql"),
        postgres: include_str!("../migrations/postgres/0002_operators.sql"),
    },
    Migration {
        version: 3,
        sqlite: include_str!("../migrations/sqlite/0003_idp.sql"),
        postgres: include_str!("../migrations/postgres/0003_idp.sql"),
    },
    Migration {
        version: 4,
        sqlite: include_str!("../migrations/sqlite/0004_esig.sql"),
        postgres: include_str!("../migrations/postgres/0004_esig.sql"),
    },
    Migration {
        version: 5,
        sqlite: include_str!("../migrations/sqlite/0005_oidc.sql"),
        postgres: include_str!("../migrations/postgres/0005_oidc.sql"),
    },
];

/// The schema version this build writes: the newest migration's number.
pub const SCHEMA_VERSION: i64 = 5;

/// Any key for PostgreSQL's advisory lock that serialises migrations of
/// several nodes starting at once ("podpis" in ASCII, shortened).
const MIGRATION_LOCK: i64 = 0x706f_6470_6973;

impl Store {
    /// Brings the schema to [`SCHEMA_VERSION`]; a no-op when it is there.
    pub(crate) async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_version (
                 version    BIGINT PRIMARY KEY,
                 applied_at BIGINT NOT NULL
             )",
        )
        .execute(&mut *tx)
        .await?;
        let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_version")
            .fetch_one(&mut *tx)
            .await?;
        let current = current.unwrap_or(0);
        if current > SCHEMA_VERSION {
            // Dropping the transaction rolls back: nothing was changed.
            return Err(StoreError::SchemaNewer {
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            let sql = match self.backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)")
                .bind(m.version)
                .bind(unix(std::time::SystemTime::now()))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The schema version of the open database.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_version")
            .fetch_one(self.pool())
            .await?;
        Ok(v.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order() {
        // Strictly increasing (a number may be missing while the parts of
        // one release are merged: 4 and 5 are written on separate branches).
        assert_eq!(MIGRATIONS.first().map(|m| m.version), Some(1));
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].version < pair[1].version);
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(SCHEMA_VERSION));
    }
}
