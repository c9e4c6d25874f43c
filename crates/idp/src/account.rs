//! Accounts and their levels:
//!
//! * **simplified** — an e-mail address or a mobile phone, proven by a
//!   one-time code at registration ([`register_start`],
//!   [`register_confirm`]), and a password;
//! * **standard** — SNILS and passport data entered and format-checked,
//!   SNILS and INN with their control digits ([`set_identity`]);
//! * **confirmed** — identity confirmed by logging in with a qualified
//!   certificate whose SNILS matches (the e-signature part), or by an
//!   operator ([`confirm_by_operator`], journaled with the operator's
//!   login).
//!
//! Registration never tells whether an address is registered: for a taken
//! address the same answer comes back, and the message sent to the address
//! says that an account exists and how to recover it.

use std::time::SystemTime;

use pki::Diagnostic;
use pki::identifiers::{Inn, Snils};
use serde::Serialize;
use serde_json::json;
use store::accounts::{
    AccountLevel, AccountRecord, FlowPurpose, IdentityData, NewAccount, NewFlow,
};
use store::action_journal::{ActionEntry, OK, action};
use zeroize::Zeroizing;

use crate::notifier::Channel;
use crate::session::{ActiveSession, random_token, token_hash};
use crate::{AccountError, Client, Idp, otp, password};

pub use store::accounts::AccountLevel as Level;

/// A login name: a normalised e-mail address or phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    /// Lower-case e-mail.
    Email(String),
    /// E.164 phone (`+79161234567`).
    Phone(String),
}

impl Login {
    /// Reads what a person typed: an e-mail, or a phone in any usual
    /// spelling (`8 916 123-45-67`, `+7 (916) 123-45-67`, `9161234567`).
    pub fn parse(text: &str) -> Result<Login, AccountError> {
        let t = text.trim();
        if t.contains('@') {
            return normalise_email(t).map(Login::Email);
        }
        if t.chars().any(|c| c.is_ascii_digit()) {
            return normalise_phone(t).map(Login::Phone);
        }
        Err(AccountError::LoginInvalid)
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        match self {
            Login::Email(s) | Login::Phone(s) => s,
        }
    }

    /// Where codes for it go.
    pub fn channel(&self) -> Channel {
        match self {
            Login::Email(_) => Channel::Email,
            Login::Phone(_) => Channel::Phone,
        }
    }

    /// The address shown back to the user, partly hidden
    /// (`iv***@example.ru`, `+7******4567`).
    pub fn masked(&self) -> String {
        mask(self.as_str())
    }

    /// The hash a failure counter of an unknown login is kept under.
    pub(crate) fn hash(&self) -> String {
        token_hash(self.as_str())
    }
}

/// `iv***@example.ru` or `+7******4567`.
pub fn mask(address: &str) -> String {
    if let Some((local, domain)) = address.split_once('@') {
        let keep: String = local.chars().take(2).collect();
        format!("{keep}***@{domain}")
    } else {
        let chars: Vec<char> = address.chars().collect();
        let n = chars.len();
        chars
            .iter()
            .enumerate()
            .map(|(i, c)| if i < 2 || i + 4 >= n { *c } else { '*' })
            .collect()
    }
}

fn normalise_email(text: &str) -> Result<String, AccountError> {
    let e = text.trim().to_lowercase();
    let (local, domain) = e.split_once('@').ok_or(AccountError::EmailInvalid)?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && e.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && e.chars().all(|c| !c.is_whitespace() && !c.is_control())
        && !e.contains(['<', '>', '(', ')', '[', ']', ',', ';', ':', '"', '\\']);
    if ok {
        Ok(e)
    } else {
        Err(AccountError::EmailInvalid)
    }
}

