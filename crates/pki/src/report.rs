//! Validation reports: what `podpis verify`, the portal and the login flow
//! say about a signature, per signer, in the vocabulary of ETSI EN 319 102-1
//! (§5.1.3: the indications TOTAL-PASSED, TOTAL-FAILED, INDETERMINATE and
//! their sub-indications), as JSON for programs and as text in Russian or
//! English for people — the text always says what to do next.

use std::fmt::Write as _;

use serde::Serialize;

/// The overall verdict on one signature (ETSI EN 319 102-1 §5.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Indication {
    /// Every check passed: the signature is valid.
    TotalPassed,
    /// More information could make the signature valid (e.g. revocation
    /// status unavailable now, chain not found).
    Indeterminate,
    /// The signature is invalid and no additional information can change it.
    TotalFailed,
}

impl Indication {
    /// The ETSI name, e.g. `TOTAL_PASSED`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Indication::TotalPassed => "TOTAL_PASSED",
            Indication::Indeterminate => "INDETERMINATE",
            Indication::TotalFailed => "TOTAL_FAILED",
        }
    }
}

/// Why a signature did not pass (ETSI EN 319 102-1 §5.1.3, tables 5 and 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum SubIndication {
    /// The signature is malformed or of a form not supported.
    FormatFailure,
    /// The signed data does not match the digest in the signature.
    HashFailure,
    /// The cryptographic signature value does not verify.
    SigCryptoFailure,
    /// The signing certificate was revoked at the validation time.
    Revoked,
    /// The signing certificate had expired at the validation time.
    Expired,
    /// The signing certificate was not yet valid at the validation time.
    NotYetValid,
    /// The signing certificate is neither in the signature nor supplied.
    NoSigningCertificateFound,
    /// No path from the signing certificate to a trust anchor.
    NoCertificateChainFound,
    /// The chain breaks a constraint (basicConstraints, path length, key
    /// usage, policy, an intermediate out of its validity).
    ChainConstraintsFailure,
    /// The signature breaks a constraint of the validation policy (e.g. the
    /// signed attributes CAdES-BES requires are missing). A certificate that
    /// is not qualified when a qualified one is required is a chain
    /// constraint ([`SubIndication::ChainConstraintsFailure`]).
    SigConstraintsFailure,
    /// An algorithm is unsupported or too weak (GOST R 34.11-94, RSA …).
    CryptoConstraintsFailure,
    /// Revocation status could not be obtained now; retry later.
    TryLater,
    /// The signed content is neither in the signature nor supplied.
    SignedDataNotFound,
}

