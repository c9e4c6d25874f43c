//! A parsed SignedData message that keeps the bytes it was read from, so
//! that signatures are checked over what was signed and a co-signed or
//! time-stamped message leaves the other signers byte-identical.

use cms::signed_data::SignerInfo;
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::crl::CertificateList;

use super::CmsError;
use super::ber::{self, Tlv};
use super::sign::{Content, SignOptions, certificates, signer_info};
use crate::Signer;
use crate::oids;

/// One signer's SignerInfo with the bytes it was read from.
#[derive(Debug, Clone)]
pub(crate) struct SignerRecord {
    pub(crate) raw: Vec<u8>,
    pub(crate) info: SignerInfo,
    /// The `[0] IMPLICIT` signedAttrs element as received.
    pub(crate) signed_attrs_raw: Option<Vec<u8>>,
    /// The countersignatures in its unsigned attributes (RFC 5652 §11.4).
    pub(crate) countersignatures: Vec<SignerRecord>,
}

/// A view of one SignerInfo of a [`SignedMessage`].
#[derive(Debug, Clone, Copy)]
pub struct SignerInfoRef<'a> {
    record: &'a SignerRecord,
}

impl<'a> SignerInfoRef<'a> {
    /// The decoded SignerInfo (its attribute sets are re-sorted by
    /// decoding: use [`SignerInfoRef::signed_attrs_der`] for the signed bytes).
    pub fn info(&self) -> &'a SignerInfo {
        &self.record.info
    }

    /// The SignerInfo as it appears in the message.
    pub fn raw(&self) -> &'a [u8] {
        &self.record.raw
    }

    /// The signed attributes exactly as received, re-tagged as SET (0x31):
    /// the bytes the signature covers.
    pub fn signed_attrs_der(&self) -> Option<Vec<u8>> {
        self.record.signed_attrs_raw.as_ref().map(|raw| {
            let mut v = raw.clone();
            v[0] = 0x31;
            v
        })
    }

    /// The signature value (`s ‖ r`).
    pub fn signature_value(&self) -> &'a [u8] {
        self.record.info.signature.as_bytes()
    }

    /// The countersignatures on this signer.
    pub fn countersignatures(&self) -> Vec<SignerInfoRef<'a>> {
        self.record
            .countersignatures
            .iter()
            .map(|record| SignerInfoRef { record })
            .collect()
    }
}

/// A parsed CMS SignedData (RFC 5652 §5), read from DER, BER or PEM.
#[derive(Debug, Clone)]
pub struct SignedMessage {
    /// The message in DER form (definite lengths; SET order as received).
    der: Vec<u8>,
    version: u8,
    digest_algorithms: Vec<AlgorithmIdentifierOwned>,
    digest_algorithms_raw: Vec<Vec<u8>>,
    content_type: ObjectIdentifier,
    content: Option<Vec<u8>>,
    encap_raw: Vec<u8>,
    certificates: Vec<Certificate>,
    certificates_raw: Vec<Vec<u8>>,
    crls: Vec<CertificateList>,
    crls_raw: Vec<Vec<u8>>,
    pub(crate) signers: Vec<SignerRecord>,
}

/// The parts a SignedData is written from, each already encoded.
pub(crate) struct Skeleton {
    pub(crate) digest_algorithms: Vec<Vec<u8>>,
    pub(crate) encap: Vec<u8>,
    pub(crate) certificates: Vec<Vec<u8>>,
    pub(crate) crls: Vec<Vec<u8>>,
    pub(crate) signers: Vec<Vec<u8>>,
}

