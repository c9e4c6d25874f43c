//! The GOST R 34.10-2012 parameter sets: names, object identifiers, sizes.
//!
//! Several object identifiers name the same curve (CryptoPro-A = XchA =
//! tc26-256-B, and so on). They stay distinct [`ParamSet`]s because the OID a
//! key was made with is what its SubjectPublicKeyInfo must carry back, but
//! they share one implementation and one precomputed table.

use const_oid::ObjectIdentifier;

/// The two key sizes of GOST R 34.10-2012.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeySize {
    /// 256-bit keys, signed with Streebog-256 digests (gost2012_256).
    Bits256,
    /// 512-bit keys, signed with Streebog-512 digests (gost2012_512).
    Bits512,
}

impl KeySize {
    /// Bytes in one field element, one scalar and one digest: 32 or 64.
    pub const fn field_bytes(self) -> usize {
        match self {
            KeySize::Bits256 => 32,
            KeySize::Bits512 => 64,
        }
    }
}

/// A named GOST R 34.10-2012 elliptic-curve parameter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamSet {
    /// id-GostR3410-2001-TestParamSet (1.2.643.2.2.35.0), the standard's
    /// 256-bit example curve. For known-answer tests only.
    Test256,
    /// id-GostR3410-2001-CryptoPro-A-ParamSet (1.2.643.2.2.35.1); OpenSSL "A".
    CryptoProA,
    /// id-GostR3410-2001-CryptoPro-B-ParamSet (1.2.643.2.2.35.2); OpenSSL "B".
    CryptoProB,
    /// id-GostR3410-2001-CryptoPro-C-ParamSet (1.2.643.2.2.35.3); OpenSSL "C".
    CryptoProC,
    /// id-GostR3410-2001-CryptoPro-XchA-ParamSet (1.2.643.2.2.36.0); the
    /// CryptoPro-A curve. OpenSSL "XA".
    CryptoProXchA,
    /// id-GostR3410-2001-CryptoPro-XchB-ParamSet (1.2.643.2.2.36.1); the
    /// CryptoPro-C curve. OpenSSL "XB".
    CryptoProXchB,
    /// id-tc26-gost-3410-2012-256-paramSetA (1.2.643.7.1.2.1.1.1), a twisted
    /// Edwards curve with cofactor 4. OpenSSL "TCA".
    Tc26A256,
    /// id-tc26-gost-3410-2012-256-paramSetB (1.2.643.7.1.2.1.1.2); the
    /// CryptoPro-A curve. OpenSSL "TCB".
    Tc26B256,
    /// id-tc26-gost-3410-2012-256-paramSetC (1.2.643.7.1.2.1.1.3); the
    /// CryptoPro-B curve. OpenSSL "TCC".
    Tc26C256,
    /// id-tc26-gost-3410-2012-256-paramSetD (1.2.643.7.1.2.1.1.4); the
    /// CryptoPro-C curve. OpenSSL "TCD".
    Tc26D256,
    /// id-tc26-gost-3410-2012-512-paramSetTest (1.2.643.7.1.2.1.2.0), the
    /// standard's 512-bit example curve. For known-answer tests only.
    Test512,
    /// id-tc26-gost-3410-2012-512-paramSetA (1.2.643.7.1.2.1.2.1); OpenSSL "A".
    Tc26A512,
    /// id-tc26-gost-3410-2012-512-paramSetB (1.2.643.7.1.2.1.2.2); OpenSSL "B".
    Tc26B512,
    /// id-tc26-gost-3410-2012-512-paramSetC (1.2.643.7.1.2.1.2.3), a twisted
    /// Edwards curve with cofactor 4. OpenSSL "C".
    Tc26C512,
}

impl ParamSet {
    /// Every parameter set, test sets included.
    pub const ALL: [ParamSet; 14] = [
        ParamSet::Test256,
        ParamSet::CryptoProA,
        ParamSet::CryptoProB,
        ParamSet::CryptoProC,
        ParamSet::CryptoProXchA,
        ParamSet::CryptoProXchB,
        ParamSet::Tc26A256,
        ParamSet::Tc26B256,
        ParamSet::Tc26C256,
        ParamSet::Tc26D256,
        ParamSet::Test512,
        ParamSet::Tc26A512,
        ParamSet::Tc26B512,
        ParamSet::Tc26C512,
    ];

    /// The parameter sets meant for real keys (all but the two test sets), in
    /// the order `podpis speed` and OpenSSL list them.
    pub const PRODUCTION: [ParamSet; 12] = [
        ParamSet::CryptoProA,
        ParamSet::CryptoProB,
        ParamSet::CryptoProC,
        ParamSet::CryptoProXchA,
        ParamSet::CryptoProXchB,
        ParamSet::Tc26A256,
        ParamSet::Tc26B256,
        ParamSet::Tc26C256,
        ParamSet::Tc26D256,
        ParamSet::Tc26A512,
        ParamSet::Tc26B512,
        ParamSet::Tc26C512,
    ];

    /// The key size this parameter set belongs to.
    pub const fn key_size(self) -> KeySize {
        match self {
            ParamSet::Test512 | ParamSet::Tc26A512 | ParamSet::Tc26B512 | ParamSet::Tc26C512 => {
                KeySize::Bits512
            }
            _ => KeySize::Bits256,
        }
    }

    /// Bytes in a field element, a scalar and a digest: 32 or 64.
    pub const fn field_bytes(self) -> usize {
        self.key_size().field_bytes()
    }