impl SubIndication {
    /// The ETSI name, e.g. `HASH_FAILURE`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SubIndication::FormatFailure => "FORMAT_FAILURE",
            SubIndication::HashFailure => "HASH_FAILURE",
            SubIndication::SigCryptoFailure => "SIG_CRYPTO_FAILURE",
            SubIndication::Revoked => "REVOKED",
            SubIndication::Expired => "EXPIRED",
            SubIndication::NotYetValid => "NOT_YET_VALID",
            SubIndication::NoSigningCertificateFound => "NO_SIGNING_CERTIFICATE_FOUND",
            SubIndication::NoCertificateChainFound => "NO_CERTIFICATE_CHAIN_FOUND",
            SubIndication::ChainConstraintsFailure => "CHAIN_CONSTRAINTS_FAILURE",
            SubIndication::SigConstraintsFailure => "SIG_CONSTRAINTS_FAILURE",
            SubIndication::CryptoConstraintsFailure => "CRYPTO_CONSTRAINTS_FAILURE",
            SubIndication::TryLater => "TRY_LATER",
            SubIndication::SignedDataNotFound => "SIGNED_DATA_NOT_FOUND",
        }
    }

    /// The indication this sub-indication belongs to. The ones no further
    /// information can cure (EN 319 102-1 table 5) are TOTAL_FAILED; the
    /// rest are INDETERMINATE (table 6).
    pub const fn indication(self) -> Indication {
        match self {
            SubIndication::FormatFailure
            | SubIndication::HashFailure
            | SubIndication::SigCryptoFailure
            | SubIndication::Revoked
            | SubIndication::Expired
            | SubIndication::NotYetValid => Indication::TotalFailed,
            _ => Indication::Indeterminate,
        }
    }

    /// What it means and what to do, in Russian.
    pub const fn advice_ru(self) -> &'static str {
        match self {
            SubIndication::FormatFailure => {
                "Файл подписи повреждён или имеет неподдерживаемый формат. Запросите подпись заново в формате CAdES (CMS, .p7s)."
            }
            SubIndication::HashFailure => {
                "Документ изменён после подписания или проверяется не тот документ. Проверьте, что файл документа — тот самый, что подписывали."
            }
            SubIndication::SigCryptoFailure => {
                "Значение подписи не сходится с ключом сертификата: подпись повреждена или подделана. Запросите подпись заново."
            }
            SubIndication::Revoked => {
                "Сертификат подписанта отозван. Подпись недействительна; подписанту нужно получить новый сертификат и подписать заново."
            }
            SubIndication::Expired => {
                "Срок действия сертификата подписанта истёк к моменту проверки. Подписанту нужно подписать документ действующим сертификатом."
            }
            SubIndication::NotYetValid => {
                "Сертификат подписанта ещё не начал действовать на момент проверки. Проверьте часы компьютера или дождитесь начала действия."
            }
            SubIndication::NoSigningCertificateFound => {
                "В подписи нет сертификата подписанта. Передайте сертификат отдельно или попросите подписать с включением сертификата."
            }
            SubIndication::NoCertificateChainFound => {
                "Не удалось построить цепочку до доверенного корневого сертификата. Добавьте сертификаты УЦ в список доверенных (--trust) или промежуточные (--chain)."
            }
            SubIndication::ChainConstraintsFailure => {
                "Цепочка сертификатов нарушает ограничения (базовые ограничения, длина пути, использование ключа, квалифицированная политика или срок действия УЦ). Обратитесь в удостоверяющий центр или подпишите квалифицированным сертификатом, если он требуется."
            }
            SubIndication::SigConstraintsFailure => {
                "Подпись не удовлетворяет требованиям политики проверки (например, нет обязательных подписанных атрибутов CAdES-BES). Подпишите заново в формате CAdES-BES."
            }
            SubIndication::CryptoConstraintsFailure => {
                "Алгоритм подписи или хеширования не поддерживается (например, ГОСТ Р 34.11-94). Подпишите по ГОСТ Р 34.10-2012."
            }
            SubIndication::TryLater => {
                "Статус отзыва сертификата сейчас не получить (нет ответа OCSP и свежего CRL). Повторите проверку позже или передайте CRL (--crl)."
            }
            SubIndication::SignedDataNotFound => {
                "Подпись отделённая, а подписанный документ не передан. Укажите файл документа (--content)."
            }
        }
    }

    /// What it means and what to do, in English.
    pub const fn advice_en(self) -> &'static str {
        match self {
            SubIndication::FormatFailure => {
                "The signature file is damaged or of an unsupported form. Ask for the signature again as CAdES (CMS, .p7s)."
            }
            SubIndication::HashFailure => {
                "The document was changed after signing, or another document is being checked. Make sure the document file is the one that was signed."
            }
            SubIndication::SigCryptoFailure => {
                "The signature value does not match the certificate's key: the signature is damaged or forged. Ask for the signature again."
            }
            SubIndication::Revoked => {
                "The signer's certificate is revoked. The signature is invalid; the signer needs a new certificate and must sign again."
            }
            SubIndication::Expired => {
                "The signer's certificate had expired at the validation time. The signer must sign with a valid certificate."
            }
            SubIndication::NotYetValid => {
                "The signer's certificate was not yet valid at the validation time. Check the computer's clock or wait until it becomes valid."
            }
            SubIndication::NoSigningCertificateFound => {
                "The signature does not contain the signer's certificate. Supply it separately or ask for a signature that includes it."
            }
            SubIndication::NoCertificateChainFound => {
                "No chain to a trusted root could be built. Add the CA certificates to the trusted list (--trust) or the intermediates (--chain)."
            }
            SubIndication::ChainConstraintsFailure => {
                "The certificate chain breaks a constraint (basic constraints, path length, key usage, qualified policy or a CA's validity). Contact the certification authority, or sign with a qualified certificate where one is required."
            }
            SubIndication::SigConstraintsFailure => {
                "The signature does not meet the validation policy (e.g. the signed attributes CAdES-BES requires are missing). Sign again as CAdES-BES."
            }
            SubIndication::CryptoConstraintsFailure => {
                "The signature or hash algorithm is not supported (e.g. GOST R 34.11-94). Sign with GOST R 34.10-2012."
            }
            SubIndication::TryLater => {
                "The certificate's revocation status cannot be obtained now (no OCSP answer and no fresh CRL). Try again later or supply a CRL (--crl)."
            }
            SubIndication::SignedDataNotFound => {
                "The signature is detached and the signed document was not supplied. Give the document file (--content)."
            }
        }
    }
}

