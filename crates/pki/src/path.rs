//! Certificate path building and validation (RFC 5280 §6) as far as
//! signing certificates need it, with errors that map onto the
//! sub-indications of ETSI EN 319 102-1.
//!
//! # How a path is found
//!
//! From the leaf, the candidates for each issuer are the certificates —
//! trust anchors first, then the untrusted intermediates — whose subject
//! matches the child's issuer (RFC 5280 §7.1) and, when the child has an
//! authorityKeyIdentifier and the candidate a subjectKeyIdentifier, whose
//! key identifiers agree. The search is depth-first and backtracks over
//! candidates; a certificate, or a (subject, key) pair, already on the path
//! is never taken again, so cross-certificates cannot loop. It stops at the
//! first trust anchor whose key verifies the child's signature. The whole
//! search runs under a [`Budget`]; exhausting it is
//! [`PathError::BudgetExceeded`], never a long hang.
//!
//! # What is checked
//!
//! * every link: the issuer's key verifies the child's signature over its
//!   TBS bytes, and the outer and inner signature algorithms agree;
//! * every intermediate CA (not the anchor): validity at the validation
//!   time, basicConstraints with cA=TRUE, pathLenConstraint, keyUsage
//!   keyCertSign (when keyUsage is present), no unknown critical extension,
//!   and its name constraints (directoryName) on the certificates below it;
//! * the trust anchor: its key, and — by default, as CryptoPro does — its
//!   validity at the validation time ([`PathValidator::check_anchor_validity`]);
//!   its extensions are not checked (it is trusted as configured, RFC 5280
//!   §6.1.1 (d));
//! * the leaf, once a path is found: no unknown critical extension,
//!   keyUsage allows digitalSignature or nonRepudiation (when present), the
//!   required extended key usage (when asked; a leaf without the extension
//!   allows any usage, RFC 5280 §4.2.1.12), a qualified policy
//!   1.2.643.100.113.x (when asked), and last its validity at the
//!   validation time — so [`PathError::Expired`] means "everything else is
//!   in order", which is what a caller with a proof of existence needs.
//!
//! Revocation is not checked here: [`ValidatedPath::pairs`] gives the
//! (certificate, issuer) pairs for the revocation module.
//!
//! # Which error is reported
//!
//! When every candidate path fails, the error reported is the one that got
//! furthest: first by progress (the number of signatures verified along
//! that path — a candidate whose key verified the signature is the real
//! issuer, so what is wrong with it matters more than a same-named
//! impostor's bad signature), then, at equal progress, by kind, from least
//! to most specific: no issuer found (`NO_CERTIFICATE_CHAIN_FOUND`) <
//! unsupported algorithm < bad signature < malformed extension < CA
//! constraints (basicConstraints, pathLen, keyUsage, name constraints,
//! unknown critical extension) < CA validity. Ties keep the first error
//! met; a branch longer than [`Budget::max_path_len`] ranks above all.
//! This follows rustls-webpki's ranking, refined by progress. Running out
//! of signature checks or candidates ends the search at once. The leaf's
//! own errors (key usage, EKU, policy, validity) never compete: they are
//! checked once a path is found.

use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use der::{DateTime, Encode};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, CertificatePolicies, ExtendedKeyUsage, KeyUsage, NameConstraints,
    SubjectAltName,
};

use crate::Diagnostic;
use crate::algorithm::{self, AlgorithmError};
use crate::cert;
use crate::name;
use crate::oids;
use crate::report::SubIndication;
use crate::trust::{CertPool, TrustStore};

// --- path: extensions the validator knows ------------------------------------

/// id-ce-basicConstraints (RFC 5280 §4.2.1.9).
const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
/// id-ce-keyUsage (RFC 5280 §4.2.1.3).
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
/// id-ce-extKeyUsage (RFC 5280 §4.2.1.12).
const EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
/// id-ce-certificatePolicies (RFC 5280 §4.2.1.4).
const CERTIFICATE_POLICIES: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.32");
/// id-ce-subjectKeyIdentifier (RFC 5280 §4.2.1.2).
const SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
/// id-ce-authorityKeyIdentifier (RFC 5280 §4.2.1.1).
const AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
/// id-ce-subjectAltName (RFC 5280 §4.2.1.6).
const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
/// id-ce-issuerAltName (RFC 5280 §4.2.1.7).
const ISSUER_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.18");
/// id-ce-nameConstraints (RFC 5280 §4.2.1.10).
const NAME_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.30");
/// id-ce-cRLDistributionPoints (RFC 5280 §4.2.1.13).
const CRL_DISTRIBUTION_POINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.31");
/// id-ce-freshestCRL (RFC 5280 §4.2.1.15).
const FRESHEST_CRL: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.46");
/// id-pe-authorityInfoAccess (RFC 5280 §4.2.2.1).
const AUTHORITY_INFO_ACCESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.1");
/// id-pe-subjectInfoAccess (RFC 5280 §4.2.2.2).
const SUBJECT_INFO_ACCESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.11");

/// Extensions that may be critical without failing validation: those the
/// validator processes, and those that only inform (the Russian profile's
/// sign-tool and identification extensions, privateKeyUsagePeriod).
const KNOWN_EXTENSIONS: [ObjectIdentifier; 17] = [
    BASIC_CONSTRAINTS,
    KEY_USAGE,
    EXT_KEY_USAGE,
    CERTIFICATE_POLICIES,
    SUBJECT_KEY_IDENTIFIER,
    AUTHORITY_KEY_IDENTIFIER,
    SUBJECT_ALT_NAME,
    ISSUER_ALT_NAME,
    NAME_CONSTRAINTS,
    CRL_DISTRIBUTION_POINTS,
    FRESHEST_CRL,
    AUTHORITY_INFO_ACCESS,
    SUBJECT_INFO_ACCESS,
    oids::SUBJECT_SIGN_TOOL,
    oids::ISSUER_SIGN_TOOL,
    oids::IDENTIFICATION_KIND,
    oids::PRIVATE_KEY_USAGE_PERIOD,
];

