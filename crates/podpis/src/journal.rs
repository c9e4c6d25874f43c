//! `podpis journal verify`: checks the users' action journal of the
//! identity provider — every entry's HMAC-Streebog-256, every link of
//! every chain, every chain's head — under the server key of the data
//! directory (`keys/idp.key`), and reports each edit or deletion it finds.
//! Exit status: 0 intact, 2 damaged (the report says where), 1 when the
//! check could not run.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use idp::ServerKeys;
use store::Store;

use crate::files::{print, user_error};

/// `podpis journal …`
#[derive(Debug, Args)]
#[command(
    about = "Журнал действий пользователей / Users' action journal",
    long_about = "\
Журнал действий пользователей (входы, подписи, изменения настроек): только дописывается, \
записи сцеплены HMAC-Стрибог-256 под ключом сервера (keys/idp.key в каталоге данных).

The users' action journal (logins, signatures, settings changes): append-only, its entries \
chained with HMAC-Streebog-256 under the server key (keys/idp.key in the data directory)."
)]
pub(crate) struct JournalArgs {
    #[command(subcommand)]
    command: JournalCommand,
}

#[derive(Debug, Subcommand)]
enum JournalCommand {
    Verify(VerifyArgs),
}

/// `podpis journal verify`
#[derive(Debug, Args)]
#[command(
    about = "Проверить целостность журнала / Check the journal's integrity",
    long_about = "\
Проверяет каждую запись (HMAC), каждую связь цепочки и последнюю запись каждой цепочки. \
Находит изменённые, удалённые (в середине и в конце), переставленные и перенесённые записи. \
Код выхода: 0 — журнал цел, 2 — журнал повреждён (отчёт называет цепочку и запись), 1 — \
проверку выполнить не удалось.

Checks every entry (HMAC), every link of every chain and every chain's newest entry. Finds \
edited, deleted (in the middle and at the end), reordered and moved entries. Exit status: 0 \
intact, 2 damaged (the report names the chain and the entry), 1 the check could not run.",
    after_help = "\
Examples / Примеры:
  podpis journal verify --data data
  podpis journal verify --data data --db postgres://podpis@db/podpis --json"
)]
struct VerifyArgs {
    /// The data directory (keys/idp.key; podpis.db unless --db) / каталог данных
    #[arg(long, value_name = "DIR", default_value = "data")]
    data: PathBuf,
    /// PostgreSQL instead of the SQLite file, e.g. postgres://podpis@db/podpis / адрес PostgreSQL
    #[arg(long, value_name = "URL", alias = "database-url")]
    db: Option<String>,
    /// Print the report as JSON / отчёт в JSON
    #[arg(long)]
    json: bool,
}

/// The database file in a data directory.
const DB_FILE: &str = "podpis.db";

pub(crate) fn run(args: &JournalArgs) -> Result<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    match &args.command {
        JournalCommand::Verify(a) => runtime.block_on(verify(a)),
    }
}

async fn verify(args: &VerifyArgs) -> Result<u8> {
    let keys = ServerKeys::load(&args.data).map_err(|e| user_error(&e))?;
    let url = match &args.db {
        Some(url) => url.clone(),
        None => {
            let file = args.data.join(DB_FILE);
            if !file.exists() {
                anyhow::bail!(
                    "в {} нет базы {DB_FILE}; укажите --data или --db / no {DB_FILE} in {}; give --data or --db",
                    args.data.display(),
                    args.data.display()
                );
            }
            Store::sqlite_url(&file)
        }
    };
    let store = Store::open(&url).await.map_err(|e| user_error(&e))?;
    let report = idp::journal::verify(&store, &keys)
        .await
        .map_err(|e| user_error(&e))?;
    store.close().await;
    if args.json {
        let mut text = serde_json::to_string_pretty(&serde_json::json!({
            "intact": report.is_intact(),
            "chains": report.chains,
            "entries": report.entries,
            "problems": report.problems,
        }))?;
        text.push('\n');
        print(&text)?;
    } else if report.is_intact() {
        print(&format!(
            "Журнал цел: цепочек {}, записей {}.\nThe journal is intact: {} chains, {} entries.\n",
            report.chains, report.entries, report.chains, report.entries
        ))?;
    } else {
        let mut text = format!(
            "ЖУРНАЛ ПОВРЕЖДЁН: найдено нарушений {} (цепочек {}, записей {}).\n\
             THE JOURNAL IS DAMAGED: {} problems found ({} chains, {} entries).\n",
            report.problems.len(),
            report.chains,
            report.entries,
            report.problems.len(),
            report.chains,
            report.entries
        );
        for p in &report.problems {
            text.push_str(&format!("  {p}\n"));
        }
        print(&text)?;
    }
    Ok(if report.is_intact() { 0 } else { 2 })
}
