//! CMS SignedData and CAdES-BES: signing, co-signing, countersigning and
//! verification with GOST R 34.10-2012 and Streebog (RFC 5652, RFC 5035,
//! RFC 4490 / RFC 9215 GOST usage, ETSI EN 319 122-1).
//!
//! * [`sign`] makes an attached or detached SignedData with the CAdES-BES
//!   signed attributes (contentType, messageDigest, signingTime,
//!   signingCertificateV2); content may be a byte slice or a reader that
//!   is streamed in constant memory.
//! * [`SignedMessage::parse`] reads DER, BER (as CryptoPro writes) and PEM;
//!   [`SignedMessage::verify_signer`] checks one signer in the order of
//!   ETSI EN 319 102-1, each failure its own [`CmsError`] variant with an
//!   [`CmsError::etsi_sub_indication`].
//! * [`SignedMessage::co_sign`], [`SignedMessage::countersign`] and
//!   [`SignedMessage::add_unsigned_attribute`] extend a message and leave
//!   the other signers' bytes untouched (the CAdES-T time-stamp goes in
//!   through the last one).
//!
//! Signatures are checked over the signed attributes exactly as received
//! (re-tagged as SET), never over a re-encoding.

mod attributes;
mod ber;
mod error;
mod message;
mod sign;
mod verify;

pub use attributes::{EssCertIdV2, IssuerSerial, SigningCertificateV2, attribute_from_der};
pub use error::CmsError;
pub use message::{SignedMessage, SignerInfoRef};
pub use sign::{Content, SignOptions, SignerIdKind, digest_reader, sign, to_pem};
pub use verify::{EssCheck, VerifiedSigner};
