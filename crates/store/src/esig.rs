//! Login by e-signature (schema version 4, owned by `idp::challenge` and
//! `idp::esig`): one-time challenges shared by every node, certificates
//! bound to accounts (table `account_certificates` of version 3), the
//! shared revocation cache, and the one transaction that turns a checked
//! signature into a session: consume the challenge, bind the certificate,
//! raise the account to confirmed, start the session, journal it.
//!
//! Challenges and binding values are random; the store keeps the challenge
//! (public: the user signs it) and only the SHA-256 of the binding value.

use std::time::SystemTime;

use sqlx::any::AnyRow;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Row};

use crate::accounts::AccountLevel;
use crate::action_journal::{ActionEntry, GENESIS, Head, append_in, chain_of, write_entry_in};
use crate::model::{from_unix, unix};
use crate::sessions::{NewSession, SessionRecord, insert_in, session_record};
use crate::{Backend, Store, StoreError};

/// Challenges that expired longer ago than this are deleted.
const CHALLENGE_KEEP_SECS: i64 = 3600;

/// One challenge in this many (by row id) sweeps the expired ones.
pub const CHALLENGE_SWEEP_EVERY: i64 = 64;

/// A challenge being issued.
#[derive(Debug, Clone)]
pub struct NewChallenge<'a> {
    /// The challenge, base64url of 32 random bytes.
    pub challenge: &'a str,
    /// Hex SHA-256 of the pre-login binding value.
    pub binding_hash: &'a str,
    /// The client's address.
    pub ip: Option<&'a str>,
    /// When it was issued.
    pub at: SystemTime,
    /// When it stops being accepted.
    pub expires_at: SystemTime,
}

/// A stored challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeRecord {
    /// Row id.
    pub id: i64,
    /// The challenge, base64url.
    pub challenge: String,
    /// Hex SHA-256 of the binding value it was issued with.
    pub binding_hash: String,
    /// When it was issued.
    pub created_at: SystemTime,
    /// When it stops being accepted.
    pub expires_at: SystemTime,
    /// When an attempt consumed it.
    pub used_at: Option<SystemTime>,
}

fn challenge(row: &AnyRow) -> Result<ChallengeRecord, StoreError> {
    let used: Option<i64> = row.try_get("used_at")?;
    Ok(ChallengeRecord {
        id: row.try_get("id")?,
        challenge: row.try_get("challenge")?,
        binding_hash: row.try_get("binding_hash")?,
        created_at: from_unix(row.try_get("created_at")?),
        expires_at: from_unix(row.try_get("expires_at")?),
        used_at: used.map(from_unix),
    })
}

/// A certificate to bind to an account.
#[derive(Debug, Clone)]
pub struct NewBinding<'a> {
    /// Hex SHA-256 of the DER.
    pub fingerprint: &'a str,
    /// The certificate, DER.
    pub der: &'a [u8],
    /// Its subject, as displayed.
    pub subject: &'a str,
    /// Its issuer, as displayed.
    pub issuer: &'a str,
    /// Its serial number, upper-case hex.
    pub serial: &'a str,
    /// notBefore.
    pub not_before: SystemTime,
    /// notAfter.
    pub not_after: SystemTime,
}

/// A certificate bound to an account (or once bound: `unbound_at`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundCertificate {
    /// Row id.
    pub id: i64,
    /// The account.
    pub account_id: i64,
    /// Hex SHA-256 of the DER.
    pub fingerprint: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// Its subject, as displayed.
    pub subject: String,
    /// Its issuer, as displayed.
    pub issuer: String,
    /// Serial number, upper-case hex.
    pub serial: String,
    /// notBefore.
    pub not_before: SystemTime,
    /// notAfter.
    pub not_after: SystemTime,
    /// When it was bound.
    pub bound_at: SystemTime,
    /// When it was unbound.
    pub unbound_at: Option<SystemTime>,
}

const BOUND_COLUMNS: &str = "id, account_id, fingerprint, der, subject, issuer, serial, \
                             not_before, not_after, bound_at, unbound_at";

fn bound(row: &AnyRow) -> Result<BoundCertificate, StoreError> {
    let unbound: Option<i64> = row.try_get("unbound_at")?;
    Ok(BoundCertificate {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        fingerprint: row.try_get("fingerprint")?,
        der: row.try_get("der")?,
        subject: row.try_get("subject")?,
        issuer: row.try_get("issuer")?,
        serial: row.try_get("serial")?,
        not_before: from_unix(row.try_get("not_before")?),
        not_after: from_unix(row.try_get("not_after")?),
        bound_at: from_unix(row.try_get("bound_at")?),
        unbound_at: unbound.map(from_unix),
    })
}