/// A specific failure behind a sub-indication: the stable code of the check
/// that failed (e.g. `CERT_REVOKED`) and its messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// Stable code of the failed check.
    pub code: String,
    /// The message in Russian.
    pub message_ru: String,
    /// The message in English.
    pub message_en: String,
}

impl Failure {
    /// The failure a [`crate::Diagnostic`] error describes.
    pub fn from_diagnostic(error: &dyn crate::Diagnostic) -> Self {
        Failure {
            code: error.code().to_owned(),
            message_ru: error.message_ru(),
            message_en: error.message_en(),
        }
    }
}

/// Who signed, as the signing certificate names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignerIdentity {
    /// The subject, formatted (`CN=…, SNILS=…`).
    pub subject: String,
    /// The Russian identifiers and name parts read from the subject.
    #[serde(flatten)]
    pub identity: crate::name::SubjectIdentity,
}

/// One certificate of the chain, leaf first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainEntry {
    /// Subject, formatted.
    pub subject: String,
    /// Issuer, formatted.
    pub issuer: String,
    /// Serial number, upper-case hex.
    pub serial: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Whether this certificate is the trust anchor the chain ends at.
    pub trust_anchor: bool,
}

/// The revocation evidence used for one certificate of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevocationEvidence {
    /// Serial of the certificate checked, upper-case hex.
    pub serial: String,
    /// `ocsp`, `crl`, or `none` (fail-open or revocation checking disabled).
    pub source: String,
    /// `good`, `revoked`, `unknown`, or `unchecked`.
    pub status: String,
    /// When the status was produced (OCSP producedAt / CRL thisUpdate), RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub produced_at: Option<String>,
    /// Until when it may be relied on (nextUpdate), RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_update: Option<String>,
    /// Who produced it (OCSP responder or CRL issuer), formatted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// For revoked certificates: the revocation time, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// For revoked certificates: the reason, e.g. `keyCompromise`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A time-stamp on the signature (CAdES-T).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimestampEvidence {
    /// The time the TSA asserted, RFC 3339.
    pub time: String,
    /// The TSA, formatted.
    pub tsa: String,
    /// Whether the token verified (signature, imprint over the signature
    /// value, the TSA's path to a trust anchor).
    pub valid: bool,
    /// Why it did not verify (English).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The verdict on one signer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignerReport {
    /// Position of the signer in the SignedData, from 0.
    pub index: usize,
    /// The verdict.
    pub indication: Indication,
    /// Why it did not pass; absent when it passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// The specific check that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// Who signed (when the signing certificate was found).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<SignerIdentity>,
    /// The signingTime attribute, RFC 3339 (claimed by the signer, not proven).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_time: Option<String>,
    /// A time-stamp proving the signature existed at a time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<TimestampEvidence>,
    /// Digest algorithm, e.g. `streebog256`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest_algorithm: Option<String>,
    /// Whether the signing certificate follows the qualified profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualified: Option<bool>,
    /// The chain, leaf first, anchor last.
    pub chain: Vec<ChainEntry>,
    /// Revocation evidence per certificate checked.
    pub revocation: Vec<RevocationEvidence>,
    /// Things that did not fail the signature but deserve attention.
    pub warnings: Vec<Failure>,
}

impl SignerReport {
    /// A report for a signer that passed every check.
    pub fn passed(index: usize) -> Self {
        SignerReport {
            index,
            indication: Indication::TotalPassed,
            sub_indication: None,
            failure: None,
            signer: None,
            signing_time: None,
            timestamp: None,
            digest_algorithm: None,
            qualified: None,
            chain: Vec::new(),
            revocation: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Marks the signer failed with a sub-indication and the check behind it;
    /// the indication follows from the sub-indication.
    pub fn fail(&mut self, sub: SubIndication, failure: Failure) {
        self.indication = sub.indication();
        self.sub_indication = Some(sub);
        self.failure = Some(failure);
    }
}

/// The verdict on a signed file: one report per signer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationReport {
    /// The worst signer verdict; TOTAL_PASSED only when every signer passed
    /// (and there is at least one).
    pub indication: Indication,
    /// The time validity was judged at, RFC 3339.
    pub validation_time: String,
    /// Per signer.
    pub signers: Vec<SignerReport>,
}

impl ValidationReport {
    /// Assembles the report, computing the overall indication.
    pub fn new(validation_time: String, signers: Vec<SignerReport>) -> Self {
        let indication = signers
            .iter()
            .map(|s| s.indication)
            .max()
            .unwrap_or(Indication::Indeterminate);
        ValidationReport {
            indication,
            validation_time,
            signers,
        }
    }

