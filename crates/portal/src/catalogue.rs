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
        "esig.agent_title",
        "Подпись в браузере",
        "Signing in the browser",
    ),
    (
        "esig.agent_intro",
        "Агент подписи podpis на этом компьютере покажет ваши сертификаты. Выберите сертификат: агент откроет своё окно, где нужно проверить данные и подтвердить вход PIN-кодом ключа. Сайт PIN-кода не видит.",
        "The podpis signing agent on this computer shows your certificates. Pick one: the agent opens its own window where you check the details and confirm the login with the key's PIN. The site never sees the PIN.",
    ),
    ("esig.choose", "Выбор сертификата", "Choose a certificate"),
    (
        "esig.searching",
        "Ищем агент подписи…",
        "Looking for the signing agent…",
    ),
    (
        "esig.pick",
        "Выберите сертификат для входа.",
        "Pick the certificate to log in with.",
    ),
    (
        "esig.none",
        "Агент подписи не нашёл ни одного сертификата. Подключите токен или добавьте контейнер ключей в настройки агента (docs/agent.md) и нажмите «Повторить».",
        "The signing agent found no certificates. Plug in your token or add a key container to the agent's settings (docs/agent.md) and press “Try again”.",
    ),
    (
        "esig.signing",
        "Подтвердите вход в окне агента подписи: проверьте данные и введите PIN-код.",
        "Confirm the login in the signing agent's window: check the details and enter the PIN.",
    ),
    (
        "esig.checking",
        "Проверяем подпись и сертификат…",
        "Checking the signature and the certificate…",
    ),
    (
        "esig.done",
        "Вход выполнен. Открываем личный кабинет…",
        "Logged in. Opening your cabinet…",
    ),
    (
        "esig.login_with",
        "Войти с этим сертификатом",
        "Log in with this certificate",
    ),
    ("esig.snils", "СНИЛС", "SNILS"),
    ("esig.issuer", "Издатель", "Issuer"),
    ("esig.valid", "Действителен", "Valid"),
    (
        "esig.description",
        "Вход в личный кабинет: одноразовый вызов сервера",
        "Login to the personal cabinet: the server's one-time challenge",
    ),
    (
        "esig.unreachable",
        "Портал не отвечает. Проверьте подключение к сети и повторите вход.",
        "The portal does not answer. Check your network connection and try again.",
    ),
    ("esig.allow", "Разрешить доступ", "Allow access"),
    ("esig.retry", "Повторить", "Try again"),
    (
        "esig.no_js",
        "Для входа через агент подписи включите JavaScript или подпишите вызов в командной строке, как описано ниже.",
        "To log in through the signing agent, turn JavaScript on, or sign the challenge on the command line as described below.",
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
    ("nav.verify", "Проверить подпись", "Verify a signature"),
    (
        "verify.title",
        "Проверка электронной подписи",
        "Electronic signature verification",
    ),
    (
        "verify.intro",
        "Загрузите файл подписи и, если подпись отделённая, подписанный документ. Портал проверит подпись, цепочку сертификатов до аккредитованного удостоверяющего центра и отзыв сертификатов. Входить не нужно.",
        "Upload the signature file and, for a detached signature, the signed document. The portal checks the signature, the certificate chain up to an accredited certification authority, and revocation. No login is needed.",
    ),
    (
        "verify.signature",
        "Файл подписи (.sig, .p7s)",
        "Signature file (.sig, .p7s)",
    ),
    (
        "verify.signature_help",
        "CMS/CAdES в DER, PEM или base64; присоединённая (документ внутри) или отделённая.",
        "CMS/CAdES as DER, PEM or base64; attached (the document inside) or detached.",
    ),
    ("verify.document", "Подписанный документ", "Signed document"),
    (
        "verify.document_help",
        "Нужен для отделённой подписи; для присоединённой не требуется.",
        "Needed for a detached signature; not for an attached one.",
    ),
    ("verify.limit", "Не больше", "At most"),
    (
        "verify.certificates",
        "Дополнительные сертификаты (необязательно)",
        "Additional certificates (optional)",
    ),
    (
        "verify.certificates_help",
        "Сертификат подписанта, если его нет в подписи, или промежуточные сертификаты УЦ (PEM или DER). Доверенными они от этого не становятся.",
        "The signer's certificate when the signature lacks it, or intermediate CA certificates (PEM or DER). They do not become trusted by this.",
    ),
    ("verify.submit", "Проверить", "Verify"),
    ("verify.progress", "Загрузка", "Uploading"),
    (
        "verify.privacy",
        "Файлы не сохраняются: документ хешируется по мере загрузки и сразу забывается.",
        "Nothing is stored: the document is hashed as it uploads and then forgotten.",
    ),
    (
        "verify.api",
        "То же для программ — REST API (ответ — отчёт в JSON):",
        "The same for programs — the REST API (the answer is the JSON report):",
    ),
    (
        "verify.again",
        "Проверить другую подпись",
        "Verify another signature",
    ),
    (
        "verify.passed",
        "Подпись действительна",
        "The signature is valid",
    ),
    (
        "verify.passed_help",
        "Документ не изменялся после подписания, сертификат подписанта выдан доверенным УЦ, действовал и не отозван.",
        "The document has not changed since it was signed; the signer's certificate was issued by a trusted CA, is valid and not revoked.",
    ),
    (
        "verify.failed",
        "Подпись недействительна",
        "The signature is not valid",
    ),
    (
        "verify.failed_help",
        "Проверка нашла нарушение, которое не исправить дополнительными сведениями. Причина и что делать — ниже.",
        "The check found a fault that no further information can cure. The reason and what to do are below.",
    ),
    (
        "verify.indeterminate",
        "Результат не определён",
        "The result is indeterminate",
    ),
    (
        "verify.indeterminate_help",
        "Подпись не удалось ни подтвердить, ни опровергнуть: не хватает сведений. Что нужно — ниже.",
        "The signature could be neither confirmed nor refuted: information is missing. What is needed is below.",
    ),
    (
        "verify.validation_time",
        "Время проверки (UTC)",
        "Validation time (UTC)",
    ),
    ("verify.signature_file", "Файл подписи", "Signature file"),
    ("verify.document_file", "Документ", "Document"),
    ("verify.signer_n", "Подпись", "Signature"),
    ("verify.what_to_do", "Что делать", "What to do"),
    ("verify.subject", "Подписант", "Signer"),
    ("verify.snils", "СНИЛС", "SNILS"),
    ("verify.inn", "ИНН", "INN"),
    ("verify.innle", "ИНН организации", "Organisation's INN"),
    ("verify.ogrn", "ОГРН", "OGRN"),
    ("verify.ogrnip", "ОГРНИП", "OGRNIP"),
    (
        "verify.signing_time",
        "Время подписания (со слов подписанта)",
        "Signing time (as the signer claims)",
    ),
    ("verify.timestamp", "Штамп времени", "Time-stamp"),
    ("verify.timestamp_ok", "проверен", "verified"),
    ("verify.timestamp_bad", "НЕ проверен", "NOT verified"),
    ("verify.digest", "Алгоритм хеширования", "Digest algorithm"),
    (
        "verify.qualified",
        "Квалифицированный сертификат",
        "Qualified certificate",
    ),
    ("verify.yes", "да", "yes"),
    ("verify.no", "нет", "no"),
    ("verify.failure", "Что не прошло проверку", "What failed"),
    (
        "verify.chain",
        "Цепочка сертификатов: от подписанта до доверенного корня",
        "Certificate path: from the signer to the trusted root",
    ),
    ("verify.col.subject", "Владелец", "Subject"),
    ("verify.col.issuer", "Издатель", "Issuer"),
    ("verify.col.serial", "Серийный номер", "Serial number"),
    (
        "verify.col.validity",
        "Срок действия (UTC)",
        "Validity (UTC)",
    ),
    ("verify.trusted", "доверенный корень", "trusted root"),
    ("verify.revocation", "Статус отзыва", "Revocation status"),
    ("verify.rev.good", "не отозван", "not revoked"),
    ("verify.rev.revoked", "ОТОЗВАН", "REVOKED"),
    (
        "verify.rev.unknown",
        "неизвестен (служба OCSP не знает сертификат)",
        "unknown (the OCSP service does not know the certificate)",
    ),
    ("verify.rev.unchecked", "не проверен", "not checked"),
    ("verify.rev.ocsp", "ответ OCSP", "OCSP answer"),
    (
        "verify.rev.crl",
        "список отзыва (CRL)",
        "revocation list (CRL)",
    ),
    ("verify.rev.none", "без сведений", "no evidence"),
    ("verify.rev.revoked_at", "отозван", "revoked on"),
    (
        "verify.rev.off",
        "не проверялся (так настроен сервер)",
        "not checked (the server is set so)",
    ),
    ("verify.warnings", "Предупреждения", "Warnings"),
    ("verify.json", "Отчёт в JSON", "The report as JSON"),
    (
        "verify.sub.format",
        "Файл подписи повреждён или это не подпись",
        "The signature file is damaged or is not a signature",
    ),
    (
        "verify.sub.format_do",
        "Загрузите файл подписи (.sig, .p7s) в формате CMS/CAdES — DER, PEM или base64. Если файл прислали вам, попросите прислать его заново.",
        "Upload the signature file (.sig, .p7s) as CMS/CAdES — DER, PEM or base64. If someone sent it to you, ask them to send it again.",
    ),
    (
        "verify.sub.hash",
        "Документ изменён после подписания",
        "The document was changed after signing",
    ),
    (
        "verify.sub.hash_do",
        "Загруженный документ не совпадает с подписанным: его изменили после подписания или выбран не тот файл. Загрузите именно тот документ, который подписывали; изменённому документу эта подпись не подходит.",
        "The uploaded document does not match what was signed: it was changed after signing, or another file was chosen. Upload the very document that was signed; this signature does not cover a changed one.",
    ),
    (
        "verify.sub.crypto",
        "Подпись повреждена или подделана",
        "The signature is damaged or forged",
    ),
    (
        "verify.sub.crypto_do",
        "Значение подписи не сходится с ключом сертификата. Попросите подписанта подписать документ заново.",
        "The signature value does not match the certificate's key. Ask the signer to sign the document again.",
    ),
    (
        "verify.sub.revoked",
        "Сертификат подписанта отозван",
        "The signer's certificate is revoked",
    ),
    (
        "verify.sub.revoked_do",
        "Удостоверяющий центр отозвал сертификат, подпись недействительна. Подписанту нужно получить новый сертификат и подписать документ заново.",
        "The certification authority revoked the certificate; the signature is not valid. The signer needs a new certificate and must sign again.",
    ),
    (
        "verify.sub.expired",
        "Срок действия сертификата подписанта истёк",
        "The signer's certificate has expired",
    ),
    (
        "verify.sub.expired_do",
        "На момент проверки сертификат уже не действовал. Подписанту нужно подписать документ действующим сертификатом.",
        "The certificate was no longer valid at the validation time. The signer must sign with a valid certificate.",
    ),
    (
        "verify.sub.not_yet_valid",
        "Сертификат подписанта ещё не действует",
        "The signer's certificate is not valid yet",
    ),
    (
        "verify.sub.not_yet_valid_do",
        "Срок действия сертификата ещё не начался. Повторите проверку позже или сообщите подписанту.",
        "The certificate's validity has not begun. Verify again later or tell the signer.",
    ),
    (
        "verify.sub.no_cert",
        "В подписи нет сертификата подписанта",
        "The signature lacks the signer's certificate",
    ),
    (
        "verify.sub.no_cert_do",
        "Загрузите сертификат подписанта в поле «Дополнительные сертификаты» или попросите подпись, в которую включён сертификат.",
        "Upload the signer's certificate in the \"Additional certificates\" field, or ask for a signature that includes the certificate.",
    ),
    (
        "verify.sub.untrusted",
        "Сертификат выдан удостоверяющим центром, которому портал не доверяет",
        "The certificate was issued by a certification authority the portal does not trust",
    ),
    (
        "verify.sub.untrusted_do",
        "Цепочка не доходит до корневого сертификата аккредитованного УЦ из списка портала. Если не хватает промежуточного сертификата УЦ, загрузите его в поле «Дополнительные сертификаты»; иначе подпись сделана сертификатом неаккредитованного УЦ.",
        "The path does not reach a root of an accredited CA on the portal's list. If an intermediate CA certificate is missing, upload it in the \"Additional certificates\" field; otherwise the signature was made with a certificate of a CA that is not accredited.",
    ),
    (
        "verify.sub.chain",
        "Цепочка сертификатов нарушает ограничения",
        "The certificate path breaks a constraint",
    ),
    (
        "verify.sub.chain_do",
        "Сертификат УЦ в цепочке недействителен или не вправе выдавать такие сертификаты, либо сертификат не квалифицированный, когда он требуется. Обратитесь в удостоверяющий центр подписанта.",
        "A CA certificate on the path is not valid or may not issue such certificates, or the certificate is not qualified where that is required. Contact the signer's certification authority.",
    ),
    (
        "verify.sub.policy",
        "Подпись не соответствует требованиям формата",
        "The signature does not meet the format's requirements",
    ),
    (
        "verify.sub.policy_do",
        "В подписи нет обязательных подписанных атрибутов CAdES-BES. Попросите подписать документ заново в формате CAdES-BES.",
        "The signature lacks the signed attributes CAdES-BES requires. Ask for the document to be signed again as CAdES-BES.",
    ),
    (
        "verify.sub.algorithm",
        "Алгоритм подписи не поддерживается",
        "The signature algorithm is not supported",
    ),
    (
        "verify.sub.algorithm_do",
        "Подпись сделана по устаревшему или неподдерживаемому алгоритму (например, ГОСТ Р 34.10-2001 с ГОСТ Р 34.11-94). Попросите подписать по ГОСТ Р 34.10-2012.",
        "The signature uses an outdated or unsupported algorithm (e.g. GOST R 34.10-2001 with GOST R 34.11-94). Ask for a GOST R 34.10-2012 signature.",
    ),
    (
        "verify.sub.try_later",
        "Статус отзыва сертификата сейчас не проверить",
        "The certificate's revocation status cannot be checked now",
    ),
    (
        "verify.sub.try_later_do",
        "Служба OCSP и список отзыва удостоверяющего центра сейчас недоступны. Повторите проверку позже.",
        "The certification authority's OCSP service and revocation list are not reachable now. Verify again later.",
    ),
    (
        "verify.sub.no_document",
        "Не загружен подписанный документ",
        "The signed document was not uploaded",
    ),
    (
        "verify.sub.no_document_do",
        "Подпись отделённая: документ хранится отдельно от неё. Загрузите документ в поле «Подписанный документ» вместе с подписью.",
        "The signature is detached: the document is kept apart from it. Upload the document in the \"Signed document\" field together with the signature.",
    ),
    (
        "verify.sub.other",
        "Подпись не прошла проверку",
        "The signature did not pass the check",
    ),
    (
        "verify.sub.other_do",
        "Подробности — в строке «Что не прошло проверку» и в отчёте JSON.",
        "See \"What failed\" and the JSON report for the details.",
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
        fn read_all(dir: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    read_all(&p, out);
                } else if p.file_name().unwrap() != "catalogue.rs" {
                    out.push(std::fs::read_to_string(&p).unwrap());
                }
            }
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for sub in ["templates", "src"] {
            read_all(&dir.join(sub), &mut sources);
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
