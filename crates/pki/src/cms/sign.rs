//! Making SignedData: the signer info with its CAdES-BES attributes, and
//! the message around it.

use std::io::Read;
use std::time::SystemTime;

use cms::cert::IssuerAndSerialNumber;
use cms::content_info::CmsVersion;
use cms::signed_data::{SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::Encode;
use der::asn1::{OctetString, SetOfVec};
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::time::Time;

use super::CmsError;
use super::attributes::{SigningCertificateV2, attribute};
use super::message::{Skeleton, assemble_content_info};
use crate::Signer;
use crate::algorithm::{self, DigestAlgorithm};
use crate::oids;

/// Read buffer for streamed content: digests run in constant memory.
pub(crate) const BUFFER: usize = 64 * 1024;

/// The content to sign or verify: bytes in memory, or a reader streamed
/// through the digest (for detached signatures over large files).
pub enum Content<'a> {
    /// Content in memory.
    Bytes(&'a [u8]),
    /// Content read to its end in 64 KiB pieces.
    Reader(&'a mut dyn Read),
    /// Digests of detached content computed beforehand (see
    /// [`digest_reader`]): one pass over a large file serves every signer.
    Digests(&'a [(DigestAlgorithm, Vec<u8>)]),
}

/// Digests a reader under several algorithms in one pass, in constant
/// memory — for verifying every signer of a detached signature over a
/// large file without reading it more than once.
pub fn digest_reader(
    reader: &mut dyn Read,
    algorithms: &[DigestAlgorithm],
) -> Result<Vec<(DigestAlgorithm, Vec<u8>)>, CmsError> {
    let mut hashers: Vec<_> = algorithms.iter().map(|a| (*a, a.hasher())).collect();
    let mut buf = vec![0u8; BUFFER];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        for (_, h) in &mut hashers {
            h.update(&buf[..n]);
        }
    }
    Ok(hashers
        .into_iter()
        .map(|(a, h)| (a, h.finalize()))
        .collect())
}

impl<'a> From<&'a [u8]> for Content<'a> {
    fn from(b: &'a [u8]) -> Self {
        Content::Bytes(b)
    }
}

impl<'a> From<&'a Vec<u8>> for Content<'a> {
    fn from(b: &'a Vec<u8>) -> Self {
        Content::Bytes(b)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Content<'a> {
    fn from(b: &'a [u8; N]) -> Self {
        Content::Bytes(b)
    }
}

impl<'a, R: Read> From<&'a mut R> for Content<'a> {
    fn from(r: &'a mut R) -> Self {
        Content::Reader(r)
    }
}

impl Content<'_> {
    /// The digest of the content, reading a reader to its end.
    pub(crate) fn digest(&mut self, alg: DigestAlgorithm) -> Result<Vec<u8>, CmsError> {
        match self {
            Content::Bytes(b) => Ok(alg.digest(b)),
            Content::Reader(r) => Ok(digest_reader(*r, &[alg])?.remove(0).1),
            Content::Digests(d) => d
                .iter()
                .find(|(a, _)| *a == alg)
                .map(|(_, v)| v.clone())
                .ok_or(CmsError::ContentMissing),
        }
    }

    /// The content in memory (an attached signature carries it whole).
    fn into_bytes(self) -> Result<Vec<u8>, CmsError> {
        match self {
            Content::Bytes(b) => Ok(b.to_vec()),
            Content::Reader(r) => {
                let mut v = Vec::new();
                r.read_to_end(&mut v)?;
                Ok(v)
            }
            Content::Digests(_) => Err(CmsError::ContentMissing),
        }
    }
}

/// How the signer is identified in its SignerInfo (RFC 5652 §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignerIdKind {
    /// issuerAndSerialNumber, SignerInfo version 1 (what CryptoPro and
    /// OpenSSL write).
    #[default]
    IssuerAndSerialNumber,
    /// subjectKeyIdentifier, SignerInfo version 3 (the certificate must
    /// carry the extension).
    SubjectKeyIdentifier,
}

/// What to sign and how.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// Detached: the content is not carried in the message.
    pub detached: bool,
    /// The signingTime attribute; `None` leaves it out. Time is injected,
    /// never read from the clock here.
    pub signing_time: Option<SystemTime>,
    /// Whether to add the signingCertificateV2 attribute (CAdES-BES requires it).
    pub signing_certificate_v2: bool,
    /// Whether to put the signer's certificate (and `chain`) in the message.
    pub include_certificates: bool,
    /// More certificates to include (the signer's chain).
    pub chain: Vec<Certificate>,
    /// How the signer is identified.
    pub signer_id: SignerIdKind,
    /// eContentType of a new message (id-data unless told).
    pub content_type: ObjectIdentifier,
}

impl Default for SignOptions {
    fn default() -> Self {
        SignOptions {
            detached: false,
            signing_time: None,
            signing_certificate_v2: true,
            include_certificates: true,
            chain: Vec::new(),
            signer_id: SignerIdKind::IssuerAndSerialNumber,
            content_type: oids::ID_DATA,
        }
    }
}

