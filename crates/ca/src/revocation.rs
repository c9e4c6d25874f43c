//! Revocation with RFC 5280 reason codes, suspension (certificateHold) and
//! release (removeFromCRL).
//!
//! Who may ask:
//!
//! * **an operator** — any reason; suspension and release
//!   ([`Ca::revoke`], [`Ca::suspend`], [`Ca::release`]);
//! * **the holder** — a [`RevocationRequest`] signed (CMS, content
//!   attached) with the key of a certificate of this CA that is usable now
//!   (good, valid, key within its usage period) and is either the target
//!   itself or belongs to the same verified identity (same SNILS / OGRN /
//!   OGRNIP). Any reason but removeFromCRL and the CA-level ones
//!   (cACompromise, aACompromise); certificateHold suspends;
//! * **anyone, on key compromise** — a request with reason keyCompromise
//!   signed with the target certificate's own private key: possession of
//!   the key is the proof that it is compromised. This works even when
//!   the target is suspended, expired, or its key past its usage period.
//!
//! Anything else is refused with `CA_REVOCATION_NOT_ENTITLED` and the
//! attempt is journaled. Every change is journaled with who asked, how,
//! and when, in the transaction of the change.

use pki::crl::{CrlReason, reason_name};
use serde::{Deserialize, Serialize};
use store::{CertStatus, CertificateRecord, Serial, StatusChange, StoreError};

use crate::signed::SignedBy;
use crate::{Ca, CaError, actor_name};

/// The `type` of a revocation request document.
pub const REVOCATION_REQUEST_TYPE: &str = "podpis-revocation-request";

/// The document a holder signs to revoke or suspend a certificate (UTF-8
/// JSON, the attached content of a CMS SignedData):
///
/// ```json
/// {"type": "podpis-revocation-request", "serial": "4A3F…",
///  "reason": "keyCompromise", "comment": "ноутбук украден"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationRequest {
    /// Always [`REVOCATION_REQUEST_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The certificate's serial number, hex.
    pub serial: String,
    /// The RFC 5280 reason name (`keyCompromise`, `certificateHold`, …).
    pub reason: String,
    /// Free text for the journal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl RevocationRequest {
    /// A request for `serial` with `reason`.
    pub fn new(serial: &Serial, reason: CrlReason) -> RevocationRequest {
        RevocationRequest {
            kind: REVOCATION_REQUEST_TYPE.into(),
            serial: serial.to_string(),
            reason: reason_name(reason).into(),
            comment: None,
        }
    }

    /// The document's bytes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

/// The RFC 5280 reason of its name (`keyCompromise`), any case, or its
/// number.
pub fn parse_reason(name: &str) -> Result<CrlReason, CaError> {
    let all = [
        CrlReason::Unspecified,
        CrlReason::KeyCompromise,
        CrlReason::CaCompromise,
        CrlReason::AffiliationChanged,
        CrlReason::Superseded,
        CrlReason::CessationOfOperation,
        CrlReason::CertificateHold,
        CrlReason::RemoveFromCRL,
        CrlReason::PrivilegeWithdrawn,
        CrlReason::AaCompromise,
    ];
    let n = name.trim();
    all.into_iter()
        .find(|r| {
            reason_name(*r).eq_ignore_ascii_case(n)
                || n.parse::<i64>().ok() == Some(store::reason_code(*r))
        })
        .ok_or_else(|| CaError::ReasonUnknown(n.chars().take(64).collect()))
}

/// Parses a serial number as typed.
pub fn parse_serial(text: &str) -> Result<Serial, CaError> {
    Serial::parse_hex(text).ok_or_else(|| CaError::SerialInvalid(text.chars().take(64).collect()))
}

/// Who asked for a status change, as the journal records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "requester", rename_all = "snake_case")]
pub enum Requester {
    /// An operator, by name.
    Operator {
        /// The operator.
        name: String,
    },
    /// The holder, with the certificate they signed with.
    Holder {
        /// That certificate's serial.
        signed_with: String,
    },
    /// Anyone proving possession of the compromised key.
    KeyHolder {
        /// The comment in the request, if any.
        comment: Option<String>,
    },
}

impl Requester {
    fn actor(&self) -> String {
        match self {
            Requester::Operator { name } => name.clone(),
            Requester::Holder { signed_with } => format!("holder:{signed_with}"),
            Requester::KeyHolder { .. } => "key-holder".into(),
        }
    }
}

/// The domain error for a store refusal of `change` on `serial`.
fn status_error(serial: &Serial, change: StatusChange, e: StoreError) -> CaError {
    let s = serial.to_string();
    match e {
        StoreError::NotFound { .. } => CaError::CertUnknown(s),
        StoreError::WrongState { actual, .. } => match (CertStatus::parse(&actual), change) {
            (Some(CertStatus::Revoked), _) => CaError::CertRevoked(s),
            (Some(CertStatus::Hold), StatusChange::Hold) => CaError::CertOnHold(s),
            (_, StatusChange::Release) => CaError::CertNotOnHold(s),
            _ => CaError::CertRevoked(s),
        },
        e => e.into(),
    }
}

impl Ca {
    async fn change(
        &self,
        serial: &Serial,
        change: StatusChange,
        requester: &Requester,
    ) -> Result<CertificateRecord, CaError> {
        let context = serde_json::to_value(requester).unwrap_or_default();
        let audit = self.audit(&requester.actor()).with_context(context);
        let record = self
            .store
            .change_status(serial, change, &audit)
            .await
            .map_err(|e| status_error(serial, change, e))?;
        // Committed: the publication services learn of it now.
        self.notify(serial);
        Ok(record)
    }