fn normalise_phone(text: &str) -> Result<String, AccountError> {
    let t = text.trim();
    let plus = t.starts_with('+');
    if !t.chars().all(|c| c.is_ascii_digit() || " -()+".contains(c))
        || t.matches('+').count() > usize::from(plus)
    {
        return Err(AccountError::PhoneInvalid);
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let e164 = match (plus, digits.len()) {
        (false, 11) if digits.starts_with('8') || digits.starts_with('7') => {
            format!("+7{}", &digits[1..])
        }
        (false, 10) if digits.starts_with('9') => format!("+7{digits}"),
        (true, 11) if digits.starts_with('7') => format!("+{digits}"),
        (true, 8..=15) if !digits.starts_with('7') && !digits.starts_with('0') => {
            format!("+{digits}")
        }
        _ => return Err(AccountError::PhoneInvalid),
    };
    Ok(e164)
}

/// The account by its login name.
pub async fn find(idp: &Idp, login: &Login) -> Result<Option<AccountRecord>, AccountError> {
    Ok(match login {
        Login::Email(e) => idp.store().account_by_email(e).await?,
        Login::Phone(p) => idp.store().account_by_phone(p).await?,
    })
}

/// A started one-time flow, as the client gets it.
#[derive(Debug, Clone, Serialize)]
pub struct FlowStarted {
    /// The flow token to send back with the code.
    pub pending: String,
    /// `email`, `phone` or `totp`.
    pub channel: &'static str,
    /// Where the code went, partly hidden (None for TOTP).
    pub sent_to: Option<String>,
    /// Seconds the code stays valid.
    pub expires_in: u64,
}

/// An entry for the journal about this client.
pub(crate) fn entry(
    account_id: Option<i64>,
    act: &str,
    result: &str,
    client: &Client,
) -> ActionEntry {
    ActionEntry::new(account_id, act, result)
        .client(client.ip.as_deref(), client.user_agent.as_deref())
}

/// Starts a registration: checks the password, sends a code to the
/// address, and returns the flow. For an address that already has an
/// account the answer is the same, and the message says so instead of
/// carrying a code.
pub async fn register_start(
    idp: &Idp,
    login: &str,
    new_password: Zeroizing<String>,
    client: &Client,
) -> Result<FlowStarted, AccountError> {
    let login = Login::parse(login)?;
    password::check_new(&new_password, Some(login.as_str()))?;
    let existing = find(idp, &login).await?;
    let hash = password::hash(new_password).await?;
    let pending = random_token()?;
    let flow_hash = token_hash(&pending);
    let code = otp::new_code()?;
    let now = idp.now();
    let ttl = idp.policy().code_ttl;
    let payload = match &existing {
        None => json!({ "password_hash": hash }),
        Some(_) => json!({ "existing": true }),
    };
    let journal = entry(None, action::REGISTRATION, "started", client)
        .detail("channel", login.channel().as_str())
        .detail("to", login.masked());
    let flow = idp
        .store()
        .create_flow(
            &NewFlow {
                purpose: FlowPurpose::Register,
                flow_hash: &flow_hash,
                account_id: None,
                channel: Some(login.channel().as_str()),
                address: Some(login.as_str()),
                code_hash: Some(&otp::code_hash(idp.keys(), &flow_hash, &code)),
                payload: &payload.to_string(),
                ip: client.ip.as_deref(),
                at: now,
                expires_at: now + ttl,
            },
            Some(&journal),
        )
        .await?;
    let message = match existing {
        None => crate::messages::registration_code(&login, &code, ttl, now),
        Some(_) => crate::messages::already_registered(&login, now),
    };
    send_for_flow(idp, flow.id, None, &message, action::REGISTRATION, client).await?;
    Ok(FlowStarted {
        pending: pending.to_string(),
        channel: login.channel().as_str(),
        sent_to: Some(login.masked()),
        expires_in: ttl.as_secs(),
    })
}

/// Sends `message`, the code of one-time flow `flow_id`. When it cannot
/// be sent ([`AccountError::NotifyFailed`]) the flow is closed — nobody
/// can finish it, nothing is half-done — and the failure is journaled as
/// `act` with its code; the caller's request fails.
pub(crate) async fn send_for_flow(
    idp: &Idp,
    flow_id: i64,
    account_id: Option<i64>,
    message: &crate::notifier::Message,
    act: &str,
    client: &Client,
) -> Result<(), AccountError> {
    let Err(failed) = idp.notifier().send(message).await else {
        return Ok(());
    };
    let now = idp.now();
    if let Err(e) = idp.store().take_flow(flow_id, now).await {
        tracing::error!(error = %e, "closing a flow whose message was not sent failed");
    }
    let journal = entry(account_id, act, failed.code(), client)
        .detail("channel", message.channel.as_str())
        .detail("to", mask(&message.to));
    if let Err(e) = idp.store().append_action(now, &journal).await {
        tracing::error!(error = %e, "journaling a message not sent failed");
    }
    tracing::warn!(code = failed.code(), error = %failed, "a one-time code was not sent");
    Err(failed)
}

/// Checks a flow's code; a wrong one counts (closing the flow at the
/// limit) and is journaled as `act` with its code.
pub(crate) async fn check_flow_code(
    idp: &Idp,
    flow: &store::accounts::FlowRecord,
    flow_hash: &str,
    code: &str,
    act: &str,
    client: &Client,
) -> Result<(), AccountError> {
    let ok = flow
        .code_hash
        .as_deref()
        .is_some_and(|stored| otp::check_code(idp.keys(), flow_hash, stored, code));
    if ok {
        return Ok(());
    }
    let max = idp.policy().code_max_attempts;
    let attempts = idp
        .store()
        .flow_attempt_failed(
            flow.id,
            max,
            idp.now(),
            Some(&entry(flow.account_id, act, "OTP_INVALID", client)),
        )
        .await?;
    Err(if attempts >= max {
        AccountError::CodeTriesExhausted
    } else {
        AccountError::CodeInvalid {
            attempts_left: max - attempts,
        }
    })
}

/// The open flow of a token, or [`AccountError::CodeExpired`].
pub(crate) async fn open_flow(
    idp: &Idp,
    pending: &str,
    purpose: FlowPurpose,
) -> Result<(store::accounts::FlowRecord, String), AccountError> {
    let flow_hash = token_hash(pending);
    let flow = idp
        .store()
        .flow(&flow_hash, purpose)
        .await?
        .ok_or(AccountError::CodeExpired)?;
    if flow.used_at.is_some() || flow.expires_at <= idp.now() {
        return Err(AccountError::CodeExpired);
    }
    Ok((flow, flow_hash))
}

/// Completes a registration with the code sent: creates the simplified
/// account (the address verified) and journals it.
pub async fn register_confirm(
    idp: &Idp,
    pending: &str,
    code: &str,
    client: &Client,
) -> Result<AccountRecord, AccountError> {
    let (flow, flow_hash) = open_flow(idp, pending, FlowPurpose::Register).await?;
    check_flow_code(idp, &flow, &flow_hash, code, action::REGISTRATION, client).await?;
    let payload: serde_json::Value = serde_json::from_str(&flow.payload)
        .map_err(|e| AccountError::Internal(format!("flow payload: {e}")))?;
    let Some(hash) = payload["password_hash"].as_str() else {
        // An address that had an account: no code was ever sent.
        return Err(AccountError::CodeInvalid { attempts_left: 0 });
    };
    let address = flow.address.clone().unwrap_or_default();
    let channel = flow.channel.as_deref().unwrap_or("email");
    let (email, phone) = if channel == "phone" {
        (None, Some(address.as_str()))
    } else {
        (Some(address.as_str()), None)
    };
    let created = idp
        .store()
        .complete_registration(
            flow.id,
            &NewAccount {
                level: AccountLevel::Simplified,
                email,
                phone,
                password_hash: Some(hash),
                at: idp.now(),
            },
            &entry(None, action::ACCOUNT_REGISTERED, OK, client).detail("channel", channel),
        )
        .await;
    match created {
        Ok(Some(account)) => {
            tracing::info!(account = account.id, "account registered");
            Ok(account)
        }
        Ok(None) | Err(store::StoreError::Taken(_)) => Err(AccountError::CodeExpired),
        Err(e) => Err(e.into()),
    }
}

/// Identity data as a form sends them (unchecked).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct IdentityForm {
    /// Фамилия.
    pub surname: String,
    /// Имя.
    pub given_name: String,
    /// Отчество.
    #[serde(default)]
    pub patronymic: Option<String>,
    /// `YYYY-MM-DD`.
    pub birthdate: String,
    /// SNILS, with or without separators.
    pub snils: String,
    /// Personal INN (optional).
    #[serde(default)]
    pub inn: Option<String>,
    /// Passport series, 4 digits (a space inside is fine).
    pub passport_series: String,
    /// Passport number, 6 digits.
    pub passport_number: String,
    /// Passport issue date, `YYYY-MM-DD`.
    pub passport_issued: String,
}

