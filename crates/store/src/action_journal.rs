//! The users' action journal («журнал действий»): every login attempt,
//! every signature, every settings change, with its result, address and
//! user agent. Append-only (the database refuses UPDATE and DELETE) and
//! hash-chained, so that an edit or a deletion made behind the triggers'
//! back — by someone who can write the database but does not hold the
//! server's journal key — is found by [`Store::verify_action_journal`]
//! (`podpis journal verify`).
//!
//! ## The chains
//! Each account has its own chain (`account:<id>`); attempts that concern
//! no account (an unknown login) go to the chain `shared`. Entry `seq` of a
//! chain (1, 2, …) carries `prev_hash` (the hash of entry `seq − 1`, or 64
//! zeros for the first) and
//!
//! ```text
//! hash = hex(HMAC-Streebog-256(journal key, prev_hash ‖ "\n" ‖ canonical))
//! canonical = JSON [chain, seq, account_id, at, action, result, ip, user_agent, details]
//! ```
//!
//! where `details` is the stored JSON text itself. `journal_heads` holds
//! each chain's last `seq` and `hash`, so that deleting the newest entries
//! is found too. Chains are independent: accounts never wait for each
//! other's journal writes.
//!
//! What the chain cannot show: the deletion of a whole chain together with
//! its head row (an account's entire history, and the account row with it,
//! would have to vanish too to go unnoticed elsewhere).

use std::sync::Arc;
use std::time::SystemTime;

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use zeroize::Zeroizing;

use crate::model::{from_unix, unix};
use crate::{Backend, FailPoint, Store, StoreError};

/// The `prev_hash` of a chain's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chain of entries that concern no account.
pub const SHARED_CHAIN: &str = "shared";

/// Action names, `object.verb` (other parts add theirs: `login.esig`,
/// `signature`, …).
pub mod action {
    /// An account was registered.
    pub const ACCOUNT_REGISTERED: &str = "account.registered";
    /// A registration was started (a code sent) or refused.
    pub const REGISTRATION: &str = "account.registration";
    /// The identity data were entered or changed (level standard).
    pub const PROFILE: &str = "settings.profile";
    /// An operator confirmed the identity (level confirmed).
    pub const CONFIRMED: &str = "account.confirmed";
    /// An account was blocked or unblocked.
    pub const BLOCKED: &str = "account.blocked";
    /// Login step one: login name and password.
    pub const LOGIN_PASSWORD: &str = "login.password";
    /// Login step two: the one-time code.
    pub const LOGIN_OTP: &str = "login.otp";
    /// A session was ended by its own logout.
    pub const LOGOUT: &str = "logout";
    /// A session was ended from another session.
    pub const SESSION_ENDED: &str = "session.ended";
    /// Every session was ended («выйти на всех устройствах»).
    pub const SESSIONS_ENDED: &str = "sessions.ended_all";
    /// The password was changed.
    pub const PASSWORD: &str = "settings.password";
    /// A TOTP authenticator was enrolled or removed.
    pub const TOTP: &str = "settings.totp";
    /// A recovery was started (code sent) or completed.
    pub const RECOVERY: &str = "account.recovery";
}

/// The result of a successful action.
pub const OK: &str = "ok";

/// One entry to append.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionEntry {
    /// Whose (None: an attempt on no account).
    pub account_id: Option<i64>,
    /// `login.esig`, `login.password`, `signature`, `settings.password`, …
    pub action: String,
    /// `ok` or the error code.
    pub result: String,
    /// The client's address.
    pub ip: Option<String>,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
    /// Method, certificate fingerprint/serial/subject, … (a JSON object;
    /// never a secret).
    pub details: Value,
}

impl ActionEntry {
    /// An entry with empty details and no client.
    pub fn new(account_id: Option<i64>, action: &str, result: &str) -> ActionEntry {
        ActionEntry {
            account_id,
            action: action.to_owned(),
            result: result.to_owned(),
            ip: None,
            user_agent: None,
            details: json!({}),
        }
    }