/// The arc of the qualified signature-tool classes (1.2.643.100.113.x).
const QUALIFIED_POLICY_ARC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.100.113");

/// Limits on the work one validation may do, so that a hostile set of
/// certificates (many same-named CAs, cross-certificate meshes) cannot make
/// it run long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Signature verifications over the whole search (default 100).
    pub max_signature_checks: u32,
    /// Certificates in a path, leaf and anchor included (default 8).
    pub max_path_len: usize,
    /// Issuer candidates considered over the whole search (default 1000).
    pub max_candidates: u32,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_signature_checks: 100,
            max_path_len: 8,
            max_candidates: 1000,
        }
    }
}

/// Which limit of the [`Budget`] was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BudgetLimit {
    /// [`Budget::max_signature_checks`].
    SignatureChecks,
    /// [`Budget::max_path_len`].
    PathLength,
    /// [`Budget::max_candidates`].
    Candidates,
}

impl std::fmt::Display for BudgetLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BudgetLimit::SignatureChecks => "signature checks",
            BudgetLimit::PathLength => "path length",
            BudgetLimit::Candidates => "issuer candidates",
        })
    }
}

/// Why no valid path was found. Certificates are named by their subject
/// (RFC 4514 string).
///
/// [`PathError::sub_indication`] gives the ETSI EN 319 102-1 sub-indication:
///
/// | variant | sub-indication |
/// |---|---|
/// | `NoChain`, `BudgetExceeded` | `NO_CERTIFICATE_CHAIN_FOUND` |
/// | `BadSignature`, `SignatureAlgorithmMismatch` | `SIG_CRYPTO_FAILURE` |
/// | `UnsupportedAlgorithm` | `CRYPTO_CONSTRAINTS_FAILURE` |
/// | `Expired` (leaf) | `EXPIRED` |
/// | `NotYetValid` (leaf) | `NOT_YET_VALID` |
/// | `CaExpired`, `CaNotYetValid` (intermediate or anchor) | `CHAIN_CONSTRAINTS_FAILURE` |
/// | `CaWithoutBasicConstraints`, `PathLenExceeded`, `CaKeyUsage`, `NameConstraints`, `LeafKeyUsage`, `Eku`, `NotQualified`, `UnknownCriticalExtension`, `Malformed` | `CHAIN_CONSTRAINTS_FAILURE` |
///
/// A CA out of its validity has its own variants and codes
/// (`CA_CERT_EXPIRED`), so a caller doing long-term validation can report
/// it as EN 319 102-1's `OUT_OF_BOUNDS_NO_POE` when it lacks a proof of
/// existence; [`crate::report::SubIndication`] has no such value, so here it
/// is a chain constraint. Likewise a caller with a proof of existence
/// before the leaf's notAfter may accept `Expired`, which is only returned
/// when everything else about the path is in order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// No issuer of this certificate was found among the trust anchors and
    /// the intermediates given: the path does not reach a trust anchor.
    #[error("no issuer \"{issuer}\" of \"{subject}\" among the trust anchors and intermediates")]
    NoChain {
        /// The certificate whose issuer is missing.
        subject: String,
        /// The issuer name looked for.
        issuer: String,
    },
    /// The issuer's key does not verify the certificate's signature.
    #[error(
        "the signature on \"{subject}\" does not verify with the key of \"{issuer}\": {reason}"
    )]
    BadSignature {
        /// The certificate whose signature failed.
        subject: String,
        /// The candidate issuer.
        issuer: String,
        /// What the signature check said.
        reason: Box<AlgorithmError>,
    },
    /// The certificate's signatureAlgorithm differs from the signature
    /// field inside its TBSCertificate (RFC 5280 §4.1.1.2).
    #[error("\"{subject}\": signatureAlgorithm differs from the TBS signature field")]
    SignatureAlgorithmMismatch {
        /// The certificate.
        subject: String,
    },
    /// A signature on the path uses an algorithm podpis does not check
    /// (GOST R 34.10-2001, GOST R 34.11-94, RSA…).
    #[error("the signature on \"{subject}\" uses unsupported algorithm {oid}")]
    UnsupportedAlgorithm {
        /// The certificate whose signature could not be checked.
        subject: String,
        /// The signature or key algorithm.
        oid: ObjectIdentifier,
    },
    /// The leaf had expired at the validation time (everything else is in order).
    #[error("the certificate expired at {not_after}")]
    Expired {
        /// The leaf's notAfter.
        not_after: DateTime,
    },
    /// The leaf was not yet valid at the validation time (everything else
    /// is in order).
    #[error("the certificate is valid only from {not_before}")]
    NotYetValid {
        /// The leaf's notBefore.
        not_before: DateTime,
    },
    /// An intermediate CA (or the anchor, when its validity is checked) had
    /// expired at the validation time.
    #[error("the CA certificate \"{subject}\" expired at {not_after}")]
    CaExpired {
        /// The CA certificate.
        subject: String,
        /// Its notAfter.
        not_after: DateTime,
    },
    /// An intermediate CA (or the anchor) was not yet valid at the
    /// validation time.
    #[error("the CA certificate \"{subject}\" is valid only from {not_before}")]
    CaNotYetValid {
        /// The CA certificate.
        subject: String,
        /// Its notBefore.
        not_before: DateTime,
    },
    /// An issuing certificate lacks basicConstraints, or has cA=FALSE.
    #[error("\"{subject}\" issues certificates but is not a CA (basicConstraints)")]
    CaWithoutBasicConstraints {
        /// The certificate.
        subject: String,
    },
    /// More intermediate CAs follow a CA than its pathLenConstraint allows.
    #[error("\"{subject}\" allows {path_len} CA(s) below it, the path has {below}")]
    PathLenExceeded {
        /// The constraining CA.
        subject: String,
        /// Its pathLenConstraint.
        path_len: u8,
        /// Non-self-issued intermediate CAs below it in the path.
        below: usize,
    },
    /// An issuing CA's keyUsage lacks keyCertSign.
    #[error("\"{subject}\" keyUsage does not allow signing certificates")]
    CaKeyUsage {
        /// The CA certificate.
        subject: String,
    },
    /// A certificate below a CA violates the CA's nameConstraints, or uses
    /// a constrained name form this validator does not process.
    #[error("\"{subject}\" violates the name constraints of \"{ca}\"")]
    NameConstraints {
        /// The constrained certificate.
        subject: String,
        /// The CA with the constraints.
        ca: String,
    },
    /// The leaf's keyUsage allows neither digitalSignature nor nonRepudiation.
    #[error("the certificate's keyUsage allows neither digitalSignature nor nonRepudiation")]
    LeafKeyUsage,
    /// The leaf's extendedKeyUsage lacks the required purpose (and
    /// anyExtendedKeyUsage).
    #[error("the certificate's extendedKeyUsage lacks {required}")]
    Eku {
        /// The purpose required.
        required: ObjectIdentifier,
    },
    /// A qualified certificate was required and the leaf names no policy
    /// 1.2.643.100.113.x (signature-tool class).
    #[error("the certificate is not qualified (no 1.2.643.100.113.x policy)")]
    NotQualified,
    /// A certificate carries a critical extension the validator does not know.
    #[error("\"{subject}\" has unknown critical extension {oid}")]
    UnknownCriticalExtension {
        /// The certificate.
        subject: String,
        /// The extension.
        oid: ObjectIdentifier,
    },
    /// An extension the validator needs could not be decoded, or the
    /// TBSCertificate could not be re-encoded.
    #[error("\"{subject}\": malformed {what}: {error}")]
    Malformed {
        /// The certificate.
        subject: String,
        /// What could not be read.
        what: &'static str,
        /// The decoding error.
        error: der::Error,
    },
    /// The search exceeded its [`Budget`].
    #[error("path building exceeded its budget of {limit}")]
    BudgetExceeded {
        /// The limit hit.
        limit: BudgetLimit,
    },
}

