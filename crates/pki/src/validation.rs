//! Validating a signed document end to end, in the order of the design's
//! login flow (steps 1–7): the CMS signature over the content, the signing
//! certificate's path to a trust anchor at the validation time, revocation
//! of every certificate on the path, and the qualified profile — producing a
//! [`ValidationReport`] per signer.
//!
//! A CAdES-T signature time-stamp is verified and reported; the validation
//! time stays the one asked for (long-term validation with proofs of
//! existence is not done).

use std::time::SystemTime;

use x509_cert::Certificate;

use crate::Diagnostic;
use crate::algorithm::DigestAlgorithm;
use crate::cms::{CmsError, Content, EssCheck, SignedMessage, digest_reader};
use crate::name::{SubjectIdentity, format_name};
use crate::path::PathValidator;
use crate::report::{
    ChainEntry, Failure, RevocationEvidence, SignerIdentity, SignerReport, SubIndication,
    TimestampEvidence, ValidationReport,
};
use crate::revocation::{
    Evidence, RevocationChecker, RevocationError, RevocationProblem, RevocationStatus,
};
use crate::trust::TrustStore;
use crate::{oids, tsp};

/// What validation found that is not an error of another module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// OCSP answered `unknown` and no CRL settled it.
    #[error("the revocation status of certificate {serial} is unknown")]
    RevocationUnknown {
        /// Serial, upper-case hex.
        serial: String,
    },
    /// A qualified certificate is required and the signer's is not.
    #[error("the signing certificate does not follow the qualified profile: {rules}")]
    NotQualified {
        /// The rule codes broken, comma-separated.
        rules: String,
    },
}

impl Diagnostic for ValidationError {
    fn code(&self) -> &'static str {
        match self {
            ValidationError::RevocationUnknown { .. } => "REVOCATION_UNKNOWN",
            ValidationError::NotQualified { .. } => "CERT_NOT_QUALIFIED",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            ValidationError::RevocationUnknown { serial } => format!(
                "Служба OCSP не знает сертификат {serial}, а списка отзыва нет. Приложите свежий CRL (--crl) или обратитесь в УЦ."
            ),
            ValidationError::NotQualified { rules } => format!(
                "Сертификат подписанта не соответствует профилю квалифицированного сертификата ({rules}). Подпишите квалифицированным сертификатом."
            ),
        }
    }

    fn message_en(&self) -> String {
        match self {
            ValidationError::RevocationUnknown { serial } => format!(
                "The OCSP service does not know certificate {serial} and no CRL is available. Supply a fresh CRL (--crl) or contact the CA."
            ),
            ValidationError::NotQualified { rules } => format!(
                "The signer's certificate does not follow the qualified-certificate profile ({rules}). Sign with a qualified certificate."
            ),
        }
    }
}

/// Code of the warning for a CAdES-BES signature without signingCertificateV2.
const ESS_ABSENT: &str = "CADES_SIGNING_CERTIFICATE_ABSENT";

/// Validates signatures against a trust store at a given time.
pub struct Validator<'a> {
    trust: &'a TrustStore,
    at: SystemTime,
    revocation: Option<&'a RevocationChecker>,
    intermediates: Vec<Certificate>,
    require_qualified: bool,
}

impl<'a> Validator<'a> {
    /// A validator trusting `trust`, judging validity at `at`, with no
    /// revocation checking until [`Validator::revocation`] is called.
    pub fn new(trust: &'a TrustStore, at: SystemTime) -> Self {
        Validator {
            trust,
            at,
            revocation: None,
            intermediates: Vec::new(),
            require_qualified: false,
        }
    }

    /// Checks revocation of every certificate on the path with `checker`
    /// (its policy decides fail-closed or fail-open).
    pub fn revocation(mut self, checker: &'a RevocationChecker) -> Self {
        self.revocation = Some(checker);
        self
    }

    /// Intermediate certificates to build paths with, besides those in the
    /// signature.
    pub fn intermediates(mut self, certs: Vec<Certificate>) -> Self {
        self.intermediates = certs;
        self
    }

    /// Requires the signer's certificate to follow the qualified profile and
    /// carry a qualified policy (УКЭП).
    pub fn require_qualified(mut self, required: bool) -> Self {
        self.require_qualified = required;
        self
    }