    /// Whether the file passes: every signer TOTAL_PASSED.
    pub fn passed(&self) -> bool {
        self.indication == Indication::TotalPassed
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain strings, numbers and enums cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The report as text for a person, in the language asked for.
    pub fn to_text(&self, lang: Lang) -> String {
        let t = |ru: &'static str, en: &'static str| if lang == Lang::Ru { ru } else { en };
        let mut out = String::new();
        let verdict = |i: Indication| match i {
            Indication::TotalPassed => t("ПОДПИСЬ ДЕЙСТВИТЕЛЬНА", "SIGNATURE VALID"),
            Indication::TotalFailed => t("ПОДПИСЬ НЕДЕЙСТВИТЕЛЬНА", "SIGNATURE INVALID"),
            Indication::Indeterminate => t("РЕЗУЛЬТАТ НЕ ОПРЕДЕЛЁН", "RESULT INDETERMINATE"),
        };
        let _ = writeln!(
            out,
            "{} ({})",
            verdict(self.indication),
            self.indication.as_str()
        );
        let _ = writeln!(
            out,
            "{}: {}",
            t("Время проверки", "Validation time"),
            self.validation_time
        );
        if self.signers.is_empty() {
            let _ = writeln!(
                out,
                "{}",
                t("В файле нет подписей.", "The file holds no signatures.")
            );
        }
        for s in &self.signers {
            let _ = writeln!(out);
            let _ = write!(
                out,
                "{} {}: {}",
                t("Подпись", "Signature"),
                s.index + 1,
                s.indication.as_str()
            );
            if let Some(sub) = s.sub_indication {
                let _ = write!(out, " / {}", sub.as_str());
            }
            let _ = writeln!(out);
            if let Some(id) = &s.signer {
                let _ = writeln!(out, "  {}: {}", t("Подписант", "Signer"), id.subject);
                let i = &id.identity;
                for (label, value) in [
                    (t("СНИЛС", "SNILS"), i.snils.as_ref().map(|v| v.to_string())),
                    (
                        t("ИНН", "INN"),
                        i.inn.as_ref().map(|v| v.as_str().to_owned()),
                    ),
                    (
                        t("ИНН ЮЛ", "INNLE"),
                        i.innle.as_ref().map(|v| v.as_str().to_owned()),
                    ),
                    (
                        t("ОГРН", "OGRN"),
                        i.ogrn.as_ref().map(|v| v.as_str().to_owned()),
                    ),
                    (
                        t("ОГРНИП", "OGRNIP"),
                        i.ogrnip.as_ref().map(|v| v.as_str().to_owned()),
                    ),
                ] {
                    if let Some(v) = value {
                        let _ = writeln!(out, "  {label}: {v}");
                    }
                }
            }
            if let Some(time) = &s.signing_time {
                let _ = writeln!(
                    out,
                    "  {}: {time}",
                    t("Время подписи (заявлено)", "Signing time (claimed)")
                );
            }
            if let Some(ts) = &s.timestamp {
                let ok = if ts.valid {
                    t("проверена", "verified")
                } else {
                    t("НЕ проверена", "NOT verified")
                };
                let _ = writeln!(
                    out,
                    "  {}: {} ({}, {ok})",
                    t("Штамп времени", "Time-stamp"),
                    ts.time,
                    ts.tsa
                );
            }
            if let Some(q) = s.qualified {
                let v = if q {
                    t("да", "yes")
                } else {
                    t("нет", "no")
                };
                let _ = writeln!(
                    out,
                    "  {}: {v}",
                    t("Квалифицированный сертификат", "Qualified certificate")
                );
            }
            if !s.chain.is_empty() {
                let _ = writeln!(out, "  {}:", t("Цепочка", "Chain"));
                for c in &s.chain {
                    let anchor = if c.trust_anchor {
                        t(" [доверенный]", " [trusted]")
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        out,
                        "    {}{anchor} ({} … {})",
                        c.subject, c.not_before, c.not_after
                    );
                }
            }
            for r in &s.revocation {
                let _ = writeln!(
                    out,
                    "  {} {}: {} ({})",
                    t("Отзыв", "Revocation"),
                    r.serial,
                    r.status,
                    r.source
                );
            }
            if let Some(f) = &s.failure {
                let msg = if lang == Lang::Ru {
                    &f.message_ru
                } else {
                    &f.message_en
                };
                let _ = writeln!(out, "  {} [{}]: {msg}", t("Ошибка", "Error"), f.code);
            }
            if let Some(sub) = s.sub_indication {
                let advice = if lang == Lang::Ru {
                    sub.advice_ru()
                } else {
                    sub.advice_en()
                };
                let _ = writeln!(out, "  {}: {advice}", t("Что делать", "What to do"));
            }
            for w in &s.warnings {
                let msg = if lang == Lang::Ru {
                    &w.message_ru
                } else {
                    &w.message_en
                };
                let _ = writeln!(
                    out,
                    "  {} [{}]: {msg}",
                    t("Предупреждение", "Warning"),
                    w.code
                );
            }
        }
        out
    }
}

pub use crate::cert::Lang;

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: &str) -> Failure {
        Failure {
            code: code.into(),
            message_ru: "сообщение".into(),
            message_en: "message".into(),
        }
    }

