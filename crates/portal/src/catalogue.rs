//! The portal's one catalogue of user-facing texts: every key with its
//! Russian text first and its English text second. Templates call
//! `l.t("key")`; a test checks that every key a template or the code uses
//! is here. Error messages come from the error types themselves
//! (`message_ru` / `message_en`), with their stable codes.

/// The texts: key, Russian, English.
pub const TEXTS: &[(&str, &str, &str)] = &[
    (
        "site.name",
        "Личный кабинет podpis",
        "podpis personal cabinet",
    ),
    (
        "site.footer",
        "podpis — электронная подпись по ГОСТ, на своём сервере.",
        "podpis — GOST electronic signatures, self-hosted.",
    ),
    (
        "nav.skip",
        "К основному содержимому",
        "Skip to the main content",
    ),
    ("nav.label", "Разделы", "Sections"),
    ("nav.home", "Главная", "Home"),
    (
        "nav.certificates",
        "Ключи и сертификаты",
        "Keys and certificates",
    ),
    ("nav.journal", "Журнал действий", "Action journal"),
    ("nav.sessions", "Сеансы", "Sessions"),
    ("nav.security", "Безопасность", "Security"),
    ("nav.login", "Вход", "Log in"),
    ("nav.register", "Регистрация", "Register"),
    ("nav.outbox", "Демо: исходящие сообщения", "Demo: outbox"),
    ("nav.logout", "Выйти", "Log out"),
    ("nav.other_language", "English", "Русский"),
    ("error.title", "Ошибка", "Error"),
    ("error.code", "Код ошибки", "Error code"),
    ("error.back", "На главную", "Back to the start"),
    (
        "field.login",
        "Электронная почта или телефон",
        "E-mail or phone",
    ),
    (
        "field.login_help",
        "Например, ivanov@example.ru или +7 916 123-45-67.",
        "For example ivanov@example.ru or +7 916 123-45-67.",
    ),
    ("field.password", "Пароль", "Password"),
    (
        "field.current_password",
        "Текущий пароль",
        "Current password",
    ),
    ("field.new_password", "Новый пароль", "New password"),
    (
        "field.password_help",
        "Не короче 8 символов, из трёх видов символов (строчные, прописные буквы, цифры, знаки); не из списка распространённых паролей.",
        "At least 8 characters of three kinds (lower case, upper case, digits, symbols); not a common password.",
    ),
    ("field.code", "Одноразовый код", "One-time code"),
    (
        "code.valid_minutes",
        "Код действует несколько минут; никому его не сообщайте.",
        "The code is valid for a few minutes; do not tell it to anyone.",
    ),
    ("register.title", "Регистрация", "Registration"),
    (
        "register.intro",
        "Укажите электронную почту или телефон и придумайте пароль. Мы пришлём одноразовый код для подтверждения.",
        "Give your e-mail or phone and choose a password. We will send a one-time code to confirm it.",
    ),
    ("register.submit", "Получить код", "Send me the code"),
    (
        "register.code_step",
        "Подтверждение кодом",
        "Confirm with the code",
    ),
    (
        "register.code_sent",
        "Код отправлен на",
        "The code was sent to",
    ),
    ("register.confirm", "Подтвердить", "Confirm"),
    (
        "register.have_account",
        "Уже есть учётная запись?",
        "Have an account already?",
    ),
    (
        "register.done",
        "Учётная запись создана. Войдите с паролем и одноразовым кодом.",
        "The account is created. Log in with your password and a one-time code.",
    ),
    ("login.title", "Вход", "Log in"),
    (
        "login.choose",
        "Выберите способ входа.",
        "Choose how to log in.",
    ),
    (
        "login.by_password",
        "Пароль и одноразовый код",
        "Password and one-time code",
    ),
    ("login.submit", "Продолжить", "Continue"),
    ("login.code_step", "Одноразовый код", "One-time code"),
    (
        "login.code_sent",
        "Код для входа отправлен на",
        "The login code was sent to",
    ),
    (
        "login.code_totp",
        "Введите код из приложения-аутентификатора.",
        "Enter the code your authenticator app shows.",
    ),
    ("login.submit_code", "Войти", "Log in"),
    (
        "login.by_esig",
        "Электронная подпись",
        "Electronic signature",
    ),
    (
        "login.esig_intro",
        "Вход с помощью электронной подписи: сервер выдаёт случайный вызов, вы подписываете его квалифицированным сертификатом.",
        "Login by electronic signature: the server gives a random challenge and you sign it with a qualified certificate.",
    ),
    (
        "login.esig_link",
        "Вход с помощью электронной подписи",
        "Log in with an electronic signature",
    ),
    ("login.no_account", "Нет учётной записи?", "No account yet?"),
    ("login.logged_out", "Вы вышли.", "You have logged out."),
    (
        "esig.title",
        "Вход с помощью электронной подписи",
        "Login by electronic signature",
    ),
    (
        "esig.intro",
        "Сервер выдаёт одноразовый вызов; его нужно подписать ключом квалифицированного сертификата и отправить подпись обратно. Сервер проверит подпись, сертификат, его статус и доверенный УЦ.",
        "The server gives a one-time challenge; sign it with the key of a qualified certificate and send the signature back. The server checks the signature, the certificate, its status and the trusted CA.",
    ),
    (
        "esig.agent_later",
        "Подпись прямо в браузере появится вместе с агентом подписи. Пока подпишите вызов программой podpis.",
        "Signing right in the browser arrives with the signing agent. For now, sign the challenge with the podpis program.",
    ),
    (
        "esig.cli_title",
        "Подпись в командной строке",
        "Signing on the command line",
    ),
    (
        "esig.cli_intro",
        "Команда получит вызов, подпишет его и начнёт сеанс:",
        "The command gets the challenge, signs it and starts a session:",
    ),
    (
        "esig.cli_api",
        "Без браузера вход доступен и через API:",
        "Without a browser the login works through the API too:",
    ),
    ("esig.back", "Другие способы входа", "Other ways to log in"),
    ("home.title", "Личный кабинет", "Personal cabinet"),
    ("home.hello", "Здравствуйте", "Hello"),
    ("home.level", "Уровень учётной записи", "Account level"),
    ("home.level_help_title", "Что это значит", "What it means"),
    (
        "home.methods",
        "Способ входа в этом сеансе",
        "How this session logged in",
    ),
    ("home.sections", "Разделы", "Sections"),
    ("home.email", "Электронная почта", "E-mail"),
    ("home.phone", "Телефон", "Phone"),
    ("home.name", "ФИО", "Name"),
    ("home.snils", "СНИЛС", "SNILS"),
    ("level.simplified", "упрощённая", "simplified"),
    ("level.standard", "стандартная", "standard"),
    ("level.confirmed", "подтверждённая", "confirmed"),
    (
        "level.simplified_help",
        "Есть телефон или почта и пароль. Чтобы получить стандартную, укажите СНИЛС и паспортные данные.",
        "A phone or e-mail and a password. For the standard level, give your SNILS and passport data.",
    ),
    (
        "level.standard_help",
        "СНИЛС и паспортные данные указаны. Чтобы подтвердить личность, войдите квалифицированной электронной подписью с тем же СНИЛС или обратитесь к оператору.",
        "SNILS and passport data given. To confirm your identity, log in with a qualified signature carrying the same SNILS, or see an operator.",
    ),
    (
        "level.confirmed_help",
        "Личность подтверждена.",
        "Identity confirmed.",
    ),
    ("amr.pwd", "пароль", "password"),
    ("amr.otp", "одноразовый код", "one-time code"),
    ("amr.ds", "электронная подпись", "electronic signature"),
    (
        "certs.title",
        "Ключи и сертификаты",
        "Keys and certificates",
    ),
    (
        "certs.none",
        "Привязанных сертификатов нет.",
        "No certificates are bound.",
    ),
    (
        "certs.caption",
        "Привязанные сертификаты",
        "Bound certificates",
    ),
    ("certs.subject", "Владелец", "Subject"),
    ("certs.serial", "Серийный номер", "Serial number"),
    ("certs.valid_to", "Действует до", "Valid until"),
    ("certs.status", "Состояние", "Status"),
    ("certs.action", "Действие", "Action"),
    ("certs.issuer", "Издатель", "Issuer"),
    ("certs.unbind", "Отвязать…", "Unbind…"),
    (
        "certs.confirm_title",
        "Отвязать сертификат?",
        "Unbind the certificate?",
    ),
    (
        "certs.confirm_text",
        "Войти этим сертификатом будет нельзя, пока он снова не привяжется при входе электронной подписью. Уровень учётной записи не изменится.",
        "You will not be able to log in with this certificate until it is bound again at an e-signature login. The account's level stays as it is.",
    ),
    ("certs.confirm_yes", "Да, отвязать", "Yes, unbind"),
    ("certs.cancel", "Отмена", "Cancel"),
    (
        "certs.unbound",
        "Сертификат отвязан.",
        "The certificate is unbound.",
    ),
    (
        "certs.how_to_bind",
        "Сертификат привязывается при первом входе квалифицированной электронной подписью, если СНИЛС в нём совпадает с вашим.",
        "A certificate is bound at the first login with a qualified signature whose SNILS matches yours.",
    ),
    ("certs.valid", "действует", "valid"),
    (
        "certs.expires_in",
        "истекает через {n} дн.",
        "expires in {n} days",
    ),
    ("certs.expired", "истёк", "expired"),
    ("certs.revoked", "отозван", "revoked"),
    (
        "certs.unchecked",
        "статус не проверен",
        "status not checked",
    ),
    ("journal.title", "Журнал действий", "Action journal"),
    ("journal.filters", "Отбор записей", "Filter the entries"),
    ("journal.action", "Действие", "Action"),
    ("journal.result", "Результат", "Result"),
    ("journal.from", "С даты", "From"),
    ("journal.to", "По дату", "To"),
    ("journal.apply", "Показать", "Show"),
    ("journal.none", "Записей нет.", "No entries."),
    (
        "journal.caption",
        "Записи, новые сверху",
        "Entries, newest first",
    ),
    ("journal.when", "Когда (UTC)", "When (UTC)"),
    ("journal.ip", "IP-адрес", "IP address"),
    ("journal.details", "Подробности", "Details"),
    ("journal.older", "Более ранние записи", "Older entries"),
    ("journal.all", "все", "all"),
    ("journal.ok", "успешно", "succeeded"),
    ("journal.failed", "с ошибкой", "failed"),
    ("journal.logins", "входы", "logins"),
    ("journal.settings", "изменения настроек", "settings changes"),
    ("journal.sessions", "сеансы", "sessions"),
    ("journal.account", "учётная запись", "account"),
    ("journal.signatures", "подписи", "signatures"),
    ("journal.certificates", "сертификаты", "certificates"),
    (
        "journal.oidc",
        "вход в другие сервисы",
        "logins to other services",
    ),
    // Journal actions (`action.` + the action's name; see action_label).
    (
        "action.account.registered",
        "Регистрация учётной записи",
        "Account registered",
    ),
    (
        "action.account.registration",
        "Начало регистрации (отправлен код)",
        "Registration started (code sent)",
    ),
    (
        "action.account.confirmed",
        "Личность подтверждена",
        "Identity confirmed",
    ),
    (
        "action.account.blocked",
        "Блокировка учётной записи",
        "Account blocked or unblocked",
    ),
    (
        "action.account.recovery",
        "Восстановление доступа",
        "Account recovery",
    ),
    (
        "action.settings.profile",
        "Изменение личных данных",
        "Personal data changed",
    ),
    (
        "action.settings.password",
        "Смена пароля",
        "Password changed",
    ),
    (
        "action.settings.totp",
        "Приложение-аутентификатор",
        "Authenticator app",
    ),
    ("action.login.password", "Вход: пароль", "Login: password"),
    (
        "action.login.otp",
        "Вход: одноразовый код",
        "Login: one-time code",
    ),
    (
        "action.login.esig",
        "Вход с помощью электронной подписи",
        "Login with an electronic signature",
    ),
    ("action.logout", "Выход", "Logout"),
    ("action.session.ended", "Сеанс завершён", "Session ended"),
    (
        "action.sessions.ended_all",
        "Выход на всех устройствах",
        "Logged out on all devices",
    ),
    (
        "action.certificate.unbind",
        "Сертификат отвязан",
        "Certificate unbound",
    ),
    (
        "action.oidc.consent",
        "Согласие на передачу данных сервису",
        "Consent to share data with a service",
    ),
    (
        "action.oidc.login",
        "Вход в сервис (выданы токены)",
        "Login to a service (tokens issued)",
    ),
    (
        "action.oidc.revoked",
        "Доступ сервиса отозван: токен использован повторно",
        "Service access revoked: a token was reused",
    ),
    (
        "action.oidc.logout",
        "Выход по запросу сервиса",
        "Logout at a service's request",
    ),
    ("sessions.title", "Сеансы", "Sessions"),
    ("sessions.caption", "Активные сеансы", "Active sessions"),
    ("sessions.started", "Начат (UTC)", "Started (UTC)"),
    (
        "sessions.last_seen",
        "Последнее действие (UTC)",
        "Last active (UTC)",
    ),
    ("sessions.method", "Способ входа", "Login method"),
    ("sessions.ip", "IP-адрес", "IP address"),
    ("sessions.browser", "Браузер", "Browser"),
    ("sessions.action", "Действие", "Action"),
    ("sessions.this_one", "этот сеанс", "this session"),
    ("sessions.end", "Завершить", "End"),
    (
        "sessions.keep_current",
        "Оставить этот сеанс",
        "Keep this session",
    ),
    (
        "sessions.end_all",
        "Выйти на всех устройствах",
        "Log out on all devices",
    ),
    ("sessions.ended", "Сеанс завершён.", "The session is ended."),
    (
        "sessions.ended_all",
        "Другие сеансы завершены: {n}.",
        "Other sessions ended: {n}.",
    ),
    ("security.title", "Безопасность", "Security"),
    ("security.password", "Смена пароля", "Change the password"),
    (
        "security.others_end",
        "После смены пароля все другие сеансы завершатся.",
        "Changing the password ends every other session.",
    ),
    (
        "security.change_password",
        "Сменить пароль",
        "Change the password",
    ),
    (
        "security.password_changed",
        "Пароль изменён; другие сеансы завершены.",
        "The password is changed; other sessions are ended.",
    ),
    (
        "security.totp",
        "Приложение-аутентификатор",
        "Authenticator app",
    ),
    (
        "security.totp_on",
        "Приложение подключено: при входе спрашивается его код.",
        "An app is enrolled: the login asks for its code.",
    ),
    (
        "security.totp_off",
        "Приложение не подключено: код для входа приходит на почту или телефон.",
        "No app is enrolled: the login code comes by e-mail or SMS.",
    ),
    (
        "security.totp_begin",
        "Подключить приложение",
        "Enrol an app",
    ),
    (
        "security.totp_scan",
        "Добавьте учётную запись в приложение (Яндекс Ключ, FreeOTP, Google Authenticator и др.) по ссылке otpauth или введите секрет вручную, затем введите код из приложения.",
        "Add the account to your app (FreeOTP, Google Authenticator, …) from the otpauth link, or type the secret by hand, then enter the code the app shows.",
    ),
    ("security.totp_uri", "Ссылка otpauth", "otpauth link"),
    ("security.totp_secret", "Секрет", "Secret"),
    ("security.totp_confirm", "Подтвердить", "Confirm"),
    (
        "security.totp_enrolled",
        "Приложение подключено.",
        "The app is enrolled.",
    ),
    (
        "security.totp_remove",
        "Отключить приложение",
        "Remove the app",
    ),
    (
        "security.totp_removed",
        "Приложение отключено.",
        "The app is removed.",
    ),
    ("outbox.title", "Демо: исходящие сообщения", "Demo: outbox"),
    (
        "outbox.intro",
        "Только в демонстрационном режиме: письма и SMS, которые сервер «отправил» бы. Новые сверху.",
        "Demo mode only: the e-mails and SMS the server would have sent. Newest first.",
    ),
    ("outbox.none", "Сообщений нет.", "No messages."),
    ("outbox.to", "Кому", "To"),
];

