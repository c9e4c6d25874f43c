//! Issuance: the qualified certificate for an approved request.
//!
//! The subject comes from the checked applicant data, the key from the
//! CSR (checked again), the IdentificationKind from the last
//! identification recorded. The certificate is valid for the settings'
//! months (15 by default), as is its private-key usage period, never past
//! the issuing CA's own notAfter. Each certificate gets a fresh serial of
//! 126 random bits; the store writes certificate, request state and
//! journal entry in one transaction, and a serial that is taken (the
//! database's primary key says so) is drawn again and the certificate
//! signed anew. Every certificate is checked against the qualified
//! profile before it is stored; one that breaks it is never issued.

use std::time::SystemTime;

use der::Encode;
use pki::cert::CertificateBuilder;
use pki::profile::{ExtensionValue, SubjectSignTool, check_qualified};
use store::{CertificateRecord, NewCertificate, RequestState, StoreError};

use crate::applicant::{Applicant, ApplicantForm};
use crate::identification::request_error;
use crate::registration::check_csr;
use crate::{Ca, CaError, actor_name, spki_hash};

/// How many serials are drawn before giving up (a collision of 126-bit
/// random numbers means the RNG is broken, not bad luck).
pub(crate) const SERIAL_ATTEMPTS: usize = 8;

/// `t` plus `months` calendar months, the day clamped to the month's last
/// (31 January + 1 month = 28 or 29 February); the time of day is kept.
pub fn add_months(t: SystemTime, months: u32) -> SystemTime {
    let Ok(dt) = der::DateTime::from_system_time(t) else {
        return t;
    };
    let total = u32::from(dt.month()) - 1 + months;
    let Ok(year) = u16::try_from(u32::from(dt.year()) + total / 12) else {
        return t;
    };
    let month = (total % 12) as u8 + 1;
    let sub_second = t.duration_since(dt.to_system_time()).unwrap_or_default();
    for day in (1..=dt.day()).rev() {
        if let Ok(out) = der::DateTime::new(year, month, day, dt.hour(), dt.minutes(), dt.seconds())
        {
            return out.to_system_time() + sub_second;
        }
    }
    t
}

impl Ca {
    /// Issues the certificate of approved request `id`, journaled as
    /// `actor`. Needs the issuing key ([`Ca::with_signer`]).
    pub async fn issue(&self, id: i64, actor: &str) -> Result<CertificateRecord, CaError> {
        let actor = actor_name(actor)?;
        let signer = self.signer()?.clone();
        let request = self
            .store
            .request(id)
            .await?
            .ok_or(CaError::RequestNotFound(id))?;
        if request.state != RequestState::Approved {
            return Err(CaError::RequestWrongState {
                id,
                actual: request.state.to_string(),
                expected: RequestState::Approved.to_string(),
            });
        }
        let form: ApplicantForm = serde_json::from_str(&request.applicant)
            .map_err(|e| CaError::StoredDataInvalid(format!("request {id}: {e}")))?;
        let now = self.now();
        let applicant = Applicant::check(&form, now)?;
        let csr = check_csr(request.csr_der.as_deref().unwrap_or_default())?;
        let identification = self.store.identifications(id).await?.pop().ok_or_else(|| {
            CaError::RequestWrongState {
                id,
                actual: "approved without identification".into(),
                expected: RequestState::Identified.to_string(),
            }
        })?;

        let issuer_not_after = self
            .issuing
            .cert
            .tbs_certificate()
            .validity()
            .not_after
            .to_system_time();
        let not_after = add_months(now, self.settings.certificate_months).min(issuer_not_after);
        let key_usage_end = add_months(now, self.settings.key_usage_months).min(not_after);
        let subject = applicant.subject()?;
        let subject_text = pki::name::format_name(&subject);
        // The CSR may name the applicant's crypto tool; else the default.
        let sign_tool = csr
            .extensions
            .iter()
            .find_map(|e| SubjectSignTool::decode_extension(e).ok())
            .map(|t| t.0)
            .filter(|t| !t.trim().is_empty() && t.chars().count() <= 200)
            .unwrap_or_else(|| self.settings.subject_sign_tool.clone());
        let mut builder = CertificateBuilder::qualified(
            subject,
            &csr.key,
            &self.issuing.cert,
            self.settings.issuer_sign_tool(),
            identification.method,
            now,
            not_after,
        )
        .subject_sign_tool(&sign_tool)
        .private_key_usage_period(Some(now), Some(key_usage_end));
        for url in &self.settings.crl_urls {
            builder = builder.crl_url(url);
        }
        for url in &self.settings.ocsp_urls {
            builder = builder.ocsp_url(url);
        }
        for url in &self.settings.ca_issuers_urls {
            builder = builder.ca_issuers_url(url);
        }

        let audit = self.audit(actor).with_context(serde_json::json!({
            "identification_kind": identification.method as u8,
            "identified_by": identification.operator,
        }));
        for _ in 0..SERIAL_ATTEMPTS {
            let serial = (self.serials)()?;
            let cert = builder
                .clone()
                .serial(serial.as_bytes())
                .build(signer.as_ref())?;
            let report = check_qualified(&cert, Some(applicant.kind));
            if !report.is_qualified() {
                return Err(CaError::ProfileViolation(report.codes()));
            }
            let spki = cert
                .tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .map_err(pki::cert::CertError::from)?;
            let new = NewCertificate {
                serial,
                ca_id: self.issuing.record.id,
                request_id: Some(id),
                subject: subject_text.clone(),
                not_before: now,
                not_after,
                key_usage_end: Some(key_usage_end),
                spki_hash: spki_hash(&spki),
                der: cert.to_der().map_err(pki::cert::CertError::from)?,
            };
            match self.store.issue_certificate(&new, &audit).await {
                Err(StoreError::DuplicateSerial(_)) => continue,
                Err(e) => return Err(request_error(id, e)),
                Ok(record) => return Ok(record),
            }
        }
        Err(CaError::SerialExhausted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(y: u16, m: u8, d: u8) -> SystemTime {
        der::DateTime::new(y, m, d, 10, 20, 30)
            .unwrap()
            .to_system_time()
    }

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(add_months(at(2026, 1, 15), 15), at(2027, 4, 15));
        assert_eq!(add_months(at(2026, 1, 31), 1), at(2026, 2, 28));
        assert_eq!(add_months(at(2027, 12, 31), 2), at(2028, 2, 29));
        assert_eq!(add_months(at(2026, 11, 30), 0), at(2026, 11, 30));
        assert_eq!(add_months(at(2026, 3, 1), 12 * 15), at(2041, 3, 1));
        let t = at(2026, 5, 5) + Duration::from_millis(250);
        assert_eq!(
            add_months(t, 1),
            at(2026, 6, 5) + Duration::from_millis(250)
        );
    }
}
