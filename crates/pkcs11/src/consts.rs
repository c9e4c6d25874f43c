//! The TC26 vendor-defined PKCS#11 constants for GOST R 34.10-2012 and
//! GOST R 34.11-2012, which `cryptoki-sys` (the OASIS headers) lacks.
//!
//! Source: TC26 "Guidelines: the PKCS#11 extensions for implementing the
//! GOST R 34.10-2012 and GOST R 34.11-2012 Russian standards" (R 1323565.1.012),
//! as OpenSC's `pkcs11.h` and Rutoken's/JaCarta's headers spell them: the
//! vendor prefix `NSSCK_VENDOR_PKCS11_RU_TEAM` = `0x80000000 | 0x54321000`.
//! 256-bit keys use the standard `CKK_GOSTR3410`, `CKM_GOSTR3410_KEY_PAIR_GEN`
//! and `CKM_GOSTR3410` (0x30, 0x1200, 0x1201) with a GOST R 34.11-2012 OID in
//! `CKA_GOSTR3411_PARAMS`.

use const_oid::ObjectIdentifier;
use cryptoki_sys::{CK_KEY_TYPE, CK_MECHANISM_TYPE, CK_ULONG};

/// The TC26 vendor prefix (`CKK_VENDOR_DEFINED | 0x54321000`).
pub const NSSCK_VENDOR_PKCS11_RU_TEAM: CK_ULONG = 0xD432_1000;
/// Key type of 512-bit GOST R 34.10-2012 keys.
pub const CKK_GOSTR3410_512: CK_KEY_TYPE = NSSCK_VENDOR_PKCS11_RU_TEAM | 0x003;
/// Generation of 512-bit GOST R 34.10-2012 key pairs.
pub const CKM_GOSTR3410_512_KEY_PAIR_GEN: CK_MECHANISM_TYPE = NSSCK_VENDOR_PKCS11_RU_TEAM | 0x005;
/// GOST R 34.10-2012 512-bit signature over a 64-octet digest (no hashing).
pub const CKM_GOSTR3410_512: CK_MECHANISM_TYPE = NSSCK_VENDOR_PKCS11_RU_TEAM | 0x006;
/// GOST R 34.10-2012 256-bit signature with Streebog-256 hashing.
pub const CKM_GOSTR3410_WITH_GOSTR3411_12_256: CK_MECHANISM_TYPE =
    NSSCK_VENDOR_PKCS11_RU_TEAM | 0x008;
/// GOST R 34.10-2012 512-bit signature with Streebog-512 hashing.
pub const CKM_GOSTR3410_WITH_GOSTR3411_12_512: CK_MECHANISM_TYPE =
    NSSCK_VENDOR_PKCS11_RU_TEAM | 0x009;
/// GOST R 34.11-2012 (Streebog) 256-bit digest.
pub const CKM_GOSTR3411_12_256: CK_MECHANISM_TYPE = NSSCK_VENDOR_PKCS11_RU_TEAM | 0x012;
/// GOST R 34.11-2012 (Streebog) 512-bit digest.
pub const CKM_GOSTR3411_12_512: CK_MECHANISM_TYPE = NSSCK_VENDOR_PKCS11_RU_TEAM | 0x013;

/// id-tc26-gost3411-12-256 (1.2.643.7.1.1.2.2), the `CKA_GOSTR3411_PARAMS`
/// of 256-bit keys.
pub const STREEBOG256_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.7.1.1.2.2");
/// id-tc26-gost3411-12-512 (1.2.643.7.1.1.2.3), the `CKA_GOSTR3411_PARAMS`
/// of 512-bit keys.
pub const STREEBOG512_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.7.1.1.2.3");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_tc26_headers() {
        // The numbers OpenSC's pkcs11-tool prints for these mechanisms.
        assert_eq!(CKK_GOSTR3410_512, 0xD432_1003);
        assert_eq!(CKM_GOSTR3410_512_KEY_PAIR_GEN, 0xD432_1005);
        assert_eq!(CKM_GOSTR3410_512, 0xD432_1006);
        assert_eq!(CKM_GOSTR3410_WITH_GOSTR3411_12_256, 0xD432_1008);
        assert_eq!(CKM_GOSTR3410_WITH_GOSTR3411_12_512, 0xD432_1009);
        assert_eq!(CKM_GOSTR3411_12_256, 0xD432_1012);
        assert_eq!(CKM_GOSTR3411_12_512, 0xD432_1013);
    }
}
