//! Certificate revocation lists, version 2 (RFC 5280 §5): issuing them for
//! a CA ([`CrlBuilder`]) and reading and checking them ([`parse_crl`],
//! [`Crl`]).
//!
//! Reading accepts v1 CRLs (no version field, no extensions) as old CAs and
//! OpenSSL's `ca -gencrl` without extensions write them; the signature is
//! always checked over the to-be-signed bytes exactly as received.

use std::time::SystemTime;

use der::asn1::{BitString, GeneralizedTime, OctetString, Uint};
use der::{Decode, Encode, EncodePem, Reader, SliceReader};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, KeyUsage};
use x509_cert::ext::{Extension, Extensions};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use crate::algorithm::{self, AlgorithmError};
use crate::cert;
use crate::diagnostic::Diagnostic;
use crate::name::names_match;
use crate::oids;
use crate::signer::{Signer, SignerError};

/// The reason a certificate was revoked (RFC 5280 §5.3.1):
///
/// ```text
/// CRLReason ::= ENUMERATED {
///      unspecified             (0), keyCompromise           (1),
///      cACompromise            (2), affiliationChanged      (3),
///      superseded              (4), cessationOfOperation    (5),
///      certificateHold         (6), -- value 7 is not used
///      removeFromCRL           (8), privilegeWithdrawn      (9),
///      aACompromise           (10) }
/// ```
pub use x509_cert::ext::pkix::CrlReason;

/// The PEM label of a CRL.
pub const PEM_LABEL: &str = "X509 CRL";

/// Why a CRL could not be built, read or trusted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrlError {
    /// The bytes are not a CRL in DER or PEM.
    #[error("malformed CRL: {0}")]
    Malformed(der::Error),
    /// A value could not be encoded (e.g. a time outside 1950–9999).
    #[error("cannot encode the CRL: {0}")]
    Encode(der::Error),
    /// The signer's key is not the key of the issuer certificate.
    #[error("the signing key is not the issuer certificate's key")]
    SignerKeyMismatch,
    /// The issuer certificate's keyUsage does not allow signing CRLs.
    #[error("the issuer certificate's keyUsage lacks cRLSign")]
    IssuerNotCrlSigner,
    /// nextUpdate is not after thisUpdate.
    #[error("nextUpdate is not after thisUpdate")]
    InvalidDates,
    /// The CRL's issuer name is not the certificate's subject.
    #[error("the CRL was issued by another name than the certificate's subject")]
    IssuerMismatch,
    /// The signature does not verify with the issuer's key, or cannot be checked.
    #[error("CRL signature: {0}")]
    BadSignature(AlgorithmError),
    /// The signer failed.
    #[error("signing the CRL failed: {0}")]
    Signer(#[from] SignerError),
}

