//! X.509 certificates (RFC 5280) with GOST R 34.10-2012 keys: building and
//! signing them, reading DER and PEM, checking who issued them, and a
//! description of everything in one for `podpis cert show`.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use const_oid::ObjectIdentifier;
use der::asn1::{BitString, GeneralizedTime, Ia5String, OctetString};
use der::flagset::FlagSet;
use der::referenced::OwnedToRef;
use der::{Decode, Encode, Reader, Sequence, SliceReader};
use digest::Digest;
use gost::VerifyingKey;
use serde::Serialize;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::certificate::Version;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CertificatePolicies, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::algorithm::{self, AlgorithmError};
use crate::name::names_match;
use crate::name::{SubjectIdentity, format_name};
use crate::oids;
use crate::profile::{
    ExtensionValue, IdentificationKind, IssuerSignTool, PrivateKeyUsagePeriod, ProfileReport,
    SubjectSignTool, check_qualified, extension_value, find_extension,
};
use crate::signer::{Signer, SignerError};

/// Why a certificate could not be built, read or verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// The bytes are not a DER certificate (or the DER could not be written).
    #[error("certificate DER: {0}")]
    Der(#[from] der::Error),
    /// Text input holds no PEM block with a certificate.
    #[error("no PEM {0} block found")]
    NoPem(&'static str),
    /// The signature algorithm or key is not supported, or the signature
    /// does not verify.
    #[error(transparent)]
    Algorithm(#[from] AlgorithmError),
    /// The signer failed.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// A GOST key could not be encoded.
    #[error("key: {0}")]
    Key(#[from] gost::Error),
    /// The signer's key is not the key the certificate must be signed with
    /// (the subject's for a self-signed certificate, the issuer's otherwise).
    #[error("the signer's key is not the {expected} key")]
    WrongSigner {
        /// `subject` or `issuer`.
        expected: &'static str,
    },
    /// The certificate's issuer name is not the issuer certificate's subject.
    #[error("issuer name {issuer} does not match the issuer certificate's subject {subject}")]
    IssuerNameMismatch {
        /// The issuer named in the certificate.
        issuer: String,
        /// The subject of the candidate issuer certificate.
        subject: String,
    },
    /// notAfter is before notBefore, or a time is out of the encodable range.
    #[error("invalid validity period")]
    Validity,
    /// A given serial number is empty, zero, negative or over 20 bytes.
    #[error("invalid serial number")]
    Serial,
    /// A URL that an IA5String cannot hold.
    #[error("URL {0:?} is not ASCII")]
    Url(String),
    /// The system random number generator failed.
    #[error("random number generator failed")]
    Random,
}

impl crate::Diagnostic for CertError {
    fn code(&self) -> &'static str {
        match self {
            CertError::Der(_) => "CERT_MALFORMED",
            CertError::NoPem(_) => "CERT_NO_PEM",
            CertError::Algorithm(AlgorithmError::UnsupportedSignature(_))
            | CertError::Algorithm(AlgorithmError::UnsupportedDigest(_)) => {
                "CERT_UNSUPPORTED_ALGORITHM"
            }
            CertError::Algorithm(AlgorithmError::BadSignature) => "CERT_BAD_SIGNATURE",
            CertError::Algorithm(_) => "CERT_BAD_KEY",
            CertError::Signer(_) => "CERT_SIGNER_FAILED",
            CertError::Key(_) => "CERT_BAD_KEY",
            CertError::WrongSigner { .. } => "CERT_WRONG_SIGNER",
            CertError::IssuerNameMismatch { .. } => "CERT_ISSUER_MISMATCH",
            CertError::Validity => "CERT_BAD_VALIDITY",
            CertError::Serial => "CERT_BAD_SERIAL",
            CertError::Url(_) => "CERT_BAD_URL",
            CertError::Random => "CERT_RANDOM_FAILED",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            CertError::Der(e) => format!(
                "Файл не является сертификатом X.509 (ошибка DER: {e}). Проверьте, что выбран нужный файл."
            ),
            CertError::NoPem(l) => format!(
                "В тексте нет блока «-----BEGIN {l}-----». Укажите файл сертификата в PEM или DER."
            ),
            CertError::Algorithm(AlgorithmError::UnsupportedSignature(oid))
            | CertError::Algorithm(AlgorithmError::UnsupportedDigest(oid)) => format!(
                "Алгоритм {oid} не поддерживается: podpis проверяет только ГОСТ Р 34.10-2012. Сертификаты по ГОСТ Р 34.10-2001/34.11-94 устарели."
            ),
            CertError::Algorithm(AlgorithmError::BadSignature) => {
                "Подпись сертификата неверна: он изменён или выпущен другим издателем.".to_owned()
            }
            CertError::Algorithm(e) => {
                format!("Ключ сертификата не удалось прочитать: {e}.")
            }
            CertError::Signer(e) => format!("Не удалось подписать сертификат: {e}."),
            CertError::Key(e) => format!("Ключ не удалось закодировать: {e}."),
            CertError::WrongSigner { expected } => format!(
                "Ключ подписи не совпадает с ключом {}. Выберите правильный ключ.",
                if *expected == "subject" {
                    "владельца"
                } else {
                    "издателя"
                }
            ),
            CertError::IssuerNameMismatch { issuer, subject } => format!(
                "Издатель сертификата «{issuer}» не совпадает с владельцем сертификата УЦ «{subject}». Укажите сертификат нужного УЦ."
            ),
            CertError::Validity => {
                "Срок действия задан неверно: окончание раньше начала.".to_owned()
            }
            CertError::Serial => {
                "Серийный номер должен быть положительным и не длиннее 20 байт.".to_owned()
            }
            CertError::Url(u) => format!("Адрес «{u}» должен состоять из символов ASCII."),
            CertError::Random => "Системный генератор случайных чисел не сработал.".to_owned(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            CertError::Der(e) => {
                format!("Not an X.509 certificate (DER error: {e}). Check the file.")
            }
            CertError::NoPem(l) => format!(
                "No \"-----BEGIN {l}-----\" block in the text. Give a PEM or DER certificate."
            ),
            CertError::Algorithm(AlgorithmError::UnsupportedSignature(oid))
            | CertError::Algorithm(AlgorithmError::UnsupportedDigest(oid)) => format!(
                "Algorithm {oid} is not supported: podpis checks GOST R 34.10-2012 only. GOST R 34.10-2001/34.11-94 certificates are obsolete."
            ),
            CertError::Algorithm(AlgorithmError::BadSignature) => {
                "The certificate's signature does not verify: it was altered or issued by someone else."
                    .to_owned()
            }
            CertError::Algorithm(e) => format!("The certificate's key cannot be read: {e}."),
            CertError::Signer(e) => format!("Signing the certificate failed: {e}."),
            CertError::Key(e) => format!("The key could not be encoded: {e}."),
            CertError::WrongSigner { expected } => {
                format!("The signing key is not the {expected}'s key. Choose the right key.")
            }
            CertError::IssuerNameMismatch { issuer, subject } => format!(
                "The certificate's issuer {issuer:?} is not the CA certificate's subject {subject:?}. Give the right CA certificate."
            ),
            CertError::Validity => "The validity period ends before it starts.".to_owned(),
            CertError::Serial => {
                "The serial number must be positive and at most 20 bytes.".to_owned()
            }
            CertError::Url(u) => format!("The URL {u:?} must be ASCII."),
            CertError::Random => "The system random number generator failed.".to_owned(),
        }
    }
}

// --- Building -------------------------------------------------------------------

/// TBSCertificate as written (RFC 5280 §4.1); x509-cert's type cannot be
/// constructed outside its crate.
///
/// ```text
/// TBSCertificate  ::=  SEQUENCE  {
///     version         [0]  EXPLICIT Version DEFAULT v1,
///     serialNumber         CertificateSerialNumber,
///     signature            AlgorithmIdentifier,
///     issuer               Name,
///     validity             Validity,
///     subject              Name,
///     subjectPublicKeyInfo SubjectPublicKeyInfo,
///     extensions      [3]  EXPLICIT Extensions OPTIONAL }
/// ```
#[derive(Sequence)]
struct TbsOut {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: Version,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

/// Certificate as written (RFC 5280 §4.1):
/// `SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }`.
#[derive(Sequence)]
struct CertOut {
    tbs_certificate: TbsOut,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// Builds and signs an X.509 v3 certificate for a GOST key.
///
/// Defaults: a random 16-byte positive serial, a subjectKeyIdentifier
/// (SHA-1 of the key bits, RFC 5280 §4.2.1.2 method 1, as OpenSSL computes
/// it) and an authorityKeyIdentifier (the issuer's SKI).
#[derive(Debug, Clone)]
pub struct CertificateBuilder {
    subject: Name,
    subject_key: VerifyingKey,
    issuer: Option<Certificate>,
    serial: Option<Vec<u8>>,
    not_before: SystemTime,
    not_after: SystemTime,
    basic_constraints: Option<BasicConstraints>,
    key_usage: Option<FlagSet<KeyUsages>>,
    extended_key_usage: Vec<ObjectIdentifier>,
    ski: bool,
    aki: bool,
    policies: Vec<ObjectIdentifier>,
    crl_urls: Vec<String>,
    ocsp_urls: Vec<String>,
    ca_issuer_urls: Vec<String>,
    subject_sign_tool: Option<SubjectSignTool>,
    issuer_sign_tool: Option<IssuerSignTool>,
    identification_kind: Option<IdentificationKind>,
    private_key_usage_period: Option<(Option<SystemTime>, Option<SystemTime>)>,
    extra: Vec<Extension>,
}

/// The subjectSignTool a preset writes unless told otherwise.
pub const DEFAULT_SUBJECT_SIGN_TOOL: &str = "podpis";

impl CertificateBuilder {
    /// A self-signed certificate for `subject` and its key, valid from
    /// `not_before` to `not_after`, with no extensions but SKI and AKI.
    pub fn new(
        subject: Name,
        subject_key: &VerifyingKey,
        not_before: SystemTime,
        not_after: SystemTime,
    ) -> Self {
        CertificateBuilder {
            subject,
            subject_key: subject_key.clone(),
            issuer: None,
            serial: None,
            not_before,
            not_after,
            basic_constraints: None,
            key_usage: None,
            extended_key_usage: Vec::new(),
            ski: true,
            aki: true,
            policies: Vec::new(),
            crl_urls: Vec::new(),
            ocsp_urls: Vec::new(),
            ca_issuer_urls: Vec::new(),
            subject_sign_tool: None,
            issuer_sign_tool: None,
            identification_kind: None,
            private_key_usage_period: None,
            extra: Vec::new(),
        }
    }

    /// A CA certificate preset: basicConstraints CA (critical) with the
    /// path length, keyUsage keyCertSign | cRLSign | digitalSignature |
    /// nonRepudiation, subjectSignTool. Self-signed unless [`Self::issuer`]
    /// is set.
    pub fn ca(
        subject: Name,
        key: &VerifyingKey,
        not_before: SystemTime,
        not_after: SystemTime,
        path_len: Option<u8>,
    ) -> Self {
        CertificateBuilder::new(subject, key, not_before, not_after)
            .basic_constraints(true, path_len)
            .key_usage(
                KeyUsages::KeyCertSign
                    | KeyUsages::CRLSign
                    | KeyUsages::DigitalSignature
                    | KeyUsages::NonRepudiation,
            )
            .subject_sign_tool(DEFAULT_SUBJECT_SIGN_TOOL)
    }

    /// A qualified end-entity certificate preset (FSB order No. 795) issued
    /// by `issuer`: keyUsage digitalSignature | nonRepudiation (critical),
    /// EKU clientAuth + emailProtection, the КС1 and КС2 policy classes,
    /// subjectSignTool, the issuer's `sign_tool` as issuerSignTool and
    /// IdentificationKind. The subject must carry what the kind requires
    /// (see [`crate::profile::check_qualified`]).
    pub fn qualified(
        subject: Name,
        key: &VerifyingKey,
        issuer: &Certificate,
        issuer_sign_tool: IssuerSignTool,
        identification: IdentificationKind,
        not_before: SystemTime,
        not_after: SystemTime,
    ) -> Self {
        CertificateBuilder::new(subject, key, not_before, not_after)
            .issuer(issuer)
            .key_usage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation)
            .extended_key_usage(vec![oids::KP_CLIENT_AUTH, oids::KP_EMAIL_PROTECTION])
            .policies(vec![oids::POLICY_KC1, oids::POLICY_KC2])
            .subject_sign_tool(DEFAULT_SUBJECT_SIGN_TOOL)
            .issuer_sign_tool(issuer_sign_tool)
            .identification_kind(identification)
    }

    /// Issued by `issuer` (its subject becomes the issuer name, its SKI the AKI).
    pub fn issuer(mut self, issuer: &Certificate) -> Self {
        self.issuer = Some(issuer.clone());
        self
    }

    /// A given serial number (big-endian, positive, at most 20 bytes).
    pub fn serial(mut self, serial: &[u8]) -> Self {
        self.serial = Some(serial.to_vec());
        self
    }

    /// basicConstraints (critical).
    pub fn basic_constraints(mut self, ca: bool, path_len: Option<u8>) -> Self {
        self.basic_constraints = Some(BasicConstraints {
            ca,
            path_len_constraint: path_len,
        });
        self
    }

    /// keyUsage (critical).
    pub fn key_usage(mut self, usage: impl Into<FlagSet<KeyUsages>>) -> Self {
        self.key_usage = Some(usage.into());
        self
    }

    /// Removes keyUsage.
    pub fn without_key_usage(mut self) -> Self {
        self.key_usage = None;
        self
    }

    /// extendedKeyUsage (non-critical); empty removes it.
    pub fn extended_key_usage(mut self, purposes: Vec<ObjectIdentifier>) -> Self {
        self.extended_key_usage = purposes;
        self
    }

    /// Leaves out the subjectKeyIdentifier.
    pub fn without_ski(mut self) -> Self {
        self.ski = false;
        self
    }

    /// Leaves out the authorityKeyIdentifier.
    pub fn without_aki(mut self) -> Self {
        self.aki = false;
        self
    }

    /// certificatePolicies (policy OIDs without qualifiers); empty removes it.
    pub fn policies(mut self, policies: Vec<ObjectIdentifier>) -> Self {
        self.policies = policies;
        self
    }

    /// Adds a CRL distribution point URL.
    pub fn crl_url(mut self, url: &str) -> Self {
        self.crl_urls.push(url.to_owned());
        self
    }

    /// Adds an OCSP responder URL (authorityInfoAccess).
    pub fn ocsp_url(mut self, url: &str) -> Self {
        self.ocsp_urls.push(url.to_owned());
        self
    }

    /// Adds a caIssuers URL (authorityInfoAccess).
    pub fn ca_issuers_url(mut self, url: &str) -> Self {
        self.ca_issuer_urls.push(url.to_owned());
        self
    }

    /// subjectSignTool.
    pub fn subject_sign_tool(mut self, tool: &str) -> Self {
        self.subject_sign_tool = Some(SubjectSignTool(tool.to_owned()));
        self
    }

    /// Removes subjectSignTool.
    pub fn without_subject_sign_tool(mut self) -> Self {
        self.subject_sign_tool = None;
        self
    }

    /// issuerSignTool.
    pub fn issuer_sign_tool(mut self, tool: IssuerSignTool) -> Self {
        self.issuer_sign_tool = Some(tool);
        self
    }

    /// Removes issuerSignTool.
    pub fn without_issuer_sign_tool(mut self) -> Self {
        self.issuer_sign_tool = None;
        self
    }

    /// IdentificationKind.
    pub fn identification_kind(mut self, kind: IdentificationKind) -> Self {
        self.identification_kind = Some(kind);
        self
    }

    /// Removes IdentificationKind.
    pub fn without_identification_kind(mut self) -> Self {
        self.identification_kind = None;
        self
    }

    /// privateKeyUsagePeriod.
    pub fn private_key_usage_period(
        mut self,
        not_before: Option<SystemTime>,
        not_after: Option<SystemTime>,
    ) -> Self {
        self.private_key_usage_period = Some((not_before, not_after));
        self
    }

    /// Adds any other extension as it is (one with the same OID as a
    /// built-in one replaces it).
    pub fn extension(mut self, extension: Extension) -> Self {
        self.extra.push(extension);
        self
    }

    fn serial_number(&self) -> Result<SerialNumber, CertError> {
        let bytes = match &self.serial {
            Some(s) => {
                if s.is_empty() || s.iter().all(|&b| b == 0) || s[0] & 0x80 != 0 {
                    return Err(CertError::Serial);
                }
                s.clone()
            }
            None => {
                let mut buf = [0u8; 16];
                getrandom::fill(&mut buf).map_err(|_| CertError::Random)?;
                // Positive, and the first byte non-zero so no octet is lost.
                buf[0] = (buf[0] & 0x7F) | 0x40;
                buf.to_vec()
            }
        };
        SerialNumber::new(&bytes).map_err(|_| CertError::Serial)
    }

    fn extensions(&self, spki: &SubjectPublicKeyInfoOwned) -> Result<Vec<Extension>, CertError> {
        let mut exts = Vec::new();
        if let Some(bc) = &self.basic_constraints {
            exts.push(bc.encode_extension(true)?);
        }
        if let Some(ku) = self.key_usage {
            exts.push(KeyUsage(ku).encode_extension(true)?);
        }
        if !self.extended_key_usage.is_empty() {
            exts.push(ExtendedKeyUsage(self.extended_key_usage.clone()).encode_extension(false)?);
        }
        let ski = key_identifier(spki);
        if self.ski {
            exts.push(
                SubjectKeyIdentifier(OctetString::new(ski.clone())?).encode_extension(false)?,
            );
        }
        if self.aki {
            let key_id = match &self.issuer {
                Some(issuer) => key_id_or_hash(issuer),
                None => ski,
            };
            let aki = AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(key_id)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            };
            exts.push(aki.encode_extension(false)?);
        }
        if !self.policies.is_empty() {
            let policies = CertificatePolicies(
                self.policies
                    .iter()
                    .map(|oid| PolicyInformation {
                        policy_identifier: *oid,
                        policy_qualifiers: None,
                    })
                    .collect(),
            );
            exts.push(policies.encode_extension(false)?);
        }
        if !self.crl_urls.is_empty() {
            let points = self
                .crl_urls
                .iter()
                .map(|u| {
                    Ok(DistributionPoint {
                        distribution_point: Some(DistributionPointName::FullName(vec![uri(u)?])),
                        reasons: None,
                        crl_issuer: None,
                    })
                })
                .collect::<Result<Vec<_>, CertError>>()?;
            exts.push(CrlDistributionPoints(points).encode_extension(false)?);
        }
        if !self.ocsp_urls.is_empty() || !self.ca_issuer_urls.is_empty() {
            let mut access = Vec::new();
            for u in &self.ocsp_urls {
                access.push(AccessDescription {
                    access_method: oids::AD_OCSP,
                    access_location: uri(u)?,
                });
            }
            for u in &self.ca_issuer_urls {
                access.push(AccessDescription {
                    access_method: oids::AD_CA_ISSUERS,
                    access_location: uri(u)?,
                });
            }
            exts.push(AuthorityInfoAccessSyntax(access).encode_extension(false)?);
        }
        if let Some(t) = &self.subject_sign_tool {
            exts.push(t.encode_extension(false)?);
        }
        if let Some(t) = &self.issuer_sign_tool {
            exts.push(t.encode_extension(false)?);
        }
        if let Some(k) = self.identification_kind {
            exts.push(k.encode_extension(false)?);
        }
        if let Some((nb, na)) = self.private_key_usage_period {
            let gt = |t: Option<SystemTime>| {
                t.map(|t| GeneralizedTime::from_system_time(whole_seconds(t)))
                    .transpose()
            };
            let period = PrivateKeyUsagePeriod {
                not_before: gt(nb)?,
                not_after: gt(na)?,
            };
            exts.push(period.encode_extension(false)?);
        }
        for extra in &self.extra {
            exts.retain(|e| e.extn_id != extra.extn_id);
            exts.push(extra.clone());
        }
        Ok(exts)
    }

    /// Signs the certificate with `signer`: for a self-signed certificate
    /// the signer's key must be the subject key, for an issued one the
    /// issuer certificate's key.
    pub fn build(&self, signer: &dyn Signer) -> Result<Certificate, CertError> {
        let (issuer_name, expected) = match &self.issuer {
            None => (self.subject.clone(), ("subject", self.subject_key.clone())),
            Some(issuer) => {
                let key =
                    algorithm::verifying_key(issuer.tbs_certificate().subject_public_key_info())?;
                (issuer.tbs_certificate().subject().clone(), ("issuer", key))
            }
        };
        if *signer.verifying_key() != expected.1 {
            return Err(CertError::WrongSigner {
                expected: expected.0,
            });
        }
        if self.not_after < self.not_before {
            return Err(CertError::Validity);
        }
        let spki = self.subject_key.to_public_key_info()?;
        let exts = self.extensions(&spki)?;
        let signature_algorithm =
            algorithm::signature_algorithm_identifier(signer.param_set().key_size());
        let time = |t: SystemTime| -> Result<Time, CertError> {
            Time::try_from(whole_seconds(t)).map_err(|_| CertError::Validity)
        };
        let tbs = TbsOut {
            version: Version::V3,
            serial_number: self.serial_number()?,
            signature: signature_algorithm.clone(),
            issuer: issuer_name,
            validity: Validity::new(time(self.not_before)?, time(self.not_after)?),
            subject: self.subject.clone(),
            subject_public_key_info: spki,
            extensions: if exts.is_empty() { None } else { Some(exts) },
        };
        let tbs_der = tbs.to_der()?;
        let signature = signer.sign_message(&tbs_der)?;
        let cert = CertOut {
            tbs_certificate: tbs,
            signature_algorithm,
            signature: BitString::from_bytes(&signature)?,
        };
        Ok(Certificate::from_der(&cert.to_der()?)?)
    }
}

fn whole_seconds(t: SystemTime) -> SystemTime {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => SystemTime::UNIX_EPOCH + Duration::from_secs(d.as_secs()),
        Err(_) => t,
    }
}

fn uri(url: &str) -> Result<GeneralName, CertError> {
    Ia5String::new(url)
        .map(GeneralName::UniformResourceIdentifier)
        .map_err(|_| CertError::Url(url.to_owned()))
}

/// The key identifier of RFC 5280 §4.2.1.2 method 1: SHA-1 of the
/// subjectPublicKey BIT STRING's bytes (what OpenSSL writes as SKI).
pub fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    sha1::Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec()
}

// --- Reading ------------------------------------------------------------------

/// The DER contents of every PEM block labelled with one of `labels`, read
/// as leniently as OpenSSL reads them (text around blocks, CRLF, lines of
/// any length). Shared by certificates and CSRs.
pub fn pem_blocks(input: &[u8], labels: &[&str]) -> Result<Vec<Vec<u8>>, der::Error> {
    Ok(labelled_pem_blocks(input, labels)?
        .into_iter()
        .map(|(_, der)| der)
        .collect())
}

/// As [`pem_blocks`], with each block's label.
fn labelled_pem_blocks(
    input: &[u8],
    labels: &[&str],
) -> Result<Vec<(String, Vec<u8>)>, der::Error> {
    let text = String::from_utf8_lossy(input);
    let mut out = Vec::new();
    let mut rest: &str = &text;
    while let Some(begin) = rest.find("-----BEGIN ") {
        let after = &rest[begin + 11..];
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = &after[..label_end];
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_start.find(&end_marker) else {
            return Err(der::pem::Error::PostEncapsulationBoundary.into());
        };
        let body = &body_start[..end];
        rest = &body_start[end + end_marker.len()..];
        if !labels.contains(&label) {
            continue;
        }
        out.push((label.to_owned(), base64_body(label, body)?));
    }
    Ok(out)
}

/// Decodes the base64 body of a PEM block written with any line width and
/// line ends (re-wrapped at 64 columns for the strict decoder of `der`).
fn base64_body(label: &str, body: &str) -> Result<Vec<u8>, der::Error> {
    let b64: String = body.split_ascii_whitespace().collect();
    let mut canonical = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        canonical.push_str(&String::from_utf8_lossy(chunk));
        canonical.push('\n');
    }
    canonical.push_str(&format!("-----END {label}-----\n"));
    let (_, der) = der::pem::decode_vec(canonical.as_bytes())?;
    Ok(der)
}