    /// Validates every signer of `message`. For a detached signature,
    /// `content` supplies the document; a reader is read once, whatever the
    /// number of signers.
    pub fn validate(
        &self,
        message: &SignedMessage,
        content: Option<Content<'_>>,
    ) -> ValidationReport {
        let time = rfc3339(self.at);
        // Digest a streamed document once for all signers' algorithms.
        let mut content = content;
        let digests = match (message.content(), content.as_mut()) {
            (None, Some(Content::Reader(reader))) => {
                let algs: Vec<_> = message
                    .signer_infos()
                    .iter()
                    .filter_map(|s| DigestAlgorithm::from_oid(&s.info().digest_alg.oid).ok())
                    .collect();
                match digest_reader(*reader, &algs) {
                    Ok(d) => Some(d),
                    Err(err) => {
                        let signers = (0..message.signer_count())
                            .map(|i| failed(i, SubIndication::SignedDataNotFound, &err))
                            .collect();
                        return ValidationReport::new(time, signers);
                    }
                }
            }
            _ => None,
        };
        let signers = (0..message.signer_count())
            .map(|i| {
                let c = match (&digests, &content) {
                    (Some(d), _) => Some(Content::Digests(d)),
                    (None, Some(Content::Digests(d))) => Some(Content::Digests(d)),
                    (None, Some(Content::Bytes(b))) => Some(Content::Bytes(b)),
                    _ => None,
                };
                self.validate_signer(message, i, c)
            })
            .collect();
        ValidationReport::new(time, signers)
    }

    /// Validates signer `i` of `message`.
    pub fn validate_signer(
        &self,
        message: &SignedMessage,
        i: usize,
        content: Option<Content<'_>>,
    ) -> SignerReport {
        let mut report = SignerReport::passed(i);
        // 1–2. The CMS signature over the content.
        let verified = match message.verify_signer(i, content, &self.intermediates) {
            Ok(v) => v,
            Err(err) => return failed(i, cms_sub_indication(&err), &err),
        };
        let leaf = &verified.certificate;
        report.signer = Some(SignerIdentity {
            subject: format_name(leaf.tbs_certificate().subject()),
            identity: SubjectIdentity::from_name(leaf.tbs_certificate().subject()),
        });
        report.signing_time = verified.signing_time.map(rfc3339);
        report.digest_algorithm = Some(verified.digest_algorithm.name().to_owned());
        if verified.signing_certificate_v2 == EssCheck::Absent && verified.has_signed_attributes {
            report.warnings.push(Failure {
                code: ESS_ABSENT.into(),
                message_ru: "В подписи нет атрибута signingCertificateV2, который требует CAdES-BES; подписант не привязан к сертификату подписью.".into(),
                message_en: "The signature lacks the signingCertificateV2 attribute CAdES-BES requires; the signer is not bound to the certificate by the signature.".into(),
            });
        }
        report.timestamp = self.signature_timestamp(message, i, &verified.signature);

        // 4–6. The path to a trust anchor at the validation time.
        let mut pool = message.certificates().to_vec();
        pool.extend(self.intermediates.iter().cloned());
        let validator =
            PathValidator::new(self.trust, self.at).with_qualified_policy(self.require_qualified);
        let path = match validator.validate(leaf, &pool) {
            Ok(p) => p,
            Err(err) => {
                report.fail(err.report_sub_indication(), Failure::from_diagnostic(&err));
                return report;
            }
        };
        let anchor = path.anchor_index();
        report.chain = path
            .certificates()
            .iter()
            .enumerate()
            .map(|(k, c)| chain_entry(c, k == anchor))
            .collect();

        // The qualified profile.
        let profile = crate::profile::check_qualified(leaf, None);
        report.qualified = Some(profile.qualified);
        if self.require_qualified && !profile.qualified {
            let err = ValidationError::NotQualified {
                rules: profile.codes().join(", "),
            };
            report.fail(
                SubIndication::ChainConstraintsFailure,
                Failure::from_diagnostic(&err),
            );
            return report;
        }

        // 7. Revocation of every certificate below the anchor.
        if let Some(checker) = self.revocation {
            for (cert, issuer) in path.pairs() {
                let serial = serial_hex(cert);
                match checker.check(cert, issuer, self.at) {
                    Ok(outcome) => {
                        report.revocation.push(evidence(
                            &serial,
                            &outcome.status,
                            outcome.evidence.as_ref(),
                        ));
                        for w in &outcome.warnings {
                            let (ru, en) = problem_messages(w);
                            report.warnings.push(Failure {
                                code: "REVOCATION_WARNING".into(),
                                message_ru: format!("Проверка отзыва: {ru}"),
                                message_en: format!("Revocation check: {en}"),
                            });
                        }
                        match outcome.status {
                            RevocationStatus::Revoked { .. } => {
                                if let Err(err) = outcome.ensure_not_revoked() {
                                    report.fail(
                                        SubIndication::Revoked,
                                        Failure::from_diagnostic(&err),
                                    );
                                }
                                return report;
                            }
                            RevocationStatus::Unknown => {
                                let err = ValidationError::RevocationUnknown { serial };
                                report
                                    .fail(SubIndication::TryLater, Failure::from_diagnostic(&err));
                                return report;
                            }
                            // Fail-open passed without any evidence: say so,
                            // even when no evidence was tried (no warnings).
                            RevocationStatus::Unchecked => {
                                report.warnings.push(Failure {
                                    code: "REVOCATION_WARNING".into(),
                                    message_ru: format!(
                                        "Статус отзыва сертификата {serial} не проверен (нет ответа OCSP и действующего CRL; политика разрешает продолжить). Приложите свежий CRL (--crl), чтобы проверить."
                                    ),
                                    message_en: format!(
                                        "The revocation status of certificate {serial} was not checked (no OCSP answer or current CRL; the policy lets validation go on). Supply a fresh CRL (--crl) to check it."
                                    ),
                                });
                            }
                            RevocationStatus::Good => {}
                        }
                    }
                    Err(err) => {
                        let sub = match err {
                            RevocationError::Revoked { .. } => SubIndication::Revoked,
                            _ => SubIndication::TryLater,
                        };
                        report.fail(sub, Failure::from_diagnostic(&err));
                        return report;
                    }
                }
            }
        }
        report
    }

