//! The ASN.1 structures of CryptoPro's key files, as far as podpis reads
//! them, and the key algorithms they name.
//!
//! CryptoPro does not publish these modules; the field names follow the
//! public descriptions listed in `docs/formats.md` and were checked against
//! the real containers and PFX files of the interop corpus.

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, BitString, OctetString};
use der::{Decode, Encode, Reader, Sequence, SliceReader, Tag, TagNumber, Tagged};
use gost::ParamSet;
use spki::AlgorithmIdentifierOwned;

/// GOST R 34.10-2001 signature key (RFC 4357 §10.4).
const GOSTR3410_2001: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.2.2.19");
/// GOST R 34.10-2001 key agreement ("DH") key (RFC 4357 §10.4).
const GOSTR3410_2001_DH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.2.2.98");
/// id-tc26-gost3410-12-256 (signature key).
const GOSTR3410_2012_256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.7.1.1.1.1");
/// id-tc26-gost3410-12-512 (signature key).
const GOSTR3410_2012_512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.7.1.1.1.2");
/// id-tc26-agreement-gost-3410-12-256 (key agreement key).
const AGREEMENT_2012_256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.7.1.1.6.1");
/// id-tc26-agreement-gost-3410-12-512 (key agreement key).
const AGREEMENT_2012_512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.7.1.1.6.2");

/// The container format CryptoPro CSP 3.6–5.0 and JCP write in the
/// `[0]` of header.key (the only one podpis knows).
pub(super) const CONTAINER_V1: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.643.2.2.37.2.1");

/// Which GOST R 34.10 a key belongs to: it picks the container's KDF hash
/// and cipher S-box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Generation {
    /// GOST R 34.10-2001 (hash GOST R 34.11-94, S-box CryptoPro-A).
    Gost2001,
    /// GOST R 34.10-2012 (hash Streebog-256, S-box param-Z).
    Gost2012,
}

/// A key algorithm as a CryptoPro file names it.
#[derive(Clone, Copy, Debug)]
pub(super) struct KeyAlgorithm {
    /// The curve.
    pub(super) param_set: ParamSet,
    /// 2001 or 2012.
    pub(super) generation: Generation,
    /// Whether the algorithm OID is a key-agreement ("DH") one.
    pub(super) agreement: bool,
}

/// Why a key algorithm could not be read.
pub(super) enum AlgorithmError {
    /// Not DER as expected.
    Malformed,
    /// A key algorithm or parameter set podpis does not know.
    Unsupported(ObjectIdentifier),
}

impl KeyAlgorithm {
    /// Reads `AlgorithmIdentifier { algorithm, SEQUENCE { publicKeyParamSet,
    /// digestParamSet OPTIONAL, … } }`.
    pub(super) fn from_identifier(alg: &AlgorithmIdentifierOwned) -> Result<Self, AlgorithmError> {
        let (generation, agreement, bits512) = match alg.oid {
            GOSTR3410_2001 => (Generation::Gost2001, false, false),
            GOSTR3410_2001_DH => (Generation::Gost2001, true, false),
            GOSTR3410_2012_256 => (Generation::Gost2012, false, false),
            GOSTR3410_2012_512 => (Generation::Gost2012, false, true),
            AGREEMENT_2012_256 => (Generation::Gost2012, true, false),
            AGREEMENT_2012_512 => (Generation::Gost2012, true, true),
            other => return Err(AlgorithmError::Unsupported(other)),
        };
        let params = alg.parameters.as_ref().ok_or(AlgorithmError::Malformed)?;
        let oid: ObjectIdentifier = AnyRef::from(params)
            .sequence(|r| {
                let oid = r.decode()?;
                r.read_slice(r.remaining_len())?;
                Ok::<_, der::Error>(oid)
            })
            .map_err(|_| AlgorithmError::Malformed)?;
        let param_set = ParamSet::from_oid(&oid).ok_or(AlgorithmError::Unsupported(oid))?;
        let is512 = param_set.field_bytes() == 64;
        if is512 != bits512 {
            return Err(AlgorithmError::Unsupported(oid));
        }
        Ok(KeyAlgorithm {
            param_set,
            generation,
            agreement,
        })
    }
}

/// ```asn1
/// GostPrivateKeyParameters ::= SEQUENCE {
///     attributes           GostPrivateKeyAttributes,  -- BIT STRING
///     privateKeyAlgorithm  [0] IMPLICIT AlgorithmIdentifier }
/// GostPrivateKeyAttributes ::= BIT STRING { pkaExportable(0),
///     pkaUserProtect(1), pkaExchange(2), pkaEphemeral(3),
///     pkaNonCachable(4), pkaDhAllowed(5) }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(super) struct PrivateKeyParameters {
    pub(super) attributes: BitString,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    pub(super) algorithm: AlgorithmIdentifierOwned,
}

impl PrivateKeyParameters {
    /// Whether the pkaExchange bit is set (the key is AT_KEYEXCHANGE).
    pub(super) fn exchange(&self) -> bool {
        self.attributes.bits().nth(2).unwrap_or(false)
    }
}

