//! The public signature verification service: anyone uploads a signature
//! (CMS/CAdES, attached or detached, DER, BER, PEM or bare base64) and,
//! for a detached one, the document, and gets the validation report of
//! `pki::validation` — as JSON from `POST /api/v1/verify`, in plain words
//! (Russian, English) from the page `/verify`. No login; nothing is stored.
//!
//! The document is never held whole: it is hashed while it uploads
//! ([`upload`]); the signature part should come first so that only the
//! signers' digest algorithm is computed. Trust is the server's: the
//! accredited CAs of [`idp::trust::TrustList`] (the same list as the
//! e-signature login), revocation over HTTP as the certificates name it
//! (OCSP first, CRL fallback; CRLs are kept until their nextUpdate). See
//! docs/verify.md.

mod error;
mod page;
pub mod upload;

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use idp::Clock;
use idp::Idp;
use idp::security::{SecurityHeaders, SecurityLayer};
use idp::trust::TrustList;
use pki::cms::Content;
use pki::report::{Failure, SignerReport, ValidationReport};
use pki::revocation::{FailureMode, RevocationChecker, RevocationPolicy, RevocationSource};
use pki::validation::{Validator, cms_sub_indication, rfc3339};
use serde::Deserialize;

pub use error::VerifyError;
use error::size;
pub use upload::Upload;

/// How revocation is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationMode {
    /// Without evidence the signature is INDETERMINATE / TRY_LATER (default).
    #[default]
    FailClosed,
    /// Without evidence the signature may pass, with a warning.
    FailOpen,
    /// Not checked (tests, closed networks); the report says so.
    Off,
}

/// The service's settings (the `verify` section of `podpis serve`'s
/// configuration).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerifyConfig {
    /// The largest document, bytes (100 MiB).
    pub max_document_bytes: u64,
    /// The largest signature file, bytes (32 MiB): it is held in memory, an
    /// attached signature with its document inside.
    pub max_signature_bytes: u64,
    /// The longest an upload may take, seconds (600).
    pub upload_timeout_seconds: u64,
    /// Revocation checking (`fail_closed`, `fail_open`, `off`).
    pub revocation: RevocationMode,
    /// Demand a qualified certificate (УКЭП); default no — the report says
    /// whether the certificate is qualified.
    pub require_qualified: bool,
}

impl Default for VerifyConfig {
    fn default() -> Self {
        VerifyConfig {
            max_document_bytes: 100 * 1024 * 1024,
            max_signature_bytes: 32 * 1024 * 1024,
            upload_timeout_seconds: 600,
            revocation: RevocationMode::FailClosed,
            require_qualified: false,
        }
    }
}

impl VerifyConfig {
    /// The largest request that can fit the limits (the parts and room for
    /// the multipart framing).
    pub(crate) fn max_request_bytes(&self) -> u64 {
        self.max_document_bytes
            .saturating_add(self.max_signature_bytes)
            .saturating_add(upload::MAX_CERTIFICATES_BYTES)
            .saturating_add(64 * 1024)
    }
}

/// The code of the warning that an attached signature came with a
/// document that is not the one inside it.
pub const DOCUMENT_DIFFERS: &str = "VERIFY_DOCUMENT_DIFFERS";

/// The verification service: what it trusts and how it checks. Cheap to
/// share (`Arc`).
pub struct Verifier {
    trust: TrustList,
    checker: Option<RevocationChecker>,
    config: VerifyConfig,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("anchors", &self.trust.anchors.len())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A service trusting `trust`, fetching revocation evidence through
    /// `source` (none: only fail-open or no checking can pass).
    pub fn new(
        trust: TrustList,
        source: Option<Arc<dyn RevocationSource>>,
        config: VerifyConfig,
        clock: Arc<dyn Clock>,
    ) -> Verifier {
        let mode = match config.revocation {
            RevocationMode::FailClosed => Some(FailureMode::FailClosed),
            RevocationMode::FailOpen => Some(FailureMode::FailOpen),
            RevocationMode::Off => None,
        };
        let checker = mode.map(|mode| {
            let checker = RevocationChecker::new(RevocationPolicy {
                mode,
                ..RevocationPolicy::default()
            });
            match source {
                Some(s) => checker.with_source(s),
                None => checker,
            }
        });
        Verifier {
            trust,
            checker,
            config,
            clock,
        }
    }

    /// The settings.
    pub fn config(&self) -> &VerifyConfig {
        &self.config
    }

