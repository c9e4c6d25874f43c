//! `podpis idp`: the identity provider's administration — OpenID Connect
//! clients (`client add|list|remove`), the provider's signing keys
//! (`key list|rotate|retire`) and users' accounts (`account show|list`,
//! and `account confirm`: an operator confirms a standard account's
//! identity, journaled with the operator's name). State is the data
//! directory's SQLite database (`podpis.db`) or PostgreSQL
//! (`--database-url`); the keys are the file `oidc-keys.json` in the data
//! directory (docs/oidc.md), the journal key `keys/idp.key`
//! (docs/idp-accounts.md).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use idp::account::{Level, Login};
use idp::oidc::{self, AuthMethod, ClientRegistration, ClientType, ProviderKeys, SigAlg};
use idp::{AccountError, Client, Idp};
use serde_json::json;
use store::Store;
use store::accounts::AccountRecord;

use crate::files::{print, user_error};

/// The provider's key file in the data directory.
pub(crate) const KEY_FILE: &str = "oidc-keys.json";
const DB_FILE: &str = "podpis.db";

const IDP_ABOUT: &str = "\
Администрирование поставщика удостоверений: клиенты OpenID Connect, ключи подписи токенов, учётные записи.
Identity provider administration: OpenID Connect clients, the token signing keys, accounts.";

/// `podpis idp`.
#[derive(Debug, Args)]
#[command(about = IDP_ABOUT)]
pub(crate) struct IdpArgs {
    #[command(subcommand)]
    command: IdpCommand,
}

#[derive(Debug, Subcommand)]
enum IdpCommand {
    /// OpenID Connect clients (relying parties) / клиенты OpenID Connect
    #[command(subcommand)]
    Client(ClientCommand),
    /// The provider's token signing keys / ключи подписи токенов
    #[command(subcommand)]
    Key(KeyCommand),
    /// Users' accounts: show, list, confirm identity / учётные записи
    #[command(subcommand)]
    Account(AccountCommand),
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// An operator confirms a standard account's identity / оператор подтверждает личность
    Confirm(AccountConfirm),
    /// Show an account (no secrets) / показать учётную запись
    Show(AccountShow),
    /// List accounts, newest first / список учётных записей
    List(AccountList),
}

#[derive(Debug, Subcommand)]
enum ClientCommand {
    /// Register a client; prints its secret once (client_secret_basic) / зарегистрировать клиента
    Add(ClientAdd),
    /// List the registered clients / список клиентов
    List(ListArgs),
    /// Remove a client and revoke its tokens / удалить клиента и отозвать его токены
    Remove(ClientRemove),
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// List the keys (kid, algorithm, which signs) / список ключей
    List(ListArgs),
    /// Add a new key of an algorithm; it signs after the next start of the server / новый ключ
    Rotate(KeyRotate),
    /// Drop an old key from the JWK Set (tokens it signed stop verifying) / убрать старый ключ
    Retire(KeyRetire),
}

