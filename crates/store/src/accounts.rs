//! The identity provider's accounts («учётные записи»): level, contacts,
//! the Argon2id password hash, identity data, the sealed TOTP secret, the
//! lockout counters; the one-time flows (registration, login waiting for
//! its second factor, recovery); the failure counters of unknown login
//! names and of client addresses.
//!
//! The store keeps what the caller computed: hashes are made and checked
//! in `idp` (the store never sees a password or a code), secrets arrive
//! sealed. Every change that a user or operator makes is written in one
//! transaction with its entry in the action journal
//! ([`crate::action_journal`]).

use std::time::{Duration, SystemTime};

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::action_journal::{ActionEntry, append_in};
use crate::model::{from_unix, unix};
use crate::sessions::end_all_in;
use crate::{Store, StoreError};

/// How far an account's identity is established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountLevel {
    /// A phone number or an e-mail address and a password.
    Simplified,
    /// SNILS and passport data entered and format-checked.
    Standard,
    /// Identity confirmed: by a qualified certificate whose SNILS matches,
    /// or by an operator.
    Confirmed,
}

impl AccountLevel {
    /// `simplified`, `standard` or `confirmed` (the stored spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            AccountLevel::Simplified => "simplified",
            AccountLevel::Standard => "standard",
            AccountLevel::Confirmed => "confirmed",
        }
    }

    /// The level of its stored spelling.
    pub fn parse(s: &str) -> Option<AccountLevel> {
        match s {
            "simplified" => Some(AccountLevel::Simplified),
            "standard" => Some(AccountLevel::Standard),
            "confirmed" => Some(AccountLevel::Confirmed),
            _ => None,
        }
    }
}

impl std::fmt::Display for AccountLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account as stored. `Debug` leaves out the password hash and the
/// sealed TOTP secrets.
#[derive(Clone)]
pub struct AccountRecord {
    /// Row id.
    pub id: i64,
    /// The level.
    pub level: AccountLevel,
    /// E-mail, lower-case.
    pub email: Option<String>,
    /// Whether the e-mail was proven by a code sent to it.
    pub email_verified: bool,
    /// Phone, E.164 (`+79161234567`).
    pub phone: Option<String>,
    /// Whether the phone was proven by a code sent to it.
    pub phone_verified: bool,
    /// Argon2id PHC string (None: no password, e-signature only).
    pub password_hash: Option<String>,
    /// Фамилия.
    pub surname: Option<String>,
    /// Имя.
    pub given_name: Option<String>,
    /// Отчество.
    pub patronymic: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    pub birthdate: Option<String>,
    /// SNILS, 11 digits.
    pub snils: Option<String>,
    /// Personal INN, 12 digits.
    pub inn: Option<String>,
    /// Passport series, 4 digits.
    pub passport_series: Option<String>,
    /// Passport number, 6 digits.
    pub passport_number: Option<String>,
    /// Passport issue date, `YYYY-MM-DD`.
    pub passport_issued: Option<String>,
    /// Who confirmed the identity: `operator:<login>` or `esig:<fingerprint>`.
    pub confirmed_by: Option<String>,
    /// The TOTP secret, sealed under the server key.
    pub totp_secret: Option<Vec<u8>>,
    /// A TOTP secret being enrolled, sealed.
    pub totp_pending: Option<Vec<u8>>,
    /// The last TOTP time step accepted.
    pub totp_last_step: Option<i64>,
    /// Blocked by an administrator: no login at all.
    pub blocked: bool,
    /// Failed logins since the last good one or the last lock.
    pub failed_logins: i64,
    /// Locks since the last good login.
    pub lock_count: i64,
    /// Locked until then.
    pub locked_until: Option<SystemTime>,
    /// Created.
    pub created_at: SystemTime,
    /// Last changed.
    pub updated_at: SystemTime,
}

impl std::fmt::Debug for AccountRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountRecord")
            .field("id", &self.id)
            .field("level", &self.level)
            .field("email", &self.email)
            .field("phone", &self.phone)
            .field("blocked", &self.blocked)
            .field("locked_until", &self.locked_until)
            .finish_non_exhaustive()
    }
}

impl AccountRecord {
    /// Whether a TOTP authenticator is enrolled.
    pub fn has_totp(&self) -> bool {
        self.totp_secret.is_some()
    }

