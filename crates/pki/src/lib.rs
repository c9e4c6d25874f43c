//! # podpis-pki
//!
//! The public-key infrastructure of podpis: X.509 with the Russian
//! qualified-certificate profile, CSRs, CRLs, OCSP, time-stamps, CMS/CAdES
//! signatures, trust stores, path validation and validation reports, on
//! RustCrypto `der` 0.8, `spki` 0.8, `x509-cert` 0.3 and `cms` 0.3.
//!
//! Foundations, used by every other module:
//!
//! * [`oids`]: the object identifiers of the qualified profile, CMS, OCSP, TSP;
//! * [`algorithm`]: Streebog digests and GOST R 34.10-2012 signature checks
//!   by algorithm identifier — every signature check goes through
//!   [`algorithm::verify_signature`];
//! * [`signer`]: the [`Signer`] trait every private key is used through
//!   ([`KeySigner`] for a key in memory; tokens implement it later);
//! * [`diagnostic`]: the [`Diagnostic`] trait — a stable code and Russian
//!   and English messages for each error a user sees (`docs/errors.md`);
//! * [`identifiers`]: SNILS, INN, OGRN, OGRNIP with their control digits.
//!
//! Objects:
//!
//! * [`name`]: distinguished names with the Russian attributes, parsing,
//!   display, and the RFC 5280 §7.1 comparison ([`name::names_match`]);
//! * [`profile`]: the qualified-certificate profile (FSB order No. 795), its
//!   extensions and the checker [`profile::check_qualified`];
//! * [`cert`]: building, reading (leniently: PEM variants, bare base64, BER
//!   BOOLEANs — [`cert::read_certificates`] keeps the bytes as received),
//!   issuer checks and descriptions of certificates;
//! * [`csr`]: PKCS#10 certification requests;
//! * [`crl`], [`ocsp`], [`tsp`]: revocation lists, OCSP requests and
//!   responses, RFC 3161 time-stamp requests, responses and TSTInfo (the
//!   OCSP and TSP structures are declared here on `der` 0.8);
//! * [`cms`]: CMS SignedData / CAdES-BES signing, co-signing,
//!   countersigning and verification.
//!
//! Validation:
//!
//! * [`trust`]: trust anchors ([`trust::TrustStore`]) and untrusted
//!   intermediates ([`trust::CertPool`]), indexed by name and key identifier;
//! * [`path`]: RFC 5280 path building and validation with ETSI
//!   sub-indications;
//! * [`revocation`]: revocation checking of a path with OCSP and CRLs;
//! * [`report`]: validation reports (ETSI EN 319 102-1 indications) as JSON
//!   and as Russian or English text.
//!
//! Signatures are always checked over the bytes as they were signed (the
//! TBS part as received), never over a re-encoding.
#![forbid(unsafe_code)]

pub mod algorithm;
pub mod cert;
pub mod cms;
pub mod crl;
pub mod csr;
pub mod diagnostic;
pub mod identifiers;
pub mod name;
pub mod ocsp;
pub mod oids;
pub mod path;
pub mod profile;
pub mod report;
pub mod revocation;
pub mod signer;
pub mod trust;
pub mod tsp;
pub mod validation;

pub use diagnostic::Diagnostic;
pub use signer::{KeySigner, Signer, SignerError};
