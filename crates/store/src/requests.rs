//! Certificate requests and the identifications recorded for them.
//!
//! A state change is a compare-and-set (`UPDATE … WHERE state IN
//! (expected)`): two operators acting on one request at once cannot both
//! succeed, on SQLite or PostgreSQL.

use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::journal::{self, action};
use crate::model::{from_unix, identification_kind, unix};
use crate::{
    Audit, Identification, NewRequest, RequestRecord, RequestState, Serial, Store, StoreError,
};

const COLUMNS: &str = "id, kind, state, applicant, identity_key, csr_der, spki_hash, error_code, \
                       rejection_reason, renewal_of, created_at, updated_at";

fn request_record(row: &AnyRow) -> Result<RequestRecord, StoreError> {
    let state: String = row.try_get("state")?;
    let renewal_of: Option<String> = row.try_get("renewal_of")?;
    Ok(RequestRecord {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        state: RequestState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("request state {state:?}")))?,
        applicant: row.try_get("applicant")?,
        identity_key: row.try_get("identity_key")?,
        csr_der: row.try_get("csr_der")?,
        spki_hash: row.try_get("spki_hash")?,
        error_code: row.try_get("error_code")?,
        rejection_reason: row.try_get("rejection_reason")?,
        renewal_of: renewal_of
            .map(|s| {
                Serial::parse_hex(&s)
                    .ok_or_else(|| StoreError::Corrupt(format!("renewal_of {s:?}")))
            })
            .transpose()?,
        created_at: from_unix(row.try_get("created_at")?),
        updated_at: from_unix(row.try_get("updated_at")?),
    })
}