/// Where the state is.
#[derive(Debug, Args)]
struct Place {
    /// The data directory / каталог данных
    #[arg(long, value_name = "DIR", default_value = "data")]
    data: PathBuf,
    /// PostgreSQL instead of SQLite / адрес PostgreSQL
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    Confidential,
    Public,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum AuthArg {
    #[value(name = "client_secret_basic")]
    ClientSecretBasic,
    #[value(name = "private_key_jwt")]
    PrivateKeyJwt,
    #[value(name = "none")]
    None,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum AlgArg {
    #[value(name = "ES256")]
    Es256,
    #[value(name = "GOST3410_2012_256")]
    Gost,
}

impl AlgArg {
    fn alg(self) -> SigAlg {
        match self {
            AlgArg::Es256 => SigAlg::Es256,
            AlgArg::Gost => SigAlg::Gost256,
        }
    }
}

#[derive(Debug, Args)]
struct ClientAdd {
    #[command(flatten)]
    place: Place,
    /// client_id (A-Z a-z 0-9 . _ -, up to 64) / идентификатор клиента
    #[arg(long)]
    id: String,
    /// Name shown on the consent page / название на странице согласия
    #[arg(long)]
    name: String,
    /// confidential (a server) or public (PKCE only) / тип клиента
    #[arg(long = "type", value_enum, default_value = "confidential")]
    kind: KindArg,
    /// Token endpoint authentication; default client_secret_basic (confidential) or none (public) / способ аутентификации
    #[arg(long, value_enum)]
    auth: Option<AuthArg>,
    /// The client's public JWK Set file (private_key_jwt) / файл JWKS клиента
    #[arg(long, value_name = "FILE")]
    jwks: Option<PathBuf>,
    /// Redirect URI, matched exactly; repeat for several / адрес возврата
    #[arg(long = "redirect-uri", required = true)]
    redirect_uris: Vec<String>,
    /// Post-logout redirect URI; repeat for several / адрес после выхода
    #[arg(long = "post-logout-redirect-uri")]
    post_logout_redirect_uris: Vec<String>,
    /// Allowed scopes, space-separated (default: all) / разрешённые области
    #[arg(
        long,
        default_value = "openid fullname birthdate snils inn email mobile"
    )]
    scopes: String,
    /// How its ID and access tokens are signed / алгоритм подписи токенов
    #[arg(long, value_enum, default_value = "ES256")]
    alg: AlgArg,
    /// Print JSON / вывод в JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ListArgs {
    #[command(flatten)]
    place: Place,
    /// Print JSON / вывод в JSON
    #[arg(long)]
    json: bool,
}

/// `podpis idp account confirm`
#[derive(Debug, Args)]
#[command(
    long_about = "\
Оператор, увидевший паспорт пользователя, подтверждает личность: стандартная учётная запись \
(СНИЛС и паспортные данные введены) становится подтверждённой. Упрощённая учётная запись не \
подтверждается (ACCOUNT_NOT_STANDARD): сначала пользователь вводит СНИЛС и паспорт. С --snils \
СНИЛС из документа сверяется с учётной записью (ACCOUNT_SNILS_MISMATCH). Изменение записывается \
в журнал действий пользователя с именем оператора и документом; подтверждённая запись не \
меняется. Нужен ключ журнала keys/idp.key в каталоге данных (его создаёт podpis serve).

An operator who saw the user's passport confirms the identity: a standard account (SNILS and \
passport entered) becomes confirmed. A simplified account is refused (ACCOUNT_NOT_STANDARD): the \
user enters the SNILS and passport first. With --snils the SNILS on the document is checked \
against the account (ACCOUNT_SNILS_MISMATCH). The change is journaled in the user's action \
journal with the operator's name and the document; a confirmed account is left as it is. Needs \
the journal key keys/idp.key in the data directory (podpis serve makes it).",
    after_help = "\
Example / Пример:
  podpis idp account confirm --data data --login ivanov@example.ru \\
      --snils '112-233-445 95' --document 'паспорт РФ 4510 123456' --operator petrova"
)]
struct AccountConfirm {
    #[command(flatten)]
    place: Place,
    /// The account's e-mail or phone / почта или телефон учётной записи
    #[arg(long, value_name = "EMAIL|PHONE")]
    login: String,
    /// The SNILS on the document, checked against the account's / СНИЛС из документа
    #[arg(long)]
    snils: Option<String>,
    /// The identity document seen (type and number) / предъявленный документ
    #[arg(long, value_name = "TEXT")]
    document: String,
    /// Who confirms (journaled) / кто подтверждает (записывается в журнал)
    #[arg(long, value_name = "NAME")]
    operator: String,
    /// Print the account as JSON / вывод в JSON
    #[arg(long)]
    json: bool,
}

/// `podpis idp account show`
#[derive(Debug, Args)]
struct AccountShow {
    #[command(flatten)]
    place: Place,
    /// The account's e-mail or phone / почта или телефон учётной записи
    #[arg(long, value_name = "EMAIL|PHONE")]
    login: String,
    /// Print JSON / вывод в JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LevelArg {
    Simplified,
    Standard,
    Confirmed,
}

