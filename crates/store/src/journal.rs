//! The append-only journal: who did what, when, to which object.
//!
//! Entries are written only inside the transaction of the change they
//! record ([`record`]) or, for events that change nothing (a refused
//! revocation, a CRL issued), on their own ([`Store::append_journal`]).
//! There is no update or delete in the code, and the database refuses
//! both (triggers on SQLite and PostgreSQL).

use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::model::{from_unix, unix};
use crate::{Audit, Backend, FailPoint, JournalEntry, JournalFilter, Serial, Store, StoreError};

/// Action names, `object.verb`.
pub mod action {
    /// A CA certificate was recorded (`ca init`).
    pub const CA_CREATED: &str = "ca.created";
    /// A request was submitted and passed the checks.
    pub const REQUEST_SUBMITTED: &str = "request.submitted";
    /// A submission was refused at the door (its error code is kept).
    pub const REQUEST_REFUSED: &str = "request.refused";
    /// A renewal request was accepted on the holder's signature.
    pub const REQUEST_RENEWAL: &str = "request.renewal";
    /// An operator identified the applicant.
    pub const REQUEST_IDENTIFIED: &str = "request.identified";
    /// An operator approved the request.
    pub const REQUEST_APPROVED: &str = "request.approved";
    /// An operator rejected the request.
    pub const REQUEST_REJECTED: &str = "request.rejected";
    /// A certificate was issued.
    pub const CERTIFICATE_ISSUED: &str = "certificate.issued";
    /// A certificate was revoked.
    pub const CERTIFICATE_REVOKED: &str = "certificate.revoked";
    /// A certificate was suspended (certificateHold).
    pub const CERTIFICATE_HELD: &str = "certificate.held";
    /// A suspended certificate was released.
    pub const CERTIFICATE_RELEASED: &str = "certificate.released";
    /// A revocation, suspension or renewal was refused (not entitled).
    pub const CERTIFICATE_CHANGE_DENIED: &str = "certificate.change_denied";
    /// A CRL was issued.
    pub const CRL_ISSUED: &str = "crl.issued";
}

/// The PostgreSQL advisory lock that orders journal writes ("podpis-j").
const JOURNAL_LOCK: i64 = 0x706f_6470_6973_2d6a;

/// Writes a journal entry inside `tx`, the transaction of the change it
/// records. `details` (a JSON object) gets the audit context under
/// `context`. Honours [`FailPoint::BeforeJournal`].
pub(crate) async fn record(
    store: &Store,
    tx: &mut Transaction<'static, Any>,
    audit: &Audit,
    action: &str,
    object: (&str, &str),
    details: Value,
) -> Result<(), StoreError> {
    store.failpoint(FailPoint::BeforeJournal)?;
    let mut details = match details {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => Map::from_iter([("value".to_owned(), other)]),
    };
    if !audit.context.is_null() {
        details.insert("context".to_owned(), audit.context.clone());
    }
    if store.backend() == Backend::Postgres {
        // Journal ids in commit order: the id is drawn under a lock held
        // until this transaction ends, so a reader that sees entry N sees
        // every entry before it — a poller following the journal by id
        // (other nodes' OCSP responders) never skips one committed late.
        // SQLite has one writer at a time, so its ids are in order anyway.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(JOURNAL_LOCK)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO journal (at, actor, action, object_type, object_id, details)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(unix(audit.at))
    .bind(&audit.actor)
    .bind(action)
    .bind(object.0)
    .bind(object.1)
    .bind(Value::Object(details).to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Commits `tx`, honouring [`FailPoint::BeforeCommit`].
pub(crate) async fn commit(store: &Store, tx: Transaction<'static, Any>) -> Result<(), StoreError> {
    store.failpoint(FailPoint::BeforeCommit)?;
    tx.commit().await?;
    Ok(())
}

fn entry(row: &AnyRow) -> Result<JournalEntry, StoreError> {
    let details: String = row.try_get("details")?;
    Ok(JournalEntry {
        id: row.try_get("id")?,
        at: from_unix(row.try_get("at")?),
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        details: serde_json::from_str(&details)
            .map_err(|e| StoreError::Corrupt(format!("journal details: {e}")))?,
    })
}

impl Store {
    /// Records an event that changes no other table (a refused request, a
    /// CRL issued) in a transaction of its own.
    pub async fn append_journal(
        &self,
        audit: &Audit,
        action: &str,
        object: (&str, &str),
        details: Value,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        record(self, &mut tx, audit, action, object, details).await?;
        commit(self, tx).await
    }

    /// The certificate status changes (revoked, held, released) journaled
    /// after entry `after_id`, at most `limit`, in journal order: each
    /// entry's id and the certificate's serial. How the OCSP responders and
    /// CRL publishers of other nodes learn of a change by polling.
    pub async fn status_changes_since(
        &self,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<(i64, Serial)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, object_id FROM journal
             WHERE id > $1 AND object_type = 'certificate' AND action IN ($2, $3, $4)
             ORDER BY id LIMIT $5",
        )
        .bind(after_id)
        .bind(action::CERTIFICATE_REVOKED)
        .bind(action::CERTIFICATE_HELD)
        .bind(action::CERTIFICATE_RELEASED)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                let object: String = row.try_get("object_id")?;
                let serial = Serial::parse_hex(&object)
                    .ok_or_else(|| StoreError::Corrupt(format!("journal serial {object:?}")))?;
                Ok((id, serial))
            })
            .collect()
    }

    /// The id of the last journal entry (0 when empty).
    pub async fn last_journal_id(&self) -> Result<i64, StoreError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM journal")
            .fetch_one(self.pool())
            .await?;
        Ok(id.unwrap_or(0))
    }

    /// Journal entries in order, filtered.
    pub async fn journal(&self, filter: &JournalFilter) -> Result<Vec<JournalEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, object_type, object_id, details FROM journal
             WHERE ($1 IS NULL OR object_type = $1)
               AND ($2 IS NULL OR object_id = $2)
               AND id > $3
             ORDER BY id LIMIT $4",
        )
        .bind(filter.object_type.as_deref())
        .bind(filter.object_id.as_deref())
        .bind(filter.after_id.unwrap_or(0))
        .bind(filter.limit.unwrap_or(1000))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry).collect()
    }
}