    /// The object identifier of the parameter set.
    pub const fn oid(self) -> ObjectIdentifier {
        match self {
            ParamSet::Test256 => ObjectIdentifier::new_unwrap("1.2.643.2.2.35.0"),
            ParamSet::CryptoProA => ObjectIdentifier::new_unwrap("1.2.643.2.2.35.1"),
            ParamSet::CryptoProB => ObjectIdentifier::new_unwrap("1.2.643.2.2.35.2"),
            ParamSet::CryptoProC => ObjectIdentifier::new_unwrap("1.2.643.2.2.35.3"),
            ParamSet::CryptoProXchA => ObjectIdentifier::new_unwrap("1.2.643.2.2.36.0"),
            ParamSet::CryptoProXchB => ObjectIdentifier::new_unwrap("1.2.643.2.2.36.1"),
            ParamSet::Tc26A256 => ObjectIdentifier::new_unwrap("1.2.643.7.1.2.1.1.1"),
            ParamSet::Tc26B256 => ObjectIdentifier::new_unwrap("1.2.643.7.1.2.1.1.2"),
            ParamSet::Tc26C256 => ObjectIdentifier::new_unwrap("1.2.643.7.1.2.1.1.3"),
            ParamSet::Tc26D256 => ObjectIdentifier::new_unwrap("1.2.643.7.1.2.1.1.4"),
            ParamSet::Test512 => ObjectIdentifier::new_unwrap("1.2.643.7.1.2.1.2.0"),
            ParamSet::Tc26A512 => ObjectIdentifier::new_unwrap("1.2.643.7.1.2.1.2.1"),
            ParamSet::Tc26B512 => ObjectIdentifier::new_unwrap("1.2.643.7.1.2.1.2.2"),
            ParamSet::Tc26C512 => ObjectIdentifier::new_unwrap("1.2.643.7.1.2.1.2.3"),
        }
    }

    /// The parameter set an object identifier names, if any.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<ParamSet> {
        ParamSet::ALL.into_iter().find(|p| p.oid() == *oid)
    }

    /// The name OpenSSL's GOST engine uses in `-pkeyopt paramset:NAME`
    /// (A, B, C, XA, XB, TCA, TCB, TCC, TCD for 256 bits; A, B, C for 512).
    /// The test sets have none.
    pub const fn openssl_name(self) -> Option<&'static str> {
        Some(match self {
            ParamSet::CryptoProA | ParamSet::Tc26A512 => "A",
            ParamSet::CryptoProB | ParamSet::Tc26B512 => "B",
            ParamSet::CryptoProC | ParamSet::Tc26C512 => "C",
            ParamSet::CryptoProXchA => "XA",
            ParamSet::CryptoProXchB => "XB",
            ParamSet::Tc26A256 => "TCA",
            ParamSet::Tc26B256 => "TCB",
            ParamSet::Tc26C256 => "TCC",
            ParamSet::Tc26D256 => "TCD",
            ParamSet::Test256 | ParamSet::Test512 => return None,
        })
    }

    /// A short label such as `256-A` or `512-C` (OpenSSL's name behind the key
    /// size; `256-TEST`/`512-TEST` for the test sets), as `podpis speed` prints.
    pub fn label(self) -> String {
        let bits = match self.key_size() {
            KeySize::Bits256 => "256",
            KeySize::Bits512 => "512",
        };
        format!("{bits}-{}", self.openssl_name().unwrap_or("TEST"))
    }

    /// Parses a label as [`ParamSet::label`] prints it (case-insensitive).
    pub fn from_label(label: &str) -> Option<ParamSet> {
        ParamSet::ALL
            .into_iter()
            .find(|p| p.label().eq_ignore_ascii_case(label))
    }

    /// The standard name of the parameter set, e.g.
    /// `id-tc26-gost-3410-2012-512-paramSetA`.
    pub const fn name(self) -> &'static str {
        match self {
            ParamSet::Test256 => "id-GostR3410-2001-TestParamSet",
            ParamSet::CryptoProA => "id-GostR3410-2001-CryptoPro-A-ParamSet",
            ParamSet::CryptoProB => "id-GostR3410-2001-CryptoPro-B-ParamSet",
            ParamSet::CryptoProC => "id-GostR3410-2001-CryptoPro-C-ParamSet",
            ParamSet::CryptoProXchA => "id-GostR3410-2001-CryptoPro-XchA-ParamSet",
            ParamSet::CryptoProXchB => "id-GostR3410-2001-CryptoPro-XchB-ParamSet",
            ParamSet::Tc26A256 => "id-tc26-gost-3410-2012-256-paramSetA",
            ParamSet::Tc26B256 => "id-tc26-gost-3410-2012-256-paramSetB",
            ParamSet::Tc26C256 => "id-tc26-gost-3410-2012-256-paramSetC",
            ParamSet::Tc26D256 => "id-tc26-gost-3410-2012-256-paramSetD",
            ParamSet::Test512 => "id-tc26-gost-3410-2012-512-paramSetTest",
            ParamSet::Tc26A512 => "id-tc26-gost-3410-2012-512-paramSetA",
            ParamSet::Tc26B512 => "id-tc26-gost-3410-2012-512-paramSetB",
            ParamSet::Tc26C512 => "id-tc26-gost-3410-2012-512-paramSetC",
        }
    }
}

impl core::fmt::Display for ParamSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}