/// The labels of PEM blocks that hold an X.509 certificate. A `TRUSTED
/// CERTIFICATE` block (OpenSSL) is the certificate followed by its trust
/// settings.
const CERT_LABELS: &[&str] = &["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"];

fn looks_like_der(input: &[u8]) -> bool {
    input.first() == Some(&0x30)
}

/// Decodes DER, and on failure retries with BER BOOLEANs made canonical
/// (a TRUE written as `01` instead of `FF`, as the JavaScript GostCrypto
/// family writes it). The signature still verifies over the original bytes
/// with [`verify_issued_by_der`] / [`tbs_bytes`].
pub fn decode_lenient<T: for<'a> Decode<'a, Error = der::Error>>(
    der: &[u8],
) -> Result<T, der::Error> {
    match T::from_der(der) {
        Ok(v) => Ok(v),
        Err(e) => {
            let mut fixed = der.to_vec();
            if canonical_booleans(&mut fixed) {
                T::from_der(&fixed)
            } else {
                Err(e)
            }
        }
    }
}

/// Rewrites non-zero BOOLEAN contents to `FF` in place, walking constructed
/// values and OCTET STRINGs that hold DER (extension values). Returns
/// whether anything changed; lengths never change.
fn canonical_booleans(buf: &mut [u8]) -> bool {
    fn walk(buf: &mut [u8], depth: usize) -> Option<bool> {
        if depth > 32 {
            return None;
        }
        let mut changed = false;
        let mut pos = 0;
        while pos < buf.len() {
            let tag = buf[pos];
            if tag & 0x1F == 0x1F {
                return None; // multi-byte tags: not in certificates
            }
            let (len, hdr) = read_len(&buf[pos + 1..])?;
            let start = pos + 1 + hdr;
            let end = start.checked_add(len)?;
            if end > buf.len() {
                return None;
            }
            let content = &mut buf[start..end];
            if tag == 0x01 && len == 1 {
                if content[0] != 0 && content[0] != 0xFF {
                    content[0] = 0xFF;
                    changed = true;
                }
            } else if tag & 0x20 != 0 {
                changed |= walk(content, depth + 1)?;
            } else if tag == 0x04 && content.first() == Some(&0x30) {
                let mut copy = content.to_vec();
                if let Some(true) = walk(&mut copy, depth + 1) {
                    content.copy_from_slice(&copy);
                    changed = true;
                }
            }
            pos = end;
        }
        Some(changed)
    }
    fn read_len(b: &[u8]) -> Option<(usize, usize)> {
        let first = *b.first()?;
        if first < 0x80 {
            return Some((first as usize, 1));
        }
        let n = (first & 0x7F) as usize;
        if n == 0 || n > 4 || b.len() < 1 + n {
            return None;
        }
        let len = b[1..=n]
            .iter()
            .fold(0usize, |acc, &x| (acc << 8) | x as usize);
        Some((len, 1 + n))
    }
    walk(buf, 0).unwrap_or(false)
}

