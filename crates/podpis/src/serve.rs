//! `podpis serve`: the CA's HTTP server — the registration REST API and
//! operator pages (`ca::api`, `ca::pages`) and the publication services
//! (OCSP, CRL, TSP; `ca::service::publication_for`), served by
//! `ca::server::HttpServer` (hyper, the OCSP routes on its fast path).
//! tokio, `tracing` logs to stderr (never secrets), graceful shutdown on
//! SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use ca::api::{ApiConfig, ApiState, Lockout};
use ca::http::PublicationConfig;
use ca::server::ServerConfig;
use ca::service::PublicationSetup;
use clap::Args;
use const_oid::ObjectIdentifier;
use serde::Deserialize;

/// `podpis serve …`
#[derive(Debug, Args)]
#[command(
    about = "Запустить сервер УЦ / Run the CA server",
    long_about = "\
Запускает HTTP-сервер УЦ: REST API регистрации (/api/v1/, см. docs/api.md), страницы операторов, \
OCSP (/ocsp), СОС (/crl/ca.crl) и, если в конфигурации задан tsa_policy, службу штампов времени \
(/tsp). Ключ выпускающего УЦ \
открывается при запуске (PIN — из --pin-file, PODPIS_PIN или с терминала). Операторы входят по \
HTTP Basic (учётные записи: podpis ca operator add); пароли по сети передаются только через TLS: \
сервер слушает адрес loopback, а на другом адресе запускается, только если в конфигурации \
указано \"tls_in_front\": true (TLS завершает обратный прокси). Останавливается по SIGTERM или \
Ctrl-C, дожидаясь текущих запросов.

Runs the CA's HTTP server: the registration REST API (/api/v1/, see docs/api.md), the operator \
pages, OCSP (/ocsp), the CRL (/crl/ca.crl) and, when the configuration sets tsa_policy, the \
time-stamp service (/tsp). The issuing \
CA key is opened at start (PIN from --pin-file, PODPIS_PIN or the terminal). Operators log in \
with HTTP Basic (accounts: podpis ca operator add); passwords cross the network only inside TLS: \
the server listens on loopback, and on another address only when the configuration says \
\"tls_in_front\": true (a reverse proxy terminates TLS). SIGTERM or Ctrl-C stops it after the \
calls in flight. Options on the command line override the configuration file (JSON, see \
docs/operations.md).",
    after_help = "\
Example / Пример:
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
struct Config {
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
}

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

pub(crate) fn run(args: &ServeArgs) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
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
    let config = read_config(args.config.as_deref())?;
    let data = args
        .data
        .clone()
        .or(config.data.clone())
        .unwrap_or_else(|| PathBuf::from("data"));
    let database_url = args.database_url.clone().or(config.database_url.clone());
    let pin_file = args.pin_file.clone().or(config.pin_file.clone());
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
    let keys = crate::ca::open_for_server(
        &data,
        database_url.as_deref(),
        pin_file.as_deref(),
        tsa_policy.is_some(),
    )
    .await?;
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
    let _tasks = publication
        .start(status, &publication_config)
        .await
        .map_err(|e| crate::files::user_error(&e))?;
    let ca = keys.ca;
    let server = publication.server(
        &publication_config,
        ServerConfig {
            max_connections: config.max_connections.unwrap_or(10_000).max(1),
            ..ServerConfig::default()
        },
        ca::api::router(ApiState::new(ca, api_config)),
    );
    // Signal handlers first: a SIGTERM right after the address line is
    // printed must stop the server gracefully, not kill it.
    let stop = shutdown()?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("{listen}: адрес занят или недоступен / cannot listen"))?;
    let local = listener.local_addr()?;
    tracing::info!(address = %local, "listening");
    // The address line is for scripts and tests that start on port 0.
    println!("listening on http://{local}");
    server
        .serve(listener, stop)
        .await
        .context("server failed")?;
    tracing::info!("stopped");
    Ok(())
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
