//! The CA's own certificates: the root and the issuing CA, recorded once
//! by `ca init` in one transaction.

use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::journal::{self, action};
use crate::model::{from_unix, unix};
use crate::{Audit, CaRecord, CaRole, NewCa, Store, StoreError};

const COLUMNS: &str = "id, role, parent_id, subject, cert_der, key_ref, settings, created_at";

fn ca_record(row: &AnyRow) -> Result<CaRecord, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(CaRecord {
        id: row.try_get("id")?,
        role: CaRole::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("CA role {role:?}")))?,
        parent_id: row.try_get("parent_id")?,
        subject: row.try_get("subject")?,
        cert_der: row.try_get("cert_der")?,
        key_ref: row.try_get("key_ref")?,
        settings: row.try_get("settings")?,
        created_at: from_unix(row.try_get("created_at")?),
    })
}

impl Store {
    /// Records a root and the issuing CA it signed, with their journal
    /// entries, in one transaction. Fails with [`StoreError::WrongState`]
    /// if a CA is recorded already.
    pub async fn create_authority(
        &self,
        root: &NewCa,
        issuing: &NewCa,
        audit: &Audit,
    ) -> Result<(CaRecord, CaRecord), StoreError> {
        let mut tx = self.begin().await?;
        let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ca")
            .fetch_one(&mut *tx)
            .await?;
        if existing > 0 {
            return Err(StoreError::WrongState {
                object: "ca",
                id: "authority".into(),
                actual: "initialised".into(),
                expected: "an empty database",
            });
        }
        let mut parent = None;
        let mut out = Vec::with_capacity(2);
        for new in [root, issuing] {
            let row = sqlx::query(&format!(
                "INSERT INTO ca (role, parent_id, subject, cert_der, key_ref, settings, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
            ))
            .bind(new.role.as_str())
            .bind(parent)
            .bind(&new.subject)
            .bind(&new.cert_der)
            .bind(&new.key_ref)
            .bind(&new.settings)
            .bind(unix(audit.at))
            .fetch_one(&mut *tx)
            .await?;
            let record = ca_record(&row)?;
            journal::record(
                self,
                &mut tx,
                audit,
                action::CA_CREATED,
                ("ca", &record.id.to_string()),
                json!({"role": record.role, "subject": record.subject, "key_ref": record.key_ref}),
            )
            .await?;
            parent = Some(record.id);
            out.push(record);
        }
        journal::commit(self, tx).await?;
        let issuing = out.pop();
        let root = out.pop();
        match (root, issuing) {
            (Some(r), Some(i)) => Ok((r, i)),
            _ => Err(StoreError::Corrupt("CA records missing".into())),
        }
    }

    /// The CA certificate of `role`, if `ca init` has run.
    pub async fn authority(&self, role: CaRole) -> Result<Option<CaRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM ca WHERE role = $1"))
            .bind(role.as_str())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(ca_record).transpose()
    }
}
