//! `podpis serve`: the HTTP server — the identity provider's REST API
//! (`idp::api`), the personal cabinet's pages (`portal`), the merged
//! OpenAPI document (`/api/openapi.json`), and, when the data directory
//! (or `--database-url`) holds a CA, the CA's registration REST API and
//! operator pages (`ca::api`, `ca::pages`) and its publication services
//! (OCSP, CRL, TSP; `ca::service::publication_for`), merged in [`app`] and
//! served by `ca::server::HttpServer` (hyper; the OCSP routes on its fast
//! path).
//! With no CA and no configuration file it runs the demo: the cabinet on
//! SQLite in `data/`, the outbox page on, cookies without `Secure` (plain
//! HTTP on loopback). tokio, `tracing` logs to stderr (never
//! secrets), graceful shutdown on SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use axum::Router;
use ca::Ca;
use ca::api::{ApiConfig, ApiState, Lockout};
use ca::http::{Publication, PublicationConfig};
use ca::server::{HttpServer, ServerConfig};
use ca::service::PublicationSetup;
use clap::Args;
use const_oid::ObjectIdentifier;
use serde::Deserialize;
use store::Store;

use crate::openapi;

/// `podpis serve …`
#[derive(Debug, Args)]
#[command(
    about = "Запустить сервер: личный кабинет, поставщик идентификации, УЦ / Run the server: cabinet, identity provider, CA",
    long_about = "\
Запускает HTTP-сервер: личный кабинет (/, см. docs/portal.md), REST API поставщика идентификации \
(/api/v1/account, /api/v1/login/…), службу проверки подписи (/verify, POST /api/v1/verify, \
docs/verify.md), документ OpenAPI (/api/openapi.json) и, если в базе есть УЦ, \
его REST API регистрации (/api/v1/, см. docs/api.md), страницы операторов, \
OCSP (/ocsp), СОС (/crl/ca.crl) и, если в конфигурации задан tsa_policy, службу штампов времени \
(/tsp). Ключ выпускающего УЦ \
открывается при запуске (PIN — из --pin-file, PODPIS_PIN или с терминала). Операторы входят по \
HTTP Basic (учётные записи: podpis ca operator add); пароли по сети передаются только через TLS: \
сервер слушает адрес loopback, а на другом адресе запускается, только если в конфигурации \
указано \"tls_in_front\": true (TLS завершает обратный прокси). Останавливается по SIGTERM или \
Ctrl-C, дожидаясь текущих запросов.

Без УЦ и без --config работает демонстрация: кабинет на SQLite в data/, страница исходящих \
сообщений /demo/outbox с одноразовыми кодами.

Runs the HTTP server: the personal cabinet (/, see docs/portal.md), the identity provider's REST \
API (/api/v1/account, /api/v1/login/…), the signature verification service (/verify, POST \
/api/v1/verify, docs/verify.md), the OpenAPI document (/api/openapi.json) and, when the \
database holds a CA, its registration REST API (/api/v1/, see docs/api.md), the operator \
pages, OCSP (/ocsp), the CRL (/crl/ca.crl) and, when the configuration sets tsa_policy, the \
time-stamp service (/tsp). The issuing \
CA key is opened at start (PIN from --pin-file, PODPIS_PIN or the terminal). Operators log in \
with HTTP Basic (accounts: podpis ca operator add); passwords cross the network only inside TLS: \
the server listens on loopback, and on another address only when the configuration says \
\"tls_in_front\": true (a reverse proxy terminates TLS). SIGTERM or Ctrl-C stops it after the \
calls in flight. Options on the command line override the configuration file (JSON, see \
docs/operations.md). With no CA and no --config it runs the demo: the cabinet on SQLite in data/, \
and the outbox page /demo/outbox with the one-time codes.",
    after_help = "\
Example / Пример:
  podpis serve                      # the demo / демонстрация: http://127.0.0.1:8080/
  podpis serve --data ca --pin-file issuing.pin --listen 127.0.0.1:8080
  RUST_LOG=debug podpis serve --config /etc/podpis/serve.json"
)]
pub(crate) struct ServeArgs {
    /// The CA's data directory / каталог данных УЦ
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// PostgreSQL instead of SQLite / адрес PostgreSQL
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Address to listen on (default 127.0.0.1:8080) / адрес
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Configuration file (JSON) / файл конфигурации
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// File with the issuing CA container's PIN / файл с PIN-кодом ключа УЦ
    #[arg(long, value_name = "FILE")]
    pin_file: Option<PathBuf>,
}