    /// Whether the account is locked at `now`.
    pub fn locked_at(&self, now: SystemTime) -> bool {
        self.locked_until.is_some_and(|t| t > now)
    }
}

const COLUMNS: &str = "id, level, email, email_verified, phone, phone_verified, password_hash, \
     surname, given_name, patronymic, birthdate, snils, inn, passport_series, passport_number, \
     passport_issued, confirmed_by, totp_secret, totp_pending, totp_last_step, blocked, \
     failed_logins, lock_count, locked_until, created_at, updated_at";

fn account(row: &AnyRow) -> Result<AccountRecord, StoreError> {
    let level: String = row.try_get("level")?;
    let flag = |name: &str| -> Result<bool, StoreError> { Ok(row.try_get::<i64, _>(name)? != 0) };
    let locked: Option<i64> = row.try_get("locked_until")?;
    Ok(AccountRecord {
        id: row.try_get("id")?,
        level: AccountLevel::parse(&level)
            .ok_or_else(|| StoreError::Corrupt(format!("account level {level:?}")))?,
        email: row.try_get("email")?,
        email_verified: flag("email_verified")?,
        phone: row.try_get("phone")?,
        phone_verified: flag("phone_verified")?,
        password_hash: row.try_get("password_hash")?,
        surname: row.try_get("surname")?,
        given_name: row.try_get("given_name")?,
        patronymic: row.try_get("patronymic")?,
        birthdate: row.try_get("birthdate")?,
        snils: row.try_get("snils")?,
        inn: row.try_get("inn")?,
        passport_series: row.try_get("passport_series")?,
        passport_number: row.try_get("passport_number")?,
        passport_issued: row.try_get("passport_issued")?,
        confirmed_by: row.try_get("confirmed_by")?,
        totp_secret: row.try_get("totp_secret")?,
        totp_pending: row.try_get("totp_pending")?,
        totp_last_step: row.try_get("totp_last_step")?,
        blocked: flag("blocked")?,
        failed_logins: row.try_get("failed_logins")?,
        lock_count: row.try_get("lock_count")?,
        locked_until: locked.map(from_unix),
        created_at: from_unix(row.try_get("created_at")?),
        updated_at: from_unix(row.try_get("updated_at")?),
    })
}

/// A new account (registration, or an account made for a first
/// e-signature login).
#[derive(Clone)]
pub struct NewAccount<'a> {
    /// Its level.
    pub level: AccountLevel,
    /// E-mail, normalised, proven by the registration code.
    pub email: Option<&'a str>,
    /// Phone, E.164, proven by the registration code.
    pub phone: Option<&'a str>,
    /// Argon2id PHC string.
    pub password_hash: Option<&'a str>,
    /// When.
    pub at: SystemTime,
}

impl std::fmt::Debug for NewAccount<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("level", &self.level)
            .field("email", &self.email)
            .field("phone", &self.phone)
            .finish_non_exhaustive()
    }
}

/// Identity data entered by the user (the standard level).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IdentityData {
    /// Фамилия.
    pub surname: String,
    /// Имя.
    pub given_name: String,
    /// Отчество (may be empty).
    pub patronymic: Option<String>,
    /// `YYYY-MM-DD`.
    pub birthdate: String,
    /// 11 digits, control number checked.
    pub snils: String,
    /// 12 digits, control digits checked.
    pub inn: Option<String>,
    /// 4 digits.
    pub passport_series: String,
    /// 6 digits.
    pub passport_number: String,
    /// `YYYY-MM-DD`.
    pub passport_issued: String,
}

/// The lock an account or a login name gets on a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockRule {
    /// Consecutive failures that lock.
    pub max_failures: i64,
    /// The first lock's length.
    pub first_lock: Duration,
    /// The longest lock (each lock doubles the one before, up to this).
    pub max_lock: Duration,
}

impl LockRule {
    /// The length of the lock number `lock_count` (0 for the first).
    pub fn lock_length(&self, lock_count: i64) -> Duration {
        let doublings = u32::try_from(lock_count.clamp(0, 30)).unwrap_or(30);
        self.first_lock
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.max_lock)
            .min(self.max_lock)
    }
}

/// What a failure did to the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureOutcome {
    /// Failures counted now (0 right after a lock).
    pub failed_logins: i64,
    /// Set when this failure locked: until when.
    pub locked_until: Option<SystemTime>,
    /// Locks since the last good login (this one included).
    pub lock_count: i64,
}

