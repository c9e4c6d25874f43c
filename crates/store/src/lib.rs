//! # podpis-store
//!
//! Persistence for the podpis servers (`ca`, `idp`, `portal`): one schema
//! for SQLite (the default, under the data directory) and PostgreSQL (by
//! URL), with migrations that refuse to downgrade. Only the server crates
//! use it; library crates below them never touch a database.
#![forbid(unsafe_code)]
