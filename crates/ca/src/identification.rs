//! The operator's part: recording how the applicant was identified, then
//! approving the request or rejecting it with a reason (kept).

use pki::profile::IdentificationKind;
use store::{Identification, RequestRecord, StoreError};

use crate::{Ca, CaError, actor_name};

/// How an operator identified the applicant.
#[derive(Debug, Clone)]
pub struct IdentificationRecord {
    /// The method: in person, by qualified e-signature, by biometric
    /// passport, or through another system (the certificate's
    /// IdentificationKind).
    pub method: IdentificationKind,
    /// The document's type (`паспорт РФ`, `заграничный паспорт`, …).
    pub document_type: String,
    /// The document's series and number.
    pub document_number: String,
}

/// The method named as on the command line: `personal` (`in-person`),
/// `remote-cert` (`qualified-signature`), `remote-passport`
/// (`biometric-passport`), `remote-system` (`other-system`), or 0–3.
pub fn parse_method(name: &str) -> Option<IdentificationKind> {
    Some(match name.trim() {
        "personal" | "in-person" | "0" => IdentificationKind::Personal,
        "remote-cert" | "qualified-signature" | "1" => IdentificationKind::RemoteCert,
        "remote-passport" | "biometric-passport" | "2" => IdentificationKind::RemotePassport,
        "remote-system" | "other-system" | "3" => IdentificationKind::RemoteSystem,
        _ => return None,
    })
}

fn field(name: &'static str, value: &str) -> Result<String, CaError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 100 || v.chars().any(char::is_control) {
        return Err(CaError::IdentificationInvalid(name));
    }
    Ok(v.to_owned())
}

/// The domain error for a store refusal about request `id`.
pub(crate) fn request_error(id: i64, e: StoreError) -> CaError {
    match e {
        StoreError::NotFound { .. } => CaError::RequestNotFound(id),
        StoreError::WrongState {
            actual, expected, ..
        } => CaError::RequestWrongState {
            id,
            actual,
            expected: expected.to_owned(),
        },
        e => e.into(),
    }
}

impl Ca {
    /// Records the identification of request `id` by `operator` (at the
    /// CA's clock) and moves it to `identified`.
    pub async fn identify(
        &self,
        id: i64,
        record: &IdentificationRecord,
        operator: &str,
    ) -> Result<RequestRecord, CaError> {
        let operator = actor_name(operator)?;
        let identification = Identification {
            method: record.method,
            document_type: field("document_type", &record.document_type)?,
            document_number: field("document_number", &record.document_number)?,
            operator: operator.to_owned(),
            at: self.now(),
        };
        self.store
            .identify(id, &identification, &self.audit(operator))
            .await
            .map_err(|e| request_error(id, e))
    }

    /// Approves identified request `id`.
    pub async fn approve(&self, id: i64, operator: &str) -> Result<RequestRecord, CaError> {
        let operator = actor_name(operator)?;
        self.store
            .approve(id, &self.audit(operator))
            .await
            .map_err(|e| request_error(id, e))
    }

    /// Rejects request `id` (not yet issued) with `reason`, which is kept.
    pub async fn reject(
        &self,
        id: i64,
        reason: &str,
        operator: &str,
    ) -> Result<RequestRecord, CaError> {
        let operator = actor_name(operator)?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 1000 {
            return Err(CaError::RejectionReasonMissing);
        }
        self.store
            .reject(id, reason, &self.audit(operator))
            .await
            .map_err(|e| request_error(id, e))
    }
}
