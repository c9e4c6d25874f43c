//! The status a bound certificate shows on «Ключи и сертификаты»: valid,
//! expires in N days (from 30 days before notAfter), expired, revoked.

use std::time::SystemTime;

use crate::Lang;
use crate::time::days_until;

/// From this many days before notAfter the page warns.
pub const WARN_DAYS: i64 = 30;

/// A certificate's status on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    /// Valid, more than [`WARN_DAYS`] left.
    Valid,
    /// Valid, this many whole days left (at most [`WARN_DAYS`]).
    ExpiresIn(i64),
    /// Past notAfter.
    Expired,
    /// Revoked by its CA.
    Revoked,
    /// The revocation status could not be checked.
    Unchecked,
}

/// The status of a certificate valid until `not_after`, revoked or not,
/// at `now`. Revocation wins over expiry.
pub fn status_of(not_after: SystemTime, revoked: bool, now: SystemTime) -> CertStatus {
    if revoked {
        return CertStatus::Revoked;
    }
    if now >= not_after {
        return CertStatus::Expired;
    }
    match days_until(now, not_after) {
        d if d <= WARN_DAYS => CertStatus::ExpiresIn(d),
        _ => CertStatus::Valid,
    }
}

impl CertStatus {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::at;

    #[test]
    fn statuses() {
        let day = 86_400;
        let now = at(1_000 * day);
        let l = Lang::ru("/");
        let s = |days: u64, revoked| status_of(at(1_000 * day + days * day + 60), revoked, now);
        assert_eq!(s(31, false), CertStatus::Valid);
        assert_eq!(s(30, false), CertStatus::ExpiresIn(30));
        assert_eq!(s(0, false), CertStatus::ExpiresIn(0));
        assert_eq!(s(30, false).label(&l), "истекает через 30 дн.");
        assert_eq!(s(100, true), CertStatus::Revoked);
        assert_eq!(status_of(at(999 * day), false, now), CertStatus::Expired);
        assert_eq!(status_of(now, false, now), CertStatus::Expired);
        assert_eq!(status_of(at(999 * day), true, now), CertStatus::Revoked);
        let en = Lang::detect(Some("en"), &Default::default(), "/");
        assert_eq!(CertStatus::ExpiresIn(3).label(&en), "expires in 3 days");
        assert_eq!(CertStatus::Expired.label(&en), "expired");
        assert_eq!(CertStatus::Valid.class(), "valid");
    }
}
