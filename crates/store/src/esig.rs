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

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::AccountLevel;
use crate::action_journal::{ActionEntry, append_in};
use crate::model::{from_unix, unix};
use crate::sessions::{NewSession, SessionRecord, insert_in};
use crate::{Store, StoreError};

/// Challenges that expired longer ago than this are deleted.
const CHALLENGE_KEEP_SECS: i64 = 3600;

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
    let level: String = row.try_get("level")?;
    let blocked: i64 = row.try_get("blocked")?;
    let locked: Option<i64> = row.try_get("locked_until")?;
    Ok(LoginAccount {
        id: row.try_get("id")?,
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

impl Store {
    /// The account a live binding of this certificate belongs to.
    pub async fn esig_account_by_certificate(
        &self,
        fingerprint: &str,
    ) -> Result<Option<LoginAccount>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM account_certificates c
             JOIN accounts a ON a.id = c.account_id
             WHERE c.fingerprint = $1 AND c.unbound_at IS NULL"
        ))
        .bind(fingerprint)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(login_account).transpose()
    }

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

    /// Stores a new challenge, and deletes those that expired more than an
    /// hour before `at`.
    pub async fn insert_esig_challenge(&self, c: &NewChallenge<'_>) -> Result<i64, StoreError> {
        sqlx::query("DELETE FROM esig_challenges WHERE expires_at < $1")
            .bind(unix(c.at) - CHALLENGE_KEEP_SECS)
            .execute(self.pool())
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO esig_challenges (challenge, binding_hash, ip, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(c.challenge)
        .bind(c.binding_hash)
        .bind(c.ip)
        .bind(unix(c.at))
        .bind(unix(c.expires_at))
        .fetch_one(self.pool())
        .await?;
        Ok(id)
    }

    /// The challenge with this value, if it was issued (and not yet
    /// cleaned up).
    pub async fn esig_challenge(&self, value: &str) -> Result<Option<ChallengeRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, challenge, binding_hash, created_at, expires_at, used_at
             FROM esig_challenges WHERE challenge = $1",
        )
        .bind(value)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(challenge).transpose()
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
    /// starts the session and journals the login — all or nothing.
    ///
    /// Refused with [`StoreError::WrongState`] when the challenge was
    /// consumed meanwhile (`object = "challenge"`), or the certificate was
    /// bound to another account meanwhile (`"certificate"`).
    pub async fn complete_esig_login(
        &self,
        login: &EsigLogin<'_>,
    ) -> Result<EsigLoginOutcome, StoreError> {
        let at = login.session.at;
        let mut tx = self.begin().await?;
        let consumed = sqlx::query(
            "UPDATE esig_challenges SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
        )
        .bind(unix(at))
        .bind(login.challenge_id)
        .execute(&mut *tx)
        .await?;
        if consumed.rows_affected() != 1 {
            return Err(StoreError::WrongState {
                object: "challenge",
                id: login.challenge_id.to_string(),
                actual: "used".into(),
                expected: "unused",
            });
        }
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
        let session = insert_in(&mut tx, &login.session).await?;
        self.failpoint(crate::FailPoint::BeforeJournal)?;
        append_in(self, &mut tx, at, &login.journal).await?;
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
