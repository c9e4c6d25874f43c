//! Submission: the applicant's data and a CSR, checked in a fixed order —
//! the applicant's fields (kind, required fields, control digits), then the
//! CSR (PKCS#10 syntax, a GOST R 34.10-2012 key of a known parameter set,
//! the proof-of-possession signature), then duplicates (a public key may be
//! in one live request only; the database's unique index decides, so two
//! submissions at once cannot both pass).
//!
//! A refused submission is recorded too: a request in state `rejected`
//! with the error code, the data and the bytes as received — the CA can
//! show what was refused and why.

use der::{Decode, Encode};
use gost::VerifyingKey;
use pki::Diagnostic;
use pki::algorithm::{self, AlgorithmError};
use pki::csr::{self, CsrError};
use store::{NewRequest, RequestRecord, StoreError};
use x509_cert::ext::Extension;
use x509_cert::request::CertReq;

use crate::applicant::{Applicant, ApplicantForm, kind_name};
use crate::{Ca, CaError, actor_name, spki_hash};

/// The largest CSR accepted (a GOST request is well under 2 KiB).
pub const MAX_CSR_LEN: usize = 64 * 1024;

/// A CSR that passed every check.
#[derive(Debug, Clone)]
pub struct CheckedCsr {
    /// The request as DER.
    pub der: Vec<u8>,
    /// The key to certify.
    pub key: VerifyingKey,
    /// Hex Streebog-256 of its SubjectPublicKeyInfo.
    pub spki_hash: String,
    /// The extensions it asks for.
    pub extensions: Vec<Extension>,
}

/// Checks a CSR (DER or PEM): syntax, key algorithm and parameter set,
/// then the signature over the request as received.
pub fn check_csr(input: &[u8]) -> Result<CheckedCsr, CaError> {
    if input.len() > MAX_CSR_LEN {
        return Err(CaError::CsrMalformed(format!(
            "{} bytes, more than {MAX_CSR_LEN}",
            input.len()
        )));
    }
    let der = if input.first() == Some(&0x30) {
        input.to_vec()
    } else {
        pki::cert::pem_blocks(input, &["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"])
            .map_err(|e| CaError::CsrMalformed(e.to_string()))?
            .into_iter()
            .next()
            .ok_or_else(|| CaError::CsrMalformed("no PEM CERTIFICATE REQUEST block".into()))?
    };
    let req = CertReq::from_der(&der).map_err(|e| CaError::CsrMalformed(e.to_string()))?;
    let key = algorithm::verifying_key(&req.info.public_key).map_err(|e| match e {
        AlgorithmError::UnsupportedSignature(oid) | AlgorithmError::UnsupportedDigest(oid) => {
            CaError::CsrUnsupportedAlgorithm(oid)
        }
        AlgorithmError::PublicKey(gost::Error::UnknownParamSet(oid)) => {
            CaError::CsrUnknownParamSet(oid)
        }
        other => CaError::CsrBadKey(other.to_string()),
    })?;
    let verified = csr::verify_csr_der(&der).map_err(|e| match e {
        CsrError::Algorithm(AlgorithmError::BadSignature | AlgorithmError::KeyMismatch { .. }) => {
            CaError::CsrBadSignature
        }
        CsrError::Algorithm(
            AlgorithmError::UnsupportedSignature(oid) | AlgorithmError::UnsupportedDigest(oid),
        ) => CaError::CsrUnsupportedAlgorithm(oid),
        other => CaError::CsrMalformed(other.to_string()),
    })?;
    let spki = req
        .info
        .public_key
        .to_der()
        .map_err(|e| CaError::CsrMalformed(e.to_string()))?;
    Ok(CheckedCsr {
        der,
        key,
        spki_hash: spki_hash(&spki),
        extensions: verified.extensions,
    })
}

impl Ca {
    /// Registers a request: checks `form` and `csr` (see the module
    /// documentation) and records it as `submitted`, journaled as `actor`
    /// (the applicant, or the operator entering it). A refused submission
    /// is recorded as a rejected request and returned as
    /// [`CaError::Refused`] whose code is the refusal's own.
    pub async fn submit(
        &self,
        form: &ApplicantForm,
        csr: &[u8],
        actor: &str,
    ) -> Result<RequestRecord, CaError> {
        self.submit_with_token(form, csr, actor, None).await
    }

    /// [`Ca::submit`], also storing `token_hash` — the hash of the token
    /// the applicant reads the request with — in the same transaction, so
    /// no accepted request lacks its token. A refused submission stores no
    /// token.
    pub async fn submit_with_token(
        &self,
        form: &ApplicantForm,
        csr: &[u8],
        actor: &str,
        token_hash: Option<&str>,
    ) -> Result<RequestRecord, CaError> {
        let actor = actor_name(actor)?;
        let audit = self.audit(actor);
        let applicant_json =
            serde_json::to_string(form).map_err(|e| CaError::StoredDataInvalid(e.to_string()))?;
        let checked =
            Applicant::check(form, audit.at).and_then(|applicant| Ok((applicant, check_csr(csr)?)));
        let (applicant, checked) = match checked {
            Ok(c) => c,
            Err(cause) => {
                let kind = form.kind.trim().chars().take(40).collect();
                let new = NewRequest {
                    kind,
                    applicant: applicant_json,
                    csr_der: Some(csr[..csr.len().min(MAX_CSR_LEN)].to_vec()),
                    ..NewRequest::default()
                };
                return Err(self.refuse(&new, cause, &audit).await);
            }
        };
        let new = NewRequest {
            kind: kind_name(applicant.kind).to_owned(),
            applicant: applicant_json,
            identity_key: Some(applicant.identity_key()),
            csr_der: Some(checked.der),
            spki_hash: Some(checked.spki_hash),
            renewal_of: None,
            token_hash: token_hash.map(str::to_owned),
        };
        match self.store.submit_request(&new, &audit).await {
            Ok(r) => Ok(r),
            Err(StoreError::DuplicateKey { existing }) => Err(self
                .refuse(&new, CaError::Duplicate { existing }, &audit)
                .await),
            Err(e) => Err(e.into()),
        }
    }

    /// Records a refused submission; returns the error to report (the
    /// refusal with the rejected request's number, or the store's error
    /// if even that failed).
    pub(crate) async fn refuse(
        &self,
        new: &NewRequest,
        cause: CaError,
        audit: &store::Audit,
    ) -> CaError {
        match self.store.refuse_request(new, cause.code(), audit).await {
            Ok(record) => CaError::Refused {
                request_id: record.id,
                cause: Box::new(cause),
            },
            Err(e) => e.into(),
        }
    }
}