/// The configuration file: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    data: Option<PathBuf>,
    database_url: Option<String>,
    listen: Option<SocketAddr>,
    pin_file: Option<PathBuf>,
    /// A TLS-terminating proxy is in front: a non-loopback address is allowed.
    #[serde(default)]
    tls_in_front: bool,
    body_limit_bytes: Option<usize>,
    timeout_seconds: Option<u64>,
    max_failed_logins: Option<i64>,
    lockout_seconds: Option<u64>,
    /// The TSA's policy OID; the TSA (`/tsp`) runs only when it is set.
    tsa_policy: Option<String>,
    /// How often to look in the database for revocations made elsewhere
    /// (`podpis ca revoke`, other nodes); 5 s by default.
    poll_seconds: Option<u64>,
    /// Pre-sign every certificate's OCSP response at start (default true).
    presign_ocsp: Option<bool>,
    /// Connections served at once (10,000 by default); more wait.
    max_connections: Option<usize>,
    /// The identity provider and the cabinet.
    #[serde(default)]
    idp: IdpConfig,
    /// The public signature verification service (`/verify`,
    /// `/api/v1/verify`): limits and revocation; it trusts the `idp` trust
    /// list.
    #[serde(default)]
    verify: portal::verify::VerifyConfig,
}

/// The `idp` section: every key optional; the defaults are the issue's.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdpConfig {
    /// A session unused this long ends (1800).
    idle_timeout_seconds: Option<u64>,
    /// A session ends this long after login (43200).
    absolute_timeout_seconds: Option<u64>,
    /// Failed logins that lock an account (5).
    max_failed_logins: Option<i64>,
    /// The first lock (900); each next one doubles.
    first_lock_seconds: Option<u64>,
    /// The longest lock (86400).
    max_lock_seconds: Option<u64>,
    /// Failed logins from one address in the window that refuse it (50).
    ip_max_failures: Option<i64>,
    /// The per-address window (900).
    ip_window_seconds: Option<u64>,
    /// Whether a locked account may still log in by e-signature (true).
    esig_login_when_locked: Option<bool>,
    /// The notifier's file outbox (DATA/outbox).
    outbox_dir: Option<PathBuf>,
    /// Send e-mail over SMTP (phone messages stay in the outbox).
    smtp: Option<idp::smtp::SmtpSettings>,
    /// Demo mode: the outbox page for anyone (on only for the demo).
    demo: Option<bool>,
    /// The `Secure` cookie attribute (default: on when tls_in_front).
    secure_cookies: Option<bool>,
    /// Send HSTS (default: on when tls_in_front).
    hsts: Option<bool>,
    /// Take the client address from X-Forwarded-For (behind a proxy only).
    trust_forwarded_for: Option<bool>,
    /// The issuer name authenticator apps show ("podpis").
    totp_issuer: Option<String>,
    /// Accredited CAs whose certificates may log in by e-signature: root
    /// certificate files or directories of them. With a CA in the
    /// database its own root is trusted as well.
    #[serde(default)]
    trust_roots: Vec<PathBuf>,
    /// Intermediate CA certificates (files or directories) for building
    /// the signers' paths.
    #[serde(default)]
    trust_intermediates: Vec<PathBuf>,
    /// The OpenID Connect issuer URL, as relying parties reach the server
    /// (default: `http://` + the listening address).
    issuer: Option<String>,
    /// Where the login page's script finds the signing agent (default
    /// `http://127.0.0.1:47213`); the page's connect-src allows it.
    agent_url: Option<String>,
}

impl Config {
    /// What `podpis demo` serves: the CA, its services (the TSA under
    /// `tsa_policy`), the provider and the cabinet on the SQLite database
    /// in `data`, the outbox page on, the login page looking for the agent
    /// at `agent_url`.
    pub(crate) fn for_demo(
        data: &Path,
        pin_file: &Path,
        tsa_policy: &str,
        agent_url: &str,
    ) -> Config {
        Config {
            data: Some(data.to_path_buf()),
            pin_file: Some(pin_file.to_path_buf()),
            tsa_policy: Some(tsa_policy.to_owned()),
            idp: IdpConfig {
                demo: Some(true),
                agent_url: Some(agent_url.to_owned()),
                ..IdpConfig::default()
            },
            ..Config::default()
        }
    }
}