/// Everything a successful e-signature login writes, in one transaction.
#[derive(Debug)]
pub struct EsigLogin<'a> {
    /// The challenge to consume (it must still be unused).
    pub challenge_id: i64,
    /// The account logging in.
    pub account_id: i64,
    /// A certificate to bind first (first login with it).
    pub bind: Option<NewBinding<'a>>,
    /// Raise a standard account to confirmed (`confirmed_by` =
    /// `esig:<fingerprint>` of the certificate bound).
    pub confirm: bool,
    /// Clear a password lockout (the policy lets e-signature logins in).
    pub clear_lockout: bool,
    /// The session to start.
    pub session: NewSession<'a>,
    /// The journal entry (`login.esig`, result `ok`).
    pub journal: ActionEntry,
}

/// What a successful e-signature login wrote.
#[derive(Debug)]
pub struct EsigLoginOutcome {
    /// The session started.
    pub session: SessionRecord,
    /// The certificate row bound by this login, if any.
    pub bound_certificate: Option<i64>,
    /// Whether the account was raised to confirmed by this login.
    pub confirmed: bool,
}

/// A pooled connection held through one e-signature login attempt, so
/// that the read of checks 3 and 8 and the login's transaction share it:
/// one connection handed out and back (and pinged by the pool) instead of
/// two. Empty until first used. Release it ([`LoginConnection::release`])
/// before anything slow or anything that takes another connection of the
/// same pool (a revocation check on the network, another store call):
/// attempts holding every connection while waiting for one more would
/// wait for each other.
#[derive(Default)]
pub struct LoginConnection(Option<PoolConnection<Any>>);

impl std::fmt::Debug for LoginConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("LoginConnection")
            .field(&self.0.is_some())
            .finish()
    }
}

impl LoginConnection {
    /// Hands the connection back to the pool, if one is held.
    pub fn release(&mut self) {
        self.0 = None;
    }

    /// The held connection, taken from `store`'s pool first if need be.
    async fn get(&mut self, store: &Store) -> Result<&mut PoolConnection<Any>, StoreError> {
        let conn = match self.0.take() {
            Some(conn) => conn,
            None => store.pool().acquire().await?,
        };
        Ok(self.0.insert(conn))
    }
}

/// A cached revocation status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachedStatus {
    /// Not revoked when checked.
    Good,
    /// Revoked.
    Revoked {
        /// When.
        at: SystemTime,
        /// RFC 5280 CRLReason number, if said.
        reason: Option<i64>,
    },
}

/// A row of the shared revocation cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedRevocation {
    /// The status.
    pub status: CachedStatus,
    /// `ocsp URL` or `crl URL`.
    pub source: String,
    /// When it was established.
    pub checked_at: SystemTime,
    /// Until when it may be reused (the evidence's nextUpdate).
    pub valid_until: SystemTime,
}

/// What the e-signature login needs of an account (checks 8 and 9), read
/// in one query.
#[derive(Debug, Clone)]
pub struct LoginAccount {
    /// The account.
    pub id: i64,
    /// Its level.
    pub level: AccountLevel,
    /// Its SNILS, digits only.
    pub snils: Option<String>,
    /// Blocked by an administrator.
    pub blocked: bool,
    /// Locked by wrong passwords until then.
    pub locked_until: Option<SystemTime>,
}

const ACCOUNT_COLUMNS: &str = "a.id, a.level, a.snils, a.blocked, a.locked_until";

fn login_account(row: &AnyRow) -> Result<LoginAccount, StoreError> {
    login_account_as(row, row.try_get("id")?)
}

/// An account's columns (but its id) from `row`.
fn login_account_as(row: &AnyRow, id: i64) -> Result<LoginAccount, StoreError> {
    let level: String = row.try_get("level")?;
    let blocked: i64 = row.try_get("blocked")?;
    let locked: Option<i64> = row.try_get("locked_until")?;
    Ok(LoginAccount {
        id,
        level: match level.as_str() {
            "simplified" => AccountLevel::Simplified,
            "standard" => AccountLevel::Standard,
            "confirmed" => AccountLevel::Confirmed,
            other => return Err(StoreError::Corrupt(format!("account level {other:?}"))),
        },
        snils: row.try_get("snils")?,
        blocked: blocked != 0,
        locked_until: locked.map(from_unix),
    })
}

