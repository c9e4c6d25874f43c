//! PKCS#8 PrivateKeyInfo (RFC 5958) of GOST keys.
//!
//! ```text
//! PrivateKeyInfo ::= SEQUENCE {
//!     version              Version,        -- v1(0), or v2(1) with publicKey
//!     privateKeyAlgorithm  AlgorithmIdentifier,
//!     privateKey           OCTET STRING,   -- see below
//!     attributes       [0] Attributes OPTIONAL,
//!     ...,
//!     [[2: publicKey   [1] BIT STRING OPTIONAL ]]
//! }
//! ```
//!
//! The content of `privateKey` comes in several forms in the wild; the
//! reader follows OpenSSL's GOST engine (`gost_ameth.c`, `priv_decode_gost`)
//! in telling them apart, in this order:
//!
//! 1. length a multiple of the field size n: raw `LE(d)` (what the engine
//!    writes by default), or a masked key `LE(k) ‖ LE(m1) ‖ … ‖ LE(mj)` with
//!    `d = k·m1·…·mj mod q` (CryptoPro exports, R 50.1.112-2016 PFX);
//! 2. an OCTET STRING of `LE(d)` (what we, pygost and the engine's
//!    `LEGACY_PK_WRAP` format write), or of a masked key;
//! 3. an INTEGER d;
//! 4. a SEQUENCE { maskedKey OCTET STRING, publicKey OCTET STRING } (the
//!    engine's MASKED_GOST_KEY); the public key in it is not checked.

use der::asn1::{AnyRef, BitStringRef, OctetStringRef, UintRef};
use der::pem::{LineEnding, PemLabel};
use der::referenced::OwnedToRef;
use der::{Decode, Reader, SecretDocument};
use pkcs8::PrivateKeyInfoRef;
use zeroize::Zeroizing;

use super::{algorithm_identifier, canonical_pem, param_set_from_algorithm, to_pkcs8_error};
use crate::{Error, ParamSet, SigningKey, curve};

/// DER tags that start the wrapped forms of `privateKey`.
const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_SEQUENCE: u8 = 0x30;

impl SigningKey {
    /// Parses a DER PKCS#8 PrivateKeyInfo holding a GOST private key, in any
    /// of the forms listed in this module's documentation.
    ///
    /// A PKCS#8 v2 `publicKey`, if present, must match the private key
    /// ([`Error::PublicKeyMismatch`] otherwise). Encrypted PKCS#8 is not read
    /// here.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        let info = PrivateKeyInfoRef::from_der(der)?;
        SigningKey::from_pkcs8_info(&info)
    }

    /// Parses a PEM `PRIVATE KEY` (unencrypted PKCS#8), as
    /// `openssl genpkey -engine gost` writes it. Like OpenSSL, text around
    /// the PEM block and base64 lines of any length are accepted.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, Error> {
        let pem = canonical_pem(pem, PrivateKeyInfoRef::PEM_LABEL)?;
        let (_, doc) = SecretDocument::from_pem(&pem)?;
        SigningKey::from_pkcs8_der(doc.as_bytes())
    }

    /// Reads a GOST key out of an already parsed PrivateKeyInfo.
    pub fn from_pkcs8_info(info: &PrivateKeyInfoRef<'_>) -> Result<Self, Error> {
        let params = param_set_from_algorithm(&info.algorithm)?;
        let key = decode_private_key(params, info.private_key.as_bytes())?;
        if let Some(public) = &info.public_key {
            check_public_key(&key, public)?;
        }
        Ok(key)
    }

    /// The key as DER PKCS#8 (v1, privateKey = OCTET STRING of `LE(d)`),
    /// with the AlgorithmIdentifier OpenSSL's GOST engine writes. The buffer
    /// is zeroized on drop.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        Ok(self.to_pkcs8_document()?.to_bytes())
    }

    /// The key as a PEM `PRIVATE KEY` with LF line endings. The string is
    /// zeroized on drop.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        Ok(self
            .to_pkcs8_document()?
            .to_pem(PrivateKeyInfoRef::PEM_LABEL, LineEnding::LF)?)
    }

    fn to_pkcs8_document(&self) -> Result<SecretDocument, Error> {
        let algorithm = algorithm_identifier(self.param_set())?;
        let le = self.to_le_bytes();
        // DER OCTET STRING of 32 or 64 bytes: the length fits the short form.
        let mut inner = Zeroizing::new(Vec::with_capacity(2 + le.len()));
        inner.push(TAG_OCTET_STRING);
        inner.push(le.len() as u8);
        inner.extend_from_slice(&le);
        let info = PrivateKeyInfoRef::new(algorithm.owned_to_ref(), OctetStringRef::new(&inner)?);
        Ok(SecretDocument::encode_msg(&info)?)
    }
}

impl TryFrom<PrivateKeyInfoRef<'_>> for SigningKey {
    type Error = pkcs8::Error;

    fn try_from(info: PrivateKeyInfoRef<'_>) -> pkcs8::Result<Self> {
        SigningKey::from_pkcs8_info(&info).map_err(to_pkcs8_error)
    }
}

