//! Verifying a signer: the checks of RFC 5652 §5.4–5.6 and CAdES-BES in
//! the order of ETSI EN 319 102-1, each failure its own error.

use std::time::SystemTime;

use cms::content_info::CmsVersion;
use cms::signed_data::SignerIdentifier;
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::time::Time;

use super::CmsError;
use super::attributes::{SigningCertificateV2, decode_value, find};
use super::message::{SignedMessage, SignerRecord};
use super::sign::Content;
use crate::algorithm::{self, AlgorithmError, DigestAlgorithm};
use crate::oids;

/// What the signingCertificateV2 check found (a mismatch is an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EssCheck {
    /// The attribute is absent (allowed by CMS, required by CAdES-BES).
    Absent,
    /// The attribute names the signer's certificate.
    Matched,
}

/// A signer whose signature verified.
#[derive(Debug, Clone)]
pub struct VerifiedSigner {
    /// The signer's certificate (from the message or the ones supplied).
    pub certificate: Certificate,
    /// The digest algorithm of the signer info.
    pub digest_algorithm: DigestAlgorithm,
    /// The signingTime attribute, if present (claimed, not proven).
    pub signing_time: Option<SystemTime>,
    /// Whether signingCertificateV2 was present and matched.
    pub signing_certificate_v2: EssCheck,
    /// Whether the signature covers signed attributes (else the content
    /// digest directly, as in the TC 26 and RFC 4490 samples).
    pub has_signed_attributes: bool,
    /// The signature value (`s ‖ r`).
    pub signature: Vec<u8>,
}

/// Whether `cert` is the one a signer identifier names.
fn identifies(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            tbs.issuer() == &isn.issuer
                && tbs.serial_number().as_bytes() == isn.serial_number.as_bytes()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            matches!(tbs.get_extension::<SubjectKeyIdentifier>(), Ok(Some((_, s))) if s == *ski)
        }
    }
}

impl SignedMessage {
    /// Verifies signer `i`. `content` is needed only when the signature is
    /// detached (a reader is digested in constant memory; it is ignored when
    /// the message carries the content); `extra_certs` are searched after
    /// the certificates in the message. Signers are independent: verify
    /// each index in turn (a reader must then be supplied afresh).
    ///
    /// Checks, in order: format and versions; supported digest; the
    /// signer's certificate; signingCertificateV2; contentType;
    /// messageDigest against the content; the signature over the signed
    /// attributes as received (or over the content digest when there are
    /// none).
    pub fn verify_signer<'a>(
        &self,
        i: usize,
        content: Option<Content<'a>>,
        extra_certs: &[Certificate],
    ) -> Result<VerifiedSigner, CmsError> {
        let record = self.signers.get(i).ok_or(CmsError::NoSuchSigner(i))?;
        let mut supplied = content;
        let mut digest_of = |alg: DigestAlgorithm| -> Result<Vec<u8>, CmsError> {
            match (self.content(), supplied.as_mut()) {
                (Some(c), _) => Ok(alg.digest(c)),
                (None, Some(c)) => c.digest(alg),
                (None, None) => Err(CmsError::ContentMissing),
            }
        };
        verify_record(
            record,
            &mut digest_of,
            Some(self.content_type()),
            self.certificates().iter().chain(extra_certs),
        )
    }

    /// Verifies countersignature `j` on signer `i` (RFC 5652 §11.4): its
    /// messageDigest covers signer `i`'s signature value.
    pub fn verify_countersignature(
        &self,
        i: usize,
        j: usize,
        extra_certs: &[Certificate],
    ) -> Result<VerifiedSigner, CmsError> {
        let record = self.signers.get(i).ok_or(CmsError::NoSuchSigner(i))?;
        let counter = record
            .countersignatures
            .get(j)
            .ok_or(CmsError::NoSuchSigner(j))?;
        let target = record.info.signature.as_bytes();
        verify_record(
            counter,
            &mut |alg| Ok(alg.digest(target)),
            None,
            self.certificates().iter().chain(extra_certs),
        )
    }
}

