//! The objects a container shows: for every key a private key, a public key
//! and, when one is stored, a certificate; and their attributes.
//!
//! Attribute values are encoded as PKCS#11 lays them out in memory:
//! `CK_ULONG` in native byte order, `CK_BBOOL` as one octet, byte arrays as
//! they are. Attributes follow PKCS#11 v2.40 (§4.4–4.9 of the base
//! specification, §2.56 of the current mechanisms for GOST keys):
//!
//! * a public key's `CKA_VALUE` is `LE(x) ‖ LE(y)`, 64 or 128 octets, **not**
//!   wrapped in an OCTET STRING (the wrapping belongs to SubjectPublicKeyInfo;
//!   `CKA_PUBLIC_KEY_INFO` carries that whole structure);
//! * `CKA_GOSTR3410_PARAMS` and `CKA_GOSTR3411_PARAMS` are DER object
//!   identifiers of the curve and of Streebog-256/512;
//! * a private key is always sensitive: its `CKA_VALUE` is never returned
//!   ([`Attr::Sensitive`]); `CKA_EXTRACTABLE` is the container's
//!   "exportable" flag. The container does not record whether a key was
//!   generated in it or imported, so `CKA_LOCAL`, `CKA_ALWAYS_SENSITIVE` and
//!   `CKA_NEVER_EXTRACTABLE` are reported as false.

use cryptoki_sys::*;
use der::{Decode, Encode};
use gost::{KeySize, ParamSet, VerifyingKey};
use token::container::KeyInfo;

use crate::consts::*;

/// Which of a key's objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// The private key (`CKO_PRIVATE_KEY`), visible after a user login.
    PrivateKey,
    /// The public key (`CKO_PUBLIC_KEY`).
    PublicKey,
    /// The key's certificate (`CKO_CERTIFICATE`, X.509).
    Certificate,
}

impl Kind {
    /// Whether the object is private (`CKA_PRIVATE`): visible and usable
    /// only while the user is logged in.
    pub fn is_private(self) -> bool {
        self == Kind::PrivateKey
    }

    /// The objects key `info` has.
    pub fn of(info: &KeyInfo) -> impl Iterator<Item = Kind> {
        let cert = info.certificate.is_some();
        [Kind::PrivateKey, Kind::PublicKey, Kind::Certificate]
            .into_iter()
            .filter(move |k| *k != Kind::Certificate || cert)
    }
}

/// One attribute of an object, as `C_GetAttributeValue` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attr {
    /// The attribute's value.
    Value(Vec<u8>),
    /// The attribute exists but may not be revealed
    /// (`CKR_ATTRIBUTE_SENSITIVE`).
    Sensitive,
    /// The object has no such attribute (`CKR_ATTRIBUTE_TYPE_INVALID`).
    Invalid,
}

/// Attributes whose values are `CK_BBOOL`: a template matches them by
/// truth, not by octet.
pub fn is_bool(attr: CK_ATTRIBUTE_TYPE) -> bool {
    matches!(
        attr,
        CKA_TOKEN
            | CKA_PRIVATE
            | CKA_MODIFIABLE
            | CKA_COPYABLE
            | CKA_DESTROYABLE
            | CKA_TRUSTED
            | CKA_SENSITIVE
            | CKA_ENCRYPT
            | CKA_DECRYPT
            | CKA_WRAP
            | CKA_UNWRAP
            | CKA_SIGN
            | CKA_SIGN_RECOVER
            | CKA_VERIFY
            | CKA_VERIFY_RECOVER
            | CKA_DERIVE
            | CKA_EXTRACTABLE
            | CKA_LOCAL
            | CKA_NEVER_EXTRACTABLE
            | CKA_ALWAYS_SENSITIVE
            | CKA_WRAP_WITH_TRUSTED
            | CKA_ALWAYS_AUTHENTICATE
    )
}

/// A `CK_ULONG` attribute value.
pub fn ulong(v: CK_ULONG) -> Vec<u8> {
    v.to_ne_bytes().to_vec()
}

/// A `CK_BBOOL` attribute value.
pub fn flag(v: bool) -> Vec<u8> {
    vec![u8::from(v)]
}