/// `podpis idp account list`
#[derive(Debug, Args)]
struct AccountList {
    #[command(flatten)]
    place: Place,
    /// Only accounts of this level / только этого уровня
    #[arg(long, value_enum)]
    level: Option<LevelArg>,
    /// At most this many / не больше стольких
    #[arg(long, default_value_t = 100)]
    limit: i64,
    /// Print JSON / вывод в JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ClientRemove {
    #[command(flatten)]
    place: Place,
    /// client_id
    #[arg(long)]
    id: String,
}

#[derive(Debug, Args)]
struct KeyRotate {
    #[command(flatten)]
    place: Place,
    /// The algorithm of the new key / алгоритм нового ключа
    #[arg(long, value_enum)]
    alg: AlgArg,
}

#[derive(Debug, Args)]
struct KeyRetire {
    #[command(flatten)]
    place: Place,
    /// The key id / идентификатор ключа
    #[arg(long)]
    kid: String,
}

pub(crate) fn run(args: &IdpArgs) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(dispatch(args))
}

async fn dispatch(args: &IdpArgs) -> Result<()> {
    match &args.command {
        IdpCommand::Client(ClientCommand::Add(a)) => client_add(a).await,
        IdpCommand::Client(ClientCommand::List(a)) => client_list(a).await,
        IdpCommand::Client(ClientCommand::Remove(a)) => client_remove(a).await,
        IdpCommand::Key(KeyCommand::List(a)) => key_list(a),
        IdpCommand::Key(KeyCommand::Rotate(a)) => key_rotate(a),
        IdpCommand::Key(KeyCommand::Retire(a)) => key_retire(a),
        IdpCommand::Account(AccountCommand::Confirm(a)) => account_confirm(a).await,
        IdpCommand::Account(AccountCommand::Show(a)) => account_show(a).await,
        IdpCommand::Account(AccountCommand::List(a)) => account_list(a).await,
    }
}

async fn open_store(place: &Place) -> Result<Store> {
    let url = match &place.database_url {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&place.data)
                .with_context(|| format!("{}", place.data.display()))?;
            Store::sqlite_url(&place.data.join(DB_FILE))
        }
    };
    Store::open(&url).await.map_err(|e| user_error(&e))
}

/// The provider's keys in `data` (made on first use), as `podpis serve`
/// opens them.
pub(crate) fn open_keys(data: &Path) -> Result<ProviderKeys> {
    std::fs::create_dir_all(data).with_context(|| format!("{}", data.display()))?;
    ProviderKeys::load_or_create(&data.join(KEY_FILE), SystemTime::now())
        .map_err(|e| user_error(&e))
}

async fn client_add(a: &ClientAdd) -> Result<()> {
    let store = open_store(&a.place).await?;
    let client_type = match a.kind {
        KindArg::Confidential => ClientType::Confidential,
        KindArg::Public => ClientType::Public,
    };
    let auth_method = match (a.auth, client_type) {
        (Some(AuthArg::ClientSecretBasic), _) => AuthMethod::ClientSecretBasic,
        (Some(AuthArg::PrivateKeyJwt), _) => AuthMethod::PrivateKeyJwt,
        (Some(AuthArg::None), _) | (None, ClientType::Public) => AuthMethod::None,
        (None, ClientType::Confidential) => AuthMethod::ClientSecretBasic,
    };
    let jwks = match &a.jwks {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
            Some(
                serde_json::from_str(&text)
                    .with_context(|| format!("{}: не JSON / not JSON", path.display()))?,
            )
        }
        None => None,
    };
    let reg = ClientRegistration {
        client_id: a.id.clone(),
        name: a.name.clone(),
        client_type,
        auth_method,
        jwks,
        redirect_uris: a.redirect_uris.clone(),
        post_logout_redirect_uris: a.post_logout_redirect_uris.clone(),
        scopes: a.scopes.split_whitespace().map(str::to_owned).collect(),
        token_alg: a.alg.alg(),
    };
    let secret = oidc::register_client(&store, &reg, SystemTime::now())
        .await
        .map_err(|e| user_error(&e))?;
    let text = if a.json {
        format!(
            "{}\n",
            json!({
                "client_id": a.id,
                "client_secret": secret.as_ref().map(|s| s.as_str()),
                "auth_method": auth_method.name(),
            })
        )
    } else {
        match &secret {
            Some(s) => format!(
                "client_id: {}\nclient_secret: {}\n\
                 Секрет показан один раз и хранится только в виде хэша. / \
                 The secret is shown once; only its hash is stored.\n",
                a.id,
                s.as_str()
            ),
            None => format!("client_id: {}\n", a.id),
        }
    };
    store.close().await;
    print(&text)
}