/// The kinds of one-time flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowPurpose {
    /// A registration waiting for the code sent to its address.
    Register,
    /// A login whose password was right, waiting for the second factor.
    Login,
    /// A recovery waiting for the code sent to the account's address.
    Recover,
}

impl FlowPurpose {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowPurpose::Register => "register",
            FlowPurpose::Login => "login",
            FlowPurpose::Recover => "recover",
        }
    }

    fn parse(s: &str) -> Option<FlowPurpose> {
        match s {
            "register" => Some(FlowPurpose::Register),
            "login" => Some(FlowPurpose::Login),
            "recover" => Some(FlowPurpose::Recover),
            _ => None,
        }
    }
}

/// A new one-time flow.
#[derive(Clone)]
pub struct NewFlow<'a> {
    /// What for.
    pub purpose: FlowPurpose,
    /// Hex hash of the flow token the client holds.
    pub flow_hash: &'a str,
    /// The account (None for a registration, or a recovery of an unknown
    /// login, which can never succeed).
    pub account_id: Option<i64>,
    /// `email`, `phone` or `totp`.
    pub channel: Option<&'a str>,
    /// Where the code went.
    pub address: Option<&'a str>,
    /// Keyed hash of the code sent (None: TOTP, or a flow that must fail).
    pub code_hash: Option<&'a str>,
    /// JSON the flow carries (never a code).
    pub payload: &'a str,
    /// The client's address.
    pub ip: Option<&'a str>,
    /// When.
    pub at: SystemTime,
    /// Until when the flow may be completed.
    pub expires_at: SystemTime,
}

impl std::fmt::Debug for NewFlow<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewFlow")
            .field("purpose", &self.purpose)
            .field("account_id", &self.account_id)
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

/// A one-time flow as stored.
#[derive(Clone)]
pub struct FlowRecord {
    /// Row id.
    pub id: i64,
    /// What for.
    pub purpose: FlowPurpose,
    /// The account, if any.
    pub account_id: Option<i64>,
    /// `email`, `phone` or `totp`.
    pub channel: Option<String>,
    /// Where the code went.
    pub address: Option<String>,
    /// Keyed hash of the code sent.
    pub code_hash: Option<String>,
    /// JSON the flow carries.
    pub payload: String,
    /// Wrong codes so far.
    pub attempts: i64,
    /// Started.
    pub created_at: SystemTime,
    /// Valid until.
    pub expires_at: SystemTime,
    /// Completed (or given up) then.
    pub used_at: Option<SystemTime>,
}

impl std::fmt::Debug for FlowRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowRecord")
            .field("id", &self.id)
            .field("purpose", &self.purpose)
            .field("account_id", &self.account_id)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

const FLOW_COLUMNS: &str = "id, purpose, account_id, channel, address, code_hash, payload, \
     attempts, created_at, expires_at, used_at";

fn flow(row: &AnyRow) -> Result<FlowRecord, StoreError> {
    let purpose: String = row.try_get("purpose")?;
    let used: Option<i64> = row.try_get("used_at")?;
    Ok(FlowRecord {
        id: row.try_get("id")?,
        purpose: FlowPurpose::parse(&purpose)
            .ok_or_else(|| StoreError::Corrupt(format!("flow purpose {purpose:?}")))?,
        account_id: row.try_get("account_id")?,
        channel: row.try_get("channel")?,
        address: row.try_get("address")?,
        code_hash: row.try_get("code_hash")?,
        payload: row.try_get("payload")?,
        attempts: row.try_get("attempts")?,
        created_at: from_unix(row.try_get("created_at")?),
        expires_at: from_unix(row.try_get("expires_at")?),
        used_at: used.map(from_unix),
    })
}

/// Reads an account inside a transaction.
pub(crate) async fn account_in(
    tx: &mut Transaction<'static, Any>,
    id: i64,
) -> Result<Option<AccountRecord>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(account).transpose()
}

