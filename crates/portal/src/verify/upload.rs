//! Receiving an upload part by part as it arrives: the signature (kept in
//! memory, at most [`VerifyConfig::max_signature_bytes`]), the document
//! (never kept: hashed while it uploads, on a blocking thread fed through
//! a bounded channel, so the next piece is read while the last is hashed)
//! and optional additional certificates.
//!
//! The document is hashed with the digest algorithms of the signers when
//! the signature part came first (the documented order); when the document
//! comes first its algorithms are not known yet and it is hashed with both
//! Streebog-256 and Streebog-512.
//!
//! A part over its limit stops being kept or hashed; the rest of the
//! request is read and dropped (up to the sum of the limits) so that the
//! client, still sending, reads the error instead of a reset connection.

use axum::body::Bytes;
use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError};
use base64::Engine;
use pki::algorithm::DigestAlgorithm;
use pki::cms::{CmsError, SignedMessage};
use tokio::sync::mpsc;
use x509_cert::Certificate;

use super::{VerifyConfig, VerifyError};

/// The largest additional-certificates part (1 MiB).
pub const MAX_CERTIFICATES_BYTES: u64 = 1024 * 1024;

/// Pieces of the document waiting to be hashed (each up to a few tens of
/// KiB): the memory a document upload holds at most.
const QUEUE: usize = 16;

/// The signature as received: the file's name and the parsed message, or
/// why it does not parse.
pub struct SignaturePart {
    /// The file name the client gave.
    pub file_name: Option<String>,
    /// Its size, bytes.
    pub size: u64,
    /// The SignedData, or why the file is not one.
    pub message: Result<SignedMessage, CmsError>,
}

/// The document as received: never kept, only its size and digests.
#[derive(Debug, Clone)]
pub struct DocumentPart {
    /// The file name the client gave.
    pub file_name: Option<String>,
    /// Its size, bytes.
    pub size: u64,
    /// Its digests under the algorithms it was hashed with.
    pub digests: Vec<(DigestAlgorithm, Vec<u8>)>,
}

/// A whole upload.
pub struct Upload {
    /// The signature.
    pub signature: SignaturePart,
    /// The document, for a detached signature.
    pub document: Option<DocumentPart>,
    /// Certificates to build the signer's path with (never trusted as roots).
    pub certificates: Vec<Certificate>,
}

/// The parts of a request, by name.
const SIGNATURE: &str = "signature";
const DOCUMENT: &str = "document";
const CERTIFICATES: &str = "certificates";

/// Reads the parts of `multipart` within the limits of `config`.
pub async fn receive(
    mut multipart: Multipart,
    config: &VerifyConfig,
) -> Result<Upload, VerifyError> {
    let mut signature: Option<SignaturePart> = None;
    let mut document: Option<DocumentPart> = None;
    let mut certificates: Option<Vec<Certificate>> = None;
    // The first refusal; the rest of the request is then read and dropped.
    let mut refused: Option<VerifyError> = None;
    // A request within the Content-Length check is read to its end.
    let mut drain = Drain {
        left: config.max_request_bytes(),
    };
    loop {
        let next = multipart.next_field().await;
        let mut field = match (next, refused.take()) {
            (Ok(Some(field)), None) => field,
            (Ok(Some(mut field)), Some(e)) => {
                if !drain.field(&mut field).await {
                    // Too much: give up reading; the connection closes.
                    return Err(e);
                }
                refused = Some(e);
                continue;
            }
            (Ok(None), None) => break,
            (Ok(None) | Err(_), Some(e)) => return Err(e),
            (Err(e), None) => return Err(upload_error(e)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        match name.as_str() {
            SIGNATURE if signature.is_some() => {
                refused = Some(VerifyError::DuplicatePart(SIGNATURE))
            }
            DOCUMENT if document.is_some() => refused = Some(VerifyError::DuplicatePart(DOCUMENT)),
            CERTIFICATES if certificates.is_some() => {
                refused = Some(VerifyError::DuplicatePart(CERTIFICATES));
            }
            SIGNATURE => match read_limited(&mut field, config.max_signature_bytes).await? {
                Some(bytes) if bytes.is_empty() => {}
                Some(bytes) => {
                    signature = Some(SignaturePart {
                        file_name,
                        size: bytes.len() as u64,
                        message: parse_signature(&bytes),
                    });
                }
                None => {
                    refused = Some(VerifyError::SignatureTooLarge {
                        limit: config.max_signature_bytes,
                    });
                }
            },
            DOCUMENT => {
                let algorithms = match &signature {
                    Some(s) => signer_algorithms(&s.message),
                    None => vec![DigestAlgorithm::Streebog256, DigestAlgorithm::Streebog512],
                };
                let mut digester = Digester::start(algorithms);
                let mut over = false;
                while let Some(chunk) = field.chunk().await.map_err(upload_error)? {
                    if digester.size + chunk.len() as u64 > config.max_document_bytes {
                        over = true;
                        break;
                    }
                    digester.feed(chunk).await?;
                }
                if over {
                    refused = Some(VerifyError::DocumentTooLarge {
                        limit: config.max_document_bytes,
                    });
                } else {
                    let (size, digests) = digester.finish().await?;
                    // A form sent with no file chosen has an empty, unnamed part.
                    let chosen = size > 0 || file_name.as_deref().is_some_and(|n| !n.is_empty());
                    if chosen {
                        document = Some(DocumentPart {
                            file_name,
                            size,
                            digests,
                        });
                    }
                }
            }
            CERTIFICATES => match read_limited(&mut field, MAX_CERTIFICATES_BYTES).await? {
                Some(bytes) if bytes.is_empty() => {}
                Some(bytes) => match pki::cert::parse_certificates(&bytes) {
                    Ok(certs) => certificates = Some(certs),
                    Err(e) => refused = Some(VerifyError::CertificatesInvalid(e.to_string())),
                },
                None => {
                    refused = Some(VerifyError::CertificatesTooLarge {
                        limit: MAX_CERTIFICATES_BYTES,
                    });
                }
            },
            _ => refused = Some(VerifyError::UnknownPart(name)),
        }
        if let Some(e) = refused.take() {
            if !drain.field(&mut field).await {
                return Err(e);
            }
            refused = Some(e);
        }
    }
    Ok(Upload {
        signature: signature.ok_or(VerifyError::SignatureMissing)?,
        document,
        certificates: certificates.unwrap_or_default(),
    })
}

fn upload_error(e: MultipartError) -> VerifyError {
    VerifyError::Upload(e.body_text())
}

/// Reads a field into memory; `None` when it is over `limit` (the rest of
/// the field is left for the drain).
async fn read_limited(field: &mut Field<'_>, limit: u64) -> Result<Option<Vec<u8>>, VerifyError> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(upload_error)? {
        if (out.len() + chunk.len()) as u64 > limit {
            return Ok(None);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Some(out))
}

/// What may still be read and dropped after a refusal.
struct Drain {
    left: u64,
}

impl Drain {
    /// Reads the rest of `field` and drops it: `false` when the request
    /// ends badly or goes past the allowance (then it is abandoned and the
    /// server closes the connection).
    async fn field(&mut self, field: &mut Field<'_>) -> bool {
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => match self.left.checked_sub(chunk.len() as u64) {
                    Some(left) => self.left = left,
                    None => return false,
                },
                Ok(None) => return true,
                Err(_) => return false,
            }
        }
    }
}

