//! # podpis-pki
//!
//! The public-key infrastructure of podpis, built on RustCrypto `der`,
//! `x509-cert` and `cms`:
//!
//! * [`identifiers`]: the Russian registration numbers a qualified
//!   certificate carries (SNILS, INN, OGRN, OGRNIP), each checked with its
//!   control digits;
//! * [`oids`]: the object identifiers of the qualified profile, CMS, OCSP;
//! * [`algorithm`]: Streebog digests and GOST R 34.10-2012 signature checks
//!   by algorithm identifier;
//! * [`signer`]: the [`Signer`] trait every private key is used through;
//! * [`name`], [`profile`], [`cert`], [`csr`]: names with Russian attributes,
//!   the qualified-certificate profile and its checker, certificates and
//!   certification requests;
//! * [`crl`], [`ocsp`], [`tsp`], [`revocation`]: revocation lists, OCSP,
//!   time-stamps, and revocation checking;
//! * [`cms`]: CMS SignedData / CAdES signing and verification;
//! * [`trust`], [`path`]: trust stores and RFC 5280 path validation.
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
