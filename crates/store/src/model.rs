//! The values the store reads and writes: serial numbers, workflow states
//! and the records of each table.

use std::fmt;
use std::time::{Duration, SystemTime};

use pki::crl::CrlReason;
use pki::profile::IdentificationKind;
use serde::Serialize;

use crate::StoreError;

/// A certificate serial number: the contents octets of a positive DER
/// INTEGER, minimal (no redundant leading zero). Stored as lower-case hex,
/// shown upper-case as OpenSSL prints it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Serial(Vec<u8>);

impl Serial {
    /// Length of a random serial in bytes.
    pub const RANDOM_LEN: usize = 16;

    /// A fresh random serial: 16 bytes from the system RNG with the top bit
    /// cleared (positive) and the next bit set (so the INTEGER is always 16
    /// octets): 126 random bits, well over the 64 bits CA/B and RFC 5280
    /// practice ask for. Uniqueness is the database's job (primary key).
    pub fn random() -> Result<Serial, StoreError> {
        let mut buf = [0u8; Self::RANDOM_LEN];
        getrandom::fill(&mut buf).map_err(|_| StoreError::Random)?;
        buf[0] = (buf[0] & 0x7F) | 0x40;
        Ok(Serial(buf.to_vec()))
    }

    /// A serial from the big-endian octets of a positive integer (a DER
    /// INTEGER's contents or plain unsigned bytes). `None` for zero or
    /// more than 20 significant octets.
    pub fn from_bytes(bytes: &[u8]) -> Option<Serial> {
        let first = bytes.iter().position(|&b| b != 0)?;
        let digits = &bytes[first..];
        let mut out = Vec::with_capacity(digits.len() + 1);
        if digits[0] & 0x80 != 0 {
            out.push(0);
        }
        out.extend_from_slice(digits);
        (digits.len() <= 20).then_some(Serial(out))
    }

    /// Parses hex as people type it: any case, optional `0x`, `:` or
    /// spaces between octets, leading zeros.
    pub fn parse_hex(text: &str) -> Option<Serial> {
        let t = text.trim();
        let t = t
            .strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .unwrap_or(t);
        let digits: String = t.chars().filter(|c| *c != ':' && *c != ' ').collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let padded = if digits.len() % 2 == 1 {
            format!("0{digits}")
        } else {
            digits
        };
        let bytes: Option<Vec<u8>> = (0..padded.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&padded[i..i + 2], 16).ok())
            .collect();
        Serial::from_bytes(&bytes?)
    }

    /// The DER INTEGER contents octets.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Lower-case hex of the contents octets: the database key.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Serial({self})")
    }
}

impl Serialize for Serial {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// Who makes a change and when: every state change carries one, and its
/// journal entry records it.
#[derive(Debug, Clone)]
pub struct Audit {
    /// The operator's name, `holder:<serial>`, `system`, …
    pub actor: String,
    /// When (from the caller's clock).
    pub at: SystemTime,
    /// More facts for the journal entry (a JSON object, or null).
    pub context: serde_json::Value,
}

impl Audit {
    /// An audit record without extra context.
    pub fn new(actor: impl Into<String>, at: SystemTime) -> Audit {
        Audit {
            actor: actor.into(),
            at,
            context: serde_json::Value::Null,
        }
    }

    /// The same with extra facts for the journal.
    pub fn with_context(mut self, context: serde_json::Value) -> Audit {
        self.context = context;
        self
    }
}

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name stored in the database.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value of a stored name.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// Where a certificate request is in the workflow:
    /// submitted → identified → approved → issued, or rejected from any
    /// state before issued (or at submission, with an error code).
    RequestState {
        /// Submitted and checked; waits for identification.
        Submitted => "submitted",
        /// An operator identified the applicant.
        Identified => "identified",
        /// Approved for issuance.
        Approved => "approved",
        /// Rejected (the reason or error code is kept).
        Rejected => "rejected",
        /// The certificate was issued.
        Issued => "issued",
    }
}