/// A certificate together with the bytes it was read from.
///
/// [`decode_lenient`] accepts certificates that are not strict DER (BER
/// BOOLEANs), and re-encoding such a certificate does not give back the
/// bytes its issuer signed. Whoever checks the signature later needs these
/// bytes: [`ParsedCertificate::verify_issued_by`], or
/// [`crate::trust::TrustStore`] / [`crate::trust::CertPool`], which keep
/// them for path validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCertificate {
    /// The certificate, decoded.
    pub cert: Certificate,
    /// The certificate's encoding as received (one TLV, nothing after it).
    pub der: Vec<u8>,
}

impl ParsedCertificate {
    /// Decodes one certificate (leniently) and keeps its bytes.
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        Ok(ParsedCertificate {
            cert: decode_lenient(der)?,
            der: der.to_vec(),
        })
    }

    /// Checks that `issuer` issued this certificate, over the bytes as
    /// received (see [`verify_issued_by_der`]).
    pub fn verify_issued_by(&self, issuer: &Certificate) -> Result<(), CertError> {
        check_issuer_name(&self.cert, issuer)?;
        verify_tbs(&self.cert, issuer, tbs_bytes(&self.der)?)
    }
}

/// Reads every certificate of a file's contents, as CAs publish them, with
/// the bytes of each: one DER certificate; PEM `CERTIFICATE`, `X509
/// CERTIFICATE` or `TRUSTED CERTIFICATE` blocks (any line width, CRLF, text
/// between blocks, other blocks skipped); or bare base64 of a DER
/// certificate (as some Russian CAs publish `.cer`). Certificates with BER
/// BOOLEANs are accepted ([`decode_lenient`]).
pub fn read_certificates(input: &[u8]) -> Result<Vec<ParsedCertificate>, CertError> {
    if looks_like_der(input) {
        return Ok(vec![ParsedCertificate::from_der(input)?]);
    }
    if !input.windows(11).any(|w| w == b"-----BEGIN ") {
        let text = String::from_utf8_lossy(input);
        return match base64_body("CERTIFICATE", &text) {
            Ok(der) if looks_like_der(&der) => Ok(vec![ParsedCertificate::from_der(&der)?]),
            _ => Err(CertError::NoPem("CERTIFICATE")),
        };
    }
    let blocks = labelled_pem_blocks(input, CERT_LABELS)?;
    if blocks.is_empty() {
        return Err(CertError::NoPem("CERTIFICATE"));
    }
    blocks
        .into_iter()
        .map(|(label, der)| {
            if label == "TRUSTED CERTIFICATE" {
                // The certificate is the first TLV; trust settings follow.
                let mut reader = SliceReader::new(&der)?;
                ParsedCertificate::from_der(reader.tlv_bytes()?)
            } else {
                ParsedCertificate::from_der(&der)
            }
        })
        .collect()
}