impl SignOptions {
    /// CAdES-BES options: attached or detached, signed at `time`.
    pub fn cades_bes(detached: bool, time: SystemTime) -> Self {
        SignOptions {
            detached,
            signing_time: Some(time),
            ..SignOptions::default()
        }
    }
}

/// Signs `content` and returns a DER ContentInfo holding SignedData with
/// one signer (CAdES-BES when the options ask for signingTime and
/// signingCertificateV2, as [`SignOptions::cades_bes`] does).
///
/// A detached signature over a reader digests it in constant memory; an
/// attached one reads it whole (the message carries it).
pub fn sign<'a>(
    content: impl Into<Content<'a>>,
    signer: &dyn Signer,
    cert: &Certificate,
    options: &SignOptions,
) -> Result<Vec<u8>, CmsError> {
    let mut content = content.into();
    let alg = signer.digest_algorithm();
    let (digest, econtent) = if options.detached {
        (content.digest(alg)?, None)
    } else {
        let bytes = content.into_bytes()?;
        (alg.digest(&bytes), Some(bytes))
    };
    let signer_info = signer_info(signer, cert, options, Some(options.content_type), &digest)?;
    let mut encap = options.content_type.to_der()?;
    if let Some(bytes) = econtent {
        encap.extend(super::ber::tlv(0xa0, &OctetString::new(bytes)?.to_der()?));
    }
    let skeleton = Skeleton {
        digest_algorithms: vec![alg.algorithm_identifier().to_der()?],
        encap: super::ber::tlv(0x30, &encap),
        certificates: certificates(cert, options)?,
        crls: Vec::new(),
        signers: vec![signer_info],
    };
    assemble_content_info(&skeleton)
}

/// PEM with the `CMS` label (RFC 7468 §9), as `openssl cms -inform PEM` reads.
pub fn to_pem(der: &[u8]) -> Result<String, CmsError> {
    der::pem::encode_string("CMS", der::pem::LineEnding::LF, der)
        .map_err(|e| CmsError::Asn1(e.into()))
}

/// The certificates a signer adds to the message.
pub(crate) fn certificates(
    cert: &Certificate,
    options: &SignOptions,
) -> Result<Vec<Vec<u8>>, CmsError> {
    if !options.include_certificates {
        return Ok(Vec::new());
    }
    let mut out = vec![cert.to_der()?];
    for c in &options.chain {
        out.push(c.to_der()?);
    }
    Ok(out)
}

/// Builds and signs one SignerInfo over a content digest; returns its DER.
/// `content_type` is `None` for a countersignature (RFC 5652 §11.4).
pub(crate) fn signer_info(
    signer: &dyn Signer,
    cert: &Certificate,
    options: &SignOptions,
    content_type: Option<ObjectIdentifier>,
    digest: &[u8],
) -> Result<Vec<u8>, CmsError> {
    let spki = cert.tbs_certificate().subject_public_key_info();
    let key = signer.verifying_key();
    // The same key bits as the signer's encode: the same key, without
    // decoding and validating the point (an order-q check costs as much as
    // a verification) for every signature. Otherwise compare the points.
    let same_bits = key
        .to_public_key_info()
        .is_ok_and(|ours| ours.subject_public_key == spki.subject_public_key);
    if !same_bits && algorithm::verifying_key(spki)?.to_le_bytes() != key.to_le_bytes() {
        return Err(CmsError::KeyCertificateMismatch);
    }
    let size = key.param_set().key_size();
    let alg = signer.digest_algorithm();

    let mut attrs = Vec::new();
    if let Some(ct) = content_type {
        attrs.push(attribute(oids::ATTR_CONTENT_TYPE, &ct)?);
    }
    attrs.push(attribute(
        oids::ATTR_MESSAGE_DIGEST,
        &OctetString::new(digest)?,
    )?);
    if let Some(t) = options.signing_time {
        attrs.push(attribute(oids::ATTR_SIGNING_TIME, &Time::try_from(t)?)?);
    }
    if options.signing_certificate_v2 {
        attrs.push(attribute(
            oids::ATTR_SIGNING_CERTIFICATE_V2,
            &SigningCertificateV2::for_certificate(cert)?,
        )?);
    }
    let signed_attrs = SetOfVec::try_from(attrs)?;
    let signature = signer.sign_message(&signed_attrs.to_der()?)?;

    let tbs = cert.tbs_certificate();
    let (version, sid) = match options.signer_id {
        SignerIdKind::IssuerAndSerialNumber => (
            CmsVersion::V1,
            SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: tbs.issuer().clone(),
                serial_number: tbs.serial_number().clone(),
            }),
        ),
        SignerIdKind::SubjectKeyIdentifier => {
            let ski = tbs
                .get_extension::<SubjectKeyIdentifier>()?
                .map(|(_, ski)| ski)
                .ok_or(CmsError::NoSubjectKeyIdentifier)?;
            (CmsVersion::V3, SignerIdentifier::SubjectKeyIdentifier(ski))
        }
    };
    let info = SignerInfo {
        version,
        sid,
        digest_alg: alg.algorithm_identifier(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: algorithm::signature_algorithm_identifier(size),
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    Ok(info.to_der()?)
}
