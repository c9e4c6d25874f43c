//! CryptoPro CSP's PFX key bag: a pkcs8ShroudedKeyBag whose encryption
//! algorithm is 1.2.840.113549.1.12.1.80 (an OID in the PKCS#12 PBE arc
//! that RSA never assigned; OpenSSL reports "unknown pbe algorithm").
//!
//! 1. Parameters `SEQUENCE { salt OCTET STRING (16), iterations INTEGER }`.
//! 2. Key: `K_0 = UTF-16LE(password)`, `K_i = GOST R 34.11-94(K_(i−1) ‖
//!    salt ‖ BE16(i))`, CryptoPro hash parameters ([`super::kdf::pfx_key`]).
//! 3. GOST 28147-89 CFB, S-box CryptoPro-A, IV = the first 8 octets of the
//!    salt, decrypts a PrivateKeyInfo-shaped `SEQUENCE { version,
//!    AlgorithmIdentifier, OCTET STRING blob }`.
//! 4. The blob is CryptoAPI's PRIVATEKEYBLOB: BLOBHEADER (type 7, 8 octets),
//!    magic "MAG1" and a 32-bit length, then DER [`ExportedKey`]: a UKM, the
//!    key wrapped with GOST 28147-89 (ECB + MAC, RFC 4357 §6.1) under
//!    `KEK = KDF_GOSTR3411_2012_256(K, 26 BD B8 78, UKM)` (RFC 7836 §4.5),
//!    and the key's algorithm.
//! 5. The unwrapped key is LE(d); its MAC (the UKM as IV) must verify.

use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Sequence};
use gost::SigningKey;
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::asn1::{AlgorithmError, Generation, KeyAlgorithm, PrivateKeyParameters};
use super::kdf;
use crate::gost89::{self, Sbox};
use crate::pfx::PfxError;

/// CryptoPro's PFX key-bag PBE.
pub(crate) const PBE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.80");

/// The label of the KEK derivation.
const KEK_LABEL: [u8; 4] = [0x26, 0xbd, 0xb8, 0x78];

/// `SEQUENCE { salt OCTET STRING, iterations INTEGER }`.
#[derive(Sequence)]
struct PbeParams {
    salt: OctetString,
    iterations: u32,
}

/// The decrypted key bag.
///
/// ```asn1
/// SEQUENCE {
///     version    INTEGER,               -- 0
///     algorithm  AlgorithmIdentifier,   -- the key's, parameters NULL
///     blob       OCTET STRING }         -- PRIVATEKEYBLOB
/// ```
#[derive(Sequence)]
struct KeyBag {
    version: u8,
    algorithm: AlgorithmIdentifierOwned,
    blob: OctetString,
}

/// ```asn1
/// ExportedKey ::= SEQUENCE {
///     wrapped  WrappedKey,
///     mac      OCTET STRING }    -- 4 octets, not checked
/// WrappedKey ::= SEQUENCE {
///     ukm           OCTET STRING (SIZE (8)),
///     encryptedKey  SEQUENCE { encrypted OCTET STRING, mac OCTET STRING (SIZE (4)) },
///     parameters    [0] IMPLICIT GostPrivateKeyParameters }
/// ```
#[derive(Sequence)]
struct ExportedKey {
    wrapped: WrappedKey,
    mac: OctetString,
}

#[derive(Sequence)]
struct WrappedKey {
    ukm: OctetString,
    key: EncryptedKey,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    parameters: PrivateKeyParameters,
}

#[derive(Sequence)]
struct EncryptedKey {
    encrypted: OctetString,
    mac: OctetString,
}

/// BLOBHEADER (8) + magic and length (8).
const BLOB_HEADER_LEN: usize = 16;
/// BLOBHEADER.bType of a PRIVATEKEYBLOB.
const PRIVATEKEYBLOB: u8 = 7;

fn malformed(what: &'static str) -> impl Fn(der::Error) -> PfxError {
    move |_| PfxError::Malformed { what }
}

/// Decrypts a key bag encrypted under [`PBE`] (`alg`) with `password`.
///
/// # Errors
/// [`PfxError::Malformed`] for a damaged bag, [`PfxError::DecryptFailed`]
/// when the wrapped key's MAC fails (wrong password or damaged file),
/// [`PfxError::Key`] for an unknown key algorithm or an invalid key.
pub(crate) fn decrypt_key_bag(
    alg: &AlgorithmIdentifierOwned,
    password: &str,
    data: &[u8],
) -> Result<SigningKey, PfxError> {
    let what = "CryptoPro PBE parameters";
    let params: PbeParams = alg
        .parameters
        .as_ref()
        .ok_or(PfxError::Malformed { what })?
        .decode_as()
        .map_err(malformed(what))?;
    let iterations = u16::try_from(params.iterations)
        .ok()
        .filter(|&i| i > 0)
        .ok_or(PfxError::Malformed {
            what: "CryptoPro PBE iteration count (1–65535)",
        })?;
    let salt = params.salt.as_bytes();
    let iv: [u8; 8] = salt
        .get(..8)
        .and_then(|s| s.try_into().ok())
        .ok_or(PfxError::Malformed {
            what: "CryptoPro PBE salt",
        })?;
    let key = kdf::pfx_key(password, salt, iterations);
    let mut plain = Zeroizing::new(data.to_vec());
    gost89::cfb(Sbox::CryptoProA, &key, &iv, &mut plain, false);
    // A wrong password without a PFX MAC shows up here as garbage.
    let bag = KeyBag::from_der(&plain).map_err(|_| PfxError::DecryptFailed)?;
    if bag.version != 0 {
        return Err(PfxError::Malformed {
            what: "CryptoPro key bag version",
        });
    }
    let blob = bag.blob.as_bytes();
    if blob.len() <= BLOB_HEADER_LEN || blob[0] != PRIVATEKEYBLOB || &blob[8..12] != b"MAG1" {
        return Err(PfxError::Malformed {
            what: "CryptoPro PRIVATEKEYBLOB header",
        });
    }
    let exported = ExportedKey::from_der(&blob[BLOB_HEADER_LEN..])
        .map_err(malformed("CryptoPro PRIVATEKEYBLOB"))?;
    let wrapped = &exported.wrapped;
    let alg =
        KeyAlgorithm::from_identifier(&wrapped.parameters.algorithm).map_err(|e| match e {
            AlgorithmError::Malformed => PfxError::Malformed {
                what: "CryptoPro key algorithm",
            },
            AlgorithmError::Unsupported(oid) => PfxError::Key(gost::Error::UnknownAlgorithm(oid)),
        })?;
    let ukm: [u8; 8] = wrapped
        .ukm
        .as_bytes()
        .try_into()
        .map_err(|_| PfxError::Malformed {
            what: "CryptoPro UKM",
        })?;
    let kek = Zeroizing::new(match alg.generation {
        Generation::Gost2012 => gost::kdf::kdf_gostr3411_2012_256(&key[..], &KEK_LABEL, &ukm),
        Generation::Gost2001 => *gost89::diversify_kek(Sbox::CryptoProA, &key, &ukm),
    });
    let d = gost89::unwrap_key(
        Sbox::CryptoProA,
        &kek,
        &ukm,
        wrapped.key.encrypted.as_bytes(),
        wrapped.key.mac.as_bytes(),
    )
    .ok_or(PfxError::DecryptFailed)?;
    if d.len() != alg.param_set.field_bytes() {
        return Err(PfxError::Malformed {
            what: "CryptoPro wrapped key length",
        });
    }
    SigningKey::from_le_bytes(alg.param_set, &d).map_err(PfxError::Key)
}
