//! The texts of the messages the provider sends (the crate's catalogue of
//! user-facing message texts: Russian first, English second).

use std::time::{Duration, SystemTime};

use crate::account::Login;
use crate::notifier::{Channel, Message};

fn unix(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn message(login: &Login, subject: &str, body: String, now: SystemTime) -> Message {
    let body = match login.channel() {
        // An SMS stays short: Russian only.
        Channel::Phone => body.lines().next().unwrap_or_default().to_owned(),
        Channel::Email => body,
    };
    Message {
        channel: login.channel(),
        to: login.as_str().to_owned(),
        subject: subject.to_owned(),
        body,
        at: unix(now),
    }
}

/// The code that completes a registration.
pub(crate) fn registration_code(
    login: &Login,
    code: &str,
    ttl: Duration,
    now: SystemTime,
) -> Message {
    let min = ttl.as_secs() / 60;
    message(
        login,
        "Код подтверждения регистрации / Registration code",
        format!(
            "Код для регистрации: {code}. Действует {min} мин. Никому его не сообщайте.\n\
             Your registration code: {code}. Valid for {min} min. Do not tell it to anyone."
        ),
        now,
    )
}

/// Sent instead of a code when the address already has an account.
pub(crate) fn already_registered(login: &Login, now: SystemTime) -> Message {
    message(
        login,
        "Учётная запись уже есть / You already have an account",
        "С этим адресом уже есть учётная запись. Войдите или восстановите пароль; если это были не вы, ничего не делайте.\n\
         This address already has an account. Log in or recover the password; if it was not you, do nothing."
            .to_owned(),
        now,
    )
}

/// The second factor of a password login.
pub(crate) fn login_code(login: &Login, code: &str, ttl: Duration, now: SystemTime) -> Message {
    let min = ttl.as_secs() / 60;
    message(
        login,
        "Код для входа / Login code",
        format!(
            "Код для входа: {code}. Действует {min} мин. Если вы не входили, смените пароль.\n\
             Your login code: {code}. Valid for {min} min. If it was not you, change your password."
        ),
        now,
    )
}

/// The code of a recovery.
pub(crate) fn recovery_code(login: &Login, code: &str, ttl: Duration, now: SystemTime) -> Message {
    let min = ttl.as_secs() / 60;
    message(
        login,
        "Восстановление доступа / Account recovery",
        format!(
            "Код для восстановления доступа: {code}. Действует {min} мин. После смены пароля все сеансы будут завершены.\n\
             Your recovery code: {code}. Valid for {min} min. Changing the password ends every session."
        ),
        now,
    )
}