impl Diagnostic for CrlError {
    fn code(&self) -> &'static str {
        match self {
            CrlError::Malformed(_) => "CRL_MALFORMED",
            CrlError::Encode(_) => "CRL_ENCODING_FAILED",
            CrlError::SignerKeyMismatch => "CRL_SIGNER_KEY_MISMATCH",
            CrlError::IssuerNotCrlSigner => "CRL_ISSUER_NOT_CRL_SIGNER",
            CrlError::InvalidDates => "CRL_INVALID_DATES",
            CrlError::IssuerMismatch => "CRL_ISSUER_MISMATCH",
            CrlError::BadSignature(_) => "CRL_SIGNATURE_INVALID",
            CrlError::Signer(_) => "CRL_SIGNING_FAILED",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            CrlError::Malformed(e) => format!(
                "Файл не является списком отзыва (CRL) в DER или PEM ({e}). Проверьте, что скачан именно CRL."
            ),
            CrlError::Encode(e) => format!(
                "Не удалось закодировать CRL ({e}). Проверьте даты и номер списка."
            ),
            CrlError::SignerKeyMismatch => "Ключ подписи не соответствует сертификату издателя CRL. Укажите ключ этого УЦ.".into(),
            CrlError::IssuerNotCrlSigner => "Сертификат издателя не разрешает подписывать CRL (нет cRLSign в keyUsage). Используйте сертификат УЦ с cRLSign.".into(),
            CrlError::InvalidDates => "Дата следующего обновления CRL (nextUpdate) должна быть позже даты выпуска. Исправьте даты.".into(),
            CrlError::IssuerMismatch => "CRL выпущен другим издателем, чем указанный сертификат УЦ. Возьмите CRL этого УЦ.".into(),
            CrlError::BadSignature(e) => format!(
                "Подпись CRL не проверяется ключом УЦ ({e}). Список подделан или выпущен другим ключом; получите CRL заново из точки распространения УЦ."
            ),
            CrlError::Signer(e) => format!(
                "Не удалось подписать CRL ({e}). Проверьте доступ к ключу УЦ."
            ),
        }
    }

    fn message_en(&self) -> String {
        match self {
            CrlError::Malformed(e) => format!(
                "The data is not a CRL in DER or PEM ({e}). Check that a CRL was downloaded."
            ),
            CrlError::Encode(e) => {
                format!("Cannot encode the CRL ({e}). Check its dates and number.")
            }
            CrlError::SignerKeyMismatch => "The signing key does not match the CRL issuer certificate. Use this CA's key.".into(),
            CrlError::IssuerNotCrlSigner => "The issuer certificate may not sign CRLs (keyUsage lacks cRLSign). Use a CA certificate with cRLSign.".into(),
            CrlError::InvalidDates => "The CRL's nextUpdate must be after its thisUpdate. Fix the dates.".into(),
            CrlError::IssuerMismatch => "The CRL was issued by another issuer than the given CA certificate. Use this CA's CRL.".into(),
            CrlError::BadSignature(e) => format!(
                "The CRL signature does not verify with the CA key ({e}). It is forged or made with another key; download the CRL again from the CA's distribution point."
            ),
            CrlError::Signer(e) => {
                format!("Signing the CRL failed ({e}). Check access to the CA key.")
            }
        }
    }
}

/// One revoked certificate: what a CRL entry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedEntry {
    /// The certificate's serial number.
    pub serial: SerialNumber,
    /// When the CA revoked it (revocationDate).
    pub revocation_date: SystemTime,
    /// The reasonCode; `None` is unspecified (RFC 5280 omits the extension
    /// rather than writing unspecified).
    pub reason: Option<CrlReason>,
    /// The invalidityDate: when the key is known or suspected to have been
    /// compromised, if the CA says so.
    pub invalidity_date: Option<SystemTime>,
}

impl RevokedEntry {
    /// An entry with a reason and no invalidity date.
    pub fn new(serial: SerialNumber, revocation_date: SystemTime, reason: CrlReason) -> Self {
        RevokedEntry {
            serial,
            revocation_date,
            reason: Some(reason),
            invalidity_date: None,
        }
    }

    /// The reason, `Unspecified` when the entry has none.
    pub fn reason_or_unspecified(&self) -> CrlReason {
        self.reason.unwrap_or(CrlReason::Unspecified)
    }
}

/// The name RFC 5280 gives a reason, for reports (`keyCompromise`, …).
pub fn reason_name(reason: CrlReason) -> &'static str {
    match reason {
        CrlReason::Unspecified => "unspecified",
        CrlReason::KeyCompromise => "keyCompromise",
        CrlReason::CaCompromise => "cACompromise",
        CrlReason::AffiliationChanged => "affiliationChanged",
        CrlReason::Superseded => "superseded",
        CrlReason::CessationOfOperation => "cessationOfOperation",
        CrlReason::CertificateHold => "certificateHold",
        CrlReason::RemoveFromCRL => "removeFromCRL",
        CrlReason::PrivilegeWithdrawn => "privilegeWithdrawn",
        CrlReason::AaCompromise => "aACompromise",
    }
}

