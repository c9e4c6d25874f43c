//! Trust anchors and pools of untrusted certificates, looked up by subject
//! name and by key identifier for path building ([`crate::path`]).
//!
//! A [`TrustStore`] holds the certificates a relying party trusts: roots,
//! and — as the Russian lists of accredited CAs work — CA certificates that
//! are not self-signed (an accredited CA's certificate issued by the
//! Головной УЦ). Path building stops at the first certificate found in the
//! store. A [`CertPool`] holds untrusted certificates (the ones a CMS
//! signature carries, or a downloaded chain) that may serve as intermediates.
//!
//! Both deduplicate identical certificates (same DER) and index them by
//! subject name, compared as RFC 5280 §7.1 asks (see [`names_match`]), and
//! by subjectKeyIdentifier.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use const_oid::ObjectIdentifier;
use der::{Decode, Encode, Tag, Tagged};
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::name::Name;

use crate::Diagnostic;

/// Why certificates could not be loaded into a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// Bytes that should hold a certificate are not a DER certificate
    /// (or the base64 inside a PEM block is broken).
    #[error("not a certificate: {0}")]
    Malformed(der::Error),
    /// A PEM bundle (or a file) holds no `CERTIFICATE` block at all.
    #[error("no certificate found")]
    NoCertificates,
}

impl Diagnostic for TrustError {
    fn code(&self) -> &'static str {
        match self {
            TrustError::Io { .. } => "TRUST_FILE_UNREADABLE",
            TrustError::Malformed(_) => "TRUST_CERT_MALFORMED",
            TrustError::NoCertificates => "TRUST_NO_CERTIFICATES",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            TrustError::Io { path, source } => format!(
                "Не удалось прочитать {}: {source}. Проверьте путь и права доступа.",
                path.display()
            ),
            TrustError::Malformed(e) => format!(
                "Файл не является сертификатом X.509 ({e}). Скачайте сертификат УЦ заново \
                 (DER или PEM)."
            ),
            TrustError::NoCertificates => "В файле нет ни одного сертификата. Проверьте, что \
                                           это сертификат (.cer, .crt, .pem), а не CRL или ключ."
                .to_owned(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            TrustError::Io { path, source } => format!(
                "Cannot read {}: {source}. Check the path and the permissions.",
                path.display()
            ),
            TrustError::Malformed(e) => format!(
                "The file is not an X.509 certificate ({e}). Download the CA certificate again \
                 (DER or PEM)."
            ),
            TrustError::NoCertificates => "The file holds no certificate. Check that it is a \
                                           certificate (.cer, .crt, .pem), not a CRL or a key."
                .to_owned(),
        }
    }
}

/// A file [`TrustStore::load_dir`] could not load, and why.
#[derive(Debug)]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong with it.
    pub error: TrustError,
}

/// What [`TrustStore::load_dir`] did: how many certificates it added and
/// which files it could not use (one bad file does not stop the others).
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Certificates added (duplicates not counted).
    pub added: usize,
    /// Certificates skipped because an identical one was already present.
    pub duplicates: usize,
    /// Files that could not be read or parsed, in file-name order.
    pub errors: Vec<FileError>,
}

/// A deduplicated, indexed set of certificates: the storage shared by
/// [`TrustStore`] and [`CertPool`].
#[derive(Debug, Clone, Default)]
struct CertSet {
    certs: Vec<Certificate>,
    ders: HashMap<Vec<u8>, usize>,
    by_subject: HashMap<NameKey, Vec<usize>>,
    by_ski: HashMap<Vec<u8>, Vec<usize>>,
}

impl CertSet {
    /// Adds a certificate; `false` when an identical one is already present.
    fn add(&mut self, cert: Certificate) -> Result<bool, TrustError> {
        let der = cert.to_der().map_err(TrustError::Malformed)?;
        if self.ders.contains_key(&der) {
            return Ok(false);
        }
        let index = self.certs.len();
        self.ders.insert(der, index);
        self.by_subject
            .entry(name_key(cert.tbs_certificate().subject()))
            .or_default()
            .push(index);
        if let Some(ski) = subject_key_identifier(&cert) {
            self.by_ski.entry(ski).or_default().push(index);
        }
        self.certs.push(cert);
        Ok(true)
    }

    fn contains(&self, cert: &Certificate) -> bool {
        cert.to_der().is_ok_and(|der| self.ders.contains_key(&der))
    }

