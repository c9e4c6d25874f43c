//! # podpis-idp
//!
//! The identity provider — ESIA's role in the Gosuslugi world: it knows who
//! the user is and lets them in. Accounts and their levels (simplified,
//! standard, confirmed), login by e-signature (a signed one-time challenge,
//! checked in the order of design.md §4) and by password + one-time code,
//! lockouts, sessions, the users' hash-chained action journal, and an
//! OpenID Connect provider for other services. State lives in
//! `podpis-store` (tables of schema version 3 and later); the HTTP side is
//! axum routers that `podpis serve` mounts. The cabinet pages are in
//! `podpis-portal`.
//!
//! Time comes from a [`Clock`], so expiry, timeouts and lockouts are tested
//! without sleeping.
#![forbid(unsafe_code)]

mod clock;
pub mod oidc;

pub use clock::{Clock, FixedClock, SystemClock};
