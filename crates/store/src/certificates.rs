//! Issued certificates and their revocation status: what issuance writes,
//! what revocation changes, and what OCSP and CRLs read.

use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::journal::{self, action};
use crate::model::{from_unix, reason_code, reason_from_code, unix};
use crate::requests::transition;
use crate::{
    Audit, CertStatus, CertificateRecord, NewCertificate, RequestState, Serial, SerialStatus,
    StatusChange, StatusEntry, Store, StoreError,
};

const COLUMNS: &str = "serial, ca_id, request_id, subject, not_before, not_after, key_usage_end, \
                       spki_hash, der, status, revoked_at, reason, issued_at";

fn serial(row: &AnyRow) -> Result<Serial, StoreError> {
    let hex: String = row.try_get("serial")?;
    Serial::parse_hex(&hex).ok_or_else(|| StoreError::Corrupt(format!("serial {hex:?}")))
}

fn status(row: &AnyRow) -> Result<StatusEntry, StoreError> {
    let status: String = row.try_get("status")?;
    let reason: Option<i64> = row.try_get("reason")?;
    let revoked_at: Option<i64> = row.try_get("revoked_at")?;
    Ok(StatusEntry {
        status: CertStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("certificate status {status:?}")))?,
        revoked_at: revoked_at.map(from_unix),
        reason: reason
            .map(|r| reason_from_code(r).ok_or_else(|| StoreError::Corrupt(format!("reason {r}"))))
            .transpose()?,
    })
}

fn certificate_record(row: &AnyRow) -> Result<CertificateRecord, StoreError> {
    let key_usage_end: Option<i64> = row.try_get("key_usage_end")?;
    Ok(CertificateRecord {
        serial: serial(row)?,
        ca_id: row.try_get("ca_id")?,
        request_id: row.try_get("request_id")?,
        subject: row.try_get("subject")?,
        not_before: from_unix(row.try_get("not_before")?),
        not_after: from_unix(row.try_get("not_after")?),
        key_usage_end: key_usage_end.map(from_unix),
        spki_hash: row.try_get("spki_hash")?,
        der: row.try_get("der")?,
        status: status(row)?,
        issued_at: from_unix(row.try_get("issued_at")?),
    })
}

fn serial_status(row: &AnyRow) -> Result<SerialStatus, StoreError> {
    Ok(SerialStatus {
        serial: serial(row)?,
        not_after: from_unix(row.try_get("not_after")?),
        status: status(row)?,
    })
}

