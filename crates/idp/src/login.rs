//! Login by password + one-time code, in two steps:
//!
//! 1. [`password_step`]: the login name (e-mail or phone) and the password.
//!    On success a pending login is opened (5 minutes) and the second factor
//!    named: `totp` when an authenticator app is enrolled, else a code is
//!    sent to the verified e-mail or phone.
//! 2. [`otp_step`]: the pending token and the code. On success the session
//!    starts with `amr` = `pwd otp`.
//!
//! A wrong password and a wrong code both count towards the lockout
//! ([`crate::lockout`]); an unknown login name gets the same answer, after
//! the same Argon2 work, as a wrong password. Every attempt is journaled
//! (`login.password`, `login.otp`).

use serde::Serialize;
use serde_json::json;
use store::accounts::{AccountRecord, FlowPurpose, NewFlow};
use store::action_journal::{OK, action};
use zeroize::Zeroizing;

use crate::account::{Login, entry, open_flow, send_for_flow};
use crate::lockout::{self, Subject};
use crate::session::{ActiveSession, SessionToken, random_token, token_hash};
use crate::{AccountError, Client, Idp, messages, otp, password};

/// The second factor a pending login waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecondFactor {
    /// A code from the authenticator app.
    Totp,
    /// A code sent by e-mail.
    Email,
    /// A code sent by SMS.
    Phone,
}

impl SecondFactor {
    fn as_str(self) -> &'static str {
        match self {
            SecondFactor::Totp => "totp",
            SecondFactor::Email => "email",
            SecondFactor::Phone => "phone",
        }
    }
}

/// What the password step answers.
#[derive(Debug, Clone, Serialize)]
pub struct PendingLogin {
    /// The token of the pending login, to send with the code.
    pub pending: String,
    /// What code is expected.
    pub second_factor: SecondFactor,
    /// Where a sent code went, partly hidden.
    pub sent_to: Option<String>,
    /// Seconds left for the second step.
    pub expires_in: u64,
}

/// The second factor of an account and, for a sent code, where it goes.
fn second_factor(account: &AccountRecord) -> Option<(SecondFactor, Option<Login>)> {
    if account.has_totp() {
        return Some((SecondFactor::Totp, None));
    }
    if account.email_verified
        && let Some(e) = &account.email
    {
        return Some((SecondFactor::Email, Some(Login::Email(e.clone()))));
    }
    if account.phone_verified
        && let Some(p) = &account.phone
    {
        return Some((SecondFactor::Phone, Some(Login::Phone(p.clone()))));
    }
    None
}

/// Step one: login name and password.
pub async fn password_step(
    idp: &Idp,
    login: &str,
    password: Zeroizing<String>,
    client: &Client,
) -> Result<PendingLogin, AccountError> {
    let login = Login::parse(login)?;
    let now = idp.now();
    let subject = match crate::account::find(idp, &login).await? {
        Some(a) => Subject::Account(Box::new(a)),
        None => Subject::Unknown(login.clone()),
    };
    let journal = |result: &str| {
        let e = entry(subject.account_id(), action::LOGIN_PASSWORD, result, client)
            .detail("method", "pwd");
        match &subject {
            Subject::Unknown(l) => e.detail("login", l.masked()),
            Subject::Account(_) => e,
        }
    };
    if let Err(e) = lockout::check_ip(idp, client).await {
        idp.store()
            .append_action(now, &journal("LOGIN_RATE_LIMITED"))
            .await?;
        return Err(e);
    }
    if let Some(until) = lockout::locked_until(idp, &subject, now).await? {
        idp.store()
            .append_action(now, &journal("LOGIN_LOCKED"))
            .await?;
        return Err(lockout::locked(until, now));
    }
    let hash = match &subject {
        Subject::Account(a) => a.password_hash.clone(),
        Subject::Unknown(_) => None,
    };
    let ok = password::verify_or_dummy(password, hash).await;
    let account = match (&subject, ok) {
        (Subject::Account(a), true) => a,
        _ => {
            return Err(lockout::record_failure(
                idp,
                &subject,
                client,
                &journal("LOGIN_FAILED"),
                AccountError::LoginFailed,
            )
            .await?);
        }
    };
    if account.blocked {
        idp.store()
            .append_action(now, &journal("ACCOUNT_BLOCKED"))
            .await?;
        return Err(AccountError::Blocked);
    }
    let Some((factor, send_to)) = second_factor(account) else {
        // No second factor can reach the user (cannot happen for accounts
        // made by registration); refuse like a wrong password.
        idp.store()
            .append_action(now, &journal("LOGIN_FAILED"))
            .await?;
        return Err(AccountError::LoginFailed);
    };
    let pending = random_token()?;
    let flow_hash = token_hash(&pending);
    let code = match send_to {
        Some(_) => Some(otp::new_code()?),
        None => None,
    };
    let code_hash = code
        .as_ref()
        .map(|c| otp::code_hash(idp.keys(), &flow_hash, c));
    let ttl = idp.policy().login_ttl.min(idp.policy().code_ttl);
    let flow = idp
        .store()
        .create_flow(
            &NewFlow {
                purpose: FlowPurpose::Login,
                flow_hash: &flow_hash,
                account_id: Some(account.id),
                channel: Some(factor.as_str()),
                address: send_to.as_ref().map(Login::as_str),
                code_hash: code_hash.as_deref(),
                payload: &json!({}).to_string(),
                ip: client.ip.as_deref(),
                at: now,
                expires_at: now + ttl,
            },
            Some(&journal(OK).detail("second_factor", factor.as_str())),
        )
        .await?;
    if let (Some(to), Some(code)) = (&send_to, &code) {
        send_for_flow(
            idp,
            flow.id,
            Some(account.id),
            &messages::login_code(to, code, ttl, now),
            action::LOGIN_PASSWORD,
            client,
        )
        .await?;
    }
    Ok(PendingLogin {
        pending: pending.to_string(),
        second_factor: factor,
        sent_to: send_to.as_ref().map(Login::masked),
        expires_in: ttl.as_secs(),
    })
}