async fn client_list(a: &ListArgs) -> Result<()> {
    let store = open_store(&a.place).await?;
    let clients = store.oidc_clients().await.map_err(|e| user_error(&e))?;
    store.close().await;
    let text = if a.json {
        let list: Vec<_> = clients
            .iter()
            .map(|c| {
                json!({
                    "client_id": c.client_id, "name": c.name, "type": c.client_type,
                    "auth_method": c.auth_method, "redirect_uris": c.redirect_uris,
                    "post_logout_redirect_uris": c.post_logout_redirect_uris,
                    "scopes": c.scopes, "token_alg": c.token_alg,
                })
            })
            .collect();
        format!("{}\n", serde_json::Value::from(list))
    } else {
        let mut out = String::new();
        for c in &clients {
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{}\n",
                c.client_id,
                c.client_type,
                c.auth_method,
                c.token_alg,
                c.redirect_uris.join(" "),
                c.name
            ));
        }
        out
    };
    print(&text)
}

async fn client_remove(a: &ClientRemove) -> Result<()> {
    let store = open_store(&a.place).await?;
    let removed = store
        .remove_oidc_client(&a.id, SystemTime::now())
        .await
        .map_err(|e| user_error(&e))?;
    store.close().await;
    if !removed {
        bail!("клиента {} нет / no client {}", a.id, a.id);
    }
    print(&format!("removed {}\n", a.id))
}

fn key_list(a: &ListArgs) -> Result<()> {
    let keys = open_keys(&a.place.data)?;
    let signing = |k: &oidc::ProviderKey| keys.signing_key(k.alg()).kid() == k.kid();
    let text = if a.json {
        let list: Vec<_> = keys
            .keys()
            .iter()
            .map(|k| json!({"kid": k.kid(), "alg": k.alg().name(), "signing": signing(k)}))
            .collect();
        format!("{}\n", serde_json::Value::from(list))
    } else {
        keys.keys()
            .iter()
            .map(|k| {
                format!(
                    "{}\t{}\t{}\n",
                    k.kid(),
                    k.alg().name(),
                    if signing(k) { "signing" } else { "verify-only" }
                )
            })
            .collect()
    };
    print(&text)
}

fn key_rotate(a: &KeyRotate) -> Result<()> {
    let mut keys = open_keys(&a.place.data)?;
    let kid = keys
        .rotate(a.alg.alg(), SystemTime::now())
        .map_err(|e| user_error(&e))?;
    print(&format!("{kid}\n"))
}

fn key_retire(a: &KeyRetire) -> Result<()> {
    let mut keys = open_keys(&a.place.data)?;
    if !keys.retire(&a.kid).map_err(|e| user_error(&e))? {
        bail!(
            "ключа {} нет или он подписывает сейчас / no key {} or it is the signing key",
            a.kid,
            a.kid
        );
    }
    print(&format!("retired {}\n", a.kid))
}

/// The identity provider over the place's database, its journal chained
/// under the data directory's key (`keys/idp.key`, as `podpis serve` and
/// `podpis journal verify` use it).
async fn open_idp(place: &Place) -> Result<Idp> {
    let keys = idp::ServerKeys::load(&place.data).map_err(|e| user_error(&e))?;
    let store = open_store(place).await?;
    Ok(Idp::new(
        store,
        Arc::new(idp::SystemClock),
        keys,
        Arc::new(idp::FileOutbox::new(place.data.join("outbox"))),
        idp::Policy::default(),
    ))
}