    #[test]
    fn overall_is_the_worst_signer() {
        let ok = SignerReport::passed(0);
        let mut try_later = SignerReport::passed(1);
        try_later.fail(SubIndication::TryLater, failure("REVOCATION_UNAVAILABLE"));
        let mut hash = SignerReport::passed(2);
        hash.fail(SubIndication::HashFailure, failure("CMS_HASH_MISMATCH"));

        let all_ok = ValidationReport::new("t".into(), vec![ok.clone()]);
        assert!(all_ok.passed());
        let some = ValidationReport::new("t".into(), vec![ok.clone(), try_later.clone()]);
        assert_eq!(some.indication, Indication::Indeterminate);
        let worst = ValidationReport::new("t".into(), vec![try_later, hash, ok]);
        assert_eq!(worst.indication, Indication::TotalFailed);
        assert!(!ValidationReport::new("t".into(), vec![]).passed());
    }

    #[test]
    fn json_uses_the_etsi_names() {
        let mut s = SignerReport::passed(0);
        s.fail(
            SubIndication::NoCertificateChainFound,
            failure("CERT_UNTRUSTED"),
        );
        let json = ValidationReport::new("2026-01-01T00:00:00Z".into(), vec![s]).to_json();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["indication"], "INDETERMINATE");
        assert_eq!(
            v["signers"][0]["sub_indication"],
            "NO_CERTIFICATE_CHAIN_FOUND"
        );
        assert_eq!(v["signers"][0]["failure"]["code"], "CERT_UNTRUSTED");
    }

    #[test]
    fn text_says_what_to_do_in_both_languages() {
        let mut s = SignerReport::passed(0);
        s.fail(SubIndication::Revoked, failure("CERT_REVOKED"));
        let r = ValidationReport::new("now".into(), vec![s]);
        let ru = r.to_text(Lang::Ru);
        assert!(
            ru.contains("ПОДПИСЬ НЕДЕЙСТВИТЕЛЬНА")
                && ru.contains("Что делать")
                && ru.contains("отозван")
        );
        let en = r.to_text(Lang::En);
        assert!(
            en.contains("SIGNATURE INVALID") && en.contains("What to do") && en.contains("revoked")
        );
    }

    #[test]
    fn every_sub_indication_has_advice_and_a_consistent_name() {
        use SubIndication::*;
        for s in [
            FormatFailure,
            HashFailure,
            SigCryptoFailure,
            Revoked,
            Expired,
            NotYetValid,
            NoSigningCertificateFound,
            NoCertificateChainFound,
            ChainConstraintsFailure,
            SigConstraintsFailure,
            CryptoConstraintsFailure,
            TryLater,
        ] {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert!(!s.advice_ru().is_empty() && !s.advice_en().is_empty());
        }
    }
}