fn verify_record<'c>(
    record: &SignerRecord,
    digest_of: &mut dyn FnMut(DigestAlgorithm) -> Result<Vec<u8>, CmsError>,
    content_type: Option<ObjectIdentifier>,
    mut certs: impl Iterator<Item = &'c Certificate>,
) -> Result<VerifiedSigner, CmsError> {
    let info = &record.info;
    // FORMAT_FAILURE: the versions RFC 5652 §5.3 defines (1 goes with
    // issuerAndSerialNumber, 3 with subjectKeyIdentifier; a mismatched pair
    // is tolerated, the identifier decides).
    match info.version {
        CmsVersion::V1 | CmsVersion::V3 => {}
        v => {
            return Err(CmsError::UnsupportedVersion {
                structure: "SignerInfo",
                version: v as u8,
            });
        }
    }
    let alg = DigestAlgorithm::from_oid(&info.digest_alg.oid)?;

    // NO_SIGNING_CERTIFICATE_FOUND.
    let cert = certs
        .find(|c| identifies(&info.sid, c))
        .ok_or(CmsError::SignerCertificateNotFound)?;
    let key = algorithm::verifying_key(cert.tbs_certificate().subject_public_key_info())?;
    let size = key.param_set().key_size();
    let implied = algorithm::signature_digest(&info.signature_algorithm.oid, size)?;
    if implied != alg {
        return Err(CmsError::UnsupportedAlgorithm(
            AlgorithmError::KeyMismatch {
                algorithm: info.digest_alg.oid,
                key_bits: (size.field_bytes() * 8) as u32,
            },
        ));
    }
    let signature = info.signature.as_bytes();

    let (Some(attrs), Some(raw)) = (&info.signed_attrs, &record.signed_attrs_raw) else {
        // No signed attributes: the signature is over the content digest.
        let digest = digest_of(alg)?;
        algorithm::verify_digest(&key, &digest, signature)?;
        return Ok(VerifiedSigner {
            certificate: cert.clone(),
            digest_algorithm: alg,
            signing_time: None,
            signing_certificate_v2: EssCheck::Absent,
            has_signed_attributes: false,
            signature: signature.to_vec(),
        });
    };
    let attrs: Vec<_> = attrs.iter().cloned().collect();

    let ess = match find(&attrs, &oids::ATTR_SIGNING_CERTIFICATE_V2) {
        Some(v) => {
            let sc: SigningCertificateV2 = decode_value(v)?;
            if !sc.matches(cert)? {
                return Err(CmsError::SigningCertificateMismatch);
            }
            EssCheck::Matched
        }
        None => EssCheck::Absent,
    };

    if let Some(expected) = content_type {
        let v = find(&attrs, &oids::ATTR_CONTENT_TYPE).ok_or(CmsError::ContentTypeMissing)?;
        let attribute: ObjectIdentifier = decode_value(v)?;
        if attribute != expected {
            return Err(CmsError::ContentTypeMismatch {
                attribute,
                content: expected,
            });
        }
    }

    let v = find(&attrs, &oids::ATTR_MESSAGE_DIGEST).ok_or(CmsError::MessageDigestMissing)?;
    let claimed: OctetString = decode_value(v)?;
    if digest_of(alg)? != claimed.as_bytes() {
        return Err(CmsError::DigestMismatch);
    }

    // The signed attributes as received, with the SET tag (RFC 5652 §5.4).
    let mut signed = raw.clone();
    signed[0] = 0x31;
    algorithm::verify_digest(&key, &alg.digest(&signed), signature)?;

    let signing_time = match find(&attrs, &oids::ATTR_SIGNING_TIME) {
        Some(v) => Some(decode_value::<Time>(v)?.to_system_time()),
        None => None,
    };
    Ok(VerifiedSigner {
        certificate: cert.clone(),
        digest_algorithm: alg,
        signing_time,
        signing_certificate_v2: ess,
        has_signed_attributes: true,
        signature: signature.to_vec(),
    })
}
