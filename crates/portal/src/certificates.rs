//! The status a bound certificate shows on «Ключи и сертификаты»: valid,
//! expires in N days (warned from [`idp::esig::WARN_DAYS`] days before
//! notAfter), expired, revoked — as the e-signature part
//! ([`idp::esig::Esig::certificates`]) found it, in the page's language.

use idp::esig::{CertificateStatus, CertificateView};

use crate::Lang;

/// A certificate's status on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    /// Valid, more than [`idp::esig::WARN_DAYS`] left.
    Valid,
    /// Valid, this many whole days left (at most [`idp::esig::WARN_DAYS`]).
    ExpiresIn(i64),
    /// Past notAfter.
    Expired,
    /// Revoked by its CA.
    Revoked,
    /// The revocation status could not be checked.
    Unchecked,
}

impl CertStatus {
    /// The status of a bound certificate as the e-signature part reports it.
    pub fn of(view: &CertificateView) -> CertStatus {
        match view.status {
            CertificateStatus::Valid => CertStatus::Valid,
            CertificateStatus::Expiring => CertStatus::ExpiresIn(view.days_left.max(0)),
            CertificateStatus::Expired => CertStatus::Expired,
            CertificateStatus::Revoked => CertStatus::Revoked,
            CertificateStatus::Unchecked => CertStatus::Unchecked,
        }
    }

    /// The text on the page.
    pub fn label(self, l: &Lang) -> String {
        match self {
            CertStatus::Valid => l.t("certs.valid").to_owned(),
            CertStatus::ExpiresIn(n) => l.t("certs.expires_in").replace("{n}", &n.to_string()),
            CertStatus::Expired => l.t("certs.expired").to_owned(),
            CertStatus::Revoked => l.t("certs.revoked").to_owned(),
            CertStatus::Unchecked => l.t("certs.unchecked").to_owned(),
        }
    }

    /// The CSS class suffix.
    pub fn class(self) -> &'static str {
        match self {
            CertStatus::Valid => "valid",
            CertStatus::ExpiresIn(_) => "expiring",
            CertStatus::Expired => "expired",
            CertStatus::Revoked => "revoked",
            CertStatus::Unchecked => "unchecked",
        }
    }
}

/// An RFC 3339 time as the pages show times: `YYYY-MM-DD HH:MM` (UTC).
pub(crate) fn show_rfc3339(t: &str) -> String {
    t.chars()
        .take(16)
        .map(|c| if c == 'T' { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(status: CertificateStatus, days_left: i64) -> CertificateView {
        CertificateView {
            id: 1,
            fingerprint: "00".into(),
            subject: "CN=Иванов".into(),
            issuer: "CN=УЦ".into(),
            serial: "01".into(),
            not_before: "2026-01-01T00:00:00Z".into(),
            not_after: "2027-01-15T08:00:00Z".into(),
            bound_at: "2026-01-02T00:00:00Z".into(),
            status,
            days_left,
            warn: status != CertificateStatus::Valid,
            problem: None,
        }
    }

    #[test]
    fn statuses() {
        let l = Lang::ru("/");
        let en = Lang::detect(Some("en"), &Default::default(), "/");
        let s = |st, days| CertStatus::of(&view(st, days));
        assert_eq!(s(CertificateStatus::Valid, 31), CertStatus::Valid);
        assert_eq!(
            s(CertificateStatus::Expiring, 30),
            CertStatus::ExpiresIn(30)
        );
        assert_eq!(s(CertificateStatus::Expiring, 0), CertStatus::ExpiresIn(0));
        assert_eq!(s(CertificateStatus::Expired, -2), CertStatus::Expired);
        assert_eq!(s(CertificateStatus::Revoked, 100), CertStatus::Revoked);
        assert_eq!(s(CertificateStatus::Unchecked, 100), CertStatus::Unchecked);
        assert_eq!(CertStatus::ExpiresIn(30).label(&l), "истекает через 30 дн.");
        assert_eq!(CertStatus::ExpiresIn(3).label(&en), "expires in 3 days");
        assert_eq!(CertStatus::Expired.label(&en), "expired");
        assert_eq!(CertStatus::Revoked.label(&l), "отозван");
        assert_eq!(CertStatus::Valid.class(), "valid");
        assert_eq!(CertStatus::ExpiresIn(1).class(), "expiring");
        assert_eq!(show_rfc3339("2027-01-15T08:00:00Z"), "2027-01-15 08:00");
    }
}