    /// The same with the client's address and User-Agent.
    pub fn client(mut self, ip: Option<&str>, user_agent: Option<&str>) -> ActionEntry {
        self.ip = ip.map(str::to_owned);
        self.user_agent = user_agent.map(str::to_owned);
        self
    }

    /// The same with `key: value` added to the details.
    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> ActionEntry {
        if !self.details.is_object() {
            self.details = json!({});
        }
        if let Value::Object(map) = &mut self.details {
            map.insert(key.to_owned(), value.into());
        }
        self
    }
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRecord {
    /// Row id (global order of writing).
    pub id: i64,
    /// `account:<id>` or `shared`.
    pub chain: String,
    /// Position in the chain, from 1.
    pub seq: i64,
    /// Whose.
    pub account_id: Option<i64>,
    /// When.
    #[serde(serialize_with = "crate::model::ser_time")]
    pub at: SystemTime,
    /// What.
    pub action: String,
    /// `ok` or the error code.
    pub result: String,
    /// The client's address.
    pub ip: Option<String>,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
    /// More facts.
    pub details: Value,
}

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    /// Only this account's (None: every entry, for administrators).
    pub account_id: Option<i64>,
    /// Only this action, or with a trailing `.` every action under it
    /// (`login.`).
    pub action: Option<String>,
    /// `ok`, `failed` (anything but ok), or one error code.
    pub result: Option<String>,
    /// At or after.
    pub from: Option<SystemTime>,
    /// Before.
    pub to: Option<SystemTime>,
    /// Only entries older than this id (paging backwards).
    pub before_id: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// The HMAC key of the journal chains (32 bytes), wiped when dropped.
#[derive(Clone)]
pub struct JournalKey(Arc<Zeroizing<[u8; 32]>>);

impl JournalKey {
    /// A key from its bytes.
    pub fn new(bytes: [u8; 32]) -> JournalKey {
        JournalKey(Arc::new(Zeroizing::new(bytes)))
    }

    fn bytes(&self) -> &[u8] {
        &self.0[..]
    }
}

impl std::fmt::Debug for JournalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JournalKey(…)")
    }
}

/// The chain an entry about `account_id` belongs to.
pub fn chain_of(account_id: Option<i64>) -> String {
    match account_id {
        Some(id) => format!("account:{id}"),
        None => SHARED_CHAIN.to_owned(),
    }
}

/// The stored fields an entry's hash covers.
struct Hashed<'a> {
    chain: &'a str,
    seq: i64,
    account_id: Option<i64>,
    at: i64,
    action: &'a str,
    result: &'a str,
    ip: Option<&'a str>,
    user_agent: Option<&'a str>,
    details: &'a str,
}