/// Issues a v2 CRL for a CA: thisUpdate/nextUpdate, cRLNumber,
/// authorityKeyIdentifier from the issuer's subjectKeyIdentifier, and the
/// revoked entries with their reasons.
#[derive(Debug, Clone)]
pub struct CrlBuilder<'a> {
    issuer: &'a Certificate,
    this_update: SystemTime,
    next_update: Option<SystemTime>,
    number: Option<Vec<u8>>,
    entries: Vec<RevokedEntry>,
}

impl<'a> CrlBuilder<'a> {
    /// A CRL of `issuer` issued at `this_update`, with no entries yet.
    pub fn new(issuer: &'a Certificate, this_update: SystemTime) -> Self {
        CrlBuilder {
            issuer,
            this_update,
            next_update: None,
            number: None,
            entries: Vec::new(),
        }
    }

    /// When the next CRL will be issued (RFC 5280 requires it).
    pub fn next_update(mut self, at: SystemTime) -> Self {
        self.next_update = Some(at);
        self
    }

    /// The cRLNumber, monotonically increasing per CA.
    pub fn number(mut self, number: u64) -> Self {
        self.number = Some(number.to_be_bytes().to_vec());
        self
    }

    /// The cRLNumber as big-endian unsigned bytes (up to 20 octets).
    pub fn number_bytes(mut self, number: &[u8]) -> Self {
        self.number = Some(number.to_vec());
        self
    }

    /// Adds a revoked certificate.
    pub fn revoke(mut self, entry: RevokedEntry) -> Self {
        self.entries.push(entry);
        self
    }

    /// Adds many revoked certificates.
    pub fn entries(mut self, entries: impl IntoIterator<Item = RevokedEntry>) -> Self {
        self.entries.extend(entries);
        self
    }

    /// Builds and signs the CRL. The signer's key must be the issuer
    /// certificate's key, and the certificate's keyUsage (when present)
    /// must include cRLSign.
    pub fn build(&self, signer: &dyn Signer) -> Result<CertificateList, CrlError> {
        let issuer_key =
            algorithm::verifying_key(self.issuer.tbs_certificate().subject_public_key_info())
                .map_err(CrlError::BadSignature)?;
        if !same_key(&issuer_key, signer.verifying_key()) {
            return Err(CrlError::SignerKeyMismatch);
        }
        if let Ok(Some((_, ku))) = self.issuer.tbs_certificate().get_extension::<KeyUsage>()
            && !ku.crl_sign()
        {
            return Err(CrlError::IssuerNotCrlSigner);
        }
        if let Some(next) = self.next_update
            && next <= self.this_update
        {
            return Err(CrlError::InvalidDates);
        }
        let alg = algorithm::signature_algorithm_identifier(signer.param_set().key_size());

        let mut revoked = Vec::with_capacity(self.entries.len());
        for entry in &self.entries {
            let mut exts: Extensions = Vec::new();
            if let Some(reason) = entry.reason
                && reason != CrlReason::Unspecified
            {
                exts.push(extension(oids::CE_CRL_REASON, false, &reason)?);
            }
            if let Some(date) = entry.invalidity_date {
                let t = GeneralizedTime::from_system_time(date).map_err(CrlError::Encode)?;
                exts.push(extension(oids::CE_INVALIDITY_DATE, false, &t)?);
            }
            revoked.push(RevokedCert {
                serial_number: entry.serial.clone(),
                revocation_date: time(entry.revocation_date)?,
                crl_entry_extensions: (!exts.is_empty()).then_some(exts),
            });
        }

        let mut exts: Extensions = Vec::new();
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(
                OctetString::new(cert::key_id_or_hash(self.issuer)).map_err(CrlError::Encode)?,
            ),
            ..Default::default()
        };
        exts.push(extension(oids::CE_AUTHORITY_KEY_IDENTIFIER, false, &aki)?);
        if let Some(number) = &self.number {
            let n = Uint::new(number).map_err(CrlError::Encode)?;
            exts.push(extension(oids::CE_CRL_NUMBER, false, &n)?);
        }

