//! Test databases on both backends (feature `testing`): a SQLite file in a
//! temporary directory and a fresh, uniquely named PostgreSQL database on
//! the local server, dropped afterwards. Every storage test runs on both.
//!
//! The PostgreSQL server is the local one the test script starts:
//! 127.0.0.1:5432, user `postgres`, trust authentication
//! (`PODPIS_TEST_POSTGRES` overrides the server URL, without a database).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use crate::{Backend, Store};

/// The local test server, without a database name.
fn server() -> String {
    std::env::var("PODPIS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// A database for one test; removed when dropped.
#[derive(Debug)]
pub struct TestDb {
    backend: Backend,
    url: String,
    /// The SQLite file's directory.
    dir: Option<tempfile::TempDir>,
    /// The PostgreSQL database's name.
    pg_name: Option<String>,
}

impl TestDb {
    /// A SQLite database file in a new temporary directory.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = Store::sqlite_url(&dir.path().join("podpis.db"));
        TestDb {
            backend: Backend::Sqlite,
            url,
            dir: Some(dir),
            pg_name: None,
        }
    }

    /// A new, empty PostgreSQL database on the local server.
    pub async fn postgres() -> TestDb {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let mut rnd = [0u8; 4];
        getrandom::fill(&mut rnd).unwrap();
        let name = format!(
            "podpis_test_{}_{}_{:08x}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed),
            u32::from_le_bytes(rnd)
        );
        let mut admin = PgConnection::connect(&format!("{}/postgres", server()))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is not reachable at {} ({e}); scripts/test starts it \
                     (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)",
                    server()
                )
            });
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let _ = admin.close().await;
        TestDb {
            backend: Backend::Postgres,
            url: format!("{}/{name}", server()),
            dir: None,
            pg_name: Some(name),
        }
    }

    /// Both: SQLite first, then PostgreSQL.
    pub async fn both() -> Vec<TestDb> {
        vec![TestDb::sqlite(), TestDb::postgres().await]
    }

    /// The database URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Which backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// `sqlite` or `postgres`, for assertion messages.
    pub fn name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// The SQLite file's directory.
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.dir.as_ref().map(|d| d.path())
    }

    /// Opens (and migrates) the database.
    pub async fn open(&self) -> Store {
        Store::open(&self.url)
            .await
            .unwrap_or_else(|e| panic!("{}: open: {e}", self.name()))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Dropped inside or outside a runtime: do it on a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut admin) =
                    PgConnection::connect(&format!("{}/postgres", server())).await
                {
                    let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}
