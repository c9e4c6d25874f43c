//! Private and public GOST R 34.10-2012 keys, signing and verification.

use zeroize::Zeroizing;

use crate::curve;
use crate::signature::HexBytes;
use crate::{Error, ParamSet, Signature};

/// A GOST R 34.10-2012 private key: a scalar d with 1 ≤ d < q.
///
/// The scalar is zeroized on drop and never shown by `Debug`.
#[derive(Clone)]
pub struct SigningKey {
    params: ParamSet,
    /// d, big-endian, in the first `params.field_bytes()` bytes.
    d: Zeroizing<[u8; 64]>,
}

impl SigningKey {
    /// Generates a fresh key from the operating system's random generator.
    pub fn generate(params: ParamSet) -> Result<Self, Error> {
        let ops = curve::ops(params);
        loop {
            let mut wide = Zeroizing::new([0u8; 128]);
            let n = 2 * params.field_bytes();
            getrandom::fill(&mut wide[..n]).map_err(|_| Error::Rng)?;
            let mut d = Zeroizing::new([0u8; 64]);
            if ops.reduce_wide(&wide[..n], &mut d[..params.field_bytes()]) {
                return Ok(SigningKey { params, d });
            }
        }
    }

    /// Builds a key from its big-endian scalar (exactly 32 or 64 bytes).
    pub fn from_bytes(params: ParamSet, d: &[u8]) -> Result<Self, Error> {
        let len = params.field_bytes();
        if d.len() != len {
            return Err(Error::Length {
                expected: len,
                actual: d.len(),
            });
        }
        if !curve::ops(params).scalar_in_range(d) {
            return Err(Error::PrivateKeyRange);
        }
        let mut key = Zeroizing::new([0u8; 64]);
        key[..len].copy_from_slice(d);
        Ok(SigningKey { params, d: key })
    }

    /// Builds a key from its little-endian scalar, the form PKCS#8 and the
    /// GOST engine's key files carry.
    pub fn from_le_bytes(params: ParamSet, d: &[u8]) -> Result<Self, Error> {
        let mut be = Zeroizing::new(d.to_vec());
        be.reverse();
        SigningKey::from_bytes(params, &be)
    }

    /// Builds the key `d = k·m⁻¹ mod q` from a masked scalar `k` and its mask
    /// `m`, both little-endian and as wide as the field: how CryptoPro CSP's
    /// key containers store a key (`primary.key` holds k, `masks.key` m).
    pub fn from_masked_le(params: ParamSet, masked: &[u8], mask: &[u8]) -> Result<Self, Error> {
        let len = params.field_bytes();
        for part in [masked, mask] {
            if part.len() != len {
                return Err(Error::Length {
                    expected: len,
                    actual: part.len(),
                });
            }
        }
        let mut k = Zeroizing::new([0u8; 64]);
        let mut m = Zeroizing::new([0u8; 64]);
        for (dst, src) in k[..len].iter_mut().zip(masked.iter().rev()) {
            *dst = *src;
        }
        for (dst, src) in m[..len].iter_mut().zip(mask.iter().rev()) {
            *dst = *src;
        }
        let mut d = Zeroizing::new([0u8; 64]);
        if !curve::ops(params).div_scalars(&k[..len], &m[..len], &mut d[..len]) {
            return Err(Error::PrivateKeyRange);
        }
        Ok(SigningKey { params, d })
    }

