//! A CRL of the issuing CA as of now: every revoked certificate with its
//! reason and every suspended one (certificateHold), a cRLNumber from the
//! store's monotonic counter, nextUpdate after the settings' hours. The
//! publisher (schedule, HTTP) builds on [`Ca::crl`]; the root's CRL is
//! signed with the root key, which stays offline between ceremonies.

use std::time::{Duration, SystemTime};

use pki::Signer;
use pki::crl::{CrlBuilder, RevokedEntry};
use serde_json::json;

use crate::{Authority, Ca, CaError};

/// A CRL just issued.
#[derive(Debug, Clone)]
pub struct IssuedCrl {
    /// The CRL (DER).
    pub der: Vec<u8>,
    /// Its cRLNumber.
    pub number: i64,
    /// thisUpdate.
    pub this_update: SystemTime,
    /// nextUpdate.
    pub next_update: SystemTime,
    /// How many certificates it lists.
    pub entries: usize,
}

/// The counter of an authority's cRLNumbers.
pub fn crl_counter(authority: &Authority) -> String {
    format!("crl:{}", authority.record.id)
}

impl Ca {
    /// Builds and signs the issuing CA's CRL now, and journals it. Needs
    /// the issuing key.
    pub async fn crl(&self) -> Result<IssuedCrl, CaError> {
        let signer = self.signer()?.clone();
        let revoked = self.store.revoked(self.issuing.record.id).await?;
        let entries = revoked
            .iter()
            .map(crate::store_status::revoked_entry)
            .collect::<Result<Vec<_>, _>>()?;
        self.sign_crl(&self.issuing, signer.as_ref(), entries).await
    }

    /// Builds and signs the root's CRL (no entries: the issuing CA is
    /// revoked only by a new ceremony) with the root key.
    pub async fn root_crl(&self, root_signer: &dyn Signer) -> Result<IssuedCrl, CaError> {
        let key = pki::cert::public_key(&self.root.cert)?;
        if *root_signer.verifying_key() != key {
            return Err(CaError::SignerMismatch);
        }
        self.sign_crl(&self.root, root_signer, Vec::new()).await
    }

    async fn sign_crl(
        &self,
        authority: &Authority,
        signer: &dyn Signer,
        entries: Vec<RevokedEntry>,
    ) -> Result<IssuedCrl, CaError> {
        let now = self.now();
        let next = now + Duration::from_secs(u64::from(self.settings.crl_next_update_hours) * 3600);
        let number = self.store.next_value(&crl_counter(authority)).await?;
        let count = entries.len();
        let mut builder = CrlBuilder::new(&authority.cert, now)
            .next_update(next)
            .number(number.unsigned_abs());
        for entry in entries {
            builder = builder.revoke(entry);
        }
        let der = builder.build_der(signer)?;
        self.store
            .append_journal(
                &self.audit("system"),
                store::journal::action::CRL_ISSUED,
                ("crl", &authority.record.id.to_string()),
                json!({
                    "number": number,
                    "entries": count,
                    "next_update": pki::validation::rfc3339(next),
                }),
            )
            .await?;
        Ok(IssuedCrl {
            der,
            number,
            this_update: now,
            next_update: next,
            entries: count,
        })
    }
}