/// Reads one certificate from DER, PEM (the first certificate block) or
/// bare base64; as lenient as [`read_certificates`].
pub fn parse_certificate(input: &[u8]) -> Result<Certificate, CertError> {
    read_certificates(input)?
        .into_iter()
        .next()
        .map(|p| p.cert)
        .ok_or(CertError::NoPem("CERTIFICATE"))
}

/// Reads every certificate of a PEM bundle, or the one certificate of a DER
/// (or bare base64) file; as lenient as [`read_certificates`], without the bytes.
pub fn parse_certificates(input: &[u8]) -> Result<Vec<Certificate>, CertError> {
    Ok(read_certificates(input)?
        .into_iter()
        .map(|p| p.cert)
        .collect())
}

/// A certificate as PEM with LF line ends.
pub fn to_pem(cert: &Certificate) -> Result<String, CertError> {
    let der = cert.to_der()?;
    Ok(
        der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &der)
            .map_err(der::Error::from)?,
    )
}

/// Checks that `issuer` issued `cert`: the issuer name matches the
/// issuer's subject and the signature verifies with the issuer's key.
///
/// The TBS is re-encoded from the parsed certificate; for certificates
/// from elsewhere whose encoding may not survive that (e.g. a
/// GeneralizedTime before 2050), use [`verify_issued_by_der`].
pub fn verify_issued_by(cert: &Certificate, issuer: &Certificate) -> Result<(), CertError> {
    check_issuer_name(cert, issuer)?;
    let tbs = cert.tbs_certificate().to_der()?;
    verify_tbs(cert, issuer, &tbs)
}