/// The first statement of a successful login on PostgreSQL: consume
/// challenge `$2` at `$1`, start the session (`$3`–`$8`) and take the next
/// number of journal chain `$9` (created with previous hash `$10`, as
/// `action_journal`'s ADVANCE_HEAD does). No row: the challenge was
/// consumed meanwhile, and nothing was written.
const CONSUME_START_ADVANCE: &str = "WITH consumed AS (
         UPDATE esig_challenges SET used_at = $1 WHERE id = $2 AND used_at IS NULL RETURNING id
     ), session AS (
         INSERT INTO sessions (token_hash, account_id, amr, ip, user_agent, created_at,
             last_seen_at, absolute_expires_at)
         SELECT $3, $4, $5, $6, $7, $1, $1, $8 FROM consumed RETURNING id
     ), head AS (
         INSERT INTO journal_heads (chain, seq, hash) SELECT $9, 1, $10 FROM consumed
         ON CONFLICT (chain) DO UPDATE SET seq = journal_heads.seq + 1
         RETURNING seq, hash
     )
     SELECT session.id AS session_id, head.seq, head.hash FROM session, head";

fn challenge_used(id: i64) -> StoreError {
    StoreError::WrongState {
        object: "challenge",
        id: id.to_string(),
        actual: "used".into(),
        expected: "unused",
    }
}

