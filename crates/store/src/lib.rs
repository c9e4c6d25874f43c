//! # podpis-store
//!
//! Persistence for the podpis servers (`ca`, later `idp` and `portal`): one
//! schema for SQLite (the default, a file under the data directory) and
//! PostgreSQL (by URL), with numbered migrations that refuse to downgrade.
//! Only the server crates use it; library crates below them never touch a
//! database.
//!
//! * [`Store`]: a connection pool and the migration runner; one module per
//!   aggregate adds its operations: [`authority`] (the CA certificates),
//!   [`requests`] (requests and identifications), [`certificates`]
//!   (issuance and revocation status), [`journal`], [`counters`],
//!   [`operators`] (operator accounts, applicants' request tokens); for
//!   the identity provider [`accounts`] (accounts, one-time flows, failure
//!   counters), [`sessions`], the hash-chained [`action_journal`], [`esig`]
//!   (login challenges, bound certificates) and [`oidc`] (the OpenID
//!   Connect provider's clients, consents, grants).
//! * Every operation that changes state runs in one transaction together
//!   with its journal entry, so the journal never misses or invents a
//!   change. On SQLite write transactions start with `BEGIN IMMEDIATE` (no
//!   lock upgrades, so no deadlocks between writers); on PostgreSQL state
//!   changes are compare-and-set (`UPDATE … WHERE state = expected`).
//! * The same SQL runs on both: sqlx's `any` driver, `$n` placeholders,
//!   integers for times (Unix seconds). The two migration dialects differ
//!   only in spelling (identity columns, BLOB/BYTEA, trigger syntax).
#![forbid(unsafe_code)]

pub mod accounts;
pub mod action_journal;
pub mod authority;
pub mod certificates;
pub mod counters;
mod error;
pub mod esig;
pub mod journal;
mod migrate;
mod model;
pub mod oidc;
pub mod operators;
pub mod requests;
pub mod sessions;
#[cfg(feature = "testing")]
pub mod testing;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};

pub use error::StoreError;
pub use migrate::SCHEMA_VERSION;
pub use model::{
    Audit, CaRecord, CaRole, CertStatus, CertificateRecord, Identification, JournalEntry,
    JournalFilter, NewCa, NewCertificate, NewRequest, RequestRecord, RequestState, Serial,
    SerialStatus, StatusChange, StatusEntry, reason_code, reason_from_code,
};
pub use operators::OperatorAccount;

/// The database behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (WAL, foreign keys on, busy timeout).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A point inside a state-changing transaction where a test can make it
/// fail, to prove that a failure midway leaves nothing behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailPoint {
    /// The change is written, its journal entry not yet.
    BeforeJournal,
    /// Everything is written, the transaction not yet committed.
    BeforeCommit,
}

/// Every SQLite connection: durable commits (synchronous=FULL), readers
/// that never block the writer (WAL), references enforced, and a writer
/// waits up to 30 s for another one before giving up.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                              PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000;";

/// A pooled connection idle for this long is pinged before it is handed
/// out again ([`Store::open_with_pool`]).
const PING_IDLE: Duration = Duration::from_secs(1);