impl PathError {
    /// The ETSI EN 319 102-1 sub-indication this error maps to (see the
    /// table on [`PathError`]).
    pub fn sub_indication(&self) -> &'static str {
        self.report_sub_indication().as_str()
    }

    /// The sub-indication as the [`crate::report`] type.
    pub fn report_sub_indication(&self) -> SubIndication {
        match self {
            PathError::NoChain { .. } | PathError::BudgetExceeded { .. } => {
                SubIndication::NoCertificateChainFound
            }
            PathError::BadSignature { .. } | PathError::SignatureAlgorithmMismatch { .. } => {
                SubIndication::SigCryptoFailure
            }
            PathError::UnsupportedAlgorithm { .. } => SubIndication::CryptoConstraintsFailure,
            PathError::Expired { .. } => SubIndication::Expired,
            PathError::NotYetValid { .. } => SubIndication::NotYetValid,
            PathError::CaExpired { .. }
            | PathError::CaNotYetValid { .. }
            | PathError::CaWithoutBasicConstraints { .. }
            | PathError::PathLenExceeded { .. }
            | PathError::CaKeyUsage { .. }
            | PathError::NameConstraints { .. }
            | PathError::LeafKeyUsage
            | PathError::Eku { .. }
            | PathError::NotQualified
            | PathError::UnknownCriticalExtension { .. }
            | PathError::Malformed { .. } => SubIndication::ChainConstraintsFailure,
        }
    }

    /// The kind's place in the ranking (higher is more specific); see the
    /// module documentation.
    fn kind_rank(&self) -> u8 {
        match self {
            PathError::NoChain { .. } => 0,
            PathError::UnsupportedAlgorithm { .. } => 1,
            PathError::BadSignature { .. } | PathError::SignatureAlgorithmMismatch { .. } => 2,
            PathError::Malformed { .. } => 3,
            PathError::CaWithoutBasicConstraints { .. }
            | PathError::PathLenExceeded { .. }
            | PathError::CaKeyUsage { .. }
            | PathError::NameConstraints { .. }
            | PathError::UnknownCriticalExtension { .. } => 4,
            PathError::CaExpired { .. } | PathError::CaNotYetValid { .. } => 5,
            // Leaf errors and budget overruns never compete in the ranking.
            PathError::Expired { .. }
            | PathError::NotYetValid { .. }
            | PathError::LeafKeyUsage
            | PathError::Eku { .. }
            | PathError::NotQualified
            | PathError::BudgetExceeded { .. } => 6,
        }
    }
}