/// Writes ContentInfo { id-signedData, SignedData } in DER: SETs sorted
/// (except signerInfos, kept in order), duplicates dropped, the version
/// computed as RFC 5652 §5.1 says.
pub(crate) fn assemble_content_info(s: &Skeleton) -> Result<Vec<u8>, CmsError> {
    let dedup = |v: &[Vec<u8>]| {
        let mut v = v.to_vec();
        v.sort();
        v.dedup();
        v
    };
    let econtent_type = {
        let encap = ber::parse_one(&s.encap)?;
        let first = encap
            .children()?
            .into_iter()
            .next()
            .ok_or(CmsError::Malformed("empty encapContentInfo"))?;
        ObjectIdentifier::from_der(first.raw)?
    };
    let mut version = 1u8;
    let signer_v3 = s
        .signers
        .iter()
        .any(|si| ber::parse_one(si).ok().and_then(signer_version) == Some(3));
    if signer_v3 || econtent_type != oids::ID_DATA {
        version = 3;
    }
    for c in &s.certificates {
        match c.first() {
            Some(0xa1) => version = version.max(3),
            Some(0xa2) => version = version.max(4),
            Some(0xa3) => version = 5,
            _ => {}
        }
    }
    if s.crls.iter().any(|c| c.first() == Some(&0xa1)) {
        version = 5;
    }
    let mut sd = ber::tlv(0x02, &[version]);
    sd.extend(ber::set_of(dedup(&s.digest_algorithms), 0x31));
    sd.extend_from_slice(&s.encap);
    if !s.certificates.is_empty() {
        sd.extend(ber::set_of(dedup(&s.certificates), 0xa0));
    }
    if !s.crls.is_empty() {
        sd.extend(ber::set_of(dedup(&s.crls), 0xa1));
    }
    // SignerInfos keep their order, a new signer goes last (as OpenSSL and
    // CryptoPro do): signer indices stay stable across co-signing and
    // time-stamping. Every other SET is sorted.
    sd.extend(ber::tlv(0x31, &s.signers.concat()));
    let mut ci = oids::ID_SIGNED_DATA.to_der()?;
    ci.extend(ber::tlv(0xa0, &ber::tlv(0x30, &sd)));
    Ok(ber::tlv(0x30, &ci))
}

/// The version INTEGER of a SignerInfo TLV.
fn signer_version(si: Tlv<'_>) -> Option<u8> {
    let first = si.children().ok()?.into_iter().next()?;
    match first.value {
        [v] if first.tag_byte() == 0x02 => Some(*v),
        _ => None,
    }
}

/// Decodes DER, falling back to BER for lenient peers.
fn decode<T: for<'a> Decode<'a, Error = der::Error>>(bytes: &[u8]) -> Result<T, CmsError> {
    T::from_der(bytes)
        .or_else(|_| T::from_ber(bytes))
        .map_err(CmsError::from)
}

/// Reads a SignerInfo TLV with its raw signed attributes and countersignatures.
fn parse_signer(raw: &[u8]) -> Result<SignerRecord, CmsError> {
    let info: SignerInfo = decode(raw)?;
    let tlv = ber::parse_one(raw)?;
    let children = tlv.children()?;
    let signed_attrs_raw = children
        .get(3)
        .filter(|c| c.tag_byte() == 0xa0)
        .map(|c| c.raw.to_vec());
    let mut countersignatures = Vec::new();
    if let Some(unsigned) = children.iter().find(|c| c.tag_byte() == 0xa1) {
        for attr in unsigned.children()? {
            let parts = attr.children()?;
            let (Some(oid), Some(values)) = (parts.first(), parts.get(1)) else {
                return Err(CmsError::Malformed("an attribute without values"));
            };
            if ObjectIdentifier::from_der(oid.raw)? == oids::ATTR_COUNTERSIGNATURE {
                for value in values.children()? {
                    countersignatures.push(parse_signer(value.raw)?);
                }
            }
        }
    }
    Ok(SignerRecord {
        raw: raw.to_vec(),
        info,
        signed_attrs_raw,
        countersignatures,
    })
}

/// Strips PEM armour (labels CMS and PKCS7) when present.
fn unarmor(input: &[u8]) -> Result<Vec<u8>, CmsError> {
    let trimmed = input.trim_ascii_start();
    if trimmed.starts_with(b"-----BEGIN") {
        let (label, der) =
            der::pem::decode_vec(trimmed).map_err(|_| CmsError::Malformed("invalid PEM armour"))?;
        if !matches!(label, "CMS" | "PKCS7" | "PKCS #7 SIGNED DATA") {
            return Err(CmsError::Malformed("PEM label is not CMS or PKCS7"));
        }
        Ok(der)
    } else {
        Ok(input.to_vec())
    }
}

impl SignedMessage {
    /// Parses a ContentInfo holding SignedData: DER, BER (indefinite
    /// lengths, chunked content, as CryptoPro writes) or PEM.
    pub fn parse(input: &[u8]) -> Result<SignedMessage, CmsError> {
        let der = ber::normalize(&unarmor(input)?)?;
        Self::from_normalized(der)
    }