/// The Russian and English text of `key`.
pub fn text(key: &str) -> Option<(&'static str, &'static str)> {
    TEXTS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, ru, en)| (*ru, *en))
}

/// The journal's label of `action` in `l`'s language (the action's name
/// itself when the catalogue has no label for it).
pub fn action_label<'a>(l: &crate::Lang, action: &'a str) -> &'a str {
    match text(&format!("action.{action}")) {
        Some((ru, en)) => {
            if l.en {
                en
            } else {
                ru
            }
        }
        None => action,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// Every action the identity provider journals has a label in both
    /// languages.
    #[test]
    fn every_journal_action_has_a_label() {
        use store::action_journal::action as a;
        let actions = [
            a::ACCOUNT_REGISTERED,
            a::REGISTRATION,
            a::PROFILE,
            a::CONFIRMED,
            a::BLOCKED,
            a::LOGIN_PASSWORD,
            a::LOGIN_OTP,
            a::LOGOUT,
            a::SESSION_ENDED,
            a::SESSIONS_ENDED,
            a::PASSWORD,
            a::TOTP,
            a::RECOVERY,
            idp::esig::LOGIN_ACTION,
            idp::esig::UNBIND_ACTION,
            idp::oidc::action::CONSENT,
            idp::oidc::action::LOGIN,
            idp::oidc::action::REVOKED,
            idp::oidc::action::LOGOUT,
        ];
        let ru = crate::Lang::ru("/");
        let en = crate::Lang::detect(Some("en"), &Default::default(), "/");
        for action in actions {
            let (r, e) = (action_label(&ru, action), action_label(&en, action));
            assert!(r != action && e != action && r != e, "{action}: {r} / {e}");
        }
        assert_eq!(action_label(&ru, "unknown.thing"), "unknown.thing");
    }

    /// Every `l.t("…")` of the templates and the code is in the catalogue,
    /// no key twice, no empty text.
    #[test]
    fn every_key_used_is_in_the_catalogue() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for sub in ["templates", "src"] {
            for e in std::fs::read_dir(dir.join(sub)).unwrap() {
                let p = e.unwrap().path();
                if p.file_name().unwrap() != "catalogue.rs" {
                    sources.push(std::fs::read_to_string(&p).unwrap());
                }
            }
        }
        let mut used = 0;
        for text in &sources {
            for part in text.split(".t(\"").skip(1) {
                let key = part.split('"').next().unwrap();
                assert!(super::text(key).is_some(), "{key} missing");
                used += 1;
            }
        }
        assert!(used > 100, "{used}");
        let mut keys: Vec<_> = TEXTS.iter().map(|t| t.0).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(n, keys.len(), "a key twice");
        assert!(
            TEXTS
                .iter()
                .all(|(_, ru, en)| !ru.is_empty() && !en.is_empty())
        );
        assert!(super::text("nope").is_none());
    }
}