impl pkcs8::EncodePrivateKey for SigningKey {
    fn to_pkcs8_der(&self) -> pkcs8::Result<SecretDocument> {
        self.to_pkcs8_document().map_err(to_pkcs8_error)
    }
}

/// Decodes the content of `privateKey` (see the module documentation).
fn decode_private_key(params: ParamSet, data: &[u8]) -> Result<SigningKey, Error> {
    let n = params.field_bytes();
    if !data.is_empty() && data.len().is_multiple_of(n) {
        return unmask(params, data);
    }
    match data.first() {
        Some(&TAG_OCTET_STRING) => unmask(params, <&OctetStringRef>::from_der(data)?.as_bytes()),
        Some(&TAG_INTEGER) => {
            let d = UintRef::from_der(data)?;
            let d = d.as_bytes();
            if d.len() > n {
                return Err(Error::PrivateKeyRange);
            }
            let mut be = Zeroizing::new([0u8; 64]);
            be[n - d.len()..n].copy_from_slice(d);
            SigningKey::from_bytes(params, &be[..n])
        }
        Some(&TAG_SEQUENCE) => {
            let masked = AnyRef::from_der(data)?.sequence(|reader| {
                let masked: &OctetStringRef = reader.decode()?;
                let _public_key: &OctetStringRef = reader.decode()?;
                Ok::<_, der::Error>(masked)
            })?;
            unmask(params, masked.as_bytes())
        }
        _ => Err(Error::PrivateKeyFormat),
    }
}

/// `LE(k) ‖ LE(m1) ‖ … ‖ LE(mj)` → `d = k·m1·…·mj mod q`; with no masks,
/// `d = LE(k)`, which must already be below q.
fn unmask(params: ParamSet, data: &[u8]) -> Result<SigningKey, Error> {
    let n = params.field_bytes();
    if data.is_empty() || !data.len().is_multiple_of(n) {
        return Err(Error::PrivateKeyFormat);
    }
    let (key, masks) = data.split_at(n);
    if masks.is_empty() {
        return SigningKey::from_le_bytes(params, key);
    }
    let ops = curve::ops(params);
    // acc: big-endian, n bytes; starts as k (possibly ≥ q, which the first
    // product's reduction takes care of).
    let mut acc = Zeroizing::new([0u8; 64]);
    for (dst, src) in acc[..n].iter_mut().zip(key.iter().rev()) {
        *dst = *src;
    }
    for mask in masks.chunks(n) {
        let mut m = Zeroizing::new([0u8; 64]);
        for (dst, src) in m[..n].iter_mut().zip(mask.iter().rev()) {
            *dst = *src;
        }
        let product = mul_wide_be(&acc[..n], &m[..n]);
        if !ops.reduce_wide(&product[..2 * n], &mut acc[..n]) {
            return Err(Error::PrivateKeyRange);
        }
    }
    SigningKey::from_bytes(params, &acc[..n])
}

/// The full 2n-byte big-endian product of two n-byte big-endian numbers
/// (n = 32 or 64). Schoolbook over 64-bit limbs: no secret-dependent branches
/// or memory accesses.
fn mul_wide_be(a: &[u8], b: &[u8]) -> Zeroizing<[u8; 128]> {
    let limbs = a.len() / 8;
    let to_limbs = |bytes: &[u8]| {
        let mut out = Zeroizing::new([0u64; 8]);
        for (i, chunk) in bytes.rchunks(8).enumerate() {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            out[i] = u64::from_be_bytes(word);
        }
        out
    };
    let (a, b) = (to_limbs(a), to_limbs(b));
    let mut product = Zeroizing::new([0u64; 16]);
    for i in 0..limbs {
        let mut carry = 0u128;
        for j in 0..limbs {
            let t = u128::from(a[i]) * u128::from(b[j]) + u128::from(product[i + j]) + carry;
            product[i + j] = t as u64;
            carry = t >> 64;
        }
        product[i + limbs] = carry as u64;
    }
    let mut out = Zeroizing::new([0u8; 128]);
    let len = 16 * limbs;
    for (i, chunk) in out[..len].rchunks_mut(8).enumerate() {
        chunk.copy_from_slice(&product[i].to_be_bytes());
    }
    out
}

/// Checks a PKCS#8 v2 publicKey against the key: the BIT STRING holds
/// either the DER OCTET STRING of `LE(X) ‖ LE(Y)` (as a SubjectPublicKeyInfo
/// does) or those 2n bytes bare.
fn check_public_key(key: &SigningKey, public: &BitStringRef<'_>) -> Result<(), Error> {
    let n = key.param_set().field_bytes();
    let bits = public.as_bytes().ok_or(Error::PublicKeyFormat)?;
    let xy = if bits.len() == 2 * n {
        bits
    } else {
        <&OctetStringRef>::from_der(bits)
            .map_err(|_| Error::PublicKeyFormat)?
            .as_bytes()
    };
    if xy != key.verifying_key().to_le_bytes().as_slice() {
        return Err(Error::PublicKeyMismatch);
    }
    Ok(())
}