/// A date `YYYY-MM-DD` that exists, from 1900 to `now`.
fn check_date(
    text: &str,
    what: &'static str,
    now: SystemTime,
) -> Result<(i32, u32, u32), AccountError> {
    let bad = || AccountError::DateInvalid(what);
    let parts: Vec<&str> = text.trim().split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return Err(bad());
    }
    let y: i32 = parts[0].parse().map_err(|_| bad())?;
    let m: u32 = parts[1].parse().map_err(|_| bad())?;
    let d: u32 = parts[2].parse().map_err(|_| bad())?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if y < 1900 || d == 0 || d > days {
        return Err(bad());
    }
    let (ny, nm, nd) = civil(now);
    if (y, m, d) > (ny, nm, nd) {
        return Err(bad());
    }
    Ok((y, m, d))
}

/// Year, month, day (UTC) of a time.
fn civil(t: SystemTime) -> (i32, u32, u32) {
    let days = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    // Howard Hinnant's days-to-civil.
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        i32::try_from(y).unwrap_or(0),
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

fn check_name(
    text: &str,
    what: &'static str,
    required: bool,
) -> Result<Option<String>, AccountError> {
    let t = text.trim();
    if t.is_empty() {
        return if required {
            Err(AccountError::NameInvalid(what))
        } else {
            Ok(None)
        };
    }
    let ok = t.chars().count() <= 100
        && t.chars().all(|c| c.is_alphabetic() || " -'’.".contains(c))
        && t.chars().next().is_some_and(char::is_alphabetic);
    if ok {
        Ok(Some(t.to_owned()))
    } else {
        Err(AccountError::NameInvalid(what))
    }
}

fn digits_of(text: &str, n: usize, what: &'static str) -> Result<String, AccountError> {
    let d: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if d.len() == n && d.chars().all(|c| c.is_ascii_digit()) {
        Ok(d)
    } else {
        Err(AccountError::PassportInvalid(what))
    }
}

impl IdentityForm {
    /// The data checked and normalised: names, dates that exist (issue
    /// after birth, neither in the future), SNILS and INN with their
    /// control digits, passport series and number.
    pub fn check(&self, now: SystemTime) -> Result<IdentityData, AccountError> {
        let surname = check_name(&self.surname, "surname", true)?.unwrap_or_default();
        let given_name = check_name(&self.given_name, "given_name", true)?.unwrap_or_default();
        let patronymic = match &self.patronymic {
            Some(p) => check_name(p, "patronymic", false)?,
            None => None,
        };
        let born = check_date(&self.birthdate, "birthdate", now)?;
        let issued = check_date(&self.passport_issued, "passport_issued", now)?;
        if issued <= born {
            return Err(AccountError::DateInvalid("passport_issued"));
        }
        let snils = Snils::parse(&self.snils)?.digits();
        let inn = match self.inn.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(i) => Some(Inn::parse_person(i)?.as_str().to_owned()),
        };
        Ok(IdentityData {
            surname,
            given_name,
            patronymic,
            birthdate: format!("{:04}-{:02}-{:02}", born.0, born.1, born.2),
            snils,
            inn,
            passport_series: digits_of(&self.passport_series, 4, "series")?,
            passport_number: digits_of(&self.passport_number, 6, "number")?,
            passport_issued: format!("{:04}-{:02}-{:02}", issued.0, issued.1, issued.2),
        })
    }
}

