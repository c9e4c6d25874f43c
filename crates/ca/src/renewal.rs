//! Renewal (re-key) while the current certificate is valid: the holder
//! signs a new CSR with the current key (a CMS SignedData with the CSR
//! attached, e.g. `openssl cms -sign -nodetach` or `podpis sign`). The
//! CA checks, in order:
//!
//! 1. the CMS: content attached, signature valid, the signer a certificate
//!    this CA issued (the same bytes as on record);
//! 2. that certificate: good (not revoked or suspended), within its
//!    validity, its private key within the usage period;
//! 3. the new CSR, as at submission, certifying a *new* key.
//!
//! The new request carries the old one's verified identity and data, is
//! identified "by qualified e-signature" (IdentificationKind 1, the
//! document being the old certificate) and approved at once, then issued.
//! A refusal for lack of entitlement is journaled.

use pki::profile::IdentificationKind;
use store::{CertStatus, CertificateRecord, Identification, NewRequest, StoreError};

use crate::registration::check_csr;
use crate::signed::SignedBy;
use crate::{Ca, CaError};

impl Ca {
    /// Renews on a re-key request signed with the current key; returns the
    /// new certificate. Needs the issuing key.
    pub async fn renew(&self, signed: &[u8]) -> Result<CertificateRecord, CaError> {
        self.signer()?;
        let request = self.signed_request(signed).await?;
        let old = match request.signer {
            SignedBy::Issued(record) => *record,
            SignedBy::Other(who) => {
                let err = CaError::RenewalNotEntitled(format!(
                    "signed by {who}, not a certificate of this CA"
                ));
                return Err(self.deny("renewal", None, &who, err).await);
            }
        };
        let holder = format!("holder:{}", old.serial);
        if let Err(err) = self.usable(&old) {
            return Err(self.deny("renewal", Some(&old), &holder, err).await);
        }
        let now = self.now();
        let old_request = match old.request_id {
            Some(id) => self.store.request(id).await?,
            None => None,
        };
        let Some(old_request) = old_request else {
            let err = CaError::RenewalNotEntitled(
                "the certificate was not issued on an applicant's request".into(),
            );
            return Err(self.deny("renewal", Some(&old), &holder, err).await);
        };
        let audit = self.audit(&holder);
        let mut new = NewRequest {
            kind: old_request.kind.clone(),
            applicant: old_request.applicant.clone(),
            identity_key: old_request.identity_key.clone(),
            csr_der: Some(request.content.clone()),
            spki_hash: None,
            renewal_of: Some(old.serial.clone()),
            token_hash: None,
        };
        let csr = match check_csr(&request.content) {
            Ok(csr) if csr.spki_hash == old.spki_hash => {
                return Err(self.refuse(&new, CaError::RenewalSameKey, &audit).await);
            }
            Ok(csr) => csr,
            Err(cause) => return Err(self.refuse(&new, cause, &audit).await),
        };
        new.csr_der = Some(csr.der);
        new.spki_hash = Some(csr.spki_hash);
        let identification = Identification {
            method: IdentificationKind::RemoteCert,
            document_type: "квалифицированный сертификат".into(),
            document_number: old.serial.to_string(),
            operator: holder.clone(),
            at: now,
        };
        let record = match self
            .store
            .submit_renewal(&new, &identification, &audit)
            .await
        {
            Ok(r) => r,
            Err(StoreError::DuplicateKey { existing }) => {
                return Err(self
                    .refuse(&new, CaError::Duplicate { existing }, &audit)
                    .await);
            }
            Err(e) => return Err(e.into()),
        };
        self.issue(record.id, &holder).await
    }

    /// Whether a certificate's holder may still act with its key now:
    /// good, within its validity, within its key usage period.
    pub(crate) fn usable(&self, cert: &CertificateRecord) -> Result<(), CaError> {
        let serial = cert.serial.to_string();
        match cert.status.status {
            CertStatus::Revoked => return Err(CaError::CertRevoked(serial)),
            CertStatus::Hold => return Err(CaError::CertOnHold(serial)),
            CertStatus::Good => {}
        }
        let now = self.now();
        if now < cert.not_before || now > cert.not_after {
            return Err(CaError::CertExpired(serial));
        }
        if cert.key_usage_end.is_some_and(|end| now > end) {
            return Err(CaError::KeyUsageEnded(serial));
        }
        Ok(())
    }

    /// Journals a refused renewal, revocation or suspension and returns
    /// the refusal (or the store's error if journaling failed).
    pub(crate) async fn deny(
        &self,
        what: &str,
        target: Option<&CertificateRecord>,
        requester: &str,
        err: CaError,
    ) -> CaError {
        use pki::Diagnostic;
        let object = target.map(|t| t.serial.to_string()).unwrap_or_default();
        let details = serde_json::json!({
            "attempt": what,
            "code": err.code(),
            "why": err.to_string(),
        });
        match self
            .store
            .append_journal(
                &self.audit(requester),
                store::journal::action::CERTIFICATE_CHANGE_DENIED,
                ("certificate", &object),
                details,
            )
            .await
        {
            Ok(()) => err,
            Err(e) => e.into(),
        }
    }
}
