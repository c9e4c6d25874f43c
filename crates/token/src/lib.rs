//! # podpis-token
//!
//! Keys behind a PIN, the role of CryptoPro CSP and hardware tokens:
//!
//! * [`container`]: the podpis file container — an open, documented format
//!   (`docs/formats.md`) holding keys and certificates, private keys
//!   encrypted under a key derived from the PIN, user PIN and SO PIN with
//!   retry counters that survive crashes, crash-safe writes and a file lock;
//! * [`pfx`]: PKCS#12 import (OpenSSL's GOST and AES PBE, CryptoPro's
//!   files with their own key-bag PBE) and export that OpenSSL's GOST
//!   engine reads;
//! * [`cryptopro`]: CryptoPro CSP's key-container folders (header.key,
//!   masks.key, primary.key, name.key) and PFX key bags.
//! * [`pkcs11`]: keys on PKCS#11 tokens (any vendor's module, podpis's own
//!   among them): GOST signing through [`pki::Signer`], raw ECDSA.
//!
//! Every key is used through [`pki::Signer`].
#![forbid(unsafe_code)]

pub mod container;
pub mod cryptopro;
mod gost89;
pub mod pfx;
pub mod pkcs11;