    /// Whether revocation is checked (not [`RevocationMode::Off`]).
    pub fn checks_revocation(&self) -> bool {
        self.checker.is_some()
    }

    /// Validates an upload now. Blocking (revocation goes to the network):
    /// call it on a blocking thread.
    pub fn validate(&self, upload: &Upload) -> ValidationReport {
        let at = self.clock.now();
        let message = match &upload.signature.message {
            Ok(m) => m,
            Err(err) => {
                let mut signer = SignerReport::passed(0);
                signer.fail(cms_sub_indication(err), Failure::from_diagnostic(err));
                return ValidationReport::new(rfc3339(at), vec![signer]);
            }
        };
        let mut intermediates = self.trust.intermediates.clone();
        intermediates.extend(upload.certificates.iter().cloned());
        let mut validator = Validator::new(&self.trust.anchors, at)
            .intermediates(intermediates)
            .require_qualified(self.config.require_qualified);
        if let Some(checker) = &self.checker {
            validator = validator.revocation(checker);
        }
        let content = match (message.content(), &upload.document) {
            (None, Some(doc)) => Some(Content::Digests(&doc.digests)),
            _ => None,
        };
        let mut report = validator.validate(message, content);
        if let (Some(inside), Some(doc)) = (message.content(), &upload.document) {
            let differs = doc.size != inside.len() as u64
                || doc.digests.iter().any(|(alg, d)| alg.digest(inside) != *d);
            if differs {
                for s in &mut report.signers {
                    s.warnings.push(document_differs());
                }
            }
        }
        report
    }
}

fn document_differs() -> Failure {
    Failure {
        code: DOCUMENT_DIFFERS.into(),
        message_ru: "Подпись присоединённая: подписанный документ находится внутри неё. Загруженный отдельно файл отличается от него — проверен документ из подписи, а не загруженный файл.".into(),
        message_en: "The signature is attached: the signed document is inside it. The file uploaded separately differs from it — the document inside the signature was checked, not the uploaded file.".into(),
    }
}

/// The state of the service's routes.
#[derive(Clone)]
struct VerifyState {
    idp: Idp,
    verifier: Arc<Verifier>,
}

/// The service's routes: the page `/verify` (form and result), the API
/// `POST /api/v1/verify`, and the page's progress script
/// `/static/verify.js`; with the security headers and no body limit of
/// axum's own (the service counts every part against its limits).
pub fn router(idp: Idp, verifier: Arc<Verifier>) -> Router {
    let security = SecurityLayer::new(&SecurityHeaders {
        hsts: idp.policy().hsts,
        ..Default::default()
    });
    Router::new()
        .route("/verify", get(page::form).post(page::submit))
        .route("/api/v1/verify", post(api))
        .route("/static/verify.js", get(page::script))
        .with_state(VerifyState { idp, verifier })
        .layer(DefaultBodyLimit::disable())
        .layer(security)
}

/// Receives an upload within the limits and validates it.
async fn run(
    verifier: &Arc<Verifier>,
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(ValidationReport, Upload), VerifyError> {
    let config = verifier.config();
    let limit = config.max_request_bytes();
    if let Some(declared) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|n| *n > limit)
    {
        return Err(VerifyError::UploadTooLarge { declared, limit });
    }
    let multipart = multipart.map_err(|_| VerifyError::NotMultipart)?;
    let timeout = Duration::from_secs(config.upload_timeout_seconds.max(1));
    let upload = tokio::time::timeout(timeout, upload::receive(multipart, config))
        .await
        .map_err(|_| VerifyError::Timeout(timeout.as_secs()))??;
    let verifier = verifier.clone();
    tokio::task::spawn_blocking(move || {
        let report = verifier.validate(&upload);
        (report, upload)
    })
    .await
    .map_err(|e| VerifyError::Internal(e.to_string()))
}