        let tbs = TbsCertList {
            version: x509_cert::Version::V2,
            signature: alg.clone(),
            issuer: self.issuer.tbs_certificate().subject().clone(),
            this_update: time(self.this_update)?,
            next_update: self.next_update.map(time).transpose()?,
            revoked_certificates: (!revoked.is_empty()).then_some(revoked),
            crl_extensions: Some(exts),
        };
        let tbs_der = tbs.to_der().map_err(CrlError::Encode)?;
        let signature = signer.sign_message(&tbs_der)?;
        Ok(CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: alg,
            signature: BitString::from_bytes(&signature).map_err(CrlError::Encode)?,
        })
    }

    /// Builds, signs and DER-encodes the CRL.
    pub fn build_der(&self, signer: &dyn Signer) -> Result<Vec<u8>, CrlError> {
        self.build(signer)?.to_der().map_err(CrlError::Encode)
    }

    /// Builds, signs and PEM-encodes (`X509 CRL`) the CRL.
    pub fn build_pem(&self, signer: &dyn Signer) -> Result<String, CrlError> {
        self.build(signer)?
            .to_pem(der::pem::LineEnding::LF)
            .map_err(CrlError::Encode)
    }
}

/// A parsed CRL: its fields in plain types, and the to-be-signed bytes as
/// received for the signature check.
#[derive(Debug, Clone)]
pub struct Crl {
    der: Vec<u8>,
    tbs_der: Vec<u8>,
    version: u8,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: Vec<u8>,
    issuer: Name,
    this_update: SystemTime,
    next_update: Option<SystemTime>,
    number: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    entries: Vec<RevokedEntry>,
    unsupported_critical: Vec<const_oid::ObjectIdentifier>,
}

/// TBSCertList with the version optional, so that v1 CRLs decode
/// (RFC 5280 §5.1):
///
/// ```text
/// TBSCertList  ::=  SEQUENCE  {
///      version                 Version OPTIONAL, -- if present, MUST be v2
///      signature               AlgorithmIdentifier,
///      issuer                  Name,
///      thisUpdate              Time,
///      nextUpdate              Time OPTIONAL,
///      revokedCertificates     SEQUENCE OF SEQUENCE  { ... } OPTIONAL,
///      crlExtensions           [0]  EXPLICIT Extensions OPTIONAL }
/// ```
#[derive(Clone, Debug, der::Sequence)]
struct TbsCertListAnyVersion {
    #[asn1(optional = "true")]
    version: Option<x509_cert::Version>,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    this_update: Time,
    #[asn1(optional = "true")]
    next_update: Option<Time>,
    #[asn1(optional = "true")]
    revoked_certificates: Option<Vec<RevokedCert>>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    crl_extensions: Option<Extensions>,
}

/// Reads a CRL in DER or PEM (`-----BEGIN X509 CRL-----`).
pub fn parse_crl(bytes: &[u8]) -> Result<Crl, CrlError> {
    let trimmed = bytes.trim_ascii_start();
    if trimmed.starts_with(b"-----BEGIN") {
        let (label, der) =
            der::pem::decode_vec(trimmed).map_err(|e| CrlError::Malformed(e.into()))?;
        if label != PEM_LABEL {
            return Err(CrlError::Malformed(der::Error::from(
                der::ErrorKind::Failed,
            )));
        }
        Crl::from_der(&der)
    } else {
        Crl::from_der(bytes)
    }
}

