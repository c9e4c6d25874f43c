//! The data of the «Ключи и сертификаты» page: an account's bound
//! certificates with their status now (valid; expires in N days, warned
//! from [`WARN_DAYS`]; expired; revoked), and unbinding.

use std::time::SystemTime;

use der::Decode;
use pki::Diagnostic;
use serde::Serialize;
use serde_json::json;
use store::action_journal::ActionEntry;
use store::esig::BoundCertificate;
use x509_cert::Certificate;

use super::{Esig, EsigError};

/// From this many days before notAfter a certificate is shown as expiring.
pub const WARN_DAYS: i64 = 30;

/// The journal action of unbinding a certificate.
pub const UNBIND_ACTION: &str = "certificate.unbind";

/// A bound certificate's status now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    /// Valid, more than [`WARN_DAYS`] days left.
    Valid,
    /// Valid, [`WARN_DAYS`] days or fewer left.
    Expiring,
    /// Past notAfter.
    Expired,
    /// Revoked by its CA.
    Revoked,
    /// Not revoked as far as known, but the revocation status could not
    /// be checked now (or the certificate no longer chains to the trust
    /// list).
    Unchecked,
}

impl CertificateStatus {
    /// The status in Russian, for the page.
    pub fn label_ru(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "действует",
            CertificateStatus::Expiring => "скоро истекает",
            CertificateStatus::Expired => "истёк",
            CertificateStatus::Revoked => "отозван",
            CertificateStatus::Unchecked => "статус не проверен",
        }
    }

    /// The status in English.
    pub fn label_en(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "valid",
            CertificateStatus::Expiring => "expiring soon",
            CertificateStatus::Expired => "expired",
            CertificateStatus::Revoked => "revoked",
            CertificateStatus::Unchecked => "status not checked",
        }
    }
}

/// One row of the page.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateView {
    /// The binding's id (for unbinding).
    pub id: i64,
    /// Hex SHA-256 of the certificate.
    pub fingerprint: String,
    /// Subject, as displayed.
    pub subject: String,
    /// Issuer, as displayed.
    pub issuer: String,
    /// Serial number, upper-case hex.
    pub serial: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// When it was bound, RFC 3339.
    pub bound_at: String,
    /// The status.
    pub status: CertificateStatus,
    /// Whole days until notAfter (negative once expired).
    pub days_left: i64,
    /// Whether to warn (expiring, expired, revoked or unchecked).
    pub warn: bool,
    /// For an unchecked status: why (its code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<&'static str>,
}

fn days_between(now: SystemTime, later: SystemTime) -> i64 {
    match later.duration_since(now) {
        Ok(d) => i64::try_from(d.as_secs() / 86400).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs().div_ceil(86400)).unwrap_or(i64::MAX),
    }
}

impl Esig {
    /// The certificates bound to `account_id`, with their status now.
    /// Revocation is checked as at login (cached answers first).
    pub async fn certificates(&self, account_id: i64) -> Result<Vec<CertificateView>, EsigError> {
        let now = self.clock.now();
        let mut out = Vec::new();
        for b in self.store.account_certificates(account_id).await? {
            out.push(self.view(&b, now).await);
        }
        Ok(out)
    }

    async fn view(&self, b: &BoundCertificate, now: SystemTime) -> CertificateView {
        let days_left = days_between(now, b.not_after);
        let mut problem = None;
        let status = if now >= b.not_after {
            CertificateStatus::Expired
        } else {
            let revocation = match Certificate::from_der(&b.der) {
                Ok(cert) => match self.path(&b.fingerprint, &cert, &[], now) {
                    Ok(path) => match path.path.get(1) {
                        Some(issuer) => {
                            self.check_revocation(&b.fingerprint, &cert, issuer, now, None)
                                .await
                        }
                        None => Ok(()),
                    },
                    Err(e) => Err(e),
                },
                Err(e) => Err(EsigError::CertUntrusted(e.to_string())),
            };
            match revocation {
                Ok(()) if days_left <= WARN_DAYS => CertificateStatus::Expiring,
                Ok(()) => CertificateStatus::Valid,
                Err(EsigError::CertRevoked { .. }) => CertificateStatus::Revoked,
                Err(e) => {
                    problem = Some(e.code());
                    CertificateStatus::Unchecked
                }
            }
        };
        CertificateView {
            id: b.id,
            fingerprint: b.fingerprint.clone(),
            subject: b.subject.clone(),
            issuer: b.issuer.clone(),
            serial: b.serial.clone(),
            not_before: pki::validation::rfc3339(b.not_before),
            not_after: pki::validation::rfc3339(b.not_after),
            bound_at: pki::validation::rfc3339(b.bound_at),
            status,
            days_left,
            warn: status != CertificateStatus::Valid,
            problem,
        }
    }

    /// Unbinds certificate `id` of `account_id`, journaled
    /// (`certificate.unbind`). The account keeps its level.
    pub async fn unbind(
        &self,
        account_id: i64,
        id: i64,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<BoundCertificate, EsigError> {
        let now = self.clock.now();
        let current = self
            .store
            .account_certificates(account_id)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(EsigError::CertificateNotFound)?;
        let entry = ActionEntry {
            account_id: Some(account_id),
            action: UNBIND_ACTION.into(),
            result: "ok".into(),
            ip: ip.map(str::to_owned),
            user_agent: user_agent.map(str::to_owned),
            details: json!({
                "certificate_id": id,
                "fingerprint": current.fingerprint,
                "serial": current.serial,
                "subject": current.subject,
            }),
        };
        match self
            .store
            .unbind_certificate(account_id, id, now, &entry)
            .await
        {
            Ok(b) => Ok(b),
            Err(store::StoreError::NotFound { .. }) => Err(EsigError::CertificateNotFound),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn days() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(days_between(t, t + Duration::from_secs(86400 * 30)), 30);
        assert_eq!(days_between(t, t + Duration::from_secs(86400 * 30 - 1)), 29);
        assert_eq!(days_between(t, t - Duration::from_secs(1)), -1);
        assert_eq!(days_between(t, t - Duration::from_secs(86400 * 2)), -2);
    }
}
