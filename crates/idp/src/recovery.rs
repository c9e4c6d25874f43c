//! Recovery of access by a one-time code sent to the account's verified
//! e-mail or phone: [`recover_start`] sends the code (for an unknown login
//! the answer is the same and nothing is sent), [`recover_confirm`] takes
//! the code and a new password, clears the lockout and ends every session
//! of the account.

use serde_json::json;
use store::accounts::{FlowPurpose, NewFlow};
use store::action_journal::{OK, action};
use zeroize::Zeroizing;

use crate::account::{FlowStarted, Login, check_flow_code, entry, open_flow, send_for_flow};
use crate::session::{random_token, token_hash};
use crate::{AccountError, Client, Idp, messages, otp, password};

/// Starts a recovery for a login name; the same answer whether or not an
/// account has it (a code is sent only when one does, to that verified
/// address).
pub async fn recover_start(
    idp: &Idp,
    login: &str,
    client: &Client,
) -> Result<FlowStarted, AccountError> {
    let login = Login::parse(login)?;
    let account = crate::account::find(idp, &login).await?;
    let verified = account.as_ref().filter(|a| match &login {
        Login::Email(_) => a.email_verified,
        Login::Phone(_) => a.phone_verified,
    });
    let now = idp.now();
    let ttl = idp.policy().code_ttl;
    let pending = random_token()?;
    let flow_hash = token_hash(&pending);
    let code = otp::new_code()?;
    let account_id = verified.map(|a| a.id);
    let journal = entry(account_id, action::RECOVERY, "started", client)
        .detail("channel", login.channel().as_str())
        .detail("to", login.masked());
    // An unknown login gets a flow too, with a code nobody was sent: its
    // confirmation always fails as a wrong code would.
    let flow = idp
        .store()
        .create_flow(
            &NewFlow {
                purpose: FlowPurpose::Recover,
                flow_hash: &flow_hash,
                account_id,
                channel: Some(login.channel().as_str()),
                address: Some(login.as_str()),
                code_hash: Some(&otp::code_hash(idp.keys(), &flow_hash, &code)),
                payload: &json!({}).to_string(),
                ip: client.ip.as_deref(),
                at: now,
                expires_at: now + ttl,
            },
            Some(&journal),
        )
        .await?;
    if verified.is_some() {
        send_for_flow(
            idp,
            flow.id,
            account_id,
            &messages::recovery_code(&login, &code, ttl, now),
            action::RECOVERY,
            client,
        )
        .await?;
    }
    Ok(FlowStarted {
        pending: pending.to_string(),
        channel: login.channel().as_str(),
        sent_to: Some(login.masked()),
        expires_in: ttl.as_secs(),
    })
}

/// Completes a recovery: the code and the new password. Sets the password,
/// clears the lockout and ends every session of the account; returns how
/// many sessions ended.
pub async fn recover_confirm(
    idp: &Idp,
    pending: &str,
    code: &str,
    new_password: Zeroizing<String>,
    client: &Client,
) -> Result<u64, AccountError> {
    let (flow, flow_hash) = open_flow(idp, pending, FlowPurpose::Recover).await?;
    password::check_new(&new_password, flow.address.as_deref())?;
    check_flow_code(idp, &flow, &flow_hash, code, action::RECOVERY, client).await?;
    let Some(account_id) = flow.account_id else {
        return Err(AccountError::CodeInvalid { attempts_left: 0 });
    };
    let hash = password::hash(new_password).await?;
    let ended = idp
        .store()
        .complete_recovery(
            flow.id,
            account_id,
            &hash,
            idp.now(),
            &entry(Some(account_id), action::RECOVERY, OK, client),
        )
        .await?
        .ok_or(AccountError::CodeExpired)?;
    tracing::info!(account = account_id, ended, "access recovered");
    Ok(ended)
}