/// Sets an account's level (and who confirmed it) inside a transaction;
/// returns the account. Used by the e-signature binding too.
pub(crate) async fn set_level_in(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    level: AccountLevel,
    confirmed_by: Option<&str>,
    at: SystemTime,
) -> Result<AccountRecord, StoreError> {
    let done = sqlx::query(
        "UPDATE accounts SET level = $2, confirmed_by = COALESCE($3, confirmed_by), updated_at = $4
         WHERE id = $1",
    )
    .bind(id)
    .bind(level.as_str())
    .bind(confirmed_by)
    .bind(unix(at))
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(not_found(id));
    }
    account_in(tx, id).await?.ok_or_else(|| not_found(id))
}

fn not_found(id: i64) -> StoreError {
    StoreError::NotFound {
        object: "account",
        id: id.to_string(),
    }
}

/// Applies a failure to counters read as (`failed`, `lock_count`).
fn failure_step(failed: i64, lock_count: i64, rule: &LockRule, at: SystemTime) -> FailureOutcome {
    let failed = failed + 1;
    if failed >= rule.max_failures {
        FailureOutcome {
            failed_logins: 0,
            locked_until: Some(at + rule.lock_length(lock_count)),
            lock_count: lock_count + 1,
        }
    } else {
        FailureOutcome {
            failed_logins: failed,
            locked_until: None,
            lock_count,
        }
    }
}

