//! `podpis journal verify` on a data directory (SQLite) and with `--db`
//! (PostgreSQL): an intact journal passes (exit 0); an entry edited behind
//! the triggers' back, or the newest entries deleted, fail (exit 2) with a
//! report naming the chain and the entry; a missing key is an error
//! (exit 1).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use idp::ServerKeys;
use serde_json::Value;
use store::action_journal::{ActionEntry, OK};
use store::testing::TestDb;
use store::{Backend, Store};

fn podpis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_podpis"))
        .args(args)
        .output()
        .expect("the podpis binary runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

async fn write_entries(store: &Store, keys: &ServerKeys) {
    let store = store.clone().with_journal_key(keys.journal_key());
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    for i in 0..4 {
        for who in [Some(1), Some(2), None] {
            store
                .append_action(
                    at + Duration::from_secs(i),
                    &ActionEntry::new(
                        who,
                        "login.password",
                        if i == 2 { "LOGIN_FAILED" } else { OK },
                    )
                    .client(Some("10.0.0.1"), Some("UA")),
                )
                .await
                .unwrap();
        }
    }
}

async fn tamper(url: &str, backend: Backend, sql: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    let drop = match backend {
        Backend::Sqlite => {
            "DROP TRIGGER IF EXISTS action_journal_no_update; DROP TRIGGER IF EXISTS action_journal_no_delete;"
        }
        Backend::Postgres => "DROP TRIGGER IF EXISTS action_journal_no_update ON action_journal;",
    };
    sqlx::raw_sql(drop).execute(&pool).await.unwrap();
    sqlx::raw_sql(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

fn run_case(data: &Path, url: &str, backend: Backend, db_args: &[&str]) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let keys = ServerKeys::load_or_create(data).unwrap();
    rt.block_on(async {
        let store = Store::open(url).await.unwrap();
        write_entries(&store, &keys).await;
        store.close().await;
    });
    let data_s = data.to_str().unwrap();
    let mut args = vec!["journal", "verify", "--data", data_s];
    args.extend_from_slice(db_args);

    let out = podpis(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("Журнал цел: цепочек 3, записей 12"),
        "{}",
        text(&out)
    );
    let mut json_args = args.clone();
    json_args.push("--json");
    let out = podpis(&json_args);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["intact"].clone(), v["entries"].clone()),
        (Value::Bool(true), Value::from(12))
    );

    // An entry's result rewritten from a failure to a success.
    rt.block_on(tamper(
        url,
        backend,
        "UPDATE action_journal SET result = 'ok' WHERE result = 'LOGIN_FAILED' AND chain = 'account:1'",
    ));
    let out = podpis(&args);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("ЖУРНАЛ ПОВРЕЖДЁН") && t.contains("THE JOURNAL IS DAMAGED"),
        "{t}"
    );
    assert!(
        t.contains("chain account:1 seq 3") && t.contains("was edited"),
        "{t}"
    );
    // The newest entries of another chain deleted.
    rt.block_on(tamper(
        url,
        backend,
        "DELETE FROM action_journal WHERE chain = 'account:2' AND seq >= 3",
    ));
    let out = podpis(&json_args);
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"altered") && kinds.contains(&"tail_missing"),
        "{v}"
    );

    // Without the server key the check cannot run.
    let empty = tempfile::tempdir().unwrap();
    let mut no_key = vec![
        "journal",
        "verify",
        "--data",
        empty.path().to_str().unwrap(),
    ];
    no_key.extend_from_slice(db_args);
    let out = podpis(&no_key);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("[IDP_KEYS_UNAVAILABLE]"),
        "{}",
        text(&out)
    );
}

#[test]
fn verify_a_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let url = Store::sqlite_url(&dir.path().join("podpis.db"));
    run_case(dir.path(), &url, Backend::Sqlite, &[]);
    // No database in the directory: said so.
    let empty = tempfile::tempdir().unwrap();
    ServerKeys::load_or_create(empty.path()).unwrap();
    let out = podpis(&[
        "journal",
        "verify",
        "--data",
        empty.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("no podpis.db"), "{}", text(&out));
}

#[test]
fn verify_a_postgresql_database() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = rt.block_on(TestDb::postgres());
    let dir = tempfile::tempdir().unwrap();
    run_case(dir.path(), db.url(), Backend::Postgres, &["--db", db.url()]);
}

#[test]
fn help_names_the_exit_codes() {
    let out = podpis(&["journal", "verify", "--help"]);
    let t = text(&out);
    assert!(out.status.success());
    assert!(t.contains("2 damaged") && t.contains("--db"), "{t}");
}
