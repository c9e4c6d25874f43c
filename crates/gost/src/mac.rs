//! HMAC-Streebog: HMAC_GOSTR3411_2012_256 and HMAC_GOSTR3411_2012_512
//! (RFC 7836 §4.1.1, R 50.1.113-2016 §4.1.1), the RFC 2104 construction
//! over [`Streebog256`] / [`Streebog512`] with their 64-byte block.
//!
//! [`HmacStreebog256`] and [`HmacStreebog512`] are the `hmac` crate's
//! [`hmac::Hmac`] over our hashes, for code generic over `digest::Mac`.
//! [`hmac_streebog256`] and [`hmac_streebog512`] compute one MAC over a
//! list of parts; they derive the padded key blocks themselves so that those
//! copies of the key are wiped afterwards (`hmac::Hmac::new_from_slice`
//! leaves them on the stack).

use digest::{Digest, Output, block_api::BlockSizeUser, consts::U64};
use zeroize::{Zeroize, Zeroizing};

use crate::streebog::{Streebog256, Streebog512};

/// HMAC_GOSTR3411_2012_256 (RFC 7836 §4.1.1) as an `hmac` crate MAC.
pub type HmacStreebog256 = hmac::Hmac<Streebog256>;

/// HMAC_GOSTR3411_2012_512 (RFC 7836 §4.1.1) as an `hmac` crate MAC.
pub type HmacStreebog512 = hmac::Hmac<Streebog512>;

/// HMAC_GOSTR3411_2012_512 of `key` over the concatenation of `parts`.
///
/// Keys of any length are accepted (RFC 2104: a key longer than the 64-byte
/// block is hashed first).
pub fn hmac_streebog512(key: &[u8], parts: &[&[u8]]) -> [u8; 64] {
    let mut out = [0u8; 64];
    Keyed::<Streebog512>::new(key).mac_into(parts, &mut out);
    out
}

/// HMAC_GOSTR3411_2012_256 of `key` over the concatenation of `parts`.
///
/// Keys of any length are accepted (RFC 2104: a key longer than the 64-byte
/// block is hashed first).
pub fn hmac_streebog256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut out = [0u8; 32];
    Keyed::<Streebog256>::new(key).mac_into(parts, &mut out);
    out
}

/// HMAC with the inner and outer hash states already keyed (each has
/// absorbed `K ⊕ ipad`, resp. `K ⊕ opad`), so that one key serves many
/// messages at the cost of two clones each: what PBKDF2 and KDF_TREE need.
///
/// Dropping it wipes both states (the hashes zeroize on drop).
#[derive(Clone)]
pub(crate) struct Keyed<D> {
    inner: D,
    outer: D,
}

impl<D> Keyed<D>
where
    D: Digest + BlockSizeUser<BlockSize = U64> + Clone,
{
    const IPAD: u8 = 0x36;
    const OPAD: u8 = 0x5c;

    /// Keys the two states (RFC 2104 §2).
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut block = Zeroizing::new([0u8; 64]);
        if key.len() > block.len() {
            let mut h = <D as Digest>::digest(key);
            block[..h.len()].copy_from_slice(&h);
            h.as_mut_slice().zeroize();
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        block.iter_mut().for_each(|b| *b ^= Self::IPAD);
        let mut inner = <D as Digest>::new();
        Digest::update(&mut inner, &block[..]);
        block.iter_mut().for_each(|b| *b ^= Self::IPAD ^ Self::OPAD);
        let mut outer = <D as Digest>::new();
        Digest::update(&mut outer, &block[..]);
        Self { inner, outer }
    }

    /// Writes the MAC over the concatenation of `parts` into `out`, whose
    /// length must be the hash's output size.
    pub(crate) fn mac_into(&self, parts: &[&[u8]], out: &mut [u8]) {
        let mut inner = self.inner.clone();
        for p in parts {
            Digest::update(&mut inner, p);
        }
        let mut ih = Output::<D>::default();
        Digest::finalize_into(inner, &mut ih);
        let mut outer = self.outer.clone();
        Digest::update(&mut outer, &ih);
        ih.as_mut_slice().zeroize();
        let mut oh = Output::<D>::default();
        Digest::finalize_into(outer, &mut oh);
        out.copy_from_slice(&oh);
        oh.as_mut_slice().zeroize();
    }
}