    fn by_subject<'a>(&'a self, name: &Name) -> impl Iterator<Item = &'a Certificate> + 'a {
        self.by_subject
            .get(&name_key(name))
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|&i| self.certs.get(i))
    }

    fn by_ski<'a>(&'a self, ski: &[u8]) -> impl Iterator<Item = &'a Certificate> + 'a {
        self.by_ski
            .get(ski)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|&i| self.certs.get(i))
    }
}

/// The certificates a relying party trusts: path building ends at any of
/// them. An anchor may be a self-signed root or any CA certificate (an
/// accredited CA's certificate, trusted as such without its issuer).
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    set: CertSet,
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a trust anchor; returns `false` if an identical certificate
    /// was already present.
    pub fn add(&mut self, cert: Certificate) -> Result<bool, TrustError> {
        self.set.add(cert)
    }

    /// Adds a DER certificate; returns `false` if it was already present.
    pub fn add_der(&mut self, der: &[u8]) -> Result<bool, TrustError> {
        self.add(Certificate::from_der(der).map_err(TrustError::Malformed)?)
    }

    /// Adds every `CERTIFICATE` block of a PEM bundle (text between blocks
    /// is ignored, as in OpenSSL's CA files); returns how many were new.
    /// Fails without adding anything if a block is broken or there is none.
    pub fn add_pem_bundle(&mut self, pem: &[u8]) -> Result<usize, TrustError> {
        let certs = parse_pem_bundle(pem)?;
        let mut added = 0;
        for cert in certs {
            added += usize::from(self.add(cert)?);
        }
        Ok(added)
    }

    /// Adds the certificates of one file: DER, PEM (one or many blocks), or
    /// bare base64 of a DER certificate (as some Russian CAs publish `.cer`).
    /// Returns how many were new.
    pub fn add_file(&mut self, path: impl AsRef<Path>) -> Result<usize, TrustError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| TrustError::Io {
            path: path.to_owned(),
            source,
        })?;
        let certs = parse_certificates(&bytes)?;
        let mut added = 0;
        for cert in certs {
            added += usize::from(self.add(cert)?);
        }
        Ok(added)
    }

    /// Loads every `*.pem`, `*.crt`, `*.cer` and `*.der` file of a directory
    /// (not recursively, extensions in any case, in file-name order). A file
    /// that cannot be read or parsed is reported in [`LoadReport::errors`]
    /// with its name and does not stop the others; only an unreadable
    /// directory is an error.
    pub fn load_dir(&mut self, dir: impl AsRef<Path>) -> Result<LoadReport, TrustError> {
        let dir = dir.as_ref();
        let io = |source| TrustError::Io {
            path: dir.to_owned(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            let wanted = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                ["pem", "crt", "cer", "der"]
                    .iter()
                    .any(|w| e.eq_ignore_ascii_case(w))
            });
            if wanted && path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        let mut report = LoadReport::default();
        for path in files {
            let parsed = std::fs::read(&path)
                .map_err(|source| TrustError::Io {
                    path: path.clone(),
                    source,
                })
                .and_then(|bytes| parse_certificates(&bytes));
            match parsed {
                Ok(certs) => {
                    for cert in certs {
                        match self.add(cert) {
                            Ok(true) => report.added += 1,
                            Ok(false) => report.duplicates += 1,
                            Err(error) => report.errors.push(FileError {
                                path: path.clone(),
                                error,
                            }),
                        }
                    }
                }
                Err(error) => report.errors.push(FileError { path, error }),
            }
        }
        Ok(report)
    }

    /// Anchors whose subject matches `name` (RFC 5280 §7.1 comparison).
    pub fn by_subject<'a>(&'a self, name: &Name) -> impl Iterator<Item = &'a Certificate> + 'a {
        self.set.by_subject(name)
    }

    /// Anchors whose subjectKeyIdentifier is `ski`.
    pub fn by_ski<'a>(&'a self, ski: &[u8]) -> impl Iterator<Item = &'a Certificate> + 'a {
        self.set.by_ski(ski)
    }

    /// Whether this exact certificate (same DER) is an anchor.
    pub fn contains(&self, cert: &Certificate) -> bool {
        self.set.contains(cert)
    }

    /// All anchors, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &Certificate> {
        self.set.certs.iter()
    }

    /// The number of anchors.
    pub fn len(&self) -> usize {
        self.set.certs.len()
    }

    /// Whether the store has no anchor.
    pub fn is_empty(&self) -> bool {
        self.set.certs.is_empty()
    }
}

/// Untrusted certificates that may serve as intermediates: those a
/// signature carries, a downloaded chain, a local cache of CA certificates.
#[derive(Debug, Clone, Default)]
pub struct CertPool {
    set: CertSet,
}