impl Diagnostic for PathError {
    fn code(&self) -> &'static str {
        match self {
            PathError::NoChain { .. } => "CERT_UNTRUSTED",
            PathError::BadSignature { .. } => "CERT_SIGNATURE_INVALID",
            PathError::SignatureAlgorithmMismatch { .. } => "CERT_SIGNATURE_ALGORITHM_MISMATCH",
            PathError::UnsupportedAlgorithm { .. } => "CERT_ALGORITHM_UNSUPPORTED",
            PathError::Expired { .. } => "CERT_EXPIRED",
            PathError::NotYetValid { .. } => "CERT_NOT_YET_VALID",
            PathError::CaExpired { .. } => "CA_CERT_EXPIRED",
            PathError::CaNotYetValid { .. } => "CA_CERT_NOT_YET_VALID",
            PathError::CaWithoutBasicConstraints { .. } => "CHAIN_CA_NOT_CA",
            PathError::PathLenExceeded { .. } => "CHAIN_PATH_LEN_EXCEEDED",
            PathError::CaKeyUsage { .. } => "CHAIN_CA_KEY_USAGE",
            PathError::NameConstraints { .. } => "CHAIN_NAME_CONSTRAINTS",
            PathError::LeafKeyUsage => "CERT_KEY_USAGE",
            PathError::Eku { .. } => "CERT_EKU_MISSING",
            PathError::NotQualified => "CERT_NOT_QUALIFIED",
            PathError::UnknownCriticalExtension { .. } => "CERT_UNKNOWN_CRITICAL_EXTENSION",
            PathError::Malformed { .. } => "CERT_MALFORMED",
            PathError::BudgetExceeded { .. } => "CHAIN_BUDGET_EXCEEDED",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            PathError::NoChain { subject, issuer } => format!(
                "Не найдена цепочка до доверенного сертификата: нет сертификата издателя «{issuer}» \
                 для «{subject}». Установите корневой сертификат УЦ (и промежуточные) в хранилище \
                 доверенных."
            ),
            PathError::BadSignature {
                subject, issuer, ..
            } => format!(
                "Подпись сертификата «{subject}» не проверяется ключом «{issuer}». Сертификат \
                 повреждён или подделан, либо установлен не тот сертификат УЦ: получите \
                 актуальный сертификат УЦ."
            ),
            PathError::SignatureAlgorithmMismatch { subject } => format!(
                "В сертификате «{subject}» алгоритм подписи указан по-разному в двух местах. \
                 Сертификат некорректен: обратитесь в выдавший его УЦ."
            ),
            PathError::UnsupportedAlgorithm { subject, oid } => format!(
                "Подпись сертификата «{subject}» сделана алгоритмом {oid}, который не \
                 поддерживается (например, ГОСТ Р 34.10-2001). Используйте сертификаты по \
                 ГОСТ Р 34.10-2012."
            ),
            PathError::Expired { not_after } => format!(
                "Срок действия сертификата истёк {not_after}. Подпись, сделанная позже, \
                 недействительна; для новой подписи получите новый сертификат."
            ),
            PathError::NotYetValid { not_before } => format!(
                "Сертификат действует только с {not_before}. Проверьте дату и время или \
                 дождитесь начала срока действия."
            ),
            PathError::CaExpired { subject, not_after } => format!(
                "Срок действия сертификата УЦ «{subject}» истёк {not_after}. Установите \
                 действующий сертификат УЦ."
            ),
            PathError::CaNotYetValid {
                subject,
                not_before,
            } => format!(
                "Сертификат УЦ «{subject}» действует только с {not_before}. Проверьте дату и \
                 время."
            ),
            PathError::CaWithoutBasicConstraints { subject } => format!(
                "Сертификат «{subject}» выдаёт сертификаты, но не является сертификатом УЦ \
                 (basicConstraints). Такая цепочка недоверенная: обратитесь в УЦ."
            ),
            PathError::PathLenExceeded {
                subject, path_len, ..
            } => format!(
                "УЦ «{subject}» разрешает не более {path_len} подчинённых УЦ, а в цепочке их \
                 больше. Цепочка недействительна: обратитесь в УЦ."
            ),
            PathError::CaKeyUsage { subject } => format!(
                "Ключ УЦ «{subject}» не предназначен для подписи сертификатов (keyUsage). \
                 Цепочка недействительна: обратитесь в УЦ."
            ),
            PathError::NameConstraints { subject, ca } => format!(
                "Сертификат «{subject}» нарушает ограничения имён УЦ «{ca}». Цепочка \
                 недействительна: обратитесь в УЦ."
            ),
            PathError::LeafKeyUsage => "Ключ сертификата не предназначен для электронной \
                                        подписи (keyUsage). Используйте сертификат для подписи."
                .to_owned(),
            PathError::Eku { required } => format!(
                "Сертификат не предназначен для этой цели (нет назначения {required} в \
                 extendedKeyUsage). Получите сертификат с нужным назначением."
            ),
            PathError::NotQualified => "Сертификат не является квалифицированным (нет политики \
                                        класса средства ЭП 1.2.643.100.113.x). Используйте \
                                        квалифицированный сертификат."
                .to_owned(),
            PathError::UnknownCriticalExtension { subject, oid } => format!(
                "Сертификат «{subject}» содержит неизвестное критическое расширение {oid}, \
                 поэтому его нельзя принять. Обратитесь в УЦ."
            ),
            PathError::Malformed { subject, what, .. } => format!(
                "В сертификате «{subject}» не читается {what}. Сертификат повреждён: получите \
                 его заново."
            ),
            PathError::BudgetExceeded { .. } => "Построение цепочки прервано: слишком много \
                                                 сертификатов-кандидатов. Передайте только нужные \
                                                 промежуточные сертификаты."
                .to_owned(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            PathError::NoChain { subject, issuer } => format!(
                "No chain to a trusted certificate: the issuer \"{issuer}\" of \"{subject}\" was \
                 not found. Install the CA's root (and intermediate) certificates in the trust \
                 store."
            ),
            PathError::BadSignature {
                subject, issuer, ..
            } => format!(
                "The signature on \"{subject}\" does not verify with the key of \"{issuer}\". The \
                 certificate is damaged or forged, or the wrong CA certificate is installed: get \
                 the CA's current certificate."
            ),
            PathError::SignatureAlgorithmMismatch { subject } => format!(
                "\"{subject}\" names two different signature algorithms. The certificate is \
                 invalid: contact the CA that issued it."
            ),
            PathError::UnsupportedAlgorithm { subject, oid } => format!(
                "The signature on \"{subject}\" uses algorithm {oid}, which is not supported \
                 (e.g. GOST R 34.10-2001). Use GOST R 34.10-2012 certificates."
            ),
            PathError::Expired { not_after } => format!(
                "The certificate expired at {not_after}. Signatures made later are invalid; get \
                 a new certificate to sign."
            ),
            PathError::NotYetValid { not_before } => format!(
                "The certificate is valid only from {not_before}. Check the date and time, or \
                 wait until it becomes valid."
            ),
            PathError::CaExpired { subject, not_after } => format!(
                "The CA certificate \"{subject}\" expired at {not_after}. Install the CA's \
                 current certificate."
            ),
            PathError::CaNotYetValid {
                subject,
                not_before,
            } => format!(
                "The CA certificate \"{subject}\" is valid only from {not_before}. Check the date \
                 and time."
            ),
            PathError::CaWithoutBasicConstraints { subject } => format!(
                "\"{subject}\" issues certificates but is not a CA certificate \
                 (basicConstraints). The chain is not trusted: contact the CA."
            ),
            PathError::PathLenExceeded {
                subject, path_len, ..
            } => format!(
                "The CA \"{subject}\" allows at most {path_len} subordinate CA(s), the chain has \
                 more. The chain is invalid: contact the CA."
            ),
            PathError::CaKeyUsage { subject } => format!(
                "The key of the CA \"{subject}\" is not meant to sign certificates (keyUsage). \
                 The chain is invalid: contact the CA."
            ),
            PathError::NameConstraints { subject, ca } => format!(
                "\"{subject}\" violates the name constraints of the CA \"{ca}\". The chain is \
                 invalid: contact the CA."
            ),
            PathError::LeafKeyUsage => "The certificate's key is not meant for electronic \
                                        signatures (keyUsage). Use a signing certificate."
                .to_owned(),
            PathError::Eku { required } => format!(
                "The certificate is not meant for this purpose ({required} missing from \
                 extendedKeyUsage). Get a certificate with that purpose."
            ),
            PathError::NotQualified => "The certificate is not qualified (no signature-tool \
                                        class policy 1.2.643.100.113.x). Use a qualified \
                                        certificate."
                .to_owned(),
            PathError::UnknownCriticalExtension { subject, oid } => format!(
                "\"{subject}\" has an unknown critical extension {oid} and cannot be accepted. \
                 Contact the CA."
            ),
            PathError::Malformed { subject, what, .. } => format!(
                "The {what} of \"{subject}\" cannot be read. The certificate is damaged: get it \
                 again."
            ),
            PathError::BudgetExceeded { .. } => "Path building stopped: too many candidate \
                                                 certificates. Pass only the intermediate \
                                                 certificates needed."
                .to_owned(),
        }
    }
}