impl Crl {
    /// Reads a DER CRL.
    pub fn from_der(der: &[u8]) -> Result<Crl, CrlError> {
        let (tbs_der, signature_algorithm, signature) =
            split_signed(der).map_err(CrlError::Malformed)?;
        let tbs = TbsCertListAnyVersion::from_der(tbs_der).map_err(CrlError::Malformed)?;
        let version = match tbs.version {
            None => 1,
            Some(x509_cert::Version::V2) => 2,
            Some(_) => {
                return Err(CrlError::Malformed(der::Tag::Integer.value_error().into()));
            }
        };
        let mut crl = Crl {
            der: der.to_vec(),
            tbs_der: tbs_der.to_vec(),
            version,
            signature_algorithm,
            signature,
            issuer: tbs.issuer,
            this_update: tbs.this_update.to_system_time(),
            next_update: tbs.next_update.map(|t| t.to_system_time()),
            number: None,
            authority_key_id: None,
            entries: Vec::new(),
            unsupported_critical: Vec::new(),
        };
        for ext in tbs.crl_extensions.iter().flatten() {
            let value = ext.extn_value.as_bytes();
            match ext.extn_id {
                oids::CE_CRL_NUMBER => {
                    let n = Uint::from_der(value).map_err(CrlError::Malformed)?;
                    crl.number = Some(n.as_bytes().to_vec());
                }
                oids::CE_AUTHORITY_KEY_IDENTIFIER => {
                    let aki =
                        AuthorityKeyIdentifier::from_der(value).map_err(CrlError::Malformed)?;
                    crl.authority_key_id = aki.key_identifier.map(|k| k.as_bytes().to_vec());
                }
                other if ext.critical => crl.unsupported_critical.push(other),
                _ => {}
            }
        }
        for rc in tbs.revoked_certificates.into_iter().flatten() {
            let mut entry = RevokedEntry {
                serial: rc.serial_number,
                revocation_date: rc.revocation_date.to_system_time(),
                reason: None,
                invalidity_date: None,
            };
            for ext in rc.crl_entry_extensions.iter().flatten() {
                let value = ext.extn_value.as_bytes();
                match ext.extn_id {
                    oids::CE_CRL_REASON => {
                        entry.reason =
                            Some(CrlReason::from_der(value).map_err(CrlError::Malformed)?);
                    }
                    oids::CE_INVALIDITY_DATE => {
                        let t = GeneralizedTime::from_der(value).map_err(CrlError::Malformed)?;
                        entry.invalidity_date = Some(t.to_system_time());
                    }
                    other if ext.critical => crl.unsupported_critical.push(other),
                    _ => {}
                }
            }
            crl.entries.push(entry);
        }
        Ok(crl)
    }

    /// The DER bytes as read.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// The CRL as PEM (`X509 CRL`).
    pub fn to_pem(&self) -> Result<String, CrlError> {
        der::pem::encode_string(PEM_LABEL, der::pem::LineEnding::LF, &self.der)
            .map_err(|e| CrlError::Encode(e.into()))
    }

    /// The version: 1 or 2.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The issuer's name.
    pub fn issuer(&self) -> &Name {
        &self.issuer
    }

    /// thisUpdate: when the CRL was issued.
    pub fn this_update(&self) -> SystemTime {
        self.this_update
    }

    /// nextUpdate: when the next CRL is due.
    pub fn next_update(&self) -> Option<SystemTime> {
        self.next_update
    }

    /// The cRLNumber as big-endian unsigned bytes, if present.
    pub fn number(&self) -> Option<&[u8]> {
        self.number.as_deref()
    }

    /// The cRLNumber in hexadecimal, for reports.
    pub fn number_hex(&self) -> Option<String> {
        self.number.as_ref().map(|n| cert::hex(n))
    }