impl CertPool {
    /// An empty pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// A pool of these certificates (identical ones kept once).
    pub fn from_certificates<'a>(certs: impl IntoIterator<Item = &'a Certificate>) -> Self {
        let mut pool = Self::new();
        for cert in certs {
            // A certificate that decoded can be encoded again; one that
            // cannot is useless as an issuer anyway.
            let _ = pool.add(cert.clone());
        }
        pool
    }

    /// Adds a certificate; returns `false` if it was already present.
    pub fn add(&mut self, cert: Certificate) -> Result<bool, TrustError> {
        self.set.add(cert)
    }

    /// Adds every `CERTIFICATE` block of a PEM bundle; returns how many were new.
    pub fn add_pem_bundle(&mut self, pem: &[u8]) -> Result<usize, TrustError> {
        let mut added = 0;
        for cert in parse_pem_bundle(pem)? {
            added += usize::from(self.add(cert)?);
        }
        Ok(added)
    }

    /// Certificates whose subject matches `name` (RFC 5280 §7.1 comparison).
    pub fn by_subject<'a>(&'a self, name: &Name) -> impl Iterator<Item = &'a Certificate> + 'a {
        self.set.by_subject(name)
    }

    /// Certificates whose subjectKeyIdentifier is `ski`.
    pub fn by_ski<'a>(&'a self, ski: &[u8]) -> impl Iterator<Item = &'a Certificate> + 'a {
        self.set.by_ski(ski)
    }

    /// Whether this exact certificate is in the pool.
    pub fn contains(&self, cert: &Certificate) -> bool {
        self.set.contains(cert)
    }

    /// All certificates, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &Certificate> {
        self.set.certs.iter()
    }

    /// The number of certificates.
    pub fn len(&self) -> usize {
        self.set.certs.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.set.certs.is_empty()
    }
}

/// The subjectKeyIdentifier of a certificate, if it has a readable one.
pub(crate) fn subject_key_identifier(cert: &Certificate) -> Option<Vec<u8>> {
    match cert
        .tbs_certificate()
        .get_extension::<SubjectKeyIdentifier>()
    {
        Ok(Some((_, ski))) => Some(ski.0.as_bytes().to_vec()),
        _ => None,
    }
}

/// Whether two names are the same under RFC 5280 §7.1: identical DER, or
/// the same RDNs with the same attribute types and, for string values,
/// values equal after trimming, collapsing inner white space and case
/// folding (whatever the string type: UTF8String, PrintableString,
/// BMPString…). Non-string values must be byte-identical.
pub fn names_match(a: &Name, b: &Name) -> bool {
    a == b || name_key(a) == name_key(b)
}

/// Whether `name` lies in the subtree `base` (RFC 5280 §4.2.1.10,
/// directoryName): its first RDNs match all of `base`'s under §7.1.
pub(crate) fn name_within(name: &Name, base: &Name) -> bool {
    let name = name_key(name);
    let base = name_key(base);
    name.len() >= base.len() && name.iter().zip(&base).all(|(a, b)| a == b)
}

/// A normalised name: per RDN, the sorted (type, normalised value) pairs.
type NameKey = Vec<Vec<(ObjectIdentifier, NormValue)>>;

/// An attribute value as compared: normalised text, or raw TLV bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum NormValue {
    Text(String),
    Raw(Vec<u8>),
}

fn name_key(name: &Name) -> NameKey {
    name.iter_rdn()
        .map(|rdn| {
            let mut atvs: Vec<_> = rdn
                .iter()
                .map(|atv| (atv.oid, normalise_value(&atv.value)))
                .collect();
            atvs.sort();
            atvs
        })
        .collect()
}

fn normalise_value(value: &der::Any) -> NormValue {
    let bytes = value.value();
    let text = match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString => std::str::from_utf8(bytes).ok().map(str::to_owned),
        // T.61 as Latin-1, which is what CAs put there in practice.
        Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => utf16be(bytes),
        _ => None,
    };
    match text {
        Some(text) => NormValue::Text(
            text.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase(),
        ),
        None => NormValue::Raw(value.to_der().unwrap_or_else(|_| bytes.to_vec())),
    }
}

fn utf16be(bytes: &[u8]) -> Option<String> {
    if bytes.len() % 2 != 0 {
        return None;
    }
    let units = bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
}

