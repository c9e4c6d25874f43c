//! # podpis-ca
//!
//! The accredited certification authority (УЦ): it identifies the
//! applicant, issues the qualified certificate, renews and revokes it, and
//! publishes revocation (CRL, OCSP) and time-stamps (TSP). Keys are used
//! only through [`pki::Signer`]; state lives in `podpis-store`. The HTTP
//! services are axum routers that `podpis serve` mounts.
#![forbid(unsafe_code)]

// Publication: certificate status for the services, the OCSP responder,
// the CRL publisher, the time-stamp authority, and their router.
pub mod crl_publisher;
pub mod http;
pub mod ocsp_responder;
pub mod publish_error;
pub mod status;
pub mod tsa;
