//! `podpis agent`: the local signing agent (crates/agent) on 127.0.0.1 and
//! [::1], and its allow-list of web origins (`podpis agent origins`).
//!
//! Configuration: `agent.json` in the config directory (`--config-dir`,
//! else `$XDG_CONFIG_HOME/podpis`, else `~/.config/podpis`) with `port`,
//! `containers` and `pkcs11_modules`; command-line options add to it. The
//! allow-list is `agent-origins.json` in the same directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use pki::Diagnostic;
use serde::Deserialize;

use agent::keys::{KeySource, Keys};
use agent::origins::OriginStore;
use agent::{Agent, AgentConfig, DEFAULT_PORT, SystemClock};

/// Options of `podpis agent`.
#[derive(Debug, Args)]
#[command(
    about = "Локальный агент подписи для веб-страниц / The local signing agent for web pages",
    long_about = "\
Запускает агент подписи: локальную службу на 127.0.0.1 и [::1] (порт 47213), через которую \
разрешённые сайты видят ваши сертификаты и просят подпись. Каждую подпись вы подтверждаете \
PIN-кодом в окне агента. Без подкоманды агент запускается; `origins` — список разрешённых сайтов.

Starts the signing agent: a local service on 127.0.0.1 and [::1] (port 47213) through which \
allowed web sites see your certificates and ask for signatures (the JavaScript SDK in web/sdk). \
You confirm every signature with the PIN in the agent's window. Without a subcommand the agent \
runs; `origins` manages the allow-list. Keys: --container files and --pkcs11 modules, added to \
those in agent.json of the config directory. See docs/agent.md.",
    after_help = "\
Examples / Примеры:
  podpis agent --container ~/keys/ivanov.pdp
  podpis agent --pkcs11 /usr/lib/librtpkcs11ecp.so
  podpis agent origins list
  podpis agent origins revoke https://portal.example.ru",
    args_conflicts_with_subcommands = true
)]
pub(crate) struct AgentArgs {
    #[command(subcommand)]
    command: Option<AgentCommand>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum AgentCommand {
    /// Разрешённые сайты / The allowed web origins
    #[command(subcommand)]
    Origins(OriginsCommand),
}

#[derive(Debug, Subcommand)]
enum OriginsCommand {
    /// Показать разрешённые сайты / List the allowed origins
    List {
        #[command(flatten)]
        dir: ConfigDir,
        /// JSON output / вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Отозвать разрешение сайта / Revoke an origin
    Revoke {
        /// The origin, e.g. https://portal.example.ru / сайт
        origin: String,
        #[command(flatten)]
        dir: ConfigDir,
    },
    /// Разрешить сайт заранее / Allow an origin in advance
    Allow {
        /// The origin, e.g. https://portal.example.ru / сайт
        origin: String,
        #[command(flatten)]
        dir: ConfigDir,
    },
}

#[derive(Debug, Args)]
struct ConfigDir {
    /// Config directory (default $XDG_CONFIG_HOME/podpis) / каталог настроек
    #[arg(long, value_name = "DIR")]
    config_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    dir: ConfigDir,
    /// Port on 127.0.0.1 and [::1] (default 47213; 0 picks a free one) / порт
    #[arg(long, value_name = "PORT")]
    port: Option<u16>,
    /// A podpis key container with keys and certificates (repeatable) / контейнер ключей
    #[arg(long, value_name = "FILE")]
    container: Vec<PathBuf>,
    /// A PKCS#11 token module (repeatable) / модуль PKCS#11 токена
    #[arg(long, value_name = "MODULE.so")]
    pkcs11: Vec<PathBuf>,
}

/// `agent.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    port: Option<u16>,
    #[serde(default)]
    containers: Vec<PathBuf>,
    #[serde(default)]
    pkcs11_modules: Vec<PathBuf>,
}

fn config_dir(dir: &ConfigDir) -> Result<PathBuf> {
    if let Some(d) = &dir.config_dir {
        return Ok(d.clone());
    }
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(x).join("podpis"));
    }
    match std::env::var_os("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(".config/podpis")),
        None => bail!(
            "не найден каталог настроек: укажите --config-dir / no config directory: pass --config-dir"
        ),
    }
}

fn origins_store(dir: &ConfigDir) -> Result<OriginStore> {
    Ok(origins_in(&config_dir(dir)?))
}

fn agent_error(e: &agent::AgentError) -> anyhow::Error {
    anyhow::anyhow!("{} [{}]\n{}", e.message_ru(), e.code(), e.message_en())
}

pub(crate) fn run(args: &AgentArgs) -> Result<()> {
    match &args.command {
        None => run_agent(&args.run),
        Some(AgentCommand::Origins(cmd)) => origins(cmd),
    }
}