/// The key type of a parameter set's keys.
pub fn key_type(size: KeySize) -> CK_KEY_TYPE {
    match size {
        KeySize::Bits256 => CKK_GOSTR3410,
        KeySize::Bits512 => CKK_GOSTR3410_512,
    }
}

/// The signing mechanisms of a key size: without and with hashing.
pub fn sign_mechanisms(size: KeySize) -> [CK_MECHANISM_TYPE; 2] {
    match size {
        KeySize::Bits256 => [CKM_GOSTR3410, CKM_GOSTR3410_WITH_GOSTR3411_12_256],
        KeySize::Bits512 => [CKM_GOSTR3410_512, CKM_GOSTR3410_WITH_GOSTR3411_12_512],
    }
}

/// The DER of an object identifier.
pub fn oid_der(oid: &const_oid::ObjectIdentifier) -> Vec<u8> {
    // An OID we name ourselves always encodes.
    oid.to_der().unwrap_or_default()
}

/// The Streebog OID that goes with a key size.
pub fn digest_oid(size: KeySize) -> const_oid::ObjectIdentifier {
    match size {
        KeySize::Bits256 => STREEBOG256_OID,
        KeySize::Bits512 => STREEBOG512_OID,
    }
}

/// `CKA_ID` of a key: the octets its container id spells in hex (ids
/// podpis writes are hex); the id's UTF-8 octets otherwise.
pub fn id_bytes(id: &str) -> Vec<u8> {
    let hex = id.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex || id.is_empty() || !id.len().is_multiple_of(2) {
        return id.as_bytes().to_vec();
    }
    (0..id.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(&id[i..i + 2], 16).ok())
        .collect()
}

/// The container id a `CKA_ID` stands for: lowercase hex of its octets.
pub fn id_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The fields of a stored certificate that attributes show.
struct CertFields {
    subject: Vec<u8>,
    issuer: Vec<u8>,
    serial: Vec<u8>,
}

fn cert_fields(der: &[u8]) -> Option<CertFields> {
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    let tbs = cert.tbs_certificate();
    Some(CertFields {
        subject: tbs.subject().to_der().ok()?,
        issuer: tbs.issuer().to_der().ok()?,
        serial: tbs.serial_number().to_der().ok()?,
    })
}