/// As [`verify_issued_by`], over the certificate's original DER bytes.
pub fn verify_issued_by_der(cert_der: &[u8], issuer: &Certificate) -> Result<(), CertError> {
    ParsedCertificate::from_der(cert_der)?.verify_issued_by(issuer)
}

/// The raw bytes of the first element of a signed SEQUENCE (the TBS part
/// of a certificate, CSR or CRL), exactly as they were signed.
pub fn tbs_bytes(signed_der: &[u8]) -> Result<&[u8], der::Error> {
    let mut reader = SliceReader::new(signed_der)?;
    reader.sequence(|r| {
        let tbs = r.tlv_bytes()?;
        // Skip the rest: algorithm and signature.
        while !r.is_finished() {
            r.tlv_bytes()?;
        }
        Ok(tbs)
    })
}

/// The issuer name check of [`verify_issued_by`]: equal under RFC 5280 §7.1
/// ([`names_match`]).
fn check_issuer_name(cert: &Certificate, issuer: &Certificate) -> Result<(), CertError> {
    if !names_match(
        cert.tbs_certificate().issuer(),
        issuer.tbs_certificate().subject(),
    ) {
        return Err(CertError::IssuerNameMismatch {
            issuer: format_name(cert.tbs_certificate().issuer()),
            subject: format_name(issuer.tbs_certificate().subject()),
        });
    }
    Ok(())
}

fn verify_tbs(cert: &Certificate, issuer: &Certificate, tbs: &[u8]) -> Result<(), CertError> {
    let signature = cert
        .signature()
        .as_bytes()
        .ok_or(CertError::Algorithm(AlgorithmError::BadSignature))?;
    algorithm::verify_signature(
        issuer.tbs_certificate().subject_public_key_info(),
        cert.signature_algorithm(),
        tbs,
        signature,
    )?;
    Ok(())
}

/// Whether the certificate names itself as issuer (RFC 5280 §7.1 comparison).
pub fn is_self_issued(cert: &Certificate) -> bool {
    names_match(
        cert.tbs_certificate().issuer(),
        cert.tbs_certificate().subject(),
    )
}