text_enum! {
    /// The revocation status of a certificate.
    CertStatus {
        /// Valid as far as the CA knows.
        Good => "good",
        /// Revoked for good.
        Revoked => "revoked",
        /// Suspended (certificateHold); may be released.
        Hold => "hold",
    }
}

text_enum! {
    /// The role of a CA certificate in the hierarchy.
    CaRole {
        /// The self-signed root.
        Root => "root",
        /// The CA that issues end-entity certificates, signed by the root.
        Issuing => "issuing",
    }
}

/// A CA certificate to record.
#[derive(Debug, Clone)]
pub struct NewCa {
    /// Root or issuing.
    pub role: CaRole,
    /// The subject, as text (for lists).
    pub subject: String,
    /// The certificate (DER).
    pub cert_der: Vec<u8>,
    /// Where the private key lives (`container:keys/issuing.pdp#<id>`, a
    /// PKCS#11 URI, …); never the key.
    pub key_ref: String,
    /// The CA's issuance settings as JSON (URLs, sign tools, periods).
    pub settings: String,
}

/// A stored CA certificate.
#[derive(Debug, Clone)]
pub struct CaRecord {
    /// Row id.
    pub id: i64,
    /// Root or issuing.
    pub role: CaRole,
    /// The CA that signed this one (the root for the issuing CA).
    pub parent_id: Option<i64>,
    /// The subject, as text.
    pub subject: String,
    /// The certificate (DER).
    pub cert_der: Vec<u8>,
    /// Where the private key lives.
    pub key_ref: String,
    /// The issuance settings (JSON).
    pub settings: String,
    /// When it was recorded.
    pub created_at: SystemTime,
}

/// A certificate request to record.
#[derive(Debug, Clone, Default)]
pub struct NewRequest {
    /// The subject kind (`person`, `sole_proprietor`, `organisation`), or
    /// what was claimed when the submission was refused.
    pub kind: String,
    /// The applicant's data as submitted (JSON).
    pub applicant: String,
    /// The verified identity the holder is known by (`snils:…`, `ogrn:…`);
    /// `None` when the submission was refused before it was known.
    pub identity_key: Option<String>,
    /// The CSR as received (DER), or the raw bytes of a malformed one.
    pub csr_der: Option<Vec<u8>>,
    /// Hex hash of the CSR's SubjectPublicKeyInfo (duplicate detection);
    /// required unless the submission is refused.
    pub spki_hash: Option<String>,
    /// For a renewal: the certificate being renewed.
    pub renewal_of: Option<Serial>,
}

/// A stored certificate request.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    /// The request number.
    pub id: i64,
    /// The subject kind.
    pub kind: String,
    /// The workflow state.
    pub state: RequestState,
    /// The applicant's data as submitted (JSON text).
    pub applicant: String,
    /// The verified identity key.
    pub identity_key: Option<String>,
    /// The CSR (DER) or the raw bytes received.
    #[serde(skip)]
    pub csr_der: Option<Vec<u8>>,
    /// Hex hash of the public key.
    pub spki_hash: Option<String>,
    /// The error code of a submission refused at the door.
    pub error_code: Option<String>,
    /// The operator's reason for a rejection.
    pub rejection_reason: Option<String>,
    /// The certificate a renewal replaces.
    pub renewal_of: Option<Serial>,
    /// Submitted at.
    #[serde(serialize_with = "ser_time")]
    pub created_at: SystemTime,
    /// Last changed at.
    #[serde(serialize_with = "ser_time")]
    pub updated_at: SystemTime,
}

/// How an operator identified an applicant.
#[derive(Debug, Clone, Serialize)]
pub struct Identification {
    /// The method (the certificate's IdentificationKind).
    #[serde(serialize_with = "ser_identification_kind")]
    pub method: IdentificationKind,
    /// The identity document's type (`паспорт РФ`, …).
    pub document_type: String,
    /// The identity document's series and number.
    pub document_number: String,
    /// Who identified the applicant.
    pub operator: String,
    /// When.
    #[serde(serialize_with = "ser_time")]
    pub at: SystemTime,
}