/// The podpis database: a connection pool over SQLite or PostgreSQL with
/// the schema migrated to [`SCHEMA_VERSION`]. Cheap to clone (the pool is
/// shared).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    failpoint: Arc<Mutex<Option<FailPoint>>>,
    /// The action journal's HMAC key ([`Store::with_journal_key`]).
    journal_key: Option<action_journal::JournalKey>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the database at `url` and migrates it: `sqlite://PATH` (the
    /// file is created if missing) or `postgres://USER@HOST:PORT/DB`.
    /// A database whose schema is newer than this build knows is refused
    /// ([`StoreError::SchemaNewer`]) and left untouched.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with_pool(url, None).await
    }

    /// As [`Store::open`], with at most `max_connections` pooled
    /// connections (default: 4 on SQLite, which has one writer anyway; 16
    /// on PostgreSQL). On PostgreSQL a connection mostly waits — for the
    /// network, and for its commit's WAL flush — so more connections than
    /// cores pay: commits in flight together share one flush
    /// (docs/performance.md, e-signature logins). Connections are opened
    /// as the load needs them.
    pub async fn open_with_pool(
        url: &str,
        max_connections: Option<u32>,
    ) -> Result<Store, StoreError> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Unavailable(sqlx::Error::Configuration(
                format!("unsupported database URL scheme in {:?}", redact(url)).into(),
            )));
        };
        let options = match backend {
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(max_connections.unwrap_or(4))
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(SQLITE_PRAGMAS).await?;
                        Ok(())
                    })
                }),
            Backend::Postgres => {
                AnyPoolOptions::new().max_connections(max_connections.unwrap_or(16))
            }
        };
        // sqlx pings every connection it hands out (one round trip to the
        // server before each query or transaction). A connection that
        // came back to the pool less than PING_IDLE ago is handed out
        // as it is; one idle for longer is pinged first, and replaced if
        // the server has gone away meanwhile.
        let options = options
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_IDLE {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            });
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_owned(),
        };
        // One direct connection first: an unreachable server or a missing
        // directory fails at once instead of after the pool's retries.
        AnyConnection::connect(&url)
            .await
            .map_err(StoreError::Unavailable)?
            .close()
            .await
            .map_err(StoreError::Unavailable)?;
        let pool = options
            .acquire_timeout(Duration::from_secs(30))
            .connect(&url)
            .await
            .map_err(StoreError::Unavailable)?;
        let store = Store {
            pool,
            backend,
            failpoint: Arc::new(Mutex::new(None)),
            journal_key: None,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The `sqlite://` URL of a database file.
    pub fn sqlite_url(path: &Path) -> String {
        let mut url = String::from("sqlite://");
        for c in path.to_string_lossy().chars() {
            match c {
                '%' => url.push_str("%25"),
                '?' => url.push_str("%3F"),
                '#' => url.push_str("%23"),
                c => url.push(c),
            }
        }
        url
    }

    /// Opens (creating if missing) the SQLite database file at `path`.
    pub async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        Store::open(&Store::sqlite_url(path)).await
    }

    /// SQLite or PostgreSQL.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection (waits for those in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Arms (or with `None` disarms) a failpoint: the next state change
    /// that reaches it fails there and rolls back. For fault-injection
    /// tests only.
    pub fn set_failpoint(&self, point: Option<FailPoint>) {
        if let Ok(mut guard) = self.failpoint.lock() {
            *guard = point;
        }
    }

    /// Fails at `point` if it is armed.
    pub(crate) fn failpoint(&self, point: FailPoint) -> Result<(), StoreError> {
        match self.failpoint.lock() {
            Ok(guard) if *guard == Some(point) => Err(StoreError::Failpoint(point)),
            _ => Ok(()),
        }
    }

    /// Starts a write transaction: `BEGIN IMMEDIATE` on SQLite (the write
    /// lock is taken now, never upgraded later), `BEGIN` on PostgreSQL.
    pub(crate) async fn begin(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// The same on a connection the caller holds.
    pub(crate) async fn begin_on<'c>(
        &self,
        conn: &'c mut AnyConnection,
    ) -> Result<Transaction<'c, Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => conn.begin().await?,
        })
    }

    /// Checks the database file: SQLite's `PRAGMA integrity_check` and
    /// `PRAGMA foreign_key_check`; the problems found (none: empty). On
    /// PostgreSQL the server keeps its files consistent and references are
    /// enforced on every write, so there is nothing to check here.
    pub async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        if self.backend == Backend::Postgres {
            return Ok(Vec::new());
        }
        let mut problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        problems.retain(|p| p != "ok");
        let dangling = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&self.pool)
            .await?;
        if !dangling.is_empty() {
            problems.push(format!("{} rows with a dangling reference", dangling.len()));
        }
        Ok(problems)
    }

    /// The pool, for reads.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// A URL with any password replaced, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            Store::sqlite_url(Path::new("/a b/c?d#e%f.db")),
            "sqlite:///a b/c%3Fd%23e%25f.db"
        );
    }
}