/// The value of attribute `attr` of object `kind` of key `info`.
pub fn attribute(info: &KeyInfo, kind: Kind, attr: CK_ATTRIBUTE_TYPE) -> Attr {
    let size = info.param_set.key_size();
    let cert = info.certificate.as_deref().and_then(cert_fields);
    let value = match (attr, kind) {
        (CKA_CLASS, Kind::PrivateKey) => ulong(CKO_PRIVATE_KEY),
        (CKA_CLASS, Kind::PublicKey) => ulong(CKO_PUBLIC_KEY),
        (CKA_CLASS, Kind::Certificate) => ulong(CKO_CERTIFICATE),
        (CKA_TOKEN, _) => flag(true),
        (CKA_PRIVATE, k) => flag(k.is_private()),
        (CKA_MODIFIABLE | CKA_COPYABLE | CKA_DESTROYABLE, _) => flag(false),
        (CKA_LABEL, _) => info.label.as_bytes().to_vec(),
        (CKA_ID, _) => id_bytes(&info.id),
        (CKA_SUBJECT, _) => cert.map(|c| c.subject).unwrap_or_default(),

        (CKA_CERTIFICATE_TYPE, Kind::Certificate) => ulong(CKC_X_509),
        (CKA_CERTIFICATE_CATEGORY, Kind::Certificate) => ulong(0),
        (CKA_TRUSTED, Kind::Certificate) => flag(false),
        (CKA_ISSUER, Kind::Certificate) => cert.map(|c| c.issuer).unwrap_or_default(),
        (CKA_SERIAL_NUMBER, Kind::Certificate) => cert.map(|c| c.serial).unwrap_or_default(),
        (CKA_VALUE, Kind::Certificate) => info.certificate.clone().unwrap_or_default(),
        (CKA_START_DATE | CKA_END_DATE | CKA_URL, _) => Vec::new(),
        (CKA_JAVA_MIDP_SECURITY_DOMAIN, Kind::Certificate) => ulong(0),
        (_, Kind::Certificate) => return Attr::Invalid,

        // Both keys.
        (CKA_KEY_TYPE, _) => ulong(key_type(size)),
        (CKA_DERIVE | CKA_LOCAL, _) => flag(false),
        (CKA_KEY_GEN_MECHANISM, _) => ulong(CK_UNAVAILABLE_INFORMATION),
        (CKA_ALLOWED_MECHANISMS, _) => sign_mechanisms(size)
            .iter()
            .flat_map(|m| m.to_ne_bytes())
            .collect(),
        (CKA_GOSTR3410_PARAMS, _) => oid_der(&info.param_set.oid()),
        (CKA_GOSTR3411_PARAMS, _) => oid_der(&digest_oid(size)),
        (CKA_PUBLIC_KEY_INFO, _) => match public_key(info) {
            Some(key) => key.to_public_key_der().unwrap_or_default(),
            None => Vec::new(),
        },

        (CKA_SENSITIVE, Kind::PrivateKey) => flag(true),
        (CKA_EXTRACTABLE, Kind::PrivateKey) => flag(info.exportable),
        (CKA_ALWAYS_SENSITIVE | CKA_NEVER_EXTRACTABLE, Kind::PrivateKey) => flag(false),
        (CKA_SIGN, Kind::PrivateKey) => flag(true),
        (
            CKA_DECRYPT
            | CKA_SIGN_RECOVER
            | CKA_UNWRAP
            | CKA_WRAP_WITH_TRUSTED
            | CKA_ALWAYS_AUTHENTICATE,
            Kind::PrivateKey,
        ) => flag(false),
        (CKA_VALUE, Kind::PrivateKey) => return Attr::Sensitive,

        (CKA_VERIFY, Kind::PublicKey) => flag(true),
        (CKA_ENCRYPT | CKA_VERIFY_RECOVER | CKA_WRAP | CKA_TRUSTED, Kind::PublicKey) => flag(false),
        (CKA_VALUE, Kind::PublicKey) => info.public_key.clone(),
        _ => return Attr::Invalid,
    };
    Attr::Value(value)
}

/// The public key of `info`, if the stored octets are a valid point.
pub fn public_key(info: &KeyInfo) -> Option<VerifyingKey> {
    VerifyingKey::from_le_bytes(info.param_set, &info.public_key).ok()
}

/// Whether object `kind` of key `info` has every attribute of `template`
/// with the given value.
pub fn matches(info: &KeyInfo, kind: Kind, template: &[(CK_ATTRIBUTE_TYPE, Vec<u8>)]) -> bool {
    template
        .iter()
        .all(|(t, want)| match attribute(info, kind, *t) {
            Attr::Value(have) if is_bool(*t) => {
                have.len() == 1 && want.len() == 1 && (have[0] != 0) == (want[0] != 0)
            }
            Attr::Value(have) => have == *want,
            Attr::Sensitive | Attr::Invalid => false,
        })
}