/// A path from a leaf to a trust anchor that passed validation. Only
/// [`PathValidator`] makes one, so it is never empty and its anchor is last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedPath {
    /// The certificates, leaf first, trust anchor last.
    pub(crate) certificates: Vec<Certificate>,
    /// The index of the trust anchor in `certificates` (always the last).
    pub(crate) anchor_index: usize,
}

impl ValidatedPath {
    /// The leaf (end-entity) certificate.
    pub fn leaf(&self) -> &Certificate {
        &self.certificates[0]
    }

    /// The index of the trust anchor in [`ValidatedPath::certificates`]
    /// (always the last).
    pub fn anchor_index(&self) -> usize {
        self.anchor_index
    }

    /// The trust anchor the path ends at (the leaf itself when it is an anchor).
    pub fn anchor(&self) -> &Certificate {
        &self.certificates[self.anchor_index]
    }

    /// The intermediate CA certificates, from the leaf's issuer upwards.
    pub fn intermediates(&self) -> &[Certificate] {
        self.certificates
            .get(1..self.anchor_index)
            .unwrap_or_default()
    }

    /// All certificates, leaf first, anchor last.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// The number of certificates.
    pub fn len(&self) -> usize {
        self.certificates.len()
    }

    /// Always `false`: a path holds at least the leaf.
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }

    /// The (certificate, issuer) pairs of the path, leaf first: each
    /// certificate whose revocation status is to be checked, with the
    /// certificate of its issuer. The anchor is not paired (it is trusted
    /// as configured, and its issuer may not be known).
    pub fn pairs(&self) -> impl Iterator<Item = (&Certificate, &Certificate)> {
        self.certificates.windows(2).map(|w| (&w[0], &w[1]))
    }
}

/// RFC 5280 path validation for signing certificates; see the module
/// documentation for what it checks and how it ranks errors.
#[derive(Debug, Clone)]
pub struct PathValidator<'a> {
    /// The trust anchors.
    pub trust: &'a TrustStore,
    /// The validation time.
    pub at: SystemTime,
    /// An extended key usage the leaf must allow (or `None`).
    pub required_eku: Option<ObjectIdentifier>,
    /// Whether the leaf must carry a qualified policy 1.2.643.100.113.x.
    pub require_qualified_policy: bool,
    /// Whether the anchor must be valid at the validation time (default
    /// `true`, as CryptoPro checks it).
    pub check_anchor_validity: bool,
    /// The work limits.
    pub budget: Budget,
}

impl<'a> PathValidator<'a> {
    /// A validator at time `at` with the default budget, anchor validity
    /// checked, no EKU or policy required.
    pub fn new(trust: &'a TrustStore, at: SystemTime) -> Self {
        PathValidator {
            trust,
            at,
            required_eku: None,
            require_qualified_policy: false,
            check_anchor_validity: true,
            budget: Budget::default(),
        }
    }

    /// Requires an extended key usage of the leaf.
    pub fn with_required_eku(mut self, eku: ObjectIdentifier) -> Self {
        self.required_eku = Some(eku);
        self
    }

    /// Requires a qualified policy (1.2.643.100.113.x) in the leaf.
    pub fn with_qualified_policy(mut self, required: bool) -> Self {
        self.require_qualified_policy = required;
        self
    }