/// A certificate to record.
#[derive(Debug, Clone)]
pub struct NewCertificate {
    /// The serial number (primary key).
    pub serial: Serial,
    /// The CA that issued it.
    pub ca_id: i64,
    /// The request it was issued for (none for the CA's own service
    /// certificates: OCSP responder, TSA).
    pub request_id: Option<i64>,
    /// The subject, as text.
    pub subject: String,
    /// Validity start.
    pub not_before: SystemTime,
    /// Validity end.
    pub not_after: SystemTime,
    /// End of the private key's usage period.
    pub key_usage_end: Option<SystemTime>,
    /// Hex hash of the SubjectPublicKeyInfo.
    pub spki_hash: String,
    /// The certificate (DER).
    pub der: Vec<u8>,
}

/// A stored certificate.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateRecord {
    /// The serial number.
    pub serial: Serial,
    /// The issuing CA's row id.
    pub ca_id: i64,
    /// The request it was issued for.
    pub request_id: Option<i64>,
    /// The subject, as text.
    pub subject: String,
    /// Validity start.
    #[serde(serialize_with = "ser_time")]
    pub not_before: SystemTime,
    /// Validity end.
    #[serde(serialize_with = "ser_time")]
    pub not_after: SystemTime,
    /// End of the private key's usage period.
    #[serde(serialize_with = "ser_opt_time")]
    pub key_usage_end: Option<SystemTime>,
    /// Hex hash of the public key.
    pub spki_hash: String,
    /// The certificate (DER).
    #[serde(skip)]
    pub der: Vec<u8>,
    /// good, revoked or hold, with time and reason.
    #[serde(flatten)]
    pub status: StatusEntry,
    /// When it was issued.
    #[serde(serialize_with = "ser_time")]
    pub issued_at: SystemTime,
}

/// What OCSP and CRLs need to know about a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusEntry {
    /// good, revoked or hold.
    pub status: CertStatus,
    /// When it was revoked or suspended.
    #[serde(serialize_with = "ser_opt_time")]
    pub revoked_at: Option<SystemTime>,
    /// The reason (certificateHold for a suspended certificate).
    #[serde(serialize_with = "ser_opt_reason")]
    pub reason: Option<CrlReason>,
}

/// A certificate's serial with its status: one row of a status listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SerialStatus {
    /// The serial number.
    pub serial: Serial,
    /// Validity end (expired certificates can be left out of pre-signing).
    #[serde(serialize_with = "ser_time")]
    pub not_after: SystemTime,
    /// The status.
    #[serde(flatten)]
    pub status: StatusEntry,
}

/// A revocation-status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    /// Revoke for good, from good or hold (reason neither certificateHold
    /// nor removeFromCRL).
    Revoke(CrlReason),
    /// Suspend (certificateHold), from good.
    Hold,
    /// Release a suspended certificate (removeFromCRL), back to good.
    Release,
}

/// One journal entry.
#[derive(Debug, Clone, Serialize)]
pub struct JournalEntry {
    /// Sequence number (strictly increasing).
    pub id: i64,
    /// When.
    #[serde(serialize_with = "ser_time")]
    pub at: SystemTime,
    /// Who.
    pub actor: String,
    /// What (`request.submitted`, `certificate.revoked`, …).
    pub action: String,
    /// The kind of object (`request`, `certificate`, `ca`, `crl`).
    pub object_type: String,
    /// The object's id or serial.
    pub object_id: String,
    /// The facts of the change.
    pub details: serde_json::Value,
}

/// Which journal entries to read.
#[derive(Debug, Clone, Default)]
pub struct JournalFilter {
    /// Only entries about this kind of object.
    pub object_type: Option<String>,
    /// Only entries about this object.
    pub object_id: Option<String>,
    /// Only entries after this id (for following the journal).
    pub after_id: Option<i64>,
    /// At most this many (default 1000).
    pub limit: Option<i64>,
}

