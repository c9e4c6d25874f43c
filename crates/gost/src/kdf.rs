//! Key derivation functions built on Streebog:
//!
//! * PBKDF2 (RFC 8018 §5.2) with the PRF HMAC_GOSTR3411_2012_512, as
//!   R 50.1.111-2016 §4 and RFC 9337 define it for password-based keys (key
//!   containers, PKCS#12): [`pbkdf2_streebog512`];
//! * KDF_GOSTR3411_2012_256 (RFC 7836 §4.5, R 50.1.113-2016 §4.4):
//!   [`kdf_gostr3411_2012_256`];
//! * KDF_TREE_GOSTR3411_2012_256 (RFC 7836 §4.5, R 50.1.113-2016 §4.5):
//!   [`kdf_tree_gostr3411_2012_256`].

use zeroize::Zeroizing;

use crate::Error;
use crate::mac::Keyed;
use crate::streebog::{Streebog256, Streebog512};

/// Why a key-derivation function rejected its parameters
/// (carried by [`Error::KdfParameter`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KdfParam {
    /// PBKDF2 was asked for zero iterations; R 50.1.111-2016 requires c ≥ 1.
    #[error("the iteration count must be at least 1")]
    ZeroIterations,
    /// The requested output is empty or longer than the function's block
    /// counter can number.
    #[error("output length {requested} bytes is outside 1..={max}")]
    OutputLength {
        /// The number of bytes requested.
        requested: usize,
        /// The most bytes the function can produce with these parameters.
        max: u64,
    },
    /// KDF_TREE's counter length R was not 1, 2, 3 or 4 bytes.
    #[error("KDF_TREE counter length R = {0} is not 1..=4 bytes")]
    CounterLength(usize),
}

impl From<KdfParam> for Error {
    fn from(p: KdfParam) -> Self {
        Error::KdfParameter(p)
    }
}

/// Checks `1 <= len <= max` for an output buffer.
fn check_len(len: usize, max: u64) -> Result<(), KdfParam> {
    match u64::try_from(len) {
        Ok(l) if l >= 1 && l <= max => Ok(()),
        _ => Err(KdfParam::OutputLength {
            requested: len,
            max,
        }),
    }
}

/// PBKDF2-HMAC-Streebog-512 (R 50.1.111-2016 §4, RFC 9337 §4; the
/// algorithm of RFC 8018 §5.2 with PRF = HMAC_GOSTR3411_2012_512 and
/// hLen = 64): fills `out` with `DK = T_1 ‖ T_2 ‖ …`, where
/// `T_i = U_1 ⊕ … ⊕ U_c`, `U_1 = PRF(P, S ‖ INT(i))`, `U_j = PRF(P, U_(j−1))`
/// and `INT(i)` is `i` as 4 big-endian bytes.
///
/// # Errors
/// [`KdfParam::ZeroIterations`] if `iterations` is 0;
/// [`KdfParam::OutputLength`] if `out` is empty or longer than
/// (2^32 − 1) · 64 bytes.
pub fn pbkdf2_streebog512(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) -> Result<(), Error> {
    const MAX: u64 = u32::MAX as u64 * 64;
    if iterations == 0 {
        return Err(KdfParam::ZeroIterations.into());
    }
    check_len(out.len(), MAX)?;
    let out_len = out.len();
    let prf = Keyed::<Streebog512>::new(password);
    let mut u = Zeroizing::new([0u8; 64]);
    let mut next = Zeroizing::new([0u8; 64]);
    let mut t = Zeroizing::new([0u8; 64]);
    for (i, chunk) in out.chunks_mut(64).enumerate() {
        // At most 2^32 − 1 chunks (checked above), numbered from 1.
        let index = u32::try_from(i + 1).map_err(|_| KdfParam::OutputLength {
            requested: out_len,
            max: MAX,
        })?;
        prf.mac_into(&[salt, &index.to_be_bytes()], &mut u[..]);
        *t = *u;
        for _ in 1..iterations {
            prf.mac_into(&[&u[..]], &mut next[..]);
            core::mem::swap(&mut *u, &mut *next);
            t.iter_mut().zip(u.iter()).for_each(|(a, b)| *a ^= b);
        }
        chunk.copy_from_slice(&t[..chunk.len()]);
    }
    Ok(())
}

/// KDF_GOSTR3411_2012_256 (RFC 7836 §4.5, R 50.1.113-2016 §4.4):
/// `HMAC_GOSTR3411_2012_256(K_in, 0x01 ‖ label ‖ 0x00 ‖ seed ‖ 0x01 ‖ 0x00)`,
/// a 256-bit key. It is KDF_TREE with R = 1 and L = 256 producing one block.
pub fn kdf_gostr3411_2012_256(key: &[u8], label: &[u8], seed: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    Keyed::<Streebog256>::new(key)
        .mac_into(&[&[0x01], label, &[0x00], seed, &[0x01, 0x00]], &mut out);
    out
}

/// KDF_TREE_GOSTR3411_2012_256 (RFC 7836 §4.5, R 50.1.113-2016 §4.5): fills
/// `out` with `K(1) ‖ K(2) ‖ …`, where
/// `K(i) = HMAC_GOSTR3411_2012_256(K_in, [i]_b ‖ label ‖ 0x00 ‖ seed ‖ [L]_b)`,
/// `[i]_b` is the block number as `r` big-endian bytes, `L = 8 · out.len()`
/// is the output length in bits and `[L]_b` its big-endian bytes without
/// leading zero bytes (0x02 0x00 for the RFC's L = 512).
///
/// # Errors
/// [`KdfParam::CounterLength`] if `r` is not 1..=4;
/// [`KdfParam::OutputLength`] if `out` is empty or needs more than
/// 2^(8r) − 1 blocks of 32 bytes.
pub fn kdf_tree_gostr3411_2012_256(
    key: &[u8],
    label: &[u8],
    seed: &[u8],
    r: usize,
    out: &mut [u8],
) -> Result<(), Error> {
    if !(1..=4).contains(&r) {
        return Err(KdfParam::CounterLength(r).into());
    }
    let max = ((1u64 << (8 * r)) - 1) * 32;
    check_len(out.len(), max)?;
    // L fits in 40 bits: out.len() <= (2^32 − 1) · 32.
    let l_bits = (out.len() as u64) * 8;
    let l_be = l_bits.to_be_bytes();
    let l_b = &l_be[(l_bits.leading_zeros() / 8) as usize..];
    let prf = Keyed::<Streebog256>::new(key);
    let mut k = Zeroizing::new([0u8; 32]);
    for (i, chunk) in out.chunks_mut(32).enumerate() {
        // i + 1 < 2^(8r) (checked above), so its low r bytes are the whole number.
        let index = ((i as u64) + 1).to_be_bytes();
        prf.mac_into(&[&index[8 - r..], label, &[0x00], seed, l_b], &mut k[..]);
        chunk.copy_from_slice(&k[..chunk.len()]);
    }
    Ok(())
}