/// Records the identity data of the session's account, raising a
/// simplified account to standard. A confirmed account's data cannot be
/// changed this way.
pub async fn set_identity(
    idp: &Idp,
    session: &ActiveSession,
    form: &IdentityForm,
    client: &Client,
) -> Result<AccountRecord, AccountError> {
    let now = idp.now();
    let data = form.check(now)?;
    let account = idp
        .store()
        .account(session.account_id)
        .await?
        .ok_or(AccountError::SessionRequired)?;
    if account.level == AccountLevel::Confirmed {
        return Err(AccountError::ProfileConfirmed);
    }
    let record = idp
        .store()
        .set_identity(
            account.id,
            &data,
            now,
            &entry(Some(account.id), action::PROFILE, OK, client)
                .detail("level_before", account.level.as_str()),
        )
        .await?;
    Ok(record)
}

/// An operator confirms the identity of a standard account (after seeing
/// the passport): the account becomes confirmed, `confirmed_by` is
/// `operator:<login>` and the journal entry names the operator and the
/// document. `snils`, the SNILS on the document when the operator gives
/// it, must be the account's ([`AccountError::SnilsMismatch`]). A
/// simplified account is refused ([`AccountError::NotStandard`]: the user
/// enters the SNILS and passport first); confirming a confirmed account
/// changes nothing.
pub async fn confirm_by_operator(
    idp: &Idp,
    account_id: i64,
    operator: &str,
    document: &str,
    snils: Option<&str>,
    client: &Client,
) -> Result<AccountRecord, AccountError> {
    let account = idp
        .store()
        .account(account_id)
        .await?
        .ok_or_else(|| AccountError::AccountNotFound(account_id.to_string()))?;
    if account.level == AccountLevel::Simplified {
        return Err(AccountError::NotStandard);
    }
    if let Some(seen) = snils {
        let seen = Snils::parse(seen)?.digits();
        if account.snils.as_deref() != Some(seen.as_str()) {
            return Err(AccountError::SnilsMismatch);
        }
    }
    if account.level == AccountLevel::Confirmed {
        return Ok(account);
    }
    let document: String = document.chars().take(200).collect();
    let record = idp
        .store()
        .set_account_level(
            account_id,
            AccountLevel::Confirmed,
            Some(&format!("operator:{operator}")),
            idp.now(),
            &entry(Some(account_id), action::CONFIRMED, OK, client)
                .detail("method", "operator")
                .detail("operator", operator)
                .detail("document", document)
                .detail("snils_checked", snils.is_some()),
        )
        .await?;
    tracing::info!(
        account = account_id,
        operator,
        "account confirmed by an operator"
    );
    Ok(record)
}