/// Unix seconds of a time (negative before 1970).
pub(crate) fn unix(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// The time of Unix seconds.
pub(crate) fn from_unix(secs: i64) -> SystemTime {
    if secs >= 0 {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        SystemTime::UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

/// The RFC 5280 number of a reason code.
pub fn reason_code(reason: CrlReason) -> i64 {
    match reason {
        CrlReason::Unspecified => 0,
        CrlReason::KeyCompromise => 1,
        CrlReason::CaCompromise => 2,
        CrlReason::AffiliationChanged => 3,
        CrlReason::Superseded => 4,
        CrlReason::CessationOfOperation => 5,
        CrlReason::CertificateHold => 6,
        CrlReason::RemoveFromCRL => 8,
        CrlReason::PrivilegeWithdrawn => 9,
        CrlReason::AaCompromise => 10,
    }
}

/// The reason of an RFC 5280 number.
pub fn reason_from_code(code: i64) -> Option<CrlReason> {
    Some(match code {
        0 => CrlReason::Unspecified,
        1 => CrlReason::KeyCompromise,
        2 => CrlReason::CaCompromise,
        3 => CrlReason::AffiliationChanged,
        4 => CrlReason::Superseded,
        5 => CrlReason::CessationOfOperation,
        6 => CrlReason::CertificateHold,
        8 => CrlReason::RemoveFromCRL,
        9 => CrlReason::PrivilegeWithdrawn,
        10 => CrlReason::AaCompromise,
        _ => return None,
    })
}

/// The IdentificationKind of its stored number.
pub(crate) fn identification_kind(n: i64) -> Option<IdentificationKind> {
    Some(match n {
        0 => IdentificationKind::Personal,
        1 => IdentificationKind::RemoteCert,
        2 => IdentificationKind::RemotePassport,
        3 => IdentificationKind::RemoteSystem,
        _ => return None,
    })
}

pub(crate) fn ser_time<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&pki::validation::rfc3339(*t))
}

pub(crate) fn ser_opt_time<S: serde::Serializer>(
    t: &Option<SystemTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => ser_time(t, s),
        None => s.serialize_none(),
    }
}

fn ser_opt_reason<S: serde::Serializer>(r: &Option<CrlReason>, s: S) -> Result<S::Ok, S::Error> {
    match r {
        Some(r) => s.serialize_str(pki::crl::reason_name(*r)),
        None => s.serialize_none(),
    }
}

fn ser_identification_kind<S: serde::Serializer>(
    k: &IdentificationKind,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_u8(*k as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_canonical() {
        let s = Serial::parse_hex("00:00:4a:3F").unwrap();
        assert_eq!(s.as_bytes(), &[0x4a, 0x3f]);
        assert_eq!(s.to_hex(), "4a3f");
        assert_eq!(s.to_string(), "4A3F");
        // A high first octet gets its sign byte, however it was written.
        assert_eq!(Serial::parse_hex("C1").unwrap().as_bytes(), &[0, 0xc1]);
        assert_eq!(Serial::parse_hex("00c1").unwrap().as_bytes(), &[0, 0xc1]);
        assert_eq!(
            Serial::parse_hex("0xabc").unwrap().as_bytes(),
            &[0x0a, 0xbc]
        );
        for bad in ["", "00", "xyz", "12g4", &"11".repeat(21)] {
            assert!(Serial::parse_hex(bad).is_none(), "{bad}");
        }
        let r = Serial::random().unwrap();
        assert_eq!(r.as_bytes().len(), 16);
        assert_eq!(r.as_bytes()[0] & 0xC0, 0x40);
        assert_eq!(Serial::from_bytes(r.as_bytes()).unwrap(), r);
        assert_ne!(Serial::random().unwrap(), r);
    }

    #[test]
    fn reason_codes_round_trip() {
        for code in 0..=10 {
            match reason_from_code(code) {
                Some(r) => assert_eq!(reason_code(r), code),
                None => assert_eq!(code, 7),
            }
        }
        assert!(reason_from_code(11).is_none());
    }

    #[test]
    fn times_round_trip() {
        for secs in [-86_400, 0, 1_700_000_000] {
            assert_eq!(unix(from_unix(secs)), secs);
        }
    }
}
