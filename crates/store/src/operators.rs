//! Operator accounts (login, Argon2id hash, role, disabled, lockout after
//! wrong passwords) and the applicants' request tokens.
//!
//! The store keeps hashes only: the password hash is computed and checked
//! by the caller (`ca::api`), the request token is stored as its hash.

use std::time::SystemTime;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::model::{from_unix, unix};
use crate::{Store, StoreError};

/// An operator account.
#[derive(Clone)]
pub struct OperatorAccount {
    /// Row id.
    pub id: i64,
    /// The login (recorded in the journal as the actor).
    pub login: String,
    /// The Argon2id hash, PHC string.
    pub password_hash: String,
    /// `operator` or `admin`.
    pub role: String,
    /// A disabled account cannot log in.
    pub disabled: bool,
    /// Consecutive wrong passwords.
    pub failed_logins: i64,
    /// Locked until then after too many wrong passwords.
    pub locked_until: Option<SystemTime>,
}

impl std::fmt::Debug for OperatorAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorAccount")
            .field("login", &self.login)
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, login, password_hash, role, disabled, failed_logins, locked_until";

fn account(row: &AnyRow) -> Result<OperatorAccount, StoreError> {
    let locked: Option<i64> = row.try_get("locked_until")?;
    let disabled: i64 = row.try_get("disabled")?;
    Ok(OperatorAccount {
        id: row.try_get("id")?,
        login: row.try_get("login")?,
        password_hash: row.try_get("password_hash")?,
        role: row.try_get("role")?,
        disabled: disabled != 0,
        failed_logins: row.try_get("failed_logins")?,
        locked_until: locked.map(from_unix),
    })
}

impl Store {
    /// Creates an operator account, or replaces the hash, role and
    /// disabled flag of an existing login (and clears its lockout).
    pub async fn put_operator(
        &self,
        login: &str,
        password_hash: &str,
        role: &str,
        disabled: bool,
        at: SystemTime,
    ) -> Result<OperatorAccount, StoreError> {
        let mut tx = self.begin().await?;
        let updated = sqlx::query(
            "UPDATE operators SET password_hash = $2, role = $3, disabled = $4,
                 failed_logins = 0, locked_until = NULL WHERE login = $1",
        )
        .bind(login)
        .bind(password_hash)
        .bind(role)
        .bind(i64::from(disabled))
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            sqlx::query(
                "INSERT INTO operators (login, password_hash, role, disabled, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(login)
            .bind(password_hash)
            .bind(role)
            .bind(i64::from(disabled))
            .bind(unix(at))
            .execute(&mut *tx)
            .await?;
        }
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM operators WHERE login = $1"))
            .bind(login)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        account(&row)
    }

    /// The account of `login`, if any.
    pub async fn operator(&self, login: &str) -> Result<Option<OperatorAccount>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM operators WHERE login = $1"))
            .bind(login)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(account).transpose()
    }

    /// Counts a wrong password for `login`; at `max_failures` in a row the
    /// account is locked until `lock_until`. Returns the updated account.
    pub async fn operator_login_failed(
        &self,
        login: &str,
        max_failures: i64,
        lock_until: SystemTime,
    ) -> Result<Option<OperatorAccount>, StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE operators SET failed_logins = failed_logins + 1,
                 locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END
             WHERE login = $1",
        )
        .bind(login)
        .bind(max_failures)
        .bind(unix(lock_until))
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM operators WHERE login = $1"))
            .bind(login)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.as_ref().map(account).transpose()
    }

    /// Clears the wrong-password count of `login` after a good login.
    pub async fn operator_login_succeeded(&self, login: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE operators SET failed_logins = 0, locked_until = NULL
             WHERE login = $1 AND (failed_logins <> 0 OR locked_until IS NOT NULL)",
        )
        .bind(login)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records the hash of the token that lets an applicant read request
    /// `request_id`.
    pub async fn put_request_token(
        &self,
        request_id: i64,
        token_hash: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO request_tokens (token_hash, request_id) VALUES ($1, $2)")
            .bind(token_hash)
            .bind(request_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The request a token hash opens, if any.
    pub async fn request_by_token(&self, token_hash: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT request_id FROM request_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(self.pool())
                .await?,
        )
    }
}