impl IdpConfig {
    /// The provider's policy; `demo` and `tls` give the defaults the
    /// section does not set.
    fn policy(&self, demo: bool, tls: bool) -> idp::Policy {
        let d = idp::Policy::default();
        let secs = |v: Option<u64>, default: Duration| v.map_or(default, Duration::from_secs);
        idp::Policy {
            idle_timeout: secs(self.idle_timeout_seconds, d.idle_timeout),
            absolute_timeout: secs(self.absolute_timeout_seconds, d.absolute_timeout),
            lockout: store::accounts::LockRule {
                max_failures: self.max_failed_logins.unwrap_or(d.lockout.max_failures),
                first_lock: secs(self.first_lock_seconds, d.lockout.first_lock),
                max_lock: secs(self.max_lock_seconds, d.lockout.max_lock),
            },
            ip_max_failures: self.ip_max_failures.unwrap_or(d.ip_max_failures),
            ip_window: secs(self.ip_window_seconds, d.ip_window),
            esig_login_when_locked: self
                .esig_login_when_locked
                .unwrap_or(d.esig_login_when_locked),
            secure_cookies: self.secure_cookies.unwrap_or(tls),
            trust_forwarded_for: self.trust_forwarded_for.unwrap_or(false),
            totp_issuer: self.totp_issuer.clone().unwrap_or(d.totp_issuer.clone()),
            demo: self.demo.unwrap_or(demo),
            hsts: self.hsts.unwrap_or(tls),
            ..d
        }
    }
}

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Logs to stderr, `info` unless RUST_LOG says otherwise (the servers:
/// `serve`, `agent`, `demo`).
pub(crate) fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}

pub(crate) fn run(args: &ServeArgs) -> Result<()> {
    init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

fn read_config(path: Option<&Path>) -> Result<Config> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let text = std::fs::read(path)
        .with_context(|| format!("{}: не читается / cannot read", path.display()))?;
    serde_json::from_slice(&text).with_context(|| {
        format!(
            "{}: неверная конфигурация / invalid configuration",
            path.display()
        )
    })
}

async fn serve(args: &ServeArgs) -> Result<()> {
    let mut config = read_config(args.config.as_deref())?;
    // Options on the command line override the file.
    config.data = args.data.clone().or(config.data.take());
    config.database_url = args.database_url.clone().or(config.database_url.take());
    config.pin_file = args.pin_file.clone().or(config.pin_file.take());
    let listen = match args.listen.or(config.listen) {
        Some(a) => a,
        None => DEFAULT_LISTEN.parse().context("default address")?,
    };
    if !listen.ip().is_loopback() && !config.tls_in_front {
        bail!(
            "адрес {listen} не loopback: пароли операторов нельзя принимать без TLS. Поставьте \
             TLS-прокси и укажите \"tls_in_front\": true в --config / {listen} is not loopback: \
             operator passwords must not cross the network without TLS. Put a TLS-terminating \
             proxy in front and set \"tls_in_front\": true in --config"
        );
    }
    // Signal handlers first: a SIGTERM right after the address line is
    // printed must stop the server gracefully, not kill it.
    let stop = shutdown()?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("{listen}: адрес занят или недоступен / cannot listen"))?;
    serve_on(&config, args.config.is_none(), listener, stop).await
}