/// Step two: the pending token and the one-time code; starts the session
/// (`amr` = `pwd otp`).
pub async fn otp_step(
    idp: &Idp,
    pending: &str,
    code: &str,
    client: &Client,
) -> Result<(SessionToken, ActiveSession), AccountError> {
    let now = idp.now();
    let (flow, flow_hash) = match open_flow(idp, pending, FlowPurpose::Login).await {
        Ok(f) => f,
        Err(e) => {
            idp.store()
                .append_action(now, &entry(None, action::LOGIN_OTP, "OTP_EXPIRED", client))
                .await?;
            return Err(e);
        }
    };
    let account_id = flow
        .account_id
        .ok_or_else(|| AccountError::Internal("login flow without an account".into()))?;
    let account = idp
        .store()
        .account(account_id)
        .await?
        .ok_or(AccountError::CodeExpired)?;
    let journal = |result: &str| {
        entry(Some(account_id), action::LOGIN_OTP, result, client)
            .detail("second_factor", flow.channel.clone().unwrap_or_default())
    };
    if let Err(e) = lockout::check_ip(idp, client).await {
        idp.store()
            .append_action(now, &journal("LOGIN_RATE_LIMITED"))
            .await?;
        return Err(e);
    }
    if let Some(until) = account.locked_until.filter(|t| *t > now) {
        idp.store()
            .append_action(now, &journal("LOGIN_LOCKED"))
            .await?;
        return Err(lockout::locked(until, now));
    }
    let ok = match flow.channel.as_deref() {
        Some("totp") => match &account.totp_secret {
            Some(sealed) => {
                let secret = otp::unseal(idp.keys(), account_id, sealed)?;
                match otp::verify_totp(&secret, code, unix(now))? {
                    // A code is good once: its step is taken for the account.
                    Some(step) => {
                        idp.store()
                            .take_totp_step(account_id, i64::try_from(step).unwrap_or(i64::MAX))
                            .await?
                    }
                    None => false,
                }
            }
            None => false,
        },
        _ => flow
            .code_hash
            .as_deref()
            .is_some_and(|stored| otp::check_code(idp.keys(), &flow_hash, stored, code)),
    };
    if !ok {
        let max = idp.policy().code_max_attempts;
        let attempts = idp
            .store()
            .flow_attempt_failed(flow.id, max, now, None)
            .await?;
        let fail = if attempts >= max {
            AccountError::CodeTriesExhausted
        } else {
            AccountError::CodeInvalid {
                attempts_left: max - attempts,
            }
        };
        let subject = Subject::Account(Box::new(account));
        return Err(
            lockout::record_failure(idp, &subject, client, &journal("OTP_INVALID"), fail).await?,
        );
    }
    if !idp.store().take_flow(flow.id, now).await? {
        return Err(AccountError::CodeExpired);
    }
    idp.store().account_login_succeeded(account_id).await?;
    let started = crate::session::start(idp, account_id, "pwd otp", client, &journal(OK)).await?;
    tracing::info!(account = account_id, "password + one-time code login");
    Ok(started)
}

fn unix(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