fn entry_hash(key: &JournalKey, prev_hash: &str, e: &Hashed<'_>) -> String {
    let canonical = json!([
        e.chain,
        e.seq,
        e.account_id,
        e.at,
        e.action,
        e.result,
        e.ip,
        e.user_agent,
        e.details
    ])
    .to_string();
    let mac = gost::mac::hmac_streebog256(
        key.bytes(),
        &[prev_hash.as_bytes(), b"\n", canonical.as_bytes()],
    );
    let mut hex = String::with_capacity(2 * mac.len());
    for b in mac.iter() {
        hex.push(char::from(HEX_DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(HEX_DIGITS[usize::from(b & 0x0f)]));
    }
    hex
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Appends `e` to its chain inside `tx`, the transaction of the change it
/// records; returns the entry's id. Honours [`FailPoint::BeforeJournal`].
/// Needs the store's journal key ([`Store::with_journal_key`]).
pub(crate) async fn append_in(
    store: &Store,
    tx: &mut Transaction<'_, Any>,
    at: SystemTime,
    e: &ActionEntry,
) -> Result<i64, StoreError> {
    store.failpoint(FailPoint::BeforeJournal)?;
    let key = store.journal_key().ok_or(StoreError::JournalKeyMissing)?;
    let chain = chain_of(e.account_id);
    let head = sqlx::query(ADVANCE_HEAD)
        .bind(&chain)
        .bind(GENESIS)
        .fetch_one(&mut **tx)
        .await?;
    let head = Head {
        seq: head.try_get("seq")?,
        prev_hash: head.try_get("hash")?,
    };
    write_entry_in(store, tx, &key, &chain, head, at, e).await
}

/// Takes the next number of chain `$1` (creating the chain, its previous
/// hash `$2` = [`GENESIS`], on its first entry) and returns it with the
/// previous entry's hash. The head row stays locked until the transaction
/// ends: appends to one chain are serialised, different chains are not.
const ADVANCE_HEAD: &str = "INSERT INTO journal_heads (chain, seq, hash) VALUES ($1, 1, $2)
     ON CONFLICT (chain) DO UPDATE SET seq = journal_heads.seq + 1
     RETURNING seq, hash";

/// A chain's next position, taken by [`ADVANCE_HEAD`] (or by a statement
/// that folds it in, as the e-signature login's).
#[derive(Debug)]
pub(crate) struct Head {
    /// The new entry's `seq`.
    pub(crate) seq: i64,
    /// The hash of the entry before it ([`GENESIS`] for the first).
    pub(crate) prev_hash: String,
}

/// Writes entry `e` at position `head` of `chain` (taken in `tx`) and
/// moves the head's hash to it; returns the entry's id. One round trip on
/// PostgreSQL (both writes in one statement), two on SQLite.
pub(crate) async fn write_entry_in(
    store: &Store,
    tx: &mut Transaction<'_, Any>,
    key: &JournalKey,
    chain: &str,
    head: Head,
    at: SystemTime,
    e: &ActionEntry,
) -> Result<i64, StoreError> {
    let details = match &e.details {
        Value::Null => "{}".to_owned(),
        v => v.to_string(),
    };
    let at = unix(at);
    let hash = entry_hash(
        key,
        &head.prev_hash,
        &Hashed {
            chain,
            seq: head.seq,
            account_id: e.account_id,
            at,
            action: &e.action,
            result: &e.result,
            ip: e.ip.as_deref(),
            user_agent: e.user_agent.as_deref(),
            details: &details,
        },
    );
    let insert = match store.backend() {
        // Data-modifying WITH: the entry and the head's hash in one
        // statement (PostgreSQL runs the UPDATE whether or not the outer
        // SELECT reads it).
        Backend::Postgres => concat!(
            "WITH entry AS (",
            "INSERT INTO action_journal (chain, seq, account_id, at, action, result, ip,
                 user_agent, details, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            "), head AS (UPDATE journal_heads SET hash = $11 WHERE chain = $1) ",
            "SELECT id FROM entry"
        ),
        Backend::Sqlite => {
            "INSERT INTO action_journal (chain, seq, account_id, at, action, result, ip,
                 user_agent, details, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id"
        }
    };
    let id: i64 = sqlx::query_scalar(insert)
        .bind(chain)
        .bind(head.seq)
        .bind(e.account_id)
        .bind(at)
        .bind(&e.action)
        .bind(&e.result)
        .bind(e.ip.as_deref())
        .bind(e.user_agent.as_deref())
        .bind(&details)
        .bind(&head.prev_hash)
        .bind(&hash)
        .fetch_one(&mut **tx)
        .await?;
    if store.backend() == Backend::Sqlite {
        sqlx::query("UPDATE journal_heads SET hash = $2 WHERE chain = $1")
            .bind(chain)
            .bind(&hash)
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}

const COLUMNS: &str =
    "id, chain, seq, account_id, at, action, result, ip, user_agent, details, prev_hash, hash";

fn record(row: &AnyRow) -> Result<ActionRecord, StoreError> {
    let details: String = row.try_get("details")?;
    Ok(ActionRecord {
        id: row.try_get("id")?,
        chain: row.try_get("chain")?,
        seq: row.try_get("seq")?,
        account_id: row.try_get("account_id")?,
        at: from_unix(row.try_get("at")?),
        action: row.try_get("action")?,
        result: row.try_get("result")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        details: serde_json::from_str(&details)
            .map_err(|e| StoreError::Corrupt(format!("action journal details: {e}")))?,
    })
}

/// One problem `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalProblem {
    /// The chain.
    pub chain: String,
    /// The entry's row id, when one entry is at fault.
    pub id: Option<i64>,
    /// Its position in the chain.
    pub seq: Option<i64>,
    /// What is wrong.
    pub kind: ProblemKind,
    /// In words (English).
    pub detail: String,
}

impl std::fmt::Display for JournalProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "chain {}", self.chain)?;
        if let Some(seq) = self.seq {
            write!(f, " seq {seq}")?;
        }
        if let Some(id) = self.id {
            write!(f, " (id {id})")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// The kinds of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// An entry's content does not match its hash: it was edited.
    Altered,
    /// Entries are missing inside a chain: deleted.
    Missing,
    /// An entry does not link to the one before it (deleted, reordered or
    /// moved).
    BrokenLink,
    /// Entries of a chain are not in the order they were written.
    Reordered,
    /// The newest entries of a chain are missing, or the head was changed.
    TailMissing,
    /// A chain has entries but no head row.
    HeadMissing,
    /// An entry sits in a chain that is not its account's.
    WrongChain,
    /// A stored value cannot be read.
    Unreadable,
}

/// What `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JournalReport {
    /// Chains checked.
    pub chains: u64,
    /// Entries checked.
    pub entries: u64,
    /// What is wrong (empty: intact).
    pub problems: Vec<JournalProblem>,
}