    /// Verifies a CAdES-T signatureTimeStampToken on signer `i`, if any.
    fn signature_timestamp(
        &self,
        message: &SignedMessage,
        i: usize,
        signature: &[u8],
    ) -> Option<TimestampEvidence> {
        let signer = message.signer(i).ok()?;
        let attr = signer
            .info()
            .unsigned_attrs
            .as_ref()?
            .iter()
            .find(|a| a.oid == oids::ATTR_SIGNATURE_TIME_STAMP)?;
        let token = attr
            .values
            .iter()
            .next()
            .and_then(|v| der::Encode::to_der(v).ok())?;
        Some(
            match check_timestamp(&token, signature, self.trust, &self.intermediates) {
                Ok((time, tsa)) => TimestampEvidence {
                    time: rfc3339(time),
                    tsa,
                    valid: true,
                    problem: None,
                },
                Err(problem) => TimestampEvidence {
                    time: String::new(),
                    tsa: String::new(),
                    valid: false,
                    problem: Some(problem),
                },
            },
        )
    }
}

/// Checks a signature time-stamp token: its signature, its imprint over the
/// signature value, and the TSA's path to a trust anchor at genTime with
/// the timeStamping key usage. Returns genTime and the TSA's name, or the
/// reason it failed.
fn check_timestamp(
    token: &[u8],
    signature: &[u8],
    trust: &TrustStore,
    extra: &[Certificate],
) -> Result<(SystemTime, String), String> {
    let verified = tsp::verify_token(token, extra).map_err(|e| e.message_en())?;
    let tsa = format_name(verified.tsa.tbs_certificate().subject());
    let alg = verified
        .info
        .imprint_algorithm()
        .map_err(|e| format!("{tsa}: {}", e.message_en()))?;
    verified
        .info
        .check_imprint(alg, &alg.digest(signature))
        .map_err(|e| format!("{tsa}: {}", e.message_en()))?;
    PathValidator::new(trust, verified.time)
        .with_required_eku(oids::KP_TIME_STAMPING)
        .validate(&verified.tsa, extra)
        .map_err(|e| format!("{tsa}: {}", e.message_en()))?;
    Ok((verified.time, tsa))
}