/// What podpis takes from header.key:
///
/// ```asn1
/// GostKeyContainer ::= SEQUENCE {
///     keyContainerContent      GostKeyContainerContent,
///     hmacKeyContainerContent  Gost28147-89-MAC }          -- 4 octets
/// GostKeyContainerContent ::= SEQUENCE {
///     containerAlgoritmIdentifier    [0] … OPTIONAL,      -- 1.2.643.2.2.37.2.1
///     containerName                  IA5String OPTIONAL,
///     attributes                     GostKeyContainerContentAttributes,
///     primaryPrivateKeyParameters    GostPrivateKeyParameters,
///     hmacPassword                   [2] IMPLICIT Gost28147-89-MAC OPTIONAL,
///     secondaryEncryptedPrivateKey   [3] … OPTIONAL,
///     secondaryPrivateKeyParameters  [4] IMPLICIT GostPrivateKeyParameters OPTIONAL,
///     primaryCertificate             [5] IMPLICIT OCTET STRING OPTIONAL,
///     secondaryCertificate           [6] IMPLICIT OCTET STRING OPTIONAL,
///     encryptionContainerName        [7] IMPLICIT IA5String OPTIONAL,
///     primaryCertificateLink         [8] … OPTIONAL,
///     secondaryCertificateLink       [9] … OPTIONAL,
///     primaryFP                      [10] IMPLICIT OCTET STRING,
///     secondaryFP                    [11] IMPLICIT OCTET STRING OPTIONAL,
///     … }
/// ```
///
/// The fields are read by tag, so fields podpis does not use (and ones a
/// later CSP adds) are skipped.
#[derive(Debug, Default)]
pub(super) struct Header {
    pub(super) container_algorithm: Option<ObjectIdentifier>,
    pub(super) primary: Option<PrivateKeyParameters>,
    pub(super) secondary: Option<PrivateKeyParameters>,
    pub(super) primary_cert: Option<Vec<u8>>,
    pub(super) secondary_cert: Option<Vec<u8>>,
    pub(super) primary_fp: Option<Vec<u8>>,
    pub(super) secondary_fp: Option<Vec<u8>>,
}

fn context(n: u8, constructed: bool) -> Tag {
    Tag::ContextSpecific {
        constructed,
        number: TagNumber(n.into()),
    }
}

impl Header {
    /// Parses header.key.
    pub(super) fn from_der(der: &[u8]) -> der::Result<Header> {
        let outer = AnyRef::from_der(der)?;
        outer.sequence(|r| {
            let content: AnyRef<'_> = r.decode()?;
            let _mac: OctetString = r.decode()?;
            Header::from_content(content.value())
        })
    }

    fn from_content(body: &[u8]) -> der::Result<Header> {
        let mut h = Header::default();
        let mut r = SliceReader::new(body)?;
        while !r.is_finished() {
            let field: AnyRef<'_> = r.decode()?;
            let tag = field.tag();
            if tag == context(0, true) {
                // [0] { OBJECT IDENTIFIER }
                let mut inner = SliceReader::new(field.value())?;
                h.container_algorithm = Some(inner.decode()?);
            } else if tag == Tag::Sequence && h.primary.is_none() {
                h.primary = Some(PrivateKeyParameters::from_der(&field.to_der()?)?);
            } else if tag == context(4, true) {
                h.secondary = Some(sequence_body::<PrivateKeyParameters>(field.value())?);
            } else if tag == context(5, false) {
                h.primary_cert = Some(field.value().to_vec());
            } else if tag == context(6, false) {
                h.secondary_cert = Some(field.value().to_vec());
            } else if tag == context(10, false) {
                h.primary_fp = Some(field.value().to_vec());
            } else if tag == context(11, false) {
                h.secondary_fp = Some(field.value().to_vec());
            }
        }
        Ok(h)
    }
}

/// Decodes a SEQUENCE type from the contents of an IMPLICIT-tagged field.
fn sequence_body<T: for<'a> Decode<'a, Error = der::Error>>(body: &[u8]) -> der::Result<T> {
    let mut der = Vec::with_capacity(body.len() + 4);
    der::Header::new(Tag::Sequence, der::Length::try_from(body.len())?).encode_to_vec(&mut der)?;
    der.extend_from_slice(body);
    T::from_der(&der)
}

/// masks.key (and masks2.key):
///
/// ```asn1
/// GostKeyMask ::= SEQUENCE {
///     mask  OCTET STRING,   -- LE(m), as wide as the field
///     salt  OCTET STRING,   -- 12 octets
///     hmac  OCTET STRING }  -- 4 octets
/// ```
#[derive(Sequence)]
pub(super) struct Masks {
    pub(super) mask: OctetString,
    pub(super) salt: OctetString,
    pub(super) hmac: OctetString,
}

/// primary.key (and primary2.key): the masked keys, each encrypted in ECB
/// mode under the key derived from the password and the salt of masks.key.
///
/// ```asn1
/// GostKeyPrimary ::= SEQUENCE {
///     primaryKey    OCTET STRING,
///     secondaryKey  [0] IMPLICIT OCTET STRING OPTIONAL }
/// ```
#[derive(Sequence)]
pub(super) struct Primary {
    pub(super) primary: OctetString,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub(super) secondary: Option<OctetString>,
}

/// name.key: `SEQUENCE { containerName IA5String, … }`.
pub(super) fn container_name(der: &[u8]) -> der::Result<String> {
    AnyRef::from_der(der)?.sequence(|r| {
        let name: der::asn1::Ia5StringRef<'_> = r.decode()?;
        r.read_slice(r.remaining_len())?;
        Ok(name.to_string())
    })
}