impl JournalReport {
    /// Whether the journal is intact.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The entry before, as the walk remembers it.
struct Last {
    id: i64,
    seq: i64,
    hash: String,
}

/// The walk over one chain.
struct ChainWalk {
    chain: String,
    last: Option<Last>,
}

impl Store {
    /// This store with the journal key the action journal is chained
    /// under. Without one, appending fails with
    /// [`StoreError::JournalKeyMissing`].
    pub fn with_journal_key(mut self, key: JournalKey) -> Store {
        self.journal_key = Some(key);
        self
    }

    /// The journal key, if set.
    pub(crate) fn journal_key(&self) -> Option<JournalKey> {
        self.journal_key.clone()
    }

    /// Appends one entry in a transaction of its own (an event that
    /// changes nothing else: a refused login, a signature made elsewhere).
    pub async fn append_action(&self, at: SystemTime, e: &ActionEntry) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let id = append_in(self, &mut tx, at, e).await?;
        crate::journal::commit(self, tx).await?;
        Ok(id)
    }

    /// Entries matching `filter`, newest first.
    pub async fn actions(&self, filter: &ActionFilter) -> Result<Vec<ActionRecord>, StoreError> {
        let (exact, prefix) = match filter.action.as_deref() {
            Some(a) if a.ends_with('.') => (None, Some(format!("{a}%"))),
            Some(a) => (Some(a.to_owned()), None),
            None => (None, None),
        };
        let (result, failed) = match filter.result.as_deref() {
            Some("failed") => (None, 1i64),
            Some(r) => (Some(r.to_owned()), 0),
            None => (None, 0),
        };
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM action_journal
             WHERE ($1 IS NULL OR account_id = $1)
               AND ($2 IS NULL OR action = $2)
               AND ($3 IS NULL OR action LIKE $3)
               AND ($4 IS NULL OR result = $4)
               AND ($5 = 0 OR result <> 'ok')
               AND ($6 IS NULL OR at >= $6)
               AND ($7 IS NULL OR at < $7)
               AND ($8 IS NULL OR id < $8)
             ORDER BY id DESC LIMIT $9"
        ))
        .bind(filter.account_id)
        .bind(exact)
        .bind(prefix)
        .bind(result)
        .bind(failed)
        .bind(filter.from.map(unix))
        .bind(filter.to.map(unix))
        .bind(filter.before_id)
        .bind(filter.limit.unwrap_or(100).clamp(1, 1000))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(record).collect()
    }

    /// Walks every chain and checks every entry's hash, every link and
    /// every head against the journal key. Reads in pages, so the journal
    /// may be larger than memory.
    pub async fn verify_action_journal(&self) -> Result<JournalReport, StoreError> {
        let key = self.journal_key().ok_or(StoreError::JournalKeyMissing)?;
        let mut report = JournalReport::default();
        let heads: Vec<(String, i64, String)> =
            sqlx::query("SELECT chain, seq, hash FROM journal_heads ORDER BY chain")
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(|r| -> Result<(String, i64, String), StoreError> {
                    Ok((r.try_get("chain")?, r.try_get("seq")?, r.try_get("hash")?))
                })
                .collect::<Result<_, StoreError>>()?;
        let mut heads: std::collections::BTreeMap<String, (i64, String)> =
            heads.into_iter().map(|(c, s, h)| (c, (s, h))).collect();
        let mut walk: Option<ChainWalk> = None;
        let mut after = (String::new(), 0i64);
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM action_journal
                 WHERE chain > $1 OR (chain = $1 AND seq > $2)
                 ORDER BY chain, seq LIMIT 1000"
            ))
            .bind(&after.0)
            .bind(after.1)
            .fetch_all(self.pool())
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let chain: String = row.try_get("chain")?;
                let seq: i64 = row.try_get("seq")?;
                after = (chain.clone(), seq);
                if walk.as_ref().is_none_or(|w| w.chain != chain) {
                    if let Some(done) = walk.take() {
                        finish_chain(done, &mut heads, &mut report);
                    }
                    report.chains += 1;
                    walk = Some(ChainWalk { chain, last: None });
                }
                if let Some(w) = walk.as_mut() {
                    report.entries += 1;
                    check_entry(&key, w, row, &mut report)?;
                }
            }
        }
        if let Some(done) = walk.take() {
            finish_chain(done, &mut heads, &mut report);
        }
        // Heads left over: chains whose every entry is gone.
        for (chain, (seq, _)) in heads {
            if seq > 0 {
                report.problems.push(JournalProblem {
                    chain,
                    id: None,
                    seq: None,
                    kind: ProblemKind::Missing,
                    detail: format!("all {seq} entries of the chain are missing"),
                });
            }
        }
        Ok(report)
    }
}