/// How a new request enters the workflow.
enum Entry<'a> {
    /// Checked and waiting for identification.
    Submitted,
    /// Refused at submission with this error code.
    Refused(&'a str),
    /// A renewal: approved on the holder's signature, identified by it.
    Renewal(&'a Identification),
}

impl Store {
    /// Records a submission that passed the checks (state `submitted`).
    /// A live request for the same public key makes it fail with
    /// [`StoreError::DuplicateKey`] and records nothing.
    pub async fn submit_request(
        &self,
        new: &NewRequest,
        audit: &Audit,
    ) -> Result<RequestRecord, StoreError> {
        self.insert_request(new, Entry::Submitted, audit).await
    }

    /// Records a submission refused at the door: state `rejected` with
    /// the error code, and the data as received.
    pub async fn refuse_request(
        &self,
        new: &NewRequest,
        error_code: &str,
        audit: &Audit,
    ) -> Result<RequestRecord, StoreError> {
        self.insert_request(new, Entry::Refused(error_code), audit)
            .await
    }

    /// Records a renewal accepted on the holder's signature: state
    /// `approved`, with `identification` (remote, by the qualified
    /// signature), in one transaction.
    pub async fn submit_renewal(
        &self,
        new: &NewRequest,
        identification: &Identification,
        audit: &Audit,
    ) -> Result<RequestRecord, StoreError> {
        self.insert_request(new, Entry::Renewal(identification), audit)
            .await
    }

    async fn insert_request(
        &self,
        new: &NewRequest,
        entry: Entry<'_>,
        audit: &Audit,
    ) -> Result<RequestRecord, StoreError> {
        // A refused submission's token would open nothing anyone was given.
        let keeps_token = !matches!(entry, Entry::Refused(_));
        let (state, code, journal_action) = match entry {
            Entry::Submitted => (RequestState::Submitted, None, action::REQUEST_SUBMITTED),
            Entry::Refused(code) => (RequestState::Rejected, Some(code), action::REQUEST_REFUSED),
            Entry::Renewal(_) => (RequestState::Approved, None, action::REQUEST_RENEWAL),
        };
        let at = unix(audit.at);
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO requests (kind, state, applicant, identity_key, csr_der, spki_hash,
                                   error_code, renewal_of, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING {COLUMNS}"
        ))
        .bind(&new.kind)
        .bind(state.as_str())
        .bind(&new.applicant)
        .bind(new.identity_key.as_deref())
        .bind(new.csr_der.as_deref())
        .bind(new.spki_hash.as_deref())
        .bind(code)
        .bind(new.renewal_of.as_ref().map(Serial::to_hex))
        .bind(at)
        .fetch_one(&mut *tx)
        .await;
        let record = match inserted {
            Ok(row) => request_record(&row)?,
            Err(e) if StoreError::is_unique_violation(&e) => {
                drop(tx);
                let existing = match &new.spki_hash {
                    Some(h) => self.live_request_for_key(h).await?,
                    None => None,
                };
                return Err(StoreError::DuplicateKey { existing });
            }
            Err(e) => return Err(e.into()),
        };
        if let Entry::Renewal(identification) = entry {
            insert_identification(&mut tx, record.id, identification).await?;
        }
        if let Some(token_hash) = new.token_hash.as_ref().filter(|_| keeps_token) {
            sqlx::query("INSERT INTO request_tokens (token_hash, request_id) VALUES ($1, $2)")
                .bind(token_hash)
                .bind(record.id)
                .execute(&mut *tx)
                .await?;
        }
        let id = record.id.to_string();
        journal::record(
            self,
            &mut tx,
            audit,
            journal_action,
            ("request", &id),
            json!({
                "kind": record.kind,
                "state": record.state,
                "error_code": record.error_code,
                "identity_key": record.identity_key,
                "spki_hash": record.spki_hash,
                "renewal_of": record.renewal_of,
            }),
        )
        .await?;
        journal::commit(self, tx).await?;
        Ok(record)
    }

    /// The live (not rejected) request holding the public key with this hash.
    pub async fn live_request_for_key(&self, spki_hash: &str) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM requests WHERE spki_hash = $1 AND state <> 'rejected'",
        )
        .bind(spki_hash)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Request `id`.
    pub async fn request(&self, id: i64) -> Result<Option<RequestRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM requests WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(request_record).transpose()
    }

    /// Requests in `state` (all when `None`), oldest first.
    pub async fn requests(
        &self,
        state: Option<RequestState>,
    ) -> Result<Vec<RequestRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM requests WHERE ($1 IS NULL OR state = $1) ORDER BY id"
        ))
        .bind(state.map(RequestState::as_str))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(request_record).collect()
    }

    /// How many requests are in each state.
    pub async fn request_counts(&self) -> Result<Vec<(RequestState, i64)>, StoreError> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM requests GROUP BY state")
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::new();
        for row in &rows {
            let state: String = row.try_get("state")?;
            if let Some(s) = RequestState::parse(&state) {
                out.push((s, row.try_get("n")?));
            }
        }
        out.sort_by_key(|(s, _)| RequestState::ALL.iter().position(|x| x == s));
        Ok(out)
    }

    /// Records how the applicant was identified and moves the request
    /// from `submitted` (or `identified`, to record another document) to
    /// `identified`.
    pub async fn identify(
        &self,
        id: i64,
        identification: &Identification,
        audit: &Audit,
    ) -> Result<RequestRecord, StoreError> {
        let mut tx = self.begin().await?;
        let record = transition(
            &mut tx,
            id,
            &[RequestState::Submitted, RequestState::Identified],
            RequestState::Identified,
            None,
            audit,
        )
        .await?;
        insert_identification(&mut tx, id, identification).await?;
        journal::record(
            self,
            &mut tx,
            audit,
            action::REQUEST_IDENTIFIED,
            ("request", &id.to_string()),
            json!({
                "method": identification.method as u8,
                "document_type": identification.document_type,
                "document_number": identification.document_number,
                "operator": identification.operator,
            }),
        )
        .await?;
        journal::commit(self, tx).await?;
        Ok(record)
    }

    /// Approves an identified request.
    pub async fn approve(&self, id: i64, audit: &Audit) -> Result<RequestRecord, StoreError> {
        let mut tx = self.begin().await?;
        let record = transition(
            &mut tx,
            id,
            &[RequestState::Identified],
            RequestState::Approved,
            None,
            audit,
        )
        .await?;
        journal::record(
            self,
            &mut tx,
            audit,
            action::REQUEST_APPROVED,
            ("request", &id.to_string()),
            json!({}),
        )
        .await?;
        journal::commit(self, tx).await?;
        Ok(record)
    }

    /// Rejects a request not yet issued, keeping the reason.
    pub async fn reject(
        &self,
        id: i64,
        reason: &str,
        audit: &Audit,
    ) -> Result<RequestRecord, StoreError> {
        let mut tx = self.begin().await?;
        let record = transition(
            &mut tx,
            id,
            &[
                RequestState::Submitted,
                RequestState::Identified,
                RequestState::Approved,
            ],
            RequestState::Rejected,
            Some(reason),
            audit,
        )
        .await?;
        journal::record(
            self,
            &mut tx,
            audit,
            action::REQUEST_REJECTED,
            ("request", &id.to_string()),
            json!({"reason": reason}),
        )
        .await?;
        journal::commit(self, tx).await?;
        Ok(record)
    }

    /// The identifications recorded for request `id`, oldest first.
    pub async fn identifications(&self, id: i64) -> Result<Vec<Identification>, StoreError> {
        let rows = sqlx::query(
            "SELECT method, document_type, document_number, operator, identified_at
             FROM identifications WHERE request_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let method: i64 = row.try_get("method")?;
                Ok(Identification {
                    method: identification_kind(method)
                        .ok_or_else(|| StoreError::Corrupt(format!("method {method}")))?,
                    document_type: row.try_get("document_type")?,
                    document_number: row.try_get("document_number")?,
                    operator: row.try_get("operator")?,
                    at: from_unix(row.try_get("identified_at")?),
                })
            })
            .collect()
    }
}

