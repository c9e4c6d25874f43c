//! # podpis-pki
//!
//! The public-key infrastructure of podpis: X.509 with the Russian
//! qualified-certificate profile, CSR, CRL, OCSP, TSP and CMS/CAdES.
//!
//! Built so far: [`identifiers`], the Russian registration numbers a
//! qualified certificate carries (SNILS, INN, OGRN, OGRNIP), each checked
//! with its control digits.
#![forbid(unsafe_code)]

pub mod identifiers;