/// Reads the certificates of a file's contents, as CAs publish them: DER,
/// PEM blocks (any line width, CRLF, text between blocks), or bare base64
/// of a DER certificate.
pub fn parse_certificates(bytes: &[u8]) -> Result<Vec<Certificate>, TrustError> {
    if bytes.first() == Some(&0x30) {
        return Ok(vec![
            Certificate::from_der(bytes).map_err(TrustError::Malformed)?,
        ]);
    }
    if find(bytes, b"-----BEGIN").is_some() {
        return parse_pem_bundle(bytes);
    }
    match base64_decode(bytes) {
        Some(der) if der.first() == Some(&0x30) => Ok(vec![
            Certificate::from_der(&der).map_err(TrustError::Malformed)?,
        ]),
        _ => Err(TrustError::NoCertificates),
    }
}

/// The labels of PEM blocks that hold an X.509 certificate.
const CERT_LABELS: [&[u8]; 3] = [b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"];

/// Reads every certificate block of a PEM bundle, tolerating text between
/// blocks, CRLF line ends and any line width. Blocks with other labels
/// (keys, CRLs) are skipped. `TRUSTED CERTIFICATE` blocks (OpenSSL's
/// certificate followed by its trust settings) yield the certificate.
fn parse_pem_bundle(pem: &[u8]) -> Result<Vec<Certificate>, TrustError> {
    let mut certs = Vec::new();
    let mut rest = pem;
    while let Some(start) = find(rest, b"-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(label_end) = find(after, b"-----") else {
            break;
        };
        let label = &after[..label_end];
        let body = &after[label_end + 5..];
        let mut end_marker = b"-----END ".to_vec();
        end_marker.extend_from_slice(label);
        end_marker.extend_from_slice(b"-----");
        let Some(body_end) = find(body, &end_marker) else {
            return Err(TrustError::Malformed(der::Error::from(
                der::ErrorKind::Incomplete {
                    expected_len: der::Length::ZERO,
                    actual_len: der::Length::ZERO,
                },
            )));
        };
        if CERT_LABELS.contains(&label) {
            let der = base64_decode(&body[..body_end]).ok_or_else(|| {
                TrustError::Malformed(der::Error::from(der::ErrorKind::Value {
                    tag: Tag::Sequence,
                }))
            })?;
            let cert = if label == b"TRUSTED CERTIFICATE" {
                let mut reader = der::SliceReader::new(&der).map_err(TrustError::Malformed)?;
                <Certificate as Decode>::decode(&mut reader).map_err(TrustError::Malformed)?
            } else {
                Certificate::from_der(&der).map_err(TrustError::Malformed)?
            };
            certs.push(cert);
        }
        rest = &body[body_end + end_marker.len()..];
    }
    if certs.is_empty() {
        return Err(TrustError::NoCertificates);
    }
    Ok(certs)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Decodes base64 ignoring white space (and PEM headers' absence); `None`
/// on any other non-alphabet byte or a bad length.
fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut padding = 0usize;
    let mut count = 0usize;
    for &c in text {
        if c.is_ascii_whitespace() {
            continue;
        }
        count += 1;
        if c == b'=' {
            padding += 1;
            continue;
        }
        if padding > 0 {
            return None;
        }
        acc = (acc << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if count % 4 != 0 || padding > 2 || count == 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn base64_round_trip_known_answers() {
        assert_eq!(base64_decode(b"TWFu").unwrap(), b"Man");
        assert_eq!(base64_decode(b"TWE=").unwrap(), b"Ma");
        assert_eq!(base64_decode(b"TQ==\r\n").unwrap(), b"M");
        assert_eq!(base64_decode(b"TQ=").as_deref(), None);
        assert_eq!(base64_decode(b"T!==").as_deref(), None);
    }

    #[test]
    fn names_compare_across_string_types() {
        // CN=Test CA as PrintableString, and CN=" test  ca" as UTF8String.
        let printable =
            Name::from_der(&hex_bytes("3012311030 0e0603550403 1307 54657374204341")).unwrap();
        let utf8 = Name::from_der(&hex_bytes(
            "3014311230 100603550403 0c09 2074657374202063 61",
        ))
        .unwrap();
        assert_ne!(printable, utf8);
        assert!(names_match(&printable, &utf8));
        assert!(name_within(&printable, &utf8));
    }

    fn hex_bytes(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn names_compare_case_and_space_insensitively() {
        let a = Name::from_str("CN=Test  CA,O=Org").unwrap();
        let b = Name::from_str("CN= test ca ,O=ORG").unwrap();
        let c = Name::from_str("CN=Test CA2,O=Org").unwrap();
        assert!(names_match(&a, &b));
        assert!(!names_match(&a, &c));
        // RDN order matters.
        let d = Name::from_str("O=Org,CN=Test CA").unwrap();
        assert!(!names_match(&a, &d));
    }
}