async fn insert_identification(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    request_id: i64,
    identification: &Identification,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO identifications
             (request_id, method, document_type, document_number, operator, identified_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(request_id)
    .bind(identification.method as i64)
    .bind(&identification.document_type)
    .bind(&identification.document_number)
    .bind(&identification.operator)
    .bind(unix(identification.at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves request `id` from one of `from` to `to` (compare-and-set),
/// returning the updated row, or why it could not.
pub(crate) async fn transition(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    from: &[RequestState],
    to: RequestState,
    reason: Option<&str>,
    audit: &Audit,
) -> Result<RequestRecord, StoreError> {
    let allowed: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    // At most three states: spelled out as parameters, the same SQL on both.
    let row = sqlx::query(&format!(
        "UPDATE requests SET state = $1, updated_at = $2,
             rejection_reason = COALESCE($3, rejection_reason)
         WHERE id = $4 AND state IN ($5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(to.as_str())
    .bind(unix(audit.at))
    .bind(reason)
    .bind(id)
    .bind(allowed.first().copied())
    .bind(allowed.get(1).copied())
    .bind(allowed.get(2).copied())
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        Some(row) => request_record(&row),
        None => {
            let actual: Option<String> =
                sqlx::query_scalar("SELECT state FROM requests WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
            Err(match actual {
                None => StoreError::NotFound {
                    object: "request",
                    id: id.to_string(),
                },
                Some(actual) => StoreError::WrongState {
                    object: "request",
                    id: id.to_string(),
                    actual,
                    expected: expected_text(from),
                },
            })
        }
    }
}

fn expected_text(from: &[RequestState]) -> &'static str {
    match from {
        [RequestState::Identified] => "identified",
        [RequestState::Approved] => "approved",
        [RequestState::Submitted, RequestState::Identified] => "submitted or identified",
        _ => "submitted, identified or approved",
    }
}
