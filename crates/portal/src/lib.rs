//! # podpis-portal
//!
//! The personal cabinet — the Gosuslugi portal's role: server-rendered
//! pages (Russian first, English on a switch, usable without JavaScript
//! except for signing) over the identity provider (`podpis-idp`):
//! registration, login (method choice), the cabinet home, keys and
//! certificates, the action journal, sessions and security settings.
//! Services and applications come later. The pages are an axum router
//! that `podpis serve` mounts.
#![forbid(unsafe_code)]
