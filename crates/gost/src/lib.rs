//! # podpis-gost
//!
//! The Russian national cryptographic primitives podpis is built on:
//!
//! * **GOST R 34.10-2012** digital signatures over every parameter set in use
//!   ([`ParamSet`]): key generation, public-key derivation and validation,
//!   signing a digest ([`SigningKey`]) and verifying it ([`VerifyingKey`]);
//! * **GOST R 34.11-2012** (Streebog) 256 and 512 ([`streebog`]), HMAC, PBKDF2
//!   and KDF_GOSTR3411_2012_256 built on it ([`mac`], [`kdf`]);
//! * the encodings X.509, CMS and PKCS#8 use for keys and signatures
//!   (RFC 9215 / R 1323565.1.023-2018).
//!
//! The crate does no I/O and reads no configuration. Arithmetic on secret
//! values (private keys, nonces) is constant-time; verification works on
//! public data only and uses faster variable-time algorithms.
//!
//! ## Conventions
//! A digest is handed over as the bytes the hash function output; it is read
//! as a **little-endian** integer, as every GOST profile does. A signature's
//! wire form is `s ‖ r`, each half big-endian and as wide as the field.
#![forbid(unsafe_code)]

mod arith;
mod curve;
pub mod encoding;
mod error;
pub mod kdf;
mod keys;
pub mod mac;
mod params;
mod signature;
pub mod streebog;

pub use error::Error;
pub use keys::{SigningKey, VerifyingKey};
pub use params::{KeySize, ParamSet};
pub use signature::Signature;