    /// The keyIdentifier of the authorityKeyIdentifier extension.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.authority_key_id.as_deref()
    }

    /// The revoked certificates.
    pub fn entries(&self) -> &[RevokedEntry] {
        &self.entries
    }

    /// The entry for a serial number, if the certificate is listed.
    pub fn lookup(&self, serial: &SerialNumber) -> Option<&RevokedEntry> {
        self.entries.iter().find(|e| e.serial == *serial)
    }

    /// Critical extensions this module does not process (e.g.
    /// issuingDistributionPoint, deltaCRLIndicator). RFC 5280 §5.2 forbids
    /// using such a CRL for revocation checking.
    pub fn unsupported_critical_extensions(&self) -> &[const_oid::ObjectIdentifier] {
        &self.unsupported_critical
    }

    /// Whether `issuer` could have issued this CRL: its subject is the CRL's
    /// issuer and, when both are present, its subjectKeyIdentifier is the
    /// CRL's authorityKeyIdentifier.
    pub fn is_issued_by_name(&self, issuer: &Certificate) -> bool {
        if !names_match(&self.issuer, issuer.tbs_certificate().subject()) {
            return false;
        }
        match (&self.authority_key_id, cert::subject_key_id(issuer)) {
            (Some(aki), Some(ski)) => *aki == ski,
            _ => true,
        }
    }

    /// Checks the CRL's issuer name and signature against the issuer
    /// certificate.
    pub fn verify_signature(&self, issuer: &Certificate) -> Result<(), CrlError> {
        if !names_match(&self.issuer, issuer.tbs_certificate().subject()) {
            return Err(CrlError::IssuerMismatch);
        }
        algorithm::verify_signature(
            issuer.tbs_certificate().subject_public_key_info(),
            &self.signature_algorithm,
            &self.tbs_der,
            &self.signature,
        )
        .map_err(CrlError::BadSignature)
    }

    /// Whether the CRL is current at `at`: thisUpdate ≤ `at` < nextUpdate.
    /// A CRL without nextUpdate is never fresh.
    pub fn is_fresh(&self, at: SystemTime) -> bool {
        self.this_update <= at && !self.is_stale(at)
    }

    /// Whether the CRL has expired by `at` (nextUpdate ≤ `at`, or no
    /// nextUpdate at all). A CRL issued after `at` is not stale: it is
    /// newer evidence.
    pub fn is_stale(&self, at: SystemTime) -> bool {
        self.next_update.is_none_or(|next| next <= at)
    }
}

// --- helpers shared by crl, ocsp and revocation -----------------------------

/// Splits a signed structure `SEQUENCE { tbs, AlgorithmIdentifier, BIT
/// STRING, ... }` into the tbs TLV as received, the algorithm and the
/// signature octets.
pub(crate) fn split_signed(
    der: &[u8],
) -> Result<(&[u8], AlgorithmIdentifierOwned, Vec<u8>), der::Error> {
    let mut reader = SliceReader::new(der)?;
    let out = reader.sequence(|r| {
        let tbs = r.tlv_bytes()?;
        let alg = AlgorithmIdentifierOwned::decode(r)?;
        let sig = BitString::decode(r)?;
        while !r.is_finished() {
            r.tlv_bytes()?;
        }
        let sig = sig
            .as_bytes()
            .ok_or_else(|| der::Error::from(der::Tag::BitString.value_error()))?
            .to_vec();
        Ok::<_, der::Error>((tbs, alg, sig))
    })?;
    reader.finish()?;
    Ok(out)
}

/// Whether two GOST public keys are the same point.
pub(crate) fn same_key(a: &gost::VerifyingKey, b: &gost::VerifyingKey) -> bool {
    a.x() == b.x() && a.y() == b.y() && a.param_set().key_size() == b.param_set().key_size()
}

/// X.509 Time for a SystemTime: UTCTime before 2050, GeneralizedTime after.
fn time(at: SystemTime) -> Result<Time, CrlError> {
    let dt = der::DateTime::from_system_time(at).map_err(CrlError::Encode)?;
    Ok(Time::from(dt))
}

fn extension<T: Encode>(
    id: const_oid::ObjectIdentifier,
    critical: bool,
    value: &T,
) -> Result<Extension, CrlError> {
    Ok(Extension {
        extn_id: id,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(CrlError::Encode)?)
            .map_err(CrlError::Encode)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_switch_to_generalized_in_2050() {
        let y2049 = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(2_524_607_999);
        let y2050 = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(2_524_608_000);
        assert!(matches!(time(y2049).unwrap(), Time::UtcTime(_)));
        assert!(matches!(time(y2050).unwrap(), Time::GeneralTime(_)));
    }

    #[test]
    fn garbage_is_malformed() {
        assert_eq!(
            parse_crl(b"\x30\x03\x02\x01\x01").unwrap_err().code(),
            "CRL_MALFORMED"
        );
        assert_eq!(parse_crl(b"").unwrap_err().code(), "CRL_MALFORMED");
    }
}