/// SHA-1 of the certificate's DER (the "thumbprint" Windows and CryptoPro show).
pub fn fingerprint_sha1(cert: &Certificate) -> Result<Vec<u8>, CertError> {
    Ok(sha1::Sha1::digest(cert.to_der()?).to_vec())
}

/// Streebog-256 of the certificate's DER.
pub fn fingerprint_streebog256(cert: &Certificate) -> Result<Vec<u8>, CertError> {
    Ok(algorithm::DigestAlgorithm::Streebog256.digest(&cert.to_der()?))
}

/// The certificate's subject key as a GOST key.
pub fn public_key(cert: &Certificate) -> Result<VerifyingKey, CertError> {
    Ok(algorithm::verifying_key(
        cert.tbs_certificate().subject_public_key_info(),
    )?)
}

/// The subject key's algorithm, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// Algorithm name, e.g. `GOST R 34.10-2012 256`.
    pub algorithm: String,
    /// The key algorithm's OID.
    pub oid: String,
    /// The parameter set label, e.g. `256-A`, when it is a known GOST set.
    pub param_set: Option<String>,
    /// The parameter set's standard name.
    pub param_set_name: Option<String>,
    /// Key size in bits, for GOST keys.
    pub bits: Option<u32>,
}

/// Describes the certificate's key algorithm and parameter set.
pub fn key_info(cert: &Certificate) -> KeyInfo {
    let spki = cert.tbs_certificate().subject_public_key_info();
    let oid = spki.algorithm.oid;
    let params = gost::encoding::param_set_from_algorithm(&spki.algorithm.owned_to_ref()).ok();
    KeyInfo {
        algorithm: algorithm_name(&oid).to_owned(),
        oid: oid.to_string(),
        param_set: params.map(|p| p.label()),
        param_set_name: params.map(|p| p.name().to_owned()),
        bits: match oid {
            oids::ID_TC26_GOST3410_12_256 | oids::ID_GOSTR3410_2001 => Some(256),
            oids::ID_TC26_GOST3410_12_512 => Some(512),
            _ => None,
        },
    }
}

/// A readable name for key and signature algorithm OIDs.
pub fn algorithm_name(oid: &ObjectIdentifier) -> &'static str {
    match oid.to_string().as_str() {
        "1.2.643.7.1.1.1.1" => "GOST R 34.10-2012 256",
        "1.2.643.7.1.1.1.2" => "GOST R 34.10-2012 512",
        "1.2.643.7.1.1.3.2" => "GOST R 34.10-2012 with GOST R 34.11-2012 (256 bit)",
        "1.2.643.7.1.1.3.3" => "GOST R 34.10-2012 with GOST R 34.11-2012 (512 bit)",
        "1.2.643.2.2.19" => "GOST R 34.10-2001",
        "1.2.643.2.2.20" => "GOST R 34.10-94",
        "1.2.643.2.2.3" => "GOST R 34.11-94 with GOST R 34.10-2001",
        "1.2.643.2.2.4" => "GOST R 34.11-94 with GOST R 34.10-94",
        "1.2.840.113549.1.1.1" => "RSA",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.10045.2.1" => "EC",
        _ => "unknown",
    }
}

// --- Typed extension lookups ------------------------------------------------------

/// basicConstraints, if present and well-formed.
pub fn basic_constraints(cert: &Certificate) -> Option<BasicConstraints> {
    extension_value::<BasicConstraints>(cert).and_then(Result::ok)
}

/// keyUsage, if present and well-formed.
pub fn key_usage(cert: &Certificate) -> Option<KeyUsage> {
    extension_value::<KeyUsage>(cert).and_then(Result::ok)
}

/// extendedKeyUsage purposes, if present and well-formed.
pub fn extended_key_usage(cert: &Certificate) -> Option<Vec<ObjectIdentifier>> {
    extension_value::<ExtendedKeyUsage>(cert)
        .and_then(Result::ok)
        .map(|e| e.0)
}

/// The certificate policy OIDs (empty when absent).
pub fn policies(cert: &Certificate) -> Vec<ObjectIdentifier> {
    extension_value::<CertificatePolicies>(cert)
        .and_then(Result::ok)
        .map(|p| p.0.into_iter().map(|pi| pi.policy_identifier).collect())
        .unwrap_or_default()
}