/// Serves `config` on `listener` until `stop` resolves (`podpis serve`,
/// `podpis demo`). With no CA in the database and `no_config_file` it is
/// the cabinet-only demo of [`ServeArgs`].
pub(crate) async fn serve_on(
    config: &Config,
    no_config_file: bool,
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let data = config.data.clone().unwrap_or_else(|| PathBuf::from("data"));
    let database_url = config.database_url.clone();
    let pin_file = config.pin_file.clone();
    // A CA is served when the database holds one; otherwise only the
    // identity provider and the cabinet (on the same database).
    let url = match &database_url {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&data).with_context(|| {
                format!("{}: каталог не создаётся / cannot create", data.display())
            })?;
            Store::sqlite_url(&data.join(CA_DB_FILE))
        }
    };
    let store = Store::open(&url)
        .await
        .map_err(|e| crate::files::user_error(&e))?;
    let ca_here = store
        .authority(store::CaRole::Issuing)
        .await
        .map_err(|e| crate::files::user_error(&e))?
        .is_some();
    let ca_parts = if ca_here {
        Some(open_ca(config, &data, database_url.as_deref(), pin_file.as_deref()).await?)
    } else {
        tracing::info!(
            data = %data.display(),
            "no CA in the database: serving the identity provider and the cabinet only"
        );
        None
    };
    let store = match &ca_parts {
        Some(parts) => parts.ca.store().clone(),
        None => store,
    };
    // The demo: no CA and no configuration file.
    let demo = !ca_here && no_config_file;
    let policy = config.idp.policy(demo, config.tls_in_front);
    if policy.demo {
        tracing::warn!(
            "demo mode: the outbox page at /demo/outbox shows every message sent (one-time codes included)"
        );
    }
    let keys = idp::ServerKeys::load_or_create(&data).map_err(|e| crate::files::user_error(&e))?;
    let outbox = config
        .idp
        .outbox_dir
        .clone()
        .unwrap_or_else(|| data.join("outbox"));
    let outbox: Arc<dyn idp::Notifier> = Arc::new(idp::FileOutbox::new(outbox));
    let notifier: Arc<dyn idp::Notifier> = match &config.idp.smtp {
        Some(smtp) => Arc::new(
            idp::smtp::SmtpNotifier::new(smtp, outbox).map_err(|e| crate::files::user_error(&e))?,
        ),
        None => outbox,
    };
    let idp = idp::Idp::new(store, Arc::new(idp::SystemClock), keys, notifier, policy);
    let local = listener.local_addr()?;
    tracing::info!(address = %local, "listening");
    // The address line is for scripts and tests that start on port 0.
    println!("listening on http://{local}");
    let extras = Extras::open(
        config,
        &data,
        &idp,
        ca_parts.as_ref().map(|p| &p.ca),
        &format!("http://{local}"),
    )?;
    let server_config = ServerConfig {
        max_connections: config.max_connections.unwrap_or(10_000).max(1),
        ..ServerConfig::default()
    };
    let server = match ca_parts {
        Some(parts) => {
            let (publication, publication_config) =
                (parts.publication.clone(), parts.publication_config.clone());
            publication.server(
                &publication_config,
                server_config,
                app(Some(parts), idp, extras),
            )
        }
        None => HttpServer::new(app(None, idp, extras), server_config),
    };
    server
        .serve(listener, stop)
        .await
        .context("server failed")?;
    tracing::info!("stopped");
    Ok(())
}

/// The SQLite file in the data directory (the CA's and the provider's).
const CA_DB_FILE: &str = "podpis.db";

/// The CA, its API settings, and its publication services (started).
struct CaParts {
    ca: Ca,
    api_config: ApiConfig,
    publication: Arc<Publication>,
    publication_config: PublicationConfig,
}

/// Opens the CA and starts its publication services.
async fn open_ca(
    config: &Config,
    data: &Path,
    database_url: Option<&str>,
    pin_file: Option<&Path>,
) -> Result<CaParts> {
    let defaults = ApiConfig::default();
    let api_config = ApiConfig {
        body_limit: config.body_limit_bytes.unwrap_or(defaults.body_limit),
        timeout: config
            .timeout_seconds
            .map_or(defaults.timeout, Duration::from_secs),
        lockout: Lockout {
            max_failures: config
                .max_failed_logins
                .unwrap_or(defaults.lockout.max_failures),
            lock_for: config
                .lockout_seconds
                .map_or(defaults.lockout.lock_for, Duration::from_secs),
        },
    };
    let tsa_policy = config
        .tsa_policy
        .as_deref()
        .map(|oid| {
            oid.parse::<ObjectIdentifier>().with_context(|| {
                format!("tsa_policy {oid:?}: не OID / not an OID (e.g. 1.2.643.2.2.38.4)")
            })
        })
        .transpose()?;
    let keys =
        crate::ca::open_for_server(data, database_url, pin_file, tsa_policy.is_some()).await?;
    tracing::info!(issuing = %keys.ca.issuing().record.subject, "CA opened");
    // Without a TSA the policy is never read; "0.0" only fills the field.
    let setup = PublicationSetup::new(tsa_policy.unwrap_or(ObjectIdentifier::new_unwrap("0.0")));
    let (publication, status) =
        ca::service::publication_for(&keys.ca, Some(keys.ocsp), keys.tsa, &setup)
            .await
            .map_err(|e| crate::files::user_error(&e))?;
    let publication_config = PublicationConfig {
        poll_changes: Some(Duration::from_secs(config.poll_seconds.unwrap_or(5).max(1))),
        presign_ocsp: config.presign_ocsp.unwrap_or(true),
        ..PublicationConfig::default()
    };
    // The tasks run detached for the server's life.
    let _tasks = publication
        .start(status, &publication_config)
        .await
        .map_err(|e| crate::files::user_error(&e))?;
    Ok(CaParts {
        ca: keys.ca,
        api_config,
        publication,
        publication_config,
    })
}