/// A revocation problem that did not decide the outcome, in Russian and English.
fn problem_messages(problem: &RevocationProblem) -> (String, String) {
    match problem {
        RevocationProblem::Ocsp(e) => (e.message_ru(), e.message_en()),
        RevocationProblem::Crl(e) => (e.message_ru(), e.message_en()),
        RevocationProblem::StaleCrl { .. } => (
            "список отзыва (CRL) устарел; скачайте свежий.".into(),
            "the CRL is stale; download a fresh one.".into(),
        ),
        RevocationProblem::UnsupportedCrl(oid) => (
            format!("CRL с неподдерживаемым критическим расширением {oid} пропущен."),
            format!("a CRL with the unsupported critical extension {oid} was skipped."),
        ),
        RevocationProblem::Fetch { url, .. } => (
            format!("не удалось получить {url}; проверьте сеть."),
            format!("cannot fetch {url}; check the network."),
        ),
    }
}

fn failed(i: usize, sub: SubIndication, err: &dyn Diagnostic) -> SignerReport {
    let mut report = SignerReport::passed(i);
    report.fail(sub, Failure::from_diagnostic(err));
    report
}

/// The ETSI sub-indication of a CMS failure.
pub fn cms_sub_indication(err: &CmsError) -> SubIndication {
    match err.etsi_sub_indication() {
        Some("HASH_FAILURE") => SubIndication::HashFailure,
        Some("SIG_CRYPTO_FAILURE") => SubIndication::SigCryptoFailure,
        Some("NO_SIGNING_CERTIFICATE_FOUND") => SubIndication::NoSigningCertificateFound,
        Some("CRYPTO_CONSTRAINTS_FAILURE") => SubIndication::CryptoConstraintsFailure,
        Some("SIGNED_DATA_NOT_FOUND") => SubIndication::SignedDataNotFound,
        _ => SubIndication::FormatFailure,
    }
}

fn chain_entry(cert: &Certificate, trust_anchor: bool) -> ChainEntry {
    let tbs = cert.tbs_certificate();
    ChainEntry {
        subject: format_name(tbs.subject()),
        issuer: format_name(tbs.issuer()),
        serial: serial_hex(cert),
        not_before: rfc3339(tbs.validity().not_before.to_system_time()),
        not_after: rfc3339(tbs.validity().not_after.to_system_time()),
        trust_anchor,
    }
}

fn evidence(
    serial: &str,
    status: &RevocationStatus,
    evidence: Option<&Evidence>,
) -> RevocationEvidence {
    let (status, revoked_at, reason) = match status {
        RevocationStatus::Good => ("good", None, None),
        RevocationStatus::Revoked { time, reason } => (
            "revoked",
            Some(rfc3339(*time)),
            reason.map(|r| crate::crl::reason_name(r).to_owned()),
        ),
        RevocationStatus::Unknown => ("unknown", None, None),
        RevocationStatus::Unchecked => ("unchecked", None, None),
    };
    let mut out = RevocationEvidence {
        serial: serial.to_owned(),
        source: "none".into(),
        status: status.into(),
        produced_at: None,
        next_update: None,
        issuer: None,
        revoked_at,
        reason,
    };
    match evidence {
        Some(Evidence::Crl {
            issuer,
            this_update,
            next_update,
            ..
        }) => {
            out.source = "crl".into();
            out.produced_at = Some(rfc3339(*this_update));
            out.next_update = next_update.map(rfc3339);
            out.issuer = Some(format_name(issuer));
        }
        Some(Evidence::Ocsp {
            produced_at,
            next_update,
            responder,
            ..
        }) => {
            out.source = "ocsp".into();
            out.produced_at = Some(rfc3339(*produced_at));
            out.next_update = next_update.map(rfc3339);
            out.issuer = Some(format_name(responder));
        }
        None => {}
    }
    out
}

/// A certificate's serial number as upper-case hex.
pub fn serial_hex(cert: &Certificate) -> String {
    cert.tbs_certificate()
        .serial_number()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// `2026-11-22T10:00:00Z` (UTC, whole seconds), as reports print times.
pub fn rfc3339(time: SystemTime) -> String {
    match der::DateTime::from_system_time(time) {
        Ok(dt) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minutes(),
            dt.seconds()
        ),
        Err(_) => "out-of-range".into(),
    }
}