    /// The content type of any ContentInfo (SignedData, EnvelopedData,
    /// DigestedData…), to tell what a file is.
    pub fn content_info_type(input: &[u8]) -> Result<ObjectIdentifier, CmsError> {
        let der = ber::normalize(&unarmor(input)?)?;
        let ci = ber::parse_one(&der)?;
        let first = ci
            .children()?
            .into_iter()
            .next()
            .ok_or(CmsError::Malformed("empty ContentInfo"))?;
        Ok(ObjectIdentifier::from_der(first.raw)?)
    }

    fn from_normalized(der: Vec<u8>) -> Result<SignedMessage, CmsError> {
        let ci = ber::parse_one(&der)?;
        if ci.tag_byte() != 0x30 {
            return Err(CmsError::Malformed("ContentInfo is not a SEQUENCE"));
        }
        let parts = ci.children()?;
        let [ct, explicit] = parts.as_slice() else {
            return Err(CmsError::Malformed("ContentInfo needs two fields"));
        };
        let content_type = ObjectIdentifier::from_der(ct.raw)?;
        if content_type != oids::ID_SIGNED_DATA {
            return Err(CmsError::NotSignedData(content_type));
        }
        if explicit.tag_byte() != 0xa0 {
            return Err(CmsError::Malformed("ContentInfo content is not [0]"));
        }
        let sd = match explicit.children()?.as_slice() {
            [sd] if sd.tag_byte() == 0x30 => *sd,
            _ => return Err(CmsError::Malformed("SignedData is not a SEQUENCE")),
        };
        let fields = sd.children()?;
        let mut it = fields.iter().peekable();
        let version = match it.next() {
            Some(v) if v.tag_byte() == 0x02 && v.value.len() == 1 => v.value[0],
            _ => return Err(CmsError::Malformed("SignedData version")),
        };
        if !matches!(version, 1 | 3 | 4 | 5) {
            return Err(CmsError::UnsupportedVersion {
                structure: "SignedData",
                version,
            });
        }
        let algs = match it.next() {
            Some(s) if s.tag_byte() == 0x31 => s.children()?,
            _ => return Err(CmsError::Malformed("SignedData digestAlgorithms")),
        };
        let mut digest_algorithms = Vec::new();
        let mut digest_algorithms_raw = Vec::new();
        for a in algs {
            digest_algorithms.push(decode::<AlgorithmIdentifierOwned>(a.raw)?);
            digest_algorithms_raw.push(a.raw.to_vec());
        }
        let encap = match it.next() {
            Some(e) if e.tag_byte() == 0x30 => *e,
            _ => return Err(CmsError::Malformed("SignedData encapContentInfo")),
        };
        let (econtent_type, content) = match encap.children()?.as_slice() {
            [t] => (ObjectIdentifier::from_der(t.raw)?, None),
            [t, c] if c.tag_byte() == 0xa0 => {
                let octets = match c.children()?.as_slice() {
                    [o] if o.tag_byte() == 0x04 => o.value.to_vec(),
                    _ => return Err(CmsError::Malformed("eContent is not an OCTET STRING")),
                };
                (ObjectIdentifier::from_der(t.raw)?, Some(octets))
            }
            _ => return Err(CmsError::Malformed("encapContentInfo")),
        };
        let mut certificates = Vec::new();
        let mut certificates_raw = Vec::new();
        if let Some(c) = it.next_if(|c| c.tag_byte() == 0xa0) {
            for cert in c.children()? {
                if cert.tag_byte() == 0x30 {
                    certificates.push(decode::<Certificate>(cert.raw)?);
                }
                certificates_raw.push(cert.raw.to_vec());
            }
        }
        let mut crls = Vec::new();
        let mut crls_raw = Vec::new();
        if let Some(c) = it.next_if(|c| c.tag_byte() == 0xa1) {
            for crl in c.children()? {
                if crl.tag_byte() == 0x30 {
                    crls.push(decode::<CertificateList>(crl.raw)?);
                }
                crls_raw.push(crl.raw.to_vec());
            }
        }
        let signer_set = match it.next() {
            Some(s) if s.tag_byte() == 0x31 => *s,
            _ => return Err(CmsError::Malformed("SignedData signerInfos")),
        };
        if it.next().is_some() {
            return Err(CmsError::Malformed("trailing fields in SignedData"));
        }
        let mut signers = Vec::new();
        for si in signer_set.children()? {
            signers.push(parse_signer(si.raw)?);
        }
        let encap_raw = encap.raw.to_vec();
        Ok(SignedMessage {
            version,
            digest_algorithms,
            digest_algorithms_raw,
            content_type: econtent_type,
            content,
            encap_raw,
            certificates,
            certificates_raw,
            crls,
            crls_raw,
            signers,
            der,
        })
    }

