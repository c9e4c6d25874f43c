//! Lockouts. Five failed logins in a row (a wrong password or a wrong
//! one-time code) lock the account for 15 minutes; each further lock
//! before a good login lasts twice as long as the one before, up to 24
//! hours ([`Policy::lockout`](crate::Policy)). A login name that belongs to
//! no account is counted and locked exactly the same way, so that neither
//! the answers nor their timing tell whether an account exists. On top, a
//! client address with too many failures in a window is refused for the
//! rest of it. All counters live in the database, so several nodes share
//! them; every attempt is journaled.
//!
//! The ways out of a lock: wait, recover the password (which clears it),
//! or log in by e-signature when the policy allows it
//! ([`Policy::esig_login_when_locked`](crate::Policy)).

use std::time::{Duration, SystemTime};

use store::accounts::{AccountRecord, FailureOutcome};
use store::action_journal::ActionEntry;

use crate::account::Login;
use crate::{AccountError, Client, Idp};

/// Who a login attempt is about.
#[derive(Debug, Clone)]
pub enum Subject {
    /// An existing account.
    Account(Box<AccountRecord>),
    /// A login name with no account.
    Unknown(Login),
}

impl Subject {
    /// The account id, if any.
    pub fn account_id(&self) -> Option<i64> {
        match self {
            Subject::Account(a) => Some(a.id),
            Subject::Unknown(_) => None,
        }
    }
}

/// Refuses a client address that failed too often in the current window.
pub async fn check_ip(idp: &Idp, client: &Client) -> Result<(), AccountError> {
    let Some(ip) = client.ip.as_deref() else {
        return Ok(());
    };
    let policy = idp.policy();
    let n = idp
        .store()
        .ip_failures(ip, idp.now() - policy.ip_window)
        .await?;
    if n >= policy.ip_max_failures {
        return Err(AccountError::IpLimited {
            retry_after: policy.ip_window,
        });
    }
    Ok(())
}

/// The lock on a subject at `now`, if any.
pub async fn locked_until(
    idp: &Idp,
    subject: &Subject,
    now: SystemTime,
) -> Result<Option<SystemTime>, AccountError> {
    let until = match subject {
        Subject::Account(a) => a.locked_until,
        Subject::Unknown(login) => idp.store().login_name_locked_until(&login.hash()).await?,
    };
    Ok(until.filter(|t| *t > now))
}

/// The error of a lock that ends at `until`.
pub fn locked(until: SystemTime, now: SystemTime) -> AccountError {
    AccountError::Locked {
        until,
        retry_after: until.duration_since(now).unwrap_or(Duration::ZERO),
    }
}

/// Counts a failure on the subject and on the client's address, journaling
/// `entry`; returns the error to answer with: `fail` normally, or the lock
/// when this failure locked.
pub async fn record_failure(
    idp: &Idp,
    subject: &Subject,
    client: &Client,
    entry: &ActionEntry,
    fail: AccountError,
) -> Result<AccountError, AccountError> {
    let now = idp.now();
    let rule = &idp.policy().lockout;
    let outcome: FailureOutcome = match subject {
        Subject::Account(a) => {
            idp.store()
                .account_login_failed(a.id, rule, now, entry)
                .await?
        }
        Subject::Unknown(login) => {
            idp.store()
                .login_name_failed(&login.hash(), rule, now, entry)
                .await?
        }
    };
    if let Some(ip) = client.ip.as_deref() {
        idp.store()
            .ip_failed(ip, now, idp.policy().ip_window)
            .await?;
    }
    Ok(match outcome.locked_until {
        Some(until) => {
            tracing::warn!(
                account = subject.account_id(),
                locks = outcome.lock_count,
                "login locked after repeated failures"
            );
            locked(until, now)
        }
        None => fail,
    })
}