fn check_entry(
    key: &JournalKey,
    w: &mut ChainWalk,
    row: &AnyRow,
    report: &mut JournalReport,
) -> Result<(), StoreError> {
    let id: i64 = row.try_get("id")?;
    let seq: i64 = row.try_get("seq")?;
    let account_id: Option<i64> = row.try_get("account_id")?;
    let at: i64 = row.try_get("at")?;
    let action: String = row.try_get("action")?;
    let result: String = row.try_get("result")?;
    let ip: Option<String> = row.try_get("ip")?;
    let user_agent: Option<String> = row.try_get("user_agent")?;
    let details: String = row.try_get("details")?;
    let prev_hash: String = row.try_get("prev_hash")?;
    let hash: String = row.try_get("hash")?;
    let chain = w.chain.clone();
    let mut problem = |kind, detail: String| {
        report.problems.push(JournalProblem {
            chain: chain.clone(),
            id: Some(id),
            seq: Some(seq),
            kind,
            detail,
        });
    };
    if chain_of(account_id) != w.chain {
        problem(
            ProblemKind::WrongChain,
            format!(
                "the entry is about {} but sits in chain {}",
                chain_of(account_id),
                w.chain
            ),
        );
    }
    let (expected_seq, expected_prev) = match &w.last {
        Some(last) => (last.seq + 1, last.hash.clone()),
        None => (1, GENESIS.to_owned()),
    };
    if seq > expected_seq {
        problem(
            ProblemKind::Missing,
            if seq == expected_seq + 1 {
                format!("entry {expected_seq} is missing (deleted)")
            } else {
                format!("entries {expected_seq}–{} are missing (deleted)", seq - 1)
            },
        );
    }
    if let Some(last) = &w.last
        && id < last.id
    {
        problem(
            ProblemKind::Reordered,
            format!(
                "written before entry {} (id {} < {}): the entries were reordered",
                last.seq, id, last.id
            ),
        );
    }
    if prev_hash != expected_prev {
        problem(
            ProblemKind::BrokenLink,
            "does not link to the entry before it (an entry was deleted, moved or reordered)"
                .into(),
        );
    }
    let computed = entry_hash(
        key,
        &prev_hash,
        &Hashed {
            chain: &w.chain,
            seq,
            account_id,
            at,
            action: &action,
            result: &result,
            ip: ip.as_deref(),
            user_agent: user_agent.as_deref(),
            details: &details,
        },
    );
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        computed.as_bytes(),
        hash.as_bytes(),
    )) {
        problem(
            ProblemKind::Altered,
            format!(
                "the content does not match its hash: the entry was edited ({action}, {result})"
            ),
        );
    }
    w.last = Some(Last { id, seq, hash });
    Ok(())
}