impl Store {
    /// The account `id`, if any.
    pub async fn account(&self, id: i64) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(account).transpose()
    }

    /// The account holding SNILS `snils` (11 digits), if any.
    pub async fn account_by_snils(&self, snils: &str) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM accounts WHERE snils = $1"))
            .bind(snils)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(account).transpose()
    }

    /// The account with this normalised e-mail, if any.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM accounts WHERE email = $1"))
            .bind(email)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(account).transpose()
    }

    /// The account with this E.164 phone, if any.
    pub async fn account_by_phone(&self, phone: &str) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM accounts WHERE phone = $1"))
            .bind(phone)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(account).transpose()
    }

    /// Accounts, newest first, at most `limit`; only those of `level` when
    /// given (an administrator's listing).
    pub async fn accounts(
        &self,
        level: Option<AccountLevel>,
        limit: i64,
    ) -> Result<Vec<AccountRecord>, StoreError> {
        let rows = match level {
            Some(level) => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM accounts WHERE level = $1 ORDER BY id DESC LIMIT $2"
                ))
                .bind(level.as_str())
                .bind(limit)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM accounts ORDER BY id DESC LIMIT $1"
                ))
                .bind(limit)
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.iter().map(account).collect()
    }

    /// Creates an account and journals `entry` (its `account_id` is set to
    /// the new id) in one transaction. A taken e-mail, phone or SNILS is
    /// [`StoreError::Taken`].
    pub async fn create_account(
        &self,
        new: &NewAccount<'_>,
        entry: &ActionEntry,
    ) -> Result<AccountRecord, StoreError> {
        let mut tx = self.begin().await?;
        let record = insert_account_in(self, &mut tx, new, entry).await?;
        crate::journal::commit(self, tx).await?;
        Ok(record)
    }

    /// Records the identity data and raises a simplified account to
    /// standard (a standard or confirmed account keeps its level). A SNILS
    /// held by another account is [`StoreError::Taken`].
    pub async fn set_identity(
        &self,
        id: i64,
        data: &IdentityData,
        at: SystemTime,
        entry: &ActionEntry,
    ) -> Result<AccountRecord, StoreError> {
        let mut tx = self.begin().await?;
        let result = sqlx::query(
            "UPDATE accounts SET surname = $2, given_name = $3, patronymic = $4, birthdate = $5,
                 snils = $6, inn = $7, passport_series = $8, passport_number = $9,
                 passport_issued = $10,
                 level = CASE WHEN level = 'simplified' THEN 'standard' ELSE level END,
                 updated_at = $11
             WHERE id = $1",
        )
        .bind(id)
        .bind(&data.surname)
        .bind(&data.given_name)
        .bind(data.patronymic.as_deref())
        .bind(&data.birthdate)
        .bind(&data.snils)
        .bind(data.inn.as_deref())
        .bind(&data.passport_series)
        .bind(&data.passport_number)
        .bind(&data.passport_issued)
        .bind(unix(at))
        .execute(&mut *tx)
        .await;
        match result {
            Ok(done) if done.rows_affected() == 0 => return Err(not_found(id)),
            Ok(_) => {}
            Err(e) if StoreError::is_unique_violation(&e) => {
                return Err(StoreError::Taken("snils"));
            }
            Err(e) => return Err(e.into()),
        }
        append_in(self, &mut tx, at, entry).await?;
        let record = account_in(&mut tx, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        crate::journal::commit(self, tx).await?;
        Ok(record)
    }

    /// Sets the level (an operator's confirmation: `confirmed_by` names
    /// them) and journals it, in one transaction.
    pub async fn set_account_level(
        &self,
        id: i64,
        level: AccountLevel,
        confirmed_by: Option<&str>,
        at: SystemTime,
        entry: &ActionEntry,
    ) -> Result<AccountRecord, StoreError> {
        let mut tx = self.begin().await?;
        let record = set_level_in(&mut tx, id, level, confirmed_by, at).await?;
        append_in(self, &mut tx, at, entry).await?;
        crate::journal::commit(self, tx).await?;
        Ok(record)
    }

    /// Blocks or unblocks an account (an administrator's action); blocking
    /// ends its sessions (reason `blocked`).
    pub async fn set_account_blocked(
        &self,
        id: i64,
        blocked: bool,
        at: SystemTime,
        entry: &ActionEntry,
    ) -> Result<AccountRecord, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE accounts SET blocked = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(i64::from(blocked))
            .bind(unix(at))
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(not_found(id));
        }
        if blocked {
            end_all_in(&mut tx, id, None, at, "blocked").await?;
        }
        append_in(self, &mut tx, at, entry).await?;
        let record = account_in(&mut tx, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        crate::journal::commit(self, tx).await?;
        Ok(record)
    }

    /// Replaces the password hash; clears the lockout; ends every session
    /// of the account except `keep_session` (reason `password`); journals.
    /// Returns how many sessions were ended.
    pub async fn set_password_hash(
        &self,
        id: i64,
        password_hash: &str,
        keep_session: Option<i64>,
        at: SystemTime,
        entry: &ActionEntry,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE accounts SET password_hash = $2, failed_logins = 0, lock_count = 0,
                 locked_until = NULL, updated_at = $3
             WHERE id = $1",
        )
        .bind(id)
        .bind(password_hash)
        .bind(unix(at))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(not_found(id));
        }
        let ended = end_all_in(&mut tx, id, keep_session, at, "password").await?;
        append_in(self, &mut tx, at, entry).await?;
        crate::journal::commit(self, tx).await?;
        Ok(ended)
    }

    /// Stores a sealed TOTP secret being enrolled (replacing any earlier
    /// pending one).
    pub async fn set_totp_pending(
        &self,
        id: i64,
        sealed: &[u8],
        at: SystemTime,
    ) -> Result<(), StoreError> {
        let done =
            sqlx::query("UPDATE accounts SET totp_pending = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(sealed.to_vec())
                .bind(unix(at))
                .execute(self.pool())
                .await?;
        if done.rows_affected() == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }

    /// Makes the pending TOTP secret the account's (its first code was
    /// right at time step `step`) and journals it. Fails with
    /// [`StoreError::WrongState`] when the pending secret changed meanwhile.
    pub async fn confirm_totp(
        &self,
        id: i64,
        sealed: &[u8],
        step: i64,
        at: SystemTime,
        entry: &ActionEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE accounts SET totp_secret = totp_pending, totp_pending = NULL,
                 totp_last_step = $3, updated_at = $4
             WHERE id = $1 AND totp_pending = $2",
        )
        .bind(id)
        .bind(sealed.to_vec())
        .bind(step)
        .bind(unix(at))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::WrongState {
                object: "account",
                id: id.to_string(),
                actual: "another pending secret".into(),
                expected: "the pending secret confirmed",
            });
        }
        append_in(self, &mut tx, at, entry).await?;
        crate::journal::commit(self, tx).await
    }

    /// Removes the TOTP authenticator and journals it.
    pub async fn remove_totp(
        &self,
        id: i64,
        at: SystemTime,
        entry: &ActionEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE accounts SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL,
                 updated_at = $2 WHERE id = $1",
        )
        .bind(id)
        .bind(unix(at))
        .execute(&mut *tx)
        .await?;
        append_in(self, &mut tx, at, entry).await?;
        crate::journal::commit(self, tx).await
    }

    /// Takes TOTP time step `step` for the account: false when this step or
    /// a later one was taken already (a replayed code).
    pub async fn take_totp_step(&self, id: i64, step: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE accounts SET totp_last_step = $2
             WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
        )
        .bind(id)
        .bind(step)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Counts a failed login on account `id` under `rule`: the
    /// `rule.max_failures`-th failure in a row locks it (each lock twice as
    /// long as the one before, up to `rule.max_lock`); journals `entry` in
    /// the same transaction (with `locked_until` added to its details when
    /// this failure locked).
    pub async fn account_login_failed(
        &self,
        id: i64,
        rule: &LockRule,
        at: SystemTime,
        entry: &ActionEntry,
    ) -> Result<FailureOutcome, StoreError> {
        let mut tx = self.begin().await?;
        // The UPDATE takes the row lock first, so concurrent failures on
        // PostgreSQL count one after the other.
        let row = sqlx::query(
            "UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = $1
             RETURNING failed_logins, lock_count",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| not_found(id))?;
        let failed: i64 = row.try_get("failed_logins")?;
        let lock_count: i64 = row.try_get("lock_count")?;
        let outcome = failure_step(failed - 1, lock_count, rule, at);
        if let Some(until) = outcome.locked_until {
            sqlx::query(
                "UPDATE accounts SET failed_logins = 0, lock_count = $2, locked_until = $3
                 WHERE id = $1",
            )
            .bind(id)
            .bind(outcome.lock_count)
            .bind(unix(until))
            .execute(&mut *tx)
            .await?;
        }
        let entry = with_lock(entry, &outcome);
        append_in(self, &mut tx, at, &entry).await?;
        crate::journal::commit(self, tx).await?;
        Ok(outcome)
    }

    /// A good login on account `id`: clears the failure count, the lock
    /// history and any expired lock.
    pub async fn account_login_succeeded(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET failed_logins = 0, lock_count = 0, locked_until = NULL
             WHERE id = $1 AND (failed_logins <> 0 OR lock_count <> 0 OR locked_until IS NOT NULL)",
        )
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The lock on a login name that belongs to no account, if any.
    pub async fn login_name_locked_until(
        &self,
        login_hash: &str,
    ) -> Result<Option<SystemTime>, StoreError> {
        let t: Option<Option<i64>> =
            sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE login_hash = $1")
                .bind(login_hash)
                .fetch_optional(self.pool())
                .await?;
        Ok(t.flatten().map(from_unix))
    }

    /// Counts a failed login on a login name that belongs to no account,
    /// exactly as [`Store::account_login_failed`] counts on an account, and
    /// journals `entry`.
    pub async fn login_name_failed(
        &self,
        login_hash: &str,
        rule: &LockRule,
        at: SystemTime,
        entry: &ActionEntry,
    ) -> Result<FailureOutcome, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO login_throttle (login_hash, failed_logins, lock_count, updated_at)
             VALUES ($1, 1, 0, $2)
             ON CONFLICT (login_hash) DO UPDATE
                 SET failed_logins = login_throttle.failed_logins + 1, updated_at = $2
             RETURNING failed_logins, lock_count",
        )
        .bind(login_hash)
        .bind(unix(at))
        .fetch_one(&mut *tx)
        .await?;
        let failed: i64 = row.try_get("failed_logins")?;
        let lock_count: i64 = row.try_get("lock_count")?;
        let outcome = failure_step(failed - 1, lock_count, rule, at);
        if let Some(until) = outcome.locked_until {
            sqlx::query(
                "UPDATE login_throttle SET failed_logins = 0, lock_count = $2, locked_until = $3
                 WHERE login_hash = $1",
            )
            .bind(login_hash)
            .bind(outcome.lock_count)
            .bind(unix(until))
            .execute(&mut *tx)
            .await?;
        }
        let entry = with_lock(entry, &outcome);
        append_in(self, &mut tx, at, &entry).await?;
        crate::journal::commit(self, tx).await?;
        Ok(outcome)
    }

    /// Failures from client address `ip` in the window that started after
    /// `window_start`.
    pub async fn ip_failures(&self, ip: &str, window_start: SystemTime) -> Result<i64, StoreError> {
        let n: Option<i64> = sqlx::query_scalar(
            "SELECT failures FROM ip_failures WHERE ip = $1 AND window_start > $2",
        )
        .bind(ip)
        .bind(unix(window_start))
        .fetch_optional(self.pool())
        .await?;
        Ok(n.unwrap_or(0))
    }

    /// Counts a failure from `ip` at `at`: a window older than `window`
    /// starts again at one. Returns the failures in the current window.
    pub async fn ip_failed(
        &self,
        ip: &str,
        at: SystemTime,
        window: Duration,
    ) -> Result<i64, StoreError> {
        let cut = unix(at) - i64::try_from(window.as_secs()).unwrap_or(i64::MAX);
        let n: i64 = sqlx::query_scalar(
            "INSERT INTO ip_failures (ip, window_start, failures) VALUES ($1, $2, 1)
             ON CONFLICT (ip) DO UPDATE SET
                 failures = CASE WHEN ip_failures.window_start > $3
                                 THEN ip_failures.failures + 1 ELSE 1 END,
                 window_start = CASE WHEN ip_failures.window_start > $3
                                     THEN ip_failures.window_start ELSE $2 END
             RETURNING failures",
        )
        .bind(ip)
        .bind(unix(at))
        .bind(cut)
        .fetch_one(self.pool())
        .await?;
        Ok(n)
    }

    /// Starts a one-time flow; journals `entry` with it when given.
    pub async fn create_flow(
        &self,
        new: &NewFlow<'_>,
        entry: Option<&ActionEntry>,
    ) -> Result<FlowRecord, StoreError> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO one_time_flows (purpose, flow_hash, account_id, channel, address,
                 code_hash, payload, ip, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(new.purpose.as_str())
        .bind(new.flow_hash)
        .bind(new.account_id)
        .bind(new.channel)
        .bind(new.address)
        .bind(new.code_hash)
        .bind(new.payload)
        .bind(new.ip)
        .bind(unix(new.at))
        .bind(unix(new.expires_at))
        .fetch_one(&mut *tx)
        .await?;
        if let Some(entry) = entry {
            append_in(self, &mut tx, new.at, entry).await?;
        }
        let row = sqlx::query(&format!(
            "SELECT {FLOW_COLUMNS} FROM one_time_flows WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        crate::journal::commit(self, tx).await?;
        flow(&row)
    }

    /// The flow of a token hash and purpose, used or not.
    pub async fn flow(
        &self,
        flow_hash: &str,
        purpose: FlowPurpose,
    ) -> Result<Option<FlowRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {FLOW_COLUMNS} FROM one_time_flows WHERE flow_hash = $1 AND purpose = $2"
        ))
        .bind(flow_hash)
        .bind(purpose.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(flow).transpose()
    }

    /// Counts a wrong code on flow `id`; at `max_attempts` the flow is
    /// closed (used). Journals `entry` when given. Returns the attempts
    /// made.
    pub async fn flow_attempt_failed(
        &self,
        id: i64,
        max_attempts: i64,
        at: SystemTime,
        entry: Option<&ActionEntry>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let attempts: i64 = sqlx::query_scalar(
            "UPDATE one_time_flows SET attempts = attempts + 1,
                 used_at = CASE WHEN attempts + 1 >= $2 THEN $3 ELSE used_at END
             WHERE id = $1 RETURNING attempts",
        )
        .bind(id)
        .bind(max_attempts)
        .bind(unix(at))
        .fetch_one(&mut *tx)
        .await?;
        if let Some(entry) = entry {
            append_in(self, &mut tx, at, entry).await?;
        }
        crate::journal::commit(self, tx).await?;
        Ok(attempts)
    }

    /// Closes flow `id` if it is still open and unexpired at `at`: true
    /// when this call closed it (exactly one caller wins).
    pub async fn take_flow(&self, id: i64, at: SystemTime) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE one_time_flows SET used_at = $2
             WHERE id = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(id)
        .bind(unix(at))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Completes a registration flow: closes it (if still open) and creates
    /// the account with its journal entry, in one transaction. `None` when
    /// the flow was taken or expired meanwhile.
    pub async fn complete_registration(
        &self,
        flow_id: i64,
        new: &NewAccount<'_>,
        entry: &ActionEntry,
    ) -> Result<Option<AccountRecord>, StoreError> {
        let mut tx = self.begin().await?;
        let taken = sqlx::query(
            "UPDATE one_time_flows SET used_at = $2
             WHERE id = $1 AND used_at IS NULL AND expires_at > $2 AND purpose = 'register'",
        )
        .bind(flow_id)
        .bind(unix(new.at))
        .execute(&mut *tx)
        .await?;
        if taken.rows_affected() == 0 {
            return Ok(None);
        }
        let record = insert_account_in(self, &mut tx, new, entry).await?;
        crate::journal::commit(self, tx).await?;
        Ok(Some(record))
    }

    /// Completes a recovery flow: closes it (if still open), sets the new
    /// password hash, clears the lockout, ends every session of the account
    /// (reason `password`) and journals, in one transaction. `None` when
    /// the flow was taken or expired meanwhile; else the sessions ended.
    pub async fn complete_recovery(
        &self,
        flow_id: i64,
        account_id: i64,
        password_hash: &str,
        at: SystemTime,
        entry: &ActionEntry,
    ) -> Result<Option<u64>, StoreError> {
        let mut tx = self.begin().await?;
        let taken = sqlx::query(
            "UPDATE one_time_flows SET used_at = $2
             WHERE id = $1 AND used_at IS NULL AND expires_at > $2 AND purpose = 'recover'
               AND account_id = $3",
        )
        .bind(flow_id)
        .bind(unix(at))
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        if taken.rows_affected() == 0 {
            return Ok(None);
        }
        sqlx::query(
            "UPDATE accounts SET password_hash = $2, failed_logins = 0, lock_count = 0,
                 locked_until = NULL, updated_at = $3
             WHERE id = $1",
        )
        .bind(account_id)
        .bind(password_hash)
        .bind(unix(at))
        .execute(&mut *tx)
        .await?;
        let ended = end_all_in(&mut tx, account_id, None, at, "password").await?;
        append_in(self, &mut tx, at, entry).await?;
        crate::journal::commit(self, tx).await?;
        Ok(Some(ended))
    }

    /// Deletes flows that expired before `before` (housekeeping).
    pub async fn purge_flows(&self, before: SystemTime) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM one_time_flows WHERE expires_at < $1")
            .bind(unix(before))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}