impl Store {
    /// Records an issued certificate in one transaction: the certificate
    /// row (status good), its request moved from `approved` to `issued`
    /// (when it has one), and the journal entry. The serial's primary key
    /// refuses a taken serial ([`StoreError::DuplicateSerial`]); a request
    /// that is not approved, or already has its certificate, refuses the
    /// second issuance. Either way nothing is written.
    pub async fn issue_certificate(
        &self,
        cert: &NewCertificate,
        audit: &Audit,
    ) -> Result<CertificateRecord, StoreError> {
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO certificates (serial, ca_id, request_id, subject, not_before, not_after,
                                       key_usage_end, spki_hash, der, status, issued_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'good', $10) RETURNING {COLUMNS}"
        ))
        .bind(cert.serial.to_hex())
        .bind(cert.ca_id)
        .bind(cert.request_id)
        .bind(&cert.subject)
        .bind(unix(cert.not_before))
        .bind(unix(cert.not_after))
        .bind(cert.key_usage_end.map(unix))
        .bind(&cert.spki_hash)
        .bind(&cert.der)
        .bind(unix(audit.at))
        .fetch_one(&mut *tx)
        .await;
        let record = match inserted {
            Ok(row) => certificate_record(&row)?,
            Err(e) if StoreError::is_unique_violation(&e) => {
                drop(tx);
                // The serial, or (when the serial is free) the request's
                // one certificate, is taken.
                if self.certificate(&cert.serial).await?.is_some() {
                    return Err(StoreError::DuplicateSerial(cert.serial.to_string()));
                }
                return Err(StoreError::WrongState {
                    object: "request",
                    id: cert.request_id.unwrap_or_default().to_string(),
                    actual: RequestState::Issued.to_string(),
                    expected: "approved",
                });
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(request_id) = cert.request_id {
            transition(
                &mut tx,
                request_id,
                &[RequestState::Approved],
                RequestState::Issued,
                None,
                audit,
            )
            .await?;
        }
        journal::record(
            self,
            &mut tx,
            audit,
            action::CERTIFICATE_ISSUED,
            ("certificate", &record.serial.to_string()),
            json!({
                "request_id": record.request_id,
                "subject": record.subject,
                "ca_id": record.ca_id,
                "not_after": pki::validation::rfc3339(record.not_after),
            }),
        )
        .await?;
        journal::commit(self, tx).await?;
        Ok(record)
    }

    /// The certificate with `serial`.
    pub async fn certificate(
        &self,
        serial: &Serial,
    ) -> Result<Option<CertificateRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM certificates WHERE serial = $1"
        ))
        .bind(serial.to_hex())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(certificate_record).transpose()
    }

    /// The certificate issued for request `id`.
    pub async fn certificate_for_request(
        &self,
        id: i64,
    ) -> Result<Option<CertificateRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM certificates WHERE request_id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(certificate_record).transpose()
    }

    /// CA `ca_id`'s certificates of the key whose SPKI hashes to
    /// `spki_hash`, newest first (a service's certificate is found again
    /// by its key after a restart).
    pub async fn certificates_for_key(
        &self,
        ca_id: i64,
        spki_hash: &str,
    ) -> Result<Vec<CertificateRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM certificates WHERE ca_id = $1 AND spki_hash = $2
             ORDER BY issued_at DESC, serial"
        ))
        .bind(ca_id)
        .bind(spki_hash)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(certificate_record).collect()
    }

    /// The status of the certificate with `serial` (`None`: unknown to
    /// this CA) — what an OCSP responder answers.
    pub async fn status(&self, serial: &Serial) -> Result<Option<StatusEntry>, StoreError> {
        let row =
            sqlx::query("SELECT status, revoked_at, reason FROM certificates WHERE serial = $1")
                .bind(serial.to_hex())
                .fetch_optional(self.pool())
                .await?;
        row.as_ref().map(status).transpose()
    }

    /// Every revoked or suspended certificate of CA `ca_id`, by serial —
    /// the entries of its next CRL.
    pub async fn revoked(&self, ca_id: i64) -> Result<Vec<SerialStatus>, StoreError> {
        let rows = sqlx::query(
            "SELECT serial, not_after, status, revoked_at, reason FROM certificates
             WHERE ca_id = $1 AND status <> 'good' ORDER BY serial",
        )
        .bind(ca_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(serial_status).collect()
    }

    /// A page of CA `ca_id`'s certificates with their status, in serial
    /// order after `after` (from the start when `None`): for pre-signing
    /// OCSP responses over every issued certificate.
    pub async fn statuses(
        &self,
        ca_id: i64,
        after: Option<&Serial>,
        limit: i64,
    ) -> Result<Vec<SerialStatus>, StoreError> {
        let rows = sqlx::query(
            "SELECT serial, not_after, status, revoked_at, reason FROM certificates
             WHERE ca_id = $1 AND serial > $2 ORDER BY serial LIMIT $3",
        )
        .bind(ca_id)
        .bind(after.map(Serial::to_hex).unwrap_or_default())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(serial_status).collect()
    }

    /// How many certificates of CA `ca_id` are in each status.
    pub async fn certificate_counts(
        &self,
        ca_id: i64,
    ) -> Result<Vec<(CertStatus, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM certificates WHERE ca_id = $1 GROUP BY status",
        )
        .bind(ca_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let s: String = row.try_get("status")?;
            if let Some(s) = CertStatus::parse(&s) {
                out.push((s, row.try_get("n")?));
            }
        }
        out.sort_by_key(|(s, _)| CertStatus::ALL.iter().position(|x| x == s));
        Ok(out)
    }

    /// Changes a certificate's revocation status with its journal entry,
    /// in one transaction (compare-and-set on the current status):
    /// revoke from good or hold, hold from good, release from hold. The
    /// time of a revocation or hold is `audit.at`.
    pub async fn change_status(
        &self,
        serial: &Serial,
        change: StatusChange,
        audit: &Audit,
    ) -> Result<CertificateRecord, StoreError> {
        let (to, from, reason, journal_action, expected) = match change {
            StatusChange::Revoke(reason) => (
                CertStatus::Revoked,
                [CertStatus::Good, CertStatus::Hold],
                Some(reason_code(reason)),
                action::CERTIFICATE_REVOKED,
                "good or hold",
            ),
            StatusChange::Hold => (
                CertStatus::Hold,
                [CertStatus::Good, CertStatus::Good],
                Some(reason_code(pki::crl::CrlReason::CertificateHold)),
                action::CERTIFICATE_HELD,
                "good",
            ),
            StatusChange::Release => (
                CertStatus::Good,
                [CertStatus::Hold, CertStatus::Hold],
                None,
                action::CERTIFICATE_RELEASED,
                "hold",
            ),
        };
        let revoked_at = reason.map(|_| unix(audit.at));
        let mut tx = self.begin().await?;
        let row = sqlx::query(&format!(
            "UPDATE certificates SET status = $1, revoked_at = $2, reason = $3
             WHERE serial = $4 AND status IN ($5, $6) RETURNING {COLUMNS}"
        ))
        .bind(to.as_str())
        .bind(revoked_at)
        .bind(reason)
        .bind(serial.to_hex())
        .bind(from[0].as_str())
        .bind(from[1].as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            drop(tx);
            return Err(match self.status(serial).await? {
                None => StoreError::NotFound {
                    object: "certificate",
                    id: serial.to_string(),
                },
                Some(actual) => StoreError::WrongState {
                    object: "certificate",
                    id: serial.to_string(),
                    actual: actual.status.to_string(),
                    expected,
                },
            });
        };
        let record = certificate_record(&row)?;
        journal::record(
            self,
            &mut tx,
            audit,
            journal_action,
            ("certificate", &serial.to_string()),
            json!({
                "status": record.status.status,
                "reason": record.status.reason.map(pki::crl::reason_name),
            }),
        )
        .await?;
        journal::commit(self, tx).await?;
        Ok(record)
    }
}