/// `POST /api/v1/verify`: the validation report as JSON.
async fn api(
    State(state): State<VerifyState>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    match run(&state.verifier, &headers, multipart).await {
        Ok((report, _)) => Json(report).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The OpenAPI paths of the service, for `/api/openapi.json`.
pub fn openapi_paths() -> serde_json::Value {
    let error = |what: &str| {
        serde_json::json!({
            "description": what,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        })
    };
    serde_json::json!({
        "/api/v1/verify": {
            "post": {
                "summary": "Verify a signature (public) / Проверить подпись",
                "description": "Multipart upload: `signature` (CMS/CAdES .p7s/.sig: DER, BER, PEM or bare base64; attached or detached), then `document` for a detached signature, optionally `certificates` (PEM bundle or DER: intermediates to build the path with, never trusted as roots). Send `signature` first: the document is hashed while it uploads, with the signers' digest algorithm (both Streebog-256 and -512 when the document comes first). Limits: the server's `verify` configuration (100 MiB document, 32 MiB signature by default). The report is that of `podpis verify --json` (docs/validation-report.md, docs/verify.md). Nothing is stored.",
                "tags": ["verification"],
                "security": [],
                "requestBody": {"required": true, "content": {"multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["signature"],
                        "properties": {
                            "signature": {"type": "string", "format": "binary"},
                            "document": {"type": "string", "format": "binary"},
                            "certificates": {"type": "string", "format": "binary"}
                        }
                    },
                    "encoding": {"signature": {"contentType": "application/pkcs7-signature, application/octet-stream"}}
                }}},
                "responses": {
                    "200": {
                        "description": "The validation report (also for an invalid or unreadable signature: TOTAL_FAILED / FORMAT_FAILURE)",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ValidationReport"}}}
                    },
                    "400": error("VERIFY_SIGNATURE_MISSING, VERIFY_UNKNOWN_PART, VERIFY_DUPLICATE_PART, VERIFY_UPLOAD_FAILED, VERIFY_CERTIFICATES_INVALID"),
                    "408": error("VERIFY_UPLOAD_TIMEOUT"),
                    "413": error("VERIFY_DOCUMENT_TOO_LARGE, VERIFY_SIGNATURE_TOO_LARGE, VERIFY_CERTIFICATES_TOO_LARGE, VERIFY_UPLOAD_TOO_LARGE"),
                    "415": error("VERIFY_NOT_MULTIPART"),
                    "500": error("VERIFY_INTERNAL")
                }
            }
        }
    })
}

/// The schemas [`openapi_paths`] refers to (`#/components/schemas/…`).
pub fn openapi_schemas() -> serde_json::Value {
    let failure = serde_json::json!({
        "type": "object",
        "required": ["code", "message_ru", "message_en"],
        "properties": {
            "code": {"type": "string"},
            "message_ru": {"type": "string"},
            "message_en": {"type": "string"}
        }
    });
    serde_json::json!({
            "ValidationReport": {
                "type": "object",
                "required": ["indication", "validation_time", "signers"],
                "properties": {
                    "indication": {"enum": ["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"], "description": "The worst signer's"},
                    "validation_time": {"type": "string", "format": "date-time"},
                    "signers": {"type": "array", "items": {"$ref": "#/components/schemas/SignerReport"}}
                }
            },
            "SignerReport": {
                "type": "object",
                "required": ["index", "indication", "chain", "revocation", "warnings"],
                "properties": {
                    "index": {"type": "integer"},
                    "indication": {"enum": ["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"]},
                    "sub_indication": {"type": "string", "description": "ETSI EN 319 102-1, e.g. HASH_FAILURE"},
                    "failure": failure.clone(),
                    "signer": {"type": "object", "description": "subject (formatted) and the identifiers read from it: snils, inn, innle, ogrn, ogrnip, common_name, surname, given_name, organization, …"},
                    "signing_time": {"type": "string", "format": "date-time", "description": "Claimed by the signer"},
                    "timestamp": {"type": "object", "properties": {"time": {"type": "string"}, "tsa": {"type": "string"}, "valid": {"type": "boolean"}, "problem": {"type": "string"}}},
                    "digest_algorithm": {"type": "string"},
                    "qualified": {"type": "boolean"},
                    "chain": {"type": "array", "items": {"type": "object", "properties": {
                        "subject": {"type": "string"}, "issuer": {"type": "string"}, "serial": {"type": "string"},
                        "not_before": {"type": "string"}, "not_after": {"type": "string"}, "trust_anchor": {"type": "boolean"}
                    }}},
                    "revocation": {"type": "array", "items": {"type": "object", "properties": {
                        "serial": {"type": "string"}, "source": {"enum": ["ocsp", "crl", "none"]},
                        "status": {"enum": ["good", "revoked", "unknown", "unchecked"]},
                        "produced_at": {"type": "string"}, "next_update": {"type": "string"}, "issuer": {"type": "string"},
                        "revoked_at": {"type": "string"}, "reason": {"type": "string"}
                    }}},
                    "warnings": {"type": "array", "items": failure}
                }
            }
    })
}
