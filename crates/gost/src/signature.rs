//! The GOST R 34.10-2012 signature value and its two byte layouts.

use crate::Error;

/// A GOST R 34.10-2012 signature: the pair (r, s).
///
/// The wire form used by X.509, CMS and JWT is `s ‖ r`, each half big-endian
/// and 32 or 64 bytes wide ([`Signature::from_bytes`], [`Signature::to_bytes`]).
/// Microsoft CryptoAPI and CryptoPro's "raw" interfaces (ESIA's
/// `client_secret` among them) use the same bytes reversed; convert
/// explicitly with [`Signature::from_raw_cryptoapi`] and
/// [`Signature::to_raw_cryptoapi`].
///
/// Range checks (1 ≤ r, s < q) need the curve and happen at verification.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    r: [u8; 64],
    s: [u8; 64],
    len: usize,
}

impl Signature {
    /// Builds a signature from big-endian `r` and `s` of equal width (32 or 64).
    pub fn from_scalars(r: &[u8], s: &[u8]) -> Result<Self, Error> {
        let len = r.len();
        if (len != 32 && len != 64) || s.len() != len {
            return Err(Error::Length {
                expected: if len == 64 { 64 } else { 32 },
                actual: s.len().max(len),
            });
        }
        let mut sig = Signature {
            r: [0; 64],
            s: [0; 64],
            len,
        };
        sig.r[..len].copy_from_slice(r);
        sig.s[..len].copy_from_slice(s);
        Ok(sig)
    }

    /// Parses the standard wire form `s ‖ r` (64 bytes for 256-bit keys,
    /// 128 for 512-bit keys).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        match bytes.len() {
            64 | 128 => {
                let half = bytes.len() / 2;
                Signature::from_scalars(&bytes[half..], &bytes[..half])
            }
            actual => Err(Error::Length {
                expected: if actual > 64 { 128 } else { 64 },
                actual,
            }),
        }
    }

    /// The standard wire form `s ‖ r`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 * self.len);
        out.extend_from_slice(self.s());
        out.extend_from_slice(self.r());
        out
    }

    /// Parses the byte-reversed CryptoAPI form (`LE(r) ‖ LE(s)`).
    pub fn from_raw_cryptoapi(bytes: &[u8]) -> Result<Self, Error> {
        let mut reversed = bytes.to_vec();
        reversed.reverse();
        Signature::from_bytes(&reversed)
    }

    /// The byte-reversed CryptoAPI form (`LE(r) ‖ LE(s)`).
    pub fn to_raw_cryptoapi(&self) -> Vec<u8> {
        let mut out = self.to_bytes();
        out.reverse();
        out
    }

    /// r, big-endian, field-wide.
    pub fn r(&self) -> &[u8] {
        &self.r[..self.len]
    }

    /// s, big-endian, field-wide.
    pub fn s(&self) -> &[u8] {
        &self.s[..self.len]
    }

    /// Width of each half in bytes: 32 or 64.
    pub fn scalar_len(&self) -> usize {
        self.len
    }
}

impl core::fmt::Debug for Signature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Signature")
            .field("r", &HexBytes(self.r()))
            .field("s", &HexBytes(self.s()))
            .finish()
    }
}

/// Formats public bytes as hex in `Debug` output.
pub(crate) struct HexBytes<'a>(pub(crate) &'a [u8]);

impl core::fmt::Debug for HexBytes<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}