    /// Replaces the work limits.
    pub fn with_budget(mut self, budget: Budget) -> Self {
        self.budget = budget;
        self
    }

    /// Finds and validates a path from `leaf` to a trust anchor, using
    /// `intermediates` (untrusted) as candidate issuers.
    pub fn validate(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
    ) -> Result<ValidatedPath, PathError> {
        self.validate_with_pool(leaf, &CertPool::from_certificates(intermediates))
    }

    /// As [`PathValidator::validate`], with the intermediates in a pool.
    ///
    /// Signatures are checked over the bytes each certificate was read
    /// from when the store or the pool has them ([`TrustStore::add_der`],
    /// [`CertPool::add_der`], files and PEM bundles); a certificate given
    /// only decoded is checked over its DER re-encoding. For a leaf whose
    /// encoding may not be strict DER, use [`PathValidator::validate_der`].
    pub fn validate_with_pool(
        &self,
        leaf: &Certificate,
        pool: &CertPool,
    ) -> Result<ValidatedPath, PathError> {
        self.validate_inner(leaf, None, pool)
    }

    /// As [`PathValidator::validate_with_pool`] for a leaf given as the
    /// bytes it was received in (DER, or BER BOOLEANs as some issuers
    /// write them): its signature is checked over exactly these bytes.
    pub fn validate_der(
        &self,
        leaf_der: &[u8],
        pool: &CertPool,
    ) -> Result<ValidatedPath, PathError> {
        let leaf: Certificate =
            cert::decode_lenient(leaf_der).map_err(|error| PathError::Malformed {
                subject: String::new(),
                what: "Certificate",
                error,
            })?;
        self.validate_inner(&leaf, Some(leaf_der), pool)
    }

    fn validate_inner(
        &self,
        leaf: &Certificate,
        leaf_der: Option<&[u8]>,
        pool: &CertPool,
    ) -> Result<ValidatedPath, PathError> {
        let mut search = Search {
            v: self,
            pool,
            leaf_der,
            signature_checks: 0,
            candidates: 0,
        };
        let mut path = vec![leaf];
        if !self.trust.contains(leaf) {
            search.extend(&mut path).map_err(|f| f.error)?;
        }
        self.check_leaf(leaf)?;
        let certificates: Vec<Certificate> = path.into_iter().cloned().collect();
        Ok(ValidatedPath {
            anchor_index: certificates.len() - 1,
            certificates,
        })
    }

    /// The leaf's own checks, run once a path is found; time last.
    fn check_leaf(&self, leaf: &Certificate) -> Result<(), PathError> {
        let tbs = leaf.tbs_certificate();
        check_critical_extensions(leaf)?;
        let ku = tbs
            .get_extension::<KeyUsage>()
            .map_err(|e| malformed(leaf, "keyUsage", e))?;
        if let Some((_, ku)) = ku
            && !ku.digital_signature()
            && !ku.non_repudiation()
        {
            return Err(PathError::LeafKeyUsage);
        }
        if let Some(required) = self.required_eku {
            let eku = tbs
                .get_extension::<ExtendedKeyUsage>()
                .map_err(|e| malformed(leaf, "extendedKeyUsage", e))?;
            if let Some((_, eku)) = eku
                && !eku.0.iter().any(|p| *p == required || *p == oids::KP_ANY)
            {
                return Err(PathError::Eku { required });
            }
        }
        if self.require_qualified_policy {
            let policies = tbs
                .get_extension::<CertificatePolicies>()
                .map_err(|e| malformed(leaf, "certificatePolicies", e))?;
            let qualified = policies.is_some_and(|(_, p)| {
                p.0.iter()
                    .any(|pi| pi.policy_identifier.parent() == Some(QUALIFIED_POLICY_ARC))
            });
            if !qualified {
                return Err(PathError::NotQualified);
            }
        }
        let validity = tbs.validity();
        if self.at < validity.not_before.to_system_time() {
            return Err(PathError::NotYetValid {
                not_before: validity.not_before.to_date_time(),
            });
        }
        if self.at > validity.not_after.to_system_time() {
            return Err(PathError::Expired {
                not_after: validity.not_after.to_date_time(),
            });
        }
        Ok(())
    }
}

/// A failed attempt and how far it got (signatures verified on its path).
#[derive(Debug)]
struct Failure {
    error: PathError,
    progress: usize,
}

impl Failure {
    /// Whether the whole search must stop: the global work limits. A path
    /// too long is only a dead end; other branches may be shorter.
    fn fatal(&self) -> bool {
        matches!(
            self.error,
            PathError::BudgetExceeded {
                limit: BudgetLimit::SignatureChecks | BudgetLimit::Candidates
            }
        )
    }

    fn rank(&self) -> (usize, u8) {
        (self.progress, self.error.kind_rank())
    }
}

/// The state of one search.
struct Search<'v, 'p> {
    v: &'v PathValidator<'v>,
    pool: &'p CertPool,
    /// The leaf's encoding as received, when the caller gave it.
    leaf_der: Option<&'p [u8]>,
    signature_checks: u32,
    candidates: u32,
}

