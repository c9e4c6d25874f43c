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

use der::Encode;
use x509_cert::Certificate;
use x509_cert::name::Name;

use crate::Diagnostic;
use crate::cert::{self, CertError, ParsedCertificate};
/// Re-exported: the RFC 5280 §7.1 name comparison stores index by.
pub use crate::name::names_match;
use crate::name::{NameKey, name_key};

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
/// [`TrustStore`] and [`CertPool`]. Each certificate keeps the bytes it was
/// read from, so that signatures are checked over what the issuer signed
/// even when the encoding was not strict DER.
#[derive(Debug, Clone, Default)]
struct CertSet {
    certs: Vec<Certificate>,
    /// The bytes each certificate was read from (its re-encoding when it
    /// was added already decoded).
    received: Vec<Vec<u8>>,
    /// Index by the certificate's DER re-encoding.
    ders: HashMap<Vec<u8>, usize>,
    by_subject: HashMap<NameKey, Vec<usize>>,
    by_ski: HashMap<Vec<u8>, Vec<usize>>,
}

impl CertSet {
    /// Adds a certificate; `false` when an identical one is already present.
    fn add(&mut self, cert: Certificate) -> Result<bool, TrustError> {
        let der = cert.to_der().map_err(TrustError::Malformed)?;
        self.insert(cert, der.clone(), der)
    }

    /// Adds a certificate with the bytes it was read from.
    fn add_parsed(&mut self, parsed: ParsedCertificate) -> Result<bool, TrustError> {
        let der = parsed.cert.to_der().map_err(TrustError::Malformed)?;
        self.insert(parsed.cert, der, parsed.der)
    }

    fn insert(
        &mut self,
        cert: Certificate,
        der: Vec<u8>,
        received: Vec<u8>,
    ) -> Result<bool, TrustError> {
        if self.ders.contains_key(&der) {
            return Ok(false);
        }
        let index = self.certs.len();
        self.ders.insert(der, index);
        self.by_subject
            .entry(name_key(cert.tbs_certificate().subject()))
            .or_default()
            .push(index);
        if let Some(ski) = cert::subject_key_id(&cert) {
            self.by_ski.entry(ski).or_default().push(index);
        }
        self.certs.push(cert);
        self.received.push(received);
        Ok(true)
    }

    fn contains(&self, cert: &Certificate) -> bool {
        cert.to_der().is_ok_and(|der| self.ders.contains_key(&der))
    }

    fn received_der(&self, cert: &Certificate) -> Option<&[u8]> {
        let der = cert.to_der().ok()?;
        let &index = self.ders.get(&der)?;
        self.received.get(index).map(Vec::as_slice)
    }

    /// Adds every certificate; `Ok(number added)`.
    fn add_all(&mut self, certs: Vec<ParsedCertificate>) -> Result<usize, TrustError> {
        let mut added = 0;
        for cert in certs {
            added += usize::from(self.add_parsed(cert)?);
        }
        Ok(added)
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

    /// Adds a DER certificate, keeping its bytes for signature checks
    /// (BER BOOLEANs are accepted, see [`cert::decode_lenient`]); returns
    /// `false` if it was already present.
    pub fn add_der(&mut self, der: &[u8]) -> Result<bool, TrustError> {
        self.set
            .add_parsed(ParsedCertificate::from_der(der).map_err(from_cert_error)?)
    }

    /// Adds every `CERTIFICATE` block of a PEM bundle (text between blocks
    /// is ignored, as in OpenSSL's CA files); returns how many were new.
    /// Fails without adding anything if a block is broken or there is none.
    pub fn add_pem_bundle(&mut self, pem: &[u8]) -> Result<usize, TrustError> {
        self.set.add_all(read_certificates(pem)?)
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
        self.set.add_all(read_certificates(&bytes)?)
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
                .and_then(|bytes| read_certificates(&bytes));
            match parsed {
                Ok(certs) => {
                    for cert in certs {
                        match self.set.add_parsed(cert) {
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

    /// The bytes an anchor was read from (what its issuer signed), when
    /// `cert` is in the store.
    pub fn received_der(&self, cert: &Certificate) -> Option<&[u8]> {
        self.set.received_der(cert)
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

    /// Adds a DER certificate, keeping its bytes for signature checks
    /// (BER BOOLEANs are accepted); returns `false` if it was already present.
    pub fn add_der(&mut self, der: &[u8]) -> Result<bool, TrustError> {
        self.set
            .add_parsed(ParsedCertificate::from_der(der).map_err(from_cert_error)?)
    }

    /// Adds a certificate read with [`cert::read_certificates`], keeping
    /// its bytes; returns `false` if it was already present.
    pub fn add_parsed(&mut self, cert: ParsedCertificate) -> Result<bool, TrustError> {
        self.set.add_parsed(cert)
    }

    /// Adds every `CERTIFICATE` block of a PEM bundle; returns how many were new.
    pub fn add_pem_bundle(&mut self, pem: &[u8]) -> Result<usize, TrustError> {
        self.set.add_all(read_certificates(pem)?)
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

    /// The bytes a certificate of the pool was read from, when `cert` is in
    /// the pool.
    pub fn received_der(&self, cert: &Certificate) -> Option<&[u8]> {
        self.set.received_der(cert)
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

/// Reads the certificates of a file's contents, as CAs publish them: DER,
/// PEM blocks (any line width, CRLF, text between blocks), or bare base64
/// of a DER certificate. The same reader as [`cert::parse_certificates`],
/// with this module's error.
pub fn parse_certificates(bytes: &[u8]) -> Result<Vec<Certificate>, TrustError> {
    Ok(read_certificates(bytes)?
        .into_iter()
        .map(|p| p.cert)
        .collect())
}

fn read_certificates(bytes: &[u8]) -> Result<Vec<ParsedCertificate>, TrustError> {
    cert::read_certificates(bytes).map_err(from_cert_error)
}

/// What [`cert::read_certificates`] reports, as a store loading error.
fn from_cert_error(e: CertError) -> TrustError {
    match e {
        CertError::NoPem(_) => TrustError::NoCertificates,
        CertError::Der(e) => TrustError::Malformed(e),
        // Reading certificates fails only with the two above.
        _ => TrustError::Malformed(der::Error::from(der::ErrorKind::Failed)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::name_within;
    use der::Decode;
    use std::str::FromStr;

    #[test]
    fn text_that_is_not_base64_is_no_certificate() {
        assert!(matches!(
            parse_certificates(b"TQ="),
            Err(TrustError::NoCertificates)
        ));
        assert!(matches!(
            parse_certificates(b"T!=="),
            Err(TrustError::NoCertificates)
        ));
        // Valid base64, but not of a certificate.
        assert!(matches!(
            parse_certificates(b"TWFu"),
            Err(TrustError::NoCertificates)
        ));
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