fn finish_chain(
    w: ChainWalk,
    heads: &mut std::collections::BTreeMap<String, (i64, String)>,
    report: &mut JournalReport,
) {
    let Some(last) = w.last else { return };
    let Some((head_seq, head_hash)) = heads.remove(&w.chain) else {
        report.problems.push(JournalProblem {
            chain: w.chain,
            id: None,
            seq: None,
            kind: ProblemKind::HeadMissing,
            detail: "the chain has no head row (journal_heads was edited)".into(),
        });
        return;
    };
    if head_seq > last.seq {
        report.problems.push(JournalProblem {
            chain: w.chain,
            id: None,
            seq: Some(last.seq + 1),
            kind: ProblemKind::TailMissing,
            detail: format!(
                "the newest entries {}–{head_seq} are missing (deleted)",
                last.seq + 1
            ),
        });
    } else if head_seq < last.seq || head_hash != last.hash {
        report.problems.push(JournalProblem {
            chain: w.chain,
            id: Some(last.id),
            seq: Some(last.seq),
            kind: ProblemKind::TailMissing,
            detail: format!(
                "the head (seq {head_seq}) does not match the newest entry (seq {}): \
                 entries or the head were changed",
                last.seq
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_every_field() {
        let key = JournalKey::new([7; 32]);
        let base = Hashed {
            chain: "account:1",
            seq: 1,
            account_id: Some(1),
            at: 100,
            action: "login.password",
            result: "ok",
            ip: Some("127.0.0.1"),
            user_agent: None,
            details: "{}",
        };
        let h = entry_hash(&key, GENESIS, &base);
        assert_eq!(h.len(), 64);
        assert_ne!(h, entry_hash(&JournalKey::new([8; 32]), GENESIS, &base));
        assert_ne!(h, entry_hash(&key, &"1".repeat(64), &base));
        let variants = [
            Hashed { seq: 2, ..base },
            Hashed {
                account_id: Some(2),
                ..base
            },
            Hashed { at: 101, ..base },
            Hashed {
                result: "LOGIN_FAILED",
                ..base
            },
            Hashed { ip: None, ..base },
            Hashed {
                user_agent: Some("x"),
                ..base
            },
            Hashed {
                details: "{\"a\":1}",
                ..base
            },
            Hashed {
                chain: "shared",
                ..base
            },
            Hashed {
                action: "logout",
                ..base
            },
        ];
        for v in &variants {
            assert_ne!(h, entry_hash(&key, GENESIS, v));
        }
    }
}