/// Every router the server runs: the identity provider's API, the
/// cabinet's pages, the OpenAPI document and, with a CA, its registration
/// API and operator pages. The CA's publication services (OCSP responder,
/// CRL, TSA) are added by `Publication::server`.
fn app(ca: Option<CaParts>, idp: idp::Idp, extras: Extras) -> Router {
    let mut router = Router::new()
        .merge(idp::api::account::router(idp.clone()))
        .merge(idp::api::esig::router(idp::api::esig::EsigApi {
            secure_cookies: idp.policy().secure_cookies,
            idp: idp.clone(),
            esig: extras.esig.clone(),
        }))
        .merge(idp::oidc::router(extras.oidc))
        .merge(portal::verify::router(idp.clone(), extras.verify))
        .merge(portal::router_with(idp, extras.esig, extras.portal));
    let with_ca = ca.is_some();
    if let Some(parts) = ca {
        router = router.merge(ca::api::router(ApiState::new(parts.ca, parts.api_config)));
    }
    router.merge(openapi::router(with_ca))
}

/// The identity provider's parts beside its accounts: the e-signature
/// login (trust list, revocation over HTTP), the OpenID Connect provider
/// (keys in `DATA/oidc-keys.json`), and the portal's options.
struct Extras {
    esig: Arc<idp::esig::Esig>,
    oidc: Arc<idp::oidc::Oidc>,
    portal: portal::PortalOptions,
    /// The verification service, on the same trust list and revocation source.
    verify: Arc<portal::verify::Verifier>,
}

impl Extras {
    fn open(
        config: &Config,
        data: &Path,
        idp: &idp::Idp,
        ca: Option<&Ca>,
        default_issuer: &str,
    ) -> Result<Extras> {
        let mut trust =
            idp::trust::TrustList::load(&config.idp.trust_roots, &config.idp.trust_intermediates)
                .map_err(|e| crate::files::user_error(&e))?;
        if let Some(ca) = ca {
            trust
                .add_anchor(ca.root().cert.clone())
                .map_err(|e| crate::files::user_error(&e))?;
            trust.add_intermediate(ca.issuing().cert.clone());
        }
        let source: Arc<dyn pki::revocation::RevocationSource> = Arc::new(
            idp::trust::HttpRevocationSource::new(Duration::from_secs(5)),
        );
        let verify = Arc::new(portal::verify::Verifier::new(
            trust.clone(),
            Some(source.clone()),
            config.verify.clone(),
            Arc::new(idp::SystemClock),
        ));
        let esig = Arc::new(idp::esig::Esig::for_idp(
            idp,
            idp::esig::EsigConfig::new(trust),
            Some(source),
        ));
        let keys = idp::oidc::ProviderKeys::load_or_create(
            &data.join(crate::idp::KEY_FILE),
            std::time::SystemTime::now(),
        )
        .map_err(|e| crate::files::user_error(&e))?;
        let issuer = config.idp.issuer.as_deref().unwrap_or(default_issuer);
        let oidc = idp::oidc::Oidc::new(
            idp.store().clone(),
            Arc::new(idp::SystemClock),
            Arc::new(keys),
            Arc::new(idp::oidc::IdpSessions::new(idp.clone())),
            idp::oidc::OidcConfig {
                trust_forwarded_for: idp.policy().trust_forwarded_for,
                ..idp::oidc::OidcConfig::new(issuer)
            },
        );
        let agent_url = match config.idp.agent_url.as_deref() {
            None => portal::AgentUrl::default(),
            Some(url) => portal::AgentUrl::parse(url).with_context(|| {
                format!(
                    "agent_url {url:?}: нужен адрес вида http://127.0.0.1:47213 / \
                     expected an address like http://127.0.0.1:47213"
                )
            })?,
        };
        Ok(Extras {
            esig,
            oidc,
            portal: portal::PortalOptions { agent_url },
            verify,
        })
    }
}

/// Installs the SIGTERM and SIGINT (Ctrl-C) handlers now; the future
/// resolves on either.
#[cfg(unix)]
pub(crate) fn shutdown() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("SIGINT handler")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        tracing::info!("shutting down");
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
pub(crate) fn shutdown() -> Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
}