/// Parses a signature file: DER, BER or PEM, or bare base64 of those (as
/// CryptoPro's `.sig` files often are).
pub fn parse_signature(bytes: &[u8]) -> Result<SignedMessage, CmsError> {
    match SignedMessage::parse(bytes) {
        Ok(m) => Ok(m),
        Err(first) => {
            let text: Vec<u8> = bytes
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            let looks_base64 = !text.is_empty()
                && text
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b));
            match looks_base64
                .then(|| base64::engine::general_purpose::STANDARD.decode(&text).ok())
                .flatten()
            {
                Some(der) => SignedMessage::parse(&der).map_err(|_| first),
                None => Err(first),
            }
        }
    }
}

/// The digest algorithms the signers of a parsed signature use (none when
/// it does not parse: the document is then only counted).
fn signer_algorithms(message: &Result<SignedMessage, CmsError>) -> Vec<DigestAlgorithm> {
    let Ok(m) = message else {
        return Vec::new();
    };
    let mut algs: Vec<DigestAlgorithm> = m
        .signer_infos()
        .iter()
        .filter_map(|s| DigestAlgorithm::from_oid(&s.info().digest_alg.oid).ok())
        .collect();
    algs.sort_by_key(|a| a.oid().to_string());
    algs.dedup();
    algs
}

/// Hashes a document on a blocking thread as its pieces arrive.
struct Digester {
    queue: mpsc::Sender<Bytes>,
    task: tokio::task::JoinHandle<Vec<(DigestAlgorithm, Vec<u8>)>>,
    size: u64,
}

impl Digester {
    fn start(algorithms: Vec<DigestAlgorithm>) -> Digester {
        let (queue, mut pieces) = mpsc::channel::<Bytes>(QUEUE);
        let task = tokio::task::spawn_blocking(move || {
            let mut hashers: Vec<_> = algorithms.iter().map(|a| (*a, a.hasher())).collect();
            while let Some(piece) = pieces.blocking_recv() {
                for (_, h) in &mut hashers {
                    h.update(&piece);
                }
            }
            hashers
                .into_iter()
                .map(|(a, h)| (a, h.finalize()))
                .collect()
        });
        Digester {
            queue,
            task,
            size: 0,
        }
    }

    async fn feed(&mut self, piece: Bytes) -> Result<(), VerifyError> {
        self.size += piece.len() as u64;
        self.queue
            .send(piece)
            .await
            .map_err(|_| VerifyError::Internal("the document hasher stopped".into()))
    }

    /// The size and the digests, once the last piece is hashed.
    async fn finish(self) -> Result<(u64, Vec<(DigestAlgorithm, Vec<u8>)>), VerifyError> {
        let Digester { queue, task, size } = self;
        drop(queue);
        let digests = task
            .await
            .map_err(|e| VerifyError::Internal(e.to_string()))?;
        Ok((size, digests))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn the_digester_hashes_every_piece_in_order() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut d = Digester::start(vec![
            DigestAlgorithm::Streebog256,
            DigestAlgorithm::Streebog512,
        ]);
        for piece in data.chunks(7_001) {
            d.feed(Bytes::copy_from_slice(piece)).await.unwrap();
        }
        let (size, digests) = d.finish().await.unwrap();
        assert_eq!(size, data.len() as u64);
        for (alg, digest) in digests {
            assert_eq!(digest, alg.digest(&data), "{alg:?}");
        }
        // Nothing fed: the digests of the empty document.
        let (size, digests) = Digester::start(vec![DigestAlgorithm::Streebog256])
            .finish()
            .await
            .unwrap();
        assert_eq!(size, 0);
        assert_eq!(digests[0].1, DigestAlgorithm::Streebog256.digest(b""));
    }

    #[test]
    fn garbage_is_not_a_signature_whether_base64_or_not() {
        assert_eq!(
            pki::Diagnostic::code(&parse_signature(b"not a signature").unwrap_err()),
            "CMS_MALFORMED"
        );
        assert!(parse_signature(b"QUJDRA==").is_err());
        assert!(parse_signature(b"").is_err());
    }
}