impl Store {
    /// The account with this SNILS (digits only).
    pub async fn esig_account_by_snils(
        &self,
        snils: &str,
    ) -> Result<Option<LoginAccount>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.snils = $1"
        ))
        .bind(snils)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(login_account).transpose()
    }

    /// Stores a new challenge; every [`CHALLENGE_SWEEP_EVERY`]th one also
    /// deletes the challenges that expired more than an hour before `at`.
    ///
    /// On PostgreSQL the insert commits asynchronously
    /// (`synchronous_commit = off` for its own transaction only): a
    /// challenge lost in a crash in the next fraction of a second costs the
    /// user a retry, while waiting for the WAL flush would cost every login
    /// a disk write. The login that consumes it commits durably.
    pub async fn insert_esig_challenge(&self, c: &NewChallenge<'_>) -> Result<i64, StoreError> {
        let insert = match self.backend() {
            // set_config(…, true) lasts until the end of the statement's
            // own (implicit) transaction, whose commit reads it.
            Backend::Postgres => {
                "INSERT INTO esig_challenges (challenge, binding_hash, ip, created_at, expires_at)
                 SELECT $1, $2, $3, $4, $5
                 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
                 RETURNING id"
            }
            Backend::Sqlite => {
                "INSERT INTO esig_challenges (challenge, binding_hash, ip, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id"
            }
        };
        let id: i64 = sqlx::query_scalar(insert)
            .bind(c.challenge)
            .bind(c.binding_hash)
            .bind(c.ip)
            .bind(unix(c.at))
            .bind(unix(c.expires_at))
            .fetch_one(self.pool())
            .await?;
        if id % CHALLENGE_SWEEP_EVERY == 0 {
            sqlx::query("DELETE FROM esig_challenges WHERE expires_at < $1")
                .bind(unix(c.at) - CHALLENGE_KEEP_SECS)
                .execute(self.pool())
                .await?;
        }
        Ok(id)
    }

    /// What check 3 and check 8 read, in one query on the connection
    /// `held` (taken from the pool if it holds none): the challenge with
    /// this value (if it was issued and not yet cleaned up) and the
    /// account a live binding of the certificate with this fingerprint
    /// belongs to.
    pub async fn esig_challenge_and_account(
        &self,
        held: &mut LoginConnection,
        challenge_value: &str,
        fingerprint: &str,
    ) -> Result<(Option<ChallengeRecord>, Option<LoginAccount>), StoreError> {
        let row = sqlx::query(
            "SELECT c.id, c.challenge, c.binding_hash, c.created_at, c.expires_at, c.used_at,
                 a.id AS account_id, a.level, a.snils, a.blocked, a.locked_until
             FROM (SELECT 1 AS one) AS one
             LEFT JOIN esig_challenges c ON c.challenge = $1
             LEFT JOIN (SELECT a.id, a.level, a.snils, a.blocked, a.locked_until
                        FROM account_certificates b JOIN accounts a ON a.id = b.account_id
                        WHERE b.fingerprint = $2 AND b.unbound_at IS NULL) AS a ON 1 = 1",
        )
        .bind(challenge_value)
        .bind(fingerprint)
        .fetch_one(&mut **held.get(self).await?)
        .await?;
        let challenge_id: Option<i64> = row.try_get("id")?;
        let account_id: Option<i64> = row.try_get("account_id")?;
        let record = challenge_id.map(|_| challenge(&row)).transpose()?;
        let account = account_id
            .map(|id| login_account_as(&row, id))
            .transpose()?;
        Ok((record, account))
    }

    /// The live binding of the certificate with this fingerprint.
    pub async fn bound_certificate(
        &self,
        fingerprint: &str,
    ) -> Result<Option<BoundCertificate>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {BOUND_COLUMNS} FROM account_certificates
             WHERE fingerprint = $1 AND unbound_at IS NULL"
        ))
        .bind(fingerprint)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(bound).transpose()
    }

    /// The certificates bound to an account now (not the unbound ones),
    /// oldest first.
    pub async fn account_certificates(
        &self,
        account_id: i64,
    ) -> Result<Vec<BoundCertificate>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {BOUND_COLUMNS} FROM account_certificates
             WHERE account_id = $1 AND unbound_at IS NULL ORDER BY id"
        ))
        .bind(account_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(bound).collect()
    }

    /// Consumes the challenge, binds the certificate, raises the account,
    /// starts the session and journals the login — all or nothing, on the
    /// connection `held` (taken from the pool if it holds none).
    ///
    /// Refused with [`StoreError::WrongState`] when the challenge was
    /// consumed meanwhile (`object = "challenge"`), or the certificate was
    /// bound to another account meanwhile (`"certificate"`).
    pub async fn complete_esig_login(
        &self,
        held: &mut LoginConnection,
        login: &EsigLogin<'_>,
    ) -> Result<EsigLoginOutcome, StoreError> {
        let at = login.session.at;
        let conn = held.get(self).await?;
        let mut tx = self.begin_on(conn).await?;
        // PostgreSQL: consuming the challenge, starting the session and
        // taking the journal chain's next number are one statement.
        let started = match self.backend() {
            Backend::Postgres => {
                let chain = chain_of(login.journal.account_id);
                let row = sqlx::query(CONSUME_START_ADVANCE)
                    .bind(unix(at))
                    .bind(login.challenge_id)
                    .bind(login.session.token_hash)
                    .bind(login.session.account_id)
                    .bind(login.session.amr)
                    .bind(login.session.ip)
                    .bind(login.session.user_agent)
                    .bind(unix(login.session.absolute_expires_at))
                    .bind(&chain)
                    .bind(GENESIS)
                    .fetch_optional(&mut *tx)
                    .await?;
                match row {
                    Some(row) => Some((
                        session_record(&login.session, row.try_get("session_id")?),
                        chain,
                        Head {
                            seq: row.try_get("seq")?,
                            prev_hash: row.try_get("hash")?,
                        },
                    )),
                    None => return Err(challenge_used(login.challenge_id)),
                }
            }
            Backend::Sqlite => {
                let consumed = sqlx::query(
                    "UPDATE esig_challenges SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
                )
                .bind(unix(at))
                .bind(login.challenge_id)
                .execute(&mut *tx)
                .await?;
                if consumed.rows_affected() != 1 {
                    return Err(challenge_used(login.challenge_id));
                }
                None
            }
        };
        let mut bound_certificate = None;
        if let Some(b) = &login.bind {
            // ON CONFLICT: the partial unique index on live bindings; a
            // concurrent login that bound it first wins.
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO account_certificates (account_id, fingerprint, der, subject, issuer,
                     serial, not_before, not_after, bound_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(login.account_id)
            .bind(b.fingerprint)
            .bind(b.der)
            .bind(b.subject)
            .bind(b.issuer)
            .bind(b.serial)
            .bind(unix(b.not_before))
            .bind(unix(b.not_after))
            .bind(unix(at))
            .fetch_optional(&mut *tx)
            .await?;
            match id {
                Some(id) => bound_certificate = Some(id),
                None => {
                    let owner: Option<i64> = sqlx::query_scalar(
                        "SELECT account_id FROM account_certificates
                         WHERE fingerprint = $1 AND unbound_at IS NULL",
                    )
                    .bind(b.fingerprint)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if owner != Some(login.account_id) {
                        return Err(StoreError::WrongState {
                            object: "certificate",
                            id: b.fingerprint.to_owned(),
                            actual: "bound to another account".into(),
                            expected: "unbound",
                        });
                    }
                }
            }
        }
        let mut confirmed = false;
        if login.confirm {
            let by = format!("esig:{}", login.bind.as_ref().map_or("", |b| b.fingerprint));
            confirmed = sqlx::query(
                "UPDATE accounts SET level = 'confirmed', confirmed_by = $3, updated_at = $1
                 WHERE id = $2 AND level = 'standard'",
            )
            .bind(unix(at))
            .bind(login.account_id)
            .bind(by)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
        }
        if login.clear_lockout {
            sqlx::query(
                "UPDATE accounts SET failed_logins = 0, locked_until = NULL, updated_at = $1
                 WHERE id = $2",
            )
            .bind(unix(at))
            .bind(login.account_id)
            .execute(&mut *tx)
            .await?;
        }
        let session = match started {
            Some((session, chain, head)) => {
                self.failpoint(crate::FailPoint::BeforeJournal)?;
                let key = self.journal_key().ok_or(StoreError::JournalKeyMissing)?;
                write_entry_in(self, &mut tx, &key, &chain, head, at, &login.journal).await?;
                session
            }
            None => {
                let session = insert_in(&mut tx, &login.session).await?;
                self.failpoint(crate::FailPoint::BeforeJournal)?;
                append_in(self, &mut tx, at, &login.journal).await?;
                session
            }
        };
        self.failpoint(crate::FailPoint::BeforeCommit)?;
        tx.commit().await?;
        Ok(EsigLoginOutcome {
            session,
            bound_certificate,
            confirmed,
        })
    }

    /// Journals a refused e-signature login and, when the attempt got as
    /// far as a valid challenge, consumes it (a challenge answers one
    /// attempt, successful or not).
    pub async fn record_esig_failure(
        &self,
        challenge_id: Option<i64>,
        at: SystemTime,
        entry: &ActionEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        if let Some(id) = challenge_id {
            sqlx::query(
                "UPDATE esig_challenges SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
            )
            .bind(unix(at))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        append_in(self, &mut tx, at, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Unbinds certificate row `id` of `account_id` and journals it.
    /// [`StoreError::NotFound`] when the account has no such live binding.
    pub async fn unbind_certificate(
        &self,
        account_id: i64,
        id: i64,
        at: SystemTime,
        entry: &ActionEntry,
    ) -> Result<BoundCertificate, StoreError> {
        let mut tx = self.begin().await?;
        let updated = sqlx::query(
            "UPDATE account_certificates SET unbound_at = $1
             WHERE id = $2 AND account_id = $3 AND unbound_at IS NULL",
        )
        .bind(unix(at))
        .bind(id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::NotFound {
                object: "certificate",
                id: id.to_string(),
            });
        }
        let row = sqlx::query(&format!(
            "SELECT {BOUND_COLUMNS} FROM account_certificates WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let record = bound(&row)?;
        append_in(self, &mut tx, at, entry).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The cached revocation status under `key`, if it is still valid at
    /// `now`.
    pub async fn cached_revocation(
        &self,
        key: &str,
        now: SystemTime,
    ) -> Result<Option<CachedRevocation>, StoreError> {
        let row = sqlx::query(
            "SELECT status, revoked_at, reason, source, checked_at, valid_until
             FROM revocation_cache WHERE cert_key = $1 AND valid_until > $2",
        )
        .bind(key)
        .bind(unix(now))
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let status: String = row.try_get("status")?;
        let revoked_at: Option<i64> = row.try_get("revoked_at")?;
        let status = match (status.as_str(), revoked_at) {
            ("good", _) => CachedStatus::Good,
            ("revoked", Some(at)) => CachedStatus::Revoked {
                at: from_unix(at),
                reason: row.try_get("reason")?,
            },
            (other, _) => {
                return Err(StoreError::Corrupt(format!(
                    "revocation cache status {other:?}"
                )));
            }
        };
        Ok(Some(CachedRevocation {
            status,
            source: row.try_get("source")?,
            checked_at: from_unix(row.try_get("checked_at")?),
            valid_until: from_unix(row.try_get("valid_until")?),
        }))
    }

    /// Stores (or replaces) the revocation status under `key`.
    pub async fn put_cached_revocation(
        &self,
        key: &str,
        entry: &CachedRevocation,
    ) -> Result<(), StoreError> {
        let (status, revoked_at, reason) = match entry.status {
            CachedStatus::Good => ("good", None, None),
            CachedStatus::Revoked { at, reason } => ("revoked", Some(unix(at)), reason),
        };
        sqlx::query(
            "INSERT INTO revocation_cache (cert_key, status, revoked_at, reason, source, checked_at, valid_until)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (cert_key) DO UPDATE SET status = excluded.status,
                 revoked_at = excluded.revoked_at, reason = excluded.reason,
                 source = excluded.source, checked_at = excluded.checked_at,
                 valid_until = excluded.valid_until",
        )
        .bind(key)
        .bind(status)
        .bind(revoked_at)
        .bind(reason)
        .bind(&entry.source)
        .bind(unix(entry.checked_at))
        .bind(unix(entry.valid_until))
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
