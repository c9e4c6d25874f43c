//! Requests a holder signs with their key: a CMS SignedData with the
//! content attached (a re-key CSR, a revocation request). Who signed is
//! decided against the CA's own records, never the message's word alone.

use cms::signed_data::SignerIdentifier;
use der::Decode;
use pki::cms::SignedMessage;
use store::{CertificateRecord, Serial};
use x509_cert::Certificate;

use crate::{Ca, CaError};

/// A signed request whose signature verified.
#[derive(Debug)]
pub(crate) struct SignedRequest {
    /// The attached content.
    pub(crate) content: Vec<u8>,
    /// The signer.
    pub(crate) signer: SignedBy,
}

/// Who signed.
#[derive(Debug)]
pub(crate) enum SignedBy {
    /// The holder of a certificate this CA issued (the certificate in the
    /// message, if any, is byte for byte the one on record).
    Issued(Box<CertificateRecord>),
    /// Someone else: a certificate of another CA, or one that only claims
    /// to be ours. The text names it for the journal.
    Other(String),
}

impl Ca {
    /// Parses and verifies a signed request: content attached, signer 0's
    /// signature valid, and the signer identified against the store.
    pub(crate) async fn signed_request(&self, der: &[u8]) -> Result<SignedRequest, CaError> {
        let msg = SignedMessage::parse(der)
            .map_err(|e| CaError::SignedRequestMalformed(e.to_string()))?;
        let content = msg
            .content()
            .ok_or_else(|| CaError::SignedRequestMalformed("detached: no content".into()))?
            .to_vec();
        let sid = msg
            .signer(0)
            .map_err(|e| CaError::SignedRequestMalformed(e.to_string()))?
            .info()
            .sid
            .clone();
        // The certificate on record for the signer identifier, if ours.
        let record = match &sid {
            SignerIdentifier::IssuerAndSerialNumber(isn)
                if pki::name::names_match(
                    &isn.issuer,
                    self.issuing.cert.tbs_certificate().subject(),
                ) =>
            {
                match Serial::from_bytes(isn.serial_number.as_bytes()) {
                    Some(serial) => self.store.certificate(&serial).await?,
                    None => None,
                }
            }
            _ => None,
        };
        let extra = match &record {
            Some(r) => vec![
                Certificate::from_der(&r.der)
                    .map_err(|e| CaError::StoredDataInvalid(e.to_string()))?,
            ],
            None => Vec::new(),
        };
        let verified = msg
            .verify_signer(0, None, &extra)
            .map_err(|e| CaError::SignedRequestBadSignature(e.to_string()))?;
        let signer_der = der::Encode::to_der(&verified.certificate)
            .map_err(|e| CaError::SignedRequestMalformed(e.to_string()))?;
        let signer = match record {
            Some(r) if r.der == signer_der => SignedBy::Issued(Box::new(r)),
            _ => {
                let tbs = verified.certificate.tbs_certificate();
                SignedBy::Other(format!(
                    "{} (serial {}, issuer {})",
                    pki::name::format_name(tbs.subject()),
                    Serial::from_bytes(tbs.serial_number().as_bytes())
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                    pki::name::format_name(tbs.issuer())
                ))
            }
        };
        Ok(SignedRequest { content, signer })
    }
}