    /// The message in DER form: what was parsed (BER converted to definite
    /// lengths) or what the last change produced.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// The message as PEM (`-----BEGIN CMS-----`).
    pub fn to_pem(&self) -> Result<String, CmsError> {
        super::sign::to_pem(&self.der)
    }

    /// The SignedData version.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The digestAlgorithms set.
    pub fn digest_algorithms(&self) -> &[AlgorithmIdentifierOwned] {
        &self.digest_algorithms
    }

    /// eContentType (id-data for ordinary documents).
    pub fn content_type(&self) -> ObjectIdentifier {
        self.content_type
    }

    /// The encapsulated content, if the signature is attached.
    pub fn content(&self) -> Option<&[u8]> {
        self.content.as_deref()
    }

    /// Whether the content is not carried (a detached signature).
    pub fn is_detached(&self) -> bool {
        self.content.is_none()
    }

    /// The X.509 certificates carried in the message.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// The CRLs carried in the message.
    pub fn crls(&self) -> &[CertificateList] {
        &self.crls
    }

    /// The number of signers.
    pub fn signer_count(&self) -> usize {
        self.signers.len()
    }

    /// The signers in the order of the message.
    pub fn signer_infos(&self) -> Vec<SignerInfoRef<'_>> {
        self.signers
            .iter()
            .map(|record| SignerInfoRef { record })
            .collect()
    }

    /// Signer `i`.
    pub fn signer(&self, i: usize) -> Result<SignerInfoRef<'_>, CmsError> {
        self.signers
            .get(i)
            .map(|record| SignerInfoRef { record })
            .ok_or(CmsError::NoSuchSigner(i))
    }

    /// The signature value of signer `i`: what a signatureTimeStampToken
    /// (CAdES-T) or a countersignature covers.
    pub fn signature_value(&self, i: usize) -> Result<&[u8], CmsError> {
        Ok(self.signer(i)?.signature_value())
    }

    fn skeleton(&self) -> Skeleton {
        Skeleton {
            digest_algorithms: self.digest_algorithms_raw.clone(),
            encap: self.encap_raw.clone(),
            certificates: self.certificates_raw.clone(),
            crls: self.crls_raw.clone(),
            signers: self.signers.iter().map(|s| s.raw.clone()).collect(),
        }
    }

    fn rebuild(&mut self, skeleton: &Skeleton) -> Result<(), CmsError> {
        *self = Self::from_normalized(assemble_content_info(skeleton)?)?;
        Ok(())
    }

    /// Adds a signer over the same content (co-signature, "параллельная
    /// подпись"); it becomes the last signer, the indices of the others do
    /// not change. The content is taken from the message when attached; a
    /// detached message needs it supplied again. The other signers stay
    /// byte-identical; `options.detached` and `options.content_type` are
    /// ignored (the message decides both).
    pub fn co_sign<'a>(
        &mut self,
        content: Option<Content<'a>>,
        signer: &dyn Signer,
        cert: &Certificate,
        options: &SignOptions,
    ) -> Result<(), CmsError> {
        let alg = signer.digest_algorithm();
        let digest = match (&self.content, content) {
            (Some(c), _) => alg.digest(c),
            (None, Some(mut c)) => c.digest(alg)?,
            (None, None) => return Err(CmsError::ContentMissing),
        };
        let si = signer_info(signer, cert, options, Some(self.content_type), &digest)?;
        let mut skeleton = self.skeleton();
        if !self.digest_algorithms.iter().any(|a| a.oid == alg.oid()) {
            skeleton
                .digest_algorithms
                .push(alg.algorithm_identifier().to_der()?);
        }
        add_certificates(&mut skeleton, &self.certificates, cert, options)?;
        skeleton.signers.push(si);
        self.rebuild(&skeleton)
    }

    /// Countersigns signer `i` (RFC 5652 §11.4): a SignerInfo over its
    /// signature value, without contentType, added to its unsigned
    /// attributes. Other signers stay byte-identical.
    pub fn countersign(
        &mut self,
        i: usize,
        signer: &dyn Signer,
        cert: &Certificate,
        options: &SignOptions,
    ) -> Result<(), CmsError> {
        let target = self.signer(i)?.signature_value().to_vec();
        let digest = signer.digest_algorithm().digest(&target);
        let si = signer_info(signer, cert, options, None, &digest)?;
        let certs = self.certificates.clone();
        self.change_unsigned(i, oids::ATTR_COUNTERSIGNATURE, si, true, |skeleton| {
            add_certificates(skeleton, &certs, cert, options)
        })
    }

    /// Adds an unsigned attribute to signer `i` (e.g. the CAdES-T
    /// signatureTimeStampToken, [`oids::ATTR_SIGNATURE_TIME_STAMP`]). The
    /// attribute is appended as a new element of unsignedAttrs; the signed
    /// part of the signer and all other signers stay byte-identical.
    pub fn add_unsigned_attribute(
        &mut self,
        i: usize,
        attribute: &Attribute,
    ) -> Result<(), CmsError> {
        self.signer(i)?;
        let der = attribute.to_der()?;
        self.change_unsigned(i, attribute.oid, der, false, |_| Ok(()))
    }

    /// Rewrites signer `i` with `value` added to its unsigned attributes:
    /// as a value of an existing attribute `oid` when `merge`, else as a
    /// whole new attribute (`value` is then the Attribute's DER).
    fn change_unsigned(
        &mut self,
        i: usize,
        oid: ObjectIdentifier,
        value: Vec<u8>,
        merge: bool,
        extra: impl FnOnce(&mut Skeleton) -> Result<(), CmsError>,
    ) -> Result<(), CmsError> {
        let raw = self.signer(i)?.raw().to_vec();
        let tlv = ber::parse_one(&raw)?;
        let children = tlv.children()?;
        let mut attrs: Vec<Vec<u8>> = Vec::new();
        let mut merged = false;
        if let Some(unsigned) = children.iter().find(|c| c.tag_byte() == 0xa1) {
            for attr in unsigned.children()? {
                let parts = attr.children()?;
                let same = match parts.first() {
                    Some(o) => ObjectIdentifier::from_der(o.raw)? == oid,
                    None => false,
                };
                if merge && same && !merged {
                    let values = parts
                        .get(1)
                        .ok_or(CmsError::Malformed("an attribute without values"))?;
                    let mut v: Vec<Vec<u8>> =
                        values.children()?.iter().map(|c| c.raw.to_vec()).collect();
                    v.push(value.clone());
                    let mut a = oid.to_der()?;
                    a.extend(ber::set_of(v, 0x31));
                    attrs.push(ber::tlv(0x30, &a));
                    merged = true;
                } else {
                    attrs.push(attr.raw.to_vec());
                }
            }
        }
        if merge && !merged {
            let mut a = oid.to_der()?;
            a.extend(ber::set_of(vec![value], 0x31));
            attrs.push(ber::tlv(0x30, &a));
        } else if !merge {
            attrs.push(value);
        }
        let mut body = Vec::new();
        for c in children.iter().filter(|c| c.tag_byte() != 0xa1) {
            body.extend_from_slice(c.raw);
        }
        body.extend(ber::set_of(attrs, 0xa1));
        let mut skeleton = self.skeleton();
        skeleton.signers[i] = ber::tlv(0x30, &body);
        extra(&mut skeleton)?;
        self.rebuild(&skeleton)
    }
}

/// Adds the signer's certificate and chain unless already carried.
fn add_certificates(
    skeleton: &mut Skeleton,
    present: &[Certificate],
    cert: &Certificate,
    options: &SignOptions,
) -> Result<(), CmsError> {
    for (der, c) in certificates(cert, options)?
        .into_iter()
        .zip(std::iter::once(cert).chain(&options.chain))
    {
        if !present.contains(c) {
            skeleton.certificates.push(der);
        }
    }
    Ok(())
}