/// Changes the session's account's password: the current one must be
/// right; every other session of the account ends.
pub async fn change_password(
    idp: &Idp,
    session: &ActiveSession,
    current: Zeroizing<String>,
    new_password: Zeroizing<String>,
    client: &Client,
) -> Result<u64, AccountError> {
    let account = idp
        .store()
        .account(session.account_id)
        .await?
        .ok_or(AccountError::SessionRequired)?;
    let login = account.email.clone().or(account.phone.clone());
    password::check_new(&new_password, login.as_deref())?;
    if !password::verify_or_dummy(current, account.password_hash.clone()).await {
        idp.store()
            .append_action(
                idp.now(),
                &entry(Some(account.id), action::PASSWORD, "PASSWORD_WRONG", client),
            )
            .await?;
        return Err(AccountError::PasswordWrong);
    }
    let hash = password::hash(new_password).await?;
    Ok(idp
        .store()
        .set_password_hash(
            account.id,
            &hash,
            Some(session.id),
            idp.now(),
            &entry(Some(account.id), action::PASSWORD, OK, client),
        )
        .await?)
}

/// The session's account, for the profile page and `GET /api/v1/account`.
pub async fn current(idp: &Idp, session: &ActiveSession) -> Result<AccountRecord, AccountError> {
    idp.store()
        .account(session.account_id)
        .await?
        .ok_or(AccountError::SessionRequired)
}