    /// The scalar, big-endian. Handle with care: it is the secret.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.scalar().to_vec())
    }

    /// The scalar, little-endian. Handle with care: it is the secret.
    pub fn to_le_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut le = self.to_bytes();
        le.reverse();
        le
    }

    /// The parameter set the key belongs to.
    pub fn param_set(&self) -> ParamSet {
        self.params
    }

    /// The matching public key Q = d·G.
    pub fn verifying_key(&self) -> VerifyingKey {
        let len = self.params.field_bytes();
        let mut vk = VerifyingKey {
            params: self.params,
            x: [0; 64],
            y: [0; 64],
        };
        curve::ops(self.params).public_key(self.scalar(), &mut vk.x[..len], &mut vk.y[..len]);
        vk
    }

    /// Signs a digest (the hash output bytes, read little-endian).
    ///
    /// The nonce is hedged: derived with HMAC-Streebog-512 from the key, the
    /// digest and 32 fresh random bytes, so that neither a broken random
    /// generator nor a repeated digest can reveal the key.
    pub fn sign_digest(&self, digest: &[u8]) -> Result<Signature, Error> {
        let mut entropy = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut entropy[..]).map_err(|_| Error::Rng)?;
        self.sign_digest_with_entropy(digest, &entropy[..])
    }

    /// Signs a digest with caller-supplied extra entropy mixed into the nonce
    /// derivation. With the same entropy the signature is the same, which is
    /// what tests want; production code calls [`SigningKey::sign_digest`].
    pub fn sign_digest_with_entropy(
        &self,
        digest: &[u8],
        entropy: &[u8],
    ) -> Result<Signature, Error> {
        self.check_digest(digest)?;
        let len = self.params.field_bytes();
        let key_le = self.to_le_bytes();
        for counter in 0u32.. {
            // 2·len uniform bytes, reduced mod q: the bias is below 2^-256.
            let mut wide = Zeroizing::new([0u8; 128]);
            for (block, chunk) in wide[..2 * len].chunks_mut(64).enumerate() {
                let mac = Zeroizing::new(crate::mac::hmac_streebog512(
                    &key_le,
                    &[
                        b"podpis-gost nonce",
                        &counter.to_be_bytes(),
                        &[block as u8],
                        digest,
                        entropy,
                    ],
                ));
                chunk.copy_from_slice(&mac[..chunk.len()]);
            }
            let mut k = Zeroizing::new([0u8; 64]);
            if !curve::ops(self.params).reduce_wide(&wide[..2 * len], &mut k[..len]) {
                continue;
            }
            if let Some(sig) = self.sign_with_k(digest, &k[..len]) {
                return Ok(sig);
            }
        }
        unreachable!("a nonce with r, s != 0 is found within a few tries")
    }

    /// Signs with a caller-chosen nonce k (big-endian, 1 ≤ k < q).
    ///
    /// **Hazardous:** reusing k, or a predictable k, reveals the private key.
    /// This exists for the standard's known-answer tests.
    #[doc(hidden)]
    pub fn sign_digest_with_nonce(&self, digest: &[u8], k: &[u8]) -> Result<Signature, Error> {
        self.check_digest(digest)?;
        if k.len() != self.params.field_bytes() || !curve::ops(self.params).scalar_in_range(k) {
            return Err(Error::PrivateKeyRange);
        }
        self.sign_with_k(digest, k).ok_or(Error::SignatureRange)
    }

    fn sign_with_k(&self, digest: &[u8], k: &[u8]) -> Option<Signature> {
        let len = self.params.field_bytes();
        let mut r = [0u8; 64];
        let mut s = [0u8; 64];
        curve::ops(self.params)
            .sign(self.scalar(), digest, k, &mut r[..len], &mut s[..len])
            .then(|| Signature::from_scalars(&r[..len], &s[..len]).ok())
            .flatten()
    }

    fn check_digest(&self, digest: &[u8]) -> Result<(), Error> {
        let len = self.params.field_bytes();
        if digest.len() != len {
            return Err(Error::Length {
                expected: len,
                actual: digest.len(),
            });
        }
        Ok(())
    }

    fn scalar(&self) -> &[u8] {
        &self.d[..self.params.field_bytes()]
    }
}

impl core::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SigningKey")
            .field("params", &self.params)
            .field("d", &"<redacted>")
            .finish()
    }
}

/// A validated GOST R 34.10-2012 public key Q.
///
/// Every constructor checks that Q is a point of the curve, not the point at
/// infinity, and of order q (which matters on the cofactor-4 curves).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VerifyingKey {
    params: ParamSet,
    x: [u8; 64],
    y: [u8; 64],
}

impl VerifyingKey {
    /// Builds a key from its affine coordinates, big-endian, field-wide.
    pub fn from_affine(params: ParamSet, x: &[u8], y: &[u8]) -> Result<Self, Error> {
        let len = params.field_bytes();
        for c in [x, y] {
            if c.len() != len {
                return Err(Error::Length {
                    expected: len,
                    actual: c.len(),
                });
            }
        }
        // (0, 0) is the customary encoding of the point at infinity.
        if x.iter().chain(y).all(|&b| b == 0) {
            return Err(Error::PublicKeyInfinity);
        }
        curve::ops(params).validate_public(x, y)?;
        let mut vk = VerifyingKey {
            params,
            x: [0; 64],
            y: [0; 64],
        };
        vk.x[..len].copy_from_slice(x);
        vk.y[..len].copy_from_slice(y);
        Ok(vk)
    }

    /// Parses `LE(X) ‖ LE(Y)`, the content of the OCTET STRING inside a GOST
    /// SubjectPublicKeyInfo (RFC 9215 §4.3).
    pub fn from_le_bytes(params: ParamSet, xy: &[u8]) -> Result<Self, Error> {
        let len = params.field_bytes();
        if xy.len() != 2 * len {
            return Err(Error::Length {
                expected: 2 * len,
                actual: xy.len(),
            });
        }
        let mut x = xy[..len].to_vec();
        let mut y = xy[len..].to_vec();
        x.reverse();
        y.reverse();
        VerifyingKey::from_affine(params, &x, &y)
    }

    /// `LE(X) ‖ LE(Y)`, as a SubjectPublicKeyInfo carries it.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        let mut out: Vec<u8> = self.x().iter().rev().copied().collect();
        out.extend(self.y().iter().rev());
        out
    }

    /// The parameter set the key belongs to.
    pub fn param_set(&self) -> ParamSet {
        self.params
    }

    /// X, big-endian, field-wide.
    pub fn x(&self) -> &[u8] {
        &self.x[..self.params.field_bytes()]
    }

    /// Y, big-endian, field-wide.
    pub fn y(&self) -> &[u8] {
        &self.y[..self.params.field_bytes()]
    }

    /// Checks a signature over a digest (the hash output bytes, read
    /// little-endian).
    pub fn verify_digest(&self, digest: &[u8], signature: &Signature) -> Result<(), Error> {
        let len = self.params.field_bytes();
        if digest.len() != len {
            return Err(Error::Length {
                expected: len,
                actual: digest.len(),
            });
        }
        if signature.scalar_len() != len {
            return Err(Error::Length {
                expected: 2 * len,
                actual: 2 * signature.scalar_len(),
            });
        }
        curve::ops(self.params).verify(self.x(), self.y(), digest, signature.r(), signature.s())
    }
}

impl core::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("params", &self.params)
            .field("x", &HexBytes(self.x()))
            .field("y", &HexBytes(self.y()))
            .finish()
    }
}