/// `entry` with the lock (if this failure locked) added to its details.
fn with_lock(entry: &ActionEntry, outcome: &FailureOutcome) -> ActionEntry {
    let mut entry = entry.clone();
    if entry.details.is_null() {
        entry.details = serde_json::json!({});
    }
    if let Some(until) = outcome.locked_until
        && let serde_json::Value::Object(map) = &mut entry.details
    {
        map.insert("locked_until".into(), serde_json::json!(unix(until)));
        map.insert("lock_count".into(), serde_json::json!(outcome.lock_count));
    }
    entry
}

/// Inserts the account `new` inside `tx` with its journal entry (`entry`,
/// given the new account's id) and reads it back; a taken e-mail or phone
/// is [`StoreError::Taken`].
async fn insert_account_in(
    store: &Store,
    tx: &mut Transaction<'static, Any>,
    new: &NewAccount<'_>,
    entry: &ActionEntry,
) -> Result<AccountRecord, StoreError> {
    let id: i64 = match sqlx::query_scalar(
        "INSERT INTO accounts (level, email, email_verified, phone, phone_verified,
             password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(new.level.as_str())
    .bind(new.email)
    .bind(i64::from(new.email.is_some()))
    .bind(new.phone)
    .bind(i64::from(new.phone.is_some()))
    .bind(new.password_hash)
    .bind(unix(new.at))
    .fetch_one(&mut **tx)
    .await
    {
        Ok(id) => id,
        Err(e) if StoreError::is_unique_violation(&e) => {
            return Err(StoreError::Taken("account"));
        }
        Err(e) => return Err(e.into()),
    };
    let mut entry = entry.clone();
    entry.account_id = Some(id);
    append_in(store, tx, new.at, &entry).await?;
    account_in(tx, id).await?.ok_or_else(|| not_found(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_double_up_to_the_cap() {
        let rule = LockRule {
            max_failures: 5,
            first_lock: Duration::from_secs(15 * 60),
            max_lock: Duration::from_secs(24 * 3600),
        };
        let mins: Vec<u64> = (0..10)
            .map(|n| rule.lock_length(n).as_secs() / 60)
            .collect();
        assert_eq!(mins, [15, 30, 60, 120, 240, 480, 960, 1440, 1440, 1440]);
        assert_eq!(rule.lock_length(1000), Duration::from_secs(24 * 3600));
    }
}