/// The account as the API shows it to its owner (no hashes, no secrets).
pub fn account_json(a: &AccountRecord) -> serde_json::Value {
    json!({
        "id": a.id,
        "level": a.level,
        "email": a.email,
        "email_verified": a.email_verified,
        "phone": a.phone,
        "phone_verified": a.phone_verified,
        "surname": a.surname,
        "given_name": a.given_name,
        "patronymic": a.patronymic,
        "birthdate": a.birthdate,
        "snils": a.snils,
        "inn": a.inn,
        "passport_series": a.passport_series,
        "passport_number": a.passport_number,
        "passport_issued": a.passport_issued,
        "confirmed_by": a.confirmed_by,
        "totp_enrolled": a.has_totp(),
        "has_password": a.password_hash.is_some(),
        "blocked": a.blocked,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::time::Duration;

    #[test]
    fn logins_are_normalised() {
        let e = |s: &str| {
            Login::parse(s)
                .map(|l| l.as_str().to_owned())
                .map_err(|e| e.code())
        };
        assert_eq!(e(" Ivanov@Example.RU "), Ok("ivanov@example.ru".into()));
        assert_eq!(e("8 (916) 123-45-67"), Ok("+79161234567".into()));
        assert_eq!(e("+7 916 123 45 67"), Ok("+79161234567".into()));
        assert_eq!(e("79161234567"), Ok("+79161234567".into()));
        assert_eq!(e("9161234567"), Ok("+79161234567".into()));
        assert_eq!(e("+375 29 123 45 67"), Ok("+375291234567".into()));
        assert_eq!(e("ivanov"), Err("LOGIN_INVALID"));
        assert_eq!(e("a@b"), Err("EMAIL_INVALID"));
        assert_eq!(e("a b@c.ru"), Err("EMAIL_INVALID"));
        assert_eq!(e("a@@c.ru"), Err("EMAIL_INVALID"));
        assert_eq!(e("12345"), Err("PHONE_INVALID"));
        assert_eq!(e("+7 916 123"), Err("PHONE_INVALID"));
        assert_eq!(e("8916123456a"), Err("PHONE_INVALID"));
        assert_eq!(mask("ivanov@example.ru"), "iv***@example.ru");
        assert_eq!(mask("+79161234567"), "+7******4567");
    }

    fn form() -> IdentityForm {
        IdentityForm {
            surname: "Иванов".into(),
            given_name: "Иван".into(),
            patronymic: Some("Иванович".into()),
            birthdate: "1980-02-29".into(),
            snils: "112-233-445 95".into(),
            inn: Some("500100732259".into()),
            passport_series: "45 10".into(),
            passport_number: "123456".into(),
            passport_issued: "2000-03-04".into(),
        }
    }

    #[test]
    fn identity_data_are_checked() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000); // 2027-01-15
        assert_eq!(civil(now), (2027, 1, 15));
        let d = form().check(now).unwrap();
        assert_eq!(d.snils, "11223344595");
        assert_eq!(d.passport_series, "4510");
        let code = |f: IdentityForm| f.check(now).unwrap_err().code();
        assert_eq!(
            code(IdentityForm {
                snils: "112-233-445 96".into(),
                ..form()
            }),
            "SNILS_INVALID_CHECKSUM"
        );
        assert_eq!(
            code(IdentityForm {
                inn: Some("500100732258".into()),
                ..form()
            }),
            "INN_INVALID_CHECKSUM"
        );
        assert_eq!(
            code(IdentityForm {
                inn: Some("7707083893".into()),
                ..form()
            }),
            "INN_INVALID_LENGTH"
        );
        assert_eq!(
            code(IdentityForm {
                birthdate: "1981-02-29".into(),
                ..form()
            }),
            "DATE_INVALID"
        );
        assert_eq!(
            code(IdentityForm {
                birthdate: "2030-01-01".into(),
                ..form()
            }),
            "DATE_INVALID"
        );
        assert_eq!(
            code(IdentityForm {
                passport_issued: "1979-01-01".into(),
                ..form()
            }),
            "DATE_INVALID"
        );
        assert_eq!(
            code(IdentityForm {
                passport_number: "12345".into(),
                ..form()
            }),
            "PASSPORT_INVALID"
        );
        assert_eq!(
            code(IdentityForm {
                passport_series: "45A0".into(),
                ..form()
            }),
            "PASSPORT_INVALID"
        );
        assert_eq!(
            code(IdentityForm {
                surname: "Иванов1".into(),
                ..form()
            }),
            "NAME_INVALID"
        );
        assert_eq!(
            code(IdentityForm {
                given_name: " ".into(),
                ..form()
            }),
            "NAME_INVALID"
        );
        let ok = IdentityForm {
            patronymic: None,
            inn: Some(String::new()),
            ..form()
        }
        .check(now)
        .unwrap();
        assert_eq!((ok.patronymic, ok.inn), (None, None));
    }
}