/// The account of an e-mail or phone, or `ACCOUNT_NOT_FOUND`.
async fn account_by_login(idp: &Idp, login: &str) -> Result<AccountRecord> {
    let login = Login::parse(login).map_err(|e| user_error(&e))?;
    idp::account::find(idp, &login)
        .await
        .map_err(|e| user_error(&e))?
        .ok_or_else(|| user_error(&AccountError::AccountNotFound(login.as_str().to_owned())))
}

/// An account as the operator reads it: one `name: value` line a field.
fn account_text(a: &AccountRecord) -> String {
    let name = [&a.surname, &a.given_name, &a.patronymic]
        .iter()
        .filter_map(|p| p.as_deref())
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = format!("id: {}\nlevel: {}\n", a.id, a.level);
    let fields = [
        ("email", a.email.clone()),
        ("phone", a.phone.clone()),
        ("name", (!name.is_empty()).then_some(name)),
        ("birthdate", a.birthdate.clone()),
        ("snils", a.snils.clone()),
        ("confirmed_by", a.confirmed_by.clone()),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            out.push_str(&format!("{k}: {v}\n"));
        }
    }
    out.push_str(&format!(
        "blocked: {}\ncreated: {}\n",
        a.blocked,
        pki::validation::rfc3339(a.created_at)
    ));
    out
}

async fn account_confirm(a: &AccountConfirm) -> Result<()> {
    let idp = open_idp(&a.place).await?;
    let before = account_by_login(&idp, &a.login).await?;
    let client = Client {
        ip: None,
        user_agent: Some("podpis idp account confirm".into()),
    };
    let after = idp::account::confirm_by_operator(
        &idp,
        before.id,
        &a.operator,
        &a.document,
        a.snils.as_deref(),
        &client,
    )
    .await
    .map_err(|e| user_error(&e))?;
    idp.store().close().await;
    if a.json {
        return print(&format!("{}\n", idp::account::account_json(&after)));
    }
    print(&if before.level == Level::Confirmed {
        format!(
            "Учётная запись {0} уже подтверждена ({1}). / Account {0} is already confirmed ({1}).\n",
            after.id,
            after.confirmed_by.as_deref().unwrap_or("?")
        )
    } else {
        format!(
            "Учётная запись {0} подтверждена оператором {1}. / Account {0} confirmed by operator {1}.\n",
            after.id, a.operator
        )
    })
}

async fn account_show(a: &AccountShow) -> Result<()> {
    let idp = open_idp(&a.place).await?;
    let account = account_by_login(&idp, &a.login).await?;
    idp.store().close().await;
    print(&if a.json {
        format!("{}\n", idp::account::account_json(&account))
    } else {
        account_text(&account)
    })
}

async fn account_list(a: &AccountList) -> Result<()> {
    let store = open_store(&a.place).await?;
    let level = a.level.map(|l| match l {
        LevelArg::Simplified => Level::Simplified,
        LevelArg::Standard => Level::Standard,
        LevelArg::Confirmed => Level::Confirmed,
    });
    let accounts = store
        .accounts(level, a.limit.clamp(1, 10_000))
        .await
        .map_err(|e| user_error(&e))?;
    store.close().await;
    let text = if a.json {
        let list: Vec<_> = accounts.iter().map(idp::account::account_json).collect();
        format!("{}\n", serde_json::Value::from(list))
    } else {
        accounts
            .iter()
            .map(|c| {
                format!(
                    "{}\t{}\t{}\t{}\t{}\n",
                    c.id,
                    c.level,
                    c.email.as_deref().unwrap_or("-"),
                    c.phone.as_deref().unwrap_or("-"),
                    c.confirmed_by.as_deref().unwrap_or("-")
                )
            })
            .collect()
    };
    print(&text)
}