fn origins(cmd: &OriginsCommand) -> Result<()> {
    match cmd {
        OriginsCommand::List { dir, json } => {
            let list = origins_store(dir)?.list().map_err(|e| agent_error(&e))?;
            if *json {
                let v: Vec<_> = list
                    .iter()
                    .map(
                        |o| serde_json::json!({ "origin": o.origin, "approved_at": o.approved_at }),
                    )
                    .collect();
                println!("{}", serde_json::Value::from(v));
            } else if list.is_empty() {
                println!("разрешённых сайтов нет / no origins are allowed");
            } else {
                for o in list {
                    println!(
                        "{}\t{}",
                        o.origin,
                        der::DateTime::from_unix_duration(std::time::Duration::from_secs(
                            o.approved_at
                        ))
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                    );
                }
            }
            Ok(())
        }
        OriginsCommand::Revoke { origin, dir } => {
            if origins_store(dir)?
                .revoke(origin)
                .map_err(|e| agent_error(&e))?
            {
                println!("отозвано / revoked: {origin}");
                Ok(())
            } else {
                bail!("сайта {origin} нет в списке / {origin} is not in the allow-list")
            }
        }
        OriginsCommand::Allow { origin, dir } => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let origin = origins_store(dir)?
                .allow(origin, now)
                .map_err(|e| agent_error(&e))?;
            println!("разрешено / allowed: {origin}");
            Ok(())
        }
    }
}

fn read_file_config(dir: &Path) -> Result<FileConfig> {
    let path = dir.join("agent.json");
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{}: неверный JSON / bad JSON", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(e) => Err(e).with_context(|| format!("{}", path.display())),
    }
}

/// The port in `dir`'s agent.json, and the key sources: its containers
/// and PKCS#11 modules, then `containers` and `modules`.
pub(crate) fn configured(
    dir: &Path,
    containers: &[PathBuf],
    modules: &[PathBuf],
) -> Result<(Option<u16>, Vec<KeySource>)> {
    let file = read_file_config(dir)?;
    let mut sources: Vec<KeySource> = file
        .containers
        .iter()
        .chain(containers)
        .map(|p| KeySource::Container(p.clone()))
        .collect();
    for path in file.pkcs11_modules.iter().chain(modules) {
        let module = token::pkcs11::Pkcs11Module::load(path).map_err(|e| {
            anyhow::anyhow!("{} [{}]\n{}", e.message_ru(), e.code(), e.message_en())
        })?;
        sources.push(KeySource::Pkcs11 {
            path: path.clone(),
            module: Arc::new(module),
        });
    }
    Ok((file.port, sources))
}

/// The allow-list file in the config directory `dir`.
pub(crate) fn origins_in(dir: &Path) -> OriginStore {
    OriginStore::new(dir.join("agent-origins.json"))
}

fn run_agent(args: &RunArgs) -> Result<()> {
    crate::serve::init_logging();
    let dir = config_dir(&args.dir)?;
    let (file_port, sources) = configured(&dir, &args.container, &args.pkcs11)?;
    let port = args.port.or(file_port).unwrap_or(DEFAULT_PORT);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let stop = crate::serve::shutdown()?;
        let listeners = bind(port).await?;
        println!("listening on {}", listeners.url());
        serve_on(listeners, Keys::new(sources), origins_in(&dir), stop).await
    })
}

/// The agent's sockets: 127.0.0.1 and, when the system has it, [::1] on
/// the same port.
pub(crate) struct Listeners {
    v4: tokio::net::TcpListener,
    v6: Option<tokio::net::TcpListener>,
    port: u16,
}

impl Listeners {
    /// The agent's URL, `http://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Binds the agent's port (0 picks a free one).
pub(crate) async fn bind(port: u16) -> Result<Listeners> {
    let v4 = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| {
            format!("127.0.0.1:{port}: порт занят — агент уже запущен? / port in use — is the agent running already?")
        })?;
    let port = v4.local_addr()?.port();
    // IPv6 loopback on the same port, when the system has it.
    let v6 = match tokio::net::TcpListener::bind(("::1", port)).await {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(error = %e, "no IPv6 loopback; listening on 127.0.0.1 only");
            None
        }
    };
    Ok(Listeners { v4, v6, port })
}

/// Runs the agent with `keys` and the allow-list `origins` on `listeners`
/// until `stop` resolves (`podpis agent`, `podpis demo`).
pub(crate) async fn serve_on(
    listeners: Listeners,
    keys: Keys,
    origins: OriginStore,
    stop: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let Listeners { v4, v6, port } = listeners;
    let agent = Arc::new(
        Agent::new(AgentConfig::new(port), keys, origins, Arc::new(SystemClock))
            .map_err(|e| agent_error(&e))?,
    );
    let app = agent::http::router(agent);
    let (tx, rx) = tokio::sync::watch::channel(false);
    let wait = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    tracing::info!(port, "signing agent listening");
    let first = axum::serve(v4, app.clone()).with_graceful_shutdown(wait(rx.clone()));
    let signal = async move {
        stop.await;
        let _ = tx.send(true);
    };
    match v6 {
        Some(v6) => {
            let second = axum::serve(v6, app).with_graceful_shutdown(wait(rx));
            let (a, b, ()) = tokio::join!(first.into_future(), second.into_future(), signal);
            a.context("server failed")?;
            b.context("server failed")?;
        }
        None => {
            let (a, ()) = tokio::join!(first.into_future(), signal);
            a.context("server failed")?;
        }
    }
    tracing::info!("stopped");
    Ok(())
}