fn aia_urls(cert: &Certificate, method: ObjectIdentifier) -> Vec<String> {
    extension_value::<AuthorityInfoAccessSyntax>(cert)
        .and_then(Result::ok)
        .map(|aia| {
            aia.0
                .into_iter()
                .filter(|a| a.access_method == method)
                .filter_map(|a| match a.access_location {
                    GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// OCSP responder URLs from authorityInfoAccess.
pub fn ocsp_urls(cert: &Certificate) -> Vec<String> {
    aia_urls(cert, oids::AD_OCSP)
}

/// caIssuers URLs from authorityInfoAccess.
pub fn ca_issuers_urls(cert: &Certificate) -> Vec<String> {
    aia_urls(cert, oids::AD_CA_ISSUERS)
}

/// CRL distribution point URLs.
pub fn crl_urls(cert: &Certificate) -> Vec<String> {
    let Some(Ok(points)) = extension_value::<CrlDistributionPoints>(cert) else {
        return Vec::new();
    };
    points
        .0
        .into_iter()
        .filter_map(|p| match p.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(|n| match n {
            GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
            _ => None,
        })
        .collect()
}

/// The subjectKeyIdentifier bytes.
pub fn subject_key_id(cert: &Certificate) -> Option<Vec<u8>> {
    extension_value::<SubjectKeyIdentifier>(cert)
        .and_then(Result::ok)
        .map(|s| s.0.as_bytes().to_vec())
}

/// The identifier to name `cert`'s key by (in an authorityKeyIdentifier,
/// a ResponderID): its subjectKeyIdentifier, or else [`key_identifier`].
pub fn key_id_or_hash(cert: &Certificate) -> Vec<u8> {
    subject_key_id(cert)
        .unwrap_or_else(|| key_identifier(cert.tbs_certificate().subject_public_key_info()))
}

/// The authorityKeyIdentifier's keyIdentifier bytes.
pub fn authority_key_id(cert: &Certificate) -> Option<Vec<u8>> {
    extension_value::<AuthorityKeyIdentifier>(cert)
        .and_then(Result::ok)
        .and_then(|a| a.key_identifier)
        .map(|k| k.as_bytes().to_vec())
}

// --- Description ------------------------------------------------------------------

/// The language of text renderings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Lang {
    /// Russian.
    #[default]
    Ru,
    /// English.
    En,
}

/// One extension, decoded for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtensionInfo {
    /// Dotted OID.
    pub oid: String,
    /// Its name, e.g. `keyUsage`, `subjectSignTool`.
    pub name: String,
    /// Whether it is critical.
    pub critical: bool,
    /// The decoded value as lines of text (hex for unknown extensions).
    pub value: Vec<String>,
}

/// Everything `podpis cert show` prints about a certificate.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateInfo {
    /// X.509 version (1, 2 or 3).
    pub version: u8,
    /// Serial number, upper-case hex.
    pub serial: String,
    /// Subject with short labels.
    pub subject: String,
    /// Subject attributes.
    pub subject_identity: SubjectIdentity,
    /// Issuer with short labels.
    pub issuer: String,
    /// Issuer attributes.
    pub issuer_identity: SubjectIdentity,
    /// Whether issuer and subject are the same name.
    pub self_issued: bool,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// The subject key.
    pub key: KeyInfo,
    /// Signature algorithm name.
    pub signature_algorithm: String,
    /// Signature algorithm OID.
    pub signature_algorithm_oid: String,
    /// Extensions, decoded.
    pub extensions: Vec<ExtensionInfo>,
    /// SHA-1 of the DER, hex.
    pub fingerprint_sha1: String,
    /// Streebog-256 of the DER, hex.
    pub fingerprint_streebog256: String,
    /// The qualified-profile check (subject kind detected).
    pub profile: ProfileReport,
}

/// Upper-case hex without separators, as serial numbers, key identifiers
/// and fingerprints are shown everywhere in podpis.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn rfc3339(t: &Time) -> String {
    let d = t.to_date_time();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year(),
        d.month(),
        d.day(),
        d.hour(),
        d.minutes(),
        d.seconds()
    )
}

fn oid_name(oid: &ObjectIdentifier) -> String {
    let known = match oid.to_string().as_str() {
        "1.3.6.1.5.5.7.3.1" => "serverAuth",
        "1.3.6.1.5.5.7.3.2" => "clientAuth",
        "1.3.6.1.5.5.7.3.3" => "codeSigning",
        "1.3.6.1.5.5.7.3.4" => "emailProtection",
        "1.3.6.1.5.5.7.3.8" => "timeStamping",
        "1.3.6.1.5.5.7.3.9" => "OCSPSigning",
        "2.5.29.37.0" => "anyExtendedKeyUsage",
        "2.5.29.32.0" => "anyPolicy",
        "1.2.643.100.113.1" => "КС1",
        "1.2.643.100.113.2" => "КС2",
        "1.2.643.100.113.3" => "КС3",
        "1.2.643.100.113.4" => "КВ1",
        "1.2.643.100.113.5" => "КВ2",
        "1.2.643.100.113.6" => "КА1",
        _ => return oid.to_string(),
    };
    format!("{known} ({oid})")
}

fn extension_name(oid: &ObjectIdentifier) -> &'static str {
    match oid.to_string().as_str() {
        "2.5.29.14" => "subjectKeyIdentifier",
        "2.5.29.15" => "keyUsage",
        "2.5.29.16" => "privateKeyUsagePeriod",
        "2.5.29.17" => "subjectAltName",
        "2.5.29.19" => "basicConstraints",
        "2.5.29.31" => "cRLDistributionPoints",
        "2.5.29.32" => "certificatePolicies",
        "2.5.29.35" => "authorityKeyIdentifier",
        "2.5.29.37" => "extendedKeyUsage",
        "1.3.6.1.5.5.7.1.1" => "authorityInfoAccess",
        "1.2.643.100.111" => "subjectSignTool",
        "1.2.643.100.112" => "issuerSignTool",
        "1.2.643.100.114" => "identificationKind",
        "1.3.6.1.4.1.311.21.1" => "msCAVersion",
        "1.3.6.1.4.1.311.21.7" => "msCertificateTemplate",
        _ => "unknown",
    }
}

fn describe_extension(ext: &Extension, lang: Lang) -> Vec<String> {
    let ru = lang == Lang::Ru;
    let fallback = || vec![hex(ext.extn_value.as_bytes())];
    let lines: Option<Vec<String>> = match ext.extn_id.to_string().as_str() {
        "2.5.29.19" => BasicConstraints::decode_extension(ext).ok().map(|b| {
            vec![format!(
                "CA: {}{}",
                b.ca,
                b.path_len_constraint
                    .map(|p| format!(", pathLen: {p}"))
                    .unwrap_or_default()
            )]
        }),
        "2.5.29.15" => KeyUsage::decode_extension(ext).ok().map(|k| {
            let names = [
                (k.digital_signature(), "digitalSignature"),
                (k.non_repudiation(), "nonRepudiation"),
                (k.key_encipherment(), "keyEncipherment"),
                (k.data_encipherment(), "dataEncipherment"),
                (k.key_agreement(), "keyAgreement"),
                (k.key_cert_sign(), "keyCertSign"),
                (k.crl_sign(), "cRLSign"),
                (k.encipher_only(), "encipherOnly"),
                (k.decipher_only(), "decipherOnly"),
            ];
            vec![
                names
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, n)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        }),
        "2.5.29.37" => ExtendedKeyUsage::decode_extension(ext)
            .ok()
            .map(|e| e.0.iter().map(oid_name).collect()),
        "2.5.29.32" => CertificatePolicies::decode_extension(ext).ok().map(|p| {
            p.0.iter()
                .map(|pi| oid_name(&pi.policy_identifier))
                .collect()
        }),
        "2.5.29.14" => SubjectKeyIdentifier::decode_extension(ext)
            .ok()
            .map(|s| vec![hex(s.0.as_bytes())]),
        "2.5.29.35" => AuthorityKeyIdentifier::decode_extension(ext).ok().map(|a| {
            let mut v = Vec::new();
            if let Some(k) = a.key_identifier {
                v.push(format!("keyid: {}", hex(k.as_bytes())));
            }
            if let Some(s) = a.authority_cert_serial_number {
                v.push(format!("serial: {}", hex(s.as_bytes())));
            }
            v
        }),
        "2.5.29.31" => CrlDistributionPoints::decode_extension(ext).ok().map(|p| {
            p.0.into_iter()
                .filter_map(|dp| match dp.distribution_point {
                    Some(DistributionPointName::FullName(n)) => Some(n),
                    _ => None,
                })
                .flatten()
                .map(|n| match n {
                    GeneralName::UniformResourceIdentifier(u) => format!("URI: {u}"),
                    other => format!("{other:?}"),
                })
                .collect()
        }),
        "1.3.6.1.5.5.7.1.1" => AuthorityInfoAccessSyntax::decode_extension(ext)
            .ok()
            .map(|a| {
                a.0.into_iter()
                    .map(|ad| {
                        let method = match ad.access_method {
                            oids::AD_OCSP => "OCSP".to_owned(),
                            oids::AD_CA_ISSUERS => "caIssuers".to_owned(),
                            other => other.to_string(),
                        };
                        match ad.access_location {
                            GeneralName::UniformResourceIdentifier(u) => format!("{method}: {u}"),
                            other => format!("{method}: {other:?}"),
                        }
                    })
                    .collect()
            }),
        "1.2.643.100.111" => SubjectSignTool::decode_extension(ext)
            .ok()
            .map(|t| vec![t.0]),
        "1.2.643.100.112" => IssuerSignTool::decode_extension(ext).ok().map(|t| {
            if ru {
                vec![
                    format!("СКЗИ УЦ: {}", t.sign_tool),
                    format!("Средство УЦ: {}", t.ca_tool),
                    format!("Заключение на СКЗИ: {}", t.sign_tool_cert),
                    format!("Заключение на средство УЦ: {}", t.ca_tool_cert),
                ]
            } else {
                vec![
                    format!("signTool: {}", t.sign_tool),
                    format!("cATool: {}", t.ca_tool),
                    format!("signToolCert: {}", t.sign_tool_cert),
                    format!("cAToolCert: {}", t.ca_tool_cert),
                ]
            }
        }),
        "1.2.643.100.114" => IdentificationKind::decode_extension(ext)
            .ok()
            .map(|k| vec![format!("{} ({})", k as u8, k.describe(ru))]),
        "2.5.29.16" => PrivateKeyUsagePeriod::decode_extension(ext).ok().map(|p| {
            let t = |g: Option<GeneralizedTime>| {
                g.map(|g| rfc3339(&Time::GeneralTime(g)))
                    .unwrap_or_else(|| "-".into())
            };
            vec![
                format!("notBefore: {}", t(p.not_before)),
                format!("notAfter: {}", t(p.not_after)),
            ]
        }),
        _ => None,
    };
    lines.unwrap_or_else(fallback)
}

