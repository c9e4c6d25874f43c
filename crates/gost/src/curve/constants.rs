//! Domain parameters of the GOST R 34.10-2012 curves.
//!
//! Sources: RFC 4357 §11.4 (CryptoPro A/B/C, XchA/XchB), RFC 7836 App. A.2
//! and R 1323565.1.024-2019 (tc26 256-A and 512-A/B/C), GOST R 34.10-2012
//! App. A (the two test curves; RFC 7091 §7). Each curve's parameters are
//! checked by unit tests: G on the curve, q·G = O, and the field kind.

use super::field::{Fe, FieldParams};
use super::{CurveParams, Tables};

/// Declares a prime field.
macro_rules! field {
    ($(#[$doc:meta])* $name:ident, $n:literal, $p:literal, $c:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default)]
        pub(crate) struct $name;
        impl FieldParams<$n> for $name {
            const P: [u64; $n] = crate::arith::from_hex($p);
            const PM_C: u64 = $c;
        }
    };
}

/// Declares a curve over a field, with its scalar field and lazily built tables.
macro_rules! curve {
    ($(#[$doc:meta])* $name:ident, $n:literal, $fp:ty, $scalar:ident, q: $q:literal,
     a: $a:literal, a_is_minus_3: $m3:literal, b: $b:literal, x: $x:literal, y: $y:literal, h: $h:literal) => {
        field!(
            #[doc = concat!("Scalars of [`", stringify!($name), "`].")]
            $scalar, $n, $q, 0
        );
        $(#[$doc])*
        #[derive(Clone, Copy, Default)]
        pub(crate) struct $name;
        impl CurveParams<$n> for $name {
            type F = $fp;
            type S = $scalar;
            const A: Fe<$n, $fp> = Fe::from_hex($a);
            const B: Fe<$n, $fp> = Fe::from_hex($b);
            const A_IS_MINUS_3: bool = $m3;
            const GX: Fe<$n, $fp> = Fe::from_hex($x);
            const GY: Fe<$n, $fp> = Fe::from_hex($y);
            const COFACTOR: u64 = $h;
            fn tables() -> &'static Tables<$n, Self> {
                static TABLES: std::sync::OnceLock<Tables<$n, $name>> = std::sync::OnceLock::new();
                TABLES.get_or_init(Tables::build)
            }
        }
    };
}

field!(
    /// The base field of test paramset (GOST R 34.10-2012 A.1): Montgomery arithmetic.
    FpTest256, 4, "8000000000000000000000000000000000000000000000000000000000000431", 0
);

curve!(
    /// test paramset (GOST R 34.10-2012 A.1).
    CurveTest256, 4, FpTest256, FqTest256,
    q: "8000000000000000000000000000000150fe8a1892976154c59cfc193accf5b3",
    a: "0000000000000000000000000000000000000000000000000000000000000007",
    a_is_minus_3: false,
    b: "5fbff498aa938ce739b8e022fbafef40563f6e6a3472fc2a514c0ce9dae23b7e",
    x: "0000000000000000000000000000000000000000000000000000000000000002",
    y: "08e2a8a0e65147d4bd6316030e16d19c85c97f0a9ca267122b96abbcea7e8fc8",
    h: 1
);

field!(
    /// The base field of CryptoPro-A and tc26-256-A: 2^256 − 617, pseudo-Mersenne.
    Fp256Pm, 4, "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd97", 617
);

curve!(
    /// CryptoPro-A = XchA = tc26-256-B.
    CurveCryptoProA, 4, Fp256Pm, FqCryptoProA,
    q: "ffffffffffffffffffffffffffffffff6c611070995ad10045841b09b761b893",
    a: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd94",
    a_is_minus_3: true,
    b: "00000000000000000000000000000000000000000000000000000000000000a6",
    x: "0000000000000000000000000000000000000000000000000000000000000001",
    y: "8d91e471e0989cda27df505a453f2b7635294f2ddf23e3b122acc99c9e9f1e14",
    h: 1
);

field!(
    /// The base field of CryptoPro-B = tc26-256-C: Montgomery arithmetic.
    FpCryptoProB, 4, "8000000000000000000000000000000000000000000000000000000000000c99", 0
);

curve!(
    /// CryptoPro-B = tc26-256-C.
    CurveCryptoProB, 4, FpCryptoProB, FqCryptoProB,
    q: "800000000000000000000000000000015f700cfff1a624e5e497161bcc8a198f",
    a: "8000000000000000000000000000000000000000000000000000000000000c96",
    a_is_minus_3: true,
    b: "3e1af419a269a5f866a7d3c25c3df80ae979259373ff2b182f49d4ce7e1bbc8b",
    x: "0000000000000000000000000000000000000000000000000000000000000001",
    y: "3fa8124359f96680b83d1c3eb2c070e5c545c9858d03ecfb744bf8d717717efc",
    h: 1
);

field!(
    /// The base field of CryptoPro-C = XchB = tc26-256-D: Montgomery arithmetic.
    FpCryptoProC, 4, "9b9f605f5a858107ab1ec85e6b41c8aacf846e86789051d37998f7b9022d759b", 0
);

curve!(
    /// CryptoPro-C = XchB = tc26-256-D.
    CurveCryptoProC, 4, FpCryptoProC, FqCryptoProC,
    q: "9b9f605f5a858107ab1ec85e6b41c8aa582ca3511eddfb74f02f3a6598980bb9",
    a: "9b9f605f5a858107ab1ec85e6b41c8aacf846e86789051d37998f7b9022d7598",
    a_is_minus_3: true,
    b: "000000000000000000000000000000000000000000000000000000000000805a",
    x: "0000000000000000000000000000000000000000000000000000000000000000",
    y: "41ece55743711a8c3cbf3783cd08c0ee4d4dc440d4641a8f366e550dfdb3bb67",
    h: 1
);

curve!(
    /// tc26-256-A (twisted Edwards, cofactor 4).
    CurveTc26A256, 4, Fp256Pm, FqTc26A256,
    q: "400000000000000000000000000000000fd8cddfc87b6635c115af556c360c67",
    a: "c2173f1513981673af4892c23035a27ce25e2013bf95aa33b22c656f277e7335",
    a_is_minus_3: false,
    b: "295f9bae7428ed9ccc20e7c359a9d41a22fccd9108e17bf7ba9337a6f8ae9513",
    x: "91e38443a5e82c0d880923425712b2bb658b9196932e02c78b2582fe742daa28",
    y: "32879423ab1a0375895786c4bb46e9565fde0b5344766740af268adb32322e5c",
    h: 4
);

field!(
    /// The base field of tc26-512-paramSetTest (GOST R 34.10-2012 A.2): Montgomery arithmetic.
    FpTest512, 8, "4531acd1fe0023c7550d267b6b2fee80922b14b2ffb90f04d4eb7c09b5d2d15df1d852741af4704a0458047e80e4546d35b8336fac224dd81664bbf528be6373", 0
);

curve!(
    /// tc26-512-paramSetTest (GOST R 34.10-2012 A.2).
    CurveTest512, 8, FpTest512, FqTest512,
    q: "4531acd1fe0023c7550d267b6b2fee80922b14b2ffb90f04d4eb7c09b5d2d15da82f2d7ecb1dbac719905c5eecc423f1d86e25edbe23c595d644aaf187e6e6df",
    a: "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007",
    a_is_minus_3: false,
    b: "1cff0806a31116da29d8cfa54e57eb748bc5f377e49400fdd788b649eca1ac4361834013b2ad7322480a89ca58e0cf74bc9e540c2add6897fad0a3084f302adc",
    x: "24d19cc64572ee30f396bf6ebbfd7a6c5213b3b3d7057cc825f91093a68cd762fd60611262cd838dc6b60aa7eee804e28bc849977fac33b4b530f1b120248a9a",
    y: "2bb312a43bd2ce6e0d020613c857acddcfbf061e91e5f2c3f32447c259f39b2c83ab156d77f1496bf7eb3351e1ee4e43dc1a18b91b24640b6dbb92cb1add371e",
    h: 1
);

field!(
    /// The base field of tc26-512-A and tc26-512-C: 2^512 − 569, pseudo-Mersenne.
    Fp512Pm, 8, "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffdc7", 569
);

curve!(
    /// tc26-512-A.
    CurveTc26A512, 8, Fp512Pm, FqTc26A512,
    q: "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff27e69532f48d89116ff22b8d4e0560609b4b38abfad2b85dcacdb1411f10b275",
    a: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffdc4",
    a_is_minus_3: true,
    b: "e8c2505dedfc86ddc1bd0b2b6667f1da34b82574761cb0e879bd081cfd0b6265ee3cb090f30d27614cb4574010da90dd862ef9d4ebee4761503190785a71c760",
    x: "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003",
    y: "7503cfe87a836ae3a61b8816e25450e6ce5e1c93acf1abc1778064fdcbefa921df1626be4fd036e93d75e6a50e3a41e98028fe5fc235f5b889a589cb5215f2a4",
    h: 1
);

field!(
    /// The base field of tc26-512-B: Montgomery arithmetic.
    FpTc26B512, 8, "8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006f", 0
);

curve!(
    /// tc26-512-B.
    CurveTc26B512, 8, FpTc26B512, FqTc26B512,
    q: "800000000000000000000000000000000000000000000000000000000000000149a1ec142565a545acfdb77bd9d40cfa8b996712101bea0ec6346c54374f25bd",
    a: "8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006c",
    a_is_minus_3: true,
    b: "687d1b459dc841457e3e06cf6f5e2517b97c7d614af138bcbf85dc806c4b289f3e965d2db1416d217f8b276fad1ab69c50f78bee1fa3106efb8ccbc7c5140116",
    x: "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002",
    y: "1a8f7eda389b094c2c071e3647a8940f3c123b697578c213be6dd9e6c8ec7335dcb228fd1edf4a39152cbcaaf8c0398828041055f94ceeec7e21340780fe41bd",
    h: 1
);

curve!(
    /// tc26-512-C (twisted Edwards, cofactor 4).
    CurveTc26C512, 8, Fp512Pm, FqTc26C512,
    q: "3fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc98cdba46506ab004c33a9ff5147502cc8eda9e7a769a12694623cef47f023ed",
    a: "dc9203e514a721875485a529d2c722fb187bc8980eb866644de41c68e143064546e861c0e2c9edd92ade71f46fcf50ff2ad97f951fda9f2a2eb6546f39689bd3",
    a_is_minus_3: false,
    b: "b4c4ee28cebc6c2c8ac12952cf37f16ac7efb6a9f69f4b57ffda2e4f0de5ade038cbc2fff719d2c18de0284b8bfef3b52b8cc7a5f5bf0a3c8d2319a5312557e1",
    x: "e2e31edfc23de7bdebe241ce593ef5de2295b7a9cbaef021d385f7074cea043aa27272a7ae602bf2a7b9033db9ed3610c6fb85487eae97aac5bc7928c1950148",
    y: "f5ce40d95b5eb899abbccff5911cb8577939804d6527378b8c108c3d2090ff9be18e2d33e3021ed2ef32d85822423b6304f726aa854bae07d0396e9a9addc40f",
    h: 4
);