/// The parameter set a `CKA_GOSTR3410_PARAMS` value names, if it is one of
/// the production sets of `size`.
pub fn param_set_from_der(der: &[u8], size: KeySize) -> Option<ParamSet> {
    let oid = const_oid::ObjectIdentifier::from_der(der).ok()?;
    ParamSet::from_oid(&oid).filter(|p| p.key_size() == size && ParamSet::PRODUCTION.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(param_set: ParamSet) -> KeyInfo {
        let key = gost::SigningKey::generate(param_set).unwrap();
        KeyInfo {
            id: "0a1b".into(),
            label: "test".into(),
            param_set,
            exportable: false,
            subject: None,
            not_after: None,
            public_key: key.verifying_key().to_le_bytes(),
            certificate: None,
        }
    }

    #[test]
    fn key_attributes_follow_the_gost_profile() {
        let i = info(ParamSet::Tc26B512);
        assert_eq!(
            attribute(&i, Kind::PublicKey, CKA_KEY_TYPE),
            Attr::Value(ulong(CKK_GOSTR3410_512))
        );
        assert_eq!(
            attribute(&i, Kind::PublicKey, CKA_VALUE),
            Attr::Value(i.public_key.clone())
        );
        assert_eq!(i.public_key.len(), 128);
        // DER OID 1.2.643.7.1.2.1.2.2 and Streebog-512.
        assert_eq!(
            attribute(&i, Kind::PrivateKey, CKA_GOSTR3410_PARAMS),
            Attr::Value(hex::decode("06092a8503070102010202").unwrap())
        );
        assert_eq!(
            attribute(&i, Kind::PrivateKey, CKA_GOSTR3411_PARAMS),
            Attr::Value(hex::decode("06082a85030701010203").unwrap())
        );
        assert_eq!(
            attribute(&i, Kind::PrivateKey, CKA_ID),
            Attr::Value(vec![0x0a, 0x1b])
        );
        let spki = match attribute(&i, Kind::PublicKey, CKA_PUBLIC_KEY_INFO) {
            Attr::Value(v) => v,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            VerifyingKey::from_public_key_der(&spki)
                .unwrap()
                .to_le_bytes(),
            i.public_key
        );
    }

    #[test]
    fn private_value_is_sensitive_and_flags_are_reported() {
        let mut i = info(ParamSet::Tc26A256);
        assert_eq!(attribute(&i, Kind::PrivateKey, CKA_VALUE), Attr::Sensitive);
        assert_eq!(
            attribute(&i, Kind::PrivateKey, CKA_SENSITIVE),
            Attr::Value(flag(true))
        );
        assert_eq!(
            attribute(&i, Kind::PrivateKey, CKA_EXTRACTABLE),
            Attr::Value(flag(false))
        );
        i.exportable = true;
        assert_eq!(
            attribute(&i, Kind::PrivateKey, CKA_EXTRACTABLE),
            Attr::Value(flag(true))
        );
        assert_eq!(attribute(&i, Kind::PrivateKey, CKA_MODULUS), Attr::Invalid);
        assert_eq!(
            attribute(&i, Kind::Certificate, CKA_KEY_TYPE),
            Attr::Invalid
        );
    }

    #[test]
    fn templates_match_by_value_and_booleans_by_truth() {
        let i = info(ParamSet::Tc26A256);
        let class = (CKA_CLASS, ulong(CKO_PRIVATE_KEY));
        assert!(matches(&i, Kind::PrivateKey, std::slice::from_ref(&class)));
        assert!(!matches(&i, Kind::PublicKey, &[class]));
        assert!(matches(&i, Kind::PrivateKey, &[(CKA_SIGN, vec![7])]));
        assert!(!matches(&i, Kind::PrivateKey, &[(CKA_SIGN, vec![0])]));
        assert!(matches(&i, Kind::PublicKey, &[(CKA_ID, vec![0x0a, 0x1b])]));
        assert!(!matches(&i, Kind::PublicKey, &[(CKA_ID, vec![0x0a])]));
        // A sensitive or absent attribute never matches.
        assert!(!matches(&i, Kind::PrivateKey, &[(CKA_VALUE, vec![])]));
        assert!(!matches(&i, Kind::PrivateKey, &[(CKA_MODULUS, vec![])]));
        assert!(matches(&i, Kind::Certificate, &[]));
    }

    #[test]
    fn ids_round_trip_through_hex() {
        assert_eq!(id_bytes("00ff10"), [0, 0xff, 0x10]);
        assert_eq!(id_hex(&[0, 0xff, 0x10]), "00ff10");
        assert_eq!(id_bytes("my-id"), b"my-id");
        assert_eq!(id_bytes("abc"), b"abc");
    }

    #[test]
    fn param_sets_are_checked_against_the_key_size() {
        let a256 = oid_der(&ParamSet::Tc26A256.oid());
        assert_eq!(
            param_set_from_der(&a256, KeySize::Bits256),
            Some(ParamSet::Tc26A256)
        );
        assert_eq!(param_set_from_der(&a256, KeySize::Bits512), None);
        let cp_a = oid_der(&ParamSet::CryptoProA.oid());
        assert_eq!(
            param_set_from_der(&cp_a, KeySize::Bits256),
            Some(ParamSet::CryptoProA)
        );
        let test = oid_der(&ParamSet::Test256.oid());
        assert_eq!(param_set_from_der(&test, KeySize::Bits256), None);
        assert_eq!(param_set_from_der(b"\x05\x00", KeySize::Bits256), None);
    }
}