impl CertificateInfo {
    /// Describes a certificate; extension texts in `lang`.
    pub fn new(cert: &Certificate, lang: Lang) -> CertificateInfo {
        let tbs = cert.tbs_certificate();
        let der = cert.to_der().unwrap_or_default();
        CertificateInfo {
            version: match tbs.version() {
                Version::V1 => 1,
                Version::V2 => 2,
                Version::V3 => 3,
            },
            serial: hex(tbs.serial_number().as_bytes()),
            subject: format_name(tbs.subject()),
            subject_identity: SubjectIdentity::from_name(tbs.subject()),
            issuer: format_name(tbs.issuer()),
            issuer_identity: SubjectIdentity::from_name(tbs.issuer()),
            self_issued: is_self_issued(cert),
            not_before: rfc3339(&tbs.validity().not_before),
            not_after: rfc3339(&tbs.validity().not_after),
            key: key_info(cert),
            signature_algorithm: algorithm_name(&cert.signature_algorithm().oid).to_owned(),
            signature_algorithm_oid: cert.signature_algorithm().oid.to_string(),
            extensions: tbs
                .extensions()
                .map(|exts| {
                    exts.iter()
                        .map(|e| ExtensionInfo {
                            oid: e.extn_id.to_string(),
                            name: extension_name(&e.extn_id).to_owned(),
                            critical: e.critical,
                            value: describe_extension(e, lang),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            fingerprint_sha1: hex(&sha1::Sha1::digest(&der)),
            fingerprint_streebog256: hex(&algorithm::DigestAlgorithm::Streebog256.digest(&der)),
            profile: check_qualified(cert, None),
        }
    }

    /// A human-readable description in Russian or English.
    pub fn render(&self, lang: Lang) -> String {
        let ru = lang == Lang::Ru;
        let l = |r: &'static str, e: &'static str| if ru { r } else { e };
        let mut s = String::new();
        let _ = writeln!(s, "{}: {}", l("Версия", "Version"), self.version);
        let _ = writeln!(
            s,
            "{}: {}",
            l("Серийный номер", "Serial number"),
            self.serial
        );
        let _ = writeln!(s, "{}: {}", l("Владелец", "Subject"), self.subject);
        let _ = writeln!(s, "{}: {}", l("Издатель", "Issuer"), self.issuer);
        let _ = writeln!(s, "{}: {}", l("Действует с", "Not before"), self.not_before);
        let _ = writeln!(s, "{}: {}", l("Действует по", "Not after"), self.not_after);
        let _ = writeln!(
            s,
            "{}: {}{}",
            l("Ключ", "Key"),
            self.key.algorithm,
            self.key
                .param_set
                .as_ref()
                .map(|p| format!(
                    ", {} {p} ({})",
                    l("параметры", "parameters"),
                    self.key.param_set_name.as_deref().unwrap_or("")
                ))
                .unwrap_or_default()
        );
        let _ = writeln!(
            s,
            "{}: {}",
            l("Алгоритм подписи", "Signature algorithm"),
            self.signature_algorithm
        );
        let id = &self.subject_identity;
        let ids = [
            ("СНИЛС", "SNILS", id.snils.as_ref().map(|v| v.to_string())),
            ("ИНН", "INN", id.inn.as_ref().map(|v| v.to_string())),
            ("ИНН ЮЛ", "INNLE", id.innle.as_ref().map(|v| v.to_string())),
            ("ОГРН", "OGRN", id.ogrn.as_ref().map(|v| v.to_string())),
            (
                "ОГРНИП",
                "OGRNIP",
                id.ogrnip.as_ref().map(|v| v.to_string()),
            ),
        ];
        for (r, e, v) in ids {
            if let Some(v) = v {
                let _ = writeln!(s, "{}: {v}", if ru { r } else { e });
            }
        }
        let _ = writeln!(s, "{}:", l("Расширения", "Extensions"));
        for ext in &self.extensions {
            let _ = writeln!(
                s,
                "  {} ({}){}:",
                ext.name,
                ext.oid,
                if ext.critical {
                    l(", критическое", ", critical")
                } else {
                    ""
                }
            );
            for line in &ext.value {
                let _ = writeln!(s, "    {line}");
            }
        }
        let _ = writeln!(s, "SHA-1: {}", self.fingerprint_sha1);
        let _ = writeln!(
            s,
            "{}: {}",
            l("Стрибог-256", "Streebog-256"),
            self.fingerprint_streebog256
        );
        let _ = writeln!(
            s,
            "{} ({}): {}",
            l("Квалифицированный", "Qualified"),
            self.profile.kind.describe(ru),
            if self.profile.qualified {
                l("да", "yes")
            } else {
                l("нет", "no")
            }
        );
        for v in &self.profile.violations {
            let _ = writeln!(
                s,
                "  [{}] {}",
                v.rule.code(),
                if ru { &v.message_ru } else { &v.message_en }
            );
        }
        s
    }
}

impl From<&Certificate> for CertificateInfo {
    fn from(cert: &Certificate) -> Self {
        CertificateInfo::new(cert, Lang::Ru)
    }
}

/// The extension with `oid`, if present (re-exported for callers of this module).
pub fn extension<'a>(cert: &'a Certificate, oid: &ObjectIdentifier) -> Option<&'a Extension> {
    find_extension(cert, oid)
}
