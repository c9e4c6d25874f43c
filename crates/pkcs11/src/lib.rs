//! # podpis-pkcs11
//!
//! A PKCS#11 (Cryptoki v2.40) module, `libpodpis_pkcs11.so`, that shows
//! podpis file containers (`token::container`) as tokens, so that any
//! PKCS#11 application — OpenSC's `pkcs11-tool`, NSS (Firefox), OpenSSL's
//! pkcs11 provider, Java's SunPKCS11 — signs with GOST R 34.10-2012 keys kept
//! in them. One slot per container listed in `PODPIS_TOKEN_PATH` or the
//! configuration file ([`config`]). Usage: `docs/pkcs11.md`.
//!
//! * Login with the user PIN and the SO PIN; wrong PINs count down in the
//!   container (`CKR_PIN_INCORRECT`, then `CKR_PIN_LOCKED`); the SO sets a
//!   new user PIN with `C_InitPIN`, which unblocks it.
//! * `C_GenerateKeyPair` for 256- and 512-bit GOST keys; `C_Sign`/`C_Verify`
//!   with `CKM_GOSTR3410`, `CKM_GOSTR3410_512` and the with-Streebog
//!   mechanisms; `C_Digest` with Streebog; `C_FindObjects` over private
//!   keys, public keys and certificates.
//! * Private keys are always sensitive; `CKA_EXTRACTABLE` is the
//!   container's exportable flag.
//!
//! The safe core ([`module::Module`]) holds every rule and is tested without
//! FFI; `ffi` is the only module with `unsafe` code.

pub mod config;
pub mod consts;
mod ffi;
pub mod module;
pub mod object;

pub use ffi::C_GetFunctionList;