impl<'v, 'p> Search<'v, 'p>
where
    'v: 'p,
{
    /// Extends `path` (whose last certificate needs an issuer) to a trust
    /// anchor, backtracking over candidates; on failure `path` is as given.
    fn extend(&mut self, path: &mut Vec<&'p Certificate>) -> Result<(), Failure> {
        let Some(&child) = path.last() else {
            return Err(self.budget(BudgetLimit::PathLength, 0));
        };
        let progress = path.len() - 1;
        if path.len() >= self.v.budget.max_path_len {
            return Err(self.budget(BudgetLimit::PathLength, progress));
        }
        let mut best: Option<Failure> = None;
        for (candidate, is_anchor) in self.candidates(child, path) {
            self.candidates += 1;
            if self.candidates > self.v.budget.max_candidates {
                return Err(self.budget(BudgetLimit::Candidates, progress));
            }
            match self.try_candidate(path, candidate, is_anchor) {
                Ok(()) => return Ok(()),
                Err(f) if f.fatal() => return Err(f),
                Err(f) => {
                    if best.as_ref().is_none_or(|b| f.rank() > b.rank()) {
                        best = Some(f);
                    }
                }
            }
        }
        Err(best.unwrap_or_else(|| Failure {
            error: PathError::NoChain {
                subject: subject(child),
                issuer: child.tbs_certificate().issuer().to_string(),
            },
            progress,
        }))
    }

    fn budget(&self, limit: BudgetLimit, progress: usize) -> Failure {
        Failure {
            error: PathError::BudgetExceeded { limit },
            progress,
        }
    }

    /// Candidate issuers of `child`: anchors first, then pool certificates
    /// that are not anchors; key-identifier matches first in each group;
    /// nothing already on the path.
    fn candidates(
        &self,
        child: &Certificate,
        path: &[&Certificate],
    ) -> Vec<(&'p Certificate, bool)> {
        let issuer = child.tbs_certificate().issuer();
        let aki = cert::authority_key_id(child);
        let mut out: Vec<(&'p Certificate, bool, bool)> = Vec::new();
        let anchors = self.v.trust.by_subject(issuer).map(|c| (c, true));
        let pooled = self
            .pool
            .by_subject(issuer)
            .filter(|c| !self.v.trust.contains(c))
            .map(|c| (c, false));
        for (cert, is_anchor) in anchors.chain(pooled) {
            let ski = cert::subject_key_id(cert);
            let key_match = match (&aki, &ski) {
                (Some(a), Some(s)) if a != s => continue,
                (Some(_), Some(_)) => true,
                _ => false,
            };
            if path.iter().any(|p| same_entity(p, cert)) {
                continue;
            }
            out.push((cert, is_anchor, key_match));
        }
        // Stable: anchors before pool, key matches first within each.
        out.sort_by_key(|&(_, is_anchor, key_match)| (!is_anchor, !key_match));
        out.into_iter().map(|(c, a, _)| (c, a)).collect()
    }

    fn try_candidate(
        &mut self,
        path: &mut Vec<&'p Certificate>,
        candidate: &'p Certificate,
        is_anchor: bool,
    ) -> Result<(), Failure> {
        let before = path.len() - 1;
        let child = path[path.len() - 1];
        self.check_signature(child, path.len() == 1, candidate)
            .map_err(|error| Failure {
                error,
                progress: before,
            })?;
        let after = path.len();
        let fail = |error| Failure {
            error,
            progress: after,
        };
        if is_anchor {
            if self.v.check_anchor_validity {
                check_ca_time(candidate, self.v.at).map_err(fail)?;
            }
            path.push(candidate);
            return Ok(());
        }
        check_ca_time(candidate, self.v.at).map_err(fail)?;
        check_ca(candidate, path).map_err(fail)?;
        path.push(candidate);
        match self.extend(path) {
            Ok(()) => Ok(()),
            Err(f) => {
                path.pop();
                Err(f)
            }
        }
    }

    /// Checks `child`'s signature with `issuer`'s key, counting it;
    /// `is_leaf` when `child` is the path's first certificate.
    fn check_signature(
        &mut self,
        child: &Certificate,
        is_leaf: bool,
        issuer: &Certificate,
    ) -> Result<(), PathError> {
        let tbs = child.tbs_certificate();
        if child.signature_algorithm() != tbs.signature() {
            return Err(PathError::SignatureAlgorithmMismatch {
                subject: subject(child),
            });
        }
        self.signature_checks += 1;
        if self.signature_checks > self.v.budget.max_signature_checks {
            return Err(PathError::BudgetExceeded {
                limit: BudgetLimit::SignatureChecks,
            });
        }
        // The TBS as the issuer signed it: from the bytes the certificate
        // was read from when known (re-encoding a certificate that is not
        // strict DER changes them), else from its DER re-encoding.
        let received = match self.leaf_der {
            Some(der) if is_leaf => Some(der),
            _ => self
                .v
                .trust
                .received_der(child)
                .or_else(|| self.pool.received_der(child)),
        };
        let encoded;
        let child_der = match received {
            Some(der) => der,
            None => {
                encoded = child
                    .to_der()
                    .map_err(|e| malformed(child, "Certificate", e))?;
                &encoded
            }
        };
        let tbs_der =
            cert::tbs_bytes(child_der).map_err(|e| malformed(child, "TBSCertificate", e))?;
        let bad = |reason| PathError::BadSignature {
            subject: subject(child),
            issuer: subject(issuer),
            reason: Box::new(reason),
        };
        let signature = child
            .signature()
            .as_bytes()
            .ok_or_else(|| bad(AlgorithmError::BadSignature))?;
        algorithm::verify_signature(
            issuer.tbs_certificate().subject_public_key_info(),
            child.signature_algorithm(),
            tbs_der,
            signature,
        )
        .map_err(|e| match e {
            AlgorithmError::UnsupportedSignature(oid) | AlgorithmError::UnsupportedDigest(oid) => {
                PathError::UnsupportedAlgorithm {
                    subject: subject(child),
                    oid,
                }
            }
            other => bad(other),
        })
    }
}

/// Whether two certificates are the same entity for loop prevention: the
/// same certificate, or the same subject with the same key.
fn same_entity(a: &Certificate, b: &Certificate) -> bool {
    a == b
        || (name::names_match(a.tbs_certificate().subject(), b.tbs_certificate().subject())
            && a.tbs_certificate().subject_public_key_info()
                == b.tbs_certificate().subject_public_key_info())
}

fn subject(cert: &Certificate) -> String {
    cert.tbs_certificate().subject().to_string()
}

fn malformed(cert: &Certificate, what: &'static str, error: der::Error) -> PathError {
    PathError::Malformed {
        subject: subject(cert),
        what,
        error,
    }
}

/// A CA certificate's validity at `at`.
fn check_ca_time(ca: &Certificate, at: SystemTime) -> Result<(), PathError> {
    let validity = ca.tbs_certificate().validity();
    if at < validity.not_before.to_system_time() {
        return Err(PathError::CaNotYetValid {
            subject: subject(ca),
            not_before: validity.not_before.to_date_time(),
        });
    }
    if at > validity.not_after.to_system_time() {
        return Err(PathError::CaExpired {
            subject: subject(ca),
            not_after: validity.not_after.to_date_time(),
        });
    }
    Ok(())
}

/// The checks of an intermediate CA about to be appended to `below` (the
/// path so far, leaf first).
fn check_ca(ca: &Certificate, below: &[&Certificate]) -> Result<(), PathError> {
    let tbs = ca.tbs_certificate();
    let bc = tbs
        .get_extension::<BasicConstraints>()
        .map_err(|e| malformed(ca, "basicConstraints", e))?;
    let Some((_, bc)) = bc.filter(|(_, bc)| bc.ca) else {
        return Err(PathError::CaWithoutBasicConstraints {
            subject: subject(ca),
        });
    };
    if let Some(path_len) = bc.path_len_constraint {
        // Non-self-issued intermediates between this CA and the leaf.
        let count = below.iter().skip(1).filter(|c| !self_issued(c)).count();
        if count > usize::from(path_len) {
            return Err(PathError::PathLenExceeded {
                subject: subject(ca),
                path_len,
                below: count,
            });
        }
    }
    let ku = tbs
        .get_extension::<KeyUsage>()
        .map_err(|e| malformed(ca, "keyUsage", e))?;
    if let Some((_, ku)) = ku
        && !ku.key_cert_sign()
    {
        return Err(PathError::CaKeyUsage {
            subject: subject(ca),
        });
    }
    check_critical_extensions(ca)?;
    check_name_constraints(ca, below)
}

fn self_issued(cert: &Certificate) -> bool {
    name::names_match(
        cert.tbs_certificate().subject(),
        cert.tbs_certificate().issuer(),
    )
}

fn check_critical_extensions(cert: &Certificate) -> Result<(), PathError> {
    for ext in cert
        .tbs_certificate()
        .extensions()
        .map_or(&[][..], Vec::as_slice)
    {
        if ext.critical && !KNOWN_EXTENSIONS.contains(&ext.extn_id) {
            return Err(PathError::UnknownCriticalExtension {
                subject: subject(cert),
                oid: ext.extn_id,
            });
        }
    }
    Ok(())
}

/// Applies `ca`'s nameConstraints to the certificates below it (RFC 5280
/// §4.2.1.10): directoryName subtrees to the subject names; other name
/// forms are not processed, so a constrained form present in a subject
/// alternative name (or an e-mail address in the subject, for rfc822Name)
/// fails. Self-issued intermediates are exempt; the leaf never is.
fn check_name_constraints(ca: &Certificate, below: &[&Certificate]) -> Result<(), PathError> {
    let nc = ca
        .tbs_certificate()
        .get_extension::<NameConstraints>()
        .map_err(|e| malformed(ca, "nameConstraints", e))?;
    let Some((_, nc)) = nc else {
        return Ok(());
    };
    let permitted = nc.permitted_subtrees.unwrap_or_default();
    let excluded = nc.excluded_subtrees.unwrap_or_default();
    let dir = |trees: &[x509_cert::ext::pkix::constraints::name::GeneralSubtree]| {
        trees
            .iter()
            .filter_map(|t| match &t.base {
                GeneralName::DirectoryName(n) => Some(n.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let permitted_dirs = dir(&permitted);
    let excluded_dirs = dir(&excluded);
    let other_forms: Vec<u8> = permitted
        .iter()
        .chain(&excluded)
        .filter_map(|t| general_name_form(&t.base))
        .filter(|&f| f != 4)
        .collect();
    for (i, cert) in below.iter().enumerate() {
        if i > 0 && self_issued(cert) {
            continue;
        }
        let violation = || PathError::NameConstraints {
            subject: subject(cert),
            ca: subject(ca),
        };
        let name = cert.tbs_certificate().subject();
        if !name.is_empty() {
            if !permitted_dirs.is_empty()
                && !permitted_dirs.iter().any(|b| name::name_within(name, b))
            {
                return Err(violation());
            }
            if excluded_dirs.iter().any(|b| name::name_within(name, b)) {
                return Err(violation());
            }
        }
        if other_forms.is_empty() {
            continue;
        }
        let san = cert
            .tbs_certificate()
            .get_extension::<SubjectAltName>()
            .map_err(|e| malformed(cert, "subjectAltName", e))?;
        let mut forms: Vec<u8> = san
            .map(|(_, s)| s.0.iter().filter_map(general_name_form).collect())
            .unwrap_or_default();
        if name.iter().any(|atv| atv.oid == oids::EMAIL) {
            forms.push(1);
        }
        if forms.iter().any(|f| other_forms.contains(f)) {
            return Err(violation());
        }
    }
    Ok(())
}

/// The context tag of a GeneralName form (RFC 5280 §4.2.1.6).
fn general_name_form(name: &GeneralName) -> Option<u8> {
    Some(match name {
        GeneralName::OtherName(_) => 0,
        GeneralName::Rfc822Name(_) => 1,
        GeneralName::DnsName(_) => 2,
        GeneralName::DirectoryName(_) => 4,
        GeneralName::EdiPartyName(_) => 5,
        GeneralName::UniformResourceIdentifier(_) => 6,
        GeneralName::IpAddress(_) => 7,
        GeneralName::RegisteredId(_) => 8,
    })
}