    /// Revokes `serial` for `reason` on `operator`'s decision. Suspension
    /// and release have their own calls (certificateHold and removeFromCRL
    /// are refused here).
    pub async fn revoke(
        &self,
        serial: &Serial,
        reason: CrlReason,
        operator: &str,
    ) -> Result<CertificateRecord, CaError> {
        let name = actor_name(operator)?.to_owned();
        if matches!(
            reason,
            CrlReason::CertificateHold | CrlReason::RemoveFromCRL
        ) {
            return Err(CaError::ReasonNotAllowed(reason_name(reason)));
        }
        self.change(
            serial,
            StatusChange::Revoke(reason),
            &Requester::Operator { name },
        )
        .await
    }

    /// Suspends `serial` (certificateHold) on `operator`'s decision.
    pub async fn suspend(
        &self,
        serial: &Serial,
        operator: &str,
    ) -> Result<CertificateRecord, CaError> {
        let name = actor_name(operator)?.to_owned();
        self.change(serial, StatusChange::Hold, &Requester::Operator { name })
            .await
    }

    /// Releases suspended `serial` (removeFromCRL) on `operator`'s decision.
    pub async fn release(
        &self,
        serial: &Serial,
        operator: &str,
    ) -> Result<CertificateRecord, CaError> {
        let name = actor_name(operator)?.to_owned();
        self.change(serial, StatusChange::Release, &Requester::Operator { name })
            .await
    }

    /// Revokes or suspends on a signed [`RevocationRequest`] (CMS with the
    /// JSON attached), after deciding who is asking (see the module
    /// documentation). Returns the changed certificate and the requester.
    pub async fn revoke_on_request(
        &self,
        signed: &[u8],
    ) -> Result<(CertificateRecord, Requester), CaError> {
        let request = self.signed_request(signed).await?;
        let doc: RevocationRequest = serde_json::from_slice(&request.content)
            .map_err(|e| CaError::RevocationRequestMalformed(e.to_string()))?;
        if doc.kind != REVOCATION_REQUEST_TYPE {
            return Err(CaError::RevocationRequestMalformed(format!(
                "type is {:?}, not {REVOCATION_REQUEST_TYPE:?}",
                doc.kind
            )));
        }
        if doc
            .comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > 1000)
        {
            return Err(CaError::RevocationRequestMalformed(
                "comment too long".into(),
            ));
        }
        let serial = parse_serial(&doc.serial)?;
        let reason = parse_reason(&doc.reason)?;
        let target = self
            .store
            .certificate(&serial)
            .await?
            .ok_or_else(|| CaError::CertUnknown(serial.to_string()))?;
        let signer = match request.signer {
            SignedBy::Issued(signer) => *signer,
            SignedBy::Other(who) => {
                let err = CaError::RevocationNotEntitled(format!(
                    "signed by {who}, not a certificate of this CA"
                ));
                return Err(self.deny("revocation", Some(&target), &who, err).await);
            }
        };
        let requester = match self.entitlement(&target, &signer, reason, &doc).await? {
            Ok(requester) => requester,
            Err(err) => {
                let who = format!("holder:{}", signer.serial);
                return Err(self.deny("revocation", Some(&target), &who, err).await);
            }
        };
        let change = if reason == CrlReason::CertificateHold {
            StatusChange::Hold
        } else {
            StatusChange::Revoke(reason)
        };
        let record = self.change(&serial, change, &requester).await?;
        Ok((record, requester))
    }

    /// Decides whether the signer of a revocation request may ask for
    /// `reason` on `target` (the outer error is the store's, the inner the
    /// refusal).
    async fn entitlement(
        &self,
        target: &CertificateRecord,
        signer: &CertificateRecord,
        reason: CrlReason,
        doc: &RevocationRequest,
    ) -> Result<Result<Requester, CaError>, CaError> {
        if target.status.status == CertStatus::Revoked {
            return Ok(Err(CaError::CertRevoked(target.serial.to_string())));
        }
        let same_key = signer.spki_hash == target.spki_hash;
        // Anyone holding the compromised key.
        if same_key && reason == CrlReason::KeyCompromise {
            return Ok(Ok(Requester::KeyHolder {
                comment: doc.comment.clone(),
            }));
        }
        // The holder, with a usable certificate of the same identity.
        if let Err(e) = self.usable(signer) {
            return Ok(Err(CaError::RevocationNotEntitled(format!(
                "the signer's certificate cannot be used now ({e})"
            ))));
        }
        let same_holder = same_key || {
            let identity = |id: Option<i64>| async move {
                match id {
                    Some(id) => {
                        Ok::<_, CaError>(self.store.request(id).await?.and_then(|r| r.identity_key))
                    }
                    None => Ok(None),
                }
            };
            let (a, b) = (
                identity(signer.request_id).await?,
                identity(target.request_id).await?,
            );
            a.is_some() && a == b
        };
        if !same_holder {
            return Ok(Err(CaError::RevocationNotEntitled(format!(
                "certificate {} belongs to another holder than the signer's {}",
                target.serial, signer.serial
            ))));
        }
        if matches!(
            reason,
            CrlReason::RemoveFromCRL | CrlReason::CaCompromise | CrlReason::AaCompromise
        ) {
            return Ok(Err(CaError::ReasonNotAllowed(reason_name(reason))));
        }
        Ok(Ok(Requester::Holder {
            signed_with: signer.serial.to_string(),
        }))
    }
}
